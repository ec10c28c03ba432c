"""dualcalc.compile: a recording replayed in compiled code gives what the
uncompiled verbs give, on the oracle campaign's expressions (and mpmath agrees),
on third-party-style code and the MGH problems; guards take the other branch
exactly; what cannot be recorded falls back with one warning; args, threads,
pickling, the decorator forms and the solvers.

Comparisons with the uncompiled verbs are to a few ulps of each entry (in
practice the results are bitwise equal: a replay runs the same kernels in the
same order).  Where code sums through BLAS (matrix products) the uncompiled
verbs' summation order is BLAS's, so there the bound is a few ulps of the
largest entry.  References that are not the uncompiled verbs are mpmath (the
oracle) or closed-form derivatives of the branch that the point lies on.
"""
import math
import os
import pickle
import sys
import threading
import warnings

import mpmath as mp
import numpy as np
import pytest

import dualcalc as dc
from dualcalc import Compiled, CompileWarning
from dualcalc.optimize import least_squares, minimize, problems, root

sys.path.insert(0, os.path.dirname(__file__))
import _oracle  # noqa: E402

ULP = 2.0 ** -52
ULPS = 4


def assert_ulps(got, ref, ulps=ULPS, what=""):
    """got == ref to `ulps` ulps of each entry of ref; an exact zero must be
    exactly zero; nan where ref has nan, the same infinity where ref has one."""
    got = np.asarray(got, dtype=float)
    ref = np.asarray(ref, dtype=float)
    assert got.shape == ref.shape, (what, got.shape, ref.shape)
    fin = np.isfinite(ref)
    assert np.array_equal(got[~fin], ref[~fin], equal_nan=True), (what, got, ref)
    err = np.abs(got[fin] - ref[fin])
    assert np.all(err <= ulps * ULP * np.abs(ref[fin])), (what, got, ref)


def assert_norm_ulps(got, ref, ulps=ULPS, what=""):
    """got == ref to `ulps` ulps of ref's largest entry (summation orders differ)."""
    got = np.asarray(got, dtype=float)
    ref = np.asarray(ref, dtype=float)
    assert got.shape == ref.shape
    assert np.all(np.isfinite(ref)) and np.all(np.isfinite(got)), what
    assert np.max(np.abs(got - ref)) <= ulps * ULP * np.max(np.abs(ref)), (what, got, ref)


def compile_warnings(record):
    return [str(w.message) for w in record if issubclass(w.category, CompileWarning)]


# ================================================================ 1. the oracle's expressions
DEFAULT_SEEDS = 500
SLOW_SEEDS = 6000
SLOW_OFFSET = 2_000_000


def _case_function(tree, n, arrays):
    def f(v):
        return _oracle.evaluate(tree, [v[i] for i in range(n)], arrays)
    return f


def _jet(f, x, v):
    """value, gradient, Hessian, jvp and hvp along v, as one flat array."""
    val, g = dc.value_and_gradient(f, x)
    H = dc.hessian(f, x)
    return np.concatenate([[val], np.ravel(g), np.ravel(H),
                           [dc.jvp(f, x, v)], np.ravel(dc.hvp(f, x, v))])


def check_compiled_case(seed, arrays):
    """Compile case `seed` of the oracle (NumPy-style with arrays=True: the
    variables are elements of a traced array and scipy.special's ufuncs are
    used; scalar-style with dualcalc.math otherwise) and compare with the
    uncompiled verbs and with mpmath.  Returns "checked", "raised", "fallback"
    or None (the tree has no array form)."""
    tree, point = _oracle.make_case(seed)
    if arrays and _oracle.scalar_only(tree):
        return None
    n = len(point)
    f = _case_function(tree, n, arrays)
    cf = dc.compile(f)
    x = np.array(point)
    v = np.linspace(1.0, -0.5, n)
    with np.errstate(all="ignore"), warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            ref = _jet(f, x, v)
        except Exception as e:         # noqa: BLE001 - compared with the compiled run
            with pytest.raises(type(e)):
                _jet(cf, x, v)
            return "raised"
        got = _jet(cf, x, v)
    causes = compile_warnings(rec)
    if causes:
        # only dualcalc.math.remainder has no recordable form (NumPy has no IEEE
        # remainder ufunc): the fallback gives the uncompiled results
        assert not arrays and _oracle.scalar_only(tree), (seed, tree, causes)
        assert len(causes) == 1, causes
        assert np.array_equal(got, ref, equal_nan=True)
        return "fallback"
    assert cf.recordings == 1, (seed, tree)
    fin = np.isfinite(ref)
    assert_ulps(got[fin], ref[fin], what=f"seed {seed}: {tree!r} at {point}")
    # Where the uncompiled dense second-order passes give nan (g''·e1⊗e2 with a
    # nan g'' beside a zero tangent), the recording knows from its static
    # windows that the entry does not depend on that pair of variables: the
    # compiled entry is then an exact 0 (or the same nan).
    bad = ~fin & ~(np.isnan(got) & np.isnan(ref)) & (got != ref)
    assert np.all(got[bad] == 0.0), (seed, tree, point, got, ref)
    _check_against_mpmath(seed, tree, point, got[:1 + n + n * n])
    return "checked"


def _check_against_mpmath(seed, tree, point, got):
    """The compiled value, gradient and Hessian against the oracle's exact jet,
    with the oracle's criterion, where the oracle's check applies."""
    exact, conds, status = _oracle.reference(tree, point, seed)
    if status != "ok":
        return
    depth = tree.depth()
    with mp.workdps(_oracle.DPS):
        for k, (g, r, c) in enumerate(zip(got, exact, conds)):
            if c > _oracle.MAX_COND:
                continue
            if r == 0:
                assert g == 0.0, (seed, tree, point, k, g)
                continue
            assert math.isfinite(g), (seed, tree, point, k, g, r)
            err = float(abs(mp.mpf(float(g)) - r) / abs(r))
            assert err <= _oracle.TOL_ULPS * ULP * depth * max(1.0, c), (
                seed, tree, point, k, g, mp.nstr(r, 17), err, c)


def _campaign(seeds):
    counts = {}
    for seed in seeds:
        for arrays in (True, False):
            status = check_compiled_case(seed, arrays)
            counts[status] = counts.get(status, 0) + 1
    return counts


