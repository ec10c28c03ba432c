# cython: language_level=3
"""Taylor: a truncated univariate Taylor series, derivatives of any order.

Design: a ``Taylor`` holds n = order + 1 doubles c[0..n-1], the value and the
normalised coefficients c_j = f^(j)(x) / j! of the function computed so far,
as a polynomial in one perturbation t.  Three layers, top to bottom:

1. the class (operators, NumPy's ``__array_ufunc__``, the methods NumPy's
   object-array loops call by name, pickling);
2. ``taylor_unary`` / ``taylor_binary``: one function per rule id or operation
   id, each taking the value (and, where useful, g'(u0)) from the rule table
   (``rule_eval`` / ``binary_eval`` in ``_rules.pxd``) and the higher
   coefficients from a recurrence;
3. the series kernels (``s_*``), plain C loops over coefficient arrays: the
   Cauchy product and quotient, and the recurrences that come from the
   derivative ODE of each function (Griewank & Walther, *Evaluating
   Derivatives*, 2nd ed., ch. 13): exp (y' = y u'), log (u y' = u'),
   power (u y' = r y u'), sin/cos together, tan (y' = (1 + y^2) u'), the
   inverse functions (y' w = u' with w = sqrt(1 - u^2), 1 + u^2, ...), erf
   (y' = 2/sqrt(pi) exp(-u^2) u').  Each costs O(k^2) for order k.

lgamma, gamma and digamma have no finite recurrence: their Taylor series at the
point are known from the polygamma values (psi^(m)(x) = (-1)^(m+1) m!
zeta(m+1, x), Hurwitz zeta by shifting and Euler-Maclaurin below), and are
composed with u - u0 by Horner's rule on Cauchy products (``s_compose``,
O(k^3)), which serves any function whose derivatives at the point are known.

Non-smooth functions follow the shared sign convention: abs(u) = sign(u0) u
with sign(0) = 0, so every derivative of abs at 0 is 0; floor, ceil, trunc,
rint and sign are constants; copysign, fmod, mod, remainder, maximum and
friends are locally linear (their first partials from the table).

Perturbation tags: every Taylor carries an integer ``tag`` naming the variable
t it is a series in (0 for numbers made by hand).  Two Taylors with different
tags are series in different variables, which this univariate type cannot
represent: combining them raises TypeError (so nested ``taylor`` calls never
confuse their perturbations).  Two Taylors of different orders combine at the
smaller order (the lower coefficients of both are exact).
"""
cimport cython
from cpython.mem cimport PyMem_Malloc, PyMem_Free
from cpython.float cimport PyFloat_Check, PyFloat_AS_DOUBLE, PyFloat_CheckExact
from cpython.long cimport PyLong_Check, PyLong_CheckExact, PyLong_AsDouble
from libc.math cimport (isfinite, isnan, isinf, fabs, floor, exp, log, sqrt, pow,
                        copysign, frexp, ldexp, NAN, INFINITY, M_PI)
from libc.string cimport memcpy

from dualcalc._core._rules cimport (
    triple, partials, rule_eval, binary_eval, is_integer, k_powc, d1_value, d2_value,
    LN2, LN10, TWO_OVER_SQRTPI, DEG_PER_RAD, RAD_PER_DEG,
    R_SIN, R_COS, R_TAN, R_ASIN, R_ACOS, R_ATAN, R_SINH, R_COSH, R_TANH,
    R_ASINH, R_ACOSH, R_ATANH, R_EXP, R_EXP2, R_EXPM1, R_LOG, R_LOG2, R_LOG10,
    R_LOG1P, R_SQRT, R_CBRT, R_ERF, R_ERFC, R_GAMMA, R_LGAMMA, R_ABS, R_DEGREES,
    R_RADIANS, R_FLOOR, R_CEIL, R_TRUNC, R_RINT, R_SQUARE, R_RECIPROCAL, R_SIGN,
    R_NEGATIVE, R_POSITIVE, R_DIGAMMA,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_ATAN2, OP_HYPOT, OP_COPYSIGN,
    OP_FMOD, OP_MOD, OP_FLOORDIV, OP_REMAINDER, OP_LOGADDEXP, OP_LOGADDEXP2,
    OP_MAXIMUM, OP_MINIMUM, OP_FMAX, OP_FMIN)

cimport numpy as cnp

import itertools
import math as _pymath
import struct

import numpy as np

cnp.import_array()

cdef tuple _NP_REAL = (np.floating, np.integer, np.bool_)

# error modes of taylor_binary (as in _scalar.pxd)
cdef enum:
    T_IEEE = 0       # nan/inf, like NumPy
    T_OPERATOR = 1   # like Python's float operators (ZeroDivisionError, ...)
    T_MATH = 2       # like the math module (ValueError); the values of ErrorMode


# ================================================================ series kernels
# All take coefficient arrays of length n (the value at index 0); outputs never
# alias inputs unless said.

cdef inline bint s_const(const double* u, int n) noexcept nogil:
    """u has no perturbation (every coefficient past the value is exactly 0)."""
    cdef int j
    for j in range(1, n):
        if u[j] != 0.0:
            return False
    return True


cdef inline void s_mul(const double* a, const double* b, double* y, int n) noexcept nogil:
    """y = a b (Cauchy product); y may not alias a or b."""
    cdef int k, j
    cdef double s
    for k in range(n):
        s = 0.0
        for j in range(k + 1):
            s += a[j] * b[k - j]
        y[k] = s


cdef inline void s_div(const double* a, const double* b, double* q, int n) noexcept nogil:
    """q = a / b: q_k = (a_k - sum_{j<k} q_j b_{k-j}) / b_0."""
    cdef int k, j
    cdef double s
    for k in range(n):
        s = a[k]
        for j in range(k):
            s -= q[j] * b[k - j]
        q[k] = s / b[0]


cdef inline void s_exp(const double* u, double* y, int n, double scale) noexcept nogil:
    """y' = scale y u' with y[0] set: k y_k = scale sum_{j=1..k} j u_j y_{k-j}."""
    cdef int k, j
    cdef double s
    for k in range(1, n):
        s = 0.0
        for j in range(1, k + 1):
            s += j * u[j] * y[k - j]
        y[k] = scale * s / k


cdef inline void s_integrate(const double* u, const double* w, double* y, int n,
                             double scale) noexcept nogil:
    """y' = scale u' w (w known to degree n - 2), y[0] set."""
    cdef int k, j
    cdef double s
    for k in range(1, n):
        s = 0.0
        for j in range(1, k + 1):
            s += j * u[j] * w[k - j]
        y[k] = scale * s / k


