"""The derivative verbs: the exercises of a calculus-for-ML course with exact
expected values, shapes, nesting, bad input, and random functions vs mpmath."""
import math as pymath
import random
import warnings

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
    # a NaN point is f's business (nan* functions ignore it); arithmetic on it is NaN
    assert np.isnan(dc.derivative(lambda x: x * x, float("nan")))
    np.testing.assert_array_equal(dc.gradient(lambda x: x[0], [1.0, float("nan")]), [1.0, 0.0])
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
        dc.derivative(lambda x: x, 1.0, order=0)
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


# ---------------------------------------------------------------- banded seeds
def _logsumexp(x):
    m = np.max(x.value) if hasattr(x, "value") else np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def _rosen_loop(x):
    # scalar-style: indexing and a Python loop
    return sum(100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def _rosen_dm(x):
    # scalar-style with dualcalc.math and 0-d items
    total = 0.0
    for i in range(len(x) - 1):
        total = total + 100.0 * dm.pow(x[i + 1] - x[i] ** 2, 2) + dm.pow(1 - x[i], 2)
    return total


_RNG = np.random.default_rng(7)
_A = _RNG.normal(size=(30, 30))
_B = _RNG.normal(size=(5, 6))


def _quad_dense(x):
    return x @ _A @ x + np.sum(np.tanh(x) ** 3)


def _axes(x):
    # reductions along axes of a reshaped input
    m = (x ** 2 + np.sin(x)).reshape(5, 6)
    return np.sum(np.sum(m, axis=0) ** 2) + np.sum(np.prod(np.cos(m), axis=1)) + np.sum(m * _B)


_CASES = [
    ("rosen", so.rosen, 30),
    ("rosen_loop", _rosen_loop, 12),
    ("rosen_dm", _rosen_dm, 9),
    ("quad_dense", _quad_dense, 30),
    ("logsumexp", _logsumexp, 17),
    ("axes", _axes, 30),
    ("mean_cube", lambda x: np.mean(x ** 3) * np.sum(np.exp(-x)), 25),
]


@pytest.mark.parametrize("name,f,n", _CASES, ids=[c[0] for c in _CASES])
def test_hvp_equals_hessian_times_v(name, f, n):
    rng = np.random.default_rng(n)
    x = rng.uniform(-1.0, 1.0, size=n)
    v = rng.normal(size=n)
    H = dc.hessian(f, x)
    got = dc.hvp(f, x, v)
    assert got.shape == (n,) and got.dtype == np.float64
    np.testing.assert_allclose(got, H @ v, rtol=1e-13, atol=1e-13 * np.abs(H).sum(axis=1).max())
    # and the Hessian rows against the gradient's derivatives (jacobian of gradient via hvp)
    e = np.zeros(n)
    e[3] = 1.0
    np.testing.assert_allclose(dc.hvp(f, x, e), H[:, 3], rtol=1e-13, atol=1e-13 * np.abs(H).max())


@pytest.mark.parametrize("n", [10, 300, 1000])
def test_rosen_at_scale_matches_scipy(n):
    x = np.linspace(-1.2, 1.3, n)
    np.testing.assert_allclose(dc.gradient(so.rosen, x), so.rosen_der(x), rtol=1e-13, atol=1e-11)
    p = np.cos(np.arange(n))
    np.testing.assert_allclose(dc.hvp(so.rosen, x, p), so.rosen_hess_prod(x, p),
                               rtol=1e-13, atol=1e-10)
    if n <= 300:
        np.testing.assert_allclose(dc.hessian(so.rosen, x), so.rosen_hess(x),
                                   rtol=1e-13, atol=1e-10)


def test_hvp_in_several_chunks(monkeypatch):
    from dualcalc import _seeding
    monkeypatch.setattr(_seeding, "chunk_size", lambda n: 4)
    x = np.linspace(-1.0, 1.0, 11)
    v = np.arange(11.0)
    np.testing.assert_allclose(dc.hvp(so.rosen, x, v), so.rosen_hess_prod(x, v), rtol=1e-13)
    np.testing.assert_allclose(dc.hvp(_logsumexp, x, v), dc.hessian(_logsumexp, x) @ v,
                               rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(dc.gradient(so.rosen, x), so.rosen_der(x), rtol=1e-13)
    J = dc.jacobian(lambda t: t[1:] * t[:-1], x)
    assert J.shape == (10, 11)
    np.testing.assert_array_equal(
        J, np.eye(10, 11, 1) * x[:-1][:, None] + np.eye(10, 11) * x[1:][:, None])


def test_hvp_seed_is_banded_and_densifies_exactly():
    from dualcalc._core._arrays import seed_hvp
    x = np.linspace(0.5, 1.5, 8)
    v = np.arange(1.0, 9.0)
    h = seed_hvp(x, 0, 8, v, 1, 2)
    assert dc.arrays.is_banded(h)
    y = np.sin(h) * h
    assert dc.arrays.is_banded(y)
    assert y.eps2.shape == (1, 8) and y.eps1eps2.shape == (8, 1, 8)
    # dense reference: the same arithmetic on a dense HyperDualArray
    d = dc.HyperDualArray(x, np.eye(8), v[None], np.zeros((8, 1, 8)), tag1=1, tag2=2)
    z = np.sin(d) * d
    for a, b in [(y.value, z.value), (y.eps1, z.eps1), (y.eps2, z.eps2), (y.eps1eps2, z.eps1eps2)]:
        np.testing.assert_array_equal(a, b)
    s = np.sum(np.sin(h) * h)
    assert s.eps2.shape == (1,) and s.eps1eps2.shape == (8, 1)
    np.testing.assert_allclose(s.eps1eps2[:, 0], np.sum(z.eps1eps2[:, 0], axis=-1), rtol=1e-15)
    with pytest.raises(ValueError, match="size"):
        seed_hvp(x, 0, 8, v[:3], 1, 2)


def test_gradient_seeds_are_banded_and_f_may_mutate_its_input():
    seen = []

    def f(x):
        seen.append(dc.arrays.is_banded(x))
        y = np.sum(x ** 2)
        x[0] = 100.0          # writing into the input must not affect later passes
        return y

    x = np.array([1.0, 2.0, 3.0])
    assert dc.gradient(f, x).tolist() == [2.0, 4.0, 6.0]
    assert seen == [True] and x.tolist() == [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(dc.hessian(f, x), 2 * np.eye(3))
    np.testing.assert_array_equal(dc.hvp(f, x, [1.0, 0.0, 0.0]), [2.0, 0.0, 0.0])
    assert x.tolist() == [1.0, 2.0, 3.0]


def test_scalar_style_items_of_banded_seeds():
    x = [0.5, -1.0, 2.0]

    def f(v):
        a, b, c = v[0], v[1], v[2]       # 0-d items of a banded array
        return dm.exp(a) * b ** 2 + dm.sin(c) * a + abs(b) / (1 + c * c)

    g = dc.gradient(f, x)
    exact = [pymath.exp(0.5) * 1.0 + pymath.sin(2.0),
             pymath.exp(0.5) * 2 * -1.0 - 1.0 / 5.0,
             pymath.cos(2.0) * 0.5 - 1.0 * 2 * 2.0 / 25.0]
    np.testing.assert_allclose(g, exact, rtol=1e-15)
    H = dc.hessian(f, x)
    np.testing.assert_allclose(dc.hvp(f, x, [1.0, 2.0, 3.0]), H @ [1.0, 2.0, 3.0], rtol=1e-14)


@pytest.fixture
def next_tag():
    """Set the process's next perturbation tag; restored afterwards."""
    from dualcalc._core import _passes
    saved = []

    def set_to(t):
        saved.append(_passes.set_next_tag(t))
    yield set_to
    if saved:
        _passes.set_next_tag(saved[0])


def test_tags_wrap_below_2_31(next_tag):
    from dualcalc import _seeding
    next_tag(2 ** 31 - 2)
    tags = [_seeding.new_tag() for _ in range(4)]
    assert tags == [2 ** 31 - 2, 2 ** 31 - 1, 1, 2]
    # nesting across the wrap stays exact
    next_tag(2 ** 31 - 1)
    assert dc.derivative(lambda x: x * dc.derivative(lambda y: x * y ** 2, 1.0), 3.0) == 12.0
    next_tag(2 ** 31 - 1)
    assert dc.derivative(lambda x: dc.derivative(lambda y: x ** 2 * y ** 3, 2.0), 1.5) == 36.0
    next_tag(2 ** 31 - 1)
    assert dc.second_derivative(lambda x: x ** 4, 2.0) == 48.0
    next_tag(2 ** 31 - 1)            # the compiled one pass draws its two tags across the wrap
    np.testing.assert_array_equal(dc.hessian(lambda x: x[0] ** 2 * x[1], [1.0, 2.0]),
                                  [[4.0, 2.0], [2.0, 0.0]])
    next_tag(2 ** 31 - 1)
    np.testing.assert_array_equal(dc.hessian(lambda x: x[0] ** 2 * x[1], np.array([1.0, 2.0])),
                                  [[4.0, 2.0], [2.0, 0.0]])
    next_tag(2 ** 31 - 1)
    np.testing.assert_array_equal(dc.gradient(lambda x: x[0] ** 2 * x[1], np.array([1.0, 2.0])),
                                  [4.0, 1.0])


def test_the_next_tag_is_checked(next_tag):
    from dualcalc._core import _passes
    for bad in (0, -1, 2 ** 31):
        with pytest.raises(ValueError, match="a tag is in 1..2147483647"):
            _passes.set_next_tag(bad)


def test_tags_are_unique_across_threads():
    import threading
    from dualcalc import _seeding
    out = []

    def work():
        out.extend(_seeding.new_tag() for _ in range(2000))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(out)) == len(out) == 8000


def test_fast_paths_match_general_paths():
    f = lambda t: dm.exp(t) / dm.sqrt(dm.sin(t) ** 3 + dm.cos(t) ** 3)
    for x in (0.3, 1.0, 1.5):
        assert dc.derivative(f, x) == dc.value_and_derivative(f, np.float64(x))[1]
        assert dc.second_derivative(f, x) == dc.value_and_derivative(f, x, order=2)[1]
        assert dc.derivative(f, x, args=()) == dc.derivative(f, int(x) if x == 1.0 else x)
    # a constant function and a function of another (outer) perturbation
    assert dc.derivative(lambda t: 5.0, 1.0) == 0.0
    assert dc.second_derivative(lambda t: 5.0, 1.0) == 0.0
    assert dc.second_derivative(lambda t: [t ** 3, t], 2.0).tolist() == [12.0, 0.0]
    with pytest.raises(TypeError, match="dualcalc.math"):
        dc.second_derivative(lambda x: float(x), 1.0)
    with pytest.raises(TypeError, match="f must return"):
        dc.second_derivative(lambda x: None, 1.0)


def test_every_verb_shapes_on_nd_inputs():
    x = np.linspace(0.1, 1.2, 12).reshape(3, 4)
    f = lambda v: np.sum(np.sin(v) * v)
    assert dc.gradient(f, x).shape == (3, 4)
    assert dc.value_and_gradient(f, x)[1].shape == (3, 4)
    assert dc.jacobian(lambda v: np.sum(v, axis=1), x).shape == (3, 3, 4)
    assert dc.value_and_jacobian(lambda v: v.T, x)[1].shape == (4, 3, 3, 4)
    assert dc.jvp(lambda v: np.sum(v, axis=0), x, np.ones((3, 4))).tolist() == [3.0] * 4
    H = dc.hessian(f, x)
    assert H.shape == (3, 4, 3, 4)
    _, g, H2 = dc.value_gradient_hessian(f, x)
    assert g.shape == (3, 4) and (H2 == H).all()
    hv = dc.hvp(f, x, np.ones((3, 4)))
    assert hv.shape == (3, 4)
    np.testing.assert_allclose(hv, H.reshape(12, 12).sum(axis=1).reshape(3, 4), rtol=1e-14)
    assert dc.hvp(f, x, np.ones(12)).shape == (3, 4)
    # scalar x
    assert isinstance(dc.gradient(lambda t: t ** 2, 3.0), float)
    assert dc.hessian(lambda t: t ** 3, 2.0) == 12.0
    assert dc.hvp(lambda t: t ** 3, 2.0, 2.0) == 24.0
    # empty x
    assert dc.gradient(lambda v: np.sum(v), np.zeros(0)).shape == (0,)
    assert dc.hessian(lambda v: np.sum(v), np.zeros(0)).shape == (0, 0)
    assert dc.hvp(lambda v: np.sum(v), np.zeros(0), np.zeros(0)).shape == (0,)


def test_bad_input_messages():
    with pytest.raises(TypeError, match="f must return"):
        dc.hvp(lambda x: "s", [1.0, 2.0], [1.0, 1.0])
    with pytest.raises(TypeError, match="f must return"):
        dc.hessian(lambda x: None, [1.0, 2.0])
    with pytest.raises(TypeError, match="dualcalc.math"):
        dc.gradient(lambda x: float(x[0]), [1.0, 2.0])
    with pytest.raises(TypeError, match="dualcalc.math"):
        dc.hvp(lambda x: float(x[0]), [1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        dc.hvp(so.rosen, [1.0, 2.0], [1.0, float("nan")])
    assert np.isnan(dc.hessian(so.rosen, [float("nan"), 2.0])).any()
    assert dc.second_derivative(lambda x: 3.0 * x, float("nan")) == 0.0
    with pytest.raises(ValueError, match="single number"):
        dc.hvp(lambda x: x ** 2, [1.0, 2.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="single number"):
        dc.hessian(lambda x: x ** 2, [1.0, 2.0])


def _setitem_f(t):
    y = t * 1.0
    y[2] = t[3] ** 2
    return np.sum(y ** 3)


_N9 = 9
_OPS = {
    "where": lambda t: np.sum(np.where(t.value > 0.7, t ** 2, np.sin(t))),
    "maximum": lambda t: np.sum(np.maximum(t, 0.8) * t),
    "abs": lambda t: np.sum(abs(t - 0.9) * t ** 3),
    "concatenate": lambda t: np.sum(np.concatenate([t[:3] ** 2, t[3:] * t[3:]]) ** 2),
    "cumsum": lambda t: np.sum(np.cumsum(t) ** 2),
    "diff": lambda t: np.sum(np.diff(t) ** 2 * t[1:]),
    "stack": lambda t: np.sum(np.stack([t, t ** 2]) ** 2),
    "dot": lambda t: np.dot(t, t) * np.sum(t),
    "mean_axis": lambda t: np.sum(np.mean(t.reshape(3, 3) ** 2, axis=0) ** 2),
    "max_axis": lambda t: np.sum(np.max(t.reshape(3, 3) ** 2, axis=1)),
    "norm": lambda t: np.linalg.norm(t) ** 3,
    "prod": lambda t: np.prod(t),
    "reversed": lambda t: np.sum(t[::-1] * t ** 2),
    "fancy_index": lambda t: np.sum(t[[0, 2, 4]] * t[[1, 3, 5]]),
    "step_slice": lambda t: np.sum(t[::2] ** 3),
    "items": lambda t: t[0] * t[5] + t[2] ** 3 / t[7],
    "power": lambda t: np.sum(t ** t + 2.0 ** t + t ** 2.5),
    "arctan2_hypot": lambda t: np.sum(np.arctan2(t[1:], t[:-1])) + np.sum(np.hypot(t, 1 + t[::-1])),
    "outer": lambda t: np.sum(np.outer(t, t) ** 2),
    "einsum": lambda t: np.einsum("i,i->", t, np.exp(t)),
    "sums": lambda t: np.sum(t) ** 2 + np.sum(t ** 2) * np.sum(t[1:]),
    "setitem": _setitem_f,
    "matmul": lambda t: t @ np.arange(1.0, _N9 + 1) * np.sum(t ** 3),
    "sort_clip": lambda t: np.sum(np.sort(t) * np.arange(_N9)) + np.sum(np.clip(t, 0.5, 1.0) ** 2),
}


@pytest.mark.parametrize("name", sorted(_OPS))
def test_hvp_through_every_kind_of_op(name):
    # the banded hvp seed against the same f on a dense HyperDualArray seed and
    # against the full Hessian times v
    f = _OPS[name]
    rng = np.random.default_rng(1)
    x = rng.uniform(0.2, 1.5, _N9)
    v = rng.normal(size=_N9)
    got = dc.hvp(f, x, v)
    dense = dc.HyperDualArray(x.copy(), np.eye(_N9), v[None].copy(), np.zeros((_N9, 1, _N9)),
                              tag1=1, tag2=2)
    ref = f(dense).eps1eps2[:, 0]
    scale = np.abs(ref).max()
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-13 * scale)
    np.testing.assert_allclose(got, dc.hessian(f, x) @ v, rtol=1e-13, atol=1e-13 * scale)


def test_nan_points_allowed_nan_directions_refused():
    # points may hold NaN (the nan* functions ignore it); directions may not, and
    # inf - inf style cancellations in a direction must not look like NaN
    for x in ([1.0, np.nan], np.array([[1.0, 2.0], [np.nan, 0.0]]), np.array(np.nan)):
        np.testing.assert_array_equal(dc.gradient(lambda v: np.nansum(v), x),
                                      np.where(np.isnan(x), 0.0, 1.0))
    for v in ([np.inf, -np.inf], [1e300, -1e300]):
        assert np.all(dc.jvp(lambda u: u, [1.0, 2.0], v) == v)
    for v in (np.array([[0.0, np.nan], [0.0, 0.0]]),
              np.array([np.inf, np.nan, -np.inf])[::2].tolist() + [np.nan]):
        with pytest.raises(ValueError, match="NaN"):
            dc.hvp(lambda u: np.sum(u), np.zeros(np.shape(v)), v)
        with pytest.raises(ValueError, match="NaN"):
            dc.jvp(lambda u: u, np.zeros(np.shape(v)), v)


def test_hvp_of_rosen_stays_banded_at_scale():
    n = 1000
    seen = []

    def f(x):
        y = 100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2
        seen.append(dc.arrays.is_banded(y))
        return np.sum(y)

    x = np.linspace(-1.2, 1.3, n)
    p = np.sin(np.arange(n))
    np.testing.assert_allclose(dc.hvp(f, x, p), so.rosen_hess_prod(x, p), rtol=1e-13, atol=1e-10)
    np.testing.assert_allclose(dc.gradient(f, x), so.rosen_der(x), rtol=1e-13, atol=1e-11)
    assert seen == [True, True]


def test_constant_functions_give_zero_derivatives_of_the_right_shape():
    x = np.ones((2, 2))
    assert dc.hvp(lambda v: 3.0, x, x).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert dc.hessian(lambda v: 3.0, [1.0, 2.0]).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    v, g, H = dc.value_gradient_hessian(lambda v: np.float64(3.0), [1.0, 2.0])
    assert (v, g.tolist(), H.shape) == (3.0, [0.0, 0.0], (2, 2))
    assert dc.gradient(lambda v: 3.0, 2.0) == 0.0
    assert dc.jacobian(lambda v: [1.0, 2.0], x).shape == (2, 2, 2)
    assert dc.hvp(lambda t: t ** 3, 2.0, 1.0) == 12.0


@pytest.mark.parametrize("x", [np.array([1.0 + 2.0j, 3.0]), np.complex128(1.5 + 0.5j),
                               np.array([1.0, 2.0], dtype=np.complex64)])
@pytest.mark.parametrize("verb", ["gradient", "hessian", "jacobian"])
def test_complex_points_are_refused_not_truncated(verb, x):
    # np.asarray(x, float) would silently drop the imaginary part (a ComplexWarning only)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TypeError, match="complex"):
            getattr(dc, verb)(lambda t: np.sum(t * t), x)


def test_complex_direction_is_refused():
    with pytest.raises(TypeError, match="complex"):
        dc.hvp(lambda t: np.sum(t ** 4), np.ones(3), np.array([1j, 0, 0]))
