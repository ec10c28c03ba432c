"""Scalar-style code under the verbs: x[i] arithmetic, loops, residual lists.

Every row times a verb on code written the way most small numeric code is:
indexing its input and looping (``x[i + 1] - x[i] ** 2``), building residual
lists, or an ODE right-hand side that returns ``np.array([...])``.  Indexing
the verbs' dual arrays gives DualVec / HyperDualVec scalars (compiled, all
directions inline), so these run at compiled speed.  The baseline is one
evaluation of the same function on the same float64 ndarray; num-dual,
hyperjet and jax get the same function (num-dual's and hyperjet's on a list,
their documented form).  The rows marked "0-d arrays" run the same verb with
``_arrays.set_scalar_elements(False)``: the path before DualVec (every x[i] a
0-d DualArray), for the before/after comparison in one process.

The report ``loop-newton`` solves the MGH set with minimize(method="newton")
on both paths and prints the total wall time and the problems solved.
"""
import time

import numpy as np
from scipy.optimize import rosen_der, rosen_hess

import dualcalc as dc
from dualcalc._core import _arrays
from dualcalc.optimize import minimize, problems

from bench._harness import Bench, Target, case, group, report


def rosen_loop(x):
    """The Rosenbrock function, scalar style."""
    s = 0.0
    for i in range(len(x) - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def _old_path(verb):
    """verb on the path before DualVec: x[i] is a 0-d dual array."""
    def run(*args, **kwargs):
        prev = _arrays.set_scalar_elements(False)
        try:
            return verb(*args, **kwargs)
        finally:
            _arrays.set_scalar_elements(prev)
    return run


# ---------------------------------------------------------------- peers
def _hj_gradient(f, x):
    def make(hj):
        variables = hj.variables

        def g(x):
            return f(variables(x)).g
        return case("g(x)", g=g, x=list(x), label="hyperjet: f(hj.variables(x)).g")
    return make


def _hj_hessian(f, x):
    def make(hj):
        variables = hj.variables

        def h(x):
            return f(variables(x)).hm()
        return case("h(x)", h=h, x=list(x), label="hyperjet: f(hj.variables(x)).hm()")
    return make


def _jax(verb, f, x):
    def make(jax):
        g = jax.jit(getattr(jax, verb)(f))
        xj = jax.numpy.asarray(x)
        g(xj).block_until_ready()
        return case("g(x).block_until_ready()", g=g, x=xj, result=lambda: np.asarray(g(xj)),
                    label=f"jax.jit(jax.{verb}(f))(x), f scalar style on a jax array")
    return make


# ---------------------------------------------------------------- groups
SIZES = (2, 10, 30)


def _x(n):
    return np.linspace(-1.2, 1.0, n)


@group("loop-gradient", "gradient of a scalar-loop Rosenbrock vs one float evaluation")
def loop_gradient():
    rows = []
    for n in SIZES:
        x = _x(n)
        xl = list(x)
        peers = {
            "num-dual": lambda nd, xl=xl: case(
                "gradient(f, x)[1]", gradient=nd.gradient, f=rosen_loop, x=xl,
                label="num_dual.gradient(f, list)"),
            "hyperjet": _hj_gradient(rosen_loop, x),
            "jax": _jax("grad", rosen_loop, x),
        }
        base = case("f(x)", f=rosen_loop, x=x, label="f(x) on a float64 ndarray")
        rows.append(Bench(
            f"gradient n={n}",
            case("gradient(f, x)", gradient=dc.gradient, f=rosen_loop, x=x,
                 label="dualcalc.gradient (x[i] -> DualVec)"),
            base, peers, reference=lambda x=x: rosen_der(x),
            targets=(Target("num-dual", 2.0),) + ((Target("baseline", 3.0),) if n == 10 else ())))
        rows.append(Bench(
            f"gradient n={n}, 0-d arrays (before)",
            case("gradient(f, x)", gradient=_old_path(dc.gradient), f=rosen_loop, x=x,
                 label="dualcalc.gradient with x[i] a 0-d DualArray"),
            base, {}, reference=lambda x=x: rosen_der(x)))
    return rows


@group("loop-hessian", "Hessian of a scalar-loop Rosenbrock vs one float evaluation")
def loop_hessian():
    rows = []
    for n in SIZES:
        x = _x(n)
        xl = list(x)
        peers = {
            "num-dual": lambda nd, xl=xl: case(
                "np.asarray(hessian(f, x)[2])", hessian=nd.hessian, f=rosen_loop, x=xl,
                np=np, label="num_dual.hessian(f, list)"),
            "hyperjet": _hj_hessian(rosen_loop, x),
            "jax": _jax("hessian", rosen_loop, x),
        }
        base = case("f(x)", f=rosen_loop, x=x, label="f(x) on a float64 ndarray")
        rows.append(Bench(
            f"hessian n={n}",
            case("hessian(f, x)", hessian=dc.hessian, f=rosen_loop, x=x,
                 label="dualcalc.hessian (x[i] -> HyperDualVec)"),
            base, peers, targets=(Target("num-dual", 2.0),),
            reference=lambda x=x: rosen_hess(x)))
        rows.append(Bench(
            f"hessian n={n}, 0-d arrays (before)",
            case("hessian(f, x)", hessian=_old_path(dc.hessian), f=rosen_loop, x=x,
                 label="dualcalc.hessian with x[i] a 0-d HyperDualArray"),
            base, {}, reference=lambda x=x: rosen_hess(x)))
    return rows


def _mgh_residuals():
    # polynomial residuals, so that num-dual's numbers run them too (problems
    # with dualcalc.math functions take only dualcalc's numbers and floats)
    p = problems.get("broyden tridiagonal", n=10)
    return p.residuals, np.linspace(-1.0, -0.5, 10)


@group("loop-jacobian", "Jacobian of an MGH residual list (Broyden tridiagonal, n = m = 10)")
def loop_jacobian():
    r, x = _mgh_residuals()
    xl = list(x)
    base = case("r(x)", r=r, x=x, label="residuals(x) on a float64 ndarray")
    peers = {
        "num-dual": lambda nd: case(
            "np.asarray(jacobian(r, x)[1])", jacobian=nd.jacobian, r=r, x=xl, np=np,
            label="num_dual.jacobian(residuals, list)"),
    }
    return [
        Bench("jacobian of residuals",
              case("jacobian(r, x)", jacobian=dc.jacobian, r=r, x=x,
                   label="dualcalc.jacobian (a list of DualVec)"),
              base, peers, reference=lambda: _old_path(dc.jacobian)(r, x)),
        Bench("jacobian of residuals, 0-d arrays (before)",
              case("jacobian(r, x)", jacobian=_old_path(dc.jacobian), r=r, x=x,
                   label="dualcalc.jacobian with x[i] a 0-d DualArray"),
              base, {}, check=False),
    ]


def rhs(y):
    """A damped Duffing oscillator, right-hand side as np.array([...])."""
    return np.array([y[1], -0.1 * y[1] - y[0] - 0.5 * y[0] ** 3])


def rhs_stack(y):
    """The same with np.stack (the idiom the 0-d array path needs)."""
    return np.stack([y[1], -0.1 * y[1] - y[0] - 0.5 * y[0] ** 3])


def rk4(y0, f=rhs, h=0.05, steps=20):
    y = y0
    for _ in range(steps):
        k1 = f(y)
        k2 = f(y + 0.5 * h * k1)
        k3 = f(y + 0.5 * h * k2)
        k4 = f(y + h * k3)
        y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return y


@group("loop-ode", "Jacobian of 20 RK4 steps whose right-hand side returns np.array([...])")
def loop_ode():
    y0 = np.array([1.0, 0.5])
    base = case("flow(y)", flow=rk4, y=y0, label="rk4(y0) on floats")
    peers = {
        "num-dual": lambda nd: case(
            "np.asarray(jacobian(flow, y)[1])", jacobian=nd.jacobian, y=[1.0, 0.5], np=np,
            flow=lambda y: list(rk4(np.array(y, dtype=object))),
            label="num_dual.jacobian(rk4 on an object array)"),
    }
    return [
        Bench("jacobian of rk4", case("jacobian(flow, y)", jacobian=dc.jacobian, flow=rk4, y=y0,
                                      label="dualcalc.jacobian, rhs np.array([...])"),
              base, peers, reference=lambda: _old_path(dc.jacobian)(rk4, y0, args=(rhs_stack,))),
        Bench("jacobian of rk4, 0-d arrays (before, np.stack rhs)",
              case("jacobian(flow, y, args=(f,))", jacobian=_old_path(dc.jacobian), flow=rk4,
                   y=y0, f=rhs_stack, label="dualcalc.jacobian with x[i] a 0-d DualArray"),
              base, {}, check=False),
    ]


# ---------------------------------------------------------------- report
@report("loop-newton", "minimize(method='newton') over the MGH set: DualVec path vs the "
                       "0-d array path, total wall time (bench/scalar_loop.py)")
def newton_mgh(quick, printer):
    """Each problem solved on both paths in alternation (best of `repeat` each),
    so that a change of machine load hits both totals alike."""
    plist = [p for p in problems.PROBLEMS if p.n <= 4] if quick else list(problems.PROBLEMS)
    repeat = 1 if quick else 5
    paths = (("DualVec (x[i] scalars)", True), ("0-d arrays (before)", False))
    totals = {label: 0.0 for label, _ in paths}
    solved = {label: set() for label, _ in paths}
    rows = []
    for p in plist:
        best = {label: np.inf for label, _ in paths}
        for _ in range(repeat):
            for label, on in paths:
                prev = _arrays.set_scalar_elements(on)
                try:
                    start = time.perf_counter()
                    r = minimize(p, np.array(p.x0), method="newton")
                    best[label] = min(best[label], time.perf_counter() - start)
                finally:
                    _arrays.set_scalar_elements(prev)
                if p.solved(r.fun):
                    solved[label].add(p.name)
        for label, _ in paths:
            totals[label] += best[label]
            rows.append(dict(path=label, problem=p.name, seconds=best[label],
                             solved=p.name in solved[label]))
    new, old = (totals[label] for label, _ in paths)
    printer(f"minimize(method='newton') over {len(plist)} MGH problems (best of {repeat}, "
            "the two paths alternating):")
    for label, _ in paths:
        printer(f"  {label:24s} total {totals[label]:8.3f} s   solved {len(solved[label])}"
                f"/{len(plist)}")
    printer(f"  speed-up {old / new:.2f}x (target >= 3x); same problems solved: "
            f"{solved[paths[0][0]] == solved[paths[1][0]]}")
    return rows
