# cython: language_level=3
"""DualVec and HyperDualVec: dual scalars that carry many directions inline.

Design: scalar-style code (``x[0] * x[1]``, loops over ``x[i]``, residual
lists) makes one small number per operation.  A 0-d DualArray pays NumPy's
array machinery for each (about a microsecond); these two final extension
types pay a compiled scalar operation instead, with k directions carried at
once, as num-dual's DualVec and ForwardDiff's Dual{N} do.

* ``DualVec``: a value and k first-order tangents (one perturbation, one tag).
* ``HyperDualVec``: a value, p tangents eps1, q tangents eps2 and their p x q
  mixed block eps1eps2 (two perturbations, tags tag1 and tag2).

Layers in this file:

* storage: the tangents live in one C block, inside the object for small sizes
  (k <= 8, p + q + pq <= 24) and otherwise from a pool of blocks of the most
  recent size (``_take``/``_give``), so that a loop over one problem allocates
  nothing after its first iterations; the objects come from a freelist.  Results
  are built by ``new_vec``/``new_hvec`` (``Type.__new__`` plus field writes).
* chain rules: one-variable functions from the rule table (``_rules.pxd``) through
  ``_dchain``/``_hchain`` (the same first_term/second_term helpers as
  ``_scalar.pyx``); two-argument functions from ``binary_eval``'s partials through
  ``_vv``/``_vc`` (first order) and ``_hh``/``_hc`` (second order).  Nothing
  here knows the calculus of any function.
* windows: each number records the range of directions that can be nonzero
  (``lo``/``hi``; ``lo1``..``hi2`` for both perturbations) and is exactly zero
  outside it.  An element of a verb's banded seed has one direction, so the
  kernels of scalar code that touches a few variables per term skip the rest
  (a sum over all terms still ends up dense).
* operand handling (``vbinary``): the hot cases (same tags and sizes, or a real
  operand) go straight to the kernels; every other pairing -- Dual, HyperDual,
  DualVec of another tag -- is lifted to a common form first (``_mixed``).
* the Python-facing types, their operators and NumPy's ufunc protocol.

Tags follow ``_scalar.pyx``: all k directions of a DualVec belong to one
perturbation (its tag).  Operands with equal tags share it (their numbers of
directions must agree; a Dual counts as one direction).  Two different tags
are two nested differentiations and combine into a HyperDualVec whose eps1
belongs to the smaller tag.  A third perturbation, or a first-order operand
meeting a HyperDualVec whose two tags are equal, has no exact representation
and raises TypeError.  An exactly-zero tangent stays exactly zero through every
rule, even where g' is inf or nan.
"""
cimport cython
from cpython.object cimport PyObject, PyTypeObject
from cpython.float cimport PyFloat_Check
from cpython.long cimport PyLong_Check
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset
from libc.math cimport isfinite, isnan, fabs, floor

from dualcalc._core._rules cimport (
    triple, partials, rule_eval, binary_eval, first_term, second_term, first_x, first_y,
    second_p, p_div, k_powc,
    R_SIN, R_COS, R_TAN, R_ASIN, R_ACOS, R_ATAN, R_SINH, R_COSH, R_TANH,
    R_ASINH, R_ACOSH, R_ATANH, R_EXP, R_EXP2, R_EXPM1, R_LOG, R_LOG2, R_LOG10,
    R_LOG1P, R_SQRT, R_CBRT, R_ABS, R_DEGREES, R_RADIANS, R_FLOOR, R_CEIL,
    R_TRUNC, R_RINT, R_SQUARE, R_RECIPROCAL, R_SIGN,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_ATAN2, OP_HYPOT, OP_COPYSIGN,
    OP_FLOORDIV, OP_MOD, OP_LOGADDEXP, OP_LOGADDEXP2)
from dualcalc._core._scalar cimport (
    Dual, HyperDual, m0, as_double, check_binary_domain, check_pow_overflow,
    binary as scalar_binary, ERR_IEEE, ERR_OPERATOR)

cimport numpy as cnp

import struct

from dualcalc import _conversions as _conv
import numpy as np

from dualcalc._core import _scalar as _S
from dualcalc._core._scalar import (
    _FLOAT_MESSAGE, _UNARY_UFUNCS, _BINARY_UFUNCS, _VALUE_UFUNCS, _unsupported_ufunc,
    DualNumber)

cdef dict _UNARY_C = _UNARY_UFUNCS
cdef dict _BINARY_C = _BINARY_UFUNCS
cdef tuple _NP_REAL = (np.floating, np.integer, np.bool_)

cnp.import_array()


# ================================================================ storage
# A pool of tangent blocks of one size (the most recent one): a scalar loop
# over one problem frees and takes blocks of the same size all the time.
cdef enum:
    POOL_MAX = 512
    POOL_PATIENCE = 64      # misses of another size before the pool switches to it

ctypedef struct pool_t:
    Py_ssize_t size
    Py_ssize_t n
    Py_ssize_t misses
    double* blocks[512]

cdef pool_t _vpool        # DualVec blocks (k doubles)
cdef pool_t _hpool        # HyperDualVec blocks (p + q + p q doubles)


cdef double* _take(pool_t* pl, Py_ssize_t size) except NULL:
    cdef double* b
    cdef Py_ssize_t i
    if pl.size == size:
        if pl.n:
            pl.n -= 1
            return pl.blocks[pl.n]
    elif pl.n:
        pl.misses += 1
        if pl.misses > POOL_PATIENCE:          # the work moved on to another size
            for i in range(pl.n):
                free(pl.blocks[i])
            pl.n = 0
    if pl.n == 0:
        pl.size = size
        pl.misses = 0
    b = <double*>malloc((size if size > 0 else 1) * sizeof(double))
    if b == NULL:
        raise MemoryError()
    return b


cdef inline void _give(pool_t* pl, double* b, Py_ssize_t size) noexcept:
    if pl.size == size and pl.n < POOL_MAX:
        pl.blocks[pl.n] = b
        pl.n += 1
    else:
        free(b)


# The objects' own freelists and deallocators.  Cython's generated tp_dealloc
# brackets a __dealloc__ with saving and restoring the exception state (about
# 7 ns, a seventh of a whole operation), so the two types have no __dealloc__:
# their tp_dealloc is set to these functions when the module is initialised.
# They return a pooled tangent block and keep the object for the next result
# (new_vec/new_hvec), as Cython's freelist did.  Nothing in them can raise.
cdef extern from "Python.h":
    PyObject* PyObject_Init(PyObject* o, PyTypeObject* t)
    void Py_SET_REFCNT(PyObject* o, Py_ssize_t n)

ctypedef struct freelist_t:
    Py_ssize_t n
    Py_ssize_t most
    PyObject* items[256]

cdef freelist_t _vfree                  # DualVec objects
cdef freelist_t _hfree                  # HyperDualVec objects
_vfree.most = 256
_hfree.most = 64


cdef inline void _release(PyObject* o, PyTypeObject* t, freelist_t* fl) noexcept:
    """The end of a deallocation: o (refcount 0, its block returned) kept on
    the freelist of its exact type t, else freed."""
    if fl.n < fl.most and o.ob_type == t:
        fl.items[fl.n] = o
        fl.n += 1
    else:
        o.ob_type.tp_free(o)


cdef inline PyObject* _reuse(PyTypeObject* t, freelist_t* fl) noexcept:
    """An object of type t from the freelist with no reference yet (the
    caller's typed reference is its one), or NULL when the list is empty."""
    cdef PyObject* o
    if fl.n == 0:
        return NULL
    fl.n -= 1
    o = fl.items[fl.n]
    PyObject_Init(o, t)
    Py_SET_REFCNT(o, 0)
    return o


cdef void _vec_dealloc(PyObject* o) noexcept:
    cdef DualVec v
    Py_SET_REFCNT(o, 1)                 # the typed reference below holds it alive
    v = <DualVec>o
    if v.eps != NULL and v.eps != &v._buf[0]:
        _give(&_vpool, v.eps, v.k)
    v.eps = NULL
    v = None
    Py_SET_REFCNT(o, 0)
    _release(o, <PyTypeObject*>DualVec, &_vfree)


