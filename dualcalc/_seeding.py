"""Seeding and extraction: the shared machinery under every derivative verb.

Design: a verb draws fresh perturbation tags, seeds its input (a Dual or
HyperDual for scalar x, a DualArray or HyperDualArray carrying k directions for
array x), calls f once per chunk of directions, and reads the tangents of the
result back into float ndarrays.  Nothing here knows any calculus.

Tags come from one process-wide counter (in compiled code, ``_passes.new_tag``;
its step is atomic under the GIL, so verbs running in several threads never
share a tag).  The compiled
core stores tags as C ints, so the counter wraps after 2**31 - 1 tags; until it
wraps a larger tag is a more deeply nested differentiation, and the verbs do
not rely on that order (a HyperDual's eps1 simply belongs to the smaller tag).

Array inputs are seeded with BANDED identity chunks (``arrays.seed_identity``,
``seed_identity_hyper``, ``seed_hvp``): the tangents of x cost O(n) memory and
elementwise code keeps them banded, so a gradient of elementwise NumPy code
costs O(n).  Every pass gets its own copy of x, so an f that writes into its
input cannot change later passes.
"""
import functools
import numbers

import numpy as np

from dualcalc._core._scalar import Dual, DualNumber, HyperDual
from dualcalc import _conversions as _conv
from dualcalc._core._vec import DualVec, HyperDualVec, gather as _gather_vec, has_nan as _vec_has_nan
from dualcalc._core import _passes

try:  # the array types (dualcalc.arrays); scalar code paths work without them
    from dualcalc.arrays import DualArray, HyperDualArray, default_chunk
    from dualcalc._core._arrays import seed_identity, seed_identity_hyper, seed_hvp
except ImportError:  # pragma: no cover - only while the array layer is absent
    DualArray = HyperDualArray = None

    def default_chunk(n):
        return 1

_F64 = np.dtype(np.float64)
_max_reduce = np.maximum.reduce


def _has_nan(a):
    """Whether the float64 array a holds a NaN (a C loop for contiguous a; for
    others np.maximum, which propagates NaN quietly)."""
    if a.size == 0:
        return False
    if a.flags.c_contiguous:
        return _vec_has_nan(a)
    s = _max_reduce(a, None)
    return s != s


@functools.lru_cache(maxsize=256)
def chunk_size(n):
    """Directions per pass for n inputs (``arrays.default_chunk``, cached)."""
    return default_chunk(n)

#: Largest tag: the compiled core stores tags as C ints.
TAG_MAX = 2 ** 31 - 1


#: A fresh perturbation tag in 1..TAG_MAX (thread-safe; wraps after TAG_MAX
#: tags).  The counter is the compiled one pass's (dualcalc/_core/_passes.pyx).
new_tag = _passes.new_tag


class NestingError(TypeError):
    """Raised where nested differentiation cannot be kept exact."""


# ---------------------------------------------------------------- input checks
def as_point(x, name="x"):
    """x as a float64 ndarray (any shape), with a clear error for bad input.

    NaN entries are allowed: f decides what they mean (np.nansum ignores them,
    arithmetic propagates them to the derivatives it touches)."""
    if type(x) is np.ndarray and x.dtype is _F64:   # the common case, no conversion
        return x
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a number or an array of numbers, got {type(x).__name__}")
    if isinstance(x, DualNumber) or (DualArray is not None and isinstance(x, (DualArray, HyperDualArray))):
        raise NestingError(
            f"{name} is a dual number: nested differentiation through gradient, jacobian, "
            "jvp, hessian and hvp is not supported. Use dualcalc.derivative for nested "
            "scalar derivatives, or dualcalc.hessian for second derivatives.")
    if getattr(x, "dtype", None) is not None and np.dtype(x.dtype).kind == "c":
        # asarray(float64) would drop the imaginary part with only a warning
        raise TypeError(f"{name} is complex ({x.dtype}); dual numbers are real. Pass "
                        f"{name}.real, or differentiate the real and imaginary parts "
                        "as separate real inputs.")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a number or an array of numbers: {exc}") from None
    if arr.dtype != np.float64:  # pragma: no cover - asarray guarantees it
        raise TypeError(f"{name} must be real")
    return arr


def as_direction(v, name="v"):
    """A direction (jvp, hvp) as a float64 ndarray: NaN is refused, since a
    derivative along a NaN direction means nothing."""
    arr = as_point(v, name)
    if _has_nan(arr):
        raise ValueError(f"{name} contains NaN; a direction must be made of numbers")
    return arr


