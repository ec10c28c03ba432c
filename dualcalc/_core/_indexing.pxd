# cython: language_level=3
# Indexing of dual arrays (_indexing.pyx).

cdef object _getitem(object x, object idx)
cdef object _setitem(object x, object idx, object val)
cdef object _element(object x, object idx)
cdef object _align(object e, int nlead, int target_nd, object nb)
