"""quad and fixed_quad: integrals whose derivatives are exact.

Design: `quad` is globally adaptive Gauss-Kronrod (the 10-point Gauss rule and
its 21-point Kronrod extension, `_rules.gauss_kronrod`) with QUADPACK's error
estimate per interval.  The integrand is evaluated at float nodes only; any
dual numbers come from ``args`` (or from the closure of f), so f returns a dual
array whose components (value, tangents, second-order tangents; `_duals.Form`)
are integrated by the same weights.  Every component gets its own error
estimate and tolerance, and the interval to bisect is the one whose worst
component is furthest from its share of the tolerance: a derivative is as
accurate as the value.  Several intervals are bisected per round and all their
nodes go to f in one call, so a vectorised f is called a few times, not once
per interval.

Infinite ranges are mapped to [0, 1) by t = a + s/(1 - s) (the finite end at
s = 0, where floating point is densest, so an endpoint singularity there can
be bisected as deep as on a finite range; both halves of (-inf, inf) in one
call).  Dual limits enter by
the fundamental theorem of calculus: with c = c0 + d (d the pure perturbation,
d**3 = 0), the integral from c0 to c of f is exactly d * f(c0 + d/2) to second
order, the midpoint rule being exact on nilpotents, so f at the limit (with its
own dual parameters) carries first and second derivatives, and a limit and an
integrand that depend on the same parameter give the mixed terms too.
"""
import functools
import math
import warnings

import numpy as np

from dualcalc._core._arrays import components, rebuild
from dualcalc._core._scalar import Dual, DualNumber, HyperDual
from dualcalc._core._vec import DualVec, HyperDualVec
from dualcalc.arrays import DualArray, HyperDualArray
from dualcalc.integrate._duals import Form, is_dual, real
from dualcalc.integrate._rules import gauss_kronrod, gauss_legendre
from dualcalc._core._gausskronrod import estimates as _estimates, stack as _stack
from dualcalc._core._gausskronrod import first_interval as _first_estimate

__all__ = ["quad", "fixed_quad", "IntegrationWarning"]

_EPS = np.finfo(float).eps
_BELOW_ONE = np.nextafter(1.0, 0.0)
_PLAIN = (float, int, np.ndarray)
_FLOOR_F = float(100 * _EPS)     # a Python float for the scalar loop
_LIMITS = (float, int)


class IntegrationWarning(UserWarning):
    """The requested accuracy was not reached (the result is the best estimate)."""


def _check_args(args):
    return args if isinstance(args, tuple) else (args,)


def _limit_value(c, name):
    if type(c) is float or type(c) is int:          # the common case, no checks to make
        v = float(c)
        if v != v:
            raise ValueError(f"the limit {name} is NaN")
        return v
    if isinstance(c, (str, bytes)) or c is None:
        raise TypeError(f"the limit {name} must be a real number (or +-inf), got {type(c).__name__}")
    v = real(c)
    if np.ndim(v) != 0:
        raise TypeError(f"the limit {name} must be a scalar, got shape {np.shape(v)}")
    try:
        v = float(v)
    except TypeError:
        raise TypeError(f"the limit {name} must be a real number, got {type(c).__name__}") from None
    if v != v:
        raise ValueError(f"the limit {name} is NaN")
    if is_dual(c) and math.isinf(v):
        raise ValueError(f"the limit {name} is infinite and carries a derivative; an "
                         "infinite limit must be a plain float")
    return v


_FAILED = object()      # f raised when called with an array of nodes


