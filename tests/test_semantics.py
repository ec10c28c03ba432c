"""Non-finite and non-smooth semantics: one test per row of the table in README.md
("Non-finite and non-smooth semantics").  Each test name starts with the row's
number and names it.

Every row is checked on Dual and HyperDual (through the NumPy ufunc, i.e. IEEE
semantics, which never raise) and, where the row says so, on the array types and
through dualcalc.math / the Python operators (which raise like math / float).
"""
import math

import numpy as np
import pytest

import dualcalc as dc
import dualcalc.math as dm
from dualcalc import Dual, DualArray, HyperDual, HyperDualArray

inf, nan = math.inf, math.nan


@pytest.fixture(autouse=True)
def _quiet():
    with np.errstate(all="ignore"):
        yield


def same(a, b):
    """Bitwise-style equality of floats: nan == nan, and 0.0 != -0.0 only when
    asked for (signed=True is the default for values, see callers)."""
    if math.isnan(b):
        return math.isnan(a)
    return a == b


def hyper(f, x):
    """(value, f', f'') of f at x from HyperDual(x, 1, 1, 0)."""
    h = f(HyperDual(x, 1.0, 1.0, 0.0))
    assert h.eps1 == h.eps2 or (math.isnan(h.eps1) and math.isnan(h.eps2))
    return h.value, h.eps1, h.eps1eps2


def dual(f, x):
    d = f(Dual(x, 1.0))
    return d.value, d.eps


def arrays(f, x):
    """(value, f', f'') from a DualArray and a HyperDualArray of one element."""
    a = f(DualArray(np.array([x]), np.ones((1, 1))))
    h = f(HyperDualArray(np.array([x]), np.ones((1, 1)), np.ones((1, 1)), np.zeros((1, 1, 1))))
    assert same(float(a.eps[0, 0]), float(h.eps1[0, 0]))
    return float(h.value[0]), float(h.eps1[0, 0]), float(h.eps1eps2[0, 0, 0])


def expect(f, x, value, d1, d2, signed_zero=True):
    """f at x on every type: value, first and second derivative as given."""
    for v, g1, g2 in (hyper(f, x), arrays(f, x)):
        assert same(v, value) and same(g1, d1) and same(g2, d2), (f, x, v, g1, g2)
        if signed_zero and value == 0.0:
            assert math.copysign(1.0, v) == math.copysign(1.0, value), (f, x, v)
    v, g1 = dual(f, x)
    assert same(v, value) and same(g1, d1), (f, x, v, g1)


# ---------------------------------------------------------------- 1. sqrt at 0
@pytest.mark.parametrize("zero", [0.0, -0.0])
def test_row01_sqrt_at_zero_and_minus_zero(zero):
    expect(np.sqrt, zero, zero, inf, -inf)
    expect(dm.sqrt, zero, zero, inf, -inf)


# ---------------------------------------------------------------- 2. logs at 0
@pytest.mark.parametrize("zero", [0.0, -0.0])
@pytest.mark.parametrize("f", [np.log, np.log2, np.log10])
def test_row02_log_log2_log10_at_zero_and_minus_zero(f, zero):
    expect(f, zero, -inf, inf, -inf)


def test_row02_log1p_at_minus_one():
    expect(np.log1p, -1.0, -inf, inf, -inf)


@pytest.mark.parametrize("f", [dm.log, dm.log2, dm.log10, dm.sqrt])
def test_row02_math_log_and_sqrt_at_zero_raise_like_math(f):
    if f is dm.sqrt:
        assert f(Dual(0.0, 1.0)).eps == inf            # math.sqrt(0.0) is 0.0
        return
    with pytest.raises(ValueError):
        f(Dual(0.0, 1.0))
    with pytest.raises(ValueError):
        f(HyperDual(-0.0, 1.0, 1.0, 0.0))


# ---------------------------------------------------------------- 3. outside the domain
@pytest.mark.parametrize("f,x", [(np.sqrt, -1.0), (np.log, -1.0), (np.log2, -2.0),
                                 (np.log10, -0.5), (np.log1p, -2.0), (np.arcsin, 1.5),
                                 (np.arccosh, 0.5), (np.arctanh, 2.0)])
def test_row03_outside_the_domain_everything_is_nan(f, x):
    expect(f, x, nan, nan, nan)


