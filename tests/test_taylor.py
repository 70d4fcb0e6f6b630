"""Forward and Taylor mode: jvp, taylor, derivatives, and the series kernels.

References: 80-digit mpmath Taylor coefficients (to order 30), torch.func.jvp (forward
mode), nested reverse mode and closed forms. Every op's Taylor rule against nested reverse
mode is a column of the oracle rows in tests/ops/.
"""
import functools
import math
import os
import pathlib
import subprocess
import sys
import warnings

import mpmath
import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero import Function, Variable
from gdezero.backend import to_numpy
from gdezero.taylor import derivatives, hvp_forward_over_reverse, jvp, taylor
from gdezero.taylor import series as S
from helpers import assert_close
from tests.conftest import BACKEND

ORDER = 30


# ============================================================================ mpmath references
def _sigmoid(t):
    return 1 / (1 + mpmath.exp(-t))


# name: (gdezero function, mpmath function, points); points avoid the functions' poles.
REFERENCES = {
    "tanh": (F.tanh, mpmath.tanh, (-1.3, -0.4, 0.6, 1.1)),
    "sin": (F.sin, mpmath.sin, (-2.0, 0.3, 1.0, 2.5)),
    "exp": (F.exp, mpmath.exp, (-1.5, 0.0, 0.7, 2.0)),
    "log": (F.log, mpmath.log, (0.3, 0.9, 1.7, 3.0)),
    "sqrt": (F.sqrt, mpmath.sqrt, (0.4, 1.0, 2.2, 5.0)),
    "sigmoid": (F.sigmoid, _sigmoid, (-2.0, -0.5, 0.8, 1.9)),
    "pow2.5": (lambda x: x ** 2.5, lambda t: t ** mpmath.mpf("2.5"), (0.5, 1.0, 1.8, 3.0)),
    "1/(1+x^2)": (lambda x: 1 / (1 + x ** 2), lambda t: 1 / (1 + t ** 2), (-1.2, -0.3, 0.5, 1.4)),
    "exp(sin x)": (lambda x: F.exp(F.sin(x)), lambda t: mpmath.exp(mpmath.sin(t)),
                   (-1.0, 0.2, 0.9, 2.0)),
    "log(1+x^2)": (lambda x: F.log(1 + x ** 2), lambda t: mpmath.log(1 + t ** 2),
                   (-1.1, -0.35, 0.45, 1.3)),
}


@functools.cache
def exact_derivatives(name):
    """(points, ORDER+1) exact derivatives of REFERENCES[name] at its points, 80 digits."""
    _, fn, points = REFERENCES[name]
    with mpmath.workdps(80):
        rows = []
        for p in points:
            coeffs = mpmath.taylor(fn, mpmath.mpf(p), ORDER)
            rows.append([float(c * mpmath.factorial(k)) for k, c in enumerate(coeffs)])
    return np.array(rows).T  # (ORDER+1, points)


def assert_matches_exact(got, exact, rtol):
    """|got - exact| <= rtol |exact| per derivative, except near a zero of that derivative:
    there the error is measured against 1e-3 of its largest magnitude over the points."""
    for k, (g, e) in enumerate(zip(got, exact)):
        g = to_numpy(g.data).astype(np.float64)
        scale = np.maximum(np.abs(e), 1e-3 * np.max(np.abs(e)))
        err = np.max(np.abs(g - e) / scale)
        assert err <= rtol, f"derivative {k}: relative error {err:.3g} > {rtol:g}"


@pytest.mark.parametrize("name", list(REFERENCES))
def test_derivatives_to_order_30_match_mpmath_in_float64(arr, name):
    f, _, points = REFERENCES[name]
    # On Dask every step of a recurrence is more tasks (order 30 of the rational functions
    # took 50 s): the same kernels are checked there to order 12, to 30 on the eager backends.
    order = 12 if BACKEND == "dask" else ORDER
    got = derivatives(f, arr(points), order, method="taylor")
    assert len(got) == order + 1
    assert_matches_exact(got, exact_derivatives(name)[:order + 1], 1e-12)


@pytest.mark.parametrize("name", ["tanh", "sin", "exp", "log", "sigmoid", "exp(sin x)"])
def test_derivatives_in_float32_stay_float32_and_coarsely_right(arr, name):
    f, _, points = REFERENCES[name]
    got = derivatives(f, arr(points, np.float32), 8, method="taylor")
    assert all(str(g.dtype).endswith("float32") for g in got)
    assert_matches_exact(got, exact_derivatives(name)[:9], 2e-4)


# ============================================================================ every op has a rule
RNG = np.random.default_rng(12)


