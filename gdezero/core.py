"""The graph engine: grad mode, Variable, Function and the backprop loop.

The engine does no array math of its own and never imports the op layer
(`gdezero.ops`), which binds operators and methods onto `Variable`. It owns what every
op would otherwise repeat: which inputs need a gradient, summing a gradient back to its
input's shape, checking what a `backward` returns, and never handing out an alias.
"""
import contextlib
import contextvars
import heapq
import math
import weakref

from gdezero import backend
from gdezero.backend import get_array_module, is_array

# ============================================================================ grad mode
# Per thread and per asyncio task: no_grad() in one never changes what another records.
_enable_backprop = contextvars.ContextVar("gdezero_enable_backprop", default=True)
_is_recording = _enable_backprop.get


class _Config:
    """DeZero's `Config.enable_backprop`, read and set in the current thread / task only."""

    @property
    def enable_backprop(self):
        return _enable_backprop.get()

    @enable_backprop.setter
    def enable_backprop(self, value):
        _enable_backprop.set(bool(value))


Config = _Config()


@contextlib.contextmanager
def using_config(name, value):
    if name != "enable_backprop":
        raise ValueError(f"unknown config {name!r}; gdezero has 'enable_backprop'")
    token = _enable_backprop.set(bool(value))
    try:
        yield
    finally:
        _enable_backprop.reset(token)


def no_grad():
    return using_config("enable_backprop", False)


# `generation` of an output computed while recording was off: it has no creator, yet it
# is not a leaf a user made, so differentiating it raises instead of giving zeros.
UNRECORDED = -1

_weakref = weakref.ref
_object_new = object.__new__
_SINGLE_DEVICE_TYPES = backend.SINGLE_DEVICE_TYPES
_NORMALISE = backend.OUTPUT_NORMALISERS


# ============================================================================ Variable
class Variable:
    __slots__ = ("data", "name", "grad", "creator", "generation", "__weakref__")
    # Lets `ndarray op Variable` fall through to Variable's reflected operators.
    __array_ufunc__ = None
    __array_priority__ = 200
    _constant = False  # see Constant

    def __init__(self, data, name=None):
        self.data = None if data is None else backend.as_variable_data(data)
        self.name = name
        self.grad = None
        self.creator = None
        self.generation = 0

    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return math.prod(self.data.shape)

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self):
        return backend.device_of(self.data)

    @property
    def xp(self):
        return backend.namespace_of_type(self.data)

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d Variable")
        return self.data.shape[0]

    def __repr__(self):
        if self.data is None:
            return "variable(None)"
        body = str(self.data).replace("\n", "\n" + " " * 9)
        return f"variable({body})"

    def cleargrad(self):
        self.grad = None

    def unchain(self):
        self.creator = None

    def unchain_backward(self):
        """Cut every link behind this Variable (DeZero); its own creator stays."""
        stack = [self.creator] if self.creator is not None else []
        seen = set(stack)
        while stack:  # iterative: a 100,000-op chain must not hit the recursion limit
            for x in stack.pop().inputs:
                if x.creator is not None and x.creator not in seen:
                    seen.add(x.creator)
                    stack.append(x.creator)
                x.unchain()

    def detach(self):
        """A new leaf sharing this Variable's data, outside any graph."""
        return Variable(self.data, self.name)

    def backward(self, retain_grad=False, create_graph=False):
        """Accumulate d self / d leaf into every leaf's `.grad` (seeded with ones)."""
        _check_recorded(self, "backward()")
        if self.grad is None:  # the seed is internal: y.grad gets arrays of its own
            self.grad = _leaf(Variable, backend.ones_like(self.data))
            seed = _leaf(Ones, backend.ones_like(self.data))
        else:
            seed = self.grad
            if tuple(seed.shape) != tuple(self.data.shape):
                raise ValueError(
                    f"backward(): y.grad has shape {tuple(seed.shape)} but y has shape "
                    f"{tuple(self.data.shape)}; set y.grad to a Variable of y's shape (or None "
                    f"for ones)")
        grads = backprop([self], [seed], create_graph, retain_grad=retain_grad)
        for var, g in grads.items():
            if var is self:
                continue
            if var.creator is None and var.grad is not None:  # accumulate into a leaf
                with using_config("enable_backprop", create_graph):
                    var.grad = var.grad + g
            else:  # a fresh leaf grad, or (retain_grad) a reached non-leaf's
                var.grad = g

    def to_gpu(self, device=None):
        if self.data is None:
            raise RuntimeError("to_gpu(): this Variable holds no data (None); set .data first")
        self.data = backend.to_gpu(self.data, device)
        if self.grad is not None:
            self.grad.to_gpu(device)
        return self

    def to_cpu(self):
        if self.data is not None:
            self.data = backend.to_cpu(self.data)
        if self.grad is not None:
            self.grad.to_cpu()
        return self

    # Operators and the differentiable methods (reshape, sum, @, [] ...) are bound by gdezero.ops.


