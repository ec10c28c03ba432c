"""The More-Garbow-Hillstrom unconstrained test problems.

J. J. More, B. S. Garbow and K. E. Hillstrom, "Testing unconstrained
optimization software", ACM Transactions on Mathematical Software 7(1),
17-41, 1981.  Each problem is a sum of squares ``f(x) = sum_i f_i(x)^2`` of
the residuals f_i written below from the paper's definitions, with its
standard starting point and the minimum values the paper reports.

Design: the residuals are plain scalar code (indexing, operators and
``dualcalc.math``), so they run on floats, on dual numbers and on dual arrays
alike; every problem therefore has exact gradients and Hessians through
dualcalc.  Problems of variable size are built by `get` for any n (and m)
the paper allows; `PROBLEMS` holds the sizes used in the tests and the
benchmark.

A result counts as reaching a published minimum when it is within a relative
error of 1e-4 of one of the paper's values (Ceres' MGH driver uses the same
threshold), or below ``atol`` = 1e-10 for a value of zero.  Where the paper
reports more than one local minimum, all of them are listed; the first is
the smallest.

>>> p = get("rosenbrock")
>>> p.x0, p.fmin, round(p(p.x0), 12)
((-1.2, 1.0), (0.0,), 24.2)
>>> p.solved(1e-12), p.solved(1e-3)
(True, False)
"""
from dataclasses import dataclass, field
import math as _pymath
import re

import dualcalc.math as dm

__all__ = ["Problem", "PROBLEMS", "get", "names"]

_SQRT5 = _pymath.sqrt(5.0)
_SQRT10 = _pymath.sqrt(10.0)
_SQRT90 = _pymath.sqrt(90.0)
_TWO_PI = 2.0 * _pymath.pi


@dataclass(frozen=True)
class Problem:
    """One MGH problem: ``residuals(x)`` returns the m residuals f_i(x), and
    calling the problem returns ``f(x) = sum f_i(x)^2``.

    Examples
    --------
    >>> import dualcalc
    >>> p = get("powell singular")
    >>> round(p(p.x0), 12), dualcalc.gradient(p, p.x0).round(12).tolist()
    (215.0, [306.0, -144.0, -2.0, -310.0])
    """
    number: int
    name: str
    n: int
    m: int
    x0: tuple
    fmin: tuple
    residuals: object = field(repr=False)

    def __call__(self, x):
        total = 0.0
        for r in self.residuals(x):
            total = total + r * r
        return total

    objective = __call__

    def start(self):
        """The standard starting point as a new float array."""
        import numpy as np
        return np.array(self.x0, dtype=float)

    def matched(self, f, rtol=1e-4, atol=1e-10):
        """Index into ``fmin`` of the published minimum that f reaches, or None."""
        if not _pymath.isfinite(f):
            return None
        for k, fm in enumerate(self.fmin):
            slack = rtol * abs(fm) + (atol if fm == 0 else 0.0)
            # below the smallest published value (given to 6 digits) also counts
            if (f <= fm + slack) if k == 0 else (abs(f - fm) <= slack):
                return k
        return None

    def solved(self, f, rtol=1e-4, atol=1e-10):
        """True when f reaches one of the published minimum values."""
        return self.matched(f, rtol, atol) is not None


# ---------------------------------------------------------------- residuals, by MGH number
def _rosenbrock(x):                                                      # 1
    return [10.0 * (x[1] - x[0] * x[0]), 1.0 - x[0]]


def _freudenstein_roth(x):                                               # 2
    x1, x2 = x[0], x[1]
    return [-13.0 + x1 + ((5.0 - x2) * x2 - 2.0) * x2,
            -29.0 + x1 + ((x2 + 1.0) * x2 - 14.0) * x2]


def _powell_badly_scaled(x):                                             # 3
    return [1e4 * x[0] * x[1] - 1.0, dm.exp(-x[0]) + dm.exp(-x[1]) - 1.0001]


def _brown_badly_scaled(x):                                              # 4
    return [x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2.0]


