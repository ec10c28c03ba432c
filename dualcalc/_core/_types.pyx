# cython: language_level=3
"""DualArray and HyperDualArray: dual numbers with array values the types.

Design: a DualArray is a value array of shape S and a tangent array ``eps`` of
shape k, + S -- k directional derivatives carried at once, the direction axis
in FRONT, so ``eps[j]`` is the j-th directional derivative and NumPy
broadcasting applies g'value to every direction without reshaping.  A
HyperDualArray adds a second perturbation: eps1 p, + S, eps2 q, + S and
eps1eps2 p, q + S.  Tangents may be held banded ``_bands.pyx`` and are
densified in their shared store when first read.

The core of the array layer is split by responsibility, each module with a
.pxd contract data flows down; the files are listed bottom-up:

* ``_alloc.pxd``: inline allocation and shape helpers;
* ``_bands.pyx``: band storage the tangents of identity seeds;
* ``_kernels.pyx``: compiled elementwise kernels over the rule table;
* ``_types.pyx`` this file: the two classes, their constructors and
  densification, the methods both share, and the conversions they refuse;
* ``_engine.pyx``: the operand engine conversion, tags, broadcasting, the elementwise arithmetic and ufuncs and the chain rule for outside rules;
* ``_seeds.pyx``: identity and hvp seeds, band queries;
* ``_indexing.pyx``: x[idx], x[idx] = v, single elements as DualVec scalars;
* ``_reductions.pyx``: the hot path of np.sum;
* ``_protocols.pyx``: __array_ufunc__, __array_function__, __array__, the
  ndarray handle, the registries filled by ``dualcalc/arrays/``;
* ``_arrays.pyx``: the public face, re-exporting the names of all of them.

The classes' operators and protocols call the layers above through the entry
points those layers install at import ``wire_*`` below: one indirect C call,
no Python-level dispatch.  Everything that is not on the hot path --
reductions other than sum, linear algebra, structure operations -- lives in
``dualcalc/arrays/`` and is registered with the protocols at import.

Invariants: every component is a float64 ndarray; results are C-contiguous.
"""
cimport cython
cimport numpy as cnp
from cpython.long cimport PyLong_Check
from cpython.object cimport PyTypeObject

from dualcalc._core._rules cimport (
    R_NEGATIVE, R_POSITIVE, R_ABS, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_FLOORDIV,
    OP_MOD)
from dualcalc._core._scalar cimport Dual, HyperDual
from dualcalc._core._alloc cimport _shape
from dualcalc._core._bands cimport BandStore, HyperBandStore, _densify, _hdensify

import numpy as np

from dualcalc import _conversions as _conv
from dualcalc._core._scalar import _UNARY_UFUNCS, _BINARY_UFUNCS

cnp.import_array()

cdef object _FLOAT64 = np.dtype(np.float64)


# ================================================================ errors
_CONVERT_MESSAGE = (
    "cannot convert a {0} to {1}: that would drop its derivatives. Use .value for "
    "the values (and {2} for the derivatives); NumPy ufuncs and the functions "
    "listed in dualcalc.arrays.SUPPORTED_FUNCTIONS propagate derivatives.")


cdef str _tname(object o):
    return type(o).__name__


cdef object _refuse(object self, str target):
    if target != "an integer index":      # operator.index() probes are not conversions
        _conv.note(target)
    raise TypeError(_CONVERT_MESSAGE.format(
        _tname(self), target,
        ".eps" if type(self) is DualArray else ".eps1, .eps2, .eps1eps2"))


cdef cnp.ndarray _as_f64(object a):
    """a as a float64 ndarray (no copy when it already is one)."""
    if type(a) is cnp.ndarray and cnp.PyArray_TYPE(<cnp.ndarray>a) == cnp.NPY_DOUBLE:
        return <cnp.ndarray>a
    return <cnp.ndarray>np.asarray(a, dtype=np.float64)


# ================================================================ the layers above
# The classes' operators, indexing and NumPy protocols are implemented by the
# modules above this one (_engine, _indexing, _protocols), which cimport the
# types from here.  Each of them installs its entry points at import (wire_*);
# until then (this module imported on its own) a call imports
# dualcalc._core._arrays, which imports -- and so wires -- every layer.
cdef Hooks _hooks
cdef object _hooks_py_array_ufunc = None
cdef object _hooks_py_array_function = None
cdef int _wired = 0          # bit 1: engine, 2: indexing, 4: protocols


