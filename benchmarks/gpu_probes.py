"""The GPU check's probes and timings, written against a `Device` so the CPU can test them.

A probe computes named results on one device; the harness runs it on the device under
check and on the NumPy CPU, then checks every array result's device, its dtype and its
values against the CPU's (errors relative to the CPU result's largest magnitude, per
result). `gpu_check.py` drives them on CuPy and torch CUDA; the tests run them with NumPy
and torch's CPU standing in.
"""
import contextlib
import dataclasses
import time
import tracemalloc

import numpy as np

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable
from gdezero.ops.shapes import GetItemGrad
from gdezero.optimize import minimize

COPY_BANDWIDTH_GBS = 4300  # an H200's HBM3e copy bandwidth, ~4.3 TB/s (the device's peak)
FLOAT32_RTOL = 1e-5  # float32 results: a few ulps of float32, whatever the probe's float64 tolerance


# ============================================================================ devices
class NumpyDevice:
    """The CPU reference (and the stand-in for a GPU in the tests)."""
    name = "numpy"
    xp = np

    def asarray(self, a):
        return np.asarray(a)

    def to_numpy(self, a):
        return np.asarray(a)

    def holds(self, a):
        return isinstance(a, np.ndarray)

    def sync(self):
        pass

    def no_host_sync(self):
        return contextlib.nullcontext()

    def elapsed_ms(self, fn, repeats):
        fn()  # warm-up, not timed
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - start) * 1e3)
        return samples

    def peak_bytes(self, fn):
        tracemalloc.start()
        try:
            fn()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


class CupyDevice(NumpyDevice):
    """CuPy on one CUDA device: CUDA-event timings and the memory pool's peak."""

    def __init__(self, cupy, index=0):
        self.cupy, self.xp, self.index = cupy, cupy, index
        self.name = f"cupy:cuda:{index}"

    def asarray(self, a):
        with self.cupy.cuda.Device(self.index):
            return self.cupy.asarray(a)

    def to_numpy(self, a):
        return self.cupy.asnumpy(a)

    def holds(self, a):
        return isinstance(a, self.cupy.ndarray) and a.device.id == self.index

    def sync(self):
        self.cupy.cuda.Device(self.index).synchronize()

    def elapsed_ms(self, fn, repeats):
        fn()  # warm-up: kernel compilation and the pool's first allocations
        self.sync()
        samples = []
        for _ in range(repeats):
            start, end = self.cupy.cuda.Event(), self.cupy.cuda.Event()
            start.record()
            fn()
            end.record()
            end.synchronize()
            samples.append(self.cupy.cuda.get_elapsed_time(start, end))
        return samples

    def peak_bytes(self, fn):
        """The most bytes the memory pool had handed out at once during `fn()` (an allocator
        hook records the pool's use after every allocation)."""
        pool = self.cupy.get_default_memory_pool()
        self.sync()
        pool.free_all_blocks()
        base, peak = pool.used_bytes(), [0]

        def malloc(size):
            memory = pool.malloc(size)
            peak[0] = max(peak[0], pool.used_bytes() - base)
            return memory
        self.cupy.cuda.set_allocator(malloc)
        try:
            fn()
            self.sync()
        finally:
            self.cupy.cuda.set_allocator(pool.malloc)
        return peak[0]


class TorchDevice(NumpyDevice):
    """torch tensors on `device`; on CUDA, probes that should not synchronise run under
    ``torch.cuda.set_sync_debug_mode("error")``, so a hidden host sync fails loudly. Copying
    a probe's inputs to the device (a sync torch would flag) is setup, not gdezero: allowed."""

    def __init__(self, torch, device="cuda"):
        self.torch, self.device = torch, torch.device(device)
        self.name = f"torch:{self.device}"

    def asarray(self, a):
        with self._syncs_allowed():
            return self.torch.as_tensor(np.asarray(a), device=self.device)

    def to_numpy(self, a):
        with self._syncs_allowed():
            return a.detach().cpu().numpy() if isinstance(a, self.torch.Tensor) else np.asarray(a)

    def holds(self, a):
        return isinstance(a, self.torch.Tensor) and a.device == self.device

    def sync(self):
        if self.device.type == "cuda":
            self.torch.cuda.synchronize(self.device)

    @contextlib.contextmanager
    def _sync_mode(self, mode):
        if self.device.type != "cuda":
            yield
            return
        before = self.torch.cuda.get_sync_debug_mode()
        self.torch.cuda.set_sync_debug_mode(mode)
        try:
            yield
        finally:
            self.torch.cuda.set_sync_debug_mode(before)

    def no_host_sync(self):
        return self._sync_mode("error")

    def _syncs_allowed(self):
        return self._sync_mode("default")


