"""gdezero against hand-written NumPy formulas and PyTorch eager autograd (1 thread).

    python benchmarks/run.py            # full sizes (a few minutes)
    python benchmarks/run.py --quick    # CI-sized, asserts correctness in well under a minute
    python benchmarks/run.py --json out.json

Workloads (issue 7):
  W1  one Newton step on x^4 - 2x^2 (2nd derivative by double backprop, 0-d float64)
  W2  gradient of Goldstein-Price at (1, 1)
  W3  sin and its 1st..4th derivatives on n points (repeated create_graph)
  W4  one Hessian-vector product of vectorised Rosenbrock-n (+ peak memory, tracemalloc)
  W5  8th derivative of tanh at 1.0 (+ graph size at every order 1..8), then tanh's n-th
      derivative for n = 1..30: Taylor mode vs nested reverse (gdezero, PyTorch), each
      capped at a few seconds per order
  W6  many Newton steps with create_graph=True (+ memory growth after gc.collect())
  W7  derivatives(F.tanh, x, 30) on 1e5 points by Taylor mode (+ peak memory), beside
      nested reverse mode at its largest order within the cap
  B1  Hessian of Rosenbrock-n, n = 100 and 1000 (one batched double backward), beside
      torch.autograd.functional.hessian(vectorize=True) and torch.func.hessian
  B2  Jacobian R^2 -> R^1000 with mode="auto" (forward: vmap of jvp), beside torch.func.jacfwd
  B3  per-example gradients of a 20-32-1 tanh MLP over 1000 samples (vmap of grad), beside
      torch.func.vmap(torch.func.grad)
  B4  vmap(f)(X) against the same f batched by hand (+ peak memory with chunk_size)
  L1  exact Laplacian of a D-H-H-H-1 tanh MLP at 256 points, (D, H) = (10, 64) and (50, 128):
      collapsed Taylor mode (vmap of gd.laplacian) beside the standard layout, a NumPy forward
      Laplacian written by hand (both layouts), torch's nested loop and torch.func
  L2  biharmonic of a 5-64-64-64-1 tanh MLP at 64 points: collapsed (vmap of gd.bilaplacian)
      beside nested reverse (gdezero's and torch's)
  L3  stochastic Laplacian (Hutchinson) at D = 1e5 with 16 Rademacher directions (+ peak
      memory), beside torch's batched HVP and the closed form
  W8  (--w8 or --only W8, minutes) one Rosenbrock HVP at n = 1e8 on a Dask LocalCluster of 2 worker
      processes x 1 thread (+ each worker's peak memory), beside NumPy gdezero at n = 1e7

Every implementation's result is checked against the reference (AssertionError with the
workload and implementation otherwise). Speed is reported, never asserted.
"""
import argparse
import fractions
import functools
import gc
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import gdezero as gd  # noqa: E402
import gdezero.functions as F  # noqa: E402
from gdezero.taylor import hvp_forward_over_reverse  # noqa: E402

if __name__ == "__mp_main__":
    # a W8 Dask worker: multiprocessing's spawn re-imports this script in each worker
    # process, which runs no PyTorch; importing it there put ~190 MiB into every worker's
    # measured peak before any work
    torch = None
else:
    try:
        import torch
    except ImportError:  # PyTorch is optional: its rows are left out
        torch = None
    else:
        torch.set_num_threads(1)

# DeZero 0.0.13 (the book's library) function-node counts of the k-th derivative graph of
# tanh, k = 1..8, counted on this project's machine (issue 7): the W5 node target.
DEZERO_TANH_FUNCTIONS = [4, 9, 21, 51, 129, 339, 921, 2571]


# ============================================================================ helpers
def measure(fn, repeats, number=1, warmup=1):
    """Seconds per call of `fn()`: one sample per repeat, each the mean of `number` calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return samples


def to_numpy(value):
    if isinstance(value, (list, tuple)):
        return [to_numpy(v) for v in value]
    if isinstance(value, gd.Variable):
        value = value.data
    if torch is not None and isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def check(workload, impl, result, expected, rtol=1e-10, atol=1e-12):
    got, want = to_numpy(result), to_numpy(expected)
    if not isinstance(want, list):
        got, want = [got], [want]
    assert len(got) == len(want), f"{workload}/{impl}: {len(got)} results, expected {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, f"{workload}/{impl}: result {i} has shape {g.shape}, expected {w.shape}"
        if not np.allclose(g, w, rtol=rtol, atol=atol):
            err = float(np.max(np.abs(g - w)))
            raise AssertionError(f"{workload}/{impl}: result {i} is wrong (max abs error {err:.3g})")


def traced_peak(fn):
    """Peak bytes that Python and NumPy allocate while `fn()` runs (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def count_gdezero_graph(v):
    """(functions, variables) reachable from `v` through creators."""
    funcs, variables = set(), {id(v)}
    stack = [v.creator] if v.creator is not None else []
    while stack:
        f = stack.pop()
        if id(f) in funcs:
            continue
        funcs.add(id(f))
        for x in f.inputs:
            variables.add(id(x))
            if x.creator is not None:
                stack.append(x.creator)
    return len(funcs), len(variables)


def count_torch_graph(t):
    """Autograd nodes reachable from `t.grad_fn` (AccumulateGrad leaves included)."""
    seen, stack = set(), [t.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.extend(n for n, _ in node.next_functions)
    return len(seen)


class Case:
    """One workload: its implementations (zero-argument callables returning a result),
    the reference result, and how many calls make one timing sample."""

    def __init__(self, name, title, expected, impls, number=1, rtol=1e-10, atol=1e-12,
                 repeats=None, warmup=1):
        self.name, self.title, self.expected = name, title, expected
        self.impls, self.number, self.rtol, self.atol = impls, number, rtol, atol
        self.repeats, self.warmup = repeats, warmup
        self.notes = {}  # impl -> extra measurements (memory, node counts)


# ============================================================================ W1 / W6: Newton
def quartic(x):
    return x ** 4 - 2 * x ** 2


def newton_numpy(x):
    return x - (4 * x ** 3 - 4 * x) / (12 * x ** 2 - 4)


def newton_gdezero(x):
    """One Newton step, DeZero style: y.backward(create_graph=True), then gx.backward()."""
    y = quartic(x)
    y.backward(create_graph=True)
    gx = x.grad
    x.cleargrad()
    gx.backward()
    gx2 = x.grad
    x.cleargrad()
    return x.data - gx.data / gx2.data


def newton_torch(x):
    x = x.detach().requires_grad_()
    g, = torch.autograd.grad(quartic(x), x, create_graph=True)
    g2, = torch.autograd.grad(g, x)
    return (x - g / g2).detach()


def w1(args):
    x0 = np.array(2.0)
    impls = {"gdezero": lambda: newton_gdezero(gd.Variable(x0)),
             "numpy": lambda: newton_numpy(x0)}
    if torch is not None:
        t0 = torch.tensor(2.0, dtype=torch.float64)
        impls["pytorch"] = lambda: newton_torch(t0)
    return Case("W1", "Newton step on x^4-2x^2 (double backprop)", newton_numpy(x0), impls,
                number=args.inner)


def newton_loop(step, x, steps):
    for _ in range(steps):
        x = step(x)
    return x


def newton_loop_gdezero(steps):
    x = gd.Variable(np.array(2.0))
    for _ in range(steps):
        x.data = newton_gdezero(x)
    return x.data


def w6(args):
    steps = args.newton_steps
    impls = {"gdezero": lambda: newton_loop_gdezero(steps),
             "numpy": lambda: newton_loop(newton_numpy, np.array(2.0), steps)}
    if torch is not None:
        impls["pytorch"] = lambda: newton_loop(newton_torch, torch.tensor(2.0, dtype=torch.float64), steps)
    # The correctness run doubles as the warm-up; a few samples suffice for long loops.
    case = Case("W6", f"{steps} Newton steps, create_graph=True", np.array(1.0), impls,
                repeats=min(args.repeats, 3), warmup=0)
    # Memory growth: the live bytes after gc.collect(), before and after the steps.
    newton_loop_gdezero(10)
    gc.collect()
    tracemalloc.start()
    try:
        x = gd.Variable(np.array(2.0))
        for _ in range(10):
            x.data = newton_gdezero(x)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(steps):
            x.data = newton_gdezero(x)
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    case.notes["gdezero"] = {"memory_growth_bytes": growth,
                             "text": f"growth {growth / 1e6:.3f} MB (target < 1 MB)"}
    return case


# ============================================================================ W2: Goldstein-Price
def goldstein(x, y):
    return ((1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2))
            * (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y + 27 * y ** 2)))


