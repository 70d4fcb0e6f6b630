"""Linear algebra: matmul (batched, with 1-D operands promoted as the standard says), linear."""
from __future__ import annotations

from gdezero import backend
from gdezero.core import Function, Variable, VariableLike
from gdezero.ops.shapes import batch_pad, expand_dims, reshape, sum_to, transpose
from gdezero.taylor import series as S

__all__ = ["matmul", "linear"]


def _swap_last(x):
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(x, axes)


class MatMul(Function):
    linear_in = (0, 1)
    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"matmul needs operands of at least 1 dimension, got shapes {tuple(a.shape)} "
                f"and {tuple(b.shape)}; use * for scaling by a 0-d value")
        return backend.matmul(a, b)

    def backward(self, gy):
        a, b = self.inputs
        need_a, need_b = self.needs_grad
        if a.ndim == 1 and b.ndim == 1:  # inner product
            return gy * b if need_a else None, gy * a if need_b else None
        # Promote 1-D operands as matmul does, then undo the promotion on the grads.
        a2 = reshape(a, (1,) + a.shape) if a.ndim == 1 else a
        b2 = reshape(b, b.shape + (1,)) if b.ndim == 1 else b
        g = gy
        if a.ndim == 1:
            g = expand_dims(g, -2)
        if b.ndim == 1:
            g = expand_dims(g, -1)
        ga = reshape(sum_to(matmul(g, _swap_last(b2)), a2.shape), a.shape) if need_a else None
        gb = reshape(sum_to(matmul(_swap_last(a2), g), b2.shape), b.shape) if need_b else None
        return ga, gb

    def taylor(self, a, b):
        return S.matmul(a, b)

    def batch(self, xs, batched):
        a, b = xs
        ba, bb = batched
        na, nb = a.ndim - ba, b.ndim - bb
        if na == 0 or nb == 0:
            raise ValueError(f"matmul needs operands of at least 1 dimension, got per-example "
                             f"shapes {tuple(a.shape)[ba:]} and {tuple(b.shape)[bb:]}")
        # promote 1-D operands to matrices, as matmul does, and drop those axes at the end
        if na == 1:
            a = reshape(a, tuple(a.shape[:-1]) + (1, a.shape[-1]))
        if nb == 1:
            b = reshape(b, tuple(b.shape) + (1,))
        ndim = max(na, nb, 2)
        y = matmul(batch_pad(a, ndim) if ba else a, batch_pad(b, ndim) if bb else b)
        if na == 1 or nb == 1:
            rows, cols = ((y.shape[-2],) if na > 1 else ()), ((y.shape[-1],) if nb > 1 else ())
            y = reshape(y, tuple(y.shape[:-2]) + rows + cols)
        return y


def matmul(a: VariableLike, b: VariableLike) -> Variable:
    """The matrix product ``a @ b``, batched, with 1-D operands promoted as in NumPy.

    Parameters
    ----------
    a, b : Variable or array
        Operands of at least one dimension.

    Returns
    -------
    Variable
        The product.

    Raises
    ------
    ValueError
        For a 0-d operand (use ``*`` to scale).

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> A = gd.Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> x = gd.Variable(np.array([1.0, 1.0]))
    >>> y = F.matmul(A, x)
    >>> print(y, gd.grad(F.sum(y), x))
    variable([3. 7.]) variable([4. 6.])
    """
    return MatMul()(a, b)


def linear(x: VariableLike, W: VariableLike, b: VariableLike | None = None) -> Variable:
    """The affine map ``x @ W + b`` (``b`` optional), as DeZero's ``F.linear``.

    Parameters
    ----------
    x : Variable or array
        The inputs, e.g. of shape ``(N, I)``.
    W : Variable or array
        The weights, of shape ``(I, O)``.
    b : Variable or array, optional
        The bias, broadcast to the output, e.g. of shape ``(O,)``.

    Returns
    -------
    Variable
        Of shape ``(N, O)`` for the shapes above.

    Examples
    --------
    >>> import numpy as np
    >>> import gdezero as gd
    >>> import gdezero.functions as F
    >>> x = np.array([[1.0, 2.0]])
    >>> W = gd.Parameter(np.array([[1.0], [1.0]]))
    >>> F.linear(x, W, np.array([0.5]))
    variable([[3.5]])
    """
    y = matmul(x, W)
    return y if b is None else y + b