cdef inline void s_solve(const double* u, const double* w, double* y, int n,
                         double scale) noexcept nogil:
    """y' w = scale u', y[0] set:
    k y_k w_0 = scale k u_k - sum_{j=1..k-1} j y_j w_{k-j}."""
    cdef int k, j
    cdef double s
    for k in range(1, n):
        s = scale * k * u[k]
        for j in range(1, k):
            s -= j * y[j] * w[k - j]
        y[k] = s / (k * w[0])


cdef inline void s_pow(const double* u, double r, double* y, int n) noexcept nogil:
    """y = u^r for u_0 != 0, y[0] set (u y' = r u' y):
    k u_0 y_k = sum_{j=0..k-1} (r (k - j) - j) u_{k-j} y_j."""
    cdef int k, j
    cdef double s
    for k in range(1, n):
        s = 0.0
        for j in range(k):
            s += (r * (k - j) - j) * u[k - j] * y[j]
        y[k] = s / (k * u[0])


cdef inline void s_sqrt(const double* w, double* y, int n) noexcept nogil:
    """y^2 = w with y[0] set: 2 y_0 y_k = w_k - sum_{j=1..k-1} y_j y_{k-j}."""
    cdef int k, j
    cdef double s
    for k in range(1, n):
        s = w[k]
        for j in range(1, k):
            s -= y[j] * y[k - j]
        y[k] = s / (2.0 * y[0])


cdef inline void s_sincos(const double* u, double* s, double* c, int n,
                          double sign) noexcept nogil:
    """s' = c u', c' = sign s u' (sign -1: sin/cos, +1: sinh/cosh); s[0], c[0] set."""
    cdef int k, j
    cdef double a, b
    for k in range(1, n):
        a = 0.0
        b = 0.0
        for j in range(1, k + 1):
            a += j * u[j] * c[k - j]
            b += j * u[j] * s[k - j]
        s[k] = a / k
        c[k] = sign * b / k


cdef inline void s_tan(const double* u, double* y, double* w, int n,
                       double sign) noexcept nogil:
    """y' = w u' with w = 1 + sign y^2 (tan: +1, tanh: -1); y[0], w[0] set."""
    cdef int k, j
    cdef double s
    for k in range(1, n):
        s = 0.0
        for j in range(1, k + 1):
            s += j * u[j] * w[k - j]
        y[k] = s / k
        s = 0.0
        for j in range(k + 1):
            s += y[j] * y[k - j]
        w[k] = sign * s


cdef inline void s_compose(const double* a, const double* u, double* y, double* tmp,
                           int n) noexcept nogil:
    """y = sum_m a_m (u - u_0)^m: a known Taylor series at u_0 composed with u
    (Horner's rule on Cauchy products; d = u - u_0 starts at degree 1, so each
    product only sums the terms that can be nonzero)."""
    cdef int m, k, j
    cdef double s
    for k in range(n):
        y[k] = 0.0
    y[0] = a[n - 1]
    for m in range(n - 2, -1, -1):
        # tmp = y * d, d_0 = 0
        for k in range(n):
            s = 0.0
            for j in range(1, k + 1):
                s += u[j] * y[k - j]
            tmp[k] = s
        tmp[0] = a[m]
        for k in range(n):
            y[k] = tmp[k]


# ---------------------------------------------------------------- polygamma
# B_{2j} / (2j)! for j = 1..10
cdef double[10] _BERN = [
    1.0 / 12.0, -1.0 / 720.0, 1.0 / 30240.0, -1.0 / 1209600.0, 1.0 / 47900160.0,
    -691.0 / 1307674368000.0, 1.0 / 74724249600.0, -3617.0 / 10670622842880000.0,
    43867.0 / 5109094217170944000.0, -174611.0 / 802857662698291200000.0]


cdef double hurwitz_zeta(int s, double x) noexcept nogil:
    """zeta(s, x) = sum_{i>=0} (x + i)^-s for an integer s >= 2 and any real x
    that is not 0 or a negative integer: the first terms summed until
    z = x + i >= s + 20, then the Euler-Maclaurin tail
    z^(1-s)/(s-1) + z^-s/2 + sum_j B_2j/(2j)! s(s+1)...(s+2j-2) z^(-s-2j+1),
    whose terms shrink at least by (s+2j)^2 / (2 pi z)^2 < 1/39 each."""
    cdef double r = 0.0, z = x, zs, t, tail
    cdef double big = s + 20.0
    cdef int j
    while z < big:
        r += pow(z, -s)
        z += 1.0
    zs = pow(z, -s)
    tail = z * zs / (s - 1.0) + 0.5 * zs
    t = zs * s / z                     # s z^(-s-1)
    for j in range(10):
        tail += _BERN[j] * t
        t *= (s + 2.0 * j + 1.0) * (s + 2.0 * j + 2.0) / (z * z)
    return r + tail


cdef void lgamma_series(double x, triple t, double* a, int n) noexcept nogil:
    """a_m = lgamma^(m)(x) / m!: lgamma, psi, psi'/2 from the table, then
    (-1)^m zeta(m, x) / m."""
    cdef int m
    a[0] = t.f
    if n > 1:
        a[1] = d1_value(t)
    if n > 2:
        a[2] = 0.5 * d2_value(t)
    for m in range(3, n):
        a[m] = (-1.0 if m % 2 else 1.0) * hurwitz_zeta(m, x) / m


cdef void digamma_series(double x, triple t, double* a, int n) noexcept nogil:
    """a_m = psi^(m)(x) / m! = (-1)^(m+1) zeta(m+1, x) for m >= 3."""
    cdef int m
    a[0] = t.f
    if n > 1:
        a[1] = d1_value(t)
    if n > 2:
        a[2] = 0.5 * d2_value(t)
    for m in range(3, n):
        a[m] = (1.0 if m % 2 else -1.0) * hurwitz_zeta(m + 1, x)


def polygamma(int m, double x):
    """psi^(m)(x), the m-th derivative of digamma, for m >= 1 (a test hook)."""
    if m < 1:
        raise ValueError("polygamma(m, x) needs m >= 1")
    return (1.0 if m % 2 else -1.0) * _pymath.factorial(m) * hurwitz_zeta(m + 1, x)


# ================================================================ the type
cdef Taylor new_taylor(int n, int tag):
    cdef Taylor r = Taylor.__new__(Taylor)
    r.c = <double*>PyMem_Malloc(n * sizeof(double))
    if r.c == NULL:
        raise MemoryError()
    r.n = n
    r.tag = tag
    return r


cdef Taylor t_constant(double v, int n, int tag):
    cdef Taylor r = new_taylor(n, tag)
    cdef int j
    r.c[0] = v
    for j in range(1, n):
        r.c[j] = 0.0
    return r


cdef class _Buf:
    """Scratch arrays for a kernel, freed with the object."""
    cdef double* p

    def __dealloc__(self):
        PyMem_Free(self.p)


