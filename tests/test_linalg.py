"""numpy.linalg decompositions and dualcalc.linalg.expm on dual arrays.

References: mpmath's own matrix functions (eigsy, eig, svd_r, cholesky, qr,
expm, inverse, det) at 50 digits, differentiated by central differences with
steps small enough that the truncation error (h**2) is below 1e-24 -- far under
the double-precision tolerances used -- and, independently, the analytic
perturbation formulas written out here by hand.  Outputs whose sign is
arbitrary (eigen- and singular vectors, QR factors) are compared through
sign-invariant functions of them."""
import itertools

import numpy as np
import pytest

import dualcalc as dc
from dualcalc.linalg import expm

mp = pytest.importorskip("mpmath")
RNG = np.random.default_rng(7)
DPS = 50


def to_mp(A):
    return mp.matrix([[mp.mpf(float(v)) for v in row] for row in np.atleast_2d(A)])


def from_mp(M):
    if isinstance(M, mp.matrix):
        return np.array([[float(M[i, j]) for j in range(M.cols)] for i in range(M.rows)])
    return np.array([float(v) for v in M])


def mp_jacobian(fun, A, directions, h="1e-18"):
    """d fun(A + t E)/dt at t = 0 for each E, by central differences in mpmath
    (fun: mp.matrix -> flat list of mpf)."""
    out = []
    with mp.workdps(DPS):
        h = mp.mpf(h)
        A = to_mp(A)
        for E in directions:
            E = to_mp(E)
            fp = fun(A + h * E)
            fm = fun(A - h * E)
            out.append([float((a - b) / (2 * h)) for a, b in zip(fp, fm)])
    return np.array(out).T          # (outputs, directions)


def mp_hessian(fun, A, directions, h="1e-14"):
    """d2 fun(A + s Ei + t Ej)/ds dt for scalar fun, by central differences."""
    n = len(directions)
    H = np.empty((n, n))
    with mp.workdps(DPS):
        h = mp.mpf(h)
        A = to_mp(A)
        Es = [to_mp(E) for E in directions]
        for i, j in itertools.product(range(n), repeat=2):
            if j < i:
                H[i, j] = H[j, i]
                continue
            f = [fun(A + h * (a * Es[i] + b * Es[j]))
                 for a, b in ((1, 1), (1, -1), (-1, 1), (-1, -1))]
            H[i, j] = float((f[0] - f[1] - f[2] + f[3]) / (4 * h * h))
    return H


def units(shape):
    out = []
    for idx in np.ndindex(shape):
        E = np.zeros(shape)
        E[idx] = 1.0
        out.append(E)
    return out


def sym_units(n):
    """The directions a lower-triangle-reading routine sees: (i, j), i >= j,
    moving both (i, j) and (j, i)."""
    out = []
    for i in range(n):
        for j in range(n):
            E = np.zeros((n, n))
            if i >= j:
                E[i, j] = E[j, i] = 1.0
            out.append(E)
    return out


def spd(n):
    M = RNG.normal(size=(n, n))
    return M @ M.T + n * np.eye(n)


def sym(n):
    M = RNG.normal(size=(n, n))
    return M + M.T


def close(got, ref, tol=1e-11):
    got = np.asarray(got, dtype=float)
    ref = np.asarray(ref, dtype=float)
    scale = max(1.0, np.abs(ref).max())
    np.testing.assert_allclose(got, ref, rtol=0, atol=tol * scale)


def jac(f, A):
    """dc.jacobian reshaped to (outputs, flat inputs)."""
    J = dc.jacobian(f, A)
    return J.reshape(-1, A.size)


# ---------------------------------------------------------------- eigh / eigvalsh
def mp_eigsy(A):
    E, Q = mp.eigsy(A)
    order = sorted(range(len(E)), key=lambda i: E[i])
    return [E[i] for i in order], Q, order


