"""minimize checks lr and callback before the first iteration, and does not report a
saddle point it has seen negative curvature at as a success."""
import math

import numpy as np
import pytest

import gdezero.functions as F
from gdezero.backend import to_numpy
from gdezero.optimize import minimize


def _bowl(x):
    return F.sum((x - 3.0) ** 2)


def _saddle(x):
    return x[0] ** 2 - x[1] ** 2


@pytest.mark.parametrize("lr, error", [("0.1", TypeError), (None, TypeError), (-0.1, ValueError),
                                       (0, ValueError), (math.nan, ValueError), (math.inf, ValueError)])
def test_a_bad_lr_is_refused_before_the_first_iteration(arr, lr, error):
    calls = []

    def f(x):
        calls.append(1)
        return _bowl(x)
    with pytest.raises(error, match=r"lr must be a finite number > 0 \(the step of method='gd'\)"):
        minimize(f, arr([0.0]), method="gd", lr=lr)
    assert not calls


def test_a_callback_that_is_not_callable_is_refused_up_front(arr):
    with pytest.raises(TypeError, match=r"callback must be a callable taking the iterate x .*got int 3"):
        minimize(_bowl, arr([0.0]), callback=3)


@pytest.mark.parametrize("method", ["newton", "newton-cg"])
def test_a_stationary_point_with_negative_curvature_is_not_a_success(arr, method):
    result = minimize(_saddle, arr([1e-9, 2e-9]), method=method)
    assert result.success is False
    assert f"{method} sees negative curvature there: a saddle point or a maximum" in result.message
    assert result.grad_norm <= 1e-8


def test_newton_from_a_symmetry_line_stops_at_the_saddle_and_says_so(arr):
    result = minimize(_saddle, arr([1.0, 0.0]), method="newton")
    np.testing.assert_allclose(to_numpy(result.x, dtype="float64"), [0.0, 0.0], atol=1e-12)
    assert result.success is False and "negative curvature" in result.message


def test_newton_cg_from_a_symmetry_line_lands_on_the_saddle_unseen_as_scipy_does(arr):
    """Its CG explores only the gradient's directions, here never y: documented, not flagged."""
    so = pytest.importorskip("scipy.optimize", reason="SciPy's newton-cg is the oracle")
    result = minimize(_saddle, arr([1.0, 0.0]), method="newton-cg")
    want = so.minimize(lambda v: v[0] ** 2 - v[1] ** 2, [1.0, 0.0], method="Newton-CG",
                       jac=lambda v: np.array([2 * v[0], -2 * v[1]]),
                       hessp=lambda v, p: np.array([2 * p[0], -2 * p[1]]))
    np.testing.assert_allclose(to_numpy(result.x, dtype="float64"), want.x, atol=1e-12)
    assert want.success and result.success is True and result.grad_norm == 0.0


@pytest.mark.parametrize("method", ["newton", "newton-cg", "gd"])
def test_a_minimum_is_still_a_success(arr, method):
    result = minimize(_bowl, arr([1.0, 0.0]), method=method, lr=0.1)
    assert result.success is True and "<= tol" in result.message
