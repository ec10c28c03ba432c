# cython: language_level=3
"""The operand engine: elementwise arithmetic and ufuncs on dual arrays.

Design: converts Python/NumPy/dual operands ``_operand``: floats, ndarrays, Dual/HyperDual and DualVec/HyperDualVec scalars, object arrays of dual elements, finds the common perturbation tags of two operands, broadcasts
shapes size-1 operands by stride 0, anything else by materialising, keeps
banded tangents banded where the result is still banded, and calls the
kernels ``_kernels.pyx``.  ``chain_unary`` applies the chain rule for rules
computed outside the rule table scipy.special, register_ufunc.

Tags work as for the scalars: equal tags share one perturbation; two different
tags are two nested differentiations and combine into a HyperDualArray whose
eps1 belongs to the smaller tag.
"""
cimport numpy as cnp
from cpython.float cimport PyFloat_CheckExact, PyFloat_AS_DOUBLE
from cpython.long cimport PyLong_Check, PyLong_AsDouble
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy
from dualcalc._core._rules cimport second_term, R_SQUARE, OP_POW
from dualcalc._core._scalar cimport Dual, HyperDual
from dualcalc._core._vec cimport DualVec, HyperDualVec, set_array_binary
from dualcalc._core._kernels cimport (
    kop, dual_unary_kernel, hyper_unary_kernel, dual_values, dual_row, dual_binary_kernel,
    hyper_binary_kernel)
from dualcalc._core._alloc cimport (
    _empty, _shape, _contig, _scalar0d, _row0, _same_shape, _rows_ok)
from dualcalc._core._bands cimport BandStore, HyperBandStore, new_store, new_hstore
from dualcalc._core._types cimport (
    DualArray, HyperDualArray, new_dual_array, new_band_array, new_hyper_array,
    new_hband_array, dense_eps, hyper_dense, _banded, _hbanded, _band_ptr, _value_array,
    _value_of, _as_f64, _tname, wire_engine)

import numpy as np
from dualcalc._core._scalar import _BINARY_UFUNCS

from dualcalc import _conversions as _conv
from dualcalc._core._vec import gather as _gather_vec

cnp.import_array()

cdef tuple _NP_REAL = (np.floating, np.integer, np.bool_)


# ================================================================ operand preparation
cdef object _materialise(cnp.ndarray c, int nlead, tuple shape):
    """c (lead + Sa) broadcast to lead + shape, C-contiguous."""
    cdef int nd = len(shape)
    cdef int cnd = c.ndim - nlead
    cdef tuple lead = _shape(c)[:nlead]
    cdef tuple cs = _shape(c)[nlead:]
    if cnd < nd:
        c = c.reshape(lead + (1,) * (nd - cnd) + cs)
    return np.ascontiguousarray(np.broadcast_to(c, lead + shape))


cdef double* _comp(cnp.ndarray c, int nlead, cnp.ndarray ref, Py_ssize_t N,
                   Py_ssize_t* es, Py_ssize_t* rs, list keep) except? NULL:
    """Pointer to component c (nlead leading axes) laid out for a kernel whose
    result has ref's shape (N elements)."""
    cdef Py_ssize_t csize = 1
    cdef int i
    if _same_shape(c, nlead, ref, 0):
        es[0] = 1
        if nlead == 0:
            rs[0] = 0
            if not cnp.PyArray_IS_C_CONTIGUOUS(c):
                c = _contig(c)
                keep.append(c)
            return <double*>cnp.PyArray_DATA(c)
        if _rows_ok(c, nlead, rs):
            return <double*>cnp.PyArray_DATA(c)
        c = _contig(c)
        keep.append(c)
        rs[0] = N
        return <double*>cnp.PyArray_DATA(c)
    for i in range(nlead, c.ndim):
        csize *= c.shape[i]
    if csize == 1:
        es[0] = 0
        rs[0] = 1
        if not cnp.PyArray_IS_C_CONTIGUOUS(c):
            c = _contig(c)
            keep.append(c)
        return <double*>cnp.PyArray_DATA(c)
    c = <cnp.ndarray>_materialise(c, nlead, _shape(ref))
    keep.append(c)
    es[0] = 1
    rs[0] = N
    return <double*>cnp.PyArray_DATA(c)


cdef tuple _result_shape(object a, object b):
    """The broadcast value shape of two operands (converted, see _operand)."""
    cdef cnp.ndarray va, vb
    if PyFloat_CheckExact(a):
        return _shape(_value_array(b))
    if PyFloat_CheckExact(b):
        return _shape(_value_array(a))
    va = _value_array(a)
    vb = _value_array(b)
    if _same_shape(va, 0, vb, 0):
        return _shape(va)
    if cnp.PyArray_NDIM(va) == 0:            # a scalar meeting an array
        return _shape(vb)
    if cnp.PyArray_NDIM(vb) == 0:
        return _shape(va)
    return _broadcast(va, vb)


