# cython: language_level=3
"""Seeds: dual arrays whose tangents are chunks of the identity or one direction, for Hessian-vector products, stored banded, and the queries that
let the array layer work from the bands ``bands_of``, ``zero_eps1eps2``.

Design: the derivatives API ``dualcalc/_seeding.py`` seeds its input here; a
seed of n directions costs On memory, and elementwise code keeps it banded
``_engine.pyx``, so the Jacobian or Hessian of such code costs On per chunk
of directions.
"""
cimport numpy as cnp
from libc.string cimport memcpy
from dualcalc._core._alloc cimport _shape, _contig
from dualcalc._core._bands cimport HyperBandStore, new_store, new_hstore
from dualcalc._core._types cimport (
    DualArray, HyperDualArray, new_dual_array, new_band_array, new_hband_array, _banded,
    _hbanded, _band_ptr, _checked_component)

import numpy as np

cnp.import_array()


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


def hvp_bands_of(x):
    """The banded tangents of a 1-D HyperDualArray of an hvp seed (a vsum
    store, see seed_hvp), sliced to x's elements, without densifying:
    ``(band1, off1, p, band2, band12)``; eps2 (one direction) is the sum of
    band2's rows and eps1eps2[a, 0, i] the sum over c of band12[a - i - off1,
    c, i].  None for anything else."""
    cdef HyperDualArray h
    cdef HyperBandStore s
    cdef Py_ssize_t a, b
    if type(x) is not HyperDualArray:
        return None
    h = <HyperDualArray>x
    if h.value.ndim != 1 or not _hbanded(h) or not h._hstore.vsum:
        return None
    s = h._hstore
    a = h._start
    b = a + h.value.shape[0]
    return (s.band1[:, a:b], s.off1 + a, s.p, s.band2[:, a:b], s.band12[:, :, a:b])
