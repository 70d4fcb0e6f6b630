"""gd.laplacian and gd.bilaplacian (collapsed Taylor mode) against the trace of gd.hessian,
torch's Hessian, closed forms, nested reverse mode and central differences: exact,
directional, weighted and stochastic forms, create_graph, vmap, each node rule (linear,
compose, bilinear, per direction) and the errors."""
import math

import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero import Function, Parameter, Variable
from gdezero.backend import random_directions, to_numpy
from helpers import assert_close
from tests.conftest import BACKEND

RNG = np.random.default_rng(22)
W1 = RNG.normal(size=(4, 3)) * 0.8
B1 = RNG.normal(size=(4,)) * 0.3
W2 = RNG.normal(size=(2, 4)) * 0.8
X0 = np.array([0.3, -0.7, 0.5])


def _np(v):
    return to_numpy(v.data if isinstance(v, Variable) else v)


@pytest.fixture
def mlp(arr):
    """A tanh network R^3 -> R^2 with Parameters, and its scalar head u = out[0] + 2 out[1]."""
    w1, b1, w2 = Parameter(arr(W1)), Parameter(arr(B1)), Parameter(arr(W2))

    def net(x):
        return F.matmul(w2, F.tanh(F.matmul(w1, x) + b1))

    def u(x):
        out = net(x)
        return out[0] + 2.0 * out[1]
    return net, u, w1


def _hessian(f, x):
    """f's Hessian at x by double backprop, as an (n, n) NumPy array."""
    n = math.prod(x.shape)
    return _np(gd.hessian(f, x)).reshape(n, n)


def _torch_net(torch, w1, b1, w2):
    return lambda x: w2 @ torch.tanh(w1 @ x + b1)


# ============================================================================ exact Laplacian
def test_laplacian_of_mlp_equals_trace_of_hessian(arr, mlp):
    _, u, _ = mlp
    x = arr(X0)
    assert_close(gd.laplacian(u, x), np.trace(_hessian(u, x)), rtol=1e-12, atol=1e-13)


def test_laplacian_of_vector_output_is_per_entry_trace(arr, mlp):
    net, _, _ = mlp
    x = arr(X0)
    got = gd.laplacian(net, x)
    assert tuple(got.shape) == (2,)
    expected = [np.trace(_hessian(lambda p, k=k: net(p)[k], x)) for k in range(2)]
    assert_close(got, expected, rtol=1e-12, atol=1e-13)


def test_laplacian_of_mlp_matches_torch_hessian_trace(arr, mlp):
    torch = pytest.importorskip("torch", reason="torch's Hessian is the oracle (pip install torch)")
    net, _, _ = mlp
    t = _torch_net(torch, *(torch.tensor(a) for a in (W1, B1, W2)))
    hessian = torch.autograd.functional.hessian
    expected = [torch.trace(hessian(lambda p, k=k: t(p)[k], torch.tensor(X0))).item()
                for k in range(2)]
    assert_close(gd.laplacian(net, arr(X0)), expected, rtol=1e-12, atol=1e-13)


def test_laplacian_of_cubes_is_six_times_sum(arr):
    x = np.array([[1.0, -2.0], [0.5, 3.0]])  # a matrix x: every entry is a coordinate
    got = gd.laplacian(lambda p: F.sum(p ** 3), arr(x))
    assert_close(got, 6.0 * x.sum(), rtol=1e-13)


def test_laplacian_of_harmonic_function_is_zero(arr):
    got = gd.laplacian(lambda p: F.sin(p[0]) * F.exp(p[1]), arr([0.3, 0.2]))
    assert_close(got, 0.0, atol=1e-14)


def test_laplacian_of_quadratic_form_is_trace(arr):
    A = RNG.normal(size=(4, 4))
    a = arr(A)
    got = gd.laplacian(lambda p: 0.5 * F.sum(p * F.matmul(a, p)), arr(RNG.normal(size=4)))
    assert_close(got, np.trace(A), rtol=1e-13)