def test_eigh_values_and_vectors_first_order():
    n = 4
    A = sym(n)
    D = sym_units(n)
    Jw = jac(lambda X: np.linalg.eigh(X)[0], A)
    ref = mp_jacobian(lambda M: mp_eigsy(M)[0], A, D)
    close(Jw, ref)
    # analytic: dw_k = v_k^T E v_k on the lower triangle, 0 above it
    w, V = np.linalg.eigh(A)
    ana = np.array([[V[:, k] @ E @ V[:, k] for E in D] for k in range(n)])
    close(Jw, ana, 1e-13)
    # eigenvectors through the sign-invariant V[i, k] V[0, k]
    Jv = jac(lambda X: np.linalg.eigh(X)[1] * np.linalg.eigh(X)[1][0:1, :], A)

    def vv(M):
        _, Q, order = mp_eigsy(M)
        return [Q[i, order[k]] * Q[0, order[k]] for i in range(n) for k in range(n)]
    close(Jv, mp_jacobian(vv, A, D))
    close(jac(np.linalg.eigvalsh, A), Jw, 1e-14)


def test_eigh_upper_and_second_order():
    n = 3
    A = sym(n)
    c = np.array([0.3, -1.2, 2.0])
    D = [E for E in sym_units(n)]
    H = dc.hessian(lambda X: np.linalg.eigvalsh(X) @ c, A).reshape(n * n, n * n)
    ref = mp_hessian(lambda M: sum(ci * e for ci, e in zip(c, mp_eigsy(M)[0])), A, D)
    # H acts on the lower triangle only (eigvalsh reads it), so the Hessian along
    # a symmetric direction E is H applied to tril(E)
    Dl = [np.tril(E) for E in D]
    Hl = np.array([[Ei.ravel() @ H @ Ej.ravel() for Ej in Dl] for Ei in Dl])
    close(Hl, ref, 1e-9)
    # UPLO='U' reads the upper triangle
    J = dc.jacobian(lambda X: np.linalg.eigvalsh(X, UPLO="U"), A)
    J_L = dc.jacobian(np.linalg.eigvalsh, A)
    close(J, np.swapaxes(J_L, 1, 2), 1e-14)


