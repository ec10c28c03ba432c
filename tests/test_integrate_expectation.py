"""dualcalc.integrate.expectation: values, gradients and Hessians in the
distribution's parameters against closed forms differentiated by mpmath."""
import mpmath as mp
import numpy as np
import pytest

import dualcalc as dc
from dualcalc import Dual
from dualcalc.integrate import Exponential, Gamma, Normal, Uniform, expectation

mp.mp.dps = 30

# name, distribution from parameters, f, closed form E f(X) in mpmath, point
CASES = [
    ("normal-exp", lambda p: Normal(p[0], p[1]), lambda x: np.exp(0.7 * x),
     lambda mu, s: mp.exp(0.7 * mu + 0.49 * s**2 / 2), [0.3, 1.2]),
    ("normal-cos", lambda p: Normal(p[0], p[1]), np.cos,
     lambda mu, s: mp.cos(mu) * mp.exp(-s**2 / 2), [0.5, 0.8]),
    ("uniform-sin", lambda p: Uniform(p[0], p[1]), np.sin,
     lambda a, b: (mp.cos(a) - mp.cos(b)) / (b - a), [-0.4, 1.3]),
    ("exponential-cos", lambda p: Exponential(p[0]), np.cos,
     lambda r: r**2 / (r**2 + 1), [1.7]),
    ("exponential-cube", lambda p: Exponential(p[0]), lambda x: x**3,
     lambda r: 6 / r**3, [0.6]),
    ("gamma-square", lambda p: Gamma(p[0], p[1]), lambda x: x**2,
     lambda k, t: k * (k + 1) * t**2, [2.5, 1.5]),
    ("gamma-laplace", lambda p: Gamma(p[0], p[1]), lambda x: np.exp(-x),
     lambda k, t: (1 + t) ** (-k), [0.5, 0.7]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_against_closed_forms(case):
    name, dist, f, exact, x = case
    F = lambda p: expectation(f, dist(p))
    v, g, H = dc.value_gradient_hessian(F, np.array(x))
    n = len(x)
    e = lambda o: float(mp.diff(exact, [mp.mpf(t) for t in x], o))
    ref_g = [e(tuple(int(i == j) for j in range(n))) for i in range(n)]
    ref_h = [[e(tuple(int(i == k) + int(j == k) for k in range(n))) for j in range(n)]
             for i in range(n)]
    assert abs(v - float(exact(*[mp.mpf(t) for t in x]))) <= 1e-12 * abs(v)
    scale = max(abs(np.array(ref_g)).max(), 1.0)
    assert np.all(np.abs(g - ref_g) <= 1e-10 * scale), (g, ref_g)
    scale = max(abs(np.array(ref_h)).max(), 1.0)
    assert np.all(np.abs(H - ref_h) <= 1e-10 * scale), (H, ref_h)


def test_scalar_duals_give_scalars_and_polynomials_are_exact():
    r = expectation(lambda x: x**4, Normal(Dual(1.0, 1.0), 2.0), n=3)   # exact at degree 5
    assert isinstance(r, Dual)
    assert r.value == pytest.approx(1 + 6 * 4 + 3 * 16, rel=1e-14)
    assert r.eps == pytest.approx(4 + 12 * 4, rel=1e-14)


def test_bad_input():
    with pytest.raises(TypeError, match="Normal"):
        expectation(np.sin, "normal")
    with pytest.raises(ValueError, match="positive"):
        Normal(0.0, -1.0)
    with pytest.raises(ValueError, match="a < b"):
        Uniform(1.0, 0.0)
    with pytest.raises(ValueError, match="positive integer"):
        expectation(np.sin, Normal(), n=0)
    with pytest.raises(ValueError, match="one value per node"):
        expectation(lambda x: np.ones((2, 2)), Normal())
