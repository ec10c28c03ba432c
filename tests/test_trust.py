"""The trust-region Newton kernels in C (dualcalc._core._trust): the Jacobi
eigensolver against LAPACK and known spectra, the exact subproblem against
the Python reference algorithm and the optimality (KKT) conditions, the
radius rule, and the compiled Newton loop against the Python loop."""
import math
import warnings

import numpy as np
import pytest

import dualcalc as dc
from dualcalc._core import _trust
from dualcalc.optimize import minimize, problems

EPS = np.finfo(float).eps
rng = np.random.default_rng(20261206)


def _sym(n, scale=1.0):
    A = rng.standard_normal((n, n))
    return scale * (A + A.T)


def _orthogonal(n):
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    return Q * np.sign(np.diag(R))


def _check_decomposition(A, lam, Q, c=8.0):
    n = A.shape[0]
    norm = max(np.linalg.norm(A, 2), np.finfo(float).tiny)
    assert lam.shape == (n,) and Q.shape == (n, n)
    assert np.all(np.diff(lam) >= 0), "eigenvalues ascending"
    assert np.max(np.abs(A @ Q - Q * lam)) <= c * n * EPS * norm
    assert np.max(np.abs(Q.T @ Q - np.eye(n))) <= c * n * EPS


# ---------------------------------------------------------------- eigensolver
METHODS = ["jacobi", "ql"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 24, 40])
def test_eigh_agrees_with_lapack(n, method):
    for _ in range(20):
        A = _sym(n)
        lam, Q = _trust.eigh(A, method=method)
        _check_decomposition(A, lam, Q)
        ref = np.linalg.eigvalsh(A)
        assert np.max(np.abs(lam - ref)) <= 8 * n * EPS * np.linalg.norm(A, 2)


def test_jacobi_and_ql_converge_quickly():
    # Jacobi converges quadratically: a handful of sweeps; QL about two
    # iterations per eigenvalue
    for n in (2, 5, 10, 16):
        A = _sym(n)
        assert 1 <= _trust.iterations(A, "jacobi") <= 10
        assert 1 <= _trust.iterations(A, "ql") <= 3 * n


def test_eigh_chooses_by_size():
    for n, method in [(1, "jacobi"), (_trust.JACOBI_MAX_N, "jacobi"),
                      (_trust.JACOBI_MAX_N + 1, "ql"), (_trust.QL_MAX_N, "ql"),
                      (_trust.QL_MAX_N + 1, "lapack")]:
        A = _sym(n)
        lam, Q = _trust.eigh(A)
        lam1, Q1 = _trust.eigh(A, method=method)
        assert np.array_equal(lam, lam1) and np.array_equal(Q, Q1)
    A = _sym(_trust.QL_MAX_N + 1)
    L, V = np.linalg.eigh(A)
    lam, Q = _trust.eigh(A)
    assert np.array_equal(lam, L) and np.array_equal(Q, V)
    with pytest.raises(ValueError, match="method"):
        _trust.eigh(A, method="qr")


@pytest.mark.parametrize("method", METHODS)
def test_diagonal_matrix_is_sorted_exactly(method):
    d = np.array([3.0, -1.0, 2.5, 0.0, -7.0, 1.0, 0.5, 9.0])
    lam, Q = _trust.eigh(np.diag(d), method=method)
    assert np.array_equal(lam, np.sort(d))
    assert np.array_equal(np.abs(Q), np.eye(d.size)[:, np.argsort(d, kind="stable")])
    assert _trust.iterations(np.diag(d), method) == 0


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("spectrum", [[1, 1, 1, 2, 5], [-3, -3, 0, 0, 4, 4],
                                      [2, 2, 2, 2], [0, 0, 0, 1e-8], [7] * 9 + [-1, -1]])
def test_repeated_eigenvalues(spectrum, method):
    s = np.array(spectrum, dtype=float)
    V = _orthogonal(s.size)
    A = (V * s) @ V.T
    A = 0.5 * (A + A.T)
    lam, Q = _trust.eigh(A, method=method)
    _check_decomposition(A, lam, Q)
    assert np.max(np.abs(lam - np.sort(s))) <= 16 * s.size * EPS * max(1.0, np.abs(s).max())


@pytest.mark.parametrize("method", METHODS)
def test_rank_deficient(method):
    B = rng.standard_normal((8, 3))
    A = B @ B.T
    lam, Q = _trust.eigh(A, method=method)
    _check_decomposition(A, lam, Q)
    assert np.max(np.abs(lam[:5])) <= 64 * EPS * np.linalg.norm(A, 2)
    assert np.all(lam[5:] > 0.1)


