"""An oracle for whole expressions: random trees over the rule table, evaluated
by dualcalc (every number type and the derivatives API) and by mpmath at 50 digits.

``check_case(seed)`` builds one random expression tree (depth <= 6, one to three
variables, every rule of the table and every two-argument function), a random
point, and compares value, gradient and Hessian computed by

* Dual          (one evaluation per variable),
* HyperDual     (one evaluation per pair of variables),
* DualArray     (one evaluation, the identity seed, variables indexed out of it),
* HyperDualArray(one evaluation, identity seeds in both directions),
* dualcalc.gradient / dualcalc.hessian (and derivative / second_derivative for
  one variable),

with the exact jet (value, gradient, Hessian) that mpmath computes by the chain
rule, with the textbook formulas for g, g', g'' written here independently of
the library.  Results are reproducible: the seed determines everything.

Which cases are checked, and how strictly
-----------------------------------------
A double evaluation of a tree commits rounding errors at every node -- in the
value and in each derivative component -- and in every g', g'' and partial it
uses.  The oracle measures how much such errors can move each output: it
evaluates the jet again TRIALS times with every intermediate quantity (the
inputs, node values, their gradient and Hessian components, every g', g'' and partial
derivative) multiplied by (1 + DELTA r) with independent random r in [-1, 1], and
takes, per output o,

    S_o = max over trials |o_perturbed - o| / (DELTA |o|).

S_o is the output's condition number with respect to rounding errors of the
algorithm (the chain rule itself), not only with respect to the inputs: an
input-only perturbation misses, e.g., the cancellation in ``x - sin(x)`` near
0, where the rounding of sin(x) dominates.  The inputs are perturbed too, because
a kernel is held to ~cond(g)·ulp of its argument, not to a correctly rounded
result (conftest.py; CPython's lgamma near its root x = 2 is 1000 ulps off in
relative terms, 0.5 ulp in terms of its argument).  A double result passes when

    |got - ref| <= 256 ulp * depth * max(1, S_o) * |ref|,   ulp = 2**-52.

A case (or an output) is checked only if it is well conditioned and finite:

* "nonfinite"      -- some intermediate or output is nan/inf/outside the double
                      range, or not real (mpmath returns complex), or mpmath
                      raises (a pole);
* "discontinuity"  -- a perturbed trial takes another branch of a non-smooth
                      function (floor, ceil, trunc, rint, sign, abs, copysign,
                      mod, fmod, remainder, floor_divide, maximum/minimum,
                      fmax/fmin): the point lies within rounding distance of a
                      jump or kink, where the double evaluation may legitimately
                      sit on the other side, so value and derivatives are not
                      comparable;
* "range"          -- an intermediate (a node's value, gradient or Hessian
                      component) is nonzero but outside the normal double range
                      (below 2.2e-308 or above 1.8e308): the double evaluation
                      cannot carry it (erfc(34) is 0 in doubles), whatever the
                      chain rule does; likewise a factor of the chain rule that
                      the rule table returns as a plain double and that multiplies
                      a nonzero tangent -- a limit of the double-valued table:
                      the partials not in CARRIED_PARTIALS (hypot's d2F/dxdy at
                      |(x, y)| ~ 1e199 underflows; d/dy x**y = x**y log x; the
                      logaddexp weights), and g' of the rules not in CARRIED_D1
                      (tanh, erf, erfc, expm1 saturate: g' ~ exp(-|x|) is below
                      1e-308 while g is finite; exp, exp2, sinh, cosh, gamma: g'
                      leaves the range next to g itself).  With tangents of order
                      1, as the campaign's trees mostly have, g'·e is then out of
                      range too, so carrying these would not make the cases
                      comparable (the slow campaign's 165 "range" skips, 167
                      before these were carried: 82 saturating g', 25 g' beside
                      g, 24 logaddexp weights, 7 d/dy x**y, 1 d/dy of mod, 13
                      second partials of atan2, hypot, logaddexp, and 13
                      intermediates).
                      NOT exempted, because the table
                      carries them with an exponent where they alone leave the
                      range: g' of the rules in CARRIED_D1 (reciprocal'(1e173) =
                      -1e-346, yet g'·e with e ~ 1e173 is -1e-173; log'(5e-324)
                      = inf, yet g'·e is 1), the first partials of x / y, x ** y
                      (d/dx), atan2 and hypot, division's second partials and
                      d2/dx2 x**y (with_d1_over, div_scaled, ...), and
                      the second derivatives g'' of the one-variable rules
                      (log10(1e185)'' = -1e-371, but g''·e1·e2 is O(1);
                      mk_d2_over);
* "ill-conditioned"-- S_o > MAX_COND for an output (that output is not
                      checked; the others are).

An exactly zero reference that stays exactly zero in every trial is a
structural zero and must be exactly zero (zero tangents stay zero).
"""
import math
import random