cdef int _wire() except -1:
    import dualcalc._core._arrays     # noqa: F401 -- wires every layer
    if _wired != 7:
        raise RuntimeError("dualcalc._core._types: the array layers are not wired "
                           "(import dualcalc._core._arrays)")
    return 0


cdef object _lazy_unary(object x, int rid, object ufunc):
    _wire()
    return _hooks.unary(x, rid, ufunc)


cdef object _lazy_binary(object a, object b, int op, object ufunc):
    _wire()
    return _hooks.binary(a, b, op, ufunc)


cdef object _lazy_getitem(object x, object idx):
    _wire()
    return _hooks.getitem(x, idx)


cdef object _lazy_setitem(object x, object idx, object val):
    _wire()
    return _hooks.setitem(x, idx, val)


cdef object _lazy_ufunc_fast(object ufunc, tuple inputs):
    _wire()
    return _hooks.ufunc_fast(ufunc, inputs)


cdef object _lazy_array_protocol(object x, object dtype, object copy):
    _wire()
    return _hooks.array_protocol(x, dtype, copy)


cdef object _lazy_matmul(object a, object b):
    _wire()
    return _hooks.matmul(a, b)


def _lazy_array_ufunc(ufunc, method, inputs, kwargs):
    _wire()
    return _hooks_py_array_ufunc(ufunc, method, inputs, kwargs)


def _lazy_array_function(func, types, args, kwargs):
    _wire()
    return _hooks_py_array_function(func, types, args, kwargs)


_hooks.unary = _lazy_unary
_hooks.binary = _lazy_binary
_hooks.getitem = _lazy_getitem
_hooks.setitem = _lazy_setitem
_hooks.ufunc_fast = _lazy_ufunc_fast
_hooks.array_protocol = _lazy_array_protocol
_hooks.matmul = _lazy_matmul
_hooks_py_array_ufunc = _lazy_array_ufunc
_hooks_py_array_function = _lazy_array_function


cdef int wire_engine(unary_fn unary, binary_fn binary) except -1:
    global _wired
    _hooks.unary = unary
    _hooks.binary = binary
    _wired |= 1
    return 0


cdef int wire_indexing(getitem_fn getitem, setitem_fn setitem) except -1:
    global _wired
    _hooks.getitem = getitem
    _hooks.setitem = setitem
    _wired |= 2
    return 0


cdef int wire_protocols(ufunc_fast_fn ufunc_fast, protocol_fn array_protocol,
                        matmul_fn matmul, object array_ufunc, object array_function) except -1:
    global _wired, _hooks_py_array_ufunc, _hooks_py_array_function
    _hooks.ufunc_fast = ufunc_fast
    _hooks.array_protocol = array_protocol
    _hooks.matmul = matmul
    _hooks_py_array_ufunc = array_ufunc
    _hooks_py_array_function = array_function
    _wired |= 4
    return 0


# ================================================================ factories
cdef DualArray new_dual_array(cnp.ndarray value, cnp.ndarray eps, int tag):
    cdef DualArray r = DualArray.__new__(DualArray)
    r.value = value
    r._eps = eps
    r._k = eps.shape[0]
    r.tag = tag
    return r


cdef DualArray new_band_array(cnp.ndarray value, BandStore store, Py_ssize_t start, int tag):
    cdef DualArray r = DualArray.__new__(DualArray)
    r.value = value
    r._store = store
    r._start = start
    r._k = store.k
    r.tag = tag
    return r


cdef cnp.ndarray dense_eps(DualArray x):
    """x's tangents as a dense (k,) + S array (materialising banded tangents, in
    their shared store so that views of x keep seeing the same numbers)."""
    cdef cnp.ndarray d
    if x._eps is None:
        d = _densify(x._store)
        n = cnp.PyArray_SIZE(x.value)
        x._eps = <cnp.ndarray>(d[:, x._start:x._start + n].reshape((x._k,) + _shape(x.value)))
        x._store = None
    return x._eps


cdef HyperDualArray new_hband_array(cnp.ndarray value, HyperBandStore store, Py_ssize_t start,
                                    int tag1, int tag2):
    cdef HyperDualArray r = HyperDualArray.__new__(HyperDualArray)
    r.value = value
    r._hstore = store
    r._start = start
    r._p = store.p
    r._q = 1 if store.vsum else store.q
    r.tag1 = tag1
    r.tag2 = tag2
    return r


