"""
sin and its higher derivatives
==============================

y = sin(x) on 200 points of [-7, 7] and its 1st..3rd derivatives (--order N: up to the
Nth, e.g. 30), all points at once (book step 34, figure 34-1), checked against
sin(x + k pi/2). gd.derivatives runs Taylor mode: order 30 costs milliseconds, where the
book's nested backward passes grow their graph with every order.
"""
import numpy as np
from _common import example_parser, numpy_of, on_device, parse, pyplot, save_figure

import gdezero as gd
import gdezero.functions as F


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
    fig, ax = plt.subplots(figsize=(6, 4))
    for y, label in zip(ys, ["y=sin(x)", "y'", "y''", "y'''"]):
        ax.plot(xs, y, label=label)
    if args.order > 3:
        ax.plot(xs, ys[-1], "k--", lw=1, label=f"y^({args.order})")
    ax.set(xlabel="x")
    ax.legend(loc="lower right")
    save_figure(fig, args, "sin_higher_derivatives.png")


if __name__ == "__main__":
    main()
