# cython: language_level=3
"""Indexing of dual arrays: x[idx] and x[idx] = v.

Design: basic indices integers, slices, None, ... take views of every
component, the direction axes left in front; banded tangents stay banded for
views of a 1-D array.  Advanced integer/boolean array indices go through
NumPy on each component, with NumPy's rule for where the broadcast axes land.
A full integer index gives a compiled scalar with all directions inline
DualVec / HyperDualVec, ``_vec.pyx``, so that scalar-style code x[0] * x[1], loops over x[i] runs at compiled speed instead of through 0-d arrays.
"""
cimport numpy as cnp
from cpython.long cimport PyLong_Check, PyLong_CheckExact
from libc.string cimport memset
from dualcalc._core._scalar cimport Dual, HyperDual
from dualcalc._core._vec cimport DualVec, HyperDualVec, new_vec, new_hvec
from dualcalc._core._engine cimport _operand, _ndirs_error
from dualcalc._core._alloc cimport _contig, _scalar0d
from dualcalc._core._bands cimport BandStore, HyperBandStore, new_store, new_hstore
from dualcalc._core._types cimport (
    DualArray, HyperDualArray, new_dual_array, new_band_array, new_hyper_array,
    new_hband_array, dense_eps, hyper_dense, _banded, _hbanded, _band_ptr, _value_array,
    _as_f64, _tname, wire_indexing)

import numpy as np

cnp.import_array()


# ================================================================ indexing
cdef tuple _SL1 = (slice(None),)
cdef tuple _SL2 = (slice(None), slice(None))
cdef tuple _ELL = (Ellipsis,)


cdef inline bint _basic_item(object i):
    return (PyLong_Check(i) or type(i) is slice or i is None or i is Ellipsis
            or isinstance(i, np.integer)) and type(i) is not bool


cdef object _index_error(object i):
    return TypeError("cannot index with a {0}: indices must be integers, slices, ..., "
                     "None, or integer/boolean arrays (use .value for a dual index)"
                     .format(_tname(i)))


cdef tuple _norm_index(object idx, bint* basic, bint* has_ell):
    cdef list items
    cdef object i
    if type(idx) is not tuple:
        idx = (idx,)
    basic[0] = True
    has_ell[0] = False
    for i in <tuple>idx:
        if i is Ellipsis:
            has_ell[0] = True
        if not _basic_item(i):
            basic[0] = False
    if basic[0]:
        return <tuple>idx
    items = []
    for i in <tuple>idx:
        if _basic_item(i):
            items.append(i)
        elif type(i) is DualArray or type(i) is HyperDualArray or type(i) is Dual or type(i) is HyperDual:
            raise _index_error(i)
        elif isinstance(i, (list, cnp.ndarray, bool, np.bool_)):
            a = np.asarray(i)
            if a.dtype.kind not in "iub" and a.size:
                raise _index_error(i)
            if a.dtype.kind not in "iub":
                a = a.astype(np.intp)
            items.append(a)
        else:
            raise _index_error(i)
    return tuple(items)


cdef object _adv_front(tuple idx):
    """For an index with advanced items: the number of broadcast dimensions that
    NumPy moves to the front of the result (because the advanced items are not
    adjacent), or 0 when the result keeps them in place."""
    cdef list pos = []
    cdef list shapes = []
    cdef bint any_array = False
    cdef Py_ssize_t n
    for n, i in enumerate(idx):
        if isinstance(i, cnp.ndarray):
            any_array = True
            pos.append(n)
            if i.dtype.kind == "b":
                shapes.append((int(np.count_nonzero(i)),))
            else:
                shapes.append(i.shape)
        elif PyLong_Check(i) or isinstance(i, np.integer):
            pos.append(n)
            shapes.append(())
    if not any_array or pos[len(pos) - 1] - pos[0] + 1 == len(pos):
        return 0
    return len(np.broadcast_shapes(*shapes))


