"""Arithmetic: + - * / ** and negation, with broadcasting (the engine sums gradients back
to each input's shape). Ops with a Python-scalar constant keep the scalar unconverted: it
never promotes the dtype (float32 stays float32) and costs no gradient."""
from __future__ import annotations

import math

from gdezero.backend import is_array
from gdezero.backend import namespace_of_type as _xp
from gdezero.core import (
    Add,
    Function,
    Ones,
    Operand,
    Variable,
    VariableLike,
    _is_recording,
    data_constant,
)
from gdezero.ops.elementwise import log
from gdezero.taylor import series as S

__all__ = ["add", "sub", "mul", "div", "neg", "pow"]

_SCALARS = (int, float)




class AddConstant(Function):  # x + c
    batch_rule = "elementwise"
    label = "Add"

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x + self.c

    def backward(self, gy):
        return gy

    def taylor(self, x):
        return S.add_constant(x, self.c)


def add(x0: VariableLike, x1: Operand) -> Variable:
    """``x0 + x1`` elementwise, with broadcasting (the ``+`` operator).

    Parameters
    ----------
    x0 : Variable or array
        The first operand.
    x1 : Variable, array or Python scalar
        The second operand; a Python scalar keeps `x0`'s dtype.

    Returns
    -------
    Variable
        The sum, of the broadcast shape.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([1.0, 2.0]))
    >>> F.add(x, 1.0)
    variable([2. 3.])
    >>> x + np.array([[10.0], [20.0]])
    variable([[11. 12.]
              [21. 22.]])
    """
    if isinstance(x1, _SCALARS):
        return AddConstant(x1)(x0)
    return Add()(x0, x1)


class Sub(Function):
    linear_in = "all"
    batch_rule = "elementwise"
    def forward(self, x0, x1):
        return x0 - x1

    def backward(self, gy):
        return gy, -gy if self.needs_grad[1] else None

    def taylor(self, x0, x1):
        return S.sub(x0, x1)


def sub(x0: VariableLike, x1: Operand) -> Variable:
    """``x0 - x1`` elementwise, with broadcasting (the ``-`` operator).

    Parameters
    ----------
    x0 : Variable or array
        The first operand.
    x1 : Variable, array or Python scalar
        The operand subtracted; a Python scalar keeps `x0`'s dtype.

    Returns
    -------
    Variable
        The difference, of the broadcast shape.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([1.0, 2.0]))
    >>> F.sub(x, 1.0), 1.0 - x
    (variable([0. 1.]), variable([ 0. -1.]))
    """
    if isinstance(x1, _SCALARS):
        return AddConstant(-x1)(x0)  # x - c == x + (-c) exactly in IEEE arithmetic
    return Sub()(x0, x1)


class RSubConstant(Function):  # c - x
    batch_rule = "elementwise"
    label = "Sub"

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return self.c - x

    def backward(self, gy):
        return -gy

    def taylor(self, x):
        return S.add_constant(-x, self.c)


def rsub(x0: VariableLike, x1: Operand) -> Variable:
    """``x1 - x0``: the reflected ``-`` (``2.0 - x``)."""
    if isinstance(x1, _SCALARS):
        return RSubConstant(x1)(x0)
    return Sub()(x1, x0)


class Mul(Function):
    linear_in = (0, 1)
    batch_rule = "elementwise"
    def forward(self, x0, x1):
        return x0 * x1

    def backward(self, gy):
        x0, x1 = self.inputs
        need0, need1 = self.needs_grad
        return gy * x1 if need0 else None, gy * x0 if need1 else None

    def taylor(self, x0, x1):
        return S.mul(x0, x1)


class MulConstant(Function):  # x * c
    linear_in = "all"
    batch_rule = "elementwise"
    label = "Mul"

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x * self.c

    def backward(self, gy):
        return gy * self.c

    def taylor(self, x):
        return x * self.c