@pytest.mark.parametrize("method", METHODS)
def test_one_by_one_and_zero_matrices(method):
    lam, Q = _trust.eigh([[-4.5]], method=method)
    assert lam.tolist() == [-4.5] and Q.tolist() == [[1.0]]
    lam, Q = _trust.eigh(np.zeros((9, 9)), method=method)
    assert lam.tolist() == [0.0] * 9 and np.array_equal(Q, np.eye(9))
    lam, Q = _trust.eigh(np.zeros((0, 0)), method=method)
    assert lam.shape == (0,) and Q.shape == (0, 0)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("k", [-1000, -900, -300, 300, 900, 1000])
def test_scaling_by_powers_of_two_is_exact(k, method):
    # eigh scales the matrix by a power of 2 before rotating, so a matrix
    # scaled by 2**k has exactly the eigenvalues scaled by 2**k, and the
    # same eigenvectors: no overflow at 1e300, no loss to underflow at 1e-300
    A = _sym(9)
    lam, Q = _trust.eigh(A, method=method)
    lam2, Q2 = _trust.eigh(np.ldexp(A, k), method=method)
    assert np.array_equal(lam2, np.ldexp(lam, k)) and np.array_equal(Q2, Q)


@pytest.mark.parametrize("method", METHODS)
def test_huge_and_tiny_entries_together(method):
    # accuracy is relative to |A| (the 1e-300 entry is below rounding of
    # 1e300 and may be lost), and nothing overflows
    A = np.diag([1e300, 1.0, 1e-300])
    A[0, 1] = A[1, 0] = 1e-10
    lam, Q = _trust.eigh(A, method=method)
    assert np.all(np.isfinite(lam)) and np.all(np.isfinite(Q))
    assert lam[2] == 1e300 and abs(lam[1] - 1.0) <= 2 * EPS
    assert abs(lam[0] - 1e-300) <= EPS * 1e300
    _check_decomposition(A, lam, Q)


def test_graded_matrix_small_eigenvalues_to_full_relative_accuracy():
    # within the range that the power-of-2 scaling keeps normal, Jacobi's
    # relative stopping test gives small eigenvalues of a graded matrix to
    # rounding (QL's test is normwise: not claimed there)
    A = np.diag([1e100, 1.0, 1e-100])
    A[0, 1] = A[1, 0] = 1e-10
    A[1, 2] = A[2, 1] = 1e-60
    lam, Q = _trust.eigh(A, method="jacobi")
    assert abs(lam[0] - 1e-100) <= 4 * EPS * 1e-100
    assert abs(lam[1] - 1.0) <= 4 * EPS and abs(lam[2] - 1e100) <= 4 * EPS * 1e100


@pytest.mark.parametrize("method", METHODS + ["lapack"])
def test_eigh_uses_the_lower_triangle(method):
    A = _sym(9)
    B = np.tril(A) + np.triu(rng.standard_normal((9, 9)), 1)
    lam, Q = _trust.eigh(B, method=method)
    lam0, Q0 = _trust.eigh(A, method=method)
    assert np.array_equal(lam, lam0) and np.array_equal(Q, Q0)


