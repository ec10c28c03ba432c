"""Quasi-Newton methods: BFGS and limited-memory BFGS on exact gradients.

Design: both methods look for strong-Wolfe steps and differ in the search
and in how they apply the inverse-Hessian approximation to the gradient.
BFGS uses Nocedal & Wright's search (*Numerical Optimization*, 2nd ed.,
algorithms 3.5 and 3.6, with safeguarded cubic interpolation in the zoom
phase); L-BFGS uses More & Thuente's (ACM TOMS 20, 1994; the search of
L-BFGS-B), which on the MGH set (standard and 10x starts, beside scipy's
L-BFGS-B given the same gradients) reaches the published minimum in the
same iterations as L-BFGS-B on every run both solve, where N&W's search
took a median of one more iteration and 2 more evaluations.  BFGS keeps the dense n x n
matrix, L-BFGS the last ``maxcor`` pairs (s, y) and the two-loop recursion
(N&W algorithm 7.4).  Gradients are exact (dualcalc.value_and_gradient, one
forward pass with the n directions in chunks); every trial point of the line
search costs one value-and-gradient evaluation, as in scipy's BFGS.

Choices, where the textbooks leave room:

* the first trial step is min(1, 1/|g|_2) for BFGS (what scipy's BFGS does
  on its first iteration) and 1/|g|_2 for L-BFGS (L-BFGS-B's first step: a
  unit step along -g, however small g is; on the MGH set, with N&W's
  search, it took the paired median from 26 to 25 iterations), then 1, the
  quasi-Newton step;
* L-BFGS scales its H0 by s.y / y.y of the newest pair (N&W eq. 7.20);
  BFGS starts from H0 = I without the one-off scaling of N&W eq. 6.20, as
  scipy does: on the MGH set (standard and 10x starts) the scaling solved
  the same number of problems with a higher median iteration count;
* a pair with s.y <= eps |s| |y| is skipped (the strong Wolfe conditions
  guarantee s.y > 0 in exact arithmetic; rounding can break it);
* when the line search fails along a quasi-Newton direction the memory is
  dropped and the search is retried once along -g; a failure along -g is
  status PRECISION_LOSS (the objective cannot be decreased to rounding).
"""
import math

import numpy as np

from dualcalc.optimize._result import (
    CALLBACK_STOP, CONVERGED, MAXITER, NONFINITE, PRECISION_LOSS, SMALL_FCHANGE, Monitor,
    check_options)

__all__ = ["minimize_bfgs", "minimize_lbfgs", "strong_wolfe", "more_thuente"]

_EPS = np.finfo(float).eps

_BFGS_OPTIONS = ("maxiter", "gtol", "ftol", "disp", "return_history", "c1", "c2", "maxls")
_LBFGS_OPTIONS = _BFGS_OPTIONS + ("maxcor",)


# ---------------------------------------------------------------- line search
def _cubic_min(a, fa, da, b, fb, db):
    """Minimiser of the cubic interpolating f and f' at a and b (N&W eq.
    3.59), or nan when it does not exist."""
    with np.errstate(all="ignore"):
        d1 = da + db - 3.0 * (fa - fb) / (a - b)
        rad = d1 * d1 - da * db
        if not rad >= 0:
            return math.nan
        d2 = math.copysign(math.sqrt(rad), b - a)
        den = db - da + 2.0 * d2
        if den == 0:
            return math.nan
        return b - (b - a) * (db + d2 - d1) / den


def _quad_min(a, fa, da, b, fb):
    """Minimiser of the quadratic through (a, fa) with slope da and (b, fb)."""
    den = 2.0 * (fb - fa - da * (b - a))
    if not (den > 0 and math.isfinite(den)):
        return math.nan
    return a - da * (b - a) ** 2 / den


