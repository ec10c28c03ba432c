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
