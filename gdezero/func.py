"""Function transforms as in ``torch.func`` and JAX: each takes a function and returns one.

``func.grad(f)(x)`` is ``df/dx`` at ``x``; the transforms nest to any order
(``func.grad(func.grad(f))``, ``func.jacfwd(func.jacrev(f))``), because their results are
Variables built by gdezero's own recorded graph. A transform records its backward pass
(``create_graph``) only when another transform encloses it and will differentiate what it
returns, so a call that is not nested costs what the tape-style `gdezero.grad` costs.

Arguments may be arrays or Variables (the differentiated ones of a floating dtype); the
arguments not named by `argnums`, and keyword arguments, reach `f` unchanged. At top
level the results carry no graph, like ``gd.grad(..., create_graph=False)``'s.

Examples
--------
>>> import numpy as np
>>> import gdezero.functions as F
>>> from gdezero import func
>>> f = lambda x: F.sum(x ** 3)
>>> func.grad(f)(np.array([1.0, 2.0]))
variable([ 3. 12.])
>>> func.grad(lambda x: func.grad(f)(x).sum())(np.array([1.0, 2.0]))
variable([ 6. 12.])
"""
from __future__ import annotations

import contextvars
import functools
import math
from collections.abc import Callable
from typing import Any, TypeAlias

from gdezero import batching, functional, taylor
from gdezero.backend import is_array
from gdezero.core import Blocks, Copy, Outputs, Variable, VariableLike, _enable_backprop

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap"]

Argnums: TypeAlias = "int | tuple[int, ...]"
# vjp's pullback: cotangents of the outputs in, one cotangents^T J per primal out.
VjpFn: TypeAlias = "Callable[[VariableLike | tuple[VariableLike, ...]], tuple[Variable, ...]]"

# How many transforms are running f around this point (per thread and asyncio task): a
# transform inside another records its backward pass so that the outer one can
# differentiate it; one at top level does not pay for that.
_depth = contextvars.ContextVar("gdezero_func_depth", default=0)


def _nested() -> bool:
    return _depth.get() > 0


class _Inside:
    """Run f as a transform does: one level deeper, recording on (an outer no_grad() does not
    stop a transform, as in torch.func). A class, not a generator: it runs on every call."""

    __slots__ = ("tokens",)

    def __enter__(self) -> None:
        self.tokens = _depth.set(_depth.get() + 1), _enable_backprop.set(True)

    def __exit__(self, *exc: object) -> None:
        _depth.reset(self.tokens[0])
        _enable_backprop.reset(self.tokens[1])


# ============================================================================ arguments
def _argnums(argnums, n, api):
    """argnums as a tuple of non-negative ints, and whether one int was given."""
    if argnums.__class__ is int and 0 <= argnums < n:  # the usual case, checked first: cheap
        return (argnums,), True
    single = isinstance(argnums, int) and not isinstance(argnums, bool)
    nums = (argnums,) if single else argnums
    if not isinstance(nums, tuple) or not all(
            isinstance(a, int) and not isinstance(a, bool) for a in nums):
        raise TypeError(f"{api}: argnums must be int or Tuple[int, ...], got: "
                        f"{type(argnums).__name__} {argnums!r}")
    if not nums:
        raise ValueError(f"{api}: argnums must be non-empty")
    if len(set(nums)) != len(nums):
        raise ValueError(f"{api}: argnums elements must be unique, got {argnums}")
    for a in nums:
        if not -n <= a < n:
            raise ValueError(f"{api}: Got argnums={a}, but only {n} positional inputs")
    return tuple(a % n for a in nums), single


_FLOATING: dict[Any, bool] = {}  # dtype -> whether it is floating (asked once per dtype)


def _enter(x, i, api, record):
    """Argument i as the Variable f sees: a new node, so that the derivative is with respect
    to this argument (not to a Variable f also closes over); linked to x when an enclosing
    transform differentiates through it."""
    if isinstance(x, Variable):
        v = Copy()(x) if record and not x._constant else x.detach()  # a Batched x stays batched (vmap)
    elif is_array(x):
        v = Variable(x)
    else:
        raise TypeError(f"{api}: argument {i} must be an array or a Variable, got "
                        f"{type(x).__module__}.{type(x).__qualname__}; wrap a number as an "
                        f"array, e.g. np.asarray(2.0)")
    floating = _FLOATING.get(v.dtype)
    if floating is None:
        floating = _FLOATING[v.dtype] = v.xp.isdtype(v.dtype, ("real floating", "complex floating"))
    if not floating:
        raise TypeError(f"{api}: argument {i} has dtype {v.dtype}; derivatives need a floating "
                        f"dtype: convert it first, e.g. xp.astype(x, xp.float64)")
    return v


