"""The verbs' compiled one-pass path (dualcalc/_core/_passes.pyx) for small
inputs: the same numbers as the general path bit for bit, exact against
analytic derivatives, every kind of result and input, errors, nesting, and
the conversion watch it keeps."""
import math

import numpy as np
import pytest

import dualcalc as dc
import dualcalc.math as dm
from dualcalc import _conversions
from dualcalc._conversions import ConversionError
from dualcalc._core import _passes, _watch
from dualcalc.optimize import problems

from test_vec import rosen_loop, rosen_numpy        # the scalar-style and NumPy-style f

RNG = np.random.default_rng(20261206)


def rosen_gradient(x):
    g = np.zeros_like(x)
    d = x[1:] - x[:-1] ** 2
    g[:-1] += -400.0 * x[:-1] * d - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * d
    return g


def rosen_hessian(x):
    n = x.size
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        H[i, i + 1] += -400.0 * x[i]
        H[i + 1, i] += -400.0 * x[i]
        H[i + 1, i + 1] += 200.0
    return H


def general(verb, f, x, args=()):
    """The same verb through the general path (chunk= of all directions)."""
    return verb(f, x, args=args, chunk=x.size)


# ---------------------------------------------------------------- the path is taken
def test_small_inputs_take_the_compiled_pass():
    x = np.array([0.3, -1.2, 2.0])
    r = _passes.gradient_pass(rosen_loop, x, (), 2048)
    assert r is not None and r[1] is not None and r[2].tag == r[3]
    r = _passes.hessian_pass(rosen_loop, x, (), 200)
    assert r is not None and r[2] is not None and r[4] < r[5]


@pytest.mark.parametrize("x", [np.array([1.0]), np.array(2.0), [1.0, 2.0], np.arange(3),
                               np.zeros(3, dtype=np.float32), np.zeros(3, dtype=">f8"),
                               np.zeros(2100)])
def test_other_inputs_are_declined(x):
    # one element, 0-d, lists, integer, float32, byte-swapped and large inputs
    # take the general path (which converts and chunks them)
    assert _passes.gradient_pass(rosen_loop, x, (), 2048) is None


def test_compiled_functions_and_non_tuple_args_are_declined():
    x = np.array([0.5, 1.5])
    assert _passes.gradient_pass(dc.compile(rosen_loop), x, (), 2048) is None
    assert _passes.hessian_pass(rosen_loop, x, [1.0], 200) is None


# ---------------------------------------------------------------- same numbers as the general path
@pytest.mark.parametrize("f", [rosen_loop, rosen_numpy])
@pytest.mark.parametrize("n", [2, 3, 10, 33, 200])
def test_gradient_and_hessian_equal_the_general_path_bitwise(f, n):
    for _ in range(3):
        x = RNG.uniform(-2, 2, n)
        g = dc.gradient(f, x)
        assert np.array_equal(g, general(dc.gradient, f, x))
        v, g2 = dc.value_and_gradient(f, x)
        v0, g0 = general(dc.value_and_gradient, f, x)
        assert v == v0 and type(v) is float and np.array_equal(g2, g0)
        H = dc.hessian(f, x)
        assert np.array_equal(H, general(dc.hessian, f, x))
        v, g3, H3 = dc.value_gradient_hessian(f, x)
        v0, g0, H0 = general(dc.value_gradient_hessian, f, x)
        assert v == v0 and np.array_equal(g3, g0) and np.array_equal(H3, H0)
        assert np.array_equal(H, H.T)


@pytest.mark.parametrize("n", [2, 5, 17, 64])
def test_exact_against_the_analytic_rosenbrock_derivatives(n):
    # at points with a few bits each (multiples of 1/8), every intermediate of
    # the analytic formulas and of the dual arithmetic is exact in binary64
    for _ in range(4):
        x = RNG.integers(-16, 17, n) / 8.0
        for f in (rosen_loop, rosen_numpy):
            assert np.array_equal(dc.gradient(f, x), rosen_gradient(x))
            if n <= 64:
                assert np.array_equal(dc.hessian(f, x), rosen_hessian(x))


