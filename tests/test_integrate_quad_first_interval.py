"""dualcalc.integrate.quad's first interval: the 21 Kronrod nodes evaluated in one
call of f and accepted at once when every component (the value and each
derivative) meets its tolerance there, else handed to the bisection.

References are mpmath at 30 digits (closed forms differentiated by mp.diff, or
mp.quad of the differentiated integrand); call counts show which path ran."""
import math
import warnings

import mpmath as mp
import numpy as np
import pytest

import dualcalc as dc
from dualcalc import Dual, HyperDual
from dualcalc.integrate import IntegrationWarning, quad
from dualcalc.integrate import _quad as Q

mp.mp.dps = 30


class Counted:
    """f with a record of the number of nodes of each call."""

    def __init__(self, f):
        self.f = f
        self.calls = []

    def __call__(self, t, *args):
        self.calls.append(np.size(t))
        return self.f(t, *args)


def _close(ours, ref, rtol):
    ours, ref = np.asarray(ours, dtype=float), np.asarray(ref, dtype=float)
    scale = np.maximum(np.abs(ref), np.max(np.abs(ref)))
    assert np.all(np.abs(ours - ref) <= rtol * scale), (ours, ref)


def _damped_cos(a, b, c):
    """c * integral_0^1 exp(-a t) cos(b t) dt = c Re (1 - exp(-z)) / z, z = a - i b."""
    z = mp.mpc(a, -b)
    return c * mp.re((1 - mp.exp(-z)) / z)


def test_the_value_on_one_interval_a_derivative_bisected():
    # at p = 0 the value's integrand is the constant 1 (exact on one interval);
    # the tangent's, sqrt(t) resp. cos(40 t), is not: the tangents' error
    # estimate must send the integral to the bisection
    for g, exact in ((np.sqrt, 2 / 3), (lambda t: np.cos(40 * t), math.sin(40) / 40)):
        f = Counted(lambda t, p: 1.0 + p * g(t))
        v, _ = quad(f, 0.0, 1.0, args=(0.0,), epsabs=0.0, epsrel=1e-12)
        assert v == 1.0 and f.calls == [21]             # floats: accepted at once
        f.calls.clear()
        val, d = dc.value_and_derivative(
            lambda p: quad(f, 0.0, 1.0, args=(p,), epsabs=0.0, epsrel=1e-12)[0], 0.0)
        assert f.calls[0] == 21 and len(f.calls) > 1     # the derivative bisected
        assert val == 1.0
        assert abs(d - exact) <= 1e-12 * abs(exact)


def test_the_derivative_on_one_interval_the_value_bisected():
    # the reverse: sqrt(t) + p, the tangent a constant
    f = Counted(lambda t, p: np.sqrt(t) + p)
    val, d = dc.value_and_derivative(
        lambda p: quad(f, 0.0, 1.0, args=(p,), epsabs=0.0, epsrel=1e-12)[0], 0.25)
    assert len(f.calls) > 1
    assert abs(val - (2 / 3 + 0.25)) <= 1e-12 and abs(d - 1.0) <= 1e-14


def test_gradient_and_hessian_in_three_parameters_on_one_interval():
    # the bench's integrand: one call of f (21 nodes) for the value, the
    # gradient and the Hessian at 1e-10
    f = Counted(lambda t, a, b, c: c * np.exp(-a * t) * np.cos(b * t))
    F = lambda q: quad(f, 0.0, 1.0, args=(q[0], q[1], q[2]), epsabs=1e-10, epsrel=1e-10,
                       limit=200)[0]
    for point in ([0.7, 3.0, 1.5], [2.0, 0.5, -1.0], [0.0, 6.0, 0.3]):
        f.calls.clear()
        val, grad = dc.value_and_gradient(F, point)
        assert f.calls == [21]
        H = dc.hessian(F, point)
        assert f.calls == [21, 21]
        x = [mp.mpf(v) for v in point]
        unit = lambda *ks: tuple(sum(1 for k in ks if k == j) for j in range(3))
        _close(val, float(_damped_cos(*x)), 1e-13)
        _close(grad, [float(mp.diff(_damped_cos, x, unit(i))) for i in range(3)], 1e-12)
        _close(H, [[float(mp.diff(_damped_cos, x, unit(i, j))) for j in range(3)]
                   for i in range(3)], 1e-11)


def test_scalar_duals_in_scalar_duals_out_on_one_interval():
    f = Counted(lambda t, p: np.exp(-p * t))
    r, _ = quad(f, 0.0, 1.0, args=(Dual(2.0, 1.0),))
    assert isinstance(r, Dual) and f.calls == [21]
    exact = lambda p: (1 - mp.exp(-p)) / p
    assert abs(r.value - float(exact(2))) <= 1e-15
    assert abs(r.eps - float(mp.diff(exact, 2))) <= 1e-15
    f.calls.clear()
    r2, _ = quad(f, 0.0, 1.0, args=(HyperDual(2.0, 1.0, 1.0, 0.0),))
    assert isinstance(r2, HyperDual) and f.calls == [21]
    assert abs(r2.eps1 - float(mp.diff(exact, 2))) <= 1e-15
    assert abs(r2.eps2 - float(mp.diff(exact, 2))) <= 1e-15
    ref = float(mp.diff(exact, 2, 2))
    assert abs(r2.eps1eps2 - ref) <= 1e-14 * abs(ref)


