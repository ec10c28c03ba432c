# cython: language_level=3
cimport cython
from dualcalc._core._rules cimport triple

# Directions stored inside the object (no separate allocation) up to these sizes.
cdef enum:
    VEC_INLINE = 8          # DualVec: k <= 8
    HVEC_INLINE = 24        # HyperDualVec: p + q + p*q <= 24 (p = q = 4)


@cython.final
cdef class DualVec:
    cdef readonly double value
    cdef readonly int tag
    cdef readonly Py_ssize_t k           # number of directions
    cdef double* eps                     # k tangents: _buf, or a pooled block
    cdef Py_ssize_t lo, hi               # window: eps is exactly zero outside [lo, hi)
    cdef double _buf[8]


@cython.final
cdef class HyperDualVec:
    cdef readonly double value
    cdef readonly int tag1
    cdef readonly int tag2
    cdef readonly Py_ssize_t p           # eps1 directions
    cdef readonly Py_ssize_t q           # eps2 directions
    cdef double* e1                      # p values, then e2 (q), then e12 (p x q, row-major)
    cdef double* e2
    cdef double* e12
    # The window: every component outside e1[lo1:hi1], e2[lo2:hi2] and
    # e12[lo1:hi1, lo2:hi2] is exactly zero, and the kernels skip it (a scalar
    # taken from a Hessian seed has one direction in each).
    cdef Py_ssize_t lo1, hi1, lo2, hi2
    cdef double _buf[24]


# Factories: the tangents are left uninitialised for the caller to fill.
cdef DualVec new_vec(double v, Py_ssize_t k, int tag)
cdef HyperDualVec new_hvec(double v, Py_ssize_t p, Py_ssize_t q, int tag1, int tag2)
# Operations (IEEE semantics for vunary; binary with an ErrorMode of _scalar.pxd).
# vbinary returns NotImplemented for operands it does not handle (arrays, ...).
cdef object vunary(object x, int rid)
cdef object vchain(object x, triple t)
cdef object vbinary(object x, object y, int op, int errors)
# The array layer's binary operation (installed by _engine.pyx): a dual scalar
# meeting a plain numeric ndarray goes straight to it, not through NumPy's
# ufunc dispatch and the array protocol (~5 us for one operation).
ctypedef object (*array_binary_fn)(object, object, int)
cdef int set_array_binary(array_binary_fn f) except -1