def test_transcendental_function_against_closed_form():
    # f = exp(x0) sin(x1) + log(x0) + log(x1): gradient and Hessian in closed form
    def f(x):
        return dm.exp(x[0]) * dm.sin(x[1]) + dm.log(x[0]) + dm.log(x[1])
    for x in ([0.5, 1.5], [2.0, 0.1], [1e-3, 3.0], [30.0, 1e-8]):
        x = np.array(x)
        a, b = x
        g = dc.gradient(f, x)
        assert g[0] == pytest.approx(math.exp(a) * math.sin(b) + 1 / a, rel=1e-15)
        assert g[1] == pytest.approx(math.exp(a) * math.cos(b) + 1 / b, rel=1e-15)
        H = dc.hessian(f, x)
        expected = [[math.exp(a) * math.sin(b) - 1 / a**2, math.exp(a) * math.cos(b)],
                    [math.exp(a) * math.cos(b), -math.exp(a) * math.sin(b) - 1 / b**2]]
        np.testing.assert_allclose(H, expected, rtol=1e-14, atol=0)


# ---------------------------------------------------------------- results and inputs of every kind
def test_two_dimensional_and_non_contiguous_inputs():
    X = RNG.uniform(-1, 1, (3, 4))
    f = lambda m: np.sum(m**3) + m[0, 1] * m[2, 3]
    g = dc.gradient(f, X)
    expected = 3 * X**2
    expected[0, 1] += X[2, 3]
    expected[2, 3] += X[0, 1]
    assert g.shape == (3, 4) and np.array_equal(g, expected)
    H = dc.hessian(f, X)
    assert H.shape == (3, 4, 3, 4)
    assert H[0, 1, 2, 3] == 1.0 and H[1, 1, 1, 1] == 6 * X[1, 1]
    y = RNG.uniform(-2, 2, 12)[::3]                 # a strided view
    assert not y.flags.c_contiguous
    assert np.array_equal(dc.gradient(rosen_loop, y), rosen_gradient(y.copy()))


def test_constant_and_plain_results():
    x = np.array([1.0, 2.0])
    assert dc.gradient(lambda v: 3.0, x).tolist() == [0.0, 0.0]
    assert dc.value_and_gradient(lambda v: np.float64(3.0), x)[0] == 3.0
    assert dc.hessian(lambda v: 1, x).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    # a result that does not depend on one input
    assert dc.gradient(lambda v: v[1] ** 2, x).tolist() == [0.0, 4.0]


def test_one_element_results_of_other_shapes_and_vector_results():
    x = np.array([1.0, 2.0])
    # a list or 1-element array is not a single number for gradient
    with pytest.raises(ValueError, match="single number"):
        dc.gradient(lambda v: [v[0], v[1]], x)
    with pytest.raises(ValueError, match="single number"):
        dc.hessian(lambda v: v * 2, x)
    assert dc.jacobian(lambda v: [v[0] * v[1], v[1]], x).tolist() == [[2.0, 1.0], [0.0, 1.0]]


def test_args_are_passed():
    x = np.array([1.0, 3.0])
    f = lambda v, a, b: a * v[0] * v[1] + b
    assert dc.gradient(f, x, args=(2.0, 5.0)).tolist() == [6.0, 2.0]
    assert dc.hessian(f, x, args=(2.0, 5.0)).tolist() == [[0.0, 2.0], [2.0, 0.0]]


def test_bad_results_raise_clear_errors():
    x = np.array([1.0, 2.0])
    with pytest.raises(TypeError, match="returned str"):
        dc.gradient(lambda v: "no", x)
    with pytest.raises(TypeError, match="returned NoneType"):
        dc.hessian(lambda v: None, x)


def test_exceptions_of_f_propagate_unchanged():
    x = np.array([1.0, 0.0])
    with pytest.raises(ZeroDivisionError):
        dc.gradient(lambda v: v[0] / 0.0 if False else 1 / 0, x)
    with pytest.raises(KeyError):
        dc.hessian(lambda v: {}["missing"], x)