import mpmath as mp
import numpy as np
from scipy import special

import dualcalc as dc
import dualcalc.math as dm
from dualcalc import Dual, DualArray, HyperDual, HyperDualArray

DPS = 50
ULP = 2.0 ** -52
TOL_ULPS = 256
MAX_COND = 1000.0
DELTA = mp.mpf(2) ** -44
TRIALS = 6
MAX_DEPTH = 6

LN2 = None
LN10 = None


class NonFinite(Exception):
    """The exact jet is not a finite real (skip reason "nonfinite")."""


class OutOfRange(Exception):
    """An intermediate value or derivative component (a node of the tree) is
    nonzero but outside the normal double range (skip reason "range")."""


DBL_MIN = mp.mpf(2.2250738585072014e-308)
DBL_MAX = mp.mpf(1.7976931348623157e308)


# one-variable rules whose g' the table carries with an exponent where it alone
# leaves the double range (with_d1_over), or whose g' never does (sqrt, cbrt)
CARRIED_D1 = frozenset(["reciprocal", "atan", "log", "log2", "log10", "log1p",
                        "asinh", "acosh", "lgamma", "sqrt", "cbrt"])
# two-argument functions: the partials (index 1: d/dx, 2: d/dy) carried
# likewise (div_scaled, powc_scaled, p_atan2, p_hypot)
# (3: d2/dx2, 4: d2/dxdy, 5: d2/dy2); division's and d2/dx2 of the power are
# carried too (div_scaled, powc_scaled)
CARRIED_PARTIALS = {"divide": (1, 2, 3, 4, 5), "power": (1, 3), "arctan2": (1, 2),
                    "hypot": (1, 2)}


def _check_factor(c):
    """A first-order factor of the chain rule (g', dF/dx, dF/dy) is a double in
    the library: outside the normal range it cannot be carried."""
    if c != 0 and not (DBL_MIN <= abs(c) <= DBL_MAX):
        raise OutOfRange()


def _check_range(jet):
    for c in [jet.v] + jet.g + [x for row in jet.h for x in row]:
        if c != 0 and not (DBL_MIN <= abs(c) <= DBL_MAX):
            raise OutOfRange()
    return jet


# ---------------------------------------------------------------- references
def _real(z):
    if isinstance(z, mp.mpc):
        if z.imag != 0:
            raise NonFinite("complex")
        z = z.real
    if not mp.isfinite(z):
        raise NonFinite("nonfinite")
    return z


def _cbrt(x):
    return mp.sign(x) * mp.root(abs(x), 3) if x else mp.mpf(0)


def _trunc(x):
    return mp.floor(x) if x >= 0 else mp.ceil(x)


def _zero(x):
    return mp.mpf(0)


def _psi(n, x):
    if x > 0:
        return mp.polygamma(n, x)
    if x == mp.floor(x):
        raise NonFinite("pole")
    s, c = mp.sinpi(x), mp.cospi(x)
    if n == 0:
        return mp.polygamma(0, 1 - x) - mp.pi * c / s
    return -mp.polygamma(1, 1 - x) + mp.pi ** 2 / s ** 2


def _gamma3(x):
    if x <= 0 and x == mp.floor(x):
        raise NonFinite("pole")
    g = mp.gamma(x)
    p = _psi(0, x)
    return (g, g * p, g * (p * p + _psi(1, x)))


def _lgamma3(x):
    if x <= 0 and x == mp.floor(x):
        raise NonFinite("pole")
    return (mp.log(abs(mp.gamma(x))), _psi(0, x), _psi(1, x))


