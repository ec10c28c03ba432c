"""scipy.special ufuncs on Dual, HyperDual, DualArray and HyperDualArray
(dualcalc.special): value, first and second derivatives (partials for the
two-argument functions) against mpmath at 40 digits, at ordinary points and
near the edges of each domain; the edge conventions; register_ufunc."""
import math

import mpmath as mp
import numpy as np
import pytest

import dualcalc as dc
from dualcalc import Dual, DualArray, HyperDual, HyperDualArray

sc = pytest.importorskip("scipy.special")
mp.mp.dps = 40

# ---------------------------------------------------------------- mpmath references
# Each reference returns mpf value(s) at an mpf point; derivatives are
# analytic where mpmath has them, else mp.diff at 40 digits (exact to far
# beyond double precision for these analytic functions).


def _d(f, n):
    return lambda x: mp.diff(f, x, n)


def _expit(x):
    return 1 / (1 + mp.exp(-x))


def _erfcx(x):
    return mp.exp(x * x) * mp.erfc(x)


def _ncdf(x):
    return mp.ncdf(x)


def _log_ndtr(x):
    return mp.log(mp.ncdf(x))


def _ndtri(p):
    with mp.workdps(400):           # 2p - 1 at p = 1e-300 needs 300 digits
        return +(mp.sqrt(2) * mp.erfinv(2 * p - 1))


def _erfcinv(x):
    with mp.workdps(400):           # 1 - 1e-300 needs 300 digits
        return +mp.erfinv(1 - x)


def _cbrt(x):
    return mp.sign(x) * mp.cbrt(abs(x))


def _gammaln(x):
    return mp.log(abs(mp.gamma(x)))


def _ie(nu):
    return lambda x: mp.exp(-abs(x)) * mp.besseli(nu, x)


