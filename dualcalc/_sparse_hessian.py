"""Sparse second-order forward mode: exact sparse Hessians in one traced pass.

Design: forward-over-forward with compressed seeds cannot give a sparse
Hessian in O(1) passes: a HyperDual pass seeded with the colors on both sides
yields only ``S.T @ H @ S`` (c x c numbers), and ``H @ S`` needs the n unit
directions on one side (``hvp`` per color: O(n) tangents per element once the
code mixes elements, as ``np.roll`` does).  So ``sparse_hessian`` first tries
this mode: every array element carries its value, its gradient as a short
sparse row and its own Hessian as a short sparse row of (i, j) pairs, so the
work is proportional to the nonzeros that actually occur.  The chain rules

* y = g(a):     G_y = g' G_a,  H_y = g' H_a + g'' G_a G_a^T
* y = g(a, b):  G_y = g_a G_a + g_b G_b,  H_y = g_a H_a + g_b H_b
  + g_aa G_a G_a^T + g_ab (G_a G_b^T + G_b G_a^T) + g_bb G_b G_b^T

take (g', g'') and the partials from dualcalc's own rule table by evaluating
the ufunc once on a HyperDualArray at the values (nothing here knows any
calculus; + - * / by constants and products use their partials directly).

Storage (the layers of this file, bottom up):

* padded rows ("ELLPACK"): an array of ``size`` elements keeps, per element,
  ``w`` (index, value) slots in two (size, w) arrays; padding is index 0,
  value 0.  A row may hold an index more than once (the sum counts), so a
  sum of operands is a concatenation of their slots and no op sorts; rows are
  compacted (sorted, repeats summed, exact zeros dropped) only when an op has
  doubled the width since the last compaction, which bounds the work at twice
  the compact size.  Structure ops (reshape, roll, indexing, concatenate ...)
  select rows with the same NumPy function run on an index array; reductions
  put the rows of a group side by side.
* Hessian rows hold the upper triangle: the key ``i * n + j`` with i <= j and
  the value of H_ij (i < j) or H_ii, so each symmetric outer product is
  written once, and the final Hessian is mirrored from one summed triangle:
  exactly symmetric.
* ``SecondOrderArray`` and the ufunc / array-function rules on top; what is
  not implemented raises ``_Unsupported`` and ``sparse_hessian`` falls back
  to one Hessian-vector product per color.
"""
import numbers

import numpy as np

from dualcalc.arrays import HyperDualArray
from dualcalc import sparsity as _T


class _Unsupported(TypeError):
    pass


def _sp():
    return _T._sp()


_MAX_SLOTS = 1 << 23          # entries of one outer product before giving up on this mode


# ---------------------------------------------------------------- padded rows
class _Rows:
    """``size`` sparse rows as (size, w) index and value arrays; ``cw`` is the
    width after the last compaction (compact again once w > 2 cw)."""

    __slots__ = ("idx", "val", "cw", "compact")

    def __init__(self, idx, val, cw=None, compact=False):
        self.idx, self.val = idx, val
        self.cw = idx.shape[1] if cw is None else cw
        self.compact = compact

    @property
    def size(self):
        return self.idx.shape[0]

    @property
    def width(self):
        return self.idx.shape[1]

    @staticmethod
    def empty(size):
        return _Rows(np.zeros((size, 0), np.int64), np.zeros((size, 0)), 0, True)

    def take(self, sel):
        """Rows sel (flat int array; -1 is an empty row)."""
        sel = np.asarray(sel, np.int64).ravel()
        if sel.size == self.size and np.array_equal(sel, np.arange(sel.size)):
            return self
        if self.width == 0:
            return _Rows.empty(sel.size)
        idx, val = self.idx, self.val
        if sel.size and sel.min() < 0:
            idx = np.concatenate([idx, np.zeros((1, self.width), np.int64)])
            val = np.concatenate([val, np.zeros((1, self.width))])
        return _Rows(idx[sel], val[sel], self.cw, self.compact)

    def scaled(self, c):
        """diag(c) @ rows; a zero slot stays zero even where c is inf or nan."""
        if self.width == 0:
            return self
        c = np.asarray(c, dtype=float).reshape(-1, 1)
        v = self.val * c
        if not np.isfinite(c).all():
            v[self.val == 0] = 0.0
        return _Rows(self.idx, v, self.cw, self.compact)


