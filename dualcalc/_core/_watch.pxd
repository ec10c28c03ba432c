# cython: language_level=3
# The conversion watch (_watch.pyx): one record per watched evaluation of f,
# found through the thread's state.
cimport cython


@cython.final
cdef class Watch:
    cdef public object events            # refused conversions: (what, where)
    cdef public object handles           # (handle, where) of np.asanyarray handles
    cdef public object objects           # where object arrays of duals were made


cdef object current()                    # this thread's watch, or None
cdef int set_current(object w) except -1
cdef int merge_into(Watch outer, Watch w) except -1
