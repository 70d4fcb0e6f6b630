"""
Newton's method in one dimension
================================

Newton's method on f(x) = x^4 - 2x^2 from x = 2.0 (book steps 29 and 33): the second
derivative written by hand and computed by double backprop give the same iterates, both
reaching the minimum 1.0 exactly in 7 steps.
"""
import numpy as np
from _common import example_parser, on_device, parse, pyplot, save_figure

import gdezero as gd


def f(x):
    return x ** 4 - 2 * x ** 2


def f2_by_hand(x):
    return 12 * x ** 2 - 4


def newton(args, second_derivative, steps=10):
    x = on_device(args, gd.Variable(np.array(2.0), name="x"))
    iterates = [float(x.data)]
    for _ in range(steps):
        gx = gd.grad(f(x), x, create_graph=True)
        x.data -= gx.data / second_derivative(x, gx).data
        iterates.append(float(x.data))
    return iterates


def main():
    args = parse(example_parser(__doc__))
    methods = {
        "manual": lambda x, gx: f2_by_hand(x),
        "automatic": lambda x, gx: gd.grad(gx, x),  # differentiate the recorded f'(x) again
    }
    runs = {name: newton(args, d2) for name, d2 in methods.items()}
    for name, iterates in runs.items():
        for i, x in enumerate(iterates):
            print(f"{name} {i} {x!r}")
        print(f"{name} reaches 1.0 in {iterates.index(1.0)} steps")

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(runs["manual"], "o-", markersize=9, label="hand-written f''")
    ax.plot(runs["automatic"], "x--", color="black", label="f'' by double backprop")
    ax.axhline(1.0, color="gray", linewidth=0.5)
    ax.set(xlabel="step", ylabel="x", title="Newton's method on x⁴ − 2x²")
    ax.legend()
    save_figure(fig, args, "newton_1d.png")


if __name__ == "__main__":
    main()
