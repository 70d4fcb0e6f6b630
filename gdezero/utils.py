"""Numerical checks and comparisons that work on every backend (+ DOT re-exports)."""
from gdezero.backend import get_array_module, to_numpy
from gdezero.core import Variable
from gdezero.functional import grad


def _data(x):
    return x.data if isinstance(x, Variable) else x


def numerical_grad(f, x, *args, eps=1e-4, **kwargs):
    """Central differences of sum(f(x, *args)) w.r.t. every element of `x`."""
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
    """True when backprop's gradient of sum(f(x)) matches central differences."""
    x = _data(x)
    xp = get_array_module(x)
    if not xp.isdtype(x.dtype, "real floating"):
        x = xp.astype(x, xp.float64)  # integer test data would make differences meaningless
    expected = numerical_grad(f, x, *args, **kwargs)
    xv = Variable(x)
    got = grad(f(xv, *args, **kwargs), xv)
    return tuple(got.shape) == tuple(expected.shape) and array_allclose(got, expected, rtol, atol)


def array_equal(a, b):
    """Same shape and values, for arrays or Variables of any backend(s)."""
    a, b = to_numpy(_data(a)), to_numpy(_data(b))
    return a.shape == b.shape and bool((a == b).all())


def array_allclose(a, b, rtol=1e-4, atol=1e-5):
    """Same shape and values within |a - b| <= atol + rtol * |b|, any backend(s)."""
    a, b = to_numpy(_data(a)), to_numpy(_data(b))
    return a.shape == b.shape and bool((abs(a - b) <= atol + rtol * abs(b)).all())


from gdezero.graph import get_dot_graph, plot_dot_graph  # noqa: E402,F401  (public re-export)
