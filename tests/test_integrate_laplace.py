"""dualcalc.integrate.laplace: exact on Gaussians, Stirling's formula on a gamma
kernel, and a clear failure where the mode is not a maximum."""
import math

import mpmath as mp
import numpy as np
import pytest

from dualcalc.integrate import laplace


def test_exact_on_a_correlated_gaussian():
    rng = np.random.default_rng(3)
    M = rng.normal(size=(4, 4))
    A = M @ M.T + 4 * np.eye(4)
    m = rng.normal(size=4)
    c = 0.37
    r = laplace(lambda x: c - 0.5 * (x - m) @ A @ (x - m), np.zeros(4))
    assert r.success
    assert np.allclose(r.x, m, rtol=0, atol=1e-12)
    assert np.allclose(r.hess, A, rtol=1e-13, atol=0)
    Am = mp.matrix(A.tolist())
    ref = c + 2 * mp.log(2 * mp.pi) - mp.log(mp.det(Am)) / 2
    assert abs(r.log_evidence - float(ref)) <= 1e-13 * abs(float(ref))
    assert np.allclose(r.cov @ A, np.eye(4), atol=1e-12)


@pytest.mark.parametrize("k", [3.0, 5.5, 40.0])
def test_gamma_kernel_gives_stirling(k):
    r = laplace(lambda x: (k - 1) * np.log(x[0]) - x[0], [1.0])
    n = mp.mpf(k) - 1
    stirling = n * mp.log(n) - n + mp.log(2 * mp.pi) / 2 + mp.log(n) / 2
    assert r.success and abs(r.x[0] - (k - 1)) <= 1e-10 * k
    assert abs(r.hess[0, 0] - 1 / (k - 1)) <= 1e-12
    assert abs(r.log_evidence - float(stirling)) <= 1e-12 * abs(float(stirling))
    # and Laplace's approximation is Stirling's: close to log Gamma(k) for large k
    assert abs(r.log_evidence - math.lgamma(k)) < 1 / (12 * (k - 1)) + 1e-12


def test_not_a_maximum_and_bad_input():
    r = laplace(lambda x: x[0] ** 2 - x[1] ** 2, [0.5, 0.5])
    assert not r.success and "positive" in r.message and math.isnan(r.log_evidence)
    with pytest.raises(TypeError, match="callable"):
        laplace(3.0, [0.0])


# ---------------------------------------------------------------- dual parameters
import dualcalc as dc  # noqa: E402
from dualcalc import Dual  # noqa: E402


def gamma_kernel(x, a, b):
    return (a - 1) * np.log(x[0]) - b * x[0]


def gamma_laplace_exact(a, b):
    """Laplace's log evidence of x^(a-1) e^(-b x): the mode (a-1)/b, curvature
    b^2/(a-1)."""
    n = a - 1
    return n * mp.log(n / b) - n + mp.log(2 * mp.pi) / 2 - mp.log(b) + mp.log(n) / 2


@pytest.mark.parametrize("a,b", [(3.0, 2.0), (1.5, 0.2), (40.0, 7.5), (2.2, 30.0)])
def test_log_evidence_gradient_in_gamma_parameters(a, b):
    val, g = dc.value_and_gradient(
        lambda q: laplace(gamma_kernel, [1.0], args=(q[0], q[1])).log_evidence, [a, b])
    F = gamma_laplace_exact
    ref = [float(mp.diff(F, (a, b), (1, 0))), float(mp.diff(F, (a, b), (0, 1)))]
    assert abs(val - float(F(a, b))) <= 1e-12 * max(1.0, abs(val))
    assert np.all(np.abs(g - ref) <= 1e-10 * np.max(np.abs(ref))), (g, ref)
    # a scalar Dual parameter gives a Dual back, and the mode's derivative
    r = laplace(gamma_kernel, [1.0], args=(Dual(a, 1.0), b))
    assert isinstance(r.log_evidence, Dual)
    assert abs(r.log_evidence.eps - ref[0]) <= 1e-10 * abs(ref[0]) + 1e-14
    assert abs(r.x.eps[0, 0] - 1 / b) <= 1e-10 / b
    assert abs(r.hess.eps[0, 0, 0] + b * b / (a - 1) ** 2) <= 1e-10 * b * b / (a - 1) ** 2


