"""
Hessian-vector products without the Hessian
===========================================

Hessian-vector products by double backprop, never forming the Hessian (book column):
f = sum(x**2) at x = [1, 2] with v = [4, 5] gives Hv = 2v = [8, 10], by hand and by gd.hvp;
then one HVP of the n-dimensional Rosenbrock function (n = 1,000,000), timed and checked
against its analytic Hessian.
"""
import argparse
import pathlib
import sys
import time

import numpy as np

import gdezero as gd
import gdezero.functions as F
from gdezero.backend import to_numpy


def example_parser(doc):
    """The flags every example takes: --device, --out, --quick (a script adds its own)."""
    parser = argparse.ArgumentParser(description=(doc or "").strip().partition("\n")[0])  # the title
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu",
                        help="gpu moves every Variable to CUDA with to_gpu() (needs CuPy)")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("out"),
                        help="folder for the figures (default: out/)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer iterations")
    return parser


def parse(parser):
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def on_device(args, *variables):
    """Move the Variables with to_gpu() for --device gpu; exit 2 with the reason if impossible."""
    if args.device == "gpu":
        try:
            for v in variables:
                v.to_gpu()
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            sys.exit(2)
    return variables[0] if len(variables) == 1 else variables


def numpy_of(v):
    """A Variable's data as NumPy (copied from the GPU if needed), for printing and plots."""
    return to_numpy(v.data)


def sum_of_squares(x):
    return F.sum(x ** 2)


def rosenbrock(x):
    return F.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_hvp(x, v):
    """The analytic H v: H is tridiagonal with these diagonals."""
    diag = np.zeros_like(x)
    diag[:-1] = 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    diag[1:] += 200
    off = -400 * x[:-1]  # H[i, i+1] = H[i+1, i]
    hv = diag * v
    hv[:-1] += off * v[1:]
    hv[1:] += off * v[:-1]
    return hv


def pyplot():
    """matplotlib.pyplot on the Agg backend: figures go to files, no display needed."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, args, name):
    fig.savefig(args.out / name, dpi=100, bbox_inches="tight")
    print(f"figure {name}")


def main():
    args = parse(example_parser(__doc__))
    x, v = on_device(args, gd.Variable(np.array([1.0, 2.0]), name="x"),
                     gd.Variable(np.array([4.0, 5.0]), name="v"))
    gx = gd.grad(sum_of_squares(x), x, create_graph=True)  # 2x, recorded
    by_hand = gd.grad(F.sum(gx * v), x)  # d(g . v)/dx = H v
    print(f"by hand {numpy_of(by_hand).tolist()}")
    print(f"gd.hvp {numpy_of(gd.hvp(sum_of_squares, x, v)).tolist()}")

    n = 1_000 if args.quick else 1_000_000
    rng = np.random.default_rng(0)
    x_np, v_np = rng.uniform(-2, 2, n), rng.standard_normal(n)
    x, v = on_device(args, gd.Variable(x_np), gd.Variable(v_np))
    start = time.perf_counter()
    hv = numpy_of(gd.hvp(rosenbrock, x, v))  # copying back also waits for the GPU to finish
    seconds = time.perf_counter() - start
    exact = rosenbrock_hvp(x_np, v_np)
    error = np.max(np.abs(hv - exact)) / np.max(np.abs(exact))
    print(f"rosenbrock n={n} hvp seconds {seconds:.3f} relative error {error:.3g}")

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 4.5))
    shown = slice(0, n, max(1, n // 2000))  # 2,000 coordinates are enough to see the diagonal
    ax.plot(exact[shown], hv[shown], ".", ms=3, label=f"gd.hvp, every {shown.step}th of n = {n:,}")
    ends = [exact.min(), exact.max()]
    ax.plot(ends, ends, "k-", lw=0.8, zorder=0, label="equal")
    ax.set(xlabel="analytic (H v)_i, tridiagonal H", ylabel="(H v)_i by double backprop",
           title=f"Rosenbrock HVP, relative error {error:.1e}")
    ax.legend(loc="upper left")
    save_figure(fig, args, "hessian_vector_product.png")


if __name__ == "__main__":
    main()
