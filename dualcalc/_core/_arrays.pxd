# cython: language_level=3
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
cdef class DualArray:
    cdef readonly cnp.ndarray value      # float64, shape S
    cdef cnp.ndarray _eps                # float64, shape (k,) + S; None while banded
    cdef BandStore _store                # the banded tangents (when _eps is None)
    cdef Py_ssize_t _start               # this array's first flat element in _store
    cdef Py_ssize_t _k                   # number of directions
    cdef readonly int tag


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


@cython.final
cdef class HyperDualArray:
    cdef readonly cnp.ndarray value      # float64, shape S
    cdef cnp.ndarray _e1                 # float64, shape (p,) + S; None while banded
    cdef cnp.ndarray _e2                 # float64, shape (q,) + S
    cdef cnp.ndarray _e12                # float64, shape (p, q) + S
    cdef HyperBandStore _hstore          # the banded tangents (when _e1 is None)
    cdef Py_ssize_t _start
    cdef Py_ssize_t _p
    cdef Py_ssize_t _q
    cdef readonly int tag1
    cdef readonly int tag2


cdef DualArray new_dual_array(cnp.ndarray value, cnp.ndarray eps, int tag)
cdef DualArray new_band_array(cnp.ndarray value, BandStore store, Py_ssize_t start, int tag)
cdef cnp.ndarray dense_eps(DualArray x)
cdef int hyper_dense(HyperDualArray x) except -1
cdef HyperDualArray new_hyper_array(cnp.ndarray value, cnp.ndarray eps1, cnp.ndarray eps2,
                                    cnp.ndarray eps1eps2, int tag1, int tag2)
cdef object unary_array(object x, int rid, object ufunc)
cdef object binary_array(object a, object b, int op, object ufunc)