def test_every_builtin_function_has_a_taylor_rule():
    import importlib
    import pkgutil

    import gdezero.core
    import gdezero.ops
    modules = [gdezero.core] + [importlib.import_module(f"gdezero.ops.{m.name}")
                                for m in pkgutil.iter_modules(gdezero.ops.__path__)]
    missing = [f"{module.__name__}.{cls.__name__}" for module in modules
               for cls in vars(module).values()
               if isinstance(cls, type) and issubclass(cls, Function) and cls is not Function
               and cls.__module__ == module.__name__ and not cls.__name__.startswith("_")
               and getattr(cls, "taylor", None) is None]  # a rule may be inherited (Min from Max)
    assert not missing, f"Functions without a Taylor rule: {missing}"


# ============================================================================ forward mode vs torch
try:
    import torch
except ImportError:  # the forward-mode oracle; the cases below skip without it
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is the forward-mode oracle "
                                                       "(pip install torch)")

JVP_CASES = {
    "tanh*sin": (lambda x: F.tanh(x) * F.sin(x), lambda x: torch.tanh(x) * torch.sin(x), (5,)),
    "softmax": (lambda x: F.softmax(x, axis=1), lambda x: torch.softmax(x, dim=1), (3, 4)),
    "log_softmax": (lambda x: F.log_softmax(x, axis=1), lambda x: torch.log_softmax(x, dim=1),
                    (3, 4)),
    "matmul": (lambda x: F.matmul(x, F.transpose(F.exp(x))),
               lambda x: x @ torch.exp(x).T, (2, 3)),
    "pow/sqrt/div": (lambda x: F.sqrt(x * x + 1) / (x ** 2.5 + 1),
                     lambda x: torch.sqrt(x * x + 1) / (x ** 2.5 + 1), (4,)),
    "max/sum": (lambda x: F.max(F.sin(x), axis=0) + F.sum(F.log(x * x + 1)),
                lambda x: torch.amax(torch.sin(x), dim=0) + torch.sum(torch.log(x * x + 1)), (3, 2)),
}


@needs_torch
@pytest.mark.parametrize("name", list(JVP_CASES))
def test_jvp_matches_torch_forward_mode(arr, name):
    f, f_torch, shape = JVP_CASES[name]
    x0 = RNG.uniform(0.1, 1.5, shape)
    v0 = RNG.standard_normal(shape)
    y, tangent = jvp(f, arr(x0), arr(v0))
    want_y, want_tangent = torch.func.jvp(f_torch, (torch.from_numpy(x0),), (torch.from_numpy(v0),))
    assert_close(y, want_y.numpy(), rtol=1e-12, atol=1e-13)
    assert_close(tangent, want_tangent.numpy(), rtol=1e-12, atol=1e-13)


@needs_torch
def test_jvp_of_two_inputs_matches_torch_forward_ad(arr):
    a0, b0, va, vb = (RNG.uniform(0.2, 1.2, 4) for _ in range(4))
    y, tangent = jvp(lambda a, b: a * F.sin(b) / b, (arr(a0), arr(b0)), (arr(va), arr(vb)))
    import torch.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        a = fwAD.make_dual(torch.from_numpy(a0), torch.from_numpy(va))
        b = fwAD.make_dual(torch.from_numpy(b0), torch.from_numpy(vb))
        primal, want = fwAD.unpack_dual(a * torch.sin(b) / b)
    assert_close(y, primal.numpy(), rtol=1e-13)
    assert_close(tangent, want.numpy(), rtol=1e-13)


def test_jvp_of_a_tuple_output_gives_tuples(arr):
    (y0, y1), (t0, t1) = jvp(lambda x: (F.exp(x), x * x), arr([0.5, 1.0]), arr([1.0, 2.0]))
    assert_close(y0, np.exp([0.5, 1.0]))
    assert_close(t0, np.exp([0.5, 1.0]) * [1.0, 2.0])
    assert_close(y1, [0.25, 1.0])
    assert_close(t1, [1.0, 4.0])


# ============================================================================ the engine's contract
def test_taylor_gives_plain_coefficients_of_a_curve(arr):
    # exp(x + v t + w t^2) = e^x (1 + v t + (w + v^2/2) t^2 + (v w + v^3/6) t^3 + ...)
    x, v, w = 0.3, 0.7, -0.4
    got = taylor(F.exp, arr(x), [arr(v), arr(w), arr(0.0)])
    e = math.exp(x)
    want = [e, e * v, e * (w + v * v / 2), e * (v * w + v ** 3 / 6)]
    assert [float(g.data) for g in got] == pytest.approx(want, rel=1e-14)


