"""vmap: map a function over a batch axis in one pass (as torch.func.vmap and jax.vmap).

Inside `vmap(f)`, `f` sees `Batched` Variables: each holds the whole batch (its `value`,
the batch axis first) and shows the per-example shape. A Function called on one runs its
op's batching rule on the values instead of its forward: the generic rule for elementwise
ops (``batch_rule = "elementwise"``: a batched operand is padded to the output's rank
before broadcasting) or the op's own ``batch(xs, batched)`` method, which gets the
values (batched ones with the batch axis first) and returns the output's value the same
way, computed with gdezero ops (so that graph is differentiable: gradients flow from
vmap's outputs back to its inputs). The call is also recorded as a node of the
per-example graph, so `grad` inside `vmap` runs the ops' own backward on batched
Variables: per-example gradients, Hessian rows, Jacobian rows in one pass.

Levels make vmap nest: each vmap wraps at a level one above the enclosing one; an op
unwraps its innermost level, and the rule's ops see the next level down (again batched
or plain). A Function without a rule loops over the batch, with one warning naming it.
"""
from __future__ import annotations

import contextvars
import copy
import math
import warnings
import weakref
from collections.abc import Callable
from typing import Any

from gdezero import backend, core
from gdezero.core import UNRECORDED, Constant, Outputs, Variable, _is_recording, as_variable
from gdezero.ops.shapes import broadcast_to, concatenate, get_item, reshape, stack, sum_to, transpose

__all__ = ["vmap", "Batched"]

_depth = contextvars.ContextVar("gdezero_vmap_depth", default=0)
_object_new = object.__new__


class Batched(Variable):
    """A Variable inside `vmap`: `value` holds the whole batch (batch axis first) at vmap
    level `_level`; `shape`, `ndim`, `size` and `len` are those of one example."""

    __slots__ = ("value", "_level", "_constant")
    value: Variable

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.value.shape[1:])

    @property
    def ndim(self) -> int:
        return self.value.ndim - 1

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d Variable")
        return self.shape[0]

    def __repr__(self) -> str:
        return f"batched(level={self._level}, per-example shape {self.shape}, {self.value!r})"

    def detach(self) -> Variable:
        return _wrap(self.value.detach(), self._level)

    def backward(self, retain_grad: bool = False, create_graph: bool = False) -> None:
        raise RuntimeError("backward() inside vmap: use gd.grad(y, x), which returns the "
                           "per-example gradients, instead of accumulating into .grad")


def _wrap(value, level):
    b = _object_new(Batched)
    b.value, b.data, b._level, b._constant = value, value.data, level, value._constant
    b.name = b.grad = b.creator = None
    b.generation = 0
    return b


def _comparison(name):
    def compare(self, other):  # a per-example boolean mask: batched as self is
        op = getattr(type(self.data), name)
        if isinstance(other, Variable):
            return core.data_constant(lambda a, b: op(a, b), self, other)
        return core.data_constant(lambda a: op(a, other), self)
    compare.__name__ = name
    return compare


for _name in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
    setattr(Batched, _name, _comparison(_name))


# ============================================================================ the engine's hook
def _unwrap(inputs):
    """(level, values, batched flags) of an op's inputs at their innermost level."""
    level = 0
    for x in inputs:
        if x._level > level:
            level = x._level
    values, batched = [], []
    for x in inputs:
        if x._level == level:
            values.append(x.value)
            batched.append(True)
        else:
            values.append(x)
            batched.append(False)
    return level, values, batched


def logical_ndim(x, is_batched):
    return x.ndim - 1 if is_batched else x.ndim


def pad(x, ndim):
    """A batched value with length-1 axes after the batch axis up to `ndim` per-example
    axes: NumPy broadcasting aligns from the right, which would pair a per-example (3,)
    batched to (B, 3) with the rows of an unbatched (2, 3)."""
    extra = ndim - (x.ndim - 1)
    if extra <= 0:
        return x
    return reshape(x, (x.shape[0],) + (1,) * extra + tuple(x.shape[1:]))


