# cython: language_level=3
"""The compiled half of ``dualcalc.math``.

Design: each function takes the float path (Python's own ``math`` function,
so floats give exactly what ``math`` gives) or the dual path (the rule table
through the type's chain rule).  On the dual path a non-finite result from a
finite argument is handed back to ``math`` on the value, so domain and range
errors are math's own ValueError/OverflowError.
"""
from libc.math cimport isfinite as c_isfinite

from dualcalc._core._rules cimport (
    triple, rule_eval,
    R_SIN, R_COS, R_TAN, R_ASIN, R_ACOS, R_ATAN, R_SINH, R_COSH, R_TANH,
    R_ASINH, R_ACOSH, R_ATANH, R_EXP, R_EXP2, R_EXPM1, R_LOG, R_LOG2, R_LOG10,
    R_LOG1P, R_SQRT, R_CBRT, R_ERF, R_ERFC, R_GAMMA, R_LGAMMA, R_ABS, R_DEGREES,
    R_RADIANS, R_FLOOR, R_CEIL, R_TRUNC,
    OP_DIV, OP_POW, OP_ATAN2, OP_HYPOT, OP_COPYSIGN, OP_FMOD, OP_REMAINDER)
from dualcalc._core._scalar cimport (
    Dual, HyperDual, dual_chain, hyper_chain, new_dual, new_hyper,
    binary, ERR_MATH, ERR_OPERATOR)
from dualcalc._core._taylor cimport Taylor, taylor_unary, taylor_binary
from dualcalc._core._vec cimport DualVec, HyperDualVec, vchain, vbinary
from dualcalc._core._vec import with_value, scale     # every dual scalar type

import math as _m

import numpy as np

# math's functions as C globals: no attribute lookup on the hot path
cdef object _pm_acos = _m.acos
cdef object _pm_acosh = _m.acosh
cdef object _pm_asin = _m.asin
cdef object _pm_asinh = _m.asinh
cdef object _pm_atan = _m.atan
cdef object _pm_atan2 = _m.atan2
cdef object _pm_atanh = _m.atanh
cdef object _pm_ceil = _m.ceil
cdef object _pm_copysign = _m.copysign
cdef object _pm_cos = _m.cos
cdef object _pm_cosh = _m.cosh
cdef object _pm_degrees = _m.degrees
cdef object _pm_erf = _m.erf
cdef object _pm_erfc = _m.erfc
cdef object _pm_exp = _m.exp
cdef object _pm_expm1 = _m.expm1
cdef object _pm_fabs = _m.fabs
cdef object _pm_floor = _m.floor
cdef object _pm_fmod = _m.fmod
cdef object _pm_gamma = _m.gamma
cdef object _pm_lgamma = _m.lgamma
cdef object _pm_log = _m.log
cdef object _pm_log10 = _m.log10
cdef object _pm_log1p = _m.log1p
cdef object _pm_log2 = _m.log2
cdef object _pm_pow = _m.pow
cdef object _pm_radians = _m.radians
cdef object _pm_remainder = _m.remainder
cdef object _pm_sin = _m.sin
cdef object _pm_sinh = _m.sinh
cdef object _pm_sqrt = _m.sqrt
cdef object _pm_tan = _m.tan
cdef object _pm_tanh = _m.tanh
cdef object _pm_trunc = _m.trunc


cdef object _u(object x, int rid, object pyf):
    cdef object r
    cdef triple t
    cdef double v
    if type(x) is Dual:
        v = (<Dual>x).value
        t = rule_eval(rid, v)
        if not c_isfinite(t.f):
            # math's own ValueError / OverflowError, also for infinite and nan
            # arguments (math.sin(inf), math.floor(nan) raise; math.exp(inf) does not)
            pyf(v)
        return dual_chain(<Dual>x, t)
    if type(x) is HyperDual:
        v = (<HyperDual>x).value
        t = rule_eval(rid, v)
        if not c_isfinite(t.f):
            pyf(v)
        return hyper_chain(<HyperDual>x, t)
    if type(x) is Taylor:
        r = taylor_unary(<Taylor>x, rid)
        if not c_isfinite((<Taylor>r).c[0]):
            pyf((<Taylor>x).c[0])             # math's own ValueError / OverflowError
        return r
    if type(x) is DualVec or type(x) is HyperDualVec:
        v = _val(x)
        t = rule_eval(rid, v)
        if not c_isfinite(t.f):
            pyf(v)
        return vchain(x, t)
    if _is_dual_array(x):
        return _array_unary(x, rid, pyf)
    return pyf(x)