def test_oracle_expressions_compiled_equal_uncompiled_and_mpmath():
    counts = _campaign(range(DEFAULT_SEEDS))
    # the campaign must compare most cases with recordings (not with fallbacks)
    assert counts["checked"] >= 0.8 * 2 * DEFAULT_SEEDS, counts


@pytest.mark.slow
def test_oracle_expressions_compiled_slow_campaign():
    counts = _campaign(range(SLOW_OFFSET, SLOW_OFFSET + SLOW_SEEDS))
    assert counts["checked"] >= 0.8 * 2 * SLOW_SEEDS, counts


def test_one_variable_verbs_on_the_oracle_expressions():
    """derivative / second_derivative / value_and_derivative of compiled scalar
    functions of one variable."""
    checked = 0
    for seed in range(400):
        tree, point = _oracle.make_case(seed)
        if len(point) != 1 or _oracle.scalar_only(tree):
            continue

        def f1(t, tree=tree):
            return _oracle.evaluate(tree, [t], True)
        cf = dc.compile(f1)
        t = point[0]
        with np.errstate(all="ignore"):
            try:
                ref = [dc.value_and_derivative(f1, t), dc.value_and_derivative(f1, t, order=2),
                       dc.derivative(f1, t), dc.second_derivative(f1, t)]
            except Exception as e:  # noqa: BLE001
                with pytest.raises(type(e)):
                    dc.value_and_derivative(cf, t)
                    dc.value_and_derivative(cf, t, order=2)
                continue
            got = [dc.value_and_derivative(cf, t), dc.value_and_derivative(cf, t, order=2),
                   dc.derivative(cf, t), dc.second_derivative(cf, t)]
        assert_ulps(np.hstack(got), np.hstack(ref), what=f"seed {seed}: {tree!r} at {t}")
        # all four use the one recording (derivative's fast path calls f on a
        # Dual, second_derivative's on a HyperDual: the Compiled answers those)
        assert cf.recordings == 1
        checked += 1
    assert checked >= 30


def test_derivative_fast_paths_replay():
    calls = []

    def f(t):
        calls.append(t)
        return t ** 3 * np.sin(t) + 1.0 / t
    cf = dc.compile(f)
    for t in (1.3, -0.7, 2.5):
        assert dc.derivative(cf, t) == dc.derivative(f, t)
        assert dc.second_derivative(cf, t) == dc.second_derivative(f, t)
        assert dc.derivative(cf, t, order=3) == dc.derivative(f, t, order=3)   # Taylor: f itself
    n_own = len(calls)
    calls.clear()
    for t in (1.3, -0.7, 2.5):
        dc.derivative(cf, t)
        dc.second_derivative(cf, t)
    assert calls == [] and cf.recordings == 1 and n_own > 0
    # a derivative inside a derivative: the inner one sees a Dual of the outer
    assert dc.derivative(lambda s: dc.derivative(cf, 2.0 * s), 0.65) == \
        dc.derivative(lambda s: dc.derivative(f, 2.0 * s), 0.65)
    assert dc.derivative(lambda s: cf(s) * s, 0.65) == dc.derivative(lambda s: f(s) * s, 0.65)


def _dense(x):
    s = x[0] * 0.0
    for i in range(len(x)):
        s = s + np.sin(x[i]) * (i + 1.0)
    return [s * s, s * x[0], np.exp(s / 10.0)]


def test_chunked_replays_equal_one_pass(monkeypatch):
    import dualcalc._compile as C
    x = np.linspace(-1.0, 1.5, 13)
    v = np.linspace(1.0, 2.0, 13)
    ref = (dc.jacobian(_dense, x), dc.hessian(_rosen_loop, x), dc.gradient(_rosen_loop, x),
           dc.hvp(_rosen_loop, x, v))
    for pass_doubles in (1, 7, 40, 10 ** 6):
        monkeypatch.setattr(C, "_PASS_DOUBLES", pass_doubles)
        cd, cr = dc.compile(_dense), dc.compile(_rosen_loop)
        got = (dc.jacobian(cd, x), dc.hessian(cr, x), dc.gradient(cr, x), dc.hvp(cr, x, v))
        for g, r in zip(got, ref):
            assert_ulps(g, r, what=f"pass of {pass_doubles} doubles")