def test_eigh_degenerate_raises_and_nonsplitting_tangent_works():
    A = np.diag([1.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="repeated"):
        dc.jacobian(lambda X: np.linalg.eigh(X)[1], A)
    with pytest.raises(ValueError, match="repeated"):
        dc.jacobian(np.linalg.eigvalsh, A)
    # along a tangent that does not split the cluster the values are differentiable
    np.testing.assert_allclose(dc.jvp(np.linalg.eigvalsh, A, np.eye(3)), [1.0, 1.0, 1.0])


# ---------------------------------------------------------------- eig / eigvals
def real_eig_matrix(n):
    S = RNG.normal(size=(n, n)) + n * np.eye(n)
    return S @ np.diag(np.arange(1.0, n + 1) * 1.5 - 2.0) @ np.linalg.inv(S)


def test_eig_real_distinct():
    n = 4
    A = real_eig_matrix(n)
    D = units((n, n))

    def mp_vals(M):
        E, _ = mp.eig(M)
        return sorted([mp.re(e) for e in E])
    Jw = jac(lambda X: np.sort(np.linalg.eigvals(X)), A)
    close(Jw, mp_jacobian(mp_vals, A, D), 1e-10)
    close(jac(lambda X: np.sort(np.linalg.eig(X)[0]), A), Jw, 1e-13)
    # analytic: dw_k = (V^-1 E V)_kk
    w, V = np.linalg.eig(A)
    Vi = np.linalg.inv(V)
    order = np.argsort(w)
    ana = np.array([[(Vi @ E @ V)[k, k] for E in D] for k in order])
    close(Jw, ana, 1e-12)
    # unit eigenvectors: v v^T is sign-free; mpmath's right eigenvectors normalised

    def mp_proj(M):
        E, ER = mp.eig(M)
        idx = sorted(range(n), key=lambda i: mp.re(E[i]))
        out = []
        for k in idx:
            v = [mp.re(ER[i, k]) for i in range(n)]
            nv = mp.sqrt(sum(x * x for x in v))
            out += [v[i] * v[j] / nv ** 2 for i in range(n) for j in range(n)]
        return out

    def proj(X):
        w, V = np.linalg.eig(X)
        V = V[:, np.argsort(w.value if hasattr(w, "value") else w)]
        return np.stack([np.outer(V[:, k], V[:, k]) for k in range(n)])
    close(jac(proj, A), mp_jacobian(mp_proj, A, D), 1e-10)
    with pytest.raises(ValueError, match="complex"):
        dc.jacobian(np.linalg.eigvals, np.array([[0.0, 1.0], [-1.0, 0.0]]))


# ---------------------------------------------------------------- cholesky
def test_cholesky_first_and_second_order():
    n = 4
    A = spd(n)
    D = sym_units(n)
    J = jac(np.linalg.cholesky, A)
    ref = mp_jacobian(lambda M: [x for row in mp.cholesky(M).tolist() for x in row], A, D)
    close(J, ref)
    # analytic, independently: dA = dL L^T + L dL^T solved column by column
    L = np.linalg.cholesky(A)
    for col, E in enumerate(D):
        dL = np.zeros((n, n))
        for j in range(n):
            for i in range(j, n):
                s = E[i, j] - sum(dL[i, k] * L[j, k] + L[i, k] * dL[j, k] for k in range(j))
                if i == j:
                    dL[j, j] = s / (2 * L[j, j])
                else:
                    dL[i, j] = (s - L[i, j] * dL[j, j]) / L[j, j]
        close(J[:, col], dL.ravel(), 1e-13)
    c = RNG.normal(size=(n, n))
    Dl = [np.tril(E) for E in sym_units(3)]
    A3 = spd(3)
    c3 = c[:3, :3]
    H = dc.hessian(lambda X: np.sum(np.linalg.cholesky(X) * c3), A3).reshape(9, 9)
    Hl = np.array([[Ei.ravel() @ H @ Ej.ravel() for Ej in Dl] for Ei in Dl])
    refH = mp_hessian(lambda M: sum(c3[i, j] * mp.cholesky(M)[i, j] for i in range(3)
                                    for j in range(3)), A3, sym_units(3))
    close(Hl, refH, 1e-9)
    # upper=True is the transpose of the factor of the upper triangle
    Ju = dc.jacobian(lambda X: np.linalg.cholesky(X, upper=True), A)
    Jl = dc.jacobian(np.linalg.cholesky, A)
    close(Ju, np.transpose(Jl, (1, 0, 3, 2)), 1e-14)


# ---------------------------------------------------------------- svd
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_svd_values_and_vectors(shape):
    A = RNG.normal(size=shape)
    D = units(shape)
    Js = jac(lambda X: np.linalg.svd(X, compute_uv=False), A)

    def mp_s(M):
        return sorted(mp.svd_r(M, compute_uv=False), reverse=True)
    close(Js, mp_jacobian(mp_s, A, D))
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    close(Js, np.array([[U[:, i] @ E @ Vh[i] for E in D] for i in range(len(s))]), 1e-13)
    k = min(shape)

    def uv(X):
        U, s, Vh = np.linalg.svd(X, full_matrices=False)
        return np.stack([np.outer(U[:, i], Vh[i]) for i in range(k)])

    def mp_uv(M):
        U, S, V = mp.svd_r(M, full_matrices=False)
        idx = sorted(range(k), key=lambda i: -S[i])
        return [U[a, i] * V[i, b] for i in idx for a in range(shape[0]) for b in range(shape[1])]
    close(jac(uv, A), mp_jacobian(mp_uv, A, D), 1e-10)
    # U U^T (the column-space projector) checks U's part outside the square block
    close(jac(lambda X: (lambda U: U @ U.T)(np.linalg.svd(X, full_matrices=False)[0]), A),
          mp_jacobian(lambda M: (lambda U: [x for row in (U * U.T).tolist() for x in row])(
              mp.svd_r(M, full_matrices=False)[0]), A, D), 1e-10)
    if shape[0] != shape[1]:
        with pytest.raises(ValueError, match="full_matrices"):
            dc.jacobian(lambda X: np.linalg.svd(X)[0], A)


def test_svd_second_order_and_norms():
    A = RNG.normal(size=(3, 3))
    D = units((3, 3))
    c = np.array([1.0, -0.5, 2.0])
    H = dc.hessian(lambda X: np.linalg.svd(X, compute_uv=False) @ c, A).reshape(9, 9)
    ref = mp_hessian(lambda M: sum(ci * s for ci, s in zip(
        c, sorted(mp.svd_r(M, compute_uv=False), reverse=True))), A, D)
    close(H, ref, 1e-9)
    for ord_, pick in ((2, lambda s: max(s)), (-2, lambda s: min(s)), ("nuc", lambda s: sum(s))):
        g = dc.gradient(lambda X: np.linalg.norm(X, ord_), A).ravel()
        r = mp_jacobian(lambda M: [pick(mp.svd_r(M, compute_uv=False))], A, D)[0]
        close(g, r)
        Hn = dc.hessian(lambda X: np.linalg.norm(X, ord_), A).reshape(9, 9)
        close(Hn, mp_hessian(lambda M: pick(mp.svd_r(M, compute_uv=False)), A, D), 1e-9)
    # the nuclear norm is differentiable at repeated singular values
    Q = np.linalg.qr(RNG.normal(size=(3, 3)))[0]
    g = dc.gradient(lambda X: np.linalg.norm(X, "nuc"), 2.0 * Q)
    close(g, Q, 1e-13)             # d ||X||_* = U V^T
    with pytest.raises(ValueError, match="repeated"):
        dc.gradient(lambda X: np.linalg.norm(X, 2), 2.0 * Q)
    with pytest.raises(ValueError, match="zero"):
        dc.gradient(lambda X: np.sum(np.linalg.svd(X, compute_uv=False)), np.diag([1.0, 0.0]))


# ---------------------------------------------------------------- qr, pinv, lstsq
def test_qr():
    A = RNG.normal(size=(5, 3))
    D = units(A.shape)

    def normalised(X):
        Q, R = np.linalg.qr(X)
        d = np.sign(np.diagonal(R.value if hasattr(R, "value") else R))
        return np.concatenate([np.ravel(Q * d), np.ravel(R * d[:, None])])

    def mp_normalised(M):
        Q, R = mp.qr(M, mode="skinny")
        d = [mp.sign(R[i, i]) for i in range(3)]
        return ([Q[i, j] * d[j] for i in range(5) for j in range(3)]
                + [R[i, j] * d[i] for i in range(3) for j in range(3)])
    close(jac(normalised, A), mp_jacobian(mp_normalised, A, D))
    close(jac(lambda X: np.linalg.qr(X, mode="r") ** 2, A),
          jac(lambda X: np.linalg.qr(X)[1] ** 2, A), 1e-14)
    As = A[:3]
    H = dc.hessian(lambda X: np.sum(np.linalg.qr(X)[1] ** 2 * np.arange(9.0).reshape(3, 3)),
                   As).reshape(9, 9)
    Dq = units((3, 3))
    refH = mp_hessian(lambda M: (lambda R: sum(R[i, j] ** 2 * (3 * i + j) for i in range(3)
                                               for j in range(3)))(mp.qr(M)[1]), As, Dq)
    close(H, refH, 1e-9)
    with pytest.raises(ValueError, match="m >= n"):
        dc.jacobian(lambda X: np.linalg.qr(X)[0], A.T)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (3, 3)])
