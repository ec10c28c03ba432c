"""dualcalc.optimize: every method, every status path, bad input, the scipy
conventions (result fields, callback, copies of x), and logistic regression on
scikit-learn's breast-cancer data against scikit-learn itself."""
import math

import numpy as np
import pytest

import dualcalc
import dualcalc.math as dm
from dualcalc.optimize import OptimizeResult, STATUS, least_squares, minimize, newton, root
from dualcalc.optimize._result import (
    CALLBACK_STOP, CONVERGED, EPOCHS_DONE, KKT_CONVERGED, MAXITER, NONFINITE, PRECISION_LOSS,
    ROOT_FOUND, SINGULAR, SMALL_FCHANGE, SMALL_STEP)

ALL_METHODS = ["newton", "newton-cg", "gradient-descent", "momentum", "nesterov", "adam"]
NEWTON_METHODS = ["newton", "newton-cg"]
# first-order methods with settings that converge on the quadratic below
FIRST_ORDER = {
    "gradient-descent": {},
    "momentum": {"learning_rate": 0.05},
    "nesterov": {"learning_rate": 0.05},
    "adam": {"learning_rate": 0.05},
}


def quadratic(x):
    # a convex quadratic with condition number 10, minimum 1.0 at (1, -2)
    return (x[0] - 1.0) ** 2 + 10.0 * (x[1] + 2.0) ** 2 + 0.5 * (x[0] - 1.0) * (x[1] + 2.0) + 1.0


def rosen(x):
    return 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2


def _stop(intermediate_result):
    raise StopIteration


def _options(method, **extra):
    return {**FIRST_ORDER.get(method, {}), **extra}


# ---------------------------------------------------------------- converged
@pytest.mark.parametrize("method", ALL_METHODS)
def test_every_method_converges_on_a_quadratic(method):
    r = minimize(quadratic, [4.0, 3.0], method=method, options=_options(method))
    assert r.success and r.status == CONVERGED
    assert r.message == STATUS[CONVERGED][1]
    assert np.allclose(r.x, [1.0, -2.0], atol=1e-5)
    assert abs(r.fun - 1.0) < 1e-9
    assert np.max(np.abs(r.jac)) <= 1e-5
    for field in ("x", "fun", "jac", "nit", "nfev", "njev", "nhev", "success", "status",
                  "message"):
        assert field in r
    assert isinstance(r, OptimizeResult) and isinstance(r, dict)
    assert r.x.shape == (2,) and r.x.dtype == np.float64
    assert isinstance(r.fun, float)


@pytest.mark.parametrize("method", NEWTON_METHODS)
def test_newton_methods_solve_rosenbrock_from_the_standard_start(method):
    r = minimize(rosen, [-1.2, 1.0], method=method)
    assert r.success
    assert np.allclose(r.x, 1.0, atol=1e-10)
    assert r.fun < 1e-20
    assert r.nit < 60


def test_newton_solves_a_quadratic_in_one_step():
    r = minimize(quadratic, [4.0, 3.0], method="newton",
                 options={"initial_trust_radius": 100.0})
    assert r.nit == 1 and r.success
    assert r.nhev == 2 and r.hess.shape == (2, 2)
    assert np.allclose(r.hess, [[2.0, 0.5], [0.5, 20.0]])


@pytest.mark.parametrize("globalization", ["trust-region", "line-search"])
def test_newton_converges_quadratically_near_a_minimum(globalization):
    errors = []
    r = minimize(rosen, [-1.2, 1.0], method="newton", tol=0.0,
                 options={"globalization": globalization},
                 callback=lambda res: errors.append(np.max(np.abs(res.x - 1.0))))
    # once within 1e-2 of the minimiser: e_{k+1} <= C e_k^2 with a modest C
    # (linear convergence would give e_{k+1} ~ c e_k with a fixed c < 1)
    tail = [(errors[k], errors[k + 1]) for k in range(len(errors) - 1)
            if 1e-7 < errors[k] < 1e-2]
    assert len(tail) >= 2
    for ek, enext in tail:
        assert enext <= 100.0 * ek**2
    assert r.success and r.fun < 1e-20 and errors[-1] < 1e-12


