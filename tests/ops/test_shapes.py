"""Shape functions (F.reshape ... F.sum_to) and indexing: the oracle rows, then indexing
rules and the errors for impossible shapes and axes."""
import numpy as np
import pytest
from oracle import Row, cases, normal, run, torch

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable
from helpers import assert_close

INDEX = (np.array([0, 1, 1, 0]), np.array([2, 0, 2, 2]))  # repeated pairs must add up
REPEATED = np.array([0, 0, 2])


def _index(x, index):
    return tuple(x.xp.asarray(i) for i in index)


ROWS = [
    Row("reshape", lambda x: F.reshape(x, (3, 2)) ** 2, (normal(2, 3),),
        torch=lambda t: t.reshape(3, 2) ** 2, numpy=lambda a: a.reshape(3, 2) ** 2),
    Row("reshape", lambda x: x.reshape(6) ** 3, (normal(2, 3),), "method",
        torch=lambda t: t.reshape(6) ** 3, numpy=lambda a: a.reshape(6) ** 3),
    Row("transpose", lambda x: F.transpose(x) * x.T, (normal(2, 3),), torch=lambda t: t.T * t.T,
        numpy=lambda a: a.T * a.T),
    Row("transpose", lambda x: F.sin(x.transpose(2, 0, 1)), (normal(2, 3, 4),), "axes",
        torch=lambda t: torch.sin(t.permute(2, 0, 1)), numpy=lambda a: np.sin(a.transpose(2, 0, 1))),
    Row("get_item", lambda x: x[1, ...] ** 3, (normal(2, 3),), "row", torch=lambda t: t[1, ...] ** 3,
        numpy=lambda a: a[1] ** 3),
    Row("get_item", lambda x: x[:, 1:] ** 3, (normal(2, 3),), "slices", torch=lambda t: t[:, 1:] ** 3,
        numpy=lambda a: a[:, 1:] ** 3),
    Row("get_item", lambda x: F.exp(x[1:, :2]), (normal(3, 3),), "two_slices",
        torch=lambda t: torch.exp(t[1:, :2]), numpy=lambda a: np.exp(a[1:, :2])),
    Row("get_item", lambda x: x[None, ..., 0] ** 3, (normal(2, 3),), "none_ellipsis",
        torch=lambda t: t[None, ..., 0] ** 3, numpy=lambda a: a[None, ..., 0] ** 3),
    Row("get_item", lambda x: x[::-1, ...] ** 3, (normal(2, 3),), "negative_step",
        torch=lambda t: t.flip(0) ** 3, numpy=lambda a: a[::-1] ** 3,
        backends_without={"torch": "PyTorch has no negative slice steps (it rejects x[::-1])"}),
    Row("get_item", lambda x: F.get_item(x, _index(x, INDEX)) ** 3, (normal(2, 3),), "integer_arrays",
        torch=lambda t: t[tuple(torch.from_numpy(i) for i in INDEX)] ** 3,
        numpy=lambda a: a[INDEX] ** 3),
    Row("get_item", lambda x: F.get_item(x, x.xp.asarray(REPEATED)) ** 3, (normal(3),), "repeated",
        torch=lambda t: t[torch.from_numpy(REPEATED)] ** 3, numpy=lambda a: a[REPEATED] ** 3),
    Row("expand_dims", lambda x: F.expand_dims(x, 1) ** 3, (normal(2, 3),),
        torch=lambda t: t.unsqueeze(1) ** 3, numpy=lambda a: a[:, None, :] ** 3),
    Row("flatten", lambda x: F.flatten(x) ** 3, (normal(2, 3, 4),), torch=lambda t: t.reshape(2, -1) ** 3,
        numpy=lambda a: a.reshape(2, -1) ** 3),
    Row("broadcast_to", lambda x: F.broadcast_to(x, (4, 2, 3)) ** 3, (normal(2, 3),),
        torch=lambda t: torch.broadcast_to(t, (4, 2, 3)) ** 3,
        numpy=lambda a: np.broadcast_to(a, (4, 2, 3)) ** 3),
    Row("broadcast_to", lambda x: F.broadcast_to(x, (2, 3)) ** 3, (normal(2, 1),), "inner",
        torch=lambda t: torch.broadcast_to(t, (2, 3)) ** 3),
    Row("sum_to", lambda x: F.sum_to(x, (1, 3)) ** 3, (normal(2, 3),),
        torch=lambda t: t.sum(0, keepdim=True) ** 3,
        numpy=lambda a: a.sum(0, keepdims=True) ** 3),
    Row("sum_to", lambda x: F.sum_to(x, (2, 3)) ** 3, (normal(4, 2, 3),), "leading",
        torch=lambda t: t.sum(0) ** 3),
    Row("stack", lambda x, y: F.stack([x, y * x, F.sin(y)]), (normal(2, 3), normal(2, 3)),
        torch=lambda s, t: torch.stack([s, t * s, torch.sin(t)]),
        numpy=lambda a, b: np.stack([a, b * a, np.sin(b)])),
    Row("concatenate", lambda x, y: F.concatenate([x, y * y, F.sin(x)], axis=1), (normal(2, 3), normal(2, 2)),
        torch=lambda x, y: torch.cat([x, y * y, torch.sin(x)], 1),
        numpy=lambda a, b: np.concatenate([a, b * b, np.sin(a)], axis=1)),
    Row("concatenate", lambda x, y: F.concatenate((x ** 3, y)), (normal(1, 3), normal(4, 3)), "axis0",
        torch=lambda x, y: torch.cat((x ** 3, y))),
    Row("concatenate", lambda x: F.concatenate([x, x * x], axis=-1) ** 2, (normal(2, 2, 3),),
        "negative_axis", torch=lambda t: torch.cat([t, t * t], -1) ** 2),
]