cdef double* scratch(_Buf b, int size) except NULL:
    b.p = <double*>PyMem_Malloc(max(size, 1) * sizeof(double))
    if b.p == NULL:
        raise MemoryError()
    return b.p


cdef inline double m0(double g, double a) noexcept nogil:
    return 0.0 if a == 0.0 else g * a


cdef inline void scale_into(const double* u, double f, double* y, int n) noexcept nogil:
    """y_j = f u_j for j >= 1 (an exactly zero u_j stays 0 even for f = inf)."""
    cdef int j
    for j in range(1, n):
        y[j] = 0.0 if u[j] == 0.0 else f * u[j]


cdef object taylor_unary(Taylor x, int rid):
    """g(x) for the rule id rid: the value from the rule table, the higher
    coefficients from the recurrence of g."""
    cdef int n = x.n, j
    cdef const double* u = x.c
    cdef double u0 = u[0], sgn
    cdef triple t = rule_eval(rid, u0)
    cdef Taylor r
    cdef Taylor aux
    cdef _Buf b
    cdef double* w
    cdef double* v
    cdef double* y
    if s_const(u, n):
        # zero stays zero: a constant gives a constant, even where g' is inf/nan
        return t_constant(t.f, n, x.tag)
    r = new_taylor(n, x.tag)
    y = r.c
    y[0] = t.f
    if n == 1:
        return r
    if rid == R_EXP or rid == R_EXP2:
        s_exp(u, y, n, 1.0 if rid == R_EXP else LN2)
    elif rid == R_EXPM1:
        b = _Buf()
        w = scratch(b, n)
        w[0] = exp(u0)
        s_exp(u, w, n, 1.0)
        memcpy(y + 1, w + 1, (n - 1) * sizeof(double))
    elif rid == R_LOG or rid == R_LOG2 or rid == R_LOG10:
        s_solve(u, u, y, n, 1.0 if rid == R_LOG else (1.0 / LN2 if rid == R_LOG2
                                                           else 1.0 / LN10))
    elif rid == R_LOG1P:
        b = _Buf()
        w = scratch(b, n)
        memcpy(w, u, n * sizeof(double))
        w[0] = 1.0 + u0
        s_solve(u, w, y, n, 1.0)
    elif rid == R_SQRT:
        s_sqrt(u, y, n)
    elif rid == R_CBRT:
        s_pow(u, 1.0 / 3.0, y, n)
    elif rid == R_SIN or rid == R_COS or rid == R_SINH or rid == R_COSH:
        aux = new_taylor(n, x.tag)
        sgn = -1.0 if (rid == R_SIN or rid == R_COS) else 1.0
        if rid == R_SIN or rid == R_SINH:
            aux.c[0] = d1_value(t)          # cos / cosh
            s_sincos(u, y, aux.c, n, sgn)
        else:
            # cos' = -sin: d1 = -sin(u0); cosh' = sinh
            aux.c[0] = -d1_value(t) if rid == R_COS else d1_value(t)
            s_sincos(u, aux.c, y, n, sgn)
    elif rid == R_TAN or rid == R_TANH:
        b = _Buf()
        w = scratch(b, n)
        w[0] = d1_value(t)                   # 1 + tan^2, 1 - tanh^2
        s_tan(u, y, w, n, 1.0 if rid == R_TAN else -1.0)
    elif (rid == R_ASIN or rid == R_ACOS or rid == R_ATAN or rid == R_ASINH
          or rid == R_ACOSH or rid == R_ATANH):
        # y' w = +-u' with w = sqrt(1 - u^2), 1 + u^2, sqrt(1 + u^2), sqrt(u^2 - 1), 1 - u^2
        b = _Buf()
        w = scratch(b, 2 * n)
        v = w + n
        s_mul(u, u, v, n)
        if rid == R_ASIN or rid == R_ACOS or rid == R_ATANH:
            for j in range(n):
                v[j] = -v[j]
            v[0] = (1.0 - u0) * (1.0 + u0)
        elif rid == R_ACOSH:
            v[0] = (u0 - 1.0) * (u0 + 1.0)
        else:
            v[0] = 1.0 + u0 * u0
        if rid == R_ATAN or rid == R_ATANH:
            memcpy(w, v, n * sizeof(double))
        else:
            w[0] = sqrt(v[0])
            s_sqrt(v, w, n)
        s_solve(u, w, y, n, -1.0 if rid == R_ACOS else 1.0)
    elif rid == R_ERF or rid == R_ERFC:
        # y' = +-2/sqrt(pi) e u', e = exp(-u^2)
        b = _Buf()
        w = scratch(b, 2 * n)
        v = w + n
        s_mul(u, u, v, n)
        for j in range(n):
            v[j] = -v[j]
        w[0] = exp(-u0 * u0)
        s_exp(v, w, n, 1.0)
        s_integrate(u, w, y, n, TWO_OVER_SQRTPI if rid == R_ERF else -TWO_OVER_SQRTPI)
    elif rid == R_LGAMMA or rid == R_DIGAMMA or rid == R_GAMMA:
        b = _Buf()
        w = scratch(b, 2 * n)
        v = w + n
        aux = new_taylor(n, x.tag)
        if rid == R_DIGAMMA:
            digamma_series(u0, t, aux.c, n)
            s_compose(aux.c, u, y, w, n)
            y[0] = t.f
        else:
            lgamma_series(u0, rule_eval(R_LGAMMA, u0), aux.c, n)
            if rid == R_LGAMMA:
                s_compose(aux.c, u, y, w, n)
                y[0] = t.f
            else:
                # Gamma = +-exp(lgamma): Gamma' = Gamma psi, so y' = y L' with L
                # the composed lgamma series
                s_compose(aux.c, u, v, w, n)
                s_exp(v, y, n, 1.0)
    elif rid == R_ABS:
        # abs(u) = sign(u0) u near u0; sign(0) = 0 (the sign convention)
        scale_into(u, t.d1, y, n)
    elif rid == R_DEGREES or rid == R_RADIANS or rid == R_NEGATIVE or rid == R_POSITIVE:
        scale_into(u, t.d1, y, n)
    elif rid == R_FLOOR or rid == R_CEIL or rid == R_TRUNC or rid == R_RINT or rid == R_SIGN:
        for j in range(1, n):
            y[j] = 0.0
    elif rid == R_SQUARE:
        s_mul(u, u, y, n)
        y[0] = t.f
    elif rid == R_RECIPROCAL:
        b = _Buf()
        w = scratch(b, n)
        w[0] = 1.0
        for j in range(1, n):
            w[j] = 0.0
        s_div(w, u, y, n)
        y[0] = t.f
    else:
        raise TypeError("rule {0} has no Taylor recurrence".format(rid))
    return r