def test_laplacian_keeps_dtype_and_takes_a_variable(arr):
    x32 = arr(X0, np.float32)
    got = gd.laplacian(lambda p: F.sum(p ** 3), x32)
    assert str(got.dtype).endswith("float32")
    assert_close(got, 6.0 * X0.sum(), rtol=1e-5)
    assert_close(gd.laplacian(lambda p: F.sum(p ** 3), Variable(arr(X0))), 6.0 * X0.sum(),
                 rtol=1e-13)


# ============================================================================ directions
def test_directions_give_sum_of_directional_second_derivatives(arr, mlp):
    _, u, _ = mlp
    x = arr(X0)
    V = RNG.normal(size=(2, 3))
    H = _hessian(u, x)
    expected = np.einsum("ri,ij,rj->", V, H, V)
    assert_close(gd.laplacian(u, x, directions=arr(V)), expected, rtol=1e-12)
    assert_close(gd.laplacian(u, x, directions=Variable(arr(V))), expected, rtol=1e-12)


def test_weighted_laplacian_takes_columns_of_s(arr, mlp):
    _, u, _ = mlp
    x = arr(X0)
    S = RNG.normal(size=(3, 2))
    expected = np.trace(S @ S.T @ _hessian(u, x))
    assert_close(gd.laplacian(u, x, directions=arr(S.T)), expected, rtol=1e-12)


def test_directions_on_matrix_x(arr):
    X = RNG.normal(size=(2, 2))
    V = RNG.normal(size=(3, 2, 2))
    f = lambda p: F.sum(F.tanh(p) * p)  # noqa: E731
    H = _hessian(f, arr(X))
    flat = V.reshape(3, 4)
    expected = np.einsum("ri,ij,rj->", flat, H, flat)
    assert_close(gd.laplacian(f, arr(X), directions=arr(V)), expected, rtol=1e-12)


# ============================================================================ stochastic
def _variance(H, distribution):
    """Var(v^T H v) of one direction, H symmetric, E[v v^T] = I."""
    n, d = H.shape[0], np.diag(H)
    if distribution == "rademacher":
        return 2.0 * (np.sum(H * H) - np.sum(d * d))
    if distribution == "normal":
        return 2.0 * np.sum(H * H)
    return n * np.sum(d * d) - np.trace(H) ** 2  # coordinate: n H_ii with probability 1/n


@pytest.mark.parametrize("distribution", ["rademacher", "normal", "coordinate"])
def test_stochastic_laplacian_is_unbiased_within_four_standard_errors(arr, mlp, distribution):
    _, u, _ = mlp
    x = arr(X0)
    H = _hessian(u, x)
    samples = 200
    standard_error = math.sqrt(_variance(H, distribution) / samples)
    assert standard_error > 0
    got = float(_np(gd.laplacian(u, x, samples=samples, distribution=distribution, seed=3)))
    assert abs(got - np.trace(H)) <= 4.0 * standard_error, (got, np.trace(H), standard_error)


A3 = RNG.normal(size=(3, 3))  # the quadratic form 0.5 x^T A x has Hessian (A + A^T) / 2


def _quadratic(arr):
    a = arr(A3)
    return lambda p: 0.5 * F.sum(p * F.matmul(a, p))


@pytest.mark.parametrize("distribution", ["rademacher", "normal", "coordinate"])
def test_stochastic_laplacian_is_the_mean_over_its_directions(arr, distribution):
    V = to_numpy(random_directions(arr(X0), 5, distribution, 11))
    assert V.shape == (5, 3)
    expected = np.mean(np.einsum("ri,ij,rj->r", V, 0.5 * (A3 + A3.T), V))
    got = gd.laplacian(_quadratic(arr), arr(X0), samples=5, distribution=distribution, seed=11)
    assert_close(got, expected, rtol=1e-12)


