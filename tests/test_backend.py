"""The backend seam: namespaces, mixing errors, devices."""
import numpy as np
import pytest

import gdezero as gd
from gdezero import Variable, backend


def test_namespace_of_arrays_variables_and_scalars_agree(xp, arr):
    a = arr([1.0, 2.0])
    ns = gd.get_array_module(a)
    assert gd.get_array_module(Variable(a)) is ns
    assert gd.get_array_module(2.0, a, Variable(a)) is ns
    assert Variable(a).xp is ns
    assert hasattr(ns, "sin") and hasattr(ns, "permute_dims")


def test_scalars_alone_give_the_numpy_namespace():
    assert gd.get_array_module(1.0, None).__name__ == "array_api_compat.numpy"


def test_mixing_backends_names_both_and_the_fix():
    import array_api_strict as strict
    a, b = Variable(np.ones(2)), Variable(strict.ones(2))
    with pytest.raises(TypeError, match=r"NumPy.*array_api_strict.*convert"):
        gd.get_array_module(a, b)
    with pytest.raises(TypeError, match="NumPy"):
        a + b


def test_mixing_devices_raises_value_error_naming_both():
    import array_api_strict as strict
    a = Variable(strict.ones(2, device=strict.Device("CPU_DEVICE")))
    b = Variable(strict.ones(2, device=strict.Device("device1")))
    with pytest.raises(ValueError, match=r"CPU_DEVICE.*device1"):
        a * b


def test_constants_are_created_on_the_input_device():
    import array_api_strict as strict
    device = strict.Device("device1")
    x = Variable(strict.asarray([1.0, 2.0], device=device))
    y = gd.functions.sum(1 - x * 2)
    g = gd.grad(y, x, create_graph=True)
    assert y.device == device and g.device == device
    assert gd.grad(gd.functions.sum(g * g), x).device == device


def test_to_gpu_without_cupy_or_cuda_says_what_is_missing(arr):
    if gd.gpu_available():
        pytest.skip("a CUDA device is present: to_gpu succeeds here")
    with pytest.raises(RuntimeError, match=r"CuPy|CUDA|GPU"):
        Variable(arr([1.0])).to_gpu()


def test_to_gpu_on_numpy_without_cupy_names_the_install_command(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_cupy(name, *args, **kwargs):
        if name == "cupy" or name.startswith("cupy."):
            raise ImportError("No module named 'cupy'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_cupy)
    with pytest.raises(RuntimeError, match=r"CuPy.*pip install"):
        Variable(np.ones(2)).to_gpu()
    assert not gd.gpu_available()


def test_to_gpu_on_array_api_strict_has_no_gpu_flavour():
    import array_api_strict as strict
    with pytest.raises(RuntimeError, match="no GPU flavour"):
        Variable(strict.ones(2)).to_gpu()


def test_to_cpu_on_cpu_data_changes_nothing(arr):
    a = arr([1.0, 2.0])
    v = Variable(a)
    v.grad = Variable(arr([3.0, 4.0]))
    assert v.to_cpu() is v and v.data is a and type(v.grad.data) is type(a)


def test_to_numpy_converts_any_backend(arr):
    out = backend.to_numpy(arr([1.0, 2.0]))
    assert isinstance(out, np.ndarray) and out.tolist() == [1.0, 2.0]


def test_unknown_array_type_is_a_clear_type_error():
    class NotAnArray:
        __array_namespace__ = None
    with pytest.raises(TypeError, match="NotAnArray"):
        gd.get_array_module(NotAnArray())


def test_get_array_module_accepts_numpy_scalar():
    assert gd.get_array_module(np.float64(2.0)) is gd.get_array_module(np.ones(1))
