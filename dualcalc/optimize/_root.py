"""Roots: damped Newton for systems F(x) = 0, and scalar Newton / Halley.

Design: both use the exact Jacobian (derivative) from dualcalc and a merit
function |F|^2 / 2 that a backtracking line search must decrease, so a bad
starting point costs iterations rather than divergence.  A singular Jacobian
is a clean stop with status SINGULAR, never a LinAlgError.
"""
import math

import numpy as np

from dualcalc import derivatives as D
from dualcalc.optimize._result import (
    CALLBACK_STOP, MAXITER, NONFINITE, PRECISION_LOSS, ROOT_FOUND, SINGULAR,
    SMALL_STEP, Monitor, OptimizeResult, check_options, check_x0, finish, small_step)

__all__ = ["root", "newton"]

_EPS = np.finfo(float).eps


def _guarded(compute, fail):
    try:
        with np.errstate(all="ignore"):
            return compute()
    except (ArithmeticError, ValueError) as exc:
        if isinstance(exc, ValueError) and "domain" not in str(exc):
            raise
        return fail


def _sumsq(v):
    with np.errstate(over="ignore", invalid="ignore"):
        return float(v @ v)


class _System:
    """F(x) with its exact Jacobian, counted; checks that F is square."""

    def __init__(self, fun, args, n, sparse=False):
        if not callable(fun):
            raise TypeError("fun must be callable, called as fun(x, *args)")
        self.fun = fun
        self.args = args if isinstance(args, tuple) else (args,)
        self.n = n
        self.nfev = self.njev = 0
        # sparse: False, True (pattern detected at the first Jacobian) or a pattern
        self.sparse = sparse is not False and sparse is not None
        self.pattern = None if isinstance(sparse, bool) or sparse is None else sparse
        self.detect = self.sparse and self.pattern is None   # sparse=True: ours to detect

    def _shape_check(self, F):
        F = np.asarray(F, dtype=np.float64)
        if F.ndim > 1 or F.size != self.n:
            raise ValueError(
                f"root needs as many equations as unknowns: x has {self.n} entries and "
                f"fun returned shape {F.shape}. For over- or under-determined systems "
                "use least_squares.")
        return F.reshape(self.n)

    def value(self, x):
        self.nfev += 1
        F = _guarded(lambda: self.fun(x.copy(), *self.args), None)
        if F is None:
            return np.full(self.n, np.inf)
        try:
            return self._shape_check(F)
        except TypeError:
            raise ValueError("fun must return a number or a 1-D array of numbers") from None

    def value_jac(self, x):
        self.nfev += 1
        self.njev += 1
        if self.sparse:
            from dualcalc.sparse import value_and_sparse_jacobian
            from dualcalc.sparsity import jacobian_sparsity
            if self.detect:
                # patterns are local at x (F may branch): detect at every x,
                # keeping the previous pattern object (and so its cached
                # coloring) while the structure does not change
                P = jacobian_sparsity(self.fun, x, self.args)
                old = self.pattern
                if not (old is not None and old.shape == P.shape and old.nnz == P.nnz
                        and np.array_equal(old.indptr, P.indptr)
                        and np.array_equal(old.indices, P.indices)):
                    self.pattern = P
            out = _guarded(lambda: value_and_sparse_jacobian(
                self.fun, x, args=self.args, sparsity=self.pattern), None)
            if out is None:
                return np.full(self.n, np.inf), None
            return self._shape_check(out[0]), out[1]
        out = _guarded(lambda: D.value_and_jacobian(self.fun, x, args=self.args), None)
        if out is None:
            return np.full(self.n, np.inf), None
        F, J = out
        F = self._shape_check(F)
        return F, np.asarray(J, dtype=np.float64).reshape(self.n, self.n)


def _finite_jac(J):
    return np.all(np.isfinite(J.data if hasattr(J, "tocsc") else J))


def _sparse_step(J, F):
    """The Newton step -J^{-1} F with scipy.sparse.linalg.spsolve; None when J
    is singular."""
    import warnings
    from scipy.sparse.linalg import MatrixRankWarning, spsolve
    with warnings.catch_warnings():
        warnings.simplefilter("error", MatrixRankWarning)
        try:
            dx = spsolve(J.tocsc(), -F)
        except (MatrixRankWarning, RuntimeError):
            return None
    return dx if np.all(np.isfinite(dx)) else None


