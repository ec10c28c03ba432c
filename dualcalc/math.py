"""A drop-in for Python's ``math`` module that also accepts dual numbers.

``import dualcalc.math as math`` turns scalar code into differentiable code:
on floats every function returns exactly what ``math`` returns; on a Dual or
HyperDual it returns a Dual or HyperDual carrying exact derivatives.  Domain
and range errors are math's own (ValueError, OverflowError).

>>> import dualcalc.math as math
>>> from dualcalc import Dual
>>> math.sin(0.5) == __import__("math").sin(0.5)
True
>>> math.exp(Dual(0.0, 1.0))
Dual(1.0, 1.0)
"""
import math as _pymath

# Everything math has (constants, integer functions such as gcd and factorial,
# which refuse dual numbers through __index__) ...
from math import *  # noqa: F401,F403
from math import e, inf, nan, pi, tau  # noqa: F401

# ... overridden by the dual-aware versions.
from dualcalc._core._math import (  # noqa: F401
    acos, acosh, asin, asinh, atan, atan2, atanh, cbrt, ceil, copysign, cos, cosh,
    degrees, dist, erf, erfc, exp, exp2, expm1, fabs, floor, fmod, frexp, fsum,
    gamma, hypot, isclose, isfinite, isinf, isnan, ldexp, lgamma, log, log10,
    log1p, log2, modf, nextafter, pow, prod, radians, remainder, sin, sinh, sqrt,
    tan, tanh, trunc, ulp)

if hasattr(_pymath, "sumprod"):
    def sumprod(p, q):
        """Like math.sumprod: the sum of products of two equal-length iterables."""
        p = list(p)
        q = list(q)
        if len(p) != len(q):
            raise ValueError("Inputs are not the same length")
        total = 0.0
        for a, b in zip(p, q):
            total = total + a * b
        return total

__all__ = sorted(n for n in dir(_pymath) if not n.startswith("_"))
