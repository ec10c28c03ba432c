"""Sparsity detection: run f once on index-set tracers.

``jacobian_sparsity(f, x)`` and ``hessian_sparsity(f, x)`` call f once on a
:class:`TracerArray` holding x's values together with, for every element, the
set of inputs it depends on.  The result is a ``scipy.sparse`` boolean CSR
array (scipy is the ``[sparse]`` extra; it is imported only here).

>>> import numpy as np
>>> from dualcalc import jacobian_sparsity
>>> P = jacobian_sparsity(lambda x: x[1:] * x[:-1], np.ones(4))
>>> P.toarray().astype(int)
array([[1, 1, 0, 0],
       [0, 1, 1, 0],
       [0, 0, 1, 1]])

Design
------
A :class:`TracerArray` is a float value array of shape S plus ``rows``, a
boolean CSR matrix of shape (size(S), n): row e is the index set of flat
element e.  It takes part in NumPy's protocols the way ``DualArray`` does
(``__array_ufunc__``, ``__array_function__``, the operators, indexing and
item assignment with static indices); a 0-d TracerArray is the scalar tracer
that ``x[i]`` gives, and ``dualcalc.math`` reaches it through the ufuncs.

* Elementwise ops OR their operands' rows; broadcasting selects rows through
  an index map (``np.broadcast_to(arange(size).reshape(s), out)``).
* Structure ops (reshape, transpose, roll, concatenate, stack, indexing, pad,
  ...) run the same NumPy function on integer index arrays (1-based, 0 means
  "no inputs", so fills with 0 are constants) and select rows with the result:
  written once for every structural function.
* Linear reductions (sum, cumsum, trace, matmul with a constant) multiply the
  rows by a 0/1 grouping matrix (sparse OR of rows).
* Hessian sparsity is traced globally (as in SparseConnectivityTracer's
  global mode): besides the first-order sets, one set of interacting pairs
  collects ``R_x^T R_x`` for every nonlinear g(x), ``R_x^T R_y`` for x*y and
  so on.  The Hessian pattern is those pairs, symmetrised.

Values and what the pattern means
----------------------------------
The tracer carries the real values, so comparisons, ``np.where``, ``max``,
``min``, ``np.maximum``, ``clip``, ``sort`` and Python ``if`` on values take
the branch that f takes at x.  The pattern is therefore LOCAL at x: exactly
the structural nonzeros of the branch taken (at ties both sides are kept), so
it never misses a nonzero of the Jacobian (or Hessian) at x, and may hold
entries that happen to be zero at x (a product whose other factor is 0 at x).
A constant factor that is exactly 0 does remove the dependence.  The Hessian
pattern is global over f's intermediates: a nonlinear intermediate that does
not reach the result still adds its pairs (a superset, never a miss).

Conversions (``float(t)``, ``np.asarray(t)``, ``t.tolist()``) raise TypeError,
and so does every NumPy function not listed in :data:`SUPPORTED_FUNCTIONS`.
"""
import functools
import numbers
import weakref

import numpy as np

from dualcalc._forwarding import ForwardingMethods, InplaceOperators

__all__ = ["TracerArray", "jacobian_sparsity", "hessian_sparsity",
           "SUPPORTED_FUNCTIONS", "SUPPORTED_UFUNCS"]


def _sp():
    try:
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover - scipy is the [sparse] extra
        raise ImportError("sparsity detection needs scipy: pip install dualcalc[sparse]") from None
    return sp


# ---------------------------------------------------------------- row helpers
def _empty_rows(m, n):
    return _sp().csr_array((m, n), dtype=bool)


def _select(R, idx):
    """Rows idx of R (idx may repeat; idx < 0 selects an empty row)."""
    sp = _sp()
    idx = np.asarray(idx, dtype=np.int64).ravel()
    if idx.size == R.shape[0] and (idx.size == 0 or np.array_equal(idx, np.arange(idx.size))):
        return R
    if idx.size and idx.min() < 0:
        Rz = sp.vstack([R, _empty_rows(1, R.shape[1])], format="csr")
        idx = np.where(idx < 0, R.shape[0], idx)
        return Rz[idx]
    return R[idx]


def _group(out_ids, n_out):
    """The 0/1 matrix G (n_out x len(out_ids)) with G[out_ids[e], e] = 1;
    out_ids < 0 are left out."""
    sp = _sp()
    out_ids = np.asarray(out_ids, dtype=np.int64).ravel()
    keep = out_ids >= 0
    cols = np.nonzero(keep)[0]
    return sp.csr_array((np.ones(cols.size, dtype=bool), (out_ids[keep], cols)),
                        shape=(n_out, out_ids.size))


def _or(a, b):
    if a is b:
        return a
    if a.nnz == 0:
        return b
    if b.nnz == 0:
        return a
    return (a + b).tocsr()


# ---------------------------------------------------------------- the trace
class _Trace:
    """What one tracing run shares: the number of inputs and, for Hessian
    sparsity, the global set of interacting pairs."""

    def __init__(self, n, hessian):
        self.n = n
        self.hessian = hessian
        self.pairs = []
        self.live = []            # weak references to this run's tracers (see _wrote)

    def wrote(self, target):
        """target's values were written in place: every other tracer whose
        values may share its memory (a view, or the array it views) now has
        stale index sets, and refuses to be used."""
        keep = []
        for ref in self.live:
            t = ref()
            if t is None:
                continue
            keep.append(ref)
            if t is not target and np.may_share_memory(t.value, target.value):
                t._stale = True
        self.live = keep

    def add_pairs(self, A, B=None):
        """Record every pair (i, j) with i in row e of A and j in row e of B,
        for every element e (B = A: all pairs within each set)."""
        if not self.hessian or A.nnz == 0:
            return
        if B is None:
            P = A.T @ A
        else:
            if B.nnz == 0:
                return
            P = A.T @ B
        self.pairs.append(P.tocsr())
        if len(self.pairs) > 32:
            self.pairs = [functools.reduce(_or, self.pairs)]

    def hessian_pattern(self):
        sp = _sp()
        if not self.pairs:
            return sp.csr_array((self.n, self.n), dtype=bool)
        P = functools.reduce(_or, self.pairs)
        return _or(P, P.T.tocsr())


