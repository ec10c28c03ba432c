"""Bounds and constraints: scipy's forms, the interior-point Newton method on
problems with known solutions (analytic, Hock-Schittkowski 71), the SVM
dual against scikit-learn, and L-BFGS with bounds against scipy's L-BFGS-B."""
import numpy as np
import pytest

from dualcalc.optimize import STATUS, minimize
from dualcalc.optimize._result import CALLBACK_STOP, CONVERGED, KKT_CONVERGED, MAXITER


def rosen(x):
    return 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2


class Box:
    """Duck-typed scipy.optimize.Bounds."""
    def __init__(self, lb, ub):
        self.lb, self.ub = lb, ub


class Linear:
    """Duck-typed scipy.optimize.LinearConstraint."""
    def __init__(self, A, lb, ub):
        self.A, self.lb, self.ub = A, lb, ub


class Nonlinear:
    """Duck-typed scipy.optimize.NonlinearConstraint."""
    def __init__(self, fun, lb, ub):
        self.fun, self.lb, self.ub = fun, lb, ub


# ---------------------------------------------------------------- analytic
def test_one_active_bound_and_its_multiplier():
    # min (x - 3)^2 with x <= 1: x = 1, the bound's multiplier is 2 (3 - 1) = 4
    r = minimize(lambda x: (x[0] - 3.0) ** 2, [0.0], bounds=[(None, 1.0)])
    assert r.success and r.status == KKT_CONVERGED and r.message == STATUS[KKT_CONVERGED][1]
    assert abs(r.x[0] - 1.0) < 1e-8 and abs(r.fun - 4.0) < 1e-7
    assert abs(r.bound_multipliers[0] + 4.0) < 1e-6        # zl - zu
    assert r.constr_violation == 0.0
    for field in ("x", "fun", "jac", "hess", "nit", "nfev", "njev", "nhev", "success",
                  "status", "message", "v", "optimality", "barrier_parameter"):
        assert field in r


def test_equality_constrained_quadratic_has_the_closed_form_solution():
    # min |x|^2 s.t. a.x = b: x = b a / |a|^2, multiplier 2 b / |a|^2
    a, b = np.array([1.0, 2.0, -2.0]), 3.0
    r = minimize(lambda x: x @ x, np.zeros(3),
                 constraints={"type": "eq", "fun": lambda x: a @ x - b})
    assert r.success
    assert np.allclose(r.x, b * a / (a @ a), rtol=0, atol=1e-10)
    assert abs(r.v[0][0] - 2 * b / (a @ a)) < 1e-9
    assert abs(a @ r.x - b) < 1e-12


def test_inequality_in_scipy_dict_form_means_fun_nonnegative():
    # min x + y on the disc x^2 + y^2 <= 2: (-1, -1)
    r = minimize(lambda x: x[0] + x[1], [0.5, 0.0],
                 constraints=[{"type": "ineq", "fun": lambda x: 2.0 - x[0] ** 2 - x[1] ** 2}])
    assert r.success and np.allclose(r.x, [-1.0, -1.0], atol=1e-7)
    assert abs(r.v[0][0] - 0.5) < 1e-6             # gradient 1 = lambda * 2|x|


@pytest.mark.parametrize("hessian", ["probe", "always"])
def test_hock_schittkowski_71(hessian):
    # a nonconvex Lagrangian with bounds, one equality and one inequality
    f = lambda x: x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2]
    cons = [{"type": "ineq", "fun": lambda x: x[0] * x[1] * x[2] * x[3] - 25.0},
            {"type": "eq", "fun": lambda x: x @ x - 40.0}]
    r = minimize(f, [1.0, 5.0, 5.0, 1.0], bounds=[(1, 5)] * 4, constraints=cons,
                 options={"hessian": hessian})
    assert r.success
    assert abs(r.fun - 17.0140172891564) < 1e-7
    assert np.allclose(r.x, [1.0, 4.74299963, 3.82114998, 1.37940829], atol=1e-6)
    assert r.constr_violation <= 1e-10


