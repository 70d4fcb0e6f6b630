"""The Taylor propagation hands a rule what it needs as arguments: `linear=` for a one-input
rule that takes it, when its input is a seed known to be linear in t."""
import numpy as np

import gdezero as gd
import gdezero.functions as F
from gdezero import Function
from gdezero.backend import to_numpy
from gdezero.taylor import series as S


class Recording(Function):
    """exp, remembering the `linear` its Taylor rule was given."""
    seen: list = []

    def forward(self, x):
        return gd.get_array_module(x).exp(x)

    def backward(self, gy):
        return gy * self.outputs[0]()

    def taylor(self, x, linear=None):
        Recording.seen.append(linear)
        return S.exp(x, self.outputs[0]().data, linear=linear)


class Plain(Function):
    """exp with a rule that takes no `linear`."""

    def forward(self, x):
        return gd.get_array_module(x).exp(x)

    def backward(self, gy):
        return gy * self.outputs[0]()

    def taylor(self, x):
        return S.exp(x, self.outputs[0]().data)


def _derivatives(f, x, v=None):
    Recording.seen = []
    return [to_numpy(d.data) for d in gd.derivatives(f, x, 6, v, method="taylor")], Recording.seen


def test_a_unit_seed_reaches_the_rule_as_linear_true(arr):
    got, seen = _derivatives(lambda x: Recording()(x), arr([0.5, -1.0]))
    assert seen == [True]
    for d in got:  # every derivative of exp is exp
        np.testing.assert_allclose(d, np.exp([0.5, -1.0]), rtol=1e-14)


def test_a_seed_with_a_direction_reaches_the_rule_as_linear_false(arr):
    x, v = arr([0.5, -1.0]), arr([2.0, -0.5])
    got, seen = _derivatives(lambda u: Recording()(u), x, v)
    assert seen == [False]
    for k, d in enumerate(got):
        np.testing.assert_allclose(d, np.exp([0.5, -1.0]) * np.array([2.0, -0.5]) ** k, rtol=1e-13)


def test_an_input_that_is_not_a_seed_gets_no_linear(arr):
    got, seen = _derivatives(lambda x: Recording()(x * x), arr([0.5]))
    assert seen == [None]
    reverse = gd.derivatives(lambda x: F.exp(x * x), arr([0.5]), 6, method="reverse")
    for a, b in zip(got, reverse):
        np.testing.assert_allclose(a, to_numpy(b.data), rtol=1e-10)


def test_jvp_and_taylor_pass_no_linear(arr):
    Recording.seen = []
    gd.jvp(lambda x: Recording()(x), arr([0.5]), arr([1.0]))
    gd.taylor(lambda x: Recording()(x), arr([0.5]), [arr([1.0]), arr([0.0])])
    assert Recording.seen == [None, None]


def test_a_rule_without_the_parameter_is_called_without_it(arr):
    got = gd.derivatives(lambda x: Plain()(x), arr([0.5]), 4, method="taylor")
    for d in got:
        np.testing.assert_allclose(to_numpy(d.data), np.exp([0.5]), rtol=1e-14)
