"""Shape ops: reshape, transpose, broadcast_to / sum_to, indexing, stack, expand_dims, flatten."""
from __future__ import annotations

from collections.abc import Sequence

from gdezero import backend
from gdezero.backend import namespace_of_type as _xp
from gdezero.core import BroadcastTo, Function, Index, Shape, SumTo, Variable, VariableLike, as_variable
from gdezero.taylor import series as S

__all__ = [
    "reshape", "transpose", "get_item", "stack", "concatenate", "expand_dims", "flatten",
    "broadcast_to", "sum_to",
]


class Reshape(Function):
    linear_in = "all"
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return backend.reshape(_xp(x), x, self.shape)

    def backward(self, gy):
        return reshape(gy, self.inputs[0].shape)

    def batch(self, xs, batched):
        x, = xs
        return reshape(x, (x.shape[0],) + self.shape)

    def taylor(self, x):
        return S.reshape(x, self.shape)


def _reshaped(shape, size, target):
    """`target` with its -1 resolved for `size` elements; a ValueError naming both shapes
    when no such shape exists."""
    known = 1
    for n in target:
        known *= n if n != -1 else 1
    free = target.count(-1)
    if free > 1 or any(n < -1 for n in target) or (free and known == 0) or (
            size != known if not free else size % known):
        raise ValueError(f"cannot reshape a Variable of shape {tuple(shape)} ({size} elements) "
                         f"to shape {target}")
    return target if not free else tuple(size // known if n == -1 else n for n in target)


def reshape(x: VariableLike, shape: Shape) -> Variable:
    """Give `x`'s elements a new shape (row-major order); the gradient is reshaped back.

    Parameters
    ----------
    x : Variable or array
        The input.
    shape : int, tuple or list of int
        The new shape, with the same number of elements; one entry may be -1.

    Returns
    -------
    Variable
        `x` itself when the shape is unchanged, else a reshaped Variable.

    Raises
    ------
    ValueError
        When `shape` does not hold ``x.size`` elements, naming both shapes.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([1.0, 2.0, 3.0, 4.0]))
    >>> F.reshape(x, (2, 2))
    variable([[1. 2.]
              [3. 4.]])
    """
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    x = as_variable(x)
    if x.shape == shape:
        return x
    return Reshape(_reshaped(x.shape, x.size, shape))(x)


def inverse_permutation(axes):
    """The permutation that undoes `axes`, in one pass."""
    inverse = [0] * len(axes)
    for i, a in enumerate(axes):
        inverse[a] = i
    return inverse


class Transpose(Function):
    linear_in = "all"
    def __init__(self, axes):
        self.axes = axes  # a full permutation of the input's axes

    def forward(self, x):
        return _xp(x).permute_dims(x, self.axes)

    def backward(self, gy):
        return transpose(gy, inverse_permutation(self.axes))

    def batch(self, xs, batched):
        return transpose(xs[0], (0,) + tuple(a + 1 for a in self.axes))

    def taylor(self, x):
        return S.transpose(x, self.axes)


def transpose(x: VariableLike, axes: Sequence[int] | None = None) -> Variable:
    """`x` with its axes permuted (reversed by default), as ``Variable.transpose`` and ``.T``.

    Parameters
    ----------
    x : Variable or array
        The input.
    axes : sequence of int, optional
        A permutation of ``range(x.ndim)`` (negative axes allowed); reversed by default.

    Returns
    -------
    Variable
        The transposed Variable.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([[1.0, 2.0, 3.0]]))
    >>> F.transpose(x).shape, x.T.shape
    ((3, 1), (3, 1))
    """
    x = as_variable(x)
    ndim = x.ndim
    if axes is None:
        return Transpose(tuple(range(ndim))[::-1])(x)
    axes = tuple(axes)
    if sorted(a % ndim if ndim else a for a in axes) != list(range(ndim)):
        fix = f"give each of 0..{ndim - 1} once" if ndim else "a 0-d Variable has no axes: give ()"
        raise ValueError(f"transpose: axes {axes} is not a permutation of the {ndim} axes of "
                         f"shape {tuple(x.shape)}; {fix} (or axes=None to reverse them all)")
    return Transpose(tuple(a % ndim for a in axes))(x)




def broadcast_to(x: VariableLike, shape: Sequence[int]) -> Variable:
    """`x` broadcast to `shape` (NumPy's rule); the gradient is summed back (`sum_to`).

    Parameters
    ----------
    x : Variable or array
        The input.
    shape : sequence of int
        A shape `x` broadcasts to.

    Returns
    -------
    Variable
        `x` itself when the shape is unchanged, else of shape `shape`.

    Raises
    ------
    ValueError
        When `x` does not broadcast to `shape`, naming both shapes.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([1.0, 2.0]))
    >>> y = F.broadcast_to(x, (2, 2))
    >>> print(y.shape, gd.grad(F.sum(y), x))
    (2, 2) variable([2. 2.])
    """
    x = as_variable(x)
    shape = tuple(shape)
    if x.shape == shape:
        return x
    if not backend.broadcasts_to(x.shape, shape):
        raise ValueError(f"cannot broadcast a Variable of shape {tuple(x.shape)} to shape {shape}; "
                         f"each axis must match or be 1, counted from the last")
    return BroadcastTo(shape)(x)


def broadcast_like(x: VariableLike, like: Variable) -> Variable:
    """`broadcast_to(x, like.shape)` laid out like `like`'s data: on Dask, in its chunks (a
    gradient broadcast back over a reduced input lines up with that input's blocks)."""
    x = as_variable(x)
    if x.shape == like.shape:
        return x
    layout = None if like._level else backend.layout_of(like.data)  # a batch's data has more axes
    return BroadcastTo(tuple(like.shape), layout)(x)


# The batching rules of the engine's own shape ops (core.py), which need the op layer.
def _batch_broadcast_to(self, xs, batched):
    x = batch_pad(xs[0], len(self.shape))
    return broadcast_to(x, (x.shape[0],) + self.shape)


def _batch_sum_to(self, xs, batched):
    x, = xs
    n, lead = x.shape[0], x.ndim - 1 - len(self.shape)
    return reshape(sum_to(x, (n,) + (1,) * lead + self.shape), (n,) + self.shape)


BroadcastTo.batch = _batch_broadcast_to  # type: ignore[attr-defined]
SumTo.batch = _batch_sum_to  # type: ignore[attr-defined]


def sum_to(x: VariableLike, shape: Sequence[int]) -> Variable:
    """`x` summed down to `shape`, the inverse of `broadcast_to` (as in DeZero).

    Parameters
    ----------
    x : Variable or array
        The input.
    shape : sequence of int
        A shape that broadcasts to ``x.shape``.

    Returns
    -------
    Variable
        `x` itself when the shape is unchanged, else of shape `shape`.

    Raises
    ------
    ValueError
        When `shape` does not broadcast to ``x.shape``, naming both shapes.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> F.sum_to(x, (1, 2))
    variable([[4. 6.]])
    """
    x = as_variable(x)
    shape = tuple(shape)
    if x.shape == shape:
        return x
    if not backend.broadcasts_to(shape, x.shape):
        raise ValueError(f"cannot sum a Variable of shape {tuple(x.shape)} to shape {shape}: shape "
                         f"{shape} does not broadcast to {tuple(x.shape)}")
    return SumTo(shape)(x)


def _has_array_index(slices):
    items = slices if isinstance(slices, tuple) else (slices,)
    return any(not isinstance(s, (int, slice, type(None), type(Ellipsis))) for s in items)


def getitem_grad(gy, key, in_shape):
    """The gradient of `x[key]` w.r.t. x (shape `in_shape`) for the output gradient `gy`:
    zeros with gy placed at `key`, repeated integer indices adding up."""
    items = key if isinstance(key, tuple) else (key,)
    array_index = _has_array_index(items)
    if not array_index:
        padded = backend.basic_index_grad(gy, items, in_shape)
        if padded is not None:
            return padded
    gx = backend.zeros_for(gy, in_shape)
    if array_index:
        return backend.scatter_add(_xp(gy), gx, key, gy)
    if None in items:  # setitem takes no newaxis: drop it from the key and from gy
        key = tuple(s for s in items if s is not None)
        gy = _xp(gy).reshape(gy, gx[key].shape)
    gx[key] = gy
    return gx


class GetItem(Function):
    linear_in = "all"
    def __init__(self, slices):
        self.slices = slices

    def forward(self, x):
        return backend.getitem(x, self.slices)

    def batch(self, xs, batched):
        x, = xs
        slices, front = _batch_index(self.slices, x.shape[0])
        y = GetItem(slices)(x)
        return y if front == 0 else _move_to_front(y, front)

    def backward(self, gy):
        return GetItemGrad(self.slices, self.inputs[0].shape)(gy)

    def taylor(self, x):
        if _has_array_index(self.slices):  # advanced indexing may move axes: per row
            return S.rowwise(self.forward, x)
        return S.getitem(x, self.slices)


def _normalize_index(slices, x):
    """Variables in an index become their data, lists integer arrays on x's device; an index
    array of another backend or device is the same clear error as for any operand."""
    def one(s):
        if isinstance(s, Variable):
            if s._level:  # an index that differs per example (vmap), e.g. the mask x != 0
                raise ValueError(
                    "vmap: an index computed from a mapped value differs per example (a boolean "
                    "mask selects a different number of elements in each), which one batched "
                    "array cannot hold; use F.where(mask, x, 0) instead of x[mask], or index "
                    "outside vmap")
            s = s.data
        elif isinstance(s, list):
            return x.xp.asarray(s, device=x.device)
        if backend.is_array(s):
            backend.get_array_module(x.data, s)
        return s
    return tuple(one(s) for s in slices) if isinstance(slices, tuple) else one(slices)


def _trailing_ellipsis(key, ndim):
    """A basic index shorter than ndim with `...` appended: NumPy's meaning of x[1] on 2-D,
    which array_api_strict would reject."""
    items = key if isinstance(key, tuple) else (key,)
    basic = all(isinstance(s, (int, slice, type(None))) and not isinstance(s, bool) for s in items)
    if basic and sum(s is not None for s in items) < ndim:
        return items + (Ellipsis,)
    return key


def get_item(x: VariableLike, slices: Index) -> Variable:
    """``x[slices]``, differentiable (``Variable.__getitem__``).

    Repeated integer indices add up their gradients.

    Parameters
    ----------
    x : Variable or array
        The input.
    slices : int, slice, None, Ellipsis, int array, list or tuple of them
        The index, as in NumPy; a tuple shorter than ``x.ndim`` means a trailing ``...``.

    Returns
    -------
    Variable
        The selected elements.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([1.0, 2.0, 3.0]))
    >>> y = F.get_item(x, np.array([0, 0, 2]))
    >>> print(y, gd.grad(F.sum(y), x))
    variable([1. 1. 3.]) variable([2. 0. 1.])
    """
    x = as_variable(x)
    return GetItem(_trailing_ellipsis(_normalize_index(slices, x), x.ndim))(x)


class GetItemGrad(Function):
    linear_in = "all"
    label = "ScatterAdd"  # what GetItem's backward computes: gy added into zeros at the index

    def __init__(self, slices, in_shape):
        self.slices, self.in_shape = slices, in_shape

    def forward(self, gy):
        return getitem_grad(gy, self.slices, self.in_shape)

    def batch(self, xs, batched):
        gy, = xs
        n = gy.shape[0]
        slices, front = _batch_index(self.slices, n)
        if front:  # the batch axis where indexing the batch would have put it
            order = list(range(1, gy.ndim))
            order.insert(front, 0)
            gy = transpose(gy, order)
        return GetItemGrad(slices, (n,) + tuple(self.in_shape))(gy)

    def backward(self, ggx):
        return get_item(ggx, self.slices)

    def taylor(self, x):
        return S.rowwise(self.forward, x)


class Stack(Function):
    linear_in = "all"
    def forward(self, *xs):
        return _xp(xs[0]).stack(xs, axis=0)

    def backward(self, gy):
        return tuple(get_item(gy, (i, Ellipsis)) for i in range(len(self.inputs)))

    def taylor(self, *xs):
        return S.stack(xs, axis=0)

    def batch(self, xs, batched):
        xs = batch_all(xs, batched)
        return concatenate([reshape(x, (x.shape[0], 1) + tuple(x.shape[1:])) for x in xs], axis=1)


def stack(xs: Sequence[VariableLike]) -> Variable:
    """Stack Variables (or arrays) of one shape along a new first axis.

    Parameters
    ----------
    xs : sequence of Variable or array
        The inputs, all of one shape, backend and device.

    Returns
    -------
    Variable
        Of shape ``(len(xs), *shape)``.

    Raises
    ------
    ValueError
        For an empty `xs` or inputs of different shapes.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> a, b = gd.Variable(np.array([1.0, 2.0])), gd.Variable(np.array([3.0, 4.0]))
    >>> F.stack([a, b])
    variable([[1. 2.]
              [3. 4.]])
    """
    xs = list(xs)
    if not xs:
        raise ValueError("stack needs at least one Variable, got an empty sequence")
    for i, x in enumerate(xs):
        if not isinstance(x, Variable) and not backend.is_array(x):
            raise TypeError(f"stack: entry {i} is a {type(x).__name__}, not a Variable or an "
                            f"array; convert it first, e.g. xp.asarray(...) of the others' backend")
    shapes = {tuple(x.shape) for x in xs}
    if len(shapes) > 1:
        raise ValueError(f"stack needs Variables of one shape, got shapes {sorted(shapes)}")
    return Stack()(*xs)


class Concatenate(Function):
    linear_in = "all"
    def __init__(self, axis):
        self.axis = axis  # non-negative

    def forward(self, *xs):
        return _xp(xs[0]).concat(xs, axis=self.axis)

    def backward(self, gy):
        grads, start = [], 0
        for x in self.inputs:
            stop = start + x.shape[self.axis]
            grads.append(get_item(gy, (slice(None),) * self.axis + (slice(start, stop), Ellipsis)))
            start = stop
        return tuple(grads)

    def taylor(self, *xs):
        return S.concat(list(xs), self.axis)

    def batch(self, xs, batched):
        return Concatenate(self.axis + 1)(*batch_all(xs, batched))


def concatenate(xs: Sequence[VariableLike], axis: int = 0) -> Variable:
    """Join Variables (or arrays) along an existing axis.

    Parameters
    ----------
    xs : sequence of Variable or array
        The inputs; their shapes agree except along `axis`.
    axis : int, default 0
        The axis to join along.

    Returns
    -------
    Variable
        The joined Variable.

    Raises
    ------
    ValueError
        For an empty `xs`, an axis out of range or shapes that do not agree.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> a, b = gd.Variable(np.array([1.0])), gd.Variable(np.array([2.0, 3.0]))
    >>> y = F.concatenate([a, b])
    >>> print(y, gd.grad(F.sum(y * y), b))
    variable([1. 2. 3.]) variable([4. 6.])
    """
    xs = [as_variable(x) for x in xs]
    if not xs:
        raise ValueError("concatenate needs at least one Variable, got an empty sequence")
    shapes = [tuple(x.shape) for x in xs]
    ndim = len(shapes[0])
    if ndim == 0 or not -ndim <= axis < ndim:
        raise ValueError(f"concatenate: axis {axis} is out of range for shapes {shapes}")
    axis %= ndim
    for shape in shapes:
        if len(shape) != ndim or shape[:axis] + shape[axis + 1:] != shapes[0][:axis] + shapes[0][axis + 1:]:
            raise ValueError(f"concatenate along axis {axis} needs shapes that agree on every other "
                             f"axis, got {shapes[0]} and {shape}")
    return Concatenate(axis)(*xs)


def expand_dims(x: VariableLike, axis: int | Sequence[int]) -> Variable:
    """`x` with a new axis of length 1 at position `axis`.

    Parameters
    ----------
    x : Variable or array
        The input.
    axis : int or tuple/list of int
        Where the new axes go in the result (negative counts from the end), as NumPy.

    Returns
    -------
    Variable
        Of ``x.ndim + 1`` dimensions.

    Raises
    ------
    ValueError
        When `axis` is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([1.0, 2.0]))
    >>> F.expand_dims(x, 0).shape, F.expand_dims(x, -1).shape
    ((1, 2), (2, 1))
    """
    x = as_variable(x)
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, int):
            raise TypeError(f"expand_dims: axis must be an int or a tuple/list of ints, got "
                            f"{type(a).__name__} {a!r}")
    ndim = x.ndim + len(axes)  # as NumPy: the axes index the result
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"expand_dims: axis {a} is out of range for a Variable of ndim "
                             f"{x.ndim} (shape {tuple(x.shape)}); use {-ndim}..{ndim - 1}")
    new = sorted(a % ndim for a in axes)
    if len(set(new)) != len(new):
        raise ValueError(f"expand_dims: axis {axis} repeats an axis")
    rest = iter(x.shape)
    return reshape(x, tuple(1 if i in new else next(rest) for i in range(ndim)))


