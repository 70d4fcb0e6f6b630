"""Softmax, log-softmax and the losses built on them."""
from gdezero import backend
from gdezero.backend import namespace_of_type as _xp
from gdezero.core import Constant, Function, Variable, as_variable
from gdezero.ops.arithmetic import mul, neg, pow, sub
from gdezero.ops.elementwise import exp
from gdezero.ops.reductions import sum


class Softmax(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = _xp(x)
        y = xp.exp(x - xp.max(x, axis=self.axis, keepdims=True))
        return y / xp.sum(y, axis=self.axis, keepdims=True)

    def backward(self, gy):
        y = self.outputs[0]()
        gx = y * gy
        return gx - y * sum(gx, axis=self.axis, keepdims=True)


class LogSoftmax(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = _xp(x)
        shifted = x - xp.max(x, axis=self.axis, keepdims=True)
        return shifted - xp.log(xp.sum(xp.exp(shifted), axis=self.axis, keepdims=True))

    def backward(self, gy):
        y = self.outputs[0]()
        return gy - exp(y) * sum(gy, axis=self.axis, keepdims=True)


def softmax(x, axis=1):
    return Softmax(axis)(x)


def log_softmax(x, axis=1):
    return LogSoftmax(axis)(x)


def mean_squared_error(x0, x1):
    """sum((x0 - x1)**2) / len(x0), as in DeZero."""
    diff = sub(x0, x1)
    return sum(pow(diff, 2)) / len(diff)


def softmax_cross_entropy(x, t):
    """Mean cross entropy of logits `x` (N, C) against integer labels `t` (N,)."""
    x = as_variable(x)
    t = t.data if isinstance(t, Variable) else t
    if backend.is_array(t):  # labels obey the operands' rule: one backend, one device
        backend.get_array_module(x, t)
    xp = x.xp
    n, classes = x.shape
    labels = xp.asarray(t, device=x.device)
    one_hot = xp.astype(xp.arange(classes, device=x.device) == labels[:, None], x.dtype)
    return neg(sum(mul(log_softmax(x, axis=1), Constant(one_hot)))) / n