# ---------------------------------------------------------------- powers
cdef object taylor_pow_real(Taylor x, double r):
    """x ** r for a real constant r: exact for integer r (also for negative
    bases, and at 0 for r >= 0 by repeated squaring)."""
    cdef int n = x.n, j, e
    cdef const double* u = x.c
    cdef double u0 = u[0]
    cdef Taylor y, base, tmp
    cdef triple t = k_powc(u0, r)
    if s_const(u, n):
        return t_constant(t.f, n, x.tag)
    if r == 0.0:
        return t_constant(1.0, n, x.tag)
    if r == 1.0:
        return x
    if r == 2.0:
        y = new_taylor(n, x.tag)
        s_mul(u, u, y.c, n)
        y.c[0] = t.f
        return y
    if is_integer(r) and fabs(r) <= 1024.0 and (r > 0.0 or u0 != 0.0):
        # integer powers by repeated squaring (Cauchy products): exact in the
        # sense of float arithmetic, defined for negative bases and at 0, and
        # free of the recurrence's division by u0 (which loses digits where u0
        # is small beside the other coefficients)
        e = <int>fabs(r)
        y = t_constant(1.0, n, x.tag)
        base = x
        while True:
            if e & 1:
                tmp = new_taylor(n, x.tag)
                s_mul(y.c, base.c, tmp.c, n)
                y = tmp
            e >>= 1
            if e == 0:
                break
            tmp = new_taylor(n, x.tag)
            s_mul(base.c, base.c, tmp.c, n)
            base = tmp
        if r < 0.0:
            tmp = t_constant(1.0, n, x.tag)
            base = new_taylor(n, x.tag)
            s_div(tmp.c, y.c, base.c, n)
            y = base
        y.c[0] = t.f
        return y
    if u0 != 0.0 or isnan(u0):
        y = new_taylor(n, x.tag)
        y.c[0] = t.f
        s_pow(u, r, y.c, n)
        return y
    # 0 ** r for r not a non-negative integer: u^r = o(t^j) for j < r, and
    # no finite (or no real) derivative of order j >= r
    y = new_taylor(n, x.tag)
    y.c[0] = t.f
    for j in range(1, n):
        y.c[j] = 0.0 if j < r else NAN
    return y


cdef object taylor_pow(Taylor x, Taylor e, double f):
    """x ** e with both perturbed: exp(e log x) for x0 > 0, value f."""
    cdef int n = x.n
    cdef Taylor y = new_taylor(n, x.tag)
    cdef _Buf b = _Buf()
    cdef double* w = scratch(b, 2 * n)
    cdef double* v = w + n
    cdef int j
    y.c[0] = f
    if s_const(e.c, n):
        return taylor_pow_real(x, e.c[0])
    if s_const(x.c, n):
        if x.c[0] > 0.0:
            for j in range(n):
                v[j] = e.c[j]
            s_exp(v, y.c, n, log(x.c[0]))
        elif x.c[0] == 0.0 and e.c[0] > 0.0:
            for j in range(1, n):
                y.c[j] = 0.0
        else:
            for j in range(1, n):
                y.c[j] = NAN
        return y
    if not x.c[0] > 0.0:
        for j in range(1, n):
            y.c[j] = NAN
        return y
    w[0] = log(x.c[0])
    s_solve(x.c, x.c, w, n, 1.0)          # w = log x
    s_mul(e.c, w, v, n)                   # v = e log x
    s_exp(v, y.c, n, 1.0)
    return y


# ---------------------------------------------------------------- two arguments
cdef int _check_operator(int op, double x, double y, int errors=T_OPERATOR) except -1:
    """The exceptions Python's float operators (or the math module) raise."""
    if errors == T_MATH:
        if (y == 0.0 and (op == OP_FMOD or op == OP_REMAINDER or op == OP_DIV)
                and not isnan(x)) or (op == OP_POW and (
                    (x == 0.0 and y < 0.0 and isfinite(y)) or
                    (x < 0.0 and isfinite(x) and isfinite(y) and not is_integer(y)))) \
                or ((op == OP_FMOD or op == OP_REMAINDER) and isinf(x) and not isnan(y)):
            raise ValueError("math domain error")
        return 0
    if y == 0.0 and op == OP_DIV:
        raise ZeroDivisionError("float division by zero")
    if y == 0.0 and op == OP_FLOORDIV:
        raise ZeroDivisionError("float floor division by zero")
    if y == 0.0 and op == OP_MOD:
        raise ZeroDivisionError("float modulo")
    if op == OP_POW:
        if x == 0.0 and y < 0.0 and isfinite(y):
            raise ZeroDivisionError("0.0 cannot be raised to a negative power")
        if x < 0.0 and isfinite(x) and isfinite(y) and not is_integer(y):
            raise ValueError(
                "a negative number raised to a fractional power is complex, and Taylor "
                "numbers are real: {0!r} ** {1!r}".format(x, y))
    return 0


cdef str _tname(object o):
    return type(o).__name__


cdef int _as_real(object o, double* out) except -1:
    if PyFloat_Check(o):
        out[0] = PyFloat_AS_DOUBLE(o)
        return 1
    if PyLong_Check(o):
        out[0] = PyLong_AsDouble(o)
        return 1
    if isinstance(o, _NP_REAL):
        out[0] = <double>float(o)
        return 1
    return 0


cdef int _mixing_error(object x, object y) except -1:
    cdef object other = y if type(x) is Taylor else x
    if type(other) is Taylor:
        raise TypeError(
            "these two Taylor numbers are series in different variables (tags {0} and "
            "{1}): a Taylor number carries the derivatives of one variable, so nested "
            "taylor()/derivative() calls that mix their variables cannot be combined. "
            "Use the directional form taylor(f, x, order, v=...) for several inputs."
            .format((<Taylor>x).tag, (<Taylor>y).tag))
    name = _tname(other)
    if name in ("Dual", "HyperDual", "DualArray", "HyperDualArray"):
        raise TypeError(
            "a Taylor number cannot be combined with a {0}: take every derivative in "
            "one Taylor evaluation (dualcalc.taylor, or derivative(f, x, order=k)) "
            "instead of nesting a dual-number derivative inside it".format(name))
    return 0


cdef Taylor _with_real(Taylor a, double c, int op, bint reflected):
    """a op c (or c op a when reflected) for a real c: +, -, * and / by c != 0
    touch each coefficient once (the value from the table, like the rest)."""
    cdef int n = a.n, j
    cdef Taylor r = new_taylor(n, a.tag)
    cdef partials p = binary_eval(op, c, a.c[0]) if reflected else binary_eval(op, a.c[0], c)
    r.c[0] = p.f
    if op == OP_ADD or (op == OP_SUB and not reflected):
        for j in range(1, n):
            r.c[j] = a.c[j]
    elif op == OP_SUB:
        for j in range(1, n):
            r.c[j] = -a.c[j]
    elif op == OP_MUL:
        for j in range(1, n):
            r.c[j] = m0(c, a.c[j])
    else:
        for j in range(1, n):
            r.c[j] = a.c[j] / c
    return r


