"""The README's Python snippets run as written and print what they say they print."""
import contextlib
import io
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
SNIPPETS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


@pytest.mark.parametrize("index", range(len(SNIPPETS)))
def test_readme_snippet_runs_and_prints_its_comment(index):
    code = SNIPPETS[index]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"README snippet {index}", "exec"), {})
    for line in code.splitlines():  # `print(...)  # expected` lines must print `expected`
        match = re.match(r"print\(.*\)\s+# (.*)$", line)
        if match:
            assert match.group(1).strip() in out.getvalue()