# name -> (f, f', f'') in mpmath and test points (each exactly a double)
UNARY = {
    "expit": ((_expit, lambda x: _expit(x) * _expit(-x),
               lambda x: _expit(x) * _expit(-x) * (1 - 2 * _expit(x))),
              [-700.0, -40.0, -20.0, -1.0, -1e-8, 0.0, 1e-8, 0.5, 3.0, 20.0, 40.0, 700.0]),
    "logit": ((lambda x: mp.log(x / (1 - x)), lambda x: 1 / (x * (1 - x)),
               lambda x: (2 * x - 1) / (x * (1 - x)) ** 2),
              [1e-300, 1e-10, 1e-3, 0.1, 0.5, 0.7, 0.999, 1 - 2.0 ** -40, 1 - 2.0 ** -53]),
    "log_expit": ((lambda x: -mp.log1p(mp.exp(-x)), lambda x: _expit(-x),
                   lambda x: -_expit(x) * _expit(-x)),
                  [-700.0, -40.0, -5.0, 0.0, 3.0, 40.0, 700.0]),
    "gammaln": ((_gammaln, lambda x: mp.psi(0, x), lambda x: mp.psi(1, x)),
                [1e-300, 1e-8, 0.5, 1.0, 2.0, 2.5, 10.0, 170.5, 1e5, 1e15,
                 -0.5, -2.5, -1e-8, -3 + 2.0 ** -30, -9.3]),
    "gamma": ((mp.gamma, _d(mp.gamma, 1), _d(mp.gamma, 2)),
              [1e-8, 0.5, 1.0, 2.5, 10.0, 100.0, 170.5, -0.5, -2.5, -1e-8, -9.3]),
    "psi": ((lambda x: mp.psi(0, x), lambda x: mp.psi(1, x), lambda x: mp.psi(2, x)),
            [1e-8, 0.5, 1.4616321449683623, 2.5, 10.0, 1e5, -0.5, -2.5, -9.3]),
    "erf": ((mp.erf, lambda x: 2 / mp.sqrt(mp.pi) * mp.exp(-x * x),
             lambda x: -4 * x / mp.sqrt(mp.pi) * mp.exp(-x * x)),
            [-6.0, -1.0, -1e-8, 0.0, 1e-8, 0.5, 2.0, 5.0, 26.0]),
    "erfc": ((mp.erfc, lambda x: -2 / mp.sqrt(mp.pi) * mp.exp(-x * x),
              lambda x: 4 * x / mp.sqrt(mp.pi) * mp.exp(-x * x)),
             [-6.0, -1.0, 0.0, 0.5, 2.0, 5.0, 26.0]),
    "erfcx": ((_erfcx, _d(_erfcx, 1), _d(_erfcx, 2)),
              [-26.0, -5.0, -1.0, 0.0, 0.5, 2.0, 5.0, 11.9, 12.0, 12.1, 50.0, 1e3, 1e8]),
    "erfinv": ((mp.erfinv, lambda x: mp.sqrt(mp.pi) / 2 * mp.exp(mp.erfinv(x) ** 2),
                lambda x: mp.pi / 2 * mp.erfinv(x) * mp.exp(2 * mp.erfinv(x) ** 2)),
               [-1 + 2.0 ** -40, -0.9, -0.5, -1e-10, 0.0, 0.3, 0.9, 0.999999, 1 - 2.0 ** -50]),
    "erfcinv": ((lambda x: _erfcinv(x),
                 lambda x: -mp.sqrt(mp.pi) / 2 * mp.exp(_erfcinv(x) ** 2),
                 lambda x: mp.pi / 2 * _erfcinv(x) * mp.exp(2 * _erfcinv(x) ** 2)),
                [1e-300, 1e-10, 0.1, 1.0, 1.5, 2 - 2.0 ** -40]),
    "ndtr": ((_ncdf, mp.npdf, lambda x: -x * mp.npdf(x)),
             [-37.0, -10.0, -1.0, 0.0, 1.0, 8.0]),
    "log_ndtr": ((_log_ndtr, lambda x: mp.npdf(x) / mp.ncdf(x),
                  lambda x: -mp.npdf(x) / mp.ncdf(x) * (x + mp.npdf(x) / mp.ncdf(x))),
                 [-1e5, -30.0, -10.0, -1.0, 0.0, 1.0, 5.0, 10.0, 30.0]),
    "ndtri": ((_ndtri, lambda p: 1 / mp.npdf(_ndtri(p)),
               lambda p: _ndtri(p) / mp.npdf(_ndtri(p)) ** 2),
              [1e-300, 1e-10, 0.01, 0.5, 0.9, 1 - 2.0 ** -30]),
    "entr": ((lambda x: -x * mp.log(x), lambda x: -mp.log(x) - 1, lambda x: -1 / x),
             [1e-300, 1e-5, 0.3, 1.0, 7.0, 1e100]),
    "i0": ((lambda x: mp.besseli(0, x), lambda x: mp.besseli(1, x),
            _d(lambda x: mp.besseli(1, x), 1)),
           [-50.0, -3.0, -1e-5, 0.0, 1e-3, 0.5, 1.9, 2.1, 10.0, 700.0]),
    "i1": ((lambda x: mp.besseli(1, x), _d(lambda x: mp.besseli(1, x), 1),
            _d(lambda x: mp.besseli(1, x), 2)),
           [-50.0, -3.0, -1e-5, 1e-3, 0.5, 1.9, 2.0, 2.1, 10.0, 700.0]),
    "i0e": ((_ie(0), _d(_ie(0), 1), _d(_ie(0), 2)),
            [-100.0, -3.0, -1e-3, 1e-3, 0.5, 2.5, 19.0, 21.0, 29.0, 31.0, 100.0, 1e4, 1e10]),
    "i1e": ((_ie(1), _d(_ie(1), 1), _d(_ie(1), 2)),
            [-100.0, -3.0, -1e-3, 1e-3, 0.5, 1.9, 2.1, 2.5, 19.0, 21.0, 31.0, 100.0, 1e4, 1e10]),
    # DLMF 10.29.3: K0' = -K1, K1' = -K0 - K1/x (mp.diff would step to x < 0 at 1e-300)
    "k0": ((lambda x: mp.besselk(0, x), lambda x: -mp.besselk(1, x),
            lambda x: mp.besselk(0, x) + mp.besselk(1, x) / x),
           [1e-300, 1e-5, 0.5, 2.0, 50.0, 700.0]),
    "k1": ((lambda x: mp.besselk(1, x), lambda x: -mp.besselk(0, x) - mp.besselk(1, x) / x,
            lambda x: mp.besselk(1, x) + mp.besselk(0, x) / x + 2 * mp.besselk(1, x) / x ** 2),
           [1e-300, 1e-5, 0.5, 2.0, 50.0, 700.0]),
    "j0": ((lambda x: mp.besselj(0, x), lambda x: -mp.besselj(1, x),
            _d(lambda x: mp.besselj(0, x), 2)),
           [-10.2, -1.0, 0.0, 1e-5, 0.5, 1.5, 3.0, 10.2, 30.5, 100.3]),
    "j1": ((lambda x: mp.besselj(1, x), _d(lambda x: mp.besselj(1, x), 1),
            _d(lambda x: mp.besselj(1, x), 2)),
           [-10.2, -1.0, 1e-5, 0.5, 1.5, 1.9, 2.0, 2.1, 3.0, 10.2, 30.5, 100.3]),
    "y0": ((lambda x: mp.bessely(0, x), lambda x: -mp.bessely(1, x),
            _d(lambda x: mp.bessely(0, x), 2)),
           [1e-5, 0.5, 1.5, 3.0, 10.2, 30.5, 100.3]),
    "y1": ((lambda x: mp.bessely(1, x), _d(lambda x: mp.bessely(1, x), 1),
            _d(lambda x: mp.bessely(1, x), 2)),
           [1e-5, 0.5, 1.5, 3.0, 10.2, 30.5, 100.3]),
    "cbrt": ((_cbrt, lambda x: _cbrt(x) / (3 * x), lambda x: -2 * _cbrt(x) / (9 * x * x)),
             [-8.0, -1e-300, 1e-300, 27.0, 1e300]),
    "expm1": ((mp.expm1, mp.exp, mp.exp), [-40.0, -1e-10, 1e-10, 5.0]),
    "log1p": ((mp.log1p, lambda x: 1 / (1 + x), lambda x: -1 / (1 + x) ** 2),
              [-0.999, -1e-10, 3.0]),
    "exp2": ((lambda x: 2 ** x, lambda x: mp.log(2) * 2 ** x, lambda x: mp.log(2) ** 2 * 2 ** x),
             [-3.5, 0.0, 10.25]),
    "exp10": ((lambda x: 10 ** x, lambda x: mp.log(10) * 10 ** x,
               lambda x: mp.log(10) ** 2 * 10 ** x), [-3.5, 0.0, 10.25]),
}
UNARY["digamma"] = UNARY["psi"]


