"""No silent wrong derivative (issue 11): unrecorded outputs raise, a custom backward is
checked, gradgradcheck catches a broken second order, stable sigmoid, NaN propagation, and
bad input gets an error in gdezero's words."""
import mpmath
import numpy as np
import pytest
from conftest import BACKEND

import gdezero as gd
import gdezero.functions as F
from gdezero import Function, Variable
from gdezero.backend import to_numpy
from gdezero.optimize import minimize
from gdezero.utils import gradgradcheck, gradient_check, numerical_grad
from helpers import assert_close


def _np(v):
    return to_numpy(v.data if isinstance(v, Variable) else v)


# ---------------------------------------------------------------- item 2: unrecorded outputs
def test_grad_of_an_output_computed_under_no_grad_raises(arr):
    x = Variable(arr([1.0, 2.0]))
    with gd.no_grad():
        y = F.sum(x ** 2)
        with pytest.raises(RuntimeError, match=r"grad\(\): this output was not recorded.*no_grad"):
            gd.grad(y, x)
    with pytest.raises(RuntimeError, match="not recorded"):
        gd.grad(y, x)  # recording on again does not make y's graph exist
    with pytest.raises(RuntimeError, match=r"backward\(\): this output was not recorded"):
        y.backward()


def test_minimize_under_no_grad_raises_instead_of_reporting_success_at_x0(arr):
    with gd.no_grad(), pytest.raises(RuntimeError, match="not recorded"):
        minimize(lambda x: F.sum((x - 3.0) ** 2), arr([0.0, 1.0]), method="gd", lr=0.1, max_iter=5)


def test_differentiating_a_gradient_made_without_create_graph_raises(arr):
    x = Variable(arr([1.0, 2.0]))
    g = gd.grad(F.sum(x ** 3), x)
    assert_close(g, [3.0, 12.0])
    with pytest.raises(RuntimeError, match="create_graph=False"):
        gd.grad(g, x)
    y = F.sum(x ** 3)
    y.backward()  # the book's loop without create_graph=True
    gx = x.grad
    x.cleargrad()
    with pytest.raises(RuntimeError, match="not recorded"):
        gx.backward()


def test_an_unconnected_input_and_a_constant_derivative_still_give_zeros(arr):
    x, w = Variable(arr([1.0, 2.0])), Variable(arr([5.0, 6.0, 7.0]))
    gx, gw = gd.grad(F.sum(x ** 2), [x, w])
    assert_close(gx, [2.0, 4.0])
    assert_close(gw, np.zeros(3), atol=0)
    g = gd.grad(F.sum(x + 1.0), x, create_graph=True)  # ones: its own derivative is zero
    assert_close(g, np.ones(2), atol=0)
    assert_close(gd.grad(F.sum(g), x), np.zeros(2), atol=0)


# ---------------------------------------------------------------- item 3: a custom backward
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


# ---------------------------------------------------------------- item 4: gradgradcheck
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


# ---------------------------------------------------------------- item 5: numerics
def _sigmoid_exact(t):
    return float(1 / (1 + mpmath.exp(-mpmath.mpf(float(t)))))


def test_sigmoid_is_exact_far_into_the_left_tail(arr):
    points = [-745.0, -700.0, -40.0, -18.0, -1.0, 0.0, 2.5, 40.0, 800.0]
    assert_close(F.sigmoid(arr(points)), [_sigmoid_exact(t) for t in points], rtol=1e-14, atol=0)
    assert float(_np(F.sigmoid(arr(-40.0)))) == pytest.approx(4.248354255291589e-18, rel=1e-14)


