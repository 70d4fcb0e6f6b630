"""Differential operators by collapsed Taylor mode: `laplacian` and `bilaplacian`.

A Laplacian is a sum over directions ``v_r`` of second directional derivatives
``v_r^T H v_r``: twice the top coefficient of the series ``f(x + v_r t)`` at order 2. The
collapsed propagation (Dangel, Siebert, Zeinhofer, Walther, "Collapsing Taylor Mode
Automatic Differentiation", 2025) pushes all directions through the recorded graph of
``f(x)`` in one pass, with the primal computed once and the top coefficient carried
*summed* over the directions, which is possible because it is linear in the inputs' top
coefficients. Each Variable's jet is ``(low, top)``: ``low`` stacks its coefficients of
orders ``1..K-1`` for every direction (order-major, ``((K-1) R, *shape)``), ``top`` the
weighted sum over directions of its order-K coefficients (its primal is the recorded value).

A node moves a jet by the first rule that fits it:

- linear in its varying inputs (``linear_in``, e.g. add, reshape, sum, matmul by a
  constant): its batching rule on ``low`` (the directions are a batch axis), its plain
  call on ``top``; so a layer costs ``R + 1`` products where the standard layout costs
  ``K R``;
- elementwise with one varying input: ``f(x0 + d) = sum_p c_p d^p``, with ``c_p`` the op's
  own univariate Taylor coefficients at ``x0`` (from its `taylor` rule along a unit
  direction, or nested backward passes when the result must be differentiable);
- bilinear (mul, matmul of two varying operands): the Cauchy product, by batching rules;
- anything else: the op's `taylor` rule once per direction (nested backward passes with
  `create_graph`).

The rules are written with gdezero ops, so with ``create_graph=True`` the result is a
Variable differentiable with respect to the Variables `f` closes over; otherwise they run
under `no_grad` and the result carries no graph.
"""
from __future__ import annotations

import contextlib
import math
import operator
from collections.abc import Callable

from gdezero import backend
from gdezero.backend import is_array
from gdezero.batching import apply_rule, batched_in, fresh, lift
from gdezero.core import UNRECORDED, Add, Function, Variable, VariableLike, as_variable, no_grad, using_config
from gdezero.ops.reductions import sum as _sum
from gdezero.ops.shapes import concatenate, get_item, reshape, stack, transpose
from gdezero.taylor import series as S
from gdezero.taylor.modes import _nested
from gdezero.taylor.propagation import has_rule, push, takes_linear

__all__ = ["laplacian", "bilaplacian"]

_DISTRIBUTIONS = ("rademacher", "normal", "coordinate")


