"""DOT export and rendering of computational graphs (as DeZero's `plot_dot_graph`).

Variables are orange ellipses, constants (seeds, raw arrays and Python scalars given to an
op) grey ellipses showing their value when it is small, functions light-blue boxes named
by the user's op. Edges run input -> function -> output. A fused internal op is drawn as
the user-level ops it stands for (the backward of ``x ** 2``, one ``ScaledMul(2)(gy, x)``,
as ``Mul(2, x)`` then ``Mul(gy, .)``, as the book draws it), so no box has more inputs than
the user's op. The `graphviz` package builds
and quotes the DOT text; Graphviz's `dot` program renders it, or, where `dot` is missing,
the pip-installable `graphviz-pure` command. Nothing in the engine imports this module.
"""
import numbers
import os
import pathlib
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

from gdezero.backend import device_of, is_cpu, value_text
from gdezero.core import Constant, Ones, Variable, functions_behind
from gdezero.ops.arithmetic import ScaledMul

__all__ = ["get_dot_graph", "plot_dot_graph", "DotGraph", "RenderedGraph"]

_FORMATS = ("png", "svg", "pdf")
_PURE_FORMATS = ("png", "svg")  # graphviz-pure has no PDF writer (yet)
_SMALL = 4  # constants with at most this many elements are labelled with their value
_INSTALL_PURE = "pip install graphviz-pure (or pip install 'gdezero[viz]')"
_INSTALL_DOT = ("install Graphviz so that `dot` is on PATH: `apt-get install graphviz` (Debian/Ubuntu), "
                "`brew install graphviz` (macOS) or `conda install -c conda-forge graphviz`")
_VARIABLE = {"color": "orange", "style": "filled"}
_CONSTANT = {"color": "lightgrey", "style": "filled"}
_FUNCTION = {"color": "lightblue", "style": "filled", "shape": "box"}


def _pure():
    """The graphviz-pure command: on PATH, or beside this Python (a venv's kernel not activated)."""
    beside = os.path.dirname(sys.executable)
    return shutil.which("graphviz-pure") or shutil.which("graphviz-pure", path=beside)


def _graphviz():
    try:
        import graphviz
    except ImportError:
        raise ImportError("gdezero.graph needs the graphviz Python package: "
                          "pip install 'gdezero[viz]' (or pip install graphviz)") from None
    return graphviz


def _shape_dtype(v):
    # `str(dtype)` is 'torch.float64' or 'array_api_strict.float64' on some backends.
    label = f"{tuple(v.shape)} {str(v.dtype).rsplit('.', 1)[-1]}"
    device = device_of(v.data)
    if not is_cpu(device):
        label += f" {device}"
    return label


def _var_label(v, verbose):
    label = "" if v.name is None else str(v.name)
    if verbose and v.data is not None:
        if v.name is not None:
            label += ": "
        label += _shape_dtype(v)
    return label


def _constant_label(v, verbose):
    """A constant reads as its value when small; otherwise as its name (or kind) and shape."""
    parts = [] if v.name is None else [str(v.name)]
    if v.data is not None and v.size <= _SMALL:
        parts.append(value_text(v.data))
    else:
        if not parts:
            parts.append("ones" if isinstance(v, Ones) else "constant")
        if verbose and v.data is not None:
            parts.append(_shape_dtype(v))
    return ": ".join(parts)


def _function_label(f):
    """The op's name a user knows (`Mul`), not an internal specialisation's class name."""
    return str(getattr(type(f), "label", type(f).__name__))


