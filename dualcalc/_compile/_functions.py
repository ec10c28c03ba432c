"""NumPy functions on traced arrays, for the recorder (``__array_function__``).

Structural functions run on the values and on the slot ids alike and emit
nothing; reductions emit n-ary sums and chains; anything not listed here is
Unrecordable (compile falls back to the ordinary verbs and says so).
"""
import numpy as np

from dualcalc._compile._tracer import (
    CMP_REPLACES_MAX, CMP_REPLACES_MIN, K, Unrecordable, _is_traced, _make, _tape_of,
    as_traced, binary, compare, guard, logic, select, sum_groups)

FUNCTIONS = {}


def _implements(*funcs):
    def deco(fn):
        for f in funcs:
            FUNCTIONS[f] = fn
        return fn
    return deco


def _has_traced(o):
    if _is_traced(o):
        return True
    if isinstance(o, (list, tuple)):
        return any(_has_traced(e) for e in o)
    return isinstance(o, np.ndarray) and o.dtype == object


def _tr(o, tape):
    return as_traced(o, tape)


def _structural(func, data_args, rebuild):
    tape = _tape_of(data_args)
    ts = [_tr(o, tape) for o in data_args]
    value = rebuild([t._v for t in ts])
    ids = rebuild([t.ids for t in ts])
    if isinstance(value, (list, tuple)):
        return type(value)(_make(np.array(v, dtype=np.float64), np.array(i), tape)
                           for v, i in zip(value, ids))
    return _make(np.array(value, dtype=np.float64), np.array(ids), tape)


def _first_arg(*funcs):
    for func in funcs:
        def impl(a, *args, _func=func, **kwargs):
            return _structural(_func, [a], lambda ops: _func(ops[0], *args, **kwargs))
        FUNCTIONS[func] = impl


_first_arg(np.reshape, np.ravel, np.transpose, np.swapaxes, np.moveaxis, np.squeeze,
           np.expand_dims, np.broadcast_to, np.copy, np.diagonal, np.diag, np.flip,
           np.fliplr, np.flipud, np.roll, np.rot90, np.take, np.repeat, np.tile,
           np.split, np.array_split, np.atleast_1d, np.atleast_2d, np.atleast_3d,
           np.real, np.matrix_transpose, np.diagflat)


def _seq(*funcs):
    for func in funcs:
        def impl(arrays, *args, _func=func, **kwargs):
            arrays = list(arrays)
            return _structural(_func, arrays, lambda ops: _func(ops, *args, **kwargs))
        FUNCTIONS[func] = impl


_seq(np.concatenate, np.stack, np.hstack, np.vstack, np.column_stack, np.dstack)


@_implements(np.append)
def _append(arr, values, axis=None):
    return _structural(np.append, [arr, values], lambda ops: np.append(ops[0], ops[1], axis))


@_implements(np.triu, np.tril)
def _tri(m, k=0):
    raise Unrecordable("np.triu/np.tril (their zeros would need constant slots); "
                       "multiply by np.tri(...) instead")


@_implements(np.pad)
def _pad(array, pad_width, mode="constant", **kwargs):
    if mode != "constant":
        return _structural(np.pad, [array], lambda ops: np.pad(ops[0], pad_width, mode))
    cv = kwargs.get("constant_values", 0)
    tape = _tape_of([array])
    t = _tr(array, tape)
    value = np.pad(t._v, pad_width, mode="constant", constant_values=cv)
    mark = np.pad(np.zeros(t.shape, dtype=bool), pad_width, mode="constant",
                  constant_values=True)
    ids = np.pad(t.ids, pad_width, mode="constant", constant_values=-1)
    n = int(mark.sum())
    if n:
        ids[mark] = tape.emit(K["CONST"], 0, 0, 0, value[mark], n)
    return _make(value, ids, tape)


# ---------------------------------------------------------------- shape queries
@_implements(np.shape)
def _shape(a):
    return a.shape


@_implements(np.ndim)
def _ndim(a):
    return a.ndim


@_implements(np.size)
def _size(a, axis=None):
    return a.size if axis is None else a.shape[axis]