def _is_tracer(o):
    return type(o) is TracerArray


def _check_fresh(objs):
    """Refuse tracers whose index sets went stale through a write into
    memory they share (NumPy's view semantics, which the index sets do not
    follow)."""
    for o in objs:
        if type(o) is TracerArray:
            if o._stale:
                raise TypeError(
                    "this array shares memory with one that was written in place "
                    "(x[...] = ... through a view, or into the array a view was taken "
                    "from); the sparsity tracer does not follow writes through views. "
                    "Write into the array itself and take views afterwards, or copy "
                    "the view first")
        elif isinstance(o, (list, tuple)):
            _check_fresh(o)


def _trace_of(objs):
    for o in objs:
        if _is_tracer(o):
            return o._trace
    return None


def _value(o):
    return o.value if _is_tracer(o) else o


def _rows_for(o, shape, trace):
    """o's rows broadcast to shape (an empty matrix for constants)."""
    size = int(np.prod(shape, dtype=np.int64))
    if not _is_tracer(o):
        return _empty_rows(size, trace.n)
    if o.shape == tuple(shape):
        return o.rows
    idx = np.broadcast_to(np.arange(o.size).reshape(o.shape), shape)
    return _select(o.rows, idx)


def _unsupported(name):
    return TypeError(
        f"{name} is not supported by dualcalc's sparsity tracer; see "
        "dualcalc.sparsity.SUPPORTED_FUNCTIONS, or pass sparsity= a known pattern")


# ---------------------------------------------------------------- the tracer
class TracerArray(InplaceOperators, ForwardingMethods):
    """An array of values carrying, per element, the set of inputs it depends on.

    ``value`` is the float ndarray, ``rows`` a boolean CSR matrix of shape
    (value.size, n).  Made by :func:`jacobian_sparsity` and
    :func:`hessian_sparsity`; a user function sees it in place of x.

    Examples
    --------
    >>> import numpy as np
    >>> from dualcalc.sparsity import TracerArray
    >>> t = TracerArray.seed(np.array([1.0, 2.0, 3.0]))
    >>> y = np.roll(t, 1) * t[0]
    >>> y.rows.toarray().astype(int)
    array([[1, 0, 1],
           [1, 0, 0],
           [1, 1, 0]])
    """

    __array_priority__ = 1000

    _stale = False

    def __init__(self, value, rows, trace):
        self.value = value
        self.rows = rows
        self._trace = trace
        trace.live.append(weakref.ref(self))

    @classmethod
    def seed(cls, x, hessian=False):
        """x (float array) with element i depending on input i."""
        x = np.array(x, dtype=np.float64)
        sp = _sp()
        return cls(x, sp.identity(x.size, dtype=bool, format="csr"),
                   _Trace(x.size, hessian))

    def _new(self, value, rows):
        value = np.asarray(value)
        if value.dtype.kind != "f":
            value = value.astype(np.float64)
        return TracerArray(value, rows, self._trace)

    # -------------------------------------------------- array attributes
    shape = property(lambda self: self.value.shape)
    ndim = property(lambda self: self.value.ndim)
    size = property(lambda self: self.value.size)
    dtype = property(lambda self: self.value.dtype)
    T = property(lambda self: np.transpose(self))

    def __len__(self):
        return len(self.value)

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        for i in range(len(self.value)):
            yield self[i]

    def __repr__(self):
        return f"TracerArray({self.value!r}, nnz={self.rows.nnz})"

    # -------------------------------------------------- conversions refused
    def _refuse(self, what):
        raise TypeError(
            f"{what} would drop the dependence on the inputs while tracing sparsity; "
            "use NumPy functions and dualcalc.math on the array itself (its values "
            "are in .value)")

    def __float__(self):
        self._refuse("float() of a TracerArray")

    def __int__(self):
        self._refuse("int() of a TracerArray")

    def __complex__(self):
        self._refuse("complex() of a TracerArray")

    def __index__(self):
        self._refuse("using a TracerArray as an index")

    def __array__(self, dtype=None, copy=None):
        self._refuse("np.asarray/np.array of a TracerArray")

    def tolist(self):
        self._refuse(".tolist() of a TracerArray")

    def astype(self, dtype, *args, **kwargs):
        if np.dtype(dtype).kind == "f":
            return self._new(self.value.astype(dtype), self.rows)
        self._refuse(f".astype({np.dtype(dtype)})")

    def __bool__(self):
        return bool(self.value)      # comparisons and branches use the values

    def __hash__(self):
        raise TypeError("unhashable type: 'TracerArray'")

    # -------------------------------------------------- indexing
    def _check_key(self, key):
        parts = key if isinstance(key, tuple) else (key,)
        for p in parts:
            if _is_tracer(p):
                raise TypeError("indexing with a traced array: the index must not "
                                "depend on x while tracing sparsity")

    def __getitem__(self, key):
        _check_fresh((self,))
        self._check_key(key)
        idx = np.arange(self.size).reshape(self.shape)[key]
        return self._new(self.value[key], _select(self.rows, idx))

    def __setitem__(self, key, v):
        _check_fresh((self, v))
        self._check_key(key)
        self.value[key] = _value(v)
        self._trace.wrote(self)
        n_el = self.size
        idx = np.arange(n_el).reshape(self.shape)
        target_shape = idx[key].shape
        if _is_tracer(v):
            src = np.broadcast_to(np.arange(n_el, n_el + v.size).reshape(v.shape), target_shape)
            R_all = _sp().vstack([self.rows, v.rows], format="csr")
        else:
            src = -1
            R_all = self.rows
        idx[key] = src
        self.rows = _select(R_all, idx)

    # -------------------------------------------------- methods
    def reshape(self, *shape, order="C"):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return np.reshape(self, shape, order=order)

    def ravel(self, order="C"):
        return np.ravel(self, order=order)

    def flatten(self, order="C"):
        return np.ravel(self, order=order)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return np.transpose(self, axes or None)

    def copy(self):
        return self._new(self.value.copy(), self.rows)











    # -------------------------------------------------- NumPy protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        _check_fresh(inputs)
        out = kwargs.pop("out", None)
        if method == "__call__":
            if kwargs.get("where", True) is not True:
                raise TypeError(f"np.{ufunc.__name__}(where=...) is not supported while tracing")
            kwargs.pop("where", None)
            if ufunc is np.matmul:
                r = _matmul(*inputs, **kwargs)
            else:
                r = _ufunc_call(ufunc, inputs, kwargs)
        elif method in ("reduce", "accumulate"):
            fn = _UFUNC_METHODS.get((ufunc, method))
            if fn is None:
                raise _unsupported(f"np.{ufunc.__name__}.{method}")
            r = fn(*inputs, **kwargs)
        else:
            raise _unsupported(f"np.{ufunc.__name__}.{method}")
        if out is not None:
            (o,) = out
            if not _is_tracer(o):
                raise TypeError(f"np.{ufunc.__name__}(out=...) into a plain array would drop "
                                "the dependence on the inputs")
            o[...] = r
            return o
        return r

    def __array_function__(self, func, types, args, kwargs):
        impl = _FUNCTIONS.get(func)
        if impl is None:
            raise _unsupported(f"np.{getattr(func, '__name__', func)}")
        _check_fresh(args)
        _check_fresh(kwargs.values())
        return impl(*args, **kwargs)

    # -------------------------------------------------- operators
    def _binop(u):
        return (lambda self, o: u(self, o)), (lambda self, o: u(o, self))

    __add__, __radd__ = _binop(np.add)
    __sub__, __rsub__ = _binop(np.subtract)
    __mul__, __rmul__ = _binop(np.multiply)
    __truediv__, __rtruediv__ = _binop(np.true_divide)
    __floordiv__, __rfloordiv__ = _binop(np.floor_divide)
    __mod__, __rmod__ = _binop(np.remainder)
    __pow__, __rpow__ = _binop(np.power)
    __matmul__, __rmatmul__ = _binop(np.matmul)
    del _binop

    def __neg__(self):
        return np.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return np.absolute(self)

    def __lt__(self, o):
        return np.less(self, o)

    def __le__(self, o):
        return np.less_equal(self, o)

    def __gt__(self, o):
        return np.greater(self, o)

    def __ge__(self, o):
        return np.greater_equal(self, o)

    def __eq__(self, o):
        return np.equal(self, o)

    def __ne__(self, o):
        return np.not_equal(self, o)






