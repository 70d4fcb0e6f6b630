"""Dask as a backend: NumPy operands beside Dask data, native scatter-add,
boolean masks, reshapes across chunks, Newton's solve, a graph that does not grow with
Newton-CG's iterations, and a subset on a LocalCluster with two worker processes."""
import os
import time

import numpy as np
import pytest

import gdezero as gd
from gdezero import Variable, backend
from gdezero import functions as F
from gdezero.ops.shapes import getitem_grad
from gdezero.optimize import minimize
from helpers import assert_close

BACKEND = os.environ.get("GDEZERO_BACKEND", "numpy")
pytestmark = pytest.mark.skipif(
    BACKEND != "dask", reason="Dask-specific tests run with GDEZERO_BACKEND=dask (nox -s 'tests(dask)')")
da = pytest.importorskip("dask.array", reason="the Dask tests need dask[array] (pip install 'gdezero[dask]')")
dask = pytest.importorskip("dask")

def chunked(data, chunks=2):
    return da.from_array(np.asarray(data, dtype=np.float64), chunks=chunks)


def rosenbrock_n(x):
    return F.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_hvp_exact(x, v):
    """H v of Rosenbrock-n from its tridiagonal Hessian, in NumPy."""
    x, v = np.asarray(x), np.asarray(v)
    diag = np.zeros_like(x)
    diag[:-1] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    diag[1:] += 200
    off = -400 * x[:-1]
    hv = diag * v
    hv[:-1] += off * v[1:]
    hv[1:] += off * v[:-1]
    return hv


class TaskCounter(dask.callbacks.Callback):
    """The number of tasks of every graph handed to the local scheduler."""

    def __init__(self):
        super().__init__()
        self.sizes = []

    def _start(self, dsk):
        self.sizes.append(len(dsk))


# ----------------------------------------------------------------------------- NumPy beside Dask
def test_numpy_operands_beside_dask_give_the_dask_namespace_and_torch_stays_an_error():
    x = chunked([1.0, 2.0, 3.0])
    ns = gd.get_array_module(x)
    assert gd.get_array_module(np.ones(3), x) is ns and gd.get_array_module(x, np.ones(3)) is ns
    torch = pytest.importorskip("torch", reason="the NumPy-with-torch case needs torch")
    with pytest.raises(TypeError, match="cannot mix array backends"):
        gd.get_array_module(np.ones(3), torch.ones(3))


def test_harmonise_wraps_numpy_into_dask_only_beside_dask():
    x = chunked([1.0, 2.0, 3.0])
    a, b, c = backend.harmonise(np.array([4.0, 5.0, 6.0]), x, 2.0)
    assert backend.is_lazy(a) and b is x and c == 2.0
    assert a.compute().tolist() == [4.0, 5.0, 6.0]
    n = np.ones(2)
    assert backend.harmonise(n, n)[0] is n  # no Dask operand: nothing changes


def test_a_numpy_gradient_from_a_custom_backward_comes_back_as_dask():
    class Double(gd.Function):
        def forward(self, x):
            return x * 2.0

        def backward(self, gy):
            return np.full(3, 2.0)  # NumPy, beside a Dask input: wrapped, never handed out as is

    x = Variable(chunked([1.0, 2.0, 3.0]))
    g = gd.grad(F.sum(Double()(x)), x)
    assert isinstance(g.data, da.Array)
    assert_close(g, np.full(3, 2.0), atol=0)


def test_arithmetic_with_a_raw_numpy_array_stays_lazy_and_differentiates():
    x = Variable(chunked([1.0, 2.0, 3.0, 4.0]))
    w = np.array([1.0, -2.0, 3.0, 0.5])
    y = F.sum(x * w + w)
    assert backend.is_lazy(y.data) and float(y.data) == pytest.approx(1 - 4 + 9 + 2 + 2.5)
    g = gd.grad(y, x)
    assert backend.is_lazy(g.data)
    assert_close(g, w)


def test_numpy_index_array_and_numpy_labels_beside_dask_data():
    x = Variable(chunked([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0], [2.0, 2.0, 2.0]]))
    g = gd.grad(F.sum(x[np.array([0, 2, 2])]), x)
    assert_close(g, [[1, 1, 1], [0, 0, 0], [2, 2, 2]])
    labels = np.array([1, 2, 0])
    loss = F.softmax_cross_entropy(x, labels)
    logits = x.data.compute()
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    assert float(loss.data) == pytest.approx(-log_p[np.arange(3), labels].mean(), rel=1e-12)