# ---------------------------------------------------------------- nesting and tags
def test_nested_inside_derivative_is_refused_clearly():
    # a gradient whose f closes over the outer Dual: not supported, and said so
    def inner(s):
        return dc.gradient(lambda v: s * v[0] ** 2 * v[1], np.array([1.0, 2.0]))[0]
    with pytest.raises(dc.NestingError, match="dualcalc.derivative"):
        dc.derivative(inner, 3.0)

    def inner_hessian(s):
        return dc.hessian(lambda v: s * v[0] ** 2 * v[1], np.array([1.0, 2.0]))[0, 0]
    with pytest.raises(TypeError, match="nested differentiation"):
        dc.derivative(inner_hessian, 3.0)


def test_a_result_of_another_differentiation_is_refused():
    x = np.array([1.0, 2.0])
    captured = {}

    def keep(v):
        captured["v"] = v
        return v[0] * v[1]
    dc.gradient(keep, x)
    with pytest.raises(TypeError, match="another differentiation"):
        dc.gradient(lambda v: captured["v"][0] * 2.0, x)


# ---------------------------------------------------------------- the conversion watch
def test_a_swallowed_conversion_is_refused():
    def f(v):
        try:
            return float(v[0]) * v[1]
        except TypeError:
            return v[0] * 0.0 + 1.0          # carries on with plain numbers
    with pytest.raises(ConversionError):
        dc.gradient(f, np.array([1.0, 2.0]))
    with pytest.raises(ConversionError):
        dc.hessian(f, np.array([1.0, 2.0]))


def test_float_conversion_names_value():
    with pytest.raises(TypeError, match="value"):
        dc.gradient(lambda v: float(v[0]) * 2.0, np.array([1.0, 2.0]))


def test_a_conversion_in_a_nested_verb_is_seen_by_the_outer_one():
    def inner_swallows(v):
        try:
            float(v[0])
        except TypeError:
            pass
        return v[0] * v[1]

    def outer(v):
        dc.gradient(inner_swallows, np.array([1.0, 2.0]))   # refused, caught below
        return v[0] ** 2

    def outer_catching(v):
        try:
            dc.gradient(inner_swallows, np.array([1.0, 2.0]))
        except ConversionError:
            pass
        return v[0] ** 2
    with pytest.raises(ConversionError):
        dc.gradient(outer, np.array([3.0, 4.0]))
    with pytest.raises(ConversionError):
        dc.gradient(outer_catching, np.array([3.0, 4.0]))


def test_the_watch_is_restored_after_every_kind_of_exit():
    x = np.array([1.0, 2.0])
    assert _watch.current_watch() is None
    dc.gradient(rosen_loop, x)
    assert _watch.current_watch() is None
    with pytest.raises(ZeroDivisionError):
        dc.hessian(lambda v: 1 / 0, x)
    assert _watch.current_watch() is None
    with pytest.raises(ConversionError):
        dc.gradient(lambda v: float(v[0]), x)
    assert _watch.current_watch() is None


def test_watch_records():
    outer, w = _watch.begin()
    try:
        assert _watch.current_watch() is w and outer is None
        assert (w.events, w.handles, w.objects) == ((), (), ())
        w.add("events", ("float", "here"))
        w.add("events", ("int", "there"))
        assert w.events == [("float", "here"), ("int", "there")]
        with pytest.raises(ValueError, match="events, handles and objects"):
            w.add("other", 1)
        inner = _watch.begin()
        inner[1].add("objects", "site")
        _watch.end(inner)
        assert w.objects == ["site"]                 # merged into the outer watch
    finally:
        _watch.end((outer, w))
    assert _watch.current_watch() is None
    assert _conversions.begin is _watch.begin