cdef object taylor_binary(object x, object y, int op, int errors):
    """x op y for Taylors and reals (at least one Taylor); NotImplemented for
    operands of other kinds."""
    cdef double xv, yv, f
    cdef Taylor a, b, r
    cdef int n, tag, j, k
    cdef partials p
    cdef _Buf buf
    cdef double* w
    cdef double* v
    cdef double* q
    cdef double* sa
    cdef double* sb
    cdef double m, s
    cdef int e
    if type(x) is Taylor and type(y) is Taylor:
        a = <Taylor>x
        b = <Taylor>y
        if a.tag != b.tag:
            _mixing_error(x, y)
        n = a.n if a.n < b.n else b.n
        tag = a.tag
    elif type(x) is Taylor:
        a = <Taylor>x
        n = a.n
        tag = a.tag
        if not _as_real(y, &yv):
            _mixing_error(x, y)
            return NotImplemented
        if op == OP_ADD or op == OP_SUB or op == OP_MUL or (op == OP_DIV and yv != 0.0):
            return _with_real(a, yv, op, False)
        b = t_constant(yv, n, tag)
    elif type(y) is Taylor:
        b = <Taylor>y
        n = b.n
        tag = b.tag
        if not _as_real(x, &xv):
            _mixing_error(x, y)
            return NotImplemented
        if op == OP_ADD or op == OP_SUB or op == OP_MUL:
            return _with_real(b, xv, op, True)
        a = t_constant(xv, n, tag)
    else:
        return NotImplemented
    xv = a.c[0]
    yv = b.c[0]
    if errors != T_IEEE:
        _check_operator(op, xv, yv, errors)
    p = binary_eval(op, xv, yv)
    r = new_taylor(n, tag)
    r.c[0] = p.f
    if n == 1:
        return r
    if op == OP_ADD:
        for j in range(1, n):
            r.c[j] = a.c[j] + b.c[j]
    elif op == OP_SUB:
        for j in range(1, n):
            r.c[j] = a.c[j] - b.c[j]
    elif op == OP_MUL:
        s_mul(a.c, b.c, r.c, n)
        r.c[0] = p.f
    elif op == OP_DIV:
        s_div(a.c, b.c, r.c, n)
        r.c[0] = p.f
    elif op == OP_POW:
        return taylor_pow(a, b, p.f)
    elif op == OP_ATAN2 or op == OP_HYPOT:
        if op == OP_HYPOT and p.f == 0.0:
            # the origin: the sign convention (zero derivatives), as abs'(0) = 0
            for j in range(1, n):
                r.c[j] = 0.0
            return r
        # both are homogeneous (of degree 0 and 1): a and b are scaled by a power
        # of two first, so that a^2 + b^2 neither overflows nor underflows
        buf = _Buf()
        w = scratch(buf, 5 * n)
        v = w + n
        q = v + n
        sa = q + n
        sb = sa + n
        m = fabs(xv) if fabs(xv) > fabs(yv) else fabs(yv)
        e = 0
        if m != 0.0 and isfinite(m):
            frexp(m, &e)
        for j in range(n):
            sa[j] = ldexp(a.c[j], -e)
            sb[j] = ldexp(b.c[j], -e)
        if op == OP_HYPOT:
            s_mul(sa, sa, w, n)
            s_mul(sb, sb, v, n)
            for j in range(n):
                w[j] += v[j]
            q[0] = ldexp(p.f, -e)
            s_sqrt(w, q, n)
            for j in range(1, n):
                r.c[j] = ldexp(q[j], e)
            return r
        # z = atan2(a, b): z' (a^2 + b^2) = b a' - a b'; in the derivative series
        # D(s)_m = (m + 1) s_{m+1} (degree n - 2)
        for k in range(n - 1):
            s = 0.0
            for j in range(k + 1):
                s += sb[j] * (k - j + 1) * sa[k - j + 1] - sa[j] * (k - j + 1) * sb[k - j + 1]
            w[k] = s                               # numerator
            s = 0.0
            for j in range(k + 1):
                s += sa[j] * sa[k - j] + sb[j] * sb[k - j]
            v[k] = s                               # a^2 + b^2
        s_div(w, v, q, n - 1)
        for k in range(1, n):
            r.c[k] = q[k - 1] / k
    elif op == OP_LOGADDEXP or op == OP_LOGADDEXP2:
        # log(e^a + e^b) = m + log(e^(a-m) + e^(b-m)), m = max(a0, b0)
        if isnan(p.f) or isinf(xv) or isinf(yv):
            for j in range(1, n):
                r.c[j] = p.fx * a.c[j] + p.fy * b.c[j]
            return r
        m = xv if xv > yv else yv
        buf = _Buf()
        w = scratch(buf, 3 * n)
        v = w + n
        q = v + n
        k = 1
        f = 1.0 if op == OP_LOGADDEXP else LN2
        w[0] = exp(f * (xv - m))
        s_exp(a.c, w, n, f)
        v[0] = exp(f * (yv - m))
        s_exp(b.c, v, n, f)
        for j in range(n):
            w[j] += v[j]
        q[0] = 0.0
        s_solve(w, w, q, n, 1.0 / f)
        for j in range(1, n):
            r.c[j] = q[j]
    else:
        # locally linear: copysign, fmod, mod, remainder, floor_divide, maximum,
        # minimum, fmax, fmin (first partials from the table: constants here)
        for j in range(1, n):
            r.c[j] = m0(p.fx, a.c[j]) + m0(p.fy, b.c[j])
    return r


# ================================================================ NumPy protocol
# The ufunc -> rule tables are the scalar layer's (one list for every number type).
from dualcalc._core._scalar import _UNARY_UFUNCS, _BINARY_UFUNCS, _VALUE_UFUNCS

cdef dict _UNARY_C = _UNARY_UFUNCS
cdef dict _BINARY_C = _BINARY_UFUNCS

# the rules dualcalc.math reaches through ``_apply_rule`` (no NumPy ufunc)
_MATH_RULES = frozenset([R_ERF, R_ERFC, R_GAMMA, R_LGAMMA, R_DIGAMMA])

_FLOAT_MESSAGE = (
    "cannot convert a Taylor number to {0}: that would drop its derivatives. Use "
    ".value for the number itself (or .coefficients); for math functions use "
    "dualcalc.math or NumPy ufuncs, which carry them.")


cdef object _value_of(object o):
    return (<Taylor>o).c[0] if type(o) is Taylor else o


cdef int _warn(object ufunc, tuple inputs, object r) except -1:
    """NumPy's own floating-point warning where a finite input gave a
    non-finite value."""
    if type(r) is Taylor and not isfinite((<Taylor>r).c[0]):
        vals = [np.float64(_value_of(i)) for i in inputs]
        if all(np.isfinite(vals)):
            ufunc(*vals)
    return 0


