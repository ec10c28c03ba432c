# cython: language_level=3
"""Dual and HyperDual scalars.

Design: two small final extension types with readonly double fields.  Results
are built by the ``new_dual``/``new_hyper`` factories in ``_scalar.pxd``
(``Type.__new__`` plus field writes, served from a freelist), never through the
Python-level constructor.  The calculus comes from the rule table
(``_rules.pxd``): one-variable functions through ``dual_chain``/``hyper_chain``,
two-argument functions through the bivariate chain rules in ``binary`` below.

Perturbation tags: every Dual carries an integer ``tag`` (0 for numbers made by
hand) naming the perturbation its ``eps`` belongs to; a HyperDual carries one per
direction.  Operations on equal tags take the fast path.  Two Duals with
different tags are independent perturbations; they combine into a HyperDual whose
eps1 belongs to the smaller (outer) tag and eps2 to the larger, which is how the
derivatives API keeps two levels of nested differentiation apart.  A third
perturbation, or a hand-made HyperDual mixed with a Dual, has no exact
representation here and raises TypeError.
"""
cimport cython
from cpython.float cimport PyFloat_Check, PyFloat_AS_DOUBLE, PyFloat_CheckExact
from cpython.long cimport PyLong_Check, PyLong_CheckExact, PyLong_AsDouble
from libc.math cimport isfinite, isnan, isinf, fabs, copysign, floor, pow, log, INFINITY

from dualcalc._core._rules cimport (
    triple, partials, rule_eval, binary_eval, is_integer, p_div, k_powc, pow_value,
    second_p,
    R_SIN, R_COS, R_TAN, R_ASIN, R_ACOS, R_ATAN, R_SINH, R_COSH, R_TANH,
    R_ASINH, R_ACOSH, R_ATANH, R_EXP, R_EXP2, R_EXPM1, R_LOG, R_LOG2, R_LOG10,
    R_LOG1P, R_SQRT, R_CBRT, R_ERF, R_ERFC, R_GAMMA, R_LGAMMA, R_ABS, R_DEGREES,
    R_RADIANS, R_FLOOR, R_CEIL, R_TRUNC, R_RINT, R_SQUARE, R_RECIPROCAL, R_SIGN,
    R_NEGATIVE, R_POSITIVE,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_ATAN2, OP_HYPOT, OP_COPYSIGN,
    OP_FMOD, OP_MOD, OP_FLOORDIV, OP_REMAINDER, OP_LOGADDEXP, OP_LOGADDEXP2,
    OP_MAXIMUM, OP_MINIMUM, OP_FMAX, OP_FMIN)

import abc
import struct

from dualcalc import _conversions as _conv

import numpy as np

cdef tuple _NP_REAL = (np.floating, np.integer, np.bool_)

_FLOAT_MESSAGE = (
    "cannot convert {0} to {1}: that would drop its derivative. Use .value for the "
    "number itself; for math functions use dualcalc.math (a drop-in for the math "
    "module) or NumPy ufuncs, which propagate derivatives. To fill an array with "
    "dual numbers, create it with np.zeros_like(x) (x the dual input) or collect "
    "them in a list instead of a float array such as np.zeros(n).")


# ---------------------------------------------------------------- conversions
cdef int as_double(object o, double* out) except -1:
    """Store o as a double in out and return 1 if o is a real number (int, float,
    NumPy real scalar, bool); return 0 for anything else."""
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


cdef inline int _real(object o, double* out) except -1:
    """The hot-path test: o is exactly a Python float or int."""
    if PyFloat_CheckExact(o):
        out[0] = PyFloat_AS_DOUBLE(o)
        return 1
    if PyLong_CheckExact(o):
        out[0] = PyLong_AsDouble(o)
        return 1
    return 0


cdef inline str _tname(object o):
    return type(o).__name__


# ---------------------------------------------------------------- formatting
cdef str _fmt_terms(tuple comps, tuple units, str spec):
    cdef list parts = [format(comps[0], spec)]
    cdef double c
    for k in range(1, len(comps)):
        c = comps[k]
        if c < 0.0 or (c == 0.0 and copysign(1.0, c) < 0.0):
            parts.append(" - " + format(-c, spec) + units[k])
        else:
            parts.append(" + " + format(c, spec) + units[k])
    return "".join(parts)


# ---------------------------------------------------------------- domain errors
cdef int check_binary_domain(int op, double x, double y, int errors) except -1:
    """Raise the exception Python's float operators (ERR_OPERATOR) or the math
    module (ERR_MATH) raise for these arguments; ERR_IEEE never raises."""
    if errors == ERR_IEEE:
        return 0
    if y == 0.0 and (op == OP_DIV or op == OP_FLOORDIV or op == OP_MOD
                     or op == OP_FMOD or op == OP_REMAINDER):
        if errors == ERR_MATH:
            if isnan(x):
                return 0                  # math.fmod(nan, 0.0) is nan
            raise ValueError("math domain error")
        if op == OP_DIV:
            raise ZeroDivisionError("float division by zero")
        if op == OP_FLOORDIV:
            raise ZeroDivisionError("float floor division by zero")
        raise ZeroDivisionError("float modulo")
    if (op == OP_FMOD or op == OP_REMAINDER) and isinf(x) and not isnan(y) \
            and errors == ERR_MATH:
        raise ValueError("math domain error")
    if op == OP_POW:
        if x == 0.0 and y < 0.0 and isfinite(y):      # 0.0 ** -inf is inf
            if errors == ERR_MATH:
                raise ValueError("math domain error")
            raise ZeroDivisionError("0.0 cannot be raised to a negative power")
        if x < 0.0 and isfinite(x) and isfinite(y) and not is_integer(y):
            if errors == ERR_MATH:
                raise ValueError("math domain error")
            raise ValueError(
                "a negative number raised to a fractional power is complex, and dual "
                "numbers are real: {0!r} ** {1!r}".format(x, y))
    return 0


