"""
Double backprop
===============

Double backprop (book step 36): with y = x^2 and z = (dy/dx)^3 + y, dz/dx = 24x^2 + 2x,
which is 100.0 at x = 2. Once with backward(create_graph=True), once with gd.grad.
"""
import numpy as np
from _common import example_parser, on_device, parse, render_graph

import gdezero as gd


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
