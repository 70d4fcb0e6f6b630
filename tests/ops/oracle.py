"""The oracle table of the op families: rows (an op on seeded inputs) and columns (checks).

Each ``tests/ops/test_<family>.py`` lists its ``ROWS`` and runs ``cases(ROWS)``; a column
is a name and a check ``check(row, arr)``, run on every row it applies to. A new column
(a batching rule against the loop over examples, say) is one more entry in ``COLUMNS``,
plus a field with a default on ``Row`` if it needs more from the rows.

Columns and their oracles:

- ``value``: the forward value against the row's NumPy reference;
- ``mpmath``: elementwise rows, value and derivatives 1-3 at each point against mpmath;
- ``fd``: derivatives 1-3, each against float64 central differences of the order below
  (needs no torch: every F.* keeps derivative tests in a plain install);
- ``torch``: value and derivatives 1-3 against torch.autograd (skips when torch is absent);
- ``taylor``: Taylor mode against nested reverse mode to order 4;
- ``curved``: the same to order 5 on an input series whose every coefficient is nonzero.
"""
from __future__ import annotations

import importlib
import importlib.util
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import mpmath
import numpy as np
import pytest
from conftest import BACKEND

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable
from gdezero.backend import to_numpy
from gdezero.utils import numerical_grad

Maker = Callable[[np.random.Generator], np.ndarray]


# ============================================================================ input makers
def normal(*shape: int, scale: float = 1.0) -> Maker:
    return lambda rng: rng.normal(size=shape) * scale


def uniform(low: float, high: float, *shape: int) -> Maker:
    return lambda rng: rng.uniform(low, high, shape)


def positive(*shape: int) -> Maker:
    return uniform(0.5, 2.0, *shape)


def given(data) -> Maker:
    data = np.array(data, dtype=np.float64)
    return lambda rng: data.copy()


class _Torch:
    """torch, or one of its attributes, imported when first called: rows name torch
    functions (``torch.exp``) without importing torch, so a plain install collects them."""

    def __init__(self, path: str = "torch"):
        self._path = path

    def __getattr__(self, name: str) -> _Torch:
        return _Torch(f"{self._path}.{name}")

    def __call__(self, *args, **kwargs):
        module, *attributes = self._path.split(".")
        target = importlib.import_module(module)
        for name in attributes:
            target = getattr(target, name)
        return target(*args, **kwargs)


torch = _Torch()
TF = torch.nn.functional


# ============================================================================ rows
@dataclass(frozen=True)
class Row:
    """One op expression on seeded inputs; every applicable column checks it.

    `op` takes one Variable per input maker and returns a Variable; `torch` is the same
    function on torch tensors, `numpy` its value on NumPy arrays, `mpmath` (elementwise
    rows) its scalar form on an mpf. `without` maps a column name to why it does not apply
    (the column is then not generated); `backends_without` maps a backend to why the row
    cannot run there (the row's cases skip with that reason).
    """

    of: str  # the F.* name under test; the completeness guard reads it
    op: Callable[..., Variable]
    inputs: tuple[Maker, ...]
    variant: str = ""
    torch: Callable | None = None
    numpy: Callable | None = None
    mpmath: Callable | None = None
    curved: bool = False
    without: Mapping[str, str] = field(default_factory=dict)
    backends_without: Mapping[str, str] = field(default_factory=dict)
    tolerance: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.of}_{self.variant}" if self.variant else self.of

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The inputs as float64 NumPy arrays, seeded by the row's id (not by table order)."""
        rng = np.random.default_rng(zlib.crc32(self.id.encode()))
        return tuple(np.asarray(make(rng), dtype=np.float64) for make in self.inputs)

    def tol(self, column: str, rtol: float, atol: float) -> tuple[float, float]:
        return self.tolerance.get(column, (rtol, atol))