def test_rademacher_is_exact_on_a_diagonal_quadratic(arr):
    d = np.array([1.5, -2.0, 0.25, 3.0])
    w = Variable(arr(d))
    f = lambda p: 0.5 * F.sum(w * p * p)  # noqa: E731 -- v^T diag(d) v = sum(d) for signs v
    for seed in (0, 1):
        got = gd.laplacian(f, arr(RNG.normal(size=4)), samples=3, seed=seed)
        assert_close(got, d.sum(), rtol=1e-13)


@pytest.mark.parametrize("distribution", ["rademacher", "normal", "coordinate"])
def test_same_seed_same_estimate_other_seed_differs(arr, distribution):
    f, x = _quadratic(arr), arr(X0)
    a, b, c = (_np(gd.laplacian(f, x, samples=4, distribution=distribution, seed=s))
               for s in (7, 7, 8))
    assert a == b
    assert a != c


# ============================================================================ bilaplacian
def test_bilaplacian_of_squared_product_is_eight(arr):
    assert_close(gd.bilaplacian(lambda p: (p[0] * p[1]) ** 2, arr([0.5, -1.5])), 8.0, rtol=1e-12)


@pytest.mark.parametrize("n", [1, 2, 4])
def test_bilaplacian_of_fourth_powers_is_24_n(arr, n):
    got = gd.bilaplacian(lambda p: F.sum(p ** 4), arr(RNG.normal(size=n)))
    assert_close(got, 24.0 * n, rtol=1e-12)


def test_bilaplacian_of_sin_cos_is_four_sin_cos(arr):
    a, b = 0.4, -1.1
    got = gd.bilaplacian(lambda p: F.sin(p[0]) * F.cos(p[1]), arr([a, b]))
    assert_close(got, 4.0 * math.sin(a) * math.cos(b), rtol=1e-12)


def test_bilaplacian_of_mlp_equals_nested_laplacians(arr, mlp):
    net, _, _ = mlp
    x = arr(X0)
    nested = gd.laplacian(lambda q: gd.laplacian(net, q, create_graph=True), x)
    assert_close(gd.bilaplacian(net, x), _np(nested), rtol=1e-10, atol=1e-12)


# ============================================================================ create_graph
def test_create_graph_gradient_wrt_parameter_matches_central_differences(arr, mlp):
    _, u, w1 = mlp
    x = arr(X0)
    D = RNG.normal(size=W1.shape)  # one direction in weight space: two more Laplacians
    g = gd.grad(gd.laplacian(u, x, create_graph=True), w1)
    eps, values = 1e-5, []
    for sign in (1.0, -1.0):
        w1.data = arr(W1 + sign * eps * D)
        values.append(float(_np(gd.laplacian(u, x))))
    w1.data = arr(W1)
    expected = (values[0] - values[1]) / (2.0 * eps)
    assert_close(np.sum(_np(g) * D), expected, rtol=1e-7, atol=1e-9)


def test_create_graph_gradient_wrt_parameter_matches_torch_double_backward(arr, mlp):
    torch = pytest.importorskip("torch", reason="torch's double backward is the oracle "
                                                "(pip install torch)")
    _, u, w1 = mlp
    w1_t = torch.tensor(W1, requires_grad=True)
    t = _torch_net(torch, w1_t, torch.tensor(B1), torch.tensor(W2))

    def u_t(p):
        out = t(p)
        return out[0] + 2.0 * out[1]
    H = torch.autograd.functional.hessian(u_t, torch.tensor(X0), create_graph=True)
    expected, = torch.autograd.grad(torch.trace(H), w1_t)
    got = gd.grad(gd.laplacian(u, arr(X0), create_graph=True), w1)
    assert_close(got, expected.detach().numpy(), rtol=1e-11, atol=1e-13)


