"""The README's Python snippets run as written, in order, and print what they say."""
import contextlib
import io
import pathlib
import re

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
