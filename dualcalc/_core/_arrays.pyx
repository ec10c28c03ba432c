# cython: language_level=3
"""DualArray and HyperDualArray: dual numbers with array values.

Design: a DualArray is a value array of shape S and a tangent array ``eps`` of
shape (k,) + S -- k directional derivatives carried at once, the direction axis
in FRONT, so ``eps[j]`` is the j-th directional derivative and NumPy
broadcasting applies g'(value) to every direction without reshaping.  A
HyperDualArray adds a second perturbation: eps1 (p,) + S, eps2 (q,) + S and
eps1eps2 (p, q) + S.

Layers in this file:

* compiled kernels (``nogil`` loops over contiguous data) that apply the rule
  table (``_rules.pxd``) elementwise: a unary function g gives (g, g', g'') per
  element and the tangents become g'·eps (and g'·e12 + g''·e1⊗e2); two-argument
  functions go through ``binary_eval``'s partials.  The zero-stays-zero rule
  (``m0``) is applied inside the loops, so it costs nothing extra;
* the operand engine: converts Python/NumPy/dual operands, finds the common
  perturbation (tags), broadcasts shapes (size-1 operands by stride 0, anything
  else by materialising), and calls the kernels;
* the Python-facing types, their operators, indexing, and the NumPy protocols
  (``__array_ufunc__``, ``__array_function__``).  Everything that is not on the
  hot path of elementwise arithmetic -- reductions, linear algebra, structure
  operations -- lives in ``dualcalc/arrays.py`` and is registered here at import.

Invariants: every component is a float64 ndarray; results are C-contiguous.
Tags work as for the scalars: equal tags share one perturbation; two different
tags are two nested differentiations and combine into a HyperDualArray whose
eps1 belongs to the smaller tag.
"""
cimport cython
cimport numpy as cnp
from cpython.float cimport PyFloat_CheckExact, PyFloat_AS_DOUBLE
from cpython.long cimport PyLong_Check, PyLong_CheckExact, PyLong_AsDouble
from cpython.object cimport PyObject, PyTypeObject
from cpython.ref cimport Py_INCREF
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset
from libc.math cimport isfinite

from dualcalc._core._rules cimport (
    triple, partials, rule_eval, binary_eval, second_term, first_term, first_x, first_y,
    partials_scaled, second_p,
    R_SQUARE, R_NEGATIVE, R_POSITIVE, R_ABS, R_SQRT, R_RECIPROCAL,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_FLOORDIV, OP_MOD, OP_MAXIMUM,
    OP_MINIMUM, OP_COUNT)
from dualcalc._core._scalar cimport Dual, HyperDual, m0
from dualcalc._core._vec cimport DualVec, HyperDualVec, new_vec, new_hvec

import operator

import numpy as np

from dualcalc._core._scalar import (
    _UNARY_UFUNCS, _BINARY_UFUNCS, _VALUE_UFUNCS, set_array_ufunc_hook)
from dualcalc._core._vec import gather as _gather_vec

cnp.import_array()

cdef tuple _NP_REAL = (np.floating, np.integer, np.bool_)
from dualcalc import _conversions as _conv
cdef object _FLOAT64 = np.dtype(np.float64)
cdef object _np_add_reduce = np.add.reduce
cdef object _EMPTY_TUPLE = ()


# ================================================================ errors
_CONVERT_MESSAGE = (
    "cannot convert a {0} to {1}: that would drop its derivatives. Use .value for "
    "the values (and {2} for the derivatives); NumPy ufuncs and the functions "
    "listed in dualcalc.arrays.SUPPORTED_FUNCTIONS propagate derivatives.")


cdef str _tname(object o):
    return type(o).__name__


cdef object _refuse(object self, str target):
    if target != "an integer index":      # operator.index() probes are not conversions
        _conv.note(target)
    raise TypeError(_CONVERT_MESSAGE.format(
        _tname(self), target,
        ".eps" if type(self) is DualArray else ".eps1, .eps2, .eps1eps2"))


# ================================================================ allocation
cdef inline cnp.ndarray _empty(Py_ssize_t l0, Py_ssize_t l1, int nlead,
                               cnp.npy_intp* shape, int nd):
    """An uninitialised float64 array of shape lead + shape (nlead leading axes)."""
    cdef cnp.npy_intp dims[70]
    cdef int i
    if nlead >= 1:
        dims[0] = l0
    if nlead >= 2:
        dims[1] = l1
    for i in range(nd):
        dims[nlead + i] = shape[i]
    return <cnp.ndarray>cnp.PyArray_EMPTY(nd + nlead, dims, cnp.NPY_DOUBLE, 0)


cdef inline tuple _shape(cnp.ndarray a):
    return (<object>a).shape


cdef inline cnp.ndarray _contig(cnp.ndarray a):
    if cnp.PyArray_IS_C_CONTIGUOUS(a):
        return a
    return <cnp.ndarray>cnp.PyArray_NewCopy(a, cnp.NPY_CORDER)


cdef inline cnp.ndarray _scalar0d(double v):
    cdef cnp.ndarray a = <cnp.ndarray>cnp.PyArray_EMPTY(0, NULL, cnp.NPY_DOUBLE, 0)
    (<double*>cnp.PyArray_DATA(a))[0] = v
    return a


cdef inline cnp.ndarray _row0(double v):
    cdef cnp.npy_intp one = 1
    cdef cnp.ndarray a = <cnp.ndarray>cnp.PyArray_EMPTY(1, &one, cnp.NPY_DOUBLE, 0)
    (<double*>cnp.PyArray_DATA(a))[0] = v
    return a


cdef inline cnp.ndarray _as_f64(object a):
    """a as a float64 ndarray (no copy when it already is one)."""
    if type(a) is cnp.ndarray and cnp.PyArray_TYPE(<cnp.ndarray>a) == cnp.NPY_DOUBLE:
        return <cnp.ndarray>a
    return <cnp.ndarray>np.asarray(a, dtype=np.float64)


# ================================================================ factories
cdef DualArray new_dual_array(cnp.ndarray value, cnp.ndarray eps, int tag):
    cdef DualArray r = DualArray.__new__(DualArray)
    r.value = value
    r._eps = eps
    r._k = eps.shape[0]
    r.tag = tag
    return r


cdef DualArray new_band_array(cnp.ndarray value, BandStore store, Py_ssize_t start, int tag):
    cdef DualArray r = DualArray.__new__(DualArray)
    r.value = value
    r._store = store
    r._start = start
    r._k = store.k
    r.tag = tag
    return r


cdef BandStore new_store(cnp.ndarray band, Py_ssize_t off, Py_ssize_t k):
    cdef BandStore s = BandStore.__new__(BandStore)
    s.band = band
    s.off = off
    s.k = k
    s.nbase = band.shape[1]
    return s


cdef void _scatter_band(double* band, Py_ssize_t w, Py_ssize_t rs, Py_ssize_t n,
                        Py_ssize_t off, Py_ssize_t k, double* out, Py_ssize_t ors) noexcept nogil:
    """out[j, i] = band[j - i - off, i]: the dense (k, n) tangents of a band."""
    cdef Py_ssize_t b, i, j, lo, hi
    for b in range(w):
        # rows j = i + off + b must lie in [0, k)
        lo = -(off + b)
        if lo < 0:
            lo = 0
        hi = k - off - b
        if hi > n:
            hi = n
        for i in range(lo, hi):
            out[(i + off + b) * ors + i] = band[b * rs + i]


cdef cnp.ndarray _densify(BandStore s):
    cdef cnp.npy_intp dims[2]
    cdef cnp.ndarray d
    if s.dense is None:
        dims[0] = s.k
        dims[1] = s.nbase
        d = <cnp.ndarray>cnp.PyArray_ZEROS(2, dims, cnp.NPY_DOUBLE, 0)
        _scatter_band(<double*>cnp.PyArray_DATA(s.band), s.band.shape[0], s.nbase, s.nbase,
                      s.off, s.k, <double*>cnp.PyArray_DATA(d), s.nbase)
        s.dense = d
        s.band = None
    return s.dense


cdef cnp.ndarray dense_eps(DualArray x):
    """x's tangents as a dense (k,) + S array (materialising banded tangents, in
    their shared store so that views of x keep seeing the same numbers)."""
    cdef cnp.ndarray d
    if x._eps is None:
        d = _densify(x._store)
        n = cnp.PyArray_SIZE(x.value)
        x._eps = <cnp.ndarray>(d[:, x._start:x._start + n].reshape((x._k,) + _shape(x.value)))
        x._store = None
    return x._eps


cdef inline bint _banded(DualArray x):
    """Is x's tangent banded (and still so in its store)?"""
    if x._eps is not None:
        return False
    if x._store.band is None:
        dense_eps(x)
        return False
    return True


cdef inline double* _band_ptr(DualArray x, Py_ssize_t* rs, Py_ssize_t* off, Py_ssize_t* w):
    """Pointer to x's first band row (x banded), its row stride, offset and width."""
    cdef BandStore s = x._store
    rs[0] = s.nbase
    off[0] = s.off + x._start
    w[0] = s.band.shape[0]
    return (<double*>cnp.PyArray_DATA(s.band)) + x._start


cdef HyperDualArray new_hband_array(cnp.ndarray value, HyperBandStore store, Py_ssize_t start,
                                    int tag1, int tag2):
    cdef HyperDualArray r = HyperDualArray.__new__(HyperDualArray)
    r.value = value
    r._hstore = store
    r._start = start
    r._p = store.p
    r._q = 1 if store.vsum else store.q
    r.tag1 = tag1
    r.tag2 = tag2
    return r


cdef HyperBandStore new_hstore(cnp.ndarray b1, cnp.ndarray b2, cnp.ndarray b12, Py_ssize_t off1,
                               Py_ssize_t off2, Py_ssize_t p, Py_ssize_t q, bint vsum=False):
    cdef HyperBandStore s = HyperBandStore.__new__(HyperBandStore)
    s.band1 = b1
    s.band2 = b2
    s.band12 = b12
    s.off1 = off1
    s.off2 = off2
    s.p = p
    s.q = q
    s.nbase = b1.shape[1]
    s.vsum = vsum
    return s


cdef void _scatter_band2(double* band, Py_ssize_t w1, Py_ssize_t w2, Py_ssize_t n,
                         Py_ssize_t off1, Py_ssize_t off2, Py_ssize_t p, Py_ssize_t q,
                         double* out) noexcept nogil:
    """out[a, b, i] = band[a - i - off1, b - i - off2, i] (out is (p, q, n))."""
    cdef Py_ssize_t r, c, i, a, b
    for r in range(w1):
        for c in range(w2):
            for i in range(n):
                a = i + off1 + r
                b = i + off2 + c
                if 0 <= a < p and 0 <= b < q:
                    out[(a * q + b) * n + i] = band[(r * w2 + c) * n + i]


cdef void _sum_band2(double* band, Py_ssize_t w1, Py_ssize_t w2, Py_ssize_t rs, Py_ssize_t n,
                     Py_ssize_t off1, Py_ssize_t off2, Py_ssize_t p, Py_ssize_t q,
                     double* out) noexcept nogil:
    """out[a, b] = sum_i band[a - i - off1, b - i - off2, i]."""
    cdef Py_ssize_t r, c, i, a, b
    cdef double* row
    for r in range(w1):
        for c in range(w2):
            row = band + (r * w2 + c) * rs
            for i in range(n):
                a = i + off1 + r
                b = i + off2 + c
                if 0 <= a < p and 0 <= b < q:
                    out[a * q + b] += row[i]


cdef void _vsum_band(double* band, Py_ssize_t w, Py_ssize_t rs, Py_ssize_t n,
                     double* out, Py_ssize_t os) noexcept nogil:
    """out[i * os] += sum_c band[c, i]: the eps2 of a vsum store (every row
    holds pieces of the one direction, so all of them are summed)."""
    cdef Py_ssize_t c, i
    for c in range(w):
        for i in range(n):
            out[i * os] += band[c * rs + i]