class Parameter(Variable):
    __slots__ = ()


class Constant(Variable):
    """A Variable that needs no gradient: backward seeds, masks, raw arrays passed to an op.

    An op whose inputs are all constants returns a constant and records no graph;
    backprop never computes or accumulates a gradient for a constant (as torch does for
    tensors without requires_grad). This keeps seeds out of higher-order graphs: no
    wasted products, no `.grad` on seeds, no reference cycles through them.
    """
    __slots__ = ()
    _constant = True


class Ones(Constant):
    """The seed of a backward pass: ones of the output's shape and dtype. Internal only.

    While a graph is recorded, `Ones * v` for a recorded `v` of the same shape and dtype
    is `v` itself, so the first product of every higher-order pass costs no op and no
    node. backprop copies any gradient that would alias a forward Variable or a seed
    before handing it out, so users never see the shortcut.
    """
    __slots__ = ()


def _leaf(cls, data):
    """A new `cls` holding `data`, an array known to be valid (a kernel's or the backend's)."""
    v = _object_new(cls)
    v.data, v.name, v.grad, v.creator, v.generation = data, None, None, None, 0
    return v


def as_variable(obj):
    if isinstance(obj, Variable):
        return obj
    return Variable(obj)


def as_array(x, xp=None):
    """Arrays pass through; Python and NumPy scalars become 0-d arrays (of `xp`)."""
    if is_array(x):
        return x
    if xp is None:
        xp = get_array_module(x)
    return xp.asarray(x)


def _as_input(obj):
    """An op's input: Variables pass through, raw arrays become constants."""
    return obj if isinstance(obj, Variable) else Constant(obj)


def _check_recorded(y, what):
    if y.generation == UNRECORDED:
        raise RuntimeError(
            f"{what}: this output was not recorded (it was computed under no_grad(), or it is a "
            f"gradient made with create_graph=False), so it has no graph to differentiate; "
            f"compute it with recording on, e.g. gd.grad(..., create_graph=True) or outside "
            f"no_grad()")


# ============================================================================ Function
def _needs(constant_flags):
    """(needs_grad, whether any input needs a gradient) for inputs' `_constant` flags."""
    needs = tuple([not c for c in constant_flags])
    return needs, any(needs)


# Interned for the fast path, keyed by the inputs' `_constant` flags.
_NEEDS1 = {c: _needs((c,)) for c in (False, True)}
_NEEDS2 = {(a, b): _needs((a, b)) for a in (False, True) for b in (False, True)}


