# cython: language_level=3
"""One pass of a verb over the whole identity, in compiled code: seed x, call f
under the conversion watch, read the result's derivatives.

Design: for a small input (the whole identity in one pass) the Python-level
work around f -- copying and seeding x, the watch, reading the tangents back
into float arrays, the symmetrised Hessian -- cost several microseconds, more
than f itself for scalar-style code on a few variables (issue 13).  Here it
costs a few hundred nanoseconds: the seed is built directly (``_seeds.pyx``
builds the same arrays from Python) and kept for the next pass of the same
shape when nobody else holds it, and a result that is one scalar of this
differentiation (``DualVec``, ``HyperDualVec``, a 0-d dual array) is read
without intermediate arrays.  Any other result (lists, arrays, plain numbers,
another differentiation) is returned as it is, and the caller reads it with
the general extraction of ``dualcalc/_seeding.py``, which also owns the
errors.  The arithmetic is the same as the general path's, so results are
bitwise equal.

The public ``gradient`` and ``hessian`` are the functions defined here: their
fast path runs before any Python frame, and every other call goes to the
Python implementations in ``dualcalc/derivatives.py``, which also document
them.  The perturbation tags of every verb come from this module's counter.
"""
cimport numpy as cnp
from cpython.ref cimport PyObject, _Py_REFCNT
from libc.string cimport memcpy, memset
from dualcalc._core._bands cimport BandStore, HyperBandStore, new_store, new_hstore
from dualcalc._core._types cimport (
    DualArray, HyperDualArray, new_band_array, new_hband_array, new_dual_array, dense_eps,
    hyper_dense)
from dualcalc._core._vec cimport DualVec, HyperDualVec
from dualcalc._core._watch cimport Watch, current, set_current, merge_into

from dualcalc import _conversions as _conv

cnp.import_array()

cdef object _check = _conv.check
# Installed by dualcalc/_seeding.py (wire): the handler of f's exceptions and
# the plain value of a result for the conversion check.
cdef object _failed = None
cdef object _plain = None
cdef object _Compiled = None             # dualcalc.compile's type: it has its own hot paths
cdef object _VECTORISED = None           # its cache entries for shapes it leaves to the verbs
cdef object _FALLBACK = None
cdef int TAG_MAX = 2147483647


# The perturbation tags of every verb (dualcalc/_seeding.py's new_tag is this
# module's): 1, 2, ..., TAG_MAX, then 1 again.  The GIL makes the step atomic.
cdef long long _next_tag = 1


def wire(failed, plain):
    """Install _seeding's failure handler and plain_value."""
    global _failed, _plain
    _failed, _plain = failed, plain


def new_tag():
    """A fresh perturbation tag in 1..2**31 - 1 (unique among the last
    2**31 - 1 tags made in this process, from any thread)."""
    return _new_tag()


def set_next_tag(long long t):
    """Make t the next tag (1 <= t <= 2**31 - 1); returns the one it replaces.
    For tests of the wrap-around."""
    global _next_tag
    if not 1 <= t <= TAG_MAX:
        raise ValueError(f"a tag is in 1..{TAG_MAX}, got {t}")
    old = _next_tag
    _next_tag = t
    return old


# The verbs gradient and hessian: their fast path is here, so that a call on a
# few variables pays no Python frame before it; everything else is the Python
# implementation in dualcalc/derivatives.py (installed by wire_verbs), which
# also gives them their documentation.
cdef object _gradient_py = None          # derivatives._gradient: the whole verb
cdef object _hessian_py = None
cdef object _gradient_finish = None      # reads a pass's result in general
cdef object _hessian_finish = None
cdef Py_ssize_t _gradient_most = 0       # largest x for the one pass
cdef Py_ssize_t _hessian_most = 0


def wire_verbs(gradient, gradient_finish, Py_ssize_t gradient_most, hessian, hessian_finish,
               Py_ssize_t hessian_most):
    """Install the Python verbs behind gradient and hessian, the readers of a
    one-pass result that is not one scalar, and the one pass's largest sizes."""
    global _gradient_py, _gradient_finish, _gradient_most
    global _hessian_py, _hessian_finish, _hessian_most
    _gradient_py, _gradient_finish, _gradient_most = gradient, gradient_finish, gradient_most
    _hessian_py, _hessian_finish, _hessian_most = hessian, hessian_finish, hessian_most


