"""The backend seam: the one module that knows array libraries by name.

Everything else asks `get_array_module` for an Array API namespace and calls only
standard functions on it. Namespaces are cached per array type, so a lookup on the
hot path is one dict access.
"""
import math
import sys
from typing import Any, TypeAlias

import array_api_compat
import numpy as np

from gdezero.backend import _cupy as cupy_quirks

# An array of any supported backend (numpy.ndarray, cupy.ndarray, torch.Tensor, an
# array_api_strict array, a Dask array): they share no static type, so it is Any to mypy.
Array: TypeAlias = Any

# type(array) -> (namespace, single_device); NumPy's is known, others are filled lazily
# by _namespace_of (so is_array on a NumPy array is one dict access from the start).
_NAMESPACES: dict[type, tuple[Any, bool]] = {
    np.ndarray: (array_api_compat.array_namespace(np.empty(0)), True)}
# NumPy's arrays and the scalars its 0-d results are (x.data = x.data - 1.0 makes one): all on
# the CPU, so operands of these types need no backend or device check.
SINGLE_DEVICE_TYPES = {np.ndarray, *(t for t in np.sctypeDict.values() if np.dtype(t).kind in "biufc")}


def _backend_name(array):
    module = type(array).__module__.split(".")[0]
    return {"numpy": "NumPy", "cupy": "CuPy", "torch": "PyTorch"}.get(module, module)


def _namespace_of(array):
    entry = _NAMESPACES.get(type(array))
    if entry is None:
        try:
            xp = array_api_compat.array_namespace(array)
        except TypeError:
            raise TypeError(
                f"gdezero needs an array of an Array API backend (numpy.ndarray, "
                f"cupy.ndarray, torch.Tensor, array_api_strict array, ...), got "
                f"{type(array).__module__}.{type(array).__qualname__}") from None
        # NumPy arrays all live on the CPU, so device checks can be skipped for them.
        entry = (xp, isinstance(array, np.ndarray))
        _NAMESPACES[type(array)] = entry
    return entry


def is_array(obj):
    """True for an array of any backend gdezero can use (not for Python scalars)."""
    return type(obj) in _NAMESPACES or (
        not isinstance(obj, (int, float, complex, bool, str, bytes, list, tuple))
        and array_api_compat.is_array_api_obj(obj))


def as_variable_data(obj):
    """`obj` as a Variable's data: an array of a supported backend with a numeric or bool
    dtype. A NumPy scalar becomes a 0-d array; a torch tensor that torch's own autograd
    records is detached (gdezero's graph is the only graph). Anything else: TypeError."""
    if isinstance(obj, np.generic):
        obj = np.asarray(obj)
    if not is_array(obj):
        raise TypeError(
            f"Variable data must be an array (numpy.ndarray, cupy.ndarray, torch.Tensor, "
            f"array_api_strict array, ...) or None, got {type(obj).__name__}: {obj!r:.60}; "
            f"wrap it first, e.g. Variable(np.array(...)) or gd.as_array(...)")
    if isinstance(obj, np.ndarray) and obj.dtype.kind not in "biuf":
        raise TypeError(f"Variable data must have a numeric or bool dtype, got a NumPy array "
                        f"of dtype {obj.dtype}; convert it, e.g. x.astype(np.float64)")
    if getattr(obj, "requires_grad", False) and array_api_compat.is_torch_array(obj):
        obj = obj.detach()
    return obj


# type of a kernel's result -> what makes it an array: NumPy returns scalars for 0-d results.
OUTPUT_NORMALISERS = {t: np.asarray for t in set(np.sctypeDict.values())}


def seed_like(array):
    """Read-only ones of `array`'s shape, dtype and device: the internal seed of a backward
    pass, which nothing writes into. On NumPy a 0-d one broadcast to the shape (no pass
    writing n ones)."""
    if type(array) is np.ndarray and array.ndim:
        return np.broadcast_to(np.array(1, dtype=array.dtype), array.shape)
    return ones_like(array)


def ones_like(array):
    """Ones of `array`'s shape, dtype and device (on NumPy without np.ones_like's Python layer,
    which costs more than the work for small arrays)."""
    if type(array) is np.ndarray:
        if not array.ndim:
            return np.array(1, dtype=array.dtype)
        ones = np.empty_like(array)
        ones.fill(1)
        return ones
    return namespace_of_type(array).ones_like(array)


