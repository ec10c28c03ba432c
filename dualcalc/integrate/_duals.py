"""Dual values as component arrays, and back: the glue under every integrator.

Design: an integral, a quadrature sum and an ODE step are linear in the
integrand's values, so they act on a dual value component by component (the
value, each tangent, each second-order tangent).  `Form` records which kind of
number a user's function returned (float, Dual/DualArray with k directions and
a tag, HyperDual/HyperDualArray with p x q directions and two tags);
`Form.split` turns an output into a tuple of float arrays with the direction
axes in front, `Form.build` turns summed components back into a number of the
same kind (a Dual or HyperDual scalar where the directions are one, so a
derivative verb's scalar seed gets a scalar back).  Nothing here knows any
calculus: `components` and `rebuild` are the compiled core's.
"""
import numpy as np

from dualcalc._core._scalar import Dual, DualNumber, HyperDual
from dualcalc._core._arrays import components, operand, rebuild
from dualcalc._core._vec import DualVec, HyperDualVec
from dualcalc.arrays import DualArray, HyperDualArray
from dualcalc import _conversions

__all__ = ["Form", "is_dual", "real", "as_dual_array", "stack_state"]

_DUAL_TYPES = (DualNumber, DualArray, HyperDualArray, DualVec, HyperDualVec)
_VECS = (DualVec, HyperDualVec)


def is_dual(x):
    """Whether x is a dual scalar or a dual array."""
    return isinstance(x, _DUAL_TYPES)


def real(x):
    """The value of x (a float for scalars, an ndarray for arrays)."""
    if isinstance(x, (DualNumber, DualVec, HyperDualVec)):
        return x.value
    if isinstance(x, (DualArray, HyperDualArray)):
        v = np.asarray(x.value)
        return float(v) if v.ndim == 0 else v
    return x


def as_dual_array(x):
    """A Dual/HyperDual scalar as a 0-d DualArray/HyperDualArray (arrays pass);
    a DualVec/HyperDualVec (an element of a dual array) likewise."""
    if isinstance(x, _VECS):
        return operand(x)
    if isinstance(x, Dual):
        return DualArray(np.float64(x.value), np.array([x.eps]), x.tag)
    if isinstance(x, HyperDual):
        return HyperDualArray(np.float64(x.value), np.array([x.eps1]), np.array([x.eps2]),
                              np.array([[x.eps1eps2]]), x.tag1, x.tag2)
    return x


def _signature(x):
    """(kind, directions, tags) of a dual array, for comparing forms."""
    if isinstance(x, DualArray):
        return ("dual", (x.ndirs,), (x.tag,))
    return ("hyper", tuple(x.ndirs), (x.tag1, x.tag2))


