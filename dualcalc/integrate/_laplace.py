"""laplace: Laplace's approximation of the integral of exp(log_density).

Design: the mode comes from ``dualcalc.optimize.minimize(method="newton")`` on
the negative log density (exact gradient and Hessian) and one more Newton
step from where it stopped (so the mode is exact to rounding, not to gtol), the
curvature from ``dualcalc.value_gradient_hessian`` at the mode, and the log evidence from a log-determinant
(never the determinant itself, which under- or overflows in high dimension).

Dual parameters: when ``args`` hold dual numbers (Dual, elements of a dual
array, DualArray; one tag, k directions), the mode is found at their values
and the results carry their first derivatives by the implicit-function
theorem.  With phi(x, s) = -log p(x, theta(s)), theta(s) = theta0 + sum_j
s_j eps_j (the args' tangents as k plain coordinates), one exact Hessian of
phi in (x, s) gives dx*/ds = -H_xx^-1 H_xs and d log p(x*)/ds; the log
determinant's derivative is tr(H^-1 dH/ds_j), dH/ds_j the third derivative
of phi along v_j = (dx*/ds_j, e_j), taken from Taylor coefficients of order 3
(`dualcalc.taylor`) by polarization: T(u, w, v) from T(y, y, y) at y = u +- v,
w +- v, ... (3 levels of perturbation, one more than the dual types hold).
"""
import math

import numpy as np