def test_newton_handles_an_indefinite_hessian_and_a_saddle_start():
    # f = x^4/4 - x^2/2 + y^2: a saddle at the origin where g = 0 but H is
    # indefinite; start just off it.
    f = lambda v: v[0] ** 4 / 4 - v[0] ** 2 / 2 + v[1] ** 2
    for method in NEWTON_METHODS:
        for glob in (["trust-region", "line-search"] if method == "newton" else [None]):
            opts = {"globalization": glob} if glob else {}
            r = minimize(f, [1e-3, 0.5], method=method, options=opts)
            assert r.success, (method, glob, r.message)
            assert np.allclose(np.abs(r.x), [1.0, 0.0], atol=1e-8)
            assert abs(r.fun + 0.25) < 1e-14


def test_trust_region_hard_case():
    # gradient orthogonal to the eigenvector of the negative eigenvalue: the
    # subproblem solution must use that eigenvector to leave the saddle line
    f = lambda v: -v[0] ** 2 + v[0] ** 4 + (v[1] - 1.0) ** 2
    r = minimize(f, [0.0, 0.0], method="newton")
    assert r.status == CONVERGED  # gradient is (0, -2): not yet converged at x0
    # x0 lies on the saddle line x = 0; the hard case pushes it off
    assert abs(abs(r.x[0]) - math.sqrt(0.5)) < 1e-8 and abs(r.x[1] - 1.0) < 1e-8


def test_gradient_descent_fixed_step_and_backtracking_agree():
    fixed = minimize(quadratic, [4.0, 3.0], method="gradient-descent",
                     options={"learning_rate": 0.04})
    armijo = minimize(quadratic, [4.0, 3.0], method="gradient-descent")
    assert fixed.success and armijo.success
    assert np.allclose(fixed.x, armijo.x, atol=1e-5)
    assert fixed.nfev == fixed.nit + 2          # check + one value_and_gradient per step
    assert armijo.nfev > armijo.njev             # backtracking costs value-only calls


def test_momentum_and_nesterov_beat_plain_gradient_descent_at_the_same_step():
    lr = 0.01
    counts = {m: minimize(quadratic, [4.0, 3.0], method=m,
                          options={"learning_rate": lr, "maxiter": 20000}).nit
              for m in ["gradient-descent", "momentum", "nesterov"]}
    assert counts["momentum"] < counts["gradient-descent"]
    assert counts["nesterov"] < counts["gradient-descent"]


def test_tol_sets_the_gradient_tolerance():
    loose = minimize(quadratic, [4.0, 3.0], method="gradient-descent", tol=1e-2)
    tight = minimize(quadratic, [4.0, 3.0], method="gradient-descent", tol=1e-6)
    assert np.max(np.abs(loose.jac)) <= 1e-2 and np.max(np.abs(tight.jac)) <= 1e-6
    assert loose.nit < tight.nit


def test_scalar_x0_and_args():
    r = minimize(lambda x, a, b: (x[0] - a) ** 2 + b, 0.0, args=(3.0, 1.0))
    assert r.x.shape == (1,) and abs(r.x[0] - 3.0) < 1e-12 and r.fun == 1.0
    r = minimize(lambda x, a: (x[0] - a) ** 2, [0.0], args=(2.0,), method="adam",
                 options={"learning_rate": 0.1})
    assert abs(r.x[0] - 2.0) < 1e-5


def test_numpy_style_objective():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    f = lambda x: 0.5 * np.sum(x * (A @ x)) - np.sum(b * x)
    for method in NEWTON_METHODS:
        r = minimize(f, [0.0, 0.0], method=method)
        assert np.allclose(r.x, np.linalg.solve(A, b), atol=1e-12)


def test_newton_cg_counts_hessian_vector_products_not_hessians():
    r = minimize(rosen, [-1.2, 1.0], method="newton-cg")
    assert "hess" not in r
    assert r.nhev >= r.nit          # at least one product per iteration


