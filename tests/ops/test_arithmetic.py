"""Arithmetic (+ - * / ** and negation, F.add ... F.pow): the oracle rows, then edge cases."""
import numpy as np
import pytest
from oracle import Row, cases, given, normal, positive, run, torch

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable
from gdezero.taylor import derivatives
from helpers import assert_close

CONSTANT = np.random.default_rng(13).normal(size=(2, 3))  # a raw array operand: no gradient
POSITIVE = np.random.default_rng(14).uniform(0.5, 2.0, (2, 3))
A23 = given([[0.3, -1.1, 2.0], [1.2, 0.8, -0.5]])
B13 = given([[1.5, 2.0, -0.7]])


def _row(of, op, inputs, variant="", numpy=None, **kw):
    """A row whose torch function is the gdezero one: operators mean the same on tensors."""
    return Row(of, op, inputs, variant, torch=op, numpy=numpy, **kw)


ROWS = [
    _row("add", lambda x, y: x + y, (normal(2, 3), normal(2, 3)), numpy=np.add),
    _row("add", lambda x, y: x + y, (normal(2, 3), normal(3)), "broadcast_row"),
    _row("add", lambda x, y: x + y, (normal(2, 1), normal(1, 3)), "broadcast_outer"),
    _row("add", lambda x, y: x + y, (normal(), normal(2, 3)), "0d"),
    _row("add", lambda x, y: x + y, (A23, B13), "broadcast_leading_1"),
    _row("add", lambda x: x + 2.5, (normal(2, 3),), "scalar"),
    _row("add", lambda x: 2.5 + x, (normal(2, 3),), "radd_scalar"),
    Row("add", lambda x: F.exp(x) + x.xp.asarray(CONSTANT), (normal(3),), "constant_array",
        torch=lambda t: torch.exp(t) + torch.from_numpy(CONSTANT),
        numpy=lambda a: np.exp(a) + CONSTANT),
    _row("sub", lambda x, y: x - y, (normal(3), normal(2, 3)), "broadcast", numpy=np.subtract),
    _row("sub", lambda x, y: x - y, (A23, B13), "broadcast_leading_1"),
    _row("sub", lambda x: x - 2.5, (normal(2, 3),), "scalar"),
    _row("sub", lambda x: 2.5 - x, (normal(2, 3),), "rsub_scalar"),
    # F.sub, not `array - x`: array_api_strict's operators raise instead of deferring to Variable's
    Row("sub", lambda x: F.sub(x.xp.asarray(CONSTANT), x * x), (normal(2, 3),), "constant_array_first",
        torch=lambda t: torch.from_numpy(CONSTANT) - t * t, numpy=lambda a: CONSTANT - a * a),
    _row("mul", lambda x, y: x * y, (normal(2, 3), normal(2, 1)), "broadcast", numpy=np.multiply),
    _row("mul", lambda x, y: x * y, (normal(2, 3), normal(3)), "broadcast_row"),
    _row("mul", lambda x, y: x * y, (normal(3, 1), normal(1, 4)), "broadcast_outer"),
    _row("mul", lambda x, y: x * y, (normal(), normal(2, 3)), "0d"),
    _row("mul", lambda x, y: x * y, (A23, B13), "broadcast_leading_1"),
    _row("mul", lambda x: x * x * x, (normal(2, 3),), "self"),
    _row("mul", lambda x: 3 * x, (normal(2, 3),), "scalar"),
    Row("mul", lambda x: x * x.xp.asarray(CONSTANT) * x, (normal(2, 3),), "constant_array",
        torch=lambda t: t * torch.from_numpy(CONSTANT) * t),
    _row("div", lambda x, y: x / y, (normal(2, 3), positive(3)), "broadcast", numpy=np.divide),
    _row("div", lambda x, y: x / y, (A23, B13), "broadcast_leading_1"),
    _row("div", lambda x: (x + 3) / (x * x + 1), (normal(2, 3),), "self"),
    _row("div", lambda x: x / 4, (normal(2, 3),), "scalar"),
    _row("div", lambda x: 3 / x, (positive(2, 3),), "rdiv_scalar", curved=True),
    _row("neg", lambda x: -x, (normal(2, 3),), numpy=np.negative),
    _row("pow", lambda x: x ** 2, (normal(2, 3),), "2", numpy=np.square),
    _row("pow", lambda x: x ** 3, (normal(2, 3),), "3"),
    _row("pow", lambda x: x ** 0.5, (positive(2, 3),), "half", numpy=np.sqrt, curved=True),
    _row("pow", lambda x: x ** -1.5, (positive(2, 3),), "negative", curved=True),
    _row("pow", lambda x: x ** -2, (positive(2, 3),), "negative_int", curved=True),
    _row("pow", lambda x: (x * x + 1) ** 1.7, (normal(3),), "float_of_polynomial"),
    _row("pow", lambda x: x ** 0 + x, (normal(2, 3),), "0"),
    _row("pow", lambda x: 2.0 ** x, (normal(2, 3),), "rpow", numpy=lambda a: 2.0 ** a, curved=True),
    _row("pow", lambda x, y: x ** y, (positive(2, 3), normal(2, 3)), "variable_exponent",
         numpy=np.power),
    _row("pow", lambda x, y: (x ** y) * y, (positive(2, 3), normal(3)), "variable_broadcast"),
    Row("pow", lambda y: F.pow(y.xp.asarray(POSITIVE), y), (normal(2, 3),), "array_base",
        torch=lambda t: torch.pow(torch.from_numpy(POSITIVE), t), numpy=lambda a: POSITIVE ** a),
]


