"""Numerical checks and comparisons that work on every backend (+ DOT re-exports)."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from gdezero.backend import Array, device_of, get_array_module, is_lazy, lazy_like, to_numpy
from gdezero.core import Variable, VariableLike
from gdezero.functional import grad

__all__ = ["numerical_grad", "gradient_check", "gradgradcheck", "array_equal", "array_allclose",
           "get_dot_graph", "plot_dot_graph"]


def __dir__():
    return list(__all__)


def _data(x):
    return x.data if isinstance(x, Variable) else x


def _point(x):
    """The data of the point `x` (array or Variable), checked and detached as Variable data."""
    return (x if isinstance(x, Variable) else Variable(x)).data


def _float64(x):
    """A float64 copy of array `x` (any real or integer dtype), on x's backend and device."""
    xp = get_array_module(x)
    return xp.astype(x, xp.float64, copy=True)


def _slopes64(f, x, args, kwargs, eps):
    """Central differences of ``sum(f(x))`` in float64, as a float64 array of x's shape."""
    xp = get_array_module(x)
    shape = tuple(x.shape)
    if is_lazy(x):  # perturb a NumPy copy: a lazy array's graph would grow with every edit
        flat = to_numpy(_float64(x)).reshape(-1)

        def point(data):
            return lazy_like(data.reshape(shape).copy(), x)
    else:
        flat = xp.reshape(_float64(x), (-1,))

        def point(data):
            return xp.reshape(data, shape)

    def total(data):
        y = f(Variable(point(data)), *args, **kwargs)
        return float(xp.sum(_data(y)))  # a Python float now: later edits of `flat` can't alias it

    slopes = []
    for i in range(flat.shape[0]):
        original = float(flat[i])
        flat[i] = original + eps
        upper = total(flat)
        flat[i] = original - eps
        lower = total(flat)
        flat[i] = original
        slopes.append((upper - lower) / (2 * eps))
    return xp.reshape(xp.asarray(slopes, dtype=xp.float64, device=device_of(x)), shape)


def numerical_grad(f: Callable[..., VariableLike], x: VariableLike, *args: Any, eps: float = 1e-4,
                   **kwargs: Any) -> Array:
    """Central differences of ``sum(f(x, *args))`` with respect to every element of `x`.

    The differences are taken in float64 whatever x's dtype (float32 steps of 1e-4 would
    lose half the digits; integer steps would be 0 or 1).

    Parameters
    ----------
    f : callable
        Takes a Variable (and ``*args``, ``**kwargs``) and returns a Variable or array.
    x : array or Variable
        The point; any backend, any real or integer dtype.
    *args, **kwargs
        Passed on to `f`.
    eps : float, default 1e-4
        The half step of the central difference.

    Returns
    -------
    array
        The slopes, of `x`'s shape and backend; of x's dtype when it is floating, else float64.

    Examples
    --------
    >>> import numpy as np
    >>> from gdezero.utils import numerical_grad
    >>> g = numerical_grad(lambda x: x ** 3, np.array([1.0, 2.0]))
    >>> np.round(g, 6)
    array([ 3., 12.])
    """
    x = _point(x)
    xp = get_array_module(x)
    slopes = _slopes64(f, x, args, kwargs, eps)
    return xp.astype(slopes, x.dtype) if xp.isdtype(x.dtype, "real floating") else slopes


def _as_float(x):
    """Floating data as it is; integer data as float64 (an integer point has no gradient dtype)."""
    x = _point(x)
    xp = get_array_module(x)
    return x if xp.isdtype(x.dtype, "real floating") else _float64(x)


def _agree(what, got, expected, rtol, atol, raise_on_fail):
    """Whether backprop's `got` matches the float64 finite differences `expected`; with
    raise_on_fail, an AssertionError naming the worst element instead of False."""
    got = _data(got)
    if tuple(got.shape) != tuple(expected.shape):
        if raise_on_fail:
            raise AssertionError(f"{what}: backprop gave shape {tuple(got.shape)}, finite "
                                 f"differences shape {tuple(expected.shape)}")
        return False
    xp = get_array_module(expected)
    shape = tuple(expected.shape)
    got = xp.reshape(_float64(got), (-1,))
    expected = xp.reshape(expected, (-1,))
    excess = xp.abs(got - expected) - (atol + rtol * xp.abs(expected))
    # NaN on either side is a failure, never a pass
    excess = xp.where(xp.isnan(excess), xp.full_like(excess, xp.inf), excess)
    if excess.shape[0] == 0 or float(xp.max(excess)) <= 0:
        return True
    if raise_on_fail:
        k = int(xp.argmax(excess))
        index, rest = [], k
        for n in reversed(shape):
            rest, i = divmod(rest, n)
            index.insert(0, i)
        raise AssertionError(
            f"{what}: backprop and finite differences differ most at index {tuple(index)}: "
            f"backprop {float(got[k])!r}, finite differences {float(expected[k])!r} "
            f"(allowed |difference| {atol} + {rtol} * |finite differences|)")
    return False


