"""
Gradient descent against Newton-CG
==================================

Rosenbrock from (0, 2): gradient descent (lr 0.001) against Hessian-free Newton-CG.

Gradient descent crawls along the curved valley (the book runs it 50,000 times; --quick
runs 2,000); Newton-CG, using only Hessian-vector products, reaches (1, 1) in a few dozen
steps. Both paths go on one contour plot, rosenbrock_newton_cg.png in --out.
"""
import argparse
import pathlib
import sys

import numpy as np

import gdezero as gd
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


def pyplot():
    """matplotlib.pyplot on the Agg backend: figures go to files, no display needed."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, args, name):
    fig.savefig(args.out / name, dpi=100, bbox_inches="tight")
    print(f"figure {name}")


def rosenbrock(x0, x1):
    return 100 * (x1 - x0 ** 2) ** 2 + (1 - x0) ** 2


def contour_plot(title):
    """Rosenbrock's contours on [-2, 2] x [-1, 3] with its minimum (1, 1) starred; the caller
    draws its paths on the returned axes."""
    plt = pyplot()
    a, b = np.meshgrid(np.linspace(-2, 2, 400), np.linspace(-1, 3, 400))
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.contour(a, b, rosenbrock(a, b), levels=np.logspace(-1, 3.5, 12), colors="0.7", linewidths=0.8)
    # above every path (zorder), white-edged: the minimum stays visible where the paths end
    ax.plot(1, 1, "*", color="gold", markeredgecolor="black", markersize=16, zorder=5, label="minimum (1, 1)")
    ax.set(xlabel="x0", ylabel="x1", title=title)
    return fig, ax


def rosenbrock_at(x):
    """The same function of one length-2 vector, as minimize wants it."""
    return rosenbrock(x[0], x[1])


def main():
    args = parse(example_parser(__doc__))
    x0 = on_device(args, gd.Variable(np.array([0.0, 2.0]))).data
    gd_iterations = 2_000 if args.quick else 50_000
    results = {
        "gd": gd.optimize.minimize(rosenbrock_at, x0, method="gd", lr=0.001, max_iter=gd_iterations),
        "newton-cg": gd.optimize.minimize(rosenbrock_at, x0, method="newton-cg"),
    }
    for name, r in results.items():
        x = to_numpy(r.x)
        print(f"{name}: {r.nit} iterations, x = ({x[0]:.8f}, {x[1]:.8f}), "
              f"max error {np.abs(x - 1).max():.3e}, f = {r.fun:.3e}")

    fig, ax = contour_plot("Rosenbrock from (0, 2)")
    # gradient descent wide and below, Newton-CG thin and dashed on top: both paths stay visible
    styles = {"gd": dict(color="tab:red", lw=4, alpha=0.7, zorder=2),
              "newton-cg": dict(color="tab:blue", ls="--", marker="o", ms=4, lw=1.2, zorder=3)}
    for name, r in results.items():
        points = np.stack(r.path)
        ax.plot(points[:, 0], points[:, 1], label=f"{name} ({r.nit} steps)", **styles[name])
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1))  # beside the axes, off the paths
    save_figure(fig, args, "rosenbrock_newton_cg.png")


if __name__ == "__main__":
    main()