# ----------------------------------------------------------------------------- chunk layout
def test_the_gradient_of_a_sum_comes_back_in_the_inputs_chunks():
    # Dask alone broadcasts the scalar seed to one block of x's full length, which the first
    # elementwise op (here 3 * ...) materialises whole: 800 MB in one task at n = 1e8
    x = Variable(chunked(np.arange(12.0), chunks=3))
    assert gd.grad(F.sum(x), x).data.chunks == ((3, 3, 3, 3),)  # the broadcast seed itself
    g = gd.grad(F.sum(3 * x ** 2), x)
    assert g.data.chunks == x.data.chunks
    assert_close(g, 6 * np.arange(12.0))
    m = Variable(chunked(np.ones((4, 6)), chunks=(2, 3)))
    for y in (F.sum(F.sum(2 * m, axis=1)), F.sum(2 * m, axis=0), F.sum(m * np.arange(6.0))):
        assert gd.grad(F.sum(y), m).data.chunks == m.data.chunks  # sum: gd.grad needs a scalar
    assert_close(gd.grad(F.sum(m * np.arange(6.0)), m), np.tile(np.arange(6.0), (4, 1)))


def test_slices_line_up_and_the_rosenbrock_gradient_keeps_the_iterates_chunks():
    # Dask alone: x[1:] in blocks (2, 3, 3, 3), x[:-1] in (3, 3, 3, 2); their difference in
    # the common refinement, and the gradient in 1-element blocks an optimiser's step inherits
    x = Variable(chunked(np.linspace(-1.0, 2.0, 12), chunks=3))
    assert x[1:].data.chunks == x[:-1].data.chunks == ((3, 3, 3, 2),)
    g = gd.grad(rosenbrock_n(x), x)
    assert g.data.chunks == x.data.chunks
    hv = gd.hvp(rosenbrock_n, x, chunked(np.ones(12), chunks=3))
    assert hv.data.chunks == x.data.chunks
    assert_close(hv, rosenbrock_hvp_exact(x.data.compute(), np.ones(12)), rtol=1e-12)
    m = Variable(chunked(np.arange(24.0).reshape(4, 6), chunks=(2, 3)))
    assert m[1:, :-1].data.chunks == ((2, 1), (3, 2))
    assert_close(gd.grad(F.sum(m[1:, 2:] * 2), m), np.pad(np.full((3, 4), 2.0), ((1, 0), (2, 0))))


# ----------------------------------------------------------------------------- scatter-add
def test_scatter_add_on_dask_is_a_bincount_not_a_one_hot_matrix():
    rng = np.random.default_rng(0)
    size, count = 14_286, 100_000
    index = rng.integers(-size, size, count)
    values = rng.standard_normal(count)
    out = da.zeros(size, chunks=2_000)
    start = time.perf_counter()
    result = backend.scatter_add(gd.get_array_module(out), out, index, da.from_array(values, chunks=10_000))
    names = {str(k[0] if isinstance(k, tuple) else k).split("-")[0] for k in result.__dask_graph__()}
    computed = result.compute()
    elapsed = time.perf_counter() - start
    expected = np.zeros(size)
    np.add.at(expected, index, values)
    np.testing.assert_allclose(computed, expected, rtol=1e-12, atol=1e-12)
    assert any("bincount" in n for n in names) and not any("matmul" in n for n in names), names
    assert elapsed < 10, f"scatter-add of {count} values took {elapsed:.1f} s"  # one-hot: ~66 s


def test_scatter_add_on_dask_keeps_float32_and_a_2d_shape():
    out = da.zeros((3, 4), dtype=np.float32, chunks=2)
    values = da.ones((3, 3), dtype=np.float32, chunks=2)
    result = backend.scatter_add(gd.get_array_module(out), out, (slice(None), np.array([0, 2, 2])), values)
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result.compute(), [[1, 0, 2, 0]] * 3)


def test_get_item_backward_with_repeated_indices_on_dask():
    x = Variable(chunked(np.arange(7.0), chunks=3))
    g = gd.grad(F.sum(x[np.array([1, 1, 6, -1, 0])] * 2), x)
    assert_close(g, [2, 4, 0, 0, 0, 0, 4])


# ----------------------------------------------------------------------------- masks and reshapes
def test_boolean_mask_on_dask_has_known_chunk_sizes():
    x = chunked([3.0, -1.0, 4.0, -1.0, 5.0])
    picked = backend.getitem(x, x > 0)
    assert picked.shape == (3,) and picked.compute().tolist() == [3.0, 4.0, 5.0]


