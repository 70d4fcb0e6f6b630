"""
The graph of tanh's higher derivatives
======================================

The computational graph of the n-th derivative of tanh at x = 1 (book step 35), built by
differentiating with create_graph=True n times and rendered with Graphviz.
"""
import argparse
import pathlib
import sys

import numpy as np

import gdezero as gd
import gdezero.functions as F
from gdezero.graph import plot_dot_graph
from gdezero.utils import get_dot_graph


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


def main():
    parser = example_parser(__doc__)
    parser.add_argument("--order", type=int, default=3, help="which derivative (default 3)")
    args = parse(parser)
    if args.order < 1:
        parser.error(f"--order must be at least 1, got {args.order}")
    x = on_device(args, gd.Variable(np.array(1.0), name="x"))
    y = F.tanh(x)
    y.name = "y"
    gx = y
    for _ in range(args.order):
        gx = gd.grad(gx, x, create_graph=True)  # keep the graph so it can be differentiated again
    gx.name = "gx" + str(args.order)
    dot = get_dot_graph(gx, verbose=False)
    variables, functions = dot.count("color=orange"), dot.count("color=lightblue")
    constants = dot.count("color=lightgrey")
    print(f"order {args.order} value {float(gx.data)!r}")
    print(f"nodes {variables + constants + functions} ({variables} variables, {constants} constants, "
          f"{functions} functions)")
    render_graph(gx, args, f"tanh_order{args.order}.svg")  # SVG: sharp, and its labels are text


if __name__ == "__main__":
    main()
