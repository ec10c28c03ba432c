"""The derivative verbs: the exercises of a calculus-for-ML course with exact
expected values, shapes, nesting, bad input, and random functions vs mpmath."""
import math as pymath
import random

import mpmath as mp
import numpy as np
import pytest
import scipy.optimize as so

import dualcalc as dc
import dualcalc.math as dm


# ---------------------------------------------------------------- course exercises
@pytest.mark.parametrize("x", [-3.0, -1.5, -0.25, 0.0, 0.5, 1.0, 2.0, 7.0])
def test_polynomial_derivative(x):
    # d/dx (3x^3 + 2x^2 - 4x + 7) = 9x^2 + 4x - 4, exact in binary floating point here
    got = dc.derivative(lambda t: 3 * t**3 + 2 * t**2 - 4 * t + 7, x)
    assert got == 9 * x**2 + 4 * x - 4
    assert dc.second_derivative(lambda t: 3 * t**3 + 2 * t**2 - 4 * t + 7, x) == 18 * x + 4


@pytest.mark.parametrize("x,y", [(1.0, 2.0), (-2.0, 0.5), (0.0, -3.0), (3.5, 1.25)])
def test_partial_derivatives(x, y):
    f = lambda v: v[0] ** 2 * v[1] + 3 * v[1] ** 2
    g = dc.gradient(f, [x, y])
    assert g.tolist() == [2 * x * y, x**2 + 6 * y]
    # the same with two separate inputs and argnums
    gx, gy = dc.gradient(lambda a, b: a**2 * b + 3 * b**2, (x, y), argnums=(0, 1))
    assert (gx, gy) == (2 * x * y, x**2 + 6 * y)
    assert dc.gradient(lambda a, b: a**2 * b + 3 * b**2, (x, y), argnums=1) == x**2 + 6 * y


def test_gradient_of_squared_norm():
    x = np.array([1.0, -2.0, 3.5])
    assert dc.gradient(lambda v: v[0] ** 2 + v[1] ** 2 + v[2] ** 2, x).tolist() == (2 * x).tolist()
    assert dc.gradient(lambda v: np.sum(v**2), x).tolist() == (2 * x).tolist()


@pytest.mark.parametrize("x", [-2.0, -0.7, 0.0, 0.3, 1.0, 1.9])
def test_chain_rule(x):
    mp.mp.dps = 50
    d = dc.derivative(lambda t: dm.sin(3 * t**2 + 2), x)
    exact = 6 * mp.mpf(x) * mp.cos(3 * mp.mpf(x) ** 2 + 2)
    assert abs(d - exact) <= 1e-15 * max(1.0, abs(exact))
    assert dc.derivative(lambda t: np.sin(3 * t**2 + 2), x) == d
    assert dc.derivative(lambda t: (3 * t + 1) ** 2, x) == 6 * (3 * x + 1)


@pytest.mark.parametrize("x1,x2", [(1.0, 2.0), (-0.5, 0.25), (2.0, -1.0)])
def test_jacobian_of_map(x1, x2):
    f = lambda v: [v[0] ** 2 * v[1], 5 * v[0] + dm.sin(v[1])]
    J = dc.jacobian(f, [x1, x2])
    assert J.shape == (2, 2)
    assert J.tolist() == [[2 * x1 * x2, x1**2], [5.0, pymath.cos(x2)]]
    # columns are directional derivatives
    assert dc.jvp(f, [x1, x2], [1.0, 0.0]).tolist() == J[:, 0].tolist()
    assert dc.jvp(f, [x1, x2], [0.0, 1.0]).tolist() == J[:, 1].tolist()


def test_hessian_of_quadratic_form():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    b = rng.normal(size=4)
    f = lambda x: 0.5 * x @ A @ x + b @ x if False else _quad(x, A, b)
    x0 = rng.normal(size=4)
    H = dc.hessian(f, x0)
    np.testing.assert_allclose(H, 0.5 * (A + A.T), rtol=1e-14, atol=1e-14)
    assert (H == H.T).all()
    np.testing.assert_allclose(dc.gradient(f, x0), 0.5 * (A + A.T) @ x0 + b, rtol=1e-13)
    v = rng.normal(size=4)
    np.testing.assert_allclose(dc.hvp(f, x0, v), 0.5 * (A + A.T) @ v, rtol=1e-13, atol=1e-14)


def _quad(x, A, b):
    n = len(A)
    return sum(0.5 * A[i, j] * x[i] * x[j] for i in range(n) for j in range(n)) + sum(
        b[i] * x[i] for i in range(n))


@pytest.mark.parametrize("n", [2, 3, 5])
def test_rosenbrock_hessian_matches_scipy(n):
    x0 = np.linspace(-1.2, 1.3, n)
    H = dc.hessian(so.rosen, x0)
    np.testing.assert_allclose(H, so.rosen_hess(x0), rtol=1e-13, atol=1e-12)
    assert (H == H.T).all()
    v, g, H2 = dc.value_gradient_hessian(so.rosen, x0)
    assert v == so.rosen(x0)
    np.testing.assert_allclose(g, so.rosen_der(x0), rtol=1e-13)
    assert (H2 == H).all()
    p = np.arange(1.0, n + 1)
    np.testing.assert_allclose(dc.hvp(so.rosen, x0, p), so.rosen_hess_prod(x0, p), rtol=1e-13)


