"""gdezero.func: the transforms against torch.func (the oracle), nesting, argnums / has_aux,
what is recorded, and the errors torch.func gives, with gdezero's exception classes."""
import importlib.util

import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero import func
from gdezero.backend import to_numpy
from tests.helpers import assert_close

torch = pytest.importorskip("torch", reason="torch.func is the oracle for gdezero.func")
tf = torch.func

X = np.array([0.3, -1.2, 2.0])
Y = np.array([1.5, 0.4, -0.7])


def t(a):
    return torch.from_numpy(np.array(a, dtype=np.float64))


def f_gd(x, y):
    return F.sum(F.sin(x) * y ** 2 + F.exp(x * y) / 3)


def f_torch(x, y):
    return torch.sum(torch.sin(x) * y ** 2 + torch.exp(x * y) / 3)


def g_gd(x, y):  # vector-valued: (3,) -> (3,)
    return F.tanh(x * y) + x ** 2


def g_torch(x, y):
    return torch.tanh(x * y) + x ** 2


def close(got, expected, rtol=1e-12):
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for a, b in zip(got, expected):
            close(a, b, rtol)
        return
    assert isinstance(got, gd.Variable)
    assert tuple(got.shape) == tuple(expected.shape)
    assert_close(got, expected.numpy(), rtol=rtol, atol=1e-13)


# ============================================================================ against torch.func
@pytest.mark.parametrize("argnums", [0, 1, -1, (0, 1), (1, 0)])
def test_grad_matches_torch_func_for_each_argnums(arr, argnums):
    # Variables in: an argument not differentiated reaches f unchanged, and array_api_strict
    # refuses `raw array * Variable`
    x, y = gd.Variable(arr(X)), gd.Variable(arr(Y))
    close(func.grad(f_gd, argnums)(x, y), tf.grad(f_torch, argnums)(t(X), t(Y)))


def test_value_and_grad_is_jax_order_and_matches_torch_grad_and_value(arr):
    value, g = func.value_and_grad(f_gd, (0, 1))(arr(X), arr(Y))
    g_t, value_t = tf.grad_and_value(f_torch, (0, 1))(t(X), t(Y))
    close(value, value_t)
    close(g, g_t)


def test_has_aux_returns_aux_beside_the_gradient(arr):
    def f(x):
        y = F.sum(x ** 3)
        return y, x * 2
    g, aux = func.grad(f, has_aux=True)(arr(X))
    assert_close(g, 3 * X ** 2)
    assert_close(aux, 2 * X)
    (value, aux), g = func.value_and_grad(f, has_aux=True)(arr(X))
    assert_close(value, np.sum(X ** 3))
    assert_close(g, 3 * X ** 2)


def test_vjp_matches_torch_for_a_tuple_output_and_can_be_called_twice(arr):
    def h(x, y):
        return g_gd(x, y), F.sum(x * y)
    (out, s), vjp_fn = func.vjp(h, arr(X), arr(Y))
    (out_t, s_t), vjp_t = tf.vjp(lambda x, y: (g_torch(x, y), torch.sum(x * y)), t(X), t(Y))
    close(out, out_t)
    close(s, s_t)
    for ct in (np.array([1.0, -2.0, 0.5]), np.array([0.0, 1.0, 3.0])):
        close(vjp_fn((arr(ct), arr(np.array(2.0)))), vjp_t((t(ct), t(2.0))))


def test_vjp_has_aux(arr):
    out, vjp_fn, aux = func.vjp(lambda x: (x ** 2, F.sum(x)), arr(X), has_aux=True)
    assert_close(aux, np.sum(X))
    assert_close(vjp_fn(arr(np.ones(3)))[0], 2 * X)


def test_jvp_matches_torch_func_jvp(arr):
    v, w = np.array([1.0, 0.5, -2.0]), np.array([0.2, 0.0, 1.0])
    out, dout = func.jvp(g_gd, (arr(X), arr(Y)), (arr(v), arr(w)))
    out_t, dout_t = tf.jvp(g_torch, (t(X), t(Y)), (t(v), t(w)))
    close(out, out_t)
    close(dout, dout_t)


def test_jvp_with_tuple_outputs_and_aux(arr):
    v = np.array([1.0, 0.5, -2.0])
    (a, b), (da, db), aux = func.jvp(lambda x: ((F.sin(x), F.sum(x ** 2)), x), (arr(X),),
                                     (arr(v),), has_aux=True)
    assert_close(da, np.cos(X) * v)
    assert_close(db, np.sum(2 * X * v))
    assert_close(aux, X)


