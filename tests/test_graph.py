"""DOT export (gdezero.graph): structure, labels, quoting, constants, rendering with `dot`,
with `graphviz-pure` or with neither, timeouts, and the notebook display of the result."""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero.core import Constant, Ones
from gdezero.graph import DotGraph, RenderedGraph
from gdezero.utils import get_dot_graph, plot_dot_graph

pytest.importorskip("graphviz", reason="gdezero.graph needs the graphviz Python package")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REAL_WHICH = shutil.which
needs_dot = pytest.mark.skipif(REAL_WHICH("dot") is None,
                               reason="needs the Graphviz `dot` binary (apt-get install graphviz)")
# graphviz-pure is found on PATH or beside this Python (a notebook kernel of an unactivated venv)
PURE = REAL_WHICH("graphviz-pure") or REAL_WHICH("graphviz-pure", path=os.path.dirname(sys.executable))
needs_pure = pytest.mark.skipif(PURE is None,
                                reason="needs the graphviz-pure command (pip install graphviz-pure)")
RENDERERS = [pytest.param("dot", marks=needs_dot), pytest.param("graphviz-pure", marks=needs_pure)]

NODE = re.compile(r"^\t(\w+) \[label=(-?[\w.]*|\"[^\"]*\") (.*)\]$", re.M)
EDGE = re.compile(r"^\t(\w+) -> (\w+)$", re.M)
GREY = "color=lightgrey style=filled"


def parse(dot):
    """({node id: (label, attributes)}, [(source label, target label)]) of simple DOT text."""
    nodes = {i: (label.strip('"'), attrs) for i, label, attrs in NODE.findall(dot)}
    edges = [(nodes[a][0], nodes[b][0]) for a, b in EDGE.findall(dot)]
    return nodes, edges


@pytest.fixture
def small_graph(arr):
    """y = x0 * x1 + sin(x0), every variable named."""
    x0 = gd.Variable(arr(1.0), name="x0")
    x1 = gd.Variable(arr([2.0, 3.0]), name="x1")
    a = x0 * x1
    a.name = "a"
    b = F.sin(x0)
    b.name = "b"
    y = a + b
    y.name = "y"
    return y


def test_small_graph_has_each_variable_and_function_once(small_graph):
    nodes, _ = parse(get_dot_graph(small_graph, verbose=False))
    labels = sorted(label for label, _ in nodes.values())
    assert labels == ["Add", "Mul", "Sin", "a", "b", "x0", "x1", "y"]


def test_small_graph_edges_run_input_function_output(small_graph):
    _, edges = parse(get_dot_graph(small_graph, verbose=False))
    assert sorted(edges) == sorted([
        ("x0", "Mul"), ("x1", "Mul"), ("Mul", "a"),
        ("x0", "Sin"), ("Sin", "b"),
        ("a", "Add"), ("b", "Add"), ("Add", "y")])


def test_variables_are_orange_ellipses_and_functions_lightblue_boxes(small_graph):
    nodes, _ = parse(get_dot_graph(small_graph, verbose=False))
    for label, attrs in nodes.values():
        if label in ("Add", "Mul", "Sin"):
            assert attrs == "color=lightblue shape=box style=filled"
        else:
            assert attrs == "color=orange style=filled"


def test_verbose_labels_add_shape_and_dtype(small_graph):
    nodes, _ = parse(get_dot_graph(small_graph, verbose=True))
    labels = {label for label, _ in nodes.values()}
    assert {"x0: () float64", "x1: (2,) float64", "a: (2,) float64", "b: () float64",
            "y: (2,) float64"} <= labels


def test_unnamed_variable_verbose_label_is_shape_and_dtype_only(arr):
    y = F.sin(gd.Variable(arr([[1.0, 2.0, 3.0]])))
    nodes, _ = parse(get_dot_graph(y))
    assert sorted(label for label, _ in nodes.values()) == ["(1, 3) float64", "(1, 3) float64",
                                                            "Sin"]


def test_label_shows_device_when_not_cpu(xp):
    if not hasattr(xp, "Device"):
        pytest.skip("only array_api_strict offers a second CPU-side device to label")
    v = gd.Variable(xp.asarray([1.0], device=xp.Device("device1")), name="v")
    assert "device1" in get_dot_graph(v)


