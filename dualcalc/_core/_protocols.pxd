# cython: language_level=3
# NumPy's protocols for dual arrays (_protocols.pyx).

cdef object _ufunc_call_fast(object ufunc, tuple inputs)
cdef object _array_protocol(object x, object dtype, object copy)
cdef object _matmul(object a, object b)
cdef object _unwrap_handles(object o)
cdef int _check_dtype(object dtype, object ufunc) except -1
