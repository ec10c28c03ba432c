"""The rule table against mpmath: every rule, on Dual and HyperDual, at the edges.

For each one-variable rule g in ``dualcalc._core._table.RULES`` the kernel
triple (g, g', g'') and every public entry point mapped to the rule (the NumPy
ufuncs, the dualcalc.math function, the operator) are evaluated on

* ``Dual(x, 1)``                      -> value g(x), eps g'(x)
* ``HyperDual(x, 1, 1, 0)``           -> value g(x), eps1 = eps2 g'(x), eps1eps2 g''(x)

and compared with g, g', g'' evaluated by mpmath at 50 digits.  The accuracy
criterion (relative error <= 1e-14 * max(1, condition number), the condition
number of g, g' resp. g'' computed by mpmath) is described in conftest.py.

The two-argument functions are checked the same way through ``partials``
(F, Fx, Fy, Fxx, Fxy, Fyy), and through Dual/HyperDual arithmetic with the
perturbation in the first argument, the second, or both.
"""
import fractions
import math
import operator
import random

import mpmath as mp
import numpy as np
import pytest

import dualcalc.math as dm
from dualcalc import Dual, HyperDual
from dualcalc._core import _scalar
from dualcalc._core import _table
from dualcalc._core._table import BINARY, RULES, partials, triple

from conftest import DPS, check, condition, mpf

mp.mp.dps = DPS

# ---------------------------------------------------------------- points
TINY = [5e-324, 1e-310, 2.2250738585072014e-308, 1e-300, 1e-200, 1e-100, 1e-20,
        1e-10, 1e-5, 1e-3]
MEDIUM = [0.1, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 5.0, 7.5, 10.0,
          20.0, 31.4]
LARGE = [100.0, 1e3, 1e5, 1e10, 1e20, 1e50, 1e100, 1e200, 1e300, 1.7e308]


def _sym(points):
    return sorted(set(points) | {-p for p in points})


def _random(lo, hi, n, seed, log=True):
    """n seeded points in [lo, hi], log-uniform when log (lo > 0)."""
    rng = random.Random(seed)
    if log:
        return [math.exp(rng.uniform(math.log(lo), math.log(hi))) for _ in range(n)]
    return [rng.uniform(lo, hi) for _ in range(n)]


POS = TINY + MEDIUM + LARGE + _random(1e-8, 1e8, 12, 1)
REAL = _sym(POS) + [0.0]
NEAR_ONE = [1 - 2 ** -53, 1 - 2 ** -40, 1 - 1e-10, 1 - 1e-5, 0.999, 0.99, 0.9,
            0.75, 0.5]
UNIT = _sym(NEAR_ONE + TINY + [0.3, 0.1]) + [0.0] + _random(-1, 1, 12, 2, log=False)
# near the poles and roots of Gamma, and the negative axis (non-integers)
GAMMA_NEG = [-0.5, -1.5, -2.5, -3.7, -10.5, -20.25, -100.5, -150.3, -1e-10,
             -1 + 1e-10, -1 - 1e-10, -2 + 2 ** -40, -3 - 2 ** -30, -0.999, -5.001]
GAMMA_POS = ([5e-324, 1e-300, 1e-100, 1e-20, 1e-10, 1e-3, 0.1, 0.5, 1.0,
              1 + 2 ** -40, 1.4616321449683622, 1.5, 2.0, 2.5, 3.0, 5.5, 9.99, 10.0,
              10.01, 17.5, 50.0, 100.0, 170.5, 171.6]
             + _random(1e-5, 170, 12, 3))

# ---------------------------------------------------------------- references
LN2 = mp.log(2)
LN10 = mp.log(10)


def _cbrt(x):
    return mp.sign(x) * mp.root(abs(x), 3) if x else mp.mpf(0)


def _psi(n, x):
    """polygamma(n, x); for x < 0 by the reflection formula (mpmath's own
    polygamma takes minutes at large negative x)."""
    if x >= 0:
        return mp.polygamma(n, x)
    s, c = mp.sinpi(x), mp.cospi(x)
    if n == 0:
        return mp.polygamma(0, 1 - x) - mp.pi * c / s
    if n == 1:
        return -mp.polygamma(1, 1 - x) + mp.pi ** 2 / s ** 2
    return mp.polygamma(2, 1 - x) - 2 * mp.pi ** 3 * c / s ** 3


def _sgn(x):
    return mp.mpf(mp.sign(x))