# ============================================================================ comparisons
def assert_scaled_close(got, expected, rtol, atol, what):
    """|got - expected| <= atol * max(1, max|expected|) + rtol |expected|, shapes equal."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, f"{what}: shape {got.shape} != expected {expected.shape}"
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol * scale, err_msg=what)


def weights_for(out_shape, in_shapes, order, seed):
    """Seeded contraction weights: one of the output's shape, then one per input for each
    order above the first (order k contracts the order-k gradient with weights[k])."""
    rng = np.random.default_rng(seed)
    weights = [[rng.uniform(0.5, 1.5, out_shape)]]
    weights += [[rng.uniform(-1.5, 1.5, s) for s in in_shapes] for _ in range(order - 1)]
    return weights


def _contract(parts, weights, total):
    """sum_i <parts[i], weights[i]> with `total` the backend's sum."""
    s = None
    for p, w in zip(parts, weights):
        term = total(p * w)
        s = term if s is None else s + term
    return s


def _gd_weights(xp, ws):
    return [Variable(xp.asarray(w)) for w in ws]


def gd_orders(f, xs, weights):
    """[f(*xs), D_1, ..., D_n] by nested reverse mode: D_1 = grad(<f, w_0>, xs), D_k =
    grad(sum_i <D_{k-1}[i], w_{k-1}[i]>, xs), each pass recorded for the next. `xs` are
    Variables; each D_k is a tuple of NumPy arrays, one per input."""
    y = f(*xs)
    out = [to_numpy(y.data)]
    xp = gd.get_array_module(xs[0].data)
    s = _contract([y], _gd_weights(xp, weights[0]), F.sum)
    for k in range(1, len(weights) + 1):
        g = gd.grad(s, xs, create_graph=True)
        out.append(tuple(to_numpy(gi.data) for gi in g))
        if k < len(weights):
            s = _contract(g, _gd_weights(xp, weights[k]), F.sum)
    return out


def contraction(f, xs, weights, k):
    """s_k: s_0 = <f(xs), w_0>, s_j = sum_i <grad(s_{j-1}, xs)[i], w_j[i]> (a Variable)."""
    xp = gd.get_array_module(xs[0].data)
    s = _contract([f(*xs)], _gd_weights(xp, weights[0]), F.sum)
    for j in range(1, k + 1):
        s = _contract(gd.grad(s, xs, create_graph=True), _gd_weights(xp, weights[j]), F.sum)
    return s


def torch_orders(f, xs, weights):
    """The same derivatives as `gd_orders` by torch.autograd on float64 CPU tensors of `xs`
    (NumPy arrays); an order that no longer depends on the inputs is zeros, as in gdezero."""
    import torch as real_torch
    ts = [real_torch.from_numpy(np.array(x)).requires_grad_(True) for x in xs]
    y = f(*ts)
    out = [y.detach().numpy()]
    s = _contract([y], [real_torch.from_numpy(w) for w in weights[0]], real_torch.sum)
    for k in range(1, len(weights) + 1):
        if s.requires_grad:
            g = real_torch.autograd.grad(s, ts, create_graph=True, materialize_grads=True)
        else:
            g = tuple(real_torch.zeros_like(t) for t in ts)
        out.append(tuple(gi.detach().numpy(force=True) for gi in g))
        if k < len(weights):
            s = _contract(g, [real_torch.from_numpy(w) for w in weights[k]], real_torch.sum)
    return out


# ============================================================================ the columns
def check_value(row, arr):
    data = row.arrays()
    got = row.op(*[Variable(arr(x)) for x in data])
    rtol, atol = row.tol("value", 1e-12, 1e-12)
    assert_scaled_close(to_numpy(got.data), row.numpy(*data), rtol, atol, "value")


def check_mpmath(row, arr):
    """Elementwise: d^k f/dx^k at each point, k = 0..3, by nested reverse mode (the gradient
    of the sum of the order below) against mpmath.diff in 30 digits."""
    (data,) = row.arrays()
    x = Variable(arr(data))
    derivs = [row.op(x)]
    for _ in range(3):
        derivs.append(gd.grad(F.sum(derivs[-1]), x, create_graph=True))
    rtol, atol = row.tol("mpmath", 1e-11, 1e-12)
    with mpmath.workdps(30):
        for k, d in enumerate(derivs):
            exact = [float(mpmath.diff(row.mpmath, mpmath.mpf(float(t)), k)) for t in data.ravel()]
            assert_scaled_close(to_numpy(d.data), np.reshape(exact, data.shape), rtol, atol,
                                f"order {k}")