cdef void _hvec_dealloc(PyObject* o) noexcept:
    cdef HyperDualVec h
    Py_SET_REFCNT(o, 1)
    h = <HyperDualVec>o
    if h.e1 != NULL and h.e1 != &h._buf[0]:
        _give(&_hpool, h.e1, h.p + h.q + h.p * h.q)
    h.e1 = NULL
    h = None
    Py_SET_REFCNT(o, 0)
    _release(o, <PyTypeObject*>HyperDualVec, &_hfree)


cdef inline DualVec _alloc_vec():
    """A DualVec from the freelist (fields to be set by the caller), else a new one."""
    cdef PyObject* o = _reuse(<PyTypeObject*>DualVec, &_vfree)
    if o != NULL:
        return <DualVec>o
    return DualVec.__new__(DualVec)


cdef inline HyperDualVec _alloc_hvec():
    cdef PyObject* o = _reuse(<PyTypeObject*>HyperDualVec, &_hfree)
    if o != NULL:
        return <HyperDualVec>o
    return HyperDualVec.__new__(HyperDualVec)


cdef DualVec new_vec(double v, Py_ssize_t k, int tag):
    cdef DualVec r = _alloc_vec()
    r.value = v
    r.tag = tag
    r.k = k
    r.eps = &r._buf[0] if k <= VEC_INLINE else _take(&_vpool, k)
    r.lo = 0
    r.hi = k
    return r


cdef inline DualVec _vwin(double v, DualVec like, Py_ssize_t lo, Py_ssize_t hi):
    """A DualVec of like's tag and size whose tangents may be nonzero only in
    [lo, hi): zeros outside, the inside left for the caller to fill."""
    cdef DualVec r = new_vec(v, like.k, like.tag)
    if lo != 0 or hi != like.k:
        memset(r.eps, 0, like.k * sizeof(double))
        r.lo = lo
        r.hi = hi
    return r


cdef HyperDualVec new_hvec(double v, Py_ssize_t p, Py_ssize_t q, int tag1, int tag2):
    """A HyperDualVec whose window is everything (the caller fills every component)."""
    cdef HyperDualVec r = _alloc_hvec()
    cdef Py_ssize_t size = p + q + p * q
    r.value = v
    r.tag1 = tag1
    r.tag2 = tag2
    r.p = p
    r.q = q
    r.e1 = &r._buf[0] if size <= HVEC_INLINE else _take(&_hpool, size)
    r.e2 = r.e1 + p
    r.e12 = r.e2 + q
    r.lo1 = 0
    r.hi1 = p
    r.lo2 = 0
    r.hi2 = q
    return r


cdef inline HyperDualVec _hwin(double v, HyperDualVec like, Py_ssize_t lo1, Py_ssize_t hi1,
                               Py_ssize_t lo2, Py_ssize_t hi2):
    """A HyperDualVec of like's frame with the window [lo1, hi1) x [lo2, hi2):
    zeros outside it, the inside left for the caller to fill."""
    cdef HyperDualVec r = new_hvec(v, like.p, like.q, like.tag1, like.tag2)
    if lo1 != 0 or hi1 != like.p or lo2 != 0 or hi2 != like.q:
        memset(r.e1, 0, (like.p + like.q + like.p * like.q) * sizeof(double))
    r.lo1 = lo1
    r.hi1 = hi1
    r.lo2 = lo2
    r.hi2 = hi2
    return r


cdef inline void _union(Py_ssize_t alo, Py_ssize_t ahi, Py_ssize_t blo, Py_ssize_t bhi,
                        Py_ssize_t* lo, Py_ssize_t* hi) noexcept nogil:
    if ahi <= alo:
        lo[0] = blo
        hi[0] = bhi
    elif bhi <= blo:
        lo[0] = alo
        hi[0] = ahi
    else:
        lo[0] = alo if alo < blo else blo
        hi[0] = ahi if ahi > bhi else bhi


cdef inline DualVec _vcopy(DualVec x, double v, double sign):
    """x with value v and tangents sign * eps."""
    cdef DualVec r = new_vec(v, x.k, x.tag)
    cdef Py_ssize_t j
    if sign == 1.0:
        memcpy(r.eps, x.eps, x.k * sizeof(double))
    else:
        for j in range(x.k):
            r.eps[j] = -x.eps[j]
    r.lo = x.lo
    r.hi = x.hi
    return r


cdef inline HyperDualVec _hcopy(HyperDualVec x, double v, double sign):
    cdef HyperDualVec r = new_hvec(v, x.p, x.q, x.tag1, x.tag2)
    cdef Py_ssize_t j, n = x.p + x.q + x.p * x.q
    if sign == 1.0:
        memcpy(r.e1, x.e1, n * sizeof(double))
    else:
        for j in range(n):
            r.e1[j] = -x.e1[j]
    r.lo1, r.hi1, r.lo2, r.hi2 = x.lo1, x.hi1, x.lo2, x.hi2
    return r


# ================================================================ chain rules
cdef DualVec _dchain(DualVec x, triple t):
    cdef DualVec r = _vwin(t.f, x, x.lo, x.hi)
    cdef Py_ssize_t j
    cdef double* o = r.eps
    cdef double* e = x.eps
    for j in range(x.lo, x.hi):
        o[j] = first_term(t, e[j])
    return r


cdef HyperDualVec _hchain(HyperDualVec x, triple t, bint plus_zero=False):
    """(g, g'·e1, g'·e2, g'·e12 + g''·e1⊗e2), within x's window.  With
    plus_zero, bit for bit what _hh(OP_POW, x, a constant) gives for a whole
    power (_whole_power): the constant's zero tangents add +0.0 to each
    first-order term and to the second-order one (a -0.0 becomes +0.0)."""
    cdef HyperDualVec r = _hwin(t.f, x, x.lo1, x.hi1, x.lo2, x.hi2)
    cdef Py_ssize_t a, c, q = x.q
    cdef double u
    cdef double* row
    cdef double* o
    for a in range(x.lo1, x.hi1):
        r.e1[a] = first_term(t, x.e1[a]) + 0.0 if plus_zero else first_term(t, x.e1[a])
    for c in range(x.lo2, x.hi2):
        r.e2[c] = first_term(t, x.e2[c]) + 0.0 if plus_zero else first_term(t, x.e2[c])
    for a in range(x.lo1, x.hi1):
        u = x.e1[a]
        row = x.e12 + a * q
        o = r.e12 + a * q
        if plus_zero:
            for c in range(x.lo2, x.hi2):
                o[c] = (first_term(t, row[c]) + 0.0) + (second_term(t, u, x.e2[c]) + 0.0)
        elif u == 0.0:              # the row's second-order term is exactly zero
            for c in range(x.lo2, x.hi2):
                o[c] = first_term(t, row[c])
        else:
            for c in range(x.lo2, x.hi2):
                o[c] = first_term(t, row[c]) + second_term(t, u, x.e2[c])
    return r


cdef inline bint _whole_power(double x, double c) noexcept nogil:
    """Is x ** c, for a finite x <= 0, a whole power that raises nothing (c an
    integer, not negative at x = 0)?  Its partials in x are then k_powc's."""
    return (x <= 0.0 and isfinite(x) and isfinite(c) and c == floor(c)
            and (c >= 0.0 or x != 0.0))


cdef object vchain(object x, triple t):
    if type(x) is DualVec:
        return _dchain(<DualVec>x, t)
    return _hchain(<HyperDualVec>x, t)


cdef object vunary(object x, int rid):
    """Rule rid applied to a DualVec or HyperDualVec (IEEE semantics)."""
    if type(x) is DualVec:
        return _dchain(<DualVec>x, rule_eval(rid, (<DualVec>x).value))
    if type(x) is HyperDualVec:
        return _hchain(<HyperDualVec>x, rule_eval(rid, (<HyperDualVec>x).value))
    raise TypeError("expected a DualVec or HyperDualVec, got " + type(x).__name__)


