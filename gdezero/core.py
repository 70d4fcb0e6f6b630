"""The graph engine: grad mode, Variable, Function, the graph walk and the backprop loop.

The engine does no array math of its own and never imports the op layer
(`gdezero.ops`), which binds operators and methods onto `Variable`; it calls none of
them, and owns the few ops it needs itself (`Add`, `SumTo` with its adjoint
`BroadcastTo`, `Copy`). It owns what every op would otherwise repeat: which inputs need
a gradient, summing a gradient back to its input's shape, checking what a `backward`
returns, and never handing out an alias.

Invariants held by tests elsewhere:

- loaded without ``gdezero/__init__``, this module runs backward, with broadcasting and
  create_graph, and loads no op module (tests/test_engine_standalone.py);
- a constant (a raw array given to an op, a seed) gets no gradient and records no node;
  an op on constants only returns a constant (tests/test_constants.py);
- an output computed while recording is off is UNRECORDED: differentiating it raises,
  never gives zeros (tests/test_core.py, tests/test_constants.py);
- backprop hands out copies, never an alias of a seed, a constant or a forward
  Variable (tests/test_engine.py, tests/test_constants.py);
- the per-op and per-edge paths keep W1-W6 within the instruction budgets recorded in
  benchmarks/RESULTS.md (callgrind; not a test).
"""
from __future__ import annotations

import contextlib
import contextvars
import heapq
import math
import weakref
from collections.abc import Callable, Iterator
from types import EllipsisType
from typing import TYPE_CHECKING, Any, TypeAlias

from gdezero import backend
from gdezero.backend import Array, Device, DType, Namespace, get_array_module, is_array
from gdezero.taylor import series as S

# ============================================================================ grad mode
# Per thread and per asyncio task: no_grad() in one never changes what another records.
_enable_backprop = contextvars.ContextVar("gdezero_enable_backprop", default=True)
_is_recording = _enable_backprop.get


class _Config:
    """DeZero's ``Config``: the grad mode of the current thread and asyncio task.

    ``Config.enable_backprop`` is True by default. It is a context variable, so setting it
    (or entering `no_grad` / `using_config`) in one thread or task never changes what
    another records.

    Attributes
    ----------
    enable_backprop : bool
        Whether calls to Functions record the graph (their outputs get a creator).

    Examples
    --------
    >>> import gdezero as gd
    >>> gd.Config.enable_backprop
    True
    >>> with gd.no_grad():
    ...     print(gd.Config.enable_backprop)
    False
    """

    @property
    def enable_backprop(self) -> bool:
        """Whether Functions record the graph in this thread / task (True by default)."""
        return _enable_backprop.get()

    @enable_backprop.setter
    def enable_backprop(self, value: bool) -> None:
        _enable_backprop.set(bool(value))

    def __repr__(self) -> str:
        return f"Config(enable_backprop={self.enable_backprop})"


Config = _Config()


@contextlib.contextmanager
def using_config(name: str, value: bool) -> Iterator[None]:
    """Set a grad-mode option for the ``with`` block, in this thread / task only.

    The previous value comes back when the block ends, also on an exception.

    Parameters
    ----------
    name : str
        The option; gdezero has ``"enable_backprop"``.
    value : bool
        Its value inside the block.

    Yields
    ------
    None
        The block runs with the option set.

    Raises
    ------
    ValueError
        For an unknown option name.

    See Also
    --------
    no_grad : ``using_config("enable_backprop", False)``.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> x = gd.Variable(np.array(3.0))
    >>> with gd.using_config("enable_backprop", False):
    ...     y = x * x
    >>> y.creator is None
    True
    """
    if name != "enable_backprop":
        raise ValueError(f"unknown config {name!r}; gdezero has 'enable_backprop'")
    token = _enable_backprop.set(bool(value))
    try:
        yield
    finally:
        _enable_backprop.reset(token)


def no_grad() -> contextlib.AbstractContextManager[None]:
    """A ``with`` block in which Functions record no graph (inference, parameter updates).

    Per thread and asyncio task, as `using_config`. An output computed inside it cannot be
    differentiated: `Variable.backward` and `grad` on it raise `RuntimeError`.

    Returns
    -------
    contextlib.AbstractContextManager
        ``using_config("enable_backprop", False)``.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> x = gd.Variable(np.array(3.0))
    >>> with gd.no_grad():
    ...     y = x * x
    >>> print(y, y.creator)
    variable(9.0) None
    """
    return using_config("enable_backprop", False)


# `generation` of an output computed while recording was off: it has no creator, yet it
# is not a leaf a user made, so differentiating it raises instead of giving zeros.
UNRECORDED = -1

_weakref = weakref.ref
_object_new = object.__new__
_SINGLE_DEVICE_TYPES = backend.SINGLE_DEVICE_TYPES


class _NotAnArray(Exception):
    pass


def _not_an_array(ys):
    raise _NotAnArray


# What a kernel returns -> what makes it an array; a Python value is a forward's mistake.
_NORMALISE: dict[type, Any] = {**backend.OUTPUT_NORMALISERS,
                               **dict.fromkeys((bool, int, float, complex, list, type(None)), _not_an_array)}


# dtype kind -> the Python number Variable.item() returns for it
_ITEM_KINDS = (("bool", bool), ("integral", int), ("complex floating", complex), ("real floating", float))


