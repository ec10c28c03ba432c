"""First derivatives that alone leave the double range, on every number type.

reciprocal'(1e173) = -1e-346 underflows to 0, although with the tangent
t = 1e173 the derivative of 1/x is -1e-173; log'(5e-324) overflows to inf,
although with t = 5e-324 it gives exactly 1.  The rule table carries such a g'
(and such a first partial of x / y, x ** y, atan2, hypot) as a mantissa and an
exponent (``triple.d1e``, ``partials.fxe`` / ``fye``), applied after the
product with the tangent.  Each case below has a tangent scaled so that the
true result is a normal double, and is checked against mpmath on Dual,
HyperDual (eps1 == Dual eps bit for bit, and eps1eps2 = g'·t12 + g''·t1·t2),
DualArray and HyperDualArray (dense and banded).
"""
import math

import mpmath as mp
import numpy as np
import pytest

import dualcalc
import dualcalc.math as dm
from dualcalc import Dual, DualArray, HyperDual, HyperDualArray
from dualcalc._core._table import RULES, partials, triple
from dualcalc.arrays import apply_rule


def _scalar_unary(d, name):
    # Dual / HyperDual through the one-element array path: a 0-d array of the
    # rule applied, then read back (the kernels are the same as the scalars')
    if isinstance(d, Dual):
        a = apply_rule(DualArray(np.array([d.value]), np.array([[d.eps]])), name)
        return Dual(float(a.value[0]), float(a.eps[0, 0]))
    a = apply_rule(HyperDualArray(np.array([d.value]), np.array([[d.eps1]]),
                                  np.array([[d.eps2]]), np.array([[[d.eps1eps2]]])), name)
    return HyperDual(float(a.value[0]), float(a.eps1[0, 0]), float(a.eps2[0, 0]),
                     float(a.eps1eps2[0, 0, 0]))

mp.mp.dps = 50
TOL = 1e-14
DBL_MIN = 2.2250738585072014e-308


def _in_range(ref):
    return ref == 0 or DBL_MIN <= abs(ref) <= mp.mpf(1.7976931348623157e308)


def _close(got, ref, tol=TOL):
    ref = mp.mpf(ref)
    assert _in_range(ref), ref
    assert math.isfinite(got) and got != 0.0, (got, ref)
    err = abs(mp.mpf(got) - ref) / abs(ref)
    assert err <= tol, (got, mp.nstr(ref, 17), float(err))


def _cbrt(x):
    return mp.sign(x) * mp.cbrt(abs(x))


# name -> (numpy ufunc or None, dualcalc.math function or None, mp g', mp g'')
UNARY = {
    "reciprocal": (np.reciprocal, None, lambda x: -1 / x ** 2, lambda x: 2 / x ** 3),
    "atan": (np.arctan, dm.atan, lambda x: 1 / (1 + x ** 2),
             lambda x: -2 * x / (1 + x ** 2) ** 2),
    "log": (np.log, dm.log, lambda x: 1 / x, lambda x: -1 / x ** 2),
    "log2": (np.log2, dm.log2, lambda x: 1 / (x * mp.log(2)),
             lambda x: -1 / (x ** 2 * mp.log(2))),
    "log10": (np.log10, dm.log10, lambda x: 1 / (x * mp.log(10)),
              lambda x: -1 / (x ** 2 * mp.log(10))),
    "log1p": (np.log1p, dm.log1p, lambda x: 1 / (1 + x), lambda x: -1 / (1 + x) ** 2),
    "asinh": (np.arcsinh, dm.asinh, lambda x: 1 / mp.sqrt(1 + x ** 2),
              lambda x: -x / (1 + x ** 2) ** mp.mpf(1.5)),
    "acosh": (np.arccosh, dm.acosh, lambda x: 1 / mp.sqrt(x ** 2 - 1),
              lambda x: -x / (x ** 2 - 1) ** mp.mpf(1.5)),
    "lgamma": (None, dm.lgamma, lambda x: mp.digamma(x), lambda x: mp.psi(1, x)),
    "digamma": (None, None, lambda x: mp.psi(1, x), lambda x: mp.psi(2, x)),
    "sqrt": (np.sqrt, dm.sqrt, lambda x: 1 / (2 * mp.sqrt(x)),
             lambda x: -1 / (4 * x * mp.sqrt(x))),
    "cbrt": (np.cbrt, dm.cbrt, lambda x: 1 / (3 * _cbrt(x) ** 2),
             lambda x: -2 / (9 * x * _cbrt(x) ** 2)),
}