def test_row03_math_outside_the_domain_raises_valueerror():
    for f, x in [(dm.sqrt, -1.0), (dm.log, -1.0), (dm.asin, 1.5), (dm.acosh, 0.5)]:
        with pytest.raises(ValueError):
            f(Dual(x, 1.0))


# ---------------------------------------------------------------- 4. cbrt and 1/x at 0
def test_row04_cbrt_at_zero_sign_of_zero_picks_the_side():
    expect(np.cbrt, 0.0, 0.0, inf, -inf)
    expect(np.cbrt, -0.0, -0.0, inf, inf)


def test_row04_reciprocal_at_zero_sign_of_zero_picks_the_side():
    expect(np.reciprocal, 0.0, inf, -inf, inf)
    expect(np.reciprocal, -0.0, -inf, -inf, -inf)


# ---------------------------------------------------------------- 5. abs at 0
@pytest.mark.parametrize("f", [np.absolute, np.fabs, dm.fabs, abs])
@pytest.mark.parametrize("zero", [0.0, -0.0])
def test_row05_abs_at_zero_has_derivative_zero(f, zero):
    if f in (dm.fabs, abs):
        d = f(Dual(zero, 1.0))
        assert (d.value, d.eps) == (0.0, 0.0)
        return
    expect(f, zero, 0.0, 0.0, 0.0)


def test_row05_maximum_at_a_tie_averages_so_max_x_minus_x_is_abs():
    d = np.maximum(Dual(0.0, 1.0), -Dual(0.0, 1.0))
    assert (d.value, d.eps) == (0.0, 0.0)
    d = np.maximum(Dual(2.0, 1.0), Dual(2.0, 3.0))
    assert d.eps == 2.0


# ---------------------------------------------------------------- 6. steps
@pytest.mark.parametrize("f", [np.floor, np.ceil, np.trunc, np.rint, np.sign])
def test_row06_steps_have_zero_derivative_even_at_the_jump(f):
    for x in [0.0, -0.0, 1.0, 0.5, -2.5, 3.7, inf, -inf]:
        v = f(x)
        expect(f, x, v, 0.0, 0.0)


@pytest.mark.parametrize("f", [np.floor, np.ceil, np.trunc, np.rint, np.sign])
def test_row06_steps_at_nan_keep_their_constant_zero_derivative(f):
    expect(f, nan, nan, 0.0, 0.0)


# ---------------------------------------------------------------- 7. 0 ** p
def test_row07_zero_base_positive_exponent():
    # d/dx x**p at 0: 0 for p > 1, 1 for p = 1, +inf for 0 < p < 1; d/dp 0
    assert dual(lambda x: np.power(x, 3.0), 0.0) == (0.0, 0.0)
    assert dual(lambda x: np.power(x, 1.0), 0.0) == (0.0, 1.0)
    assert dual(lambda x: np.power(x, 0.5), 0.0) == (0.0, inf)
    assert dual(lambda p: np.power(0.0, p), 2.5) == (0.0, 0.0)
    assert dual(lambda x: x ** 2, 0.0) == (0.0, 0.0)
    assert hyper(lambda x: x ** 2, 0.0) == (0.0, 0.0, 2.0)


def test_row07_zero_to_the_zero_is_one_with_derivative_zero():
    assert dual(lambda x: np.power(x, 0.0), 0.0) == (1.0, 0.0)
    assert hyper(lambda x: x ** 0, 0.0) == (1.0, 0.0, 0.0)


def test_row07_zero_base_negative_exponent_is_inf_or_raises():
    v, d = dual(lambda x: np.power(x, -1.0), 0.0)
    assert v == inf and d == -inf
    with pytest.raises(ZeroDivisionError):
        Dual(0.0, 1.0) ** -1.0
    with pytest.raises(ValueError):
        dm.pow(Dual(0.0, 1.0), -1.0)


# ---------------------------------------------------------------- 8. negative base
def test_row08_negative_base_integer_exponent_is_exact():
    assert dual(lambda x: x ** 3, -2.0) == (-8.0, 12.0)
    assert hyper(lambda x: x ** 3, -2.0) == (-8.0, 12.0, -12.0)
    # d/dp of x**p at x < 0 is not real (log of a negative number): nan
    d = np.power(Dual(-2.0, 0.0), Dual(3.0, 1.0))
    assert d.value == -8.0 and math.isnan(d.eps)


