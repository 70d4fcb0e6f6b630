"""Taylor propagation over a recorded graph: each node's `taylor` rule maps its inputs'
series to its outputs', in generation order (see `gdezero.taylor.series` for the kernels)."""
from __future__ import annotations

import inspect

from gdezero.backend import is_array
from gdezero.core import functions_behind
from gdezero.taylor import series as S


def has_rule(f):
    return getattr(type(f), "taylor", None) is not None


_TAKES_LINEAR: dict[type, bool] = {}


def takes_linear(f):
    """Whether f's rule has a `linear` parameter (one-input rules that run a recurrence)."""
    cls = type(f)
    takes = _TAKES_LINEAR.get(cls)
    if takes is None:
        takes = _TAKES_LINEAR[cls] = "linear" in inspect.signature(cls.taylor).parameters
    return takes


def _active(nodes, leaves):
    """The nodes whose inputs depend on `leaves`, and the Variables that do."""
    dependent, active = set(leaves), []
    for f in nodes:
        if any(x in dependent for x in f.inputs):
            active.append(f)
            for ref in f.outputs:
                out = ref()
                if out is not None:
                    dependent.add(out)
    return active, dependent


def missing_rules(active):
    names = []
    for f in active:
        name = type(f).__name__
        if not has_rule(f) and name not in names:
            names.append(name)
    return names


def _check_series(f, i, out, s):
    if not is_array(s) or tuple(s.shape[1:]) != tuple(out.shape) or s.ndim != out.ndim + 1:
        got = tuple(s.shape) if is_array(s) else type(s).__name__
        raise ValueError(
            f"{type(f).__name__}.taylor returned {got} for output {i}, expected a stacked "
            f"series of shape (K+1, *{tuple(out.shape)}) (or (1, ...) for a constant)")


def push(outputs, seeds, step, check=None):
    """Values of `outputs` pushed from {leaf Variable: value} through the recorded nodes
    behind them, in generation order: ``step(f, values)`` maps a node's inputs' values
    (None for an input that does not depend on the leaves) to its outputs' (a tuple for
    several). Nodes that do not depend on the leaves are never evaluated; an output that
    does not depend on them comes back as None. ``check(active)`` runs first on the nodes
    that will be evaluated. A value is dropped after its last reader: memory stays flat."""
    leaves = set(seeds)
    active, dependent = _active(functions_behind(outputs, leaves), leaves)
    if check is not None:
        check(active)
    uses = {}
    for f in active:
        for x in f.inputs:
            if x in dependent:
                uses[x] = uses.get(x, 0) + 1
    keep = set(outputs)
    table = dict(seeds)
    for f in active:
        ys = step(f, [table[x] if x in dependent else None for x in f.inputs])
        outs = [ref() for ref in f.outputs]
        if len(outs) == 1:
            ys = (ys,)
        for out, s in zip(outs, ys):
            if out is not None:
                table[out] = s
        for x in f.inputs:
            if x in uses:
                uses[x] -= 1
                if uses[x] == 0 and x not in keep:
                    table.pop(x, None)
    return [table.get(y) for y in outputs]


def _require_rules(active):
    missing = missing_rules(active)
    if missing:
        raise NotImplementedError(no_rule_message(missing))


def propagate(outputs, seeds, linear=None):
    """Series of `outputs` given {leaf Variable: series}; constants for outputs that do not
    depend on the leaves. Raises NotImplementedError naming Functions without a rule.

    `linear` maps leaves whose series is linear in t to True where also x_1 = 1, else False;
    a one-input rule taking `linear` gets that value when its input is such a leaf.
    """
    def step(f, series):
        xs = [S.constant(x.data) if s is None else s for x, s in zip(f.inputs, series)]
        if linear and len(xs) == 1 and f.inputs[0] in linear and takes_linear(f):
            ys = f.taylor(*xs, linear=linear[f.inputs[0]])
        else:
            ys = f.taylor(*xs)
        outs = [ref() for ref in f.outputs]
        for i, (out, s) in enumerate(zip(outs, (ys,) if len(outs) == 1 else ys)):
            if out is not None:
                _check_series(f, i, out, s)
        return ys

    found = push(outputs, seeds, step, _require_rules)
    return [S.constant(y.data) if s is None else s for y, s in zip(outputs, found)]


def no_rule_message(names):
    return (f"no Taylor rule (a `taylor` method) on {', '.join(names)}; add one beside "
            f"forward/backward, or use method='reverse' (nested backward passes)")
