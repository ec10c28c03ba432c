"""dualcalc.math mirrors Python's math: every name, math's exact results on
floats, math's exceptions, and on dual numbers a value that is math's own."""
import math
import random
import struct

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import dualcalc.math as dm
from dualcalc import Dual, HyperDual

SETTINGS = settings(max_examples=200, deadline=None)

PUBLIC = sorted(n for n in dir(math) if not n.startswith("_"))


def outcome(f, *args, **kwargs):
    """("ok", bits of the result) or ("raise", exception type)."""
    try:
        r = f(*args, **kwargs)
    except (ValueError, OverflowError, TypeError, ZeroDivisionError) as e:
        return ("raise", type(e))
    return ("ok", _bits(r))


def _bits(r):
    if isinstance(r, float):
        return ("float", struct.pack("<d", r))
    if isinstance(r, tuple):
        return tuple(_bits(x) for x in r)
    return (type(r).__name__, r)


# ---------------------------------------------------------------- names
def test_every_public_name_of_math_is_in_dualcalc_math():
    missing = [n for n in PUBLIC if not hasattr(dm, n)]
    assert not missing
    assert sorted(dm.__all__) == PUBLIC


def test_constants_are_maths():
    for n in ("pi", "e", "tau", "inf"):
        assert getattr(dm, n) == getattr(math, n)
    assert math.isnan(dm.nan)


# ---------------------------------------------------------------- exact on floats
_rng = random.Random(7)
FLOATS = sorted({0.0, 5e-324, 1e-310, 1e-300, 1e-20, 1e-10, 1e-5, 0.1, 0.25, 0.5,
                 1 - 2 ** -53, 1.0, 1 + 2 ** -52, 1.5, 2.0, 2.5, 3.0, 10.0, 20.5, 100.0,
                 171.5, 709.0, 709.8, 710.0, 1024.0, 1025.0, 1e10, 1e22, 1e300, 1.7e308}
                | {math.exp(_rng.uniform(-30, 30)) for _ in range(20)})
FLOATS = FLOATS + [-v for v in FLOATS] + [math.inf, -math.inf, math.nan]
INTS = [0, 1, -1, 3, -7, 10 ** 20, True]
ARGS1 = FLOATS + INTS + [2 ** 1100, "a", None, [1.0], 1 + 1j]

UNARY = ["acos", "acosh", "asin", "asinh", "atan", "atanh", "cbrt", "ceil", "cos",
         "cosh", "degrees", "erf", "erfc", "exp", "exp2", "expm1", "fabs", "floor",
         "frexp", "gamma", "isfinite", "isinf", "isnan", "lgamma", "log", "log10",
         "log1p", "log2", "modf", "radians", "sin", "sinh", "sqrt", "tan", "tanh",
         "trunc", "ulp"]
BINARY = ["atan2", "copysign", "fmod", "remainder", "pow", "hypot", "log", "nextafter",
          "isclose"]
PAIRS = ([(a, b) for a in FLOATS[::3] + [0.0, -0.0, 1.0] for b in FLOATS[::3] + [0.0, 2.0, -1.0]]
         + [(2, 3), (-8, 3), (1, "a"), (None, 1.0)])


@pytest.mark.parametrize("name", [n for n in UNARY if hasattr(math, n)])
def test_unary_functions_on_floats_are_exactly_maths(name):
    f, g = getattr(dm, name), getattr(math, name)
    for x in ARGS1:
        assert outcome(f, x) == outcome(g, x), (name, x)


@pytest.mark.parametrize("name", [n for n in BINARY if hasattr(math, n)])
def test_binary_functions_on_floats_are_exactly_maths(name):
    f, g = getattr(dm, name), getattr(math, name)
    for a, b in PAIRS:
        assert outcome(f, a, b) == outcome(g, a, b), (name, a, b)


def test_variadic_and_iterable_functions_on_floats_are_exactly_maths():
    rng = random.Random(3)
    for n in range(0, 6):
        for _ in range(10):
            xs = [rng.uniform(-1e3, 1e3) * 10 ** rng.randint(-5, 5) for _ in range(n)]
            assert outcome(dm.hypot, *xs) == outcome(math.hypot, *xs)
            assert outcome(dm.fsum, xs) == outcome(math.fsum, xs)
            assert outcome(dm.prod, xs) == outcome(math.prod, xs)
            assert outcome(dm.prod, xs, start=2.5) == outcome(math.prod, xs, start=2.5)
            ys = [rng.uniform(-10, 10) for _ in range(n)]
            assert outcome(dm.dist, xs, ys) == outcome(math.dist, xs, ys)
            if hasattr(math, "sumprod"):
                assert outcome(dm.sumprod, xs, ys) == outcome(math.sumprod, xs, ys)
    assert outcome(dm.fsum, [1e100, 1.0, -1e100]) == outcome(math.fsum, [1e100, 1.0, -1e100])
    assert outcome(dm.hypot, math.inf, math.nan) == outcome(math.hypot, math.inf, math.nan)
    assert outcome(dm.dist, [1.0], [1.0, 2.0]) == outcome(math.dist, [1.0], [1.0, 2.0])
    for x, i in [(1.5, 3), (1.0, -1075), (3.0, 1024), (0.0, 10 ** 10)]:
        assert outcome(dm.ldexp, x, i) == outcome(math.ldexp, x, i)
    assert outcome(dm.isclose, 1.0, 1.0 + 1e-10, rel_tol=1e-12) == \
        outcome(math.isclose, 1.0, 1.0 + 1e-10, rel_tol=1e-12)
    assert outcome(dm.log, 8.0, 2.0) == outcome(math.log, 8.0, 2.0)