def as_scalar(x, name="x"):
    """x as a float, or a Dual/HyperDual passed through for nesting."""
    if isinstance(x, DualNumber):
        return x
    if DualArray is not None and isinstance(x, (DualArray, HyperDualArray)) and x.ndim == 0:
        return x
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Real, np.floating, np.integer)):
        arr = np.asarray(x) if not isinstance(x, (str, bytes)) and x is not None else None
        if arr is not None and arr.shape == () and arr.dtype.kind in "fiu":
            x = arr.item()
        else:
            raise TypeError(
                f"{name} must be a real number, got {type(x).__name__}; for arrays use "
                "gradient, jacobian or hessian")
    return float(x)


def dropped(exc):
    """The clear error for an f that converted a dual number to a float, or
    None when exc is some other TypeError."""
    msg = str(exc)
    if "would drop its derivative" in msg:
        return TypeError(
            f"f converted its dual-number input to a plain number ({msg}). Inside f, "
            "use dualcalc.math instead of math and NumPy ufuncs instead of float().")
    return None


def failed(w, exc):
    """f raised exc under the watch w: raise the clearer error when the failure
    comes from a conversion of a dual value; return otherwise (the caller
    re-raises exc)."""
    err = _conv.reraise(w, exc)
    if err is not None:
        raise err from exc
    if isinstance(exc, TypeError):
        err = dropped(exc)
        if err is not None:
            raise err from None


def call(f, x, args):
    """f(x, *args) under a conversion watch (dualcalc._conversions): a result
    computed after a dual value was converted to plain numbers is refused.
    The watch is kept in compiled code (_core/_passes.pyx), which calls
    `failed` when f raises and `plain_value` for the check after f."""
    return _watched_call(f, x, args if type(args) is tuple else tuple(args))


_watched_call = _passes.call


def plain_value(y):
    """The float values of f's result, for the conversion check (None when
    they cannot be had without converting)."""
    if isinstance(y, (float, np.floating, np.ndarray)):
        return y if not isinstance(y, np.ndarray) or y.dtype != object else None
    if DualArray is not None and isinstance(y, (DualArray, HyperDualArray)):
        return y.value
    if isinstance(y, (DualNumber, DualVec, HyperDualVec)):
        return y.value
    return None


# ---------------------------------------------------------------- seeding
def seed_band(x, start, stop, tag):
    """A copy of x carrying the unit directions start..stop (flat indices),
    stored banded."""
    return seed_identity(x.copy(), start, stop, tag)


def seed_band_hyper(x, start, stop, tag1, tag2):
    """A copy of x with eps1 the unit directions start..stop and eps2 all n
    unit directions, banded (f(x).eps1eps2 is rows start:stop of the Hessian)."""
    return seed_identity_hyper(x.copy(), start, stop, 0, x.size, tag1, tag2)


def seed_band_hvp(x, start, stop, v, tag1, tag2):
    """A copy of x with eps1 the unit directions start..stop and eps2 the one
    direction v, banded (f(x).eps1eps2[:, 0] is rows start:stop of H @ v)."""
    return seed_hvp(x.copy(), start, stop, v, tag1, tag2)


def seed_dual(x, directions, tag):
    """x (float ndarray, shape S) carrying k directions (k,) + S under tag."""
    if DualArray is not None:
        return DualArray(x.copy(), directions, tag=tag)
    if directions.shape[0] != 1:  # pragma: no cover - fallback only
        raise RuntimeError("the object-array fallback carries one direction at a time")
    out = np.empty(x.shape, dtype=object)
    for idx in np.ndindex(x.shape):
        out[idx] = Dual(float(x[idx]), float(directions[(0,) + idx]), tag=tag)
    return out


# ---------------------------------------------------------------- extraction
def _bad_output(y):
    return TypeError(
        f"f must return a number, a dual number, or a sequence/array of them; it "
        f"returned {type(y).__name__}" + (f" {y!r}" if isinstance(y, (str, bytes)) or y is None else ""))


def _plain_objects(y):
    """An object array without dual elements, as floats (or the clear error)."""
    try:
        return y.astype(np.float64)
    except (TypeError, ValueError):
        raise _bad_output(y) from None
def _vec_items(y):
    """The components of a list/tuple or object array of DualVecs (or of
    HyperDualVecs) of one frame, mixed with reals (_vec.gather); None for
    anything else, which takes the general path below."""
    if type(y) is list or type(y) is tuple:
        return _gather_vec(y) if y and type(y[0]) is not list else None
    if type(y) is np.ndarray and y.dtype.kind == "O" and y.size:
        return _gather_vec(y.ravel())
    return None


