"""CuPy's quirks, kept in one place.

- CuPy wraps an out-of-range integer index silently (``x[n]`` on a length-n array is
  ``x[0]``), where NumPy raises: an index one past the end would give a plausible wrong
  value and a wrong gradient. `check_index_bounds` runs before every integer-array
  index and scatter, on every backend, so the error and its message are the same
  everywhere: one min/max reduction on the index's device and one transfer of those two
  scalars, never a host copy of the index array.
- Scatter-add goes through ``cupy.add.at`` (CuPy >= 13); ``cupyx.scatter_add``, which
  CuPy deprecates in its favour, only where ``add.at`` is missing.
"""
import importlib
import math

import gdezero.backend as _backend  # the package: this module is imported while it initialises

_BASIC = (int, slice, type(None), type(Ellipsis))


def _is_mask(item):
    return _backend.namespace_of_type(item).isdtype(item.dtype, "bool")


def _axes_taken(item):
    """How many of the indexed array's axes one index item consumes."""
    if item is None or item is Ellipsis:
        return 0
    if _backend.is_array(item) and _is_mask(item):
        return item.ndim  # a boolean mask consumes as many axes as it has
    return 1


def _integer_arrays(key, ndim):
    """(axis, index array) for every integer-array item of `key`, with the axis it indexes."""
    items = key if isinstance(key, tuple) else (key,)
    explicit = sum(_axes_taken(item) for item in items)
    axis = 0
    for item in items:
        if item is Ellipsis:
            axis += ndim - explicit
            continue
        if _backend.is_array(item) and not _is_mask(item) and axis < ndim:
            yield axis, item
        axis += _axes_taken(item)


def check_index_bounds(key, shape):
    """Raise IndexError when an integer array in `key` holds an index outside -n..n-1 for
    the axis (of length n) it indexes in an array of `shape`; a key without integer
    arrays costs one isinstance per item."""
    items = key if isinstance(key, tuple) else (key,)
    if all(isinstance(item, _BASIC) for item in items):
        return
    for axis, index in _integer_arrays(key, len(shape)):
        if not math.prod(index.shape):
            continue  # an empty index selects nothing and has no min or max
        xp = _backend.namespace_of_type(index)
        low, high = (int(v) for v in _backend.to_numpy(xp.stack([xp.min(index), xp.max(index)])))
        n = shape[axis]
        if low < -n or high >= n:
            bad = high if high >= n else low
            raise IndexError(
                f"index {bad} is out of bounds for axis {axis} with size {n} (an integer-array "
                f"index into shape {tuple(shape)}: valid indices are -{n}..{n - 1})")


def add_at(cupy):
    """CuPy's unbuffered in-place add, ``f(out, index, values)``: ``cupy.add.at`` where
    this CuPy has it, else ``cupyx.scatter_add`` (CuPy < 13)."""
    at = getattr(cupy.add, "at", None)
    return at if at is not None else importlib.import_module("cupyx").scatter_add


def scatter_add(out, index, values):
    """``out[index] += values`` on a CuPy array, repeated indices adding up, in place."""
    cupy = importlib.import_module("cupy")
    add_at(cupy)(out, index, values)
    return out
