"""Sparse Jacobians and Hessians from compressed passes: equal to the dense
verbs to rounding, patterns reused through the cache, and executors giving
results bitwise equal to the serial run."""
import concurrent.futures as cf

import numpy as np
import pytest

pytest.importorskip("scipy")
import scipy.sparse as sp  # noqa: E402

import dualcalc  # noqa: E402
from dualcalc import (hessian_sparsity, jacobian_sparsity, sparse_hessian,  # noqa: E402
                      sparse_jacobian)
from dualcalc.coloring import ColoredPattern, is_column_coloring  # noqa: E402
from dualcalc.sparse import colored_pattern  # noqa: E402

import _sparse_problems as P  # noqa: E402

JAC = [(P.brusselator, 72), (P.broyden, 30), (P.rosen_residuals, 20), (P.stencil2d, 25),
       (P.gather, 10), (P.scalar_loop, 12), (P.bratu, 40)]
HESS = [(P.rosen, 20), (P.grid_energy, 36), (lambda x: np.sum(np.sin(x[:-2] * x[2:]) ** 2), 15)]


def _same_to_rounding(S, D):
    S = S.toarray()
    np.testing.assert_allclose(S, D, rtol=1e-14, atol=1e-14 * max(1.0, np.abs(D).max()))


@pytest.mark.parametrize("k", range(len(JAC)))
def test_sparse_jacobian_equals_dense(k):
    f, n = JAC[k]
    x = np.random.default_rng(k).random(n) + 0.1
    J = sparse_jacobian(f, x)
    assert isinstance(J, sp.csr_array)
    D = np.asarray(dualcalc.jacobian(f, x)).reshape(J.shape)
    _same_to_rounding(J, D)


HESS += [(lambda x: x[0] / x[1] + x[2] ** x[3] + np.sum(np.exp(P.rosen_residuals(x) / 9)), 12),
         (lambda x: np.mean(np.tanh(x[:9].reshape(3, 3)) @ x[:3]) + np.sum(x[::2]) ** 3, 10),
         (lambda x: np.sum(np.where(x > 0.5, np.sin(x), x ** 3)[1:] * np.roll(x, 1)[1:]), 16),
         (lambda x: np.sum(np.stack([x[:4], np.sqrt(x[4:])]) ** 2 / np.arange(1.0, 5.0)), 8),
         (lambda x: np.linalg.norm(np.diff(x) ** 2) * np.prod(x[:3]) + np.sum(np.outer(x, x)), 7)]


@pytest.mark.parametrize("method", ["auto", "colored"])
@pytest.mark.parametrize("k", range(len(HESS)))
def test_sparse_hessian_equals_dense(k, method):
    f, n = HESS[k]
    x = np.random.default_rng(k).random(n) + 0.1
    H = sparse_hessian(f, x, method=method)
    _same_to_rounding(H, dualcalc.hessian(f, x))
    assert (H != H.T).nnz == 0                     # exactly symmetric


def test_second_order_mode_falls_back_on_unsupported_functions():
    from dualcalc._sparse_hessian import _Unsupported, hessian_one_pass
    f = lambda x: np.sum(np.cumsum(x) ** 2)    # cumsum: not in the one-pass mode
    x = np.linspace(0.1, 1.0, 6)
    with pytest.raises(_Unsupported):
        hessian_one_pass(f, x, (), x.size)
    _same_to_rounding(sparse_hessian(f, x), dualcalc.hessian(f, x))


def test_rosen_hessian_against_the_analytic_formula():
    from scipy.optimize import rosen_hess
    x = np.linspace(-1.2, 1.3, 50)
    H = dualcalc.hessian(P.rosen, x, sparse=True)
    np.testing.assert_allclose(H.toarray(), rosen_hess(x), rtol=1e-14, atol=1e-12)


def test_broyden_against_the_analytic_jacobian():
    x = np.linspace(-1.0, 1.0, 40)
    J = dualcalc.jacobian(P.broyden, x, sparse=True).toarray()
    exact = np.diag(3 - 4 * x) - np.eye(40, k=-1) - 2 * np.eye(40, k=1)
    np.testing.assert_allclose(J, exact, rtol=4e-16, atol=0)