def flatten(x: VariableLike) -> Variable:
    """``(N, ...)`` to ``(N, -1)``: the first axis stays, as in DeZero.

    Parameters
    ----------
    x : Variable or array
        The input, of at least one dimension.

    Returns
    -------
    Variable
        Of shape ``(x.shape[0], prod(x.shape[1:]))``.

    Raises
    ------
    ValueError
        For a 0-d `x`.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> F.flatten(np.zeros((2, 3, 4))).shape
    (2, 12)
    """
    x = as_variable(x)
    if x.ndim == 0:
        raise ValueError("flatten keeps the first axis, so it needs a Variable of at least 1 "
                         "dimension, got a 0-d one; use reshape(x, (1,)) instead")
    return reshape(x, (x.shape[0], -1))


# ============================================================================ batching helpers
# For the ops' `batch` rules (see gdezero.batching): a batched value has the batch axis first.
def batch_pad(x: Variable, ndim: int) -> Variable:
    """A batched value with length-1 axes after the batch axis up to `ndim` per-example axes:
    broadcasting aligns from the right, which would pair a per-example (3,) batched to
    (B, 3) with the rows of an unbatched (2, 3)."""
    extra = ndim - (x.ndim - 1)
    if extra <= 0:
        return x
    return reshape(x, (x.shape[0],) + (1,) * extra + tuple(x.shape[1:]))