def _huber(d, r):
    return r * r / 2 if abs(r) <= d else d * (abs(r) - d / 2)


def _pseudo_huber(d, r):
    return d * d * (mp.sqrt(1 + (r / d) ** 2) - 1)


# name -> (f(x, y) in mpmath, points, which arguments are differentiated)
BINARY = {
    "xlogy": (lambda x, y: x * mp.log(y),
              [(2.0, 3.0), (-1.5, 0.4), (0.5, 1e-200), (3.0, 1e200)], (0, 1)),
    "xlog1py": (lambda x, y: x * mp.log1p(y),
                [(2.0, 1e-10), (1.5, -0.5), (-2.0, 3.0)], (0, 1)),
    "betaln": (lambda a, b: mp.log(mp.beta(a, b)),
               [(0.5, 0.5), (1.0, 2.0), (2.5, 7.0), (100.0, 0.3), (1e3, 1e3), (3e-5, 0.2),
                (1e6, 1.0), (2.0, 1e8)],
               (0, 1)),
    "beta": (mp.beta, [(0.5, 0.5), (1.0, 2.0), (2.5, 7.0), (100.0, 0.3), (-0.5, 2.5),
                       (3e-5, 0.2), (40.0, 0.01)], (0, 1)),
    "rel_entr": (lambda x, y: x * mp.log(x / y),
                 [(0.3, 0.7), (2.0, 0.5), (1e-5, 1.0), (5.0, 5.0), (1e-200, 1e100)], (0, 1)),
    "kl_div": (lambda x, y: x * mp.log(x / y) - x + y,
               [(0.3, 0.7), (2.0, 0.5), (1e-5, 1.0), (5.0, 5.0), (1e-200, 1e100)], (0, 1)),
    "huber": (_huber, [(1.0, 0.5), (1.0, -2.0), (2.0, 3.0), (0.5, -0.1), (3.0, -7.0)], (0, 1)),
    "pseudo_huber": (_pseudo_huber,
                     [(1.0, 0.5), (1.0, -2.0), (0.1, 30.0), (2.0, 1e-5), (1e-3, 1e3),
                      (1e5, 3.0)], (0, 1)),
    "_zeta": (lambda s, q: mp.zeta(s, q),
              [(2.0, 0.5), (2.0, 1.0), (3.0, 3.7), (4.5, 100.0), (2.0, -2.5)], (1,)),
}

# Relative tolerance on the derivatives: the rules combine a few correctly
# rounded operations with scipy's own functions, whose accuracy bounds ours.
RTOL = 1e-13
# Functions whose scipy implementation (which our rules call) is accurate to
# fewer digits at some test points: the observed error of scipy's own value
# there, with margin, is the tolerance.
RTOL_BY_NAME = {}
# The inverse functions' derivatives are exp(y^2)-like in their value y: an
# error of one rounding in y (scipy's) is multiplied by y^2 (the condition
# number of exp(y^2/2) with respect to y), so that is the tolerance's scale.
COND_BY_NAME = {"ndtri": lambda y: y * y, "erfinv": lambda y: 2 * y * y,
                "erfcinv": lambda y: 2 * y * y}


def _ufunc(name):
    if name == "_zeta":
        return sc._ufuncs._zeta
    return getattr(sc, name)


def _close(got, ref, rtol, what):
    ref = float(ref) if mp.isfinite(ref) else (math.inf if ref > 0 else -math.inf)
    if math.isinf(ref) or ref == 0:
        assert got == ref, (what, got, ref)
        return
    assert abs(got - ref) <= rtol * abs(ref), (what, got, ref, abs(got - ref) / abs(ref))


def _four_types(u, x):
    """(value, f', f'') from each of the four dual types at the double x."""
    out = []
    d = u(Dual(x, 1.0))
    h = u(HyperDual(x, 1.0, 1.0, 0.0))
    out.append(("Dual", d.value, d.eps, None))
    out.append(("HyperDual", h.value, h.eps1, h.eps1eps2))
    xs = np.array([x, x])
    a = u(DualArray(xs, np.array([[1.0, 0.0], [0.0, 2.0]])))
    out.append(("DualArray", a.value[0], a.eps[0, 0], None))
    assert a.eps[1, 0] == 0.0 and a.eps[0, 1] == 0.0
    out.append(("DualArray dir 2", a.value[1], a.eps[1, 1] / 2, None))
    ha = u(HyperDualArray(xs, np.ones((1, 2)), np.ones((1, 2)), np.zeros((1, 1, 2))))
    out.append(("HyperDualArray", ha.value[0], ha.eps1[0, 0], ha.eps1eps2[0, 0, 0]))
    return out


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_against_mpmath(name):
    (f, f1, f2), points = UNARY[name]
    u = _ufunc(name)
    rtol = RTOL_BY_NAME.get(name, RTOL)
    for x in points:
        X = mp.mpf(x)
        r1, r2 = f1(X), f2(X)
        if name in COND_BY_NAME:
            rtol = RTOL * max(1.0, float(COND_BY_NAME[name](f(X))))
        for kind, v, e, e2 in _four_types(u, x):
            what = (name, x, kind)
            assert v == u(x) or (np.isnan(v) and np.isnan(u(x))), what   # the ufunc's value
            _close(e, r1, rtol, what + ("d1",))
            if e2 is not None:
                _close(e2, r2, rtol, what + ("d2",))