# ---------------------------------------------------------------- first order
cdef DualVec _vv(int op, DualVec x, DualVec y, int errors):
    """x op y for DualVecs of one tag and size, over the union of their windows
    (outside it both are exactly zero, and so is the result)."""
    cdef Py_ssize_t j, k = x.k, lo, hi
    cdef double xv = x.value, yv = y.value
    cdef double* xe = x.eps
    cdef double* ye = y.eps
    cdef double* o
    cdef DualVec r
    cdef partials P
    _union(x.lo, x.hi, y.lo, y.hi, &lo, &hi)
    if op == OP_ADD:
        r = _vwin(xv + yv, x, lo, hi)
        o = r.eps
        for j in range(lo, hi):
            o[j] = xe[j] + ye[j]
        return r
    if op == OP_SUB:
        r = _vwin(xv - yv, x, lo, hi)
        o = r.eps
        for j in range(lo, hi):
            o[j] = xe[j] - ye[j]
        return r
    if op == OP_MUL:
        r = _vwin(xv * yv, x, lo, hi)
        o = r.eps
        for j in range(lo, hi):
            o[j] = m0(yv, xe[j]) + m0(xv, ye[j])
        return r
    if op == OP_DIV and yv != 0.0:
        P = p_div(xv, yv)
    else:
        check_binary_domain(op, xv, yv, errors)
        P = binary_eval(op, xv, yv)
        check_pow_overflow(op, xv, yv, P.f, errors)
    r = _vwin(P.f, x, lo, hi)
    o = r.eps
    for j in range(lo, hi):
        o[j] = first_x(P, xe[j]) + first_y(P, ye[j])
    return r


cdef object _vc(int op, DualVec x, double c, int errors, bint swapped):
    """x op c (or c op x when swapped) for a real c."""
    cdef Py_ssize_t j, k = x.k, lo = x.lo, hi = x.hi
    cdef double xv = x.value
    cdef double* xe = x.eps
    cdef double* o
    cdef DualVec r
    cdef partials P
    cdef triple t
    if op == OP_ADD:
        return _vcopy(x, c + xv if swapped else xv + c, 1.0)
    if op == OP_SUB:
        return _vcopy(x, c - xv, -1.0) if swapped else _vcopy(x, xv - c, 1.0)
    if op == OP_MUL:
        r = _vwin(c * xv if swapped else xv * c, x, lo, hi)
        o = r.eps
        for j in range(lo, hi):
            o[j] = m0(c, xe[j])
        return r
    if not swapped:
        if op == OP_DIV and fabs(c) >= 1e-300 and fabs(c) <= 1e300:
            # 1/c is a normal double here (as in Dual); elsewhere p_div scales it
            r = _vwin(xv / c, x, lo, hi)
            o = r.eps
            c = 1.0 / c
            for j in range(lo, hi):
                o[j] = m0(c, xe[j])
            return r
        if op == OP_POW and xv > 0.0:
            t = k_powc(xv, c)
            if isfinite(t.f):
                return _dchain(x, t)
        if op == OP_POW and _whole_power(xv, c):
            # what the general rule below gives (its x-partials are k_powc's),
            # without the partials in the exponent, which a constant does not use
            t = k_powc(xv, c)
            if isfinite(t.f):
                r = _vwin(t.f, x, lo, hi)
                o = r.eps
                for j in range(lo, hi):
                    o[j] = first_term(t, xe[j]) + 0.0
                return r
        check_binary_domain(op, xv, c, errors)
        P = binary_eval(op, xv, c)
        check_pow_overflow(op, xv, c, P.f, errors)
        r = _vwin(P.f, x, lo, hi)
        o = r.eps
        for j in range(lo, hi):
            o[j] = first_x(P, xe[j]) + 0.0
        return r
    if op == OP_DIV and xv != 0.0:
        P = p_div(c, xv)
    else:
        check_binary_domain(op, c, xv, errors)
        P = binary_eval(op, c, xv)
        check_pow_overflow(op, c, xv, P.f, errors)
    r = _vwin(P.f, x, lo, hi)
    o = r.eps
    for j in range(lo, hi):
        o[j] = 0.0 + first_y(P, xe[j])
    return r


# ---------------------------------------------------------------- second order
cdef HyperDualVec _hh(int op, HyperDualVec x, HyperDualVec y, int errors):
    """x op y for HyperDualVecs of one frame (tags, p, q).  Only the union of the
    operands' windows is computed: every component outside it is exactly zero
    in both, and stays so (the zero-tangent rule)."""
    cdef Py_ssize_t a, c, q = x.q, lo1, hi1, lo2, hi2
    cdef double xv = x.value, yv = y.value, u, w
    cdef HyperDualVec r
    cdef partials P
    cdef double* o
    cdef double* xr
    cdef double* yr
    _union(x.lo1, x.hi1, y.lo1, y.hi1, &lo1, &hi1)
    _union(x.lo2, x.hi2, y.lo2, y.hi2, &lo2, &hi2)
    if op == OP_ADD or op == OP_SUB:
        r = _hwin(xv + yv if op == OP_ADD else xv - yv, x, lo1, hi1, lo2, hi2)
        w = 1.0 if op == OP_ADD else -1.0
        for a in range(lo1, hi1):
            r.e1[a] = x.e1[a] + w * y.e1[a]
        for c in range(lo2, hi2):
            r.e2[c] = x.e2[c] + w * y.e2[c]
        for a in range(lo1, hi1):
            o = r.e12 + a * q
            xr = x.e12 + a * q
            yr = y.e12 + a * q
            for c in range(lo2, hi2):
                o[c] = xr[c] + w * yr[c]
        return r
    if op == OP_MUL:
        r = _hwin(xv * yv, x, lo1, hi1, lo2, hi2)
        for a in range(lo1, hi1):
            r.e1[a] = m0(yv, x.e1[a]) + m0(xv, y.e1[a])
        for c in range(lo2, hi2):
            r.e2[c] = m0(yv, x.e2[c]) + m0(xv, y.e2[c])
        for a in range(lo1, hi1):
            u = x.e1[a]
            w = y.e1[a]
            o = r.e12 + a * q
            xr = x.e12 + a * q
            yr = y.e12 + a * q
            for c in range(lo2, hi2):
                # as HyperDual: summed so that x*y == y*x bit for bit
                o[c] = (m0(yv, xr[c]) + m0(xv, yr[c])) + (u * y.e2[c] + x.e2[c] * w)
        return r
    check_binary_domain(op, xv, yv, errors)
    P = binary_eval(op, xv, yv)
    check_pow_overflow(op, xv, yv, P.f, errors)
    r = _hwin(P.f, x, lo1, hi1, lo2, hi2)
    for a in range(lo1, hi1):
        r.e1[a] = first_x(P, x.e1[a]) + first_y(P, y.e1[a])
    for c in range(lo2, hi2):
        r.e2[c] = first_x(P, x.e2[c]) + first_y(P, y.e2[c])
    for a in range(lo1, hi1):
        u = x.e1[a]
        w = y.e1[a]
        o = r.e12 + a * q
        xr = x.e12 + a * q
        yr = y.e12 + a * q
        for c in range(lo2, hi2):
            o[c] = ((first_x(P, xr[c]) + first_y(P, yr[c]))
                    + ((second_p(P.fxx, P.fxxe, u, x.e2[c])
                        + second_p(P.fyy, P.fyye, w, y.e2[c]))
                       + (second_p(P.fxy, P.fxye, u, y.e2[c])
                          + second_p(P.fxy, P.fxye, w, x.e2[c]))))
    return r


cdef HyperDualVec _hconst(double v, HyperDualVec like):
    """A HyperDualVec of like's frame with value v and zero tangents (an empty window)."""
    return _hwin(v, like, 0, 0, 0, 0)


cdef object _hc(int op, HyperDualVec x, double c, int errors, bint swapped):
    """x op c (or c op x when swapped) for a real c."""
    cdef Py_ssize_t j, n = x.p + x.q + x.p * x.q
    cdef HyperDualVec r
    cdef triple t
    if op == OP_ADD:
        return _hcopy(x, c + x.value if swapped else x.value + c, 1.0)
    if op == OP_SUB:
        return _hcopy(x, c - x.value, -1.0) if swapped else _hcopy(x, x.value - c, 1.0)
    if op == OP_MUL:
        r = new_hvec(c * x.value if swapped else x.value * c, x.p, x.q, x.tag1, x.tag2)
        for j in range(n):
            r.e1[j] = m0(c, x.e1[j])
        r.lo1, r.hi1, r.lo2, r.hi2 = x.lo1, x.hi1, x.lo2, x.hi2
        return r
    if op == OP_POW and not swapped and x.value > 0.0:
        t = k_powc(x.value, c)
        if isfinite(t.f):
            return _hchain(x, t)
    if op == OP_POW and not swapped and _whole_power(x.value, c):
        t = k_powc(x.value, c)
        if isfinite(t.f):
            return _hchain(x, t, True)
    if swapped:
        return _hh(op, _hconst(c, x), x, errors)
    return _hh(op, x, _hconst(c, x), errors)