def batch_all(xs: Sequence[Variable], batched: Sequence[bool]) -> list[Variable]:
    """Every value batched: an unbatched one is broadcast along a new batch axis."""
    n = next(x.shape[0] for x, b in zip(xs, batched) if b)
    return [x if b else broadcast_to(reshape(x, (1,) + tuple(x.shape)), (n,) + tuple(x.shape))
            for x, b in zip(xs, batched)]


def _move_to_front(x, axis):
    return transpose(x, [axis] + [i for i in range(x.ndim) if i != axis])


def _batch_index(slices, n):
    """(the index of the batch of `n` examples, where it puts the batch axis). An index of
    integers and integer arrays only gets the batch as one more integer array in front
    (array_api_strict allows no slices beside arrays); otherwise a leading slice, and NumPy
    moves the axes of advanced indices that are not side by side to the front."""
    items = slices if isinstance(slices, tuple) else (slices,)
    # a boolean mask (the same for every example) is the integer arrays of its nonzero()
    items = tuple(part for s in items for part in
                  (backend.nonzero(s) if backend.is_array(s) and _xp(s).isdtype(s.dtype, "bool") else (s,)))
    arrays = [s for s in items if backend.is_array(s)]
    if not arrays:
        return (slice(None),) + items, 0
    ndim = max(a.ndim for a in arrays)  # the ndim of the broadcast index
    if all(backend.is_array(s) or isinstance(s, int) for s in items):
        xp = _xp(arrays[0])
        rows = xp.reshape(xp.arange(n, dtype=arrays[0].dtype, device=backend.device_of(arrays[0])),
                          (n,) + (1,) * ndim)
        return (rows,) + tuple(xp.asarray(s, dtype=arrays[0].dtype, device=backend.device_of(arrays[0]))
                               if isinstance(s, int) else s for s in items), 0
    basic = (slice, type(None), type(Ellipsis)) + (() if backend.integers_are_advanced(arrays[0]) else (int,))
    advanced = [i for i, s in enumerate(items) if not isinstance(s, basic)]
    front = ndim if advanced[-1] - advanced[0] + 1 != len(advanced) else 0
    return (slice(None),) + items, front
