"""The batched functional API: grad(is_grads_batched=True), hessian and jacobian in one
batched pass (against the loop of single passes they replaced), jacobian's modes, and
vmap composed with grad, hvp, jvp, taylor and derivatives."""
import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero.backend import to_numpy

RTOL = 1e-12


def _np(v):
    return to_numpy(v.data if isinstance(v, gd.Variable) else v)


def _data(shape, seed):
    return np.random.default_rng(seed).normal(size=shape)


def f_scalar(x):
    return F.sum(F.tanh(x) * x ** 2) + F.sum(x[1:] * x[:-1])


def f_vector(x):
    return F.concatenate([F.sin(x) * x[0], F.exp(x[1:])], axis=0)


def test_grad_with_batched_grad_outputs_is_the_loop_of_vjps(arr):
    x = gd.Variable(arr(_data(3, 1)))
    y = f_vector(x)
    V = arr(_data((4, 5), 2))
    got = gd.grad(y, x, grad_outputs=V, is_grads_batched=True)
    want = np.stack([_np(gd.grad(y, x, grad_outputs=V[i, ...])) for i in range(4)])
    assert tuple(got.shape) == (4, 3)
    np.testing.assert_allclose(_np(got), want, rtol=RTOL)


def test_batched_grad_with_several_inputs_and_create_graph(arr):
    a, b = gd.Variable(arr(_data(3, 1))), gd.Variable(arr(_data(3, 2)))
    y = F.sin(a * b)
    V = arr(_data((2, 3), 3))
    ga, gb = gd.grad(y, [a, b], grad_outputs=V, is_grads_batched=True, create_graph=True)
    for i in range(2):
        wa, wb = gd.grad(y, [a, b], grad_outputs=V[i, ...])
        np.testing.assert_allclose(_np(ga)[i], _np(wa), rtol=RTOL)
        np.testing.assert_allclose(_np(gb)[i], _np(wb), rtol=RTOL)
    second = gd.grad(F.sum(ga), a)  # recorded: differentiable again
    want = sum(_np(gd.grad(F.sum(gd.grad(y, a, grad_outputs=V[i, ...], create_graph=True)), a))
               for i in range(2))
    np.testing.assert_allclose(_np(second), want, rtol=RTOL)


def test_grad_of_a_non_scalar_output_needs_grad_outputs(arr):
    x = gd.Variable(arr([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"shape \(2,\) needs grad_outputs"):
        gd.grad(x * x, x)
    with pytest.raises(ValueError, match="needs grad_outputs with a leading batch axis"):
        gd.grad(x * x, x, is_grads_batched=True)
    y = x * x
    y.backward()  # DeZero's seeding with ones stays
    np.testing.assert_allclose(_np(x.grad), [2.0, 4.0])


def _hessian_by_rows(f, x):
    """The loop this module replaced: one Hessian-vector product per basis direction."""
    n = x.shape[0]
    return np.stack([_np(gd.hvp(f, x, np.eye(n)[i])) for i in range(n)])


def test_hessian_equals_the_loop_of_hessian_vector_products():
    x = _data(6, 4)
    np.testing.assert_allclose(_np(gd.hessian(f_scalar, x)), _hessian_by_rows(f_scalar, x), rtol=RTOL)


def test_hessian_of_tuple_inputs_gives_the_blocks(arr):
    a, b = arr(_data(2, 5)), arr(_data(3, 6))
    f = lambda a, b: F.sum(F.sin(a) ** 2) * F.sum(b ** 3)  # noqa: E731
    H = gd.hessian(f, (a, b))
    joint = lambda z: f(z[:2], z[2:])  # noqa: E731
    full = _np(gd.hessian(joint, arr(np.concatenate([_np(a), _np(b)]))))
    np.testing.assert_allclose(_np(H[0][0]), full[:2, :2], rtol=RTOL)
    np.testing.assert_allclose(_np(H[0][1]), full[:2, 2:], rtol=RTOL)
    np.testing.assert_allclose(_np(H[1][0]), full[2:, :2], rtol=RTOL)
    np.testing.assert_allclose(_np(H[1][1]), full[2:, 2:], rtol=RTOL)


def test_hessian_of_a_linear_function_is_zero(arr):
    H = gd.hessian(lambda x: F.sum(x * 3.0), arr([1.0, 2.0]))
    np.testing.assert_array_equal(_np(H), np.zeros((2, 2)))


@pytest.mark.parametrize("mode", ["auto", "rev", "fwd"])
def test_jacobian_modes_agree_with_the_loop_of_rows(arr, mode):
    x = arr(_data(3, 7))
    got = gd.jacobian(f_vector, x, mode=mode)
    xv = gd.Variable(x)
    y = f_vector(xv)
    rows = np.stack([_np(gd.grad(y, xv, grad_outputs=arr(np.eye(5)[i]))) for i in range(5)])
    np.testing.assert_allclose(_np(got), rows, rtol=RTOL, atol=1e-15)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_jacobian_of_tuple_inputs_and_outputs(arr, mode):
    a, b = arr(_data((2, 2), 8)), arr(_data(3, 9))
    f = lambda a, b: (F.sum(a, axis=0) * b[:2], F.exp(b) * F.sum(a))  # noqa: E731
    got = gd.jacobian(f, (a, b), mode=mode)
    want = gd.jacobian(f, (a, b), mode="rev" if mode == "fwd" else "fwd")
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(_np(got[i][j]), _np(want[i][j]), rtol=RTOL, atol=1e-15)
    assert tuple(got[0][0].shape) == (2, 2, 2) and tuple(got[1][1].shape) == (3, 3)


def test_jacobian_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="mode must be"):
        gd.jacobian(F.exp, np.ones(2), mode="forward")


def test_vmap_of_jvp_taylor_derivatives_and_hvp_equal_the_loop(arr):
    X, V = arr(_data((4, 3), 10)), arr(_data((4, 3), 11))
    rows = lambda fn: np.stack([_np(fn(X[i, ...], V[i, ...])) for i in range(4)])  # noqa: E731
    cases = {
        "jvp": lambda x, v: gd.jvp(f_scalar, x, v)[1],
        "taylor": lambda x, v: gd.taylor(F.tanh, x, [v, v])[2],
        "derivatives": lambda x, v: gd.derivatives(F.sin, x, 3, v)[3],
        "hvp": lambda x, v: gd.hvp(f_scalar, x, v),
    }
    for name, fn in cases.items():
        np.testing.assert_allclose(_np(gd.vmap(fn)(X, V)), rows(fn), rtol=1e-11, atol=1e-13,
                                   err_msg=name)


def test_grad_of_vmap_of_grad(arr):
    X = gd.Variable(arr(_data((4, 3), 12)))
    per_example = gd.vmap(lambda x: gd.grad(f_scalar(x), x, create_graph=True))(X)
    got = gd.grad(F.sum(per_example ** 2), X)
    want = []
    for i in range(4):
        x = gd.Variable(X.data[i, ...])
        want.append(_np(gd.grad(F.sum(gd.grad(f_scalar(x), x, create_graph=True) ** 2), x)))
    np.testing.assert_allclose(_np(got), np.stack(want), rtol=1e-11)
