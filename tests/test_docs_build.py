"""What the documentation build ships, checked without a browser: every gallery download runs
on its own in a fresh folder, the pages print no build paths, the example notebook executes
and shows its figures, and the committed graph figures draw user-level ops only.

`nox -s docs` builds the site and then runs this file; run alone without a built site, the
site checks skip with the reason."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SITE = ROOT / "docs" / "_build" / "html"
NOTEBOOK = ROOT / "docs" / "notebooks" / "gdezero_in_a_notebook.ipynb"
# the internal specialisations a user never wrote; a figure must show the user-level op
INTERNAL = re.compile(r"\b(AddConstant|MulConstant|RSubConstant|DivConstant|RDivConstant|ScaledMul|RPow|"
                      r"VariablePow|GetItemGrad)\b")
SVG_TEXT = "{http://www.w3.org/2000/svg}text"

pytestmark = pytest.mark.skipif(
    os.environ.get("GDEZERO_BACKEND", "numpy") != "numpy",
    reason="the documentation does not depend on the backend; checked in the numpy run")
needs_site = pytest.mark.skipif(
    not (SITE / "index.html").is_file(),
    reason="no built site in docs/_build/html (nox -s docs builds it, then runs this)")


def downloads(suffix):
    return sorted((SITE / "_downloads").rglob(f"*{suffix}"))


@needs_site
def test_every_example_has_a_download_that_imports_nothing_beside_it():
    scripts = {p.name: p for p in downloads(".py")}
    examples = sorted(p.name for p in (ROOT / "examples").glob("[a-z]*.py"))
    assert sorted(scripts) == examples
    siblings = {p.stem for p in (ROOT / "examples").glob("*.py")}
    for script in scripts.values():
        imported = re.findall(r"^\s*(?:from|import) (\w+)", script.read_text(encoding="utf-8"), re.M)
        assert not siblings & set(imported), f"{script.name} imports {siblings & set(imported)} beside it"
    for notebook in downloads(".ipynb"):
        code = "".join("".join(cell["source"]) for cell in json.loads(notebook.read_text())["cells"])
        local = r"^\s*from (_common|" + "|".join(siblings) + r") import"
        assert not re.search(local, code, re.M), notebook.name


@needs_site
@pytest.mark.parametrize("name, expected", [("sin_higher_derivatives.py", "sin_higher_derivatives.png"),
                                            ("tanh_graph.py", "tanh_order3.svg")])
def test_a_downloaded_script_runs_alone_in_a_fresh_folder(name, expected, tmp_path):
    script, = [p for p in downloads(".py") if p.name == name]
    shutil.copyfile(script, tmp_path / name)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}  # gdezero as installed, nothing else
    done = subprocess.run([sys.executable, name, "--quick", "--out", "figures"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "figures" / expected).stat().st_size > 1000


@needs_site
def test_the_zipped_downloads_hold_self_contained_scripts(tmp_path):
    for archive in downloads(".zip"):
        with zipfile.ZipFile(archive) as z:
            for member in z.namelist():
                if member.endswith(".py"):
                    assert "from _common import" not in z.read(member).decode("utf-8"), (archive.name, member)


@needs_site
def test_gallery_pages_print_no_build_paths():
    for page in sorted((SITE / "auto_examples").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        for path in (str(ROOT), "_build/example_out", "example_out/"):
            assert path not in text, f"{page.name} shows the build path {path!r}"


def committed_graph_labels():
    figures = sorted((ROOT / "docs").glob("*.svg"))
    assert figures, "the README's graph figure is a committed SVG in docs/"
    return {f.name: [t.text for t in ET.parse(f).iter(SVG_TEXT) if t.text] for f in figures}


def test_committed_graph_figures_name_no_internal_class():
    for name, labels in committed_graph_labels().items():
        assert labels and not [label for label in labels if INTERNAL.search(label)], (name, labels)


def test_the_committed_tanh_graph_is_the_one_gdezero_draws_today():
    import numpy as np

    import gdezero as gd
    import gdezero.functions as F
    x = gd.Variable(np.array(1.0), name="x")
    gx = F.tanh(x)
    gx.name = "y"  # as examples/tanh_graph.py draws it
    for _ in range(3):
        gx = gd.grad(gx, x, create_graph=True)
    gx.name = "gx3"
    dot = gd.graph.get_dot_graph(gx, verbose=False)
    drawn = sorted(re.findall(r"label=(\"[^\"]*\"|[^\s\]]+)", dot))
    drawn = [label.strip('"') for label in drawn if label.strip('"')]
    assert sorted(committed_graph_labels()["tanh_order3.svg"]) == sorted(drawn), "run `nox -s figures`"


def test_the_notebook_executes_and_shows_the_variable_the_graph_and_the_plot(monkeypatch):
    nbformat = pytest.importorskip("nbformat", reason="the docs extra brings nbformat, nbclient, ipykernel")
    nbclient = pytest.importorskip("nbclient", reason="the docs extra brings nbformat, nbclient, ipykernel")
    pytest.importorskip("ipykernel", reason="the docs extra brings nbformat, nbclient, ipykernel")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend shows the figure
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    data = [o.get("data", {}) for o in outputs]
    html = [d["text/html"] for d in data if "text/html" in d]
    assert any("<caption>gdezero.Variable</caption>" in h and "output of Sin" in h for h in html)
    svgs = [d["image/svg+xml"] for d in data if "image/svg+xml" in d]
    assert svgs and all(not INTERNAL.search(svg) for svg in svgs) and ">Mul<" in svgs[0]
    pngs = [d["image/png"] for d in data if "image/png" in d]
    assert pngs, "the matplotlib figure is missing from the notebook's outputs"


def api_sections():
    pytest.importorskip("sphinx_gallery", reason="docs/gallery_helpers.py needs the docs extra "
                                                 "(sphinx-gallery); nox -s docs runs these tests")
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import gallery_helpers
    finally:
        sys.path.remove(str(ROOT / "docs"))
    return gallery_helpers


def test_the_series_pages_taylor_rule_example_prints_true(capsys):
    helpers = api_sections()
    _, intro = helpers.API_SECTIONS["gdezero.taylor.series"]
    code = intro.split("::\n\n", 1)[1].split("\n\n``", 1)[0]
    exec(compile(textwrap.dedent(code), "series-example", "exec"), {})
    assert capsys.readouterr().out == "True\n"


def test_the_api_page_documents_the_series_kernels_a_taylor_rule_uses():
    names = api_sections().public_api()["gdezero.taylor.series"]
    assert {"add", "mul", "div", "add_constant", "exp", "log", "sin", "tanh", "power"} <= set(names)


_AUX = "with has_aux, f's second result comes back as it is: any object"
_PASSED_ON = "extra arguments handed to f as they are: any object"
# The documented signatures that may say Any, per (name, parameter or "return"), and why: the
# value is any object there. Everywhere else the annotation names the type (Array, Outputs, ...).
ANY_ALLOWED = {
    ("gdezero.Function.__call__", "return"):
        "one Variable, or a list of them when forward returns a tuple: the subclass decides at run "
        "time, and a union would make every single-output op narrow it",
    **{(f"gdezero.func.{name}", where): _AUX
       for name in ("grad", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd", "hessian")
       for where in ("f", "return")},
    **{(f"gdezero.utils.{name}", where): _PASSED_ON
       for name in ("numerical_grad", "gradient_check", "gradgradcheck") for where in ("args", "kwargs")},
}


def documented_callables():
    """(name, [signatures]) of every signature the API page shows: the functions (each overload)
    and the classes' constructors and own members, as autodoc lists them."""
    import importlib
    import inspect
    import typing

    def callables(name, obj):
        if inspect.isclass(obj):
            yield name, obj
            for member, value in vars(obj).items():
                if not member.startswith("_") or member in ("__call__", "__len__"):
                    value = value.fget if isinstance(value, property) else value
                    value = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
                    if callable(value):
                        yield f"{name}.{member}", value
        elif callable(obj):
            yield name, obj

    for module, names in api_sections().public_api().items():
        for documented in names:
            obj = importlib.import_module(module)
            for part in documented.split("."):
                obj = getattr(obj, part)
            for name, fn in callables(f"{module}.{documented}", obj):
                variants = typing.get_overloads(inspect.unwrap(fn)) or [fn]
                try:
                    inspect.signature(variants[0])
                except (TypeError, ValueError):  # a builtin slot wrapper: no Python signature
                    continue
                yield name, variants