cdef cnp.ndarray _reference(object a, object b):
    """An array of the broadcast value shape of two operands (converted, see
    _operand), read for its shape only: the larger operand's own value array
    when the other is a scalar or 0-d, else a new uninitialised one."""
    cdef cnp.ndarray va, vb
    cdef cnp.npy_intp dims[64]
    cdef tuple shape
    cdef int i
    if not PyFloat_CheckExact(a) and not PyFloat_CheckExact(b):
        va = _value_array(a)
        vb = _value_array(b)
        if cnp.PyArray_NDIM(va) == 0:
            return vb
        if cnp.PyArray_NDIM(vb) == 0:
            return va
    shape = _result_shape(a, b)
    for i in range(len(shape)):
        dims[i] = shape[i]
    return <cnp.ndarray>cnp.PyArray_EMPTY(len(shape), dims, cnp.NPY_DOUBLE, 0)


cdef tuple _broadcast(cnp.ndarray va, cnp.ndarray vb):
    """NumPy's broadcast shape of two value arrays (np.broadcast_shapes is
    Python code costing ~3 us)."""
    cdef int na = cnp.PyArray_NDIM(va), nb = cnp.PyArray_NDIM(vb)
    cdef int n = na if na > nb else nb
    cdef int i
    cdef cnp.npy_intp da, db
    cdef list out = [0] * n
    for i in range(1, n + 1):
        da = cnp.PyArray_DIMS(va)[na - i] if i <= na else 1
        db = cnp.PyArray_DIMS(vb)[nb - i] if i <= nb else 1
        if da == db or db == 1:
            out[n - i] = da
        elif da == 1:
            out[n - i] = db
        else:
            raise ValueError("operands could not be broadcast together with shapes {0} {1}"
                             .format(_shape(va), _shape(vb)))
    return tuple(out)




cdef int _prep_value(object o, kop* d, cnp.ndarray ref, Py_ssize_t N, list keep) except -1:
    cdef Py_ssize_t rs
    d.e1 = NULL
    d.e2 = NULL
    d.e12 = NULL
    d.e1s = d.e2s = d.e12s = 0
    d.e1r = d.e2r = d.e12r = 0
    d.n1 = d.s1 = d.n2 = d.s2 = 0
    if PyFloat_CheckExact(o):
        d.cst = PyFloat_AS_DOUBLE(o)
        d.v = &d.cst
        d.vs = 0
        return 0
    d.v = _comp(_value_array(o), 0, ref, N, &d.vs, &rs, keep)
    return 0


# ================================================================ conversion
cdef object _operand(object o):
    """o as an elementwise operand: a DualArray, a HyperDualArray, a Python float
    (scalar constant) or a float64 ndarray (array constant); None if o is of a
    type this module does not handle."""
    cdef type t = type(o)
    if t is DualArray or t is HyperDualArray or t is float:
        return o
    if t is Dual:
        return new_dual_array(_scalar0d((<Dual>o).value), _row0((<Dual>o).eps), (<Dual>o).tag)
    if t is HyperDual:
        return _hyper_from_scalar(<HyperDual>o)
    if t is DualVec or t is HyperDualVec:
        return _array_from_vec(o)
    if PyLong_Check(o):
        return PyLong_AsDouble(o)
    if isinstance(o, _NP_REAL):
        return float(o)
    if isinstance(o, cnp.ndarray):
        if t is not cnp.ndarray:            # a subclass: maybe an np.asanyarray handle
            h = getattr(o, "_dualcalc_array", None)
            if h is not None:
                o._dualcalc_used = True
                return h
        kind = (<cnp.ndarray>o).dtype.kind
        if kind in "fiub":
            return _as_f64(o)
        if kind == "c":
            raise TypeError("complex arrays cannot be combined with dual arrays: dual "
                            "numbers are real")
        if kind == "O":
            # an object array of dual numbers (np.array([...]) of dual elements):
            # one DualArray / HyperDualArray with the same derivatives
            h = _array_from_vecs(o)         # the common case: DualVecs of one frame
            if h is not None:
                return h
            r = _conv.from_objects(o)
            return r if r is not None else _as_f64(o.astype(np.float64))
        return None
    if isinstance(o, (list, tuple)):
        r = _conv.from_objects(o)
        if r is not None:
            return r
        try:
            return np.asarray(o, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                "a list or tuple used as an array operand must hold real numbers or dual "
                "numbers of one shape") from None
    return None


cdef object _array_from_vec(object o):
    """A DualVec or HyperDualVec as a 0-d dual array (its directions in front)."""
    cdef DualVec d
    cdef HyperDualVec h
    cdef Py_ssize_t n
    cdef cnp.ndarray e
    if type(o) is DualVec:
        d = <DualVec>o
        e = _empty(d.k, 0, 1, NULL, 0)
        if d.k:
            memcpy(cnp.PyArray_DATA(e), d.eps, d.k * sizeof(double))
        return new_dual_array(_scalar0d(d.value), e, d.tag)
    h = <HyperDualVec>o
    n = h.p + h.q + h.p * h.q
    e = _empty(n, 0, 1, NULL, 0)
    if n:
        memcpy(cnp.PyArray_DATA(e), h.e1, n * sizeof(double))
    return new_hyper_array(_scalar0d(h.value), e[:h.p], e[h.p:h.p + h.q],
                           e[h.p + h.q:].reshape(h.p, h.q), h.tag1, h.tag2)


