"""Bounds and constraints: a primal-dual interior-point Newton method on
exact derivatives.

Design: the problem

    minimise f(x)  subject to  h(x) = 0,  g(x) >= 0,  lb <= x <= ub

(scipy's conventions: ``{"type": "eq" | "ineq", "fun", "jac"?, "args"?}``
dicts, objects with ``A, lb, ub`` (LinearConstraint) or ``fun, lb, ub``
(NonlinearConstraint), bounds as pairs or an object with ``lb, ub``; all
duck-typed, scipy is never imported) is normalised by `_Constraints` into
one vector of equalities, one of inequalities and two bound vectors.  The
inequalities get slacks s = g(x) > 0 and the bounds log barriers, and
`_interior_point` takes Newton steps on the primal-dual equations of the
barrier problem (Nocedal & Wright, ch. 19; the choices below follow IPOPT,
Wachter & Biegler 2006, in a much smaller form):

* the Newton matrix holds the exact Hessian of the Lagrangian
  W = H_f - sum_i y_i H_{c_i}, plus the barrier terms; the slacks and the
  bound multipliers are eliminated, leaving one dense symmetric system of
  size n + (number of equalities), solved directly; W is shifted by a
  multiple of the identity when the reduced block is not positive definite
  (the step is then a descent direction for the merit function);
* steps keep x, s and the multipliers strictly inside their bounds
  (fraction to the boundary, tau = max(0.99, 1 - mu)), and an l1 merit
  function with backtracking decides their length;
* the barrier parameter follows IPOPT's monotone rule: mu is multiplied by
  0.2 (or raised to the power 1.5) once the barrier problem is solved to
  10 mu;
* it stops when the dual residual (scaled as in IPOPT), the constraint
  violation and every complementarity product are below tol, and the
  duality gap (the sum of the complementarity products) is below
  tol (1 + |f|): so f is within about tol (1 + |f|) of the optimum of a
  convex problem, however many bounds there are.

Why interior point rather than SQP or an augmented Lagrangian: the number
of Newton iterations of an interior-point method hardly depends on how many
bounds are active at the solution, while an active-set SQP changes the
active set by a few constraints per iteration.  In the SVM dual, the
example of the course, most of the m multipliers end at a bound (0 or C),
so active-set iterations would grow with m; the interior-point method takes
a few dozen at m = 569.  And every iteration is one Newton step with the
exact Hessian, which is what dualcalc gives.

Hessians: the exact Hessian of f costs O(n^2) forward passes.  It is
evaluated at the first iterate and re-evaluated whenever an exact
Hessian-vector product at the current point, along a random direction,
differs from the stored Hessian's product (relative 1e-8): with probability
one the stored matrix then equals the current Hessian up to that
tolerance, and for a quadratic objective (the SVM dual) one Hessian serves
all iterations.  The answer never rests on the stored matrix: every
stopping test uses exact gradients.  ``options={"hessian": "always"}``
re-evaluates it every iteration.  The constraints' Hessians are probed the
same way for being zero (linear constraints cost nothing) and otherwise
evaluated exactly each iteration.
"""
import math

import numpy as np

from dualcalc import derivatives as D
from dualcalc.optimize._result import (
    CALLBACK_STOP, KKT_CONVERGED, MAXITER, NONFINITE, PRECISION_LOSS, Monitor, check_options)

__all__ = ["standardize_bounds", "standardize_constraints", "minimize_interior_point"]

_EPS = np.finfo(float).eps
_IP_OPTIONS = ("maxiter", "gtol", "disp", "return_history", "initial_barrier_parameter",
               "hessian")


