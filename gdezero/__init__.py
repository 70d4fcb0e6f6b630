"""gdezero: DeZero-style autodiff of any order on any Array API backend."""
from gdezero import (
                          functions,  # noqa: F401  (binds Variable's shape/reduction methods)
                          optimize,  # noqa: F401  (a module attribute: gd.optimize.minimize)
)
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
