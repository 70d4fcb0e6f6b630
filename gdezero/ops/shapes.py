"""Shape ops: reshape, transpose, broadcast_to / sum_to, indexing, stack, expand_dims, flatten."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gdezero import backend
from gdezero.backend import namespace_of_type as _xp
from gdezero.core import Function, Shape, Variable, VariableLike, as_variable
from gdezero.taylor import series as S

__all__ = [
    "reshape", "transpose", "get_item", "stack", "concatenate", "expand_dims", "flatten",
    "broadcast_to", "sum_to",
]


class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return backend.reshape(_xp(x), x, self.shape)

    def backward(self, gy):
        return reshape(gy, self.inputs[0].shape)

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


class Transpose(Function):
    def __init__(self, axes):
        self.axes = axes  # a full permutation of the input's axes

    def forward(self, x):
        return _xp(x).permute_dims(x, self.axes)

    def backward(self, gy):
        inverse = [0] * len(self.axes)  # the permutation that undoes axes, in one pass
        for i, a in enumerate(self.axes):
            inverse[a] = i
        return transpose(gy, inverse)

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
    axes = tuple(range(ndim))[::-1] if axes is None else tuple(a % ndim for a in axes)
    return Transpose(axes)(x)


class BroadcastTo(Function):
    def __init__(self, shape, layout=None):
        self.shape, self.layout = shape, layout  # layout: backend.layout_of an array of shape

    def forward(self, x):
        return backend.broadcast_to(x, self.shape, self.layout)

    def backward(self, gy):
        return sum_to(gy, self.inputs[0].shape)

    def taylor(self, x):
        return S.broadcast_to(x, self.shape)


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
    >>> print(y.shape, gd.grad(y, x))
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
    return BroadcastTo(tuple(like.shape), backend.layout_of(like.data))(x)


class SumTo(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        lead = x.ndim - len(self.shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(self.shape) if n == 1 and x.shape[lead + i] != 1)
        xp = _xp(x)
        y = xp.sum(x, axis=axes, keepdims=True) if axes else x
        return xp.reshape(y, self.shape) if lead else y

    def backward(self, gy):
        return broadcast_like(gy, self.inputs[0])

    def taylor(self, x):
        return S.sum_to(x, self.shape)


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


class GetItem(Function):
    def __init__(self, slices):
        self.slices = slices

    def forward(self, x):
        return backend.getitem(x, self.slices)

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


def get_item(x: VariableLike, slices: Any) -> Variable:
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
    >>> print(y, gd.grad(y, x))
    variable([1. 1. 3.]) variable([2. 0. 1.])
    """
    x = as_variable(x)
    return GetItem(_trailing_ellipsis(_normalize_index(slices, x), x.ndim))(x)


class GetItemGrad(Function):
    label = "ScatterAdd"  # what GetItem's backward computes: gy added into zeros at the index

    def __init__(self, slices, in_shape):
        self.slices, self.in_shape = slices, in_shape

    def forward(self, gy):
        return backend.getitem_grad(_xp(gy), gy, self.slices, self.in_shape)

    def backward(self, ggx):
        return get_item(ggx, self.slices)

    def taylor(self, x):
        return S.rowwise(self.forward, x)


class Stack(Function):
    def forward(self, *xs):
        return _xp(xs[0]).stack(xs, axis=0)

    def backward(self, gy):
        return tuple(get_item(gy, (i, Ellipsis)) for i in range(len(self.inputs)))

    def taylor(self, *xs):
        return S.stack(xs, axis=0)


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
    shapes = {tuple(x.shape) for x in xs}
    if len(shapes) > 1:
        raise ValueError(f"stack needs Variables of one shape, got shapes {sorted(shapes)}")
    return Stack()(*xs)


class Concatenate(Function):
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
    >>> print(y, gd.grad(y * y, b))
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


def expand_dims(x: VariableLike, axis: int) -> Variable:
    """`x` with a new axis of length 1 at position `axis`.

    Parameters
    ----------
    x : Variable or array
        The input.
    axis : int
        Where the new axis goes in the result (negative counts from the end).

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
    shape = list(x.shape)
    if not -len(shape) - 1 <= axis <= len(shape):
        raise ValueError(f"expand_dims: axis {axis} is out of range for a Variable of ndim "
                         f"{len(shape)} (shape {tuple(shape)}); use {-len(shape) - 1}..{len(shape)}")
    shape.insert(axis if axis >= 0 else len(shape) + 1 + axis, 1)
    return reshape(x, tuple(shape))


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
