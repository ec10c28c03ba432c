# cython: language_level=3
# Sums of dual arrays (_reductions.pyx).
cimport numpy as cnp

cdef void _sum_band(double* band, Py_ssize_t w, Py_ssize_t rs, Py_ssize_t n,
                    Py_ssize_t off, Py_ssize_t k, double* out) noexcept nogil
cdef object _sum_comp(cnp.ndarray c, int nlead, tuple axes, bint keepdims)