@pytest.mark.parametrize("argnums", [0, (0, 1)])
@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
def test_jacobians_match_torch_func(arr, transform, argnums):
    got = getattr(func, transform)(g_gd, argnums)(arr(X), arr(Y))
    close(got, getattr(tf, transform)(g_torch, argnums)(t(X), t(Y)))


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
def test_jacobian_of_a_tuple_output_is_a_tuple_over_outputs_of_tuples_over_argnums(arr, transform):
    def h(x, y):
        return g_gd(x, y), F.sum(x * y)

    def h_t(x, y):
        return g_torch(x, y), torch.sum(x * y)
    got = getattr(func, transform)(h, (0, 1))(arr(X), arr(Y))
    close(got, getattr(tf, transform)(h_t, (0, 1))(t(X), t(Y)))


def test_jacfwd_has_aux(arr):
    jac, aux = func.jacfwd(lambda x: (x ** 2, F.sum(x)), has_aux=True)(arr(X))
    assert_close(jac, np.diag(2 * X))
    assert_close(aux, np.sum(X))


@pytest.mark.parametrize("nested", [False, True])
def test_jacfwd_runs_f_once_whatever_the_number_of_inputs(arr, nested):
    calls = []

    def f(x):
        calls.append(1)
        return F.tanh(x) * F.sum(x ** 2)

    def f_t(x):
        return torch.tanh(x) * torch.sum(x ** 2)
    for n in (2, 7):
        calls.clear()
        x = np.linspace(-1.0, 1.5, n)
        if nested:  # jacfwd over the recorded graph of jacrev: still one batched pass
            got = func.jacfwd(func.jacrev(f))(arr(x))
            expected = tf.jacfwd(tf.jacrev(f_t))(t(x))
        else:
            got, expected = func.jacfwd(f)(arr(x)), tf.jacfwd(f_t)(t(x))
        assert len(calls) == 1
        close(got, expected)


@pytest.mark.parametrize("argnums", [0, (0, 1)])
def test_hessian_matches_torch_func_and_equals_jacfwd_of_jacrev(arr, argnums):
    got = func.hessian(f_gd, argnums)(arr(X), arr(Y))
    close(got, tf.hessian(f_torch, argnums)(t(X), t(Y)))
    close(func.jacfwd(func.jacrev(f_gd, argnums), argnums)(arr(X), arr(Y)),
          tf.hessian(f_torch, argnums)(t(X), t(Y)))


def test_hessian_of_a_vector_output_has_shape_out_x_x(arr):
    got = func.hessian(g_gd)(arr(X), arr(Y))
    close(got, tf.hessian(g_torch)(t(X), t(Y)))
    assert tuple(got.shape) == (3, 3, 3)


def test_float32_argument_gets_a_float32_gradient(xp, arr):
    x = arr(X, dtype=np.float32)
    g = func.grad(lambda x: F.sum(x ** 2))(x)
    assert g.dtype == x.dtype
    assert_close(g, 2 * X.astype(np.float32), rtol=1e-6)


# ============================================================================ nesting
def test_grad_nests_to_the_fourth_order(arr):
    d = F.sin
    for _ in range(4):
        d = func.grad(d)
    x = 0.7
    assert_close(d(arr(np.array(x))), np.sin(x), rtol=1e-12)
    assert_close(func.grad(func.grad(func.grad(F.sin)))(arr(np.array(x))), -np.cos(x))


def test_forward_over_reverse_and_reverse_over_forward_match_torch(arr):
    v = np.array([1.0, -1.0, 0.5])

    def hvp(x):  # jvp of the gradient: forward over reverse
        return func.jvp(lambda x: func.grad(f_gd)(x, arr(Y)), (x,), (arr(v),))[1]
    expected = tf.jvp(lambda x: tf.grad(f_torch)(x, t(Y)), (t(X),), (t(v),))[1]
    close(hvp(arr(X)), expected)
    # reverse over forward: the gradient of a directional derivative
    got = func.grad(lambda x: F.sum(func.jvp(lambda x: f_gd(x, arr(Y)), (x,), (arr(v),))[1]))(arr(X))
    close(got, tf.grad(lambda x: tf.jvp(lambda x: f_torch(x, t(Y)), (x,), (t(v),))[1])(t(X)))


def test_third_order_jacobian_of_jacobian_of_jacobian_matches_torch(arr):
    got = func.jacfwd(func.jacrev(func.jacrev(lambda x: F.sum(F.exp(x) * x[0]))))(arr(X))
    expected = tf.jacfwd(tf.jacrev(tf.jacrev(lambda x: torch.sum(torch.exp(x) * x[0]))))(t(X))
    close(got, expected)


def test_derivative_is_with_respect_to_the_argument_not_a_closed_over_variable(arr):
    w = gd.Variable(arr(np.array(3.0)))
    assert_close(func.grad(lambda x: x * w)(w), 3.0)  # d(x w)/dx = w, also at x = w
    # no perturbation confusion: d/dx [x * d/dy (x + y)] = 1
    inner = func.grad(lambda x: x * func.grad(lambda y: x + y)(arr(np.array(2.0))))
    assert_close(inner(arr(np.array(5.0))), 1.0)