def test_verbs_delegate_and_reuse_the_pattern():
    x = np.random.default_rng(5).random(72)
    pat = jacobian_sparsity(P.brusselator, x)
    J1 = dualcalc.jacobian(P.brusselator, x, sparsity=pat)
    assert colored_pattern(pat) is colored_pattern(pat)          # cached by identity
    x2 = x + 0.25
    J2 = dualcalc.jacobian(P.brusselator, x2, sparse=True, sparsity=pat)
    _same_to_rounding(J2, dualcalc.jacobian(P.brusselator, x2))
    assert not np.array_equal(J1.toarray(), J2.toarray())
    cp = ColoredPattern(pat)
    assert is_column_coloring(pat, cp.colors)
    _same_to_rounding(sparse_jacobian(P.brusselator, x2, sparsity=cp),
                      dualcalc.jacobian(P.brusselator, x2))
    H = dualcalc.hessian(P.grid_energy, np.full(36, 0.3), sparsity=hessian_sparsity(
        P.grid_energy, np.full(36, 0.3)))
    _same_to_rounding(H, dualcalc.hessian(P.grid_energy, np.full(36, 0.3)))


def test_bad_arguments():
    x = np.ones(5)
    with pytest.raises(ValueError, match="columns"):
        sparse_jacobian(P.broyden, x, sparsity=np.eye(6, dtype=bool))
    with pytest.raises(ValueError, match="rows"):
        sparse_jacobian(P.broyden, x, sparsity=np.ones((4, 5), dtype=bool))
    with pytest.raises(ValueError, match="shape"):
        sparse_hessian(P.rosen, x, sparsity=np.eye(4, dtype=bool))
    with pytest.raises(ValueError, match="method"):
        sparse_hessian(P.rosen, x, method="dense")
    with pytest.raises(ValueError, match="shape"):
        sparse_hessian(P.rosen, x, sparsity=np.eye(4, dtype=bool), method="colored")
    with pytest.raises(ValueError, match="chunk"):
        sparse_jacobian(P.broyden, x, chunk=0)
    with pytest.raises(ValueError, match="argnums"):
        dualcalc.jacobian(P.broyden, x, sparse=True, argnums=0)
    with pytest.raises(ValueError, match="Hessians"):
        sparse_jacobian(P.broyden, x, sparsity=ColoredPattern(np.eye(5, dtype=bool), True))


def _assert_bitwise(A, B):
    assert A.shape == B.shape
    np.testing.assert_array_equal(A.indptr, B.indptr)
    np.testing.assert_array_equal(A.indices, B.indices)
    assert A.data.tobytes() == B.data.tobytes()


def test_process_pool_is_bitwise_equal_to_serial():
    x = np.random.default_rng(9).random(72) + 0.1
    y = np.random.default_rng(10).random(36) + 0.1
    with cf.ProcessPoolExecutor(2) as ex:
        Jp = sparse_jacobian(P.brusselator, x, chunk=2, executor=ex)
        Hp = sparse_hessian(P.grid_energy, y, executor=ex)
    _assert_bitwise(Jp, sparse_jacobian(P.brusselator, x, chunk=2))
    _assert_bitwise(Hp, sparse_hessian(P.grid_energy, y, method="colored"))
    _same_to_rounding(Jp, dualcalc.jacobian(P.brusselator, x))


def test_dask_cluster_is_bitwise_equal_to_serial():
    distributed = pytest.importorskip("distributed")
    x = np.random.default_rng(11).random(72) + 0.1
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        J = sparse_jacobian(P.brusselator, x, chunk=3, executor=client.get_executor())
    _assert_bitwise(J, sparse_jacobian(P.brusselator, x, chunk=3))