def _elementwise(f, values, batched):
    ndim = 0
    for x, b in zip(values, batched):
        ndim = max(ndim, logical_ndim(x, b))
    args = [pad(x, ndim) if b else x for x, b in zip(values, batched)]
    return fresh(f)(*args)


_warned: set[type] = set()


def _loop(f, values, batched):
    """The fallback for a Function without a batching rule: one call per example, stacked."""
    cls = type(f)
    if cls not in _warned:
        _warned.add(cls)
        warnings.warn(f"vmap: {cls.__name__} has no batching rule (a batch method or "
                      f"batch_rule = 'elementwise'); looping over the batch", stacklevel=4)
    n = next(x.shape[0] for x, b in zip(values, batched) if b)
    per_example = []
    for i in range(n):
        args = [get_item(x, i) if b else x for x, b in zip(values, batched)]
        per_example.append(fresh(f)(*args))
    if isinstance(per_example[0], (list, tuple)):
        return [stack([ys[k] for ys in per_example]) for k in range(len(per_example[0]))]
    return stack(per_example)


def _batched_class(cls, cache={}):  # noqa: B006 (the cache of per-op subclasses)
    """`cls` with a backward whose gradients are summed back to each input's per-example
    shape before the engine sees them (its fast path compares the batch's shapes)."""
    sub = cache.get(cls)
    if sub is None:
        def backward(self, *gys):
            gxs = cls.backward(self, *gys)
            single = type(gxs) is not tuple
            if len((gxs,) if single else gxs) != len(self.inputs):
                return gxs  # the engine names the wrong count
            out = tuple(_summed_back(x, gx) for x, gx in zip(self.inputs, (gxs,) if single else gxs))
            return out[0] if single else out
        sub = type(cls.__name__, (cls,), {
            "backward": backward, "__qualname__": cls.__qualname__, "__module__": cls.__module__,
            "label": getattr(cls, "label", cls.__name__)})
        cache[cls] = sub
    return sub


def _summed_back(x, gx):
    if gx is None:
        return None
    if not isinstance(gx, Variable):
        gx = Constant(gx)
    return gx if gx.shape == x.shape or x._constant else sum_to(gx, x.shape)


def apply_rule(f, values, batched):
    """The value(s) of op `f` on `values` (batched ones with the batch axis first, as
    `batched` says), by its batching rule, built from gdezero ops; the loop without one."""
    rule = getattr(f, "batch", None)
    if rule is not None:
        return rule(values, tuple(batched))
    if getattr(f, "batch_rule", None) == "elementwise":
        return _elementwise(f, values, batched)
    return _loop(f, values, batched)


def fresh(f):
    """An unused copy of Function `f` (its parameters, none of its recorded call), to call again."""
    g = copy.copy(f)
    for name in ("inputs", "outputs", "generation", "output_specs"):
        g.__dict__.pop(name, None)
    return g


def _apply(f, inputs):
    """Function.__call__ on batched inputs: the op's batching rule, recorded per example."""
    level, values, batched = _unwrap(inputs)
    out = apply_rule(f, values, batched)
    several = isinstance(out, (list, tuple))
    outs = [_wrap(o, level) for o in (out if several else [out])]
    live = not all([x._constant for x in inputs])
    f.inputs = tuple(inputs)
    if live and _is_recording():
        generation = max([x.generation for x in inputs])
        f.generation = generation
        for o in outs:
            o.creator, o.generation = f, generation + 1
        f.outputs = tuple([weakref.ref(o) for o in outs])
        if several:
            f.output_specs = tuple([(o.shape, o.dtype) for o in outs])
        f.__class__ = _batched_class(type(f))
    else:
        for o in outs:
            o.generation = UNRECORDED if live else 0
    for o in outs:
        o._constant = not live
    return outs if several else outs[0]


def _checked_grad(f, x, gx):
    """The engine's check of a gradient where x or gx is batched: per-example shapes."""
    if gx.shape != x.shape:
        if not backend.broadcasts_to(x.shape, gx.shape):
            raise ValueError(
                f"{type(f).__name__}.backward returned a gradient of per-example shape "
                f"{tuple(gx.shape)} for input {f.inputs.index(x)} of shape {tuple(x.shape)}")
        gx = sum_to(gx, x.shape)
    return gx