cdef void _vsum_band2(double* band, Py_ssize_t w1, Py_ssize_t w2, Py_ssize_t rs, Py_ssize_t n,
                      Py_ssize_t off1, Py_ssize_t p, double* out, Py_ssize_t ors,
                      Py_ssize_t os) noexcept nogil:
    """out[a * ors + i * os] += band[a - i - off1, c, i] summed over the eps2
    rows c (a vsum store's eps1eps2; a in [0, p))."""
    cdef Py_ssize_t r, c, i, a
    cdef double* row
    for r in range(w1):
        for c in range(w2):
            row = band + (r * w2 + c) * rs
            for i in range(n):
                a = i + off1 + r
                if 0 <= a < p:
                    out[a * ors + i * os] += row[i]


cdef int _hdensify_vsum(HyperBandStore s) except -1:
    """Densify a vsum store: eps2 becomes the one direction (q = 1) that its
    pieces add up to, so no (p, q, n) array of the internal q is ever built."""
    cdef Py_ssize_t n = s.nbase
    cdef cnp.ndarray d1 = <cnp.ndarray>np.zeros((s.p, n))
    cdef cnp.ndarray d2 = <cnp.ndarray>np.zeros((1, n))
    cdef cnp.ndarray d12 = <cnp.ndarray>np.zeros((s.p, 1, n))
    _scatter_band(<double*>cnp.PyArray_DATA(s.band1), s.band1.shape[0], n, n,
                  s.off1, s.p, <double*>cnp.PyArray_DATA(d1), n)
    _vsum_band(<double*>cnp.PyArray_DATA(s.band2), s.band2.shape[0], n, n,
               <double*>cnp.PyArray_DATA(d2), 1)
    _vsum_band2(<double*>cnp.PyArray_DATA(s.band12), s.band1.shape[0], s.band2.shape[0], n, n,
                s.off1, s.p, <double*>cnp.PyArray_DATA(d12), n, 1)
    s.dense1 = d1
    s.dense2 = d2
    s.dense12 = d12
    s.band1 = s.band2 = s.band12 = None
    s.q = 1
    s.vsum = False
    return 0


cdef int _hdensify(HyperBandStore s) except -1:
    cdef cnp.npy_intp dims[3]
    cdef cnp.ndarray d1, d2, d12
    if s.dense1 is not None:
        return 0
    if s.vsum:
        return _hdensify_vsum(s)
    dims[0] = s.p
    dims[1] = s.nbase
    d1 = <cnp.ndarray>cnp.PyArray_ZEROS(2, dims, cnp.NPY_DOUBLE, 0)
    dims[0] = s.q
    d2 = <cnp.ndarray>cnp.PyArray_ZEROS(2, dims, cnp.NPY_DOUBLE, 0)
    dims[0] = s.p
    dims[1] = s.q
    dims[2] = s.nbase
    d12 = <cnp.ndarray>cnp.PyArray_ZEROS(3, dims, cnp.NPY_DOUBLE, 0)
    _scatter_band(<double*>cnp.PyArray_DATA(s.band1), s.band1.shape[0], s.nbase, s.nbase,
                  s.off1, s.p, <double*>cnp.PyArray_DATA(d1), s.nbase)
    _scatter_band(<double*>cnp.PyArray_DATA(s.band2), s.band2.shape[0], s.nbase, s.nbase,
                  s.off2, s.q, <double*>cnp.PyArray_DATA(d2), s.nbase)
    _scatter_band2(<double*>cnp.PyArray_DATA(s.band12), s.band1.shape[0], s.band2.shape[0],
                   s.nbase, s.off1, s.off2, s.p, s.q, <double*>cnp.PyArray_DATA(d12))
    s.dense1 = d1
    s.dense2 = d2
    s.dense12 = d12
    s.band1 = s.band2 = s.band12 = None
    return 0


cdef int hyper_dense(HyperDualArray x) except -1:
    """Materialise x's banded tangents (in their shared store, see dense_eps)."""
    cdef HyperBandStore s
    cdef Py_ssize_t n
    cdef tuple S
    if x._e1 is not None:
        return 0
    s = x._hstore
    _hdensify(s)
    n = cnp.PyArray_SIZE(x.value)
    S = _shape(x.value)
    x._e1 = <cnp.ndarray>(s.dense1[:, x._start:x._start + n].reshape((x._p,) + S))
    x._e2 = <cnp.ndarray>(s.dense2[:, x._start:x._start + n].reshape((x._q,) + S))
    x._e12 = <cnp.ndarray>(s.dense12[:, :, x._start:x._start + n].reshape((x._p, x._q) + S))
    x._hstore = None
    return 0


cdef inline bint _hbanded(HyperDualArray x):
    if x._e1 is not None:
        return False
    if x._hstore.band1 is None:
        hyper_dense(x)
        return False
    return True


def seed_identity_hyper(value, Py_ssize_t start1, Py_ssize_t stop1, Py_ssize_t start2,
                        Py_ssize_t stop2, int tag1=0, int tag2=0):
    """A HyperDualArray with value ``value`` seeded with chunks of the identity:
    eps1 direction a is the unit vector of flat element start1 + a, eps2
    direction b that of start2 + b, eps1eps2 zero; stored banded.  With both
    chunks the whole range, f(x).eps1eps2 is the Hessian."""
    cdef cnp.ndarray v = _checked_component(value, "value", "seed_identity_hyper(value, ...)")
    cdef Py_ssize_t n = cnp.PyArray_SIZE(v)
    if not (0 <= start1 <= stop1 <= n and 0 <= start2 <= stop2 <= n):
        raise ValueError("seed_identity_hyper: need 0 <= start <= stop <= value.size")
    b1 = np.zeros((1, n))
    b1[0, start1:stop1] = 1.0
    b2 = np.zeros((1, n))
    b2[0, start2:stop2] = 1.0
    return new_hband_array(v, new_hstore(b1, b2, np.zeros((1, 1, n)), -start1, -start2,
                                         stop1 - start1, stop2 - start2), 0, tag1, tag2)


def seed_hvp(value, Py_ssize_t start, Py_ssize_t stop, direction, int tag1=0, int tag2=0):
    """A HyperDualArray for Hessian-vector products: eps1 direction a is the
    unit vector of flat element start + a (a chunk of the identity), eps2 is
    the ONE direction ``direction`` (q = 1), eps1eps2 zero.  Stored in O(n):
    eps1 as a band, eps2 as one row per element, eps1eps2 banded along eps1
    only, so f(x).eps1eps2[:, 0] is rows start:stop of H @ direction at
    about the cost of a gradient for banded code (and exactly, densified,
    for any other f)."""
    cdef cnp.ndarray v, d, b1, b2, b12
    cdef cnp.npy_intp dims[3]
    cdef Py_ssize_t n, i
    cdef double* bp
    if type(value) is cnp.ndarray and cnp.PyArray_TYPE(<cnp.ndarray>value) == cnp.NPY_DOUBLE:
        v = <cnp.ndarray>value
    else:
        v = _checked_component(value, "value", "seed_hvp(value, ...)")
    n = cnp.PyArray_SIZE(v)
    d = _contig(_checked_component(direction, "direction", "seed_hvp(..., direction)"))
    if not 0 <= start <= stop <= n:
        raise ValueError("seed_hvp: need 0 <= start <= stop <= value.size")
    if cnp.PyArray_SIZE(d) != n:
        raise ValueError("seed_hvp: direction must have value's size {0}, got {1}".format(
            n, cnp.PyArray_SIZE(d)))
    dims[0] = 1
    dims[1] = 1
    dims[2] = n
    b12 = <cnp.ndarray>cnp.PyArray_ZEROS(3, dims, cnp.NPY_DOUBLE, 0)
    dims[1] = n
    b1 = <cnp.ndarray>cnp.PyArray_ZEROS(2, dims, cnp.NPY_DOUBLE, 0)
    bp = <double*>cnp.PyArray_DATA(b1)
    for i in range(start, stop):
        bp[i] = 1.0
    b2 = <cnp.ndarray>cnp.PyArray_EMPTY(2, dims, cnp.NPY_DOUBLE, 0)
    if n:
        memcpy(cnp.PyArray_DATA(b2), cnp.PyArray_DATA(d), n * sizeof(double))
    return new_hband_array(v, new_hstore(b1, b2, b12, -start, 0, stop - start, n, True),
                           0, tag1, tag2)


def concat_banded(list pieces):
    """np.concatenate of 1-D pieces -- banded DualArrays of one perturbation and
    constant float64 arrays -- keeping the band; None when that does not apply
    (or the band would be as wide as the dense tangents)."""
    cdef Py_ssize_t pos = 0, lo = 0, hi = 0, k = -1, n, rs, off, w, m
    cdef int tag = 0
    cdef bint any_dual = False
    cdef list placed = []
    cdef DualArray d
    cdef cnp.ndarray band, vals
    for o in pieces:
        if type(o) is DualArray:
            d = <DualArray>o
            if d.value.ndim != 1 or not _banded(d):
                return None
            if any_dual and (d.tag != tag or d._k != k):
                return None
            _band_ptr(d, &rs, &off, &w)
            off -= pos                     # in the concatenation's coordinates
            if not any_dual or off < lo:
                lo = off
            if not any_dual or off + w > hi:
                hi = off + w
            any_dual = True
            tag = d.tag
            k = d._k
            placed.append((d, pos, off))
            pos += d.value.shape[0]
        elif type(o) is cnp.ndarray and (<cnp.ndarray>o).ndim == 1:
            pos += (<cnp.ndarray>o).shape[0]
        else:
            return None
    if not any_dual or hi - lo >= k:
        return None
    n = pos
    band = <cnp.ndarray>np.zeros((hi - lo, n))
    for d, p0, off in placed:
        m = d.value.shape[0]
        w = d._store.band.shape[0]
        band[off - lo:off - lo + w, p0:p0 + m] = d._store.band[:, d._start:d._start + m]
    vals = <cnp.ndarray>np.concatenate([(<DualArray>o).value if type(o) is DualArray else o
                                        for o in pieces])
    return new_band_array(vals, new_store(band, lo, k), 0, tag)


def is_banded(x):
    """Whether x currently stores banded tangents (for tests and benchmarks)."""
    if type(x) is DualArray:
        return (<DualArray>x)._eps is None and (<DualArray>x)._store.band is not None
    if type(x) is HyperDualArray:
        return (<HyperDualArray>x)._e1 is None and (<HyperDualArray>x)._hstore.band1 is not None
    return False


def zero_eps1eps2(x):
    """Whether x is a HyperDualArray whose eps1eps2 is exactly zero by its
    banded storage (a fresh seed, or elementwise-linear code applied to one),
    found without densifying: the array layer then skips the second-order
    terms of that operand, which would be dense (p, q) + S zeros."""
    cdef HyperDualArray h
    if type(x) is not HyperDualArray:
        return False
    h = <HyperDualArray>x
    if h._e1 is not None or h._hstore.band1 is None:
        return False
    return not h._hstore.band12.any()


def bands_of(x):
    """The banded tangents of a 1-D DualArray or HyperDualArray, sliced to x's
    elements, without densifying: ``((band, off, k),)`` for a DualArray,
    ``((band1, off1, p), (band2, off2, q), (band12, off1, off2))`` for a
    HyperDualArray, where band[r, i] is the derivative of element i along
    direction i + off + r (band12[r, c, i] along the pair (i + off1 + r,
    i + off2 + c)) and every other entry is exactly zero.  None when x is
    dense, not 1-D, or an hvp seed (whose eps2 rows are summed)."""
    cdef DualArray d
    cdef HyperDualArray h
    cdef HyperBandStore s
    cdef Py_ssize_t a, b
    if type(x) is DualArray:
        d = <DualArray>x
        if d.value.ndim != 1 or not _banded(d):
            return None
        a = d._start
        b = a + d.value.shape[0]
        return ((d._store.band[:, a:b], d._store.off + a, d._k),)
    if type(x) is HyperDualArray:
        h = <HyperDualArray>x
        if h.value.ndim != 1 or not _hbanded(h) or h._hstore.vsum:
            return None
        s = h._hstore
        a = h._start
        b = a + h.value.shape[0]
        return ((s.band1[:, a:b], s.off1 + a, s.p), (s.band2[:, a:b], s.off2 + a, s.q),
                (s.band12[:, :, a:b], s.off1 + a, s.off2 + a))
    return None


