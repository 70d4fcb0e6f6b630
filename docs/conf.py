"""Sphinx configuration: pydata-sphinx-theme, numpydoc API pages, sphinx-gallery over examples/.

`nox -s docs` builds it with warnings as errors. The API page (api.rst) and the benchmark table are
generated here from the package and benchmarks/RESULTS.md, so they cannot drift from them.
"""
import pathlib
import sys

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # this checkout's gdezero, not another install
sys.path.insert(0, str(DOCS))  # gallery_helpers (referenced by name in sphinx_gallery_conf)

import gallery_helpers  # noqa: E402

import gdezero  # noqa: E402

project = "gdezero"
author = "gdezero developers"
copyright = "2026, gdezero developers"
release = version = gdezero.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "_generated/*.rst", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip", "sg_execution_times.rst"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"

autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {}
# signatures name the aliases the annotations use (`Array`, not the `Any` it stands for)
autodoc_type_aliases = {alias: alias for alias in gallery_helpers.TYPE_ALIASES}
numpydoc_show_class_members = False  # class pages list members through their own templates
numpydoc_validation_checks = set()

html_theme = "pydata_sphinx_theme"
html_title = f"gdezero {version}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_static_path = ["_static"]
html_css_files = ["gdezero.css"]
# pages without sub-pages have nothing for the left "section navigation": drop that sidebar
# there, so the page's own sections (right, "On this page") are the navigation
html_sidebars = {page: [] for page in ("tour", "backends", "performance", "design", "api")}

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": str(DOCS / "auto_examples"),
    "filename_pattern": r"/[a-z][a-z0-9_]*\.py$",  # run every example (names starting "_" are helpers)
    "ignore_pattern": r"^_\w*\.py$",  # the file name: a "_" file would be a helper
    "reset_argv": "gallery_helpers.example_argv",
    "image_scrapers": ("gallery_helpers.scrape_figures",),
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "show_memory": False,
    "plot_gallery": "True",
}

gallery_helpers.prepare(ROOT, DOCS)


def setup(app):
    app.connect("autodoc-process-signature", gallery_helpers.alias_names)
