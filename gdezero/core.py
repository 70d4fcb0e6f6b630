"""The graph engine: Variable, Function, the backprop loop and arithmetic.

Nothing here does array math beyond operators and the Array API standard on the
namespace of the inputs, so the same graph (including recorded backward passes)
runs on every backend.
"""
import contextlib
import heapq
import math
import weakref

import numpy as np

from gdezero import backend
from gdezero.backend import as_backend_array, get_array_module, is_array


class Config:
    enable_backprop = True


@contextlib.contextmanager
def using_config(name, value):
    old_value = getattr(Config, name)
    setattr(Config, name, value)
    try:
        yield
    finally:
        setattr(Config, name, old_value)


def no_grad():
    return using_config("enable_backprop", False)


_SCALARS = (int, float)
_ndarray = np.ndarray
_generic = np.generic
_asarray = np.asarray
_object_new = object.__new__
_weakref = weakref.ref


# ============================================================================ Variable
class Variable:
    __slots__ = ("data", "name", "grad", "creator", "generation", "__weakref__")
    # Lets `ndarray op Variable` fall through to Variable's reflected operators.
    __array_ufunc__ = None
    __array_priority__ = 200
    _constant = False  # see Constant

    def __init__(self, data, name=None):
        if data is not None:
            data = as_backend_array(data)  # a NumPy scalar becomes a 0-d array
            if not is_array(data):
                raise TypeError(
                    f"Variable data must be an array (numpy.ndarray, cupy.ndarray, "
                    f"torch.Tensor, array_api_strict array, ...) or None, got "
                    f"{type(data).__name__}: {data!r:.60}; wrap it first, e.g. "
                    f"Variable(np.array(...)) or gd.as_array(...)")
        self.data = data
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
        """Cut every link above this Variable (DeZero), iteratively for long chains."""
        stack = [self.creator] if self.creator is not None else []
        seen = set()
        while stack:
            f = stack.pop()
            for x in f.inputs:
                if x.creator is not None and id(x.creator) not in seen:
                    seen.add(id(x.creator))
                    stack.append(x.creator)
                x.unchain()
        self.unchain()

    def backward(self, retain_grad=False, create_graph=False):
        if self.grad is None:
            self.grad = Ones(self.xp.ones_like(self.data))
        grads = backprop([self], [self.grad], create_graph, keep=None if retain_grad else ())
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

    # The differentiable methods are bound once functions.py is imported.
    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return _functions().reshape(self, shape)

    def transpose(self, *axes):
        if len(axes) == 0:
            axes = None
        elif len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return _functions().transpose(self, axes)

    @property
    def T(self):
        return _functions().transpose(self)

    def sum(self, axis=None, keepdims=False):
        return _functions().sum(self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        return _functions().max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        return _functions().min(self, axis, keepdims)

    def __getitem__(self, slices):
        return _functions().get_item(self, slices)

    def matmul(self, other):
        return _functions().matmul(self, other)

    def __matmul__(self, other):
        return _functions().matmul(self, other)

    def __rmatmul__(self, other):
        return _functions().matmul(other, self)

    # Arithmetic operators (bound below to keep the class body short).


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
    """The default seed of a backward pass: ones of the output's shape and dtype.

    While a graph is recorded, `Ones * v` for a recorded `v` of the same shape and dtype
    is `v` itself: the first product of every higher-order pass costs no array op and no
    node. (Without recording the product is computed, so `.grad` never aliases a forward
    Variable.)
    """
    __slots__ = ()


def _functions():
    from gdezero import functions
    return functions


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


def _wrap(obj):
    """An op's input: Variables pass through, raw arrays become constants."""
    return obj if isinstance(obj, Variable) else Constant(obj)


def _new_variable(data, cls=Variable):
    # Outputs of kernels skip the constructor's validation: data is known to be an array.
    v = cls.__new__(cls)
    v.data = data
    v.name = None
    v.grad = None
    v.creator = None
    v.generation = 0
    return v


# ============================================================================ Function
class Function:
    """A node of the graph. Subclasses implement `forward` on raw arrays and
    `backward` on Variables (with gdezero functions only, so it is differentiable)."""

    generation = 0
    inputs = ()
    outputs = ()

    def __call__(self, *inputs):
        # Fast paths for one and two inputs (nearly every op); the general case below.
        n = len(inputs)
        if n == 1:
            x0 = inputs[0]
            if not isinstance(x0, Variable):
                x0 = _wrap(x0)
                inputs = (x0,)
            ys = self.forward(x0.data)
            generation = x0.generation
            constant = x0._constant
        elif n == 2:
            x0, x1 = inputs
            if not isinstance(x0, Variable) or not isinstance(x1, Variable):
                x0, x1 = _wrap(x0), _wrap(x1)
                inputs = (x0, x1)
            d0, d1 = x0.data, x1.data
            if type(d0) is not _ndarray or type(d1) is not _ndarray:
                get_array_module(d0, d1)  # one clear error for mixed backends or devices
            ys = self.forward(d0, d1)
            g0, g1 = x0.generation, x1.generation
            generation = g0 if g0 > g1 else g1
            constant = x0._constant and x1._constant
        else:
            inputs = tuple([_wrap(x) for x in inputs])
            xs = [x.data for x in inputs]
            if n > 1:
                get_array_module(*xs)
            ys = self.forward(*xs)
            generation = max([x.generation for x in inputs], default=0)
            constant = all([x._constant for x in inputs])
        cls = Constant if constant else Variable
        record = Config.enable_backprop and not constant
        if type(ys) is not tuple:  # one output; _new_variable inlined
            if type(ys) is not _ndarray:  # NumPy returns scalars for 0-d results
                ys = _asarray(ys) if isinstance(ys, _generic) else as_backend_array(ys)
            out = _object_new(cls)
            out.data = ys
            out.name = None
            out.grad = None
            if record:
                self.generation = generation
                out.creator = self
                out.generation = generation + 1
                self.inputs = inputs
                self.outputs = (_weakref(out),)
            else:
                out.creator = None
                out.generation = 0
            return out
        outputs = [_new_variable(as_backend_array(y), cls) for y in ys]
        if record:
            self.generation = generation
            for output in outputs:
                output.creator = self
                output.generation = generation + 1
            self.inputs = inputs
            self.outputs = tuple([weakref.ref(output) for output in outputs])
        return outputs if len(outputs) > 1 else outputs[0]

    def forward(self, *xs):
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def backward(self, *gys):
        raise NotImplementedError(f"{type(self).__name__}.backward")


def backprop(outputs, seeds, create_graph=False, keep=None):
    """Propagate `seeds` from `outputs` back through the graph.

    Returns {variable: grad} for every leaf reached (constants excepted), for the variables in `keep` (a set
    of Variables), and (keep=None) for every variable reached. Grads of other
    intermediates are dropped as soon as their function has run, so memory stays flat.
    Variables hash by identity, so they key the dict directly.
    """
    push, pop = heapq.heappush, heapq.heappop
    grads = {}
    heap = []
    seen = set()

    def accumulate(x, gx):  # add gx into x's grad; schedule x's creator once
        g = grads.get(x)
        grads[x] = gx if g is None else g + gx
        c = x.creator
        if c is not None and c not in seen:
            seen.add(c)
            push(heap, (-c.generation, len(seen), c))

    old = Config.enable_backprop
    Config.enable_backprop = create_graph
    try:
        for y, gy in zip(outputs, seeds):
            accumulate(y, gy)
        while heap:
            f = pop(heap)[2]
            refs = f.outputs
            if len(refs) == 1:
                out = refs[0]()
                gxs = f.backward(grads[out])
                if keep is not None and out not in keep:
                    del grads[out]
            else:
                outs = [ref() for ref in refs]
                gys = []
                for out in outs:
                    gy = None if out is None else grads.get(out)
                    if gy is None:  # an unused output of a multi-output function
                        gy = None if out is None else Constant(out.xp.zeros_like(out.data))
                    gys.append(gy)
                gxs = f.backward(*gys)
                if keep is not None:
                    for out in outs:
                        if out is not None and out not in keep:
                            grads.pop(out, None)
            if type(gxs) is not tuple:
                gxs = (gxs,)
            for x, gx in zip(f.inputs, gxs):
                if gx is not None and not x._constant:
                    accumulate(x, gx)
    finally:
        Config.enable_backprop = old
    return grads


# ============================================================================ arithmetic
def _broadcast_grad(gx, shape):
    return gx if gx.data.shape == shape else _functions().sum_to(gx, shape)


# Binary ops: when both inputs have one shape (the common case) no grad needs reducing.
class Add(Function):
    def forward(self, x0, x1):
        return x0 + x1

    def backward(self, gy):
        x0, x1 = self.inputs
        s0, s1 = x0.data.shape, x1.data.shape
        if s0 == s1:
            return gy, gy
        return _broadcast_grad(gy, s0), _broadcast_grad(gy, s1)


class Sub(Function):
    def forward(self, x0, x1):
        return x0 - x1

    def backward(self, gy):
        x0, x1 = self.inputs
        s0, s1 = x0.data.shape, x1.data.shape
        gx1 = None if x1._constant else -gy
        if s0 == s1:
            return gy, gx1
        return _broadcast_grad(gy, s0), None if gx1 is None else _broadcast_grad(gx1, s1)


class Mul(Function):
    def forward(self, x0, x1):
        return x0 * x1

    def backward(self, gy):
        x0, x1 = self.inputs
        gx0 = None if x0._constant else gy * x1
        gx1 = None if x1._constant else gy * x0
        s0, s1 = x0.data.shape, x1.data.shape
        if s0 == s1:
            return gx0, gx1
        return (None if gx0 is None else _broadcast_grad(gx0, s0),
                None if gx1 is None else _broadcast_grad(gx1, s1))


class ScaledMul(Function):  # x0 * x1 * c for one shape, c a Python scalar: the backward of x ** c
    def __init__(self, c):
        self.c = c

    def forward(self, x0, x1):
        y = x0 * x1
        y *= self.c  # in place: y is the fresh product, aliased by no one (one temporary less)
        return y

    def backward(self, gy):
        x0, x1 = self.inputs
        return (None if x0._constant else ScaledMul(self.c)(gy, x1),
                None if x1._constant else ScaledMul(self.c)(gy, x0))


class Div(Function):
    def forward(self, x0, x1):
        return x0 / x1

    def backward(self, gy):
        x0, x1 = self.inputs
        gx0 = gy / x1
        return (None if x0._constant else _broadcast_grad(gx0, x0.shape),
                None if x1._constant else _broadcast_grad(-gx0 * x0 / x1, x1.shape))


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


# Ops with a Python-scalar constant keep the scalar unconverted: it never promotes the
# dtype (float32 stays float32) and costs no gradient.
class AddConstant(Function):
    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x + self.c

    def backward(self, gy):
        return gy


class MulConstant(Function):
    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x * self.c

    def backward(self, gy):
        return gy * self.c


class RSubConstant(Function):  # c - x
    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return self.c - x

    def backward(self, gy):
        return -gy


class DivConstant(Function):  # x / c
    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x / self.c

    def backward(self, gy):
        return gy / self.c


class RDivConstant(Function):  # c / x
    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return self.c / x

    def backward(self, gy):
        x, = self.inputs
        return gy * (-self.c) / (x * x)


class Pow(Function):  # x ** c, c a Python scalar
    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x ** self.c

    def backward(self, gy):
        x, = self.inputs
        c = self.c
        if c == 0:
            return gy * 0
        if c == 1:
            return gy
        return ScaledMul(c)(gy, x if c == 2 else x ** (c - 1))


class RPow(Function):  # c ** x, c a positive Python scalar
    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return self.c ** x

    def backward(self, gy):
        x, = self.inputs
        return gy * rpow(x, self.c) * math.log(self.c)


def add(x0, x1):
    if isinstance(x1, _SCALARS):
        return AddConstant(x1)(x0)
    return Add()(x0, x1)


def sub(x0, x1):
    if isinstance(x1, _SCALARS):
        return AddConstant(-x1)(x0)  # x - c == x + (-c) exactly in IEEE arithmetic
    return Sub()(x0, x1)


def rsub(x0, x1):
    if isinstance(x1, _SCALARS):
        return RSubConstant(x1)(x0)
    return Sub()(x1, x0)


def mul(x0, x1):
    if isinstance(x1, _SCALARS):
        return MulConstant(x1)(x0)
    if (type(x1) is Ones or type(x0) is Ones) and Config.enable_backprop:
        one, other = (x1, x0) if type(x1) is Ones else (x0, x1)
        if (isinstance(other, Variable) and other.creator is not None
                and other.data.shape == one.data.shape and other.data.dtype == one.data.dtype):
            return other
    return Mul()(x0, x1)


def div(x0, x1):
    if isinstance(x1, _SCALARS):
        return DivConstant(x1)(x0)
    return Div()(x0, x1)


def rdiv(x0, x1):
    if isinstance(x1, _SCALARS):
        return RDivConstant(x1)(x0)
    return Div()(x1, x0)


def neg(x):
    return Neg()(x)


def pow(x, c):
    if not isinstance(c, _SCALARS) or isinstance(c, bool):
        raise TypeError(
            f"the exponent of ** must be a Python int or float constant, got "
            f"{type(c).__name__}; for a variable exponent use F.exp(c * F.log(x))")
    return Pow(c)(x)


def rpow(x, c):
    if not isinstance(c, _SCALARS) or isinstance(c, bool) or c <= 0:
        raise TypeError(
            f"c ** Variable needs a positive Python int or float base, got {c!r}; "
            f"for other bases use F.exp(x * F.log(c))")
    return RPow(c)(x)


Variable.__add__ = add
Variable.__radd__ = add
Variable.__sub__ = sub
Variable.__rsub__ = rsub
Variable.__mul__ = mul
Variable.__rmul__ = mul
Variable.__truediv__ = div
Variable.__rtruediv__ = rdiv
Variable.__neg__ = neg
Variable.__pow__ = pow
Variable.__rpow__ = rpow