# ============================================================================ probes
@dataclasses.dataclass
class Sizes:
    """The probe and timing sizes; the defaults are the GPU check's, the tests pass small ones."""
    tanh_points: int = 100_000
    tanh_order: int = 30
    hvp_n: int = 10_000_000
    newton_n: int = 10_000
    w3: tuple = (10_000_000, 100_000_000)
    w4: tuple = (10_000_000, 100_000_000)
    repeats: int = 5


@dataclasses.dataclass
class Probe:
    name: str
    fn: object  # fn(dev, sizes) -> {name: array or Python value}
    rtol: float
    syncs: str | None = None  # why it must read device values on the host, or None: it must not


def rosenbrock(x):
    head, tail = x[:-1], x[1:]
    return F.sum(100 * (tail - head ** 2) ** 2 + (1 - head) ** 2)


def _getitem_repeated(dtype):
    def fn(dev, sizes):
        rng = np.random.default_rng(0)
        x = Variable(dev.asarray(rng.normal(size=1000).astype(dtype)))
        index = dev.asarray(rng.integers(-1000, 1000, 20_000))  # ~20 hits per element, negatives too
        w = dev.asarray(rng.normal(size=20_000).astype(dtype))
        y = x[index]
        return {"y": y.data, "grad": gd.grad(F.sum(y * w), x).data}
    return fn


def _fancy_plus_slice(dev, sizes):
    rng = np.random.default_rng(1)
    x = Variable(dev.asarray(rng.normal(size=(40, 30))))
    rows, cols = dev.asarray(rng.integers(0, 40, 25)), dev.asarray(rng.integers(-30, 30, 12))
    a, b = x[rows, 2:20:3], x[1:39:2, cols]
    loss = F.sum(a ** 2) + F.sum(F.sin(b))
    g = gd.grad(loss, x, create_graph=True)
    return {"a": a.data, "b": b.data, "grad": g.data, "grad2": gd.grad(F.sum(g * g), x).data}


def _boolean_mask(dev, sizes):
    rng = np.random.default_rng(2)
    values = rng.normal(size=(300, 4))
    x = Variable(dev.asarray(values))
    y = x[dev.asarray(values > 0.3)]
    return {"y": y.data, "grad": gd.grad(F.sum(y ** 3), x).data}


def _out_of_range(dev, sizes):
    """The IndexError's message for a forward index and for a scatter, each one past the end
    or below -n (the CPU gives the same messages)."""
    x = Variable(dev.asarray(np.arange(5.0)))
    messages = {}
    for name, run in {
        "forward": lambda: x[dev.asarray(np.array([0, 5]))],
        "forward_negative": lambda: x[dev.asarray(np.array([-6, 1]))],
        "scatter": lambda: GetItemGrad(dev.asarray(np.array([4, 5])), (5,))(
            Variable(dev.asarray(np.ones(2)))),
    }.items():
        try:
            got = run()
        except IndexError as e:
            messages[name] = str(e)
        else:
            messages[name] = f"no IndexError: got {dev.to_numpy(got.data).tolist()}"
    return messages


def _take_along_axis(dev, sizes):
    rng = np.random.default_rng(3)
    values, index = rng.normal(size=(30, 20)), rng.integers(0, 20, (30, 7))
    x = Variable(dev.asarray(values))
    y = x[dev.asarray(np.arange(30)[:, None]), dev.asarray(index)]  # take_along_axis(x, index, 1)
    oracle = dev.asarray(np.take_along_axis(values, index, axis=1))
    return {"y": y.data, "y_minus_numpy_take_along_axis": y.data - oracle,
            "grad": gd.grad(F.sum(y * y), x).data}


def _where_and_masks(dev, sizes):
    rng = np.random.default_rng(4)
    av, bv = rng.normal(size=1000), rng.normal(size=1000)
    a, b = Variable(dev.asarray(av)), Variable(dev.asarray(bv))
    y = F.where(dev.asarray(av > bv), a * b, F.sin(a)) + F.maximum(a, b) + F.relu(b) * (a > 0)
    ga, gb = gd.grad(F.sum(y ** 2), [a, b])
    return {"y": y.data, "grad_a": ga.data, "grad_b": gb.data}


def _tanh_derivatives(dev, sizes):
    x = dev.asarray(np.linspace(-3.0, 3.0, sizes.tanh_points))
    ds = gd.derivatives(F.tanh, x, sizes.tanh_order)
    return {f"d{k}": d.data for k, d in enumerate(ds)}


def _rosenbrock_hvp(dev, sizes):
    rng = np.random.default_rng(5)
    x, v = rng.uniform(-2, 2, sizes.hvp_n), rng.normal(size=sizes.hvp_n)
    return {"hvp": gd.hvp(rosenbrock, dev.asarray(x), dev.asarray(v)).data}