# ============================================================================ public API
def laplacian(f: Callable[[Variable], Variable], x: VariableLike, directions: VariableLike | None = None,
              samples: int | None = None, distribution: str = "rademacher",
              seed: int | None = None, create_graph: bool = False) -> Variable:
    """Return the Laplacian of `f` at `x`: ``sum_i d^2 f / dx_i^2`` over every entry of `x`.

    One pass of collapsed Taylor mode: the primal is computed once and the second-order
    coefficients are carried summed over the directions.

    Parameters
    ----------
    f : callable
        Takes one Variable of `x`'s shape and returns one Variable (any shape: the
        Laplacian is taken per output entry).
    x : Variable or array
        The point, of a floating dtype.
    directions : array or Variable, optional
        Shape ``(R, *x.shape)``: return ``sum_r v_r^T H v_r`` instead (a weighted Laplacian
        ``tr(S S^T H)`` takes the columns of ``S`` as directions).
    samples : int, optional
        Return the unbiased stochastic estimate ``(1/S) sum_r v_r^T H v_r`` from this many
        random directions (Hutchinson's estimator of the trace) instead.
    distribution : {"rademacher", "normal", "coordinate"}, default "rademacher"
        The law of the random directions: random signs, standard normals, or random basis
        vectors scaled by ``sqrt(n)``.
    seed : int, optional
        Seeds the random directions (NumPy's generator: the same on every backend).
    create_graph : bool, default False
        Record the computation, so that the result is differentiable with respect to the
        Variables `f` closes over (a physics-informed loss), to `x` and to `directions`
        given as a Variable.

    Returns
    -------
    Variable
        Of `f(x)`'s shape, backend, device and dtype.

    Raises
    ------
    ValueError
        For directions of the wrong shape, both `directions` and `samples`, a bad `samples`,
        `seed` or `distribution`.
    TypeError
        When `x` is not floating-point, `directions` is not an array, or `f` does not
        return one Variable.

    See Also
    --------
    bilaplacian : the Laplacian of the Laplacian.
    vmap : ``vmap(lambda p: laplacian(u, p))(X)`` gives the Laplacian at each point of a batch.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> f = lambda x: F.sum(x ** 3)                  # Laplacian 6 (x_0 + x_1 + x_2)
    >>> gd.laplacian(f, np.array([1.0, 2.0, 3.0]))
    variable(36.0)
    >>> u = lambda p: F.sin(p[0]) * F.exp(p[1])       # harmonic? no: (-1 + 1) sin e^y = 0
    >>> float(gd.laplacian(u, np.array([0.3, 0.2])).data) == 0.0
    True
    """
    if directions is not None and samples is not None:
        raise ValueError("laplacian: give directions or samples, not both")
    if distribution not in _DISTRIBUTIONS:
        raise ValueError(f"laplacian: distribution must be one of {_DISTRIBUTIONS}, got "
                         f"{distribution!r}")
    if samples is not None:
        count = _integer(samples)
        if count is None or count < 1:
            raise ValueError(f"laplacian: samples must be a positive int, got {samples!r}")
        samples = count
    if seed is not None and _integer(seed) is None:
        raise ValueError(f"laplacian: seed must be an int or None, got {seed!r}")
    weights = 1.0 / samples if samples is not None else 1.0
    if batched_in(x, directions):  # inside vmap: the same directions for every example
        V = directions if batched_in(directions) else as_variable(
            _laplacian_directions(_example(x, "laplacian"), directions, samples, distribution, seed))
        return lift(lambda g, xb, vb: _operator(g, xb, _batch_second(vb), weights, 2, create_graph),
                    f, x, V)
    V = _laplacian_directions(_example(x, "laplacian"), directions, samples, distribution, seed)
    return _operator(f, x, V, weights, 2, create_graph)


def bilaplacian(f: Callable[[Variable], Variable], x: VariableLike,
                create_graph: bool = False) -> Variable:
    """Return the biharmonic ``Delta^2 f = sum_ij d^4 f / dx_i^2 dx_j^2`` of `f` at `x`.

    One pass of collapsed Taylor mode at order 4 along ``n^2`` directions (``e_i`` and
    ``e_i +- e_j``): the mixed partials come from univariate series by the interpolation of
    Griewank, Utke and Walther (Math. Comp. 2000),
    ``Delta^2 f = (4 - n)/3 sum_i D^4_{e_i} f + 1/6 sum_{i<j} (D^4_{e_i+e_j} f + D^4_{e_i-e_j} f)``.

    Parameters
    ----------
    f : callable
        Takes one Variable of `x`'s shape and returns one Variable.
    x : Variable or array
        The point, of a floating dtype.
    create_graph : bool, default False
        Record the computation, so that the result is differentiable again.

    Returns
    -------
    Variable
        Of `f(x)`'s shape.

    See Also
    --------
    laplacian

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> f = lambda p: (p[0] * p[1]) ** 2              # Delta^2 (x^2 y^2) = 8
    >>> float(gd.bilaplacian(f, np.array([0.5, -1.5])).data)
    8.0
    """
    V, w = _bilaplacian_directions(_example(x, "bilaplacian"))
    if batched_in(x):
        return lift(lambda g, xb, vb: _operator(g, xb, _batch_second(vb), w, 4, create_graph),
                    f, x, as_variable(V))
    return _operator(f, x, V, w, 4, create_graph)


# ============================================================================ directions
def _integer(value):
    """`value` as an int when it is an integer (NumPy's too, never a bool), else None."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def _example(x, who):
    """The data of one example of `x` (inside vmap, the first of the batch), checked."""
    if batched_in(x):
        data = x.value.data[0, ...]
    else:
        data = x.data if isinstance(x, Variable) else x
    if not is_array(data):
        raise TypeError(f"{who}: x must be an array or a Variable, got {type(x).__name__}")
    xp = backend.namespace_of_type(data)
    if not xp.isdtype(data.dtype, "real floating"):
        raise TypeError(f"{who} needs a floating-point x, got dtype {data.dtype}; convert it "
                        f"first, e.g. xp.astype(x, xp.float64)")
    return data


def _basis(x):
    """The unit vectors e_i of `x`'s shape, stacked: (n, *x.shape)."""
    xp = backend.namespace_of_type(x)
    n = math.prod(x.shape)
    eye = xp.eye(n, dtype=x.dtype, device=backend.device_of(x))
    return xp.reshape(eye, (n,) + tuple(x.shape))