def _unsupported(ufunc, method):
    return TypeError(
        "dualcalc: numpy.{0}{1} is not supported on Taylor numbers, so it cannot carry "
        "derivatives. Supported ufuncs: {2}. Apply it to .value for the plain number."
        .format(ufunc.__name__, "" if method == "__call__" else "." + method,
                ", ".join(sorted(u.__name__ for u in
                                 list(_UNARY_UFUNCS) + list(_BINARY_UFUNCS)))))


cdef object _array_ufunc(object ufunc, str method, tuple inputs, dict kwargs):
    cdef object r, rid, op
    cdef Py_ssize_t n = len(inputs)
    if not kwargs and method == "__call__":       # the fast paths
        if n == 1 and type(inputs[0]) is Taylor:
            rid = _UNARY_C.get(ufunc)
            if rid is not None:
                r = taylor_unary(<Taylor>inputs[0], rid)
                _warn(ufunc, inputs, r)
                return r
        elif n == 2:
            op = _BINARY_C.get(ufunc)
            if op is not None:
                r = taylor_binary(inputs[0], inputs[1], op, T_IEEE)
                if r is not NotImplemented:
                    _warn(ufunc, inputs, r)
                    return r
    if any(isinstance(i, np.ndarray) for i in inputs):
        # an ndarray beside a Taylor: NumPy's object loop, element by element
        # (it calls the operators and the methods below)
        if method != "__call__" or kwargs:
            raise _unsupported(ufunc, method)
        objs = [np.asarray(i, dtype=object) if isinstance(i, np.ndarray)
                else _obj0(i) for i in inputs]
        return ufunc(*objs)
    for i in inputs:
        if not (type(i) is Taylor or PyFloat_Check(i) or PyLong_Check(i)
                or isinstance(i, _NP_REAL)):
            return NotImplemented
    if method != "__call__":
        raise _unsupported(ufunc, method)
    if kwargs and (kwargs.get("out") is not None
                   or set(kwargs) - {"out", "casting", "order", "dtype"}):
        raise TypeError("dualcalc: numpy.{0} on a Taylor number takes no out=, where= or "
                        "other keyword arguments".format(ufunc.__name__))
    if ufunc in _VALUE_UFUNCS:
        return ufunc(*[_value_of(i) for i in inputs])
    if len(inputs) == 1:
        rid = _UNARY_UFUNCS.get(ufunc)
        if rid is None:
            raise _unsupported(ufunc, method)
        r = taylor_unary(<Taylor>inputs[0], rid)
    elif len(inputs) == 2:
        op = _BINARY_UFUNCS.get(ufunc)
        if op is None:
            raise _unsupported(ufunc, method)
        r = taylor_binary(inputs[0], inputs[1], op, T_IEEE)
    else:
        raise _unsupported(ufunc, method)
    _warn(ufunc, inputs, r)
    return r


cdef object _obj0(object o):
    a = np.empty((), dtype=object)
    a[()] = o
    return a


cdef object _binop(object x, object y, int op):
    r = taylor_binary(x, y, op, T_OPERATOR)
    return r


def _from_bytes(bytes raw, int tag):
    """Rebuild a Taylor from the raw bytes of its coefficients (bit for bit,
    nan payloads included, under every pickle protocol)."""
    cdef int n = len(raw) // 8
    cdef Taylor r = new_taylor(n, tag)
    vals = struct.unpack("<%dd" % n, raw)
    for j in range(n):
        r.c[j] = vals[j]
    return r


_tags = itertools.count(1)


def new_tag():
    """A fresh perturbation tag for a Taylor variable."""
    return next(_tags) % 2147483647 or next(_tags)


