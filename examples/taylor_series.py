"""
Taylor polynomials to order 29
==============================

Taylor polynomials of tanh (or any one-argument F.* function, --function sin) around a
point, orders 1..29, from ONE Taylor-mode pass: gd.derivatives(f, a, 29) gives f(a) and its
first 29 derivatives (the book's step-27 Taylor sine, generalised to any order and function).
The polynomials are drawn against the function; tanh's converge within pi/2 of 0 only.
"""
import math

import numpy as np
from _common import example_parser, numpy_of, on_device, parse, pyplot, save_figure

import gdezero as gd
import gdezero.functions as F

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
    fig, ax = plt.subplots(figsize=(7, 4.5))
    shown = [k for k in range(1, args.order + 1, 2)] or [args.order]
    colors = plt.cm.viridis(np.linspace(0, 1, len(shown)))
    for k, color in zip(shown, colors):
        ax.plot(xs, polys[k], color=color, lw=0.9, label=f"order {k}" if k in (1, 5, 15, shown[-1]) else None)
    ax.plot(xs, exact, color="black", lw=2.2, label=f"{args.function}(x)")
    low, high = float(np.nanmin(exact)), float(np.nanmax(exact))
    pad = 0.5 * (high - low) + 0.1
    ax.set(xlabel="x", ylim=(low - pad, high + pad),
           title=f"Taylor polynomials of {args.function} at {args.at:g}, orders 1..{args.order} "
                 f"(one Taylor-mode pass)")
    ax.legend(loc="upper left", fontsize=8)
    save_figure(fig, args, "taylor_series.png")


if __name__ == "__main__":
    main()