def test_integer_functions_are_maths():
    for n in ("comb", "perm", "factorial", "gcd", "lcm", "isqrt"):
        assert getattr(dm, n) is getattr(math, n)
    assert dm.comb(10, 3) == 120 and dm.gcd(12, 18) == 6 and dm.isqrt(99) == 9


def test_every_overridden_function_is_tested_here():
    """Names that dualcalc.math implements itself (not math's own object) must be
    among those compared with math above; the others are math's functions."""
    tested = set(UNARY) | set(BINARY) | {"hypot", "fsum", "prod", "dist", "ldexp",
                                         "sumprod", "isclose", "log"}
    own = {n for n in PUBLIC if getattr(dm, n) is not getattr(math, n)
           and callable(getattr(math, n))}
    assert own <= tested, own - tested
    for n in set(PUBLIC) - own:
        assert getattr(dm, n) is getattr(math, n) or not callable(getattr(math, n))


# ---------------------------------------------------------------- dual values are math's
DUAL_UNARY = ["acos", "acosh", "asin", "asinh", "atan", "atanh", "cbrt", "ceil", "cos",
              "cosh", "degrees", "erf", "erfc", "exp", "exp2", "expm1", "fabs", "floor",
              "gamma", "lgamma", "log", "log10", "log1p", "log2", "radians", "sin",
              "sinh", "sqrt", "tan", "tanh", "trunc"]
DUAL_UNARY = [n for n in DUAL_UNARY if hasattr(math, n)]

any_float = st.floats(allow_nan=True, allow_infinity=True)
interesting = st.one_of(any_float, st.floats(-2, 2), st.floats(-200, 200),
                        st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 1e-300, 709.8, 710.0,
                                         -2.0, 171.7, math.inf, -math.inf, math.nan]))


def _same_value(a, b):
    return a == b or (a != a and b != b)


@SETTINGS
@given(st.sampled_from(DUAL_UNARY), interesting)
def test_dual_value_is_exactly_maths_result(name, x):
    f, g = getattr(dm, name), getattr(math, name)
    try:
        expect = g(x)
    except (ValueError, OverflowError) as e:
        for arg in (Dual(x, 1.0), HyperDual(x, 1.0, 1.0, 0.0)):
            with pytest.raises(type(e)):
                f(arg)
        return
    d = f(Dual(x, 1.0))
    h = f(HyperDual(x, 1.0, 1.0, 0.0))
    assert type(d) is Dual and type(h) is HyperDual
    assert _same_value(d.value, expect) and _same_value(h.value, expect), (d, expect)
    # HyperDual's first-order parts are the Dual's, bit for bit
    assert _same_value(h.eps1, d.eps) and _same_value(h.eps2, d.eps)
    assert outcome(f, x) == outcome(g, x)


DUAL_BINARY = ["atan2", "copysign", "fmod", "remainder", "pow", "hypot", "log"]


SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 1e308, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("name", DUAL_BINARY)
def test_dual_binary_functions_at_special_values_are_maths(name):
    for x in SPECIAL:
        for y in SPECIAL:
            for where in range(3):
                test_dual_value_of_binary_functions_is_exactly_maths.hypothesis.inner_test(
                    name, x, y, where)


@SETTINGS
@given(st.sampled_from(DUAL_BINARY), interesting, interesting, st.integers(0, 2))
def test_dual_value_of_binary_functions_is_exactly_maths(name, x, y, where):
    f, g = getattr(dm, name), getattr(math, name)
    a = Dual(x, 1.0) if where in (0, 2) else x
    b = Dual(y, 1.0) if where in (1, 2) else y
    try:
        expect = g(x, y)
    except (ValueError, OverflowError, ZeroDivisionError) as e:
        with pytest.raises(type(e)):
            f(a, b)
        return
    r = f(a, b)
    assert type(r) is Dual
    assert _same_value(r.value, expect), (name, x, y, r, expect)