# ---------------------------------------------------------------- ufuncs
_LINEAR1 = {np.negative, np.positive, np.conjugate, np.degrees, np.radians,
            np.deg2rad, np.rad2deg}
_PIECEWISE_LINEAR1 = {np.absolute, np.fabs}
_NONLINEAR1 = {np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan, np.sinh,
               np.cosh, np.tanh, np.arcsinh, np.arccosh, np.arctanh, np.exp, np.exp2,
               np.expm1, np.log, np.log2, np.log10, np.log1p, np.sqrt, np.cbrt,
               np.square, np.reciprocal}
_ZERO1 = {np.sign, np.floor, np.ceil, np.trunc, np.rint}
_PREDICATES = {np.isnan, np.isinf, np.isfinite, np.signbit, np.logical_not}
_COMPARE = {np.less, np.less_equal, np.greater, np.greater_equal, np.equal,
            np.not_equal, np.logical_and, np.logical_or, np.logical_xor}
_LINEAR2 = {np.add, np.subtract}
_SELECT2 = {np.maximum: np.greater, np.minimum: np.less,
            np.fmax: np.greater, np.fmin: np.less}
_NONLINEAR2 = {np.arctan2, np.hypot, np.logaddexp, np.logaddexp2, np.float_power}
_FIRST_ONLY2 = {np.copysign}          # derivative through the first argument only
_PIECEWISE2 = {np.remainder, np.fmod}  # linear pieces in both arguments

#: The ufuncs the tracer knows exactly (``__call__``; add, multiply, maximum and
#: minimum also ``reduce``, add and multiply ``accumulate``).  Any other ufunc
#: of one or two arguments (scipy.special's, say) is taken as a nonlinear
#: function of all its traced arguments: a superset, never a miss.
SUPPORTED_UFUNCS = frozenset(
    _LINEAR1 | _PIECEWISE_LINEAR1 | _NONLINEAR1 | _ZERO1 | _PREDICATES | _COMPARE
    | _LINEAR2 | set(_SELECT2) | _NONLINEAR2 | _FIRST_ONLY2 | _PIECEWISE2
    | {np.multiply, np.true_divide, np.power, np.floor_divide})


