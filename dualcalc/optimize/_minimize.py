"""minimize: one public entry point, one private function per method.

Design: `_Objective` is the only code that calls the user's function.  It hands
the function a copy of x (the derivative verbs seed a fresh array of dual
numbers; the value-only path copies), counts evaluations, and turns arithmetic
errors and overflow at trial points into ``inf`` so that line searches and trust
regions simply step back.  Each method is a loop bounded by ``maxiter`` that
ends in a status code from ``_result.STATUS``.

Counting: ``nfev`` counts evaluations of f (every derivative request also
evaluates f), ``njev`` gradient evaluations, ``nhev`` Hessians (``newton``) or
Hessian-vector products (``newton-cg``), as scipy counts ``hessp`` calls.
"""
import math

import numpy as np

from dualcalc import derivatives as D
from dualcalc._compile import Compiled
from dualcalc._core import _trust
from dualcalc.optimize._result import (
    CALLBACK_STOP, CONVERGED, MAXITER, NONFINITE, PRECISION_LOSS, SMALL_STEP,
    Monitor, OptimizeResult, check_options, check_x0, finish, small_step)
from dualcalc.optimize._constrained import (
    minimize_interior_point, standardize_bounds, standardize_constraints)
from dualcalc.optimize._stochastic import STOCHASTIC_METHODS, minimize_stochastic
from dualcalc.optimize._quasi_newton import (
    _LBFGS_OPTIONS, minimize_bfgs, minimize_lbfgs)

__all__ = ["minimize", "METHODS"]

_EPS = np.finfo(float).eps


# ---------------------------------------------------------------- the objective
class _Objective:
    """The user's f with its exact derivatives, counted and checked."""

    def __init__(self, fun, args):
        if not callable(fun):
            raise TypeError("fun must be callable, called as fun(x, *args)")
        if not isinstance(args, tuple):
            args = (args,)
        self.fun, self.args = fun, args
        self.nfev = self.njev = self.nhev = 0

    def check(self, x):
        """Evaluate f at x0 once, with a ValueError if it is not one number."""
        self.nfev += 1
        with np.errstate(all="ignore"):
            y = self.fun(x.copy(), *self.args)
        arr = None
        if y is not None and not isinstance(y, (str, bytes)):
            try:
                arr = np.asarray(y, dtype=np.float64)
            except (TypeError, ValueError):
                pass
        if arr is None or arr.shape != ():
            shape = "" if arr is None else f" of shape {arr.shape}"
            raise ValueError(
                f"the objective must return a single real number; it returned "
                f"{type(y).__name__}{shape}. For a vector of residuals use "
                "least_squares, for a system of equations use root.")
        return float(arr)

    def _guard(self, compute, fail):
        try:
            with np.errstate(all="ignore"):
                return compute()
        except (ArithmeticError, ValueError) as exc:
            # dualcalc.math raises ValueError for domain errors (log of a
            # negative number) and Python operators raise ZeroDivisionError or
            # OverflowError; at a trial point that means "not better here".
            if isinstance(exc, ValueError) and "domain" not in str(exc):
                raise
            return fail

    def value(self, x):
        self.nfev += 1
        v = self._guard(lambda: self.fun(x.copy(), *self.args), math.inf)
        try:
            return float(np.asarray(v, dtype=np.float64))
        except (TypeError, ValueError):
            raise ValueError("the objective must return a single real number; it "
                             f"returned {type(v).__name__}") from None

    def value_grad(self, x):
        self.nfev += 1
        self.njev += 1
        return self._guard(lambda: D.value_and_gradient(self.fun, x, args=self.args),
                           (math.inf, None))

    def value_grad_hess(self, x):
        self.nfev += 1
        self.njev += 1
        self.nhev += 1
        return self._guard(lambda: D.value_gradient_hessian(self.fun, x, args=self.args),
                           (math.inf, None, None))

    def value_grad_sparse_hess(self, x, sparsity=None):
        from dualcalc.sparse import value_gradient_sparse_hessian
        self.nfev += 1
        self.njev += 1
        self.nhev += 1
        return self._guard(lambda: value_gradient_sparse_hessian(
            self.fun, x, args=self.args, sparsity=sparsity), (math.inf, None, None))

    def hvp(self, x, v):
        self.nhev += 1
        return self._guard(lambda: D.hvp(self.fun, x, v, args=self.args), None)


def _finite(*arrays):
    for a in arrays:
        if a is None:
            return False
        if type(a) is float:
            if not math.isfinite(a):
                return False
        elif not np.isfinite(a.data if hasattr(a, "tocsc") else a).all():
            return False
    return True


