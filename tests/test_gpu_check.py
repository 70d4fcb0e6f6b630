"""benchmarks/gpu_check.py on the CPU: the no-CUDA run and its report's form, and the probes'
and timings' logic with NumPy and torch's CPU standing in for the GPU."""
import json
import os
import subprocess
import sys
import types
import zipfile

import numpy as np
import pytest

import gdezero as gd
from gdezero.backend import to_numpy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import gpu_check  # noqa: E402
import gpu_probes as P  # noqa: E402

SMALL = P.Sizes(tanh_points=2_000, hvp_n=20_000, newton_n=1_000, w3=(10_000,), w4=(10_000,), repeats=2)
needs_no_cuda = pytest.mark.skipif(gd.gpu_available(),
                                   reason="this machine has a CUDA device: the check would run")


@needs_no_cuda
def test_without_cuda_it_says_nothing_was_checked_exits_0_and_writes_both_reports(tmp_path):
    done = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "gpu_check.py"), "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "no CUDA device: nothing checked"
    report = json.loads((tmp_path / "gpu_check.json").read_text(encoding="utf-8"))
    assert set(report) == {"status", "message", "started_utc", "elapsed_s", *gpu_check.SECTIONS}
    assert report["status"] == "no-cuda" and report["message"] == "no CUDA device: nothing checked"
    assert {"python", "numpy", "nvidia_smi", "array_api_compat", "gdezero"} <= set(report["versions"])
    assert all(report[k] == "not run: no CUDA device" for k in gpu_check.SECTIONS if k != "versions")
    md = (tmp_path / "gpu_check.md").read_text(encoding="utf-8")
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert headings == ["# gdezero GPU check", *(gpu_check.HEADINGS[k] for k in gpu_check.SECTIONS)]


def test_the_markdown_report_has_a_row_per_probe_suite_and_timing():
    probe = {"name": "p", "passed": False, "max_rel_err": 2e-9, "rtol": 1e-12, "host_sync": "none allowed",
             "detail": "grad: relative error 2.00e-09 > 1e-12", "seconds": 0.1}
    timing = {"workload": "W4", "impl": "gdezero", "n": 10 ** 7, "min_ms": 2.5, "median_ms": 2.6,
              "effective_GBs": 96.0, "fraction_of_copy_bandwidth": 96 / 4300, "peak_n_vectors": 18.0}
    suite = {"name": "tests/gpu", "command": "pytest tests/gpu", "timed_out": False,
             "summary": "9 passed in 3s", "seconds": 4.0, "passed": True}
    report = {"status": "failed", "message": "failed: probes_cupy: p", "started_utc": "now", "elapsed_s": 1.0,
              "versions": {"cupy": "14.2.0"}, "suites": [suite], "probes_cupy": [probe],
              "timings": [timing], "probes_torch": "not run: torch is missing or has no CUDA"}
    md = gpu_check.markdown(report)
    assert "| p | **NO** | 2.0e-09 (tol 1e-12) | none allowed | grad: relative error" in md
    assert "| W4 | gdezero | 1e+07 | 2.5 | 2.6 | 96 | 2.2 % | 18.0 |" in md
    assert "| `pytest tests/gpu` | 9 passed in 3s | 4.0 |" in md
    assert gpu_check.failures(report) == ["probes_cupy: p"]


def test_every_probe_passes_with_numpy_standing_in_for_the_gpu():
    rows = P.run_probes(P.NumpyDevice(), P.NumpyDevice(), SMALL)
    assert [r["name"] for r in rows] == [p.name for p in P.PROBES]
    assert all(r["passed"] for r in rows), [r for r in rows if not r["passed"]]


def test_every_probe_passes_on_torch_cpu_against_numpy():
    torch = pytest.importorskip("torch", reason="the torch device adaptor needs torch")
    rows = P.run_probes(P.TorchDevice(torch, "cpu"), P.NumpyDevice(), SMALL)
    assert all(r["passed"] for r in rows), [r for r in rows if not r["passed"]]


class WrongDevice(P.NumpyDevice):
    """A 'device' whose arrays are NumPy but which claims to hold none of them."""
    name = "elsewhere"

    def holds(self, a):
        return False


def test_a_result_off_the_device_fails_the_probe_naming_it():
    probe = next(p for p in P.PROBES if p.name.startswith("Rosenbrock HVP"))
    row = P.run_probe(probe, WrongDevice(), P.NumpyDevice(), SMALL)
    assert not row["passed"] and row["detail"].startswith("not on elsewhere: hvp")


def test_compare_names_dtype_changes_value_errors_and_other_values():
    ref = {"a": np.ones(3, dtype=np.float32), "b": np.array([1.0, 2.0]), "nit": 38}
    close = {"a": np.ones(3, dtype=np.float32), "b": np.array([1.0, 2.0 + 1e-12]), "nit": 38}
    ok, worst, _ = P.compare(close, ref, 1e-12)
    assert ok and worst == pytest.approx(5e-13)
    ok, _, detail = P.compare({"a": np.ones(3), "b": np.array([1.0, 2.1]), "nit": 40}, ref, 1e-12)
    assert not ok
    assert detail == ("a: float64(3,) vs CPU float32(3,); b: relative error 5.00e-02 > 1e-12; "
                      "nit: 40 vs CPU 38")