def test_leaf_alone_is_one_node(arr):
    nodes, edges = parse(get_dot_graph(gd.Variable(arr(1.0), name="x"), verbose=False))
    assert [label for label, _ in nodes.values()] == ["x"] and edges == []


# ---------------------------------------------------------------- constants and op names
def test_small_constant_is_grey_with_its_value_and_feeds_the_function(arr):
    x = gd.Variable(arr([1.0, 2.0]), name="x")
    nodes, edges = parse(get_dot_graph(x + arr([0.5, -1.0]), verbose=False))
    constants = [(label, attrs) for label, attrs in nodes.values() if attrs == GREY]
    assert constants == [("[ 0.5, -1. ]", GREY)]
    assert ("[ 0.5, -1. ]", "Add") in edges and ("x", "Add") in edges


def test_large_constant_is_grey_with_kind_and_shape_instead_of_values(arr):
    x = gd.Variable(arr([1.0, 2.0, 3.0, 4.0, 5.0]), name="x")
    nodes, _ = parse(get_dot_graph(x * arr([1.0, 2.0, 3.0, 4.0, 5.0]), verbose=True))
    assert [label for label, attrs in nodes.values() if attrs == GREY] == ["constant: (5,) float64"]


def test_python_scalar_of_an_op_is_drawn_as_a_grey_constant(arr):
    x = gd.Variable(arr([1.0, 2.0]), name="x")
    nodes, edges = parse(get_dot_graph(1 - 2 * x, verbose=False))
    assert sorted(label for label, attrs in nodes.values() if attrs == GREY) == ["1", "2"]
    functions = [label for label, attrs in nodes.values() if "shape=box" in attrs]
    assert len(functions) == 2
    assert {source for source, _ in edges if source in ("1", "2")} == {"1", "2"}


def test_seed_is_a_grey_constant_not_an_orange_input(arr):
    x = gd.Variable(arr([1.0, 2.0, 3.0]), name="x")
    y = Ones(arr(1.0)) * x  # a broadcast seed is not multiplied away, so it is a real input
    nodes, edges = parse(get_dot_graph(y, verbose=False))
    assert sorted((label, attrs) for label, attrs in nodes.values() if attrs != "color=lightblue "
                  "shape=box style=filled") == [("", "color=orange style=filled"), ("1", GREY),
                                                ("x", "color=orange style=filled")]
    assert ("1", "Mul") in edges


def test_large_seed_is_labelled_ones(arr):
    x = gd.Variable(arr([[1.0, 2.0, 3.0, 4.0, 5.0]]), name="x")
    y = Ones(arr([1.0, 1.0, 1.0, 1.0, 1.0])) * x
    nodes, _ = parse(get_dot_graph(y, verbose=False))
    assert [label for label, attrs in nodes.values() if attrs == GREY] == ["ones"]


def test_named_constant_keeps_its_name_beside_the_value(arr):
    c = Constant(arr(3.0), name="c")
    nodes, _ = parse(get_dot_graph(gd.Variable(arr(1.0)) * c, verbose=False))
    assert [label for label, attrs in nodes.values() if attrs == GREY] == ["c: 3"]


class Twice(gd.Function):
    """An internal specialisation that displays as the op a user wrote."""
    label = "Mul"

    def forward(self, x):
        return x * 2

    def backward(self, gy):
        return gy * 2


class Awkward(gd.Function):
    label = 'my "op" <b>\\n</b>'

    def forward(self, x):
        return x

    def backward(self, gy):
        return gy


def test_function_node_shows_the_class_label_when_it_has_one(arr):
    nodes, _ = parse(get_dot_graph(Twice()(gd.Variable(arr(1.0), name="x")), verbose=False))
    assert sorted(label for label, _ in nodes.values()) == ["", "Mul", "x"]


def test_function_node_without_label_shows_its_class_name(arr):
    nodes, _ = parse(get_dot_graph(F.sin(gd.Variable(arr(1.0), name="x")), verbose=False))
    assert "Sin" in {label for label, _ in nodes.values()}