def _result(obj, x, f, g, nit, status, monitor, H=None):
    r = OptimizeResult(x=x, fun=f, jac=g)
    if H is not None:
        r["hess"] = H
    r.update(nit=nit, nfev=obj.nfev, njev=obj.njev, nhev=obj.nhev)
    finish(r, status)
    return monitor.attach(r)


def _norm_inf(g):
    return float(np.max(np.abs(g))) if g.size else 0.0


# ---------------------------------------------------------------- trust-region pieces
# The step (eigendecomposition, exact subproblem, predicted decrease, radius
# update) is computed in C by dualcalc._core._trust, for the Python loop below
# and for the compiled loop (_trust.newton_loop) alike: the same arithmetic,
# so a compiled objective takes the same iterates as an uncompiled one.
def _default_radius(x0):
    # A first step as long as x0 itself (at least 1): scale-aware, in the
    # spirit of MINPACK's factor * |D x0|.  On the MGH set it halves the total
    # iteration count compared with a fixed radius of 1.
    # (np.linalg.norm of a real vector is sqrt(x.dot(x)): the same number)
    return max(1.0, math.sqrt(float(x0.dot(x0))))


def _update_radius(delta, rho, pnorm, on_boundary, max_radius):
    # newton-cg's radius update (newton's is _trust.trust_radius, the same rule in C)
    if rho < 0.25:
        return 0.25 * pnorm if np.isfinite(rho) and pnorm > 0 else 0.25 * min(delta, pnorm or delta)
    if rho > 0.75 and on_boundary:
        return min(2.0 * delta, max_radius)
    return delta


# ---------------------------------------------------------------- newton
_NEWTON_OPTIONS = ("maxiter", "gtol", "xtol", "disp", "return_history",
                   "globalization", "initial_trust_radius", "max_trust_radius")


def _minimize_newton(obj, x, callback, tol, options):
    """Newton's method with the exact Hessian, globalised by a trust region
    (default; the subproblem is solved exactly through an eigendecomposition,
    hard case included) or by a line search on a modified Hessian
    (``globalization="line-search"``: eigenvalues replaced by their absolute
    values, floored at sqrt(eps) times the largest).  Near a minimum with a
    positive definite Hessian both take full Newton steps and converge
    quadratically.  The first trust radius is max(1, |x0|): a first step as
    long as x0 itself.  The trust-region step is computed in C
    (``dualcalc._core._trust``); for a ``dualcalc.compile``d objective without
    a monitor the whole iteration runs there (``newton_loop``), with the
    same arithmetic as the loop below."""
    opts = check_options(options, _NEWTON_OPTIONS, "newton")
    n = x.size
    maxiter = opts.get("maxiter")
    maxiter = 200 * n if maxiter is None else maxiter
    gtol = float(opts.get("gtol", 1e-8 if tol is None else tol))
    xtol = float(opts.get("xtol", 1e-12))
    glob = opts.get("globalization", "trust-region")
    if glob not in ("trust-region", "line-search"):
        raise ValueError("globalization must be 'trust-region' or 'line-search'")
    delta = float(opts.get("initial_trust_radius", _default_radius(x)))
    max_radius = float(opts.get("max_trust_radius", 1e10))
    if not (0 < delta <= max_radius):
        raise ValueError("need 0 < initial_trust_radius <= max_trust_radius")
    mon = Monitor(callback, opts.get("disp"), opts.get("return_history"))

    f, g, H = obj.value_grad_hess(x)
    if not _finite(f, g, H):
        return _result(obj, x, f, g, 0, NONFINITE, mon, H)
    trust = glob == "trust-region"
    if (trust and type(obj.fun) is Compiled and not obj.args and callback is None
            and not opts.get("disp") and not opts.get("return_history")):
        # a recorded f: the whole iteration in C around its replays (the same
        # steps as the loop below; a replay that cannot answer, at a branch
        # the recording did not see, runs through obj as below)
        shape = x.shape
        x, f, g, H, nit, status, nfev, njev, nhev = _trust.newton_loop(
            obj.value, obj.value_grad_hess, lambda: obj.fun._solver_program(shape),
            x, f, g, H, maxiter, gtol, xtol, delta, max_radius,
            (CONVERGED, MAXITER, SMALL_STEP, PRECISION_LOSS))
        obj.nfev += nfev
        obj.njev += njev
        obj.nhev += nhev
        return _result(obj, x, f, g, nit, status, mon, H)
    mon.start(f, _norm_inf(g))
    nit = 0
    status = MAXITER
    eig = None                       # eigendecomposition of H, kept across rejected steps
    while True:
        if _norm_inf(g) <= gtol:
            status = CONVERGED
            break
        if nit >= maxiter:
            status = MAXITER
            break
        nit += 1
        if trust:
            if eig is None:
                eig = _trust.eigh(H)
            lam, Q = eig
            p, interior, pred, pnorm, xnorm = _trust.trust_step(g, lam, Q, delta, x)
        else:
            if eig is None:
                eig = np.linalg.eigh(H)
            lam, Q = eig
            floor = math.sqrt(_EPS) * max(1.0, float(np.max(np.abs(lam))))
            lam_mod = np.maximum(np.abs(lam), floor)
            p = -(Q @ ((Q.T @ g) / lam_mod))
            interior = bool(lam[0] > 0 and np.all(lam_mod == lam))
            pred = -(g @ p + 0.5 * (p @ (H @ p)))
            pnorm = float(np.linalg.norm(p))
            xnorm = float(np.linalg.norm(x))
        if interior and (pred <= 8 * _EPS * abs(f) or small_step(p, x, xtol)):
            # The full Newton step is at rounding level: x is a minimiser to
            # working precision even if |g| cannot reach gtol.
            status = SMALL_STEP
            nit -= 1
            break
        if trust:
            f_new = obj.value(x + p)
            delta, accepted = _trust.trust_radius(f, f_new, pred, delta, pnorm, interior,
                                                  max_radius)
            step = p
        else:
            step, f_new = _backtrack(obj, x, f, g, p)
            accepted = step is not None
        if accepted:
            x_new = x + step
            f_try, g_new, H_new = obj.value_grad_hess(x_new)
            if not _finite(f_try, g_new, H_new):
                # the value was finite at the trial point, the derivatives not
                if not trust:
                    status = NONFINITE
                    break
                delta = 0.25 * pnorm
                accepted = False
            else:
                x, f, g, H = x_new, f_try, g_new, H_new
                eig = None
        if not trust and not accepted:
            status = PRECISION_LOSS
            break
        if trust and delta <= 4 * _EPS * max(1.0, xnorm):
            status = PRECISION_LOSS
            break
        if mon.record(nit, x, f, g, _norm_inf(g), float(np.linalg.norm(step)) if accepted else 0.0,
                      hess=H):
            status = CALLBACK_STOP
            break
    return _result(obj, x, f, g, nit, status, mon, H)


