"""Only gdezero/backend/ names an array library: every other module asks it for a namespace
or a backend's quirk. Checked on the source, so a new leak fails here at once."""
import ast
import pathlib
import re
import types

import pytest

from gdezero import backend

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "gdezero"
LIBRARIES = {"numpy", "torch", "dask", "cupy", "cupyx", "array_api_strict", "array_api_compat"}
# A backend's name or one of its devices, in an identifier or a string of code.
SPECIFIC = re.compile(r"numpy|torch|dask|cupy|array_api_strict|array_api_compat|cpu_device|\bnp\b",
                      re.IGNORECASE)
# In a string, NumPy may be named: error messages suggest the fix in NumPy terms (np.asarray).
SPECIFIC_TEXT = re.compile(r"torch|dask|cupy|array_api_strict|array_api_compat|cpu_device", re.IGNORECASE)
SEAM = {name for name, value in vars(backend).items()  # calling the seam is fine
        if not name.startswith("_") and not isinstance(value, types.ModuleType)}
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "backend" not in p.relative_to(PACKAGE).parts)


def _docstrings(tree):
    """The docstring nodes of the module, its classes and functions (text, not code)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                yield body[0].value


def leaks(source):
    """(line, what) for each import of an array library and each backend-specific name or
    string in code: comments and docstrings are not code."""
    tree = ast.parse(source)
    docs = {id(node) for node in _docstrings(tree)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names
                      if a.name.split(".")[0] in LIBRARIES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in LIBRARIES:
            found.append((node.lineno, f"from {node.module} import"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            if SPECIFIC_TEXT.search(node.value):
                found.append((node.lineno, repr(node.value)))
        else:
            name = (node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute)
                    else node.name if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else None)
            if name is not None and name not in SEAM and SPECIFIC.search(name):
                found.append((node.lineno, name))
    return found


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_no_module_outside_the_backend_package_names_an_array_library(path):
    assert leaks(path.read_text(encoding="utf-8")) == [], (
        f"{path.relative_to(PACKAGE)} names an array library; ask gdezero.backend instead")


@pytest.mark.parametrize("code", [
    "import numpy as np", "from dask import array", "import torch.linalg",
    "x = 'CPU_DEVICE' in str(d)", "ok = is_dask_array(a)", "y = np.zeros(3)",
    "def f():\n    '''A docstring may name NumPy.'''\n    return xp.cupy_thing"])
def test_the_scan_finds_imports_names_and_strings_but_not_docstrings(code):
    assert leaks(code)


def test_the_scan_passes_docstrings_comments_and_namespace_calls():
    assert leaks('"""NumPy, torch and Dask all work."""\nxp = get_array_module(x)  # not numpy\n') == []