# ---------------------------------------------------------------- mixed operands
cdef int _kind(object o) except -1:
    """0: not handled here; 1: real; 2: first order (Dual, DualVec); 3: second
    order (HyperDual, HyperDualVec)."""
    cdef double c
    cdef type t = type(o)
    if t is DualVec or t is Dual:
        return 2
    if t is HyperDualVec or t is HyperDual:
        return 3
    if as_double(o, &c):
        return 1
    return 0


cdef DualVec _as_vec(object o):
    """A Dual or DualVec as a DualVec."""
    cdef DualVec r
    if type(o) is DualVec:
        return <DualVec>o
    r = new_vec((<Dual>o).value, 1, (<Dual>o).tag)
    r.eps[0] = (<Dual>o).eps
    return r


cdef object _ndirs_error(int tag, Py_ssize_t k1, Py_ssize_t k2):
    return TypeError(
        "these dual numbers belong to one differentiation (tag {0}) but carry {1} and "
        "{2} directions; they cannot be combined. Seed them together (one verb call, "
        "or DualVec values of one size).".format(tag, k1, k2))


cdef HyperDualVec _lift(object o, int t1, int t2, Py_ssize_t p, Py_ssize_t q):
    """o (a real, Dual, DualVec, HyperDual or HyperDualVec) as a HyperDualVec with
    tags (t1, t2) and p x q directions, or TypeError where that is not exact."""
    cdef HyperDualVec r, h
    cdef DualVec d
    cdef double c
    if type(o) is HyperDualVec:
        h = <HyperDualVec>o
        if h.tag1 != t1 or h.tag2 != t2:
            raise TypeError(
                "these HyperDualVecs belong to different differentiations (tags {0}/{1} "
                "and {2}/{3}) and cannot be combined exactly; dualcalc keeps at most two "
                "levels of nested differentiation apart".format(h.tag1, h.tag2, t1, t2))
        if h.p != p or h.q != q:
            raise TypeError(
                "cannot combine HyperDualVecs of {0}x{1} and {2}x{3} directions: seed "
                "them together".format(h.p, h.q, p, q))
        return h
    if type(o) is HyperDual:
        if (<HyperDual>o).tag1 != t1 or (<HyperDual>o).tag2 != t2 or p != 1 or q != 1:
            raise TypeError(
                "cannot combine a HyperDual (tags {0}/{1}, one direction each) with a "
                "HyperDualVec of tags {2}/{3} and {4}x{5} directions".format(
                    (<HyperDual>o).tag1, (<HyperDual>o).tag2, t1, t2, p, q))
        r = new_hvec((<HyperDual>o).value, 1, 1, t1, t2)
        r.e1[0] = (<HyperDual>o).eps1
        r.e2[0] = (<HyperDual>o).eps2
        r.e12[0] = (<HyperDual>o).eps1eps2
        return r
    if type(o) is DualVec or type(o) is Dual:
        d = _as_vec(o)
        if t1 == t2 and d.tag == t1:
            raise TypeError(
                "cannot combine a first-order dual number with a HyperDualVec whose two "
                "directions share one perturbation (tag {0}): the result would be a "
                "guess. Make both operands second order.".format(t1))
        if d.tag != t1 and d.tag != t2:
            raise TypeError(
                "a third level of nested differentiation is not supported: this dual "
                "number (tag {0}) meets a HyperDualVec that already carries two "
                "perturbations (tags {1} and {2}). Compute the inner derivatives first, "
                "or use dualcalc.hessian for second derivatives.".format(d.tag, t1, t2))
        if d.k != (p if d.tag == t1 else q):
            raise _ndirs_error(d.tag, d.k, p if d.tag == t1 else q)
        r = _hconst(d.value, _hproto(t1, t2, p, q))
        if d.tag == t1:
            memcpy(r.e1, d.eps, d.k * sizeof(double))
            r.lo1, r.hi1 = 0, p
        else:
            memcpy(r.e2, d.eps, d.k * sizeof(double))
            r.lo2, r.hi2 = 0, q
        return r
    as_double(o, &c)
    return _hconst(c, _hproto(t1, t2, p, q))


cdef HyperDualVec _hproto(int t1, int t2, Py_ssize_t p, Py_ssize_t q):
    cdef HyperDualVec r = new_hvec(0.0, p, q, t1, t2)
    return r


cdef array_binary_fn _array_binary = NULL


cdef int set_array_binary(array_binary_fn f) except -1:
    global _array_binary
    _array_binary = f
    return 0


cdef inline bint _plain_array(object o):
    """A plain ndarray of real numbers (not a subclass, not an object array)."""
    if type(o) is not cnp.ndarray:
        return False
    return (cnp.PyArray_ISFLOAT(<cnp.ndarray>o) or cnp.PyArray_ISINTEGER(<cnp.ndarray>o)
            or cnp.PyArray_ISBOOL(<cnp.ndarray>o))


cdef object _mixed(object x, object y, int op, int errors):
    """x op y for every pairing that the fast paths of vbinary do not take."""
    cdef int kx = _kind(x), ky = _kind(y)
    cdef DualVec X, Y
    cdef int t1, t2
    cdef Py_ssize_t p, q
    cdef object h
    if kx == 0 or ky == 0:
        if _array_binary != NULL and ((_isvec(x) and _plain_array(y))
                                      or (_isvec(y) and _plain_array(x))):
            return _array_binary(x, y, op)     # the array layer, as a 0-d dual array
        return NotImplemented
    if kx == 1 or ky == 1:
        if (type(x) is DualVec or type(y) is DualVec or type(x) is HyperDualVec
                or type(y) is HyperDualVec):
            return NotImplemented          # pragma: no cover - vbinary took these
        return scalar_binary(x, y, op, errors)
    if kx == 2 and ky == 2:
        X = _as_vec(x)
        Y = _as_vec(y)
        if X.tag == Y.tag:
            if X.k != Y.k:
                raise _ndirs_error(X.tag, X.k, Y.k)
            return _vv(op, X, Y, errors)
        # two perturbations: eps1 belongs to the smaller tag
        if X.tag < Y.tag:
            t1, p, t2, q = X.tag, X.k, Y.tag, Y.k
        else:
            t1, p, t2, q = Y.tag, Y.k, X.tag, X.k
        return _hh(op, _lift(X, t1, t2, p, q), _lift(Y, t1, t2, p, q), errors)
    h = x if kx == 3 else y
    if type(h) is HyperDualVec:
        t1, t2 = (<HyperDualVec>h).tag1, (<HyperDualVec>h).tag2
        p, q = (<HyperDualVec>h).p, (<HyperDualVec>h).q
    else:
        t1, t2, p, q = (<HyperDual>h).tag1, (<HyperDual>h).tag2, 1, 1
        if kx == 3 and ky == 3 and type(x) is HyperDual:   # the other is the vec
            h = y
            t1, t2 = (<HyperDualVec>h).tag1, (<HyperDualVec>h).tag2
            p, q = (<HyperDualVec>h).p, (<HyperDualVec>h).q
    return _hh(op, _lift(x, t1, t2, p, q), _lift(y, t1, t2, p, q), errors)


