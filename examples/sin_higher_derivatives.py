"""
sin and its higher derivatives
==============================

y = sin(x) on 200 points of [-7, 7] and its 1st..3rd derivatives (--order N: up to the
Nth, e.g. 30), all points at once (book step 34, figure 34-1), checked against
sin(x + k pi/2). gd.derivatives runs Taylor mode: order 30 costs milliseconds, where the
book's nested backward passes grow their graph with every order.
"""
import argparse
import pathlib
import sys

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
    parser = example_parser(__doc__)
    parser.add_argument("--order", type=int, default=3, help="the highest derivative (default 3)")
    args = parse(parser)
    x = on_device(args, gd.Variable(np.linspace(-7, 7, 200), name="x"))
    ys = [numpy_of(y) for y in gd.derivatives(F.sin, x, args.order)]
    xs = numpy_of(x)
    for order, y in enumerate(ys):
        exact = np.sin(xs + order * np.pi / 2)  # the k-th derivative of sin
        print(f"derivative {order} max error {np.max(np.abs(y - exact)):.3g}")

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4))
    for y, label in zip(ys, ["y = sin(x)", "y′ = cos(x)", "y″ = −sin(x)", "y‴ = −cos(x)"]):
        ax.plot(xs, y, label=label)
    if args.order > 3:
        ax.plot(xs, ys[-1], "k--", lw=1, label=f"y^({args.order})")
    ax.set(xlabel="x", ylabel="y and its derivatives",
           title="sin and its derivatives, all 200 points at once (Taylor mode)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1))  # beside the axes, off the curves
    save_figure(fig, args, "sin_higher_derivatives.png")


if __name__ == "__main__":
    main()
