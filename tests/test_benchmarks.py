"""The benchmark script runs end to end and its correctness checks pass (speed is not asserted)."""
import os
import subprocess
import sys

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
