"""
Gradients of the sphere, Matyas and Goldstein-Price functions
=============================================================

Gradients of the sphere, Matyas and Goldstein-Price functions at (1, 1) (book step 24),
and the Goldstein-Price graph rendered with Graphviz.
"""
import numpy as np
from _common import example_parser, on_device, parse, render_graph

import gdezero as gd


def sphere(x, y):
    return x ** 2 + y ** 2


def matyas(x, y):
    return 0.26 * (x ** 2 + y ** 2) - 0.48 * x * y


def goldstein(x, y):
    return ((1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2))
            * (30 + (2 * x - 3 * y) ** 2
               * (18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y + 27 * y ** 2)))


def main():
    args = parse(example_parser(__doc__))
    for f in (sphere, matyas, goldstein):
        x, y = on_device(args, gd.Variable(np.array(1.0), name="x"),
                         gd.Variable(np.array(1.0), name="y"))
        z = f(x, y)
        gx, gy = gd.grad(z, [x, y])
        print(f"{f.__name__} {float(gx.data)!r} {float(gy.data)!r}")
    z.name = "z"
    render_graph(z, args, "goldstein.png")


if __name__ == "__main__":
    main()