def _build(output, verbose):
    if not isinstance(output, Variable):
        raise TypeError(f"get_dot_graph needs a Variable, got {type(output).__name__}")
    graphviz = _graphviz()
    graph = graphviz.Digraph()

    names: dict[int, str] = {}

    def key(obj):  # numbered in drawing order, not by id(): the same graph gives the same DOT text
        return names.setdefault(id(obj), str(len(names)))

    def escape(text):
        # graphviz.escape keeps backslashes and `<...>` literal, and Graphviz reads `&amp;`
        # as an HTML entity, so `&` is written as one; the package quotes the rest.
        return graphviz.escape(text.replace("&", "&amp;"))

    def add_var(v):
        if isinstance(v, Constant):
            graph.node(key(v), escape(_constant_label(v, verbose)), **_CONSTANT)
        else:
            graph.node(key(v), escape(_var_label(v, verbose)), **_VARIABLE)

    seen = {id(output)}
    add_var(output)
    for f in functions_behind([output]):
        fid = key(f)
        graph.node(fid, escape(_function_label(f)), **_FUNCTION)
        inputs = [key(x) for x in f.inputs]
        scalar = getattr(f, "c", None)  # a Python scalar the op keeps (x * 2, 1 - x): a constant input
        if isinstance(scalar, numbers.Number) and not isinstance(scalar, bool):
            graph.node("c" + fid, escape(value_text(scalar)), **_CONSTANT)
            inputs.insert(0, "c" + fid)
        if isinstance(f, ScaledMul):  # c * x1 first, then times x0: two Muls of two inputs each
            graph.node("m" + fid, "Mul", **_FUNCTION)
            y = f.outputs[0]()
            shown = _shape_dtype(y) if verbose and y is not None and y.data is not None else ""
            graph.node("v" + fid, escape(shown), **_VARIABLE)
            graph.edge(inputs[0], "m" + fid)
            graph.edge(inputs[2], "m" + fid)
            graph.edge("m" + fid, "v" + fid)
            inputs = ["v" + fid, inputs[1]]
        for source in inputs:
            graph.edge(source, fid)
        for x in f.inputs:
            if id(x) not in seen:
                seen.add(id(x))
                add_var(x)
        for ref in f.outputs:
            y = ref()
            if y is None:  # an unused output that has been freed
                continue
            if id(y) not in seen:
                seen.add(id(y))
                add_var(y)
            graph.edge(fid, key(y))
    return graph


class DotGraph(str):
    """DOT text (a `str`) that Jupyter shows as the picture it describes.

    `_repr_svg_` and `_repr_png_` render it with Graphviz's `dot`, or with `graphviz-pure`
    where `dot` is missing; with neither (or when rendering fails) they return None and the
    notebook shows the text.

    Examples
    --------
    >>> from gdezero.graph import DotGraph
    >>> dot = DotGraph("digraph { a -> b }")
    >>> dot == "digraph { a -> b }", isinstance(dot, str)
    (True, True)
    """

    def _render(self, fmt: str) -> bytes | None:
        program = shutil.which("dot") or _pure()
        if program is None:
            return None
        try:
            done = subprocess.run([program, f"-T{fmt}"], input=self.encode("utf-8"), capture_output=True,
                                  timeout=60)
        except subprocess.TimeoutExpired:
            return None
        return done.stdout if done.returncode == 0 and done.stdout else None

    def _repr_svg_(self) -> str | None:
        svg = self._render("svg")
        return None if svg is None else svg.decode("utf-8")

    def _repr_png_(self) -> bytes | None:
        return self._render("png")


def get_dot_graph(output: Variable, verbose: bool = True) -> DotGraph:
    """DOT text of the graph that produced `output`.

    Parameters
    ----------
    output : Variable
        The graph is everything recorded behind it.
    verbose : bool, default True
        Add each variable's shape and dtype (and device, when not the CPU) to its label.

    Returns
    -------
    DotGraph
        Valid DOT text (a `str`): variables orange, constants grey (with their value when they
        have at most 4 elements), functions light-blue boxes named by their user-level op. In a
        notebook it shows as the rendered picture.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> x = gd.Variable(np.array(2.0), name="x")
    >>> y = x * x
    >>> y.name = "y"
    >>> dot = gd.graph.get_dot_graph(y, verbose=False)
    >>> dot.startswith("digraph")
    True
    >>> "label=Mul" in dot and "label=x" in dot and "label=y" in dot
    True
    """
    return DotGraph(_build(output, verbose).source)


if TYPE_CHECKING:
    _ConcretePath = pathlib.Path
else:  # the concrete Path class: subclassable on Python 3.10-3.13
    _ConcretePath = type(pathlib.Path())


class RenderedGraph(_ConcretePath):
    """The path of a rendered graph (a `pathlib.Path`); Jupyter shows it inline, as DeZero did.

    `_repr_png_` gives a PNG file's bytes and `_repr_svg_` an SVG file's text, so the last
    line of a notebook cell ``plot_dot_graph(y)`` displays the picture.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from gdezero.graph import RenderedGraph
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "g.svg").write_text("<svg/>")
    >>> picture = RenderedGraph(folder / "g.svg")
    >>> isinstance(picture, pathlib.Path), picture._repr_svg_(), picture._repr_png_()
    (True, '<svg/>', None)
    """

    def _repr_png_(self) -> bytes | None:
        return self.read_bytes() if self.suffix.lower() == ".png" and self.is_file() else None

    def _repr_svg_(self) -> str | None:
        if self.suffix.lower() == ".svg" and self.is_file():
            return self.read_text(encoding="utf-8")
        return None


