"""The functions of issue 13 beyond the torch-oracle table: stability, NaN, kinks and ties
as PyTorch chooses them, comparisons, errors, dtypes."""
import math

import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable
from gdezero.backend import to_numpy
from helpers import assert_close

torch = pytest.importorskip("torch", reason="torch is the oracle for the subgradient choices")


def torch_grads(f, *arrays):
    ts = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    return [g.numpy() for g in torch.autograd.grad(f(*ts).sum(), ts)]


# ============================================================================ stability
def test_softplus_is_exact_at_the_extremes(arr):
    x = Variable(arr([1000.0, -1000.0, -40.0, 0.0]))
    y = to_numpy(F.softplus(x).data)
    assert y[0] == 1000.0 and y[1] == 0.0
    assert y[2] == pytest.approx(math.exp(-40.0), rel=1e-15)  # log1p(e^-40), not 0
    assert y[3] == pytest.approx(math.log(2.0), rel=1e-15)
    assert_close(gd.grad(F.sum(F.softplus(x)), x), [1.0, 0.0, 4.248354255291589e-18, 0.5], rtol=1e-12, atol=0)


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


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_nan_propagates_through_maximum_and_minimum(arr, op):
    f = getattr(F, op)
    y = to_numpy(f(Variable(arr([np.nan, 1.0, 2.0])), Variable(arr([1.0, np.nan, 0.0]))).data)
    assert np.isnan(y[0]) and np.isnan(y[1]) and y[2] == (2.0 if op == "maximum" else 0.0)


# ============================================================================ kinks and ties, as PyTorch
def test_abs_has_derivative_zero_at_zero_as_torch(arr):
    data = np.array([0.0, -1.5, 2.0])
    x = Variable(arr(data))
    assert_close(gd.grad(F.sum(F.abs(x)), x), torch_grads(torch.abs, data)[0], atol=0)


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_ties_split_the_gradient_half_and_half_as_torch(arr, op):
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 4.0])
    xa, xb = Variable(arr(a)), Variable(arr(b))
    ga, gb = gd.grad(F.sum(getattr(F, op)(xa, xb)), [xa, xb])
    ta, tb = torch_grads(getattr(torch, op), a, b)
    assert_close(ga, ta, atol=0)
    assert_close(gb, tb, atol=0)
    assert to_numpy(ga.data)[0] == 0.5


def test_norm_gradient_at_zero_is_zero_as_torch(arr):
    x = Variable(arr(np.zeros(3)))
    assert_close(gd.grad(F.norm(x), x), torch_grads(torch.linalg.vector_norm, np.zeros(3))[0], atol=0)


def test_prod_gradient_with_one_and_two_zeros_as_torch(arr):
    data = np.array([[0.0, 2.0, 3.0, 5.0], [0.0, 2.0, 0.0, 7.0]])
    x = Variable(arr(data))
    g = gd.grad(F.sum(F.prod(x, axis=1)), x, create_graph=True)
    assert_close(g, [[30.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]], atol=0)
    assert_close(g, torch_grads(lambda t: torch.prod(t, 1), data)[0], atol=0)
    h = gd.grad(F.sum(g * Variable(arr(np.ones((2, 4))))), x)  # row sums of the Hessian
    assert_close(h, [[31.0, 15.0, 10.0, 6.0], [14.0, 0.0, 14.0, 0.0]], atol=0)


def test_pow_with_a_variable_exponent_at_a_zero_base_as_torch(arr):
    base, exponent = np.array([0.0, 2.0]), np.array([2.0, 0.5])
    x, y = Variable(arr(base)), Variable(arr(exponent))
    gx, gy = gd.grad(F.sum(x ** y), [x, y])
    tx, ty = torch_grads(lambda a, b: a ** b, base, exponent)
    assert_close(gx, tx, rtol=1e-15, atol=0)
    assert_close(gy, ty, rtol=1e-15, atol=0)


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


def test_where_rejects_a_condition_of_another_backend(arr, xp):
    x = Variable(arr([1.0, 2.0]))
    # NumPy beside Dask is wrapped, not a mix: torch is the other backend there, as beside NumPy
    eager_numpy = xp.__name__.endswith("numpy") or "dask" in xp.__name__
    other = torch.tensor([True, False]) if eager_numpy else np.array([True, False])
    with pytest.raises(TypeError, match="backend"):
        F.where(other, x, x)


# ============================================================================ shapes and errors
def test_concatenate_rejects_mismatched_shapes_naming_both(arr):
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 2\)"):
        F.concatenate([Variable(arr(np.ones((2, 3)))), Variable(arr(np.ones((2, 2))))], axis=0)
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        F.concatenate([Variable(arr(np.ones((2, 3))))], axis=2)
    with pytest.raises(ValueError, match="empty"):
        F.concatenate([])


def test_cumsum_rejects_an_axis_out_of_range(arr):
    with pytest.raises(ValueError, match=r"axis 2 is out of range for shape \(2, 3\)"):
        F.cumsum(Variable(arr(np.ones((2, 3)))), 2)


def test_prod_of_a_long_axis_matches_and_differentiates(arr):
    data = np.random.default_rng(5).uniform(0.9, 1.1, 1001)
    x = Variable(arr(data))
    assert_close(F.prod(x), np.prod(data), rtol=1e-13)
    assert_close(gd.grad(F.prod(x), x), np.prod(data) / data, rtol=1e-12)


@pytest.mark.parametrize("name", ["prod", "logsumexp", "norm"])
def test_reductions_reject_an_axis_out_of_range_naming_it(arr, name):
    with pytest.raises(ValueError, match=rf"{name}: axis 2 is out of range .*\(2, 3\)"):
        getattr(F, name)(Variable(arr(np.ones((2, 3)))), axis=2)
