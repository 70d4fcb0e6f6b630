"""Elementwise functions: exp, log, trigonometric and hyperbolic, sqrt, sigmoid, softplus, the
ReLU family, clip, abs, maximum / minimum and where."""
import weakref

from gdezero.backend import device_of, get_array_module, is_array
from gdezero.backend import namespace_of_type as _xp
from gdezero.core import Constant, Function, Variable
from gdezero.ops import series as S


def _output(f):
    return f.outputs[0]()


def _mask(condition, x):
    """A constant 0/1 Variable of x's dtype (masks need no gradient), NaN where x is NaN:
    a NaN input's derivative is NaN, never a silent 0 or 1."""
    xp = _xp(x)
    return Constant(xp.where(xp.isnan(x), x, xp.astype(condition, x.dtype)))


class Exp(Function):
    def forward(self, x):
        return _xp(x).exp(x)

    def backward(self, gy):
        return gy * _output(self)

    def taylor(self, x):
        return S.exp(x, _output(self).data)


class Log(Function):
    def forward(self, x):
        return _xp(x).log(x)

    def backward(self, gy):
        return gy / self.inputs[0]

    def taylor(self, x):
        return S.log(x, _output(self).data)


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

    def taylor(self, x):
        return S.sin(x, _output(self).data)


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

    def taylor(self, x):
        return S.cos(x, _output(self).data)


class Tan(Function):
    def forward(self, x):
        return _xp(x).tan(x)

    def backward(self, gy):
        y = _output(self)
        return gy * (y * y + 1)

    def taylor(self, x):
        return S.tan(x, _output(self).data)


class Tanh(Function):
    def forward(self, x):
        return _xp(x).tanh(x)

    def backward(self, gy):
        y = _output(self)
        return gy * (1 - y * y)

    def taylor(self, x):
        return S.tanh(x, _output(self).data)


class Sqrt(Function):
    def forward(self, x):
        return _xp(x).sqrt(x)

    def backward(self, gy):
        return gy / (_output(self) * 2)

    def taylor(self, x):
        return S.sqrt(x, _output(self).data)


class Sigmoid(Function):
    def forward(self, x):
        # exp of -|x| only: no overflow, and e / (1 + e) keeps tiny values (4.2e-18 at -40).
        xp = _xp(x)
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def backward(self, gy):
        y = _output(self)
        return gy * (y * (1 - y))

    def taylor(self, x):
        return S.sigmoid(x, _output(self).data)


class ReLU(Function):
    def forward(self, x):
        xp = _xp(x)
        return xp.where(x < 0, xp.zeros_like(x), x)  # `x < 0` is False for NaN: NaN passes

    def backward(self, gy):
        x = self.inputs[0].data
        return gy * _mask(x > 0, x)

    def taylor(self, x):
        x0 = x[0, ...]
        return S.masked(x, _mask(x0 > 0, x0).data, _output(self).data)


class LeakyReLU(Function):
    def __init__(self, slope):
        self.slope = slope

    def forward(self, x):
        return _xp(x).where(x > 0, x, x * self.slope)

    def backward(self, gy):
        x = self.inputs[0].data
        slopes = _mask(x > 0, x) * (1 - self.slope) + self.slope
        return gy * slopes

    def taylor(self, x):
        x0 = x[0, ...]
        slopes = _mask(x0 > 0, x0).data * (1 - self.slope) + self.slope
        return S.masked(x, slopes, _output(self).data)


class Clip(Function):
    def __init__(self, x_min, x_max):
        self.x_min, self.x_max = x_min, x_max

    def forward(self, x):
        return _xp(x).clip(x, self.x_min, self.x_max)

    def backward(self, gy):
        x = self.inputs[0].data
        return gy * _mask((x >= self.x_min) & (x <= self.x_max), x)

    def taylor(self, x):
        x0 = x[0, ...]
        inside = _mask((x0 >= self.x_min) & (x0 <= self.x_max), x0).data
        return S.masked(x, inside, _output(self).data)


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