class Form:
    """The kind of number an integrand returns, and the components of it.

    >>> f = Form()
    >>> f.split(np.array([1.0, 2.0]), 2)
    (array([1., 2.]),)
    >>> p = Dual(2.0, 1.0)
    >>> f.adopt(p * np.ones(2))
    True
    >>> r = f.build(tuple(c.sum(axis=-1) for c in f.split(p * np.ones(2), 2)))
    >>> print(r.value, r.eps)
    4.0 [2.]
    """

    def __init__(self):
        self.proto = None       # a dual array of the kind seen (`rebuild`'s prototype: its
                                # type and tags count, not its shape), or None for floats
        self.sig = None
        self.scalar = False     # every dual seen was a Dual/HyperDual scalar
        self.scalar_inputs = False   # the caller knows every dual input was a scalar

    @property
    def ncomp(self):
        return 1 if self.proto is None else (2 if self.sig[0] == "dual" else 4)

    def lead_shapes(self):
        """The direction axes in front of each component."""
        if self.proto is None:
            return ((),)
        if self.sig[0] == "dual":
            return ((), self.sig[1])
        p, q = self.sig[1]
        return ((), (p,), (q,), (p, q))

    def adopt(self, out):
        """Learn the form from an output; True when it changed from float to dual.

        Raises ValueError when a second, different dual kind appears."""
        if type(out) is np.ndarray and out.dtype != object:
            return False
        duals = []
        if is_dual(out):
            duals = [out]
        elif isinstance(out, (list, tuple)) or (isinstance(out, np.ndarray) and out.dtype == object):
            duals = [o for o in (out.ravel() if isinstance(out, np.ndarray) else out) if is_dual(o)]
        if not duals:
            return False
        changed = False
        for d in duals:
            scalar = isinstance(d, DualNumber)
            arr = as_dual_array(d)
            sig = _signature(arr)
            if self.proto is None:
                self.proto = rebuild(arr, [np.zeros(s) for s in _lead(sig)])
                self.sig = sig
                self.scalar = scalar
                changed = True
            elif sig != self.sig:
                raise ValueError(
                    "the integrand returned dual numbers of two different kinds "
                    f"({self.sig} and {sig}); all of its outputs must carry the same "
                    "perturbations (mix floats and one kind of dual number only)")
            else:
                self.scalar = self.scalar and scalar
        return changed

    def split(self, out, n):
        """Components of an output for n nodes: each (lead...) + (n,).

        ``out`` is an array of n values (or one value, broadcast), a dual array, or
        a list of n scalars (floats or duals)."""
        if self.proto is None and type(out) is np.ndarray and out.dtype == np.float64 \
                and out.shape == (n,):
            return (out,)
        lead = self.lead_shapes()
        if isinstance(out, list) or (isinstance(out, np.ndarray) and out.dtype == object):
            items = list(out.ravel()) if isinstance(out, np.ndarray) else out
            comps = [np.zeros(s + (len(items),)) for s in lead]
            for i, o in enumerate(items):
                for c, part in zip(comps, self.split(o, 1)):
                    c[..., i] = part[..., 0]
            if len(items) != n:
                raise ValueError(f"the integrand returned {len(items)} values for {n} nodes")
            return tuple(comps)
        if is_dual(out):
            arr = as_dual_array(out)
            comps = components(arr)[0]
            if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n):
                raise ValueError(f"the integrand returned shape {arr.shape} for {n} nodes; "
                                 "it must return one value per node")
            if arr.ndim == 0:
                comps = tuple(np.repeat(np.asarray(c)[..., None], n, axis=-1) for c in comps)
            return tuple(np.asarray(c, dtype=np.float64) for c in comps)
        if isinstance(out, np.ndarray) and out.dtype.kind == "c" or isinstance(out, complex):
            raise TypeError("the integrand returned complex values; integrate the real and "
                            "imaginary parts separately")
        try:
            v = np.asarray(out, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError("the integrand must return a real number per node (a float, a "
                            f"dual number or an array of them), got {type(out).__name__}") from None
        if v.ndim == 0:
            v = np.full(n, float(v))
        elif v.shape != (n,):
            raise ValueError(f"the integrand returned shape {v.shape} for {n} nodes; it "
                             "must return one value per node")
        return (v,) + tuple(np.zeros(s + (n,)) for s in lead[1:])

    def build(self, comps):
        """A number of this form from summed components (each of shape lead...)."""
        if self.proto is None:
            return float(comps[0])
        if self.scalar or self.scalar_inputs:
            if self.sig[0] == "dual":
                if self.sig[1] == (1,):
                    return Dual(float(comps[0]), float(comps[1][0]), self.sig[2][0])
            elif self.sig[1] == (1, 1):
                return HyperDual(float(comps[0]), float(comps[1][0]), float(comps[2][0]),
                                 float(comps[3][0, 0]), *self.sig[2])
        return rebuild(self.proto, [np.asarray(c, dtype=np.float64) for c in comps])

    def upgrade(self, comps):
        """Float components (a 1-tuple) padded with zero tangents to this form."""
        if len(comps) == self.ncomp:
            return comps
        shape = np.shape(comps[0])
        return (comps[0],) + tuple(np.zeros(s + shape) for s in self.lead_shapes()[1:])


def _lead(sig):
    if sig[0] == "dual":
        return [(), sig[1]]
    p, q = sig[1]
    return [(), (p,), (q,), (p, q)]


def stack_state(y):
    """A state vector from what a right-hand side returned: an ndarray, a dual
    array, or a list / object array of floats and dual scalars or 0-d arrays.

    >>> s = stack_state([Dual(1.0, 2.0), 3.0])
    >>> print(s.value, s.eps)
    [1. 3.] [[2. 0.]]
    """
    if type(y) is list or type(y) is tuple:         # the common case: fun returned a list
        fast = _stack_same(y)
        if fast is not None:
            return fast
    elif isinstance(y, (DualArray, HyperDualArray)):
        return y
    if isinstance(y, np.ndarray) and y.dtype != object:
        return y.astype(np.float64, copy=False)
    if isinstance(y, DualNumber):
        return as_dual_array(y)
    if isinstance(y, _VECS):
        return operand(y)
    items = list(y.ravel()) if isinstance(y, np.ndarray) else list(y)
    if any(isinstance(o, _VECS) for o in items):     # elements of a dual array (x[i])
        return _conversions.from_objects(np.array(items, dtype=object)).reshape(np.shape(y))
    fast = _stack_same(items)
    if fast is not None:
        return fast
    if not any(is_dual(o) for o in items):
        return np.asarray(items, dtype=np.float64)
    form = Form()
    form.adopt(items)
    comps = form.split(items, len(items))
    return rebuild(form.proto, list(comps))


def _stack_same(items):
    """The common case of `stack_state`, fast: 0-d DualArrays of one tag and
    direction count (floats among them get zero tangents); None otherwise."""
    first = next((o for o in items if type(o) is DualArray), None)
    if first is None or first.ndim != 0:
        return None
    tag, k = first.tag, first.ndirs
    vals, eps = [], []
    zero = None
    for o in items:
        if type(o) is DualArray:
            if o.tag != tag or o.ndirs != k or o.ndim != 0:
                return None
            vals.append(o.value)
            eps.append(o.eps)
        elif isinstance(o, (float, int, np.floating, np.integer)) and not isinstance(o, bool):
            if zero is None:
                zero = np.zeros(k)
            vals.append(float(o))
            eps.append(zero)
        else:
            return None
    return DualArray(np.array(vals, dtype=np.float64), np.array(eps).T.copy(), tag)