class Function:
    """A node of the graph. Subclasses implement `forward` on raw arrays, `backward` on
    Variables (with gdezero ops only, so it is differentiable again) and, optionally,
    `taylor` on stacked Taylor coefficients. An instance records one call (single use)."""

    generation = 0
    inputs = ()
    outputs = ()
    needs_grad = ()  # one bool per input: False for constants (torch's needs_input_grad)

    def __call__(self, *inputs):
        if self.inputs:
            raise RuntimeError(
                f"{type(self).__name__} instance called a second time: a Function records one "
                f"node; make a new instance for every call")
        n = len(inputs)
        if n == 1:  # the fast path, for unary and binary ops (nearly all): no loops
            x0 = inputs[0]
            if not isinstance(x0, Variable):
                x0 = _as_input(x0)
                inputs = (x0,)
            ys = self.forward(x0.data)
            needs, live = _NEEDS1[x0._constant]
            generation = x0.generation
        elif n == 2:
            x0, x1 = inputs
            if not isinstance(x0, Variable) or not isinstance(x1, Variable):
                x0, x1 = inputs = (_as_input(x0), _as_input(x1))
            d0, d1 = x0.data, x1.data
            if type(d0) is not type(d1) or type(d0) not in _SINGLE_DEVICE_TYPES:
                backend.check_operands((d0, d1))  # one clear error for mixed backends or devices
            ys = self.forward(d0, d1)
            needs, live = _NEEDS2[x0._constant, x1._constant]
            g0, g1 = x0.generation, x1.generation
            generation = g0 if g0 > g1 else g1
        else:  # the generic path
            inputs = tuple([_as_input(x) for x in inputs])
            xs = [x.data for x in inputs]
            if xs:
                backend.check_operands(xs)
            ys = self.forward(*xs)
            needs, live = _needs([x._constant for x in inputs])
            generation = max([x.generation for x in inputs], default=0)
        self.inputs = inputs
        return _record(self, ys, needs, live, generation)

    def forward(self, *xs):
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def backward(self, *gys):
        raise NotImplementedError(f"{type(self).__name__}.backward")


def _record(f, ys, needs, live, generation):
    """The outputs of `f` (the only place outputs are made): one Variable, or a list for a
    tuple of arrays; linked to `f` when recording.

    Outputs of constants are constants; outputs made while recording is off are marked
    UNRECORDED, so that differentiating them raises instead of giving zeros.
    """
    record = live and _is_recording()
    cls = Variable if live else Constant
    out_generation = generation + 1 if record else (UNRECORDED if live else 0)
    if type(ys) is tuple:
        outputs = [_record(f, y, needs, live, generation) for y in ys]
        if record:  # a freed output still gets a zero gradient of its shape
            f.outputs = tuple([_weakref(out) for out in outputs])
            f.output_specs = tuple([(y.shape, y.dtype) for y in outputs])
        return outputs
    out = _object_new(cls)
    normalise = _NORMALISE.get(type(ys))
    out.data = ys if normalise is None else normalise(ys)
    out.name = None
    out.grad = None
    if record:
        out.creator = f
        f.generation = generation
        f.needs_grad = needs
        f.outputs = (_weakref(out),)
    else:
        out.creator = None
    out.generation = out_generation
    return out


class Copy(Function):
    """y = x with its own array: what backprop hands out instead of an alias."""

    def forward(self, x):
        return backend.namespace_of_type(x).asarray(x, copy=True)

    def backward(self, gy):
        return gy

    def taylor(self, x):
        return x


# ============================================================================ backprop
def _checked_grad(f, x, gx):
    """gx, checked as f.backward's gradient for input x: a Variable (a raw array is
    wrapped) of x's backend and shape, or of a shape x broadcasts to, summed back."""
    i = f.inputs.index(x)
    if not isinstance(gx, Variable):
        if not is_array(gx):
            raise TypeError(f"{type(f).__name__}.backward returned {type(gx).__name__} for "
                            f"input {i}; return a Variable (or an array, or None)")
        gx = Constant(gx)
    gd, xd = gx.data, x.data
    backend.check_operands((xd, gd), f"{type(f).__name__}.backward's gradient for input {i}")
    if gd.shape != xd.shape:
        if not backend.broadcasts_to(xd.shape, gd.shape):
            raise ValueError(
                f"{type(f).__name__}.backward returned a gradient of shape {tuple(gd.shape)} "
                f"for input {i} of shape {tuple(xd.shape)}; it must have the input's shape "
                f"(or a shape the input broadcasts to, which is summed back)")
        gx = gx.sum_to(xd.shape)
    return gx