cdef object _array_from_vecs(cnp.ndarray o):
    """An object array of DualVecs (or HyperDualVecs) of one frame, mixed with
    reals, as a dual array; None for any other object array."""
    g = _gather_vec(o.ravel())
    if g is None:
        return None
    S = _shape(o)
    if len(g) == 3:
        if cnp.PyArray_NDIM(o) == 1:             # np.array([...]): no reshapes
            return new_dual_array(g[0], g[1], g[2])
        return new_dual_array(g[0].reshape(S), g[1].reshape((g[1].shape[0],) + S), g[2])
    return new_hyper_array(g[0].reshape(S), g[1].reshape((g[1].shape[0],) + S),
                           g[2].reshape((g[2].shape[0],) + S),
                           g[3].reshape(g[3].shape[:2] + S), g[4], g[5])


cdef HyperDualArray _hyper_from_scalar(HyperDual h):
    cdef cnp.npy_intp dims[2]
    dims[0] = 1
    dims[1] = 1
    cdef cnp.ndarray e12 = <cnp.ndarray>cnp.PyArray_EMPTY(2, dims, cnp.NPY_DOUBLE, 0)
    (<double*>cnp.PyArray_DATA(e12))[0] = h.eps1eps2
    return new_hyper_array(_scalar0d(h.value), _row0(h.eps1), _row0(h.eps2), e12,
                           h.tag1, h.tag2)


cdef object _warn(object ufunc, object a, object b):
    """Let NumPy emit its own floating-point warning (or error under np.errstate)
    for an operation whose finite inputs gave a non-finite value."""
    if ufunc is None:
        return None
    if b is None:
        ufunc(_value_of(a))
    else:
        ufunc(_value_of(a), _value_of(b))
    return None




def value_of(o):
    """The value part of a dual number or dual array; anything else unchanged."""
    return _value_of(o)


# ================================================================ elementwise engine
cdef object unary_array(object x, int rid, object ufunc):
    """Rule rid applied to a DualArray or HyperDualArray."""
    cdef DualArray d
    cdef HyperDualArray h
    cdef HyperBandStore hs = None
    cdef cnp.ndarray v, e, e2, e12, ov, oe, o2, o12
    cdef Py_ssize_t N, k, p, q, er, e2r, e12r, off = 0
    cdef double* buf
    cdef double* ep
    cdef double small[128]
    cdef bint bad
    if type(x) is DualArray:
        d = <DualArray>x
        v = _contig(d.value)
        N = cnp.PyArray_SIZE(v)
        if _banded(d):
            ep = _band_ptr(d, &er, &off, &k)
        else:
            e = d._eps
            if not _rows_ok(e, 1, &er):
                e = _contig(e)
                er = N
            k = e.shape[0]
            ep = <double*>cnp.PyArray_DATA(e)
        ov = _empty(0, 0, 0, cnp.PyArray_DIMS(v), v.ndim)
        if d._eps is None:
            oe = _empty(k, N, 2, NULL, 0)
        else:
            oe = _empty(k, 0, 1, cnp.PyArray_DIMS(v), v.ndim)
        buf = &small[0]
        if not (N <= 128):
            buf = <double*>malloc(N * sizeof(double))
        if buf == NULL:
            raise MemoryError()
        bad = dual_unary_kernel(rid, N, k, <double*>cnp.PyArray_DATA(v), ep, er,
                                <double*>cnp.PyArray_DATA(ov), <double*>cnp.PyArray_DATA(oe), buf)
        if buf != &small[0]:
            free(buf)
        if bad:
            _warn(ufunc, x, None)
        if d._eps is None:
            return new_band_array(ov, new_store(oe, off, d._k), 0, d.tag)
        return new_dual_array(ov, oe, d.tag)
    if type(x) is HyperDualArray:
        h = <HyperDualArray>x
        v = _contig(h.value)
        N = cnp.PyArray_SIZE(v)
        if _hbanded(h):
            hs = h._hstore
            p = hs.band1.shape[0]
            q = hs.band2.shape[0]
            e = hs.band1[:, h._start:h._start + N]
            e2 = hs.band2[:, h._start:h._start + N]
            e12 = hs.band12[:, :, h._start:h._start + N]
            er = e2r = e12r = hs.nbase
            ov = _empty(0, 0, 0, cnp.PyArray_DIMS(v), v.ndim)
            oe = _empty(p, N, 2, NULL, 0)
            o2 = _empty(q, N, 2, NULL, 0)
            o12 = _empty(p, q, 2, <cnp.npy_intp*>&N, 1)
        else:
            hyper_dense(h)
            e = h._e1
            if not _rows_ok(e, 1, &er):
                e = _contig(e)
                er = N
            e2 = h._e2
            if not _rows_ok(e2, 1, &e2r):
                e2 = _contig(e2)
                e2r = N
            e12 = h._e12
            if not _rows_ok(e12, 2, &e12r):
                e12 = _contig(e12)
                e12r = N
            p = e.shape[0]
            q = e2.shape[0]
            ov = _empty(0, 0, 0, cnp.PyArray_DIMS(v), v.ndim)
            oe = _empty(p, 0, 1, cnp.PyArray_DIMS(v), v.ndim)
            o2 = _empty(q, 0, 1, cnp.PyArray_DIMS(v), v.ndim)
            o12 = _empty(p, q, 2, cnp.PyArray_DIMS(v), v.ndim)
        buf = &small[0]
        if not (2 * N <= 128):
            buf = <double*>malloc(2 * N * sizeof(double))
        if buf == NULL:
            raise MemoryError()
        bad = hyper_unary_kernel(rid, N, p, q, <double*>cnp.PyArray_DATA(v),
                                 <double*>cnp.PyArray_DATA(e), er,
                                 <double*>cnp.PyArray_DATA(e2), e2r,
                                 <double*>cnp.PyArray_DATA(e12), e12r,
                                 <double*>cnp.PyArray_DATA(ov), <double*>cnp.PyArray_DATA(oe),
                                 <double*>cnp.PyArray_DATA(o2), <double*>cnp.PyArray_DATA(o12),
                                 buf, buf + N)
        if buf != &small[0]:
            free(buf)
        if bad:
            _warn(ufunc, x, None)
        if h._e1 is None:
            return new_hband_array(ov, new_hstore(oe, o2, o12, hs.off1 + h._start,
                                                  hs.off2 + h._start, hs.p, hs.q, hs.vsum),
                                   0, h.tag1, h.tag2)
        return new_hyper_array(ov, oe, o2, o12, h.tag1, h.tag2)
    raise TypeError("expected a DualArray or HyperDualArray, got " + _tname(x))


