"""Linear algebra: matmul (batched, with 1-D operands promoted as the standard says), linear."""
from gdezero.backend import namespace_of_type as _xp
from gdezero.core import Function
from gdezero.ops import series as S
from gdezero.ops.shapes import expand_dims, reshape, sum_to, transpose


class MatMul(Function):
    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"matmul needs operands of at least 1 dimension, got shapes {tuple(a.shape)} "
                f"and {tuple(b.shape)}; use * for scaling by a 0-d value")
        return _xp(a).matmul(a, b)

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


def _swap_last(x):
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(x, axes)


def matmul(a, b):
    return MatMul()(a, b)


def linear(x, W, b=None):
    y = matmul(x, W)
    return y if b is None else y + b