def mul(x0: VariableLike, x1: Operand) -> Variable:
    """``x0 * x1`` elementwise, with broadcasting (the ``*`` operator).

    Parameters
    ----------
    x0 : Variable or array
        The first factor.
    x1 : Variable, array or Python scalar
        The second factor; a Python scalar keeps `x0`'s dtype.

    Returns
    -------
    Variable
        The product, of the broadcast shape.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([1.0, 2.0]))
    >>> y = F.mul(x, x)
    >>> print(y, gd.grad(F.sum(y), x))
    variable([1. 4.]) variable([2. 4.])
    """
    if isinstance(x1, _SCALARS):
        return MulConstant(x1)(x0)
    # A seed of ones times a recorded v is v (see core.Ones): no op, no node.
    if (type(x1) is Ones or type(x0) is Ones) and _is_recording():
        one, other = (x1, x0) if type(x1) is Ones else (x0, x1)
        if (isinstance(other, Variable) and other.creator is not None and not other._level
                and other.data.shape == one.data.shape and other.data.dtype == one.data.dtype):
            return other
    return Mul()(x0, x1)


class Div(Function):
    linear_in = (0,)
    batch_rule = "elementwise"
    def forward(self, x0, x1):
        return x0 / x1

    def backward(self, gy):
        x0, x1 = self.inputs
        gx0 = gy / x1
        return gx0 if self.needs_grad[0] else None, -gx0 * x0 / x1 if self.needs_grad[1] else None

    def taylor(self, x0, x1):
        return S.div(x0, x1)


class DivConstant(Function):  # x / c
    linear_in = "all"
    batch_rule = "elementwise"
    label = "Div"

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x / self.c

    def backward(self, gy):
        return gy / self.c

    def taylor(self, x):
        return x / self.c


def div(x0: VariableLike, x1: Operand) -> Variable:
    """``x0 / x1`` elementwise, with broadcasting (the ``/`` operator).

    Parameters
    ----------
    x0 : Variable or array
        The dividend.
    x1 : Variable, array or Python scalar
        The divisor; a Python scalar keeps `x0`'s dtype.

    Returns
    -------
    Variable
        The quotient, of the broadcast shape.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([1.0, 2.0]))
    >>> F.div(x, 4.0), 1.0 / x
    (variable([0.25 0.5 ]), variable([1.  0.5]))
    """
    if isinstance(x1, _SCALARS):
        return DivConstant(x1)(x0)
    return Div()(x0, x1)


class RDivConstant(Function):  # c / x
    batch_rule = "elementwise"
    label = "Div"

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return self.c / x

    def backward(self, gy):
        x, = self.inputs
        return gy * (-self.c) / (x * x)

    def taylor(self, x, linear=None):
        return S.reciprocal(x, self.c, linear)


def rdiv(x0: VariableLike, x1: Operand) -> Variable:
    """``x1 / x0``: the reflected ``/`` (``1.0 / x``)."""
    if isinstance(x1, _SCALARS):
        return RDivConstant(x1)(x0)
    return Div()(x1, x0)


class Neg(Function):
    linear_in = "all"
    batch_rule = "elementwise"
    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy

    def taylor(self, x):
        return -x


def neg(x: VariableLike) -> Variable:
    """``-x`` elementwise (unary ``-``).

    Parameters
    ----------
    x : Variable or array
        The operand.

    Returns
    -------
    Variable
        The negation, of `x`'s shape.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> F.neg(gd.Variable(np.array([1.0, -2.0])))
    variable([-1.  2.])
    """
    return Neg()(x)


class ScaledMul(Function):  # x0 * x1 * c for one shape, c a Python scalar: the backward of x ** c
    linear_in = (0, 1)
    batch_rule = "elementwise"
    label = "Mul"

    def __init__(self, c):
        self.c = c

    def forward(self, x0, x1):
        y = x0 * x1
        y *= self.c  # in place: y is the fresh product, aliased by no one (one temporary less)
        return y

    def backward(self, gy):
        x0, x1 = self.inputs
        need0, need1 = self.needs_grad
        return (ScaledMul(self.c)(gy, x1) if need0 else None,
                ScaledMul(self.c)(gy, x0) if need1 else None)

    def taylor(self, x0, x1):
        return S.mul(x0, x1) * self.c


class Pow(Function):  # x ** c, c a Python scalar
    batch_rule = "elementwise"

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x ** self.c

    def backward(self, gy):
        x, = self.inputs
        c = self.c
        if c == 0:
            return gy * 0
        if c == 1:
            return gy
        return ScaledMul(c)(gy, x if c == 2 else x ** (c - 1))

    def taylor(self, x, linear=None):
        return S.power(x, self.c, self.outputs[0]().data, linear=linear)