def _filled_like(a, fill, dtype, shape):
    """np.zeros_like & co. of a traced array: a traced array of constants (as
    the dual arrays give a dual array of zeros), so that f can write traced
    values into it; a dtype other than float gives the plain array."""
    shape = a.shape if shape is None else shape
    if dtype is not None and np.dtype(dtype).kind != "f":
        return np.full(shape, fill, dtype=dtype)
    return as_traced(np.full(shape, fill, dtype=np.float64), a.tape)


FUNCTIONS[np.zeros_like] = lambda a, dtype=None, order="K", subok=True, shape=None, **k: \
    _filled_like(a, 0.0, dtype, shape)
FUNCTIONS[np.empty_like] = FUNCTIONS[np.zeros_like]
FUNCTIONS[np.ones_like] = lambda a, dtype=None, order="K", subok=True, shape=None, **k: \
    _filled_like(a, 1.0, dtype, shape)
FUNCTIONS[np.full_like] = lambda a, fill_value, dtype=None, order="K", subok=True, \
    shape=None, **k: _filled_like(a, fill_value, dtype, shape)


@_implements(np.iscomplexobj)
def _iscomplexobj(x):
    return False


@_implements(np.isrealobj)
def _isrealobj(x):
    return True


@_implements(np.result_type)
def _result_type(*a):
    return np.dtype(np.float64)


# ---------------------------------------------------------------- reductions
def _axes(axis, nd):
    if axis is None:
        return tuple(range(nd))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    return tuple(sorted(a % nd if nd else 0 for a in axis))


def _grouped(t, axis):
    """(ids (m, L), vals (m, L), out_shape) with the reduced axes last."""
    axes = _axes(axis, t.ndim)
    keep = [a for a in range(t.ndim) if a not in axes]
    perm = keep + list(axes)
    ids = np.transpose(t.ids, perm)
    vals = np.transpose(t._v, perm)
    out_shape = tuple(t.shape[a] for a in keep)
    L = int(np.prod([t.shape[a] for a in axes], dtype=np.int64))
    m = int(np.prod(out_shape, dtype=np.int64))
    return ids.reshape(m, L), vals.reshape(m, L), out_shape, axes


def _keepdims(r, t, axes, keepdims):
    if not keepdims:
        return r
    shape = tuple(1 if a in axes else s for a, s in enumerate(t.shape))
    return r.reshape(shape)


def _check_plain_kwargs(name, dtype=None, out=None, where=True, initial=np._NoValue):
    if out is not None:
        raise Unrecordable(f"np.{name}(out=...)")
    if where is not True and where is not np._NoValue:
        raise Unrecordable(f"np.{name}(where=...)")
    if dtype is not None and np.dtype(dtype).kind != "f":
        raise Unrecordable(f"np.{name}(dtype={dtype})")
    if initial is not np._NoValue:
        raise Unrecordable(f"np.{name}(initial=...)")


@_implements(np.sum)
def _sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=np._NoValue,
         where=True):
    _check_plain_kwargs("sum", dtype, out, where, initial)
    tape = _tape_of([a])
    t = _tr(a, tape)
    ids2, vals2, shape, axes = _grouped(t, axis)
    ids, val = sum_groups(tape, ids2, vals2)
    return _keepdims(_make(val.reshape(shape), ids.reshape(shape), tape), t, axes, keepdims)


@_implements(np.mean)
def _mean(a, axis=None, dtype=None, out=None, keepdims=False, where=True):
    _check_plain_kwargs("mean", dtype, out, where)
    t = _tr(a, _tape_of([a]))
    L = int(np.prod([t.shape[ax] for ax in _axes(axis, t.ndim)], dtype=np.int64))
    return _sum(t, axis=axis, keepdims=keepdims) / float(L)


@_implements(np.average)
def _average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    if weights is None and not returned:
        return _mean(a, axis=axis, keepdims=keepdims)
    raise Unrecordable("np.average with weights or returned=True")


@_implements(np.var)
def _var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=True, **kw):
    _check_plain_kwargs("var", dtype, out, where)
    t = _tr(a, _tape_of([a]))
    L = int(np.prod([t.shape[ax] for ax in _axes(axis, t.ndim)], dtype=np.int64))
    d = t - _mean(t, axis=axis, keepdims=True)
    return _sum(d * d, axis=axis, keepdims=keepdims) / float(max(L - ddof, 0))


@_implements(np.std)
def _std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=True, **kw):
    return np.sqrt(_var(a, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims,
                        where=where))