def test_root_sparse_newton_on_bratu():
    from dualcalc.optimize import root
    n = 200
    dense = root(P.bratu, np.zeros(n))
    r = root(P.bratu, np.zeros(n), sparse=True)
    assert r.success and dense.success
    assert sp.issparse(r.jac) and np.max(np.abs(P.bratu(r.x))) <= 1e-8
    np.testing.assert_allclose(r.x, dense.x, rtol=1e-10, atol=1e-12)
    pat = jacobian_sparsity(P.bratu, np.zeros(n))
    r2 = root(P.bratu, np.zeros(n), sparse=pat)
    np.testing.assert_array_equal(r2.x, r.x)
    singular = root(lambda x: np.concatenate([x[:1] ** 2 + 1.0, 0.0 * x[1:]]), np.ones(3),
                    sparse=True)
    assert not singular.success


def test_a_pattern_from_another_branch_is_caught():
    f = lambda x: np.maximum(x, 0.0) * np.array([1.0, 2.0, 3.0, 4.0])
    x_neg = -np.ones(4)
    pat = jacobian_sparsity(f, x_neg)                 # empty: every branch constant
    assert pat.nnz == 0
    with pytest.raises(ValueError, match="outside the given sparsity pattern"):
        sparse_jacobian(f, np.ones(4), sparsity=pat)
    g = lambda x: x[0] * x[1] if x[0] > 0 else x[2] ** 2 + x[3] ** 2
    hp = hessian_sparsity(g, x_neg)                  # rows 0 and 1 empty here
    with pytest.raises(ValueError, match="outside the given sparsity pattern"):
        sparse_hessian(g, np.ones(4), sparsity=hp, method="colored")


def test_root_detects_the_pattern_again_when_F_branches():
    from dualcalc.optimize import root

    def F(x):      # the coupling switches on once x[0] > 0.5
        c = x[0] * x[1] if x[0] > 0.5 else 0.0
        return np.concatenate([x[:1] - 1.0 + 0.1 * c, x[1:] - 2.0])
    r = root(F, np.zeros(3), sparse=True)
    assert r.success
    np.testing.assert_allclose(r.jac.toarray(), dualcalc.jacobian(F, r.x), rtol=1e-15)


def _one_pass(f, x):
    from dualcalc._sparse_hessian import hessian_one_pass
    return hessian_one_pass(f, x, (), x.size)      # raises if the mode falls back


def test_grid_hessian_against_the_analytic_formula():
    # 0.5 |grad u|^2 on the periodic m x m grid: the torus graph Laplacian
    # (4 on the diagonal, -1 per neighbor); exp(u) - u^3/3: diag(exp(u) - 2u)
    for m in (6, 64):
        x = np.random.default_rng(m).random(m * m) - 0.5
        n = m * m
        I = np.arange(n).reshape(m, m)
        L = sp.coo_array((np.full(4 * n, -1.0), (np.tile(I.ravel(), 4), np.concatenate(
            [np.roll(I, s, a).ravel() for s in (1, -1) for a in (0, 1)]))), shape=(n, n))
        exact = (L + sp.diags_array(4.0 + np.exp(x) - 2 * x)).toarray()
        H = _one_pass(lambda v: P.grid_energy(v, m), x)
        np.testing.assert_allclose(H.toarray(), exact, rtol=2e-16, atol=0)
        assert H.has_sorted_indices and (H != H.T).nnz == 0


ONE_PASS = [
    # sums over an axis, then nonlinear
    (lambda x: np.sum(np.sum(x.reshape(4, 5) ** 2, axis=0) ** 3)
     + np.sum(np.exp(np.mean(x.reshape(4, 5), axis=1))), 20),
    # a constant matrix times x, and x times a constant matrix
    (lambda x: np.sum(np.sin((np.arange(24.0).reshape(4, 6) % 5 - 2) @ x) ** 2)
     + np.cos(x @ np.tri(6)).sum(), 6),
    # a chain of products of shifted copies: rows hold repeats until compacted
    (lambda x: np.sum(_chain(x)), 12),
    # writes into a traced array, where, concatenate with constants
    (lambda x: np.sum(_written(x) ** 2 * np.where(x > 0.5, x, 2 * x)), 9),
    # two-argument functions through the rule table, same operand twice
    (lambda x: np.sum(np.arctan2(x[1:], x[:-1]) * np.hypot(x, x)[1:]) + np.sum(x ** x), 8),
]


