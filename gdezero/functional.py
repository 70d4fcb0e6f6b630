"""Functional derivatives by reverse mode: grad, hvp, hessian, jacobian (derivatives,
jvp and taylor live in gdezero.taylor).

None of them touches a leaf's `.grad`: gradients come back as values, so a user never
needs `cleargrad()` between orders (as in JAX and torch.autograd.grad).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, overload

from gdezero import backend
from gdezero.batching import vmap
from gdezero.core import (
    UNRECORDED,
    Blocks,
    Constant,
    Inputs,
    Ones,
    Outputs,
    Variable,
    VariableLike,
    _copy_out,
    _leaf,
    _not_recorded,
    as_variable,
    backprop,
)
from gdezero.ops.shapes import reshape


def _seed(y, g):
    if g is None:
        if y.size != 1:
            raise ValueError(f"grad(): an output of shape {tuple(y.shape)} needs grad_outputs (one "
                             f"weight per element); grad can be implicitly created only for "
                             f"scalar outputs (Variable.backward() seeds ones)")
        if y._level:  # batched (vmap): the seed is one example's
            return _leaf(Ones, y.xp.ones(y.shape, dtype=y.dtype, device=y.device))
        return _leaf(Ones, backend.seed_like(y.data))
    g = g if isinstance(g, Variable) else Constant(g)
    if g.shape != y.shape:
        raise ValueError(f"grad_outputs entry of shape {tuple(g.shape)} does not match its "
                         f"output of shape {tuple(y.shape)}")
    return g


def _variables(items, role):
    """grad()'s outputs or inputs as a list of Variables; a raw array (no graph): TypeError."""
    items = [items] if isinstance(items, Variable) else items
    for v in items if isinstance(items, (list, tuple)) else [items]:
        if not isinstance(v, Variable):
            raise TypeError(f"grad(): {role} must be Variables (or a list/tuple of them), got "
                            f"{type(v).__module__}.{type(v).__qualname__}; a raw array has no graph: "
                            f"wrap the input in gd.Variable and compute the outputs from it")
    return list(items)


# One Variable in, one gradient out; a sequence in, a tuple out.
@overload
def grad(outputs: Variable | Sequence[Variable], inputs: Variable,
         grad_outputs: VariableLike | Sequence[VariableLike] | None = None, create_graph: bool = False,
         is_grads_batched: bool = False) -> Variable: ...
@overload
def grad(outputs: Variable | Sequence[Variable], inputs: Sequence[Variable],
         grad_outputs: VariableLike | Sequence[VariableLike] | None = None, create_graph: bool = False,
         is_grads_batched: bool = False) -> tuple[Variable, ...]: ...
def grad(outputs, inputs, grad_outputs=None, create_graph=False, is_grads_batched=False):
    """Return the gradients of `outputs` with respect to `inputs`, touching no `Variable.grad`.

    As ``torch.autograd.grad``: the result is the vector-Jacobian product of
    `grad_outputs` (ones by default) with the outputs' Jacobian.

    Parameters
    ----------
    outputs : Variable or sequence of Variable
        Recorded outputs to differentiate.
    inputs : Variable or sequence of Variable
        The Variables to differentiate with respect to.
    grad_outputs : Variable, array or sequence of them, optional
        One weight per output, of the output's shape; needed unless every output is a
        scalar (then ones).
    create_graph : bool, default False
        Record the backward pass, so the gradients can be differentiated again.
    is_grads_batched : bool, default False
        Each `grad_outputs` entry has a leading batch axis: the result is the batch of
        vector-Jacobian products (with that axis too), from one batched backward pass.

    Returns
    -------
    Variable or tuple of Variable
        One Variable when `inputs` is a single Variable, else a tuple, one per input. An
        input that no output depends on gets zeros of its shape. The results never alias
        another Variable.

    Raises
    ------
    TypeError
        When an output or input is not a Variable (a raw array has no graph).
    RuntimeError
        When an output was not recorded (computed under `no_grad`, or a gradient made with
        ``create_graph=False``).
    ValueError
        When `grad_outputs` does not match the outputs in number or shape, or is missing
        for an output that is not a scalar.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> x = gd.Variable(np.array(2.0))
    >>> y = x ** 3
    >>> gx = gd.grad(y, x, create_graph=True)
    >>> print(gx, gd.grad(gx, x))
    variable(12.0) variable(12.0)
    >>> a, b = gd.Variable(np.array(1.0)), gd.Variable(np.array(3.0))
    >>> gd.grad(a * b, [a, b])
    (variable(3.0), variable(1.0))
    """
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, create_graph)
    single = isinstance(inputs, Variable)
    inputs = _variables(inputs, "inputs")
    outputs = _variables(outputs, "outputs")
    for y in outputs:
        if y.generation == UNRECORDED:
            raise _not_recorded("grad()")
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Variable) or not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad_outputs has {len(grad_outputs)} entries for {len(outputs)} outputs")
    seeds = [_seed(y, g) for y, g in zip(outputs, grad_outputs)]
    found = backprop(outputs, seeds, create_graph, inputs=inputs)
    grads, seen = [], set()
    for x in inputs:
        g = found.get(x)
        if g is None:
            g = _zeros(x.shape, x) if x._level else Variable(x.xp.zeros_like(x.data))
        elif x in seen:  # an input listed twice gets a copy the second time: no alias
            g = _copy_out(g, create_graph)
        seen.add(x)
        grads.append(g)
    return grads[0] if single else tuple(grads)