# ============================================================================ Variable
class Variable:
    """A node of the graph holding an array: DeZero's ``Variable``.

    Operators ``+ - * / ** @``, unary ``-`` and indexing, and the methods ``reshape``,
    ``transpose``, ``T``, ``sum``, ``max``, ``min`` and ``matmul`` are differentiable ops
    (bound by `gdezero.ops`). A Python scalar operand never changes the dtype.

    Parameters
    ----------
    data : array or None
        An array of a supported backend (NumPy, CuPy, PyTorch, array-api-strict, ...) with
        a numeric or bool dtype, or None. A NumPy scalar becomes a 0-d array; a torch
        tensor that torch's autograd records is detached.
    name : str, optional
        A label for graph pictures.

    Attributes
    ----------
    data : array or None
        The value.
    name : str or None
        The label.
    grad : Variable or None
        The gradient accumulated by `backward` (None until then, or after `cleargrad`).
    creator : Function or None
        The Function that made this Variable while recording; None for a leaf.
    generation : int
        The depth in the graph, which orders the backward pass.

    Raises
    ------
    TypeError
        When `data` is not an array of a supported backend (a Python scalar, a list, a
        string or object array), naming its type.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> x = gd.Variable(np.array([1.0, 2.0, 3.0]), name="x")
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> print(y, x.grad)
    variable(14.0) variable([2. 4. 6.])
    >>> x.shape, x.ndim, x.size, len(x)
    ((3,), 1, 3, 3)
    """

    __slots__ = ("data", "name", "grad", "creator", "generation", "__weakref__")
    # Lets `ndarray op Variable` fall through to Variable's reflected operators.
    __array_ufunc__ = None
    __array_priority__ = 200
    _constant = False  # see Constant
    _level = 0  # a vmap level for a batched Variable (gdezero.batching); 0: not batched
    data: Array
    name: str | None
    grad: Variable | None
    creator: Function | None
    generation: int

    def __init__(self, data: Array | None, name: str | None = None) -> None:
        self.data = None if data is None else backend.as_variable_data(data)
        self.name = name
        self.grad = None
        self.creator = None
        self.generation = 0

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of `data`.

        Examples
        --------
        >>> import numpy as np
        >>> import gdezero as gd
        >>> gd.Variable(np.zeros((2, 3))).shape
        (2, 3)
        """
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of dimensions of `data`.

        Examples
        --------
        >>> import numpy as np
        >>> import gdezero as gd
        >>> gd.Variable(np.zeros((2, 3))).ndim
        2
        """
        return self.data.ndim

    @property
    def size(self) -> int:
        """The number of elements of `data`.

        Examples
        --------
        >>> import numpy as np
        >>> import gdezero as gd
        >>> gd.Variable(np.zeros((2, 3))).size
        6
        """
        return math.prod(self.data.shape)

    @property
    def dtype(self) -> DType:
        """The dtype of `data` (the backend's dtype object).

        Examples
        --------
        >>> import numpy as np
        >>> import gdezero as gd
        >>> gd.Variable(np.zeros(2, dtype=np.float32)).dtype
        dtype('float32')
        """
        return self.data.dtype

    @property
    def device(self) -> Device:
        """The device of `data` (the backend's device object, e.g. ``'cpu'`` for NumPy).

        Examples
        --------
        >>> import numpy as np
        >>> import gdezero as gd
        >>> gd.Variable(np.zeros(2)).device
        'cpu'
        """
        return backend.device_of(self.data)

    @property
    def xp(self) -> Namespace:
        """The Array API namespace of `data`, as `get_array_module` gives it.

        Examples
        --------
        >>> import numpy as np
        >>> import gdezero as gd
        >>> x = gd.Variable(np.array([0.0, 1.0]))
        >>> x.xp.exp(x.data)
        array([1.        , 2.71828183])
        """
        return backend.namespace_of_type(self.data)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d Variable")
        return self.data.shape[0]

    def __repr__(self) -> str:
        if self.data is None:
            return "variable(None)"
        body = str(self.data).replace("\n", "\n" + " " * 9)
        return f"variable({body})"

    def _display_fields(self) -> list[tuple[str, str]]:
        """What a notebook shows of this Variable: (field, text) pairs."""
        if self.data is None:
            return [("name", str(self.name)), ("data", "None")]
        creator = self.creator
        if creator is not None:
            label = getattr(type(creator), "label", type(creator).__name__)  # the user's op, not a fused one
            recorded = f"yes: output of {label}"
        else:
            recorded = ("no: computed with backprop off" if self.generation == UNRECORDED
                        else "a constant" if isinstance(self, Constant) else "a leaf")
        return [("name", str(self.name)), ("shape", str(tuple(self.shape))),
                ("dtype", str(self.dtype).rsplit(".", 1)[-1]),
                ("backend", f"{backend._backend_name(self.data)} on {backend.device_of(self.data)}"),
                ("recorded", recorded), ("grad", "none" if self.grad is None else "present"),
                ("data", str(self.data))]

    def _repr_html_(self) -> str:
        """A table for Jupyter: name, shape, dtype, backend and device, recorded, grad, data."""
        import html
        cell = "<td><code>{}</code></td>"
        rows = "".join(f"<tr><th style='text-align:left'>{k}</th>"
                       + (cell if k != "data" else "<td><pre>{}</pre></td>").format(html.escape(v)) + "</tr>"
                       for k, v in self._display_fields())
        return f"<table><caption>gdezero.{type(self).__name__}</caption>{rows}</table>"

    def _repr_markdown_(self) -> str:
        """The same fields as Markdown, for front ends that show Markdown but not HTML."""
        fields = self._display_fields()
        lines = [f"**gdezero.{type(self).__name__}** " + ", ".join(f"{k} `{v}`" for k, v in fields[:-1])]
        return "\n\n".join(lines + ["```\n" + fields[-1][1] + "\n```"])

    # ------------------------------------------------------------ where an array is expected
    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any:
        """The data for NumPy and Matplotlib (``np.asarray(v)``); records no graph.

        A Dask array is computed; CuPy and CUDA torch data refuse, as CuPy does (copy it to
        the host explicitly, e.g. with `to_cpu`).
        """
        return backend.host_array(self.data, dtype, copy)

    def _scalar(self, convert: Any) -> Any:
        """convert(data) for a one-element Variable (any ndim); else the backend's own error."""
        data = self.data
        if math.prod(data.shape) == 1 and data.ndim:
            data = self.xp.reshape(data, ())
        return convert(data)

    def __float__(self) -> float:
        return self._scalar(float)

    def __int__(self) -> int:
        return self._scalar(int)

    def __bool__(self) -> bool:
        return self._scalar(bool)

    def item(self) -> bool | int | float | complex:
        """The value of a one-element Variable as a Python number, of its dtype's kind.

        Records no graph (as ``float(v)``, ``int(v)``, ``bool(v)``).

        Returns
        -------
        bool, int, float or complex
            As ``ndarray.item()`` and ``torch.Tensor.item()``.

        Raises
        ------
        ValueError
            When the Variable does not have exactly one element.

        Examples
        --------
        >>> import numpy as np
        >>> import gdezero as gd
        >>> x = gd.Variable(np.array([2.5]))
        >>> x.item(), float(x * 2), bool(x > 0)
        (2.5, 5.0, True)
        """
        if self.size != 1:
            raise ValueError(f"item(): this Variable has shape {tuple(self.shape)} ({self.size} "
                             f"elements); item() needs exactly one: index it first, e.g. v[0].item()")
        xp = self.xp
        kind = next((k for k in _ITEM_KINDS if xp.isdtype(self.dtype, k[0])), _ITEM_KINDS[-1])
        return self._scalar(kind[1])

    def cleargrad(self) -> None:
        """Forget the accumulated gradient (``grad = None``), as before a new `backward`.

        Examples
        --------
        >>> import numpy as np
        >>> import gdezero as gd
        >>> x = gd.Variable(np.array(3.0))
        >>> (x * x).backward()
        >>> x.grad
        variable(6.0)
        >>> x.cleargrad()
        >>> x.grad is None
        True
        """
        self.grad = None

    def unchain(self) -> None:
        """Forget this Variable's creator: it becomes a leaf of later backward passes.

        Examples
        --------
        >>> import numpy as np
        >>> import gdezero as gd
        >>> y = gd.Variable(np.array(3.0)) * 2
        >>> y.unchain()
        >>> y.creator is None
        True
        """
        self.creator = None

    def unchain_backward(self) -> None:
        """Cut every link behind this Variable (as in DeZero); its own creator stays.

        Every Variable reached backwards from this one forgets its creator, so the graph
        before this point can be freed (truncated backprop).

        Examples
        --------
        >>> import numpy as np
        >>> import gdezero as gd
        >>> x = gd.Variable(np.array(3.0))
        >>> h = x * 2
        >>> y = h + 1
        >>> y.unchain_backward()
        >>> y.creator is None, h.creator is None
        (False, True)
        """
        for f in functions_behind([self]):
            for x in f.inputs:
                x.unchain()

    def detach(self) -> Variable:
        """A new leaf sharing this Variable's data (and name), outside any graph.

        Returns
        -------
        Variable
            A leaf whose `data` is this Variable's array (not a copy).

        Examples
        --------
        >>> import numpy as np
        >>> import gdezero as gd
        >>> y = gd.Variable(np.array(3.0)) * 2
        >>> z = y.detach()
        >>> z.creator is None, z.data is y.data
        (True, True)
        """
        return Variable(self.data, self.name)

    def backward(self, retain_grad: bool = False, create_graph: bool = False) -> None:
        """Accumulate ``d self / d leaf`` into the `grad` of every leaf behind this Variable.

        The pass is seeded with this Variable's `grad`, or with ones of its shape when that
        is None (so a non-scalar output gives the gradient of its sum). Gradients add up
        in leaves across calls, as in DeZero: call `cleargrad` between passes, or use
        `gdezero.grad`, which touches no `grad`.

        Parameters
        ----------
        retain_grad : bool, default False
            Also keep the gradients of the intermediate Variables reached.
        create_graph : bool, default False
            Record the backward pass itself, so the gradients can be differentiated again
            (second and higher derivatives).

        Raises
        ------
        RuntimeError
            When this Variable was not recorded (computed under `no_grad`, or a gradient
            made with ``create_graph=False``).
        ValueError
            When `grad` was set to a Variable of another shape.

        Examples
        --------
        >>> import numpy as np
        >>> import gdezero as gd
        >>> x = gd.Variable(np.array(2.0))
        >>> y = x ** 3
        >>> y.backward(create_graph=True)
        >>> gx = x.grad
        >>> print(gx)
        variable(12.0)
        >>> x.cleargrad()
        >>> gx.backward()
        >>> print(x.grad)
        variable(12.0)
        """
        if self.generation == UNRECORDED:
            raise _not_recorded("backward()")
        seed = self.grad
        if seed is None:  # the seed is internal: y.grad gets an array of its own
            seed = _leaf(Ones, backend.seed_like(self.data))
            self.grad = _leaf(Variable, backend.ones_like(self.data))
        elif tuple(seed.shape) != tuple(self.data.shape):
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
                    var.grad = Add()(var.grad, g)
            else:  # a fresh leaf grad, or (retain_grad) a reached non-leaf's
                var.grad = g

    def to_gpu(self, device: int | str | Device | None = None) -> Variable:
        """Move `data` (and `grad`) to a CUDA device, in place: NumPy to CuPy, torch to CUDA.

        Parameters
        ----------
        device : int, str, torch.device or cupy.cuda.Device, optional
            The CUDA device: an index such as 0 or 1, or ``"cuda:1"``; device 0 by default.

        Returns
        -------
        Variable
            This Variable, for chaining.

        Raises
        ------
        RuntimeError
            Naming what is missing: no data, CuPy not installed, no CUDA device, an index
            out of range, or a backend without a GPU flavour.

        Examples
        --------
        >>> import numpy as np
        >>> import gdezero as gd
        >>> x = gd.Variable(np.array([1.0, 2.0]))
        >>> if gd.gpu_available():
        ...     x = x.to_gpu().to_cpu()
        >>> x
        variable([1. 2.])
        """
        if self.data is None:
            raise RuntimeError("to_gpu(): this Variable holds no data (None); set .data first")
        self.data = backend.to_gpu(self.data, device)
        if self.grad is not None:
            self.grad.to_gpu(device)
        return self

    def to_cpu(self) -> Variable:
        """Move `data` (and `grad`) to the CPU, in place; data already there stays.

        Returns
        -------
        Variable
            This Variable, for chaining.

        Examples
        --------
        >>> import numpy as np
        >>> import gdezero as gd
        >>> gd.Variable(np.array([1.0, 2.0])).to_cpu()
        variable([1. 2.])
        """
        if self.data is not None:
            self.data = backend.to_cpu(self.data)
        if self.grad is not None:
            self.grad.to_cpu()
        return self

    # Operators and the differentiable methods (reshape, sum, @, [] ...) are bound by gdezero.ops
    # from its table METHODS; declared here for type checkers only (a test keeps the two equal).
    if TYPE_CHECKING:
        def __add__(self, other: Operand) -> Variable: ...
        def __radd__(self, other: Operand) -> Variable: ...
        def __sub__(self, other: Operand) -> Variable: ...
        def __rsub__(self, other: Operand) -> Variable: ...
        def __mul__(self, other: Operand) -> Variable: ...
        def __rmul__(self, other: Operand) -> Variable: ...
        def __truediv__(self, other: Operand) -> Variable: ...
        def __rtruediv__(self, other: Operand) -> Variable: ...
        def __neg__(self) -> Variable: ...
        def __pow__(self, exponent: float) -> Variable: ...
        def __rpow__(self, base: float) -> Variable: ...
        def __matmul__(self, other: Operand) -> Variable: ...
        def __rmatmul__(self, other: Operand) -> Variable: ...
        def matmul(self, other: Operand) -> Variable: ...
        def __getitem__(self, index: Index) -> Variable: ...
        def reshape(self, *shape: Any) -> Variable: ...
        def transpose(self, *axes: Any) -> Variable: ...
        @property
        def T(self) -> Variable: ...
        def sum_to(self, shape: tuple[int, ...]) -> Variable: ...
        def sum(self, axis: Axis = None, keepdims: bool = False) -> Variable: ...
        def max(self, axis: Axis = None, keepdims: bool = False) -> Variable: ...
        def min(self, axis: Axis = None, keepdims: bool = False) -> Variable: ...
        def mean(self, axis: Axis = None, keepdims: bool = False) -> Variable: ...
        def astype(self, dtype: DType) -> Variable: ...
        def __abs__(self) -> Variable: ...
        def __lt__(self, other: Operand) -> Array: ...
        def __le__(self, other: Operand) -> Array: ...
        def __gt__(self, other: Operand) -> Array: ...
        def __ge__(self, other: Operand) -> Array: ...
        def __eq__(self, other: object) -> Array: ...
        def __ne__(self, other: object) -> Array: ...
        def __hash__(self) -> int: ...


