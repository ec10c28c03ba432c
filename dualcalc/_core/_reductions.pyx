# cython: language_level=3
"""Sums of dual arrays the hot path of np.sum and x.sum().

Design: a sum is linear, so it acts on each component with the axes shifted
past the direction axes; the sum of everything of a banded array scatters the
band straight into one k, tangent no dense (k, + S array).  Everything else
dtype, out, initial, where goes to the Python implementation that
``dualcalc.arrays.reductions`` registers with ``set_sum_general``.
"""
cimport numpy as cnp
from dualcalc._core._bands cimport HyperBandStore, _sum_band2, _vsum_band, _vsum_band2
from dualcalc._core._types cimport (
    DualArray, HyperDualArray, new_dual_array, new_hyper_array, dense_eps, hyper_dense,
    _banded, _hbanded, _band_ptr, _check_dual)
from dualcalc._core._protocols import DualArrayHandle

import operator

import numpy as np

cnp.import_array()

cdef object _FLOAT64 = np.dtype(np.float64)
cdef object _np_add_reduce = np.add.reduce


# ================================================================ reductions (hot path)
cdef tuple _norm_axes(object axis, int nd):
    """axis (None, int or tuple) as a sorted tuple of non-negative ints."""
    cdef list out
    cdef Py_ssize_t a
    if axis is None:
        return tuple(range(nd))
    if not isinstance(axis, tuple):
        axis = (axis,)
    out = []
    for ax in axis:
        a = operator.index(ax)
        if a < -nd or a >= nd:
            raise np.exceptions.AxisError(a, nd)
        if a < 0:
            a += nd
        if a in out:
            raise ValueError("duplicate value in 'axis'")
        out.append(a)
    out.sort()
    return tuple(out)


cdef void _sum_band(double* band, Py_ssize_t w, Py_ssize_t rs, Py_ssize_t n,
                    Py_ssize_t off, Py_ssize_t k, double* out) noexcept nogil:
    """out[j] = sum_i band[j - i - off, i]."""
    cdef Py_ssize_t b, i, lo, hi
    cdef double* row
    cdef double* o
    for b in range(w):
        lo = -(off + b)
        if lo < 0:
            lo = 0
        hi = k - off - b
        if hi > n:
            hi = n
        row = band + b * rs
        o = out + off + b
        for i in range(lo, hi):
            o[i] += row[i]


cdef object _sum_comp(cnp.ndarray c, int nlead, tuple axes, bint keepdims):
    cdef tuple ax = tuple([a + nlead for a in axes]) if nlead else axes
    r = _np_add_reduce(c, axis=ax, keepdims=keepdims)
    if type(r) is not cnp.ndarray:
        r = np.asarray(r, dtype=np.float64)
    return r


def sum_function(a, axis=None, dtype=None, out=None, keepdims=False,
                 initial=np._NoValue, where=np._NoValue):
    """np.sum for dual arrays: the common call handled here, the rest by the
    Python implementation registered as _sum_general."""
    if (out is None and initial is np._NoValue and where is np._NoValue
            and (dtype is None or dtype is _FLOAT64 or dtype is np.float64)
            and (type(a) is DualArray or type(a) is HyperDualArray)):
        return sum_array(a, axis, keepdims)
    return _sum_general(a, axis=axis, dtype=dtype, out=out, keepdims=keepdims,
                        initial=initial, where=where)


_sum_general = None


def set_sum_general(fn):
    global _sum_general
    _sum_general = fn


def result_type(*arrays_and_dtypes):
    """np.result_type with dual arrays counted as float64."""
    cdef list args = list(arrays_and_dtypes)
    cdef Py_ssize_t i
    for i in range(len(args)):
        t = type(args[i])
        if t is DualArray or t is HyperDualArray or t is DualArrayHandle:
            args[i] = _FLOAT64
    return np.result_type(*args)