# ---------------------------------------------------------------- single elements
# A full integer index gives a compiled scalar with all directions inline
# (DualVec / HyperDualVec, _vec.pyx), so that scalar-style code (x[0] * x[1],
# loops over x[i]) runs at compiled speed instead of through 0-d arrays.
cdef bint _scalar_elements = True


def set_scalar_elements(bint on):
    """Whether a full integer index gives a DualVec / HyperDualVec (the default)
    or a 0-d dual array, as before they existed; returns the previous setting.
    For benchmarks that compare the two paths in one process."""
    global _scalar_elements
    cdef bint old = _scalar_elements
    _scalar_elements = on
    return old


cdef object _element(object x, object idx):
    """x[idx] as a DualVec or HyperDualVec when idx is an integer per axis (a
    plain int for a 1-D x); None for any other index."""
    cdef cnp.ndarray v = _value_array(x)
    cdef int nd = v.ndim, ax
    cdef Py_ssize_t flat = 0, i, n, voff = 0
    cdef Py_ssize_t pos[32]
    cdef object item
    if PyLong_CheckExact(idx) and nd == 1:           # x[i] of a vector: the hot case
        n = v.shape[0]
        i = idx
        if i < -n or i >= n:
            raise IndexError("index {0} is out of bounds for axis 0 with size {1}".format(
                idx, n))
        if i < 0:
            i += n
        pos[0] = i
        if type(x) is DualArray:
            return _dual_element(<DualArray>x, (<double*>(<char*>cnp.PyArray_DATA(v)
                                                          + i * v.strides[0]))[0], i, pos)
        return _hyper_element(<HyperDualArray>x, (<double*>(<char*>cnp.PyArray_DATA(v)
                                                             + i * v.strides[0]))[0], i, pos)
    if PyLong_CheckExact(idx) or (isinstance(idx, np.integer) and type(idx) is not bool):
        if nd != 1:
            return None
        idx = (idx,)
    elif type(idx) is not tuple or len(<tuple>idx) != nd or nd == 0 or nd > 32:
        return None
    for ax in range(nd):
        item = (<tuple>idx)[ax]
        if not (PyLong_CheckExact(item) or isinstance(item, np.integer)) or type(item) is bool:
            return None
        n = v.shape[ax]
        i = item
        if i < -n or i >= n:
            raise IndexError("index {0} is out of bounds for axis {1} with size {2}".format(
                item, ax, n))
        if i < 0:
            i += n
        pos[ax] = i
        flat = flat * n + i
        voff += i * v.strides[ax]
    cdef double value = (<double*>(<char*>cnp.PyArray_DATA(v) + voff))[0]
    if type(x) is DualArray:
        return _dual_element(<DualArray>x, value, flat, pos)
    return _hyper_element(<HyperDualArray>x, value, flat, pos)


cdef inline Py_ssize_t _offset(cnp.ndarray a, int lead, Py_ssize_t* pos):
    """Byte offset of element pos (behind lead direction axes) in a."""
    cdef Py_ssize_t off = 0
    cdef int ax
    for ax in range(a.ndim - lead):
        off += pos[ax] * a.strides[lead + ax]
    return off


cdef object _dual_element(DualArray d, double value, Py_ssize_t flat, Py_ssize_t* pos):
    cdef DualVec r = new_vec(value, d._k, d.tag)
    cdef Py_ssize_t j, b, dr, rs = 0, off = 0, w = 0, s0
    cdef double* bp
    cdef char* ep
    if _banded(d):
        # a banded element has at most w nonzero tangents: scatter them
        memset(r.eps, 0, d._k * sizeof(double))
        bp = _band_ptr(d, &rs, &off, &w)
        for b in range(w):
            dr = flat + off + b
            if 0 <= dr < d._k:
                r.eps[dr] = bp[b * rs + flat]
        r.lo = min(max(flat + off, 0), d._k)          # the window of its directions
        r.hi = max(min(flat + off + w, d._k), r.lo)
        return r
    ep = <char*>cnp.PyArray_DATA(d._eps) + _offset(d._eps, 1, pos)
    s0 = d._eps.strides[0]
    for j in range(d._k):
        r.eps[j] = (<double*>(ep + j * s0))[0]
    return r