def _batched_grad(outputs, inputs, grad_outputs, create_graph):
    """grad with a batch of grad_outputs: grad itself mapped over the seeds (vmap), so every
    op's backward runs once on the whole batch."""
    if grad_outputs is None:
        raise ValueError("grad(is_grads_batched=True) needs grad_outputs with a leading batch axis")
    several = not (isinstance(grad_outputs, Variable) or not isinstance(grad_outputs, (list, tuple)))
    seeds = list(grad_outputs) if several else [grad_outputs]
    seeds = [g if isinstance(g, Variable) else Constant(g) for g in seeds]  # seeds need no gradient
    return vmap(lambda *gs: grad(outputs, inputs, list(gs), create_graph))(*seeds)


def scalar_output(f: Callable[..., Any], x: Variable, who: str) -> Variable:
    """f(x), which `who` needs to be a scalar Variable (size 1): else a ValueError saying so."""
    return _require_scalar(f(x), who)


def _require_scalar(y, who):
    if not isinstance(y, Variable) or y.size != 1:
        shape = f"shape {tuple(y.shape)}" if isinstance(y, Variable) else type(y).__name__
        raise ValueError(f"{who} needs f to return a scalar Variable (size 1), got {shape}")
    return y


def _inputs(x):
    """(Variables, several): a tuple or list holds several inputs (f is called as f(*x),
    as in torch.autograd.functional); anything else is one input."""
    if isinstance(x, (tuple, list)):
        if not x:
            raise ValueError("got an empty tuple of inputs; pass at least one array or Variable")
        return tuple(as_variable(xi) for xi in x), True
    return (as_variable(x),), False


def _depends_on(y, xs):
    """Whether y can depend on xs at all: recorded by an op, or one of them (a gradient
    that is a constant or an unconnected input's zeros has all-zero derivatives)."""
    return y.creator is not None or any(y is x for x in xs)


def _zeros(shape, like):
    return Variable(like.xp.zeros(shape, dtype=like.dtype, device=like.device))


