# cython: language_level=3
"""The rule table: the calculus of every elementary function, written once.

Design: each kernel ``k_<name>(x)`` returns the triple (g(x), g'(x), g''(x)) at a
real x as a C struct.  The number types (Dual, HyperDual, the array types) never
know the calculus of g; each only applies its own chain rule to the triple.
``rule_eval(rid, x)`` dispatches on a rule id (enum below); when rid is a
compile-time constant at the call site the C compiler folds the switch away.

Two-argument functions (pow, atan2, hypot, ...) are not in this table: their
partial derivatives are written per operation in ``_binary.pxd``.
"""
from libc.math cimport (sin, cos, tan, asin, acos, atan, sinh, cosh, tanh,
                        asinh, acosh, atanh, exp, exp2, expm1, log, log2, log10,
                        log1p, sqrt, cbrt, erf, erfc, tgamma, lgamma, fabs,
                        floor, ceil, trunc, rint, hypot, round as c_round,
                        pow, atan2, copysign, fmod, remainder, frexp, ldexp,
                        isnan, isinf, isfinite, NAN, INFINITY, M_PI)

ctypedef struct triple:
    double f
    double d1
    double d2
    # g''(x) = d2 * 2**d2e.  d2e is 0 except where g'' alone leaves the double
    # range (log(1e200)'' = -1e-400) although g''·e1·e2 does not (e1 ~ x): the
    # chain rules multiply by the tangents first (``second_term``).
    int d2e
    # g'(x) = d1 * 2**d1e, likewise: d1e is 0 except where g' alone leaves the
    # normal double range (reciprocal'(1e173) = -1e-346, log'(5e-324) = 2e323)
    # although g'·e does not (e ~ x); applied by ``first_term``.
    int d1e

cdef enum Rule:
    R_SIN
    R_COS
    R_TAN
    R_ASIN
    R_ACOS
    R_ATAN
    R_SINH
    R_COSH
    R_TANH
    R_ASINH
    R_ACOSH
    R_ATANH
    R_EXP
    R_EXP2
    R_EXPM1
    R_LOG
    R_LOG2
    R_LOG10
    R_LOG1P
    R_SQRT
    R_CBRT
    R_ERF
    R_ERFC
    R_GAMMA
    R_LGAMMA
    R_ABS
    R_DEGREES
    R_RADIANS
    R_FLOOR
    R_CEIL
    R_TRUNC
    R_RINT
    R_SQUARE
    R_RECIPROCAL
    R_SIGN
    R_NEGATIVE
    R_POSITIVE
    R_DIGAMMA
    R_COUNT

cdef extern from *:
    """
    #define DC_LN2 0.6931471805599453094
    #define DC_LN10 2.302585092994045684
    #define DC_TWO_OVER_SQRTPI 1.1283791670955125739
    #define DC_DEG_PER_RAD 57.295779513082320877
    #define DC_RAD_PER_DEG 0.017453292519943295769
    #define DC_LOG_TWO_OVER_SQRTPI 0.12078223763524522234551844578
    #define DC_LOG2_LN2 -0.52876637294489761424749777978
    #if defined(__GNUC__)
    #define DC_UNLIKELY(x) __builtin_expect(!!(x), 0)
    #else
    #define DC_UNLIKELY(x) (x)
    #endif
    """
    bint UNLIKELY "DC_UNLIKELY" (bint) noexcept nogil
    const double LN2 "DC_LN2"
    const double LN10 "DC_LN10"
    const double TWO_OVER_SQRTPI "DC_TWO_OVER_SQRTPI"
    const double DEG_PER_RAD "DC_DEG_PER_RAD"
    const double RAD_PER_DEG "DC_RAD_PER_DEG"
    const double LOG_TWO_OVER_SQRTPI "DC_LOG_TWO_OVER_SQRTPI"
    const double LOG2_LN2 "DC_LOG2_LN2"


cdef inline triple mk(double f, double d1, double d2) noexcept nogil:
    cdef triple t
    t.f = f
    t.d1 = d1
    t.d2 = d2
    t.d2e = 0
    t.d1e = 0
    return t


cdef inline bint in_normal_range(double v) noexcept nogil:
    """|v| in [DBL_MIN, DBL_MAX] (false for 0, subnormals, inf, nan), as one
    branch-free test."""
    cdef double a = fabs(v)
    return (a >= 2.2250738585072014e-308) & (a <= 1.7976931348623157e308)


cdef inline bint is_normal(double v) noexcept nogil:
    """v is a finite double of normal magnitude (not subnormal, not 0)."""
    return isfinite(v) and fabs(v) >= 2.2250738585072014e-308


cdef inline double quot_scaled(double num, double x, int k, int* e) noexcept nogil:
    """num / x**k as a mantissa q in [2**-1, 2**k) times 2**e[0] (num and x
    finite and nonzero): both are split by frexp, so neither the quotient nor
    the powers of x leave the double range."""
    cdef int en = 0, ex = 0, i
    cdef double q = frexp(num, &en)
    cdef double m = frexp(x, &ex)
    for i in range(k):
        q = q / m
    e[0] = en - k * ex
    return q


cdef inline triple with_d1_over(triple t, double num, double x, int k) noexcept nogil:
    """t with g' = num / x**k carried as a mantissa and the exponent d1e where
    the plain d1 left the normal range (or underflowed to 0) but num and x are
    finite and nonzero.  A nan d1 (outside the domain) is left alone."""
    if not UNLIKELY(not in_normal_range(t.d1)):
        return t                      # the common case: one predictable branch
    if (isnan(t.d1) or num == 0.0 or x == 0.0 or not isfinite(num)
            or not isfinite(x)):
        return t
    t.d1 = quot_scaled(num, x, k, &t.d1e)
    return t


cdef inline double mul_scaled(double m, int e, double a) noexcept nogil:
    """m * 2**e * a for a nonzero tangent a, with the exponent applied last
    (a is split by frexp, so m * a neither overflows nor underflows first)."""
    cdef int ea = 0
    cdef double ma
    if not isfinite(a):
        return m * a
    ma = frexp(a, &ea)
    return ldexp(m * ma, e + ea)