cdef object vbinary(object x, object y, int op, int errors):
    """x op y where x or y is a DualVec or HyperDualVec; NotImplemented for an
    operand of another kind (arrays, ...)."""
    cdef double c
    cdef type tx = type(x)
    cdef type ty = type(y)
    if tx is DualVec:
        if (ty is DualVec and (<DualVec>y).tag == (<DualVec>x).tag
                and (<DualVec>y).k == (<DualVec>x).k):
            return _vv(op, <DualVec>x, <DualVec>y, errors)
        if as_double(y, &c):
            return _vc(op, <DualVec>x, c, errors, False)
    elif ty is DualVec:
        if as_double(x, &c):
            return _vc(op, <DualVec>y, c, errors, True)
    elif tx is HyperDualVec:
        if (ty is HyperDualVec and (<HyperDualVec>y).tag1 == (<HyperDualVec>x).tag1
                and (<HyperDualVec>y).tag2 == (<HyperDualVec>x).tag2
                and (<HyperDualVec>y).p == (<HyperDualVec>x).p
                and (<HyperDualVec>y).q == (<HyperDualVec>x).q):
            return _hh(op, <HyperDualVec>x, <HyperDualVec>y, errors)
        if as_double(y, &c):
            return _hc(op, <HyperDualVec>x, c, errors, False)
    elif ty is HyperDualVec:
        if as_double(x, &c):
            return _hc(op, <HyperDualVec>y, c, errors, True)
    return _mixed(x, y, op, errors)


# ================================================================ shared behaviour
cdef inline bint _isvec(object o):
    return type(o) is DualVec or type(o) is HyperDualVec


cdef int _value(object o, double* out) except -1:
    """The value of any real or dual scalar; 0 for anything else."""
    cdef type t = type(o)
    if t is DualVec:
        out[0] = (<DualVec>o).value
    elif t is HyperDualVec:
        out[0] = (<HyperDualVec>o).value
    elif t is Dual:
        out[0] = (<Dual>o).value
    elif t is HyperDual:
        out[0] = (<HyperDual>o).value
    else:
        return as_double(o, out)
    return 1


cdef object _value_obj(object o):
    cdef double v
    if _value(o, &v):
        return v
    return o


cdef object _refuse(object self, str target):
    if target != "an integer index":      # operator.index() probes are not conversions
        _conv.note(target)
    raise TypeError(_FLOAT_MESSAGE.format(type(self).__name__, target))


# Set by dualcalc.special: fallback(ufunc, inputs) for ufuncs outside the rule
# table (registered rules, scipy.special); NotImplemented when it has no rule.
_ufunc_fallback = None


def set_ufunc_fallback(hook):
    """Register the handler of ufuncs outside the rule table (dualcalc.special)."""
    global _ufunc_fallback
    _ufunc_fallback = hook


cdef object _fallback_or_raise(object ufunc, str method, tuple inputs):
    if _ufunc_fallback is not None:
        r = _ufunc_fallback(ufunc, inputs)
        if r is not NotImplemented:
            return r
    raise _unsupported_ufunc(ufunc, method)


cdef object _cmp(object a, object b, int how):
    cdef double x, y
    if not (_value(a, &x) and _value(b, &y)):
        return NotImplemented
    if how == 0:
        return x == y
    if how == 1:
        return x != y
    if how == 2:
        return x < y
    if how == 3:
        return x <= y
    if how == 4:
        return x > y
    return x >= y


cdef object _divmod(object x, object y):
    q = vbinary(x, y, OP_FLOORDIV, ERR_OPERATOR)
    if q is NotImplemented:
        return q
    return (q, vbinary(x, y, OP_MOD, ERR_OPERATOR))


cdef object _constant_like(object like, double v):
    cdef DualVec d
    if type(like) is DualVec:
        d = new_vec(v, (<DualVec>like).k, (<DualVec>like).tag)
        memset(d.eps, 0, d.k * sizeof(double))
        return d
    return _hconst(v, <HyperDualVec>like)


cdef object _round(object self, object ndigits):
    cdef double v
    _value(self, &v)
    if ndigits is None:
        return round(v)
    return _constant_like(self, round(v, ndigits))    # piecewise constant: zero derivative


cdef object _numpy_warn(object ufunc, tuple inputs, object result):
    """Let NumPy warn (or raise under np.errstate) where finite inputs gave a
    non-finite value, as for its own float64 scalars."""
    cdef double v
    if not _value(result, &v) or isfinite(v):
        return None
    vals = [np.float64(_value_obj(i)) for i in inputs]
    if all(np.isfinite(vals)):
        ufunc(*vals)
    return None


cdef object _extra_rule(object ufunc):
    """The rule id of a further ufunc of the rule table (scipy.special's erf,
    gammaln, ...), registered by the array layer when first met; else None."""
    from dualcalc._core import _arrays
    rid = _arrays._EXTRA_UNARY.get(ufunc)
    hook = _arrays._late_ufunc_hook
    if rid is None and hook is not None and hook(ufunc):
        rid = _arrays._EXTRA_UNARY.get(ufunc)
    return rid


cdef object vec_array_ufunc(object ufunc, str method, tuple inputs, dict kwargs):
    cdef object r, rid, op
    cdef Py_ssize_t n = len(inputs)
    if not kwargs and method == "__call__":
        if n == 1 and _isvec(inputs[0]):
            rid = _UNARY_C.get(ufunc)
            if rid is None and ufunc not in _VALUE_UFUNCS:
                rid = _extra_rule(ufunc)
            if rid is not None:
                r = vunary(inputs[0], rid)
                _numpy_warn(ufunc, inputs, r)
                return r
        elif n == 2:
            op = _BINARY_C.get(ufunc)
            if op is not None:
                r = vbinary(inputs[0], inputs[1], op, ERR_IEEE)
                if r is not NotImplemented:
                    _numpy_warn(ufunc, inputs, r)
                    return r
    if (method == "reduce" or method == "accumulate") and n == 1 and _isvec(inputs[0]) \
            and ufunc in _BINARY_C:
        # np.sum(x), np.prod(x), np.max(x) of one scalar: the scalar itself
        if (kwargs.get("out") is None and kwargs.get("where", True) is True
                and kwargs.get("dtype") in (None, float, np.float64)
                and kwargs.get("axis") in (None, 0, (), (0,))):
            if "initial" in kwargs and kwargs["initial"] is not np._NoValue:
                return vbinary(kwargs["initial"], inputs[0], _BINARY_C[ufunc], ERR_IEEE)
            return inputs[0]
    for i in inputs:
        if _kind(i) == 0:
            # arrays among the inputs: the array layer (which takes these
            # scalars as 0-d operands)
            hook = _S._array_ufunc_hook
            if hook is not None:
                return hook(ufunc, method, inputs, kwargs)
            return NotImplemented
    if method != "__call__":
        raise _unsupported_ufunc(ufunc, method)
    if kwargs:
        if kwargs.get("out") is not None or set(kwargs) - {"out", "casting", "order", "dtype"}:
            raise TypeError(
                "dualcalc: numpy.{0} on a dual scalar takes no out=, where= or other "
                "keyword arguments; call it without them".format(ufunc.__name__))
    if ufunc in _VALUE_UFUNCS:
        return ufunc(*[_value_obj(i) for i in inputs])
    if ufunc is np.divmod and n == 2:
        q = vbinary(inputs[0], inputs[1], OP_FLOORDIV, ERR_IEEE)
        if q is NotImplemented:
            return q
        return (q, vbinary(inputs[0], inputs[1], OP_MOD, ERR_IEEE))
    if n == 1:
        rid = _UNARY_C.get(ufunc)
        if rid is None or not _isvec(inputs[0]):
            return _fallback_or_raise(ufunc, method, inputs)
        r = vunary(inputs[0], rid)
    elif n == 2:
        op = _BINARY_C.get(ufunc)
        if op is None:
            return _fallback_or_raise(ufunc, method, inputs)
        r = vbinary(inputs[0], inputs[1], op, ERR_IEEE)
        if r is NotImplemented:
            return r
    else:
        return _fallback_or_raise(ufunc, method, inputs)
    _numpy_warn(ufunc, inputs, r)
    return r


def vec_array_function(func, types, args, kwargs):
    """NumPy functions given an element of a dual array (np.linspace(x[0], x[1]),
    or a dispatcher that iterates its argument, as np.roots' does): the array
    layer's implementation, which takes it as a 0-d dual array; np.sum and
    np.prod of one scalar stay NumPy's reduction, so they return the scalar."""
    if func is np.sum or func is np.prod:
        return func._implementation(*args, **kwargs)
    from dualcalc._core import _arrays
    return _arrays.array_function(func, types, args, kwargs)


cdef str _hint(object o):
    if isinstance(o, complex):
        return " (complex numbers are not supported: dual numbers are real)"
    if _kind(o) >= 2:
        return " (a dual number cannot be nested inside another; use .value)"
    return ""