def _laplacian_directions(x, directions, samples, distribution, seed):
    if samples is not None:
        return backend.random_directions(x, samples, distribution, seed)
    if directions is None:
        return _basis(x)
    V = directions.data if isinstance(directions, Variable) else directions
    if not is_array(V):
        raise TypeError(f"laplacian: directions must be an array or a Variable of shape (R, "
                        f"*x.shape) on x's backend, got {type(directions).__name__}; convert it "
                        f"first, e.g. xp.asarray(directions)")
    backend.check_operands((V, x), "laplacian: directions and x")
    if V.ndim != x.ndim + 1 or tuple(V.shape[1:]) != tuple(x.shape):
        raise ValueError(f"laplacian: directions has shape {tuple(V.shape)}, expected (R, "
                         f"*x.shape) = (R, {', '.join(map(str, x.shape))}) for x of shape "
                         f"{tuple(x.shape)}")
    return directions if isinstance(directions, Variable) else V  # a Variable keeps its graph


def _bilaplacian_directions(x):
    """The n^2 directions e_i, e_i + e_j, e_i - e_j (i < j) and their weights (see bilaplacian)."""
    xp = backend.namespace_of_type(x)
    E = _basis(x)
    n = E.shape[0]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    rows = [E] + ([xp.stack([E[i, ...] + E[j, ...] for i, j in pairs]),
                   xp.stack([E[i, ...] - E[j, ...] for i, j in pairs])] if pairs else [])
    weights = xp.asarray([(4.0 - n) / 3.0] * n + [1.0 / 6.0] * (2 * len(pairs)), dtype=x.dtype,
                         device=backend.device_of(x))
    return xp.concat(rows, axis=0), weights


def _batch_second(V):
    """Directions made whole by `lift`, (B, R, *shape), with the direction axis first."""
    return transpose(V, (1, 0) + tuple(range(2, V.ndim)))


# ============================================================================ the propagation
def _operator(f, x, V, weights, K, create_graph, collapse=True):
    """The weighted sum over directions v_r (rows of V) of the order-K coefficient of
    f(x + v_r t), times K!. `collapse=False` carries every direction's order-K coefficient
    instead of their sum (the standard layout, for the benchmarks' comparison)."""
    if isinstance(x, Variable) and create_graph:
        leaf = x  # the result is differentiable in x too
    else:
        leaf = Variable(x.data if isinstance(x, Variable) else x)
    with using_config("enable_backprop", True):
        y = f(leaf)
    if not isinstance(y, Variable):
        raise TypeError(f"f must return one Variable, got {type(y).__name__}")
    context = contextlib.nullcontext() if create_graph else no_grad()
    with context:
        V = V if isinstance(V, Variable) else Variable(V)
        if isinstance(weights, float):
            w = weights
        else:
            w = weights if isinstance(weights, Variable) else Variable(weights)
        R = V.shape[0]
        xp = leaf.xp
        rules = _Rules(K, R, w, create_graph, collapse)
        zeros = Variable(xp.zeros(((rules.levels - 1) * R,) + tuple(leaf.shape), dtype=leaf.dtype,
                                  device=leaf.device))
        low = V if rules.levels == 1 else concatenate([V, zeros], axis=0)
        top = Variable(xp.zeros_like(leaf.data)) if collapse else None
        jet, = push([y], {leaf: (low, top)}, rules.step, rules.check)
        if jet is None:  # f does not depend on x
            result = Variable(xp.zeros_like(y.data))
        else:
            top = jet[1] if collapse else rules.weighted_sum(rules.orders(jet[0])[K - 1])
            result = top * float(math.factorial(K))
    if not create_graph:
        result = Variable(result.data)
        result.generation = UNRECORDED  # no graph: differentiating it raises, not zeros
    return result


