"""copy, deepcopy and pickle (every protocol) of every number type round-trip
exactly: bit for bit, including -0.0, infinities and nan payloads (their
positions and bits), tags, 0-d arrays, non-contiguous and banded arrays."""
import copy
import pickle
import struct

import numpy as np
import pytest

import dualcalc as dc
from dualcalc import Dual, DualArray, HyperDual, HyperDualArray
from dualcalc._core import _arrays

# a quiet nan with a payload, and its negative
PAYLOAD_NAN = struct.unpack("<d", struct.pack("<Q", 0x7FF8000000000123))[0]
NEG_NAN = struct.unpack("<d", struct.pack("<Q", 0xFFF8000000000456))[0]
SPECIAL = [0.0, -0.0, 1.5, -2.25, np.inf, -np.inf, PAYLOAD_NAN, NEG_NAN, 5e-324,
           1.7976931348623157e308]

PROTOCOLS = list(range(pickle.HIGHEST_PROTOCOL + 1))
COPIES = ([("pickle", p) for p in PROTOCOLS] + [("copy", None), ("deepcopy", None)])


def bits(x):
    return struct.pack("<d", x)


def roundtrip(obj, how, protocol):
    if how == "pickle":
        return pickle.loads(pickle.dumps(obj, protocol=protocol))
    if how == "copy":
        return copy.copy(obj)
    return copy.deepcopy(obj)


def same_array_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return (a.shape == b.shape and a.dtype == b.dtype == np.float64
            and np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes())


# ---------------------------------------------------------------- scalars
def _scalars():
    out = []
    for i, v in enumerate(SPECIAL):
        e = SPECIAL[(i + 3) % len(SPECIAL)]
        out.append(Dual(v, e))
        out.append(Dual(v, e, tag=7))
        out.append(HyperDual(v, e, SPECIAL[(i + 5) % len(SPECIAL)],
                             SPECIAL[(i + 7) % len(SPECIAL)]))
        out.append(HyperDual(v, e, -e, 0.0, 3, 9))
    return out


@pytest.mark.parametrize("how,protocol", COPIES)
def test_scalars_round_trip_bitwise(how, protocol):
    for x in _scalars():
        y = roundtrip(x, how, protocol)
        assert type(y) is type(x)
        if type(x) is Dual:
            fields = ("value", "eps")
            tags = ("tag",)
        else:
            fields = ("value", "eps1", "eps2", "eps1eps2")
            tags = ("tag1", "tag2")
        for f in fields:
            assert bits(getattr(y, f)) == bits(getattr(x, f)), (how, protocol, x, f)
        for t in tags:
            assert getattr(y, t) == getattr(x, t)


# ---------------------------------------------------------------- arrays
def _values(shape, seed):
    rng = np.random.default_rng(seed)
    v = rng.normal(size=shape)
    flat = v.reshape(-1)
    for i, s in enumerate(SPECIAL[:flat.size]):
        flat[(3 * i) % flat.size] = s
    return v


def _build_arrays():
    out = {}
    v = _values((3, 4), 1)
    out["dual 2-d"] = DualArray(v, _values((2, 3, 4), 2))
    out["dual tagged"] = DualArray(v, _values((2, 3, 4), 3), tag=5)
    out["dual 0-d"] = DualArray(np.array(-0.0), np.array([PAYLOAD_NAN, -0.0]))
    big = DualArray(_values((4, 6), 4), _values((2, 4, 6), 5))
    out["dual non-contiguous"] = big[:, ::2].T
    out["hyper 2-d"] = HyperDualArray(v, _values((2, 3, 4), 6), _values((3, 3, 4), 7),
                                      _values((2, 3, 3, 4), 8))
    out["hyper tagged 0-d"] = HyperDualArray(np.array(NEG_NAN), np.array([1.0]),
                                             np.array([-0.0]), np.array([[np.inf]]), 2, 4)
    out["hyper non-contiguous"] = HyperDualArray(
        _values((5, 4), 9), _values((1, 5, 4), 10), _values((2, 5, 4), 11),
        _values((1, 2, 5, 4), 12))[::2, 1:]
    x = np.array([0.0, -0.0, 1.0, PAYLOAD_NAN, 3.0])
    out["dual banded"] = _arrays.seed_identity(x, 0, 5)
    out["dual banded tagged"] = _arrays.seed_identity(x, 1, 4, 3)
    out["hyper banded"] = _arrays.seed_identity_hyper(x, 0, 5, 0, 5, 1, 2)
    out["hyper banded slice"] = _arrays.seed_identity_hyper(x, 0, 5, 0, 5, 1, 2)[1:4]
    return out


ARRAYS = _build_arrays()


def _comps(a):
    if type(a) is DualArray:
        return [a.value, a.eps], [a.tag]
    return [a.value, a.eps1, a.eps2, a.eps1eps2], [a.tag1, a.tag2]


def test_banded_fixtures_are_banded():
    assert _arrays.is_banded(ARRAYS["dual banded"])
    assert _arrays.is_banded(ARRAYS["hyper banded"])


@pytest.mark.parametrize("how,protocol", COPIES)
@pytest.mark.parametrize("name", sorted(ARRAYS))
def test_arrays_round_trip_bitwise(name, how, protocol):
    x = ARRAYS[name]
    before = [c.copy() for c in _comps(x)[0]]
    y = roundtrip(x, how, protocol)
    assert type(y) is type(x)
    cx, tx = _comps(x)
    cy, ty = _comps(y)
    assert tx == ty
    for a, b in zip(cx, cy):
        assert same_array_bits(a, b), (name, how, protocol)
    # copying did not alter the original
    for a, b in zip(before, _comps(x)[0]):
        assert same_array_bits(a, b)


@pytest.mark.parametrize("how", ["copy", "deepcopy"])
def test_array_copies_are_independent(how):
    x = DualArray(np.array([1.0, 2.0]), np.eye(2))
    y = roundtrip(x, how, None)
    y.value[0] = 5.0
    y.eps[0, 0] = 7.0
    y[1] = 9.0
    assert x.value.tolist() == [1.0, 2.0] and x.eps.tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_a_round_tripped_array_still_differentiates():
    x = pickle.loads(pickle.dumps(ARRAYS["dual banded"]))
    y = np.sum(x * 2.0)
    assert same_array_bits(y.eps, np.full(5, 2.0))


def test_nested_containers_and_the_derivatives_api_results():
    obj = {"d": Dual(-0.0, PAYLOAD_NAN, tag=1), "list": [HyperDual(1.0, 2.0, 3.0, 4.0)],
           "arr": ARRAYS["hyper banded slice"],
           "grad": dc.gradient(lambda v: np.sum(v ** 3), np.array([1.0, -0.0]))}
    for p in PROTOCOLS:
        back = pickle.loads(pickle.dumps(obj, protocol=p))
        assert bits(back["d"].eps) == bits(PAYLOAD_NAN) and back["d"].tag == 1
        assert bits(back["d"].value) == bits(-0.0)
        assert same_array_bits(back["grad"], obj["grad"])
        assert same_array_bits(back["arr"].eps1eps2, obj["arr"].eps1eps2)
