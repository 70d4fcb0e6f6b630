"""Elementwise functions (F.exp ... F.where) and the comparisons that make where's masks:
the oracle rows, then stability, NaN, kinks and ties as PyTorch chooses them, and errors."""
import math

import mpmath
import numpy as np
import pytest
from conftest import BACKEND
from oracle import TF, Row, cases, given, normal, positive, run, torch, uniform

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable
from gdezero.backend import to_numpy
from gdezero.taylor import derivatives
from gdezero.utils import gradgradcheck, gradient_check
from helpers import assert_close

MASK = np.array([[True, False, True], [False, False, True]])
AT_KINKS = "central differences straddle the kink, where the derivative is a choice"


def _sigmoid(t):
    return 1 / (1 + mpmath.exp(-t))


def _np_sigmoid(a):
    return 1 / (1 + np.exp(-a))


ROWS = [
    Row("exp", F.exp, (normal(2, 3),), torch=torch.exp, numpy=np.exp, mpmath=mpmath.exp, curved=True),
    Row("log", F.log, (positive(2, 3),), torch=torch.log, numpy=np.log, mpmath=mpmath.log, curved=True),
    Row("log1p", F.log1p, (uniform(-0.6, 2.0, 2, 3),), torch=torch.log1p, numpy=np.log1p,
        mpmath=mpmath.log1p, curved=True),
    Row("expm1", F.expm1, (normal(2, 3),), torch=torch.expm1, numpy=np.expm1, mpmath=mpmath.expm1,
        curved=True),
    Row("sin", F.sin, (normal(2, 3),), torch=torch.sin, numpy=np.sin, mpmath=mpmath.sin, curved=True),
    Row("sin", lambda x: F.sin(F.exp(x)), (normal(5),), "of_exp", torch=lambda t: torch.sin(torch.exp(t)),
        numpy=lambda a: np.sin(np.exp(a)), mpmath=lambda t: mpmath.sin(mpmath.exp(t))),
    Row("cos", F.cos, (normal(2, 3),), torch=torch.cos, numpy=np.cos, mpmath=mpmath.cos, curved=True),
    Row("tan", F.tan, (uniform(-1.2, 1.2, 2, 3),), torch=torch.tan, numpy=np.tan, mpmath=mpmath.tan,
        curved=True),
    Row("tanh", F.tanh, (normal(2, 3),), torch=torch.tanh, numpy=np.tanh, mpmath=mpmath.tanh, curved=True),
    Row("sinh", F.sinh, (normal(2, 3),), torch=torch.sinh, numpy=np.sinh, mpmath=mpmath.sinh, curved=True),
    Row("cosh", F.cosh, (normal(2, 3),), torch=torch.cosh, numpy=np.cosh, mpmath=mpmath.cosh, curved=True),
    Row("arctan", F.arctan, (normal(2, 3, scale=2.0),), torch=torch.atan, numpy=np.arctan,
        mpmath=mpmath.atan, curved=True),
    Row("sqrt", F.sqrt, (positive(2, 3),), torch=torch.sqrt, numpy=np.sqrt, mpmath=mpmath.sqrt,
        curved=True),
    Row("abs", lambda x: F.abs(x) * x, (normal(2, 3),), torch=lambda t: torch.abs(t) * t,
        numpy=lambda a: np.abs(a) * a, mpmath=lambda t: abs(t) * t),
    Row("abs", F.abs, (given([0.0, -1.5, 2.0]),), "at_zero", torch=torch.abs, numpy=np.abs,
        without={"fd": AT_KINKS}),
    Row("sigmoid", F.sigmoid, (normal(2, 3, scale=3.0),), torch=torch.sigmoid, numpy=_np_sigmoid,
        mpmath=_sigmoid, curved=True),
    Row("sigmoid", F.sigmoid, (given([-30.0, -3.0, 0.0, 2.0, 30.0]),), "wide", torch=torch.sigmoid,
        mpmath=_sigmoid),
    # threshold=1000: torch's own switch to x above 20 would differ from log(1 + e^x) by e^-20
    Row("softplus", F.softplus, (normal(2, 3, scale=5.0),), torch=lambda t: TF.softplus(t, threshold=1000.0),
        numpy=lambda a: np.logaddexp(0.0, a), mpmath=lambda t: mpmath.log1p(mpmath.exp(t)), curved=True),
    Row("softplus", F.softplus, (given([-800.0, -40.0, 35.0, 700.0]),), "extreme",
        torch=lambda t: TF.softplus(t, threshold=1000.0), numpy=lambda a: np.logaddexp(0.0, a)),
    Row("relu", F.relu, (normal(2, 3),), torch=torch.relu, numpy=lambda a: np.maximum(a, 0)),
    Row("leaky_relu", F.leaky_relu, (normal(2, 3),), torch=lambda t: TF.leaky_relu(t, 0.2),
        numpy=lambda a: np.where(a > 0, a, 0.2 * a)),
    Row("leaky_relu", lambda x: F.leaky_relu(x, 0.05), (normal(2, 3),), "slope",
        torch=lambda t: TF.leaky_relu(t, 0.05), numpy=lambda a: np.where(a > 0, a, 0.05 * a)),
    Row("clip", lambda x: F.clip(x, -0.5, 0.8), (normal(3, 4),), torch=lambda t: torch.clamp(t, -0.5, 0.8),
        numpy=lambda a: np.clip(a, -0.5, 0.8)),
    Row("maximum", F.maximum, (normal(2, 3), normal(3)), torch=torch.maximum, numpy=np.maximum),
    Row("maximum", lambda x: F.maximum(x, 0.3) ** 2, (normal(2, 3),), "scalar",
        torch=lambda t: torch.maximum(t, torch.tensor(0.3, dtype=t.dtype)) ** 2),
    Row("maximum", F.maximum, (given([1.0, 2.0, 3.0]), given([1.0, 1.0, 4.0])), "ties",
        torch=torch.maximum, without={"fd": AT_KINKS}),
    Row("minimum", lambda a, b: F.minimum(a * a, F.sin(b)), (normal(2, 1), normal(1, 3)),
        torch=lambda a, b: torch.minimum(a * a, torch.sin(b)),
        numpy=lambda a, b: np.minimum(a * a, np.sin(b))),
    Row("minimum", lambda x: F.minimum(0.2, x) * x, (normal(2, 3),), "scalar_first",
        torch=lambda t: torch.minimum(torch.tensor(0.2, dtype=t.dtype), t) * t),
    Row("minimum", F.minimum, (given([1.0, 2.0, 3.0]), given([1.0, 1.0, 4.0])), "ties",
        torch=torch.minimum, without={"fd": AT_KINKS}),
    Row("where", lambda a, b: F.where(a > 0, a * b, b ** 2), (normal(2, 3), normal(2, 3)),
        torch=lambda a, b: torch.where(a > 0, a * b, b ** 2),
        numpy=lambda a, b: np.where(a > 0, a * b, b ** 2)),
    Row("where", lambda x: F.where(x > 0, x, 0.01 * x) ** 3, (normal(2, 3),), "leaky",
        torch=lambda t: torch.where(t > 0, t, 0.01 * t) ** 3),
    Row("where", lambda a, b: F.where(a.xp.asarray(MASK), F.exp(a), b * b), (normal(3), normal(2, 1)),
        "broadcast", torch=lambda a, b: torch.where(torch.from_numpy(MASK), torch.exp(a), b * b)),
    Row("where", lambda x: F.where(x < 0.5, 0.0, x ** 3), (normal(2, 3),), "scalar",
        torch=lambda t: torch.where(t < 0.5, 0.0, t ** 3)),
]


