"""dualcalc.integrate.quad / fixed_quad against mpmath at 30 digits: values,
gradients and Hessians with respect to parameters and limits."""
import math
import warnings

import mpmath as mp
import numpy as np
import pytest

import dualcalc as dc
from dualcalc import Dual, HyperDual
from dualcalc.integrate import IntegrationWarning, fixed_quad, quad
from dualcalc.integrate._rules import gauss_kronrod, gauss_legendre

mp.mp.dps = 30
INF = np.inf

# name, numpy integrand f(t, p, q), mpmath integrand, limits (None = differentiable
# limit from the point), point (p, q, a, b), quad options
CASES = [
    ("gauss-cos", lambda t, p, q: np.exp(-p * t**2) * np.cos(q * t),
     lambda t, p, q: mp.exp(-p * t**2) * mp.cos(q * t), (None, None), (1.3, 2.0, 0.0, 1.5), {}),
    ("half-line", lambda t, p, q: np.exp(-p * t**2) * np.cos(q * t),
     lambda t, p, q: mp.exp(-p * t**2) * mp.cos(q * t), (None, INF), (0.7, 1.1, 0.5, None), {}),
    ("whole-line", lambda t, p, q: q / (p + t**2),
     lambda t, p, q: q / (p + t**2), (-INF, INF), (2.0, 1.5, None, None), {}),
    ("left-half-line", lambda t, p, q: np.exp(p * t) * (1 + q * t**2),
     lambda t, p, q: mp.exp(p * t) * (1 + q * t**2), (-INF, None), (1.2, 0.3, None, 0.4), {}),
    ("sqrt-endpoint", lambda t, p, q: np.sqrt(t) * np.exp(-p * t) + q * t,
     lambda t, p, q: mp.sqrt(t) * mp.exp(-p * t) + q * t, (0.0, None), (0.8, 0.5, None, 2.0), {}),
    ("log-endpoint", lambda t, p, q: np.log(t) * np.cos(p * t) + q,
     lambda t, p, q: mp.log(t) * mp.cos(p * t) + q, (0.0, None), (1.7, 0.2, None, 1.0), {}),
    ("inverse-sqrt-endpoint", lambda t, p, q: np.exp(p * t) / np.sqrt(t) + q * t,
     lambda t, p, q: mp.exp(p * t) / mp.sqrt(t) + q * t, (0.0, None), (0.6, 0.9, None, 1.0),
     {"limit": 300}),
    ("oscillatory", lambda t, p, q: np.sin(p * t**2) * np.exp(-q * t),
     lambda t, p, q: mp.sin(p * t**2) * mp.exp(-q * t), (None, None), (3.0, 0.1, 0.0, 8.0),
     {"limit": 200}),
    ("limit-and-integrand", lambda t, p, q: np.exp(-p * t) * np.sin(q + t),
     lambda t, p, q: mp.exp(-p * t) * mp.sin(q + t), (None, None), (1.4, 0.3, 0.2, 1.4), {}),
]


def _integral(g, lo, hi):
    """mpmath's integral of g over [lo, hi]; t = u**2 smooths endpoint singularities at 0."""
    lo = -mp.inf if lo == -INF else lo
    hi = mp.inf if hi == INF else hi
    if lo == 0:
        return mp.quad(lambda u: 2 * u * g(u * u), [0, mp.sqrt(hi)])
    return mp.quad(g, [lo, hi])