def _entered(args, nums, api, record):
    args = list(args)
    for i in nums:
        args[i] = _enter(args[i], i, api, record)
    return args


def _split_aux(out, has_aux, api):
    if not has_aux:
        return out, None
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise ValueError(f"{api}: output of function f should be a tuple: (output, aux) if "
                         f"has_aux is True")
    return out[0], out[1]


def _as_output(y, api):
    if isinstance(y, Variable):
        return y
    if is_array(y):
        return Variable(y)  # a constant of the inputs: its derivatives are zero
    raise TypeError(f"{api}: Expected f(*args) to return a Variable or an array, got "
                    f"{type(y).__module__}.{type(y).__qualname__}")


def _keeping_aux(f, args, nums, kwargs, has_aux, api):
    """(g, auxes): g(*xs) calls f with xs at the positions `nums` of `args` and returns its
    output; each call's aux (None without `has_aux`) is appended to `auxes`."""
    auxes: list[Any] = []

    def g(*xs):
        out, aux = _split_aux(f(*_with(args, nums, xs), **kwargs), has_aux, api)
        auxes.append(aux)
        return out
    return g, auxes


def _outputs(y, api):
    """(outputs as a list of Variables, whether f returned one)."""
    if isinstance(y, (tuple, list)):
        if not y:
            raise ValueError(f"{api}: Expected f to be a function that has non-empty output")
        return [_as_output(yi, api) for yi in y], False
    return [_as_output(y, api)], True


def _out(y, record):
    """f's output as a transform returns it: with its graph inside another transform, else a
    leaf sharing its data (the graph behind it is freed)."""
    return y if record else y.detach()


def _scalar(y, api):
    y = _as_output(y, api)
    if y.ndim != 0:
        raise ValueError(f"{api}: Expected f(*args) to return a scalar Variable, got one of "
                         f"shape {tuple(y.shape)}. Maybe you wanted to use the vjp or jacrev "
                         f"APIs instead?")
    return y


# ============================================================================ reverse mode
def _value_and_grad(f, argnums, has_aux, api, args, kwargs):
    """(value, gradient(s), aux); the value keeps its graph, for the caller to detach."""
    nums, single = _argnums(argnums, len(args), api)
    record = _depth.get() > 0
    with _Inside():
        args = _entered(args, nums, api, record)
        value, aux = _split_aux(f(*args, **kwargs), has_aux, api)
        value = _scalar(value, api)
        grads = functional.grad(value, [args[i] for i in nums], create_graph=record)
    return value, (grads[0] if single else grads), aux, record


def grad(f: Callable[..., Variable | tuple[Variable, Any]], argnums: Argnums = 0,
         has_aux: bool = False) -> Callable[..., Outputs | tuple[Outputs, Any]]:
    """The gradient of a scalar function, as ``torch.func.grad`` / ``jax.grad``.

    Parameters
    ----------
    f : callable
        Takes arrays or Variables and returns a 0-d Variable (with `has_aux`, the pair
        ``(value, aux)``).
    argnums : int or tuple of int, default 0
        The positional arguments to differentiate with respect to.
    has_aux : bool, default False
        Whether `f` returns ``(value, aux)``; aux comes back beside the gradient, not
        differentiated.

    Returns
    -------
    callable
        Called with `f`'s arguments, returns the gradient (a Variable of that argument's
        shape and dtype; a tuple for a tuple `argnums`), or ``(gradient, aux)``.

    Raises
    ------
    ValueError
        When `f` does not return a 0-d (scalar) Variable, or `argnums` names an argument
        that is not there.
    TypeError
        When a differentiated argument is not a floating array or Variable, or `argnums`
        is not an int or a tuple of them.

    See Also
    --------
    value_and_grad : the value too, for the cost of the gradient.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero.functions as F
    >>> from gdezero import func
    >>> f = lambda x, y: F.sum(x * y ** 2)
    >>> x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    >>> func.grad(f)(x, y)
    variable([ 9. 16.])
    >>> func.grad(f, argnums=(0, 1))(x, y)
    (variable([ 9. 16.]), variable([ 6. 16.]))
    >>> func.grad(func.grad(lambda x: x ** 3))(np.array(2.0))
    variable(12.0)
    """
    @functools.wraps(f)
    def grad_f(*args: Any, **kwargs: Any) -> Any:
        _, g, aux, _ = _value_and_grad(f, argnums, has_aux, "grad(f)(*args)", args, kwargs)
        return (g, aux) if has_aux else g
    return grad_f