def sum_array(x, axis=None, bint keepdims=False):
    """Sum of a dual array over axis (None: all axes): linear, so componentwise."""
    cdef tuple axes
    cdef Py_ssize_t rs, off, w, N
    cdef double* bp
    cdef cnp.ndarray e
    _check_dual(x)
    if type(x) is DualArray:
        d = <DualArray>x
        axes = _norm_axes(axis, d.value.ndim)
        if len(axes) == d.value.ndim and _banded(d):
            # the sum of everything: scatter the band into one (k,) tangent
            bp = _band_ptr(d, &rs, &off, &w)
            N = cnp.PyArray_SIZE(d.value)
            e = <cnp.ndarray>np.zeros((d._k,) + ((1,) * d.value.ndim if keepdims else ()))
            _sum_band(bp, w, rs, N, off, d._k, <double*>cnp.PyArray_DATA(e))
            return new_dual_array(_sum_comp(d.value, 0, axes, keepdims), e, d.tag)
        return new_dual_array(_sum_comp(d.value, 0, axes, keepdims),
                              _sum_comp(dense_eps(d), 1, axes, keepdims), d.tag)
    h = <HyperDualArray>x
    axes = _norm_axes(axis, h.value.ndim)
    if len(axes) == h.value.ndim and _hbanded(h):
        return _hband_sum(h, axes, keepdims)
    hyper_dense(h)
    return new_hyper_array(_sum_comp(h.value, 0, axes, keepdims), _sum_comp(h._e1, 1, axes, keepdims),
                           _sum_comp(h._e2, 1, axes, keepdims), _sum_comp(h._e12, 2, axes, keepdims),
                           h.tag1, h.tag2)


cdef object _hband_sum(HyperDualArray h, tuple axes, bint keepdims):
    cdef HyperBandStore s = h._hstore
    cdef Py_ssize_t N = cnp.PyArray_SIZE(h.value)
    cdef tuple ones = (1,) * h.value.ndim if keepdims else ()
    cdef cnp.ndarray e1 = <cnp.ndarray>np.zeros((h._p,) + ones)
    cdef cnp.ndarray e2 = <cnp.ndarray>np.zeros((h._q,) + ones)
    cdef cnp.ndarray e12 = <cnp.ndarray>np.zeros((h._p, h._q) + ones)
    _sum_band((<double*>cnp.PyArray_DATA(s.band1)) + h._start, s.band1.shape[0], s.nbase, N,
              s.off1 + h._start, h._p, <double*>cnp.PyArray_DATA(e1))
    if s.vsum:
        # eps2 pieces of one direction: every element contributes to e2[0]
        # and to e12[a, 0] (stride 0 over the elements)
        _vsum_band((<double*>cnp.PyArray_DATA(s.band2)) + h._start, s.band2.shape[0], s.nbase,
                   N, <double*>cnp.PyArray_DATA(e2), 0)
        _vsum_band2((<double*>cnp.PyArray_DATA(s.band12)) + h._start, s.band1.shape[0],
                    s.band2.shape[0], s.nbase, N, s.off1 + h._start, s.p,
                    <double*>cnp.PyArray_DATA(e12), 1, 0)
        return new_hyper_array(_sum_comp(h.value, 0, axes, keepdims), e1, e2, e12,
                               h.tag1, h.tag2)
    _sum_band((<double*>cnp.PyArray_DATA(s.band2)) + h._start, s.band2.shape[0], s.nbase, N,
              s.off2 + h._start, h._q, <double*>cnp.PyArray_DATA(e2))
    _sum_band2((<double*>cnp.PyArray_DATA(s.band12)) + h._start, s.band1.shape[0],
               s.band2.shape[0], s.nbase, N, s.off1 + h._start, s.off2 + h._start, h._p, h._q,
               <double*>cnp.PyArray_DATA(e12))
    return new_hyper_array(_sum_comp(h.value, 0, axes, keepdims), e1, e2, e12, h.tag1, h.tag2)
