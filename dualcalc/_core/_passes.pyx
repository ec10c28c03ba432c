# cython: language_level=3
"""One pass of a verb over the whole identity, in compiled code: seed x, call f
under the conversion watch, read the result's derivatives.

Design: for a small input (the whole identity in one pass) the Python-level
work around f -- copying and seeding x, the watch, reading the tangents back
into float arrays, the symmetrised Hessian -- cost several microseconds, more
than f itself for scalar-style code on a few variables (issue 13).  Here it
costs a few hundred nanoseconds: the seed is built directly (``_seeds.pyx``
builds the same arrays from Python), and a result that is one scalar of this
differentiation (``DualVec``, ``HyperDualVec``, a 0-d dual array) is read
without intermediate arrays.  Any other result (lists, arrays, plain numbers,
another differentiation) is returned as it is, and the caller reads it with
the general extraction of ``dualcalc/_seeding.py``, which also owns the
errors.  The arithmetic is the same as the general path's, so results are
bitwise equal.
"""
cimport numpy as cnp
from libc.string cimport memcpy
from dualcalc._core._bands cimport new_store, new_hstore
from dualcalc._core._types cimport (
    DualArray, HyperDualArray, new_band_array, new_hband_array, new_dual_array, dense_eps,
    hyper_dense)
from dualcalc._core._vec cimport DualVec, HyperDualVec
from dualcalc._core._watch cimport Watch, current, set_current, merge_into

from dualcalc import _conversions as _conv

cnp.import_array()

cdef object _check = _conv.check
# Installed by dualcalc/_seeding.py (wire): its tag counter, the handler of
# f's exceptions and the plain value of a result for the conversion check.
cdef object _tags = None
cdef object _failed = None
cdef object _plain = None
cdef object _Compiled = None             # dualcalc.compile's type: it has its own hot paths
cdef object _VECTORISED = None           # its cache entries for shapes it leaves to the verbs
cdef object _FALLBACK = None
cdef int TAG_MAX = 2147483647


def wire(tags, failed, plain):
    """Install _seeding's tag counter, failure handler and plain_value."""
    global _tags, _failed, _plain
    _tags, _failed, _plain = tags, failed, plain


def wire_compiled(compiled, vectorised, fallback):
    """Install the type of dualcalc.compile's functions (they have their own
    hot paths in the verbs) and the cache entries with which a compiled
    function leaves a shape to the ordinary verbs."""
    global _Compiled, _VECTORISED, _FALLBACK
    _Compiled, _VECTORISED, _FALLBACK = compiled, vectorised, fallback


cdef object _plain_function(object f, object x, object args):
    """f, or for a compiled f that leaves x's shape to the ordinary verbs
    (vectorised code, or a recording that fell back) its function, read from
    its cache as Compiled's own hot paths read it; None for a compiled f that
    replays (its hot paths answer)."""
    if type(f) is not _Compiled:
        return f
    if type(x) is not cnp.ndarray or type(args) is not tuple or len(<tuple>args):
        return None
    entry = f._cache.get((<object>x).shape)
    if entry is _VECTORISED or entry is _FALLBACK:
        return f.fn
    return None


def call(f, x, tuple args):
    """f(x, *args) under a conversion watch: a result computed after a dual
    value was converted to plain numbers is refused (_seeding.call)."""
    return _call(f, x, args)


cdef bint _eligible(object f, object x, object args, Py_ssize_t most):
    """Is x a float64 ndarray of 2..most elements (at most 32 axes), args a
    tuple and f not a compiled function?"""
    cdef cnp.ndarray a
    if type(x) is not cnp.ndarray or type(args) is not tuple or type(f) is _Compiled:
        return False
    a = <cnp.ndarray>x
    return (cnp.PyArray_TYPE(a) == cnp.NPY_DOUBLE and cnp.PyArray_ISNOTSWAPPED(a)
            and 2 <= cnp.PyArray_SIZE(a) <= most and cnp.PyArray_NDIM(a) <= 32)


cdef int _new_tag() except -1:
    """A fresh tag from _seeding's counter (as _seeding.new_tag)."""
    cdef long long t = next(_tags)
    if t > TAG_MAX:
        t = (t - 1) % TAG_MAX + 1
    return <int>t


cdef cnp.ndarray _copy(cnp.ndarray x):
    """A C-contiguous copy of x (float64)."""
    cdef cnp.ndarray c
    if not cnp.PyArray_IS_C_CONTIGUOUS(x):
        return <cnp.ndarray>cnp.PyArray_NewCopy(x, cnp.NPY_CORDER)
    c = <cnp.ndarray>cnp.PyArray_EMPTY(cnp.PyArray_NDIM(x), cnp.PyArray_DIMS(x), cnp.NPY_DOUBLE, 0)
    memcpy(cnp.PyArray_DATA(c), cnp.PyArray_DATA(x), cnp.PyArray_SIZE(x) * sizeof(double))
    return c


