# cython: language_level=3
"""Band storage: the tangents of an identity seed and of what elementwise code
makes of it, kept as bands instead of dense k, + S arrays.

Design: a BandStore a HyperBandStore for second order is shared by a dual
array and the views taken of it.  Entry band[b, i] is the derivative of flat
element i along direction i + off + b; every other entry is exactly zero, so a
seed of n directions costs the memory of one value array.  This file holds the
stores, their constructors, and the loops that scatter densify or sum a band;
the array types ``_types.pyx`` densify a store in place, once, when any holder
needs dense tangents, so that views stay views.  No array type is known here.
"""
cimport numpy as cnp

import numpy as np

cnp.import_array()


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
