"""Elementwise functions: exp, log, trigonometric and hyperbolic, sqrt, sigmoid, softplus, the
ReLU family, clip, abs, maximum / minimum and where."""
from __future__ import annotations

import weakref
from typing import Any

from gdezero.backend import device_of, get_array_module, is_array
from gdezero.backend import namespace_of_type as _xp
from gdezero.core import Constant, Function, Operand, Variable, VariableLike, as_variable
from gdezero.taylor import series as S

__all__ = [
    "exp", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh", "sinh", "cosh", "arctan", "sqrt",
    "abs", "sigmoid", "softplus", "relu", "leaky_relu", "clip", "maximum", "minimum", "where",
]


def _output(f):
    return f.outputs[0]()


class Exp(Function):
    def forward(self, x):
        return _xp(x).exp(x)

    def backward(self, gy):
        return gy * _output(self)

    def taylor(self, x):
        return S.exp(x, _output(self).data)


def exp(x: VariableLike) -> Variable:
    """The exponential ``e ** x``, elementwise.

    Its derivative is ``exp(x)`` itself, reused from the output.

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
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([0.0, 1.0]))
    >>> y = F.exp(x)
    >>> np.allclose(y.data, [1.0, np.e]), np.allclose(gd.grad(y, x).data, y.data)
    (True, True)
    """
    return Exp()(x)


class Log(Function):
    def forward(self, x):
        return _xp(x).log(x)

    def backward(self, gy):
        return gy / self.inputs[0]

    def taylor(self, x):
        return S.log(x, _output(self).data)


def log(x: VariableLike) -> Variable:
    """The natural logarithm, elementwise.

    Its derivative is ``1 / x``.

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
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([1.0, 2.0]))
    >>> y = F.log(x)
    >>> print(gd.grad(y, x))
    variable([1.  0.5])
    """
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
    _cos = None

    def forward(self, x):
        return _xp(x).sin(x)

    def backward(self, gy):
        return gy * _partner(self, "_cos", cos, "_sin")

    def taylor(self, x):
        return S.sin(x, _output(self).data)


def sin(x: VariableLike) -> Variable:
    """The sine, elementwise (radians).

    Its derivative is ``cos(x)``; every higher order reuses the sin/cos pair already computed.

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
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array(0.0))
    >>> y = F.sin(x)
    >>> gx = gd.grad(y, x, create_graph=True)
    >>> print(y, gx, float(gd.grad(gx, x).data) == 0.0)
    variable(0.0) variable(1.0) True
    """
    return Sin()(x)


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


def cos(x: VariableLike) -> Variable:
    """The cosine, elementwise (radians).

    Its derivative is ``-sin(x)``.

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
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array(0.0))
    >>> y = F.cos(x)
    >>> print(y, float(gd.grad(y, x).data) == 0.0)
    variable(1.0) True
    """
    return Cos()(x)


class Tan(Function):
    def forward(self, x):
        return _xp(x).tan(x)

    def backward(self, gy):
        y = _output(self)
        return gy * (y * y + 1)

    def taylor(self, x):
        return S.tan(x, _output(self).data)


def tan(x: VariableLike) -> Variable:
    """The tangent, elementwise (radians).

    Its derivative is ``1 + tan(x) ** 2``.

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
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array(0.0))
    >>> y = F.tan(x)
    >>> print(y, gd.grad(y, x))
    variable(0.0) variable(1.0)
    """
    return Tan()(x)


class Tanh(Function):
    def forward(self, x):
        return _xp(x).tanh(x)

    def backward(self, gy):
        y = _output(self)
        return gy * (1 - y * y)

    def taylor(self, x):
        return S.tanh(x, _output(self).data)


def tanh(x: VariableLike) -> Variable:
    """The hyperbolic tangent, elementwise.

    Its derivative is ``1 - tanh(x) ** 2``.

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
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array(0.0))
    >>> y = F.tanh(x)
    >>> print(y, gd.grad(y, x))
    variable(0.0) variable(1.0)
    """
    return Tanh()(x)


class Sqrt(Function):
    def forward(self, x):
        return _xp(x).sqrt(x)

    def backward(self, gy):
        return gy / (_output(self) * 2)

    def taylor(self, x):
        return S.sqrt(x, _output(self).data)


