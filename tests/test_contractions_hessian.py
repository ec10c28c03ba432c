"""Hessians through matrix products: the HyperDualArray paths of matmul / dot
(dualcalc/arrays/tensor_contractions.py) that skip the zero second-order part of
a fresh seed and contract banded seeds straight from their bands.

References, independent of the code under test: the analytic Hessians written
out here (Q + Q^T for a quadratic form, the closed forms below) and, for the
non-polynomial case, the same closed form evaluated by mpmath at 40 digits."""
import numpy as np
import pytest

import dualcalc as dc
from dualcalc._core import _arrays as _A
from dualcalc import _seeding as S

mp = pytest.importorskip("mpmath")
RNG = np.random.default_rng(1317)
ULP4 = 4 * np.finfo(float).eps


def close(got, want, rtol=ULP4):
    """|got - want| <= rtol * max|want| entrywise (a few ulp of the scale)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    scale = max(1.0, float(np.abs(want).max()))
    err = float(np.abs(got - want).max())
    assert err <= rtol * scale, (err, scale)


# ---------------------------------------------------------------- quadratic forms
QUAD_FORMS = {
    "0.5*a@Q@a - sum": (lambda a, Q: 0.5 * a @ Q @ a - a.sum(), 1.0),
    "a@(Q@a)": (lambda a, Q: a @ (Q @ a), 2.0),
    "dot(a, dot(Q, a))": (lambda a, Q: np.dot(a, np.dot(Q, a)), 2.0),
    "(a@Q).dot(a)": (lambda a, Q: (a @ Q).dot(a), 2.0),
    "3*a @ Q.T @ a": (lambda a, Q: (3.0 * a) @ Q.T @ a, 6.0),
}


@pytest.mark.parametrize("m", [1, 2, 7, 40, 250])      # 250 takes two chunks of rows
@pytest.mark.parametrize("name", sorted(QUAD_FORMS))
def test_quadratic_form_hessian_is_q_plus_qt(name, m):
    f, c = QUAD_FORMS[name]
    Q = RNG.standard_normal((m, m))                       # not symmetric
    a = RNG.standard_normal(m)
    H = dc.hessian(lambda x: f(x, Q), a)
    close(H, 0.5 * c * (Q + Q.T))
    v, g, H2 = dc.value_gradient_hessian(lambda x: f(x, Q), a)
    close(H2, H, 0)
    gref = 0.5 * c * (Q + Q.T) @ a - (1.0 if name.startswith("0.5") else 0.0)
    close(g, gref, 64 * np.finfo(float).eps)


def test_svm_dual_shape_at_scale():
    """The SVM dual's objective (issue 17) at m = 300: Q = (y y^T) * (X X^T)."""
    m = 300
    X = RNG.standard_normal((m, 4))
    y = np.where(RNG.random(m) < 0.5, -1.0, 1.0)
    Q = (y[:, None] * y[None, :]) * (X @ X.T)
    H = dc.hessian(lambda a: 0.5 * a @ Q @ a - a.sum(), RNG.random(m))
    close(H, Q)


def test_hvp_of_quadratic_form():
    m = 60
    Q = RNG.standard_normal((m, m))
    v = RNG.standard_normal(m)
    a = RNG.standard_normal(m)
    close(dc.hvp(lambda x: 0.5 * x @ Q @ x, a, v), 0.5 * (Q + Q.T) @ v, 64 * ULP4)


# ---------------------------------------------------------------- banded operands with curvature
def test_cubic_band_with_nonzero_mixed_part():
    """(a*a) @ Q @ a: the left operand's band carries eps1eps2 = 2 (the band2
    path); H_kl = 2 d_kl (Qa)_k + 2 a_k Q_kl + 2 a_l Q_lk."""
    for m in (1, 3, 30, 230):
        Q = RNG.standard_normal((m, m))
        a = RNG.standard_normal(m)
        H = dc.hessian(lambda x: (x * x) @ Q @ x, a)
        want = 2 * np.diag(Q @ a) + 2 * a[:, None] * Q + 2 * (a[:, None] * Q).T
        close(H, want, 64 * ULP4)