# name -> (public entry point, (g, g', g'') of an mpf, kink) where kink(x)
# returns the branch of a non-smooth function at x (None for smooth ones)
UNARY = {
    "sin": (np.sin, lambda x: (mp.sin(x), mp.cos(x), -mp.sin(x)), None),
    "cos": (np.cos, lambda x: (mp.cos(x), -mp.sin(x), -mp.cos(x)), None),
    "tan": (np.tan, lambda x: (mp.tan(x), mp.sec(x) ** 2, 2 * mp.tan(x) * mp.sec(x) ** 2),
            None),
    "asin": (np.arcsin, lambda x: (mp.asin(x), 1 / mp.sqrt(1 - x * x),
                                   x / mp.sqrt(1 - x * x) ** 3), None),
    "acos": (np.arccos, lambda x: (mp.acos(x), -1 / mp.sqrt(1 - x * x),
                                   -x / mp.sqrt(1 - x * x) ** 3), None),
    "atan": (np.arctan, lambda x: (mp.atan(x), 1 / (1 + x * x), -2 * x / (1 + x * x) ** 2),
             None),
    "sinh": (np.sinh, lambda x: (mp.sinh(x), mp.cosh(x), mp.sinh(x)), None),
    "cosh": (np.cosh, lambda x: (mp.cosh(x), mp.sinh(x), mp.cosh(x)), None),
    "tanh": (np.tanh, lambda x: (mp.tanh(x), mp.sech(x) ** 2,
                                 -2 * mp.tanh(x) * mp.sech(x) ** 2), None),
    "asinh": (np.arcsinh, lambda x: (mp.asinh(x), 1 / mp.sqrt(1 + x * x),
                                     -x / mp.sqrt(1 + x * x) ** 3), None),
    "acosh": (np.arccosh, lambda x: (mp.acosh(x), 1 / mp.sqrt(x * x - 1),
                                     -x / mp.sqrt(x * x - 1) ** 3), None),
    "atanh": (np.arctanh, lambda x: (mp.atanh(x), 1 / (1 - x * x), 2 * x / (1 - x * x) ** 2),
              None),
    "exp": (np.exp, lambda x: (mp.exp(x),) * 3, None),
    "exp2": (np.exp2, lambda x: (2 ** x, mp.ln2 * 2 ** x, mp.ln2 ** 2 * 2 ** x), None),
    "expm1": (np.expm1, lambda x: (mp.expm1(x), mp.exp(x), mp.exp(x)), None),
    "log": (np.log, lambda x: (mp.log(x), 1 / x, -1 / x ** 2), None),
    "log2": (np.log2, lambda x: (mp.log(x, 2), 1 / (x * mp.ln2), -1 / (x * x * mp.ln2)),
             None),
    "log10": (np.log10, lambda x: (mp.log10(x), 1 / (x * mp.ln10), -1 / (x * x * mp.ln10)),
              None),
    "log1p": (np.log1p, lambda x: (mp.log1p(x), 1 / (1 + x), -1 / (1 + x) ** 2), None),
    "sqrt": (np.sqrt, lambda x: (mp.sqrt(x), 1 / (2 * mp.sqrt(x)),
                                 -1 / (4 * x * mp.sqrt(x))), None),
    "cbrt": (np.cbrt, lambda x: (_cbrt(x), 1 / (3 * _cbrt(x) ** 2),
                                 -2 / (9 * _cbrt(x) ** 5)), None),
    "erf": (dm.erf, lambda x: (mp.erf(x), 2 / mp.sqrt(mp.pi) * mp.exp(-x * x),
                               -4 * x / mp.sqrt(mp.pi) * mp.exp(-x * x)), None),
    "erfc": (dm.erfc, lambda x: (mp.erfc(x), -2 / mp.sqrt(mp.pi) * mp.exp(-x * x),
                                 4 * x / mp.sqrt(mp.pi) * mp.exp(-x * x)), None),
    "gamma": (dm.gamma, _gamma3, None),
    "lgamma": (dm.lgamma, _lgamma3, None),
    "abs": (np.absolute, lambda x: (abs(x), mp.mpf(mp.sign(x)), mp.mpf(0)), mp.sign),
    "degrees": (np.degrees, lambda x: (x * 180 / mp.pi, 180 / mp.pi, mp.mpf(0)), None),
    "radians": (np.radians, lambda x: (x * mp.pi / 180, mp.pi / 180, mp.mpf(0)), None),
    "floor": (np.floor, lambda x: (mp.floor(x), mp.mpf(0), mp.mpf(0)), mp.floor),
    "ceil": (np.ceil, lambda x: (mp.ceil(x), mp.mpf(0), mp.mpf(0)), mp.ceil),
    "trunc": (np.trunc, lambda x: (_trunc(x), mp.mpf(0), mp.mpf(0)), _trunc),
    "rint": (np.rint, lambda x: (mp.nint(x), mp.mpf(0), mp.mpf(0)),
             lambda x: mp.floor(x + mp.mpf(0.5))),   # jumps at half-integers
    "square": (np.square, lambda x: (x * x, 2 * x, mp.mpf(2)), None),
    "reciprocal": (np.reciprocal, lambda x: (1 / x, -1 / x ** 2, 2 / x ** 3), None),
    "sign": (np.sign, lambda x: (mp.mpf(mp.sign(x)), mp.mpf(0), mp.mpf(0)), mp.sign),
    "negative": (np.negative, lambda x: (-x, mp.mpf(-1), mp.mpf(0)), None),
    "positive": (np.positive, lambda x: (x, mp.mpf(1), mp.mpf(0)), None),
}