def strong_wolfe(value_grad, f0, d0, alpha1, c1=1e-4, c2=0.9, maxls=40):
    """A step alpha along a descent direction satisfying the strong Wolfe
    conditions  phi(alpha) <= phi(0) + c1 alpha phi'(0)  and
    |phi'(alpha)| <= c2 |phi'(0)|  (N&W algorithms 3.5 and 3.6).

    ``value_grad(alpha)`` returns (phi(alpha), phi'(alpha), payload), with
    phi = inf for a point where the objective is not finite.  Returns
    (alpha, phi, payload) or None when no acceptable step was found within
    ``maxls`` evaluations; when only the sufficient-decrease condition could
    be met the best such step is returned (the caller skips the update if
    the curvature pair is unusable).

    Examples
    --------
    >>> phi = lambda a: ((a - 3.0)**2, 2 * (a - 3.0), None)   # phi'(0) = -6
    >>> a, fa, _ = strong_wolfe(phi, 9.0, -6.0, 1.0, c2=0.1)
    >>> fa <= 9.0 - 1e-4 * a * 6.0, abs(2 * (a - 3.0)) <= 0.1 * 6.0
    (True, True)
    """
    evals = 0
    best = None                               # best point with sufficient decrease

    def armijo(a, fa):
        return fa <= f0 + c1 * a * d0

    def zoom(lo, hi):
        nonlocal evals, best
        a_lo, f_lo, d_lo, _ = lo
        a_hi, f_hi, d_hi, _ = hi
        while evals < maxls:
            width = a_hi - a_lo
            if abs(width) <= _EPS * max(abs(a_lo), abs(a_hi)):
                break
            t = math.nan
            if math.isfinite(f_hi) and d_hi is not None:
                t = _cubic_min(a_lo, f_lo, d_lo, a_hi, f_hi, d_hi)
            if not math.isfinite(t) and math.isfinite(f_hi):
                t = _quad_min(a_lo, f_lo, d_lo, a_hi, f_hi)
            lo_edge, hi_edge = sorted((a_lo + 0.1 * width, a_hi - 0.1 * width))
            if not (lo_edge <= t <= hi_edge):
                t = a_lo + 0.5 * width
            ft, dt, pt = value_grad(t)
            evals += 1
            # (N&W test ft >= f_lo; strict here, so that a tie at rounding
            # level is decided by the slope, which is still informative)
            if not armijo(t, ft) or ft > f_lo:
                a_hi, f_hi, d_hi = t, ft, dt
            else:
                if best is None or ft < best[1]:
                    best = (t, ft, pt)
                if abs(dt) <= -c2 * d0:
                    return t, ft, pt
                if dt * (a_hi - a_lo) >= 0:
                    a_hi, f_hi, d_hi = a_lo, f_lo, d_lo
                a_lo, f_lo, d_lo = t, ft, dt
        return best

    prev = (0.0, f0, d0, None)
    a = alpha1
    while evals < maxls:
        fa, da, pa = value_grad(a)
        evals += 1
        if not math.isfinite(fa):
            # too long a step into a region where f is not defined: shrink
            # towards the last good point without counting it as a bracket.
            a = prev[0] + 0.1 * (a - prev[0])
            continue
        if not armijo(a, fa) or (prev[0] > 0 and fa >= prev[1]):
            return zoom(prev, (a, fa, da, pa))
        if best is None or fa < best[1]:
            best = (a, fa, pa)
        if abs(da) <= -c2 * d0:
            return a, fa, pa
        if da >= 0:
            return zoom((a, fa, da, pa), prev)
        # extrapolate: the cubic's minimiser, kept within [2a, 10a]
        t = _cubic_min(prev[0], prev[1], prev[2], a, fa, da)
        lo, hi = 2.0 * a, 10.0 * a
        if not (lo <= t <= hi):
            t = lo
        prev = (a, fa, da, pa)
        a = t
    return best


