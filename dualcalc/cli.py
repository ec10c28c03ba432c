"""The ``dualcalc`` command: differentiate, classify and minimise expressions.

Design: every command is a pair -- a ``compute_<command>`` function that
parses the expression (:mod:`dualcalc.expr`, never eval), calls the
derivatives API or the solvers and returns a plain dict, and a
``show_<command>`` function that prints that dict for a person.  ``--json``
prints the same dict as JSON instead, so the two outputs never disagree.

Exit status: 0 done, 1 a solver ran but did not converge, 2 an error (a
refused expression, a missing --at value, a value outside a function's domain,
a bad option).
"""
import argparse
import json
import math
import os
import re
import sys

import numpy as np

import dualcalc
from dualcalc.expr import (ALIASES, FUNCTIONS, MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH,
                           ExprError, normalize, parse, parse_assignments,
                           parse_constant)

__all__ = ["main"]

#: |gradient| at or below this counts as vanishing (a critical point).
GRAD_TOL = 1e-10
#: The most points `plot` samples.
MAX_POINTS = 100_000
METHODS = ("newton", "newton-cg", "gradient-descent", "momentum", "nesterov", "adam", "bfgs",
           "l-bfgs")
ROOT_METHODS = ("newton",)
#: Status codes of dualcalc.optimize.STATUS that the advice below names.
MAXITER, NONFINITE = 1, 3


class CliError(Exception):
    """A usage error: printed as ``dualcalc: error: ...``, exit status 2."""


# ---------------------------------------------------------------- formatting
def num(v):
    """A float as Python prints it (the shortest text that reads back exactly);
    -0.0 prints as 0.0."""
    v = float(v)
    return repr(v + 0.0) if v == v else "nan"


def vec(a):
    return "[" + ", ".join(num(v) for v in np.ravel(a)) + "]"


