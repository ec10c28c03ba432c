"""Design: reductions and scans -- sum, mean, var, std, max/min (the selected
element keeps its derivative), sort, prod and cumprod (exclusive products, no
division), cumsum, diff.  Linear ones act component by component; prod and
cumprod have their exact rules here, once per type."""

import numpy as np

from dualcalc._core import _arrays as _A
from dualcalc._core._arrays import DualArray
from dualcalc.arrays._dispatch import (
    value_of, _components, _map, _operand, _make_dual, _make_hyper, _DUALS, _is_dual,
    _norm_axis, _norm_axes, _IMPL, _UMETH, _implements, _ufunc_method, _check_dtype, _store,
    _value_only, _constant_like)
from dualcalc.arrays.structure import (
    _where, _reshape, _transpose, _take_along_axis, _ravel, _concatenate, _moveaxis,
    _broadcast_to)


# ================================================================ reductions
def _sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=np._NoValue,
         where=np._NoValue):
    _check_dtype("sum", dtype)
    if type(a) not in _DUALS:
        a = _operand(a)
    if where is not np._NoValue and where is not True:
        a = _where(where, a, 0.0)
    r = _A.sum_array(a, axis, bool(keepdims))
    if initial is not np._NoValue and initial is not None:
        r = r + initial
    return _store(r, out, "sum") if out is not None else r


# np.sum: the common call in C (dualcalc._core._arrays.sum_function), the rest here
_IMPL[np.sum] = _A.sum_function
_A.set_sum_general(_sum)


@_ufunc_method(np.add, "reduce")
def _add_reduce(ufunc, inputs, kwargs):
    kwargs = dict(kwargs)
    axis = kwargs.pop("axis", 0)
    return _sum(inputs[0], axis=axis, **kwargs)


@_implements(np.mean)
def _mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=np._NoValue):
    _check_dtype("mean", dtype)
    a = _operand(a)
    v = value_of(a)
    if where is not np._NoValue and where is not True:
        n = np.sum(np.broadcast_to(where, v.shape), axis=axis, keepdims=keepdims)
    else:
        n = 1
        for ax in _norm_axes(axis, v.ndim):
            n *= v.shape[ax]
    r = _sum(a, axis=axis, keepdims=keepdims, where=where) / n
    return _store(r, out, "mean")


@_implements(np.average)
def _average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    if weights is None:
        r = _mean(a, axis=axis, keepdims=keepdims)
        n = np.size(value_of(_operand(a))) / np.size(value_of(r))
        return (r, np.broadcast_to(n, np.shape(value_of(r)))) if returned else r
    w = weights
    v = value_of(_operand(a))
    if np.ndim(value_of(w)) != v.ndim:
        if axis is None:
            raise TypeError("Axis must be specified when shapes of a and weights differ.")
        ax = _norm_axis(axis, v.ndim)
        shape = [1] * v.ndim
        shape[ax] = np.shape(value_of(w))[0]
        w = _reshape(w, tuple(shape)) if _is_dual(w) else np.reshape(w, shape)
    scl = _sum(_operand(w) * np.ones(v.shape), axis=axis, keepdims=keepdims) if _is_dual(w) \
        else np.sum(np.broadcast_to(w, v.shape), axis=axis, keepdims=keepdims)
    r = _sum(_operand(a) * w, axis=axis, keepdims=keepdims) / scl
    return (r, scl) if returned else r


@_implements(np.var)
def _var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=np._NoValue,
         mean=np._NoValue, correction=np._NoValue):
    _check_dtype("var", dtype)
    if correction is not np._NoValue:
        ddof = correction
    a = _operand(a)
    v = value_of(a)
    if where is not np._NoValue and where is not True:
        n = np.sum(np.broadcast_to(value_of(where), v.shape), axis=axis, keepdims=keepdims)
        n = np.maximum(n - ddof, 0)
    else:
        where = np._NoValue
        n = 1
        for ax in _norm_axes(axis, v.ndim):
            n *= v.shape[ax]
        n = max(n - ddof, 0)
    m = _mean(a, axis=axis, keepdims=True, where=where) if mean is np._NoValue else mean
    d = a - m
    r = _sum(d * d, axis=axis, keepdims=keepdims, where=where) / n
    return _store(r, out, "var")


@_implements(np.std)
def _std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=np._NoValue,
         mean=np._NoValue, correction=np._NoValue):
    r = np.sqrt(_var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, where=where,
                     mean=mean, correction=correction))
    return _store(r, out, "std")


def _axis_last(a, axis):
    """a with the reduced axes (None: all) moved to the end and merged into one;
    returns (a2, kept_shape, axes)."""
    v = value_of(a)
    axes = _norm_axes(axis, v.ndim)
    rest = tuple(i for i in range(v.ndim) if i not in axes)
    kept = tuple(v.shape[i] for i in rest)
    if axes == tuple(range(v.ndim - len(axes), v.ndim)) and len(axes) == 1:
        return a, kept, axes
    a2 = _transpose(a, rest + axes)
    return _reshape(a2, kept + (-1,)), kept, axes