# name -> function of an mpf returning (g, g', g'') as mpf
REFERENCE = {
    "sin": lambda x: (mp.sin(x), mp.cos(x), -mp.sin(x)),
    "cos": lambda x: (mp.cos(x), -mp.sin(x), -mp.cos(x)),
    "tan": lambda x: (mp.tan(x), mp.sec(x) ** 2, 2 * mp.tan(x) * mp.sec(x) ** 2),
    "asin": lambda x: (mp.asin(x), 1 / mp.sqrt(1 - x * x), x / (1 - x * x) ** 1.5),
    "acos": lambda x: (mp.acos(x), -1 / mp.sqrt(1 - x * x), -x / (1 - x * x) ** 1.5),
    "atan": lambda x: (mp.atan(x), 1 / (1 + x * x), -2 * x / (1 + x * x) ** 2),
    "sinh": lambda x: (mp.sinh(x), mp.cosh(x), mp.sinh(x)),
    "cosh": lambda x: (mp.cosh(x), mp.sinh(x), mp.cosh(x)),
    "tanh": lambda x: (mp.tanh(x), mp.sech(x) ** 2, -2 * mp.tanh(x) * mp.sech(x) ** 2),
    "asinh": lambda x: (mp.asinh(x), 1 / mp.sqrt(1 + x * x), -x / (1 + x * x) ** 1.5),
    "acosh": lambda x: (mp.acosh(x), 1 / mp.sqrt(x * x - 1), -x / (x * x - 1) ** 1.5),
    "atanh": lambda x: (mp.atanh(x), 1 / (1 - x * x), 2 * x / (1 - x * x) ** 2),
    "exp": lambda x: (mp.exp(x),) * 3,
    "exp2": lambda x: (2 ** x, LN2 * 2 ** x, LN2 ** 2 * 2 ** x),
    "expm1": lambda x: (mp.expm1(x), mp.exp(x), mp.exp(x)),
    "log": lambda x: (mp.log(x), 1 / x, -1 / x ** 2),
    "log2": lambda x: (mp.log(x) / LN2, 1 / (x * LN2), -1 / (x * x * LN2)),
    "log10": lambda x: (mp.log10(x), 1 / (x * LN10), -1 / (x * x * LN10)),
    "log1p": lambda x: (mp.log1p(x), 1 / (1 + x), -1 / (1 + x) ** 2),
    "sqrt": lambda x: (mp.sqrt(x), 1 / (2 * mp.sqrt(x)), -1 / (4 * x * mp.sqrt(x))),
    "cbrt": lambda x: (_cbrt(x), 1 / (3 * _cbrt(x) ** 2), -2 / (9 * _cbrt(x) ** 5)),
    "erf": lambda x: (mp.erf(x), 2 / mp.sqrt(mp.pi) * mp.exp(-x * x),
                      -4 * x / mp.sqrt(mp.pi) * mp.exp(-x * x)),
    "erfc": lambda x: (mp.erfc(x), -2 / mp.sqrt(mp.pi) * mp.exp(-x * x),
                       4 * x / mp.sqrt(mp.pi) * mp.exp(-x * x)),
    "gamma": lambda x: (mp.gamma(x), mp.gamma(x) * _psi(0, x),
                        mp.gamma(x) * (_psi(0, x) ** 2 + _psi(1, x))),
    "lgamma": lambda x: (mp.log(abs(mp.gamma(x))), _psi(0, x), _psi(1, x)),
    "digamma": lambda x: (_psi(0, x), _psi(1, x), _psi(2, x)),
    "abs": lambda x: (abs(x), _sgn(x), mp.mpf(0)),
    "degrees": lambda x: (x * 180 / mp.pi, 180 / mp.pi, mp.mpf(0)),
    "radians": lambda x: (x * mp.pi / 180, mp.pi / 180, mp.mpf(0)),
    "floor": lambda x: (mp.floor(x), mp.mpf(0), mp.mpf(0)),
    "ceil": lambda x: (mp.ceil(x), mp.mpf(0), mp.mpf(0)),
    "trunc": lambda x: (mp.floor(x) if x >= 0 else mp.ceil(x), mp.mpf(0), mp.mpf(0)),
    "rint": lambda x: (mp.nint(x), mp.mpf(0), mp.mpf(0)),
    "square": lambda x: (x * x, 2 * x, mp.mpf(2)),
    "reciprocal": lambda x: (1 / x, -1 / x ** 2, 2 / x ** 3),
    "sign": lambda x: (_sgn(x), mp.mpf(0), mp.mpf(0)),
    "negative": lambda x: (-x, mp.mpf(-1), mp.mpf(0)),
    "positive": lambda x: (x, mp.mpf(1), mp.mpf(0)),
}

# Piecewise-constant / piecewise-linear rules: their condition numbers are 0
# (or undefined at the jumps), so they are checked exactly.
EXACT = {"floor", "ceil", "trunc", "rint", "sign", "abs", "negative", "positive"}