cdef inline double scaled_term(double d, int e, double a) noexcept nogil:
    """(d·2**e)·a for a tangent a: 0 when a is exactly 0 (even for an infinite
    or nan d), the exponent e (0 unless the factor alone leaves the double
    range) applied after the product."""
    if a == 0.0:
        return 0.0
    if e == 0:
        return d * a
    return mul_scaled(d, e, a)


cdef inline double scaled_value(double d, int e) noexcept nogil:
    """d·2**e itself (over/underflowing where it is scaled)."""
    return ldexp(d, e) if e != 0 else d


cdef inline double first_term(triple t, double a) noexcept nogil:
    """g'·a for a tangent a (see scaled_term)."""
    return scaled_term(t.d1, t.d1e, a)


cdef inline double d1_value(triple t) noexcept nogil:
    """g'(x) itself (over/underflowing where it is scaled)."""
    return scaled_value(t.d1, t.d1e)


cdef inline triple mk_d2_over(double f, double d1, double d2, double num, double x,
                              int k) noexcept nogil:
    """(f, d1, d2) for a rule whose d2 = num / x**k.  Where d2 underflowed
    (or overflowed) but num and x are finite and nonzero, d2 is carried instead
    as the mantissa num / m**k and the exponent -k e (x = m 2**e, 0.5 <= |m| < 1),
    which the chain rules apply after multiplying by the tangents."""
    cdef triple t = mk(f, d1, d2)
    cdef int e = 0, i
    cdef double m, q
    if not UNLIKELY(not in_normal_range(d2)):
        return t                      # the common case: one predictable branch
    if (isnan(d2) or num == 0.0 or x == 0.0 or not isfinite(num) or not isfinite(x)
            or (isfinite(d2) and fabs(d2) >= 2.2250738585072014e-308)):
        return t
    m = frexp(x, &e)
    q = num
    for i in range(k):
        q = q / m
    t.d2 = q
    t.d2e = -k * e
    return t


cdef inline double second_p(double g, int ge, double a, double b) noexcept nogil:
    """(g·2**ge)·a·b for tangents a, b: 0 when either is exactly 0 (even for an
    infinite or nan g); where ge != 0 the tangents are split by frexp, so that
    neither product leaves the range (or loses digits to a subnormal tangent)
    before the exponents are applied."""
    cdef int ea = 0, eb = 0
    cdef double ma, mb
    if a == 0.0 or b == 0.0:
        return 0.0
    if ge == 0 or not (isfinite(a) and isfinite(b)):
        return (g * a) * b
    ma = frexp(a, &ea)
    mb = frexp(b, &eb)
    return ldexp((g * ma) * mb, ge + ea + eb)


cdef inline double second_term(triple t, double a, double b) noexcept nogil:
    """g''·a·b for tangents a, b (see second_p)."""
    return second_p(t.d2, t.d2e, a, b)


cdef inline double d2_value(triple t) noexcept nogil:
    """g''(x) itself (over/underflowing where it is scaled)."""
    return ldexp(t.d2, t.d2e) if t.d2e != 0 else t.d2


# ---------------------------------------------------------------- special functions
cdef inline double sinpi(double x) noexcept nogil:
    """sin(pi x) with the argument reduced exactly, so that it is 0 at integers."""
    cdef double n = c_round(x)
    cdef double r = sin(M_PI * (x - n))
    if fmod2(n) != 0.0:
        return -r
    return r

cdef inline double cospi_over_sinpi(double x) noexcept nogil:
    """cot(pi x), with exact argument reduction (period 1)."""
    cdef double f = x - c_round(x)
    return cos(M_PI * f) / sin(M_PI * f)

cdef inline double fmod2(double n) noexcept nogil:
    # n is an integer-valued double; returns n mod 2 in {0, 1}
    return fabs(n - 2.0 * floor(n * 0.5))


cdef inline double digamma(double x) noexcept nogil:
    """psi(x) = d/dx log Gamma(x): recurrence up to x >= 10, then the asymptotic series."""
    cdef double r = 0.0, x2, s
    if isnan(x):
        return x
    if x <= 0.0:
        if x == floor(x):
            return NAN               # pole of Gamma
        # reflection: psi(x) = psi(1 - x) - pi cot(pi x)
        return digamma(1.0 - x) - M_PI * cospi_over_sinpi(x)
    if isinf(x):
        return x
    while x < 10.0:
        r -= 1.0 / x
        x += 1.0
    x2 = 1.0 / (x * x)
    s = x2 * (1.0/12 - x2 * (1.0/120 - x2 * (1.0/252 - x2 * (1.0/240 - x2 * (
        1.0/132 - x2 * (691.0/32760 - x2 * (1.0/12 - x2 * 3617.0/8160)))))))
    return r + log(x) - 0.5 / x - s


cdef inline double trigamma(double x) noexcept nogil:
    """psi'(x): recurrence up to x >= 10, then the asymptotic series."""
    cdef double r = 0.0, x2, s, sp
    if isnan(x):
        return x
    if x <= 0.0:
        if x == floor(x):
            return NAN
        # reflection: psi'(x) + psi'(1 - x) = pi^2 / sin^2(pi x)
        sp = sinpi(x)
        return (M_PI * M_PI) / (sp * sp) - trigamma(1.0 - x)
    if isinf(x):
        return 0.0
    while x < 10.0:
        r += 1.0 / (x * x)
        x += 1.0
    x2 = 1.0 / (x * x)
    s = x2 * (1.0/6 - x2 * (1.0/30 - x2 * (1.0/42 - x2 * (1.0/30 - x2 * (
        5.0/66 - x2 * (691.0/2730 - x2 * (7.0/6 - x2 * 3617.0/510)))))))
    return r + (1.0 + (0.5 + s * x) / x) / x