def apply_rule(x, int rid):
    """Rule ``rid`` of the rule table applied elementwise to a dual array."""
    return unary_array(x, rid, None)


cdef inline bint _is_two(object o):
    return PyFloat_CheckExact(o) and PyFloat_AS_DOUBLE(o) == 2.0


cdef dict _UFUNC_OF_OP = {}
for _u, _op in _BINARY_UFUNCS.items():
    _UFUNC_OF_OP.setdefault(_op, _u)


cdef object _vec_array_binary(object x, object y, int op):
    """A DualVec/HyperDualVec op a plain numeric ndarray (_vec.pyx's _mixed)."""
    return binary_array(x, y, op, _UFUNC_OF_OP.get(op))


set_array_binary(_vec_array_binary)


cdef object binary_array(object a, object b, int op, object ufunc):
    """a op b where at least one operand is a dual array (or a dual scalar meeting
    an array).  Returns NotImplemented for operands of foreign types."""
    cdef object ca = _operand(a)
    cdef object cb = _operand(b)
    if ca is None or cb is None:
        return NotImplemented
    if op == OP_POW and _is_two(cb) and (type(ca) is DualArray or type(ca) is HyperDualArray):
        # x**2 exactly as NumPy: x*x (its overflow warning is np.square's, which
        # takes the one argument a unary rule replays)
        return unary_array(ca, R_SQUARE, np.square if ufunc is not None else None)
    cdef type ta = type(ca)
    cdef type tb = type(cb)
    if ta is HyperDualArray or tb is HyperDualArray:
        return _hyper_binary(ca, cb, op, ufunc)
    if ta is DualArray and tb is DualArray:
        if (<DualArray>ca).tag != (<DualArray>cb).tag:
            return _hyper_binary(ca, cb, op, ufunc)
    elif ta is not DualArray and tb is not DualArray:
        return NotImplemented
    return _dual_binary(ca, cb, op, ufunc)


cdef object _dual_binary(object a, object b, int op, object ufunc):
    cdef list keep = []
    cdef kop A, B
    cdef DualArray da = a if type(a) is DualArray else None
    cdef DualArray db = b if type(b) is DualArray else None
    cdef Py_ssize_t k, N, rs
    cdef int tag
    cdef cnp.ndarray ref, ov, oe
    cdef double* buf
    cdef double small[128]
    cdef bint bad
    if da is not None and db is not None:
        k = da._k
        if db._k != k:
            raise _ndirs_error(k, db._k)
        tag = da.tag
    elif da is not None:
        k = da._k
        tag = da.tag
    else:
        k = db._k
        tag = db.tag
    # result shape
    if da is not None and db is not None and _same_shape(da.value, 0, db.value, 0):
        ref = da.value
    elif da is not None and (PyFloat_CheckExact(b) or _same_shape(da.value, 0, <cnp.ndarray>b, 0)):
        ref = da.value
    elif db is not None and (PyFloat_CheckExact(a) or _same_shape(db.value, 0, <cnp.ndarray>a, 0)):
        ref = db.value
    else:
        ref = _reference(a, b)
    N = cnp.PyArray_SIZE(ref)
    if ((da is None or (da.value is ref or _same_shape(da.value, 0, ref, 0)) and _banded(da))
            and (db is None or (db.value is ref or _same_shape(db.value, 0, ref, 0)) and _banded(db))):
        r = _band_binary(a, b, da, db, op, ufunc, ref, N, k, tag)
        if r is not None:
            return r
    _prep_value(a, &A, ref, N, keep)
    _prep_value(b, &B, ref, N, keep)
    if da is not None:
        A.e1 = _comp(dense_eps(da), 1, ref, N, &A.e1s, &A.e1r, keep)
    if db is not None:
        B.e1 = _comp(dense_eps(db), 1, ref, N, &B.e1s, &B.e1r, keep)
    ov = _empty(0, 0, 0, cnp.PyArray_DIMS(ref), ref.ndim)
    oe = _empty(k, 0, 1, cnp.PyArray_DIMS(ref), ref.ndim)
    buf = &small[0]
    if not (2 * N <= 128):
        buf = <double*>malloc(2 * N * sizeof(double))
    if buf == NULL:
        raise MemoryError()
    bad = dual_binary_kernel(op, N, k, &A, &B, <double*>cnp.PyArray_DATA(ov),
                             <double*>cnp.PyArray_DATA(oe), buf)
    if buf != &small[0]:
        free(buf)
    if bad:
        _warn(ufunc, a, b)
    return new_dual_array(ov, oe, tag)