# ---------------------------------------------------------------- newton, sparse
_SPARSE_NEWTON_OPTIONS = ("maxiter", "gtol", "xtol", "disp", "return_history", "globalization")


def _sparse_newton_direction(H, g):
    """p = -(H + tau I)^-1 g with the smallest tau of the sequence 0 (or
    beta - min diag H), then doubling (Nocedal and Wright, Algorithm 3.3), for
    which H + tau I is positive definite.  Definiteness is read off a sparse
    LU in SuperLU's symmetric mode (diagonal pivots, the same permutation of
    rows and columns: U's diagonal is D of P (H + tau I) P^T = L D L^T, so its
    signs are the inertia).  Returns (p, tau), or (None, None)."""
    import warnings
    import scipy.sparse as sp
    from scipy.sparse.linalg import splu
    n = H.shape[0]
    A = sp.csc_array(H)
    d = A.diagonal()
    beta = 1e-3 * max(1.0, float(np.max(np.abs(A.data))) if A.nnz else 1.0)
    tau = 0.0 if n == 0 or d.min() > 0 else beta - float(d.min())
    eye = sp.eye_array(n, format="csc")
    for _ in range(60):
        M = A if tau == 0.0 else sp.csc_array(A + tau * eye)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                lu = splu(M, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                          options=dict(SymmetricMode=True))
        except RuntimeError:                       # exactly singular
            lu = None
        if lu is not None and np.array_equal(lu.perm_r, lu.perm_c) \
                and np.all(lu.U.diagonal() > 0):
            p = lu.solve(-g)
            if np.all(np.isfinite(p)) and float(g @ p) < 0:
                return p, tau
        tau = max(2.0 * tau, beta)
    return None, None