def _chain(x):
    y = x
    for s in (1, 2, 3):
        y = y * np.roll(y, s) + 0.1 * np.roll(x, -s)
    return y / 7.0


def _written(x):
    y = np.concatenate([x[:3], np.zeros(2), x[3:5] ** 2, [1.0]]) * 1.0
    y[1] = x[7] * x[8]
    y[5:7] = 3.0
    return np.concatenate([y, x[-1:]])


@pytest.mark.parametrize("k", range(len(ONE_PASS)))
def test_one_pass_mode_equals_dense(k):
    f, n = ONE_PASS[k]
    x = np.random.default_rng(100 + k).random(n) + 0.1
    H = _one_pass(f, x)
    D = dualcalc.hessian(f, x)
    _same_to_rounding(H, D)
    assert (H != H.T).nnz == 0
    np.testing.assert_array_equal(H.toarray() != 0, D != 0)
    assert not np.any((H.toarray() != 0) & ~hessian_sparsity(f, x).toarray())


# ---------------------------------------------------------------- sparse solvers
LSQ = [(P.rosen_residuals, np.linspace(-1.0, 0.5, 30)), (P.bratu, np.zeros(60)),
       (P.broyden, np.zeros(50)), (P.rank_deficient, np.zeros(5))]


@pytest.mark.parametrize("method", ["lm", "gauss-newton"])
@pytest.mark.parametrize("k", range(len(LSQ)))
def test_least_squares_sparse_equals_dense(k, method):
    from dualcalc.optimize import least_squares
    f, x0 = LSQ[k]
    d = least_squares(f, x0, method=method)
    s = least_squares(f, x0, method=method, sparse=True)
    assert d.success and s.success
    assert sp.issparse(s.jac) and s.nit == d.nit
    np.testing.assert_allclose(s.x, d.x, rtol=1e-9, atol=1e-12)
    _same_to_rounding(s.jac, dualcalc.jacobian(f, s.x))
    np.testing.assert_allclose(s.grad, s.jac.T @ f(s.x), rtol=1e-15, atol=0)
    pat = jacobian_sparsity(f, x0)
    r = least_squares(f, x0, method=method, sparse=pat)
    np.testing.assert_array_equal(r.x, s.x)


def test_sparse_least_squares_step_against_the_normal_equations():
    from dualcalc.optimize._lsq import _sparse_lsq
    rng = np.random.default_rng(3)
    J = sp.random_array((40, 25), density=0.2, random_state=4, format="csr") + sp.eye_array(40, 25)
    r = rng.standard_normal(40)
    for d in (np.zeros(25), np.full(25, 0.3), rng.random(25)):
        h = _sparse_lsq(J, r, d)
        A = J.toarray()
        exact = np.linalg.solve(A.T @ A + np.diag(d * d), -A.T @ r)
        np.testing.assert_allclose(h, exact, rtol=1e-12, atol=1e-13)


NEWTON = [(P.bratu_energy, np.zeros(50)), (P.bratu2d_energy, np.zeros(36)),
          (P.grid_energy, np.full(36, 0.2)), (P.rosen, np.full(10, -1.0)),
          (P.rosen, np.array([-1.2, 1.0]))]


@pytest.mark.parametrize("k", range(len(NEWTON)))
def test_sparse_newton_equals_dense(k):
    from dualcalc.optimize import minimize
    f, x0 = NEWTON[k]
    d = minimize(f, x0, method="newton", tol=1e-11)
    s = minimize(f, x0, method="newton", sparse=True, tol=1e-11)
    assert d.success and s.success, s.message
    assert sp.issparse(s.hess) and s.nhev == s.njev
    np.testing.assert_allclose(s.x, d.x, rtol=1e-9, atol=1e-10)
    _same_to_rounding(s.hess, dualcalc.hessian(f, s.x))
    np.testing.assert_allclose(s.jac, dualcalc.gradient(f, s.x), rtol=1e-12, atol=1e-13)
    r = minimize(f, x0, sparse=hessian_sparsity(f, x0), tol=1e-11)
    np.testing.assert_array_equal(r.x, s.x)