cdef int check_pow_overflow(int op, double x, double y, double f, int errors) except -1:
    if errors != ERR_IEEE and op == OP_POW and isinf(f) and isfinite(x) and isfinite(y):
        if errors == ERR_MATH:
            raise OverflowError("math range error")
        raise OverflowError("(34, 'Numerical result out of range')")
    return 0


# ---------------------------------------------------------------- generic operations
cdef object unary(object x, int rid):
    """Apply rule rid to a Dual or HyperDual (IEEE semantics: never raises)."""
    if type(x) is Dual:
        return dual_chain(<Dual>x, rule_eval(rid, (<Dual>x).value))
    if type(x) is HyperDual:
        return hyper_chain(<HyperDual>x, rule_eval(rid, (<HyperDual>x).value))
    raise TypeError("expected a Dual or HyperDual, got " + _tname(x))


cdef int _tags_of(object x, object y, int* t1, int* t2) except -1:
    """Common tags (t1, t2) of a mixed pair, at least one of which is a HyperDual or
    both are Duals with different tags.  Raises TypeError when no exact common
    representation exists."""
    cdef int a, b
    if type(x) is HyperDual and type(y) is HyperDual:
        if ((<HyperDual>x).tag1 != (<HyperDual>y).tag1
                or (<HyperDual>x).tag2 != (<HyperDual>y).tag2):
            raise TypeError(
                "these two HyperDuals belong to different differentiations (tags "
                "{0}/{1} and {2}/{3}) and cannot be combined exactly; dualcalc keeps "
                "at most two levels of nested differentiation apart".format(
                    (<HyperDual>x).tag1, (<HyperDual>x).tag2,
                    (<HyperDual>y).tag1, (<HyperDual>y).tag2))
        t1[0] = (<HyperDual>x).tag1
        t2[0] = (<HyperDual>x).tag2
        return 0
    if type(x) is Dual and type(y) is Dual:
        a = (<Dual>x).tag
        b = (<Dual>y).tag
        t1[0] = a if a < b else b
        t2[0] = b if a < b else a
        return 0
    cdef HyperDual h = <HyperDual>(x if type(x) is HyperDual else y)
    cdef object d = y if type(x) is HyperDual else x
    cdef int t = (<Dual>d).tag
    if h.tag1 == h.tag2:
        raise TypeError(
            "cannot combine a Dual with a HyperDual whose two directions share one "
            "perturbation (tag {0}): the result would be a guess. Make both operands "
            "HyperDual, e.g. HyperDual(d.value, d.eps, d.eps).".format(h.tag1))
    if t != h.tag1 and t != h.tag2:
        raise TypeError(
            "a third level of nested differentiation is not supported: this Dual "
            "(tag {0}) meets a HyperDual that already carries two perturbations "
            "(tags {1} and {2}). Compute the inner derivatives first, or use "
            "dualcalc.hessian for second derivatives.".format(t, h.tag1, h.tag2))
    t1[0] = h.tag1
    t2[0] = h.tag2
    return 0


cdef int _lift(object o, int t1, int t2, double* c) except -1:
    """Components (v, e1, e2, e12) of o as a HyperDual with tags (t1, t2)."""
    c[1] = 0.0
    c[2] = 0.0
    c[3] = 0.0
    if type(o) is HyperDual:
        c[0] = (<HyperDual>o).value
        c[1] = (<HyperDual>o).eps1
        c[2] = (<HyperDual>o).eps2
        c[3] = (<HyperDual>o).eps1eps2
    elif type(o) is Dual:
        c[0] = (<Dual>o).value
        if (<Dual>o).tag == t1:
            c[1] = (<Dual>o).eps
        else:
            c[2] = (<Dual>o).eps
    elif not as_double(o, c):
        return 0
    return 1


