"""The backend seam: the one package that knows array libraries by name.

Everything else asks `get_array_module` for an Array API namespace and calls only
standard functions on it. Namespaces are cached per array type, so a lookup on the
hot path is one dict access. This module holds namespaces, devices and the operand
policy; each backend's quirks live in a module of their own (`_dask`, `_torch`), loaded
only once an array of that backend is in use.

Invariants held by tests elsewhere:

- no module outside this package imports an array library or names one in code
  (tests/test_backend_seam.py);
- NumPy operands beside Dask data become Dask, never the reverse; other mixes of
  backends raise TypeError and of devices ValueError (tests/test_backend.py,
  tests/test_dask.py);
- a NumPy kernel's 0-d result (a NumPy scalar) becomes a 0-d array (OUTPUT_NORMALISERS;
  tests/test_numpy_scalar_data.py);
- the NumPy fast paths (SINGLE_DEVICE_TYPES, `seed_like`, `ones_like`) keep the engine
  within the instruction budgets of benchmarks/RESULTS.md (W1-W6; counted by callgrind,
  not by a test).
"""
import math
import sys
from typing import TYPE_CHECKING, Any, TypeAlias

import array_api_compat
import numpy as np

from gdezero.backend import _cupy as cupy_quirks

if TYPE_CHECKING:  # only for the annotations: gdezero.core imports this module
    from gdezero.core import Variable

# An array of any supported backend (numpy.ndarray, cupy.ndarray, torch.Tensor, an
# array_api_strict array, a Dask array): they share no static type, so it is Any to mypy.
Array: TypeAlias = Any
# Likewise a backend's dtype and device objects, and an Array API namespace (a module).
DType: TypeAlias = Any
Device: TypeAlias = Any
Namespace: TypeAlias = Any

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
        from gdezero.backend import _torch
        obj = _torch.detached(obj)
    if type(obj) is not np.ndarray and any(n is None or n != n for n in obj.shape):
        raise ValueError(
            f"Variable data has unknown chunk sizes (shape {tuple(obj.shape)}), as a Dask array "
            f"made by boolean indexing such as x[x > 0] has: call compute_chunk_sizes() on it "
            f"first (x = x.compute_chunk_sizes())")
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


