"""
A physics-informed network for Poisson's equation
=================================================

A tanh network u(x, y), 2 -> 16 -> 16 -> 1, trained so that its Laplacian is
f = -2 pi^2 sin(pi x) sin(pi y) on the unit square, with u = 0 on the boundary; the exact
solution is sin(pi x) sin(pi y).

The loss is the mean squared PDE residual at 16 x 16 interior collocation points (--quick:
8 x 8) plus the mean squared u at the boundary points (a soft boundary condition: the
network stays a plain MLP). The residual needs the Laplacian at every point, differentiable
in the weights: ``gd.vmap(lambda p: gd.laplacian(u, p, create_graph=True))(X)``, one
collapsed Taylor-mode pass for the whole batch. The weights are one flat vector, minimised
by ``gd.optimize.minimize(method="newton-cg")``, whose Hessian-vector products differentiate
that Laplacian twice more. The figure poisson_pinn.png in --out shows the trained u and its
error against the exact solution on a 51 x 51 grid.
"""
import argparse
import math
import pathlib
import sys
import time

import numpy as np

import gdezero as gd
import gdezero.functions as F
from gdezero.backend import to_numpy


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


LAYERS = (2, 16, 16, 1)
SHAPES = [shape for n_in, n_out in zip(LAYERS[:-1], LAYERS[1:]) for shape in ((n_in, n_out), (n_out,))]


def exact(points):
    return np.sin(np.pi * points[:, 0]) * np.sin(np.pi * points[:, 1])


def source(points):
    """f = Laplacian of the exact solution."""
    return -2 * np.pi ** 2 * exact(points)


def initial_weights(seed=0):
    """Glorot-normal matrices and zero biases, flattened into one vector."""
    rng = np.random.default_rng(seed)
    parts = [rng.normal(0.0, math.sqrt(2.0 / sum(s)), s) if len(s) == 2 else np.zeros(s) for s in SHAPES]
    return np.concatenate([p.ravel() for p in parts])


def layers(theta):
    """The flat weight vector as the list [W1, b1, W2, b2, W3, b3]."""
    params, start = [], 0
    for shape in SHAPES:
        size = math.prod(shape)
        params.append(F.reshape(theta[start:start + size], shape))
        start += size
    return params


def network(params, points):
    """u at points of shape (N, 2) (or one point, shape (2,)), mapped to [-1, 1]^2 first."""
    h = 2 * points - 1
    for W, b in zip(params[:-2:2], params[1:-2:2]):
        h = F.tanh(F.matmul(h, W) + b)
    return F.matmul(h, params[-2]) + params[-1]


def collocation_points(n):
    """n x n interior points (cell centres) and 4 n boundary points, each of shape (N, 2)."""
    centres = (np.arange(n) + 0.5) / n
    interior = np.stack(np.meshgrid(centres, centres), axis=-1).reshape(-1, 2)
    t = np.arange(n) / n  # each side from one corner up to (not including) the next
    one, zero = np.ones(n), np.zeros(n)
    boundary = np.concatenate([np.stack(side, axis=1) for side in
                               [(t, zero), (one, t), (1 - t, one), (zero, 1 - t)]])
    return interior, boundary


def pinn_loss(interior, boundary, f_interior):
    """theta -> mean (Laplacian u - f)^2 / pi^4 + mean u^2 on the boundary. Dividing the
    residual by pi^2 puts both terms on the scale of u."""
    def loss(theta):
        params = layers(theta)
        laplacian = gd.vmap(lambda p: gd.laplacian(lambda q: network(params, q), p,
                                                  create_graph=True))(interior)
        residual = (F.reshape(laplacian, (-1,)) - f_interior) / np.pi ** 2
        u_boundary = network(params, boundary)
        return F.mean(residual * residual) + F.mean(u_boundary * u_boundary)
    return loss


def plot(args, grid, u, error, interior, boundary):
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    extent = (0, 1, 0, 1)
    image = left.imshow(u, origin="lower", extent=extent, cmap="viridis", interpolation="bilinear")
    fig.colorbar(image, ax=left, label="u(x, y)")
    left.scatter(interior[:, 0], interior[:, 1], s=4, color="white", edgecolors="black", linewidths=0.3,
                 label="interior points")
    left.scatter(boundary[:, 0], boundary[:, 1], s=6, color="red", clip_on=False, label="boundary points")
    left.set(xlabel="x", ylabel="y", title="trained network u")
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8)  # below, off the data
    image = right.imshow(error, origin="lower", extent=extent, cmap="magma", interpolation="bilinear")
    fig.colorbar(image, ax=right, label="|u - sin(pi x) sin(pi y)|")
    worst = np.unravel_index(np.argmax(error), error.shape)
    right.plot(grid[worst[1]], grid[worst[0]], "c+", markersize=12, mew=2, clip_on=False,
               label=f"max error {error.max():.1e}")
    right.set(xlabel="x", ylabel="y", title="error against the exact solution")
    right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=8)
    save_figure(fig, args, "poisson_pinn.png")


def main():
    args = parse(example_parser(__doc__))
    n, max_iter = (8, 30) if args.quick else (16, 80)
    interior, boundary = collocation_points(n)
    theta0, X, B, f_X = on_device(args, *(gd.Variable(a) for a in (
        initial_weights(), interior, boundary, source(interior))))
    grid = np.linspace(0, 1, 51)
    G = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2)
    G_device = on_device(args, gd.Variable(G))

    def max_error(theta):
        with gd.no_grad():
            u = to_numpy(network(layers(gd.Variable(theta)), G_device.data).data).reshape(-1)
        return np.abs(u - exact(G)).max(), u

    print(f"points {len(interior)} interior, {len(boundary)} boundary; weights {theta0.size}")
    print(f"untrained_max_error {max_error(theta0.data)[0]:.3e}")
    start = time.perf_counter()
    result = gd.optimize.minimize(pinn_loss(X.data, B.data, f_X.data), theta0.data,
                                  method="newton-cg", max_iter=max_iter, tol=1e-10, keep_path=False)
    seconds = time.perf_counter() - start
    print(f"iterations {result.nit}")
    print(f"loss {result.fun:.3e} (gradient norm {result.grad_norm:.1e}) in {seconds:.1f} s")
    error, u = max_error(result.x)
    print(f"max_error {error:.3e}")
    shape = (grid.size, grid.size)
    plot(args, grid, u.reshape(shape), np.abs(u - exact(G)).reshape(shape), interior, boundary)


if __name__ == "__main__":
    main()