from dualcalc import derivatives as D
from dualcalc._core._scalar import Dual, HyperDual
from dualcalc._core._vec import DualVec, HyperDualVec
from dualcalc.arrays import DualArray, HyperDualArray
from dualcalc.integrate._duals import is_dual
from dualcalc.optimize import OptimizeResult, minimize
from dualcalc.taylor import taylor

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
        Extra arguments for log_density.  They may be dual numbers (first
        order: ``Dual``, elements of a ``DualArray``, a ``DualArray``): the
        mode, the log density there, the Hessian, the covariance and
        ``log_evidence`` then carry their derivatives (implicit-function
        theorem, exact), so ``dualcalc.gradient`` works through ``laplace``.
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

    The log evidence of a Gamma kernel x^(a-1) e^(-b x) in its parameters
    (closed form (a-1) log((a-1)/b) - (a-1) + log(2 pi)/2 - log b + log(a-1)/2):

    >>> import dualcalc as dc
    >>> g = dc.gradient(lambda q: laplace(lambda x, a, b: (a - 1) * np.log(x[0]) - b * x[0],
    ...                                   [1.0], args=(q[0], q[1])).log_evidence, [3.0, 2.0])
    >>> np.round(g, 12)                       # [log(2/2) + 1/4, -2/2 - 1/2]
    array([ 0.25, -1.5 ])
    """
    if not callable(log_density):
        raise TypeError("log_density must be callable as log_density(x, *args)")
    args = args if isinstance(args, tuple) else (args,)
    args, seeds, tag, k, scalar = _split_args(args)

    def neg(x, *a):
        return -log_density(x, *a)

    if is_dual(log_density(np.atleast_1d(np.asarray(x0, dtype=np.float64)), *args)):
        raise TypeError("log_density returned a dual number at plain x and plain args: it "
                        "closes over a dual value; pass the parameters through args "
                        "(laplace(log_density, x0, args=(theta,))) to differentiate in them")

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
            # kept when the value is no worse beyond rounding and the gradient
            # smaller: at the mode the value itself only moves by rounding
            near = v1 <= fun0 + 8 * np.finfo(float).eps * abs(fun0)
            if (near and np.all(np.isfinite(H1))
                    and np.max(np.abs(g1)) <= np.max(np.abs(np.atleast_1d(g)))):
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
    if seeds:
        x, fun, H, cov, log_evidence = _with_sensitivities(
            neg, x, H, cov, fun, log_evidence, args, seeds, tag, k, scalar)
    return OptimizeResult(x=x, hess=H, cov=cov, log_evidence=log_evidence, fun=fun,
                          nit=r.nit, nfev=r.nfev, success=success, status=status,
                          message=message)


def _split_args(args):
    """(args at their values, [(index, tangents (k,) + shape)], tag, k, all scalar)."""
    base, seeds, tag, k, scalar = [], [], None, None, True
    for i, a in enumerate(args):
        if isinstance(a, (HyperDual, HyperDualVec, HyperDualArray)):
            raise TypeError("laplace differentiates to first order in args; second-order "
                            "dual arguments (dualcalc.hessian, HyperDual) are not supported: "
                            "take second derivatives of the log evidence by differentiating "
                            "a first derivative's closed form, or use dualcalc.derivative on "
                            "each parameter")
        if isinstance(a, Dual):
            v, e, t, ka = a.value, np.array([a.eps]), a.tag, 1
        elif isinstance(a, DualVec):
            v, e, t, ka = a.value, np.asarray(a.eps, dtype=np.float64), a.tag, a.k
            scalar = False
        elif isinstance(a, DualArray):
            v, e, t, ka = np.asarray(a.value), np.asarray(a.eps), a.tag, a.ndirs
            scalar = False
        else:
            if isinstance(a, (list, tuple)) and any(is_dual(o) for o in a):
                raise TypeError("laplace: a list or tuple in args holds dual numbers; pass "
                                "each dual parameter as its own argument or as one DualArray")
            base.append(a)
            continue
        if tag is None:
            tag, k = t, ka
        elif t != tag or ka != k:
            raise TypeError("laplace: the dual numbers in args carry different perturbations "
                            "(tags or direction counts); nested derivatives through laplace "
                            "are not supported")
        base.append(v)
        seeds.append((i, e))
    return tuple(base), seeds, tag, k, scalar


def _with_sensitivities(neg, x, H, cov, fun, log_evidence, args, seeds, tag, k, scalar):
    """The results as dual numbers carrying d/dtheta (see the module's Design)."""
    d = x.size

    def phi(z):
        a = list(args)
        s = z[d:]
        for i, e in seeds:
            acc = args[i]
            for j in range(k):
                if np.any(e[j] != 0):
                    acc = acc + s[j] * e[j]
            a[i] = acc
        return neg(z[:d], *a)

    z0 = np.concatenate([x, np.zeros(k)])
    _, G, HZ = D.value_gradient_hessian(phi, z0)
    G, HZ = np.atleast_1d(G), np.atleast_2d(HZ)
    if cov is None:
        nan = np.full(k, math.nan)
        dx, dfun, dlogz = np.full((d, k), math.nan), nan, nan
        dH = np.full((k, d, d), math.nan)
    else:
        dx = -np.linalg.solve(HZ[:d, :d], HZ[:d, d:])               # (d, k)
        dfun = -(G[d:] + G[:d] @ dx)                                # d log p(x*) / ds
        dH = np.empty((k, d, d))
        eye = np.eye(d + k)
        for j in range(k):
            v = np.concatenate([dx[:, j], eye[d + j, d:]])
            dH[j] = _third_along(phi, z0, v, d)
        dlogz = dfun - 0.5 * np.einsum("ab,jab->j", cov, dH)

    def dual(value, eps, shape=()):
        if scalar and not shape:
            return Dual(float(value), float(eps[0]), tag)
        return DualArray(np.asarray(value, dtype=np.float64), np.asarray(eps), tag)

    xs = dual(x, dx.T, x.shape)
    funs = dual(fun, dfun)
    Hs = dual(H, dH, H.shape)
    covs = None if cov is None else dual(cov, -np.einsum("ab,jbc,cd->jad", cov, dH, cov),
                                         cov.shape)
    return xs, funs, Hs, covs, dual(log_evidence, dlogz)


def _third_along(phi, z0, v, d):
    """The x-block of D_v H: T(e_a, e_b, v) for the third-derivative tensor T of
    phi at z0, by polarization of third Taylor coefficients T(y, y, y)."""
    scale = float(np.max(np.abs(v)))
    if scale == 0.0:
        return np.zeros((d, d))
    v = v / scale

    def cube(y):
        return 6.0 * float(taylor(phi, z0, order=3, v=y)[3])

    tv = cube(v)

    def uuv(u):             # T(u, u, v) = (T(u+v)^3 - T(u-v)^3 - 2 T(v)^3) / 6
        return (cube(u + v) - cube(u - v) - 2.0 * tv) / 6.0

    E = np.eye(z0.size)[:d]
    out = np.empty((d, d))
    diag = [uuv(E[a]) for a in range(d)]
    for a in range(d):
        out[a, a] = diag[a]
        for b in range(a):
            out[a, b] = out[b, a] = 0.5 * (uuv(E[a] + E[b]) - diag[a] - diag[b])
    return scale * out
