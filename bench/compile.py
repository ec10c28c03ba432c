"""dualcalc.compile: recorded derivatives beside jit-compiled JAX.

Rows time a verb on ``dc.compile(f)`` (a recording replayed in compiled code)
beside one float evaluation of f, the same verb on f uncompiled (a row of its
own, marked "uncompiled"), and jit-compiled JAX: ``jax`` is
``jax.jit(jax.jacfwd(f))`` (or ``jax.hessian``), ``jax.grad`` is
``jax.jit(jax.grad(f))``.  f is Rosenbrock written NumPy-style and
scalar-style (a loop over x[i]); JAX gets the same code on a jax array.

The report ``compile-newton`` solves the MGH set with
minimize(method="newton") on compiled and uncompiled objectives and prints
the total wall time and the problems solved.
"""
import time

import numpy as np
from scipy.optimize import rosen_der, rosen_hess

import dualcalc as dc
from dualcalc.optimize import minimize, problems

from bench._harness import Bench, Target, case, group, report
from bench.scalar_loop import _jax, rosen_loop


def rosen_np(x):
    """Rosenbrock, NumPy style (scipy.optimize.rosen's formula)."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


STYLES = (("numpy", rosen_np), ("loop", rosen_loop))


def _x(n):
    return np.linspace(-1.2, 1.0, n)


@group("compile-gradient", "gradient of Rosenbrock, dc.compile(f) vs jit JAX and uncompiled")
def compile_gradient():
    rows = []
    for n in (10, 100, 1000):
        x = _x(n)
        for style, f in STYLES:
            if style == "loop" and n == 1000:
                continue                      # jax's trace of a 1000-step Python loop: minutes
            cf = dc.compile(f)
            dc.gradient(cf, x)                # record once, outside the timing
            base = case("f(x)", f=f, x=x, label="f(x) on a float64 ndarray")
            rows.append(Bench(
                f"gradient {style} n={n}",
                case("gradient(cf, x)", gradient=dc.gradient, cf=cf, x=x,
                     label="dualcalc.gradient(dc.compile(f), x)"),
                base, {"jax": _jax("jacfwd", f, x), "jax.grad": _jax("grad", f, x)},
                reference=lambda x=x: rosen_der(x),
                targets=(Target("jax", 2.0), Target("jax.grad", 2.0)) if n == 10 else ()))
            rows.append(Bench(
                f"gradient {style} n={n}, uncompiled",
                case("gradient(f, x)", gradient=dc.gradient, f=f, x=x,
                     label="dualcalc.gradient(f, x)"),
                base, {}, reference=lambda x=x: rosen_der(x)))
    return rows


@group("compile-hessian", "Hessian of Rosenbrock, dc.compile(f) vs jit JAX and uncompiled")
def compile_hessian():
    rows = []
    for n in (10, 100):
        x = _x(n)
        for style, f in STYLES:
            cf = dc.compile(f)
            dc.hessian(cf, x)
            base = case("f(x)", f=f, x=x, label="f(x) on a float64 ndarray")
            rows.append(Bench(
                f"hessian {style} n={n}",
                case("hessian(cf, x)", hessian=dc.hessian, cf=cf, x=x,
                     label="dualcalc.hessian(dc.compile(f), x)"),
                base, {"jax": _jax("hessian", f, x)},
                reference=lambda x=x: rosen_hess(x),
                targets=(Target("jax", 2.0),) if n == 10 else ()))
            rows.append(Bench(
                f"hessian {style} n={n}, uncompiled",
                case("hessian(f, x)", hessian=dc.hessian, f=f, x=x,
                     label="dualcalc.hessian(f, x)"),
                base, {}, reference=lambda x=x: rosen_hess(x)))
    return rows


def _best_of(fn, number):
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


@report("compile-newton", "minimize(method='newton') over the MGH set: compiled vs "
                          "uncompiled objectives, total wall time (bench/compile.py)")
def compile_newton(quick, printer):
    """Each problem solved both ways in alternation (best of `repeat` each); the
    compiled objective is recorded before the timing starts (a recording is
    made once per problem, like jax.jit's trace).  The per-iteration figure
    is the total over all iterations (setup of each solve included); for a
    compiled objective the whole Newton iteration runs in C
    (``_core/_trust.newton_loop``) around the replays."""
    plist = [p for p in problems.PROBLEMS if p.n <= 4] if quick else list(problems.PROBLEMS)
    repeat = 1 if quick else 3
    labels = ("compiled", "uncompiled")
    totals = dict.fromkeys(labels, 0.0)
    record = replays = 0.0
    solved = {label: set() for label in labels}
    iters = dict.fromkeys(labels, 0)
    evals = dict.fromkeys(labels, (0, 0))
    rows = []
    for p in plist:
        x0 = np.array(p.x0, dtype=float)
        start = time.perf_counter()
        cf = dc.compile(p)
        dc.hessian(cf, x0)
        record += time.perf_counter() - start
        # the replays' share of the compiled time, estimated at x0
        prog, n = cf._solver_program(x0.shape), x0.size
        t_h = _best_of(lambda: prog.run2(x0, 0, n, None, True), 20)
        t_v = _best_of(lambda: prog.run0(x0), 20)
        best = dict.fromkeys(labels, np.inf)
        for _ in range(repeat):
            for label, fun in zip(labels, (cf, p)):
                start = time.perf_counter()
                r = minimize(fun, x0, method="newton")
                best[label] = min(best[label], time.perf_counter() - start)
                if p.solved(r.fun):
                    solved[label].add(p.name)
                if _ == 0:
                    if label == "compiled":
                        replays += r.nhev * t_h + (r.nfev - r.nhev) * t_v
                    iters[label] += r.nit
                    evals[label] = (evals[label][0] + r.nfev, evals[label][1] + r.nhev)
        for label in labels:
            totals[label] += best[label]
            rows.append(dict(path=label, problem=p.name, seconds=best[label],
                             solved=p.name in solved[label]))
    printer(f"minimize(method='newton') over {len(plist)} MGH problems (best of {repeat}, "
            "alternating):")
    for label in labels:
        printer(f"  {label:12s} total {totals[label]:8.3f} s   solved {len(solved[label])}"
                f"/{len(plist)}   {iters[label]} iterations, {evals[label][0]} values, "
                f"{evals[label][1]} Hessians: {1e6 * totals[label] / max(iters[label], 1):.1f} "
                "us per iteration")
    printer(f"  of the compiled time, the replays of f (Program.run0/run2, timed at x0): "
            f"{replays:.3f} s")
    printer(f"  recording all problems once: {record:.3f} s")
    printer(f"  speed-up {totals['uncompiled'] / totals['compiled']:.2f}x (target >= 5x); "
            f"same problems solved: {solved['compiled'] == solved['uncompiled']}")
    return rows
