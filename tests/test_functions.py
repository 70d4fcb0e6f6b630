"""Every F.* function: forward values, first-order gradient_check, 2nd and 3rd order."""
import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable
from gdezero.utils import gradient_check
from helpers import assert_close, check_orders

rng = np.random.default_rng(0)
MATRIX = rng.uniform(-2, 2, size=(2, 3))
POSITIVE = rng.uniform(0.5, 2.0, size=(2, 3))
AWAY_FROM_KINKS = np.array([[0.7, -1.3, 2.1], [-0.4, 1.6, -2.2]])

def log_softmax(a):
    return a - np.log(np.exp(a).sum(1, keepdims=True))


# name: (function of a Variable, input, NumPy reference of the forward value)
CASES = {
    "exp": (F.exp, MATRIX, np.exp),
    "log": (F.log, POSITIVE, np.log),
    "sin": (F.sin, MATRIX, np.sin),
    "cos": (F.cos, MATRIX, np.cos),
    "tan": (F.tan, MATRIX * 0.5, np.tan),
    "tanh": (F.tanh, MATRIX, np.tanh),
    "sqrt": (F.sqrt, POSITIVE, np.sqrt),
    "sigmoid": (F.sigmoid, MATRIX, lambda a: 1 / (1 + np.exp(-a))),
    "relu": (F.relu, AWAY_FROM_KINKS, lambda a: np.maximum(a, 0)),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), AWAY_FROM_KINKS,
                   lambda a: np.where(a > 0, a, 0.1 * a)),
    "clip": (lambda x: F.clip(x, -1.0, 1.5), AWAY_FROM_KINKS, lambda a: np.clip(a, -1.0, 1.5)),
    "reshape": (lambda x: F.reshape(x, (3, 2)), MATRIX, lambda a: a.reshape(3, 2)),
    "reshape_method": (lambda x: x.reshape(6), MATRIX, lambda a: a.reshape(6)),
    "transpose": (F.transpose, MATRIX, lambda a: a.T),
    "T": (lambda x: x.T * x.T, MATRIX, lambda a: a.T * a.T),
    "transpose_axes": (lambda x: F.reshape(x, (1, 2, 3)).transpose(2, 0, 1), MATRIX,
                       lambda a: a.reshape(1, 2, 3).transpose(2, 0, 1)),
    "expand_dims": (lambda x: F.expand_dims(x, 1), MATRIX, lambda a: a[:, None, :]),
    "flatten": (lambda x: F.flatten(F.reshape(x, (2, 3, 1))), MATRIX, lambda a: a),
    "broadcast_to": (lambda x: F.broadcast_to(x, (4, 2, 3)), MATRIX,
                     lambda a: np.broadcast_to(a, (4, 2, 3))),
    "sum_to": (lambda x: F.sum_to(x, (1, 3)), MATRIX, lambda a: a.sum(0, keepdims=True)),
    "sum": (F.sum, MATRIX, np.sum),
    "sum_axis_keepdims": (lambda x: F.sum(x, axis=1, keepdims=True), MATRIX,
                          lambda a: a.sum(1, keepdims=True)),
    "sum_method": (lambda x: x.sum(axis=0), MATRIX, lambda a: a.sum(0)),
    "mean": (lambda x: F.mean(x, axis=0), MATRIX, lambda a: a.mean(0)),
    "max": (F.max, MATRIX, np.max),
    "max_axis": (lambda x: x.max(axis=1, keepdims=True), MATRIX, lambda a: a.max(1, keepdims=True)),
    "min_axis": (lambda x: F.min(x, axis=0), MATRIX, lambda a: a.min(0)),
    "softmax": (F.softmax, MATRIX, lambda a: np.exp(a) / np.exp(a).sum(1, keepdims=True)),
    "softmax_axis0": (lambda x: F.softmax(x, axis=0), MATRIX,
                      lambda a: np.exp(a) / np.exp(a).sum(0, keepdims=True)),
    "log_softmax": (F.log_softmax, MATRIX, lambda a: log_softmax(a)),
    "matmul": (lambda x: F.matmul(x, x.T), MATRIX, lambda a: a @ a.T),
    "matmul_operator": (lambda x: x.T @ x, MATRIX, lambda a: a.T @ a),
    "linear": (lambda x: F.linear(x, Variable(x.xp.asarray(POSITIVE.T)),
                                  Variable(x.xp.asarray([1.0, -1.0]))),
               MATRIX, lambda a: a @ POSITIVE.T + np.array([1.0, -1.0])),
    "get_item_row": (lambda x: x[1, ...], MATRIX, lambda a: a[1]),
    "get_item_slices": (lambda x: x[:, 1:], MATRIX, lambda a: a[:, 1:]),
    "get_item_negative_step": (lambda x: x[::-1, ...], MATRIX, lambda a: a[::-1]),
    "get_item_none_ellipsis": (lambda x: x[None, ..., 0], MATRIX, lambda a: a[None, ..., 0]),
    "stack": (lambda x: F.stack([x, x * x, F.sin(x)]), MATRIX,
              lambda a: np.stack([a, a * a, np.sin(a)])),
    "mean_squared_error": (lambda x: F.mean_squared_error(x, Variable(x.xp.asarray(POSITIVE))),
                           MATRIX, lambda a: ((a - POSITIVE) ** 2).sum() / 2),
    "softmax_cross_entropy": (lambda x: F.softmax_cross_entropy(x, x.xp.asarray([2, 0])), MATRIX,
                              lambda a: -np.mean(log_softmax(a)[[0, 1], [2, 0]])),
}


