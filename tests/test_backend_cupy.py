"""The integer-index bounds check on every backend, and CuPy's scatter path, on the CPU.

CuPy wraps an out-of-range integer index silently; a stand-in CuPy (an ndarray subclass
that indexes and scatters the way CuPy does, registered as `cupy`) shows the hazard and
that gdezero raises before it, on CuPy's own code path.
"""
import sys
import types

import array_api_compat.numpy as np_compat
import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable, backend
from gdezero.backend import _cupy as cupy_quirks
from gdezero.ops.shapes import GetItemGrad


def bounds_message(index, axis, size):
    return rf"index {index} is out of bounds for axis {axis} with size {size} \(an integer-array index"


# ----------------------------------------------------------------------------- every backend
@pytest.mark.parametrize("key, index, axis, size", [
    (lambda i: i([0, 2]), 2, 0, 2),
    (lambda i: i([-3]), -3, 0, 2),
    (lambda i: (slice(None), i([1, 3])), 3, 1, 3),
    (lambda i: (Ellipsis, i([-4, 0])), -4, 1, 3),
    (lambda i: (None, 0, i([5])), 5, 1, 3),
], ids=["past-the-end", "below-minus-n", "after-a-slice", "after-ellipsis", "after-none-and-int"])
def test_an_out_of_range_integer_array_index_raises_naming_index_and_axis_size(xp, arr, key, index, axis,
                                                                                size):
    x = Variable(arr(np.arange(6.0).reshape(2, 3)))
    with pytest.raises(IndexError, match=bounds_message(index, axis, size)):
        x[key(lambda values: xp.asarray(np.array(values)))]


def test_in_range_negative_indices_pass_the_check_and_add_up_in_the_gradient(xp, arr):
    x = Variable(arr([1.0, 2.0, 3.0]))
    y = x[xp.asarray(np.array([-3, 0, 2, -1]))]
    np.testing.assert_array_equal(backend.to_numpy(y.data), [1.0, 1.0, 3.0, 3.0])
    np.testing.assert_array_equal(backend.to_numpy(gd.grad(F.sum(y), x).data), [2.0, 0.0, 2.0])


def test_the_gradients_scatter_raises_for_an_out_of_range_index_too(xp, arr):
    gy = Variable(arr([1.0, 1.0]))
    with pytest.raises(IndexError, match=bounds_message(3, 0, 3)):
        GetItemGrad(xp.asarray(np.array([0, 3])), (3,))(gy)


def test_an_empty_index_array_passes_the_check(xp, arr):
    x = Variable(arr([1.0, 2.0]))
    assert tuple(x[xp.asarray(np.zeros(0, dtype=np.int64))].shape) == (0,)


# ----------------------------------------------------------------------------- CuPy's path
def cupy_wrapped(key, shape):
    """`key` with its integer arrays taken modulo their axis length: CuPy's indexing."""
    items, wrapped, axis = key if isinstance(key, tuple) else (key,), [], 0
    for k in items:  # keys of ints, slices, None and integer arrays are all the tests use
        is_index = isinstance(k, np.ndarray) and k.dtype.kind in "iu"
        wrapped.append(np.asarray(k) % shape[axis] if is_index else k)
        axis += k is not None
    return tuple(wrapped) if isinstance(key, tuple) else wrapped[0]


class FakeCupyArray(np.ndarray):
    """A NumPy array that indexes like a cupy.ndarray: out-of-range indices wrap."""

    def __getitem__(self, key):
        return super().__getitem__(cupy_wrapped(key, self.shape))

    def get(self):
        return np.asarray(self)


class FakeCupyNamespace:
    """array-api-compat's NumPy namespace with every array result a FakeCupyArray."""

    def __getattr__(self, name):
        attr = getattr(np_compat, name)
        if not callable(attr) or isinstance(attr, type):
            return attr

        def on_fake(*args, **kwargs):
            out = attr(*args, **kwargs)
            return out.view(FakeCupyArray) if isinstance(out, np.ndarray) else out
        return on_fake


@pytest.fixture
def fake_cupy(monkeypatch):
    """A `cupy` module whose ndarray is FakeCupyArray and whose add.at scatters like CuPy
    (wrapping); returns (module, the indices add.at was called with)."""
    calls = []

    def add_at(out, index, values):
        calls.append(np.asarray(index))
        np.add.at(out.view(np.ndarray), cupy_wrapped(index, out.shape), np.asarray(values))

    module = types.ModuleType("cupy")
    module.ndarray = FakeCupyArray
    module.add = types.SimpleNamespace(at=add_at)
    monkeypatch.setitem(sys.modules, "cupy", module)
    monkeypatch.setitem(backend._NAMESPACES, FakeCupyArray, (FakeCupyNamespace(), False))
    return module, calls


def on_fake_cupy(values, dtype=None):
    return np.asarray(values, dtype=dtype).view(FakeCupyArray)


def test_the_stand_in_wraps_an_out_of_range_index_like_cupy(fake_cupy):
    assert backend.array_api_compat.is_cupy_array(on_fake_cupy([1.0]))
    np.testing.assert_array_equal(on_fake_cupy([1.0, 2.0, 3.0])[np.array([3, -4])], [1.0, 3.0])


def test_getitem_on_cupys_path_raises_where_cupy_would_wrap(fake_cupy):
    x = Variable(on_fake_cupy([1.0, 2.0, 3.0]))
    with pytest.raises(IndexError, match=bounds_message(3, 0, 3)):
        x[on_fake_cupy([0, 3], dtype=np.int64)]


def test_the_gradients_scatter_on_cupys_path_raises_before_add_at_runs(fake_cupy):
    _, calls = fake_cupy
    gy = Variable(on_fake_cupy([1.0, 1.0]))
    with pytest.raises(IndexError, match=bounds_message(-4, 0, 3)):
        GetItemGrad(on_fake_cupy([0, -4], dtype=np.int64), (3,))(gy)
    assert calls == []


def test_the_gradient_on_cupys_path_scatters_through_add_at_with_repeats_adding_up(fake_cupy):
    _, calls = fake_cupy
    x = Variable(on_fake_cupy([1.0, 2.0, 3.0, 4.0]))
    index = on_fake_cupy([3, 0, 3, -1, 1], dtype=np.int64)
    weights = on_fake_cupy([1.0, 10.0, 100.0, 1000.0, 10000.0])
    g = gd.grad(F.sum(x[index] * weights), x)
    assert isinstance(g.data, FakeCupyArray)
    np.testing.assert_array_equal(np.asarray(g.data), [10.0, 10000.0, 0.0, 1101.0])
    assert len(calls) == 1 and calls[0].tolist() == [3, 0, 3, -1, 1]


def test_add_at_is_cupys_ufunc_method_where_it_exists(fake_cupy):
    module, _ = fake_cupy
    assert cupy_quirks.add_at(module) is module.add.at


def test_add_at_falls_back_to_cupyx_scatter_add_on_an_older_cupy(monkeypatch):
    cupyx = types.SimpleNamespace(scatter_add=lambda out, index, values: None)
    monkeypatch.setitem(sys.modules, "cupyx", cupyx)
    older = types.SimpleNamespace(add=types.SimpleNamespace())  # CuPy < 13: add has no `at`
    assert cupy_quirks.add_at(older) is cupyx.scatter_add