def _cat(parts, size):
    """Sum of row sets: their slots side by side (compacted if that doubled
    the width)."""
    parts = [p for p in parts if p is not None and p.width]
    if not parts:
        return _Rows.empty(size)
    if len(parts) == 1:
        return parts[0]
    out = _Rows(np.concatenate([p.idx for p in parts], axis=1),
                np.concatenate([p.val for p in parts], axis=1), max(p.cw for p in parts))
    return _maybe_compact(out)


def _maybe_compact(r):
    return _compact(r) if r.width > max(4, 2 * r.cw) else r


def _compact(r):
    """Each row sorted by index, repeats summed, exact zeros dropped, and the
    width cut to the longest row."""
    s, w = r.idx.shape
    if w == 0 or s == 0:
        return _Rows(r.idx, r.val, w, True)
    order = np.argsort(r.idx, axis=1, kind="stable")
    si = np.take_along_axis(r.idx, order, 1).ravel()
    sv = np.take_along_axis(r.val, order, 1).ravel()
    new = np.ones(si.size, bool)
    new[1:] = si[1:] != si[:-1]
    new[::w] = True                                   # runs never cross rows
    starts = np.flatnonzero(new)
    sums = np.add.reduceat(sv, starts)
    keep = sums != 0
    starts, sums = starts[keep], sums[keep]
    keys = si[starts]
    rows = starts // w
    counts = np.bincount(rows, minlength=s)
    W = int(counts.max()) if counts.size else 0
    pos = np.arange(rows.size) - np.repeat(np.cumsum(counts) - counts, counts)
    idx = np.zeros((s, W), np.int64)
    val = np.zeros((s, W))
    idx[rows, pos] = keys
    val[rows, pos] = sums
    return _Rows(idx, val, W, True)


def _outer(A, B, c, n):
    """Upper-triangle rows of c (a b^T + b a^T) per element (a, b: the rows
    of A and B), or of c a a^T when B is None."""
    if A.width == 0 or (B is not None and B.width == 0):
        return None
    c = np.asarray(c, dtype=float).ravel()
    if not np.any(c):
        return None
    A = A if A.compact or A.width <= 2 else _compact(A)     # a product of w slots: w^2
    B = B if B is None or B.compact or B.width <= 2 else _compact(B)
    s = A.size
    pairs = A.width * (A.width + 1) // 2 if B is None else A.width * B.width
    if s * pairs > _MAX_SLOTS:
        # dense element Hessians (e.g. a function of sum(x)): this mode would
        # hold them whole; the colored products need only O(n) per pass
        raise _Unsupported(f"element Hessians of {pairs} entries each")
    if B is None:
        # pairs p <= q of A's slots: c a_p a_q (E_ij + E_ji) for p < q, c a_p^2 E_ii
        p, q = np.triu_indices(A.width)
        i, j = A.idx[:, p], A.idx[:, q]
        va, vb = A.val[:, p], A.val[:, q]
        v = va * vb
        v *= np.where(p == q, 1.0, np.where(i == j, 2.0, 1.0))
    else:
        i = np.repeat(A.idx, B.width, axis=1)
        j = np.tile(B.idx, (1, A.width))
        va, vb = np.repeat(A.val, B.width, axis=1), np.tile(B.val, (1, A.width))
        v = va * vb
        v *= np.where(i == j, 2.0, 1.0)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    v *= c.reshape(s, 1)
    if not np.isfinite(c).all():
        v[(va == 0) | (vb == 0)] = 0.0       # zero slots times inf/nan coefficients
    return _Rows(lo * n + hi, v)