def check_fd(row, arr, order=3):
    """Each contracted order k = 1..3 against central differences (float64) of order k-1."""
    data = row.arrays()
    xs = [arr(x) for x in data]
    out_shape = tuple(row.op(*[Variable(x) for x in xs]).shape)
    weights = weights_for(out_shape, [x.shape for x in data], order, seed=1)
    got = gd_orders(row.op, [Variable(x) for x in xs], weights)
    rtol, atol = row.tol("fd", 1e-4, 1e-5)
    for k in range(1, order + 1):
        for i, x in enumerate(xs):
            def lower(xi, k=k, i=i):
                vs = [Variable(x) for x in xs]
                vs[i] = xi
                return contraction(row.op, vs, weights, k - 1)
            expected = to_numpy(numerical_grad(lower, x))
            assert_scaled_close(got[k][i], expected, rtol, atol, f"order {k}, input {i}")


def check_torch(row, arr):
    pytest.importorskip("torch", reason="torch is the oracle of this column (pip install torch)")
    import torch as real_torch
    data = row.arrays()
    out_shape = tuple(row.torch(*[real_torch.from_numpy(x) for x in data]).shape)
    weights = weights_for(out_shape, [x.shape for x in data], 3, seed=0)
    got = gd_orders(row.op, [Variable(arr(x)) for x in data], weights)
    expected = torch_orders(row.torch, data, weights)
    rtol, atol = row.tol("torch", 1e-9, 1e-9)
    assert_scaled_close(got[0], expected[0], rtol, atol, "value")
    for k in range(1, 4):
        for i, (g, e) in enumerate(zip(got[k], expected[k])):
            assert_scaled_close(g, e, rtol, atol, f"order {k}, input {i}")


def _taylor_against_reverse(f, row, arr, order, rtol, atol):
    directions = np.random.default_rng(7)
    data = row.arrays()
    xs = tuple(arr(x) for x in data)
    vs = tuple(arr(directions.uniform(-1, 1, np.shape(x))) for x in data)
    taylor = gd.derivatives(f, xs, order, v=vs, method="taylor")
    reverse = gd.derivatives(f, xs, order, v=vs, method="reverse")
    for k, (t, r) in enumerate(zip(taylor, reverse)):
        assert_scaled_close(to_numpy(t.data), to_numpy(r.data), rtol, atol, f"order {k}")


def check_taylor(row, arr):
    _taylor_against_reverse(row.op, row, arr, 4, *row.tol("taylor", 1e-10, 1e-10))


def check_curved(row, arr):
    """Through an inner exp, the input series is nonlinear in t: every coefficient is nonzero."""
    def f(*xs):
        return row.op(*[F.exp(x * 0.3) * 0.5 + 0.2 for x in xs])
    _taylor_against_reverse(f, row, arr, 5, *row.tol("curved", 1e-9, 1e-11))


@dataclass(frozen=True)
class Column:
    name: str
    check: Callable[[Row, Callable], None]
    applies: Callable[[Row], bool] = lambda row: True


COLUMNS = (
    Column("value", check_value, lambda row: row.numpy is not None),
    Column("mpmath", check_mpmath, lambda row: row.mpmath is not None),
    Column("fd", check_fd),
    Column("torch", check_torch, lambda row: row.torch is not None),
    Column("taylor", check_taylor),
    Column("curved", check_curved, lambda row: row.curved),
)


def _has_torch():
    return importlib.util.find_spec("torch") is not None


def cases(rows):
    """pytest params (column, row), id ``column-row``, for each column that applies to a row."""
    ids = [row.id for row in rows]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"rows with the same id: {repeated}; give them distinct variants")
    return [pytest.param(column, row, id=f"{column.name}-{row.id}")
            for row in rows for column in COLUMNS
            if column.name not in row.without and column.applies(row)]


def run(column, row, arr):
    """The family files' one test: the check, or a skip saying why the backend cannot run the row."""
    reason = row.backends_without.get(BACKEND)
    if reason is None and column.name == "fd" and BACKEND == "dask" and _has_torch():
        reason = ("the torch column checks these orders on Dask; central differences of lazy "
                  "arrays (one graph and compute per step) are the fallback where torch is absent")
    if reason is not None:
        pytest.skip(reason)
    column.check(row, arr)
