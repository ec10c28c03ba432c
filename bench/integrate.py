"""Integration benchmarks: dualcalc.integrate beside scipy.integrate (and jax's odeint).

Rows (issue 16's targets):

* ``quad value+gradient(3)``: ``dualcalc.value_and_gradient`` of
  ``quad(c exp(-a t) cos(b t), 0, 1)`` in (a, b, c), against
  ``scipy.integrate.quad``'s value alone on the same vectorisable integrand
  (scalar calls, as scipy makes them), both at epsabs = epsrel = 1e-10.
  Reference: the closed form (value and gradient, from the complex
  antiderivative).  Target: dualcalc's value plus gradient costs no more than
  scipy's value (ratio <= 1).  Both accept the first interval (21 nodes);
  dualcalc calls f once on them, so the row is fixed costs: the verb's one
  pass, f on DualVec arguments (a ``DualVec * ndarray`` goes straight to the
  array engine, ~1 us an operation: ~6 us for this f against ~5 us on
  floats) and quad's Kronrod sums and tolerance test (one compiled loop,
  ``_core/_gausskronrod.pyx``).
* ``quad oscillatory value+gradient(3)``: the same on [0, 10] with b = 40,
  where both need about 40 subintervals (dualcalc evaluates the new ones of
  each round in one call of f).
* ``solve_ivp RK45 value+sens(3)``: Lotka-Volterra on [0, 10] with parameters
  (a, b, c) (d fixed), ``dualcalc.jacobian`` of the final state (2 x 3
  sensitivities, with the value) against ``scipy.integrate.solve_ivp``'s
  value alone, same method and tolerances (rtol 1e-6, atol 1e-9).  Target:
  <= 4x.  Peer: jax's ``odeint`` (Dormand-Prince too) under jit, the
  Jacobian by ``jacrev`` (its adjoint), where jax is installed.  The numbers
  are not compared (three adaptive solvers choose different steps; each is
  accurate to its tolerance).
* ``solve_ivp DOP853 value+sens(3)``: the same problem with DOP853 at rtol
  1e-10, atol 1e-12 (its regime), against scipy's DOP853 value alone.
  Target: <= 4x, as for RK45.
* ``solve_ivp Rosenbrock, stiff``: Van der Pol with mu = 1000 on [0, 100],
  dualcalc's Rosenbrock 2(3) with sensitivities to (y0[0], mu) against scipy's
  Radau value alone at the same tolerances (scipy has no Rosenbrock method;
  no target, for scale).
"""
import numpy as np
import scipy.integrate as si

import dualcalc
from dualcalc.integrate import quad, solve_ivp

from bench._harness import Bench, Target, case, group

QUAD_POINT = np.array([0.7, 3.0, 1.5])
QUAD_TOL = 1e-10
OSC_POINT = np.array([0.3, 40.0, 1.5])
OSC_UPPER = 10.0
LV_POINT = np.array([1.5, 1.0, 3.0])
LV_SPAN = (0.0, 10.0)
LV_Y0 = [1.0, 1.0]
LV_TOL = dict(rtol=1e-6, atol=1e-9)


def _integrand(t, a, b, c):
    return c * np.exp(-a * t) * np.cos(b * t)


def _quad_value_and_gradient(p, upper=1.0):
    return dualcalc.value_and_gradient(
        lambda q: quad(_integrand, 0.0, upper, args=(q[0], q[1], q[2]), epsabs=QUAD_TOL,
                       epsrel=QUAD_TOL, limit=200)[0], p)


def _quad_reference(p, upper=1.0):
    """Closed form: with z = (a - ib) L, the integral over [0, L] is
    c L Re g(z), g(z) = (1 - e^-z)/z; d/da = c L^2 Re g'(z), d/db = c L^2 Im g'(z)."""
    a, b, c = p
    L = upper
    z = complex(a, -b) * L
    g = (1 - np.exp(-z)) / z
    dg = (np.exp(-z) * z - (1 - np.exp(-z))) / z**2      # g'(z)
    return c * L * g.real, np.array([c * L * L * dg.real, c * L * L * dg.imag, L * g.real])


def _scipy_quad(p, upper=1.0):
    return si.quad(_integrand, 0.0, upper, args=tuple(p), epsabs=QUAD_TOL, epsrel=QUAD_TOL,
                   limit=200)[0]


def _lotka_volterra(t, y, a, b, c):
    return [a * y[0] - b * y[0] * y[1], -c * y[1] + 0.75 * y[0] * y[1]]


LV_TIGHT = dict(rtol=1e-10, atol=1e-12)


def _lv_sensitivities(p, method="RK45", tol=LV_TOL):
    return dualcalc.value_and_jacobian(
        lambda q: solve_ivp(_lotka_volterra, LV_SPAN, LV_Y0, args=(q[0], q[1], q[2]),
                            method=method, **tol).y[:, -1], p)


def _scipy_lv(p, method="RK45", tol=LV_TOL):
    return si.solve_ivp(_lotka_volterra, LV_SPAN, LV_Y0, args=tuple(p), method=method,
                        **tol).y[:, -1]