def gradient(f, x, args=(), argnums=None, *, executor=None, chunk=None):
    """(documented by dualcalc.derivatives)"""
    if argnums is None and executor is None and chunk is None:
        r = _gradient_pass(f, x, args, _gradient_most, False)
        if r is not None:
            return r if type(r) is not tuple else _gradient_finish(r, x)
        if (type(f) is _Compiled and type(x) is cnp.ndarray
                and cnp.PyArray_NDIM(<cnp.ndarray>x) != 0):
            r = f.value_and_gradient(x, args)        # a recorded f's hot path
            if type(r) is tuple:
                return (<tuple>r)[1]
    return _gradient_py(f, x, args, argnums, executor=executor, chunk=chunk)


def hessian(f, x, args=(), *, sparse=False, sparsity=None, executor=None, chunk=None):
    """(documented by dualcalc.derivatives)"""
    if executor is None and chunk is None and sparsity is None and sparse is False:
        r = _hessian_pass(f, x, args, _hessian_most, False)
        if r is not None:
            return r if type(r) is not tuple else _hessian_finish(r, x)
        if (type(f) is _Compiled and type(x) is cnp.ndarray
                and cnp.PyArray_NDIM(<cnp.ndarray>x) == 1):
            r = f.hessian(x, args)                   # a recorded f's hot path
            if r is not None:
                return r[2]
    return _hessian_py(f, x, args, sparse=sparse, sparsity=sparsity, executor=executor,
                       chunk=chunk)


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


cdef inline int _new_tag() noexcept:
    global _next_tag
    cdef long long t = _next_tag
    _next_tag = t + 1 if t < TAG_MAX else 1
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


# ---------------------------------------------------------------- seeded inputs, reused
# A scalar-style f on a few variables makes the allocations of its seeded
# input (the value copy, the band, the store, the array) a visible part of the
# whole verb.  After a pass, the seeded input is kept for the next pass of the
# same shape when nothing but this module holds it or any of its arrays
# (reference counts of one, no views, nothing densified): then no one can
# observe that the next pass rewrites it.  An input that f kept, or any of
# whose arrays it kept, is simply left to f.
cdef DualArray _gkept = None
cdef HyperDualArray _hkept = None


cdef inline bint _sole(cnp.ndarray a):
    """Is a held by its one owner only (the caller checks), owning its
    contiguous, writeable data (no base: no views of it anywhere)?"""
    return (cnp.PyArray_BASE(a) == NULL
            and cnp.PyArray_CHKFLAGS(a, cnp.NPY_ARRAY_OWNDATA | cnp.NPY_ARRAY_C_CONTIGUOUS
                                     | cnp.NPY_ARRAY_WRITEABLE))


cdef inline bint _one(PyObject* o):
    return _Py_REFCNT(o) == 1


cdef inline bint _same_shape(cnp.ndarray a, cnp.ndarray b):
    cdef int i, nd = cnp.PyArray_NDIM(a)
    if nd != cnp.PyArray_NDIM(b):
        return False
    for i in range(nd):
        if cnp.PyArray_DIMS(a)[i] != cnp.PyArray_DIMS(b)[i]:
            return False
    return True


cdef int _fill(cnp.ndarray dst, cnp.ndarray x, Py_ssize_t n) except -1:
    """dst (C-contiguous, x's shape) = x."""
    if cnp.PyArray_IS_C_CONTIGUOUS(x):
        memcpy(cnp.PyArray_DATA(dst), cnp.PyArray_DATA(x), n * sizeof(double))
    elif cnp.PyArray_CopyInto(dst, x) < 0:
        raise RuntimeError("dualcalc: copying the point failed")
    return 0