def one_cpu_backend(a, b):
    """True when `a` and `b` are both NumPy arrays or scalars: one backend, one device."""
    return type(a) in SINGLE_DEVICE_TYPES and type(b) in SINGLE_DEVICE_TYPES


def check_operands(arrays, what="one operation"):
    """Raise unless `arrays` share one backend and one device (TypeError / ValueError)."""
    if all(type(a) in SINGLE_DEVICE_TYPES for a in arrays):
        return
    get_array_module(*arrays, what=what)


def broadcasts_to(shape, target):
    """True when an array of `shape` broadcasts to `target` (NumPy's rule)."""
    if len(shape) > len(target):
        return False
    return all(n == m or n == 1 for n, m in zip(shape[::-1], target[::-1]))


def layout_of(array):
    """What a result shaped like `array` should copy besides its shape: a Dask array's
    chunks; None for every other backend."""
    return array.chunks if array_api_compat.is_dask_array(array) else None


def broadcast_to(array, shape, layout=None):
    """`xp.broadcast_to(array, shape)`; on Dask, the broadcast axes take their chunks from
    `layout` (`layout_of` an array of `shape`). Dask alone gives a new axis one chunk of
    its full length, so the gradient of `sum(x)` for a chunked x would be one n-element
    block the first elementwise op materialises whole and then splits to x's chunks."""
    xp = namespace_of_type(array)
    if layout is None or not array_api_compat.is_dask_array(array) or len(layout) != len(shape):
        return xp.broadcast_to(array, shape)
    import dask.array as da
    lead = len(shape) - array.ndim
    chunks = tuple(
        layout[i] if i < lead or (array.shape[i - lead] == 1 and shape[i] != 1)
        else array.chunks[i - lead] for i in range(len(shape)))
    return da.broadcast_to(array, shape, chunks=chunks)


def device_of(array):
    """The device of an array of any backend (Dask arrays have no `.device`: 'cpu')."""
    return array_api_compat.device(array)


def is_lazy(array):
    """True for a Dask array: values exist only once computed."""
    return array_api_compat.is_dask_array(array)


def lazy_like(values, like):
    """NumPy `values` as a lazy array chunked like `like` (a fresh graph of one task per chunk)."""
    import dask.array as da
    return da.from_array(values, chunks=like.chunks)


def _numpy_beside_dask(a, b):
    return (isinstance(a, np.ndarray) and array_api_compat.is_dask_array(b)) or (
        isinstance(b, np.ndarray) and array_api_compat.is_dask_array(a))


def get_array_module(*xs: Any, what: str = "one operation") -> Any:
    """The Array API namespace of the arrays (or Variables) in `xs`.

    Kernels call only the standard's functions on it, so they run on every backend
    (array-api-compat's wrappers for NumPy, CuPy and PyTorch).

    Mixing backends raises TypeError and mixing devices ValueError, with one exception: NumPy
    operands next to Dask data give the Dask namespace (see `harmonise`).

    Parameters
    ----------
    *xs : array, Variable, scalar or None
        The operands. Python scalars and None are ignored; with no array at all, the
        result is the NumPy namespace.
    what : str, default "one operation"
        What the operands are for, named in the error messages.

    Returns
    -------
    namespace
        The Array API namespace shared by the operands.

    Raises
    ------
    TypeError
        When the operands come from different backends, or one is not an array of a
        supported backend.
    ValueError
        When they live on different devices.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> xp = gd.get_array_module(gd.Variable(np.array([1.0, 4.0])), 2.0)
    >>> xp.sqrt(np.array([1.0, 4.0]))
    array([1., 2.])
    """
    first = None
    xp = single_device = None
    for x in xs:
        # np.generic has its own `.data` (a memoryview): it must not be unwrapped like a Variable.
        x = x if isinstance(x, (np.ndarray, np.generic)) else getattr(x, "data", x)
        if x is None or isinstance(x, (int, float, complex)):
            continue
        if isinstance(x, np.generic):
            x = np.asarray(x)
        ns, single = _namespace_of(x)
        if first is None:
            first, xp, single_device = x, ns, single
            continue
        if ns is not xp:
            if _numpy_beside_dask(first, x):  # NumPy is wrapped into Dask, never the reverse
                if isinstance(first, np.ndarray):
                    first, xp, single_device = x, ns, single
                continue
            a, b = _backend_name(first), _backend_name(x)
            raise TypeError(
                f"cannot mix array backends in {what}: {a} ({type(first).__name__}) "
                f"and {b} ({type(x).__name__}); convert one of them, e.g. with "
                f"Variable.to_cpu() / to_gpu() or the backend's asarray")
        if not single_device:
            da, db = device_of(first), device_of(x)
            if da != db:
                raise ValueError(
                    f"cannot mix devices in {what}: {da!r} and {db!r}; move one "
                    f"operand with Variable.to_gpu(device) / to_cpu() first")
    if xp is None:
        return _namespace_of(np.empty(0))[0]
    return xp


