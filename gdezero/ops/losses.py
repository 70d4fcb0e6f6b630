"""Softmax, log-softmax and the losses built on them."""
from gdezero import backend
from gdezero.backend import namespace_of_type as _xp
from gdezero.core import Constant, Function, Variable, as_variable
from gdezero.ops import series as S
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

    def taylor(self, x):
        return S.softmax(x, self.axis)


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

    def taylor(self, x):
        return S.log_softmax(x, self.axis)


def softmax(x, axis=1):
    return Softmax(axis)(x)


def log_softmax(x, axis=1):
    return LogSoftmax(axis)(x)


def mean_squared_error(x0, x1):
    """sum((x0 - x1)**2) / len(x0), as in DeZero; x0 and x1 need one shape."""
    if tuple(x0.shape) != tuple(x1.shape):  # broadcasting (3,) against (3, 1) is a silent 3x3 loss
        raise ValueError(f"mean_squared_error needs two arrays of one shape, got {tuple(x0.shape)} "
                         f"and {tuple(x1.shape)}; reshape one of them")
    diff = sub(x0, x1)
    return sum(pow(diff, 2)) / len(diff)


def _check_labels(xp, labels, n, classes):
    """ValueError unless `labels` are N integer class indices in 0..C-1 (a plausible loss
    from float, one-hot or out-of-range labels would be silently wrong)."""
    shape = tuple(labels.shape)
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


def softmax_cross_entropy(x, t):
    """Mean cross entropy of logits `x` (N, C) against integer labels `t` (N,)."""
    x = as_variable(x)
    t = t.data if isinstance(t, Variable) else t
    if backend.is_array(t):  # labels obey the operands' rule: one backend, one device
        backend.get_array_module(x, t)
    xp = x.xp
    if x.ndim != 2:
        raise ValueError(f"softmax_cross_entropy needs logits of shape (N, C), got {tuple(x.shape)}")
    n, classes = x.shape
    labels = xp.asarray(t, device=x.device)
    _check_labels(xp, labels, n, classes)
    one_hot = xp.astype(xp.arange(classes, device=x.device) == labels[:, None], x.dtype)
    return neg(sum(mul(log_softmax(x, axis=1), Constant(one_hot)))) / n
