"""Design: the machinery every array function shares -- the registry that
NumPy's protocols consult (:data:`_IMPL`, :data:`_UMETH`, filled by the
``@_implements`` / ``@_ufunc_method`` decorators of the namespace modules), the
frame (the common dual type of several operands, lifted to component lists),
and the axis helpers that shift NumPy axes past the leading direction axes."""
import functools
import operator

import numpy as np

from dualcalc._core import _arrays as _A
from dualcalc._core._arrays import DualArray, DualArrayHandle, HyperDualArray
from dualcalc._core._scalar import Dual, HyperDual
from dualcalc._core._vec import DualVec, HyperDualVec


value_of = _A.value_of
_components = _A.components
_map = _A.map_components
_operand = _A.operand
_make_dual = _A.make_dual
_make_hyper = _A.make_hyper
_zero_e12 = _A.zero_eps1eps2
_DUALS = (DualArray, HyperDualArray)
_ZERO = np.float64(0.0)


# ================================================================ frames
class _Frame:
    """The common dual type of several operands: a DualArray perturbation (tag,
    k directions) or a HyperDualArray pair (t1, t2, p, q)."""

    __slots__ = ("hyper", "tag", "k", "t1", "t2", "p", "q")

    def leads(self):
        return (0, 1, 1, 2) if self.hyper else (0, 1)

    def lead_shapes(self):
        if self.hyper:
            return ((), (self.p,), (self.q,), (self.p, self.q))
        return ((), (self.k,))

    def lift(self, o):
        """Components of operand o in this frame: [value, tangents...] with None
        for a tangent that is exactly zero."""
        if type(o) is DualArray:
            if not self.hyper:
                return [o.value, o.eps]
            if o.tag == self.t1:
                return [o.value, o.eps, None, None]
            return [o.value, None, o.eps, None]
        if type(o) is HyperDualArray:
            if _zero_e12(o):                # a fresh seed: skip its (p, q) + S zeros
                return [o.value, o.eps1, o.eps2, None]
            return [o.value, o.eps1, o.eps2, o.eps1eps2]
        v = np.asarray(o, dtype=np.float64)
        return [v] + [None] * (3 if self.hyper else 1)

    def zeros(self, i, shape):
        return np.broadcast_to(_ZERO, self.lead_shapes()[i] + tuple(shape))

    def fill(self, comps):
        """comps with None replaced by zero arrays (read-only broadcasts)."""
        shape = np.shape(comps[0])
        return [c if c is not None else self.zeros(i, shape) for i, c in enumerate(comps)]

    def make(self, comps):
        shape = np.shape(comps[0])
        # zeros (calloc'd, untouched until written) rather than a copied broadcast
        comps = [c if c is not None else np.zeros(self.lead_shapes()[i] + shape)
                 for i, c in enumerate(comps)]
        if self.hyper:
            return _make_hyper(_own(comps[0]), _own(comps[1]), _own(comps[2]), _own(comps[3]),
                               self.t1, self.t2)
        return _make_dual(_own(comps[0]), _own(comps[1]), self.tag)


def _own(a):
    """A writeable array (zero broadcasts are materialised)."""
    a = np.asarray(a)
    if not a.flags.writeable:
        return np.array(a)
    return a


def _frame(objs):
    """The frame of the dual operands among objs (TypeError when they cannot be
    combined exactly)."""
    f = _Frame()
    duals = [o for o in objs if type(o) is DualArray]
    hypers = [o for o in objs if type(o) is HyperDualArray]
    tags = sorted({d.tag for d in duals})
    if not hypers and len(tags) <= 1:
        f.hyper = False
        f.tag = tags[0] if tags else 0
        ks = {d.ndirs for d in duals}
        if len(ks) > 1:
            raise _ndirs_error(ks)
        f.k = ks.pop() if ks else 0
        return f
    f.hyper = True
    if hypers:
        h = hypers[0]
        f.t1, f.t2 = h.tag1, h.tag2
        f.p, f.q = h.ndirs
        for o in hypers[1:]:
            if (o.tag1, o.tag2) != (f.t1, f.t2):
                raise TypeError("these HyperDualArrays belong to different differentiations "
                                "(tags {0}/{1} and {2}/{3})".format(f.t1, f.t2, o.tag1, o.tag2))
            if o.ndirs != (f.p, f.q):
                raise _ndirs_error({(f.p, f.q), o.ndirs})
        if duals and f.t1 == f.t2:
            raise TypeError("cannot combine a DualArray with a HyperDualArray whose two "
                            "perturbations share one tag")
    else:
        if len(tags) > 2:
            raise TypeError("a third level of nested differentiation is not supported "
                            "(dual arrays of tags {0} meet)".format(tags))
        f.t1, f.t2 = tags
        f.p = f.q = None
    for d in duals:
        if d.tag == f.t1:
            if f.p is None:
                f.p = d.ndirs
            elif d.ndirs != f.p:
                raise _ndirs_error({f.p, d.ndirs})
        elif d.tag == f.t2:
            if f.q is None:
                f.q = d.ndirs
            elif d.ndirs != f.q:
                raise _ndirs_error({f.q, d.ndirs})
        else:
            raise TypeError("a third level of nested differentiation is not supported: a "
                            "DualArray of tag {0} meets tags {1} and {2}".format(d.tag, f.t1, f.t2))
    return f