# ---------------------------------------------------------------- maxiter
@pytest.mark.parametrize("method", ALL_METHODS)
def test_maxiter_stops_with_status_1(method):
    r = minimize(rosen, [-1.2, 1.0], method=method, options=_options(method, maxiter=3))
    assert r.status == MAXITER and not r.success
    assert r.message == "Maximum number of iterations has been exceeded."
    assert r.nit == 3
    assert np.isfinite(r.fun) and np.all(np.isfinite(r.x))


@pytest.mark.parametrize("method", ALL_METHODS)
def test_maxiter_zero_evaluates_only_the_start(method):
    r = minimize(rosen, [-1.2, 1.0], method=method, options={"maxiter": 0})
    assert r.status == MAXITER and r.nit == 0
    assert r.x.tolist() == [-1.2, 1.0]
    assert abs(r.fun - 24.2) < 1e-12


@pytest.mark.parametrize("method", ALL_METHODS)
def test_unbounded_objective_is_bounded_by_maxiter(method):
    # f = x is unbounded below: the solvers must stop (maxiter, or overflow
    # to a non-finite value), never hang or raise
    r = minimize(lambda x: x[0] + 0.0 * x[1] ** 2, [0.0, 0.0], method=method,
                 options={"maxiter": 50})
    assert not r.success
    assert r.status in (MAXITER, NONFINITE, PRECISION_LOSS)
    assert r.nit <= 50


# ---------------------------------------------------------------- non-finite objective
@pytest.mark.parametrize("method", ALL_METHODS)
def test_nonfinite_at_the_start_is_a_clean_stop(method):
    r = minimize(lambda x: np.log(x[0]) + x[1] ** 2, [-1.0, 1.0], method=method)
    assert r.status == NONFINITE and not r.success
    assert "NaN or infinite" in r.message
    assert r.nit == 0 and r.x.tolist() == [-1.0, 1.0]


def test_nonfinite_inf_at_the_start():
    r = minimize(lambda x: x[0] * np.inf, [1.0])
    assert r.status == NONFINITE


@pytest.mark.parametrize("method", ["gradient-descent", "momentum", "nesterov", "adam"])
def test_divergence_to_overflow_is_a_clean_stop(method):
    # a fixed step far too large for exp makes the iterates overflow
    f = lambda x: np.exp(x[0]) + np.exp(-x[0])
    r = minimize(f, [3.0], method=method, options={"learning_rate": 1e3, "maxiter": 1000})
    assert r.status == NONFINITE and not r.success
    assert np.isfinite(r.fun) and np.all(np.isfinite(r.x))    # the last finite point


@pytest.mark.parametrize("method", NEWTON_METHODS + ["gradient-descent"])
@pytest.mark.parametrize("log", [np.log, dm.log])
def test_trial_points_outside_the_domain_are_stepped_back_from(method, log):
    # f = x - 2 log x has its minimum at x = 2; from x = 0.05 the first Newton
    # step overshoots into x < 0, where np.log is nan and dualcalc.math.log
    # raises ValueError: both must count as "worse", not as an error
    f = lambda x: x[0] - 2.0 * log(x[0])
    r = minimize(f, [0.05], method=method,
                 options={"initial_trust_radius": 10.0} if method != "gradient-descent" else {})
    assert r.success, r.message
    assert abs(r.x[0] - 2.0) < (1e-4 if method == "gradient-descent" else 1e-10)


def test_overflow_and_zero_division_at_trial_points():
    # math-style code raises OverflowError / ZeroDivisionError at bad points
    f = lambda x: dm.exp(x[0]) - 3.0 * x[0] + 1.0 / (x[0] + 10.0) ** 2 * 0.0
    r = minimize(f, [0.0], method="newton", options={"initial_trust_radius": 1e4})
    assert r.success and abs(r.x[0] - math.log(3.0)) < 1e-10


def test_nonfinite_gradient_at_the_start():
    # sqrt at 0: finite value, infinite derivative
    r = minimize(lambda x: np.sqrt(x[0]) + x[1] ** 2, [0.0, 1.0], method="newton")
    assert r.status == NONFINITE