def _ufunc_call(ufunc, inputs, kwargs):
    if kwargs.pop("dtype", None) not in (None, np.float64, float):
        raise TypeError(f"np.{ufunc.__name__}(dtype=...) is not supported while tracing")
    if kwargs:
        raise TypeError(f"np.{ufunc.__name__}({', '.join(kwargs)}=...) is not supported "
                        "while tracing")
    for o in inputs:
        if not _is_tracer(o) and not isinstance(o, (numbers.Number, np.ndarray, np.generic,
                                                    list, tuple)):
            return NotImplemented
    inputs = tuple(_pack(o) for o in inputs)
    trace = _trace_of(inputs)
    vals = [_value(o) for o in inputs]
    with np.errstate(all="ignore"):
        value = ufunc(*vals)
    if ufunc in _COMPARE or ufunc in _PREDICATES:
        return value                                   # booleans: values only (local)
    shape = np.shape(value)
    size = int(np.prod(shape, dtype=np.int64))
    if ufunc.nin == 1:
        (x,) = inputs
        if ufunc in _ZERO1 or ufunc in (np.floor_divide,):
            return TracerArray(np.asarray(value, float), _empty_rows(size, trace.n), trace)
        if ufunc in _LINEAR1 or ufunc in _PIECEWISE_LINEAR1:
            return TracerArray(np.asarray(value, float), x.rows, trace)
        if np.asarray(value).dtype.kind == "b":
            return value
        # _NONLINEAR1 and any other one-argument ufunc (scipy.special's erf,
        # gamma, ...): depends on x, nonlinearly -- a sound superset
        trace.add_pairs(x.rows)
        return TracerArray(np.asarray(value, float), x.rows, trace)
    if ufunc.nin != 2:
        raise _unsupported(f"np.{ufunc.__name__}")
    a, b = inputs
    Ra, Rb = _rows_for(a, shape, trace), _rows_for(b, shape, trace)
    va, vb = vals
    if ufunc is np.floor_divide:
        rows = _empty_rows(size, trace.n)
    elif ufunc in _LINEAR2 or ufunc in _PIECEWISE2:
        rows = _or(Ra, Rb)
    elif ufunc is np.multiply:
        Ra = _drop_zero_factor(Ra, vb, b, shape)
        Rb = _drop_zero_factor(Rb, va, a, shape)
        trace.add_pairs(Ra, Rb)
        trace.add_pairs(Rb, Ra)
        rows = _or(Ra, Rb)
    elif ufunc is np.true_divide:
        trace.add_pairs(Rb)
        trace.add_pairs(Ra, Rb)
        trace.add_pairs(Rb, Ra)
        rows = _or(Ra, Rb)
    elif ufunc is np.power:
        if not _is_tracer(b):
            e = np.broadcast_to(np.asarray(vb, float), shape).ravel()
            Ra = _mask_rows(Ra, e != 0)                # x**0 == 1: no dependence
            trace.add_pairs(_mask_rows(Ra, e != 1))
            rows = Ra
        else:
            rows = _or(Ra, Rb)
            trace.add_pairs(rows)
    elif ufunc in _NONLINEAR2 or ufunc not in SUPPORTED_UFUNCS:
        if np.asarray(value).dtype.kind == "b":
            return value
        rows = _or(Ra, Rb)          # any other two-argument ufunc: a sound superset
        trace.add_pairs(rows)
    elif ufunc in _FIRST_ONLY2:
        rows = Ra
    elif ufunc in _SELECT2:
        cmp = _SELECT2[ufunc]
        with np.errstate(invalid="ignore"):
            pa = np.broadcast_to(np.asarray(cmp(va, vb) | (va == vb) | np.isnan(va), bool), shape).ravel()
            pb = np.broadcast_to(np.asarray(cmp(vb, va) | (va == vb) | np.isnan(vb), bool), shape).ravel()
        rows = _or(_mask_rows(Ra, pa), _mask_rows(Rb, pb))
    else:
        raise _unsupported(f"np.{ufunc.__name__}")
    return TracerArray(np.asarray(value, dtype=float), rows, trace)


def _mask_rows(R, keep):
    """R with the rows where keep is False emptied."""
    keep = np.asarray(keep, bool).ravel()
    if keep.all():
        return R
    sp = _sp()
    return (sp.diags_array(keep.astype(bool), format="csr", dtype=bool) @ R).tocsr()


def _drop_zero_factor(R, other_value, other, shape):
    """In a*b the dependence through a is gone where b is a constant 0."""
    if _is_tracer(other):
        return R
    c = np.broadcast_to(np.asarray(other_value), shape).ravel()
    return _mask_rows(R, c != 0)


# ---------------------------------------------------------------- array functions
_FUNCTIONS = {}


def _implements(*funcs):
    def deco(fn):
        for f in funcs:
            _FUNCTIONS[f] = fn
        return fn
    return deco


def _index_of(o, offset):
    """1-based index array of o's elements starting after offset (constants: 0)."""
    if _is_tracer(o):
        return np.arange(offset + 1, offset + 1 + o.size, dtype=np.int64).reshape(o.shape)
    return np.zeros(np.shape(o), dtype=np.int64)


def _has_tracer(o):
    if _is_tracer(o):
        return True
    return isinstance(o, (list, tuple)) and any(_has_tracer(e) for e in o)


def _pack(o):
    """A (nested) list or tuple holding tracers, as one tracer (like
    np.array of it); anything else unchanged."""
    if isinstance(o, (list, tuple)) and _has_tracer(o):
        return np.stack([_pack(e) if _has_tracer(e) else np.asarray(e, dtype=float)
                         for e in o])
    return o