def _mt_step(stx, fx, dx, sty, fy, dy, stp, fp, dp, brackt, lo, hi):
    """One safeguarded step of More & Thuente (1994): the new trial step and
    the updated interval of uncertainty (stx is the best point so far)."""
    sgnd = dp * math.copysign(1.0, dx)
    if fp > fx:                       # 1: higher value, the minimum is bracketed
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        s = max(abs(theta), abs(dx), abs(dp))
        gamma = s * math.sqrt(max(0.0, (theta / s) ** 2 - (dx / s) * (dp / s)))
        if stp < stx:
            gamma = -gamma
        p = (gamma - dx) + theta
        q = ((gamma - dx) + gamma) + dp
        stpc = stx + p / q * (stp - stx)
        stpq = stx + dx / ((fx - fp) / (stp - stx) + dx) / 2.0 * (stp - stx)
        stpf = stpc if abs(stpc - stx) < abs(stpq - stx) else stpc + (stpq - stpc) / 2.0
        brackt = True
    elif sgnd < 0:                    # 2: the slopes change sign: bracketed
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        s = max(abs(theta), abs(dx), abs(dp))
        gamma = s * math.sqrt(max(0.0, (theta / s) ** 2 - (dx / s) * (dp / s)))
        if stp > stx:
            gamma = -gamma
        p = (gamma - dp) + theta
        q = ((gamma - dp) + gamma) + dx
        stpc = stp + p / q * (stx - stp)
        stpq = stp + dp / (dp - dx) * (stx - stp)
        stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
        brackt = True
    elif abs(dp) < abs(dx):           # 3: lower value, the slope shrinks
        theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
        s = max(abs(theta), abs(dx), abs(dp))
        gamma = s * math.sqrt(max(0.0, (theta / s) ** 2 - (dx / s) * (dp / s)))
        if stp > stx:
            gamma = -gamma
        p = (gamma - dp) + theta
        q = (gamma + (dx - dp)) + gamma
        r = p / q
        if r < 0 and gamma != 0:
            stpc = stp + r * (stx - stp)
        else:
            stpc = hi if stp > stx else lo
        stpq = stp + dp / (dp - dx) * (stx - stp)
        if brackt:
            stpf = stpc if abs(stpc - stp) < abs(stpq - stp) else stpq
            if stp > stx:
                stpf = min(stp + 0.66 * (sty - stp), stpf)
            else:
                stpf = max(stp + 0.66 * (sty - stp), stpf)
        else:
            stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
            stpf = max(lo, min(hi, stpf))
    else:                             # 4: lower value, the slope does not shrink
        if brackt:
            theta = 3.0 * (fp - fy) / (sty - stp) + dy + dp
            s = max(abs(theta), abs(dy), abs(dp))
            gamma = s * math.sqrt(max(0.0, (theta / s) ** 2 - (dy / s) * (dp / s)))
            if stp > sty:
                gamma = -gamma
            p = (gamma - dp) + theta
            q = ((gamma - dp) + gamma) + dy
            stpf = stp + p / q * (sty - stp)
        else:
            stpf = hi if stp > stx else lo
    if fp > fx:
        sty, fy, dy = stp, fp, dp
    else:
        if sgnd < 0:
            sty, fy, dy = stx, fx, dx
        stx, fx, dx = stp, fp, dp
    return stx, fx, dx, sty, fy, dy, stpf, brackt


def more_thuente(value_grad, f0, d0, alpha1, c1=1e-3, c2=0.9, xtol=0.1, maxls=20,
                 stpmax=1e10):
    """More & Thuente's line search (the one L-BFGS-B uses): a step with
    phi(a) <= phi(0) + c1 a phi'(0) and |phi'(a)| <= c2 |phi'(0)|, by
    safeguarded cubic and quadratic steps within an interval of uncertainty,
    on a shifted phi until a point with sufficient decrease and a
    non-negative slope is seen.  Same contract as `strong_wolfe`.

    Examples
    --------
    >>> phi = lambda a: ((a - 3.0)**2, 2 * (a - 3.0), None)   # phi'(0) = -6
    >>> a, fa, _ = more_thuente(phi, 9.0, -6.0, 1.0, c2=0.1)
    >>> fa <= 9.0 - 1e-3 * a * 6.0, abs(2 * (a - 3.0)) <= 0.1 * 6.0
    (True, True)
    """
    gtest = c1 * d0
    stx, fx, gx = 0.0, f0, d0
    sty, fy, gy = 0.0, f0, d0
    brackt, stage = False, 1
    width = stpmax
    width1 = 2.0 * width
    stp = min(alpha1, stpmax)
    lo, hi = 0.0, stp + 4.0 * stp
    best = None
    for _ in range(maxls):
        f, g, pay = value_grad(stp)
        if not math.isfinite(f):
            # not defined there: a shorter step, and never this far again
            stpmax = stp
            hi = min(hi, stp)
            stp = stx + 0.1 * (stp - stx)
            continue
        ftest = f0 + stp * gtest
        if f <= ftest and (best is None or f < best[1]):
            best = (stp, f, pay)
        if f <= ftest and abs(g) <= -c2 * d0:
            return stp, f, pay
        if stage == 1 and f <= ftest and g >= 0:
            stage = 2
        if brackt and (stp <= lo or stp >= hi or hi - lo <= xtol * hi):
            break                     # rounding, or the interval is below xtol
        if stp >= stpmax and f <= ftest and g <= gtest:
            break
        if stage == 1 and f <= fx and f > ftest:
            # the shifted function psi = phi - c1 phi'(0) a, until phi has
            # shown sufficient decrease with a non-negative slope
            stx, fxm, gxm, sty, fym, gym, stp, brackt = _mt_step(
                stx, fx - stx * gtest, gx - gtest, sty, fy - sty * gtest, gy - gtest,
                stp, f - stp * gtest, g - gtest, brackt, lo, hi)
            fx, gx = fxm + stx * gtest, gxm + gtest
            fy, gy = fym + sty * gtest, gym + gtest
        else:
            stx, fx, gx, sty, fy, gy, stp, brackt = _mt_step(
                stx, fx, gx, sty, fy, gy, stp, f, g, brackt, lo, hi)
        if brackt:
            if abs(sty - stx) >= 0.66 * width1:
                stp = stx + 0.5 * (sty - stx)
            width1 = width
            width = abs(sty - stx)
            lo, hi = min(stx, sty), max(stx, sty)
        else:
            lo, hi = stp + 1.1 * (stp - stx), stp + 4.0 * (stp - stx)
        stp = max(0.0, min(stp, stpmax))
        if brackt and (stp <= lo or stp >= hi or hi - lo <= xtol * hi):
            stp = stx
    return best