class _Rules:
    """How a node moves jets, for order K, R directions and weights w (see the module)."""

    def __init__(self, K, R, w, create_graph, collapse=True):
        self.K, self.R, self.w, self.create_graph, self.collapse = K, R, w, create_graph, collapse
        self.levels = K - 1 if collapse else K  # the orders `low` holds per direction

    def check(self, active):
        for f in active:
            if len(f.outputs) != 1:
                raise NotImplementedError(f"laplacian: {type(f).__name__} has several outputs; "
                                          f"collapsed Taylor mode handles one-output ops")

    def step(self, f, jets):
        varying = [i for i, j in enumerate(jets) if j is not None]
        linear_in = getattr(f, "linear_in", ())
        if linear_in == "all" or (len(varying) == 1 and varying[0] in linear_in):
            return self.linear(f, jets, keep_constants=linear_in != "all")
        if len(varying) == 1 and getattr(f, "batch_rule", None) == "elementwise":
            return self.compose(f, varying[0], jets)
        if len(varying) == 2 and linear_in == (0, 1):
            return self.bilinear(f, jets)
        return self.per_direction(f, jets)

    def weighted_sum(self, Z):
        """sum_r w_r Z_r over the leading (direction) axis."""
        w = self.w
        if isinstance(w, float):
            total = _sum(Z, axis=0)
            return total if w == 1.0 else total * w
        return _sum(Z * reshape(w, (self.R,) + (1,) * (Z.ndim - 1)), axis=0)

    def orders(self, low):
        """low's rows as one (R, ...) Variable per order it holds."""
        R = self.R
        if self.levels == 1:
            return [low]
        return [get_item(low, slice(k * R, (k + 1) * R)) for k in range(self.levels)]

    def stacked(self, rows):
        return rows[0] if len(rows) == 1 else concatenate(rows, axis=0)

    def linear(self, f, jets, keep_constants):
        """A linear op: rows map by the batching rule; a constant adds nothing past row 0."""
        varying = [(x, j) for x, j in zip(f.inputs, jets) if j is not None]
        if type(f) is Add and len(varying) == 1 and varying[0][0].shape == f.outputs[0]().shape:
            return varying[0][1]  # x + c, c constant: the rows pass through

        def fixed(x):
            return x if keep_constants else Variable(x.xp.zeros_like(x.data))
        low = apply_rule(f, [fixed(x) if j is None else j[0] for x, j in zip(f.inputs, jets)],
                         [j is not None for j in jets])
        if not self.collapse:
            return low, None
        top = fresh(f)(*[fixed(x) if j is None else j[1] for x, j in zip(f.inputs, jets)])
        return low, top

    def compose(self, f, i, jets):
        """An elementwise op of one varying input: y(x0 + d) = sum_p c_p d^p."""
        K = self.K
        low, top = jets[i]
        x, y = f.inputs[i], f.outputs[0]()
        c = self.coefficients(f, i)
        # the directions' rows, aligned with the output's axes (the input may broadcast)
        d = reshape(low, (low.shape[0],) + (1,) * (y.ndim - x.ndim) + tuple(x.shape))
        deltas = self.orders(d)
        power = dict(enumerate(deltas, start=1))  # [d^1]_m, m = 1..K-1
        ys = [c[0] * delta for delta in deltas]
        top_out = c[0] * top if self.collapse else None
        for p in range(2, K + 1):
            power = {m: _total([deltas[j - 1] * power[m - j] for j in range(1, m - p + 2)
                                if m - j in power]) for m in range(p, K + 1)}
            for m in range(p, self.levels + 1):
                ys[m - 1] = ys[m - 1] + c[p - 1] * power[m]
            if self.collapse:
                top_out = top_out + c[p - 1] * self.weighted_sum(power[K])
        return self.stacked(ys), top_out

    def coefficients(self, f, i):
        """c_1..c_K of f along a unit direction of input i, at the recorded point."""
        x = f.inputs[i]
        if self.create_graph and has_rule(f) and all(
                u._constant for k, u in enumerate(f.inputs) if k != i):
            return [_Coefficient(f, i, k)(x) for k in range(1, self.K + 1)]
        unit = [[Variable(x.xp.ones_like(x.data))] if k == i else None for k in range(len(f.inputs))]
        return self.series(f, unit, self.K, unit=True)[1:]

    def bilinear(self, f, jets):
        """A bilinear op of two varying inputs: the Cauchy product, direction by direction."""
        K = self.K
        (low_a, top_a), (low_b, top_b) = jets
        a0, b0 = f.inputs
        A, B = self.orders(low_a), self.orders(low_b)

        def product(a, batched_a, b, batched_b):
            return apply_rule(f, [a, b], [batched_a, batched_b])

        ys = []
        for m in range(1, self.levels + 1):
            terms = [product(a0, False, B[m - 1], True), product(A[m - 1], True, b0, False)]
            terms += [product(A[i - 1], True, B[m - i - 1], True) for i in range(1, m)]
            ys.append(_total(terms))
        if not self.collapse:
            return self.stacked(ys), None
        cross = _total([product(A[i - 1], True, B[K - i - 1], True) for i in range(1, K)])
        top = fresh(f)(a0, top_b) + fresh(f)(top_a, b0) + self.weighted_sum(cross)
        return self.stacked(ys), top

    def per_direction(self, f, jets):
        """Any other op: its series along each direction (the top row's linear part, J x_K,
        once for the summed top)."""
        K, R, levels = self.K, self.R, self.levels
        rows, tops = [], []
        for r in range(R):
            series = [None if j is None else [get_item(j[0], k * R + r) for k in range(levels)]
                      for j in jets]
            s = self.series(f, series, K)
            rows.append(s[1:levels + 1])
            tops.append(s[K])
        ys = [stack([rows[r][m] for r in range(R)]) for m in range(levels)]
        if not self.collapse:
            return self.stacked(ys), None
        linear = self.series(f, [None if j is None else [j[1]] for j in jets], 1)[1]
        return self.stacked(ys), linear + self.weighted_sum(stack(tops))

    def series(self, f, coefficients, n, unit=False):
        """y_0..y_n of f(x0 + sum_k a_k t^k) for the given coefficients a_1.. of each
        varying input (None: constant): the op's Taylor rule, or nested backward passes."""
        if has_rule(f) and not self.create_graph:
            arrays = [None if a is None else [u.data for u in a] for a in coefficients]
            return [Variable(y) for y in _rule_series(f, arrays, n, unit)]
        x0 = next(x for x, a in zip(f.inputs, coefficients) if a is not None)
        t = Variable(x0.xp.zeros((), dtype=x0.dtype, device=x0.device))
        with using_config("enable_backprop", True):
            args = [x if a is None else x + _total([u * t ** (k + 1) for k, u in enumerate(a)])
                    for x, a in zip(f.inputs, coefficients)]
            derivatives = _nested(fresh(f)(*args), t, n)
        return [derivatives[k] * (1.0 / math.factorial(k)) for k in range(n + 1)]