# What an op accepts: a Variable or a raw array of a supported backend (a constant) and,
# for arithmetic, also a Python scalar.
VariableLike: TypeAlias = "Variable | Array"
Operand: TypeAlias = "Variable | Array | float"
# A reduction's axis: None (all), an int or a tuple/list of ints.
Axis: TypeAlias = "int | tuple[int, ...] | list[int] | None"
# A shape: an int for 1-D, or a tuple/list of ints.
Shape: TypeAlias = "int | tuple[int, ...] | list[int]"
# What ``x[index]`` takes: NumPy's basic and integer-array indexing.
Index: TypeAlias = ("int | slice | EllipsisType | None | list[int] | Array"
                    " | tuple[int | slice | EllipsisType | None | list[int] | Array, ...]")
# One input, or a tuple of them (f is then called as f(*x)); one output, or a tuple of them.
Inputs: TypeAlias = "VariableLike | tuple[VariableLike, ...]"
Outputs: TypeAlias = "Variable | tuple[Variable, ...]"
# A Jacobian or Hessian: one Variable, or (for tuple inputs or outputs) tuples of its blocks.
Blocks: TypeAlias = "Variable | tuple[Variable, ...] | tuple[tuple[Variable, ...], ...]"


class Parameter(Variable):
    """A Variable that is a model's parameter (DeZero's ``Parameter``).

    It behaves as a Variable; its type lets layers and optimisers find the parameters.

    Parameters
    ----------
    data : array or None
        The initial value, as for `Variable`.
    name : str, optional
        A label for graph pictures.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> W = gd.Parameter(np.array([[1.0, 2.0]]))
    >>> isinstance(W, gd.Variable), W.shape
    (True, (1, 2))
    """

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