def goldstein_grad_numpy(x, y):
    a, a1 = x + y + 1, 19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2
    b, b1 = 2 * x - 3 * y, 18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y + 27 * y ** 2
    A, B = 1 + a ** 2 * a1, 30 + b ** 2 * b1
    dA = 2 * a * a1 + a ** 2 * (-14 + 6 * x + 6 * y)  # the same for x and y
    dBx = 4 * b * b1 + b ** 2 * (-32 + 24 * x - 36 * y)
    dBy = -6 * b * b1 + b ** 2 * (48 - 36 * x + 54 * y)
    return [dA * B + A * dBx, dA * B + A * dBy]


def goldstein_grad_gdezero(x, y):
    x.cleargrad()
    y.cleargrad()
    goldstein(x, y).backward()
    return [x.grad.data, y.grad.data]


def goldstein_grad_torch(x, y):
    return list(torch.autograd.grad(goldstein(x, y), (x, y)))


def w2(args):
    x0, y0 = np.array(1.0), np.array(1.0)
    gx, gy = gd.Variable(x0), gd.Variable(y0)
    impls = {"gdezero": lambda: goldstein_grad_gdezero(gx, gy),
             "numpy": lambda: goldstein_grad_numpy(x0, y0)}
    if torch is not None:
        tx, ty = (torch.tensor(1.0, dtype=torch.float64, requires_grad=True) for _ in range(2))
        impls["pytorch"] = lambda: goldstein_grad_torch(tx, ty)
    expected = [np.array(-5376.0), np.array(8064.0)]
    check("W2", "reference", goldstein_grad_numpy(x0, y0), expected)
    return Case("W2", "Goldstein-Price gradient at (1, 1)", expected, impls, number=args.inner)


# ============================================================================ W3: sin derivatives
def sin_derivatives_numpy(x):
    s, c = np.sin(x), np.cos(x)
    return [s, c, -s, -c, s]


def sin_derivatives_backward(x0):
    """DeZero's loop: y.backward(create_graph=True), then gx.backward(create_graph=True)."""
    x = gd.Variable(x0)
    out = [F.sin(x)]
    out[0].backward(create_graph=True)
    for _ in range(3):
        gx = x.grad
        out.append(gx)
        x.cleargrad()
        gx.backward(create_graph=True)
    out.append(x.grad)
    # x.grad's graph holds x: a reference cycle (as in DeZero and torch's backward with
    # create_graph) that only the cyclic gc would free. Break it, as a careful user does.
    x.cleargrad()
    return out


def sin_derivatives_torch(x0):
    x = x0.detach().requires_grad_()
    out = [torch.sin(x)]
    for k in range(4):
        g, = torch.autograd.grad(out[-1], x, grad_outputs=torch.ones_like(x), create_graph=k < 3)
        out.append(g)
    return out


def w3(args):
    x0 = np.linspace(-7.0, 7.0, args.n_points)
    impls = {"gdezero": lambda: gd.derivatives(F.sin, x0, 4),
             "gdezero-backward": lambda: sin_derivatives_backward(x0),
             "numpy": lambda: sin_derivatives_numpy(x0)}
    if torch is not None:
        t0 = torch.from_numpy(x0)
        impls["pytorch"] = lambda: sin_derivatives_torch(t0)
    return Case("W3", f"sin and 1st..4th derivatives (gd.derivatives: Taylor mode), "
                      f"n={args.n_points:.0e}",
                sin_derivatives_numpy(x0), impls)


# ============================================================================ W4: Rosenbrock HVP
def rosenbrock(x):
    head, tail = x[:-1], x[1:]
    return (100 * (tail - head ** 2) ** 2 + (1 - head) ** 2).sum()


