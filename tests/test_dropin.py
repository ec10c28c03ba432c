"""Drop-in proof: unmodified NumPy/SciPy code differentiates exactly on DualArrays.

None of the functions differentiated here was written for dualcalc: SciPy's own
Rosenbrock function (and its hand-written derivative, differentiated once more),
and plain-NumPy models written the way one writes them without derivatives in
mind.  References are SciPy's hand-derived derivatives, hand-derived
backpropagation, mpmath at 30 digits, or the same computation on scalar Duals.
"""
import mpmath as mp
import numpy as np
import pytest

from dualcalc import Dual
from dualcalc._core._arrays import is_banded, seed_identity, seed_identity_hyper
from dualcalc.arrays import DualArray, HyperDualArray, seed_chunks

so = pytest.importorskip("scipy.optimize")

RNG = np.random.default_rng(7)


def rel_close(got, ref, rtol):
    got, ref = np.asarray(got), np.asarray(ref)
    scale = np.maximum(np.abs(ref), np.max(np.abs(ref)) * 1e-3)
    assert np.all(np.abs(got - ref) <= rtol * scale), np.max(np.abs(got - ref) / scale)


# ================================================================ scipy.optimize.rosen
@pytest.mark.parametrize("n", [2, 10, 1000])
def test_rosen_gradient_equals_rosen_der(n):
    x = np.linspace(-1.2, 1.3, n) + 0.01 * RNG.normal(size=n)
    ref = so.rosen_der(x)
    # the identity seed, dense, all directions at once
    y = so.rosen(DualArray(x, np.eye(n)))
    assert y.value == so.rosen(x)
    rel_close(y.eps, ref, 1e-12)
    # the same seed stored banded, and in chunks
    yb = so.rosen(seed_identity(x, 0, n))
    rel_close(yb.eps, ref, 1e-12)
    g = np.empty(n)
    for start, stop, xd in seed_chunks(x, chunk=7):
        g[start:stop] = so.rosen(xd).eps
    rel_close(g, ref, 1e-12)


@pytest.mark.parametrize("n", [2, 10, 200])
def test_rosen_hessian_equals_rosen_hess(n):
    x = np.linspace(-1.2, 1.3, n)
    ref = so.rosen_hess(x)
    h = seed_identity_hyper(x, 0, n, 0, n, 1, 2)
    y = so.rosen(h)
    rel_close(y.eps1eps2, ref, 1e-12)
    rel_close(y.eps1, so.rosen_der(x), 1e-12)
    if n <= 10:
        I = np.eye(n)
        y = so.rosen(HyperDualArray(x, I, I, np.zeros((n, n, n)), 1, 2))
        rel_close(y.eps1eps2, ref, 1e-12)


@pytest.mark.parametrize("n", [2, 10, 100])
def test_the_jacobian_of_rosen_der_is_rosen_hess(n):
    # rosen_der builds its result with zeros_like and slice assignment
    x = np.linspace(-1.2, 1.3, n)
    J = so.rosen_der(DualArray(x, np.eye(n))).eps.T
    rel_close(J, so.rosen_hess(x), 1e-12)
    J = so.rosen_der(seed_identity(x, 0, n)).eps.T
    rel_close(J, so.rosen_hess(x), 1e-12)


def test_rosen_hess_prod_via_nested_directions():
    n = 6
    x = np.linspace(-1.0, 1.0, n)
    p = RNG.normal(size=n)
    u = DualArray(x, np.eye(n), tag=1)          # gradient directions
    v = DualArray(x, p[None, :], tag=2)          # one direction p
    y = so.rosen(u + (v - x))                    # x carrying both perturbations
    rel_close(y.eps1eps2[:, 0], so.rosen_hess_prod(x, p), 1e-12)