# ---------------------------------------------------------------- shared driver
def _norm_inf(g):
    return float(np.max(np.abs(g))) if g.size else 0.0


def _setup(method, tol, options, known):
    opts = check_options(options, known, method)
    gtol = float(opts.get("gtol", 1e-5 if tol is None else tol))
    c1, c2 = float(opts.get("c1", 1e-4)), float(opts.get("c2", 0.9))
    if not 0 < c1 < c2 < 1:
        raise ValueError(f"the line search needs 0 < c1 < c2 < 1; got c1={c1}, c2={c2}")
    maxls = opts.get("maxls", 40)
    if isinstance(maxls, bool) or not isinstance(maxls, (int, np.integer)) or maxls < 1:
        raise ValueError(f"maxls must be a positive integer, got {maxls!r}")
    ftol = float(opts.get("ftol", 0.0))
    if not (ftol >= 0 and math.isfinite(ftol)):
        raise ValueError(f"ftol must be a non-negative number, got {ftol!r}")
    opts["ftol"] = ftol
    return opts, gtol, c1, c2, int(maxls)


def _quasi_newton(obj, x, callback, tol, options, limited):
    from dualcalc.optimize._minimize import _finite, _result
    method = "l-bfgs" if limited else "bfgs"
    opts, gtol, c1, c2, maxls = _setup(method, tol, options,
                                       _LBFGS_OPTIONS if limited else _BFGS_OPTIONS)
    n = x.size
    maxiter = opts.get("maxiter")
    maxiter = 200 * n if maxiter is None else maxiter
    if limited:
        maxcor = opts.get("maxcor", 10)
        if isinstance(maxcor, bool) or not isinstance(maxcor, (int, np.integer)) or maxcor < 1:
            raise ValueError(f"maxcor must be a positive integer, got {maxcor!r}")
        pairs = []                               # (s, y, 1 / y.s), newest last
    else:
        Hinv = np.eye(n)
    mon = Monitor(callback, opts.get("disp"), opts.get("return_history"))
    search = more_thuente if limited else strong_wolfe

    f, g = obj.value_grad(x)
    if not _finite(f, g):
        return _result(obj, x, f, g, 0, NONFINITE, mon)
    mon.start(f, _norm_inf(g))
    nit = 0
    first = True

    def direction():
        if limited:
            q = -g
            alphas = []
            for s, yv, rho in reversed(pairs):
                a = rho * (s @ q)
                alphas.append(a)
                q = q - a * yv
            if pairs:
                s, yv, rho = pairs[-1]
                q = q * ((s @ yv) / (yv @ yv))
            for (s, yv, rho), a in zip(pairs, reversed(alphas)):
                b = rho * (yv @ q)
                q = q + (a - b) * s
            return q
        return -(Hinv @ g)

    def reset():
        nonlocal Hinv
        if limited:
            pairs.clear()
        else:
            Hinv = np.eye(n)

    while True:
        if _norm_inf(g) <= gtol:
            status = CONVERGED
            break
        if nit >= maxiter:
            status = MAXITER
            break
        with np.errstate(all="ignore"):
            p = direction()
            d0 = float(g @ p)
            steepest = not (d0 < 0 and np.isfinite(d0))
            if steepest:
                reset()
                p, d0 = -g, -float(g @ g)
        found = None
        for attempt in range(2):
            with np.errstate(all="ignore"):
                gnorm = float(np.linalg.norm(g))
            if first or steepest:
                alpha1 = 1.0 / gnorm if limited else min(1.0, 1.0 / gnorm)
            else:
                alpha1 = 1.0

            def phi(alpha, p=p):
                fa, ga = obj.value_grad(x + alpha * p)
                if not _finite(fa, ga):
                    return math.inf, None, None
                with np.errstate(all="ignore"):
                    slope = float(ga @ p)
                if not math.isfinite(slope):
                    return math.inf, None, None
                return fa, slope, ga

            found = search(phi, f, d0, alpha1, c1, c2, maxls=maxls)
            if found is not None or steepest:
                break
            reset()                              # retry once along -g
            steepest = True
            with np.errstate(all="ignore"):
                p, d0 = -g, -float(g @ g)
        if found is None:
            status = PRECISION_LOSS
            break
        alpha, f_new, g_new = found
        if not f_new < f:
            status = PRECISION_LOSS              # no decrease to rounding
            break
        nit += 1
        first = False
        s = alpha * p
        yv = g_new - g
        f_old = f
        x, f, g = x + s, f_new, g_new
        with np.errstate(all="ignore"):
            sy = float(s @ yv)
            usable = sy > _EPS * float(np.linalg.norm(s)) * float(np.linalg.norm(yv))
        if usable:
            if limited:
                pairs.append((s, yv, 1.0 / sy))
                if len(pairs) > maxcor:
                    pairs.pop(0)
            else:
                rho = 1.0 / sy
                Hy = Hinv @ yv
                # (I - rho s y^T) H (I - rho y s^T) + rho s s^T, expanded
                Hinv = (Hinv - rho * (np.outer(s, Hy) + np.outer(Hy, s))
                        + (rho * rho * float(yv @ Hy) + rho) * np.outer(s, s))
        with np.errstate(all="ignore"):
            step = float(np.linalg.norm(s))
        if mon.record(nit, x, f, g, _norm_inf(g), step):
            status = CALLBACK_STOP
            break
        if (f_old - f) <= opts["ftol"] * max(abs(f_old), abs(f), 1.0) and _norm_inf(g) > gtol:
            status = SMALL_FCHANGE
            break
    r = _result(obj, x, f, g, nit, status, mon)
    if not limited:
        r["hess_inv"] = Hinv
    return r


