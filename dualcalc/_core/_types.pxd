# cython: language_level=3
# The array types (_types.pyx): their layout, constructors and densification,
# the checks shared by every layer, and the entry points the layers above install.
cimport cython
cimport numpy as cnp

from dualcalc._core._bands cimport BandStore, HyperBandStore
from dualcalc._core._scalar cimport Dual, HyperDual
from dualcalc._core._vec cimport DualVec, HyperDualVec


@cython.final
cdef class DualArray:
    cdef readonly cnp.ndarray value      # float64, shape S
    cdef cnp.ndarray _eps                # float64, shape (k,) + S; None while banded
    cdef BandStore _store                # the banded tangents (when _eps is None)
    cdef Py_ssize_t _start               # this array's first flat element in _store
    cdef Py_ssize_t _k                   # number of directions
    cdef readonly int tag


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


# ---------------------------------------------------------------- entry points of the layers above
ctypedef object (*unary_fn)(object, int, object)
ctypedef object (*binary_fn)(object, object, int, object)
ctypedef object (*getitem_fn)(object, object)
ctypedef object (*setitem_fn)(object, object, object)
ctypedef object (*ufunc_fast_fn)(object, tuple)
ctypedef object (*protocol_fn)(object, object, object)
ctypedef object (*matmul_fn)(object, object)

cdef struct Hooks:
    unary_fn unary                       # _engine.unary_array
    binary_fn binary                     # _engine.binary_array
    getitem_fn getitem                   # _indexing._getitem
    setitem_fn setitem                   # _indexing._setitem
    ufunc_fast_fn ufunc_fast             # _protocols._ufunc_call_fast
    protocol_fn array_protocol           # _protocols._array_protocol
    matmul_fn matmul                     # _protocols._matmul

cdef int wire_engine(unary_fn unary, binary_fn binary) except -1
cdef int wire_indexing(getitem_fn getitem, setitem_fn setitem) except -1
cdef int wire_protocols(ufunc_fast_fn ufunc_fast, protocol_fn array_protocol,
                        matmul_fn matmul, object array_ufunc, object array_function) except -1


# ---------------------------------------------------------------- constructors and densification
cdef DualArray new_dual_array(cnp.ndarray value, cnp.ndarray eps, int tag)
cdef DualArray new_band_array(cnp.ndarray value, BandStore store, Py_ssize_t start, int tag)
cdef HyperDualArray new_hyper_array(cnp.ndarray value, cnp.ndarray eps1, cnp.ndarray eps2,
                                    cnp.ndarray eps1eps2, int tag1, int tag2)
cdef HyperDualArray new_hband_array(cnp.ndarray value, HyperBandStore store, Py_ssize_t start,
                                    int tag1, int tag2)
cdef cnp.ndarray dense_eps(DualArray x)
cdef int hyper_dense(HyperDualArray x) except -1


# ---------------------------------------------------------------- checks shared by every layer
cdef cnp.ndarray _as_f64(object a)
cdef str _tname(object o)
cdef object _refuse(object self, str target)
cdef int _check_dual(object x) except -1
cdef object _map(object x, object fn)
cdef cnp.ndarray _checked_component(object a, str name, str where)
cdef int _checked_tag(object tag, str name) except -1


cdef inline bint _banded(DualArray x):
    """Is x's tangent banded (and still so in its store)?"""
    if x._eps is not None:
        return False
    if x._store.band is None:
        dense_eps(x)
        return False
    return True


cdef inline double* _band_ptr(DualArray x, Py_ssize_t* rs, Py_ssize_t* off, Py_ssize_t* w):
    """Pointer to x's first band row (x banded), its row stride, offset and width."""
    cdef BandStore s = x._store
    rs[0] = s.nbase
    off[0] = s.off + x._start
    w[0] = s.band.shape[0]
    return (<double*>cnp.PyArray_DATA(s.band)) + x._start


cdef inline bint _hbanded(HyperDualArray x):
    if x._e1 is not None:
        return False
    if x._hstore.band1 is None:
        hyper_dense(x)
        return False
    return True


cdef inline cnp.ndarray _value_array(object o):
    if type(o) is DualArray:
        return (<DualArray>o).value
    if type(o) is HyperDualArray:
        return (<HyperDualArray>o).value
    return <cnp.ndarray>o


cdef inline object _value_of(object o):
    if type(o) is DualArray:
        return (<DualArray>o).value
    if type(o) is HyperDualArray:
        return (<HyperDualArray>o).value
    if type(o) is Dual:
        return (<Dual>o).value
    if type(o) is HyperDual:
        return (<HyperDual>o).value
    if type(o) is DualVec:
        return (<DualVec>o).value
    if type(o) is HyperDualVec:
        return (<HyperDualVec>o).value
    h = getattr(o, "_dualcalc_array", None)
    if h is not None:
        return _value_of(h)
    return o