def test_integer_arrays_on_leading_axes_index_dask_as_numpy_does():
    data = np.arange(60.0).reshape(3, 4, 5)
    x = chunked(data)
    rows, cols = np.array([[0, 2], [-1, 1]]), np.array([3, -4])
    np.testing.assert_array_equal(backend.getitem(x, (rows, cols)).compute(), data[rows, cols])
    np.testing.assert_array_equal(backend.getitem(x, rows).compute(), data[rows])


def test_index_arrays_dask_cannot_take_are_a_clear_error():
    x = chunked(np.ones((3, 3, 3)))
    with pytest.raises(NotImplementedError, match="one axis at a time"):
        backend.getitem(x, (slice(None), np.array([0, 1]), np.array([1, 2])))


@pytest.mark.parametrize("key, in_shape", [
    ((slice(1, None), slice(None)), (4, 4)), ((Ellipsis, slice(1, 5)), (3, 6)),
    ((None, 1, slice(None)), (5, 4)), (2, (4, 3, 4))])
def test_slice_gradients_on_dask_are_zero_padding_not_setitem(key, in_shape):
    expected = np.zeros(in_shape)
    gy = np.arange(expected[key].size, dtype=np.float64).reshape(expected[key].shape)
    expected[key] = gy
    gx = getitem_grad(chunked(gy), key, in_shape)
    names = {str(k[0] if isinstance(k, tuple) else k).split("-")[0] for k in gx.__dask_graph__()}
    assert not any("setitem" in n for n in names), names  # setitem: ~0.3 s of graph building
    np.testing.assert_array_equal(gx.compute(), expected)


def test_boolean_mask_get_item_and_its_gradient_on_dask():
    x = Variable(chunked([3.0, -1.0, 4.0, -1.0, 5.0]))
    y = F.sum(x[x.data > 0] ** 2)
    assert float(y.data) == 9 + 16 + 25
    assert_close(gd.grad(y, x), [6, 0, 8, 0, 10])


def test_reshape_across_chunk_boundaries_on_dask():
    x = chunked(np.arange(24.0).reshape(4, 6))
    with pytest.raises(NotImplementedError):  # what Dask alone does
        x.reshape(3, 8)
    y = backend.reshape(gd.get_array_module(x), x, (3, 8))
    np.testing.assert_array_equal(y.compute(), np.arange(24.0).reshape(3, 8))


def test_reshape_across_chunk_boundaries_differentiates_on_dask():
    x = Variable(chunked(np.arange(24.0).reshape(4, 6)))
    w = np.arange(24.0).reshape(3, 8)
    assert_close(gd.grad(F.sum(F.reshape(x, (3, 8)) * w), x), w.reshape(4, 6))


# ----------------------------------------------------------------------------- minimize
def test_newton_solves_a_quadratic_on_multichunk_dask_in_one_step():
    # Dask's solve refuses non-square blocks; that must not pass for a singular Hessian.
    weights = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    r = minimize(lambda x: F.sum(weights * (x - 1) ** 2), chunked(np.zeros(6), chunks=4), method="newton")
    assert r.success and r.nit == 1, r.message
    assert backend.is_lazy(r.x)
    np.testing.assert_allclose(r.x.compute(), np.ones(6), rtol=0, atol=1e-12)


def coupled_quartic(n):
    """0.5 x^T A x + sum(x^4) / 4 - b.x with A tridiagonal (2, -1): curved, coupled, no indexing."""
    a = 2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)
    b = np.linspace(1.0, 3.0, n)

    def f(x):
        return 0.5 * F.sum(x * F.matmul(a, x)) + F.sum(x ** 4) / 4 - F.sum(b * x)

    def gradient(x):
        return a @ x + x ** 3 - b
    return f, gradient


def test_newton_cg_on_dask_keeps_every_graph_small_and_reaches_the_minimum():
    f, gradient = coupled_quartic(24)
    per_iteration = []
    counter = TaskCounter()

    def mark(x):
        per_iteration.append(max(counter.sizes))
        counter.sizes.clear()

    with counter:
        r = minimize(f, chunked(np.full(24, 3.0), chunks=6), method="newton-cg", tol=1e-10,
                     callback=mark, keep_path=False)
    assert r.success, r.message
    assert r.nit >= 5, r.nit  # enough iterations for growth to show
    assert np.abs(gradient(r.x.compute())).max() < 1e-10
    # Without persisting, the last iteration's graph holds every earlier one (thousands of tasks).
    assert max(per_iteration) <= per_iteration[0] + 20, per_iteration
    assert len(r.x.__dask_graph__()) == 4  # the result is persisted: one task per chunk


