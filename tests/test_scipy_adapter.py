"""dualcalc.scipy: exact derivatives in scipy.optimize's callables, cached per
point so that scipy's repeated requests at one x cost one evaluation."""
import numpy as np
import pytest

so = pytest.importorskip("scipy.optimize")

import dualcalc
import dualcalc.math as dm
from dualcalc.scipy import Objective, Residuals, least_squares, minimize, root


def rosen(x):
    return 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2


def counting(f):
    calls = []

    def wrapped(x, *args):
        calls.append(x)
        return f(x, *args)

    wrapped.calls = calls
    return wrapped


# ---------------------------------------------------------------- Objective
def test_objective_values_match_the_derivative_verbs():
    obj = Objective(rosen)
    x = np.array([-1.2, 1.0])
    assert obj.fun(x) == pytest.approx(24.2)
    assert obj(x) == obj.fun(x)
    assert np.array_equal(obj.jac(x), dualcalc.gradient(rosen, x))
    assert np.array_equal(obj.hess(x), dualcalc.hessian(rosen, x))
    p = np.array([0.3, -2.0])
    assert np.allclose(obj.hessp(x, p), dualcalc.hessian(rosen, x) @ p, rtol=1e-15)
    f, g = obj.fun_and_jac(x)
    assert f == obj.fun(x) and np.array_equal(g, obj.jac(x))


def test_repeated_requests_at_one_point_cost_one_evaluation():
    f = counting(rosen)
    obj = Objective(f)
    x = np.array([0.5, 0.5])
    for _ in range(3):
        obj.fun(x), obj.jac(x), obj.hess(x), obj.fun_and_jac(x), obj.hessp(x, [1.0, 0.0])
    # value, then value+gradient, then the Hessian pass: nothing after the first round
    assert obj.counts == {"nfev": 3, "njev": 2, "nhev": 1}
    n_calls = len(f.calls)
    obj.fun(x), obj.jac(x), obj.hess(x)
    assert len(f.calls) == n_calls


def test_the_hessian_first_answers_everything():
    obj = Objective(rosen)
    x = [0.1, 0.2]
    obj.hess(x)
    obj.fun(x), obj.jac(x), obj.hessp(x, [1.0, 1.0])
    assert obj.counts == {"nfev": 1, "njev": 1, "nhev": 1}


def test_cache_is_keyed_by_value_not_by_buffer():
    obj = Objective(rosen)
    x = np.array([0.0, 0.0])
    assert obj.fun(x) == 1.0
    x[0] = 1.0               # scipy reuses its arrays: same object, new point
    assert obj.fun(x) == 100.0
    assert obj.counts["nfev"] == 2
    # and the cache holds a few points, least recently used out first
    for k in range(10):
        obj.fun([float(k), 0.0])
    before = obj.counts["nfev"]
    obj.fun([9.0, 0.0])
    assert obj.counts["nfev"] == before
    obj.fun([0.0, 0.0])
    assert obj.counts["nfev"] == before + 1
    obj.clear()
    obj.fun([9.0, 0.0])
    assert obj.counts["nfev"] == before + 2


def test_returned_arrays_are_copies():
    obj = Objective(rosen)
    g = obj.jac([0.0, 0.0])
    g[:] = 1e9
    assert obj.jac([0.0, 0.0]).tolist() == [-2.0, 0.0]
    H = obj.hess([0.0, 0.0])
    H[:] = 0.0
    assert obj.hess([0.0, 0.0])[1, 1] == 200.0


def test_objective_receives_a_copy_and_args():
    seen = []

    def f(x, a, b):
        seen.append(x)
        return (x[0] - a) ** 2 + b * x[1] ** 2

    obj = Objective(f, args=(2.0,))
    x = np.array([0.0, 1.0])
    # scipy appends its own args= after the adapter's
    assert obj.fun(x, 3.0) == 4.0 + 3.0
    assert obj.jac(x, 3.0).tolist() == [-4.0, 6.0]
    assert all(s is not x for s in seen)
    r = so.minimize(obj.fun, [5.0, 5.0], args=(3.0,), jac=obj.jac, hess=obj.hess,
                    method="trust-exact")
    assert np.allclose(r.x, [2.0, 0.0])


def test_non_scalar_objective_is_a_value_error():
    obj = Objective(lambda x: [x[0], x[1]])
    with pytest.raises(ValueError):
        obj.fun([1.0, 2.0])
    with pytest.raises(ValueError):
        obj.jac([1.0, 2.0])
    with pytest.raises(TypeError):
        Objective(3.0)


@pytest.mark.parametrize("method", ["trust-exact", "dogleg", "trust-ncg", "trust-krylov",
                                    "Newton-CG", "BFGS", "L-BFGS-B", "CG", "trust-constr"])
def test_scipy_methods_with_exact_derivatives(method):
    obj = Objective(rosen)
    kwargs = {"jac": obj.jac}
    if method in ("trust-exact", "dogleg", "trust-constr"):
        kwargs["hess"] = obj.hess
    elif method in ("trust-ncg", "trust-krylov", "Newton-CG"):
        kwargs["hessp"] = obj.hessp
    x0 = [-1.2, 1.0] if method != "dogleg" else [0.8, 0.6]   # dogleg needs H > 0
    tol = None if method == "trust-krylov" else 1e-10
    r = so.minimize(obj.fun, x0, method=method, tol=tol, **kwargs)
    assert np.allclose(r.x, 1.0, atol=1e-3 if tol is None else 1e-6), (method, r.message)


