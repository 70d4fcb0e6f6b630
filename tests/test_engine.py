"""What the engine owns for every op: which inputs need a gradient, summing a gradient back
to its input's shape, multi-output Functions, gradients that never alias anything, and the
check of what a custom backward returns."""

import numpy as np
import pytest
from conftest import BACKEND

import gdezero as gd
import gdezero.functions as F
from gdezero import Function, Variable
from gdezero.ops.elementwise import Exp
from helpers import assert_close, check_orders

GRID = np.array([0.3, -1.2, 2.0])


class CountingMul(Function):
    """x0 * x1 whose backward reports which gradients the engine asked for."""
    computed = []

    def forward(self, x0, x1):
        return x0 * x1

    def backward(self, gy):
        x0, x1 = self.inputs
        CountingMul.computed.append(self.needs_grad)
        return (gy * x1 if self.needs_grad[0] else None,
                gy * x0 if self.needs_grad[1] else None)


def test_the_engine_records_which_inputs_need_a_gradient(arr):
    x = Variable(arr(GRID))
    y = CountingMul()(x, arr([2.0, 3.0, 4.0]))
    assert y.creator.needs_grad == (True, False)  # a raw array is a constant
    CountingMul.computed.clear()
    assert_close(gd.grad(F.sum(y), x), [2.0, 3.0, 4.0])
    assert CountingMul.computed == [(True, False)]


def test_a_gradient_for_a_constant_is_dropped_even_if_backward_returns_one(arr):
    class Both(Function):
        def forward(self, x0, x1):
            return x0 + x1

        def backward(self, gy):
            return gy, gy  # the engine must not accumulate into the constant

    c = gd.core.Constant(arr(GRID))
    x = Variable(arr(GRID))
    F.sum(Both()(x, c)).backward()
    assert c.grad is None and x.grad is not None


def test_the_engine_sums_a_broadcast_gradient_back_to_the_input_shape(arr):
    class BroadcastAdd(Function):  # DeZero's one-liner, with no sum_to of its own
        def forward(self, x0, x1):
            return x0 + x1

        def backward(self, gy):
            return gy, gy

    a, b = Variable(arr(np.ones((2, 3)))), Variable(arr([[1.0], [2.0]]))
    ga, gb = gd.grad(F.sum(BroadcastAdd()(a, b) ** 2), [a, b])
    assert tuple(ga.shape) == (2, 3) and tuple(gb.shape) == (2, 1)
    assert_close(gb, [[12.0], [18.0]])
    check_orders(lambda v: BroadcastAdd()(v, b) ** 3, arr([[0.5, 1.0, 1.5]]))


class SinCos(Function):
    """Two outputs: sin(x) and cos(x)."""

    def forward(self, x):
        xp = gd.get_array_module(x)
        return xp.sin(x), xp.cos(x)

    def backward(self, g_sin, g_cos):
        x, = self.inputs
        return g_sin * F.cos(x) - g_cos * F.sin(x)


def test_a_two_output_function_to_second_order(arr):
    x = Variable(arr(GRID))
    s, c = SinCos()(x)
    assert s.creator is c.creator and s.generation == c.generation
    assert_close(s, np.sin(GRID), rtol=1e-14)
    y = F.sum(s * 2 + c ** 2)  # d/dx = 2 cos x - 2 cos x sin x
    g = gd.grad(y, x, create_graph=True)
    assert_close(g, 2 * np.cos(GRID) - np.sin(2 * GRID), rtol=1e-12)
    g2 = gd.grad(F.sum(g), x)
    assert_close(g2, -2 * np.sin(GRID) - 2 * np.cos(2 * GRID), rtol=1e-12)
    check_orders(lambda v: SinCos()(v)[0] * SinCos()(v)[1], arr(GRID))


def test_an_unused_output_of_a_two_output_function_gets_zeros(arr):
    x = Variable(arr(GRID))
    _, c = SinCos()(x)
    assert_close(gd.grad(F.sum(c), x), -np.sin(GRID), rtol=1e-14)


def test_a_function_instance_is_single_use(arr):
    exp = Exp()
    exp(Variable(arr(GRID)))
    with pytest.raises(RuntimeError, match="Exp instance called a second time"):
        exp(Variable(arr(GRID)))


# ----------------------------------------------------------------------------- no aliasing
def test_backward_through_exp_does_not_hand_out_the_output(arr):
    x = Variable(arr(GRID))
    y = F.exp(x)
    y.backward(create_graph=True)
    assert x.grad is not y and x.grad.name is None
    x.grad.data *= 2
    assert_close(y, np.exp(GRID), rtol=1e-14)
    assert_close(gd.grad(F.sum(x.grad), x), np.exp(GRID), rtol=1e-14)  # still differentiable


def test_grad_with_create_graph_is_not_the_output_variable(arr):
    x = Variable(arr(0.3))  # a scalar: the internal ones seed times exp(x) would be y itself
    y = F.exp(x)
    g = gd.grad(y, x, create_graph=True)
    assert g is not y and g.data is not y.data
    g.data[...] = 0
    assert_close(y, np.exp(0.3), rtol=1e-14)