def jnum(v):
    """JSON-ready: floats (non-finite as the strings "inf", "-inf", "nan"),
    arrays as nested lists, dicts and lists recursively."""
    if isinstance(v, dict):
        return {k: jnum(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jnum(x) for x in v]
    if isinstance(v, np.ndarray):
        return jnum(v.tolist())
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return num(v) if not math.isfinite(v) else v + 0.0
    return v


def table(header, rows, left=1):
    """Right-aligned columns (the first `left` columns left-aligned)."""
    cells = [list(map(str, header))] + [list(map(str, r)) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    out = []
    for row in cells:
        parts = [c.ljust(w) if i < left else c.rjust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        out.append("  " + "  ".join(parts).rstrip())
    return out


def matrix(row_labels, col_labels, M):
    return table([""] + list(col_labels),
                 [[r] + [num(v) for v in row] for r, row in zip(row_labels, M)])


def point(names, values):
    if len(names) == 1:
        return f"{names[0]} = {num(values[0])}"
    return f"({', '.join(names)}) = ({', '.join(num(v) for v in values)})"


def say(text=""):
    print(text, flush=True)


# ---------------------------------------------------------------- shared set-up
def point_values(at_args, variables):
    """{name: value} from the --at options: each is ``name=value,...``, or a
    bare value when the expression has one variable (``--at 3``).  Several
    --at options are merged; a name given twice is an error."""
    out = {}
    for text in at_args or ():
        text = normalize(text)
        if "=" not in text:
            if len(variables) != 1:
                which = (f"its variables are {', '.join(variables)}" if variables
                         else "name the variable, as in --at x=3")
                example = ",".join(f"{v}=1" for v in variables) or "x=3"
                raise CliError(f"--at {text.strip()} gives a value without a name, which "
                               f"only works for one variable ({which}): write --at "
                               f"{example}")
            try:
                values = {variables[0]: parse_constant(text.strip(), "--at value")}
            except ExprError as exc:
                raise ExprError(f"in --at: {exc.message}", exc.text, exc.start,
                                exc.end) from None
        else:
            values = parse_assignments(text)
        for name, v in values.items():
            if name in out:
                raise CliError(f"{name} is given twice in --at ({name}={num(out[name])} "
                               f"and {name}={num(v)}): give each variable one value")
            out[name] = v
    return out


def setup(args, scalar=True, what="this command"):
    """(expression, variable names, x0) from the expression, --vars and --at."""
    names = None
    if getattr(args, "vars", None) is not None:
        names = [v.strip() for v in args.vars.split(",")]
        if any(not v for v in names):
            raise CliError("--vars is a comma-separated list of names, such as --vars x,y")
    expr = parse(args.expression.strip(), variables=names)
    if scalar and expr.is_vector:
        raise CliError(f"{what} needs one expression, but this one has "
                       f"{len(expr.components)} components separated by ';' "
                       "(use jacobian for a vector function)")
    if not expr.variables:
        # A constant: its derivatives are 0 with respect to any variable.  The
        # variables are the ones --at names (or x), so `derivative "5"` is 0.
        at = point_values(args.at, ["x"])
        names = list(at) or ["x"]
        expr = parse(expr.text, variables=names)
        x0 = np.array([at.get(v, 0.0) for v in names], dtype=np.float64)
        expr([float(v) for v in x0])
        return expr, names, x0
    at = point_values(args.at, list(expr.variables))
    missing = [v for v in expr.variables if v not in at]
    if missing:
        example = ",".join(f"{v}=1" for v in expr.variables)
        if len(expr.variables) == 1:
            example += " (or --at 1)"
        raise CliError(f"no value for {', '.join(missing)}: give every variable a value "
                       f"with --at, as in --at {example}")
    extra = [k for k in at if k not in expr.variables]
    if extra:
        raise CliError(f"--at gives {', '.join(extra)}, which "
                       f"{'is' if len(extra) == 1 else 'are'} not in the expression "
                       f"(its variables: {', '.join(expr.variables)}); to differentiate "
                       "with respect to it anyway, list all variables with --vars")
    x0 = np.array([at[v] for v in expr.variables], dtype=np.float64)
    # One evaluation on plain floats first: a point outside a function's domain
    # is then reported by dualcalc.math's ValueError, with a caret under the
    # failing call, rather than as the nan that the array (NumPy) path gives.
    expr([float(v) for v in x0])
    return expr, list(expr.variables), x0


def defined(value, expr, names, x0):
    """Refuse a point where the function's value is nan (NumPy-style domain errors)."""
    if np.any(np.isnan(value)):
        raise CliError(f"the expression is not defined at {point(names, x0)} (its value is nan)")


def header(expr, names, x0):
    return {"expression": expr.text, "variables": names,
            "at": {n: float(v) for n, v in zip(names, x0)}}


# ---------------------------------------------------------------- derivative
def compute_derivative(args):
    expr, names, x0 = setup(args, what="derivative")
    if len(names) != 1:
        raise CliError(f"derivative needs a function of one variable; this one has "
                       f"{len(names)} ({', '.join(names)}): use gradient for partial "
                       "derivatives")
    f = lambda t: expr((t,))  # noqa: E731
    value, d1 = dualcalc.value_and_derivative(f, x0[0])
    defined(value, expr, names, x0)
    out = dict(command="derivative", **header(expr, names, x0), order=args.order,
               value=value, derivative=d1, constant=not parse(expr.text).variables)
    if args.order == 2:
        out["first_derivative"] = d1
        out["derivative"] = dualcalc.second_derivative(f, x0[0])
    return out


def show_derivative(r):
    x = r["variables"][0]
    say(f"f({x}) = {r['expression'].strip()}   at {x} = {num(r['at'][x])}")
    rows = [("f", r["value"])]
    if r["order"] == 2:
        rows += [("f'", r["first_derivative"]), ("f''", r["derivative"])]
    else:
        rows += [("f'", r["derivative"])]
    for name, v in rows:
        say(f"  {(name + '(' + x + ')'):<8} = {num(v)}")
    if r.get("constant"):
        say(f"  (a constant: its derivatives are 0 at every {x})")


# ---------------------------------------------------------------- gradient
def compute_gradient(args):
    expr, names, x0 = setup(args, what="gradient")
    value, grad = dualcalc.value_and_gradient(expr, x0)
    defined(value, expr, names, x0)
    return dict(command="gradient", **header(expr, names, x0), value=value,
                gradient=grad, norm=float(np.linalg.norm(grad)))


def show_gradient(r):
    names = r["variables"]
    say(f"{signature_of(r)}   at {point(names, list(r['at'].values()))}")
    say(f"  f = {num(r['value'])}")
    width = max(len(n) for n in names) + 4
    for n, g in zip(names, r["gradient"]):
        say(f"  {('df/d' + n):<{width}} = {num(g)}")
    say(f"  gradient = {vec(r['gradient'])}")
    say(f"  |gradient| = {num(r['norm'])}")


def signature_of(r):
    """f(x, y) = text, from a result dict."""
    comps = [c.strip() for c in r["expression"].split(";")]
    body = comps[0] if len(comps) == 1 else "(" + ", ".join(comps) + ")"
    return f"f({', '.join(r['variables'])}) = {body}"


# ---------------------------------------------------------------- jacobian
def compute_jacobian(args):
    expr, names, x0 = setup(args, scalar=False)
    fn = expr if expr.is_vector else (lambda x: [expr(x)])
    value, J = dualcalc.value_and_jacobian(fn, x0)
    defined(value, expr, names, x0)
    return dict(command="jacobian", **header(expr, names, x0),
                components=list(expr.components), value=np.atleast_1d(value),
                jacobian=np.atleast_2d(J))


def show_jacobian(r):
    names = r["variables"]
    say(f"{signature_of(r)}   at {point(names, list(r['at'].values()))}")
    say(f"  f = {vec(r['value'])}")
    m, n = np.shape(r["jacobian"])
    say(f"  Jacobian ({m} x {n}: row i is the gradient of f{'i' if m > 1 else ''}):")
    rows = [f"f{i + 1}" if m > 1 else "f" for i in range(m)]
    for line in matrix(rows, [f"d/d{v}" for v in names], r["jacobian"]):
        say("  " + line)
    if m == n:
        say(f"  determinant = {num(np.linalg.det(r['jacobian']))}")


# ---------------------------------------------------------------- hessian
def classify(grad, H, tol=GRAD_TOL):
    """The second-derivative test: (gradient vanishes?, eigenvalues, curvature,
    classification)."""
    H = np.atleast_2d(H)
    eig = np.linalg.eigvalsh(H) if H.size else np.zeros(0)
    vanishes = bool(np.max(np.abs(grad), initial=0.0) <= tol)
    eig_tol = 1e-10 * max(1.0, float(np.max(np.abs(eig), initial=0.0)))
    pos, neg = bool(np.any(eig > eig_tol)), bool(np.any(eig < -eig_tol))
    if pos and neg:
        curvature, kind = "indefinite", "saddle point"
    elif np.any(np.abs(eig) <= eig_tol):
        curvature, kind = "singular", "inconclusive"
    elif pos:
        curvature, kind = "positive definite", "local minimum"
    else:
        curvature, kind = "negative definite", "local maximum"
    if not vanishes:
        kind = "not a critical point"
    return vanishes, eig, curvature, kind


_REASON = {
    "local minimum": "the gradient vanishes and every eigenvalue of the Hessian is positive",
    "local maximum": "the gradient vanishes and every eigenvalue of the Hessian is negative",
    "saddle point": "the gradient vanishes and the Hessian has eigenvalues of both signs",
    "inconclusive": "the gradient vanishes but the Hessian is singular (a zero eigenvalue), "
                    "so second derivatives cannot decide",
}


def compute_hessian(args):
    expr, names, x0 = setup(args, what="hessian")
    value, grad, H = dualcalc.value_gradient_hessian(expr, x0)
    defined(value, expr, names, x0)
    grad, H = np.atleast_1d(grad), np.atleast_2d(H)
    vanishes, eig, curvature, kind = classify(grad, H, args.tol)
    return dict(command="hessian", **header(expr, names, x0), value=value, gradient=grad,
                hessian=H, eigenvalues=eig, gradient_vanishes=vanishes, tol=args.tol,
                curvature=curvature, classification=kind)


def show_hessian(r):
    names = r["variables"]
    say(f"{signature_of(r)}   at {point(names, list(r['at'].values()))}")
    say(f"  f = {num(r['value'])}")
    say(f"  gradient = {vec(r['gradient'])}")
    say("  Hessian:")
    labels = [f"d/d{v}" for v in names]
    for line in matrix(labels, labels, r["hessian"]):
        say("  " + line)
    say(f"  eigenvalues = {vec(r['eigenvalues'])}")
    if r["gradient_vanishes"]:
        say(f"  the gradient vanishes (every |df/dx_i| <= {r['tol']:g}): a critical point")
        say(f"  classification: {r['classification']} ({_REASON[r['classification']]})")
    else:
        g = float(np.max(np.abs(r["gradient"])))
        say(f"  the gradient does not vanish (largest |df/dx_i| = {num(g)}): "
            "not a critical point")
        say(f"  the Hessian is {r['curvature']} here"
            + {"positive definite": " (f is locally convex)",
               "negative definite": " (f is locally concave)"}.get(r["curvature"], ""))


# ---------------------------------------------------------------- minimize and root
def _optimize():
    try:
        from dualcalc import optimize
    except ImportError as exc:  # pragma: no cover - only while the solvers are absent
        raise CliError(f"the solvers are not available: {exc}") from None
    return optimize


def _shown(nit):
    """The iterations the live table prints: 0-10, then every 10 to 100, every
    100 to 1000, and so on (the last one is always printed too)."""
    if nit <= 10:
        return True
    step = 10 ** int(math.log10(nit))
    return nit % step == 0


class _Live:
    """The callback behind the live iteration table: one row per shown
    iteration (see `_shown`), kept for --json as well."""

    def __init__(self, names, printing, columns, measure):
        self.names = names
        self.printing = printing
        self.columns = columns        # (key, label) of the numbers measure() gives
        self.measure = measure        # intermediate result -> tuple of floats
        self.rows = []
        self.last = None

    def head(self):
        if self.printing:
            cols = [f"{label:>{_width(label)}}" for _, label in self.columns]
            cols += [f"{n:>22}" for n in self.names[:5]]
            more = "  ..." if len(self.names) > 5 else ""
            say(f"  {'iter':>6}  " + "  ".join(cols) + more)

    def row(self, nit, values, x):
        self.last = {"nit": int(nit), **{k: v for (k, _), v in zip(self.columns, values)},
                     "x": {n: float(v) for n, v in zip(self.names, np.ravel(x))}}
        if _shown(nit):
            self.emit(self.last)

    def emit(self, entry):
        self.rows.append(entry)
        if self.printing:
            cols = [_cell(label, entry[k]) for k, label in self.columns]
            cols += [f"{v:>22.15g}" for v in list(entry["x"].values())[:5]]
            say(f"  {entry['nit']:>6}  " + "  ".join(cols))

    def finish(self):
        if self.last is not None and (not self.rows or self.rows[-1] is not self.last):
            self.emit(self.last)

    def __call__(self, res):
        self.row(getattr(res, "nit", len(self.rows)), self.measure(res), res.x)


def _width(label):
    return 10 if label.startswith("|") else 22


def _cell(label, v):
    return f"{v:>10.3e}" if label.startswith("|") else f"{v:>22.15g}"


def _norm(a):
    return float(np.linalg.norm(np.asarray(a, dtype=float))) if a is not None else float("nan")


def _check_solver_options(args):
    if args.max_iter is not None and args.max_iter < 0:
        raise CliError(f"--max-iter must be 0 or more (got {args.max_iter})")
    rate = getattr(args, "learning_rate", None)
    if rate is not None and not (math.isfinite(rate) and rate > 0):
        raise CliError(f"--learning-rate must be a positive number (got {rate})")
    if args.tol is not None and not (math.isfinite(args.tol) and args.tol > 0):
        raise CliError(f"--tol must be a positive number (got {args.tol})")


def compute_minimize(args, live=False):
    _check_solver_options(args)
    expr, names, x0 = setup(args, what="minimize")
    optimize = _optimize()
    value, grad = dualcalc.value_and_gradient(expr, x0)
    defined(value, expr, names, x0)
    options = {}
    if args.max_iter is not None:
        options["maxiter"] = args.max_iter
    if args.learning_rate is not None:
        options["learning_rate"] = args.learning_rate
    kwargs = {"tol": args.tol} if args.tol is not None else {}
    monitor = _Live(names, live, (("fun", "f"), ("grad_norm", "|grad|")),
                    lambda r: (float(np.asarray(r.fun)), _norm(getattr(r, "jac", None))))
    if live:
        say(f"minimize {signature_of(header(expr, names, x0))}")
        say(f"  from {point(names, x0)}, method {args.method}")
        monitor.head()
    monitor.row(0, (float(value), _norm(grad)), x0)
    res = optimize.minimize(expr, x0, method=args.method, options=options,
                            callback=monitor, **kwargs)
    monitor.finish()
    x = np.atleast_1d(np.asarray(res.x, dtype=float))
    jac = getattr(res, "jac", None)
    jac = np.atleast_1d(np.asarray(jac, dtype=float)) if jac is not None else \
        dualcalc.gradient(expr, x)
    kind = reason = None
    if res.success:
        kind, reason = what_point(expr, x)
    return dict(command="minimize", **header(expr, names, x0), method=args.method,
                success=bool(res.success), status=int(res.status), message=str(res.message),
                x={n: float(v) for n, v in zip(names, x)}, fun=float(res.fun),
                jac=jac, grad_norm=float(np.linalg.norm(jac)), nit=int(res.nit),
                nfev=int(getattr(res, "nfev", 0)), point_kind=kind, point_reason=reason,
                minimum=bool(res.success) and kind in ("local minimum", "inconclusive"),
                history=monitor.rows)


def what_point(expr, x):
    """What kind of stationary point a solver stopped at.

    The second-derivative test alone misleads at the approximate stationary
    points solvers return: Newton on x**3 stops near x = 3e-5, where
    f'' = 1.8e-4 > 0, yet the stationary point (0) is an inflection point.
    So along each eigenvector v of the exact Hessian (eigenvalue lam) the
    slope g.v is evaluated on both sides, at x -/+ h v with h four times the
    distance |g.v / lam| to the stationary point along v (at least 1e-8, at
    most 1e-2, relative to |x|): a slope that goes from negative to positive
    is a minimum along v, positive to negative a maximum, the same sign on
    both sides an inflection.  Returns (kind, reason); kind is one of "local
    minimum", "local maximum", "saddle point", "inflection point" (one
    variable), "not a minimum" (several) or "inconclusive" (f is flat).
    """
    x = np.asarray(x, dtype=float)
    try:
        _, g, H = dualcalc.value_gradient_hessian(expr, x)
        g, H = np.atleast_1d(g), np.atleast_2d(H)
    except (ArithmeticError, ValueError):
        return "inconclusive", "the Hessian cannot be computed here"
    if not (np.all(np.isfinite(H)) and np.all(np.isfinite(g))):
        return "inconclusive", "the Hessian is not finite here"
    eig, vecs = np.linalg.eigh(H)
    scale = max(1.0, float(np.max(np.abs(x), initial=0.0)))
    kinds = []
    for lam, v in zip(eig, vecs.T):
        gv = float(g @ v)
        r = abs(gv / lam) if lam != 0 else np.inf
        h = float(np.clip(4 * r, 1e-8 * scale, 1e-2 * scale))
        try:
            lo = float(np.atleast_1d(dualcalc.gradient(expr, x - h * v)) @ v)
            hi = float(np.atleast_1d(dualcalc.gradient(expr, x + h * v)) @ v)
        except (ArithmeticError, ValueError):
            return "inconclusive", "the gradient cannot be computed close by"
        if lo < 0 < hi:
            kinds.append("min")
        elif lo > 0 > hi:
            kinds.append("max")
        elif lo == hi == 0:
            kinds.append("flat")
        else:
            kinds.append("inflection")
    shown = f"Hessian eigenvalues {vec(eig)}"
    if all(k == "min" for k in kinds):
        return "local minimum", f"f curves up in every direction ({shown})"
    if "inflection" in kinds:
        if len(x) == 1:
            return "inflection point", ("the slope has the same sign on both sides "
                                        f"(f'' = {num(eig[0])} here)")
        return "not a minimum", ("along an eigenvector of the Hessian the slope has the "
                                 f"same sign on both sides, so f goes lower ({shown})")
    if "min" in kinds and "max" in kinds:
        return "saddle point", f"f curves up in some directions and down in others ({shown})"
    if all(k == "max" for k in kinds):
        return "local maximum", f"f curves down in every direction ({shown})"
    if "max" in kinds:
        return "not a minimum", f"f curves down in some direction ({shown})"
    return "inconclusive", f"f is flat in some direction here ({shown})"


def show_minimize(r):
    names = r["variables"]
    kind = r.get("point_kind")
    if r["success"] and kind not in (None, "local minimum", "inconclusive"):
        say("stopped where the gradient vanishes, but not at a minimum")
        say(f"  {kind}: {point(names, list(r['x'].values()))}")
        say(f"  why: {r['point_reason']}")
    else:
        verdict = "converged" if r["success"] else "did not converge"
        say(f"{verdict}: {r['message']}")
        label = "minimizer" if r["success"] else "last point"
        say(f"  {label}: {point(names, list(r['x'].values()))}")
        if r["success"] and kind == "inconclusive":
            say(f"  (not certain to be a minimum: {r['point_reason']})")
    say(f"  f = {num(r['fun'])}")
    say(f"  |gradient| = {num(r['grad_norm'])}")
    say(f"  iterations: {r['nit']}, function evaluations: {r['nfev']}")
    advise(r)
    if r["success"] and kind not in (None, "local minimum", "inconclusive"):
        say("  the gradient vanishes here, but f goes lower nearby: try another "
            "starting point with --at (f may have no minimum at all)")


def advise(r):
    """What to change after a run that did not converge."""
    if r["success"]:
        return
    if r["status"] == MAXITER:
        extra = ""
        if r.get("method") in ("gradient-descent", "momentum", "nesterov", "adam"):
            extra = (", or use --method newton (exact second derivatives; far fewer "
                     "iterations)")
        say(f"  it stopped at the iteration limit ({r['nit']}): raise it with --max-iter "
            f"{max(10, 2 * r['nit'])}{extra}")
    elif r["status"] == NONFINITE:
        say("  try another starting point with --at")


def compute_root(args, live=False):
    _check_solver_options(args)
    expr, names, x0 = setup(args, scalar=False)
    m, n = len(expr.components), len(names)
    if m != n:
        raise CliError(f"root needs as many equations as unknowns; this has {m} "
                       f"equation{'s' * (m != 1)} ({'; '.join(expr.components)}) and {n} "
                       f"unknown{'s' * (n != 1)} ({', '.join(names)})")
    optimize = _optimize()
    F = expr if expr.is_vector else (lambda x: [expr(x)])
    value = np.asarray(F(x0), dtype=float)
    defined(value, expr, names, x0)
    options = {}
    if args.max_iter is not None:
        options["maxiter"] = args.max_iter
    kwargs = {"tol": args.tol} if args.tol is not None else {}
    monitor = _Live(names, live, (("residual_norm", "|F|"),), lambda r: (_norm(r.fun),))
    if live:
        say(f"solve {' = 0, '.join(expr.components)} = 0")
        say(f"  from {point(names, x0)}, method {args.method}")
        monitor.head()
    monitor.row(0, (_norm(value),), x0)
    res = optimize.root(F, x0, method=args.method, options=options, callback=monitor,
                        **kwargs)
    monitor.finish()
    x = np.atleast_1d(np.asarray(res.x, dtype=float))
    resid = np.atleast_1d(np.asarray(res.fun, dtype=float))
    return dict(command="root", **header(expr, names, x0), equations=list(expr.components),
                method=args.method, success=bool(res.success), status=int(res.status),
                message=_for_the_command_line(str(res.message)), x={k: float(v) for k, v in zip(names, x)},
                fun=resid, residual_norm=float(np.linalg.norm(resid)), nit=int(res.nit),
                nfev=int(getattr(res, "nfev", 0)), history=monitor.rows)


def show_root(r):
    names = r["variables"]
    verdict = "solved" if r["success"] else "did not converge"
    say(f"{verdict}: {r['message']}")
    say(f"  {'root' if r['success'] else 'last point'}: {point(names, list(r['x'].values()))}")
    say(f"  residual = {vec(r['fun'])}")
    say(f"  |residual| = {num(r['residual_norm'])}")
    say(f"  iterations: {r['nit']}, function evaluations: {r['nfev']}")
    advise(r)


def _for_the_command_line(message):
    """The library's messages name library functions; on the command line
    name what can be typed instead."""
    return message.replace("(try least_squares, or another starting point)",
                           "(try another starting point with --at)")


# ---------------------------------------------------------------- plot
PLOT_INSTALL = "pip install 'dualcalc[plot]'"


def parse_range(text):
    text = text.strip()
    parts = text.split(":")
    if len(parts) != 2:
        raise CliError(f"--range is start:stop, such as --range -2:2 (got {text!r})")
    ends, offset = [], 0
    for part in parts:
        try:
            ends.append(parse_constant(part.strip(), "range end"))
        except ExprError as exc:
            lead = offset + len(part) - len(part.lstrip())
            start = None if exc.start is None else lead + exc.start
            end = None if exc.end is None else lead + exc.end
            raise ExprError(f"in --range: {exc.message}", text, start, end) from None
        offset += len(part) + 1
    lo, hi = ends
    if not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
        raise CliError(f"--range start:stop needs start < stop (got {num(lo)}:{num(hi)})")
    return lo, hi


def compute_plot(args):
    names = None if args.vars is None else [v.strip() for v in args.vars.split(",")]
    expr = parse(args.expression.strip(), variables=names)
    if expr.is_vector or len(expr.variables) != 1:
        raise CliError("plot draws a function of one variable (one expression, one "
                       f"variable); this one has variables: {', '.join(expr.variables) or 'none'}")
    lo, hi = parse_range(args.range)
    n = args.points
    if not 2 <= n <= MAX_POINTS:
        raise CliError(f"--points must be between 2 and {MAX_POINTS}")
    xs = np.linspace(lo, hi, n)
    f0, f1, f2 = (np.full(n, np.nan) for _ in range(3))
    g = lambda t: expr((t,))  # noqa: E731
    failures = 0
    with np.errstate(all="ignore"):
        for i, t in enumerate(xs):
            try:
                f0[i], f2[i] = dualcalc.value_and_derivative(g, float(t), order=2)
                f1[i] = dualcalc.derivative(g, float(t))
            except (ExprError, ArithmeticError, ValueError):
                failures += 1
    x = expr.variables[0]
    return dict(command="plot", expression=expr.text, variables=list(expr.variables),
                range=[lo, hi], points=n, undefined_points=failures,
                x=xs, f=f0, df=f1, d2f=f2, output=args.output, _label=x)


def draw(r, show):
    try:
        import matplotlib
    except ImportError:
        raise CliError(f"plot needs matplotlib, which is not installed; install it with: "
                       f"{PLOT_INSTALL}") from None
    if not show:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    if show and matplotlib.get_backend().lower() in ("agg", "pdf", "svg", "ps", "cairo",
                                                     "template"):
        raise CliError("no display to show the figure on: write it to a file with "
                       "-o plot.png")
    x = r["_label"]
    # One figure, one panel each: f'' is often far larger than f, and a shared
    # y axis would flatten f into a line.
    fig, axes = plt.subplots(3, 1, figsize=(8, 7), sharex=True)
    for ax, key, label, color in zip(axes, ("f", "df", "d2f"),
                                     (f"f({x})", f"f'({x})", f"f''({x})"),
                                     ("C0", "C1", "C2")):
        ax.plot(r["x"], r[key], color=color)
        ax.axhline(0.0, color="0.6", linewidth=0.8)
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
    axes[-1].set_xlabel(x)
    axes[0].set_title(f"f({x}) = {r['expression'].strip()} and its exact derivatives")
    fig.tight_layout()
    if show:
        plt.show()
    else:
        fig.savefig(r["output"])
    plt.close(fig)


def show_plot(r):
    note = (f" ({r['undefined_points']} points where f is not defined are left out)"
            if r["undefined_points"] else "")
    say(f"wrote {r['output']}: f, f' and f'' of f({r['_label']}) = "
        f"{r['expression'].strip()} on [{num(r['range'][0])}, {num(r['range'][1])}], "
        f"{r['points']} points{note}")


# ---------------------------------------------------------------- tour
TOUR_INTRO = """\
dualcalc tour: calculus for machine learning, computed live with exact derivatives.
Every number below is computed now, by evaluating the formula on dual numbers
a + b*eps (eps**2 = 0): the eps part of the result is the exact derivative.
"""


def _d(text, at, order=1):
    e = parse(text)
    f = lambda t: e((t,))  # noqa: E731
    return dualcalc.derivative(f, at, order=order)


def tour_difference_quotient():
    x = 1.0
    exact = math.cos(x)
    e = parse("sin(x)")
    rows = []
    for k in (1, 2, 4, 6, 8, 10, 12, 14, 16):
        h = 10.0 ** -k
        q = (e((x + h,)) - e((x,))) / h
        rows.append({"h": h, "quotient": q, "error": abs(q - exact)})
    dual = dualcalc.derivative(lambda t: e((t,)), x)
    best = min(rows, key=lambda r: r["error"])
    return {"title": "The difference quotient against the exact derivative",
            "function": "sin(x)", "x": x, "exact": exact, "rows": rows, "dual": dual,
            "dual_error": abs(dual - exact), "best_h": best["h"],
            "best_error": best["error"]}


def show_difference_quotient(s):
    say(f"f(x) = sin(x) at x = 1; the exact derivative is cos(1) = {num(s['exact'])}.")
    lines = table(["h", "(f(x+h) - f(x))/h", "error"],
                  [[f"1e-{round(-math.log10(r['h'])):02d}", f"{r['quotient']:.16f}",
                    f"{r['error']:.1e}"] for r in s["rows"]]
                  + [["dual number", f"{s['dual']:.16f}", f"{s['dual_error']:.1e}"]])
    for line in lines:
        say(line)
    say("As h shrinks the error first falls like h (truncation error: the quotient is "
        "the slope\nof a chord, not of the tangent), then grows like 1e-16/h "
        "(cancellation error: f(x+h)\nand f(x) share most of their digits, and "
        f"subtracting them leaves rounding noise);\nthe best h, {s['best_h']:.0e}, "
        f"still errs by {s['best_error']:.0e}. The dual number has neither error.")


def tour_polynomial():
    text = "3*x**3 + 2*x**2 - 4*x + 7"
    e = parse(text)
    rows = []
    for x in (-1.0, 0.0, 1.0, 2.0):
        f = lambda t: e((t,))  # noqa: E731
        v, d = dualcalc.value_and_derivative(f, x)
        rows.append({"x": x, "f": v, "dual": d, "rule": 9 * x**2 + 4 * x - 4,
                     "second": dualcalc.second_derivative(f, x), "rule2": 18 * x + 4})
    return {"title": "A polynomial: the power rule", "function": text, "rows": rows}


def show_polynomial(s):
    say(f"f(x) = {s['function']}; by the power rule f'(x) = 9x^2 + 4x - 4\n"
        "and f''(x) = 18x + 4:")
    for line in table(["x", "f(x)", "f'(x) dual", "9x^2+4x-4", "f''(x) hyper-dual",
                       "18x+4"],
                      [[num(r["x"]), num(r["f"]), num(r["dual"]), num(r["rule"]),
                        num(r["second"]), num(r["rule2"])] for r in s["rows"]], left=0):
        say(line)
    say("A hyper-dual number (two eps parts and their product) carries f'' as well.")


def tour_partials():
    text = "x**2*y + 3*y**2"
    g = dualcalc.gradient(parse(text), [1.0, 2.0])
    return {"title": "Partial derivatives", "function": text, "at": [1.0, 2.0],
            "df_dx": g[0], "df_dy": g[1], "rule_dx": 2 * 1.0 * 2.0,
            "rule_dy": 1.0**2 + 6 * 2.0}


def show_partials(s):
    say(f"f(x, y) = {s['function']} at (x, y) = (1, 2):")
    say(f"  df/dx = 2xy        = {num(s['df_dx'])}   (by hand: {num(s['rule_dx'])})")
    say(f"  df/dy = x^2 + 6y   = {num(s['df_dy'])}   (by hand: {num(s['rule_dy'])})")
    say("A partial derivative holds the other variables fixed: dualcalc seeds eps in "
        "one\nvariable's direction at a time (or all at once, one eps per direction).")


def tour_gradient():
    text = "x**2 + y**2 + z**2"
    at = np.array([1.0, 2.0, 3.0])
    g = dualcalc.gradient(parse(text), at)
    return {"title": "The gradient", "function": text, "at": at, "gradient": g,
            "norm": float(np.linalg.norm(g))}


def show_gradient_tour(s):
    say(f"f(x, y, z) = {s['function']} at (1, 2, 3):")
    say(f"  gradient = {vec(s['gradient'])} = 2*(x, y, z), |gradient| = {num(s['norm'])}")
    say("The gradient points in the direction of steepest ascent (here straight away "
        "from the\norigin); gradient descent, the workhorse of machine learning, steps "
        "the other way.")


def tour_chain_rule():
    a = _d("sin(3*x**2 + 2)", 0.5)
    b = _d("(3*x + 1)**2", 1.0)
    return {"title": "The chain rule", "examples": [
        {"function": "sin(3*x**2 + 2)", "x": 0.5, "dual": a,
         "rule": math.cos(3 * 0.5**2 + 2) * 6 * 0.5},
        {"function": "(3*x + 1)**2", "x": 1.0, "dual": b, "rule": 2 * (3 * 1.0 + 1) * 3}]}


def show_chain_rule(s):
    a, b = s["examples"]
    say("d/dx sin(3x^2 + 2) = cos(3x^2 + 2) * 6x (outer derivative times inner "
        "derivative):")
    say(f"  at x = 0.5: dual {num(a['dual'])}, by hand {num(a['rule'])}")
    say("d/dx (3x + 1)^2 = 2(3x + 1) * 3:")
    say(f"  at x = 1:   dual {num(b['dual'])}, by hand {num(b['rule'])}")
    say("Each operation on a dual number multiplies in its own local derivative, so the "
        "chain\nrule happens by itself: this is forward-mode automatic differentiation "
        "(backpropagation\napplies the same rule from the output end).")


def tour_jacobian():
    text = "r*cos(t); r*sin(t)"
    at = np.array([2.0, math.pi / 3])
    J = dualcalc.jacobian(parse(text), at)
    return {"title": "The Jacobian of a map from R^2 to R^2", "function": text,
            "at": at, "jacobian": J, "determinant": float(np.linalg.det(J))}


def show_jacobian_tour(s):
    say("Polar to Cartesian coordinates, (r, t) -> (r cos t, r sin t), at r = 2, "
        "t = pi/3:")
    for line in matrix(["d(r cos t)", "d(r sin t)"], ["d/dr", "d/dt"], s["jacobian"]):
        say(line)
    say(f"  determinant = {num(s['determinant'])} (= r)")
    say("The Jacobian is the best linear approximation of a map near a point; its "
        "determinant\nis how much the map stretches areas, the factor in "
        "change-of-variables formulas and\nin normalizing flows.")


def tour_hessians():
    cases = [("x**3 - 3*x + y**2", (1.0, 0.0)), ("x**3 - 3*x + y**2", (-1.0, 0.0)),
             ("1 - x**2 - y**2", (0.0, 0.0)), ("x**4 + y**4", (0.0, 0.0))]
    rows = []
    for text, at in cases:
        v, g, H = dualcalc.value_gradient_hessian(parse(text), list(at))
        vanishes, eig, curvature, kind = classify(g, H)
        rows.append({"function": text, "at": list(at), "gradient": g, "hessian": H,
                     "eigenvalues": eig, "gradient_vanishes": vanishes,
                     "classification": kind})
    return {"title": "Hessians classify critical points", "rows": rows}


def show_hessians(s):
    rows = [[r["function"], "(" + ", ".join(num(v) for v in r["at"]) + ")",
             vec(r["gradient"]), vec(r["eigenvalues"]), r["classification"]]
            for r in s["rows"]]
    for line in table(["f(x, y)", "at", "gradient", "Hessian eigenvalues",
                       "classification"], rows, left=2):
        say(line)
    say("Where the gradient vanishes, the Hessian's eigenvalues are the curvatures "
        "along its\neigenvectors: all positive, a minimum; all negative, a maximum; "
        "mixed, a saddle (the\ncommon case in the loss landscapes of neural networks). "
        "A zero eigenvalue leaves the\ntest inconclusive: x^4 + y^4 has its minimum at "
        "0, yet a zero Hessian there.")


TOUR_GD_MAXITER = 20_000


def tour_rosenbrock():
    text = "(1 - x)**2 + 100*(y - x**2)**2"
    e = parse(text)
    x0 = [-1.2, 1.0]
    try:
        from dualcalc import optimize
    except ImportError:  # pragma: no cover - only while the solvers are absent
        return {"title": "Gradient descent and Newton's method on Rosenbrock's function",
                "function": text, "runs": None}
    runs = []
    for method, options in (("gradient-descent", {"maxiter": TOUR_GD_MAXITER}),
                            ("newton", {})):
        res = optimize.minimize(e, x0, method=method, options=options)
        x = np.asarray(res.x, dtype=float)
        runs.append({"method": method, "success": bool(res.success), "nit": int(res.nit),
                     "x": x, "fun": float(res.fun),
                     "distance": float(np.linalg.norm(x - 1.0))})
    return {"title": "Gradient descent and Newton's method on Rosenbrock's function",
            "function": text, "start": x0, "runs": runs}


def show_rosenbrock(s):
    say(f"f(x, y) = {s['function']}, minimum 0 at (1, 1), from (-1.2, 1):")
    if s["runs"] is None:  # pragma: no cover
        say("  (skipped: dualcalc.optimize is not available)")
        return
    rows = [[r["method"], str(r["nit"]) + ("" if r["success"] else " (stopped)"),
             f"{r['fun']:.3e}", f"{r['distance']:.3e}"] for r in s["runs"]]
    for line in table(["method", "iterations", "f at the end", "distance to (1, 1)"], rows):
        say(line)
    gd, nt = s["runs"]
    say("The valley of this function is long, narrow and curved. Gradient descent only "
        "knows\nthe slope, so it zig-zags and crawls along the valley floor "
        f"({gd['nit']} iterations).\nNewton's method also uses the exact Hessian, "
        "takes the curvature into account and\n"
        f"lands in {nt['nit']} iterations. Exact second derivatives make that step "
        "cheap and reliable.")


def tour_taylor():
    from dualcalc.taylor import taylor, taylor_polynomial
    c = taylor(lambda t: dualcalc.math.exp(t), 0.0, order=10)
    rows = [{"order": k, "polynomial_at_1": float(taylor_polynomial(c[:k + 1], 0.0, 1.0)),
             "error": float(taylor_polynomial(c[:k + 1], 0.0, 1.0)) - math.e}
            for k in (1, 2, 4, 8, 10)]
    return {"title": "Taylor polynomials: derivatives of every order",
            "coefficients": [float(v) for v in c], "rows": rows}


def show_taylor_tour(s):
    say("Taylor mode carries a truncated power series through f: one pass gives "
        "f(x), f'(x)/1!,\nf''(x)/2!, ... at once. For exp at 0 the coefficients are "
        "1/j!, and the Taylor\npolynomials of growing order close in on e = exp(1):")
    for line in table(["order", "polynomial at 1", "error"],
                      [[str(r["order"]), num(r["polynomial_at_1"]), f"{r['error']:.2e}"]
                       for r in s["rows"]], left=2):
        say(line)
    say("Try: dualcalc taylor \"log(1+x)\" --at x=0 --order 8")


def tour_integrals():
    from dualcalc.integrate import Normal, expectation, quad
    mu, sigma = 0.5, 1.5
    ex2 = expectation(lambda x: x ** 2, Normal(mu, sigma))
    prob, err = quad(lambda x: np.exp(-x ** 2 / 2) / np.sqrt(2 * np.pi), -1.0, 1.0)

    def area(p):                       # integral of exp(-a t) from 0 to b
        return quad(lambda t: np.exp(-p[0] * t), 0.0, p[1])[0]

    g = dualcalc.gradient(area, [1.0, 2.0])
    return {"title": "Integrals and their derivatives",
            "expectation": float(ex2), "expectation_exact": mu ** 2 + sigma ** 2,
            "probability": float(prob), "abserr": float(err),
            "gradient": [float(v) for v in g],
            "gradient_exact": [-(1 - 3 * math.exp(-2.0)), math.exp(-2.0)]}


def show_integrals(s):
    say(f"E[X^2] for X ~ Normal(0.5, 1.5) by Gauss-Hermite: {num(s['expectation'])} "
        f"(mu^2 + sigma^2 = {num(s['expectation_exact'])})")
    say(f"P(-1 < Z < 1) for a standard normal Z by adaptive quadrature: "
        f"{num(s['probability'])}")
    say("F(a, b) = integral of exp(-a t) for t from 0 to b; its gradient, exact "
        "through the\nquadrature (the limit by the fundamental theorem of calculus):")
    say(f"  dF/da = {num(s['gradient'][0])}   (exact {num(s['gradient_exact'][0])})")
    say(f"  dF/db = {num(s['gradient'][1])}   (exact exp(-2) = {num(s['gradient_exact'][1])})")
    say('Try: dualcalc integrate "exp(-p*x^2)" --from 0 --to inf --wrt p=1')


TOUR = [
    (tour_difference_quotient, show_difference_quotient),
    (tour_polynomial, show_polynomial),
    (tour_partials, show_partials),
    (tour_gradient, show_gradient_tour),
    (tour_chain_rule, show_chain_rule),
    (tour_jacobian, show_jacobian_tour),
    (tour_hessians, show_hessians),
    (tour_rosenbrock, show_rosenbrock),
    (tour_taylor, show_taylor_tour),
    (tour_integrals, show_integrals),
]


def run_tour(as_json):
    sections = []
    if not as_json:
        say(TOUR_INTRO)
    for i, (compute, show) in enumerate(TOUR, 1):
        s = compute()
        sections.append(s)
        if not as_json:
            title = f"{i}. {s['title']}"
            say(title)
            say("-" * len(title))
            show(s)
            say()
    if not as_json:
        say("Try it yourself: dualcalc derivative \"sin(3*x**2 + 2)\" --at x=0.5, "
            "dualcalc hessian\n\"x**3 - 3*x + y**2\" --at x=1,y=0, or dualcalc --help.")
    return {"command": "tour", "sections": sections}


# ---------------------------------------------------------------- taylor, integrate
def compute_taylor(args):
    from dualcalc.taylor import taylor_command
    if args.order < 0:
        raise CliError("--order must be 0 or more")
    at = ",".join(args.at) if args.at else None
    if at is None:
        raise CliError("give the point with --at, as in --at x=0")
    if "=" not in at:                           # --at 0: the one variable's value
        at = parse_constant(at.strip(), "--at value")
    orders = None
    if args.orders:
        try:
            orders = [int(o) for o in args.orders.split(",") if o.strip()]
        except ValueError:
            raise CliError("--orders takes whole numbers separated by commas, as in "
                           "--orders 1,2,4") from None
    r = taylor_command(args.expression, at, args.order, plot=args.plot, orders=orders,
                       span=args.span)
    return dict(r, command="taylor")


def show_taylor(r):
    say(r["text"])
    if r.get("plot"):
        say(f"wrote {r['plot']}")


def compute_integrate(args):
    from dualcalc.integrate import integrate_command
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = integrate_command(args.expression, args.lower, args.upper, var=args.var,
                              wrt=",".join(args.wrt or []), epsabs=args.epsabs,
                              epsrel=args.epsrel, limit=args.limit, order=args.order)
    r = dict(r, command="integrate")
    problems = [str(w.message) for w in caught
                if w.category.__name__ == "IntegrationWarning"]
    r["warnings"] = problems
    r["success"] = not problems
    return r


def show_integrate(r):
    say(f"integral of {r['expression']} d{r['variable']} from {r['lower']} to {r['upper']}")
    say(f"  value          {num(r['value'])}")
    say(f"  error estimate {num(r['abserr'])}")
    names = r.get("parameters") or []
    if "gradient" in r and names:
        for name, g in zip(names, r["gradient"]):
            say(f"  d/d{name:<12s} {num(g)}")
    if "hessian" in r and names:
        say("  Hessian in (" + ", ".join(names) + "):")
        for row in r["hessian"]:
            say("    " + "  ".join(num(v) for v in row))
    for w in r.get("warnings", []):
        say(f"  warning: {w.replace('limit=', '--limit ')}")


# ---------------------------------------------------------------- the parser
def _functions_help():
    names = sorted(FUNCTIONS)
    lines, line = [], " "
    for n in names:
        if len(line) + len(n) + 2 > 78:
            lines.append(line)
            line = " "
        line += " " + n
    lines.append(line)
    return "\n".join(lines)


def _aliases_help():
    import textwrap
    text = "also by their other names: " + ", ".join(
        f"{a} = {f}" for a, f in sorted(ALIASES.items())) + "."
    return textwrap.indent(textwrap.fill(text, 76), "  ")


GRAMMAR = f"""\
expressions:
  Python syntax for numbers, variables, the constants pi and e, + - * / **,
  unary signs, parentheses and calls to these functions (of dualcalc.math):
{_functions_help()}
{_aliases_help()}
  ';' separates the components of a vector function ("x**2 + y**2 - 4; x - y").
  Written as on paper, too: ^ is a power (x^2, e^x), a product may be implicit
  after a number or a closing parenthesis (2x, 2(x+1), (x+1)(x-1), 3 sin(x)),
  and the characters \u00b2 \u00b3 (superscripts), \u03c0, \u00b7, \u00d7, \u00f7 and \u2212 mean **2, **3,
  pi, *, *, / and -. Two names side by side (x y) are refused: write x*y.
  The expression is shown back as it was read.
  Variables are the other names, sorted (x2 before x10) unless --vars gives the
  order. Values in --at may be constant expressions (--at x=pi/4); a function
  of one variable takes a bare value (--at 3); several --at are merged.
  Limits: {MAX_LENGTH} characters, nesting depth {MAX_DEPTH}, constant exponents
  up to {MAX_EXPONENT} in magnitude. The text is parsed, never eval'ed.
"""

EXAMPLES = {
    "derivative": 'dualcalc derivative "sin(3x^2 + 2)" --at 0.5 --order 2',
    "gradient": 'dualcalc gradient "x^2 y + 3y^2" --at x=1,y=2',
    "jacobian": 'dualcalc jacobian "x1^2*x2; 5x1 + sin(x2)" --at x1=1,x2=2',
    "hessian": 'dualcalc hessian "x^3 - 3x + y^2" --at x=1,y=0',
    "minimize": 'dualcalc minimize "(1-x)^2 + 100(y-x^2)^2" --at x=-1.2,y=1',
    "root": 'dualcalc root "x^2 + y^2 - 4; x - y" --at x=1,y=0',
    "plot": 'dualcalc plot "sin(3x^2 + 2)" --range -2:2 -o plot.png',
    "taylor": 'dualcalc taylor "exp(x)" --at x=0 --order 8 --plot taylor.png',
    "integrate": 'dualcalc integrate "exp(-p*x^2)" --from 0 --to inf --wrt p=1',
    "tour": "dualcalc tour",
}

EPILOG = GRAMMAR + """
exit status: 0 done, 1 no answer (a solver did not converge, or minimize stopped
at a point that is not a minimum), 2 an error.
--json prints floats as numbers, and inf, -inf and nan as strings.
'dualcalc help COMMAND' (or 'dualcalc COMMAND --help') shows one command's options.

examples:
""" + "".join(f"  {e}\n" for e in EXAMPLES.values())


def _command_epilog(name):
    lines = []
    if name != "tour":
        lines.append("the expression language: dualcalc help expressions")
    lines.append("exit status: 0 done, 1 no answer, 2 an error")
    lines.append(f"example:\n  {EXAMPLES[name]}")
    return "\n".join(lines)


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter,
                     argparse.RawDescriptionHelpFormatter):
    """Options with their defaults (those that have one), epilog as written."""

    def _get_help_string(self, action):
        if action.default in (None, False) or "(default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="dualcalc", allow_abbrev=False, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Exact derivatives of expressions with dual numbers: differentiate, "
                    "classify critical points, minimise, solve, plot, and a guided tour.")
    parser.add_argument("--version", action="version", version=f"dualcalc {dualcalc.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="command", required=True)

    def command(name, help, expression=True, at=True):
        p = sub.add_parser(name, help=help, description=help, allow_abbrev=False,
                           epilog=_command_epilog(name), formatter_class=_HelpFormatter)
        if expression:
            p.add_argument("expression", help="the expression, in quotes")
            p.add_argument("--vars", metavar="NAMES",
                           help="the variables in order, comma-separated (default: the "
                                "names in the expression, sorted)")
        if at:
            p.add_argument("--at", metavar="NAME=VALUE,...", action="append",
                           help="the point, as in --at x=1,y=pi/2 (or --at 3 for one "
                                "variable); may be repeated")
        p.add_argument("--json", action="store_true", help="print the result as JSON")
        return p

    p = command("derivative", "f(x) and its derivative of order 1 or 2")
    p.add_argument("--order", type=int, choices=(1, 2), default=1,
                   help="the order of the derivative")
    command("gradient", "f and its gradient (all partial derivatives)")
    command("jacobian", "the Jacobian of a vector function (components separated by ';')")
    p = command("hessian", "the Hessian, its eigenvalues and the classification of the point")
    p.add_argument("--tol", type=float, default=GRAD_TOL,
                   help="the gradient vanishes when every |df/dx_i| <= TOL")
    p = command("minimize", "minimise f from a starting point, with a live iteration table")
    p.add_argument("--method", choices=METHODS, default="newton",
                   help="the solver: " + ", ".join(METHODS))
    p.add_argument("--max-iter", type=int, metavar="N",
                   help="the most iterations (default: 200 per variable for newton and "
                        "newton-cg, 10000 for the first-order methods)")
    p.add_argument("--learning-rate", type=float, metavar="LR",
                   help="the step size of the first-order methods (default: the "
                        "method's own)")
    p.add_argument("--tol", type=float,
                   help="the convergence tolerance on the gradient (default: the "
                        "method's own)")
    p = command("root", "solve f(x) = 0 (one equation per variable, separated by ';')")
    p.add_argument("--method", choices=ROOT_METHODS, default="newton", help="the solver")
    p.add_argument("--max-iter", type=int, metavar="N",
                   help="the most iterations (default: 100 per variable, plus 100)")
    p.add_argument("--tol", type=float,
                   help="the convergence tolerance on the residual (default: the "
                        "solver's own)")
    p = command("plot", "plot f, f' and f'' over a range (needs matplotlib)", at=False)
    p.add_argument("--range", required=True, metavar="START:STOP",
                   help="the interval, as in --range -2:2 or --range=-pi:pi")
    p.add_argument("--points", type=int, default=401, help="samples")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the figure to FILE (.png, .pdf, .svg); without it, "
                        "show it in a window")
    p = command("taylor", "the Taylor coefficients f^(j)(x)/j! up to any order")
    p.add_argument("--order", type=int, default=6, help="the highest order")
    p.add_argument("--plot", metavar="FILE",
                   help="draw f and its Taylor polynomials into FILE (needs matplotlib)")
    p.add_argument("--orders", metavar="K,...",
                   help="the orders drawn (default: 1, 2, 4 and --order)")
    p.add_argument("--span", type=float, metavar="H",
                   help="half-width of the plotted interval (default: 2)")
    p = command("integrate", "a definite integral, its error estimate and its derivatives "
                             "in the parameters", at=False)
    p.add_argument("--from", dest="lower", required=True, metavar="A",
                   help="the lower limit: a number, -inf, or an expression in the "
                        "parameters")
    p.add_argument("--to", dest="upper", required=True, metavar="B",
                   help="the upper limit: a number, inf, or an expression in the "
                        "parameters")
    p.add_argument("--var", metavar="NAME",
                   help="the integration variable (default: x, or the only variable)")
    p.add_argument("--wrt", metavar="NAME=VALUE,...", action="append",
                   help="the parameters' values; derivatives are taken in each of them")
    p.add_argument("--order", type=int, choices=(0, 1, 2), default=1,
                   help="0: the value; 1: and the gradient; 2: and the Hessian")
    p.add_argument("--epsabs", type=float, default=1.49e-8, help="absolute tolerance")
    p.add_argument("--epsrel", type=float, default=1.49e-8, help="relative tolerance")
    p.add_argument("--limit", type=int, default=50, help="the most subintervals")
    command("tour", "worked examples of calculus for machine learning, computed live",
            expression=False, at=False)
    p = sub.add_parser("help", help="the expression language, or one command's options",
                       description="dualcalc help: the main help; dualcalc help "
                                   "expressions: the expression language; dualcalc help "
                                   "COMMAND: that command's options.",
                       allow_abbrev=False)
    p.add_argument("topic", nargs="?", help="expressions, or a command's name")
    return parser


def show_help(parser, topic):
    """``dualcalc help [topic]``: returns the exit status."""
    if topic is None:
        parser.print_help()
        return 0
    if topic in ("expressions", "expression", "grammar", "syntax"):
        say(GRAMMAR.rstrip())
        return 0
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if topic in sub.choices:
        sub.choices[topic].print_help()
        return 0
    raise CliError(f"no help on {topic!r}: try 'dualcalc help expressions' or "
                   f"'dualcalc help COMMAND' with one of: {', '.join(sub.choices)}")


_OPTION_LIKE = re.compile(r"--?[A-Za-z][A-Za-z0-9-]*\Z")


def protect_negatives(argv, parser):
    """Let an expression or a value start with '-' (``dualcalc derivative
    "-x**2" --at x=1``, ``--range -2:2``): a token that starts with '-' but is
    not one of the options is given a leading space, which argparse does not
    read as an option and which the expression parser ignores."""
    options = set()
    for action in parser._actions:
        options.update(action.option_strings)
        choices = getattr(action, "choices", None)
        if isinstance(choices, dict):
            for p in choices.values():
                for a in p._actions:
                    options.update(a.option_strings)
    out = []
    rest = False
    for tok in argv:
        if rest or tok == "--":
            rest = True
        elif tok.startswith("-") and tok != "-":
            head = tok.split("=", 1)[0]
            known = head in options or (not tok.startswith("--") and tok[:2] in options)
            # An unknown --word is left for argparse to report; anything else
            # ("-x", "-2:2", "-x**2") is an expression or a value.
            if not known and not (tok.startswith("--") and _OPTION_LIKE.match(head)):
                tok = " " + tok
        out.append(tok)
    return out


COMMANDS = {
    "derivative": (compute_derivative, show_derivative),
    "gradient": (compute_gradient, show_gradient),
    "jacobian": (compute_jacobian, show_jacobian),
    "hessian": (compute_hessian, show_hessian),
    "minimize": (compute_minimize, show_minimize),
    "root": (compute_root, show_root),
    "plot": (compute_plot, show_plot),
    "taylor": (compute_taylor, show_taylor),
    "integrate": (compute_integrate, show_integrate),
}


def run(args):
    """Run one parsed command; returns the exit status."""
    if args.command == "tour":
        result = run_tour(args.json)
    elif args.command in ("minimize", "root"):
        compute, show = COMMANDS[args.command]
        result = compute(args, live=not args.json)
        if not args.json:
            show(result)
    elif args.command == "plot":
        result = compute_plot(args)
        if args.output or not args.json:
            draw(result, show=not args.output)
            if args.output and not args.json:
                show_plot(result)
    else:
        compute, show = COMMANDS[args.command]
        result = compute(args)
        if not args.json:
            show(result)
    if args.json:
        result = {k: v for k, v in result.items() if not k.startswith("_")}
        print(json.dumps(jnum(result), indent=2))
    ok = result.get("success", True) and result.get("minimum", True)
    return 0 if ok else 1


def _fail(args, message, error=None):
    if args is not None and getattr(args, "json", False):
        payload = {"error": error.to_dict() if isinstance(error, ExprError)
                   else {"message": message}}
        print(json.dumps(payload, indent=2))
    else:
        print(f"dualcalc: error: {message}", file=sys.stderr)
    return 2


def main(argv=None):
    """The console script: ``dualcalc <command> ...``; returns the exit status."""
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = None
    try:
        args = parser.parse_args(protect_negatives(argv, parser))
        if args.command == "help":
            return show_help(parser, args.topic)
        with np.errstate(all="ignore"):
            return run(args)
    except ExprError as exc:
        return _fail(args, str(exc), exc)
    except CliError as exc:
        return _fail(args, str(exc))
    except dualcalc.NestingError as exc:  # pragma: no cover - not reachable from text
        return _fail(args, str(exc))
    except ValueError as exc:
        return _fail(args, str(exc))
    except ArithmeticError as exc:
        return _fail(args, f"{type(exc).__name__}: {exc}")
    except (RecursionError, MemoryError):
        return _fail(args, "the computation is too large")
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `dualcalc tour | head`: the reader has gone; stop quietly.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:  # pragma: no cover
            pass
        return 0