def test_dual_limits_and_a_parameter_on_one_interval():
    # F(p, a, b) = integral_a^b exp(p t) dt = (e^{pb} - e^{pa}) / p: the limits
    # by the fundamental theorem, the parameter under the integral sign
    f = Counted(lambda t, p: np.exp(p * t))
    F = lambda v: quad(f, v[1], v[2], args=(v[0],), epsabs=0.0, epsrel=1e-12)[0]
    exact = lambda p, a, b: (mp.exp(p * b) - mp.exp(p * a)) / p
    for point in ([0.7, 0.2, 1.3], [-1.5, 1.0, -0.5]):
        f.calls.clear()
        val, grad, H = dc.value_gradient_hessian(F, point)
        assert f.calls[0] == 21 and f.calls.count(21) == 1   # one interval, then the limits
        x = [mp.mpf(v) for v in point]
        unit = lambda *ks: tuple(sum(1 for k in ks if k == j) for j in range(3))
        _close(val, float(exact(*x)), 1e-13)
        _close(grad, [float(mp.diff(exact, x, unit(i))) for i in range(3)], 1e-12)
        _close(H, [[float(mp.diff(exact, x, unit(i, j))) for j in range(3)] for i in range(3)],
               1e-11)


def test_many_directions_take_the_array_estimate():
    # 24 directions (25 component rows): the first interval goes through _gk
    n = 24
    w0 = np.linspace(0.01, 0.05, n)
    f = Counted(lambda t, w: np.exp(-(w[:, None] * t).sum(axis=0)))
    F = lambda w: quad(f, 0.0, 1.0, args=(w,), epsabs=0.0, epsrel=1e-12)[0]
    val, grad = dc.value_and_gradient(F, w0)
    assert f.calls == [21]
    S = mp.fsum(mp.mpf(float(v)) for v in w0)
    g = lambda s: (1 - mp.exp(-s)) / s
    _close(val, float(g(S)), 1e-13)
    _close(grad, np.full(n, float(mp.diff(g, S))), 1e-12)


def test_first_interval_gives_the_bits_of_the_array_estimate():
    x, rule = Q._kronrod(10)
    rng = np.random.default_rng(16)
    F = np.vstack([
        rng.normal(size=21),                  # smooth-ish noise: q < 1
        np.full(21, 3.0),                     # a constant: resasc = 0, the roundoff floor
        np.zeros(21),                         # all zero
        np.where(np.arange(21) == 10, 1e3, 0.0),   # a spike: q > 1
        np.cos(40 * x), -np.exp(x), 1e-300 * np.sin(x),
    ])
    eps = np.finfo(float).eps
    outcomes = set()
    for h in (0.5, 3.25, 1e-7):
        for rows in [F] + [F[i:i + 1] for i in range(len(F))]:
            P = Q._gk(rows, np.array([h]), rule)
            for tol in (1e-10, 1e-3, 1e3):
                passed = (P[1, :, 0] <= np.maximum(np.maximum(np.abs(P[0, :, 0]) * tol,
                                                              100 * eps * P[2, :, 0]), tol)).all()
                first = Q._first_interval(rows, h, rule, tol, tol)
                assert first == ((P[0, :, 0].tolist(), P[1, :, 0].max()) if passed else None)
                outcomes.add(passed)
    assert outcomes == {True, False}


def test_non_finite_values_are_not_accepted():
    # NaN on half the nodes: never a finite number, and a warning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.warns(IntegrationWarning):
            v, err = quad(lambda t: np.log(t - 0.5), 0.0, 1.0, limit=5)
    assert math.isnan(v)
    # a finite value whose tangent is infinite (d/dp sqrt(p) at p = 0): the
    # value alone would pass on one interval, the tangent must not
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)      # inf * 0 in the sums
        with pytest.warns(IntegrationWarning):
            r, _ = quad(lambda t, p: np.sqrt(p + 0.0 * t), 0.0, 1.0, args=(Dual(0.0, 1.0),),
                        limit=5)
    assert r.value == 0.0 and not math.isfinite(r.eps)


def test_the_nodes_are_fresh_for_every_call():
    seen = []

    def f(t):
        seen.append(t.copy())
        t *= 0.0                              # f may write into its argument
        return np.ones(t.shape)

    for _ in range(3):
        assert abs(quad(f, 0.25, 1.75)[0] - 1.5) <= 1e-15
    assert all(np.array_equal(s, seen[0]) for s in seen)
    x, _, _ = Q.gauss_kronrod(10)
    assert np.array_equal(seen[0], 0.75 * x + 1.0)


def test_the_warning_names_the_line_that_called_quad():
    for a, b in ((0.0, 10.0), (0.0, np.inf)):          # from the first interval and without
        with pytest.warns(IntegrationWarning) as record:
            quad(lambda t: np.sin(50 * t) * np.exp(-t), a, b, limit=3)
        assert record[0].filename == __file__