# name -> points of the domain where g, g', g'' are finite
POINTS = {
    "sin": REAL + [1e22, 3.141592653589793, 1.5707963267948966, 6.283185307179586,
                   355.0, 103993.0],
    "cos": REAL + [1e22, 3.141592653589793, 1.5707963267948966, 6.283185307179586,
                   355.0 / 2, 103993.0 / 2],
    "tan": REAL + [1e22, 1.5707963267948966, -1.5707963267948966, 1.57, 1.5707963],
    "asin": UNIT,
    "acos": UNIT,
    "atan": REAL + [1e150, 1.1e150, 9e149, 1e155, -1e200],
    "sinh": _sym(TINY + MEDIUM + [100.0, 500.0, 709.0, 710.4, 710.5, 711.0]) + [0.0],
    "cosh": _sym(TINY + MEDIUM + [100.0, 500.0, 709.0, 710.4, 710.5, 711.0]) + [0.0],
    "tanh": _sym(TINY + MEDIUM + [0.49, 0.51, 18.0, 19.5, 100.0, 355.0, 370.0,
                                  400.0, 710.0, 1e5, 1e300]) + [0.0],
    "asinh": REAL,
    "acosh": [1 + 2 ** -52, 1 + 2 ** -40, 1 + 1e-10, 1.001, 1.5, 2.0, 10.0, 1e5,
              1e10, 1e100, 9e149, 1e150, 1.1e150, 1e154, 1.4e154, 1e200, 1e300,
              1.7e308] + _random(1.0000001, 1e6, 8, 4),
    "atanh": UNIT,
    "exp": _sym(TINY + MEDIUM + [100.0, 700.0, 709.78, 709.79, 745.0, 746.0])
    + [0.0, -708.0, -740.0, -1000.0],
    "exp2": _sym(TINY + MEDIUM + [100.0, 1000.0, 1023.9, 1024.0])
    + [0.0, -1022.0, -1074.0, -1075.0, -1100.0],
    "expm1": _sym(TINY + MEDIUM + [100.0, 700.0, 709.78, 710.0]) + [0.0, -40.0, -1000.0],
    "log": POS + [1 + 2 ** -52, 1 - 2 ** -53, 0.99, 1.01],
    "log2": POS + [1 + 2 ** -52, 1 - 2 ** -53, 0.99, 1.01, 1024.0],
    "log10": POS + [1 + 2 ** -52, 1 - 2 ** -53, 0.99, 1.01, 1000.0],
    "log1p": POS + [-p for p in TINY + NEAR_ONE] + [0.0, -0.9999999999],
    "sqrt": POS,
    "cbrt": _sym(POS) + [8.0, -27.0],
    "erf": _sym(TINY + MEDIUM + [0.84, 2.5, 4.0, 5.9, 6.0, 26.0, 27.3, 100.0, 1e10, 1e300]) + [0.0],
    "erfc": _sym(TINY + MEDIUM + [0.47, 4.0, 6.0, 10.0, 26.0, 26.5, 27.2, 28.0, 100.0])
    + [0.0],
    "gamma": GAMMA_POS + GAMMA_NEG + [171.7, -170.5, -171.5, -180.5],
    "lgamma": GAMMA_POS + GAMMA_NEG + [2 - 2 ** -40, 2 + 2 ** -40, -2.4570247,
                                       1e10, 1e100, 1e300, 2.5e305, -1e10 - 0.5],
    "digamma": GAMMA_POS + GAMMA_NEG + [1e10, 1e100, 1e300, -1e10 - 0.5],
    "abs": REAL,
    "degrees": REAL,
    "radians": REAL,
    "floor": REAL + [0.5, -0.5, 2.5, -2.5, 4503599627370495.5, 1.5e300],
    "ceil": REAL + [0.5, -0.5, 2.5, -2.5, 4503599627370495.5],
    "trunc": REAL + [0.5, -0.5, 2.5, -2.5],
    "rint": REAL + [0.5, -0.5, 1.5, 2.5, -2.5, 3.5, 4503599627370495.5],
    "square": REAL,
    "reciprocal": [p for p in REAL if p != 0],
    "sign": REAL,
    "negative": REAL,
    "positive": REAL,
}
for _name in ("sin", "cos", "tan"):
    POINTS[_name] = [p for p in POINTS[_name] if p != 1.7e308]

# name -> the public functions mapped to the rule (all take a Dual/HyperDual)
ENTRIES = {
    "sin": [np.sin, dm.sin], "cos": [np.cos, dm.cos], "tan": [np.tan, dm.tan],
    "asin": [np.arcsin, dm.asin], "acos": [np.arccos, dm.acos],
    "atan": [np.arctan, dm.atan], "sinh": [np.sinh, dm.sinh],
    "cosh": [np.cosh, dm.cosh], "tanh": [np.tanh, dm.tanh],
    "asinh": [np.arcsinh, dm.asinh], "acosh": [np.arccosh, dm.acosh],
    "atanh": [np.arctanh, dm.atanh], "exp": [np.exp, dm.exp],
    "exp2": [np.exp2, dm.exp2], "expm1": [np.expm1, dm.expm1],
    "log": [np.log, dm.log], "log2": [np.log2, dm.log2], "log10": [np.log10, dm.log10],
    "log1p": [np.log1p, dm.log1p], "sqrt": [np.sqrt, dm.sqrt],
    "cbrt": [np.cbrt, dm.cbrt], "erf": [dm.erf], "erfc": [dm.erfc],
    "gamma": [dm.gamma], "lgamma": [dm.lgamma],
    "abs": [np.absolute, np.fabs, dm.fabs, abs],
    "degrees": [np.degrees, np.rad2deg, dm.degrees],
    "radians": [np.radians, np.deg2rad, dm.radians],
    "floor": [np.floor, dm.floor], "ceil": [np.ceil, dm.ceil],
    "trunc": [np.trunc, dm.trunc], "rint": [np.rint], "square": [np.square],
    "reciprocal": [np.reciprocal], "sign": [np.sign],
    "negative": [np.negative, operator.neg],
    "positive": [np.positive, np.conjugate, operator.pos],
    # digamma is a building block of the table with no public function of its
    # own (SciPy's special ufuncs are not mapped); its kernel is checked directly.
    "digamma": [],
}