def test_critical_point_classification_by_hessian():
    f = lambda v: v[0] ** 3 - 3 * v[0] + v[1] ** 2
    # (1, 0): minimum; (-1, 0): saddle
    v, g, H = dc.value_gradient_hessian(f, [1.0, 0.0])
    assert g.tolist() == [0.0, 0.0] and np.linalg.eigvalsh(H).tolist() == [2.0, 6.0]
    _, g, H = dc.value_gradient_hessian(f, [-1.0, 0.0])
    assert g.tolist() == [0.0, 0.0] and sorted(np.linalg.eigvalsh(H).tolist()) == [-6.0, 2.0]


# ---------------------------------------------------------------- value-and forms, args
def test_value_and_forms_share_evaluation():
    calls = []

    def f(x, scale):
        calls.append(1)
        return scale * x**3

    v, d = dc.value_and_derivative(f, 2.0, args=(3.0,))
    assert (v, d) == (24.0, 36.0) and len(calls) == 1
    v, d2 = dc.value_and_derivative(f, 2.0, args=(3.0,), order=2)
    assert (v, d2) == (24.0, 36.0) and len(calls) == 2
    v, g = dc.value_and_gradient(lambda x, c: c * x[0] * x[1], [2.0, 5.0], args=(2.0,))
    assert v == 20.0 and g.tolist() == [10.0, 4.0]
    v, J = dc.value_and_jacobian(lambda x: [x[0] * x[1], x[0]], [2.0, 5.0])
    assert v.tolist() == [10.0, 2.0] and J.tolist() == [[5.0, 2.0], [1.0, 0.0]]


# ---------------------------------------------------------------- shapes
def test_shape_rule_for_every_verb():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    assert dc.gradient(lambda v: np.sum(v**2), x).shape == (2, 3)
    J = dc.jacobian(lambda v: v**2, x)
    assert J.shape == (2, 3, 2, 3)
    np.testing.assert_array_equal(J.reshape(6, 6), np.diag(2 * x.ravel()))
    assert dc.jacobian(lambda v: np.sum(v), x).shape == (2, 3)
    assert dc.hessian(lambda v: np.sum(v**3), x).shape == (2, 3, 2, 3)
    assert dc.hvp(lambda v: np.sum(v**3), x, np.ones((2, 3))).shape == (2, 3)
    assert dc.jvp(lambda v: v**2, x, np.ones((2, 3))).shape == (2, 3)
    assert isinstance(dc.derivative(lambda t: t**2, 1.0), float)
    d = dc.derivative(lambda t: [t, t**2, 3 * t], 2.0)
    assert isinstance(d, np.ndarray) and d.tolist() == [1.0, 4.0, 3.0]
    assert isinstance(dc.gradient(lambda v: v[0] * v[1], [1.0, 2.0]), np.ndarray)


def test_results_are_never_dual_objects():
    for r in (dc.derivative(lambda t: t, 1.0), dc.second_derivative(lambda t: t, 1.0)):
        assert type(r) is float
    assert dc.gradient(lambda v: v[0], [1.0, 2.0]).dtype == np.float64
    assert dc.jacobian(lambda v: [v[0], 1.0], [1.0, 2.0]).dtype == np.float64


# ---------------------------------------------------------------- nesting
def test_perturbation_confusion_is_avoided():
    # an untagged implementation returns 2.0
    assert dc.derivative(lambda x: x * dc.derivative(lambda y: x + y, 1.0), 1.0) == 1.0


@pytest.mark.parametrize("x0", [-1.0, 0.3, 1.5, 2.2])
def test_nested_derivative_equals_second_derivative(x0):
    f = lambda x: dm.exp(x) / dm.sqrt(dm.sin(x) ** 3 + dm.cos(x) ** 3) if x0 > 0 else dm.sin(x) * x**3
    assert dc.derivative(lambda x: dc.derivative(f, x), x0) == dc.second_derivative(f, x0)


def test_nested_derivative_with_closure_over_outer_variable():
    # d/dx [ d/dy (x^2 y^3) at y=2 ] = d/dx (12 x^2) = 24 x
    g = lambda x: dc.derivative(lambda y: x**2 * y**3, 2.0)
    assert dc.derivative(g, 1.5) == 36.0


def test_third_level_of_nesting_is_refused():
    with pytest.raises(TypeError, match="third level"):
        dc.derivative(lambda x: dc.derivative(
            lambda y: dc.derivative(lambda z: x * y * z, 1.0), 1.0), 1.0)
    with pytest.raises(TypeError, match="third level"):
        dc.derivative(lambda x: dc.second_derivative(lambda y: x * y**2, 1.0), 1.0)
    with pytest.raises(TypeError, match="nested differentiation"):
        dc.derivative(lambda x: dc.gradient(lambda v: v[0] * x, [1.0])[0], 1.0)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("ret", ["abc", None, object(), {"a": 1}])