cdef cnp.ndarray _ones_band(Py_ssize_t n):
    cdef cnp.npy_intp dims[2]
    cdef cnp.ndarray band
    cdef double* bp
    cdef Py_ssize_t i
    dims[0] = 1
    dims[1] = n
    band = <cnp.ndarray>cnp.PyArray_EMPTY(2, dims, cnp.NPY_DOUBLE, 0)
    bp = <double*>cnp.PyArray_DATA(band)
    for i in range(n):
        bp[i] = 1.0
    return band


cdef int _restore(object outer, Watch w) except -1:
    """Make outer the current watch again, with w's records added to it."""
    set_current(outer)
    if outer is not None:
        merge_into(<Watch>outer, w)
    return 0


cdef object _call(object f, object xs, tuple args):
    """f(xs, *args) under a conversion watch (as _seeding.call)."""
    cdef object outer = current()
    cdef Watch w = Watch.__new__(Watch)
    set_current(w)
    try:
        y = f(xs, *args)
    except Exception as exc:
        _restore(outer, w)
        _failed(w, exc)                  # raises the clearer error, if there is one
        raise
    except BaseException:                # KeyboardInterrupt, SystemExit: the watch too
        _restore(outer, w)
        raise
    _restore(outer, w)
    if w.events or w.handles:
        _check(w, _plain(y))
    return y


def jacobian_pass(f, cnp.ndarray x, tuple args):
    """(y, tag): f's result for one pass over the whole identity of the
    float64 array x (size >= 2) under a fresh tag, for the general reading."""
    cdef int tag = _new_tag()
    cdef Py_ssize_t n = cnp.PyArray_SIZE(x)
    y = _call(f, new_band_array(_copy(x), new_store(_ones_band(n), 0, n), 0, tag), args)
    return y, tag


def gradient_pass(f, x, args, Py_ssize_t most):
    """(value, grad, y, tag) of one pass over the identity of x under a fresh
    tag, or None when x is not a float64 ndarray of 2..most elements (or args
    not a tuple, or f a compiled function): grad has x's shape when y is one
    scalar of this differentiation, else value and grad are None (the caller
    reads y in general).  A compiled f that leaves x's shape to the verbs
    passes its function."""
    f = _plain_function(f, x, args)
    if f is None or not _eligible(f, x, args, most):
        return None
    cdef int tag = _new_tag()
    cdef Py_ssize_t n = cnp.PyArray_SIZE(x)
    cdef cnp.ndarray v = _copy(x)
    cdef DualArray xs = new_band_array(v, new_store(_ones_band(n), 0, n), 0, tag)
    cdef cnp.ndarray g, e
    cdef DualVec d
    cdef DualArray a
    y = _call(f, xs, args)
    if type(y) is DualVec:
        d = <DualVec>y
        if d.tag == tag and d.k == n:
            g = <cnp.ndarray>cnp.PyArray_EMPTY(cnp.PyArray_NDIM(x), cnp.PyArray_DIMS(x),
                                               cnp.NPY_DOUBLE, 0)
            memcpy(cnp.PyArray_DATA(g), d.eps, n * sizeof(double))
            return d.value, g, y, tag
    elif type(y) is DualArray:
        a = <DualArray>y
        if a.tag == tag and cnp.PyArray_NDIM(a.value) == 0 and a._k == n:
            e = dense_eps(a)
            g = <cnp.ndarray>cnp.PyArray_EMPTY(cnp.PyArray_NDIM(x), cnp.PyArray_DIMS(x),
                                               cnp.NPY_DOUBLE, 0)
            if cnp.PyArray_IS_C_CONTIGUOUS(e):
                memcpy(cnp.PyArray_DATA(g), cnp.PyArray_DATA(e), n * sizeof(double))
            else:
                g[...] = e.reshape((<object>x).shape)
            return (<double*>cnp.PyArray_DATA(a.value))[0], g, y, tag
    return None, None, y, tag


def hessian_pass(f, x, args, Py_ssize_t most):
    """(value, grad, H, y, tag1, tag2) of one HyperDual pass with the whole
    identity in eps1 and eps2 under two fresh tags (tag1 < tag2), or None when
    x is not eligible (as for gradient_pass): grad of x's shape, H of shape
    x.shape * 2, exactly symmetric ((E + E^T) / 2 of the mixed block E, as the
    verbs make it), when y is one scalar of this differentiation, else value,
    grad and H are None."""
    f = _plain_function(f, x, args)
    if f is None or not _eligible(f, x, args, most):
        return None
    cdef int tag1 = _new_tag(), tag2 = _new_tag()
    if tag2 < tag1:
        tag1, tag2 = tag2, tag1
    cdef Py_ssize_t n = cnp.PyArray_SIZE(x)
    cdef cnp.ndarray v = _copy(x)
    cdef cnp.npy_intp dims[3]
    cdef cnp.ndarray b12
    cdef HyperDualArray xs
    cdef HyperDualVec d
    cdef HyperDualArray a
    cdef double* e2
    cdef double* e12
    cdef double value
    cdef Py_ssize_t s1 = n, s2 = 1       # strides of e12 (row-major p x q)
    dims[0] = 1
    dims[1] = 1
    dims[2] = n
    b12 = <cnp.ndarray>cnp.PyArray_ZEROS(3, dims, cnp.NPY_DOUBLE, 0)
    xs = new_hband_array(v, new_hstore(_ones_band(n), _ones_band(n), b12, 0, 0, n, n), 0,
                         tag1, tag2)
    y = _call(f, xs, args)
    if type(y) is HyperDualVec:
        d = <HyperDualVec>y
        if d.tag1 != tag1 or d.tag2 != tag2 or d.p != n or d.q != n:
            return None, None, None, y, tag1, tag2
        value, e2, e12 = d.value, d.e2, d.e12
    elif type(y) is HyperDualArray:
        a = <HyperDualArray>y
        if (a.tag1 != tag1 or a.tag2 != tag2 or cnp.PyArray_NDIM(a.value) != 0
                or a._p != n or a._q != n):
            return None, None, None, y, tag1, tag2
        hyper_dense(a)
        if not (cnp.PyArray_IS_C_CONTIGUOUS(a._e2) and cnp.PyArray_IS_C_CONTIGUOUS(a._e12)):
            return None, None, None, y, tag1, tag2
        value = (<double*>cnp.PyArray_DATA(a.value))[0]
        e2 = <double*>cnp.PyArray_DATA(a._e2)
        e12 = <double*>cnp.PyArray_DATA(a._e12)
    else:
        return None, None, None, y, tag1, tag2
    return value, _grad(x, e2, n), _symmetric(x, e12, n), y, tag1, tag2