def value_and_grad(f: Callable[..., Variable | tuple[Variable, Any]], argnums: Argnums = 0,
                   has_aux: bool = False) -> Callable[..., tuple[Variable | tuple[Variable, Any], Outputs]]:
    """The value and the gradient of a scalar function in one pass, as ``jax.value_and_grad``.

    ``torch.func.grad_and_value`` gives the same pair in the other order.

    Parameters
    ----------
    f : callable
        Takes arrays or Variables and returns a 0-d Variable (with `has_aux`, the pair
        ``(value, aux)``).
    argnums : int or tuple of int, default 0
        The positional arguments to differentiate with respect to.
    has_aux : bool, default False
        Whether `f` returns ``(value, aux)``.

    Returns
    -------
    callable
        Returns ``(value, gradient)``, or ``((value, aux), gradient)`` with `has_aux`.

    Raises
    ------
    ValueError
        When `f` does not return a 0-d (scalar) Variable.

    See Also
    --------
    grad : the gradient alone.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero.functions as F
    >>> from gdezero import func
    >>> func.value_and_grad(lambda x: F.sum(x ** 2))(np.array([1.0, 2.0]))
    (variable(5.0), variable([2. 4.]))
    """
    @functools.wraps(f)
    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        value, g, aux, record = _value_and_grad(f, argnums, has_aux, "value_and_grad(f)(*args)",
                                                args, kwargs)
        value = _out(value, record)
        return ((value, aux), g) if has_aux else (value, g)
    return value_and_grad_f


def vjp(f: Callable[..., Outputs | tuple[Outputs, Any]], *primals: VariableLike, has_aux: bool = False
        ) -> tuple[Outputs, VjpFn] | tuple[Outputs, VjpFn, Any]:
    """f's output and its vector-Jacobian product function, as ``torch.func.vjp`` / ``jax.vjp``.

    Parameters
    ----------
    f : callable
        Takes one argument per primal and returns a Variable or a tuple of them (with
        `has_aux`, the pair ``(output, aux)``).
    *primals : array or Variable
        The point.
    has_aux : bool, default False
        Whether `f` returns ``(output, aux)``.

    Returns
    -------
    tuple
        ``(output, vjp_fn)``, or ``(output, vjp_fn, aux)``. ``vjp_fn(cotangents)`` takes
        one array or Variable of the output's shape (a tuple of them when `f` returns a
        tuple) and returns the tuple of ``cotangents^T J``, one per primal. It may be
        called many times.

    Raises
    ------
    ValueError
        When a cotangent does not match its output in number or shape.

    Examples
    --------
    >>> import numpy as np
    >>> from gdezero import func
    >>> y, vjp_fn = func.vjp(lambda x: x ** 2, np.array([1.0, 2.0]))
    >>> y, vjp_fn(np.array([1.0, 10.0]))
    (variable([1. 4.]), (variable([ 2. 40.]),))
    """
    api = "vjp(f, *primals)"
    record = _nested()
    with _Inside():
        xs = _entered(primals, range(len(primals)), api, record)
        out, aux = _split_aux(f(*xs), has_aux, api)
        ys, single = _outputs(out, api)

    def vjp_fn(cotangents: Any) -> tuple[Variable, ...]:
        cts = (cotangents,) if single else cotangents
        if not isinstance(cts, (tuple, list)) or len(cts) != len(ys):
            raise ValueError(f"vjp_fn: expected {len(ys)} cotangent(s), one per output of f, "
                             f"in the structure of f's output")
        for k, (y, ct) in enumerate(zip(ys, cts)):
            shape = tuple(ct.shape) if isinstance(ct, Variable) or is_array(ct) else None
            if shape != tuple(y.shape):
                raise ValueError(f"vjp_fn: cotangent {k} must be an array or Variable of the "
                                 f"output's shape {tuple(y.shape)}, got "
                                 f"{shape if shape is not None else type(ct).__name__}")
        return functional.grad(ys, xs, grad_outputs=list(cts), create_graph=record or _nested())

    outs = _out(ys[0], record) if single else tuple(_out(y, record) for y in ys)
    return (outs, vjp_fn, aux) if has_aux else (outs, vjp_fn)