# ---------------------------------------------------------------- callback
@pytest.mark.parametrize("method", ALL_METHODS)
def test_callback_receives_an_intermediate_result_and_can_stop(method):
    seen = []
    quartic = lambda x: (x[0] - 1.0) ** 4 + (x[1] + 2.0) ** 4   # no method is done in 3 steps

    def cb(intermediate_result):
        assert isinstance(intermediate_result, OptimizeResult)
        seen.append((intermediate_result.nit, intermediate_result.fun,
                     intermediate_result.x.copy(), intermediate_result.jac.copy()))
        intermediate_result.x[:] = 1e300         # a copy: must not affect the solver
        if intermediate_result.nit == 3:
            raise StopIteration

    r = minimize(quartic, [2.0, -1.5], method=method, callback=cb, options=_options(method))
    assert r.status == CALLBACK_STOP and not r.success
    assert r.message == "`callback` raised `StopIteration`."
    assert [s[0] for s in seen] == [1, 2, 3]
    assert r.nit == 3
    assert np.array_equal(r.x, seen[-1][2]) and r.fun == seen[-1][1]
    assert np.all(np.abs(r.x) < 100)


def test_callback_every_iteration_until_convergence():
    nits = []
    r = minimize(rosen, [-1.2, 1.0], callback=lambda res: nits.append(res.nit))
    assert r.success and nits == list(range(1, r.nit + 1))


def test_newton_callback_sees_the_hessian():
    got = []
    minimize(quadratic, [4.0, 3.0], callback=lambda res: got.append(res.hess))
    assert got and got[0].shape == (2, 2)


def test_callback_must_be_callable():
    with pytest.raises(TypeError, match="callback"):
        minimize(quadratic, [0.0, 0.0], callback=3)


# ---------------------------------------------------------------- copies of x
@pytest.mark.parametrize("method", ALL_METHODS)
def test_the_objective_receives_a_copy_of_x(method):
    received = []

    def f(x):
        received.append(x)
        value = quadratic(x)
        if isinstance(x, np.ndarray) and x.dtype == np.float64:
            x[:] = 1e9          # vandalise the argument: the solver must not care
        return value

    x0 = np.array([4.0, 3.0])
    r = minimize(f, x0, method=method, options=_options(method))
    assert x0.tolist() == [4.0, 3.0]
    assert r.success and np.allclose(r.x, [1.0, -2.0], atol=1e-5)
    assert all(a is not r.x and a is not x0 for a in received)


# ---------------------------------------------------------------- disp and history
def test_disp_prints_a_live_table(capsys):
    r = minimize(rosen, [-1.2, 1.0], options={"disp": True})
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["iter", "f", "|g|", "step"]
    rows = [line.split() for line in out[1:] if line.split() and line.split()[0].isdigit()]
    assert [int(row[0]) for row in rows] == list(range(0, r.nit + 1))
    assert float(rows[0][1]) == pytest.approx(24.2)
    assert "Optimization terminated successfully" in "\n".join(out)


@pytest.mark.parametrize("method", ALL_METHODS)
def test_history_for_plotting(method):
    r = minimize(quadratic, [4.0, 3.0], method=method,
                 options=_options(method, return_history=True))
    h = r.history
    assert set(h) == {"f", "grad_norm", "step"}
    assert len(h["f"]) == len(h["grad_norm"]) == len(h["step"]) == r.nit + 1
    assert h["f"][0] == pytest.approx(quadratic([4.0, 3.0]))
    assert h["f"][-1] == r.fun
    assert "history" not in minimize(quadratic, [4.0, 3.0], method=method,
                                     options=_options(method))


def test_history_is_monotone_for_the_descent_methods():
    for method, opts in [("newton", {}), ("newton-cg", {}), ("gradient-descent", {})]:
        f = minimize(rosen, [-1.2, 1.0], method=method,
                     options={**opts, "return_history": True, "maxiter": 500}).history["f"]
        assert np.all(np.diff(f) <= 0), method


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("x0,match", [
    ([[1.0, 2.0], [3.0, 4.0]], "one-dimensional"),
    ([], "empty"),
    ([1.0, np.nan], "finite"),
    ([np.inf, 0.0], "finite"),
    (["a", "b"], "number"),
])
def test_bad_x0_is_a_value_error(x0, match):
    with pytest.raises(ValueError, match=match):
        minimize(quadratic, x0)