cdef inline double tetragamma(double x) noexcept nogil:
    """psi''(x), needed for trigamma's second derivative."""
    cdef double r = 0.0, x2, s, sp
    if isnan(x):
        return x
    if x <= 0.0:
        if x == floor(x):
            return NAN
        # differentiate the reflection of trigamma:
        # psi''(x) = psi''(1 - x) - 2 pi^3 cos(pi x) / sin^3(pi x)
        sp = sinpi(x)
        return tetragamma(1.0 - x) - 2.0 * M_PI * M_PI * M_PI * cospi_over_sinpi(x) / (sp * sp)
    if isinf(x):
        return 0.0
    while x < 10.0:
        r -= 2.0 / (x * x * x)
        x += 1.0
    x2 = 1.0 / (x * x)
    # psi''(x) ~ -1/x^2 - 1/x^3 - sum B_2k (2k+1) / x^(2k+2)
    # (2k+1) |B_2k| for k = 1..10: at x = 10 the first term left out is 1e-16
    # relative (the series stopped at k = 7 before, 1e-14 relative)
    s = x2 * (0.5 - x2 * (1.0/6 - x2 * (1.0/6 - x2 * (0.3 - x2 * (
        5.0/6 - x2 * (691.0/210 - x2 * (35.0/2 - x2 * (3617.0/30 - x2 * (
            43867.0/42 - x2 * (1222277.0/110))))))))))
    return r - x2 * (1.0 + 1.0 / x + s)


# ---------------------------------------------------------------- kernels
cdef inline triple k_sin(double x) noexcept nogil:
    cdef double s = sin(x)
    return mk(s, cos(x), -s)

cdef inline triple k_cos(double x) noexcept nogil:
    cdef double c = cos(x)
    return mk(c, -sin(x), -c)

cdef inline triple k_tan(double x) noexcept nogil:
    cdef double t = tan(x)
    cdef double s2 = 1.0 + t * t
    return mk(t, s2, 2.0 * t * s2)

cdef inline triple k_asin(double x) noexcept nogil:
    cdef double q = (1.0 - x) * (1.0 + x)
    cdef double r = 1.0 / sqrt(q)
    return mk(asin(x), r, x * r / q)

cdef inline triple k_acos(double x) noexcept nogil:
    cdef double q = (1.0 - x) * (1.0 + x)
    cdef double r = 1.0 / sqrt(q)
    return mk(acos(x), -r, -x * r / q)

cdef inline triple k_atan(double x) noexcept nogil:
    cdef double r = 1.0 / (1.0 + x * x)
    if fabs(x) > 1e150:
        # 1/x**2 itself underflows from |x| ~ 1e154 on: scaled there
        return with_d1_over(mk_d2_over(atan(x), (1.0 / x) / x, (-2.0 / x) / x / x, -2.0, x, 3),
                            1.0, x, 2)
    # -2x r**2 underflows from |x| ~ 1e103 on (r ~ 1/x**2): scaled there
    return mk_d2_over(atan(x), r, -2.0 * x * r * r, -2.0 * x * r, 1.0 + x * x, 1)

cdef inline triple k_sinh(double x) noexcept nogil:
    cdef double s = sinh(x)
    return mk(s, cosh(x), s)

cdef inline triple k_cosh(double x) noexcept nogil:
    cdef double c = cosh(x)
    return mk(c, sinh(x), c)

cdef inline triple k_tanh(double x) noexcept nogil:
    cdef double t = tanh(x)
    cdef double s2
    if fabs(x) > 0.5:
        # 1 - tanh^2 = 1/cosh^2 is accurate where 1 - t*t would cancel
        s2 = 1.0 / cosh(x)
        s2 = s2 * s2
    else:
        s2 = (1.0 - t) * (1.0 + t)
    return mk(t, s2, -2.0 * t * s2)

cdef inline triple k_asinh(double x) noexcept nogil:
    cdef double h = hypot(x, 1.0)
    # 1/h is subnormal for h > 4.5e307: scaled there
    return with_d1_over(mk_d2_over(asinh(x), 1.0 / h, -(x / h) / h / h, -(x / h), h, 2),
                        1.0, h, 1)

cdef inline triple k_acosh(double x) noexcept nogil:
    cdef double s = sqrt((x - 1.0) * (x + 1.0))
    if x > 1e150:
        s = x
    return with_d1_over(mk_d2_over(acosh(x), 1.0 / s, -(x / s) / s / s, -(x / s), s, 2),
                        1.0, s, 1)

cdef inline triple k_atanh(double x) noexcept nogil:
    cdef double r = 1.0 / ((1.0 - x) * (1.0 + x)) if fabs(x) <= 1.0 else NAN
    return mk(atanh(x), r, 2.0 * x * r * r)

cdef inline triple k_exp(double x) noexcept nogil:
    cdef double e = exp(x)
    return mk(e, e, e)

cdef inline triple k_exp2(double x) noexcept nogil:
    cdef double e = exp2(x)
    if x > 1023.0:
        # 2**x overflows from x = 1024 on, but ln2 * 2**x only from x = 1024.53 on:
        # fold the factors into the exponent
        return mk(e, exp2(x + LOG2_LN2), exp2(x + 2.0 * LOG2_LN2))
    return mk(e, LN2 * e, LN2 * LN2 * e)

cdef inline triple k_expm1(double x) noexcept nogil:
    cdef double e = exp(x)
    return mk(expm1(x), e, e)

cdef inline double recip_domain(double x) noexcept nogil:
    """1/x on the domain [0, inf] of log and sqrt: nan outside it (x < 0), and
    +inf at both zeros -- log(-0.0) and sqrt(-0.0) are the values at 0, so their
    derivatives are the one-sided limits from inside the domain (1/-0.0 = -inf
    would flip them)."""
    if x > 0.0:
        return 1.0 / x
    if x == 0.0:
        return INFINITY
    return NAN

cdef inline triple k_log(double x) noexcept nogil:
    # outside the domain (x < 0) the derivatives are nan like the value
    cdef double r = recip_domain(x)
    # 1/x overflows for subnormal x (and is subnormal for x > 4.5e307): scaled
    # (-1/x**2 for the scaled g'': -r overflows for subnormal x)
    return with_d1_over(mk_d2_over(log(x), r, -r * r, -1.0, x, 2), 1.0, x, 1)