def harmonise(*arrays):
    """The arrays on one backend: NumPy arrays next to Dask data become Dask arrays
    (one chunk each); every other array (and Python scalars, None) passes unchanged."""
    if not any(array_api_compat.is_dask_array(a) for a in arrays):
        return arrays
    import dask.array as da
    return tuple(da.from_array(a, chunks=a.shape) if isinstance(a, np.ndarray) else a
                 for a in arrays)


def namespace_of_type(array):
    """Fast path for one array whose namespace is already known."""
    entry = _NAMESPACES.get(type(array))
    return entry[0] if entry is not None else _namespace_of(array)[0]


# ----------------------------------------------------------------------------- devices
_INSTALL_CUPY = ("install CuPy for your CUDA version, e.g. `pip install 'gdezero[gpu]'` "
                 "(cupy-cuda12x)")


def _import_cupy():
    try:
        import cupy
    except ImportError:
        raise RuntimeError(f"to_gpu() needs CuPy, which is not installed: {_INSTALL_CUPY}") from None
    return cupy


def _cuda_device_count(cupy):
    try:
        return cupy.cuda.runtime.getDeviceCount()
    except Exception:  # CuPy raises CUDARuntimeError (or others) when no driver/device is present
        return 0


def gpu_available() -> bool:
    """True when CuPy is importable and sees at least one CUDA device.

    Returns
    -------
    bool
        Whether `Variable.to_gpu` can move NumPy data to CuPy on this machine.

    Examples
    --------
    >>> import gdezero as gd
    >>> gd.gpu_available() in (True, False)
    True
    """
    try:
        import cupy
    except ImportError:
        return False
    return _cuda_device_count(cupy) > 0


def _device_index(device):
    """The CUDA index of None, an int, 'cuda' / 'cuda:1', a torch.device or a cupy.cuda.Device."""
    if device is None:
        return 0
    if isinstance(device, str):
        kind, _, index = device.partition(":")
        if kind != "cuda" or not (index == "" or index.isdigit()):
            raise ValueError(f"to_gpu(device={device!r}): expected a CUDA device index such as "
                             f"0, 1 or 'cuda:1'")
        return int(index or 0)
    index = getattr(device, "index", getattr(device, "id", device))  # torch.device / cupy Device
    return 0 if index is None else int(index)


def _check_device_index(device, count, what):
    index = _device_index(device)
    if not 0 <= index < count:
        raise RuntimeError(
            f"to_gpu(device={device!r}): {what} sees {count} CUDA device(s), so valid indices "
            f"are 0..{count - 1}")
    return index


def to_gpu(array, device=None):
    """Move an array to a CUDA device: NumPy -> CuPy, torch 'cpu' -> 'cuda'."""
    if array_api_compat.is_torch_array(array):
        import torch
        if not torch.cuda.is_available():
            raise RuntimeError(
                "to_gpu(): this PyTorch build sees no CUDA device (torch.cuda.is_available() is "
                "False); install a CUDA build of torch on a machine with an NVIDIA GPU")
        index = _check_device_index(device, torch.cuda.device_count(), "PyTorch")
        return array.to(f"cuda:{index}")
    if array_api_compat.is_cupy_array(array):
        cupy = _import_cupy()
        index = _check_device_index(device, _cuda_device_count(cupy), "CuPy")
        if array.device.id == index:
            return array
        with cupy.cuda.Device(index):
            return cupy.asarray(array)
    if isinstance(array, np.ndarray):
        cupy = _import_cupy()
        count = _cuda_device_count(cupy)
        if count == 0:
            raise RuntimeError(
                "to_gpu(): CuPy is installed but no CUDA device is visible (no NVIDIA driver "
                "or GPU on this machine); run on a machine with a GPU or keep the data on the CPU")
        index = _check_device_index(device, count, "CuPy")
        with cupy.cuda.Device(index):
            return cupy.asarray(array)
    raise RuntimeError(
        f"to_gpu(): the {_backend_name(array)} backend has no GPU flavour; use NumPy data "
        f"with CuPy, or torch tensors, to run on a GPU")


