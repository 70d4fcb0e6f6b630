"""Differentiable functions (F.*). Each op: forward on raw arrays with the Array API
namespace of its input, backward on Variables with gdezero functions only, so every
backward is itself differentiable."""
import weakref

from gdezero import backend
from gdezero.backend import namespace_of_type as _xp
from gdezero.core import Constant, Function, Variable, add, as_variable, div, mul, neg, pow, sub

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow",
    "exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "sigmoid", "relu", "leaky_relu",
    "reshape", "transpose", "get_item", "stack", "expand_dims", "flatten", "broadcast_to", "sum_to",
    "sum", "mean", "max", "min", "matmul", "linear",
    "clip", "softmax", "log_softmax", "mean_squared_error", "softmax_cross_entropy",
]


def _output(f):
    return f.outputs[0]()


def _mask(condition, like):
    """A constant 0/1 Variable of `like`'s dtype: masks need no gradient."""
    xp = _xp(like)
    return Constant(xp.astype(condition, like.dtype))


# ============================================================================ elementwise
class Exp(Function):
    def forward(self, x):
        return _xp(x).exp(x)

    def backward(self, gy):
        return gy * _output(self)


class Log(Function):
    def forward(self, x):
        return _xp(x).log(x)

    def backward(self, gy):
        return gy / self.inputs[0]


def _partner(f, attr, make, back_attr):
    """make(x) for the input x of the one-input node `f`, shared between partners.

    sin and cos are each other's derivatives: Sin's backward needs cos(x), Cos's needs
    sin(x). The first backward records make(x) and links the two nodes both ways with
    weak references, so every later order reuses the partner's output (a Variable with
    its own creator, hence differentiable) instead of evaluating the transcendental
    again. Weak links never keep a graph alive; when the partner is gone it is made anew.
    """
    ref = getattr(f, attr)
    v = None if ref is None else ref()
    if v is None:
        v = make(f.inputs[0])
        if v.creator is not None:  # only a recorded partner may stand in at higher orders
            setattr(v.creator, back_attr, f.outputs[0])
            setattr(f, attr, weakref.ref(v))
    return v


class Sin(Function):
    _cos = None

    def forward(self, x):
        return _xp(x).sin(x)

    def backward(self, gy):
        return gy * _partner(self, "_cos", cos, "_sin")


class Cos(Function):
    _sin = None
    _neg_sin = None  # weak reference to -sin(x), reused by every later order too

    def forward(self, x):
        return _xp(x).cos(x)

    def backward(self, gy):
        d = None if self._neg_sin is None else self._neg_sin()
        if d is None:
            d = -_partner(self, "_sin", sin, "_cos")
            if d.creator is not None:
                self._neg_sin = weakref.ref(d)
        return gy * d


class Tan(Function):
    def forward(self, x):
        return _xp(x).tan(x)

    def backward(self, gy):
        y = _output(self)
        return gy * (y * y + 1)


class Tanh(Function):
    def forward(self, x):
        return _xp(x).tanh(x)

    def backward(self, gy):
        y = _output(self)
        return gy * (1 - y * y)


class Sqrt(Function):
    def forward(self, x):
        return _xp(x).sqrt(x)

    def backward(self, gy):
        return gy / (_output(self) * 2)


class Sigmoid(Function):
    def forward(self, x):
        return _xp(x).tanh(x * 0.5) * 0.5 + 0.5  # tanh form: no overflow for large |x|

    def backward(self, gy):
        y = _output(self)
        return gy * (y * (1 - y))


class ReLU(Function):
    def forward(self, x):
        xp = _xp(x)
        return xp.where(x > 0, x, xp.zeros_like(x))

    def backward(self, gy):
        x = self.inputs[0].data
        return gy * _mask(x > 0, x)


class LeakyReLU(Function):
    def __init__(self, slope):
        self.slope = slope

    def forward(self, x):
        return _xp(x).where(x > 0, x, x * self.slope)

    def backward(self, gy):
        x = self.inputs[0].data
        slopes = _mask(x > 0, x) * (1 - self.slope) + self.slope
        return gy * slopes


class Clip(Function):
    def __init__(self, x_min, x_max):
        self.x_min, self.x_max = x_min, x_max

    def forward(self, x):
        return _xp(x).clip(x, self.x_min, self.x_max)

    def backward(self, gy):
        x = self.inputs[0].data
        return gy * _mask((x >= self.x_min) & (x <= self.x_max), x)


def exp(x):
    return Exp()(x)


def log(x):
    return Log()(x)


def sin(x):
    return Sin()(x)


