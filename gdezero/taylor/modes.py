"""Forward mode and Taylor mode: jvp, taylor, derivatives.

`f` runs once with recording on; then truncated Taylor series (stacked coefficient arrays
of shape (K+1, *shape), see `gdezero.taylor.series`) are pushed through the recorded nodes in
generation order, each node's `taylor` rule mapping its inputs' series to its outputs'.
The cost is O(K^2) array work per node, with no graph growth, where nested reverse mode
grows its graph about 2.8x per order. An input that does not depend on the seeded inputs
reaches a rule as a one-row (constant) series; a node none of whose inputs depends on
them is not evaluated at all: its recorded value is its constant series.

Coefficients are propagated plain (x(t) = sum x_k t^k) and scaled by k! only at the
output, so nothing overflows and no digits are lost on the way (jax#29624).
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from gdezero import backend
from gdezero.backend import Array, device_of, is_array
from gdezero.backend import namespace_of_type as _xp
from gdezero.batching import batched_in, lift
from gdezero.core import UNRECORDED, Inputs, Outputs, Variable, VariableLike, as_variable, using_config
from gdezero.functional import grad
from gdezero.taylor import series as S
from gdezero.taylor.propagation import propagate

__all__ = ["jvp", "taylor", "derivatives"]

_METHODS = ("auto", "taylor", "reverse")


# ============================================================================ inputs and outputs
def _as_tuple(x):
    return (tuple(x), False) if isinstance(x, (tuple, list)) else ((x,), True)


def _data(x, what):
    data = x.data if isinstance(x, Variable) else x
    if not is_array(data):
        raise TypeError(f"{what} must be an array or a Variable, got {type(x).__name__}")
    return data


def _leaves(xs):
    """Fresh leaf Variables for the inputs: the walk stops there and no caller graph is touched."""
    leaves = [Variable(_data(x, "x")) for x in xs]
    for leaf in leaves:
        # Coefficients live in x's dtype: an integer x would truncate every one of them.
        if not leaf.xp.isdtype(leaf.dtype, ("real floating", "complex floating")):
            raise TypeError(f"Taylor mode needs a floating-point x, got dtype {leaf.dtype}; "
                            f"convert it first, e.g. xp.astype(x, xp.float64)")
    return leaves


def _record(f, leaves):
    with using_config("enable_backprop", True):
        y = f(*leaves)
    return y


def _outputs(y, who):
    if isinstance(y, (tuple, list)):
        return [as_variable(v) for v in y], False
    if isinstance(y, Variable) or is_array(y):
        return [as_variable(y)], True
    raise TypeError(f"{who}: f must return a Variable, an array or a tuple of them, got "
                    f"{type(y).__name__}")


def _direction(x, v, what):
    """The data of `v` for input `x` (ones when None), checked against x's shape."""
    if v is None:
        return x.xp.ones_like(x.data)
    data = _data(v, what)
    backend.check_operands((data, x.data), f"{what} and x")  # one backend: a TypeError naming it
    if tuple(data.shape) != tuple(x.shape):
        raise ValueError(f"{what} has shape {tuple(data.shape)} but x has shape "
                         f"{tuple(x.shape)}; they must match")
    return data


def _seed(x, rows):
    """The series of `x(t) = x + sum rows[k] t^(k+1)` as one stacked array."""
    xp = x.xp
    return xp.stack([x.data] + list(rows), axis=0)


def _linear_seed(x, v, n):
    """x + v t, truncated at order n: (n+1, *shape)."""
    xp = x.xp
    if n == 0:
        return S.constant(x.data)
    # zeros, then two rows: the higher rows cost no pass (and, where zeros are lazily
    # mapped pages, no memory) until a nonlinear rule reads them
    seed = xp.zeros((n + 1,) + tuple(x.shape), dtype=x.dtype, device=x.device)
    seed[0, ...] = x.data
    seed[1, ...] = v
    return seed


def _factors(n, e):
    """k! / 2^(e k) for k = 0..n, as Python floats (exact integer division, rounded once)."""
    return [math.factorial(k) / (1 << (e * k)) for k in range(n + 1)]


