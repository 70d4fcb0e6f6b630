"""DOT export (gdezero.graph): structure, labels, quoting, rendering, missing `dot`."""
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero.utils import get_dot_graph, plot_dot_graph

pytest.importorskip("graphviz", reason="gdezero.graph needs the graphviz Python package")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="needs the Graphviz `dot` binary (apt-get install graphviz)")

NODE = re.compile(r"^\t(\d+) \[label=(\w*|\"[^\"]*\") (.*)\]$", re.M)
EDGE = re.compile(r"^\t(\d+) -> (\d+)$", re.M)


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


@needs_dot
@pytest.mark.parametrize("name", [
    'say "hi"', "a\\b", "ends with \\", "two\nlines", "<b>html</b>", "x > 0 < 1", "{set}",
    "naïve ∂y/∂x", "graph",
])
def test_awkward_names_give_dot_that_graphviz_renders_verbatim(arr, name):
    y = F.sin(gd.Variable(arr(1.0), name=name))
    done = subprocess.run(["dot", "-Tsvg"], input=get_dot_graph(y, verbose=False).encode("utf-8"),
                          capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    texts = [t.text for t in ET.fromstring(done.stdout).iter("{http://www.w3.org/2000/svg}text")]
    assert "\n".join(t for t in texts if t != "Sin") == name


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


def test_plot_dot_graph_without_dot_leaves_dot_file_and_says_how_to_install(
        small_graph, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        plot_dot_graph(small_graph, to_file=tmp_path / "graph.png")
    assert (tmp_path / "graph.dot").read_text(encoding="utf-8") == get_dot_graph(small_graph)
    assert not (tmp_path / "graph.png").exists()


def test_plot_dot_graph_rejects_unknown_format(small_graph, tmp_path):
    with pytest.raises(ValueError, match="png, svg, pdf"):
        plot_dot_graph(small_graph, to_file=tmp_path / "graph.jpeg")


def test_get_dot_graph_rejects_non_variable(arr):
    with pytest.raises(TypeError, match="needs a Variable"):
        get_dot_graph(arr(1.0))


def test_100000_node_chain_exports_without_recursion(arr):
    y = gd.Variable(arr(0.5))
    for _ in range(50_000):  # 50,000 functions + 50,001 variables
        y = F.sin(y)
    nodes, edges = parse(get_dot_graph(y, verbose=False))
    assert len(nodes) == 100_001 and len(edges) == 100_000


def test_higher_order_graph_includes_the_recorded_backward(arr):
    x = gd.Variable(arr(1.0), name="x")
    y = F.sin(x)
    y.backward(create_graph=True)
    nodes, _ = parse(get_dot_graph(x.grad, verbose=False))
    # dsin/dx = gy * cos(x) with the ones seed multiplied away: only Cos, which reaches x
    assert sorted(label for label, _ in nodes.values() if label[:1].isupper()) == ["Cos"]
    assert "x" in {label for label, _ in nodes.values()}