# ---------------------------------------------------------------- scipy's forms
def standardize_bounds(bounds, n):
    """(lb, ub) float arrays of shape (n,) from a sequence of n pairs (None
    for no bound) or an object with ``lb`` and ``ub`` (scipy.optimize.Bounds;
    scalars broadcast).  ValueError for the wrong length or lb > ub.

    Examples
    --------
    >>> lb, ub = standardize_bounds([(0, None), (-1, 1)], 2)
    >>> lb.tolist(), ub.tolist()
    ([0.0, -1.0], [inf, 1.0])
    """
    if bounds is None:
        return np.full(n, -np.inf), np.full(n, np.inf)
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):
        try:
            lb = np.broadcast_to(np.asarray(bounds.lb, dtype=float), (n,)).copy()
            ub = np.broadcast_to(np.asarray(bounds.ub, dtype=float), (n,)).copy()
        except ValueError:
            raise ValueError(f"bounds.lb and bounds.ub must be scalars or have x0's length "
                             f"{n}") from None
    else:
        try:
            pairs = list(bounds)
        except TypeError:
            raise TypeError("bounds must be a sequence of (min, max) pairs or an object "
                            "with .lb and .ub (scipy.optimize.Bounds)") from None
        if len(pairs) != n:
            raise ValueError(f"bounds has {len(pairs)} pairs for {n} variables; give one "
                             "(min, max) pair per variable (None for no bound)")
        lb, ub = np.empty(n), np.empty(n)
        for i, pair in enumerate(pairs):
            try:
                lo, hi = pair
            except (TypeError, ValueError):
                raise ValueError(f"bounds[{i}] = {pair!r} is not a (min, max) pair") from None
            lb[i] = -np.inf if lo is None else float(lo)
            ub[i] = np.inf if hi is None else float(hi)
    if np.any(np.isnan(lb)) or np.any(np.isnan(ub)):
        raise ValueError("bounds must not be nan (use None or +-inf for no bound)")
    bad = np.flatnonzero(lb > ub)
    if bad.size:
        raise ValueError(f"lower bound above upper bound for variables {bad.tolist()}")
    return lb, ub


