"""DualVec and HyperDualVec: the k-direction scalars of scalar-style code.

* every rule of the table on both types against mpmath (the points, references
  and entry points of test_rules.py), with a scaled and an exactly-zero
  direction beside the unit one: the scaled direction checks the chain rule per
  direction, the zero one the zero-tangent rule (even where g' is inf or nan);
* every two-argument function against its partials (the same exact equalities
  test_rules.py asserts for Dual/HyperDual), with the perturbation in x, y,
  both, and in two different tags;
* arithmetic with every kind of operand, on both sides: each direction of a
  DualVec behaves bit for bit like a Dual;
* tags across nesting, pickle and repr, memory, and the verbs on scalar-style
  code against the array path.
"""
import copy
import gc
import math
import operator
import pickle
import struct

import mpmath as mp
import numpy as np
import pytest

import dualcalc as dc
import dualcalc.math as dm
from dualcalc import Dual, DualArray, DualVec, HyperDual, HyperDualArray, HyperDualVec
from dualcalc._core import _arrays
from dualcalc._core._table import BINARY, RULES, partials
from dualcalc.optimize import problems

from conftest import check
from test_memory import SLACK, rss
from test_rules import (BINARY_ENTRIES, ENTRIES, POINTS, _DM, _binary_sample,
                        _entry_name, reference)


def bits(v):
    return struct.pack("<d", v)


def same_float(a, b):
    """Equal, or both nan."""
    return a == b or (a != a and b != b)


# ================================================================ the rule table
D_SEED = [1.0, 0.0, -2.0]             # unit, exactly zero, scaled (exact in binary)
H_SEED1 = [1.0, 0.0]
H_SEED2 = [1.0, -2.0]


def _vec_outputs(f, x):
    """[(label, got, k, scale)]: got should be scale * (g, g', g'')[k] (scale 0:
    exactly zero)."""
    d = f(DualVec(x, D_SEED))
    h = f(HyperDualVec(x, H_SEED1, H_SEED2))
    assert type(d) is DualVec and type(h) is HyperDualVec, f
    e, e1, e2, e12 = d.eps, h.eps1, h.eps2, h.eps1eps2
    return [("DualVec.value", d.value, 0, 1.0), ("DualVec.eps[0]", e[0], 1, 1.0),
            ("DualVec.eps[1]", e[1], 1, 0.0), ("DualVec.eps[2]", e[2], 1, -2.0),
            ("HyperDualVec.value", h.value, 0, 1.0), ("eps1[0]", e1[0], 1, 1.0),
            ("eps1[1]", e1[1], 1, 0.0), ("eps2[0]", e2[0], 1, 1.0),
            ("eps2[1]", e2[1], 1, -2.0), ("eps1eps2[0, 0]", e12[0, 0], 2, 1.0),
            ("eps1eps2[0, 1]", e12[0, 1], 2, -2.0), ("eps1eps2[1, 0]", e12[1, 0], 2, 0.0),
            ("eps1eps2[1, 1]", e12[1, 1], 2, 0.0)]


@pytest.mark.parametrize("name", sorted(n for n in RULES if ENTRIES[n]))
def test_rule_on_vec_types_against_mpmath(name):
    bad = []
    count = 0
    for x in POINTS[name]:
        vals, conds = reference(name, x)
        for f in ENTRIES[name]:
            if f in _DM:
                try:
                    # Python 3.10's math has no cbrt/exp2: dualcalc.math's own
                    # float path (2.0 ** x, ...) stands for it there
                    getattr(math, f.__name__, f)(x)
                except (OverflowError, ValueError) as e:
                    with pytest.raises(type(e)):
                        f(DualVec(x, D_SEED))
                    with pytest.raises(type(e)):
                        f(HyperDualVec(x, H_SEED1, H_SEED2))
                    continue
            with np.errstate(all="ignore"):
                outs = _vec_outputs(f, x)
                dual = f(Dual(x, 1.0))
                hyper = f(HyperDual(x, 1.0, 1.0, 0.0))
            for label, got, k, scale in outs:
                where = "{0} {1} at x={2!r}".format(_entry_name(f), label, x)
                if scale == 0.0:
                    if got != 0.0:                  # the zero-tangent rule
                        bad.append(where + ": {0!r}, not exactly 0".format(got))
                    continue
                ok, ratio = check(got, vals[k] * scale, conds[k])
                count += 1
                if not ok:
                    bad.append("{0}: {1!r}, mpmath {2} (err/allowed {3:.3g})".format(
                        where, got, mp.nstr(vals[k] * scale, 20), ratio))
            # the unit direction is the Dual / HyperDual number, bit for bit
            d, h = outs[1][1], outs[9][1]
            if not (same_float(d, dual.eps) and same_float(h, hyper.eps1eps2)):
                bad.append("{0} at x={1!r}: differs from Dual/HyperDual".format(
                    _entry_name(f), x))
    assert count >= 100 and not bad, "\n".join(bad[:20])


def test_every_rule_with_an_entry_is_checked():
    assert {n for n in RULES if ENTRIES[n]} == set(RULES) - {"digamma"}