cdef object _band_binary(object a, object b, DualArray da, DualArray db, int op,
                         object ufunc, cnp.ndarray ref, Py_ssize_t N, Py_ssize_t k, int tag):
    """x op y for banded operands of one shape: the result's band is the union
    of theirs.  None when that band would be as wide as the dense tangents."""
    cdef Py_ssize_t ars = 0, aoff = 0, aw = 0, brs = 0, boff = 0, bw = 0
    cdef Py_ssize_t off, end, w, r, ar, br
    cdef double* ap = NULL
    cdef double* bp = NULL
    cdef list keep = []
    cdef kop A, B
    cdef cnp.ndarray ov, ob
    cdef double* buf
    cdef double small[128]
    cdef bint scaled
    cdef bint bad
    if da is not None:
        ap = _band_ptr(da, &ars, &aoff, &aw)
    if db is not None:
        bp = _band_ptr(db, &brs, &boff, &bw)
    if da is None:
        off = boff
        end = boff + bw
    elif db is None:
        off = aoff
        end = aoff + aw
    else:
        off = aoff if aoff < boff else boff
        end = aoff + aw if aoff + aw > boff + bw else boff + bw
    w = end - off
    if w >= k:
        return None
    _prep_value(a, &A, ref, N, keep)
    _prep_value(b, &B, ref, N, keep)
    ov = _empty(0, 0, 0, cnp.PyArray_DIMS(ref), ref.ndim)
    ob = _empty(w, N, 2, NULL, 0)
    buf = &small[0]
    if not (2 * N <= 128):
        buf = <double*>malloc(2 * N * sizeof(double))
    if buf == NULL:
        raise MemoryError()
    bad = dual_values(op, N, &A, &B, <double*>cnp.PyArray_DATA(ov), buf, buf + N, &scaled)
    for r in range(w):
        ar = r - (aoff - off)
        br = r - (boff - off)
        dual_row(op, N, &A, ap + ar * ars if (ap != NULL and 0 <= ar < aw) else NULL, 1,
                 &B, bp + br * brs if (bp != NULL and 0 <= br < bw) else NULL, 1,
                 buf, buf + N, scaled, (<double*>cnp.PyArray_DATA(ob)) + r * N)
    if buf != &small[0]:
        free(buf)
    if bad:
        _warn(ufunc, a, b)
    return new_band_array(ov, new_store(ob, off, k), 0, tag)


cdef object _ndirs_error(Py_ssize_t k1, Py_ssize_t k2):
    return TypeError(
        "cannot combine dual arrays that carry different numbers of directions ({0} "
        "and {1}) in one perturbation: every operand of one differentiation must be "
        "seeded with the same directions. (A scalar Dual carries one direction.)"
        .format(k1, k2))


cdef int _frame(object a, object b, int* t1, int* t2, Py_ssize_t* p, Py_ssize_t* q) except -1:
    """The common HyperDualArray frame (tags and direction counts) of a mixed pair."""
    cdef HyperDualArray h
    cdef DualArray d, d2
    cdef object other
    if type(a) is HyperDualArray and type(b) is HyperDualArray:
        h = <HyperDualArray>a
        other = b
        if (h.tag1 != (<HyperDualArray>b).tag1 or h.tag2 != (<HyperDualArray>b).tag2):
            raise TypeError(
                "these two HyperDualArrays belong to different differentiations (tags "
                "{0}/{1} and {2}/{3}) and cannot be combined exactly".format(
                    h.tag1, h.tag2, (<HyperDualArray>b).tag1, (<HyperDualArray>b).tag2))
        if h._p != (<HyperDualArray>b)._p or h._q != (<HyperDualArray>b)._q:
            raise _ndirs_error(h._p * h._q, (<HyperDualArray>b)._p * (<HyperDualArray>b)._q)
    elif type(a) is HyperDualArray or type(b) is HyperDualArray:
        h = <HyperDualArray>(a if type(a) is HyperDualArray else b)
        other = b if type(a) is HyperDualArray else a
        if type(other) is DualArray:
            d = <DualArray>other
            if h.tag1 == h.tag2:
                raise TypeError(
                    "cannot combine a DualArray with a HyperDualArray whose two "
                    "perturbations share one tag ({0}); make both operands "
                    "HyperDualArrays".format(h.tag1))
            if d.tag == h.tag1:
                if d._k != h._p:
                    raise _ndirs_error(h._p, d._k)
            elif d.tag == h.tag2:
                if d._k != h._q:
                    raise _ndirs_error(h._q, d._k)
            else:
                raise TypeError(
                    "a third level of nested differentiation is not supported: a "
                    "DualArray (tag {0}) meets a HyperDualArray that already carries two "
                    "perturbations (tags {1} and {2})".format(d.tag, h.tag1, h.tag2))
    else:
        d = <DualArray>a
        d2 = <DualArray>b
        if d.tag < d2.tag:
            t1[0] = d.tag
            t2[0] = d2.tag
            p[0] = d._k
            q[0] = d2._k
        else:
            t1[0] = d2.tag
            t2[0] = d.tag
            p[0] = d2._k
            q[0] = d._k
        return 0
    t1[0] = h.tag1
    t2[0] = h.tag2
    p[0] = h._p
    q[0] = h._q
    return 0