def _data_constant(fn, xs):
    level, values, batched = _unwrap(xs)
    ndim = 0
    for x, b in zip(values, batched):
        ndim = max(ndim, logical_ndim(x, b))
    with core.no_grad():  # the result is a constant: padding needs no graph
        args = [pad(x, ndim) if b else x for x, b in zip(values, batched)]
    out = _wrap(core.data_constant(fn, *args), level)
    out._constant = True
    return out


core.batch_hook.apply = _apply
core.batch_hook.checked_grad = _checked_grad
core.batch_hook.data_constant = _data_constant


# ============================================================================ vmap
def _axes(spec, n, what):
    if spec is None or isinstance(spec, int) and not isinstance(spec, bool):
        return [spec] * n
    if isinstance(spec, (tuple, list)):
        if len(spec) != n:
            raise ValueError(f"vmap: {what} has {len(spec)} entries but there are {n} "
                             f"{'arguments' if what == 'in_axes' else 'outputs'}; give one per "
                             f"{'argument' if what == 'in_axes' else 'output'} (or one int for all)")
        for a in spec:
            if not (a is None or isinstance(a, int) and not isinstance(a, bool)):
                raise ValueError(f"vmap: {what} entries must be ints or None, got {a!r}")
        return list(spec)
    raise ValueError(f"vmap: {what} must be an int, None or a tuple of them, got {spec!r}")


def _checked_axis(axis, ndim, what):
    if not -ndim <= axis < ndim:
        raise ValueError(f"vmap: {what} is {axis}, out of range for a value of {ndim} dimensions "
                         f"(use {-ndim}..{ndim - 1})")
    return axis % ndim


def _to_front(x, axis):
    if axis == 0:
        return x
    order = [axis] + [i for i in range(x.ndim) if i != axis]
    return transpose(x, order)


def _from_front(x, axis):
    if axis == 0:
        return x
    order = list(range(1, x.ndim))
    order.insert(axis, 0)
    return transpose(x, order)


def _run(f, args, axes, n, out_axes, level=None):
    level = _depth.get() + 1 if level is None else level
    token = _depth.set(level)
    try:
        y = f(*[a if ax is None else _wrap(a, level) for a, ax in zip(args, axes)])
    finally:
        _depth.reset(token)
    several = isinstance(y, (tuple, list))
    ys = list(y) if several else [y]
    outs = []
    for i, (yi, axis) in enumerate(zip(ys, _axes(out_axes, len(ys), "out_axes"))):
        if axis is None:
            raise ValueError("vmap: out_axes entries must be ints (an output always has the batch axis)")
        yi = as_variable(yi)
        if yi._level == level:
            v = yi.value
        else:  # an output that does not depend on the mapped inputs: the same for every example
            v = broadcast_to(reshape(yi, (1,) + tuple(yi.shape)), (n,) + tuple(yi.shape))
        where = f"out_axes[{i}]" if several else "out_axes"
        outs.append(_from_front(v, _checked_axis(axis, v.ndim, where)))
    return outs, several