def documented_signatures():
    """{(name, parameter or "return"): [annotations]} over `documented_callables`."""
    import inspect
    found = {}
    for name, variants in documented_callables():
        for signature in map(inspect.signature, variants):
            for p in signature.parameters.values():
                found.setdefault((name, p.name), []).append(p.annotation)
            found.setdefault((name, "return"), []).append(signature.return_annotation)
    return found


def test_the_api_pages_signatures_name_their_types_not_any():
    signatures = documented_signatures()
    assert ("gdezero.Variable.dtype", "return") in signatures and ("gdezero.hvp", "x") in signatures
    says_any = {key for key, annotations in signatures.items()
                if any(re.search(r"\bAny\b", str(a)) for a in annotations)}
    unexplained = sorted(says_any - set(ANY_ALLOWED))
    assert not unexplained, (f"{unexplained} say Any: name the type (an alias of gdezero.core), or add "
                             f"the entry to ANY_ALLOWED with the reason it is any object")
    stale = sorted(set(ANY_ALLOWED) - says_any)
    assert not stale, f"{stale} no longer say Any: drop them from ANY_ALLOWED"


def test_the_api_pages_signatures_show_the_alias_names_as_written():
    sphinx_inspect = pytest.importorskip("sphinx.util.inspect", reason="needs the docs extra (sphinx)")
    helpers = api_sections()
    aliases = {alias: alias for alias in helpers.TYPE_ALIASES}
    rendered = {}
    for name, variants in documented_callables():
        for fn in variants:
            text = sphinx_inspect.stringify_signature(sphinx_inspect.signature(fn, type_aliases=aliases),
                                                      unqualified_typehints=True)
            rendered[name] = helpers.alias_names(None, "function", name, fn, {}, text, None)[0]
    assert "v: VariableLike | None = None" in rendered["gdezero.utils.gradgradcheck"]
    assert "-> tuple[Outputs, Outputs]" in rendered["gdezero.jvp"]
    assert not [text for text in rendered.values() if "ForwardRef" in text]