def hvp_pass(f, cnp.ndarray x, cnp.ndarray v, tuple args):
    """(hv, y, tag1, tag2) of one HyperDual pass for H @ v: eps1 the whole
    identity (banded), eps2 the one direction v (x, v float64 of one size
    >= 2).  hv (x's shape) when y is one scalar of this differentiation, else
    None (the caller reads y in general)."""
    cdef int tag1 = _new_tag(), tag2 = _new_tag()
    if tag2 < tag1:
        tag1, tag2 = tag2, tag1
    cdef Py_ssize_t n = cnp.PyArray_SIZE(x)
    cdef cnp.npy_intp dims[3]
    cdef cnp.ndarray b12, b2
    cdef HyperDualVec d
    dims[0] = 1
    dims[1] = 1
    dims[2] = n
    b12 = <cnp.ndarray>cnp.PyArray_ZEROS(3, dims, cnp.NPY_DOUBLE, 0)
    b2 = _copy(v).reshape(1, n)
    xs = new_hband_array(_copy(x), new_hstore(_ones_band(n), b2, b12, 0, 0, n, n, True), 0,
                         tag1, tag2)
    y = _call(f, xs, args)
    if type(y) is HyperDualVec:
        d = <HyperDualVec>y
        if d.tag1 == tag1 and d.tag2 == tag2 and d.p == n and d.q == 1:
            return _grad(x, d.e12, n), y, tag1, tag2       # e12 is p x 1: H @ v
    return None, y, tag1, tag2


def jvp_pass(f, cnp.ndarray x, cnp.ndarray v, tuple args):
    """(jv, y, tag) of one pass with the one direction v (x, v float64 of one
    size >= 2): jv the float J @ v when y is one scalar of this
    differentiation, else None (the caller reads y in general)."""
    cdef int tag = _new_tag()
    cdef cnp.ndarray e = _copy(v)
    cdef DualVec d
    e = <cnp.ndarray>e.reshape((1,) + (<object>x).shape)
    y = _call(f, new_dual_array(_copy(x), e, tag), args)
    if type(y) is DualVec:
        d = <DualVec>y
        if d.tag == tag and d.k == 1:
            return d.eps[0], y, tag
    return None, y, tag


cdef cnp.ndarray _grad(cnp.ndarray x, double* e, Py_ssize_t n):
    cdef cnp.ndarray g = <cnp.ndarray>cnp.PyArray_EMPTY(cnp.PyArray_NDIM(x), cnp.PyArray_DIMS(x),
                                                       cnp.NPY_DOUBLE, 0)
    memcpy(cnp.PyArray_DATA(g), e, n * sizeof(double))
    return g


cdef cnp.ndarray _symmetric(cnp.ndarray x, double* e, Py_ssize_t n):
    """(E + E^T) * 0.5 of the n x n row-major block e, shaped x.shape * 2."""
    cdef int nd = cnp.PyArray_NDIM(x)
    cdef cnp.npy_intp dims[64]
    cdef int i
    cdef Py_ssize_t r, c
    cdef cnp.ndarray H
    cdef double* h
    for i in range(nd):
        dims[i] = cnp.PyArray_DIMS(x)[i]
        dims[nd + i] = cnp.PyArray_DIMS(x)[i]
    H = <cnp.ndarray>cnp.PyArray_EMPTY(2 * nd, dims, cnp.NPY_DOUBLE, 0)
    h = <double*>cnp.PyArray_DATA(H)
    for r in range(n):
        h[r * n + r] = (e[r * n + r] + e[r * n + r]) * 0.5
        for c in range(r + 1, n):
            h[r * n + c] = (e[r * n + c] + e[c * n + r]) * 0.5
            h[c * n + r] = (e[c * n + r] + e[r * n + c]) * 0.5
    return H