cdef bint _is_dual_array(object x):
    """A dual-valued array (DualArray, HyperDualArray): not a plain number, not
    an ndarray, but something that takes part in NumPy's ufunc protocol."""
    t = type(x)
    if t is Dual or t is HyperDual or t is DualVec or t is HyperDualVec:
        return False          # scalars take part in the protocol too, but are not arrays
    return (t is not float and t is not int and t is not np.ndarray
            and getattr(t, "__array_ufunc__", None) is not None
            and not isinstance(x, (np.generic, float, int)))


cdef object _array_unary(object x, int rid, object pyf):
    """dualcalc.math on an array (typically the 0-d array that indexing a
    DualArray gives): the NumPy ufunc of the same rule."""
    u = _UFUNC_OF_RULE.get(rid)
    if u is None:
        rule = getattr(x, "_apply_rule", None)
        if rule is None:
            raise TypeError(
                "dualcalc.math.{0} is not available on {1}; apply it to scalars".format(
                    pyf.__name__, type(x).__name__))
        return rule(rid)
    return u(x)


_UFUNC_OF_RULE = {
    R_SIN: np.sin, R_COS: np.cos, R_TAN: np.tan, R_ASIN: np.arcsin,
    R_ACOS: np.arccos, R_ATAN: np.arctan, R_SINH: np.sinh, R_COSH: np.cosh,
    R_TANH: np.tanh, R_ASINH: np.arcsinh, R_ACOSH: np.arccosh,
    R_ATANH: np.arctanh, R_EXP: np.exp, R_EXP2: np.exp2, R_EXPM1: np.expm1,
    R_LOG: np.log, R_LOG2: np.log2, R_LOG10: np.log10, R_LOG1P: np.log1p,
    R_SQRT: np.sqrt, R_CBRT: np.cbrt, R_ABS: np.absolute, R_DEGREES: np.degrees,
    R_RADIANS: np.radians, R_FLOOR: np.floor, R_CEIL: np.ceil, R_TRUNC: np.trunc,
}

_UFUNC_OF_OP = {
    OP_POW: np.power, OP_ATAN2: np.arctan2, OP_HYPOT: np.hypot,
    OP_COPYSIGN: np.copysign, OP_FMOD: np.fmod, OP_DIV: np.true_divide,
}


cdef object _u_mathvalue(object x, int rid, object pyf):
    """As _u, but the value comes from math itself (gamma and lgamma: CPython has
    its own implementations, which differ from the C library by an ulp)."""
    cdef object r
    if _isdual(x):
        v = pyf(_val(x))
        return with_value(_u(x, rid, pyf), v)
    return _u(x, rid, pyf)


cdef inline bint _isdual(object x):
    return (type(x) is Dual or type(x) is HyperDual or type(x) is DualVec
            or type(x) is HyperDualVec)


cdef inline bint _isvec(object x):
    return type(x) is DualVec or type(x) is HyperDualVec


cdef object _b(object x, object y, int op, object pyf, int errors):
    if type(x) is Taylor or type(y) is Taylor:
        r = taylor_binary(x, y, op, errors)
        if r is NotImplemented:
            raise TypeError("must be real number, not {0}".format(
                type(y if type(x) is Taylor else x).__name__))
        if not c_isfinite((<Taylor>r).c[0]) and pyf is not None:
            # math's own ValueError / OverflowError on the values
            pyf((<Taylor>x).c[0] if type(x) is Taylor else x,
                (<Taylor>y).c[0] if type(y) is Taylor else y)
        return r
    if _is_dual_array(x) or _is_dual_array(y):
        u = _UFUNC_OF_OP.get(op)
        if u is None:
            raise TypeError("this dualcalc.math function is not available on arrays; "
                            "apply it to scalars")
        return u(x, y)
    if _isdual(x) or _isdual(y):
        r = vbinary(x, y, op, errors) if _isvec(x) or _isvec(y) else binary(x, y, op, errors)
        if r is NotImplemented:
            raise TypeError("must be real number, not {0}".format(
                type(y if _isdual(x) else x).__name__))
        return r
    return pyf(x, y)


