"""Design: polynomials and interpolation -- polyval by Horner's scheme on
dual numbers, interp with the slope of the segment, polyfit as a least-squares
solve, poly by convolution, roots by the implicit-function rule
dr = -dp(r) / p'(r) (simple real roots)."""

import operator

import numpy as np

from dualcalc._core import _arrays as _A
from dualcalc.arrays._dispatch import (
    value_of, _components, _operand, _is_dual, _implements, _constant_like, _IMPL)


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


@_implements(np.polyfit)
def _polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """Least-squares coefficients pinv(V) y of the (weighted) Vandermonde matrix
    V: exact derivatives in x, y and w; the value is NumPy's own."""
    if full or cov:
        raise TypeError("dualcalc: numpy.polyfit(..., full=, cov=) is not supported on dual "
                        "arrays")
    deg = operator.index(deg)
    x = _operand(x)
    y = _operand(y)
    V = np.vander(x, deg + 1)
    yy = y
    if w is not None:
        w = _operand(w)
        V = V * w[:, None]
        yy = y * (w[:, None] if np.ndim(value_of(y)) == 2 else w)
    # column scaling as NumPy does, for conditioning (a constant: no derivative)
    scale = np.sqrt(np.sum(value_of(V) ** 2, axis=0))
    scale = np.where(scale == 0, 1.0, scale)
    c = np.linalg.lstsq(V / scale, yy, rcond=rcond)[0]
    c = c / (scale if np.ndim(value_of(c)) == 1 else scale[:, None])
    val = np.polyfit(value_of(x), value_of(y), deg, rcond=rcond,
                     w=None if w is None else value_of(w))
    if not _is_dual(c):
        return c
    comps, _ = _components(c)
    return _A.rebuild(c, (np.asarray(val, dtype=np.float64),) + tuple(comps[1:]))


@_implements(np.poly)
def _poly(seq_of_zeros):
    """Coefficients of prod (x - r_i), by repeated convolution; a square matrix
    stands for its (real, distinct) eigenvalues."""
    z = _operand(seq_of_zeros)
    v = value_of(z)
    if v.ndim == 2 and v.shape[0] == v.shape[1] and v.shape[0] != 0:
        z = np.linalg.eigvals(z)
    elif v.ndim != 1:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    c = np.ones(1)
    for i in range(value_of(z).shape[0]):
        c = np.convolve(c, np.stack([np.ones_like(z[i]), -z[i]]) if _is_dual(z) else
                        np.array([1.0, -z[i]]))
    return c


def _roots_rule(p, dp):
    """Simple real roots r of p: p(r) = 0 gives dr = -dp(r) / p'(r)."""
    r = np.roots(p)
    n = value_of(r).shape[0]
    if np.iscomplexobj(value_of(r)):
        raise ValueError("dualcalc: numpy.roots has complex roots here; dual arrays are real "
                         "(only real, simple roots are supported)")
    m = value_of(p).shape[-1]
    # leading zeros are dropped by np.roots, trailing zeros give roots at 0
    powers = np.vander(r, m) if n else np.zeros((0, m))
    der = p[..., :-1] * np.arange(m - 1, 0, -1, dtype=np.float64)
    dpr = np.vander(r, m - 1) @ der if n else np.zeros(0)
    from dualcalc.arrays.linalg import _require_distinct
    _require_distinct(r, "numpy.roots")
    return ((r, -(dp @ np.swapaxes(powers, -1, -2)) / dpr),)


def _roots(p):
    from dualcalc.arrays.linalg import _decomposition
    p = _operand(p)
    v = value_of(p)
    if v.ndim != 1:
        raise ValueError("Input must be a rank-1 array.")
    nz = np.flatnonzero(v)
    if len(nz) and nz[0] > 0:
        p = p[nz[0]:]
    return _decomposition(_roots_rule)(p)


_IMPL[np.roots] = _roots