cdef object _hyper_element(HyperDualArray h, double value, Py_ssize_t flat, Py_ssize_t* pos):
    cdef Py_ssize_t p = h._p, q = h._q, a, c, r_, nb, j, w1, w2, nb_c
    cdef HyperDualVec r = new_hvec(value, p, q, h.tag1, h.tag2)
    cdef HyperBandStore s
    cdef double* b1
    cdef double* b2
    cdef double* b12
    cdef char* ep
    cdef Py_ssize_t s0, s1
    if _hbanded(h):
        s = h._hstore
        memset(r.e1, 0, (p + q + p * q) * sizeof(double))
        nb = s.nbase
        j = h._start + flat
        w1 = s.band1.shape[0]
        w2 = s.band2.shape[0]
        b1 = <double*>cnp.PyArray_DATA(s.band1)
        b2 = <double*>cnp.PyArray_DATA(s.band2)
        b12 = <double*>cnp.PyArray_DATA(s.band12)
        for r_ in range(w1):
            a = j + s.off1 + r_
            if 0 <= a < p:
                r.e1[a] = b1[r_ * nb + j]
        for c in range(w2):
            if s.vsum:                 # eps2 is one direction, pieced over the rows
                r.e2[0] += b2[c * nb + j]
            else:
                a = j + s.off2 + c
                if 0 <= a < q:
                    r.e2[a] = b2[c * nb + j]
        for r_ in range(w1):
            a = j + s.off1 + r_
            if not 0 <= a < p:
                continue
            for c in range(w2):
                if s.vsum:
                    r.e12[a] += b12[(r_ * w2 + c) * nb + j]
                else:
                    nb_c = j + s.off2 + c
                    if 0 <= nb_c < q:
                        r.e12[a * q + nb_c] = b12[(r_ * w2 + c) * nb + j]
        # the window of the directions this element can touch (zeros outside it)
        r.lo1 = min(max(j + s.off1, 0), p)
        r.hi1 = max(min(j + s.off1 + w1, p), r.lo1)
        if not s.vsum:
            r.lo2 = min(max(j + s.off2, 0), q)
            r.hi2 = max(min(j + s.off2 + w2, q), r.lo2)
        return r
    hyper_dense(h)
    ep = <char*>cnp.PyArray_DATA(h._e1) + _offset(h._e1, 1, pos)
    s0 = h._e1.strides[0]
    for a in range(p):
        r.e1[a] = (<double*>(ep + a * s0))[0]
    ep = <char*>cnp.PyArray_DATA(h._e2) + _offset(h._e2, 1, pos)
    s0 = h._e2.strides[0]
    for c in range(q):
        r.e2[c] = (<double*>(ep + c * s0))[0]
    ep = <char*>cnp.PyArray_DATA(h._e12) + _offset(h._e12, 2, pos)
    s0 = h._e12.strides[0]
    s1 = h._e12.strides[1]
    for a in range(p):
        for c in range(q):
            r.e12[a * q + c] = (<double*>(ep + a * s0 + c * s1))[0]
    return r


cdef object _getitem(object x, object idx):
    """x[idx]: one element as a dual scalar (the hot case of scalar-style code,
    kept apart from the general function's many locals), else _getitem_array."""
    cdef object el
    if _scalar_elements:
        el = _element(x, idx)
        if el is not None:
            return el
    return _getitem_array(x, idx)


