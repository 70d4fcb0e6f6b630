"""
sin and its first three derivatives
===================================

y = sin(x) on 200 points of [-7, 7] and its 1st..3rd derivatives, all points at once by
repeated differentiation (book step 34, figure 34-1), checked against cos, -sin, -cos.
"""
import numpy as np
from _common import example_parser, numpy_of, on_device, parse, pyplot, save_figure

import gdezero as gd
import gdezero.functions as F


def main():
    args = parse(example_parser(__doc__))
    x = on_device(args, gd.Variable(np.linspace(-7, 7, 200), name="x"))
    ys = [numpy_of(y) for y in gd.derivatives(F.sin, x, 3)]
    xs = numpy_of(x)
    for order, (y, exact) in enumerate(zip(ys, [np.sin, np.cos, lambda t: -np.sin(t),
                                                 lambda t: -np.cos(t)])):
        print(f"derivative {order} max error {np.max(np.abs(y - exact(xs))):.3g}")

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for y, label in zip(ys, ["y=sin(x)", "y'", "y''", "y'''"]):
        ax.plot(xs, y, label=label)
    ax.set(xlabel="x")
    ax.legend(loc="lower right")
    save_figure(fig, args, "sin_higher_derivatives.png")


if __name__ == "__main__":
    main()