# ---------------------------------------------------------------- the traced array
class SecondOrderArray:
    """Values with sparse gradients and sparse (upper-triangle) per-element
    Hessians."""

    __array_priority__ = 1000

    def __init__(self, value, G, Hm, n):
        self.value = np.asarray(value, dtype=float)
        self.G = G
        self.Hm = Hm
        self.n = n

    @classmethod
    def seed(cls, x):
        n = x.size
        G = _Rows(np.arange(n, dtype=np.int64).reshape(n, 1), np.ones((n, 1)), 1, True)
        return cls(np.array(x, dtype=float), G, _Rows.empty(n), n)

    shape = property(lambda self: self.value.shape)
    ndim = property(lambda self: self.value.ndim)
    size = property(lambda self: self.value.size)
    dtype = property(lambda self: self.value.dtype)
    T = property(lambda self: np.transpose(self))

    def __len__(self):
        return len(self.value)

    def __iter__(self):
        for i in range(len(self.value)):
            yield self[i]

    def __bool__(self):
        return bool(self.value)

    def _refuse(self, *a, **k):
        raise _Unsupported("conversion of a traced array")

    __float__ = __int__ = __index__ = __array__ = tolist = _refuse

    def _new(self, value, G, Hm):
        return SecondOrderArray(value, G, Hm, self.n)

    def _rows_for(self, shape):
        if self.shape == tuple(shape):
            return self.G, self.Hm
        sel = np.broadcast_to(np.arange(self.size).reshape(self.shape), shape)
        return self.G.take(sel), self.Hm.take(sel)

    def __getitem__(self, key):
        parts = key if isinstance(key, tuple) else (key,)
        if any(isinstance(p, SecondOrderArray) for p in parts):
            raise _Unsupported("traced index")
        sel = np.arange(self.size).reshape(self.shape)[key]
        return self._new(self.value[key], self.G.take(sel), self.Hm.take(sel))

    def __setitem__(self, key, v):
        value = self.value.copy()
        value[key] = v.value if _isT(v) else v
        idx = np.arange(1, self.size + 1).reshape(self.shape)
        if _isT(v):
            idx[key] = np.arange(self.size + 1, self.size + 1 + v.size).reshape(v.shape)
            r = _struct_rows([self, v], idx)
        else:
            idx[key] = 0
            r = _struct_rows([self], idx)
        self.value, (self.G, self.Hm) = value, r

    def reshape(self, *shape, order="C"):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return np.reshape(self, shape)

    def ravel(self):
        return np.ravel(self)

    def sum(self, *a, **k):
        return np.sum(self, *a, **k)

    def copy(self):
        return self._new(self.value.copy(), self.G, self.Hm)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs:
            if method == "reduce" and ufunc is np.add and "out" not in kwargs:
                return _sum(inputs[0], axis=kwargs.get("axis", 0),
                            keepdims=kwargs.get("keepdims", False))
            raise _Unsupported(f"np.{ufunc.__name__}.{method}")
        if ufunc is np.matmul:
            return _matmul(*inputs)
        return _ufunc(ufunc, inputs)

    def __array_function__(self, func, types, args, kwargs):
        impl = _FUNCS.get(func)
        if impl is None:
            raise _Unsupported(getattr(func, "__name__", str(func)))
        return impl(*args, **kwargs)

    def _binop(u):
        return (lambda self, o: u(self, o)), (lambda self, o: u(o, self))

    __add__, __radd__ = _binop(np.add)
    __sub__, __rsub__ = _binop(np.subtract)
    __mul__, __rmul__ = _binop(np.multiply)
    __truediv__, __rtruediv__ = _binop(np.true_divide)
    __pow__, __rpow__ = _binop(np.power)
    __matmul__, __rmatmul__ = _binop(np.matmul)
    del _binop

    def __neg__(self):
        return np.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return np.absolute(self)

    def __lt__(self, o):
        return np.less(self, o)

    def __le__(self, o):
        return np.less_equal(self, o)

    def __gt__(self, o):
        return np.greater(self, o)

    def __ge__(self, o):
        return np.greater_equal(self, o)


def _isT(o):
    return type(o) is SecondOrderArray


def _val(o):
    return o.value if _isT(o) else o


# ---------------------------------------------------------------- ufuncs
_VALUE_ONLY = {np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,
               np.isnan, np.isinf, np.isfinite, np.signbit, np.logical_and, np.logical_or,
               np.logical_not}


def _hd(v, k, d):
    """A HyperDualArray at values v whose direction d of k is the unit one
    (in eps1 and eps2): its ufunc results carry first and second partials."""
    e = np.zeros((k,) + v.shape)
    e[d] = 1.0
    return HyperDualArray(v, e, e.copy(), np.zeros((k, k) + v.shape))


def _flat(v, shape):
    return np.broadcast_to(np.asarray(v, dtype=float), shape).ravel()