def test_sparse_newton_on_bratu_2d_at_a_few_thousand_unknowns():
    from dualcalc.optimize import minimize, root
    m = 60
    r = minimize(P.bratu2d_energy, np.zeros(m * m), args=(m,), sparse=True)
    assert r.success and r.nit <= 6
    # its minimiser solves the discretised PDE: the residual of bench's form
    import bench.sparse as B
    assert np.max(np.abs(B.bratu2d(r.x, m))) <= 1e-8 * (m + 1) ** 2
    z = root(B.bratu2d, np.zeros(m * m), args=(m,), sparse=True)
    np.testing.assert_allclose(r.x, z.x, rtol=1e-9, atol=1e-12)


def test_sparse_newton_direction_makes_the_hessian_positive_definite():
    from dualcalc.optimize._minimize import _sparse_newton_direction
    n = 30
    L = sp.diags_array([-np.ones(n - 1), np.full(n, 2.0), -np.ones(n - 1)], offsets=[-1, 0, 1])
    g = np.random.default_rng(1).standard_normal(n)
    p, tau = _sparse_newton_direction(sp.csr_array(L), g)      # positive definite: tau = 0
    assert tau == 0.0
    np.testing.assert_allclose(L @ p, -g, rtol=1e-12, atol=1e-12)
    H = sp.csr_array(L - 1.5 * sp.eye_array(n))                  # indefinite
    p, tau = _sparse_newton_direction(H, g)
    assert tau > 0 and np.linalg.eigvalsh((H + tau * sp.eye_array(n)).toarray()).min() > 0
    np.testing.assert_allclose((H + tau * sp.eye_array(n)) @ p, -g, rtol=1e-10, atol=1e-10)
    assert g @ p < 0


def test_sparse_solver_arguments():
    from dualcalc.optimize import minimize
    with pytest.raises(ValueError, match="sparse= belongs to method='newton'"):
        minimize(P.rosen, np.zeros(4), method="bfgs", sparse=True)
    with pytest.raises(ValueError, match="sparse= belongs"):
        minimize(P.rosen, np.zeros(4), sparse=True, bounds=[(0, 1)] * 4)
    with pytest.raises(ValueError, match="line search"):
        minimize(P.rosen, np.zeros(4), sparse=True, options={"globalization": "trust-region"})


def test_one_pass_hessians_of_the_oracle_expressions_against_mpmath():
    """The oracle's random expression trees (every rule of the table, every
    two-argument function), differentiated by the one-pass mode, against the
    50-digit reference with the oracle's own tolerance (256 ulp x depth x
    the output's condition number; exact zeros exactly)."""
    import _oracle as O
    from mpmath import mp
    checked = 0
    for seed in range(300):
        tree, point = O.make_case(seed)
        if O.scalar_only(tree):
            continue
        exact, conds, status = O.reference(tree, point, seed)
        if status != "ok":
            continue
        n = len(point)

        def f(v):
            return O.evaluate(tree, [v[i] for i in range(n)], True)
        with np.errstate(all="ignore"):
            H = _one_pass(f, np.array(point)).toarray()
        depth = tree.depth()
        for i in range(n):
            for j in range(n):
                k = 1 + n + i * n + j
                ref, cond = exact[k], conds[k]
                if cond > O.MAX_COND:
                    continue
                got = H[i, j]
                checked += 1
                with mp.workdps(O.DPS):
                    if ref == 0:
                        assert got == 0.0, (seed, tree, i, j, got)
                        continue
                    err = float(abs(mp.mpf(got) - ref) / abs(ref))
                assert err <= O.TOL_ULPS * O.ULP * depth * max(1.0, cond), \
                    (seed, tree, i, j, got, mp.nstr(ref, 17))
    assert checked >= 400
