"""How a Variable shows itself in a notebook: `_repr_html_` and `_repr_markdown_` name its
name, shape, dtype, backend and device, whether it is recorded, whether it holds a grad and
its creator's user-level op; the plain repr stays DeZero's."""
import html.parser
import os

import pytest

import gdezero as gd
import gdezero.functions as F

BACKEND = os.environ.get("GDEZERO_BACKEND", "numpy")
BACKEND_NAME = {"numpy": "NumPy", "torch": "PyTorch", "array_api_strict": "array_api_strict",
                "dask": "dask", "cupy": "CuPy"}[BACKEND]


class Table(html.parser.HTMLParser):
    """{header: cell text} of the one table a Variable's HTML is."""

    def __init__(self, text):
        super().__init__()
        self.cells, self._key, self._tag = {}, None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self._tag = tag

    def handle_data(self, data):
        if self._tag == "th":
            self._key = data
        elif self._tag in ("code", "pre") and self._key is not None:
            self.cells[self._key] = self.cells.get(self._key, "") + data


def fields(v):
    return Table(v._repr_html_()).cells


def test_a_named_leaf_shows_name_shape_dtype_backend_and_no_grad(arr):
    x = gd.Variable(arr([1.0, 2.0, 3.0]), name="x")
    cells = fields(x)
    assert cells["name"] == "x" and cells["shape"] == "(3,)" and cells["dtype"] == "float64"
    assert cells["backend"].startswith(BACKEND_NAME + " on ")
    assert cells["recorded"] == "a leaf" and cells["grad"] == "none"


def test_an_output_names_its_creators_user_level_op_not_a_fused_class(arr):
    x = gd.Variable(arr([1.0, 2.0]), name="x")
    assert fields(x * 2)["recorded"] == "yes: output of Mul"  # MulConstant inside
    assert fields(1 - x)["recorded"] == "yes: output of Sub"  # RSubConstant inside
    assert fields(F.sin(x))["recorded"] == "yes: output of Sin"
    g = gd.grad(F.sum(x[1:] ** 3), x, create_graph=True)
    assert fields(g)["recorded"] == "yes: output of ScatterAdd"  # GetItemGrad inside


def test_backward_shows_the_grad_as_present(arr):
    x = gd.Variable(arr(3.0))
    (x * x).backward()
    assert fields(x)["grad"] == "present"


def test_an_output_of_no_grad_says_it_is_not_recorded(arr):
    x = gd.Variable(arr(3.0))
    with gd.no_grad():
        y = x * x
    assert fields(y)["recorded"] == "no: computed with backprop off"


def test_names_and_values_are_escaped(arr):
    x = gd.Variable(arr(1.0), name="<b>&</b>")
    text = x._repr_html_()
    assert "<b>&" not in text and fields(x)["name"] == "<b>&</b>"


def test_a_variable_without_data_says_so():
    assert fields(gd.Variable(None, name="v")) == {"name": "v", "data": "None"}


def test_markdown_carries_the_same_fields(arr):
    x = gd.Variable(arr([1.0, 2.0]), name="x")
    text = (x * 2)._repr_markdown_()
    for part in ("shape `(2,)`", "dtype `float64`", f"backend `{BACKEND_NAME} on ", "output of Mul",
                 "grad `none`"):
        assert part in text, text


def test_plain_repr_is_dezeros(arr):
    if BACKEND != "numpy":
        pytest.skip("the values' text is the backend's own; DeZero's form is checked on NumPy")
    assert repr(gd.Variable(arr(2.0))) == "variable(2.0)"