def hvp(f: Callable[..., Variable], x: Inputs, v: Inputs, create_graph: bool = False) -> Outputs:
    """The Hessian of a scalar function `f` at `x` times `v`, by double backprop.

    Costs about two gradients; the Hessian is never formed.

    Parameters
    ----------
    f : callable
        Takes a Variable of `x`'s shape (or, for a tuple `x`, one Variable per entry, as
        ``f(*x)``, as in torch.autograd.functional) and returns a scalar Variable (size 1).
    x : Variable, array, or a tuple of them
        The point.
    v : Variable, array, or a tuple of them
        The direction, matching `x`.
    create_graph : bool, default False
        Record the result's graph, for a further derivative.

    Returns
    -------
    Variable or tuple of Variables
        ``H(x) v``, of `x`'s shape; for a tuple `x`, the tuple ``(sum_j H_1j v_j, ...)``.

    Raises
    ------
    ValueError
        When `v` and `x` differ in shape, or `f` does not return a scalar Variable.

    Examples
    --------
    The Hessian of ``x0**2 * x1`` at (1, 2) is ``[[4, 2], [2, 0]]``:

    >>> import numpy as np
    >>> import gdezero as gd
    >>> f = lambda x: x[0] ** 2 * x[1]
    >>> gd.hvp(f, np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    variable([4. 2.])
    """
    xs, several = _inputs(x)
    if several != isinstance(v, (tuple, list)) or (several and len(v) != len(xs)):
        got = f"a tuple of {len(v)}" if isinstance(v, (tuple, list)) else "one array"
        want = f"a tuple of {len(xs)}" if several else "one array"
        raise ValueError(f"hvp: v must match x: x is {want}, v is {got}")
    vs = tuple(v) if isinstance(v, (tuple, list)) else (v,)  # `several`, spelled so that mypy narrows v
    vs = tuple(vi if isinstance(vi, Variable) else Constant(vi) for vi in vs)  # raw v needs no grad
    for i, (xi, vi) in enumerate(zip(xs, vs)):
        if vi.shape != xi.shape:
            which = f"[{i}]" if several else ""
            raise ValueError(f"hvp: v{which} has shape {tuple(vi.shape)} but x{which} has shape "
                             f"{tuple(xi.shape)}; they must match")
    g = grad(_require_scalar(f(*xs), "hvp"), xs, create_graph=True)
    live = [i for i, gi in enumerate(g) if _depends_on(gi, xs)]
    if live:
        # v as the seed of g's backward: v^T H == H v (H is symmetric), without sum(g * v).
        hv = grad([g[i] for i in live], xs, grad_outputs=[vs[i] for i in live],
                  create_graph=create_graph)
    else:  # f is linear in x: H = 0
        hv = tuple(_zeros(xi.shape, xi) for xi in xs)
    return hv if several else hv[0]


def _basis(like, n, shapes):
    """The n x n identity split into blocks of columns, one per shape: block i has shape
    (n, *shapes[i]), so row r is the r-th basis direction of the concatenated entries."""
    xp = like.xp
    eye = xp.eye(n, dtype=like.dtype, device=like.device)
    blocks, start = [], 0
    for shape in shapes:
        size = math.prod(shape)
        blocks.append(xp.reshape(eye[:, start:start + size], (n,) + tuple(shape)))
        start += size
    return blocks


def _rows(outputs, xs, create_graph):
    """The blocks d outputs[i] / d xs[j], of shape outputs[i].shape + xs[j].shape, by one
    batched backward pass over every output element (the rows of the Jacobian)."""
    live = [i for i, y in enumerate(outputs) if y.size and _depends_on(y, xs)]
    blocks = [[_zeros(tuple(y.shape) + tuple(x.shape), x) for x in xs] for y in outputs]
    if not live:
        return blocks
    shapes = [tuple(outputs[i].shape) for i in live]
    seeds = _basis(outputs[live[0]], sum(math.prod(s) for s in shapes), shapes)
    found = grad([outputs[i] for i in live], list(xs), grad_outputs=seeds,
                 create_graph=create_graph, is_grads_batched=True)
    start = 0
    for i, shape in zip(live, shapes):
        size = math.prod(shape)
        for j, (x, g) in enumerate(zip(xs, found)):
            blocks[i][j] = reshape(g[start:start + size], shape + tuple(x.shape))
        start += size
    return blocks


def _columns(f, xs, outputs, several_outputs):
    """The same blocks by forward mode: one jvp of every input direction at once (vmap
    over the basis), the columns of the Jacobian."""
    from gdezero.taylor import jvp  # taylor builds on this module
    shapes = [tuple(x.shape) for x in xs]
    n = sum(math.prod(s) for s in shapes)
    if n == 0:
        return [[_zeros(tuple(y.shape) + tuple(x.shape), x) for x in xs] for y in outputs]
    tangents = vmap(lambda *v: jvp(f, tuple(xs), tuple(v))[1])(*_basis(xs[0], n, shapes))
    return _column_blocks(tangents if several_outputs else (tangents,), shapes)


