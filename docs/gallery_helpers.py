"""What the docs build generates and how sphinx-gallery runs the example scripts.

The examples are command-line scripts (argparse: --out, --quick, --device) that write their
figures, Matplotlib and Graphviz alike, into --out. The gallery runs each one with its own
--out folder and shows every picture that appears there (`scrape_figures`).
"""
import inspect
import pathlib
import re
import shutil

from sphinx_gallery.scrapers import figure_rst

import gdezero
import gdezero.func
import gdezero.functions
import gdezero.graph
import gdezero.optimize
import gdezero.utils
from gdezero.taylor import series

DOCS = pathlib.Path(__file__).resolve().parent
OUT = DOCS / "_build" / "example_out"
GENERATED = DOCS / "_generated"
# heavy at full size (minutes on two cores): the gallery runs them with --quick
QUICK = {"rosenbrock_large.py", "rosenbrock_newton_cg.py", "rosenbrock_dask.py"}
IMAGE_SUFFIXES = (".png", ".svg")

# The public API (DESIGN.md, "Public API"): (module, names); names missing from this
# checkout are left out, so the page follows the code.
TOP_LEVEL = [name for name in gdezero.__all__ if name not in ("func", "__version__")]
UTILS = ["numerical_grad", "gradient_check", "gradgradcheck", "array_equal", "array_allclose"]
GRAPH = ["get_dot_graph", "plot_dot_graph", "RenderedGraph"]
OPTIMIZE = ["minimize", "scipy_functions", "OptimizeResult"]
# The annotation aliases the signatures show by name (conf.py's autodoc_type_aliases).
TYPE_ALIASES = ("Array", "VariableLike", "Operand", "Axis", "Shape", "Index", "DType", "Device",
                "Namespace", "Inputs", "Outputs", "Blocks", "Argnums", "VjpFn")


def series_functions():
    """The truncated-series kernels a custom Function's `taylor` rule is written with."""
    return sorted(name for name, value in vars(series).items() if inspect.isfunction(value)
                  and value.__module__ == series.__name__ and not name.startswith("_"))


def public_api():
    """{module name: [public names it documents]}, in the order of the API page."""
    modules = {"gdezero": (gdezero, TOP_LEVEL),
               "gdezero.functions": (gdezero.functions, list(gdezero.functions.__all__)),
               "gdezero.func": (gdezero.func, list(gdezero.func.__all__)),
               "gdezero.utils": (gdezero.utils, UTILS),
               "gdezero.graph": (gdezero.graph, GRAPH),
               "gdezero.optimize": (gdezero.optimize, OPTIMIZE),
               "gdezero.taylor.series": (series, series_functions())}
    # hasattr, not callable: Config is an object (the grad mode), documented like the functions
    return {name: [documented_name(module, n) for n in names if hasattr(module, n)]
            for name, (module, names) in modules.items()}


def alias_names(app, what, name, obj, options, signature, return_annotation):
    """autodoc-process-signature: an alias inside a union or a generic (``VariableLike | None``)
    comes out of Sphinx as ``TypeAliasForwardRef('VariableLike')``; show its name."""
    def names(text):
        return text and re.sub(r"TypeAliasForwardRef\('(\w+)'\)", r"\1", text)
    return names(signature), names(return_annotation)


def documented_name(module, name):
    """`name`, or `name.name` for a module that is also its own function (``gd.taylor``)."""
    value = getattr(module, name)
    return f"{name}.{name}" if inspect.ismodule(value) and callable(value) else name


def example_argv(gallery_conf, script_vars):
    """Command-line flags for one example: its own --out folder, --quick where heavy."""
    script = pathlib.Path(script_vars["src_file"])
    flags = ["--out", str(OUT / script.stem)]
    return flags + ["--quick"] if script.name in QUICK else flags


_shown = set()


def scrape_figures(block, block_vars, gallery_conf):
    """Every picture an example wrote into --out since the last code block, in name order."""
    pictures = sorted(p for p in OUT.rglob("*") if p.suffix in IMAGE_SUFFIXES and p not in _shown)
    targets = []
    for picture in pictures:
        _shown.add(picture)
        target = pathlib.Path(next(block_vars["image_path_iterator"])).with_suffix(picture.suffix)
        shutil.copyfile(picture, target)
        targets.append(target)
    return figure_rst(targets, gallery_conf["src_dir"]) if targets else ""


