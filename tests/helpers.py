"""Checks shared by the test modules: higher-order derivatives against numerical ones."""
import numpy as np

import gdezero as gd
from gdezero.backend import to_numpy
from gdezero.utils import numerical_grad


def assert_close(actual, expected, rtol=1e-7, atol=1e-10):
    actual = to_numpy(actual.data if isinstance(actual, gd.Variable) else actual)
    np.testing.assert_allclose(actual, np.asarray(expected), rtol=rtol, atol=atol)


def directional_derivatives(f, x, weights):
    """d_0 = f(x); d_k = grad(sum(d_{k-1} * w_k), x), each recorded for the next order."""
    out = [f(x)]
    for w in weights:
        out.append(gd.grad(gd.functions.sum(out[-1] * w), x, create_graph=True))
    return out


def check_orders(f, x_data, order=3, seed=0, rtol=1e-4, atol=1e-5):
    """Every derivative of order 1..`order` of f at x equals central differences of the
    order below it (random directions contract the extra axes)."""
    xp = gd.get_array_module(x_data)
    rng = np.random.default_rng(seed)
    x = gd.Variable(x_data)
    out_shape = tuple(f(x).shape)
    weights = [xp.asarray(rng.uniform(0.5, 1.5, out_shape))]
    weights += [xp.asarray(rng.uniform(0.5, 1.5, tuple(x.shape))) for _ in range(order - 1)]
    derivs = directional_derivatives(f, x, weights)
    for k in range(1, order + 1):
        def lower(xv, k=k):
            below = directional_derivatives(f, xv, weights[:k - 1])[-1]
            return gd.functions.sum(below * weights[k - 1])
        expected = numerical_grad(lower, x_data)
        assert tuple(derivs[k].shape) == tuple(x.shape), f"order {k}: gradient shape"
        assert_close(derivs[k], to_numpy(expected), rtol=rtol, atol=atol)
