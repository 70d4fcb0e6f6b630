"""Elementwise functions: exp, log, trigonometric, tanh, sqrt, sigmoid, ReLU family, clip."""
from __future__ import annotations

import weakref

from gdezero.backend import namespace_of_type as _xp
from gdezero.core import Constant, Function, Variable, VariableLike
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