def test_threads_have_their_own_watch():
    import threading
    seen = []
    barrier = threading.Barrier(4)

    def work(i):
        barrier.wait()
        x = np.array([1.0 + i, 2.0])
        for _ in range(200):
            if i % 2:
                try:
                    dc.gradient(lambda v: float(v[0]), x)
                except ConversionError:
                    pass
            else:
                seen.append(dc.gradient(rosen_loop, x).tolist() == rosen_gradient(x).tolist())
    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 400 and all(seen)


# ---------------------------------------------------------------- jacobian's one pass
# Broyden tridiagonal's residual list (any n): the MGH module's own
broyden_residuals = problems.get("broyden tridiagonal").residuals


def broyden_jacobian(x):
    n = x.size
    J = np.zeros((n, n))
    for i in range(n):
        J[i, i] = 3.0 - 4.0 * x[i]
        if i > 0:
            J[i, i - 1] = -1.0
        if i < n - 1:
            J[i, i + 1] = -2.0
    return J


@pytest.mark.parametrize("n", [2, 3, 10, 40])
def test_jacobian_of_residual_lists_exact_and_equal_to_the_general_path(n):
    for _ in range(3):
        x = RNG.integers(-16, 17, n) / 8.0
        J = dc.jacobian(broyden_residuals, x)
        assert np.array_equal(J, broyden_jacobian(x))
        assert np.array_equal(J, general(dc.jacobian, broyden_residuals, x))
        v, J2 = dc.value_and_jacobian(broyden_residuals, x)
        assert np.array_equal(J2, J) and v.shape == (n,)


@pytest.mark.parametrize("f, out_shape", [
    (lambda v: np.array([v[0] * v[1], v[1] ** 2, v[2]]), (3,)),         # np.array([...])
    (lambda v: np.outer(v, v), (3, 3)),                                  # a 2-D DualArray
    (lambda v: (v[0], v[1] * v[2]), (2,)),                               # a tuple
    (lambda v: np.sum(v ** 2), ()),                                      # a scalar
    (lambda v: [[v[0], v[1]], [v[2], 1.0]], (2, 2)),                     # nested lists
])
def test_jacobian_shapes_and_values_equal_the_general_path(f, out_shape):
    x = np.array([0.5, -1.25, 2.0])
    J = dc.jacobian(f, x)
    assert J.shape == out_shape + (3,)
    assert np.array_equal(J, general(dc.jacobian, f, x))
    X = x.reshape(3, 1)                                  # a 2-D input keeps its shape
    assert dc.jacobian(lambda m: f(m.ravel()), X).shape == out_shape + (3, 1)


# ---------------------------------------------------------------- hvp's and jvp's one pass
@pytest.mark.parametrize("n", [2, 3, 12, 50])
def test_hvp_and_jvp_exact_on_dyadic_points(n):
    # with x and v multiples of 1/8 every product and sum below is exact
    for _ in range(3):
        x = RNG.integers(-16, 17, n) / 8.0
        v = RNG.integers(-8, 9, n) / 8.0
        for f in (rosen_loop, rosen_numpy):
            assert np.array_equal(dc.hvp(f, x, v), rosen_hessian(x) @ v)
            assert dc.jvp(f, x, v) == rosen_gradient(x) @ v
        assert np.array_equal(dc.jvp(broyden_residuals, x, v), broyden_jacobian(x) @ v)


def test_hvp_and_jvp_shapes_and_errors():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    V = np.array([[1.0, 0.0], [0.0, 1.0]])
    f = lambda m: m[0, 0] * m[1, 1] + m[0, 1] ** 2
    assert dc.hvp(f, X, V).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert dc.jvp(f, X, V) == 4.0 + 1.0
    assert dc.hvp(f, X, V.ravel()).shape == (2, 2)          # a flat direction is reshaped
    with pytest.raises(ValueError, match="single number"):
        dc.hvp(lambda m: m * 2, X, V)
    with pytest.raises(ValueError, match="NaN"):
        dc.hvp(f, X, np.full((2, 2), np.nan))
    with pytest.raises(ConversionError):
        dc.jvp(lambda m: float(m[0, 0]), X, V)