@pytest.mark.parametrize("method", METHODS + ["lapack"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_eigh_refuses_nonfinite_entries(bad, method):
    A = np.eye(9)
    A[2, 1] = A[1, 2] = bad
    with pytest.raises(ValueError, match="finite"):
        _trust.eigh(A, method=method)


def test_eigh_refuses_non_square():
    with pytest.raises(ValueError, match="square"):
        _trust.eigh(np.ones((2, 3)))
    with pytest.raises(ValueError, match="square"):
        _trust.eigh(np.ones(3))


# ---------------------------------------------------------------- subproblem
def _reference_subproblem(g, lam, Q, delta):
    """The algorithm of dualcalc's earlier Python step (NumPy), the reference
    that the C kernel follows, with the hard case corrected as there."""
    a = Q.T @ g
    lmin = float(lam[0])
    if lmin > 0:
        c = -a / lam
        if math.sqrt(c.dot(c)) <= delta:
            return Q @ c, Q @ (lam * c), True
    a2 = a * a
    na = -a
    gnorm = math.sqrt(a.dot(a))
    lo = max(0.0, -lmin)
    hi = lo + gnorm / delta
    mu = hi
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(100):
            d = lam + mu
            c = na / d
            pn = math.sqrt(c.dot(c))
            finite = math.isfinite(pn)
            if finite and abs(pn - delta) <= 1e-12 * delta:
                break
            if not finite or pn > delta:
                lo = mu
            else:
                hi = mu
            if hi - lo <= 4 * EPS * max(hi, 1.0):
                mu = hi
                d = lam + mu
                c = np.where(d > 0, na / np.where(d > 0, d, 1.0), 0.0)
                break
            new = math.nan
            if finite and pn > 0:
                dphi = float(np.sum(a2 / d**3)) / pn**3
                if dphi > 0:
                    new = mu - (1.0 / pn - 1.0 / delta) / dphi
            if not (lo < new < hi):
                new = 0.5 * (lo + hi)
            mu = new
        else:
            mu = hi
            d = lam + mu
            c = np.where(d > 0, na / np.where(d > 0, d, 1.0), 0.0)
    pn = math.sqrt(c.dot(c))
    if lmin < 0 and pn < delta * (1 - 1e-9):
        # (the earlier step added tau to c[0], with tau from |c| including
        # c[0]: |p| > delta where c[0] was not negligible; here c[0] takes
        # what the other components leave of delta)
        tau = math.sqrt(max(delta * delta - (pn * pn - c[0] * c[0]), 0.0))
        c = c.copy()
        c[0] = -tau if a[0] > 0 else tau
    return Q @ c, Q @ (lam * c), False


def _check_kkt(H, g, p, interior, delta):
    """(H + mu I) p = -g, mu >= 0, mu (|p| - delta) = 0, H + mu I psd."""
    n = g.size
    lmin = np.linalg.eigvalsh(H)[0]
    scale = np.linalg.norm(H, 2) * max(np.linalg.norm(p), delta) + np.linalg.norm(g)
    pn = np.linalg.norm(p)
    assert pn <= delta * (1 + 1e-10)
    if interior:
        assert lmin > 0
        assert np.linalg.norm(H @ p + g) <= 1e3 * n * EPS * scale
        return
    assert abs(pn - delta) <= 1e-9 * delta
    mu = -float(p @ (H @ p + g)) / (pn * pn)
    assert mu >= -1e-9 * scale / delta
    assert np.linalg.norm(H @ p + mu * p + g) <= 1e-8 * scale
    assert lmin + mu >= -1e-8 * (np.linalg.norm(H, 2) + abs(mu))


def _model(H, g, p):
    return float(g @ p + 0.5 * p @ H @ p)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 12])
def test_subproblem_matches_the_reference_and_kkt(n):
    for trial in range(60):
        H = _sym(n)
        if trial % 3 == 0:
            H = H @ H.T + 0.1 * np.eye(n)         # positive definite
        g = rng.standard_normal(n) * 10.0 ** rng.uniform(-3, 3)
        delta = 10.0 ** rng.uniform(-2, 2)
        lam, Q = _trust.eigh(H)
        p, Hp, interior = _trust.subproblem(g, lam, Q, delta)
        p0, Hp0, interior0 = _reference_subproblem(g, lam, Q, delta)
        assert interior == interior0
        assert np.linalg.norm(p - p0) <= 1e-9 * max(np.linalg.norm(p0), 1e-300)
        assert np.allclose(Hp, H @ p, rtol=1e-9, atol=1e-9 * np.linalg.norm(g))
        _check_kkt(H, g, p, interior, delta)
        # globally optimal over the ball: no random feasible point does better
        q = rng.standard_normal((200, n))
        q *= (delta * rng.uniform(0, 1, (200, 1)) ** (1 / n)) / np.linalg.norm(q, axis=1)[:, None]
        best = min(_model(H, g, qi) for qi in q)
        assert _model(H, g, p) <= best + 1e-9 * abs(best)