def test_the_out_of_range_probe_records_the_same_indexerror_messages_on_torch_and_numpy():
    torch = pytest.importorskip("torch", reason="the torch device adaptor needs torch")
    on_numpy = P._out_of_range(P.NumpyDevice(), SMALL)
    assert on_numpy == P._out_of_range(P.TorchDevice(torch, "cpu"), SMALL)
    assert on_numpy["forward"].startswith("index 5 is out of bounds for axis 0 with size 5")
    assert on_numpy["scatter"].startswith("index 5 is out of bounds for axis 0 with size 5")
    assert on_numpy["forward_negative"].startswith("index -6 is out of bounds for axis 0 with size 5")


def test_the_raw_hvp_formula_is_the_hessian_times_v():
    rng = np.random.default_rng(0)
    x, v = rng.uniform(-2, 2, 30), rng.normal(size=30)
    hessian = to_numpy(gd.hessian(P.rosenbrock, x).data)
    np.testing.assert_allclose(P.rosenbrock_hvp_raw(np, x, v), hessian @ v, rtol=1e-12, atol=1e-10)


def test_timings_report_effective_bandwidth_of_the_least_traffic_and_the_peak():
    rows = P.run_timings(P.NumpyDevice(), SMALL)
    assert [(r["workload"], r["impl"]) for r in rows] == [
        ("W3", "gdezero"), ("W3", "raw formula"), ("W4", "gdezero"), ("W4", "raw formula")]
    for r in rows:
        per_element = 48 if r["workload"] == "W3" else 24
        assert r["effective_GBs"] == pytest.approx(per_element * r["n"] / (r["min_ms"] * 1e-3) / 1e9)
        assert r["fraction_of_copy_bandwidth"] == pytest.approx(r["effective_GBs"] / 4300)
    gd_w4, raw_w4 = rows[2], rows[3]
    assert raw_w4["peak_n_vectors"] >= 1 and gd_w4["peak_n_vectors"] > raw_w4["peak_n_vectors"]


def _write_wheel(folder, name="tinypkg", version="0.1"):
    """A minimal pure-Python wheel: one module, its metadata and its RECORD."""
    info = f"{name}-{version}.dist-info"
    files = {f"{name}/__init__.py": "VALUE = 42\n",
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
             f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
                              "Tag: py3-none-any\n"}
    record = "".join(f"{path},,\n" for path in files) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(folder / f"{name}-{version}-py3-none-any.whl", "w") as whl:
        for path, text in {**files, f"{info}/RECORD": record}.items():
            whl.writestr(path, text)


def test_wheels_from_a_folder_are_installed_into_the_target_only(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _write_wheel(wheels)
    gpu_check.install_wheels(str(wheels), str(tmp_path / "site"))
    assert (tmp_path / "site" / "tinypkg" / "__init__.py").read_text() == "VALUE = 42\n"
    assert subprocess.run([sys.executable, "-c", "import tinypkg"], capture_output=True).returncode != 0


def test_a_wheels_folder_without_wheels_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="no .whl files there; see the pip download line"):
        gpu_check.install_wheels(str(tmp_path), str(tmp_path / "site"))


class RecordingCuda:
    """torch.cuda's sync-debug-mode calls, recorded (torch's CPU build has no CUDA to set)."""

    def __init__(self):
        self.mode, self.log = 0, []

    def get_sync_debug_mode(self):
        return self.mode

    def set_sync_debug_mode(self, mode):
        self.mode = mode
        self.log.append(mode)

    def synchronize(self, device):
        pass


def _torch_on_recording_cuda():
    torch = pytest.importorskip("torch", reason="the torch device adaptor needs torch")
    cuda = RecordingCuda()
    fake = types.SimpleNamespace(device=torch.device, Tensor=torch.Tensor, cuda=cuda,
                                 as_tensor=lambda a, device: torch.as_tensor(a))
    return P.TorchDevice(fake, "cuda"), cuda


def test_a_torch_cuda_probe_needing_no_sync_runs_under_sync_debug_error_but_its_input_copy():
    dev, cuda = _torch_on_recording_cuda()
    modes = []

    def fn(d, sizes):
        x = d.asarray(np.ones(3))
        if d is dev:  # the harness runs fn on the CPU reference too
            modes.append(cuda.mode)
        return {"y": x * 2}
    P.run_probe(P.Probe("no sync", fn, 0.0), dev, P.NumpyDevice(), SMALL)
    assert modes == ["error"]
    assert cuda.log[:4] == ["error", "default", "error", 0]  # guard, input copy and back, guard left


def test_a_torch_cuda_probe_that_names_its_sync_never_sets_error():
    dev, cuda = _torch_on_recording_cuda()
    P.run_probe(P.Probe("syncs", lambda d, sizes: {"y": d.asarray(np.ones(3))}, 0.0, "a mask"), dev,
                P.NumpyDevice(), SMALL)
    assert "error" not in cuda.log


def test_a_pytest_run_reports_its_summary_line_and_is_cut_off_at_its_timeout(tmp_path):
    (tmp_path / "test_quick.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
    (tmp_path / "test_hangs.py").write_text("import time\n\n\ndef test_sleeps():\n    time.sleep(600)\n")
    env = dict(os.environ)
    done = gpu_check.run_pytest("quick", [str(tmp_path / "test_quick.py")], env, 120)
    assert done["passed"] and done["returncode"] == 0 and done["summary"].startswith("1 passed in ")
    cut = gpu_check.run_pytest("hangs", [str(tmp_path / "test_hangs.py")], env, 3)
    assert cut["timed_out"] and not cut["passed"] and cut["returncode"] is None and cut["seconds"] < 60
