"""Taylor mode: the Taylor type, the taylor verb, derivative(order=k), newton(order=d).

The oracle is mpmath.taylor at 40 digits; the tolerance is 1e-10 relative,
scaled by max(1, |c|) (the issue's target), on composite functions and on every
function of the rule table, at ordinary points and near the edges of domains.
"""
import math
import pickle
import warnings

import mpmath as mp
import numpy as np
import pytest

import dualcalc as dc
import dualcalc.math as dm
from dualcalc import Dual, HyperDual, Taylor, taylor
from dualcalc._core import _taylor as T

TOL = 1e-10


def reference(fm, x, order):
    """mpmath's Taylor coefficients of fm at x (40 digits)."""
    with mp.workdps(40):
        return [mp.mpf(c) for c in mp.taylor(fm, mp.mpf(x), order)]


def assert_coefficients(got, ref, what=""):
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == (len(ref),), what
    for j, (g, r) in enumerate(zip(got, ref)):
        err = abs(mp.mpf(float(g)) - r) / max(1, abs(r))
        assert err <= TOL, f"{what}: c_{j} = {g!r}, mpmath {mp.nstr(r, 17)} (err {float(err):.2e})"


# ---------------------------------------------------------------- composites
def _lgam(z):
    return mp.log(abs(mp.gamma(z)))


COMPOSITES = [
    ("exp(sin(x))/(1+x^2)", lambda x: dm.exp(dm.sin(x)) / (1 + x ** 2),
     lambda x: mp.exp(mp.sin(x)) / (1 + x ** 2), [0.7, -2.3]),
    ("log(1+x^2)*atan(x)", lambda x: dm.log(1 + x * x) * dm.atan(x),
     lambda x: mp.log(1 + x * x) * mp.atan(x), [0.3, 5.0]),
    ("sqrt(cosh(x))", lambda x: dm.sqrt(dm.cosh(x)), lambda x: mp.sqrt(mp.cosh(x)),
     [0.0, 1.5]),
    ("erf(x)*lgamma(x+3)", lambda x: dm.erf(x) * dm.lgamma(x + 3),
     lambda x: mp.erf(x) * _lgam(x + 3), [0.5, -2.5, -2.999]),
    ("x**3.5", lambda x: x ** 3.5, lambda x: x ** mp.mpf(3.5), [0.01, 2.0]),
    ("tanh(x)^2", lambda x: dm.tanh(x) ** 2, lambda x: mp.tanh(x) ** 2, [0.2, -3.0]),
    ("asin(x)", dm.asin, mp.asin, [0.999, -0.5]),
    ("acos(x)*x", lambda x: dm.acos(x) * x, lambda x: mp.acos(x) * x, [-0.995]),
    ("atanh(x)", dm.atanh, mp.atanh, [0.99, -0.3]),
    ("acosh(x)", dm.acosh, mp.acosh, [1.001, 3.0]),
    ("log(x)", dm.log, mp.log, [1e-3, 50.0]),
    ("log1p(x)", dm.log1p, mp.log1p, [-0.99, 1e-8]),
    ("sqrt(x)", dm.sqrt, mp.sqrt, [1e-4]),
    ("gamma(x)", dm.gamma, mp.gamma, [-1.5, 0.1, 4.5, -2.999]),
    ("lgamma(x)", dm.lgamma, _lgam, [1e-3, 30.0, -0.5]),
    ("tan(x)", dm.tan, mp.tan, [1.5, -0.2]),
    ("cbrt(x)*x", lambda x: dm.cbrt(x) * x, lambda x: mp.cbrt(x) * x if x >= 0
     else -mp.cbrt(-x) * x, [-2.0, 0.3]),
    ("x**-3 + x**7", lambda x: x ** -3 + x ** 7, lambda x: x ** -3 + x ** 7, [-1.7]),
    ("erfc(x)*exp(x^2)", lambda x: dm.erfc(x) * dm.exp(x * x),
     lambda x: mp.erfc(x) * mp.exp(x * x), [3.0, -0.4]),
    ("expm1(x)/x", lambda x: dm.expm1(x) / x, lambda x: mp.expm1(x) / x, [2.0, -3.0]),
    ("2**x * log2(x) + log10(x)", lambda x: 2 ** x * dm.log2(x) + dm.log10(x),
     lambda x: 2 ** x * mp.log(x, 2) + mp.log10(x), [0.3]),
    ("atan2(x, 1 + x^2)", lambda x: dm.atan2(x, 1 + x * x),
     lambda x: mp.atan2(x, 1 + x * x), [0.4, -3.0]),
    ("hypot(x, 2 - x)", lambda x: dm.hypot(x, 2 - x), lambda x: mp.hypot(x, 2 - x),
     [0.5, 1.0]),
    ("logaddexp(x, 2x)", lambda x: np.logaddexp(x, 2 * x),
     lambda x: mp.log(mp.exp(x) + mp.exp(2 * x)), [0.3, -1.0]),
    ("x**sin(x)", lambda x: x ** dm.sin(x), lambda x: x ** mp.sin(x), [0.8, 2.0]),
    ("sinh(x)/asinh(x)", lambda x: dm.sinh(x) / dm.asinh(x),
     lambda x: mp.sinh(x) / mp.asinh(x), [2.0, -4.0]),
    ("cos(x)*sin(2x)", lambda x: dm.cos(x) * dm.sin(2 * x),
     lambda x: mp.cos(x) * mp.sin(2 * x), [1.0]),
    ("1/(1 + 25x^2)", lambda x: 1 / (1 + 25 * x * x), lambda x: 1 / (1 + 25 * x * x),
     [0.15]),
]
# Quotients by a factor with a zero at distance r from x (expm1(x)/x near 0)
# lose digits like r**-k to cancellation in the quotient recurrence, as in every
# Taylor-mode tool (README, "Taylor mode"), so the points above keep r >= 1.