def _newton_cg(dev, sizes):
    x0 = np.random.default_rng(0).uniform(0.0, 2.0, sizes.newton_n)  # 67 iterations at n = 1e4
    res = minimize(rosenbrock, dev.asarray(x0), method="newton-cg", keep_path=False)
    return {"nit": res.nit, "nfev": res.nfev, "success": res.success, "x": res.x}


def _placement(dev, sizes):
    """Every Variable of a create_graph backward, Taylor coefficients and float32 derivatives
    on the input's device; counts of those that are not (0 expected)."""
    rng = np.random.default_rng(7)
    x = Variable(dev.asarray(rng.normal(size=50)))
    y = F.sum(F.tanh(x) * x ** 3 / 2)
    y.backward(create_graph=True)
    second = gd.grad(F.sum(x.grad), x)
    graph = _graph_data(x.grad) + _graph_data(second) + [y.grad.data]
    series = [dev.asarray(rng.normal(size=50)) for _ in range(3)]
    coefficients = [c.data for c in gd.taylor(lambda t: F.exp(F.sin(t)), x, series)]
    x32 = dev.asarray(rng.normal(size=50).astype(np.float32))
    derivs32 = [d.data for d in gd.derivatives(F.sin, x32, 3)]
    x.cleargrad()  # break the reference cycle x -> x.grad -> its graph -> x
    return {"off_device": sum(not dev.holds(a) for a in graph + coefficients + derivs32),
            "not_float32": sum(not str(a.dtype).endswith("float32") for a in derivs32),
            "second": second.data, "taylor_last": coefficients[-1], "sin_d3_float32": derivs32[-1]}


def _graph_data(v):
    """The data of every Variable reachable from `v` through creators (inputs and outputs)."""
    seen, stack, found = set(), [v], []
    while stack:
        var = stack.pop()
        found.append(var.data)
        f = var.creator
        if f is None or id(f) in seen:
            continue
        seen.add(id(f))
        stack.extend(f.inputs)
        stack.extend(out for out in (ref() for ref in f.outputs) if out is not None)
    return found


_BOUNDS_SYNC = "the index bounds check reads the index's min and max on the host"
PROBES = [
    Probe("getitem backward, repeated indices, float64", _getitem_repeated(np.float64), 1e-12, _BOUNDS_SYNC),
    Probe("getitem backward, repeated indices, float32", _getitem_repeated(np.float32), 1e-5, _BOUNDS_SYNC),
    Probe("fancy index plus slice, 1st and 2nd order", _fancy_plus_slice, 1e-12, _BOUNDS_SYNC),
    Probe("boolean mask", _boolean_mask, 1e-12, "a boolean mask's result length is data-dependent"),
    Probe("out-of-range index raises IndexError", _out_of_range, 0.0, _BOUNDS_SYNC),
    Probe("take_along_axis by fancy index", _take_along_axis, 1e-12, _BOUNDS_SYNC),
    Probe("where, maximum, relu, comparison masks", _where_and_masks, 1e-12),
    Probe("tanh derivatives 0..30 (Taylor mode)", _tanh_derivatives, 1e-12),
    Probe("Rosenbrock HVP", _rosenbrock_hvp, 1e-13),
    Probe("Newton-CG on Rosenbrock, same iterations", _newton_cg, 1e-10,
          "the convergence test reads f and |g| on the host every iteration"),
    Probe("outputs, gradients, Taylor coefficients on the input's device; float32 kept", _placement, 1e-12),
]


def compare(got, ref, rtol):
    """(passed, worst relative error, detail) for one probe's device results against the
    CPU's; arrays must also match in dtype, other values exactly."""
    worst, problems = 0.0, []
    for key, expected in ref.items():
        value = got.get(key)
        if isinstance(expected, np.ndarray):
            value = np.asarray(value)
            if value.dtype != expected.dtype or value.shape != expected.shape:
                problems.append(f"{key}: {value.dtype}{value.shape} vs CPU {expected.dtype}{expected.shape}")
                continue
            scale = max(float(np.max(np.abs(expected), initial=0.0)), np.finfo(expected.dtype).tiny) \
                if expected.dtype.kind == "f" else 1.0
            err = float(np.max(np.abs(value.astype(np.float64) - expected), initial=0.0)) / scale
            worst = max(worst, err)
            tol = max(rtol, FLOAT32_RTOL) if expected.dtype == np.float32 else rtol
            if not err <= tol:
                problems.append(f"{key}: relative error {err:.2e} > {tol:.0e}")
        elif value != expected:
            problems.append(f"{key}: {value!r} vs CPU {expected!r}")
    return not problems, worst, "; ".join(problems) or "ok"