def _p_pow(x, y):
    f = mp.power(x, y)
    lx = mp.log(x) if x != 0 else mp.nan      # complex (-> not real) for x < 0
    return (f, y * mp.power(x, y - 1), f * lx, y * (y - 1) * mp.power(x, y - 2),
            mp.power(x, y - 1) * (1 + y * lx), f * lx * lx)


def _p_atan2(y, x):
    r2 = x * x + y * y
    return (mp.atan2(y, x), x / r2, -y / r2, -2 * x * y / r2 ** 2,
            (y * y - x * x) / r2 ** 2, 2 * x * y / r2 ** 2)


def _p_hypot(x, y):
    r = mp.hypot(x, y)
    return (r, x / r, y / r, y * y / r ** 3, -x * y / r ** 3, x * x / r ** 3)


def _p_logaddexp(x, y):
    # max + log1p(exp(-|x - y|)): log(exp(x) + exp(y)) would lose the smaller
    # term entirely beyond 50 digits (logaddexp(0, -189) = 1e-82, not 0)
    f = max(x, y) + mp.log1p(mp.exp(-abs(x - y)))
    a, b = mp.exp(x - f), mp.exp(y - f)
    return (f, a, b, a * b, -a * b, a * b)


def _p_logaddexp2(x, y):
    f = max(x, y) + mp.log1p(mp.power(2, -abs(x - y))) / mp.ln2
    a, b = 2 ** (x - f), 2 ** (y - f)
    c = mp.ln2 * a * b
    return (f, a, b, c, -c, c)


def _select(take_max):
    def p(x, y):
        if x == y:
            return (x, mp.mpf(0.5), mp.mpf(0.5), 0, 0, 0)
        if (x > y) == take_max:
            return (x, mp.mpf(1), mp.mpf(0), 0, 0, 0)
        return (y, mp.mpf(0), mp.mpf(1), 0, 0, 0)
    return p


def _quotient(rounding):
    """x op y = x - n(x/y) y with n an integer-valued rounding of x/y:
    partials (1, -n)."""
    def p(x, y):
        n = rounding(x / y)
        return (x - n * y, mp.mpf(1), -n, 0, 0, 0)
    return p


def _half_even(q):
    n = mp.nint(q)            # mpmath's nint rounds half to even
    return n


def _p_floordiv(x, y):
    return (mp.floor(x / y), mp.mpf(0), mp.mpf(0), 0, 0, 0)


def _p_copysign(x, y):
    s = -1 if (y < 0) else 1
    return (s * abs(x), mp.mpf(mp.sign(x) * s), mp.mpf(0), 0, 0, 0)


def _kq(rounding, half=False):
    """Branch of x/y-based functions: the integer n, which jumps where x/y
    crosses an integer (a half-integer for rounding to nearest)."""
    if half:
        return lambda x, y: mp.floor(x / y + mp.mpf(0.5))
    return lambda x, y: rounding(x / y)


# A kink function returns SIGNED_ZERO where the result depends on the sign of
# an exact zero (atan2 on its branch cut, copysign by a zero): mpmath has no
# signed zeros, and the double evaluation may carry either sign (ceil(-0.2) is
# -0.0), so the case is not comparable ("discontinuity").
SIGNED_ZERO = "signed zero"

# Functions that dualcalc provides for scalars only (dualcalc.math.remainder:
# NumPy has no IEEE remainder ufunc); trees using them are checked on Dual and
# HyperDual only.
SCALAR_ONLY = {"remainder"}

