"""Ops at the edges of their domains, in both modes: NaN, zero, infinity, tiny and huge
inputs, empty arrays, high Taylor orders, and clear errors for arguments an op cannot take.
Oracles: closed forms and reverse mode against Taylor mode."""
import math

import dask.array as da
import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable
from gdezero.backend import to_numpy
from helpers import assert_close


def _np(v):
    return to_numpy(v.data if isinstance(v, Variable) else v)


def _values(rows):
    return [_np(r).tolist() for r in rows]


# ---------------------------------------------------------------- NaN through maximum / minimum
@pytest.mark.parametrize("op", [F.maximum, F.minimum])
def test_maximum_and_minimum_of_nan_have_a_nan_derivative_in_both_modes(arr, op):
    x = Variable(arr([np.nan, 2.0]))
    g = _np(gd.grad(F.sum(op(x, 1.0)), x))
    assert np.isnan(g[0]) and g[1] == (1.0 if op is F.maximum else 0.0)
    rows = gd.derivatives(lambda v: op(v, 1.0), arr([np.nan]), 3)
    assert all(np.isnan(_np(r)[0]) for r in rows)


# ---------------------------------------------------------------- norm's Taylor rule is scaled
@pytest.mark.parametrize("scale", [1e-170, 1e155, 1e200])
def test_jvp_of_norm_stays_finite_at_tiny_and_huge_inputs(arr, scale):
    x = arr([1.0, -2.0]) * scale
    value, tangent = gd.jvp(F.norm, x, x)
    assert_close(tangent, math.sqrt(5.0) * scale, rtol=1e-15, atol=0)
    assert_close(value, math.sqrt(5.0) * scale, rtol=1e-15, atol=0)


