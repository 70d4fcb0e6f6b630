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


# ============================================================================ torch as the oracle
def _torch():
    import torch
    return torch


def oracle_weights(out_shape, in_shapes, order, seed=0):
    """Seeded contraction weights: one of the output's shape, then one per input for each
    order above the first (order k contracts the order-k gradient with weights[k])."""
    rng = np.random.default_rng(seed)
    weights = [[rng.uniform(0.5, 1.5, out_shape)]]
    weights += [[rng.uniform(-1.5, 1.5, s) for s in in_shapes] for _ in range(order - 1)]
    return weights


def _contract(parts, weights, total):
    """sum_i <parts[i], weights[i]> with `total` the backend's sum."""
    s = None
    for p, w in zip(parts, weights):
        term = total(p * w)
        s = term if s is None else s + term
    return s


def gd_orders(f, xs, weights):
    """[f(*xs), D_1, ..., D_n] in gdezero by nested reverse mode: D_1 = grad(<f, w_0>, xs),
    D_k = grad(sum_i <D_{k-1}[i], w_{k-1}[i]>, xs), each pass recorded for the next.
    `xs` are backend arrays; each D_k is a tuple of NumPy arrays, one per input."""
    xs = [gd.Variable(x) for x in xs]
    y = f(*xs)
    out = [to_numpy(y.data)]
    xp = gd.get_array_module(xs[0].data)
    s = _contract([y], [gd.Variable(xp.asarray(w)) for w in weights[0]], gd.functions.sum)
    for k in range(1, len(weights) + 1):
        g = gd.grad(s, xs, create_graph=True)
        out.append(tuple(to_numpy(gi.data) for gi in g))
        if k < len(weights):
            s = _contract(g, [gd.Variable(xp.asarray(w)) for w in weights[k]], gd.functions.sum)
    return out


def torch_orders(f, xs, weights):
    """The same derivatives as `gd_orders` by torch.autograd on float64 CPU tensors of
    `xs` (NumPy arrays); an order that no longer depends on the inputs is zeros, as in gdezero."""
    torch = _torch()
    ts = [torch.from_numpy(np.array(x)).requires_grad_(True) for x in xs]
    y = f(*ts)
    out = [y.detach().numpy()]
    s = _contract([y], [torch.from_numpy(w) for w in weights[0]], torch.sum)
    for k in range(1, len(weights) + 1):
        if s.requires_grad:
            g = torch.autograd.grad(s, ts, create_graph=True, materialize_grads=True)
        else:
            g = tuple(torch.zeros_like(t) for t in ts)
        out.append(tuple(gi.detach().numpy(force=True) for gi in g))
        if k < len(weights):
            s = _contract(g, [torch.from_numpy(w) for w in weights[k]], torch.sum)
    return out


def assert_matches_torch(gd_f, torch_f, inputs, to_backend, order, seed=0, rtol=1e-9, atol=1e-9):
    """gdezero's value (order 0) or order-`order` contracted derivative of gd_f at `inputs`
    (NumPy arrays, handed to gdezero through `to_backend`) equals torch's for torch_f."""
    inputs = [np.asarray(x, dtype=np.float64) for x in inputs]
    out_shape = tuple(torch_f(*[_torch().from_numpy(x) for x in inputs]).shape)
    weights = oracle_weights(out_shape, [x.shape for x in inputs], max(order, 1), seed)
    got = gd_orders(gd_f, [to_backend(x) for x in inputs], weights)[order]
    expected = torch_orders(torch_f, inputs, weights)[order]
    if order == 0:
        got, expected = (got,), (expected,)
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g.shape == e.shape, f"order {order}, input {i}: shape {g.shape} != torch's {e.shape}"
        scale = max(1.0, float(np.max(np.abs(e), initial=0.0)))
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol * scale,
                                   err_msg=f"order {order}, input {i}")