# ---------------------------------------------------------------- quoting, checked by a renderer
def rendered_texts(renderer, dot):
    program = REAL_WHICH("dot") if renderer == "dot" else PURE
    done = subprocess.run([program, "-Tsvg"], input=dot.encode("utf-8"), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return [t.text for t in ET.fromstring(done.stdout).iter("{http://www.w3.org/2000/svg}text")]


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("name", [
    'say "hi"', "a\\b", "ends with \\", "two\nlines", "<b>html</b>", "x > 0 < 1", "{set}",
    "naïve ∂y/∂x", "graph",
])
def test_awkward_names_give_dot_that_graphviz_renders_verbatim(arr, name, renderer):
    y = F.sin(gd.Variable(arr(1.0), name=name))
    texts = rendered_texts(renderer, get_dot_graph(y, verbose=False))
    assert "\n".join(t for t in texts if t != "Sin") == name


@pytest.mark.parametrize("renderer", RENDERERS)
def test_function_names_are_escaped_like_variable_names(arr, renderer):
    y = Awkward()(gd.Variable(arr(1.0), name="x"))
    y.name = "y"
    texts = rendered_texts(renderer, get_dot_graph(y, verbose=False))
    assert sorted(texts) == sorted(["x", "y", Awkward.label])


# ---------------------------------------------------------------- rendering: dot, graphviz-pure, neither
def only(monkeypatch, **programs):
    """shutil.which finds exactly `programs` (name -> path or None), as on a machine without the rest."""
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: programs.get(name))


def fake_program(tmp_path, name, script):
    path = tmp_path / "bin" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(0o755)
    return str(path)


@needs_dot
def test_plot_dot_graph_writes_a_png_and_returns_its_path(small_graph, tmp_path):
    path = plot_dot_graph(small_graph, to_file=tmp_path / "sub" / "graph.png")
    assert path == tmp_path / "sub" / "graph.png"
    assert path.read_bytes()[:8] == PNG_SIGNATURE