def extract_dual(y, tag, k):
    """(values, tangents) of f's output y for the perturbation tag: values of
    shape Sy and tangents of shape (k,) + Sy, both float ndarrays."""
    if type(y) is DualVec:                              # scalar-style f (x[i] arithmetic)
        if y.tag == tag and y.k == k:
            return np.float64(y.value), y.eps
        raise NestingError("f returned a DualVec of another differentiation (tag "
                           f"{y.tag}, {y.k} directions)")
    if type(y) is HyperDualVec:
        raise NestingError(
            "f's result mixes this differentiation with another one: nested "
            "differentiation through gradient, jacobian, jvp, hessian and hvp is not "
            "supported. Use dualcalc.derivative for nested scalar derivatives.")
    g = _vec_items(y)
    if g is not None and len(g) == 3 and g[2] == tag and g[1].shape[0] == k:
        return g[0].reshape(np.shape(y)), g[1].reshape((k,) + np.shape(y))
    if type(y) is Dual:
        if y.tag == tag:
            if k != 1:  # pragma: no cover - defensive
                raise TypeError("a scalar Dual cannot carry several directions")
            return np.float64(y.value), np.array([y.eps])
        raise NestingError(
            "f returned a dual number of another differentiation (a nested derivative "
            "that the outer verb cannot see through); compute it with dualcalc.derivative")
    if type(y) is DualArray and y.tag == tag and y.ndim == 0:
        return y.value, y.eps                           # the usual scalar f: no reshapes
    if DualArray is not None and isinstance(y, DualArray):
        if y.tag != tag:
            raise NestingError("f returned a DualArray of another differentiation")
        return np.asarray(y.value, dtype=np.float64), np.asarray(y.eps, dtype=np.float64).reshape((k,) + np.shape(y.value))
    if isinstance(y, (HyperDual,)) or (HyperDualArray is not None and isinstance(y, HyperDualArray)):
        raise NestingError(
            "f's result mixes this differentiation with another one: nested "
            "differentiation through gradient, jacobian, jvp, hessian and hvp is not "
            "supported. Use dualcalc.derivative for nested scalar derivatives.")
    if isinstance(y, (bool, np.bool_)):
        raise _bad_output(y)
    if isinstance(y, (numbers.Real, np.floating, np.integer)):
        return np.float64(y), np.zeros((k,))
    if isinstance(y, np.ndarray) and y.dtype.kind in "fiu":
        v = y.astype(np.float64)
        return v, np.zeros((k,) + v.shape)
    if isinstance(y, np.ndarray) and y.dtype == object:
        d = _conv.from_objects(y)        # np.array([...]) of dual elements
        if d is not None:
            return extract_dual(d, tag, k)
        return extract_dual(_plain_objects(y), tag, k)
    if isinstance(y, (list, tuple, np.ndarray)):
        items = list(y) if not isinstance(y, np.ndarray) else list(y)
        if len(items) == 0:      # an empty array of any dtype keeps its shape
            s = np.shape(y) if isinstance(y, np.ndarray) else (0,)
            return np.zeros(s), np.zeros((k,) + s)
        parts = [extract_dual(item, tag, k) for item in items]
        shapes = {p[0].shape for p in parts}
        if len(shapes) != 1:
            raise ValueError("f returned a ragged sequence: its elements have different shapes")
        vals = np.stack([p[0] for p in parts])
        tans = np.stack([p[1] for p in parts], axis=1)
        return vals, tans
    raise _bad_output(y)