# The engine's own Variable types, never batched: an op call on them skips the `_level` test.
_UNBATCHED = frozenset({Variable, Parameter, Constant, Ones})


def _leaf(cls, data):
    """A new `cls` holding `data`, an array known to be valid (a kernel's or the backend's)."""
    v = _object_new(cls)
    v.data, v.name, v.grad, v.creator, v.generation = data, None, None, None, 0
    return v


def as_variable(obj: VariableLike) -> Variable:
    """`obj` itself if it is a Variable, else a new leaf Variable holding it.

    Parameters
    ----------
    obj : Variable or array
        A Variable, or an array of a supported backend (a NumPy scalar becomes 0-d).

    Returns
    -------
    Variable
        `obj` itself, or a new leaf holding `obj`.

    Raises
    ------
    TypeError
        When `obj` is neither (a Python scalar or list, say), naming its type.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> x = gd.Variable(np.array(1.0))
    >>> gd.as_variable(x) is x
    True
    >>> gd.as_variable(np.array([1.0, 2.0]))
    variable([1. 2.])
    """
    if isinstance(obj, Variable):
        return obj
    return Variable(obj)


def as_array(x: Array | complex, xp: Namespace | None = None) -> Array:
    """Return `x` as an array: arrays pass through, Python and NumPy scalars become 0-d arrays.

    Parameters
    ----------
    x : array or scalar
        An array of any supported backend (returned as it is), or a Python or NumPy scalar.
    xp : namespace, optional
        The Array API namespace to make the 0-d array with; NumPy by default.

    Returns
    -------
    array
        `x` itself, or a new 0-d array.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> gd.as_array(2.0)
    array(2.)
    >>> a = np.array([1.0, 2.0])
    >>> gd.as_array(a) is a
    True
    """
    if is_array(x):
        return x
    if xp is None:
        xp = get_array_module(x)
    return xp.asarray(x)


