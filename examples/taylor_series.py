"""
Taylor polynomials to order 29
==============================

Taylor polynomials of tanh (or any one-argument F.* function, --function sin) around a
point, orders 1..29, from ONE Taylor-mode pass: gd.derivatives(f, a, 29) gives f(a) and its
first 29 derivatives (the book's step-27 Taylor sine, generalised to any order and function).
The polynomials are drawn against the function; tanh's converge within pi/2 of 0 only.
"""
import argparse
import math
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

ONE_ARGUMENT = ["exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "sigmoid", "relu",
                "leaky_relu", "log1p", "expm1", "sinh", "cosh", "arctan", "abs", "softplus"]


def main():
    parser = example_parser(__doc__)
    parser.add_argument("--function", default="tanh",
                        choices=[name for name in ONE_ARGUMENT if hasattr(F, name)],
                        help="the F.* function to expand (default: tanh)")
    parser.add_argument("--at", type=float, default=0.0, help="the expansion point (default 0)")
    parser.add_argument("--order", type=int, default=29, help="the highest order (default 29)")
    parser.add_argument("--width", type=float, default=2.0,
                        help="half-width of the plotted interval (default 2)")
    args = parse(parser)
    f = getattr(F, args.function)
    a = on_device(args, gd.Variable(np.array(args.at), name="a"))
    derivs = [float(numpy_of(d)) for d in gd.derivatives(f, a, args.order)]
    coeffs = [d / math.factorial(k) for k, d in enumerate(derivs)]
    print(f"{args.function} at {args.at}: derivative {args.order} = {derivs[-1]:.12g}")

    xs = np.linspace(args.at - args.width, args.at + args.width, 101 if args.quick else 801)
    exact = numpy_of(f(on_device(args, gd.Variable(xs))))
    near = np.abs(xs - args.at) <= args.width / 2  # errors reported on the inner half
    polys, total, powers = {}, np.zeros_like(xs), np.ones_like(xs)
    for k, c in enumerate(coeffs):
        total = total + c * powers
        powers = powers * (xs - args.at)
        polys[k] = total
        if k in (1, 3, 5, 9, 15, 21, args.order):
            error = np.max(np.abs(total - exact)[near])
            print(f"order {k} max error {error:.3g} on [{args.at - args.width / 2:g}, "
                  f"{args.at + args.width / 2:g}]")

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    shown = sorted({k for k in (1, 3, 5, 9, 15, 21) if k < args.order} | {args.order})  # each one named
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(shown)))
    for k, color in zip(shown, colors):
        ax.plot(xs, polys[k], color=color, lw=1.1, label=f"order {k}")
    ax.plot(xs, exact, color="black", lw=2.2, ls="--", label=f"{args.function}(x)")
    low, high = float(np.nanmin(exact)), float(np.nanmax(exact))
    pad = 0.5 * (high - low) + 0.1
    ax.set(xlabel="x", ylabel="y", ylim=(low - pad, high + pad),
           title=f"Taylor polynomials of {args.function} at {args.at:g} (one Taylor-mode pass)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=9)  # beside the axes, off the curves
    save_figure(fig, args, "taylor_series.png")


if __name__ == "__main__":
    main()
