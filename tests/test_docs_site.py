"""The built documentation, read as a reader's browser shows it (headless Chromium's DOM):
the gallery has every example with its figures, the API page every public name.

`nox -s docs` builds the site and then runs this file with GDEZERO_DOCS_BROWSER=required, so a
missing Chromium fails there (`nox -s docs -- --no-browser` sets it to skip); run alone, without
a built site or without Chromium (Debian: apt-get install chromium), the tests skip with the reason."""
import html.parser
import inspect
import os
import pathlib
import re
import shutil
import subprocess

import pytest

import gdezero
import gdezero.functions
import gdezero.graph
import gdezero.optimize
import gdezero.utils
from gdezero.taylor import series

ROOT = pathlib.Path(__file__).resolve().parent.parent
SITE = ROOT / "docs" / "_build" / "html"
CHROMIUM = next(filter(None, map(shutil.which, ["chromium", "chromium-browser", "google-chrome"])), None)
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("[a-z]*.py"))
BROWSER = os.environ.get("GDEZERO_DOCS_BROWSER", "optional")  # required | skip | optional
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--dump-dom"]

pytestmark = [
    pytest.mark.skipif(os.environ.get("GDEZERO_BACKEND", "numpy") != "numpy",
                       reason="the documentation does not depend on the backend; checked in the numpy run"),
    pytest.mark.skipif(not (SITE / "index.html").is_file(),
                       reason="no built site in docs/_build/html (nox -s docs builds it, then runs this)"),
    pytest.mark.skipif(BROWSER == "skip", reason="nox -s docs -- --no-browser: no page is read in Chromium"),
    pytest.mark.skipif(CHROMIUM is None and BROWSER != "required",
                       reason="needs Chromium (apt-get install chromium)"),
]

# DESIGN.md's public API: what the reference must show (names this checkout lacks excepted).
PUBLIC = {
    "gdezero": ["Variable", "Parameter", "Function", "Config", "using_config", "no_grad", "as_array",
                "as_variable", "get_array_module", "grad", "hvp", "hessian", "jacobian", "jvp", "taylor",
                "derivatives"],
    "gdezero.functions": list(gdezero.functions.__all__),
    "gdezero.utils": ["numerical_grad", "gradient_check", "gradgradcheck", "array_equal", "array_allclose"],
    "gdezero.graph": ["get_dot_graph", "plot_dot_graph"],
    "gdezero.optimize": ["minimize", "scipy_functions"],
    "gdezero.taylor.series": ["add", "add_constant", "mul", "div", "exp", "log", "sin", "tanh", "power"],
}
MODULES = {"gdezero": gdezero, "gdezero.functions": gdezero.functions, "gdezero.utils": gdezero.utils,
           "gdezero.graph": gdezero.graph, "gdezero.optimize": gdezero.optimize,
           "gdezero.taylor.series": series}


class Page(html.parser.HTMLParser):
    """The links, images and element ids of one DOM."""

    def __init__(self, dom):
        super().__init__()
        self.links, self.images, self.ids = [], [], set()
        self.feed(dom)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs)


def rendered(path, tmp_path_factory):
    """The DOM Chromium builds from a page of the site (after its scripts ran)."""
    assert CHROMIUM is not None, "the browser checks need Chromium (apt-get install chromium) or --no-browser"
    profile = tmp_path_factory.mktemp("chromium-profile")
    done = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", path.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "<html" in done.stdout, done.stderr[-2000:]
    return Page(done.stdout)


def writes_figures(script):
    return re.search(r"\b(save_figure|render_graph)\(", script.read_text(encoding="utf-8")) is not None


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    return rendered(SITE / "auto_examples" / "index.html", tmp_path_factory)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    return rendered(SITE / "api.html", tmp_path_factory)


def test_every_example_is_in_the_gallery(gallery):
    for script in EXAMPLES:
        assert f"{script.stem}.html" in {link.split("#")[0] for link in gallery.links}, script.name
        thumbnails = [img for img in gallery.images if f"sphx_glr_{script.stem}_thumb" in img.get("src", "")]
        assert thumbnails, f"no thumbnail for {script.name}"


@pytest.mark.parametrize("script", [s for s in EXAMPLES if writes_figures(s)], ids=lambda s: s.stem)
def test_every_example_page_shows_its_figures(script, tmp_path_factory):
    page = rendered(SITE / "auto_examples" / f"{script.stem}.html", tmp_path_factory)
    figures = [img["src"] for img in page.images if "sphx-glr" in img.get("class", "")
               and f"sphx_glr_{script.stem}_0" in img.get("src", "")]
    assert figures, f"{script.name} writes figures but its page shows none"
    for src in figures:
        picture = (SITE / "auto_examples" / src).resolve()
        assert picture.is_file() and picture.stat().st_size > 1000, src


def test_api_page_links_every_public_name_to_its_documentation(api):
    for module, names in PUBLIC.items():
        for name in names:
            if not hasattr(MODULES[module], name):
                continue  # not in this checkout yet (DESIGN.md lists names other branches add)
            value = getattr(MODULES[module], name)
            if inspect.ismodule(value) and callable(value):  # gd.taylor: documented as the function it is
                name = f"{name}.{name}"
            page = f"generated/{module}.{name}.html"
            assert page in {link.split("#")[0] for link in api.links}, f"{module}.{name} not on the API page"
            text = (SITE / page).read_text(encoding="utf-8")
            assert f'id="{module}.{name}"' in text, f"{page} does not document {module}.{name}"


def test_a_function_page_shows_its_docstring_example(tmp_path_factory):
    page = rendered(SITE / "generated" / "gdezero.graph.plot_dot_graph.html", tmp_path_factory)
    assert "gdezero.graph.plot_dot_graph" in page.ids
    text = (SITE / "generated" / "gdezero.graph.plot_dot_graph.html").read_text(encoding="utf-8")
    assert "graphviz-pure" in text and "Examples" in text


def test_the_tour_shows_its_pictures_and_links_its_sections(tmp_path_factory):
    page = rendered(SITE / "tour.html", tmp_path_factory)
    pictures = {pathlib.PurePosixPath(img["src"]).name for img in page.images}
    for picture in ("matyas.svg", "rosenbrock_newton_cg.png", "newton_1d.png", "newton_gx.svg",
                    "sin_higher_derivatives.png", "tanh_order3.svg", "double_backprop.svg"):
        assert picture in pictures, f"the tour shows no {picture}"
    sections = [link for link in page.links if link.startswith("#step")]
    assert len(sections) >= 10 and all(link[1:] in page.ids for link in sections)