def _scale_exponent(n, xp, dtype):
    """0 where the factors k! of orders 0..n fit `dtype`; else e such that t = 2^e tau keeps
    the order-n coefficients in tau near 1 (~ 1/k! in t would underflow, k! overflow):
    2^e ~ (n!)^(1/n). A power of two, so the coefficients
    are scaled exactly. OverflowError when a factor k!/2^(e k) leaves `dtype`'s range."""
    info = xp.finfo(dtype)

    def fits(m, e):
        try:
            factors = _factors(m, e)
        except OverflowError:
            return False
        return all(info.smallest_normal <= c <= info.max for c in factors)

    def works(m):  # unscaled where that fits: a unit direction keeps its one-product rules
        if fits(m, 0):
            return 0
        e = round(math.lgamma(m + 1) / (m * math.log(2))) if m > 1 else 0
        return e if fits(m, e) else None

    e = works(n)
    if e is None:
        largest = next(m for m in range(n - 1, -1, -1) if works(m) is not None)
        raise OverflowError(f"derivatives: order {n} is out of reach in {dtype}: the factors "
                            f"k!/r^k that turn Taylor coefficients into derivatives leave its "
                            f"range; the largest order that works in {dtype} is {largest} (use "
                            f"float64 for more)")
    return e


def _factorials(s, n, e):
    xp = _xp(s)
    column = xp.asarray(_factors(n, e), dtype=s.dtype, device=device_of(s))
    return xp.reshape(column, (n + 1,) + (1,) * (s.ndim - 1))


def _unrecorded(data):
    """A result of Taylor mode: it has no graph, so differentiating it raises (not zeros)."""
    v = Variable(data)
    v.generation = UNRECORDED
    return v


def _rows_of(s, n, scale, e=0):
    """Variables y_0..y_n (no graph) from a series in tau = t / 2^e, zero-padded, optionally
    as derivatives in t (times k! / 2^(e k))."""
    s = S.pad(s, n + 1)
    if scale and n > 1:
        s = s * _factorials(s, n, e)
    else:
        s = _xp(s).asarray(s, copy=True)  # rows never alias a recorded value
    return [_unrecorded(s[k, ...]) for k in range(n + 1)]


# ============================================================================ public API
def jvp(f: Callable[..., Outputs], x: Inputs, v: Inputs) -> tuple[Outputs, Outputs]:
    """Return ``(f(x), J v)``: the value and the directional derivative of `f` at `x` along `v`.

    One forward pass of Taylor mode at order 1 (forward mode): the Jacobian is never formed.
    Functions without a Taylor rule fall back to reverse mode (a double vector-Jacobian
    product) with a warning naming them.

    Parameters
    ----------
    f : callable
        Takes Variables (``f(x)``, or ``f(*x)`` for a tuple `x`) and returns a Variable or
        a tuple of Variables.
    x : Variable, array or tuple of them
        The point.
    v : Variable, array or tuple of them
        The tangent: one per input, of its shape.

    Returns
    -------
    tuple
        ``(value, tangent)``: Variables, or tuples of them when `f` returns a tuple. They
        carry no graph.

    Raises
    ------
    ValueError
        When `v` does not match `x` in number or shape.

    See Also
    --------
    derivatives : higher directional derivatives.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> y, dy = gd.jvp(lambda x: x ** 3, np.array([2.0]), np.array([1.0]))
    >>> print(y, dy)
    variable([8.]) variable([12.])
    >>> _, dz = gd.jvp(lambda a, b: a * b, (np.array(2.0), np.array(3.0)), (np.array(1.0), np.array(0.0)))
    >>> print(dz)
    variable(3.0)
    """
    if batched_in(x, v):  # inside vmap
        return lift(jvp, f, x, v)
    xs, _ = _as_tuple(x)
    vs, _ = _as_tuple(v)
    if len(vs) != len(xs):
        raise ValueError(f"jvp: {len(xs)} inputs but {len(vs)} tangents; give one v per x")
    leaves = _leaves(xs)
    dirs = [_direction(xl, vi, "jvp: v") for xl, vi in zip(leaves, vs)]
    ys, single_y = _outputs(_record(f, leaves), "jvp")
    seeds = {xl: _seed(xl, [d]) for xl, d in zip(leaves, dirs)}
    try:
        results = [_rows_of(s, 1, False) for s in propagate(ys, seeds)]
    except NotImplementedError as error:
        warnings.warn(f"jvp: {error}; using reverse mode", stacklevel=2)
        results = [[_unrecorded(r.data) for r in pair]
                   for pair in _reverse_series(f, leaves, dirs, 1, len(ys))]
    values = tuple(r[0] for r in results)
    tangents = tuple(r[1] for r in results)
    return (values[0], tangents[0]) if single_y else (values, tangents)


