"""gd.vmap: every op's batching rule against the Python loop over the examples (values,
gradients through vmap, per-example gradients inside it), nesting, the fallback loop,
chunks, errors and the recorded graph's size."""
import warnings

import numpy as np
import pytest

import gdezero as gd
import gdezero.functions as F
from gdezero.backend import to_numpy
from tests.conftest import BACKEND

N = 3  # examples per batch
RTOL, ATOL = 1e-12, 1e-13


def _data(shape, seed, positive=False):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 2.0, shape) if positive else rng.normal(size=shape)
    return x



# name: (f, per-example shapes of the mapped inputs, positive inputs)
CASES = {
    # elementwise, one input
    "exp": (F.exp, [(2, 3)], False), "log": (F.log, [(2, 3)], True),
    "log1p": (F.log1p, [(4,)], True), "expm1": (F.expm1, [(4,)], False),
    "sin": (F.sin, [(4,)], False), "cos": (F.cos, [(4,)], False), "tan": (F.tan, [(4,)], False),
    "tanh": (F.tanh, [(4,)], False), "sinh": (F.sinh, [(4,)], False), "cosh": (F.cosh, [(4,)], False),
    "arctan": (F.arctan, [(4,)], False), "sqrt": (F.sqrt, [(4,)], True), "abs": (F.abs, [(4,)], False),
    "sigmoid": (F.sigmoid, [(4,)], False), "softplus": (F.softplus, [(4,)], False),
    "relu": (F.relu, [(4,)], False), "leaky_relu": (lambda x: F.leaky_relu(x, 0.3), [(4,)], False),
    "clip": (lambda x: F.clip(x, -0.5, 0.5), [(4,)], False), "neg": (lambda x: -x, [(4,)], False),
    "pow": (lambda x: x ** 3, [(4,)], False), "rpow": (lambda x: 2.0 ** x, [(4,)], False),
    "scalar_ops": (lambda x: (3.0 - x) / 2.0 + 1.0 / (x + 3.0) * 2.0, [(4,)], True),
    # elementwise, two inputs (one batched against one unbatched of higher rank: the trap)
    "add_trap": (lambda x: x + _C23, [(3,)], False), "mul_trap": (lambda x: F.mul(_C23, x), [(3,)], False),
    "sub_div": (lambda x, y: (x - y) / (y + 3.0), [(2, 3), (3,)], True),
    "var_pow": (lambda x, y: x ** y, [(3,), (3,)], True),
    "maximum": (lambda x, y: F.maximum(x, y), [(3,), (2, 3)], False),
    "minimum": (lambda x: F.minimum(x, _C23), [(3,)], False),
    "where": (lambda x, y: F.where(_MASK23, x, y), [(3,), (2, 3)], False),
    "where_batched_mask": (lambda x: F.where(x > 0, x * x, -x), [(2, 3)], False),
    # shapes and indexing
    "reshape": (lambda x: F.reshape(x, (3, 2)) * 1.0, [(2, 3)], False),
    "transpose": (lambda x: F.transpose(x, (2, 0, 1)), [(2, 3, 4)], False),
    "T": (lambda x: x.T, [(2, 3)], False),
    "broadcast_to": (lambda x: F.broadcast_to(x, (2, 4, 3)), [(3,)], False),
    "sum_to": (lambda x: F.sum_to(x, (1, 3)), [(2, 2, 3)], False),
    "index_int": (lambda x: x[1], [(2, 3)], False),
    "index_slice": (lambda x: x[:, 1:], [(2, 3)], False),
    "index_none_ellipsis": (lambda x: x[None, ..., 0], [(2, 3)], False),
    "index_array": (lambda x: x[IDX], [(4,)], False),
    "index_arrays_apart": (lambda x: x[IDX2, :, IDX], [(2, 2, 3)], False),
    "index_int_and_array_apart": (lambda x: x[0, :, IDX], [(2, 2, 3)], False),
    "expand_dims": (lambda x: F.expand_dims(x, 1), [(2, 3)], False),
    "flatten": (F.flatten, [(2, 3, 2)], False),
    "stack": (lambda x, y: F.stack([x, y, x * y]), [(3,), (3,)], False),
    "stack_unbatched": (lambda x: F.stack([x, _C3]), [(3,)], False),
    "concatenate": (lambda x: F.concatenate([x, _C23], axis=1), [(2, 1)], False),
    # reductions
    "sum_all": (F.sum, [(2, 3)], False), "sum_axis": (lambda x: F.sum(x, axis=0), [(2, 3)], False),
    "sum_keepdims": (lambda x: F.sum(x, axis=(0, 1), keepdims=True), [(2, 3)], False),
    "mean": (lambda x: F.mean(x, axis=-1), [(2, 3)], False),
    "max": (lambda x: F.max(x, axis=1), [(2, 3)], False), "min": (F.min, [(2, 3)], False),
    "prod": (lambda x: F.prod(x, axis=0), [(3, 2)], False),
    "cumsum": (lambda x: F.cumsum(x, axis=1), [(2, 3)], False),
    "logsumexp": (lambda x: F.logsumexp(x, axis=1), [(2, 3)], False),
    "norm": (lambda x: F.norm(x, axis=0), [(2, 3)], False),
    # linear algebra, every rank combination
    "matmul_vv": (lambda a, b: a @ b, [(3,), (3,)], False),
    "matmul_vm": (lambda a: a @ _C32, [(3,)], False),
    "matmul_mv": (lambda a, b: a @ b, [(2, 3), (3,)], False),
    "matmul_mm": (lambda a: F.matmul(_C23, a), [(3, 2)], False),
    "matmul_batched_matrices": (lambda a: a @ _C32, [(4, 2, 3)], False),
    "matmul_vector_and_stack": (lambda a: F.matmul(_C3, a), [(4, 3, 2)], False),
    "linear": (lambda x: F.linear(x, _C32, _C2), [(3,)], False),
    # losses
    "softmax": (lambda x: F.softmax(x, axis=1), [(2, 3)], False),
    "log_softmax": (lambda x: F.log_softmax(x, axis=-1), [(2, 3)], False),
    "mse": (lambda x, y: F.mean_squared_error(x, y), [(2, 3), (2, 3)], False),
    "softmax_cross_entropy": (lambda x: F.softmax_cross_entropy(x, _LABELS), [(2, 3)], False),
}

