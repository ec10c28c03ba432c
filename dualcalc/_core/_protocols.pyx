# cython: language_level=3
"""NumPy's protocols for dual arrays: __array_ufunc__ NEP 13,
__array_function__ NEP 18, __array__ and the ndarray handle.

Design: the registries ``_FUNCTIONS`` NumPy function -> implementation and
``_UFUNC_METHODS`` (ufunc, method -> implementation) are filled by the
namespace modules of ``dualcalc/arrays/``; the rule table's ufuncs go straight
to the operand engine.  A function or ufunc without an implementation raises a
TypeError naming it -- never an object-array fallback that silently drops
derivatives.  ``np.asarrayx`` gets an ndarray handle NaN buffer, forwards everything to x or an object array of dual elements see DESIGN.md, "Conversions".
"""
cimport numpy as cnp
from cpython.object cimport PyObject, PyTypeObject
from cpython.ref cimport Py_INCREF
from dualcalc._core._scalar cimport Dual
from dualcalc._core._vec cimport DualVec, HyperDualVec
from dualcalc._core._rules cimport OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW
from dualcalc._core._engine cimport _operand, unary_array, binary_array, _ndirs_error
from dualcalc._core._indexing cimport _getitem, _align
from dualcalc._core._alloc cimport _shape
from dualcalc._core._types cimport (
    DualArray, HyperDualArray, _value_array, _value_of, _tname, _refuse, wire_protocols)

import numpy as np

from dualcalc import _conversions as _conv
from dualcalc._core._types import components
from dualcalc._core._scalar import _UNARY_UFUNCS, _BINARY_UFUNCS, _VALUE_UFUNCS, set_array_ufunc_hook

cnp.import_array()

cdef object _FLOAT64 = np.dtype(np.float64)


# ================================================================ NumPy protocols
# Filled by dualcalc/arrays.py: NumPy function -> implementation, and
# (ufunc, method) -> implementation for everything beyond elementwise calls.
_FUNCTIONS = {}
_UFUNC_METHODS = {}
_EXTRA_UNARY = {}        # further ufuncs (scipy.special) -> rule id
cdef dict _FUNCS = _FUNCTIONS
cdef dict _UMETH = _UFUNC_METHODS


def _supported_ufunc_names():
    names = set(u.__name__ for u in list(_UNARY_UFUNCS) + list(_BINARY_UFUNCS)
                + list(_VALUE_UFUNCS))
    names.update(u.__name__ for (u, m) in _UFUNC_METHODS if m == "__call__")
    names.update(u.__name__ + "." + m for (u, m) in _UFUNC_METHODS if m != "__call__")
    return sorted(names)


# dualcalc.arrays._messages sets this: (ufunc or function, method or None) -> message
_unsupported_message = None


def set_unsupported_message(hook):
    """Install the builder of the unsupported-function message (see
    dualcalc.arrays._messages)."""
    global _unsupported_message
    _unsupported_message = hook


def _unsupported_ufunc(ufunc, method):
    if _unsupported_message is not None:
        return TypeError(_unsupported_message(ufunc, method))
    return TypeError(
        "dualcalc: numpy.{0}{1} is not supported on dual arrays, so it cannot carry a "
        "derivative. Supported: {2}. Apply it to .value if you want the plain numbers."
        .format(ufunc.__name__, "" if method == "__call__" else "." + method,
                ", ".join(_supported_ufunc_names())))


def _public_module(str mod):
    """numpy._core.fromnumeric -> numpy, numpy.linalg._linalg -> numpy.linalg."""
    parts = [p for p in mod.split(".") if not p.startswith("_")]
    if parts and parts[0] == "numpy" and len(parts) > 1 and parts[1] in ("lib", "core"):
        parts = parts[:1]
    return ".".join(parts) or mod


def _unsupported_function(func):
    if _unsupported_message is not None:
        return TypeError(_unsupported_message(func, None))
    mod = _public_module(getattr(func, "__module__", None) or "numpy")
    name = getattr(func, "__name__", repr(func))
    names = sorted(set(_function_name(f) for f in _FUNCTIONS))
    return TypeError(
        "dualcalc: {0}.{1} is not supported on dual arrays (it would drop or corrupt "
        "the derivatives). Supported NumPy functions: {2}; and the ufuncs listed in "
        "dualcalc.arrays.SUPPORTED_UFUNCS. Apply it to .value if you want the plain "
        "numbers.".format(mod, name, ", ".join(names)))


def _function_name(f):
    mod = getattr(f, "__module__", "") or ""
    name = getattr(f, "__name__", repr(f))
    if "linalg" in mod:
        return "linalg." + name
    return name


