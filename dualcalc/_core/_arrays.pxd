# cython: language_level=3
cimport cython
cimport numpy as cnp


@cython.final
cdef class DualArray:
    cdef readonly cnp.ndarray value      # float64, shape S
    cdef readonly cnp.ndarray eps        # float64, shape (k,) + S
    cdef readonly int tag


@cython.final
cdef class HyperDualArray:
    cdef readonly cnp.ndarray value      # float64, shape S
    cdef readonly cnp.ndarray eps1       # float64, shape (p,) + S
    cdef readonly cnp.ndarray eps2       # float64, shape (q,) + S
    cdef readonly cnp.ndarray eps1eps2   # float64, shape (p, q) + S
    cdef readonly int tag1
    cdef readonly int tag2


cdef DualArray new_dual_array(cnp.ndarray value, cnp.ndarray eps, int tag)
cdef HyperDualArray new_hyper_array(cnp.ndarray value, cnp.ndarray eps1, cnp.ndarray eps2,
                                    cnp.ndarray eps1eps2, int tag1, int tag2)
cdef object unary_array(object x, int rid, object ufunc)
cdef object binary_array(object a, object b, int op, object ufunc)
