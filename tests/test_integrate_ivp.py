"""dualcalc.integrate.solve_ivp: solutions and forward sensitivities against
closed forms (mpmath) and, for a stiff problem, central differences of
tight-tolerance solves by scipy's Radau."""
import mpmath as mp
import numpy as np
import pytest

import dualcalc as dc
from dualcalc import Dual
from dualcalc.integrate import solve_ivp

mp.mp.dps = 30


def logistic(t, y, r, K):
    return [r * y[0] * (1 - y[0] / K)]


def logistic_exact(y0, r, K, t):
    return K / (1 + (K / y0 - 1) * mp.exp(-r * t))


@pytest.mark.parametrize("method,rtol,tol", [("RK45", 1e-10, 1e-8), ("DOP853", 1e-12, 1e-10),
                                             ("Rosenbrock", 1e-9, 1e-6)])
def test_logistic_sensitivities_against_the_closed_form(method, rtol, tol):
    x0 = [0.2, 1.3, 2.0]                      # y0, r, K
    T = 3.0

    def final(v):
        return solve_ivp(logistic, (0.0, T), [v[0]], method=method, args=(v[1], v[2]),
                         rtol=rtol, atol=1e-12).y[0, -1]

    val, g = dc.value_and_gradient(final, x0)
    F = lambda y0, r, K: logistic_exact(y0, r, K, T)
    ref_g = [float(mp.diff(F, x0, tuple(int(i == j) for j in range(3)))) for i in range(3)]
    assert abs(val - float(F(*x0))) <= tol * abs(val)
    assert np.all(np.abs(g - ref_g) <= tol * np.max(np.abs(ref_g))), (g, ref_g)


@pytest.mark.parametrize("method,rtol,tol", [("RK45", 1e-11, 1e-7), ("DOP853", 1e-13, 1e-10)])
def test_second_order_sensitivities(method, rtol, tol):
    x0 = [0.2, 1.3, 2.0]
    T = 2.0
    final = lambda v: solve_ivp(logistic, (0.0, T), [v[0]], args=(v[1], v[2]), rtol=rtol,
                                atol=1e-14, method=method).y[0, -1]
    H = dc.hessian(final, x0)
    F = lambda y0, r, K: logistic_exact(y0, r, K, T)
    ref = np.array([[float(mp.diff(F, x0, tuple(int(i == k) + int(j == k) for k in range(3))))
                     for j in range(3)] for i in range(3)])
    assert np.all(np.abs(H - ref) <= tol * np.max(np.abs(ref))), (H, ref)


def test_t_eval_lands_on_the_points_and_lists_or_tuples_of_duals_work():
    # (np.array([...]) of 0-d dual arrays raises TypeError in this build: the
    # state's elements are 0-d DualArrays; a list or tuple is stacked here)
    k = Dual(0.7, 1.0)
    te = np.linspace(0.0, 2.0, 5)
    for rhs in (lambda t, y: [-k * y[0], k * y[0]], lambda t, y: (-k * y[0], k * y[0]),
                lambda t, y: np.stack([-k * y[0], k * y[0]]), lambda t, y: k * y[0] * np.array([-1.0, 1.0])):
        r = solve_ivp(rhs, (0.0, 2.0), [1.0, 0.0], t_eval=te, rtol=1e-10, atol=1e-12)
        assert r.success and np.array_equal(r.t, te)
        assert np.allclose(r.y.value[0], np.exp(-0.7 * te), rtol=1e-9, atol=0)
        assert np.allclose(r.y.eps[0, 0], -te * np.exp(-0.7 * te), rtol=1e-8, atol=1e-13)


def test_backward_in_time_and_dual_y0():
    y0 = dc.DualArray(np.array([1.0]), np.array([[1.0]]))
    r = solve_ivp(lambda t, y: -y, (1.0, 0.0), y0, rtol=1e-10, atol=1e-12)
    assert abs(r.y.value[0, -1] - np.e) < 1e-9 * np.e
    assert abs(r.y.eps[0, 0, -1] - np.e) < 1e-9 * np.e


