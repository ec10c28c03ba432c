"""Dual-valued arrays: existing NumPy code, differentiated without edits.

A :class:`DualArray` is a value array of shape S together with k tangent arrays
stacked as ``eps`` of shape (k,) + S (direction axis first): ``eps[j]`` is the
derivative of the value along the j-th seeded direction.  A
:class:`HyperDualArray` carries two sets of directions and their mixed second
derivatives: ``eps1`` (p,) + S, ``eps2`` (q,) + S, ``eps1eps2`` (p, q) + S.

>>> import numpy as np
>>> from dualcalc import DualArray
>>> x = DualArray(np.array([1.0, 2.0, 3.0]), np.eye(3))    # seed: the identity
>>> y = np.sum(np.sin(x) * x)                                # any NumPy code
>>> np.allclose(y.eps, np.sin(x.value) + x.value * np.cos(x.value))
True

Design
------
The elementwise calculus (every ufunc of the rule table, the arithmetic
operators, comparisons, indexing) is compiled, in ``dualcalc/_core/_arrays.pyx``.
This module holds everything that is linear algebra or bookkeeping, written once
for both array types:

* structure operations (reshape, transpose, concatenate, stack, where, ...) apply
  the same NumPy operation to every component array, with axis arguments shifted
  past the leading direction axes (:func:`dualcalc._core._arrays.map_components`);
* linear operations (sum, cumsum, trace, dot, matmul, einsum, tensordot, ...) are
  linear in the tangents as well, so they too act component by component -- the
  bilinear ones through one multilinear (product-rule) engine built on einsum;
* the few genuinely nonlinear array functions (prod, max/min, sort, norm, solve,
  inv, det, interp) have their exact rules here, each once per type.

What is supported is listed in :data:`SUPPORTED_FUNCTIONS` and
:data:`SUPPORTED_UFUNCS`.  Any other NumPy function raises TypeError naming
itself -- never an object-array fallback that would drop the derivatives.

Conversion to a plain array
---------------------------
``float(x)``, ``np.asarray(x, float)``, ``np.array(x)``, ``x.astype(int)``,
``x.tolist()`` raise TypeError naming ``.value``.  ``np.asarray(x)`` and
``np.asanyarray(x)`` *without* a dtype cannot be refused: SciPy's array-API
functions (``scipy.optimize.rosen`` among them) call ``np.asanyarray`` on every
input.  They return a read-only :class:`DualArrayHandle`, an ndarray subclass of
x's shape that forwards every operation to x (so SciPy keeps working on the
derivatives); its own buffer is NaN, so code that insists on a plain float array
gets NaN rather than values silently stripped of their derivatives.  Use
``x.value`` for the values.

Seeds, bands, chunking and memory
---------------------------------
k directions cost k times the memory of the values: a gradient of n inputs seeded
all at once holds n x n tangents per temporary.  Two things keep that in check.

*Banded seeds.*  :func:`seed_identity` (and :func:`seed_chunks`) store a chunk of
the identity seed as a band: ``band[b, i]`` is the derivative of flat element i
along direction ``i + off + b``.  Elementwise code, 1-D slicing with step 1,
single elements and full sums keep the band (rosen's tangents have bandwidth 3),
so the gradient of such code costs O(n), not O(n**2); anything else (and any
read of ``.eps``) materialises the dense tangents once, in a store shared with
views, so NumPy's view semantics hold.  :func:`seed_hvp` seeds a Hessian-vector
product the same way: eps1 a banded identity chunk, eps2 ONE dense direction v
(one number per element), eps1eps2 banded along eps1 only -- the chain rule
``e12' = g'·e12 + g''·e1·e2`` keeps that layout, full sums reduce it to the
(p, 1) result, and anything else densifies it to p + 1 + p tangents per
element -- so ``hvp`` costs about as much as a gradient.

*Chunks.*  :func:`seed_chunks` seeds the directions in passes.  Its default,
:func:`default_chunk`, bounds one dense tangent temporary by
:data:`CHUNK_ELEMENTS` (2**22 numbers, 32 MiB): all directions at once up to
n = 2048, 419 directions at n = 10,000.  Measured per gradient (2 cores, NumPy
2.4, medians), chunk c = 8 / 32 / 64 / 256 / 1024:

=============================  =====================================  ============
function, n = 10,000           time per gradient (ms)                 best c
=============================  =====================================  ============
rosen, banded seeds            233 / 59 / 29 / 7.5 / 1.9              largest
rosen, dense seeds             533 / 413 / 796 / 810 / 1486           32 (cache)
sum(tanh(A @ x)**2), A 200xn   1989 / 1044 / 1011 / 664 / 619         largest
=============================  =====================================  ============

Banded code wants few passes, and dense-tangent code is dominated by BLAS
(which wants wide chunks) unless it is elementwise on dense seeds -- the case
banded seeds remove.  So the default is memory-bound, not cache-bound: at
n = 10,000 the worst case above (rosen on dense seeds) peaks at 128 MiB, the
banded one at under 1 MiB (seeding all 10,000 dense directions at once would
need about 8 GB).
"""
import functools
import operator
import string

import numpy as np

from dualcalc._core import _arrays as _A
from dualcalc._core._arrays import DualArray, DualArrayHandle, HyperDualArray
from dualcalc._core._scalar import Dual, HyperDual

__all__ = [
    "DualArray", "HyperDualArray", "DualArrayHandle", "seed_chunks", "seed_dual",
    "seed_identity", "seed_identity_hyper", "seed_hvp", "is_banded", "default_chunk", "CHUNK_ELEMENTS",
    "SUPPORTED_FUNCTIONS", "SUPPORTED_UFUNCS", "value_of", "apply_rule",
]

#: Tangent numbers per dense temporary that :func:`default_chunk` allows
#: (see "Seeds, bands, chunking and memory").
CHUNK_ELEMENTS = 2 ** 22