cdef int hyper_dense(HyperDualArray x) except -1:
    """Materialise x's banded tangents (in their shared store, see dense_eps)."""
    cdef HyperBandStore s
    cdef Py_ssize_t n
    cdef tuple S
    if x._e1 is not None:
        return 0
    s = x._hstore
    _hdensify(s)
    n = cnp.PyArray_SIZE(x.value)
    S = _shape(x.value)
    x._e1 = <cnp.ndarray>(s.dense1[:, x._start:x._start + n].reshape((x._p,) + S))
    x._e2 = <cnp.ndarray>(s.dense2[:, x._start:x._start + n].reshape((x._q,) + S))
    x._e12 = <cnp.ndarray>(s.dense12[:, :, x._start:x._start + n].reshape((x._p, x._q) + S))
    x._hstore = None
    return 0


cdef HyperDualArray new_hyper_array(cnp.ndarray value, cnp.ndarray eps1, cnp.ndarray eps2,
                                    cnp.ndarray eps1eps2, int tag1, int tag2):
    cdef HyperDualArray r = HyperDualArray.__new__(HyperDualArray)
    r.value = value
    r._e1 = eps1
    r._e2 = eps2
    r._e12 = eps1eps2
    r._p = eps1.shape[0]
    r._q = eps2.shape[0]
    r.tag1 = tag1
    r.tag2 = tag2
    return r


# ================================================================ components

cdef tuple _LEADS_DUAL = (0, 1)
cdef tuple _LEADS_HYPER = (0, 1, 1, 2)


def components(x):
    """(arrays, leads): the component arrays of a dual array and the number of
    leading direction axes of each."""
    if type(x) is DualArray:
        return ((<DualArray>x).value, dense_eps(<DualArray>x)), _LEADS_DUAL
    if type(x) is HyperDualArray:
        h = <HyperDualArray>x
        hyper_dense(h)
        return (h.value, h._e1, h._e2, h._e12), _LEADS_HYPER
    raise TypeError("expected a DualArray or HyperDualArray, got " + _tname(x))


def rebuild(proto, comps):
    """A dual array of proto's type and tags from component arrays (no checks)."""
    _check_dual(proto)
    if type(proto) is DualArray:
        return new_dual_array(_as_f64(comps[0]), _as_f64(comps[1]), (<DualArray>proto).tag)
    h = <HyperDualArray>proto
    return new_hyper_array(_as_f64(comps[0]), _as_f64(comps[1]), _as_f64(comps[2]),
                           _as_f64(comps[3]), h.tag1, h.tag2)


cdef int _check_dual(object x) except -1:
    if type(x) is not DualArray and type(x) is not HyperDualArray:
        raise TypeError("expected a DualArray or HyperDualArray, got " + _tname(x))
    return 0


cdef object _map(object x, object fn):
    """Apply fn(array, nlead) to every component of x."""
    _check_dual(x)
    if type(x) is DualArray:
        d = <DualArray>x
        return new_dual_array(_as_f64(fn(d.value, 0)), _as_f64(fn(dense_eps(d), 1)), d.tag)
    h = <HyperDualArray>x
    hyper_dense(h)
    return new_hyper_array(_as_f64(fn(h.value, 0)), _as_f64(fn(h._e1, 1)),
                           _as_f64(fn(h._e2, 1)), _as_f64(fn(h._e12, 2)), h.tag1, h.tag2)


def map_components(x, fn):
    """The dual array whose components are fn(component, nlead)."""
    return _map(x, fn)


# ================================================================ shared behaviour
# Methods NumPy users call on arrays (x.sum(), x.reshape(...)): written once
# here and installed into both types; they go through the NumPy functions, so the
# implementation is the one registered by dualcalc/arrays.py.
def _m_reshape(self, *shape, order="C"):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return np.reshape(self, shape, order=order)

def _m_ravel(self, order="C"): return np.ravel(self, order=order)
def _m_flatten(self, order="C"): return np.ravel(self, order=order).copy()

def _m_transpose(self, *axes):
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        axes = axes[0]
    return np.transpose(self, axes if axes else None)

