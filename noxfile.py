"""Sessions per backend, lint, demo and benchmarks: `nox -l` lists them."""
import os
import sys

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
TORCH = "torch==2.13.0"  # the CPU build available on this project's machines
CPU_BACKENDS = ["numpy", "array_api_strict", "torch", "dask"]


def _run_tests(session, backend, *pytest_args):
    session.install(TORCH)  # every backend's tests use torch as an oracle
    session.install("-e", ".[test,plot,scipy,progress,dask]")
    if backend == "cupy":
        try:
            session.install("cupy-cuda12x")
        except Exception:  # noqa: BLE001 - no wheel here: the suite still runs and skips with the reason
            session.warn("could not install cupy-cuda12x; GPU tests will be skipped")
    session.run("python", "-m", "pytest", "-q", *pytest_args, *session.posargs,
                env={"GDEZERO_BACKEND": backend})


@nox.session(python=PYTHON)
@nox.parametrize("backend", [nox.param(b, id=b) for b in CPU_BACKENDS])
def tests(session, backend):
    """The suite on one CPU backend: `nox -s tests` runs them all, `nox -s "tests(torch)"` one."""
    _run_tests(session, backend)


@nox.session(name="tests-distributed", python=PYTHON)
def tests_distributed(session):
    """Only the Dask tests that run on a LocalCluster with two worker processes."""
    _run_tests(session, "dask", "-m", "distributed")


@nox.session(name="tests-cupy", python=PYTHON)
def tests_cupy(session):
    """CuPy on CUDA; on a machine without a GPU every test reports the skip reason."""
    _run_tests(session, "cupy")


@nox.session(python=PYTHON)
def lint(session):
    session.install("ruff")
    session.run("ruff", "check", ".")


@nox.session(python=PYTHON)
def demo(session):
    """Run every script in examples/ on the CPU (`-- --device gpu` for CuPy)."""
    session.install("-e", ".[plot,scipy,dask]")
    out = os.path.abspath(os.environ.get("GDEZERO_DEMO_OUT", "out"))
    for script in sorted(os.listdir("examples")):
        if script.endswith(".py") and not script.startswith("_"):
            session.run("python", os.path.join("examples", script), "--out", out, *session.posargs)
    session.log(f"figures are in {out}")


@nox.session(python=PYTHON)
def bench(session):
    """Timings against hand-written NumPy and PyTorch (1 thread); `-- --quick` for CI."""
    if not os.path.isfile("benchmarks/run.py"):
        session.skip("no benchmarks/run.py in this checkout")
    session.install(TORCH)
    session.install("-e", ".[dask]")  # W8 (--w8) runs on a Dask LocalCluster
    session.run("python", "benchmarks/run.py", *session.posargs)
