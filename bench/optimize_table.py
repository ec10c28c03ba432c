"""The More-Garbow-Hillstrom table: dualcalc's solvers beside scipy.optimize.

    python -m bench.optimize_table [--quick]

For every MGH problem (dualcalc.optimize.problems, from the standard starting
point) and every solver: whether it reached a published minimum value (within
1e-4 relative, or below 1e-10 for a zero minimum), iterations, evaluations of
f, and wall time.  Solvers:

* ``newton``     dualcalc.optimize.minimize(method="newton"): exact Hessian,
                 trust region solved exactly by eigendecomposition;
* ``newton-cg``  dualcalc's trust-region Newton-CG on Hessian-vector products;
* ``trust-exact`` scipy.optimize.minimize(method="trust-exact") with dualcalc's
                 exact gradient and Hessian (dualcalc.scipy.Objective);
* ``Newton-CG``  scipy's Newton-CG with dualcalc's gradient and hessp;
* ``BFGS-FD``    scipy's BFGS with its own finite-difference gradient.

scipy runs at scipy's default tolerances (what its users get); the summary also
gives trust-exact's count at gtol = 1e-12, since its default (1e-8 on the
gradient 2-norm) stops several runs short of the minimum.  ``nfev`` is each
solver's own count: for dualcalc every derivative pass evaluates f once and
counts; for scipy it is scipy's ``nfev`` (BFGS-FD's includes the
finite-difference evaluations).

``run(quick=False)`` returns one dict per (problem, solver) and prints the
table; ``quick`` takes the problems with n <= 4 and one timing each.
"""
import argparse
import time
import warnings

import numpy as np

from dualcalc.optimize import minimize
from dualcalc.optimize.problems import PROBLEMS
from dualcalc.scipy import Objective

SOLVERS = ["newton", "newton-cg", "trust-exact", "Newton-CG", "BFGS-FD"]


def _dualcalc(method):
    def solve(p):
        r = minimize(p, p.start(), method=method)
        return r.fun, r.nit, r.nfev, r.status
    return solve


def _scipy(method, derivatives, **options):
    def solve(p):
        import scipy.optimize as so
        obj = Objective(p)
        kwargs = {}
        if "jac" in derivatives:
            kwargs["jac"] = obj.jac
        if "hess" in derivatives:
            kwargs["hess"] = obj.hess
        if "hessp" in derivatives:
            kwargs["hessp"] = obj.hessp
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                r = so.minimize(obj.fun, p.start(), method=method, options=options, **kwargs)
            except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
                return np.inf, 0, obj.counts["nfev"], type(exc).__name__
        return float(r.fun), int(r.get("nit", 0)), int(r.nfev), r.status
    return solve


_RUNNERS = {
    "newton": _dualcalc("newton"),
    "newton-cg": _dualcalc("newton-cg"),
    "trust-exact": _scipy("trust-exact", ("jac", "hess")),
    "Newton-CG": _scipy("Newton-CG", ("jac", "hessp")),
    "BFGS-FD": _scipy("BFGS", ()),
}


def _time(solve, p, repeat):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        out = solve(p)
        best = min(best, time.perf_counter() - start)
    return out, best


def _fmt_time(t):
    return f"{t * 1e3:6.1f}ms" if t < 1 else f"{t:6.2f}s "


def run(quick=False, solvers=None, printer=print):
    """Solve every MGH problem with every solver; print the table and return
    the rows (dicts with problem, number, n, m, solver, solved, fun, nit,
    nfev, seconds, status)."""
    solvers = list(SOLVERS if solvers is None else solvers)
    problems = [p for p in PROBLEMS if p.n <= 4] if quick else list(PROBLEMS)
    repeat = 1 if quick else 3
    rows = []
    head = f"{'#':>2} {'problem':24s} {'n':>2} {'m':>3} |" + "|".join(
        f" {s:^26s} " for s in solvers)
    printer("MGH problems (ACM TOMS 7(1) 1981) from the standard start; each cell: "
            "solved?  iterations / evaluations of f  time")
    printer(head)
    printer("-" * len(head))
    errors = []
    for p in problems:
        cells = []
        for s in solvers:
            try:
                (fun, nit, nfev, status), seconds = _time(_RUNNERS[s], p, repeat)
                solved = p.solved(fun)
            except Exception as exc:    # one solver's crash is a cell, not a dead run
                msg = f"{type(exc).__name__}: {exc}"
                errors.append(f"{p.number} {p.name} / {s}: {msg}")
                rows.append(dict(problem=p.name, number=p.number, n=p.n, m=p.m, solver=s,
                                 solved=False, fun=float("nan"), nit=0, nfev=0,
                                 seconds=float("nan"), status=f"error: {msg}"))
                cells.append(f" {('ERROR ' + type(exc).__name__)[:26]:26s} ")
                continue
            rows.append(dict(problem=p.name, number=p.number, n=p.n, m=p.m, solver=s,
                             solved=solved, fun=fun, nit=nit, nfev=nfev, seconds=seconds,
                             status=status))
            cells.append(f" {'yes' if solved else 'NO ':3s} {nit:5d} /{nfev:6d} "
                         f"{_fmt_time(seconds)} ")
        printer(f"{p.number:2d} {p.name[:24]:24s} {p.n:2d} {p.m:3d} |" + "|".join(cells))
    printer("-" * len(head))
    counts = {s: sum(r["solved"] for r in rows if r["solver"] == s) for s in solvers}
    printer(f"{'solved':>34s} |" + "|".join(f" {counts[s]:>3d} / {len(problems):<3d}"
                                             f"{'':17s} " for s in solvers))
    if not quick and "trust-exact" in solvers:
        tight = _scipy("trust-exact", ("jac", "hess"), gtol=1e-12)
        n_tight = 0
        for p in problems:
            try:
                n_tight += p.solved(tight(p)[0])
            except Exception as exc:
                errors.append(f"{p.number} {p.name} / trust-exact gtol=1e-12: "
                              f"{type(exc).__name__}: {exc}")
        printer(f"trust-exact with gtol=1e-12 instead of its default: "
                f"{n_tight} / {len(problems)} solved")
    for e in errors:
        printer(f"  ERROR {e}")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description="MGH problems x solvers table")
    parser.add_argument("--quick", action="store_true", help="problems with n <= 4, one timing")
    args = parser.parse_args(argv)
    run(quick=args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
