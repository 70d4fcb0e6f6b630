"""
sin by its Taylor series
========================

Sine by its Maclaurin series vs F.sin at pi/4 (book step 27), value and gradient,
and the series' graphs for thresholds 1e-4 and 1e-150 rendered with Graphviz.
"""
import argparse
import math
import pathlib
import sys

import numpy as np

import gdezero as gd
import gdezero.functions as F
from gdezero.graph import plot_dot_graph


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


def render_graph(output, args, name, verbose=False):
    """Render with Graphviz `dot` or graphviz-pure; without either, exit 2 saying how to install one."""
    try:
        plot_dot_graph(output, verbose=verbose, to_file=args.out / name)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    print(f"graph {name}")


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
