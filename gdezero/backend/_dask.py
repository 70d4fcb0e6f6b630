"""Dask's quirks: chunk layouts, NumPy operands beside Dask data, scatter-add, the indexing
and reshapes Dask lacks, and persisting. Loaded only once a Dask array is in use."""
import math

import dask
import dask.array as da
import numpy as np

from gdezero.backend import is_array, reshape


def is_dask(array):
    return isinstance(array, da.Array)


def harmonise(arrays):
    """NumPy arrays among `arrays` as Dask arrays (one chunk each); the rest unchanged."""
    return tuple(da.from_array(a, chunks=a.shape) if isinstance(a, np.ndarray) else a for a in arrays)


def broadcast_to(array, shape, layout):
    """`array` broadcast to `shape`, the broadcast axes taking their chunks from `layout`
    (the chunks of an array of `shape`). Dask alone gives a new axis one chunk of its full
    length, so the gradient of `sum(x)` for a chunked x would be one n-element block the
    first elementwise op materialises whole and then splits to x's chunks."""
    lead = len(shape) - array.ndim
    chunks = tuple(
        layout[i] if i < lead or (array.shape[i - lead] == 1 and shape[i] != 1)
        else array.chunks[i - lead] for i in range(len(shape)))
    return da.broadcast_to(array, shape, chunks=chunks)


def lazy_like(values, like):
    """NumPy `values` as a Dask array chunked like `like` (a fresh graph of one task per chunk)."""
    return da.from_array(values, chunks=like.chunks)


def zeros(shape, like):
    """Zeros of `shape` and `like`'s dtype, in `like`'s chunk size when the ranks agree."""
    chunks = tuple(max(1, c) for c in like.chunksize) if like.ndim == len(shape) else "auto"
    return da.zeros(shape, dtype=like.dtype, chunks=chunks)


def scatter_add(out, positions, flat_values):
    """`out` plus the sums of `flat_values` per flat position: per-block bincounts added up
    (O(len + size) work), never a one-hot matrix."""
    flat_values = da.asarray(flat_values)
    positions = da.asarray(positions).rechunk(flat_values.chunks)  # bincount pairs blocks
    sums = da.bincount(positions, weights=flat_values, minlength=math.prod(out.shape))
    return out + da.reshape(sums, out.shape).astype(out.dtype, copy=False)


# ----------------------------------------------------------------------------- indexing
def getitem(array, items):
    """`array[items]`: a boolean mask's unknown result length is computed at once (Dask would
    otherwise fail much later on nan shapes), integer arrays on several leading axes go
    through flat positions (Dask indexes one axis at a time), and step-1 slices come back in
    regular chunks of `array`'s chunk size (see `_regular_chunks`)."""
    arrays = [k for k in items if is_array(k) and getattr(k, "ndim", 0) > 0 and not _is_bool(k)]
    if len(arrays) > 1 or any(a.ndim > 1 for a in arrays):
        return _leading_arrays(array, items)
    out = array[items]
    if any(math.isnan(n) for n in out.shape):
        out.compute_chunk_sizes()
    elif _plain_slices(items, array.ndim):
        out = _regular_chunks(out, array.chunksize)
    return out


def _plain_slices(items, ndim):
    """True for a key of step-1 slices and at most one `...` (each result axis is one of
    `array`'s axes, cut)."""
    return all(isinstance(i, slice) and i.step in (None, 1) for i in items if i is not Ellipsis) \
        and items.count(Ellipsis) <= 1 and len(items) - items.count(Ellipsis) <= ndim


def _regular_chunks(array, chunksize):
    """`array` rechunked to blocks of `chunksize` counted from index 0. Dask keeps a slice's
    cut blocks: x[1:] has blocks (c - 1, c, ...) and x[:-1] (c, ..., c - 1), so
    x[1:] - x[:-1] is split at both sets of boundaries, every op after it works on twice the
    blocks, and the gradient of Rosenbrock-n comes back in blocks (1, c - 2, 1, ...) that an
    optimiser's iterate inherits, finer at every step. Regular blocks line slices of one
    array up with each other and with the array (one small concatenate per block)."""
    return array.rechunk(tuple(max(1, c) for c in chunksize))


def _leading_arrays(array, items):
    """array[i0, i1, ..., ik] for integer arrays on the first k axes (NumPy's semantics)."""
    k = len(items)
    if not all(is_array(i) and not _is_bool(i) for i in items) or k > array.ndim:
        raise NotImplementedError(
            f"Dask indexes with one 1-D array at a time; an index of {k} entries mixing "
            f"several or n-D arrays with slices, None or booleans is not supported on Dask: "
            f"index one axis at a time (x[i][:, j]) or compute() the array first")
    lead = array.shape[:k]
    flat = 0
    for index, n in zip(items, lead):  # row-major flat position over the leading axes
        flat = flat * n + da.asarray(index) % n
    shape = tuple(flat.shape)
    rows = reshape(da, array, (math.prod(lead),) + tuple(array.shape[k:]))
    return reshape(da, rows[da.reshape(flat, (-1,))], shape + tuple(array.shape[k:]))


def _is_bool(index):
    return str(index.dtype) == "bool"


def pad_basic(gy, items, in_shape):
    """The gradient of x[items] for ints, None, `...` and step-1 slices: gy padded with
    zeros, a few tasks per block, where Dask's setitem costs ~0.3 s of graph building per
    call. None for other steps (the caller falls back to setitem)."""
    if items.count(Ellipsis) == 1:
        at = items.index(Ellipsis)
        fill = len(in_shape) - (len(items) - 1 - items.count(None))
        items = items[:at] + (slice(None),) * fill + items[at + 1:]
    items = items + (slice(None),) * (len(in_shape) - len(items) + items.count(None))
    shape, pads, axis = [], [], 0
    for item in items:  # gy's axes, with None's dropped and ints restored as length 1
        if item is None:
            continue
        n = in_shape[axis]
        if isinstance(item, slice):
            start, stop, step = item.indices(n)
            if step != 1:
                return None
            length = max(0, stop - start)
            shape.append(length)
            pads.append((start, n - start - length))
        else:
            i = item % n
            shape.append(1)
            pads.append((i, n - i - 1))
        axis += 1
    if 0 in shape:  # an empty slice: Dask cannot pad a zero-length block
        return da.zeros(in_shape, dtype=gy.dtype)
    padded = da.pad(da.reshape(gy, tuple(shape)), pads)  # x's shape, in regular blocks like x[key]'s:
    return _regular_chunks(padded, gy.chunksize) if gy.ndim == len(in_shape) else padded


# ----------------------------------------------------------------------------- optimisers
def one_block(array):
    """`array` as one block: Dask's `linalg.solve` needs square blocks."""
    return array.rechunk(array.shape)


def persist(arrays, scalars):
    """The arrays persisted (kept computed, in the workers' memory on a cluster) and the
    scalars computed, in one pass. Unfused: an optimiser persists graphs that share lazy
    intermediates, and fused differently each time, one key would name two different tasks
    (the scheduler's "different run_spec", which can deadlock a cluster)."""
    kept = dask.persist(*arrays, *scalars, optimize_graph=False)
    return kept[:len(arrays)], dask.compute(*kept[len(arrays):])