def test_the_watch_is_restored_after_a_keyboard_interrupt():
    def interrupted(v):
        raise KeyboardInterrupt
    for verb in (dc.gradient, dc.hessian, dc.jacobian):
        with pytest.raises(KeyboardInterrupt):
            verb(interrupted, np.array([1.0, 2.0]))
        assert _watch.current_watch() is None


def test_a_compiled_function_that_leaves_the_shape_to_the_verbs_takes_the_pass():
    # long NumPy-style code: the recording's cost model chooses the vectorised
    # verbs; the compiled one pass then runs the function itself
    cf = dc.compile(rosen_numpy)
    x = RNG.uniform(-1, 1, 1000)
    g = dc.gradient(cf, x)
    assert _passes.gradient_pass(cf, x, (), 2048) is not None
    assert np.array_equal(g, dc.gradient(rosen_numpy, x))
    assert np.array_equal(dc.gradient(cf, x), g)
    # a function the recorder cannot follow (np.linalg.det): one warning, then
    # the ordinary verbs, through the same pass
    f = lambda v: np.linalg.det(np.outer(v, v) + np.eye(v.size))
    cf = dc.compile(f)
    y = np.array([0.5, -1.0, 2.0])
    with pytest.warns(dc.CompileWarning):
        H = dc.hessian(cf, y)
    assert _passes.hessian_pass(cf, y, (), 200) is not None
    assert np.array_equal(H, dc.hessian(f, y))
    # det(I + v v^T) = 1 + |v|^2: gradient 2v, Hessian 2I (to rounding)
    np.testing.assert_allclose(H, 2 * np.eye(3), rtol=0, atol=1e-13)


# ---------------------------------------------------------------- the seeded input, reused
# After a pass the verbs keep its seeded input for the next pass of the same
# shape when nothing else holds it or its arrays.  Whatever f keeps must never
# change afterwards, and every pass must see a fresh seed of its own x.
def _snapshot(xs):
    """The numbers a seeded array shows: value, tag and dense tangents."""
    if isinstance(xs, dc.HyperDualArray):
        return (xs.value.copy(), xs.tag1, xs.tag2, np.array(xs.eps1), np.array(xs.eps2),
                np.array(xs.eps1eps2))
    return xs.value.copy(), xs.tag, np.array(xs.eps)


def _same(a, b):
    return len(a) == len(b) and all(np.array_equal(p, q) for p, q in zip(a, b))


@pytest.mark.parametrize("verb", [dc.gradient, dc.hessian])
def test_an_input_that_f_keeps_is_never_rewritten(verb):
    kept = []

    def f(x):
        kept.append(x)
        return rosen_loop(x)
    xs = [np.array([0.5, -1.5, 2.0]), np.array([3.0, 0.25, -1.0]), np.array([1.0, 2.0, 4.0])]
    results = [verb(f, x) for x in xs]
    snaps = [_snapshot(k) for k in kept]
    for x in xs[::-1]:                  # more passes of the same shape, f keeping nothing
        verb(rosen_loop, x)
    assert all(_same(s, _snapshot(k)) for s, k in zip(snaps, kept))
    assert len({id(k) for k in kept}) == 3
    for x, k, r in zip(xs, kept, results):
        np.testing.assert_array_equal(k.value, x)
        ref = rosen_gradient(x) if verb is dc.gradient else rosen_hessian(x)
        np.testing.assert_array_equal(r, ref)


@pytest.mark.parametrize("keep", ["value", "slice", "element-view", "eps"])
def test_an_array_of_the_input_that_f_keeps_is_never_rewritten(keep):
    kept = []

    def f(x):
        if keep == "value":
            kept.append(x.value)
        elif keep == "slice":
            kept.append(x[0:2])            # a view sharing the band store
        elif keep == "element-view":
            kept.append(x.value[1:])
        else:
            kept.append(x.eps)             # densifies the shared store
        return rosen_loop(x)
    a, b = np.array([0.5, -1.5, 2.0]), np.array([3.0, 0.25, -1.0])
    dc.gradient(f, a)
    first = kept[0]
    snap = _snapshot(first) if isinstance(first, dc.DualArray) else first.copy()
    for _ in range(3):
        np.testing.assert_array_equal(dc.gradient(rosen_loop, b), rosen_gradient(b))
    now = _snapshot(first) if isinstance(first, dc.DualArray) else first
    assert _same(snap, now) if isinstance(first, dc.DualArray) else np.array_equal(snap, now)