# analytic partials (f_x, f_y, f_xx, f_xy, f_yy) where mp.diff would return
# numerical noise in place of an exact zero
ANALYTIC = {
    "xlogy": lambda x, y: (mp.log(y), x / y, 0, 1 / y, -x / y ** 2),
    "xlog1py": lambda x, y: (mp.log1p(y), x / (1 + y), 0, 1 / (1 + y), -x / (1 + y) ** 2),
    "rel_entr": lambda x, y: (mp.log(x / y) + 1, -x / y, 1 / x, -1 / y, x / y ** 2),
    "kl_div": lambda x, y: (mp.log(x / y), 1 - x / y, 1 / x, -1 / y, x / y ** 2),
    "huber": lambda d, r: ((0, r, 0, 0, 1) if abs(r) <= d else
                           (abs(r) - d, d * mp.sign(r), -1, mp.sign(r), 0)),
}


def _partials_ref(name, f, a, b):
    A, B = mp.mpf(a), mp.mpf(b)
    keys = [(1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]
    if name in ANALYTIC:
        return dict(zip(keys, (mp.mpf(v) for v in ANALYTIC[name](A, B))))
    return {k: mp.diff(f, (A, B), k) for k in keys}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_against_mpmath(name):
    f, points, diff = BINARY[name]
    u = _ufunc(name)
    rtol = RTOL_BY_NAME.get(name, RTOL)
    for a, b in points:
        ref = _partials_ref(name, f, a, b)
        val = u(a, b)
        what = (name, a, b)
        # Dual in each differentiated argument, the other plain
        if 0 in diff:
            r = u(Dual(a, 1.0), b)
            assert r.value == val
            _close(r.eps, ref[(1, 0)], rtol, what + ("Dual d/dx",))
            h = u(HyperDual(a, 1.0, 1.0, 0.0), b)
            _close(h.eps1eps2, ref[(2, 0)], rtol, what + ("HyperDual d2/dx2",))
        if 1 in diff:
            r = u(a, Dual(b, 1.0))
            assert r.value == val
            _close(r.eps, ref[(0, 1)], rtol, what + ("Dual d/dy",))
            h = u(a, HyperDual(b, 1.0, 1.0, 0.0))
            _close(h.eps1eps2, ref[(0, 2)], rtol, what + ("HyperDual d2/dy2",))
        if diff == (0, 1):
            # both dual: the mixed partial from one HyperDual pair
            h = u(HyperDual(a, 1.0, 0.0, 0.0), HyperDual(b, 0.0, 1.0, 0.0))
            assert h.value == val
            _close(h.eps1, ref[(1, 0)], rtol, what + ("HyperDual pair d/dx",))
            _close(h.eps2, ref[(0, 1)], rtol, what + ("HyperDual pair d/dy",))
            _close(h.eps1eps2, ref[(1, 1)], rtol, what + ("HyperDual pair d2/dxdy",))
            # the full gradient and Hessian through the array types (the verbs)
            g = dc.gradient(lambda v: u(v[0], v[1]), np.array([a, b]))
            H = dc.hessian(lambda v: u(v[0], v[1]), np.array([a, b]))
            _close(g[0], ref[(1, 0)], rtol, what + ("gradient x",))
            _close(g[1], ref[(0, 1)], rtol, what + ("gradient y",))
            _close(H[0, 0], ref[(2, 0)], rtol, what + ("hessian xx",))
            _close(H[0, 1], ref[(1, 1)], rtol, what + ("hessian xy",))
            _close(H[1, 0], ref[(1, 1)], rtol, what + ("hessian yx",))
            _close(H[1, 1], ref[(0, 2)], rtol, what + ("hessian yy",))
        else:
            i = diff[0]
            g = dc.derivative(lambda t: u(*((t, b) if i == 0 else (a, t))), (a, b)[i])
            g2 = dc.second_derivative(lambda t: u(*((t, b) if i == 0 else (a, t))), (a, b)[i])
            _close(g, ref[(1, 0) if i == 0 else (0, 1)], rtol, what + ("derivative",))
            _close(g2, ref[(2, 0) if i == 0 else (0, 2)], rtol, what + ("second_derivative",))


# ---------------------------------------------------------------- domain edges
INF, NAN = math.inf, math.nan
# (name, x, value, f', f''): scipy's value; the derivative is the limit from
# inside the domain where it exists (inf where infinite), nan where none exists
# (outside the domain, at the poles of gamma), as README's non-finite table.
EDGES = [
    ("logit", 0.0, -INF, INF, -INF), ("logit", -0.0, -INF, INF, -INF),
    ("logit", 1.0, INF, INF, INF), ("logit", 2.0, NAN, NAN, NAN),
    ("expit", INF, 1.0, 0.0, 0.0), ("expit", -INF, 0.0, 0.0, 0.0),
    ("log_expit", -INF, -INF, 1.0, 0.0),
    ("erfinv", 1.0, INF, INF, INF), ("erfinv", -1.0, -INF, INF, -INF),
    ("erfinv", 1.5, NAN, NAN, NAN),
    ("erfcinv", 0.0, INF, -INF, INF), ("erfcinv", 2.0, -INF, -INF, -INF),
    ("ndtri", 0.0, -INF, INF, -INF), ("ndtri", 1.0, INF, INF, INF),
    ("log_ndtr", -INF, -INF, INF, -1.0), ("log_ndtr", INF, 0.0, 0.0, 0.0),
    ("ndtr", -INF, 0.0, 0.0, 0.0), ("erf", INF, 1.0, 0.0, 0.0),
    ("erfcx", INF, 0.0, 0.0, 0.0), ("erfcx", -INF, INF, -INF, INF),
    ("k0", 0.0, INF, -INF, INF), ("k1", 0.0, INF, -INF, INF), ("k0", -1.0, NAN, NAN, NAN),
    ("y0", 0.0, -INF, INF, -INF), ("y1", 0.0, -INF, INF, -INF), ("y0", -1.0, NAN, NAN, NAN),
    ("gammaln", 0.0, INF, NAN, NAN), ("gammaln", -2.0, INF, NAN, NAN),
    ("gammaln", INF, INF, INF, 0.0),
    ("gamma", 0.0, INF, NAN, NAN), ("gamma", -2.0, NAN, NAN, NAN),
    ("psi", -3.0, NAN, NAN, NAN),
    ("entr", 0.0, 0.0, INF, -INF), ("entr", -1.0, -INF, NAN, NAN),
    ("i0e", 0.0, 1.0, 0.0, 1.5), ("i1e", 0.0, 0.0, 0.5, 0.0),
    ("i0e", INF, 0.0, 0.0, 0.0), ("i1", 0.0, 0.0, 0.5, 0.0), ("j1", 0.0, 0.0, 0.5, 0.0),
    ("j0", 0.0, 1.0, 0.0, -0.5), ("i0", 0.0, 1.0, 0.0, 0.5),
    ("cbrt", 0.0, 0.0, INF, -INF), ("log1p", -1.0, -INF, INF, -INF),
]


def _same(got, want, what):
    if math.isnan(want):
        assert math.isnan(got), (what, got)
    elif want == 0 or math.isinf(want):
        assert got == want, (what, got, want)
    else:   # i0e''(0) = 1.5 and i1e'(0) = 0.5 from a sum of 96 terms: a rounding
        assert abs(got - want) <= 4e-16 * abs(want), (what, got, want)


@pytest.mark.parametrize("name,x,value,d1,d2", EDGES)
def test_domain_edges_on_all_four_types(name, x, value, d1, d2):
    u = _ufunc(name)
    for kind, v, e, e2 in _four_types(u, x):
        _same(v, value, (name, x, kind, "value"))
        _same(e, d1, (name, x, kind, "d1"))
        if e2 is not None:
            _same(e2, d2, (name, x, kind, "d2"))


@pytest.mark.parametrize("name,x,value,d1,d2", EDGES)
def test_a_zero_tangent_stays_zero_at_the_edges(name, x, value, d1, d2):
    u = _ufunc(name)
    d = u(Dual(x, 0.0))
    h = u(HyperDual(x, 0.0, 0.0, 0.0))
    a = u(DualArray(np.array([x, 0.5]), np.zeros((2, 2))))
    ha = u(HyperDualArray(np.array([x]), np.zeros((1, 1)), np.zeros((1, 1)),
                          np.zeros((1, 1, 1))))
    for t in (d.eps, h.eps1, h.eps2, h.eps1eps2):
        assert t == 0.0, (name, x, t)
    assert np.all(a.eps == 0) and np.all(ha.eps1 == 0) and np.all(ha.eps1eps2 == 0)


# (name, x, y, value, (f_x, f_y), (f_xx, f_xy, f_yy))
EDGES2 = [
    ("xlogy", 0.0, 0.0, 0.0, (-INF, 0.0), (0.0, INF, 0.0)),
    ("xlogy", 0.0, 2.0, 0.0, (math.log(2.0), 0.0), (0.0, 0.5, 0.0)),
    ("xlogy", 1.0, -2.0, NAN, (NAN, NAN), (NAN, NAN, NAN)),
    ("xlog1py", 0.0, -1.0, 0.0, (-INF, 0.0), (0.0, INF, 0.0)),
    ("rel_entr", 0.0, 2.0, 0.0, (-INF, 0.0), (INF, -0.5, 0.0)),
    ("rel_entr", 1.0, 0.0, INF, (NAN, NAN), (NAN, NAN, NAN)),
    ("rel_entr", 0.0, 0.0, 0.0, (NAN, NAN), (NAN, NAN, NAN)),
    ("kl_div", 0.0, 2.0, 2.0, (-INF, 1.0), (INF, -0.5, 0.0)),
    ("kl_div", -1.0, 1.0, INF, (NAN, NAN), (NAN, NAN, NAN)),
    ("huber", -1.0, 2.0, INF, (NAN, NAN), (NAN, NAN, NAN)),
    ("huber", 0.0, 2.0, 0.0, (2.0, 0.0), (-1.0, 1.0, 0.0)),
    ("huber", 1.0, 1.0, 0.5, (0.0, 1.0), (0.0, 0.0, 1.0)),   # |r| = delta: inner branch
    ("pseudo_huber", 0.0, -2.0, 0.0, (2.0, 0.0), (-2.0, -1.0, 0.0)),
    ("pseudo_huber", 0.0, 0.0, 0.0, (0.0, 0.0), (NAN, NAN, NAN)),
    ("pseudo_huber", -1.0, 1.0, INF, (NAN, NAN), (NAN, NAN, NAN)),
]


@pytest.mark.parametrize("name,x,y,value,d,dd", EDGES2)
def test_two_argument_edges(name, x, y, value, d, dd):
    u = _ufunc(name)
    h = u(HyperDual(x, 1.0, 0.0, 0.0), HyperDual(y, 0.0, 1.0, 0.0))
    _same(h.value, value, (name, "value"))
    _same(h.eps1, d[0], (name, "f_x"))
    _same(h.eps2, d[1], (name, "f_y"))
    _same(h.eps1eps2, dd[1], (name, "f_xy"))
    hx = u(HyperDual(x, 1.0, 1.0, 0.0), y)
    hy = u(x, HyperDual(y, 1.0, 1.0, 0.0))
    _same(hx.eps1eps2, dd[0], (name, "f_xx"))
    _same(hy.eps1eps2, dd[2], (name, "f_yy"))
    H = u(HyperDualArray(np.array([x]), np.array([[1.0]]), np.array([[1.0]]),
                         np.zeros((1, 1, 1))), y)
    _same(H.eps1eps2[0, 0, 0], dd[0], (name, "f_xx array"))


# ---------------------------------------------------------------- mixing and NumPy protocol
def test_arrays_broadcast_against_scalars_and_other_shapes():
    x = np.array([[0.5, 1.5, 2.5], [3.0, 0.25, 7.0]])
    X = DualArray(x, np.stack([np.ones_like(x), 2 * np.ones_like(x)]))
    b = np.array([0.5, 2.0, 4.0])
    r = sc.betaln(X, b)                               # (2, 3) dual with (3,) plain
    assert r.shape == (2, 3) and r.eps.shape == (2, 2, 3)
    np.testing.assert_array_equal(r.value, sc.betaln(x, b))
    np.testing.assert_array_equal(r.eps[1], 2 * r.eps[0])
    want = sc.psi(x) - sc.psi(x + b)
    np.testing.assert_allclose(r.eps[0], want, rtol=1e-15)
    # a Dual scalar meets a DualArray of the same tag: broadcast over values
    d = sc.xlogy(Dual(2.0, 1.0), DualArray(np.array([1.0, 3.0]), np.array([[0.0, 1.0]])))
    assert isinstance(d, DualArray)
    np.testing.assert_allclose(d.eps[0], [math.log(1.0), math.log(3.0) + 2.0 / 3.0], rtol=1e-15)


def test_nested_tags_make_a_hyperdual_with_the_mixed_partial():
    # d/da d/db betaln(a, b) by nesting two derivatives (two tags)
    a0, b0 = 2.5, 0.75
    got = dc.derivative(lambda a: dc.derivative(lambda b: sc.betaln(a, b), b0), a0)
    _close(got, -mp.psi(1, mp.mpf(a0) + mp.mpf(b0)), RTOL, "nested betaln")
    got = dc.derivative(lambda a: dc.derivative(lambda b: sc.xlogy(a, b), b0), a0)
    assert abs(got - 1 / b0) <= 1e-16
    r = sc.xlogy(Dual(2.0, 1.0, 1), Dual(3.0, 1.0, 2))
    assert type(r) is HyperDual and (r.tag1, r.tag2) == (1, 2)
    assert r.eps1eps2 == 1 / 3.0


def test_out_and_where_on_dual_arrays():
    x = DualArray(np.array([0.2, 0.4, 0.6]), np.eye(3))
    out = DualArray(np.zeros(3), np.zeros((3, 3)))
    r = sc.expit(x, out=out)
    assert r is out
    np.testing.assert_array_equal(out.value, sc.expit(x.value))
    np.testing.assert_array_equal(np.diag(out.eps), (sc.expit(x) ).eps.diagonal())
    with pytest.raises(TypeError, match="float64"):
        sc.expit(x, dtype=np.float32)
    with pytest.raises(TypeError, match="out="):
        sc.expit(x, out=np.zeros(3))


def test_an_order_argument_is_not_differentiated():
    z = sc._ufuncs._zeta
    r = z(3.0, Dual(2.0, 1.0))
    _close(r.eps, -3 * mp.zeta(4, 2), RTOL, "zeta d/dq")
    with pytest.raises(TypeError, match="argument 1"):
        z(Dual(3.0, 1.0), 2.0)
    with pytest.raises(TypeError, match="argument 1"):
        z(DualArray(np.array([3.0]), np.ones((1, 1))), 2.0)


def test_values_are_the_ufuncs_own_on_arrays():
    xs = np.linspace(-3.0, 3.0, 13)
    for name in ("erf", "log_ndtr", "expit", "i0e", "j1", "gammaln"):
        u = _ufunc(name)
        np.testing.assert_array_equal(u(DualArray(xs, np.ones((1, 13)))).value, u(xs))


# ---------------------------------------------------------------- register_ufunc
def _ellipk_rules():
    def d1(m, k):
        e = sc.ellipe(m)
        return (e - (1 - m) * k) / (2 * m * (1 - m))

    def d2(m, k, d):
        e = sc.ellipe(m)
        de = (e - k) / (2 * m)
        num = e - (1 - m) * k
        dnum = de + k - (1 - m) * d
        den = 2 * m * (1 - m)
        return (dnum * den - num * (2 - 4 * m)) / (den * den)
    return d1, d2


def test_register_ufunc_gives_a_new_ufunc_rules_on_all_four_types():
    # ellipkm1(p) = K(1 - p): not in dualcalc's table (nor registered by the
    # README or the doctests, which use ellipk and ellipe)
    u = sc.ellipkm1
    assert "ellipkm1" not in dc.special.registered_ufuncs()
    for x in (Dual(0.3, 1.0), HyperDual(0.3, 1.0, 1.0, 0.0),
              DualArray(np.array([0.3]), np.ones((1, 1)))):
        with pytest.raises(TypeError, match=r"scipy\.special\.ellipkm1 has no derivative rule"
                                            r".*dualcalc\.register_ufunc"):
            u(x)
    d1, d2 = _ellipk_rules()
    dp1 = lambda p, y: -d1(1 - p, y)                   # noqa: E731
    dp2 = lambda p, y, d: d2(1 - p, y, -d)             # noqa: E731
    assert dc.register_ufunc(u, derivative=dp1, second_derivative=dp2) is u
    assert "ellipkm1" in dc.special.registered_ufuncs()
    for p in (0.125, 0.25, 0.5, 0.75, 0.875):         # 1 - p exact
        K = lambda t: mp.ellipk(1 - t)                 # noqa: E731
        P = mp.mpf(p)
        r1, r2 = mp.diff(K, P, 1), mp.diff(K, P, 2)
        for kind, v, e, e2 in _four_types(u, p):
            assert v == u(p)
            _close(e, r1, 1e-13, ("ellipkm1", p, kind))
            if e2 is not None:
                _close(e2, r2, 1e-13, ("ellipkm1", p, kind, "d2"))


def test_register_ufunc_two_arguments_and_a_missing_second_rule():
    u = sc.agm              # arithmetic-geometric mean, homogeneous of degree 1
    def partials(a, b, y):
        # agm(a, b) = a g(b/a) with g(t) = agm(1, t) = pi / (2 K(1 - t^2)), so
        # d/db = g'(t) and d/da = g(t) - t g'(t) (homogeneous of degree 1)
        t = b / a
        g = y / a
        m = 1 - t * t
        K = sc.ellipk(m)
        dK = (sc.ellipe(m) - (1 - m) * K) / (2 * m * (1 - m))
        gp = np.pi / 2 * (2 * t * dK) / (K * K)
        return g - t * gp, gp
    dc.register_ufunc(u, partials=partials)
    a, b = 2.0, 0.5
    r = u(Dual(a, 1.0), Dual(b, 0.0))
    _close(r.eps, mp.diff(lambda s: mp.agm(s, b), mp.mpf(a)), 1e-12, "agm d/da")
    r = u(a, Dual(b, 1.0))
    _close(r.eps, mp.diff(lambda s: mp.agm(a, s), mp.mpf(b)), 1e-12, "agm d/db")
    with pytest.raises(TypeError, match="second derivative"):
        u(HyperDual(a, 1.0, 1.0, 0.0), b)
    with pytest.raises(TypeError, match="second derivative"):
        dc.hessian(lambda v: u(v[0], v[1]), np.array([a, b]))


@pytest.mark.parametrize("bad,kwargs,error,match", [
    (sc.polygamma, dict(derivative=lambda x, y: x), TypeError, "np.ufunc"),
    (lambda x: x, dict(derivative=lambda x, y: x), TypeError, "np.ufunc"),
    (np.frexp, dict(derivative=lambda x, y: x), TypeError, "outputs"),
    (np.sin, dict(derivative=lambda x, y: x), ValueError, "rule table"),
    (sc.ellipe, dict(), TypeError, "derivative="),
    (sc.ellipe, dict(derivative=1.0), TypeError, "callable"),
    (sc.ellipe, dict(derivative=lambda x, y: x, second_derivative="no"), TypeError, "callable"),
    (sc.ellipe, dict(partials=lambda x, y: (x,)), TypeError, "one argument"),
    (sc.agm, dict(derivative=lambda x, y: x), TypeError, "partials="),
    (sc.agm, dict(), TypeError, "partials="),
])
def test_register_ufunc_refuses_bad_input_clearly(bad, kwargs, error, match):
    with pytest.raises(error, match=match):
        dc.register_ufunc(bad, **kwargs)


def test_the_scipy_table_goes_through_register_ufunc():
    # every scipy.special ufunc of the table is registered when first met, by
    # the public function: afterwards it is listed like a user's rule
    for name in dc.special.SCIPY_SPECIAL_UFUNCS:
        u = _ufunc("_zeta" if name == "zeta" else name)
        u(*([0.5] * (u.nin - 1) + [Dual(0.5, 1.0)]))
        assert u in dc.special._REGISTRY


@pytest.mark.parametrize("name", sorted(UNARY))
def test_banded_seeds_of_the_verbs_give_the_same_numbers(name):
    # gradient/hessian seed identity tangents as bands, which the rules keep
    # banded: the numbers must be those of the scalar types, and the
    # off-diagonal Hessian exactly zero
    u = _ufunc(name)
    pts = np.array([p for p in UNARY[name][1] if np.isfinite(u(p))][:6])
    g = dc.gradient(lambda v: np.sum(u(v)), pts)
    H = dc.hessian(lambda v: np.sum(u(v)), pts)
    for j, p in enumerate(pts):
        h = u(HyperDual(p, 1.0, 1.0, 0.0))
        assert g[j] == h.eps1 or (np.isnan(g[j]) and np.isnan(h.eps1)), (name, p)
        assert H[j, j] == h.eps1eps2 or (np.isnan(H[j, j]) and np.isnan(h.eps1eps2)), (name, p)
    off = ~np.eye(len(pts), dtype=bool)
    assert np.all(H[off] == 0), name
    J = dc.jacobian(u, pts)
    np.testing.assert_array_equal(np.diag(J), g)
    assert np.all(J[off] == 0)
    from dualcalc._core import _arrays as A
    assert A.is_banded(u(A.seed_identity(pts, 0, len(pts))))      # O(n), not O(n^2)
    hb = u(A.seed_identity_hyper(pts, 0, len(pts), 0, len(pts)))
    m = len(pts)
    np.testing.assert_array_equal([hb.eps1eps2[j, j, j] for j in range(m)], np.diag(H))


@pytest.mark.parametrize("name", sorted(n for n in BINARY if BINARY[n][2] == (0, 1)))
def test_two_dual_arrays_of_one_tag_stay_banded(name):
    # f(v, reversed v) elementwise under identity seeds: tangent of element i
    # is f_x(i) e_i + f_y(i) e_(n-1-i), the numbers of the scalar HyperDual pair
    from dualcalc._core import _arrays as A
    u = _ufunc(name)
    a = np.array([p[0] for p in BINARY[name][1]])
    b = np.array([p[1] for p in BINARY[name][1]])
    m = len(a)
    xa = A.seed_identity(np.concatenate([a, b]), 0, 2 * m)
    r = u(xa[:m], xa[m:])
    assert A.is_banded(r)
    for j in range(m):
        h = u(HyperDual(a[j], 1.0, 0.0, 0.0), HyperDual(b[j], 0.0, 1.0, 0.0))
        assert r.value[j] == h.value
        assert r.eps[j, j] == h.eps1 and r.eps[m + j, j] == h.eps2, (name, j)
        others = np.delete(r.eps[:, j], [j, m + j])
        assert np.all(others == 0)


def test_a_dual_array_broadcast_to_a_larger_result():
    # the dual operand (3,) against a plain (2, 3): the general path pads the
    # direction axes; each element equals the scalar types' numbers
    a = np.array([0.5, 1.5, 4.0])
    b = np.array([[0.25], [3.0]]) * np.ones((2, 3))
    r = sc.betaln(DualArray(a, np.eye(3)), b)
    h = sc.betaln(HyperDualArray(a, np.eye(3), np.eye(3), np.zeros((3, 3, 3))), b)
    assert r.eps.shape == (3, 2, 3) and h.eps1eps2.shape == (3, 3, 2, 3)
    for i in range(2):
        for j in range(3):
            s = sc.betaln(HyperDual(a[j], 1.0, 1.0, 0.0), b[i, j])
            assert r.value[i, j] == s.value == h.value[i, j]
            assert r.eps[j, i, j] == s.eps1 == h.eps1[j, i, j]
            assert h.eps1eps2[j, j, i, j] == s.eps1eps2
            assert np.all(np.delete(r.eps[:, i, j], j) == 0)


def test_ufunc_methods_other_than_a_call_are_refused_clearly():
    x = DualArray(np.array([0.3, 0.5]), np.eye(2))
    sc.xlogy(x, x)                                   # registered
    with pytest.raises(TypeError, match="xlogy.outer"):
        sc.xlogy.outer(x, x)
    with pytest.raises(TypeError, match="xlogy.reduce"):
        sc.xlogy.reduce(x)
    with pytest.raises(TypeError, match="xlogy.outer"):
        sc.xlogy.outer(Dual(0.3, 1.0), Dual(0.5, 0.0))


def test_hvp_seed_through_one_and_two_argument_rules():
    # dc.hvp seeds eps2 as one summed direction (a different band layout)
    x = np.array([0.5, 1.5, 2.5, 7.0])
    v = np.array([1.0, -2.0, 0.5, 3.0])
    got = dc.hvp(lambda t: np.sum(sc.gammaln(t)), x, v)
    for j in range(4):
        _close(got[j], mp.psi(1, mp.mpf(x[j])) * v[j], RTOL, ("hvp gammaln", j))
    f = lambda t: np.sum(sc.betaln(t, t[::-1]))       # noqa: E731
    np.testing.assert_allclose(dc.hvp(f, x, v), dc.hessian(f, x) @ v, rtol=1e-14)


def test_second_derivative_whose_tangent_product_alone_overflows():
    """lgamma(sinh(x)) at x = 446.6: u'**2 ~ 1e388 overflows alone, g'' ~ 1e-194
    brings it back; the chain rule multiplies on mantissas and exponents
    (oracle campaign seed 1002130)."""
    mpmath = pytest.importorskip("mpmath")
    sc = pytest.importorskip("scipy.special")
    x0 = 446.6433108391129
    with mpmath.workdps(50):
        exact = float(mpmath.diff(lambda t: mpmath.loggamma(mpmath.sinh(t)), mpmath.mpf(x0), 2))
    H = dc.hessian(lambda v: sc.gammaln(np.sinh(v[0])), np.array([x0]))
    assert abs(H[0, 0] - exact) <= 1e-12 * abs(exact)
    h = sc.gammaln(np.sinh(dc.HyperDual(x0, 1.0, 1.0, 0.0)))
    assert abs(h.eps1eps2 - exact) <= 1e-12 * abs(exact)