@pytest.mark.parametrize("column, row", cases(ROWS))
def test_oracle(arr, column, row):
    run(column, row, arr)


# ============================================================================ closed forms
@pytest.mark.parametrize("f, derivatives_", [
    (F.exp, [np.exp, np.exp, np.exp]),
    (F.sin, [np.cos, lambda a: -np.sin(a), lambda a: -np.cos(a)]),
    (F.cos, [lambda a: -np.sin(a), lambda a: -np.cos(a), np.sin]),
    (F.log, [lambda a: 1 / a, lambda a: -1 / a ** 2, lambda a: 2 / a ** 3]),
    (F.tanh, [lambda a: 1 - np.tanh(a) ** 2,
              lambda a: -2 * np.tanh(a) * (1 - np.tanh(a) ** 2),
              lambda a: -2 * (1 - np.tanh(a) ** 2) * (1 - 3 * np.tanh(a) ** 2)]),
    (F.sqrt, [lambda a: 0.5 * a ** -0.5, lambda a: -0.25 * a ** -1.5, lambda a: 0.375 * a ** -2.5]),
], ids=["exp", "sin", "cos", "log", "tanh", "sqrt"])
def test_derivatives_match_closed_forms(arr, f, derivatives_):
    data = np.array([0.3, 0.9, 1.7])
    got = gd.derivatives(f, arr(data), 3)[1:]
    for g, expected in zip(got, derivatives_):
        assert_close(g, expected(data), rtol=1e-12, atol=1e-12)