def test_f_returning_garbage(ret):
    with pytest.raises(TypeError, match="f must return"):
        dc.derivative(lambda x: ret, 1.0)
    with pytest.raises(TypeError, match="f must return"):
        dc.gradient(lambda x: ret, [1.0, 2.0])


def test_f_calling_float_gets_a_clear_error():
    with pytest.raises(TypeError, match="dualcalc.math"):
        dc.derivative(lambda x: float(x) ** 2, 1.0)
    with pytest.raises(TypeError, match="dualcalc.math"):
        dc.derivative(lambda x: pymath.sin(x), 1.0)


def test_bad_points():
    with pytest.raises(ValueError, match="NaN"):
        dc.derivative(lambda x: x, float("nan"))
    with pytest.raises(ValueError, match="NaN"):
        dc.gradient(lambda x: x[0], [1.0, float("nan")])
    with pytest.raises(TypeError, match="real number"):
        dc.derivative(lambda x: x, "1.0")
    with pytest.raises(TypeError, match="real number"):
        dc.derivative(lambda x: x, [1.0, 2.0])
    with pytest.raises(TypeError):
        dc.gradient(lambda x: x[0], "ab")
    with pytest.raises(TypeError):
        dc.gradient(lambda x: x[0], None)
    with pytest.raises(ValueError, match="v must have"):
        dc.jvp(lambda x: x, [1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="v must have"):
        dc.hvp(lambda x: x[0] * x[1], [1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="single number"):
        dc.gradient(lambda x: [x[0], x[1]], [1.0, 2.0])
    with pytest.raises(ValueError, match="order"):
        dc.derivative(lambda x: x, 1.0, order=3)
    with pytest.raises(TypeError, match="args"):
        dc.gradient(lambda x, a: x[0], [1.0], args=[1])


def test_non_finite_results_are_documented_nan():
    # sqrt at 0: the derivative is +inf; log below 0 on the NumPy path: nan
    assert dc.derivative(np.sqrt, 0.0) == float("inf")
    with np.errstate(invalid="ignore"):
        assert pymath.isnan(dc.derivative(np.log, -1.0))
    with pytest.raises(ValueError):
        dc.derivative(dm.log, -1.0)      # dualcalc.math behaves like math


# ---------------------------------------------------------------- random functions vs mpmath
_UNARY = [
    ("sin", dm.sin, mp.sin), ("cos", dm.cos, mp.cos), ("exp", dm.exp, mp.exp),
    ("tanh", dm.tanh, mp.tanh), ("atan", dm.atan, mp.atan),
    ("sqrt1p", lambda t: dm.sqrt(1 + t * t), lambda t: mp.sqrt(1 + t * t)),
    ("log1p2", lambda t: dm.log(1 + t * t), lambda t: mp.log(1 + t * t)),
]


def _random_expr(rng, depth):
    """A random expression tree over +, -, *, / and smooth unary functions, as
    a pair (dualcalc function, mpmath function) of one variable."""
    if depth == 0 or rng.random() < 0.2:
        c = rng.choice([0.5, 1.5, 2.0, -1.25, 3.0])
        if rng.random() < 0.6:
            return (lambda t: t), (lambda t: t)
        return (lambda t, c=c: c + 0 * t), (lambda t, c=c: mp.mpf(c))
    kind = rng.random()
    if kind < 0.4:
        name, f, g = rng.choice(_UNARY)
        a, ga = _random_expr(rng, depth - 1)
        return (lambda t: f(a(t))), (lambda t: g(ga(t)))
    a, ga = _random_expr(rng, depth - 1)
    b, gb = _random_expr(rng, depth - 1)
    op = rng.choice("+-*")
    if op == "+":
        return (lambda t: a(t) + b(t)), (lambda t: ga(t) + gb(t))
    if op == "-":
        return (lambda t: a(t) - b(t)), (lambda t: ga(t) - gb(t))
    return (lambda t: a(t) * b(t)), (lambda t: ga(t) * gb(t))


def test_random_functions_against_mpmath():
    mp.mp.dps = 50
    rng = random.Random(20261122)
    worst = 0.0
    for _ in range(150):
        f, g = _random_expr(rng, 4)
        x = rng.uniform(-1.5, 1.5)
        try:
            d1 = mp.diff(g, mp.mpf(x))
            d2 = mp.diff(g, mp.mpf(x), 2)
        except (ZeroDivisionError, ValueError):
            continue
        got1 = dc.derivative(f, x)
        got2 = dc.second_derivative(f, x)
        # scale: the sum of absolute values of the terms the chain rule adds
        # up is not available, so compare with the derivative's own size and
        # the function's scale (a forward-mode error bound is proportional to both).
        scale1 = max(abs(d1), abs(g(mp.mpf(x))), 1)
        scale2 = max(abs(d2), abs(d1), abs(g(mp.mpf(x))), 1)
        e1 = float(abs(got1 - d1) / scale1)
        e2 = float(abs(got2 - d2) / scale2)
        worst = max(worst, e1, e2)
        assert e1 <= 1e-13, (x, got1, d1)
        assert e2 <= 1e-13, (x, got2, d2)
    assert worst < 1e-13