def _ufunc(ufunc, inputs):
    for o in inputs:
        if not _isT(o) and not isinstance(o, (numbers.Number, np.ndarray, np.generic)):
            raise _Unsupported(f"np.{ufunc.__name__} of {type(o).__name__}")
    vals = [_val(o) for o in inputs]
    if ufunc in _VALUE_ONLY:
        return ufunc(*vals)
    traced = [i for i, o in enumerate(inputs) if _isT(o)]
    n = inputs[traced[0]].n
    shape = np.broadcast_shapes(*[np.shape(v) for v in vals])
    fast = _arithmetic(ufunc, inputs, vals, traced, shape, n)
    if fast is not None:
        return fast
    k = len(traced)
    args = []
    for i, v in enumerate(vals):
        v = np.array(np.broadcast_to(np.asarray(v, dtype=float), shape))
        args.append(_hd(v, k, traced.index(i)) if i in traced else v)
    with np.errstate(all="ignore"):
        r = ufunc(*args)
    if not isinstance(r, HyperDualArray):
        raise _Unsupported(f"np.{ufunc.__name__}")
    value = np.asarray(r.value, dtype=float)
    e1, e12 = np.asarray(r.eps1), np.asarray(r.eps1eps2)
    size = value.size
    rows = [inputs[i]._rows_for(shape) for i in traced]
    G = _cat([rows[a][0].scaled(e1[a].ravel()) for a in range(k)], size)
    H = [rows[a][1].scaled(e1[a].ravel()) for a in range(k)]
    for a in range(k):
        H.append(_outer(rows[a][0], None, e12[a, a].ravel(), n))
        for b in range(a + 1, k):
            H.append(_outer(rows[a][0], rows[b][0], e12[a, b].ravel(), n))
    return SecondOrderArray(value, G, _cat(H, size), n)


def _arithmetic(ufunc, inputs, vals, traced, shape, n):
    """+, -, * and / by a constant without the HyperDual evaluation (their
    partials are the operands themselves); None for anything else."""
    if ufunc not in (np.add, np.subtract, np.multiply, np.negative, np.true_divide):
        return None
    if ufunc is np.true_divide and traced != [0]:
        return None
    with np.errstate(all="ignore"):
        value = np.asarray(ufunc(*vals), dtype=float)
    size = value.size
    if ufunc is np.negative:
        G, H = inputs[0]._rows_for(shape)
        return SecondOrderArray(value, G.scaled(-np.ones(size)), H.scaled(-np.ones(size)), n)
    rows = {i: inputs[i]._rows_for(shape) for i in traced}
    if ufunc in (np.add, np.subtract):
        Gs, Hs = [], []
        for i in traced:
            G, H = rows[i]
            if ufunc is np.subtract and i == 1:
                G, H = G.scaled(-np.ones(size)), H.scaled(-np.ones(size))
            Gs.append(G)
            Hs.append(H)
        return SecondOrderArray(value, _cat(Gs, size), _cat(Hs, size), n)
    if ufunc is np.true_divide:
        with np.errstate(all="ignore"):
            c = 1.0 / _flat(vals[1], shape)
        G, H = rows[0]
        return SecondOrderArray(value, G.scaled(c), H.scaled(c), n)
    other = [_flat(v, shape) for v in vals]
    if len(traced) == 1:
        i = traced[0]
        G, H = rows[i]
        c = other[1 - i]
        return SecondOrderArray(value, G.scaled(c), H.scaled(c), n)
    (Ga, Ha), (Gb, Hb) = rows[0], rows[1]
    a, b = other
    if inputs[0] is inputs[1]:                       # a * a
        return SecondOrderArray(value, Ga.scaled(2 * a),
                                _cat([Ha.scaled(2 * a), _outer(Ga, None, np.full(size, 2.0), n)],
                                     size), n)
    G = _cat([Ga.scaled(b), Gb.scaled(a)], size)
    Hm = _cat([Ha.scaled(b), Hb.scaled(a), _outer(Ga, Gb, np.ones(size), n)], size)
    return SecondOrderArray(value, G, Hm, n)


# ---------------------------------------------------------------- functions
_FUNCS = {}


def _struct_rows(traced, index):
    """(G, Hm) rows picked by ``index``: 0 is an empty row, k >= 1 is row
    k - 1 of the traced operands' rows stacked in order."""
    sel = np.asarray(index, np.int64).ravel() - 1
    if len(traced) == 1:
        return traced[0].G.take(sel), traced[0].Hm.take(sel)
    out = []
    for part in ("G", "Hm"):
        rs = [getattr(o, part) for o in traced]
        w = max(r.width for r in rs)
        idx = np.zeros((sum(r.size for r in rs), w), np.int64)
        val = np.zeros(idx.shape)
        off = 0
        for r in rs:
            idx[off:off + r.size, :r.width] = r.idx
            val[off:off + r.size, :r.width] = r.val
            off += r.size
        out.append(_Rows(idx, val, max(r.cw for r in rs),
                         all(r.compact for r in rs)).take(sel))
    return tuple(out)