def pow(x: VariableLike, c: float | VariableLike) -> Variable:
    """``x ** c`` elementwise (the ``**`` operator): a Python number `c` (kept unconverted), or
    an array / Variable exponent, differentiable in both.

    Parameters
    ----------
    x : Variable or array
        The base.
    c : int, float, Variable or array
        The exponent; a Python number keeps `x`'s dtype.

    Returns
    -------
    Variable
        The power, of `x`'s shape.

    Raises
    ------
    TypeError
        When `c` is neither a Python int or float nor an array or Variable.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array(3.0))
    >>> y = F.pow(x, 2)
    >>> print(y, gd.grad(F.sum(y), x))
    variable(9.0) variable(6.0)
    """
    if type(c) in _SCALARS:  # the usual x ** 2 first (bool is not in _SCALARS by type)
        return Pow(c)(x)
    if isinstance(c, Variable) or is_array(c):
        return VariablePow()(x, c)
    if not isinstance(c, _SCALARS) or isinstance(c, bool):
        raise TypeError(
            f"the exponent of ** must be a Python int or float, an array or a Variable, got "
            f"{type(c).__name__}")
    return Pow(c)(x)


class VariablePow(Function):
    """x ** y with an array or Variable exponent, differentiable in both: d/dx = y x^(y-1),
    d/dy = x^y log(x), taken as 0 where x == 0 (PyTorch's choice, no 0 * -inf)."""
    batch_rule = "elementwise"
    label = "Pow"

    def forward(self, x, y):
        return _xp(x).pow(x, y)

    def backward(self, gy):
        x, y = self.inputs
        need_x, need_y = self.needs_grad
        if need_x:  # y x^(y-1) is 0 * 0^-1 at x = y = 0: 0 there, as PyTorch
            undefined = data_constant(lambda a, b: _xp(a).astype((a == 0) & (b == 0), a.dtype), x, y)
            gx = gy * y * x ** (y - 1 + undefined * 2)  # exponent 1 there (y = 0), y - 1 elsewhere
        else:
            gx = None
        if not need_y:
            return gx, None
        safe = x + data_constant(lambda d: _xp(d).astype(d == 0, d.dtype), x)  # log(1) = 0 where x == 0
        return gx, gy * self.outputs[0]() * log(safe)

    def taylor(self, x, y):
        """exp(y log x): needs x > 0 at the point, as a real power with a varying exponent
        does; a constant one-element exponent is a plain power (exact at x = 0), and a
        constant base 0 under an exponent > 0 stays 0."""
        y0 = self.outputs[0]().data
        xp = _xp(y0)
        if S.order(y) == 0 and math.prod(y.shape) == 1:
            x = xp.astype(x, y0.dtype)  # the exponent's dtype may promote x's
            same = S.data_shape(x) == tuple(y0.shape)
            return S.broadcast_to(S.power(x, float(xp.reshape(y, ())), y0 if same else None),
                                  tuple(y0.shape))
        s = S.exp(S.mul(y, S.log(x)), y0)
        if S.order(x) == 0:
            zero = (x[0, ...] == 0) & (y[0, ...] > 0)
            s = S.where(zero, S.constant(xp.zeros_like(y0)), s)
        return s


class RPow(Function):  # c ** x, c a positive Python scalar
    batch_rule = "elementwise"
    label = "Pow"

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return self.c ** x

    def backward(self, gy):
        x, = self.inputs
        return gy * rpow(x, self.c) * math.log(self.c)

    def taylor(self, x):
        return S.rpow(x, self.c, self.outputs[0]().data)


def rpow(x: VariableLike, c: float | VariableLike) -> Variable:
    """``c ** x``: the reflected ``**`` (``2.0 ** x``), for a positive Python number `c` or an
    array / Variable base."""
    if isinstance(c, Variable) or is_array(c):
        return VariablePow()(c, x)
    if not isinstance(c, _SCALARS) or isinstance(c, bool) or c <= 0:
        raise TypeError(
            f"c ** Variable needs a positive Python int or float base, got {c!r}; "
            f"for other bases use F.exp(x * F.log(c))")
    return RPow(c)(x)
