# cython: language_level=3
"""Python view of the rule table, for tests and introspection.

``RULES`` lists every one-variable rule by name; ``triple(name, x)`` returns the
kernel's (g, g', g'') at x, and ``partials(name, x, y)`` a two-argument
function's (F, Fx, Fy, Fxx, Fxy, Fyy).  The number types do not go through this
module: they cimport the kernels from ``_rules.pxd``.
"""
from dualcalc._core._rules cimport (
    triple as c_triple, partials as c_partials, rule_eval, binary_eval, d2_value, d1_value, fx_value, fy_value,
    digamma as c_digamma, trigamma as c_trigamma, tetragamma as c_tetragamma)
from dualcalc._core cimport _rules as R
from libc.math cimport ldexp

RULES = {
    "sin": R.R_SIN, "cos": R.R_COS, "tan": R.R_TAN, "asin": R.R_ASIN,
    "acos": R.R_ACOS, "atan": R.R_ATAN, "sinh": R.R_SINH, "cosh": R.R_COSH,
    "tanh": R.R_TANH, "asinh": R.R_ASINH, "acosh": R.R_ACOSH,
    "atanh": R.R_ATANH, "exp": R.R_EXP, "exp2": R.R_EXP2, "expm1": R.R_EXPM1,
    "log": R.R_LOG, "log2": R.R_LOG2, "log10": R.R_LOG10, "log1p": R.R_LOG1P,
    "sqrt": R.R_SQRT, "cbrt": R.R_CBRT, "erf": R.R_ERF, "erfc": R.R_ERFC,
    "gamma": R.R_GAMMA, "lgamma": R.R_LGAMMA, "abs": R.R_ABS,
    "degrees": R.R_DEGREES, "radians": R.R_RADIANS, "floor": R.R_FLOOR,
    "ceil": R.R_CEIL, "trunc": R.R_TRUNC, "rint": R.R_RINT,
    "square": R.R_SQUARE, "reciprocal": R.R_RECIPROCAL, "sign": R.R_SIGN,
    "negative": R.R_NEGATIVE, "positive": R.R_POSITIVE, "digamma": R.R_DIGAMMA,
}

BINARY = {
    "add": R.OP_ADD, "subtract": R.OP_SUB, "multiply": R.OP_MUL,
    "divide": R.OP_DIV, "power": R.OP_POW, "atan2": R.OP_ATAN2,
    "hypot": R.OP_HYPOT, "copysign": R.OP_COPYSIGN, "fmod": R.OP_FMOD,
    "mod": R.OP_MOD, "floor_divide": R.OP_FLOORDIV, "remainder": R.OP_REMAINDER,
    "logaddexp": R.OP_LOGADDEXP, "logaddexp2": R.OP_LOGADDEXP2,
    "maximum": R.OP_MAXIMUM, "minimum": R.OP_MINIMUM, "fmax": R.OP_FMAX,
    "fmin": R.OP_FMIN,
}


def triple(str name, double x):
    """(g(x), g'(x), g''(x)) from the kernel of rule ``name``."""
    cdef c_triple t = rule_eval(RULES[name], x)
    return (t.f, d1_value(t), d2_value(t))


def partials(str name, double x, double y):
    """(F, Fx, Fy, Fxx, Fxy, Fyy) of the two-argument function ``name`` at (x, y)."""
    cdef c_partials p = binary_eval(BINARY[name], x, y)
    return (p.f, fx_value(p), fy_value(p), ldexp(p.fxx, p.fxxe), ldexp(p.fxy, p.fxye),
            ldexp(p.fyy, p.fyye))


def digamma(double x):
    """psi(x), the logarithmic derivative of Gamma."""
    return c_digamma(x)


def trigamma(double x):
    """psi'(x)."""
    return c_trigamma(x)


def tetragamma(double x):
    """psi''(x)."""
    return c_tetragamma(x)