_PICKS = {"max": CMP_REPLACES_MAX, "min": CMP_REPLACES_MIN}


def _chain(t, axis, name, keepdims=False, accumulate=False):
    """A left-to-right chain of a binary operation along axis (prod, max, ...)."""
    if not isinstance(axis, (int, np.integer)) and axis is not None:
        r = t
        for ax in sorted(_axes(axis, t.ndim), reverse=True):
            r = _chain(r, ax, name, keepdims=keepdims)
        return r
    if axis is None:
        t = t.reshape(-1)
        axis = 0
    m = np.moveaxis(t._v, axis, 0), np.moveaxis(t.ids, axis, 0)
    if m[0].shape[0] == 0:
        raise Unrecordable(f"a {name} over an empty axis")
    acc = _make(m[0][0], m[1][0], t.tape)
    parts = [acc]
    for i in range(1, m[0].shape[0]):
        nxt = _make(m[0][i], m[1][i], t.tape)
        if name in _PICKS:
            # max / min as the dual arrays take them: the element that argmax /
            # argmin picks carries its own derivative (the first of ties, the
            # first nan), chosen per replay
            acc = select(compare(_PICKS[name], nxt, acc), nxt, acc)
        else:
            acc = binary(name, acc, nxt)
        parts.append(acc)
    if accumulate:
        return _structural(np.stack, parts, lambda ops: np.moveaxis(np.stack(ops), 0, axis))
    if keepdims:
        acc = _make(np.expand_dims(acc._v, axis), np.expand_dims(acc.ids, axis), t.tape)
    return acc


@_implements(np.prod)
def _prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=np._NoValue,
          where=True):
    _check_plain_kwargs("prod", dtype, out, where, initial)
    return _chain(_tr(a, _tape_of([a])), axis, "multiply", keepdims)


@_implements(np.max, np.amax)
def _max(a, axis=None, out=None, keepdims=False, initial=np._NoValue, where=True):
    _check_plain_kwargs("max", None, out, where, initial)
    return _chain(_tr(a, _tape_of([a])), axis, "max", keepdims)


@_implements(np.min, np.amin)
def _min(a, axis=None, out=None, keepdims=False, initial=np._NoValue, where=True):
    _check_plain_kwargs("min", None, out, where, initial)
    return _chain(_tr(a, _tape_of([a])), axis, "min", keepdims)


@_implements(np.cumsum)
def _cumsum(a, axis=None, dtype=None, out=None):
    _check_plain_kwargs("cumsum", dtype, out)
    return _chain(_tr(a, _tape_of([a])), axis, "add", accumulate=True)


@_implements(np.cumprod)
def _cumprod(a, axis=None, dtype=None, out=None):
    _check_plain_kwargs("cumprod", dtype, out)
    return _chain(_tr(a, _tape_of([a])), axis, "multiply", accumulate=True)


@_implements(np.any)
def _any(a, axis=None, out=None, keepdims=False, **kw):
    t = _tr(a, _tape_of([a]))
    if axis is not None or keepdims:
        raise Unrecordable("np.any(axis=...) of traced values")
    acc = t.reshape(-1)[0] != 0
    for i in range(1, t.size):
        acc = logic(2, acc, t.reshape(-1)[i] != 0)
    return acc


@_implements(np.all)
def _all(a, axis=None, out=None, keepdims=False, **kw):
    t = _tr(a, _tape_of([a]))
    if axis is not None or keepdims:
        raise Unrecordable("np.all(axis=...) of traced values")
    acc = t.reshape(-1)[0] != 0
    for i in range(1, t.size):
        acc = logic(1, acc, t.reshape(-1)[i] != 0)
    return acc


def ufunc_method(ufunc, method, a, axis=0, dtype=None, out=None, keepdims=False, **kw):
    _check_plain_kwargs(f"{ufunc.__name__}.{method}", dtype, out)
    if kw:
        raise Unrecordable(f"np.{ufunc.__name__}.{method}({', '.join(kw)}=...)")
    t = _tr(a, _tape_of([a]))
    if method == "reduce":
        if ufunc is np.add:
            return _sum(t, axis=axis, keepdims=keepdims)
        names = {np.multiply: "multiply", np.maximum: "max", np.minimum: "min"}
        if ufunc in names:
            return _chain(t, axis, names[ufunc], keepdims)
        if ufunc is np.logical_or and axis is None:
            return _any(t)
        if ufunc is np.logical_and and axis is None:
            return _all(t)
    elif ufunc in (np.add, np.multiply):
        return _chain(t, axis, "add" if ufunc is np.add else "multiply", accumulate=True)
    raise Unrecordable(f"np.{ufunc.__name__}.{method}")