def sqrt(x: VariableLike) -> Variable:
    """The square root, elementwise.

    Its derivative is ``1 / (2 sqrt(x))``.

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
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([1.0, 4.0]))
    >>> y = F.sqrt(x)
    >>> print(y, gd.grad(y, x))
    variable([1. 2.]) variable([0.5  0.25])
    """
    return Sqrt()(x)


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


def sigmoid(x: VariableLike) -> Variable:
    """The logistic function ``1 / (1 + exp(-x))``, elementwise.

    Its derivative is ``y (1 - y)``. It is computed as ``0.5 tanh(x / 2) + 0.5``, which never overflows.

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
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([0.0, -800.0]))
    >>> y = F.sigmoid(x)
    >>> print(y, gd.grad(y, x))
    variable([0.5 0. ]) variable([0.25 0.  ])
    """
    return Sigmoid()(x)


def _mask(condition, x):
    """A constant 0/1 Variable of x's dtype (masks need no gradient), NaN where x is NaN:
    a NaN input's derivative is NaN, never a silent 0 or 1."""
    xp = _xp(x)
    return Constant(xp.where(xp.isnan(x), x, xp.astype(condition, x.dtype)))


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


def relu(x: VariableLike) -> Variable:
    """The rectifier ``max(x, 0)``, elementwise.

    Its derivative is 1 where ``x > 0``, else 0.

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
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([-1.0, 2.0]))
    >>> y = F.relu(x)
    >>> print(y, gd.grad(y, x))
    variable([0. 2.]) variable([0. 1.])
    """
    return ReLU()(x)


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
    >>> print(y, gd.grad(y, x))
    variable([-0.5  2. ]) variable([0.5 1. ])
    """
    return LeakyReLU(slope)(x)


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


def clip(x: VariableLike, x_min: float, x_max: float) -> Variable:
    """`x` clipped to ``[x_min, x_max]``, elementwise.

    The derivative is 1 inside the interval (ends included) and 0 outside.

    Parameters
    ----------
    x : Variable or array
        The input.
    x_min, x_max : float
        The bounds.

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
    >>> print(y, gd.grad(y, x))
    variable([-1.   0.5  1. ]) variable([0. 1. 0.])
    """
    return Clip(x_min, x_max)(x)


class Log1p(Function):
    """log(1 + x), accurate for tiny x."""

    def forward(self, x):
        return _xp(x).log1p(x)

    def backward(self, gy):
        return gy / (self.inputs[0] + 1)

    def taylor(self, x):
        return S.log1p(x, _output(self).data)


def log1p(x: VariableLike) -> Variable:
    """``log(1 + x)``, elementwise, accurate for tiny `x`.

    Its derivative is ``1 / (1 + x)``.

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
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([0.0, 1e-20]))
    >>> y = F.log1p(x)
    >>> print(y, gd.grad(y, x))
    variable([0.e+00 1.e-20]) variable([1. 1.])
    """
    return Log1p()(x)


class Expm1(Function):
    """exp(x) - 1, accurate for tiny x."""

    def forward(self, x):
        return _xp(x).expm1(x)

    def backward(self, gy):
        return gy * (_output(self) + 1)  # exp(x) from the recorded output: one node per order

    def taylor(self, x):
        return S.expm1(x, _output(self).data)


def expm1(x: VariableLike) -> Variable:
    """``exp(x) - 1``, elementwise, accurate for tiny `x`.

    Its derivative is ``exp(x)``.

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
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([0.0, 1e-20]))
    >>> y = F.expm1(x)
    >>> print(y, gd.grad(y, x))
    variable([0.e+00 1.e-20]) variable([1. 1.])
    """
    return Expm1()(x)


class Sinh(Function):
    _cosh = None

    def forward(self, x):
        return _xp(x).sinh(x)

    def backward(self, gy):
        return gy * _partner(self, "_cosh", cosh, "_sinh")

    def taylor(self, x):
        return S.sinh_cosh(x, _output(self).data, None)[0]


def sinh(x: VariableLike) -> Variable:
    """The hyperbolic sine, elementwise.

    Its derivative is ``cosh(x)``.

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
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array(0.0))
    >>> y = F.sinh(x)
    >>> print(y, gd.grad(y, x))
    variable(0.0) variable(1.0)
    """
    return Sinh()(x)


class Cosh(Function):
    _sinh = None

    def forward(self, x):
        return _xp(x).cosh(x)

    def backward(self, gy):
        return gy * _partner(self, "_sinh", sinh, "_cosh")

    def taylor(self, x):
        return S.sinh_cosh(x, None, _output(self).data)[1]


def cosh(x: VariableLike) -> Variable:
    """The hyperbolic cosine, elementwise.

    Its derivative is ``sinh(x)``.

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
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array(0.0))
    >>> y = F.cosh(x)
    >>> print(y, gd.grad(y, x))
    variable(1.0) variable(0.0)
    """
    return Cosh()(x)


class Arctan(Function):
    def forward(self, x):
        return _xp(x).atan(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy / (x * x + 1)

    def taylor(self, x):
        return S.arctan(x, _output(self).data)


def arctan(x: VariableLike) -> Variable:
    """The inverse tangent, elementwise (radians).

    Its derivative is ``1 / (1 + x ** 2)``.

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
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([0.0, 1.0]))
    >>> y = F.arctan(x)
    >>> np.allclose(y.data, [0.0, np.pi / 4]), gd.grad(y, x)
    (True, variable([1.  0.5]))
    """
    return Arctan()(x)


class Abs(Function):
    """|x|. At x = 0 the derivative is 0 (sign(0) = 0), PyTorch's subgradient."""

    def forward(self, x):
        return _xp(x).abs(x)

    def backward(self, gy):
        x = self.inputs[0].data
        return gy * Constant(_xp(x).sign(x))

    def taylor(self, x):
        return S.masked(x, _xp(x).sign(x[0, ...]), _output(self).data)