def test_shifted_views_meet_in_a_product():
    """a[1:] @ Q1 @ a[:-1]: two views of one banded seed at different offsets."""
    m = 9
    Q1 = RNG.standard_normal((m - 1, m - 1))
    a = RNG.standard_normal(m)
    H = dc.hessian(lambda x: x[1:] @ Q1 @ x[:-1], a)
    want = np.zeros((m, m))
    want[1:, :-1] += Q1
    want[:-1, 1:] += Q1.T
    close(H, want)
    H = dc.hessian(lambda x: np.dot(x[2:], x[:-2]) * 3.0, a)
    want = np.zeros((m, m))
    idx = np.arange(m - 2)
    want[idx + 2, idx] = 3.0
    want[idx, idx + 2] = 3.0
    close(H, want)


def test_matrix_operands_both_sides():
    """f(X) = sum((X @ B) * X) and sum((A @ X) * X) for a matrix X: Hessians
    d_ac (B_bd + B_db) and d_bd (A_ac + A_ca) over vec(X)."""
    r, c = 3, 4
    A = RNG.standard_normal((r, r))
    B = RNG.standard_normal((c, c))
    X = RNG.standard_normal((r, c))
    H = dc.hessian(lambda x: np.sum((x @ B) * x), X)
    close(H, np.einsum("ac,bd->abcd", np.eye(r), B + B.T))
    H = dc.hessian(lambda x: np.sum((A @ x) * x), X)
    close(H, np.einsum("ac,bd->abcd", A + A.T, np.eye(c)))
    v = RNG.standard_normal(c)
    w = RNG.standard_normal(r)
    H = dc.hessian(lambda x: (w @ x @ v) ** 2, X)            # 1-D constants on both sides
    u = np.outer(w, v)
    close(H, 2 * np.einsum("ab,cd->abcd", u, u), 16 * ULP4)


def test_two_perturbations_meet_in_a_dot():
    """x @ Q @ y for DualArrays of two tags (banded identity seeds, and dense
    ones): a HyperDualArray whose eps1eps2 is Q; y*y against x gives diag(2 y)."""
    m = 6
    Q = RNG.standard_normal((m, m))
    x0, y0 = RNG.standard_normal(m), RNG.standard_normal(m)
    for dense in (False, True):
        x = _A.seed_identity(x0.copy(), 0, m, 1)
        y = _A.seed_identity(y0.copy(), 0, m, 2)
        if dense:
            x.eps, y.eps
        assert _A.is_banded(x) != dense
        r = x @ Q @ y
        assert type(r) is dc.HyperDualArray and (r.tag1, r.tag2) == (1, 2)
        close(r.value, x0 @ Q @ y0)
        close(r.eps1, Q @ y0, 16 * ULP4)
        close(r.eps2, Q.T @ x0, 16 * ULP4)
        close(r.eps1eps2, Q)
        r = np.dot(y * y, x)                      # tags 2 and 1: eps1 belongs to x
        close(r.eps1eps2, np.diag(2 * y0))
        close(r.eps2, 2 * y0 * x0)


# ---------------------------------------------------------------- not a polynomial, against mpmath
def _mp_hessian(a, Q, B):
    """The Hessian of log(1 + a^T Q a) + sum(exp(B^T a)) in closed form, at 40
    digits: S/(1+s) - (Sa)(Sa)^T/(1+s)^2 + B diag(exp(B^T a)) B^T, S = Q + Q^T."""
    n = len(a)
    with mp.workdps(40):
        A = [mp.mpf(float(v)) for v in a]
        Qm = [[mp.mpf(float(v)) for v in row] for row in Q]
        Bm = [[mp.mpf(float(v)) for v in row] for row in B]
        Sm = [[Qm[i][j] + Qm[j][i] for j in range(n)] for i in range(n)]
        s = mp.fsum(A[i] * Qm[i][j] * A[j] for i in range(n) for j in range(n))
        Sa = [mp.fsum(Sm[i][j] * A[j] for j in range(n)) for i in range(n)]
        e = [mp.exp(mp.fsum(Bm[i][k] * A[i] for i in range(n))) for k in range(len(B[0]))]
        H = [[Sm[i][j] / (1 + s) - Sa[i] * Sa[j] / (1 + s) ** 2
              + mp.fsum(Bm[i][k] * e[k] * Bm[j][k] for k in range(len(e)))
              for j in range(n)] for i in range(n)]
        return np.array([[float(v) for v in row] for row in H])