def test_create_graph_gradient_wrt_x_of_fourth_powers(arr):
    x = Variable(arr(X0))
    L = gd.laplacian(lambda p: F.sum(p ** 4), x, create_graph=True)  # 12 sum(x^2)
    assert_close(gd.grad(L, x), 24.0 * X0, rtol=1e-12)


def test_create_graph_gradient_wrt_directions_is_two_h_v(arr, mlp):
    _, u, _ = mlp
    x = arr(X0)
    V = Variable(arr(RNG.normal(size=(2, 3))))
    got = gd.grad(gd.laplacian(u, x, directions=V, create_graph=True), V)
    assert_close(got, 2.0 * _np(V) @ _hessian(u, x), rtol=1e-11, atol=1e-13)


def test_bilaplacian_create_graph_is_differentiable(arr):
    x = Variable(arr(X0))
    B = gd.bilaplacian(lambda p: F.sum(p ** 5), x, create_graph=True)  # 120 sum(x)
    assert_close(B, 120.0 * X0.sum(), rtol=1e-12)
    assert_close(gd.grad(B, x), np.full(3, 120.0), rtol=1e-12)


def test_default_result_has_no_graph(arr, mlp):
    _, u, w1 = mlp
    x = Variable(arr(X0))
    L = gd.laplacian(u, x)
    with pytest.raises(RuntimeError, match="not recorded"):
        gd.grad(L, w1)
    with pytest.raises(RuntimeError, match="not recorded"):
        gd.grad(gd.bilaplacian(u, x), x)


# ============================================================================ vmap
def test_vmap_laplacian_equals_loop_over_points(arr, mlp):
    net, _, _ = mlp
    X = RNG.normal(size=(2, 3))
    got = gd.vmap(lambda p: gd.laplacian(net, p))(arr(X))
    assert tuple(got.shape) == (2, 2)
    assert_close(got, np.stack([_np(gd.laplacian(net, arr(X[b]))) for b in range(2)]),
                 rtol=1e-12)


def test_vmap_laplacian_with_directions_and_samples_equals_loop(arr, mlp):
    _, u, _ = mlp
    X = RNG.normal(size=(2, 3))
    V = arr(RNG.normal(size=(2, 3)))
    got = gd.vmap(lambda p: gd.laplacian(u, p, directions=V))(arr(X))
    assert_close(got, [_np(gd.laplacian(u, arr(X[b]), directions=V)) for b in range(2)],
                 rtol=1e-12)
    got = gd.vmap(lambda p: gd.laplacian(u, p, samples=3, seed=5))(arr(X))
    assert_close(got, [_np(gd.laplacian(u, arr(X[b]), samples=3, seed=5)) for b in range(2)],
                 rtol=1e-12)


def test_vmap_bilaplacian_equals_loop_over_points(arr, mlp):
    _, u, _ = mlp
    X = RNG.normal(size=(2, 3))
    got = gd.vmap(lambda p: gd.bilaplacian(u, p))(arr(X))
    assert_close(got, [_np(gd.bilaplacian(u, arr(X[b]))) for b in range(2)], rtol=1e-12)


def test_vmap_laplacian_with_create_graph_gives_per_point_parameter_gradients(arr, mlp):
    _, u, w1 = mlp
    X = RNG.normal(size=(2, 3))  # a physics-informed loss: sum over points of Laplacian^2
    L = gd.vmap(lambda p: gd.laplacian(u, p, create_graph=True))(arr(X))
    got = gd.grad(F.sum(L * L), w1)
    expected = sum(_np(gd.grad(F.sum(gd.laplacian(u, arr(X[b]), create_graph=True) ** 2), w1))
                   for b in range(2))
    assert_close(got, expected, rtol=1e-11, atol=1e-13)


def test_vmap_laplacian_with_batched_directions_equals_loop(arr, mlp):
    _, u, _ = mlp
    X, V = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 2, 3))
    got = gd.vmap(lambda p, v: gd.laplacian(u, p, directions=v))(arr(X), arr(V))
    assert_close(got, [_np(gd.laplacian(u, arr(X[b]), directions=arr(V[b]))) for b in range(2)],
                 rtol=1e-12)


