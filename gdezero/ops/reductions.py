"""Reductions: sum, mean, max, min, prod, cumsum, logsumexp, norm."""
from __future__ import annotations

import math
import operator

from gdezero.backend import device_of
from gdezero.backend import namespace_of_type as _xp
from gdezero.core import Axis, Constant, Function, Variable, VariableLike, as_variable, data_constant, no_grad
from gdezero.ops.elementwise import exp
from gdezero.ops.shapes import broadcast_like, concatenate, inverse_permutation, reshape, transpose
from gdezero.taylor import series as S

__all__ = ["sum", "mean", "max", "min", "prod", "cumsum", "logsumexp", "norm"]


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axis = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(a % ndim for a in axis)


def _batch_reduce(self, xs, batched):
    """The batching rule of a reduction over `axis` (None: all): the same axes, one to the
    right, of the batch."""
    x, = xs
    axes = tuple(range(1, x.ndim)) if self.axis is None else tuple(a + 1 for a in self.axis)
    return type(self)(axes, self.keepdims)(x)


def _reduced_shape(x_shape, axis, keepdims):
    axes = _axes(axis, len(x_shape))
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(x_shape))
    return tuple(n for i, n in enumerate(x_shape) if i not in axes)


class _Reduction(Function):
    """A reduction over `axis` (None: all, or a tuple of axes in 0..ndim-1), the reduced axes
    kept with length 1 if `keepdims`."""
    batch = _batch_reduce

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def _spread(self, gy):
        """The gradient `gy`, broadcast back over the reduced axes (to the input's shape)."""
        x = self.inputs[0]
        if gy.ndim > 0:  # a 0-d gy broadcasts as it is
            gy = reshape(gy, _reduced_shape(x.shape, self.axis, True))
        return broadcast_like(gy, x)