def _reference(mf, lims, point):
    """Value, gradient and Hessian in the free variables by mpmath, by Leibniz's rule:
    parameters under the integral sign (mp.diff of the integrand), limits by the
    fundamental theorem (f and df/dt, df/dp at the limits)."""
    p, q = mp.mpf(point[0]), mp.mpf(point[1])
    a = mp.mpf(point[2]) if point[2] is not None else None
    b = mp.mpf(point[3]) if point[3] is not None else None
    lo = a if lims[0] is None else lims[0]
    hi = b if lims[1] is None else lims[1]

    def d(t, order):        # partial derivative of the integrand in (p, q)
        if order == (0, 0):
            return mf(t, p, q)
        return mp.diff(lambda x, y: mf(t, x, y), (p, q), order)

    names = ["p", "q"] + (["a"] if lims[0] is None else []) + (["b"] if lims[1] is None else [])
    n = len(names)
    val = _integral(lambda t: d(t, (0, 0)), lo, hi)
    grad, hess = np.zeros(n), np.zeros((n, n))
    unit = {"p": (1, 0), "q": (0, 1)}
    for i, u in enumerate(names):
        if u in unit:
            grad[i] = float(_integral(lambda t: d(t, unit[u]), lo, hi))
        else:
            c = a if u == "a" else b
            grad[i] = float((1 if u == "b" else -1) * d(c, (0, 0)))
        for j in range(i, n):
            v = names[j]
            if u in unit and v in unit:
                o = tuple(x + y for x, y in zip(unit[u], unit[v]))
                h = _integral(lambda t: d(t, o), lo, hi)
            elif u in unit:                     # a parameter and a limit
                c, sgn = (a, -1) if v == "a" else (b, 1)
                h = sgn * d(c, unit[u])
            elif u == v:                        # d2/dc2 of +-int^c f = +-f_t(c)
                c, sgn = (a, -1) if u == "a" else (b, 1)
                h = sgn * mp.diff(lambda t: mf(t, p, q), c)
            else:
                h = 0
            hess[i, j] = hess[j, i] = float(h)
    return float(val), grad, hess


def _reference_by_diff(mf, lims, point):
    """The same by mp.diff of mp.quad (independent of Leibniz's rule; slower)."""
    free = [i for i in range(4) if point[i] is not None]

    def F(*z):
        full = list(point)
        for i, v in zip(free, z):
            full[i] = v
        p, q, a, b = full
        lo = mp.mpf(lims[0]) if lims[0] is not None else a
        hi = mp.mpf(lims[1]) if lims[1] is not None else b
        return _integral(lambda t: mf(t, p, q), lo, hi)

    z0 = [mp.mpf(point[i]) for i in free]
    n = len(free)
    val = F(*z0)
    grad, hess = np.zeros(n), np.zeros((n, n))
    for i in range(n):
        o = [0] * n
        o[i] = 1
        grad[i] = float(mp.diff(F, z0, tuple(o)))
        for j in range(i, n):
            o = [0] * n
            o[i] += 1
            o[j] += 1
            hess[i, j] = hess[j, i] = float(mp.diff(F, z0, tuple(o)))
    return float(val), grad, hess


def _ours(f, lims, point, opts):
    free = [i for i in range(4) if point[i] is not None]

    def F(z):
        full = list(point)
        for k, i in enumerate(free):
            full[i] = z[k]
        p, q, a, b = full
        lo = lims[0] if lims[0] is not None else a
        hi = lims[1] if lims[1] is not None else b
        return quad(f, lo, hi, args=(p, q), epsabs=0.0, epsrel=1e-12, **opts)[0]

    z = np.array([point[i] for i in free])
    with warnings.catch_warnings():
        warnings.simplefilter("error", IntegrationWarning)
        return dc.value_gradient_hessian(F, z)


def _close(ours, ref, rtol=1e-10):
    ref = np.asarray(ref)
    scale = np.maximum(np.abs(ref), np.max(np.abs(ref)))
    assert np.all(np.abs(np.asarray(ours) - ref) <= rtol * scale), (ours, ref)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_value_gradient_hessian_against_mpmath(case):
    name, f, mf, lims, point, opts = case
    val, grad, hess = _ours(f, lims, point, opts)
    # Leibniz's rule for all; mp.diff of mp.quad too where a limit and the
    # integrand share parameters (the case the fundamental theorem must get right)
    oracle = _reference_by_diff if name == "limit-and-integrand" else _reference
    rval, rgrad, rhess = oracle(mf, lims, point)
    _close(val, rval)
    _close(grad, rgrad)
    _close(hess, rhess)