cdef object _getitem_array(object x, object idx):
    cdef bint basic, has_ell
    cdef tuple t = _norm_index(idx, &basic, &has_ell)
    cdef tuple vt = t if has_ell else t + _ELL
    cdef cnp.ndarray v
    cdef object nb
    if type(x) is DualArray:
        d = <DualArray>x
        if basic and _banded(d):
            r = _band_getitem(d, t)
            if r is not None:
                return r
        v = d.value[vt]
        e = dense_eps(d)[_SL1 + t]
        if not basic:
            nb = _adv_front(t)
            if nb:
                e = np.moveaxis(e, nb, 0)
        elif v.ndim == 0 and not has_ell:
            # a single element: a copy, like NumPy's scalar (so that += on it never
            # writes back into x)
            return new_dual_array(_scalar0d((<double*>cnp.PyArray_DATA(v))[0]),
                                  _contig(e) if not cnp.PyArray_IS_C_CONTIGUOUS(e) else e.copy(),
                                  d.tag)
        return new_dual_array(v, _as_f64(e), d.tag)
    h = <HyperDualArray>x
    if basic and _hbanded(h):
        r = _hband_getitem(h, t)
        if r is not None:
            return r
    hyper_dense(h)
    v = h.value[vt]
    e1 = h._e1[_SL1 + t]
    e2 = h._e2[_SL1 + t]
    e12 = h._e12[_SL2 + t]
    if not basic:
        nb = _adv_front(t)
        if nb:
            e1 = np.moveaxis(e1, nb, 0)
            e2 = np.moveaxis(e2, nb, 0)
            e12 = np.moveaxis(e12, (nb, nb + 1), (0, 1))
    elif v.ndim == 0 and not has_ell:
        return new_hyper_array(_scalar0d((<double*>cnp.PyArray_DATA(v))[0]),
                               np.array(e1), np.array(e2), np.array(e12), h.tag1, h.tag2)
    return new_hyper_array(v, _as_f64(e1), _as_f64(e2), _as_f64(e12), h.tag1, h.tag2)


cdef object _band_getitem(DualArray d, tuple t):
    """Basic indexing that keeps a band: a 1-D slice with step 1 (a view sharing
    the store) or a single element (a copy).  None for anything else."""
    cdef int nd = d.value.ndim
    cdef Py_ssize_t start, stop, step, flat, i, ax
    cdef BandStore s = d._store
    cdef object item
    if nd == 1 and len(t) == 1 and type(t[0]) is slice:
        start, stop, step = (<slice>t[0]).indices(d.value.shape[0])
        if step != 1:
            return None
        if stop < start:
            stop = start
        return new_band_array(d.value[start:stop], s, d._start + start, d.tag)
    if len(t) != nd:
        return None
    for item in t:
        if not (PyLong_Check(item) or isinstance(item, np.integer)) or type(item) is bool:
            return None
    v = d.value[t]                        # IndexError for out-of-range indices
    flat = 0
    for ax in range(nd):
        i = t[ax]
        if i < 0:
            i += d.value.shape[ax]
        flat = flat * d.value.shape[ax] + i
    band = s.band[:, d._start + flat:d._start + flat + 1].copy()
    return new_band_array(_scalar0d(v), new_store(band, s.off + d._start + flat, d._k), 0, d.tag)


cdef object _hband_getitem(HyperDualArray h, tuple t):
    """As _band_getitem, for a banded HyperDualArray."""
    cdef int nd = h.value.ndim
    cdef Py_ssize_t start, stop, step, flat, i, ax, j
    cdef HyperBandStore s = h._hstore
    cdef object item
    if nd == 1 and len(t) == 1 and type(t[0]) is slice:
        start, stop, step = (<slice>t[0]).indices(h.value.shape[0])
        if step != 1:
            return None
        if stop < start:
            stop = start
        return new_hband_array(h.value[start:stop], s, h._start + start, h.tag1, h.tag2)
    if len(t) != nd:
        return None
    for item in t:
        if not (PyLong_Check(item) or isinstance(item, np.integer)) or type(item) is bool:
            return None
    v = h.value[t]
    flat = 0
    for ax in range(nd):
        i = t[ax]
        if i < 0:
            i += h.value.shape[ax]
        flat = flat * h.value.shape[ax] + i
    j = h._start + flat
    return new_hband_array(
        _scalar0d(v), new_hstore(s.band1[:, j:j + 1].copy(), s.band2[:, j:j + 1].copy(),
                                 s.band12[:, :, j:j + 1].copy(), s.off1 + j, s.off2 + j,
                                 s.p, s.q, s.vsum), 0, h.tag1, h.tag2)