# ---------------------------------------------------------------- products
def _const(o):
    if _has_traced(o):
        return None
    return np.asarray(o, dtype=np.float64)


def _lin(t, C, left):
    """t @ C (left=False) or C @ t (left=True) for a constant matrix C, as K_LIN."""
    tape = t.tape
    tv, ti = t._v, t.ids
    if left:                                   # C @ t == (t^T @ C^T)^T
        r = _lin(_make(np.swapaxes(tv, -1, -2) if tv.ndim > 1 else tv,
                       np.swapaxes(ti, -1, -2) if ti.ndim > 1 else ti, tape),
                 np.swapaxes(C, -1, -2) if C.ndim > 1 else C, False)
        return r.T if r.ndim > 1 else r
    if tv.ndim > 2 or C.ndim > 2:
        raise Unrecordable("a matrix product of arrays with more than two dimensions")
    if C.ndim == 1:
        Cm = C[:, None]
    else:
        Cm = C
    if tv.shape[-1] != Cm.shape[0]:
        raise ValueError(f"matmul: shapes {tv.shape} and {C.shape} do not align")
    rows_v = tv.reshape(-1, tv.shape[-1])
    rows_i = ti.reshape(-1, ti.shape[-1])
    m, L = rows_v.shape
    p = Cm.shape[1]
    ids2 = np.repeat(rows_i, p, axis=0)                       # (m*p, L)
    vals2 = np.repeat(rows_v, p, axis=0)
    coefs = np.tile(Cm.T, (m, 1))                             # (m*p, L)
    ids, val = sum_groups(tape, ids2, vals2, coefs)
    shape = tv.shape[:-1] + ((p,) if C.ndim > 1 else ())
    return _make(val.reshape(shape), ids.reshape(shape), tape)


@_implements(np.matmul)
def _matmul(a, b, out=None, **kw):
    if out is not None or kw:
        raise Unrecordable("np.matmul(out=...)")
    Ca, Cb = _const(a), _const(b)
    tape = _tape_of([a, b])
    if Cb is not None:
        return _lin(_tr(a, tape), Cb, False)
    if Ca is not None:
        return _lin(_tr(b, tape), Ca, True)
    ta, tb = _tr(a, tape), _tr(b, tape)
    if ta.ndim > 2 or tb.ndim > 2:
        raise Unrecordable("a matrix product of arrays with more than two dimensions")
    A = ta if ta.ndim == 2 else ta.reshape(1, -1)
    B = tb if tb.ndim == 2 else tb.reshape(-1, 1)
    prod = A.reshape(A.shape[0], A.shape[1], 1) * B.reshape(1, B.shape[0], B.shape[1])
    r = _sum(prod, axis=1)
    if ta.ndim == 1:
        r = r.reshape(r.shape[1:])
    if tb.ndim == 1:
        r = r.reshape(r.shape[:-1])
    return r


@_implements(np.dot)
def _dot(a, b, out=None):
    if np.ndim(a._v if _is_traced(a) else a) == 0 or \
            np.ndim(b._v if _is_traced(b) else b) == 0:
        return a * b
    return _matmul(a, b, out=out)


@_implements(np.inner)
def _inner(a, b):
    return _matmul(a, b) if np.ndim(b._v if _is_traced(b) else b) == 1 else \
        _matmul(a, np.swapaxes(b, -1, -2) if not _is_traced(b) else b.T)


@_implements(np.vdot)
def _vdot(a, b):
    return _matmul(np.ravel(a), np.ravel(b))


@_implements(np.outer)
def _outer(a, b, out=None):
    tape = _tape_of([a, b])
    ta, tb = _tr(np.ravel(a) if not _is_traced(a) else a.ravel(), tape), \
        _tr(np.ravel(b) if not _is_traced(b) else b.ravel(), tape)
    return ta.reshape(-1, 1) * tb.reshape(1, -1)


@_implements(np.trace)
def _trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return _sum(np.diagonal(a, offset, axis1, axis2), axis=-1)