def _markdown_table_to_rst(lines):
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]
    rows = [rows[0]] + rows[2:]  # drop the |---| rule
    out = [".. list-table::", "   :header-rows: 1", ""]
    for row in rows:
        for i, cell in enumerate(row):
            cell = re.sub(r"`([^`]+)`", r"``\1``", cell) or " "
            out.append(("   * - " if i == 0 else "     - ") + cell)
    return out


def _benchmark_page(root):
    """benchmarks/RESULTS.md's measurement paragraph and first table, as reST."""
    text = (root / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(text) if line.startswith("|"))
    end = next((i for i in range(start, len(text)) if not text[i].startswith("|")), len(text))
    para_start = max(i for i in range(start) if text[i].startswith("Measured"))
    paragraph = " ".join(text[para_start:start]).strip()
    after = []
    for line in text[end + 1:]:
        if not line.strip():
            break
        after.append(line)
    convert = lambda s: re.sub(r"`([^`]+)`", r"``\1``", s)  # noqa: E731
    return "\n".join([convert(paragraph), "", *_markdown_table_to_rst(text[start:end]), "",
                      convert(" ".join(after)), ""])


API_SECTIONS = {
    "gdezero": ("Top level: variables, functions, grad mode, differentiation", ""),
    "gdezero.functions": ("``gdezero.functions`` (``F``): differentiable operations",
                          "Each one is differentiable to any order: its backward is built from these "
                          "operations."),
    "gdezero.func": ("``gdezero.func``: function transforms (as torch.func and JAX)",
                     "Each takes a function and returns one; they nest to any order. See "
                     ":doc:`from_torch_jax`."),
    "gdezero.utils": ("``gdezero.utils``: numerical checks and comparisons",
                      "``gdezero.utils`` also re-exports :func:`~gdezero.graph.get_dot_graph` and "
                      ":func:`~gdezero.graph.plot_dot_graph`, as DeZero did."),
    "gdezero.graph": ("``gdezero.graph``: computational graphs", ""),
    "gdezero.optimize": ("``gdezero.optimize``: minimisation", ""),
    "gdezero.taylor.series": ("``gdezero.taylor.series``: Taylor rules for your own Functions", """\
A Function of your own gets Taylor mode (``gd.derivatives``, ``gd.jvp``, ``gd.taylor``) from a
``taylor`` method beside ``forward`` and ``backward``. Each input arrives as its stacked Taylor
coefficients, one array of shape ``(K+1, *shape)`` (row ``k`` the coefficient of ``t**k``, not
scaled by ``k!``); an input that does not depend on the differentiated variables arrives as one
row, ``(1, *shape)``. The rule returns the output's coefficients the same way, built from these
truncated-series kernels (Cauchy products, division, exp, log, sin/cos, tanh, powers, ...)::

    import numpy as np
    import gdezero as gd
    from gdezero.taylor import series

    class Softsign(gd.Function):                      # x / (1 + x), for x > 0 here
        def forward(self, x):
            return x / (1 + x)

        def backward(self, gy):
            x, = self.inputs
            return gy / (1 + x) ** 2

        def taylor(self, x):
            return series.div(x, series.add_constant(x, 1.0))

    x = np.array([0.5, 2.0])
    third = gd.derivatives(lambda v: Softsign()(v), x, 3)[3]
    print(np.allclose(third.data, 6 / (1 + x) ** 4))  # True

``tests/test_docs_build.py`` runs this example."""),
}


