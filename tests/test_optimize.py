"""gdezero.optimize: gd, newton and Hessian-free newton-cg, the SciPy adapter, examples."""
import os
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import gdezero as gd
from gdezero import functions as F
from gdezero.backend import to_numpy
from gdezero.optimize import minimize, scipy_functions

BACKEND = os.environ.get("GDEZERO_BACKEND", "numpy")
ROOT = Path(__file__).resolve().parents[1]
BOOK_NEWTON_ITERATES = [2.0, 1.4545454545454546, 1.1510467893775467, 1.0253259289766978,
                        1.0009084519430513, 1.0000012353089454, 1.000000000002289, 1.0]


def rosenbrock(x):
    return 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2


def rosenbrock_n(x):
    return F.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def quartic(x):
    return x ** 4 - 2 * x ** 2


def max_error(x, target=1.0):
    return float(np.max(np.abs(to_numpy(x) - target)))


# ----------------------------------------------------------------------------- methods
@pytest.mark.parametrize("method", ["newton-cg", "newton"])
def test_second_order_methods_reach_rosenbrock_minimum_from_0_2(arr, method):
    r = minimize(rosenbrock, arr([0.0, 2.0]), method=method)
    assert r.success, r.message
    assert r.nit < 100
    assert max_error(r.x) < 1e-6
    assert r.grad_norm <= 1e-8
    assert r.fun < 1e-20


def test_gd_at_lr_0_001_keeps_approaching_rosenbrock_minimum(arr):
    r = minimize(rosenbrock, arr([0.0, 2.0]), method="gd", lr=0.001, max_iter=10_000)
    errors = [max_error(r.path[k]) for k in (1_000, 10_000)]
    assert r.nit == 10_000 and not r.success
    assert np.all(np.isfinite(np.stack(r.path)))
    assert errors[1] < errors[0] < 1.0
    assert r.nfev == r.nit + 1  # gd evaluates f once per iterate


def test_newton_reproduces_the_books_iterates_for_x4_minus_2x2(arr):
    r = minimize(quartic, arr(2.0), method="newton", tol=1e-12)
    assert [float(p) for p in r.path] == BOOK_NEWTON_ITERATES
    assert r.success and r.nit == 7


def test_newton_falls_back_to_descent_where_the_hessian_is_negative(arr):
    # At 0.1 the curvature is negative: a plain Newton step would climb to the maximum at 0.
    r = minimize(quartic, arr(0.1), method="newton")
    assert r.success, r.message
    assert abs(float(to_numpy(r.x)) - 1.0) < 1e-8
    assert r.fun == pytest.approx(-1.0)


def test_newton_steps_down_the_gradient_where_the_hessian_is_singular(arr):
    # At (1, 0) the Hessian of x0^2 + x1^4 is diag(2, 0): no solve, so a line search on -g.
    r = minimize(lambda x: x[0] ** 2 + x[1] ** 4, arr([1.0, 0.0]), method="newton")
    assert r.success, r.message
    np.testing.assert_array_equal(r.path[1], [0.0, 0.0])


def test_newton_cg_solves_rosenbrock_n_with_n_1000(arr):
    x0 = np.random.default_rng(0).uniform(0.0, 2.0, 1000)
    r = minimize(rosenbrock_n, arr(x0), keep_path=False)
    assert r.success, r.message
    assert max_error(r.x) < 1e-6
    assert r.path == []