def _as_input(obj):
    """An op's input: Variables pass through, raw arrays become constants."""
    return obj if isinstance(obj, Variable) else Constant(obj)


def _not_recorded(what):
    return RuntimeError(
        f"{what}: this output was not recorded (it was computed under no_grad(), or it is a "
        f"gradient made with create_graph=False), so it has no graph to differentiate; "
        f"compute it with recording on, e.g. gd.grad(..., create_graph=True) or outside "
        f"no_grad()")


def _cut_path(i):
    return RuntimeError(
        f"grad(): every path from the outputs to input {i} runs through a value that was not "
        f"recorded (computed under no_grad(), a gradient made with create_graph=False, or a "
        f"jvp/taylor/derivatives result), so its gradient would be a silent zero; compute "
        f"that value with recording on (gd.grad(..., create_graph=True), outside no_grad(), "
        f"or derivatives(..., method='reverse'))")


# ============================================================================ Function
class _BatchHook:
    """Where gdezero.batching plugs in: the engine knows only that a Variable with a
    non-zero `_level` is batched, and hands a call on one to `apply`."""

    apply: Callable[..., Any]
    checked_grad: Callable[..., Any]
    data_constant: Callable[..., Any]

    def __init__(self) -> None:
        def missing(*args: Any) -> Any:
            raise RuntimeError("a batched Variable reached the engine without gdezero.batching "
                               "loaded; import gdezero")
        self.apply = self.checked_grad = self.data_constant = missing


batch_hook = _BatchHook()