# ============================================================================ forward mode
def _tangent_data(t, x, k):
    shape = tuple(t.shape) if isinstance(t, Variable) or is_array(t) else None
    if shape != tuple(x.shape):
        raise ValueError(f"jvp(f, primals, tangents): tangent {k} must be an array or Variable "
                         f"of primal {k}'s shape {tuple(x.shape)}, got "
                         f"{shape if shape is not None else type(t).__name__}")
    return t


def _recorded_jvp(ys, xs, tangents):
    """J v for each output, differentiable again: the double vector-Jacobian product
    d/du <J^T u, v> (u a dummy Variable; the result is linear in it)."""
    out = []
    for y in ys:
        u = Variable(y.xp.zeros_like(y.data))
        g = functional.grad(y, xs, grad_outputs=u, create_graph=True)
        live = [(gi, ti) for gi, ti in zip(g, tangents) if gi.creator is not None]
        if not live:  # y is constant in xs
            out.append(Variable(y.xp.zeros_like(y.data)))
            continue
        out.append(functional.grad([gi for gi, _ in live], u, grad_outputs=[ti for _, ti in live],
                                   create_graph=True))
    return out


def jvp(f: Callable[..., Outputs | tuple[Outputs, Any]], primals: tuple[VariableLike, ...],
        tangents: tuple[VariableLike, ...], has_aux: bool = False
        ) -> tuple[Outputs, Outputs] | tuple[Outputs, Outputs, Any]:
    """f's output and its Jacobian-vector product, as ``torch.func.jvp`` / ``jax.jvp``.

    At top level this is one forward-mode pass (Taylor mode at order 1, `gdezero.jvp`);
    inside another transform the tangent is built by reverse mode on the recorded graph, so
    that the enclosing transform can differentiate it.

    Parameters
    ----------
    f : callable
        Called as ``f(*primals)``; returns a Variable or a tuple of them (with `has_aux`,
        the pair ``(output, aux)``).
    primals : tuple of array or Variable
        The point.
    tangents : tuple of array or Variable
        One direction per primal, of its shape.
    has_aux : bool, default False
        Whether `f` returns ``(output, aux)``.

    Returns
    -------
    tuple
        ``(output, jvp_out)``, or ``(output, jvp_out, aux)``; tuples of Variables where
        `f` returns a tuple.

    Raises
    ------
    TypeError
        When `primals` or `tangents` is not a tuple.
    ValueError
        When the tangents do not match the primals in number or shape.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero.functions as F
    >>> from gdezero import func
    >>> func.jvp(F.sin, (np.array([0.0]),), (np.array([2.0]),))
    (variable([0.]), variable([2.]))
    """
    api = "jvp(f, primals, tangents)"
    for name, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, (tuple, list)):
            raise TypeError(f"{api}: Expected {name} to be a tuple. E.g. it should be valid to "
                            f"call f(*primals).")
    if len(primals) != len(tangents):
        raise ValueError(f"{api}: Expected primals and tangents to have the same length, got "
                         f"{len(primals)} primals and {len(tangents)} tangents")
    record = _nested()
    xs = _entered(primals, range(len(primals)), api, record)
    tangents = tuple(_tangent_data(t, x, k) for k, (t, x) in enumerate(zip(tangents, xs)))
    if record:
        with _Inside():
            out, aux = _split_aux(f(*xs), has_aux, api)
            ys, single = _outputs(out, api)
        dys = _recorded_jvp(ys, xs, tangents)
        values: Any = ys
    else:
        auxes = []

        def g(*leaves):
            with _Inside():
                out, aux = _split_aux(f(*leaves), has_aux, api)
            auxes.append(aux)
            return out
        values, dys = taylor.jvp(g, tuple(xs), tuple(tangents))
        aux = auxes[0]
        single = not isinstance(values, tuple)
        values, dys = ([values], [dys]) if single else (list(values), list(dys))
    result = (values[0], dys[0]) if single else (tuple(values), tuple(dys))
    return (*result, aux) if has_aux else result


