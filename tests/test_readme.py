"""The README: its Python snippets run as written, its links stay in the repository, and the demo
writes every image it shows."""
import contextlib
import io
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def test_readme_snippets_run_in_order_and_print_their_comments():
    snippets = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert snippets
    namespace = {}
    for index, code in enumerate(snippets):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"README snippet {index}", "exec"), namespace)
        for line in code.splitlines():  # `print(...)  # expected` must print `expected`
            match = re.match(r"print\(.*\)\s+# (.*)$", line)
            if match:
                assert match.group(1).strip() in out.getvalue(), f"snippet {index}: {line}"


def readme_images():
    return re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", README.read_text(encoding="utf-8"))


def test_readme_links_and_images_stay_inside_the_repository():
    targets = re.findall(r"\]\(([^)\s]+)\)", README.read_text(encoding="utf-8"), re.S)
    assert targets
    for target in targets:
        assert "://" not in target and not target.startswith("/"), target
        assert (README.parent / target.split("#")[0]).exists(), f"README links to missing {target}"


@pytest.mark.skipif(os.environ.get("GDEZERO_BACKEND", "numpy") != "numpy",
                    reason="the example scripts build NumPy data; they run once, in the numpy backend run")
@pytest.mark.skipif(shutil.which("dot") is None and shutil.which("graphviz-pure") is None,
                    reason="the demo renders graphs: needs Graphviz `dot` or graphviz-pure (the viz extra)")
def figure_writers(name):
    """Example scripts that may write a file called `name`: a save_figure/render_graph call whose
    file name (an f-string's fields taken as wildcards) matches it."""
    writers = []
    for script in sorted((README.parent / "examples").glob("[a-z]*.py")):
        source = script.read_text(encoding="utf-8")
        calls = re.findall(r"\b(?:save_figure|render_graph)\([^\n]*?f?\"([^\"]+)\"", source)
        patterns = ["".join(".+" if part.startswith("{") else re.escape(part)
                            for part in re.split(r"(\{[^}]*\})", call)) for call in calls]
        if any(re.fullmatch(pattern, name) for pattern in patterns):
            writers.append(script)
    return writers


def test_figure_writers_finds_literal_and_f_string_names():
    examples = README.parent / "examples"
    assert figure_writers("newton_1d.png") == [examples / "newton_1d.py"]
    assert figure_writers("tanh_order7.svg") == [examples / "tanh_graph.py"]
    assert figure_writers("nothing_writes_this.png") == []


@pytest.mark.skipif(os.environ.get("GDEZERO_BACKEND", "numpy") != "numpy",
                    reason="the example scripts build NumPy data; they run once, in the numpy backend run")
@pytest.mark.skipif(shutil.which("dot") is None and shutil.which("graphviz-pure") is None,
                    reason="the demo renders graphs: needs Graphviz `dot` or graphviz-pure (the viz extra)")
def test_every_readme_image_is_written_by_the_demo(tmp_path):
    """`nox -s figures` runs the examples that draw the README's figures with --out, then copies the
    images from there into docs/; here the examples that can write them run the same way (--quick: the
    same file names, smaller sizes) and must write each one."""
    images = readme_images()
    assert images and all(image.startswith("docs/") for image in images)
    env = {**os.environ, "PYTHONPATH": str(README.parent), "MPLBACKEND": "Agg"}
    for image in images:
        name = pathlib.PurePosixPath(image).name
        writers = figure_writers(name)
        assert writers, f"README shows {image}, but no example script writes a file of that name"
        for script in writers:
            done = subprocess.run([sys.executable, str(script), "--quick", "--out", str(tmp_path)], env=env,
                                  cwd=tmp_path, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, f"{script.name}: {done.stderr[-2000:]}"
        assert (tmp_path / name).is_file(), \
            f"README shows {image}, but {[s.name for s in writers]} did not write it"