class Function:
    """A node of the graph: subclass it to add a differentiable operation.

    A subclass implements

    - ``forward(self, *xs)`` on raw arrays, with the Array API namespace of its inputs
      (`get_array_module`); it returns an array, or a tuple of arrays for several outputs;
    - ``backward(self, *gys)`` on Variables (one gradient per output), built only from
      gdezero ops so that it is differentiable again; it returns one gradient per input
      (a tuple for several), each a Variable, an array or None (no gradient). A gradient
      of the broadcast shape is summed back to its input's shape by the engine;
    - optionally ``taylor(self, *xs)``: each ``xs[i]`` holds input i's Taylor coefficients
      ``[x_0, ..., x_K]`` (stacked along a new first axis); it returns the output's
      coefficients the same way, ``y_0`` being the forward value. Its first order is
      forward mode (jvp);
    - optionally a batching rule for `gdezero.vmap`: ``batch_rule = "elementwise"`` for an
      op that maps each element (operands are aligned per example), or
      ``batch(self, xs, batched)``, which gets the inputs' values (a batched one with the
      batch axis first; ``batched`` says which) and returns the output's value the same way,
      built from gdezero ops. Without one, vmap loops over the batch (with a warning);
    - optionally ``linear_in``, which `gdezero.laplacian` reads: ``"all"`` for an op
      linear in all its inputs together (add, reshape, sum), or a tuple of the inputs it
      is linear in one at a time (``(0, 1)`` for mul and matmul, ``(0,)`` for div).

    An instance records one call (single use). Inside `forward` and `backward`,
    ``self.inputs`` are the input Variables, ``self.outputs`` weak references to the
    outputs, and ``self.needs_grad`` one bool per input (False for a constant, whose
    gradient may be None).

    Attributes
    ----------
    inputs : tuple of Variable
        The inputs of the call (raw arrays become constants).
    outputs : tuple of weakref.ref
        Weak references to the output Variables.
    needs_grad : tuple of bool
        Whether each input needs a gradient.
    generation : int
        The largest generation among the inputs.

    Raises
    ------
    RuntimeError
        When an instance is called a second time.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> class Square(gd.Function):
    ...     def forward(self, x):
    ...         return x ** 2
    ...     def backward(self, gy):
    ...         x, = self.inputs
    ...         return 2 * x * gy
    >>> x = gd.Variable(np.array(3.0))
    >>> y = Square()(x)
    >>> gx = gd.grad(y, x, create_graph=True)
    >>> print(y, gx, gd.grad(gx, x))
    variable(9.0) variable(6.0) variable(2.0)
    """

    generation: int = 0
    inputs: tuple[Variable, ...] = ()
    outputs: tuple[weakref.ref[Variable], ...] = ()

    @property
    def needs_grad(self) -> tuple[bool, ...]:
        """One bool per input: False for a constant (torch's ``needs_input_grad``)."""
        inputs = self.inputs
        if len(inputs) == 2:  # the binary ops that read it, without a comprehension's frame
            return (not inputs[0]._constant, not inputs[1]._constant)
        return tuple([not x._constant for x in inputs])

    def __call__(self, *inputs: Variable | Array) -> Any:
        """Apply the Function to `inputs` (Variables or raw arrays) and record the node.

        Returns one Variable, or a list of Variables when `forward` returns a tuple.
        """

        if self.inputs:
            raise RuntimeError(
                f"{type(self).__name__} instance called a second time: a Function records one "
                f"node; make a new instance for every call")
        n = len(inputs)
        if n == 1:  # the fast path, for unary and binary ops (nearly all): no loops
            x0 = inputs[0]
            if type(x0) not in _UNBATCHED:
                if not isinstance(x0, Variable):
                    x0 = _as_input(x0)
                    inputs = (x0,)
                elif x0._level:  # a batched input (vmap): the op's batching rule runs instead
                    return batch_hook.apply(self, inputs)
            ys = self.forward(x0.data)
            live = not x0._constant
            generation = x0.generation
        elif n == 2:
            x0, x1 = inputs
            if type(x0) not in _UNBATCHED or type(x1) not in _UNBATCHED:
                if not isinstance(x0, Variable) or not isinstance(x1, Variable):
                    x0, x1 = inputs = (_as_input(x0), _as_input(x1))
                if x0._level or x1._level:  # a batched input (vmap): the op's batching rule
                    return batch_hook.apply(self, inputs)
            d0, d1 = x0.data, x1.data
            if type(d0) not in _SINGLE_DEVICE_TYPES or type(d1) not in _SINGLE_DEVICE_TYPES:
                backend.check_operands((d0, d1))  # one clear error for mixed backends or devices
            ys = self.forward(d0, d1)
            live = not (x0._constant and x1._constant)
            g0, g1 = x0.generation, x1.generation
            generation = g0 if g0 > g1 else g1
        else:  # the generic path
            inputs = tuple([_as_input(x) for x in inputs])
            if any([x._level for x in inputs]):
                return batch_hook.apply(self, inputs)
            xs = [x.data for x in inputs]
            if xs:
                backend.check_operands(xs)
            ys = self.forward(*xs)
            live = not all([x._constant for x in inputs])
            generation = max([x.generation for x in inputs], default=0)
        self.inputs = inputs
        return _record(self, ys, live, generation)

    def forward(self, *xs: Array) -> Array | tuple[Array, ...]:
        """Compute the outputs' values from the inputs' raw arrays (to implement).

        Parameters
        ----------
        *xs : array
            One raw array per input, all of one backend and device.

        Returns
        -------
        array or tuple of array
            The output, or a tuple of outputs.

        See Also
        --------
        Function : the class's example implements one.
        """
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def backward(self, *gys: Variable) -> Variable | Array | None | tuple[Variable | Array | None, ...]:
        """Compute one gradient per input from the outputs' gradients, with gdezero ops (to implement).

        Parameters
        ----------
        *gys : Variable
            One gradient per output, of that output's shape.

        Returns
        -------
        Variable, array, None or tuple of them
            One gradient per input (a tuple for several inputs): None where the input needs
            no gradient. A gradient of a broadcast shape is summed back to the input's shape.

        See Also
        --------
        Function : the class's example implements one.
        """
        raise NotImplementedError(f"{type(self).__name__}.backward")


def _record(f, ys, live, generation):
    """The outputs of `f` (the only place outputs are made): one Variable, or a list for a
    tuple of arrays; linked to `f` when recording.

    Outputs of constants are constants; outputs made while recording is off are marked
    UNRECORDED, so that differentiating them raises instead of giving zeros.
    """
    if type(ys) is tuple:
        outputs = []
        for y in ys:  # a loop, not a comprehension: that would put this frame's locals in cells
            outputs.append(_record(f, y, live, generation))
        if outputs and outputs[0].creator is f:  # recorded: freed outputs get zero gradients
            f.outputs = tuple([_weakref(out) for out in outputs])
            f.output_specs = tuple([(y.shape, y.dtype) for y in outputs])
        return outputs
    out = _object_new(Variable if live else Constant)
    normalise = _NORMALISE.get(type(ys))
    try:
        out.data = ys if normalise is None else normalise(ys)
    except _NotAnArray:
        raise TypeError(
            f"{type(f).__name__}.forward returned a {type(ys).__name__}; return an array of its "
            f"inputs' backend (xp = get_array_module(x); xp.asarray(...)), or a tuple of arrays "
            f"for several outputs") from None
    out.name = out.grad = None
    if live and _is_recording():
        out.creator = f
        out.generation = generation + 1
        f.generation = generation
        f.outputs = (_weakref(out),)
    else:
        out.creator = None
        out.generation = UNRECORDED if live else 0
    return out


