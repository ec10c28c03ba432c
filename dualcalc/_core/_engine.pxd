# cython: language_level=3
# The operand engine (_engine.pyx): elementwise arithmetic and ufuncs on dual arrays.

cdef object _operand(object o)
cdef object unary_array(object x, int rid, object ufunc)
cdef object binary_array(object a, object b, int op, object ufunc)
cdef object _ndirs_error(Py_ssize_t k1, Py_ssize_t k2)