def taylor(f: Callable[..., Variable], x: Inputs,
           series: Array | Sequence[VariableLike] | tuple[Array | Sequence[VariableLike], ...]
           ) -> list[Variable]:
    """Return the Taylor coefficients ``[y_0, ..., y_K]`` of ``t -> f(x + s_1 t + s_2 t^2 + ...)``.

    The coefficients are not scaled by ``k!``: ``y(t) = sum_k y_k t^k``, and
    ``K = len(series)``. Results carry no graph.

    Parameters
    ----------
    f : callable
        Takes a Variable (``f(*x)`` for a tuple `x`) and returns one Variable.
    x : Variable, array or tuple of them
        The point, ``x(0)``.
    series : sequence of arrays, stacked array, or tuple of them
        The input's coefficients ``[s_1, ..., s_K]``, each of `x`'s shape (a tuple of such
        sequences, one per input, for a tuple `x`).

    Returns
    -------
    list of Variable
        ``K + 1`` Variables of the output's shape; ``y_0 = f(x)``.

    Raises
    ------
    ValueError
        When the series do not match the inputs in number, length or shape.
    NotImplementedError
        When a Function reached has no Taylor rule, naming it.

    Examples
    --------
    ``exp(t)`` has the coefficients ``1 / k!``:

    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> ys = gd.taylor(F.exp, np.array(0.0), [np.array(1.0), np.array(0.0), np.array(0.0)])
    >>> np.allclose([float(y.data) for y in ys], [1.0, 1.0, 1 / 2, 1 / 6])
    True
    """
    if batched_in(x, series):  # inside vmap
        return lift(taylor, f, x, series)
    xs, single_x = _as_tuple(x)
    per_input: list[Any] = [series] if single_x else list(series)  # an array or a sequence each
    if len(per_input) != len(xs):
        raise ValueError(f"taylor: {len(xs)} inputs but {len(per_input)} series; give one "
                         f"sequence of coefficients per input")
    leaves = _leaves(xs)
    rows = []
    for xl, coeffs in zip(leaves, per_input):
        coeffs = [coeffs[k, ...] for k in range(coeffs.shape[0])] if is_array(coeffs) else list(coeffs)
        rows.append([_direction(xl, c, "taylor: a series coefficient") for c in coeffs])
    orders = {len(r) for r in rows}
    if len(orders) != 1:
        raise ValueError(f"taylor: the inputs' series have different lengths {sorted(orders)}")
    K = orders.pop()
    ys, single_y = _outputs(_record(f, leaves), "taylor")
    if not single_y:
        raise TypeError(f"taylor: f must return one Variable, got {len(ys)} outputs")
    seeds = {xl: _seed(xl, r) for xl, r in zip(leaves, rows)}
    s, = propagate(ys, seeds)
    return _rows_of(s, K, False)