cdef object _unwrap_handles(object o):
    cdef type t = type(o)
    if t is not cnp.ndarray and isinstance(o, cnp.ndarray):   # maybe a handle
        h = getattr(o, "_dualcalc_array", None)
        if h is not None:
            o._dualcalc_used = True
            return h
        return o
    if t is tuple:
        return tuple([_unwrap_handles(i) for i in <tuple>o])
    if t is list:
        return [_unwrap_handles(i) for i in <list>o]
    return o


cdef set _NO_KWARGS = set(["out", "where", "dtype", "casting", "order", "subok"])


cdef int _check_dtype(object dtype, object ufunc) except -1:
    if dtype is not None and np.dtype(dtype) != _FLOAT64:
        raise TypeError(
            "dualcalc: numpy.{0} with dtype={1!r}: dual arrays are float64 only"
            .format(getattr(ufunc, "__name__", ufunc), dtype))
    return 0


cdef dict _UNARY = _UNARY_UFUNCS
cdef dict _BINARY = _BINARY_UFUNCS


cdef object _ufunc_call_fast(object ufunc, tuple inputs):
    """ufunc(*inputs) without keywords for the rule table's ufuncs; None when the
    general path must decide."""
    cdef object code
    if len(inputs) == 1:
        code = _UNARY.get(ufunc)
        if code is not None and (type(inputs[0]) is DualArray or type(inputs[0]) is HyperDualArray):
            return unary_array(inputs[0], code, ufunc)
    elif len(inputs) == 2:
        code = _BINARY.get(ufunc)
        if code is not None:
            r = binary_array(inputs[0], inputs[1], code, ufunc)
            if r is not NotImplemented:
                return r
    return None


def array_ufunc(ufunc, str method, tuple inputs, dict kwargs):
    """The array layer's __array_ufunc__ (also the scalar types' hook for ufuncs
    in which a Dual meets an array)."""
    cdef object r
    cdef object rid, op
    inputs = tuple([_unwrap_handles(i) for i in inputs])
    if kwargs:
        if "out" in kwargs:
            kwargs["out"] = _unwrap_handles(kwargs["out"])
        for key in kwargs:
            if key not in _NO_KWARGS and not (method != "__call__" and key in (
                    "axis", "keepdims", "initial")):
                if (ufunc, method) in _UMETH:
                    break
                raise TypeError("dualcalc: numpy.{0} does not support the keyword {1!r} "
                                "on dual arrays".format(ufunc.__name__, key))
    if method == "__call__":
        if ufunc in _VALUE_UFUNCS:
            return ufunc(*[_value_of(i) for i in inputs], **kwargs)
        out = None
        where = True
        if kwargs:
            out = kwargs.get("out")
            where = kwargs.get("where", True)
            _check_dtype(kwargs.get("dtype"), ufunc)
        if len(inputs) == 1:
            rid = _UNARY_UFUNCS.get(ufunc)
            if rid is None:
                rid = _EXTRA_UNARY.get(ufunc)
            if rid is not None:
                x = _operand(inputs[0])
                if type(x) is not DualArray and type(x) is not HyperDualArray:
                    return NotImplemented
                r = unary_array(x, rid, ufunc)
                if out is None and where is True:
                    return r
                return _store(r, out, where, ufunc)
        elif len(inputs) == 2:
            op = _BINARY_UFUNCS.get(ufunc)
            if op is not None:
                r = binary_array(inputs[0], inputs[1], op, ufunc)
                if r is NotImplemented:
                    return r
                if out is None and where is True:
                    return r
                return _store(r, out, where, ufunc)
    impl = _UMETH.get((ufunc, method))
    if impl is None:
        if _late_ufunc_hook is not None and _late_ufunc_hook(ufunc):
            return array_ufunc(ufunc, method, inputs, kwargs)
        raise _unsupported_ufunc(ufunc, method)
    return impl(ufunc, inputs, kwargs)


_late_ufunc_hook = None


def set_late_ufunc_hook(hook):
    """hook(ufunc) -> bool: register support for a ufunc met for the first time
    (used for scipy.special's ufuncs without importing SciPy up front)."""
    global _late_ufunc_hook
    _late_ufunc_hook = hook