def _ndirs_error(ks):
    return TypeError("cannot combine dual arrays that carry different numbers of directions "
                     "({0}) in one perturbation".format(", ".join(map(str, sorted(ks, key=str)))))


def _lift_all(objs):
    """(frame, [components of each operand])."""
    ops = [_operand(o) for o in objs]
    f = _frame(ops)
    return f, [f.lift(o) for o in ops]


def _is_dual(o):
    return (type(o) in _DUALS or type(o) in (Dual, HyperDual, DualVec, HyperDualVec)
            or isinstance(o, DualArrayHandle))


# ================================================================ axis helpers
def _shift(axis, lead):
    """A normalised (non-negative) axis or tuple of axes shifted past lead axes."""
    if isinstance(axis, tuple):
        return tuple(a + lead for a in axis)
    return axis + lead


def _norm_axis(axis, nd):
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError("an axis must be an integer, got {0!r}".format(axis)) from None
    if not -nd <= a < nd:
        raise np.exceptions.AxisError(a, nd)
    return a % nd


def _norm_axes(axis, nd):
    if axis is None:
        return tuple(range(nd))
    if isinstance(axis, (tuple, list)):
        axes = tuple(_norm_axis(a, nd) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError("repeated axis")
        return axes
    return (_norm_axis(axis, nd),)


def _align(c, lead, nd):
    """Component c (lead + Sc) with 1-axes inserted after the lead so that its
    value part has nd dimensions (broadcasting against lead + S)."""
    cnd = c.ndim - lead
    if cnd < nd:
        c = c.reshape(c.shape[:lead] + (1,) * (nd - cnd) + c.shape[lead:])
    return c


# ================================================================ registry
_IMPL = _A._FUNCTIONS
_UMETH = _A._UFUNC_METHODS


def _implements(*funcs):
    def deco(fn):
        for f in funcs:
            _IMPL[f] = fn
        return fn
    return deco


def _ufunc_method(ufunc, method):
    def deco(fn):
        _UMETH[(ufunc, method)] = fn
        return fn
    return deco


def _no_out(name, out):
    if out is not None:
        raise TypeError("dualcalc: {0}(..., out=) is not supported on dual arrays".format(name))


def _check_dtype(name, dtype):
    if dtype is not None and np.dtype(dtype) != np.float64:
        raise TypeError("dualcalc: {0}(..., dtype={1!r}): dual arrays are float64 only".format(
            name, dtype))


def _store(r, out, name):
    """Write r into out (a dual array of r's kind) and return out; r if out is None."""
    if out is None:
        return r
    if isinstance(out, tuple) and len(out) == 1:
        out = out[0]
    if not _is_dual(out):
        raise TypeError("dualcalc: {0}(..., out=) needs a dual array as out (a {1} cannot "
                        "hold derivatives)".format(name, type(out).__name__))
    out[...] = r
    return out


# ================================================================ elementwise extras
def _value_only(fn):
    """A function of the values alone (comparisons, predicates, indices)."""
    @functools.wraps(fn)
    def impl(*args, **kwargs):
        return fn(*[_unwrap_value(a) for a in args],
                  **{k: _unwrap_value(v) for k, v in kwargs.items()})
    return impl


def _unwrap_value(a):
    if _is_dual(a):
        return value_of(a if not isinstance(a, DualArrayHandle) else a._dualcalc_array)
    if isinstance(a, (list, tuple)) and any(_is_dual(i) for i in a):
        return type(a)(_unwrap_value(i) for i in a)
    return a


def _constant_like(a, v):
    f, _ = _lift_all([a])
    return f.make([np.asarray(v, dtype=np.float64)] + [None] * (len(f.leads()) - 1))
