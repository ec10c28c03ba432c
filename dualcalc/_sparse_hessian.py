"""Sparse second-order forward mode: exact sparse Hessians in one traced pass.

Forward-over-forward with compressed seeds cannot give a sparse Hessian in
O(1) passes: a HyperDual pass seeded with the colors on both sides yields
only ``S.T @ H @ S`` (c x c numbers), and ``H @ S`` needs the n unit
directions on one side (``hvp`` per color: O(n) tangents per element once
the code mixes elements, as ``np.roll`` does).  So ``sparse_hessian`` first
tries this mode: every array element carries its value, its gradient as a
sparse row (``G``, CSR m x n) and its own Hessian as a sparse row of n*n
entries (``Hm``, CSR m x n^2), so the work is proportional to the nonzeros
that actually occur.  The chain rules

* y = g(a):     G_y = g' G_a,  Hm_y = g' Hm_a + g'' (G_a (x) G_a)
* y = g(a, b):  G_y = g_a G_a + g_b G_b,  Hm_y = g_a Hm_a + g_b Hm_b
  + g_aa G_a(x)G_a + g_ab (G_a(x)G_b + G_b(x)G_a) + g_bb G_b(x)G_b

take (g, g', g'') and the partials from dualcalc's own rule table by
evaluating the ufunc once on a HyperDualArray at the values (nothing here
knows any calculus); structure ops and sums act on the rows exactly as in
``dualcalc.sparsity`` (row selection through index arrays, 0/1 grouping
matrices).  What is not implemented raises ``_Unsupported`` and
``sparse_hessian`` falls back to one Hessian-vector product per color.
"""
import numbers

import numpy as np

from dualcalc.arrays import HyperDualArray
from dualcalc import sparsity as _T


class _Unsupported(TypeError):
    pass


def _sp():
    return _T._sp()


def _scale(R, c):
    """diag(c) @ R for CSR R and a vector c."""
    c = np.asarray(c, dtype=float).ravel()
    out = R.copy()
    out.data = out.data * np.repeat(c, np.diff(R.indptr))
    return out


def _outer_rows(A, B, coef, n):
    """Row e: coef[e] * vec(A_e (x) B_e), shape (m, n*n)."""
    sp = _sp()
    m = A.shape[0]
    ka, kb = np.diff(A.indptr), np.diff(B.indptr)
    cnt = ka * kb
    keep = np.asarray(coef, float).ravel() != 0
    cnt = np.where(keep, cnt, 0)
    total = int(cnt.sum())
    if total == 0:
        return sp.csr_array((m, n * n), dtype=float)
    row = np.repeat(np.arange(m), cnt)
    start = np.cumsum(cnt) - cnt
    t = np.arange(total) - np.repeat(start, cnt)
    kbr = kb[row]
    ia = A.indptr[row] + t // kbr
    ib = B.indptr[row] + t % kbr
    col = A.indices[ia].astype(np.int64) * n + B.indices[ib]
    data = A.data[ia] * B.data[ib] * np.asarray(coef, float).ravel()[row]
    return _csr_sorted_rows(row, col, data, (m, n * n))   # rows in order, no repeats


def _coo(R):
    rows = np.repeat(np.arange(R.shape[0], dtype=np.int64), np.diff(R.indptr))
    return rows, R.indices.astype(np.int64), R.data


def _add(*Rs):
    """Sum of CSR matrices through concatenated coordinates (scipy's csr + csr
    and csr @ csr take O(columns) workspace: n^2 for the element Hessians)."""
    Rs = [R for R in Rs if R is not None and R.nnz]
    if not Rs:
        return None
    if len(Rs) == 1:
        return Rs[0]
    if Rs[0].shape[1] <= 1 << 20:            # few columns: scipy's add is fine
        out = Rs[0]
        for R in Rs[1:]:
            out = out + R
        return out.tocsr()
    # merge row by row without sorting; repeated (row, col) entries are left
    # in place (CSR sums them wherever it is read) and summed by the group
    # sums and at the end
    m, ncols = Rs[0].shape
    counts = [np.diff(R.indptr) for R in Rs]
    indptr = np.zeros(m + 1, np.int64)
    np.cumsum(sum(counts), out=indptr[1:])
    nnz = int(indptr[-1])
    cols = np.empty(nnz, np.int64)
    data = np.empty(nnz)
    before = np.zeros(m, np.int64)
    for R, c in zip(Rs, counts):
        rows = np.repeat(np.arange(m), c)
        pos = indptr[rows] + before[rows] + (np.arange(R.nnz) - R.indptr[rows])
        cols[pos] = R.indices
        data[pos] = R.data
        before += c
    return _csr_from_parts(indptr, cols, data, (m, ncols))