@pytest.mark.parametrize("seed", range(6))
def test_log_and_exp_of_products_against_mpmath(seed):
    rng = np.random.default_rng(seed)
    n = 1 + seed
    Q = rng.standard_normal((n, n))
    Q = Q @ Q.T + 0.1 * rng.standard_normal((n, n))       # 1 + a^T Q a stays positive
    B = 0.5 * rng.standard_normal((n, 3))
    a = 0.7 * rng.standard_normal(n)

    def f(x):
        return np.log(1.0 + x @ Q @ x) + np.sum(np.exp(x @ B))

    want = _mp_hessian(a, Q, B)
    close(dc.hessian(f, a), want, 1e-13)
    # the same with the products written the other way round
    close(dc.hessian(lambda x: np.log(1.0 + np.dot(Q.T @ x, x)) + np.exp(B.T @ x).sum(), a),
          want, 1e-13)


# ---------------------------------------------------------------- the band helpers themselves
def test_seed_bands_and_zero_mixed_part():
    x = S.seed_band_hyper(np.arange(5.0), 1, 3, 1, 2)
    assert _A.zero_eps1eps2(x)
    (b1, o1, p), (b2, o2, q), (b12, _, _) = _A.bands_of(x)
    assert (p, q) == (2, 5) and b1.shape == (1, 5) and not b12.any()
    y = x * x                                              # eps1eps2 = 2 on the band
    assert not _A.zero_eps1eps2(y)
    assert _A.bands_of(x[1:]) is not None
    assert _A.bands_of(x.reshape(5, 1)) is None            # 1-D only
    assert not _A.zero_eps1eps2(np.ones(3))
    x.eps1eps2                                             # densified: no longer banded
    assert _A.bands_of(x) is None and not _A.zero_eps1eps2(x)


def test_matmul_shape_errors_unchanged():
    x = S.seed_band_hyper(np.arange(5.0), 0, 5, 1, 2)
    with pytest.raises(ValueError):
        x @ np.ones((4, 4))
    with pytest.raises(ValueError):
        np.ones((3, 4)) @ x
    with pytest.raises(ValueError):
        x @ x[:4]


def test_hvp_through_products_from_the_seed_bands():
    """hvp of x @ Q @ x, (x*x) @ Q @ x and log(1 + x Q x): the hvp seed (one
    eps2 direction, stored banded) meets constant matrices and itself."""
    for m in (1, 4, 50):
        Q = RNG.standard_normal((m, m))
        a = RNG.standard_normal(m)
        v = RNG.standard_normal(m)
        close(dc.hvp(lambda x: x @ Q @ x, a, v), (Q + Q.T) @ v, 64 * ULP4)
        H = 2 * np.diag(Q @ a) + 2 * a[:, None] * Q + 2 * (a[:, None] * Q).T
        close(dc.hvp(lambda x: (x * x) @ Q @ x, a, v), H @ v, 256 * ULP4)
        P = Q @ Q.T + np.eye(m)
        s = a @ P @ a
        H = 2 * P / (1 + s) - 4 * np.outer(P @ a, P @ a) / (1 + s) ** 2
        close(dc.hvp(lambda x: np.log(1.0 + np.dot(x, P @ x)), a, v), H @ v, 1e-13)
    seed = S.seed_band_hvp(np.arange(4.0), 1, 3, np.ones(4), 1, 2)
    b1, off1, p, b2, b12 = _A.hvp_bands_of(seed)
    assert (off1, p) == (-1, 2) and b2.shape[1] == 4 and not b12.any()
    assert _A.bands_of(seed) is None and _A.hvp_bands_of(np.ones(3)) is None