def seed_identity(value, Py_ssize_t start, Py_ssize_t stop, int tag=0):
    """A DualArray with value ``value`` whose direction j is the unit vector of
    flat element start + j (start <= j < stop): one chunk of the identity seed,
    stored banded (memory of one value array, not stop - start of them)."""
    cdef cnp.ndarray v
    cdef Py_ssize_t n, i
    cdef cnp.npy_intp dims[2]
    cdef cnp.ndarray band, e
    cdef double* bp
    if type(value) is cnp.ndarray and cnp.PyArray_TYPE(<cnp.ndarray>value) == cnp.NPY_DOUBLE:
        v = <cnp.ndarray>value
    else:
        v = _checked_component(value, "value", "seed_identity(value, ...)")
    n = cnp.PyArray_SIZE(v)
    if not 0 <= start <= stop <= n:
        raise ValueError("seed_identity: need 0 <= start <= stop <= value.size")
    if stop - start <= 1:
        e = np.zeros((stop - start, n))
        if stop > start:
            e[0, start] = 1.0
        return new_dual_array(v, <cnp.ndarray>e.reshape((stop - start,) + _shape(v)), tag)
    dims[0] = 1
    dims[1] = n
    band = <cnp.ndarray>cnp.PyArray_ZEROS(2, dims, cnp.NPY_DOUBLE, 0)
    bp = <double*>cnp.PyArray_DATA(band)
    for i in range(start, stop):
        bp[i] = 1.0
    return new_band_array(v, new_store(band, -start, stop - start), 0, tag)


cdef HyperDualArray new_hyper_array(cnp.ndarray value, cnp.ndarray eps1, cnp.ndarray eps2,
                                    cnp.ndarray eps1eps2, int tag1, int tag2):
    cdef HyperDualArray r = HyperDualArray.__new__(HyperDualArray)
    r.value = value
    r._e1 = eps1
    r._e2 = eps2
    r._e12 = eps1eps2
    r._p = eps1.shape[0]
    r._q = eps2.shape[0]
    r.tag1 = tag1
    r.tag2 = tag2
    return r


cdef inline bint _same_shape(cnp.ndarray a, int alead, cnp.ndarray b, int blead):
    """Do a.shape[alead:] and b.shape[blead:] agree?"""
    cdef int n = a.ndim - alead
    cdef int i
    if n != b.ndim - blead:
        return False
    for i in range(n):
        if a.shape[alead + i] != b.shape[blead + i]:
            return False
    return True


# ================================================================ kernels
# An operand of an elementwise kernel: value and tangent rows.  A NULL tangent
# pointer is an exactly-zero tangent (a constant, or a perturbation the operand
# does not carry).  Element strides are 1 (same shape as the result) or 0 (a
# single element broadcast); row strides count elements between directions.
ctypedef struct kop:
    double* v
    Py_ssize_t vs
    double* e1
    Py_ssize_t e1s
    Py_ssize_t e1r
    double* e2
    Py_ssize_t e2s
    Py_ssize_t e2r
    double* e12
    Py_ssize_t e12s
    Py_ssize_t e12r
    Py_ssize_t n1       # rows of e1 (and of e12's first axis)
    Py_ssize_t s1       # result row r of slot 1 is row r - s1 of this operand
    Py_ssize_t n2
    Py_ssize_t s2
    double cst


cdef inline void _row_m0(Py_ssize_t N, double* g, double* t, Py_ssize_t ts,
                         double* o) noexcept nogil:
    """o = m0(g, t) elementwise."""
    cdef Py_ssize_t i
    if ts == 1:
        for i in range(N):
            o[i] = 0.0 if t[i] == 0.0 else g[i] * t[i]
    else:
        for i in range(N):
            o[i] = 0.0 if t[0] == 0.0 else g[i] * t[0]


cdef inline void _row_add_m0(Py_ssize_t N, double* g, double* t, Py_ssize_t ts,
                             double* o) noexcept nogil:
    """o += m0(g, t) elementwise."""
    cdef Py_ssize_t i
    if ts == 1:
        for i in range(N):
            o[i] += 0.0 if t[i] == 0.0 else g[i] * t[i]
    else:
        for i in range(N):
            o[i] += 0.0 if t[0] == 0.0 else g[i] * t[0]


cdef inline void _row_copy(Py_ssize_t N, double sign, double* t, Py_ssize_t ts,
                           double* o) noexcept nogil:
    cdef Py_ssize_t i
    if ts == 1:
        if sign == 1.0:
            memcpy(o, t, N * sizeof(double))
        else:
            for i in range(N):
                o[i] = -t[i]
    else:
        for i in range(N):
            o[i] = sign * t[0]


cdef inline void _row_pm(Py_ssize_t N, double sign, double* t, Py_ssize_t ts,
                         double* u, Py_ssize_t us, double* o) noexcept nogil:
    """o = t + sign*u."""
    cdef Py_ssize_t i
    if ts == 1 and us == 1:
        if sign == 1.0:
            for i in range(N):
                o[i] = t[i] + u[i]
        else:
            for i in range(N):
                o[i] = t[i] - u[i]
    else:
        for i in range(N):
            o[i] = t[i * ts] + sign * u[i * us]


cdef inline void _row_mul(Py_ssize_t N, double* av, Py_ssize_t avs, double* ae, Py_ssize_t aes,
                          double* bv, Py_ssize_t bvs, double* be, Py_ssize_t bes,
                          double* o) noexcept nogil:
    """o = m0(b, ae) + m0(a, be): the product rule."""
    cdef Py_ssize_t i
    cdef double x, y
    if avs == 1 and aes == 1 and bvs == 1 and bes == 1:
        for i in range(N):
            x = 0.0 if ae[i] == 0.0 else bv[i] * ae[i]
            y = 0.0 if be[i] == 0.0 else av[i] * be[i]
            o[i] = x + y
    else:
        for i in range(N):
            x = 0.0 if ae[i * aes] == 0.0 else bv[i * bvs] * ae[i * aes]
            y = 0.0 if be[i * bes] == 0.0 else av[i * avs] * be[i * bes]
            o[i] = x + y


cdef inline void _row_scale(Py_ssize_t N, double* g, Py_ssize_t gs, double* t, Py_ssize_t ts,
                            double* o) noexcept nogil:
    """o = m0(g, t) with strided g."""
    cdef Py_ssize_t i
    if gs == 1 and ts == 1:
        for i in range(N):
            o[i] = 0.0 if t[i] == 0.0 else g[i] * t[i]
    else:
        for i in range(N):
            o[i] = 0.0 if t[i * ts] == 0.0 else g[i * gs] * t[i * ts]


cdef bint dual_unary_kernel(int rid, Py_ssize_t N, Py_ssize_t k, double* v,
                            double* e, Py_ssize_t er, double* ov, double* oe,
                            double* d1) noexcept nogil:
    """Chain rule (g, g'·t) over N elements and k tangent rows.  Returns whether a
    finite input gave a non-finite value (for NumPy's warnings)."""
    cdef Py_ssize_t i, j
    cdef triple t
    cdef bint bad = False
    cdef bint scaled = False
    cdef double* te
    cdef double* o
    for i in range(N):
        t = rule_eval(rid, v[i])
        ov[i] = t.f
        d1[i] = t.d1
        scaled = scaled or t.d1e != 0
        if not isfinite(t.f) and isfinite(v[i]):
            bad = True
    if scaled:
        # some g' is carried with an exponent (see with_d1_over): rare, so the
        # kernel is simply evaluated again
        for j in range(k):
            te = e + j * er
            o = oe + j * N
            for i in range(N):
                o[i] = 0.0 if te[i] == 0.0 else first_term(rule_eval(rid, v[i]), te[i])
        return bad
    for j in range(k):
        _row_m0(N, d1, e + j * er, 1, oe + j * N)
    return bad


cdef void _row_first_scaled(int rid, Py_ssize_t N, double* v, double* t,
                            double* o, bint add) noexcept nogil:
    """o (+)= g'·t elementwise, with the rule re-evaluated for a scaled g'."""
    cdef Py_ssize_t i
    cdef double r
    for i in range(N):
        r = 0.0 if t[i] == 0.0 else first_term(rule_eval(rid, v[i]), t[i])
        if add:
            o[i] += r
        else:
            o[i] = r


cdef bint hyper_unary_kernel(int rid, Py_ssize_t N, Py_ssize_t p, Py_ssize_t q, double* v,
                             double* e1, Py_ssize_t e1r, double* e2, Py_ssize_t e2r,
                             double* e12, Py_ssize_t e12r,
                             double* ov, double* o1, double* o2, double* o12,
                             double* d1, double* d2) noexcept nogil:
    """(g, g'·e1, g'·e2, g'·e12 + g''·e1⊗e2)."""
    cdef Py_ssize_t i, a, b
    cdef triple t
    cdef bint bad = False
    cdef double* x
    cdef double* y
    cdef double* o
    cdef double s
    cdef bint scaled = False
    cdef bint scaled1 = False
    for i in range(N):
        t = rule_eval(rid, v[i])
        ov[i] = t.f
        d1[i] = t.d1
        d2[i] = t.d2
        scaled = scaled or t.d2e != 0
        scaled1 = scaled1 or t.d1e != 0
        if not isfinite(t.f) and isfinite(v[i]):
            bad = True
    # a g' carried with an exponent (rare): the rule is re-evaluated per element
    for a in range(p):
        if scaled1:
            _row_first_scaled(rid, N, v, e1 + a * e1r, o1 + a * N, False)
        else:
            _row_m0(N, d1, e1 + a * e1r, 1, o1 + a * N)
    for b in range(q):
        if scaled1:
            _row_first_scaled(rid, N, v, e2 + b * e2r, o2 + b * N, False)
        else:
            _row_m0(N, d1, e2 + b * e2r, 1, o2 + b * N)
    for a in range(p):
        x = e1 + a * e1r
        for b in range(q):
            y = e2 + b * e2r
            o = o12 + (a * q + b) * N
            if scaled1:
                _row_first_scaled(rid, N, v, e12 + (a * q + b) * e12r, o, False)
            else:
                _row_m0(N, d1, e12 + (a * q + b) * e12r, 1, o)
            if scaled:
                # some g'' is carried with an exponent (see mk_d2_over): rare,
                # so the kernel is simply evaluated again
                for i in range(N):
                    o[i] += second_term(rule_eval(rid, v[i]), x[i], y[i])
                continue
            for i in range(N):
                s = 0.0 if x[i] == 0.0 else d2[i] * x[i]
                o[i] += 0.0 if y[i] == 0.0 else s * y[i]
    return bad


cdef bint _partials_loop(int op, Py_ssize_t N, kop* a, kop* b, double* ov,
                         double* fx, double* fy, double* fxx, double* fxy,
                         double* fyy, bint* scaled) noexcept nogil:
    """Values and partials of x op y; scaled[0] is set when some first
    partial is carried with an exponent (see div_scaled): the rows then
    re-evaluate the partials per element (``_row_first2``)."""
    cdef Py_ssize_t i
    cdef partials P
    cdef bint bad = False
    cdef bint sc = False
    cdef double x, y
    for i in range(N):
        x = a.v[i * a.vs]
        y = b.v[i * b.vs]
        P = binary_eval(op, x, y)
        ov[i] = P.f
        fx[i] = P.fx
        fy[i] = P.fy
        sc = sc or partials_scaled(P)
        if fxx != NULL:
            fxx[i] = P.fxx
            fxy[i] = P.fxy
            fyy[i] = P.fyy
        if not isfinite(P.f) and isfinite(x) and isfinite(y):
            bad = True
    scaled[0] = sc
    return bad


cdef void _row_first2(int op, Py_ssize_t N, kop* a, kop* b, double* ae, Py_ssize_t aes,
                      double* be, Py_ssize_t bes, double* o, bint add) noexcept nogil:
    """o (+)= Fx·ae + Fy·be (NULL rows: zero) with the partials re-evaluated
    per element, for first partials carried with an exponent (rare)."""
    cdef Py_ssize_t i
    cdef partials P
    cdef double r, ta, tb
    for i in range(N):
        ta = 0.0 if ae == NULL else ae[i * aes]
        tb = 0.0 if be == NULL else be[i * bes]
        if ta == 0.0 and tb == 0.0:
            r = 0.0
        else:
            P = binary_eval(op, a.v[i * a.vs], b.v[i * b.vs])
            r = first_x(P, ta) + first_y(P, tb)
        if add:
            o[i] += r
        else:
            o[i] = r


