"""Design: order statistics and moments -- median, percentile, quantile (and
their nan variants), ptp, cov, corrcoef.  An order statistic is a fixed linear
combination of sorted elements (the sort keeps each element's derivative), so
it is differentiable wherever the order is strict, and follows the selected
elements at ties; moments compose the exact reductions."""

import numpy as np

from dualcalc._core import _arrays as _A
from dualcalc.arrays._dispatch import (
    value_of, _components, _operand, _is_dual, _implements, _check_dtype, _store)
from dualcalc.arrays.reductions import _mean, _max, _min, _sort, _axis_last
from dualcalc.arrays.structure import _take_along_axis, _reshape

def _quantile_core(a, q, axis, keepdims, method, npfn, nan):
    """q-quantiles of a along axis: NumPy's value; derivative of the linear
    combination of the two neighbouring order statistics NumPy interpolates."""
    if method not in ("linear", "lower", "higher", "nearest", "midpoint"):
        raise TypeError("dualcalc: {0}(..., method={1!r}) is not supported on dual arrays "
                        "(supported: linear, lower, higher, nearest, midpoint)".format(
                            npfn.__name__, method))
    a = _operand(a)
    v = value_of(a)
    qv = np.asarray(value_of(q), dtype=np.float64)
    if _is_dual(q):
        raise TypeError("dualcalc: {0}: q must be plain numbers".format(npfn.__name__))
    val = np.asarray(npfn(v, q, axis=axis, keepdims=keepdims, method=method),
                     dtype=np.float64)
    a2, kept, axes = _axis_last(a, axis)
    v2 = value_of(a2)
    s = _sort(a2, axis=-1)       # NaN sorts last: the nan variants count the numbers
    if nan:
        count = np.sum(~np.isnan(v2), axis=-1)
    else:
        count = np.full(v2.shape[:-1], v2.shape[-1])
    n = count[..., None]                                # (kept..., 1)
    qq = qv.reshape(qv.shape + (1,) * len(kept))        # (Q..., 1...) against kept
    pos = qq * (np.maximum(n[..., 0], 1) - 1)           # (Q..., kept...)
    lo = np.floor(pos)
    frac = pos - lo
    if method == "lower":
        frac = np.zeros_like(frac)
    elif method == "higher":
        lo, frac = np.ceil(pos), np.zeros_like(frac)
    elif method == "nearest":
        lo, frac = np.around(pos), np.zeros_like(frac)
    elif method == "midpoint":
        frac = np.where(frac > 0, 0.5, 0.0)
    nmax = np.maximum(n[..., 0] - 1, 0)
    lo = np.minimum(lo, nmax).astype(np.intp)
    hi = np.minimum(lo + 1, nmax).astype(np.intp)
    Q = qv.shape
    sB = np.broadcast_to(s, Q + tuple(kept) + v2.shape[-1:])
    xlo = _take_along_axis(sB, lo[..., None], axis=-1)[..., 0]
    xhi = _take_along_axis(sB, hi[..., None], axis=-1)[..., 0]
    r = xlo + (xhi - xlo) * frac
    if keepdims:
        shape = tuple(1 if i in axes else m for i, m in enumerate(v.shape))
        r = _reshape(r, Q + shape)
    comps, _ = _components(r)
    bad = np.isnan(val)
    rv = np.where(bad, np.nan, val)
    r = _A.rebuild(r, (np.asarray(rv, dtype=np.float64),) + tuple(comps[1:]))
    return r


@_implements(np.quantile)
def _quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
              keepdims=False, *, weights=None, interpolation=None):
    if weights is not None:
        raise TypeError("dualcalc: numpy.quantile(..., weights=) is not supported on dual arrays")
    r = _quantile_core(a, q, axis, keepdims, interpolation or method, np.quantile, False)
    return _store(r, out, "quantile")


@_implements(np.percentile)
def _percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None, interpolation=None):
    if weights is not None:
        raise TypeError("dualcalc: numpy.percentile(..., weights=) is not supported on dual "
                        "arrays")
    qv = np.asarray(q, dtype=np.float64) / 100.0
    r = _quantile_core(a, qv, axis, keepdims, interpolation or method,
                       lambda v, qq, **kw: np.quantile(v, qq, **kw), False)
    return _store(r, out, "percentile")


