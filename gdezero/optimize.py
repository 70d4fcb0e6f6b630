"""Minimisers built on gdezero's derivatives: gradient descent, Newton, Newton-CG.

`minimize` works on any Array API backend: the iterates stay on `x0`'s backend and
device, and only standard calls on its namespace are used. `'newton-cg'` needs only
Hessian-vector products, so memory stays O(n); `'newton'` forms the n x n Hessian.
On Dask the iterate (and each CG vector) is persisted once and the scalars a step needs
are computed together, so no step's task graph holds the steps before it.
`scipy_functions` adapts an objective to `scipy.optimize.minimize`.
"""
import dataclasses
import math
import numbers
import sys

import numpy as np

from gdezero.backend import get_array_module, is_array, settle, singular_matrix_errors, solve, to_numpy
from gdezero.core import Variable, as_array
from gdezero.functional import grad, hessian, scalar_output

__all__ = ["minimize", "scipy_functions", "OptimizeResult"]

METHODS = ("newton-cg", "newton", "gd")
_DEFAULT_MAX_ITER = {"gd": 10_000, "newton": 100, "newton-cg": 1_000}
_NEWTON_MAX_N = 5000
_ARMIJO_C1 = 1e-4
_MAX_HALVINGS = 60  # shrinks a step by up to 2**-60 before the line search gives up
_CG_MAX_ITER = 1000


@dataclasses.dataclass
class OptimizeResult:
    """What `minimize` returns: the point `x`, `fun` and `grad_norm` there, the iteration
    and function-evaluation counts `nit` and `nfev`, `success` with its `message`, and the
    iterates in `path`."""
    x: object  # an array on x0's backend and device
    fun: float
    grad_norm: float
    nit: int
    nfev: int
    success: bool
    message: str
    path: list = dataclasses.field(default_factory=list)  # NumPy copies of the iterates


class _Objective:
    """f checked to return a scalar, counting evaluations."""

    def __init__(self, f, xp, args):
        self.f, self.xp, self.args, self.nfev = f, xp, args, 0

    def __call__(self, x):
        self.nfev += 1
        return scalar_output(lambda x: self.f(x, *self.args), x, "minimize")

    def graph(self, x):
        """(Variable x, recorded output y, float value of y) at array `x` (persisted)."""
        xv = Variable(x)
        y = self(xv)
        return xv, y, settle((), (y.data,))[1][0]


def _line_search(obj, x, fx, slope, p):
    """Backtracking Armijo search along descent direction `p`, the full step first.

    Returns the graph at the accepted point (as `_Objective.graph`), or None when no
    step that still moves x decreases f.
    """
    xp = obj.xp
    t = 1.0
    for _ in range(_MAX_HALVINGS):
        x_new = x + t * p
        (x_new,), (unchanged,) = settle((x_new,), (xp.all(x_new == x),))
        if unchanged:  # shorter steps cannot change x either
            return None
        state = obj.graph(x_new)
        f_new = state[2]
        if math.isfinite(f_new) and f_new <= fx + _ARMIJO_C1 * t * slope:
            return state
        t *= 0.5
    return None


def _newton_direction(xp, H, g, n):
    """(-H^-1 g, its slope g . p), or None when the Hessian is singular. Only a singular
    matrix falls back: any other error (a backend's limitation, a bug) propagates."""
    try:
        d = xp.reshape(solve(xp, xp.reshape(H, (n, n)), xp.reshape(-g, (n, 1))), g.shape)
        (d,), (slope,) = settle((d,), (xp.sum(g * d),))  # a lazy solve fails here, inside the try
    except singular_matrix_errors():
        return None
    return d, slope


def _cg_steihaug(xp, hvp, g, gnorm):
    """Truncated CG on H p = -g: stops at the forcing tolerance, or on negative
    curvature with the last iterate (-g if that is the first direction). Each step
    settles its vectors, so no step's graph holds the steps before it."""
    tol = min(0.5, math.sqrt(gnorm)) * gnorm
    z = xp.zeros_like(g)
    r = g
    d = -g
    rr = gnorm * gnorm
    for j in range(min(math.prod(g.shape), _CG_MAX_ITER)):
        Bd = hvp(d)
        (d, Bd), (curvature,) = settle((d, Bd), (xp.sum(d * Bd),))
        if not curvature > 0:  # `not >` also catches a NaN curvature
            return -g if j == 0 else z
        alpha = rr / curvature
        r_new = r + alpha * Bd
        (z, r), (rr_new,) = settle((z + alpha * d, r_new), (xp.sum(r_new * r_new),))
        if math.sqrt(rr_new) <= tol:
            break
        d = (rr_new / rr) * d - r
        rr = rr_new
    return z