cdef bint dual_values(int op, Py_ssize_t N, kop* a, kop* b, double* ov,
                      double* fx, double* fy, bint* scaled) noexcept nogil:
    """Values of x op y, and the partials fx, fy where the rows need them (not
    for +, -, *).  Returns whether a finite input gave a non-finite value."""
    cdef Py_ssize_t i
    cdef bint bad = False
    scaled[0] = False
    if op == OP_ADD or op == OP_SUB or op == OP_MUL:
        if a.vs == 1 and b.vs == 1:
            if op == OP_ADD:
                for i in range(N):
                    ov[i] = a.v[i] + b.v[i]
            elif op == OP_SUB:
                for i in range(N):
                    ov[i] = a.v[i] - b.v[i]
            else:
                for i in range(N):
                    ov[i] = a.v[i] * b.v[i]
        else:
            for i in range(N):
                if op == OP_ADD:
                    ov[i] = a.v[i * a.vs] + b.v[i * b.vs]
                elif op == OP_SUB:
                    ov[i] = a.v[i * a.vs] - b.v[i * b.vs]
                else:
                    ov[i] = a.v[i * a.vs] * b.v[i * b.vs]
        for i in range(N):
            if not isfinite(ov[i]):
                bad = True
                break
        return bad
    return _partials_loop(op, N, a, b, ov, fx, fy, NULL, NULL, NULL, scaled)


cdef void dual_row(int op, Py_ssize_t N, kop* a, double* ae, Py_ssize_t aes,
                   kop* b, double* be, Py_ssize_t bes, double* fx, double* fy,
                   bint scaled, double* o) noexcept nogil:
    """One tangent row of x op y from the operands' rows ae, be (NULL: zero)."""
    if ae == NULL and be == NULL:
        memset(o, 0, N * sizeof(double))
    elif scaled:
        _row_first2(op, N, a, b, ae, aes, be, bes, o, False)
    elif op == OP_ADD or op == OP_SUB:
        if ae != NULL and be != NULL:
            _row_pm(N, 1.0 if op == OP_ADD else -1.0, ae, aes, be, bes, o)
        elif ae != NULL:
            _row_copy(N, 1.0, ae, aes, o)
        else:
            _row_copy(N, 1.0 if op == OP_ADD else -1.0, be, bes, o)
    elif op == OP_MUL:
        if ae != NULL and be != NULL:
            _row_mul(N, a.v, a.vs, ae, aes, b.v, b.vs, be, bes, o)
        elif ae != NULL:
            _row_scale(N, b.v, b.vs, ae, aes, o)
        else:
            _row_scale(N, a.v, a.vs, be, bes, o)
    elif ae != NULL:
        _row_m0(N, fx, ae, aes, o)
        if be != NULL:
            _row_add_m0(N, fy, be, bes, o)
    else:
        _row_m0(N, fy, be, bes, o)


cdef bint dual_binary_kernel(int op, Py_ssize_t N, Py_ssize_t k, kop* a, kop* b,
                             double* ov, double* oe, double* tmp) noexcept nogil:
    """x op y for a dual-mode pair with dense tangents (in the e1 slot)."""
    cdef Py_ssize_t j
    cdef bint scaled
    cdef bint bad = dual_values(op, N, a, b, ov, tmp, tmp + N, &scaled)
    for j in range(k):
        dual_row(op, N, a, a.e1 + j * a.e1r if a.e1 != NULL else NULL, a.e1s,
                 b, b.e1 + j * b.e1r if b.e1 != NULL else NULL, b.e1s, tmp, tmp + N,
                 scaled, oe + j * N)
    return bad


cdef inline double* _r1(kop* a, Py_ssize_t r) noexcept nogil:
    r -= a.s1
    if a.e1 == NULL or r < 0 or r >= a.n1:
        return NULL
    return a.e1 + r * a.e1r


cdef inline double* _r2(kop* a, Py_ssize_t c) noexcept nogil:
    c -= a.s2
    if a.e2 == NULL or c < 0 or c >= a.n2:
        return NULL
    return a.e2 + c * a.e2r


cdef inline double* _r12(kop* a, Py_ssize_t r, Py_ssize_t c) noexcept nogil:
    r -= a.s1
    c -= a.s2
    if a.e12 == NULL or r < 0 or r >= a.n1 or c < 0 or c >= a.n2:
        return NULL
    return a.e12 + (r * a.n2 + c) * a.e12r


cdef inline double _m0m0(double g, double x, double y) noexcept nogil:
    """m0(m0(g, x), y)."""
    cdef double t = 0.0 if x == 0.0 else g * x
    return 0.0 if y == 0.0 else t * y


cdef bint hyper_binary_kernel(int op, Py_ssize_t N, Py_ssize_t p, Py_ssize_t q,
                              kop* a, kop* b, double* ov, double* o1,
                              double* o2, double* o12, double* tmp) noexcept nogil:
    """x op y for HyperDualArray operands (p x q result rows, dense or banded):
    the bivariate chain rule
    e12 = fx·x12 + fy·y12 + fxx·x1·x2 + fxy·(x1·y2 + y1·x2) + fyy·y1·y2."""
    cdef Py_ssize_t i, r, c
    cdef bint bad
    cdef double* fx = tmp
    cdef double* fy = tmp + N
    cdef double* fxx = tmp + 2 * N
    cdef double* fxy = tmp + 3 * N
    cdef double* fyy = tmp + 4 * N
    cdef double* o
    cdef double* t
    cdef double* x1
    cdef double* y1
    cdef double* x2
    cdef double* y2
    cdef double* x12
    cdef double* y12
    cdef Py_ssize_t x1s, y1s, x2s, y2s, x12s, y12s
    cdef double zero = 0.0
    cdef bint second = op != OP_ADD and op != OP_SUB
    cdef bint mul = op == OP_MUL
    cdef bint scaled
    cdef partials P
    bad = _partials_loop(op, N, a, b, ov, fx, fy, fxx, fxy, fyy, &scaled)
    for r in range(p):
        o = o1 + r * N
        if scaled:
            _row_first2(op, N, a, b, _r1(a, r), a.e1s, _r1(b, r), b.e1s, o, False)
            continue
        memset(o, 0, N * sizeof(double))
        t = _r1(a, r)
        if t != NULL:
            _row_add_m0(N, fx, t, a.e1s, o)
        t = _r1(b, r)
        if t != NULL:
            _row_add_m0(N, fy, t, b.e1s, o)
    for c in range(q):
        o = o2 + c * N
        if scaled:
            _row_first2(op, N, a, b, _r2(a, c), a.e2s, _r2(b, c), b.e2s, o, False)
            continue
        memset(o, 0, N * sizeof(double))
        t = _r2(a, c)
        if t != NULL:
            _row_add_m0(N, fx, t, a.e2s, o)
        t = _r2(b, c)
        if t != NULL:
            _row_add_m0(N, fy, t, b.e2s, o)
    # e12, summed in symmetric pairs exactly as HyperDual does, so that results
    # agree with the scalars bit for bit and a*b == b*a:
    # (fx·x12 + fy·y12) + ((fxx·x1·x2 + fyy·y1·y2) + (fxy·x1·y2 + fxy·y1·x2))
    for r in range(p):
        x1 = _r1(a, r)
        y1 = _r1(b, r)
        x1s = a.e1s
        y1s = b.e1s
        if x1 == NULL:
            x1 = &zero
            x1s = 0
        if y1 == NULL:
            y1 = &zero
            y1s = 0
        for c in range(q):
            x2 = _r2(a, c)
            y2 = _r2(b, c)
            x2s = a.e2s
            y2s = b.e2s
            if x2 == NULL:
                x2 = &zero
                x2s = 0
            if y2 == NULL:
                y2 = &zero
                y2s = 0
            x12 = _r12(a, r, c)
            y12 = _r12(b, r, c)
            x12s = a.e12s
            y12s = b.e12s
            if x12 == NULL:
                x12 = &zero
                x12s = 0
            if y12 == NULL:
                y12 = &zero
                y12s = 0
            o = o12 + (r * q + c) * N
            if scaled:
                # partials carried with an exponent (rare): both orders re-evaluate them
                _row_first2(op, N, a, b, x12, x12s, y12, y12s, o, False)
                for i in range(N):
                    P = binary_eval(op, a.v[i * a.vs], b.v[i * b.vs])
                    o[i] = o[i] + (
                        (second_p(P.fxx, P.fxxe, x1[i * x1s], x2[i * x2s])
                         + second_p(P.fyy, P.fyye, y1[i * y1s], y2[i * y2s]))
                        + (second_p(P.fxy, P.fxye, x1[i * x1s], y2[i * y2s])
                           + second_p(P.fxy, P.fxye, y1[i * y1s], x2[i * x2s])))
            elif not second:
                for i in range(N):
                    o[i] = (0.0 if x12[i * x12s] == 0.0 else fx[i] * x12[i * x12s]) + (
                        0.0 if y12[i * y12s] == 0.0 else fy[i] * y12[i * y12s])
            elif mul:
                for i in range(N):
                    o[i] = ((0.0 if x12[i * x12s] == 0.0 else fx[i] * x12[i * x12s])
                            + (0.0 if y12[i * y12s] == 0.0 else fy[i] * y12[i * y12s])) + (
                        x1[i * x1s] * y2[i * y2s] + x2[i * x2s] * y1[i * y1s])
            else:
                for i in range(N):
                    o[i] = ((0.0 if x12[i * x12s] == 0.0 else fx[i] * x12[i * x12s])
                            + (0.0 if y12[i * y12s] == 0.0 else fy[i] * y12[i * y12s])) + (
                        (_m0m0(fxx[i], x1[i * x1s], x2[i * x2s])
                         + _m0m0(fyy[i], y1[i * y1s], y2[i * y2s]))
                        + (_m0m0(fxy[i], x1[i * x1s], y2[i * y2s])
                           + _m0m0(fxy[i], y1[i * y1s], x2[i * x2s])))
    return bad


# ================================================================ operand preparation
cdef inline bint _rows_ok(cnp.ndarray c, int nlead, Py_ssize_t* rs):
    """Are the blocks c[j] (c[a, b] for nlead 2) C-contiguous with a uniform
    stride between consecutive rows?  Stores that stride (in elements) in rs."""
    cdef int d
    cdef Py_ssize_t expected = 8
    cdef int nd = c.ndim
    cdef cnp.npy_intp* dims = cnp.PyArray_DIMS(c)
    cdef cnp.npy_intp* st = cnp.PyArray_STRIDES(c)
    for d in range(nd - 1, nlead - 1, -1):
        if dims[d] != 1 and st[d] != expected:
            return False
        expected *= dims[d]
    if nlead == 1:
        if st[0] % 8 != 0:
            return False
        rs[0] = st[0] // 8
        return True
    # nlead == 2: rows are (a, b) pairs flattened as a*q + b
    if dims[1] == 1:
        if st[0] % 8 != 0:
            return False
        rs[0] = st[0] // 8
        return True
    if st[1] % 8 != 0:
        return False
    if dims[0] == 1 or st[0] == dims[1] * st[1]:
        rs[0] = st[1] // 8
        return True
    return False


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
    try:
        return np.broadcast_shapes(_shape(va), _shape(vb))
    except ValueError:
        raise ValueError("operands could not be broadcast together with shapes {0} {1}"
                         .format(_shape(va), _shape(vb))) from None


cdef inline cnp.ndarray _value_array(object o):
    if type(o) is DualArray:
        return (<DualArray>o).value
    if type(o) is HyperDualArray:
        return (<HyperDualArray>o).value
    return <cnp.ndarray>o


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
        e = <cnp.ndarray>np.empty(d.k)
        if d.k:
            memcpy(cnp.PyArray_DATA(e), d.eps, d.k * sizeof(double))
        return new_dual_array(_scalar0d(d.value), e, d.tag)
    h = <HyperDualVec>o
    n = h.p + h.q + h.p * h.q
    e = <cnp.ndarray>np.empty(n)
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