@pytest.mark.parametrize("name,fd,fm,points", COMPOSITES, ids=[c[0] for c in COMPOSITES])
def test_composites_orders_1_to_20_match_mpmath(name, fd, fm, points):
    for x in points:
        ref = reference(fm, x, 20)
        full = taylor(fd, x, order=20)
        assert_coefficients(full, ref, f"{name} at {x}, order 20")
        for k in (1, 2, 3, 5, 8, 13):
            assert_coefficients(taylor(fd, x, order=k), ref[:k + 1],
                                f"{name} at {x}, order {k}")


# ---------------------------------------------------------------- every rule
SMOOTH_RULES = {
    # name: (mpmath function, points)
    "sin": (mp.sin, [0.3, -4.0]), "cos": (mp.cos, [0.3, 10.0]),
    "tan": (mp.tan, [0.3, -1.4]), "asin": (mp.asin, [0.2, -0.98]),
    "acos": (mp.acos, [0.2, 0.98]), "atan": (mp.atan, [0.2, -7.0]),
    "sinh": (mp.sinh, [0.2, 3.0]), "cosh": (mp.cosh, [0.2, -3.0]),
    "tanh": (mp.tanh, [0.2, 2.0]), "asinh": (mp.asinh, [0.2, -9.0]),
    "acosh": (mp.acosh, [1.02, 4.0]), "atanh": (mp.atanh, [0.2, -0.97]),
    "exp": (mp.exp, [0.2, -5.0]), "exp2": (lambda x: 2 ** x, [0.2, 3.0]),
    "expm1": (mp.expm1, [1e-6, -2.0]), "log": (mp.log, [0.05, 7.0]),
    "log2": (lambda x: mp.log(x, 2), [0.05, 7.0]), "log10": (mp.log10, [0.05, 7.0]),
    "log1p": (mp.log1p, [-0.95, 2.0]), "sqrt": (mp.sqrt, [0.01, 3.0]),
    "cbrt": (lambda x: mp.cbrt(x) if x >= 0 else -mp.cbrt(-x), [0.01, -3.0]),
    "erf": (mp.erf, [0.2, -2.5]), "erfc": (mp.erfc, [0.2, 4.0]),
    "gamma": (mp.gamma, [0.2, -3.3, 7.5]), "lgamma": (_lgam, [0.2, -3.3, 12.0]),
    "digamma": (mp.digamma, [0.2, -3.3, 25.0]),
    "degrees": (lambda x: x * 180 / mp.pi, [0.2]),
    "radians": (lambda x: x * mp.pi / 180, [0.2]), "square": (lambda x: x * x, [-1.3]),
    "reciprocal": (lambda x: 1 / x, [-0.3, 2.0]),
    "negative": (lambda x: -x, [0.4]), "positive": (lambda x: x, [0.4]),
}


