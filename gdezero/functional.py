"""Functional derivatives: grad, hvp, hessian, jacobian, derivatives.

None of them touches a leaf's `.grad`: gradients come back as values, so a user never
needs `cleargrad()` between orders (as in JAX and torch.autograd.grad).
"""
from gdezero.core import Constant, Ones, Variable, _check_recorded, as_variable, backprop
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


def grad(outputs, inputs, grad_outputs=None, create_graph=False):
    """Gradients of `outputs` (weighted by `grad_outputs`, default ones) w.r.t. `inputs`.

    Returns a tuple of Variables, or one Variable when `inputs` is a single Variable.
    An input not connected to the outputs gets zeros of its shape.
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


def scalar_output(f, x, who):
    """f(x), which `who` needs to be a scalar Variable (size 1): else a ValueError saying so."""
    y = f(x)
    if not isinstance(y, Variable) or y.size != 1:
        shape = f"shape {tuple(y.shape)}" if isinstance(y, Variable) else type(y).__name__
        raise ValueError(f"{who} needs f to return a scalar Variable (size 1), got {shape}")
    return y


def hvp(f, x, v, create_graph=False):
    """Hessian of scalar `f` at `x` times `v`, by double backprop (never forms the Hessian)."""
    x = as_variable(x)
    v = v if isinstance(v, Variable) else Constant(v)  # a raw v needs no gradient
    if v.shape != x.shape:
        raise ValueError(f"hvp: v has shape {tuple(v.shape)} but x has shape {tuple(x.shape)}; "
                         f"they must match")
    g = grad(scalar_output(f, x, "hvp"), x, create_graph=True)
    # v as the seed of g's backward: v^T H == H v (H is symmetric), without sum(g * v).
    return grad(g, x, grad_outputs=v, create_graph=create_graph)


def _rows(output, x, create_graph):
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


def hessian(f, x, create_graph=False):
    """The Hessian of scalar `f` at `x`, of shape `x.shape + x.shape` (x.size backward passes)."""
    x = as_variable(x)
    g = grad(scalar_output(f, x, "hessian"), x, create_graph=True)
    return _rows(g, x, create_graph)


def jacobian(f, x, create_graph=False):
    """The Jacobian of `f` at `x`, of shape `f(x).shape + x.shape`."""
    x = as_variable(x)
    return _rows(as_variable(f(x)), x, create_graph)


def derivatives(f, x, n):
    """[f(x), f'(x), ..., f^(n)(x)] for an elementwise `f`, all points at once."""
    x = as_variable(x)
    out = [f(x)]
    for k in range(1, n + 1):
        out.append(grad(out[-1], x, create_graph=k < n))
    return out
