"""numerical_grad, gradient_check and the comparisons."""
import numpy as np

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable
from gdezero.utils import array_allclose, array_equal, gradient_check, numerical_grad
from helpers import assert_close


def test_numerical_grad_matches_closed_form(arr):
    data = np.array([[0.5, 1.0], [-1.5, 2.0]])
    assert_close(numerical_grad(lambda x: x ** 3, arr(data)), 3 * data ** 2, rtol=1e-7)


def test_numerical_grad_passes_extra_arguments(arr):
    got = numerical_grad(lambda x, c, power=1: (x * c) ** power, arr([1.0, 2.0]), 3.0, power=2)
    assert_close(got, 18 * np.array([1.0, 2.0]), rtol=1e-7)


def test_gradient_check_accepts_a_correct_backward(arr):
    assert gradient_check(F.tanh, arr([0.1, 0.5, -2.0]))


def test_gradient_check_catches_a_wrong_backward(arr):
    class WrongSquare(gd.Function):
        def forward(self, x):
            return x * x

        def backward(self, gy):
            return gy * self.inputs[0] * 2.01

    assert not gradient_check(lambda x: WrongSquare()(x), arr([1.0, 2.0]))


def test_gradient_check_casts_integer_data_to_float64(xp):
    assert gradient_check(lambda x: x ** 2, xp.asarray([1, 2, 3]))


def test_array_equal_and_allclose(arr):
    a = Variable(arr([1.0, 2.0]))
    assert array_equal(a, arr([1.0, 2.0])) and not array_equal(a, arr([1.0, 2.5]))
    assert not array_equal(a, arr([1.0, 2.0, 3.0]))
    assert array_allclose(a, arr([1.0, 2.0 + 1e-7])) and not array_allclose(a, arr([1.0, 2.1]))
    assert array_allclose(a, np.array([1.0, 2.0]))  # comparisons may cross backends