def test_scipy_objects_give_the_same_answer_as_dicts():
    so = pytest.importorskip("scipy.optimize")
    A = np.array([[1.0, 1.0], [1.0, -1.0]])
    want = minimize(rosen, [0.0, 0.0], bounds=[(-1, 0.8), (-1, 1)],
                    constraints=[{"type": "ineq", "fun": lambda x: 1.0 - x[0] - x[1]},
                                 {"type": "ineq", "fun": lambda x: x[0] - x[1] + 0.5},
                                 {"type": "ineq", "fun": lambda x: 1.0 - x[0] ** 2 - x[1]}])
    for bounds, lin, nl in [
        (so.Bounds([-1, -1], [0.8, 1]), so.LinearConstraint(A, [-np.inf, -0.5], [1.0, np.inf]),
         so.NonlinearConstraint(lambda x: x[0] ** 2 + x[1], -np.inf, 1.0)),
        (Box([-1, -1], [0.8, 1]), Linear(A, [-np.inf, -0.5], [1.0, np.inf]),
         Nonlinear(lambda x: x[0] ** 2 + x[1], -np.inf, 1.0)),
    ]:
        r = minimize(rosen, [0.0, 0.0], bounds=bounds, constraints=[lin, nl])
        assert r.success and np.allclose(r.x, want.x, atol=1e-7)
        assert len(r.v) == 2 and r.v[0].shape == (2,) and r.v[1].shape == (1,)
    ref = so.minimize(rosen, [0.0, 0.0], method="trust-constr", bounds=[(-1, 0.8), (-1, 1)],
                      constraints=[so.LinearConstraint(A, [-np.inf, -0.5], [1.0, np.inf]),
                                   so.NonlinearConstraint(lambda x: x[0] ** 2 + x[1],
                                                          -np.inf, 1.0)],
                      options={"gtol": 1e-12, "xtol": 1e-14})
    assert np.allclose(want.x, ref.x, atol=1e-6)


def test_equality_range_rows_scalar_bounds_jac_and_args():
    so = pytest.importorskip("scipy.optimize")
    # lb == ub in a LinearConstraint row is an equality; a user jac is used
    calls = []

    def jac(x, c):
        calls.append(1)
        return np.array([[1.0, 1.0, 1.0]])
    r = minimize(lambda x: x @ x, [3.0, 0.0, 0.0], bounds=so.Bounds(0.0, np.inf),
                 constraints=[{"type": "eq", "fun": lambda x, c: x.sum() - c, "jac": jac,
                               "args": (3.0,)},
                              so.LinearConstraint([[1.0, 0.0, 0.0]], 1.5, 1.5)])
    assert r.success and calls
    assert np.allclose(r.x, [1.5, 0.75, 0.75], atol=1e-8)


def test_starting_outside_the_bounds_and_the_objective_gets_copies():
    seen = []

    def f(x):
        seen.append(x)
        value = (x[0] + 1.0) ** 2 + (x[1] - 2.0) ** 2
        x[0] = 1e300
        return value
    x0 = np.array([-5.0, 9.0])
    r = minimize(f, x0, bounds=[(0, 1), (0, 1)])
    assert r.success and np.allclose(r.x, [0.0, 1.0], atol=1e-8)
    assert np.array_equal(x0, [-5.0, 9.0])


def test_newton_with_bounds_is_the_interior_point_method():
    a = minimize(rosen, [-1.2, 1.0], method="newton", bounds=[(-2, 0.5), (None, None)])
    b = minimize(rosen, [-1.2, 1.0], bounds=[(-2, 0.5), (None, None)])
    assert a.status == b.status == KKT_CONVERGED and np.array_equal(a.x, b.x)
    assert abs(a.x[0] - 0.5) < 1e-8