@pytest.mark.parametrize("name", sorted(SMOOTH_RULES))
def test_every_smooth_rule_matches_mpmath(name):
    fm, points = SMOOTH_RULES[name]
    rid = T.RULES[name]
    for x in points:
        ref = reference(fm, x, 12)
        got = T.unary(Taylor.variable(x, 12), rid)
        assert_coefficients(got.coefficients, ref, f"{name} at {x}")
        # composed with a non-trivial inner series (the recurrences use u_j, j > 1)
        inner = Taylor.variable(x, 12) + 0.25 * Taylor.variable(0.0, 12) ** 2
        ref2 = reference(lambda t: fm(t + (t - x) ** 2 / 4), x, 12)
        assert_coefficients(T.unary(inner, rid).coefficients, ref2, f"{name}(u) at {x}")


def test_the_rule_table_is_covered():
    from dualcalc._core import _table
    assert set(_table.RULES) <= set(T.RULES), set(_table.RULES) - set(T.RULES)
    assert set(_table.BINARY) <= set(T.OPS), set(_table.BINARY) - set(T.OPS)
    tested = (set(SMOOTH_RULES) | {"abs", "floor", "ceil", "trunc", "rint", "sign"})
    assert tested == set(T.RULES)


@pytest.mark.parametrize("name,x,sign", [
    ("abs", 1.5, 1.0), ("abs", -1.5, -1.0), ("abs", 0.0, 0.0),
])
def test_abs_is_sign_times_u_with_the_sign_convention_at_0(name, x, sign):
    u = Taylor([x, 2.0, -1.0, 3.0])
    got = T.unary(u, T.RULES[name]).coefficients
    expect = [abs(x), 2.0 * sign, -1.0 * sign, 3.0 * sign]
    assert list(got) == expect


@pytest.mark.parametrize("name,f", [("floor", math.floor), ("ceil", math.ceil),
                                    ("trunc", math.trunc), ("rint", round),
                                    ("sign", lambda v: math.copysign(1.0, v))])
def test_step_functions_have_zero_derivatives(name, f):
    for x in (-2.5, 1.25, 3.7):
        got = T.unary(Taylor([x, 1.0, 2.0, 3.0]), T.RULES[name]).coefficients
        assert list(got) == [float(f(x)), 0.0, 0.0, 0.0]


BINARY_MP = {
    "pow": (lambda a, b: a ** b, (1.3, 0.7)),
    "atan2": (mp.atan2, (0.4, -1.2)),
    "hypot": (mp.hypot, (0.4, -1.2)),
    "logaddexp": (lambda a, b: mp.log(mp.exp(a) + mp.exp(b)), (0.4, -1.2)),
    "logaddexp2": (lambda a, b: mp.log(2 ** a + 2 ** b, 2), (0.4, 3.0)),
    "add": (lambda a, b: a + b, (0.4, -1.2)),
    "sub": (lambda a, b: a - b, (0.4, -1.2)),
    "mul": (lambda a, b: a * b, (0.4, -1.2)),
    "div": (lambda a, b: a / b, (0.4, -1.2)),
}


