"""Reductions (F.sum ... F.norm): the oracle rows, then stability, ties, zeros, NaN and the
axis arguments."""
import math

import numpy as np
import pytest
from oracle import Row, cases, given, normal, run, torch, uniform

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable
from gdezero.backend import to_numpy
from gdezero.taylor import derivatives
from helpers import assert_close

WITH_ZEROS = given([[0.0, 1.5, -2.0, 0.5], [0.7, 0.0, 1.1, 0.0], [1.2, -0.3, 0.8, 2.0]])
AT_TIES = "central differences step off the tie, where the gradient is a choice"


def _np_logsumexp(a, axis=None, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


ROWS = [
    Row("sum", lambda x: F.sum(x ** 3), (normal(2, 3),), torch=lambda t: torch.sum(t ** 3),
        numpy=lambda a: np.sum(a ** 3)),
    Row("sum", lambda x: F.sum(x ** 3, axis=1, keepdims=True), (normal(2, 3),), "axis_keepdims",
        torch=lambda t: torch.sum(t ** 3, 1, keepdim=True), numpy=lambda a: np.sum(a ** 3, 1, keepdims=True)),
    Row("sum", lambda x: F.sum(x ** 3, axis=(0, 2)), (normal(2, 3, 4),), "axes",
        torch=lambda t: torch.sum(t ** 3, (0, 2)), numpy=lambda a: np.sum(a ** 3, (0, 2))),
    Row("sum", lambda x: (x ** 3).sum(axis=0), (normal(2, 3),), "method", torch=lambda t: (t ** 3).sum(0),
        numpy=lambda a: (a ** 3).sum(0)),
    Row("mean", lambda x: F.mean(x ** 3), (normal(2, 3),), torch=lambda t: torch.mean(t ** 3),
        numpy=lambda a: np.mean(a ** 3)),
    Row("mean", lambda x: F.mean(x ** 3, axis=0), (normal(2, 3),), "axis",
        torch=lambda t: torch.mean(t ** 3, 0),
        numpy=lambda a: np.mean(a ** 3, 0)),
    Row("max", lambda x: F.max(x ** 3), (normal(2, 3),), torch=lambda t: torch.amax(t ** 3),
        numpy=lambda a: np.max(a ** 3)),
    Row("max", lambda x: (x ** 3).max(axis=1, keepdims=True), (normal(2, 3),), "axis_keepdims",
        torch=lambda t: torch.amax(t ** 3, 1, keepdim=True),
        numpy=lambda a: np.max(a ** 3, 1, keepdims=True)),
    Row("max", F.max, (given([1.0, 3.0, 3.0]),), "ties", torch=torch.amax, without={"fd": AT_TIES}),
    Row("min", lambda x: F.min(x ** 3, axis=0), (normal(2, 3),), "axis",
        torch=lambda t: torch.amin(t ** 3, 0),
        numpy=lambda a: np.min(a ** 3, 0)),
    Row("prod", F.prod, (normal(2, 3),), torch=torch.prod, numpy=np.prod),
    Row("prod", lambda x: F.prod(x, axis=1, keepdims=True), (normal(3, 5),), "axis_keepdims",
        torch=lambda t: torch.prod(t, 1, keepdim=True), numpy=lambda a: np.prod(a, 1, keepdims=True)),
    Row("prod", lambda x: F.prod(x, axis=(0, 2)), (uniform(0.5, 1.5, 2, 3, 4),), "axes",
        torch=lambda t: t.prod(2).prod(0), numpy=lambda a: np.prod(a, (0, 2))),
    Row("prod", lambda x: F.prod(x * 1.0, axis=1), (WITH_ZEROS,), "with_zeros",
        torch=lambda t: t[:, 0] * t[:, 1] * t[:, 2] * t[:, 3], numpy=lambda a: np.prod(a, 1)),
    Row("prod", lambda x: F.prod(x, axis=1), (given([[0.0, 2.0, 3.0, 5.0], [0.0, 2.0, 0.0, 7.0]]),),
        "one_and_two_zeros", torch=lambda t: torch.prod(t, 1), numpy=lambda a: np.prod(a, 1)),
    Row("cumsum", lambda x: F.cumsum(x ** 3, axis=1), (normal(2, 4),),
        torch=lambda t: torch.cumsum(t ** 3, 1),
        numpy=lambda a: np.cumsum(a ** 3, 1)),
    Row("cumsum", lambda x: F.cumsum(F.sin(x), 0) ** 2, (normal(3, 2),), "axis0",
        torch=lambda t: torch.cumsum(torch.sin(t), 0) ** 2),
    Row("logsumexp", F.logsumexp, (normal(2, 3),), torch=lambda t: torch.logsumexp(t, (0, 1)),
        numpy=_np_logsumexp),
    Row("logsumexp", lambda x: F.logsumexp(x, axis=1, keepdims=True), (normal(3, 4, scale=300.0),),
        "axis_keepdims", torch=lambda t: torch.logsumexp(t, 1, keepdim=True),
        numpy=lambda a: _np_logsumexp(a, 1, True)),
    Row("norm", F.norm, (normal(2, 3),), torch=torch.linalg.vector_norm, numpy=np.linalg.norm),
    Row("norm", lambda x: F.norm(x, axis=1, keepdims=True) ** 3, (normal(3, 4),), "axis",
        torch=lambda t: torch.linalg.vector_norm(t, dim=1, keepdim=True) ** 3,
        numpy=lambda a: np.linalg.norm(a, axis=1, keepdims=True) ** 3),
    Row("norm", lambda x: F.norm(x, axis=(0, 2)), (normal(2, 3, 4),), "axes",
        torch=lambda t: torch.linalg.vector_norm(t, dim=(0, 2)),
        numpy=lambda a: np.sqrt(np.sum(a * a, (0, 2)))),
]


@pytest.mark.parametrize("column, row", cases(ROWS))
def test_oracle(arr, column, row):
    run(column, row, arr)


# ============================================================================ stability
@pytest.mark.filterwarnings("ignore:divide by zero")  # NumPy's note on log(0) = -inf, the right value
def test_logsumexp_is_exact_for_large_and_infinite_inputs(arr):
    y = F.logsumexp(Variable(arr([1000.0, 1000.0])))
    assert float(to_numpy(y.data)) == 1000.0 + math.log(2.0)
    y = F.logsumexp(Variable(arr([[-1000.0, -1000.0], [-np.inf, -np.inf]])), axis=1)
    assert to_numpy(y.data).tolist() == [-1000.0 + math.log(2.0), -np.inf]


def test_logsumexp_gradient_is_softmax_even_for_huge_inputs(arr):
    x = Variable(arr([1000.0, 999.0, -1000.0]))
    g = gd.grad(F.logsumexp(x), x)
    e = np.exp([0.0, -1.0, -2000.0])
    assert_close(g, e / e.sum(), rtol=1e-12, atol=0)  # exp(x - y): y is rounded at 1000


def test_norm_neither_overflows_nor_underflows(arr):
    assert float(to_numpy(F.norm(Variable(arr([3e200, 4e200]))).data)) == pytest.approx(5e200, rel=1e-15)
    assert float(to_numpy(F.norm(Variable(arr([3e-200, 4e-200]))).data)) == pytest.approx(5e-200, rel=1e-15)


def test_prod_of_a_long_axis_matches_and_differentiates(arr):
    data = np.random.default_rng(5).uniform(0.9, 1.1, 1001)
    x = Variable(arr(data))
    assert_close(F.prod(x), np.prod(data), rtol=1e-13)
    assert_close(gd.grad(F.prod(x), x), np.prod(data) / data, rtol=1e-12)


# ============================================================================ ties, zeros, NaN
def test_max_shares_the_gradient_among_ties(arr):
    x = Variable(arr([1.0, 3.0, 3.0]))
    assert_close(gd.grad(F.max(x), x), [0.0, 0.5, 0.5])


def test_norm_gradient_at_zero_is_zero_as_torch(arr):
    x = Variable(arr(np.zeros(3)))
    assert_close(gd.grad(F.norm(x), x), np.zeros(3), atol=0)


def test_prod_gradient_with_one_and_two_zeros_as_torch(arr):
    x = Variable(arr([[0.0, 2.0, 3.0, 5.0], [0.0, 2.0, 0.0, 7.0]]))
    g = gd.grad(F.sum(F.prod(x, axis=1)), x, create_graph=True)
    assert_close(g, [[30.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]], atol=0)
    h = gd.grad(F.sum(g * Variable(arr(np.ones((2, 4))))), x)  # row sums of the Hessian
    assert_close(h, [[31.0, 15.0, 10.0, 6.0], [14.0, 0.0, 14.0, 0.0]], atol=0)


NAN_POINT = [float("nan"), 1.0, -2.0]


@pytest.mark.parametrize("reduce", [F.max, F.min], ids=["max", "min"])
def test_a_nan_max_or_min_is_nan_and_routes_its_gradient_to_the_nan(arr, reduce):
    x = Variable(arr(NAN_POINT))
    y = reduce(x)
    assert np.isnan(to_numpy(y.data))
    np.testing.assert_array_equal(to_numpy(gd.grad(y, x).data), [1.0, 0.0, 0.0])  # not NaN everywhere
    m = Variable(arr([[np.nan, 1.0], [2.0, 3.0]]))
    rows = reduce(m, axis=1)
    np.testing.assert_array_equal(to_numpy(rows.data)[1], 3.0 if reduce is F.max else 2.0)
    assert np.isnan(to_numpy(rows.data)[0])
    expected = [[1.0, 0.0], [0.0, 1.0]] if reduce is F.max else [[1.0, 0.0], [1.0, 0.0]]
    np.testing.assert_array_equal(to_numpy(gd.grad(F.sum(rows), m).data), expected)


def test_a_nan_maximum_passes_its_taylor_coefficients_as_its_gradient_does(arr):
    # max selects the NaN element (as NumPy and torch do); backward routes the gradient to it
    x, v = arr([float("nan"), 0.5]), arr([2.0, 3.0])
    got = derivatives(lambda z: F.max(z, axis=0), x, 1, v, method="taylor")[1]
    want = derivatives(lambda z: F.max(z, axis=0), x, 1, v, method="reverse")[1]
    assert float(got.data) == float(want.data) == 2.0


# ============================================================================ axis arguments
@pytest.mark.parametrize("reduce, reference", [
    (F.sum, np.sum), (F.mean, np.mean), (F.max, np.max), (F.min, np.min)], ids=["sum", "mean", "max", "min"])
def test_every_axis_argument_takes_a_list_like_a_tuple(arr, reduce, reference):
    data = np.arange(24.0).reshape(2, 3, 4) ** 1.5
    x = Variable(arr(data))
    for axis in ([0, 1], [-1], [0, 2]):
        got = reduce(x, axis=axis)
        assert_close(got, reference(data, axis=tuple(axis)), rtol=1e-14)
        assert_close(gd.grad(F.sum(got), x), to_numpy(gd.grad(F.sum(reduce(x, axis=tuple(axis))), x).data),
                     rtol=1e-14)
    assert_close(reduce(x, axis=[0, 1], keepdims=True), reference(data, axis=(0, 1), keepdims=True),
                 rtol=1e-14)


@pytest.mark.parametrize("reduce", [F.sum, F.mean, F.max, F.min], ids=["sum", "mean", "max", "min"])
def test_out_of_range_and_repeated_axes_name_the_axis_and_ndim(arr, reduce):
    x = Variable(arr(np.ones((2, 3))))
    with pytest.raises(ValueError, match=r"axis 2 is out of range for a Variable of ndim 2 "
                                         r"\(shape \(2, 3\)\)"):
        reduce(x, axis=2)
    with pytest.raises(ValueError, match=r"axis -3 is out of range for a Variable of ndim 2"):
        reduce(x, axis=(0, -3))
    with pytest.raises(ValueError, match=r"repeats an axis"):
        reduce(x, axis=[1, -1])


@pytest.mark.parametrize("name", ["prod", "logsumexp", "norm"])
def test_reductions_reject_an_axis_out_of_range_naming_it(arr, name):
    with pytest.raises(ValueError, match=rf"{name}: axis 2 is out of range .*\(2, 3\)"):
        getattr(F, name)(Variable(arr(np.ones((2, 3)))), axis=2)


def test_cumsum_rejects_an_axis_out_of_range(arr):
    with pytest.raises(ValueError, match=r"axis 2 is out of range for shape \(2, 3\)"):
        F.cumsum(Variable(arr(np.ones((2, 3)))), 2)


@pytest.mark.parametrize("reduce", [F.max, F.min], ids=["max", "min"])
def test_max_and_min_of_an_empty_array_raise(arr, reduce):
    with pytest.raises(ValueError, match=r"of an empty Variable \(shape \(0,\), axis None\) has no value"):
        reduce(Variable(arr(np.zeros(0))))
    with pytest.raises(ValueError, match=r"shape \(2, 0\), axis \(1,\)"):
        reduce(Variable(arr(np.zeros((2, 0)))), axis=1)
    assert reduce(Variable(arr(np.zeros((0, 2)))), axis=1).shape == (0,)  # nothing reduced is empty
