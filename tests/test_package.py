"""Packaging facts: submodules as attributes (loaded lazily), one version, the MIT licence."""
import pathlib
import re
import subprocess
import sys

import pytest

import gdezero as gd

tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11's tomllib")

ROOT = pathlib.Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def run_python(code):
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.parametrize("name", ["functions", "graph", "utils", "optimize", "func"])
def test_import_gdezero_exposes_each_submodule_as_an_attribute(name):
    assert run_python(f"import gdezero as gd; print(gd.{name}.__name__)") == [f"gdezero.{name}"]


def test_submodule_attributes_are_the_modules_themselves():
    import gdezero.graph
    import gdezero.utils
    assert gd.graph is gdezero.graph and gd.utils is gdezero.utils
    assert gd.utils.plot_dot_graph is gd.graph.plot_dot_graph


def test_import_gdezero_loads_graph_utils_optimize_only_when_asked():
    loaded = run_python("import sys, gdezero as gd\n"
                        "names = ['gdezero.graph', 'gdezero.utils', 'gdezero.optimize']\n"
                        "print(*[n in sys.modules for n in names])\n"
                        "gd.graph\n"
                        "print(*[n in sys.modules for n in names])")
    assert loaded == ["False", "False", "False", "True", "False", "False"]


@pytest.mark.skipif(not (ROOT / "gdezero" / "ops").is_dir(),
                    reason="the engine refactor (issue 10) moves the ops out of gdezero.functions; "
                           "until then gdezero.functional imports it")
def test_import_gdezero_core_alone_does_not_import_functions():
    assert run_python("import sys, gdezero.core; print('gdezero.functions' in sys.modules)") == ["False"]


def test_dir_lists_the_lazy_submodules_and_unknown_names_raise():
    assert {"functions", "graph", "utils", "optimize", "Variable", "grad"} <= set(dir(gd))
    with pytest.raises(AttributeError, match="has no attribute 'no_such_thing'"):
        gd.no_such_thing  # noqa: B018


def test_version_has_one_source_read_by_setuptools():
    from gdezero._version import __version__
    assert gd.__version__ == __version__
    assert re.fullmatch(r"\d+\.\d+\.\d+([ab]\d+|rc\d+)?(\.dev\d+)?", __version__)
    assert "version" not in PYPROJECT["project"] and PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "gdezero._version.__version__"}


def test_mit_licence_file_and_spdx_expression():
    assert PYPROJECT["project"]["license"] == "MIT"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text


def test_extras_viz_dask_docs_all():
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert "graphviz-pure" in extras["viz"]
    assert extras["dask"] == ["dask[array,distributed]"]
    assert {"sphinx", "pydata-sphinx-theme", "numpydoc", "sphinx-gallery"} <= {
        re.split(r"[<>=\[]", r)[0] for r in extras["docs"]}
    assert extras["all"] == ["gdezero[viz,dask,scipy,progress,torch]"]


def test_gpu_extras_pin_one_cupy_wheel_per_cuda_major_version():
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert extras["gpu"] == ["cupy-cuda12x"]
    assert extras["gpu-cuda13"] == ["cupy-cuda13x"]