# ============================================================================ stability
def test_sigmoid_is_stable_for_large_inputs(arr):
    y = F.sigmoid(Variable(arr([-800.0, 800.0])))
    assert_close(y, [0.0, 1.0], rtol=0, atol=0)


def _sigmoid_exact(t):
    return float(_sigmoid(mpmath.mpf(float(t))))


def test_sigmoid_is_exact_far_into_the_left_tail(arr):
    points = [-745.0, -700.0, -40.0, -18.0, -1.0, 0.0, 2.5, 40.0, 800.0]
    assert_close(F.sigmoid(arr(points)), [_sigmoid_exact(t) for t in points], rtol=1e-14, atol=0)
    assert float(to_numpy(F.sigmoid(arr(-40.0)).data)) == pytest.approx(4.248354255291589e-18, rel=1e-14)


def test_sigmoid_float32_keeps_tiny_values(xp):
    points = [-80.0, -40.0, -18.0, -5.0, 0.0, 5.0, 80.0]
    got = F.sigmoid(xp.asarray(np.array(points, dtype=np.float32)))
    assert got.dtype == xp.float32
    assert_close(got, [_sigmoid_exact(t) for t in points], rtol=1e-6, atol=0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_minus_log_sigmoid_is_finite_with_a_finite_gradient(xp, dtype):
    points = np.array([-80.0, -40.0, -18.0, 0.0, 2.0], dtype=dtype)
    x = Variable(xp.asarray(points))
    y = -F.log(F.sigmoid(x))
    exact = [float(mpmath.log1p(mpmath.exp(-mpmath.mpf(float(t))))) for t in points]
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    assert_close(y, exact, rtol=rtol, atol=0)
    g = gd.grad(F.sum(y), x)  # d/dx -log(sigmoid(x)) = sigmoid(x) - 1
    assert_close(g, [_sigmoid_exact(t) - 1 for t in points], rtol=rtol, atol=1e-7)


def test_sigmoid_derivatives_stay_right_with_the_checks(arr):
    assert gradient_check(F.sigmoid, arr([-30.0, -3.0, 0.0, 2.0, 30.0]), raise_on_fail=True)
    assert gradgradcheck(F.sigmoid, arr([-30.0, -3.0, 0.0, 2.0, 30.0]), raise_on_fail=True)


def test_softplus_is_exact_at_the_extremes(arr):
    x = Variable(arr([1000.0, -1000.0, -40.0, 0.0]))
    y = to_numpy(F.softplus(x).data)
    assert y[0] == 1000.0 and y[1] == 0.0
    assert y[2] == pytest.approx(math.exp(-40.0), rel=1e-15)  # log1p(e^-40), not 0
    assert y[3] == pytest.approx(math.log(2.0), rel=1e-15)
    assert_close(gd.grad(F.sum(F.softplus(x)), x), [1.0, 0.0, 4.248354255291589e-18, 0.5], rtol=1e-12, atol=0)


# ============================================================================ NaN
NAN_POINT = [float("nan"), 1.0, -2.0]


@pytest.mark.parametrize("name, f, forward, gradient", [
    ("relu", F.relu, [np.nan, 1.0, 0.0], [np.nan, 1.0, 0.0]),
    ("leaky_relu", lambda v: F.leaky_relu(v, 0.25), [np.nan, 1.0, -0.5], [np.nan, 1.0, 0.25]),
    ("clip", lambda v: F.clip(v, -1.0, 0.5), [np.nan, 0.5, -1.0], [np.nan, 0.0, 0.0]),
])
def test_nan_propagates_through_piecewise_functions_and_their_gradients(arr, name, f, forward, gradient):
    x = Variable(arr(NAN_POINT))
    y = f(x)
    np.testing.assert_array_equal(to_numpy(y.data), forward)
    np.testing.assert_array_equal(to_numpy(gd.grad(F.sum(y), x).data), gradient)


@pytest.mark.parametrize("f", [F.relu, lambda z: F.leaky_relu(z, 0.1), lambda z: F.clip(z, -1, 1)],
                         ids=["relu", "leaky_relu", "clip"])
def test_a_nan_input_gives_nan_taylor_coefficients_through_piecewise_functions(arr, f):
    got = derivatives(f, arr([float("nan"), 0.5]), 2, method="taylor")
    assert np.isnan(np.ravel(to_numpy(got[1].data))[0])


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_nan_propagates_through_maximum_and_minimum(arr, op):
    f = getattr(F, op)
    y = to_numpy(f(Variable(arr([np.nan, 1.0, 2.0])), Variable(arr([1.0, np.nan, 0.0]))).data)
    assert np.isnan(y[0]) and np.isnan(y[1]) and y[2] == (2.0 if op == "maximum" else 0.0)


# ============================================================================ kinks and ties, as PyTorch
def test_abs_has_derivative_zero_at_zero_as_torch(arr):
    x = Variable(arr([0.0, -1.5, 2.0]))
    assert_close(gd.grad(F.sum(F.abs(x)), x), [0.0, -1.0, 1.0], atol=0)  # torch's sign(0) = 0


@pytest.mark.parametrize("op, first", [("maximum", [0.5, 1.0, 0.0]), ("minimum", [0.5, 0.0, 1.0])])
def test_ties_split_the_gradient_half_and_half_as_torch(arr, op, first):
    xa, xb = Variable(arr([1.0, 2.0, 3.0])), Variable(arr([1.0, 1.0, 4.0]))
    ga, gb = gd.grad(F.sum(getattr(F, op)(xa, xb)), [xa, xb])
    assert_close(ga, first, atol=0)
    assert_close(gb, [0.5, 1.0 - first[1], 1.0 - first[2]], atol=0)


# ============================================================================ comparisons and where
@pytest.mark.parametrize("op", ["__lt__", "__le__", "__gt__", "__ge__"])
def test_comparisons_return_backend_boolean_arrays(xp, arr, op):
    data = np.array([-1.0, 0.0, 2.0])
    x = Variable(arr(data))
    expected = getattr(data, op)(0.0)
    for other in (0.0, Variable(arr(np.zeros(3))), arr(np.zeros(3))):
        mask = getattr(x, op)(other)
        assert not isinstance(mask, Variable)
        assert gd.get_array_module(mask) is gd.get_array_module(x.data)
        assert mask.dtype == xp.bool
        np.testing.assert_array_equal(to_numpy(mask), expected)


def test_a_zero_dim_comparison_is_a_zero_dim_array(arr):
    mask = Variable(arr(1.0)) > 0
    assert gd.backend.is_array(mask) and mask.shape == ()


def test_where_with_a_comparison_is_a_leaky_relu(arr):
    data = np.array([-2.0, 0.5, 3.0])
    x = Variable(arr(data))
    y = F.where(x > 0, x, 0.01 * x)
    assert_close(y, np.where(data > 0, data, 0.01 * data), rtol=1e-15, atol=0)
    assert_close(gd.grad(F.sum(y), x), [0.01, 1.0, 1.0], rtol=1e-15, atol=0)


def test_scalars_keep_float32(arr):
    x = Variable(arr([-1.0, 2.0], dtype=np.float32))
    for y in (F.where(x > 0, x, 0.0), F.maximum(x, 0.5), F.minimum(1, x), F.softplus(x), F.abs(x)):
        assert y.dtype == x.dtype


def test_where_rejects_a_non_boolean_condition(arr):
    x = Variable(arr([1.0, 2.0]))
    with pytest.raises(TypeError, match="boolean array as condition"):
        F.where(x, x, 0.0)
    with pytest.raises(TypeError, match="two Python scalars"):
        F.where(x > 0, 1.0, 0.0)


def test_where_rejects_a_condition_of_another_backend(arr):
    x = Variable(arr([1.0, 2.0]))
    # NumPy beside Dask is wrapped, not a mix: array_api_strict is the other backend there
    if BACKEND in ("numpy", "dask"):
        import array_api_strict
        other = array_api_strict.asarray([True, False])
    else:
        other = np.array([True, False])
    with pytest.raises(TypeError, match="backend"):
        F.where(other, x, x)