@pytest.mark.parametrize("column, row", cases(ROWS))
def test_oracle(arr, column, row):
    run(column, row, arr)


# ============================================================================ edge cases
def test_power_rule_closed_form_third_derivative(arr):
    x = Variable(arr([1.5, 2.0]))
    g1 = gd.grad(F.sum(x ** 5), x, create_graph=True)
    g2 = gd.grad(F.sum(g1), x, create_graph=True)
    g3 = gd.grad(F.sum(g2), x)
    assert_close(g3, 60 * np.array([1.5, 2.0]) ** 2)


def test_integer_powers_are_exact_at_zero_in_taylor_mode(arr):
    got = derivatives(lambda z: z ** 3, arr([0.0]), 4, method="taylor")
    assert [float(g.data[0]) for g in got] == [0.0, 0.0, 0.0, 6.0, 0.0]


@pytest.mark.filterwarnings("ignore:divide by zero")  # log(0) = -inf inside the masked branch
def test_pow_with_a_variable_exponent_at_a_zero_base_as_torch(arr):
    # torch's choice: d/dy x**y = x**y log x is 0 at x = 0 (not 0 * -inf)
    base, exponent = np.array([0.0, 2.0]), np.array([2.0, 0.5])
    x, y = Variable(arr(base)), Variable(arr(exponent))
    gx, gy = gd.grad(F.sum(x ** y), [x, y])
    assert_close(gx, [0.0, 0.5 / np.sqrt(2.0)], rtol=1e-15, atol=0)
    assert_close(gy, [0.0, np.sqrt(2.0) * np.log(2.0)], rtol=1e-15, atol=0)


def test_python_scalars_never_promote_float32(xp):
    x = Variable(xp.asarray([1.0, 2.0], dtype=xp.float32))
    for y in (x * 2, 1 - x, x ** 2, 2.5 / x, x + 1, x / 3):
        assert y.dtype == xp.float32
        assert gd.grad(F.sum(y), x).dtype == xp.float32


def test_arrays_combine_with_variables_on_either_side(xp, arr):
    x = Variable(arr([1.0, 2.0]))
    c = arr([3.0, 4.0])
    assert_close(x * c, [3.0, 8.0])
    if gd.get_array_module(c).__name__.startswith("array_api_strict"):
        pytest.skip("array_api_strict arrays reject a Variable on their right themselves")
    y = c - x
    assert isinstance(y, Variable)
    assert_close(y, [2.0, 2.0])
    assert_close(gd.grad(F.sum(y), x), [-1.0, -1.0])


def test_pow_rejects_an_exponent_that_is_not_a_number_array_or_variable(arr):
    x = Variable(arr([1.0, 2.0]))
    with pytest.raises(TypeError, match="exponent"):
        x ** "2"
    with pytest.raises(TypeError, match="exponent"):
        x ** True