def _vec_seeded(f, a, b):
    with np.errstate(all="ignore"):
        return {
            "x": f(DualVec(a, [1.0, 0.0]), b),
            "y": f(a, DualVec(b, [0.0, 1.0])),
            "xy": f(DualVec(a, [1.0, 0.0]), DualVec(b, [0.0, 1.0])),
            "hx": f(HyperDualVec(a, [1.0], [1.0]), b),
            "hy": f(a, HyperDualVec(b, [1.0], [1.0])),
            "h": f(HyperDualVec(a, [1.0, 0.0], [1.0, 0.0]),
                   HyperDualVec(b, [0.0, 1.0], [0.0, 1.0])),
            "tags": f(DualVec(a, [1.0], tag=1), DualVec(b, [1.0], tag=2)),
            "dual": f(DualVec(a, [1.0, 0.0], tag=1), Dual(b, 1.0, tag=2)),
        }


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_functions_on_vec_types_against_the_partials(name):
    """The bivariate chain rule per direction: gradients [Fx, Fy] and the
    Hessian block [[Fxx, Fxy], [Fxy, Fyy]] exactly (the partials are checked
    against mpmath in test_rules.py)."""
    count = 0
    for a, b in _binary_sample(name):
        F, Fx, Fy, Fxx, Fxy, Fyy = partials(name, a, b)
        for f in BINARY_ENTRIES[name]:
            try:
                r = _vec_seeded(f, a, b)
            except (ValueError, OverflowError, ZeroDivisionError) as e:
                with pytest.raises(type(e)):
                    f(a, b)
                continue
            where = "{0} {1}({2!r}, {3!r})".format(name, _entry_name(f), a, b)
            if f is dm.hypot:
                F = math.hypot(a, b)
            for k in ("x", "y", "xy"):
                assert type(r[k]) is DualVec and r[k].value == F, where
            assert r["x"].eps.tolist() == [Fx, 0.0], where
            assert r["y"].eps.tolist() == [0.0, Fy], where
            assert r["xy"].eps.tolist() == [Fx, Fy], where
            hx, hy, h, tg, du = r["hx"], r["hy"], r["h"], r["tags"], r["dual"]
            assert (hx.value, hx.eps1[0], hx.eps2[0], hx.eps1eps2[0, 0]) == (F, Fx, Fx, Fxx), where
            assert (hy.value, hy.eps1[0], hy.eps2[0], hy.eps1eps2[0, 0]) == (F, Fy, Fy, Fyy), where
            assert h.value == F and h.eps1.tolist() == [Fx, Fy] == h.eps2.tolist(), where
            assert h.eps1eps2.tolist() == [[Fxx, Fxy], [Fxy, Fyy]], where
            assert type(tg) is HyperDualVec and (tg.tag1, tg.tag2) == (1, 2), where
            assert (tg.value, tg.eps1[0], tg.eps2[0], tg.eps1eps2[0, 0]) == (F, Fx, Fy, Fxy), where
            assert du.ndirs == (2, 1) and du.eps1.tolist() == [Fx, 0.0], where
            assert du.eps2.tolist() == [Fy] and du.eps1eps2.tolist() == [[Fxy], [0.0]], where
            count += 1
    assert count >= 10


# ================================================================ mixed operands
OPS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
       operator.mod, operator.floordiv]
REALS = [2, -3, 2.5, 0.5, np.float64(1.5), np.float32(0.25), np.int32(3), np.int64(-2),
         True]


@pytest.mark.parametrize("op", OPS, ids=lambda o: o.__name__)
def test_each_direction_is_a_dual(op):
    """DualVec op c and c op DualVec equal, direction by direction, the Dual
    results bit for bit (for Python and NumPy reals on either side)."""
    v, eps = 1.75, [1.0, -2.5, 0.0, 3e-300]
    x = DualVec(v, eps, tag=4)
    for c in REALS:
        with np.errstate(invalid="ignore"):          # NumPy's own warning for (-2) ** 1.75
            _compare_directions(op, x, v, eps, c)
    y = DualVec(-0.75, [0.5, 1.0, -1.0, 0.0], tag=4)
    try:
        ref = [op(Dual(v, a, tag=4), Dual(-0.75, b, tag=4)) for a, b in zip(eps, y.eps)]
    except (ZeroDivisionError, ValueError):
        return
    got = op(x, y)
    assert [got.value] + got.eps.tolist() == [ref[0].value] + [r.eps for r in ref]


def _compare_directions(op, x, v, eps, c):
    for left in (True, False):
        try:
            ref = [op(Dual(v, e, tag=4), c) if left else op(c, Dual(v, e, tag=4))
                   for e in eps]
        except (ZeroDivisionError, ValueError) as exc:
            with pytest.raises(type(exc)):
                op(x, c) if left else op(c, x)
            continue
        got = op(x, c) if left else op(c, x)
        assert type(got) is DualVec and got.tag == 4, (op, c, left)
        assert bits(got.value) == bits(ref[0].value), (op, c, left)
        for j, r in enumerate(ref):
            assert got.eps[j] == r.eps or (got.eps[j] != got.eps[j] and r.eps != r.eps), \
                (op, c, left, j, got.eps[j], r.eps)


