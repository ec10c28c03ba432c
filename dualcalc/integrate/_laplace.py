"""laplace: Laplace's approximation of the integral of exp(log_density).

Design: the mode comes from ``dualcalc.optimize.minimize(method="newton")`` on
the negative log density (exact gradient and Hessian) and one more Newton
step from where it stopped (so the mode is exact to rounding, not to gtol), the
curvature from ``dualcalc.value_gradient_hessian`` at the mode, and the log evidence from a log-determinant
(never the determinant itself, which under- or overflows in high dimension).
"""
import math

import numpy as np

from dualcalc import derivatives as D
from dualcalc.optimize import OptimizeResult, minimize

__all__ = ["laplace"]

_NOT_PD = ("The Hessian of the negative log density at the mode is not positive "
           "definite: the mode is not a strict maximum, so Laplace's approximation "
           "does not apply.")


def laplace(log_density, x0, args=(), tol=None, options=None):
    """Laplace's approximation: the mode, the curvature there, and the log evidence.

    log Z = log p(x*) + d/2 log(2 pi) - 1/2 log det H, where x* maximises the log
    density p and H is the Hessian of -log p at x*.  Exact for a Gaussian.

    Parameters
    ----------
    log_density : callable
        ``log_density(x, *args)`` for x of shape (d,), unnormalised.
    x0 : array_like, shape (d,)
        Start of the Newton iteration (a scalar is shape (1,)).
    args : tuple
        Extra arguments for log_density.
    tol, options
        Passed to `dualcalc.optimize.minimize` (gradient tolerance, maxiter...).

    Returns
    -------
    OptimizeResult
        ``x`` (the mode), ``hess`` (the Hessian of -log p at x), ``log_evidence``,
        ``fun`` (log p at the mode), ``cov`` (inv(hess), the Gaussian's
        covariance), ``nit``, ``nfev``, ``success``, ``status``, ``message``.

    Examples
    --------
    >>> import numpy as np
    >>> from dualcalc.integrate import laplace
    >>> r = laplace(lambda x: -0.5 * np.sum((x - 1.0)**2 / np.array([1.0, 4.0])), [0.0, 0.0])
    >>> r.x
    array([1., 1.])
    >>> bool(abs(r.log_evidence - np.log(2 * np.pi * 2.0)) < 1e-13)   # log sqrt(det(2 pi S))
    True
    """
    if not callable(log_density):
        raise TypeError("log_density must be callable as log_density(x, *args)")
    args = args if isinstance(args, tuple) else (args,)

    def neg(x, *a):
        return -log_density(x, *a)

    r = minimize(neg, x0, args=args, method="newton", tol=tol, options=options)
    x = np.atleast_1d(np.asarray(r.x, dtype=np.float64))
    fun0, g, H = D.value_gradient_hessian(neg, x, args=args)
    H = np.atleast_2d(H)
    # one more exact Newton step: minimize stops at gtol, and Newton's quadratic
    # convergence takes the mode from there to rounding
    if r.success and np.all(np.isfinite(g)) and np.all(np.isfinite(H)):
        try:
            x1 = x - np.linalg.solve(H, np.atleast_1d(g))
            v1, g1, H1 = D.value_gradient_hessian(neg, x1, args=args)
            if v1 <= fun0 and np.all(np.isfinite(H1)):
                x, fun0, H = x1, v1, np.atleast_2d(H1)
        except np.linalg.LinAlgError:
            pass
    d = x.size
    fun = 0.0 - float(fun0)
    success, status, message = r.success, r.status, r.message
    sign, logdet = np.linalg.slogdet(H) if np.all(np.isfinite(H)) else (0.0, math.nan)
    if sign <= 0:
        log_evidence, cov = math.nan, None
        success, message = False, _NOT_PD
    else:
        log_evidence = fun + 0.5 * d * math.log(2 * math.pi) - 0.5 * float(logdet)
        cov = np.linalg.inv(H)
    return OptimizeResult(x=x, hess=H, cov=cov, log_evidence=log_evidence, fun=fun,
                          nit=r.nit, nfev=r.nfev, success=success, status=status,
                          message=message)
