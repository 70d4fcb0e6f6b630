"""
Rosenbrock with 100,000 variables
=================================

Rosenbrock-n with n = 100,000 (1,000 with --quick): Hessian-free Newton-CG against
SciPy's L-BFGS-B.

An explicit Hessian would be 100,000 x 100,000 (80 GB); Newton-CG needs only
Hessian-vector products, each one backward pass through a recorded gradient graph.
L-BFGS-B gets its gradient from the same gdezero function via `scipy_functions`.
The results go to stdout and to rosenbrock_large.txt in --out.
"""
import argparse
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


def rosenbrock(x):
    return F.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def pyplot():
    """matplotlib.pyplot on the Agg backend: figures go to files, no display needed."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, args, name):
    fig.savefig(args.out / name, dpi=100, bbox_inches="tight")
    print(f"figure {name}")


def main():
    args = parse(example_parser(__doc__))
    n = 1_000 if args.quick else 100_000
    # A random start; from zeros the chained valley makes iteration counts grow with n.
    x0 = np.random.default_rng(0).uniform(0.0, 2.0, n)
    lines = [f"Rosenbrock-n, n = {n}, x0 uniform in [0, 2] (seed 0), device {args.device}"]

    start = time.perf_counter()
    r = gd.optimize.minimize(rosenbrock, on_device(args, gd.Variable(x0)).data,
                             method="newton-cg", keep_path=False)
    seconds = time.perf_counter() - start
    timings = {"newton-cg": (seconds, r.nit)}
    error = np.abs(to_numpy(r.x) - 1).max()
    lines.append(f"newton-cg: {r.nit} iterations, {r.nfev} f evaluations, {seconds:.2f} s, "
                 f"max error {error:.3e} ({r.message})")

    from scipy.optimize import minimize as scipy_minimize

    fun, jac, _ = gd.optimize.scipy_functions(rosenbrock)
    start = time.perf_counter()
    # Stop on the gradient (as newton-cg does at tol 1e-8), not on f's relative change.
    s = scipy_minimize(fun, x0, jac=jac, method="L-BFGS-B",
                       options={"gtol": 1e-8, "ftol": 0.0, "maxiter": 20_000})
    seconds = time.perf_counter() - start
    timings["L-BFGS-B (SciPy)"] = (seconds, s.nit)
    lines.append(f"L-BFGS-B: {s.nit} iterations, {s.nfev} f evaluations, {seconds:.2f} s, "
                 f"max error {np.abs(s.x - 1).max():.3e} ({s.message})")

    print("\n".join(lines))
    path = args.out / "rosenbrock_large.txt"
    path.write_text("\n".join(lines) + "\n")
    print(f"wrote {path.name}")

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3))
    for row, (name, (seconds, iterations)) in enumerate(timings.items()):
        ax.barh(row, seconds, color=f"C{row}", label=f"{name}: {iterations} iterations")
    ax.set_yticks(range(len(timings)), list(timings))
    ax.set(xlabel="seconds to a gradient norm of 1e-8", ylabel="method",
           title=f"Rosenbrock-n, n = {n:,}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1))
    save_figure(fig, args, "rosenbrock_large.png")


if __name__ == "__main__":
    main()