# x ** c for x <= 0 and a whole c skips the general rule's partials in the
# exponent (a constant does not use them); the numbers must stay the general
# rule's, signs of zero included.  The general rule is what x ** y gives for a y
# of the same differentiation whose tangents are all zero.
POW_BASES = [-1.2, -0.0, 0.0, -3.5, -1e-200, -1e200, -7.0, -0.5]
POW_EXPONENTS = [0, 1, 2, 3, 4, 5, -1, -2, -3, 2.0, np.float64(3.0), np.int64(2), True, 1e16]
POW_TANGENTS = [1.0, -0.0, 0.0, 2.5e-310, -3.0, 1e-300, -1e300, 0.5]


def _all_bits(values):
    return [bits(v) for v in values]


def _whole_power_pair(kind, v, c):
    """(x, y): x of this kind at v with tangents that mix zeros of both signs,
    tiny and huge values, and y = c of the same differentiation with zero
    tangents (x ** y is the general rule)."""
    if kind == "DualVec":
        k = len(POW_TANGENTS)
        return (DualVec(v, POW_TANGENTS, tag=3), DualVec(float(c), [0.0] * k, tag=3))
    e12 = [[0.0, -0.0, 1.0, 2.0], [-0.0, 3.0, 0.0, 1e-310], [1.0, 0.0, -0.0, -2.0],
           [0.25, -0.0, 1e300, 0.0]]
    x = HyperDualVec(v, [1.0, -0.0, 2.5e-310, -3.0], [0.0, 1.0, -1e-300, 0.5], e12,
                     tag1=3, tag2=5)
    return x, HyperDualVec(float(c), [0.0] * 4, [0.0] * 4, [[0.0] * 4] * 4, tag1=3, tag2=5)


@pytest.mark.parametrize("kind", ["DualVec", "HyperDualVec"])
@pytest.mark.parametrize("c", POW_EXPONENTS, ids=repr)
def test_whole_powers_of_nonpositive_values_equal_the_general_rule_bitwise(kind, c):
    parts = ("eps",) if kind == "DualVec" else ("eps1", "eps2", "eps1eps2")
    for v in POW_BASES:
        x, y = _whole_power_pair(kind, v, c)
        try:
            with np.errstate(all="ignore"):
                ref = x ** y
        except (ZeroDivisionError, OverflowError, ValueError) as exc:
            with pytest.raises(type(exc)):
                x ** c
            continue
        got = x ** c
        assert bits(got.value) == bits(ref.value), (v, c)
        for part in parts:
            assert _all_bits(getattr(got, part).ravel()) == _all_bits(getattr(ref, part).ravel()), \
                (v, c, part)


def test_squares_of_nonpositive_duals_against_the_closed_form():
    # (x ** 2)' = 2 x x', (x ** 2)'' = 2 x' x'' terms: exact on dyadic numbers
    for v in (-1.5, -0.25, -0.0, -3.0):
        d = DualVec(v, [1.0, -2.0, 0.5], tag=2)
        r = d ** 2
        assert r.value == v * v and r.eps.tolist() == [2 * v, -4 * v, v]
        h = HyperDualVec(v, [1.0, 0.5], [2.0, -1.0], [[0.25, 0.0], [1.0, -0.5]], tag1=2, tag2=3)
        r = h ** 3
        d1, d2 = 3 * v * v, 6 * v
        assert r.value == v ** 3
        assert r.eps1.tolist() == [d1 * 1.0, d1 * 0.5]
        assert r.eps2.tolist() == [d1 * 2.0, d1 * -1.0]
        assert r.eps1eps2.tolist() == [[d1 * 0.25 + d2 * 2.0, d1 * 0.0 + d2 * -1.0],
                                       [d1 * 1.0 + d2 * 1.0, d1 * -0.5 + d2 * -0.5]]


def test_operators_on_hyperdualvec_match_hyperdual_per_direction_pair():
    x = HyperDualVec(1.25, [1.0, 0.5], [1.0, -2.0], [[0.0, 0.25], [1.0, 0.0]])
    for op in OPS[:5]:
        for c in (2.0, 3, np.float64(0.5)):
            for left in (True, False):
                got = op(x, c) if left else op(c, x)
                for a in range(2):
                    for b in range(2):
                        h = HyperDual(1.25, x.eps1[a], x.eps2[b], x.eps1eps2[a, b])
                        ref = op(h, c) if left else op(c, h)
                        assert got.value == ref.value
                        assert got.eps1[a] == pytest.approx(ref.eps1, rel=1e-15, abs=0)
                        assert got.eps2[b] == pytest.approx(ref.eps2, rel=1e-15, abs=0)
                        assert got.eps1eps2[a, b] == pytest.approx(ref.eps1eps2, rel=1e-14,
                                                                   abs=1e-300)


