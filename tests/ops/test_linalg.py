"""Linear algebra (F.matmul, F.linear): the oracle rows over every operand rank, then errors."""
import numpy as np
import pytest
from oracle import Row, cases, normal, run, torch

import gdezero.functions as F
from gdezero import Variable

W23 = np.random.default_rng(23).uniform(-1.5, 1.5, (2, 3))
W34 = np.random.default_rng(34).uniform(-1.5, 1.5, (3, 4))
B4 = np.random.default_rng(4).uniform(-1.5, 1.5, 4)


def _matmul(of, inputs, variant):
    return Row(of, lambda a, b: a @ b, inputs, variant, torch=lambda a, b: a @ b, numpy=np.matmul)


ROWS = [
    _matmul("matmul", (normal(2, 3), normal(3, 4)), ""),
    _matmul("matmul", (normal(5, 2, 3), normal(3, 4)), "batched"),
    _matmul("matmul", (normal(2, 1, 2, 3), normal(4, 3, 2)), "batched_broadcast"),
    _matmul("matmul", (normal(3), normal(3, 4)), "vector_matrix"),
    _matmul("matmul", (normal(2, 3), normal(3)), "matrix_vector"),
    _matmul("matmul", (normal(3), normal(3)), "inner"),
    Row("matmul", lambda a, b: F.matmul(a, b * b), (normal(2, 3), normal(3, 4)), "function",
        torch=lambda a, b: torch.matmul(a, b * b), numpy=lambda a, b: a @ (b * b)),
    Row("matmul", lambda a: a @ a.T * (a @ a.T), (normal(2, 3),), "self",
        torch=lambda a: a @ a.T * (a @ a.T), numpy=lambda a: (a @ a.T) ** 2),
    Row("matmul", lambda x: x.T @ x, (normal(2, 3),), "operator_transposed", torch=lambda t: t.T @ t,
        numpy=lambda a: a.T @ a),
    Row("matmul", lambda x: F.matmul(F.sin(x), x.xp.asarray(W34)), (normal(2, 3),), "constant_second",
        torch=lambda t: torch.sin(t) @ torch.from_numpy(W34), numpy=lambda a: np.sin(a) @ W34),
    Row("matmul", lambda x: F.matmul(x.xp.asarray(W23), F.tanh(x)), (normal(3),), "constant_first",
        torch=lambda t: torch.from_numpy(W23) @ torch.tanh(t), numpy=lambda a: W23 @ np.tanh(a)),
    Row("linear", F.linear, (normal(4, 3), normal(3, 2), normal(2)), torch=lambda x, w, b: x @ w + b,
        numpy=lambda x, w, b: x @ w + b),
    Row("linear", lambda x, w: F.sin(F.linear(x, w)), (normal(4, 3), normal(3, 2)), "no_bias",
        torch=lambda x, w: torch.sin(x @ w), numpy=lambda x, w: np.sin(x @ w)),
    Row("linear", lambda x: F.linear(F.tanh(x), Variable(x.xp.asarray(W34)), Variable(x.xp.asarray(B4))),
        (normal(2, 3),), "constant_weights",
        torch=lambda t: torch.tanh(t) @ torch.from_numpy(W34) + torch.from_numpy(B4),
        numpy=lambda a: np.tanh(a) @ W34 + B4),
]


@pytest.mark.parametrize("column, row", cases(ROWS))
def test_oracle(arr, column, row):
    run(column, row, arr)


def test_matmul_rejects_zero_dim_operands(arr):
    with pytest.raises(ValueError, match="at least 1 dimension"):
        F.matmul(Variable(arr(2.0)), Variable(arr([1.0, 2.0])))