cdef object _align(object e, int nlead, int target_nd, object nb):
    """Tangent e (lead + Sv) arranged to be assigned into a target of value ndim
    target_nd: lead axes kept in front (or moved behind nb advanced dims)."""
    cdef int snd = e.ndim - nlead
    if snd < target_nd:
        e = e.reshape(e.shape[:nlead] + (1,) * (target_nd - snd) + e.shape[nlead:])
    if nb:
        e = np.moveaxis(e, tuple(range(nlead)), tuple(range(nb, nb + nlead)))
    return e


cdef object _setitem(object x, object idx, object val):
    cdef bint basic, has_ell
    cdef tuple t = _norm_index(idx, &basic, &has_ell)
    cdef object nb = 0 if basic else _adv_front(t)
    cdef object c = _operand(val)
    cdef int tnd
    if c is None:
        raise TypeError("cannot assign a {0} into a {1}".format(_tname(val), _tname(x)))
    if type(x) is DualArray:
        d = <DualArray>x
        if type(c) is HyperDualArray:
            raise TypeError("cannot assign a HyperDualArray into a DualArray (it carries "
                            "a second perturbation); build the result with np.where or "
                            "np.stack instead")
        if type(c) is DualArray:
            if (<DualArray>c).tag != d.tag:
                raise TypeError(
                    "cannot assign a DualArray of another differentiation (tag {0}) into "
                    "this DualArray (tag {1}) in place; combine them with arithmetic or "
                    "np.where, which keeps both perturbations".format((<DualArray>c).tag, d.tag))
            if (<DualArray>c)._k != d._k:
                raise _ndirs_error(d._k, (<DualArray>c)._k)
            tnd = np.ndim(d.value[t])
            ce = dense_eps(<DualArray>c)
            de = dense_eps(d)
            d.value[t] = (<DualArray>c).value
            de[_SL1 + t] = _align(ce, 1, tnd, nb)
        else:
            de = dense_eps(d)
            d.value[t] = c
            de[_SL1 + t] = 0.0
        return None
    h = <HyperDualArray>x
    if type(c) is DualArray:
        raise TypeError("cannot assign a DualArray into a HyperDualArray in place; "
                        "convert it with arithmetic (e.g. 0 * h + d) first")
    if type(c) is HyperDualArray:
        ch = <HyperDualArray>c
        if ch.tag1 != h.tag1 or ch.tag2 != h.tag2:
            raise TypeError("cannot assign a HyperDualArray of another differentiation")
        if ch._p != h._p or ch._q != h._q:
            raise _ndirs_error(h._p, ch._p)
        tnd = np.ndim(h.value[t])
        hyper_dense(ch)
        hyper_dense(h)
        h.value[t] = ch.value
        h._e1[_SL1 + t] = _align(ch._e1, 1, tnd, nb)
        h._e2[_SL1 + t] = _align(ch._e2, 1, tnd, nb)
        h._e12[_SL2 + t] = _align(ch._e12, 2, tnd, nb)
    else:
        hyper_dense(h)
        h.value[t] = c
        h._e1[_SL1 + t] = 0.0
        h._e2[_SL1 + t] = 0.0
        h._e12[_SL2 + t] = 0.0
    return None


wire_indexing(_getitem, _setitem)