class _Integrand:
    """f on float nodes: vectorised if f accepts an array, else one call per node."""

    def __init__(self, f, args):
        self.f = f
        self.args = args
        self.vectorised = None
        self.form = Form()
        self.neval = 0
        self.fast = None        # after the first call: the dual tag of f's output, -1 for floats
        self.k = 0

    def rows(self, t):
        """f at the nodes t (N,) as component rows (C, N), and whether the
        form changed (the first dual output)."""
        if self.fast is not None:
            out = self.f(t, *self.args)
            n = t.size
            self.neval += n
            if type(out) is DualArray and out.tag == self.fast and out.shape == (n,) \
                    and out.ndirs == self.k:
                v, e = components(out)[0]
                return _stack(v, e), False
            if self.fast == -1 and type(out) is np.ndarray and out.dtype == np.float64 \
                    and out.shape == (n,):
                return out.reshape(1, n), False
            return self._rows_of(out, n)
        if self.vectorised is None:          # the first call: try f on the array
            n = t.size
            try:
                out = self.f(t, *self.args)
            except Exception:
                out = _FAILED
            if type(out) is DualArray and out.shape == (n,):
                self.vectorised = True
                self.neval += n
                form = self.form                 # what Form.adopt learns, directly
                form.proto = out                 # its type and tag (`rebuild`'s prototype)
                form.sig = ("dual", (out.ndirs,), (out.tag,))
                changed = True
                self.fast, self.k = out.tag, out.ndirs
                v, e = components(out)[0]
                return _stack(v, e), changed
            if type(out) is np.ndarray and out.dtype == np.float64 and out.shape == (n,):
                self.vectorised = True
                self.neval += n
                self.fast = -1
                return out.reshape(1, n), False
            comps, changed = self(t, out)        # f is not called again
        else:
            comps, changed = self(t)
        if self.vectorised:
            sig = self.form.sig
            if sig is None:
                self.fast = -1
            elif sig[0] == "dual" and len(sig[1]) == 1:
                self.fast, self.k = sig[2][0], sig[1][0]
        return _rows(comps), changed

    def _rows_of(self, out, n):
        changed = self.form.adopt(out)
        if changed:
            self.fast = None
        return _rows(self.form.split(out, n)), changed

    def __call__(self, t, first=None):
        """f at the nodes t as components; ``first``: f's output on the array t
        when `rows` has already called f (`_FAILED` when that call raised)."""
        n = t.size
        self.neval += n
        if self.vectorised is None:
            try:
                out = self.f(t, *self.args) if first is None else first
                if out is _FAILED:
                    raise TypeError("f does not take an array of nodes")
                self._check_vector(out, n)
                self.vectorised = True
            except Exception:
                self.vectorised = False
                out = [self.f(float(ti), *self.args) for ti in t]
        elif self.vectorised:
            out = self.f(t, *self.args)
        else:
            out = [self.f(float(ti), *self.args) for ti in t]
        changed = self.form.adopt(out)
        return self.form.split(out, n), changed

    @staticmethod
    def _check_vector(out, n):
        shape = np.shape(real(out)) if is_dual(out) else np.shape(out)
        if shape not in ((), (n,)):
            raise ValueError("not one value per node")
        if isinstance(out, np.ndarray) and out.dtype == object:
            raise ValueError("object array")


def _at_point(f, t, args):
    """f at one (dual) point: called with the scalar, else with a 1-element array."""
    try:
        out = f(t, *args)
        if np.ndim(real(out)) == 0:
            return out
    except Exception:
        pass
    out = f(t * np.ones(1), *args)
    return out[0]


def _boundary(f, c, c0, args):
    """The integral from c0 to c = c0 + d of f: d * f(c0 + d/2) (exact, d**3 = 0)."""
    d = c - c0
    return d * _at_point(f, c0 + 0.5 * d, args)


class _Map:
    """The substitution from s in [lo, hi] to t, with dt/ds, one or two copies."""

    def __init__(self, a, b):
        self.a, self.b = float(a), float(b)
        if math.isinf(a) and math.isinf(b):
            self.kind, self.lo, self.hi, self.copies = "both", 0.0, 1.0, 2
        elif math.isinf(b):
            self.kind, self.lo, self.hi, self.copies = "upper", 0.0, 1.0, 1
        elif math.isinf(a):
            self.kind, self.lo, self.hi, self.copies = "lower", 0.0, 1.0, 1
        else:
            self.kind, self.lo, self.hi, self.copies = "finite", a, b, 1

    def __call__(self, s):
        """(t, jac): t of shape (copies,) + s.shape."""
        if self.kind == "finite":
            return s[None], np.ones((1,) + s.shape)
        s = np.minimum(s, _BELOW_ONE)             # rounding must not reach t = inf
        r = 1.0 / (1.0 - s)
        u = s * r
        jac = r * r
        if self.kind == "upper":
            return (self.a + u)[None], jac[None]
        if self.kind == "lower":
            return (self.b - u)[None], jac[None]
        return np.stack([u, -u]), np.stack([jac, jac])


