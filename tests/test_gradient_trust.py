"""No silent wrong gradient from the engine and the functional API: unrecorded values on a
gradient path raise, every handed-out gradient is a fresh object of its input's dtype,
== / != are elementwise, and a custom Function's mistakes get errors naming it."""
import numpy as np
import pytest
import torch

import gdezero as gd
import gdezero.functions as F
from gdezero import Function, Variable
from gdezero.backend import to_numpy
from helpers import assert_close

NOT_RECORDED = "not recorded"


def _np(v):
    return to_numpy(v.data if isinstance(v, Variable) else v)


# ---------------------------------------------------------------- unrecorded values
def test_jacobian_of_f_run_under_no_grad_raises_as_hessian_does(arr):
    with gd.no_grad():
        with pytest.raises(RuntimeError, match=r"jacobian\(\): this output was not recorded"):
            gd.jacobian(F.sin, arr([0.3, 1.1]))
        with pytest.raises(RuntimeError, match=NOT_RECORDED):
            gd.hessian(lambda v: F.sum(F.sin(v)), arr([0.3, 1.1]))
    assert_close(gd.jacobian(F.sin, arr([0.3, 1.1])), np.diag(np.cos([0.3, 1.1])), rtol=1e-15)


def test_a_path_through_a_gradient_made_without_create_graph_raises(arr):
    x = Variable(arr([0.5, 2.0]))
    g = gd.grad(F.sum(x ** 3), x)
    with pytest.raises(RuntimeError, match=r"every path from the outputs to input 0 runs through"):
        gd.grad(F.sum(g * g), x)


def test_a_path_through_a_value_made_under_no_grad_raises(arr):
    x = Variable(arr([0.5, 2.0]))
    with gd.no_grad():
        h = 3 * x
    with pytest.raises(RuntimeError, match="not recorded"):
        gd.grad(F.sum(F.sin(h)), x)


@pytest.mark.parametrize("make", [
    lambda x: gd.jvp(F.sin, x, x.data)[1],
    lambda x: gd.taylor(F.sin, x, [x.data])[1],
    lambda x: gd.derivatives(F.sin, x, 2, method="taylor")[2],
], ids=["jvp", "taylor", "derivatives"])
def test_a_path_through_a_taylor_mode_result_raises(arr, make):
    x = Variable(arr([0.5, 2.0]))
    with pytest.raises(RuntimeError, match="jvp/taylor/derivatives result"):
        gd.grad(F.sum(make(x)), x)


def test_an_unrecorded_value_beside_a_recorded_path_is_a_constant_as_in_torch(arr):
    x = Variable(arr([0.5, 2.0]))
    with gd.no_grad():
        target = 3 * x
    got = gd.grad(F.sum((x - target) ** 2), x)  # a fixed target, as torch's no_grad one
    assert_close(got, 2 * (np.array([0.5, 2.0]) - 3 * np.array([0.5, 2.0])), rtol=1e-15)


def test_an_input_with_no_path_at_all_still_gets_zeros(arr):
    x, unused = Variable(arr([0.5, 2.0])), Variable(arr([1.0]))
    gx, gu = gd.grad(F.sum(x * x), [x, unused])
    assert_close(gx, [1.0, 4.0], rtol=1e-15)
    assert_close(gu, [0.0], rtol=0, atol=0)


# ---------------------------------------------------------------- fresh gradients
def test_two_leaves_of_one_sum_get_two_gradient_objects(arr):
    a, b = Variable(arr([0.3, 0.7])), Variable(arr([1.1, 0.2]))
    F.sum(F.sin(a + b)).backward()
    assert a.grad is not b.grad and a.grad.data is not b.grad.data
    a.grad.data += 0.1 * a.data
    assert_close(b.grad, np.cos(np.array([0.3, 0.7]) + np.array([1.1, 0.2])), rtol=1e-15)


def test_grad_of_an_input_listed_twice_returns_two_objects(arr):
    x = Variable(arr([1.0, 2.0]))
    for create_graph in (False, True):
        first, second = gd.grad(F.sum(x * x), [x, x], create_graph=create_graph)
        assert first is not second and first.data is not second.data
        assert_close(first, [2.0, 4.0], rtol=0, atol=0)
        assert_close(second, [2.0, 4.0], rtol=0, atol=0)


