"""dualcalc: exact derivatives of ordinary Python and NumPy code with dual numbers.

>>> from dualcalc import Dual
>>> import dualcalc.math as dm
>>> y = dm.sin(Dual(0.0, 1.0))   # sin at 0, derivative cos(0) = 1
>>> y.value, y.eps
(0.0, 1.0)
"""
from dualcalc._core._scalar import Dual, DualNumber, HyperDual
from dualcalc._core._vec import DualVec, HyperDualVec
from dualcalc.arrays import DualArray, HyperDualArray
from dualcalc import math
from dualcalc._conversions import ConversionError
from dualcalc.derivatives import (
    NestingError, derivative, gradient, hessian, hvp, jacobian, jvp,
    second_derivative, value_and_derivative, value_and_gradient,
    value_and_jacobian, value_gradient_hessian)
from dualcalc import special
from dualcalc.special import register_ufunc
from dualcalc.taylor import Taylor, taylor
from dualcalc.sparsity import hessian_sparsity, jacobian_sparsity
from dualcalc.sparse import sparse_hessian, sparse_jacobian
from dualcalc._compile import Compiled, CompileWarning, compile  # noqa: A004

__version__ = "0.1.0"


def __getattr__(name):
    # dualcalc.integrate is imported on first use, so `import dualcalc` stays fast
    if name == "integrate":
        import importlib
        return importlib.import_module("dualcalc.integrate")
    raise AttributeError(f"module 'dualcalc' has no attribute {name!r}")

__all__ = [
    "Dual", "HyperDual", "DualNumber", "DualVec", "HyperDualVec", "DualArray", "HyperDualArray", "math",
    "derivative", "second_derivative",
    "gradient", "jacobian", "jvp", "hessian", "hvp", "value_and_derivative",
    "value_and_gradient", "value_and_jacobian", "value_gradient_hessian",
    "jacobian_sparsity", "hessian_sparsity", "sparse_jacobian", "sparse_hessian",
    "NestingError", "ConversionError", "register_ufunc", "special", "integrate",
    "Taylor", "taylor", "compile", "Compiled", "CompileWarning", "__version__",
]