# name -> (public entry point, partials of (x, y), kink(x, y) or None)
BINARY = {
    "add": (lambda a, b: a + b, lambda x, y: (x + y, 1, 1, 0, 0, 0), None),
    "subtract": (lambda a, b: a - b, lambda x, y: (x - y, 1, -1, 0, 0, 0), None),
    "multiply": (lambda a, b: a * b, lambda x, y: (x * y, y, x, 0, 1, 0), None),
    "divide": (np.true_divide, lambda x, y: (x / y, 1 / y, -x / y ** 2, 0, -1 / y ** 2,
                                             2 * x / y ** 3), None),
    "power": (np.power, _p_pow, None),
    "arctan2": (np.arctan2, _p_atan2,
                lambda y, x: SIGNED_ZERO if (y == 0 and x < 0) else mp.sign(y)),
    "hypot": (np.hypot, _p_hypot, None),
    "copysign": (np.copysign, _p_copysign,
                 lambda x, y: SIGNED_ZERO if y == 0 else (mp.sign(x), y < 0)),
    "fmod": (np.fmod, _quotient(_trunc), _kq(_trunc)),
    "mod": (np.remainder, _quotient(mp.floor), _kq(mp.floor)),
    "remainder": (dm.remainder, _quotient(_half_even), _kq(None, half=True)),
    "floor_divide": (np.floor_divide, _p_floordiv, _kq(mp.floor)),
    "logaddexp": (np.logaddexp, _p_logaddexp, None),
    "logaddexp2": (np.logaddexp2, _p_logaddexp2, None),
    "maximum": (np.maximum, _select(True), lambda x, y: mp.sign(x - y)),
    "minimum": (np.minimum, _select(False), lambda x, y: mp.sign(x - y)),
    "fmax": (np.fmax, _select(True), lambda x, y: mp.sign(x - y)),
    "fmin": (np.fmin, _select(False), lambda x, y: mp.sign(x - y)),
}


# ---------------------------------------------------------------- trees
class Node:
    """kind: "var" (arg = index), "const" (arg = float), "unary" (arg = name,
    kids = [a]), "binary" (arg = name, kids = [a, b])."""
    __slots__ = ("kind", "arg", "kids")

    def __init__(self, kind, arg, kids=()):
        self.kind = kind
        self.arg = arg
        self.kids = list(kids)

    def depth(self):
        return 1 + max((k.depth() for k in self.kids), default=0)

    def __repr__(self):
        if self.kind == "var":
            return "xyz"[self.arg]
        if self.kind == "const":
            return repr(self.arg)
        if self.kind == "unary":
            return "{0}({1!r})".format(self.arg, self.kids[0])
        return "{0}({1!r}, {2!r})".format(self.arg, *self.kids)


_CONSTS = [2.0, 3.0, -1.0, 0.5, 10.0, -2.0, 1.0 / 3.0, 1.5, -0.25, 1e3, 1e-3]
_EXPONENTS = [2.0, 3.0, -1.0, -2.0, 0.5, -0.5, 1.0 / 3.0, 4.0, -3.0]


def _random_const(rng):
    if rng.random() < 0.5:
        return rng.choice(_CONSTS)
    return float(rng.uniform(-5.0, 5.0))


def _tree(rng, depth, nvars):
    if depth <= 1 or rng.random() < 0.2:
        if rng.random() < 0.8:
            return Node("var", rng.randrange(nvars))
        return Node("const", _random_const(rng))
    if rng.random() < 0.5:
        return Node("unary", rng.choice(sorted(UNARY)), [_tree(rng, depth - 1, nvars)])
    name = rng.choice(sorted(BINARY))
    a = _tree(rng, depth - 1, nvars)
    if name == "power" and rng.random() < 0.6:
        b = Node("const", rng.choice(_EXPONENTS))
    else:
        b = _tree(rng, depth - 1, nvars)
    if rng.random() < 0.5:
        a, b = b, a
    return Node("binary", name, [a, b])


def make_case(seed):
    """(tree, point) for one seed, reproducibly."""
    rng = random.Random(seed)
    nvars = rng.choice((1, 2, 3))
    depth = rng.randint(2, MAX_DEPTH)
    while True:
        tree = _tree(rng, depth, nvars)
        if any(n.kind == "var" for n in _walk(tree)):
            break
    scale = rng.choice((0.5, 1.0, 3.0, 30.0, 500.0))
    point = [float(rng.uniform(-scale, scale)) for _ in range(nvars)]
    return tree, point


def _walk(node):
    yield node
    for k in node.kids:
        yield from _walk(k)


# ---------------------------------------------------------------- the exact jet
class Jet:
    """value v, gradient g (list), Hessian h (list of lists) as mpf."""
    __slots__ = ("v", "g", "h")

    def __init__(self, v, g, h):
        self.v = v
        self.g = g
        self.h = h


def _m0(a, t):
    """a * t, except that an exactly-zero tangent stays zero (the library's rule)."""
    return mp.mpf(0) if t == 0 else a * t