# ---------------------------------------------------------------- gradient dtype
def test_a_float32_input_gets_a_float32_gradient_beside_float64(arr):
    a = Variable(arr([1.5, -2.0], dtype=np.float32))
    b = Variable(arr([2.0, 0.25]))
    ga, gb = gd.grad(F.sum(a * b), [a, b])
    assert _np(ga).dtype == np.float32 and _np(gb).dtype == np.float64
    assert_close(ga, [2.0, 0.25], rtol=0, atol=0)
    a.cleargrad()
    F.sum(a * b).backward()
    assert _np(a.grad).dtype == np.float32


def test_a_float32_gradient_stays_float32_at_second_order(arr):
    a = Variable(arr([1.5, -2.0], dtype=np.float32))
    b = Variable(arr([2.0, 0.5]))
    g = gd.grad(F.sum(a * a * b), a, create_graph=True)
    h = gd.grad(F.sum(g), a)
    assert _np(g).dtype == np.float32 and _np(h).dtype == np.float32
    assert_close(h, [4.0, 1.0], rtol=0, atol=0)


class _IntegerBackward(Function):
    def forward(self, x):
        return x * x

    def backward(self, gy):
        xp = gd.get_array_module(gy.data)
        return xp.astype(2 * self.inputs[0].data * gy.data, xp.int64)


def test_an_integer_gradient_for_a_float_input_is_a_type_error_naming_the_function(arr):
    x = Variable(arr([0.375, 6.0]))
    with pytest.raises(TypeError, match=r"_IntegerBackward\.backward returned a \S*int64 gradient "
                                        r"for the \S*float64 input 0"):
        gd.grad(F.sum(_IntegerBackward()(x)), x)


# ---------------------------------------------------------------- == and !=
def test_equality_is_elementwise_and_hash_stays_identity(arr):
    a, b = Variable(arr([1.0, 2.0])), Variable(arr([1.0, 3.0]))
    assert _np(a == b).tolist() == [True, False]
    assert _np(a != b).tolist() == [False, True]
    assert _np(a == arr([1.0, 2.0])).tolist() == [True, True]
    assert _np(a != 1.0).tolist() == [False, True]
    assert len({a: 1, b: 2}) == 2 and a in {a} and b not in {a}


def test_masking_with_not_equal_selects_the_nonzero_entries(arr):
    x = Variable(arr([0.0, 1.0, 2.0]))
    y = F.mean(x[x != 0])
    assert_close(y, 1.5, rtol=0, atol=0)
    assert_close(gd.grad(y, x), [0.0, 0.5, 0.5], rtol=0, atol=0)


# ---------------------------------------------------------------- custom Functions
class _ReturnsFloat(Function):
    def forward(self, x):
        return 2.0


class _ReturnsList(Function):
    def forward(self, x):
        return [x, x]


@pytest.mark.parametrize("cls, kind", [(_ReturnsFloat, "float"), (_ReturnsList, "list")])
def test_a_forward_returning_a_python_value_is_a_type_error_naming_it(arr, cls, kind):
    with pytest.raises(TypeError, match=rf"{cls.__name__}\.forward returned a {kind}; return an array"):
        cls()(Variable(arr([1.0])))


class _BackwardList(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, gy):
        a, b = self.inputs
        return [gy * b, gy * a]


def test_a_backward_returning_a_list_says_to_return_a_tuple(arr):
    a, b = Variable(arr([1.0])), Variable(arr([2.0]))
    with pytest.raises(TypeError, match=r"_BackwardList\.backward returned a list of 2 for 2 "
                                        r"input\(s\); return a tuple"):
        gd.grad(F.sum(_BackwardList()(a, b)), [a, b])


# ---------------------------------------------------------------- backends in jvp
@pytest.mark.parametrize("x, v, names", [
    (torch.tensor([0.5]), np.array([1.0]), r"NumPy \(ndarray\) and PyTorch"),
    (np.array([0.5]), torch.tensor([1.0]), r"PyTorch \(Tensor\) and NumPy"),
], ids=["torch-x", "numpy-x"])
def test_jvp_with_x_and_v_of_two_backends_is_a_type_error(x, v, names):
    with pytest.raises(TypeError, match=rf"cannot mix array backends in jvp: v and x: {names}"):
        gd.jvp(F.sin, x, v)
