"""Reductions: sum, mean, max, min."""
from __future__ import annotations

import operator

from gdezero.backend import namespace_of_type as _xp
from gdezero.core import Axis, Constant, Function, Variable, VariableLike, as_variable
from gdezero.ops import series as S
from gdezero.ops.shapes import broadcast_to, reshape


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axis = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(a % ndim for a in axis)


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


def _keepdims_shape(x_shape, axis):
    axes = _axes(axis, len(x_shape))
    return tuple(1 if i in axes else n for i, n in enumerate(x_shape))


def _extremum_series(f, x):
    """max/min: higher coefficients of the extrema of x_0, shared among ties as the gradient is."""
    xp = _xp(x)
    x0 = x[0, ...]
    y0 = f.outputs[0]().data
    y = xp.reshape(y0, _keepdims_shape(x0.shape, f.axis))
    hits = x0 == y
    if xp.isdtype(x.dtype, "real floating"):  # a NaN extremum is its NaN element(s), as in backward
        hits = hits | (xp.isnan(x0) & xp.isnan(y))
    hits = xp.astype(hits, x.dtype)
    share = hits / xp.sum(hits, axis=_axes(f.axis, x0.ndim), keepdims=True)
    return S.reduce_select(x, share, f.axis, f.keepdims, y0)


class Sum(Function):
    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return _xp(x).sum(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        x_shape = self.inputs[0].shape
        if not self.keepdims:
            gy = reshape(gy, _keepdims_shape(x_shape, self.axis))
        return broadcast_to(gy, x_shape)

    def taylor(self, x):
        return S.sum(x, self.axis, self.keepdims)


def _extremum_grad(f, gy):
    """gy routed to the extrema of f's input, shared equally among ties (as in PyTorch)."""
    x = f.inputs[0]
    shape = _keepdims_shape(x.shape, f.axis)
    xp = _xp(x.data)
    y = xp.reshape(f.outputs[0]().data, shape)
    hits = x.data == y
    if xp.isdtype(x.dtype, "real floating"):  # a NaN extremum is its NaN element(s), as in torch
        hits = hits | (xp.isnan(x.data) & xp.isnan(y))
    hits = xp.astype(hits, x.dtype)
    share = hits / xp.sum(hits, axis=_axes(f.axis, x.ndim), keepdims=True)
    return broadcast_to(reshape(gy, shape), x.shape) * Constant(share)


class Max(Function):
    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return _xp(x).max(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        return _extremum_grad(self, gy)

    def taylor(self, x):
        return _extremum_series(self, x)


class Min(Function):
    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return _xp(x).min(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        return _extremum_grad(self, gy)

    def taylor(self, x):
        return _extremum_series(self, x)


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