# the dualcalc.math entries (they raise where math raises)
_DM = {f for fs in ENTRIES.values() for f in fs
       if getattr(f, "__module__", "").startswith("dualcalc")}


def _entry_name(f):
    prefix = "np." if isinstance(f, np.ufunc) else ("dm." if f in _DM else "")
    return prefix + getattr(f, "__name__", repr(f))


# ---------------------------------------------------------------- evaluation
_REF_CACHE = {}


def reference(name, x):
    """((g, g', g''), (cond g, cond g', cond g'')) by mpmath at the double x."""
    key = (name, x)
    if key not in _REF_CACHE:
        with mp.workdps(DPS):
            X = mpf(x)
            vals = REFERENCE[name](X)
            if name in EXACT:
                conds = (0, 0, 0)
            else:
                conds = tuple(
                    condition(lambda t, k=k: REFERENCE[name](t)[k], (X,)) for k in range(3))
        _REF_CACHE[key] = (vals, conds)
    return _REF_CACHE[key]


def _outputs(name, f, x):
    """[(label, got, k)] for one entry point f: k = 0, 1, 2 picks g, g', g''."""
    d = f(Dual(x, 1.0))
    h = f(HyperDual(x, 1.0, 1.0, 0.0))
    assert type(d) is Dual and type(h) is HyperDual, (name, f)
    return [("Dual.value", d.value, 0), ("Dual.eps", d.eps, 1),
            ("HyperDual.value", h.value, 0), ("HyperDual.eps1", h.eps1, 1),
            ("HyperDual.eps2", h.eps2, 1), ("HyperDual.eps1eps2", h.eps1eps2, 2)]


def measure(name):
    """Every output of rule ``name`` at every point: a list of
    (where, x, component, got, ref, ok, ratio)."""
    rows = []
    for x in POINTS[name]:
        (vals, conds) = reference(name, x)
        outs = [("triple", t, k) for k, t in enumerate(triple(name, x))]
        for f in ENTRIES[name]:
            if f in _DM:
                # dualcalc.math raises where math raises, with math's exception
                # (Python 3.10's math has no cbrt/exp2: dualcalc.math's own float
                # path stands for it there)
                try:
                    getattr(math, f.__name__, f)(x)
                except (OverflowError, ValueError) as e:
                    with pytest.raises(type(e)):
                        f(Dual(x, 1.0))
                    with pytest.raises(type(e)):
                        f(HyperDual(x, 1.0, 1.0, 0.0))
                    continue
            with np.errstate(all="ignore"):
                outs += [(_entry_name(f) + " " + lab, got, k)
                         for lab, got, k in _outputs(name, f, x)]
        for where, got, k in outs:
            ok, ratio = check(got, vals[k], conds[k])
            rows.append((where, x, ("g", "g'", "g''")[k], got, vals[k], ok, ratio))
    return rows


# ---------------------------------------------------------------- the table loop
def test_every_rule_has_a_reference_points_and_entries():
    assert set(RULES) == set(REFERENCE) == set(POINTS) == set(ENTRIES)
    for name, entries in ENTRIES.items():
        assert entries or name == "digamma", name


def test_numpy_ufunc_map_matches_the_table():
    """Every ufunc the scalars implement is tested above, under the right rule."""
    tested = {f: name for name, fs in ENTRIES.items() for f in fs
              if isinstance(f, np.ufunc)}
    assert set(_scalar._UNARY_UFUNCS) == set(tested)
    for ufunc, rid in _scalar._UNARY_UFUNCS.items():
        assert RULES[tested[ufunc]] == rid, ufunc.__name__


@pytest.mark.parametrize("name", sorted(RULES))
def test_rule_against_mpmath(name):
    rows = measure(name)
    assert len({r[1] for r in rows}) >= 15, "too few points for " + name
    bad = [r for r in rows if not r[5]]
    assert not bad, "\n".join(
        "{0} at x={1!r}: {2} = {3!r}, mpmath {4} (err/allowed {5:.3g})".format(
            w, x, c, got, mp.nstr(ref, 20), ratio)
        for w, x, c, got, ref, ok, ratio in bad[:20])


def test_edge_points_with_infinite_derivatives():
    """At the ends of a domain the derivative is infinite with the right sign."""
    inf = math.inf
    assert triple("sqrt", 0.0) == (0.0, inf, -inf)
    assert triple("asin", 1.0)[:2] == (math.pi / 2, inf)
    assert triple("asin", -1.0)[:2] == (-math.pi / 2, inf)
    assert triple("acos", 1.0)[:2] == (0.0, -inf)
    assert triple("acosh", 1.0)[:2] == (0.0, inf)
    assert triple("log", 0.0)[:2] == (-inf, inf)
    assert triple("log1p", -1.0)[:2] == (-inf, inf)
    assert triple("atanh", 1.0)[:2] == (inf, inf)
    assert triple("atanh", -1.0)[:2] == (-inf, inf)
    assert triple("cbrt", 0.0)[:2] == (0.0, inf)
    assert triple("reciprocal", 0.0) == (inf, -inf, inf)


@pytest.mark.parametrize("name,x", [("log", -1.0), ("log2", -2.0), ("log10", -0.5),
                                    ("log1p", -2.0), ("sqrt", -1.0), ("asin", 1.5),
                                    ("acos", -2.0), ("acosh", 0.5), ("atanh", 2.0)])