@SETTINGS
@given(st.lists(st.floats(-1e6, 1e6), min_size=0, max_size=6))
def test_dual_value_of_aggregates_is_maths(xs):
    ds = [Dual(x, 1.0) for x in xs]
    if xs:
        assert dm.hypot(*ds).value == math.hypot(*xs)
        assert dm.fsum(ds).value == math.fsum(xs) and dm.fsum(ds).eps == len(xs)
        assert dm.dist(ds, [0.0] * len(xs)).value == pytest.approx(math.dist(xs, [0.0] * len(xs)),
                                                                 rel=1e-15)
    p = dm.prod(ds)
    assert _same_value(p.value if type(p) is Dual else p, math.prod(xs)) or \
        p.value == pytest.approx(math.prod(xs), rel=1e-14)


# ---------------------------------------------------------------- dual-specific behaviour
def test_modf_frexp_ldexp_on_duals():
    frac, whole = dm.modf(Dual(2.75, 3.0))
    assert (frac.value, frac.eps, whole.value, whole.eps) == (0.75, 3.0, 2.0, 0.0)
    m, e = dm.frexp(Dual(12.0, 1.0))
    assert (m.value, m.eps, e) == (0.75, 1.0 / 16, 4) and (m.value, e) == math.frexp(12.0)
    r = dm.ldexp(HyperDual(1.5, 1.0, 2.0, 3.0), 3)
    assert (r.value, r.eps1, r.eps2, r.eps1eps2) == (12.0, 8.0, 16.0, 24.0)
    with pytest.raises(TypeError):
        dm.ldexp(Dual(1.0), Dual(2.0))


def test_log_with_a_base_on_duals():
    r = dm.log(Dual(8.0, 1.0), 2.0)
    assert r.value == pytest.approx(3.0, rel=1e-15) and r.eps == pytest.approx(1 / (8 * math.log(2)), rel=1e-15)
    r = dm.log(8.0, Dual(2.0, 1.0))
    assert r.eps == pytest.approx(-math.log(8) / (2 * math.log(2) ** 2), rel=1e-15)
    with pytest.raises(ValueError):
        dm.log(Dual(0.0, 1.0), 2.0)


def test_predicates_and_isclose_use_the_value():
    assert dm.isnan(Dual(math.nan, 0.0)) and not dm.isnan(Dual(1.0, math.nan))
    assert dm.isinf(HyperDual(math.inf)) and dm.isfinite(Dual(1.0, math.inf))
    assert dm.isclose(Dual(1.0, 5.0), 1.0 + 1e-12) and not dm.isclose(Dual(1.0), 1.1)


def test_hypot_dist_and_sums_on_duals():
    r = dm.hypot(Dual(3.0, 1.0), 4.0)
    assert (r.value, r.eps) == (5.0, 0.6)
    r = dm.hypot(3.0, Dual(4.0, 1.0), 12.0)
    assert r.value == 13.0 and r.eps == pytest.approx(4.0 / 13.0, rel=1e-15)
    r = dm.dist([Dual(1.0, 1.0), 2.0], [4.0, 6.0])
    assert r.value == 5.0 and r.eps == pytest.approx(-0.6, rel=1e-15)
    r = dm.fsum([Dual(1e100, 1.0), Dual(1.0, 2.0), Dual(-1e100, 3.0)])
    assert (r.value, r.eps) == (1.0, 6.0)
    h = dm.fsum([HyperDual(1.0, 1.0, 2.0, 3.0), HyperDual(2.0, 1.0, 1.0, 1.0), 0.5])
    assert (h.value, h.eps1, h.eps2, h.eps1eps2) == (3.5, 2.0, 3.0, 4.0)
    p = dm.prod([Dual(2.0, 1.0), 3.0, Dual(4.0, 0.5)], start=0.5)
    assert (p.value, p.eps) == (12.0, 0.5 * (3 * 4 + 2 * 3 * 0.5))


@pytest.mark.parametrize("name", ["nextafter", "ulp"])
def test_float_only_functions_refuse_duals(name):
    args = (Dual(1.0, 1.0), 2.0) if name == "nextafter" else (Dual(1.0, 1.0),)
    with pytest.raises(TypeError, match=r"\.value"):
        getattr(dm, name)(*args)


@pytest.mark.parametrize("name,args", [("factorial", (Dual(3.0),)), ("gcd", (Dual(3.0), 6)),
                                       ("comb", (5, Dual(2.0))), ("isqrt", (Dual(4.0),))])
def test_integer_functions_refuse_duals(name, args):
    with pytest.raises(TypeError, match=r"\.value"):
        getattr(dm, name)(*args)


def test_dualcalc_math_on_numpy_scalars_is_maths():
    for x in (np.float64(0.5), np.float32(0.5), np.int64(2)):
        for n in ("sin", "exp", "sqrt", "log", "floor", "gamma"):
            assert outcome(getattr(dm, n), x) == outcome(getattr(math, n), x)