def test_derivatives_returns_distinct_objects(arr):
    ds = gd.derivatives(F.exp, arr(GRID), 3)
    assert len({id(d) for d in ds}) == 4 and len({id(d.data) for d in ds}) == 4
    for d in ds:
        assert_close(d, np.exp(GRID), rtol=1e-14)


def test_editing_the_gradient_of_x_by_x_changes_nothing_else(arr):
    x = Variable(arr(0.3))  # a scalar: the gradient would be the internal seed itself
    g = gd.grad(x, x)
    g.data *= 3
    assert_close(g * F.sin(x), 3 * np.sin(0.3), rtol=1e-14)
    assert_close(x, 0.3, rtol=0)


def test_the_output_grad_after_backward_is_its_own_array(arr):
    x = Variable(arr(GRID))
    y = x * 1.0 + 0.0
    y.backward()
    y.grad.data *= 5
    assert_close(x.grad, np.ones(3))
    assert x.grad.data is not y.grad.data


def test_hvp_result_is_not_v_or_x(arr):
    x, v = Variable(arr(GRID)), Variable(arr([1.0, 2.0, 3.0]))
    hv = gd.hvp(lambda t: F.sum(t ** 2) / 2, x, v)  # H = I: H v == v, yet never v itself
    assert hv is not v and hv.data is not v.data
    hv.data *= 0
    assert_close(v, [1.0, 2.0, 3.0])


def test_a_custom_backward_returning_an_input_is_copied(arr):
    class Square(Function):
        def forward(self, x):
            return x * x

        def backward(self, gy):
            return gy * self.inputs[0] * 2

    class PassThrough(Function):  # the gradient is literally another Variable of the graph
        def forward(self, x0, x1):
            return x0 * 1.0

        def backward(self, gy):
            return self.inputs[1], None

    a, b = Variable(arr(GRID)), Variable(arr([5.0, 6.0, 7.0]))
    ones = arr(np.ones(3))
    ga = gd.grad(PassThrough()(a, b), a, grad_outputs=ones)
    assert ga is not b
    ga.data *= 0
    assert_close(b, [5.0, 6.0, 7.0])
    ga2 = gd.grad(PassThrough()(a, Square()(b)), a, grad_outputs=ones, create_graph=True)
    assert ga2.creator is not None and ga2 is not b


# ---------------------------------------------------------------- what a custom backward returns
def _other_backend_array(data):
    """The same data on a backend other than the one under test (NumPy beside Dask is wrapped)."""
    if BACKEND in ("numpy", "dask"):
        import array_api_strict
        return array_api_strict.asarray(data)
    return np.asarray(data)


class Returns(Function):
    """y = 2x whose backward returns whatever the test puts in `gradients`."""

    def __init__(self, gradients):
        self.gradients = gradients

    def forward(self, x):
        return x * 2.0

    def backward(self, gy):
        return self.gradients(gy)


def test_a_backward_returning_too_many_gradients_raises_naming_the_function(arr):
    x = Variable(arr([1.0, 2.0, 3.0]))
    y = Returns(lambda gy: (gy * 2.0, gy * 2.0))(x)
    with pytest.raises(ValueError, match=r"Returns\.backward returned 2 gradient\(s\) for 1 input"):
        gd.grad(F.sum(y), x)


def test_a_backward_returning_too_few_gradients_raises(arr):
    class Add2(Function):
        def forward(self, a, b):
            return a + b

        def backward(self, gy):
            return (gy,)

    a, b = Variable(arr([1.0])), Variable(arr([2.0]))
    with pytest.raises(ValueError, match=r"Add2\.backward returned 1 gradient\(s\) for 2 input"):
        gd.grad(Add2()(a, b), [a, b])


def test_a_backward_that_forgets_broadcast_to_raises_naming_the_input(arr):
    x = Variable(arr([1.0, 2.0, 3.0]))
    y = Returns(lambda gy: F.sum(gy) * 2.0)(x)  # shape () for a (3,) input
    with pytest.raises(ValueError, match=r"Returns\.backward returned a gradient of shape \(\) "
                                         r"for input 0 of shape \(3,\)"):
        gd.grad(F.sum(y), x)


def test_a_backward_returning_a_raw_array_is_wrapped(arr):
    x = Variable(arr([1.0, 2.0, 3.0]))
    y = Returns(lambda gy: gy.data * 2.0)(x)
    assert_close(gd.grad(F.sum(y ** 2), x), 8 * np.array([1.0, 2.0, 3.0]))


def test_a_backward_returning_another_backend_raises_naming_the_function_and_input(arr):
    x = Variable(arr([1.0, 2.0, 3.0]))
    y = Returns(lambda gy: _other_backend_array(np.full(3, 2.0)))(x)
    with pytest.raises(TypeError, match=r"cannot mix array backends in Returns\.backward's "
                                        r"gradient for input 0"):
        gd.grad(F.sum(y), x)


def test_a_backward_returning_something_else_raises(arr):
    x = Variable(arr([1.0, 2.0, 3.0]))
    y = Returns(lambda gy: [2.0, 2.0, 2.0])(x)
    with pytest.raises(TypeError, match=r"Returns\.backward returned list for input 0"):
        gd.grad(F.sum(y), x)