def _struct(func, data_args, rebuild):
    tr = [o for o in data_args if _isT(o)]
    n = tr[0].n
    idxs, off = [], 0
    for o in data_args:
        if _isT(o):
            idxs.append(np.arange(off + 1, off + 1 + o.size, dtype=np.int64).reshape(o.shape))
            off += o.size
        else:
            idxs.append(np.zeros(np.shape(o), np.int64))
    value = rebuild([_val(o) for o in data_args])
    index = rebuild(idxs)

    def make(v, i):
        return SecondOrderArray(v, *_struct_rows(tr, i), n)
    if isinstance(value, (list, tuple)):
        return type(value)(make(v, i) for v, i in zip(value, index))
    return make(value, index)


for _f in (np.reshape, np.ravel, np.transpose, np.swapaxes, np.moveaxis, np.squeeze,
           np.expand_dims, np.broadcast_to, np.copy, np.diagonal, np.flip, np.roll, np.take,
           np.repeat, np.tile, np.triu, np.tril, np.split, np.atleast_1d, np.atleast_2d):
    def _impl(a, *args, _func=_f, **kwargs):
        return _struct(_func, [a], lambda ops: _func(ops[0], *args, **kwargs))
    _FUNCS[_f] = _impl
for _f in (np.concatenate, np.stack, np.hstack, np.vstack, np.column_stack):
    def _impl(arrays, *args, _func=_f, **kwargs):
        arrays = list(arrays)
        return _struct(_func, arrays, lambda ops: _func(ops, *args, **kwargs))
    _FUNCS[_f] = _impl


def _where(cond, x, y):
    c = np.asarray(_val(cond), dtype=bool)
    return _struct(np.where, [x, y], lambda ops: np.where(c, ops[0], ops[1]))


_FUNCS[np.where] = _where


def _group_rows(r, groups):
    """Row o of the result: the rows groups[o, :] side by side."""
    if r.width == 0:
        return _Rows.empty(groups.shape[0])
    m, w = groups.shape[0], groups.shape[1] * r.width
    out = _Rows(r.idx[groups].reshape(m, w), r.val[groups].reshape(m, w), r.cw)
    if m == 1:
        # a full reduction: one wide row, left as it is (the final Hessian sums
        # its repeats once; an outer product compacts it first)
        out.cw = out.width
        return out
    return _maybe_compact(out)


