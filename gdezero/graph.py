"""DOT export and rendering of computational graphs (as DeZero's `plot_dot_graph`).

Variables are orange ellipses, functions light-blue boxes named by their class, edges run
input -> function -> output. The `graphviz` package builds and quotes the DOT text; the
`dot` binary renders it. Nothing in the engine imports this module.
"""
import pathlib
import shutil
import subprocess

from gdezero.backend import device_of
from gdezero.core import Variable

_FORMATS = ("png", "svg", "pdf")
_INSTALL_GRAPHVIZ = (
    "install Graphviz so that `dot` is on PATH: `apt-get install graphviz` (Debian/Ubuntu), "
    "`brew install graphviz` (macOS) or `conda install -c conda-forge graphviz`")


def _graphviz():
    try:
        import graphviz
    except ImportError:
        raise ImportError("gdezero.graph needs the graphviz Python package: "
                          "pip install 'gdezero[plot]' (or pip install graphviz)") from None
    return graphviz


def _is_cpu(device):
    text = str(device)
    return text == "cpu" or "CPU_DEVICE" in text  # NumPy / torch, and array_api_strict


def _var_label(v, verbose):
    label = "" if v.name is None else str(v.name)
    if verbose and v.data is not None:
        if v.name is not None:
            label += ": "
        # `str(dtype)` is 'torch.float64' or 'array_api_strict.float64' on some backends.
        label += f"{tuple(v.shape)} {str(v.dtype).rsplit('.', 1)[-1]}"
        device = device_of(v.data)
        if not _is_cpu(device):
            label += f" {device}"
    return label


def _build(output, verbose):
    if not isinstance(output, Variable):
        raise TypeError(f"get_dot_graph needs a Variable, got {type(output).__name__}")
    graphviz = _graphviz()
    graph = graphviz.Digraph()
    var_attrs = {"color": "orange", "style": "filled"}
    func_attrs = {"color": "lightblue", "style": "filled", "shape": "box"}

    def add_var(v):
        # graphviz.escape keeps backslashes and `<...>` literal; the package quotes the rest.
        graph.node(str(id(v)), graphviz.escape(_var_label(v, verbose)), **var_attrs)

    seen = {id(output)}
    add_var(output)
    stack = [output.creator] if output.creator is not None else []
    if stack:
        seen.add(id(output.creator))
    while stack:  # iterative: a 100,000-node chain must not hit the recursion limit
        f = stack.pop()
        fid = str(id(f))
        graph.node(fid, type(f).__name__, **func_attrs)
        for x in f.inputs:
            if id(x) not in seen:
                seen.add(id(x))
                add_var(x)
            graph.edge(str(id(x)), fid)
            if x.creator is not None and id(x.creator) not in seen:
                seen.add(id(x.creator))
                stack.append(x.creator)
        for ref in f.outputs:
            y = ref()
            if y is None:  # an unused output that has been freed
                continue
            if id(y) not in seen:
                seen.add(id(y))
                add_var(y)
            graph.edge(fid, str(id(y)))
    return graph


def get_dot_graph(output, verbose=True):
    """DOT text of the graph that produced `output`; verbose labels add shape and dtype."""
    return _build(output, verbose).source


def plot_dot_graph(output, verbose=True, to_file="graph.png"):
    """Render the graph of `output` with Graphviz `dot` into `to_file` (png, svg or pdf).

    Returns the path as a `pathlib.Path`. Without `dot` on PATH the DOT text is written
    next to `to_file` (suffix `.dot`) and RuntimeError says how to install Graphviz.
    """
    to_file = pathlib.Path(to_file)
    fmt = to_file.suffix[1:].lower()
    if fmt not in _FORMATS:
        raise ValueError(f"plot_dot_graph renders {', '.join(_FORMATS)}; "
                         f"got to_file={str(to_file)!r}")
    source = get_dot_graph(output, verbose)
    to_file.parent.mkdir(parents=True, exist_ok=True)
    dot = shutil.which("dot")
    if dot is None:
        dot_file = to_file.with_suffix(".dot")
        dot_file.write_text(source, encoding="utf-8")
        raise RuntimeError(f"cannot render {to_file}: the Graphviz `dot` program is not on PATH; "
                           f"{_INSTALL_GRAPHVIZ}. The DOT text was written to {dot_file}")
    done = subprocess.run([dot, f"-T{fmt}", "-o", str(to_file)], input=source.encode("utf-8"),
                          capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"`dot -T{fmt}` failed with status {done.returncode}: "
                           f"{done.stderr.decode('utf-8', 'replace').strip()}")
    return to_file