cdef inline void _ones(cnp.ndarray a, Py_ssize_t n) noexcept:
    cdef double* p = <double*>cnp.PyArray_DATA(a)
    cdef Py_ssize_t i
    for i in range(n):
        p[i] = 1.0


cdef DualArray _gseed(cnp.ndarray x, Py_ssize_t n, int tag):
    """The seeded input of a gradient pass: x's values, the identity as a band
    of ones, under tag (the kept one of the last pass when x's shape matches)."""
    global _gkept
    cdef DualArray xs = _gkept
    if xs is not None and _same_shape(xs.value, x):
        _gkept = None
        _fill(xs.value, x, n)
        _ones(xs._store.band, n)
        xs.tag = tag
        return xs
    return new_band_array(_copy(x), new_store(_ones_band(n), 0, n), 0, tag)


cdef void _gkeep(DualArray xs, Py_ssize_t n) noexcept:
    """Keep xs for the next pass if nothing else holds it or its arrays and it
    is still the fresh band of the identity in its own store."""
    global _gkept
    cdef BandStore s = xs._store
    if (_one(<PyObject*>xs) and xs._eps is None and s is not None and _Py_REFCNT(<PyObject*>s) == 2
            and xs._start == 0 and xs._k == n and s.off == 0 and s.k == n and s.nbase == n
            and s.dense is None and s.band is not None
            and _one(<PyObject*>xs.value) and _one(<PyObject*>s.band)
            and _sole(xs.value) and _sole(s.band) and cnp.PyArray_SIZE(s.band) == n):
        _gkept = xs


cdef HyperDualArray _hseed(cnp.ndarray x, Py_ssize_t n, int tag1, int tag2):
    """The seeded input of a Hessian pass: the identity in eps1 and eps2 as
    bands of ones and a zero mixed band (the kept one when x's shape matches)."""
    global _hkept
    cdef HyperDualArray xs = _hkept
    cdef cnp.npy_intp dims[3]
    cdef HyperBandStore s
    if xs is not None and _same_shape(xs.value, x):
        _hkept = None
        s = xs._hstore
        _fill(xs.value, x, n)
        _ones(s.band1, n)
        _ones(s.band2, n)
        memset(cnp.PyArray_DATA(s.band12), 0, n * sizeof(double))
        xs.tag1 = tag1
        xs.tag2 = tag2
        return xs
    dims[0] = 1
    dims[1] = 1
    dims[2] = n
    return new_hband_array(_copy(x), new_hstore(_ones_band(n), _ones_band(n),
                                                <cnp.ndarray>cnp.PyArray_ZEROS(3, dims, cnp.NPY_DOUBLE, 0),
                                                0, 0, n, n), 0, tag1, tag2)


cdef void _hkeep(HyperDualArray xs, Py_ssize_t n) noexcept:
    """As _gkeep, for the Hessian pass's seeded input."""
    global _hkept
    cdef HyperBandStore s = xs._hstore
    if (_one(<PyObject*>xs) and xs._e1 is None and s is not None and _Py_REFCNT(<PyObject*>s) == 2
            and xs._start == 0 and xs._p == n and xs._q == n and s.off1 == 0 and s.off2 == 0
            and s.p == n and s.q == n and s.nbase == n and not s.vsum
            and s.dense1 is None and s.dense2 is None and s.dense12 is None
            and s.band1 is not None and s.band2 is not None and s.band12 is not None
            and _one(<PyObject*>xs.value) and _one(<PyObject*>s.band1)
            and _one(<PyObject*>s.band2) and _one(<PyObject*>s.band12)
            and _sole(xs.value) and _sole(s.band1) and _sole(s.band2) and _sole(s.band12)
            and cnp.PyArray_SIZE(s.band1) == n
            and cnp.PyArray_SIZE(s.band2) == n and cnp.PyArray_SIZE(s.band12) == n):
        _hkept = xs


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
        y = f(xs, *args) if len(args) else f(xs)      # (the second a vectorcall)
    except Exception as exc:
        _restore(outer, w)
        _failed(w, exc)                  # raises the clearer error, if there is one
        raise
    except BaseException:                # KeyboardInterrupt, SystemExit: the watch too
        _restore(outer, w)
        raise
    _restore(outer, w)
    if (w.events is not () or w.handles is not ()) and (w.events or w.handles):
        _check(w, _plain(y))
    return y


