"""solve_ivp(..., dense_output=True): the continuous solution sol(t) between
the steps, against closed forms and mpmath; its order on a test ODE; its
sensitivities to y0 and args (first and second order, against mpmath's
derivatives of the closed form, and exactly the interpolant's on a linear
problem); its derivative in t; the ends of t_span, backward integration,
scalar and array calls, and the errors."""
import math
import mpmath as mp
import numpy as np
import pytest

import dualcalc as dc
from dualcalc import Dual
from dualcalc._seeding import new_tag
from dualcalc.arrays import HyperDualArray
from dualcalc.integrate import solve_ivp

mp.mp.dps = 30
METHODS = ("RK45", "DOP853", "Rosenbrock")
# tolerances for the accuracy tests: tight for each method's order
TOLS = {"RK45": (1e-10, 1e-12), "DOP853": (1e-12, 1e-14), "Rosenbrock": (1e-8, 1e-10)}

A2 = np.array([[-0.5, 2.0], [-1.0, -0.3]])        # a damped rotation
Y2 = np.array([1.0, -0.5])


def linear_exact(t):
    return np.array([float(v) for v in mp.expm(mp.matrix(A2.tolist()) * t)
                     * mp.matrix(Y2.tolist())])


def logistic(t, y, r=1.3, K=2.0):
    return [r * y[0] * (1 - y[0] / K)]


def logistic_exact(t, y0=0.2, r=1.3, K=2.0, t0=0.0):
    return K / (1 + (K / mp.mpf(y0) - 1) * mp.exp(-r * (mp.mpf(t) - t0)))


PROBLEMS = {
    "decay": (lambda t, y: [-2.0 * y[0]], (0.0, 3.0), lambda t: np.array([np.exp(-2.0 * t)])),
    "linear": (lambda t, y: A2 @ y, (0.0, 4.0), linear_exact),
    "logistic": (logistic, (0.0, 5.0), lambda t: np.array([float(logistic_exact(t))])),
}