def to_cpu(array):
    """Move an array to the CPU; data already there is returned unchanged."""
    if array_api_compat.is_cupy_array(array):
        return array.get()
    if array_api_compat.is_torch_array(array):
        return array if array.device.type == "cpu" else array.cpu()
    if isinstance(array, np.ndarray):
        return array
    xp = namespace_of_type(array)
    cpu = getattr(xp, "Device", None)
    if cpu is not None and array.device != cpu("CPU_DEVICE"):  # array_api_strict's devices
        return array.to_device(cpu("CPU_DEVICE"))
    return array


# ----------------------------------------------------------------------------- scatter-add
def scatter_add(xp, out, index, values):
    """`out[index] += values` where repeated integer indices add up; returns the result."""
    cupy_quirks.check_index_bounds(index, out.shape)  # CuPy would wrap an out-of-range index silently
    if array_api_compat.is_cupy_array(out):
        return cupy_quirks.scatter_add(out, index, values)
    if isinstance(out, np.ndarray):
        np.add.at(out, index, values)
        return out
    # Any other namespace: the flat positions the index selects, then add into them.
    size = math.prod(out.shape)
    device = device_of(out)
    positions = xp.reshape(getitem(xp.reshape(xp.arange(size, device=device), out.shape), index), (-1,))
    flat_values = xp.reshape(values, (-1,))
    if array_api_compat.is_torch_array(out):
        out.reshape(-1).index_add_(0, positions, flat_values)
        return out
    if array_api_compat.is_dask_array(out):
        return out + _dask_bincount(positions, flat_values, out)
    # Standard-only fallback (e.g. array_api_strict): a one-hot matrix sums the repeats.
    one_hot = xp.astype(xp.arange(size, device=device)[:, None] == positions[None, :], out.dtype)
    return out + xp.reshape(xp.matmul(one_hot, flat_values), out.shape)


def _dask_bincount(positions, flat_values, out):
    """Sums of `flat_values` per flat position, shaped and typed like `out`: per-block
    bincounts added up (O(len + size) work), never a one-hot matrix."""
    import dask.array as da
    flat_values = da.asarray(flat_values)
    positions = da.asarray(positions).rechunk(flat_values.chunks)  # bincount pairs blocks
    sums = da.bincount(positions, weights=flat_values, minlength=math.prod(out.shape))
    return da.reshape(sums, out.shape).astype(out.dtype, copy=False)


# ----------------------------------------------------------------------------- indexing
def _has_array_index(items):
    return any(not isinstance(s, (int, slice, type(None), type(Ellipsis))) for s in items)


def getitem(array, key):
    """`array[key]`, also on Dask: a boolean mask's unknown result length is computed at
    once (Dask would otherwise fail much later on nan shapes), integer arrays on several
    leading axes go through flat positions (Dask indexes one axis at a time), and step-1
    slices come back in regular chunks of `array`'s chunk size (see `_regular_chunks`)."""
    cupy_quirks.check_index_bounds(key, array.shape)  # one IndexError for every backend; CuPy would wrap
    if not array_api_compat.is_dask_array(array):
        return array[key]
    items = key if isinstance(key, tuple) else (key,)
    arrays = [k for k in items if is_array(k) and getattr(k, "ndim", 0) > 0 and not _is_bool(k)]
    if len(arrays) > 1 or any(a.ndim > 1 for a in arrays):
        return _dask_leading_arrays(array, items)
    out = array[key]
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


def _dask_leading_arrays(array, items):
    """array[i0, i1, ..., ik] for integer arrays on the first k axes (NumPy's semantics)."""
    k = len(items)
    if not all(is_array(i) and not _is_bool(i) for i in items) or k > array.ndim:
        raise NotImplementedError(
            f"Dask indexes with one 1-D array at a time; an index of {k} entries mixing "
            f"several or n-D arrays with slices, None or booleans is not supported on Dask: "
            f"index one axis at a time (x[i][:, j]) or compute() the array first")
    import dask.array as da
    lead = array.shape[:k]
    flat = 0
    for index, n in zip(items, lead):  # row-major flat position over the leading axes
        flat = flat * n + da.asarray(index) % n
    shape = tuple(flat.shape)
    rows = reshape(da, array, (math.prod(lead),) + tuple(array.shape[k:]))
    return reshape(da, rows[da.reshape(flat, (-1,))], shape + tuple(array.shape[k:]))