def _m_swapaxes(self, a1, a2): return np.swapaxes(self, a1, a2)
def _m_squeeze(self, axis=None): return np.squeeze(self, axis=axis)
def _m_sum(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
    return np.sum(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)
def _m_prod(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
    return np.prod(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)
def _m_mean(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
    return np.mean(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)
def _m_std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return np.std(self, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims)
def _m_var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return np.var(self, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims)
def _m_max(self, axis=None, out=None, keepdims=False, **kw):
    return np.max(self, axis=axis, out=out, keepdims=keepdims, **kw)
def _m_min(self, axis=None, out=None, keepdims=False, **kw):
    return np.min(self, axis=axis, out=out, keepdims=keepdims, **kw)
def _m_cumsum(self, axis=None, dtype=None, out=None):
    return np.cumsum(self, axis=axis, dtype=dtype, out=out)
def _m_cumprod(self, axis=None, dtype=None, out=None):
    return np.cumprod(self, axis=axis, dtype=dtype, out=out)
def _m_dot(self, b, out=None): return np.dot(self, b, out=out)
def _m_trace(self, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return np.trace(self, offset, axis1, axis2, dtype=dtype, out=out)
def _m_diagonal(self, offset=0, axis1=0, axis2=1):
    return np.diagonal(self, offset, axis1, axis2)
def _m_clip(self, min=None, max=None, out=None, **kw):
    return np.clip(self, min, max, out=out, **kw)
def _m_argmax(self, axis=None, out=None, keepdims=False):
    return np.argmax(_value_of(self), axis=axis, out=out, keepdims=keepdims)
def _m_argmin(self, axis=None, out=None, keepdims=False):
    return np.argmin(_value_of(self), axis=axis, out=out, keepdims=keepdims)
def _m_argsort(self, axis=-1, kind=None, order=None, **kw):
    return np.argsort(_value_of(self), axis=axis, kind=kind, order=order, **kw)

def _m_sort(self, axis=-1, kind=None, order=None, **kw):
    """In-place sort by value (the derivatives move with their elements)."""
    s = np.sort(self, axis=axis, kind=kind, order=order, **kw)
    self[...] = s

def _m_copy(self, order="C"): return np.copy(self)
def _m_take(self, indices, axis=None, out=None, mode="raise"):
    return np.take(self, indices, axis=axis, out=out, mode=mode)
def _m_repeat(self, repeats, axis=None): return np.repeat(self, repeats, axis=axis)
def _m_conj(self): return self
def _m_conjugate(self): return self
def _m_round(self, decimals=0, out=None): return np.round(self, decimals, out=out)

def _m_astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
    if np.dtype(dtype) == _FLOAT64:
        return np.copy(self) if copy else self
    _refuse(self, "dtype " + str(np.dtype(dtype)))

def _m_item(self, *args): _refuse(self, "a Python float (item())")
def _m_tolist(self): _refuse(self, "a list of floats (tolist())")
def _m_fill(self, value): self[...] = value

def _m_view(self, *args, **kwargs):
    if args or kwargs:
        raise TypeError("dualcalc: view(dtype/type) is not supported on dual arrays")
    return map_components(self, lambda c, lead: c.view())


def _m___copy__(self): return np.copy(self)
def _m___deepcopy__(self, memo): return np.copy(self)

@property
def _m_T(self): return np.transpose(self)

@property
def _m_mT(self): return np.swapaxes(self, -1, -2)

@property
def _m_shape(self): return _shape(_value_array(self))

@property
def _m_ndim(self): return _value_array(self).ndim

@property
def _m_size(self): return _value_array(self).size

@property
def _m_dtype(self): return _FLOAT64

@property
def _m_real(self): return self

@property
def _m_flat(self): return iter(np.ravel(self))


cdef extern from "Python.h":
    void PyType_Modified(PyTypeObject*)


def _ufunc_method(ufunc):
    def method(self, *others):
        return ufunc(self, *others)
    method.__name__ = ufunc.__name__
    method.__doc__ = ("numpy." + ufunc.__name__ + " of this array (NumPy's loops over "
                      "object arrays of dual numbers call it by name)")
    return method


for _u in list(_UNARY_UFUNCS) + list(_BINARY_UFUNCS):
    if "_m_" + _u.__name__ not in globals():
        globals()["_m_" + _u.__name__] = _ufunc_method(_u)


cdef _install_methods():
    cdef PyTypeObject* tp
    names = [n for n in globals() if n.startswith("_m_")]
    for cls in (DualArray, HyperDualArray):
        tp = <PyTypeObject*>cls
        d = <dict>tp.tp_dict
        for n in names:
            d[n[3:]] = globals()[n]
        PyType_Modified(tp)


# ================================================================ DualArray
@cython.freelist(32)
cdef class DualArray:
    """An array of dual numbers: values of shape S with k directional derivatives.

    ``value`` holds f(x) (shape S) and ``eps[j]`` the derivative of f along the
    j-th seeded direction (``eps`` has shape (k,) + S, the direction axis first).
    Ordinary NumPy code -- operators, ufuncs, reductions, linear algebra,
    indexing -- applied to a DualArray carries all k derivatives exactly.

    Parameters
    ----------
    value : array_like
        The values (converted to float64; used as given, not copied).
    eps : array_like
        The tangents, shape (k,) + value.shape.  An array of value's own shape is
        taken as a single direction (k = 1).
    tag : int, optional
        The perturbation the tangents belong to (the derivatives API uses distinct
        tags to keep nested differentiations apart); 0 for arrays made by hand.

    Examples
    --------
    >>> import numpy as np
    >>> from dualcalc import DualArray
    >>> x = DualArray(np.array([1.0, 2.0]), np.eye(2))   # seeded with the identity
    >>> y = np.sum(x ** 2)
    >>> float(y.value), y.eps                              # value and gradient
    (5.0, array([2., 4.]))
    """

    __array_priority__ = 1000

    def __init__(self, value, eps, tag=0):
        cdef cnp.ndarray v, e
        v = _checked_component(value, "value", "DualArray(value, eps)")
        e = _checked_component(eps, "eps", "DualArray(value, eps)")
        if e.ndim == v.ndim and _shape(e) == _shape(v):
            e = e.reshape((1,) + _shape(v))
        if e.ndim != v.ndim + 1 or _shape(e)[1:] != _shape(v):
            raise ValueError(
                "DualArray(value, eps): eps must have shape (k,) + value.shape = (k,) + "
                "{0} (k directions, direction axis first); got {1}".format(
                    _shape(v), _shape(e)))
        self.value = v
        self._eps = e
        self._k = e.shape[0]
        self.tag = _checked_tag(tag, "tag")

    @property
    def eps(self):
        """The tangents, shape (k,) + shape: eps[j] is the derivative along the
        j-th seeded direction."""
        return dense_eps(self)

    @property
    def ndirs(self):
        """The number of directions k carried in eps."""
        return self._k

    def __array__(self, dtype=None, copy=None):
        return _hooks.array_protocol(self, dtype, copy)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if not kwargs and method == "__call__":
            r = _hooks.ufunc_fast(ufunc, inputs)
            if r is not None:
                return r
        return _hooks_py_array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _hooks_py_array_function(func, types, args, kwargs)

    def __reduce__(self):
        return (DualArray, (self.value, dense_eps(self), self.tag))

    def __repr__(self):
        return _repr(self, ("eps",), ("tag",))

    def __str__(self):
        return _str(self)

    def __len__(self):
        return len(self.value)

    def __iter__(self):
        if self.value.ndim == 0:
            raise TypeError("iteration over a 0-d DualArray")
        return _iterate(self)

    def __getitem__(self, idx):
        return _hooks.getitem(self, idx)

    def __setitem__(self, idx, val):
        _hooks.setitem(self, idx, val)

    def __bool__(self):
        return bool(self.value)

    def __float__(self):
        _refuse(self, "float")

    def __int__(self):
        _refuse(self, "int")

    def __complex__(self):
        _refuse(self, "complex")

    def __index__(self):
        _refuse(self, "an integer index")

    __hash__ = None

    # -- comparisons: values only, plain boolean arrays
    def __lt__(self, other): return _compare(np.less, self, other)
    def __le__(self, other): return _compare(np.less_equal, self, other)
    def __gt__(self, other): return _compare(np.greater, self, other)
    def __ge__(self, other): return _compare(np.greater_equal, self, other)
    def __eq__(self, other): return _compare(np.equal, self, other)
    def __ne__(self, other): return _compare(np.not_equal, self, other)

    # -- arithmetic
    def __neg__(self):
        return _hooks.unary(self, R_NEGATIVE, None)
    def __pos__(self):
        if _banded(self):
            return _hooks.unary(self, R_POSITIVE, None)
        return new_dual_array(self.value.copy(), self._eps.copy(), self.tag)
    def __abs__(self): return _hooks.unary(self, R_ABS, np.absolute)
    def __add__(self, o): return _hooks.binary(self, o, OP_ADD, np.add)
    def __radd__(self, o): return _hooks.binary(o, self, OP_ADD, np.add)
    def __sub__(self, o): return _hooks.binary(self, o, OP_SUB, np.subtract)
    def __rsub__(self, o): return _hooks.binary(o, self, OP_SUB, np.subtract)
    def __mul__(self, o): return _hooks.binary(self, o, OP_MUL, np.multiply)
    def __rmul__(self, o): return _hooks.binary(o, self, OP_MUL, np.multiply)
    def __truediv__(self, o): return _hooks.binary(self, o, OP_DIV, np.true_divide)
    def __rtruediv__(self, o): return _hooks.binary(o, self, OP_DIV, np.true_divide)
    def __floordiv__(self, o): return _hooks.binary(self, o, OP_FLOORDIV, np.floor_divide)
    def __rfloordiv__(self, o): return _hooks.binary(o, self, OP_FLOORDIV, np.floor_divide)
    def __mod__(self, o): return _hooks.binary(self, o, OP_MOD, np.remainder)
    def __rmod__(self, o): return _hooks.binary(o, self, OP_MOD, np.remainder)
    def __divmod__(self, o): return _divmod(self, o)
    def __rdivmod__(self, o): return _divmod(o, self)
    def __pow__(self, o, mod):
        if mod is not None:
            return NotImplemented
        return _hooks.binary(self, o, OP_POW, np.power)
    def __rpow__(self, o, mod):
        if mod is not None:
            return NotImplemented
        return _hooks.binary(o, self, OP_POW, np.power)
    def __matmul__(self, o): return _hooks.matmul(self, o)
    def __rmatmul__(self, o): return _hooks.matmul(o, self)
    def __iadd__(self, o): return _inplace(self, _hooks.binary(self, o, OP_ADD, np.add))
    def __isub__(self, o): return _inplace(self, _hooks.binary(self, o, OP_SUB, np.subtract))
    def __imul__(self, o): return _inplace(self, _hooks.binary(self, o, OP_MUL, np.multiply))
    def __itruediv__(self, o): return _inplace(self, _hooks.binary(self, o, OP_DIV, np.true_divide))
    def __ipow__(self, o): return _inplace(self, _hooks.binary(self, o, OP_POW, np.power))
    def __ifloordiv__(self, o):
        return _inplace(self, _hooks.binary(self, o, OP_FLOORDIV, np.floor_divide))
    def __imod__(self, o): return _inplace(self, _hooks.binary(self, o, OP_MOD, np.remainder))


# ================================================================ HyperDualArray
@cython.freelist(32)
cdef class HyperDualArray:
    """An array of hyper-dual numbers: exact second derivatives along p x q pairs
    of directions.

    ``value`` (shape S), ``eps1`` (p,) + S and ``eps2`` (q,) + S hold first
    derivatives along two sets of directions, ``eps1eps2`` (p, q) + S the mixed
    second derivatives: seeding eps1 and eps2 with the identity gives the Hessian.

    Parameters
    ----------
    value, eps1, eps2, eps1eps2 : array_like
        The components (float64; used as given, not copied).
    tag1, tag2 : int, optional
        The perturbations of eps1 and eps2.

    Examples
    --------
    >>> import numpy as np
    >>> from dualcalc import HyperDualArray
    >>> x = np.array([1.0, 2.0])
    >>> h = HyperDualArray(x, np.eye(2), np.eye(2), np.zeros((2, 2, 2)))
    >>> y = np.sum(h[0] ** 2 * h[1])          # x0**2 * x1
    >>> y.eps1eps2                             # its Hessian
    array([[4., 2.],
           [2., 0.]])
    """

    __array_priority__ = 1000

    def __init__(self, value, eps1, eps2, eps1eps2, tag1=0, tag2=0):
        cdef cnp.ndarray v, e1, e2, e12
        cdef str where = "HyperDualArray(value, eps1, eps2, eps1eps2)"
        v = _checked_component(value, "value", where)
        e1 = _checked_component(eps1, "eps1", where)
        e2 = _checked_component(eps2, "eps2", where)
        e12 = _checked_component(eps1eps2, "eps1eps2", where)
        S = _shape(v)
        if e1.ndim != v.ndim + 1 or _shape(e1)[1:] != S:
            raise ValueError("{0}: eps1 must have shape (p,) + {1}; got {2}".format(
                where, S, _shape(e1)))
        if e2.ndim != v.ndim + 1 or _shape(e2)[1:] != S:
            raise ValueError("{0}: eps2 must have shape (q,) + {1}; got {2}".format(
                where, S, _shape(e2)))
        if _shape(e12) != (e1.shape[0], e2.shape[0]) + S:
            raise ValueError("{0}: eps1eps2 must have shape (p, q) + value.shape = {1}; "
                             "got {2}".format(where, (e1.shape[0], e2.shape[0]) + S,
                                              _shape(e12)))
        self.value = v
        self._e1 = e1
        self._e2 = e2
        self._e12 = e12
        self._p = e1.shape[0]
        self._q = e2.shape[0]
        self.tag1 = _checked_tag(tag1, "tag1")
        self.tag2 = _checked_tag(tag2, "tag2")

    @property
    def eps1(self):
        """First derivatives along the eps1 directions, shape (p,) + shape."""
        hyper_dense(self)
        return self._e1

    @property
    def eps2(self):
        """First derivatives along the eps2 directions, shape (q,) + shape."""
        hyper_dense(self)
        return self._e2

    @property
    def eps1eps2(self):
        """Mixed second derivatives, shape (p, q) + shape."""
        hyper_dense(self)
        return self._e12

    @property
    def ndirs(self):
        """(p, q): the numbers of directions in eps1 and eps2."""
        return (self._p, self._q)

    def __array__(self, dtype=None, copy=None):
        return _hooks.array_protocol(self, dtype, copy)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if not kwargs and method == "__call__":
            r = _hooks.ufunc_fast(ufunc, inputs)
            if r is not None:
                return r
        return _hooks_py_array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _hooks_py_array_function(func, types, args, kwargs)

    def __reduce__(self):
        hyper_dense(self)
        return (HyperDualArray, (self.value, self._e1, self._e2, self._e12,
                                 self.tag1, self.tag2))

    def __repr__(self):
        return _repr(self, ("eps1", "eps2", "eps1eps2"), ("tag1", "tag2"))

    def __str__(self):
        return _str(self)

    def __len__(self):
        return len(self.value)

    def __iter__(self):
        if self.value.ndim == 0:
            raise TypeError("iteration over a 0-d HyperDualArray")
        return _iterate(self)

    def __getitem__(self, idx):
        return _hooks.getitem(self, idx)

    def __setitem__(self, idx, val):
        _hooks.setitem(self, idx, val)

    def __bool__(self):
        return bool(self.value)

    def __float__(self):
        _refuse(self, "float")

    def __int__(self):
        _refuse(self, "int")

    def __complex__(self):
        _refuse(self, "complex")

    def __index__(self):
        _refuse(self, "an integer index")

    __hash__ = None

    def __lt__(self, other): return _compare(np.less, self, other)
    def __le__(self, other): return _compare(np.less_equal, self, other)
    def __gt__(self, other): return _compare(np.greater, self, other)
    def __ge__(self, other): return _compare(np.greater_equal, self, other)
    def __eq__(self, other): return _compare(np.equal, self, other)
    def __ne__(self, other): return _compare(np.not_equal, self, other)

    def __neg__(self):
        return _hooks.unary(self, R_NEGATIVE, None)
    def __pos__(self):
        if _hbanded(self):
            return _hooks.unary(self, R_POSITIVE, None)
        return new_hyper_array(self.value.copy(), self._e1.copy(), self._e2.copy(),
                               self._e12.copy(), self.tag1, self.tag2)
    def __abs__(self): return _hooks.unary(self, R_ABS, np.absolute)
    def __add__(self, o): return _hooks.binary(self, o, OP_ADD, np.add)
    def __radd__(self, o): return _hooks.binary(o, self, OP_ADD, np.add)
    def __sub__(self, o): return _hooks.binary(self, o, OP_SUB, np.subtract)
    def __rsub__(self, o): return _hooks.binary(o, self, OP_SUB, np.subtract)
    def __mul__(self, o): return _hooks.binary(self, o, OP_MUL, np.multiply)
    def __rmul__(self, o): return _hooks.binary(o, self, OP_MUL, np.multiply)
    def __truediv__(self, o): return _hooks.binary(self, o, OP_DIV, np.true_divide)
    def __rtruediv__(self, o): return _hooks.binary(o, self, OP_DIV, np.true_divide)
    def __floordiv__(self, o): return _hooks.binary(self, o, OP_FLOORDIV, np.floor_divide)
    def __rfloordiv__(self, o): return _hooks.binary(o, self, OP_FLOORDIV, np.floor_divide)
    def __mod__(self, o): return _hooks.binary(self, o, OP_MOD, np.remainder)
    def __rmod__(self, o): return _hooks.binary(o, self, OP_MOD, np.remainder)
    def __divmod__(self, o): return _divmod(self, o)
    def __rdivmod__(self, o): return _divmod(o, self)
    def __pow__(self, o, mod):
        if mod is not None:
            return NotImplemented
        return _hooks.binary(self, o, OP_POW, np.power)
    def __rpow__(self, o, mod):
        if mod is not None:
            return NotImplemented
        return _hooks.binary(o, self, OP_POW, np.power)
    def __matmul__(self, o): return _hooks.matmul(self, o)
    def __rmatmul__(self, o): return _hooks.matmul(o, self)
    def __iadd__(self, o): return _inplace(self, _hooks.binary(self, o, OP_ADD, np.add))
    def __isub__(self, o): return _inplace(self, _hooks.binary(self, o, OP_SUB, np.subtract))
    def __imul__(self, o): return _inplace(self, _hooks.binary(self, o, OP_MUL, np.multiply))
    def __itruediv__(self, o): return _inplace(self, _hooks.binary(self, o, OP_DIV, np.true_divide))
    def __ipow__(self, o): return _inplace(self, _hooks.binary(self, o, OP_POW, np.power))
    def __ifloordiv__(self, o):
        return _inplace(self, _hooks.binary(self, o, OP_FLOORDIV, np.floor_divide))
    def __imod__(self, o): return _inplace(self, _hooks.binary(self, o, OP_MOD, np.remainder))


# ================================================================ helpers of both types
cdef cnp.ndarray _checked_component(object a, str name, str where):
    if type(a) is DualArray or type(a) is HyperDualArray or type(a) is Dual or type(a) is HyperDual:
        raise TypeError("{0}: {1} must be an array of real numbers, got a {2} (dual "
                        "arrays cannot be nested; use .value)".format(where, name, _tname(a)))
    try:
        arr = np.asarray(a)
    except TypeError as exc:
        raise TypeError("{0}: {1} must be an array of real numbers: {2}".format(
            where, name, exc)) from None
    if arr.dtype.kind not in "fiub":
        raise TypeError("{0}: {1} must be an array of real numbers, got dtype {2}".format(
            where, name, arr.dtype))
    return _as_f64(arr)


cdef int _checked_tag(object tag, str name) except -1:
    if not PyLong_Check(tag) or type(tag) is bool or tag < 0 or tag > 2147483647:
        raise TypeError("{0} must be a non-negative int, got {1!r}".format(name, tag))
    return tag


cdef object _compare(object ufunc, object a, object b):
    if type(b) is tuple or type(b) is list or isinstance(b, (str, bytes)):
        if ufunc is np.equal or ufunc is np.not_equal:
            b = np.asarray(b) if not isinstance(b, (str, bytes)) else b
    return ufunc(_value_of(a), _value_of(b))


cdef object _inplace(object self, object r):
    """self op= o: NumPy semantics -- the result is written into self's arrays."""
    if r is NotImplemented:
        return r
    if type(r) is not type(self):
        raise TypeError(
            "an in-place operation cannot turn a {0} into a {1} (the other operand "
            "belongs to another differentiation); write x = x op y instead".format(
                _tname(self), _tname(r)))
    sc, leads = components(self)
    rc, _ = components(r)
    if tuple(sc[0].shape) != tuple(rc[0].shape):
        raise ValueError("non-broadcastable output operand with shape {0} doesn't match "
                         "the broadcast shape {1}".format(tuple(sc[0].shape), tuple(rc[0].shape)))
    for s, c in zip(sc, rc):
        s[...] = c
    return self


def _iterate(x):
    for i in range(_value_array(x).shape[0]):
        yield _hooks.getitem(x, i)


cdef object _divmod(object a, object b):
    q = _hooks.binary(a, b, OP_FLOORDIV, np.floor_divide)
    if q is NotImplemented:
        return q
    return (q, _hooks.binary(a, b, OP_MOD, np.remainder))


cdef str _repr(object x, tuple names, tuple tags):
    comps, _ = components(x)
    parts = [np.array2string(comps[0], separator=", ", prefix="    ")]
    for n, c in zip(names, comps[1:]):
        parts.append(n + "=" + np.array2string(c, separator=", ", prefix="    " + n + "="))
    for t in tags:
        if getattr(x, t):
            parts.append("{0}={1}".format(t, getattr(x, t)))
    return "{0}({1})".format(_tname(x), ",\n    ".join(parts) if any(
        "\n" in p for p in parts) else ", ".join(parts))


cdef str _str(object x):
    comps, _ = components(x)
    return "{0}(value={1}, ndirs={2})".format(_tname(x), comps[0], x.ndirs)


_install_methods()
