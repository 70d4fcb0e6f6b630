"""The GPU check: one command, under 5 minutes on one H200, a JSON and a markdown report.

    python benchmarks/gpu_check.py --out DIR [--wheels DIR]
    nox -s gpu-check -- --out DIR [--wheels DIR]

It runs from a copy of the checkout with nothing installed beforehand (gdezero is imported
from the checkout) and writes DIR/gpu_check.json and DIR/gpu_check.md with:

- versions (nvidia-smi, CUDA runtime and driver, CuPy, torch, NumPy, Python) and the device;
- ``pytest tests/gpu`` and the fast part of the suite on CuPy
  (``GDEZERO_BACKEND=cupy pytest -m "not slow" -n 8``, cut off at --suite-timeout);
- probes against the CPU (benchmarks/gpu_probes.py): indexing gradients, bounds, masks,
  tanh derivatives 0..30, a Rosenbrock HVP at n = 1e7, Newton-CG, device placement, float32;
- CUDA-event timings of W3 (N = 1e7, 1e8) and W4 (n = 1e7, 1e8, with the memory pool's
  peak) as effective GB/s against the ~4.3 TB/s copy bandwidth, beside raw CuPy formulas;
- the same probes on torch CUDA, under ``torch.cuda.set_sync_debug_mode("error")`` where
  a probe needs no host sync.

A GPU image without array-api-compat (gdezero's one dependency besides NumPy): fetch the
wheels on a machine with internet access,

    pip download --only-binary=:all: --python-version 3.12 --no-deps -d wheels \
        array-api-compat array-api-strict

copy `wheels/` with the checkout and pass ``--wheels wheels``: every wheel in it is
installed into DIR/site (``pip install --target``), which this run and its pytest runs put
first on their path; the machine's own environment is left unchanged.

Without a CUDA device it prints "no CUDA device: nothing checked", writes the report with
status "no-cuda" and exits 0. Exit status 1 when any check failed.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NO_CUDA = "no CUDA device: nothing checked"
SECTIONS = ["versions", "suites", "probes_cupy", "timings", "probes_torch"]
HEADINGS = {"versions": "## Versions and device", "suites": "## Test suites",
            "probes_cupy": "## Probes against the CPU: CuPy", "timings": "## Timings: CUDA events, CuPy",
            "probes_torch": "## Probes against the CPU: torch CUDA"}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="folder for gpu_check.json and gpu_check.md")
    p.add_argument("--wheels", help="folder of wheels (array-api-compat, ...) to install into OUT/site first")
    p.add_argument("--suite-timeout", type=float, default=150.0,
                   help="seconds for the CuPy run of the fast suite before it is cut off (default 150)")
    p.add_argument("--workers", type=int, default=8, help="pytest-xdist workers for the CuPy suite run")
    return p.parse_args(argv)


def install_wheels(wheels, site):
    """pip-install every wheel in `wheels` into `site` (no index, no dependencies); the
    command's output on failure."""
    found = sorted(glob.glob(os.path.join(wheels, "*.whl")))
    if not found:
        raise SystemExit(f"--wheels {wheels}: no .whl files there; see the pip download line in "
                         f"benchmarks/gpu_check.py")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--quiet",
                    "--target", site, *found], check=True)


def cuda_backends():
    """(cupy module or None, torch module or None), each only where it sees a CUDA device."""
    cupy = torch = None
    try:
        import cupy as _cupy
        if _cupy.cuda.runtime.getDeviceCount() > 0:
            cupy = _cupy
    except Exception:  # noqa: BLE001 - no CuPy, or CuPy without a driver or device
        pass
    try:
        import torch as _torch
        if _torch.cuda.is_available():
            torch = _torch
    except ImportError:
        pass
    return cupy, torch


def _command(args):
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=30)
        return (done.stdout or done.stderr).strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"not available: {e}"


