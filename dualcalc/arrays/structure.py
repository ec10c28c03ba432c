"""Design: structure operations -- reshape, transpose, indexing, joins,
splits, where, clip.  Each applies the same NumPy operation to every component
array (value and tangents) with axis arguments shifted past the leading
direction axes (:func:`dualcalc._core._arrays.map_components`)."""

import numpy as np

from dualcalc._core import _arrays as _A
from dualcalc.arrays._dispatch import (
    value_of, _map, _operand, _DUALS, _lift_all, _is_dual, _shift, _norm_axis, _norm_axes,
    _align, _IMPL, _implements, _ufunc_method, _no_out, _check_dtype, _store)


# ================================================================ structure operations
@_implements(np.reshape)
def _reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    if shape is None:
        shape = newshape
    a = _operand(a)
    new = value_of(a).reshape(shape, order=order).shape
    r = _map(a, lambda c, lead: c.reshape(c.shape[:lead] + new, order=order))
    return _copy(r) if copy else r


@_implements(np.ravel)
def _ravel(a, order="C"):
    return _reshape(a, (-1,), order=order)


@_implements(np.transpose)
def _transpose(a, axes=None):
    a = _operand(a)
    nd = value_of(a).ndim
    axes = tuple(range(nd))[::-1] if axes is None else tuple(_norm_axis(x, nd) for x in axes)
    if len(axes) != nd or sorted(axes) != list(range(nd)):
        raise ValueError("axes don't match array")
    return _map(a, lambda c, lead: c.transpose(tuple(range(lead)) + _shift(axes, lead)))


@_implements(np.matrix_transpose)
def _matrix_transpose(x):
    return _swapaxes(x, -1, -2)


@_implements(np.swapaxes)
def _swapaxes(a, axis1, axis2):
    a = _operand(a)
    nd = value_of(a).ndim
    a1, a2 = _norm_axis(axis1, nd), _norm_axis(axis2, nd)
    return _map(a, lambda c, lead: c.swapaxes(a1 + lead, a2 + lead))


@_implements(np.moveaxis)
def _moveaxis(a, source, destination):
    a = _operand(a)
    nd = value_of(a).ndim
    src = _norm_axes(source if isinstance(source, (tuple, list)) else (source,), nd)
    dst = _norm_axes(destination if isinstance(destination, (tuple, list)) else (destination,), nd)
    return _map(a, lambda c, lead: np.moveaxis(c, _shift(src, lead), _shift(dst, lead)))


@_implements(np.squeeze)
def _squeeze(a, axis=None):
    a = _operand(a)
    shape = value_of(a).shape
    if axis is None:
        axes = tuple(i for i, n in enumerate(shape) if n == 1)
    else:
        axes = _norm_axes(axis, len(shape))
        if any(shape[i] != 1 for i in axes):
            raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    return _map(a, lambda c, lead: c.reshape(c.shape[:lead] + tuple(
        n for i, n in enumerate(shape) if i not in axes)))


@_implements(np.expand_dims)
def _expand_dims(a, axis):
    a = _operand(a)
    shape = value_of(a).shape
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    nd = len(shape) + len(axes)
    axes = _norm_axes(axes, nd)
    it = iter(shape)
    new = tuple(1 if i in axes else next(it) for i in range(nd))
    return _map(a, lambda c, lead: c.reshape(c.shape[:lead] + new))


def _make_atleast(n):
    def impl(*arys):
        out = []
        for a in arys:
            if not _is_dual(a):
                out.append(np.atleast_1d(a) if n == 1 else np.atleast_2d(a) if n == 2
                           else np.atleast_3d(a))
                continue
            a = _operand(a)
            nd = value_of(a).ndim
            if nd >= n:
                out.append(a)
            elif n == 3 and nd == 2:
                out.append(_expand_dims(a, -1))
            elif n == 3 and nd == 1:
                out.append(_expand_dims(a, (0, -1)))
            else:
                out.append(_reshape(a, (1,) * (n - nd) + value_of(a).shape))
        return out[0] if len(out) == 1 else tuple(out)
    return impl


_IMPL[np.atleast_1d] = _make_atleast(1)
_IMPL[np.atleast_2d] = _make_atleast(2)
_IMPL[np.atleast_3d] = _make_atleast(3)


@_implements(np.broadcast_to)
def _broadcast_to(array, shape, subok=False):
    a = _operand(array)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return _map(a, lambda c, lead: np.broadcast_to(_align(c, lead, len(shape)),
                                                   c.shape[:lead] + shape))


@_implements(np.broadcast_arrays)
def _broadcast_arrays(*args, subok=False):
    shape = np.broadcast_shapes(*[np.shape(value_of(_operand(a))) for a in args])
    return tuple(_broadcast_to(a, shape) if _is_dual(a) else np.broadcast_to(a, shape)
                 for a in args)


@_implements(np.copy)
def _copy(a, order="K", subok=False):
    return _map(_operand(a), lambda c, lead: np.array(c, order="C"))