cdef inline object _value_of(object o):
    if type(o) is DualArray:
        return (<DualArray>o).value
    if type(o) is HyperDualArray:
        return (<HyperDualArray>o).value
    if type(o) is Dual:
        return (<Dual>o).value
    if type(o) is HyperDual:
        return (<HyperDual>o).value
    if type(o) is DualVec:
        return (<DualVec>o).value
    if type(o) is HyperDualVec:
        return (<HyperDualVec>o).value
    h = getattr(o, "_dualcalc_array", None)
    if h is not None:
        return _value_of(h)
    return o


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
            o12 = <cnp.ndarray>np.empty((p, q, N))
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
        ref = <cnp.ndarray>np.empty(_result_shape(a, b), dtype=np.float64)
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
    cdef double* buf
    cdef double small[160]
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
    o12 = <cnp.ndarray>np.empty((w1, w2, N))
    buf = &small[0]
    if not (5 * N <= 160):
        buf = <double*>malloc(5 * N * sizeof(double))
    if buf == NULL:
        raise MemoryError()
    bad = hyper_binary_kernel(op, N, w1, w2, &A, &B, <double*>cnp.PyArray_DATA(ov),
                              <double*>cnp.PyArray_DATA(o1), <double*>cnp.PyArray_DATA(o2),
                              <double*>cnp.PyArray_DATA(o12), buf)
    if buf != &small[0]:
        free(buf)
    if bad:
        _warn(ufunc, a, b)
    return new_hband_array(ov, new_hstore(o1, o2, o12, frame[0], frame[2], p, q, vs == 1),
                           0, t1, t2)


cdef object _hyper_binary(object a, object b, int op, object ufunc):
    cdef int t1 = 0, t2 = 0
    cdef Py_ssize_t p = 0, q = 0, N
    cdef list keep = []
    cdef kop A, B
    cdef cnp.ndarray ref, ov, o1, o2, o12
    cdef double* buf
    cdef double small[160]
    cdef bint bad
    _frame(a, b, &t1, &t2, &p, &q)
    ref = <cnp.ndarray>np.empty(_result_shape(a, b), dtype=np.float64)
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
    buf = &small[0]
    if not (5 * N <= 160):
        buf = <double*>malloc(5 * N * sizeof(double))
    if buf == NULL:
        raise MemoryError()
    bad = hyper_binary_kernel(op, N, p, q, &A, &B, <double*>cnp.PyArray_DATA(ov),
                              <double*>cnp.PyArray_DATA(o1), <double*>cnp.PyArray_DATA(o2),
                              <double*>cnp.PyArray_DATA(o12), buf)
    if buf != &small[0]:
        free(buf)
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


# ================================================================ components
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

cdef tuple _LEADS_DUAL = (0, 1)
cdef tuple _LEADS_HYPER = (0, 1, 1, 2)


def components(x):
    """(arrays, leads): the component arrays of a dual array and the number of
    leading direction axes of each."""
    if type(x) is DualArray:
        return ((<DualArray>x).value, dense_eps(<DualArray>x)), _LEADS_DUAL
    if type(x) is HyperDualArray:
        h = <HyperDualArray>x
        hyper_dense(h)
        return (h.value, h._e1, h._e2, h._e12), _LEADS_HYPER
    raise TypeError("expected a DualArray or HyperDualArray, got " + _tname(x))


def rebuild(proto, comps):
    """A dual array of proto's type and tags from component arrays (no checks)."""
    _check_dual(proto)
    if type(proto) is DualArray:
        return new_dual_array(_as_f64(comps[0]), _as_f64(comps[1]), (<DualArray>proto).tag)
    h = <HyperDualArray>proto
    return new_hyper_array(_as_f64(comps[0]), _as_f64(comps[1]), _as_f64(comps[2]),
                           _as_f64(comps[3]), h.tag1, h.tag2)


cdef int _check_dual(object x) except -1:
    if type(x) is not DualArray and type(x) is not HyperDualArray:
        raise TypeError("expected a DualArray or HyperDualArray, got " + _tname(x))
    return 0


cdef object _map(object x, object fn):
    """Apply fn(array, nlead) to every component of x."""
    _check_dual(x)
    if type(x) is DualArray:
        d = <DualArray>x
        return new_dual_array(_as_f64(fn(d.value, 0)), _as_f64(fn(dense_eps(d), 1)), d.tag)
    h = <HyperDualArray>x
    hyper_dense(h)
    return new_hyper_array(_as_f64(fn(h.value, 0)), _as_f64(fn(h._e1, 1)),
                           _as_f64(fn(h._e2, 1)), _as_f64(fn(h._e12, 2)), h.tag1, h.tag2)


def map_components(x, fn):
    """The dual array whose components are fn(component, nlead)."""
    return _map(x, fn)


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
    cdef bint basic, has_ell
    cdef object el = _element(x, idx) if _scalar_elements else None
    if el is not None:
        return el
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


# ================================================================ reductions (hot path)
cdef tuple _norm_axes(object axis, int nd):
    """axis (None, int or tuple) as a sorted tuple of non-negative ints."""
    cdef list out
    cdef Py_ssize_t a
    if axis is None:
        return tuple(range(nd))
    if not isinstance(axis, tuple):
        axis = (axis,)
    out = []
    for ax in axis:
        a = operator.index(ax)
        if a < -nd or a >= nd:
            raise np.exceptions.AxisError(a, nd)
        if a < 0:
            a += nd
        if a in out:
            raise ValueError("duplicate value in 'axis'")
        out.append(a)
    out.sort()
    return tuple(out)


cdef void _sum_band(double* band, Py_ssize_t w, Py_ssize_t rs, Py_ssize_t n,
                    Py_ssize_t off, Py_ssize_t k, double* out) noexcept nogil:
    """out[j] = sum_i band[j - i - off, i]."""
    cdef Py_ssize_t b, i, lo, hi
    cdef double* row
    cdef double* o
    for b in range(w):
        lo = -(off + b)
        if lo < 0:
            lo = 0
        hi = k - off - b
        if hi > n:
            hi = n
        row = band + b * rs
        o = out + off + b
        for i in range(lo, hi):
            o[i] += row[i]


cdef object _sum_comp(cnp.ndarray c, int nlead, tuple axes, bint keepdims):
    cdef tuple ax = tuple([a + nlead for a in axes]) if nlead else axes
    r = _np_add_reduce(c, axis=ax, keepdims=keepdims)
    if type(r) is not cnp.ndarray:
        r = np.asarray(r, dtype=np.float64)
    return r


def sum_function(a, axis=None, dtype=None, out=None, keepdims=False,
                 initial=np._NoValue, where=np._NoValue):
    """np.sum for dual arrays: the common call handled here, the rest by the
    Python implementation registered as _sum_general."""
    if (out is None and initial is np._NoValue and where is np._NoValue
            and (dtype is None or dtype is _FLOAT64 or dtype is np.float64)
            and (type(a) is DualArray or type(a) is HyperDualArray)):
        return sum_array(a, axis, keepdims)
    return _sum_general(a, axis=axis, dtype=dtype, out=out, keepdims=keepdims,
                        initial=initial, where=where)


_sum_general = None


def set_sum_general(fn):
    global _sum_general
    _sum_general = fn


def result_type(*arrays_and_dtypes):
    """np.result_type with dual arrays counted as float64."""
    cdef list args = list(arrays_and_dtypes)
    cdef Py_ssize_t i
    for i in range(len(args)):
        t = type(args[i])
        if t is DualArray or t is HyperDualArray or t is DualArrayHandle:
            args[i] = _FLOAT64
    return np.result_type(*args)


def sum_array(x, axis=None, bint keepdims=False):
    """Sum of a dual array over axis (None: all axes): linear, so componentwise."""
    cdef tuple axes
    cdef Py_ssize_t rs, off, w, N
    cdef double* bp
    cdef cnp.ndarray e
    _check_dual(x)
    if type(x) is DualArray:
        d = <DualArray>x
        axes = _norm_axes(axis, d.value.ndim)
        if len(axes) == d.value.ndim and _banded(d):
            # the sum of everything: scatter the band into one (k,) tangent
            bp = _band_ptr(d, &rs, &off, &w)
            N = cnp.PyArray_SIZE(d.value)
            e = <cnp.ndarray>np.zeros((d._k,) + ((1,) * d.value.ndim if keepdims else ()))
            _sum_band(bp, w, rs, N, off, d._k, <double*>cnp.PyArray_DATA(e))
            return new_dual_array(_sum_comp(d.value, 0, axes, keepdims), e, d.tag)
        return new_dual_array(_sum_comp(d.value, 0, axes, keepdims),
                              _sum_comp(dense_eps(d), 1, axes, keepdims), d.tag)
    h = <HyperDualArray>x
    axes = _norm_axes(axis, h.value.ndim)
    if len(axes) == h.value.ndim and _hbanded(h):
        return _hband_sum(h, axes, keepdims)
    hyper_dense(h)
    return new_hyper_array(_sum_comp(h.value, 0, axes, keepdims), _sum_comp(h._e1, 1, axes, keepdims),
                           _sum_comp(h._e2, 1, axes, keepdims), _sum_comp(h._e12, 2, axes, keepdims),
                           h.tag1, h.tag2)


cdef object _hband_sum(HyperDualArray h, tuple axes, bint keepdims):
    cdef HyperBandStore s = h._hstore
    cdef Py_ssize_t N = cnp.PyArray_SIZE(h.value)
    cdef tuple ones = (1,) * h.value.ndim if keepdims else ()
    cdef cnp.ndarray e1 = <cnp.ndarray>np.zeros((h._p,) + ones)
    cdef cnp.ndarray e2 = <cnp.ndarray>np.zeros((h._q,) + ones)
    cdef cnp.ndarray e12 = <cnp.ndarray>np.zeros((h._p, h._q) + ones)
    _sum_band((<double*>cnp.PyArray_DATA(s.band1)) + h._start, s.band1.shape[0], s.nbase, N,
              s.off1 + h._start, h._p, <double*>cnp.PyArray_DATA(e1))
    if s.vsum:
        # eps2 pieces of one direction: every element contributes to e2[0]
        # and to e12[a, 0] (stride 0 over the elements)
        _vsum_band((<double*>cnp.PyArray_DATA(s.band2)) + h._start, s.band2.shape[0], s.nbase,
                   N, <double*>cnp.PyArray_DATA(e2), 0)
        _vsum_band2((<double*>cnp.PyArray_DATA(s.band12)) + h._start, s.band1.shape[0],
                    s.band2.shape[0], s.nbase, N, s.off1 + h._start, s.p,
                    <double*>cnp.PyArray_DATA(e12), 1, 0)
        return new_hyper_array(_sum_comp(h.value, 0, axes, keepdims), e1, e2, e12,
                               h.tag1, h.tag2)
    _sum_band((<double*>cnp.PyArray_DATA(s.band2)) + h._start, s.band2.shape[0], s.nbase, N,
              s.off2 + h._start, h._q, <double*>cnp.PyArray_DATA(e2))
    _sum_band2((<double*>cnp.PyArray_DATA(s.band12)) + h._start, s.band1.shape[0],
               s.band2.shape[0], s.nbase, N, s.off1 + h._start, s.off2 + h._start, h._p, h._q,
               <double*>cnp.PyArray_DATA(e12))
    return new_hyper_array(_sum_comp(h.value, 0, axes, keepdims), e1, e2, e12, h.tag1, h.tag2)


# ================================================================ NumPy protocols
# Filled by dualcalc/arrays.py: NumPy function -> implementation, and
# (ufunc, method) -> implementation for everything beyond elementwise calls.
_FUNCTIONS = {}
_UFUNC_METHODS = {}
_EXTRA_UNARY = {}        # further ufuncs (scipy.special) -> rule id
cdef dict _FUNCS = _FUNCTIONS
cdef dict _UMETH = _UFUNC_METHODS


def _supported_ufunc_names():
    names = set(u.__name__ for u in list(_UNARY_UFUNCS) + list(_BINARY_UFUNCS)
                + list(_VALUE_UFUNCS))
    names.update(u.__name__ for (u, m) in _UFUNC_METHODS if m == "__call__")
    names.update(u.__name__ + "." + m for (u, m) in _UFUNC_METHODS if m != "__call__")
    return sorted(names)


# dualcalc.arrays._messages sets this: (ufunc or function, method or None) -> message
_unsupported_message = None


