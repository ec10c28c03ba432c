# cython: language_level=3
# Allocation and shape helpers of the array layer: inline, NumPy C API only (no
# Python-level module), cimported by every _core module that builds arrays.
cimport numpy as cnp


cdef inline cnp.ndarray _empty(Py_ssize_t l0, Py_ssize_t l1, int nlead,
                               cnp.npy_intp* shape, int nd):
    """An uninitialised float64 array of shape lead + shape (nlead leading axes)."""
    cdef cnp.npy_intp dims[70]
    cdef int i
    if nlead >= 1:
        dims[0] = l0
    if nlead >= 2:
        dims[1] = l1
    for i in range(nd):
        dims[nlead + i] = shape[i]
    return <cnp.ndarray>cnp.PyArray_EMPTY(nd + nlead, dims, cnp.NPY_DOUBLE, 0)


cdef inline tuple _shape(cnp.ndarray a):
    return (<object>a).shape


cdef inline cnp.ndarray _contig(cnp.ndarray a):
    if cnp.PyArray_IS_C_CONTIGUOUS(a):
        return a
    return <cnp.ndarray>cnp.PyArray_NewCopy(a, cnp.NPY_CORDER)


cdef inline cnp.ndarray _scalar0d(double v):
    cdef cnp.ndarray a = <cnp.ndarray>cnp.PyArray_EMPTY(0, NULL, cnp.NPY_DOUBLE, 0)
    (<double*>cnp.PyArray_DATA(a))[0] = v
    return a


cdef inline cnp.ndarray _row0(double v):
    cdef cnp.npy_intp one = 1
    cdef cnp.ndarray a = <cnp.ndarray>cnp.PyArray_EMPTY(1, &one, cnp.NPY_DOUBLE, 0)
    (<double*>cnp.PyArray_DATA(a))[0] = v
    return a


cdef inline bint _same_shape(cnp.ndarray a, int alead, cnp.ndarray b, int blead):
    """Do a.shape[alead:] and b.shape[blead:] agree?"""
    cdef int n = a.ndim - alead
    cdef int i
    if n != b.ndim - blead:
        return False
    for i in range(n):
        if a.shape[alead + i] != b.shape[blead + i]:
            return False
    return True


cdef inline bint _rows_ok(cnp.ndarray c, int nlead, Py_ssize_t* rs):
    """Are the blocks c[j] (c[a, b] for nlead 2) C-contiguous with a uniform
    stride between consecutive rows?  Stores that stride (in elements) in rs."""
    cdef int d
    cdef Py_ssize_t expected = 8
    cdef int nd = c.ndim
    cdef cnp.npy_intp* dims = cnp.PyArray_DIMS(c)
    cdef cnp.npy_intp* st = cnp.PyArray_STRIDES(c)
    for d in range(nd - 1, nlead - 1, -1):
        if dims[d] != 1 and st[d] != expected:
            return False
        expected *= dims[d]
    if nlead == 1:
        if st[0] % 8 != 0:
            return False
        rs[0] = st[0] // 8
        return True
    # nlead == 2: rows are (a, b) pairs flattened as a*q + b
    if dims[1] == 1:
        if st[0] % 8 != 0:
            return False
        rs[0] = st[0] // 8
        return True
    if st[1] % 8 != 0:
        return False
    if dims[0] == 1 or st[0] == dims[1] * st[1]:
        rs[0] = st[1] // 8
        return True
    return False
