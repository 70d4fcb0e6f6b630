"""
Gradient descent on Rosenbrock
==============================

Gradient descent on the Rosenbrock function from (0, 2), lr 0.001 (book step 28), and
the path drawn on a contour plot. The book's (0.99449622, 0.98900063) is the iterate after
9,999 updates (its loop prints before updating); 50,000 reach (1, 1) within 1e-9.
"""
import argparse
import pathlib
import sys

import numpy as np

import gdezero as gd


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


def main():
    parser = example_parser(__doc__)
    parser.add_argument("--iters", type=int, help="updates (default 10,000; 1,000 with --quick)")
    args = parse(parser)
    iters = args.iters if args.iters is not None else 1_000 if args.quick else 10_000
    lr = 0.001
    x0, x1 = on_device(args, gd.Variable(np.array(0.0)), gd.Variable(np.array(2.0)))
    path = [(0.0, 2.0)]
    for _ in range(iters):
        g0, g1 = gd.grad(rosenbrock(x0, x1), [x0, x1])
        x0.data -= lr * g0.data
        x1.data -= lr * g1.data
        path.append((float(x0.data), float(x1.data)))
    print(f"iterations {iters}")
    print(f"x {float(x0.data)!r} {float(x1.data)!r}")

    fig, ax = contour_plot(f"Rosenbrock, lr={lr}, {iters} iterations")
    path = np.array(path)
    ax.plot(path[:, 0], path[:, 1], ".-", color="tab:red", markersize=2, zorder=3, label="gradient descent")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1))  # beside the axes, off the paths
    save_figure(fig, args, "rosenbrock_gd.png")


if __name__ == "__main__":
    main()
