"""Reductions: sum, mean, max, min, prod, cumsum, logsumexp, norm."""
from __future__ import annotations

import operator

from gdezero.backend import namespace_of_type as _xp
from gdezero.core import Axis, Constant, Function, Variable, VariableLike, as_variable, data_constant, no_grad
from gdezero.ops.elementwise import _with_value, exp
from gdezero.ops.shapes import broadcast_like, concatenate, reshape, transpose
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


def _keepdims_shape(x_shape, axis):
    axes = _axes(axis, len(x_shape))
    return tuple(1 if i in axes else n for i, n in enumerate(x_shape))


class Sum(Function):
    batch = _batch_reduce

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return _xp(x).sum(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        x_shape = self.inputs[0].shape
        if not self.keepdims and gy.ndim > 0:  # a 0-d gy broadcasts as it is
            gy = reshape(gy, _keepdims_shape(x_shape, self.axis))
        return broadcast_like(gy, self.inputs[0])

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
            raise ValueError(f"{who}: axis {a} is out of range for a Variable of ndim {ndim} "
                             f"(shape {tuple(shape)}); use -{ndim}..{ndim - 1}")
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


def _extremum_grad(f, gy):
    """gy routed to the extrema of f's input, shared equally among ties (as in PyTorch)."""
    x = f.inputs[0]
    shape = _keepdims_shape(x.shape, f.axis)
    with no_grad():
        y = reshape(f.outputs[0](), shape)

    def hits(xd, yd):
        xp = _xp(xd)
        hit = xd == yd
        if xp.isdtype(xd.dtype, "real floating"):  # a NaN extremum is its NaN element(s), as in torch
            hit = hit | (xp.isnan(xd) & xp.isnan(yd))
        return xp.astype(hit, xd.dtype)

    hit = data_constant(hits, x, y)
    share = hit / sum(hit, f.axis, keepdims=True)
    return broadcast_like(reshape(gy, shape), x) * share


def _extremum_series(f, x):
    """max/min: higher coefficients of the extrema of x_0, shared among ties as the gradient is."""
    xp = _xp(x)
    x0 = f.inputs[0].data  # not the series' row 0: x ** 3 by products may differ in the last bit
    y0 = f.outputs[0]().data
    y = xp.reshape(y0, _keepdims_shape(x0.shape, f.axis))
    hits = x0 == y
    if xp.isdtype(x.dtype, "real floating"):  # a NaN extremum is its NaN element(s), as in backward
        hits = hits | (xp.isnan(x0) & xp.isnan(y))
    hits = xp.astype(hits, x.dtype)
    share = hits / xp.sum(hits, axis=_axes(f.axis, x0.ndim), keepdims=True)
    return S.reduce_select(x, share, f.axis, f.keepdims, y0)


class Max(Function):
    batch = _batch_reduce

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return _xp(x).max(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        return _extremum_grad(self, gy)

    def taylor(self, x):
        return _extremum_series(self, x)


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
    >>> print(y, gd.grad(y, x))
    variable(3.0) variable([0.  0.5 0.5])
    """
    x = as_variable(x)
    return Max(_extremum_axis(x, axis, "max"), keepdims)(x)


class Min(Function):
    batch = _batch_reduce

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return _xp(x).min(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        return _extremum_grad(self, gy)

    def taylor(self, x):
        return _extremum_series(self, x)


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
    >>> print(y, gd.grad(y, x))
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


def _reduced_shape(x_shape, axis, keepdims):
    axes = _axes(axis, len(x_shape))
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(x_shape))
    return tuple(n for i, n in enumerate(x_shape) if i not in axes)


class Prod(Function):
    """The product over `axis`. Its gradient is the product of the other entries, exact
    where some are 0 (as in PyTorch), and differentiable to any order."""

    batch = _batch_reduce

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return _xp(x).prod(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        x = self.inputs[0]
        perm, flat = _reduced_last(x.shape, self.axis)
        moved = transpose(x, perm)
        others = reshape(_exclusive_products(reshape(moved, flat)), moved.shape)
        inverse = [0] * len(perm)
        for i, a in enumerate(perm):
            inverse[a] = i
        gy = reshape(gy, _reduced_shape(x.shape, self.axis, True))
        return broadcast_like(gy, x) * transpose(others, inverse)

    def taylor(self, x):
        data_shape = tuple(x.shape[1:])
        perm, flat = _reduced_last(data_shape, self.axis)
        s = S.reshape(S.transpose(x, perm), flat)
        n = flat[-1]
        while n > 1:  # pairwise Cauchy products: log2(n) rounds, exact at zeros
            half = n // 2
            pairs = S.mul(s[..., :half], s[..., half:2 * half])
            s = S.concat([pairs, s[..., 2 * half:]], axis=-1) if n % 2 else pairs
            n = half + n % 2
        s = S.reshape(s, _reduced_shape(data_shape, self.axis, self.keepdims))
        return _with_value(self.outputs[0]().data, s)


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
    >>> print(y, gd.grad(y, x))
    variable(24.0) variable([12.  8.  6.])
    """
    x = as_variable(x)
    return Prod(_checked_axis(axis, x.shape, "prod"), keepdims)(x)


class Cumsum(Function):
    """The cumulative sum along `axis` (from the end with reverse=True: its own backward)."""

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
    >>> print(y, gd.grad(y, x))
    variable([1. 3. 6.]) variable([3. 2. 1.])
    """
    x = as_variable(x)
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"cumsum: axis {axis} is out of range for shape {tuple(x.shape)}")
    return Cumsum(axis % x.ndim)(x)


class Logsumexp(Function):
    """log(sum(exp(x))) over `axis`, shifted by the maximum: logsumexp([1000, 1000]) ==
    1000 + log(2); rows of -inf give -inf, NaN propagates. Gradient: softmax(x)."""

    batch = _batch_reduce

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def _shift(self, x):
        xp = _xp(x)
        m = xp.max(x, axis=self.axis, keepdims=True)
        return xp.where(xp.isfinite(m), m, xp.zeros_like(m))  # no inf - inf for rows of +-inf

    def forward(self, x):
        xp = _xp(x)
        m = self._shift(x)
        y = xp.log(xp.sum(xp.exp(x - m), axis=self.axis, keepdims=True)) + m
        return y if self.keepdims else xp.reshape(y, _reduced_shape(x.shape, self.axis, False))

    def backward(self, gy):
        x = self.inputs[0]
        shape = _reduced_shape(x.shape, self.axis, True)
        return broadcast_like(reshape(gy, shape), x) * exp(x - reshape(self.outputs[0](), shape))

    def taylor(self, x):
        shifted = S.add_constant(x, -self._shift(x[0, ...]))
        s = S.log(S.sum(S.exp(shifted), self.axis, keepdims=self.keepdims))
        return _with_value(self.outputs[0]().data, s)


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
    >>> np.allclose(y.data, 1000.0 + np.log(2.0)), gd.grad(y, x)
    (True, variable([0.5 0.5]))
    """
    x = as_variable(x)
    return Logsumexp(_checked_axis(axis, x.shape, "logsumexp"), keepdims)(x)


class Norm(Function):
    """The 2-norm sqrt(sum(x^2)) over `axis`, scaled by max|x| so that neither 1e200 nor
    1e-200 over- or underflows. Gradient x / norm, and 0 where the norm is 0 (PyTorch's
    choice)."""

    batch = _batch_reduce

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        xp = _xp(x)
        m = xp.max(xp.abs(x), axis=self.axis, keepdims=True)
        scale = xp.where((m > 0) & xp.isfinite(m), m, xp.ones_like(m))
        y = xp.sqrt(xp.sum((x / scale) ** 2, axis=self.axis, keepdims=True)) * scale
        return y if self.keepdims else xp.reshape(y, _reduced_shape(x.shape, self.axis, False))

    def backward(self, gy):
        x = self.inputs[0]
        shape = _reduced_shape(x.shape, self.axis, True)
        y = reshape(self.outputs[0](), shape)
        safe = y + data_constant(lambda d: _xp(d).astype(d == 0, d.dtype), y)  # 0 / 1, not 0 / 0, at norm 0
        return broadcast_like(reshape(gy, shape), x) * (x / safe)

    def taylor(self, x):
        """Needs a non-zero norm at the point, as sqrt needs x > 0."""
        return S.sqrt(S.sum(S.square(x), self.axis, keepdims=self.keepdims), self.outputs[0]().data)


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
    >>> print(y, gd.grad(y, x))
    variable(5.0) variable([0.6 0.8])
    """
    x = as_variable(x)
    return Norm(_checked_axis(axis, x.shape, "norm"), keepdims)(x)


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
    >>> gd.grad(y, x)
    variable([[0.25 0.25]
              [0.25 0.25]])
    """
    x = as_variable(x)
    axis = _checked_axis(axis, x.shape, "mean")
    count = 1
    for a in _axes(axis, x.ndim):
        count *= x.shape[a]
    return sum(x, axis, keepdims) / count