@pytest.mark.skipif(BACKEND != "numpy", reason="tracemalloc sees only NumPy's allocations")
def test_newton_cg_peak_memory_stays_under_50_vectors_of_n():
    n = 1000
    x0 = np.random.default_rng(0).uniform(0.0, 2.0, n)
    minimize(rosenbrock_n, x0[:10], keep_path=False)  # first-call caches are not per-n memory
    tracemalloc.start()
    try:
        r = minimize(rosenbrock_n, x0, keep_path=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r.success
    assert peak < 50 * n * 8


def test_iterates_stay_on_x0_backend_and_path_holds_numpy_copies(xp, arr):
    x0 = arr([0.0, 2.0])
    seen = []
    r = minimize(rosenbrock, x0, method="newton-cg", callback=seen.append)
    assert type(r.x) is type(x0) and r.x.dtype == xp.float64
    assert len(r.path) == r.nit + 1 == len(seen) + 1
    assert all(type(p) is np.ndarray and p.shape == (2,) for p in r.path)
    np.testing.assert_array_equal(r.path[0], [0.0, 2.0])
    np.testing.assert_array_equal(r.path[-1], to_numpy(r.x))
    np.testing.assert_array_equal(to_numpy(seen[-1]), to_numpy(r.x))
    np.testing.assert_array_equal(to_numpy(x0), [0.0, 2.0])  # the caller's array is untouched


def test_variable_start_and_integer_start_are_accepted(arr):
    from_variable = minimize(rosenbrock, gd.Variable(arr([0.0, 2.0])))
    from_integers = minimize(rosenbrock, arr([0, 2], dtype=np.int64))
    assert max_error(from_variable.x) < 1e-6
    assert max_error(from_integers.x) < 1e-6


# ----------------------------------------------------------------------------- bad input
def test_non_scalar_objective_is_a_value_error(arr):
    with pytest.raises(ValueError, match=r"scalar Variable.*shape \(2,\)"):
        minimize(lambda x: x * 2, arr([1.0, 2.0]))


def test_unknown_method_lists_the_valid_ones(arr):
    with pytest.raises(ValueError, match="'newton-cg', 'newton', 'gd'"):
        minimize(rosenbrock, arr([0.0, 2.0]), method="bfgs")


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # sqrt(-1) is the point
def test_nan_objective_stops_unsuccessfully_with_a_message(arr):
    r = minimize(lambda x: F.sum(F.sqrt(x)), arr([-1.0, 4.0]), max_iter=10)
    assert not r.success and r.nit == 0
    assert "not finite" in r.message


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")  # divergence is the point
def test_diverging_gd_stops_at_the_first_non_finite_value(arr):
    r = minimize(rosenbrock, arr([0.0, 2.0]), method="gd", lr=1.0, max_iter=10_000)
    assert not r.success and "not finite" in r.message
    assert r.nit < 20


class SquareWithWrongSign(gd.Function):
    """x^2 whose backward has the wrong sign, so -gradient points uphill."""

    def forward(self, x):
        return x * x

    def backward(self, gy):
        return -2 * gy * self.inputs[0]


@pytest.mark.parametrize("method", ["newton-cg", "newton"])
def test_line_search_that_finds_no_decrease_stops_unsuccessfully(arr, method):
    r = minimize(lambda x: F.sum(SquareWithWrongSign()(x)), arr([1.0, 2.0]), method=method)
    assert not r.success and "line search" in r.message
    assert r.nit == 0 and r.nfev < 70
    np.testing.assert_array_equal(to_numpy(r.x), [1.0, 2.0])


def test_newton_refuses_more_than_5000_unknowns_pointing_to_newton_cg(xp):
    with pytest.raises(ValueError, match="newton-cg"):
        minimize(rosenbrock_n, xp.ones(5001, dtype=xp.float64), method="newton")


# ----------------------------------------------------------------------------- progress
def test_progress_bar_shows_f_and_gradient_norm(arr, capsys):
    pytest.importorskip("tqdm", reason="the progress bar needs the optional tqdm")
    minimize(rosenbrock, arr([0.0, 2.0]), method="gd", max_iter=50, progress=True)
    err = capsys.readouterr().err
    assert "50/50" in err and "grad_norm=" in err and "f=" in err


def test_progress_without_tqdm_prints_a_line_every_tenth(arr, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # makes `from tqdm.auto import` fail
    minimize(rosenbrock, arr([0.0, 2.0]), method="gd", max_iter=100, progress=True)
    lines = capsys.readouterr().err.splitlines()
    assert sum(line.startswith("minimize(gd) iteration") for line in lines) == 11  # 0, 10, .., 100
    assert "max_iter = 100" in lines[-1]


# ----------------------------------------------------------------------------- scipy
@pytest.mark.skipif(BACKEND != "numpy", reason="the SciPy adapter works on NumPy arrays")
def test_scipy_adapter_values_match_scipy_rosen_and_trust_ncg_converges():
    so = pytest.importorskip("scipy.optimize", reason="the adapter test needs SciPy")
    fun, jac, hessp = scipy_functions(rosenbrock_n)
    x = np.random.default_rng(1).uniform(0.0, 2.0, 100)
    p = np.random.default_rng(2).normal(size=100)
    assert type(fun(x)) is float and fun(x) == pytest.approx(so.rosen(x))
    np.testing.assert_allclose(jac(x), so.rosen_der(x), rtol=1e-12)
    np.testing.assert_allclose(hessp(x, p), so.rosen_hess_prod(x, p), rtol=1e-12, atol=1e-10)
    r = so.minimize(fun, x, jac=jac, hessp=hessp, method="trust-ncg")
    assert r.success, r.message
    assert np.abs(r.x - 1).max() < 1e-5


# ----------------------------------------------------------------------------- examples
EXAMPLES_ON_NUMPY = "the examples build NumPy inputs (CuPy with --device gpu), not this backend's"


def run_example(name, out):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, str(ROOT / "examples" / name), "--quick", "--out",
                           str(out)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(BACKEND != "numpy", reason=EXAMPLES_ON_NUMPY)
def test_rosenbrock_newton_cg_example_prints_counts_and_writes_the_figure(tmp_path):
    pytest.importorskip("matplotlib", reason="the example plots with matplotlib")
    out = run_example("rosenbrock_newton_cg.py", tmp_path)
    gd_iterations = int(re.search(r"^gd: (\d+) iterations", out, re.M)[1])
    ncg = re.search(r"^newton-cg: (\d+) iterations.*max error (\S+),", out, re.M)
    assert gd_iterations == 2000
    assert int(ncg[1]) < 100 and float(ncg[2]) < 1e-6
    assert (tmp_path / "rosenbrock_newton_cg.png").stat().st_size > 10_000


@pytest.mark.skipif(BACKEND != "numpy", reason=EXAMPLES_ON_NUMPY)
def test_rosenbrock_large_example_prints_both_solvers_results(tmp_path):
    pytest.importorskip("scipy", reason="the example compares with SciPy's L-BFGS-B")
    out = run_example("rosenbrock_large.py", tmp_path)
    assert "n = 1000" in out
    for solver in ("newton-cg", "L-BFGS-B"):
        found = re.search(rf"^{solver}: (\d+) iterations, .* (\S+) s, max error (\S+) ", out, re.M)
        assert found, out
        assert int(found[1]) > 0 and float(found[2]) >= 0 and float(found[3]) < 1e-6
    assert (tmp_path / "rosenbrock_large.txt").read_text() in out


def test_examples_exit_2_with_the_to_gpu_message_when_no_gpu(tmp_path):
    if gd.gpu_available():
        pytest.skip("a CUDA device is visible, so --device gpu does not fail here")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "rosenbrock_large.py"),
                           "--quick", "--device", "gpu", "--out", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2
    assert "to_gpu()" in done.stderr


# ----------------------------------------------------------------------------- SciPy's conventions
@pytest.mark.parametrize("method", ["Newton-CG", "newton-cg", "NEWTON", "Newton", "GD"])
def test_method_names_are_case_insensitive_with_scipys_spelling(arr, method):
    max_iter = 20_000 if method.lower() == "gd" else None
    r = minimize(lambda x: F.sum((x - 3.0) ** 2), arr([0.0, 1.0]), method=method, lr=0.1,
                 max_iter=max_iter)
    assert r.success and max_error(r.x, 3.0) < 1e-6


def test_unknown_method_names_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown method 'bfgs'; valid methods are 'newton-cg'"):
        minimize(rosenbrock_n, np.array([0.0, 2.0]), method="bfgs")


def test_args_are_passed_to_f_as_scipy_passes_them(arr):
    def shifted(x, a, b):
        return F.sum((x - a) ** 2) + b
    r = minimize(shifted, arr([0.0, 0.0]), args=(arr([1.0, -2.0]), 5.0))
    assert r.success and abs(r.fun - 5.0) < 1e-12
    np.testing.assert_allclose(to_numpy(r.x), [1.0, -2.0], atol=1e-8)
    single = minimize(lambda x, a: F.sum((x - a) ** 2), arr([0.0]), args=2.0)  # not a tuple: (args,)
    np.testing.assert_allclose(to_numpy(single.x), [2.0], atol=1e-8)


def test_x0_may_be_a_list_or_any_array_like_converted_with_numpy():
    r = minimize(rosenbrock_n, [0.0, 2.0])
    assert isinstance(r.x, np.ndarray) and r.x.dtype == np.float64
    assert r.success and max_error(r.x) < 1e-6
    r = minimize(rosenbrock_n, (0, 2))  # a tuple of ints: float64 iterates
    assert r.x.dtype == np.float64 and max_error(r.x) < 1e-6