@needs_dot
def test_plot_dot_graph_takes_the_format_from_the_suffix(small_graph, tmp_path):
    svg = plot_dot_graph(small_graph, to_file=str(tmp_path / "graph.svg"))
    assert b"<svg" in svg.read_bytes()
    assert plot_dot_graph(small_graph, to_file=tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"


def test_dot_is_preferred_when_both_renderers_exist(small_graph, tmp_path, monkeypatch):
    dot = fake_program(tmp_path, "dot", 'printf "drawn by dot $1" > "$3"')
    pure = fake_program(tmp_path, "graphviz-pure", 'printf "drawn by pure $1" > "$3"')
    only(monkeypatch, dot=dot, **{"graphviz-pure": pure})
    path = plot_dot_graph(small_graph, to_file=tmp_path / "graph.svg")
    assert path.read_text() == "drawn by dot -Tsvg"


@needs_pure
@pytest.mark.parametrize("suffix, signature", [(".png", PNG_SIGNATURE), (".svg", b"<?xml")])
def test_only_graphviz_pure_renders_png_and_svg(small_graph, tmp_path, monkeypatch, suffix, signature):
    only(monkeypatch, **{"graphviz-pure": PURE})
    path = plot_dot_graph(small_graph, to_file=tmp_path / ("graph" + suffix))
    assert path.read_bytes().startswith(signature)
    assert not (tmp_path / "graph.dot").exists()


@needs_pure
def test_only_graphviz_pure_draws_every_label(small_graph, tmp_path, monkeypatch):
    only(monkeypatch, **{"graphviz-pure": PURE})
    svg = plot_dot_graph(small_graph, verbose=False, to_file=tmp_path / "graph.svg")
    texts = [t.text for t in ET.parse(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert sorted(texts) == ["Add", "Mul", "Sin", "a", "b", "x0", "x1", "y"]


def test_pdf_with_only_graphviz_pure_is_a_clear_error_and_keeps_the_dot_file(
        small_graph, tmp_path, monkeypatch):
    only(monkeypatch, **{"graphviz-pure": fake_program(tmp_path, "graphviz-pure", "exit 0")})
    with pytest.raises(RuntimeError, match=r"graphviz-pure writes png and svg but not pdf.*apt-get install"):
        plot_dot_graph(small_graph, to_file=tmp_path / "graph.pdf")
    assert (tmp_path / "graph.dot").read_text(encoding="utf-8") == get_dot_graph(small_graph)
    assert not (tmp_path / "graph.pdf").exists()


def test_without_any_renderer_leaves_dot_file_and_names_both_installs(small_graph, tmp_path, monkeypatch):
    only(monkeypatch)  # neither on PATH nor beside this Python
    with pytest.raises(RuntimeError) as error:
        plot_dot_graph(small_graph, to_file=tmp_path / "graph.png")
    assert "pip install graphviz-pure" in str(error.value)
    assert "apt-get install graphviz" in str(error.value)
    assert str(tmp_path / "graph.dot") in str(error.value)
    assert (tmp_path / "graph.dot").read_text(encoding="utf-8") == get_dot_graph(small_graph)
    assert not (tmp_path / "graph.png").exists()


def test_a_renderer_that_hangs_is_stopped_by_the_timeout(small_graph, tmp_path, monkeypatch):
    only(monkeypatch, dot=fake_program(tmp_path, "dot", "exec sleep 30"))
    with pytest.raises(RuntimeError, match=r"did not finish within 0.5 s.*timeout="):
        plot_dot_graph(small_graph, to_file=tmp_path / "graph.png", timeout=0.5)
    assert (tmp_path / "graph.dot").exists()


def test_a_failing_renderer_is_an_error_with_its_message(small_graph, tmp_path, monkeypatch):
    only(monkeypatch, dot=fake_program(tmp_path, "dot", 'echo "syntax error in line 1" >&2; exit 3'))
    with pytest.raises(RuntimeError, match=r"`dot -Tpng` failed with status 3: syntax error in line 1"):
        plot_dot_graph(small_graph, to_file=tmp_path / "graph.png")
    assert (tmp_path / "graph.dot").exists()


# ---------------------------------------------------------------- notebook display
def test_result_is_a_path_that_shows_a_png_inline(small_graph, tmp_path, monkeypatch):
    only(monkeypatch, dot=fake_program(tmp_path, "dot", 'printf "\\211PNG fake" > "$3"'))
    path = plot_dot_graph(small_graph, to_file=tmp_path / "graph.png")
    assert isinstance(path, pathlib.Path) and isinstance(path, RenderedGraph)
    assert path._repr_png_() == b"\x89PNG fake"
    assert path._repr_svg_() is None


def test_result_is_a_path_that_shows_an_svg_inline(small_graph, tmp_path, monkeypatch):
    only(monkeypatch, dot=fake_program(tmp_path, "dot", 'printf "<svg>drawn</svg>" > "$3"'))
    path = plot_dot_graph(small_graph, to_file=tmp_path / "graph.svg")
    assert path._repr_svg_() == "<svg>drawn</svg>"
    assert path._repr_png_() is None


def test_a_rendered_graph_that_was_deleted_shows_nothing(tmp_path):
    assert RenderedGraph(tmp_path / "gone.png")._repr_png_() is None


def test_plot_dot_graph_rejects_unknown_format(small_graph, tmp_path):
    with pytest.raises(ValueError, match="png, svg, pdf"):
        plot_dot_graph(small_graph, to_file=tmp_path / "graph.jpeg")


def test_get_dot_graph_rejects_non_variable(arr):
    with pytest.raises(TypeError, match="needs a Variable"):
        get_dot_graph(arr(1.0))


def test_20001_node_chain_exports_without_recursion(arr):
    y = gd.Variable(arr(0.5))
    for _ in range(10_000):  # 10,000 functions + 10,001 variables: ten times the recursion limit
        y = F.sin(y)
    nodes, edges = parse(get_dot_graph(y, verbose=False))
    assert len(nodes) == 20_001 and len(edges) == 20_000


def test_higher_order_graph_includes_the_recorded_backward(arr):
    x = gd.Variable(arr(1.0), name="x")
    y = F.sin(x)
    y.backward(create_graph=True)
    nodes, _ = parse(get_dot_graph(x.grad, verbose=False))
    # dsin/dx = gy * cos(x) with the ones seed multiplied away: only Cos, which reaches x
    assert sorted(label for label, _ in nodes.values() if label[:1].isupper()) == ["Cos"]
    assert "x" in {label for label, _ in nodes.values()}


# ---------------------------------------------------------------- user-level ops, DotGraph display
INTERNAL = re.compile(r"\b(AddConstant|MulConstant|RSubConstant|DivConstant|RDivConstant|ScaledMul|RPow|"
                      r"VariablePow|GetItemGrad)\b")


def inputs_per_function(dot):
    nodes, _ = parse(dot)
    counts = {i: 0 for i, (_, attrs) in nodes.items() if "shape=box" in attrs}
    for _, target in EDGE.findall(dot):
        if target in counts:
            counts[target] += 1
    return {i: (nodes[i][0], n) for i, n in counts.items()}


def test_gradient_of_square_is_drawn_as_the_books_two_muls(arr):
    x = gd.Variable(arr(3.0), name="x")
    dot = get_dot_graph(gd.grad(x ** 2, x, create_graph=True), verbose=False)
    boxes = sorted(inputs_per_function(dot).values())
    assert boxes == [("Mul", 2), ("Mul", 2)]  # 2 * x, then times the seed 1
    nodes, edges = parse(dot)
    assert ("2", "Mul") in edges and ("x", "Mul") in edges and ("1", "Mul") in edges


def test_no_function_box_has_more_inputs_than_its_user_level_op(arr):
    x = gd.Variable(arr([0.5, 1.0, 2.0]), name="x")
    y = F.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 3 / 2 + 2.0 ** x[1:] + x[1:] ** x[:-1])
    g = gd.grad(y, x, create_graph=True)
    dot = get_dot_graph(F.sum(g * g), verbose=False)
    for label, n in inputs_per_function(dot).values():
        unary = {"GetItem", "ScatterAdd", "Sum", "SumTo", "BroadcastTo", "Neg", "Log", "Exp", "Where"}
        assert n <= (3 if label == "Where" else 1 if label in unary else 2), label


def test_higher_derivative_graphs_name_no_internal_class(arr):
    x = gd.Variable(arr(1.0), name="x")
    g = F.tanh(x)
    for _ in range(3):
        g = gd.grad(g, x, create_graph=True)
    v = gd.Variable(arr([1.0, 2.0, 3.0]), name="v")
    h = gd.grad(F.sum(v[1:] ** 3 / v[:-1] - 1 / v[1:] + 2.0 ** v[:2] + v[1:] ** v[:2]), v, create_graph=True)
    for output in (g, h):
        labels = [label for label, _ in parse(get_dot_graph(output, verbose=False))[0].values()]
        assert not [label for label in labels if INTERNAL.search(label)], labels


def test_fused_ops_intermediate_shows_shape_and_dtype_when_verbose(arr):
    x = gd.Variable(arr([1.0, 2.0]), name="x")
    dot = get_dot_graph(gd.grad(F.sum(x ** 3), x, create_graph=True))
    labels = [label for label, attrs in parse(dot)[0].values() if "orange" in attrs]
    assert labels.count("(2,) " + str(x.dtype).rsplit(".", 1)[-1]) >= 2


def test_get_dot_graph_is_a_str_that_a_notebook_shows_as_svg_and_png(small_graph, monkeypatch):
    dot = get_dot_graph(small_graph, verbose=False)
    assert isinstance(dot, str) and isinstance(dot, DotGraph) and dot.startswith("digraph")
    if PURE is None and REAL_WHICH("dot") is None:
        pytest.skip("needs Graphviz `dot` or graphviz-pure to render")
    svg = dot._repr_svg_()
    texts = [t.text for t in ET.fromstring(svg.encode("utf-8")).iter("{http://www.w3.org/2000/svg}text")]
    assert sorted(texts) == ["Add", "Mul", "Sin", "a", "b", "x0", "x1", "y"]
    assert dot._repr_png_()[:8] == PNG_SIGNATURE


@needs_pure
def test_get_dot_graph_renders_inline_with_graphviz_pure_alone(small_graph, monkeypatch):
    only(monkeypatch, **{"graphviz-pure": PURE})
    assert "<svg" in get_dot_graph(small_graph)._repr_svg_()


def test_without_a_renderer_the_notebook_shows_the_dot_text(small_graph, monkeypatch):
    only(monkeypatch)
    dot = get_dot_graph(small_graph)
    assert dot._repr_svg_() is None and dot._repr_png_() is None


def test_a_failing_renderer_gives_the_text_not_an_error(small_graph, tmp_path, monkeypatch):
    only(monkeypatch, dot=fake_program(tmp_path, "dot", "exit 1"))
    assert get_dot_graph(small_graph)._repr_svg_() is None


def test_the_same_graph_gives_the_same_dot_text_every_time(arr):
    def build():
        x = gd.Variable(arr(1.0), name="x")
        return get_dot_graph(gd.grad(F.tanh(x) * x ** 2, x, create_graph=True))
    assert build() == build()  # committed figures do not change when nothing changed