cdef inline triple k_log2(double x) noexcept nogil:
    cdef double r = recip_domain(x)
    return with_d1_over(mk_d2_over(log2(x), r / LN2, -r * r / LN2, -1.0 / LN2, x, 2),
                        1.0 / LN2, x, 1)

cdef inline triple k_log10(double x) noexcept nogil:
    cdef double r = recip_domain(x)
    return with_d1_over(mk_d2_over(log10(x), r / LN10, -r * r / LN10, -1.0 / LN10, x, 2),
                        1.0 / LN10, x, 1)

cdef inline triple k_log1p(double x) noexcept nogil:
    cdef double r = 1.0 / (1.0 + x) if x >= -1.0 else NAN
    return with_d1_over(mk_d2_over(log1p(x), r, -r * r, -r, 1.0 + x, 1), 1.0, 1.0 + x, 1)

cdef inline triple k_sqrt(double x) noexcept nogil:
    cdef double s = sqrt(x)
    cdef double d1, r
    if x == 0.0:
        # sqrt(-0.0) is -0.0, the value at 0: the derivatives are the limits
        # from inside the domain, +inf and -inf (0.5 / -0.0 would give -inf)
        return mk(s, INFINITY, -INFINITY)
    d1 = 0.5 / s
    return mk_d2_over(s, d1, -0.5 * d1 / x, -0.5 * d1, x, 1)

cdef inline triple k_cbrt(double x) noexcept nogil:
    cdef double c = cbrt(x)
    cdef double d1 = (1.0 / 3.0) / (c * c)
    return mk_d2_over(c, d1, (-2.0 / 3.0) * d1 / x, (-2.0 / 3.0) * d1, x, 1)

cdef inline triple erf_derivatives(double x) noexcept nogil:
    """(-, erf'(x), erf''(x)) = (-, 2/sqrt(pi) exp(-x^2), -2x erf'(x))."""
    cdef double x2 = x * x
    cdef double d1
    if x2 > 700.0:
        # exp(-x2) is (nearly) subnormal: fold the factors into the exponent, so
        # that erf'' does not inherit the digits erf' lost to underflow
        return mk(0.0, exp(LOG_TWO_OVER_SQRTPI - x2),
                  -copysign(exp(log(2.0 * fabs(x)) + LOG_TWO_OVER_SQRTPI - x2), x))
    d1 = TWO_OVER_SQRTPI * exp(-x2)
    return mk(0.0, d1, -2.0 * x * d1)

cdef inline triple k_erf(double x) noexcept nogil:
    cdef triple t = erf_derivatives(x)
    return mk(erf(x), t.d1, t.d2)

cdef inline triple k_erfc(double x) noexcept nogil:
    cdef triple t = erf_derivatives(x)
    return mk(erfc(x), -t.d1, -t.d2)

cdef inline triple k_gamma(double x) noexcept nogil:
    cdef double g = tgamma(x)
    cdef double p = digamma(x)
    if fabs(x) < 1e-100:
        # Gamma''(x) = g (psi**2 + psi') ~ 2 g / x**2 overflows for |x| < ~1e-103
        # although Gamma''·e1·e2 (e ~ x) does not: carried scaled, from
        # psi**2 + psi' = 2/x**2 (1 + gamma x + ...), the rest below an ulp here
        return mk_d2_over(g, g * p, g * (p * p + trigamma(x)), 2.0 * (g * x), x, 3)
    return mk(g, g * p, g * (p * p + trigamma(x)))

cdef inline triple k_lgamma(double x) noexcept nogil:
    if fabs(x) < 1e-100:
        # trigamma(x) = 1/x**2 + pi**2/6 + ... overflows for |x| < ~1e-154:
        # carried scaled (the constant is below an ulp of 1/x**2 here)
        # digamma(x) = -1/x - gamma + ... overflows for subnormal x: scaled
        return with_d1_over(mk_d2_over(lgamma(x), digamma(x), trigamma(x), 1.0, x, 2),
                            -1.0, x, 1)
    return mk(lgamma(x), digamma(x), trigamma(x))

cdef inline triple k_digamma(double x) noexcept nogil:
    if fabs(x) < 1e-100:
        # trigamma ~ 1/x**2 overflows for |x| < ~1e-154, tetragamma ~ -2/x**3
        # for |x| < ~1e-103 (the constants are below an ulp here): scaled
        return with_d1_over(mk_d2_over(digamma(x), trigamma(x), tetragamma(x), -2.0, x, 3),
                            1.0, x, 2)
    return mk(digamma(x), trigamma(x), tetragamma(x))

cdef inline triple k_abs(double x) noexcept nogil:
    # sign convention: abs'(0) = 0, like np.sign(0) = 0
    cdef double s = 0.0
    if x > 0.0:
        s = 1.0
    elif x < 0.0:
        s = -1.0
    elif isnan(x):
        s = x
    return mk(fabs(x), s, 0.0)

cdef inline triple k_sign(double x) noexcept nogil:
    cdef double s = 0.0
    if x > 0.0:
        s = 1.0
    elif x < 0.0:
        s = -1.0
    elif isnan(x):
        s = x
    return k_step(s, x)

cdef inline triple k_step(double f, double x) noexcept nogil:
    """A piecewise-constant rule (floor, ceil, trunc, rint, sign): derivative 0
    everywhere -- also at the jumps (the sign convention), at +-inf and at nan
    (a constant derivative does not depend on the argument, like x + y's 1)."""
    return mk(f, 0.0, 0.0)

cdef inline triple k_rint(double x) noexcept nogil:
    return k_step(rint(x), x)

cdef inline triple k_square(double x) noexcept nogil:
    return mk(x * x, 2.0 * x, 2.0)

cdef inline triple k_reciprocal(double x) noexcept nogil:
    cdef double r = 1.0 / x
    return with_d1_over(mk_d2_over(r, -r * r, 2.0 * r * r * r, 2.0 * r, x, 2), -1.0, x, 2)


