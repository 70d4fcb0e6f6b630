"""The oracle table is complete: every F.* function has rows in its family's test file,
and at least one of them keeps a derivative column that needs no torch."""
import importlib

import gdezero.functions as F


def _torch_free(row):
    """Whether the row keeps a derivative check that runs in a plain install."""
    return "fd" not in row.without or (row.mpmath is not None and "mpmath" not in row.without)


def test_every_public_function_has_a_row_in_its_family_file():
    problems, families = [], {}
    for name in F.__all__:
        families.setdefault(getattr(F, name).__module__.rsplit(".", 1)[-1], []).append(name)
    for family, names in families.items():
        try:
            rows = importlib.import_module(f"test_{family}").ROWS
        except ModuleNotFoundError:
            problems.append(f"no tests/ops/test_{family}.py for {names}")
            continue
        problems += [f"{name}: no row in tests/ops/test_{family}.py" for name in names
                     if not any(row.of == name for row in rows)]
        problems += [f"{name}: no row of tests/ops/test_{family}.py keeps a torch-free derivative column"
                     for name in names if any(row.of == name for row in rows)
                     and not any(row.of == name and _torch_free(row) for row in rows)]
        problems += [f"row {row.id} of tests/ops/test_{family}.py: {row.of!r} is not in its family"
                     for row in rows if row.of not in names]
    assert not problems, "oracle table incomplete:\n" + "\n".join(problems)