def test_the_verbs_through_quad_in_args_and_closures():
    g = lambda p: quad(lambda t: np.exp(-p * t**2), 0, 1)[0]
    ref = lambda k: float(mp.diff(lambda p: mp.quad(lambda t: mp.exp(-p * t**2), [0, 1]), 1, k))
    _close(dc.derivative(g, 1.0), ref(1))
    _close(dc.second_derivative(g, 1.0), ref(2))
    # a DualArray-valued argument: f indexes its parameter vector
    F = lambda v: quad(lambda t, w: np.exp(-w[0] * t) * np.cos(w[1] * t) * w[2], 0, 2, args=(v,))[0]
    G = lambda *w: mp.quad(lambda t: mp.exp(-w[0] * t) * mp.cos(w[1] * t) * w[2], [0, 2])
    x = [0.5, 1.5, 2.0]
    ref_g = [float(mp.diff(G, x, tuple(int(i == j) for j in range(3)))) for i in range(3)]
    _close(dc.gradient(F, x), ref_g)
    H = dc.hessian(F, x)
    ref_h = [[float(mp.diff(G, x, tuple(int(i == k) + int(j == k) for k in range(3))))
              for j in range(3)] for i in range(3)]
    _close(H, ref_h)


def test_tangent_error_controls_the_subdivision():
    # d/dp of the integral of t**p over [0, 1] is -1/(p+1)**2: its integrand
    # t**p log t is more singular than the value's; still 1e-10.
    d = dc.derivative(lambda p: quad(lambda t: t**p, 0, 1, epsabs=0, epsrel=1e-12)[0], 0.3)
    assert abs(d + 1 / 1.3**2) <= 1e-10 / 1.3**2
    dd = dc.second_derivative(lambda p: quad(lambda t: t**p, 0, 1, epsabs=0, epsrel=1e-12)[0], 0.3)
    assert abs(dd - 2 / 1.3**3) <= 1e-10 * 2 / 1.3**3


def test_scalar_integrands_and_scalar_duals():
    v, err = quad(lambda t: math.exp(-t) * math.cos(t), 0, INF)   # not vectorisable
    assert abs(v - 0.5) <= 1e-12 and err < 1e-8
    p = Dual(2.0, 1.0)
    r, _ = quad(lambda t, p: dc.math.exp(-p * t), 0, 1, args=(p,))   # dualcalc.math per node
    assert isinstance(r, Dual)
    assert abs(r.value - (1 - math.exp(-2)) / 2) < 1e-15
    assert abs(r.eps - (math.exp(-2) * 3 - 1) / 4) < 1e-15
    h = HyperDual(2.0, 1.0, 1.0, 0.0)
    r2, _ = quad(lambda t, p: np.exp(-p * t), 0, 1, args=(h,))
    assert isinstance(r2, HyperDual)
    ref = float(mp.diff(lambda p: (1 - mp.exp(-p)) / p, 2, 2))
    assert abs(r2.eps1eps2 - ref) <= 1e-13 * abs(ref)


def test_limits_reversed_equal_and_constant():
    a, _ = quad(np.exp, 0, 1)
    b, _ = quad(np.exp, 1, 0)
    assert a == -b and abs(a - (math.e - 1)) < 1e-14
    assert quad(np.exp, 2.0, 2.0) == (0.0, 0.0)
    assert abs(quad(lambda t: 3.0, 0, 2)[0] - 6.0) < 1e-14       # a constant integrand
    # d/db of the integral from b to 1 (reversed sign through the boundary term)
    assert abs(dc.derivative(lambda b: quad(np.exp, 1.0, b)[0], 0.5) - math.exp(0.5)) < 1e-15


def test_limit_reached_warns():
    with pytest.warns(IntegrationWarning, match="limit=3"):
        quad(lambda t: np.sin(50 * t), 0, 10, limit=3)