def _structural(func, data_args, rebuild):
    """Run a structural NumPy function on values and on index arrays.

    data_args: the array operands; rebuild(operands) calls func with them in
    place.  Returns the tracer (or a list/tuple of tracers)."""
    data_args = [_pack(o) for o in data_args]
    trace = _trace_of(data_args)
    idxs, blocks, off = [], [], 0
    for o in data_args:
        idxs.append(_index_of(o, off))
        if _is_tracer(o):
            blocks.append(o.rows)
            off += o.size
    value = rebuild([_value(o) for o in data_args])
    index = rebuild(idxs)
    sp = _sp()
    R_all = sp.vstack([_empty_rows(1, trace.n)] + blocks, format="csr")

    def make(v, i):
        return TracerArray(np.asarray(v, dtype=float), _select(R_all, np.asarray(i)), trace)

    if isinstance(value, (list, tuple)):
        return type(value)(make(v, i) for v, i in zip(value, index))
    return make(value, index)


def _first_arg_structural(*funcs):
    for func in funcs:
        def impl(a, *args, _func=func, **kwargs):
            return _structural(_func, [a], lambda ops: _func(ops[0], *args, **kwargs))
        _FUNCTIONS[func] = impl


_first_arg_structural(
    np.reshape, np.ravel, np.transpose, np.swapaxes, np.moveaxis, np.squeeze,
    np.expand_dims, np.broadcast_to, np.copy, np.diagonal, np.diag, np.flip,
    np.fliplr, np.flipud, np.roll, np.rot90, np.take, np.take_along_axis, np.repeat,
    np.tile, np.triu, np.tril, np.split, np.array_split, np.hsplit, np.vsplit,
    np.pad, np.atleast_1d, np.atleast_2d, np.atleast_3d, np.real, np.matrix_transpose,
    np.diagflat, np.resize)
for _f in (np.atleast_1d, np.atleast_2d, np.atleast_3d):
    def _atleast(*arys, _func=_f):
        if len(arys) == 1:
            return _structural(_func, [arys[0]], lambda ops: _func(ops[0]))
        return [_structural(_func, [a], lambda ops: _func(ops[0])) for a in arys]
    _FUNCTIONS[_f] = _atleast


def _seq_structural(*funcs):
    for func in funcs:
        def impl(arrays, *args, _func=func, **kwargs):
            arrays = list(arrays)
            return _structural(_func, arrays, lambda ops: _func(ops, *args, **kwargs))
        _FUNCTIONS[func] = impl


_seq_structural(np.concatenate, np.stack, np.hstack, np.vstack, np.column_stack, np.dstack)


@_implements(np.append)
def _append(arr, values, axis=None):
    return _structural(np.append, [arr, values], lambda ops: np.append(ops[0], ops[1], axis))


@_implements(np.broadcast_arrays)
def _broadcast_arrays(*args, subok=False):
    shape = np.broadcast_shapes(*[np.shape(_value(a)) for a in args])
    return tuple(np.broadcast_to(a, shape) for a in args)


@_implements(np.where)
def _where(condition, x=None, y=None):
    if x is None and y is None:
        return np.where(_value(condition))
    c = np.asarray(_value(condition), dtype=bool)      # branches on values: local at x
    return _structural(np.where, [x, y], lambda ops: np.where(c, ops[0], ops[1]))


@_implements(np.select)
def _select_fn(condlist, choicelist, default=0):
    conds = [np.asarray(_value(c), dtype=bool) for c in condlist]
    ops = list(choicelist) + [default]
    return _structural(np.select, ops, lambda o: np.select(conds, o[:-1], o[-1]))


@_implements(np.clip)
def _clip(a, a_min=None, a_max=None, out=None, **kwargs):
    a_min = kwargs.pop("min", a_min)
    a_max = kwargs.pop("max", a_max)
    r = a
    if a_min is not None:
        r = np.maximum(r, a_min)
    if a_max is not None:
        r = np.minimum(r, a_max)
    return r


def _norm_axes(axis, nd):
    if axis is None:
        return tuple(range(nd))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    return tuple(sorted(int(a) % nd for a in axis)) if nd else ()


def _reduce_rows(a, axes, keepdims, mask=None):
    """Rows of the reduction of a over axes: OR over each group (only the
    elements where mask is True, if given)."""
    shape = a.shape
    kshape = tuple(1 if i in axes else s for i, s in enumerate(shape))
    n_out = int(np.prod(kshape, dtype=np.int64))
    out_ids = np.broadcast_to(np.arange(n_out).reshape(kshape), shape)
    if mask is not None:
        out_ids = np.where(mask, out_ids, -1)
    G = _group(out_ids, n_out)
    rows = (G @ a.rows).tocsr()
    out_shape = kshape if keepdims else tuple(s for i, s in enumerate(shape) if i not in axes)
    return rows, out_shape


@_implements(np.sum)
def _sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=np._NoValue,
         where=np._NoValue):
    if out is not None or where is not np._NoValue:
        raise TypeError("np.sum(out=/where=) is not supported while tracing")
    if not _is_tracer(a):
        return np.sum(a, axis=axis, keepdims=keepdims)
    axes = _norm_axes(axis, a.ndim)
    kw = {} if initial is np._NoValue else {"initial": initial}
    value = np.sum(a.value, axis=axis, keepdims=keepdims, **kw)
    rows, _ = _reduce_rows(a, axes, keepdims)
    return a._new(value, rows)


def _add_reduce(a, axis=0, dtype=None, out=None, keepdims=False, **kw):
    return _sum(a, axis=axis, keepdims=keepdims, **kw)


