"""Elementwise functions: exp, log, trigonometric and hyperbolic, sqrt, sigmoid, softplus, the
ReLU family, clip, abs, maximum / minimum and where."""
from __future__ import annotations

import weakref

from gdezero.backend import DType, device_of, get_array_module, is_array
from gdezero.backend import namespace_of_type as _xp
from gdezero.core import Constant, Function, Operand, Variable, VariableLike, as_variable, data_constant
from gdezero.ops.shapes import batch_pad
from gdezero.taylor import series as S

__all__ = [
    "exp", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh", "sinh", "cosh", "arctan", "sqrt",
    "abs", "sigmoid", "softplus", "relu", "leaky_relu", "clip", "maximum", "minimum", "where",
]


_UNARY_DOC = """

    Parameters
    ----------
    x : Variable or array
        The input, of a floating dtype.

    Returns
    -------
    Variable
        The result, of `x`'s shape and dtype.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F"""


def _unary_doc(summary, derivative, example):
    """The numpydoc docstring of a one-input wrapper: its own summary, derivative and
    example lines around the text they all share."""
    def document(fn):
        fn.__doc__ = f"{summary}\n\n    {derivative}{_UNARY_DOC}{example.rstrip()}\n    "
        return fn
    return document


def _output(f):
    return f.outputs[0]()


class Exp(Function):
    batch_rule = "elementwise"

    def forward(self, x):
        return _xp(x).exp(x)

    def backward(self, gy):
        return gy * _output(self)

    def taylor(self, x, linear=None):
        return S.exp(x, _output(self).data, linear=linear)


@_unary_doc("The exponential ``e ** x``, elementwise.",
            "Its derivative is ``exp(x)`` itself, reused from the output.",
            """
    >>> x = gd.Variable(np.array([0.0, 1.0]))
    >>> y = F.exp(x)
    >>> np.allclose(y.data, [1.0, np.e]), np.allclose(gd.grad(F.sum(y), x).data, y.data)
    (True, True)
""")
def exp(x: VariableLike) -> Variable:
    return Exp()(x)


class Log(Function):
    batch_rule = "elementwise"

    def forward(self, x):
        return _xp(x).log(x)

    def backward(self, gy):
        return gy / self.inputs[0]

    def taylor(self, x, linear=None):
        return S.log(x, _output(self).data, linear=linear)


@_unary_doc("The natural logarithm, elementwise.",
            "Its derivative is ``1 / x``.",
            """
    >>> x = gd.Variable(np.array([1.0, 2.0]))
    >>> y = F.log(x)
    >>> print(gd.grad(F.sum(y), x))
    variable([1.  0.5])
""")
def log(x: VariableLike) -> Variable:
    if isinstance(x, Variable) and isinstance(x.creator, Sigmoid):
        # log(sigmoid(z)) is -softplus(-z): sigmoid(-740) ~ 4e-322 has lost its digits, and
        # 1 / sigmoid overflows in the derivative
        return -softplus(-x.creator.inputs[0])
    return Log()(x)


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
    batch_rule = "elementwise"

    _cos = None

    def forward(self, x):
        return _xp(x).sin(x)

    def backward(self, gy):
        return gy * _partner(self, "_cos", cos, "_sin")

    def taylor(self, x, linear=None):
        return S.sin(x, _output(self).data, linear=linear)


@_unary_doc("The sine, elementwise (radians).",
            "Its derivative is ``cos(x)``; every higher order reuses the sin/cos pair already computed.",
            """
    >>> x = gd.Variable(np.array(0.0))
    >>> y = F.sin(x)
    >>> gx = gd.grad(y, x, create_graph=True)
    >>> print(y, gx, float(gd.grad(gx, x).data) == 0.0)
    variable(0.0) variable(1.0) True
""")
def sin(x: VariableLike) -> Variable:
    return Sin()(x)


