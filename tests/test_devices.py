"""Devices and backends: constants follow the inputs' device, moves, mixing errors.

array_api_strict's second device ('device1') stands in for a GPU, so device handling is
tested on every machine; the torch checks run wherever torch is importable.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import array_api_strict as strict
import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable, backend
from gdezero.backend import to_numpy
from gdezero.utils import gradient_check, numerical_grad

CPU, DEVICE1 = strict.Device("CPU_DEVICE"), strict.Device("device1")
DATA = np.array([[0.3, 0.9, 1.7], [0.2, -0.4, 0.6]])
ROOT = Path(__file__).resolve().parent.parent


def on(device, data=DATA, dtype=strict.float64):
    return strict.asarray(np.asarray(data), dtype=dtype, device=device)


def _int_index(v, values):
    return strict.asarray(values, device=v.device)


# name: f(Variable) -> scalar Variable, built so that its backward creates constants
DEVICE_CASES = {
    "python_scalars": lambda v: F.sum(1 - v * 2 + 3 / (v + 4) + 2.0 ** v),
    "masks": lambda v: F.sum(F.relu(v) * F.sigmoid(v) + F.clip(v, 0.25, 1.0) ** 2 + F.leaky_relu(v)),
    "get_item_basic": lambda v: F.sum(v[:, 1:] ** 3) + F.sum(v[None, 1, ...] ** 2),
    "get_item_integer_arrays": lambda v: F.sum(
        v[_int_index(v, [0, 1, 1]), _int_index(v, [2, 0, 2])] ** 3),
    "get_item_repeated_list": lambda v: F.sum(F.reshape(v, (6,))[[0, 0, 5]] ** 3),
    "softmax_cross_entropy": lambda v: F.softmax_cross_entropy(v ** 2, _int_index(v, [2, 0])),
    "max_min": lambda v: F.sum(F.max(v, axis=1) ** 2) + F.min(v) ** 3,
    "mean": lambda v: F.sum(F.mean(v ** 3, axis=0)) + F.mean(v) ** 2,
    "matmul_softmax": lambda v: F.sum(F.softmax(F.matmul(v, v.T)) * F.log_softmax(v @ v.T)),
}


@pytest.mark.parametrize("name", DEVICE_CASES)
def test_every_order_stays_on_the_input_device_and_matches_the_default_device(name):
    f = DEVICE_CASES[name]
    on_device1 = gd.derivatives(f, on(DEVICE1), 3)
    on_cpu = gd.derivatives(f, on(CPU), 3)
    for order, (got, expected) in enumerate(zip(on_device1, on_cpu)):
        assert got.device == DEVICE1, f"order {order} left device1"
        np.testing.assert_array_equal(to_numpy(got.data), to_numpy(expected.data))


def test_backward_seeds_and_create_graph_grads_stay_on_the_device():
    x = Variable(on(DEVICE1))
    y = F.sum(F.tanh(x) * x)
    y.backward(create_graph=True)
    assert y.grad.device == DEVICE1 and x.grad.device == DEVICE1
    assert x.grad.creator is not None
    unused = Variable(on(DEVICE1, [1.0, 2.0]))
    assert gd.grad(y, unused).device == DEVICE1  # zeros for an unconnected input


def test_hessian_jacobian_and_hvp_on_the_device_equal_closed_forms():
    data = np.array([0.5, -1.0, 2.0])
    x = on(DEVICE1, data)
    hessian = gd.hessian(lambda v: F.sum(v ** 3), x)
    jacobian = gd.jacobian(F.sin, x)
    hvp = gd.hvp(lambda v: F.sum(v ** 3), x, on(DEVICE1, [1.0, 2.0, 3.0]))
    assert hessian.device == jacobian.device == hvp.device == DEVICE1
    np.testing.assert_allclose(to_numpy(hessian.data), np.diag(6 * data), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(jacobian.data), np.diag(np.cos(data)), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(hvp.data), 6 * data * [1.0, 2.0, 3.0], rtol=1e-12)


def test_numerical_grad_and_gradient_check_on_the_device():
    x = on(DEVICE1)
    slopes = numerical_grad(lambda v: F.sum(v ** 2), x)
    assert slopes.device == DEVICE1
    np.testing.assert_allclose(to_numpy(slopes), 2 * DATA, rtol=1e-8)
    assert gradient_check(lambda v: F.sin(v) * v, x)
    assert gradient_check(F.exp, strict.asarray([1, 2], device=DEVICE1))  # integers become float64


@pytest.mark.parametrize("op", [
    lambda a, b: a + b,
    lambda a, b: F.matmul(a, F.transpose(b)),
    lambda a, b: gd.grad(a * a, a, grad_outputs=b),
], ids=["add", "matmul", "grad_outputs"])
def test_mixing_devices_raises_value_error_naming_both(op):
    a, b = Variable(on(CPU)), Variable(on(DEVICE1))
    with pytest.raises(ValueError, match=r"(?=.*CPU_DEVICE)(?=.*device1).*to_gpu"):  # either order
        op(a, b)


def test_labels_on_another_device_are_a_value_error_not_a_silent_copy():
    with pytest.raises(ValueError, match=r"device1.*CPU_DEVICE"):
        F.softmax_cross_entropy(Variable(on(DEVICE1)), strict.asarray([2, 0], device=CPU))


def test_an_index_array_on_another_device_is_a_value_error_naming_both():
    with pytest.raises(ValueError, match=r"device1.*CPU_DEVICE"):
        F.get_item(Variable(on(DEVICE1)), (strict.asarray([0, 1], device=CPU), 0))


def test_to_gpu_of_an_empty_variable_says_there_is_no_data():
    with pytest.raises(RuntimeError, match="no data"):
        Variable(None).to_gpu()


@pytest.mark.parametrize("device, index", [
    (None, 0), (1, 1), ("cuda", 0), ("cuda:2", 2)], ids=["none", "int", "cuda", "cuda_index"])
def test_to_gpu_device_arguments_give_a_cuda_index(device, index):
    assert backend._device_index(device) == index


def test_to_gpu_rejects_a_device_string_that_is_not_cuda():
    with pytest.raises(ValueError, match=r"'cpu'.*CUDA device index"):
        backend._device_index("cpu")


# ----------------------------------------------------------------------------- torch
@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="torch is not installed (pip install torch)")


@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
def test_torch_derivatives_are_plain_tensors_of_the_input_dtype(torch, dtype_name):
    dtype = getattr(torch, dtype_name)
    data = np.array([0.3, 0.9, 1.7])
    x = Variable(torch.tensor(data, dtype=dtype))
    values = gd.derivatives(lambda v: F.sin(v) * 2.0 + 1, x, 3)
    closed_forms = [2 * np.sin(data) + 1, 2 * np.cos(data), -2 * np.sin(data), -2 * np.cos(data)]
    tolerance = 1e-6 if dtype_name == "float32" else 1e-12
    for got, expected in zip(values, closed_forms):
        assert type(got.data) is torch.Tensor and got.dtype == dtype
        assert not got.data.requires_grad and got.data.grad_fn is None  # torch autograd unused
        np.testing.assert_allclose(got.data.numpy(), expected, rtol=tolerance, atol=tolerance)


def test_torch_backward_with_create_graph_never_sets_requires_grad(torch):
    x = Variable(torch.tensor([0.5, -1.0], dtype=torch.float32))
    y = F.sum(F.exp(x) * x ** 2)
    y.backward(create_graph=True)
    second = gd.grad(F.sum(x.grad), x)
    for v in (x, y, y.grad, x.grad, second):
        assert v.dtype == torch.float32 and not v.data.requires_grad


def test_mixing_numpy_and_torch_is_a_type_error_naming_both(torch):
    a, b = Variable(np.ones(2)), Variable(torch.ones(2, dtype=torch.float64))
    with pytest.raises(TypeError, match=r"NumPy.*PyTorch.*convert one"):
        a * b
    with pytest.raises(TypeError, match=r"PyTorch.*NumPy.*convert one"):
        gd.get_array_module(b, a)


def test_torch_to_gpu_without_cuda_is_a_runtime_error(torch):
    if torch.cuda.is_available():
        pytest.skip("torch sees a CUDA device here; tests/gpu covers the move")
    x = Variable(torch.ones(2))
    with pytest.raises(RuntimeError, match=r"no CUDA device.*install a CUDA build"):
        x.to_gpu()
    assert x.device.type == "cpu"


def test_torch_to_cpu_on_a_cpu_tensor_is_a_no_op(torch):
    data, grad = torch.ones(2), torch.zeros(2)
    x = Variable(data)
    x.grad = Variable(grad)
    assert x.to_cpu() is x and x.data is data and x.grad.data is grad


# ----------------------------------------------------------------------------- GPU tests
def test_gpu_tests_are_collected_and_skipped_with_the_reason_without_a_gpu():
    if gd.gpu_available():
        pytest.skip("CuPy sees a CUDA device here, so the GPU tests run instead of skipping")
    env = {**os.environ, "GDEZERO_BACKEND": "numpy", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/gpu", "-rs", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "needs CuPy and a CUDA device" in output, output
    skipped = re.search(r"(\d+) skipped", output)
    assert skipped and int(skipped.group(1)) >= 5, output
    assert "failed" not in output and "error" not in output.lower(), output