def versions(cupy, torch):
    import numpy as np
    info = {"python": sys.version.split()[0], "platform": platform.platform(), "numpy": np.__version__,
            "nvidia_smi": _command(["nvidia-smi", "--query-gpu=name,driver_version,memory.total,pci.bus_id",
                                    "--format=csv,noheader"]),
            "nvidia_smi_header": "\n".join(_command(["nvidia-smi"]).splitlines()[:4])}
    try:
        import array_api_compat

        import gdezero
        info.update(array_api_compat=array_api_compat.__version__, gdezero=gdezero.__version__)
    except ImportError as e:
        info["gdezero"] = f"not importable: {e}"
    if cupy is not None:
        props = cupy.cuda.runtime.getDeviceProperties(0)
        info.update(cupy=cupy.__version__, cuda_runtime=cupy.cuda.runtime.runtimeGetVersion(),
                    cuda_driver=cupy.cuda.runtime.driverGetVersion(),
                    device=props["name"].decode() if isinstance(props["name"], bytes) else props["name"],
                    device_memory_GiB=round(props["totalGlobalMem"] / 2 ** 30, 1))
    if torch is not None:
        info.update(torch=torch.__version__, torch_cuda=torch.version.cuda,
                    torch_device=torch.cuda.get_device_name(0))
    return info


