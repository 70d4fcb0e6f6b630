"""Softmax, log-softmax and the losses built on them."""
from __future__ import annotations

from gdezero import backend
from gdezero.backend import namespace_of_type as _xp
from gdezero.core import Axis, Constant, Function, Variable, VariableLike, as_variable
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


def softmax(x: VariableLike, axis: Axis = 1) -> Variable:
    """``exp(x) / sum(exp(x))`` along `axis`, computed without overflow.

    Parameters
    ----------
    x : Variable or array
        The scores, e.g. logits of shape ``(N, C)``.
    axis : int, tuple or list of int, default 1
        The axis (or axes) that sum to one.

    Returns
    -------
    Variable
        The probabilities, of `x`'s shape.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> F.softmax(np.array([[0.0, 0.0], [1000.0, 1000.0]]))
    variable([[0.5 0.5]
              [0.5 0.5]])
    """
    return Softmax(axis)(x)


def log_softmax(x: VariableLike, axis: Axis = 1) -> Variable:
    """``log(softmax(x))`` along `axis`, stable for any finite input.

    Parameters
    ----------
    x : Variable or array
        The scores, e.g. logits of shape ``(N, C)``.
    axis : int, tuple or list of int, default 1
        The axis (or axes) over which the probabilities sum to one.

    Returns
    -------
    Variable
        The log-probabilities, of `x`'s shape.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> y = F.log_softmax(np.array([[0.0, 0.0]]))
    >>> np.allclose(y.data, np.log(0.5))
    True
    """
    return LogSoftmax(axis)(x)


def mean_squared_error(x0: VariableLike, x1: VariableLike) -> Variable:
    """``sum((x0 - x1) ** 2) / len(x0)``, as in DeZero.

    Parameters
    ----------
    x0, x1 : Variable or array
        Predictions and targets, of one shape with at least one dimension.

    Returns
    -------
    Variable
        A 0-d Variable.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([1.0, 2.0]))
    >>> loss = F.mean_squared_error(x, np.array([0.0, 0.0]))
    >>> print(loss, gd.grad(loss, x))
    variable(2.5) variable([1. 2.])
    """
    diff = sub(x0, x1)
    return sum(pow(diff, 2)) / len(diff)


def softmax_cross_entropy(x: VariableLike, t: VariableLike) -> Variable:
    """The mean cross entropy of logits `x` against integer class labels `t`.

    Parameters
    ----------
    x : Variable or array
        Logits of shape ``(N, C)``.
    t : Variable or array
        Integer labels of shape ``(N,)`` in ``0..C-1``.

    Returns
    -------
    Variable
        ``-mean(log_softmax(x)[i, t[i]])``, a 0-d Variable.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = gd.Variable(np.array([[0.0, 0.0], [0.0, 0.0]]))
    >>> loss = F.softmax_cross_entropy(x, np.array([0, 1]))
    >>> np.allclose(loss.data, np.log(2.0))
    True
    >>> gd.grad(loss, x)
    variable([[-0.25  0.25]
              [ 0.25 -0.25]])
    """
    x = as_variable(x)
    t = t.data if isinstance(t, Variable) else t
    if backend.is_array(t):  # labels obey the operands' rule: one backend, one device
        backend.get_array_module(x, t)
    xp = x.xp
    n, classes = x.shape
    labels = xp.asarray(t, device=x.device)
    one_hot = xp.astype(xp.arange(classes, device=x.device) == labels[:, None], x.dtype)
    return neg(sum(mul(log_softmax(x, axis=1), Constant(one_hot)))) / n