def rosenbrock_hvp_numpy(x, p):
    """The analytic Hessian of Rosenbrock-n times p (as scipy.optimize.rosen_hess_prod)."""
    hp = np.empty_like(x)
    hp[0] = (1200 * x[0] ** 2 - 400 * x[1] + 2) * p[0] - 400 * x[0] * p[1]
    hp[1:-1] = (-400 * x[:-2] * p[:-2] + (202 + 1200 * x[1:-1] ** 2 - 400 * x[2:]) * p[1:-1]
                - 400 * x[1:-1] * p[2:])
    hp[-1] = -400 * x[-2] * p[-2] + 200 * p[-1]
    return hp


def rosenbrock_hvp_torch(x0, v):
    x = x0.detach().requires_grad_()
    g, = torch.autograd.grad(rosenbrock(x), x, create_graph=True)
    hv, = torch.autograd.grad((g * v).sum(), x)
    return hv


def w4(args):
    n = args.n_rosen
    rng = np.random.default_rng(0)
    x0, v0 = rng.uniform(-2, 2, n), rng.standard_normal(n)
    impls = {"gdezero": lambda: gd.hvp(rosenbrock, x0, v0),
             "gdezero-fwd-over-rev": lambda: hvp_forward_over_reverse(rosenbrock, x0, v0),
             "numpy": lambda: rosenbrock_hvp_numpy(x0, v0)}
    if torch is not None:
        tx, tv = torch.from_numpy(x0), torch.from_numpy(v0)
        impls["pytorch"] = lambda: rosenbrock_hvp_torch(tx, tv)
    case = Case("W4", f"one HVP of Rosenbrock-n, n={n:.0e}", rosenbrock_hvp_numpy(x0, v0), impls,
                rtol=1e-9, atol=1e-8)
    for impl in ("gdezero", "gdezero-fwd-over-rev", "numpy"):  # torch's allocator: not traced
        peak = traced_peak(impls[impl]) / (8 * n)
        case.notes[impl] = {"peak_vectors": peak, "text": f"peak {peak:.1f} n-vectors"}
    return case


# ============================================================================ W5: tanh 8th derivative
def tanh_derivatives_numpy(x, order):
    """d^k tanh / dx^k = P_k(tanh x) with P_0 = t, P_{k+1} = (1 - t^2) P_k'."""
    poly = np.polynomial.Polynomial([0.0, 1.0])
    one_minus_t2 = np.polynomial.Polynomial([1.0, 0.0, -1.0])
    t, out = np.tanh(x), []
    for _ in range(order):
        poly = one_minus_t2 * poly.deriv()
        out.append(np.asarray(poly(t)))
    return out


def tanh_derivatives_gdezero(x0, order):
    x = gd.Variable(x0)
    seed = None if x0.ndim == 0 else np.ones_like(x0)  # a scalar takes the engine's own seed, as in DeZero
    out, g = [], F.tanh(x)
    for _ in range(order):
        g = gd.grad(g, x, grad_outputs=seed, create_graph=True)
        out.append(g)
    return out


def tanh_derivatives_torch(x0, order):
    x = x0.detach().requires_grad_()
    out, g = [], torch.tanh(x)
    for _ in range(order):
        g, = torch.autograd.grad(g, x, create_graph=True)
        out.append(g)
    return out


def w5(args):
    x0, order = np.array(1.0), 8
    impls = {"gdezero": lambda: tanh_derivatives_gdezero(x0, order),
             "gdezero-taylor": lambda: gd.derivatives(F.tanh, x0, order, method="taylor")[1:],
             "numpy": lambda: tanh_derivatives_numpy(x0, order)}
    if torch is not None:
        t0 = torch.tensor(1.0, dtype=torch.float64)
        impls["pytorch"] = lambda: tanh_derivatives_torch(t0, order)
    case = Case("W5", "tanh's 1st..8th derivatives at 1.0", tanh_derivatives_numpy(x0, order), impls,
                rtol=1e-9)
    funcs = [count_gdezero_graph(g)[0] for g in tanh_derivatives_gdezero(x0, order)]
    within = all(a <= b for a, b in zip(funcs, DEZERO_TANH_FUNCTIONS))
    case.notes["gdezero"] = {"functions_per_order": funcs,
                             "text": f"functions per order {funcs} "
                                     f"({'<=' if within else 'NOT <='} DeZero {DEZERO_TANH_FUNCTIONS})"}
    if torch is not None:
        nodes = [count_torch_graph(g) for g in impls["pytorch"]()]
        case.notes["pytorch"] = {"nodes_per_order": nodes, "text": f"autograd nodes per order {nodes}"}
    return case


# ============================================================================ W5 by order, W7: Taylor mode
def tanh_derivative_exact(x, order):
    """d^order tanh at each float of `x`: P_order(tanh x) with P_0 = t, P_{k+1} = (1 - t^2) P_k',
    integer coefficients evaluated exactly (Fractions) at the float tanh(x), then rounded."""
    poly = [0, 1]  # coefficients of t^0, t^1, ...
    for _ in range(order):
        deriv = [i * c for i, c in enumerate(poly)][1:] or [0]
        poly = [0] * (len(deriv) + 2)
        for i, c in enumerate(deriv):
            poly[i] += c
            poly[i + 2] -= c
    out = []
    for t in np.tanh(np.atleast_1d(np.asarray(x, dtype=np.float64))):
        t, value = fractions.Fraction(float(t)), fractions.Fraction(0)
        for c in reversed(poly):
            value = value * t + c
        out.append(float(value))
    return np.array(out).reshape(np.shape(x))


def check_scaled(workload, impl, got, want, rtol):
    """Relative error per derivative, measured against 1e-3 of its largest magnitude near zeros."""
    got, want = np.asarray(to_numpy(got), dtype=np.float64), np.asarray(want, dtype=np.float64)
    scale = np.maximum(np.abs(want), 1e-3 * np.max(np.abs(want)))
    err = float(np.max(np.abs(got - want) / scale))
    if not err <= rtol:
        raise AssertionError(f"{workload}/{impl}: relative error {err:.3g} > {rtol:g}")