# ============================================================================ Jacobians
def _with(args, nums, xs):
    args = list(args)
    for i, x in zip(nums, xs):
        args[i] = x
    return args


def jacrev(f: Callable[..., Blocks | tuple[Blocks, Any]], argnums: Argnums = 0,
           has_aux: bool = False) -> Callable[..., Blocks | tuple[Blocks, Any]]:
    """The Jacobian by reverse mode (rows), as ``torch.func.jacrev`` / ``jax.jacrev``.

    Parameters
    ----------
    f : callable
        Returns a Variable or a tuple of them (with `has_aux`, ``(output, aux)``).
    argnums : int or tuple of int, default 0
        The positional arguments to differentiate with respect to.
    has_aux : bool, default False
        Whether `f` returns ``(output, aux)``.

    Returns
    -------
    callable
        Returns the Jacobian, of shape ``output.shape + x.shape``: a tuple over the
        `argnums` for a tuple, inside a tuple over the outputs where `f` returns a tuple;
        ``(jacobian, aux)`` with `has_aux`.

    See Also
    --------
    jacfwd : columns by forward mode, cheaper for fewer inputs than outputs.

    Examples
    --------
    >>> import numpy as np
    >>> from gdezero import func
    >>> func.jacrev(lambda x: x ** 2)(np.array([1.0, 2.0]))
    variable([[2. 0.]
              [0. 4.]])
    """
    api = "jacrev(f)(*args)"

    @functools.wraps(f)
    def jacrev_f(*args: Any, **kwargs: Any) -> Any:
        nums, single = _argnums(argnums, len(args), api)
        record = _nested()
        call, auxes = _keeping_aux(f, args, nums, kwargs, has_aux, api)

        def g(*xs):
            ys, single_out = _outputs(call(*xs), api)
            return ys[0] if single_out else tuple(ys)
        with _Inside():
            entered = _entered(args, nums, api, record)
            xs = tuple(entered[i] for i in nums)
            jac: Any = functional.jacobian(g, xs, mode="rev", create_graph=record)  # narrowed below
        several_outputs = isinstance(jac[0], tuple)
        if single:
            jac = tuple(b[0] for b in jac) if several_outputs else jac[0]
        return (jac, auxes[0]) if has_aux else jac
    return jacrev_f


def jacfwd(f: Callable[..., Outputs | tuple[Outputs, Any]], argnums: Argnums = 0,
           has_aux: bool = False) -> Callable[..., Blocks | tuple[Blocks, Any]]:
    """The Jacobian by forward mode (columns), as ``torch.func.jacfwd`` / ``jax.jacfwd``.

    One batched pass: `jvp` along every input direction at once, under `gdezero.vmap`
    (however many elements the inputs have); the results nest as `jacrev`'s do.

    Parameters
    ----------
    f : callable
        Returns a Variable or a tuple of them (with `has_aux`, ``(output, aux)``).
    argnums : int or tuple of int, default 0
        The positional arguments to differentiate with respect to.
    has_aux : bool, default False
        Whether `f` returns ``(output, aux)``.

    Returns
    -------
    callable
        Returns the Jacobian in `jacrev`'s structure, or ``(jacobian, aux)``.

    See Also
    --------
    jacrev : rows by reverse mode, cheaper for fewer outputs than inputs.

    Examples
    --------
    >>> import numpy as np
    >>> from gdezero import func
    >>> func.jacfwd(lambda x: x ** 2)(np.array([1.0, 2.0]))
    variable([[2. 0.]
              [0. 4.]])
    """
    api = "jacfwd(f)(*args)"

    @functools.wraps(f)
    def jacfwd_f(*args: Any, **kwargs: Any) -> Any:
        nums, single = _argnums(argnums, len(args), api)
        record = _nested()
        entered = _entered(args, nums, api, record)
        xs = tuple(entered[i] for i in nums)
        g, auxes = _keeping_aux(f, args, nums, kwargs, has_aux, api)
        shapes = [tuple(x.shape) for x in xs]
        n = sum(math.prod(s) for s in shapes)
        if n:  # every column at once: jvp along the batch of basis directions
            dys = batching.vmap(lambda *v: jvp(g, xs, v)[1])(*functional._basis(xs[0], n, shapes))
        else:  # no directions to batch over: the columns are empty, of f's output shapes
            dys = jvp(g, xs, tuple(x.xp.zeros_like(x.data) for x in xs))[1]
            dys = (tuple(Variable(d.xp.zeros((0,) + tuple(d.shape), dtype=d.dtype)) for d in dys)
                   if isinstance(dys, tuple) else
                   Variable(dys.xp.zeros((0,) + tuple(dys.shape), dtype=dys.dtype)))
        several_outputs = isinstance(dys, tuple)
        blocks = functional._column_blocks(dys if several_outputs else (dys,), shapes)
        jac: Any = tuple(b[0] for b in blocks) if single else tuple(tuple(b) for b in blocks)
        if not several_outputs:
            jac = jac[0]
        return (jac, auxes[0]) if has_aux else jac
    return jacfwd_f