def _keep(r, shape, axes, keepdims):
    if not keepdims:
        return r
    new = tuple(1 if i in axes else n for i, n in enumerate(shape))
    return _reshape(r, new)


def _select_reduce(a, axis, keepdims, pick, name, initial=np._NoValue, where=np._NoValue,
                   npfn=None):
    """max/min (and the nan variants): the selected element carries its own
    derivative; a result that is ``initial`` (or the fill of an all-masked
    slice) is a constant.  The value, and NumPy's errors, are NumPy's own."""
    a = _operand(a)
    v = value_of(a)
    kw = {}
    if initial is not np._NoValue:
        kw["initial"] = initial
    masked = where is not np._NoValue and where is not True
    if masked:
        kw["where"] = where
    val = np.asarray(npfn(v, axis=axis, keepdims=keepdims, **kw), dtype=np.float64)
    if v.size == 0:
        return _constant_like(a, val)
    if masked:
        big = -np.inf if pick in (np.argmax, _NANPICK[np.argmax]) else np.inf
        a = _where(np.broadcast_to(value_of(where), v.shape), a, big)
    a2, kept, axes = _axis_last(a, axis)
    idx = pick(value_of(a2), axis=-1)[..., None]
    r = _take_along_axis(a2, idx, axis=-1)
    r = _keep(_reshape(r, kept), v.shape, axes, keepdims)
    if kw:
        rv = value_of(r)
        same = (rv == val) | (np.isnan(rv) & np.isnan(val))
        if not np.all(same):
            r = _where(same, r, _constant_like(a, val))
    return r


def _nanpick(argfn):
    def pick(v, axis):
        filled = np.where(np.isnan(v), -np.inf if argfn is np.argmax else np.inf, v)
        i = argfn(filled, axis=axis)
        return i
    return pick


_NANPICK = {np.argmax: _nanpick(np.argmax), np.argmin: _nanpick(np.argmin)}


@_implements(np.max, np.amax)
def _max(a, axis=None, out=None, keepdims=False, initial=np._NoValue, where=np._NoValue):
    return _store(_select_reduce(a, axis, keepdims, np.argmax, "max", initial, where, np.max),
                  out, "max")


@_implements(np.min, np.amin)
def _min(a, axis=None, out=None, keepdims=False, initial=np._NoValue, where=np._NoValue):
    return _store(_select_reduce(a, axis, keepdims, np.argmin, "min", initial, where, np.min),
                  out, "min")


@_implements(np.nanmax)
def _nanmax(a, axis=None, out=None, keepdims=False, initial=np._NoValue, where=np._NoValue):
    return _store(_select_reduce(a, axis, keepdims, _NANPICK[np.argmax], "nanmax", initial,
                                 where, np.nanmax), out, "nanmax")


@_implements(np.nanmin)
def _nanmin(a, axis=None, out=None, keepdims=False, initial=np._NoValue, where=np._NoValue):
    return _store(_select_reduce(a, axis, keepdims, _NANPICK[np.argmin], "nanmin", initial,
                                 where, np.nanmin), out, "nanmin")


def _reduce_method(fn, nan=False):
    def impl(ufunc, inputs, kwargs):
        kwargs = dict(kwargs)
        axis = kwargs.pop("axis", 0)
        out = kwargs.pop("out", None)
        _check_dtype(ufunc.__name__ + ".reduce", kwargs.pop("dtype", None))
        r = fn(inputs[0], axis=axis, keepdims=kwargs.pop("keepdims", False), **kwargs)
        return _store(r, out, ufunc.__name__ + ".reduce")
    return impl


_UMETH[(np.maximum, "reduce")] = _reduce_method(_max)
_UMETH[(np.minimum, "reduce")] = _reduce_method(_min)
_UMETH[(np.fmax, "reduce")] = _reduce_method(_nanmax)
_UMETH[(np.fmin, "reduce")] = _reduce_method(_nanmin)


for _f in (np.argmax, np.argmin, np.argsort, np.nanargmax, np.nanargmin, np.argpartition,
           np.lexsort):
    _IMPL[_f] = _value_only(_f)


@_implements(np.sort)
def _sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """Sorted by value; each element keeps its derivative."""
    a = _operand(a)
    if axis is None:
        a = _ravel(a)
        axis = -1
    idx = np.argsort(value_of(a), axis=axis, kind=kind, stable=stable)
    return _take_along_axis(a, idx, axis=axis)


def _tree_prod(a):
    """Product over the last axis by pairwise products (log2(n) vectorised
    multiplications, valid for both types)."""
    n = value_of(a).shape[-1]
    if n == 0:
        return _constant_like(a, np.ones(value_of(a).shape[:-1]))
    while n > 1:
        half = n // 2
        p = a[..., :half] * a[..., half:2 * half]
        a = _concatenate([p, a[..., 2 * half:]], -1) if n % 2 else p
        n = value_of(a).shape[-1]
    return a[..., 0]