def _api_page():
    lines = ["API reference", "=============", "",
             "Every public name, with its docstring. ``import gdezero as gd`` gives the top-level names "
             "and the submodules ``gd.functions`` (usually imported as ``F``), ``gd.func``, ``gd.utils``, "
             "``gd.graph`` and ``gd.optimize``, which load on first use.", "",
             "Type hints (checked by mypy; the package ships ``py.typed``) use a few aliases: ``Array`` "
             "(``Any`` to mypy: the backends share no static type) is an array of any supported backend, "
             "and ``DType``, ``Device`` and ``Namespace`` its dtype, its device and its Array API "
             "namespace (``Any`` to mypy too); ``VariableLike`` is a Variable or an Array, ``Operand`` "
             "also a Python scalar, ``Axis`` None, an int or a tuple or list of ints, ``Shape`` an int "
             "or a tuple or list of ints, ``Index`` what ``x[index]`` takes (ints, slices, None, "
             "Ellipsis, integer arrays, or a tuple of them); ``Inputs`` is a VariableLike or a tuple "
             "of them, ``Outputs`` a Variable or a tuple of them, and ``Blocks`` a Jacobian or "
             "Hessian: a Variable or, for tuple inputs or outputs, tuples (of tuples) of its blocks. "
             "In ``gdezero.func``, ``Argnums`` is an int or a tuple of ints and ``VjpFn`` the "
             "function ``vjp`` returns: cotangents in, one ``cotangents^T J`` per primal out. "
             "``Any`` is left where the value is any object (``has_aux``'s aux, arguments passed on "
             "to your function) and for what a ``Function`` call returns: one Variable, or a list of "
             "them when its ``forward`` returns a tuple.", ""]
    for module, names in public_api().items():
        title, intro = API_SECTIONS[module]
        lines += [title, "-" * len(title), ""] + ([intro, ""] if intro else [])
        lines += [f".. currentmodule:: {module}", "", ".. autosummary::", "   :toctree: generated",
                  "   :nosignatures:", ""] + [f"   {name}" for name in names] + [""]
    return "\n".join(lines)


def _f(x):
    return x ** 4 - 2 * x ** 2


def tour_figures(folder):
    """The tour's pictures the committed figures do not cover: the graphs of steps 25-26, 33 and
    36 (SVG, through `dot` or graphviz-pure) and Newton's iterates of step 29 (Matplotlib)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    import gdezero as gd
    folder.mkdir(parents=True, exist_ok=True)
    x, y = gd.Variable(np.array(1.0), name="x"), gd.Variable(np.array(1.0), name="y")
    z = 0.26 * (x ** 2 + y ** 2) - 0.48 * x * y
    z.name = "z"
    gd.graph.plot_dot_graph(z, verbose=False, to_file=folder / "matyas.svg")
    x = gd.Variable(np.array(2.0), name="x")
    gx = gd.grad(_f(x), x, create_graph=True)
    gx.name = "gx"
    gd.graph.plot_dot_graph(gx, verbose=False, to_file=folder / "newton_gx.svg")
    x = gd.Variable(np.array(2.0), name="x")
    y = x ** 2
    y.name = "y"
    z = gd.grad(y, x, create_graph=True) ** 3 + y
    z.name = "z"
    gd.graph.plot_dot_graph(z, verbose=False, to_file=folder / "double_backprop.svg")

    iterates, x = [2.0], gd.Variable(np.array(2.0))
    for _ in range(7):
        gx = gd.grad(_f(x), x, create_graph=True)
        x.data = x.data - gx.data / gd.grad(gx, x).data
        iterates.append(float(x.data))
    grid = np.linspace(-2.1, 2.1, 200)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(grid, _f(grid), color="black", label="f(x) = x⁴ − 2x²")
    ax.plot(iterates, _f(np.array(iterates)), "o--", color="tab:red", label="Newton's iterates from x = 2")
    ax.set(xlabel="x", ylabel="f(x)", title="Newton's method: 7 steps to the minimum x = 1")
    ax.legend(loc="upper center")
    fig.savefig(folder / "newton_1d.png", dpi=100, bbox_inches="tight")
    plt.close(fig)


def prepare(root, docs):
    """Fresh example output, and the generated reST and pictures: the API page, the benchmark
    table and the tour's figures."""
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    GENERATED.mkdir(exist_ok=True)
    tour_figures(GENERATED / "tour")
    (GENERATED / "benchmark_table.rst").write_text(_benchmark_page(root), encoding="utf-8")
    (docs / "api.rst").write_text(_api_page(), encoding="utf-8")