def test_norm_in_taylor_mode_equals_reverse_mode_per_axis(arr):
    x = arr([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    for axis in (None, 0, 1):
        for keepdims in (False, True):
            def f(v, axis=axis, keepdims=keepdims):
                return F.norm(v, axis=axis, keepdims=keepdims)
            taylor = gd.derivatives(f, x, 3, method="taylor")
            reverse = gd.derivatives(f, x, 3, method="reverse")
            for t, r in zip(taylor, reverse):
                assert_close(t, _np(r), rtol=1e-14, atol=1e-15)


# ---------------------------------------------------------------- powers at zero
def test_square_by_an_array_exponent_at_zero_has_second_derivative_two(arr):
    rows = gd.derivatives(lambda v: v ** arr(2.0), arr([0.0]), 3)
    assert _values(rows) == [[0.0], [0.0], [2.0], [0.0]]


def test_an_array_exponent_zero_at_zero_has_gradient_zero_as_torch(arr):
    x = Variable(arr([0.0, 2.0]))
    assert_close(gd.grad(F.sum(x ** arr([0.0, 0.0])), x), [0.0, 0.0], rtol=0, atol=0)


@pytest.mark.parametrize("r, n, expected", [
    (1.5, 1, [0.0, 0.0]),
    (2.5, 2, [0.0, 0.0, 0.0]),
    (1.5, 2, [0.0, 0.0, math.inf]),  # 1.5 * 0.5 * 0^-0.5, as reverse mode
    (0.3, 2, [0.0, math.inf, -math.inf]),
])
def test_a_fractional_power_at_zero_matches_reverse_mode(arr, r, n, expected):
    with np.errstate(divide="ignore", invalid="ignore"):
        taylor = gd.derivatives(lambda v: v ** r, arr([0.0]), n, method="taylor")
        reverse = gd.derivatives(lambda v: v ** r, arr([0.0]), n, method="reverse")
    assert [row[0] for row in _values(taylor)] == expected
    assert [row[0] for row in _values(reverse)] == expected


def test_zero_to_a_positive_variable_power_has_zero_derivatives(arr):
    rows = gd.derivatives(lambda v: F.pow(arr([0.0]), v), arr([2.0]), 2)
    assert _values(rows) == [[0.0], [0.0], [0.0]]


def test_sin_squared_by_an_array_exponent_matches_reverse_mode(arr):
    taylor = gd.derivatives(lambda v: F.sin(v) ** arr(2.0), arr([0.0, 0.7]), 4, method="taylor")
    reverse = gd.derivatives(lambda v: F.sin(v) ** arr(2.0), arr([0.0, 0.7]), 4, method="reverse")
    for t, r in zip(taylor, reverse):
        assert_close(t, _np(r), rtol=1e-13, atol=1e-14)


# ---------------------------------------------------------------- softplus, log(sigmoid)
def test_softplus_at_infinity_has_derivative_one_in_both_modes(arr):
    x = Variable(arr([np.inf, -np.inf]))
    assert_close(gd.grad(F.sum(F.softplus(x)), x), [1.0, 0.0], rtol=0, atol=0)
    rows = gd.derivatives(F.softplus, arr([np.inf]), 2)
    assert _values(rows) == [[math.inf], [1.0], [0.0]]


@pytest.mark.parametrize("z", [-740.0, -40.0, 0.0, 3.0, 740.0])
def test_log_of_sigmoid_is_minus_softplus_of_minus_x_in_value_and_derivatives(arr, z):
    x = Variable(arr([z]))
    y = -F.log(F.sigmoid(x))
    tiny = 1e-320  # at z = 740 the values are subnormal: a backend may round the last bits
    exact = np.logaddexp(0.0, -z)  # softplus(-z)
    assert_close(y, [exact], rtol=1e-15, atol=tiny)
    g = gd.grad(F.sum(y), x, create_graph=True)
    sig_minus = 1.0 / (1.0 + math.exp(z)) if z < 700 else math.exp(-z)
    assert_close(g, [-sig_minus], rtol=1e-15, atol=tiny)
    h = gd.grad(F.sum(g), x)
    assert_close(h, [sig_minus * (1.0 - sig_minus)], rtol=1e-14, atol=tiny)
    rows = gd.derivatives(lambda v: -F.log(F.sigmoid(v)), arr([z]), 2)
    assert_close(rows[1], [-sig_minus], rtol=1e-14, atol=tiny)


# ---------------------------------------------------------------- high Taylor orders
def test_sin_to_order_40_in_float32_stays_on_the_unit_circle(arr):
    rows = _np(F.stack(gd.derivatives(F.sin, arr([1.0], dtype=np.float32), 40)))  # one compute
    cycle = [math.sin(1.0), math.cos(1.0), -math.sin(1.0), -math.cos(1.0)]
    assert rows.dtype == np.float32
    assert_close(rows[:, 0], [cycle[k % 4] for k in range(41)], rtol=1e-5, atol=0)


def test_sin_beyond_order_170_in_float64(arr):
    rows = gd.derivatives(F.sin, arr([1.0]), 173)
    picked = _np(F.stack([rows[k] for k in (0, 1, 30, 170, 171, 172, 173)]))  # one compute
    cycle = [math.sin(1.0), math.cos(1.0), -math.sin(1.0), -math.cos(1.0)]
    assert_close(picked[:, 0], [cycle[k % 4] for k in (0, 1, 30, 170, 171, 172, 173)], rtol=1e-12, atol=0)


def test_an_order_out_of_reach_raises_overflow_naming_dtype_and_largest_order(arr):
    with pytest.raises(OverflowError, match=r"order 400 is out of reach in \S*float32.*the largest "
                                            r"order that works in \S*float32 is \d+"):
        gd.derivatives(F.sin, arr([1.0], dtype=np.float32), 400)


# ---------------------------------------------------------------- logsumexp, log_softmax
def test_logsumexp_and_log_softmax_keep_a_tiny_exact_term(arr):
    exact = math.log1p(math.exp(-40.0))  # 4.248e-18
    assert_close(F.logsumexp(arr([0.0, -40.0])), exact, rtol=1e-15, atol=0)
    assert_close(F.log_softmax(arr([0.0, -40.0]), axis=0), [-exact, -40.0 - exact], rtol=1e-15, atol=0)
    assert_close(F.log_softmax(arr([[0.0, -40.0]])), [[-exact, -40.0 - exact]], rtol=1e-15, atol=0)


def test_logsumexp_with_ties_infinities_and_nan(arr):
    assert_close(F.logsumexp(arr([3.0, 3.0, 3.0])), 3.0 + math.log(3.0), rtol=1e-15, atol=0)
    assert_close(F.logsumexp(arr([1000.0, 1000.0])), 1000.0 + math.log(2.0), rtol=1e-15, atol=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert _np(F.logsumexp(arr([np.inf, 1.0]))).item() == math.inf
        assert _np(F.logsumexp(arr([-np.inf, -np.inf]))).item() == -math.inf
        assert np.isnan(_np(F.logsumexp(arr([np.nan, 1.0]))).item())


# ---------------------------------------------------------------- empty arrays
def test_reductions_of_an_empty_array_give_torchs_values_and_empty_gradients(arr):
    e = Variable(arr(np.zeros(0)))
    with np.errstate(divide="ignore", invalid="ignore"):
        for op, value in ((F.prod, 1.0), (F.logsumexp, -math.inf), (F.norm, 0.0)):
            assert _np(op(e)).item() == value
            assert _np(gd.grad(op(e), e)).shape == (0,)
            rows = gd.derivatives(op, arr(np.zeros(0)), 2)
            assert _values(rows) == [value, 0.0, 0.0]
        for op in (F.softmax, F.log_softmax):
            assert _np(op(e, axis=0)).shape == (0,)
            assert _np(gd.grad(F.sum(op(e, axis=0)), e)).shape == (0,)
            rows = gd.derivatives(lambda v, op=op: op(v, axis=0), arr(np.zeros(0)), 2)
            assert [_np(r).shape for r in rows] == [(0,)] * 3


# ---------------------------------------------------------------- clip with one bound
def test_clip_with_a_none_bound_differentiates_in_both_modes(arr):
    x = Variable(arr([0.5, 2.0]))
    assert_close(F.clip(x, None, 1.5), [0.5, 1.5], rtol=0, atol=0)
    assert_close(gd.grad(F.sum(F.clip(x, None, 1.5)), x), [1.0, 0.0], rtol=0, atol=0)
    assert_close(gd.grad(F.sum(F.clip(x, 1.0, None)), x), [0.0, 1.0], rtol=0, atol=0)
    rows = gd.derivatives(lambda v: F.clip(v, None, 1.5), arr([0.5, 2.0]), 2)
    assert _values(rows) == [[0.5, 1.5], [1.0, 0.0], [0.0, 0.0]]
    with pytest.raises(ValueError, match="x_min and x_max are both None"):
        F.clip(x, None, None)


# ---------------------------------------------------------------- graph labels
def test_a_name_with_an_html_entity_is_drawn_literally():
    x = Variable(np.array(1.0), name="&amp;")
    dot = gd.utils.get_dot_graph(x * 2)
    assert "&amp;amp;" in dot  # Graphviz reads &amp; as &: the label must say &amp;amp;


@pytest.mark.parametrize("timeout, error", [("a", TypeError), (0, ValueError), (-1.0, ValueError),
                                            (float("nan"), ValueError)])
def test_plot_dot_graph_checks_its_timeout_first(tmp_path, timeout, error):
    with pytest.raises(error, match="plot_dot_graph: timeout must be a"):
        gd.utils.plot_dot_graph(Variable(np.array(1.0)) * 2, to_file=tmp_path / "g.svg", timeout=timeout)


# ---------------------------------------------------------------- clear errors
@pytest.mark.parametrize("call, error, message", [
    (lambda a: F.stack([1.0, 2.0]), TypeError, r"stack: entry 0 is a float, not a Variable or an array"),
    (lambda a: F.stack([a([1.0]), [2.0]]), TypeError, r"stack: entry 1 is a list"),
    (lambda a: F.mean_squared_error([1.0], [2.0]), TypeError,
     r"mean_squared_error: x0 must be a Variable or an array, got list"),
    (lambda a: F.mean_squared_error(a(1.0), a(2.0)), ValueError,
     r"mean_squared_error needs inputs with at least one dimension"),
    (lambda a: F.transpose(Variable(a(1.0)), (0,)), ValueError,
     r"transpose: axes \(0,\) is not a permutation of the 0 axes of shape \(\)"),
    (lambda a: F.transpose(Variable(a(np.ones((2, 3)))), (0, 0)), ValueError,
     r"axes \(0, 0\) is not a permutation of the 2 axes"),
    (lambda a: F.cumsum(Variable(a([1.0, 2.0])), None), TypeError,
     r"cumsum: axis must be an int, got NoneType"),
    (lambda a: F.expand_dims(Variable(a([1.0])), "0"), TypeError,
     r"expand_dims: axis must be an int or a tuple/list of ints, got str"),
    (lambda a: F.softmax(Variable(a([1.0, 2.0]))), ValueError,
     r"softmax: the default axis=1 is for scores of shape \(N, C\); this input has shape \(2,\): "
     r"pass axis=0"),
    (lambda a: F.log_softmax(Variable(a([1.0, 2.0]))), ValueError, r"log_softmax: the default axis=1"),
    (lambda a: F.softmax(Variable(a(1.0))), ValueError, r"softmax needs an input with at least one axis"),
    (lambda a: F.sum(Variable(a(1.0)), axis=0), ValueError,
     r"sum: axis 0 is out of range .* a 0-d Variable has no axes: use axis=None"),
], ids=["stack-floats", "stack-list", "mse-lists", "mse-0d", "transpose-0d", "transpose-repeat",
        "cumsum-none", "expand-dims-str", "softmax-1d", "log-softmax-1d", "softmax-0d", "sum-0d"])
def test_a_bad_argument_gets_an_error_naming_it(arr, call, error, message):
    with pytest.raises(error, match=message):
        call(arr)


def test_expand_dims_takes_a_tuple_of_axes_as_numpy(arr):
    x = Variable(arr(np.ones((2, 3))))
    for axes in ((0, 1), (0, -1), [1, 3]):
        assert F.expand_dims(x, axes).shape == np.expand_dims(np.ones((2, 3)), tuple(axes)).shape
    g = gd.grad(F.sum(F.expand_dims(x, (0, -1)) * 2.0), x)
    assert_close(g, np.full((2, 3), 2.0), rtol=0, atol=0)


def test_a_dask_array_of_unknown_chunk_sizes_is_refused_naming_the_fix():
    x = da.from_array(np.array([-1.0, 2.0, 3.0]), chunks=2)
    with pytest.raises(ValueError, match=r"unknown chunk sizes .* call compute_chunk_sizes\(\)"):
        Variable(x[x > 0])