# (rule, x, t): g'(x) alone is out of the normal range (or subnormal, with
# digits lost), g'(x)·t is a normal double
CASES = [
    ("reciprocal", 1e173, 1e173),
    ("reciprocal", -3e200, 1e200),
    ("reciprocal", 1e300, 3e299),
    ("reciprocal", 1.5e-160, 1e-160),             # -1/x**2 overflows
    ("reciprocal", -7e-170, 1e-170),
    ("atan", 1e200, 1e200),
    ("atan", -3e160, 2e160),
    ("atan", 1e300, 1.5e300),
    ("log", 5e-324, 5e-324),                      # 1/x = inf; exactly 1
    ("log", 1e-310, 1e-300),
    ("log", 1.5e308, 1e300),                      # 1/x subnormal
    ("log2", 5e-324, 5e-324),
    ("log2", 3e-315, 1e-310),
    ("log10", 5e-324, 5e-324),
    ("log10", 1.2e308, 1e300),
    ("log1p", 1.5e308, 1e300),
    ("asinh", 1.7e308, 1e300),
    ("asinh", -1e308, 1e300),
    ("acosh", 1.7e308, 1e300),
    ("lgamma", 1e-320, 1e-320),                   # digamma ~ -1/x = -inf
    ("lgamma", -4e-315, 1e-315),
    ("digamma", 1e-170, 1e-170),                  # trigamma ~ 1/x**2 = inf
    ("digamma", -3e-200, 1e-200),
    ("sqrt", 5e-324, 5e-324),                     # never out of range: regression
    ("cbrt", 5e-324, 5e-324),
    ("cbrt", -1e-310, 1e-310),
]


def _ids(cases):
    return ["{0}({1!r})*{2!r}".format(*c) for c in cases]


@pytest.mark.parametrize("name,x,t", CASES, ids=_ids(CASES))
def test_table_carries_d1(name, x, t):
    d1 = UNARY[name][2](mp.mpf(x))
    assert not _in_range(d1) or abs(d1) < 1e-300 or abs(d1) > 1e300 or name in (
        "sqrt", "cbrt")
    # the Python view of the table returns g' itself (rounded to a double)
    g = triple(name, x)[1]
    if _in_range(d1) and d1 != 0:
        _close(g, d1, 1e-13 if abs(d1) >= DBL_MIN else 1.0)


def _unary_entry_points(name):
    ufunc, fn = UNARY[name][:2]
    out = []
    if ufunc is not None:
        out.append(ufunc)
    if fn is not None:
        out.append(fn)
    if name == "reciprocal":
        out.append(lambda d: 1.0 / d)
        out.append(lambda d: d ** -1)
    return out


@pytest.mark.parametrize("name,x,t", CASES, ids=_ids(CASES))
def test_dual_and_hyperdual(name, x, t):
    d1, d2 = (f(mp.mpf(x)) for f in UNARY[name][2:])
    ref1 = d1 * mp.mpf(t)
    ref12 = d1 * mp.mpf(t) + d2 * mp.mpf(t) * mp.mpf(t)
    for f in _unary_entry_points(name):
        if f is np.reciprocal or name != "reciprocal" or f(Dual(2.0, 1.0)).eps == -0.25:
            d = f(Dual(x, t))
            _close(d.eps, ref1)
            h = f(HyperDual(x, t, t, t))
            assert h.eps1 == d.eps and h.eps2 == d.eps       # bit for bit
            if _in_range(ref12) and ref12 != 0:
                # also 1.0 / h and h ** -1: division's and the power's
                # partials, second ones included, are carried like g''
                _close(h.eps1eps2, ref12, 1e-13)