def run_probe(probe, dev, cpu, sizes):
    """One probe on `dev` against `cpu`: a dict for the report."""
    start = time.perf_counter()
    row = {"name": probe.name, "device": dev.name, "rtol": probe.rtol,
           "host_sync": probe.syncs or "none allowed"}
    try:
        guard = contextlib.nullcontext() if probe.syncs else dev.no_host_sync()
        with guard:
            got = probe.fn(dev, sizes)
        dev.sync()
        placed = [k for k, v in got.items() if _is_array(v) and not dev.holds(v)]
        got = {k: dev.to_numpy(v) if _is_array(v) else v for k, v in got.items()}
        ref = {k: cpu.to_numpy(v) if _is_array(v) else v for k, v in probe.fn(cpu, sizes).items()}
        passed, worst, detail = compare(got, ref, probe.rtol)
        if placed:
            passed, detail = False, f"not on {dev.name}: {', '.join(placed)}; {detail}"
        row.update(passed=passed, max_rel_err=worst, detail=detail)
    except Exception as e:  # noqa: BLE001 - a probe's failure is a finding for the report, not a crash
        row.update(passed=False, max_rel_err=None, detail=f"{type(e).__name__}: {e}")
    row["seconds"] = round(time.perf_counter() - start, 3)
    return row


def _is_array(v):
    return not isinstance(v, (int, float, bool, str, type(None)))


def run_probes(dev, cpu, sizes):
    return [run_probe(p, dev, cpu, sizes) for p in PROBES]


# ============================================================================ timings
def _sin_derivatives_raw(xp, x):
    s, c = xp.sin(x), xp.cos(x)
    return [s, c, -s, -c, s]


def rosenbrock_hvp_raw(xp, x, p):
    """The analytic Hessian of Rosenbrock-n times p, in raw array formulas (the floor)."""
    hp = xp.empty_like(x)
    hp[0] = (1200 * x[0] ** 2 - 400 * x[1] + 2) * p[0] - 400 * x[0] * p[1]
    hp[1:-1] = (-400 * x[:-2] * p[:-2] + (202 + 1200 * x[1:-1] ** 2 - 400 * x[2:]) * p[1:-1]
                - 400 * x[1:-1] * p[2:])
    hp[-1] = -400 * x[-2] * p[-2] + 200 * p[-1]
    return hp


def _timing_row(dev, workload, impl, n, bytes_moved, samples, peak=None):
    best = min(samples)
    gbs = bytes_moved / (best * 1e-3) / 1e9
    return {"workload": workload, "impl": impl, "n": n, "device": dev.name, "min_ms": best,
            "median_ms": float(np.median(samples)), "effective_GBs": gbs,
            "fraction_of_copy_bandwidth": gbs / COPY_BANDWIDTH_GBS,
            "peak_bytes": peak, "peak_n_vectors": None if peak is None else peak / (8 * n)}


def run_timings(dev, sizes):
    """W3 (sin and 4 derivatives) and W4 (one Rosenbrock HVP) on `dev`, gdezero beside the raw
    formula; effective GB/s counts the least traffic (inputs read once, outputs written once).
    Each gdezero result is checked against the raw one first (AssertionError otherwise)."""
    return [row for n in sizes.w3 for row in _w3(dev, n, sizes)] + \
        [row for n in sizes.w4 for row in _w4(dev, n, sizes)]


def _w3(dev, n, sizes):
    xp, x = dev.xp, dev.asarray(np.linspace(-7.0, 7.0, n))
    for g, r in zip(gd.derivatives(F.sin, x, 4), _sin_derivatives_raw(xp, x)):
        assert float(xp.max(xp.abs(g.data - r))) <= 1e-12, f"W3 n={n}: gdezero differs from the formula"
    impls = {"gdezero": lambda: gd.derivatives(F.sin, x, 4),
             "raw formula": lambda: _sin_derivatives_raw(xp, x)}
    return [_timing_row(dev, "W3", impl, n, 6 * 8 * n, dev.elapsed_ms(fn, sizes.repeats))
            for impl, fn in impls.items()]


def _w4(dev, n, sizes):
    rng = np.random.default_rng(0)
    xp, x, v = dev.xp, dev.asarray(rng.uniform(-2, 2, n)), dev.asarray(rng.standard_normal(n))
    raw = rosenbrock_hvp_raw(xp, x, v)
    gap = float(xp.max(xp.abs(gd.hvp(rosenbrock, x, v).data - raw))) / float(xp.max(xp.abs(raw)))
    assert gap <= 1e-12, f"W4 n={n}: gdezero differs from the formula by {gap:.1e} (relative)"
    del raw
    impls = {"gdezero": lambda: gd.hvp(rosenbrock, x, v), "raw formula": lambda: rosenbrock_hvp_raw(xp, x, v)}
    return [_timing_row(dev, "W4", impl, n, 3 * 8 * n, dev.elapsed_ms(fn, sizes.repeats), dev.peak_bytes(fn))
            for impl, fn in impls.items()]