def test_stiff_van_der_pol_sensitivities_against_central_differences():
    """Van der Pol, mu = 1000: the sensitivities of y(T) to y0[0] and mu from
    Rosenbrock with the exact Jacobian agree with central differences of
    scipy's Radau at rtol 1e-12."""
    scipy_integrate = pytest.importorskip("scipy.integrate")

    def vdp(t, y, mu):
        return [y[1], mu * (1 - y[0] ** 2) * y[1] - y[0]]

    T, x0 = 400.0, np.array([2.0, 1000.0])
    r = dc.jacobian(lambda v: solve_ivp(vdp, (0.0, T), [v[0], 0.0], method="Rosenbrock",
                                        args=(v[1],), rtol=1e-7, atol=1e-10).y[:, -1], x0)

    def tight(v):
        s = scipy_integrate.solve_ivp(vdp, (0.0, T), [v[0], 0.0], method="Radau",
                                      args=(v[1],), rtol=1e-12, atol=1e-14)
        return s.y[:, -1]
    fd = np.empty((2, 2))
    for j, h in enumerate([1e-5, 1e-2]):
        e = np.zeros(2)
        e[j] = h
        fd[:, j] = (tight(x0 + e) - tight(x0 - e)) / (2 * h)
    assert np.all(np.abs(r - fd) <= 1e-4 * np.abs(fd).max(axis=0)), (r, fd)


def test_stats_and_bad_input():
    r = solve_ivp(lambda t, y: [-1000.0 * (y[0] - np.cos(t))], (0.0, 1.0), [0.0],
                  method="Rosenbrock")
    assert r.success and r.status == 0 and r.njev > 0 and r.nlu >= r.njev and r.nfev > 0
    assert abs(r.y[0, -1] - np.cos(1.0)) < 1e-2
    with pytest.raises(ValueError, match="method"):
        solve_ivp(lambda t, y: y, (0, 1), [1.0], method="LSODA")
    with pytest.raises(ValueError, match="t_span"):
        solve_ivp(lambda t, y: y, (0, 0), [1.0])
    with pytest.raises(ValueError, match="within t_span"):
        solve_ivp(lambda t, y: y, (0, 1), [1.0], t_eval=[2.0])
    with pytest.raises(ValueError, match="2 values"):
        solve_ivp(lambda t, y: [y[0]], (0, 1), [1.0, 2.0])
    with pytest.raises(TypeError, match="RK45"):
        dc.second_derivative(lambda k: solve_ivp(lambda t, y: -k * y, (0, 1), [1.0],
                                                 method="Rosenbrock").y[0, -1], 1.0)


def oscillator(t, y, w):
    return [y[1], -w * w * y[0]]


@pytest.mark.parametrize("span", [(0.0, 10.0), (10.0, 0.0)])
def test_dop853_dense_output_and_its_sensitivities_on_a_linear_ode(span):
    """y'' = -w^2 y, y(t0) = a, y'(t0) = 0: y = a cos(w (t - t0)); first and
    second derivatives in (a, w) at t_eval points from the continuous
    extension (most of them inside steps), against the closed form."""
    t0, t1 = span
    te = np.linspace(t0, t1, 23)
    x0 = np.array([0.8, 1.3])

    def states(v):
        r = solve_ivp(oscillator, span, [v[0], 0.0], method="DOP853", t_eval=te,
                      args=(v[1],), rtol=1e-13, atol=1e-15)
        assert r.success and np.array_equal(r.t, te)
        return r.y[0]
    s = te - t0
    a, w = x0
    val, J = dc.value_and_jacobian(states, x0)
    assert np.max(np.abs(val - a * np.cos(w * s))) <= 1e-11
    assert np.max(np.abs(J[:, 0] - np.cos(w * s))) <= 1e-11
    assert np.max(np.abs(J[:, 1] + a * s * np.sin(w * s))) <= 1e-10
    H = dc.hessian(lambda v: states(v)[7], x0)
    si = s[7]
    ref = np.array([[0.0, -si * np.sin(w * si)],
                    [-si * np.sin(w * si), -a * si * si * np.cos(w * si)]])
    assert np.max(np.abs(H - ref)) <= 1e-9, (H, ref)