def test_outside_the_domain_everything_is_nan(name, x):
    assert all(math.isnan(c) for c in triple(name, x))


# ---------------------------------------------------------------- polygamma
PSI_POINTS = (GAMMA_POS + GAMMA_NEG
              + [1e5, 1e10, 1e15, 1e100, 1e300, -1e5 - 0.5, -0.1, -0.9, -7.3]
              + _random(1e-3, 1e3, 12, 5) + [-v for v in _random(0.01, 300, 12, 6)])


@pytest.mark.parametrize("fn,order", [(_table.digamma, 0), (_table.trigamma, 1),
                                      (_table.tetragamma, 2)])
def test_polygamma_against_mpmath(fn, order):
    bad = []
    for x in PSI_POINTS:
        X = mpf(x)
        ref = _psi(order, X)
        cond = condition(lambda t: _psi(order, t), (X,))
        ok, ratio = check(fn(x), ref, cond)
        if not ok:
            bad.append((x, fn(x), mp.nstr(ref, 20), ratio))
    assert not bad, bad


@pytest.mark.parametrize("fn", [_table.digamma, _table.trigamma, _table.tetragamma])
def test_polygamma_poles_are_nan(fn):
    for x in [0.0, -1.0, -2.0, -50.0, -1e10]:
        assert math.isnan(fn(x))
    assert math.isnan(fn(math.nan))


def test_polygamma_limits():
    assert _table.digamma(math.inf) == math.inf
    assert _table.trigamma(math.inf) == 0.0
    assert _table.tetragamma(math.inf) == 0.0


# ---------------------------------------------------------------- two-argument functions
def _F(x):
    return fractions.Fraction(x)


def _py_mod(x, y):
    return x % y


def _floor_frac(q):
    return q.numerator // q.denominator


def _round_half_even(q):
    n = _floor_frac(q)
    r = q - n
    if r > fractions.Fraction(1, 2) or (r == fractions.Fraction(1, 2) and n % 2):
        n += 1
    return n


def _trunc_quotient(x, y, f):
    q = _F(x) / _F(y)
    return _floor_frac(q) if q >= 0 else -_floor_frac(-q)


def _floor_quotient(x, y, f):
    return _floor_frac(_F(x) / _F(y))


def _nearest_quotient(x, y, f):
    return _round_half_even(_F(x) / _F(y))


def _ref_pow(x, y):
    X, Y = mpf(x), mpf(y)
    f = X ** Y
    # x**(y-1) and x**(y-2) are infinite at x = 0 for small y: those partials are
    # infinite (checked in test_pow_at_zero_base), unless their coefficient is 0
    fx = Y * X ** (Y - 1) if x != 0 or y > 1 else None
    fxx = Y * (Y - 1) * X ** (Y - 2) if x != 0 or y > 2 else None
    if y == 0:
        fx = fxx = mp.mpf(0)
    if y in (1, 2):
        fx = Y * X ** (Y - 1)
        fxx = Y * (Y - 1)
    if x > 0:
        L = mp.log(X)
        fy, fxy, fyy = f * L, X ** (Y - 1) * (1 + Y * L), f * L * L
    elif x == 0 and y > 0:
        fy, fyy = mp.mpf(0), mp.mpf(0)
        fxy = mp.mpf(0) if y > 1 else None
    else:
        fy = fxy = fyy = None           # x**y is not real near a negative x
    return (f, fx, fy, fxx, fxy, fyy)


def _ref_atan2(a, b):
    A, B = mpf(a), mpf(b)
    r2 = A * A + B * B
    return (mp.atan2(A, B), B / r2, -A / r2, -2 * A * B / r2 ** 2,
            (A * A - B * B) / r2 ** 2, 2 * A * B / r2 ** 2)


def _ref_hypot(a, b):
    A, B = mpf(a), mpf(b)
    r = mp.sqrt(A * A + B * B)
    return (r, A / r, B / r, B * B / r ** 3, -A * B / r ** 3, A * A / r ** 3)


def _ref_logaddexp(a, b, base=None):
    return _mp_logaddexp(mpf(a), mpf(b), base == 2)


def _ref_div(a, b):
    A, B = mpf(a), mpf(b)
    return (A / B, 1 / B, -A / B ** 2, mp.mpf(0), -1 / B ** 2, 2 * A / B ** 3)


def _ref_periodic(a, b, pyf, quotient):
    f = pyf(a, b)
    n = quotient(a, b, f)
    z = mp.mpf(0)
    return (mpf(f), mp.mpf(1), mp.mpf(-n), z, z, z)


def _ref_select(a, b, take_max):
    z = mp.mpf(0)
    if a == b:
        return (mpf(a), mp.mpf(0.5), mp.mpf(0.5), z, z, z)
    first = (a > b) == take_max
    return (mpf(a if first else b), mp.mpf(1 if first else 0), mp.mpf(0 if first else 1),
            z, z, z)