def _column_blocks(tangents, shapes):
    """The blocks d y_i / d x_j, of shape y_i.shape + shapes[j], from each output's batch of
    tangents along the basis directions of `_basis` (tangents[i] has shape (n, *y_i.shape))."""
    blocks: list[list[Any]] = [[None] * len(shapes) for _ in tangents]
    start = 0
    for j, shape in enumerate(shapes):
        size = math.prod(shape)
        for i, t in enumerate(tangents):
            cols = t[start:start + size]  # (size, *y.shape): d y / d x_j along each direction
            order = tuple(range(1, t.ndim)) + (0,)
            blocks[i][j] = reshape(cols.transpose(order), tuple(t.shape[1:]) + shape)
        start += size
    return blocks


def hessian(f: Callable[..., Variable], x: Inputs, create_graph: bool = False) -> Blocks:
    """The Hessian of a scalar function `f` at `x`, by double backprop (``x.size`` passes).

    Parameters
    ----------
    f : callable
        Takes a Variable of `x`'s shape and returns a scalar Variable (size 1).
    x : Variable, array, or a tuple of them
        The point; with a tuple, f is called as ``f(*x)``.
    create_graph : bool, default False
        Record the result's graph, for a further derivative.

    Returns
    -------
    Variable or nested tuple of Variables
        The second derivatives, of shape ``x.shape + x.shape``; for a tuple `x`, the nested
        tuple of blocks ``H[i][j]`` of shape ``x_i.shape + x_j.shape`` (as
        torch.autograd.functional.hessian).

    Raises
    ------
    ValueError
        When `f` does not return a scalar Variable.

    See Also
    --------
    hvp : one Hessian-vector product, without forming the Hessian.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> f = lambda x: x[0] ** 2 * x[1]
    >>> gd.hessian(f, np.array([1.0, 2.0]))
    variable([[4. 2.]
              [2. 0.]])
    """
    xs, several = _inputs(x)
    g = grad(_require_scalar(f(*xs), "hessian"), xs, create_graph=True)
    blocks = tuple(tuple(row) for row in _rows(list(g), xs, create_graph))
    return blocks if several else blocks[0][0]


def jacobian(f: Callable[..., VariableLike | Sequence[VariableLike]], x: Inputs, mode: str = "auto",
             create_graph: bool = False) -> Blocks:
    """The Jacobian of `f` at `x`, in one batched pass: reverse (rows) or forward (columns).

    Parameters
    ----------
    f : callable
        Takes a Variable of `x`'s shape and returns a Variable (or array) of any shape.
    x : Variable, array, or a tuple of them
        The point; with a tuple, f is called as ``f(*x)``.
    mode : {"auto", "rev", "fwd"}, default "auto"
        ``"rev"``: one batched backward pass over the output elements; ``"fwd"``: one
        batched forward (Taylor) pass over the input directions; ``"auto"``: forward when
        the inputs have fewer elements than the outputs, else reverse.
    create_graph : bool, default False
        Record the result's graph, for a further derivative (``"rev"``; ``"fwd"``
        results carry no graph, so ``"auto"`` takes ``"rev"`` with create_graph).

    Returns
    -------
    Variable or tuple of Variables
        ``d f(x)[i] / d x[j]``, of shape ``f(x).shape + x.shape``; tuples of inputs or of
        outputs give the tuples of blocks torch.autograd.functional.jacobian gives.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> gd.jacobian(lambda x: x * x, np.array([1.0, 2.0]))
    variable([[2. 0.]
              [0. 4.]])
    """
    if mode not in ("auto", "rev", "fwd"):
        raise ValueError(f"jacobian: mode must be 'auto', 'rev' or 'fwd', got {mode!r}")
    xs, several = _inputs(x)
    y = f(*xs)
    several_outputs = isinstance(y, (tuple, list))
    ys = [as_variable(yi) for yi in y] if isinstance(y, (tuple, list)) else [as_variable(y)]
    if any(yi.generation == UNRECORDED for yi in ys):  # f ran under no_grad(): zeros would be a lie
        raise _not_recorded("jacobian()")
    if mode == "auto":
        n_in, n_out = sum(x.size for x in xs), sum(yi.size for yi in ys)
        mode = "fwd" if n_in < n_out and not create_graph else "rev"
    rows = _columns(f, xs, ys, several_outputs) if mode == "fwd" else _rows(ys, xs, create_graph)
    blocks = tuple(tuple(b) if several else b[0] for b in rows)
    return blocks if several_outputs else blocks[0]