# ============================================================================ what is recorded
def test_top_level_results_carry_no_graph_so_the_call_costs_what_gd_grad_costs(arr):
    x = arr(X)
    g = func.grad(lambda x: F.sum(x ** 3))(x)
    value, _ = func.value_and_grad(lambda x: F.sum(x ** 3))(x)
    assert g.creator is None and value.creator is None
    with pytest.raises(RuntimeError, match="not recorded"):
        g.backward()


def test_a_transform_inside_another_records_its_result(arr):
    seen = []

    def outer(x):
        g = func.grad(lambda x: F.sum(x ** 3))(x)
        seen.append(g.creator is not None)
        return F.sum(g)
    assert_close(func.grad(outer)(arr(X)), 6 * X)
    assert seen == [True]


def test_transforms_run_under_an_outer_no_grad(arr):
    with gd.no_grad():
        assert_close(func.grad(lambda x: F.sum(x ** 2))(arr(X)), 2 * X)


def test_variable_arguments_and_keyword_arguments_pass_through(arr):
    x = gd.Variable(arr(X))
    g = func.grad(lambda x, scale=1.0: F.sum(x ** 2) * scale)(x, scale=3.0)
    assert_close(g, 6 * X)
    assert x.grad is None


def test_an_output_that_does_not_depend_on_the_argument_has_zero_derivatives(arr):
    assert_close(func.grad(lambda x, y: F.sum(y ** 2))(arr(X), arr(Y)), np.zeros(3))
    assert_close(func.jacrev(lambda x, y: y * 2)(arr(X), arr(Y)), np.zeros((3, 3)))


# ============================================================================ errors
def test_grad_of_a_non_scalar_output_is_a_value_error(arr):
    with pytest.raises(ValueError, match=r"scalar Variable, got one of shape \(3,\).*vjp or jacrev"):
        func.grad(lambda x: x * 2)(arr(X))


def test_bad_argnums_raise_naming_them(arr):
    with pytest.raises(ValueError, match="Got argnums=2, but only 2 positional inputs"):
        func.grad(f_gd, 2)(arr(X), arr(Y))
    with pytest.raises(TypeError, match="argnums must be int or Tuple"):
        func.grad(f_gd, [0, 1])(arr(X), arr(Y))
    with pytest.raises(ValueError, match="argnums elements must be unique"):
        func.grad(f_gd, (0, 0))(arr(X), arr(Y))
    with pytest.raises(ValueError, match="argnums must be non-empty"):
        func.jacrev(f_gd, ())(arr(X), arr(Y))


def test_has_aux_without_a_pair_is_a_value_error(arr):
    with pytest.raises(ValueError, match=r"should be a tuple: \(output, aux\)"):
        func.grad(lambda x: F.sum(x), has_aux=True)(arr(X))


def test_arguments_must_be_floating_arrays_or_variables(arr):
    with pytest.raises(TypeError, match=r"argument 0 must be an array or a Variable, got builtins.float"):
        func.grad(lambda x: x * 2)(2.0)
    with pytest.raises(TypeError, match="argument 0 has dtype .*int.*floating dtype"):
        func.grad(lambda x: F.sum(x))(arr(np.arange(3), dtype=np.int64))


def test_jvp_needs_tuples_and_matching_tangents(arr):
    with pytest.raises(TypeError, match="Expected primals to be a tuple"):
        func.jvp(F.sin, arr(X), (arr(X),))
    with pytest.raises(ValueError, match="same length"):
        func.jvp(F.sin, (arr(X),), ())
    with pytest.raises(ValueError, match=r"tangent 0 must be .* shape \(3,\), got \(2,\)"):
        func.jvp(F.sin, (arr(X),), (arr(np.ones(2)),))


def test_vjp_fn_checks_cotangents(arr):
    _, vjp_fn = func.vjp(F.sin, arr(X))
    with pytest.raises(ValueError, match=r"cotangent 0 must be .* shape \(3,\), got \(2,\)"):
        vjp_fn(arr(np.ones(2)))
    with pytest.raises(ValueError, match=r"shape \(3,\), got tuple"):
        vjp_fn((arr(X), arr(X)))
    _, vjp_two = func.vjp(lambda x: (x, x), arr(X))
    with pytest.raises(ValueError, match="expected 2 cotangent"):
        vjp_two(arr(X))


# ============================================================================ vmap and the namespace
def test_func_is_an_attribute_after_import_gdezero():
    assert gd.func is func and gd.func.grad is func.grad


@pytest.mark.skipif(importlib.util.find_spec("gdezero.batching") is None, reason="gd.vmap not built yet")
def test_vmap_of_grad_is_per_example_gradients(arr):
    xs = np.array([[1.0, 2.0], [3.0, -1.0]])
    got = func.vmap(func.grad(lambda x: F.sum(x ** 3)))(arr(xs))
    assert_close(got, 3 * xs ** 2)
    assert_close(func.vmap(lambda x: x * 2)(arr(xs)), to_numpy(2 * xs))