def test_taylor_accepts_a_stacked_series_and_tuple_inputs(arr):
    got = taylor(lambda a, b: a * b, (arr([1.0, 2.0]), arr([3.0, 4.0])),
                 (arr([[1.0, 1.0], [0.0, 0.0]]), arr([[2.0, 0.0], [1.0, 1.0]])))
    # (a + t)(b + 2t + t^2) for a = 1, b = 3: 3 + 5t + 3t^2 ; (2 + t)(4 + t^2): 8 + 4t + 2t^2
    assert_close(got[0], [3.0, 8.0])
    assert_close(got[1], [5.0, 4.0])
    assert_close(got[2], [3.0, 2.0])


def test_directional_derivatives_of_a_non_elementwise_function(arr):
    # f(x) = sum(x)^3 along v: d^k/dt^k (s + t sum v)^3
    x, v = arr([1.0, 2.0]), arr([0.5, -1.5])
    got = [float(g.data) for g in derivatives(lambda z: F.sum(z) ** 3, x, 4, v)]
    s, d = 3.0, -1.0
    assert got == pytest.approx([s ** 3, 3 * s * s * d, 6 * s * d * d, 6 * d ** 3, 0.0])


def test_derivatives_of_two_inputs_along_a_direction_pair(arr):
    def f(a, b):
        return a * F.sin(b)
    x, v = (arr([0.3, 1.2]), arr([0.7, -0.4])), (arr([1.0, 0.5]), arr([-0.5, 2.0]))
    by_taylor = derivatives(f, x, 4, v, method="taylor")
    by_reverse = derivatives(f, x, 4, v, method="reverse")
    for a, b in zip(by_taylor, by_reverse):
        assert_close(a, to_numpy(b.data), rtol=1e-12, atol=1e-13)


def test_results_carry_no_graph_keep_the_dtype_and_never_alias(arr, xp):
    x = Variable(arr([0.2, 0.4]))
    out = derivatives(lambda z: z * 1.0, x, 3)
    assert all(o.creator is None for o in out)
    assert all(type(o.data) is type(x.data) and o.dtype == x.dtype for o in out)
    assert len({id(o) for o in out}) == len(out) and out[0] is not x
    out[0].data[0] = 9.0
    assert float(x.data[0]) == 0.2 and float(out[1].data[0]) == 1.0


def test_a_constant_function_has_zero_derivatives(arr):
    out = derivatives(lambda z: F.exp(Variable(arr([1.0, 2.0]))), arr([0.0, 0.0]), 2)
    assert_close(out[0], np.exp([1.0, 2.0]))
    assert_close(out[1], [0.0, 0.0], atol=0)
    assert_close(out[2], [0.0, 0.0], atol=0)


def test_order_zero_and_bad_arguments(arr):
    out = derivatives(F.sin, arr([0.5]), 0)
    assert len(out) == 1
    assert_close(out[0], np.sin([0.5]))
    with pytest.raises(ValueError, match="n must be an int >= 0"):
        derivatives(F.sin, arr([0.5]), -1)
    with pytest.raises(ValueError, match="method must be one of"):
        derivatives(F.sin, arr([0.5]), 2, method="forward")
    with pytest.raises(ValueError, match="shape"):
        derivatives(F.sin, arr([0.5, 1.0]), 2, v=arr([1.0]))


def test_an_integer_x_is_a_type_error_naming_the_dtype(xp):
    with pytest.raises(TypeError, match="floating-point"):
        derivatives(F.sin, xp.asarray([1, 2]), 2)


class Cube(Function):  # a user's Function with no Taylor rule
    def forward(self, x):
        return x * x * x

    def backward(self, gy):
        x, = self.inputs
        return gy * 3 * x * x


def test_a_function_without_a_rule_is_named_by_method_taylor(arr):
    with pytest.raises(NotImplementedError, match="Cube"):
        derivatives(lambda x: F.sin(Cube()(x)), arr([0.5]), 3, method="taylor")


def test_auto_warns_once_naming_it_and_falls_back_to_reverse(arr):
    x = arr([0.5, 1.5])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = derivatives(lambda z: Cube()(z) * 2.0, x, 4)
    assert len(caught) == 1 and "Cube" in str(caught[0].message)
    data = np.array([0.5, 1.5])
    for g, want in zip(got, [2 * data ** 3, 6 * data ** 2, 12 * data, 12 + 0 * data, 0 * data]):
        assert_close(g, want, atol=1e-12)


def test_jvp_without_a_rule_warns_and_uses_reverse_mode(arr):
    x, v = arr([0.5, 1.5]), arr([2.0, -1.0])
    with pytest.warns(UserWarning, match="Cube"):
        y, tangent = jvp(lambda z: Cube()(z), x, v)
    assert_close(y, [0.125, 3.375])
    assert_close(tangent, 3 * np.array([0.25, 2.25]) * [2.0, -1.0])


