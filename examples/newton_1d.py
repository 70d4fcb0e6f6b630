"""
Newton's method in one dimension
================================

Newton's method on f(x) = x^4 - 2x^2 from x = 2.0 (book steps 29 and 33): the second
derivative written by hand and computed by double backprop give the same iterates, both
reaching the minimum 1.0 exactly in 7 steps.
"""
import argparse
import pathlib
import sys

import numpy as np

import gdezero as gd


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


def pyplot():
    """matplotlib.pyplot on the Agg backend: figures go to files, no display needed."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, args, name):
    fig.savefig(args.out / name, dpi=100, bbox_inches="tight")
    print(f"figure {name}")


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
    ax.axhline(1.0, color="gray", linewidth=0.5, label="the minimum, x = 1")
    ax.set(xlabel="step", ylabel="x", title="Newton's method on x⁴ − 2x²")
    ax.legend()
    save_figure(fig, args, "newton_1d.png")


if __name__ == "__main__":
    main()