class _Constraints:
    """Every constraint as rows of h(x) = 0 and g(x) >= 0.

    ``linear`` rows are (A, b) with h = A x - b or g = A x - b; ``nonlinear``
    rows come from one function of x (the user's functions, shifted and
    signed), with their Jacobian from dualcalc (or the user's ``jac``)."""

    def __init__(self, n):
        self.n = n
        self.eq_A, self.eq_b, self.in_A, self.in_b = [], [], [], []
        self.eq_fun, self.in_fun = [], []       # (callable, args, jac, sign, shift, rows)
        self.blocks = []                        # per user constraint: (kind, slices) for .v

    # -- building
    def add_linear(self, A, lb, ub):
        A = np.atleast_2d(np.asarray(A, dtype=float))
        if A.shape[1] != self.n:
            raise ValueError(f"LinearConstraint.A has {A.shape[1]} columns for {self.n} "
                             "variables")
        m = A.shape[0]
        lb = np.broadcast_to(np.asarray(lb, dtype=float), (m,))
        ub = np.broadcast_to(np.asarray(ub, dtype=float), (m,))
        rows = []
        for i in range(m):
            if lb[i] > ub[i]:
                raise ValueError(f"constraint row {i}: lb > ub")
            if lb[i] == ub[i]:
                rows.append(("eq", len(self.eq_b), 1.0))
                self.eq_A.append(A[i]); self.eq_b.append(lb[i])
                continue
            if np.isfinite(lb[i]):
                rows.append(("ineq", len(self.in_b), 1.0))
                self.in_A.append(A[i]); self.in_b.append(lb[i])
            if np.isfinite(ub[i]):
                rows.append(("ineq", len(self.in_b), -1.0))
                self.in_A.append(-A[i]); self.in_b.append(-ub[i])
        self.blocks.append(("linear", rows))

    def add_function(self, fun, args, jac, kind, lb=None, ub=None):
        if not callable(fun):
            raise TypeError("a constraint's 'fun' must be callable, called as fun(x, *args)")
        self.blocks.append((kind, fun, args, jac, lb, ub))

    def finish(self, x0):
        """Evaluate the function constraints at x0 to learn their sizes."""
        self.eq_A = np.array(self.eq_A).reshape(-1, self.n)
        self.eq_b = np.array(self.eq_b, dtype=float)
        self.in_A = np.array(self.in_A).reshape(-1, self.n)
        self.in_b = np.array(self.in_b, dtype=float)
        self.pieces = []          # (fun, args, jac, target, sign, shift, idx) for h/g rows
        n_eq, n_in = len(self.eq_b), len(self.in_b)
        self.multiplier_map = []
        for block in self.blocks:
            if block[0] == "linear":
                self.multiplier_map.append([(t, i, s) for t, i, s in block[1]])
                continue
            kind, fun, args, jac, lb, ub = block
            with np.errstate(all="ignore"):
                v = np.atleast_1d(np.asarray(fun(x0.copy(), *args), dtype=float))
            if v.ndim != 1:
                raise ValueError("a constraint function must return a number or a 1-D array")
            m = v.size
            rows = []
            if kind in ("eq", "ineq"):       # scipy's dict form: fun(x) = 0 or >= 0
                target = "eq" if kind == "eq" else "ineq"
                start = n_eq if target == "eq" else n_in
                self.pieces.append((fun, args, jac, target, 1.0, np.zeros(m), start))
                rows = [(target, start + i, 1.0) for i in range(m)]
                if target == "eq":
                    n_eq += m
                else:
                    n_in += m
            else:                            # NonlinearConstraint: lb <= fun(x) <= ub
                lb = np.broadcast_to(np.asarray(lb, dtype=float), (m,))
                ub = np.broadcast_to(np.asarray(ub, dtype=float), (m,))
                if np.any(lb > ub):
                    raise ValueError("NonlinearConstraint with lb > ub")
                eq = lb == ub
                lo = np.isfinite(lb) & ~eq
                hi = np.isfinite(ub) & ~eq
                for target, mask, sign, shift in (("eq", eq, 1.0, lb), ("ineq", lo, 1.0, lb),
                                                  ("ineq", hi, -1.0, ub)):
                    idx = np.flatnonzero(mask)
                    if idx.size == 0:
                        continue
                    start = n_eq if target == "eq" else n_in
                    self.pieces.append((fun, args, jac, target, sign, shift, start, idx))
                    rows += [(target, start + k, sign) for k in range(idx.size)]
                    if target == "eq":
                        n_eq += idx.size
                    else:
                        n_in += idx.size
            self.multiplier_map.append(rows)
        self.n_eq, self.n_in = n_eq, n_in
        self.nonlinear = bool(self.pieces)
        return self

    # -- evaluation
    def _piece(self, piece, x):
        fun, args, jac = piece[0], piece[1], piece[2]
        sign, shift = piece[4], piece[5]
        idx = piece[7] if len(piece) > 7 else None
        g = lambda z: np.atleast_1d(fun(z, *args))
        if jac is not None and callable(jac):
            v = np.atleast_1d(np.asarray(fun(x.copy(), *args), dtype=float))
            J = np.atleast_2d(np.asarray(jac(x.copy(), *args), dtype=float))
        else:
            v, J = D.value_and_jacobian(g, x)
            v, J = np.atleast_1d(v), np.atleast_2d(J)
        if idx is not None:
            v, J, shift = v[idx], J[idx], shift[idx]
        return sign * (v - shift), sign * J

    def values_jacobians(self, x):
        """h, J_h, g, J_g at x (float arrays)."""
        n = self.n
        h = np.empty(self.n_eq); Jh = np.empty((self.n_eq, n))
        g = np.empty(self.n_in); Jg = np.empty((self.n_in, n))
        k = len(self.eq_b)
        h[:k] = self.eq_A @ x - self.eq_b; Jh[:k] = self.eq_A
        k = len(self.in_b)
        g[:k] = self.in_A @ x - self.in_b; Jg[:k] = self.in_A
        for piece in self.pieces:
            v, J = self._piece(piece, x)
            start, m = piece[6], v.size
            if piece[3] == "eq":
                h[start:start + m], Jh[start:start + m] = v, J
            else:
                g[start:start + m], Jg[start:start + m] = v, J
        return h, Jh, g, Jg

    def values(self, x):
        h = np.empty(self.n_eq); g = np.empty(self.n_in)
        k = len(self.eq_b)
        h[:k] = self.eq_A @ x - self.eq_b
        k = len(self.in_b)
        g[:k] = self.in_A @ x - self.in_b
        for piece in self.pieces:
            fun, args, _, target, sign, shift, start = piece[:7]
            with np.errstate(all="ignore"):
                v = np.atleast_1d(np.asarray(fun(x.copy(), *args), dtype=float))
            if len(piece) > 7:
                v, shift = v[piece[7]], shift[piece[7]]
            v = sign * (v - shift)
            (h if target == "eq" else g)[start:start + v.size] = v
        return h, g

    def weighted(self, yh, yg):
        """The function x -> yh.h(x) + yg.g(x) over the nonlinear rows only
        (the linear rows have no curvature)."""
        def fn(x):
            total = 0.0
            for piece in self.pieces:
                fun, args, _, target, sign, shift, start = piece[:7]
                v = fun(x, *args)
                v = v if np.ndim(v) else [v]
                idx = piece[7] if len(piece) > 7 else range(len(v))
                w = yh if target == "eq" else yg
                for k, i in enumerate(idx):
                    total = total + (sign * w[start + k]) * v[i]
            return total
        return fn

    def split_multipliers(self, yh, yg):
        """One array of multipliers per user constraint, in the user's order
        (scipy's trust-constr ``v``), signed for fun(x) rows."""
        out = []
        for rows in self.multiplier_map:
            out.append(np.array([(yh if t == "eq" else yg)[i] * s for t, i, s in rows]))
        return out