def derivatives(f: Callable[..., Variable], x: Inputs, n: int, v: Inputs | None = None,
                method: str = "auto") -> list[Variable]:
    """Return ``[f(x), D f, ..., D^n f]``, with ``D^k f = d^k/dt^k f(x + t v)`` at ``t = 0``.

    With `v` = ones (the default), for an elementwise `f` these are its elementwise
    derivatives at every point at once; for any other `f` they are directional derivatives
    along `v` (never the gradient of a sum).

    Parameters
    ----------
    f : callable
        Takes a Variable (``f(*x)`` for a tuple `x`) and returns one Variable.
    x : Variable, array or tuple of them
        The point(s).
    n : int
        The highest order, ``>= 0``.
    v : Variable, array or tuple of them, optional
        The direction, of `x`'s shape; ones by default.
    method : {"auto", "taylor", "reverse"}, default "auto"
        ``"taylor"``: Taylor mode, O(n^2) per op (every Function reached needs a rule);
        ``"reverse"``: nested backward passes with ``create_graph`` (the results can be
        differentiated again); ``"auto"``: Taylor where every Function has a rule, else
        reverse with one warning naming them.

    Returns
    -------
    list of Variable
        ``n + 1`` Variables of the output's shape, backend, device and dtype. Taylor-mode
        results carry no graph.

    Raises
    ------
    ValueError
        For a bad `n`, `method` or `v`.
    NotImplementedError
        With ``method="taylor"``, naming the Functions that have no Taylor rule.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> d = gd.derivatives(lambda x: x ** 3, np.array([2.0]), 4)
    >>> [float(v.data[0]) for v in d]
    [8.0, 12.0, 12.0, 6.0, 0.0]
    >>> d = gd.derivatives(F.tanh, np.array([0.0, 0.5]), 30)
    >>> len(d), d[30].shape
    (31, (2,))
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ValueError(f"derivatives: n must be an int >= 0, got {n!r}")
    if method not in _METHODS:
        raise ValueError(f"derivatives: method must be one of {_METHODS}, got {method!r}")
    if batched_in(x, v):  # inside vmap
        return lift(lambda g, x, v: derivatives(g, x, n, v, method), f, x, v)
    xs, _ = _as_tuple(x)
    vs = (None,) * len(xs) if v is None else _as_tuple(v)[0]
    if len(vs) != len(xs):
        raise ValueError(f"derivatives: {len(xs)} inputs but {len(vs)} directions")
    if method == "reverse":
        variables = [as_variable(xi) if isinstance(xi, Variable) else Variable(_data(xi, "x"))
                     for xi in xs]
        dirs = [_direction(xv, vi, "derivatives: v") for xv, vi in zip(variables, vs)]
        return _reverse_series(f, variables, dirs, n, 1)[0]
    leaves = _leaves(xs)
    dirs = [_direction(xl, vi, "derivatives: v") for xl, vi in zip(leaves, vs)]
    ys, single_y = _outputs(_record(f, leaves), "derivatives")
    if not single_y:
        raise TypeError(f"derivatives: f must return one Variable, got {len(ys)} outputs")
    e = _scale_exponent(n, leaves[0].xp, leaves[0].dtype) if n > 1 else 0
    seeds = {xl: _linear_seed(xl, d * 2.0 ** e if e else d, n) for xl, d in zip(leaves, dirs)}
    try:
        s, = propagate(ys, seeds, dict.fromkeys(seeds, v is None and e == 0))
    except NotImplementedError as error:
        if method == "taylor":
            raise
        warnings.warn(f"derivatives(method='auto'): {error}; using method='reverse'", stacklevel=2)
        return _reverse_series(f, leaves, dirs, n, 1)[0]
    return _rows_of(s, n, True, e)


# ============================================================================ nested reverse mode
def _reverse_series(f, xs, dirs, n, n_outputs):
    """d^k/dt^k f(x + t v), k = 0..n, by nested backward passes with create_graph.

    t is a 0-d Variable; a non-scalar output's derivative in t is the double
    vector-Jacobian product d/du <u, dy/dt> (u a dummy Variable: the result is linear in u).
    Returns one list per output of f.
    """
    first = xs[0]
    t = Variable(first.xp.zeros((), dtype=first.dtype, device=first.device))
    with using_config("enable_backprop", True):
        y = f(*[x + t * d for x, d in zip(xs, dirs)])
        ys, _ = _outputs(y, "derivatives")
        if len(ys) != n_outputs:
            raise TypeError(f"derivatives: f must return {n_outputs} Variable(s), got {len(ys)}")
        return [_nested(y, t, n) for y in ys]


def _nested(y, t, n):
    out = [y]
    for _ in range(n):
        g = out[-1]
        if g.creator is None:  # no path back to t: every further derivative is zero
            out.append(Variable(g.xp.zeros_like(g.data)))
            continue
        if g.ndim == 0:
            out.append(grad(g, t, create_graph=True))
            continue
        u = Variable(g.xp.ones_like(g.data))
        s = grad(g, t, grad_outputs=u, create_graph=True)
        if s.creator is None:
            out.append(Variable(g.xp.zeros_like(g.data)))
        else:
            out.append(grad(s, u, create_graph=True))
    return out


# ============================================================================ Hessian-vector product
def hvp_forward_over_reverse(f, x, v):
    """H v of scalar `f` at `x` as the jvp of the recorded gradient graph along `v`."""
    leaf = Variable(_data(x, "x"))
    d = _direction(leaf, v, "hvp: v")
    with using_config("enable_backprop", True):
        y = f(leaf)
        if not isinstance(y, Variable) or y.size != 1:
            shape = f"shape {tuple(y.shape)}" if isinstance(y, Variable) else type(y).__name__
            raise ValueError(f"hvp needs f to return a scalar Variable (size 1), got {shape}")
        g = grad(y, leaf, create_graph=True)
    s, = propagate([g], {leaf: _seed(leaf, [d])})
    return _rows_of(s, 1, False)[1]
