"""Rosenbrock from (0, 2): gradient descent (lr 0.001) against Hessian-free Newton-CG.

Gradient descent crawls along the curved valley (the book runs it 50,000 times);
Newton-CG, using only Hessian-vector products, reaches (1, 1) in a few dozen steps.
Both paths go on one contour plot, rosenbrock_newton_cg.png in --out.

    python examples/rosenbrock_newton_cg.py [--device cpu|gpu] [--out DIR] [--quick]
"""
import argparse
import sys
from pathlib import Path

import numpy as np

import gdezero as gd
from gdezero.backend import to_numpy


def rosenbrock(x):
    return 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the PNG")
    parser.add_argument("--quick", action="store_true", help="2,000 gd iterations, not 50,000")
    return parser.parse_args()


def on_device(array, device):
    x = gd.Variable(array)
    if device == "gpu":
        try:
            x.to_gpu()
        except RuntimeError as e:
            print(e, file=sys.stderr)
            sys.exit(2)
    return x.data


def plot(paths, to_file):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, y = np.meshgrid(np.linspace(-2, 2, 400), np.linspace(-1, 3, 400))
    z = 100 * (y - x ** 2) ** 2 + (1 - x) ** 2
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.contour(x, y, z, levels=np.logspace(-1, 3.5, 15), cmap="viridis", linewidths=0.7)
    for (label, path), style in zip(paths.items(), ["-", "o-"]):
        points = np.stack(path)
        ax.plot(points[:, 0], points[:, 1], style, ms=3, label=f"{label} ({len(path) - 1} steps)")
    ax.plot([1], [1], "r*", ms=12, label="minimum (1, 1)")
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.set_title("Rosenbrock from (0, 2)")
    ax.legend(loc="upper left")
    fig.savefig(to_file, dpi=120)
    plt.close(fig)


def main():
    args = parse_args()
    x0 = on_device(np.array([0.0, 2.0]), args.device)
    gd_iterations = 2_000 if args.quick else 50_000
    results = {
        "gd": gd.optimize.minimize(rosenbrock, x0, method="gd", lr=0.001, max_iter=gd_iterations),
        "newton-cg": gd.optimize.minimize(rosenbrock, x0, method="newton-cg"),
    }
    for name, r in results.items():
        x = to_numpy(r.x)
        print(f"{name}: {r.nit} iterations, x = ({x[0]:.8f}, {x[1]:.8f}), "
              f"max error {np.abs(x - 1).max():.3e}, f = {r.fun:.3e}")
    args.out.mkdir(parents=True, exist_ok=True)
    to_file = args.out / "rosenbrock_newton_cg.png"
    plot({name: r.path for name, r in results.items()}, to_file)
    print(f"wrote {to_file}")


if __name__ == "__main__":
    main()