BINARY_REFERENCE = {
    "add": lambda a, b: (mpf(a) + mpf(b), 1, 1, 0, 0, 0),
    "subtract": lambda a, b: (mpf(a) - mpf(b), 1, -1, 0, 0, 0),
    "multiply": lambda a, b: (mpf(a) * mpf(b), mpf(b), mpf(a), 0, 1, 0),
    "divide": _ref_div,
    "power": _ref_pow,
    "atan2": _ref_atan2,
    "hypot": _ref_hypot,
    "copysign": lambda a, b: (mpf(math.copysign(a, b)),
                              0 if a == 0 else math.copysign(1, a) * math.copysign(1, b),
                              0, 0, 0, 0),
    # x - n(x, y) * y with the integer n exact (Fractions): Fx = 1, Fy = -n
    "fmod": lambda a, b: _ref_periodic(a, b, math.fmod, _trunc_quotient),
    "mod": lambda a, b: _ref_periodic(a, b, _py_mod, _floor_quotient),
    "remainder": lambda a, b: _ref_periodic(a, b, math.remainder, _nearest_quotient),
    "floor_divide": lambda a, b: (mpf(a // b), 0, 0, 0, 0, 0),
    "logaddexp": _ref_logaddexp,
    "logaddexp2": lambda a, b: _ref_logaddexp(a, b, 2),
    "maximum": lambda a, b: _ref_select(a, b, True),
    "minimum": lambda a, b: _ref_select(a, b, False),
    "fmax": lambda a, b: _ref_select(a, b, True),
    "fmin": lambda a, b: _ref_select(a, b, False),
}
# exact (piecewise-linear) two-argument functions: no condition numbers needed
BINARY_EXACT = {"add", "subtract", "copysign", "fmod", "mod", "remainder",
                "floor_divide", "maximum", "minimum", "fmax", "fmin"}

_MAGS = [5e-324, 1e-300, 1e-150, 1e-10, 0.3, 0.5, 1.0, 1.5, 2.0, 3.0, 7.25, 1e10,
         1e150, 1e300]
PAIRS_ALL = [(a, b) for a in _sym(_MAGS) + [0.0] for b in _sym(_MAGS) + [0.0]]
PAIRS_NONZERO_Y = [(a, b) for a, b in PAIRS_ALL if b != 0]
_POW_BASES = [0.0, 5e-324, 1e-300, 1e-10, 0.3, 0.5, 1.0, 1 + 2 ** -52, 1.5, 2.0, 3.0,
              10.0, 1e10, 1e300, -0.5, -1.0, -2.0, -3.0, -1e10]
_POW_EXPS = [-3.0, -2.0, -1.0, -0.5, -0.25, -0.1, 0.0, 0.1, 0.3, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 7.0,
             10.0, 100.0, -100.0, 1e-10]
PAIRS_POW = [(a, b) for a in _POW_BASES for b in _POW_EXPS
             if not (a == 0 and b < 0) and not (a < 0 and b != int(b))]
_LAE = [-1e300, -1000.0, -745.0, -50.1, -3.5, -1.0, -1e-10, 0.0, 1e-10, 0.5, 1.0,
        3.3, 40.0, 710.0, 1e10, 1e300]
PAIRS_LAE = [(a, b) for a in _LAE for b in _LAE]
_SEL = [-2.0, -0.5, 0.0, 0.5, 1.0, 3.0]

BINARY_POINTS = {
    "add": PAIRS_ALL, "subtract": PAIRS_ALL, "multiply": PAIRS_ALL,
    "divide": PAIRS_NONZERO_Y, "power": PAIRS_POW,
    "atan2": [p for p in PAIRS_ALL if p != (0.0, 0.0)],
    "hypot": [p for p in PAIRS_ALL if p != (0.0, 0.0)],
    "copysign": PAIRS_ALL,
    "fmod": PAIRS_NONZERO_Y, "mod": PAIRS_NONZERO_Y, "remainder": PAIRS_NONZERO_Y,
    "floor_divide": [p for p in PAIRS_NONZERO_Y if abs(p[0] / p[1]) < 1e300],
    "logaddexp": PAIRS_LAE, "logaddexp2": PAIRS_LAE,
    "maximum": [(a, b) for a in _SEL for b in _SEL],
    "minimum": [(a, b) for a in _SEL for b in _SEL],
    "fmax": [(a, b) for a in _SEL for b in _SEL],
    "fmin": [(a, b) for a in _SEL for b in _SEL],
}

_PARTIAL_NAMES = ("F", "Fx", "Fy", "Fxx", "Fxy", "Fyy")


def binary_reference(name, a, b):
    """(exact partials (None where undefined), their condition numbers)."""
    with mp.workdps(DPS):
        vals = [None if v is None else mp.mpf(v) for v in BINARY_REFERENCE[name](a, b)]
        if name in BINARY_EXACT:
            return vals, [0] * 6
        conds = []
        for k in range(6):
            if vals[k] is None or vals[k] == 0 or (name == "power" and a == 0):
                conds.append(0)
                continue

            def h(s, t, k=k):
                return mp.mpf(BINARY_REFERENCE_MP[name](s, t)[k])
            if name == "power" and a < 0:
                # a negative base has integer exponents only: exact, unperturbed
                conds.append(condition(lambda s, k=k: h(s, mpf(b)), (mpf(a),)))
            else:
                conds.append(condition(h, (mpf(a), mpf(b))))
        return vals, conds


# mpmath versions taking mpf arguments (for the condition numbers)
def _mp_pow(X, Y):
    L = mp.log(X) if X > 0 else mp.mpf(0)
    return (X ** Y, Y * X ** (Y - 1), X ** Y * L, Y * (Y - 1) * X ** (Y - 2),
            X ** (Y - 1) * (1 + Y * L), X ** Y * L * L)


def _mp_logaddexp(A, B, two=False):
    # max + log1p(exp(-|A - B|)): log(e^A + e^B) directly would round 1 + e^-745
    # to 1 even at 50 digits
    c = LN2 if two else 1
    d = -abs(A - B) * c
    f = max(A, B) + mp.log1p(mp.exp(d)) / c
    sa = 1 / (1 + mp.exp((B - A) * c))
    sb = 1 / (1 + mp.exp((A - B) * c))
    return (f, sa, sb, c * sa * sb, -c * sa * sb, c * sa * sb)


BINARY_REFERENCE_MP = {
    "multiply": lambda A, B: (A * B, B, A, 0, 1, 0),
    "divide": lambda A, B: (A / B, 1 / B, -A / B ** 2, 0, -1 / B ** 2, 2 * A / B ** 3),
    "power": _mp_pow,
    "atan2": lambda A, B: (mp.atan2(A, B), B / (A * A + B * B), -A / (A * A + B * B),
                           -2 * A * B / (A * A + B * B) ** 2,
                           (A * A - B * B) / (A * A + B * B) ** 2,
                           2 * A * B / (A * A + B * B) ** 2),
    "hypot": lambda A, B: (mp.sqrt(A * A + B * B), A / mp.sqrt(A * A + B * B),
                           B / mp.sqrt(A * A + B * B), B * B / (A * A + B * B) ** 1.5,
                           -A * B / (A * A + B * B) ** 1.5, A * A / (A * A + B * B) ** 1.5),
    "logaddexp": _mp_logaddexp,
    "logaddexp2": lambda A, B: _mp_logaddexp(A, B, True),
}


def measure_binary(name):
    rows = []
    for a, b in BINARY_POINTS[name]:
        vals, conds = binary_reference(name, a, b)
        got = partials(name, a, b)
        for k in range(6):
            if vals[k] is None:
                continue
            ok, ratio = check(got[k], vals[k], conds[k])
            rows.append(((a, b), _PARTIAL_NAMES[k], got[k], vals[k], ok, ratio))
    return rows


def test_every_binary_function_has_a_reference():
    assert set(BINARY) == set(BINARY_REFERENCE) == set(BINARY_POINTS)
    assert set(_scalar._BINARY_UFUNCS.values()) <= set(BINARY.values())


@pytest.mark.parametrize("name", sorted(BINARY))
def test_partials_against_mpmath(name):
    rows = measure_binary(name)
    bad = [r for r in rows if not r[4]]
    assert not bad, "\n".join(
        "{0}{1}: {2} = {3!r}, mpmath {4} (err/allowed {5:.3g})".format(
            name, p, c, got, mp.nstr(ref, 20), ratio)
        for p, c, got, ref, ok, ratio in bad[:20])


def test_pow_partials_in_y_are_nan_at_negative_base():
    # d/dy x**y = x**y log x is not real for x < 0
    f, fx, fy, fxx, fxy, fyy = partials("power", -2.0, 3.0)
    assert (f, fx, fxx) == (-8.0, 12.0, -12.0)
    assert math.isnan(fy) and math.isnan(fxy) and math.isnan(fyy)


@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin"])
def test_select_ties_average_the_tangents(name):
    assert partials(name, 1.5, 1.5)[:3] == (1.5, 0.5, 0.5)
    f = getattr(np, name)
    assert f(Dual(2.0, 4.0), Dual(2.0, 6.0)).eps == 5.0
    h = f(HyperDual(2.0, 1.0, 2.0, 3.0), HyperDual(2.0, 3.0, 4.0, 5.0))
    assert (h.value, h.eps1, h.eps2, h.eps1eps2) == (2.0, 2.0, 3.0, 4.0)
    # max(x, -x) is abs: zero derivative at the tie, like abs'(0) = 0
    x = Dual(0.0, 1.0)
    assert f(x, -x).eps == 0.0


def test_select_nan_handling():
    nan = math.nan
    assert all(math.isnan(v) for v in partials("maximum", nan, 1.0)[:3])
    assert all(math.isnan(v) for v in partials("minimum", 1.0, nan)[:3])
    assert partials("fmax", nan, 1.0)[:3] == (1.0, 0.0, 1.0)
    assert partials("fmin", 2.0, nan)[:3] == (2.0, 1.0, 0.0)


# ---------------------------------------------------------------- binary through the types
# name -> public callables f(x, y) implementing the function
BINARY_ENTRIES = {
    "add": [operator.add, np.add],
    "subtract": [operator.sub, np.subtract],
    "multiply": [operator.mul, np.multiply],
    "divide": [operator.truediv, np.true_divide],
    "power": [operator.pow, np.power, np.float_power, dm.pow],
    "atan2": [np.arctan2, dm.atan2],
    "hypot": [np.hypot, dm.hypot],
    "copysign": [np.copysign, dm.copysign],
    "fmod": [np.fmod, dm.fmod],
    "mod": [operator.mod, np.remainder],
    "remainder": [dm.remainder],
    "floor_divide": [operator.floordiv, np.floor_divide],
    "logaddexp": [np.logaddexp],
    "logaddexp2": [np.logaddexp2],
    "maximum": [np.maximum],
    "minimum": [np.minimum],
    "fmax": [np.fmax],
    "fmin": [np.fmin],
}


def test_binary_ufunc_map_matches_the_table():
    tested = {f: name for name, fs in BINARY_ENTRIES.items() for f in fs
              if isinstance(f, np.ufunc)}
    assert set(_scalar._BINARY_UFUNCS) == set(tested)
    for ufunc, op in _scalar._BINARY_UFUNCS.items():
        assert BINARY[tested[ufunc]] == op, ufunc.__name__


def _binary_sample(name):
    pts = BINARY_POINTS[name]
    # finite, non-degenerate points where every entry is defined
    pts = [(a, b) for a, b in pts if all(math.isfinite(v) for v in partials(name, a, b))
           and a != 0 and b != 0]
    return pts[:: max(1, len(pts) // 40)]


def _seeded(name, f, a, b):
    """The dual results of f with the perturbation in a, in b, and in both."""
    with np.errstate(all="ignore"):
        return {
            "x": f(Dual(a, 1.0), b),
            "y": f(a, Dual(b, 1.0)),
            "xy": f(Dual(a, 1.0), Dual(b, 1.0)),
            "hx": f(HyperDual(a, 1.0, 1.0, 0.0), b),
            "hy": f(a, HyperDual(b, 1.0, 1.0, 0.0)),
            "hmixed": f(HyperDual(a, 1.0, 0.0, 0.0), HyperDual(b, 0.0, 1.0, 0.0)),
            "hboth": f(HyperDual(a, 1.0, 1.0, 0.0), HyperDual(b, 1.0, 1.0, 0.0)),
            "tags": f(Dual(a, 1.0, tag=1), Dual(b, 1.0, tag=2)),
        }


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_through_dual_and_hyperdual(name):
    """Dual/HyperDual arithmetic applies the bivariate chain rule to the partials:
    exactly the float expression of the chain rule for these seeds."""
    count = 0
    for a, b in _binary_sample(name):
        F, Fx, Fy, Fxx, Fxy, Fyy = partials(name, a, b)
        for f in BINARY_ENTRIES[name]:
            try:
                r = _seeded(name, f, a, b)
            except (ValueError, OverflowError, ZeroDivisionError):
                # operators and dualcalc.math raise where Python floats / math do
                with pytest.raises((ValueError, OverflowError, ZeroDivisionError)):
                    f(a, b)
                continue
            where = "{0} {1}({2!r}, {3!r})".format(name, _entry_name(f), a, b)
            if f is dm.hypot:
                F = math.hypot(a, b)
            for k in ("x", "y", "xy"):
                assert type(r[k]) is Dual, where
                assert r[k].value == F, where
            assert r["x"].eps == Fx, where
            assert r["y"].eps == Fy, where
            assert r["xy"].eps == Fx + Fy, where
            hx, hy, hm, hb, tg = r["hx"], r["hy"], r["hmixed"], r["hboth"], r["tags"]
            assert (hx.value, hx.eps1, hx.eps2, hx.eps1eps2) == (F, Fx, Fx, Fxx), where
            assert (hy.value, hy.eps1, hy.eps2, hy.eps1eps2) == (F, Fy, Fy, Fyy), where
            assert (hm.value, hm.eps1, hm.eps2, hm.eps1eps2) == (F, Fx, Fy, Fxy), where
            assert (hb.value, hb.eps1, hb.eps2) == (F, Fx + Fy, Fx + Fy), where
            assert hb.eps1eps2 == pytest.approx(Fxx + 2 * Fxy + Fyy, rel=1e-15, abs=1e-300), where
            assert type(tg) is HyperDual and (tg.tag1, tg.tag2) == (1, 2), where
            assert (tg.value, tg.eps1, tg.eps2, tg.eps1eps2) == (F, Fx, Fy, Fxy), where
            count += 1
    assert count >= 10


@pytest.mark.parametrize("name", sorted(set(BINARY) - BINARY_EXACT))
def test_binary_derivatives_through_dual_against_mpmath(name):
    """End to end: Dual/HyperDual results of the public entries against mpmath."""
    checked = 0
    for a, b in _binary_sample(name):
        vals, conds = binary_reference(name, a, b)
        for f in BINARY_ENTRIES[name]:
            try:
                r = _seeded(name, f, a, b)
            except (ValueError, OverflowError, ZeroDivisionError):
                continue
            outs = [(r["x"].eps, 1), (r["y"].eps, 2), (r["hx"].eps1eps2, 3),
                    (r["hy"].eps1eps2, 5), (r["hmixed"].eps1eps2, 4), (r["x"].value, 0)]
            for got, k in outs:
                if vals[k] is None:
                    continue
                ok, ratio = check(got, vals[k], conds[k])
                assert ok, (name, _entry_name(f), a, b, _PARTIAL_NAMES[k], got,
                            mp.nstr(vals[k], 20), ratio)
                checked += 1
    assert checked >= 30