def test_bad_input():
    with pytest.raises(TypeError, match="callable"):
        quad(3.0, 0, 1)
    with pytest.raises(ValueError, match="tolerance"):
        quad(np.sin, 0, 1, epsabs=0, epsrel=0)
    with pytest.raises(ValueError, match="NaN"):
        quad(np.sin, np.nan, 1)
    with pytest.raises(ValueError, match="infinite"):
        quad(np.sin, 0, Dual(np.inf, 1.0))
    with pytest.raises(ValueError, match="limit"):
        quad(np.sin, 0, 1, limit=0)
    with pytest.raises(ValueError, match="one value per node"):
        quad(lambda t: np.ones((2, np.size(t))), 0, 1)
    with pytest.raises(TypeError, match="complex"):
        quad(lambda t: np.exp(1j * t), 0, 1)
    with pytest.raises(ValueError, match="finite"):
        fixed_quad(np.sin, 0, INF)


@pytest.mark.parametrize("n", [7, 10, 15])
def test_kronrod_rules_against_mpmath(n):
    """Nodes and weights against the same definition solved at 40 digits."""
    x, wk, wg = gauss_kronrod(n)
    with mp.workdps(40):
        P = lambda k, t: mp.legendre(k, t)
        # Gauss nodes: zeros of P_n
        gauss = [mp.findroot(lambda t: P(n, t), xi) for xi in x[1::2]]
        assert max(abs(float(g) - xi) for g, xi in zip(gauss, x[1::2])) < 1e-15
        # Kronrod nodes: zeros of E_{n+1}, orthogonal to P_0..P_n under the weight P_n
        parity = (n + 1) % 2
        ks = list(range(parity, n + 1, 2))
        js = list(range(1, n + 1, 2))
        A = mp.matrix([[mp.quad(lambda t: P(n, t) * P(k, t) * P(j, t), [-1, 1]) for k in ks]
                       for j in js])
        rhs = mp.matrix([-mp.quad(lambda t: P(n, t) * P(n + 1, t) * P(j, t), [-1, 1]) for j in js])
        c = mp.lu_solve(A, rhs) if ks else []
        E = lambda t: P(n + 1, t) + sum(ci * P(k, t) for ci, k in zip(c, ks))
        kron = [mp.findroot(E, xi) for xi in x[0::2]]
        assert max(abs(float(k) - xi) for k, xi in zip(kron, x[0::2])) < 1e-15
        nodes = sorted(gauss + kron)
        V = mp.matrix([[P(k, t) for t in nodes] for k in range(2 * n + 1)])
        b = mp.matrix([2] + [0] * (2 * n))
        w = mp.lu_solve(V, b)
        assert max(abs(float(w[i]) - wk[i]) for i in range(2 * n + 1)) < 1e-15
        wgs = [2 / ((1 - g**2) * mp.diff(lambda t: P(n, t), g) ** 2) for g in gauss]
        assert max(abs(float(a) - b) for a, b in zip(wgs, wg[1::2])) < 1e-15
    assert np.all(wg[0::2] == 0)


def test_fixed_quad_and_its_derivatives():
    x, w = gauss_legendre(6)
    assert abs(float(w @ x**10) - 2 / 11) < 1e-15
    assert abs(fixed_quad(lambda t: t**11, 0.0, 1.0, n=6)[0] - 1 / 12) < 1e-15
    # dual limits move the nodes; dual args flow through f
    g = lambda v: fixed_quad(lambda t, p: np.exp(p * t), v[1], v[2], args=(v[0],), n=12)[0]
    v0 = [0.7, 0.2, 1.3]
    exact = lambda p, a, b: (mp.exp(p * b) - mp.exp(p * a)) / p
    ref = [float(mp.diff(exact, v0, tuple(int(i == j) for j in range(3)))) for i in range(3)]
    _close(dc.gradient(g, v0), ref, rtol=1e-13)