class Sum(_Reduction):
    linear_in = "all"
    def forward(self, x):
        return _xp(x).sum(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        return self._spread(gy)

    def taylor(self, x):
        return S.sum(x, self.axis, self.keepdims)


def _checked_axis(axis, shape, who):
    """`axis` (None, an int, a tuple or a list) as None or a tuple of axes in 0..ndim-1;
    a ValueError naming the axis and ndim when one is out of range or repeated."""
    if axis is None:
        return None
    ndim = len(shape)
    axes = []
    for a in (axis if isinstance(axis, (tuple, list)) else (axis,)):
        a = operator.index(a)
        if not -ndim <= a < ndim:
            hint = "a 0-d Variable has no axes: use axis=None" if ndim == 0 else f"use -{ndim}..{ndim - 1}"
            raise ValueError(f"{who}: axis {a} is out of range for a Variable of ndim {ndim} "
                             f"(shape {tuple(shape)}); {hint}")
        axes.append(a % ndim)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{who}: axis {axis} repeats an axis (shape {tuple(shape)})")
    return tuple(axes)


def sum(x: VariableLike, axis: Axis = None, keepdims: bool = False) -> Variable:
    """The sum of `x`'s elements over `axis` (all by default), as ``Variable.sum``.

    Parameters
    ----------
    x : Variable or array
        The input.
    axis : int, tuple or list of int, optional
        The axes to sum over; all by default.
    keepdims : bool, default False
        Keep the summed axes with length 1.

    Returns
    -------
    Variable
        The sums.

    Raises
    ------
    ValueError
        When an axis is out of range or repeated.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> F.sum(x), F.sum(x, axis=0), x.sum(axis=1, keepdims=True).shape
    (variable(10.0), variable([4. 6.]), (2, 1))
    """
    x = as_variable(x)
    return Sum(_checked_axis(axis, x.shape, "sum"), keepdims)(x)


def mean(x: VariableLike, axis: Axis = None, keepdims: bool = False) -> Variable:
    """The mean of `x`'s elements over `axis` (all by default).

    Parameters
    ----------
    x : Variable or array
        The input.
    axis : int, tuple or list of int, optional
        The axes to average over; all by default.
    keepdims : bool, default False
        Keep the averaged axes with length 1.

    Returns
    -------
    Variable
        The means.

    Raises
    ------
    ValueError
        When an axis is out of range or repeated.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> y = F.mean(x)
    >>> print(y, F.mean(x, axis=0))
    variable(2.5) variable([2. 3.])
    >>> gd.grad(F.sum(y), x)
    variable([[0.25 0.25]
              [0.25 0.25]])
    """
    x = as_variable(x)
    axis = _checked_axis(axis, x.shape, "mean")
    count = 1
    for a in _axes(axis, x.ndim):
        count *= x.shape[a]
    return sum(x, axis, keepdims) / count


def _extremum_share(f):
    """1 / (number of ties) at the extrema of f's input, 0 elsewhere, as a constant: how the
    gradient and the series of max / min split among ties (as in PyTorch). From the recorded
    data, not a series' row 0 (x ** 3 by products may differ in the last bit); built with
    data_constant and ops, so that under vmap it is batched as the input is."""
    x = f.inputs[0]
    with no_grad():
        y = reshape(f.outputs[0](), _reduced_shape(x.shape, f.axis, True))

    def hits(xd, yd):
        xp = _xp(xd)
        hit = xd == yd
        if xp.isdtype(xd.dtype, "real floating"):  # a NaN extremum is its NaN element(s), as in torch
            hit = hit | (xp.isnan(xd) & xp.isnan(yd))
        return xp.astype(hit, xd.dtype)

    hit = data_constant(hits, x, y)
    return hit / sum(hit, f.axis, keepdims=True)


class Max(_Reduction):
    """The maximum over `axis` (Min: the minimum), the gradient shared among ties."""
    reduce = "max"

    def forward(self, x):
        return getattr(_xp(x), self.reduce)(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        return self._spread(gy) * _extremum_share(self)

    def taylor(self, x):
        return S.reduce_select(x, _extremum_share(self).data, self.axis, self.keepdims,
                               self.outputs[0]().data)


def _extremum_axis(x, axis, who):
    """The checked axis of max/min; an empty reduction has no value: ValueError."""
    axis = _checked_axis(axis, x.shape, who)
    if any(x.shape[a] == 0 for a in _axes(axis, x.ndim)):
        raise ValueError(f"{who} of an empty Variable (shape {tuple(x.shape)}, axis {axis}) has "
                         f"no value; reduce over non-empty axes only")
    return axis


def max(x: VariableLike, axis: Axis = None, keepdims: bool = False) -> Variable:
    """The largest of `x`'s elements over `axis` (all by default), as ``Variable.max``.

    The gradient goes to the maxima, shared equally among ties (as in PyTorch).

    Parameters
    ----------
    x : Variable or array
        The input.
    axis : int, tuple or list of int, optional
        The axes to reduce; all by default.
    keepdims : bool, default False
        Keep the reduced axes with length 1.

    Returns
    -------
    Variable
        The maxima.

    Raises
    ------
    ValueError
        When an axis is out of range or repeated, or a reduced axis is empty.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([1.0, 3.0, 3.0]))
    >>> y = F.max(x)
    >>> print(y, gd.grad(F.sum(y), x))
    variable(3.0) variable([0.  0.5 0.5])
    """
    x = as_variable(x)
    return Max(_extremum_axis(x, axis, "max"), keepdims)(x)


class Min(Max):
    reduce = "min"


def min(x: VariableLike, axis: Axis = None, keepdims: bool = False) -> Variable:
    """The smallest of `x`'s elements over `axis` (all by default), as ``Variable.min``.

    The gradient goes to the minima, shared equally among ties (as in PyTorch).

    Parameters
    ----------
    x : Variable or array
        The input.
    axis : int, tuple or list of int, optional
        The axes to reduce; all by default.
    keepdims : bool, default False
        Keep the reduced axes with length 1.

    Returns
    -------
    Variable
        The minima.

    Raises
    ------
    ValueError
        When an axis is out of range or repeated, or a reduced axis is empty.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([[1.0, 5.0], [4.0, 2.0]]))
    >>> y = F.min(x, axis=1)
    >>> print(y, gd.grad(F.sum(y), x))
    variable([1. 2.]) variable([[1. 0.]
              [0. 1.]])
    """
    x = as_variable(x)
    return Min(_extremum_axis(x, axis, "min"), keepdims)(x)


def _exclusive_products(x):
    """(prod_{j<i} x_j) * (prod_{j>i} x_j) along the last axis, by log2(n) doubling steps of
    gdezero ops: exact where entries are 0 (unlike y / x) and differentiable again."""
    n = x.shape[-1]
    xp = x.xp

    def ones(k):
        return Constant(xp.ones(tuple(x.shape[:-1]) + (k,), dtype=x.dtype, device=x.device))

    before = concatenate([ones(1), x[..., :n - 1]], axis=-1)
    after = concatenate([x[..., 1:], ones(1)], axis=-1)
    step = 1
    while step < n:
        before = before * concatenate([ones(step), before[..., :n - step]], axis=-1)
        after = after * concatenate([after[..., step:], ones(step)], axis=-1)
        step *= 2
    return before * after


def _reduced_last(shape, axis):
    """(permutation moving the reduced axes last, shape with them flattened into one)."""
    axes = _axes(axis, len(shape))
    kept = [i for i in range(len(shape)) if i not in axes]
    n = 1
    for a in axes:
        n *= shape[a]
    return tuple(kept) + axes, tuple(shape[i] for i in kept) + (n,)


class Prod(_Reduction):
    """The product over `axis`. Its gradient is the product of the other entries, exact
    where some are 0 (as in PyTorch), and differentiable to any order."""

    def forward(self, x):
        return _xp(x).prod(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        x = self.inputs[0]
        if x.size == 0:  # nothing to differentiate: the empty gradient (torch's)
            return Constant(x.xp.zeros_like(x.data))
        perm, flat = _reduced_last(x.shape, self.axis)
        moved = transpose(x, perm)
        others = reshape(_exclusive_products(reshape(moved, flat)), moved.shape)
        return self._spread(gy) * transpose(others, inverse_permutation(perm))

    def taylor(self, x):
        data_shape = tuple(x.shape[1:])
        empty = empty_series(x, self.outputs[0]().data)  # an empty product is the constant 1
        if empty is not None:
            return empty
        perm, flat = _reduced_last(data_shape, self.axis)
        s = S.reshape(S.transpose(x, perm), flat)
        n = flat[-1]
        while n > 1:  # pairwise Cauchy products: log2(n) rounds, exact at zeros
            half = n // 2
            pairs = S.mul(s[..., :half], s[..., half:2 * half])
            s = S.concat([pairs, s[..., 2 * half:]], axis=-1) if n % 2 else pairs
            n = half + n % 2
        s = S.reshape(s, _reduced_shape(data_shape, self.axis, self.keepdims))
        return S.with_value(self.outputs[0]().data, s)


def prod(x: VariableLike, axis: Axis = None, keepdims: bool = False) -> Variable:
    """The product of `x`'s elements over `axis` (all by default).

    Parameters
    ----------
    x : Variable or array
        The input.
    axis : int, tuple or list of int, optional
        The axes to reduce; all by default.
    keepdims : bool, default False
        Keep the reduced axes with length 1.

    Returns
    -------
    Variable
        The result.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([2.0, 3.0, 4.0]))
    >>> y = F.prod(x)
    >>> print(y, gd.grad(F.sum(y), x))
    variable(24.0) variable([12.  8.  6.])
    """
    x = as_variable(x)
    return Prod(_checked_axis(axis, x.shape, "prod"), keepdims)(x)


class Cumsum(Function):
    """The cumulative sum along `axis` (from the end with reverse=True: its own backward)."""
    linear_in = "all"

    def __init__(self, axis, reverse=False):
        self.axis, self.reverse = axis, reverse  # axis non-negative

    def _kernel(self, x, axis):
        xp = _xp(x)
        if not self.reverse:
            return xp.cumulative_sum(x, axis=axis)
        return xp.flip(xp.cumulative_sum(xp.flip(x, axis=axis), axis=axis), axis=axis)

    def forward(self, x):
        return self._kernel(x, self.axis)

    def backward(self, gy):
        return Cumsum(self.axis, not self.reverse)(gy)

    def batch(self, xs, batched):
        return Cumsum(self.axis + 1, self.reverse)(xs[0])

    def taylor(self, x):
        return self._kernel(x, self.axis + 1)


def cumsum(x: VariableLike, axis: int) -> Variable:
    """The cumulative sum along `axis`, as ``numpy.cumsum`` with an axis.

    Parameters
    ----------
    x : Variable or array
        The input, of at least one dimension.
    axis : int
        The axis to accumulate along.

    Returns
    -------
    Variable
        Of `x`'s shape.

    Raises
    ------
    ValueError
        When `axis` is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([1.0, 2.0, 3.0]))
    >>> y = F.cumsum(x, axis=0)
    >>> print(y, gd.grad(F.sum(y), x))
    variable([1. 3. 6.]) variable([3. 2. 1.])
    """
    x = as_variable(x)
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(f"cumsum: axis must be an int, got {type(axis).__name__} {axis!r}; to "
                        f"sum a flattened array (NumPy's axis=None), pass F.reshape(x, (-1,)) "
                        f"and axis=0")
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"cumsum: axis {axis} is out of range for shape {tuple(x.shape)}")
    return Cumsum(axis % x.ndim)(x)


def _max_kept(x, axis, empty):
    """max over `axis` with keepdims; `empty` where there is nothing to reduce (NumPy's max
    raises on a zero-size reduction, torch's logsumexp gives -inf there)."""
    xp = _xp(x)
    if math.prod(x.shape) == 0:
        return xp.full(_reduced_shape(x.shape, axis, True), empty, dtype=x.dtype, device=device_of(x))
    return xp.max(x, axis=axis, keepdims=True)


def empty_series(x, y0):
    """For an empty input's series `x`: the output's series, the constant y0 (a sum over
    nothing does not depend on t); None for a non-empty input."""
    if math.prod(x.shape[1:]) != 0:
        return None
    return S.pad(S.constant(y0), x.shape[0])


def log_sum_exp_parts(x, axis):
    """(m, r) with log(sum(exp(x))) = m + r over `axis` (kept), m the finite maximum (0 for
    rows of +-inf or NaN). r is log1p of the other terms, so logsumexp([0, -40]) keeps its
    4.25e-18 instead of log(1 + 4.25e-18) = 0."""
    xp = _xp(x)
    top = _max_kept(x, axis, -math.inf)
    finite = xp.isfinite(top)
    m = xp.where(finite, top, xp.zeros_like(top))  # no inf - inf for rows of +-inf
    e = xp.exp(x - m)
    at_top = x == top
    others = xp.sum(xp.where(at_top, xp.zeros_like(e), e), axis=axis, keepdims=True)
    ties = xp.sum(xp.astype(at_top, x.dtype), axis=axis, keepdims=True) - 1
    plain = xp.sum(e, axis=axis, keepdims=True)
    return m, xp.where(finite, xp.log1p(others + ties), xp.log(plain))


class Logsumexp(_Reduction):
    """log(sum(exp(x))) over `axis`, shifted by the maximum: logsumexp([1000, 1000]) ==
    1000 + log(2); rows of -inf (and empty ones) give -inf, NaN propagates. Gradient:
    softmax(x)."""

    def _shift(self, x):
        xp = _xp(x)
        m = _max_kept(x, self.axis, 0)
        return xp.where(xp.isfinite(m), m, xp.zeros_like(m))  # no inf - inf for rows of +-inf

    def forward(self, x):
        xp = _xp(x)
        m, r = log_sum_exp_parts(x, self.axis)
        y = m + r
        return y if self.keepdims else xp.reshape(y, _reduced_shape(x.shape, self.axis, False))

    def backward(self, gy):
        x = self.inputs[0]
        shape = _reduced_shape(x.shape, self.axis, True)
        return self._spread(gy) * exp(x - reshape(self.outputs[0](), shape))

    def taylor(self, x):
        empty = empty_series(x, self.outputs[0]().data)
        if empty is not None:
            return empty
        shifted = S.add_constant(x, -self._shift(x[0, ...]))
        s = S.log(S.sum(S.exp(shifted), self.axis, keepdims=self.keepdims))
        return S.with_value(self.outputs[0]().data, s)


def logsumexp(x: VariableLike, axis: Axis = None, keepdims: bool = False) -> Variable:
    """``log(sum(exp(x)))`` over `axis` (all by default), stable for any finite input.

    Its gradient is `softmax` over the same axes.

    Parameters
    ----------
    x : Variable or array
        The input.
    axis : int, tuple or list of int, optional
        The axes to reduce; all by default.
    keepdims : bool, default False
        Keep the reduced axes with length 1.

    Returns
    -------
    Variable
        The result.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([1000.0, 1000.0]))
    >>> y = F.logsumexp(x)
    >>> np.allclose(y.data, 1000.0 + np.log(2.0)), gd.grad(F.sum(y), x)
    (True, variable([0.5 0.5]))
    """
    x = as_variable(x)
    return Logsumexp(_checked_axis(axis, x.shape, "logsumexp"), keepdims)(x)


class Norm(_Reduction):
    """The 2-norm sqrt(sum(x^2)) over `axis`, scaled by max|x| so that neither 1e200 nor
    1e-200 over- or underflows. Gradient x / norm, and 0 where the norm is 0 (PyTorch's
    choice)."""

    def _scale(self, x):
        xp = _xp(x)
        m = _max_kept(xp.abs(x), self.axis, 0)
        return xp.where((m > 0) & xp.isfinite(m), m, xp.ones_like(m))

    def forward(self, x):
        xp = _xp(x)
        scale = self._scale(x)
        y = xp.sqrt(xp.sum((x / scale) ** 2, axis=self.axis, keepdims=True)) * scale
        return y if self.keepdims else xp.reshape(y, _reduced_shape(x.shape, self.axis, False))

    def backward(self, gy):
        x = self.inputs[0]
        shape = _reduced_shape(x.shape, self.axis, True)
        y = reshape(self.outputs[0](), shape)
        safe = y + data_constant(lambda d: _xp(d).astype(d == 0, d.dtype), y)  # 0 / 1, not 0 / 0, at norm 0
        return self._spread(gy) * (x / safe)

    def taylor(self, x):
        """Needs a non-zero norm at the point, as sqrt needs x > 0. Scaled as the forward:
        the squares of 1e-170 or 1e155 would under- or overflow."""
        empty = empty_series(x, self.outputs[0]().data)
        if empty is not None:
            return empty
        scale = self._scale(x[0, ...])
        squares = S.sum(S.square(S.mul(x, S.constant(1 / scale))), self.axis, keepdims=self.keepdims)
        y0 = self.outputs[0]().data
        scale = _xp(x).reshape(scale, tuple(y0.shape))
        return S.mul(S.sqrt(squares, y0 / scale), S.constant(scale))


def norm(x: VariableLike, axis: Axis = None, keepdims: bool = False) -> Variable:
    """The 2-norm over `axis` (all by default: the Frobenius norm of a matrix).

    Parameters
    ----------
    x : Variable or array
        The input.
    axis : int, tuple or list of int, optional
        The axes to reduce; all by default.
    keepdims : bool, default False
        Keep the reduced axes with length 1.

    Returns
    -------
    Variable
        The result.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([3.0, 4.0]))
    >>> y = F.norm(x)
    >>> print(y, gd.grad(F.sum(y), x))
    variable(5.0) variable([0.6 0.8])
    """
    x = as_variable(x)
    return Norm(_checked_axis(axis, x.shape, "norm"), keepdims)(x)