def _direction(method, obj, state, lr, tol):
    """(gradient, its norm, step direction, slope g . p) at `state`; the direction is
    None when the point is converged or not finite, the slope None where not computed.
    Graphs built here die on return."""
    xv, y, fx = state
    xp = obj.xp
    g_var = grad(y, xv, create_graph=method == "newton-cg")
    (g,), (gg,) = settle((g_var.data,), (xp.sum(g_var.data * g_var.data),))
    gnorm = math.sqrt(gg)
    if not (math.isfinite(fx) and math.isfinite(gnorm)) or gnorm <= tol:
        return g, gnorm, None, None
    if method == "gd":
        return g, gnorm, -lr * g, None
    if method == "newton":
        newton = _newton_direction(xp, hessian(obj, xv).data, g, math.prod(g.shape))
        return (g, gnorm, None, None) if newton is None else (g, gnorm, *newton)

    def hvp(v):  # reuses this iteration's gradient graph; v seeds its backward (v^T H = H v)
        return grad(g_var, xv, grad_outputs=v).data

    p = _cg_steihaug(xp, hvp, g, gnorm)
    return g, gnorm, p, settle((), (xp.sum(g * p),))[1][0]


def _check_max_iter(max_iter, method):
    """max_iter, or the method's default for None: a positive int, else ValueError."""
    if max_iter is None:
        return _DEFAULT_MAX_ITER[method]
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral):
        raise ValueError(f"max_iter must be a positive int (or None for the method's default), got "
                         f"{type(max_iter).__name__} {max_iter!r}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be a positive int, got {max_iter}: at least one iteration "
                         f"is needed to stop")
    return int(max_iter)