def set_unsupported_message(hook):
    """Install the builder of the unsupported-function message (see
    dualcalc.arrays._messages)."""
    global _unsupported_message
    _unsupported_message = hook


def _unsupported_ufunc(ufunc, method):
    if _unsupported_message is not None:
        return TypeError(_unsupported_message(ufunc, method))
    return TypeError(
        "dualcalc: numpy.{0}{1} is not supported on dual arrays, so it cannot carry a "
        "derivative. Supported: {2}. Apply it to .value if you want the plain numbers."
        .format(ufunc.__name__, "" if method == "__call__" else "." + method,
                ", ".join(_supported_ufunc_names())))


def _public_module(str mod):
    """numpy._core.fromnumeric -> numpy, numpy.linalg._linalg -> numpy.linalg."""
    parts = [p for p in mod.split(".") if not p.startswith("_")]
    if parts and parts[0] == "numpy" and len(parts) > 1 and parts[1] in ("lib", "core"):
        parts = parts[:1]
    return ".".join(parts) or mod


def _unsupported_function(func):
    if _unsupported_message is not None:
        return TypeError(_unsupported_message(func, None))
    mod = _public_module(getattr(func, "__module__", None) or "numpy")
    name = getattr(func, "__name__", repr(func))
    names = sorted(set(_function_name(f) for f in _FUNCTIONS))
    return TypeError(
        "dualcalc: {0}.{1} is not supported on dual arrays (it would drop or corrupt "
        "the derivatives). Supported NumPy functions: {2}; and the ufuncs listed in "
        "dualcalc.arrays.SUPPORTED_UFUNCS. Apply it to .value if you want the plain "
        "numbers.".format(mod, name, ", ".join(names)))


def _function_name(f):
    mod = getattr(f, "__module__", "") or ""
    name = getattr(f, "__name__", repr(f))
    if "linalg" in mod:
        return "linalg." + name
    return name


cdef object _unwrap_handles(object o):
    h = getattr(o, "_dualcalc_array", None)
    if h is not None:
        o._dualcalc_used = True
        return h
    if type(o) is tuple:
        return tuple([_unwrap_handles(i) for i in <tuple>o])
    if type(o) is list:
        return [_unwrap_handles(i) for i in <list>o]
    return o


cdef set _NO_KWARGS = set(["out", "where", "dtype", "casting", "order", "subok"])


cdef int _check_dtype(object dtype, object ufunc) except -1:
    if dtype is not None and np.dtype(dtype) != _FLOAT64:
        raise TypeError(
            "dualcalc: numpy.{0} with dtype={1!r}: dual arrays are float64 only"
            .format(getattr(ufunc, "__name__", ufunc), dtype))
    return 0


cdef dict _UNARY = _UNARY_UFUNCS
cdef dict _BINARY = _BINARY_UFUNCS


cdef object _ufunc_call_fast(object ufunc, tuple inputs):
    """ufunc(*inputs) without keywords for the rule table's ufuncs; None when the
    general path must decide."""
    cdef object code
    if len(inputs) == 1:
        code = _UNARY.get(ufunc)
        if code is not None and (type(inputs[0]) is DualArray or type(inputs[0]) is HyperDualArray):
            return unary_array(inputs[0], code, ufunc)
    elif len(inputs) == 2:
        code = _BINARY.get(ufunc)
        if code is not None:
            r = binary_array(inputs[0], inputs[1], code, ufunc)
            if r is not NotImplemented:
                return r
    return None


def array_ufunc(ufunc, str method, tuple inputs, dict kwargs):
    """The array layer's __array_ufunc__ (also the scalar types' hook for ufuncs
    in which a Dual meets an array)."""
    cdef object r
    cdef object rid, op
    inputs = tuple([_unwrap_handles(i) for i in inputs])
    if kwargs:
        if "out" in kwargs:
            kwargs["out"] = _unwrap_handles(kwargs["out"])
        for key in kwargs:
            if key not in _NO_KWARGS and not (method != "__call__" and key in (
                    "axis", "keepdims", "initial")):
                if (ufunc, method) in _UMETH:
                    break
                raise TypeError("dualcalc: numpy.{0} does not support the keyword {1!r} "
                                "on dual arrays".format(ufunc.__name__, key))
    if method == "__call__":
        if ufunc in _VALUE_UFUNCS:
            return ufunc(*[_value_of(i) for i in inputs], **kwargs)
        out = None
        where = True
        if kwargs:
            out = kwargs.get("out")
            where = kwargs.get("where", True)
            _check_dtype(kwargs.get("dtype"), ufunc)
        if len(inputs) == 1:
            rid = _UNARY_UFUNCS.get(ufunc)
            if rid is None:
                rid = _EXTRA_UNARY.get(ufunc)
            if rid is not None:
                x = _operand(inputs[0])
                if type(x) is not DualArray and type(x) is not HyperDualArray:
                    return NotImplemented
                r = unary_array(x, rid, ufunc)
                if out is None and where is True:
                    return r
                return _store(r, out, where, ufunc)
        elif len(inputs) == 2:
            op = _BINARY_UFUNCS.get(ufunc)
            if op is not None:
                r = binary_array(inputs[0], inputs[1], op, ufunc)
                if r is NotImplemented:
                    return r
                if out is None and where is True:
                    return r
                return _store(r, out, where, ufunc)
    impl = _UMETH.get((ufunc, method))
    if impl is None:
        if _late_ufunc_hook is not None and _late_ufunc_hook(ufunc):
            return array_ufunc(ufunc, method, inputs, kwargs)
        raise _unsupported_ufunc(ufunc, method)
    return impl(ufunc, inputs, kwargs)


_late_ufunc_hook = None


def set_late_ufunc_hook(hook):
    """hook(ufunc) -> bool: register support for a ufunc met for the first time
    (used for scipy.special's ufuncs without importing SciPy up front)."""
    global _late_ufunc_hook
    _late_ufunc_hook = hook


def _store(r, out, where, ufunc):
    """Write result r into out (a 1-tuple from NumPy, or an array) where `where`."""
    if out is None:
        if where is True:
            return r
        return r        # NumPy leaves unselected entries undefined; ours hold r
    if type(out) is tuple:
        if len(out) != 1:
            raise TypeError("dualcalc: numpy.{0} has one output".format(ufunc.__name__))
        out = out[0]
    if out is None:
        return r
    if type(out) is not type(r) and not (type(r) in (DualArray, HyperDualArray) and
                                         type(out) in (DualArray, HyperDualArray)):
        raise TypeError(
            "dualcalc: numpy.{0}(..., out=) needs a dual array of the result's kind as "
            "out (a {1} cannot hold derivatives); got {2}".format(
                ufunc.__name__, _tname(r), _tname(out)))
    if type(out) is not type(r):
        raise TypeError("dualcalc: numpy.{0}(..., out=): the result is a {1}, out is a {2}"
                        .format(ufunc.__name__, _tname(r), _tname(out)))
    oc, leads = components(out)
    rc, _ = components(r)
    if type(out) is DualArray:
        if (<DualArray>out).tag != (<DualArray>r).tag:
            raise TypeError("dualcalc: out belongs to another differentiation")
    elif ((<HyperDualArray>out).tag1, (<HyperDualArray>out).tag2) != (
            (<HyperDualArray>r).tag1, (<HyperDualArray>r).tag2):
        raise TypeError("dualcalc: out belongs to another differentiation")
    nd = oc[0].ndim
    for o, c, lead in zip(oc, rc, leads):
        if o.shape[:lead] != c.shape[:lead]:
            raise _ndirs_error(o.shape[0], c.shape[0])
        c = _align(c, lead, nd, 0)
        if where is True:
            np.copyto(o, c)
        else:
            np.copyto(o, c, where=np.asarray(where, dtype=bool))
    return out


def array_function(func, types, args, kwargs):
    cdef bint handles = False
    impl = _FUNCS.get(func)
    if impl is None:
        raise _unsupported_function(func)
    for t in types:
        if t is DualArray or t is HyperDualArray or t is DualVec or t is HyperDualVec:
            continue
        if t is DualArrayHandle:
            handles = True
        elif not issubclass(t, cnp.ndarray):
            return NotImplemented
    if handles:
        args = _unwrap_handles(args)
        if kwargs:
            kwargs = {k: _unwrap_handles(v) for k, v in kwargs.items()}
    return impl(*args, **kwargs)


set_array_ufunc_hook(array_ufunc)


# ================================================================ the ndarray handle
# NumPy offers no way for a non-ndarray to be returned by np.asanyarray(x) (which
# SciPy >= 1.15 calls on every input of its array-API functions, e.g.
# scipy.optimize.rosen), and no hook at all in np.asarray.  So __array__ without
# a dtype returns this handle: an ndarray subclass of x's shape whose own
# buffer is NaN (read-only) and which forwards everything to x.  Code that keeps
# the handle (asanyarray) works on x; code that demands a plain float array gets
# NaN, never values without their derivatives.  __array__ with a dtype or a copy
# (np.asarray(x, float), np.array(x)) raises TypeError.
cdef cnp.ndarray _NAN = np.array([_conv.NAN_BITS], dtype=np.uint64).view(np.float64)


class DualArrayHandle(np.ndarray):
    """An ndarray stand-in for a dual array (see dualcalc.arrays)."""

    __array_priority__ = 1000

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return array_function(func, types, args, kwargs)

    def __getitem__(self, idx):
        return _getitem(_use(self), idx)

    def __iter__(self):
        return iter(_use(self))

    def __len__(self):
        return len(_use(self))

    def __add__(self, o): return binary_array(_use(self), o, OP_ADD, np.add)
    def __radd__(self, o): return binary_array(o, _use(self), OP_ADD, np.add)
    def __sub__(self, o): return binary_array(_use(self), o, OP_SUB, np.subtract)
    def __rsub__(self, o): return binary_array(o, _use(self), OP_SUB, np.subtract)
    def __mul__(self, o): return binary_array(_use(self), o, OP_MUL, np.multiply)
    def __rmul__(self, o): return binary_array(o, _use(self), OP_MUL, np.multiply)
    def __truediv__(self, o):
        return binary_array(_use(self), o, OP_DIV, np.true_divide)
    def __rtruediv__(self, o):
        return binary_array(o, _use(self), OP_DIV, np.true_divide)
    def __pow__(self, o, mod=None):
        return binary_array(_use(self), o, OP_POW, np.power)
    def __rpow__(self, o, mod=None):
        return binary_array(o, _use(self), OP_POW, np.power)

    def __repr__(self):
        return repr(self._dualcalc_array)

    __str__ = __repr__

    def __reduce__(self):
        return (_identity, (self._dualcalc_array,))

    def __getattr__(self, name):
        if name.startswith("_dualcalc"):
            raise AttributeError(name)
        return getattr(_use(self), name)


def _identity(x):
    return x


cdef object _use(object h):
    """The dual array behind handle h, marking h as used through its forwarding
    methods (a handle never used that way was read as plain floats)."""
    h._dualcalc_used = True
    return h._dualcalc_array


def _forward(name):
    def method(self, *args, **kwargs):
        return getattr(_use(self), name)(*args, **kwargs)
    method.__name__ = name
    return method


for _name in ("__setitem__", "__bool__",
              "__float__", "__int__", "__complex__", "__index__", "__copy__", "__deepcopy__",
              "__neg__", "__pos__", "__abs__", "__floordiv__", "__rfloordiv__",
              "__mod__", "__rmod__", "__matmul__", "__rmatmul__",
              "__divmod__", "__rdivmod__",
              "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ipow__",
              "__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__",
              "reshape", "ravel", "flatten", "transpose", "swapaxes", "squeeze",
              "sum", "prod", "mean", "max", "min", "cumsum", "cumprod", "copy", "dot",
              "trace", "diagonal", "clip", "argmax", "argmin", "argsort", "sort",
              "astype", "item", "tolist", "view", "fill", "take", "repeat", "std", "var",
              "conj", "conjugate", "round", "__array__"):
    setattr(DualArrayHandle, _name, _forward(_name))

for _name in ("T", "value", "eps", "eps1", "eps2", "eps1eps2", "tag", "tag1", "tag2",
              "ndirs", "real", "imag", "flat", "mT"):
    setattr(DualArrayHandle, _name,
            property(lambda self, _n=_name: getattr(_use(self), _n)))