# ============================================================================ node rules
_C24 = RNG.uniform(0.5, 1.5, size=(2, 4))

# name: f of x in R^4 -> scalar, grouped by the rule its distinctive node takes
RULE_CASES = {
    # linear in the varying input(s)
    "reshape": lambda x: F.sum(F.tanh(F.reshape(x, (2, 2))) * F.reshape(x, (2, 2)).T),
    "sum_axis": lambda x: F.sum(F.sum(F.reshape(x, (2, 2)), axis=0) ** 3),
    "getitem": lambda x: F.sum(F.sin(x[1:]) * x[:3]),
    "concatenate": lambda x: F.sum(F.exp(F.concatenate([x, x[:2] * 2.0])) * 0.5),
    "broadcast_const": lambda x: F.sum(F.tanh(F.reshape(x, (1, 4)) * x.xp.asarray(_C24, device=x.device))),
    # bilinear: two varying operands
    "mul_self": lambda x: F.sum(x * x * F.sin(x)),
    "matmul_varying": lambda x: F.sum(F.tanh(F.matmul(F.reshape(x, (2, 2)), F.reshape(x, (2, 2)).T))),
    # per direction: the rest
    "softmax": lambda x: F.sum(F.softmax(F.reshape(x, (2, 2)), axis=1) * F.reshape(x, (2, 2))),
    "logsumexp": lambda x: F.logsumexp(x),
    "norm": lambda x: F.norm(x),
    "div_varying": lambda x: F.sum(x / (1.0 + x * x)),
}


def _sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


# name: (elementwise op of one varying input, its second derivative in closed form)
UNARY = {
    "exp": (F.exp, np.exp), "log": (F.log, lambda t: -1.0 / t ** 2),
    "sigmoid": (F.sigmoid, lambda t: _sigmoid(t) * (1 - _sigmoid(t)) * (1 - 2 * _sigmoid(t))),
    "softplus": (F.softplus, lambda t: _sigmoid(t) * (1 - _sigmoid(t))),
    "tanh": (F.tanh, lambda t: -2.0 * np.tanh(t) / np.cosh(t) ** 2),
    "sin": (F.sin, lambda t: -np.sin(t)), "sqrt": (F.sqrt, lambda t: -0.25 * t ** -1.5),
    "cube": (lambda x: x ** 3, lambda t: 6.0 * t),
    "reciprocal": (lambda x: 1.0 / x, lambda t: 2.0 / t ** 3),
    "rpow": (lambda x: 2.0 ** x, lambda t: math.log(2.0) ** 2 * 2.0 ** t),
    "log1p": (F.log1p, lambda t: -1.0 / (1.0 + t) ** 2),
    "arctan": (F.arctan, lambda t: -2.0 * t / (1.0 + t * t) ** 2),
    "affine": (lambda x: F.exp(3.0 - 2.0 * x + 1.0), lambda t: 4.0 * np.exp(4.0 - 2.0 * t)),
}


@pytest.mark.parametrize("create_graph", [False, True], ids=["plain", "create_graph"])
def test_compose_rule_of_every_unary_op_equals_closed_form(arr, create_graph):
    x = np.array([0.4, 1.1, 0.7])
    # one output entry per op, so that one pass checks them all and a failure names its op
    f = lambda p: F.stack([F.sum(op(p)) for op, _ in UNARY.values()])  # noqa: E731
    got = _np(gd.laplacian(f, arr(x), create_graph=create_graph))
    for (name, (_, second)), value in zip(UNARY.items(), got):
        np.testing.assert_allclose(value, np.sum(second(x)), rtol=1e-12, err_msg=name)