# ============================================================================ the engine's ops
class Add(Function):
    """y = x0 + x1 (broadcasting): how backprop adds up the gradients reaching a Variable."""
    linear_in = "all"
    batch_rule = "elementwise"

    def forward(self, x0, x1):
        return x0 + x1

    def backward(self, gy):
        return gy, gy

    def taylor(self, x0, x1):
        return S.add(x0, x1)


class SumTo(Function):
    """y = x summed down to `shape`: how backprop brings a broadcast gradient back."""
    linear_in = "all"

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return S.sum_to(x, self.shape, skip=0)

    def backward(self, gy):
        x = self.inputs[0]
        if gy.shape == x.shape:
            return gy
        return BroadcastTo(tuple(x.shape), backend.layout_of(x.data))(gy)

    def taylor(self, x):
        return S.sum_to(x, self.shape)


class BroadcastTo(Function):
    """y = x broadcast to `shape` (laid out as `layout`, see `backend.layout_of`): SumTo's adjoint."""
    linear_in = "all"

    def __init__(self, shape, layout=None):
        self.shape, self.layout = shape, layout

    def forward(self, x):
        return backend.broadcast_to(x, self.shape, self.layout)

    def backward(self, gy):
        shape = tuple(self.inputs[0].shape)
        return gy if tuple(gy.shape) == shape else SumTo(shape)(gy)

    def taylor(self, x):
        return S.broadcast_to(x, self.shape)


def data_constant(fn: Any, *xs: Variable) -> Variable:
    """Constant(fn(*data)) for an elementwise computation on the data of `xs` (a mask, a
    tie share): under vmap it is batched as they are, so per-example shapes line up."""
    if any([x._level for x in xs]):
        return batch_hook.data_constant(fn, xs)
    return Constant(fn(*[x.data for x in xs]))


class Copy(Function):
    """y = x with its own array: what backprop hands out instead of an alias."""
    linear_in = "all"
    batch_rule = "elementwise"

    def forward(self, x):
        return backend.namespace_of_type(x).asarray(x, copy=True)

    def backward(self, gy):
        return gy

    def taylor(self, x):
        return x


class Cast(Function):
    """y = x in another float dtype: how the engine gives a gradient its input's dtype."""
    linear_in = "all"
    batch_rule = "elementwise"

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        return backend.namespace_of_type(x).astype(x, self.dtype)

    def backward(self, gy):
        return Cast(self.inputs[0].dtype)(gy)

    def taylor(self, x):
        return backend.namespace_of_type(x).astype(x, self.dtype)


# ============================================================================ the graph walk
def functions_behind(outputs, stop=()):
    """The Functions that made `outputs`, and those behind them, each once, not crossing
    the Variables in `stop`: in topological order (a Function after every Function that
    made one of its inputs). Iterative, so a 100,000-op chain never hits the recursion limit."""
    found: dict[Function, None] = {}  # insertion-ordered: the same graph, the same order (ties too)
    stack = []
    for y in outputs:
        if y.creator is not None and y not in stop:
            stack.append(y.creator)
    while stack:
        f = stack.pop()
        if f in found:
            continue
        found[f] = None
        for x in f.inputs:
            if x.creator is not None and x not in stop and x.creator not in found:
                stack.append(x.creator)
    # An output's generation exceeds its creator's, so this order is topological.
    return sorted(found, key=_generation)


def _generation(f):
    return f.generation


# ============================================================================ backprop
def _checked_grad(f, x, gx):
    """gx, checked as f.backward's gradient for input x: a Variable (a raw array is
    wrapped) of x's backend and shape, or of a shape x broadcasts to, summed back."""
    if not isinstance(gx, Variable):
        if not is_array(gx):
            raise TypeError(f"{type(f).__name__}.backward returned {type(gx).__name__} for "
                            f"input {_position(f, x)}; return a Variable (or an array, or None)")
        gx = Constant(gx)
    if gx._level or x._level:  # batched (vmap): shapes are per example
        return batch_hook.checked_grad(f, x, gx)
    gd, xd = gx.data, x.data
    if type(gd) is not type(xd) and not backend.one_cpu_backend(gd, xd):  # NumPy scalars: no work
        i = _position(f, x)
        on_x_backend = backend.on_backend_of(xd, gd, f"{type(f).__name__}.backward's gradient for input {i}")
        if on_x_backend is not gd:  # an array the backend converts (NumPy beside Dask)
            if gx.creator is not None:
                raise TypeError(f"{type(f).__name__}.backward returned a recorded gradient of "
                                f"type {type(gd).__name__} for input {i} of type "
                                f"{type(xd).__name__}; build it from gy and the inputs")
            gx, gd = Constant(on_x_backend), on_x_backend
    if gd.shape != xd.shape:
        if not backend.broadcasts_to(xd.shape, gd.shape):
            raise ValueError(
                f"{type(f).__name__}.backward returned a gradient of shape {tuple(gd.shape)} "
                f"for input {_position(f, x)} of shape {tuple(xd.shape)}; it must have the "
                f"input's shape (or a shape the input broadcasts to, which is summed back)")
        gx = SumTo(tuple(xd.shape))(gx)
    if gx.data.dtype is not xd.dtype and gx.data.dtype != xd.dtype:  # dtypes are mostly singletons
        xp = backend.namespace_of_type(xd)
        if xp.isdtype(xd.dtype, "real floating"):
            if not xp.isdtype(gx.data.dtype, "real floating"):
                raise TypeError(
                    f"{type(f).__name__}.backward returned a {gx.data.dtype} gradient for the "
                    f"{xd.dtype} input {_position(f, x)}; return a floating gradient (a "
                    f"derivative of a float is not an integer)")
            gx = Cast(xd.dtype)(gx)  # a float32 input gets a float32 gradient, as in torch
    return gx