class Log1p(Function):
    """log(1 + x), accurate for tiny x."""

    def forward(self, x):
        return _xp(x).log1p(x)

    def backward(self, gy):
        return gy / (self.inputs[0] + 1)

    def taylor(self, x):
        return S.log1p(x, _output(self).data)


class Expm1(Function):
    """exp(x) - 1, accurate for tiny x."""

    def forward(self, x):
        return _xp(x).expm1(x)

    def backward(self, gy):
        return gy * (_output(self) + 1)  # exp(x) from the recorded output: one node per order

    def taylor(self, x):
        return S.expm1(x, _output(self).data)


class Sinh(Function):
    _cosh = None

    def forward(self, x):
        return _xp(x).sinh(x)

    def backward(self, gy):
        return gy * _partner(self, "_cosh", cosh, "_sinh")

    def taylor(self, x):
        return S.sinh_cosh(x, _output(self).data, None)[0]


class Cosh(Function):
    _sinh = None

    def forward(self, x):
        return _xp(x).cosh(x)

    def backward(self, gy):
        return gy * _partner(self, "_sinh", sinh, "_cosh")

    def taylor(self, x):
        return S.sinh_cosh(x, None, _output(self).data)[1]


class Arctan(Function):
    def forward(self, x):
        return _xp(x).atan(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy / (x * x + 1)

    def taylor(self, x):
        return S.arctan(x, _output(self).data)


class Abs(Function):
    """|x|. At x = 0 the derivative is 0 (sign(0) = 0), PyTorch's subgradient."""

    def forward(self, x):
        return _xp(x).abs(x)

    def backward(self, gy):
        x = self.inputs[0].data
        return gy * Constant(_xp(x).sign(x))

    def taylor(self, x):
        return S.masked(x, _xp(x).sign(x[0, ...]), _output(self).data)


class Softplus(Function):
    """log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)): no overflow for large x
    (softplus(1000) == 1000) and no 0 where the exact value is tiny (softplus(-40) = 4.2e-18)."""

    def forward(self, x):
        xp = _xp(x)
        return xp.maximum(x, xp.zeros_like(x)) + xp.log1p(xp.exp(-xp.abs(x)))

    def backward(self, gy):
        # sigmoid(x) as exp(x - softplus(x)): the exponent is <= 0, so no overflow and no
        # 0 where the exact value is tiny; recorded, so differentiable again.
        return gy * exp(self.inputs[0] - _output(self))

    def taylor(self, x):
        y0 = _output(self).data
        return S.softplus(x, y0, _xp(y0).exp(x[0, ...] - y0))  # sigmoid, as in backward


def _with_value(y0, s):
    """Series `s` with its leading row replaced by the exact forward value `y0`."""
    xp = _xp(s)
    head = xp.reshape(y0, (1,) + tuple(y0.shape))
    if s.shape[0] == 1:
        return head
    tail = s[1:, ...]
    if tuple(tail.shape[1:]) != tuple(y0.shape):
        tail = xp.broadcast_to(tail, (tail.shape[0],) + tuple(y0.shape))
    return xp.concat([head, tail], axis=0)


def _select_series(f, a, b):
    """The Taylor rule of maximum / minimum: the selected input's series (half and half at
    ties, as the gradient), under the exact forward value."""
    share_a, share_b = _shares(f)
    mixed = S.add(S.mul(a, S.constant(share_a)), S.mul(b, S.constant(share_b)))
    return _with_value(_output(f).data, mixed)


def _shares(f):
    """The gradient's split between the inputs of maximum (f.greater) or minimum: 1 to the
    selected one, 0.5 / 0.5 at ties (as PyTorch), 0 to both where either is NaN."""
    a, b = (x.data for x in f.inputs)
    xp = _xp(a)
    wins_a, wins_b = (a > b, b > a) if f.greater else (a < b, b < a)
    half = xp.astype(a == b, f.inputs[0].dtype) * 0.5
    return (xp.astype(wins_a, f.inputs[0].dtype) + half,
            xp.astype(wins_b, f.inputs[1].dtype) + half)


def _select_grad(f, gy):
    share_a, share_b = _shares(f)
    need_a, need_b = f.needs_grad
    return gy * Constant(share_a) if need_a else None, gy * Constant(share_b) if need_b else None


class Maximum(Function):
    """Elementwise max(a, b), broadcasting. NaN propagates; ties split the gradient 0.5 / 0.5."""
    greater = True

    def forward(self, a, b):
        return _xp(a).maximum(a, b)

    def backward(self, gy):
        return _select_grad(self, gy)

    def taylor(self, a, b):
        return _select_series(self, a, b)


class Minimum(Function):
    """Elementwise min(a, b), broadcasting. NaN propagates; ties split the gradient 0.5 / 0.5."""
    greater = False

    def forward(self, a, b):
        return _xp(a).minimum(a, b)

    def backward(self, gy):
        return _select_grad(self, gy)

    def taylor(self, a, b):
        return _select_series(self, a, b)


class Where(Function):
    """where(condition, a, b) with broadcasting; `condition` is a constant boolean array."""

    def __init__(self, condition):
        self.condition = condition

    def forward(self, a, b):
        return _xp(a).where(self.condition, a, b)

    def backward(self, gy):
        need_a, need_b = self.needs_grad
        return (gy * _mask(self.condition, gy.data) if need_a else None,
                gy * _mask(_xp(gy.data).logical_not(self.condition), gy.data) if need_b else None)

    def taylor(self, a, b):
        ndim = max(a.ndim, b.ndim, self.condition.ndim + 1) - 1  # cond may be wider than a and b
        return S.where(self.condition, S.align(a, ndim), S.align(b, ndim))


def log1p(x):
    return Log1p()(x)


def expm1(x):
    return Expm1()(x)


def sinh(x):
    return Sinh()(x)


def cosh(x):
    return Cosh()(x)


def arctan(x):
    return Arctan()(x)


def abs(x):
    """|x|, with derivative 0 at x = 0 (PyTorch's choice)."""
    return Abs()(x)


def softplus(x):
    """log(1 + exp(x)), stable for every finite x."""
    return Softplus()(x)


def _pair(a, b, who):
    """a and b as operands of a binary elementwise op: a Python scalar takes the other
    operand's dtype and device (float32 stays float32)."""
    a_scalar, b_scalar = isinstance(a, (int, float)), isinstance(b, (int, float))
    if a_scalar and b_scalar:
        raise TypeError(f"{who} needs at least one of its operands to be an array or Variable, "
                        f"got two Python scalars ({a!r}, {b!r})")
    if a_scalar or b_scalar:
        other = b if a_scalar else a
        like = other.data if isinstance(other, Variable) else other
        c = Constant(_xp(like).asarray(a if a_scalar else b, dtype=like.dtype, device=device_of(like)))
        return (c, other) if a_scalar else (other, c)
    return a, b


def maximum(a, b):
    """Elementwise max(a, b), broadcasting; NaN propagates; ties split the gradient 0.5 / 0.5."""
    return Maximum()(*_pair(a, b, "maximum"))


def minimum(a, b):
    """Elementwise min(a, b), broadcasting; NaN propagates; ties split the gradient 0.5 / 0.5."""
    return Minimum()(*_pair(a, b, "minimum"))


def where(condition, a, b):
    """a where `condition` holds, else b, broadcasting all three, as `xp.where`.

    `condition` is a boolean array (e.g. `x > 0`, which gives one); it takes no gradient.
    The gradient flows to a where the condition holds and to b elsewhere.
    """
    cond = condition.data if isinstance(condition, Variable) else condition
    if not is_array(cond) or cond.dtype != _xp(cond).bool:
        what = f"an array of dtype {cond.dtype}" if is_array(cond) else type(cond).__name__
        raise TypeError(f"where needs a boolean array as condition (e.g. x > 0), got {what}")
    a, b = _pair(a, b, "where")
    operand = a if isinstance(a, Variable) or is_array(a) else b
    get_array_module(cond, operand.data if isinstance(operand, Variable) else operand)
    return Where(cond)(a, b)
