"""Differentiable functions (F.*): the public namespace of the op layer (gdezero.ops).

Each op is one class: `forward` on raw arrays with the Array API namespace of its
inputs, `backward` on Variables with gdezero ops only (so it is differentiable again).
"""
from gdezero.ops.arithmetic import (  # noqa: F401  (classes: for subclassing and tests)
    Add,
    AddConstant,
    Div,
    DivConstant,
    Mul,
    MulConstant,
    Neg,
    Pow,
    RDivConstant,
    RPow,
    RSubConstant,
    ScaledMul,
    Sub,
    add,
    div,
    mul,
    neg,
    pow,
    sub,
)
from gdezero.ops.elementwise import (  # noqa: F401
    Clip,
    Cos,
    Exp,
    LeakyReLU,
    Log,
    ReLU,
    Sigmoid,
    Sin,
    Sqrt,
    Tan,
    Tanh,
    clip,
    cos,
    exp,
    leaky_relu,
    log,
    relu,
    sigmoid,
    sin,
    sqrt,
    tan,
    tanh,
)
from gdezero.ops.linalg import MatMul, linear, matmul  # noqa: F401
from gdezero.ops.losses import (  # noqa: F401
    LogSoftmax,
    Softmax,
    log_softmax,
    mean_squared_error,
    softmax,
    softmax_cross_entropy,
)
from gdezero.ops.reductions import Max, Min, Sum, max, mean, min, sum  # noqa: F401
from gdezero.ops.shapes import (  # noqa: F401
    BroadcastTo,
    GetItem,
    GetItemGrad,
    Reshape,
    Stack,
    SumTo,
    Transpose,
    broadcast_to,
    expand_dims,
    flatten,
    get_item,
    reshape,
    stack,
    sum_to,
    transpose,
)

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow",
    "exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "sigmoid", "relu", "leaky_relu", "clip",
    "reshape", "transpose", "get_item", "stack", "expand_dims", "flatten", "broadcast_to", "sum_to",
    "sum", "mean", "max", "min", "matmul", "linear",
    "softmax", "log_softmax", "mean_squared_error", "softmax_cross_entropy",
]