def _sum(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    if out is not None or kw:
        raise _Unsupported("sum(out=/where=/initial=)")
    if not _isT(a):
        return np.sum(a, axis=axis, keepdims=keepdims)
    axes = _T._norm_axes(axis, a.ndim)
    keep = [i for i in range(a.ndim) if i not in axes]
    ids = np.transpose(np.arange(a.size).reshape(a.shape), keep + list(axes))
    n_out = int(np.prod([a.shape[i] for i in keep], dtype=np.int64))
    groups = ids.reshape(n_out, -1)
    return a._new(np.sum(a.value, axis=axis, keepdims=keepdims),
                  _group_rows(a.G, groups), _group_rows(a.Hm, groups))


_FUNCS[np.sum] = _sum


def _mean(a, axis=None, dtype=None, out=None, keepdims=False):
    s = _sum(a, axis=axis, keepdims=keepdims)
    return s / (a.size / max(1, s.size))


_FUNCS[np.mean] = _mean


def _const_matmul(M, b):
    """M @ b for a constant 2-D M and a traced 1-D b: row o sums the rows e of
    b with M[o, e] != 0, scaled."""
    M = np.asarray(M, dtype=float)
    m = M.shape[0]
    nz = M != 0
    cnt = nz.sum(axis=1)
    K = int(cnt.max()) if m else 0
    E = np.full((m, K), -1, np.int64)
    C = np.zeros((m, K))
    r, e = np.nonzero(nz)
    pos = np.arange(r.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    E[r, pos] = e
    C[r, pos] = M[r, e]

    def rows(R):
        if R.width == 0 or K == 0:
            return _Rows.empty(m)
        T = R.take(E.ravel())
        w = R.width
        out = _Rows(T.idx.reshape(m, K * w),
                    (T.val.reshape(m, K, w) * C[:, :, None]).reshape(m, K * w), R.cw)
        return _maybe_compact(out)
    return b._new(M @ b.value, rows(b.G), rows(b.Hm))


def _matmul(a, b):
    if _isT(a) and _isT(b):
        if a.ndim == 1 and b.ndim == 1:
            return _sum(a * b)
        A = a[None, :] if a.ndim == 1 else a
        B = b[:, None] if b.ndim == 1 else b
        r = _sum(np.expand_dims(A, -1) * np.expand_dims(B, -3), axis=-2)
        if a.ndim == 1:
            r = r[..., 0, :]
        if b.ndim == 1:
            r = r[..., 0]
        return r
    if not _isT(a) and np.ndim(a) == 2 and b.ndim == 1:
        return _const_matmul(a, b)
    if not _isT(b) and np.ndim(b) == 2 and a.ndim == 1:
        return _const_matmul(np.asarray(b, dtype=float).T, a)
    if (not _isT(a) and np.ndim(a) == 1) or (not _isT(b) and np.ndim(b) == 1):
        return _sum(a * b)
    raise _Unsupported("matmul of these shapes")


def _diff(a, n=1, axis=-1):
    for _ in range(n):
        hi = [slice(None)] * a.ndim
        lo = [slice(None)] * a.ndim
        hi[axis], lo[axis] = slice(1, None), slice(None, -1)
        a = a[tuple(hi)] - a[tuple(lo)]
    return a


def _prod(a, axis=None, keepdims=False):
    if axis is not None or keepdims:
        raise _Unsupported("prod(axis=/keepdims=)")
    flat = np.ravel(a)
    r = flat[0] if flat.size else 1.0
    for k in range(1, flat.size):
        r = r * flat[k]
    return r


def _norm(x, ord=None, axis=None, keepdims=False):
    if ord not in (None, 2, "fro") or axis is not None or keepdims:
        raise _Unsupported("linalg.norm with ord/axis")
    return np.sqrt(_sum(x * x))


_FUNCS[np.diff] = _diff
_FUNCS[np.prod] = _prod
_FUNCS[np.linalg.norm] = _norm
_FUNCS[np.outer] = lambda a, b: np.ravel(a)[:, None] * np.ravel(b)[None, :]
_FUNCS[np.matmul] = _matmul
_FUNCS[np.dot] = lambda a, b: a * b if np.ndim(_val(a)) == 0 or np.ndim(_val(b)) == 0 \
    else _matmul(a, b)


# ---------------------------------------------------------------- the verb
def hessian_one_pass(f, x, args, n):
    """(H as CSR n x n, exactly symmetric) from one traced call, or raise
    _Unsupported."""
    return value_gradient_hessian_one_pass(f, x, args, n)[2]


def value_gradient_hessian_one_pass(f, x, args, n):
    """(f(x), gradient (flat ndarray), H as CSR n x n) from one traced call,
    or raise _Unsupported."""
    sp = _sp()
    t = SecondOrderArray.seed(x.ravel()).reshape(x.shape)
    y = f(t, *args)
    if not _isT(y):
        if isinstance(y, (numbers.Real, np.floating, np.integer)) and not isinstance(y, bool):
            return float(y), np.zeros(n), sp.csr_array((n, n), dtype=float)
        raise _Unsupported(f"f returned {type(y).__name__}")
    if y.size != 1:
        raise ValueError(f"sparse_hessian needs a scalar f; f returned shape {y.shape}")
    grad = np.bincount(y.G.idx.ravel(), weights=y.G.val.ravel(), minlength=n)
    keys, vals = y.Hm.idx.ravel(), y.Hm.val.ravel()
    order = np.argsort(keys, kind="stable")
    keys, vals = keys[order], vals[order]
    if keys.size:
        new = np.ones(keys.size, bool)
        new[1:] = keys[1:] != keys[:-1]
        starts = np.flatnonzero(new)
        vals = np.add.reduceat(vals, starts)
        keys = keys[starts]
        nz = vals != 0
        keys, vals = keys[nz], vals[nz]
    i, j = keys // n, keys % n
    off = i != j
    rows = np.concatenate([i, j[off]])
    cols = np.concatenate([j, i[off]])
    data = np.concatenate([vals, vals[off]])
    H = sp.coo_array((data, (rows, cols)), shape=(n, n)).tocsr()   # no repeats: no sums
    H.sort_indices()
    return float(y.value.reshape(())), grad, H