@cython.freelist(64)
cdef class Taylor:
    """A truncated Taylor series ``c0 + c1 t + ... + ck t**k`` in one perturbation
    t: the value and the derivatives of every order up to k of what has been
    computed from a seed ``Taylor.variable(x, k)``, with c_j = f^(j)(x) / j!.

    Products and quotients cost O(k**2); every function of the rule table has
    a recurrence of the same cost (lgamma, gamma and digamma: O(k**3)).

    Parameters
    ----------
    coefficients : sequence of float
        ``[c0, c1, ..., ck]``; the order k is ``len(coefficients) - 1``.
    tag : int, optional
        The perturbation the series belongs to (0 for hand-made numbers).

    Examples
    --------
    >>> from dualcalc import Taylor
    >>> import dualcalc.math as math
    >>> x = Taylor.variable(0.0, 4)
    >>> math.exp(x)
    Taylor([1.0, 1.0, 0.5, 0.16666666666666666, 0.041666666666666664])
    >>> (x + 2) ** 3
    Taylor([8.0, 12.0, 6.0, 1.0, 0.0])
    >>> math.exp(x).derivatives       # j! c_j
    array([1., 1., 1., 1., 1.])
    """

    def __init__(self, coefficients, tag=0):
        cdef double v
        if type(coefficients) is Taylor:
            raise TypeError("Taylor(coefficients): a Taylor number cannot be nested inside "
                            "another; use its .coefficients")
        try:
            cs = list(coefficients)
        except TypeError:
            raise TypeError("Taylor(coefficients): expected a sequence of real numbers "
                            "[c0, c1, ..., ck], got {0}; use Taylor.variable(x, order) "
                            "to seed a variable".format(_tname(coefficients))) from None
        if len(cs) == 0:
            raise ValueError("Taylor(coefficients): at least the value c0 is needed")
        if not (PyLong_Check(tag) and 0 <= tag <= 2147483647):
            raise TypeError("Taylor(..., tag=): the tag must be a non-negative int")
        for i, o in enumerate(cs):
            if type(o) is Taylor:
                raise TypeError("Taylor(coefficients): a Taylor number cannot be nested "
                                "inside another (coefficient {0}); use .value".format(i))
            if not _as_real(o, &v):
                raise TypeError("Taylor(coefficients): coefficient {0} must be a real "
                                "number, got {1}".format(i, _tname(o)))
        if self.c != NULL:
            PyMem_Free(self.c)
        self.c = <double*>PyMem_Malloc(len(cs) * sizeof(double))
        if self.c == NULL:
            raise MemoryError()
        self.n = len(cs)
        self.tag = tag
        for i, o in enumerate(cs):
            _as_real(o, &v)
            self.c[i] = v

    def __cinit__(self):
        self.c = NULL
        self.n = 0

    def __dealloc__(self):
        PyMem_Free(self.c)
        self.c = NULL

    @staticmethod
    def variable(x, int order, direction=1.0, int tag=0):
        """The seed ``x + direction·t`` of the given order (coefficients
        [x, direction, 0, ..., 0]).

        Examples
        --------
        >>> from dualcalc import Taylor
        >>> Taylor.variable(2.0, 3)
        Taylor([2.0, 1.0, 0.0, 0.0])
        """
        cdef double v, d
        if order < 0:
            raise ValueError("order must be >= 0, got {0}".format(order))
        if not _as_real(x, &v) or type(x) is Taylor:
            raise TypeError("Taylor.variable(x, order): x must be a real number, got "
                            + _tname(x))
        if not _as_real(direction, &d):
            raise TypeError("Taylor.variable: direction must be a real number, got "
                            + _tname(direction))
        cdef Taylor r = t_constant(v, order + 1, tag)
        if order >= 1:
            r.c[1] = d
        return r

    @staticmethod
    def constant(x, int order, int tag=0):
        """A constant of the given order (every coefficient past the value 0)."""
        cdef double v
        if order < 0:
            raise ValueError("order must be >= 0, got {0}".format(order))
        if not _as_real(x, &v):
            raise TypeError("Taylor.constant(x, order): x must be a real number")
        return t_constant(v, order + 1, tag)

    @property
    def value(self):
        """The value c0 = f(x)."""
        return self.c[0]

    @property
    def order(self):
        """The order k (the number of coefficients minus 1)."""
        return self.n - 1

    @property
    def coefficients(self):
        """The coefficients [c0, ..., ck], c_j = f^(j)(x) / j!, as a new float array."""
        cdef cnp.npy_intp dim = self.n
        cdef cnp.ndarray a = cnp.PyArray_EMPTY(1, &dim, cnp.NPY_DOUBLE, 0)
        memcpy(cnp.PyArray_DATA(a), self.c, self.n * sizeof(double))
        return a

    @property
    def derivatives(self):
        """The derivatives [f(x), f'(x), ..., f^(k)(x)] = j! c_j, as a float array."""
        a = self.coefficients
        f = 1.0
        for j in range(2, self.n):
            f *= j
            a[j] *= f
        return a

    __array_priority__ = 100

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _array_ufunc(ufunc, method, inputs, kwargs)

    def compose(self, coefficients):
        """g(self) for a function g whose Taylor coefficients at the value
        u0 = ``self.value`` are known: ``coefficients[m] = g^(m)(u0) / m!`` for
        m = 0..order (more are ignored).  Faa di Bruno's formula evaluated by
        Horner's rule on Cauchy products, O(order**3): the way to give a Taylor
        rule to a function outside the rule table.

        Examples
        --------
        >>> import math
        >>> from dualcalc import Taylor
        >>> x = Taylor.variable(0.0, 3)
        >>> (2 * x).compose([1.0, 1.0, 0.5, 1 / 6])       # exp at 0, composed with 2t
        Taylor([1.0, 2.0, 2.0, 1.3333333333333333])
        """
        cdef double v
        cdef Taylor a = new_taylor(self.n, self.tag)
        cdef Taylor r = new_taylor(self.n, self.tag)
        cdef _Buf b = _Buf()
        cdef double* w = scratch(b, self.n)
        try:
            cs = list(coefficients)
        except TypeError:
            raise TypeError("compose(coefficients): expected a sequence of real numbers, "
                            "got " + _tname(coefficients)) from None
        if len(cs) < self.n:
            raise ValueError("compose(coefficients): {0} coefficients are needed for "
                             "order {1}, got {2}".format(self.n, self.n - 1, len(cs)))
        for j in range(self.n):
            if type(cs[j]) is Taylor or not _as_real(cs[j], &v):
                raise TypeError("compose(coefficients): coefficient {0} must be a real "
                                "number, got {1}".format(j, _tname(cs[j])))
            a.c[j] = v
        s_compose(a.c, self.c, r.c, w, self.n)
        return r

    def _apply_rule(self, int rid):
        """A rule of the table by id (dualcalc.math's route to erf, erfc,
        gamma, lgamma, which have no NumPy ufunc)."""
        return taylor_unary(self, rid)

    def __reduce__(self):
        return (_from_bytes, (struct.pack("<%dd" % self.n,
                                          *[self.c[j] for j in range(self.n)]), self.tag))

    def __repr__(self):
        s = "Taylor([" + ", ".join(repr(self.c[j]) for j in range(self.n)) + "]"
        if self.tag:
            s += ", tag={0}".format(self.tag)
        return s + ")"

    def __str__(self):
        parts = [repr(self.c[0])]
        for j in range(1, self.n):
            c = self.c[j]
            unit = "t" if j == 1 else "t^{0}".format(j)
            if c < 0.0 or (c == 0.0 and copysign(1.0, c) < 0.0):
                parts.append(" - {0!r}{1}".format(-c, unit))
            else:
                parts.append(" + {0!r}{1}".format(c, unit))
        return "".join(parts)

    def __float__(self):
        raise TypeError(_FLOAT_MESSAGE.format("float"))

    def __int__(self):
        raise TypeError(_FLOAT_MESSAGE.format("int"))

    def __complex__(self):
        raise TypeError(_FLOAT_MESSAGE.format("complex"))

    def __index__(self):
        raise TypeError(_FLOAT_MESSAGE.format("an integer index"))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __floor__(self):
        return int(floor(self.c[0]))

    def __ceil__(self):
        return -int(floor(-self.c[0]))

    def __trunc__(self):
        return int(self.c[0])

    def __round__(self, ndigits=None):
        if ndigits is None:
            return round(self.c[0])
        return t_constant(round(self.c[0], ndigits), self.n, self.tag)

    def __hash__(self):
        return hash(self.c[0])

    def __bool__(self):
        return self.c[0] != 0.0

    # comparisons: values only
    def __eq__(self, other):
        return _cmp(self, other, 2)

    def __ne__(self, other):
        return _cmp(self, other, 3)

    def __lt__(self, other):
        return _cmp(self, other, 0)

    def __le__(self, other):
        return _cmp(self, other, 1)

    def __gt__(self, other):
        return _cmp(self, other, 4)

    def __ge__(self, other):
        return _cmp(self, other, 5)

    def __neg__(self):
        return taylor_unary(self, R_NEGATIVE)

    def __pos__(self):
        return self

    def __abs__(self):
        return taylor_unary(self, R_ABS)

    def __add__(self, other):
        return _binop(self, other, OP_ADD)

    def __radd__(self, other):
        return _binop(other, self, OP_ADD)

    def __sub__(self, other):
        return _binop(self, other, OP_SUB)

    def __rsub__(self, other):
        return _binop(other, self, OP_SUB)

    def __mul__(self, other):
        return _binop(self, other, OP_MUL)

    def __rmul__(self, other):
        return _binop(other, self, OP_MUL)

    def __truediv__(self, other):
        return _binop(self, other, OP_DIV)

    def __rtruediv__(self, other):
        return _binop(other, self, OP_DIV)

    def __floordiv__(self, other):
        return _binop(self, other, OP_FLOORDIV)

    def __rfloordiv__(self, other):
        return _binop(other, self, OP_FLOORDIV)

    def __mod__(self, other):
        return _binop(self, other, OP_MOD)

    def __rmod__(self, other):
        return _binop(other, self, OP_MOD)

    def __divmod__(self, other):
        q = _binop(self, other, OP_FLOORDIV)
        if q is NotImplemented:
            return q
        return (q, _binop(self, other, OP_MOD))

    def __rdivmod__(self, other):
        q = _binop(other, self, OP_FLOORDIV)
        if q is NotImplemented:
            return q
        return (q, _binop(other, self, OP_MOD))

    def __pow__(self, other, mod):
        cdef double r
        if mod is not None:
            return NotImplemented
        if _as_real(other, &r):
            _check_operator(OP_POW, self.c[0], r)
            return taylor_pow_real(self, r)
        return _binop(self, other, OP_POW)

    def __rpow__(self, other, mod):
        if mod is not None:
            return NotImplemented
        return _binop(other, self, OP_POW)

    # the methods NumPy's object-array loops call by name
    def sin(self): return taylor_unary(self, R_SIN)
    def cos(self): return taylor_unary(self, R_COS)
    def tan(self): return taylor_unary(self, R_TAN)
    def arcsin(self): return taylor_unary(self, R_ASIN)
    def arccos(self): return taylor_unary(self, R_ACOS)
    def arctan(self): return taylor_unary(self, R_ATAN)
    def sinh(self): return taylor_unary(self, R_SINH)
    def cosh(self): return taylor_unary(self, R_COSH)
    def tanh(self): return taylor_unary(self, R_TANH)
    def arcsinh(self): return taylor_unary(self, R_ASINH)
    def arccosh(self): return taylor_unary(self, R_ACOSH)
    def arctanh(self): return taylor_unary(self, R_ATANH)
    def exp(self): return taylor_unary(self, R_EXP)
    def exp2(self): return taylor_unary(self, R_EXP2)
    def expm1(self): return taylor_unary(self, R_EXPM1)
    def log(self): return taylor_unary(self, R_LOG)
    def log2(self): return taylor_unary(self, R_LOG2)
    def log10(self): return taylor_unary(self, R_LOG10)
    def log1p(self): return taylor_unary(self, R_LOG1P)
    def sqrt(self): return taylor_unary(self, R_SQRT)
    def cbrt(self): return taylor_unary(self, R_CBRT)
    def square(self): return taylor_unary(self, R_SQUARE)
    def reciprocal(self): return taylor_unary(self, R_RECIPROCAL)
    def fabs(self): return taylor_unary(self, R_ABS)
    def sign(self): return taylor_unary(self, R_SIGN)
    def degrees(self): return taylor_unary(self, R_DEGREES)
    def radians(self): return taylor_unary(self, R_RADIANS)
    def rad2deg(self): return taylor_unary(self, R_DEGREES)
    def deg2rad(self): return taylor_unary(self, R_RADIANS)
    def floor(self): return taylor_unary(self, R_FLOOR)
    def ceil(self): return taylor_unary(self, R_CEIL)
    def trunc(self): return taylor_unary(self, R_TRUNC)
    def rint(self): return taylor_unary(self, R_RINT)
    def conjugate(self): return self
    def arctan2(self, other): return _method2(self, other, OP_ATAN2)
    def hypot(self, other): return _method2(self, other, OP_HYPOT)
    def logaddexp(self, other): return _method2(self, other, OP_LOGADDEXP)
    def logaddexp2(self, other): return _method2(self, other, OP_LOGADDEXP2)
    def copysign(self, other): return _method2(self, other, OP_COPYSIGN)


