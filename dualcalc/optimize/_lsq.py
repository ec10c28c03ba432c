"""least_squares: Levenberg-Marquardt and Gauss-Newton with exact Jacobians.

Design: minimise cost = |r(x)|^2 / 2.  Both methods take the Jacobian of the
residual vector from one dualcalc.value_and_jacobian call per accepted point
and solve their linear subproblems as least-squares problems (never forming
J^T J for the solve), which keeps the accuracy of J on ill-conditioned fits.
"""
import math

import numpy as np

from dualcalc import derivatives as D
from dualcalc.optimize._result import (
    CALLBACK_STOP, CONVERGED, MAXITER, NONFINITE, PRECISION_LOSS, SMALL_FCHANGE,
    SMALL_STEP, Monitor, OptimizeResult, check_options, check_x0, finish, small_step)
from dualcalc.optimize._root import _guarded, _sumsq

__all__ = ["least_squares"]


class _Residuals:
    def __init__(self, fun, args, n, sparse=False):
        if not callable(fun):
            raise TypeError("residuals must be callable, called as residuals(x, *args)")
        self.fun = fun
        self.args = args if isinstance(args, tuple) else (args,)
        self.n = n
        self.m = None
        self.nfev = self.njev = 0
        # sparse: False, True (pattern detected at every Jacobian) or a pattern
        self.sparse = sparse is not False and sparse is not None
        self.pattern = None if isinstance(sparse, bool) or sparse is None else sparse
        self.detect = self.sparse and self.pattern is None

    def _check(self, r):
        r = np.asarray(r, dtype=np.float64)
        if r.ndim > 1:
            raise ValueError(f"residuals must return a 1-D array of numbers; got shape {r.shape}")
        r = r.reshape(-1)
        if self.m is None:
            if r.size == 0:
                raise ValueError("residuals returned an empty array")
            self.m = r.size
        elif r.size != self.m:
            raise ValueError(f"residuals returned {r.size} numbers, earlier {self.m}")
        return r

    def value(self, x):
        self.nfev += 1
        r = _guarded(lambda: self.fun(x.copy(), *self.args), None)
        if r is None:
            return np.full(self.m, np.inf)
        try:
            return self._check(r)
        except TypeError:
            raise ValueError("residuals must return a number or a 1-D array of numbers") from None

    def value_jac(self, x):
        self.nfev += 1
        self.njev += 1
        if self.sparse:
            return self._value_sparse_jac(x)
        out = _guarded(lambda: D.value_and_jacobian(self.fun, x, args=self.args), None)
        if out is None:
            return np.full(self.m, np.inf), None
        r = self._check(out[0])
        return r, np.asarray(out[1], dtype=np.float64).reshape(self.m, self.n)

    def _value_sparse_jac(self, x):
        from dualcalc.sparse import value_and_sparse_jacobian
        from dualcalc.sparsity import jacobian_sparsity
        if self.detect:
            # patterns are local at x (the residuals may branch): detect at
            # every x, keeping the previous pattern object (and its cached
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
            return np.full(self.m, np.inf), None
        return self._check(out[0]), out[1]


def _finite(*arrays):
    return all(a is not None and np.all(np.isfinite(a.data if hasattr(a, "tocsc") else a))
               for a in arrays)


def _column_sumsq(J):
    if hasattr(J, "tocsc"):
        return np.asarray(J.multiply(J).sum(axis=0), dtype=np.float64).ravel()
    return np.sum(J * J, axis=0)


