"""Forward and Taylor mode: `jvp`, `taylor`, `derivatives` (also at top level, ``gd.jvp``).

``series`` holds the truncated-series kernels (on arrays; the op layer's Taylor rules use
them), ``propagation`` pushes series through a recorded graph, ``modes`` builds the entry
points on it. The entry points load on first use (PEP 562), so that the op layer can import
``gdezero.taylor.series`` without the modes, which sit above it.

The package is also the function `taylor`: ``gd.taylor(f, x, series)`` calls it, and
``gd.taylor.jvp`` is the package's ``jvp`` (a module cannot otherwise be both the
``gdezero.taylor`` namespace the contract names and the top-level function ``gd.taylor``).

Examples
--------
>>> import numpy as np
>>> import gdezero as gd
>>> import gdezero.functions as F
>>> x, v = np.array([0.0]), np.array([1.0])
>>> [float(c.data[0]) for c in gd.taylor(F.exp, x, [v])]  # exp(t) = 1 + t + ...
[1.0, 1.0]
>>> float(gd.taylor.jvp(F.sin, x, v)[1].data[0])
1.0
"""
import importlib
import sys
import types

__all__ = ["jvp", "taylor", "derivatives"]
# Loaded from .modes on first use: the public names and the forward-over-reverse HVP
# (the benchmarks' comparison, not part of the documented API).
_MODES = (*__all__, "hvp_forward_over_reverse")


def __getattr__(name):
    if name in _MODES:
        return getattr(importlib.import_module("gdezero.taylor.modes"), name)
    raise AttributeError(f"module 'gdezero.taylor' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_MODES))


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):  # gd.taylor(f, x, series) is gd.taylor.taylor(...)
        return __getattr__("taylor")(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