@_implements(np.mean)
def _mean(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    s = _sum(a, axis=axis, keepdims=keepdims)
    return s / (a.size / max(1, s.size)) if a.size else s


@_implements(np.average)
def _average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    if weights is None:
        return _mean(a, axis=axis, keepdims=keepdims)
    w = np.broadcast_to(weights, np.shape(_value(a))) if np.ndim(_value(weights)) == np.ndim(_value(a)) \
        else weights
    return _sum(a * w, axis=axis, keepdims=keepdims) / _sum(w * np.ones(np.shape(_value(a))), axis=axis, keepdims=keepdims)


@_implements(np.var)
def _var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
    m = _mean(a, axis=axis, keepdims=True)
    d = a - m
    n = a.size / max(1, m.size)
    return _sum(d * d, axis=axis, keepdims=keepdims) / (n - ddof)


@_implements(np.std)
def _std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
    return np.sqrt(_var(a, axis=axis, ddof=ddof, keepdims=keepdims))


@_implements(np.trace)
def _trace_fn(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return _sum(np.diagonal(a, offset, axis1, axis2), axis=-1)


def _select_reduce(a, axis, keepdims, pick, initial=np._NoValue):
    if initial is not np._NoValue:
        raise TypeError("max/min(initial=) is not supported while tracing")
    if not _is_tracer(a):
        return pick(a, axis=axis, keepdims=keepdims)
    axes = _norm_axes(axis, a.ndim)
    best = pick(a.value, axis=axis, keepdims=True)
    mask = (a.value == best) | np.isnan(best)          # ties: every extreme element
    rows, _ = _reduce_rows(a, axes, keepdims, mask=mask)
    return a._new(pick(a.value, axis=axis, keepdims=keepdims), rows)


@_implements(np.max, np.amax)
def _max(a, axis=None, out=None, keepdims=False, initial=np._NoValue, where=np._NoValue):
    return _select_reduce(a, axis, keepdims, np.max, initial)


@_implements(np.min, np.amin)
def _min(a, axis=None, out=None, keepdims=False, initial=np._NoValue, where=np._NoValue):
    return _select_reduce(a, axis, keepdims, np.min, initial)


def _max_reduce(a, axis=0, keepdims=False, **kw):
    return _select_reduce(a, axis, keepdims, np.max)


def _min_reduce(a, axis=0, keepdims=False, **kw):
    return _select_reduce(a, axis, keepdims, np.min)


@_implements(np.prod)
def _prod(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
    if not _is_tracer(a):
        return np.prod(a, axis=axis, keepdims=keepdims)
    axes = _norm_axes(axis, a.ndim)
    if a._trace.hessian:
        # a chain of products: the pairs are exactly those between factors
        b = np.moveaxis(a, axes, tuple(range(len(axes))))
        b = b.reshape((-1,) + b.shape[len(axes):])
        r = np.ones(b.shape[1:]) if b.shape[0] == 0 else b[0]
        for k in range(1, b.shape[0]):
            r = r * b[k]
        if keepdims:
            r = r.reshape(tuple(1 if i in axes else s for i, s in enumerate(a.shape)))
        return r if _is_tracer(r) else a._new(r, _empty_rows(np.size(r), a._trace.n))
    rows, _ = _reduce_rows(a, axes, keepdims)
    return a._new(np.prod(a.value, axis=axis, keepdims=keepdims), rows)


def _mul_reduce(a, axis=0, dtype=None, out=None, keepdims=False, **kw):
    return _prod(a, axis=axis, keepdims=keepdims)


@_implements(np.cumsum)
def _cumsum(a, axis=None, dtype=None, out=None):
    if axis is None:
        a = np.ravel(a)
        axis = 0
    axis = int(axis) % a.ndim
    n = a.shape[axis]
    idx = np.arange(a.size).reshape(a.shape)
    # result element (.., i, ..) ORs source elements (.., j, ..) for j <= i
    src = np.moveaxis(idx, axis, -1)
    tri_i, tri_j = np.tril_indices(n)
    out_ids = src[..., tri_i]
    in_ids = src[..., tri_j]
    sp = _sp()
    G = sp.csr_array((np.ones(in_ids.size, bool), (out_ids.ravel(), in_ids.ravel())),
                     shape=(a.size, a.size))
    return a._new(np.cumsum(a.value, axis=axis), (G @ a.rows).tocsr())


def _add_accumulate(a, axis=0, dtype=None, out=None):
    return _cumsum(a, axis=axis)


@_implements(np.cumprod)
def _cumprod(a, axis=None, dtype=None, out=None):
    c = _cumsum(a, axis=axis)
    a._trace.add_pairs(c.rows)
    return a._new(np.cumprod(a.value, axis=axis), c.rows)


def _mul_accumulate(a, axis=0, dtype=None, out=None):
    return _cumprod(a, axis=axis)


@_implements(np.diff)
def _diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    parts = [a]
    if prepend is not np._NoValue:
        parts.insert(0, np.broadcast_to(prepend, _edge_shape(a, axis)) if np.ndim(_value(prepend)) == 0 else prepend)
    if append is not np._NoValue:
        parts.append(np.broadcast_to(append, _edge_shape(a, axis)) if np.ndim(_value(append)) == 0 else append)
    if len(parts) > 1:
        a = np.concatenate(parts, axis=axis)
    for _ in range(n):
        sl1 = [slice(None)] * a.ndim
        sl0 = [slice(None)] * a.ndim
        sl1[axis] = slice(1, None)
        sl0[axis] = slice(None, -1)
        a = a[tuple(sl1)] - a[tuple(sl0)]
    return a


def _edge_shape(a, axis):
    s = list(np.shape(_value(a)))
    s[axis] = 1
    return tuple(s)


@_implements(np.sort)
def _sort(a, axis=-1, kind=None, order=None, *, stable=None):
    if axis is None:
        a, axis = np.ravel(a), -1
    perm = np.argsort(a.value, axis=axis, kind="stable")
    return np.take_along_axis(a, perm, axis=axis)


def _values_only(func):
    def impl(*args, **kwargs):
        return func(*[_value(a) for a in args], **{k: _value(v) for k, v in kwargs.items()})
    return impl


for _f in (np.argmax, np.argmin, np.argsort, np.nonzero, np.argwhere, np.flatnonzero,
           np.shape, np.ndim, np.size, np.isclose, np.allclose, np.array_equal,
           np.count_nonzero, np.searchsorted, np.isnan, np.isfinite, np.isinf, np.any, np.all, np.signbit):
    _FUNCTIONS[_f] = _values_only(_f)


def _make_like(func):
    def impl(a, *args, dtype=None, **kwargs):
        value = func(_value(a), *args, **kwargs)
        if dtype is not None and np.dtype(dtype).kind != "f" or not _is_tracer(a):
            return func(_value(a), *args, dtype=dtype, **kwargs)
        return a._new(value.astype(float), _empty_rows(value.size, a._trace.n))
    return impl


for _f in (np.zeros_like, np.ones_like, np.empty_like, np.full_like):
    _FUNCTIONS[_f] = _make_like(_f)


@_implements(np.round, np.around)
def _round(a, decimals=0, out=None):
    return a._new(np.round(a.value, decimals), _empty_rows(a.size, a._trace.n))


def _as_operand(o):
    return o if _is_tracer(o) else np.asarray(o, dtype=float)


@_implements(np.matmul)
def _matmul(a, b, out=None, **kw):
    a, b = _as_operand(a), _as_operand(b)
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    fast = _const_matmul(a, b)
    if fast is not None:
        return fast
    a1, b1 = np.ndim(a) == 1, np.ndim(b) == 1
    A = a[None, :] if a1 else a
    B = b[:, None] if b1 else b
    prod = np.expand_dims(A, -1) * np.expand_dims(B, -3)       # (..., m, k, p)
    r = np.sum(prod, axis=-2)
    if a1:
        r = r[..., 0, :]
    if b1:
        r = r[..., 0]
    return r


def _const_matmul(a, b):
    """A constant 2-D (or 1-D) matrix times a traced vector or matrix: the
    rows are one sparse product with the matrix's nonzero pattern."""
    sp = _sp()
    if not _is_tracer(a) and _is_tracer(b) and a.ndim <= 2 and b.ndim <= 2:
        A = np.atleast_2d(a)
        if A.shape[1] != b.shape[0]:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned")
        G = sp.csr_array(A != 0)
        if b.ndim == 2:
            G = sp.kron(G, sp.identity(b.shape[1], dtype=bool), format="csr")
        value = a @ b.value
        return b._new(value, (G @ b.rows).tocsr().astype(bool))
    if _is_tracer(a) and not _is_tracer(b) and a.ndim <= 2 and b.ndim <= 2:
        Bm = b[:, None] if b.ndim == 1 else b
        if a.shape[-1] != Bm.shape[0]:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned")
        G = sp.csr_array(Bm.T != 0)
        if a.ndim == 2:
            G = sp.kron(sp.identity(a.shape[0], dtype=bool), G, format="csr")
        value = a.value @ b
        return a._new(value, (G @ a.rows).tocsr().astype(bool))
    return None


@_implements(np.dot)
def _dot(a, b, out=None):
    if np.ndim(_value(a)) == 0 or np.ndim(_value(b)) == 0:
        return a * b
    if np.ndim(_value(b)) <= 2:
        return _matmul(a, b)
    raise _unsupported("np.dot of arrays with more than 2 dimensions")


@_implements(np.inner)
def _inner(a, b):
    if np.ndim(_value(a)) == 0 or np.ndim(_value(b)) == 0:
        return a * b
    return np.sum(a * b, axis=-1) if np.ndim(_value(a)) == np.ndim(_value(b)) == 1 else \
        _matmul(a, np.swapaxes(b, -1, -2) if np.ndim(_value(b)) > 1 else b)


@_implements(np.vdot)
def _vdot(a, b):
    return np.sum(np.ravel(a) * np.ravel(b))


@_implements(np.outer)
def _outer(a, b, out=None):
    return np.ravel(a)[:, None] * np.ravel(b)[None, :]


@_implements(np.cross)
def _cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if np.shape(_value(a))[-1] != 3 or np.shape(_value(b))[-1] != 3:
        raise _unsupported("np.cross of 2-vectors")
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)


@_implements(np.linalg.norm)
def _norm(x, ord=None, axis=None, keepdims=False):
    if ord not in (None, 2, "fro") or (ord == 2 and np.ndim(_value(x)) != 1 and axis is None):
        raise _unsupported(f"np.linalg.norm(ord={ord!r})")
    return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))