@pytest.mark.parametrize("name,x,t", CASES, ids=_ids(CASES))
def test_arrays(name, x, t):
    ufunc = UNARY[name][0]
    if ufunc is None:
        # no NumPy ufunc: the array types apply the rule directly, the scalars
        # through dualcalc.math or the generic unary entry point
        def ufunc(a, name=name):
            if isinstance(a, (DualArray, HyperDualArray)):
                return apply_rule(a, name)
            return _scalar_unary(a, name)
    d1, d2 = (f(mp.mpf(x)) for f in UNARY[name][2:])
    ref1 = d1 * mp.mpf(t)
    ref12 = d1 * mp.mpf(t) + d2 * mp.mpf(t) * mp.mpf(t)
    # the extreme element beside ordinary ones (the kernel's slow path must
    # leave the others alone) and two directions, one of them zero there
    v = np.array([x, 0.5 if name != "acosh" else 2.0])
    a = ufunc(DualArray(v, np.array([[t, 1.0], [0.0, 2.0]])))
    _close(a.eps[0, 0], ref1)
    assert a.eps[1, 0] == 0.0
    ordinary = ufunc(Dual(v[1], 1.0)).eps
    assert a.eps[0, 1] == ordinary and a.eps[1, 1] == ufunc(Dual(v[1], 2.0)).eps
    assert a.eps[0, 0] == ufunc(Dual(x, t)).eps
    h = ufunc(HyperDualArray(v, np.array([[t, 1.0]]), np.array([[t, 1.0]]),
                             np.array([[[t, 0.0]]])))
    hd = ufunc(HyperDual(x, t, t, t))
    assert h.eps1[0, 0] == hd.eps1 and h.eps2[0, 0] == hd.eps2
    assert h.eps1eps2[0, 0, 0] == hd.eps1eps2
    assert h.eps1[0, 1] == ordinary
    if _in_range(ref12) and ref12 != 0:
        _close(h.eps1eps2[0, 0, 0], ref12, 1e-13)


def test_banded_paths():
    """jacobian / hessian of elementwise functions run the banded kernels."""
    x = np.array([1.0, 2.0, 4.0])
    jac = dualcalc.jacobian(lambda v: np.reciprocal(v * 1e173), x)
    for i in range(3):
        _close(jac[i, i], -mp.mpf(1e173) / (mp.mpf(1e173) * mp.mpf(x[i])) ** 2)
    jac = dualcalc.jacobian(lambda v: 3.0 / (v * 1e200), x)
    for i in range(3):
        _close(jac[i, i], -3 * mp.mpf(1e200) / (mp.mpf(1e200) * mp.mpf(x[i])) ** 2)
    jac = dualcalc.jacobian(lambda v: np.log(v * 5e-324), x)
    for i in range(3):
        _close(jac[i, i], 1 / mp.mpf(x[i]))
    hess = dualcalc.hessian(lambda v: np.sum(np.reciprocal(v * 1e173)), x)
    for i in range(3):
        xe = mp.mpf(1e173) * mp.mpf(x[i])
        _close(hess[i, i], 2 / xe ** 3 * mp.mpf(1e173) ** 2, 1e-13)
    hess = dualcalc.hessian(lambda v: np.sum(np.log1p(v * 1.5e307)), x)
    for i in range(3):
        u = 1 + mp.mpf(1.5e307) * mp.mpf(x[i])
        _close(hess[i, i], -mp.mpf(1.5e307) ** 2 / u ** 2, 1e-13)
    # scalar derivative API over a scaled inner function
    _close(dualcalc.derivative(lambda s: dm.atan(s * 1e200), 1.0),
           mp.mpf(1e200) / (1 + mp.mpf(1e200) ** 2))


# ---------------------------------------------------------------- partials
def _dual_args(x, y, tx, ty):
    return Dual(x, tx) if tx else x, Dual(y, ty) if ty else y