def _minimize_newton_sparse(obj, x, callback, tol, options, sparsity):
    """Newton's method on a sparse Hessian (scipy.sparse) for large n:
    gradient and Hessian from one pass of the sparse second-order mode
    (:func:`dualcalc.sparse.value_gradient_sparse_hessian`), the step from a
    sparse LU of H + tau I (tau = 0 where H is positive definite, so the full
    Newton step and quadratic convergence near a minimum), globalised by an
    Armijo line search."""
    opts = check_options(options, _SPARSE_NEWTON_OPTIONS, "newton")
    if opts.get("globalization", "line-search") != "line-search":
        raise ValueError("sparse Newton is globalised by a line search (the exact trust-region "
                         "subproblem needs an eigendecomposition); leave globalization unset "
                         "or use 'line-search'")
    n = x.size
    maxiter = opts.get("maxiter")
    maxiter = 200 * n if maxiter is None else maxiter
    gtol = float(opts.get("gtol", 1e-8 if tol is None else tol))
    xtol = float(opts.get("xtol", 1e-12))
    mon = Monitor(callback, opts.get("disp"), opts.get("return_history"))
    f, g, H = obj.value_grad_sparse_hess(x, sparsity)
    if not _finite(f, g, H):
        return _result(obj, x, f, g, 0, NONFINITE, mon, H)
    mon.start(f, _norm_inf(g))
    nit = 0
    while True:
        if _norm_inf(g) <= gtol:
            status = CONVERGED
            break
        if nit >= maxiter:
            status = MAXITER
            break
        nit += 1
        p, tau = _sparse_newton_direction(H, g)
        if p is None:
            status = PRECISION_LOSS
            nit -= 1
            break
        pred = -(g @ p + 0.5 * (p @ (H @ p)))
        if tau == 0.0 and (pred <= 8 * _EPS * abs(f) or small_step(p, x, xtol)):
            status = SMALL_STEP          # the full Newton step is at rounding level
            nit -= 1
            break
        step, f_new = _backtrack(obj, x, f, g, p)
        if step is None:
            status = PRECISION_LOSS
            break
        f_try, g_new, H_new = obj.value_grad_sparse_hess(x + step, sparsity)
        if not _finite(f_try, g_new, H_new):
            status = NONFINITE
            break
        x, f, g, H = x + step, f_try, g_new, H_new
        if mon.record(nit, x, f, g, _norm_inf(g), float(np.linalg.norm(step)), hess=H):
            status = CALLBACK_STOP
            break
    return _result(obj, x, f, g, nit, status, mon, H)


def _backtrack(obj, x, f, g, p, c1=1e-4, max_steps=60):
    """Armijo backtracking from a unit step with safeguarded quadratic
    interpolation.  Returns (step, f(x + step)) or (None, f) on failure."""
    slope = float(g @ p)
    if not slope < 0:
        return None, f
    alpha = 1.0
    for _ in range(max_steps):
        f_new = obj.value(x + alpha * p)
        if np.isfinite(f_new) and f_new <= f + c1 * alpha * slope:
            return alpha * p, f_new
        if np.isfinite(f_new):
            denom = 2.0 * (f_new - f - alpha * slope)
            trial = -slope * alpha * alpha / denom if denom > 0 else 0.5 * alpha
            alpha = min(max(trial, 0.1 * alpha), 0.5 * alpha)
        else:
            alpha *= 0.1
    return None, f


# ---------------------------------------------------------------- newton-cg
_NEWTON_CG_OPTIONS = ("maxiter", "gtol", "xtol", "disp", "return_history",
                      "initial_trust_radius", "max_trust_radius", "max_cg_iter")


def _steihaug(obj, x, g, delta, max_cg):
    """Truncated conjugate gradients (Steihaug-Toint) on the trust-region
    subproblem, with one Hessian-vector product per CG step.  Returns
    (p, H p, interior) or (None, None, None) when a product is not finite."""
    n = g.size
    z = np.zeros(n)
    Bz = np.zeros(n)
    r = g.copy()
    d = -r
    rr = float(r @ r)
    gnorm = math.sqrt(rr)
    tol = min(0.5, math.sqrt(gnorm)) * gnorm

    def to_boundary(z, d):
        a, b, c = d @ d, 2 * (z @ d), z @ z - delta * delta
        return (-b + math.sqrt(max(b * b - 4 * a * c, 0.0))) / (2 * a)

    for _ in range(max_cg):
        Bd = obj.hvp(x, d)
        if not _finite(Bd):
            return None, None, None
        dBd = float(d @ Bd)
        if dBd <= 0:
            tau = to_boundary(z, d)
            return z + tau * d, Bz + tau * Bd, False
        alpha = rr / dBd
        z_new = z + alpha * d
        if np.linalg.norm(z_new) >= delta:
            tau = to_boundary(z, d)
            return z + tau * d, Bz + tau * Bd, False
        z, Bz = z_new, Bz + alpha * Bd
        r = r + alpha * Bd
        rr_new = float(r @ r)
        if math.sqrt(rr_new) < tol:
            break
        d = -r + (rr_new / rr) * d
        rr = rr_new
    return z, Bz, True