def _renderer(fmt, to_file, dot_file):
    """(program, name) to render `fmt`: `dot` first, then `graphviz-pure`; else RuntimeError."""
    dot = shutil.which("dot")
    if dot is not None:
        return dot, "dot"
    pure = _pure()
    if pure is not None:
        if fmt in _PURE_FORMATS:
            return pure, "graphviz-pure"
        raise RuntimeError(f"cannot render {to_file}: graphviz-pure writes {' and '.join(_PURE_FORMATS)} "
                           f"but not {fmt}, and Graphviz's `dot` is not on PATH; choose a .png or .svg "
                           f"file, or {_INSTALL_DOT}. The DOT text was written to {dot_file}")
    raise RuntimeError(f"cannot render {to_file}: neither Graphviz's `dot` nor `graphviz-pure` is on "
                       f"PATH; {_INSTALL_PURE}, or {_INSTALL_DOT}. The DOT text was written to {dot_file}")


def plot_dot_graph(output: Variable, verbose: bool = True, to_file: str | os.PathLike[str] = "graph.png",
                   timeout: float = 60.0) -> RenderedGraph:
    """Render the graph of `output` into `to_file` (png, svg, or pdf with `dot`).

    Parameters
    ----------
    output : Variable
        The graph is everything recorded behind it (see `get_dot_graph`).
    verbose : bool, default True
        Add shapes and dtypes to the labels.
    to_file : str or path, default "graph.png"
        Its suffix picks the format; missing folders are created.
    timeout : float, default 60
        Seconds the renderer may take before RuntimeError.

    Returns
    -------
    RenderedGraph
        A `pathlib.Path` to the picture that Jupyter displays inline.

    Raises
    ------
    RuntimeError
        With neither `dot` nor `graphviz-pure` on PATH, for a PDF without `dot`, when the
        renderer fails or times out. The DOT text is then in `to_file` with suffix `.dot`.

    Notes
    -----
    Graphviz's `dot` renders where it is on PATH; otherwise the `graphviz-pure` command
    (a self-contained port of Graphviz, ``pip install graphviz-pure`` or the `viz` extra).

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> import gdezero as gd
    >>> x = gd.Variable(np.array(1.0), name="x")
    >>> y = gd.functions.sin(x)
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> picture = gd.graph.plot_dot_graph(y, to_file=folder / "sin.svg")
    >>> picture.name, "<svg" in picture._repr_svg_()
    ('sin.svg', True)
    """
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"plot_dot_graph: timeout must be a number of seconds, got "
                        f"{type(timeout).__name__} {timeout!r}; pass e.g. timeout=60")
    if not 0 < timeout < float("inf"):
        raise ValueError(f"plot_dot_graph: timeout must be a positive finite number of seconds, "
                         f"got {timeout!r}")
    to_file = pathlib.Path(to_file)
    fmt = to_file.suffix[1:].lower()
    if fmt not in _FORMATS:
        raise ValueError(f"plot_dot_graph renders {', '.join(_FORMATS)}; "
                         f"got to_file={str(to_file)!r}")
    source = get_dot_graph(output, verbose)
    to_file.parent.mkdir(parents=True, exist_ok=True)
    dot_file = to_file.with_suffix(".dot")
    try:
        program, name = _renderer(fmt, to_file, dot_file)
        try:
            done = subprocess.run([program, f"-T{fmt}", "-o", str(to_file)], input=source.encode("utf-8"),
                                  capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"`{name} -T{fmt}` did not finish within {timeout} s (pass a larger "
                               f"timeout= for a big graph). The DOT text was written to {dot_file}") from None
        if done.returncode != 0:
            raise RuntimeError(f"`{name} -T{fmt}` failed with status {done.returncode}: "
                               f"{done.stderr.decode('utf-8', 'replace').strip()}. "
                               f"The DOT text was written to {dot_file}")
    except RuntimeError:
        dot_file.write_text(source, encoding="utf-8")
        raise
    return RenderedGraph(to_file)