def test_pinv_and_lstsq(shape):
    A = RNG.normal(size=shape)
    D = units(shape)

    def mp_pinv(M):
        if M.rows >= M.cols:
            P = mp.inverse(M.T * M) * M.T
        else:
            P = M.T * mp.inverse(M * M.T)
        return [x for row in P.tolist() for x in row]
    close(jac(np.linalg.pinv, A), mp_jacobian(mp_pinv, A, D))
    if shape[0] >= shape[1]:
        b = RNG.normal(size=shape[0])
        Jx = jac(lambda X: np.linalg.lstsq(X, b)[0], A)
        close(Jx, mp_jacobian(lambda M: list(mp.inverse(M.T * M) * M.T * mp.matrix(b)), A, D))
        gb = dc.jacobian(lambda v: np.linalg.lstsq(A, v)[0], b)
        close(gb, np.linalg.pinv(A), 1e-13)
        if shape[0] > shape[1]:
            g = dc.gradient(lambda X: np.linalg.lstsq(X, b)[1][0], A)
            x = np.linalg.lstsq(A, b)[0]
            close(g, -2 * np.outer(b - A @ x, x), 1e-12)   # d |b - A x|^2 / dA
    H = dc.hessian(lambda X: np.sum(np.linalg.pinv(X) ** 2), A[:3, :2]).reshape(6, 6)
    close(H, mp_hessian(lambda M: sum(x ** 2 for x in mp_pinv(M)), A[:3, :2], units((3, 2))),
          1e-9)
    with pytest.raises(ValueError, match="rank"):
        dc.jacobian(np.linalg.pinv, np.ones((3, 2)))