def on_backend_of(array, other, what):
    """`other` (an operand or gradient beside `array`) on `array`'s backend: NumPy beside Dask
    becomes Dask; a mix of other backends or devices raises as `check_operands` does."""
    if one_cpu_backend(array, other):
        return other
    check_operands((array, other), what)
    return harmonise(array, other)[1]


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
    `layout` (`layout_of` an array of `shape`: see `_dask.broadcast_to`)."""
    if layout is None or not array_api_compat.is_dask_array(array) or len(layout) != len(shape):
        return namespace_of_type(array).broadcast_to(array, shape)
    from gdezero.backend import _dask
    return _dask.broadcast_to(array, shape, layout)


def device_of(array):
    """The device of an array of any backend (Dask arrays have no `.device`: 'cpu')."""
    return array_api_compat.device(array)


def is_lazy(array):
    """True for a Dask array: values exist only once computed."""
    return array_api_compat.is_dask_array(array)


def lazy_like(values, like):
    """NumPy `values` as a lazy array chunked like `like` (a fresh graph of one task per chunk)."""
    from gdezero.backend import _dask
    return _dask.lazy_like(values, like)


def is_cpu(device):
    """True for the CPU device of any backend (NumPy's and torch's 'cpu', array_api_strict's
    CPU_DEVICE)."""
    strict_device = getattr(sys.modules.get("array_api_strict"), "Device", None)
    return str(device) == "cpu" or (strict_device is not None and device == strict_device("CPU_DEVICE"))


def _numpy_beside_dask(a, b):
    return (isinstance(a, np.ndarray) and array_api_compat.is_dask_array(b)) or (
        isinstance(b, np.ndarray) and array_api_compat.is_dask_array(a))


def get_array_module(*xs: "Array | Variable | complex | None",
                     what: str = "one operation") -> "Namespace":
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
    from gdezero.backend import _dask
    return _dask.harmonise(arrays)


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
        from gdezero.backend import _torch
        return _torch.to_gpu(array, lambda count: _check_device_index(device, count, "PyTorch"))
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
        from gdezero.backend import _torch
        return _torch.to_cpu(array)
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
        from gdezero.backend import _torch
        return _torch.scatter_add(out, positions, flat_values)
    if array_api_compat.is_dask_array(out):
        from gdezero.backend import _dask
        return _dask.scatter_add(out, positions, flat_values)
    # Standard-only fallback (e.g. array_api_strict): a one-hot matrix sums the repeats.
    one_hot = xp.astype(xp.arange(size, device=device)[:, None] == positions[None, :], out.dtype)
    return out + xp.reshape(xp.matmul(one_hot, flat_values), out.shape)


# ----------------------------------------------------------------------------- indexing
def getitem(array, key):
    """`array[key]`, also on Dask, whose indexing needs help (see `_dask.getitem`)."""
    cupy_quirks.check_index_bounds(key, array.shape)  # one IndexError for every backend; CuPy would wrap
    if not array_api_compat.is_dask_array(array):
        return array[key]
    from gdezero.backend import _dask
    return _dask.getitem(array, key if isinstance(key, tuple) else (key,))


def basic_index_grad(gy, items, in_shape):
    """The gradient of ``x[items]`` (x of shape `in_shape`; items ints, slices, None and
    `...`) where the backend has a cheaper way than zeros and setitem (Dask pads gy with
    zeros); None elsewhere."""
    if not array_api_compat.is_dask_array(gy):
        return None
    from gdezero.backend import _dask
    return _dask.pad_basic(gy, items, in_shape)


def zeros_for(like, shape):
    """Zeros of `shape` with `like`'s dtype and device (on Dask, in `like`'s chunk size)."""
    if array_api_compat.is_dask_array(like):
        from gdezero.backend import _dask
        return _dask.zeros(shape, like)
    return namespace_of_type(like).zeros(shape, dtype=like.dtype, device=device_of(like))


def integers_are_advanced(array):
    """Whether an integer beside an integer-array index counts as an advanced index (NumPy:
    yes, so `x[0, :, idx]` puts idx's axes first; torch: no, it is basic)."""
    return not array_api_compat.is_torch_array(array)


def reshape(xp, array, shape):
    """`xp.reshape`, also for Dask reshapes that regroup axes across chunk boundaries
    (e.g. (4, 6) <-> (3, 8)), which go through a flat intermediate Dask can split."""
    try:
        return xp.reshape(array, shape)
    except NotImplementedError:
        if not array_api_compat.is_dask_array(array):
            raise
        return xp.reshape(xp.reshape(array, (-1,)), shape)


# ----------------------------------------------------------------------------- optimisers
def singular_matrix_errors():
    """The exception types a backend's `linalg.solve` raises for a singular matrix (and
    nothing broader: a chunking or shape error must not pass for a singular matrix)."""
    errors = [np.linalg.LinAlgError]  # NumPy, array_api_strict, CuPy and Dask raise it
    if "torch" in sys.modules:  # only loaded when torch arrays are in use
        from gdezero.backend import _torch
        errors.append(_torch.LinAlgError)
    return tuple(errors)


def eigenvalue_range(xp, matrix):
    """(smallest eigenvalue, largest |eigenvalue|) of a symmetric matrix as floats, or None
    where the backend has no eigvalsh; Dask's has none, so its one block is computed and
    NumPy's is used (minimize's 'newton' caps n at a size that fits one block)."""
    if array_api_compat.is_dask_array(matrix):
        matrix = np.asarray(matrix.compute())
        xp = array_api_compat.array_namespace(matrix)
    eigvalsh = getattr(getattr(xp, "linalg", None), "eigvalsh", None)
    if eigvalsh is None:
        return None
    lams = eigvalsh(matrix)
    return float(xp.min(lams)), float(xp.max(xp.abs(lams)))


def one_block(array):
    """`array` as one block where the backend splits arrays into blocks (Dask, whose
    `linalg.solve` needs square blocks); unchanged elsewhere."""
    if not array_api_compat.is_dask_array(array):
        return array
    from gdezero.backend import _dask
    return _dask.one_block(array)


def persist(arrays, scalars):
    """(arrays, scalars): on a lazy backend the arrays persisted (kept computed, in the
    workers' memory on a cluster) and the scalars computed in the same pass; on eager
    backends both unchanged."""
    if not any(array_api_compat.is_dask_array(a) for a in arrays + scalars):
        return arrays, scalars
    from gdezero.backend import _dask
    return _dask.persist(arrays, scalars)


def host_array(array, dtype=None, copy=None):
    """`array` as NumPy sees it through ``__array__``: the data of a CPU backend (a Dask array
    is computed); a CuPy or CUDA array refuses with its own TypeError, as CuPy does, since a
    silent device-to-host copy is what that refusal guards against."""
    return np.asarray(array, dtype=dtype, copy=copy)


def to_numpy(array, dtype=None, copy=False):
    """A NumPy view of an array of any backend (or of a scalar or list), for comparisons,
    plotting and SciPy; a copy with `copy`, converted to `dtype` (a name such as
    ``"float64"``) if given."""
    if not isinstance(array, np.ndarray):
        if not isinstance(array, (int, float, complex, bool, np.generic, list, tuple)):
            array = to_cpu(array)
        array = np.asarray(array)
    return np.array(array, dtype=dtype) if copy else np.asarray(array, dtype=dtype)


def value_text(array):
    """A short text of a small array's values (NumPy's printing, 4 digits), for labels."""
    array = to_numpy(array)
    if array.ndim == 0:
        return f"{array.item():g}" if array.dtype.kind == "f" else str(array.item())
    return np.array2string(array, precision=4, separator=", ")


def random_directions(like, count, distribution, seed):
    """`count` seeded random directions of `like`'s shape, dtype and device, with
    E[v v^T] = I: Rademacher signs, standard normals, or random basis vectors scaled by
    sqrt(n) ("coordinate"). Drawn by NumPy's generator on the host, so one seed gives the
    same directions on every backend."""
    rng = np.random.default_rng(seed)
    n = math.prod(like.shape)
    dtype = np.dtype(str(like.dtype).rsplit(".", 1)[-1])  # float32 or float64, on any backend
    if distribution == "rademacher":  # one random bit a sign: 8 signs from each random byte
        bits = np.unpackbits(rng.integers(0, 256, size=-(-count * n // 8), dtype=np.uint8))
        v = bits[:count * n].astype(dtype)
        v *= -2.0  # in place: the one count x n array is the cost (its pages faulted in once)
        v += 1.0
    elif distribution == "normal":
        v = rng.standard_normal(count * n, dtype=dtype)
    else:
        v = np.zeros(count * n, dtype=dtype)
        v[np.arange(count) * n + rng.integers(0, n, size=count)] = math.sqrt(n)
    v = v.reshape((count,) + tuple(like.shape))
    if type(like) is np.ndarray:
        return v
    return namespace_of_type(like).asarray(v, device=device_of(like))


def matmul(a, b):
    """``a @ b``. On NumPy, where its stacked matmul loops matrix by matrix: a stack times
    one matrix (`b` 2-D, or with leading axes of length 1) is one GEMM (4.6x faster at
    (100, 256, 128) @ (128, 128)), and a stack of outer products (inner size 1, as in
    per-example weight gradients) is a broadcast multiply (4.7x faster at 1000 x 20 x 32)."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim > 2 and b.ndim >= 2:
        if a.shape[-1] == 1 and b.shape[-2] == 1:
            return a * b
        if b.ndim <= a.ndim and all(n == 1 for n in b.shape[:-2]):
            y = a.reshape(-1, a.shape[-1]) @ b.reshape(b.shape[-2:])
            return y.reshape(a.shape[:-1] + (b.shape[-1],))
    return namespace_of_type(a).matmul(a, b)


def nonzero(mask):
    """The integer index arrays of a boolean `mask` (NumPy's ``x[mask] == x[mask.nonzero()]``);
    a lazy (Dask) mask is computed, since its result length is data."""
    if is_lazy(mask):
        return np.nonzero(np.asarray(mask))
    return namespace_of_type(mask).nonzero(mask)