def _gk(F, h, rule):
    """QUADPACK's estimates on m intervals for C component rows F (C * m, 2n+1)
    (row c * m + i: component c on interval i): (integral, error, integral
    of |f|) as one (3, C, m) array, from one compiled loop per row
    (`dualcalc._core._gausskronrod.estimates`; with NumPy it was a dozen small
    calls or two matrix products, which cost more than a smooth f).  ``rule``
    = (wk, wg) from `_kronrod`."""
    return _estimates(F, h, rule[0], rule[1]).reshape(3, -1, np.size(h))


def quad(f, a, b, args=(), epsabs=1.49e-8, epsrel=1.49e-8, limit=50):
    """Integrate f from a to b, with exact derivatives in args and in the limits.

    Adaptive Gauss-Kronrod (10/21 points) with scipy.integrate.quad's signature.
    Derivatives: when ``args`` (or the closure of f) hold dual numbers or dual
    arrays, f returns dual values and the result is a dual number whose
    tangents are integrated with their own error control; when ``a`` or ``b``
    is a Dual/HyperDual, the fundamental theorem of calculus adds f at the limit
    (first and second order, mixed terms included).  So the verbs work through
    it: ``dualcalc.derivative(lambda p: quad(g, 0, 1, args=(p,))[0], 1.0)``.

    Parameters
    ----------
    f : callable
        ``f(t, *args)``. Called with an ndarray of nodes if it accepts one
        (returning one value per node), else once per node with a float.
    a, b : float, Dual or HyperDual
        Limits; ``-np.inf`` / ``np.inf`` allowed (as plain floats).
    args : tuple
        Extra arguments for f; floats, Dual, HyperDual, DualArray, HyperDualArray.
    epsabs, epsrel : float
        Absolute and relative tolerance, for the value and every derivative.
    limit : int
        Maximum number of subintervals.

    Returns
    -------
    value : float or dual number
        The integral (a dual number when f's values or the limits are dual).
    abserr : float
        Estimated absolute error: the largest over the value and its derivatives.

    Warns
    -----
    IntegrationWarning
        When the tolerance was not reached within ``limit`` subintervals.

    Examples
    --------
    >>> import numpy as np, dualcalc as dc
    >>> from dualcalc.integrate import quad
    >>> v, err = quad(lambda t: np.exp(-t**2), -np.inf, np.inf)
    >>> round(v**2, 14)                         # pi
    3.14159265358979
    >>> round(dc.derivative(lambda p: quad(lambda t: np.exp(-p * t**2), 0, 1)[0], 1.0), 14)
    -0.18947234582049
    >>> dc.derivative(lambda b: quad(np.sin, 0, b)[0], 1.0)   # sin(1)
    0.8414709848078965
    """
    args = _check_args(args)
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    epsabs, epsrel = float(epsabs), float(epsrel)
    if epsabs <= 0 and epsrel < max(50 * _EPS, 5e-29):
        raise ValueError("tolerance too small: with epsabs <= 0, epsrel must be at least "
                         f"{50 * _EPS:.3g}")
    if int(limit) != limit or limit < 1:
        raise ValueError(f"limit must be a positive integer, got {limit!r}")
    a0, b0 = _limit_value(a, "a"), _limit_value(b, "b")
    sign = 1.0
    lo, hi = a0, b0
    if lo > hi:
        lo, hi, sign = hi, lo, -1.0
    if lo == hi:
        value, abserr = 0.0, 0.0
    else:
        integrand = _Integrand(f, args)
        value, abserr = _adaptive(integrand, lo, hi, epsabs, epsrel, int(limit), (a, b))
        if sign < 0:
            value = -value
    if type(b) not in _LIMITS and is_dual(b):
        value = value + _boundary(f, b, b0, args)
    if type(a) not in _LIMITS and is_dual(a):
        value = value - _boundary(f, a, a0, args)
    return value, abserr


def _rows(comps):
    """Components (each lead + (N,)) as one (C, N) array of rows."""
    if len(comps) == 1:
        return comps[0].reshape(1, -1)
    n = comps[0].shape[-1]
    return np.concatenate([c.reshape(-1, n) for c in comps])


def _unrows(form, rows):
    """(C,) totals back to components with the form's lead shapes."""
    if form.proto is None:
        return (rows[0],)
    if form.sig[0] == "dual":
        return rows[0], rows[1:]
    out, i = [], 0
    for shape in form.lead_shapes():
        size = int(np.prod(shape)) if shape else 1
        out.append(rows[i:i + size].reshape(shape))
        i += size
    return tuple(out)