@_implements(np.linalg.norm)
def _norm(x, ord=None, axis=None, keepdims=False):
    if ord not in (None, 2, "fro") or (ord == 2 and (axis is None and np.ndim(x._v) > 1)):
        raise Unrecordable(f"np.linalg.norm(ord={ord!r})")
    return np.sqrt(_sum(x * x, axis=axis, keepdims=keepdims))


@_implements(np.diff)
def _diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    tape = _tape_of([a, prepend, append])
    t = _tr(a, tape)
    parts = []
    if prepend is not np._NoValue:
        parts.append(prepend)
    parts.append(t)
    if append is not np._NoValue:
        parts.append(append)
    if len(parts) > 1:
        t = _structural(np.concatenate, parts, lambda ops: np.concatenate(
            [np.broadcast_to(o, t.shape[:axis % t.ndim] + (np.shape(o)[axis] if np.ndim(o) else 1,)
                             + t.shape[axis % t.ndim + 1:]) for o in ops], axis=axis))
    for _ in range(n):
        sl1 = [slice(None)] * t.ndim
        sl0 = [slice(None)] * t.ndim
        sl1[axis] = slice(1, None)
        sl0[axis] = slice(None, -1)
        t = t[tuple(sl1)] - t[tuple(sl0)]
    return t


# ---------------------------------------------------------------- selections
@_implements(np.where)
def _where(condition, x=None, y=None):
    if x is None and y is None:
        raise Unrecordable("np.where(condition) (indices that depend on values)")
    if _is_traced(condition):
        return select(condition, x, y)
    cond = np.asarray(condition, dtype=bool)
    tape = _tape_of([x, y])
    tx, ty = _tr(x, tape), _tr(y, tape)
    shape = np.broadcast_shapes(cond.shape, tx.shape, ty.shape)
    c = np.broadcast_to(cond, shape)
    val = np.where(c, np.broadcast_to(tx._v, shape), np.broadcast_to(ty._v, shape))
    ids = np.where(c, np.broadcast_to(tx.ids, shape), np.broadcast_to(ty.ids, shape))
    return _make(val, ids, tape)


@_implements(np.clip)
def _clip(a, a_min=None, a_max=None, out=None, **kwargs):
    if out is not None:
        raise Unrecordable("np.clip(out=...)")
    a_min = kwargs.pop("min", a_min)
    a_max = kwargs.pop("max", a_max)
    # as the dual arrays clip: values below a_min (above a_max) take the bound
    # and its derivative; inside and at the bounds the element keeps its own
    tape = _tape_of([a, a_min, a_max])
    r = _tr(a, tape)
    if a_min is not None:
        r = select(compare(0, r, a_min), a_min, r)
    if a_max is not None:
        r = select(compare(2, r, a_max), a_max, r)
    return r


def _orders(t, axis):
    if axis != -1 and axis != t.ndim - 1 or t.ndim != 1:
        raise Unrecordable("sort/argsort/argmax/argmin of traced values other than 1-D")
    if np.isnan(t._v).any():
        raise Unrecordable("sort/argsort/argmax/argmin of traced values with a nan")


def _guard_order(t, perm):
    """Guard the order relation of t's elements that NumPy's sort saw: each
    neighbour in sorted order is smaller (<) or equal (==).  That fixes every
    comparison a sort makes, so a replay whose guards hold would get the same
    permutation from the same algorithm (ties included, whatever the kind)."""
    v, ids = t._v, t.ids
    for i in range(len(perm) - 1):
        p, q = perm[i], perm[i + 1]
        a = _make(v[p], ids[p], t.tape)
        b = _make(v[q], ids[q], t.tape)
        guard(compare(0 if v[p] < v[q] else 4, a, b), 0, True)


def _argsort_perm(t, axis, kind, stable):
    _orders(t, axis)
    perm = np.argsort(t._v, kind=kind, stable=stable)     # as the dual arrays sort
    _guard_order(t, perm)
    return perm


@_implements(np.argsort)
def _argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    if order is not None:
        raise Unrecordable("np.argsort(order=...)")
    t = _tr(a, _tape_of([a]))
    if axis is None:
        t, axis = t.reshape(-1), -1
    return _argsort_perm(t, axis, kind, stable)


