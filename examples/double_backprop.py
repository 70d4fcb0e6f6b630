"""
Double backprop
===============

Double backprop (book step 36): with y = x^2 and z = (dy/dx)^3 + y, dz/dx = 24x^2 + 2x,
which is 100.0 at x = 2. Once with backward(create_graph=True), once with gd.grad.
"""
import argparse
import pathlib
import sys

import numpy as np

import gdezero as gd
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


def with_backward(x):
    y = x ** 2
    y.backward(create_graph=True)
    gx = x.grad  # dy/dx = 2x, itself a graph
    x.cleargrad()
    z = gx ** 3 + y
    z.backward()
    return x.grad, z


def with_grad(x):
    y = x ** 2
    gx = gd.grad(y, x, create_graph=True)
    z = gx ** 3 + y
    return gd.grad(z, x), z


def main():
    args = parse(example_parser(__doc__))
    for name, method in [("backward", with_backward), ("gd.grad", with_grad)]:
        x = on_device(args, gd.Variable(np.array(2.0), name="x"))
        gz, z = method(x)
        print(f"{name} dz/dx {float(gz.data)!r}")
    z.name = "z"
    render_graph(z, args, "double_backprop.png")


if __name__ == "__main__":
    main()