@functools.lru_cache(maxsize=4)
def _kronrod(n):
    """The nodes and the rule of `_gk`: (x, (wk, wg)), the Gauss weights wg on
    the Kronrod nodes (zero on the Kronrod-only ones)."""
    x, wk, wg = gauss_kronrod(n)
    for a in (x, wk, wg):
        a.flags.writeable = False
    return x, (wk, wg)


def _result(integrand, tot, limits):
    """The integral, from its components' totals ``tot`` (a sequence of C
    floats), as a number of the integrand's form: a Dual/HyperDual scalar when
    every dual input was one (a scalar in, a scalar out)."""
    form = integrand.form
    if form.proto is None:
        return float(tot[0])
    kind, dirs, _ = form.sig
    if dirs != (1,) and dirs != (1, 1):       # several directions: a 0-d dual array
        if kind == "dual":
            return rebuild(form.proto, (np.array(tot[0], dtype=np.float64),
                                        np.array(tot[1:], dtype=np.float64)))
    else:
        form.scalar_inputs = _scalar_duals_only(integrand.args + limits)
    return form.build(_unrows(form, np.asarray(tot, dtype=np.float64)))


_SCALARS = (float, int, Dual, HyperDual)
_ARRAYS = (DualArray, HyperDualArray, DualVec, HyperDualVec)


def _scalar_duals_only(items):
    """Whether every dual number among items is a Dual/HyperDual scalar."""
    for x in items:
        t = type(x)
        if t in _SCALARS:
            continue
        if t in _ARRAYS or not (t in _PLAIN or isinstance(x, DualNumber) or not is_dual(x)):
            return False
    return True


def _first_interval(F, h, rule, epsabs, epsrel):
    """`_gk` on one interval of half-width h for the component rows F
    (C, 2n+1), with the test of the whole integral's tolerance: (the C
    integrals, the largest error) when every component passes, else None
    (NaN never passes).  One compiled loop, the numbers of `_gk`."""
    return _first_estimate(F, h, rule[0], rule[1], epsabs, epsrel)


_NODES = {}


def _nodes(x, lo, hi, h):
    """The Kronrod nodes on [lo, hi] (a fresh array: f may write into it), kept
    for the last few ranges (one NumPy call instead of two)."""
    s = _NODES.get((lo, hi))
    if s is None:
        if len(_NODES) >= 16:
            _NODES.clear()
        s = _NODES[lo, hi] = x * h + 0.5 * (lo + hi)
    return s.copy()


def _adaptive(integrand, lo, hi, epsabs, epsrel, limit, limits):
    x, rule = _kronrod(10)
    if not (math.isinf(lo) or math.isinf(hi)):
        # the common case first: finite limits, and one interval (21 nodes)
        # whose estimate meets the tolerance of every component, the value's
        # and each derivative's: accepted without the bookkeeping of bisection
        h = 0.5 * (hi - lo)
        F, _ = integrand.rows(_nodes(x, lo, hi, h))
        first = _first_interval(F, h, rule, epsabs, epsrel)
        if first is not None:
            return _result(integrand, first[0], limits), first[1]
        P = _gk(F, np.array([h]), rule)
        return _subdivide(integrand, lo, hi, epsabs, epsrel, limit, limits, P)
    return _subdivide(integrand, lo, hi, epsabs, epsrel, limit, limits, None)