cdef inline triple rule_eval(int rid, double x) noexcept nogil:
    if rid == R_SIN:
        return k_sin(x)
    elif rid == R_COS:
        return k_cos(x)
    elif rid == R_TAN:
        return k_tan(x)
    elif rid == R_ASIN:
        return k_asin(x)
    elif rid == R_ACOS:
        return k_acos(x)
    elif rid == R_ATAN:
        return k_atan(x)
    elif rid == R_SINH:
        return k_sinh(x)
    elif rid == R_COSH:
        return k_cosh(x)
    elif rid == R_TANH:
        return k_tanh(x)
    elif rid == R_ASINH:
        return k_asinh(x)
    elif rid == R_ACOSH:
        return k_acosh(x)
    elif rid == R_ATANH:
        return k_atanh(x)
    elif rid == R_EXP:
        return k_exp(x)
    elif rid == R_EXP2:
        return k_exp2(x)
    elif rid == R_EXPM1:
        return k_expm1(x)
    elif rid == R_LOG:
        return k_log(x)
    elif rid == R_LOG2:
        return k_log2(x)
    elif rid == R_LOG10:
        return k_log10(x)
    elif rid == R_LOG1P:
        return k_log1p(x)
    elif rid == R_SQRT:
        return k_sqrt(x)
    elif rid == R_CBRT:
        return k_cbrt(x)
    elif rid == R_ERF:
        return k_erf(x)
    elif rid == R_ERFC:
        return k_erfc(x)
    elif rid == R_GAMMA:
        return k_gamma(x)
    elif rid == R_LGAMMA:
        return k_lgamma(x)
    elif rid == R_ABS:
        return k_abs(x)
    elif rid == R_DEGREES:
        return mk(x * DEG_PER_RAD, DEG_PER_RAD, 0.0)
    elif rid == R_RADIANS:
        return mk(x * RAD_PER_DEG, RAD_PER_DEG, 0.0)
    elif rid == R_FLOOR:
        return k_step(floor(x), x)
    elif rid == R_CEIL:
        return k_step(ceil(x), x)
    elif rid == R_TRUNC:
        return k_step(trunc(x), x)
    elif rid == R_RINT:
        return k_rint(x)
    elif rid == R_SQUARE:
        return k_square(x)
    elif rid == R_RECIPROCAL:
        return k_reciprocal(x)
    elif rid == R_SIGN:
        return k_sign(x)
    elif rid == R_NEGATIVE:
        return mk(-x, -1.0, 0.0)
    elif rid == R_POSITIVE:
        return mk(x, 1.0, 0.0)
    elif rid == R_DIGAMMA:
        return k_digamma(x)
    return mk(NAN, NAN, NAN)


# ================================================================ special cases
# Two-argument functions.  Their calculus cannot come from the one-variable table,
# so each is written here once as its value and partial derivatives at (x, y):
# F, Fx, Fy, Fxx, Fxy, Fyy.  Every number type applies them with one bivariate
# chain rule of its own.

ctypedef struct partials:
    double f
    double fx
    double fy
    double fxx
    double fxy
    double fyy
    # Fx = fx * 2**fxe, Fy = fy * 2**fye: the first partials, like a rule's g',
    # are carried with an exponent where they alone leave the normal double
    # range (d(x/y)/dy = -x/y**2 at y = 1e200); applied by first_x / first_y.
    # The second partials likewise (fxx * 2**fxxe, ...) where a rule sets them:
    # so far division's (d2(x/y)/dy2 = 2x/y**3 at y = 1e173); applied by
    # second_p after the product with both tangents.
    int fxe
    int fye
    int fxxe
    int fxye
    int fyye

cdef enum Op:
    OP_ADD
    OP_SUB
    OP_MUL
    OP_DIV
    OP_POW
    OP_ATAN2
    OP_HYPOT
    OP_COPYSIGN
    OP_FMOD
    OP_MOD
    OP_FLOORDIV
    OP_REMAINDER
    OP_LOGADDEXP
    OP_LOGADDEXP2
    OP_MAXIMUM
    OP_MINIMUM
    OP_FMAX
    OP_FMIN
    OP_COUNT


cdef inline partials mkp(double f, double fx, double fy,
                         double fxx, double fxy, double fyy) noexcept nogil:
    cdef partials p
    p.f = f
    p.fx = fx
    p.fy = fy
    p.fxx = fxx
    p.fxy = fxy
    p.fyy = fyy
    p.fxe = 0
    p.fye = 0
    p.fxxe = 0
    p.fxye = 0
    p.fyye = 0
    return p


cdef inline bint partials_scaled(partials p) noexcept nogil:
    """Does any partial carry an exponent?"""
    return (p.fxe | p.fye | p.fxxe | p.fxye | p.fyye) != 0


cdef inline double first_x(partials p, double a) noexcept nogil:
    """Fx·a for a tangent a (see scaled_term)."""
    return scaled_term(p.fx, p.fxe, a)


cdef inline double first_y(partials p, double a) noexcept nogil:
    """Fy·a for a tangent a (see scaled_term)."""
    return scaled_term(p.fy, p.fye, a)


cdef inline double fx_value(partials p) noexcept nogil:
    return scaled_value(p.fx, p.fxe)


cdef inline double fy_value(partials p) noexcept nogil:
    return scaled_value(p.fy, p.fye)


cdef inline double py_mod(double x, double y) noexcept nogil:
    """x % y with Python's (and NumPy's) sign convention: the result has y's sign."""
    cdef double m = fmod(x, y)
    if m != 0.0:
        if (y < 0.0) != (m < 0.0):
            m += y
    else:
        m = copysign(0.0, y)
    return m