def _supports_negative_steps(xp):
    try:
        xp.asarray([1.0, 2.0])[::-1]
    except ValueError:  # PyTorch: "step must be greater than zero"
        return False
    return True


def _case(xp, name):
    """CASES[name], skipped (with the reason) when it needs what the backend lacks."""
    if "negative_step" in name and not _supports_negative_steps(xp):
        pytest.skip(f"{xp.__name__} has no negative slice steps (PyTorch rejects x[::-1])")
    return CASES[name]


@pytest.mark.parametrize("name", CASES)
def test_forward_matches_numpy(xp, arr, name):
    f, data, reference = _case(xp, name)
    assert_close(f(Variable(arr(data))), reference(data), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", CASES)
def test_first_order_gradient_check(xp, arr, name):
    f, data, _ = _case(xp, name)
    assert gradient_check(f, arr(data))


@pytest.mark.parametrize("name", CASES)
def test_second_and_third_order_match_numerical_differentiation(xp, arr, name):
    f, data, _ = _case(xp, name)
    check_orders(f, arr(data), order=3)


@pytest.mark.parametrize("f, derivatives", [
    (F.exp, [np.exp, np.exp, np.exp]),
    (F.sin, [np.cos, lambda a: -np.sin(a), lambda a: -np.cos(a)]),
    (F.cos, [lambda a: -np.sin(a), lambda a: -np.cos(a), np.sin]),
    (F.log, [lambda a: 1 / a, lambda a: -1 / a ** 2, lambda a: 2 / a ** 3]),
    (F.tanh, [lambda a: 1 - np.tanh(a) ** 2,
              lambda a: -2 * np.tanh(a) * (1 - np.tanh(a) ** 2),
              lambda a: -2 * (1 - np.tanh(a) ** 2) * (1 - 3 * np.tanh(a) ** 2)]),
    (F.sqrt, [lambda a: 0.5 * a ** -0.5, lambda a: -0.25 * a ** -1.5, lambda a: 0.375 * a ** -2.5]),
], ids=["exp", "sin", "cos", "log", "tanh", "sqrt"])
def test_elementwise_derivatives_match_closed_forms(arr, f, derivatives):
    data = np.array([0.3, 0.9, 1.7])
    got = gd.derivatives(f, arr(data), 3)[1:]
    for g, expected in zip(got, derivatives):
        assert_close(g, expected(data), rtol=1e-12, atol=1e-12)


def test_sigmoid_is_stable_for_large_inputs(arr):
    y = F.sigmoid(Variable(arr([-800.0, 800.0])))
    assert_close(y, [0.0, 1.0], rtol=0, atol=0)


def test_max_shares_the_gradient_among_ties(arr):
    x = Variable(arr([1.0, 3.0, 3.0]))
    assert_close(gd.grad(F.max(x), x), [0.0, 0.5, 0.5])


def test_get_item_with_repeated_integer_indices_adds_up(xp, arr):
    x = Variable(arr([1.0, 2.0, 3.0]))
    index = xp.asarray([0, 0, 2])
    y = F.get_item(x, index)
    assert_close(y, [1.0, 1.0, 3.0])
    assert_close(gd.grad(F.sum(y * y), x), [4.0, 0.0, 6.0])
    assert gradient_check(lambda v: F.get_item(v, index) ** 2, arr([1.0, 2.0, 3.0]))
    check_orders(lambda v: F.get_item(v, index) ** 3, arr([1.0, 2.0, 3.0]))


def test_get_item_with_integer_arrays_on_two_axes(xp, arr):
    rows, cols = xp.asarray([0, 1, 1]), xp.asarray([2, 0, 2])
    f = lambda v: F.get_item(v, (rows, cols)) ** 2  # noqa: E731
    assert_close(f(Variable(arr(MATRIX))), MATRIX[[0, 1, 1], [2, 0, 2]] ** 2)
    check_orders(f, arr(MATRIX))


@pytest.mark.parametrize("shapes", [((5, 2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)),
                                    ((3,), (3,)), ((2, 1, 2, 3), (4, 3, 2))],
                         ids=["batched", "vector_matrix", "matrix_vector", "inner",
                              "broadcast_batches"])
def test_matmul_shapes_and_gradients(arr, shapes):
    a, b = (rng.normal(size=s) for s in shapes)
    y = F.matmul(Variable(arr(a)), Variable(arr(b)))
    assert_close(y, np.matmul(a, b), rtol=1e-12, atol=1e-12)
    assert gradient_check(lambda x: F.matmul(x, Variable(arr(b))), arr(a))
    assert gradient_check(lambda x: F.matmul(Variable(arr(a)), x), arr(b))
    check_orders(lambda x: F.matmul(x, x * Variable(arr(b))) if a.shape == b.shape
                 else F.matmul(x, Variable(arr(b))) * F.matmul(x, Variable(arr(b))), arr(a))


def test_matmul_rejects_zero_dim_operands(arr):
    with pytest.raises(ValueError, match="at least 1 dimension"):
        F.matmul(Variable(arr(2.0)), Variable(arr([1.0, 2.0])))


def test_softmax_cross_entropy_gradient_is_softmax_minus_one_hot(xp, arr):
    x = Variable(arr(MATRIX))
    g = gd.grad(F.softmax_cross_entropy(x, xp.asarray([2, 0])), x)
    p = np.exp(MATRIX) / np.exp(MATRIX).sum(1, keepdims=True)
    p[[0, 1], [2, 0]] -= 1
    assert_close(g, p / 2, rtol=1e-12, atol=1e-12)


def test_a_short_index_means_a_trailing_ellipsis_on_every_backend(arr):
    x = Variable(arr(MATRIX))
    assert_close(x[1], MATRIX[1], rtol=0)
    assert_close(x[0][2], MATRIX[0, 2], rtol=0)
    expected = np.zeros_like(MATRIX)
    expected[1] = 2 * MATRIX[1]
    assert_close(gd.grad(F.sum(x[1] ** 2), x), expected, rtol=1e-14)
