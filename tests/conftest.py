"""One backend per run, chosen by GDEZERO_BACKEND (numpy | array_api_strict | torch | dask | cupy)."""
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
    elif name == "dask":
        import array_api_compat.dask.array as xp
        import dask
        dask.config.set(scheduler="threads")  # the distributed subset starts its own cluster
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
            f"unknown GDEZERO_BACKEND={name!r}; use numpy, array_api_strict, torch, dask or cupy")
    return xp


def pytest_report_header(config):
    return f"gdezero backend: GDEZERO_BACKEND={BACKEND}"


# Tests that cannot work on Dask, with the reason (node id without parameters -> reason).
DASK_SKIPS = {
    "test_core.py::test_properties_len_and_repr":
        "a Dask array prints its lazy summary, not its values (printing never computes)",
    "test_core.py::test_long_chain_backprop_has_no_recursion_error":
        "a 20k-layer Dask task graph takes minutes to build; the eager backends test the iteration",
    "test_core.py::test_newton_loop_with_create_graph_does_not_grow_memory":
        "20,000 Dask scheduler round trips take minutes; memory growth is measured on the eager backends",
    "test_functional.py::test_hvp_on_rosenbrock_equals_hessian_times_v":
        "gd.hessian at n = 1,000 is 1,000 lazy backward graphs (~10^5 Dask tasks, minutes); "
        "test_dask.py checks Dask HVPs against the analytic Hessian",
    "test_optimize.py::test_gd_at_lr_0_001_keeps_approaching_rosenbrock_minimum":
        "10,000 gradient-descent steps are ~30,000 Dask scheduler round trips (minutes); "
        "gd's per-step logic is backend-independent and runs on the eager backends",
    "test_optimize.py::test_newton_cg_solves_rosenbrock_n_with_n_1000":
        "~500 Dask graphs of ~300 tasks (38 iterations, ~200 CG steps): minutes of scheduler "
        "overhead; test_dask.py runs Newton-CG on Dask to tolerance at a small n",
    "test_op_edge_cases.py::test_sin_beyond_order_170_in_float64":
        "173 orders of recurrences are tens of thousands of Dask tasks (23 s); the power-of-two "
        "scaling it checks is backend-independent and runs on the eager backends",
    "test_graph.py::test_20001_node_chain_exports_without_recursion":
        "a 10k-layer Dask task graph takes minutes to build; DOT export is backend-independent",
}


def pytest_collection_modifyitems(config, items):
    if BACKEND == "dask":
        for item in items:
            reason = DASK_SKIPS.get(item.nodeid.split("/")[-1].split("[")[0])
            if reason is not None:
                item.add_marker(pytest.mark.skip(reason=reason))
    if gd.gpu_available():
        return
    skip = pytest.mark.skip(reason="needs CuPy and a CUDA device; none is available on this machine")
    for item in items:
        if item.get_closest_marker("gpu") is not None:  # not keywords: a checkout folder named gpu is one
            item.add_marker(skip)
    if BACKEND == "cupy":
        for item in items:
            item.add_marker(pytest.mark.skip(
                reason="GDEZERO_BACKEND=cupy but CuPy or a CUDA device is missing on this machine"))


@pytest.fixture(scope="session")
def xp():
    """The Array API namespace of the backend under test."""
    return _namespace(BACKEND)


def _two_blocks_per_axis(shape):
    """Dask chunks splitting every axis longer than 1 in two (uneven for odd lengths): every
    kernel sees several blocks, and the task count stays small enough for a fast suite."""
    return tuple(max(1, -(-n // 2)) for n in shape)


@pytest.fixture
def arr(xp):
    """Build a float64 (default) array of the backend under test from Python/NumPy data."""
    def make(data, dtype=None):
        data = np.asarray(data, dtype=np.float64 if dtype is None else dtype)
        if BACKEND == "dask":
            import dask.array as da
            return da.from_array(data, chunks=_two_blocks_per_axis(data.shape))
        return xp.asarray(data)
    return make