class Cos(Function):
    batch_rule = "elementwise"

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

    def taylor(self, x, linear=None):
        return S.cos(x, _output(self).data, linear=linear)


@_unary_doc("The cosine, elementwise (radians).",
            "Its derivative is ``-sin(x)``.",
            """
    >>> x = gd.Variable(np.array(0.0))
    >>> y = F.cos(x)
    >>> print(y, float(gd.grad(F.sum(y), x).data) == 0.0)
    variable(1.0) True
""")
def cos(x: VariableLike) -> Variable:
    return Cos()(x)


class Tan(Function):
    batch_rule = "elementwise"

    def forward(self, x):
        return _xp(x).tan(x)

    def backward(self, gy):
        y = _output(self)
        return gy * (y * y + 1)

    def taylor(self, x, linear=None):
        return S.tan(x, _output(self).data, linear=linear)


@_unary_doc("The tangent, elementwise (radians).",
            "Its derivative is ``1 + tan(x) ** 2``.",
            """
    >>> x = gd.Variable(np.array(0.0))
    >>> y = F.tan(x)
    >>> print(y, gd.grad(F.sum(y), x))
    variable(0.0) variable(1.0)
""")
def tan(x: VariableLike) -> Variable:
    return Tan()(x)


class Tanh(Function):
    batch_rule = "elementwise"

    def forward(self, x):
        return _xp(x).tanh(x)

    def backward(self, gy):
        y = _output(self)
        return gy * (1 - y * y)

    def taylor(self, x, linear=None):
        return S.tanh(x, _output(self).data, linear=linear)


@_unary_doc("The hyperbolic tangent, elementwise.",
            "Its derivative is ``1 - tanh(x) ** 2``.",
            """
    >>> x = gd.Variable(np.array(0.0))
    >>> y = F.tanh(x)
    >>> print(y, gd.grad(F.sum(y), x))
    variable(0.0) variable(1.0)
""")
def tanh(x: VariableLike) -> Variable:
    return Tanh()(x)


class Sqrt(Function):
    batch_rule = "elementwise"

    def forward(self, x):
        return _xp(x).sqrt(x)

    def backward(self, gy):
        return gy / (_output(self) * 2)

    def taylor(self, x):
        return S.sqrt(x, _output(self).data)


@_unary_doc("The square root, elementwise.",
            "Its derivative is ``1 / (2 sqrt(x))``.",
            """
    >>> x = gd.Variable(np.array([1.0, 4.0]))
    >>> y = F.sqrt(x)
    >>> print(y, gd.grad(F.sum(y), x))
    variable([1. 2.]) variable([0.5  0.25])
""")
def sqrt(x: VariableLike) -> Variable:
    return Sqrt()(x)