def tanh_nth_torch(t0, order):
    x = t0.detach().requires_grad_()
    g = torch.tanh(x)
    for _ in range(order):
        g, = torch.autograd.grad(g, x, create_graph=True)
    return g


def timed_once(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def w5_orders(args):
    """tanh's n-th derivative at 1.0 for n = 1..max_order: rows of the per-order table."""
    x0 = np.array(1.0)
    impls = {"taylor": lambda n: gd.derivatives(F.tanh, x0, n, method="taylor")[-1],
             "gdezero-reverse": lambda n: tanh_derivatives_gdezero(x0, n)[-1]}
    if torch is not None:
        t0 = torch.tensor(1.0, dtype=torch.float64)
        impls["pytorch-reverse"] = lambda n: tanh_nth_torch(t0, n)
    capped, rows = set(), []
    for n in range(1, args.max_order + 1):
        want = tanh_derivative_exact(1.0, n)
        row = {"n": n}
        for impl, fn in impls.items():
            if impl in capped:
                continue
            single, got = timed_once(lambda: fn(n))  # noqa: B023 (called at once)
            check_scaled("W5", f"{impl} n={n}", got, want, 1e-9)
            if single * 3 > args.cap:  # about 2.8x per order: the next one would pass the cap
                capped.add(impl)
            if single < 0.05:  # fast enough to take the best of several
                single = min(measure(lambda: fn(n), args.repeats, 1, 0))  # noqa: B023
            row[impl] = single
        rows.append(row)
    return rows


def print_orders(rows):
    impls = list(rows[0])[1:]
    print("W5 by order: tanh's n-th derivative at 1.0 (min time; '-' past the cap)")
    print("| n | " + " | ".join(impls) + " | pytorch/taylor |")
    print("|---|" + "---|" * len(impls) + "---|")
    for r in rows:
        cells = [fmt_time(r[i]) if i in r else "-" for i in impls]
        ratio = f"{r['pytorch-reverse'] / r['taylor']:.1f}x" if "pytorch-reverse" in r else ""
        print(f"| {r['n']} | " + " | ".join(cells) + f" | {ratio} |")


def w7(args):
    """derivatives(F.tanh, x, 30) on many points; nested reverse at its largest order in the cap."""
    n_points, order = args.n_taylor, 30
    x0 = np.linspace(-3.0, 3.0, n_points)
    sample = np.arange(0, n_points, max(1, n_points // 16))

    def taylor():
        return gd.derivatives(F.tanh, x0, order, method="taylor")
    got = taylor()
    for k in (1, 2, 5, 10, 20, 30):
        check_scaled("W7", f"taylor order {k}", to_numpy(got[k])[sample],
                     tanh_derivative_exact(x0[sample], k), 1e-10)
    del got
    seconds = min(measure(taylor, min(args.repeats, 3), 1, 0))
    peak = traced_peak(taylor)
    title = f"tanh's 0..{order}th derivatives, n={n_points:.0e}"
    rows = [{"workload": "W7", "title": title, "impl": "gdezero-taylor", "min_s": seconds,
             "median_s": seconds, "peak_bytes": peak,
             "text": f"order {order}, peak {peak / 1e6:.0f} MB (targets at 1e5: 0.15 s, 150 MB)"}]
    best = None
    for n in range(1, order + 1):  # nested reverse mode: the largest order within the cap
        single, got = timed_once(lambda: tanh_derivatives_gdezero(x0, n))  # noqa: B023
        check_scaled("W7", f"reverse order {n}", to_numpy(got[-1])[sample],
                     tanh_derivative_exact(x0[sample], n), 1e-9)
        del got
        best = (n, single)
        if single * 3 > args.cap:
            break
    n, single = best
    peak = traced_peak(lambda: tanh_derivatives_gdezero(x0, n))
    rows.append({"workload": "W7", "title": title, "impl": "gdezero-reverse", "min_s": single,
                 "median_s": single, "peak_bytes": peak,
                 "text": f"order {n} only (the largest within {args.cap:g} s), peak {peak / 1e6:.0f} MB"})
    return rows

# ============================================================================ B1-B4: batching (vmap)
def rosenbrock_hessian_numpy(x):
    """The analytic Hessian of Rosenbrock-n (as scipy.optimize.rosen_hess)."""
    n = len(x)
    h = np.zeros((n, n))
    off = -400 * x[:-1]
    h[np.arange(n - 1), np.arange(1, n)] = off
    h[np.arange(1, n), np.arange(n - 1)] = off
    diag = np.zeros(n)
    diag[0] = 1200 * x[0] ** 2 - 400 * x[1] + 2
    diag[1:-1] = 202 + 1200 * x[1:-1] ** 2 - 400 * x[2:]
    diag[-1] = 200
    h[np.arange(n), np.arange(n)] = diag
    return h


def b1(args):
    rows = []
    for n in args.n_hessian:
        x0 = np.random.default_rng(1).uniform(-2, 2, n)
        impls = {"gdezero": lambda x0=x0: gd.hessian(rosenbrock, x0),
                 "numpy": lambda x0=x0: rosenbrock_hessian_numpy(x0)}
        if torch is not None:
            tx = torch.from_numpy(x0)
            impls["pytorch-vectorize"] = lambda tx=tx: torch.autograd.functional.hessian(
                rosenbrock, tx, vectorize=True)
            impls["pytorch-func"] = lambda tx=tx: torch.func.hessian(rosenbrock)(tx)
        case = Case("B1", f"Hessian of Rosenbrock-n, n={n}", rosenbrock_hessian_numpy(x0), impls,
                    rtol=1e-10, atol=1e-9, number=1 if n > 300 or args.quick else 5)
        rows.extend(run_case(case, args.repeats))
    return rows


B2_T = np.linspace(0.0, 1.0, 1000)


def tall(x):
    """R^2 -> R^1000: sin(x0 t) exp(x1 t)."""
    t = B2_T if isinstance(x, gd.Variable) else torch.from_numpy(B2_T)
    if isinstance(x, gd.Variable):
        return F.sin(x[0] * t) * F.exp(x[1] * t)
    return torch.sin(x[0] * t) * torch.exp(x[1] * t)


def tall_jacobian_numpy(x):
    t = B2_T
    s, c, e = np.sin(x[0] * t), np.cos(x[0] * t), np.exp(x[1] * t)
    return np.stack([c * t * e, s * e * t], axis=1)


def b2(args):
    x0 = np.array([0.7, -0.3])
    impls = {"gdezero": lambda: gd.jacobian(tall, x0, mode="auto"),
             "gdezero-rev": lambda: gd.jacobian(tall, x0, mode="rev"),
             "numpy": lambda: tall_jacobian_numpy(x0)}
    if torch is not None:
        tx = torch.from_numpy(x0)
        impls["pytorch-jacfwd"] = lambda: torch.func.jacfwd(tall)(tx)
    return Case("B2", "Jacobian R^2 -> R^1000, mode='auto'", tall_jacobian_numpy(x0), impls,
                number=1 if args.quick else 5)


def mlp_params(rng):
    return [rng.normal(size=(20, 32)) / 4, rng.normal(size=32) / 4, rng.normal(size=(32, 1)) / 4,
            rng.normal(size=1) / 4]


def mlp_loss(params, x, t):
    """The squared error of a 20-32-1 tanh MLP on one example (gdezero or torch)."""
    w1, b1, w2, b2 = params
    if isinstance(x, gd.Variable):
        return F.sum((F.tanh(x @ w1 + b1) @ w2 + b2 - t) ** 2)
    return ((torch.tanh(x @ w1 + b1) @ w2 + b2 - t) ** 2).sum()


def mlp_grads_numpy(params, X, T):
    w1, b1, w2, b2 = params
    h = np.tanh(X @ w1 + b1)
    r = 2 * (h @ w2 + b2 - T[:, None])  # (N, 1)
    dh = r @ w2.T * (1 - h ** 2)  # (N, 32)
    return [X[:, :, None] * dh[:, None, :], dh, h[:, :, None] * r[:, None, :], r]


def b3(args):
    rng = np.random.default_rng(3)
    params = mlp_params(rng)
    X, T = rng.normal(size=(args.n_samples, 20)), rng.normal(size=args.n_samples)
    ps = [gd.Variable(p) for p in params]
    per_example = gd.vmap(lambda x, t: gd.grad(mlp_loss(ps, x, t), ps), in_axes=(0, 0))
    impls = {"gdezero": lambda: list(per_example(X, T)),
             "numpy": lambda: mlp_grads_numpy(params, X, T)}
    if torch is not None:
        tp = tuple(torch.from_numpy(p) for p in params)
        tX, tT = torch.from_numpy(X), torch.from_numpy(T)
        grads = torch.func.vmap(torch.func.grad(mlp_loss), in_dims=(None, 0, 0))
        impls["pytorch-vmap-grad"] = lambda: list(grads(tp, tX, tT))
    return Case("B3", f"per-example gradients, 20-32-1 tanh MLP, {args.n_samples} samples",
                mlp_grads_numpy(params, X, T), impls, number=1 if args.quick else 3)


def bump(x):
    return F.sum(F.exp(-x * x) * F.sin(x) + 1.0)


def b4(args):
    X = np.random.default_rng(4).normal(size=(1000, args.n_b4 // 1000))
    expected = np.sum(np.exp(-X * X) * np.sin(X) + 1.0, axis=1)
    impls = {"gdezero-vmap": lambda: gd.vmap(bump)(X),
             "gdezero-by-hand": lambda: F.sum(F.exp(-gd.Variable(X) ** 2) * F.sin(gd.Variable(X)) + 1.0,
                                              axis=1),
             "gdezero-vmap-chunks": lambda: gd.vmap(bump, chunk_size=100)(X),
             "numpy": lambda: np.sum(np.exp(-X * X) * np.sin(X) + 1.0, axis=1)}
    case = Case("B4", f"vmap(f)(X) vs f batched by hand, X {X.shape[0]} x {X.shape[1]}", expected,
                impls, number=1 if args.quick else 3)
    for impl, chunks in (("gdezero-vmap", None), ("gdezero-vmap-chunks", 100)):
        def inference(chunks=chunks):  # no graph kept: what chunk_size bounds is the live work
            with gd.no_grad():
                return gd.vmap(bump, chunk_size=chunks)(X)
        peak = traced_peak(inference) / X.nbytes
        case.notes[impl] = {"peak_X": peak, "text": f"peak {peak:.2f} x the size of X (no_grad)"}
    return case



# ============================================================================ L1-L3: differential operators
def tanh_mlp(rng, sizes):
    """Weights and biases of a tanh MLP with layer sizes `sizes` (the last layer linear)."""
    return [(rng.normal(size=(m, n)) / np.sqrt(m), rng.normal(size=n) / 4)
            for m, n in zip(sizes[:-1], sizes[1:])]


def mlp_u(layers, x):
    """The MLP on one point or a batch (gdezero or torch), summed to a scalar per point."""
    tanh = F.tanh if isinstance(x, gd.Variable) else torch.tanh
    for W, b in layers[:-1]:
        x = tanh(x @ W + b)
    W, b = layers[-1]
    y = x @ W + b
    return F.sum(y, axis=-1) if isinstance(x, gd.Variable) else y.sum(-1)


def forward_laplacian_numpy(layers, X, collapse=True):
    """The MLP's Laplacian at each row of X by hand: forward Laplacian (folx), the second
    coefficients summed over the D directions (collapse) or kept per direction."""
    def mm(a, W):  # one GEMM over every leading axis (NumPy's stacked matmul loops per matrix)
        return (a.reshape(-1, a.shape[-1]) @ W).reshape(a.shape[:-1] + (W.shape[1],))

    N, D = X.shape
    h = X
    h1 = np.broadcast_to(np.eye(D)[:, None, :], (D, N, D))  # the directions e_r at each point
    h2 = np.zeros((N, D)) if collapse else np.zeros((D, N, D))
    for W, b in layers[:-1]:
        z, z1, z2 = h @ W + b, mm(h1, W), mm(h2, W)
        t = np.tanh(z)
        c1 = 1 - t * t
        c2 = -t * c1  # tanh''/2
        h, h1 = t, c1 * z1
        h2 = c1 * z2 + c2 * (np.sum(z1 * z1, axis=0) if collapse else z1 * z1)
    W, b = layers[-1]
    out2 = mm(h2, W).sum(-1)
    return 2 * (out2 if collapse else out2.sum(0))


def laplacian_torch_nested(layers, X):
    """D double backward passes: d/dx_i of (grad u)_i, summed over the batch."""
    x = X.clone().requires_grad_(True)
    g, = torch.autograd.grad(mlp_u(layers, x).sum(), x, create_graph=True)
    total = torch.zeros(X.shape[0], dtype=X.dtype)
    for i in range(X.shape[1]):
        gi, = torch.autograd.grad(g[:, i].sum(), x, retain_graph=True)
        total = total + gi[:, i]
    return total


def laplacian_torch_func(layers, X):
    """torch.func: vmap over points and directions of jvp(grad(u))."""
    eye = torch.eye(X.shape[1], dtype=X.dtype)
    grad_u = torch.func.grad(lambda x: mlp_u(layers, x))

    def second(x, v):
        return torch.func.jvp(grad_u, (x,), (v,))[1] @ v
    return torch.func.vmap(lambda x: torch.func.vmap(second, in_dims=(None, 0))(x, eye).sum())(X)


def l1(args):
    return [row for D, H in args.l1_sizes for row in l1_rows(args, D, H)]


def l1_rows(args, D, H):
    rng = np.random.default_rng(11)
    layers = tanh_mlp(rng, [D, H, H, H, 1])
    X = rng.normal(size=(args.n_points_l1, D))
    ps = [(gd.Variable(W), gd.Variable(b)) for W, b in layers]
    u = functools.partial(mlp_u, ps)
    basis = np.eye(D)[:, None, :] * np.ones((1, X.shape[0], 1))  # e_r at every point
    impls = {
        "gdezero-collapsed": lambda: gd.vmap(lambda p: gd.laplacian(u, p))(X),
        # the same propagation keeping each direction's second coefficient (benchmarks only)
        "gdezero-standard": lambda: gd.operators._operator(u, X, basis, 1.0, 2, False, collapse=False),
        "numpy-collapsed": lambda: forward_laplacian_numpy(layers, X),
        "numpy-standard": lambda: forward_laplacian_numpy(layers, X, collapse=False),
        "numpy": lambda: forward_laplacian_numpy(layers, X),
    }
    if torch is not None:
        tl = [(torch.from_numpy(W), torch.from_numpy(b)) for W, b in layers]
        tX = torch.from_numpy(X)
        impls["pytorch-nested"] = lambda: laplacian_torch_nested(tl, tX)
        impls["pytorch-vmap-jvp-grad"] = lambda: laplacian_torch_func(tl, tX)
    case = Case("L1", f"exact Laplacian of a {D}-{H}-{H}-{H}-1 tanh MLP, {X.shape[0]} points",
                forward_laplacian_numpy(layers, X), impls, number=1, rtol=1e-9, atol=1e-10)
    rows = run_case(case, args.repeats)
    best = {r["impl"]: r["min_s"] for r in rows}
    for r in rows:
        if r["impl"] == "gdezero-collapsed":
            r["text"] = (f"collapsed/standard {best['gdezero-collapsed'] / best['gdezero-standard']:.2f} "
                         f"(NumPy by hand {best['numpy-collapsed'] / best['numpy-standard']:.2f})")
    return rows


def l2(args):
    rng = np.random.default_rng(12)
    D, H = 5, 64
    layers = tanh_mlp(rng, [D, H, H, H, 1])
    X = rng.normal(size=(args.n_points_l2, D))
    ps = [(gd.Variable(W), gd.Variable(b)) for W, b in layers]
    u = functools.partial(mlp_u, ps)

    def gdezero_nested():
        x = gd.Variable(X)
        y = u(x)
        def lap(v):
            g = gd.grad(F.sum(v), x, create_graph=True)
            return sum([gd.grad(F.sum(g[:, i]), x, create_graph=True)[:, i] for i in range(D)])
        return lap(lap(y))

    expected = gdezero_nested().data
    impls = {"gdezero-collapsed": lambda: gd.vmap(lambda p: gd.bilaplacian(u, p))(X),
             "gdezero-nested": gdezero_nested}
    if torch is not None:
        tl = [(torch.from_numpy(W), torch.from_numpy(b)) for W, b in layers]
        tX = torch.from_numpy(X)

        def torch_nested():
            x = tX.clone().requires_grad_(True)
            def lap(v):
                g, = torch.autograd.grad(v.sum(), x, create_graph=True)
                return sum(torch.autograd.grad(g[:, i].sum(), x, create_graph=True)[0][:, i]
                           for i in range(D))
            return lap(lap(mlp_u(tl, x))).detach()
        impls["pytorch-nested"] = torch_nested
    case = Case("L2", f"biharmonic of a {D}-{H}-{H}-{H}-1 tanh MLP, {X.shape[0]} points", expected,
                impls, number=1, rtol=1e-8, atol=1e-8)
    rows = run_case(case, args.repeats)
    best = {r["impl"]: r["min_s"] for r in rows}
    for r in rows:
        if r["impl"] == "gdezero-collapsed":
            r["text"] = f"collapsed/nested reverse {best['gdezero-collapsed'] / best['gdezero-nested']:.2f}"
    return rows


def hutchinson_f(x):
    """sum(sin x) + (sum(tanh x))^2 / (2 D): a diagonal and a rank-one part in its Hessian."""
    if isinstance(x, gd.Variable):
        return F.sum(F.sin(x)) + F.sum(F.tanh(x)) ** 2 * (0.5 / x.size)
    if torch is not None and isinstance(x, torch.Tensor):
        return torch.sin(x).sum() + torch.tanh(x).sum() ** 2 * (0.5 / x.numel())
    raise TypeError(type(x))


def hutchinson_numpy(x, V):
    """(1/S) sum_r v_r^T H v_r in closed form for `hutchinson_f`."""
    D = x.size
    t = np.tanh(x)
    s, ds, dds = t.sum(), 1 - t * t, -2 * t * (1 - t * t)
    quad = (V * V) @ (-np.sin(x) + s * dds / D) + (V @ ds) ** 2 / D
    return quad.mean()


def l3(args):
    rng = np.random.default_rng(13)
    D, S = args.n_l3, 16
    x = rng.normal(size=D)
    V = gd.backend.random_directions(x, S, "rademacher", 0)
    expected = hutchinson_numpy(x, V)
    impls = {"gdezero-collapsed": lambda: gd.laplacian(hutchinson_f, x, samples=S, seed=0),
             # the directions given, as torch's row gets them: the propagation alone
             "gdezero-collapsed-given": lambda: gd.laplacian(hutchinson_f, x, directions=V) * (1.0 / S),
             "numpy": lambda: hutchinson_numpy(x, V)}
    if torch is not None:
        tx, tV = torch.from_numpy(x), torch.from_numpy(V)

        def torch_hutchinson():  # one batched HVP: H V by a double backward with batched grads
            xr = tx.clone().requires_grad_(True)
            g, = torch.autograd.grad(hutchinson_f(xr), xr, create_graph=True)
            HV, = torch.autograd.grad(g, xr, grad_outputs=tV, is_grads_batched=True)
            return (tV * HV).sum() / S
        impls["pytorch-hvp"] = torch_hutchinson
    case = Case("L3", f"stochastic Laplacian, D = {D}, {S} Rademacher directions", expected, impls,
                number=1, rtol=1e-9, atol=1e-9)
    peak = traced_peak(impls["gdezero-collapsed"]) / x.nbytes
    case.notes["gdezero-collapsed"] = {"peak_x": peak, "text": f"peak {peak:.1f} x the size of x"}
    return case

WORKLOADS = {"W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5, "W6": w6, "W7": w7,
             "B1": b1, "B2": b2, "B3": b3, "B4": b4, "L1": l1, "L2": l2, "L3": l3}


# ============================================================================ W8: HVP on a Dask cluster
def rosenbrock_hvp_dask(x, p):
    """rosenbrock_hvp_numpy on Dask arrays, block by block: each block with one element of
    each neighbour (map_overlap's halo) is exact on the block itself (H is tridiagonal)."""
    import dask.array as da
    return da.map_overlap(rosenbrock_hvp_numpy, x, p, depth=1, boundary="none", dtype=x.dtype)


def w8_rows(args):
    """W8 rows: not a `Case`, since the Dask and NumPy sizes differ (1e8 against 1e7)."""
    import dask
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    def peak_mib():  # this worker process's peak resident set size, MiB
        try:  # Linux's VmHWM: ru_maxrss would also count this script's memory, from before exec
            with open("/proc/self/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def inputs():  # lazy: generated block by block on the workers, inside each pass's graph
        rng = da.random.default_rng(0)
        return rng.uniform(-2, 2, n, chunks=chunk), rng.standard_normal(n, chunks=chunk)

    n, chunk = args.n_dask, args.dask_chunk
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      memory_limit=0) as cluster, Client(cluster) as client:
        start_peaks = client.run(peak_mib)
        samples = []
        for _ in range(args.dask_repeats):
            # one pass, as examples/rosenbrock_dask.py: x and v are never persisted, so the
            # scheduler streams their blocks through the HVP and the check (0.8 GB of x and v
            # per worker at n = 1e8 would otherwise stay in memory throughout)
            x, v = inputs()
            start = time.perf_counter()
            hv = gd.hvp(rosenbrock, x, v).data
            exact = rosenbrock_hvp_dask(x, v)
            error, scale = dask.compute(da.max(da.abs(hv - exact)), da.max(da.abs(exact)))
            samples.append(time.perf_counter() - start)
            relative = float(error) / float(scale)
            assert relative <= 1e-12, f"W8/gdezero-dask: relative error {relative:.3g} > 1e-12"
        peaks = sorted(client.run(peak_mib).values())
        x, v = inputs()  # the same pass without the HVP: what generating x, v and the check cost
        start = time.perf_counter()
        dask.compute(da.max(da.abs(rosenbrock_hvp_dask(x, v))))
        without_hvp = time.perf_counter() - start
    text = (f"n={n:.0e}, chunk {chunk:.0e}, one pass (x, v generated on the workers + HVP + check; "
            f"{without_hvp:.3g} s of it without the HVP), rel. error {relative:.2g}; worker peak "
            f"{' / '.join(f'{p / 1024:.2f}' for p in peaks)} GiB (bare worker: "
            f"{' / '.join(f'{p / 1024:.2f}' for p in sorted(start_peaks.values()))} GiB)")
    rows = [{"workload": "W8", "title": "Rosenbrock HVP on Dask", "impl": "gdezero-dask",
             "min_s": min(samples), "median_s": statistics.median(samples), "samples_s": samples,
             "calls_per_sample": 1, "worker_peak_mib": peaks, "relative_error": relative,
             "without_hvp_s": without_hvp, "text": text}]

    n_np = min(n, args.n_numpy_w8)
    rng = np.random.default_rng(0)
    x0, v0 = rng.uniform(-2, 2, n_np), rng.standard_normal(n_np)
    check("W8", "gdezero", gd.hvp(rosenbrock, x0, v0), rosenbrock_hvp_numpy(x0, v0), rtol=1e-9, atol=1e-8)
    samples = measure(lambda: gd.hvp(rosenbrock, x0, v0), args.dask_repeats, warmup=0)
    peak = traced_peak(lambda: gd.hvp(rosenbrock, x0, v0))
    rows.append({"workload": "W8", "title": "Rosenbrock HVP on NumPy", "impl": "gdezero",
                 "min_s": min(samples), "median_s": statistics.median(samples), "samples_s": samples,
                 "calls_per_sample": 1, "peak_bytes": peak,
                 "text": f"NumPy, one process, n={n_np:.0e}: peak {peak / 2 ** 30:.2f} GiB (tracemalloc)"})
    return rows


# ============================================================================ driver
def fmt_time(seconds):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def run_case(case, repeats):
    rows = []
    for impl, fn in case.impls.items():
        check(case.name, impl, fn(), case.expected, case.rtol, case.atol)
        samples = measure(fn, case.repeats or repeats, case.number, case.warmup)
        rows.append({"workload": case.name, "title": case.title, "impl": impl,
                     "min_s": min(samples), "median_s": statistics.median(samples),
                     "samples_s": samples, "calls_per_sample": case.number,
                     **{k: v for k, v in case.notes.get(impl, {}).items()}})
    best = {r["impl"]: r["min_s"] for r in rows}
    torch_best = min([t for impl, t in best.items() if impl.startswith("pytorch")], default=None)
    for r in rows:
        if r["impl"].startswith("gdezero"):
            if "numpy" in best:
                r["ratio_numpy"] = r["min_s"] / best["numpy"]
            if torch_best is not None:  # against PyTorch's best implementation
                r["ratio_pytorch"] = r["min_s"] / torch_best
    return rows


def fmt_ratio(row, key):
    return f"{row[key]:.2f}x" if key in row else ""


def print_table(rows):
    header = ("workload", "impl", "min", "median", "gd/NumPy", "gd/PyTorch", "notes")
    lines = [header]
    for r in rows:
        lines.append((r["workload"], r["impl"], fmt_time(r["min_s"]), fmt_time(r["median_s"]),
                      fmt_ratio(r, "ratio_numpy"), fmt_ratio(r, "ratio_pytorch"), r.get("text", "")))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    for i, line in enumerate(lines):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths)) + f" | {line[-1]} |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|---|")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="CI sizes: small n, few repeats")
    p.add_argument("--n-points", type=int, help="W3 points (default 1e6; quick 1e4)")
    p.add_argument("--n-rosen", type=int, help="W4 Rosenbrock size (default 1e6; quick 1e4)")
    p.add_argument("--newton-steps", type=int, help="W6 steps (default 20000; quick 2000)")
    p.add_argument("--repeats", type=int, help="timing samples per implementation (default 7; quick 3)")
    p.add_argument("--inner", type=int, help="calls per sample for W1/W2 (default 200; quick 20)")
    p.add_argument("--n-taylor", type=int, help="W7 points (default 1e5; quick 1e4)")
    p.add_argument("--max-order", type=int, help="W5's highest order (default 30; quick 30)")
    p.add_argument("--cap", type=float, help="seconds one nested-reverse run may take before the "
                                             "next order is skipped (default 3; quick 0.1)")
    p.add_argument("--n-hessian", type=int, nargs="+", help="B1 sizes (default 100 1000; quick 100)")
    p.add_argument("--n-samples", type=int, help="B3 samples (default 1000; quick 100)")
    p.add_argument("--n-b4", type=int, help="B4 elements of X (default 1e6; quick 1e4)")
    p.add_argument("--l1-sizes", type=int, nargs=2, action="append", metavar=("D", "H"),
                   help="L1 input and hidden sizes (default 10 64 and 50 128; quick 10 64)")
    p.add_argument("--n-points-l1", type=int, help="L1 points (default 256; quick 32)")
    p.add_argument("--n-points-l2", type=int, help="L2 points (default 64; quick 8)")
    p.add_argument("--n-l3", type=int, help="L3 dimension (default 1e5; quick 1e3)")
    p.add_argument("--only", nargs="+", choices=sorted(WORKLOADS) + ["W8"],
                   help="run only these workloads (W8 here implies --w8: --only W8 runs it alone)")
    p.add_argument("--json", metavar="PATH", help="write the raw numbers here")
    p.add_argument("--w8", action="store_true",
                   help="also W8: a Dask HVP at n = 1e8 on 2 worker processes (minutes; needs gdezero[dask])")
    p.add_argument("--n-dask", type=int, help="W8 Dask size (default 1e8; quick 1e6)")
    p.add_argument("--dask-chunk", type=int, help="W8 elements per chunk (default 1e6; quick 1e5)")
    p.add_argument("--n-numpy-w8", type=int, default=10**7, help="W8 NumPy size (default 1e7)")
    p.add_argument("--dask-repeats", type=int, default=1, help="W8 timing samples (default 1)")
    args = p.parse_args(argv)
    if args.only and "W8" in args.only:
        args.w8 = True
        args.only = [name for name in args.only if name != "W8"] or ["W8"]
    defaults = dict(n_points=10**4, n_rosen=10**4, newton_steps=2000, repeats=3, inner=20,
                    n_taylor=10**4, max_order=30, cap=0.1, n_dask=10**6, dask_chunk=10**5,
                    n_hessian=[100], n_samples=100, n_b4=10**4, l1_sizes=[[10, 64]],
                    n_points_l1=32, n_points_l2=8, n_l3=10**3) \
        if args.quick else dict(n_points=10**6, n_rosen=10**6, newton_steps=20000, repeats=7,
                                inner=200, n_taylor=10**5, max_order=30, cap=3.0, n_dask=10**8,
                                dask_chunk=10**6, n_hessian=[100, 1000], n_samples=1000, n_b4=10**6,
                                l1_sizes=[[10, 64], [50, 128]], n_points_l1=256, n_points_l2=64,
                                n_l3=10**5)
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv=None):
    args = parse_args(argv)
    print(f"gdezero benchmarks: Python {platform.python_version()}, NumPy {np.__version__}, "
          f"PyTorch {torch.__version__ + ' (1 thread)' if torch is not None else 'not installed'}, "
          f"{'quick' if args.quick else 'full'} sizes, min over {args.repeats} repeats")
    rows, orders = [], None
    for name in [w for w in args.only or WORKLOADS if w in WORKLOADS]:
        case = WORKLOADS[name](args)
        if isinstance(case, Case):
            rows.extend(run_case(case, args.repeats))
            title = case.title
        else:  # measured and checked by the workload itself
            rows.extend(case)
            title = case[0]["title"]
        if name == "W5":
            orders = w5_orders(args)
        print(f"{name}: {title}: ok", flush=True)
    if args.w8:
        rows.extend(w8_rows(args))
        print("W8: Rosenbrock HVP on a Dask LocalCluster (2 workers x 1 thread): ok", flush=True)
    print()
    print_table(rows)
    if orders:
        print()
        print_orders(orders)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"args": vars(args), "numpy": np.__version__,
                       "torch": torch.__version__ if torch is not None else None, "rows": rows,
                       "w5_orders": orders}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
