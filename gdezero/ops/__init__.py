"""The op layer: every differentiable op, one class each, grouped by family. Importing it
binds the operators and differentiable methods onto Variable (the engine in core.py
knows no op)."""
import operator

from gdezero import backend
from gdezero.core import Variable
from gdezero.ops import arithmetic, elementwise, linalg, losses, reductions, shapes


def _reshape(self, *shape):  # unannotated: the body narrows `shape` by reassigning it
    """``Variable.reshape(*shape)`` or ``reshape(shape)``: see `gdezero.functions.reshape`.

    Parameters
    ----------
    *shape : int, or one tuple or list of int
        The new shape.

    Returns
    -------
    Variable
        The reshaped Variable.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> x = gd.Variable(np.zeros(6))
    >>> x.reshape(2, 3).shape, x.reshape((3, 2)).shape
    ((2, 3), (3, 2))
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return shapes.reshape(self, shape)


def _transpose(self, *axes):  # unannotated: the body narrows `axes` by reassigning it
    """``Variable.transpose(*axes)``: see `gdezero.functions.transpose`; all reversed by default.

    Parameters
    ----------
    *axes : int, or one tuple, list or None
        The permutation of the axes.

    Returns
    -------
    Variable
        The transposed Variable.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> x = gd.Variable(np.zeros((1, 2, 3)))
    >>> x.transpose().shape, x.transpose(1, 0, 2).shape
    ((3, 2, 1), (2, 1, 3))
    """
    if len(axes) == 0:
        axes = None
    elif len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        axes = axes[0]
    return shapes.transpose(self, axes)


def _comparison(op):
    """x < other etc. on the data: a plain boolean array of the backend (no graph), for masks
    such as F.where(x > 0, a, b). == and != stay identity-based: Variables are dict keys."""
    def compare(self, other):
        if isinstance(other, Variable):
            other = other.data
        elif backend.is_array(other):
            backend.get_array_module(self.data, other)  # one clear error for mixed backends
        mask = op(self.data, other)
        normalise = backend.OUTPUT_NORMALISERS.get(type(mask))  # NumPy's 0-d result is a scalar
        return mask if normalise is None else normalise(mask)
    compare.__name__ = f"__{op.__name__}__"
    return compare


def _bind():
    v = Variable
    v.__add__ = v.__radd__ = arithmetic.add
    v.__sub__, v.__rsub__ = arithmetic.sub, arithmetic.rsub
    v.__mul__ = v.__rmul__ = arithmetic.mul
    v.__truediv__, v.__rtruediv__ = arithmetic.div, arithmetic.rdiv
    v.__neg__ = arithmetic.neg
    v.__pow__, v.__rpow__ = arithmetic.pow, arithmetic.rpow
    v.__matmul__ = v.matmul = linalg.matmul
    v.__rmatmul__ = lambda self, other: linalg.matmul(other, self)
    v.__getitem__ = shapes.get_item
    v.reshape, v.transpose = _reshape, _transpose
    v.T = property(shapes.transpose)
    v.sum_to = shapes.sum_to  # the engine sums broadcast gradients back with it
    v.sum, v.max, v.min = reductions.sum, reductions.max, reductions.min
    v.mean, v.astype, v.__abs__ = reductions.mean, elementwise.astype, elementwise.abs
    for op in (operator.lt, operator.le, operator.gt, operator.ge):
        setattr(v, f"__{op.__name__}__", _comparison(op))


_bind()
__all__ = ["arithmetic", "elementwise", "linalg", "losses", "reductions", "shapes"]