def test_row08_negative_base_fractional_exponent_is_nan_or_raises():
    expect(lambda x: np.power(x, 0.5), -4.0, nan, nan, nan)
    with pytest.raises(ValueError, match="complex"):
        Dual(-4.0, 1.0) ** 0.5
    with pytest.raises(ValueError):
        dm.pow(Dual(-4.0, 1.0), 0.5)


# ---------------------------------------------------------------- 9. atan2 at the origin
@pytest.mark.parametrize("y0,x0", [(0.0, 0.0), (-0.0, 0.0), (0.0, -0.0)])
def test_row09_atan2_at_the_origin_has_nan_derivatives(y0, x0):
    r = np.arctan2(HyperDual(y0, 1.0, 1.0, 0.0, 1, 2), HyperDual(x0, 0.5, 0.5, 0.0, 1, 2))
    assert r.value == math.atan2(y0, x0)
    assert all(math.isnan(c) for c in (r.eps1, r.eps2, r.eps1eps2))
    # a zero tangent stays zero: only x moves, along the axis x > 0 -> still nan
    r = np.arctan2(0.0, Dual(0.0, 1.0))
    assert math.isnan(r.eps)
    r = np.arctan2(Dual(0.0, 0.0), 0.0)
    assert r.eps == 0.0


# ---------------------------------------------------------------- 10. hypot and norm at 0
def test_row10_hypot_at_the_origin_gradient_zero_hessian_nan():
    r = np.hypot(Dual(0.0, 1.0), Dual(0.0, 1.0))
    assert (r.value, r.eps) == (0.0, 0.0)
    h = np.hypot(HyperDual(0.0, 1.0, 1.0, 0.0), 0.0)
    assert (h.value, h.eps1, h.eps2) == (0.0, 0.0, 0.0) and math.isnan(h.eps1eps2)
    h = np.hypot(HyperDual(0.0, 0.0, 0.0, 0.0), 0.0)            # zero tangents
    assert (h.eps1, h.eps2, h.eps1eps2) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_row10_norm_of_the_zero_vector_gradient_zero_hessian_nan(n):
    f = np.linalg.norm
    assert np.array_equal(dc.gradient(f, np.zeros(n)), np.zeros(n))
    assert np.all(np.isnan(dc.hessian(f, np.zeros(n))))
    # away from 0, (I - u u^T) / |x|
    x = np.array([3.0, 4.0] + [0.0] * (n - 2))
    u = x / 5.0
    assert np.allclose(dc.hessian(f, x), (np.eye(n) - np.outer(u, u)) / 5.0, rtol=1e-15,
                       atol=0)
    # a direction that does not move the vector stays exactly zero
    H = np.linalg.norm(HyperDualArray(np.zeros(n), np.eye(n)[:1], np.zeros((1, n)),
                                      np.zeros((1, 1, n))))
    assert float(H.eps1eps2[0, 0]) == 0.0


def test_row10_norm_of_a_one_element_vector_is_abs():
    assert dc.gradient(np.linalg.norm, np.zeros(1))[0] == 0.0
    assert dc.hessian(np.linalg.norm, np.zeros(1))[0, 0] == 0.0       # abs''(0) = 0
    assert dc.hessian(np.linalg.norm, np.array([-2.0]))[0, 0] == 0.0


# ---------------------------------------------------------------- 11. division by zero
def test_row11_division_by_zero():
    r = np.true_divide(HyperDual(1.0, 1.0, 1.0, 0.0), 0.0)
    assert (r.value, r.eps1) == (inf, inf)
    r = np.true_divide(HyperDual(1.0, 1.0, 1.0, 0.0), -0.0)
    assert (r.value, r.eps1) == (-inf, -inf)
    r = np.true_divide(1.0, Dual(0.0, 1.0))                   # d/dy x/y = -x/y**2
    assert (r.value, r.eps) == (inf, -inf)
    r = np.true_divide(Dual(0.0, 1.0), 0.0)
    assert math.isnan(r.value) and r.eps == inf
    with pytest.raises(ZeroDivisionError):
        Dual(1.0, 1.0) / 0.0
    with pytest.raises(ZeroDivisionError):
        1.0 / Dual(0.0, 1.0)