def _is_bool(index):
    return str(index.dtype) == "bool"


def getitem_grad(xp, gy, key, in_shape):
    """The gradient of `x[key]` w.r.t. x (shape `in_shape`) for the output gradient `gy`:
    zeros with gy placed at `key`, repeated integer indices adding up."""
    items = key if isinstance(key, tuple) else (key,)
    if array_api_compat.is_dask_array(gy):
        if not _has_array_index(items):
            padded = _dask_pad_basic(gy, items, in_shape)
            if padded is not None:
                return padded
        gx = xp.zeros(in_shape, dtype=gy.dtype, chunks=tuple(max(1, c) for c in gy.chunksize)
                      if gy.ndim == len(in_shape) else "auto")
    else:
        gx = xp.zeros(in_shape, dtype=gy.dtype, device=device_of(gy))
    if _has_array_index(items):
        return scatter_add(xp, gx, key, gy)
    if None in items:  # setitem takes no newaxis: drop it from the key and from gy
        key = tuple(s for s in items if s is not None)
        gy = xp.reshape(gy, gx[key].shape)
    gx[key] = gy
    return gx


def _dask_pad_basic(gy, items, in_shape):
    """For ints, None, `...` and step-1 slices, the gradient is gy padded with zeros: a few
    tasks per block, where Dask's setitem costs ~0.3 s of graph building per call. None
    for other steps (the caller falls back to setitem)."""
    import dask.array as da
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


def reshape(xp, array, shape):
    """`xp.reshape`, also for Dask reshapes that regroup axes across chunk boundaries
    (e.g. (4, 6) <-> (3, 8)), which go through a flat intermediate Dask can split."""
    try:
        return xp.reshape(array, shape)
    except NotImplementedError:
        if not array_api_compat.is_dask_array(array):
            raise
        return xp.reshape(xp.reshape(array, (-1,)), shape)


def singular_matrix_errors():
    """The exception types a backend's `linalg.solve` raises for a singular matrix (and
    nothing broader: a chunking or shape error must not pass for a singular matrix)."""
    errors = [np.linalg.LinAlgError]  # NumPy, array_api_strict, CuPy and Dask raise it
    torch = sys.modules.get("torch")  # only loaded when torch arrays are in use
    if torch is not None:
        errors.append(torch.linalg.LinAlgError)
    return tuple(errors)


def solve(xp, matrix, rhs):
    """`xp.linalg.solve(matrix, rhs)`; Dask's needs square blocks, so both are rechunked
    into one block each (minimize's 'newton' caps n at a size that fits one block)."""
    if array_api_compat.is_dask_array(matrix):
        matrix = matrix.rechunk(matrix.shape)
        rhs = rhs.rechunk(rhs.shape)
    return xp.linalg.solve(matrix, rhs)


def settle(arrays, scalars=()):
    """(arrays, floats): on Dask the arrays are persisted (kept computed, in the workers'
    memory on a cluster) and the size-1 `scalars` computed in the same pass, so later
    graphs start from the kept blocks instead of repeating their history. On eager
    backends the arrays pass unchanged and the scalars become Python floats."""
    arrays, scalars = tuple(arrays), tuple(scalars)
    if any(array_api_compat.is_dask_array(a) for a in arrays + scalars):
        import dask
        kept = dask.persist(*arrays, *scalars)
        arrays, scalars = kept[:len(arrays)], dask.compute(*kept[len(arrays):])
    return arrays, tuple(float(namespace_of_type(s).reshape(s, ())) if is_array(s) else float(s)
                         for s in scalars)


def host_array(array, dtype=None, copy=None):
    """`array` as NumPy sees it through ``__array__``: the data of a CPU backend (a Dask array
    is computed); a CuPy or CUDA array refuses with its own TypeError, as CuPy does, since a
    silent device-to-host copy is what that refusal guards against."""
    return np.asarray(array, dtype=dtype, copy=copy)


def to_numpy(array):
    """A NumPy copy (or view) of an array of any backend, for comparisons and plotting."""
    if isinstance(array, np.ndarray):
        return array
    if isinstance(array, (int, float, complex, bool, np.generic, list, tuple)):
        return np.asarray(array)
    return np.asarray(to_cpu(array))
