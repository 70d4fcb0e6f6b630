"""CuPy on a CUDA device: results equal NumPy's, gradients stay on the GPU, moves round-trip.

Collected everywhere; conftest skips them (with the reason) without CuPy and a CUDA device,
so nothing here may import CuPy at module level.
"""
import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable

pytestmark = pytest.mark.gpu


@pytest.fixture
def cupy():
    import cupy
    return cupy


def rosenbrock(x):
    head, tail = x[:-1], x[1:]
    return F.sum(100 * (tail - head ** 2) ** 2 + (1 - head) ** 2)


def assert_equal_to_numpy(cupy, got, expected, rtol=1e-12):
    assert isinstance(got.data, cupy.ndarray)
    expected = np.asarray(expected.data)
    atol = rtol * float(np.max(np.abs(expected)))  # relative to the scale: FMA may move the last bit
    np.testing.assert_allclose(cupy.asnumpy(got.data), expected, rtol=rtol, atol=atol)


def graph_variables(v):
    """Every Variable reachable from `v` through creators (the recorded backward graph too)."""
    seen, stack, found = set(), [v], []
    while stack:
        var = stack.pop()
        found.append(var)
        f = var.creator
        if f is None or id(f) in seen:
            continue
        seen.add(id(f))
        stack.extend(f.inputs)
        stack.extend(out for out in (ref() for ref in f.outputs) if out is not None)
    return found


def test_sin_and_three_derivatives_on_cupy_equal_numpy(cupy):
    x = np.linspace(-7, 7, 200)
    on_gpu = gd.derivatives(F.sin, cupy.asarray(x), 3)
    on_cpu = gd.derivatives(F.sin, x, 3)
    for got, expected in zip(on_gpu, on_cpu):
        assert_equal_to_numpy(cupy, got, expected)


def test_rosenbrock_hvp_on_cupy_equals_numpy(cupy):
    rng = np.random.default_rng(0)
    x, v = rng.uniform(-2, 2, 1000), rng.normal(size=1000)
    assert_equal_to_numpy(cupy, rosenbrock(Variable(cupy.asarray(x))), rosenbrock(Variable(x)))
    got = gd.hvp(rosenbrock, cupy.asarray(x), cupy.asarray(v))
    assert_equal_to_numpy(cupy, got, gd.hvp(rosenbrock, x, v))


def test_to_gpu_then_create_graph_backward_keeps_every_gradient_on_the_gpu(cupy):
    data = np.array([0.5, -1.0, 2.0])
    x = Variable(data.copy())
    assert x.to_gpu() is x and isinstance(x.data, cupy.ndarray)
    y = F.sum(F.tanh(x) * x ** 3 / 2)
    y.backward(create_graph=True, retain_grad=True)
    second = gd.grad(F.sum(x.grad), x)
    for v in graph_variables(x.grad) + graph_variables(second) + [y.grad]:
        assert isinstance(v.data, cupy.ndarray), v.creator
    x_cpu = Variable(data)
    F.sum(F.tanh(x_cpu) * x_cpu ** 3 / 2).backward(create_graph=True)
    assert_equal_to_numpy(cupy, x.grad, x_cpu.grad)
    assert_equal_to_numpy(cupy, second, gd.grad(F.sum(x_cpu.grad), x_cpu))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_to_cpu_round_trips_data_and_grad_exactly(cupy, dtype):
    rng = np.random.default_rng(1)
    data, grad = rng.normal(size=(3, 4)).astype(dtype), rng.normal(size=(3, 4)).astype(dtype)
    x = Variable(data.copy())
    x.grad = Variable(grad.copy())
    x.to_gpu()
    assert isinstance(x.data, cupy.ndarray) and isinstance(x.grad.data, cupy.ndarray)
    assert x.to_cpu() is x
    assert isinstance(x.data, np.ndarray) and x.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_array_equal(x.data, data)
    np.testing.assert_array_equal(x.grad.data, grad)


def test_to_gpu_on_a_missing_device_index_is_a_clear_error(cupy):
    count = cupy.cuda.runtime.getDeviceCount()
    if count > 1:
        pytest.skip(f"{count} CUDA devices here: device=1 exists")
    x = Variable(np.ones(2))
    with pytest.raises(RuntimeError, match=r"device=1.*sees 1 CUDA device.*0\.\.0"):
        x.to_gpu(device=1)
    assert isinstance(x.data, np.ndarray)


def test_mixing_numpy_and_cupy_is_a_type_error_naming_both(cupy):
    with pytest.raises(TypeError, match=r"NumPy.*CuPy.*convert one"):
        Variable(np.ones(2)) + Variable(cupy.ones(2))


@pytest.mark.parametrize("key", [np.array([0, 5]), np.array([-6]), (slice(None), np.array([2, 2]))],
                         ids=["past-the-end", "below-minus-n", "second-axis"])
def test_an_out_of_range_index_on_cupy_raises_where_cupy_itself_would_wrap(cupy, key):
    data = np.arange(10.0).reshape(5, 2)
    on_gpu = tuple(cupy.asarray(k) if isinstance(k, np.ndarray) else k for k in key) \
        if isinstance(key, tuple) else cupy.asarray(key)
    with pytest.raises(IndexError, match=r"out of bounds for axis \d with size \d"):
        Variable(cupy.asarray(data))[on_gpu]


def test_the_gradients_scatter_on_cupy_raises_for_an_out_of_range_index(cupy):
    from gdezero.ops.shapes import GetItemGrad
    with pytest.raises(IndexError, match=r"index 3 is out of bounds for axis 0 with size 3"):
        GetItemGrad(cupy.asarray([0, 3]), (3,))(Variable(cupy.ones(2)))


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_getitem_gradient_with_repeated_indices_on_cupy_equals_numpy_add_at(cupy, dtype, rtol):
    rng = np.random.default_rng(2)
    x, index = rng.normal(size=100).astype(dtype), rng.integers(-100, 100, 5000)
    w = rng.normal(size=5000).astype(dtype)
    expected = np.zeros_like(x)
    np.add.at(expected, index, w)
    xv = Variable(cupy.asarray(x))
    g = gd.grad(F.sum(xv[cupy.asarray(index)] * cupy.asarray(w)), xv)
    assert g.dtype == dtype and isinstance(g.data, cupy.ndarray)
    np.testing.assert_allclose(cupy.asnumpy(g.data), expected, rtol=rtol, atol=rtol * np.abs(expected).max())


def test_cupy_scatters_through_its_add_at_where_it_has_one(cupy):
    from gdezero.backend import _cupy as cupy_quirks
    at = getattr(cupy.add, "at", None)
    if at is None:
        pytest.skip(f"CuPy {cupy.__version__} has no add.at: cupyx.scatter_add is used")
    assert cupy_quirks.add_at(cupy) == at
