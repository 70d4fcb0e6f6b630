"""Variable, Function and the backprop engine, with the book's stage-3 numbers."""
import gc
import math
import tracemalloc
import weakref

import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable
from gdezero.backend import to_numpy
from gdezero.optimize import minimize
from helpers import assert_close, check_orders


# ----------------------------------------------------------------------------- construction
@pytest.mark.parametrize("bad, type_name", [(1.0, "float"), ([1, 2], "list"), ("a", "str")])
def test_variable_rejects_non_arrays_naming_the_type(bad, type_name):
    with pytest.raises(TypeError, match=type_name):
        Variable(bad)


def test_numpy_scalar_becomes_zero_dim_array():
    v = Variable(np.float64(2.0))
    assert isinstance(v.data, np.ndarray) and v.shape == () and float(v.data) == 2.0


def test_properties_len_and_repr(arr):
    v = Variable(arr([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), name="v")
    assert (tuple(v.shape), v.ndim, v.size, len(v), v.name) == ((2, 3), 2, 6, 2, "v")
    assert repr(v).startswith("variable(") and "6." in repr(v)
    assert repr(Variable(None)) == "variable(None)"
    with pytest.raises(TypeError, match="0-d"):
        len(Variable(arr(1.0)))


def test_outputs_of_reductions_stay_backend_arrays(xp, arr):
    y = F.sum(Variable(arr([1.0, 2.0])))
    assert y.shape == () and gd.get_array_module(y.data) is gd.get_array_module(arr(0.0))
    assert not isinstance(y.data, np.generic)


# ----------------------------------------------------------------------------- the book's numbers
def quartic(x):
    return x ** 4 - 2 * x ** 2


def test_second_derivative_by_double_backprop_24_then_44(arr):
    x = Variable(arr(2.0))
    quartic(x).backward(create_graph=True)
    assert float(x.grad.data) == 24.0
    gx = x.grad
    x.cleargrad()
    gx.backward()
    assert float(x.grad.data) == 44.0


def test_without_cleargrad_the_second_pass_accumulates_68(arr):
    x = Variable(arr(2.0))
    quartic(x).backward(create_graph=True)
    x.grad.backward()
    assert float(x.grad.data) == 68.0


def newton_step(x):
    """One step of the book's Newton loop on quartic, f'' by double backprop."""
    y = quartic(x)
    x.cleargrad()
    y.backward(create_graph=True)
    gx = x.grad
    x.cleargrad()
    gx.backward()
    x.data = x.data - gx.data / x.grad.data


def test_newton_with_automatic_second_derivative_matches_the_book(arr):
    expected = [2.0, 1.4545454545454546, 1.1510467893775467, 1.0253259289766978,
                1.0009084519430513, 1.0000012353089454, 1.000000000002289, 1.0]
    x = Variable(arr(2.0))
    seen = []
    for _ in range(8):
        seen.append(float(x.data))
        newton_step(x)
    assert seen == expected


def test_sin_higher_derivatives_at_one_match_the_book(arr):
    x = Variable(arr(1.0))
    F.sin(x).backward(create_graph=True)
    got = []
    for _ in range(3):
        gx = x.grad
        x.cleargrad()
        gx.backward(create_graph=True)
        got.append(float(x.grad.data))
    assert got == [-0.8414709848078965, -0.5403023058681398, 0.8414709848078965]


def test_sin_derivatives_on_200_points_are_cos_minus_sin_minus_cos(arr):
    grid = np.linspace(-7, 7, 200)
    x = Variable(arr(grid))
    F.sin(x).backward(create_graph=True)
    for expected in (-np.sin(grid), -np.cos(grid), np.sin(grid)):
        gx = x.grad
        x.cleargrad()
        gx.backward(create_graph=True)
        assert_close(x.grad, expected, rtol=1e-12, atol=1e-12)


def test_double_backprop_gives_100(arr):
    x = Variable(arr(2.0))
    y = x ** 2
    y.backward(create_graph=True)
    gx = x.grad
    x.cleargrad()
    z = gx ** 3 + y
    z.backward()
    assert float(x.grad.data) == 100.0


def test_hessian_vector_product_by_matmul_double_backprop(arr):
    x = Variable(arr([1.0, 2.0]))
    v = Variable(arr([4.0, 5.0]))
    y = F.sum(x ** 2)
    y.backward(create_graph=True)
    gx = x.grad
    x.cleargrad()
    F.matmul(v, gx).backward()
    assert_close(x.grad, [8.0, 10.0], rtol=0, atol=0)


# ----------------------------------------------------------------------------- the seed
def test_seed_has_the_output_dtype_and_device(xp):
    x = Variable(xp.asarray([1.0, 2.0], dtype=xp.float32))
    y = F.sum(x * x)
    y.backward()
    assert y.grad.dtype == xp.float32 and y.grad.device == y.device
    assert_close(x.grad, [2.0, 4.0])


# ----------------------------------------------------------------------------- graph semantics
def test_gradients_accumulate_over_repeated_uses(arr):
    x = Variable(arr(3.0))
    y = x + x + x
    y.backward()
    assert float(x.grad.data) == 3.0
    y.backward()  # a second backward adds to the leaf, as in DeZero
    assert float(x.grad.data) == 6.0


def test_diamond_graph_visits_each_function_once(arr):
    x = Variable(arr(2.0))
    a = x ** 2
    y = a ** 2 + a ** 2  # the generation order must finish a's grad before using it
    y.backward()
    assert float(x.grad.data) == 64.0


def test_non_leaf_gradients_are_dropped_unless_retained(arr):
    x = Variable(arr(2.0))
    a = x * 3
    y = a * a
    y.backward()
    assert a.grad is None and float(x.grad.data) == 36.0
    x.cleargrad()
    y.grad = None
    y.backward(retain_grad=True)
    assert float(a.grad.data) == 12.0


def test_create_graph_false_records_nothing(arr):
    x = Variable(arr(2.0))
    (x ** 3).backward()
    assert x.grad.creator is None
    x.cleargrad()
    (x ** 3).backward(create_graph=True)
    assert x.grad.creator is not None


def test_no_grad_records_no_creator(arr):
    x = Variable(arr(2.0))
    with gd.no_grad():
        y = x * 2
    assert y.creator is None and gd.Config.enable_backprop
    with gd.using_config("enable_backprop", False):
        assert not gd.Config.enable_backprop
    assert gd.Config.enable_backprop


def test_unchain_backward_cuts_the_graph_behind_but_keeps_its_own_creator(arr):
    x = Variable(arr(1.0))
    a = F.exp(x)
    y = F.sin(a)
    y.unchain_backward()
    assert y.creator is not None and a.creator is None  # DeZero's semantics
    y.backward()
    assert x.grad is None
    assert_close(a.grad, np.cos(np.exp(1.0)))


def test_functions_are_freed_after_del(arr):
    x = Variable(arr(1.0))
    y = F.exp(F.sin(x) * 2)
    creators = [weakref.ref(y.creator), weakref.ref(y.creator.inputs[0].creator)]
    del y
    assert all(ref() is None for ref in creators)


def test_long_chain_backprop_has_no_recursion_error(arr):
    x = Variable(arr(0.5))
    y = x
    for _ in range(20_000):  # twenty times the recursion limit
        y = y * 1.0
    y.backward()
    assert float(x.grad.data) == 1.0
    del y
    gc.collect()


def test_newton_loop_with_create_graph_does_not_grow_memory(arr):
    x = Variable(arr(2.0))
    for _ in range(200):  # warm caches before measuring
        newton_step(x)
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    for _ in range(5_000):
        newton_step(x)
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    assert grown < 256 * 5_000, f"memory grew by {grown} bytes (more than 256 bytes a step)"
    assert math.isclose(float(x.data), 1.0)


def test_parameter_is_a_variable(arr):
    p = gd.Parameter(arr([1.0]))
    assert isinstance(p, Variable)
    assert_close(gd.grad(p * 3, p), [3.0])


def test_custom_function_needs_forward_and_backward(arr):
    class Square(gd.Function):
        def forward(self, x):
            return x * x

        def backward(self, gy):
            return 2 * self.inputs[0] * gy

    x = Variable(arr([1.5, -2.0]))
    check_orders(lambda v: Square()(v), x.data)
    with pytest.raises(NotImplementedError):
        gd.Function()(x)


# ----------------------------------------------------------------------------- data and detach
@pytest.mark.parametrize("data", [np.array(["a"]), np.array([1.0, None], dtype=object)])
def test_variable_rejects_string_and_object_arrays(data):
    with pytest.raises(TypeError, match=f"numeric or bool dtype, got a NumPy array of dtype {data.dtype}"):
        Variable(data)


def test_binary_op_after_an_update_that_made_a_numpy_scalar():
    x = Variable(np.array(1.0))
    x.data = x.data - 0.5 * x.data  # 0-d array arithmetic returns np.float64
    y = x + Variable(np.array(2.0))
    assert float(y.data) == 2.5 and y.data.shape == ()


def test_backward_with_a_wrongly_shaped_grad_is_named(arr):
    x = Variable(arr([1.0, 2.0, 3.0]))
    y = F.sin(x)
    y.grad = Variable(arr([1.0, 1.0]))
    with pytest.raises(ValueError, match=r"y\.grad has shape \(2,\) but y has shape \(3,\)"):
        y.backward()


def test_detach_is_a_leaf_sharing_the_data(arr):
    x = Variable(arr([1.0, 2.0]))
    y = F.exp(x)
    d = y.detach()
    assert d.creator is None and d.data is y.data and y.creator is not None
    assert_close(gd.grad(F.sum(d * x), x), np.exp([1.0, 2.0]), rtol=1e-14)  # d is a constant to x


def test_a_torch_tensor_that_requires_grad_is_detached_on_entry():
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch)")
    t = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    x = Variable(t)
    assert not x.data.requires_grad and x.data.grad_fn is None
    y = F.sum(F.exp(x) * x)
    assert y.data.grad_fn is None  # torch records nothing next to gdezero's graph
    assert gd.utils.gradient_check(lambda v: F.exp(v) * v, t)
    res = minimize(lambda v: F.sum((v - 3.0) ** 2), t, method="newton")
    assert res.success and np.allclose(to_numpy(res.x), 3.0)
    assert t.requires_grad  # the caller's tensor is left as it was
