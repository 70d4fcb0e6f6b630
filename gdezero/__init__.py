"""gdezero: DeZero-style autodiff of any order on any Array API backend."""
import importlib

from gdezero import ops  # noqa: F401  (binds Variable's operators and methods)
from gdezero.backend import get_array_module, gpu_available
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
from gdezero.functional import derivatives, grad, hessian, hvp, jacobian

__all__ = [
    "Variable", "Parameter", "Function", "Config", "using_config", "no_grad",
    "as_array", "as_variable", "get_array_module", "gpu_available",
    "grad", "hvp", "hessian", "jacobian", "derivatives",
]
__version__ = "0.1.0"

_SUBMODULES = {"functions", "graph", "optimize", "utils", "backend", "core", "functional", "ops"}


def __getattr__(name):
    # Submodules load on first use (as in SciPy): `import gdezero.core` stays engine-only.
    if name in _SUBMODULES:
        return importlib.import_module(f"gdezero.{name}")
    raise AttributeError(f"module 'gdezero' has no attribute {name!r}")