cdef object _components(object values, str what):
    """values as a C-contiguous float64 array, with a clear error."""
    try:
        a = np.ascontiguousarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("{0} must be a sequence of real numbers, got {1}{2}".format(
            what, type(values).__name__,
            _hint(values[0]) if isinstance(values, (list, tuple)) and len(values) else "")
        ) from None
    return a


cdef int _check_tag(object tag, str what) except -1:
    if not PyLong_Check(tag) or tag < 0 or tag > 2147483647:
        raise TypeError(what + ": tags must be non-negative ints")
    return 0


cdef list _floats(double* a, Py_ssize_t n):
    return [a[j] for j in range(n)]


cdef object _from_double(double* a, Py_ssize_t n):
    cdef cnp.npy_intp dim = n
    cdef cnp.ndarray r = <cnp.ndarray>cnp.PyArray_EMPTY(1, &dim, cnp.NPY_DOUBLE, 0)
    if n:
        memcpy(cnp.PyArray_DATA(r), a, n * sizeof(double))
    return r


def has_nan(a):
    """Whether the float64 ndarray a holds a NaN (one pass in C for a contiguous
    a; the seeding layer's input check)."""
    cdef cnp.ndarray arr
    cdef double* d
    cdef Py_ssize_t i, n
    if type(a) is not np.ndarray or not cnp.PyArray_IS_C_CONTIGUOUS(a) \
            or cnp.PyArray_TYPE(a) != cnp.NPY_DOUBLE:
        return bool(np.isnan(a).any())
    arr = <cnp.ndarray>a
    d = <double*>cnp.PyArray_DATA(arr)
    n = cnp.PyArray_SIZE(arr)
    for i in range(n):
        if d[i] != d[i]:
            return True
    return False


def _rebuild(cls, double value, bytes raw, tuple shape, tuple tags):
    """Unpickle a DualVec or HyperDualVec from the raw bytes of its tangents
    (bit for bit in every pickle protocol, nan payloads and signed zeros too)."""
    cdef Py_ssize_t n = len(raw) // 8
    cdef DualVec d
    cdef HyperDualVec h
    if cls is DualVec:
        d = new_vec(value, shape[0], tags[0])
        if n != d.k:
            raise ValueError("corrupt DualVec pickle")
        if n:
            memcpy(d.eps, <char*>raw, n * 8)
        return d
    h = new_hvec(value, shape[0], shape[1], tags[0], tags[1])
    if n != h.p + h.q + h.p * h.q:
        raise ValueError("corrupt HyperDualVec pickle")
    if n:
        memcpy(h.e1, <char*>raw, n * 8)
    return h


# ================================================================ DualVec
@cython.c_api_binop_methods(True)
cdef class DualVec:
    """A dual number with k directions: ``value + Σ eps[j]·ε_j`` (ε_i ε_j = 0).

    The scalar type of scalar-style code under the derivative verbs: indexing a
    DualArray (``x[i]``) gives one, so ``x[0] * x[1]`` and loops over ``x[i]``
    run at compiled speed with all k directions carried at once.  It mixes with
    floats, ints, NumPy scalars, `Dual` (as one direction) and dual arrays (as
    a 0-d operand); ``dualcalc.math`` and the NumPy ufuncs accept it.

    Parameters
    ----------
    value : float
        The real part.
    eps : sequence of float
        The k tangents (directional derivatives).
    tag : int, optional
        The perturbation the tangents belong to (0 for numbers made by hand).

    Examples
    --------
    >>> from dualcalc import DualVec
    >>> x = DualVec(3.0, [1.0, 0.0])
    >>> y = DualVec(2.0, [0.0, 1.0])
    >>> x * y + x
    DualVec(9.0, [3.0, 3.0])
    >>> (x ** 2 / y).eps
    array([ 3.  , -2.25])
    """

    def __init__(self, value, eps, tag=0):
        cdef double v
        cdef Py_ssize_t k
        if not as_double(value, &v):
            raise TypeError("DualVec(value, eps): value must be a real number, got "
                            + type(value).__name__ + _hint(value))
        a = _components(eps, "DualVec(value, eps): eps")
        if a.ndim != 1:
            raise ValueError("DualVec(value, eps): eps must be one-dimensional (k "
                             "tangents), got shape {0}".format(a.shape))
        _check_tag(tag, "DualVec(..., tag=)")
        if self.eps != NULL and self.eps != &self._buf[0]:
            _give(&_vpool, self.eps, self.k)
            self.eps = NULL
        k = a.shape[0]
        self.eps = &self._buf[0] if k <= VEC_INLINE else _take(&_vpool, k)
        self.k = k
        self.lo = 0
        self.hi = k
        self.value = v
        self.tag = tag
        cdef double[::1] m = a
        if k:
            memcpy(self.eps, &m[0], k * sizeof(double))

    __array_priority__ = 100

    @property
    def eps(self):
        """The k tangents, as a new float64 array."""
        return _from_double(self.eps, self.k)

    @property
    def ndirs(self):
        """The number of directions k (as DualArray.ndirs)."""
        return self.k

    def __reduce__(self):
        return (_rebuild, (DualVec, self.value,
                           (<char*>self.eps)[:self.k * 8] if self.k else b"",
                           (self.k,), (self.tag,)))

    def __array_function__(self, func, types, args, kwargs):
        return vec_array_function(func, types, args, kwargs)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return vec_array_ufunc(ufunc, method, inputs, kwargs)

    def __float__(self):
        _refuse(self, "float")

    def __int__(self):
        _refuse(self, "int")

    def __complex__(self):
        _refuse(self, "complex")

    def __index__(self):
        _refuse(self, "an integer index")

    def __copy__(self):
        return self            # immutable

    def __deepcopy__(self, memo):
        return self

    def __floor__(self):
        return int(floor(self.value))

    def __ceil__(self):
        return -int(floor(-self.value))

    def __trunc__(self):
        return int(self.value)

    def __round__(self, ndigits=None):
        return _round(self, ndigits)

    def __repr__(self):
        s = "DualVec({0!r}, {1!r}".format(self.value, _floats(self.eps, self.k))
        if self.tag:
            s += ", tag={0}".format(self.tag)
        return s + ")"

    def __hash__(self):
        return hash(self.value)

    def __bool__(self):
        return self.value != 0.0

    def __eq__(self, other): return _cmp(self, other, 0)
    def __ne__(self, other): return _cmp(self, other, 1)
    def __lt__(self, other): return _cmp(self, other, 2)
    def __le__(self, other): return _cmp(self, other, 3)
    def __gt__(self, other): return _cmp(self, other, 4)
    def __ge__(self, other): return _cmp(self, other, 5)

    def __neg__(self):
        return _vcopy(self, -self.value, -1.0)

    def __pos__(self):
        return self

    def __abs__(self):
        return _dchain(self, rule_eval(R_ABS, self.value))

    # Binary operators take (x, y) in either order, as the C slots do
    # (c_api_binop_methods): one function per operator, no reflected ones, so a
    # float on the left (100.0 * x) costs no extra dispatch.
    def __add__(x, y):
        if (type(x) is DualVec and type(y) is DualVec and (<DualVec>x).tag == (<DualVec>y).tag
                and (<DualVec>x).k == (<DualVec>y).k):
            return _vv(OP_ADD, <DualVec>x, <DualVec>y, ERR_OPERATOR)
        return vbinary(x, y, OP_ADD, ERR_OPERATOR)

    def __sub__(x, y):
        if (type(x) is DualVec and type(y) is DualVec and (<DualVec>x).tag == (<DualVec>y).tag
                and (<DualVec>x).k == (<DualVec>y).k):
            return _vv(OP_SUB, <DualVec>x, <DualVec>y, ERR_OPERATOR)
        return vbinary(x, y, OP_SUB, ERR_OPERATOR)

    def __mul__(x, y):
        if (type(x) is DualVec and type(y) is DualVec and (<DualVec>x).tag == (<DualVec>y).tag
                and (<DualVec>x).k == (<DualVec>y).k):
            return _vv(OP_MUL, <DualVec>x, <DualVec>y, ERR_OPERATOR)
        return vbinary(x, y, OP_MUL, ERR_OPERATOR)

    def __truediv__(x, y): return vbinary(x, y, OP_DIV, ERR_OPERATOR)
    def __floordiv__(x, y): return vbinary(x, y, OP_FLOORDIV, ERR_OPERATOR)
    def __mod__(x, y): return vbinary(x, y, OP_MOD, ERR_OPERATOR)
    def __divmod__(x, y): return _divmod(x, y)

    def __pow__(x, y, mod):
        if mod is not None:
            return NotImplemented
        return vbinary(x, y, OP_POW, ERR_OPERATOR)