def jacobian_pass(f, cnp.ndarray x, tuple args):
    """(y, tag): f's result for one pass over the whole identity of the
    float64 array x (size >= 2) under a fresh tag, for the general reading."""
    cdef int tag = _new_tag()
    cdef Py_ssize_t n = cnp.PyArray_SIZE(x)
    y = _call(f, new_band_array(_copy(x), new_store(_ones_band(n), 0, n), 0, tag), args)
    return y, tag


def gradient_pass(f, x, args, Py_ssize_t most, bint full=True):
    """(value, grad, y, tag) of one pass over the identity of x (see _gradient_pass)."""
    return _gradient_pass(f, x, args, most, full)


cdef object _gradient_pass(object f, object x, object args, Py_ssize_t most, bint full):
    """(value, grad, y, tag) of one pass over the identity of x under a fresh
    tag, or None when x is not a float64 ndarray of 2..most elements (or args
    not a tuple, or f a compiled function): grad has x's shape when y is one
    scalar of this differentiation, else value and grad are None (the caller
    reads y in general).  With full false, grad alone is returned in the first
    case (an ndarray, not a tuple).  A compiled f that leaves x's shape to the
    verbs passes its function."""
    f = _plain_function(f, x, args)
    if f is None or not _eligible(f, x, args, most):
        return None
    cdef int tag = _new_tag()
    cdef Py_ssize_t n = cnp.PyArray_SIZE(x)
    cdef DualArray xs = _gseed(<cnp.ndarray>x, n, tag)
    cdef cnp.ndarray g, e
    cdef DualVec d
    cdef DualArray a
    cdef double value
    y = _call(f, xs, args)
    if type(y) is DualVec:
        d = <DualVec>y
        if d.tag == tag and d.k == n:
            g = _grad(<cnp.ndarray>x, d.eps, n)
            _gkeep(xs, n)
            if not full:
                return g
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
            value = (<double*>cnp.PyArray_DATA(a.value))[0]
            a = None
            e = None
            _gkeep(xs, n)
            if not full:
                return g
            return value, g, y, tag
    return None, None, y, tag


def hessian_pass(f, x, args, Py_ssize_t most, bint full=True):
    """(value, grad, H, y, tag1, tag2) of one HyperDual pass (see _hessian_pass)."""
    return _hessian_pass(f, x, args, most, full)


cdef object _hessian_pass(object f, object x, object args, Py_ssize_t most, bint full):
    """(value, grad, H, y, tag1, tag2) of one HyperDual pass with the whole
    identity in eps1 and eps2 under two fresh tags (tag1 < tag2), or None when
    x is not eligible (as for gradient_pass): grad of x's shape, H of shape
    x.shape * 2, exactly symmetric ((E + E^T) / 2 of the mixed block E, as the
    verbs make it), when y is one scalar of this differentiation, else value,
    grad and H are None.  With full false, H alone is returned in the first
    case (an ndarray, not a tuple)."""
    f = _plain_function(f, x, args)
    if f is None or not _eligible(f, x, args, most):
        return None
    cdef int tag1 = _new_tag(), tag2 = _new_tag()
    if tag2 < tag1:
        tag1, tag2 = tag2, tag1
    cdef Py_ssize_t n = cnp.PyArray_SIZE(x)
    cdef HyperDualArray xs = _hseed(<cnp.ndarray>x, n, tag1, tag2)
    cdef HyperDualVec d
    cdef HyperDualArray a
    cdef double* e2
    cdef double* e12
    cdef double value
    cdef cnp.ndarray H
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
    H = _symmetric(<cnp.ndarray>x, e12, n)
    G = _grad(<cnp.ndarray>x, e2, n) if full else None
    a = None                     # (e2 and e12 point into y: read before this)
    _hkeep(xs, n)
    if not full:
        return H
    return value, G, H, y, tag1, tag2


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