DualArrayHandle.__hash__ = None


cdef extern from "numpy/arrayobject.h":
    object PyArray_NewFromDescr(PyTypeObject* subtype, cnp.dtype descr, int nd,
                                cnp.npy_intp* dims, cnp.npy_intp* strides, void* data,
                                int flags, PyObject* obj)
    int PyArray_SetBaseObject(cnp.ndarray arr, PyObject* obj) except -1


cdef object _handle(object x, object frame):
    cdef cnp.ndarray v = _value_array(x)
    cdef cnp.npy_intp strides[64]
    cdef int i
    cdef cnp.dtype descr = <cnp.dtype>_FLOAT64
    for i in range(v.ndim):
        strides[i] = 0
    Py_INCREF(descr)                        # stolen by PyArray_NewFromDescr
    h = PyArray_NewFromDescr(<PyTypeObject*>DualArrayHandle, descr, v.ndim,
                             cnp.PyArray_DIMS(v), strides, cnp.PyArray_DATA(_NAN), 0, NULL)
    Py_INCREF(_NAN)                          # stolen by PyArray_SetBaseObject
    PyArray_SetBaseObject(<cnp.ndarray>h, <PyObject*>_NAN)
    h._dualcalc_array = x
    h._dualcalc_used = False
    _conv.note_handle(h, frame)
    return h


cdef object _OBJECT = np.dtype(object)


cdef object _object_elements(object x):
    """x as an object array of its elements (dual scalars), for np.asarray(x),
    np.array(x) and np.array([x, y, ...]): NumPy's object loops then keep the
    derivatives element by element."""
    cdef cnp.ndarray v = _value_array(x)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(v), i
    flat = x if v.ndim == 1 else np.ravel(x)
    if v.ndim == 0:
        out = np.fromiter(iter((x,)), dtype=object, count=1)
    else:
        out = np.fromiter((_getitem(flat, i) for i in range(n)), dtype=object, count=n)
    _conv.note_objects()
    return out.reshape(_shape(v))


cdef object _array_protocol(object x, object dtype, object copy):
    if dtype is not None and np.dtype(dtype) != _OBJECT:
        _refuse(x, "a NumPy array of dtype " + str(np.dtype(dtype)))
    if dtype is None and not copy and _value_array(x).ndim > 0:
        frame = _conv.subclass_site()
        if frame is not None:
            return _handle(x, frame)
    return _object_elements(x)


# ================================================================ shared behaviour
# Methods NumPy users call on arrays (x.sum(), x.reshape(...)): written once
# here and installed into both types; they go through the NumPy functions, so the
# implementation is the one registered by dualcalc/arrays.py.
def _m_reshape(self, *shape, order="C"):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return np.reshape(self, shape, order=order)

def _m_ravel(self, order="C"): return np.ravel(self, order=order)
def _m_flatten(self, order="C"): return np.ravel(self, order=order).copy()

def _m_transpose(self, *axes):
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        axes = axes[0]
    return np.transpose(self, axes if axes else None)