def test_sigmoid_float32_keeps_tiny_values(xp):
    points = [-80.0, -40.0, -18.0, -5.0, 0.0, 5.0, 80.0]
    got = F.sigmoid(xp.asarray(np.array(points, dtype=np.float32)))
    assert got.dtype == xp.float32
    assert_close(got, [_sigmoid_exact(t) for t in points], rtol=1e-6, atol=0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_minus_log_sigmoid_is_finite_with_a_finite_gradient(xp, dtype):
    points = np.array([-80.0, -40.0, -18.0, 0.0, 2.0], dtype=dtype)
    x = Variable(xp.asarray(points))
    y = -F.log(F.sigmoid(x))
    exact = [float(mpmath.log1p(mpmath.exp(-mpmath.mpf(float(t))))) for t in points]
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    assert_close(y, exact, rtol=rtol, atol=0)
    g = gd.grad(F.sum(y), x)  # d/dx -log(sigmoid(x)) = sigmoid(x) - 1
    assert_close(g, [_sigmoid_exact(t) - 1 for t in points], rtol=rtol, atol=1e-7)


def test_sigmoid_derivatives_stay_right(arr):
    assert gradient_check(F.sigmoid, arr([-30.0, -3.0, 0.0, 2.0, 30.0]), raise_on_fail=True)
    assert gradgradcheck(F.sigmoid, arr([-30.0, -3.0, 0.0, 2.0, 30.0]), raise_on_fail=True)


NAN_POINT = [float("nan"), 1.0, -2.0]


@pytest.mark.parametrize("name, f, forward, gradient", [
    ("relu", F.relu, [np.nan, 1.0, 0.0], [np.nan, 1.0, 0.0]),
    ("leaky_relu", lambda v: F.leaky_relu(v, 0.25), [np.nan, 1.0, -0.5], [np.nan, 1.0, 0.25]),
    ("clip", lambda v: F.clip(v, -1.0, 0.5), [np.nan, 0.5, -1.0], [np.nan, 0.0, 0.0]),
])
def test_nan_propagates_through_elementwise_functions_and_their_gradients(arr, name, f, forward,
                                                                          gradient):
    x = Variable(arr(NAN_POINT))
    y = f(x)
    np.testing.assert_array_equal(_np(y), forward)
    np.testing.assert_array_equal(_np(gd.grad(F.sum(y), x)), gradient)


@pytest.mark.parametrize("reduce", [F.max, F.min])
def test_a_nan_max_or_min_is_nan_and_routes_its_gradient_to_the_nan(arr, reduce):
    x = Variable(arr(NAN_POINT))
    y = reduce(x)
    assert np.isnan(_np(y))
    np.testing.assert_array_equal(_np(gd.grad(y, x)), [1.0, 0.0, 0.0])  # not NaN everywhere
    m = Variable(arr([[np.nan, 1.0], [2.0, 3.0]]))
    rows = reduce(m, axis=1)
    np.testing.assert_array_equal(_np(rows)[1], 3.0 if reduce is F.max else 2.0)
    assert np.isnan(_np(rows)[0])
    expected = [[1.0, 0.0], [0.0, 1.0]] if reduce is F.max else [[1.0, 0.0], [1.0, 0.0]]
    np.testing.assert_array_equal(_np(gd.grad(F.sum(rows), m)), expected)


# ---------------------------------------------------------------- item 6: inputs rejected
LOGITS = [[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]]


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


def test_softmax_cross_entropy_with_right_labels_matches_the_formula(arr, xp):
    logits = np.array(LOGITS)
    loss = F.softmax_cross_entropy(Variable(arr(logits)), xp.asarray(np.array([2, 1])))
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    assert_close(loss, -(log_p[0, 2] + log_p[1, 1]) / 2, rtol=1e-14)


def test_mean_squared_error_needs_equal_shapes(arr):
    with pytest.raises(ValueError, match=r"one shape, got \(3,\) and \(3, 1\)"):
        F.mean_squared_error(Variable(arr([1.0, 2.0, 3.0])), Variable(arr([[1.0], [2.0], [3.0]])))


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


@pytest.mark.parametrize("data", [np.array(["a"]), np.array([1.0, None], dtype=object)])
def test_variable_rejects_string_and_object_arrays(data):
    with pytest.raises(TypeError, match=f"numeric or bool dtype, got a NumPy array of dtype {data.dtype}"):
        Variable(data)


# ---------------------------------------------------------------- item 7: clear errors
def test_grad_with_a_raw_array_as_input_or_output_names_the_type(arr):
    raw = arr([1.0, 2.0])
    x = Variable(raw)
    y = F.sum(x * x)
    kind = f"{type(raw).__module__}.{type(raw).__qualname__}"
    with pytest.raises(TypeError, match=rf"grad\(\): inputs must be Variables .*got {kind}"):
        gd.grad(y, raw)
    with pytest.raises(TypeError, match=rf"grad\(\): outputs must be Variables .*got {kind}"):
        gd.grad(raw, x)
    with pytest.raises(TypeError, match=rf"inputs must be Variables .*got {kind}"):
        gd.grad(y, [x, raw])


def test_stack_of_nothing_and_of_unequal_shapes(arr):
    with pytest.raises(ValueError, match="stack needs at least one Variable"):
        F.stack([])
    with pytest.raises(ValueError, match=r"one shape, got shapes \[\(2,\), \(3,\)\]"):
        F.stack([Variable(arr([1.0, 2.0])), Variable(arr([1.0, 2.0, 3.0]))])


def test_flatten_of_a_0d_variable(arr):
    with pytest.raises(ValueError, match="flatten keeps the first axis.*0-d"):
        F.flatten(Variable(arr(1.0)))
    assert F.flatten(Variable(arr(np.ones((2, 3, 4))))).shape == (2, 12)


@pytest.mark.parametrize("reduce, reference", [
    (F.sum, np.sum), (F.mean, np.mean), (F.max, np.max), (F.min, np.min)])
def test_every_axis_argument_takes_a_list_like_a_tuple(arr, reduce, reference):
    data = np.arange(24.0).reshape(2, 3, 4) ** 1.5
    x = Variable(arr(data))
    for axis in ([0, 1], [-1], [0, 2]):
        got = reduce(x, axis=axis)
        assert_close(got, reference(data, axis=tuple(axis)), rtol=1e-14)
        assert_close(gd.grad(F.sum(got), x), _np(gd.grad(F.sum(reduce(x, axis=tuple(axis))), x)),
                     rtol=1e-14)
    assert_close(reduce(x, axis=[0, 1], keepdims=True), reference(data, axis=(0, 1), keepdims=True),
                 rtol=1e-14)


@pytest.mark.parametrize("reduce", [F.sum, F.mean, F.max, F.min])
def test_out_of_range_and_repeated_axes_name_the_axis_and_ndim(arr, reduce):
    x = Variable(arr(np.ones((2, 3))))
    with pytest.raises(ValueError, match=r"axis 2 is out of range for a Variable of ndim 2 "
                                         r"\(shape \(2, 3\)\)"):
        reduce(x, axis=2)
    with pytest.raises(ValueError, match=r"axis -3 is out of range for a Variable of ndim 2"):
        reduce(x, axis=(0, -3))
    with pytest.raises(ValueError, match=r"repeats an axis"):
        reduce(x, axis=[1, -1])


@pytest.mark.parametrize("reduce", [F.max, F.min])
def test_max_and_min_of_an_empty_array_raise(arr, reduce):
    with pytest.raises(ValueError, match=r"of an empty Variable \(shape \(0,\), axis None\) has no value"):
        reduce(Variable(arr(np.zeros(0))))
    with pytest.raises(ValueError, match=r"shape \(2, 0\), axis \(1,\)"):
        reduce(Variable(arr(np.zeros((2, 0)))), axis=1)
    assert reduce(Variable(arr(np.zeros((0, 2)))), axis=1).shape == (0,)  # nothing reduced is empty


def test_grad_outputs_of_the_wrong_shape_is_named(arr):
    x = Variable(arr([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=r"grad_outputs entry of shape \(2,\) does not match its "
                                         r"output of shape \(3,\)"):
        gd.grad(F.sin(x), x, grad_outputs=arr([1.0, 1.0]))


def test_backward_with_a_wrongly_shaped_grad_is_named(arr):
    x = Variable(arr([1.0, 2.0, 3.0]))
    y = F.sin(x)
    y.grad = Variable(arr([1.0, 1.0]))
    with pytest.raises(ValueError, match=r"y\.grad has shape \(2,\) but y has shape \(3,\)"):
        y.backward()


# ---------------------------------------------------------------- item 9: DeZero's detach
def test_detach_is_a_leaf_sharing_the_data(arr):
    x = Variable(arr([1.0, 2.0]))
    y = F.exp(x)
    d = y.detach()
    assert d.creator is None and d.data is y.data and y.creator is not None
    assert_close(gd.grad(F.sum(d * x), x), np.exp([1.0, 2.0]), rtol=1e-14)  # d is a constant to x


# ---------------------------------------------------------------- item 8: torch's own autograd
def test_a_torch_tensor_that_requires_grad_is_detached_on_entry():
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch)")
    t = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    x = Variable(t)
    assert not x.data.requires_grad and x.data.grad_fn is None
    y = F.sum(F.exp(x) * x)
    assert y.data.grad_fn is None  # torch records nothing next to gdezero's graph
    assert gradient_check(lambda v: F.exp(v) * v, t)
    res = minimize(lambda v: F.sum((v - 3.0) ** 2), t, method="newton")
    assert res.success and np.allclose(to_numpy(res.x), 3.0)
    assert t.requires_grad  # the caller's tensor is left as it was
