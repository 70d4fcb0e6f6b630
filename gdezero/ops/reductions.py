"""Reductions: sum, mean, max, min."""
from gdezero.backend import namespace_of_type as _xp
from gdezero.core import Constant, Function, as_variable
from gdezero.ops.shapes import broadcast_to, reshape


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axis = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim for a in axis)


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
    hits = xp.astype(x.data == y, x.dtype)
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
    return Sum(axis, keepdims)(x)


def mean(x, axis=None, keepdims=False):
    x = as_variable(x)
    count = 1
    for a in _axes(axis, x.ndim):
        count *= x.shape[a]
    return sum(x, axis, keepdims) / count


def max(x, axis=None, keepdims=False):
    return Max(axis, keepdims)(x)


def min(x, axis=None, keepdims=False):
    return Min(axis, keepdims)(x)