# ---------------------------------------------------------------- 12. floor_divide by zero
@pytest.mark.parametrize("x0,value", [(1.0, inf), (-1.0, -inf), (0.0, nan)])
def test_row12_floor_divide_by_zero_value_like_numpy_derivatives_nan(x0, value):
    assert same(float(np.floor_divide(x0, 0.0)), value)
    r = np.floor_divide(HyperDual(x0, 1.0, 1.0, 0.0), 0.0)
    assert same(r.value, value)
    assert all(math.isnan(c) for c in (r.eps1, r.eps2, r.eps1eps2))
    r = np.floor_divide(Dual(x0, 0.0), Dual(0.0, 1.0))
    assert math.isnan(r.eps)
    a = np.floor_divide(DualArray(np.array([x0]), np.ones((1, 1))), 0.0)
    assert math.isnan(float(a.eps[0, 0]))
    with pytest.raises(ZeroDivisionError):
        Dual(x0, 1.0) // 0.0


# ---------------------------------------------------------------- 13. mod by zero
@pytest.mark.parametrize("f", [np.remainder, np.fmod, dm.remainder, dm.fmod])
def test_row13_mod_fmod_remainder_by_zero_nan_derivatives(f):
    if f in (dm.remainder, dm.fmod):
        with pytest.raises(ValueError):
            f(Dual(1.0, 1.0), 0.0)
        return
    r = f(HyperDual(1.0, 1.0, 1.0, 0.0), 0.0)
    assert all(math.isnan(c) for c in (r.value, r.eps1, r.eps2, r.eps1eps2))
    r = f(Dual(1.0, 0.0), Dual(0.0, 1.0))
    assert math.isnan(r.value) and math.isnan(r.eps)
    a = f(DualArray(np.array([1.0]), np.ones((1, 1))), 0.0)
    assert math.isnan(float(a.eps[0, 0]))
    with pytest.raises(ZeroDivisionError):
        Dual(1.0, 1.0) % 0.0


# ---------------------------------------------------------------- 14. overflow
def test_row14_overflow_is_inf_or_overflowerror():
    expect(np.exp, 710.0, inf, inf, inf)
    expect(np.cosh, 711.0, inf, inf, inf)
    with pytest.raises(OverflowError):
        dm.exp(Dual(710.0, 1.0))
    with pytest.raises(OverflowError):
        Dual(10.0, 1.0) ** 400.0
    # a derivative that overflows where the value does not: log'(5e-324) = 2e323
    v, d = dual(np.log, 5e-324)
    assert v == math.log(5e-324) and d == inf
    # ... while g'·t is carried exactly where it is representable: log'(5e-324)
    # alone overflows, but with the tangent 5e-324 the derivative is exactly 1
    # (tests/test_extreme_range.py covers every rule and type)
    assert np.log(Dual(5e-324, 5e-324)).eps == 1.0
    assert np.log(HyperDual(5e-324, 5e-324, 5e-324, 0.0)).eps1 == 1.0
    assert np.log(DualArray(np.array([5e-324]), np.array([[5e-324]]))).eps[0, 0] == 1.0


# ---------------------------------------------------------------- 15. infinite inputs
@pytest.mark.parametrize("f,x,value,d1,d2", [
    (np.exp, inf, inf, inf, inf), (np.exp, -inf, 0.0, 0.0, 0.0),
    (np.arctan, inf, math.pi / 2, 0.0, 0.0), (np.arctan, -inf, -math.pi / 2, 0.0, 0.0),
    (np.tanh, inf, 1.0, 0.0, 0.0), (np.tanh, -inf, -1.0, 0.0, 0.0),
    (np.sqrt, inf, inf, 0.0, 0.0), (np.log, inf, inf, 0.0, 0.0),
    (np.sin, inf, nan, nan, nan), (np.cos, -inf, nan, nan, nan)])
def test_row15_infinite_inputs_derivative_is_the_limit_or_nan(f, x, value, d1, d2):
    expect(f, x, value, d1, d2)


# ---------------------------------------------------------------- 16. nan inputs
@pytest.mark.parametrize("f", [np.exp, np.sin, np.sqrt, np.log, np.tanh, np.arctan,
                               np.reciprocal, np.cbrt, np.log1p, np.arcsinh])