def _sigmoid(x):
    # exp of -|x| only: no overflow, and e / (1 + e) keeps tiny values (4.2e-18 at -40).
    xp = _xp(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


class Sigmoid(Function):
    batch_rule = "elementwise"

    def forward(self, x):
        return _sigmoid(x)

    def backward(self, gy):
        y = _output(self)
        return gy * (y * (1 - y))

    def taylor(self, x, linear=None):
        return S.sigmoid(x, _output(self).data, linear=linear)


@_unary_doc("The logistic function ``1 / (1 + exp(-x))``, elementwise.",
            "Its derivative is ``y (1 - y)``. It is computed from ``exp(-|x|)`` only: no "
            "overflow, and tiny values stay (4.2e-18 at -40).",
            """
    >>> x = gd.Variable(np.array([0.0, -800.0]))
    >>> y = F.sigmoid(x)
    >>> print(y, gd.grad(F.sum(y), x))
    variable([0.5 0. ]) variable([0.25 0.  ])
""")
def sigmoid(x: VariableLike) -> Variable:
    return Sigmoid()(x)


def _mask_array(condition, x):
    """0/1 of x's dtype, NaN where x is NaN: a NaN input's derivative is NaN, never a
    silent 0 or 1."""
    xp = _xp(x)
    return xp.where(xp.isnan(x), x, xp.astype(condition, x.dtype))


def _mask(condition, x):
    """`_mask_array(condition(x.data), x.data)` as a constant (masks need no gradient),
    batched as the Variable `x` is."""
    return data_constant(lambda d: _mask_array(condition(d), d), x)


class ReLU(Function):
    batch_rule = "elementwise"

    def forward(self, x):
        xp = _xp(x)
        return xp.where(x < 0, xp.zeros_like(x), x)  # `x < 0` is False for NaN: NaN passes

    def backward(self, gy):
        return gy * _mask(lambda d: d > 0, self.inputs[0])

    def taylor(self, x):
        x0 = x[0, ...]
        return S.masked(x, _mask_array(x0 > 0, x0), _output(self).data)


@_unary_doc("The rectifier ``max(x, 0)``, elementwise.",
            "Its derivative is 1 where ``x > 0``, else 0.",
            """
    >>> x = gd.Variable(np.array([-1.0, 2.0]))
    >>> y = F.relu(x)
    >>> print(y, gd.grad(F.sum(y), x))
    variable([0. 2.]) variable([0. 1.])
""")
def relu(x: VariableLike) -> Variable:
    return ReLU()(x)


class LeakyReLU(Function):
    batch_rule = "elementwise"

    def __init__(self, slope):
        self.slope = slope

    def forward(self, x):
        return _xp(x).where(x > 0, x, x * self.slope)

    def backward(self, gy):
        slopes = _mask(lambda d: d > 0, self.inputs[0]) * (1 - self.slope) + self.slope
        return gy * slopes

    def taylor(self, x):
        x0 = x[0, ...]
        slopes = _mask_array(x0 > 0, x0) * (1 - self.slope) + self.slope
        return S.masked(x, slopes, _output(self).data)


def leaky_relu(x: VariableLike, slope: float = 0.2) -> Variable:
    """The leaky rectifier: ``x`` where ``x > 0``, else ``slope * x``, elementwise.

    Parameters
    ----------
    x : Variable or array
        The input, of a floating dtype.
    slope : float, default 0.2
        The slope for ``x <= 0``.

    Returns
    -------
    Variable
        The result, of `x`'s shape and dtype.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([-1.0, 2.0]))
    >>> y = F.leaky_relu(x, slope=0.5)
    >>> print(y, gd.grad(F.sum(y), x))
    variable([-0.5  2. ]) variable([0.5 1. ])
    """
    return LeakyReLU(slope)(x)


class Clip(Function):
    batch_rule = "elementwise"

    def __init__(self, x_min, x_max):
        self.x_min, self.x_max = x_min, x_max

    def forward(self, x):
        return _xp(x).clip(x, self.x_min, self.x_max)

    def _inside(self, x):
        """x_min <= x <= x_max, a bound of None (no bound, as NumPy) always holding."""
        inside = _xp(x).ones_like(x, dtype=_xp(x).bool)
        if self.x_min is not None:
            inside = inside & (x >= self.x_min)
        if self.x_max is not None:
            inside = inside & (x <= self.x_max)
        return inside

    def backward(self, gy):
        return gy * _mask(self._inside, self.inputs[0])

    def taylor(self, x):
        x0 = x[0, ...]
        return S.masked(x, _mask_array(self._inside(x0), x0), _output(self).data)


def clip(x: VariableLike, x_min: float | None, x_max: float | None) -> Variable:
    """`x` clipped to ``[x_min, x_max]``, elementwise.

    The derivative is 1 inside the interval (ends included) and 0 outside.

    Parameters
    ----------
    x : Variable or array
        The input.
    x_min, x_max : float or None
        The bounds; None for no bound on that side (as NumPy), not both.

    Returns
    -------
    Variable
        The result, of `x`'s shape and dtype.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([-2.0, 0.5, 3.0]))
    >>> y = F.clip(x, -1.0, 1.0)
    >>> print(y, gd.grad(F.sum(y), x))
    variable([-1.   0.5  1. ]) variable([0. 1. 0.])
    """
    if x_min is None and x_max is None:
        raise ValueError("clip: x_min and x_max are both None; give at least one bound")
    return Clip(x_min, x_max)(x)


class Log1p(Function):
    """log(1 + x), accurate for tiny x."""
    batch_rule = "elementwise"

    def forward(self, x):
        return _xp(x).log1p(x)

    def backward(self, gy):
        return gy / (self.inputs[0] + 1)

    def taylor(self, x, linear=None):
        return S.log1p(x, _output(self).data, linear=linear)


@_unary_doc("``log(1 + x)``, elementwise, accurate for tiny `x`.",
            "Its derivative is ``1 / (1 + x)``.",
            """
    >>> x = gd.Variable(np.array([0.0, 1e-20]))
    >>> y = F.log1p(x)
    >>> print(y, gd.grad(F.sum(y), x))
    variable([0.e+00 1.e-20]) variable([1. 1.])
""")
def log1p(x: VariableLike) -> Variable:
    return Log1p()(x)


class Expm1(Function):
    """exp(x) - 1, accurate for tiny x."""
    batch_rule = "elementwise"

    def forward(self, x):
        return _xp(x).expm1(x)

    def backward(self, gy):
        return gy * (_output(self) + 1)  # exp(x) from the recorded output: one node per order

    def taylor(self, x, linear=None):
        return S.expm1(x, _output(self).data, linear=linear)


@_unary_doc("``exp(x) - 1``, elementwise, accurate for tiny `x`.",
            "Its derivative is ``exp(x)``.",
            """
    >>> x = gd.Variable(np.array([0.0, 1e-20]))
    >>> y = F.expm1(x)
    >>> print(y, gd.grad(F.sum(y), x))
    variable([0.e+00 1.e-20]) variable([1. 1.])
""")
def expm1(x: VariableLike) -> Variable:
    return Expm1()(x)


class Sinh(Function):
    batch_rule = "elementwise"

    _cosh = None

    def forward(self, x):
        return _xp(x).sinh(x)

    def backward(self, gy):
        return gy * _partner(self, "_cosh", cosh, "_sinh")

    def taylor(self, x, linear=None):
        return S.sinh(x, _output(self).data, linear=linear)


@_unary_doc("The hyperbolic sine, elementwise.",
            "Its derivative is ``cosh(x)``.",
            """
    >>> x = gd.Variable(np.array(0.0))
    >>> y = F.sinh(x)
    >>> print(y, gd.grad(F.sum(y), x))
    variable(0.0) variable(1.0)
""")
def sinh(x: VariableLike) -> Variable:
    return Sinh()(x)


class Cosh(Function):
    batch_rule = "elementwise"

    _sinh = None

    def forward(self, x):
        return _xp(x).cosh(x)

    def backward(self, gy):
        return gy * _partner(self, "_sinh", sinh, "_cosh")

    def taylor(self, x, linear=None):
        return S.cosh(x, _output(self).data, linear=linear)


@_unary_doc("The hyperbolic cosine, elementwise.",
            "Its derivative is ``sinh(x)``.",
            """
    >>> x = gd.Variable(np.array(0.0))
    >>> y = F.cosh(x)
    >>> print(y, gd.grad(F.sum(y), x))
    variable(1.0) variable(0.0)
""")
def cosh(x: VariableLike) -> Variable:
    return Cosh()(x)


class Arctan(Function):
    batch_rule = "elementwise"

    def forward(self, x):
        return _xp(x).atan(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy / (x * x + 1)

    def taylor(self, x):
        return S.arctan(x, _output(self).data)


@_unary_doc("The inverse tangent, elementwise (radians).",
            "Its derivative is ``1 / (1 + x ** 2)``.",
            """
    >>> x = gd.Variable(np.array([0.0, 1.0]))
    >>> y = F.arctan(x)
    >>> np.allclose(y.data, [0.0, np.pi / 4]), gd.grad(F.sum(y), x)
    (True, variable([1.  0.5]))
""")
def arctan(x: VariableLike) -> Variable:
    return Arctan()(x)


class Abs(Function):
    """|x|. At x = 0 the derivative is 0 (sign(0) = 0), PyTorch's subgradient."""
    batch_rule = "elementwise"

    def forward(self, x):
        return _xp(x).abs(x)

    def backward(self, gy):
        return gy * data_constant(lambda d: _xp(d).sign(d), self.inputs[0])

    def taylor(self, x):
        return S.masked(x, _xp(x).sign(x[0, ...]), _output(self).data)


@_unary_doc("The absolute value ``|x|``, elementwise.",
            "Its derivative is ``sign(x)``: 0 at ``x = 0``, the usual subgradient.",
            """
    >>> x = gd.Variable(np.array([-2.0, 0.0, 3.0]))
    >>> y = F.abs(x)
    >>> print(y, gd.grad(F.sum(y), x))
    variable([2. 0. 3.]) variable([-1.  0.  1.])
""")
def abs(x: VariableLike) -> Variable:
    return Abs()(x)


def _floating(xp, dtype):
    return xp.isdtype(dtype, ("real floating", "complex floating"))


class AsType(Function):
    """x cast to `dtype`. Between floating dtypes the derivative is 1 (the gradient is cast
    back to x's dtype); a cast to or from an integer or bool dtype is piecewise constant or
    not differentiable at all, so it passes no gradient (as torch, whose integer tensors
    take none)."""
    batch_rule = "elementwise"

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        return _xp(x).astype(x, self.dtype)

    def backward(self, gy):
        x = self.inputs[0]
        if not (_floating(x.xp, x.dtype) and _floating(x.xp, self.dtype)):
            return None
        return astype(gy, x.dtype)

    def taylor(self, x):
        xp = _xp(x)
        if _floating(xp, x.dtype) and _floating(xp, self.dtype):
            return xp.astype(x, self.dtype)
        return S.constant(xp.astype(x[0, ...], self.dtype))


def astype(x: VariableLike, dtype: DType) -> Variable:
    """`x` cast to `dtype` (``Variable.astype``), differentiable between floating dtypes.

    Parameters
    ----------
    x : Variable or array
        The input.
    dtype : dtype or str
        A dtype of x's backend, or its name (``"float32"``), looked up on x's namespace.

    Returns
    -------
    Variable
        A new Variable of `x`'s shape and `dtype` (a copy, also for x's own dtype).

    Raises
    ------
    ValueError
        When `dtype` is a name x's backend does not have.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> x = gd.Variable(np.array([1.5, 2.0]))
    >>> y = x.astype(np.float32)
    >>> y.dtype, gd.grad((y * y).sum(), x).dtype
    (dtype('float32'), dtype('float64'))
    """
    x = as_variable(x)
    if isinstance(dtype, str):
        named = getattr(x.xp, dtype, None)
        try:
            known = named is not None and x.xp.isdtype(named, ("bool", "numeric"))
        except (TypeError, ValueError, AttributeError):  # a function or module of that name
            known = False
        if not known:
            raise ValueError(f"astype: {x.xp.__name__} has no dtype named {dtype!r}")
        dtype = named
    return AsType(dtype)(x)


class Softplus(Function):
    """log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)): no overflow for large x
    (softplus(1000) == 1000) and no 0 where the exact value is tiny (softplus(-40) = 4.2e-18)."""
    batch_rule = "elementwise"

    def forward(self, x):
        xp = _xp(x)
        return xp.maximum(x, xp.zeros_like(x)) + xp.log1p(xp.exp(-xp.abs(x)))

    def backward(self, gy):
        # sigmoid's stable kernel: no 0 where the exact value is tiny, and 1 at x = inf
        # (exp(x - softplus(x)) would be exp(inf - inf)); recorded, so differentiable again.
        return gy * sigmoid(self.inputs[0])

    def taylor(self, x):
        return S.softplus(x, _output(self).data, _sigmoid(x[0, ...]))


@_unary_doc("``log(1 + exp(x))``, elementwise, stable for every finite `x`.",
            "Its derivative is ``sigmoid(x)``.",
            """
    >>> x = gd.Variable(np.array([0.0, -800.0, 800.0]))
    >>> y = F.softplus(x)
    >>> np.allclose(y.data, [np.log(2.0), 0.0, 800.0]), gd.grad(F.sum(y), x)
    (True, variable([0.5 0.  1. ]))
""")
def softplus(x: VariableLike) -> Variable:
    return Softplus()(x)


def _shares(f, a, b):
    """The gradient's split between the inputs a, b (arrays) of maximum (f.greater) or
    minimum: 1 to the selected one, 0.5 / 0.5 at ties (as PyTorch), NaN to both where either
    is NaN (the output is NaN there: its derivative is NaN, never a silent 0)."""
    xp = _xp(a)
    wins_a, wins_b = (a > b, b > a) if f.greater else (a < b, b < a)
    half = xp.astype(a == b, f.inputs[0].dtype) * 0.5
    share_a = xp.astype(wins_a, f.inputs[0].dtype) + half
    share_b = xp.astype(wins_b, f.inputs[1].dtype) + half
    undefined = xp.isnan(a) | xp.isnan(b)
    return (xp.where(undefined, xp.full_like(share_a, xp.nan), share_a),
            xp.where(undefined, xp.full_like(share_b, xp.nan), share_b))


class Maximum(Function):
    """Elementwise max(a, b) (Minimum: min), broadcasting. NaN propagates; ties split the
    gradient 0.5 / 0.5."""
    batch_rule = "elementwise"
    greater = True

    def forward(self, a, b):
        xp = _xp(a)
        return xp.maximum(a, b) if self.greater else xp.minimum(a, b)

    def backward(self, gy):
        need_a, need_b = self.needs_grad
        a, b = self.inputs  # the shares as constants batched as a and b are (vmap)
        return (gy * data_constant(lambda x, y: _shares(self, x, y)[0], a, b) if need_a else None,
                gy * data_constant(lambda x, y: _shares(self, x, y)[1], a, b) if need_b else None)

    def taylor(self, a, b):
        return S.select(a, b, *_shares(self, *(x.data for x in self.inputs)), _output(self).data)


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


def maximum(a: Operand, b: Operand) -> Variable:
    """The elementwise maximum of `a` and `b`, with broadcasting.

    NaN propagates; at a tie the gradient is split 0.5 / 0.5.

    Parameters
    ----------
    a, b : Variable, array or Python scalar
        The operands; at most one a Python scalar (it takes the other's dtype).

    Returns
    -------
    Variable
        The maxima, of the broadcast shape.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([-1.0, 0.0, 2.0]))
    >>> y = F.maximum(x, 0.0)
    >>> print(gd.grad(F.sum(y), x))
    variable([0.  0.5 1. ])
    """
    return Maximum()(*_pair(a, b, "maximum"))


class Minimum(Maximum):
    greater = False


def minimum(a: Operand, b: Operand) -> Variable:
    """The elementwise minimum of `a` and `b`, with broadcasting.

    NaN propagates; at a tie the gradient is split 0.5 / 0.5.

    Parameters
    ----------
    a, b : Variable, array or Python scalar
        The operands; at most one a Python scalar (it takes the other's dtype).

    Returns
    -------
    Variable
        The minima, of the broadcast shape.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([-1.0, 0.0, 2.0]))
    >>> y = F.minimum(x, 0.0)
    >>> print(gd.grad(F.sum(y), x))
    variable([1.  0.5 0. ])
    """
    return Minimum()(*_pair(a, b, "minimum"))


class Where(Function):
    """where(condition, a, b) with broadcasting; `condition` is a constant boolean array."""
    linear_in = "all"

    def __init__(self, condition):
        self.condition = condition

    def forward(self, a, b):
        return _xp(a).where(self.condition, a, b)

    def batch(self, xs, batched):
        ndim = max([self.condition.ndim] + [x.ndim - b for x, b in zip(xs, batched)])
        a, b = (batch_pad(x, ndim) if bt else x for x, bt in zip(xs, batched))
        return Where(self.condition)(a, b)

    def backward(self, gy):
        need_a, need_b = self.needs_grad
        cond = self.condition
        return (gy * _mask(lambda g: cond, gy) if need_a else None,
                gy * _mask(lambda g: _xp(g).logical_not(cond), gy) if need_b else None)

    def taylor(self, a, b):
        ndim = max(a.ndim, b.ndim, self.condition.ndim + 1) - 1  # cond may be wider than a and b
        return S.where(self.condition, S.align(a, ndim), S.align(b, ndim))


def where(condition: VariableLike, a: Operand, b: Operand) -> Variable:
    """`a` where `condition` holds, else `b`, broadcasting all three (``xp.where``).

    The gradient flows to `a` where the condition holds and to `b` elsewhere; the condition
    takes none.

    Parameters
    ----------
    condition : bool array
        E.g. ``x > 0`` (a comparison of Variables gives a boolean array).
    a, b : Variable, array or Python scalar
        The values; at most one a Python scalar.

    Returns
    -------
    Variable
        Of the broadcast shape.

    Raises
    ------
    TypeError
        When `condition` is not a boolean array.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([-1.0, 2.0]))
    >>> y = F.where(x > 0, x * x, -x)
    >>> print(y, gd.grad(F.sum(y), x))
    variable([1. 4.]) variable([-1.  4.])
    """
    if isinstance(condition, Variable) and condition._level:  # a per-example mask inside vmap
        return WhereMask()(condition, *_pair(a, b, "where"))
    cond = condition.data if isinstance(condition, Variable) else condition
    if not is_array(cond) or cond.dtype != _xp(cond).bool:
        what = f"an array of dtype {cond.dtype}" if is_array(cond) else type(cond).__name__
        raise TypeError(f"where needs a boolean array as condition (e.g. x > 0), got {what}")
    a, b = _pair(a, b, "where")
    operand = a if isinstance(a, Variable) or is_array(a) else b
    get_array_module(cond, operand.data if isinstance(operand, Variable) else operand)
    return Where(cond)(a, b)


class WhereMask(Function):
    """where(condition, a, b) inside vmap, with the per-example condition as a (constant)
    input; its batching rule hands the batch's condition to `Where`."""
    label = "Where"

    def forward(self, condition, a, b):
        return _xp(a).where(condition, a, b)

    def backward(self, gy):
        condition, a, b = self.inputs
        _, need_a, need_b = self.needs_grad
        return (None,
                gy * data_constant(lambda c, g: _mask_array(c, g), condition, gy) if need_a else None,
                gy * data_constant(lambda c, g: _mask_array(_xp(c).logical_not(c), g), condition, gy)
                if need_b else None)

    def taylor(self, c, a, b):
        cond = c[0, ...]
        ndim = max(a.ndim, b.ndim, cond.ndim + 1) - 1
        return S.where(cond, S.align(a, ndim), S.align(b, ndim))

    def batch(self, xs, batched):
        ndim = max([x.ndim - b for x, b in zip(xs, batched)])
        c, a, b = (batch_pad(x, ndim) if bt else x for x, bt in zip(xs, batched))
        if c._level:
            return WhereMask()(c, a, b)
        return Where(c.data)(a, b)