def gradient_check(f: Callable[..., Variable], x: VariableLike, *args: Any, rtol: float = 1e-4,
                   atol: float = 1e-5, raise_on_fail: bool = False, **kwargs: Any) -> bool:
    """Whether backprop's gradient of ``sum(f(x))`` matches central differences.

    The differences are taken in float64 whatever x's dtype; backprop runs in x's dtype
    (float64 for integer data).

    Parameters
    ----------
    f : callable
        Takes a Variable (and ``*args``, ``**kwargs``) and returns a Variable.
    x : array or Variable
        The point; integer data is checked in float64.
    rtol, atol : float
        Tolerances of the comparison (see `array_allclose`).
    raise_on_fail : bool, default False
        Raise an AssertionError naming the worst element instead of returning False.
    *args, **kwargs
        Passed on to `f`.

    Returns
    -------
    bool
        Whether the two gradients agree within the tolerances.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero.functions as F
    >>> from gdezero.utils import gradient_check
    >>> gradient_check(F.tanh, np.array([0.5, -1.0, 2.0]))
    True
    """
    x = _as_float(x)
    expected = _slopes64(f, x, args, kwargs, 1e-4)
    xv = Variable(x)
    got = grad(f(xv, *args, **kwargs), xv)
    return _agree("gradient_check", got, expected, rtol, atol, raise_on_fail)


def gradgradcheck(f: Callable[..., Variable], x: VariableLike, v: VariableLike | None = None, *args: Any,
                  eps: float = 1e-4, rtol: float = 1e-4, atol: float = 1e-5, raise_on_fail: bool = False,
                  **kwargs: Any) -> bool:
    """Whether the second order of ``sum(f(x))`` is right: H v by double backprop
    against central differences of the gradient along `v`, taken in float64.

    Run it on a custom Function together with `gradient_check`: a `backward` that uses
    ``x.data`` (or any raw array math) gives right first derivatives and wrong (often zero)
    second ones, which only this check catches.

    Parameters
    ----------
    f : callable
        Takes a Variable (and ``*args``, ``**kwargs``) and returns a Variable.
    x : array or Variable
        The point; integer data is checked in float64.
    v : array, optional
        The direction, of x's shape; default a fixed pseudo-random one in [0.5, 1.5).
    eps : float, default 1e-4
        The half step of the central difference along `v`.
    rtol, atol : float
        Tolerances of the comparison (see `array_allclose`).
    raise_on_fail : bool, default False
        Raise an AssertionError naming the worst element instead of returning False.
    *args, **kwargs
        Passed on to `f`.

    Returns
    -------
    bool
        Whether H v agrees with the differences within the tolerances.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero.functions as F
    >>> from gdezero.utils import gradgradcheck
    >>> gradgradcheck(F.tanh, np.array([0.5, -1.0, 2.0]))
    True
    """
    x = _as_float(x)
    xp = get_array_module(x)
    shape = tuple(x.shape)
    if v is None:  # fixed, uneven weights in [0.5, 1.5): every column of H counts differently
        ramp = xp.arange(math.prod(shape), dtype=x.dtype, device=device_of(x)) * 0.6180339887
        v = xp.reshape(ramp % 1 + 0.5, shape)
    v = _data(v)
    get_array_module(x, v)  # one backend, one device
    v = xp.astype(v, x.dtype)
    if tuple(v.shape) != shape:
        raise ValueError(f"gradgradcheck: v has shape {tuple(v.shape)} but x has shape {shape}")

    def gradient(point, create_graph=False):
        xv = Variable(point)
        return xv, grad(f(xv, *args, **kwargs), xv, create_graph=create_graph)

    xv, g = gradient(x, create_graph=True)
    got = grad(g, xv, grad_outputs=v)  # v^T H, which is H v: H is symmetric
    x64, v64 = _float64(x), _float64(v)
    upper = _float64(gradient(x64 + eps * v64)[1].data)
    lower = _float64(gradient(x64 - eps * v64)[1].data)
    return _agree("gradgradcheck", got, (upper - lower) / (2 * eps), rtol, atol, raise_on_fail)


def array_equal(a: VariableLike, b: VariableLike) -> bool:
    """Whether `a` and `b` have the same shape and values (arrays or Variables, any backends).

    Parameters
    ----------
    a, b : Variable or array
        The values to compare, of any backends (compared as NumPy copies).

    Returns
    -------
    bool
        True when the shapes and every element are equal.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> from gdezero.utils import array_equal
    >>> array_equal(gd.Variable(np.array([1.0, 2.0])), np.array([1.0, 2.0]))
    True
    """
    a, b = to_numpy(_data(a)), to_numpy(_data(b))
    return a.shape == b.shape and bool((a == b).all())


def array_allclose(a: VariableLike, b: VariableLike, rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    """Whether `a` and `b` have the same shape and ``|a - b| <= atol + rtol * |b|`` everywhere.

    Parameters
    ----------
    a, b : Variable or array
        The values to compare, of any backends (compared as NumPy copies).
    rtol : float, default 1e-4
        The tolerance relative to ``|b|``.
    atol : float, default 1e-5
        The absolute tolerance.

    Returns
    -------
    bool
        True when the shapes agree and every element is within the tolerances.

    Examples
    --------
    >>> import numpy as np
    >>> from gdezero.utils import array_allclose
    >>> array_allclose(np.array([1.0, 2.0]), np.array([1.0, 2.00001]))
    True
    >>> array_allclose(np.array([1.0, 2.0]), np.array([1.0, 2.1]))
    False
    """
    a, b = to_numpy(_data(a)), to_numpy(_data(b))
    return a.shape == b.shape and bool((abs(a - b) <= atol + rtol * abs(b)).all())


from gdezero.graph import get_dot_graph, plot_dot_graph  # noqa: E402,F401  (public re-export)
