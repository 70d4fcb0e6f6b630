"""Sessions per backend, lint, demo and benchmarks: `nox -l` lists them."""
import os
import re
import shutil
import sys

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
TORCH = "torch==2.13.0"  # the CPU build available on this project's machines
CPU_BACKENDS = ["numpy", "array_api_strict", "torch", "dask"]


def _run_tests(session, backend, *pytest_args):
    session.install(TORCH)  # every backend's tests use torch as an oracle
    session.install("-e", ".[test,viz,scipy,progress,dask]")
    if backend == "cupy":
        try:
            session.install("cupy-cuda12x")
        except Exception:  # noqa: BLE001 - no wheel here: the suite still runs and skips with the reason
            session.warn("could not install cupy-cuda12x; GPU tests will be skipped")
    # one pytest worker per core (pytest-xdist): the Dask run takes 5 minutes instead of 10 on 2 cores
    session.run("python", "-m", "pytest", "-q", "-n", "auto", *pytest_args, *session.posargs,
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


@nox.session(name="gpu-check", python=False)
def gpu_check(session):
    """The five-minute GPU check, benchmarks/gpu_check.py: reports in gpu-check/ (`-- --wheels DIR`).

    No virtualenv: it runs on this interpreter, whose CUDA builds of CuPy and torch a GPU image
    provides and an offline machine could not install; `--wheels DIR` installs array-api-compat
    from a folder into the report folder."""
    out = os.path.abspath(os.environ.get("GDEZERO_GPU_CHECK_OUT", "gpu-check"))
    session.run("python", "benchmarks/gpu_check.py", "--out", out, *session.posargs)


@nox.session(python=PYTHON)
def lint(session):
    """ruff on everything; mypy on gdezero/ (configured in pyproject.toml) against its own dependencies."""
    session.install("ruff", "mypy", "-e", ".")
    session.run("ruff", "check", ".")
    session.run("mypy", "gdezero")


@nox.session(python=PYTHON)
def demo(session):
    """Run every script in examples/ on the CPU (`-- --device gpu` for CuPy), then refresh the
    README's figures in docs/ from what they wrote."""
    session.install("-e", ".[viz,scipy,dask]")
    out = os.path.abspath(os.environ.get("GDEZERO_DEMO_OUT", "out"))
    for script in sorted(os.listdir("examples")):
        if script.endswith(".py") and not script.startswith("_"):
            session.run("python", os.path.join("examples", script), "--out", out, *session.posargs)
    with open("README.md", encoding="utf-8") as readme:
        images = re.findall(r"!\[[^\]]*\]\((docs/[^)\s]+)\)", readme.read())
    for image in images:
        written = os.path.join(out, os.path.basename(image))
        if not os.path.isfile(written):
            session.error(f"the README shows {image}, but no example wrote it in {out}")
        shutil.copyfile(written, image)
    session.log(f"figures are in {out}; the README's {len(images)} figures were refreshed in docs/")


@nox.session(python=PYTHON)
def docs(session):
    """The site in docs/_build/html (Sphinx, warnings as errors), then read in headless Chromium."""
    session.install("-e", ".[docs,test]")
    for generated in ("docs/_build", "docs/auto_examples", "docs/generated", "docs/_generated"):
        shutil.rmtree(generated, ignore_errors=True)  # a stale stub or gallery page must not hide a change
    session.run("python", "-m", "sphinx", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html",
                env={"MPLBACKEND": "Agg"})
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_docs_site.py",
                "tests/test_docs_tour.py")


@nox.session(python=PYTHON)
def doctest(session):
    """The examples in gdezero's docstrings, run as doctests."""
    session.install("-e", ".[viz,test,scipy]")
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--doctest-modules", "gdezero")


@nox.session(python=PYTHON)
def bench(session):
    """Timings against hand-written NumPy and PyTorch (1 thread); `-- --quick` for CI."""
    if not os.path.isfile("benchmarks/run.py"):
        session.skip("no benchmarks/run.py in this checkout")
    session.install(TORCH)
    session.install("-e", ".[dask]")  # W8 (--w8) runs on a Dask LocalCluster
    session.run("python", "benchmarks/run.py", *session.posargs)