def minimize_bfgs(obj, x, callback, tol, options):
    """BFGS with a dense inverse-Hessian approximation and a strong-Wolfe
    line search on exact gradients.  Options: ``maxiter`` (default 200 n),
    ``gtol`` (infinity norm of the gradient, default 1e-5 as in scipy),
    ``c1``, ``c2`` (Wolfe constants, 1e-4 and 0.9), ``maxls`` (evaluations
    per line search, 40), ``disp``, ``return_history``.  The result carries
    ``hess_inv``."""
    return _quasi_newton(obj, x, callback, tol, options, limited=False)


def minimize_lbfgs(obj, x, callback, tol, options, bounds=None):
    """Limited-memory BFGS (two-loop recursion, ``maxcor`` = 10 pairs by
    default) with the same strong-Wolfe line search; O(maxcor n) memory and
    work per iteration besides the gradient.  With ``bounds`` = (lb, ub) it
    is a projected two-metric method (see `_lbfgs_bounded`)."""
    if bounds is not None:
        return _lbfgs_bounded(obj, x, callback, tol, options, *bounds)
    return _quasi_newton(obj, x, callback, tol, options, limited=True)


def _two_loop(q, pairs, idx):
    """-H q restricted to the coordinates idx (two-loop recursion on the
    pairs' components there)."""
    alphas = []
    q = q.copy()
    for s, yv, _ in reversed(pairs):
        ss, yy = s[idx], yv[idx]
        sy = float(ss @ yy)
        if sy <= 0:
            alphas.append(None)
            continue
        a = (ss @ q) / sy
        alphas.append((a, sy))
        q -= a * yy
    usable = [(s, yv) for (s, yv, _), a in zip(reversed(pairs), alphas) if a is not None]
    if usable:
        s, yv = usable[0]
        q *= float(s[idx] @ yv[idx]) / float(yv[idx] @ yv[idx])
    for (s, yv, _), a in zip(pairs, reversed(alphas)):
        if a is None:
            continue
        a, sy = a
        b = (yv[idx] @ q) / sy
        q += (a - b) * s[idx]
    return -q