def test_comparisons_hash_bool_and_conversions():
    x = DualVec(2.0, [1.0, 0.0])
    h = HyperDualVec(2.0, [1.0], [1.0])
    for a in (x, h):
        assert a == 2 and a == Dual(2.0, 5.0) and a < 3.0 and a >= np.float64(2.0)
        assert a != h * 2 and not (a > 2) and a <= x and bool(a) and hash(a) == hash(2.0)
        assert type(a < 3) is bool
        for conv, target in ((float, "float"), (int, "int"), (complex, "complex")):
            with pytest.raises(TypeError, match=r"\.value") as info:
                conv(a)
            assert "dualcalc.math" in str(info.value) and target in str(info.value)
        with pytest.raises(TypeError, match=r"\.value"):
            [1, 2][a]
        with pytest.raises(TypeError, match=r"\.value"):
            math.sin(a)                         # the standard library refuses
        assert math.floor(a) == 2 and math.ceil(a) == 2 and math.trunc(a) == 2
        assert round(a) == 2 and round(a, 1).eps1.tolist() if a is h else True
        assert copy.copy(a) is a and copy.deepcopy(a) is a
    assert round(x, 1).eps.tolist() == [0.0, 0.0]
    assert not DualVec(0.0, [1.0])


def test_mixing_with_dual_numbers_follows_the_tags():
    x = DualVec(3.0, [1.0, 0.0], tag=1)
    # a Dual of the same perturbation is one direction: only with k = 1
    assert (DualVec(3.0, [2.0], tag=1) * Dual(2.0, 1.0, tag=1)).eps.tolist() == [7.0]
    with pytest.raises(TypeError, match="directions"):
        x + Dual(1.0, 1.0, tag=1)
    with pytest.raises(TypeError, match="directions"):
        x + DualVec(1.0, [1.0, 2.0, 3.0], tag=1)
    # another perturbation nests: eps1 belongs to the smaller tag
    for y in (Dual(2.0, 1.0, tag=5), DualVec(2.0, [1.0], tag=5)):
        for r in (x * y, y * x):
            assert type(r) is HyperDualVec and (r.tag1, r.tag2) == (1, 5)
            assert r.eps1.tolist() == [2.0, 0.0] and r.eps2.tolist() == [3.0]
            assert r.eps1eps2.tolist() == [[1.0], [0.0]]
    r = Dual(2.0, 1.0, tag=0) * x                       # the smaller tag is the Dual's
    assert (r.tag1, r.tag2, r.ndirs) == (0, 1, (1, 2)) and r.eps1eps2.tolist() == [[1.0, 0.0]]
    # a HyperDual of the same frame is a 1 x 1 HyperDualVec
    hv = HyperDualVec(1.0, [1.0], [1.0], tag1=1, tag2=2)
    s = hv + HyperDual(1.0, 1.0, 1.0, 1.0, tag1=1, tag2=2)
    assert s.eps1eps2.tolist() == [[1.0]] and s.eps1.tolist() == [2.0]
    with pytest.raises(TypeError, match="third level"):
        (x * Dual(2.0, 1.0, tag=5)) * Dual(1.0, 1.0, tag=9)
    with pytest.raises(TypeError, match="share one perturbation"):
        HyperDualVec(1.0, [1.0], [1.0], tag1=1, tag2=1) + DualVec(1.0, [1.0], tag=1)
    with pytest.raises(TypeError, match="different differentiations"):
        HyperDualVec(1.0, [1.0], [1.0], tag1=1, tag2=2) + HyperDualVec(1.0, [1.0], [1.0], tag1=1, tag2=3)
    with pytest.raises(TypeError):
        x + "a"
    with pytest.raises(TypeError):
        x + 1j


def test_perturbation_confusion():
    """d/dx [x · d/dy (x + y)] at y = 1 is 1, not 2: the inner perturbation (tag
    2) stays apart from the outer one (tag 1) through the DualVec arithmetic."""
    x = DualVec(3.0, [1.0], tag=1)
    inner = x + Dual(1.0, 1.0, tag=2)                  # d/dy (x + y) = eps2 part
    d_inner = DualVec(inner.eps2[0], inner.eps1eps2[:, 0], tag=1)
    assert d_inner.value == 1.0 and d_inner.eps.tolist() == [0.0]
    outer = x * d_inner
    assert outer.eps.tolist() == [1.0]
    # nested verbs over scalar-style code: correct where supported, else refused
    assert dc.derivative(lambda s: dc.derivative(lambda t: s * t * t, 2.0), 3.0) == 4.0
    with pytest.raises(dc.NestingError):
        dc.gradient(lambda v: dc.derivative(lambda t: v[0] * t * t, 1.0), [3.0, 1.0])