class _Perturb:
    """Multiplies every intermediate by (1 + DELTA r), r uniform in [-1, 1]
    (rng None: exact)."""

    def __init__(self, rng):
        self.rng = rng
        self.leaves = {}

    def leaf(self, x):
        """An input, perturbed once per trial: a variable (or constant) that
        occurs twice is one number (max(x, x) is a tie in every trial)."""
        if x not in self.leaves:
            self.leaves[x] = self(mp.mpf(x))
        return self.leaves[x]

    def __call__(self, x):
        if self.rng is None or x == 0:
            return x
        # a continuous random factor: two intermediates that cancel exactly
        # (d/dx x/x = 1/x - x/x**2) must not be perturbed identically
        return x * (1 + DELTA * (2 * self.rng.random() - 1))


def _jet(node, point, pert, branches):
    jet = _jet_node(node, point, pert, branches)
    if pert.rng is None:
        _check_range(jet)
    return jet


def _jet_node(node, point, pert, branches):
    n = len(point)
    if node.kind == "var":
        g = [mp.mpf(1) if i == node.arg else mp.mpf(0) for i in range(n)]
        return Jet(pert.leaf(point[node.arg]), g, [[mp.mpf(0)] * n for _ in range(n)])
    if node.kind == "const":
        return Jet(pert.leaf(node.arg), [mp.mpf(0)] * n,
                   [[mp.mpf(0)] * n for _ in range(n)])
    if node.kind == "unary":
        a = _jet(node.kids[0], point, pert, branches)
        _, ref, kink = UNARY[node.arg]
        try:
            if kink is not None:
                branches.append(kink(a.v))
            f, d1, d2 = (_real(t) for t in ref(a.v))
        except (ValueError, ZeroDivisionError):
            raise NonFinite("pole") from None
        if pert.rng is None and any(t != 0 for t in a.g) and node.arg not in CARRIED_D1:
            _check_factor(d1)
        f, d1, d2 = pert(f), pert(d1), pert(d2)
        g = [pert(_m0(d1, t)) for t in a.g]
        h = [[pert(_m0(d1, a.h[i][j]) + _m0(_m0(d2, a.g[i]), a.g[j])) for j in range(n)]
             for i in range(n)]
        return Jet(f, g, h)
    a = _jet(node.kids[0], point, pert, branches)
    b = _jet(node.kids[1], point, pert, branches)
    _, ref, kink = BINARY[node.arg]
    try:
        if kink is not None:
            branches.append(kink(a.v, b.v))
        raw = ref(a.v, b.v)
    except (ValueError, ZeroDivisionError):
        raise NonFinite("pole") from None
    f = pert(_real(raw[0]))
    # partials multiplying an exactly-zero tangent are never used (and may be
    # nan, e.g. d/dy x**y at x < 0 for a constant y)
    a_const = all(t == 0 for t in a.g)
    b_const = all(t == 0 for t in b.g)

    def part(k, unused):
        return mp.mpf(0) if unused else pert(_real(mp.mpf(raw[k]) if not isinstance(
            raw[k], (mp.mpf, mp.mpc)) else raw[k]))
    fx = part(1, a_const)
    fy = part(2, b_const)
    fxx = part(3, a_const)
    fxy = part(4, a_const or b_const)
    fyy = part(5, b_const)
    if pert.rng is None:
        carried = CARRIED_PARTIALS.get(node.arg, ())
        for k, c in ((1, fx), (2, fy), (3, fxx), (4, fxy), (5, fyy)):
            if k not in carried:
                _check_factor(c)
    g = [pert(_m0(fx, a.g[i]) + _m0(fy, b.g[i])) for i in range(n)]
    h = [[pert(_m0(fx, a.h[i][j]) + _m0(fy, b.h[i][j])
               + _m0(_m0(fxx, a.g[i]), a.g[j]) + _m0(_m0(fyy, b.g[i]), b.g[j])
               + _m0(_m0(fxy, a.g[i]), b.g[j]) + _m0(_m0(fxy, b.g[i]), a.g[j]))
          for j in range(n)] for i in range(n)]
    return Jet(f, g, h)


def _flat(jet):
    return [jet.v] + list(jet.g) + [x for row in jet.h for x in row]