def _minimize_newton_cg(obj, x, callback, tol, options):
    """Trust-region Newton with truncated conjugate gradients: only
    Hessian-vector products (dualcalc.hvp), never the Hessian, so the memory
    is O(n) and each CG step costs a small multiple of a gradient."""
    opts = check_options(options, _NEWTON_CG_OPTIONS, "newton-cg")
    n = x.size
    maxiter = opts.get("maxiter")
    maxiter = 200 * n if maxiter is None else maxiter
    gtol = float(opts.get("gtol", 1e-8 if tol is None else tol))
    xtol = float(opts.get("xtol", 1e-12))
    delta = float(opts.get("initial_trust_radius", _default_radius(x)))
    max_radius = float(opts.get("max_trust_radius", 1e10))
    if not (0 < delta <= max_radius):
        raise ValueError("need 0 < initial_trust_radius <= max_trust_radius")
    max_cg = int(opts.get("max_cg_iter", 2 * n))
    mon = Monitor(callback, opts.get("disp"), opts.get("return_history"))

    f, g = obj.value_grad(x)
    if not _finite(f, g):
        return _result(obj, x, f, g, 0, NONFINITE, mon)
    mon.start(f, _norm_inf(g))
    nit = 0
    while True:
        if _norm_inf(g) <= gtol:
            status = CONVERGED
            break
        if nit >= maxiter:
            status = MAXITER
            break
        nit += 1
        p, Bp, interior = _steihaug(obj, x, g, delta, max_cg)
        if p is None:
            status = NONFINITE
            break
        pred = -(g @ p + 0.5 * (p @ Bp))
        pnorm = float(np.linalg.norm(p))
        xnorm = float(np.linalg.norm(x))
        if interior and small_step(p, x, xtol):
            # (not the predicted decrease, as in newton: a truncated CG step is
            # not the Newton step, and on an ill-conditioned Hessian its model
            # decrease can be tiny far from the minimum)
            status = SMALL_STEP
            nit -= 1
            break
        f_new = obj.value(x + p)
        actual = f - f_new if np.isfinite(f_new) else -math.inf
        if pred <= 0:
            rho = -math.inf
        elif abs(actual) <= 8 * _EPS * abs(f) and pred <= 8 * _EPS * abs(f):
            rho = 1.0 if f_new <= f else -math.inf
        else:
            rho = actual / pred
        delta = _update_radius(delta, rho, pnorm, not interior, max_radius)
        accepted = rho > 1e-4
        if accepted:
            f_try, g_new = obj.value_grad(x + p)
            if _finite(f_try, g_new):
                x, f, g = x + p, f_try, g_new
            else:
                accepted = False
                delta = 0.25 * pnorm
        if delta <= 4 * _EPS * max(1.0, xnorm):
            status = PRECISION_LOSS
            break
        if mon.record(nit, x, f, g, _norm_inf(g), pnorm if accepted else 0.0):
            status = CALLBACK_STOP
            break
    return _result(obj, x, f, g, nit, status, mon)


# ---------------------------------------------------------------- first-order methods
_FIRST_ORDER_OPTIONS = {
    "gradient-descent": ("maxiter", "gtol", "disp", "return_history", "learning_rate",
                         "initial_step"),
    "momentum": ("maxiter", "gtol", "disp", "return_history", "learning_rate", "beta"),
    "nesterov": ("maxiter", "gtol", "disp", "return_history", "learning_rate", "beta"),
    "adam": ("maxiter", "gtol", "disp", "return_history", "learning_rate", "beta1",
             "beta2", "epsilon"),
}


def _first_order_setup(method, x, tol, options, defaults):
    opts = check_options(options, _FIRST_ORDER_OPTIONS[method], method)
    for k, v in defaults.items():
        opts.setdefault(k, v)
    if opts.get("maxiter") is None:
        opts["maxiter"] = 10_000
    opts["gtol"] = float(opts.get("gtol", 1e-5 if tol is None else tol))
    lr = opts.get("learning_rate")
    if lr is not None and not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"learning_rate must be a positive number, got {lr!r}")
    return opts


def _minimize_gradient_descent(obj, x, callback, tol, options):
    """Steepest descent.  With ``learning_rate`` a fixed step; without it
    (default) Armijo backtracking, starting each search from twice the last
    accepted step so that the step adapts both ways."""
    opts = _first_order_setup("gradient-descent", x, tol, options,
                              {"learning_rate": None, "initial_step": 1.0})
    lr, maxiter, gtol = opts["learning_rate"], opts["maxiter"], opts["gtol"]
    alpha = float(opts["initial_step"])
    mon = Monitor(callback, opts.get("disp"), opts.get("return_history"))
    f, g = obj.value_grad(x)
    if not _finite(f, g):
        return _result(obj, x, f, g, 0, NONFINITE, mon)
    mon.start(f, _norm_inf(g))
    nit = 0
    while True:
        if _norm_inf(g) <= gtol:
            status = CONVERGED
            break
        if nit >= maxiter:
            status = MAXITER
            break
        nit += 1
        if lr is not None:
            step = -lr * g
        else:
            gg = float(g @ g)
            alpha = 2.0 * alpha
            for _ in range(80):
                f_new = obj.value(x - alpha * g)
                if np.isfinite(f_new) and f_new <= f - 1e-4 * alpha * gg:
                    break
                alpha *= 0.5
            else:
                status = PRECISION_LOSS
                nit -= 1
                break
            if f_new >= f:          # Armijo held only through rounding
                status = PRECISION_LOSS
                nit -= 1
                break
            step = -alpha * g
        f_new, g_new = obj.value_grad(x + step)
        if not _finite(f_new, g_new):
            status = NONFINITE
            break
        x, f, g = x + step, f_new, g_new
        if mon.record(nit, x, f, g, _norm_inf(g), float(np.linalg.norm(step))):
            status = CALLBACK_STOP
            break
    return _result(obj, x, f, g, nit, status, mon)