@pytest.mark.parametrize("n", [2, 3, 6])
def test_subproblem_hard_case(n):
    # g orthogonal to the eigenvector of the most negative eigenvalue, and the
    # region large enough that H + mu I with mu = -lam_0 still leaves |p| short
    # of delta: the rest of the length goes along that eigenvector
    lam = np.concatenate([[-2.0], np.linspace(1.0, 3.0, n - 1)])
    V = _orthogonal(n)
    H = (V * lam) @ V.T
    H = 0.5 * (H + H.T)
    g = V @ np.concatenate([[0.0], np.ones(n - 1)])
    delta = 5.0
    L, Q = _trust.eigh(H)
    p, Hp, interior = _trust.subproblem(g, L, Q, delta)
    assert not interior
    assert abs(np.linalg.norm(p) - delta) <= 1e-12 * delta
    _check_kkt(H, g, p, interior, delta)
    mu = -float(p @ (H @ p + g)) / delta**2
    assert abs(mu - 2.0) <= 1e-8
    # the two boundary points +-tau along the first eigenvector are equally
    # good when a_0 is rounding noise: the reference may take the other one
    p0, _, _ = _reference_subproblem(g, L, Q, delta)
    assert abs(_model(H, g, p) - _model(H, g, p0)) <= 1e-12 * abs(_model(H, g, p0))
    v = Q[:, 0]
    assert np.linalg.norm((p - (p @ v) * v) - (p0 - (p0 @ v) * v)) <= 1e-9 * delta
    assert abs(abs(p @ v) - abs(p0 @ v)) <= 1e-9 * delta


def test_subproblem_indefinite_and_zero_gradient():
    lam = np.array([-1.0, 2.0])
    Q = np.eye(2)
    p, Hp, interior = _trust.subproblem(np.zeros(2), lam, Q, 0.5)
    # g = 0 at a saddle: the step goes to the boundary along the negative curvature
    assert not interior and np.allclose(np.abs(p), [0.5, 0.0])
    p, Hp, interior = _trust.subproblem(np.zeros(2), np.array([1.0, 2.0]), Q, 0.5)
    assert interior and p.tolist() == [0.0, 0.0]


def test_subproblem_refuses_bad_arguments():
    with pytest.raises(ValueError, match="radius"):
        _trust.subproblem(np.ones(2), np.ones(2), np.eye(2), 0.0)
    with pytest.raises(ValueError, match="shape"):
        _trust.subproblem(np.ones(3), np.ones(2), np.eye(2), 1.0)


def test_trust_step_reports_pred_and_norms():
    H = _sym(4)
    g = rng.standard_normal(4)
    x = rng.standard_normal(4)
    lam, Q = _trust.eigh(H)
    p, interior, pred, pnorm, xnorm = _trust.trust_step(g, lam, Q, 0.7, x)
    p1, Hp, interior1 = _trust.subproblem(g, lam, Q, 0.7)
    assert np.array_equal(p, p1) and interior == interior1
    assert pred == pytest.approx(-(g @ p + 0.5 * p @ H @ p), rel=1e-12)
    assert pnorm == pytest.approx(np.linalg.norm(p), rel=1e-15)
    assert xnorm == pytest.approx(np.linalg.norm(x), rel=1e-15)


# ---------------------------------------------------------------- radius rule
def _reference_radius(f, f_new, pred, delta, pnorm, interior, max_radius):
    actual = f - f_new if np.isfinite(f_new) else -math.inf
    if pred <= 0:
        rho = -math.inf
    elif abs(actual) <= 8 * EPS * abs(f) and pred <= 8 * EPS * abs(f):
        rho = 1.0 if f_new <= f else -math.inf
    else:
        rho = actual / pred
    if rho < 0.25:
        new = 0.25 * pnorm if np.isfinite(rho) and pnorm > 0 else 0.25 * min(delta, pnorm or delta)
    elif rho > 0.75 and not interior:
        new = min(2.0 * delta, max_radius)
    else:
        new = delta
    return new, rho > 1e-4


@pytest.mark.parametrize("f_new", [0.5, 0.9, 0.99, 0.9999, 1.0, 1.0 + 1e-16, 1.0 - 1e-16, 2.0,
                                   math.inf, math.nan, -1e300])
@pytest.mark.parametrize("pred", [0.5, 0.1, 1e-17, 0.0, -1.0, 0.01])
@pytest.mark.parametrize("pnorm", [0.3, 0.0, 1.0])
@pytest.mark.parametrize("interior", [False, True])
def test_radius_rule(f_new, pred, pnorm, interior):
    args = (1.0, f_new, pred, 1.0, pnorm, interior, 1.5)
    assert _trust.trust_radius(*args) == _reference_radius(*args)


# ---------------------------------------------------------------- the Newton loops
def _fields(r):
    return (r.x, r.fun, r.jac, r.hess, r.nit, r.nfev, r.njev, r.nhev, r.status, r.success,
            r.message)


