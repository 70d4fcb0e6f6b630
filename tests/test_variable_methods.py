"""Variable's operators and differentiable methods come from one table, gdezero.ops.METHODS,
and the type checkers' stubs in core.py declare exactly that table."""
import ast
import inspect

import gdezero.core
import gdezero.ops
from gdezero import Variable


def _stubs():
    """The functions declared under `if TYPE_CHECKING:` in the body of class Variable."""
    tree = ast.parse(inspect.getsource(gdezero.core))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Variable")
    blocks = [n for n in cls.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"]
    assert len(blocks) == 1, "class Variable should have one `if TYPE_CHECKING:` block of stubs"
    return [n for n in blocks[0].body if isinstance(n, ast.FunctionDef)]


def test_the_type_checking_stubs_declare_exactly_the_bound_table():
    stubs = [n.name for n in _stubs()]
    twice = sorted({n for n in stubs if stubs.count(n) > 1})
    assert not twice, f"stubs declared twice: {twice}"
    table = set(gdezero.ops.METHODS)
    assert not table - set(stubs), f"bound without a stub in core.py: {sorted(table - set(stubs))}"
    assert not set(stubs) - table, f"stubbed but not bound by gdezero.ops: {sorted(set(stubs) - table)}"


def test_every_table_entry_is_what_variable_has():
    for name, method in gdezero.ops.METHODS.items():
        assert inspect.getattr_static(Variable, name) is method, name


def test_each_stub_has_a_return_type():
    untyped = [n.name for n in _stubs() if n.returns is None]
    assert not untyped, f"stubs without a return type: {untyped}"
