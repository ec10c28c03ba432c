# cython: language_level=3
from dualcalc._core._rules cimport (triple, partials, second_term, first_term,
                                     first_x, first_y)
cimport cython


@cython.final
cdef class Dual:
    cdef readonly double value
    cdef readonly double eps
    cdef readonly int tag


@cython.final
cdef class HyperDual:
    cdef readonly double value
    cdef readonly double eps1
    cdef readonly double eps2
    cdef readonly double eps1eps2
    cdef readonly int tag1
    cdef readonly int tag2


cdef inline double m0(double g, double t) noexcept nogil:
    """g * t, except that an exactly-zero tangent t stays exactly zero (even for
    g = inf or nan)."""
    if t == 0.0:
        return 0.0
    return g * t


cdef inline Dual new_dual(double v, double e, int tag):
    cdef Dual r = Dual.__new__(Dual)
    r.value = v
    r.eps = e
    r.tag = tag
    return r


cdef inline HyperDual new_hyper(double v, double e1, double e2, double e12, int t1, int t2):
    cdef HyperDual r = HyperDual.__new__(HyperDual)
    r.value = v
    r.eps1 = e1
    r.eps2 = e2
    r.eps1eps2 = e12
    r.tag1 = t1
    r.tag2 = t2
    return r


cdef inline Dual dual_chain(Dual x, triple t):
    return new_dual(t.f, first_term(t, x.eps), x.tag)


cdef inline HyperDual hyper_chain(HyperDual x, triple t):
    return new_hyper(t.f, first_term(t, x.eps1), first_term(t, x.eps2),
                     first_term(t, x.eps1eps2) + second_term(t, x.eps1, x.eps2),
                     x.tag1, x.tag2)


cdef object unary(object x, int rid)
cdef object binary(object x, object y, int op, int errors)
cdef int as_double(object o, double* out) except -1
# the domain and range errors of binary() in modes ERR_OPERATOR / ERR_MATH (shared with _vec)
cdef int check_binary_domain(int op, double x, double y, int errors) except -1
cdef int check_pow_overflow(int op, double x, double y, double f, int errors) except -1

# error modes of binary(): how a domain problem is reported
cdef enum ErrorMode:
    ERR_IEEE       # nan/inf, like C and NumPy (warnings are the caller's business)
    ERR_OPERATOR   # like Python's float operators (ZeroDivisionError, ...)
    ERR_MATH       # like the math module (ValueError)