def _beale(x):                                                           # 5
    y = (1.5, 2.25, 2.625)
    return [y[i - 1] - x[0] * (1.0 - x[1] ** i) for i in (1, 2, 3)]


def _jennrich_sampson(x, m=10):                                          # 6
    return [2.0 + 2.0 * i - (dm.exp(i * x[0]) + dm.exp(i * x[1])) for i in range(1, m + 1)]


def _helical_valley(x):                                                  # 7
    x1, x2, x3 = x[0], x[1], x[2]
    if x1 > 0:
        theta = dm.atan(x2 / x1) / _TWO_PI
    elif x1 < 0:
        theta = dm.atan(x2 / x1) / _TWO_PI + 0.5
    else:                   # the paper leaves x1 = 0 open; take the limit
        theta = dm.atan2(x2, x1) / _TWO_PI
    return [10.0 * (x3 - 10.0 * theta), 10.0 * (dm.sqrt(x1 * x1 + x2 * x2) - 1.0), x3]


_BARD_Y = (0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96,
           1.34, 2.10, 4.39)


def _bard(x):                                                            # 8
    out = []
    for i in range(1, 16):
        u, v = float(i), float(16 - i)
        w = min(u, v)
        out.append(_BARD_Y[i - 1] - (x[0] + u / (v * x[1] + w * x[2])))
    return out


_GAUSSIAN_Y = (0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989,
               0.3521, 0.2420, 0.1295, 0.0540, 0.0175, 0.0044, 0.0009)


def _gaussian(x):                                                        # 9
    out = []
    for i in range(1, 16):
        t = (8.0 - i) / 2.0
        d = t - x[2]
        out.append(x[0] * dm.exp(-x[1] * d * d / 2.0) - _GAUSSIAN_Y[i - 1])
    return out


_MEYER_Y = (34780.0, 28610.0, 23650.0, 19630.0, 16370.0, 13720.0, 11540.0, 9744.0,
            8261.0, 7030.0, 6005.0, 5147.0, 4427.0, 3820.0, 3307.0, 2872.0)


def _meyer(x):                                                           # 10
    return [x[0] * dm.exp(x[1] / (45.0 + 5.0 * i + x[2])) - _MEYER_Y[i - 1]
            for i in range(1, 17)]


def _gulf(x, m=99):                                                      # 11
    out = []
    for i in range(1, m + 1):
        t = i / 100.0
        y = 25.0 + (-50.0 * _pymath.log(t)) ** (2.0 / 3.0)
        out.append(dm.exp(-(abs(y - x[1]) ** x[2]) / x[0]) - t)
    return out


def _box_3d(x, m=10):                                                    # 12
    out = []
    for i in range(1, m + 1):
        t = 0.1 * i
        c = _pymath.exp(-t) - _pymath.exp(-10.0 * t)
        out.append(dm.exp(-t * x[0]) - dm.exp(-t * x[1]) - x[2] * c)
    return out


def _powell_singular(x):                                                 # 13
    return [x[0] + 10.0 * x[1], _SQRT5 * (x[2] - x[3]), (x[1] - 2.0 * x[2]) ** 2,
            _SQRT10 * (x[0] - x[3]) ** 2]


def _wood(x):                                                            # 14
    return [10.0 * (x[1] - x[0] * x[0]), 1.0 - x[0], _SQRT90 * (x[3] - x[2] * x[2]),
            1.0 - x[2], _SQRT10 * (x[1] + x[3] - 2.0), (x[1] - x[3]) / _SQRT10]


_KO_Y = (0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323,
         0.0235, 0.0246)
_KO_U = (4.0, 2.0, 1.0, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625)


def _kowalik_osborne(x):                                                 # 15
    return [y - x[0] * (u * u + u * x[1]) / (u * u + u * x[2] + x[3])
            for y, u in zip(_KO_Y, _KO_U)]


