"""minimize rejects max_iter and tol it cannot honour (issue 11, item 6), naming the problem."""
import math
import re

import numpy as np
import pytest

from gdezero import functions as F
from gdezero.optimize import minimize


def square(x):
    return F.sum((x - 1) ** 2)


@pytest.mark.parametrize("max_iter, words", [
    (-1, "got -1"), (0, "got 0"), (2.5, "got float 2.5"),
    ("10", "got str '10'"), (True, "got bool True")])
def test_max_iter_must_be_a_positive_int(arr, max_iter, words):
    with pytest.raises(ValueError, match=f"max_iter must be a positive int.*{re.escape(words)}"):
        minimize(square, arr([0.0, 2.0]), max_iter=max_iter)


@pytest.mark.parametrize("tol, words", [
    (-1, "got -1"), (math.nan, "got nan"), (math.inf, "got inf"), ("1e-8", "got str '1e-8'"),
    (False, "got bool False")])
def test_tol_must_be_a_finite_number_at_least_zero(arr, tol, words):
    with pytest.raises(ValueError, match=f"tol must be a finite number >= 0.*{re.escape(words)}"):
        minimize(square, arr([0.0, 2.0]), tol=tol)


def test_numpy_integers_and_zero_tol_are_accepted(arr):
    r = minimize(square, arr([0.0, 2.0]), method="newton", max_iter=np.int64(3), tol=0)
    assert r.nit <= 3
    np.testing.assert_allclose(np.asarray(r.path[-1]), [1.0, 1.0], rtol=0, atol=1e-12)
    r = minimize(square, arr([0.0, 2.0]), method="gd", lr=0.25, max_iter=1, tol=np.float64(1e-12))
    assert r.nit == 1 and not r.success and "max_iter = 1" in r.message
    np.testing.assert_allclose(np.asarray(r.path[1]), [0.5, 1.5], rtol=0, atol=1e-15)