def _check_tol(tol):
    """tol as a float: a finite number >= 0, else ValueError."""
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real):
        raise ValueError(f"tol must be a finite number >= 0, got {type(tol).__name__} {tol!r}")
    if not (math.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0 (the gradient norm to stop at), got {tol}")
    return float(tol)


def _method(method):
    """method in gdezero's spelling; SciPy's ('Newton-CG') and any case are accepted."""
    name = method.lower() if isinstance(method, str) else method
    if name not in METHODS:
        raise ValueError(f"unknown method {method!r}; valid methods are "
                         + ", ".join(repr(m) for m in METHODS) + " (in any case, e.g. 'Newton-CG')")
    return name


def _start(x0):
    # As Variable data: checked, and detached from torch's own autograd. A list or other
    # array-like (not an array of a backend) becomes a NumPy array, as SciPy takes it.
    if not (isinstance(x0, Variable) or is_array(x0) or isinstance(x0, (int, float, np.generic))):
        x0 = np.asarray(x0)
    x = x0.data if isinstance(x0, Variable) else Variable(as_array(x0)).data
    xp = get_array_module(x)
    x = xp.asarray(x, copy=True)  # the caller's array is never written to or aliased
    if not xp.isdtype(x.dtype, "real floating"):
        x = xp.astype(x, xp.float64)
    return xp, x


class _Progress:
    """A tqdm bar with f and the gradient norm, or without tqdm a line every ~10%."""

    def __init__(self, method, max_iter):
        self.method, self.max_iter = method, max_iter
        self.every = max(1, max_iter // 10)
        try:
            from tqdm.auto import tqdm
        except ImportError:
            self.bar = None
        else:
            self.bar = tqdm(total=max_iter, desc=f"minimize({method})")

    def show(self, nit, fx, gnorm):
        if self.bar is not None:
            self.bar.set_postfix(f=f"{fx:.6g}", grad_norm=f"{gnorm:.3g}", refresh=False)
            self.bar.update(nit - self.bar.n)
        elif nit % self.every == 0:
            print(f"minimize({self.method}) iteration {nit}/{self.max_iter}: f = {fx:.6g}, "
                  f"grad norm = {gnorm:.3g}", file=sys.stderr)

    def close(self, message):
        if self.bar is not None:
            self.bar.close()
        else:
            print(f"minimize({self.method}): {message}", file=sys.stderr)


def minimize(f, x0, args=(), method="newton-cg", lr=1e-3, tol=1e-8, max_iter=None, callback=None,
             progress=False, keep_path=True):
    """Minimise a scalar function `f` of one array, starting from `x0`.

    Parameters
    ----------
    f : callable
        ``f(x, *args)`` takes a Variable (and `args`) and returns a scalar Variable, built
        from gdezero operations.
    x0 : array, Variable or array-like
        The start; the iterates stay on its backend and device. A list (or any other
        array-like) becomes a NumPy array.
    args : tuple, optional
        Extra arguments passed to `f` (and not differentiated), as ``scipy.optimize.minimize``
        takes them; a single non-tuple value is passed as ``(args,)``.
    method : {'newton-cg', 'newton', 'gd'}
        'newton-cg': truncated Newton on Hessian-vector products with an Armijo line
        search (O(n) memory); 'newton': explicit Hessian and a linear solve (n <= 5000;
        steepest descent where the Newton step is not a descent direction); 'gd': fixed
        steps of `lr`. Case-insensitive: SciPy's ``'Newton-CG'`` is ``'newton-cg'``.
    lr : float
        The step of 'gd'.
    tol : float
        Stop when the gradient norm is at most `tol`.
    max_iter : int, optional
        Default 10,000 for 'gd', 100 for 'newton', 1,000 for 'newton-cg'.
    callback : callable, optional
        ``callback(x)`` after every iteration.
    progress : bool
        Show a tqdm progress bar.
    keep_path : bool
        Keep NumPy copies of the iterates (x0 included) in ``path``; False for large n.

    Returns
    -------
    OptimizeResult

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero.functions as F
    >>> from gdezero.optimize import minimize
    >>> def rosenbrock(x):
    ...     return F.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    >>> res = minimize(rosenbrock, np.array([0.0, 2.0]), method="newton-cg")
    >>> res.success, np.allclose(res.x, 1.0)
    (True, True)
    """
    method = _method(method)
    if not isinstance(args, tuple):
        args = (args,)
    max_iter = _check_max_iter(max_iter, method)
    tol = _check_tol(tol)
    xp, x = _start(x0)
    n = math.prod(x.shape)
    if method == "newton":
        if n > _NEWTON_MAX_N:
            raise ValueError(f"method='newton' forms the n x n Hessian, refused for n = {n} > "
                             f"{_NEWTON_MAX_N}; use method='newton-cg' (Hessian-vector products, "
                             f"O(n) memory)")
        if not hasattr(getattr(xp, "linalg", None), "solve"):
            raise ValueError(f"method='newton' needs the Array API linalg extension "
                             f"(linalg.solve), which {xp.__name__} lacks; use method='newton-cg'")
    obj = _Objective(f, xp, args)
    path = [np.array(to_numpy(x))] if keep_path else []
    bar = _Progress(method, max_iter) if progress else None
    state = obj.graph(settle((x,))[0][0])
    nit = 0
    while True:
        fx = state[2]
        g, gnorm, p, slope = _direction(method, obj, state, lr, tol)
        if bar is not None:
            bar.show(nit, fx, gnorm)
        if not (math.isfinite(fx) and math.isfinite(gnorm)):
            success, message = False, (f"f or its gradient is not finite at iteration {nit} "
                                       f"(f = {fx}, gradient norm = {gnorm})")
            break
        if gnorm <= tol:
            success, message = True, f"gradient norm {gnorm:.3g} <= tol {tol:.3g}"
            break
        if nit == max_iter:
            success, message = False, (f"max_iter = {max_iter} iterations reached (gradient "
                                       f"norm {gnorm:.3g} > tol {tol:.3g})")
            break
        x = state[0].data
        if method == "gd":
            state = obj.graph(settle((x + p,))[0][0])
        else:
            if p is None or not slope < 0:  # not a descent direction: steepest descent
                p, slope = -g, -gnorm * gnorm
            state = _line_search(obj, x, fx, slope, p)
            if state is None:
                state = obj.graph(x)
                success, message = False, (
                    f"the line search found no step that decreases f at iteration {nit} "
                    f"(gradient norm {gnorm:.3g}): f may be non-smooth there, its gradient "
                    f"wrong, or tol below what f's precision can resolve")
                break
        nit += 1
        if keep_path:
            path.append(np.array(to_numpy(state[0].data)))
        if callback is not None:
            callback(state[0].data)
    if bar is not None:
        bar.close(message)
    return OptimizeResult(x=state[0].data, fun=state[2], grad_norm=gnorm, nit=nit,
                          nfev=obj.nfev, success=success, message=message, path=path)


def scipy_functions(f):
    """``(fun, jac, hessp)`` for ``scipy.optimize.minimize(fun, x0, jac=jac, hessp=hessp)``.

    They take NumPy float64 arrays and return a Python float / NumPy float64 arrays. The
    graph of the last point is cached, so `jac` after `fun` at the same x (as SciPy
    calls them) and repeated `hessp` calls at one x do not re-run f.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.optimize
    >>> import gdezero.functions as F
    >>> from gdezero.optimize import scipy_functions
    >>> fun, jac, hessp = scipy_functions(lambda x: F.sum((x - 3.0) ** 2))
    >>> res = scipy.optimize.minimize(fun, np.zeros(2), jac=jac, hessp=hessp, method="trust-ncg")
    >>> np.round(res.x, 8)
    array([3., 3.])
    """
    cache = {}

    def at(x, create_graph=False):
        if "x" not in cache or not np.array_equal(cache["x"], x):
            xv = Variable(np.array(x, dtype=np.float64))
            cache.clear()
            cache.update(x=xv.data, xv=xv, y=scalar_output(f, xv, "scipy_functions"))
        if create_graph and "g" not in cache:
            cache["g"] = grad(cache["y"], cache["xv"], create_graph=True)
        return cache

    def fun(x):
        return float(np.reshape(to_numpy(at(x)["y"].data), ()))

    def jac(x):
        c = at(x)
        g = c["g"] if "g" in c else grad(c["y"], c["xv"])
        return np.array(to_numpy(g.data), dtype=np.float64)

    def hessp(x, p):
        c = at(x, create_graph=True)
        v = np.asarray(p, dtype=np.float64)
        return np.array(to_numpy(grad(c["g"], c["xv"], grad_outputs=v).data), dtype=np.float64)

    return fun, jac, hessp
