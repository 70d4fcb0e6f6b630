"""Elementwise functions: exp, log, trigonometric, tanh, sqrt, sigmoid, ReLU family, clip."""
import weakref

from gdezero.backend import namespace_of_type as _xp
from gdezero.core import Constant, Function


def _output(f):
    return f.outputs[0]()


def _mask(condition, like):
    """A constant 0/1 Variable of `like`'s dtype: masks need no gradient."""
    return Constant(_xp(like).astype(condition, like.dtype))


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