def test_x0_of_wrong_type():
    with pytest.raises(TypeError):
        minimize(quadratic, None)


@pytest.mark.parametrize("bad", [lambda x: [x[0], x[1]], lambda x: np.array([1.0, 2.0]),
                                 lambda x: None, lambda x: "a"])
@pytest.mark.parametrize("method", ["newton", "adam"])
def test_objective_that_is_not_one_number_is_a_value_error(bad, method):
    with pytest.raises(ValueError, match="single real number"):
        minimize(bad, [1.0, 2.0], method=method)


def test_unknown_method_option_and_bad_settings():
    with pytest.raises(ValueError, match="unknown method"):
        minimize(quadratic, [0.0, 0.0], method="powell")
    with pytest.raises(ValueError, match="unknown option"):
        minimize(quadratic, [0.0, 0.0], options={"max_iter": 3})
    with pytest.raises(ValueError, match="maxiter"):
        minimize(quadratic, [0.0, 0.0], options={"maxiter": -1})
    with pytest.raises(ValueError, match="learning_rate"):
        minimize(quadratic, [0.0, 0.0], method="momentum", options={"learning_rate": -1.0})
    with pytest.raises(ValueError, match="globalization"):
        minimize(quadratic, [0.0, 0.0], options={"globalization": "magic"})
    with pytest.raises(ValueError, match="tol"):
        minimize(quadratic, [0.0, 0.0], tol=-1.0)
    with pytest.raises(TypeError, match="callable"):
        minimize(3.0, [0.0, 0.0])


def test_method_names_are_case_and_separator_insensitive():
    assert minimize(quadratic, [0.0, 0.0], method="Newton_CG").success
    assert minimize(quadratic, [0.0, 0.0], method="GRADIENT-DESCENT").success


# ---------------------------------------------------------------- OptimizeResult
def test_optimize_result_is_a_dict_with_attributes():
    r = OptimizeResult(x=np.array([1.0, 2.0]), fun=3.0)
    assert r.x is r["x"]
    r.nit = 4
    assert r["nit"] == 4
    del r.nit
    assert "nit" not in r
    with pytest.raises(AttributeError):
        r.missing
    assert "fun" in dir(r)
    text = repr(r)
    assert "x: [1., 2.]" in text.replace("  ", " ") and "fun: 3.0" in text
    assert repr(OptimizeResult()) == "OptimizeResult()"


def test_status_table_is_the_only_source_of_messages():
    for code, (success, message) in STATUS.items():
        assert isinstance(success, bool) and message.endswith(".")
    assert {CONVERGED, ROOT_FOUND, SMALL_STEP, SMALL_FCHANGE, KKT_CONVERGED, EPOCHS_DONE} == {
        c for c, (ok, _) in STATUS.items() if ok}


# ---------------------------------------------------------------- root
def test_root_solves_a_system_quadratically():
    F = lambda x: [x[0] ** 2 + x[1] ** 2 - 4.0, dm.exp(x[0]) + x[1] - 1.0]
    r = root(F, [1.0, -1.7], options={"return_history": True})
    assert r.success and r.status in (ROOT_FOUND, SMALL_STEP)
    assert np.max(np.abs(r.fun)) < 1e-12
    assert r.jac.shape == (2, 2) and r.fun.shape == (2,)
    assert np.allclose(r.jac, dualcalc.jacobian(F, r.x))
    assert r.nit <= 8


def test_root_damping_reaches_a_root_from_far_away():
    # plain Newton on arctan diverges from |x0| > 1.39; the damped one converges
    r = root(lambda x: [dm.atan(x[0])], [3.0])
    assert r.success and abs(r.x[0]) < 1e-12


def test_root_singular_jacobian_is_a_clean_stop():
    # the Jacobian of (x + y, 2x + 2y - 1) is singular everywhere
    r = root(lambda x: [x[0] + x[1], 2 * x[0] + 2 * x[1] - 1.0], [1.0, 2.0])
    assert r.status == SINGULAR and not r.success
    assert "singular" in r.message
    assert r.x.tolist() == [1.0, 2.0]