def run_pytest(name, args, env, timeout):
    """One pytest run in its own process group (cut off with its workers at `timeout`)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=max(timeout, 1))
        rc, timed_out = proc.returncode, False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        rc, timed_out = None, True
    lines = [line for line in out.splitlines() if line.strip()]
    outcomes = ("passed", "failed", "error", "skipped")
    summary = next((line for line in reversed(lines) if " in " in line and any(o in line for o in outcomes)),
                   lines[-1] if lines else "")
    return {"name": name, "command": shlex.join(["pytest", *args]), "returncode": rc, "timed_out": timed_out,
            "passed": rc == 0, "summary": summary, "seconds": round(time.perf_counter() - start, 1),
            "tail": "\n".join(lines[-25:])}


def suites(env, args, deadline):
    gpu = run_pytest("tests/gpu", ["tests/gpu"], env, 90)
    fast_env = dict(env, GDEZERO_BACKEND="cupy")
    budget = min(args.suite_timeout, deadline - time.monotonic())
    fast = run_pytest("fast suite on CuPy", ["-m", "not slow", "-n", str(args.workers), "tests",
                                             "--ignore", "tests/gpu"], fast_env, budget)
    return [gpu, fast]


# ============================================================================ the report
def markdown(report):
    lines = ["# gdezero GPU check", "", f"Status: **{report['status']}**. {report['message']}", "",
             f"Started {report['started_utc']}, {report['elapsed_s']} s in all.", ""]
    for key in SECTIONS:
        lines += [HEADINGS[key], ""]
        value = report[key]
        if isinstance(value, str):
            lines += [value, ""]
        elif key == "versions":
            lines += ["| item | value |", "|---|---|"]
            lines += [f"| {k} | {str(v).replace(chr(10), '<br>')} |" for k, v in value.items()] + [""]
        elif key == "suites":
            lines += ["| run | result | seconds |", "|---|---|---|"]
            for s in value:
                result = f"cut off after {s['seconds']} s" if s["timed_out"] else s["summary"]
                lines.append(f"| `{s['command']}` | {result} | {s['seconds']} |")
            lines.append("")
        elif key == "timings":
            lines += ["| workload | impl | n | min ms | median ms | effective GB/s | of 4.3 TB/s | "
                      "pool peak (n-vectors) |", "|---|---|---|---|---|---|---|---|"]
            for t in value:
                peak = "" if t["peak_n_vectors"] is None else f"{t['peak_n_vectors']:.1f}"
                lines.append(f"| {t['workload']} | {t['impl']} | {t['n']:.0e} | {t['min_ms']:.3g} | "
                             f"{t['median_ms']:.3g} | {t['effective_GBs']:.0f} | "
                             f"{100 * t['fraction_of_copy_bandwidth']:.1f} % | {peak} |")
            lines.append("")
        else:
            lines += ["| probe | passed | max relative error | host sync allowed | detail | s |",
                      "|---|---|---|---|---|---|"]
            for p in value:
                err = "" if p["max_rel_err"] is None else f"{p['max_rel_err']:.1e} (tol {p['rtol']:.0e})"
                lines.append(f"| {p['name']} | {'yes' if p['passed'] else '**NO**'} | {err} | "
                             f"{p['host_sync']} | {p['detail'].replace('|', '/')} | {p['seconds']} |")
            lines.append("")
    return "\n".join(lines)


def write_report(out, report):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "gpu_check.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2, default=str)
    with open(os.path.join(out, "gpu_check.md"), "w", encoding="utf-8") as f:
        f.write(markdown(report) + "\n")


def failures(report):
    runs = report["suites"] if isinstance(report["suites"], list) else []
    bad = [f"suite {s['name']}" for s in runs if not s["passed"]]
    for key in ("probes_cupy", "probes_torch"):
        if isinstance(report[key], list):
            bad += [f"{key}: {p['name']}" for p in report[key] if not p["passed"]]
    return bad


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    start, deadline = time.perf_counter(), time.monotonic() + 280  # leave 20 s of the 5 minutes
    out = os.path.abspath(args.out)
    sys.path[:0] = [ROOT, os.path.dirname(os.path.abspath(__file__))]  # gdezero, gpu_probes
    env = dict(os.environ)
    if args.wheels:
        site = os.path.join(out, "site")
        install_wheels(args.wheels, site)
        sys.path.insert(0, site)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (site, ROOT, env.get("PYTHONPATH")) if p)
    report = {"status": "no-cuda", "message": NO_CUDA,
              "started_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "elapsed_s": 0.0, **{key: "not run: no CUDA device" for key in SECTIONS}}
    cupy, torch = cuda_backends()
    if cupy is None and torch is None:
        print(NO_CUDA)
        report["versions"] = versions(None, None)
        report["elapsed_s"] = round(time.perf_counter() - start, 1)
        write_report(out, report)
        return 0

    report["versions"] = versions(cupy, torch)
    try:
        import gpu_probes as P  # imports gdezero: after the wheels are on the path
    except ImportError as e:
        report.update(status="failed", message=f"gdezero is not importable ({e}): pass --wheels with the "
                      f"wheels of the pip download line in benchmarks/gpu_check.py")
        write_report(out, report)
        print(report["message"])
        return 1
    cpu = P.NumpyDevice()
    sizes = P.Sizes()
    if cupy is not None:
        dev = P.CupyDevice(cupy)
        report["probes_cupy"] = P.run_probes(dev, cpu, sizes)
        cupy.get_default_memory_pool().free_all_blocks()
        report["timings"] = P.run_timings(dev, sizes)
        cupy.get_default_memory_pool().free_all_blocks()
    else:
        report["probes_cupy"] = report["timings"] = "not run: CuPy is missing or sees no CUDA device"
    if torch is not None:
        report["probes_torch"] = P.run_probes(P.TorchDevice(torch, "cuda"), cpu, sizes)
        torch.cuda.empty_cache()
    else:
        report["probes_torch"] = "not run: torch is missing or has no CUDA"
    if cupy is not None:
        report["suites"] = suites(env, args, deadline)
    else:
        report["suites"] = "not run: the GPU tests and GDEZERO_BACKEND=cupy need CuPy"
    bad = failures(report)
    report["status"] = "failed" if bad else "passed"
    report["message"] = ("failed: " + "; ".join(bad)) if bad else "every check passed"
    report["elapsed_s"] = round(time.perf_counter() - start, 1)
    write_report(out, report)
    print(f"{report['message']} ({report['elapsed_s']} s); report in {out}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