_C23 = _C32 = _C3 = _C2 = _MASK23 = _LABELS = IDX = IDX2 = None


@pytest.fixture(autouse=True)
def constants(arr):
    """The unbatched operands the cases close over, on the backend under test."""
    global _C23, _C32, _C3, _C2, _MASK23, _LABELS, IDX, IDX2
    _C23, _C32 = arr(_data((2, 3), 7)), arr(_data((3, 2), 8))
    _C3, _C2 = arr(_data((3,), 9)), arr(_data((2,), 10))
    _MASK23 = arr(_data((2, 3), 11)) > 0
    ints = np.asarray if BACKEND == "dask" else gd.get_array_module(_C2).asarray  # NumPy beside Dask
    _LABELS, IDX, IDX2 = ints([2, 0]), ints([2, 0, 2]), ints([1, 0, 1])


# array_api_strict allows integer arrays beside integers only, not beside slices
NUMPY_STYLE_INDEX = {"index_arrays_apart", "index_int_and_array_apart"}


def _skip_unsupported(name):
    if name in NUMPY_STYLE_INDEX and BACKEND in ("array_api_strict", "dask"):
        pytest.skip(f"{BACKEND} has no integer arrays beside slices in one index (NumPy's "
                    f"advanced indexing), not even for one example")


def _inputs(arr, shapes, positive):
    return [arr(_data((N,) + s, 20 + i, positive)) for i, s in enumerate(shapes)]


def _loop(f, xs):
    """f on each example: the oracle, stacked."""
    return np.stack([to_numpy(gd.as_variable(f(*[gd.Variable(x[i, ...]) for x in xs])).data)
                     for i in range(N)])


