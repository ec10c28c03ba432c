"""Shared helpers for the tests of the compiled core: accuracy against mpmath.

Accuracy criterion (used by test_rules.py)
------------------------------------------
A double result ``got`` of a quantity h(x) whose exact value mpmath gives as
``ref`` (50 significant digits) passes when

    |got - ref| <= TOL * max(1, cond) * |ref|   (+ a few subnormal ulps)

where ``cond = sum_i |x_i * dh/dx_i / h|`` is the relative condition number of h
at the (exact, binary) arguments x_i, computed by mpmath.  An input known only to
half an ulp (which is all a double is) perturbs a correctly computed h by
``cond`` times that much, so no implementation can beat ``cond * ulp`` where h
is ill-conditioned, and every implementation must reach ~``ulp`` where h is well
conditioned.  TOL = 1e-14 (about 45 ulps) leaves room for the handful of
roundings of a kernel, not for a wrong formula or a cancellation.  For the
derivative outputs h is g' resp. g'' (so their own condition numbers apply).

Special cases, decided exactly rather than by tolerance:
* ref == 0 exactly: got must be exactly 0 (relative error is undefined there);
* |ref| beyond the double range: got must be the infinity of the same sign;
* |ref| in the subnormal range: an absolute error of a few subnormal ulps
  (SUBNORMAL_SLACK) is allowed on top, since the result only has that resolution.
"""
import math

import mpmath as mp

TOL = 1e-14
DPS = 50
SUBNORMAL_SLACK = 4 * 2.0 ** -1074
# relative step of the central difference used for condition numbers; at 50
# digits it leaves ~30 correct digits of h', far more than a condition number needs
_REL_STEP = mp.mpf(10) ** -20


def mpf(x):
    """The exact value of a double as an mpmath number."""
    return mp.mpf(float(x))


def condition(h, args):
    """sum_i |x_i dh/dx_i / h| at args (a tuple of mpf), by central differences at
    DPS digits.  ``h(*args)`` returns an mpf.  Returns an mpf (inf if h == 0)."""
    with mp.workdps(DPS):
        f0 = h(*args)
        if f0 == 0:
            return mp.inf
        total = mp.mpf(0)
        for i, xi in enumerate(args):
            if xi == 0:
                continue
            d = abs(xi) * _REL_STEP
            up = list(args)
            dn = list(args)
            up[i] = xi + d
            dn[i] = xi - d
            deriv = (h(*up) - h(*dn)) / (2 * d)
            total += abs(xi * deriv / f0)
        return total


def check(got, ref, cond, tol=TOL):
    """(ok, ratio): whether the double ``got`` matches the exact ``ref`` under the
    criterion above, and err / allowed (for reporting the worst cases)."""
    with mp.workdps(DPS):
        if ref == 0:
            return got == 0.0, (0.0 if got == 0.0 else math.inf)
        refd = float(ref)
        if math.isinf(refd):
            return got == refd, (0.0 if got == refd else math.inf)
        if math.isnan(got) or math.isinf(got):
            return False, math.inf
        err = abs(mp.mpf(got) - ref)
        allowed = tol * max(1, cond) * abs(ref) + SUBNORMAL_SLACK
        return err <= allowed, float(err / allowed)


def rel_err(got, ref):
    """|got - ref| / |ref| as a float (ref an mpf, nonzero)."""
    with mp.workdps(DPS):
        return float(abs(mp.mpf(got) - ref) / abs(ref))