@_implements(np.diagonal)
def _diagonal(a, offset=0, axis1=0, axis2=1):
    a = _operand(a)
    nd = value_of(a).ndim
    a1, a2 = _norm_axis(axis1, nd), _norm_axis(axis2, nd)
    return _map(a, lambda c, lead: np.diagonal(c, offset, a1 + lead, a2 + lead).copy())


@_implements(np.trace)
def _trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    _check_dtype("trace", dtype)
    a = _operand(a)
    nd = value_of(a).ndim
    a1, a2 = _norm_axis(axis1, nd), _norm_axis(axis2, nd)
    r = _map(a, lambda c, lead: np.trace(c, offset, a1 + lead, a2 + lead))
    return _store(r, out, "trace")


@_implements(np.diag)
def _diag(v, k=0):
    v = _operand(v)
    vv = value_of(v)
    if vv.ndim == 2:
        return _diagonal(v, k)
    if vv.ndim != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n = vv.shape[0] + abs(k)
    i = np.arange(vv.shape[0])
    rows, cols = (i, i + k) if k >= 0 else (i - k, i)

    def fn(c, lead):
        out = np.zeros(c.shape[:lead] + (n, n))
        out[(slice(None),) * lead + (rows, cols)] = c
        return out
    return _map(v, fn)


def _make_tri(fn):
    def impl(m, k=0):
        m = _operand(m)
        shape = value_of(m).shape
        mask = fn(np.ones(shape[-2:], dtype=bool), k)
        return _map(m, lambda c, lead: np.where(mask, c, 0.0))
    return impl


_IMPL[np.tril] = _make_tri(np.tril)
_IMPL[np.triu] = _make_tri(np.triu)


@_implements(np.flip)
def _flip(m, axis=None):
    m = _operand(m)
    axes = _norm_axes(axis, value_of(m).ndim)
    return _map(m, lambda c, lead: np.flip(c, _shift(axes, lead)))


@_implements(np.fliplr)
def _fliplr(m):
    return _flip(m, 1)


@_implements(np.flipud)
def _flipud(m):
    return _flip(m, 0)


@_implements(np.roll)
def _roll(a, shift, axis=None):
    a = _operand(a)
    if axis is None:
        shape = value_of(a).shape
        return _reshape(_roll(_ravel(a), shift, 0), shape)
    axes = _norm_axes(axis, value_of(a).ndim)
    return _map(a, lambda c, lead: np.roll(c, shift, _shift(axes, lead)))


@_implements(np.take)
def _take(a, indices, axis=None, out=None, mode="raise"):
    _no_out("take", out)
    a = _operand(a)
    if axis is None:
        a = _ravel(a)
        axis = 0
    ax = _norm_axis(axis, value_of(a).ndim)
    indices = value_of(indices)
    return _map(a, lambda c, lead: np.take(c, indices, axis=ax + lead, mode=mode))


@_implements(np.take_along_axis)
def _take_along_axis(arr, indices, axis=-1):
    arr = _operand(arr)
    indices = np.asarray(value_of(indices))
    if axis is None:
        arr = _ravel(arr)
        axis = 0
    ax = _norm_axis(axis, value_of(arr).ndim)
    return _map(arr, lambda c, lead: np.take_along_axis(
        c, indices.reshape((1,) * lead + indices.shape), axis=ax + lead))


@_implements(np.repeat)
def _repeat(a, repeats, axis=None):
    a = _operand(a)
    if axis is None:
        a = _ravel(a)
        axis = 0
    ax = _norm_axis(axis, value_of(a).ndim)
    return _map(a, lambda c, lead: np.repeat(c, repeats, axis=ax + lead))


@_implements(np.tile)
def _tile(A, reps):
    A = _operand(A)
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    nd = max(value_of(A).ndim, len(reps))
    reps = (1,) * (nd - len(reps)) + reps
    A = _reshape(A, (1,) * (nd - value_of(A).ndim) + value_of(A).shape)
    return _map(A, lambda c, lead: np.tile(c, (1,) * lead + reps))


def _join(name, arrays, axis, prep):
    """concatenate-like: lift every operand to the common frame, then apply the
    NumPy operation to each component."""
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to {0}".format(name))
    f, comps = _lift_all(arrays)
    comps = [f.fill(c) for c in comps]
    out = []
    for i, lead in enumerate(f.leads()):
        out.append(prep([c[i] for c in comps], lead))
    return f.make(out)


@_implements(np.concatenate)
def _concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    _check_dtype("concatenate", dtype)
    arrays = list(arrays)
    if axis is None:
        arrays = [_ravel(a) if _is_dual(a) else np.ravel(a) for a in arrays]
        axis = 0
    nd = np.ndim(value_of(_operand(arrays[0])))
    ax = _norm_axis(axis, nd) if nd else axis
    if nd == 1 and out is None:
        r = _A.concat_banded([_operand(a) if not isinstance(a, (int, float)) else a
                              for a in arrays])
        if r is not None:
            return r
    r = _join("concatenate", arrays, axis,
              lambda cs, lead: np.concatenate(cs, axis=ax + lead))
    return _store(r, out, "concatenate")