def _lbfgs_bounded(obj, x, callback, tol, options, lb, ub):
    """L-BFGS with bounds: a projected two-metric method (Bertsekas, "Projected
    Newton methods for optimization problems with simple constraints", SIAM
    J. Control Optim. 20, 1982).  Variables at a bound whose gradient pushes
    outward (within a margin that shrinks with the projected gradient) are
    moved to that bound; the quasi-Newton step acts on the others, with the two-loop
    recursion restricted to them; the step is projected onto the box and
    shortened by Armijo backtracking along the projection arc.  Converged
    when the projected gradient x - P(x - g) is below gtol (infinity norm)."""
    from dualcalc.optimize._minimize import _finite, _result
    opts, gtol, c1, c2, maxls = _setup("l-bfgs", tol, options, _LBFGS_OPTIONS)
    n = x.size
    maxiter = opts.get("maxiter")
    maxiter = 200 * n if maxiter is None else maxiter
    maxcor = opts.get("maxcor", 10)
    if isinstance(maxcor, bool) or not isinstance(maxcor, (int, np.integer)) or maxcor < 1:
        raise ValueError(f"maxcor must be a positive integer, got {maxcor!r}")
    mon = Monitor(callback, opts.get("disp"), opts.get("return_history"))
    x = np.clip(x, lb, ub)
    f, g = obj.value_grad(x)
    if not _finite(f, g):
        return _result(obj, x, f, g, 0, NONFINITE, mon)

    def pgrad(x, g):
        return x - np.clip(x - g, lb, ub)

    pg = pgrad(x, g)
    mon.start(f, _norm_inf(pg))
    pairs = []
    nit = 0
    first = True
    while True:
        if _norm_inf(pg) <= gtol:
            status = CONVERGED
            break
        if nit >= maxiter:
            status = MAXITER
            break
        margin = min(1e-3, float(np.linalg.norm(pg)))
        held = (((x <= lb + margin) & (g > 0)) | ((x >= ub - margin) & (g < 0)))
        free = np.flatnonzero(~held)
        d = np.zeros(n)
        with np.errstate(all="ignore"):
            d[free] = _two_loop(g[free], pairs, free) if pairs else -g[free]
            slope = float(g @ d)
        if not (slope < 0 and np.isfinite(slope)):
            pairs.clear()
            d = np.zeros(n)
            d[free] = -g[free]
        # a held variable near its bound goes to it (a step against its gradient)
        d[held] = np.where(g[held] > 0, lb[held], ub[held]) - x[held]
        alpha = min(1.0, 1.0 / float(np.linalg.norm(d))) if (first or not pairs) else 1.0
        accepted = False
        for _ in range(maxls):
            x_t = np.clip(x + alpha * d, lb, ub)
            step = x_t - x
            f_t, g_t = obj.value_grad(x_t)
            if _finite(f_t, g_t) and f_t <= f + c1 * float(g @ step):
                accepted = True
                break
            alpha *= 0.5 if not np.isfinite(f_t) else max(0.1, min(0.5, _backtrack_ratio(
                f, float(g @ step), f_t)))
        if not accepted or not f_t < f:
            status = PRECISION_LOSS
            break
        nit += 1
        first = False
        yv = g_t - g
        sy = float(step @ yv)
        if sy > _EPS * float(np.linalg.norm(step)) * float(np.linalg.norm(yv)):
            pairs.append((step, yv, 1.0 / sy))
            if len(pairs) > maxcor:
                pairs.pop(0)
        f_old = f
        x, f, g = x_t, f_t, g_t
        pg = pgrad(x, g)
        if mon.record(nit, x, f, g, _norm_inf(pg), float(np.linalg.norm(step))):
            status = CALLBACK_STOP
            break
        if (f_old - f) <= opts["ftol"] * max(abs(f_old), abs(f), 1.0) and _norm_inf(pg) > gtol:
            status = SMALL_FCHANGE
            break
    r = _result(obj, x, f, g, nit, status, mon)
    r["projected_gradient"] = pg
    return r


def _backtrack_ratio(f0, slope, f1):
    """The minimiser of the quadratic through f(0) = f0 with slope ``slope``
    (the directional derivative along the full step) and f(1) = f1, as a
    fraction of the step."""
    den = 2.0 * (f1 - f0 - slope)
    return -slope / den if den > 0 else 0.5
