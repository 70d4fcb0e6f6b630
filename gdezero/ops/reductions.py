"""Reductions: sum, mean, max, min."""
import operator

from gdezero.backend import namespace_of_type as _xp
from gdezero.core import Constant, Function, as_variable
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


class Min(Function):
    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return _xp(x).min(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        return _extremum_grad(self, gy)


def sum(x, axis=None, keepdims=False):
    x = as_variable(x)
    return Sum(_checked_axis(axis, x.shape, "sum"), keepdims)(x)


def mean(x, axis=None, keepdims=False):
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


def max(x, axis=None, keepdims=False):
    x = as_variable(x)
    return Max(_extremum_axis(x, axis, "max"), keepdims)(x)


def min(x, axis=None, keepdims=False):
    x = as_variable(x)
    return Min(_extremum_axis(x, axis, "min"), keepdims)(x)
