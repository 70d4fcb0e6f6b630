"""Sessions per backend, lint, demo and benchmarks: `nox -l` lists them."""
import concurrent.futures
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


def _install(session, *args):
    """pip install without compiling every installed module up front (half of a session's
    set-up: torch alone has thousands); Python compiles what it imports, once."""
    session.install("--no-compile", *args)


def _run_tests(session, backend, *pytest_args):
    _install(session, TORCH, "-e", ".[test,viz,scipy,progress,dask]")  # torch: every backend's oracle
    if backend == "cupy":
        try:
            _install(session, "cupy-cuda12x")
        except Exception:  # noqa: BLE001 - no wheel here: the suite still runs and skips with the reason
            session.warn("could not install cupy-cuda12x; GPU tests will be skipped")
    # one pytest worker per core (pytest-xdist): the Dask run takes 5 minutes instead of 10 on 2 cores
    session.run("python", "-m", "pytest", "-q", "-n", "auto", *pytest_args, *session.posargs,
                env={"GDEZERO_BACKEND": backend})
    if backend == "numpy" and not pytest_args and not session.posargs:
        _run_doctests(session)  # in this environment, which has everything they import


def _run_doctests(session):
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--doctest-modules", "gdezero")


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
    _install(session, "ruff", "mypy", "-e", ".")
    session.run("ruff", "check", ".")
    session.run("mypy", "gdezero")


def _examples():
    return sorted(s for s in os.listdir("examples") if s.endswith(".py") and not s.startswith("_"))


@nox.session(python=PYTHON)
def demo(session):
    """Run every script in examples/ on the CPU (`-- --device gpu` for CuPy); everything it
    writes goes under out/ (GDEZERO_DEMO_OUT to change), never into the checkout's files."""
    _install(session, "-e", ".[viz,scipy,dask]")
    out = os.path.abspath(os.environ.get("GDEZERO_DEMO_OUT", "out"))

    def run(script):
        return session.run("python", os.path.join("examples", script), "--out", out,
                           *session.posargs, silent=True)

    # one example per core at a time (each is single-threaded); each one's output once it ends
    scripts = _examples()
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        for script, output in zip(scripts, pool.map(run, scripts)):
            session.log(f"examples/{script}:")
            print(output, end="", flush=True)
    session.log(f"every example ran; figures are in {out}")


# the committed figures the README shows, and the example that draws each one
README_FIGURES = {"docs/sin_higher_derivatives.png": "sin_higher_derivatives.py",
                  "docs/taylor_series.png": "taylor_series.py",
                  "docs/tanh_order3.svg": "tanh_graph.py",
                  "docs/rosenbrock_newton_cg.png": "rosenbrock_newton_cg.py",
                  "docs/robust_regression.png": "robust_regression.py"}


@nox.session(python=PYTHON)
def figures(session):
    """Refresh the committed figures the README shows (docs/*.png) from the examples that draw
    them, then commit them; `nox -s demo` never touches them."""
    _install(session, "-e", ".[viz,scipy]")
    with open("README.md", encoding="utf-8") as readme:
        shown = set(re.findall(r"!\[[^\]]*\]\((docs/[^)\s]+)\)", readme.read()))
    if shown != set(README_FIGURES):
        session.error(f"README_FIGURES in noxfile.py lists {sorted(README_FIGURES)}, "
                      f"the README shows {sorted(shown)}")
    out = session.create_tmp()
    for script in sorted(set(README_FIGURES.values())):
        session.run("python", os.path.join("examples", script), "--out", out)
    for image in sorted(README_FIGURES):
        shutil.copyfile(os.path.join(out, os.path.basename(image)), image)
    session.log(f"the README's {len(README_FIGURES)} figures were refreshed in docs/: commit them")


CHROMIUM = ("chromium", "chromium-browser", "google-chrome")


@nox.session(python=PYTHON)
def docs(session):
    """The site in docs/_build/html (Sphinx, warnings as errors), its downloads and notebook run,
    then every page read in headless Chromium; `-- --no-browser` skips only the Chromium checks."""
    browser = "--no-browser" not in session.posargs
    if browser and not any(map(shutil.which, CHROMIUM)):
        session.error("the browser checks need Chromium (apt-get install chromium); "
                      "run `nox -s docs -- --no-browser` to build and check the site without them")
    _install(session, "-e", ".[docs,test]")
    for generated in ("docs/_build", "docs/auto_examples", "docs/generated", "docs/_generated"):
        shutil.rmtree(generated, ignore_errors=True)  # a stale stub or gallery page must not hide a change
    session.run("python", "-m", "sphinx", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html",
                env={"MPLBACKEND": "Agg"})
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_docs_site.py",
                "tests/test_docs_tour.py", "tests/test_docs_build.py",
                env={"GDEZERO_DOCS_BROWSER": "required" if browser else "skip"})
    if not browser:
        session.warn("--no-browser: the site was built, but no page was read in Chromium")


@nox.session(python=PYTHON)
def doctest(session):
    """The examples in gdezero's docstrings, run as doctests (every module is imported,
    backend/_torch.py too: torch is installed as in the tests sessions)."""
    _install(session, TORCH, "-e", ".[viz,test,scipy]")
    _run_doctests(session)


@nox.session(python=PYTHON)
def bench(session):
    """Timings against hand-written NumPy and PyTorch (1 thread); `-- --quick` for CI."""
    if not os.path.isfile("benchmarks/run.py"):
        session.skip("no benchmarks/run.py in this checkout")
    _install(session, TORCH, "-e", ".[dask]")  # W8 (--w8) runs on a Dask LocalCluster
    session.run("python", "benchmarks/run.py", *session.posargs)