def _rule_series(f, coefficients, n, unit=False):
    """[y_0, ..., y_n] (arrays) of t -> f(x0 + sum_k a_k t^k) at the inputs of recorded node
    `f`, by its own Taylor rule: coefficients[k] lists input k's arrays a_1.. (None: a
    constant input). `unit`: one input moves as x + t, the rules' one-product fast path."""
    xs = []
    for x, a in zip(f.inputs, coefficients):
        if a is None:
            xs.append(S.constant(x.data))
            continue
        zeros = x.xp.zeros((n - len(a),) + tuple(x.shape), dtype=x.dtype, device=x.device)
        xs.append(x.xp.concat([S.constant(x.data)] + [S.constant(u) for u in a] + [zeros]))
    if unit and len(xs) == 1 and takes_linear(f):
        s = f.taylor(*xs, linear=True)
    else:
        s = f.taylor(*xs)
    s = S.pad(s, n + 1)
    return [s[k, ...] for k in range(n + 1)]


class _Coefficient(Function):
    """c_k(x) = f^(k)(x) / k! for an elementwise op f of input i (the others constant), from
    f's Taylor rule; differentiable to any order, since d c_k / dx = (k + 1) c_{k+1}."""
    batch_rule = "elementwise"

    def __init__(self, op, i, k):
        self.op, self.i, self.k = op, i, k

    def forward(self, x):
        g = fresh(self.op)  # f recorded at x (its rule reads its output), the others as they were
        with using_config("enable_backprop", True):
            y = g(*[Variable(x) if k == self.i else u for k, u in enumerate(self.op.inputs)])
            x0 = g.inputs[self.i]
            unit = [[x0.xp.ones_like(x)] if k == self.i else None for k in range(len(g.inputs))]
            c = _rule_series(g, unit, self.k, unit=True)[self.k]
        del y
        return c

    def backward(self, gy):
        return gy * (_Coefficient(self.op, self.i, self.k + 1)(self.inputs[0]) * float(self.k + 1))


def _total(terms):
    return sum(terms[1:], terms[0])