def _m_swapaxes(self, a1, a2): return np.swapaxes(self, a1, a2)
def _m_squeeze(self, axis=None): return np.squeeze(self, axis=axis)
def _m_sum(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
    return np.sum(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)
def _m_prod(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
    return np.prod(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)
def _m_mean(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
    return np.mean(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)
def _m_std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return np.std(self, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims)
def _m_var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return np.var(self, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims)
def _m_max(self, axis=None, out=None, keepdims=False, **kw):
    return np.max(self, axis=axis, out=out, keepdims=keepdims, **kw)
def _m_min(self, axis=None, out=None, keepdims=False, **kw):
    return np.min(self, axis=axis, out=out, keepdims=keepdims, **kw)
def _m_cumsum(self, axis=None, dtype=None, out=None):
    return np.cumsum(self, axis=axis, dtype=dtype, out=out)
def _m_cumprod(self, axis=None, dtype=None, out=None):
    return np.cumprod(self, axis=axis, dtype=dtype, out=out)
def _m_dot(self, b, out=None): return np.dot(self, b, out=out)
def _m_trace(self, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return np.trace(self, offset, axis1, axis2, dtype=dtype, out=out)
def _m_diagonal(self, offset=0, axis1=0, axis2=1):
    return np.diagonal(self, offset, axis1, axis2)
def _m_clip(self, min=None, max=None, out=None, **kw):
    return np.clip(self, min, max, out=out, **kw)
def _m_argmax(self, axis=None, out=None, keepdims=False):
    return np.argmax(_value_of(self), axis=axis, out=out, keepdims=keepdims)
def _m_argmin(self, axis=None, out=None, keepdims=False):
    return np.argmin(_value_of(self), axis=axis, out=out, keepdims=keepdims)
def _m_argsort(self, axis=-1, kind=None, order=None, **kw):
    return np.argsort(_value_of(self), axis=axis, kind=kind, order=order, **kw)

def _m_sort(self, axis=-1, kind=None, order=None, **kw):
    """In-place sort by value (the derivatives move with their elements)."""
    s = np.sort(self, axis=axis, kind=kind, order=order, **kw)
    self[...] = s

def _m_copy(self, order="C"): return np.copy(self)
def _m_take(self, indices, axis=None, out=None, mode="raise"):
    return np.take(self, indices, axis=axis, out=out, mode=mode)
def _m_repeat(self, repeats, axis=None): return np.repeat(self, repeats, axis=axis)
def _m_conj(self): return self
def _m_conjugate(self): return self
def _m_round(self, decimals=0, out=None): return np.round(self, decimals, out=out)

def _m_astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
    if np.dtype(dtype) == _FLOAT64:
        return np.copy(self) if copy else self
    _refuse(self, "dtype " + str(np.dtype(dtype)))

def _m_item(self, *args): _refuse(self, "a Python float (item())")
def _m_tolist(self): _refuse(self, "a list of floats (tolist())")
def _m_fill(self, value): self[...] = value

def _m_view(self, *args, **kwargs):
    if args or kwargs:
        raise TypeError("dualcalc: view(dtype/type) is not supported on dual arrays")
    return map_components(self, lambda c, lead: c.view())


def _m___copy__(self): return np.copy(self)
def _m___deepcopy__(self, memo): return np.copy(self)

@property
def _m_T(self): return np.transpose(self)

@property
def _m_mT(self): return np.swapaxes(self, -1, -2)

@property
def _m_shape(self): return _shape(_value_array(self))

@property
def _m_ndim(self): return _value_array(self).ndim

@property
def _m_size(self): return _value_array(self).size

@property
def _m_dtype(self): return _FLOAT64

@property
def _m_real(self): return self

@property
def _m_flat(self): return iter(np.ravel(self))


cdef extern from "Python.h":
    void PyType_Modified(PyTypeObject*)


def _ufunc_method(ufunc):
    def method(self, *others):
        return ufunc(self, *others)
    method.__name__ = ufunc.__name__
    method.__doc__ = ("numpy." + ufunc.__name__ + " of this array (NumPy's loops over "
                      "object arrays of dual numbers call it by name)")
    return method


for _u in list(_UNARY_UFUNCS) + list(_BINARY_UFUNCS):
    if "_m_" + _u.__name__ not in globals():
        globals()["_m_" + _u.__name__] = _ufunc_method(_u)


cdef _install_methods():
    cdef PyTypeObject* tp
    names = [n for n in globals() if n.startswith("_m_")]
    for cls in (DualArray, HyperDualArray):
        tp = <PyTypeObject*>cls
        d = <dict>tp.tp_dict
        for n in names:
            d[n[3:]] = globals()[n]
        PyType_Modified(tp)


# ================================================================ DualArray
@cython.freelist(32)
cdef class DualArray:
    """An array of dual numbers: values of shape S with k directional derivatives.

    ``value`` holds f(x) (shape S) and ``eps[j]`` the derivative of f along the
    j-th seeded direction (``eps`` has shape (k,) + S, the direction axis first).
    Ordinary NumPy code -- operators, ufuncs, reductions, linear algebra,
    indexing -- applied to a DualArray carries all k derivatives exactly.

    Parameters
    ----------
    value : array_like
        The values (converted to float64; used as given, not copied).
    eps : array_like
        The tangents, shape (k,) + value.shape.  An array of value's own shape is
        taken as a single direction (k = 1).
    tag : int, optional
        The perturbation the tangents belong to (the derivatives API uses distinct
        tags to keep nested differentiations apart); 0 for arrays made by hand.

    Examples
    --------
    >>> import numpy as np
    >>> from dualcalc import DualArray
    >>> x = DualArray(np.array([1.0, 2.0]), np.eye(2))   # seeded with the identity
    >>> y = np.sum(x ** 2)
    >>> float(y.value), y.eps                              # value and gradient
    (5.0, array([2., 4.]))
    """

    __array_priority__ = 1000

    def __init__(self, value, eps, tag=0):
        cdef cnp.ndarray v, e
        v = _checked_component(value, "value", "DualArray(value, eps)")
        e = _checked_component(eps, "eps", "DualArray(value, eps)")
        if e.ndim == v.ndim and _shape(e) == _shape(v):
            e = e.reshape((1,) + _shape(v))
        if e.ndim != v.ndim + 1 or _shape(e)[1:] != _shape(v):
            raise ValueError(
                "DualArray(value, eps): eps must have shape (k,) + value.shape = (k,) + "
                "{0} (k directions, direction axis first); got {1}".format(
                    _shape(v), _shape(e)))
        self.value = v
        self._eps = e
        self._k = e.shape[0]
        self.tag = _checked_tag(tag, "tag")

    @property
    def eps(self):
        """The tangents, shape (k,) + shape: eps[j] is the derivative along the
        j-th seeded direction."""
        return dense_eps(self)

    @property
    def ndirs(self):
        """The number of directions k carried in eps."""
        return self._k

    def __array__(self, dtype=None, copy=None):
        return _array_protocol(self, dtype, copy)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if not kwargs and method == "__call__":
            r = _ufunc_call_fast(ufunc, inputs)
            if r is not None:
                return r
        return array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return array_function(func, types, args, kwargs)

    def __reduce__(self):
        return (DualArray, (self.value, dense_eps(self), self.tag))

    def __repr__(self):
        return _repr(self, ("eps",), ("tag",))

    def __str__(self):
        return _str(self)

    def __len__(self):
        return len(self.value)

    def __iter__(self):
        if self.value.ndim == 0:
            raise TypeError("iteration over a 0-d DualArray")
        return _iterate(self)

    def __getitem__(self, idx):
        return _getitem(self, idx)

    def __setitem__(self, idx, val):
        _setitem(self, idx, val)

    def __bool__(self):
        return bool(self.value)

    def __float__(self):
        _refuse(self, "float")

    def __int__(self):
        _refuse(self, "int")

    def __complex__(self):
        _refuse(self, "complex")

    def __index__(self):
        _refuse(self, "an integer index")

    __hash__ = None

    # -- comparisons: values only, plain boolean arrays
    def __lt__(self, other): return _compare(np.less, self, other)
    def __le__(self, other): return _compare(np.less_equal, self, other)
    def __gt__(self, other): return _compare(np.greater, self, other)
    def __ge__(self, other): return _compare(np.greater_equal, self, other)
    def __eq__(self, other): return _compare(np.equal, self, other)
    def __ne__(self, other): return _compare(np.not_equal, self, other)

    # -- arithmetic
    def __neg__(self):
        return unary_array(self, R_NEGATIVE, None)
    def __pos__(self):
        if _banded(self):
            return unary_array(self, R_POSITIVE, None)
        return new_dual_array(self.value.copy(), self._eps.copy(), self.tag)
    def __abs__(self): return unary_array(self, R_ABS, np.absolute)
    def __add__(self, o): return binary_array(self, o, OP_ADD, np.add)
    def __radd__(self, o): return binary_array(o, self, OP_ADD, np.add)
    def __sub__(self, o): return binary_array(self, o, OP_SUB, np.subtract)
    def __rsub__(self, o): return binary_array(o, self, OP_SUB, np.subtract)
    def __mul__(self, o): return binary_array(self, o, OP_MUL, np.multiply)
    def __rmul__(self, o): return binary_array(o, self, OP_MUL, np.multiply)
    def __truediv__(self, o): return binary_array(self, o, OP_DIV, np.true_divide)
    def __rtruediv__(self, o): return binary_array(o, self, OP_DIV, np.true_divide)
    def __floordiv__(self, o): return binary_array(self, o, OP_FLOORDIV, np.floor_divide)
    def __rfloordiv__(self, o): return binary_array(o, self, OP_FLOORDIV, np.floor_divide)
    def __mod__(self, o): return binary_array(self, o, OP_MOD, np.remainder)
    def __rmod__(self, o): return binary_array(o, self, OP_MOD, np.remainder)
    def __divmod__(self, o): return _divmod(self, o)
    def __rdivmod__(self, o): return _divmod(o, self)
    def __pow__(self, o, mod):
        if mod is not None:
            return NotImplemented
        return binary_array(self, o, OP_POW, np.power)
    def __rpow__(self, o, mod):
        if mod is not None:
            return NotImplemented
        return binary_array(o, self, OP_POW, np.power)
    def __matmul__(self, o): return _matmul(self, o)
    def __rmatmul__(self, o): return _matmul(o, self)
    def __iadd__(self, o): return _inplace(self, binary_array(self, o, OP_ADD, np.add))
    def __isub__(self, o): return _inplace(self, binary_array(self, o, OP_SUB, np.subtract))
    def __imul__(self, o): return _inplace(self, binary_array(self, o, OP_MUL, np.multiply))
    def __itruediv__(self, o): return _inplace(self, binary_array(self, o, OP_DIV, np.true_divide))
    def __ipow__(self, o): return _inplace(self, binary_array(self, o, OP_POW, np.power))


# ================================================================ HyperDualArray
@cython.freelist(32)
cdef class HyperDualArray:
    """An array of hyper-dual numbers: exact second derivatives along p x q pairs
    of directions.

    ``value`` (shape S), ``eps1`` (p,) + S and ``eps2`` (q,) + S hold first
    derivatives along two sets of directions, ``eps1eps2`` (p, q) + S the mixed
    second derivatives: seeding eps1 and eps2 with the identity gives the Hessian.

    Parameters
    ----------
    value, eps1, eps2, eps1eps2 : array_like
        The components (float64; used as given, not copied).
    tag1, tag2 : int, optional
        The perturbations of eps1 and eps2.

    Examples
    --------
    >>> import numpy as np
    >>> from dualcalc import HyperDualArray
    >>> x = np.array([1.0, 2.0])
    >>> h = HyperDualArray(x, np.eye(2), np.eye(2), np.zeros((2, 2, 2)))
    >>> y = np.sum(h[0] ** 2 * h[1])          # x0**2 * x1
    >>> y.eps1eps2                             # its Hessian
    array([[4., 2.],
           [2., 0.]])
    """

    __array_priority__ = 1000

    def __init__(self, value, eps1, eps2, eps1eps2, tag1=0, tag2=0):
        cdef cnp.ndarray v, e1, e2, e12
        cdef str where = "HyperDualArray(value, eps1, eps2, eps1eps2)"
        v = _checked_component(value, "value", where)
        e1 = _checked_component(eps1, "eps1", where)
        e2 = _checked_component(eps2, "eps2", where)
        e12 = _checked_component(eps1eps2, "eps1eps2", where)
        S = _shape(v)
        if e1.ndim != v.ndim + 1 or _shape(e1)[1:] != S:
            raise ValueError("{0}: eps1 must have shape (p,) + {1}; got {2}".format(
                where, S, _shape(e1)))
        if e2.ndim != v.ndim + 1 or _shape(e2)[1:] != S:
            raise ValueError("{0}: eps2 must have shape (q,) + {1}; got {2}".format(
                where, S, _shape(e2)))
        if _shape(e12) != (e1.shape[0], e2.shape[0]) + S:
            raise ValueError("{0}: eps1eps2 must have shape (p, q) + value.shape = {1}; "
                             "got {2}".format(where, (e1.shape[0], e2.shape[0]) + S,
                                              _shape(e12)))
        self.value = v
        self._e1 = e1
        self._e2 = e2
        self._e12 = e12
        self._p = e1.shape[0]
        self._q = e2.shape[0]
        self.tag1 = _checked_tag(tag1, "tag1")
        self.tag2 = _checked_tag(tag2, "tag2")

    @property
    def eps1(self):
        """First derivatives along the eps1 directions, shape (p,) + shape."""
        hyper_dense(self)
        return self._e1

    @property
    def eps2(self):
        """First derivatives along the eps2 directions, shape (q,) + shape."""
        hyper_dense(self)
        return self._e2

    @property
    def eps1eps2(self):
        """Mixed second derivatives, shape (p, q) + shape."""
        hyper_dense(self)
        return self._e12

    @property
    def ndirs(self):
        """(p, q): the numbers of directions in eps1 and eps2."""
        return (self._p, self._q)

    def __array__(self, dtype=None, copy=None):
        return _array_protocol(self, dtype, copy)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if not kwargs and method == "__call__":
            r = _ufunc_call_fast(ufunc, inputs)
            if r is not None:
                return r
        return array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return array_function(func, types, args, kwargs)

    def __reduce__(self):
        hyper_dense(self)
        return (HyperDualArray, (self.value, self._e1, self._e2, self._e12,
                                 self.tag1, self.tag2))

    def __repr__(self):
        return _repr(self, ("eps1", "eps2", "eps1eps2"), ("tag1", "tag2"))

    def __str__(self):
        return _str(self)

    def __len__(self):
        return len(self.value)

    def __iter__(self):
        if self.value.ndim == 0:
            raise TypeError("iteration over a 0-d HyperDualArray")
        return _iterate(self)

    def __getitem__(self, idx):
        return _getitem(self, idx)

    def __setitem__(self, idx, val):
        _setitem(self, idx, val)

    def __bool__(self):
        return bool(self.value)

    def __float__(self):
        _refuse(self, "float")

    def __int__(self):
        _refuse(self, "int")

    def __complex__(self):
        _refuse(self, "complex")

    def __index__(self):
        _refuse(self, "an integer index")

    __hash__ = None

    def __lt__(self, other): return _compare(np.less, self, other)
    def __le__(self, other): return _compare(np.less_equal, self, other)
    def __gt__(self, other): return _compare(np.greater, self, other)
    def __ge__(self, other): return _compare(np.greater_equal, self, other)
    def __eq__(self, other): return _compare(np.equal, self, other)
    def __ne__(self, other): return _compare(np.not_equal, self, other)

    def __neg__(self):
        return unary_array(self, R_NEGATIVE, None)
    def __pos__(self):
        if _hbanded(self):
            return unary_array(self, R_POSITIVE, None)
        return new_hyper_array(self.value.copy(), self._e1.copy(), self._e2.copy(),
                               self._e12.copy(), self.tag1, self.tag2)
    def __abs__(self): return unary_array(self, R_ABS, np.absolute)
    def __add__(self, o): return binary_array(self, o, OP_ADD, np.add)
    def __radd__(self, o): return binary_array(o, self, OP_ADD, np.add)
    def __sub__(self, o): return binary_array(self, o, OP_SUB, np.subtract)
    def __rsub__(self, o): return binary_array(o, self, OP_SUB, np.subtract)
    def __mul__(self, o): return binary_array(self, o, OP_MUL, np.multiply)
    def __rmul__(self, o): return binary_array(o, self, OP_MUL, np.multiply)
    def __truediv__(self, o): return binary_array(self, o, OP_DIV, np.true_divide)
    def __rtruediv__(self, o): return binary_array(o, self, OP_DIV, np.true_divide)
    def __floordiv__(self, o): return binary_array(self, o, OP_FLOORDIV, np.floor_divide)
    def __rfloordiv__(self, o): return binary_array(o, self, OP_FLOORDIV, np.floor_divide)
    def __mod__(self, o): return binary_array(self, o, OP_MOD, np.remainder)
    def __rmod__(self, o): return binary_array(o, self, OP_MOD, np.remainder)
    def __divmod__(self, o): return _divmod(self, o)
    def __rdivmod__(self, o): return _divmod(o, self)
    def __pow__(self, o, mod):
        if mod is not None:
            return NotImplemented
        return binary_array(self, o, OP_POW, np.power)
    def __rpow__(self, o, mod):
        if mod is not None:
            return NotImplemented
        return binary_array(o, self, OP_POW, np.power)
    def __matmul__(self, o): return _matmul(self, o)
    def __rmatmul__(self, o): return _matmul(o, self)
    def __iadd__(self, o): return _inplace(self, binary_array(self, o, OP_ADD, np.add))
    def __isub__(self, o): return _inplace(self, binary_array(self, o, OP_SUB, np.subtract))
    def __imul__(self, o): return _inplace(self, binary_array(self, o, OP_MUL, np.multiply))
    def __itruediv__(self, o): return _inplace(self, binary_array(self, o, OP_DIV, np.true_divide))
    def __ipow__(self, o): return _inplace(self, binary_array(self, o, OP_POW, np.power))


# ================================================================ helpers of both types
cdef cnp.ndarray _checked_component(object a, str name, str where):
    if type(a) is DualArray or type(a) is HyperDualArray or type(a) is Dual or type(a) is HyperDual:
        raise TypeError("{0}: {1} must be an array of real numbers, got a {2} (dual "
                        "arrays cannot be nested; use .value)".format(where, name, _tname(a)))
    try:
        arr = np.asarray(a)
    except TypeError as exc:
        raise TypeError("{0}: {1} must be an array of real numbers: {2}".format(
            where, name, exc)) from None
    if arr.dtype.kind not in "fiub":
        raise TypeError("{0}: {1} must be an array of real numbers, got dtype {2}".format(
            where, name, arr.dtype))
    return _as_f64(arr)


cdef int _checked_tag(object tag, str name) except -1:
    if not PyLong_Check(tag) or type(tag) is bool or tag < 0 or tag > 2147483647:
        raise TypeError("{0} must be a non-negative int, got {1!r}".format(name, tag))
    return tag


cdef object _compare(object ufunc, object a, object b):
    if type(b) is tuple or type(b) is list or isinstance(b, (str, bytes)):
        if ufunc is np.equal or ufunc is np.not_equal:
            b = np.asarray(b) if not isinstance(b, (str, bytes)) else b
    return ufunc(_value_of(a), _value_of(b))


cdef object _inplace(object self, object r):
    """self op= o: NumPy semantics -- the result is written into self's arrays."""
    if r is NotImplemented:
        return r
    if type(r) is not type(self):
        raise TypeError(
            "an in-place operation cannot turn a {0} into a {1} (the other operand "
            "belongs to another differentiation); write x = x op y instead".format(
                _tname(self), _tname(r)))
    sc, leads = components(self)
    rc, _ = components(r)
    if tuple(sc[0].shape) != tuple(rc[0].shape):
        raise ValueError("non-broadcastable output operand with shape {0} doesn't match "
                         "the broadcast shape {1}".format(tuple(sc[0].shape), tuple(rc[0].shape)))
    for s, c in zip(sc, rc):
        s[...] = c
    return self


def _iterate(x):
    for i in range(_value_array(x).shape[0]):
        yield _getitem(x, i)


cdef object _divmod(object a, object b):
    q = binary_array(a, b, OP_FLOORDIV, np.floor_divide)
    if q is NotImplemented:
        return q
    return (q, binary_array(a, b, OP_MOD, np.remainder))


cdef object _matmul(object a, object b):
    impl = _UMETH.get((np.matmul, "__call__"))
    if _operand(a) is None or _operand(b) is None:
        return NotImplemented
    return impl(np.matmul, (a, b), {})


cdef str _repr(object x, tuple names, tuple tags):
    comps, _ = components(x)
    parts = [np.array2string(comps[0], separator=", ", prefix="    ")]
    for n, c in zip(names, comps[1:]):
        parts.append(n + "=" + np.array2string(c, separator=", ", prefix="    " + n + "="))
    for t in tags:
        if getattr(x, t):
            parts.append("{0}={1}".format(t, getattr(x, t)))
    return "{0}({1})".format(_tname(x), ",\n    ".join(parts) if any(
        "\n" in p for p in parts) else ", ".join(parts))


cdef str _str(object x):
    comps, _ = components(x)
    return "{0}(value={1}, ndirs={2})".format(_tname(x), comps[0], x.ndirs)


_install_methods()


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