def vmap(f: Callable[..., Outputs], in_axes: int | tuple[int | None, ...] | list[int | None] | None = 0,
         out_axes: int | tuple[int, ...] | list[int] = 0,
         chunk_size: int | None = None) -> Callable[..., Outputs]:
    """Map `f` over a batch axis of its arguments in one pass (``torch.func.vmap``, ``jax.vmap``).

    Parameters
    ----------
    f : callable
        Takes Variables of one example's shape and returns a Variable or a tuple of them.
    in_axes : int, None or tuple, default 0
        The batch axis of each positional argument (None: not mapped, passed as it is);
        one int for all arguments, or a tuple with one entry per argument.
    out_axes : int or tuple, default 0
        Where the batch axis goes in each output.
    chunk_size : int, optional
        Map this many examples at a time (bounds memory); all at once by default.

    Returns
    -------
    callable
        The mapped function; its results are Variables, differentiable again with
        respect to the mapped inputs and to Variables `f` closes over.

    Raises
    ------
    ValueError
        For bad `in_axes` / `out_axes`, or mapped axes of different sizes (naming the
        arguments and both sizes).

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> w = gd.Variable(np.array([1.0, 2.0]))
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> gd.vmap(lambda x: gd.grad((x * w).sum() ** 2, w))(X)
    variable([[2. 0.]
              [0. 4.]
              [6. 6.]])
    """
    if chunk_size is not None and (not isinstance(chunk_size, int) or isinstance(chunk_size, bool)
                                   or chunk_size < 1):
        raise ValueError(f"vmap: chunk_size must be a positive int or None, got {chunk_size!r}")

    def mapped(*args):
        axes = _axes(in_axes, len(args), "in_axes")
        values, n, first = [], None, None
        for i, (a, axis) in enumerate(zip(args, axes)):
            if axis is None:
                values.append(a)
                continue
            v = as_variable(a)
            where = f"in_axes[{i}]" if isinstance(in_axes, (tuple, list)) else "in_axes"
            if v.ndim == 0:
                raise ValueError(f"vmap: {where} maps argument {i}, a 0-d value, which has no "
                                 f"axis to map over; use None for it")
            axis = _checked_axis(axis, v.ndim, where)
            size = v.shape[axis]
            if n is None:
                n, first = size, i
            elif size != n:
                raise ValueError(f"vmap: mapped axes must have one size, but argument {first} has "
                                 f"size {n} and argument {i} has size {size} along their in_axes")
            values.append(_to_front(v, axis))
        if n is None:
            raise ValueError("vmap: in_axes maps no argument; map at least one (an int, not None)")
        if chunk_size is None or chunk_size >= n:
            outs, several = _run(f, values, axes, n, out_axes)
            return tuple(outs) if several else outs[0]
        parts = []
        for start in range(0, n, chunk_size):
            stop = min(start + chunk_size, n)
            chunk = [v if axis is None else get_item(v, slice(start, stop)) for v, axis in zip(values, axes)]
            parts.append(_run(f, chunk, axes, stop - start, out_axes))
        several = parts[0][1]
        outs = []
        for k, axis in enumerate(_axes(out_axes, len(parts[0][0]), "out_axes")):
            pieces = [p[0][k] for p in parts]
            outs.append(concatenate(pieces, axis=axis % pieces[0].ndim))
        return tuple(outs) if several else outs[0]

    mapped.__name__ = getattr(f, "__name__", "mapped")
    mapped.__doc__ = getattr(f, "__doc__", None)
    return mapped


# ============================================================================ transforms inside vmap
def lift(transform: Callable[..., Any], f: Callable[..., Any], x: Any, *rest: Any) -> Any:
    """``transform(f, x, *rest)`` (jvp, taylor, derivatives) where some of its arrays are
    batched: the transform of the mapped f on the whole batch, its results batched again.
    A transform commutes with vmap, and the mapped f records the batch's own graph, which
    the transform walks with the ops' ordinary rules."""
    leaves = [v for v in _flat((x,) + rest) if isinstance(v, Variable)]
    level = max(v._level for v in leaves)
    n = next(v.value.shape[0] for v in leaves if isinstance(v, Batched) and v._level == level)

    def whole(v):  # one level down, every entry with the batch axis
        if isinstance(v, (tuple, list)):
            return type(v)(whole(u) for u in v)
        if isinstance(v, Variable) and v._level == level:
            return v.value
        if v is None:
            return v
        v = as_variable(v)
        return broadcast_to(reshape(v, (1,) + tuple(v.shape)), (n,) + tuple(v.shape))

    def mapped(*args):
        outs, multi = _run(f, list(args), [0] * len(args), n, 0, level)
        return tuple(outs) if multi else outs[0]

    out = transform(mapped, whole(x), *[whole(r) for r in rest])
    return _rewrap(out, level)


def _flat(items):
    for v in items:
        if isinstance(v, (tuple, list)):
            yield from _flat(v)
        else:
            yield v


def _rewrap(out, level):
    if isinstance(out, (tuple, list)):
        return type(out)(_rewrap(o, level) for o in out)
    return _wrap(out, level)


def batched_in(*items: Any) -> bool:
    """Whether any Variable among `items` (nested tuples and lists too) is batched."""
    return any(isinstance(v, Variable) and v._level for v in _flat(items))