def standardize_constraints(constraints, n):
    """A `_Constraints` from scipy's forms (one or a sequence of: dicts
    ``{"type": "eq" | "ineq", "fun", "jac"?, "args"?}``, objects with ``A,
    lb, ub`` or ``fun, lb, ub``)."""
    cons = _Constraints(n)
    if constraints is None:
        return cons
    if isinstance(constraints, dict) or hasattr(constraints, "lb"):
        constraints = [constraints]
    for k, c in enumerate(constraints):
        if isinstance(c, dict):
            unknown = set(c) - {"type", "fun", "jac", "args"}
            if unknown:
                raise ValueError(f"constraint {k}: unknown key(s) {sorted(unknown)}; a dict "
                                 "constraint has 'type', 'fun' and optionally 'jac', 'args'")
            kind = str(c.get("type", "")).lower()
            if kind not in ("eq", "ineq"):
                raise ValueError(f"constraint {k}: 'type' must be 'eq' or 'ineq', got "
                                 f"{c.get('type')!r}")
            if "fun" not in c:
                raise ValueError(f"constraint {k}: a dict constraint needs 'fun'")
            args = c.get("args", ())
            cons.add_function(c["fun"], args if isinstance(args, tuple) else (args,),
                              c.get("jac"), kind)
        elif hasattr(c, "A") and hasattr(c, "lb") and hasattr(c, "ub"):
            cons.add_linear(c.A, c.lb, c.ub)
        elif hasattr(c, "fun") and hasattr(c, "lb") and hasattr(c, "ub"):
            jac = getattr(c, "jac", None)
            cons.add_function(c.fun, (), jac if callable(jac) else None, "range", c.lb, c.ub)
        else:
            raise TypeError(f"constraint {k} ({type(c).__name__}) is not a dict, a "
                            "LinearConstraint (A, lb, ub) or a NonlinearConstraint "
                            "(fun, lb, ub)")
    return cons


# ---------------------------------------------------------------- Hessians
class _ProbedHessian:
    """The exact Hessian of one scalar function, re-evaluated only when an
    exact Hessian-vector product along a random direction shows that it
    changed (see the module docstring)."""

    def __init__(self, fun, always, rng):
        self.fun, self.always, self.rng = fun, always, rng
        self.H = None
        self.evaluations = self.products = 0

    def __call__(self, x):
        if self.H is not None and not self.always:
            v = self.rng.standard_normal(x.size)
            w = D.hvp(self.fun, x, v)
            self.products += 1
            Hv = self.H @ v
            scale = max(float(np.max(np.abs(Hv))), float(np.max(np.abs(w))), 1e-300)
            if np.all(np.isfinite(w)) and float(np.max(np.abs(w - Hv))) <= 1e-8 * scale:
                return self.H
        self.H = np.asarray(D.hessian(self.fun, x), dtype=float)
        self.evaluations += 1
        return self.H


def _constraint_curvature(cons, yh, yg, x, rng, always):
    """sum_i y_i H_{c_i}(x) for the nonlinear rows, or None when it is zero
    (probed by one Hessian-vector product along a random direction)."""
    if not cons.nonlinear:
        return None, 0, 0
    fn = cons.weighted(yh, yg)
    if not always:
        v = rng.standard_normal(x.size)
        w = D.hvp(fn, x, v)
        if np.all(w == 0):
            return None, 0, 1
    return np.asarray(D.hessian(fn, x), dtype=float), 1, 1


