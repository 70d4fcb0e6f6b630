"""Differentiable functions (F.*): the public functions of every op family in gdezero.ops.

Each op is one class in its family module (`gdezero.ops.<family>`), beside its public
wrapper; this namespace re-exports the families' ``__all__``. The classes stay in their
family modules (for subclassing and tests): ``from gdezero.ops.elementwise import Sin``.
"""
from gdezero.ops import arithmetic, elementwise, linalg, losses, reductions, shapes
from gdezero.ops.arithmetic import *  # noqa: F403
from gdezero.ops.elementwise import *  # noqa: F403
from gdezero.ops.linalg import *  # noqa: F403
from gdezero.ops.losses import *  # noqa: F403
from gdezero.ops.reductions import *  # noqa: F403
from gdezero.ops.shapes import *  # noqa: F403

__all__: list[str] = []
__all__ += arithmetic.__all__
__all__ += elementwise.__all__
__all__ += shapes.__all__
__all__ += reductions.__all__
__all__ += linalg.__all__
__all__ += losses.__all__


def __dir__():
    return list(__all__)