# (name, function on Duals, x, y, tx, ty, mp Fx, mp Fy)
BIN = [
    ("divide", lambda a, b: a / b, 3.0, 1e200, 0.0, 1e200,
     lambda x, y: 1 / y, lambda x, y: -x / y ** 2),
    ("divide", lambda a, b: a / b, 1.0, 1e-160, 0.0, 1e-160,
     lambda x, y: 1 / y, lambda x, y: -x / y ** 2),
    ("divide", lambda a, b: a / b, 1e-300, 5e-320, 1e-300, 0.0,
     lambda x, y: 1 / y, lambda x, y: -x / y ** 2),
    ("divide", lambda a, b: a / b, 7.0, -1e300, 1e300, 1e300,
     lambda x, y: 1 / y, lambda x, y: -x / y ** 2),
    ("divide", lambda a, b: a / b, 1e-300, 1e50, 1.0, 1e50,
     lambda x, y: 1 / y, lambda x, y: -x / y ** 2),
    ("power", lambda a, b: a ** b, 1e10, -30.0, 1e10, 0.0,
     lambda x, y: y * x ** (y - 1), lambda x, y: x ** y * mp.log(x)),
    ("power", dm.pow, 1e-10, 30.0, 1e-10, 0.0,
     lambda x, y: y * x ** (y - 1), lambda x, y: x ** y * mp.log(x)),
    ("atan2", dm.atan2, 1.0, 1e200, 0.0, 1e200,
     lambda y, x: x / (x ** 2 + y ** 2), lambda y, x: -y / (x ** 2 + y ** 2)),
    ("atan2", dm.atan2, 5e-324, 1e-323, 5e-324, 0.0,
     lambda y, x: x / (x ** 2 + y ** 2), lambda y, x: -y / (x ** 2 + y ** 2)),
    ("atan2", dm.atan2, 1e-323, -5e-324, 0.0, 1e-320,
     lambda y, x: x / (x ** 2 + y ** 2), lambda y, x: -y / (x ** 2 + y ** 2)),
    ("atan2", dm.atan2, -1e300, 1.5e308, 1e300, 1e300,
     lambda y, x: x / (x ** 2 + y ** 2), lambda y, x: -y / (x ** 2 + y ** 2)),
    ("hypot", dm.hypot, 1e-300, 1e100, 1e100, 0.0,
     lambda x, y: x / mp.sqrt(x ** 2 + y ** 2), lambda x, y: y / mp.sqrt(x ** 2 + y ** 2)),
    ("hypot", dm.hypot, 3e100, -2e-290, 1.0, 1e100,
     lambda x, y: x / mp.sqrt(x ** 2 + y ** 2), lambda x, y: y / mp.sqrt(x ** 2 + y ** 2)),
]
_UFUNC = {"divide": np.true_divide, "power": np.power, "atan2": np.arctan2,
          "hypot": np.hypot}


def _bin_ids():
    return ["{0}({2!r},{3!r})".format(*c) for c in BIN]


def _bin_ref(c):
    name, f, x, y, tx, ty, fx, fy = c
    X, Y = mp.mpf(x), mp.mpf(y)
    return fx(X, Y) * mp.mpf(tx) + fy(X, Y) * mp.mpf(ty)


@pytest.mark.parametrize("c", BIN, ids=_bin_ids())
def test_partials_table(c):
    name, f, x, y, tx, ty, fx, fy = c
    p = partials(name, x, y)
    for got, ref in ((p[1], fx(mp.mpf(x), mp.mpf(y))), (p[2], fy(mp.mpf(x), mp.mpf(y)))):
        if DBL_MIN <= abs(ref) <= 1.7e308:
            _close(got, ref, 1e-13)


@pytest.mark.parametrize("c", BIN, ids=_bin_ids())
def test_partials_scalars(c):
    name, f, x, y, tx, ty = c[:6]
    ref = _bin_ref(c)
    for g in (f, _UFUNC[name]):
        d = g(*_dual_args(x, y, tx, ty))
        _close(d.eps, ref)
        hx = HyperDual(x, tx, tx, 0.0) if tx else x
        hy = HyperDual(y, ty, ty, 0.0) if ty else y
        h = g(hx, hy)
        assert h.eps1 == d.eps and h.eps2 == d.eps               # bit for bit
        # the first-order part of eps1eps2 (eps1 = eps2 = 0, eps1eps2 = t)
        hx = HyperDual(x, 0.0, 0.0, tx) if tx else x
        hy = HyperDual(y, 0.0, 0.0, ty) if ty else y
        assert g(hx, hy).eps1eps2 == d.eps


@pytest.mark.parametrize("c", BIN, ids=_bin_ids())
def test_partials_arrays(c):
    name, f, x, y, tx, ty = c[:6]
    ref = _bin_ref(c)
    ufunc = _UFUNC[name]
    d = ufunc(*_dual_args(x, y, tx, ty))
    # beside an ordinary element, two directions (the second one zero here)
    xv, yv = np.array([x, 2.0]), np.array([y, 3.0])
    A = DualArray(xv, np.array([[tx, 1.0], [0.0, 1.0]])) if tx else xv
    B = DualArray(yv, np.array([[ty, 0.5], [0.0, 1.0]])) if ty else yv
    r = ufunc(A, B)
    assert r.eps[0, 0] == d.eps
    _close(r.eps[0, 0], ref)
    assert r.eps[1, 0] == 0.0
    o = ufunc(Dual(2.0, 1.0) if tx else 2.0, Dual(3.0, 0.5) if ty else 3.0)
    assert r.eps[0, 1] == o.eps
    HA = HyperDualArray(xv, np.array([[tx, 1.0]]), np.array([[tx, 1.0]]),
                        np.array([[[0.0, 0.0]]])) if tx else xv
    HB = HyperDualArray(yv, np.array([[ty, 0.5]]), np.array([[ty, 0.5]]),
                        np.array([[[0.0, 0.0]]])) if ty else yv
    h = ufunc(HA, HB)
    hs = ufunc(HyperDual(x, tx, tx, 0.0) if tx else x,
               HyperDual(y, ty, ty, 0.0) if ty else y)
    assert h.eps1[0, 0] == d.eps and h.eps2[0, 0] == d.eps
    assert h.eps1eps2[0, 0, 0] == hs.eps1eps2 or (
        math.isnan(h.eps1eps2[0, 0, 0]) and math.isnan(hs.eps1eps2))
    HA = HyperDualArray(xv, np.zeros((1, 2)), np.zeros((1, 2)),
                        np.array([[[tx, 1.0]]])) if tx else xv
    HB = HyperDualArray(yv, np.zeros((1, 2)), np.zeros((1, 2)),
                        np.array([[[ty, 0.5]]])) if ty else yv
    assert ufunc(HA, HB).eps1eps2[0, 0, 0] == d.eps