@pytest.mark.parametrize("create_graph", [False, True], ids=["plain", "create_graph"])
@pytest.mark.parametrize("name", list(RULE_CASES))
def test_each_node_rule_equals_trace_of_hessian(arr, name, create_graph):
    f = RULE_CASES[name]
    x = arr([0.4, 1.1, 0.7, 1.3])  # positive, away from log's and sqrt's singularities
    got = gd.laplacian(f, x, create_graph=create_graph)
    assert_close(got, np.trace(_hessian(f, x)), rtol=1e-11, atol=1e-12)


# name: (f of x in R^2, scalar): the linear, compose and bilinear rules at order 4
BILAPLACIAN_CASES = {
    "linear": lambda x: F.sum(F.reshape(F.concatenate([x, x[:1]]), (3, 1)) ** 4),
    "compose": lambda x: F.sum(F.exp(F.sin(x))),
    "bilinear_broadcast": lambda x: F.sum(F.tanh(F.reshape(x, (2, 1))) * F.reshape(x, (1, 2))),
}


@pytest.mark.parametrize("name", list(BILAPLACIAN_CASES))
def test_each_node_rule_bilaplacian_equals_nested_laplacians(arr, name):
    f = BILAPLACIAN_CASES[name]
    x = arr([0.4, -1.1])
    nested = gd.laplacian(lambda q: gd.laplacian(f, q, create_graph=True), x)
    assert_close(gd.bilaplacian(f, x), _np(nested), rtol=1e-10, atol=1e-11)


def test_per_direction_bilaplacian_of_a_ratio_and_a_norm(arr):
    a, b = 0.6, 1.3
    # x0 / x1 (Div of two varying operands): only d^4/dx1^4 survives, 24 x0 / x1^5
    assert_close(gd.bilaplacian(lambda p: p[0] / p[1], arr([a, b])), 24.0 * a / b ** 5, rtol=1e-11)
    # |x| in the plane: Delta |x| = 1/|x|, Delta (1/|x|) = 1/|x|^3
    assert_close(gd.bilaplacian(F.norm, arr([a, b])), math.hypot(a, b) ** -3, rtol=1e-11)


class _Cube(Function):
    """x^3 with no Taylor rule: the operators differentiate it by nested backward passes."""
    batch_rule = "elementwise"

    def forward(self, x):
        return x * x * x

    def backward(self, gy):
        x, = self.inputs
        return gy * 3.0 * x * x


class _Ratio(Function):
    """x / y with neither a Taylor nor a batching rule: two varying inputs, per direction."""

    def forward(self, x, y):
        return x / y

    def backward(self, gy):
        x, y = self.inputs
        return gy / y, -gy * x / (y * y)


def test_custom_elementwise_function_without_taylor_rule(arr):
    x = arr([0.4, 1.1, 0.7])
    assert_close(gd.laplacian(lambda p: F.sum(_Cube()(p)), x), 6.0 * 2.2, rtol=1e-12)
    assert_close(gd.bilaplacian(lambda p: F.sum(_Cube()(p) * p), x), 24.0 * 3, rtol=1e-12)


def test_custom_two_input_function_without_rules(arr):
    f = lambda p: F.sum(_Ratio()(p[:2], p[2:] + 2.0))  # noqa: E731
    x = arr([0.4, 1.1, 0.7, 1.3])
    assert_close(gd.laplacian(f, x), np.trace(_hessian(f, x)), rtol=1e-11, atol=1e-12)


# ============================================================================ errors and edges
def test_directions_of_wrong_shape_raise(arr):
    with pytest.raises(ValueError, match=r"directions has shape \(2, 4\).*\(R, 3\)"):
        gd.laplacian(lambda p: F.sum(p ** 3), arr(X0), directions=arr(np.ones((2, 4))))
    with pytest.raises(ValueError, match="directions has shape"):
        gd.laplacian(lambda p: F.sum(p ** 3), arr(X0), directions=arr(np.ones(3)))