def midpoints(ts, thetas=(0.25, 0.5, 0.75), most=120):
    pts = np.array([ts[i] + th * (ts[i + 1] - ts[i])
                    for i in range(len(ts) - 1) for th in thetas])
    return pts[::max(1, len(pts) // most)]


# ---------------------------------------------------------------- accuracy
# Bounds on the error between the steps, relative to max |y| on the interval,
# measured at these tolerances (worst of the 6 cases, forward and backward):
# RK45 1.1e-9 (11 rtol): the 4th-order interpolant on steps whose local error
# is held at rtol has an error of a few rtol; DOP853 1.9e-11 (19 rtol: its
# 7th-order interpolant on 8th-order steps errs ~ rtol^(8/9)); Rosenbrock: the
# global error of the 2nd-order method itself (1.6e-5 at breakpoints and
# between them alike: the cubic Hermite adds less than the method's own
# error), so it is bounded by the error at the breakpoints.
BOUND = {"RK45": 3e-9, "DOP853": 6e-11}


@pytest.mark.parametrize("backward", [False, True])
@pytest.mark.parametrize("name", sorted(PROBLEMS))
@pytest.mark.parametrize("method", METHODS)
def test_between_the_steps_against_the_exact_solution(method, name, backward):
    fun, span, exact = PROBLEMS[name]
    if backward:
        span = span[::-1]
    rtol, atol = TOLS[method]
    r = solve_ivp(fun, span, exact(span[0]), method=method, rtol=rtol, atol=atol,
                  dense_output=True)
    assert r.success and np.array_equal(r.sol.ts, r.t)
    mids = midpoints(r.sol.ts)
    ref = np.stack([exact(t) for t in mids], axis=1)
    scale = np.max(np.abs(ref))
    got = r.sol(mids)
    assert got.shape == ref.shape
    mid_err = np.max(np.abs(got - ref)) / scale
    breakpoints = r.sol.ts[::max(1, len(r.sol.ts) // 60)]
    bp_err = np.max(np.abs(r.sol(breakpoints) - np.stack([exact(t) for t in breakpoints],
                                                          axis=1))) / scale
    if method == "Rosenbrock":
        assert bp_err <= 2e-5, bp_err          # the method's own error: measured 1.1e-5
        # (decay, backward); between the steps measured within 1% of it
        assert mid_err <= 1.5 * bp_err + 1e-12, (mid_err, bp_err)
    else:
        assert mid_err <= BOUND[method], (mid_err, bp_err)


@pytest.mark.parametrize("method,hs,order", [("RK45", (0.1, 0.05), 4),
                                             ("DOP853", (0.5, 0.25), 7),
                                             ("Rosenbrock", (0.1, 0.05), 2)])
def test_the_interpolant_has_its_order(method, hs, order):
    """Fixed steps h (loose tolerances, first_step = max_step = h) on the
    logistic equation: the interpolant inside a step against the exact
    solution through the step's start state errs like h^(order+1) (RK45 4,
    DOP853 7; Rosenbrock: its cubic Hermite sits on 2nd-order steps, whose
    local error h^3 dominates).  Measured log2 ratios: 4.99, 7.89, 3.03."""
    errs = []
    for h in hs:
        r = solve_ivp(logistic, (0.0, 4.0), [0.2], method=method, first_step=h, max_step=h,
                      rtol=1.0, atol=1.0, dense_output=True)
        ts = r.sol.ts
        assert np.allclose(np.diff(ts)[:-1], h, rtol=1e-12, atol=0)
        err = 0.0
        for i in range(len(ts) - 1):
            yi = r.sol(ts[i])[0]
            for th in (0.2, 0.5, 0.8):
                t = ts[i] + th * (ts[i + 1] - ts[i])
                ref = float(logistic_exact(t, y0=yi, t0=ts[i]))
                err = max(err, abs(r.sol(t)[0] - ref))
        errs.append(err)
    slope = np.log2(errs[0] / errs[1])
    assert abs(slope - (order + 1)) <= 0.25, (errs, slope)


# ---------------------------------------------------------------- sensitivities
@pytest.mark.parametrize("method,rtol,tol", [("RK45", 1e-10, 4e-10), ("DOP853", 1e-12, 1e-12),
                                             ("Rosenbrock", 1e-8, 3e-6)])
def test_sensitivities_to_y0_and_args_between_the_steps(method, rtol, tol):
    """d sol(t) / d(y0, r, K) for the logistic equation at 15 times inside
    steps, against mpmath's derivatives of the closed form.  Bounds: about 3x
    the measured errors relative to the largest derivative (RK45 1.3e-10,
    DOP853 2.1e-13, Rosenbrock 1.1e-6, the 2nd-order method's global error)."""
    x0 = [0.2, 1.3, 2.0]
    times = np.linspace(0.15, 3.85, 15)

    def states(v):
        r = solve_ivp(logistic, (0.0, 4.0), [v[0]], method=method, args=(v[1], v[2]),
                      rtol=rtol, atol=1e-12, dense_output=True)
        assert not np.any(np.isin(times, r.sol.ts))     # inside steps
        return r.sol(times)[0]

    val, J = dc.value_and_jacobian(states, x0)
    F = lambda t: (lambda y0, r, K: logistic_exact(t, y0, r, K))
    ref = np.array([float(F(t)(*x0)) for t in times])
    refJ = np.array([[float(mp.diff(F(t), x0, tuple(int(i == j) for j in range(3))))
                      for i in range(3)] for t in times])
    assert J.shape == (15, 3)
    assert np.max(np.abs(val - ref)) <= tol * np.max(np.abs(ref))
    assert np.max(np.abs(J - refJ)) <= tol * np.max(np.abs(refJ)), (J, refJ)


@pytest.mark.parametrize("t", [0.6, 1.723, 2.8])
@pytest.mark.parametrize("method,rtol,tol", [("RK45", 1e-11, 2e-12), ("DOP853", 1e-13, 1e-14)])
def test_second_order_sensitivities_between_the_steps(method, rtol, tol, t):
    """The Hessian of sol(t) in (y0, r, K) inside a step, against mpmath
    (largest measured relative errors: RK45 5.2e-13, DOP853 1.3e-15; DOP853's
    bound is 10x, at the level of rounding)."""
    x0 = [0.2, 1.3, 2.0]

    def state(v):
        r = solve_ivp(logistic, (0.0, 3.0), [v[0]], method=method, args=(v[1], v[2]),
                      rtol=rtol, atol=1e-14, dense_output=True)
        assert t not in r.sol.ts
        return r.sol(t)[0]

    H = dc.hessian(state, x0)
    F = lambda y0, r, K: logistic_exact(t, y0, r, K)
    ref = np.array([[float(mp.diff(F, x0, tuple(int(i == k) + int(j == k) for k in range(3))))
                     for j in range(3)] for i in range(3)])
    assert np.max(np.abs(H - ref)) <= tol * np.max(np.abs(ref)), (H, ref)


@pytest.mark.parametrize("method", METHODS)
def test_linear_system_sensitivities_against_the_matrix_exponential(method):
    """y' = A(p) y, y(0) = y0: sol(t) = expm(A t) y0; its Jacobian in (p, y0)
    at times inside steps, against mpmath.  Bounds: measured relative errors
    (RK45 1.1e-11, DOP853 2.5e-13, Rosenbrock 1.3e-6) x3 or 4."""
    rtol, atol = TOLS[method]
    tol = {"RK45": 4e-11, "DOP853": 1e-12, "Rosenbrock": 4e-6}[method]
    A1 = np.array([[0.0, 1.0], [0.0, 0.0]])
    times = np.array([0.55, 1.9, 3.3])
    x0 = np.array([0.4, 1.0, -0.5])                 # p, y0

    def states(v):
        A = A2 + v[0] * A1
        r = solve_ivp(lambda t, y: A @ y, (0.0, 4.0), v[1:], method=method, rtol=rtol,
                      atol=atol, dense_output=True)
        return r.sol(times)

    def exact(p, a, b, i, t):
        A = mp.matrix(A2.tolist()) + p * mp.matrix(A1.tolist())
        return (mp.expm(A * t) * mp.matrix([a, b]))[i]

    J = dc.jacobian(states, x0)                     # (2, 3 times, 3 inputs)
    assert J.shape == (2, 3, 3)
    scale = 2.5                                     # the largest |derivative| here: 2.4
    for i in range(2):
        for m, t in enumerate(times):
            f = lambda p, a, b: exact(p, a, b, i, t)
            ref = [float(mp.diff(f, tuple(x0), tuple(int(j == k) for k in range(3))))
                   for j in range(3)]
            assert np.max(np.abs(J[i, m] - ref)) <= tol * scale, (i, t, J[i, m], ref)


@pytest.mark.parametrize("method", METHODS)
def test_the_sensitivities_are_the_interpolants_exact_derivatives(method):
    """On a linear problem with atol = 0 the steps do not depend on the scale
    of y0, so sol(t; 2 v) with y0 carrying the direction v has the tangent
    sol(t; v) of the float solve: exactly the derivative of the discrete
    interpolant (not merely close to the ODE's sensitivity)."""
    v = np.array([1.0, -0.5])
    times = np.linspace(0.013, 3.97, 41)
    kw = dict(method=method, rtol=1e-7, atol=0.0, dense_output=True)
    plain = solve_ivp(lambda t, y: A2 @ y, (0.0, 4.0), v, **kw).sol(times)
    tangent = dc.jvp(lambda y0: solve_ivp(lambda t, y: A2 @ y, (0.0, 4.0), y0,
                                          **kw).sol(times), 2 * v, v)
    value = solve_ivp(lambda t, y: A2 @ y, (0.0, 4.0), 2 * v, **kw).sol(times)
    assert tangent.shape == (2, 41)
    # to rounding (BLAS combines the 2 value rows and the 4 value-and-tangent
    # rows of a step with differently shaped products: measured 4e-14 for
    # DOP853, whose 16-stage combinations have coefficients up to 500); a
    # different interpolant or different steps would differ by ~rtol = 1e-7
    assert np.max(np.abs(tangent - plain)) <= 2e-13 * np.max(np.abs(plain)), \
        np.max(np.abs(tangent - plain))
    assert np.max(np.abs(value - 2 * plain)) <= 4e-13 * np.max(np.abs(plain))


# ---------------------------------------------------------------- d/dt
@pytest.mark.parametrize("method", METHODS)
def test_the_derivative_in_t_is_fun_at_the_breakpoints_and_close_between(method):
    """d sol/dt is exactly fun(t, sol(t)) at the breakpoints (both one-sided
    interpolants: each takes the step's end derivatives) and agrees with it
    between the steps to the interpolant's accuracy in its derivative
    (measured relative errors: RK45 1.0e-7, DOP853 1.3e-10, Rosenbrock 2.4e-6;
    the derivative of an order-q interpolant has order q - 1)."""
    rtol, atol = TOLS[method]
    r = solve_ivp(logistic, (0.0, 5.0), [0.2], method=method, rtol=rtol, atol=atol,
                  dense_output=True)
    sol, fun = r.sol, lambda t, y: logistic(t, y)[0]
    step = max(1, (len(sol.ts) - 1) // 40)
    for i in range(0, len(sol.ts) - 1, step):
        s = sol.interpolants[i]
        for t in (s.t_min, s.t_max):
            d = dc.derivative(lambda u: s(u)[0], t)
            assert abs(d - fun(t, sol(t))) <= 2e-15, (i, t, d)   # rounding: |f| <= 0.65
    bound = {"RK45": 3e-7, "DOP853": 4e-10, "Rosenbrock": 8e-6}[method]
    mids = midpoints(sol.ts)
    d = dc.jacobian(lambda u: sol(u)[0], mids)
    assert np.count_nonzero(d - np.diag(np.diag(d))) == 0      # each time its own
    err = np.max(np.abs(np.diag(d) - np.array([fun(t, sol(t)) for t in mids])))
    assert err <= bound * 0.65, err


def test_second_derivative_in_t_and_the_mixed_derivative_with_a_parameter():
    """y = exp(-k t): d2 sol/dt2 from a HyperDual t (DOP853's degree-7
    interpolant: measured error 2.5e-9), and with a dual k and a dual t of
    another tag, a HyperDualArray whose eps1eps2 is d2y/dk dt = (k t - 1)
    exp(-k t) (measured errors: value 3e-15, d/dk 1e-14, d/dt 8.5e-13,
    d2/dk dt 2.7e-12)."""
    r = solve_ivp(lambda t, y: [-2.0 * y[0]], (0.0, 2.0), [1.0], method="DOP853",
                  rtol=1e-12, atol=1e-14, dense_output=True)
    for t in (0.123, 0.77, 1.5):
        assert abs(dc.second_derivative(lambda u: r.sol(u)[0], t) - 4 * np.exp(-2 * t)) <= 1e-8
    k = Dual(2.0, 1.0, new_tag())
    r = solve_ivp(lambda t, y: [-k * y[0]], (0.0, 2.0), [1.0], method="DOP853", rtol=1e-12,
                  atol=1e-14, dense_output=True)
    for t in (0.123, 0.77, 1.5):
        z = r.sol(Dual(t, 1.0, new_tag()))
        assert isinstance(z, HyperDualArray) and z.shape == (1,)
        e = np.exp(-2.0 * t)
        assert abs(z.value[0] - e) <= 1e-14
        assert abs(z.eps1[0, 0] + t * e) <= 4e-14          # d/dk
        assert abs(z.eps2[0, 0] + 2 * e) <= 3e-12          # d/dt
        assert abs(z.eps1eps2[0, 0, 0] - (2 * t - 1) * e) <= 1e-11


def test_dual_times_of_every_form():
    """A time that is an element of a dual array (gradient's x[0]), a list of
    dual times, or a dual array of times: d sol(t)/dt = -2 sol(t) for
    y = exp(-2t) (DOP853 at rtol 1e-12; measured errors: d/dt 3.7e-12 at 0.5,
    6.6e-11 at the three times; the value 3e-13)."""
    sol = solve_ivp(lambda t, y: [-2.0 * y[0]], (0.0, 1.0), [1.0], method="DOP853",
                    rtol=1e-12, atol=1e-14, dense_output=True).sol
    g = dc.gradient(lambda v: sol(v[0])[0] * v[1], [0.5, 2.0])
    assert abs(g[0] + 4 * np.exp(-1.0)) <= 2e-11 and abs(g[1] - np.exp(-1.0)) <= 1e-12
    t = np.array([0.5, 0.25, 0.9])
    for f in (lambda v: sol([v[0], v[1], v[2]])[0], lambda v: sol(v)[0]):
        J = dc.jacobian(f, t)
        assert np.array_equal(J, np.diag(np.diag(J)))
        assert np.max(np.abs(np.diag(J) + 2 * np.exp(-2 * t))) <= 2e-10


# ---------------------------------------------------------------- shape, ends, direction
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("span", [(0.0, 4.0), (4.0, 0.0)])
def test_ends_of_t_span_scalar_and_array_calls(method, span):
    y0 = linear_exact(span[0])
    r = solve_ivp(lambda t, y: A2 @ y, span, y0, method=method, rtol=1e-6, atol=1e-9,
                  dense_output=True)
    sol = r.sol
    assert sol.ts[0] == span[0] and sol.ts[-1] == span[1]
    assert np.all(np.diff(sol.ts) * (span[1] - span[0]) > 0)
    assert (sol.t_min, sol.t_max) == (0.0, 4.0)
    assert np.array_equal(sol(span[0]), y0)
    assert np.max(np.abs(sol(span[1]) - r.y[:, -1])) <= 4 * np.spacing(np.max(np.abs(y0)))
    # the breakpoints reproduce the reported steps
    assert np.max(np.abs(sol(r.t) - r.y)) <= 4 * np.spacing(np.max(np.abs(r.y)))
    t = 1.2345
    assert sol(t).shape == (2,) and sol(np.float64(t)).shape == (2,)
    assert sol([t]).shape == (2, 1) and np.array_equal(sol([t])[:, 0], sol(t))
    times = np.linspace(4.0, 0.0, 17)                  # any order of times
    batch = sol(times)
    assert batch.shape == (2, 17)
    assert np.array_equal(batch, np.stack([sol(u) for u in times], axis=1))
    assert len(sol.interpolants) == len(sol.ts) - 1
    s = sol.interpolants[len(sol.ts) // 2]
    u = 0.5 * (s.t_min + s.t_max)
    assert np.array_equal(s(u), sol(u))


def test_dual_state_shapes():
    k = Dual(2.0, 1.0)
    r = solve_ivp(lambda t, y: [-k * y[0], k * y[0]], (0.0, 1.0), [1.0, 0.0],
                  dense_output=True, rtol=1e-10, atol=1e-12)
    one, many = r.sol(0.3), r.sol([0.3, 0.6, 0.9])
    assert one.shape == (2,) and many.shape == (2, 3)
    assert np.array_equal(one.value, many.value[:, 0]) and np.array_equal(one.eps[:, :], many.eps[:, :, 0])
    assert abs(one.eps[0, 0] + 0.3 * np.exp(-0.6)) <= 1e-10


def test_sol_is_none_without_dense_output_and_agrees_with_t_eval():
    assert solve_ivp(logistic, (0.0, 1.0), [0.2]).sol is None
    te = np.linspace(0.0, 5.0, 37)
    for method in METHODS:
        r = solve_ivp(logistic, (0.0, 5.0), [0.2], method=method, t_eval=te, rtol=1e-9,
                      atol=1e-12, dense_output=True)
        assert np.array_equal(r.t, te)
        # RK45 and Rosenbrock land on the t_eval points (breakpoints of sol);
        # DOP853 evaluates the same extension there (a different grouping)
        assert np.max(np.abs(r.sol(te) - r.y)) <= 1e-14, method


def test_dop853_dense_output_costs_three_evaluations_a_step():
    plain = solve_ivp(logistic, (0.0, 5.0), [0.2], method="DOP853", rtol=1e-10)
    dense = solve_ivp(logistic, (0.0, 5.0), [0.2], method="DOP853", rtol=1e-10,
                      dense_output=True)
    with_eval = solve_ivp(logistic, (0.0, 5.0), [0.2], method="DOP853", rtol=1e-10,
                          dense_output=True, t_eval=np.linspace(0.0, 5.0, 50))
    steps = len(dense.sol.ts) - 1
    assert np.array_equal(dense.t, plain.t)
    assert dense.nfev == plain.nfev + 3 * steps
    assert with_eval.nfev == dense.nfev            # t_eval reuses the step's extra stages
    rk = [solve_ivp(logistic, (0.0, 5.0), [0.2], dense_output=d).nfev for d in (False, True)]
    assert rk[0] == rk[1]                          # RK45's extension needs no new stage


def test_perturbations_that_appear_later_reach_the_continuous_solution():
    """fun uses the dual k only for t > 1: the earlier steps' interpolants are
    promoted (zero tangents), the later ones carry dy/dk = -(t-1) exp(-k t)."""
    k = Dual(0.7, 1.0)
    times = np.array([0.3, 0.9, 1.5, 2.2, 2.9])
    for method in METHODS:
        r = solve_ivp(lambda t, y: [-(k if t > 1.0 else 0.7) * y[0]], (0.0, 3.0), [1.0],
                      method=method, rtol=1e-10, atol=1e-12, dense_output=True)
        z = r.sol(times)
        assert np.allclose(z.value[0], np.exp(-0.7 * times), rtol=1e-6, atol=0), method
        ref = -np.maximum(times - 1.0, 0.0) * np.exp(-0.7 * times)
        assert np.array_equal(z.eps[0, 0, :2], [0.0, 0.0]), method
        assert np.allclose(z.eps[0, 0], ref, rtol=1e-5, atol=1e-9), (method, z.eps)


def test_a_failed_integration_covers_what_it_reached():
    r = solve_ivp(lambda t, y: [y[0] ** 2], (0.0, 2.0), [1.0], dense_output=True)
    assert r.status == -1 and r.sol.t_max == r.t[-1] < 1.0
    assert abs(r.sol(0.5)[0] - 2.0) <= 1e-3                   # y = 1 / (1 - t)
    with pytest.raises(ValueError, match="does not extrapolate"):
        r.sol(1.5)


def test_bad_times():
    sol = solve_ivp(logistic, (0.0, 2.0), [0.2], dense_output=True).sol
    back = solve_ivp(logistic, (2.0, 0.0), [1.0], dense_output=True).sol
    for s in (sol, back):
        for t in (-0.1, 2.0000001, [1.0, 3.0]):
            with pytest.raises(ValueError, match=r"t in \[0.0, 2.0\].*does not extrapolate"):
                s(t)
        for t in (np.nan, -np.inf):
            with pytest.raises(ValueError, match="finite"):
                s(t)
        with pytest.raises(ValueError, match="one-dimensional"):
            s(np.ones((2, 2)))
        with pytest.raises(TypeError, match="real time"):
            s("one")
        with pytest.raises(ValueError, match="this step's interpolant"):
            s.interpolants[0](s.ts[-1])


@pytest.mark.parametrize("t", [0.1, 0.3, 0.77])
def test_nested_derivative_in_t_and_a_parameter(t):
    # d/dk d/dt of the dense solution of y' = -k y, y(0) = 1: (k t - 1) exp(-k t);
    # the inner derivative returns a 0-d HyperDualArray, which derivative unpacks
    def inner(k):
        r = solve_ivp(lambda s, y: -k * y, (0.0, 1.0), [1.0], method="DOP853",
                      dense_output=True, rtol=1e-12, atol=1e-14)
        return dc.derivative(lambda s: r.sol(s)[0], t)
    k = 2.0
    assert abs(dc.derivative(inner, k) - (k * t - 1.0) * math.exp(-k * t)) < 1e-9