cdef inline double py_floordiv(double x, double y) noexcept nogil:
    """x // y exactly as Python floats (and np.floor_divide) compute it; x // 0
    is x / 0 (+-inf, or nan for 0 // 0), as in NumPy."""
    cdef double m = fmod(x, y)
    if y == 0.0:
        return x / y
    cdef double div = (x - m) / y
    cdef double fd
    if m != 0.0 and ((y < 0.0) != (m < 0.0)):
        div -= 1.0
    if div != 0.0:
        fd = floor(div)
        if div - fd > 0.5:
            fd += 1.0
    else:
        fd = copysign(0.0, x / y)
    return fd


cdef inline bint is_integer(double y) noexcept nogil:
    return y == floor(y) and not isinf(y)


cdef inline double pow_value(double x, double y) noexcept nogil:
    """x ** y as every power in the table computes it: x*x exactly for y = 2
    (libm's pow(x, 2) is not correctly rounded in ~0.1% of cases)."""
    if y == 2.0:
        return x * x
    return pow(x, y)


cdef inline double pow_m1(double x, double y, double f) noexcept nogil:
    """x ** (y - 1) given f = x ** y.  For |y| < 0.5, y - 1 rounds (by up to
    2**-54 absolute), which pow(x, y - 1) magnifies by |log x| (to ~1e-13 at
    x = 1e300); f / x is then exact to an ulp or two, unless f is subnormal."""
    if (fabs(y) < 0.5 and x != 0.0 and isfinite(x) and isfinite(f)
            and fabs(f) >= 2.2250738585072014e-308):
        return f / x
    return pow(x, y - 1.0)


cdef inline triple k_powc(double x, double y) noexcept nogil:
    """x ** y for a constant exponent y, as a rule in x: (x**y, y x**(y-1),
    y (y-1) x**(y-2)).  Integer exponents are exact and defined for negative x;
    the x**(y-1) factors are not evaluated where their coefficient is 0 (so
    x**0 and x**1 have exact zero derivatives even at x = 0), and x**2 is x*x."""
    cdef double f, pm1, pm2
    if y == 2.0:
        return mk(pow_value(x, y), 2.0 * x, 2.0)
    f = pow(x, y)
    if y == 0.0:
        return mk(f, 0.0, 0.0)
    if y == 1.0:
        return mk(f, 1.0, 0.0)
    if fabs(y) < 0.5:
        pm1 = pow_m1(x, y, f)
        if x != 0.0 and isfinite(x) and isfinite(pm1) and fabs(pm1) >= 2.2250738585072014e-308:
            pm2 = pm1 / x                       # x ** (y - 2), as in pow_m1
        else:
            pm2 = pow(x, y - 2.0)
        return powc_scaled(mk(f, y * pm1, y * (y - 1.0) * pm2), x, y)
    return powc_scaled(mk(f, y * pow(x, y - 1.0), y * (y - 1.0) * pow(x, y - 2.0)), x, y)


cdef inline triple powc_scaled(triple t, double x, double y) noexcept nogil:
    """t with y x**(y-1) = y (x**y) / x carried scaled where it alone left the
    normal range (x**-30 at 1e10: -3e-310) but x**y = t.f is a normal double;
    likewise y (y-1) x**(y-2) = y (y-1) (x**y) / x**2."""
    cdef int e = 0, ey = 0, ey1 = 0
    cdef double q
    if (not is_normal(t.f) or y == 0.0 or y == 1.0 or x == 0.0 or not isfinite(x)
            or not isfinite(y)):
        return t
    if not isnan(t.d1) and not is_normal(t.d1):
        q = quot_scaled(t.f, x, 1, &e)
        t.d1 = q * frexp(y, &ey)
        t.d1e = e + ey
    if not isnan(t.d2) and not is_normal(t.d2):
        q = quot_scaled(t.f, x, 2, &e)
        t.d2 = (q * frexp(y, &ey)) * frexp(y - 1.0, &ey1)
        t.d2e = e + ey + ey1
    return t


cdef inline partials p_pow(double x, double y) noexcept nogil:
    """x ** y.  Integer exponents are exact and defined for negative x."""
    cdef triple t = k_powc(x, y)
    cdef double lx, fy, fxy, fyy
    cdef partials p
    if x == 0.0 and y > 0.0:
        # 0 ** y = 0 for every y > 0: no sensitivity to y there.
        # d/dx d/dy x**y = x**(y-1) (1 + y log x) -> 0 for y > 1, -inf for y <= 1
        p = mkp(t.f, t.d1, 0.0, t.d2, 0.0 if y > 1.0 else -INFINITY, 0.0)
        p.fxe = t.d1e
        p.fxxe = t.d2e
        return p
    lx = log(x)                       # nan for x < 0: d/dy of x**y is not real there
    fy = t.f * lx
    fyy = t.f * (lx * lx)             # one rounding where x**y is subnormal
    fxy = pow_m1(x, y, t.f) * (1.0 + y * lx)
    p = mkp(t.f, t.d1, fy, t.d2, fxy, fyy)
    p.fxe = t.d1e
    p.fxxe = t.d2e
    return p


cdef inline partials p_div(double x, double y) noexcept nogil:
    cdef double f = x / y
    cdef double r = 1.0 / y
    cdef double yy, q
    if fabs(y) > 1e-100 and fabs(y) < 1e100:
        # divide x by the powers of y directly: x / y may be subnormal, and
        # scaling its rounded digits up would magnify their error
        yy = y * y
        return div_scaled(mkp(f, r, -(x / yy), 0.0, -(1.0 / yy), 2.0 * (x / (yy * y))), x, y)
    # |y| extreme: y*y would over/underflow.  Divide step by step (f * r would
    # be 0 * inf = nan for x = 0 and a subnormal y).
    q = f / y
    return div_scaled(mkp(f, r, -q, 0.0, -(r / y), 2.0 * (q / y)), x, y)


