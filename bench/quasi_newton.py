"""BFGS and L-BFGS: dualcalc's beside scipy's, given the same exact gradients.

    python -m bench.quasi_newton [--quick]
    python -m bench --only quasi-newton

Every More-Garbow-Hillstrom problem (dualcalc.optimize.problems) from its
standard start and from 10x the standard start.  Solvers:

* ``bfgs``      dualcalc.optimize.minimize(method="bfgs");
* ``l-bfgs``    dualcalc.optimize.minimize(method="l-bfgs") (10 pairs);
* ``BFGS``      scipy.optimize.minimize(method="BFGS", jac=exact gradient);
* ``L-BFGS-B``  scipy's L-BFGS-B (no bounds, maxcor 10), same gradient;
* ``l-bfgs+ftol`` dualcalc's l-bfgs with L-BFGS-B's default relative-reduction
  stop, ``options={"ftol": 2.2e-9}`` (factr 1e7 times the machine epsilon):
  the same stopping rules as L-BFGS-B, so the iteration counts compare the
  algorithms alone (dualcalc's default stops on the gradient only, which
  solves more runs and takes a few more iterations on some).

The exact gradient handed to scipy is dualcalc's (dualcalc.scipy.Objective),
so the solvers differ only in their algorithms.  Everyone runs at its default
tolerances: 1e-5 on the infinity norm of the gradient for all four, and
L-BFGS-B also stops on a relative reduction of f below 2.2e-9 (its ``ftol``).
"Solved" means reaching a published minimum value (Problem.solved).  The
summary gives the solved counts and the median iterations, over all runs and
over the runs that both members of a pair (bfgs/BFGS, l-bfgs/L-BFGS-B)
solved; the iteration medians over all runs reward stopping early, the
paired ones do not.  Since the solvers stop by different rules (L-BFGS-B's
ftol ends some runs sooner), the paired line also gives the median number
of iterations to the first iterate whose f reaches the published minimum
(recorded by a callback), which does not depend on the stopping rule.

``compare(quick=False)`` returns the rows without printing (the test uses
it); ``run(quick, printer)`` prints the table.
"""
import argparse
import time
import warnings

import numpy as np

from dualcalc.optimize import minimize
from dualcalc.optimize.problems import PROBLEMS
from dualcalc.scipy import Objective

SOLVERS = ["bfgs", "l-bfgs", "BFGS", "L-BFGS-B", "l-bfgs+ftol"]
PAIRS = [("bfgs", "BFGS"), ("l-bfgs", "L-BFGS-B"), ("l-bfgs+ftol", "L-BFGS-B")]
LBFGSB_FTOL = 1e7 * np.finfo(float).eps
SCALES = (1, 10)


def _first_solved(p):
    """A callback that records the first iteration whose f reaches a
    published minimum (the iterations a solver needed, whatever its
    stopping rule)."""
    state = {"nit": 0, "first": None}

    def callback(intermediate_result):
        state["nit"] += 1
        if state["first"] is None and p.solved(float(intermediate_result.fun)):
            state["first"] = state["nit"]
    return state, callback


def _solve(solver, p, x0):
    """(fun, nit, nfev, status, first iteration at a published minimum)."""
    state, callback = _first_solved(p)
    if p.solved(float(p(x0))):
        state["first"] = 0
    if solver in ("bfgs", "l-bfgs", "l-bfgs+ftol"):
        method, options = solver, None
        if solver == "l-bfgs+ftol":
            method, options = "l-bfgs", {"ftol": LBFGSB_FTOL}
        with np.errstate(all="ignore"):
            r = minimize(p, x0, method=method, callback=callback, options=options)
        return float(r.fun), int(r.nit), int(r.nfev), r.status, state["first"]
    import scipy.optimize as so
    obj = Objective(p)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            r = so.minimize(obj.fun, x0, jac=obj.jac, method=solver, callback=callback)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            return np.inf, 0, obj.counts["nfev"], type(exc).__name__, None
    return float(r.fun), int(r.nit), int(r.nfev), r.status, state["first"]