# ================================================================ plain-NumPy models
def softmax_cross_entropy(W, X, labels):
    """Mean cross-entropy of a linear softmax classifier, the numerically stable
    way one writes it in NumPy."""
    z = X @ W
    z = z - np.max(z, axis=1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(log_p[np.arange(len(labels)), labels])


def test_softmax_cross_entropy_gradient_and_hessian():
    n, d, c = 20, 4, 3
    X = RNG.normal(size=(n, d))
    labels = RNG.integers(0, c, size=n)
    W0 = RNG.normal(size=(d, c))
    m = W0.size
    W = DualArray(W0, np.eye(m).reshape((m,) + W0.shape))
    L = softmax_cross_entropy(W, X, labels)
    assert L.value == softmax_cross_entropy(W0, X, labels)
    P = np.exp(X @ W0)
    P /= P.sum(axis=1, keepdims=True)
    Y = np.eye(c)[labels]
    G = X.T @ (P - Y) / n                            # by hand
    rel_close(L.eps.reshape(d, c), G, 1e-13)
    # Hessian by hand: (1/n) sum_i x_i x_i^T (x) (diag p_i - p_i p_i^T)
    H = sum(np.kron(np.outer(X[i], X[i]), np.diag(P[i]) - np.outer(P[i], P[i]))
            for i in range(n)) / n
    Wh = HyperDualArray(W0, np.eye(m).reshape((m,) + W0.shape),
                        np.eye(m).reshape((m,) + W0.shape), np.zeros((m, m) + W0.shape))
    rel_close(softmax_cross_entropy(Wh, X, labels).eps1eps2, H, 1e-12)


def two_layer_tanh_loss(theta, X, y, shapes):
    """Half mean squared error of a one-hidden-layer tanh network; parameters
    unpacked from a flat vector the usual way."""
    (d, h), = shapes
    i = 0
    W1 = theta[i:i + d * h].reshape(d, h)
    i += d * h
    b1 = theta[i:i + h]
    i += h
    W2 = theta[i:i + h]
    b2 = theta[i + h]
    hidden = np.tanh(X @ W1 + b1)
    out = hidden @ W2 + b2
    return 0.5 * np.mean((out - y) ** 2)


def test_two_layer_tanh_network_gradient_equals_backpropagation():
    n, d, h = 15, 3, 5
    X = RNG.normal(size=(n, d))
    y = RNG.normal(size=n)
    theta0 = 0.5 * RNG.normal(size=d * h + h + h + 1)
    m = theta0.size
    L = two_layer_tanh_loss(DualArray(theta0, np.eye(m)), X, y, [(d, h)])
    # backpropagation by hand
    W1 = theta0[:d * h].reshape(d, h)
    b1 = theta0[d * h:d * h + h]
    W2 = theta0[d * h + h:d * h + 2 * h]
    b2 = theta0[-1]
    a = np.tanh(X @ W1 + b1)
    r = (a @ W2 + b2 - y) / n                      # dL/dout
    gW2 = a.T @ r
    gb2 = r.sum()
    da = np.outer(r, W2) * (1 - a ** 2)
    gW1 = X.T @ da
    gb1 = da.sum(axis=0)
    ref = np.concatenate([gW1.ravel(), gb1, gW2, [gb2]])
    assert L.value == two_layer_tanh_loss(theta0, X, y, [(d, h)])
    rel_close(L.eps, ref, 1e-12)
    # the same gradient from banded seeds in chunks
    g = np.empty(m)
    for start, stop, td in seed_chunks(theta0, chunk=8):
        g[start:stop] = two_layer_tanh_loss(td, X, y, [(d, h)]).eps
    rel_close(g, ref, 1e-12)


# ================================================================ against mpmath
def gaussian_negative_log_likelihood(params, t, obs):
    """A small least-squares model with a covariance: NumPy linear algebra,
    special functions and reductions in one expression."""
    amp, rate, shift, noise = params[0], params[1], params[2], params[3]
    model = amp * np.exp(-rate * t) * np.cos(t - shift)
    r = obs - model
    C = np.eye(t.size) * noise ** 2 + 0.1 * np.exp(-np.subtract.outer(t, t) ** 2)
    sign, logdet = np.linalg.slogdet(C)
    return 0.5 * (r @ np.linalg.solve(C, r)) + 0.5 * logdet


def test_gradient_of_a_composite_model_against_mpmath():
    mp.mp.dps = 30
    t = np.linspace(0.0, 2.0, 5)
    obs = np.array([1.1, 0.7, 0.2, -0.1, -0.3])
    p0 = np.array([1.2, 0.8, 0.3, 0.5])
    got = gaussian_negative_log_likelihood(DualArray(p0, np.eye(4)), t, obs).eps

    def f_mp(*p):
        amp, rate, shift, noise = p
        tt = [mp.mpf(float(v)) for v in t]
        r = mp.matrix([mp.mpf(float(o)) - amp * mp.exp(-rate * v) * mp.cos(v - shift)
                       for o, v in zip(obs, tt)])
        C = mp.matrix(len(tt), len(tt))
        for i in range(len(tt)):
            for j in range(len(tt)):
                C[i, j] = (noise ** 2 if i == j else 0) + mp.mpf(0.1) * mp.exp(
                    -(tt[i] - tt[j]) ** 2)         # 0.1: the double NumPy uses
        return 0.5 * (r.T * mp.lu_solve(C, r))[0] + 0.5 * mp.log(mp.det(C))

    p_mp = [mp.mpf(float(v)) for v in p0]
    for i in range(4):
        ref = mp.diff(lambda s: f_mp(*[p + (s if j == i else 0) for j, p in enumerate(p_mp)]), 0)
        assert abs(got[i] - float(ref)) <= 1e-12 * max(1.0, abs(float(ref))), (i, got[i], ref)


# ================================================================ arrays == scalars
def model(x):
    """Elementwise code that runs on floats, scalar Duals and DualArrays alike."""
    return (np.sin(x) * x ** 3 - np.exp(-x) / (1.0 + x * x) + np.arctan2(x, 2.0)
            + np.sqrt(np.abs(x)) * np.log1p(x * x) - np.maximum(x, 0.5) ** 2.5)


def test_dual_array_equals_scalar_duals_element_by_element():
    x = np.concatenate([np.linspace(-3.0, 3.0, 25), [0.0, 0.5]])
    t = RNG.normal(size=x.size)
    with np.errstate(all="ignore"):
        y = model(DualArray(x, t[None, :], tag=4))
        for i in range(x.size):
            d = model(Dual(x[i], t[i], tag=4))
            assert y.value[i] == d.value or (np.isnan(y.value[i]) and np.isnan(d.value))
            assert y.eps[0, i] == d.eps or (np.isnan(y.eps[0, i]) and np.isnan(d.eps))


def test_scalar_style_code_over_elements():
    # code written for scalars, indexing its input element by element
    def f(x):
        total = 0.0
        for i in range(len(x) - 1):
            total = total + (x[i + 1] - x[i] ** 2) ** 2 * 100.0 + (1 - x[i]) ** 2
        return total
    x = np.linspace(-1.0, 1.0, 8)
    rel_close(f(DualArray(x, np.eye(8))).eps, so.rosen_der(x), 1e-12)
    yb = f(seed_identity(x, 0, 8))
    rel_close(yb.eps, so.rosen_der(x), 1e-12)


def test_banded_seeds_stay_banded_through_elementwise_code():
    x = np.linspace(-1.0, 1.0, 50)
    xd = seed_identity(x, 0, 50)
    mid = 100.0 * (xd[1:] - xd[:-1] ** 2.0) ** 2.0 + (1 - xd[:-1]) ** 2.0
    assert is_banded(mid)                      # width 2, not 50 x 49 numbers
    rel_close(np.sum(mid).eps, so.rosen_der(x), 1e-12)


def broyden_tridiagonal(x):
    """The Broyden tridiagonal function, padded the usual way."""
    xp = np.concatenate([[0.0], x, [0.0]])
    return (3.0 - 2.0 * x) * x - xp[:-2] - 2.0 * xp[2:] + 1.0


@pytest.mark.parametrize("n", [3, 50])
def test_broyden_tridiagonal_jacobian(n):
    x = np.linspace(-1.0, 1.0, n)
    J = np.diag(3.0 - 4.0 * x) - np.eye(n, k=-1) - 2.0 * np.eye(n, k=1)
    y = broyden_tridiagonal(seed_identity(x, 0, n))
    assert is_banded(y) == (n > 3)             # the padding keeps the band
    np.testing.assert_allclose(y.eps.T, J, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(broyden_tridiagonal(DualArray(x, np.eye(n))).eps, y.eps)
