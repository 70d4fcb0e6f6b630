"""gdezero: DeZero-style autodiff of any order on any Array API backend."""
import importlib

from gdezero import (
    ops,  # noqa: F401  (binds Variable's operators and methods)
    taylor,
)
from gdezero._version import __version__
from gdezero.backend import get_array_module, gpu_available
from gdezero.batching import vmap
from gdezero.core import (
    Config,
    Function,
    Parameter,
    Variable,
    as_array,
    as_variable,
    no_grad,
    using_config,
)
from gdezero.functional import grad, hessian, hvp, jacobian
from gdezero.operators import bilaplacian, laplacian
from gdezero.taylor import derivatives, jvp

__all__ = [
    "Variable", "Parameter", "Function", "Config", "using_config", "no_grad",
    "as_array", "as_variable", "get_array_module", "gpu_available",
    "grad", "hvp", "hessian", "jacobian", "jvp", "taylor", "derivatives", "func", "vmap",
    "laplacian", "bilaplacian", "__version__",
]

# Submodules a user reaches as `gd.NAME` without importing them: loaded on first access
# (PEP 562, as SciPy does), so `import gdezero.core` alone stays free of the op layer.
_SUBMODULES = ("functions", "graph", "utils", "optimize", "func")


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"gdezero.{name}")  # the import binds gd.NAME for next time
    raise AttributeError(f"module 'gdezero' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