def _brown_dennis(x, m=20):                                              # 16
    out = []
    for i in range(1, m + 1):
        t = i / 5.0
        a = x[0] + t * x[1] - _pymath.exp(t)
        b = x[2] + x[3] * _pymath.sin(t) - _pymath.cos(t)
        out.append(a * a + b * b)
    return out


_OSBORNE1_Y = (0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784,
               0.751, 0.718, 0.685, 0.658, 0.628, 0.603, 0.580, 0.558, 0.538, 0.522,
               0.506, 0.490, 0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.420,
               0.414, 0.411, 0.406)


def _osborne1(x):                                                        # 17
    return [y - (x[0] + x[1] * dm.exp(-10.0 * i * x[3]) + x[2] * dm.exp(-10.0 * i * x[4]))
            for i, y in enumerate(_OSBORNE1_Y)]


def _biggs_exp6(x, m=13):                                                # 18
    out = []
    for i in range(1, m + 1):
        t = 0.1 * i
        y = _pymath.exp(-t) - 5.0 * _pymath.exp(-10.0 * t) + 3.0 * _pymath.exp(-4.0 * t)
        out.append(x[2] * dm.exp(-t * x[0]) - x[3] * dm.exp(-t * x[1])
                   + x[5] * dm.exp(-t * x[4]) - y)
    return out


_OSBORNE2_Y = (1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725,
               0.746, 0.679, 0.608, 0.655, 0.616, 0.606, 0.602, 0.626, 0.651, 0.724,
               0.649, 0.649, 0.694, 0.644, 0.624, 0.661, 0.612, 0.558, 0.533, 0.495,
               0.500, 0.423, 0.395, 0.375, 0.372, 0.391, 0.396, 0.405, 0.428, 0.429,
               0.523, 0.562, 0.607, 0.653, 0.672, 0.708, 0.633, 0.668, 0.645, 0.632,
               0.591, 0.559, 0.597, 0.625, 0.739, 0.710, 0.729, 0.720, 0.636, 0.581,
               0.428, 0.292, 0.162, 0.098, 0.054)


def _osborne2(x):                                                        # 19
    out = []
    for i, y in enumerate(_OSBORNE2_Y):
        t = i / 10.0
        a, b, c = t - x[8], t - x[9], t - x[10]
        out.append(y - (x[0] * dm.exp(-t * x[4]) + x[1] * dm.exp(-a * a * x[5])
                        + x[2] * dm.exp(-b * b * x[6]) + x[3] * dm.exp(-c * c * x[7])))
    return out


def _watson(x):                                                          # 20
    n = len(x)
    out = []
    for i in range(1, 30):
        t = i / 29.0
        s1 = 0.0
        for j in range(2, n + 1):
            s1 = s1 + (j - 1) * x[j - 1] * t ** (j - 2)
        s2 = 0.0
        for j in range(1, n + 1):
            s2 = s2 + x[j - 1] * t ** (j - 1)
        out.append(s1 - s2 * s2 - 1.0)
    out.append(x[0])
    out.append(x[1] - x[0] * x[0] - 1.0)
    return out


def _extended_rosenbrock(x):                                             # 21
    out = []
    for i in range(0, len(x), 2):
        out += [10.0 * (x[i + 1] - x[i] * x[i]), 1.0 - x[i]]
    return out


def _extended_powell(x):                                                 # 22
    out = []
    for i in range(0, len(x), 4):
        a, b, c, d = x[i], x[i + 1], x[i + 2], x[i + 3]
        out += [a + 10.0 * b, _SQRT5 * (c - d), (b - 2.0 * c) ** 2, _SQRT10 * (a - d) ** 2]
    return out


def _penalty1(x):                                                        # 23
    a = _pymath.sqrt(1e-5)
    n = len(x)
    out = [a * (x[j] - 1.0) for j in range(n)]
    s = 0.0
    for j in range(n):
        s = s + x[j] * x[j]
    out.append(s - 0.25)
    return out