@_implements(np.prod)
def _prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=np._NoValue,
          where=np._NoValue):
    _check_dtype("prod", dtype)
    a = _operand(a)
    if where is not np._NoValue and where is not True:
        a = _where(where, a, 1.0)
    v = value_of(a)
    a2, kept, axes = _axis_last(a, axis)
    v2 = value_of(a2)
    if type(a2) is DualArray:
        # d prod = sum_i (prod_{j != i} x_j) dx_i with the exclusive products from
        # prefix and suffix products: exact, and no division (zeros are fine).
        n = v2.shape[-1]
        ones = np.ones(v2.shape[:-1] + (1,))
        pre = np.concatenate([ones, np.cumprod(v2[..., :-1], axis=-1)], axis=-1) if n else v2
        suf = np.concatenate([np.cumprod(v2[..., :0:-1], axis=-1)[..., ::-1], ones],
                             axis=-1) if n else v2
        excl = pre * suf
        val = np.prod(v2, axis=-1)
        eps = np.einsum("k...i,...i->k...", a2.eps, excl) if n else np.zeros(
            a2.eps.shape[:-1])
        r = _make_dual(np.asarray(val, dtype=np.float64), eps, a2.tag)
    else:
        r = _tree_prod(a2)
        r = _make_hyper(np.asarray(np.prod(v2, axis=-1), dtype=np.float64), r.eps1, r.eps2,
                        r.eps1eps2, r.tag1, r.tag2)
    r = _keep(_reshape(r, kept), v.shape, axes, keepdims)
    if initial is not np._NoValue:
        r = r * initial
    return _store(r, out, "prod")


@_ufunc_method(np.multiply, "reduce")
def _mul_reduce(ufunc, inputs, kwargs):
    kwargs = dict(kwargs)
    axis = kwargs.pop("axis", 0)
    return _prod(inputs[0], axis=axis, **kwargs)


@_implements(np.cumsum)
def _cumsum(a, axis=None, dtype=None, out=None):
    _check_dtype("cumsum", dtype)
    a = _operand(a)
    if axis is None:
        a = _ravel(a)
        axis = 0
    ax = _norm_axis(axis, value_of(a).ndim)
    return _store(_map(a, lambda c, lead: np.cumsum(c, axis=ax + lead)), out, "cumsum")


@_implements(np.cumprod)
def _cumprod(a, axis=None, dtype=None, out=None):
    """Inclusive scan by doubling (log2(n) vectorised multiplications); the value
    is NumPy's own cumprod."""
    _check_dtype("cumprod", dtype)
    a = _operand(a)
    if axis is None:
        a = _ravel(a)
        axis = 0
    v = value_of(a)
    ax = _norm_axis(axis, v.ndim)
    b = _moveaxis(a, ax, -1)
    n = value_of(b).shape[-1]
    s = 1
    while s < n:
        b = _concatenate([b[..., :s], b[..., s:] * b[..., :n - s]], -1)
        s *= 2
    comps, _ = _components(b)
    b = _A.rebuild(b, (np.cumprod(np.moveaxis(v, ax, -1), axis=-1),) + tuple(comps[1:]))
    return _store(_moveaxis(b, -1, ax), out, "cumprod")


@_ufunc_method(np.add, "accumulate")
def _add_accumulate(ufunc, inputs, kwargs):
    kwargs = dict(kwargs)
    return _cumsum(inputs[0], axis=kwargs.pop("axis", 0), **kwargs)


@_ufunc_method(np.multiply, "accumulate")
def _mul_accumulate(ufunc, inputs, kwargs):
    kwargs = dict(kwargs)
    return _cumprod(inputs[0], axis=kwargs.pop("axis", 0), **kwargs)


@_implements(np.diff)
def _diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    a = _operand(a)
    nd = value_of(a).ndim
    ax = _norm_axis(axis, nd)
    parts = []
    if prepend is not np._NoValue:
        p = _operand(prepend)
        if np.ndim(value_of(p)) == 0:
            shape = list(value_of(a).shape)
            shape[ax] = 1
            p = _broadcast_to(p, tuple(shape)) if _is_dual(p) else np.broadcast_to(p, shape)
        parts.append(p)
    parts.append(a)
    if append is not np._NoValue:
        p = _operand(append)
        if np.ndim(value_of(p)) == 0:
            shape = list(value_of(a).shape)
            shape[ax] = 1
            p = _broadcast_to(p, tuple(shape)) if _is_dual(p) else np.broadcast_to(p, shape)
        parts.append(p)
    if len(parts) > 1:
        a = _concatenate(parts, ax)
    lo = (slice(None),) * ax + (slice(None, -1),)
    hi = (slice(None),) * ax + (slice(1, None),)
    for _ in range(n):
        a = a[hi] - a[lo]
    return a