# ---------------------------------------------------------------- the solver
def _fraction_to_boundary(v, dv, tau):
    """Largest alpha in (0, 1] with v + alpha dv >= (1 - tau) v (v > 0)."""
    neg = dv < 0
    if not np.any(neg):
        return 1.0
    return float(min(1.0, np.min(-tau * v[neg] / dv[neg])))


def minimize_interior_point(obj, x, callback, tol, options, lb, ub, cons):
    """Primal-dual interior-point Newton method; see the module docstring."""
    from dualcalc.optimize._minimize import _finite, _result
    opts = check_options(options, _IP_OPTIONS, "interior-point")
    n = x.size
    maxiter = opts.get("maxiter")
    maxiter = 1000 if maxiter is None else maxiter
    gtol = float(opts.get("gtol", 1e-8 if tol is None else tol))
    if not gtol > 0:
        raise ValueError("the interior-point method needs a positive tol (gtol)")
    mu = float(opts.get("initial_barrier_parameter", 0.1))
    if not mu > 0:
        raise ValueError("initial_barrier_parameter must be positive")
    hess_mode = opts.get("hessian", "probe")
    if hess_mode not in ("probe", "always"):
        raise ValueError("option 'hessian' must be 'probe' or 'always'")
    always = hess_mode == "always"
    rng = np.random.default_rng(20220101)
    mon = Monitor(callback, opts.get("disp"), opts.get("return_history"))

    L, U = np.isfinite(lb), np.isfinite(ub)
    # start strictly inside the bounds (IPOPT's push, kappa = 1e-2)
    push_l = 1e-2 * np.maximum(1.0, np.abs(np.where(L, lb, 0.0)))
    push_u = 1e-2 * np.maximum(1.0, np.abs(np.where(U, ub, 0.0)))
    both = L & U
    width = np.where(both, ub - lb, np.inf)
    push_l = np.where(both, np.minimum(push_l, 0.5 * width), push_l)
    push_u = np.where(both, np.minimum(push_u, 0.5 * width), push_u)
    if np.any(both & (width == 0)):
        raise ValueError("a variable with equal lower and upper bounds: fix it outside the "
                         "problem (or use an equality constraint)")
    x = np.where(L, np.maximum(x, lb + push_l), x)
    x = np.where(U, np.minimum(x, ub - push_u), x)

    fH = _ProbedHessian(lambda z, *a: obj.fun(z, *obj.args), always, rng)

    def evaluate(x):
        f, g = obj.value_grad(x)
        if not _finite(f, g):
            return None
        h, Jh, c, Jc = cons.values_jacobians(x)
        if not _finite(h, Jh, c, Jc):
            return None
        return f, g, h, Jh, c, Jc

    ev = evaluate(x)
    if ev is None:
        return _result(obj, x, math.inf, None, 0, NONFINITE, mon)
    f, g, h, Jh, c, Jc = ev
    s = np.maximum(c, 1e-2 * np.maximum(1.0, np.abs(c)))
    dl = np.where(L, x - lb, 1.0)
    du = np.where(U, ub - x, 1.0)
    zl = np.where(L, mu / dl, 0.0)
    zu = np.where(U, mu / du, 0.0)
    yg = mu / s if s.size else s
    # equality multipliers: least squares on the dual residual
    if cons.n_eq:
        r = g - Jc.T @ yg - zl + zu
        yh = np.linalg.lstsq(Jh.T, r, rcond=None)[0]
        if np.max(np.abs(yh)) > 1e3:
            yh = np.zeros(cons.n_eq)
    else:
        yh = np.zeros(0)
    nu = 1.0                      # merit penalty

    def errors(mu_):
        rd = g - Jh.T @ yh - Jc.T @ yg - zl + zu
        comp = np.concatenate([(dl * zl - mu_)[L], (du * zu - mu_)[U], s * yg - mu_])
        primal = np.concatenate([h, c - s])
        mults = np.concatenate([yh, yg, zl[L], zu[U]])
        count = mults.size
        sd = max(100.0, float(np.sum(np.abs(mults))) / count) / 100.0 if count else 1.0
        zc = np.concatenate([zl[L], zu[U], yg])
        sc = max(100.0, float(np.sum(np.abs(zc))) / zc.size) / 100.0 if zc.size else 1.0
        e_d = float(np.max(np.abs(rd))) / sd if rd.size else 0.0
        e_p = float(np.max(np.abs(primal))) if primal.size else 0.0
        e_c = float(np.max(np.abs(comp))) / sc if comp.size else 0.0
        if mu_ == 0 and comp.size:
            # and the duality gap (the sum of the complementarity products,
            # by which f exceeds the dual bound), relative to 1 + |f|
            e_c = max(e_c, float(np.sum(np.abs(comp))) / (1.0 + abs(f)))
        return max(e_d, e_p, e_c), e_d, e_p

    def merit(x_, s_, f_, h_, c_):
        with np.errstate(divide="ignore", invalid="ignore"):
            bar = -mu * (np.sum(np.log(x_[L] - lb[L])) + np.sum(np.log(ub[U] - x_[U]))
                         + np.sum(np.log(s_)))
        return f_ + bar + nu * (np.sum(np.abs(h_)) + np.sum(np.abs(c_ - s_)))

    E0 = errors(0.0)
    mon.start(f, E0[0])
    nit = 0
    status = MAXITER
    W = None
    delta_w = 0.0
    while True:
        e_all = errors(0.0)
        if e_all[0] <= gtol:
            status = KKT_CONVERGED
            break
        if nit >= maxiter:
            status = MAXITER
            break
        n_comp = int(np.sum(L) + np.sum(U) + s.size)
        mu_min = gtol / 10 * min(1.0, (1.0 + abs(f)) / max(n_comp, 1))
        while errors(mu)[0] <= 10.0 * mu and mu > mu_min:
            mu = max(mu_min, min(0.2 * mu, mu ** 1.5))
        nit += 1
        # ---- Newton matrix: exact Hessian of the Lagrangian + barrier terms
        W = fH(x).copy()
        Wc, ev_c, pr_c = _constraint_curvature(cons, -yh, -yg, x, rng, always)
        obj.nhev += ev_c + pr_c
        if Wc is not None:
            W += Wc
        sig_x = np.where(L, zl / dl, 0.0) + np.where(U, zu / du, 0.0)
        sig_s = yg / s
        Wt = W + np.diag(sig_x) + (Jc.T * sig_s) @ Jc
        # right-hand side (barrier form of the dual residual)
        rx = g - Jh.T @ yh - Jc.T @ yg - np.where(L, mu / dl, 0.0) + np.where(U, mu / du, 0.0)
        rs = yg - mu / s
        rhs_x = -rx - Jc.T @ rs - Jc.T @ (sig_s * (c - s))
        # inertia: make the reduced block positive definite (shift if not)
        shift = 0.0
        while True:
            try:
                np.linalg.cholesky(Wt + shift * np.eye(n))
                break
            except np.linalg.LinAlgError:
                shift = max(1e-4, 8.0 * shift) if shift == 0 else 8.0 * shift
                if delta_w > 0 and shift < delta_w / 3:
                    shift = delta_w / 3
                if shift > 1e40:
                    break
        delta_w = shift
        K = Wt + shift * np.eye(n)
        m_e = cons.n_eq
        if m_e:
            KKT = np.zeros((n + m_e, n + m_e))
            KKT[:n, :n] = K
            KKT[:n, n:] = Jh.T
            KKT[n:, :n] = Jh
            rhs = np.concatenate([rhs_x, -h])
            try:
                sol = np.linalg.solve(KKT, rhs)
            except np.linalg.LinAlgError:
                KKT[n:, n:] = -1e-8 * np.eye(m_e)
                sol = np.linalg.solve(KKT, rhs)
            dx, dyh = sol[:n], -sol[n:]
        else:
            dx = np.linalg.solve(K, rhs_x)
            dyh = np.zeros(0)
        ds = Jc @ dx + (c - s)
        dyg = -rs - sig_s * ds
        dzl = np.where(L, mu / dl - zl - (zl / dl) * dx, 0.0)
        dzu = np.where(U, mu / du - zu + (zu / du) * dx, 0.0)
        if not _finite(dx, dyh, ds, dyg):
            status = NONFINITE
            break
        tau = max(0.99, 1.0 - mu)
        a_pri = min(_fraction_to_boundary(dl[L], dx[L], tau),
                    _fraction_to_boundary(du[U], -dx[U], tau),
                    _fraction_to_boundary(s, ds, tau) if s.size else 1.0)
        a_dual = min(_fraction_to_boundary(zl[L], dzl[L], tau),
                     _fraction_to_boundary(zu[U], dzu[U], tau),
                     _fraction_to_boundary(yg, dyg, tau) if yg.size else 1.0)
        # ---- merit line search (l1 penalty on the constraints)
        ymax = float(np.max(np.abs(np.concatenate([yh + dyh, yg + dyg])))) if (
            yh.size + yg.size) else 0.0
        nu = max(nu, 1.1 * ymax + 1e-2)
        phi0 = merit(x, s, f, h, c)
        with np.errstate(divide="ignore", invalid="ignore"):
            grad_bar_x = g - np.where(L, mu / dl, 0.0) + np.where(U, mu / du, 0.0)
            slope = (float(grad_bar_x @ dx) - mu * float(np.sum(ds / s))
                     - nu * (float(np.sum(np.abs(h))) + float(np.sum(np.abs(c - s)))))
        alpha = a_pri
        accepted = False
        for _ in range(60):
            x_t = x + alpha * dx
            s_t = s + alpha * ds
            f_t = obj.value(x_t)
            if np.isfinite(f_t):
                h_t, c_t = cons.values(x_t)
                phi_t = merit(x_t, s_t, f_t, h_t, c_t)
                if np.isfinite(phi_t) and phi_t <= phi0 + 1e-4 * alpha * min(slope, 0.0) + \
                        10 * _EPS * abs(phi0):
                    accepted = True
                    break
            alpha *= 0.5
            if alpha * float(np.max(np.abs(dx))) <= _EPS * max(1.0, float(np.max(np.abs(x)))) \
                    and alpha * (float(np.max(np.abs(ds))) if ds.size else 0.0) <= _EPS:
                break
        if not accepted:
            status = PRECISION_LOSS
            nit -= 1
            break
        a_d = min(alpha, a_dual) if alpha < a_pri else a_dual
        x_new = x_t
        s_new = np.maximum(s_t, 1e-300) if s_t.size else s_t
        ev = evaluate(x_new)
        if ev is None:
            status = NONFINITE
            break
        x, s = x_new, s_new
        f, g, h, Jh, c, Jc = ev
        yh = yh + alpha * dyh
        yg = yg + a_d * dyg
        zl = zl + a_d * dzl
        zu = zu + a_d * dzu
        dl = np.where(L, x - lb, 1.0)
        du = np.where(U, ub - x, 1.0)
        # keep the multipliers within a factor 1e10 of mu / slack (IPOPT's kappa_Sigma)
        zl = np.where(L, np.clip(zl, mu / (1e10 * dl), 1e10 * mu / dl), 0.0)
        zu = np.where(U, np.clip(zu, mu / (1e10 * du), 1e10 * mu / du), 0.0)
        if yg.size:
            yg = np.clip(yg, mu / (1e10 * s), 1e10 * mu / s)
        # slacks of inequalities that are linear in x stay consistent
        if mon.record(nit, x, f, g, errors(0.0)[0], float(np.linalg.norm(alpha * dx)),
                      barrier_parameter=mu):
            status = CALLBACK_STOP
            break
    if status != NONFINITE and W is not None:
        # the Hessian of the Lagrangian at the final point (one probe when
        # the stored Hessian of f still holds)
        W = fH(x).copy()
        Wc, ev_c, pr_c = _constraint_curvature(cons, -yh, -yg, x, rng, always)
        obj.nhev += ev_c + pr_c
        if Wc is not None:
            W += Wc
    r = _result(obj, x, f, g, nit, status, mon, W)
    e_all = errors(0.0)
    r["optimality"] = e_all[1]
    r["constr_violation"] = max(
        float(np.max(np.abs(h))) if h.size else 0.0,
        float(np.max(np.maximum(-c, 0.0))) if c.size else 0.0,
        float(np.max(np.maximum(lb - x, 0.0))), float(np.max(np.maximum(x - ub, 0.0))))
    r["barrier_parameter"] = mu
    r["v"] = cons.split_multipliers(yh, yg)
    r["bound_multipliers"] = zl - zu
    r["nhev"] = obj.nhev + fH.evaluations + fH.products
    return r