def _penalty2(x):                                                        # 24
    n = len(x)
    a = _pymath.sqrt(1e-5)
    e = [dm.exp(x[j] / 10.0) for j in range(n)]
    out = [x[0] - 0.2]
    for i in range(2, n + 1):
        y = _pymath.exp(i / 10.0) + _pymath.exp((i - 1) / 10.0)
        out.append(a * (e[i - 1] + e[i - 2] - y))
    for i in range(n + 1, 2 * n):
        out.append(a * (e[i - n] - _pymath.exp(-0.1)))
    s = 0.0
    for j in range(1, n + 1):
        s = s + (n - j + 1) * x[j - 1] * x[j - 1]
    out.append(s - 1.0)
    return out


def _variably_dimensioned(x):                                            # 25
    n = len(x)
    out = [x[j] - 1.0 for j in range(n)]
    s = 0.0
    for j in range(1, n + 1):
        s = s + j * (x[j - 1] - 1.0)
    return out + [s, s * s]


def _trigonometric(x):                                                   # 26
    n = len(x)
    c = [dm.cos(x[j]) for j in range(n)]
    total = 0.0
    for cj in c:
        total = total + cj
    return [n - total + i * (1.0 - c[i - 1]) - dm.sin(x[i - 1]) for i in range(1, n + 1)]


def _brown_almost_linear(x):                                             # 27
    n = len(x)
    s = 0.0
    p = 1.0
    for j in range(n):
        s = s + x[j]
        p = p * x[j]
    return [x[i] + s - (n + 1) for i in range(n - 1)] + [p - 1.0]


def _discrete_boundary(x):                                               # 28
    n = len(x)
    h = 1.0 / (n + 1)
    out = []
    for i in range(1, n + 1):
        t = i * h
        left = x[i - 2] if i > 1 else 0.0
        right = x[i] if i < n else 0.0
        out.append(2.0 * x[i - 1] - left - right + h * h * (x[i - 1] + t + 1.0) ** 3 / 2.0)
    return out


def _discrete_integral(x):                                               # 29
    n = len(x)
    h = 1.0 / (n + 1)
    t = [(j + 1) * h for j in range(n)]
    cube = [(x[j] + t[j] + 1.0) ** 3 for j in range(n)]
    out = []
    for i in range(n):
        s1 = 0.0
        for j in range(i + 1):
            s1 = s1 + t[j] * cube[j]
        s2 = 0.0
        for j in range(i + 1, n):
            s2 = s2 + (1.0 - t[j]) * cube[j]
        out.append(x[i] + h * ((1.0 - t[i]) * s1 + t[i] * s2) / 2.0)
    return out


def _broyden_tridiagonal(x):                                             # 30
    n = len(x)
    out = []
    for i in range(n):
        left = x[i - 1] if i > 0 else 0.0
        right = x[i + 1] if i < n - 1 else 0.0
        out.append((3.0 - 2.0 * x[i]) * x[i] - left - 2.0 * right + 1.0)
    return out


def _broyden_banded(x, ml=5, mu=1):                                      # 31
    n = len(x)
    out = []
    for i in range(n):
        s = 0.0
        for j in range(max(0, i - ml), min(n - 1, i + mu) + 1):
            if j != i:
                s = s + x[j] * (1.0 + x[j])
        out.append(x[i] * (2.0 + 5.0 * x[i] * x[i]) + 1.0 - s)
    return out


def _linear_full_rank(x, m):                                             # 32
    n = len(x)
    s = 0.0
    for j in range(n):
        s = s + x[j]
    return [x[i] - 2.0 * s / m - 1.0 for i in range(n)] + [-2.0 * s / m - 1.0] * (m - n)


def _linear_rank1(x, m):                                                 # 33
    s = 0.0
    for j in range(len(x)):
        s = s + (j + 1) * x[j]
    return [i * s - 1.0 for i in range(1, m + 1)]


def _linear_rank1_zero(x, m):                                            # 34
    n = len(x)
    s = 0.0
    for j in range(2, n):
        s = s + j * x[j - 1]
    return [-1.0] + [(i - 1) * s - 1.0 for i in range(2, m)] + [-1.0]


