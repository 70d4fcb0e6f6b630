"""numerical_grad, gradient_check, gradgradcheck and the comparisons."""
import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero import Function, Variable
from gdezero.utils import array_allclose, array_equal, gradgradcheck, gradient_check, numerical_grad
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


class CubeByData(Function):
    """x**3 whose backward uses x.data: right first derivative, second derivative 0."""

    def forward(self, x):
        return x ** 3

    def backward(self, gy):
        return gy * (3 * self.inputs[0].data ** 2)


class Cube(Function):
    def forward(self, x):
        return x ** 3

    def backward(self, gy):
        x, = self.inputs
        return gy * 3 * x ** 2


def test_gradgradcheck_catches_a_backward_that_uses_x_data(arr):
    x = arr([2.0])
    assert gradient_check(lambda v: CubeByData()(v), x)  # the first order cannot see it
    assert not gradgradcheck(lambda v: CubeByData()(v), x, v=arr([1.0]))
    with pytest.raises(AssertionError, match=r"gradgradcheck: .* at index \(0,\): backprop 0\.0, "
                                             r"finite differences 12\.0"):
        gradgradcheck(lambda v: CubeByData()(v), x, v=arr([1.0]), raise_on_fail=True)


def test_gradgradcheck_accepts_right_second_orders(arr):
    assert gradgradcheck(lambda v: Cube()(v), arr([2.0, -1.0, 0.5]), raise_on_fail=True)
    assert gradgradcheck(lambda v: F.sin(v) * F.exp(v), arr([[0.3, -1.2], [2.0, 0.1]]),
                         raise_on_fail=True)
    w = arr([[1.0, -2.0], [0.5, 3.0]])
    assert gradgradcheck(lambda v: F.softmax(F.matmul(v, Variable(w))), arr([[0.2, -0.4], [1.0, 0.3]]),
                         v=arr([[1.0, 0.0], [-1.0, 2.0]]), raise_on_fail=True)


def test_gradgradcheck_catches_a_broken_cross_term(arr):
    class Product(Function):  # y = x0 * x1; backward takes one partner as raw data
        def forward(self, x):
            return x[0] * x[1]

        def backward(self, gy):
            x, = self.inputs
            return F.stack([gy * gd.core.Constant(x.data[1]), gy * x[0]])

    x = arr([3.0, -2.0])
    assert gradient_check(lambda v: Product()(v), x)
    with pytest.raises(AssertionError, match=r"at index \(1,\): backprop 0\.0, finite differences 1\.0"):
        gradgradcheck(lambda v: Product()(v), x, v=arr([1.0, 0.0]), raise_on_fail=True)
    assert not gradgradcheck(lambda v: Product()(v), x)


def test_gradgradcheck_rejects_a_direction_of_the_wrong_shape(arr):
    with pytest.raises(ValueError, match=r"v has shape \(2,\) but x has shape \(3,\)"):
        gradgradcheck(F.tanh, arr([1.0, 2.0, 3.0]), v=arr([1.0, 1.0]))


def test_numerical_grad_of_integer_data_differences_in_float64(xp):
    g = numerical_grad(lambda x: x ** 2, xp.asarray([2, 4, 6]))
    assert g.dtype == xp.float64
    assert_close(g, [4.0, 8.0, 12.0], rtol=1e-9)


def test_numerical_grad_of_float32_data_differences_in_float64(xp):
    data = np.array([0.3, 1.7, -2.2], dtype=np.float32)
    g = numerical_grad(F.exp, xp.asarray(data))
    assert g.dtype == xp.float32
    assert_close(g, np.exp(data.astype(np.float64)), rtol=1e-6)  # float32 steps give ~1e-3


def test_gradient_check_accepts_right_float32_gradients(xp):
    data = np.array([0.3, 1.7, -2.2, 3.1], dtype=np.float32)
    for f in (F.exp, F.tanh, lambda v: v ** 3, lambda v: F.sin(v) * v):
        assert gradient_check(f, xp.asarray(data), raise_on_fail=True)


def test_gradient_check_raise_on_fail_names_the_worst_element(arr):
    class WrongAtLarge(Function):
        def forward(self, x):
            return x * x

        def backward(self, gy):
            x, = self.inputs
            return gy * x * 2.001

    assert not gradient_check(lambda v: WrongAtLarge()(v), arr([[1.0, 2.0], [30.0, 4.0]]))
    with pytest.raises(AssertionError, match=r"gradient_check: .* at index \(1, 0\): backprop 60\.029"):
        gradient_check(lambda v: WrongAtLarge()(v), arr([[1.0, 2.0], [30.0, 4.0]]), raise_on_fail=True)


def test_gradient_check_fails_on_a_nan_gradient(arr):
    class NaNGrad(Function):
        def forward(self, x):
            return x * 1.0

        def backward(self, gy):
            return gy * float("nan")

    assert not gradient_check(lambda v: NaNGrad()(v), arr([1.0, 2.0]))