def _wrong_count(f, gxs):
    return ValueError(f"{type(f).__name__}.backward returned {len(gxs)} gradient(s) for "
                      f"{len(f.inputs)} input(s); return one per input (None where there is none)")


def _output_grad(f, i, out, grads, drop, keep):
    """Output i's gradient for f.backward, dropped from `grads` unless it is to be kept;
    zeros of its shape where the output is unused or freed."""
    if out is None or out not in grads:
        shape, dtype = f.output_specs[i]
        like = f.inputs[0].data
        xp = backend.namespace_of_type(like)
        return Constant(xp.zeros(shape, dtype=dtype, device=backend.device_of(like)))
    return grads.pop(out) if drop and out not in keep else grads[out]


def _hand_out(g, visited, create_graph):
    """g if backprop made it, else a copy: never a seed, a constant or a forward Variable.

    Without create_graph the copy is an unrecorded Variable (differentiating it raises);
    with it, a constant stays a constant (its derivative is zero) and anything else
    gets a recorded Copy node.
    """
    made_here = g.creator not in visited if g.creator is not None else g.generation == UNRECORDED
    if made_here:
        return g
    if create_graph:
        return Copy()(g)
    out = Variable(g.xp.asarray(g.data, copy=True))
    out.generation = UNRECORDED
    return out


def backprop(outputs, seeds, create_graph=False, inputs=None, retain_grad=False):
    """Propagate `seeds` from `outputs` back through their graph.

    Returns {variable: gradient} for the Variables in `inputs`, or, with inputs=None,
    for every leaf reached (and, with retain_grad, every Variable reached). Other
    gradients are dropped as soon as their function has run, so memory stays flat.
    Functions run in reverse generation order, each once, after all its outputs' grads
    are complete. Recording is `create_graph`, in this thread / task only.
    """
    push, pop = heapq.heappush, heapq.heappop
    wanted = None if inputs is None else set(inputs)
    keep = () if wanted is None else wanted  # non-leaf grads to keep: wanted inputs' only
    drop = not retain_grad
    grads = {}
    heap = []
    visited = set()

    def accumulate(x, gx):  # add gx into x's grad; schedule x's creator once
        g = grads.get(x)
        grads[x] = gx if g is None else g + gx
        c = x.creator
        if c is not None and c not in visited:
            visited.add(c)
            push(heap, (-c.generation, len(visited), c))

    token = _enable_backprop.set(create_graph)
    try:
        for y, gy in zip(outputs, seeds):
            accumulate(y, gy)
        while heap:
            f = pop(heap)[2]
            refs = f.outputs
            if len(refs) == 1:  # a scheduled one-output function's output is alive with a grad
                out = refs[0]()
                gxs = f.backward(grads.pop(out) if drop and out not in keep else grads[out])
            else:
                gxs = f.backward(*[_output_grad(f, i, ref(), grads, drop, keep)
                                   for i, ref in enumerate(refs)])
            inputs = f.inputs
            if type(gxs) is not tuple:
                gxs = (gxs,)
            if len(gxs) != len(inputs):
                raise _wrong_count(f, gxs)
            for x, gx, need in zip(inputs, gxs, f.needs_grad):
                if gx is None or not need:
                    continue
                if (not isinstance(gx, Variable) or type(gx.data) is not type(x.data)
                        or gx.data.shape != x.data.shape):
                    gx = _checked_grad(f, x, gx)
                if wanted is None or x.creator is not None or x in wanted:
                    accumulate(x, gx)
        if wanted is not None:
            found = {x: grads[x] for x in wanted if x in grads}
        elif retain_grad:
            found = grads
        else:
            found = {x: g for x, g in grads.items() if x.creator is None}
        return {x: _hand_out(g, visited, create_graph) for x, g in found.items()}
    finally:
        _enable_backprop.reset(token)