def extract_hyper(y, tag1, tag2, p, q):
    """(values, eps1, eps2, eps1eps2) of f's output for a HyperDual seeding:
    shapes Sy, (p,) + Sy, (q,) + Sy, (p, q) + Sy."""
    if type(y) is HyperDualVec:                         # scalar-style f (x[i] arithmetic)
        if (y.tag1, y.tag2, y.p, y.q) != (tag1, tag2, p, q):
            raise NestingError("f returned a HyperDualVec of another differentiation")
        return np.float64(y.value), y.eps1, y.eps2, y.eps1eps2
    if type(y) is DualVec:
        raise NestingError("f returned a first-order dual number where a HyperDual was expected")
    g = _vec_items(y)
    if g is not None and len(g) == 6 and g[4:] == (tag1, tag2) and g[3].shape[:2] == (p, q):
        s = np.shape(y)
        return (g[0].reshape(s), g[1].reshape((p,) + s), g[2].reshape((q,) + s),
                g[3].reshape((p, q) + s))
    if type(y) is HyperDualArray and y.tag1 == tag1 and y.tag2 == tag2 and y.ndim == 0:
        return y.value, y.eps1, y.eps2, y.eps1eps2     # the usual scalar f: no reshapes
    if type(y) is HyperDual:
        if (y.tag1, y.tag2) != (tag1, tag2):
            raise NestingError("f returned a HyperDual of another differentiation")
        return (np.float64(y.value), np.array([y.eps1]), np.array([y.eps2]),
                np.array([[y.eps1eps2]]))
    if HyperDualArray is not None and isinstance(y, HyperDualArray):
        if (y.tag1, y.tag2) != (tag1, tag2):
            raise NestingError("f returned a HyperDualArray of another differentiation")
        s = np.shape(y.value)
        return (np.asarray(y.value, dtype=np.float64), np.asarray(y.eps1).reshape((p,) + s),
                np.asarray(y.eps2).reshape((q,) + s), np.asarray(y.eps1eps2).reshape((p, q) + s))
    if isinstance(y, (Dual,)) or (DualArray is not None and isinstance(y, DualArray)):
        raise NestingError("f returned a first-order dual number where a HyperDual was expected")
    if isinstance(y, (bool, np.bool_)):
        raise _bad_output(y)
    if isinstance(y, (numbers.Real, np.floating, np.integer)):
        return np.float64(y), np.zeros((p,)), np.zeros((q,)), np.zeros((p, q))
    if isinstance(y, np.ndarray) and y.dtype.kind in "fiu":
        v = y.astype(np.float64)
        return v, np.zeros((p,) + v.shape), np.zeros((q,) + v.shape), np.zeros((p, q) + v.shape)
    if isinstance(y, np.ndarray) and y.dtype == object:
        d = _conv.from_objects(y)
        if d is not None:
            return extract_hyper(d, tag1, tag2, p, q)
        return extract_hyper(_plain_objects(y), tag1, tag2, p, q)
    if isinstance(y, (list, tuple, np.ndarray)):
        parts = [extract_hyper(item, tag1, tag2, p, q) for item in list(y)]
        if not parts:
            s = np.shape(y) if isinstance(y, np.ndarray) else (0,)
            return np.zeros(s), np.zeros((p,) + s), np.zeros((q,) + s), np.zeros((p, q) + s)
        if len({part[0].shape for part in parts}) != 1:
            raise ValueError("f returned a ragged sequence: its elements have different shapes")
        return (np.stack([a[0] for a in parts]), np.stack([a[1] for a in parts], axis=1),
                np.stack([a[2] for a in parts], axis=1), np.stack([a[3] for a in parts], axis=2))
    raise _bad_output(y)


# ---------------------------------------------------------------- passes over an executor
# A verb that evaluates f once per chunk of directions can hand the chunks to
# any concurrent.futures.Executor (a process pool, dask.distributed's
# Client.get_executor(), Ray's ...).  Each pass is a module-level function of
# (f, x, start, stop, args) that draws its tags where it runs, so it pickles
# and gives the same numbers in any process; the blocks are put together in
# chunk order, so a run over an executor is bitwise equal to the serial run
# with the same chunk size.

def check_chunk(chunk, n, default):
    """Directions per pass: ``default`` when chunk is None, else chunk (a
    positive integer)."""
    if chunk is None:
        return max(1, min(n, default))
    if isinstance(chunk, bool) or not isinstance(chunk, (numbers.Integral,)) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer (directions per pass), got {chunk!r}")
    return int(min(chunk, max(n, 1)))


def map_passes(executor, fn, f, x, chunk, args):
    """[fn(f, x, start, stop, args) for each chunk of range(x.size)], through
    ``executor.map`` when one is given (results in chunk order)."""
    n = x.size
    starts = list(range(0, n, chunk)) or [0]
    stops = [min(n, s + chunk) for s in starts]
    k = len(starts)
    if executor is None:
        return [fn(f, x, s, e, args) for s, e in zip(starts, stops)]
    if not hasattr(executor, "map"):
        raise TypeError("executor must be a concurrent.futures.Executor (or have its map "
                        f"method); got {type(executor).__name__}")
    return list(executor.map(fn, [f] * k, [x] * k, starts, stops, [args] * k))


def jacobian_pass(f, x, start, stop, args):
    """(f(x), tangents (stop - start,) + Sy) for the unit directions start..stop."""
    t = new_tag()
    y = call(f, seed_band(x, start, stop, t), args)
    value, tan = extract_dual(y, t, stop - start)
    return np.asarray(value, dtype=np.float64), np.asarray(tan, dtype=np.float64)


def hessian_pass(f, x, start, stop, args):
    """(f(x), gradient, Hessian rows start..stop) as extract_hyper gives them
    (for a scalar f: shapes (), (n,), (stop - start, n))."""
    t1, t2 = new_tag(), new_tag()
    t1, t2 = (t1, t2) if t1 < t2 else (t2, t1)
    y = call(f, seed_band_hyper(x, start, stop, t1, t2), args)
    value, _, grad, e12 = extract_hyper(y, t1, t2, stop - start, x.size)
    return (np.asarray(value, dtype=np.float64), np.asarray(grad, dtype=np.float64),
            np.asarray(e12, dtype=np.float64))


_passes.wire(failed, plain_value)