def test_mixing_with_dual_arrays_and_ndarrays_broadcasts_as_0d():
    X = DualArray(np.array([1.0, 2.0, 4.0]), np.eye(3), tag=7)
    a = X[0]
    assert type(a) is DualVec and a.tag == 7 and a.eps.tolist() == [1.0, 0.0, 0.0]
    for r in (X * a, a * X, np.multiply(a, X), np.multiply(X, a)):
        assert type(r) is DualArray and r.shape == (3,)
        np.testing.assert_array_equal(r.value, [1.0, 2.0, 4.0])
        np.testing.assert_array_equal(r.eps, [[2.0, 2.0, 4.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    r = np.arange(3.0) - a
    assert type(r) is DualArray and r.eps[0].tolist() == [-1.0, -1.0, -1.0]
    r = a + np.arange(3.0)
    assert type(r) is DualArray and r.value.tolist() == [1.0, 2.0, 3.0]
    # an object array of DualVecs (np.array([...]) of elements) joins as an array
    obj = np.array([X[2], X[1] * X[1], 3.0])
    assert obj.dtype == object
    s = X + obj
    assert type(s) is DualArray
    np.testing.assert_array_equal(s.eps, [[1.0, 0.0, 0.0], [0.0, 5.0, 0.0], [1.0, 0.0, 1.0]])
    h = HyperDualArray(np.array([1.0, 2.0]), np.eye(2), np.eye(2), np.zeros((2, 2, 2)))
    hv = h[1]
    assert type(hv) is HyperDualVec and hv.ndirs == (2, 2)
    r = h * hv
    assert type(r) is HyperDualArray
    np.testing.assert_array_equal(r.eps1eps2[:, :, 1], [[0.0, 0.0], [0.0, 2.0]])
    np.testing.assert_array_equal(r.eps1eps2[:, :, 0], [[0.0, 1.0], [1.0, 0.0]])


_ARRAY_OPS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
              np.add, np.subtract, np.multiply, np.true_divide, np.power, np.arctan2,
              np.hypot, np.maximum, np.minimum, np.logaddexp, np.copysign]


@pytest.mark.parametrize("op", _ARRAY_OPS, ids=lambda o: getattr(o, "__name__", str(o)))
@pytest.mark.parametrize("side", ["vec op array", "array op vec"])
def test_vec_scalar_meeting_a_plain_ndarray_equals_elementwise_scalars(op, side):
    # a DualVec/HyperDualVec and a float/int/bool ndarray go straight to the
    # array layer: each element must be bit for bit the scalar operation
    a = DualVec(1.75, [1.0, -0.5, 0.25], tag=3)
    h = HyperDualVec(0.75, [1.0, 2.0], [0.5], [[0.25], [-1.0]], tag1=4, tag2=5)
    # the reference: the same operation as a ufunc on two scalars (NumPy's IEEE
    # semantics, as arrays have: x / 0 is inf, not ZeroDivisionError)
    scalar = {operator.add: np.add, operator.sub: np.subtract, operator.mul: np.multiply,
              operator.truediv: np.true_divide, operator.pow: np.power}.get(op, op)
    for arr in (np.array([0.5, 1.5, 2.0, 3.25]), np.array([[1.0, 2.0], [3.0, 4.0]]),
                np.array([1, 2, 3]), np.array([True, False])):
        for v in (a, h):
            with np.errstate(all="ignore"):
                r = op(v, arr) if side == "vec op array" else op(arr, v)
            assert type(r) is (DualArray if v is a else HyperDualArray)
            assert r.shape == arr.shape
            for idx in np.ndindex(arr.shape):
                e = float(arr[idx])
                with np.errstate(all="ignore"):
                    want = scalar(v, e) if side == "vec op array" else scalar(e, v)
                got = r[idx]
                assert type(got) is type(v)
                assert got.value == want.value or (math.isnan(got.value) and math.isnan(want.value))
                if v is a:
                    np.testing.assert_array_equal(got.eps, want.eps)
                else:
                    for part in ("eps1", "eps2", "eps1eps2"):
                        np.testing.assert_array_equal(getattr(got, part), getattr(want, part))


def test_vec_scalar_meeting_arrays_broadcasts_and_refuses_clearly():
    a = DualVec(2.0, [1.0, 0.0], tag=3)
    r = a * np.ones((2, 3))
    assert r.shape == (2, 3) and r.eps.shape == (2, 2, 3)
    with np.errstate(divide="ignore"):
        z = a / np.array([0.0, 1.0])
    assert z.value[0] == math.inf and z.value[1] == 2.0
    with pytest.warns(RuntimeWarning, match="divide"):
        a / np.array([0.0, 1.0])
    with pytest.raises(TypeError, match="complex"):
        a * np.array([1j])
    # an object array of duals and numbers joins as one dual array
    o = a * np.array([1.0, a], dtype=object)
    assert type(o) is DualArray and o.value.tolist() == [2.0, 4.0]
    assert o.eps.tolist() == [[1.0, 4.0], [0.0, 0.0]]


def test_broadcast_shapes_of_dual_arrays_and_their_errors():
    x = DualArray(np.ones((3, 1)), np.ones((1, 3, 1)), tag=9)
    assert (x * np.ones((1, 4))).shape == (3, 4)
    assert (x + np.ones((2, 1, 4))).shape == (2, 3, 4)
    with pytest.raises(ValueError, match=r"could not be broadcast together with shapes \(3,\) \(2,\)"):
        DualArray(np.ones((3, 1)), np.ones((1, 3, 1))).reshape(3, 1)[:, 0] * np.ones(2)


def test_math_module_and_ufuncs_and_object_loops():
    x = DualVec(0.5, [1.0, 2.0])
    for f, g in ((dm.sin, np.sin), (dm.exp, np.exp), (dm.sqrt, np.sqrt), (dm.log, np.log),
                 (dm.atan, np.arctan), (dm.cosh, np.cosh)):
        a, b = f(x), g(x)
        assert type(a) is DualVec and a.value == b.value and a.eps.tolist() == b.eps.tolist()
    assert dm.pow(x, 2.0).eps.tolist() == [1.0, 2.0]
    assert dm.atan2(x, 1.0).value == math.atan2(0.5, 1.0)
    assert dm.hypot(x, x).value == math.hypot(0.5, 0.5)
    assert dm.gamma(x).value == math.gamma(0.5) and dm.lgamma(x).value == math.lgamma(0.5)
    assert dm.fsum([x, x, 1.0]).eps.tolist() == [2.0, 4.0]
    assert dm.ldexp(x, 3).eps.tolist() == [8.0, 16.0] and dm.frexp(x)[1] == 0
    assert dm.isfinite(x) and not dm.isnan(x)
    with pytest.raises(ValueError):
        dm.log(-x)
    with pytest.raises(ValueError):
        dm.sqrt(-x)
    with pytest.raises(ZeroDivisionError):
        x / 0.0
    # NumPy's object loops call the methods by name
    arr = np.array([x, 2 * x, 1.0 + x], dtype=object)
    for u in (np.exp, np.sin, np.sqrt, np.log, np.tanh, np.arctan, np.absolute):
        r = u(arr)
        assert r.dtype == object and all(type(e) is DualVec for e in r), u
        assert r[1].eps.tolist() == u(2 * x).eps.tolist()
    assert np.arctan2(x, 2.0).value == math.atan2(0.5, 2.0)
    assert np.sum(x) is x and np.prod(x) is x and np.sum(x, initial=1.0).value == 1.5
    import scipy.special as special          # the test extra
    # scipy's ufuncs take dualcalc.special's rules (scipy's own psi for gammaln'),
    # the rule table its digamma: equal to rounding
    for u, f in ((special.erf, dm.erf), (special.erfc, dm.erfc), (special.gammaln, dm.lgamma)):
        np.testing.assert_allclose(np.asarray(u(x).eps), f(x).eps, rtol=4e-16, atol=0)
    assert np.isnan(x) is np.False_ or np.isnan(x) is False
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError):
            np.log(DualVec(0.0, [1.0]))
    with pytest.raises(TypeError, match="not supported"):
        np.bitwise_and(x, x)
    with pytest.raises(TypeError, match="out="):
        np.sin(x, out=np.empty(()))


def test_zero_tangents_stay_exactly_zero():
    for f in (np.sqrt, np.log, np.arcsin, np.arccos, np.arctanh, np.reciprocal, np.cbrt):
        with np.errstate(all="ignore"):
            at = {np.arcsin: 1.0, np.arccos: 1.0, np.arctanh: 1.0}.get(f, 0.0)
            d = f(DualVec(at, [1.0, 0.0, -0.0]))
            h = f(HyperDualVec(at, [0.0, 1.0], [1.0, 0.0], [[0.0, 0.0], [0.0, 0.0]]))
        assert math.isinf(d.eps[0]) and d.eps[1] == 0.0 and d.eps[2] == 0.0, f
        assert h.eps1[0] == 0.0 and h.eps2[1] == 0.0, f
        assert h.eps1eps2[0].tolist() == [0.0, 0.0] and h.eps1eps2[1, 1] == 0.0, f
    # through products and the two-argument functions as well
    z = DualVec(0.0, [1.0, 0.0])
    assert (np.sqrt(z) * z).eps[1] == 0.0
    assert np.hypot(z, 0.0).eps.tolist() == [0.0, 0.0]
    assert (z ** 0.5).eps[1] == 0.0


# ================================================================ pickle, repr, construction
def test_pickle_and_repr_round_trip_bit_for_bit():
    nan = struct.unpack("<d", b"\x01\x00\x00\x00\x00\x00\xf8\xff")[0]   # a nan payload
    cases = [DualVec(1.5, [1.0, -0.0, nan]), DualVec(-2.0, np.arange(20.0), tag=9),
             DualVec(0.1, []), HyperDualVec(1.0, [1.0, 2.0], [3.0], [[4.0], [-0.0]], 3, 8),
             HyperDualVec(0.5, np.arange(6.0), np.arange(5.0), np.ones((6, 5)), 1, 2)]
    for a in cases:
        for proto in range(pickle.HIGHEST_PROTOCOL + 1):
            b = pickle.loads(pickle.dumps(a, proto))
            assert type(b) is type(a) and b.value == a.value
            comps = (("eps",) if type(a) is DualVec else ("eps1", "eps2", "eps1eps2"))
            for c in comps:
                assert getattr(b, c).tobytes() == getattr(a, c).tobytes(), (a, proto)
            assert (b.tag if type(a) is DualVec else (b.tag1, b.tag2)) == \
                (a.tag if type(a) is DualVec else (a.tag1, a.tag2))
        if not any(np.isnan(getattr(a, c)).any() for c in comps):
            r = eval(repr(a), {"DualVec": DualVec, "HyperDualVec": HyperDualVec})
            assert repr(r) == repr(a)
    assert repr(DualVec(1.0, [2.0])) == "DualVec(1.0, [2.0])"
    assert repr(DualVec(1.0, [2.0], tag=3)) == "DualVec(1.0, [2.0], tag=3)"


def test_constructor_checks():
    with pytest.raises(TypeError, match="value must be a real number"):
        DualVec("a", [1.0])
    with pytest.raises(TypeError, match="nested"):
        DualVec(Dual(1.0, 1.0), [1.0])
    with pytest.raises(ValueError, match="one-dimensional"):
        DualVec(1.0, [[1.0]])
    with pytest.raises(TypeError, match="tag"):
        DualVec(1.0, [1.0], tag=-1)
    with pytest.raises(ValueError, match=r"shape \(p, q\)"):
        HyperDualVec(1.0, [1.0, 2.0], [1.0], [[1.0, 2.0]])
    with pytest.raises(TypeError):
        DualVec(1.0, ["a"])
    x = DualVec(1.0, [1.0])
    x.__init__(2.0, np.arange(30.0))                   # re-initialising frees the old block
    assert x.k == 30 and x.eps[29] == 29.0
    assert isinstance(x, dc.DualNumber) and isinstance(HyperDualVec(1.0, [], []), dc.DualNumber)


# ================================================================ indexing and the verbs
def test_indexing_gives_vec_scalars_dense_banded_and_views():
    v = np.arange(12.0).reshape(3, 4)
    e = np.arange(24.0).reshape(2, 3, 4)
    x = DualArray(v, e, tag=2)
    for idx in [(1, 2), (-1, -1), (np.int64(2), 0)]:
        a = x[idx]
        assert type(a) is DualVec and a.value == v[idx] and a.eps.tolist() == e[(slice(None),) + idx].tolist()
    assert type(x[1]) is DualArray                      # not a full index: a row
    with pytest.raises(IndexError):
        x[3, 0]
    t = x.T                                             # a strided view
    assert t[2, 1].value == v[1, 2] and t[2, 1].eps.tolist() == e[:, 1, 2].tolist()
    # banded seeds (the verbs'): the element carries its one direction
    b = _arrays.seed_identity(np.array([5.0, 6.0, 7.0, 8.0]), 1, 4, 3)
    assert b[0].eps.tolist() == [0.0, 0.0, 0.0] and b[2].eps.tolist() == [0.0, 1.0, 0.0]
    assert [xi.value for xi in b] == [5.0, 6.0, 7.0, 8.0]
    assert b[1:][1].eps.tolist() == [0.0, 1.0, 0.0]
    hb = _arrays.seed_identity_hyper(np.array([1.0, 2.0, 3.0]), 0, 2, 0, 3, 1, 2)
    h = hb[1]
    assert type(h) is HyperDualVec and h.eps1.tolist() == [0.0, 1.0]
    assert h.eps2.tolist() == [0.0, 1.0, 0.0] and not h.eps1eps2.any()
    hv = _arrays.seed_hvp(np.array([1.0, 2.0, 3.0]), 0, 3, np.array([0.5, -1.0, 2.0]), 1, 2)
    for i in range(3):
        assert hv[i].eps2.tolist() == [[0.5, -1.0, 2.0][i]] and hv[i].ndirs == (3, 1)
    # the previous behaviour stays one switch away (for benchmarks)
    old = _arrays.set_scalar_elements(False)
    try:
        assert type(x[1, 2]) is DualArray
    finally:
        _arrays.set_scalar_elements(old)


def rosen_loop(x):
    s = 0.0
    for i in range(len(x) - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def rosen_numpy(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _both_paths(verb, f, *args):
    r = verb(f, *args)
    old = _arrays.set_scalar_elements(False)
    try:
        ref = verb(f, *args)
    finally:
        _arrays.set_scalar_elements(old)
    return r, ref


@pytest.mark.parametrize("n", [2, 3, 10, 30])
def test_verbs_on_scalar_loops_equal_the_array_path(n):
    x = np.linspace(-1.2, 1.1, n)
    for verb in (dc.gradient, dc.hessian, lambda f, x: dc.hvp(f, x, np.arange(n) - 1.5),
                 dc.value_gradient_hessian):
        r, ref = _both_paths(verb, rosen_loop, x)
        for a, b in zip(r if isinstance(r, tuple) else (r,), ref if isinstance(ref, tuple) else (ref,)):
            np.testing.assert_allclose(a, b, rtol=1e-15, atol=0)
    np.testing.assert_allclose(dc.hessian(rosen_loop, x), dc.hessian(rosen_numpy, x),
                               rtol=1e-15, atol=1e-12)
    np.testing.assert_allclose(dc.gradient(rosen_loop, x), dc.gradient(rosen_numpy, x),
                               rtol=1e-15, atol=0)


def test_verbs_accept_lists_and_object_arrays_of_vec_scalars():
    def residuals(x):
        return [10.0 * (x[1] - x[0] * x[0]), 1.0 - x[0], 2.0]
    x = np.array([-1.2, 1.0])
    J = dc.jacobian(residuals, x)
    np.testing.assert_array_equal(J, [[24.0, 10.0], [-1.0, 0.0], [0.0, 0.0]])
    J2 = dc.jacobian(lambda x: np.array(residuals(x)), x)
    np.testing.assert_array_equal(J, J2)
    v, J3 = dc.value_and_jacobian(lambda x: np.array([[x[0], x[1]], [x[0] * x[1], 1.0]]), x)
    assert J3.shape == (2, 2, 2) and v.tolist() == [[-1.2, 1.0], [-1.2, 1.0]]
    np.testing.assert_array_equal(J3[1, 0], [1.0, -1.2])
    H = dc.hessian(lambda x: np.array([x[0] * x[0] * x[1]])[0], x)
    np.testing.assert_array_equal(H, [[2.0, -2.4], [-2.4, 0.0]])


@pytest.mark.parametrize("name", ["rosenbrock", "freudenstein roth", "beale", "helical valley",
                                  "wood", "brown dennis", "biggs exp6", "watson",
                                  "extended rosenbrock", "trigonometric", "chebyquad"])
def test_mgh_problems_scalar_path_equals_array_path(name):
    p = problems.get(name)
    x = np.array(p.x0) + 0.125
    for verb in (dc.gradient, dc.hessian):
        r, ref = _both_paths(verb, p, x)
        np.testing.assert_allclose(r, ref, rtol=1e-13, atol=1e-13 * np.abs(ref).max())
    r, ref = _both_paths(dc.jacobian, p.residuals, x)
    np.testing.assert_allclose(r, ref, rtol=1e-14, atol=1e-14 * np.abs(ref).max())


def test_rk4_with_an_array_right_hand_side():
    """An ODE right-hand side written as np.array([...]) of elements."""
    def rhs(y):
        return np.array([y[1], -y[0] - 0.1 * y[1] ** 3])

    def rhs_stack(y):           # the array path's idiom (0-d arrays are stacked)
        return np.stack([y[1], -y[0] - 0.1 * y[1] ** 3])

    def flow(y0, rhs=rhs):
        y, h = y0, 0.05
        for _ in range(20):
            k1 = rhs(y)
            k2 = rhs(y + 0.5 * h * k1)
            k3 = rhs(y + 0.5 * h * k2)
            k4 = rhs(y + h * k3)
            y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        return y
    y0 = np.array([1.0, 0.5])
    J = dc.jacobian(flow, y0)
    old = _arrays.set_scalar_elements(False)
    try:
        ref = dc.jacobian(flow, y0, args=(rhs_stack,))
    finally:
        _arrays.set_scalar_elements(old)
    np.testing.assert_allclose(J, ref, rtol=1e-14, atol=0)
    assert J.shape == (2, 2) and abs(np.linalg.det(J)) > 0.5


# ================================================================ memory
def _vec_round(i):
    x = DualVec(0.5 + (i % 7) * 0.1, [1.0, 0.0, 2.0])                # inline storage
    w = DualVec(1.5, np.linspace(0.0, 1.0, 24))                       # pooled blocks
    h = HyperDualVec(1.25, [1.0, 0.0, 0.5, 1.0, 0.0, 2.0], [1.0, 2.0, 0.0, 1.0, 1.0])
    y = x * x + 3.0 * x - x / (1.0 + x) + np.sin(x) + dm.exp(x) - abs(-x) ** 2.5
    z = w * w - w / 2.0 + np.sqrt(w) + dm.atan2(w, 2.0) + np.hypot(w, w) + 2 ** w
    u = h * h - h / 2.0 + np.sqrt(h) + dm.atan2(h, 2.0) + h ** 2 + np.maximum(h, 1.0)
    m = DualVec(1.0, [1.0], tag=1) * Dual(2.0, 1.0, tag=2)            # nests
    n = 40
    for bad in ((lambda: x / 0.0), (lambda: float(w)), (lambda: dm.log(-h)),
                (lambda: x + w), (lambda: DualVec(None, [1.0]))):
        try:
            bad()
        except (ZeroDivisionError, TypeError, ValueError):
            pass
        n += 1
    assert y.value == y.value and z.value == z.value and u.value == u.value
    assert m.eps1eps2[0, 0] == 1.0
    return n


def _run_vec(ops):
    done = 0
    i = 0
    while done < ops:
        done += _vec_round(i)
        i += 1
    return done


def _flat_vec(warm, main):
    _run_vec(warm)
    before = rss()
    ops = _run_vec(main)
    gc.collect()
    grown = rss() - before
    assert grown < SLACK, "resident memory grew by {0:.1f} MiB over {1} operations".format(
        grown / 2 ** 20, ops)


def test_vec_operations_leave_memory_flat():
    _flat_vec(50_000, 500_000)


@pytest.mark.slow
def test_ten_million_vec_operations_leave_memory_flat():
    _flat_vec(200_000, 10_000_000)
