"""Functional derivatives by reverse mode: grad, hvp, hessian, jacobian (derivatives,
jvp and taylor live in gdezero.taylor).

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


def hvp(f, x, v, create_graph=False):
    """Hessian of scalar `f` at `x` times `v`, by double backprop (never forms the Hessian).

    With tuples `x = (x1, ..., xn)` and `v = (v1, ..., vn)`, f is called as f(*x) and the
    result is the tuple (sum_j H_1j v_j, ..., sum_j H_nj v_j), as torch.autograd.functional.hvp.
    """
    xs, several = _inputs(x)
    if several != isinstance(v, (tuple, list)) or (several and len(v) != len(xs)):
        got = f"a tuple of {len(v)}" if isinstance(v, (tuple, list)) else "one array"
        want = f"a tuple of {len(xs)}" if several else "one array"
        raise ValueError(f"hvp: v must match x: x is {want}, v is {got}")
    vs = tuple(v) if several else (v,)
    vs = tuple(vi if isinstance(vi, Variable) else Constant(vi) for vi in vs)  # raw v needs no grad
    for i, (xi, vi) in enumerate(zip(xs, vs)):
        if vi.shape != xi.shape:
            which = f"[{i}]" if several else ""
            raise ValueError(f"hvp: v{which} has shape {tuple(vi.shape)} but x{which} has shape "
                             f"{tuple(xi.shape)}; they must match")
    g = grad(_require_scalar(f(*xs), "hvp"), xs, create_graph=True)
    live = [i for i, gi in enumerate(g) if _depends_on(gi, xs)]
    hv = [_zeros(xi.shape, xi) for xi in xs]
    if live:
        # v as the seed of g's backward: v^T H == H v (H is symmetric), without sum(g * v).
        found = grad([g[i] for i in live], xs, grad_outputs=[vs[i] for i in live],
                     create_graph=create_graph)
        hv = list(found)
    return tuple(hv) if several else hv[0]


def _rows(output, xs, create_graph):
    """The blocks d output / d x for every x in `xs`, each of shape output.shape + x.shape:
    one backward pass per element of `output`, giving that row of every block at once."""
    xp = output.xp
    m = output.size
    if m == 0 or not _depends_on(output, xs):
        return tuple(_zeros(tuple(output.shape) + tuple(x.shape), x) for x in xs)
    rows = [[] for _ in xs]
    for i in range(m):
        seed = xp.zeros(m, dtype=output.dtype, device=output.device)
        seed[i] = 1
        found = grad(output, xs, grad_outputs=xp.reshape(seed, output.shape), create_graph=create_graph)
        for block, g in zip(rows, found):
            block.append(g)
    return tuple(reshape(stack(block), tuple(output.shape) + tuple(x.shape))
                 for block, x in zip(rows, xs))


def hessian(f, x, create_graph=False):
    """The Hessian of scalar `f` at `x`, of shape `x.shape + x.shape` (x.size backward passes).

    With a tuple `x = (x1, ..., xn)`, f is called as f(*x) and the result is the nested
    tuple of blocks H[i][j] = d^2 f / dx_i dx_j of shape x_i.shape + x_j.shape, as
    torch.autograd.functional.hessian.
    """
    xs, several = _inputs(x)
    g = grad(_require_scalar(f(*xs), "hessian"), xs, create_graph=True)
    blocks = tuple(_rows(gi, xs, create_graph) for gi in g)
    return blocks if several else blocks[0][0]


def jacobian(f, x, create_graph=False):
    """The Jacobian of `f` at `x`, of shape `f(x).shape + x.shape`.

    As torch.autograd.functional.jacobian: with a tuple `x`, f is called as f(*x) and each
    output gets a tuple of blocks, one per input; a tuple of outputs gives a tuple over the
    outputs (nested over the inputs when `x` is a tuple too).
    """
    xs, several = _inputs(x)
    y = f(*xs)
    several_outputs = isinstance(y, (tuple, list))
    ys = tuple(as_variable(yi) for yi in y) if several_outputs else (as_variable(y),)
    blocks = tuple(b if several else b[0] for b in (_rows(yi, xs, create_graph) for yi in ys))
    return blocks if several_outputs else blocks[0]