cdef inline partials div_scaled(partials p, double x, double y) noexcept nogil:
    """The partials 1/y, -x/y**2, -1/y**2 and 2x/y**3 of x / y carried with
    an exponent where they alone leave the normal range (1/y for subnormal or
    huge y, x/y**2 for |y| >~ 1e154 or tiny y, ...) while x and y are finite
    and nonzero."""
    if not UNLIKELY(not (in_normal_range(p.fx) & in_normal_range(p.fxy)
                         & ((in_normal_range(p.fy) & in_normal_range(p.fyy)) | (x == 0.0)))):
        return p                      # the common case: one predictable branch
    if y == 0.0 or not isfinite(y):
        return p
    if not is_normal(p.fx) and not isnan(p.fx):
        p.fx = quot_scaled(1.0, y, 1, &p.fxe)
    if not is_normal(p.fxy) and not isnan(p.fxy):
        p.fxy = -quot_scaled(1.0, y, 2, &p.fxye)        # d2/dxdy = -1/y**2
    if x != 0.0 and isfinite(x):
        if not is_normal(p.fy) and not isnan(p.fy):
            p.fy = -quot_scaled(x, y, 2, &p.fye)
        if not is_normal(p.fyy) and not isnan(p.fyy):
            p.fyy = 2.0 * quot_scaled(x, y, 3, &p.fyye)  # d2/dy2 = 2x/y**3
    return p


cdef inline int scale_exponent(double m) noexcept nogil:
    """0 for m in [2**-250, 2**250], else the binary exponent e of m
    (m = f 2**e, 0.5 <= f < 1).  Homogeneous functions of (x, y) are evaluated
    at (x, y) 2**-e and scaled back, so squares of the coordinates neither
    overflow nor underflow."""
    cdef int e = 0
    if m >= 5.527147875260445e-76 and m <= 1.8092513943330656e75:
        return 0
    frexp(m, &e)
    return e


cdef inline double mul_small(double small, double big) noexcept nogil:
    """small * big, where small (the smaller coordinate, possibly subnormal) is
    multiplied in last so that its digits are not magnified; exactly 0 for a
    zero small even when big is infinite."""
    if small == 0.0:
        return 0.0
    return small * big


cdef inline partials p_atan2(double y, double x) noexcept nogil:
    # atan2(y, x): here the first argument is y.  With r2 = x**2 + y**2:
    # Fy = x / r2, Fx = -y / r2, Fyy = -2xy / r2**2 = -Fxx, Fyx = (y**2 - x**2) / r2**2,
    # evaluated in scaled coordinates (see scale_exponent).
    cdef double ax = fabs(x), ay = fabs(y)
    cdef double m = ax if ax > ay else ay
    cdef double xs, ys, r2, r2i, ab
    cdef int e, ex = 0
    cdef partials p
    if not (m > 0.0 and isfinite(m)):
        # the origin (derivatives undefined: nan), infinities and nan
        r2i = 1.0 / (x * x + y * y)
        return mkp(atan2(y, x), x * r2i, -y * r2i, -2.0 * x * y * r2i * r2i,
                   (y - x) * (y + x) * r2i * r2i, 2.0 * x * y * r2i * r2i)
    e = scale_exponent(m)
    xs = ldexp(x, -e)
    ys = ldexp(y, -e)
    r2 = xs * xs + ys * ys
    if ax <= ay:
        ab = mul_small(xs, ldexp(ys / r2 / r2, -e))
    else:
        ab = mul_small(ys, ldexp(xs / r2 / r2, -e))
    ab = ldexp(ab, -e)                          # x y / r2**2
    p = mkp(atan2(y, x), ldexp(xs / r2, -e), -ldexp(ys / r2, -e), -2.0 * ab,
            ldexp(ldexp((ys - xs) * (ys + xs) / r2 / r2, -e), -e), 2.0 * ab)
    # x / r**2 and y / r**2 (r**2 = r2 2**(2e)) carried with an exponent where
    # they alone leave the normal range (atan2(1e-300, 1e300), atan2 at
    # subnormal arguments)
    if x != 0.0 and not is_normal(p.fx):
        p.fx = quot_scaled(x, r2, 1, &ex)
        p.fxe = ex - 2 * e
    if y != 0.0 and not is_normal(p.fy):
        p.fy = -quot_scaled(y, r2, 1, &ex)
        p.fye = ex - 2 * e
    return p


cdef inline partials p_hypot(double x, double y) noexcept nogil:
    # r = hypot(x, y): Fx = x / r, Fy = y / r, Fxx = y**2 / r**3, Fxy = -xy / r**3,
    # Fyy = x**2 / r**3, evaluated in scaled coordinates (see scale_exponent).
    cdef double r = hypot(x, y)
    cdef double ax = fabs(x), ay = fabs(y)
    cdef double m = ax if ax > ay else ay
    cdef double cx, sy, xs, ys, rs, rs3, fxy
    cdef int e, ex = 0
    cdef partials p
    if r == 0.0:
        # the norm of a zero vector: first derivatives by the sign convention,
        # like abs'(0) = 0; no second derivative exists ((I - u u^T) / r has no
        # limit at the origin), so those are nan (zero tangents keep them out)
        return mkp(r, 0.0, 0.0, NAN, NAN, NAN)
    if not isfinite(m):
        cx = x / r
        sy = y / r
        return mkp(r, cx, sy, sy * sy / r, -cx * sy / r, cx * cx / r)
    e = scale_exponent(m)
    xs = ldexp(x, -e)
    ys = ldexp(y, -e)
    rs = hypot(xs, ys)
    rs3 = rs * rs * rs
    if ax <= ay:
        fxy = -mul_small(xs, ldexp(ys / rs3, -e))
    else:
        fxy = -mul_small(ys, ldexp(xs / rs3, -e))
    p = mkp(r, xs / rs, ys / rs, mul_small(ys, ldexp(ys / rs3, -e)), fxy,
            mul_small(xs, ldexp(xs / rs3, -e)))
    # x / r and y / r (r = rs 2**e) underflow where one coordinate is tiny
    # beside the other (hypot(1e-300, 1e100)): carried with an exponent there
    if x != 0.0 and not is_normal(p.fx):
        p.fx = quot_scaled(x, rs, 1, &ex)
        p.fxe = ex - e
    if y != 0.0 and not is_normal(p.fy):
        p.fy = quot_scaled(y, rs, 1, &ex)
        p.fye = ex - e
    return p