@pytest.mark.parametrize("verb", [dc.gradient, dc.hessian])
def test_an_f_that_writes_into_its_input_does_not_change_the_next_pass(verb):
    def clobber(x):
        y = rosen_loop(x)
        x[0] = 100.0                      # a write into the seeded input, after use
        x[1] = x[2] * 3.0
        return y
    x = np.array([0.5, -1.5, 2.0])
    ref = rosen_gradient(x) if verb is dc.gradient else rosen_hessian(x)
    for _ in range(3):
        np.testing.assert_array_equal(verb(clobber, x), ref)
        np.testing.assert_array_equal(verb(rosen_loop, x), ref)
    np.testing.assert_array_equal(x, [0.5, -1.5, 2.0])


@pytest.mark.parametrize("verb", [dc.gradient, dc.hessian])
def test_the_seed_is_reused_when_nothing_keeps_it(verb):
    seen = []

    def f(x):
        seen.append(id(x))
        return rosen_loop(x)
    x = np.array([0.5, -1.5, 2.0])
    for _ in range(3):
        verb(f, x)
    assert len(set(seen)) == 1                     # one array, rewritten each pass
    verb(f, np.array([[0.5, -1.5, 2.0]]))          # another shape: another array
    assert seen[-1] != seen[0]


def test_the_reused_seed_carries_a_fresh_tag_each_pass():
    tags = []

    def f(x):
        tags.append(x.tag)
        return rosen_loop(x)
    x = np.array([0.5, -1.5, 2.0])
    for _ in range(4):
        dc.gradient(f, x)
    assert len(set(tags)) == 4


def test_nested_verbs_of_one_shape_keep_their_seeds_apart():
    # a verb inside f draws its own seed of the same shape while the outer
    # pass's seed is in use; both read their own numbers
    out = []

    def f(x):
        out.append(dc.gradient(rosen_loop, np.array([1.0, 2.0])))
        return x[0] * x[1] ** 3
    x = np.array([0.5, -1.5])
    for _ in range(3):
        np.testing.assert_array_equal(dc.gradient(f, x), [(-1.5) ** 3, 3 * 0.5 * (-1.5) ** 2])
    for g in out:
        np.testing.assert_array_equal(g, rosen_gradient(np.array([1.0, 2.0])))


# ---------------------------------------------------------------- the compiled verbs
@pytest.mark.parametrize("name", ["gradient", "hessian"])
def test_the_compiled_verbs_present_themselves_as_the_python_ones(name):
    import doctest
    import inspect
    from dualcalc import derivatives
    verb, impl = getattr(dc, name), getattr(derivatives, "_" + name)
    assert verb is getattr(derivatives, name)
    assert inspect.signature(verb) == inspect.signature(impl)
    assert verb.__doc__ == impl.__doc__ and ">>> " in verb.__doc__
    assert verb.__name__ == verb.__qualname__ == name
    assert verb.__module__ == "dualcalc.derivatives"
    found = {t.name for t in doctest.DocTestFinder().find(derivatives)}
    assert f"dualcalc.derivatives.{name}" in found


