"""What the performance work relies on: constants (seeds, masks, wrapped arrays) need no
gradient, the Ones seed never aliases a forward Variable without recording, and Sin/Cos
share their outputs across orders without changing any value or lifetime."""
import gc
import weakref

import numpy as np

import gdezero as gd
import gdezero.functions as F
from gdezero import Variable
from gdezero.core import Constant, Ones
from gdezero.ops.elementwise import Cos, Sin
from helpers import assert_close

GRID = np.linspace(-3.0, 3.0, 7)


def test_ops_on_constants_return_constants_and_record_nothing(arr):
    c = Constant(arr([1.0, 2.0]))
    y = F.sin(c * 2 + c)
    assert isinstance(y, Constant) and y.creator is None
    assert_close(y, np.sin(np.array([3.0, 6.0])))


def test_a_raw_array_operand_is_a_constant_and_gets_no_grad(arr):
    x = Variable(arr([1.0, 2.0]))
    y = F.sum(x * arr([3.0, 4.0]))
    y.backward()
    wrapped = y.creator.inputs[0].creator.inputs[1]
    assert isinstance(wrapped, Constant) and wrapped.grad is None
    assert_close(x.grad, [3.0, 4.0])


def test_the_seed_stays_internal_and_y_grad_is_a_plain_variable_of_ones(arr):
    x = Variable(arr(1.0))
    y = x ** 3
    y.backward(create_graph=True)
    assert type(y.grad) is Variable and y.grad.grad is None
    assert_close(y.grad, 1.0)
    gx = x.grad
    x.cleargrad()
    gx.backward(create_graph=True)
    assert not isinstance(gx.grad, Ones) and not isinstance(x.grad, Ones)
    assert_close(x.grad, 6.0)


def test_ones_seed_without_recording_gives_a_fresh_grad(arr):
    x = Variable(arr(0.5))
    y = F.exp(x)
    y.backward()
    assert x.grad is not y and x.grad.creator is None
    assert_close(x.grad, np.exp(0.5))


def nested_reverse(f, x, n):
    """[f(x), f'(x), ...]: the book's loop of recorded backward passes (gd.derivatives
    runs Taylor mode; these tests are about the reverse engine)."""
    x = x if isinstance(x, Variable) else Variable(x)
    out = [f(x)]
    for _ in range(n):
        out.append(gd.grad(F.sum(out[-1]), x, create_graph=True))
    return out


def test_ones_seed_while_recording_keeps_every_order_right(arr):
    x = Variable(arr(GRID))
    ds = nested_reverse(F.exp, x, 3)
    for d in ds:
        assert_close(d, np.exp(GRID))
    assert ds[1].creator is not None  # differentiable: the next order came from it


def test_sin_derivatives_evaluate_sin_and_cos_once_each(arr, monkeypatch):
    calls = {"Sin": 0, "Cos": 0}
    for cls in (Sin, Cos):
        def counted(self, x, _forward=cls.forward, _name=cls.__name__):
            calls[_name] += 1
            return _forward(self, x)
        monkeypatch.setattr(cls, "forward", counted)
    ds = nested_reverse(F.sin, arr(GRID), 6)
    expected = [np.sin, np.cos, lambda a: -np.sin(a), lambda a: -np.cos(a)] * 2
    for d, f in zip(ds, expected):
        assert_close(d, f(GRID))
    assert calls == {"Sin": 1, "Cos": 1}


def test_sin_cos_partners_are_remade_when_dropped(arr):
    x = Variable(arr(GRID))
    y = F.cos(x)
    g1 = gd.grad(F.sum(y), x, create_graph=True)  # -sin(x); Cos made a sin partner
    del y
    gc.collect()
    g2 = gd.grad(F.sum(g1), x, create_graph=True)
    g3 = gd.grad(F.sum(g2), x)
    assert_close(g2, -np.cos(GRID))
    assert_close(g3, np.sin(GRID))


def test_create_graph_loop_frees_everything_without_the_cyclic_gc(arr):
    gc.collect()
    gc.disable()
    try:
        x = Variable(arr(GRID))
        y = F.sin(x)
        y.backward(create_graph=True)
        for _ in range(3):
            gx = x.grad
            x.cleargrad()
            gx.backward(create_graph=True)
        x.cleargrad()
        refs = [weakref.ref(v) for v in (x, y, gx)]
        del x, y, gx
        assert all(ref() is None for ref in refs)
    finally:
        gc.enable()
