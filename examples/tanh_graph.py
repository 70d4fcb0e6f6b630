"""
The graph of tanh's higher derivatives
======================================

The computational graph of the n-th derivative of tanh at x = 1 (book step 35), built by
differentiating with create_graph=True n times and rendered with Graphviz.
"""
import numpy as np
from _common import example_parser, on_device, parse, render_graph

import gdezero as gd
import gdezero.functions as F
from gdezero.utils import get_dot_graph


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
    render_graph(gx, args, f"tanh_order{args.order}.png")


if __name__ == "__main__":
    main()