cdef int _prep_hyper(object o, kop* d, int t1, int t2, cnp.ndarray ref, Py_ssize_t N,
                     list keep) except -1:
    cdef HyperDualArray h
    cdef DualArray x
    _prep_value(o, d, ref, N, keep)
    if type(o) is HyperDualArray:
        h = <HyperDualArray>o
        hyper_dense(h)
        d.e1 = _comp(h._e1, 1, ref, N, &d.e1s, &d.e1r, keep)
        d.e2 = _comp(h._e2, 1, ref, N, &d.e2s, &d.e2r, keep)
        d.e12 = _comp(h._e12, 2, ref, N, &d.e12s, &d.e12r, keep)
        d.n1 = h._p
        d.n2 = h._q
    elif type(o) is DualArray:
        x = <DualArray>o
        if x.tag == t1:
            d.e1 = _comp(dense_eps(x), 1, ref, N, &d.e1s, &d.e1r, keep)
            d.n1 = x._k
        else:
            d.e2 = _comp(dense_eps(x), 1, ref, N, &d.e2s, &d.e2r, keep)
            d.n2 = x._k
    return 0


cdef bint _hyper_band_ok(object o, cnp.ndarray ref):
    """Is o a constant, or banded with ref's shape?"""
    if type(o) is HyperDualArray:
        return _same_shape((<HyperDualArray>o).value, 0, ref, 0) and _hbanded(<HyperDualArray>o)
    if type(o) is DualArray:
        return _same_shape((<DualArray>o).value, 0, ref, 0) and _banded(<DualArray>o)
    return True


cdef int _prep_hband(object o, kop* d, int t1, Py_ssize_t* frame) except -1:
    """Band rows of o; frame holds (off1, end1, off2, end2) of the union so far
    (updated)."""
    cdef HyperDualArray h
    cdef DualArray x
    cdef HyperBandStore hs
    cdef Py_ssize_t rs, off, w
    cdef double* bp
    if type(o) is HyperDualArray:
        h = <HyperDualArray>o
        hs = h._hstore
        d.e1 = (<double*>cnp.PyArray_DATA(hs.band1)) + h._start
        d.e2 = (<double*>cnp.PyArray_DATA(hs.band2)) + h._start
        d.e12 = (<double*>cnp.PyArray_DATA(hs.band12)) + h._start
        d.e1s = d.e2s = d.e12s = 1
        d.e1r = d.e2r = d.e12r = hs.nbase
        d.n1 = hs.band1.shape[0]
        d.n2 = hs.band2.shape[0]
        d.s1 = hs.off1 + h._start          # absolute offsets for now
        # a vsum store's eps2 rows are all pieces of one direction: aligned
        # at 0 so that the result keeps one row (eps2 stays q = 1 wide)
        d.s2 = 0 if hs.vsum else hs.off2 + h._start
        _widen(frame, 0, d.s1, d.n1)
        _widen(frame, 2, d.s2, d.n2)
    elif type(o) is DualArray:
        x = <DualArray>o
        bp = _band_ptr(x, &rs, &off, &w)
        if x.tag == t1:
            d.e1 = bp
            d.e1s = 1
            d.e1r = rs
            d.n1 = w
            d.s1 = off
            _widen(frame, 0, off, w)
        else:
            d.e2 = bp
            d.e2s = 1
            d.e2r = rs
            d.n2 = w
            d.s2 = off
            _widen(frame, 2, off, w)
    return 0


cdef inline void _widen(Py_ssize_t* frame, int i, Py_ssize_t off, Py_ssize_t w):
    if frame[i] > frame[i + 1]:          # empty so far
        frame[i] = off
        frame[i + 1] = off + w
        return
    if off < frame[i]:
        frame[i] = off
    if off + w > frame[i + 1]:
        frame[i + 1] = off + w