def _csr_from_parts(indptr, cols, data, shape):
    sp = _sp()
    big = shape[1] > np.iinfo(np.int32).max or cols.size > np.iinfo(np.int32).max
    idx_dtype = np.int64 if big else np.int32
    out = sp.csr_array(shape, dtype=float)
    out.indptr, out.indices, out.data = indptr.astype(idx_dtype), cols.astype(idx_dtype), data
    out._has_sorted_indices = False
    return out


def _csr_sorted_rows(rows, cols, data, shape):
    sp = _sp()
    indptr = np.zeros(shape[0] + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    idx_dtype = np.int64 if shape[1] > np.iinfo(np.int32).max or rows.size > np.iinfo(np.int32).max \
        else np.int32
    out = sp.csr_array((shape), dtype=float)
    out.indptr, out.indices, out.data = indptr.astype(idx_dtype), cols.astype(idx_dtype), data
    out._has_sorted_indices = False
    return out


def _from_coo(rows, cols, data, shape):
    """CSR from coordinates, duplicates summed, without O(columns) workspace."""
    sp = _sp()
    if rows.size == 0:
        return sp.csr_array(shape, dtype=float)
    if shape[0] * float(shape[1]) < 2.0 ** 62:
        order = np.argsort(rows * np.int64(shape[1]) + cols)
    else:
        order = np.lexsort((cols, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    new = np.empty(rows.size, bool)
    new[0] = True
    new[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    starts = np.nonzero(new)[0]
    data = np.add.reduceat(data, starts)
    rows, cols = rows[starts], cols[starts]
    indptr = np.zeros(shape[0] + 1, np.int64)
    np.add.at(indptr, rows + 1, 1)
    np.cumsum(indptr, out=indptr)
    idx_dtype = np.int64 if shape[1] > np.iinfo(np.int32).max else np.int32
    return sp.csr_array((data, cols.astype(idx_dtype), indptr.astype(idx_dtype)), shape=shape)


def _left_multiply(M, R):
    """M @ R for a (small-bandwidth) CSR M, through coordinates."""
    Mc = M.tocsc()
    # for each column e of M (= row e of R): every (o, M[o, e]) times R's row e
    km = np.diff(Mc.indptr)
    kr = np.diff(R.indptr)
    cnt = km * kr
    total = int(cnt.sum())
    if total == 0:
        return _sp().csr_array((M.shape[0], R.shape[1]), dtype=float)
    e = np.repeat(np.arange(R.shape[0]), cnt)
    t = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    im = Mc.indptr[e] + t // kr[e]
    ir = R.indptr[e] + t % kr[e]
    return _from_coo(Mc.indices[im].astype(np.int64), R.indices[ir].astype(np.int64),
                     Mc.data[im] * R.data[ir], (M.shape[0], R.shape[1]))


class SecondOrderArray:
    """Values with sparse gradients and sparse per-element Hessians."""

    __array_priority__ = 1000

    def __init__(self, value, G, Hm, n):
        self.value = value
        self.G = G
        self.Hm = Hm
        self.n = n

    @classmethod
    def seed(cls, x):
        sp = _sp()
        n = x.size
        return cls(np.array(x, dtype=float), sp.identity(n, format="csr", dtype=float),
                   sp.csr_array((n, n * n), dtype=float), n)

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
        return SecondOrderArray(np.asarray(value, dtype=float), G, Hm, self.n)

    def _rows_for(self, shape):
        if self.shape == tuple(shape):
            return self.G, self.Hm
        idx = np.broadcast_to(np.arange(self.size).reshape(self.shape), shape)
        return _T._select(self.G, idx), _T._select(self.Hm, idx)

    def __getitem__(self, key):
        parts = key if isinstance(key, tuple) else (key,)
        if any(isinstance(p, SecondOrderArray) for p in parts):
            raise _Unsupported("traced index")
        idx = np.arange(self.size).reshape(self.shape)[key]
        return self._new(self.value[key], _T._select(self.G, idx), _T._select(self.Hm, idx))

    def __setitem__(self, key, v):
        sp = _sp()
        self.value = self.value.copy()
        self.value[key] = v.value if isinstance(v, SecondOrderArray) else v
        idx = np.arange(self.size).reshape(self.shape)
        tshape = idx[key].shape
        if isinstance(v, SecondOrderArray):
            src = np.broadcast_to(np.arange(self.size, self.size + v.size).reshape(v.shape), tshape)
            G = sp.vstack([self.G, v.G], format="csr")
            Hm = sp.vstack([self.Hm, v.Hm], format="csr")
        else:
            src, G, Hm = -1, self.G, self.Hm
        idx[key] = src
        self.G, self.Hm = _T._select(G, idx), _T._select(Hm, idx)

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


_VALUE_ONLY = {np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,
               np.isnan, np.isinf, np.isfinite, np.signbit, np.logical_and, np.logical_or,
               np.logical_not}


def _hd(v, k, d):
    """A HyperDualArray at values v whose direction d of k is the unit one
    (in eps1 and eps2): its ufunc results carry first and second partials."""
    e = np.zeros((k,) + v.shape)
    e[d] = 1.0
    return HyperDualArray(v, e, e.copy(), np.zeros((k, k) + v.shape))


def _ufunc(ufunc, inputs):
    for o in inputs:
        if not _isT(o) and not isinstance(o, (numbers.Number, np.ndarray, np.generic)):
            raise _Unsupported(f"np.{ufunc.__name__} of {type(o).__name__}")
    vals = [_val(o) for o in inputs]
    if ufunc in _VALUE_ONLY:
        return ufunc(*vals)
    traced = [i for i, o in enumerate(inputs) if _isT(o)]
    n = next(inputs[i].n for i in traced)
    shape = np.broadcast_shapes(*[np.shape(v) for v in vals])
    k = len(traced)
    fast = _arithmetic(ufunc, inputs, vals, traced, shape, n)
    if fast is not None:
        return fast
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
    rows = [inputs[i]._rows_for(shape) for i in traced]
    ones = [bool(np.all(e1[a] == 1.0)) for a in range(k)]
    G = _add(*[rows[a][0] if ones[a] else _scale(rows[a][0], e1[a]) for a in range(k)])
    H = [rows[a][1] if ones[a] else _scale(rows[a][1], e1[a]) for a in range(k)]
    for a in range(k):
        for b in range(k):
            if np.any(e12[a, b]):
                H.append(_outer_rows(rows[a][0], rows[b][0], e12[a, b], n))
    size = value.size
    sp = _sp()
    G = G if G is not None else sp.csr_array((size, n), dtype=float)
    Hm = _add(*H)
    Hm = Hm if Hm is not None else sp.csr_array((size, n * n), dtype=float)
    return SecondOrderArray(value, G, Hm, n)


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
        (a,) = inputs
        G, H = a._rows_for(shape)
        return SecondOrderArray(value, _scale(G, -np.ones(size)), _scale(H, -np.ones(size)), n)
    rows = {i: inputs[i]._rows_for(shape) for i in traced}
    if ufunc in (np.add, np.subtract):
        Gs, Hs = [], []
        for i in traced:
            G, H = rows[i]
            if ufunc is np.subtract and i == 1:
                G, H = _scale(G, -np.ones(size)), _scale(H, -np.ones(size))
            Gs.append(G)
            Hs.append(H)
        G = _add(*Gs) if any(g.nnz for g in Gs) else Gs[0]
        return SecondOrderArray(value, G, _add(*Hs) if any(h.nnz for h in Hs) else Hs[0], n)
    if ufunc is np.true_divide:
        c = 1.0 / np.broadcast_to(np.asarray(vals[1], dtype=float), shape).ravel()
        G, H = rows[0]
        return SecondOrderArray(value, _scale(G, c), _scale(H, c), n)
    other = [np.broadcast_to(np.asarray(v, dtype=float), shape).ravel() for v in vals]
    if len(traced) == 1:
        i = traced[0]
        G, H = rows[i]
        c = other[1 - i]
        return SecondOrderArray(value, _scale(G, c), _scale(H, c), n)
    (Ga, Ha), (Gb, Hb) = rows[0], rows[1]
    a, b = other
    ones = np.ones(size)
    G = _add(_scale(Ga, b), _scale(Gb, a))
    Hm = _add(_scale(Ha, b), _scale(Hb, a), _outer_rows(Ga, Gb, ones, n),
              _outer_rows(Gb, Ga, ones, n))
    sp = _sp()
    return SecondOrderArray(value, G if G is not None else sp.csr_array((size, n), dtype=float),
                            Hm if Hm is not None else sp.csr_array((size, n * n), dtype=float), n)


# ---------------------------------------------------------------- functions
_FUNCS = {}


def _struct(func, data_args, rebuild):
    sp = _sp()
    tr = [o for o in data_args if _isT(o)]
    n = tr[0].n
    idxs, gs, hs, off = [], [], [], 0
    for o in data_args:
        idxs.append(np.arange(off + 1, off + 1 + o.size, dtype=np.int64).reshape(o.shape)
                    if _isT(o) else np.zeros(np.shape(o), np.int64))
        if _isT(o):
            gs.append(o.G)
            hs.append(o.Hm)
            off += o.size
    value = rebuild([_val(o) for o in data_args])
    index = rebuild(idxs)
    G_all = sp.vstack([sp.csr_array((1, n), dtype=float)] + gs, format="csr")
    H_all = sp.vstack([sp.csr_array((1, n * n), dtype=float)] + hs, format="csr")

    def make(v, i):
        i = np.asarray(i)
        return SecondOrderArray(np.asarray(v, float), _T._select(G_all, i), _T._select(H_all, i), n)
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


def _sum(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    if out is not None or kw:
        raise _Unsupported("sum(out=/where=/initial=)")
    if not _isT(a):
        return np.sum(a, axis=axis, keepdims=keepdims)
    axes = _T._norm_axes(axis, a.ndim)
    shape = a.shape
    kshape = tuple(1 if i in axes else s for i, s in enumerate(shape))
    n_out = int(np.prod(kshape, dtype=np.int64))
    ids = np.broadcast_to(np.arange(n_out).reshape(kshape), shape)
    Gm = _T._group(ids, n_out).astype(float)
    if n_out == 1:
        # a full sum: all entries into one row, repeats left for the end
        H = a.Hm
        Hm = _csr_from_parts(np.array([0, H.nnz], np.int64), H.indices.astype(np.int64),
                             H.data.copy(), (1, H.shape[1]))
    else:
        Hm = _left_multiply(Gm, a.Hm)
    return a._new(np.sum(a.value, axis=axis, keepdims=keepdims), (Gm @ a.G).tocsr(), Hm)


_FUNCS[np.sum] = _sum


def _mean(a, axis=None, dtype=None, out=None, keepdims=False):
    s = _sum(a, axis=axis, keepdims=keepdims)
    return s / (a.size / max(1, s.size))


_FUNCS[np.mean] = _mean


def _matmul(a, b):
    sp = _sp()
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
    if not _isT(a) and a.ndim == 2 and b.ndim == 1:
        M = sp.csr_array(np.asarray(a, float))
        return b._new(a @ b.value, (M @ b.G).tocsr(), _left_multiply(M, b.Hm))
    if not _isT(b) and b.ndim == 2 and a.ndim == 1:
        M = sp.csr_array(np.asarray(b, float).T)
        return a._new(a.value @ b, (M @ a.G).tocsr(), _left_multiply(M, a.Hm))
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


def hessian_one_pass(f, x, args, n):
    """(H as CSR n x n, exactly symmetric) from one traced call, or raise
    _Unsupported."""
    sp = _sp()
    t = SecondOrderArray.seed(x.ravel()).reshape(x.shape)
    y = f(t, *args)
    if not _isT(y):
        if isinstance(y, (numbers.Real, np.floating, np.integer)) and not isinstance(y, bool):
            return sp.csr_array((n, n), dtype=float)
        raise _Unsupported(f"f returned {type(y).__name__}")
    if y.size != 1:
        raise ValueError(f"sparse_hessian needs a scalar f; f returned shape {y.shape}")
    row = y.Hm.tocoo()
    cols = row.col.astype(np.int64)
    H = sp.csr_array((row.data, (cols // n, cols % n)), shape=(n, n))
    H = (H + H.T) * 0.5
    return sp.csr_array(H)