cdef double _val(object x):
    if type(x) is Dual:
        return (<Dual>x).value
    if type(x) is HyperDual:
        return (<HyperDual>x).value
    if type(x) is DualVec:
        return (<DualVec>x).value
    if type(x) is HyperDualVec:
        return (<HyperDualVec>x).value
    return x                      # Cython's TypeError for non-numbers


def sin(x):
    """Like math.sin; on a Dual or HyperDual returns one, with exact derivatives."""
    return _u(x, R_SIN, _pm_sin)

def cos(x):
    """Like math.cos; on dual numbers returns a dual number."""
    return _u(x, R_COS, _pm_cos)

def tan(x):
    """Like math.tan; on dual numbers returns a dual number."""
    return _u(x, R_TAN, _pm_tan)

def asin(x):
    """Like math.asin; on dual numbers returns a dual number."""
    return _u(x, R_ASIN, _pm_asin)

def acos(x):
    """Like math.acos; on dual numbers returns a dual number."""
    return _u(x, R_ACOS, _pm_acos)

def atan(x):
    """Like math.atan; on dual numbers returns a dual number."""
    return _u(x, R_ATAN, _pm_atan)

def sinh(x):
    """Like math.sinh; on dual numbers returns a dual number."""
    return _u(x, R_SINH, _pm_sinh)

def cosh(x):
    """Like math.cosh; on dual numbers returns a dual number."""
    return _u(x, R_COSH, _pm_cosh)

def tanh(x):
    """Like math.tanh; on dual numbers returns a dual number."""
    return _u(x, R_TANH, _pm_tanh)

def asinh(x):
    """Like math.asinh; on dual numbers returns a dual number."""
    return _u(x, R_ASINH, _pm_asinh)

def acosh(x):
    """Like math.acosh; on dual numbers returns a dual number."""
    return _u(x, R_ACOSH, _pm_acosh)

def atanh(x):
    """Like math.atanh; on dual numbers returns a dual number."""
    return _u(x, R_ATANH, _pm_atanh)

def exp(x):
    """Like math.exp; on dual numbers returns a dual number."""
    return _u(x, R_EXP, _pm_exp)

def exp2(x):
    """Like math.exp2 (2 ** x); on dual numbers returns a dual number."""
    return _u(x, R_EXP2, _exp2)

def expm1(x):
    """Like math.expm1; on dual numbers returns a dual number."""
    return _u(x, R_EXPM1, _pm_expm1)

def log(x, base=None):
    """Like math.log (natural log, or log to the given base); dual in, dual out."""
    if base is None:
        return _u(x, R_LOG, _pm_log)
    if _is_dual_array(x) or _is_dual_array(base):
        return np.log(x) / np.log(base)
    if not (_isdual(x) or _isdual(base)):
        return _m.log(x, base)
    return _b(log(x), log(base), OP_DIV, None, ERR_OPERATOR)

def log2(x):
    """Like math.log2; on dual numbers returns a dual number."""
    return _u(x, R_LOG2, _pm_log2)

def log10(x):
    """Like math.log10; on dual numbers returns a dual number."""
    return _u(x, R_LOG10, _pm_log10)

def log1p(x):
    """Like math.log1p; on dual numbers returns a dual number."""
    return _u(x, R_LOG1P, _pm_log1p)

def sqrt(x):
    """Like math.sqrt; on dual numbers returns a dual number."""
    return _u(x, R_SQRT, _pm_sqrt)

def cbrt(x):
    """Like math.cbrt (real cube root); on dual numbers returns a dual number."""
    return _u(x, R_CBRT, _cbrt)