cdef object _method2(object x, object y, int op):
    r = taylor_binary(x, y, op, T_IEEE)
    if r is NotImplemented:
        raise TypeError("unsupported operand types: {0} and {1}".format(_tname(x), _tname(y)))
    return r


cdef object _cmp(Taylor self, object other, int how):
    cdef double y
    if type(other) is Taylor:
        y = (<Taylor>other).c[0]
    elif not _as_real(other, &y):
        return NotImplemented
    cdef double x = self.c[0]
    if how == 0:
        return x < y
    if how == 1:
        return x <= y
    if how == 2:
        return x == y
    if how == 3:
        return x != y
    if how == 4:
        return x > y
    return x >= y


# ---------------------------------------------------------------- for tests and verbs
def unary(Taylor x, int rid):
    """Apply rule ``rid`` of the table to x (IEEE semantics)."""
    return taylor_unary(x, rid)


def binary(x, y, int op):
    """x op y for operation id ``op`` (IEEE semantics); TypeError for other operands."""
    return _method2(x, y, op)


RULES = {
    "sin": R_SIN, "cos": R_COS, "tan": R_TAN, "asin": R_ASIN, "acos": R_ACOS,
    "atan": R_ATAN, "sinh": R_SINH, "cosh": R_COSH, "tanh": R_TANH, "asinh": R_ASINH,
    "acosh": R_ACOSH, "atanh": R_ATANH, "exp": R_EXP, "exp2": R_EXP2, "expm1": R_EXPM1,
    "log": R_LOG, "log2": R_LOG2, "log10": R_LOG10, "log1p": R_LOG1P, "sqrt": R_SQRT,
    "cbrt": R_CBRT, "erf": R_ERF, "erfc": R_ERFC, "gamma": R_GAMMA, "lgamma": R_LGAMMA,
    "abs": R_ABS, "degrees": R_DEGREES, "radians": R_RADIANS, "floor": R_FLOOR,
    "ceil": R_CEIL, "trunc": R_TRUNC, "rint": R_RINT, "square": R_SQUARE,
    "reciprocal": R_RECIPROCAL, "sign": R_SIGN, "negative": R_NEGATIVE,
    "positive": R_POSITIVE, "digamma": R_DIGAMMA,
}

OPS = {
    "add": OP_ADD, "sub": OP_SUB, "mul": OP_MUL, "div": OP_DIV, "pow": OP_POW,
    "atan2": OP_ATAN2, "hypot": OP_HYPOT, "copysign": OP_COPYSIGN, "fmod": OP_FMOD,
    "mod": OP_MOD, "floor_divide": OP_FLOORDIV, "remainder": OP_REMAINDER,
    "logaddexp": OP_LOGADDEXP, "logaddexp2": OP_LOGADDEXP2, "maximum": OP_MAXIMUM,
    "minimum": OP_MINIMUM, "fmax": OP_FMAX, "fmin": OP_FMIN,
    # the names of dualcalc._core._table.BINARY
    "subtract": OP_SUB, "multiply": OP_MUL, "divide": OP_DIV, "power": OP_POW,
}