# ================================================================ HyperDualVec
@cython.c_api_binop_methods(True)
cdef class HyperDualVec:
    """A second-order dual number with p x q directions:
    ``value + Σ eps1[a]·ε1_a + Σ eps2[b]·ε2_b + Σ eps1eps2[a, b]·ε1_a ε2_b``.

    Seeding eps1 and eps2 with the unit vectors gives the gradient in both and
    the Hessian in eps1eps2 from one evaluation; ``dualcalc.hessian`` does this
    for scalar-style code (indexing its HyperDualArray gives HyperDualVecs).

    Parameters
    ----------
    value : float
    eps1 : sequence of float
        The p tangents of the first perturbation (tag1).
    eps2 : sequence of float
        The q tangents of the second perturbation (tag2).
    eps1eps2 : array_like of shape (p, q), optional
        The mixed second-order part (default zeros).
    tag1, tag2 : int, optional
        The perturbations of eps1 and eps2.

    Examples
    --------
    >>> from dualcalc import HyperDualVec
    >>> x = HyperDualVec(1.0, [1.0, 0.0], [1.0, 0.0])
    >>> y = HyperDualVec(2.0, [0.0, 1.0], [0.0, 1.0])
    >>> f = x * x * y          # Hessian [[2y, 2x], [2x, 0]]
    >>> f.eps1eps2
    array([[4., 2.],
           [2., 0.]])
    """

    def __init__(self, value, eps1, eps2, eps1eps2=None, tag1=0, tag2=0):
        cdef double v
        cdef Py_ssize_t p, q, size
        if not as_double(value, &v):
            raise TypeError("HyperDualVec(value, ...): value must be a real number, got "
                            + type(value).__name__ + _hint(value))
        a1 = _components(eps1, "HyperDualVec: eps1")
        a2 = _components(eps2, "HyperDualVec: eps2")
        if a1.ndim != 1 or a2.ndim != 1:
            raise ValueError("HyperDualVec: eps1 and eps2 must be one-dimensional")
        p = a1.shape[0]
        q = a2.shape[0]
        if eps1eps2 is None:
            a12 = np.zeros((p, q))
        else:
            a12 = _components(eps1eps2, "HyperDualVec: eps1eps2")
            if a12.shape != (p, q):
                raise ValueError("HyperDualVec: eps1eps2 must have shape (p, q) = ({0}, "
                                 "{1}), got {2}".format(p, q, a12.shape))
        _check_tag(tag1, "HyperDualVec(..., tag1=)")
        _check_tag(tag2, "HyperDualVec(..., tag2=)")
        if self.e1 != NULL and self.e1 != &self._buf[0]:
            _give(&_hpool, self.e1, self.p + self.q + self.p * self.q)
            self.e1 = NULL
        size = p + q + p * q
        self.e1 = &self._buf[0] if size <= HVEC_INLINE else _take(&_hpool, size)
        self.e2 = self.e1 + p
        self.e12 = self.e2 + q
        self.p = p
        self.q = q
        self.lo1, self.hi1, self.lo2, self.hi2 = 0, p, 0, q
        self.value = v
        self.tag1 = tag1
        self.tag2 = tag2
        flat = np.concatenate([a1, a2, a12.ravel()])
        cdef double[::1] m = flat
        if size:
            memcpy(self.e1, &m[0], size * sizeof(double))

    __array_priority__ = 100

    @property
    def eps1(self):
        """The p tangents of the first perturbation (a new array)."""
        return _from_double(self.e1, self.p)

    @property
    def eps2(self):
        """The q tangents of the second perturbation (a new array)."""
        return _from_double(self.e2, self.q)

    @property
    def eps1eps2(self):
        """The p x q mixed second-order part (a new array)."""
        return _from_double(self.e12, self.p * self.q).reshape(self.p, self.q)

    @property
    def ndirs(self):
        """The numbers of directions (p, q) (as HyperDualArray.ndirs)."""
        return (self.p, self.q)

    def __reduce__(self):
        cdef Py_ssize_t n = self.p + self.q + self.p * self.q
        return (_rebuild, (HyperDualVec, self.value,
                           (<char*>self.e1)[:n * 8] if n else b"",
                           (self.p, self.q), (self.tag1, self.tag2)))

    def __array_function__(self, func, types, args, kwargs):
        return vec_array_function(func, types, args, kwargs)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return vec_array_ufunc(ufunc, method, inputs, kwargs)

    def __float__(self):
        _refuse(self, "float")

    def __int__(self):
        _refuse(self, "int")

    def __complex__(self):
        _refuse(self, "complex")

    def __index__(self):
        _refuse(self, "an integer index")

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __floor__(self):
        return int(floor(self.value))

    def __ceil__(self):
        return -int(floor(-self.value))

    def __trunc__(self):
        return int(self.value)

    def __round__(self, ndigits=None):
        return _round(self, ndigits)

    def __repr__(self):
        s = "HyperDualVec({0!r}, {1!r}, {2!r}, {3!r}".format(
            self.value, _floats(self.e1, self.p), _floats(self.e2, self.q),
            [_floats(self.e12 + a * self.q, self.q) for a in range(self.p)])
        if self.tag1 or self.tag2:
            s += ", tag1={0}, tag2={1}".format(self.tag1, self.tag2)
        return s + ")"

    def __hash__(self):
        return hash(self.value)

    def __bool__(self):
        return self.value != 0.0

    def __eq__(self, other): return _cmp(self, other, 0)
    def __ne__(self, other): return _cmp(self, other, 1)
    def __lt__(self, other): return _cmp(self, other, 2)
    def __le__(self, other): return _cmp(self, other, 3)
    def __gt__(self, other): return _cmp(self, other, 4)
    def __ge__(self, other): return _cmp(self, other, 5)

    def __neg__(self):
        return _hcopy(self, -self.value, -1.0)

    def __pos__(self):
        return self

    def __abs__(self):
        return _hchain(self, rule_eval(R_ABS, self.value))

    # (x, y) in either order, as for DualVec
    def __add__(x, y): return vbinary(x, y, OP_ADD, ERR_OPERATOR)
    def __sub__(x, y): return vbinary(x, y, OP_SUB, ERR_OPERATOR)
    def __mul__(x, y): return vbinary(x, y, OP_MUL, ERR_OPERATOR)
    def __truediv__(x, y): return vbinary(x, y, OP_DIV, ERR_OPERATOR)
    def __floordiv__(x, y): return vbinary(x, y, OP_FLOORDIV, ERR_OPERATOR)
    def __mod__(x, y): return vbinary(x, y, OP_MOD, ERR_OPERATOR)
    def __divmod__(x, y): return _divmod(x, y)

    def __pow__(x, y, mod):
        if mod is not None:
            return NotImplemented
        return vbinary(x, y, OP_POW, ERR_OPERATOR)


# ================================================================ methods by name
# NumPy's object-array loops call x.sin(), x.exp(), x.arctan2(y), ...: written
# once here and installed into both types at import (as in _scalar.pyx).
cdef object _checked(object r, object x, object y, str name):
    if r is NotImplemented:
        raise TypeError("{0}() is not defined for {1} and {2}".format(
            name, type(x).__name__, type(y).__name__))
    return r


