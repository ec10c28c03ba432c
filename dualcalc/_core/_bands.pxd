# cython: language_level=3
# Band storage (_bands.pyx): the stores and the loops that scatter or sum a band.
cimport cython
cimport numpy as cnp


@cython.final
cdef class BandStore:
    # Banded tangents shared by a DualArray and the views taken of it: entry
    # band[b, i] is the derivative of flat element i along direction i + off + b
    # (every other entry is exactly zero).  Densified in place, once, when any
    # holder needs the dense tangents, so that views stay views.
    cdef cnp.ndarray band                # (w, nbase) C-contiguous, or None once dense
    cdef cnp.ndarray dense               # (k, nbase), or None while banded
    cdef Py_ssize_t off
    cdef Py_ssize_t k
    cdef Py_ssize_t nbase


@cython.final
cdef class HyperBandStore:
    # Banded tangents of a HyperDualArray and its views: band1[r, i] is the
    # derivative of flat element i along eps1-direction i + off1 + r, band2
    # likewise for eps2, band12[r, c, i] the mixed derivative along the pair
    # (i + off1 + r, i + off2 + c).  With vsum set (the hvp seed), eps2 is
    # ONE dense direction (q = 1 for the holders): every band2 row is a piece
    # of it at element i, and band2 / band12 rows are summed when read (off2
    # is then meaningless; binary ops keep one row).
    cdef cnp.ndarray band1               # (w1, nbase), or None once dense
    cdef cnp.ndarray band2               # (w2, nbase)
    cdef cnp.ndarray band12              # (w1, w2, nbase)
    cdef cnp.ndarray dense1              # (p, nbase), None while banded
    cdef cnp.ndarray dense2              # (q, nbase)
    cdef cnp.ndarray dense12             # (p, q, nbase)
    cdef Py_ssize_t off1
    cdef Py_ssize_t off2
    cdef Py_ssize_t p
    cdef Py_ssize_t q
    cdef Py_ssize_t nbase
    cdef bint vsum                       # eps2 directions are summed when read


cdef BandStore new_store(cnp.ndarray band, Py_ssize_t off, Py_ssize_t k)
cdef HyperBandStore new_hstore(cnp.ndarray b1, cnp.ndarray b2, cnp.ndarray b12, Py_ssize_t off1,
                               Py_ssize_t off2, Py_ssize_t p, Py_ssize_t q, bint vsum=*)
cdef cnp.ndarray _densify(BandStore s)
cdef int _hdensify(HyperBandStore s) except -1
cdef void _scatter_band(double* band, Py_ssize_t w, Py_ssize_t rs, Py_ssize_t n,
                        Py_ssize_t off, Py_ssize_t k, double* out, Py_ssize_t ors) noexcept nogil
cdef void _scatter_band2(double* band, Py_ssize_t w1, Py_ssize_t w2, Py_ssize_t n,
                         Py_ssize_t off1, Py_ssize_t off2, Py_ssize_t p, Py_ssize_t q,
                         double* out) noexcept nogil
cdef void _sum_band2(double* band, Py_ssize_t w1, Py_ssize_t w2, Py_ssize_t rs, Py_ssize_t n,
                     Py_ssize_t off1, Py_ssize_t off2, Py_ssize_t p, Py_ssize_t q,
                     double* out) noexcept nogil
cdef void _vsum_band(double* band, Py_ssize_t w, Py_ssize_t rs, Py_ssize_t n,
                     double* out, Py_ssize_t os) noexcept nogil
cdef void _vsum_band2(double* band, Py_ssize_t w1, Py_ssize_t w2, Py_ssize_t rs, Py_ssize_t n,
                      Py_ssize_t off1, Py_ssize_t p, double* out, Py_ssize_t ors,
                      Py_ssize_t os) noexcept nogil
