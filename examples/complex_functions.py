"""
Gradients of the sphere, Matyas and Goldstein-Price functions
=============================================================

Gradients of the sphere, Matyas and Goldstein-Price functions at (1, 1) (book step 24),
and the Goldstein-Price graph rendered with Graphviz.
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
