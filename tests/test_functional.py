"""grad, hvp, hessian, jacobian, derivatives."""
import tracemalloc

import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable
from helpers import assert_close


def rosenbrock(x):
    return F.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_hvp(x, v):
    """The analytic Hessian of Rosenbrock-n times v (tridiagonal), in NumPy."""
    hv = np.zeros_like(x)
    hv[:-1] += (1200 * x[:-1] ** 2 - 400 * x[1:] + 2) * v[:-1] - 400 * x[:-1] * v[1:]
    hv[1:] += 200 * v[1:] - 400 * x[:-1] * v[:-1]
    return hv


def test_grad_of_grad_is_the_second_derivative(arr):
    x = Variable(arr([0.5, 1.5]))
    g = gd.grad(F.sum(x ** 3), x, create_graph=True)
    assert_close(g, 3 * np.array([0.5, 1.5]) ** 2)
    assert_close(gd.grad(F.sum(g), x), 6 * np.array([0.5, 1.5]))


def test_grad_leaves_leaf_grads_untouched(arr):
    x = Variable(arr(2.0))
    x.grad = Variable(arr(7.0))
    g = gd.grad(x ** 2, x, create_graph=True)
    gd.grad(g, x)
    assert float(x.grad.data) == 7.0


def test_grad_of_several_outputs_and_inputs(arr):
    a, b = Variable(arr(2.0)), Variable(arr(3.0))
    ga, gb = gd.grad([a * b, a ** 2], [a, b], grad_outputs=[arr(1.0), arr(10.0)])
    assert (float(ga.data), float(gb.data)) == (3.0 + 40.0, 2.0)


def test_grad_of_unconnected_input_is_zeros_of_its_shape(arr):
    x, unused = Variable(arr([1.0, 2.0])), Variable(arr([[1.0, 2.0, 3.0]]))
    gx, gu = gd.grad(F.sum(x * 2), [x, unused])
    assert_close(gx, [2.0, 2.0])
    assert tuple(gu.shape) == (1, 3)
    assert_close(gu, np.zeros((1, 3)), atol=0)


def test_grad_with_respect_to_an_intermediate(arr):
    x = Variable(arr(3.0))
    a = x * 2
    assert float(gd.grad(a ** 2, a).data) == 12.0