@pytest.mark.parametrize("name", sorted(CASES))
def test_vmap_equals_the_loop_over_examples(name, arr):
    _skip_unsupported(name)
    f, shapes, positive = CASES[name]
    xs = _inputs(arr, shapes, positive)
    got = gd.vmap(f)(*xs)
    np.testing.assert_allclose(to_numpy(got.data), _loop(f, xs), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_flow_through_vmap_to_the_mapped_inputs(name, arr):
    _skip_unsupported(name)
    f, shapes, positive = CASES[name]
    xs = _inputs(arr, shapes, positive)
    out_shape = _loop(f, xs).shape
    w = arr(_data(out_shape, 99))
    vs = [gd.Variable(x) for x in xs]
    got = gd.grad(F.sum(gd.vmap(f)(*vs) * w), vs)
    for k, g in enumerate(got):
        want = []
        for i in range(N):
            ex = [gd.Variable(xj[i, ...]) for xj in xs]
            want.append(to_numpy(gd.grad(F.sum(f(*ex) * w[i, ...]), ex[k]).data))
        np.testing.assert_allclose(to_numpy(g.data), np.stack(want), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", sorted(CASES))
def test_per_example_gradients_inside_vmap_run_the_backward_rules_batched(name, arr):
    _skip_unsupported(name)
    f, shapes, positive = CASES[name]
    xs = _inputs(arr, shapes, positive)
    out_shape = _loop(f, xs).shape
    w = arr(_data(out_shape, 98))

    def per_example(weight, *ex):
        gx = gd.grad(F.sum(f(*ex) * weight), ex[0], create_graph=True)
        return F.sum(gx * gx)  # a second order: the backward's own ops batched too

    got = gd.vmap(per_example)(w, *xs)
    want = [to_numpy(per_example(gd.Variable(w[i, ...]), *[gd.Variable(x[i, ...]) for x in xs]).data)
            for i in range(N)]
    np.testing.assert_allclose(to_numpy(got.data), np.stack(want), rtol=1e-11, atol=1e-12)


def test_per_example_gradients_of_a_closed_over_parameter(arr):
    w = gd.Parameter(arr(_data((3, 2), 1)))
    X, T = arr(_data((5, 3), 2)), arr(_data((5, 2), 3))

    def loss(w, x, t):
        return F.sum((F.tanh(x @ w) - t) ** 2)

    got = gd.vmap(lambda x, t: gd.grad(loss(w, x, t), w), in_axes=(0, 0))(X, T)
    want = np.stack([to_numpy(gd.grad(loss(w, gd.Variable(X[i, ...]), gd.Variable(T[i, ...])), w).data)
                     for i in range(5)])
    assert tuple(got.shape) == (5, 3, 2)
    np.testing.assert_allclose(to_numpy(got.data), want, rtol=RTOL, atol=ATOL)
    assert w.grad is None


def test_softmax_cross_entropy_takes_per_example_labels(arr):
    w = gd.Parameter(arr(_data((3, 4), 1)))
    X = arr(_data((5, 6, 3), 2))
    T = arr(np.random.default_rng(0).integers(0, 4, size=(5, 6)), dtype=np.int64)

    def loss(x, t):
        return F.softmax_cross_entropy(x @ w, t)

    got = gd.vmap(lambda x, t: gd.grad(loss(x, t), w))(X, T)
    want = np.stack([to_numpy(gd.grad(loss(gd.Variable(X[i, ...]), T[i, ...]), w).data) for i in range(5)])
    np.testing.assert_allclose(to_numpy(got.data), want, rtol=RTOL, atol=ATOL)
    per_example = r"labels of shape \(6,\) for logits of shape \(6, 4\), got shape \(5,\)"
    with pytest.raises(ValueError, match=per_example):
        gd.vmap(loss)(X, T[:, :5])


def test_a_boolean_mask_shared_by_the_examples_indexes_each_one(arr, xp):
    X = arr(_data((4, 2, 3), 6))
    mask = xp.asarray(np.array([[True, False, True], [False, True, True]]))
    f = lambda x: F.sum(x[mask] ** 2)  # noqa: E731
    got = gd.vmap(lambda x: gd.grad(f(x), x))(X)
    want = 2 * to_numpy(X) * np.array([[1, 0, 1], [0, 1, 1]])  # d/dx of the masked sum of squares
    np.testing.assert_allclose(to_numpy(got.data), want, rtol=RTOL, atol=ATOL)
    values = gd.vmap(f)(X)
    np.testing.assert_allclose(to_numpy(values.data), [float(to_numpy(f(gd.Variable(X[i, ...])).data))
                                                      for i in range(4)], rtol=RTOL)


def test_a_per_example_mask_indexes_through_where_and_raises_as_an_index(arr):
    X = arr(np.array([[0.0, 1.0, 2.0], [3.0, 0.0, 5.0]]))
    nonzero = gd.vmap(lambda x: F.sum(F.where(x != 0, x, 0.0)))(X)
    np.testing.assert_allclose(to_numpy(nonzero.data), [3.0, 8.0])
    zeros_to_one = gd.vmap(lambda x: F.sum(F.where(x == 0, 1.0, x)))(X)
    np.testing.assert_allclose(to_numpy(zeros_to_one.data), [4.0, 9.0])
    with pytest.raises(ValueError, match="differs per example.*F.where"):
        gd.vmap(lambda x: F.sum(x[x != 0]))(X)


def test_gradient_reaches_a_closed_over_variable_through_vmap(arr):
    w = gd.Variable(arr(_data((3,), 1)))
    X = arr(_data((4, 3), 2))
    y = gd.vmap(lambda x: F.sum(F.sin(x * w)))(X)
    got = gd.grad(F.sum(y), w)
    want = gd.grad(F.sum(F.sin(gd.Variable(X) * w)), w)
    np.testing.assert_allclose(to_numpy(got.data), to_numpy(want.data), rtol=RTOL)


def test_nested_vmap_maps_two_axes(arr):
    X = arr(_data((2, 3, 4), 5))
    f = lambda x: F.sum(F.exp(x) * x)  # noqa: E731
    got = gd.vmap(gd.vmap(f))(X)
    want = [[to_numpy(f(gd.Variable(X[i, j, ...])).data) for j in range(3)] for i in range(2)]
    np.testing.assert_allclose(to_numpy(got.data), np.array(want), rtol=RTOL)


def test_vmap_of_hessian_gives_per_example_hessians(arr):
    X = arr(_data((4, 3), 6))
    f = lambda z: F.sum(z ** 3) * F.sum(F.sin(z))  # noqa: E731
    got = gd.vmap(lambda x: gd.hessian(f, x))(X)
    want = np.stack([to_numpy(gd.hessian(f, X[i, ...]).data) for i in range(4)])
    np.testing.assert_allclose(to_numpy(got.data), want, rtol=1e-11, atol=1e-12)


def test_in_axes_none_and_out_axes(arr):
    X = arr(_data((3, 4), 1))
    c = arr(_data((3,), 2))
    got = gd.vmap(lambda x, c: x * c, in_axes=(1, None), out_axes=1)(X, c)
    np.testing.assert_allclose(to_numpy(got.data), to_numpy(X) * to_numpy(c)[:, None], rtol=RTOL)


def test_several_outputs_and_an_output_that_ignores_the_batch(arr):
    X = arr(_data((3, 2), 1))
    c = arr(_data((2,), 2))
    a, b = gd.vmap(lambda x: (x * 2.0, gd.Variable(c)), out_axes=(0, 1))(X)
    np.testing.assert_allclose(to_numpy(a.data), 2 * to_numpy(X), rtol=RTOL)
    np.testing.assert_allclose(to_numpy(b.data), np.stack([to_numpy(c)] * 3, axis=1), rtol=RTOL)


def test_chunk_size_gives_the_same_result(arr):
    X = arr(_data((7, 3), 1))
    f = lambda x: F.softmax(x, axis=0) * F.sum(x)  # noqa: E731
    whole = gd.vmap(f)(X)
    chunked = gd.vmap(f, chunk_size=3)(X)
    np.testing.assert_allclose(to_numpy(chunked.data), to_numpy(whole.data), rtol=RTOL)


class Square(gd.Function):  # a custom Function without a batching rule
    def forward(self, x):
        return x * x

    def backward(self, gy):
        return 2 * self.inputs[0] * gy


def test_a_function_without_a_batching_rule_loops_with_one_warning(arr):
    X = gd.Variable(arr(_data((4, 3), 1)))
    with pytest.warns(UserWarning, match="Square has no batching rule"):
        y = gd.vmap(lambda x: F.sum(Square()(x)))(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per Function class
        y2 = gd.vmap(lambda x: Square()(x))(X)
    np.testing.assert_allclose(to_numpy(y.data), np.sum(to_numpy(X.data) ** 2, axis=1), rtol=RTOL)
    np.testing.assert_allclose(to_numpy(y2.data), to_numpy(X.data) ** 2, rtol=RTOL)
    g = gd.grad(F.sum(y), X)
    np.testing.assert_allclose(to_numpy(g.data), 2 * to_numpy(X.data), rtol=RTOL)


def test_mismatched_batch_sizes_name_the_arguments_and_sizes(arr):
    with pytest.raises(ValueError, match="argument 0 has size 3 and argument 1 has size 4"):
        gd.vmap(lambda a, b: a + b)(arr(np.zeros((3, 2))), arr(np.zeros((4, 2))))


@pytest.mark.parametrize("kwargs, args, match", [
    ({"in_axes": (0,)}, 2, "in_axes has 1 entries but there are 2 arguments"),
    ({"in_axes": 2}, 1, "in_axes is 2, out of range"),
    ({"in_axes": None}, 1, "maps no argument"),
    ({"in_axes": "0"}, 1, "in_axes must be an int"),
    ({"out_axes": 3}, 1, "out_axes is 3, out of range"),
    ({"out_axes": (0, 0)}, 1, "out_axes has 2 entries but there are 1 outputs"),
    ({"chunk_size": 0}, 1, "chunk_size must be a positive int"),
])
def test_bad_axes_raise_value_error(arr, kwargs, args, match):
    xs = [arr(np.zeros((3, 2)))] * args
    with pytest.raises(ValueError, match=match):
        gd.vmap(lambda *a: a[0] * 2.0, **kwargs)(*xs)


def _functions(y):
    seen, stack = set(), [y.creator]
    while stack:
        f = stack.pop()
        if f is None or f in seen:
            continue
        seen.add(f)
        stack.extend(x.creator for x in f.inputs)
    return len(seen)


@pytest.mark.parametrize("f", [
    lambda x: F.sum(F.tanh(x) * x + 1.0),
    lambda x: F.logsumexp(F.exp(x) * 2.0, axis=0),
    lambda x: F.sum(x[1:] - x[:-1] ** 2),
])
def test_vmap_records_as_many_functions_as_f_on_one_example(arr, f):
    X = gd.Variable(arr(_data((5, 4), 1)))
    one = f(gd.Variable(X.data[0, ...]))
    assert _functions(gd.vmap(f)(X)) == _functions(one)