@_implements(np.stack)
def _stack(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    _check_dtype("stack", dtype)
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to stack")
    nd = np.ndim(value_of(_operand(arrays[0]))) + 1
    ax = _norm_axis(axis, nd)
    r = _join("stack", arrays, axis, lambda cs, lead: np.stack(cs, axis=ax + lead))
    return _store(r, out, "stack")


@_implements(np.hstack)
def _hstack(tup, dtype=None, casting="same_kind"):
    arrs = [_IMPL[np.atleast_1d](a) for a in tup]
    if arrs and np.ndim(value_of(_operand(arrs[0]))) == 1:
        return _concatenate(arrs, 0, dtype=dtype)
    return _concatenate(arrs, 1, dtype=dtype)


@_implements(np.vstack, np.row_stack if hasattr(np, "row_stack") else np.vstack)
def _vstack(tup, dtype=None, casting="same_kind"):
    return _concatenate([_IMPL[np.atleast_2d](a) for a in tup], 0, dtype=dtype)


@_implements(np.column_stack)
def _column_stack(tup):
    arrs = []
    for a in tup:
        v = value_of(_operand(a))
        if v.ndim < 2:
            a = _reshape(_operand(a), (-1, 1)) if _is_dual(a) else np.reshape(a, (-1, 1))
        arrs.append(a)
    return _concatenate(arrs, 1)


def _ravel_any(a):
    a = _operand(a)
    return _ravel(a) if type(a) in _DUALS else np.ravel(a)


@_implements(np.append)
def _append(arr, values, axis=None):
    if axis is None:
        return _concatenate([_ravel_any(arr), _ravel_any(values)], 0)
    return _concatenate([arr, values], axis)


def _make_split(fn):
    def impl(ary, indices_or_sections, axis=0):
        ary = _operand(ary)
        v = value_of(ary)
        ax = _norm_axis(axis, v.ndim)
        pieces = fn(np.arange(v.shape[ax]), indices_or_sections)
        out = []
        for p in pieces:
            sl = (slice(None),) * ax + (slice(p[0], p[-1] + 1) if len(p) else slice(0, 0),)
            out.append(ary[sl])
        return out
    return impl


_IMPL[np.split] = _make_split(np.split)
_IMPL[np.array_split] = _make_split(np.array_split)


@_implements(np.where)
def _where(condition, x=None, y=None):
    if x is None and y is None:
        return np.where(value_of(condition))
    if x is None or y is None:
        raise ValueError("either both or neither of x and y should be given")
    cond = np.asarray(value_of(condition), dtype=bool)
    if not (_is_dual(x) or _is_dual(y)):
        # plain branches give a plain result: a constant promoted to a dual array
        # of no perturbation would later meet the real one as a second nesting level
        return np.where(cond, x, y)
    f, (cx, cy) = _lift_all([x, y])
    shape = np.broadcast_shapes(cond.shape, np.shape(cx[0]), np.shape(cy[0]))
    nd = len(shape)
    out = []
    for i, (a, b, lead) in enumerate(zip(cx, cy, f.leads())):
        if i and a is None and b is None:
            out.append(None)
            continue
        a = f.zeros(i, (1,) * nd) if a is None else _align(np.asarray(a), lead, nd)
        b = f.zeros(i, (1,) * nd) if b is None else _align(np.asarray(b), lead, nd)
        out.append(np.where(cond, a, b))
    return f.make(out)


@_implements(np.clip)
def _clip(a, a_min=np._NoValue, a_max=np._NoValue, out=None, *, min=np._NoValue,
          max=np._NoValue, **kwargs):
    """Values outside [a_min, a_max] take the bound (and its derivative); inside,
    and at the bounds themselves, the element keeps its own derivative."""
    lo = a_min if a_min is not np._NoValue else (None if min is np._NoValue else min)
    hi = a_max if a_max is not np._NoValue else (None if max is np._NoValue else max)
    r = _operand(a)
    if not any(_is_dual(o) for o in (r, lo, hi)):
        return _store(np.clip(r, lo, hi), out, "clip")
    if lo is not None:
        r = _where(np.less(value_of(r), value_of(_operand(lo))), lo, r)
    if hi is not None:
        r = _where(np.greater(value_of(r), value_of(_operand(hi))), hi, r)
    if lo is None and hi is None:
        r = _copy(r)
    return _store(r, out, "clip")


@_ufunc_method(np._core.umath.clip, "__call__")
def _clip_ufunc(ufunc, inputs, kwargs):
    """np.clip(plain, lo, dual) reaches the dual bound's __array_ufunc__ as the
    clip ufunc."""
    kwargs = dict(kwargs)
    out = kwargs.pop("out", None)
    return _clip(*inputs, out=out, **kwargs)
