"""Properties over many random inputs (hypothesis): broadcasting and derivative identities."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable
from gdezero.utils import gradient_check
from helpers import assert_close
from tests.conftest import BACKEND

SHAPES = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
POINTS = st.lists(st.floats(-3, 3, allow_nan=False), min_size=1, max_size=5)


@settings(max_examples=10 if BACKEND == "dask" else 40, deadline=None)  # Dask: 23 s at 40
@given(shapes=SHAPES, seed=st.integers(0, 2 ** 16))
def test_broadcast_binary_ops_reduce_grads_to_each_input_shape(xp, shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (xp.asarray(rng.uniform(0.5, 2.0, size=s)) for s in shapes.input_shapes)
    for op in (lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x * y, lambda x, y: x / y):
        xa, xb = Variable(a), Variable(b)
        ga, gb = gd.grad(F.sum(op(xa, xb)), [xa, xb])
        assert (tuple(ga.shape), tuple(gb.shape)) == tuple(shapes.input_shapes)
        assert gradient_check(lambda x, op=op: op(x, Variable(b)), a)
        assert gradient_check(lambda y, op=op: op(Variable(a), y), b)


@settings(max_examples=30, deadline=None)
@given(points=POINTS)
def test_tanh_derivatives_satisfy_their_recurrence(xp, points):
    # t' = 1 - t^2 and t'' = -2 t t' for t = tanh(x), at any point
    x = np.asarray(points)
    t, d1, d2 = gd.derivatives(F.tanh, xp.asarray(x), 2)
    tn = np.tanh(x)
    assert_close(d1, 1 - tn ** 2, rtol=1e-12, atol=1e-12)
    assert_close(d2, -2 * tn * (1 - tn ** 2), rtol=1e-12, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(points=POINTS)
def test_exp_log_round_trip_has_unit_derivative(xp, points):
    x = Variable(xp.asarray(np.asarray(points)))
    g = gd.grad(F.sum(F.log(F.exp(x))), x, create_graph=True)
    assert_close(g, np.ones(len(points)), rtol=1e-12, atol=1e-12)
    assert_close(gd.grad(F.sum(g), x), np.zeros(len(points)), rtol=0, atol=1e-12)