def _gradient_calls():
    x2 = np.array([0.5, -1.5])
    x3 = np.array([[0.5, -1.5, 2.0]])
    yield (rosen_loop, x2), {}
    yield (rosen_loop, [0.5, -1.5, 2.0]), {}
    yield (rosen_numpy, x3), {}
    yield (lambda x, a, b: a * x[0] ** 2 + b * x[1], x2), {"args": (3.0, 4.0)}
    yield (lambda x, a: a * x[0] ** 2 + x[1], x2), {"args": [3.0]}
    yield (lambda x: x ** 3, 1.5), {}
    yield (lambda x, y: x ** 2 * y, (1.5, 2.0)), {"argnums": (0, 1)}
    yield (lambda x, y: x ** 2 * y, (1.5, 2.0)), {"argnums": 1}
    yield (rosen_loop, x2), {"chunk": 1}
    yield (rosen_loop, np.linspace(-1.0, 1.0, 300)), {}
    yield (rosen_loop, np.array([0.5, -1.5], dtype=np.float32)), {}
    yield (lambda x: [x[0]], x2), {}
    yield (lambda x: np.array([x[0] * x[1]]).reshape(()), x2), {}
    yield (lambda x: 2.0, x2), {}
    yield (dc.compile(rosen_loop), np.linspace(-1.0, 1.0, 5)), {}       # replays
    yield (dc.compile(rosen_numpy), np.linspace(-1.0, 1.0, 3000)), {}   # left to the verbs


def _same_result(a, b):
    if hasattr(a, "toarray"):                # a sparse Hessian
        return type(a) is type(b) and _same_result(a.toarray(), b.toarray())
    if isinstance(a, tuple):
        return isinstance(b, tuple) and all(_same_result(p, q) for p, q in zip(a, b))
    return type(a) is type(b) and np.array_equal(a, b) and np.shape(a) == np.shape(b)


def _outcome(fn, args, kwargs):
    try:
        return "ok", fn(*args, **kwargs)
    except Exception as exc:                # noqa: BLE001 - the same error both ways
        return type(exc), str(exc)


def _answers_alike(name, call):
    """dc.<name> and the Python implementation behind it give the same result
    (bitwise) or the same error for one call."""
    from dualcalc import derivatives
    args, kwargs = call
    got = _outcome(getattr(dc, name), args, kwargs)
    ref = _outcome(getattr(derivatives, "_" + name), args, kwargs)
    assert got[0] == ref[0]
    if got[0] == "ok":
        assert _same_result(got[1], ref[1])
    else:
        assert got[1] == ref[1]


@pytest.mark.parametrize("call", list(_gradient_calls()), ids=lambda c: repr(sorted(c[1])))
def test_the_compiled_gradient_answers_as_the_python_one(call):
    _answers_alike("gradient", call)


def _hessian_calls():
    x2 = np.array([0.5, -1.5])
    yield (rosen_loop, x2), {}
    yield (rosen_loop, [0.5, -1.5, 2.0]), {}
    yield (rosen_numpy, np.array([[0.5, -1.5], [2.0, 1.0]])), {}
    yield (lambda x, a: a * x[0] ** 2 * x[1], x2), {"args": (3.0,)}
    yield (lambda x: x ** 4, 1.5), {}
    yield (rosen_loop, x2), {"chunk": 1}
    yield (rosen_numpy, np.linspace(-1.0, 1.0, 12)), {"sparse": True}
    yield (rosen_numpy, np.linspace(-1.0, 1.0, 12)), {"sparse": False}
    yield (rosen_loop, np.linspace(-1.0, 1.0, 201)), {}
    yield (lambda x: [x[0] * x[1]], x2), {}
    yield (lambda x: x, x2), {}
    yield (dc.compile(rosen_loop), np.linspace(-1.0, 1.0, 5)), {}
    yield (dc.compile(rosen_loop), np.linspace(-1.0, 1.0, 5).reshape(1, 5)), {}


@pytest.mark.parametrize("call", list(_hessian_calls()), ids=lambda c: repr(sorted(c[1])))
def test_the_compiled_hessian_answers_as_the_python_one(call):
    _answers_alike("hessian", call)


def test_the_compiled_verbs_check_their_arguments_as_the_python_ones():
    with pytest.raises(TypeError):
        dc.gradient(rosen_loop)
    with pytest.raises(TypeError):
        dc.hessian(rosen_loop, np.array([1.0, 2.0]), (), 3)
    with pytest.raises(TypeError):
        dc.gradient(rosen_loop, np.array([1.0, 2.0]), executor=None, bogus=1)