def test_row16_nan_input_gives_nan_value_and_derivatives(f):
    expect(f, nan, nan, nan, nan)


def test_row16_nan_input_constant_derivative_factors_are_kept():
    expect(np.square, nan, nan, nan, 2.0)          # g'' = 2 does not depend on x
    expect(np.absolute, nan, nan, nan, 0.0)        # abs' = sign(nan) = nan; abs'' = 0
    expect(np.negative, nan, nan, -1.0, 0.0)
    r = np.add(HyperDual(nan, 1.0, 1.0, 0.0), 2.0)   # d(x + 2)/dx = 1
    assert math.isnan(r.value) and (r.eps1, r.eps1eps2) == (1.0, 0.0)


def test_row16_nan_in_a_nonlinear_binary_function():
    for u in (np.power, np.arctan2, np.hypot, np.maximum, np.remainder, np.fmod,
              np.floor_divide, np.logaddexp):
        r = u(HyperDual(nan, 1.0, 1.0, 0.0), 2.0)
        assert math.isnan(r.value) and math.isnan(r.eps1), u


# ---------------------------------------------------------------- 17. zero stays zero
@pytest.mark.parametrize("f,x", [(np.sqrt, 0.0), (np.log, 0.0), (np.log, -1.0),
                                 (np.reciprocal, 0.0), (np.arcsin, 1.0), (np.sin, inf),
                                 (np.exp, nan), (np.cbrt, -0.0)])
def test_row17_zero_tangents_stay_exactly_zero(f, x):
    d = f(Dual(x, 0.0))
    assert d.eps == 0.0
    h = f(HyperDual(x, 0.0, 0.0, 0.0))
    assert (h.eps1, h.eps2, h.eps1eps2) == (0.0, 0.0, 0.0)
    h = f(HyperDual(x, 1.0, 0.0, 0.0))
    assert h.eps2 == 0.0 and h.eps1eps2 == 0.0
    a = f(HyperDualArray(np.array([x]), np.zeros((1, 1)), np.zeros((1, 1)),
                         np.zeros((1, 1, 1))))
    assert float(a.eps1[0, 0]) == 0.0 and float(a.eps1eps2[0, 0, 0]) == 0.0


# ---------------------------------------------------------------- 18. repeated eigen/singular values
def test_row18_repeated_values_raise_unless_the_tangent_keeps_them_together():
    A = np.diag([2.0, 2.0, 5.0])
    with pytest.raises(ValueError, match="repeated"):
        dc.jacobian(np.linalg.eigvalsh, A)
    with pytest.raises(ValueError, match="repeated"):
        dc.jacobian(lambda X: np.linalg.svd(X)[2], A)
    assert dc.jvp(np.linalg.eigvalsh, A, np.diag([1.0, 1.0, 0.0])).tolist() == [1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="zero"):
        dc.jacobian(lambda X: np.linalg.svd(X, compute_uv=False), np.diag([1.0, 0.0]))
    with pytest.raises(ValueError, match="rank"):
        dc.jacobian(np.linalg.pinv, np.ones((2, 2)))
    g = dc.gradient(lambda X: np.linalg.norm(X, "nuc"), A)
    assert np.array_equal(g, np.eye(3))


# ---------------------------------------------------------------- 19. det at singular matrices
def test_row19_det_of_a_singular_matrix_has_exact_first_and_second_derivatives():
    A = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert np.allclose(dc.gradient(np.linalg.det, A), [[4.0, -2.0], [-2.0, 1.0]], rtol=1e-15)
    H = dc.hessian(np.linalg.det, A)            # det = a d - b c
    ref = np.zeros((2, 2, 2, 2))
    ref[0, 0, 1, 1] = ref[1, 1, 0, 0] = 1.0
    ref[0, 1, 1, 0] = ref[1, 0, 0, 1] = -1.0
    assert np.allclose(H, ref, rtol=0, atol=1e-15)


# ---------------------------------------------------------------- 20. NaN points
def test_row20_nan_in_the_point_is_fs_business():
    x = np.array([1.0, nan, 2.0])
    assert dc.gradient(np.nansum, x).tolist() == [1.0, 0.0, 1.0]
    g = dc.gradient(lambda v: np.sum(v * v), x)
    assert g[0] == 2.0 and math.isnan(g[1]) and g[2] == 4.0