def _store(r, out, where, ufunc):
    """Write result r into out (a 1-tuple from NumPy, or an array) where `where`."""
    if out is None:
        if where is True:
            return r
        return r        # NumPy leaves unselected entries undefined; ours hold r
    if type(out) is tuple:
        if len(out) != 1:
            raise TypeError("dualcalc: numpy.{0} has one output".format(ufunc.__name__))
        out = out[0]
    if out is None:
        return r
    if type(out) is not type(r) and not (type(r) in (DualArray, HyperDualArray) and
                                         type(out) in (DualArray, HyperDualArray)):
        raise TypeError(
            "dualcalc: numpy.{0}(..., out=) needs a dual array of the result's kind as "
            "out (a {1} cannot hold derivatives); got {2}".format(
                ufunc.__name__, _tname(r), _tname(out)))
    if type(out) is not type(r):
        raise TypeError("dualcalc: numpy.{0}(..., out=): the result is a {1}, out is a {2}"
                        .format(ufunc.__name__, _tname(r), _tname(out)))
    oc, leads = components(out)
    rc, _ = components(r)
    if type(out) is DualArray:
        if (<DualArray>out).tag != (<DualArray>r).tag:
            raise TypeError("dualcalc: out belongs to another differentiation")
    elif ((<HyperDualArray>out).tag1, (<HyperDualArray>out).tag2) != (
            (<HyperDualArray>r).tag1, (<HyperDualArray>r).tag2):
        raise TypeError("dualcalc: out belongs to another differentiation")
    nd = oc[0].ndim
    for o, c, lead in zip(oc, rc, leads):
        if o.shape[:lead] != c.shape[:lead]:
            raise _ndirs_error(o.shape[0], c.shape[0])
        c = _align(c, lead, nd, 0)
        if where is True:
            np.copyto(o, c)
        else:
            np.copyto(o, c, where=np.asarray(where, dtype=bool))
    return out


def array_function(func, types, args, kwargs):
    cdef bint handles = False
    impl = _FUNCS.get(func)
    if impl is None:
        raise _unsupported_function(func)
    for t in types:
        if t is DualArray or t is HyperDualArray or t is DualVec or t is HyperDualVec:
            continue
        if t is DualArrayHandle:
            handles = True
        elif not issubclass(t, cnp.ndarray):
            return NotImplemented
    if handles:
        args = _unwrap_handles(args)
        if kwargs:
            kwargs = {k: _unwrap_handles(v) for k, v in kwargs.items()}
    return impl(*args, **kwargs)


set_array_ufunc_hook(array_ufunc)


# ================================================================ the ndarray handle
# NumPy offers no way for a non-ndarray to be returned by np.asanyarray(x) (which
# SciPy >= 1.15 calls on every input of its array-API functions, e.g.
# scipy.optimize.rosen), and no hook at all in np.asarray.  So __array__ without
# a dtype returns this handle: an ndarray subclass of x's shape whose own
# buffer is NaN (read-only) and which forwards everything to x.  Code that keeps
# the handle (asanyarray) works on x; code that demands a plain float array gets
# NaN, never values without their derivatives.  __array__ with a dtype or a copy
# (np.asarray(x, float), np.array(x)) raises TypeError.
cdef cnp.ndarray _NAN = np.array([_conv.NAN_BITS], dtype=np.uint64).view(np.float64)


class DualArrayHandle(np.ndarray):
    """An ndarray stand-in for a dual array (see dualcalc.arrays)."""

    __array_priority__ = 1000

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return array_function(func, types, args, kwargs)

    def __getitem__(self, idx):
        return _getitem(_use(self), idx)

    def __iter__(self):
        return iter(_use(self))

    def __len__(self):
        return len(_use(self))

    def __add__(self, o): return binary_array(_use(self), o, OP_ADD, np.add)
    def __radd__(self, o): return binary_array(o, _use(self), OP_ADD, np.add)
    def __sub__(self, o): return binary_array(_use(self), o, OP_SUB, np.subtract)
    def __rsub__(self, o): return binary_array(o, _use(self), OP_SUB, np.subtract)
    def __mul__(self, o): return binary_array(_use(self), o, OP_MUL, np.multiply)
    def __rmul__(self, o): return binary_array(o, _use(self), OP_MUL, np.multiply)
    def __truediv__(self, o):
        return binary_array(_use(self), o, OP_DIV, np.true_divide)
    def __rtruediv__(self, o):
        return binary_array(o, _use(self), OP_DIV, np.true_divide)
    def __pow__(self, o, mod=None):
        return binary_array(_use(self), o, OP_POW, np.power)
    def __rpow__(self, o, mod=None):
        return binary_array(o, _use(self), OP_POW, np.power)

    def __repr__(self):
        return repr(self._dualcalc_array)

    __str__ = __repr__

    def __reduce__(self):
        return (_identity, (self._dualcalc_array,))

    def __getattr__(self, name):
        if name.startswith("_dualcalc"):
            raise AttributeError(name)
        return getattr(_use(self), name)