def test_dop853_takes_few_steps_and_reports_every_step_without_t_eval():
    k = Dual(2.0, 1.0)
    r = solve_ivp(lambda t, y: [-k * y[0]], (0.0, 1.0), [1.0], method="DOP853", rtol=1e-12,
                  atol=1e-14)
    assert r.success and r.t[0] == 0.0 and r.t[-1] == 1.0 and r.y.shape == (1, r.t.size)
    assert r.t.size < 30 and r.nfev < 400
    assert np.all(np.abs(r.y.value[0] - np.exp(-2.0 * r.t)) <= 1e-13)
    assert np.all(np.abs(r.y.eps[0, 0] + r.t * np.exp(-2.0 * r.t)) <= 1e-13)


def test_perturbations_that_appear_later_promote_the_state():
    """fun uses the dual parameter only for t > 1 (the state is float before):
    y = exp(-k t) with dy/dk = -(t - 1) exp(-k t) after t = 1."""
    k = Dual(0.7, 1.0)
    for method in ("RK45", "DOP853", "Rosenbrock"):
        r = solve_ivp(lambda t, y: [-(k if t > 1.0 else 0.7) * y[0]], (0.0, 3.0), [1.0],
                      method=method, t_eval=[0.5, 1.0, 2.0, 3.0], rtol=1e-10, atol=1e-12)
        assert r.success, method
        assert np.allclose(r.y.value[0], np.exp(-0.7 * r.t), rtol=1e-6, atol=0), method
        ref = -np.maximum(r.t - 1.0, 0.0) * np.exp(-0.7 * r.t)
        assert np.allclose(r.y.eps[0, 0], ref, rtol=1e-5, atol=1e-9), (method, r.y.eps)


def test_dop853_linear_system_against_the_matrix_exponential():
    """y' = A(p) y with a non-normal 3 x 3 A(p) = A0 + p0 A1 + p1 A2: y(T) =
    expm(A T) y0, and its derivatives in p, from mpmath's expm at 30 digits."""
    A0 = np.array([[-0.5, 2.0, 0.0], [0.0, -1.0, 3.0], [0.1, 0.0, -2.0]])
    A1 = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    A2 = np.array([[0.0, 0.0, 0.5], [-1.0, 0.0, 0.0], [0.0, 0.0, 0.3]])
    y0 = np.array([1.0, -0.5, 2.0])
    T, p0 = 2.5, (0.3, -0.2)

    def final(p):
        A = A0 + p[0] * A1 + p[1] * A2
        return solve_ivp(lambda t, y: A @ y, (0.0, T), y0, method="DOP853", rtol=1e-13,
                         atol=1e-15).y[:, -1]

    def exact(i, *p):
        A = mp.matrix(A0.tolist()) + p[0] * mp.matrix(A1.tolist()) \
            + p[1] * mp.matrix(A2.tolist())
        return (mp.expm(A * T) * mp.matrix(y0.tolist()))[i]
    val, J = dc.value_and_jacobian(final, list(p0))
    ref = np.array([float(exact(i, *p0)) for i in range(3)])
    refJ = np.array([[float(mp.diff(lambda a, b: exact(i, a, b), p0, (int(j == 0), int(j == 1))))
                      for j in range(2)] for i in range(3)])
    assert np.max(np.abs(val - ref)) <= 1e-11 * np.max(np.abs(ref))
    assert np.max(np.abs(J - refJ)) <= 1e-10 * np.max(np.abs(refJ)), (J, refJ)