def default_chunk(n):
    """Directions per pass for n inputs: all of them while one dense tangent
    array of n values stays within CHUNK_ELEMENTS numbers, else as many as fit
    (at least 32)."""
    n = int(n)
    return max(1, min(n, max(32, CHUNK_ELEMENTS // max(n, 1))))


seed_identity = _A.seed_identity
seed_identity_hyper = _A.seed_identity_hyper
seed_hvp = _A.seed_hvp
is_banded = _A.is_banded

value_of = _A.value_of
_components = _A.components
_map = _A.map_components
_operand = _A.operand
_make_dual = _A.make_dual
_make_hyper = _A.make_hyper
_DUALS = (DualArray, HyperDualArray)
_ZERO = np.float64(0.0)


def apply_rule(x, name):
    """Apply the rule-table function ``name`` (e.g. ``"erf"``, ``"gamma"``,
    ``"digamma"``) elementwise to a dual array -- for the functions that have no
    NumPy ufunc.

    >>> import numpy as np
    >>> x = DualArray(np.array([0.0]), np.ones((1, 1)))
    >>> apply_rule(x, "erf").eps          # 2/sqrt(pi)
    array([[1.12837917]])
    """
    from dualcalc._core._table import RULES
    return _A.apply_rule(x, RULES[name])


# ================================================================ seeding
def seed_dual(x, directions, tag=0):
    """``x`` carrying the given directions: a DualArray with value x and eps
    ``directions`` of shape (k,) + x.shape."""
    x = np.asarray(x, dtype=np.float64)
    return DualArray(x, np.asarray(directions, dtype=np.float64), tag=tag)


def seed_chunks(x, chunk=None, tag=0):
    """Seed the unit directions of ``x`` in passes of ``chunk`` directions
    (default :func:`default_chunk`).

    Yields ``(start, stop, xd)`` where ``xd`` is a banded DualArray (see
    :func:`seed_identity`) with value ``x`` whose ``eps[j]`` is the unit vector
    along flat index ``start + j``.  The Jacobian columns ``start:stop`` of f at x
    are ``f(xd).eps`` (moved to the back).  Peak memory is that of one pass.

    >>> import numpy as np
    >>> from scipy.optimize import rosen, rosen_der
    >>> x = np.linspace(-1.0, 1.0, 5)
    >>> g = np.empty(5)
    >>> for start, stop, xd in seed_chunks(x, chunk=2):
    ...     g[start:stop] = rosen(xd).eps
    >>> np.allclose(g, rosen_der(x))
    True
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    c = default_chunk(n) if chunk is None else int(chunk)
    if c < 1:
        raise ValueError("chunk must be a positive integer")
    for start in range(0, n, c):
        stop = min(start + c, n)
        yield start, stop, _A.seed_identity(x, start, stop, tag)


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
        comps = self.fill(comps)
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
    return type(o) in _DUALS or type(o) in (Dual, HyperDual) or isinstance(o, DualArrayHandle)


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


for _f in (np.shape, np.ndim, np.size, np.isclose, np.allclose, np.array_equal,
           np.array_equiv, np.nonzero, np.count_nonzero, np.argwhere, np.flatnonzero,
           np.all, np.any, np.isreal, np.iscomplex, np.isrealobj, np.iscomplexobj,
           np.searchsorted, np.digitize, np.histogram, np.unique, np.isin):
    _IMPL[_f] = _value_only(_f)


_IMPL[np.result_type] = _A.result_type


@_implements(np.round, np.around)
def _round(a, decimals=0, out=None):
    """Rounding is piecewise constant: zero derivative."""
    _no_out("round", out)
    return _constant_like(a, np.round(value_of(a), decimals))


def _constant_like(a, v):
    f, _ = _lift_all([a])
    return f.make([np.asarray(v, dtype=np.float64)] + [None] * (len(f.leads()) - 1))


def _make_like(fn):
    def impl(a, *args, dtype=None, order="K", subok=True, shape=None, **kwargs):
        """A constant of a's perturbation (zero tangents), so that code like
        ``out = np.zeros_like(x); out[i] = ...`` stays differentiable."""
        fill = args[0] if args else kwargs.get("fill_value")
        if fn is np.full_like and _is_dual(fill):
            base = _make_like(np.zeros_like)(a, dtype=dtype, shape=shape)
            return base + fill
        plain = fn(value_of(_operand(a)), *args, dtype=dtype, order=order, shape=shape,
                   **kwargs)
        if plain.dtype != np.float64:
            return plain
        return _constant_like(a, plain)
    impl.__name__ = fn.__name__
    return impl


for _f in (np.zeros_like, np.ones_like, np.empty_like, np.full_like):
    _IMPL[_f] = _make_like(_f)


# ================================================================ structure operations
@_implements(np.reshape)
def _reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    if shape is None:
        shape = newshape
    a = _operand(a)
    new = value_of(a).reshape(shape, order=order).shape
    r = _map(a, lambda c, lead: c.reshape(c.shape[:lead] + new, order=order))
    return _copy(r) if copy else r


@_implements(np.ravel)
def _ravel(a, order="C"):
    return _reshape(a, (-1,), order=order)


@_implements(np.transpose)
def _transpose(a, axes=None):
    a = _operand(a)
    nd = value_of(a).ndim
    axes = tuple(range(nd))[::-1] if axes is None else tuple(_norm_axis(x, nd) for x in axes)
    if len(axes) != nd or sorted(axes) != list(range(nd)):
        raise ValueError("axes don't match array")
    return _map(a, lambda c, lead: c.transpose(tuple(range(lead)) + _shift(axes, lead)))


@_implements(np.matrix_transpose)
def _matrix_transpose(x):
    return _swapaxes(x, -1, -2)


@_implements(np.swapaxes)
def _swapaxes(a, axis1, axis2):
    a = _operand(a)
    nd = value_of(a).ndim
    a1, a2 = _norm_axis(axis1, nd), _norm_axis(axis2, nd)
    return _map(a, lambda c, lead: c.swapaxes(a1 + lead, a2 + lead))


@_implements(np.moveaxis)
def _moveaxis(a, source, destination):
    a = _operand(a)
    nd = value_of(a).ndim
    src = _norm_axes(source if isinstance(source, (tuple, list)) else (source,), nd)
    dst = _norm_axes(destination if isinstance(destination, (tuple, list)) else (destination,), nd)
    return _map(a, lambda c, lead: np.moveaxis(c, _shift(src, lead), _shift(dst, lead)))


@_implements(np.squeeze)
def _squeeze(a, axis=None):
    a = _operand(a)
    shape = value_of(a).shape
    if axis is None:
        axes = tuple(i for i, n in enumerate(shape) if n == 1)
    else:
        axes = _norm_axes(axis, len(shape))
        if any(shape[i] != 1 for i in axes):
            raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    return _map(a, lambda c, lead: c.reshape(c.shape[:lead] + tuple(
        n for i, n in enumerate(shape) if i not in axes)))


@_implements(np.expand_dims)
def _expand_dims(a, axis):
    a = _operand(a)
    shape = value_of(a).shape
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    nd = len(shape) + len(axes)
    axes = _norm_axes(axes, nd)
    it = iter(shape)
    new = tuple(1 if i in axes else next(it) for i in range(nd))
    return _map(a, lambda c, lead: c.reshape(c.shape[:lead] + new))


def _make_atleast(n):
    def impl(*arys):
        out = []
        for a in arys:
            if not _is_dual(a):
                out.append(np.atleast_1d(a) if n == 1 else np.atleast_2d(a) if n == 2
                           else np.atleast_3d(a))
                continue
            a = _operand(a)
            nd = value_of(a).ndim
            if nd >= n:
                out.append(a)
            elif n == 3 and nd == 2:
                out.append(_expand_dims(a, -1))
            elif n == 3 and nd == 1:
                out.append(_expand_dims(a, (0, -1)))
            else:
                out.append(_reshape(a, (1,) * (n - nd) + value_of(a).shape))
        return out[0] if len(out) == 1 else tuple(out)
    return impl


_IMPL[np.atleast_1d] = _make_atleast(1)
_IMPL[np.atleast_2d] = _make_atleast(2)
_IMPL[np.atleast_3d] = _make_atleast(3)


@_implements(np.broadcast_to)
def _broadcast_to(array, shape, subok=False):
    a = _operand(array)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return _map(a, lambda c, lead: np.broadcast_to(_align(c, lead, len(shape)),
                                                   c.shape[:lead] + shape))


@_implements(np.broadcast_arrays)
def _broadcast_arrays(*args, subok=False):
    shape = np.broadcast_shapes(*[np.shape(value_of(_operand(a))) for a in args])
    return tuple(_broadcast_to(a, shape) if _is_dual(a) else np.broadcast_to(a, shape)
                 for a in args)


@_implements(np.copy)
def _copy(a, order="K", subok=False):
    return _map(_operand(a), lambda c, lead: np.array(c, order="C"))


@_implements(np.diagonal)
def _diagonal(a, offset=0, axis1=0, axis2=1):
    a = _operand(a)
    nd = value_of(a).ndim
    a1, a2 = _norm_axis(axis1, nd), _norm_axis(axis2, nd)
    return _map(a, lambda c, lead: np.diagonal(c, offset, a1 + lead, a2 + lead).copy())


@_implements(np.trace)
def _trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    _check_dtype("trace", dtype)
    a = _operand(a)
    nd = value_of(a).ndim
    a1, a2 = _norm_axis(axis1, nd), _norm_axis(axis2, nd)
    r = _map(a, lambda c, lead: np.trace(c, offset, a1 + lead, a2 + lead))
    return _store(r, out, "trace")


@_implements(np.diag)
def _diag(v, k=0):
    v = _operand(v)
    vv = value_of(v)
    if vv.ndim == 2:
        return _diagonal(v, k)
    if vv.ndim != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n = vv.shape[0] + abs(k)
    i = np.arange(vv.shape[0])
    rows, cols = (i, i + k) if k >= 0 else (i - k, i)

    def fn(c, lead):
        out = np.zeros(c.shape[:lead] + (n, n))
        out[(slice(None),) * lead + (rows, cols)] = c
        return out
    return _map(v, fn)


def _make_tri(fn):
    def impl(m, k=0):
        m = _operand(m)
        shape = value_of(m).shape
        mask = fn(np.ones(shape[-2:], dtype=bool), k)
        return _map(m, lambda c, lead: np.where(mask, c, 0.0))
    return impl


_IMPL[np.tril] = _make_tri(np.tril)
_IMPL[np.triu] = _make_tri(np.triu)


@_implements(np.flip)
def _flip(m, axis=None):
    m = _operand(m)
    axes = _norm_axes(axis, value_of(m).ndim)
    return _map(m, lambda c, lead: np.flip(c, _shift(axes, lead)))


@_implements(np.fliplr)
def _fliplr(m):
    return _flip(m, 1)


@_implements(np.flipud)
def _flipud(m):
    return _flip(m, 0)


@_implements(np.roll)
def _roll(a, shift, axis=None):
    a = _operand(a)
    if axis is None:
        shape = value_of(a).shape
        return _reshape(_roll(_ravel(a), shift, 0), shape)
    axes = _norm_axes(axis, value_of(a).ndim)
    return _map(a, lambda c, lead: np.roll(c, shift, _shift(axes, lead)))


@_implements(np.take)
def _take(a, indices, axis=None, out=None, mode="raise"):
    _no_out("take", out)
    a = _operand(a)
    if axis is None:
        a = _ravel(a)
        axis = 0
    ax = _norm_axis(axis, value_of(a).ndim)
    indices = value_of(indices)
    return _map(a, lambda c, lead: np.take(c, indices, axis=ax + lead, mode=mode))


@_implements(np.take_along_axis)
def _take_along_axis(arr, indices, axis=-1):
    arr = _operand(arr)
    indices = np.asarray(value_of(indices))
    if axis is None:
        arr = _ravel(arr)
        axis = 0
    ax = _norm_axis(axis, value_of(arr).ndim)
    return _map(arr, lambda c, lead: np.take_along_axis(
        c, indices.reshape((1,) * lead + indices.shape), axis=ax + lead))


@_implements(np.repeat)
def _repeat(a, repeats, axis=None):
    a = _operand(a)
    if axis is None:
        a = _ravel(a)
        axis = 0
    ax = _norm_axis(axis, value_of(a).ndim)
    return _map(a, lambda c, lead: np.repeat(c, repeats, axis=ax + lead))


@_implements(np.tile)
def _tile(A, reps):
    A = _operand(A)
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    nd = max(value_of(A).ndim, len(reps))
    reps = (1,) * (nd - len(reps)) + reps
    A = _reshape(A, (1,) * (nd - value_of(A).ndim) + value_of(A).shape)
    return _map(A, lambda c, lead: np.tile(c, (1,) * lead + reps))


def _join(name, arrays, axis, prep):
    """concatenate-like: lift every operand to the common frame, then apply the
    NumPy operation to each component."""
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to {0}".format(name))
    f, comps = _lift_all(arrays)
    comps = [f.fill(c) for c in comps]
    out = []
    for i, lead in enumerate(f.leads()):
        out.append(prep([c[i] for c in comps], lead))
    return f.make(out)


@_implements(np.concatenate)
def _concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    _check_dtype("concatenate", dtype)
    arrays = list(arrays)
    if axis is None:
        arrays = [_ravel(a) if _is_dual(a) else np.ravel(a) for a in arrays]
        axis = 0
    nd = np.ndim(value_of(_operand(arrays[0])))
    ax = _norm_axis(axis, nd) if nd else axis
    if nd == 1 and out is None:
        r = _A.concat_banded([_operand(a) if not isinstance(a, (int, float)) else a
                              for a in arrays])
        if r is not None:
            return r
    r = _join("concatenate", arrays, axis,
              lambda cs, lead: np.concatenate(cs, axis=ax + lead))
    return _store(r, out, "concatenate")


@_implements(np.stack)
def _stack(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    _check_dtype("stack", dtype)
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to stack")
    nd = np.ndim(value_of(_operand(arrays[0]))) + 1
    ax = _norm_axis(axis, nd)
    r = _join("stack", arrays, axis, lambda cs, lead: np.stack(cs, axis=ax + lead))
    return _store(r, out, "stack")


@_implements(np.hstack)
def _hstack(tup, dtype=None, casting="same_kind"):
    arrs = [_IMPL[np.atleast_1d](a) for a in tup]
    if arrs and np.ndim(value_of(_operand(arrs[0]))) == 1:
        return _concatenate(arrs, 0, dtype=dtype)
    return _concatenate(arrs, 1, dtype=dtype)


@_implements(np.vstack, np.row_stack if hasattr(np, "row_stack") else np.vstack)
def _vstack(tup, dtype=None, casting="same_kind"):
    return _concatenate([_IMPL[np.atleast_2d](a) for a in tup], 0, dtype=dtype)


@_implements(np.column_stack)
def _column_stack(tup):
    arrs = []
    for a in tup:
        v = value_of(_operand(a))
        if v.ndim < 2:
            a = _reshape(_operand(a), (-1, 1)) if _is_dual(a) else np.reshape(a, (-1, 1))
        arrs.append(a)
    return _concatenate(arrs, 1)


def _ravel_any(a):
    a = _operand(a)
    return _ravel(a) if type(a) in _DUALS else np.ravel(a)


@_implements(np.append)
def _append(arr, values, axis=None):
    if axis is None:
        return _concatenate([_ravel_any(arr), _ravel_any(values)], 0)
    return _concatenate([arr, values], axis)


def _make_split(fn):
    def impl(ary, indices_or_sections, axis=0):
        ary = _operand(ary)
        v = value_of(ary)
        ax = _norm_axis(axis, v.ndim)
        pieces = fn(np.arange(v.shape[ax]), indices_or_sections)
        out = []
        for p in pieces:
            sl = (slice(None),) * ax + (slice(p[0], p[-1] + 1) if len(p) else slice(0, 0),)
            out.append(ary[sl])
        return out
    return impl


_IMPL[np.split] = _make_split(np.split)
_IMPL[np.array_split] = _make_split(np.array_split)


@_implements(np.where)
def _where(condition, x=None, y=None):
    if x is None and y is None:
        return np.where(value_of(condition))
    if x is None or y is None:
        raise ValueError("either both or neither of x and y should be given")
    cond = np.asarray(value_of(condition), dtype=bool)
    f, (cx, cy) = _lift_all([x, y])
    shape = np.broadcast_shapes(cond.shape, np.shape(cx[0]), np.shape(cy[0]))
    nd = len(shape)
    out = []
    for i, (a, b, lead) in enumerate(zip(cx, cy, f.leads())):
        if i and a is None and b is None:
            out.append(None)
            continue
        a = f.zeros(i, (1,) * nd) if a is None else _align(np.asarray(a), lead, nd)
        b = f.zeros(i, (1,) * nd) if b is None else _align(np.asarray(b), lead, nd)
        out.append(np.where(cond, a, b))
    return f.make(out)


@_implements(np.clip)
def _clip(a, a_min=np._NoValue, a_max=np._NoValue, out=None, *, min=np._NoValue,
          max=np._NoValue, **kwargs):
    """Values outside [a_min, a_max] take the bound (and its derivative); inside,
    and at the bounds themselves, the element keeps its own derivative."""
    lo = a_min if a_min is not np._NoValue else (None if min is np._NoValue else min)
    hi = a_max if a_max is not np._NoValue else (None if max is np._NoValue else max)
    r = _operand(a)
    if lo is not None:
        r = _where(np.less(value_of(r), value_of(_operand(lo))), lo, r)
    if hi is not None:
        r = _where(np.greater(value_of(r), value_of(_operand(hi))), hi, r)
    if lo is None and hi is None:
        r = _copy(r)
    return _store(r, out, "clip")


# ================================================================ reductions
def _sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=np._NoValue,
         where=np._NoValue):
    _check_dtype("sum", dtype)
    if type(a) not in _DUALS:
        a = _operand(a)
    if where is not np._NoValue and where is not True:
        a = _where(where, a, 0.0)
    r = _A.sum_array(a, axis, bool(keepdims))
    if initial is not np._NoValue and initial is not None:
        r = r + initial
    return _store(r, out, "sum") if out is not None else r


# np.sum: the common call in C (dualcalc._core._arrays.sum_function), the rest here
_IMPL[np.sum] = _A.sum_function
_A.set_sum_general(_sum)


@_ufunc_method(np.add, "reduce")
def _add_reduce(ufunc, inputs, kwargs):
    kwargs = dict(kwargs)
    axis = kwargs.pop("axis", 0)
    return _sum(inputs[0], axis=axis, **kwargs)


@_implements(np.mean)
def _mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=np._NoValue):
    _check_dtype("mean", dtype)
    a = _operand(a)
    v = value_of(a)
    if where is not np._NoValue and where is not True:
        n = np.sum(np.broadcast_to(where, v.shape), axis=axis, keepdims=keepdims)
    else:
        n = 1
        for ax in _norm_axes(axis, v.ndim):
            n *= v.shape[ax]
    r = _sum(a, axis=axis, keepdims=keepdims, where=where) / n
    return _store(r, out, "mean")


@_implements(np.average)
def _average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    if weights is None:
        r = _mean(a, axis=axis, keepdims=keepdims)
        n = np.size(value_of(_operand(a))) / np.size(value_of(r))
        return (r, np.broadcast_to(n, np.shape(value_of(r)))) if returned else r
    w = weights
    v = value_of(_operand(a))
    if np.ndim(value_of(w)) != v.ndim:
        if axis is None:
            raise TypeError("Axis must be specified when shapes of a and weights differ.")
        ax = _norm_axis(axis, v.ndim)
        shape = [1] * v.ndim
        shape[ax] = np.shape(value_of(w))[0]
        w = _reshape(w, tuple(shape)) if _is_dual(w) else np.reshape(w, shape)
    scl = _sum(_operand(w) * np.ones(v.shape), axis=axis, keepdims=keepdims) if _is_dual(w) \
        else np.sum(np.broadcast_to(w, v.shape), axis=axis, keepdims=keepdims)
    r = _sum(_operand(a) * w, axis=axis, keepdims=keepdims) / scl
    return (r, scl) if returned else r


@_implements(np.var)
def _var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=np._NoValue,
         mean=np._NoValue, correction=np._NoValue):
    _check_dtype("var", dtype)
    if correction is not np._NoValue:
        ddof = correction
    a = _operand(a)
    v = value_of(a)
    n = 1
    for ax in _norm_axes(axis, v.ndim):
        n *= v.shape[ax]
    m = _mean(a, axis=axis, keepdims=True) if mean is np._NoValue else mean
    d = a - m
    r = _sum(d * d, axis=axis, keepdims=keepdims) / max(n - ddof, 0)
    return _store(r, out, "var")


@_implements(np.std)
def _std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=np._NoValue,
         mean=np._NoValue, correction=np._NoValue):
    r = np.sqrt(_var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims,
                     mean=mean, correction=correction))
    return _store(r, out, "std")


def _axis_last(a, axis):
    """a with the reduced axes (None: all) moved to the end and merged into one;
    returns (a2, kept_shape, axes)."""
    v = value_of(a)
    axes = _norm_axes(axis, v.ndim)
    rest = tuple(i for i in range(v.ndim) if i not in axes)
    kept = tuple(v.shape[i] for i in rest)
    if axes == tuple(range(v.ndim - len(axes), v.ndim)) and len(axes) == 1:
        return a, kept, axes
    a2 = _transpose(a, rest + axes)
    return _reshape(a2, kept + (-1,)), kept, axes


def _keep(r, shape, axes, keepdims):
    if not keepdims:
        return r
    new = tuple(1 if i in axes else n for i, n in enumerate(shape))
    return _reshape(r, new)


def _select_reduce(a, axis, keepdims, pick, name, initial=np._NoValue, where=np._NoValue):
    """max/min: the selected element carries its own derivative."""
    if initial is not np._NoValue or (where is not np._NoValue and where is not True):
        raise TypeError("dualcalc: {0}(..., initial=, where=) is not supported on dual "
                        "arrays".format(name))
    a = _operand(a)
    v = value_of(a)
    if v.size == 0:
        raise ValueError("zero-size array to reduction operation {0} which has no "
                         "identity".format(name))
    a2, kept, axes = _axis_last(a, axis)
    idx = pick(value_of(a2), axis=-1)[..., None]
    r = _take_along_axis(a2, idx, axis=-1)
    r = _reshape(r, kept)
    return _keep(r, v.shape, axes, keepdims)


def _nanpick(argfn):
    def pick(v, axis):
        filled = np.where(np.isnan(v), -np.inf if argfn is np.argmax else np.inf, v)
        i = argfn(filled, axis=axis)
        return i
    return pick


@_implements(np.max, np.amax)
def _max(a, axis=None, out=None, keepdims=False, initial=np._NoValue, where=np._NoValue):
    return _store(_select_reduce(a, axis, keepdims, np.argmax, "max", initial, where), out, "max")


@_implements(np.min, np.amin)
def _min(a, axis=None, out=None, keepdims=False, initial=np._NoValue, where=np._NoValue):
    return _store(_select_reduce(a, axis, keepdims, np.argmin, "min", initial, where), out, "min")


@_implements(np.nanmax)
def _nanmax(a, axis=None, out=None, keepdims=False, **kwargs):
    return _store(_select_reduce(a, axis, keepdims, _nanpick(np.argmax), "nanmax"), out, "nanmax")


@_implements(np.nanmin)
def _nanmin(a, axis=None, out=None, keepdims=False, **kwargs):
    return _store(_select_reduce(a, axis, keepdims, _nanpick(np.argmin), "nanmin"), out, "nanmin")


def _reduce_method(fn, nan=False):
    def impl(ufunc, inputs, kwargs):
        kwargs = dict(kwargs)
        axis = kwargs.pop("axis", 0)
        out = kwargs.pop("out", None)
        _check_dtype(ufunc.__name__ + ".reduce", kwargs.pop("dtype", None))
        r = fn(inputs[0], axis=axis, keepdims=kwargs.pop("keepdims", False), **kwargs)
        return _store(r, out, ufunc.__name__ + ".reduce")
    return impl


_UMETH[(np.maximum, "reduce")] = _reduce_method(_max)
_UMETH[(np.minimum, "reduce")] = _reduce_method(_min)
_UMETH[(np.fmax, "reduce")] = _reduce_method(_nanmax)
_UMETH[(np.fmin, "reduce")] = _reduce_method(_nanmin)


for _f in (np.argmax, np.argmin, np.argsort, np.nanargmax, np.nanargmin, np.argpartition,
           np.lexsort):
    _IMPL[_f] = _value_only(_f)


@_implements(np.sort)
def _sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """Sorted by value; each element keeps its derivative."""
    a = _operand(a)
    if axis is None:
        a = _ravel(a)
        axis = -1
    idx = np.argsort(value_of(a), axis=axis, kind=kind, stable=stable)
    return _take_along_axis(a, idx, axis=axis)


def _tree_prod(a):
    """Product over the last axis by pairwise products (log2(n) vectorised
    multiplications, valid for both types)."""
    n = value_of(a).shape[-1]
    if n == 0:
        return _constant_like(a, np.ones(value_of(a).shape[:-1]))
    while n > 1:
        half = n // 2
        p = a[..., :half] * a[..., half:2 * half]
        a = _concatenate([p, a[..., 2 * half:]], -1) if n % 2 else p
        n = value_of(a).shape[-1]
    return a[..., 0]


@_implements(np.prod)
def _prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=np._NoValue,
          where=np._NoValue):
    _check_dtype("prod", dtype)
    a = _operand(a)
    if where is not np._NoValue and where is not True:
        a = _where(where, a, 1.0)
    v = value_of(a)
    a2, kept, axes = _axis_last(a, axis)
    v2 = value_of(a2)
    if type(a2) is DualArray:
        # d prod = sum_i (prod_{j != i} x_j) dx_i with the exclusive products from
        # prefix and suffix products: exact, and no division (zeros are fine).
        n = v2.shape[-1]
        ones = np.ones(v2.shape[:-1] + (1,))
        pre = np.concatenate([ones, np.cumprod(v2[..., :-1], axis=-1)], axis=-1) if n else v2
        suf = np.concatenate([np.cumprod(v2[..., :0:-1], axis=-1)[..., ::-1], ones],
                             axis=-1) if n else v2
        excl = pre * suf
        val = np.prod(v2, axis=-1)
        eps = np.einsum("k...i,...i->k...", a2.eps, excl) if n else np.zeros(
            a2.eps.shape[:-1])
        r = _make_dual(np.asarray(val, dtype=np.float64), eps, a2.tag)
    else:
        r = _tree_prod(a2)
        r = _make_hyper(np.asarray(np.prod(v2, axis=-1), dtype=np.float64), r.eps1, r.eps2,
                        r.eps1eps2, r.tag1, r.tag2)
    r = _keep(_reshape(r, kept), v.shape, axes, keepdims)
    if initial is not np._NoValue:
        r = r * initial
    return _store(r, out, "prod")


@_ufunc_method(np.multiply, "reduce")
def _mul_reduce(ufunc, inputs, kwargs):
    kwargs = dict(kwargs)
    axis = kwargs.pop("axis", 0)
    return _prod(inputs[0], axis=axis, **kwargs)


@_implements(np.cumsum)
def _cumsum(a, axis=None, dtype=None, out=None):
    _check_dtype("cumsum", dtype)
    a = _operand(a)
    if axis is None:
        a = _ravel(a)
        axis = 0
    ax = _norm_axis(axis, value_of(a).ndim)
    return _store(_map(a, lambda c, lead: np.cumsum(c, axis=ax + lead)), out, "cumsum")


@_implements(np.cumprod)
def _cumprod(a, axis=None, dtype=None, out=None):
    """Inclusive scan by doubling (log2(n) vectorised multiplications); the value
    is NumPy's own cumprod."""
    _check_dtype("cumprod", dtype)
    a = _operand(a)
    if axis is None:
        a = _ravel(a)
        axis = 0
    v = value_of(a)
    ax = _norm_axis(axis, v.ndim)
    b = _moveaxis(a, ax, -1)
    n = value_of(b).shape[-1]
    s = 1
    while s < n:
        b = _concatenate([b[..., :s], b[..., s:] * b[..., :n - s]], -1)
        s *= 2
    comps, _ = _components(b)
    b = _A.rebuild(b, (np.cumprod(np.moveaxis(v, ax, -1), axis=-1),) + tuple(comps[1:]))
    return _store(_moveaxis(b, -1, ax), out, "cumprod")


@_ufunc_method(np.add, "accumulate")
def _add_accumulate(ufunc, inputs, kwargs):
    kwargs = dict(kwargs)
    return _cumsum(inputs[0], axis=kwargs.pop("axis", 0), **kwargs)


@_ufunc_method(np.multiply, "accumulate")
def _mul_accumulate(ufunc, inputs, kwargs):
    kwargs = dict(kwargs)
    return _cumprod(inputs[0], axis=kwargs.pop("axis", 0), **kwargs)


@_implements(np.diff)
def _diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    a = _operand(a)
    nd = value_of(a).ndim
    ax = _norm_axis(axis, nd)
    parts = []
    if prepend is not np._NoValue:
        p = _operand(prepend)
        if np.ndim(value_of(p)) == 0:
            shape = list(value_of(a).shape)
            shape[ax] = 1
            p = _broadcast_to(p, tuple(shape)) if _is_dual(p) else np.broadcast_to(p, shape)
        parts.append(p)
    parts.append(a)
    if append is not np._NoValue:
        p = _operand(append)
        if np.ndim(value_of(p)) == 0:
            shape = list(value_of(a).shape)
            shape[ax] = 1
            p = _broadcast_to(p, tuple(shape)) if _is_dual(p) else np.broadcast_to(p, shape)
        parts.append(p)
    if len(parts) > 1:
        a = _concatenate(parts, ax)
    lo = (slice(None),) * ax + (slice(None, -1),)
    hi = (slice(None),) * ax + (slice(1, None),)
    for _ in range(n):
        a = a[hi] - a[lo]
    return a


@_implements(np.polyval)
def _polyval(p, x):
    """Horner's scheme, exactly as NumPy evaluates it."""
    p = _operand(p)
    x = _operand(x)
    y = _constant_like(x, np.zeros(np.shape(value_of(x)))) if _is_dual(x) else np.zeros_like(x)
    for i in range(np.shape(value_of(p))[0]):
        y = y * x + p[i]
    return y


@_implements(np.interp)
def _interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation, differentiable in x: the slope of the
    segment x lies in (right-continuous at the knots, 0 outside [xp[0], xp[-1]])."""
    if _is_dual(xp) or _is_dual(fp) or _is_dual(left) or _is_dual(right):
        raise TypeError("dualcalc: numpy.interp is differentiable in x only; xp, fp, left "
                        "and right must be plain arrays")
    if period is not None:
        raise TypeError("dualcalc: numpy.interp(..., period=) is not supported on dual arrays")
    x = _operand(x)
    xp = np.asarray(xp, dtype=np.float64)
    fp = np.asarray(fp, dtype=np.float64)
    xv = value_of(x)
    val = np.interp(xv, xp, fp, left, right)
    if len(xp) < 2:
        slope = np.zeros(np.shape(xv))
    else:
        i = np.clip(np.searchsorted(xp, xv, side="right") - 1, 0, len(xp) - 2)
        slope = (fp[i + 1] - fp[i]) / (xp[i + 1] - xp[i])
        slope = np.where((xv < xp[0]) | (xv > xp[-1]), 0.0, slope)
    r = (x - xv) * slope
    comps, _ = _components(r)
    return _A.rebuild(r, (np.asarray(val, dtype=np.float64),) + tuple(comps[1:]))


# ================================================================ multilinear engine
def _parse_einsum(subscripts, nops):
    s = subscripts.replace(" ", "")
    if "->" in s:
        ins, out = s.split("->")
    else:
        ins = s
        letters = ins.replace(",", "").replace(".", "")
        out = ("..." if "..." in ins else "") + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1))
    ins = ins.split(",")
    if len(ins) != nops:
        raise ValueError("einsum: {0} operands for {1} subscripts".format(nops, len(ins)))
    return ins, out


def _fresh(used, n):
    pool = [c for c in string.ascii_letters if c not in used]
    return pool[:n]


def _multilinear(ins, out, operands, optimize=False):
    """einsum(ins -> out) of dual operands by the product rule: linear in each
    operand, so a tangent term is the einsum with one operand replaced by its
    tangent (the direction axes get fresh letters in front)."""
    f, comps = _lift_all(operands)
    used = set("".join(ins) + out)
    P, Q = _fresh(used, 2)
    vals = [c[0] for c in comps]
    spec = ",".join(ins) + "->" + out
    value = np.einsum(spec, *vals, optimize=optimize)
    value = np.asarray(value, dtype=np.float64)

    def term(letters_by_op, comp_by_op, lead_out):
        specs = []
        arrs = []
        for i, (s, v) in enumerate(zip(ins, vals)):
            if i in comp_by_op:
                specs.append(letters_by_op[i] + s)
                arrs.append(comp_by_op[i])
            else:
                specs.append(s)
                arrs.append(v)
        return np.einsum(",".join(specs) + "->" + lead_out + out, *arrs, optimize=optimize)

    def first(slot, letter):
        total = None
        for i, c in enumerate(comps):
            if c[slot] is None:
                continue
            t = term({i: letter}, {i: c[slot]}, letter)
            total = t if total is None else total + t
        return total

    if not f.hyper:
        eps = first(1, P)
        if eps is None:
            eps = np.zeros((f.k,) + value.shape)
        return _make_dual(value, np.asarray(eps, dtype=np.float64), f.tag)
    e1 = first(1, P)
    e2 = first(2, Q)
    e12 = None
    for i, c in enumerate(comps):
        if c[3] is not None:
            t = term({i: P + Q}, {i: c[3]}, P + Q)
            e12 = t if e12 is None else e12 + t
    for i, ci in enumerate(comps):
        if ci[1] is None:
            continue
        for j, cj in enumerate(comps):
            if j == i or cj[2] is None:
                continue
            t = term({i: P, j: Q}, {i: ci[1], j: cj[2]}, P + Q)
            e12 = t if e12 is None else e12 + t
    return f.make([value, e1, e2, e12])


@_implements(np.einsum)
def _einsum(*operands, out=None, optimize=False, **kwargs):
    if not operands or not isinstance(operands[0], str):
        raise TypeError("dualcalc: numpy.einsum on dual arrays needs the subscripts string "
                        "form, einsum('ij,jk->ik', a, b)")
    _no_out("einsum", out)
    if kwargs.get("dtype") is not None:
        _check_dtype("einsum", kwargs["dtype"])
    ins, o = _parse_einsum(operands[0], len(operands) - 1)
    return _multilinear(ins, o, operands[1:], optimize)


def _letters(n, start=0):
    return string.ascii_lowercase[start:start + n]


def _matmul_impl(a, b):
    a = _operand(a)
    b = _operand(b)
    na, nb = np.ndim(value_of(a)), np.ndim(value_of(b))
    if na == 0 or nb == 0:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    fast = _matmul_fast(a, b, na, nb)
    if fast is not None:
        return fast
    if na == 1 and nb == 1:
        return _multilinear(["i", "i"], "", [a, b])
    if na == 1:
        return _multilinear(["j", "...jk"], "...k", [a, b])
    if nb == 1:
        return _multilinear(["...ij", "j"], "...i", [a, b])
    return _multilinear(["...ij", "...jk"], "...ik", [a, b])


def _matmul_fast(a, b, na, nb):
    """BLAS paths for a constant matrix meeting a DualArray (the common case of
    a model applied to dual parameters or inputs)."""
    ta, tb = type(a), type(b)
    if ta is DualArray and tb is not DualArray and tb is not HyperDualArray and nb <= 2:
        bv = np.asarray(b, dtype=np.float64)
        return _make_dual(np.asarray(np.matmul(a.value, bv), dtype=np.float64),
                          np.matmul(a.eps, bv), a.tag)
    if tb is DualArray and ta is not DualArray and ta is not HyperDualArray and na <= 2:
        av = np.asarray(a, dtype=np.float64)
        if nb >= 2:
            return _make_dual(np.asarray(np.matmul(av, b.value), dtype=np.float64),
                              np.matmul(av, b.eps), b.tag)
        # b is a vector: (k, n) tangents -> (k, m) = eps @ av.T
        return _make_dual(np.asarray(np.matmul(av, b.value), dtype=np.float64),
                          np.matmul(b.eps, av.T) if na == 2 else np.matmul(b.eps, av),
                          b.tag)
    if ta is DualArray and tb is DualArray and a.tag == b.tag and na == 2 and nb in (1, 2):
        if a.eps.shape[0] != b.eps.shape[0]:
            raise _ndirs_error({a.eps.shape[0], b.eps.shape[0]})
        v = np.matmul(a.value, b.value)
        if nb == 2:
            e = np.matmul(a.eps, b.value) + np.matmul(a.value, b.eps)
        else:
            e = np.matmul(a.eps, b.value) + np.matmul(b.eps, a.value.T)
        return _make_dual(np.asarray(v, dtype=np.float64), e, a.tag)
    return None


@_ufunc_method(np.matmul, "__call__")
def _matmul_ufunc(ufunc, inputs, kwargs):
    kwargs = dict(kwargs)
    out = kwargs.pop("out", None)
    _check_dtype("matmul", kwargs.pop("dtype", None))
    for key in ("casting", "order", "subok"):
        kwargs.pop(key, None)
    if kwargs:
        raise TypeError("dualcalc: numpy.matmul(..., {0}=) is not supported on dual arrays"
                        .format(next(iter(kwargs))))
    return _store(_matmul_impl(*inputs), out, "matmul")


_IMPL[np.matmul] = lambda a, b, **kw: _matmul_ufunc(np.matmul, (a, b), kw)


if hasattr(np, "vecdot"):
    @_ufunc_method(np.vecdot, "__call__")
    def _vecdot_ufunc(ufunc, inputs, kwargs):
        kwargs = dict(kwargs)
        _no_out("vecdot", kwargs.pop("out", None))
        axis = kwargs.pop("axis", -1)
        a, b = (_moveaxis(_operand(x), axis, -1) if _is_dual(x) else np.moveaxis(x, axis, -1)
                for x in inputs)
        return _multilinear(["...i", "...i"], "...", [a, b])


@_implements(np.dot)
def _dot(a, b, out=None):
    a = _operand(a)
    b = _operand(b)
    na, nb = np.ndim(value_of(a)), np.ndim(value_of(b))
    if na == 0 or nb == 0:
        r = a * b
    elif na <= 2 and nb <= 2:
        r = _matmul_impl(a, b)
    else:
        la = _letters(na)
        lb = _letters(nb, na)
        lb = lb[:-2] + la[-1] + lb[-1] if nb >= 2 else la[-1]
        o = la[:-1] + (lb[:-2] + lb[-1] if nb >= 2 else "")
        r = _multilinear([la, lb], o, [a, b])
    return _store(r, out, "dot")


@_implements(np.inner)
def _inner(a, b):
    a = _operand(a)
    b = _operand(b)
    na, nb = np.ndim(value_of(a)), np.ndim(value_of(b))
    if na == 0 or nb == 0:
        return a * b
    la = _letters(na - 1) + "z"
    lb = _letters(nb - 1, na - 1) + "z"
    return _multilinear([la, lb], la[:-1] + lb[:-1], [a, b])


@_implements(np.outer)
def _outer(a, b, out=None):
    a = _ravel(_operand(a)) if _is_dual(a) else np.ravel(a)
    b = _ravel(_operand(b)) if _is_dual(b) else np.ravel(b)
    return _store(_multilinear(["i", "j"], "ij", [a, b]), out, "outer")


@_implements(np.vdot)
def _vdot(a, b):
    a = _ravel(_operand(a)) if _is_dual(a) else np.ravel(a)
    b = _ravel(_operand(b)) if _is_dual(b) else np.ravel(b)
    return _multilinear(["i", "i"], "", [a, b])


@_implements(np.tensordot)
def _tensordot(a, b, axes=2):
    a = _operand(a)
    b = _operand(b)
    na, nb = np.ndim(value_of(a)), np.ndim(value_of(b))
    if isinstance(axes, (int, np.integer)):
        axa = list(range(na - axes, na))
        axb = list(range(axes))
    else:
        axa, axb = axes
        axa = [axa] if isinstance(axa, (int, np.integer)) else list(axa)
        axb = [axb] if isinstance(axb, (int, np.integer)) else list(axb)
        axa = [x % na for x in axa]
        axb = [x % nb for x in axb]
    la = list(_letters(na))
    lb = list(_letters(nb, na))
    for i, j in zip(axa, axb):
        lb[j] = la[i]
    o = "".join(c for i, c in enumerate(la) if i not in axa) + "".join(
        c for j, c in enumerate(lb) if j not in axb)
    return _multilinear(["".join(la), "".join(lb)], o, [a, b])


def _ufunc_outer(ufunc, inputs, kwargs):
    """ufunc.outer(a, b) for a binary ufunc of the rule table: a broadcast against b."""
    if kwargs:
        raise TypeError("dualcalc: numpy.{0}.outer takes no keywords on dual arrays".format(
            ufunc.__name__))
    a, b = inputs
    nb = np.ndim(value_of(_operand(b)))
    a = _reshape(_operand(a), np.shape(value_of(_operand(a))) + (1,) * nb) if _is_dual(a) \
        else np.reshape(a, np.shape(a) + (1,) * nb)
    return ufunc(a, b)


for _u in list(_A._BINARY_UFUNCS):
    _UMETH[(_u, "outer")] = _ufunc_outer


# ================================================================ two-output ufuncs
@_ufunc_method(np.divmod, "__call__")
def _divmod_ufunc(ufunc, inputs, kwargs):
    if kwargs.get("out") is not None:
        raise TypeError("dualcalc: numpy.divmod(..., out=) is not supported on dual arrays")
    return (np.floor_divide(*inputs), np.remainder(*inputs))


@_ufunc_method(np.modf, "__call__")
def _modf_ufunc(ufunc, inputs, kwargs):
    if kwargs.get("out") is not None:
        raise TypeError("dualcalc: numpy.modf(..., out=) is not supported on dual arrays")
    x = _operand(inputs[0])
    ip = np.trunc(x)
    return (x - ip, ip)


@_ufunc_method(np.ldexp, "__call__")
def _ldexp_ufunc(ufunc, inputs, kwargs):
    if kwargs.get("out") is not None:
        raise TypeError("dualcalc: numpy.ldexp(..., out=) is not supported on dual arrays")
    x, i = inputs
    if _is_dual(i):
        raise TypeError("dualcalc: numpy.ldexp(x, i): the exponent i must be integers")
    return x * np.ldexp(1.0, i)


# ================================================================ linear algebra
@_implements(np.linalg.inv)
def _inv(a):
    """d(A^-1) = -A^-1 dA A^-1; second order from A X = I differentiated twice."""
    f, [(A0, *dA)] = _lift_all([a])
    X = np.linalg.inv(A0)
    if not f.hyper:
        e = -X @ dA[0] @ X if dA[0] is not None else None
        return f.make([X, e])
    A1, A2, A12 = dA
    X1 = -X @ A1 @ X if A1 is not None else None
    X2 = -X @ A2 @ X if A2 is not None else None
    acc = None
    if A12 is not None:
        acc = A12 @ X
    if A1 is not None and X2 is not None:
        t = A1[:, None] @ X2[None, :]
        acc = t if acc is None else acc + t
    if A2 is not None and X1 is not None:
        t = A2[None, :] @ X1[:, None]
        acc = t if acc is None else acc + t
    X12 = -X @ acc if acc is not None else None
    return f.make([X, X1, X2, X12])


@_implements(np.linalg.solve)
def _solve(a, b):
    """x = A^-1 b; dx = A^-1 (db - dA x), and to second order
    x12 = A^-1 (b12 - A12 x - A1 x2 - A2 x1)."""
    f, [ca, cb] = _lift_all([a, b])
    A0, b0 = ca[0], cb[0]
    if A0.ndim != 2:
        raise TypeError("dualcalc: numpy.linalg.solve on dual arrays supports one (n, n) "
                        "matrix; batched systems are not supported")
    vec = b0.ndim == 1
    x0 = np.linalg.solve(A0, b0)

    def mv(M, x):
        """M (lead..., n, n) applied to x (lead'..., n[, m]) broadcasting leads."""
        if vec:
            return np.einsum("...ij,...j->...i", M, x)
        return M @ x

    def solve_many(rhs, lead):
        """A0^-1 applied to each rhs[lead...]."""
        if rhs is None:
            return None
        shp = rhs.shape
        n = A0.shape[0]
        if vec:
            m = rhs.reshape(-1, n).T
            return np.linalg.solve(A0, m).T.reshape(shp)
        cols = np.moveaxis(rhs.reshape((-1,) + b0.shape), 0, 1).reshape(n, -1)
        sol = np.linalg.solve(A0, cols).reshape((n, -1) + b0.shape[1:])
        return np.moveaxis(sol, 1, 0).reshape(shp)

    def rhs_first(db, dA):
        r = None
        if db is not None:
            r = db
        if dA is not None:
            t = -mv(dA, x0)
            r = t if r is None else r + t
        return r

    if not f.hyper:
        return f.make([x0, solve_many(rhs_first(cb[1], ca[1]), 1)])
    x1 = solve_many(rhs_first(cb[1], ca[1]), 1)
    x2 = solve_many(rhs_first(cb[2], ca[2]), 1)
    r = cb[3]
    if ca[3] is not None:
        t = -mv(ca[3], x0)
        r = t if r is None else r + t
    if ca[1] is not None and x2 is not None:
        t = -mv(ca[1][:, None], x2[None, :])
        r = t if r is None else r + t
    if ca[2] is not None and x1 is not None:
        t = -mv(ca[2][None, :], x1[:, None])
        r = t if r is None else r + t
    return f.make([x0, x1, x2, solve_many(r, 2)])


def _adjugate(A):
    """adj(A) for square A (batched), also for singular A: from the SVD
    A = U S V^T, adj(A) = det(U) det(V^T) V adj(S) U^T with
    adj(S) = diag(prod_{j != i} s_j)."""
    U, s, Vt = np.linalg.svd(A)
    n = s.shape[-1]
    ones = np.ones(s.shape[:-1] + (1,))
    pre = np.concatenate([ones, np.cumprod(s[..., :-1], axis=-1)], axis=-1)
    suf = np.concatenate([np.cumprod(s[..., :0:-1], axis=-1)[..., ::-1], ones], axis=-1)
    excl = pre * suf if n else s
    sign = np.linalg.det(U) * np.linalg.det(Vt)
    adj = np.swapaxes(Vt, -1, -2) @ (excl[..., :, None] * np.swapaxes(U, -1, -2))
    return sign[..., None, None] * adj


@_implements(np.linalg.det)
def _det(a):
    """d det(A) = tr(adj(A) dA) (exact, singular A included); second order
    det * (tr(A^-1 A12) + tr(A^-1 A1) tr(A^-1 A2) - tr(A^-1 A1 A^-1 A2))."""
    f, [(A0, *dA)] = _lift_all([a])
    d = np.asarray(np.linalg.det(A0), dtype=np.float64)

    def tr(M):
        return np.trace(M, axis1=-2, axis2=-1)

    if not f.hyper:
        e = None
        if dA[0] is not None:
            e = tr(_adjugate(A0) @ dA[0])
        return f.make([d, e])
    adj = _adjugate(A0)
    A1, A2, A12 = dA
    d1 = tr(adj @ A1) if A1 is not None else None
    d2 = tr(adj @ A2) if A2 is not None else None
    d12 = tr(adj @ A12) if A12 is not None else None
    if A1 is not None and A2 is not None:
        X = np.linalg.inv(A0)
        M1 = X @ A1
        M2 = X @ A2
        t = d * (tr(M1)[:, None] * tr(M2)[None, :]
                 - np.einsum("a...ij,b...ji->ab...", M1, M2))
        d12 = t if d12 is None else d12 + t
    return f.make([d, d1, d2, d12])


@_implements(np.linalg.slogdet)
def _slogdet(a):
    """(sign, log|det A|): sign is constant; d log|det| = tr(A^-1 dA)."""
    f, [(A0, *dA)] = _lift_all([a])
    sign, logdet = np.linalg.slogdet(A0)
    X = np.linalg.inv(A0)

    def tr(M):
        return np.trace(M, axis1=-2, axis2=-1)

    comps = [np.asarray(logdet, dtype=np.float64)]
    if not f.hyper:
        comps.append(tr(X @ dA[0]) if dA[0] is not None else None)
    else:
        A1, A2, A12 = dA
        comps.append(tr(X @ A1) if A1 is not None else None)
        comps.append(tr(X @ A2) if A2 is not None else None)
        t = tr(X @ A12) if A12 is not None else None
        if A1 is not None and A2 is not None:
            s = -np.einsum("a...ij,b...ji->ab...", X @ A1, X @ A2)
            t = s if t is None else t + s
        comps.append(t)
    return sign, f.make(comps)


@_implements(np.linalg.norm)
def _norm(x, ord=None, axis=None, keepdims=False):
    """Vector and matrix norms by composition of exactly differentiated parts;
    the value is NumPy's own.  At a zero vector the 2-norm's derivative is 0 (the
    sign convention, as for abs)."""
    x = _operand(x)
    v = value_of(x)
    val = np.linalg.norm(v, ord=ord, axis=axis, keepdims=keepdims)
    if axis is None and (ord is None or (v.ndim == 2 and ord == "fro")):
        axes = tuple(range(v.ndim))
        r = _two_norm(x, axes, keepdims)
    else:
        if axis is None:
            axes = tuple(range(v.ndim))
        else:
            axes = _norm_axes(axis, v.ndim)
        if len(axes) == 1:
            r = _vector_norm(x, ord, axes[0], keepdims)
        elif len(axes) == 2:
            r = _matrix_norm(x, ord, axes, keepdims)
        else:
            raise ValueError("Improper number of dimensions to norm.")
    comps, _ = _components(r)
    return _A.rebuild(r, (np.asarray(val, dtype=np.float64),) + tuple(comps[1:]))


def _two_norm(x, axes, keepdims):
    r = np.sqrt(_sum(x * x, axis=axes, keepdims=keepdims))
    if type(r) is HyperDualArray:
        r = _two_norm_at_zero(x, r, axes, keepdims)
    return r


def _two_norm_at_zero(x, r, axes, keepdims):
    """The 2-norm's second derivative at a zero vector, as for hypot: none exists
    ((I - u u^T) / |x| has no limit at 0), so every Hessian component whose two
    directions both move the vector is nan; components along an exactly zero
    tangent stay 0.  (sqrt(sum(x*x)) alone would give inf on the diagonal and 0
    off it.)  A one-element vector is abs, whose abs''(0) = 0 stands."""
    val, e1, e2, e12 = _components(r)[0]
    zero = val == 0
    if not zero.any():
        return r
    if int(np.prod([np.shape(value_of(x))[a] for a in axes])) <= 1:
        return _A.rebuild(r, (val, e1, e2, np.where(zero, 0.0, e12)))
    xc = _components(x)[0] if type(x) is HyperDualArray else None
    if xc is None:
        return r
    moved = tuple(a + 1 for a in axes)
    m1 = np.any(xc[1] != 0, axis=moved, keepdims=keepdims)
    m2 = np.any(xc[2] != 0, axis=moved, keepdims=keepdims)
    bad = zero & m1[:, None] & m2[None, :]
    return _A.rebuild(r, (val, e1, e2, np.where(bad, np.nan, e12)))


def _vector_norm(x, ord, axis, keepdims):
    if ord is None or ord == 2:
        return _two_norm(x, (axis,), keepdims)
    if ord == np.inf:
        return _max(np.abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return _min(np.abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return _constant_like(x, np.sum(value_of(x) != 0, axis=axis, keepdims=keepdims)
                              .astype(np.float64))
    if ord == 1:
        return _sum(np.abs(x), axis=axis, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError("Invalid norm order '{0}' for vectors".format(ord))
    return _sum(np.abs(x) ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _matrix_norm(x, ord, axes, keepdims):
    r0, c0 = axes
    if ord is None or ord == "fro":
        return _two_norm(x, axes, keepdims)
    if ord in (1, -1, np.inf, -np.inf):
        if ord in (1, -1):
            s = _sum(np.abs(x), axis=r0, keepdims=True)
            pick = _max if ord == 1 else _min
            r = pick(s, axis=c0, keepdims=True)
        else:
            s = _sum(np.abs(x), axis=c0, keepdims=True)
            pick = _max if ord == np.inf else _min
            r = pick(s, axis=r0, keepdims=True)
        if not keepdims:
            r = _squeeze(r, axis=axes)
        return r
    raise TypeError("dualcalc: numpy.linalg.norm(..., ord={0!r}) on matrices is not "
                    "supported on dual arrays (supported: None, 'fro', 1, -1, inf, -inf)"
                    .format(ord))


# ================================================================ scipy.special ufuncs
def _late_ufunc(ufunc):
    """Register a scipy.special ufunc of dualcalc.special's table when first met."""
    from dualcalc import special
    return special._late_register(ufunc)


_A.set_late_ufunc_hook(_late_ufunc)


# ================================================================ listings
def _fname(f):
    return _A._function_name(f)


#: Names of the NumPy functions implemented for dual arrays.
SUPPORTED_FUNCTIONS = tuple(sorted({_fname(f) for f in _IMPL}))

#: Names of the ufuncs (and ufunc methods) supported on dual arrays.
SUPPORTED_UFUNCS = tuple(_A._supported_ufunc_names())