# ================================================================ 2. drop-in code, MGH
def _rosen_numpy(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _rosen_loop(x):
    total = 0.0
    for i in range(len(x) - 1):
        total = total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def test_dropin_functions_compiled_equal_uncompiled():
    so = pytest.importorskip("scipy.optimize")
    import test_dropin as T
    rng = np.random.default_rng(3)
    X, labels, W0 = rng.normal(size=(20, 4)), rng.integers(0, 3, size=20), rng.normal(size=(4, 3))
    Xt, yt = rng.normal(size=(15, 3)), rng.normal(size=15)
    theta = 0.5 * rng.normal(size=3 * 5 + 5 + 5 + 1)
    x10 = np.linspace(-1.2, 1.3, 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for f, x, args, exact in [
                (so.rosen, x10, (), True),
                (_rosen_loop, x10, (), True),
                (lambda x: np.sum(T.model(x)), np.linspace(-3.0, 3.0, 9), (), True),
                (T.softmax_cross_entropy, W0, (X, labels), False),
                (T.two_layer_tanh_loss, theta, (Xt, yt, [(3, 5)]), False)]:
            cf = dc.compile(f)
            check = assert_ulps if exact else assert_norm_ulps
            check(dc.gradient(cf, x, args=args), dc.gradient(f, x, args=args))
            check(dc.hessian(cf, x, args=args), dc.hessian(f, x, args=args))
            assert cf.recordings == 1
        for f, x in [(T.broyden_tridiagonal, np.linspace(-1.0, 1.0, 7)), (so.rosen_der, x10)]:
            cf = dc.compile(f)
            assert_ulps(dc.jacobian(cf, x), dc.jacobian(f, x))
            assert cf.recordings == 1
    # scipy.optimize.rosen's gradient is scipy's own rosen_der
    assert_ulps(dc.gradient(dc.compile(so.rosen), x10), so.rosen_der(x10), ulps=16)


def test_dropin_function_with_linear_algebra_falls_back():
    import test_dropin as T
    t = np.linspace(0.0, 2.0, 5)
    obs = np.array([1.1, 0.7, 0.2, -0.1, -0.3])
    p0 = np.array([1.2, 0.8, 0.3, 0.5])
    cf = dc.compile(T.gaussian_negative_log_likelihood)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        g = dc.gradient(cf, p0, args=(t, obs))
    causes = compile_warnings(rec)
    assert len(causes) == 1 and "slogdet" in causes[0], causes
    assert np.array_equal(g, dc.gradient(T.gaussian_negative_log_likelihood, p0, args=(t, obs)))


@pytest.mark.parametrize("p", problems.PROBLEMS, ids=lambda p: p.name)
def test_mgh_problems_compiled_equal_uncompiled(p):
    x = p.start()
    cf, cr = dc.compile(p.objective), dc.compile(p.residuals)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        assert_ulps(dc.gradient(cf, x), dc.gradient(p.objective, x))
        assert_ulps(dc.hessian(cf, x), dc.hessian(p.objective, x))
        assert_ulps(dc.jacobian(cr, x), dc.jacobian(p.residuals, x))
        assert_ulps(cf(x), p(x))
        assert_ulps(cr(x), np.asarray(p.residuals(x), dtype=float))
        v = np.linspace(-1.0, 1.0, p.n)
        assert_ulps(dc.hvp(cf, x, v), dc.hvp(p.objective, x, v))
        assert_ulps(dc.jvp(cr, x, v), dc.jvp(p.residuals, x, v))
    assert cf.program(x) is not None and cr.program(x) is not None
    # and at random points about the start (Helical valley branches on x[0] > 0)
    rng = np.random.default_rng(p.number)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for _ in range(5):
            z = x * (1.0 + rng.normal(size=p.n)) + 0.1 * rng.normal(size=p.n)
            assert_ulps(dc.gradient(cf, z), dc.gradient(p.objective, z))
            assert_ulps(dc.hessian(cf, z), dc.hessian(p.objective, z))
            assert_ulps(dc.jacobian(cr, z), dc.jacobian(p.residuals, z))
    assert cf.recordings <= 2 and cr.recordings <= 2


def _inplace(x):
    z = x.copy()
    z[1] = x[0] * 3.0
    z[2:4] += x[:2]
    z *= 2.0
    z[-1] -= z[0] ** 2
    return z


def _filled(x):
    y = np.zeros_like(x)
    y[0] = x[0]
    y[1:] = x[1:] * x[:-1]
    return y


def _object_array(x):
    y = np.empty(3, dtype=object)
    for i in range(3):
        y[i] = x[i] * x[i + 1]
    return y


_C = np.arange(6.0).reshape(3, 2) / 7.0
_MASK = np.array([True, False] * 3)

# (f, x as the flat 6-vector or reshaped to (2, 3)): NumPy-style code the
# recorder implements; compared by the Jacobian (and the Hessian of a sum)
NUMPY_STYLE = {
    "const": (lambda x: 3.0, 1),
    "list": (lambda x: [x[0] * x[1], 2.0, x[2]], 1),
    "2d_input": (lambda x: x ** 2 * x[0, 1], 2),
    "outer": (lambda x: np.outer(x, x), 1),
    "sum_axis": (lambda x: np.sum(x ** 2, axis=0) + np.sum(np.sin(x), axis=1, keepdims=True), 2),
    "mean_var_std": (lambda x: np.array([np.mean(x), np.var(x), np.std(x, ddof=1)]), 1),
    "mean_var_axis": (lambda x: np.mean(x, axis=1) * np.var(x, axis=0)[:2], 2),
    "prod": (lambda x: np.prod(x) + np.prod(x.reshape(2, 3), axis=1).sum(), 1),
    "max_min_axis": (lambda x: np.max(x, axis=0) + np.min(x, axis=1).sum(), 2),
    "cumsum_cumprod": (lambda x: np.cumsum(x ** 2) + np.cumprod(x), 1),
    "cumsum_axis": (lambda x: np.cumsum(x, axis=1), 2),
    "matmul_constant": (lambda x: x @ _C + (_C @ x).sum(), 2),
    "matmul_traced": (lambda x: x @ x.T, 2),
    "matvec": (lambda x: (_C @ x[:2]).sum() + x[:3] @ _C, 1),
    "dot_inner_vdot": (lambda x: np.dot(x, x) * np.inner(x, x[::-1]) + np.vdot(x, x), 1),
    "trace_diag": (lambda x: np.trace(np.outer(x, x)) + np.diag(np.outer(x, x)), 1),
    "norm": (lambda x: np.linalg.norm(x) + np.linalg.norm(x.reshape(2, 3), axis=1), 1),
    "diff": (lambda x: np.diff(x ** 3) + np.diff(x, n=2).sum(), 1),
    "concatenate_stack": (lambda x: np.stack([np.concatenate([x[:2], [1.0], x[3:] * 2]),
                                              np.hstack([x[1:], 1.0])]), 1),
    "pad": (lambda x: np.pad(x, 2) + np.pad(x, 2, mode="edge"), 1),
    "roll_flip_steps": (lambda x: np.roll(x, 2) * x[::-1] + x[5::-1] - np.flip(x), 1),
    "fancy_index": (lambda x: x[[0, 2, 2, 5]] ** 2 + np.take(x, [1, 3, 4, 4]), 1),
    "in_place": (_inplace, 1),
    "zeros_like_filled": (_filled, 1),
    "object_array": (_object_array, 1),
    "np_array_of_numbers": (lambda x: np.array([x[0] ** 2, x[1] * x[2]]), 1),
    "where": (lambda x: np.where(_MASK, x, x ** 2) + np.where(x > 0, x, 0.0), 1),
    "maximum_fmax": (lambda x: np.maximum(x, x[::-1]) + np.fmax(x, 0.0), 1),
    "abs_sign": (lambda x: np.abs(x) * x + np.sign(x) * x ** 2, 1),
    "two_argument_ufuncs": (lambda x: np.arctan2(x, x[::-1]) + np.hypot(x, 2.0)
                            + np.logaddexp(x, x[::-1]) + np.abs(x) ** x[::-1] + 2.0 ** x, 1),
    "mod_fmod_floordiv": (lambda x: np.mod(x, 0.7) + np.fmod(x, 0.7) + x // 0.7 * x, 1),
    "reshape_transpose": (lambda x: np.swapaxes(x, 0, 1).ravel() ** 2
                          + x.T.reshape(6) + np.ravel(x.T), 2),
    "broadcast": (lambda x: x[:, None] * x[None, :] + (x.reshape(2, 3) + x[:3]).sum(), 1),
    "tile_repeat": (lambda x: np.tile(x[:2], 3) * x + np.repeat(x[:3], 2), 1),
    "python_sum": (lambda x: sum(x ** 2) + sum(xi ** 3 for xi in x), 1),
    "comprehension": (lambda x: [x[i] * x[i - 1] for i in range(1, len(x))], 1),
    "min_max_builtins": (lambda x: min(x[0], x[1]) * max(x[2], x[3]) + abs(x[1]) * x[0], 1),
    "rint_round": (lambda x: np.round(x) * x + np.rint(x * 3), 1),
    "predicates": (lambda x: np.where(np.isnan(x) | np.isinf(x), 0.0, x) * 2, 1),
    "any_all": (lambda x: x * 2 if np.any(x > 1.5) and np.all(x > -5) else x, 1),
    "argsort": (lambda x: x[np.argsort(x)] * x, 1),
    "scipy_expit": (lambda x: __import__("scipy.special").special.expit(x), 1),
}


@pytest.mark.parametrize("name", sorted(NUMPY_STYLE))
def test_numpy_style_code(name):
    f, ndim = NUMPY_STYLE[name]
    x = np.array([0.3, -1.2, 2.0, 0.7, -0.4, 1.1])
    if ndim == 2:
        x = x.reshape(2, 3)
    cf = dc.compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        assert_ulps(dc.jacobian(cf, x), dc.jacobian(f, x))

        def total(z):
            return np.sum(f(z))
        ct = dc.compile(total)
        assert_ulps(dc.hessian(ct, x), dc.hessian(total, x))
        assert_ulps(cf(x), f(x))
    assert cf.recordings == 1 and ct.recordings == 1


def _through_a_view(x):
    y = x.copy()
    z = y[1:]
    z **= 2
    z //= 0.7
    z %= 0.3
    z += x[:-1]
    return y


def test_in_place_operators_write_through_views_as_numpy():
    x = np.array([0.3, 1.7, -2.2, 0.9])
    cf = dc.compile(_through_a_view)
    v, J = dc.value_and_jacobian(cf, x)
    assert_ulps(v, _through_a_view(x))                 # NumPy's own values
    # floor and mod of a floor have zero derivative: what is left is x[:-1]
    assert np.array_equal(J, np.eye(4, k=-1) + np.diag([1.0, 0.0, 0.0, 0.0]))


_A34 = np.arange(12.0).reshape(3, 4) / 5.0 - 1.0
_B43 = np.cos(np.arange(12.0)).reshape(4, 3)


@pytest.mark.parametrize("f", [
    lambda x: np.einsum("ij,j->i", _A34, x), lambda x: np.einsum("i,i->", x, x),
    lambda x: np.einsum("i,j->ij", x, x), lambda x: np.einsum("ij,jk->ik", _A34 * x, _B43),
    lambda x: np.einsum("ij,jk", _A34 * x, _B43), lambda x: np.einsum("ij->ji", _A34 * x),
    lambda x: np.einsum("ij,ij->i", _A34 * x, _A34 * x ** 2),
    lambda x: np.einsum("j,ij,k->ik", x, _A34, x[:2]),
], ids=["matvec", "dot", "outer", "matmul", "implicit", "transpose", "rowdots", "three"])
def test_einsum(f):
    x = np.array([0.3, -1.2, 2.0, 0.7])
    cf = dc.compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        assert_norm_ulps(dc.jacobian(cf, x), dc.jacobian(f, x))

        def total(z):
            return np.sum(f(z) ** 2)
        assert_norm_ulps(dc.hessian(dc.compile(total), x), dc.hessian(total, x))
    assert cf.recordings == 1


# ================================================================ 3. guards
def _sides(f, a, b, ref_a, ref_b, verbs=("gradient", "hessian")):
    """Record at a, then b (another branch: one new recording), then a again
    (the cached recording), each equal to the branch's own reference."""
    cf = dc.compile(f)
    a, b = np.array(a, dtype=float), np.array(b, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for k, (x, ref, count) in enumerate([(a, ref_a, 1), (b, ref_b, 2), (a, ref_a, 2),
                                             (b, ref_b, 2)]):
            for verb in verbs:
                got = getattr(dc, verb)(cf, x)
                assert_ulps(got, getattr(dc, verb)(ref, x), what=f"{verb} call {k}")
            assert cf.recordings == count, (k, cf.recordings)
    return cf


def _if_branch(x):
    if x[0] > 0:
        return x[0] ** 2 * x[1]
    return np.sin(x[0]) * x[1] ** 3


def test_guard_on_bool_of_a_comparison():
    _sides(_if_branch, [1.5, 2.0], [-1.5, 2.0],
           lambda x: x[0] ** 2 * x[1], lambda x: np.sin(x[0]) * x[1] ** 3)


def _int_power(x):
    k = int(x[0])
    return x[1] ** k * x[0]


def test_guard_on_int_of_a_value():
    # the uncompiled verbs refuse int() of a dual number; the recording checks
    # int(x[0]) at each replay instead, with derivative 0 for the conversion
    _sides(_int_power, [2.5, 1.5], [3.5, 1.5],
           lambda x: x[1] ** 2 * x[0], lambda x: x[1] ** 3 * x[0])


def _floor_power(x):
    k = math.floor(x[0])
    return x[1] ** k * x[0]


def test_guard_on_math_floor():
    cf = _sides(_floor_power, [2.5, 1.5], [-1.5, 1.5],
                lambda x: x[1] ** 2 * x[0], lambda x: x[1] ** -2 * x[0])
    # and the uncompiled verbs agree (dual numbers implement __floor__ too)
    x = np.array([-1.5, 1.5])
    assert_ulps(dc.gradient(cf, x), dc.gradient(_floor_power, x))


@pytest.mark.parametrize("conv", [math.ceil, math.trunc, round, math.floor, int],
                         ids=["ceil", "trunc", "round", "floor", "int"])
def test_guards_on_integer_conversions(conv):
    def f(x):
        return x[1] ** conv(x[0]) * x[0]
    cf = dc.compile(f)
    seen = set()
    for x0 in (2.5, 3.5, -1.5, 2.2, 2.7, 2.5, -0.5, 0.5):
        x = np.array([x0, 1.5])
        k = conv(x0)
        seen.add(k)
        ref = [1.5 ** k, k * 1.5 ** (k - 1) * x0]
        assert_ulps(dc.gradient(cf, x), ref, what=f"{conv.__name__}({x0}) = {k}")
        assert cf.recordings == len(seen)        # one recording per integer value


def _index_from_value(x):
    return x[int(x[0])] ** 3 * x[2]


def test_guard_on_an_index_computed_from_a_value():
    _sides(_index_from_value, [1.5, 2.0, 3.0], [2.5, 2.0, 3.0],
           lambda x: x[1] ** 3 * x[2], lambda x: x[2] ** 3 * x[2])


def _argmax_pick(x):
    i = np.argmax(x)
    return x[i] ** 2 * np.sum(x)


def test_guard_on_argmax():
    _sides(_argmax_pick, [1.0, 2.0, 3.0], [3.0, 2.0, 1.0],
           lambda x: x[2] ** 2 * np.sum(x), lambda x: x[0] ** 2 * np.sum(x))


def _sorted_poly(x):
    s = np.sort(x)
    return s[0] * s[1] ** 2 + s[2] ** 3


def test_guard_on_sort():
    _sides(_sorted_poly, [1.0, 2.0, 3.0], [2.0, 3.0, 1.0],
           _sorted_poly, _sorted_poly)
    cf = dc.compile(_sorted_poly)
    x = np.array([2.0, 3.0, 1.0])
    assert_ulps(dc.gradient(cf, x), [4.0, 27.0, 4.0])     # s = (x2, x0, x1)


def _masked(x):
    return np.sum(x[x > 0] ** 3)


def test_guard_on_a_boolean_mask():
    _sides(_masked, [1.0, -2.0, 3.0], [-1.0, 2.0, -3.0], _masked, _masked)


def _halvings(x):
    y = x[0]
    while y > 1.0:
        y = y / 2.0
    return y * x[1] ** 2


def test_guard_on_a_while_loop():
    _sides(_halvings, [3.0, 2.0], [7.0, 2.0],
           lambda x: x[0] / 4.0 * x[1] ** 2, lambda x: x[0] / 8.0 * x[1] ** 2)


@pytest.mark.parametrize("f", [
    lambda x: np.sum(np.where(x > 0, x ** 2, -x ** 3)),
    lambda x: np.sum(np.maximum(x, 0.5) ** 2 * x),
    lambda x: np.sum(abs(x) ** 3 * x),
    lambda x: np.sum(np.clip(x, -1.0, 1.0) * x ** 2),
], ids=["where", "maximum", "abs", "clip"])
def test_branch_free_choices_replay_without_new_recordings(f):
    cf = dc.compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for x in ([0.5, -2.0], [-1.5, 2.0], [0.2, 0.3], [-0.7, -0.1]):
            x = np.array(x)
            assert_ulps(dc.gradient(cf, x), dc.gradient(f, x))
            assert_ulps(dc.hessian(cf, x), dc.hessian(f, x))
    assert cf.recordings == 1


@pytest.mark.parametrize("f", [
    lambda x: np.max(x), lambda x: np.min(x), lambda x: np.amax(x.reshape(2, 2), axis=0).sum(),
    lambda x: np.maximum.reduce(x), lambda x: np.max(x.reshape(2, 2)),
    lambda x: np.min(x.reshape(2, 2), axis=1, keepdims=True).sum(),
    lambda x: np.clip(x, 1.0, 2.0).sum(), lambda x: x.clip(0.5).sum(),
    lambda x: np.clip(x, x[0], 1.5).sum(), lambda x: max(x) * min(x),
], ids=["max", "min", "amax_axis", "maximum_reduce", "max_2d", "min_keepdims", "clip",
        "clip_method", "clip_traced_bound", "builtins"])
def test_ties_and_nans_in_selections_pick_as_the_dual_arrays_do(f):
    """max/min give the derivative of the element argmax/argmin picks (the
    first of ties, the first nan), clip keeps the element's own derivative at
    the bounds: as the uncompiled verbs, per replay, with one recording."""
    cf = dc.compile(f)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for x in ([1.0, 1.0, 0.0, 1.0], [0.0, 2.0, 2.0, 0.5], [np.nan, 1.0, np.nan, 2.0],
                  [1.0, np.nan, 3.0, 3.0], [2.0, 1.0, 1.0, 0.5]):
            x = np.array(x)
            for verb in (dc.gradient, dc.hessian, lambda g, z: g(z)):
                assert np.array_equal(verb(cf, x), verb(f, x), equal_nan=True), x
    if f.__code__.co_names == ("max", "min"):
        assert 1 <= cf.recordings <= 5    # Python's max/min branch: a guard per comparison
    else:
        assert cf.recordings == 1          # branch-free: chosen per replay


@pytest.mark.parametrize("kind", [None, "stable", "heapsort"])
def test_sort_with_ties_orders_as_the_dual_arrays(kind):
    def f(x):
        return np.sort(x, kind=kind) * np.arange(1.0, 7.0) + x[x.argsort(kind=kind)] ** 2 * x
    cf = dc.compile(f)
    points = [[1.0, 1.0, 1.0, -1.0, 0.5, -0.5], [3.0, 3.0, 0.0, 0.0, 1.0, 1.0],
              [1.0, 1.0, 1.0, -1.0, 0.5, -0.5], [2.0, 2.0, 2.0, -2.0, 0.25, -0.25],
              [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]]
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for x in points:
            x = np.array(x)
            assert_ulps(dc.jacobian(cf, x), dc.jacobian(f, x))
    # the third point repeats the first, the fourth has its order relation
    assert cf.recordings == 3


def test_guards_with_one_recording_kept_record_again_each_time():
    cf = dc.compile(_if_branch, max_recordings=1)
    for k, x in enumerate([[1.0, 2.0], [-1.0, 2.0], [1.0, 2.0], [-1.0, 2.0]]):
        x = np.array(x)
        assert_ulps(dc.gradient(cf, x), dc.gradient(_if_branch, x))
        assert cf.recordings == k + 1


def test_guards_in_every_verb():
    a, b = np.array([1.5, 2.0]), np.array([-1.5, 2.0])
    v = np.array([0.3, -0.7])
    for verb, call in [("jvp", lambda f, x: dc.jvp(f, x, v)),
                       ("hvp", lambda f, x: dc.hvp(f, x, v)),
                       ("jacobian", dc.jacobian),
                       ("value", lambda f, x: f(x))]:
        cf = dc.compile(_if_branch)
        for x in (a, b, a):
            assert_ulps(call(cf, x), call(_if_branch, x), what=verb)
        assert cf.recordings == 2, verb


# ================================================================ 4. fallback
def _float_of_x(x):
    return float(x[0]) * x[1]


def _asarray_float(x):
    return np.sum(np.asarray(x, dtype=float) ** 2)


def _solve(x):
    return np.sum(np.linalg.solve(np.eye(3) * 2.0 + 0.1, x) ** 2)


def _bessel(x):
    import scipy.special as sc
    return np.sum(sc.jv(1.5, x))


def _value_dependent_shape(x):
    return np.sum(x[np.where(x > 0)] ** 2)


def _unique(x):
    return np.sum(np.unique(x) ** 2)


def _plain_value(x):
    # .value on the dual types is the number without its derivative (a
    # constant to the verbs); a recording would keep the recording's number
    return x[1] * x[0].value ** 2


def _into_a_float_array(x):
    y = np.zeros(3)
    y[1:] = x[1:] * x[0]
    return np.sum(y ** 2)


@pytest.mark.parametrize("f, cause", [
    (_float_of_x, "float()"),
    (_asarray_float, "converted to a plain float64 array"),
    (_solve, "solve"),
    (_bessel, "jv"),
    (_value_dependent_shape, "indices that depend on values"),
    (_unique, "unique"),
    (_into_a_float_array, "written into an ndarray"),
    (_plain_value, ".value"),
])
def test_fallback_warns_once_and_equals_the_uncompiled_verb(f, cause):
    cf = dc.compile(f)
    x = np.array([1.5, -2.0, 0.5])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        for verb in (dc.gradient, dc.hessian, dc.jacobian, lambda g, z: g(z)):
            try:
                ref = verb(f, x)
            except Exception as e:  # noqa: BLE001 - the compiled call must raise it too
                with pytest.raises(type(e)) as info:
                    verb(cf, x)
                assert str(info.value) == str(e)
                continue
            assert np.array_equal(verb(cf, x), ref, equal_nan=True)
    causes = compile_warnings(rec)
    assert len(causes) == 1, causes
    assert cause in causes[0] and f.__name__ in causes[0], causes
    assert cf.recordings == 0
    assert cf.program(x) is None


def test_fallback_warning_points_at_the_callers_line():
    cf = dc.compile(_solve)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        dc.gradient(cf, np.array([1.0, 2.0, 3.0]))
    (w,) = [w for w in rec if issubclass(w.category, CompileWarning)]
    assert w.filename == __file__


def _reciprocal(x):
    return 1.0 / (x[0] - 1.0) + x[1]


def _gamma_scalar(x):
    import dualcalc.math as dm
    return dm.gamma(x[0]) * x[1] + dm.lgamma(x[1])


def test_a_replay_raises_math_errors_of_python_functions():
    """dualcalc.math.gamma on dual scalars takes its value from math.gamma; a
    replay calls it too, so a pole raises math's ValueError at replay."""
    cf = dc.compile(_gamma_scalar)
    for x in ([2.5, 1.5], [-1.0, 1.5], [3.5, 0.0], [1.2, 2.2]):
        x = np.array(x)
        for verb in (dc.gradient, dc.hessian):
            try:
                ref = verb(_gamma_scalar, x)
            except ValueError as e:
                with pytest.raises(ValueError, match=str(e)):
                    verb(cf, x)
                continue
            assert_ulps(verb(cf, x), ref)
    assert cf.recordings == 1


def test_long_numpy_arrays_take_the_uncompiled_path_silently():
    """NumPy-style code on long arrays runs faster on the dual arrays than as
    one instruction per element: the verbs take that way, without a warning."""
    cf = dc.compile(_rosen_numpy)
    x = np.linspace(-1.0, 1.0, 2000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        assert np.array_equal(dc.gradient(cf, x), dc.gradient(_rosen_numpy, x))
        assert np.array_equal(dc.hvp(cf, x, x), dc.hvp(_rosen_numpy, x, x))
    assert cf.program(x) is None and cf.recordings == 1
    # a short one is recorded
    assert cf.program(x[:5]) is not None


def test_an_error_of_f_at_one_point_does_not_stop_compiling():
    cf = dc.compile(_reciprocal)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        with pytest.raises(ZeroDivisionError):
            dc.gradient(_reciprocal, np.array([1.0, 2.0]))
        with pytest.raises(ZeroDivisionError):
            dc.gradient(cf, np.array([1.0, 2.0]))
        x = np.array([3.0, 2.0])
        assert_ulps(dc.gradient(cf, x), [-0.25, 1.0])
    assert cf.recordings == 1


def test_a_replay_raises_where_the_uncompiled_verb_raises():
    cf = dc.compile(_reciprocal)
    assert_ulps(dc.gradient(cf, np.array([3.0, 2.0])), [-0.25, 1.0])
    with pytest.raises(ZeroDivisionError):
        dc.gradient(cf, np.array([1.0, 2.0]))
    assert cf.recordings == 1


@pytest.mark.parametrize("f", [
    lambda x: x[0] ** 3, lambda x: x[0] ** 3.0, lambda x: 10.0 ** x[1], lambda x: x[0] ** x[1],
    lambda x: x[0] ** -1 + x[1], lambda x: x[1] / (x[0] - 2.0), lambda x: x[1] // (x[0] - 2.0),
    lambda x: x[1] % (x[0] - 2.0), lambda x: (x[0] - 3.0) ** 0.5,
], ids=["pow_int", "pow_float", "rpow", "pow_xy", "reciprocal", "div", "floordiv", "mod",
        "sqrt_negative"])
def test_python_operator_errors_as_the_dual_numbers(f):
    """Scalar-style code keeps Python's operator errors (OverflowError,
    ZeroDivisionError, ValueError for a fractional power of a negative base) at
    recording and at replay, as the dual numbers raise them."""
    cf = dc.compile(f)
    for x in ([2.0, 3.0], [1e300, 400.0], [0.0, -1.0], [2.5, 0.5], [1e300, 400.0], [4.0, 2.0]):
        x = np.array(x)
        for verb in (dc.gradient, dc.hessian):
            try:
                ref = verb(f, x)
            except (ArithmeticError, ValueError) as e:
                with pytest.raises(type(e)):
                    verb(cf, x)
                continue
            assert_ulps(verb(cf, x), ref)
    assert 1 <= cf.recordings <= 2


# ================================================================ 5. args, threads, pickling, API
def _with_args(x, a, n, s):
    return np.sum(a * x ** n) + s[0] * x[0]


def test_float_args_replay_and_static_args_are_keys():
    cf = dc.compile(_with_args)
    x = np.array([1.0, 2.0, 3.0])
    for a, s in [(2.0, 1.5), (3.0, -0.5), (np.float64(4.0), 2.0)]:
        args = (a, 2, np.array([s]))
        assert_ulps(dc.gradient(cf, x, args=args), 2.0 * float(a) * x + [s, 0.0, 0.0])
        assert_ulps(dc.hessian(cf, x, args=args), dc.hessian(_with_args, x, args=args))
        assert cf(x, *args) == _with_args(x, *args)
        assert cf.recordings == 1
    args = (2.0, 3, np.array([2.5]))                 # another integer: another recording
    assert_ulps(dc.gradient(cf, x, args=args), 6.0 * x ** 2 + [2.5, 0.0, 0.0])
    assert cf.recordings == 2
    args = (5.0, 2, np.array([0.5]))                 # back to n = 2: cached
    assert_ulps(dc.gradient(cf, x, args=args), 10.0 * x + [0.5, 0.0, 0.0])
    assert cf.recordings == 2
    assert_ulps(dc.jvp(cf, x, [1.0, 0.0, 1.0], args=args),
                dc.jvp(_with_args, x, [1.0, 0.0, 1.0], args=args))
    assert_ulps(dc.hvp(cf, x, [1.0, 0.0, 1.0], args=args),
                dc.hvp(_with_args, x, [1.0, 0.0, 1.0], args=args))


def _static_use(x, k, table, coeffs):
    return x[0] ** k * table[k] + coeffs[0] * x[1]


def test_static_arguments_by_value_never_by_a_reused_id():
    cf = dc.compile(_static_use)
    x = np.array([1.5, 2.0])
    for k in (np.int64(2), np.int64(3), np.int32(2), 3, np.int64(2)):
        # a new NumPy integer (and list) each call: ids get reused once the
        # old ones die, so keys must compare values
        table = [1.0, 2.0, 3.0, 4.0]
        coeffs = np.array([0.5, 1.0], dtype=np.float32)
        ref = dc.gradient(_static_use, x, args=(k, table, coeffs))
        assert_ulps(dc.gradient(cf, x, args=(k, table, coeffs)), ref)
    assert cf.recordings == 4           # int64 2 and 3, int32 2, int 3 (types are kept)
    # other objects by identity; the cache keeps a bounded number of keys
    import dualcalc._compile as C
    for i in range(3 * C.MAX_KEYS):
        obj = type("Table", (), {"__getitem__": lambda self, j, i=i: float(i + j)})()
        got = dc.gradient(cf, x, args=(2, obj, [0.0]))
        assert_ulps(got, [2 * 1.5 * (i + 2.0), 0.0])
    assert len(cf._cache) <= C.MAX_KEYS


def _parameter_branch(x, a):
    if a > 0:
        return a * x[0] ** 2
    return a * x[0] ** 3


def test_guard_on_a_float_parameter():
    cf = dc.compile(_parameter_branch)
    x = np.array([1.5])
    for a, count in ((2.0, 1), (3.0, 1), (-2.0, 2), (0.5, 2)):
        assert_ulps(dc.gradient(cf, x, args=(a,)), dc.gradient(_parameter_branch, x, args=(a,)))
        assert_ulps(dc.hessian(cf, x, args=(a,)), dc.hessian(_parameter_branch, x, args=(a,)))
        assert cf.recordings == count


def test_calls_on_plain_inputs_other_than_floats_run_f():
    cf = dc.compile(lambda x: sum(x + [1.0]) if isinstance(x, list) else x // 2)
    assert cf([1.0, 2.0]) == 4.0                  # list concatenation, not x + 1 elementwise
    assert cf(7) == 3 and type(cf(7)) is int
    assert cf(7.0) == 3.0
    assert cf.recordings == 1


def test_memory_of_a_recording_is_as_documented():
    """About 50 bytes per instruction plus 16 per operand of a sum (compile's
    docstring), 8 more per input."""
    for n in (10, 120):
        x = np.linspace(-1.0, 1.0, n)
        for f in (_rosen_numpy, _rosen_loop):
            p = dc.compile(f).program(x)
            n_args = p.args_arr.size
            assert p.nbytes() <= 52 * p.n_instr + 16 * n_args + 24 * p.n_in + 64
            assert p.n_instr <= 10 * n


def test_inputs_of_other_layouts():
    cf = dc.compile(_rosen_loop)
    x = np.linspace(-1.0, 1.0, 12)
    ref = dc.gradient(_rosen_loop, x)
    for z in (x.astype(">f8"), x[::-1][::-1], np.repeat(x, 2)[::2], list(x)):
        assert_ulps(dc.gradient(cf, z), ref)
    p = cf.program(x)
    assert np.array_equal(p.run1(x.astype(">f8"), 0, 12)[2], p.run1(x, 0, 12)[2])


def test_input_shapes_are_keys():
    cf = dc.compile(_rosen_loop)
    for n in (3, 5, 3, 8, 5):
        x = np.linspace(-1.0, 1.0, n)
        assert_ulps(dc.gradient(cf, x), dc.gradient(_rosen_loop, x))
    assert cf.recordings == 3


def test_threads_share_one_compiled_function():
    cf = dc.compile(_if_branch)
    rng = np.random.default_rng(5)
    points = [rng.normal(size=2) for _ in range(8)]
    serial = [dc.gradient(_if_branch, p) for p in points]
    serial_h = [dc.hessian(_if_branch, p) for p in points]
    out = [None] * 8
    errors = []
    barrier = threading.Barrier(8)

    def work(i):
        try:
            barrier.wait()
            for _ in range(100):
                g = dc.gradient(cf, points[i])
                h = dc.hessian(cf, points[i])
                if not (np.array_equal(g, serial[i]) and np.array_equal(h, serial_h[i])):
                    raise AssertionError((i, g, serial[i]))
            out[i] = g
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for g, s in zip(out, serial):
        assert np.array_equal(g, s)
    # both signs of x[0] occur, so there are two branches; racing threads may
    # record one branch twice, never more often than the cache allows
    assert 2 <= cf.recordings <= 8 + 1


def test_pickling_a_compiled_module_level_function():
    cf = dc.compile(_rosen_loop, max_recordings=3)
    x = np.linspace(-1.0, 1.0, 6)
    g = dc.gradient(cf, x)
    cf2 = pickle.loads(pickle.dumps(cf))
    assert type(cf2) is Compiled and cf2.fn is _rosen_loop
    assert cf2.max_recordings == 3 and cf2.recordings == 0
    assert np.array_equal(dc.gradient(cf2, x), g)
    assert cf2.recordings == 1


@dc.compile
def _decorated(x):
    return x[0] ** 2 * x[1]


@dc.compile(max_recordings=2)
def _decorated_with_arguments(x):
    return x[0] * x[1] ** 3


def test_compile_as_a_decorator():
    x = np.array([2.0, 3.0])
    assert type(_decorated) is Compiled and type(_decorated_with_arguments) is Compiled
    assert _decorated.__name__ == "_decorated"
    assert_ulps(dc.gradient(_decorated, x), [12.0, 4.0])
    assert _decorated_with_arguments.max_recordings == 2
    assert_ulps(dc.gradient(_decorated_with_arguments, x), [27.0, 54.0])
    assert _decorated(x) == 12.0
    # compiling a Compiled compiles its function
    assert dc.compile(_decorated).fn is _decorated.fn


def test_bad_arguments():
    with pytest.raises(TypeError, match="callable"):
        dc.compile(3)
    with pytest.raises(ValueError, match="max_recordings"):
        dc.compile(_rosen_loop, max_recordings=0)
    with pytest.raises(ValueError, match="max_instructions"):
        dc.compile(_rosen_loop, max_instructions=0)


def test_too_long_a_recording_falls_back():
    cf = dc.compile(_rosen_loop, max_instructions=10)
    x = np.linspace(-1.0, 1.0, 8)
    with pytest.warns(CompileWarning, match="max_instructions=10"):
        g = dc.gradient(cf, x)
    assert np.array_equal(g, dc.gradient(_rosen_loop, x))


def test_compile_docstring_example_runs():
    import doctest
    import dualcalc._compile as module
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module.compile, "compile", globs={}):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 3 and result.failed == 0


# ================================================================ 6. solvers
@pytest.mark.parametrize("method", ["newton", "newton-cg", "bfgs"])
@pytest.mark.parametrize("p", problems.PROBLEMS[:12], ids=lambda p: p.name)
def test_minimize_with_a_compiled_objective(p, method):
    cf = dc.compile(p.objective)
    with np.errstate(all="ignore"):
        r0 = minimize(p.objective, p.start(), method=method)
        r1 = minimize(cf, p.start(), method=method)
    assert np.array_equal(r1.x, r0.x) and r1.fun == r0.fun
    assert (r1.nit, r1.success) == (r0.nit, r0.success)
    assert cf.recordings >= 1


@pytest.mark.parametrize("p", problems.PROBLEMS[:12], ids=lambda p: p.name)
def test_least_squares_with_compiled_residuals(p):
    cr = dc.compile(p.residuals)
    with np.errstate(all="ignore"):
        r0 = least_squares(p.residuals, p.start())
        r1 = least_squares(cr, p.start())
    assert np.array_equal(r1.x, r0.x) and r1.nit == r0.nit
    assert cr.recordings >= 1


def test_root_with_a_compiled_system():
    def f(x):
        return [x[0] ** 2 + x[1] ** 2 - 4.0, x[0] - x[1] ** 3]
    cf = dc.compile(f)
    r0, r1 = root(f, [1.0, 0.5]), root(cf, [1.0, 0.5])
    assert r1.success and np.array_equal(r1.x, r0.x) and r1.nit == r0.nit
    assert cf.recordings == 1


def test_solvers_use_the_recording():
    """The solvers hand the Compiled itself to the verbs (no wrapping lambda):
    the function runs once, while recording."""
    calls = []

    def f(x):
        calls.append(1)
        return 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2
    cf = dc.compile(f)
    r = minimize(cf, [-1.2, 1.0], method="newton")
    assert r.success and len(calls) == 1 and cf.recordings == 1

    def res(x):
        calls.append(1)
        return [10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]]
    calls.clear()
    cr = dc.compile(res)
    assert least_squares(cr, [-1.2, 1.0]).success and len(calls) == 1
    calls.clear()
    cr = dc.compile(res)
    assert root(cr, [-1.2, 1.0]).success and len(calls) == 1


@pytest.mark.parametrize("method", ["trust-exact", "Newton-CG", "BFGS"])
def test_scipy_adapters_with_a_compiled_objective(method):
    pytest.importorskip("scipy.optimize")
    import dualcalc.scipy as dsc
    p = problems.get("wood")
    cf = dc.compile(p.objective)
    r0 = dsc.minimize(p.objective, p.start(), method=method)
    r1 = dsc.minimize(cf, p.start(), method=method)
    assert np.array_equal(r1.x, r0.x) and r1.nit == r0.nit and r1.fun == r0.fun
    assert cf.recordings == 1


def test_scipy_root_and_least_squares_with_compiled_residuals():
    pytest.importorskip("scipy.optimize")
    import dualcalc.scipy as dsc
    p = problems.get("powell singular")
    cr = dc.compile(p.residuals)
    r0, r1 = dsc.least_squares(p.residuals, p.start()), dsc.least_squares(cr, p.start())
    assert np.array_equal(r1.x, r0.x) and r1.nfev == r0.nfev
    p = problems.get("helical valley")
    cr = dc.compile(p.residuals)
    r0, r1 = dsc.root(p.residuals, p.start()), dsc.root(cr, p.start())
    assert np.array_equal(r1.x, r0.x) and r1.nfev == r0.nfev
    assert cr.recordings >= 1