def cos(x):
    return Cos()(x)


def tan(x):
    return Tan()(x)


def tanh(x):
    return Tanh()(x)


def sqrt(x):
    return Sqrt()(x)


def sigmoid(x):
    return Sigmoid()(x)


def relu(x):
    return ReLU()(x)


def leaky_relu(x, slope=0.2):
    return LeakyReLU(slope)(x)


def clip(x, x_min, x_max):
    return Clip(x_min, x_max)(x)


# ============================================================================ shapes
class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        return _xp(x).reshape(x, self.shape)

    def backward(self, gy):
        return reshape(gy, self.x_shape)


class Transpose(Function):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        axes = tuple(range(x.ndim))[::-1] if self.axes is None else self.axes
        self.axes = tuple(a % x.ndim for a in axes)
        return _xp(x).permute_dims(x, self.axes)

    def backward(self, gy):
        inverse = [0] * len(self.axes)  # the permutation that undoes axes, in one pass
        for i, a in enumerate(self.axes):
            inverse[a] = i
        return transpose(gy, tuple(inverse))


class BroadcastTo(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        return _xp(x).broadcast_to(x, self.shape)

    def backward(self, gy):
        return sum_to(gy, self.x_shape)


class SumTo(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        lead = x.ndim - len(self.shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(self.shape) if n == 1 and x.shape[lead + i] != 1)
        xp = _xp(x)
        y = xp.sum(x, axis=axes, keepdims=True) if axes else x
        return xp.reshape(y, self.shape) if lead else y

    def backward(self, gy):
        return broadcast_to(gy, self.x_shape)


class GetItem(Function):
    def __init__(self, slices):
        self.slices = slices

    def forward(self, x):
        return x[self.slices]

    def backward(self, gy):
        x = self.inputs[0]
        return GetItemGrad(self.slices, x.shape)(gy)


class GetItemGrad(Function):
    def __init__(self, slices, in_shape):
        self.slices, self.in_shape = slices, in_shape

    def forward(self, gy):
        xp = _xp(gy)
        gx = xp.zeros(self.in_shape, dtype=gy.dtype, device=gy.device)
        if _has_array_index(self.slices):  # repeated indices must add up
            return backend.scatter_add(xp, gx, self.slices, gy)
        key = self.slices
        if isinstance(key, tuple) and None in key:  # setitem takes no newaxis: drop it from both
            key = tuple(s for s in key if s is not None)
            gy = xp.reshape(gy, gx[key].shape)
        gx[key] = gy
        return gx

    def backward(self, ggx):
        return get_item(ggx, self.slices)


def _has_array_index(slices):
    items = slices if isinstance(slices, tuple) else (slices,)
    return any(not isinstance(s, (int, slice, type(None), type(Ellipsis))) for s in items)


def _normalize_index(slices, x):
    """Variables in an index become their data, lists integer arrays on x's device; an index
    array of another backend or device is the same clear error as for any operand."""
    def one(s):
        if isinstance(s, Variable):
            s = s.data
        elif isinstance(s, list):
            return x.xp.asarray(s, device=x.device)
        if backend.is_array(s):
            backend.get_array_module(x.data, s)
        return s
    return tuple(one(s) for s in slices) if isinstance(slices, tuple) else one(slices)


class Stack(Function):
    def forward(self, *xs):
        return _xp(xs[0]).stack(xs, axis=0)

    def backward(self, gy):
        return tuple(get_item(gy, (i, Ellipsis)) for i in range(len(self.inputs)))


def stack(xs):
    """Stack Variables of one shape along a new first axis."""
    return Stack()(*xs)


def reshape(x, shape):
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    if as_variable(x).shape == shape:
        return as_variable(x)
    return Reshape(shape)(x)


def transpose(x, axes=None):
    return Transpose(None if axes is None else tuple(axes))(x)


def broadcast_to(x, shape):
    if as_variable(x).shape == tuple(shape):
        return as_variable(x)
    return BroadcastTo(tuple(shape))(x)


def sum_to(x, shape):
    if as_variable(x).shape == tuple(shape):
        return as_variable(x)
    return SumTo(tuple(shape))(x)


def get_item(x, slices):
    x = as_variable(x)
    return GetItem(_normalize_index(slices, x))(x)


def expand_dims(x, axis):
    x = as_variable(x)
    shape = list(x.shape)
    shape.insert(axis if axis >= 0 else len(shape) + 1 + axis, 1)
    return reshape(x, tuple(shape))


def flatten(x):
    """(N, ...) -> (N, -1), as in DeZero."""
    x = as_variable(x)
    return reshape(x, (x.shape[0], -1))


# ============================================================================ reductions
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
        self.x_shape = x.shape
        return _xp(x).sum(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        if not self.keepdims:
            gy = reshape(gy, _keepdims_shape(self.x_shape, self.axis))
        return broadcast_to(gy, self.x_shape)


class Max(Function):
    """max (or min): the gradient is shared equally among tied extrema, as in PyTorch."""

    def __init__(self, axis, keepdims, reduce="max"):
        self.axis, self.keepdims, self.reduce = axis, keepdims, reduce

    def forward(self, x):
        return getattr(_xp(x), self.reduce)(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        x = self.inputs[0]
        shape = _keepdims_shape(x.shape, self.axis)
        xp = _xp(x.data)
        y = xp.reshape(_output(self).data, shape)
        hits = xp.astype(x.data == y, x.dtype)
        share = hits / xp.sum(hits, axis=_axes(self.axis, x.ndim), keepdims=True)
        return broadcast_to(reshape(gy, shape), x.shape) * Constant(share)


def sum(x, axis=None, keepdims=False):
    return Sum(axis, keepdims)(x)


def mean(x, axis=None, keepdims=False):
    x = as_variable(x)
    count = 1
    for a in _axes(axis, x.ndim):
        count *= x.shape[a]
    return sum(x, axis, keepdims) / count


def max(x, axis=None, keepdims=False):
    return Max(axis, keepdims, "max")(x)


def min(x, axis=None, keepdims=False):
    return Max(axis, keepdims, "min")(x)


# ============================================================================ linear algebra
class MatMul(Function):
    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"matmul needs operands of at least 1 dimension, got shapes {tuple(a.shape)} "
                f"and {tuple(b.shape)}; use * for scaling by a 0-d value")
        return _xp(a).matmul(a, b)

    def backward(self, gy):
        a, b = self.inputs
        if a.ndim == 1 and b.ndim == 1:  # inner product
            return gy * b, gy * a
        # Promote 1-D operands as matmul does, then undo the promotion on the grads.
        a2 = reshape(a, (1,) + a.shape) if a.ndim == 1 else a
        b2 = reshape(b, b.shape + (1,)) if b.ndim == 1 else b
        g = gy
        if a.ndim == 1:
            g = expand_dims(g, -2)
        if b.ndim == 1:
            g = expand_dims(g, -1)
        ga = sum_to(matmul(g, _swap_last(b2)), a2.shape)
        gb = sum_to(matmul(_swap_last(a2), g), b2.shape)
        return reshape(ga, a.shape), reshape(gb, b.shape)


def _swap_last(x):
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(x, axes)


def matmul(a, b):
    return MatMul()(a, b)


def linear(x, W, b=None):
    y = matmul(x, W)
    return y if b is None else y + b


# ============================================================================ softmax and losses
class Softmax(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = _xp(x)
        y = xp.exp(x - xp.max(x, axis=self.axis, keepdims=True))
        return y / xp.sum(y, axis=self.axis, keepdims=True)

    def backward(self, gy):
        y = _output(self)
        gx = y * gy
        return gx - y * sum(gx, axis=self.axis, keepdims=True)


class LogSoftmax(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = _xp(x)
        shifted = x - xp.max(x, axis=self.axis, keepdims=True)
        return shifted - xp.log(xp.sum(xp.exp(shifted), axis=self.axis, keepdims=True))

    def backward(self, gy):
        y = _output(self)
        return gy - exp(y) * sum(gy, axis=self.axis, keepdims=True)


def softmax(x, axis=1):
    return Softmax(axis)(x)


def log_softmax(x, axis=1):
    return LogSoftmax(axis)(x)


def mean_squared_error(x0, x1):
    """sum((x0 - x1)**2) / len(x0), as in DeZero."""
    diff = sub(x0, x1)
    return sum(pow(diff, 2)) / len(diff)


def softmax_cross_entropy(x, t):
    """Mean cross entropy of logits `x` (N, C) against integer labels `t` (N,)."""
    x = as_variable(x)
    t = t.data if isinstance(t, Variable) else t
    if backend.is_array(t):  # labels obey the operands' rule: one backend, one device
        backend.get_array_module(x, t)
    xp = x.xp
    n, classes = x.shape
    labels = xp.asarray(t, device=x.device)
    one_hot = xp.astype(xp.arange(classes, device=x.device) == labels[:, None], x.dtype)
    return neg(sum(mul(log_softmax(x, axis=1), Constant(one_hot)))) / n