def test_newton_does_not_take_a_non_singular_error_for_a_singular_hessian(monkeypatch):
    import gdezero.optimize as opt

    def refuse(xp, matrix, rhs):
        raise ValueError("All chunks must be a square matrix to perform lu decomposition")
    monkeypatch.setattr(opt, "solve", refuse)
    with pytest.raises(ValueError, match="square matrix"):
        minimize(lambda x: F.sum((x - 1) ** 2), chunked(np.zeros(4)), method="newton")


# ----------------------------------------------------------------------------- LocalCluster
# The two scripts start their own LocalCluster (2 workers): they run before the module's
# `cluster` fixture starts its workers, so no more than 2 worker processes exist at once.
@pytest.mark.distributed
def test_rosenbrock_dask_example_quick_checks_its_hvp_and_reaches_the_minimum(tmp_path):
    pytest.importorskip("dask.distributed", reason="examples/rosenbrock_dask.py starts a LocalCluster: "
                                                   "it needs dask[distributed] (pip install 'gdezero[dask]')")
    import re
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run(
        [sys.executable, os.path.join(root, "examples", "rosenbrock_dask.py"), "--quick",
         "--out", str(tmp_path)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout

    hvp = re.search(r"^hvp n=(\d+) chunk=(\d+) seconds \S+ relative error (\S+) \(ok at 1e-12\)$", out, re.M)
    assert hvp, out
    assert (int(hvp[1]), int(hvp[2])) == (200_000, 50_000)
    assert float(hvp[3]) <= 1e-12
    newton = re.search(r"^newton-cg n=6 iterations (\d+) seconds \S+ max error (\S+) "
                       r"\(gradient norm (\S+) <= tol 1e-08\)$", out, re.M)
    assert newton, out
    assert 1 <= int(newton[1]) <= 100
    assert float(newton[2]) <= 1e-6 and float(newton[3]) <= 1e-8
    peaks = re.search(r"^worker peak MiB after hvp \{(.*)\}$", out, re.M)
    assert peaks, out
    mib = [float(value) for value in re.findall(r": (\d+)", peaks[1])]
    assert len(mib) == 2 and all(0 < m < 2048 for m in mib), peaks[0]
    assert hvp[0] in (tmp_path / "rosenbrock_dask.txt").read_text()
    # one key name given two different tasks can deadlock a cluster (dask/dask#9888)
    assert "Detected different `run_spec`" not in proc.stderr, proc.stderr


@pytest.mark.distributed
def test_benchmark_w8_runs_on_a_local_cluster_and_checks_its_hvp(tmp_path):
    import json
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = tmp_path / "w8.json"
    proc = subprocess.run(
        [sys.executable, os.path.join(root, "benchmarks", "run.py"), "--quick", "--only", "W1",
         "--repeats", "1", "--w8", "--n-dask", "20000", "--dask-chunk", "5000", "--n-numpy-w8", "20000",
         "--json", str(out)],
        capture_output=True, text=True, timeout=300, cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {r["impl"]: r for r in json.loads(out.read_text())["rows"] if r["workload"] == "W8"}
    assert rows["gdezero-dask"]["relative_error"] <= 1e-12
    assert len(rows["gdezero-dask"]["worker_peak_mib"]) == 2 and rows["gdezero"]["peak_bytes"] > 0


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster with two worker processes (one thread each), as a cluster runs it."""
    distributed = pytest.importorskip(
        "dask.distributed", reason="the cluster tests need dask[distributed] (pip install 'gdezero[dask]')")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, memory_limit="2GiB") as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.mark.distributed
def test_rosenbrock_hvp_on_a_local_cluster_matches_the_tridiagonal_hessian(cluster):
    rng = np.random.default_rng(1)
    x, v = rng.uniform(-2, 2, 10_000), rng.standard_normal(10_000)
    hv = gd.hvp(rosenbrock_n, chunked(x, chunks=2_500), chunked(v, chunks=2_500))
    expected = rosenbrock_hvp_exact(x, v)
    got = hv.data.compute()
    assert np.abs(got - expected).max() <= 1e-12 * np.abs(expected).max()
    assert len(cluster.scheduler_info()["workers"]) == 2
    assert dask.base.get_scheduler() == cluster.get  # the work ran on the cluster's workers


@pytest.mark.distributed
def test_newton_cg_on_a_local_cluster_reaches_the_minimum(cluster):
    f, gradient = coupled_quartic(6)  # few CG steps: each is a round trip to the workers
    r = minimize(f, chunked(np.full(6, 3.0), chunks=3), method="newton-cg", tol=1e-10, keep_path=False)
    assert r.success, r.message
    assert np.abs(gradient(r.x.compute())).max() < 1e-10
    assert dask.base.get_scheduler() == cluster.get