def reference(tree, point, seed=0):
    """(outputs, conds, status): the exact outputs [f, grad..., hess (row-major)...]
    as mpf, each output's rounding condition number S_o (None: not comparable),
    and "ok" | "nonfinite" | "discontinuity"."""
    with mp.workdps(DPS):
        branches = []
        try:
            exact = _flat(_jet(tree, point, _Perturb(None), branches))
        except NonFinite:
            return None, None, "nonfinite"
        except OutOfRange:
            return None, None, "range"
        if SIGNED_ZERO in branches:
            return exact, None, "discontinuity"
        for o in exact:
            if not mp.isfinite(o) or abs(o) > mp.mpf(1.7976931348623157e308):
                return None, None, "nonfinite"
        conds = [mp.mpf(0)] * len(exact)
        zero_moves = [False] * len(exact)
        rng = random.Random(seed * 7919 + 1)
        for _ in range(TRIALS):
            br = []
            try:
                pert = _flat(_jet(tree, point, _Perturb(rng), br))
            except NonFinite:
                return exact, None, "nonfinite"
            if br != branches or SIGNED_ZERO in br:
                return exact, None, "discontinuity"
            for k, (o, p) in enumerate(zip(exact, pert)):
                if o == 0:
                    zero_moves[k] = zero_moves[k] or p != 0
                else:
                    conds[k] = max(conds[k], abs(p - o) / (DELTA * abs(o)))
        conds = [mp.inf if (o == 0 and moved) else c
                 for o, c, moved in zip(exact, conds, zero_moves)]
        return exact, [float(c) for c in conds], "ok"


# ---------------------------------------------------------------- the double evaluations
# dualcalc.math's erf, erfc, gamma, lgamma are for scalars; on dual arrays the
# same rules are reached through scipy.special's ufuncs
ARRAY_UNARY = {"erf": special.erf, "erfc": special.erfc, "gamma": special.gamma,
               "lgamma": special.gammaln}


def evaluate(node, env, arrays=False):
    """Evaluate the tree on the numbers in env (floats, duals or dual arrays)."""
    if node.kind == "var":
        return env[node.arg]
    if node.kind == "const":
        return node.arg
    if node.kind == "unary":
        f = ARRAY_UNARY.get(node.arg) if arrays else None
        return (f or UNARY[node.arg][0])(evaluate(node.kids[0], env, arrays))
    return BINARY[node.arg][0](evaluate(node.kids[0], env, arrays),
                               evaluate(node.kids[1], env, arrays))


def scalar_only(tree):
    return any(n.kind == "binary" and n.arg in SCALAR_ONLY for n in _walk(tree))


def _scalar_outputs(tree, point):
    """{mode: [(output index, got)]} from Dual and HyperDual."""
    n = len(point)
    out = {"Dual": [], "HyperDual": []}
    for i in range(n):
        r = evaluate(tree, [Dual(x, 1.0 if j == i else 0.0) for j, x in enumerate(point)])
        if i == 0:
            out["Dual"].append((0, _val(r)))
        out["Dual"].append((1 + i, _d(r, "eps")))
    for i in range(n):
        for j in range(i, n):
            r = evaluate(tree, [HyperDual(x, 1.0 if k == i else 0.0,
                                          1.0 if k == j else 0.0, 0.0)
                                for k, x in enumerate(point)])
            if i == j == 0:
                out["HyperDual"].append((0, _val(r)))
            if j == i:
                out["HyperDual"].append((1 + i, _d(r, "eps1")))
            out["HyperDual"].append((1 + n + i * n + j, _d(r, "eps1eps2")))
            out["HyperDual"].append((1 + n + j * n + i, _d(r, "eps1eps2")))
    return out


def _val(r):
    if isinstance(r, (Dual, HyperDual, DualArray, HyperDualArray)):
        return float(np.asarray(r.value))
    return float(r)


def _d(r, field):
    """A derivative component; a plain float result (the tree did not depend on
    the variables along the way, e.g. floor) has derivative 0."""
    if isinstance(r, (Dual, HyperDual)):
        return getattr(r, field)
    return 0.0


def _array_outputs(tree, point):
    n = len(point)
    out = {}
    x = np.array(point)
    X = DualArray(x.copy(), np.eye(n))
    r = evaluate(tree, [X[i] for i in range(n)], True)
    if isinstance(r, DualArray):
        out["DualArray"] = ([(0, float(r.value))]
                            + [(1 + i, float(r.eps[i])) for i in range(n)])
    H = HyperDualArray(x.copy(), np.eye(n), np.eye(n), np.zeros((n, n, n)))
    r = evaluate(tree, [H[i] for i in range(n)], True)
    if isinstance(r, HyperDualArray):
        out["HyperDualArray"] = ([(0, float(r.value))]
                                 + [(1 + i, float(r.eps1[i])) for i in range(n)]
                                 + [(1 + n + i * n + j, float(r.eps1eps2[i, j]))
                                    for i in range(n) for j in range(n)])
    return out