def _jax_odeint(p):
    def make(jax):
        import jax.numpy as jnp
        from jax.experimental.ode import odeint

        def rhs(y, t, a, b, c):
            return jnp.stack([a * y[0] - b * y[0] * y[1], -c * y[1] + 0.75 * y[0] * y[1]])

        def final(q):
            ys = odeint(rhs, jnp.asarray(LV_Y0), jnp.asarray(LV_SPAN), q[0], q[1], q[2],
                        **LV_TOL)
            return ys[-1]
        f = jax.jit(lambda q: (final(q), jax.jacrev(final)(q)))
        q = jnp.asarray(p)

        def run():
            v, J = f(q)
            return np.asarray(v), np.asarray(J)
        return case(run, label="jit(odeint final state, jacrev of it)")
    return make


def _vdp(t, y, mu):
    return [y[1], mu * (1 - y[0] ** 2) * y[1] - y[0]]


VDP_POINT = np.array([2.0, 1000.0])
VDP_TOL = dict(rtol=1e-4, atol=1e-7)


def _vdp_sensitivities(p):
    return dualcalc.value_and_jacobian(
        lambda q: solve_ivp(_vdp, (0.0, 100.0), [q[0], 0.0], method="Rosenbrock",
                            args=(q[1],), **VDP_TOL).y[:, -1], p)


def _scipy_vdp(p):
    return si.solve_ivp(_vdp, (0.0, 100.0), [p[0], 0.0], method="Radau", args=(p[1],),
                        **VDP_TOL).y[:, -1]


@group("integrate", "dualcalc.integrate (quad, solve_ivp) beside scipy.integrate's value alone")
def integrate():
    p = QUAD_POINT
    rows = [Bench(
        "quad value+gradient(3)",
        dualcalc=case(lambda: _quad_value_and_gradient(p),
                      label="value_and_gradient of dualcalc.integrate.quad in 3 parameters"),
        baseline=case(lambda: _scipy_quad(p), label="scipy.integrate.quad, value only"),
        targets=(Target("baseline", 1.0),),
        baseline_label="scipy quad value",
        reference=lambda: _quad_reference(p),
        note="c exp(-a t) cos(b t) on [0, 1], epsabs = epsrel = 1e-10",
    )]
    po = OSC_POINT
    rows.append(Bench(
        "quad oscillatory value+gradient(3)",
        dualcalc=case(lambda: _quad_value_and_gradient(po, OSC_UPPER),
                      label="value_and_gradient of quad over [0, 10], b = 40, in 3 parameters"),
        baseline=case(lambda: _scipy_quad(po, OSC_UPPER), label="scipy.integrate.quad, value only"),
        targets=(Target("baseline", 1.0),),
        baseline_label="scipy quad value",
        reference=lambda: _quad_reference(po, OSC_UPPER),
        note="c exp(-a t) cos(b t) on [0, 10] with b = 40 (about 40 subintervals), "
             "epsabs = epsrel = 1e-10, limit 200",
    ))
    q = LV_POINT
    rows.append(Bench(
        "solve_ivp RK45 value+sens(3)",
        dualcalc=case(lambda: _lv_sensitivities(q),
                      label="value_and_jacobian of solve_ivp(RK45).y[:, -1] in 3 parameters"),
        baseline=case(lambda: _scipy_lv(q), label="scipy.integrate.solve_ivp RK45, value only"),
        peers={"jax": _jax_odeint(q)},
        targets=(Target("baseline", 4.0),),
        baseline_label="scipy solve_ivp value",
        check=False,
        note="Lotka-Volterra on [0, 10], rtol 1e-6, atol 1e-9; jax = jit(odeint + jacrev)",
    ))
    rows.append(Bench(
        "solve_ivp DOP853 value+sens(3)",
        dualcalc=case(lambda: _lv_sensitivities(q, "DOP853", LV_TIGHT),
                      label="value_and_jacobian of solve_ivp(DOP853).y[:, -1] in 3 parameters"),
        baseline=case(lambda: _scipy_lv(q, "DOP853", LV_TIGHT),
                      label="scipy.integrate.solve_ivp DOP853, value only"),
        targets=(Target("baseline", 4.0),),
        baseline_label="scipy solve_ivp value",
        check=False,
        note="Lotka-Volterra on [0, 10], rtol 1e-10, atol 1e-12",
    ))
    v = VDP_POINT
    rows.append(Bench(
        "solve_ivp stiff value+sens(2)",
        dualcalc=case(lambda: _vdp_sensitivities(v),
                      label="value_and_jacobian of solve_ivp(Rosenbrock).y[:, -1] in (y0, mu)"),
        baseline=case(lambda: _scipy_vdp(v), label="scipy.integrate.solve_ivp Radau, value only"),
        baseline_label="scipy Radau value",
        check=False,
        note="Van der Pol mu = 1000 on [0, 100], rtol 1e-4, atol 1e-7; scipy has no Rosenbrock",
    ))
    return rows
