"""The documentation's pages run as written: every `>>>` snippet in docs/*.rst is a doctest."""
import doctest
import os
import pathlib

import pytest

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(p for p in DOCS.glob("*.rst") if ">>>" in p.read_text(encoding="utf-8"))

pytestmark = pytest.mark.skipif(os.environ.get("GDEZERO_BACKEND", "numpy") != "numpy",
                                reason="the pages use NumPy data; they run once, in the numpy backend run")


def test_the_tour_is_among_the_checked_pages():
    assert DOCS / "tour.rst" in PAGES and DOCS / "index.rst" in PAGES
    assert DOCS / "from_torch_jax.rst" in PAGES


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_snippets_print_what_the_page_says(page):
    result = doctest.testfile(str(page), module_relative=False, encoding="utf-8", verbose=False,
                              optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, f"{result.failed} failing snippets in {page.name}"