def hessian(f: Callable[..., Variable | tuple[Variable, Any]], argnums: Argnums = 0,
            has_aux: bool = False) -> Callable[..., Blocks | tuple[Blocks, Any]]:
    """The Hessian, as ``torch.func.hessian`` / ``jax.hessian``: the Jacobian of the Jacobian.

    Equal to ``jacfwd(jacrev(f))``; computed as ``jacrev(jacrev(f))``, whose inner pass runs
    once (for a scalar `f`: one gradient, then one backward pass per input element).

    Parameters
    ----------
    f : callable
        Returns a Variable (with `has_aux`, ``(output, aux)``).
    argnums : int or tuple of int, default 0
        The positional arguments to differentiate with respect to.
    has_aux : bool, default False
        Whether `f` returns ``(output, aux)``.

    Returns
    -------
    callable
        Returns the second derivatives, of shape ``output.shape + x.shape + x.shape``; for
        a tuple `argnums` the nested tuple of blocks ``H[i][j]``; ``(hessian, aux)`` with
        `has_aux`.

    Examples
    --------
    >>> import numpy as np
    >>> from gdezero import func
    >>> func.hessian(lambda x: x[0] ** 2 * x[1])(np.array([1.0, 2.0]))
    variable([[4. 2.]
              [2. 0.]])
    """
    inner = jacrev(f, argnums, has_aux)
    return functools.wraps(f)(jacrev(inner, argnums, has_aux))


# ============================================================================ batching
def vmap(f: Callable[..., Outputs], in_axes: int | tuple[int | None, ...] | list[int | None] | None = 0,
         out_axes: int | tuple[int, ...] | list[int] = 0,
         chunk_size: int | None = None) -> Callable[..., Outputs]:
    """Map `f` over a batch axis in one pass, as ``torch.func.vmap`` / ``jax.vmap``.

    The same function as `gdezero.vmap`, which it calls; see there for `in_axes`,
    `out_axes` and `chunk_size`.

    Parameters
    ----------
    f : callable
        Sees each example without the batch axis.
    in_axes : int, None or tuple, default 0
        The batch axis of each positional argument (None: not mapped).
    out_axes : int or tuple, default 0
        Where the batch axis goes in each output.
    chunk_size : int, optional
        Map in chunks of this many examples, to bound memory.

    Returns
    -------
    callable
        The batched function.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero.functions as F
    >>> from gdezero import func

    Per-example gradients of a squared error: `grad` of one example's loss, mapped over
    the rows of ``X`` and the targets ``t`` (the weights ``w`` shared, not mapped):

    >>> w = np.array([1.0, 2.0])
    >>> X, t = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([0.0, 0.0, 1.0])
    >>> loss = lambda w, x, t: (F.sum(x * w) - t) ** 2
    >>> per_example = func.vmap(func.grad(loss), in_axes=(None, 0, 0))(w, X, t)
    >>> per_example
    variable([[2. 0.]
              [0. 4.]
              [4. 4.]])
    >>> bool(np.allclose(per_example.data, 2 * (X @ w - t)[:, None] * X))  # the closed form
    True
    """
    @functools.wraps(f)
    def vmapped(*args: Any, **kwargs: Any) -> Any:
        return batching.vmap(f, in_axes=in_axes, out_axes=out_axes, chunk_size=chunk_size)(*args, **kwargs)
    return vmapped
