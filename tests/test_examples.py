"""Every worked example runs as a script (--quick) and prints the book's numbers."""
import math
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import gdezero as gd

ROOT = pathlib.Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.skipif(
    os.environ.get("GDEZERO_BACKEND", "numpy") != "numpy",
    reason="the example scripts build NumPy data; they run once, in the numpy backend run")
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and shutil.which("graphviz-pure") is None,
    reason="needs a graph renderer: Graphviz `dot` or `graphviz-pure` (pip install 'gdezero[viz]')")


def run_example(name, out, *flags, expect_status=0):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, str(ROOT / "examples" / name), "--quick",
                           "--out", str(out), *flags],
                          cwd=out.parent, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == expect_status, done.stderr
    return done


def fields(stdout, key):
    """The words after `key` on the one stdout line that starts with it."""
    lines = [line for line in stdout.splitlines() if line.startswith(key + " ")]
    assert len(lines) == 1, stdout
    return lines[0][len(key) + 1:].split()


def assert_png(path):
    assert path.read_bytes()[:8] == PNG_SIGNATURE


@needs_dot
def test_complex_functions_gradients_at_1_1_and_goldstein_graph(tmp_path):
    out = tmp_path / "figures"
    stdout = run_example("complex_functions.py", out).stdout
    assert fields(stdout, "sphere") == ["2.0", "2.0"]
    assert fields(stdout, "matyas") == ["0.040000000000000036", "0.040000000000000036"]
    assert fields(stdout, "goldstein") == ["-5376.0", "8064.0"]
    assert_png(out / "goldstein.png")


@needs_dot
def test_taylor_sin_matches_book_and_f_sin(tmp_path):
    stdout = run_example("taylor_sin.py", tmp_path).stdout
    assert fields(stdout, "taylor_1e-4") == ["y=0.7071064695751781", "gx=0.7071032148228457"]
    y, gx = (float(f.split("=")[1]) for f in fields(stdout, "F.sin"))
    assert y == pytest.approx(math.sin(math.pi / 4), abs=1e-15)
    assert gx == pytest.approx(math.cos(math.pi / 4), abs=1e-15)
    assert_png(tmp_path / "taylor_sin_1e-04.png")
    assert (tmp_path / "taylor_sin_1e-150.svg").read_text(encoding="utf-8").count("<svg") == 1


def test_rosenbrock_gd_reaches_the_books_point(tmp_path):
    # the book prints (0.99449622, 0.98900063) before its 10,000th update
    stdout = run_example("rosenbrock_gd.py", tmp_path, "--iters", "9999").stdout
    x0, x1 = map(float, fields(stdout, "x"))
    assert x0 == pytest.approx(0.99449622, abs=5e-9)
    assert x1 == pytest.approx(0.98900063, abs=5e-9)
    assert_png(tmp_path / "rosenbrock_gd.png")


def test_newton_1d_both_second_derivatives_give_the_books_iterates(tmp_path):
    book = [2.0, 1.4545454545454546, 1.1510467893775467, 1.0253259289766978,
            1.0009084519430513, 1.0000012353089454, 1.000000000002289, 1.0]
    stdout = run_example("newton_1d.py", tmp_path).stdout
    for method in ("manual", "automatic"):
        iterates = [float(fields(stdout, f"{method} {i}")[0]) for i in range(len(book))]
        assert iterates == book
        assert fields(stdout, method + " reaches") == ["1.0", "in", "7", "steps"]
    assert_png(tmp_path / "newton_1d.png")


def test_sin_higher_derivatives_match_cos_minus_sin_minus_cos(tmp_path):
    stdout = run_example("sin_higher_derivatives.py", tmp_path).stdout
    for order in range(4):
        *_, error = fields(stdout, f"derivative {order}")
        assert float(error) < 1e-12
    assert_png(tmp_path / "sin_higher_derivatives.png")


@needs_dot
def test_tanh_graph_second_derivative_value_and_node_count(tmp_path):
    stdout = run_example("tanh_graph.py", tmp_path, "--order", "2").stdout
    t = math.tanh(1.0)
    assert float(fields(stdout, "order 2 value")[0]) == pytest.approx(-2 * t * (1 - t * t),
                                                                      abs=1e-15)
    # hand-counted: tanh''(x) is reached through Mul, Mul, Add (the two paths of y*y in
    # tanh' = 1 - y*y) and Mul, Sub, Mul (Tanh's backward) above Tanh: 7 functions;
    # the ones seed multiplies away and its Neg is constant, so neither is recorded; the
    # constants are that -1 (an input of a Mul) and the 1 of 1 - y*y, both drawn grey
    assert fields(stdout, "nodes") == ["17", "(8", "variables,", "2", "constants,", "7", "functions)"]
    assert (tmp_path / "tanh_order2.svg").read_text(encoding="utf-8").count("<svg") == 1


@needs_dot
def test_double_backprop_gives_100(tmp_path):
    stdout = run_example("double_backprop.py", tmp_path).stdout
    assert fields(stdout, "backward dz/dx") == ["100.0"]
    assert fields(stdout, "gd.grad dz/dx") == ["100.0"]
    assert_png(tmp_path / "double_backprop.png")


def test_hessian_vector_product_gives_8_10_and_matches_analytic_rosenbrock(tmp_path):
    stdout = run_example("hessian_vector_product.py", tmp_path).stdout
    assert fields(stdout, "by hand") == ["[8.0,", "10.0]"]
    assert fields(stdout, "gd.hvp") == ["[8.0,", "10.0]"]
    *_, error = fields(stdout, "rosenbrock n=1000")
    assert float(error) < 1e-12


@pytest.mark.skipif(gd.gpu_available(), reason="a GPU is available, so --device gpu would run")
def test_device_gpu_without_cuda_exits_2_with_the_reason(tmp_path):
    done = run_example("double_backprop.py", tmp_path, "--device", "gpu", expect_status=2)
    assert "CuPy" in done.stderr or "CUDA" in done.stderr
    assert "Traceback" not in done.stderr


def test_robust_regression_recovers_the_line_that_least_squares_misses(tmp_path):
    stdout = run_example("robust_regression.py", tmp_path).stdout
    errors = {}
    for name in ("least_squares", "log_cosh", "mixture"):
        words = fields(stdout, name)
        assert words[-2:] == ["converged", "True"], words
        errors[name] = float(words[words.index("error") + 1])
    assert errors["least_squares"] > 0.2  # the outliers drag the line
    assert errors["log_cosh"] < 0.1 and errors["mixture"] < 0.1
    parameters = fields(stdout, "mixture_parameters")
    assert abs(float(parameters[1]) - 0.3) < 0.05 and abs(float(parameters[3]) - 0.8) < 0.1
    flagged, _, outliers = fields(stdout, "mixture_flags")[:3]
    assert int(flagged) >= int(outliers) - 1
    assert_png(tmp_path / "robust_regression.png")


def test_poisson_pinn_learns_sin_pi_x_sin_pi_y(tmp_path):
    stdout = run_example("poisson_pinn.py", tmp_path).stdout
    untrained = float(fields(stdout, "untrained_max_error")[0])
    error = float(fields(stdout, "max_error")[0])
    assert int(fields(stdout, "iterations")[0]) == 30
    # a Laplacian off by a factor 2 would fit sin(pi x) sin(pi y) / 2 (error 0.5); a zero one, u = 0 (error 1)
    assert error < 0.2 and error < untrained / 5, (error, untrained)
    assert_png(tmp_path / "poisson_pinn.png")
