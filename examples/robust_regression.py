"""
Robust regression
=================

Robust line fitting with 20% gross outliers: three objectives, each by Newton-CG.

Data: y = 1.5 x - 0.7 + N(0, 0.3^2) at 200 points (--quick: 60), a fifth of them replaced
by uniform junk in [-8, 8]. Fitted, each with ``gd.optimize.minimize(method="newton-cg")``:

- least squares: the mean squared residual; the outliers drag the line away;
- log-cosh: sum of s (softplus(r/s) + softplus(-r/s)), quadratic near 0 and linear in
  the tails, so an outlier pulls with bounded force;
- a mixture likelihood: each point is an inlier N(a x + b, sigma^2) with probability p
  or uniform junk on [-8, 8]; the negative log-likelihood is
  -sum logsumexp([log p + log N(r; sigma), log(1 - p) - log 16]) with sigma = exp(.) and
  log p = -softplus(-logit p), which fits sigma and p too.

The mixture's standard errors come from the inverse Hessian (gd.hessian) at the optimum.
The figure robust_regression.png in --out shows the data, coloured by each point's
posterior probability of being an inlier, and the three lines.
"""
import argparse
import math
import pathlib

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


def numpy_of(v):
    """A Variable's data as NumPy (copied from the GPU if needed), for printing and plots."""
    return to_numpy(v.data)


def pyplot():
    """matplotlib.pyplot on the Agg backend: figures go to files, no display needed."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, args, name):
    fig.savefig(args.out / name, dpi=100, bbox_inches="tight")
    print(f"figure {name}")

TRUE_SLOPE, TRUE_INTERCEPT, TRUE_SIGMA, OUTLIER_SHARE = 1.5, -0.7, 0.3, 0.2
JUNK_LOW, JUNK_HIGH = -8.0, 8.0
LOGCOSH_SCALE = 0.3


def make_data(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, n)
    y = TRUE_SLOPE * x + TRUE_INTERCEPT + rng.normal(0, TRUE_SIGMA, n)
    outliers = rng.random(n) < OUTLIER_SHARE
    y[outliers] = rng.uniform(JUNK_LOW, JUNK_HIGH, int(outliers.sum()))
    return x, y, outliers


def residuals(theta, x, y):
    return y - (theta[0] * x + theta[1])


def least_squares(x, y):
    return lambda theta: F.mean(residuals(theta, x, y) ** 2)


def log_cosh(x, y, s=LOGCOSH_SCALE):
    def loss(theta):
        r = residuals(theta, x, y) / s
        return F.mean(F.softplus(r) + F.softplus(-r)) * s
    return loss


def mixture_components(theta, x, y):
    """(log p + log N(r; sigma), log(1 - p) + log U) per point, stacked: shape (2, n)."""
    r = residuals(theta[:2], x, y)
    log_sigma, logit_p = theta[2], theta[3]
    log_p, log_not_p = -F.softplus(-logit_p), -F.softplus(logit_p)
    inlier = log_p - 0.5 * (r / F.exp(log_sigma)) ** 2 - log_sigma - 0.5 * math.log(2 * math.pi)
    outlier = F.broadcast_to(log_not_p - math.log(JUNK_HIGH - JUNK_LOW), r.shape)
    return F.stack([inlier, outlier])


def mixture_nll(x, y):
    return lambda theta: -F.mean(F.logsumexp(mixture_components(theta, x, y), axis=0))


def main():
    parser = example_parser(__doc__)
    args = parse(parser)
    n = 60 if args.quick else 200
    x_data, y_data, outliers = make_data(n)
    x, y = gd.Variable(x_data), gd.Variable(y_data)

    fits = {}
    ls = gd.optimize.minimize(least_squares(x, y), np.zeros(2), method="newton-cg")
    fits["least_squares"] = ls
    fits["log_cosh"] = gd.optimize.minimize(log_cosh(x, y), ls.x, method="newton-cg")
    start = np.array([*ls.x, math.log(float(np.std(y_data))), 0.0])
    fits["mixture"] = gd.optimize.minimize(mixture_nll(x, y), start, method="newton-cg")
    for name, r in fits.items():
        a, b = (float(v) for v in np.asarray(r.x)[:2])
        error = math.hypot(a - TRUE_SLOPE, b - TRUE_INTERCEPT)
        print(f"{name} slope {a:.6f} intercept {b:.6f} error {error:.4f} iterations {r.nit} "
              f"converged {r.success}")

    theta = fits["mixture"].x
    sigma, p = math.exp(float(theta[2])), 1 / (1 + math.exp(-float(theta[3])))
    print(f"mixture_parameters sigma {sigma:.4f} inlier_share {p:.4f} "
          f"(true {TRUE_SIGMA}, {1 - OUTLIER_SHARE})")
    # Laplace approximation: covariance = inverse Hessian of the total negative log-likelihood.
    h = numpy_of(gd.hessian(lambda t: mixture_nll(x, y)(t) * n, theta))
    errors = np.sqrt(np.diag(np.linalg.inv(h)))
    print(f"mixture_standard_errors slope {errors[0]:.4f} intercept {errors[1]:.4f}")

    components = mixture_components(gd.Variable(theta), x, y)
    inlier_probability = numpy_of(F.exp(components[0] - F.logsumexp(components, axis=0)))
    flagged = inlier_probability < 0.5
    print(f"mixture_flags {int(flagged.sum())} of {int(outliers.sum())} outliers, "
          f"{int((flagged & ~outliers).sum())} false alarms")

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    points = ax.scatter(x_data, y_data, c=inlier_probability, cmap="coolwarm_r", vmin=0, vmax=1, s=14)
    fig.colorbar(points, ax=ax, label="posterior P(inlier)")
    grid = np.linspace(-3, 3, 2)
    ax.plot(grid, TRUE_SLOPE * grid + TRUE_INTERCEPT, "k:", label="truth")
    for (name, r), style in zip(fits.items(), ["-", "--", "-."]):
        a, b = (float(v) for v in np.asarray(r.x)[:2])
        ax.plot(grid, a * grid + b, style, label=f"{name.replace('_', ' ')} (slope {a:.2f})")
    ax.set(xlabel="x", ylabel="y", title=f"Robust regression, {int(outliers.sum())} outliers of {n}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=4, fontsize=8)  # below, off the points
    save_figure(fig, args, "robust_regression.png")


if __name__ == "__main__":
    main()