def _position(f, x):
    """x's index among f's inputs, by identity (== on Variables is elementwise)."""
    return next(i for i, v in enumerate(f.inputs) if v is x)


def _wrong_count(f, gxs):
    if len(gxs) == 1 and isinstance(gxs[0], list):
        return TypeError(f"{type(f).__name__}.backward returned a list of {len(gxs[0])} for "
                         f"{len(f.inputs)} input(s); return a tuple, one gradient per input")
    return ValueError(f"{type(f).__name__}.backward returned {len(gxs)} gradient(s) for "
                      f"{len(f.inputs)} input(s); return one per input (None where there is none)")


def _output_grads(f, grads, keep):
    """The outputs' gradients for a multi-output f.backward, dropped from `grads` unless
    kept; zeros of an output's shape where it is unused or freed."""
    gys = []
    for ref, (shape, dtype) in zip(f.outputs, f.output_specs):
        out = ref()
        if out is None or out not in grads:
            like = f.inputs[0].data
            xp = backend.namespace_of_type(like)
            gys.append(Constant(xp.zeros(shape, dtype=dtype, device=backend.device_of(like))))
        else:
            gys.append(grads[out] if out in keep else grads.pop(out))
    return gys


class _Everything:
    """A container holding everything: backprop's `keep` under retain_grad."""

    def __contains__(self, item):
        return True


_EVERYTHING = _Everything()


def _copy_out(g, create_graph):
    """A copy of g to hand out in place of a seed, a constant or a forward Variable.

    Without create_graph the copy is an unrecorded Variable (differentiating it raises);
    with it, a constant stays a constant (its derivative is zero) and anything else
    gets a recorded Copy node.
    """
    if create_graph or g._level:  # a batched g: its Copy batches (unrecorded without create_graph)
        return Copy()(g)
    out = Variable(g.xp.asarray(g.data, copy=True))
    out.generation = UNRECORDED
    return out


def _accumulate(grads, visited, heap, x, gx):
    """Add gx into x's gradient in `grads`; schedule x's creator once (backprop's seeds)."""
    g = grads.get(x)
    grads[x] = gx if g is None else Add()(g, gx)
    c = x.creator
    if c is not None and c not in visited:
        visited.add(c)
        heapq.heappush(heap, (-c.generation, len(visited), c))


def backprop(outputs, seeds, create_graph=False, inputs=None, retain_grad=False):
    """Propagate `seeds` from `outputs` back through their graph.

    Returns {variable: gradient} for the Variables in `inputs`, or, with inputs=None,
    for every leaf reached (and, with retain_grad, every Variable reached). Other
    gradients are dropped as soon as their function has run, so memory stays flat.
    Functions run in reverse generation order, each once, after all its outputs' grads
    are complete. Recording is `create_graph`, in this thread / task only.
    """
    # A heap over the reached creators, not functions_behind: that walk costs W1 +1.6 % instructions.
    push, pop = heapq.heappush, heapq.heappop
    inputs_wanted = inputs
    wanted = None if inputs is None else set(inputs)
    keep = _EVERYTHING if retain_grad else (() if wanted is None else wanted)  # non-leaf grads kept
    grads = {}
    take = grads.pop
    heap = []
    visited = set()

    token = _enable_backprop.set(create_graph)
    try:
        for y, gy in zip(outputs, seeds):
            _accumulate(grads, visited, heap, y, gy)
        while heap:
            f = pop(heap)[2]
            refs = f.outputs
            if len(refs) == 1:  # a scheduled one-output function's output is alive with a grad
                out = refs[0]()
                gxs = f.backward(grads[out] if out in keep else take(out))
            else:
                gxs = f.backward(*_output_grads(f, grads, keep))
            inputs = f.inputs
            if type(gxs) is tuple:
                if len(gxs) != len(inputs):
                    raise _wrong_count(f, gxs)
            elif len(inputs) == 1:
                gxs = (gxs,)
            else:
                raise _wrong_count(f, (gxs,))
            for x, gx in zip(inputs, gxs):
                if gx is not None and not x._constant:
                    xd = x.data  # the usual gradient: an unbatched Variable of x's array type, shape, dtype
                    if (type(gx) not in _UNBATCHED or type(gd := gx.data) is not type(xd)
                            or gd.shape != xd.shape or gd.dtype is not xd.dtype):
                        gx = _checked_grad(f, x, gx)
                    # inline, not a call per edge: add gx into x's grad, schedule x's creator once
                    g = grads.get(x)
                    grads[x] = gx if g is None else Add()(g, gx)
                    c = x.creator
                    if c is not None and c not in visited:
                        visited.add(c)
                        push(heap, (-c.generation, len(visited), c))
        found = {}
        handed_out = set()
        cut = False  # whether a path ended at an unrecorded value (its grad stays in grads)
        for x, g in grads.items():
            if x.generation == UNRECORDED:
                cut = True
            if x in wanted if wanted is not None else retain_grad or x.creator is None:
                c = g.creator  # hand out only what this pass made, each once: never an alias
                if (c in visited if c is not None else g.generation != UNRECORDED) or id(g) in handed_out:
                    g = _copy_out(g, create_graph)
                handed_out.add(id(g))
                found[x] = g
        if cut and wanted is not None:
            for i, x in enumerate(inputs_wanted):
                if x not in found:
                    raise _cut_path(i)
        return found
    finally:
        _enable_backprop.reset(token)
