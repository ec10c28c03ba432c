"""Design: the nan* reductions -- each is its ordinary counterpart applied to
the array with the NaN elements replaced by the reduction's identity (0 for
sums, 1 for products) or masked out (``where=``), so a NaN element contributes
neither to the value nor to the derivatives."""

import numpy as np

from dualcalc.arrays._dispatch import value_of, _operand, _implements, _check_dtype, _store
from dualcalc.arrays.reductions import _sum, _mean, _var, _prod, _cumsum, _cumprod
from dualcalc.arrays.structure import _where


def _replace_nan(a, fill):
    """(a with its NaN elements replaced by the constant fill, mask of non-NaN)."""
    a = _operand(a)
    ok = ~np.isnan(value_of(a))
    return _where(ok, a, fill), ok


@_implements(np.nansum)
def _nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=np._NoValue,
            where=np._NoValue):
    _check_dtype("nansum", dtype)
    a, _ = _replace_nan(a, 0.0)
    return _store(_sum(a, axis=axis, keepdims=keepdims, initial=initial, where=where), out,
                  "nansum")


@_implements(np.nanprod)
def _nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=np._NoValue,
             where=np._NoValue):
    _check_dtype("nanprod", dtype)
    a, _ = _replace_nan(a, 1.0)
    return _store(_prod(a, axis=axis, keepdims=keepdims, initial=initial, where=where), out,
                  "nanprod")


@_implements(np.nancumsum)
def _nancumsum(a, axis=None, dtype=None, out=None):
    a, _ = _replace_nan(a, 0.0)
    return _cumsum(a, axis=axis, dtype=dtype, out=out)


@_implements(np.nancumprod)
def _nancumprod(a, axis=None, dtype=None, out=None):
    a, _ = _replace_nan(a, 1.0)
    return _cumprod(a, axis=axis, dtype=dtype, out=out)


def _nan_where(ok, where):
    if where is np._NoValue or where is True:
        return ok
    return ok & np.asarray(value_of(where), dtype=bool)


@_implements(np.nanmean)
def _nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=np._NoValue):
    """The mean of the non-NaN elements (NaN, with NumPy's warning, for an
    all-NaN slice)."""
    _check_dtype("nanmean", dtype)
    a, ok = _replace_nan(a, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = _mean(a, axis=axis, keepdims=keepdims, where=_nan_where(ok, where))
    return _store(r, out, "nanmean")


@_implements(np.nanvar)
def _nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=np._NoValue,
            mean=np._NoValue, correction=np._NoValue):
    _check_dtype("nanvar", dtype)
    a, ok = _replace_nan(a, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = _var(a, axis=axis, ddof=ddof, keepdims=keepdims, where=_nan_where(ok, where),
                 mean=mean, correction=correction)
    return _store(r, out, "nanvar")


@_implements(np.nanstd)
def _nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=np._NoValue,
            mean=np._NoValue, correction=np._NoValue):
    r = np.sqrt(_nanvar(a, axis=axis, ddof=ddof, keepdims=keepdims, where=where, mean=mean,
                        correction=correction))
    return _store(r, out, "nanstd")