@_implements(np.median)
def _median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The middle element, or the mean of the two middle ones (each keeps its
    derivative)."""
    r = _quantile_core(a, 0.5, axis, keepdims, "linear",
                       lambda v, qq, **kw: np.median(v, axis=kw["axis"],
                                                     keepdims=kw["keepdims"]), False)
    return _store(r, out, "median")


@_implements(np.nanquantile)
def _nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                 keepdims=False, *, weights=None, interpolation=None):
    r = _quantile_core(a, q, axis, keepdims, interpolation or method, np.nanquantile, True)
    return _store(r, out, "nanquantile")


@_implements(np.nanpercentile)
def _nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                   keepdims=False, *, weights=None, interpolation=None):
    qv = np.asarray(q, dtype=np.float64) / 100.0
    r = _quantile_core(a, qv, axis, keepdims, interpolation or method,
                       lambda v, qq, **kw: np.nanquantile(v, qq, **kw), True)
    return _store(r, out, "nanpercentile")


@_implements(np.nanmedian)
def _nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    r = _quantile_core(a, 0.5, axis, keepdims, "linear",
                       lambda v, qq, **kw: np.nanmedian(v, axis=kw["axis"],
                                                        keepdims=kw["keepdims"]), True)
    return _store(r, out, "nanmedian")


@_implements(np.ptp)
def _ptp(a, axis=None, out=None, keepdims=False):
    return _store(_max(a, axis=axis, keepdims=keepdims) - _min(a, axis=axis, keepdims=keepdims),
                  out, "ptp")


@_implements(np.cov)
def _cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
         dtype=None):
    """(X - mean)(X - mean)^T / (N - ddof), weights as NumPy applies them."""
    _check_dtype("cov", dtype)
    X = _operand(m)
    if np.ndim(value_of(X)) == 1:
        X = _reshape(X, (1, -1)) if _is_dual(X) else np.reshape(X, (1, -1))
    if not rowvar and np.ndim(value_of(X)) == 2:
        X = np.swapaxes(X, 0, 1)
    if y is not None:
        Y = _operand(y)
        if np.ndim(value_of(Y)) == 1:
            Y = _reshape(Y, (1, -1)) if _is_dual(Y) else np.reshape(Y, (1, -1))
        if not rowvar:
            Y = np.swapaxes(Y, 0, 1)
        X = np.concatenate([X, Y], axis=0)
    if _is_dual(fweights) or _is_dual(aweights):
        raise TypeError("dualcalc: numpy.cov: fweights and aweights must be plain numbers")
    n = value_of(X).shape[1]
    w = None
    if fweights is not None:
        w = np.asarray(fweights, dtype=np.float64)
    if aweights is not None:
        aw = np.asarray(aweights, dtype=np.float64)
        w = aw if w is None else w * aw
    if ddof is None:
        ddof = 0 if bias else 1
    if w is None:
        avg = _mean(X, axis=1, keepdims=True)
        fact = n - ddof
        Xc = X - avg
        c = np.matmul(Xc, np.swapaxes(Xc, 0, 1)) / fact
    else:
        w_sum = w.sum()
        avg = np.sum(X * w, axis=1, keepdims=True) / w_sum
        if ddof == 0:
            fact = w_sum
        elif aweights is None:
            fact = w_sum - ddof
        else:
            fact = w_sum - ddof * np.sum(w * np.asarray(aweights, dtype=np.float64)) / w_sum
        Xc = X - avg
        c = np.matmul(Xc * w, np.swapaxes(Xc, 0, 1)) / fact
    if value_of(c).shape == (1, 1):
        c = c[0, 0]
    return c


@_implements(np.corrcoef)
def _corrcoef(x, y=None, rowvar=True, *, dtype=None):
    c = _cov(x, y, rowvar, dtype=dtype)
    if np.ndim(value_of(c)) == 0:
        return c / c
    d = np.diagonal(c)
    sd = np.sqrt(d)
    c = c / sd[:, None]
    c = c / sd[None, :]
    return np.clip(c, -1, 1)