def abs(x: VariableLike) -> Variable:
    """The absolute value ``|x|``, elementwise.

    Its derivative is ``sign(x)``: 0 at ``x = 0``, as in PyTorch.

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
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([-2.0, 0.0, 3.0]))
    >>> y = F.abs(x)
    >>> print(y, gd.grad(y, x))
    variable([2. 0. 3.]) variable([-1.  0.  1.])
    """
    return Abs()(x)


def _floating(xp, dtype):
    return xp.isdtype(dtype, ("real floating", "complex floating"))


class AsType(Function):
    """x cast to `dtype`. Between floating dtypes the derivative is 1 (the gradient is cast
    back to x's dtype); a cast to or from an integer or bool dtype is piecewise constant or
    not differentiable at all, so it passes no gradient (as torch, whose integer tensors
    take none)."""

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


def astype(x: VariableLike, dtype: Any) -> Variable:
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


def softplus(x: VariableLike) -> Variable:
    """``log(1 + exp(x))``, elementwise, stable for every finite `x`.

    Its derivative is ``sigmoid(x)``.

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
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([0.0, -800.0, 800.0]))
    >>> y = F.softplus(x)
    >>> np.allclose(y.data, [np.log(2.0), 0.0, 800.0]), gd.grad(y, x)
    (True, variable([0.5 0.  1. ]))
    """
    return Softplus()(x)


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


class Maximum(Function):
    """Elementwise max(a, b), broadcasting. NaN propagates; ties split the gradient 0.5 / 0.5."""
    greater = True

    def forward(self, a, b):
        return _xp(a).maximum(a, b)

    def backward(self, gy):
        return _select_grad(self, gy)

    def taylor(self, a, b):
        return _select_series(self, a, b)


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
    >>> print(gd.grad(y, x))
    variable([0.  0.5 1. ])
    """
    return Maximum()(*_pair(a, b, "maximum"))


class Minimum(Function):
    """Elementwise min(a, b), broadcasting. NaN propagates; ties split the gradient 0.5 / 0.5."""
    greater = False

    def forward(self, a, b):
        return _xp(a).minimum(a, b)

    def backward(self, gy):
        return _select_grad(self, gy)

    def taylor(self, a, b):
        return _select_series(self, a, b)


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
    >>> print(gd.grad(y, x))
    variable([1.  0.5 0. ])
    """
    return Minimum()(*_pair(a, b, "minimum"))


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
    >>> print(y, gd.grad(y, x))
    variable([1. 4.]) variable([-1.  4.])
    """
    cond = condition.data if isinstance(condition, Variable) else condition
    if not is_array(cond) or cond.dtype != _xp(cond).bool:
        what = f"an array of dtype {cond.dtype}" if is_array(cond) else type(cond).__name__
        raise TypeError(f"where needs a boolean array as condition (e.g. x > 0), got {what}")
    a, b = _pair(a, b, "where")
    operand = a if isinstance(a, Variable) or is_array(a) else b
    get_array_module(cond, operand.data if isinstance(operand, Variable) else operand)
    return Where(cond)(a, b)
