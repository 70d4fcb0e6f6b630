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
import time

import numpy as np
from _common import example_parser, on_device, parse
from hessian_vector_product import rosenbrock as rosenbrock_n

import gdezero as gd
from gdezero.backend import to_numpy


def main():
    args = parse(example_parser(__doc__))
    n = 1_000 if args.quick else 100_000
    # A random start; from zeros the chained valley makes iteration counts grow with n.
    x0 = np.random.default_rng(0).uniform(0.0, 2.0, n)
    lines = [f"Rosenbrock-n, n = {n}, x0 uniform in [0, 2] (seed 0), device {args.device}"]

    start = time.perf_counter()
    r = gd.optimize.minimize(rosenbrock_n, on_device(args, gd.Variable(x0)).data,
                             method="newton-cg", keep_path=False)
    seconds = time.perf_counter() - start
    error = np.abs(to_numpy(r.x) - 1).max()
    lines.append(f"newton-cg: {r.nit} iterations, {r.nfev} f evaluations, {seconds:.2f} s, "
                 f"max error {error:.3e} ({r.message})")

    from scipy.optimize import minimize as scipy_minimize

    fun, jac, _ = gd.optimize.scipy_functions(rosenbrock_n)
    start = time.perf_counter()
    # Stop on the gradient (as newton-cg does at tol 1e-8), not on f's relative change.
    s = scipy_minimize(fun, x0, jac=jac, method="L-BFGS-B",
                       options={"gtol": 1e-8, "ftol": 0.0, "maxiter": 20_000})
    seconds = time.perf_counter() - start
    lines.append(f"L-BFGS-B: {s.nit} iterations, {s.nfev} f evaluations, {seconds:.2f} s, "
                 f"max error {np.abs(s.x - 1).max():.3e} ({s.message})")

    print("\n".join(lines))
    path = args.out / "rosenbrock_large.txt"
    path.write_text("\n".join(lines) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