def coupled(x, p):
    """exp-type kernel in 2-D with a coupling: its third derivatives do not
    vanish, so the mode's motion changes the curvature."""
    return (p[0] * x[0] + p[1] * x[1] - np.exp(x[0]) - np.exp(x[1])
            - 0.5 * p[2] * (x[0] - x[1]) ** 2)


def coupled_reference(*p):
    """Laplace's log evidence of `coupled` in mpmath: the mode by findroot (20
    digits beyond the working precision), the Hessian in closed form."""
    with mp.extradps(20):
        a, b, c = (mp.mpf(v) for v in p)
        x0, x1 = mp.findroot(lambda u, w: [a - mp.exp(u) - c * (u - w),
                                           b - mp.exp(w) + c * (u - w)], (0.5, 0.5))
        logp = a * x0 + b * x1 - mp.exp(x0) - mp.exp(x1) - c * (x0 - x1) ** 2 / 2
        det = (mp.exp(x0) + c) * (mp.exp(x1) + c) - c * c
        return logp + mp.log(2 * mp.pi) - mp.log(det) / 2


@pytest.mark.parametrize("p", [[1.5, 0.7, 0.3], [3.0, 0.2, 2.0], [0.4, 5.0, 0.0]])
def test_log_evidence_gradient_with_a_moving_curvature(p):
    val, g = dc.value_and_gradient(
        lambda q: laplace(coupled, np.zeros(2), args=(q,)).log_evidence, p)
    with mp.workdps(50):
        ref = [float(mp.diff(coupled_reference, tuple(p), tuple(int(i == j) for j in range(3))))
               for i in range(3)]
    assert abs(val - float(coupled_reference(*p))) <= 1e-12 * max(1.0, abs(val))
    assert np.all(np.abs(g - ref) <= 1e-10 * np.max(np.abs(ref))), (g, ref)


def test_gaussian_with_parameterised_precision_is_exact():
    """log p = c - (x - m)' A(t) (x - m) / 2, A(t) = A0 + t A1: log Z = c + log(2 pi)
    - log det A(t) / 2, so d/dt = -tr(A^-1 A1) / 2; the mode does not move."""
    A0 = np.array([[3.0, 0.5], [0.5, 2.0]])
    A1 = np.array([[1.0, 0.2], [0.2, -0.5]])
    m = np.array([0.3, -1.2])

    def logp(x, t):
        return 0.1 - 0.5 * (x - m) @ (A0 + t * A1) @ (x - m)
    t0 = 0.4
    d = dc.derivative(lambda t: laplace(logp, np.zeros(2), args=(t,)).log_evidence, t0)
    A = A0 + t0 * A1
    assert abs(d + 0.5 * np.trace(np.linalg.solve(A, A1))) <= 1e-13
    r = laplace(logp, np.zeros(2), args=(Dual(t0, 1.0),))
    assert np.allclose(r.x.eps, 0.0, atol=1e-14) and np.allclose(r.hess.eps[0], A1, atol=1e-13)
    assert np.allclose(r.cov.eps[0], -np.linalg.solve(A, A1) @ np.linalg.inv(A), atol=1e-13)


def test_dual_arguments_that_cannot_be_handled_are_refused():
    with pytest.raises(TypeError, match="first order"):
        dc.hessian(lambda q: laplace(gamma_kernel, [1.0], args=(q[0], q[1])).log_evidence,
                   [3.0, 2.0])
    with pytest.raises(TypeError, match="list or tuple"):
        laplace(lambda x, ab: gamma_kernel(x, *ab), [1.0], args=([Dual(3.0, 1.0), 2.0],))
    with pytest.raises(TypeError, match="through args"):
        dc.derivative(lambda p: laplace(lambda x: gamma_kernel(x, p, 2.0), [1.0]).log_evidence,
                      3.0)
    with pytest.raises(TypeError, match="different perturbations"):
        laplace(gamma_kernel, [1.0], args=(Dual(3.0, 1.0, 1), Dual(2.0, 1.0, 2)))