def _chebyquad(x, m=None):                                               # 35
    n = len(x)
    m = n if m is None else m
    sums = [0.0] * m
    for j in range(n):
        y = 2.0 * x[j] - 1.0
        t_prev, t = 1.0, y
        for i in range(m):
            sums[i] = sums[i] + t
            t_prev, t = t, 2.0 * y * t - t_prev
    out = []
    for i in range(1, m + 1):
        integral = 0.0 if i % 2 else -1.0 / (i * i - 1.0)
        out.append(sums[i - 1] / n - integral)
    return out


# ---------------------------------------------------------------- the catalogue
def _make(number, name, n, m, x0, fmin, residuals):
    return Problem(number, name, n, m, tuple(float(v) for v in x0),
                   tuple(float(v) for v in fmin), residuals)


def _bind(fun, **kw):
    def residuals(x):
        return fun(x, **kw)
    residuals.__name__ = fun.__name__.lstrip("_")
    return residuals


# Published minima of the problems of variable size, by n (the paper's table).
_WATSON_FMIN = {6: 2.28767e-3, 9: 1.39976e-6, 12: 4.72238e-10}
_PENALTY1_FMIN = {4: 2.24997e-5, 10: 7.08765e-5}
_PENALTY2_FMIN = {4: 9.37629e-6, 10: 2.93660e-4}
_CHEBYQUAD_FMIN = {8: 3.51687e-3, 10: 6.50395e-3}


def get(name, n=None, m=None):
    """The problem called name (case and separators ignored), of size n (and
    m, for the problems where the paper lets it vary).

    A variable-size problem whose minimum the paper does not report for this
    n gets ``fmin = ()`` (nothing to compare against) -- except where the
    minimum is zero or known in closed form for every n.

    Examples
    --------
    >>> get("extended rosenbrock", n=4).x0
    (-1.2, 1.0, -1.2, 1.0)
    >>> get("linear full rank", n=5, m=10).fmin
    (5.0,)
    """
    key = _key(name)
    if key not in _BUILDERS:
        raise ValueError(f"unknown MGH problem {name!r}; known: {', '.join(names())}")
    return _BUILDERS[key](n, m)


def _key(name):
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _fixed(problem):
    def build(n, m):
        if n not in (None, problem.n) or m not in (None, problem.m):
            raise ValueError(f"{problem.name} has n = {problem.n}, m = {problem.m}")
        return problem
    return build


def _even(n, k, default):
    n = default if n is None else int(n)
    if n < k or n % k:
        raise ValueError(f"n must be a positive multiple of {k}, got {n}")
    return n


def _at_least(n, low, default, high=None):
    n = default if n is None else int(n)
    if n < low or (high is not None and n > high):
        raise ValueError(f"n must be between {low} and {high or 'any size'}, got {n}")
    return n


def _build_watson(n, m):
    n = _at_least(n, 2, 6, 31)
    fm = (_WATSON_FMIN[n],) if n in _WATSON_FMIN else ()
    return _make(20, "Watson", n, 31, [0.0] * n, fm, _watson)