@pytest.mark.parametrize("name", sorted(BINARY_MP))
def test_smooth_binary_operations_match_mpmath(name):
    fm, (a, b) = BINARY_MP[name]
    # along the line (a + t, b + t^2 - 2 t): both arguments perturbed
    x = Taylor.variable(a, 10)
    y = b + Taylor.variable(0.0, 10) ** 2 - 2 * Taylor.variable(0.0, 10)
    ref = reference(lambda t: fm(t, b + (t - a) ** 2 - 2 * (t - a)), a, 10)
    assert_coefficients(T.binary(x, y, T.OPS[name]).coefficients, ref, name)
    # one argument a constant, on either side
    ref_x = reference(lambda t: fm(t, mp.mpf(b)), a, 10)
    assert_coefficients(T.binary(x, b, T.OPS[name]).coefficients, ref_x, name + "(x, c)")
    ref_y = reference(lambda t: fm(mp.mpf(b) + 2, t), a, 10)
    assert_coefficients(T.binary(b + 2, x, T.OPS[name]).coefficients, ref_y,
                        name + "(c, x)")


@pytest.mark.parametrize("name,f,fx,fy", [
    ("copysign", math.copysign, lambda a, b: math.copysign(1, a) * math.copysign(1, b),
     lambda a, b: 0.0),
    ("fmod", math.fmod, lambda a, b: 1.0, lambda a, b: -math.trunc(a / b)),
    ("mod", lambda a, b: a % b, lambda a, b: 1.0, lambda a, b: -math.floor(a / b)),
    ("remainder", math.remainder, lambda a, b: 1.0, lambda a, b: -round(a / b)),
    ("floor_divide", lambda a, b: a // b, lambda a, b: 0.0, lambda a, b: 0.0),
    ("maximum", max, lambda a, b: float(a > b), lambda a, b: float(b > a)),
    ("minimum", min, lambda a, b: float(a < b), lambda a, b: float(b < a)),
    ("fmax", max, lambda a, b: float(a > b), lambda a, b: float(b > a)),
    ("fmin", min, lambda a, b: float(a < b), lambda a, b: float(b < a)),
])
def test_locally_linear_binary_operations(name, f, fx, fy):
    for a, b in [(7.5, 2.0), (-7.5, 2.0), (7.5, -2.0), (0.3, 1.7)]:
        x = Taylor([a, 1.0, -2.0, 0.5])
        y = Taylor([b, 3.0, 0.25, -1.0])
        got = T.binary(x, y, T.OPS[name]).coefficients
        gx, gy = fx(a, b), fy(a, b)
        expect = [f(a, b)] + [gx * p + gy * q for p, q in zip([1.0, -2.0, 0.5],
                                                              [3.0, 0.25, -1.0])]
        assert np.allclose(got, expect, rtol=1e-15, atol=0), (name, a, b, got, expect)


def test_compose_with_a_known_series_matches_mpmath():
    # besselj(0, u) has no rule: give its Taylor coefficients at u0 by mpmath
    x = Taylor.variable(0.7, 10)
    u = dm.sin(x) + x * x
    u0 = mp.sin(mp.mpf(0.7)) + mp.mpf(0.7) ** 2
    with mp.workdps(40):
        g = [float(c) for c in mp.taylor(lambda z: mp.besselj(0, z), u0, 10)]
    ref = reference(lambda t: mp.besselj(0, mp.sin(t) + t * t), 0.7, 10)
    assert_coefficients(u.compose(g).coefficients, ref, "besselj0(sin x + x^2)")
    with pytest.raises(ValueError, match="11 coefficients"):
        u.compose([1.0, 2.0])
    with pytest.raises(TypeError, match="real"):
        u.compose(["a"] * 11)


@pytest.mark.parametrize("scale", [1e200, 1e-200])
def test_atan2_and_hypot_do_not_overflow_at_the_edges_of_the_range(scale):
    x = Taylor.variable(0.0, 6)
    a, b = scale * (0.3 + x), scale * (0.7 - 2 * x * x)
    h = dm.hypot(a, b).coefficients / scale
    ref = reference(lambda t: mp.hypot(0.3 + t, 0.7 - 2 * t * t), 0.0, 6)
    assert_coefficients(h, ref, "hypot scaled")
    ref = reference(lambda t: mp.atan2(0.3 + t, 0.7 - 2 * t * t), 0.0, 6)
    assert_coefficients(dm.atan2(a, b).coefficients, ref, "atan2 scaled")


# ---------------------------------------------------------------- polygamma
@pytest.mark.parametrize("x", [0.001, 0.3, 1.0, 2.5, 17.0, 250.0, 1e6, -0.5, -3.7, -10.01])
def test_polygamma_matches_mpmath(x):
    for m in range(1, 22):
        ref = mp.polygamma(m, mp.mpf(x))
        got = T.polygamma(m, x)
        assert abs(mp.mpf(got) - ref) <= 1e-14 * abs(ref), (m, x, got, ref)


# ---------------------------------------------------------------- exactness
def test_integer_powers_are_exact_for_negative_bases():
    x = Taylor.variable(-2.0, 4)
    assert list((x ** 3).coefficients) == [-8.0, 12.0, -6.0, 1.0, 0.0]
    assert list((x ** 2).coefficients) == [4.0, -4.0, 1.0, 0.0, 0.0]
    assert list((x ** -1).coefficients) == [-0.5, -0.25, -0.125, -0.0625, -0.03125]
    z = Taylor.variable(0.0, 5)
    assert list((z ** 3).coefficients) == [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    assert list((z ** 0).coefficients) == [1.0, 0, 0, 0, 0, 0]


def test_fractional_power_at_zero_is_zero_below_the_exponent_and_nan_above():
    c = (Taylor.variable(0.0, 5) ** 2.5).coefficients
    assert list(c[:3]) == [0.0, 0.0, 0.0]
    assert np.isnan(c[3:]).all()


def test_zero_stays_zero_for_constants():
    for name in ("sqrt", "log", "cbrt", "acosh", "atanh", "asin", "reciprocal"):
        edge = {"acosh": 1.0, "atanh": 1.0, "asin": 1.0}.get(name, 0.0)
        with np.errstate(all="ignore"):
            c = T.unary(Taylor.constant(edge, 4), T.RULES[name]).coefficients
        assert list(c[1:]) == [0.0] * 4, name


def test_order_zero_and_the_value_agree_with_float_code():
    for f, fm in [(dm.sin, math.sin), (dm.lgamma, math.lgamma), (dm.erf, math.erf)]:
        assert taylor(f, 0.7, order=0)[0] == pytest.approx(fm(0.7), rel=1e-15)


# ---------------------------------------------------------------- verbs
@pytest.mark.parametrize("k", [1, 2, 3, 4, 7, 12])
def test_derivative_of_any_order(k):
    for x in (0.3, -2.0):
        got = dc.derivative(dm.sin, x, order=k)
        assert got == pytest.approx(math.sin(x + k * math.pi / 2), rel=1e-13, abs=1e-13)
        got = dc.derivative(dm.exp, x, order=k)
        assert got == pytest.approx(math.exp(x), rel=1e-13)


def test_derivative_of_order_3_of_a_polynomial_is_exact():
    assert dc.derivative(lambda x: x ** 5 - 3 * x ** 3, 2.0, order=3) == 60 * 4 - 18
    assert dc.derivative(lambda x: x ** 5, 2.0, order=6) == 0.0


def test_taylor_of_array_valued_f_puts_the_coefficients_first():
    c = taylor(lambda x: np.array([dm.sin(x), x ** 2, 3.0], dtype=object), 0.0, order=3)
    assert c.shape == (4, 3)
    assert np.allclose(c[:, 0], [0, 1, 0, -1 / 6])
    assert list(c[:, 1]) == [0.0, 0.0, 1.0, 0.0]
    assert list(c[:, 2]) == [3.0, 0.0, 0.0, 0.0]


def test_taylor_of_a_constant_function():
    assert list(taylor(lambda x: 2.5, 1.0, order=3)) == [2.5, 0.0, 0.0, 0.0]


def test_directional_taylor_matches_mpmath():
    def f(z):
        return dm.exp(z[0] * z[1]) / (1 + z[2] ** 2) + np.sum(np.sin(z))

    x = np.array([0.3, -0.5, 1.2])
    v = np.array([1.0, 2.0, -0.5])

    def g(t):
        z = [mp.mpf(a) + t * mp.mpf(b) for a, b in zip(x, v)]
        return mp.exp(z[0] * z[1]) / (1 + z[2] ** 2) + sum(mp.sin(c) for c in z)

    assert_coefficients(taylor(f, x, order=15, v=v), reference(g, 0.0, 15), "directional")


def test_directional_taylor_with_matrix_code():
    A = np.array([[2.0, 1.0], [0.5, 3.0]])

    def f(z):
        return np.tanh(A @ z)          # an object-array matmul, then np.tanh on objects

    x = np.array([0.1, -0.2])
    v = np.array([1.0, 0.5])
    c = taylor(f, x, order=6, v=v)
    assert c.shape == (7, 2)
    for i in range(2):
        ref = reference(lambda t: mp.tanh(sum(A[i, j] * (x[j] + t * v[j]) for j in range(2))),
                        0.0, 6)
        assert_coefficients(c[:, i], ref, f"row {i}")


def test_taylor_first_order_agrees_with_jvp_and_second_with_hvp():
    def f(z):
        return dm.sin(z[0]) * z[1] ** 3 + dm.log(z[0] + z[1])

    x = np.array([0.7, 1.1])
    v = np.array([0.3, -0.8])
    c = taylor(f, x, order=2, v=v)
    assert c[1] == pytest.approx(float(dc.jvp(f, x, v)), rel=1e-14)
    assert 2 * c[2] == pytest.approx(float(v @ dc.hvp(f, x, v)), rel=1e-13)


def test_cli_helper_prints_the_coefficients(tmp_path):
    from dualcalc.taylor import taylor_command
    r = taylor_command("log(1 + x)", "x=0", 4)
    assert r["coefficients"] == [0.0, 1.0, -0.5, 1 / 3, -0.25]
    assert "c_j" in r["text"] and r["plot"] is None
    assert r["derivatives"] == [0.0, 1.0, -1.0, 2.0, -6.0]
    with pytest.raises(ValueError, match="one variable"):
        taylor_command("x*y", "x=1", 2)


def test_cli_helper_draws_the_taylor_polynomials(tmp_path):
    from dualcalc.taylor import taylor_command
    out = tmp_path / "taylor.png"
    r = taylor_command("sin(x)", "x=0.5", 7, plot=str(out))
    assert r["plot"] == str(out) and out.stat().st_size > 1000
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_taylor_polynomials_converge_to_f():
    from dualcalc.taylor import taylor_polynomial
    c = taylor(dm.exp, 0.0, order=20)
    errs = [abs(taylor_polynomial(c[:k + 1], 0.0, 1.0) - math.e) for k in (2, 5, 10, 20)]
    assert errs == sorted(errs, reverse=True) and errs[-1] < 1e-15


# ---------------------------------------------------------------- NumPy and math
def test_numpy_ufuncs_and_mixed_operands():
    x = Taylor.variable(0.5, 3)
    for other in (2, 2.0, np.float64(2.0), np.float32(2.0), np.int64(2), True):
        o = float(other)
        assert (x + other).coefficients.tolist() == [0.5 + o, 1.0, 0.0, 0.0]
        assert (other + x).coefficients.tolist() == [0.5 + o, 1.0, 0.0, 0.0]
        assert (other * x).coefficients.tolist() == [0.5 * o, o, 0.0, 0.0]
        assert type(other - x) is Taylor and type(other / x) is Taylor
    assert type(np.float64(3.0) * x) is Taylor
    assert type(np.sin(x)) is Taylor
    assert type(np.arctan2(x, 2.0)) is Taylor
    assert np.less(x, 1.0) is np.True_ or np.less(x, 1.0) == True  # noqa: E712
    a = np.array([1.0, 2.0]) * x          # an object array of Taylors
    assert a.dtype == object and a[1].coefficients.tolist() == [1.0, 2.0, 0.0, 0.0]
    s = np.sum(np.exp(a))
    ref = reference(lambda t: mp.exp(t) + mp.exp(2 * t), 0.5, 3)
    assert_coefficients(s.coefficients, ref, "sum of exp on an object array")


def test_dualcalc_math_accepts_taylor():
    x = Taylor.variable(0.4, 6)
    for name in ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
                 "asinh", "atanh", "exp", "expm1", "log", "log2", "log10", "log1p",
                 "sqrt", "erf", "erfc", "gamma", "lgamma", "fabs", "degrees", "radians",
                 "exp2", "cbrt"):
        r = getattr(dm, name)(x)
        assert type(r) is Taylor, name
        assert r.value == pytest.approx(getattr(math, name, getattr(np, name, None))(0.4)
                                        if hasattr(math, name) else r.value)
    assert type(dm.pow(x, 2.5)) is Taylor
    assert type(dm.atan2(x, 1.0)) is Taylor and type(dm.hypot(x, 1.0)) is Taylor
    assert type(dm.copysign(x, -1.0)) is Taylor and type(dm.fmod(x, 0.3)) is Taylor
    assert type(dm.log(x, 3.0)) is Taylor
    assert type(dm.remainder(x, 0.3)) is Taylor


def test_dualcalc_math_domain_errors_are_maths():
    with pytest.raises(ValueError, match="math domain error"):
        dm.sqrt(Taylor.variable(-1.0, 3))
    with pytest.raises(ValueError, match="math domain error"):
        dm.log(Taylor.variable(0.0, 3))
    with pytest.raises(ValueError, match="math domain error"):
        dm.pow(Taylor.variable(-1.0, 3), 0.5)
    with pytest.raises(ValueError, match="math domain error"):
        dm.fmod(Taylor.variable(1.0, 3), 0.0)
    with pytest.raises(OverflowError):
        dm.exp(Taylor.variable(1000.0, 2))
    with pytest.raises(OverflowError):
        dm.pow(Taylor.variable(10.0, 2), 400.0)
    # the NumPy path is NumPy's: nan with a warning
    with pytest.warns(RuntimeWarning):
        assert math.isnan(np.sqrt(Taylor.variable(-1.0, 3)).value)


# ---------------------------------------------------------------- errors
def test_bad_input_errors():
    x = Taylor.variable(1.0, 3)
    with pytest.raises(TypeError, match=r"\.value"):
        float(x)
    with pytest.raises(TypeError, match=r"\.value"):
        math.sin(x)
    with pytest.raises(TypeError, match="real"):
        Taylor(["a"])
    with pytest.raises(TypeError):
        Taylor(3.0)
    with pytest.raises(ValueError):
        Taylor([])
    with pytest.raises(TypeError, match="nested"):
        Taylor([x])
    with pytest.raises(ValueError, match="order"):
        Taylor.variable(1.0, -1)
    with pytest.raises(TypeError, match="order"):
        taylor(dm.sin, 1.0, order=2.5)
    with pytest.raises(ValueError, match="order"):
        taylor(dm.sin, 1.0, order=-1)
    with pytest.raises(TypeError, match="callable"):
        taylor(3.0, 1.0, order=2)
    with pytest.raises(TypeError, match="real number"):
        taylor(dm.sin, "x", order=2)
    with pytest.raises(ValueError, match="shape"):
        taylor(lambda z: z[0], [1.0, 2.0], order=2, v=[1.0])
    # a NaN point is a point like any other (as for the other verbs): NaN out
    assert np.isnan(taylor(dm.sin, float("nan"), order=2)).all()
    with pytest.raises(ZeroDivisionError):
        x / 0.0
    with pytest.raises(ZeroDivisionError):
        1.0 / (x - 1.0)
    with pytest.raises(ValueError, match="complex"):
        (x - 3.0) ** 0.5
    with pytest.raises(TypeError, match="Dual"):
        x + Dual(1.0, 1.0)
    with pytest.raises(TypeError, match="Dual"):
        HyperDual(1.0, 1.0, 1.0, 0.0) * x
    with pytest.raises(TypeError, match="different variables"):
        x + Taylor.variable(1.0, 3, tag=5)
    with pytest.raises(TypeError, match="unsupported|not supported"):
        np.bitwise_and(x, 1)
    with pytest.raises(TypeError):
        x + "a"


def test_f_converting_its_input_gets_the_clear_error():
    with pytest.raises(TypeError, match="dualcalc.math"):
        taylor(lambda x: math.exp(x), 1.0, order=3)


def test_nested_taylor_and_derivative_are_refused_not_confused():
    with pytest.raises(TypeError, match="different variables|another differentiation"):
        taylor(lambda x: taylor(lambda y: x * y, 1.0, order=2)[1], 2.0, order=2)
    with pytest.raises(TypeError, match="Dual"):
        taylor(lambda x: dc.derivative(lambda y: x * y, 1.0), 2.0, order=3)
    with pytest.raises(TypeError):
        dc.derivative(lambda x: taylor(lambda y: x * y, 1.0, order=2)[1], 2.0)
    # independent inner expansions inside f are fine
    c = taylor(lambda x: x * taylor(dm.exp, 0.0, order=2)[2], 1.0, order=1)
    assert list(c) == [0.5, 0.5]


def test_mixed_orders_combine_at_the_smaller_order():
    a = Taylor([1.0, 2.0, 3.0])
    b = Taylor([1.0, 1.0])
    assert (a * b).coefficients.tolist() == [1.0, 3.0]


# ---------------------------------------------------------------- pickle, repr
def test_pickle_and_repr_round_trip():
    x = Taylor([1.5, -0.0, float("nan"), float("inf"), 1e-300], tag=7)
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        y = pickle.loads(pickle.dumps(x, protocol=proto))
        assert type(y) is Taylor and y.tag == 7
        assert y.coefficients.tobytes() == x.coefficients.tobytes()
    z = Taylor([1.5, -2.0, 0.25])
    assert repr(z) == "Taylor([1.5, -2.0, 0.25])"
    assert eval(repr(z)).coefficients.tolist() == z.coefficients.tolist()
    assert str(z) == "1.5 - 2.0t + 0.25t^2"
    assert repr(x).endswith("tag=7)")
    assert z.order == 2 and z.value == 1.5
    assert z.derivatives.tolist() == [1.5, -2.0, 0.5]
    assert z == 1.5 and z < 2 and hash(z) == hash(1.5) and bool(z)


def test_newton_householder_orders():
    from dualcalc.optimize import newton
    f = lambda x: x ** 3 - 2 * x - 5        # noqa: E731
    root = 2.0945514815423265
    nits = []
    for order in (1, 2, 3, 4, 6):
        r = newton(f, 2.5, order=order)
        assert r.success and abs(r.x - root) <= 1e-14
        nits.append(r.nit)
    assert nits[-1] <= nits[1] <= nits[0]
    r = newton(lambda x: dm.cos(x) - x, 1.0, order=5)
    assert r.success and abs(math.cos(r.x) - r.x) <= 1e-15
    with pytest.raises(ValueError, match="order"):
        newton(f, 2.0, order=0)
    with pytest.raises(ValueError, match="halley"):
        newton(f, 2.0, order=3, halley=True)


# ---------------------------------------------------------------- algebraic laws
def test_algebraic_laws_hold_on_random_series():
    from hypothesis import given, settings, strategies as st

    coef = st.floats(-3.0, 3.0, allow_nan=False)
    series = st.lists(coef, min_size=6, max_size=6)

    def close(a, b, scale=1.0):
        return np.allclose(a.coefficients, b.coefficients, rtol=1e-12, atol=1e-12 * scale)

    @settings(max_examples=200, deadline=None, database=None)
    @given(series, series, st.floats(0.5, 3.0))
    def prop(a, b, v0):
        u = Taylor([v0] + a[1:])         # u0 > 0: log, sqrt and division are defined
        w = Taylor(b)
        assert close(u * w, w * u) and close(u + w, w + u)
        assert close((u * w) / u, w, scale=10.0)
        assert close(dm.exp(dm.log(u)), u)
        assert close(dm.sqrt(u) * dm.sqrt(u), u)
        assert close(dm.sin(w) ** 2 + dm.cos(w) ** 2, Taylor.constant(1.0, 5))
        assert close(dm.cosh(w) ** 2 - dm.sinh(w) ** 2, Taylor.constant(1.0, 5),
                     scale=float(np.cosh(abs(w.value)) ** 2))
        assert close(u ** 3, u * u * u) and close(u ** -2, 1 / (u * u))
        assert close(dm.tan(dm.atan(w)), w, scale=10.0)
    prop()