def erf(x):
    """Like math.erf; on dual numbers returns a dual number."""
    return _u(x, R_ERF, _pm_erf)

def erfc(x):
    """Like math.erfc; on dual numbers returns a dual number."""
    return _u(x, R_ERFC, _pm_erfc)

def gamma(x):
    """Like math.gamma; on dual numbers returns a dual number (derivative
    Gamma(x) psi(x), with dualcalc's own digamma)."""
    return _u_mathvalue(x, R_GAMMA, _pm_gamma)

def lgamma(x):
    """Like math.lgamma; on dual numbers returns a dual number (derivatives
    digamma and trigamma)."""
    return _u_mathvalue(x, R_LGAMMA, _pm_lgamma)

def fabs(x):
    """Like math.fabs; on dual numbers abs with abs'(0) = 0."""
    return _u(x, R_ABS, _pm_fabs)

def degrees(x):
    """Like math.degrees; on dual numbers returns a dual number."""
    return _u(x, R_DEGREES, _pm_degrees)

def radians(x):
    """Like math.radians; on dual numbers returns a dual number."""
    return _u(x, R_RADIANS, _pm_radians)

def floor(x):
    """Like math.floor (an int for floats); on dual numbers a dual number with
    zero derivative."""
    return _u(x, R_FLOOR, _pm_floor)

def ceil(x):
    """Like math.ceil (an int for floats); on dual numbers a dual number with
    zero derivative."""
    return _u(x, R_CEIL, _pm_ceil)

def trunc(x):
    """Like math.trunc (an int for floats); on dual numbers a dual number with
    zero derivative."""
    return _u(x, R_TRUNC, _pm_trunc)

def pow(x, y):
    """Like math.pow (ValueError for 0 ** negative and negative ** fractional)."""
    r = _b(x, y, OP_POW, _pm_pow, ERR_MATH)
    if _isdual(r):
        # the value is math.pow's: the table squares exactly (x*x) where libm's
        # pow(x, 2) is off by an ulp in about 0.1% of cases
        return with_value(r, _pm_pow(_val(x), _val(y)))
    return r

def atan2(y, x):
    """Like math.atan2; dual numbers in either argument."""
    return _b(y, x, OP_ATAN2, _pm_atan2, ERR_MATH)

def copysign(x, y):
    """Like math.copysign; the derivative flows through x only."""
    return _b(x, y, OP_COPYSIGN, _pm_copysign, ERR_MATH)

def fmod(x, y):
    """Like math.fmod; d/dx = 1, d/dy = -trunc(x / y)."""
    return _b(x, y, OP_FMOD, _pm_fmod, ERR_MATH)

def remainder(x, y):
    """Like math.remainder (IEEE remainder); d/dx = 1, d/dy = -round(x / y)."""
    return _b(x, y, OP_REMAINDER, _pm_remainder, ERR_MATH)

def hypot(*coordinates):
    """Like math.hypot with any number of arguments; at the origin the
    derivative follows the sign convention (zero), like abs'(0) = 0."""
    cdef object r
    if any(_is_dual_array(c) for c in coordinates):
        r = 0.0
        for c in coordinates:
            if not (_is_dual_array(c) or _isdual(c)):
                # a non-number would reach NumPy's object loop (AttributeError)
                try:
                    c = np.asarray(c, dtype=np.float64)
                except (TypeError, ValueError):
                    raise TypeError("dualcalc.math.hypot: coordinates must be real numbers, "
                                    "dual numbers or arrays, not " + type(c).__name__) from None
            r = np.hypot(r, c)
        return r
    if not any(_isdual(c) for c in coordinates):
        return _m.hypot(*coordinates)
    r = 0.0
    for c in coordinates:
        r = _b(r, c, OP_HYPOT, _m.hypot, ERR_MATH)     # float steps: math.hypot
    return with_value(r, _m.hypot(*[_val(c) for c in coordinates]))