def _identity(x):
    return x


cdef object _use(object h):
    """The dual array behind handle h, marking h as used through its forwarding
    methods (a handle never used that way was read as plain floats)."""
    h._dualcalc_used = True
    return h._dualcalc_array


def _forward(name):
    def method(self, *args, **kwargs):
        return getattr(_use(self), name)(*args, **kwargs)
    method.__name__ = name
    return method


for _name in ("__setitem__", "__bool__",
              "__float__", "__int__", "__complex__", "__index__", "__copy__", "__deepcopy__",
              "__neg__", "__pos__", "__abs__", "__floordiv__", "__rfloordiv__",
              "__mod__", "__rmod__", "__matmul__", "__rmatmul__",
              "__divmod__", "__rdivmod__",
              "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ipow__",
              "__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__",
              "reshape", "ravel", "flatten", "transpose", "swapaxes", "squeeze",
              "sum", "prod", "mean", "max", "min", "cumsum", "cumprod", "copy", "dot",
              "trace", "diagonal", "clip", "argmax", "argmin", "argsort", "sort",
              "astype", "item", "tolist", "view", "fill", "take", "repeat", "std", "var",
              "conj", "conjugate", "round", "__array__"):
    setattr(DualArrayHandle, _name, _forward(_name))

for _name in ("T", "value", "eps", "eps1", "eps2", "eps1eps2", "tag", "tag1", "tag2",
              "ndirs", "real", "imag", "flat", "mT"):
    setattr(DualArrayHandle, _name,
            property(lambda self, _n=_name: getattr(_use(self), _n)))
DualArrayHandle.__hash__ = None


cdef extern from "numpy/arrayobject.h":
    object PyArray_NewFromDescr(PyTypeObject* subtype, cnp.dtype descr, int nd,
                                cnp.npy_intp* dims, cnp.npy_intp* strides, void* data,
                                int flags, PyObject* obj)
    int PyArray_SetBaseObject(cnp.ndarray arr, PyObject* obj) except -1


cdef object _handle(object x, object frame):
    cdef cnp.ndarray v = _value_array(x)
    cdef cnp.npy_intp strides[64]
    cdef int i
    cdef cnp.dtype descr = <cnp.dtype>_FLOAT64
    for i in range(v.ndim):
        strides[i] = 0
    Py_INCREF(descr)                        # stolen by PyArray_NewFromDescr
    h = PyArray_NewFromDescr(<PyTypeObject*>DualArrayHandle, descr, v.ndim,
                             cnp.PyArray_DIMS(v), strides, cnp.PyArray_DATA(_NAN), 0, NULL)
    Py_INCREF(_NAN)                          # stolen by PyArray_SetBaseObject
    PyArray_SetBaseObject(<cnp.ndarray>h, <PyObject*>_NAN)
    h._dualcalc_array = x
    h._dualcalc_used = False
    _conv.note_handle(h, frame)
    return h


cdef object _OBJECT = np.dtype(object)


cdef object _object_elements(object x):
    """x as an object array of its elements (dual scalars), for np.asarray(x),
    np.array(x) and np.array([x, y, ...]): NumPy's object loops then keep the
    derivatives element by element."""
    cdef cnp.ndarray v = _value_array(x)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(v), i
    flat = x if v.ndim == 1 else np.ravel(x)
    if v.ndim == 0:
        out = np.fromiter(iter((x,)), dtype=object, count=1)
    else:
        out = np.fromiter((_getitem(flat, i) for i in range(n)), dtype=object, count=n)
    _conv.note_objects()
    return out.reshape(_shape(v))


cdef object _array_protocol(object x, object dtype, object copy):
    if dtype is not None and np.dtype(dtype) != _OBJECT:
        _refuse(x, "a NumPy array of dtype " + str(np.dtype(dtype)))
    if dtype is None and not copy and _value_array(x).ndim > 0:
        frame = _conv.subclass_site()
        if frame is not None:
            return _handle(x, frame)
    return _object_elements(x)


cdef object _matmul(object a, object b):
    """a @ b for the classes' operators: the implementation registered for
    np.matmul (dualcalc.arrays.tensor_contractions)."""
    impl = _UMETH.get((np.matmul, "__call__"))
    if _operand(a) is None or _operand(b) is None:
        return NotImplemented
    return impl(np.matmul, (a, b), {})


wire_protocols(_ufunc_call_fast, _array_protocol, _matmul, array_ufunc, array_function)