_ROOT_OPTIONS = ("maxiter", "xtol", "disp", "return_history")


def root(fun, x0, args=(), method="newton", tol=None, callback=None, options=None, *,
         sparse=False):
    """Solve F(x) = 0 for a square system by damped Newton with the exact
    Jacobian.

    Each step solves ``J dx = -F`` and backtracks (Armijo on |F|^2 / 2) until
    the residual decreases, so the iteration converges from poorer starting
    points than plain Newton, and quadratically near a regular root.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args)`` returning n numbers (a list or array) for x of n
        entries; it receives a copy of x.
    x0 : array_like, shape (n,)
        Starting point (a scalar is shape (1,)).
    args : tuple, optional
        Extra arguments for fun.
    method : {"newton"}
        The only method.
    tol : float, optional
        Stop when ``max |F(x)| <= tol`` (default 1e-12).
    callback : callable, optional
        ``callback(intermediate_result)`` after each iteration (x, fun = F(x),
        jac, nit); StopIteration stops cleanly.
    options : dict, optional
        ``maxiter`` (default 100 (n + 1)), ``xtol`` (stop after a full Newton
        step shorter than xtol relative to x; default 1e-12), ``disp`` (table of
        iteration, |F|, |J^T F|, step), ``return_history``.
    sparse : bool or sparsity pattern, optional
        True: the Jacobian is a scipy.sparse array from
        :func:`dualcalc.sparse_jacobian`, its pattern detected at every
        iterate (patterns are local at x; the coloring is reused while the
        pattern does not change), and each step solves with
        ``scipy.sparse.linalg.spsolve``.  A pattern: used at every iterate
        as given (it must hold for every x).

    Returns
    -------
    OptimizeResult
        ``x``, ``fun`` (F at x), ``jac``, ``nit``, ``nfev``, ``njev``,
        ``success``, ``status``, ``message``.  A singular Jacobian stops with
        status 4 and success=False.

    Examples
    --------
    >>> from dualcalc.optimize import root
    >>> r = root(lambda x: [x[0]**2 + x[1]**2 - 4.0, x[0] - x[1]], [1.0, 0.5])
    >>> r.success, r.x.round(12).tolist()
    (True, [1.414213562373, 1.414213562373])
    """
    if str(method).lower() != "newton":
        raise ValueError(f"unknown method {method!r}; root has method='newton'")
    x = check_x0(x0)
    n = x.size
    opts = check_options(options, _ROOT_OPTIONS, "newton")
    maxiter = opts.get("maxiter")
    maxiter = 100 * (n + 1) if maxiter is None else maxiter
    tol = 1e-12 if tol is None else float(tol)
    xtol = float(opts.get("xtol", 1e-12))
    sys = _System(fun, args, n, sparse)
    mon = Monitor(callback, opts.get("disp"), opts.get("return_history"), label="|F|")

    def done(x, F, J, nit, status):
        r = OptimizeResult(x=x, fun=F, jac=J, nit=nit, nfev=sys.nfev, njev=sys.njev)
        finish(r, status)
        return mon.attach(r, value=float(np.max(np.abs(F))))

    F = sys.value(x)          # value first: a clear error for a non-square F
    if not np.all(np.isfinite(F)):
        return done(x, F, None, 0, NONFINITE)
    F, J = sys.value_jac(x)
    if J is None or not (np.all(np.isfinite(F)) and _finite_jac(J)):
        return done(x, F, J, 0, NONFINITE)
    mon.start(float(np.max(np.abs(F))), float(np.max(np.abs(J.T @ F))))
    nit = 0
    while True:
        if np.max(np.abs(F)) <= tol:
            status = ROOT_FOUND
            break
        if nit >= maxiter:
            status = MAXITER
            break
        if sys.sparse:
            dx = _sparse_step(J, F)
            if dx is None:
                status = SINGULAR
                break
            nit += 1
        else:
            U, s, Vt = np.linalg.svd(J)
            if s[0] == 0 or s[-1] <= n * _EPS * s[0]:
                status = SINGULAR
                break
            nit += 1
            dx = -(Vt.T @ ((U.T @ F) / s))
        if small_step(dx, x, xtol):
            # the remaining correction is at rounding level: take it and stop
            x = x + dx
            F_new, J_new = sys.value_jac(x)
            if J_new is not None and np.all(np.isfinite(F_new)) and _finite_jac(J_new):
                F, J = F_new, J_new
            else:
                x = x - dx
            status = ROOT_FOUND if np.max(np.abs(F)) <= tol else SMALL_STEP
            break
        phi = 0.5 * _sumsq(F)
        alpha = 1.0
        for _ in range(60):
            F_new = sys.value(x + alpha * dx)
            phi_new = 0.5 * _sumsq(F_new)
            if np.isfinite(phi_new) and phi_new <= (1 - 2e-4 * alpha) * phi:
                break
            if np.isfinite(phi_new):
                # quadratic model of phi along dx: phi'(0) = -2 phi
                denom = 2.0 * (phi_new - phi + 2 * phi * alpha)
                trial = 2 * phi * alpha * alpha / denom if denom > 0 else 0.5 * alpha
                alpha = min(max(trial, 0.1 * alpha), 0.5 * alpha)
            else:
                alpha *= 0.1
        else:
            nit -= 1
            status = PRECISION_LOSS
            break
        step = alpha * dx
        x = x + step
        F, J = sys.value_jac(x)
        if J is None or not (np.all(np.isfinite(F)) and _finite_jac(J)):
            status = NONFINITE
            break
        snorm = float(np.linalg.norm(step))
        if mon.record(nit, x, F, None if sys.sparse else J, float(np.max(np.abs(J.T @ F))), snorm,
                      display=float(np.max(np.abs(F)))):
            status = CALLBACK_STOP
            break
        if alpha == 1.0 and small_step(step, x, xtol):
            status = ROOT_FOUND if np.max(np.abs(F)) <= tol else SMALL_STEP
            break
    return done(x, F, J, nit, status)


