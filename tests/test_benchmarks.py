"""The benchmark script runs end to end and its correctness checks pass (speed is not asserted)."""
import os
import subprocess
import sys

import numpy as np
import pytest

BACKEND = os.environ.get("GDEZERO_BACKEND", "numpy")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.skipif(BACKEND != "numpy", reason="benchmarks/run.py compares NumPy data only; "
                                               "it runs once, with GDEZERO_BACKEND=numpy")
def test_quick_benchmark_runs_and_checks_every_workload(tmp_path):
    out = tmp_path / "bench.json"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "run.py"), "--quick", "--repeats", "1",
         "--newton-steps", "500", "--json", str(out)],
        capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in ("W1", "W2", "W3", "W4", "W5", "W6", "W7", "B1", "B2", "B3", "B4", "L1", "L2", "L3"):
        assert f"{name}: " in proc.stdout and f"| {name} " in proc.stdout, proc.stdout
    assert out.exists()


@pytest.mark.skipif(BACKEND != "numpy", reason="benchmarks/instructions.py counts NumPy workloads only")
@pytest.mark.parametrize("name", ["W1", "W2", "W4", "W5", "W5-array-seed", "W6"])
def test_instruction_count_workloads_compute_the_benchmarks_answers(name, monkeypatch):
    monkeypatch.syspath_prepend(os.path.join(ROOT, "benchmarks"))
    import instructions
    import run

    rng = np.random.default_rng(0)
    x0, v0 = rng.uniform(-2, 2, 100_000), rng.standard_normal(100_000)
    two = np.array(2.0)
    want = {"W1": lambda: run.newton_numpy(two),
            "W2": lambda: run.goldstein_grad_numpy(np.array(1.0), np.array(1.0)),
            "W4": lambda: run.rosenbrock_hvp_numpy(x0, v0),
            "W5": lambda: run.tanh_derivatives_numpy(np.array(1.0), 8),
            "W5-array-seed": lambda: run.tanh_derivatives_numpy(np.array(1.0), 8)[-1],
            "W6": lambda: run.newton_loop(run.newton_numpy, two, 20)}[name]()
    got = instructions.workload(name)()
    got = [g.data for g in got] if name == "W5" else getattr(got, "data", got)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-8)