def dist(p, q):
    """Like math.dist: the Euclidean distance between two points."""
    p = tuple(p)
    q = tuple(q)
    if not any(_isdual(c) for c in p + q):
        return _m.dist(p, q)
    if len(p) != len(q):
        raise ValueError("both points must have the same number of dimensions")
    return hypot(*[a - b for a, b in zip(p, q)])

def fsum(iterable):
    """Like math.fsum; on dual numbers every component is summed exactly."""
    items = list(iterable)
    if not any(_isdual(c) for c in items):
        return _m.fsum(items)
    tags = {(c.tag,) if type(c) is Dual else (c.tag1, c.tag2)
            for c in items if type(c) is Dual or type(c) is HyperDual}
    kinds = {type(c) for c in items if _isdual(c)}      # DualVecs: summed below
    if len(tags) == 1 and kinds == {Dual}:
        (tag,), = tags
        return new_dual(_m.fsum([_val(c) for c in items]),
                        _m.fsum([c.eps for c in items if type(c) is Dual]), tag)
    if len(tags) == 1 and kinds == {HyperDual}:
        (t1, t2), = tags
        hs = [c for c in items if type(c) is HyperDual]
        return new_hyper(_m.fsum([_val(c) for c in items]),
                         _m.fsum([c.eps1 for c in hs]), _m.fsum([c.eps2 for c in hs]),
                         _m.fsum([c.eps1eps2 for c in hs]), t1, t2)
    total = 0.0
    for c in items:
        total = total + c
    return total

def prod(iterable, *, start=1):
    """Like math.prod; works on dual numbers."""
    items = list(iterable)
    if not any(_isdual(c) for c in items) and not _isdual(start):
        return _m.prod(items, start=start)
    r = start
    for c in items:
        r = r * c
    return r

def isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0):
    """Like math.isclose, on the values of dual numbers."""
    return _m.isclose(_val(a), _val(b), rel_tol=rel_tol, abs_tol=abs_tol)

def isnan(x):
    """Like math.isnan, on the value of a dual number."""
    return _m.isnan(_val(x))

def isinf(x):
    """Like math.isinf, on the value of a dual number."""
    return _m.isinf(_val(x))

def isfinite(x):
    """Like math.isfinite, on the value of a dual number."""
    return _m.isfinite(_val(x))

def modf(x):
    """Like math.modf: (fractional part, integer part); the derivative goes to
    the fractional part."""
    if not _isdual(x):
        return _m.modf(x)
    frac, whole = _m.modf(_val(x))
    return with_value(x, frac), scale(x, 0.0) + whole

def frexp(x):
    """Like math.frexp: (mantissa, exponent); the mantissa is x * 2**-exponent,
    a dual number, and the exponent an int."""
    if not _isdual(x):
        return _m.frexp(x)
    m, e = _m.frexp(_val(x))
    return with_value(scale(x, _m.ldexp(1.0, -e)), m), e

def ldexp(x, i):
    """Like math.ldexp: x * 2**i, on every component of a dual number."""
    if not _isdual(x):
        return _m.ldexp(x, i)
    if _isdual(i):
        raise TypeError("ldexp(x, i): i must be an int")
    return with_value(scale(x, _m.ldexp(1.0, i)), _m.ldexp(_val(x), i))

def _float_only(name):
    def f(*args, **kwargs):
        if any(_isdual(a) for a in args):
            raise TypeError(
                "math.{0} works on floats and has no useful derivative; apply it to "
                "the .value of a dual number".format(name))
        return getattr(_m, name)(*args, **kwargs)
    f.__name__ = name
    f.__qualname__ = name
    f.__doc__ = "Like math.{0}; dual numbers are refused (use .value).".format(name)
    return f

nextafter = _float_only("nextafter")
ulp = _float_only("ulp")

def _exp2(x):
    return _m.exp2(x) if hasattr(_m, "exp2") else 2.0 ** x

def _cbrt(x):
    if hasattr(_m, "cbrt"):
        return _m.cbrt(x)
    x = float(x)
    return -((-x) ** (1.0 / 3.0)) if x < 0 else x ** (1.0 / 3.0)

_exp2.__name__ = "exp2"
_cbrt.__name__ = "cbrt"