def page_ids(page):
    return set(re.findall(r'id="([^"]+)"', (SITE / "generated" / page).read_text(encoding="utf-8")))


@needs_site
@pytest.mark.parametrize("cls", ["Variable", "Function"])
def test_the_class_pages_document_every_public_method_and_attribute(cls):
    import gdezero
    public = {name for name in dir(getattr(gdezero, cls)) if not name.startswith("_")}
    ids = page_ids(f"gdezero.{cls}.html")
    documented = {i.rsplit(".", 1)[1] for i in ids if i.startswith(f"gdezero.{cls}.")}
    assert public <= documented, sorted(public - documented)
    assert "__call__" in documented or cls == "Variable"


@needs_site
def test_signatures_name_the_array_aliases_not_any():
    page = SITE / "generated" / "gdezero.functions.sin.html"
    text = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))
    signature = text[text.index("gdezero.functions.sin("):][:200]
    assert "VariableLike" in signature and "Any" not in signature, signature


TOUR_PICTURES = {  # the book's pictures, in the tour's sections that show them
    "steps-25-and-26-seeing-the-graph": ["matyas.svg"],
    "step-28-optimisation-by-gradient-descent": ["rosenbrock_newton_cg.png"],
    "step-29-newton-s-method-with-a-hand-written-second-derivative": ["newton_1d.png"],
    "step-33-newton-s-method-with-the-second-derivative-by-double-backprop": ["newton_gx.svg"],
    "step-34-every-derivative-of-sin-at-once": ["sin_higher_derivatives.png", "taylor_series.png"],
    "step-35-the-graph-of-tanh-s-higher-derivatives": ["tanh_order3.svg"],
    "step-36-double-backprop-beyond-newton": ["double_backprop.svg"],
}


@needs_site
def test_the_tour_shows_the_books_pictures_in_their_sections():
    text = (SITE / "tour.html").read_text(encoding="utf-8")
    sections = re.split(r'<section id="', text)[1:]
    by_id = {s.split('"', 1)[0]: s for s in sections}
    for section, pictures in TOUR_PICTURES.items():
        sources = re.findall(r'<img[^>]+src="([^"]+)"', by_id[section].split("<section", 1)[0])
        for picture in pictures:
            src = next((s for s in sources if s.endswith("/" + picture)), None)
            assert src, f"{section} shows no {picture}: {sources}"
            assert (SITE / src).stat().st_size > 1000, src


@needs_site
def test_the_tour_page_lists_its_sections_and_wraps_code():
    text = (SITE / "tour.html").read_text(encoding="utf-8")
    toc = text[text.index('class="page-toc'):] if 'class="page-toc' in text else text
    for section in TOUR_PICTURES:
        assert f'href="#{section}"' in toc, section
    assert "gdezero.css" in text
    assert "white-space: pre-wrap" in (SITE / "_static" / "gdezero.css").read_text(encoding="utf-8")
