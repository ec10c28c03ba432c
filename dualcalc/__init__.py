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
from dualcalc.derivatives import (
    NestingError, derivative, gradient, hessian, hvp, jacobian, jvp,
    second_derivative, value_and_derivative, value_and_gradient,
    value_and_jacobian, value_gradient_hessian)

__version__ = "0.1.0"

__all__ = [
    "Dual", "HyperDual", "DualNumber", "DualVec", "HyperDualVec", "DualArray", "HyperDualArray", "math",
    "derivative", "second_derivative",
    "gradient", "jacobian", "jvp", "hessian", "hvp", "value_and_derivative",
    "value_and_gradient", "value_and_jacobian", "value_gradient_hessian",
    "NestingError", "__version__",
]