@_implements(np.sort)
def _sort(a, axis=-1, kind=None, order=None, *, stable=None):
    if order is not None:
        raise Unrecordable("np.sort(order=...)")
    t = _tr(a, _tape_of([a]))
    if axis is None:
        t, axis = t.reshape(-1), -1
    perm = _argsort_perm(t, axis, kind, stable)
    return _make(t._v[perm], t.ids[perm], t.tape)


def _arg_extreme(a, axis, gt):
    t = _tr(a, _tape_of([a]))
    if axis is not None:
        _orders(t, axis)
    t = t.reshape(-1)
    if np.isnan(t._v).any():
        raise Unrecordable("argmax/argmin of traced values with a nan")
    i = int(np.argmax(t._v) if gt else np.argmin(t._v))
    best = t[i]
    for j in range(t.size):
        if j != i:
            # earlier elements strictly worse, later ones not better
            code = (2 if j < i else 3) if gt else (0 if j < i else 1)
            guard(compare(code, best, t[j]), 0, True)
    return i


@_implements(np.argmax)
def _argmax(a, axis=None, out=None, **kw):
    return _arg_extreme(a, axis, True)


@_implements(np.argmin)
def _argmin(a, axis=None, out=None, **kw):
    return _arg_extreme(a, axis, False)


@_implements(np.round, np.around)
def _round(a, decimals=0, out=None):
    if decimals != 0:
        raise Unrecordable("np.round(decimals != 0) of traced values")
    return np.rint(a)


@_implements(np.isclose, np.allclose, np.array_equal)
def _isclose(*a, **k):
    raise Unrecordable("np.isclose/allclose/array_equal of traced values (use a comparison)")


@_implements(np.einsum)
def _einsum(*operands, out=None, optimize=False, **kwargs):
    """np.einsum("ij,j->i", ...) as the broadcast product of the operands (each
    transposed to the order in which the indices first appear) summed over
    the indices that are not in the output."""
    if out is not None or kwargs:
        names = ["out"] * (out is not None) + list(kwargs)
        raise Unrecordable(f"np.einsum({', '.join(names)}=...)")
    if not operands or not isinstance(operands[0], str):
        raise Unrecordable("np.einsum in its operand-list form")
    subs, ops = operands[0].replace(" ", ""), operands[1:]
    if "..." in subs:
        raise Unrecordable("np.einsum with an ellipsis")
    if "->" in subs:
        ins, out_s = subs.split("->")
    else:
        ins = subs
        counts = {c: ins.count(c) for c in ins if c != ","}
        out_s = "".join(sorted(c for c, k in counts.items() if k == 1))
    terms = ins.split(",")
    if len(terms) != len(ops):
        raise ValueError("np.einsum: more operands than subscripts, or fewer")
    dims = {}
    for term, op in zip(terms, ops):
        shape = np.shape(op._v if _is_traced(op) else op)
        if len(term) != len(shape):
            raise ValueError(f"np.einsum: subscripts {term!r} for an operand of shape {shape}")
        if len(set(term)) != len(term):
            raise Unrecordable("np.einsum with an index repeated in one operand (a diagonal)")
        for c, n in zip(term, shape):
            if dims.setdefault(c, n) != n:
                raise ValueError(f"np.einsum: index {c!r} has sizes {dims[c]} and {n}")
    if any(c not in dims for c in out_s) or len(set(out_s)) != len(out_s):
        raise ValueError(f"np.einsum: bad output subscripts {out_s!r}")
    full = list(dict.fromkeys(c for c in ins if c != ","))
    traced, const = None, None
    for term, op in zip(terms, ops):
        perm = sorted(range(len(term)), key=lambda i: full.index(term[i]))
        shape = tuple(dims[c] if c in term else 1 for c in full)
        t = np.reshape(np.transpose(op, perm) if len(term) > 1 else op, shape)
        if _is_traced(op) or _has_traced(op):
            traced = t if traced is None else traced * t
        else:
            t = np.asarray(t, dtype=np.float64)
            const = t if const is None else const * t
    r = traced if const is None else traced * const
    summed = tuple(i for i, c in enumerate(full) if c not in out_s)
    if summed:
        r = _sum(r, axis=summed)
    kept = [c for c in full if c in out_s]
    if len(out_s) > 1 and kept != list(out_s):
        r = np.transpose(r, [kept.index(c) for c in out_s])
    return r