cdef object binary(object x, object y, int op, int errors):
    """x op y for any pair of reals, Duals and HyperDuals (at least one dual).
    Returns NotImplemented when an operand is of an unsupported type."""
    cdef double xv, xe = 0.0, yv, ye = 0.0
    cdef int tag, t1 = 0, t2 = 0
    cdef partials p
    cdef double cx[4]
    cdef double cy[4]
    cdef bint xd = type(x) is Dual
    cdef bint yd = type(y) is Dual
    # ---- Dual (x) real, real (x) Dual, or Duals of one perturbation
    if xd and (yd and (<Dual>x).tag == (<Dual>y).tag or
               (type(y) is not HyperDual and as_double(y, &yv))):
        xv = (<Dual>x).value
        xe = (<Dual>x).eps
        tag = (<Dual>x).tag
        if yd:
            yv = (<Dual>y).value
            ye = (<Dual>y).eps
    elif yd and type(x) is not HyperDual and not xd and as_double(x, &xv):
        yv = (<Dual>y).value
        ye = (<Dual>y).eps
        tag = (<Dual>y).tag
    else:
        # ---- HyperDual arithmetic, lifting Duals of other perturbations
        if not (xd or yd or type(x) is HyperDual or type(y) is HyperDual):
            return NotImplemented
        if (type(x) is HyperDual or xd) and (type(y) is HyperDual or yd):
            _tags_of(x, y, &t1, &t2)
        elif type(x) is HyperDual:
            t1 = (<HyperDual>x).tag1
            t2 = (<HyperDual>x).tag2
        elif type(y) is HyperDual:
            t1 = (<HyperDual>y).tag1
            t2 = (<HyperDual>y).tag2
        else:
            return NotImplemented      # a Dual beside an operand of another kind
        if not _lift(x, t1, t2, cx) or not _lift(y, t1, t2, cy):
            return NotImplemented
        check_binary_domain(op, cx[0], cy[0], errors)
        p = binary_eval(op, cx[0], cy[0])
        check_pow_overflow(op, cx[0], cy[0], p.f, errors)
        return new_hyper(
            p.f,
            first_x(p, cx[1]) + first_y(p, cy[1]),
            first_x(p, cx[2]) + first_y(p, cy[2]),
            # summed in symmetric pairs, so that a*b == b*a (and every other
            # symmetric function) holds bit for bit
            ((first_x(p, cx[3]) + first_y(p, cy[3]))
             + ((second_p(p.fxx, p.fxxe, cx[1], cx[2]) + second_p(p.fyy, p.fyye, cy[1], cy[2]))
                + (second_p(p.fxy, p.fxye, cx[1], cy[2])
                   + second_p(p.fxy, p.fxye, cy[1], cx[2])))),
            t1, t2)
    check_binary_domain(op, xv, yv, errors)
    p = binary_eval(op, xv, yv)
    check_pow_overflow(op, xv, yv, p.f, errors)
    return new_dual(p.f, first_x(p, xe) + first_y(p, ye), tag)


# ---------------------------------------------------------------- NumPy protocol
_UNARY_UFUNCS = {
    np.sin: R_SIN, np.cos: R_COS, np.tan: R_TAN, np.arcsin: R_ASIN,
    np.arccos: R_ACOS, np.arctan: R_ATAN, np.sinh: R_SINH, np.cosh: R_COSH,
    np.tanh: R_TANH, np.arcsinh: R_ASINH, np.arccosh: R_ACOSH,
    np.arctanh: R_ATANH, np.exp: R_EXP, np.exp2: R_EXP2, np.expm1: R_EXPM1,
    np.log: R_LOG, np.log2: R_LOG2, np.log10: R_LOG10, np.log1p: R_LOG1P,
    np.sqrt: R_SQRT, np.cbrt: R_CBRT, np.absolute: R_ABS, np.fabs: R_ABS,
    np.degrees: R_DEGREES, np.rad2deg: R_DEGREES, np.radians: R_RADIANS,
    np.deg2rad: R_RADIANS, np.floor: R_FLOOR, np.ceil: R_CEIL, np.trunc: R_TRUNC,
    np.rint: R_RINT, np.square: R_SQUARE, np.reciprocal: R_RECIPROCAL,
    np.sign: R_SIGN, np.negative: R_NEGATIVE, np.positive: R_POSITIVE,
    np.conjugate: R_POSITIVE,
}

_BINARY_UFUNCS = {
    np.add: OP_ADD, np.subtract: OP_SUB, np.multiply: OP_MUL,
    np.true_divide: OP_DIV, np.power: OP_POW, np.float_power: OP_POW,
    np.arctan2: OP_ATAN2, np.hypot: OP_HYPOT, np.copysign: OP_COPYSIGN,
    np.fmod: OP_FMOD, np.remainder: OP_MOD, np.floor_divide: OP_FLOORDIV,
    np.logaddexp: OP_LOGADDEXP, np.logaddexp2: OP_LOGADDEXP2,
    np.maximum: OP_MAXIMUM, np.minimum: OP_MINIMUM, np.fmax: OP_FMAX,
    np.fmin: OP_FMIN,
}

# C-typed aliases for the lookups on the hot path
cdef dict _UNARY_C = _UNARY_UFUNCS
cdef dict _BINARY_C = _BINARY_UFUNCS

# ufuncs whose result depends on the values only (comparisons, predicates)
_VALUE_UFUNCS = frozenset([
    np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,
    np.isnan, np.isinf, np.isfinite, np.signbit, np.logical_not, np.logical_and,
    np.logical_or, np.logical_xor,
])

# Set by the array layer: called for ufuncs that involve arrays.
_array_ufunc_hook = None


# ---------------------------------------------------------------- pickling
cdef object _PACK = lambda *xs: struct.pack("<%dd" % len(xs), *xs)