def _same(r0, r1):
    for a, b in zip(_fields(r0), _fields(r1)):
        if isinstance(a, np.ndarray):
            assert type(b) is np.ndarray and a.shape == b.shape and np.array_equal(a, b)
        else:
            assert type(a) is type(b) and (a == b or (a != a and b != b)), (a, b)


@pytest.mark.parametrize("p", problems.PROBLEMS, ids=lambda p: f"{p.name}-{p.n}")
def test_compiled_loop_equals_the_python_loop_on_mgh(p):
    cf = dc.compile(p)
    with np.errstate(all="ignore"):
        r0 = minimize(p, p.start(), method="newton")
        r1 = minimize(cf, p.start(), method="newton")
        # a callback makes the compiled objective take the Python loop
        r2 = minimize(cf, p.start(), method="newton", callback=lambda r: None)
    assert cf._solver_program(p.start().shape) is not None    # replayed in the C loop
    _same(r0, r1)
    _same(r0, r2)


def test_compiled_loop_with_history_equals():
    p = problems.PROBLEMS[0]
    cf = dc.compile(p)
    r0 = minimize(cf, p.start(), method="newton")
    r1 = minimize(cf, p.start(), method="newton", options={"return_history": True})
    _same(r0, r1)
    assert r1.history["f"].size == r1.nit + 1


def test_compiled_loop_follows_branches_it_has_not_recorded():
    # the recording at x0 sees one side of each branch; trial points on the
    # other side make the replays' guards fail and the loop runs the ordinary
    # path there (which records again), with the same iterates
    def f(x):
        r = (x[0] - 1.0) ** 2 + 10.0 * (x[1] - x[0] ** 2) ** 2
        if x[0] > 0:
            r = r + 0.5 * x[0] ** 4
        else:
            r = r + x[0] ** 2
        return r
    cf = dc.compile(f)
    r0 = minimize(f, [-1.5, 2.0], method="newton")
    r1 = minimize(cf, [-1.5, 2.0], method="newton")
    _same(r0, r1)
    assert r1.success and cf.recordings >= 2


def test_compiled_loop_steps_back_from_errors_of_f():
    # scalar-style code: 1 / (...) raises ZeroDivisionError, a domain error
    # turns into nan for NumPy code; both are "not better here"
    import dualcalc.math as dm

    def f(x):
        return (x[0] - 3.0) ** 2 + (x[1] + 1.0) ** 2 + 0.01 * dm.log(x[0]) ** 2
    cf = dc.compile(f)
    with np.errstate(all="ignore"):
        r0 = minimize(f, [0.5, 0.0], method="newton")
        r1 = minimize(cf, [0.5, 0.0], method="newton")
    _same(r0, r1)
    assert r1.success


def test_compiled_loop_with_an_unrecordable_objective():
    def f(x):
        return float(np.sum(x.value if hasattr(x, "value") else x)) * 0.0 + np.sum((x - 2.0) ** 2)
    cf = dc.compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r0 = minimize(f, [0.0, 1.0], method="newton")
        r1 = minimize(cf, [0.0, 1.0], method="newton")
    _same(r0, r1)


def test_compiled_loop_maxiter_and_counts():
    p = problems.PROBLEMS[0]
    cf = dc.compile(p)
    for maxiter in (0, 1, 3):
        r0 = minimize(p, p.start(), method="newton", options={"maxiter": maxiter})
        r1 = minimize(cf, p.start(), method="newton", options={"maxiter": maxiter})
        _same(r0, r1)
        assert r1.nit == maxiter and not r1.success


