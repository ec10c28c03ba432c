# cython: language_level=3
cimport cython


@cython.final
cdef class Taylor:
    # c[0..n-1]: the value and the normalised coefficients c_j = f^(j)(x) / j!
    cdef double* c
    cdef readonly int n
    cdef readonly int tag


cdef Taylor new_taylor(int n, int tag)
cdef object taylor_unary(Taylor x, int rid)
cdef object taylor_binary(object x, object y, int op, int errors)
