"""Every F.* function and operator against torch.autograd as the oracle.

For each row: the value, the gradient of <f, w>, the gradient of <that gradient, v>
(a Hessian-vector product) and one order more, on seeded random inputs of the backend
under test, all in float64 and compared with torch on the same NumPy data.
"""
import numpy as np
import pytest

import gdezero.functions as F
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