cdef int _vsum_frame(object a, object b, int t1, Py_ssize_t* q):
    """For banded operands: 1 when the result is a vsum store (q set to the
    store's internal q), 0 when neither operand is one, -1 when they cannot be
    combined banded (a vsum store beside a plain eps2 band)."""
    cdef int n_vsum = 0, n_plain2 = 0
    cdef HyperBandStore hs
    cdef Py_ssize_t qs = 0
    for o in (a, b):
        if type(o) is HyperDualArray:
            hs = (<HyperDualArray>o)._hstore
            if hs.vsum:
                if n_vsum and hs.q != qs:
                    return -1
                n_vsum += 1
                qs = hs.q
            else:
                n_plain2 += 1
        elif type(o) is DualArray and (<DualArray>o).tag != t1:
            n_plain2 += 1
    if n_vsum == 0:
        return 0
    if n_plain2:
        return -1
    q[0] = qs
    return 1


cdef object _hyper_band_binary(object a, object b, int op, object ufunc, cnp.ndarray ref,
                               Py_ssize_t N, int t1, int t2, Py_ssize_t p, Py_ssize_t q):
    """x op y for banded HyperDualArray operands (or banded DualArrays lifted):
    the result's bands are the unions.  None when they would be as wide as the
    dense tangents."""
    cdef list keep = []
    cdef kop A, B
    cdef Py_ssize_t frame[4]
    cdef Py_ssize_t w1, w2
    cdef cnp.ndarray ov, o1, o2, o12
    cdef bint bad
    cdef int vs = _vsum_frame(a, b, t1, &q)
    if vs < 0:
        return None
    frame[0] = frame[2] = 1
    frame[1] = frame[3] = 0
    _prep_value(a, &A, ref, N, keep)
    _prep_value(b, &B, ref, N, keep)
    _prep_hband(a, &A, t1, frame)
    _prep_hband(b, &B, t1, frame)
    if frame[0] > frame[1]:
        frame[0] = frame[1] = 0
    if frame[2] > frame[3]:
        frame[2] = frame[3] = 0
    w1 = frame[1] - frame[0]
    w2 = frame[3] - frame[2]
    if w1 == 0:
        w1 = 1
    if w2 == 0:
        w2 = 1
    if w1 >= p or (w2 >= q and vs != 1):
        return None
    # shifts relative to the union
    A.s1 -= frame[0]
    A.s2 -= frame[2]
    B.s1 -= frame[0]
    B.s2 -= frame[2]
    ov = _empty(0, 0, 0, cnp.PyArray_DIMS(ref), ref.ndim)
    o1 = _empty(w1, N, 2, NULL, 0)
    o2 = _empty(w2, N, 2, NULL, 0)
    o12 = _empty(w1, w2, 2, <cnp.npy_intp*>&N, 1)
    bad = _hyper_kernel(op, N, w1, w2, &A, &B, ov, o1, o2, o12)
    if bad:
        _warn(ufunc, a, b)
    return new_hband_array(ov, new_hstore(o1, o2, o12, frame[0], frame[2], p, q, vs == 1),
                           0, t1, t2)


cdef int _hyper_kernel(int op, Py_ssize_t N, Py_ssize_t p, Py_ssize_t q, kop* A, kop* B,
                       cnp.ndarray ov, cnp.ndarray o1, cnp.ndarray o2,
                       cnp.ndarray o12) except -1:
    """hyper_binary_kernel into ov, o1, o2, o12 with its scratch space (on the
    stack for up to 32 elements); 1 when a finite input gave a non-finite
    value (the caller lets NumPy warn), else 0."""
    cdef double small[160]
    cdef double* buf = &small[0]
    cdef bint bad
    if not (5 * N <= 160):
        buf = <double*>malloc(5 * N * sizeof(double))
        if buf == NULL:
            raise MemoryError()
    bad = hyper_binary_kernel(op, N, p, q, A, B, <double*>cnp.PyArray_DATA(ov),
                              <double*>cnp.PyArray_DATA(o1), <double*>cnp.PyArray_DATA(o2),
                              <double*>cnp.PyArray_DATA(o12), buf)
    if buf != &small[0]:
        free(buf)
    return 1 if bad else 0


cdef object _hyper_binary(object a, object b, int op, object ufunc):
    cdef int t1 = 0, t2 = 0
    cdef Py_ssize_t p = 0, q = 0, N
    cdef list keep = []
    cdef kop A, B
    cdef cnp.ndarray ref, ov, o1, o2, o12
    cdef bint bad
    _frame(a, b, &t1, &t2, &p, &q)
    ref = _reference(a, b)
    N = cnp.PyArray_SIZE(ref)
    if _hyper_band_ok(a, ref) and _hyper_band_ok(b, ref):
        r = _hyper_band_binary(a, b, op, ufunc, ref, N, t1, t2, p, q)
        if r is not None:
            return r
    _prep_hyper(a, &A, t1, t2, ref, N, keep)
    _prep_hyper(b, &B, t1, t2, ref, N, keep)
    ov = _empty(0, 0, 0, cnp.PyArray_DIMS(ref), ref.ndim)
    o1 = _empty(p, 0, 1, cnp.PyArray_DIMS(ref), ref.ndim)
    o2 = _empty(q, 0, 1, cnp.PyArray_DIMS(ref), ref.ndim)
    o12 = _empty(p, q, 2, cnp.PyArray_DIMS(ref), ref.ndim)
    bad = _hyper_kernel(op, N, p, q, &A, &B, ov, o1, o2, o12)
    if bad:
        _warn(ufunc, a, b)
    return new_hyper_array(ov, o1, o2, o12, t1, t2)