# ---------------------------------------------------------------- powers, det, slogdet, expm
def test_matrix_power_det_slogdet():
    A = RNG.normal(size=(3, 3))
    D = units((3, 3))
    for p in (0, 1, 2, 5, -3):
        J = jac(lambda X: np.linalg.matrix_power(X, p), A)
        ref = mp_jacobian(lambda M: [x for row in (M ** p).tolist() for x in row], A, D)
        close(J, ref)
    H = dc.hessian(lambda X: np.linalg.slogdet(X)[1], A).reshape(9, 9)
    close(H, mp_hessian(lambda M: mp.log(abs(mp.det(M))), A, D), 1e-9)


def mp_det(M):
    """det by the Leibniz formula (mpmath's LU stops at an all-zero column)."""
    n = M.rows
    total = mp.mpf(0)
    for perm in itertools.permutations(range(n)):
        sign = (-1) ** sum(1 for i in range(n) for j in range(i + 1, n) if perm[i] > perm[j])
        term = mp.mpf(sign)
        for i in range(n):
            term *= M[i, perm[i]]
        total += term
    return total


@pytest.mark.parametrize("A", [np.array([[1.0, 2.0], [2.0, 4.0]]), np.zeros((3, 3)),
                               np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]]),
                               np.array([[1.0, 0, 0], [0, 0, 0], [0, 0, 0]])])
def test_det_derivatives_at_singular_matrices(A):
    n = A.shape[0]
    D = units((n, n))
    g, H = dc.gradient(np.linalg.det, A), dc.hessian(np.linalg.det, A)
    close(g.ravel(), mp_jacobian(lambda M: [mp_det(M)], A, D)[0], 1e-12)
    close(H.reshape(n * n, n * n), mp_hessian(mp_det, A, D), 1e-9)
    # analytic: d2 det / dA_ij dA_kl = the signed complementary minor
    ref = np.zeros((n, n, n, n))
    for i, j, k, l in itertools.product(range(n), repeat=4):
        if i != k and j != l:
            rows = [r for r in range(n) if r not in (i, k)]
            cols = [c for c in range(n) if c not in (j, l)]
            minor = np.linalg.det(A[np.ix_(rows, cols)]) if rows else 1.0
            perm_sign = (-1) ** (i + j + k + l) * (1 if (i < k) == (j < l) else -1)
            ref[i, j, k, l] = perm_sign * minor
    close(H, ref, 1e-12)


@pytest.mark.parametrize("scale", [1e-3, 0.2, 1.0, 3.0, 40.0])
def test_expm(scale):
    A = RNG.normal(size=(3, 3)) * scale
    D = units((3, 3))
    with mp.workdps(DPS):
        close(expm(A), from_mp(mp.expm(to_mp(A))), 1e-13)
    J = jac(expm, A)
    ref = mp_jacobian(lambda M: [x for row in mp.expm(M).tolist() for x in row], A, D)
    close(J, ref, 1e-11)
    sl = pytest.importorskip("scipy.linalg")
    for col, E in enumerate(D):
        close(J[:, col], sl.expm_frechet(A, E, compute_expm=False).ravel(), 1e-11)
    if scale in (0.2, 3.0):       # second order: a 2 x 2 block keeps mpmath's share small
        B = A[:2, :2]
        c = RNG.normal(size=(2, 2))
        H = dc.hessian(lambda X: np.sum(expm(X) * c), B).reshape(4, 4)
        refH = mp_hessian(lambda M: sum(c[i, j] * mp.expm(M)[i, j] for i in range(2)
                                        for j in range(2)), B, units((2, 2)))
        close(H, refH, 1e-9)


def test_hvp_through_decompositions_matches_the_hessian():
    # hvp seeds eps2 with one dense direction and eps1eps2 banded: the nested
    # rules must give the same numbers as the full Hessian (tested above)
    M = RNG.normal(size=(3, 3))
    A = M + M.T
    V = RNG.normal(size=(3, 3))
    c = np.array([1.0, -2.0, 0.5])
    for f, X in ((lambda Y: np.linalg.eigvalsh(Y) @ c, A),
                 (lambda Y: np.sum(np.linalg.cholesky(Y @ Y.T + 3 * np.eye(3)) * c), M),
                 (lambda Y: np.linalg.svd(Y)[0][0, 1] * np.linalg.det(Y), M),
                 (lambda Y: np.sum(expm(Y) ** 2), M / 3),
                 (lambda Y: np.sum(np.linalg.qr(Y)[0] * c), M)):
        H = dc.hessian(f, X).reshape(9, 9)
        close(dc.hvp(f, X, V), (H @ V.ravel()).reshape(3, 3), 1e-12)
