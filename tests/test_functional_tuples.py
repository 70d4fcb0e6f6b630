"""hvp, hessian and jacobian of several inputs, against torch.autograd.functional."""
import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable
from helpers import assert_close

torch = pytest.importorskip("torch", reason="torch.autograd.functional is the oracle (pip install torch)")
TAF = torch.autograd.functional

rng = np.random.default_rng(21)
X, Y = rng.normal(size=(2, 2)), rng.uniform(0.5, 2.0, 3)
VX, VY = rng.normal(size=(2, 2)), rng.normal(size=3)


def coupled(x, y):
    """A scalar of two inputs whose Hessian has every block non-zero."""
    return (x ** 2 * x).sum() * (y * y).sum() + (x.sum() * y ** 3).sum() + (x * x).sum()


def gd_coupled(x, y):
    return F.sum(x ** 3) * F.sum(y * y) + F.sum(F.sum(x) * y ** 3) + F.sum(x * x)


def torch_inputs(*arrays):
    return tuple(torch.from_numpy(np.array(a)) for a in arrays)


def assert_blocks_close(got, expected):
    """Nested tuples of gdezero Variables equal nested tuples of torch tensors."""
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected), f"{type(got)} vs {len(expected)} blocks"
        for g, e in zip(got, expected):
            assert_blocks_close(g, e)
        return
    assert tuple(got.shape) == tuple(expected.shape)
    assert_close(got, expected.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_hessian_of_two_inputs_is_the_nested_tuple_of_blocks(arr):
    got = gd.hessian(gd_coupled, (arr(X), arr(Y)))
    expected = TAF.hessian(coupled, torch_inputs(X, Y))
    assert_blocks_close(got, expected)
    assert tuple(got[0][1].shape) == (2, 2, 3) and tuple(got[1][0].shape) == (3, 2, 2)
    np.testing.assert_allclose(gd.backend.to_numpy(got[0][1].data),
                               gd.backend.to_numpy(got[1][0].data).transpose(1, 2, 0), rtol=1e-12)


def test_hessian_blocks_of_an_input_entering_linearly_are_zeros(arr):
    f = lambda x, y: F.sum(x ** 3) + F.sum(y) * 2  # noqa: E731
    (hxx, hxy), (hyx, hyy) = gd.hessian(f, (arr(X), arr(Y)))
    assert_close(hxx, np.diag(6 * X.ravel()).reshape(2, 2, 2, 2), rtol=1e-12, atol=0)
    for block, shape in [(hxy, (2, 2, 3)), (hyx, (3, 2, 2)), (hyy, (3, 3))]:
        assert tuple(block.shape) == shape
        assert_close(block, np.zeros(shape), atol=0)


def test_hessian_of_a_one_tuple_is_nested_and_of_one_input_is_not(arr):
    f = lambda x: F.sum(F.sin(x) * x)  # noqa: E731
    (block,), = gd.hessian(f, (arr(Y),))
    plain = gd.hessian(f, arr(Y))
    assert isinstance(plain, Variable)
    expected = TAF.hessian(lambda t: (torch.sin(t) * t).sum(), torch_inputs(Y)[0])
    assert_blocks_close(block, expected)
    assert_blocks_close(plain, expected)


def test_hvp_of_two_inputs_matches_torch(arr):
    got = gd.hvp(gd_coupled, (arr(X), arr(Y)), (arr(VX), arr(VY)))
    _, expected = TAF.hvp(coupled, torch_inputs(X, Y), torch_inputs(VX, VY))
    assert_blocks_close(got, expected)


def test_hvp_of_two_inputs_equals_the_hessian_blocks_times_v(arr):
    hv = gd.hvp(gd_coupled, (arr(X), arr(Y)), (arr(VX), arr(VY)))
    (hxx, hxy), (hyx, hyy) = [[gd.backend.to_numpy(b.data) for b in row]
                              for row in gd.hessian(gd_coupled, (arr(X), arr(Y)))]
    expected_x = np.tensordot(hxx, VX, 2) + np.tensordot(hxy, VY, 1)
    expected_y = np.tensordot(hyx, VX, 2) + np.tensordot(hyy, VY, 1)
    assert_close(hv[0], expected_x, rtol=1e-12, atol=1e-12)
    assert_close(hv[1], expected_y, rtol=1e-12, atol=1e-12)


def test_hvp_with_an_input_entering_linearly(arr):
    hx, hy = gd.hvp(lambda x, y: F.sum(x ** 3) + F.sum(y), (arr(X), arr(Y)), (arr(VX), arr(VY)))
    assert_close(hx, 6 * X * VX, rtol=1e-12, atol=0)
    assert_close(hy, np.zeros(3), atol=0)


def test_hvp_of_tuples_with_create_graph_is_differentiable(arr):
    x, y = Variable(arr(X)), Variable(arr(Y))
    hx, hy = gd.hvp(lambda a, b: F.sum(a * a * b[0]), (x, y), (arr(VX), arr(VY)), create_graph=True)
    # f = y0 * sum(a^2): H v = (2 y0 vx + 2 x vy0, [2 sum(x vx), 0, 0])
    assert_close(hx, 2 * Y[0] * VX + 2 * X * VY[0], rtol=1e-12, atol=1e-12)
    gx, gy = gd.grad(F.sum(hx) + F.sum(hy), (x, y))
    assert_close(gx, np.full((2, 2), 2 * VY[0]) + 2 * VX, rtol=1e-12, atol=1e-12)
    assert_close(gy, [2 * VX.sum(), 0.0, 0.0], rtol=1e-12, atol=1e-12)


def test_jacobian_of_two_inputs_gives_one_block_per_input(arr):
    f = lambda x, y: F.matmul(F.tanh(x), y[:2]) * F.sum(y)  # noqa: E731
    got = gd.jacobian(f, (arr(X), arr(Y)))
    expected = TAF.jacobian(lambda x, y: torch.tanh(x) @ y[:2] * y.sum(), torch_inputs(X, Y))
    assert_blocks_close(got, expected)
    assert tuple(got[0].shape) == (2, 2, 2) and tuple(got[1].shape) == (2, 3)


def test_jacobian_of_several_outputs_nests_outputs_then_inputs(arr):
    gd_f = lambda x, y: (F.sin(x) * y[0], F.sum(x) * y)  # noqa: E731
    torch_f = lambda x, y: (torch.sin(x) * y[0], x.sum() * y)  # noqa: E731
    got = gd.jacobian(gd_f, (arr(X), arr(Y)))
    assert_blocks_close(got, TAF.jacobian(torch_f, torch_inputs(X, Y)))
    one_input = gd.jacobian(lambda x: (F.exp(x), F.sum(x * x)), arr(X))
    expected = TAF.jacobian(lambda x: (torch.exp(x), (x * x).sum()), torch_inputs(X)[0])
    assert_blocks_close(one_input, expected)


def test_hvp_rejects_v_that_does_not_match_the_tuple(arr):
    with pytest.raises(ValueError, match="x is a tuple of 2, v is one array"):
        gd.hvp(gd_coupled, (arr(X), arr(Y)), arr(VX))
    with pytest.raises(ValueError, match="x is a tuple of 2, v is a tuple of 1"):
        gd.hvp(gd_coupled, (arr(X), arr(Y)), (arr(VX),))
    with pytest.raises(ValueError, match=r"v\[1\] has shape \(2, 2\) but x\[1\] has shape \(3,\)"):
        gd.hvp(gd_coupled, (arr(X), arr(Y)), (arr(VX), arr(VX)))


def test_hessian_of_several_inputs_rejects_a_non_scalar_f(arr):
    with pytest.raises(ValueError, match="scalar"):
        gd.hessian(lambda x, y: x * y[0], (arr(X), arr(Y)))


def test_an_empty_tuple_of_inputs_is_rejected():
    with pytest.raises(ValueError, match="empty tuple of inputs"):
        gd.hessian(lambda: None, ())
