"""Numerical checks and comparisons that work on every backend (+ DOT re-exports)."""
from gdezero.backend import get_array_module, to_numpy
from gdezero.core import Variable
from gdezero.functional import grad


def _data(x):
    return x.data if isinstance(x, Variable) else x


def numerical_grad(f, x, *args, eps=1e-4, **kwargs):
    """Central differences of ``sum(f(x, *args))`` with respect to every element of `x`.

    Parameters
    ----------
    f : callable
        Takes a Variable (and ``*args``, ``**kwargs``) and returns a Variable or array.
    x : array or Variable
        The point; any backend.
    eps : float, default 1e-4
        The half step of the central difference.

    Returns
    -------
    array
        The slopes, of `x`'s shape, backend and dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from gdezero.utils import numerical_grad
    >>> g = numerical_grad(lambda x: x ** 3, np.array([1.0, 2.0]))
    >>> np.round(g, 6)
    array([ 3., 12.])
    """
    x = _data(x)
    xp = get_array_module(x)
    shape = tuple(x.shape)
    flat = xp.reshape(xp.asarray(x, copy=True), (-1,))
    size = flat.shape[0]

    def total(data):
        y = f(Variable(xp.reshape(data, shape)), *args, **kwargs)
        return float(xp.sum(_data(y)))  # a Python float now: later edits of `flat` can't alias it

    slopes = []
    for i in range(size):
        original = float(flat[i])
        flat[i] = original + eps
        upper = total(flat)
        flat[i] = original - eps
        lower = total(flat)
        flat[i] = original
        slopes.append((upper - lower) / (2 * eps))
    return xp.reshape(xp.asarray(slopes, dtype=x.dtype, device=x.device), shape)


def gradient_check(f, x, *args, rtol=1e-4, atol=1e-5, **kwargs):
    """Whether backprop's gradient of ``sum(f(x))`` matches central differences.

    Parameters
    ----------
    f : callable
        Takes a Variable (and ``*args``, ``**kwargs``) and returns a Variable.
    x : array or Variable
        The point; integer data is checked in float64.
    rtol, atol : float
        Tolerances of the comparison (see `array_allclose`).

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero.functions as F
    >>> from gdezero.utils import gradient_check
    >>> gradient_check(F.tanh, np.array([0.5, -1.0, 2.0]))
    True
    """
    x = _data(x)
    xp = get_array_module(x)
    if not xp.isdtype(x.dtype, "real floating"):
        x = xp.astype(x, xp.float64)  # integer test data would make differences meaningless
    expected = numerical_grad(f, x, *args, **kwargs)
    xv = Variable(x)
    got = grad(f(xv, *args, **kwargs), xv)
    return tuple(got.shape) == tuple(expected.shape) and array_allclose(got, expected, rtol, atol)


def array_equal(a, b):
    """Whether `a` and `b` have the same shape and values (arrays or Variables, any backends).

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


def array_allclose(a, b, rtol=1e-4, atol=1e-5):
    """Whether `a` and `b` have the same shape and ``|a - b| <= atol + rtol * |b|`` everywhere.

    Arrays or Variables of any backends; compared as NumPy copies.

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