# ---------------------------------------------------------------- statuses and bad input
def test_maxiter_and_callback():
    r = minimize(rosen, [-1.2, 1.0], bounds=[(-2, 0.5), (None, None)], options={"maxiter": 2})
    assert not r.success and r.status == MAXITER and r.nit == 2
    seen = []

    def cb(ir):
        seen.append(ir.barrier_parameter)
        raise StopIteration
    r = minimize(rosen, [-1.2, 1.0], bounds=[(-2, 0.5), (None, None)], callback=cb)
    assert r.status == CALLBACK_STOP and not r.success and len(seen) == 1


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(bounds=[(0, 1)]), ValueError, "pairs for 2 variables"),
    (dict(bounds=[(1, 0), (0, 1)]), ValueError, "lower bound above upper"),
    (dict(bounds=[(0, 1), 3]), ValueError, "not a \\(min, max\\) pair"),
    (dict(bounds=Box([0, 0, 0], 1)), ValueError, "length"),
    (dict(bounds=3.0), TypeError, "sequence of \\(min, max\\)"),
    (dict(constraints=[{"type": "equal", "fun": lambda x: x[0]}]), ValueError, "'eq' or 'ineq'"),
    (dict(constraints=[{"type": "eq"}]), ValueError, "needs 'fun'"),
    (dict(constraints=[{"type": "eq", "fun": len, "hess": None}]), ValueError, "unknown key"),
    (dict(constraints=[42]), TypeError, "not a dict"),
    (dict(constraints=[Linear([[1.0, 2.0, 3.0]], 0, 1)]), ValueError, "columns"),
    (dict(bounds=[(0, 1)] * 2, method="adam"), ValueError, "does not handle bounds"),
    (dict(bounds=[(0, 1)] * 2, method="bfgs"), ValueError, "does not handle bounds"),
    (dict(constraints={"type": "eq", "fun": lambda x: x[0]}, method="l-bfgs"), ValueError,
     "handles bounds, not constraints"),
    (dict(bounds=[(0, 1)] * 2, options={"hessian": "sometimes"}), ValueError, "'probe'"),
    (dict(bounds=[(0, 1)] * 2, options={"trust_radius": 1}), ValueError, "unknown option"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        minimize(rosen, [0.5, 0.5], **kwargs)


# ---------------------------------------------------------------- L-BFGS with bounds
def test_lbfgs_with_bounds_matches_scipy_lbfgsb():
    so = pytest.importorskip("scipy.optimize")
    import dualcalc
    from dualcalc.optimize.problems import get
    p = get("extended rosenbrock", n=20)
    bounds = [(-1.0, 0.8), (0.0, 0.5)] * 10
    r = minimize(p, p.start(), method="l-bfgs", bounds=bounds, tol=1e-9)
    ref = so.minimize(p, p.start(), jac=lambda x: dualcalc.gradient(p, x), method="L-BFGS-B",
                      bounds=bounds, options={"gtol": 1e-12, "ftol": 1e-15})
    assert r.success and r.status == CONVERGED
    assert np.allclose(r.x, ref.x, atol=1e-7) and abs(r.fun - ref.fun) < 1e-10
    assert np.max(np.abs(r.projected_gradient)) <= 1e-9
    lb, ub = np.array(bounds).T
    assert np.all(r.x >= lb) and np.all(r.x <= ub)


def test_lbfgs_with_bounds_unconstrained_minimum_inside():
    r = minimize(rosen, [-1.2, 1.0], method="l-bfgs", bounds=[(-5, 5), (-5, 5)], tol=1e-8)
    assert r.success and np.allclose(r.x, 1.0, atol=1e-7)


# ---------------------------------------------------------------- the SVM dual
def test_svm_dual_reaches_scikit_learns_objective():
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_breast_cancer
    from sklearn.svm import SVC
    X, y = load_breast_cancer(return_X_y=True)
    m, C = 200, 1.0
    X, y = X[:m], 2.0 * y[:m] - 1.0
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    Q = (y[:, None] * X) @ (y[:, None] * X).T
    svc = SVC(kernel="linear", tol=1e-10, C=C).fit(X, y)
    alpha = np.zeros(m)
    alpha[svc.support_] = np.abs(svc.dual_coef_[0])          # dual_coef_ = y_i alpha_i
    assert np.allclose(svc.dual_coef_[0], y[svc.support_] * alpha[svc.support_])
    reference = 0.5 * alpha @ Q @ alpha - alpha.sum()
    r = minimize(lambda a: 0.5 * a @ Q @ a - a.sum(), np.zeros(m), bounds=[(0, C)] * m,
                 constraints=[{"type": "eq", "fun": lambda a: a @ y}])
    assert r.success
    assert abs(r.fun - reference) <= 1e-6
    assert abs(r.x @ y) <= 1e-8
    assert np.all(r.x >= 0) and np.all(r.x <= C)
    # the primal weights agree with scikit-learn's too
    assert np.allclose((r.x * y) @ X, svc.coef_[0], atol=1e-4)


def test_hess_is_the_hessian_of_the_lagrangian_at_the_solution():
    import dualcalc
    # min x0 + x1 on the disc: L = f - y c, W = H_f - y H_c = 2 y I with y = 1/2
    r = minimize(lambda x: x[0] + x[1], [0.5, 0.0],
                 constraints=[{"type": "ineq", "fun": lambda x: 2.0 - x[0] ** 2 - x[1] ** 2}])
    y = r.v[0][0]
    want = dualcalc.hessian(lambda x: x[0] + x[1] - y * (2.0 - x[0] ** 2 - x[1] ** 2), r.x)
    assert np.allclose(r.hess, want, rtol=1e-15, atol=0)
    assert np.allclose(r.hess, np.eye(2), atol=1e-6)


def test_probed_hessian_is_reused_only_while_it_is_the_hessian():
    import dualcalc
    from dualcalc.optimize._constrained import _ProbedHessian
    rng = np.random.default_rng(0)
    Q = rng.standard_normal((6, 6))
    Q = Q @ Q.T
    quad = _ProbedHessian(lambda x: 0.5 * x @ Q @ x + np.sum(x), False, rng)
    cubic = _ProbedHessian(lambda x: np.sum(x ** 3) + x[0] * x[1], False, rng)
    for _ in range(5):
        x = rng.standard_normal(6)
        assert np.array_equal(quad(x), dualcalc.hessian(lambda z: 0.5 * z @ Q @ z
                                                        + np.sum(z), x))
        assert np.array_equal(cubic(x), dualcalc.hessian(lambda z: np.sum(z ** 3)
                                                         + z[0] * z[1], x))
    assert quad.evaluations == 1 and quad.products == 4
    assert cubic.evaluations == 5
    # a change in a single entry of the Hessian is seen by the random probe
    bump = _ProbedHessian(lambda x: np.sum(x ** 2) + (x[4] ** 3 if x[4] > 1 else 0.0),
                          False, rng)
    bump(np.zeros(6))
    H = bump(np.array([0, 0, 0, 0, 2.0, 0]))
    assert bump.evaluations == 2 and H[4, 4] == 2.0 + 12.0
