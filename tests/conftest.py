"""One backend per run, chosen by GDEZERO_BACKEND (numpy | array_api_strict | torch | cupy)."""
import os

import numpy as np
import pytest

import gdezero as gd

BACKEND = os.environ.get("GDEZERO_BACKEND", "numpy")


def _namespace(name):
    if name == "numpy":
        import array_api_compat.numpy as xp
    elif name == "array_api_strict":
        import array_api_strict as xp
    elif name == "torch":
        import array_api_compat.torch as xp
    elif name == "cupy":
        cupy = pytest.importorskip(
            "cupy", reason="GDEZERO_BACKEND=cupy needs CuPy (pip install cupy-cuda12x)")
        if not gd.gpu_available():
            pytest.skip("GDEZERO_BACKEND=cupy needs a CUDA device; none is visible on this machine",
                        allow_module_level=True)
        import array_api_compat.cupy as xp
        del cupy
    else:
        raise pytest.UsageError(
            f"unknown GDEZERO_BACKEND={name!r}; use numpy, array_api_strict, torch or cupy")
    return xp


def pytest_report_header(config):
    return f"gdezero backend: GDEZERO_BACKEND={BACKEND}"


def pytest_collection_modifyitems(config, items):
    if gd.gpu_available():
        return
    skip = pytest.mark.skip(reason="needs CuPy and a CUDA device; none is available on this machine")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
    if BACKEND == "cupy":
        for item in items:
            item.add_marker(pytest.mark.skip(
                reason="GDEZERO_BACKEND=cupy but CuPy or a CUDA device is missing on this machine"))


@pytest.fixture(scope="session")
def xp():
    """The Array API namespace of the backend under test."""
    return _namespace(BACKEND)


@pytest.fixture
def arr(xp):
    """Build a float64 (default) array of the backend under test from Python/NumPy data."""
    def make(data, dtype=None):
        data = np.asarray(data, dtype=np.float64 if dtype is None else dtype)
        return xp.asarray(data)
    return make
