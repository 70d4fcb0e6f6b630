"""Every F.* function and operator against torch.autograd as the oracle.

For each row: the value, the gradient of <f, w>, the gradient of <that gradient, v>
(a Hessian-vector product) and one order more, on seeded random inputs of the backend
under test, all in float64 and compared with torch on the same NumPy data; then every
row's Taylor rules against nested reverse mode to order 4.
"""
import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero.backend import to_numpy
from helpers import assert_matches_torch

torch = pytest.importorskip("torch", reason="torch is the oracle of these tests (pip install torch)")
TF = torch.nn.functional

rng = np.random.default_rng(13)


def normal(*shape):
    return rng.normal(size=shape)


def uniform(low, high, *shape):
    return rng.uniform(low, high, shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


CONSTANT = normal(2, 3)  # a raw array operand: a constant, no gradient
INDEX = (np.array([0, 1, 1, 0]), np.array([2, 0, 2, 2]))  # repeated pairs must add up
LABELS = np.array([2, 0, 1, 2])
MASK = np.array([[True, False, True], [False, False, True]])
POSITIVE = positive(2, 3)
WITH_ZEROS = np.array([[0.0, 1.5, -2.0, 0.5], [0.7, 0.0, 1.1, 0.0], [1.2, -0.3, 0.8, 2.0]])


def _same(f):
    return f, f


# name: (gdezero function, torch function, inputs as NumPy arrays); derivatives are taken
# with respect to every input.
CASES = {
    # ------------------------------------------------------------------ elementwise
    "exp": (F.exp, torch.exp, [normal(2, 3)]),
    "log": (F.log, torch.log, [positive(2, 3)]),
    "sin": (F.sin, torch.sin, [normal(2, 3)]),
    "cos": (F.cos, torch.cos, [normal(2, 3)]),
    "tan": (F.tan, torch.tan, [uniform(-1.2, 1.2, 2, 3)]),
    "tanh": (F.tanh, torch.tanh, [normal(2, 3)]),
    "sqrt": (F.sqrt, torch.sqrt, [positive(2, 3)]),
    "sigmoid": (F.sigmoid, torch.sigmoid, [normal(2, 3) * 3]),
    "relu": (F.relu, torch.relu, [normal(2, 3)]),
    "leaky_relu": (F.leaky_relu, lambda t: TF.leaky_relu(t, 0.2), [normal(2, 3)]),
    "leaky_relu_slope": (lambda x: F.leaky_relu(x, 0.05), lambda t: TF.leaky_relu(t, 0.05),
                         [normal(2, 3)]),
    "clip": (lambda x: F.clip(x, -0.5, 0.8), lambda t: torch.clamp(t, -0.5, 0.8), [normal(3, 4)]),
    "sin_of_exp": (lambda x: F.sin(F.exp(x)), lambda t: torch.sin(torch.exp(t)), [normal(5)]),
    # ------------------------------------------------------------------ arithmetic
    "add": (*_same(lambda x, y: x + y), [normal(2, 3), normal(2, 3)]),
    "add_broadcast_row": (*_same(lambda x, y: x + y), [normal(2, 3), normal(3)]),
    "add_broadcast_outer": (*_same(lambda x, y: x + y), [normal(2, 1), normal(1, 3)]),
    "add_0d": (*_same(lambda x, y: x + y), [normal(), normal(2, 3)]),
    "sub_broadcast": (*_same(lambda x, y: x - y), [normal(3), normal(2, 3)]),
    "mul_broadcast": (*_same(lambda x, y: x * y), [normal(2, 3), normal(2, 1)]),
    "mul_self": (*_same(lambda x: x * x * x), [normal(2, 3)]),
    "div_broadcast": (*_same(lambda x, y: x / y), [normal(2, 3), positive(3)]),
    "div_self": (*_same(lambda x: (x + 3) / (x * x + 1)), [normal(2, 3)]),
    "neg": (*_same(lambda x: -x), [normal(2, 3)]),
    "add_scalar": (*_same(lambda x: x + 2.5), [normal(2, 3)]),
    "radd_scalar": (*_same(lambda x: 2.5 + x), [normal(2, 3)]),
    "sub_scalar": (*_same(lambda x: x - 2.5), [normal(2, 3)]),
    "rsub_scalar": (*_same(lambda x: 2.5 - x), [normal(2, 3)]),
    "mul_scalar": (*_same(lambda x: 3 * x), [normal(2, 3)]),
    "div_scalar": (*_same(lambda x: x / 4), [normal(2, 3)]),
    "rdiv_scalar": (*_same(lambda x: 3 / x), [positive(2, 3)]),
    "pow_2": (*_same(lambda x: x ** 2), [normal(2, 3)]),
    "pow_3": (*_same(lambda x: x ** 3), [normal(2, 3)]),
    "pow_half": (*_same(lambda x: x ** 0.5), [positive(2, 3)]),
    "pow_negative": (*_same(lambda x: x ** -1.5), [positive(2, 3)]),
    "pow_0": (*_same(lambda x: x ** 0 + x), [normal(2, 3)]),
    "rpow": (*_same(lambda x: 2.0 ** x), [normal(2, 3)]),
    "mul_constant_array": (lambda x: x * x.xp.asarray(CONSTANT) * x,
                           lambda t: t * torch.from_numpy(CONSTANT) * t, [normal(2, 3)]),
    # F.sub, not `array - x`: array_api_strict's operators raise instead of deferring to Variable's
    "sub_constant_array_first": (lambda x: F.sub(x.xp.asarray(CONSTANT), x * x),
                            lambda t: torch.from_numpy(CONSTANT) - t * t, [normal(2, 3)]),
    # ------------------------------------------------------------------ shapes
    "reshape": (lambda x: F.reshape(x, (3, 2)) ** 2, lambda t: t.reshape(3, 2) ** 2, [normal(2, 3)]),
    "reshape_method": (lambda x: x.reshape(6) ** 3, lambda t: t.reshape(6) ** 3, [normal(2, 3)]),
    "transpose": (lambda x: F.transpose(x) * x.T, lambda t: t.T * t.T, [normal(2, 3)]),
    "transpose_axes": (lambda x: F.sin(x.transpose(2, 0, 1)), lambda t: torch.sin(t.permute(2, 0, 1)),
                       [normal(2, 3, 4)]),
    "get_item_row": (lambda x: x[1, ...] ** 3, lambda t: t[1, ...] ** 3, [normal(2, 3)]),
    "get_item_slices": (lambda x: x[:, 1:] ** 3, lambda t: t[:, 1:] ** 3, [normal(2, 3)]),
    "get_item_none_ellipsis": (lambda x: x[None, ..., 0] ** 3, lambda t: t[None, ..., 0] ** 3,
                               [normal(2, 3)]),
    "get_item_integer_arrays": (
        lambda x: F.get_item(x, tuple(x.xp.asarray(i) for i in INDEX)) ** 3,
        lambda t: t[tuple(torch.from_numpy(i) for i in INDEX)] ** 3, [normal(2, 3)]),
    "expand_dims": (lambda x: F.expand_dims(x, 1) ** 3, lambda t: t.unsqueeze(1) ** 3, [normal(2, 3)]),
    "flatten": (lambda x: F.flatten(x) ** 3, lambda t: t.reshape(2, -1) ** 3, [normal(2, 3, 4)]),
    "broadcast_to": (lambda x: F.broadcast_to(x, (4, 2, 3)) ** 3,
                     lambda t: torch.broadcast_to(t, (4, 2, 3)) ** 3, [normal(2, 3)]),
    "broadcast_to_inner": (lambda x: F.broadcast_to(x, (2, 3)) ** 3,
                           lambda t: torch.broadcast_to(t, (2, 3)) ** 3, [normal(2, 1)]),
    "sum_to": (lambda x: F.sum_to(x, (1, 3)) ** 3, lambda t: t.sum(0, keepdim=True) ** 3,
               [normal(2, 3)]),
    "sum_to_leading": (lambda x: F.sum_to(x, (2, 3)) ** 3, lambda t: t.sum(0) ** 3, [normal(4, 2, 3)]),
    "stack": (lambda x, y: F.stack([x, y * x, F.sin(y)]), lambda s, t: torch.stack([s, t * s, torch.sin(t)]),
              [normal(2, 3), normal(2, 3)]),
    # ------------------------------------------------------------------ reductions
    "sum": (lambda x: F.sum(x ** 3), lambda t: torch.sum(t ** 3), [normal(2, 3)]),
    "sum_axis_keepdims": (lambda x: F.sum(x ** 3, axis=1, keepdims=True),
                          lambda t: torch.sum(t ** 3, 1, keepdim=True), [normal(2, 3)]),
    "sum_axes": (lambda x: F.sum(x ** 3, axis=(0, 2)), lambda t: torch.sum(t ** 3, (0, 2)),
                 [normal(2, 3, 4)]),
    "sum_method": (lambda x: (x ** 3).sum(axis=0), lambda t: (t ** 3).sum(0), [normal(2, 3)]),
    "mean": (lambda x: F.mean(x ** 3), lambda t: torch.mean(t ** 3), [normal(2, 3)]),
    "mean_axis": (lambda x: F.mean(x ** 3, axis=0), lambda t: torch.mean(t ** 3, 0), [normal(2, 3)]),
    "max": (lambda x: F.max(x ** 3), lambda t: torch.amax(t ** 3), [normal(2, 3)]),
    "max_axis_keepdims": (lambda x: (x ** 3).max(axis=1, keepdims=True),
                          lambda t: torch.amax(t ** 3, 1, keepdim=True), [normal(2, 3)]),
    "min_axis": (lambda x: F.min(x ** 3, axis=0), lambda t: torch.amin(t ** 3, 0), [normal(2, 3)]),
    # ------------------------------------------------------------------ linear algebra
    "matmul": (*_same(lambda a, b: a @ b), [normal(2, 3), normal(3, 4)]),
    "matmul_function": (lambda a, b: F.matmul(a, b * b), lambda a, b: torch.matmul(a, b * b),
                        [normal(2, 3), normal(3, 4)]),
    "matmul_batched_broadcast": (*_same(lambda a, b: a @ b), [normal(2, 1, 2, 3), normal(4, 3, 2)]),
    "matmul_vector_matrix": (*_same(lambda a, b: a @ b), [normal(3), normal(3, 4)]),
    "matmul_matrix_vector": (*_same(lambda a, b: a @ b), [normal(2, 3), normal(3)]),
    "matmul_inner": (*_same(lambda a, b: a @ b), [normal(3), normal(3)]),
    "matmul_self": (*_same(lambda a: a @ a.T * (a @ a.T)), [normal(2, 3)]),
    "linear": (F.linear, lambda x, w, b: x @ w + b, [normal(4, 3), normal(3, 2), normal(2)]),
    "linear_no_bias": (lambda x, w: F.sin(F.linear(x, w)), lambda x, w: torch.sin(x @ w),
                       [normal(4, 3), normal(3, 2)]),
    # ------------------------------------------------------------------ softmax and losses
    "softmax": (F.softmax, lambda t: torch.softmax(t, 1), [normal(2, 3)]),
    "softmax_axis0": (lambda x: F.softmax(x, axis=0), lambda t: torch.softmax(t, 0), [normal(2, 3)]),
    "log_softmax": (F.log_softmax, lambda t: torch.log_softmax(t, 1), [normal(2, 3)]),
    "log_softmax_large": (F.log_softmax, lambda t: torch.log_softmax(t, 1), [normal(2, 3) * 300]),
    "mean_squared_error": (F.mean_squared_error, lambda a, b: torch.sum((a - b) ** 2) / len(a),
                           [normal(4, 3), normal(4, 3)]),
    "softmax_cross_entropy": (lambda x: F.softmax_cross_entropy(x, x.xp.asarray(LABELS)),
                              lambda t: TF.cross_entropy(t, torch.from_numpy(LABELS)), [normal(4, 3)]),
    # ------------------------------------------------------------------ issue 13's functions
    "log1p": (F.log1p, torch.log1p, [uniform(-0.6, 2.0, 2, 3)]),
    "expm1": (F.expm1, torch.expm1, [normal(2, 3)]),
    "sinh": (F.sinh, torch.sinh, [normal(2, 3)]),
    "cosh": (F.cosh, torch.cosh, [normal(2, 3)]),
    "arctan": (F.arctan, torch.atan, [normal(2, 3) * 2]),
    "abs": (lambda x: F.abs(x) * x, lambda t: torch.abs(t) * t, [normal(2, 3)]),
    # threshold=1000: torch's own switch to x above 20 would differ from log(1 + e^x) by e^-20
    "softplus": (F.softplus, lambda t: TF.softplus(t, threshold=1000.0), [normal(2, 3) * 5]),
    "softplus_extreme": (F.softplus, lambda t: TF.softplus(t, threshold=1000.0),
                         [np.array([-800.0, -40.0, 35.0, 700.0])]),
    "maximum": (F.maximum, torch.maximum, [normal(2, 3), normal(3)]),
    "maximum_scalar": (lambda x: F.maximum(x, 0.3) ** 2,
                       lambda t: torch.maximum(t, torch.tensor(0.3, dtype=t.dtype)) ** 2, [normal(2, 3)]),
    "minimum": (lambda a, b: F.minimum(a * a, F.sin(b)), lambda a, b: torch.minimum(a * a, torch.sin(b)),
                [normal(2, 1), normal(1, 3)]),
    "minimum_scalar_first": (lambda x: F.minimum(0.2, x) * x,
                             lambda t: torch.minimum(torch.tensor(0.2, dtype=t.dtype), t) * t,
                             [normal(2, 3)]),
    "where": (lambda a, b: F.where(a > 0, a * b, b ** 2), lambda a, b: torch.where(a > 0, a * b, b ** 2),
              [normal(2, 3), normal(2, 3)]),
    "where_leaky": (lambda x: F.where(x > 0, x, 0.01 * x) ** 3,
                    lambda t: torch.where(t > 0, t, 0.01 * t) ** 3, [normal(2, 3)]),
    "where_broadcast": (lambda a, b: F.where(a.xp.asarray(MASK), F.exp(a), b * b),
                        lambda a, b: torch.where(torch.from_numpy(MASK), torch.exp(a), b * b),
                        [normal(3), normal(2, 1)]),
    "where_scalar": (lambda x: F.where(x < 0.5, 0.0, x ** 3),
                     lambda t: torch.where(t < 0.5, 0.0, t ** 3), [normal(2, 3)]),
    "concatenate": (lambda x, y: F.concatenate([x, y * y, F.sin(x)], axis=1),
                    lambda x, y: torch.cat([x, y * y, torch.sin(x)], 1), [normal(2, 3), normal(2, 2)]),
    "concatenate_axis0": (lambda x, y: F.concatenate((x ** 3, y)), lambda x, y: torch.cat((x ** 3, y)),
                          [normal(1, 3), normal(4, 3)]),
    "concatenate_negative_axis": (lambda x: F.concatenate([x, x * x], axis=-1) ** 2,
                                  lambda t: torch.cat([t, t * t], -1) ** 2, [normal(2, 2, 3)]),
    "prod": (F.prod, torch.prod, [normal(2, 3)]),
    "prod_axis_keepdims": (lambda x: F.prod(x, axis=1, keepdims=True),
                           lambda t: torch.prod(t, 1, keepdim=True), [normal(3, 5)]),
    "prod_axes": (lambda x: F.prod(x, axis=(0, 2)), lambda t: t.prod(2).prod(0),
                  [uniform(0.5, 1.5, 2, 3, 4)]),
    "prod_with_zeros": (lambda x: F.prod(x * 1.0, axis=1),
                        lambda t: t[:, 0] * t[:, 1] * t[:, 2] * t[:, 3], [WITH_ZEROS]),
    "cumsum": (lambda x: F.cumsum(x ** 3, axis=1), lambda t: torch.cumsum(t ** 3, 1), [normal(2, 4)]),
    "cumsum_axis0": (lambda x: F.cumsum(F.sin(x), 0) ** 2, lambda t: torch.cumsum(torch.sin(t), 0) ** 2,
                     [normal(3, 2)]),
    "logsumexp": (F.logsumexp, lambda t: torch.logsumexp(t, (0, 1)), [normal(2, 3)]),
    "logsumexp_axis_keepdims": (lambda x: F.logsumexp(x, axis=1, keepdims=True),
                                lambda t: torch.logsumexp(t, 1, keepdim=True), [normal(3, 4) * 300]),
    "norm": (F.norm, torch.linalg.vector_norm, [normal(2, 3)]),
    "norm_axis": (lambda x: F.norm(x, axis=1, keepdims=True) ** 3,
                  lambda t: torch.linalg.vector_norm(t, dim=1, keepdim=True) ** 3, [normal(3, 4)]),
    "norm_axes": (lambda x: F.norm(x, axis=(0, 2)), lambda t: torch.linalg.vector_norm(t, dim=(0, 2)),
                  [normal(2, 3, 4)]),
    "pow_variable_exponent": (*_same(lambda x, y: x ** y), [positive(2, 3), normal(2, 3)]),
    "pow_variable_broadcast": (*_same(lambda x, y: (x ** y) * y), [positive(2, 3), normal(3)]),
    "pow_array_base": (lambda y: F.pow(y.xp.asarray(POSITIVE), y),
                       lambda t: torch.pow(torch.from_numpy(POSITIVE), t), [normal(2, 3)]),
}

ORDERS = {"value": 0, "1st": 1, "2nd": 2, "3rd": 3}


@pytest.mark.parametrize("order", ORDERS.values(), ids=ORDERS.keys())
@pytest.mark.parametrize("name", CASES)
def test_matches_torch(arr, name, order):
    gd_f, torch_f, inputs = CASES[name]
    assert_matches_torch(gd_f, torch_f, inputs, arr, order)


def test_every_public_function_has_a_row():
    """Each name in F.__all__ appears in some row's name: a new function needs its oracle row."""
    missing = [name for name in F.__all__ if not any(row.startswith(name) for row in CASES)]
    assert not missing, f"no torch-oracle row for {missing}"


@pytest.mark.parametrize("name", CASES)
def test_taylor_mode_matches_nested_reverse_to_order_4(arr, name):
    """The Taylor rules of every op in the row, along a seeded random direction."""
    gd_f, _, inputs = CASES[name]
    directions = np.random.default_rng(7)
    xs = tuple(arr(x) for x in inputs)
    vs = tuple(arr(directions.uniform(-1, 1, np.shape(x))) for x in inputs)
    taylor = gd.derivatives(gd_f, xs, 4, v=vs, method="taylor")
    reverse = gd.derivatives(gd_f, xs, 4, v=vs, method="reverse")
    for k, (t, r) in enumerate(zip(taylor, reverse)):
        expected = to_numpy(r.data)
        scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
        np.testing.assert_allclose(to_numpy(t.data), expected, rtol=1e-10, atol=1e-10 * scale,
                                   err_msg=f"order {k}")