def _minimize_momentum(obj, x, callback, tol, options, nesterov=False):
    """Heavy-ball momentum (and Nesterov's accelerated variant), in the form
    PyTorch uses: ``b = beta b + g``; ``x -= lr b`` (momentum) or
    ``x -= lr (g + beta b)`` (Nesterov)."""
    method = "nesterov" if nesterov else "momentum"
    opts = _first_order_setup(method, x, tol, options, {"learning_rate": 0.01, "beta": 0.9})
    lr, beta = float(opts["learning_rate"]), float(opts["beta"])
    if not 0 <= beta < 1:
        raise ValueError(f"beta must be in [0, 1), got {beta!r}")
    maxiter, gtol = opts["maxiter"], opts["gtol"]
    mon = Monitor(callback, opts.get("disp"), opts.get("return_history"))
    f, g = obj.value_grad(x)
    if not _finite(f, g):
        return _result(obj, x, f, g, 0, NONFINITE, mon)
    mon.start(f, _norm_inf(g))
    buf = np.zeros_like(x)
    nit = 0
    while True:
        if _norm_inf(g) <= gtol:
            status = CONVERGED
            break
        if nit >= maxiter:
            status = MAXITER
            break
        nit += 1
        buf = beta * buf + g
        step = -lr * (g + beta * buf) if nesterov else -lr * buf
        f_new, g_new = obj.value_grad(x + step)
        if not _finite(f_new, g_new):
            status = NONFINITE
            break
        x, f, g = x + step, f_new, g_new
        if mon.record(nit, x, f, g, _norm_inf(g), float(np.linalg.norm(step))):
            status = CALLBACK_STOP
            break
    return _result(obj, x, f, g, nit, status, mon)


def _minimize_nesterov(obj, x, callback, tol, options):
    return _minimize_momentum(obj, x, callback, tol, options, nesterov=True)


def _minimize_adam(obj, x, callback, tol, options):
    """Adam (Kingma & Ba 2015) on the exact full gradient, with bias
    correction; defaults learning_rate=1e-3, beta1=0.9, beta2=0.999,
    epsilon=1e-8."""
    opts = _first_order_setup("adam", x, tol, options,
                              {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999,
                               "epsilon": 1e-8})
    lr = float(opts["learning_rate"])
    b1, b2, eps = float(opts["beta1"]), float(opts["beta2"]), float(opts["epsilon"])
    if not (0 <= b1 < 1 and 0 <= b2 < 1 and eps >= 0):
        raise ValueError("adam needs 0 <= beta1, beta2 < 1 and epsilon >= 0")
    maxiter, gtol = opts["maxiter"], opts["gtol"]
    mon = Monitor(callback, opts.get("disp"), opts.get("return_history"))
    f, g = obj.value_grad(x)
    if not _finite(f, g):
        return _result(obj, x, f, g, 0, NONFINITE, mon)
    mon.start(f, _norm_inf(g))
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    nit = 0
    while True:
        if _norm_inf(g) <= gtol:
            status = CONVERGED
            break
        if nit >= maxiter:
            status = MAXITER
            break
        nit += 1
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = m / (1 - b1**nit)
        vhat = v / (1 - b2**nit)
        step = -lr * mhat / (np.sqrt(vhat) + eps)
        f_new, g_new = obj.value_grad(x + step)
        if not _finite(f_new, g_new):
            status = NONFINITE
            break
        x, f, g = x + step, f_new, g_new
        if mon.record(nit, x, f, g, _norm_inf(g), float(np.linalg.norm(step))):
            status = CALLBACK_STOP
            break
    return _result(obj, x, f, g, nit, status, mon)


# ---------------------------------------------------------------- dispatch
METHODS = {
    "newton": _minimize_newton,
    "newton-cg": _minimize_newton_cg,
    "gradient-descent": _minimize_gradient_descent,
    "momentum": _minimize_momentum,
    "nesterov": _minimize_nesterov,
    "adam": _minimize_adam,
    "bfgs": minimize_bfgs,
    "l-bfgs": minimize_lbfgs,
}


