"""A Variable works where an array or a number is expected: NumPy and Matplotlib see its data,
float/int/bool/item give Python numbers (size 1 only), and abs/mean/astype are ops.

On Dask, ``np.asarray(v)`` and the number conversions compute the array (as ``np.asarray``
on a Dask array does); on array_api_strict they work through its own 0-d conversions.
"""
import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero.backend import to_numpy
from tests.conftest import BACKEND
from tests.helpers import assert_close

X = np.array([[1.5, -2.0, 0.5], [3.0, 0.25, -1.0]])


# ============================================================================ NumPy and Matplotlib
def test_np_asarray_sees_the_data_not_an_object_array(arr):
    v = gd.Variable(arr(X))
    a = np.asarray(v)
    assert a.dtype == np.float64 and a.shape == (2, 3)
    np.testing.assert_array_equal(a, X)
    assert np.asarray(v, dtype=np.float32).dtype == np.float32
    np.testing.assert_allclose(v * 2, 2 * X)  # NumPy's testing helpers take Variables directly


def test_np_asarray_records_no_graph(arr):
    x = gd.Variable(arr(X))
    y = x * 2
    creator, generation = y.creator, y.generation
    np.asarray(y)
    assert y.creator is creator and y.generation == generation
    assert x.grad is None and y.grad is None
    assert_close(gd.grad(F.sum(y), x), np.full_like(X, 2.0))


def test_matplotlib_plots_a_variable(arr):
    matplotlib = pytest.importorskip("matplotlib", reason="plotting needs matplotlib (the viz extra)")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    x = gd.Variable(arr(np.linspace(0.0, 1.0, 5)))
    y = F.sin(x)
    fig, ax = plt.subplots()
    try:
        (line,) = ax.plot(x, y)
        np.testing.assert_allclose(line.get_xdata(), np.linspace(0.0, 1.0, 5))
        np.testing.assert_allclose(line.get_ydata(), np.sin(np.linspace(0.0, 1.0, 5)))
    finally:
        plt.close(fig)


@pytest.mark.gpu
def test_cupy_data_refuses_np_asarray_as_cupy_does():
    cupy = pytest.importorskip("cupy", reason="needs CuPy")
    v = gd.Variable(cupy.asarray(X))
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.asarray(v)
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.asarray(v.data)


# ============================================================================ Python numbers
@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_float_int_bool_item_of_one_element(arr, shape):
    v = gd.Variable(arr(np.full(shape, 2.75)))
    assert float(v) == 2.75 and isinstance(float(v), float)
    assert int(v) == 2
    assert bool(v) is True
    assert v.item() == 2.75 and type(v.item()) is float
    assert bool(gd.Variable(arr(np.zeros(shape)))) is False


def test_item_keeps_the_dtype_kind(arr):
    assert type(gd.Variable(arr(np.array([3]), dtype=np.int64)).item()) is int
    assert gd.Variable(arr(np.array(True), dtype=bool)).item() is True


def test_abs_in_a_while_loop_with_a_data_dependent_stop(arr):
    a = arr(np.array(2.0))
    x = gd.Variable(arr(np.array(1.0)))
    steps = 0
    while abs(x * x - a) > 1e-12:  # Newton on x^2 = 2: abs() and the comparison and bool()
        x = x - (x * x - a) / (2 * x)
        steps += 1
    assert steps < 10
    assert abs(float(x) - np.sqrt(2.0)) < 1e-12


def test_more_than_one_element_gives_the_backends_ambiguity_error(arr):
    v = gd.Variable(arr(X))
    with pytest.raises((ValueError, TypeError, RuntimeError)) as info:
        bool(v)
    with pytest.raises((ValueError, TypeError, RuntimeError)) as expected:
        bool(v.data)
    assert type(info.value) is type(expected.value) and str(info.value) == str(expected.value)
    with pytest.raises((ValueError, TypeError, RuntimeError)):
        float(v)
    with pytest.raises(ValueError, match=r"item\(\): this Variable has shape \(2, 3\) \(6 elements\)"):
        v.item()


def test_number_conversions_record_no_graph(arr):
    x = gd.Variable(arr(np.array(3.0)))
    y = x * x
    float(y), int(y), bool(y), y.item()
    assert y.creator is not None and x.creator is None
    assert_close(gd.grad(y, x), 6.0)


# ============================================================================ differentiable methods
def test_abs_is_F_abs(arr):
    x = gd.Variable(arr(X))
    y = abs(x)
    assert type(y.creator).__name__ == "Abs"
    assert_close(y, np.abs(X))
    assert_close(gd.grad(F.sum(y), x), np.sign(X))


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_mean_method_is_F_mean(arr, axis):
    x = gd.Variable(arr(X))
    assert_close(x.mean(axis=axis), np.mean(X, axis=axis))
    assert_close(x.mean(axis, keepdims=True), np.mean(X, axis=axis, keepdims=True))
    count = X.size if axis is None else np.prod([X.shape[a] for a in np.atleast_1d(axis)])
    assert_close(gd.grad(F.sum(x.mean(axis)), x), np.full_like(X, 1.0 / count))


def test_astype_between_floats_is_differentiable_to_any_order(xp, arr):
    x = gd.Variable(arr(X))
    y = x.astype(xp.float32)
    assert y.dtype == xp.float32
    assert_close(y, X.astype(np.float32), rtol=1e-7)
    g = gd.grad(F.sum(y ** 3), x, create_graph=True)
    assert g.dtype == xp.float64
    assert_close(g, 3 * X ** 2, rtol=1e-6)
    assert_close(gd.grad(F.sum(g), x), 6 * X, rtol=1e-6)
    assert x.astype("float32").dtype == xp.float32  # a name, looked up on x's namespace


def test_astype_taylor_rule_matches_reverse_mode(xp, arr):
    def f(x):
        return F.sin(x.astype(xp.float32)).astype(xp.float64) * x
    x = arr(np.array([0.3, 1.1]))
    taylor = gd.derivatives(f, x, 3, method="taylor")
    reverse = gd.derivatives(f, x, 3, method="reverse")
    for a, b in zip(taylor, reverse):
        assert_close(a, to_numpy(b.data), rtol=1e-6, atol=1e-6)


def test_astype_to_an_integer_dtype_passes_no_gradient(xp, arr):
    x = gd.Variable(arr(np.array([1.7, -2.2])))
    n = x.astype(xp.int64)
    assert n.dtype == xp.int64
    np.testing.assert_array_equal(to_numpy(n.data), [1, -2])
    # back to float (array_api_strict promotes no int with float): only the path through x counts
    assert_close(gd.grad(F.sum(n.astype(xp.float64) * x), x), [1.0, -2.0])


def test_astype_unknown_name_is_a_value_error(arr):
    with pytest.raises(ValueError, match="has no dtype named 'exp'"):
        gd.Variable(arr(X)).astype("exp")


@pytest.mark.skipif(BACKEND != "dask", reason="what np.asarray does to a lazy array is Dask's")
def test_np_asarray_computes_a_dask_variable(arr):
    import dask.array as da
    v = gd.Variable(arr(X)) * 2
    assert isinstance(v.data, da.Array)
    np.testing.assert_array_equal(np.asarray(v), 2 * X)