def _subdivide(integrand, lo, hi, epsabs, epsrel, limit, limits, P):
    """Globally adaptive bisection from P, the first interval's estimates (None:
    evaluate it here)."""
    x, rule = _kronrod(10)
    N = x.size
    tmap = _Map(lo, hi)
    finite = tmap.kind == "finite"

    def evaluate(sl, sh):
        h = 0.5 * (sh - sl)
        if h.size == 1:                                       # the first round
            s = x * float(h[0]) + 0.5 * float(sl[0] + sh[0])
        else:
            s = np.multiply.outer(h, x)                       # (m, 21)
            s += (0.5 * (sl + sh))[:, None]
        if finite:
            F, changed = integrand.rows(s.ravel())            # (C, m 21)
            F = F.reshape(-1, N)
        else:
            t, jac = tmap(s)                                  # (copies, m, 21)
            F, changed = integrand.rows(t.ravel())
            F = (F.reshape((-1,) + t.shape) * jac).sum(axis=1).reshape(-1, N)
        return _gk(F, h, rule), changed

    sl = np.array([tmap.lo])
    sh = np.array([tmap.hi])
    if P is None:
        P, _ = evaluate(sl, sh)          # (3, C, m): integral, error, integral of |f|
    status = 0
    floor = 100 * _EPS
    while True:
        S = P.sum(axis=2)
        tot, etot = S[0], S[1]
        if tot.size <= 8:               # a few components: Python floats are quicker
            if all(e <= max(epsabs, epsrel * abs(v), floor * ra)
                   for v, e, ra in zip(*S.tolist())):
                break
        tol = np.maximum(np.abs(tot) * epsrel, S[2] * floor)
        np.maximum(tol, epsabs, out=tol)
        if (etot <= tol).all():
            break
        m = sl.size
        if m >= limit:
            status = 1
            break
        # each interval's worst component, relative to that component's tolerance
        err = P[1]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = err / tol[:, None]
        r[err == 0] = 0.0
        r[np.isnan(r)] = np.inf
        score = r.max(axis=0)
        order = np.argsort(-score, kind="stable")
        fin = np.minimum(score, 1e300)
        rest = fin.sum() - np.cumsum(fin[order])
        below = rest <= 0.5
        j = int(np.argmax(below)) + 1 if below.any() else m
        j = max(1, min(j, limit - m))
        pick = order[:j]
        mid = 0.5 * (sl[pick] + sh[pick])
        ok = (mid > sl[pick]) & (mid < sh[pick])
        if not ok.any():
            status = 2
            break
        pick, mid = pick[ok], mid[ok]
        nl = np.concatenate([sl[pick], mid])
        nh = np.concatenate([mid, sh[pick]])
        nP, changed = evaluate(nl, nh)
        if changed:     # the first dual output: earlier intervals had zero tangents
            pad = nP.shape[1] - P.shape[1]
            P = np.concatenate([P, np.zeros((3, pad, m))], axis=1)
        keep = np.ones(m, bool)
        keep[pick] = False
        sl = np.concatenate([sl[keep], nl])
        sh = np.concatenate([sh[keep], nh])
        P = np.concatenate([P[:, :, keep], nP], axis=2)
    abserr = float(etot.max())
    if status:
        why = ("the maximum number of subintervals (limit=%d) has been reached" % limit
               if status == 1 else "roundoff: the subintervals cannot be bisected further")
        warnings.warn(f"{why}; the result (estimated error {abserr:.2g}) may be inaccurate. "
                      "Raise limit, split the range at difficult points, or loosen "
                      "epsabs/epsrel.", IntegrationWarning, stacklevel=4)
    return _result(integrand, tot, limits), abserr


def fixed_quad(f, a, b, args=(), n=5):
    """Integrate f from a to b with the n-point Gauss-Legendre rule.

    Like ``scipy.integrate.fixed_quad``: f must accept an array of nodes, and the
    result is ``(value, None)``.  Dual limits move the nodes (so f receives dual
    nodes) and dual args flow through f: the derivatives are those of the
    fixed rule, exact.

    Parameters
    ----------
    f : callable
        ``f(t, *args)``, vectorised.
    a, b : float, Dual or HyperDual
        Finite limits.
    args : tuple
        Extra arguments for f.
    n : int
        Number of nodes (exact for polynomials of degree 2n - 1).

    Returns
    -------
    value : float or dual number
    none : None

    Examples
    --------
    >>> import numpy as np
    >>> from dualcalc.integrate import fixed_quad
    >>> round(fixed_quad(lambda t: t**9, 0.0, 1.0, n=5)[0], 15)   # 1/10, exact to rounding
    0.1
    """
    args = _check_args(args)
    x, w = gauss_legendre(n)
    a0, b0 = _limit_value(a, "a"), _limit_value(b, "b")
    if math.isinf(a0) or math.isinf(b0):
        raise ValueError("fixed_quad needs finite limits; use quad for infinite ranges")
    half = 0.5 * (b - a)
    t = half * (x + 1.0) + a
    y = f(t, *args)
    if is_dual(y) or (isinstance(y, np.ndarray) and y.dtype == object):
        form = Form()
        form.adopt(y)
        comps = form.split(y, n)
        s = form.build(tuple(c @ w for c in comps))
    else:
        y = np.asarray(y, dtype=np.float64)
        s = float(np.sum(w * y)) if y.ndim else float(y) * 2.0
    return half * s, None