def test_zero_tangents_stay_zero():
    """A scaled g' or partial never turns an exactly-zero tangent nonzero."""
    assert np.reciprocal(Dual(1e173, 0.0)).eps == 0.0
    assert dm.log(Dual(5e-324, 0.0)).eps == 0.0
    assert (3.0 / Dual(1e200, 0.0)).eps == 0.0
    h = np.reciprocal(HyperDual(1e173, 0.0, 1e173, 0.0))
    assert h.eps1 == 0.0 and h.eps1eps2 == 0.0
    a = np.reciprocal(DualArray(np.array([1e173]), np.array([[0.0], [1e173]])))
    assert a.eps[0, 0] == 0.0


def test_infinite_tangent_with_scaled_derivative():
    assert np.reciprocal(Dual(1e173, math.inf)).eps == -math.inf
    assert math.isnan(np.reciprocal(Dual(1e173, math.nan)).eps)


# (x, y, tx, ty): division's second partials -1/y**2 and 2x/y**3 alone leave the
# range, d2(x/y) = Fxx tx**2 + 2 Fxy tx ty + Fyy ty**2 does not
DIV2 = [(3.0, 1e173, 0.0, 1e173), (1.0, 1e-110, 0.0, 1e-110), (2e100, 1e200, 1e100, 1e200),
        (-5.0, -3e160, 1.0, 1e160)]


@pytest.mark.parametrize("x,y,tx,ty", DIV2)
def test_division_second_partials(x, y, tx, ty):
    X, Y, TX, TY = (mp.mpf(v) for v in (x, y, tx, ty))
    ref1 = TX / Y - X * TY / Y ** 2
    ref2 = -2 * TX * TY / Y ** 2 + 2 * X * TY ** 2 / Y ** 3
    hx = HyperDual(x, tx, tx, 0.0) if tx else x
    hy = HyperDual(y, ty, ty, 0.0)
    h = hx / hy
    _close(h.eps1, ref1)
    _close(h.eps1eps2, ref2, 1e-13)
    assert np.true_divide(hx, hy).eps1eps2 == h.eps1eps2
    ax = HyperDualArray(np.array([x, 2.0]), np.array([[tx, 1.0]]), np.array([[tx, 1.0]]),
                        np.zeros((1, 1, 2))) if tx else np.array([x, 2.0])
    ay = HyperDualArray(np.array([y, 3.0]), np.array([[ty, 1.0]]), np.array([[ty, 1.0]]),
                        np.zeros((1, 1, 2)))
    r = ax / ay
    assert r.eps1eps2[0, 0, 0] == h.eps1eps2
    o = (HyperDual(2.0, 1.0, 1.0, 0.0) if tx else 2.0) / HyperDual(3.0, 1.0, 1.0, 0.0)
    assert r.eps1eps2[0, 0, 1] == o.eps1eps2


def test_hessian_of_a_scaled_division():
    """hessian of 1/(s 1e173) through the operator (the banded hyper kernels)."""
    s = np.array([1.0, 2.0])
    hess = dualcalc.hessian(lambda v: np.sum(1.0 / (v * 1e173)), s)
    for i in range(2):
        _close(hess[i, i], 2 / (mp.mpf(1e173) * mp.mpf(s[i]) ** 3), 1e-13)
    assert hess[0, 1] == 0.0