def _m_sin(self): return vunary(self, R_SIN)
def _m_cos(self): return vunary(self, R_COS)
def _m_tan(self): return vunary(self, R_TAN)
def _m_arcsin(self): return vunary(self, R_ASIN)
def _m_arccos(self): return vunary(self, R_ACOS)
def _m_arctan(self): return vunary(self, R_ATAN)
def _m_sinh(self): return vunary(self, R_SINH)
def _m_cosh(self): return vunary(self, R_COSH)
def _m_tanh(self): return vunary(self, R_TANH)
def _m_arcsinh(self): return vunary(self, R_ASINH)
def _m_arccosh(self): return vunary(self, R_ACOSH)
def _m_arctanh(self): return vunary(self, R_ATANH)
def _m_exp(self): return vunary(self, R_EXP)
def _m_exp2(self): return vunary(self, R_EXP2)
def _m_expm1(self): return vunary(self, R_EXPM1)
def _m_log(self): return vunary(self, R_LOG)
def _m_log2(self): return vunary(self, R_LOG2)
def _m_log10(self): return vunary(self, R_LOG10)
def _m_log1p(self): return vunary(self, R_LOG1P)
def _m_sqrt(self): return vunary(self, R_SQRT)
def _m_cbrt(self): return vunary(self, R_CBRT)
def _m_square(self): return vunary(self, R_SQUARE)
def _m_reciprocal(self): return vunary(self, R_RECIPROCAL)
def _m_fabs(self): return vunary(self, R_ABS)
def _m_absolute(self): return vunary(self, R_ABS)
def _m_sign(self): return vunary(self, R_SIGN)
def _m_degrees(self): return vunary(self, R_DEGREES)
def _m_radians(self): return vunary(self, R_RADIANS)
def _m_rad2deg(self): return vunary(self, R_DEGREES)
def _m_deg2rad(self): return vunary(self, R_RADIANS)
def _m_floor(self): return vunary(self, R_FLOOR)
def _m_ceil(self): return vunary(self, R_CEIL)
def _m_trunc(self): return vunary(self, R_TRUNC)
def _m_rint(self): return vunary(self, R_RINT)
def _m_conjugate(self): return self
def _m_arctan2(self, other): return _checked(vbinary(self, other, OP_ATAN2, ERR_IEEE), self, other, "arctan2")
def _m_hypot(self, other): return _checked(vbinary(self, other, OP_HYPOT, ERR_IEEE), self, other, "hypot")
def _m_logaddexp(self, other): return _checked(vbinary(self, other, OP_LOGADDEXP, ERR_IEEE), self, other, "logaddexp")
def _m_logaddexp2(self, other): return _checked(vbinary(self, other, OP_LOGADDEXP2, ERR_IEEE), self, other, "logaddexp2")
def _m_copysign(self, other): return _checked(vbinary(self, other, OP_COPYSIGN, ERR_IEEE), self, other, "copysign")


# A DualVec stands where a 0-d DualArray stood before (x[i]): the array
# attributes scalar code reads are here too, and the conversions refuse.
def _p_shape(self): return ()
def _p_ndim(self): return 0
def _p_size(self): return 1
def _m_item(self, *args): _refuse(self, "a Python number (item)")
def _m_tolist(self): _refuse(self, "a Python number (tolist)")


def _m_astype(self, dtype, *args, **kwargs):
    """Casting to float64 keeps the derivatives (a no-op); any other dtype refuses."""
    if np.dtype(dtype) == np.float64:
        return self
    _refuse(self, str(np.dtype(dtype)))


# ================================================================ for other layers
def unary_vec(x, int rid):
    """Rule rid applied to a DualVec or HyperDualVec (IEEE semantics)."""
    return vunary(x, rid)


def binary_vec(x, y, int op, int errors):
    """x op y with the given error mode; TypeError for unsupported operands."""
    r = vbinary(x, y, op, errors)
    if r is NotImplemented:
        raise TypeError("unsupported operand types: {0} and {1}".format(
            type(x).__name__, type(y).__name__))
    return r


def with_value(x, double v):
    """x with its value replaced by v, tangents unchanged (every dual scalar type)."""
    if type(x) is DualVec:
        return _vcopy(<DualVec>x, v, 1.0)
    if type(x) is HyperDualVec:
        return _hcopy(<HyperDualVec>x, v, 1.0)
    return _S.with_value(x, v)


def scale(x, double factor):
    """Every component of x times factor (every dual scalar type)."""
    cdef DualVec d
    cdef HyperDualVec h
    cdef Py_ssize_t j
    if type(x) is DualVec:
        d = _vcopy(<DualVec>x, (<DualVec>x).value * factor, 1.0)
        for j in range(d.k):
            d.eps[j] = d.eps[j] * factor
        return d
    if type(x) is HyperDualVec:
        h = _hcopy(<HyperDualVec>x, (<HyperDualVec>x).value * factor, 1.0)
        for j in range(h.p + h.q + h.p * h.q):
            h.e1[j] = h.e1[j] * factor
        return h
    return _S.scale(x, factor)


def gather(items):
    """The components of a flat sequence (list, tuple or 1-D object array) of
    DualVecs (or of HyperDualVecs) of one frame, mixed with real numbers:

    ``(values, eps, tag)`` with eps of shape (k, m), or
    ``(values, eps1, eps2, eps1eps2, tag1, tag2)`` with shapes (p, m), (q, m),
    (p, q, m); None when the items are anything else (other dual types, several
    frames, nested sequences), for the caller's general path."""
    cdef Py_ssize_t m = len(items), i, j, k = -1, p = -1, q = -1, n
    cdef int tag = 0, t1 = 0, t2 = 0
    cdef bint hyper = False
    cdef object o
    cdef double c
    cdef double* vv
    cdef double* ev
    cdef cnp.npy_intp dims[2]
    cdef cnp.ndarray values, block
    cdef DualVec d
    cdef HyperDualVec h
    for i in range(m):           # by index: iterating an ndarray ends in a formatted IndexError
        o = items[i]
        if type(o) is DualVec:
            if k < 0 and p < 0:
                k = (<DualVec>o).k
                tag = (<DualVec>o).tag
            elif p >= 0 or (<DualVec>o).k != k or (<DualVec>o).tag != tag:
                return None
        elif type(o) is HyperDualVec:
            h = <HyperDualVec>o
            if k < 0 and p < 0:
                p, q, t1, t2 = h.p, h.q, h.tag1, h.tag2
                hyper = True
            elif k >= 0 or h.p != p or h.q != q or h.tag1 != t1 or h.tag2 != t2:
                return None
        elif not as_double(o, &c):
            return None
    if k < 0 and p < 0:
        return None
    # raw pointers, not typed memoryviews: a buffer request per new array costs
    # more than the gather itself for the few items of np.array([...])
    dims[0] = m
    values = <cnp.ndarray>cnp.PyArray_EMPTY(1, dims, cnp.NPY_DOUBLE, 0)
    vv = <double*>cnp.PyArray_DATA(values)
    n = k if not hyper else p + q + p * q
    dims[0] = n
    dims[1] = m
    block = <cnp.ndarray>cnp.PyArray_ZEROS(2, dims, cnp.NPY_DOUBLE, 0)
    ev = <double*>cnp.PyArray_DATA(block)
    for i in range(m):
        o = items[i]
        if type(o) is DualVec:
            d = <DualVec>o
            vv[i] = d.value
            for j in range(n):
                ev[j * m + i] = d.eps[j]
        elif type(o) is HyperDualVec:
            h = <HyperDualVec>o
            vv[i] = h.value
            for j in range(n):
                ev[j * m + i] = h.e1[j]
        else:
            as_double(o, &vv[i])
    if not hyper:
        return values, block, tag
    return (values, block[:p], block[p:p + q], block[p + q:].reshape(p, q, m), t1, t2)


# ---------------------------------------------------------------- installation

cdef extern from "Python.h":
    void PyType_Modified(PyTypeObject*)

cdef _install_methods():
    cdef PyTypeObject* tp
    names = [n for n in globals() if n.startswith("_m_")]
    for cls in (DualVec, HyperDualVec):
        tp = <PyTypeObject*>cls
        d = <dict>tp.tp_dict
        for n in names:
            d[n[3:]] = globals()[n]
        for n in ("shape", "ndim", "size"):
            d[n] = property(globals()["_p_" + n])
        PyType_Modified(tp)
        DualNumber.register(cls)

_install_methods()


cdef _install_deallocators():
    """The deallocators of the storage section (no instance exists yet)."""
    cdef PyTypeObject* tp = <PyTypeObject*>DualVec
    tp.tp_dealloc = _vec_dealloc
    tp = <PyTypeObject*>HyperDualVec
    tp.tp_dealloc = _hvec_dealloc

_install_deallocators()
