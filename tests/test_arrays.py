"""DualArray and HyperDualArray: the array layer against the scalars, mpmath and
exact formulas.

* Every rule of the rule table and every two-argument function, on both array
  types, dense and banded, equals the scalar Dual / HyperDual result element by
  element (bit for bit: one kernel serves both), including the zero-stays-zero
  rule and non-finite points.
* Reductions, structure operations and linear algebra against exact formulas
  (the tangents of a linear operation are the operation applied to the
  tangents; linear-algebra rules against mpmath derivatives at 30 digits).
* Indexing, assignment and views, comparisons, conversions, the NumPy
  protocols' error cases, tags and nesting, chunking and memory.
"""
import math
import os
import pickle
import tracemalloc

import mpmath as mp
import numpy as np
import pytest

import dualcalc as dc
from dualcalc import Dual, HyperDual
from dualcalc._core._vec import DualVec
from dualcalc._core import _arrays as A
from dualcalc._core import _scalar, _table
from dualcalc.arrays import (DualArray, DualArrayHandle, HyperDualArray, apply_rule,
                             seed_chunks)

# DUALCALC_TEST_SEED reruns the randomised cases with other data
RNG = np.random.default_rng(int(os.environ.get("DUALCALC_TEST_SEED", "20240611")))
IEEE = 0          # the scalar layer's ERR_IEEE mode: nan/inf, never raise

# one set of points for every rule: inside and outside each domain, at the
# edges, and non-finite -- the array and the scalar must agree everywhere
POINTS = np.array([-1e300, -171.5, -100.0, -3.7, -2.0, -1.0, -0.999, -0.5, -1e-10,
                   -0.0, 0.0, 5e-324, 1e-300, 0.3, 0.5, 0.999, 1.0, 1.5, 2.0, 3.0,
                   10.0, 171.6, 1e300, np.inf, -np.inf, np.nan])


def tangents(shape, k, zeros=True):
    """k random tangent rows with exact zeros sprinkled in."""
    e = RNG.normal(size=(k,) + shape)
    if zeros:
        e[RNG.random(e.shape) < 0.3] = 0.0
    return e