def _from_bits(cls, bytes raw, *tags):
    """Rebuild a Dual or HyperDual from the raw bytes of its components.
    Pickle protocol 0 writes floats as text (repr), which keeps neither the sign
    nor the payload of a nan; such numbers are pickled through this instead, so
    that every protocol round-trips bit for bit."""
    return cls(*struct.unpack("<%dd" % (len(raw) // 8), raw), *tags)


def set_array_ufunc_hook(hook):
    """Register the array layer's handler for ufuncs whose inputs include arrays."""
    global _array_ufunc_hook
    _array_ufunc_hook = hook


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


cdef object _value_of(object o):
    if type(o) is Dual:
        return (<Dual>o).value
    if type(o) is HyperDual:
        return (<HyperDual>o).value
    return o


cdef int _numpy_warn(object ufunc, tuple inputs, object result) except -1:
    """Let NumPy raise its own floating-point warning (or error, under
    np.errstate) when a finite input gave a non-finite value."""
    cdef double v
    if type(result) is Dual:
        v = (<Dual>result).value
    elif type(result) is HyperDual:
        v = (<HyperDual>result).value
    else:
        return 0
    if isfinite(v):
        return 0
    vals = [np.float64(_value_of(i)) for i in inputs]
    if all(np.isfinite(vals)):
        ufunc(*vals)
    return 0


def _unsupported_ufunc(ufunc, method):
    return TypeError(
        "dualcalc: numpy.{0}{1} is not supported on dual numbers, so it cannot "
        "carry a derivative. Supported ufuncs: {2}. Apply it to .value if you "
        "want the plain number.".format(
            ufunc.__name__, "" if method == "__call__" else "." + method,
            ", ".join(sorted(u.__name__ for u in
                             list(_UNARY_UFUNCS) + list(_BINARY_UFUNCS)))))


cdef object scalar_array_ufunc(object ufunc, str method, tuple inputs, dict kwargs):
    cdef object r, rid, op
    cdef Py_ssize_t n = len(inputs)
    # fast paths: a plain call on dual scalars and reals
    if not kwargs and method == "__call__":
        if n == 1 and (type(inputs[0]) is Dual or type(inputs[0]) is HyperDual):
            rid = _UNARY_C.get(ufunc)
            if rid is not None:
                r = unary(inputs[0], rid)
                _numpy_warn(ufunc, inputs, r)
                return r
        elif n == 2:
            op = _BINARY_C.get(ufunc)
            if op is not None:
                r = binary(inputs[0], inputs[1], op, ERR_IEEE)
                if r is not NotImplemented:
                    _numpy_warn(ufunc, inputs, r)
                    return r
    for i in inputs:
        if not (type(i) is Dual or type(i) is HyperDual or PyFloat_Check(i)
                or PyLong_Check(i) or isinstance(i, _NP_REAL)):
            if _array_ufunc_hook is not None:
                return _array_ufunc_hook(ufunc, method, inputs, kwargs)
            return NotImplemented
    if method != "__call__":
        raise _unsupported_ufunc(ufunc, method)
    if kwargs:
        out = kwargs.get("out")
        if out is not None or set(kwargs) - {"out", "casting", "order", "dtype"}:
            raise TypeError(
                "dualcalc: numpy.{0} on a dual scalar takes no out=, where= or other "
                "keyword arguments; call it without them".format(ufunc.__name__))
    if ufunc in _VALUE_UFUNCS:
        return ufunc(*[_value_of(i) for i in inputs])
    if ufunc is np.divmod and len(inputs) == 2:
        # (a // b, a % b): what divmod(np.float64(x), dual) calls
        q = binary(inputs[0], inputs[1], OP_FLOORDIV, ERR_IEEE)
        if q is NotImplemented:
            return q
        r = binary(inputs[0], inputs[1], OP_MOD, ERR_IEEE)
        _numpy_warn(np.floor_divide, inputs, q)
        _numpy_warn(np.remainder, inputs, r)
        return (q, r)
    if len(inputs) == 1:
        rid = _UNARY_C.get(ufunc)
        if rid is None:
            return _fallback_or_raise(ufunc, method, inputs)
        r = unary(inputs[0], rid)
    elif len(inputs) == 2:
        op = _BINARY_C.get(ufunc)
        if op is None:
            return _fallback_or_raise(ufunc, method, inputs)
        r = binary(inputs[0], inputs[1], op, ERR_IEEE)
        if r is NotImplemented:
            return r
    else:
        return _fallback_or_raise(ufunc, method, inputs)
    _numpy_warn(ufunc, inputs, r)
    return r


# ---------------------------------------------------------------- shared behaviour
# Dual and HyperDual are separate final types (a common extension base class
# would rule out their freelists).  The special methods below are written once
# as cdef functions and delegated to from each class; the ordinary methods
# NumPy's object-array loops call by name (x.sin(), x.arctan2(y), ...) are
# written once as functions and installed into both types at import.

class DualNumber(abc.ABC):
    """Abstract base of Dual and HyperDual, for isinstance checks."""


cdef object _refuse(object self, str target):
    if target != "an integer index":      # operator.index() probes are not conversions
        _conv.note(target)
    raise TypeError(_FLOAT_MESSAGE.format(_tname(self), target))


cdef object _round(object self, object ndigits):
    if ndigits is None:
        return round(_value_of(self))
    # rounding is piecewise constant: the derivative is exactly zero
    return constant_like(self, round(_value_of(self), ndigits))


def _m_sin(self): return unary(self, R_SIN)
def _m_cos(self): return unary(self, R_COS)
def _m_tan(self): return unary(self, R_TAN)
def _m_arcsin(self): return unary(self, R_ASIN)
def _m_arccos(self): return unary(self, R_ACOS)
def _m_arctan(self): return unary(self, R_ATAN)
def _m_sinh(self): return unary(self, R_SINH)
def _m_cosh(self): return unary(self, R_COSH)
def _m_tanh(self): return unary(self, R_TANH)
def _m_arcsinh(self): return unary(self, R_ASINH)
def _m_arccosh(self): return unary(self, R_ACOSH)
def _m_arctanh(self): return unary(self, R_ATANH)
def _m_exp(self): return unary(self, R_EXP)
def _m_exp2(self): return unary(self, R_EXP2)
def _m_expm1(self): return unary(self, R_EXPM1)
def _m_log(self): return unary(self, R_LOG)
def _m_log2(self): return unary(self, R_LOG2)
def _m_log10(self): return unary(self, R_LOG10)
def _m_log1p(self): return unary(self, R_LOG1P)
def _m_sqrt(self): return unary(self, R_SQRT)
def _m_cbrt(self): return unary(self, R_CBRT)
def _m_square(self): return unary(self, R_SQUARE)
def _m_reciprocal(self): return unary(self, R_RECIPROCAL)
def _m_fabs(self): return unary(self, R_ABS)
def _m_sign(self): return unary(self, R_SIGN)
def _m_degrees(self): return unary(self, R_DEGREES)
def _m_radians(self): return unary(self, R_RADIANS)
def _m_rad2deg(self): return unary(self, R_DEGREES)
def _m_deg2rad(self): return unary(self, R_RADIANS)
def _m_floor(self): return unary(self, R_FLOOR)
def _m_ceil(self): return unary(self, R_CEIL)
def _m_trunc(self): return unary(self, R_TRUNC)
def _m_rint(self): return unary(self, R_RINT)
def _m_conjugate(self): return self
def _m_arctan2(self, other): return _checked(binary(self, other, OP_ATAN2, ERR_IEEE), self, other, "arctan2")
def _m_hypot(self, other): return _checked(binary(self, other, OP_HYPOT, ERR_IEEE), self, other, "hypot")
def _m_logaddexp(self, other): return _checked(binary(self, other, OP_LOGADDEXP, ERR_IEEE), self, other, "logaddexp")
def _m_logaddexp2(self, other): return _checked(binary(self, other, OP_LOGADDEXP2, ERR_IEEE), self, other, "logaddexp2")
def _m_copysign(self, other): return _checked(binary(self, other, OP_COPYSIGN, ERR_IEEE), self, other, "copysign")



cdef object constant_like(object like, double v):
    """A dual of like's type and tags whose tangents are all zero."""
    if type(like) is Dual:
        return new_dual(v, 0.0, (<Dual>like).tag)
    return new_hyper(v, 0.0, 0.0, 0.0, (<HyperDual>like).tag1, (<HyperDual>like).tag2)


cdef object _checked(object r, object x, object y, str name):
    if r is NotImplemented:
        raise TypeError("{0}() is not defined for {1} and {2}".format(
            name, _tname(x), _tname(y)))
    return r


cdef inline int _cmp_values(object a, object b, double* x, double* y) except -1:
    if type(a) is Dual:
        x[0] = (<Dual>a).value
    elif type(a) is HyperDual:
        x[0] = (<HyperDual>a).value
    elif not as_double(a, x):
        return 0
    if type(b) is Dual:
        y[0] = (<Dual>b).value
    elif type(b) is HyperDual:
        y[0] = (<HyperDual>b).value
    elif not as_double(b, y):
        return 0
    return 1


# ---------------------------------------------------------------- Dual
@cython.freelist(64)
cdef class Dual:
    """A dual number ``value + eps·ε`` with ``ε² = 0``.

    Any function built from arithmetic, ``dualcalc.math`` and NumPy ufuncs maps
    ``Dual(x, 1.0)`` to ``Dual(f(x), f'(x))``.

    Parameters
    ----------
    value : float
        The real part.
    eps : float, optional
        The tangent (derivative) part, default 0.
    tag : int, optional
        The perturbation this tangent belongs to (used by the derivatives API to
        keep nested derivatives apart; 0 for numbers made by hand).

    Examples
    --------
    >>> from dualcalc import Dual
    >>> x = Dual(3.0, 1.0)
    >>> x * x + 2 * x
    Dual(15.0, 8.0)
    >>> (x ** 2).eps
    6.0
    """

    def __init__(self, value, eps=0.0, tag=0):
        cdef double v, e
        if not as_double(value, &v):
            raise TypeError("Dual(value, eps): value must be a real number, got "
                            + _tname(value) + _hint(value))
        if not as_double(eps, &e):
            raise TypeError("Dual(value, eps): eps must be a real number, got "
                            + _tname(eps) + _hint(eps))
        if not PyLong_Check(tag) or tag < 0 or tag > 2147483647:
            raise TypeError("Dual(..., tag=): tag must be a non-negative int")
        self.value = v
        self.eps = e
        self.tag = tag

    __array_priority__ = 100

    def __reduce__(self):
        return (Dual, (self.value, self.eps, self.tag))

    def __reduce_ex__(self, protocol):
        if protocol < 1 and (isnan(self.value) or isnan(self.eps)):
            return (_from_bits, (Dual, _PACK(self.value, self.eps), self.tag))
        return (Dual, (self.value, self.eps, self.tag))

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return scalar_array_ufunc(ufunc, method, inputs, kwargs)

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
        if self.tag:
            return "Dual({0!r}, {1!r}, tag={2})".format(self.value, self.eps, self.tag)
        return "Dual({0!r}, {1!r})".format(self.value, self.eps)

    def __str__(self):
        return _fmt_terms((self.value, self.eps), ("", "ε"), "")

    def __format__(self, str spec):
        if not spec:
            return str(self)
        return _fmt_terms((self.value, self.eps), ("", "ε"), spec)

    def __hash__(self):
        return hash(self.value)

    def __bool__(self):
        return self.value != 0.0

    # -- comparisons: by value
    def __eq__(self, other):
        cdef double x, y
        if not _cmp_values(self, other, &x, &y):
            return NotImplemented
        return x == y

    def __ne__(self, other):
        cdef double x, y
        if not _cmp_values(self, other, &x, &y):
            return NotImplemented
        return x != y

    def __lt__(self, other):
        cdef double x, y
        if not _cmp_values(self, other, &x, &y):
            return NotImplemented
        return x < y

    def __le__(self, other):
        cdef double x, y
        if not _cmp_values(self, other, &x, &y):
            return NotImplemented
        return x <= y

    def __gt__(self, other):
        cdef double x, y
        if not _cmp_values(self, other, &x, &y):
            return NotImplemented
        return x > y

    def __ge__(self, other):
        cdef double x, y
        if not _cmp_values(self, other, &x, &y):
            return NotImplemented
        return x >= y

    # -- unary
    def __neg__(self):
        return new_dual(-self.value, -self.eps, self.tag)

    def __pos__(self):
        return self

    def __abs__(self):
        return unary(self, R_ABS)

    # -- arithmetic (fast paths for the hot cases, the generic path otherwise)
    def __add__(self, other):
        cdef Dual o
        cdef double c
        if type(other) is Dual and (<Dual>other).tag == self.tag:
            o = <Dual>other
            return new_dual(self.value + o.value, self.eps + o.eps, self.tag)
        if _real(other, &c):
            return new_dual(self.value + c, self.eps, self.tag)
        return binary(self, other, OP_ADD, ERR_OPERATOR)

    def __radd__(self, other):
        cdef double c
        if _real(other, &c):
            return new_dual(c + self.value, self.eps, self.tag)
        return binary(other, self, OP_ADD, ERR_OPERATOR)

    def __sub__(self, other):
        cdef Dual o
        cdef double c
        if type(other) is Dual and (<Dual>other).tag == self.tag:
            o = <Dual>other
            return new_dual(self.value - o.value, self.eps - o.eps, self.tag)
        if _real(other, &c):
            return new_dual(self.value - c, self.eps, self.tag)
        return binary(self, other, OP_SUB, ERR_OPERATOR)

    def __rsub__(self, other):
        cdef double c
        if _real(other, &c):
            return new_dual(c - self.value, -self.eps, self.tag)
        return binary(other, self, OP_SUB, ERR_OPERATOR)

    def __mul__(self, other):
        cdef Dual o
        cdef double c
        if type(other) is Dual and (<Dual>other).tag == self.tag:
            o = <Dual>other
            return new_dual(self.value * o.value,
                            m0(o.value, self.eps) + m0(self.value, o.eps), self.tag)
        if _real(other, &c):
            return new_dual(self.value * c, m0(c, self.eps), self.tag)
        return binary(self, other, OP_MUL, ERR_OPERATOR)

    def __rmul__(self, other):
        cdef double c
        if _real(other, &c):
            return new_dual(c * self.value, m0(c, self.eps), self.tag)
        return binary(other, self, OP_MUL, ERR_OPERATOR)

    # Division and power fast paths take their partials from the rule table
    # (p_div, k_powc), like the generic path and HyperDual's, so that a
    # HyperDual's eps1 equals the Dual's eps bit for bit.
    def __truediv__(self, other):
        cdef Dual o
        cdef double c
        cdef partials p
        if type(other) is Dual and (<Dual>other).tag == self.tag and (<Dual>other).value != 0.0:
            o = <Dual>other
            p = p_div(self.value, o.value)
            return new_dual(p.f, first_x(p, self.eps) + first_y(p, o.eps), self.tag)
        if _real(other, &c) and fabs(c) >= 1e-300 and fabs(c) <= 1e300:
            # 1/c is a normal double here; elsewhere p_div carries it scaled
            return new_dual(self.value / c, m0(1.0 / c, self.eps), self.tag)
        return binary(self, other, OP_DIV, ERR_OPERATOR)

    def __rtruediv__(self, other):
        cdef double c
        cdef partials p
        if _real(other, &c) and self.value != 0.0:
            p = p_div(c, self.value)
            return new_dual(p.f, first_y(p, self.eps), self.tag)
        return binary(other, self, OP_DIV, ERR_OPERATOR)

    def __pow__(self, other, mod):
        cdef double c, v = self.value
        cdef triple t
        if mod is not None:
            return NotImplemented
        if _real(other, &c) and v > 0.0:
            t = k_powc(v, c)
            if isfinite(t.f):
                return new_dual(t.f, first_term(t, self.eps), self.tag)
        return binary(self, other, OP_POW, ERR_OPERATOR)

    def __rpow__(self, other, mod):
        cdef double c, f
        if mod is not None:
            return NotImplemented
        if _real(other, &c) and c > 0.0:
            f = pow_value(c, self.value)
            if isfinite(f):
                return new_dual(f, m0(f * log(c), self.eps), self.tag)
        return binary(other, self, OP_POW, ERR_OPERATOR)

    def __floordiv__(self, other):
        return binary(self, other, OP_FLOORDIV, ERR_OPERATOR)

    def __rfloordiv__(self, other):
        return binary(other, self, OP_FLOORDIV, ERR_OPERATOR)

    def __mod__(self, other):
        return binary(self, other, OP_MOD, ERR_OPERATOR)

    def __rmod__(self, other):
        return binary(other, self, OP_MOD, ERR_OPERATOR)

    def __divmod__(self, other):
        q = binary(self, other, OP_FLOORDIV, ERR_OPERATOR)
        if q is NotImplemented:
            return q
        return (q, binary(self, other, OP_MOD, ERR_OPERATOR))

    def __rdivmod__(self, other):
        q = binary(other, self, OP_FLOORDIV, ERR_OPERATOR)
        if q is NotImplemented:
            return q
        return (q, binary(other, self, OP_MOD, ERR_OPERATOR))



# ---------------------------------------------------------------- HyperDual
cdef int _bad_component(str name, object o) except -1:
    raise TypeError("HyperDual(value, eps1, eps2, eps1eps2): {0} must be a real number, "
                    "got {1}{2}".format(name, _tname(o), _hint(o)))


@cython.freelist(64)
cdef class HyperDual:
    """A hyper-dual number ``value + eps1·ε1 + eps2·ε2 + eps1eps2·ε1ε2`` with
    ``ε1² = ε2² = 0``: exact second derivatives in one evaluation.

    ``f(HyperDual(x, 1, 1, 0))`` is ``HyperDual(f(x), f'(x), f'(x), f''(x))``;
    seeding eps1 and eps2 with two directions u, v gives the mixed second
    derivative uᵀ H v in eps1eps2.

    Examples
    --------
    >>> from dualcalc import HyperDual
    >>> x = HyperDual(2.0, 1.0, 1.0, 0.0)
    >>> x ** 3
    HyperDual(8.0, 12.0, 12.0, 12.0)
    """

    def __init__(self, value, eps1=0.0, eps2=0.0, eps1eps2=0.0, tag1=0, tag2=0):
        cdef double c[4]
        if not as_double(value, &c[0]):
            _bad_component("value", value)
        if not as_double(eps1, &c[1]):
            _bad_component("eps1", eps1)
        if not as_double(eps2, &c[2]):
            _bad_component("eps2", eps2)
        if not as_double(eps1eps2, &c[3]):
            _bad_component("eps1eps2", eps1eps2)
        if not (PyLong_Check(tag1) and PyLong_Check(tag2)
                and 0 <= tag1 <= 2147483647 and 0 <= tag2 <= 2147483647):
            raise TypeError("HyperDual(..., tag1=, tag2=): tags must be non-negative ints")
        self.value = c[0]
        self.eps1 = c[1]
        self.eps2 = c[2]
        self.eps1eps2 = c[3]
        self.tag1 = tag1
        self.tag2 = tag2

    __array_priority__ = 100

    def __reduce__(self):
        return (HyperDual, (self.value, self.eps1, self.eps2, self.eps1eps2,
                            self.tag1, self.tag2))

    def __reduce_ex__(self, protocol):
        if protocol < 1 and (isnan(self.value) or isnan(self.eps1) or isnan(self.eps2)
                             or isnan(self.eps1eps2)):
            return (_from_bits, (HyperDual, _PACK(self.value, self.eps1, self.eps2,
                                                  self.eps1eps2), self.tag1, self.tag2))
        return self.__reduce__()

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return scalar_array_ufunc(ufunc, method, inputs, kwargs)

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
        s = "HyperDual({0!r}, {1!r}, {2!r}, {3!r}".format(
            self.value, self.eps1, self.eps2, self.eps1eps2)
        if self.tag1 or self.tag2:
            s += ", tag1={0}, tag2={1}".format(self.tag1, self.tag2)
        return s + ")"

    def __str__(self):
        return _fmt_terms((self.value, self.eps1, self.eps2, self.eps1eps2),
                          ("", "ε1", "ε2", "ε1ε2"), "")

    def __format__(self, str spec):
        if not spec:
            return str(self)
        return _fmt_terms((self.value, self.eps1, self.eps2, self.eps1eps2),
                          ("", "ε1", "ε2", "ε1ε2"), spec)

    def __hash__(self):
        return hash(self.value)

    def __bool__(self):
        return self.value != 0.0

    def __eq__(self, other):
        cdef double x, y
        if not _cmp_values(self, other, &x, &y):
            return NotImplemented
        return x == y

    def __ne__(self, other):
        cdef double x, y
        if not _cmp_values(self, other, &x, &y):
            return NotImplemented
        return x != y

    def __lt__(self, other):
        cdef double x, y
        if not _cmp_values(self, other, &x, &y):
            return NotImplemented
        return x < y

    def __le__(self, other):
        cdef double x, y
        if not _cmp_values(self, other, &x, &y):
            return NotImplemented
        return x <= y

    def __gt__(self, other):
        cdef double x, y
        if not _cmp_values(self, other, &x, &y):
            return NotImplemented
        return x > y

    def __ge__(self, other):
        cdef double x, y
        if not _cmp_values(self, other, &x, &y):
            return NotImplemented
        return x >= y

    def __neg__(self):
        return new_hyper(-self.value, -self.eps1, -self.eps2, -self.eps1eps2,
                         self.tag1, self.tag2)

    def __pos__(self):
        return self

    def __abs__(self):
        return unary(self, R_ABS)

    def __add__(self, other):
        cdef HyperDual o
        if (type(other) is HyperDual and (<HyperDual>other).tag1 == self.tag1
                and (<HyperDual>other).tag2 == self.tag2):
            o = <HyperDual>other
            return new_hyper(self.value + o.value, self.eps1 + o.eps1, self.eps2 + o.eps2,
                             self.eps1eps2 + o.eps1eps2, self.tag1, self.tag2)
        return binary(self, other, OP_ADD, ERR_OPERATOR)

    def __radd__(self, other):
        return binary(other, self, OP_ADD, ERR_OPERATOR)

    def __sub__(self, other):
        return binary(self, other, OP_SUB, ERR_OPERATOR)

    def __rsub__(self, other):
        return binary(other, self, OP_SUB, ERR_OPERATOR)

    def __mul__(self, other):
        cdef HyperDual o
        if (type(other) is HyperDual and (<HyperDual>other).tag1 == self.tag1
                and (<HyperDual>other).tag2 == self.tag2):
            o = <HyperDual>other
            return new_hyper(
                self.value * o.value,
                m0(o.value, self.eps1) + m0(self.value, o.eps1),
                m0(o.value, self.eps2) + m0(self.value, o.eps2),
                ((m0(o.value, self.eps1eps2) + m0(self.value, o.eps1eps2))
                 + (self.eps1 * o.eps2 + self.eps2 * o.eps1)),      # commutes exactly
                self.tag1, self.tag2)
        return binary(self, other, OP_MUL, ERR_OPERATOR)

    def __rmul__(self, other):
        return binary(other, self, OP_MUL, ERR_OPERATOR)

    def __truediv__(self, other):
        return binary(self, other, OP_DIV, ERR_OPERATOR)

    def __rtruediv__(self, other):
        return binary(other, self, OP_DIV, ERR_OPERATOR)

    def __floordiv__(self, other):
        return binary(self, other, OP_FLOORDIV, ERR_OPERATOR)

    def __rfloordiv__(self, other):
        return binary(other, self, OP_FLOORDIV, ERR_OPERATOR)

    def __mod__(self, other):
        return binary(self, other, OP_MOD, ERR_OPERATOR)

    def __rmod__(self, other):
        return binary(other, self, OP_MOD, ERR_OPERATOR)

    def __divmod__(self, other):
        q = binary(self, other, OP_FLOORDIV, ERR_OPERATOR)
        if q is NotImplemented:
            return q
        return (q, binary(self, other, OP_MOD, ERR_OPERATOR))

    def __rdivmod__(self, other):
        q = binary(other, self, OP_FLOORDIV, ERR_OPERATOR)
        if q is NotImplemented:
            return q
        return (q, binary(other, self, OP_MOD, ERR_OPERATOR))

    def __pow__(self, other, mod):
        cdef double c, v = self.value
        cdef triple t
        if mod is not None:
            return NotImplemented
        if _real(other, &c) and v > 0.0:
            t = k_powc(v, c)
            if isfinite(t.f):
                return hyper_chain(self, t)
        return binary(self, other, OP_POW, ERR_OPERATOR)

    def __rpow__(self, other, mod):
        if mod is not None:
            return NotImplemented
        return binary(other, self, OP_POW, ERR_OPERATOR)


cdef str _hint(object o):
    if isinstance(o, complex):
        return " (complex numbers are not supported: dual numbers are real)"
    if type(o) is Dual or type(o) is HyperDual:
        return " (a dual number cannot be nested inside another; use .value)"
    return ""


# ---------------------------------------------------------------- for dualcalc.math
def unary_ieee(x, int rid):
    return unary(x, rid)


def binary_op(x, y, int op, int errors):
    """x op y with the given error mode; TypeError for unsupported operands."""
    r = binary(x, y, op, errors)
    if r is NotImplemented:
        raise TypeError("unsupported operand types: {0} and {1}".format(
            _tname(x), _tname(y)))
    return r


def with_value(x, double v):
    """x with its value replaced by v (tangents unchanged)."""
    if type(x) is Dual:
        return new_dual(v, (<Dual>x).eps, (<Dual>x).tag)
    if type(x) is HyperDual:
        return new_hyper(v, (<HyperDual>x).eps1, (<HyperDual>x).eps2,
                         (<HyperDual>x).eps1eps2, (<HyperDual>x).tag1, (<HyperDual>x).tag2)
    return v


def scale(x, double factor):
    """Every component of x times factor (exact for powers of two)."""
    if type(x) is Dual:
        return new_dual((<Dual>x).value * factor, (<Dual>x).eps * factor, (<Dual>x).tag)
    return new_hyper((<HyperDual>x).value * factor, (<HyperDual>x).eps1 * factor,
                     (<HyperDual>x).eps2 * factor, (<HyperDual>x).eps1eps2 * factor,
                     (<HyperDual>x).tag1, (<HyperDual>x).tag2)


# ---------------------------------------------------------------- installation
from cpython.object cimport PyTypeObject

cdef extern from "Python.h":
    void PyType_Modified(PyTypeObject*)

cdef _install_methods():
    cdef PyTypeObject* tp
    names = [n for n in globals() if n.startswith("_m_")]
    for cls in (Dual, HyperDual):
        tp = <PyTypeObject*>cls
        d = <dict>tp.tp_dict
        for n in names:
            d[n[3:]] = globals()[n]
        PyType_Modified(tp)
        DualNumber.register(cls)

_install_methods()