def compare(quick=False, solvers=SOLVERS, scales=SCALES):
    """One dict per (scale, problem, solver): problem, number, n, scale,
    solver, solved, fun, nit, nfev, seconds, status."""
    problems = [p for p in PROBLEMS if p.n <= 4] if quick else list(PROBLEMS)
    rows = []
    for scale in scales:
        for p in problems:
            x0 = scale * p.start()
            for s in solvers:
                start = time.perf_counter()
                fun, nit, nfev, status, first = _solve(s, p, x0)
                seconds = time.perf_counter() - start
                rows.append(dict(problem=p.name, number=p.number, n=p.n, scale=scale,
                                 solver=s, solved=bool(p.solved(fun)), fun=fun, nit=nit,
                                 nfev=nfev, seconds=seconds, status=status,
                                 first_solved=first))
    return rows


def summary(rows, solvers=SOLVERS):
    """{solver: (solved, runs, median nit)} and {pair: (median nit a,
    median nit b, runs both solved, median iterations to the first iterate
    at a published minimum a, b)}."""
    counts = {}
    for s in solvers:
        mine = [r for r in rows if r["solver"] == s]
        counts[s] = (sum(r["solved"] for r in mine), len(mine),
                     float(np.median([r["nit"] for r in mine])))
    paired = {}
    for a, b in PAIRS:
        if a not in solvers or b not in solvers:
            continue
        key = lambda r: (r["scale"], r["number"], r["n"])
        ra = {key(r): r for r in rows if r["solver"] == a}
        rb = {key(r): r for r in rows if r["solver"] == b}
        both = [k for k in ra if k in rb and ra[k]["solved"] and rb[k]["solved"]]
        paired[(a, b)] = (float(np.median([ra[k]["nit"] for k in both])),
                          float(np.median([rb[k]["nit"] for k in both])), len(both),
                          float(np.median([ra[k]["first_solved"] for k in both])),
                          float(np.median([rb[k]["first_solved"] for k in both])))
    return counts, paired


def run(quick=False, printer=print):
    rows = compare(quick)
    printer("MGH problems from the standard start (x1) and 10x it; each cell: solved?  "
            "iterations / evaluations of f  time.  scipy gets dualcalc's exact gradient.")
    head = f"{'x':>3} {'#':>2} {'problem':22s} {'n':>2} |" + "|".join(
        f" {s:^25s} " for s in SOLVERS)
    printer(head)
    printer("-" * len(head))
    by = {}
    for r in rows:
        by.setdefault((r["scale"], r["number"], r["n"], r["problem"]), {})[r["solver"]] = r
    for (scale, number, n, name), cells in by.items():
        text = []
        for s in SOLVERS:
            r = cells[s]
            t = r["seconds"]
            ts = f"{t * 1e3:6.1f}ms" if t < 1 else f"{t:6.2f}s "
            text.append(f" {'yes' if r['solved'] else 'NO ':3s} {r['nit']:4d} /{r['nfev']:5d} "
                        f"{ts} ")
        printer(f"{scale:>3} {number:2d} {name[:22]:22s} {n:2d} |" + "|".join(text))
    printer("-" * len(head))
    counts, paired = summary(rows)
    for s in SOLVERS:
        solved, runs, med = counts[s]
        printer(f"{s:>10s}: solved {solved:3d} / {runs}, median iterations {med:g}")
    for (a, b), (ma, mb, k, fa, fb) in paired.items():
        printer(f"{a} vs {b} on the {k} runs both solved: median iterations {ma:g} vs {mb:g}; "
                f"to the first iterate at the minimum {fa:g} vs {fb:g}")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description="BFGS / L-BFGS beside scipy on MGH")
    parser.add_argument("--quick", action="store_true", help="problems with n <= 4")
    args = parser.parse_args(argv)
    run(quick=args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