def same(a, b):
    """Bit-for-bit agreement up to the sign of zero (nan == nan)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    ok = (a == b) | (np.isnan(a) & np.isnan(b))
    assert ok.all(), (a[~ok], b[~ok])


def scalar_duals(x):
    """The DualArray x as an object array of scalar Duals per direction:
    out[j][i] = Dual(x.value[i], x.eps[j, i])."""
    return [[Dual(float(v), float(e), tag=x.tag) for v, e in zip(x.value.ravel(), row.ravel())]
            for row in x.eps]


# ================================================================ construction
def test_construction_and_attributes():
    v = np.arange(6.0).reshape(2, 3)
    e = RNG.normal(size=(4, 2, 3))
    x = DualArray(v, e, tag=7)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and x.ndirs == 4
    assert len(x) == 2 and x.tag == 7 and x.dtype == np.float64
    assert x.value is v and x.eps is e          # used as given, not copied
    assert x.T.shape == (3, 2) and np.array_equal(x.T.eps, np.swapaxes(e, 1, 2))
    rows = list(x)
    assert len(rows) == 2 and rows[1].shape == (3,) and np.array_equal(rows[1].eps, e[:, 1])
    r = repr(x)
    assert r.startswith("DualArray(") and "eps=" in r and "tag=7" in r
    assert "ndirs=4" in str(x)
    # a single direction may be given with value's own shape
    assert DualArray(np.ones(3), np.ones(3)).eps.shape == (1, 3)
    # ints are converted
    assert DualArray([1, 2], [[1, 0], [0, 1]]).value.dtype == np.float64
    h = HyperDualArray(np.ones(3), np.ones((2, 3)), np.ones((4, 3)), np.zeros((2, 4, 3)), 1, 2)
    assert h.ndirs == (2, 4) and h.shape == (3,) and (h.tag1, h.tag2) == (1, 2)
    assert "eps1eps2=" in repr(h) and "tag1=1" in repr(h)
    assert pickle.loads(pickle.dumps(x)).eps.tolist() == e.tolist()
    assert pickle.loads(pickle.dumps(h)).eps1eps2.shape == (2, 4, 3)


@pytest.mark.parametrize("args, message", [
    ((np.ones(3), np.ones((2, 4))), "eps must have shape"),
    ((np.ones(3), np.ones((3, 3)), -1), "tag"),
    ((np.ones(3), np.ones((1, 3)), 1.5), "tag"),
])
def test_construction_errors(args, message):
    with pytest.raises((ValueError, TypeError), match=message):
        DualArray(*args)


def test_construction_rejects_nesting_and_complex():
    x = DualArray(np.ones(2), np.eye(2))
    with pytest.raises(TypeError, match="cannot be nested"):
        DualArray(x, np.eye(2))
    with pytest.raises(TypeError, match="real numbers"):
        DualArray(np.ones(2, complex), np.eye(2))
    with pytest.raises(ValueError, match="eps1eps2 must have shape"):
        HyperDualArray(np.ones(2), np.ones((1, 2)), np.ones((1, 2)), np.ones((2, 1, 2)))


def test_zero_size_and_zero_d():
    x = DualArray(np.zeros(0), np.zeros((3, 0)))
    assert np.sin(x).shape == (0,) and np.sum(x).eps.tolist() == [0.0, 0.0, 0.0]
    s = DualArray(np.float64(2.0), np.array([1.0, 2.0]))
    assert s.shape == () and (s * s).eps.tolist() == [4.0, 8.0]
    with pytest.raises(TypeError):
        len(s)
    with pytest.raises(TypeError):
        iter(s)


# ================================================================ the rule table
def _rule_arrays(rid_name, banded):
    v = POINTS.copy()
    if banded:
        x = A.seed_identity(v, 0, v.size, tag=3)
    else:
        x = DualArray(v, tangents(v.shape, 3), tag=3)
    return x


@pytest.mark.parametrize("name", sorted(_table.RULES))
@pytest.mark.parametrize("banded", [False, True])
def test_every_rule_on_dual_arrays_equals_the_scalar(name, banded):
    rid = _table.RULES[name]
    x = _rule_arrays(name, banded)
    with np.errstate(all="ignore"):
        y = apply_rule(x, name)
        for j, row in enumerate(scalar_duals(x)):
            ref = [_scalar.unary_ieee(d, rid) for d in row]
            same(y.value, [r.value for r in ref])
            same(y.eps[j], [r.eps for r in ref])
    assert y.tag == 3


@pytest.mark.parametrize("name", sorted(_table.RULES))
@pytest.mark.parametrize("banded", [False, True])
def test_every_rule_on_hyperdual_arrays_equals_the_scalar(name, banded):
    rid = _table.RULES[name]
    v = POINTS.copy()
    n = v.size
    if banded:
        h = A.seed_identity_hyper(v, 0, n, 0, n, 1, 2)
    else:
        h = HyperDualArray(v, tangents((n,), 2), tangents((n,), 3), tangents((n,), 2 * 3)
                           .reshape(2, 3, n), 1, 2)
    e1, e2, e12 = h.eps1, h.eps2, h.eps1eps2
    with np.errstate(all="ignore"):
        y = apply_rule(h, name)
        for a in range(e1.shape[0]):
            for b in range(e2.shape[0]):
                ref = [_scalar.unary_ieee(HyperDual(v[i], e1[a, i], e2[b, i], e12[a, b, i], 1, 2),
                                          rid) for i in range(n)]
                same(y.value, [r.value for r in ref])
                same(y.eps1[a], [r.eps1 for r in ref])
                same(y.eps2[b], [r.eps2 for r in ref])
                same(y.eps1eps2[a, b], [r.eps1eps2 for r in ref])
    assert (y.tag1, y.tag2) == (1, 2)


@pytest.mark.parametrize("ufunc", sorted(_scalar._UNARY_UFUNCS, key=lambda u: u.__name__),
                         ids=lambda u: u.__name__)
def test_numpy_ufuncs_route_to_their_rule(ufunc):
    rid = _scalar._UNARY_UFUNCS[ufunc]
    x = DualArray(POINTS.copy(), tangents(POINTS.shape, 2))
    with np.errstate(all="ignore"):
        a = ufunc(x)
        b = A.apply_rule(x, rid)
    same(a.value, b.value)
    same(a.eps, b.eps)


def test_scipy_special_ufuncs_take_their_values_from_the_ufunc():
    # the rules live in dualcalc.special (checked against mpmath in
    # tests/test_special.py); the value is the scipy ufunc's own
    special = pytest.importorskip("scipy.special")
    x = DualArray(np.array([0.3, 1.7, 4.0]), np.eye(3))
    for ufunc in (special.erf, special.erfc, special.gamma, special.gammaln, special.psi):
        y = ufunc(x)
        same(y.value, ufunc(x.value))
        assert y.eps.shape == (3, 3) and np.all(y.eps[~np.eye(3, dtype=bool)] == 0)


# pairs for the two-argument functions: both signs, zeros, integers, non-finite
XY = [(a, b) for a in (-2.5, -2.0, -0.0, 0.0, 0.7, 1.0, 3.0, np.inf, np.nan)
      for b in (-3.0, -0.5, 0.0, 0.5, 2.0, 3.0, np.inf)]
XS = np.array([p[0] for p in XY])
YS = np.array([p[1] for p in XY])


@pytest.mark.parametrize("name", sorted(_table.BINARY))
def test_every_binary_function_on_dual_arrays_equals_the_scalar(name):
    op = _table.BINARY[name]
    n = XS.size
    ex = tangents((n,), 3)
    ey = tangents((n,), 3)
    x = DualArray(XS, ex, tag=2)
    y = DualArray(YS, ey, tag=2)
    with np.errstate(all="ignore"):
        cases = [(A.binary(x, y, op), lambda i, j: (Dual(XS[i], ex[j, i], 2), Dual(YS[i], ey[j, i], 2))),
                 (A.binary(x, YS, op), lambda i, j: (Dual(XS[i], ex[j, i], 2), YS[i])),
                 (A.binary(XS, y, op), lambda i, j: (XS[i], Dual(YS[i], ey[j, i], 2))),
                 (A.binary(x, 2.0, op), lambda i, j: (Dual(XS[i], ex[j, i], 2), 2.0))]
        for got, make in cases:
            for j in range(3):
                ref = [_scalar.binary_op(*make(i, j), op, IEEE) for i in range(n)]
                same(got.value, [r.value for r in ref])
                same(got.eps[j], [r.eps for r in ref])


@pytest.mark.parametrize("name", sorted(_table.BINARY))
def test_every_binary_function_on_hyperdual_arrays_equals_the_scalar(name):
    op = _table.BINARY[name]
    n = XS.size
    comps = [tangents((n,), 2), tangents((n,), 2), tangents((n,), 4).reshape(2, 2, n)]
    comps_y = [tangents((n,), 2), tangents((n,), 2), tangents((n,), 4).reshape(2, 2, n)]
    x = HyperDualArray(XS, *comps, 1, 2)
    y = HyperDualArray(YS, *comps_y, 1, 2)
    with np.errstate(all="ignore"):
        got = A.binary(x, y, op)
        for a in range(2):
            for b in range(2):
                ref = [_scalar.binary_op(
                    HyperDual(XS[i], comps[0][a, i], comps[1][b, i], comps[2][a, b, i], 1, 2),
                    HyperDual(YS[i], comps_y[0][a, i], comps_y[1][b, i], comps_y[2][a, b, i], 1, 2),
                    op, IEEE) for i in range(n)]
                same(got.value, [r.value for r in ref])
                same(got.eps1[a], [r.eps1 for r in ref])
                same(got.eps2[b], [r.eps2 for r in ref])
                same(got.eps1eps2[a, b], [r.eps1eps2 for r in ref])


@pytest.mark.parametrize("ufunc", sorted(_scalar._BINARY_UFUNCS, key=lambda u: u.__name__),
                         ids=lambda u: u.__name__)
def test_numpy_binary_ufuncs_and_operators(ufunc):
    op = _scalar._BINARY_UFUNCS[ufunc]
    x = DualArray(XS, tangents(XS.shape, 2))
    y = DualArray(YS, tangents(YS.shape, 2))
    with np.errstate(all="ignore"):
        a = ufunc(x, y)
        b = A.binary(x, y, op)
        same(a.value, b.value)
        same(a.eps, b.eps)
        # the same through NumPy's dispatch from an ndarray on the left
        c = ufunc(XS, y)
        same(c.eps, A.binary(XS, y, op).eps)


def test_python_operators():
    x = DualArray(np.array([1.5, -2.0, 3.0]), tangents((3,), 2))
    y = DualArray(np.array([0.5, 4.0, -1.0]), tangents((3,), 2))
    with np.errstate(all="ignore"):
        for expr, ufunc in [(x + y, np.add), (x - y, np.subtract), (x * y, np.multiply),
                            (x / y, np.true_divide), (x ** y, np.power),
                            (x // y, np.floor_divide), (x % y, np.remainder)]:
            ref = ufunc(x, y)
            same(expr.value, ref.value)
            same(expr.eps, ref.eps)
    same((-x).eps, -x.eps)
    same((+x).eps, x.eps)
    same(abs(x).eps, np.sign(x.value) * x.eps)
    same((2.0 - x).eps, -x.eps)
    np.testing.assert_allclose((1 / x).eps, -x.eps / x.value ** 2, rtol=1e-15)
    q, r = divmod(x, y)
    same(q.value, x.value // y.value)
    same(r.value, x.value % y.value)
    same((x ** 2).value, x.value * x.value)          # x**2 is x*x, as in NumPy
    same((x ** 2).eps, 2 * x.value * x.eps)
    same((2.0 ** x).eps, np.log(2.0) * 2.0 ** x.value * x.eps)


def test_integer_powers_of_negative_bases():
    x = DualArray(np.array([-2.0, -1.5]), np.ones((1, 2)))
    same((x ** 3).value, [-8.0, -3.375])
    same((x ** 3).eps, [[12.0, 6.75]])
    same(np.power(x, 3.0).eps, [[12.0, 6.75]])


def test_zero_stays_zero_where_the_derivative_is_infinite():
    x = DualArray(np.array([0.0, 4.0]), np.array([[0.0, 1.0], [1.0, 0.0]]))
    y = np.sqrt(x)
    assert y.eps[0, 0] == 0.0 and y.eps[0, 1] == 0.25
    assert y.eps[1, 0] == np.inf and y.eps[1, 1] == 0.0
    with np.errstate(divide="ignore"):
        z = np.log(x)
    assert z.eps[0, 0] == 0.0


def test_numpy_floating_point_warnings_and_errstate():
    x = DualArray(np.array([0.0, 1.0]), np.eye(2))
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        np.log(x)
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError):
            1.0 / x
    with np.errstate(all="ignore"):
        np.log(x - 5)                               # nan without a warning


def test_mixing_with_scalars_ndarrays_and_duals():
    x = DualArray(np.array([1.0, 2.0]), np.array([[1.0, 0.0]]), tag=4)
    d = Dual(3.0, 2.0, tag=4)
    for r in (x * d, d * x, np.multiply(x, d), np.multiply(d, x)):
        same(r.value, [3.0, 6.0])
        same(r.eps, [[3.0 + 2.0, 0.0 + 4.0]])
    r = np.ones(2) * d                               # a Dual meets an ndarray
    assert type(r) is DualArray and r.tag == 4 and r.eps.tolist() == [[2.0, 2.0]]
    r = np.arange(2.0) + d
    assert r.eps.tolist() == [[2.0, 2.0]]
    for c in (2, 2.0, np.float64(2.0), np.int32(2), True, [2.0, 2.0], np.array([2, 2])):
        same((x * c).eps, 2 * np.asarray(x.eps) if c is not True else x.eps)
    k3 = DualArray(np.array([1.0, 2.0]), np.ones((3, 2)), tag=4)
    with pytest.raises(TypeError, match="different numbers of directions"):
        k3 * d
    with pytest.raises(TypeError, match="complex"):
        x * np.array([1j, 2j])
    # object arrays and lists of dual numbers (np.array([...]) of dual elements)
    # act as the DualArray of their elements
    for o in (np.array([d, d], dtype=object), [d, d], np.array([d, 3.0], dtype=object)):
        r = x * o
        second = 3.0 if len(o) and not isinstance(o[1], Dual) else d
        same(r.value, [3.0, 2.0 * (second.value if isinstance(second, Dual) else 3.0)])
    r = x * [d, d]
    same(r.eps, [[3.0 + 2.0, 0.0 + 4.0]])
    with pytest.raises(TypeError, match="real numbers and dual numbers"):
        x * np.array([d, "a"], dtype=object)


def test_broadcasting():
    x = DualArray(RNG.normal(size=(3, 1)), tangents((3, 1), 2))
    y = DualArray(RNG.normal(size=(4,)), tangents((4,), 2))
    z = x * y
    assert z.shape == (3, 4) and z.eps.shape == (2, 3, 4)
    same(z.eps, x.eps * y.value + x.value * y.eps[:, None, :])
    with pytest.raises(ValueError, match="broadcast"):
        x.T * y


# ================================================================ comparisons, conversions
def test_comparisons_are_plain_boolean_arrays():
    x = DualArray(np.array([1.0, -2.0, 3.0]), np.eye(3))
    y = DualArray(np.array([1.0, 2.0, -3.0]), 2 * np.eye(3))
    for r, ref in [(x < y, [False, True, False]), (x <= y, [True, True, False]),
                   (x > 0, [True, False, True]), (x >= 1.0, [True, False, True]),
                   (x == y, [True, False, False]), (x != y, [False, True, True]),
                   (np.less(x, y), [False, True, False]), (np.isfinite(x), [True] * 3)]:
        assert type(r) is np.ndarray and r.dtype == bool and r.tolist() == ref
    assert type(x[0] > 0) is bool and bool(x[0] > 0)      # x[0] is a scalar (DualVec)
    if x[1] > 0:
        pytest.fail("x[1] is negative")
    assert bool(x[0]) and not bool(DualArray(0.0, [1.0]))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(x)


@pytest.mark.parametrize("convert", [
    float, int, complex, lambda v: [0, 1][v],
    lambda v: np.asarray(v, float), lambda v: np.array(v, float),
    lambda v: v.astype(int), lambda v: v.tolist(), lambda v: v.item(),
    lambda v: np.float64(v), lambda v: np.zeros(3).__setitem__(slice(0, v.size), v),
])
def test_conversions_that_would_drop_derivatives_raise_naming_value(convert):
    x = DualArray(np.array([1.0, 2.0]), np.eye(2))
    for v in (x[0], x):
        if type(v) is DualVec and _keeps_object(convert, v):
            continue        # np.array(x[0]): a 0-d object array holding the DualVec itself
        with pytest.raises(TypeError, match=r"\.value"):
            convert(v)


def test_asarray_gives_an_object_array_of_the_dual_elements():
    x = DualArray(np.array([[1.0, 2.0], [3.0, 4.0]]), np.arange(8.0).reshape(2, 2, 2), tag=3)
    for convert in (np.asarray, np.array, lambda v: np.array(v, dtype=object)):
        a = convert(x)
        assert type(a) is np.ndarray and a.dtype == object and a.shape == (2, 2)
        for i in range(2):
            for j in range(2):
                assert a[i, j].value == x.value[i, j] and a[i, j].tag == 3
                same(a[i, j].eps, x.eps[:, i, j])
    a = np.asarray(x[0, 1])                     # 0-d: a 0-d object array
    assert a.shape == () and a.dtype == object and a[()].value == 2.0
    b = np.array([x, 2 * x])                    # a list of dual arrays
    assert b.shape == (2, 2, 2) and b[1, 1, 0].value == 6.0
    same(b[1, 1, 0].eps, 2 * x.eps[:, 1, 0])
    y = np.sum(np.exp(np.asarray(x)) * 2.0)     # NumPy's object loops keep derivatives
    same(np.asarray(y.eps), np.sum(2 * np.exp(x.value) * x.eps, axis=(1, 2)))
def _keeps_object(convert, v):
    """Whether convert(v) is an object array holding v (no derivative dropped)."""
    try:
        r = convert(v)
    except TypeError:
        return False
    return isinstance(r, np.ndarray) and r.dtype == object and r.item() is v


def test_asanyarray_gives_a_forwarding_handle_and_asarray_a_nan_placeholder():
    x = DualArray(np.array([1.0, 2.0]), np.eye(2), tag=3)
    h = np.asanyarray(x)
    assert isinstance(h, DualArrayHandle) and isinstance(h, np.ndarray)
    assert h.shape == (2,) and h.dtype == np.float64 and not h.flags.writeable
    assert h.value is x.value and h.eps is x.eps and h.tag == 3
    y = h[1:] * h                       # every operation is x's
    assert type(y) is DualArray
    same((h * 2).eps, 2 * x.eps)
    same(np.sum(h).eps, [1.0, 1.0])
    same(np.sin(h).eps, np.cos(x.value) * x.eps)
    stripped = np.asarray(h)                  # the handle stripped to a plain array
    assert np.isnan(stripped).all()           # never values without derivatives
    assert (stripped.view(np.uint64) == np.uint64(0x7FF8DC0000DC0DE5)).all()
    assert "DualArray" in repr(h)
    a = x[0]                                    # a DualVec: an object array keeps it whole
    assert np.asarray(a).dtype == object and np.asarray(a).item() is a
    with pytest.raises(TypeError, match=r"\.value"):
        np.asarray(a, float)
    assert x.astype(np.float64).eps.tolist() == x.eps.tolist()


# ================================================================ indexing
def test_indexing_every_kind():
    v = RNG.normal(size=(4, 5, 3))
    e = tangents(v.shape, 2)
    x = DualArray(v, e)
    ia = np.array([0, 2, 3])
    ib = np.array([1, 4, 0])
    mask = v[:, :, 0] > 0
    for idx in [1, -1, (1, 2), (1, 2, 0), slice(1, 3), (slice(None), slice(None, None, 2)),
                Ellipsis, (Ellipsis, 1), (None, 1), (1, None, Ellipsis), ia, (ia, ib),
                (ia, slice(None), 1), (ia, 2, ib[:, None][:, :1] * 0 + 1), mask,
                (mask, 1), [0, 0, 3], (slice(1, 3), [0, 4]), (ia, slice(1, 3), ib % 3)]:
        y = x[idx]
        ref_v = v[idx]
        assert y.shape == np.shape(ref_v), idx
        same(y.value, ref_v)
        for j in range(2):
            same(y.eps[j], e[j][idx])


def test_integer_index_gives_a_0d_copy_that_scalar_code_can_use():
    x = DualArray(np.array([1.0, 2.0, 3.0]), np.eye(3))
    a = x[0]
    assert type(a) is DualVec and a.shape == () and a.ndirs == 3
    s = a
    s += x[1]                                   # scalar semantics: x is unchanged
    assert x.value.tolist() == [1.0, 2.0, 3.0] and x.eps[1, 0] == 0.0
    same(np.sin(x[2]).eps, [0.0, 0.0, math.cos(3.0)])
    same((x[0] * x[1]).eps, [2.0, 1.0, 0.0])
    total = 0.0
    for xi in x:
        total = total + xi * xi
    same(total.eps, [2.0, 4.0, 6.0])


def test_slices_are_views_and_assignment():
    x = DualArray(np.arange(5.0), np.eye(5), tag=1)
    y = x[1:4]
    y[0] = DualArray(10.0, np.full(5, 7.0), tag=1)
    assert x.value[1] == 10.0 and (x.eps[:, 1] == 7.0).all()
    x[3] = 0.5                                   # a constant: zero tangent
    assert x.value[3] == 0.5 and (x.eps[:, 3] == 0.0).all() and y.value[2] == 0.5
    x[[0, 4]] = x[[4, 0]]
    assert x.value[0] == 4.0 and x.eps[4, 0] == 1.0
    x[x.value > 5] = -1.0
    assert x.value.tolist() == [4.0, -1.0, 2.0, 0.5, 0.0]
    m = DualArray(np.zeros((2, 3, 4)), np.zeros((2, 2, 3, 4)))
    src = DualArray(np.ones((2, 3)), RNG.normal(size=(2, 2, 3)))
    m[[0, 1], :, [1, 3]] = src                  # advanced indices not adjacent
    same(m.eps[:, [0, 1], :, [1, 3]], np.moveaxis(src.eps, 0, 1))
    with pytest.raises(TypeError, match="another differentiation"):
        x[0] = DualArray(1.0, np.ones(5), tag=2)
    with pytest.raises(TypeError, match="directions"):
        x[0] = DualArray(1.0, np.ones(2), tag=1)
    with pytest.raises(TypeError, match="index"):
        x[x[0]]


def test_in_place_operators_write_into_the_array():
    x = DualArray(np.array([1.0, 2.0]), np.eye(2), tag=1)
    alias = x
    x += x
    x *= 3.0
    assert alias is x and x.value.tolist() == [6.0, 12.0] and x.eps.tolist() == [[6, 0], [0, 6]]
    with pytest.raises(TypeError, match="in-place"):
        x += DualArray(np.ones(2), np.eye(2), tag=2)


def test_banded_views_stay_views_through_densification():
    x0 = np.arange(1.0, 7.0)
    x = A.seed_identity(x0, 0, 6, tag=1)
    assert A.is_banded(x)
    y = x[1:]
    y[0] = 5.0
    assert x.value[1] == 5.0 and not x.eps[:, 1].any()
    x = A.seed_identity(x0, 0, 6, tag=1)
    z = np.exp(x)
    w = z[2:5]
    assert A.is_banded(w)
    z.eps[3, 3] = 42.0                          # densify through z ...
    assert w.eps[3, 1] == 42.0                  # ... and w sees the same memory


# ================================================================ ufunc keywords
def test_out_and_where():
    x = DualArray(np.array([0.5, 1.0, 2.0]), np.eye(3), tag=1)
    out = DualArray(np.full(3, -1.0), np.full((3, 3), -1.0), tag=1)
    r = np.sin(x, out=out, where=np.array([True, False, True]))
    assert r is out
    same(out.value, [math.sin(0.5), -1.0, math.sin(2.0)])
    same(out.eps[:, 1], [-1.0] * 3)
    np.multiply(x, 2.0, out=(out,))
    same(out.eps, 2 * np.eye(3))
    with pytest.raises(TypeError, match="out"):
        np.sin(x, out=np.zeros(3))
    with pytest.raises(TypeError, match="dtype"):
        np.sin(x, dtype=np.float32)
    assert np.isnan(x, out=np.zeros(3, bool)).tolist() == [False] * 3


# ================================================================ reductions
def _linear_check(f, x, *args, **kwargs):
    """f is linear: its tangents are f applied to each tangent row."""
    y = f(x, *args, **kwargs)
    same(y.value, f(x.value, *args, **kwargs))
    for j in range(x.ndirs):
        np.testing.assert_allclose(y.eps[j], f(x.eps[j], *args, **kwargs), rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_mean_and_add_reduce(axis, keepdims):
    x = DualArray(RNG.normal(size=(3, 4, 2)), tangents((3, 4, 2), 3))
    _linear_check(np.sum, x, axis=axis, keepdims=keepdims)
    _linear_check(np.mean, x, axis=axis, keepdims=keepdims)
    if axis is not None:
        _linear_check(np.add.reduce, x, axis=axis, keepdims=keepdims)
    assert x.sum(axis=axis, keepdims=keepdims).shape == x.value.sum(axis=axis, keepdims=keepdims).shape


def test_sum_keywords():
    x = DualArray(np.arange(4.0), np.eye(4))
    same(np.sum(x, where=np.array([True, False, True, False])).eps, [1, 0, 1, 0])
    assert np.sum(x, initial=10.0).value == 16.0
    assert np.sum(x, dtype=np.float64).value == 6.0
    with pytest.raises(TypeError, match="float64"):
        np.sum(x, dtype=np.int64)
    out = DualArray(np.zeros(()), np.zeros(4))
    np.sum(x, out=out)
    assert out.value == 6.0 and out.eps.tolist() == [1.0] * 4


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_cumsum_is_linear(axis):
    x = DualArray(RNG.normal(size=(3, 4)), tangents((3, 4), 2))
    _linear_check(np.cumsum, x, axis=axis)
    _linear_check(lambda a, **k: np.add.accumulate(a, axis=0 if axis is None else axis), x)


def _scalar_reduce(x, fn):
    """fn applied along the last axis to scalar Duals, per direction."""
    return np.array([[fn(row[i * x.shape[-1]:(i + 1) * x.shape[-1]]).eps
                      for i in range(x.size // x.shape[-1])] for row in scalar_duals(x)])


def _prod(ds):
    r = 1.0
    for d in ds:
        r = r * d
    return r


def test_prod_with_zeros_and_axes():
    v = np.array([[0.0, 2.0, 3.0], [1.5, -2.0, 0.0], [0.0, 0.0, 4.0]])
    x = DualArray(v, tangents(v.shape, 3))
    y = np.prod(x, axis=-1)
    same(y.value, v.prod(axis=-1))
    np.testing.assert_allclose(y.eps, _scalar_reduce(x, _prod), rtol=1e-15)
    assert np.prod(x).value == 0.0
    same(np.multiply.reduce(x, axis=1).eps, y.eps)
    assert np.prod(x, axis=0, keepdims=True).shape == (1, 3)
    h = HyperDualArray(v[0], np.eye(3), np.eye(3), np.zeros((3, 3, 3)))
    H = np.prod(h).eps1eps2                      # Hessian of x0 x1 x2 at (0, 2, 3)
    same(H, [[0, 3, 2], [3, 0, 0], [2, 0, 0]])


def test_cumprod_matches_scalar_duals():
    v = np.array([1.5, -2.0, 0.0, 3.0, 0.5])
    x = DualArray(v, tangents(v.shape, 2))
    y = np.cumprod(x)
    same(y.value, np.cumprod(v))
    for m in range(1, 6):
        ref = [_prod(row[:m]).eps for row in scalar_duals(x)]
        np.testing.assert_allclose(y.eps[:, m - 1], ref, rtol=1e-15, atol=1e-300)
    same(np.multiply.accumulate(x).value, np.cumprod(v))


@pytest.mark.parametrize("fn, argfn", [(np.max, np.argmax), (np.min, np.argmin)])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_max_min_carry_the_selected_elements_derivative(fn, argfn, axis):
    v = RNG.normal(size=(4, 3))
    x = DualArray(v, tangents(v.shape, 2))
    y = fn(x, axis=axis, keepdims=True)
    same(y.value, fn(v, axis=axis, keepdims=True))
    idx = argfn(v, axis=axis)
    for j in range(2):
        if axis is None:
            same(y.eps[j].ravel(), [x.eps[j].ravel()[idx]])
        else:
            same(np.squeeze(y.eps[j], axis), np.take_along_axis(
                x.eps[j], np.expand_dims(idx, axis), axis).squeeze(axis))
    same((np.maximum.reduce(x) if fn is np.max else np.minimum.reduce(x)).value, fn(v, axis=0))
    same(x.max().value if fn is np.max else x.min().value, fn(v))


def test_var_std_sort_and_arg_functions():
    v = np.array([3.0, 1.0, 2.0, 5.0])
    x = DualArray(v, np.eye(4))
    n = v.size
    same(np.var(x).eps, 2 * (v - v.mean()) / n)
    np.testing.assert_allclose(np.std(x, ddof=1).eps, (v - v.mean()) / ((n - 1) * v.std(ddof=1)))
    s = np.sort(x)
    same(s.value, np.sort(v))
    same(s.eps, np.eye(4)[:, np.argsort(v)])
    assert np.argsort(x).tolist() == np.argsort(v).tolist()
    assert np.argmax(x) == 3 and np.argmin(x) == 1 and x.argmax() == 3
    y = x.copy()
    y.sort()
    same(y.value, np.sort(v))


# ================================================================ structure operations
STRUCTURE = [
    ("reshape", lambda a: np.reshape(a, (6, 2)), lambda a: a.reshape(6, 2)),
    ("reshape F", lambda a: np.reshape(a, (4, 3), order="F"), None),
    ("ravel", np.ravel, lambda a: a.ravel()),
    ("transpose", np.transpose, lambda a: a.T),
    ("transpose axes", lambda a: np.transpose(a, (1, 0, 2)), lambda a: a.transpose(1, 0, 2)),
    ("swapaxes", lambda a: np.swapaxes(a, 0, -1), None),
    ("moveaxis", lambda a: np.moveaxis(a, 0, -1), None),
    ("squeeze", lambda a: np.squeeze(a[:, :1]), None),
    ("expand_dims", lambda a: np.expand_dims(a, (0, 2)), None),
    ("broadcast_to", lambda a: np.broadcast_to(a, (5, 2, 3, 2)), None),
    ("diagonal", lambda a: np.diagonal(a, 0, 0, 1), None),
    ("trace", lambda a: np.trace(a, 1, 0, 1), None),
    ("diag", lambda a: np.diag(a[:, :, 0]), None),
    ("diag 1-D", lambda a: np.diag(a[0, :, 0], k=1), None),
    ("tril", lambda a: np.tril(a[:, :, 0]), None),
    ("flip", lambda a: np.flip(a, 1), None),
    ("roll", lambda a: np.roll(a, 2, axis=0), None),
    ("take", lambda a: np.take(a, [0, 2, 1], axis=1), None),
    ("repeat", lambda a: np.repeat(a, 2, axis=0), None),
    ("tile", lambda a: np.tile(a, (2, 1, 1)), None),
    ("copy", np.copy, lambda a: a.copy()),
    ("cumsum", lambda a: np.cumsum(a, axis=1), None),
    ("diff", lambda a: np.diff(a, n=2, axis=1), None),
    ("atleast_3d", lambda a: np.atleast_3d(a[0, 0]), None),
]


@pytest.mark.parametrize("name, fn, method", STRUCTURE, ids=[s[0] for s in STRUCTURE])
@pytest.mark.parametrize("kind", ["dual", "hyper"])
def test_structure_operations_act_on_every_component(name, fn, method, kind):
    v = RNG.normal(size=(2, 3, 2))
    if kind == "dual":
        x = DualArray(v, tangents(v.shape, 2))
        comps = [("value", 0), ("eps", 1)]
    else:
        x = HyperDualArray(v, tangents(v.shape, 2), tangents(v.shape, 3),
                           tangents(v.shape, 6).reshape((2, 3) + v.shape))
        comps = [("value", 0), ("eps1", 1), ("eps2", 1), ("eps1eps2", 2)]
    for f in (fn, method) if method else (fn,):
        y = f(x)
        for attr, lead in comps:
            c = getattr(x, attr)
            if lead:
                parts = [f(c[idx]) for idx in np.ndindex(c.shape[:lead])]
                ref = np.array(parts).reshape(c.shape[:lead] + np.shape(parts[0]))
            else:
                ref = f(c)
            same(getattr(y, attr), ref)


@pytest.mark.parametrize("fn", [
    lambda a, b: np.concatenate([a, b], axis=1),
    lambda a, b: np.concatenate([a, b], axis=None),
    lambda a, b: np.stack([a, b], axis=-1),
    lambda a, b: np.hstack([a, b]),
    lambda a, b: np.vstack([a, b]),
    lambda a, b: np.column_stack([a[:, 0], b[:, 0]]),
    lambda a, b: np.append(a, b),
    lambda a, b: np.where(np.array([[True, False, True], [False, False, True]]), a, b),
])
def test_joining_dual_and_constant_operands(fn):
    u, w = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    x = DualArray(u, tangents(u.shape, 2), tag=5)
    for b in (DualArray(w, tangents(w.shape, 2), tag=5), w):
        y = fn(x, b)
        same(y.value, fn(u, b.value if isinstance(b, DualArray) else b))
        for j in range(2):
            same(y.eps[j], fn(x.eps[j], b.eps[j] if isinstance(b, DualArray) else np.zeros_like(w)))
        assert y.tag == 5


def test_where_clip_split_and_broadcast_arrays():
    x = DualArray(np.array([-2.0, 0.5, 3.0]), np.eye(3))
    y = np.where(x > 0, x * x, 1.0)
    same(y.value, [1.0, 0.25, 9.0])
    same(y.eps, np.diag([0.0, 1.0, 6.0]))
    c = np.clip(x, -1.0, 1.0)
    same(c.value, [-1.0, 0.5, 1.0])
    same(c.eps, np.diag([0.0, 1.0, 0.0]))
    same(x.clip(max=0.0).eps, np.diag([1.0, 0.0, 0.0]))
    lo = DualArray(np.full(3, -1.0), 2 * np.eye(3))
    same(np.clip(x, lo, None).eps, np.diag([2.0, 1.0, 1.0]))
    parts = np.split(x, 3)
    assert len(parts) == 3 and parts[2].eps.tolist() == [[0.0], [0.0], [1.0]]
    a, b = np.broadcast_arrays(x, np.zeros((2, 1)))
    assert a.shape == (2, 3) and a.eps.shape == (3, 2, 3)
    assert np.where(x > 0)[0].tolist() == [1, 2]


def test_shape_queries_and_likes():
    x = DualArray(np.ones((2, 3)), np.ones((4, 2, 3)), tag=2)
    assert np.shape(x) == (2, 3) and np.ndim(x) == 2 and np.size(x) == 6
    assert np.result_type(x, 1.0) == np.float64
    z = np.zeros_like(x)
    assert type(z) is DualArray and z.tag == 2 and z.ndirs == 4 and not z.eps.any()
    z[0] = x[1] * 2
    assert z.eps[:, 0].tolist() == [[2.0] * 3] * 4
    assert np.ones_like(x).value.sum() == 6.0
    assert np.full_like(x, 3.0).value[0, 0] == 3.0
    assert np.zeros_like(x, dtype=int).dtype == int
    assert np.allclose(x, 1.0) and np.count_nonzero(x) == 6


# ================================================================ linear algebra
def _direction(f, *args):
    """d/dt f(args[i].value + t * args[i].eps[0]) at t = 0, by mpmath (30 digits)
    on an mpmath matrix function f."""
    mp.mp.dps = 30

    def g(t):
        mats = [mp.matrix(a.value.tolist()) + t * mp.matrix(a.eps[0].tolist())
                if isinstance(a, DualArray) else mp.matrix(np.asarray(a).tolist()) for a in args]
        return f(*mats)
    return g


def _mp_diff(g, shape):
    out = np.zeros(shape)
    for idx in np.ndindex(shape):
        def comp(t, idx=idx):
            r = g(t)
            if not shape:
                return r
            return r[idx[0]] if len(idx) == 1 else r[idx]
        out[idx] = float(mp.diff(comp, 0))
    return out


def test_inv_solve_det_against_mpmath():
    A0 = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
    b0 = RNG.normal(size=3)
    Ad = DualArray(A0, RNG.normal(size=(1, 3, 3)))
    bd = DualArray(b0, RNG.normal(size=(1, 3)))
    X = np.linalg.inv(Ad)
    np.testing.assert_allclose(X.eps[0], _mp_diff(_direction(lambda a: a ** -1, Ad), (3, 3)),
                               rtol=1e-13)
    x = np.linalg.solve(Ad, bd)
    ref = _mp_diff(_direction(lambda a, b: mp.lu_solve(a, b), Ad, bd), (3,))
    np.testing.assert_allclose(x.eps[0], ref, rtol=1e-13)
    same(x.value, np.linalg.solve(A0, b0))
    d = np.linalg.det(Ad)
    np.testing.assert_allclose(d.eps[0], float(mp.diff(_direction(mp.det, Ad), 0)), rtol=1e-13)
    B = DualArray(RNG.normal(size=(3, 2)), RNG.normal(size=(1, 3, 2)))
    xm = np.linalg.solve(A0, B)                       # constant matrix, dual right-hand sides
    np.testing.assert_allclose(xm.eps[0], np.linalg.solve(A0, B.eps[0]), rtol=1e-13)
    sign, logdet = np.linalg.slogdet(Ad)
    np.testing.assert_allclose(logdet.eps[0], d.eps[0] / d.value, rtol=1e-13)


def test_det_of_a_singular_matrix_uses_the_adjugate():
    A0 = np.array([[1.0, 2.0], [2.0, 4.0]])
    d = np.linalg.det(DualArray(A0, np.eye(4).reshape(4, 2, 2)))
    same(np.round(d.eps, 12), [4.0, -2.0, -2.0, 1.0])    # adj(A)^T, flattened


def test_second_order_linear_algebra_against_mpmath():
    mp.mp.dps = 30
    A0 = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
    A1, A2, A12 = RNG.normal(size=(3, 3, 3))
    b0 = RNG.normal(size=3)
    h = HyperDualArray(A0, A1[None], A2[None], A12[None, None])

    def at(t, s):
        return mp.matrix(A0.tolist()) + t * mp.matrix(A1.tolist()) + s * mp.matrix(
            A2.tolist()) + t * s * mp.matrix(A12.tolist())

    def d2(f, idx=None):
        return float(mp.diff(lambda t, s: f(at(t, s)) if idx is None else f(at(t, s))[idx],
                             (0, 0), (1, 1)))
    np.testing.assert_allclose(np.linalg.det(h).eps1eps2[0, 0], d2(mp.det), rtol=1e-12)
    X = np.linalg.inv(h).eps1eps2[0, 0]
    np.testing.assert_allclose(X, [[d2(lambda a: a ** -1, (i, j)) for j in range(3)]
                                   for i in range(3)], rtol=1e-11, atol=1e-13)
    x = np.linalg.solve(h, b0).eps1eps2[0, 0]
    np.testing.assert_allclose(x, [d2(lambda a: mp.lu_solve(a, mp.matrix(b0.tolist())), i)
                                   for i in range(3)], rtol=1e-11, atol=1e-13)


def _bilinear_check(f, a_shape, b_shape):
    """f bilinear: d f = f(da, b) + f(a, db); second order f(a1, b2) + f(a2, b1) + ..."""
    a0, b0 = RNG.normal(size=a_shape), RNG.normal(size=b_shape)
    ea, eb = RNG.normal(size=(2,) + a_shape), RNG.normal(size=(2,) + b_shape)
    y = f(DualArray(a0, ea), DualArray(b0, eb))
    np.testing.assert_allclose(y.value, f(a0, b0), rtol=1e-12, atol=1e-12)
    for j in range(2):
        np.testing.assert_allclose(y.eps[j], f(ea[j], b0) + f(a0, eb[j]), rtol=1e-12, atol=1e-12)
    y = f(a0, DualArray(b0, eb))
    np.testing.assert_allclose(y.eps[1], f(a0, eb[1]), rtol=1e-12, atol=1e-12)
    y = f(DualArray(a0, ea), b0)
    np.testing.assert_allclose(y.eps[1], f(ea[1], b0), rtol=1e-12, atol=1e-12)
    a1, a2, a12 = RNG.normal(size=(3,) + a_shape)
    b1, b2, b12 = RNG.normal(size=(3,) + b_shape)
    h = f(HyperDualArray(a0, a1[None], a2[None], a12[None, None]),
          HyperDualArray(b0, b1[None], b2[None], b12[None, None]))
    np.testing.assert_allclose(h.eps1eps2[0, 0], f(a12, b0) + f(a0, b12) + f(a1, b2) + f(a2, b1),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("f, a_shape, b_shape", [
    (np.matmul, (3, 4), (4, 2)), (np.matmul, (4,), (4, 2)), (np.matmul, (3, 4), (4,)),
    (np.matmul, (4,), (4,)), (np.matmul, (2, 3, 4), (4, 5)), (np.matmul, (3,), (2, 3, 4)),
    (np.matmul, (2, 3, 4), (4,)), (lambda a, b: a @ b, (3, 4), (4, 2)),
    (np.dot, (3, 4), (4,)), (np.dot, (2, 3, 4), (5, 4, 2)), (np.dot, (), (3,)),
    (np.inner, (3, 4), (2, 4)), (np.outer, (3,), (2, 2)), (np.vdot, (2, 3), (6,)),
    (lambda a, b: np.tensordot(a, b, axes=([1, 0], [0, 2])), (3, 4), (4, 2, 3)),
    (lambda a, b: np.einsum("ij,jk->ik", a, b), (3, 4), (4, 2)),
    (lambda a, b: np.einsum("i...,i", a, b), (3, 2, 2), (3,)),
    (lambda a, b: np.einsum("ii,ij", a, b), (3, 3), (3, 2)),
    (lambda a, b: np.multiply.outer(a, b), (2,), (3,)),
])
def test_bilinear_operations(f, a_shape, b_shape):
    _bilinear_check(f, a_shape, b_shape)


def test_einsum_three_operands():
    a, b, c = (RNG.normal(size=s) for s in [(2, 3), (3, 4), (4,)])
    ea, eb, ec = (RNG.normal(size=(1,) + np.shape(x)) for x in (a, b, c))
    y = np.einsum("ij,jk,k->i", DualArray(a, ea), DualArray(b, eb), DualArray(c, ec))
    ref = (np.einsum("ij,jk,k->i", ea[0], b, c) + np.einsum("ij,jk,k->i", a, eb[0], c)
           + np.einsum("ij,jk,k->i", a, b, ec[0]))
    np.testing.assert_allclose(y.eps[0], ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("ord, axis", [(None, None), (2, None), (1, None), (np.inf, None),
                                       (-np.inf, None), (3, None), (0, None), (None, 1),
                                       ("fro", (0, 1)), (1, (0, 1)), (np.inf, (0, 1))])
def test_norm(ord, axis):
    v = np.array([[3.0, -4.0, 1.0], [0.5, 2.0, -2.5]])
    if axis is None and ord not in (None, "fro"):
        v = v[0]
    x = DualArray(v, np.eye(v.size).reshape((v.size,) + v.shape))
    y = np.linalg.norm(x, ord=ord, axis=axis)
    same(y.value, np.linalg.norm(v, ord=ord, axis=axis))
    h = 1e-7                       # central differences: only a plausibility check here
    fd = np.array([(np.linalg.norm(v + h * e, ord=ord, axis=axis)
                    - np.linalg.norm(v - h * e, ord=ord, axis=axis)) / (2 * h)
                   for e in np.eye(v.size).reshape((v.size,) + v.shape)])
    np.testing.assert_allclose(y.eps, fd, rtol=1e-6, atol=1e-8)


def test_norm_exact_and_at_zero():
    v = np.array([3.0, -4.0])
    x = DualArray(v, np.eye(2))
    np.testing.assert_allclose(np.linalg.norm(x).eps, v / 5.0, rtol=1e-15)
    z = np.linalg.norm(DualArray(np.zeros(3), np.eye(3)))
    assert z.value == 0.0 and z.eps.tolist() == [0.0, 0.0, 0.0]


def test_polyval_and_interp():
    p = np.array([2.0, -1.0, 3.0])
    x = DualArray(np.array([0.5, 2.0]), np.eye(2))
    y = np.polyval(p, x)
    same(y.value, np.polyval(p, x.value))
    same(y.eps, np.diag(4 * x.value - 1))
    pd = DualArray(p, np.eye(3))
    same(np.polyval(pd, 2.0).eps, [4.0, 2.0, 1.0])
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
    xi = DualArray(np.array([-1.0, 0.5, 1.0, 2.0, 4.0]), np.eye(5))
    r = np.interp(xi, xp, fp)
    same(r.value, np.interp(xi.value, xp, fp))
    same(np.diag(r.eps), [0.0, 2.0, 0.5, 0.5, 0.0])
    with pytest.raises(TypeError, match="in x only"):
        np.interp(1.0, xp, DualArray(fp, np.eye(3)))


# ================================================================ unsupported
@pytest.mark.parametrize("call, name", [
    (lambda x: np.linalg.multi_dot([x, x, x]), "numpy.linalg.multi_dot"),
    (lambda x: np.linalg.cond(x), "numpy.linalg.cond"),
    (lambda x: np.unwrap(x), "numpy.unwrap"), (lambda x: np.i0(x), "numpy.i0"),
    (lambda x: np.linalg.tensorinv(x, 1), "numpy.linalg.tensorinv"),
])
def test_unsupported_functions_raise_naming_themselves(call, name):
    x = DualArray(np.eye(2), np.ones((1, 2, 2)))
    with pytest.raises(TypeError) as info:
        call(x)
    msg = str(info.value)
    assert msg.startswith("dualcalc: " + name + " is not supported on dual arrays")
    assert "dualcalc.arrays.SUPPORTED_FUNCTIONS" in msg and "matmul" not in msg
    assert "test_arrays.py:" in msg            # where the user's code called it
    if name in ("numpy.linalg.multi_dot", "numpy.linalg.cond"):
        assert "Instead:" in msg


@pytest.mark.parametrize("call, name", [
    (lambda x: np.gcd(x, x), "gcd"), (lambda x: np.bitwise_and(x, x), "bitwise_and"),
    (lambda x: np.multiply.at(x, [0], 1.0), "multiply.at"), (lambda x: np.spacing(x), "spacing"),
])
def test_unsupported_ufuncs_raise_naming_themselves(call, name):
    x = DualArray(np.ones(2), np.eye(2))
    with pytest.raises(TypeError, match="numpy." + name.replace(".", r"\.") + " is not supported"):
        call(x)


def test_unsupported_scipy_ufunc_is_named_as_scipy_calls_it():
    special = pytest.importorskip("scipy.special")
    x = DualArray(np.ones(2), np.eye(2))
    with pytest.raises(TypeError) as info:
        special.ellipkm1(x)
    msg = str(info.value)
    assert msg.startswith("dualcalc: scipy.special.ellipkm1 ")
    assert "numpy.ellipkm1" not in msg and "register_ufunc" in msg


def test_matrix_norm_orders_where_no_derivative_exists_are_refused():
    # the identity's two equal singular values: the 2-norm has no derivative
    with pytest.raises(ValueError, match="ord=2"):
        np.linalg.norm(DualArray(np.eye(2), np.eye(4).reshape(4, 2, 2)), ord=2)


# ================================================================ tags and nesting
def test_different_tags_nest_into_a_hyperdual_array():
    x0 = np.array([0.3, 1.2])
    u = DualArray(x0, np.eye(2), tag=1)
    v = DualArray(x0, np.eye(2), tag=2)
    r = np.sum(np.sin(u) * v)                 # d2/du dv of sum(sin(u) v) = diag(cos x)
    assert type(r) is HyperDualArray and (r.tag1, r.tag2) == (1, 2)
    same(r.eps1eps2, np.diag(np.cos(x0)))
    r2 = v * np.sin(u)                         # eps1 still belongs to the smaller tag
    same(r2.eps1, np.diag(np.cos(x0)) * x0)
    d = Dual(0.5, 1.0, tag=1)
    r3 = v * d                                 # a scalar Dual of another tag
    assert type(r3) is HyperDualArray and r3.ndirs == (1, 2)
    with pytest.raises(TypeError, match="third level"):
        r * DualArray(x0, np.eye(2), tag=3)


def test_structure_operations_lift_mixed_tags():
    u = DualArray(np.ones(2), np.eye(2), tag=1)
    v = DualArray(np.ones(2), np.eye(2), tag=2)
    s = np.stack([u, v])
    assert type(s) is HyperDualArray and s.shape == (2, 2)
    same(s.eps1[:, 0], np.eye(2))
    same(s.eps2[:, 1], np.eye(2))


# ================================================================ chunking and memory
def test_seed_chunks_cover_every_direction():
    so = pytest.importorskip("scipy.optimize")
    x = np.linspace(-1.0, 1.5, 11)
    g = np.empty(11)
    for start, stop, xd in seed_chunks(x, chunk=4, tag=9):
        assert xd.ndirs == stop - start and xd.tag == 9
        g[start:stop] = so.rosen(xd).eps
    np.testing.assert_allclose(g, so.rosen_der(x), rtol=1e-13)
    with pytest.raises(ValueError):
        list(seed_chunks(x, chunk=0))


def test_default_chunk_bounds_one_dense_temporary():
    from dualcalc.arrays import CHUNK_ELEMENTS, default_chunk
    assert default_chunk(10) == 10 and default_chunk(2048) == 2048
    assert default_chunk(10_000) * 10_000 <= CHUNK_ELEMENTS
    assert default_chunk(10 ** 7) == 32


def test_gradient_at_ten_thousand_inputs_stays_well_under_a_gibibyte():
    so = pytest.importorskip("scipy.optimize")
    n = 10_000
    x = np.linspace(-1.0, 1.0, n)
    g = np.empty(n)
    tracemalloc.start()
    try:
        for start, stop, xd in seed_chunks(x):
            # dense tangents on purpose (a copy of the seed), the worst case
            xd = DualArray(x, xd.eps.copy(), tag=xd.tag)
            g[start:stop] = so.rosen(xd).eps
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(g, so.rosen_der(x), rtol=1e-12)
    assert peak < 2 ** 30, peak


def test_square_by_power_overflows_like_numpy():
    """x**2 takes the square rule; where it overflows NumPy's own warning is
    emitted (np.power's one-argument replay raised TypeError)."""
    with pytest.warns(RuntimeWarning, match="overflow"):
        v, g = dc.value_and_gradient(lambda w: np.sum(w ** 2), np.array([1e200, 1.0]))
    assert v == np.inf and g[0] == 2e200 and g[1] == 2.0


def test_inplace_floor_divide_and_mod_write_through_views():
    # y[1:] //= 2 and y[:2] %= 1.5 on views must change y, as they do on floats
    def f(x):
        y = x * 3.0
        v = y[1:]
        v //= 2.0
        w = y[:2]
        w %= 1.5
        return y
    x = np.array([0.7, 1.9, 2.6])
    value, J = dc.value_and_jacobian(f, x)
    np.testing.assert_array_equal(value, f(x.copy()))
    # (3 x0) mod 1.5 has slope 3; the floor-divided entries are piecewise constant
    np.testing.assert_array_equal(J, [[3.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    # second order: the Hessian of sum(y**2) through the same in-place updates
    H = dc.hessian(lambda x: np.sum(f(x) ** 2), x)
    np.testing.assert_array_equal(H, np.diag([18.0, 0.0, 0.0]))