def minimize(fun, x0, args=(), method=None, tol=None, callback=None, options=None, *,
             bounds=None, constraints=None, data=None, batch_size=None, epochs=None,
             rng=None, sparse=False):
    """Minimise a scalar function of one or more variables with exact
    derivatives from dual numbers.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``, ordinary Python/NumPy code (see
        `dualcalc.gradient` for what it may contain).  It always receives a copy
        of x (an array of dual numbers when derivatives are being taken).
    x0 : array_like, shape (n,)
        Starting point; finite.  A scalar is treated as shape (1,).
    args : tuple, optional
        Extra arguments passed to fun.
    method : str, optional
        Default: ``"newton"``; ``"interior-point"`` when bounds or constraints
        are given; ``"adam"`` when data is given.
        ``"newton"``: exact Hessian, trust region (or line search on a
        modified Hessian with ``options={"globalization": "line-search"}``);
        with bounds or constraints it is the interior-point method.
        ``"newton-cg"``: trust region with truncated CG, Hessian-vector products
        only.  ``"bfgs"``, ``"l-bfgs"``: quasi-Newton on exact gradients with a
        strong-Wolfe line search (l-bfgs also takes bounds).
        ``"interior-point"``: primal-dual interior-point Newton on the exact
        Hessian of the Lagrangian, for bounds and constraints.
        ``"gradient-descent"`` (Armijo backtracking, or a fixed
        ``learning_rate``), ``"momentum"``, ``"nesterov"``, ``"adam"``; with
        ``data`` the last three, ``"sgd"`` and ``"forward-gradient"`` (one
        Jacobian-vector product along a random direction per step) run over
        mini-batches.
    tol : float, optional
        Tolerance on the infinity norm of the gradient (``gtol``).  Defaults:
        1e-8 for the Newton methods, 1e-5 for the first-order methods.
    callback : callable, optional
        ``callback(intermediate_result)`` after each iteration, with an
        `OptimizeResult` holding at least x, fun, jac and nit.  Raising
        StopIteration stops the solver cleanly (status 99).
    options : dict, optional
        ``maxiter`` (default 200 n for the Newton methods, 10000 otherwise),
        ``disp`` (print a live table: iteration, f, |g|, step length),
        ``return_history`` (``result.history`` with arrays ``f``,
        ``grad_norm`` and ``step``, one entry per iteration, for plotting),
        ``gtol``; per method: ``xtol`` (stop when every component of a full
        Newton step is below xtol relative to x; default 1e-12),
        ``initial_trust_radius`` (default max(1, |x0|)), ``max_trust_radius``
        (default 1e10), ``globalization`` (newton), ``max_cg_iter``
        (newton-cg), ``learning_rate``, ``initial_step`` (gradient-descent),
        ``beta`` (momentum, nesterov), ``beta1``, ``beta2``, ``epsilon`` (adam).
        An unknown option is a ValueError.

    bounds : sequence of (min, max) pairs or object with ``lb``, ``ub``, optional
        ``None`` (or +-inf) for no bound; scipy.optimize.Bounds works as is.
    constraints : dict, constraint object or a sequence of them, optional
        scipy's forms: ``{"type": "eq" | "ineq", "fun": f, "jac": J, "args":
        ()}`` (``ineq`` means f(x) >= 0; jac optional), objects with ``A, lb,
        ub`` (LinearConstraint) or ``fun, lb, ub`` (NonlinearConstraint).
    data : array or tuple of arrays, optional
        Samples along axis 0, cut into shuffled mini-batches; the loss is
        called as ``fun(w, *batch, *args)``.
    batch_size, epochs : int, optional
        Mini-batch size (default min(32, samples)) and passes over the data
        (default 10).
    rng : int or numpy.random.Generator, optional
        Seed of the shuffling and of the forward-gradient directions.
    sparse : bool or sparsity pattern, optional
        ``method="newton"`` only, for large problems with sparse Hessians:
        gradient and Hessian (a scipy.sparse array) from one pass of the
        sparse second-order mode
        (:func:`dualcalc.sparse.value_gradient_sparse_hessian`), steps from a
        sparse LU of H + tau I (tau = 0 where H is positive definite) and an
        Armijo line search.  A pattern (as from
        :func:`dualcalc.hessian_sparsity`) is used where f needs the colored
        Hessian instead.  Needs scipy.

    Returns
    -------
    OptimizeResult
        ``x``, ``fun``, ``jac``, ``hess`` (newton), ``nit``, ``nfev``,
        ``njev``, ``nhev``, ``success``, ``status``, ``message``; ``hess_inv``
        (bfgs); ``v``, ``constr_violation``, ``bound_multipliers``
        (interior-point); ``epochs`` and a per-epoch ``history`` (mini-batch
        methods).  Not converging within maxiter is ``success=False``, not an
        exception.

    Raises
    ------
    ValueError
        x0 not 1-D, empty or not finite; fun returning something other than one
        number; an unknown method or option.

    Examples
    --------
    >>> from dualcalc.optimize import minimize
    >>> rosen = lambda x: 100 * (x[1] - x[0]**2)**2 + (1 - x[0])**2
    >>> r = minimize(rosen, [-1.2, 1.0], method="newton")
    >>> r.success, r.x.round(8).tolist(), r.nit < 30
    (True, [1.0, 1.0], True)
    >>> r = minimize(rosen, [-1.2, 1.0], bounds=[(None, 0.5), (None, None)])
    >>> r.status, r.x.round(8).tolist()
    (8, [0.5, 0.25])
    """
    if method is None:
        method = ("adam" if data is not None else
                  "interior-point" if (bounds is not None or constraints) else "newton")
    key = str(method).lower().replace("_", "-")
    known = set(METHODS) | {"interior-point"} | set(STOCHASTIC_METHODS)
    if key not in known:
        raise ValueError(f"unknown method {method!r}; choose one of {sorted(known)}")
    if tol is not None and not (np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a non-negative number, got {tol!r}")
    x = check_x0(x0)
    stochastic = data is not None or key in ("sgd", "forward-gradient")
    if stochastic:
        if key not in STOCHASTIC_METHODS:
            raise ValueError(f"method {method!r} does not take data=; the mini-batch methods "
                             f"are {list(STOCHASTIC_METHODS)}")
        if bounds is not None or constraints:
            raise ValueError("the stochastic methods take no bounds or constraints")
        if not isinstance(args, tuple):
            args = (args,)
        return minimize_stochastic(key, fun, x, args, data, batch_size, epochs, rng,
                                   callback, options)
    if batch_size is not None or epochs is not None or rng is not None:
        raise ValueError("batch_size, epochs and rng belong to the mini-batch methods: give "
                         "data=(X, y) and method='sgd', 'momentum', 'nesterov', 'adam' or "
                         "'forward-gradient'")
    constrained = bounds is not None or bool(constraints)
    if sparse is not False and sparse is not None:
        if key != "newton" or constrained:
            raise ValueError("sparse= belongs to method='newton' without bounds or constraints "
                             f"(got method {method!r}); for equations use root(sparse=True), "
                             "for residuals least_squares(sparse=True)")
        obj = _Objective(fun, args)
        f0 = obj.check(x)
        if not np.isfinite(f0):
            mon = Monitor(None, (options or {}).get("disp"), (options or {}).get("return_history"))
            check_options(options, _SPARSE_NEWTON_OPTIONS, key)
            return _result(obj, x, f0, None, 0, NONFINITE, mon)
        return _minimize_newton_sparse(obj, x, callback, tol, options,
                                       None if sparse is True else sparse)
    if constrained:
        if key == "newton":
            key = "interior-point"      # Newton on the barrier problem's KKT equations
        if key == "l-bfgs" and constraints:
            raise ValueError("method 'l-bfgs' handles bounds, not constraints; leave method "
                             "unset (or use 'interior-point') for constraints")
        if key not in ("interior-point", "l-bfgs"):
            raise ValueError(f"method {method!r} does not handle bounds or constraints; "
                             "leave method unset (interior-point Newton), or use 'l-bfgs' "
                             "for bounds only")
        lb, ub = standardize_bounds(bounds, x.size)
        if np.any(x < lb) or np.any(x > ub):
            if key == "l-bfgs":
                x = np.clip(x, lb, ub)
    elif key == "interior-point":
        lb = ub = None
    obj = _Objective(fun, args)
    f0 = obj.check(x)
    if not np.isfinite(f0) and key not in ("interior-point",):
        mon = Monitor(None, (options or {}).get("disp"), (options or {}).get("return_history"))
        check_options(options, (_NEWTON_OPTIONS + _NEWTON_CG_OPTIONS + _LBFGS_OPTIONS
                                + sum(_FIRST_ORDER_OPTIONS.values(), ())), key)
        return _result(obj, x, f0, None, 0, NONFINITE, mon)
    if key == "interior-point":
        if lb is None:
            lb, ub = standardize_bounds(None, x.size)
        cons = standardize_constraints(constraints, x.size).finish(x)
        return minimize_interior_point(obj, x, callback, tol, options, lb, ub, cons)
    if key == "l-bfgs" and constrained:
        return minimize_lbfgs(obj, x, callback, tol, options, bounds=(lb, ub))
    return METHODS[key](obj, x, callback, tol, options)
