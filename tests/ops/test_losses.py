"""Softmax and losses (F.softmax ... F.softmax_cross_entropy): the oracle rows, then the
closed-form gradient and the labels and shapes rejected."""
import numpy as np
import pytest
from oracle import TF, Row, cases, normal, run, torch

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable
from helpers import assert_close

LABELS = np.array([2, 0, 1, 2])
TARGET = np.random.default_rng(23).uniform(-1.5, 1.5, (2, 3))


def _np_log_softmax(a, axis=1):
    m = a.max(axis, keepdims=True)
    return a - m - np.log(np.exp(a - m).sum(axis, keepdims=True))


ROWS = [
    Row("softmax", F.softmax, (normal(2, 3),), torch=lambda t: torch.softmax(t, 1),
        numpy=lambda a: np.exp(_np_log_softmax(a))),
    Row("softmax", lambda x: F.softmax(x, axis=0), (normal(2, 3),), "axis0",
        torch=lambda t: torch.softmax(t, 0),
        numpy=lambda a: np.exp(_np_log_softmax(a, 0))),
    Row("log_softmax", F.log_softmax, (normal(2, 3),), torch=lambda t: torch.log_softmax(t, 1),
        numpy=_np_log_softmax),
    Row("log_softmax", F.log_softmax, (normal(2, 3, scale=300.0),), "large",
        torch=lambda t: torch.log_softmax(t, 1), numpy=_np_log_softmax),
    Row("mean_squared_error", F.mean_squared_error, (normal(4, 3), normal(4, 3)),
        torch=lambda a, b: torch.sum((a - b) ** 2) / len(a),
        numpy=lambda a, b: np.sum((a - b) ** 2) / len(a)),
    Row("mean_squared_error", lambda x: F.mean_squared_error(F.sin(x), Variable(x.xp.asarray(TARGET))),
        (normal(2, 3),), "constant_target",
        torch=lambda t: torch.sum((torch.sin(t) - torch.from_numpy(TARGET)) ** 2) / 2,
        numpy=lambda a: np.sum((np.sin(a) - TARGET) ** 2) / 2),
    Row("softmax_cross_entropy", lambda x: F.softmax_cross_entropy(x, x.xp.asarray(LABELS)), (normal(4, 3),),
        torch=lambda t: TF.cross_entropy(t, torch.from_numpy(LABELS)),
        numpy=lambda a: -np.mean(_np_log_softmax(a)[np.arange(4), LABELS])),
]


@pytest.mark.parametrize("column, row", cases(ROWS))
def test_oracle(arr, column, row):
    run(column, row, arr)


LOGITS = [[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]]


def test_softmax_cross_entropy_gradient_is_softmax_minus_one_hot(xp, arr):
    logits = np.array(LOGITS)
    x = Variable(arr(logits))
    g = gd.grad(F.softmax_cross_entropy(x, xp.asarray([2, 0])), x)
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    p[[0, 1], [2, 0]] -= 1
    assert_close(g, p / 2, rtol=1e-12, atol=1e-12)


def test_softmax_cross_entropy_with_right_labels_matches_the_formula(arr, xp):
    logits = np.array(LOGITS)
    loss = F.softmax_cross_entropy(Variable(arr(logits)), xp.asarray(np.array([2, 1])))
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    assert_close(loss, -(log_p[0, 2] + log_p[1, 1]) / 2, rtol=1e-14)


@pytest.mark.parametrize("labels, message", [
    (np.array([0, 3]), r"label 3, out of range for 3 classes"),
    (np.array([0, -1]), r"negative label \(-1\)"),
    (np.array([0.0, 2.0]), r"needs integer class labels, got dtype .*float64"),
    (np.array([[0], [2]]), r"labels of shape \(2,\) for logits of shape \(2, 3\), got shape \(2, 1\)"),
    (np.array([[1, 0, 0], [0, 0, 1]]), r"shape \(2, 3\) \(one-hot labels\?\)"),
])
def test_softmax_cross_entropy_rejects_labels_saying_which(arr, xp, labels, message):
    with pytest.raises(ValueError, match=message):
        F.softmax_cross_entropy(Variable(arr(LOGITS)), xp.asarray(labels))


def test_mean_squared_error_needs_equal_shapes(arr):
    with pytest.raises(ValueError, match=r"one shape, got \(3,\) and \(3, 1\)"):
        F.mean_squared_error(Variable(arr([1.0, 2.0, 3.0])), Variable(arr([[1.0], [2.0], [3.0]])))
