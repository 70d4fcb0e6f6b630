"""Functional derivatives by reverse mode: grad, hvp, hessian, jacobian (derivatives,
jvp and taylor live in gdezero.taylor).

None of them touches a leaf's `.grad`: gradients come back as values, so a user never
needs `cleargrad()` between orders (as in JAX and torch.autograd.grad).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, overload

from gdezero.core import Constant, Ones, Variable, VariableLike, _check_recorded, as_variable, backprop
from gdezero.ops.shapes import reshape, stack


def _seed(y, g):
    if g is None:
        return Ones(y.xp.ones_like(y.data))
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
         grad_outputs: Any = None, create_graph: bool = False) -> Variable: ...
@overload
def grad(outputs: Variable | Sequence[Variable], inputs: Sequence[Variable],
         grad_outputs: Any = None, create_graph: bool = False) -> tuple[Variable, ...]: ...
def grad(outputs, inputs, grad_outputs=None, create_graph=False):
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
        One weight per output, of the output's shape; ones by default.
    create_graph : bool, default False
        Record the backward pass, so the gradients can be differentiated again.

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
        When `grad_outputs` does not match the outputs in number or shape.

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
    single = isinstance(inputs, Variable)
    inputs = _variables(inputs, "inputs")
    outputs = _variables(outputs, "outputs")
    for y in outputs:
        _check_recorded(y, "grad()")
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Variable) or not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad_outputs has {len(grad_outputs)} entries for {len(outputs)} outputs")
    seeds = [_seed(y, g) for y, g in zip(outputs, grad_outputs)]
    found = backprop(outputs, seeds, create_graph, inputs=inputs)
    grads = tuple(found[x] if x in found else Variable(x.xp.zeros_like(x.data)) for x in inputs)
    return grads[0] if single else grads


def scalar_output(f: Callable[..., Any], x: Variable, who: str) -> Variable:
    """f(x), which `who` needs to be a scalar Variable (size 1): else a ValueError saying so."""
    y = f(x)
    if not isinstance(y, Variable) or y.size != 1:
        shape = f"shape {tuple(y.shape)}" if isinstance(y, Variable) else type(y).__name__
        raise ValueError(f"{who} needs f to return a scalar Variable (size 1), got {shape}")
    return y


def hvp(f: Callable[[Variable], Variable], x: VariableLike, v: VariableLike,
        create_graph: bool = False) -> Variable:
    """The Hessian of a scalar function `f` at `x` times `v`, by double backprop.

    Costs about two gradients; the Hessian is never formed.

    Parameters
    ----------
    f : callable
        Takes a Variable of `x`'s shape and returns a scalar Variable (size 1).
    x : Variable or array
        The point.
    v : Variable or array
        The direction, of `x`'s shape.
    create_graph : bool, default False
        Record the result's graph, for a further derivative.

    Returns
    -------
    Variable
        ``H(x) v``, of `x`'s shape.

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
    x = as_variable(x)
    v = v if isinstance(v, Variable) else Constant(v)  # a raw v needs no gradient
    if v.shape != x.shape:
        raise ValueError(f"hvp: v has shape {tuple(v.shape)} but x has shape {tuple(x.shape)}; "
                         f"they must match")
    g = grad(scalar_output(f, x, "hvp"), x, create_graph=True)
    # v as the seed of g's backward: v^T H == H v (H is symmetric), without sum(g * v).
    return grad(g, x, grad_outputs=v, create_graph=create_graph)


def _rows(output: Variable, x: Variable, create_graph: bool) -> Variable:
    """Rows d output[i] / dx for every element i of `output`, one backward pass each."""
    xp = output.xp
    m = output.size
    rows = []
    for i in range(m):
        seed = xp.zeros(m, dtype=output.dtype, device=output.device)
        seed[i] = 1
        rows.append(grad(output, x, grad_outputs=xp.reshape(seed, output.shape),
                         create_graph=create_graph))
    if not rows:
        return Variable(xp.zeros(tuple(output.shape) + tuple(x.shape), dtype=x.dtype, device=x.device))
    return reshape(stack(rows), tuple(output.shape) + tuple(x.shape))


def hessian(f: Callable[[Variable], Variable], x: VariableLike, create_graph: bool = False) -> Variable:
    """The Hessian of a scalar function `f` at `x`, by double backprop (``x.size`` passes).

    Parameters
    ----------
    f : callable
        Takes a Variable of `x`'s shape and returns a scalar Variable (size 1).
    x : Variable or array
        The point.
    create_graph : bool, default False
        Record the result's graph, for a further derivative.

    Returns
    -------
    Variable
        The second derivatives, of shape ``x.shape + x.shape``.

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
    x = as_variable(x)
    g = grad(scalar_output(f, x, "hessian"), x, create_graph=True)
    return _rows(g, x, create_graph)


def jacobian(f: Callable[[Variable], VariableLike], x: VariableLike,
             create_graph: bool = False) -> Variable:
    """The Jacobian of `f` at `x`, by reverse mode (one backward pass per output element).

    Parameters
    ----------
    f : callable
        Takes a Variable of `x`'s shape and returns a Variable (or array) of any shape.
    x : Variable or array
        The point.
    create_graph : bool, default False
        Record the result's graph, for a further derivative.

    Returns
    -------
    Variable
        ``d f(x)[i] / d x[j]``, of shape ``f(x).shape + x.shape``.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> gd.jacobian(lambda x: x * x, np.array([1.0, 2.0]))
    variable([[2. 0.]
              [0. 4.]])
    """
    x = as_variable(x)
    return _rows(as_variable(f(x)), x, create_graph)