def test_hessp_of_a_nan_vector_is_nan_not_an_error():
    assert np.isnan(Objective(rosen).hessp([0.0, 0.0], [np.nan, 1.0])).all()


def test_jac_true_uses_one_pass_per_point():
    obj = Objective(rosen)
    r = so.minimize(obj.fun_and_jac, [-1.2, 1.0], jac=True, method="BFGS")
    assert r.success
    assert obj.counts["njev"] == r.nfev == r.njev
    assert obj.counts["nfev"] == r.nfev


def test_trust_exact_counts_match_scipy():
    obj = Objective(rosen)
    r = so.minimize(obj.fun, [-1.2, 1.0], jac=obj.jac, hess=obj.hess, method="trust-exact")
    assert r.success
    # one Hessian pass per point where scipy wanted the Hessian; the value and
    # gradient requests there were free
    assert obj.counts["nhev"] == r.nhev
    assert obj.counts["nfev"] <= r.nfev + r.nhev


# ---------------------------------------------------------------- Residuals
def F(x):
    return [x[0] ** 2 + x[1] ** 2 - 4.0, dm.exp(x[0]) + x[1] - 1.0]


@pytest.mark.parametrize("method", ["hybr", "lm"])
def test_residuals_with_scipy_root(method):
    res = Residuals(F)
    r = so.root(res.fun, [1.0, -1.7], jac=res.jac, method=method)
    assert r.success and np.max(np.abs(F(r.x))) < 1e-10
    r2 = so.root(res.fun_and_jac, [1.0, -1.7], jac=True, method=method)
    assert np.allclose(r.x, r2.x)


def test_residuals_shapes_and_caching():
    res = Residuals(lambda p: [p[0] * p[1], p[0] - p[1], p[1] ** 2])
    J = res.jac([2.0, 3.0])
    assert J.shape == (3, 2) and J.tolist() == [[3.0, 2.0], [1.0, -1.0], [0.0, 6.0]]
    assert res.fun([2.0, 3.0]).tolist() == [6.0, -1.0, 9.0]
    res.fun_and_jac([2.0, 3.0])
    assert res.counts == {"nfev": 1, "njev": 1, "nhev": 0}
    # a scalar-valued function is a one-row system
    one = Residuals(lambda p: p[0] * p[1])
    assert one.jac([2.0, 3.0]).shape == (1, 2) and one.fun([2.0, 3.0]).shape == (1,)


def test_residuals_with_scipy_least_squares():
    t = np.linspace(0.0, 3.0, 10)
    y = 2.0 * np.exp(-0.5 * t) + 0.1
    model = lambda p: [p[0] * dm.exp(-p[1] * ti) + p[2] - yi for ti, yi in zip(t, y)]
    res = Residuals(model)
    fit = so.least_squares(res.fun, [1.0, 1.0, 0.0], jac=res.jac)
    assert np.allclose(fit.x, [2.0, 0.5, 0.1], atol=1e-8)
    assert res.counts["njev"] == fit.njev


# ---------------------------------------------------------------- one-call helpers
@pytest.mark.parametrize("method", ["trust-exact", "Newton-CG", "trust-krylov", "BFGS",
                                    "dogleg", "Nelder-Mead"])
def test_minimize_helper_wires_the_right_derivatives(method):
    f = lambda x: (x[0] - 1.0) ** 2 + 2.0 * (x[1] + 0.5) ** 2 + 0.1 * x[0] ** 4
    r = minimize(f, [2.0, 1.0], method=method)
    assert r.success, r.message
    assert np.allclose(r.x, so.minimize(f, [2.0, 1.0], method="BFGS", tol=1e-12).x, atol=1e-4)
    counts = r.dualcalc_counts
    if method == "Nelder-Mead":
        assert counts["njev"] == 0
    else:
        assert counts["njev"] > 0
    if method in ("trust-exact", "dogleg"):
        assert counts["nhev"] > 0


def test_root_and_least_squares_helpers():
    r = root(F, [1.0, -1.7])
    assert r.success and r.dualcalc_counts["njev"] >= 1
    fit = least_squares(lambda p: [p[0] - 1.0, 10.0 * (p[1] - p[0] ** 2)], [-1.2, 1.0])
    assert np.allclose(fit.x, 1.0) and fit.dualcalc_counts["njev"] == fit.njev


def test_cache_is_not_fooled_by_a_reused_id_of_temporary_args():
    # a temporary array passed as an argument is freed after the call and the
    # next temporary often gets its id: the cache must not answer from it
    from dualcalc.scipy import Objective
    obj = Objective(lambda x, a: np.sum(a * x ** 2))
    x = [1.0, 2.0]
    got = [obj.fun(x, np.full(2, float(k))) for k in range(1, 60)]
    assert got == [5.0 * k for k in range(1, 60)]
    grads = [obj.jac(x, np.full(2, float(k))).tolist() for k in range(1, 20)]
    assert grads == [[2.0 * k, 4.0 * k] for k in range(1, 20)]