@pytest.mark.parametrize("column, row", cases(ROWS))
def test_oracle(arr, column, row):
    run(column, row, arr)


# ============================================================================ indexing
def test_get_item_with_repeated_integer_indices_adds_up(xp, arr):
    x = Variable(arr([1.0, 2.0, 3.0]))
    y = F.get_item(x, xp.asarray([0, 0, 2]))
    assert_close(y, [1.0, 1.0, 3.0])
    assert_close(gd.grad(F.sum(y * y), x), [4.0, 0.0, 6.0])


def test_a_short_index_means_a_trailing_ellipsis_on_every_backend(arr):
    data = np.arange(6.0).reshape(2, 3) / 7
    x = Variable(arr(data))
    assert_close(x[1], data[1], rtol=0)
    assert_close(x[0][2], data[0, 2], rtol=0)
    expected = np.zeros_like(data)
    expected[1] = 2 * data[1]
    assert_close(gd.grad(F.sum(x[1] ** 2), x), expected, rtol=1e-14)


# ============================================================================ shapes and errors
@pytest.mark.parametrize("op, message", [
    (lambda v: F.sum_to(v, (5, 3)), r"shape \(2, 3\) to shape \(5, 3\)"),
    (lambda v: F.broadcast_to(v, (4, 2)), r"broadcast a Variable of shape \(2, 3\) to shape \(4, 2\)"),
    (lambda v: F.reshape(v, (4, 2)),
     r"reshape a Variable of shape \(2, 3\) \(6 elements\) to shape \(4, 2\)"),
    (lambda v: F.reshape(v, (4, -1)), r"shape \(2, 3\) \(6 elements\) to shape \(4, -1\)"),
    (lambda v: F.reshape(v, (-1, -1)), r"to shape \(-1, -1\)"),
    (lambda v: F.expand_dims(v, 5), r"axis 5 is out of range for a Variable of ndim 2 \(shape \(2, 3\)\)"),
    (lambda v: F.expand_dims(v, -4), r"axis -4 is out of range"),
])
def test_shape_helpers_reject_impossible_shapes_naming_both(arr, op, message):
    with pytest.raises(ValueError, match=message):
        op(Variable(arr(np.ones((2, 3)))))


def test_shape_helpers_still_take_every_possible_shape(arr):
    x = Variable(arr(np.arange(6.0).reshape(2, 3)))
    assert F.reshape(x, (3, -1)).shape == (3, 2) and F.reshape(x, (-1,)).shape == (6,)
    assert F.sum_to(x, (1, 3)).shape == (1, 3) and F.sum_to(x, (3,)).shape == (3,)
    assert F.broadcast_to(x, (4, 2, 3)).shape == (4, 2, 3)
    assert F.expand_dims(x, 2).shape == (2, 3, 1) and F.expand_dims(x, -3).shape == (1, 2, 3)


def test_stack_of_nothing_and_of_unequal_shapes(arr):
    with pytest.raises(ValueError, match="stack needs at least one Variable"):
        F.stack([])
    with pytest.raises(ValueError, match=r"one shape, got shapes \[\(2,\), \(3,\)\]"):
        F.stack([Variable(arr([1.0, 2.0])), Variable(arr([1.0, 2.0, 3.0]))])


def test_flatten_of_a_0d_variable(arr):
    with pytest.raises(ValueError, match="flatten keeps the first axis.*0-d"):
        F.flatten(Variable(arr(1.0)))
    assert F.flatten(Variable(arr(np.ones((2, 3, 4))))).shape == (2, 12)


def test_concatenate_rejects_mismatched_shapes_naming_both(arr):
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 2\)"):
        F.concatenate([Variable(arr(np.ones((2, 3)))), Variable(arr(np.ones((2, 2))))], axis=0)
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        F.concatenate([Variable(arr(np.ones((2, 3))))], axis=2)
    with pytest.raises(ValueError, match="empty"):
        F.concatenate([])