def binary(a, b, int op, ufunc=None):
    """a op b (op from the rule table's Op enum) for dual arrays; TypeError for
    operands of unsupported types."""
    r = binary_array(a, b, op, ufunc)
    if r is NotImplemented:
        raise TypeError("unsupported operand types for a dual-array operation: {0} and {1}"
                        .format(_tname(a), _tname(b)))
    return r


# ================================================================ building blocks for dualcalc/arrays/
def make_dual(value, eps, int tag):
    """A DualArray from float64 components, without the constructor's checks."""
    return new_dual_array(_as_f64(value), _as_f64(eps), tag)


def make_hyper(value, eps1, eps2, eps1eps2, int tag1, int tag2):
    """A HyperDualArray from float64 components, without the constructor's checks."""
    return new_hyper_array(_as_f64(value), _as_f64(eps1), _as_f64(eps2), _as_f64(eps1eps2),
                           tag1, tag2)


def operand(o):
    """o as an operand of the array layer: a DualArray, HyperDualArray, Python
    float or float64 ndarray (Duals become 0-d DualArrays); TypeError otherwise."""
    r = _operand(o)
    if r is None:
        raise TypeError("dual arrays cannot be combined with a " + _tname(o))
    return r


# ================================================================ chain rule from given derivatives
# For rules computed outside the rule table (dualcalc.special, register_ufunc):
# the caller evaluates g, g' (and g'') on the value; this applies the chain rule
# to the tangents, keeping banded tangents banded (so identity seeds stay O(n)).
cdef object _scaled(object t, object g):
    """g * t, exactly 0 where t is exactly 0 (whatever g is)."""
    with np.errstate(all="ignore"):
        r = t * g
    zero = (t == 0)
    if zero.any():
        r[zero] = 0.0
    return r


cdef object _scaled3(object a, object b, object g):
    """g * a * b with broadcasting, exactly 0 where a or b is 0, computed on
    mantissas and exponents: a product of tangents that alone leaves the double
    range (u' squared for a huge u) must not overflow before a tiny g'' brings
    it back (the compiled rules' second_term does the same with frexp)."""
    ma, ea = np.frexp(a)
    mb, eb = np.frexp(b)
    mg, eg = np.frexp(g)
    r = np.ldexp(mg * ma * mb, eg + ea + eb)
    return np.where((a == 0) | (b == 0), 0.0, r)


def chain_unary(x, value, d1, d2=None):
    """The dual array g(x) from value = g(x.value), d1 = g'(x.value) and, for a
    HyperDualArray, d2 = g''(x.value) (arrays of x's value shape): tangents
    g'·t, and g'·e12 + g''·e1⊗e2; a zero tangent stays exactly zero; banded
    tangents stay banded."""
    cdef DualArray d
    cdef HyperDualArray h
    cdef HyperBandStore hs
    cdef BandStore s
    cdef Py_ssize_t N
    value = _contig(_as_f64(value))
    g1 = _contig(_as_f64(d1)).reshape(-1)
    if type(x) is DualArray:
        d = <DualArray>x
        N = cnp.PyArray_SIZE(d.value)
        if _banded(d):
            s = d._store
            band = s.band[:, d._start:d._start + N]
            return new_band_array(value, new_store(_contig(_scaled(band, g1)),
                                                   s.off + d._start, d._k), 0, d.tag)
        e = dense_eps(d)
        return new_dual_array(value, _contig(_scaled(e, g1.reshape(_shape(d.value)))), d.tag)
    if type(x) is HyperDualArray:
        h = <HyperDualArray>x
        if d2 is None:
            raise TypeError("chain_unary: a HyperDualArray needs the second derivative")
        g2 = _contig(_as_f64(d2)).reshape(-1)
        N = cnp.PyArray_SIZE(h.value)
        if _hbanded(h):
            hs = h._hstore
            b1 = hs.band1[:, h._start:h._start + N]
            b2 = hs.band2[:, h._start:h._start + N]
            b12 = hs.band12[:, :, h._start:h._start + N]
            o12 = _scaled(b12, g1) + _scaled3(b1[:, None, :], b2[None, :, :], g2)
            return new_hband_array(value, new_hstore(
                _contig(_scaled(b1, g1)), _contig(_scaled(b2, g1)), _contig(o12),
                hs.off1 + h._start, hs.off2 + h._start, hs.p, hs.q, hs.vsum),
                0, h.tag1, h.tag2)
        hyper_dense(h)
        shp = _shape(h.value)
        G1 = g1.reshape(shp)
        G2 = g2.reshape(shp)
        o12 = _scaled(h._e12, G1) + _scaled3(h._e1[:, None], h._e2[None, :], G2)
        return new_hyper_array(value, _contig(_scaled(h._e1, G1)), _contig(_scaled(h._e2, G1)),
                               _contig(o12), h.tag1, h.tag2)
    raise TypeError("expected a DualArray or HyperDualArray, got " + _tname(x))


wire_engine(unary_array, binary_array)