def test_taylor_without_a_rule_raises_naming_it(arr):
    with pytest.raises(NotImplementedError, match="Cube"):
        taylor(lambda z: Cube()(z), arr([0.5]), [arr([1.0])])


def test_reverse_results_can_be_differentiated_again(arr):
    x = Variable(arr([0.3, 0.9]))
    d1 = derivatives(F.sin, x, 1, method="reverse")[1]
    assert_close(gd.grad(F.sum(d1), x), -np.sin([0.3, 0.9]))


def test_hvp_forward_over_reverse_equals_the_analytic_rosenbrock_hvp(arr):
    def rosenbrock(x):
        return F.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    x0, v0 = RNG.uniform(-2, 2, 6), RNG.standard_normal(6)
    hv = np.zeros(6)
    hv[:-1] += (1200 * x0[:-1] ** 2 - 400 * x0[1:] + 2) * v0[:-1] - 400 * x0[:-1] * v0[1:]
    hv[1:] += 200 * v0[1:] - 400 * x0[:-1] * v0[:-1]
    assert_close(hvp_forward_over_reverse(rosenbrock, arr(x0), arr(v0)), hv, rtol=1e-12)


# ============================================================================ series primitives
def test_series_constant_times_series_is_one_broadcast_and_pads_for_sums(xp, arr):
    s = arr([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])  # K = 2, data shape (2,)
    c = S.constant(arr([10.0, 100.0]))
    assert_close(S.mul(c, s), [[10.0, 200.0], [30.0, 400.0], [50.0, 600.0]])
    assert_close(S.add(c, s), [[11.0, 102.0], [3.0, 4.0], [5.0, 6.0]])
    assert_close(S.add_constant(s, 1.0), [[2.0, 3.0], [3.0, 4.0], [5.0, 6.0]])


def test_series_align_keeps_the_coefficient_axis_apart(arr):
    a = arr([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])  # (K+1=2, 3)
    b = arr([[[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]], [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]])  # (2, 2, 3)
    got = to_numpy(S.mul(a, b))
    assert got.shape == (2, 2, 3)
    # (a0 + a1 t)(b0 + b1 t): row 1 = a0 b1 + a1 b0
    np.testing.assert_allclose(got[1], [[1.0, 1.0, 1.0], [3.0, 4.0, 5.0]])


def test_series_blocks_give_the_same_result_as_one_piece(arr, monkeypatch):
    x = np.zeros((6, 50))
    x[0], x[1], x[2] = RNG.uniform(-1, 1, 50), 1.0, 0.3
    whole = to_numpy(S.tanh(arr(x)))
    monkeypatch.setattr(S, "BLOCK", 8)
    monkeypatch.setattr(S, "BLOCK_ORDER", 2)
    np.testing.assert_allclose(to_numpy(S.tanh(arr(x))), whole, rtol=1e-15, atol=1e-300)


# ============================================================================ the examples
def _run_example(name, out, *flags):
    root = pathlib.Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, str(root / "examples" / name), "--quick", "--out",
                           str(out), *flags], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _error_of(stdout, prefix):
    lines = [line for line in stdout.splitlines() if line.startswith(prefix + " ")]
    assert len(lines) == 1, stdout
    return float(lines[0].split("max error ")[1].split()[0])


examples_on_numpy = pytest.mark.skipif(
    os.environ.get("GDEZERO_BACKEND", "numpy") != "numpy",
    reason="the example scripts build NumPy data; they run once, in the numpy backend run")


@examples_on_numpy
def test_taylor_series_example_converges_inside_tanhs_radius(tmp_path):
    stdout = _run_example("taylor_series.py", tmp_path)
    # tanh's series at 0 converges for |x| < pi/2: on [-1, 1] the error falls with the order
    errors = [_error_of(stdout, f"order {k}") for k in (1, 5, 15, 29)]
    assert errors == sorted(errors, reverse=True) and errors[-1] < 1e-5
    assert (tmp_path / "taylor_series.png").read_bytes()[:4] == b"\x89PNG"


@examples_on_numpy
def test_taylor_series_example_takes_any_function(tmp_path):
    stdout = _run_example("taylor_series.py", tmp_path, "--function", "sin", "--at", "1",
                          "--width", "6")
    assert _error_of(stdout, "order 29") < 1e-13  # sin's series converges everywhere


@examples_on_numpy
def test_sin_higher_derivatives_example_reaches_order_30(tmp_path):
    stdout = _run_example("sin_higher_derivatives.py", tmp_path, "--order", "30")
    for k in range(31):
        assert _error_of(stdout, f"derivative {k}") < 1e-12