@_implements(np.polyval)
def _polyval(p, x):
    r = 0.0 * x if _is_tracer(x) else 0.0
    for c in (p if not _is_tracer(p) else [p[i] for i in range(len(p))]):
        r = r * x + c
    return r


@_implements(np.interp)
def _interp(x, xp, fp, left=None, right=None, period=None):
    if _is_tracer(xp) or _is_tracer(fp):
        raise _unsupported("np.interp with traced xp or fp")
    value = np.interp(x.value, xp, fp, left, right, period)
    return x._new(value, x.rows)      # piecewise linear in x: first order only


def _dense_dependence(func):
    """Functions whose every output element depends on every input element
    (generically): linalg.solve, inv, det, slogdet.  Nonlinear: all pairs."""
    def impl(*args, **kwargs):
        trace = _trace_of(args)
        value = func(*[_value(a) for a in args], **kwargs)
        rows = None
        for a in args:
            if _is_tracer(a):
                u = _reduce_rows(a, tuple(range(a.ndim)), False)[0]
                rows = u if rows is None else _or(rows, u)
        trace.add_pairs(rows)

        def make(v):
            v = np.asarray(v, dtype=float)
            return TracerArray(v, _select(rows, np.zeros(v.size, np.int64)), trace)
        if isinstance(value, tuple):
            return type(value)(*[make(v) if i else np.asarray(v) for i, v in enumerate(value)]) \
                if func is np.linalg.slogdet else tuple(make(v) for v in value)
        return make(value)
    return impl