def _build_ext_rosenbrock(n, m):
    n = _even(n, 2, 10)
    return _make(21, "Extended Rosenbrock", n, n, [-1.2, 1.0] * (n // 2), [0.0],
                 _extended_rosenbrock)


def _build_ext_powell(n, m):
    n = _even(n, 4, 12)
    return _make(22, "Extended Powell singular", n, n, [3.0, -1.0, 0.0, 1.0] * (n // 4),
                 [0.0], _extended_powell)


def _build_penalty1(n, m):
    n = _at_least(n, 1, 10)
    fm = (_PENALTY1_FMIN[n],) if n in _PENALTY1_FMIN else ()
    return _make(23, "Penalty I", n, n + 1, range(1, n + 1), fm, _penalty1)


def _build_penalty2(n, m):
    n = _at_least(n, 1, 10)
    fm = (_PENALTY2_FMIN[n],) if n in _PENALTY2_FMIN else ()
    return _make(24, "Penalty II", n, 2 * n, [0.5] * n, fm, _penalty2)


def _build_variably(n, m):
    n = _at_least(n, 1, 10)
    return _make(25, "Variably dimensioned", n, n + 2, [1.0 - j / n for j in range(1, n + 1)],
                 [0.0], _variably_dimensioned)


def _build_trig(n, m):
    n = _at_least(n, 1, 10)
    return _make(26, "Trigonometric", n, n, [1.0 / n] * n, [0.0], _trigonometric)


def _build_brown_al(n, m):
    n = _at_least(n, 2, 10)
    return _make(27, "Brown almost-linear", n, n, [0.5] * n, [0.0, 1.0], _brown_almost_linear)


def _build_dbv(n, m):
    n = _at_least(n, 1, 10)
    h = 1.0 / (n + 1)
    return _make(28, "Discrete boundary value", n, n,
                 [(j * h) * (j * h - 1.0) for j in range(1, n + 1)], [0.0], _discrete_boundary)


def _build_die(n, m):
    n = _at_least(n, 1, 10)
    h = 1.0 / (n + 1)
    return _make(29, "Discrete integral equation", n, n,
                 [(j * h) * (j * h - 1.0) for j in range(1, n + 1)], [0.0], _discrete_integral)


def _build_btri(n, m):
    n = _at_least(n, 1, 10)
    return _make(30, "Broyden tridiagonal", n, n, [-1.0] * n, [0.0], _broyden_tridiagonal)


def _build_bband(n, m):
    n = _at_least(n, 1, 10)
    return _make(31, "Broyden banded", n, n, [-1.0] * n, [0.0], _broyden_banded)


def _build_lfr(n, m):
    n = _at_least(n, 1, 10)
    m = 2 * n if m is None else int(m)
    if m < n:
        raise ValueError("linear full rank needs m >= n")
    return _make(32, "Linear full rank", n, m, [1.0] * n, [m - n], _bind(_linear_full_rank, m=m))


def _build_lr1(n, m):
    n = _at_least(n, 1, 10)
    m = 2 * n if m is None else int(m)
    if m < n:
        raise ValueError("linear rank 1 needs m >= n")
    return _make(33, "Linear rank 1", n, m, [1.0] * n, [m * (m - 1) / (2.0 * (2 * m + 1))],
                 _bind(_linear_rank1, m=m))


def _build_lr1z(n, m):
    n = _at_least(n, 3, 10)
    m = 2 * n if m is None else int(m)
    if m < n:
        raise ValueError("linear rank 1 with zero columns and rows needs m >= n")
    return _make(34, "Linear rank 1 with zero columns and rows", n, m, [1.0] * n,
                 [(m * m + 3 * m - 6) / (2.0 * (2 * m - 3))], _bind(_linear_rank1_zero, m=m))


def _build_chebyquad(n, m):
    n = _at_least(n, 1, 8)
    m = n if m is None else int(m)
    if m < n:
        raise ValueError("Chebyquad needs m >= n")
    if m == n and (n <= 7 or n == 9):
        fm = (0.0,)
    else:
        fm = (_CHEBYQUAD_FMIN[n],) if m == n and n in _CHEBYQUAD_FMIN else ()
    return _make(35, "Chebyquad", n, m, [j / (n + 1.0) for j in range(1, n + 1)], fm,
                 _bind(_chebyquad, m=m))


_FIXED = [
    _make(1, "Rosenbrock", 2, 2, [-1.2, 1.0], [0.0], _rosenbrock),
    _make(2, "Freudenstein-Roth", 2, 2, [0.5, -2.0], [0.0, 48.9842], _freudenstein_roth),
    _make(3, "Powell badly scaled", 2, 2, [0.0, 1.0], [0.0], _powell_badly_scaled),
    _make(4, "Brown badly scaled", 2, 3, [1.0, 1.0], [0.0], _brown_badly_scaled),
    _make(5, "Beale", 2, 3, [1.0, 1.0], [0.0], _beale),
    _make(6, "Jennrich-Sampson", 2, 10, [0.3, 0.4], [124.362], _jennrich_sampson),
    _make(7, "Helical valley", 3, 3, [-1.0, 0.0, 0.0], [0.0], _helical_valley),
    _make(8, "Bard", 3, 15, [1.0, 1.0, 1.0], [8.21487e-3, 17.4286], _bard),
    _make(9, "Gaussian", 3, 15, [0.4, 1.0, 0.0], [1.12793e-8], _gaussian),
    _make(10, "Meyer", 3, 16, [0.02, 4000.0, 250.0], [87.9458], _meyer),
    _make(11, "Gulf research and development", 3, 99, [5.0, 2.5, 0.15], [0.0], _gulf),
    _make(12, "Box 3-D", 3, 10, [0.0, 10.0, 20.0], [0.0], _box_3d),
    _make(13, "Powell singular", 4, 4, [3.0, -1.0, 0.0, 1.0], [0.0], _powell_singular),
    _make(14, "Wood", 4, 6, [-3.0, -1.0, -3.0, -1.0], [0.0], _wood),
    _make(15, "Kowalik-Osborne", 4, 11, [0.25, 0.39, 0.415, 0.39], [3.07505e-4, 1.02734e-3],
          _kowalik_osborne),
    _make(16, "Brown-Dennis", 4, 20, [25.0, 5.0, -5.0, -1.0], [85822.2], _brown_dennis),
    _make(17, "Osborne 1", 5, 33, [0.5, 1.5, -1.0, 0.01, 0.02], [5.46489e-5], _osborne1),
    _make(18, "Biggs EXP6", 6, 13, [1.0, 2.0, 1.0, 1.0, 1.0, 1.0], [0.0, 5.65565e-3],
          _biggs_exp6),
    _make(19, "Osborne 2", 11, 65, [1.3, 0.65, 0.65, 0.7, 0.6, 3.0, 5.0, 7.0, 2.0, 4.5, 5.5],
          [4.01377e-2], _osborne2),
]

_BUILDERS = {_key(p.name): _fixed(p) for p in _FIXED}
_BUILDERS.update({_key(k): v for k, v in {
    "watson": _build_watson,
    "extended rosenbrock": _build_ext_rosenbrock,
    "extended powell singular": _build_ext_powell,
    "extended powell": _build_ext_powell,
    "penalty i": _build_penalty1,
    "penalty ii": _build_penalty2,
    "variably dimensioned": _build_variably,
    "trigonometric": _build_trig,
    "brown almost linear": _build_brown_al,
    "discrete boundary value": _build_dbv,
    "discrete integral equation": _build_die,
    "broyden tridiagonal": _build_btri,
    "broyden banded": _build_bband,
    "linear full rank": _build_lfr,
    "linear rank 1": _build_lr1,
    "linear rank 1 with zero columns and rows": _build_lr1z,
    "chebyquad": _build_chebyquad,
}.items()})


def names():
    """The names `get` accepts, in MGH order."""
    return [p.name for p in PROBLEMS]


#: Every problem at the sizes used by the tests and the benchmark (MGH order):
#: n = 6 for Watson, 8 for Chebyquad, 10 for the other variable-size problems
#: (12 for extended Powell), m = 2n for the linear ones.
PROBLEMS = sorted(
    _FIXED + [_build_watson(None, None), _build_ext_rosenbrock(None, None),
              _build_ext_powell(None, None), _build_penalty1(None, None),
              _build_penalty2(None, None), _build_variably(None, None),
              _build_trig(None, None), _build_brown_al(None, None), _build_dbv(None, None),
              _build_die(None, None), _build_btri(None, None), _build_bband(None, None),
              _build_lfr(None, None), _build_lr1(None, None), _build_lr1z(None, None),
              _build_chebyquad(None, None)],
    key=lambda p: p.number)