def test_grad_rejects_mismatched_grad_outputs(arr):
    x = Variable(arr([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        gd.grad(x * 2, x, grad_outputs=arr([1.0, 1.0, 1.0]))


def test_hvp_of_sum_of_squares(arr):
    assert_close(gd.hvp(lambda x: F.sum(x ** 2), arr([1.0, 2.0]), arr([4.0, 5.0])), [8.0, 10.0])


def test_hvp_with_a_variable_v_is_differentiable_in_x_and_v(arr):
    x, v = Variable(arr([1.0, 2.0])), Variable(arr([4.0, 5.0]))
    hv = gd.hvp(lambda t: F.sum(t ** 3), x, v, create_graph=True)  # 6 x v
    assert_close(hv, [24.0, 60.0])
    gx, gv = gd.grad(F.sum(hv), [x, v])
    assert_close(gx, [24.0, 30.0])
    assert_close(gv, [6.0, 12.0])


def test_hessian_is_symmetric_and_matches_closed_form(arr):
    data = np.array([0.3, -1.1, 2.0])
    h = gd.hessian(lambda x: F.sum(x ** 2 * F.sin(x)), arr(data))
    expected = np.diag(2 * np.sin(data) + 4 * data * np.cos(data) - data ** 2 * np.sin(data))
    assert tuple(h.shape) == (3, 3)
    assert_close(h, expected, rtol=1e-12, atol=1e-12)


def test_hessian_of_a_coupled_function_is_symmetric(arr):
    data = np.array([0.5, -1.0, 1.5, 2.0])
    h = gd.backend.to_numpy(gd.hessian(rosenbrock, arr(data)).data)
    np.testing.assert_allclose(h, h.T, rtol=0, atol=1e-12)
    assert h[0, 1] == -400 * data[0]  # the off-diagonal terms are there, not only the diagonal


def test_hessian_of_a_matrix_input_has_shape_x_shape_twice(arr):
    data = np.array([[1.0, 2.0], [3.0, 4.0]])
    h = gd.hessian(lambda x: F.sum(x ** 3), arr(data))
    assert tuple(h.shape) == (2, 2, 2, 2)
    expected = np.diag((6 * data).ravel()).reshape(2, 2, 2, 2)
    assert_close(h, expected, rtol=1e-12, atol=1e-12)


def test_jacobian_of_softmax(arr):
    data = np.array([0.2, -1.0, 0.7])
    jac = gd.jacobian(lambda x: F.softmax(x, axis=0), arr(data))
    s = np.exp(data) / np.exp(data).sum()
    assert_close(jac, np.diag(s) - np.outer(s, s), rtol=1e-12, atol=1e-12)


def test_jacobian_shape_is_output_then_input(arr):
    jac = gd.jacobian(lambda x: F.matmul(x, x.T), arr(np.ones((2, 3))))
    assert tuple(jac.shape) == (2, 2, 2, 3)


def test_derivatives_of_sin_cycle(arr):
    data = np.linspace(-3, 3, 7)
    got = gd.derivatives(F.sin, arr(data), 4)
    expected = [np.sin, np.cos, lambda a: -np.sin(a), lambda a: -np.cos(a), np.sin]
    assert len(got) == 5
    for g, e in zip(got, expected):
        assert_close(g, e(data), rtol=1e-12, atol=1e-12)


def test_hessian_with_create_graph_is_differentiable(arr):
    x = Variable(arr([0.5, 1.0]))
    h = gd.hessian(lambda v: F.sum(v ** 4), x, create_graph=True)  # diag(12 x^2)
    assert_close(gd.grad(F.sum(h), x), 24 * np.array([0.5, 1.0]))


def test_hvp_on_rosenbrock_equals_hessian_times_v(arr, xp):
    rng = np.random.default_rng(3)
    x, v = rng.uniform(-1, 2, 1000), rng.normal(size=1000)
    hv = gd.hvp(rosenbrock, arr(x), arr(v))
    full = gd.hessian(rosenbrock, arr(x))
    assert_close(hv, gd.backend.to_numpy(full.data) @ v, rtol=1e-10, atol=1e-8)
    assert_close(hv, rosenbrock_hvp(x, v), rtol=1e-10, atol=1e-8)


def test_hvp_at_a_million_points_is_linear_in_memory(arr):
    n = 1_000_000
    rng = np.random.default_rng(4)
    x, v = rng.uniform(-1, 2, n), rng.normal(size=n)
    xa, va = arr(x), arr(v)
    tracemalloc.start()
    hv = gd.hvp(rosenbrock, xa, va)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 60 * 8 * n, f"peak {peak / 8 / n:.0f} n-sized vectors"  # an n x n array: 8e12 bytes
    expected = rosenbrock_hvp(x, v)
    error = np.max(np.abs(gd.backend.to_numpy(hv.data) - expected)) / np.max(np.abs(expected))
    assert error < 1e-10


def test_hvp_rejects_a_non_scalar_objective(arr):
    with pytest.raises(ValueError, match="scalar"):
        gd.hvp(lambda x: x ** 2, arr([1.0, 2.0]), arr([1.0, 1.0]))


def test_hvp_rejects_v_of_the_wrong_shape_naming_both(arr):
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        gd.hvp(lambda x: F.sum(x ** 2), arr([1.0, 2.0]), arr([1.0, 1.0, 1.0]))


# ---------------------------------------------------------------- outputs that were not recorded
def test_grad_of_an_output_computed_under_no_grad_raises(arr):
    x = Variable(arr([1.0, 2.0]))
    with gd.no_grad():
        y = F.sum(x ** 2)
        with pytest.raises(RuntimeError, match=r"grad\(\): this output was not recorded.*no_grad"):
            gd.grad(y, x)
    with pytest.raises(RuntimeError, match="not recorded"):
        gd.grad(y, x)  # recording on again does not make y's graph exist
    with pytest.raises(RuntimeError, match=r"backward\(\): this output was not recorded"):
        y.backward()


def test_differentiating_a_gradient_made_without_create_graph_raises(arr):
    x = Variable(arr([1.0, 2.0]))
    g = gd.grad(F.sum(x ** 3), x)
    assert_close(g, [3.0, 12.0])
    with pytest.raises(RuntimeError, match="create_graph=False"):
        gd.grad(g, x)
    y = F.sum(x ** 3)
    y.backward()  # the book's loop without create_graph=True
    gx = x.grad
    x.cleargrad()
    with pytest.raises(RuntimeError, match="not recorded"):
        gx.backward()


def test_an_unconnected_input_and_a_constant_derivative_still_give_zeros(arr):
    x, w = Variable(arr([1.0, 2.0])), Variable(arr([5.0, 6.0, 7.0]))
    gx, gw = gd.grad(F.sum(x ** 2), [x, w])
    assert_close(gx, [2.0, 4.0])
    assert_close(gw, np.zeros(3), atol=0)
    g = gd.grad(F.sum(x + 1.0), x, create_graph=True)  # ones: its own derivative is zero
    assert_close(g, np.ones(2), atol=0)
    assert_close(gd.grad(F.sum(g), x), np.zeros(2), atol=0)


# ---------------------------------------------------------------- errors naming the argument
def test_grad_with_a_raw_array_as_input_or_output_names_the_type(arr):
    raw = arr([1.0, 2.0])
    x = Variable(raw)
    y = F.sum(x * x)
    kind = f"{type(raw).__module__}.{type(raw).__qualname__}"
    with pytest.raises(TypeError, match=rf"grad\(\): inputs must be Variables .*got {kind}"):
        gd.grad(y, raw)
    with pytest.raises(TypeError, match=rf"grad\(\): outputs must be Variables .*got {kind}"):
        gd.grad(raw, x)
    with pytest.raises(TypeError, match=rf"inputs must be Variables .*got {kind}"):
        gd.grad(y, [x, raw])


def test_grad_outputs_of_the_wrong_shape_is_named(arr):
    x = Variable(arr([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=r"grad_outputs entry of shape \(2,\) does not match its "
                                         r"output of shape \(3,\)"):
        gd.grad(F.sin(x), x, grad_outputs=arr([1.0, 1.0]))