def test_root_statuses_maxiter_nonfinite_callback():
    F = lambda x: [x[0] ** 3 - 2.0 * x[0] - 5.0, x[1] - 1.0]
    assert root(F, [10.0, 0.0], options={"maxiter": 1}).status == MAXITER
    r = root(lambda x: [np.log(x[0]), x[1]], [-1.0, 0.5])
    assert r.status == NONFINITE and not r.success

    def stop(res):
        assert res.fun.shape == (2,) and res.jac.shape == (2, 2)
        raise StopIteration

    r = root(F, [10.0, 0.0], callback=stop)
    assert r.status == CALLBACK_STOP and r.nit == 1


def test_root_bad_input():
    with pytest.raises(ValueError, match="as many equations"):
        root(lambda x: [x[0], x[1], x[0] * x[1]], [1.0, 2.0])
    with pytest.raises(ValueError, match="one-dimensional"):
        root(lambda x: x, [[1.0]])
    with pytest.raises(ValueError, match="method"):
        root(lambda x: x, [1.0], method="hybr")


def test_root_disp(capsys):
    root(lambda x: [x[0] ** 2 - 2.0], [1.0], options={"disp": True})
    out = capsys.readouterr().out
    assert "|F|" in out and "root was found" in out


# ---------------------------------------------------------------- scalar newton
def test_scalar_newton_and_halley():
    f = lambda x: x**3 - 2 * x - 5        # Newton's own example
    r = newton(f, 2.0)
    h = newton(f, 2.0, halley=True)
    root_ = 2.0945514815423265
    assert r.success and h.success
    assert abs(r.x - root_) < 1e-15 and abs(h.x - root_) < 1e-15
    assert isinstance(r.x, float)
    assert h.nit <= r.nit and h.nhev > 0 and r.nhev == 0
    assert r.jac == pytest.approx(3 * root_**2 - 2)


def test_scalar_newton_statuses():
    assert newton(lambda x: x**2 + 1.0, 0.0).status == SINGULAR       # f'(0) = 0
    assert newton(lambda x: dm.cos(x) - x, 1.0, maxiter=1).status == MAXITER
    r = newton(lambda x: dm.log(x), -1.0)
    assert r.status == NONFINITE
    r = newton(lambda x: x - 3.0, 0.0, callback=_stop)
    assert r.status == CALLBACK_STOP and r.nit == 1
    with pytest.raises(ValueError):
        newton(lambda x: x, float("nan"))
    with pytest.raises(ValueError, match="one number"):
        newton(lambda x: np.array([x, x]), 1.0)


def test_scalar_newton_damping():
    r = newton(lambda x: dm.atan(x), 3.0)
    assert r.success and abs(r.x) < 1e-12


# ---------------------------------------------------------------- least squares
@pytest.mark.parametrize("method", ["lm", "gauss-newton"])
def test_least_squares_exponential_fit(method):
    t = np.linspace(0.0, 4.0, 12)
    rng = np.random.default_rng(1)
    y = 3.0 * np.exp(-0.7 * t) + 0.5 + 0.01 * rng.standard_normal(t.size)
    res = lambda p: [p[0] * dm.exp(-p[1] * ti) + p[2] - yi for ti, yi in zip(t, y)]
    fit = least_squares(res, [1.0, 1.0, 0.0], method=method)
    assert fit.success, fit.message
    # the normal equations hold at the solution
    assert fit.optimality < 1e-8
    assert fit.jac.shape == (12, 3) and fit.fun.shape == (12,)
    assert fit.cost == pytest.approx(0.5 * np.sum(fit.fun**2))
    assert np.allclose(fit.x, [3.0, 0.7, 0.5], atol=0.05)
    import scipy.optimize as so
    ref = so.least_squares(lambda p: np.array(res(p)), [1.0, 1.0, 0.0], xtol=1e-15,
                           ftol=1e-15, gtol=1e-15)
    assert np.allclose(fit.x, ref.x, atol=1e-7)