def _api_outputs(tree, point):
    n = len(point)

    def f(v):
        return evaluate(tree, [v[i] for i in range(n)], True)
    out = {}
    if n == 1:
        def f1(t):
            return evaluate(tree, [t])
        out["derivative"] = [(1, float(dc.derivative(f1, point[0]))),
                             (2, float(dc.second_derivative(f1, point[0])))]
    if scalar_only(tree):
        return out
    v, g = dc.value_and_gradient(f, np.array(point))
    out["gradient"] = [(0, float(v))] + [(1 + i, float(g[i])) for i in range(n)]
    h = dc.hessian(f, np.array(point))
    out["hessian"] = [(1 + n + i * n + j, float(h[i, j])) for i in range(n) for j in range(n)]
    return out


def library_outputs(tree, point):
    """{mode: [(output index, double)]} from every number type and the API."""
    with np.errstate(all="ignore"):
        out = _scalar_outputs(tree, point)
        if not scalar_only(tree):
            out.update(_array_outputs(tree, point))
        out.update(_api_outputs(tree, point))
    return out


# ---------------------------------------------------------------- one case
class Result:
    """status: "checked", "nonfinite" or "discontinuity"; worst: the largest
    relative error over the checked outputs; failures: list of strings;
    checked/ill: numbers of outputs compared / skipped as ill-conditioned."""

    def __init__(self, seed, tree, point, status):
        self.seed = seed
        self.tree = tree
        self.point = point
        self.status = status
        self.worst = 0.0
        self.worst_where = None
        self.worst_well = 0.0          # the worst over outputs with S <= 10
        self.failures = []
        self.checked = 0
        self.ill = 0

    def __repr__(self):
        return "<case {0}: {1} at {2}: {3}, worst {4:.3g}{5}>".format(
            self.seed, self.tree, self.point, self.status, self.worst,
            "".join("\n  " + f for f in self.failures))


def _label(k, n):
    if k == 0:
        return "f"
    if k <= n:
        return "df/d" + "xyz"[k - 1]
    i, j = divmod(k - 1 - n, n)
    return "d2f/d{0}d{1}".format("xyz"[i], "xyz"[j])


def check_case(seed):
    """Build, evaluate and compare case ``seed``; returns a Result."""
    tree, point = make_case(seed)
    exact, conds, status = reference(tree, point, seed)
    res = Result(seed, tree, point, "checked" if status == "ok" else status)
    if status != "ok":
        return res
    n = len(point)
    depth = tree.depth()
    try:
        outs = library_outputs(tree, point)
    except Exception as e:
        if conds[0] > MAX_COND:
            # the value itself is ill-conditioned: its double evaluation may
            # legitimately hit a pole or a domain error (lgamma at a rounded
            # non-positive integer), where dualcalc.math raises like math
            res.ill += 1
            return res
        # the exact jet is finite and well conditioned: no error is acceptable
        res.failures.append("raised {0}: {1}".format(type(e).__name__, e))
        return res
    with mp.workdps(DPS):
        for mode, pairs in outs.items():
            for k, got in pairs:
                ref, cond = exact[k], conds[k]
                if cond > MAX_COND:
                    res.ill += 1
                    continue
                res.checked += 1
                where = "{0} {1}".format(mode, _label(k, n))
                if ref == 0:
                    if got != 0.0:
                        res.failures.append("{0}: got {1!r}, exact 0".format(where, got))
                    continue
                if not math.isfinite(got):
                    res.failures.append("{0}: got {1!r}, exact {2}".format(
                        where, got, mp.nstr(ref, 17)))
                    continue
                err = float(abs(mp.mpf(got) - ref) / abs(ref))
                allowed = TOL_ULPS * ULP * depth * max(1.0, cond)
                if err > res.worst:
                    res.worst = err
                    res.worst_where = where
                if cond <= 10 and err > res.worst_well:
                    res.worst_well = err
                if err > allowed:
                    res.failures.append(
                        "{0}: got {1!r}, exact {2}, rel err {3:.3g} > {4:.3g} (S={5:.3g})"
                        .format(where, got, mp.nstr(ref, 17), err, allowed, cond))
    return res


def summarize(results):
    """The counts and worst errors of a list of check_case results."""
    return {
        "cases": len(results),
        "checked": sum(r.status == "checked" for r in results),
        "nonfinite": sum(r.status == "nonfinite" for r in results),
        "discontinuity": sum(r.status == "discontinuity" for r in results),
        "range": sum(r.status == "range" for r in results),
        "outputs_checked": sum(r.checked for r in results),
        "outputs_ill_conditioned": sum(r.ill for r in results),
        "worst": max((r.worst for r in results), default=0.0),
        "worst_S_le_10": max((r.worst_well for r in results), default=0.0),
    }


def campaign(seeds):
    """Run check_case over seeds; returns (results, summary dict)."""
    results = [check_case(s) for s in seeds]
    return results, summarize(results)