def test_newton_loop_falls_back_where_a_replay_cannot_answer():
    # a stand-in for a recording whose replays now and then meet another
    # branch (status >= 0), raise, or vanish (program_of gives None): the
    # loop must evaluate through the objective there, ask for the program
    # again, and end exactly where the Python loop ends, with the same counts
    from dualcalc.optimize import _minimize as M
    from dualcalc.optimize._result import CONVERGED, MAXITER, PRECISION_LOSS, SMALL_STEP

    def f(x):
        return 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2 + 0.1 * x[2] ** 4

    class Stub:
        calls = 0

        def _tick(self):
            Stub.calls += 1
            return Stub.calls % 7

        def run0(self, x):
            k = self._tick()
            if k == 3:
                return 2, None                      # a guard saw another branch
            if k == 5:
                raise ZeroDivisionError("replay")
            return -1, np.array([f(x)])

        def run2(self, x, p0, p1, v2, hessian):
            k = self._tick()
            if k in (1, 4):
                return 0, None, None, None, None
            v, g, H = dc.value_gradient_hessian(f, x)
            return -1, v, g, H, None

    asked = []

    def program_of():
        asked.append(1)
        return None if len(asked) % 5 == 0 else Stub()

    x0 = np.array([-1.2, 1.0, 0.5])
    r0 = minimize(f, x0, method="newton")
    obj = M._Objective(f, ())
    obj.check(x0)
    fx, g, H = obj.value_grad_hess(x0)
    x, fun, g, H, nit, status, nfev, njev, nhev = _trust.newton_loop(
        obj.value, obj.value_grad_hess, program_of, x0, fx, g, H, 600, 1e-8, 1e-12,
        M._default_radius(x0), 1e10, (CONVERGED, MAXITER, SMALL_STEP, PRECISION_LOSS))
    assert np.array_equal(x, r0.x) and fun == r0.fun and nit == r0.nit and status == r0.status
    assert np.array_equal(g, r0.jac) and np.array_equal(H, r0.hess)
    assert (obj.nfev + nfev, obj.njev + njev, obj.nhev + nhev) == (r0.nfev, r0.njev, r0.nhev)
    assert len(asked) > 5 and nfev > 0 and obj.nfev > 2      # both paths were taken


@pytest.mark.parametrize("n", [20, _trust.QL_MAX_N + 2])
def test_compiled_loop_equals_the_python_loop_for_larger_n(n):
    # n past JACOBI_MAX_N (QL) and past QL_MAX_N (LAPACK, called from the loop)
    def f(x):
        s = 0.0
        for i in range(len(x) - 1):
            s = s + (x[i] - 0.1 * i) ** 2 + 0.5 * (x[i + 1] - x[i] ** 2) ** 2
        return s + x[-1] ** 4
    cf = dc.compile(f)
    x0 = np.linspace(-1.0, 1.0, n)
    r0 = minimize(f, x0, method="newton")
    r1 = minimize(cf, x0, method="newton")
    assert cf._solver_program(x0.shape) is not None          # the compiled loop ran
    _same(r0, r1)
    assert r1.success


def test_compiled_loop_rejects_a_point_with_nonfinite_derivatives():
    # from (0.5, 0.5) the first Newton step lands exactly on x0 = 1, where the
    # value is finite and the derivatives of sqrt are not: the step is
    # rejected with a quarter of its length as the new radius
    def f(x):
        return (x[0] - 1.0) ** 2 + (x[1] - 1.0) ** 2 + 1e-3 * np.sqrt(np.maximum(x[0] - 1.0, 0.0))
    v, g, H = dc.value_gradient_hessian(f, np.array([1.0, 1.0]))
    assert np.isfinite(v) and not np.all(np.isfinite(g))
    cf = dc.compile(f)
    with np.errstate(all="ignore"):
        r0 = minimize(f, [0.5, 0.5], method="newton")
        r1 = minimize(cf, [0.5, 0.5], method="newton")
    _same(r0, r1)
    assert r1.nhev > 1


@pytest.mark.parametrize("options", [{"initial_trust_radius": 0.01}, {"initial_trust_radius": 0.1, "max_trust_radius": 0.4},
                                     {"xtol": 1e-3}, {"gtol": 1e-3}, {"maxiter": 7}])
def test_compiled_loop_takes_the_options(options):
    p = problems.PROBLEMS[0]
    cf = dc.compile(p)
    r0 = minimize(p, p.start(), method="newton", options=options)
    r1 = minimize(cf, p.start(), method="newton", options=options)
    _same(r0, r1)
    r2 = minimize(cf, p.start(), method="newton", tol=1e-4)
    _same(minimize(p, p.start(), method="newton", tol=1e-4), r2)


def test_compiled_loop_shared_by_threads():
    from concurrent.futures import ThreadPoolExecutor
    chosen = [p for p in problems.PROBLEMS if p.n <= 4][:8]
    compiled = {p.name: dc.compile(p) for p in chosen}
    expected = {p.name: minimize(p, p.start(), method="newton") for p in chosen}

    def solve(p):
        with np.errstate(all="ignore"):
            return p.name, minimize(compiled[p.name], p.start(), method="newton")
    with ThreadPoolExecutor(4) as ex:
        results = list(ex.map(solve, chosen * 3))
    for name, r in results:
        _same(expected[name], r)
