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
    such as F.where(x > 0, a, b) or x[x != 0]; __hash__ stays identity, so Variables stay
    dict and set keys (as torch tensors)."""
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


# Variable's operators and differentiable methods: name -> what is bound under it. The only
# place for such an entry; core.py's TYPE_CHECKING stubs declare exactly these names (tested).
METHODS = {
    "__add__": arithmetic.add, "__radd__": arithmetic.add,
    "__sub__": arithmetic.sub, "__rsub__": arithmetic.rsub,
    "__mul__": arithmetic.mul, "__rmul__": arithmetic.mul,
    "__truediv__": arithmetic.div, "__rtruediv__": arithmetic.rdiv,
    "__neg__": arithmetic.neg,
    "__pow__": arithmetic.pow, "__rpow__": arithmetic.rpow,
    "__matmul__": linalg.matmul, "matmul": linalg.matmul,
    "__rmatmul__": lambda self, other: linalg.matmul(other, self),
    "__getitem__": shapes.get_item,
    "reshape": _reshape, "transpose": _transpose, "T": property(shapes.transpose),
    "sum_to": shapes.sum_to,
    "sum": reductions.sum, "max": reductions.max, "min": reductions.min,
    "mean": reductions.mean, "astype": elementwise.astype, "__abs__": elementwise.abs,
    "__lt__": _comparison(operator.lt), "__le__": _comparison(operator.le),
    "__gt__": _comparison(operator.gt), "__ge__": _comparison(operator.ge),
    "__eq__": _comparison(operator.eq), "__ne__": _comparison(operator.ne),
    "__hash__": object.__hash__,  # defining __eq__ would otherwise make Variable unhashable
}
for _name, _method in METHODS.items():
    setattr(Variable, _name, _method)
del _name, _method
__all__ = ["arithmetic", "elementwise", "linalg", "losses", "reductions", "shapes"]