def _sparse_lsq(J, r, d):
    """argmin_h |J h + r|^2 + |d * h|^2 for a scipy.sparse J (d = 0: the
    least-squares Gauss-Newton step) from a sparse LU of the augmented system
    [[I, J], [J^T, -diag(d^2)]] [s; h] = [-r; 0], which, unlike the normal
    equations, does not square J's condition number.  A singular system (J
    rank deficient and d = 0) is solved by LSMR to rounding instead."""
    import warnings
    import scipy.sparse as sp
    from scipy.sparse.linalg import lsmr, splu
    m, n = J.shape
    rhs = np.concatenate([-r, np.zeros(n)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if m == n and not np.any(d):
            # square and undamped: the step solves J h = -r (a third of the
            # augmented system's factorisation time at n = 10^5)
            try:
                h = splu(sp.csc_array(J)).solve(-r)
                if np.all(np.isfinite(h)):
                    return h
            except RuntimeError:
                pass
        K = sp.block_array([[sp.eye_array(m), J], [J.T, sp.diags_array(-(d * d))]],
                           format="csc")
        try:
            # K is symmetric: an ordering of K + K^T keeps the fill near that
            # of a Cholesky factor (COLAMD's is 3x larger on 2-D stencils)
            h = splu(K, permc_spec="MMD_AT_PLUS_A").solve(rhs)[m:]
            if np.all(np.isfinite(h)):
                return h
        except RuntimeError:                       # exactly singular
            pass
    A = sp.vstack([J, sp.diags_array(d)]) if np.any(d) else J
    b = rhs if np.any(d) else -r
    return lsmr(A, b, atol=1e-15, btol=1e-15, maxiter=10 * (n + m))[0]


_LSQ_OPTIONS = ("maxiter", "disp", "return_history", "initial_damping")


def least_squares(residuals, x0, args=(), method="lm", ftol=1e-10, xtol=1e-10, gtol=1e-10,
                  callback=None, options=None, *, sparse=False):
    """Minimise ``cost = 0.5 * sum(residuals(x)**2)`` with the exact Jacobian.

    Parameters
    ----------
    residuals : callable
        ``residuals(x, *args)`` returning m numbers (list or array); it receives a
        copy of x.
    x0 : array_like, shape (n,)
        Starting point.
    args : tuple, optional
        Extra arguments for residuals.
    method : {"lm", "gauss-newton"}
        ``"lm"`` (default): Levenberg-Marquardt with Marquardt's scaling (the
        damping matrix is the running maximum of diag(J^T J)) and Nielsen's
        damping update.  ``"gauss-newton"``: the least-squares Gauss-Newton
        step with an Armijo backtracking line search.
    ftol, xtol, gtol : float, optional
        Stop when an accepted step reduces the cost by less than ftol * cost,
        when every |step_i| <= xtol * (xtol + |x_i|), or when
        ``max |J^T r| <= gtol`` (scipy's names, checked in that spirit).
    callback : callable, optional
        ``callback(intermediate_result)`` (x, fun = cost, jac = J^T r, nit);
        StopIteration stops cleanly.
    options : dict, optional
        ``maxiter`` (default 100 (n + 1)), ``disp``, ``return_history``,
        ``initial_damping`` (lm, default 1e-3).
    sparse : bool or sparsity pattern, optional
        True: the Jacobian is a scipy.sparse array from
        :func:`dualcalc.sparse_jacobian` (its pattern detected at every
        accepted point, the coloring reused while the pattern holds), and the
        linear subproblems are solved by a sparse LU of the augmented system
        [[I, J], [J^T, -D]] (LSMR where that is singular).  A pattern (as from
        :func:`dualcalc.jacobian_sparsity`) is used at every point.  Needs
        scipy.

    Returns
    -------
    OptimizeResult
        ``x``, ``cost``, ``fun`` (the residuals), ``jac`` (m x n), ``grad``
        (J^T r), ``optimality`` (max |grad|), ``nit``, ``nfev``, ``njev``,
        ``success``, ``status``, ``message`` -- the fields of
        ``scipy.optimize.least_squares``.

    Examples
    --------
    >>> import numpy as np
    >>> from dualcalc.optimize import least_squares
    >>> t = np.array([0.0, 1.0, 2.0, 3.0]); y = 2.0 * np.exp(-0.5 * t)
    >>> fit = least_squares(lambda p: [p[0] * np.exp(-p[1] * ti) - yi
    ...                                for ti, yi in zip(t, y)], [1.0, 1.0])
    >>> fit.success, fit.x.round(10).tolist()
    (True, [2.0, 0.5])
    """
    key = str(method).lower().replace("_", "-")
    if key not in ("lm", "gauss-newton"):
        raise ValueError(f"unknown method {method!r}; choose 'lm' or 'gauss-newton'")
    for name, v in (("ftol", ftol), ("xtol", xtol), ("gtol", gtol)):
        if not (np.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be a non-negative number, got {v!r}")
    x = check_x0(x0)
    n = x.size
    opts = check_options(options, _LSQ_OPTIONS, key)
    maxiter = opts.get("maxiter")
    maxiter = 100 * (n + 1) if maxiter is None else maxiter
    mu = float(opts.get("initial_damping", 1e-3))
    res = _Residuals(residuals, args, n, sparse)
    sparse = res.sparse
    mon = Monitor(callback, opts.get("disp"), opts.get("return_history"), label="cost")

    def done(x, r, J, nit, status):
        cost = 0.5 * _sumsq(r)
        g = None if J is None else J.T @ r
        out = OptimizeResult(x=x, cost=cost, fun=r, jac=J, grad=g,
                             optimality=None if g is None else float(np.max(np.abs(g))),
                             nit=nit, nfev=res.nfev, njev=res.njev)
        finish(out, status)
        return mon.attach(out, value=cost)

    r = res.value(x)
    if not _finite(r):
        return done(x, r, None, 0, NONFINITE)
    r, J = res.value_jac(x)
    if not _finite(r, J):
        return done(x, r, J, 0, NONFINITE)
    cost = 0.5 * _sumsq(r)
    g = J.T @ r
    mon.start(cost, float(np.max(np.abs(g))))
    scale = _column_sumsq(J)
    scale[scale == 0] = 1.0
    nu = 2.0
    nit = 0
    while True:
        if np.max(np.abs(g)) <= gtol:
            status = CONVERGED
            break
        if nit >= maxiter:
            status = MAXITER
            break
        nit += 1
        if key == "lm":
            scale = np.maximum(scale, _column_sumsq(J))
            if sparse:
                h = _sparse_lsq(J, r, np.sqrt(mu * scale))
            else:
                A = np.vstack([J, np.diag(np.sqrt(mu * scale))])
                h = np.linalg.lstsq(A, np.concatenate([-r, np.zeros(n)]), rcond=None)[0]
            if small_step(h, x, xtol):
                status = SMALL_STEP
                nit -= 1
                break
            r_new = res.value(x + h)
            cost_new = 0.5 * _sumsq(r_new)
            Jh = J @ h
            pred = -(g @ h) - 0.5 * float(Jh @ Jh)
            rho = (cost - cost_new) / pred if (pred > 0 and math.isfinite(cost_new)) else -1.0
            accepted = rho > 0
            if accepted:
                mu *= max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3)
                nu = 2.0
            else:
                mu *= nu
                nu *= 2.0
                if mu > 1e30:
                    status = PRECISION_LOSS
                    nit -= 1
                    break
            step = h
        else:
            h = (_sparse_lsq(J, r, np.zeros(n)) if sparse
                 else np.linalg.lstsq(J, -r, rcond=None)[0])
            if small_step(h, x, xtol):
                status = SMALL_STEP
                nit -= 1
                break
            slope = float(g @ h)
            alpha = 1.0
            accepted = False
            if slope < 0:
                for _ in range(60):
                    r_new = res.value(x + alpha * h)
                    cost_new = 0.5 * _sumsq(r_new)
                    if math.isfinite(cost_new) and cost_new <= cost + 1e-4 * alpha * slope:
                        accepted = True
                        break
                    alpha *= 0.5
            if not accepted:
                status = PRECISION_LOSS
                nit -= 1
                break
            step = alpha * h
            rho = 1.0
        if accepted:
            r_try, J_new = res.value_jac(x + step)
            if not _finite(r_try, J_new):
                if key == "gauss-newton":
                    status = NONFINITE
                    break
                mu *= nu
                nu *= 2.0
                accepted = False
            else:
                reduction = cost - cost_new
                x, r, J = x + step, r_try, J_new
                cost = 0.5 * _sumsq(r)
                g = J.T @ r
        snorm = float(np.linalg.norm(step)) if accepted else 0.0
        if mon.record(nit, x, cost, g, float(np.max(np.abs(g))), snorm):
            status = CALLBACK_STOP
            break
        if accepted and rho > 0.25 and reduction <= ftol * (cost + reduction):
            status = SMALL_FCHANGE
            break
        if accepted and small_step(step, x, xtol):
            status = SMALL_STEP
            break
    return done(x, r, J, nit, status)
