"""Every public name has a numpydoc docstring with a runnable example, and the package is typed.

The examples themselves run as doctests in `nox -s "tests(numpy)"` and `nox -s doctest`
(pytest --doctest-modules gdezero); mypy runs in `nox -s lint`. These tests catch a new
public name shipped without either.
"""
import inspect
import pathlib
import typing

import pytest

import gdezero as gd
import gdezero.functions as F

tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11's tomllib")

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOP_LEVEL = [n for n in gd.__all__ if callable(getattr(gd, n))]
VARIABLE_METHODS = ["backward", "cleargrad", "unchain", "unchain_backward", "detach", "to_gpu", "to_cpu",
                    "item", "astype", "mean",
                    "reshape", "transpose", "shape", "ndim", "size", "dtype", "device", "xp"]


def _doc(obj):
    return inspect.getdoc(obj) or ""


@pytest.mark.parametrize("name", TOP_LEVEL + [f"F.{n}" for n in F.__all__]
                         + [f"Variable.{m}" for m in VARIABLE_METHODS])
def test_public_name_has_a_summary_and_an_example(name):
    owner, _, attr = name.rpartition(".")
    obj = getattr({"": gd, "F": F, "Variable": gd.Variable}[owner], attr)
    if isinstance(inspect.getattr_static(gd.Variable, attr, None), property) and owner == "Variable":
        obj = inspect.getattr_static(gd.Variable, attr)
    doc = _doc(obj)
    assert doc.strip(), f"{name} has no docstring"
    assert "Examples\n--------" in doc and ">>>" in doc, f"{name}'s docstring has no Examples section"


@pytest.mark.parametrize("name", [n for n in TOP_LEVEL if inspect.isfunction(getattr(gd, n))]
                         + [f"F.{n}" for n in F.__all__])
def test_public_function_is_fully_annotated(name):
    obj = inspect.unwrap(getattr(F, name[2:]) if name.startswith("F.") else getattr(gd, name))
    # an @overload-ed function carries its types on the overloads (the implementation may not)
    for variant in typing.get_overloads(obj) or [obj]:
        signature = inspect.signature(variant)
        missing = [p.name for p in signature.parameters.values() if p.annotation is inspect.Parameter.empty]
        assert not missing, f"{name}: parameters {missing} have no type hint"
        assert signature.return_annotation is not inspect.Signature.empty, f"{name} has no return type"


def test_py_typed_marker_ships_with_the_package():
    assert (ROOT / "gdezero" / "py.typed").is_file()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in pyproject["tool"]["setuptools"]["package-data"]["gdezero"]
