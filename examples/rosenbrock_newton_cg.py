"""
Gradient descent against Newton-CG
==================================

Rosenbrock from (0, 2): gradient descent (lr 0.001) against Hessian-free Newton-CG.

Gradient descent crawls along the curved valley (the book runs it 50,000 times; --quick
runs 2,000); Newton-CG, using only Hessian-vector products, reaches (1, 1) in a few dozen
steps. Both paths go on one contour plot, rosenbrock_newton_cg.png in --out.
"""
import numpy as np
from _common import example_parser, on_device, parse, save_figure
from rosenbrock_gd import contour_plot, rosenbrock

import gdezero as gd
from gdezero.backend import to_numpy


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
    for (name, r), style in zip(results.items(), ["-", "o-"]):
        points = np.stack(r.path)
        ax.plot(points[:, 0], points[:, 1], style, ms=3, label=f"{name} ({r.nit} steps)")
    ax.legend(loc="upper left")
    save_figure(fig, args, "rosenbrock_newton_cg.png")


if __name__ == "__main__":
    main()