for _f in (np.linalg.solve, np.linalg.inv, np.linalg.det):
    _FUNCTIONS[_f] = _dense_dependence(_f)


@_implements(np.einsum)
def _einsum(subscripts, *operands, **kwargs):
    raise _unsupported("np.einsum")


_UFUNC_METHODS = {
    (np.add, "reduce"): _add_reduce,
    (np.multiply, "reduce"): _mul_reduce,
    (np.maximum, "reduce"): _max_reduce,
    (np.minimum, "reduce"): _min_reduce,
    (np.add, "accumulate"): _add_accumulate,
    (np.multiply, "accumulate"): _mul_accumulate,
}

#: The NumPy functions the tracer implements.
SUPPORTED_FUNCTIONS = frozenset(f for f in _FUNCTIONS if f is not np.einsum)


# ---------------------------------------------------------------- the verbs
def _output_rows(y, trace):
    """(rows, shape) of f's output: a tracer, a number, an array or a
    (nested) sequence of them."""
    _check_fresh((y,))
    if _is_tracer(y):
        if y._trace is not trace:
            raise TypeError("f returned a tracer of another sparsity detection")
        return y.rows, y.shape
    if isinstance(y, (bool, np.bool_)) or isinstance(y, (str, bytes)) or y is None:
        raise TypeError(f"f must return a number or an array of numbers, got {type(y).__name__}")
    if isinstance(y, (numbers.Real, np.floating, np.integer)):
        return _empty_rows(1, trace.n), ()
    if isinstance(y, np.ndarray) and y.dtype.kind in "fiu":
        return _empty_rows(y.size, trace.n), y.shape
    if isinstance(y, (list, tuple, np.ndarray)):
        parts = [_output_rows(item, trace) for item in y]
        if not parts:
            return _empty_rows(0, trace.n), (0,)
        shapes = {p[1] for p in parts}
        if len(shapes) != 1:
            raise ValueError("f returned a ragged sequence: its elements have different shapes")
        (s,) = shapes
        return _sp().vstack([p[0] for p in parts], format="csr"), (len(parts),) + s
    raise TypeError(f"f must return a number or an array of numbers, got {type(y).__name__}")


def _run(f, x, args, hessian):
    x = np.asarray(x, dtype=np.float64) if not isinstance(x, np.ndarray) else x
    if x.dtype.kind not in "fiu":
        raise TypeError(f"x must be an array of real numbers, got dtype {x.dtype}")
    t = TracerArray.seed(x, hessian=hessian)
    if x.ndim == 0:
        t = t.reshape(())
    y = f(t, *args)
    return _output_rows(y, t._trace), t._trace


def jacobian_sparsity(f, x, args=()):
    """The sparsity pattern of f's Jacobian at x, from one traced call of f.

    Parameters
    ----------
    f : callable
        ``f(x, *args)``: NumPy code (operators, ufuncs, the functions in
        :data:`SUPPORTED_FUNCTIONS`) and ``dualcalc.math``.
    x : array_like
        The point.  Branches on values (``if``, ``np.where``, max/min, ...)
        take the branch f takes at x: the pattern is local at x (see the module
        docstring) and never misses a nonzero of the Jacobian at x.
    args : tuple, optional
        Extra arguments passed to f.

    Returns
    -------
    scipy.sparse.csr_array of bool, shape ``(f(x).size, x.size)``
        Row i holds the inputs that flat output element i depends on.

    Examples
    --------
    >>> import numpy as np
    >>> P = jacobian_sparsity(lambda x: np.roll(x, 1) - 2 * x + np.roll(x, -1), np.ones(5))
    >>> P.toarray().astype(int)
    array([[1, 1, 0, 0, 1],
           [1, 1, 1, 0, 0],
           [0, 1, 1, 1, 0],
           [0, 0, 1, 1, 1],
           [1, 0, 0, 1, 1]])
    """
    (rows, _), _ = _run(f, x, args, hessian=False)
    rows = _sp().csr_array(rows, dtype=bool)
    rows.sort_indices()
    return rows


def hessian_sparsity(f, x, args=()):
    """The sparsity pattern of the Hessian of a scalar f at x (symmetric).

    Parameters
    ----------
    f, x, args
        As for :func:`jacobian_sparsity`; f returns one number.

    Returns
    -------
    scipy.sparse.csr_array of bool, shape ``(x.size, x.size)``

    Examples
    --------
    >>> import numpy as np
    >>> rosen = lambda x: np.sum(100 * (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)
    >>> hessian_sparsity(rosen, np.zeros(4)).toarray().astype(int)
    array([[1, 1, 0, 0],
           [1, 1, 1, 0],
           [0, 1, 1, 1],
           [0, 0, 1, 1]])
    """
    (rows, shape), trace = _run(f, x, args, hessian=True)
    if rows.shape[0] != 1:
        raise ValueError(f"hessian_sparsity needs a scalar f; f returned shape {shape}")
    H = _sp().csr_array(trace.hessian_pattern(), dtype=bool)
    H.sort_indices()
    return H
