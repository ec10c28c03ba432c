"""Design: polynomials and interpolation -- polyval by Horner's scheme on
dual numbers, interp with the slope of the segment."""

import numpy as np

from dualcalc._core import _arrays as _A
from dualcalc.arrays._dispatch import (
    value_of, _components, _operand, _is_dual, _implements, _constant_like)


@_implements(np.polyval)
def _polyval(p, x):
    """Horner's scheme, exactly as NumPy evaluates it."""
    p = _operand(p)
    x = _operand(x)
    y = _constant_like(x, np.zeros(np.shape(value_of(x)))) if _is_dual(x) else np.zeros_like(x)
    for i in range(np.shape(value_of(p))[0]):
        y = y * x + p[i]
    return y


@_implements(np.interp)
def _interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation, differentiable in x: the slope of the
    segment x lies in (right-continuous at the knots, 0 outside [xp[0], xp[-1]])."""
    if _is_dual(xp) or _is_dual(fp) or _is_dual(left) or _is_dual(right):
        raise TypeError("dualcalc: numpy.interp is differentiable in x only; xp, fp, left "
                        "and right must be plain arrays")
    if period is not None:
        raise TypeError("dualcalc: numpy.interp(..., period=) is not supported on dual arrays")
    x = _operand(x)
    xp = np.asarray(xp, dtype=np.float64)
    fp = np.asarray(fp, dtype=np.float64)
    xv = value_of(x)
    val = np.interp(xv, xp, fp, left, right)
    if len(xp) < 2:
        slope = np.zeros(np.shape(xv))
    else:
        i = np.clip(np.searchsorted(xp, xv, side="right") - 1, 0, len(xp) - 2)
        slope = (fp[i + 1] - fp[i]) / (xp[i + 1] - xp[i])
        slope = np.where((xv < xp[0]) | (xv > xp[-1]), 0.0, slope)
    r = (x - xv) * slope
    comps, _ = _components(r)
    return _A.rebuild(r, (np.asarray(val, dtype=np.float64),) + tuple(comps[1:]))