def test_least_squares_statuses():
    res = lambda p: [p[0] - 1.0, 10.0 * (p[1] - p[0] ** 2)]
    assert least_squares(res, [-1.2, 1.0], options={"maxiter": 2}).status == MAXITER
    r = least_squares(lambda p: [np.log(p[0])], [-1.0])
    assert r.status == NONFINITE
    r = least_squares(res, [-1.2, 1.0], callback=_stop)
    assert r.status == CALLBACK_STOP and r.nit == 1
    r = least_squares(res, [-1.2, 1.0])
    assert r.success and np.allclose(r.x, 1.0)
    with pytest.raises(ValueError, match="method"):
        least_squares(res, [0.0, 0.0], method="trf")
    with pytest.raises(ValueError, match="1-D"):
        least_squares(lambda p: [[p[0], p[1]]], [0.0, 0.0])


# ---------------------------------------------------------------- logistic regression
_FEATURES = [0, 1, 4, 5, 6, 7, 8, 9]   # the mean features without perimeter and area


def _breast_cancer():
    """Standardised mean features of scikit-learn's breast-cancer data, with a
    column of ones for the intercept.

    All 30 features separate the classes perfectly (scikit-learn's unpenalised
    fit reaches 100% training accuracy with coefficients in the 10^4 and
    still growing), so the maximum-likelihood estimate does not exist there.
    The ten "mean" features do have one, but mean perimeter and mean area are
    functions of mean radius (2 pi r, pi r^2 up to noise): the Hessian's
    condition number is 2e4.  Without those two the problem is well posed
    and conditioned (~1e2) -- a fair test for first-order methods too.
    """
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_breast_cancer(return_X_y=True)
    X = X[:, _FEATURES]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return np.hstack([np.ones((X.shape[0], 1)), X]), y.astype(float)


def _logistic_loss(w, A, y):
    """Mean negative log-likelihood: log(1 + e^z) - y z, z = A w."""
    z = A @ w
    return np.sum(np.log1p(np.exp(z)) - y * z) / y.size


@pytest.fixture(scope="module")
def logistic():
    A, y = _breast_cancer()
    linear_model = pytest.importorskip("sklearn.linear_model")
    # C=inf is penalty=None (the spelling scikit-learn >= 1.8 asks for); the
    # tight tolerance and Newton-Cholesky make it a reference to ~1e-9
    kwargs = dict(tol=1e-14, max_iter=10_000, solver="newton-cholesky")
    try:
        model = linear_model.LogisticRegression(C=np.inf, **kwargs)
    except TypeError:  # pragma: no cover - scikit-learn without C=inf support
        model = linear_model.LogisticRegression(penalty=None, **kwargs)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(A[:, 1:], y)
    reference = np.concatenate([model.intercept_, model.coef_[0]])
    newton_fit = minimize(_logistic_loss, np.zeros(A.shape[1]), args=(A, y), method="newton")
    return A, y, reference, newton_fit


def test_logistic_regression_newton_matches_scikit_learn(logistic):
    A, y, reference, r = logistic
    assert r.success, r.message
    assert r.nit < 15
    assert np.max(np.abs(r.x - reference)) <= 1e-6
    # the maximum-likelihood conditions hold exactly at Newton's answer
    gradient = A.T @ (1 / (1 + np.exp(-A @ r.x)) - y) / y.size
    assert np.max(np.abs(gradient)) < 1e-9
    assert np.allclose(r.jac, gradient, rtol=0, atol=1e-12)


@pytest.mark.parametrize("method,options", [
    ("gradient-descent", {}),
    ("adam", {"learning_rate": 0.3}),
    ("momentum", {"learning_rate": 1.0}),
    ("nesterov", {"learning_rate": 1.0}),
])
def test_logistic_regression_first_order_methods_reach_the_same_loss(logistic, method, options):
    A, y, reference, best = logistic
    r = minimize(_logistic_loss, np.zeros(A.shape[1]), args=(A, y), method=method, tol=1e-6,
                 options={**options, "maxiter": 3000})
    assert r.success, r.message
    assert abs(r.fun - best.fun) <= 1e-6 * best.fun
    assert np.max(np.abs(r.x - reference)) < 1e-2     # flat directions: x is looser