cdef inline partials p_copysign(double x, double y) noexcept nogil:
    cdef double s = 0.0
    if x != 0.0:
        s = copysign(1.0, x) * copysign(1.0, y)
    if isnan(x):
        s = x
    return mkp(copysign(x, y), s, 0.0, 0.0, 0.0, 0.0)


cdef inline partials p_quotient_nan(double f) noexcept nogil:
    """x mod 0, x // 0 and friends: the value is nan (or +-inf for //) and no
    derivative exists in either argument -- nan, not the 1 and 0 the formulas
    below would give."""
    return mkp(f, NAN, NAN, NAN, NAN, NAN)


cdef inline partials p_fmod(double x, double y) noexcept nogil:
    cdef double f = fmod(x, y)
    if isnan(f):               # y = 0, x = +-inf or a nan argument
        return p_quotient_nan(f)
    # x = n*y + f with n = trunc(x / y) an integer
    return mkp(f, 1.0, -rint((x - f) / y), 0.0, 0.0, 0.0)


cdef inline partials p_mod(double x, double y) noexcept nogil:
    cdef double f = py_mod(x, y)
    if isnan(f):               # y = 0, x = +-inf or a nan argument
        return p_quotient_nan(f)
    return mkp(f, 1.0, -rint((x - f) / y), 0.0, 0.0, 0.0)


cdef inline partials p_remainder(double x, double y) noexcept nogil:
    # IEEE remainder (math.remainder): x - n*y with n the nearest integer to x/y
    cdef double f = remainder(x, y)
    if isnan(f):               # y = 0, x = +-inf or a nan argument
        return p_quotient_nan(f)
    return mkp(f, 1.0, -rint((x - f) / y), 0.0, 0.0, 0.0)


cdef inline partials p_logaddexp(double x, double y) noexcept nogil:
    # F = max + log1p(t), t = exp(-|x - y|) <= 1; the weights exp(x - F) and
    # exp(y - F) are 1/(1 + t) (larger argument) and t/(1 + t) (smaller), which
    # neither overflow nor lose the smaller weight to 1/(1 + inf).
    cdef double t, big, small
    if x == y:
        return mkp(x + LN2, 0.5, 0.5, 0.25, -0.25, 0.25)
    t = exp(-fabs(x - y))
    big = 1.0 / (1.0 + t)
    small = t / (1.0 + t)
    if x > y:
        return mkp(x + log1p(t), big, small, big * small, -big * small, big * small)
    return mkp(y + log1p(t), small, big, big * small, -big * small, big * small)


cdef inline partials p_logaddexp2(double x, double y) noexcept nogil:
    # as p_logaddexp in base 2; the second partials carry a factor ln 2
    cdef double t, big, small, c
    if x == y:
        return mkp(x + 1.0, 0.5, 0.5, 0.25 * LN2, -0.25 * LN2, 0.25 * LN2)
    t = exp2(-fabs(x - y))
    big = 1.0 / (1.0 + t)
    small = t / (1.0 + t)
    c = LN2 * big * small
    if x > y:
        return mkp(x + log1p(t) / LN2, big, small, c, -c, c)
    return mkp(y + log1p(t) / LN2, small, big, c, -c, c)


cdef inline partials p_select(double x, double y, bint take_max, bint ignore_nan) noexcept nogil:
    """maximum/minimum (nan-propagating) and fmax/fmin (nan-ignoring).

    The selected argument carries its derivative.  At a tie the two tangents are
    averaged, which keeps max(x, -x) consistent with abs'(0) = 0.
    """
    if isnan(x) or isnan(y):
        if ignore_nan:
            if isnan(x) and not isnan(y):
                return mkp(y, 0.0, 1.0, 0.0, 0.0, 0.0)
            if isnan(y) and not isnan(x):
                return mkp(x, 1.0, 0.0, 0.0, 0.0, 0.0)
        return mkp(NAN, NAN, NAN, 0.0, 0.0, 0.0)
    if x == y:
        return mkp(x, 0.5, 0.5, 0.0, 0.0, 0.0)
    if (x > y) == take_max:
        return mkp(x, 1.0, 0.0, 0.0, 0.0, 0.0)
    return mkp(y, 0.0, 1.0, 0.0, 0.0, 0.0)


cdef inline partials binary_eval(int op, double x, double y) noexcept nogil:
    if op == OP_ADD:
        return mkp(x + y, 1.0, 1.0, 0.0, 0.0, 0.0)
    elif op == OP_SUB:
        return mkp(x - y, 1.0, -1.0, 0.0, 0.0, 0.0)
    elif op == OP_MUL:
        return mkp(x * y, y, x, 0.0, 1.0, 0.0)
    elif op == OP_DIV:
        return p_div(x, y)
    elif op == OP_POW:
        return p_pow(x, y)
    elif op == OP_ATAN2:
        return p_atan2(x, y)
    elif op == OP_HYPOT:
        return p_hypot(x, y)
    elif op == OP_COPYSIGN:
        return p_copysign(x, y)
    elif op == OP_FMOD:
        return p_fmod(x, y)
    elif op == OP_MOD:
        return p_mod(x, y)
    elif op == OP_FLOORDIV:
        if y == 0.0 or isnan(x) or isnan(y):
            return p_quotient_nan(py_floordiv(x, y))
        return mkp(py_floordiv(x, y), 0.0, 0.0, 0.0, 0.0, 0.0)
    elif op == OP_REMAINDER:
        return p_remainder(x, y)
    elif op == OP_LOGADDEXP:
        return p_logaddexp(x, y)
    elif op == OP_LOGADDEXP2:
        return p_logaddexp2(x, y)
    elif op == OP_MAXIMUM:
        return p_select(x, y, True, False)
    elif op == OP_MINIMUM:
        return p_select(x, y, False, False)
    elif op == OP_FMAX:
        return p_select(x, y, True, True)
    elif op == OP_FMIN:
        return p_select(x, y, False, True)
    return mkp(NAN, NAN, NAN, NAN, NAN, NAN)