def newton(f, x0, args=(), tol=1e-12, xtol=1e-12, maxiter=50, halley=False,
           callback=None, disp=False, order=None):
    """A root of a scalar function by Newton's method with the exact derivative,
    or Halley's method (cubic convergence) with the exact second derivative.

    Unlike ``scipy.optimize.newton`` this returns an `OptimizeResult` (the root
    is ``result.x``, a float), so that not converging is ``success=False``
    rather than an exception.  A step that increases |f| is halved until it
    does not (at most 30 times).

    Parameters
    ----------
    f : callable
        ``f(x, *args)`` of one real variable, written with Python operators,
        ``dualcalc.math`` or NumPy ufuncs.
    x0 : float
        Starting point.
    args : tuple, optional
        Extra arguments for f.
    tol : float, optional
        Stop when ``|f(x)| <= tol``.
    xtol : float, optional
        Stop after a full step with ``|dx| <= xtol * (xtol + |x|)``.
    maxiter : int, optional
        Iteration bound (default 50).
    halley : bool, optional
        Use Halley's method, ``x - 2 f f' / (2 f'^2 - f f'')``.
    order : int, optional
        Householder's method of this order d (convergence of order d + 1):
        the step ``d (1/f)^(d-1) / (1/f)^(d)``, from the Taylor coefficients of
        f at x (one ``dualcalc.taylor`` evaluation per point).  1 is Newton, 2
        is Halley (the same as ``halley=True``).
    callback : callable, optional
        ``callback(intermediate_result)`` with x, fun, jac (= f'), nit.
    disp : bool, optional
        Print a table of iteration, |f|, |f'|, step.

    Returns
    -------
    OptimizeResult
        ``x``, ``fun``, ``jac`` (f'(x)), ``nit``, ``nfev``, ``njev``, ``nhev``,
        ``success``, ``status``, ``message``.

    Examples
    --------
    >>> from dualcalc.optimize import newton
    >>> r = newton(lambda x: x**3 - 2*x - 5, 2.0)
    >>> round(r.x, 12), r.success
    (2.094551481542, True)
    >>> newton(lambda x: x**3 - 2*x - 5, 2.0, halley=True).nit <= r.nit
    True
    >>> newton(lambda x: x**3 - 2*x - 5, 2.0, order=4).nit <= r.nit
    True
    """
    if order is not None:
        if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
            raise ValueError(f"order must be an int >= 1 (1 Newton, 2 Halley, d Householder), "
                             f"got {order!r}")
        if halley and order != 2:
            raise ValueError("give either halley=True or order=, not both (halley is order=2)")
        halley = halley or order == 2
    householder = order is not None and order >= 3
    try:
        x = float(np.asarray(x0, dtype=np.float64))
    except (TypeError, ValueError):
        raise ValueError(f"x0 must be a real number, got {x0!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"x0 must be finite, got {x}")
    if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 0:
        raise ValueError(f"maxiter must be a non-negative integer, got {maxiter!r}")
    if not callable(f):
        raise TypeError("f must be callable, called as f(x, *args)")
    args = args if isinstance(args, tuple) else (args,)
    count = {"nfev": 0, "njev": 0, "nhev": 0}
    mon = Monitor(callback, disp, False, label="|f|")

    def evaluate(x):
        count["nfev"] += 1
        count["njev"] += 1
        out = _guarded(lambda: D.value_and_derivative(f, x, args=args), (math.inf, math.nan))
        v, d = out
        if np.ndim(v) != 0:
            raise ValueError("newton needs f to return one number; for systems use root")
        v, d = float(v), float(d)
        if householder:
            # the Householder step g_(d-1) / g_d from the coefficients g of 1/f
            # (d2 carries the step on this path); Newton's step where it fails
            from dualcalc.taylor import taylor
            count["nhev"] += 1
            c = _guarded(lambda: taylor(f, x, order, args=args), None)
            step = 0.0
            if c is not None and np.ndim(c) == 1 and c[0] != 0.0:
                g = np.empty(order + 1)
                g[0] = 1.0
                for k in range(1, order + 1):        # g = c_0 / f, as a series
                    g[k] = -np.dot(c[1:k + 1], g[k - 1::-1]) / c[0]
                with np.errstate(all="ignore"):
                    step = g[order - 1] / g[order] if g[order] != 0 else 0.0
                step = float(step) if math.isfinite(step) else 0.0
            return v, d, step
        if halley:
            count["nfev"] += 1
            count["nhev"] += 1
            d2 = _guarded(lambda: D.value_and_derivative(f, x, args=args, order=2)[1], math.nan)
            return v, d, float(d2)
        return v, d, 0.0

    def done(x, v, d, nit, status):
        r = OptimizeResult(x=x, fun=v, jac=d, nit=nit, **count)
        finish(r, status)
        return mon.attach(r, value=abs(v))

    v, d, d2 = evaluate(x)
    if not (math.isfinite(v) and math.isfinite(d) and math.isfinite(d2)):
        return done(x, v, d, 0, NONFINITE)
    mon.start(abs(v), abs(d))
    nit = 0
    while True:
        if abs(v) <= tol:
            status = ROOT_FOUND
            break
        if nit >= maxiter:
            status = MAXITER
            break
        if d == 0.0:
            status = SINGULAR
            break
        nit += 1
        dx = -v / d
        if abs(dx) <= xtol * (xtol + abs(x)):
            v_new, d_new, d2_new = evaluate(x + dx)
            if math.isfinite(v_new) and math.isfinite(d_new):
                x, v, d, d2 = x + dx, v_new, d_new, d2_new
            status = ROOT_FOUND if abs(v) <= tol else SMALL_STEP
            break
        if householder:
            if d2 * dx > 0:          # d2 is the Householder step here
                dx = d2
        elif halley:
            denom = 2 * d * d - v * d2
            if denom != 0.0 and math.isfinite(denom):
                h = -2 * v * d / denom
                if h * dx > 0:       # Halley's correction keeps Newton's direction
                    dx = h
        for halvings in range(31):
            x_new = x + dx
            v_new, d_new, d2_new = evaluate(x_new)
            if math.isfinite(v_new) and abs(v_new) <= abs(v) and math.isfinite(d_new) \
                    and math.isfinite(d2_new):
                break
            dx *= 0.5
        else:
            nit -= 1
            status = PRECISION_LOSS if math.isfinite(v_new) else NONFINITE
            break
        x, v, d, d2 = x_new, v_new, d_new, d2_new
        if mon.record(nit, x, v, d, abs(d), abs(dx), display=abs(v)):
            status = CALLBACK_STOP
            break
        if halvings == 0 and abs(dx) <= xtol * (xtol + abs(x)):
            status = ROOT_FOUND if abs(v) <= tol else SMALL_STEP
            break
    return done(x, v, d, nit, status)
