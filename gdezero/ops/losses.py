"""Softmax, log-softmax and the losses built on them."""
from __future__ import annotations

from gdezero import backend
from gdezero.backend import namespace_of_type as _xp
from gdezero.core import Axis, Constant, Function, Variable, VariableLike, as_variable, data_constant
from gdezero.ops.arithmetic import mul, neg, pow, sub
from gdezero.ops.elementwise import exp
from gdezero.ops.reductions import _checked_axis, _max_kept, empty_series, log_sum_exp_parts, sum
from gdezero.taylor import series as S

__all__ = ["softmax", "log_softmax", "mean_squared_error", "softmax_cross_entropy"]


def _softmax_axis(x, axis, who):
    """`axis` checked against x: the default 1 (DeZero's, for (N, C) scores) names the fix
    for a 1-D or 0-d input instead of the backend's axis error."""
    x = as_variable(x)
    if x.ndim == 0:
        raise ValueError(f"{who} needs an input with at least one axis, got a 0-d one; "
                         f"reshape it, e.g. to (1, C) for one row of scores")
    if axis == 1 and x.ndim == 1:
        raise ValueError(f"{who}: the default axis=1 is for scores of shape (N, C); this input "
                         f"has shape {tuple(x.shape)}: pass axis=0 (or -1)")
    return _checked_axis(axis, x.shape, who)


def _batch_softmax(self, xs, batched):
    """The batching rule of softmax / log_softmax: the same axes, one to the right."""
    x, = xs
    ndim = x.ndim - 1
    axes = self.axis if isinstance(self.axis, (tuple, list)) else (self.axis,)
    return type(self)(tuple(a % ndim + 1 for a in axes))(x)


class Softmax(Function):
    batch = _batch_softmax

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = _xp(x)
        y = xp.exp(x - _max_kept(x, self.axis, 0))
        return y / xp.sum(y, axis=self.axis, keepdims=True)

    def backward(self, gy):
        y = self.outputs[0]()
        gx = y * gy
        return gx - y * sum(gx, axis=self.axis, keepdims=True)

    def taylor(self, x):
        empty = empty_series(x, self.outputs[0]().data)
        if empty is not None:
            return empty
        shift = _xp(x).max(x[0, ...], axis=self.axis, keepdims=True)  # a constant: row 0 only
        e = S.exp(S.add_constant(x, -shift))
        return S.div(e, S.sum(e, self.axis, keepdims=True))


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
    return Softmax(_softmax_axis(x, axis, "softmax"))(x)


class LogSoftmax(Function):
    batch = _batch_softmax

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        m, r = log_sum_exp_parts(x, self.axis)
        return (x - m) - r

    def backward(self, gy):
        y = self.outputs[0]()
        return gy - exp(y) * sum(gy, axis=self.axis, keepdims=True)

    def taylor(self, x):
        empty = empty_series(x, self.outputs[0]().data)
        if empty is not None:
            return empty
        shifted = S.add_constant(x, -_xp(x).max(x[0, ...], axis=self.axis, keepdims=True))
        return S.sub(shifted, S.log(S.sum(S.exp(shifted), self.axis, keepdims=True)))


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
    return LogSoftmax(_softmax_axis(x, axis, "log_softmax"))(x)


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

    Raises
    ------
    ValueError
        When the shapes differ (broadcasting would silently give another loss).

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
    for name, x in (("x0", x0), ("x1", x1)):
        if not isinstance(x, Variable) and not backend.is_array(x):
            raise TypeError(f"mean_squared_error: {name} must be a Variable or an array, got "
                            f"{type(x).__name__}; convert it first, e.g. xp.asarray(...)")
    if tuple(x0.shape) != tuple(x1.shape):  # broadcasting (3,) against (3, 1) is a silent 3x3 loss
        raise ValueError(f"mean_squared_error needs two arrays of one shape, got {tuple(x0.shape)} "
                         f"and {tuple(x1.shape)}; reshape one of them")
    if len(x0.shape) == 0:
        raise ValueError("mean_squared_error needs inputs with at least one dimension (it "
                         "divides by len(x0), the batch size), got two 0-d values; reshape "
                         "them to (1,)")
    diff = sub(x0, x1)
    return sum(pow(diff, 2)) / len(diff)


def _check_labels(xp, labels, shape, n, classes):
    """ValueError unless `labels` (of per-example `shape`: inside vmap they hold the batch)
    are N integer class indices in 0..C-1 (a plausible loss from float, one-hot or
    out-of-range labels would be silently wrong)."""
    if shape == (n, classes) and n > 0:
        raise ValueError(f"softmax_cross_entropy needs class indices of shape ({n},), got shape "
                         f"{shape} (one-hot labels?); pass t.argmax(axis=1) instead")
    if shape != (n,):
        raise ValueError(f"softmax_cross_entropy needs labels of shape ({n},) for logits of shape "
                         f"({n}, {classes}), got shape {shape}")
    if not xp.isdtype(labels.dtype, "integral"):
        raise ValueError(f"softmax_cross_entropy needs integer class labels, got dtype "
                         f"{labels.dtype}; convert them, e.g. t.astype(int)")
    if n and bool(xp.any(labels < 0)):
        raise ValueError(f"softmax_cross_entropy got a negative label ({int(xp.min(labels))}); "
                         f"labels are class indices in 0..{classes - 1}")
    if n and bool(xp.any(labels >= classes)):
        raise ValueError(f"softmax_cross_entropy got label {int(xp.max(labels))}, out of range for "
                         f"{classes} classes; labels are class indices in 0..{classes - 1}")


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

    Raises
    ------
    ValueError
        Saying which, when `x` is not 2-D or the labels are not ``N`` integers in
        ``0..C-1`` (one-hot or float labels included).

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
    mapped = t if isinstance(t, Variable) and t._level else None  # per-example labels (vmap)
    shape = tuple(t.shape) if isinstance(t, Variable) else None
    t = t.data if isinstance(t, Variable) else t
    if backend.is_array(t):  # labels obey the operands' rule: one backend, one device
        backend.get_array_module(x, t)
    xp = x.xp
    if x.ndim != 2:
        raise ValueError(f"softmax_cross_entropy needs logits of shape (N, C), got {tuple(x.shape)}")
    n, classes = x.shape
    labels = xp.asarray(t, device=x.device)
    _check_labels(xp, labels, tuple(labels.shape) if shape is None else shape, n, classes)

    def one_hot(labels):  # any leading axes: a batch of label vectors too
        return xp.astype(labels[..., None] == xp.arange(classes, device=x.device), x.dtype)
    mask = Constant(one_hot(labels)) if mapped is None else data_constant(one_hot, mapped)
    return neg(sum(mul(log_softmax(x, axis=1), mask))) / n