def test_directions_not_an_array_raises_naming_directions(arr):
    with pytest.raises(TypeError, match="directions must be an array or a Variable.*got list"):
        gd.laplacian(lambda p: F.sum(p ** 3), arr(X0), directions=[[1.0, 0.0, 0.0]])


@pytest.mark.skipif(BACKEND in ("numpy", "dask"),
                    reason="NumPy directions beside a NumPy or Dask x are one CPU backend, allowed")
def test_directions_on_another_backend_raise(arr):
    with pytest.raises(TypeError, match="laplacian: directions and x"):
        gd.laplacian(lambda p: F.sum(p ** 3), arr(X0), directions=np.eye(3))


def test_directions_and_samples_together_raise(arr):
    with pytest.raises(ValueError, match="directions or samples"):
        gd.laplacian(lambda p: F.sum(p ** 3), arr(X0), directions=arr(np.eye(3)), samples=2)


@pytest.mark.parametrize("samples", [0, -1, True, 2.0])
def test_bad_samples_raise(arr, samples):
    with pytest.raises(ValueError, match="samples must be a positive int"):
        gd.laplacian(lambda p: F.sum(p ** 3), arr(X0), samples=samples)


def test_samples_and_seed_take_numpy_integers(arr):
    d = np.array([1.5, -2.0, 0.25])
    w = Variable(arr(d))
    f = lambda p: 0.5 * F.sum(w * p * p)  # noqa: E731
    got = gd.laplacian(f, arr(X0), samples=np.int64(2), seed=np.int32(4))
    assert_close(got, d.sum(), rtol=1e-13)


@pytest.mark.parametrize("seed", ["a", 1.5, True])
def test_bad_seed_raises(arr, seed):
    with pytest.raises(ValueError, match="seed must be an int or None"):
        gd.laplacian(lambda p: F.sum(p ** 3), arr(X0), samples=2, seed=seed)


def test_bad_distribution_raises(arr):
    with pytest.raises(ValueError, match="distribution must be one of.*'uniform'"):
        gd.laplacian(lambda p: F.sum(p ** 3), arr(X0), samples=2, distribution="uniform")


@pytest.mark.parametrize("operator", [gd.laplacian, gd.bilaplacian])
def test_integer_x_raises(arr, operator):
    with pytest.raises(TypeError, match="floating-point x.*astype"):
        operator(lambda p: F.sum(p ** 3), arr([1, 2, 3], np.int64))


@pytest.mark.parametrize("operator", [gd.laplacian, gd.bilaplacian])
def test_x_not_an_array_raises(operator):
    with pytest.raises(TypeError, match="x must be an array or a Variable, got list"):
        operator(lambda p: F.sum(p ** 3), [1.0, 2.0])


@pytest.mark.parametrize("operator", [gd.laplacian, gd.bilaplacian])
def test_f_returning_a_non_variable_raises(arr, operator):
    with pytest.raises(TypeError, match="f must return one Variable, got"):
        operator(lambda p: p.data, arr(X0))


def test_zero_dimensional_x(arr):
    x = arr(2.0)
    assert_close(gd.laplacian(lambda p: p ** 3, x), 12.0, rtol=1e-13)
    assert_close(gd.bilaplacian(lambda p: p ** 5, x), 240.0, rtol=1e-13)


@pytest.mark.parametrize("operator", [gd.laplacian, gd.bilaplacian])
def test_linear_output_gives_zeros(arr, operator):
    assert_close(operator(lambda p: p * 2.0 - 1.0, arr(X0)), np.zeros(3), atol=0)


@pytest.mark.parametrize("operator", [gd.laplacian, gd.bilaplacian])
def test_output_independent_of_x_gives_zeros(arr, operator):
    c = Parameter(arr([1.0, -2.0]))
    got = operator(lambda p: F.exp(c) * 3.0, arr(X0))
    assert tuple(got.shape) == (2,)
    assert_close(got, np.zeros(2), atol=0)
