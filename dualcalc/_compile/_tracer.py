"""Recording: run f once on tracing values and write down a flat program.

A :class:`Traced` array (and :class:`TracedScalar`, what ``x[i]`` and full
reductions give) holds float values (``_v``: the dual types' ``.value`` is
refused, since it would be a constant of the recording) -- computed by the same kernels a replay
uses, so a recording and its replay at the same point agree bit for bit -- and
``ids``, an integer array of the same shape naming each element's slot in the
program.  The slots are the inputs (x's elements, then the float parameters
from ``args``) and one per instruction, in order.

* Elementwise operations emit one instruction per output element (unary rule,
  binary operation with a slot or a constant operand).
* Structure (indexing with static keys, reshape, transpose, roll, concatenate,
  stack, pad, ...) emits nothing: the same NumPy function is applied to ``ids``
  (as the sparsity tracer does with its index arrays).  Basic slices are views
  of both arrays, so writes through views behave as in NumPy.
* Reductions emit n-ary sums (``K_SUM``), products with constants ``K_LIN``
  (matmul, dot), chains of binary operations (prod, max, min, cumsum).
* Comparisons give 0/1 slots.  Where f's Python control flow uses one
  (``if``, ``bool()``, ``int()``, an index computed from values, argmax,
  sort), a guard instruction records the outcome; ``np.where``, maximum,
  minimum, abs and clip are branch-free instructions that a replay evaluates.
* Anything else -- a conversion to a plain number, an unsupported function, a
  shape that depends on values -- raises :class:`Unrecordable`; ``compile``
  then falls back to the ordinary verbs with a warning.
"""
import math as _pymath
import numbers
import operator

import numpy as np

from dualcalc._core import _replay
from dualcalc._core._table import RULES, BINARY
from dualcalc._forwarding import ForwardingMethods, InplaceOperators

K = _replay.CODES
K_UN, K_BIN, K_BINC, K_CBIN = K["UN"], K["BIN"], K["BINC"], K["CBIN"]
ERR_IEEE, ERR_OPERATOR = 0, 1


class Unrecordable(Exception):
    """f did something a recording cannot represent; the message says what."""


# ---------------------------------------------------------------- the tape
class Tape:
    """The instruction arrays of one recording, grown in blocks."""

    def __init__(self, n_x, n_in, limit):
        self.n_x = n_x
        self.n_in = n_in
        self.limit = limit
        self.count = 0
        self.n_ops = 0                               # emits: array-level operations
        self.fields = ([], [], [], [], [])         # code, op, a, b, c
        self.args = []
        self.coef = []
        self.nargs = 0
        self.ext = []                                # K_EXT callables
        self.ext_index = {}                          # ufunc -> index into ext
        self.pending = []                            # single instructions, not yet in fields

    def emit1(self, code, op, a, b, c):
        """One instruction (scalar-style code: the common case, kept cheap).
        Returns its slot."""
        self.n_ops += 1
        slot = self.n_in + self.count
        self.count += 1
        if self.count > self.limit:
            self._too_long()
        self.pending.append((code, op, a, b, c))
        return slot

    def _flush(self):
        if self.pending:
            cols = list(zip(*self.pending))
            for lst, col, dt in zip(self.fields, cols,
                                    (np.intc, np.int_, np.int_, np.int_, np.float64)):
                lst.append(np.array(col, dtype=dt))
            self.pending = []

    def _too_long(self):
        raise Unrecordable(
            f"the recording exceeds max_instructions={self.limit} (raise it, or "
            "let the ordinary verbs run this function)")

    def emit(self, code, op, a, b, c, size):
        """size instructions; op/a/b/c broadcast to size.  Returns their slots."""
        size = int(size)
        self._flush()
        self.n_ops += 1
        base = self.n_in + self.count
        self.count += size
        if self.count > self.limit:
            self._too_long()
        for lst, val, dt in zip(self.fields, (code, op, a, b, c),
                                (np.intc, np.int_, np.int_, np.int_, np.float64)):
            # a copy: operands are often views of a traced array's ids, which
            # f may overwrite afterwards (z *= 2 writes z's new slots into z.ids)
            lst.append(np.broadcast_to(np.array(val, dtype=dt).ravel()
                                       if np.ndim(val) else np.asarray(val, dtype=dt),
                                       (size,)))
        return np.arange(base, base + size, dtype=np.int_)

    def emit_groups(self, code, groups, coefs=None):
        """One n-ary instruction (K_SUM or K_LIN) per row of groups (m, L)."""
        groups = np.asarray(groups, dtype=np.int_)
        m, L = groups.shape
        starts = self.nargs + L * np.arange(m, dtype=np.int_)
        self.args.append(groups.ravel().copy())
        self.coef.append(np.ones(m * L) if coefs is None
                         else np.asarray(coefs, dtype=np.float64).ravel())
        self.nargs += m * L
        return self.emit(code, 0, starts, L, 0.0, m)

    def program(self, out_ids):
        self._flush()
        cat = [np.concatenate(f) if f else np.zeros(0) for f in self.fields]
        args = np.concatenate(self.args) if self.args else np.zeros(0, dtype=np.int_)
        coef = np.concatenate(self.coef) if self.coef else np.zeros(0)
        return _replay.Program(cat[0], cat[1], cat[2], cat[3], cat[4], args, coef,
                               np.asarray(out_ids, dtype=np.int_).ravel(), self.n_x, self.n_in,
                               self.ext)


# ---------------------------------------------------------------- operands
def _is_traced(o):
    return isinstance(o, _Base)


def _plain(o, what):
    """o as a float ndarray (a constant), or Unrecordable."""
    if isinstance(o, (bool, numbers.Number, np.generic)) and not isinstance(o, complex):
        return np.asarray(o, dtype=np.float64)
    if isinstance(o, np.ndarray):
        if o.dtype.kind in "biuf":
            return o.astype(np.float64, copy=False)
        if o.dtype == object:
            return None                             # may hold traced scalars
    if isinstance(o, (list, tuple)):
        return None
    raise Unrecordable(f"{what} got an operand of type {type(o).__name__}")


def _tape_of(objs):
    for o in objs:
        if _is_traced(o):
            return o.tape
        if isinstance(o, (list, tuple)) or (isinstance(o, np.ndarray) and o.dtype == object):
            for e in (o.ravel() if isinstance(o, np.ndarray) else o):
                t = _tape_of((e,))
                if t is not None:
                    return t
    return None


def as_traced(o, tape):
    """o (a tracer, a constant, or a list / object array mixing them) as a
    Traced: constants become CONST instructions."""
    if _is_traced(o):
        return o
    p = _plain(o, "a traced computation")
    if p is not None:
        ids = tape.emit(K["CONST"], 0, 0, 0, p.ravel(), p.size).reshape(p.shape)
        return _make(p.copy(), ids, tape)
    arr = np.empty(np.shape(o) if not isinstance(o, np.ndarray) else o.shape, dtype=object)
    if isinstance(o, np.ndarray):
        arr[...] = o
    else:
        try:
            arr = np.array(o, dtype=object)
        except ValueError as e:
            raise Unrecordable(f"a ragged sequence ({e})") from None
    vals = np.empty(arr.shape)
    ids = np.empty(arr.shape, dtype=np.int_)
    for idx, e in np.ndenumerate(arr):
        if isinstance(e, TracedScalar):
            vals[idx] = e._v
            ids[idx] = e.ids
        elif _is_traced(e):
            raise Unrecordable("a sequence mixing arrays and numbers")
        else:
            c = _plain(e, "an element of a sequence")
            if c is None or c.ndim:
                raise Unrecordable("a nested sequence of arrays")
            vals[idx] = c
            ids[idx] = tape.emit(K["CONST"], 0, 0, 0, float(c), 1)[0]
    return _make(vals, ids, tape)


def _make(value, ids, tape, boolean=False):
    value = np.asarray(value, dtype=np.float64)
    ids = np.asarray(ids, dtype=np.int_)
    if value.ndim == 0:
        return TracedScalar(value, ids, tape, boolean)
    return Traced(value, ids, tape, boolean)


def _operand(o, tape, shape):
    """(ids or None, constant values or None) broadcast to shape."""
    if _is_traced(o):
        return np.broadcast_to(o.ids, shape), np.broadcast_to(o._v, shape)
    p = _plain(o, "an operation")
    if p is None:
        t = as_traced(o, tape)
        return np.broadcast_to(t.ids, shape), np.broadcast_to(t._v, shape)
    return None, np.broadcast_to(p, shape)


# ---------------------------------------------------------------- elementwise ops
_UNARY = {
    np.sin: "sin", np.cos: "cos", np.tan: "tan", np.arcsin: "asin", np.arccos: "acos",
    np.arctan: "atan", np.sinh: "sinh", np.cosh: "cosh", np.tanh: "tanh",
    np.arcsinh: "asinh", np.arccosh: "acosh", np.arctanh: "atanh", np.exp: "exp",
    np.exp2: "exp2", np.expm1: "expm1", np.log: "log", np.log2: "log2",
    np.log10: "log10", np.log1p: "log1p", np.sqrt: "sqrt", np.cbrt: "cbrt",
    np.absolute: "abs", np.fabs: "abs", np.degrees: "degrees", np.rad2deg: "degrees",
    np.radians: "radians", np.deg2rad: "radians", np.floor: "floor", np.ceil: "ceil",
    np.trunc: "trunc", np.rint: "rint", np.square: "square", np.reciprocal: "reciprocal",
    np.sign: "sign", np.negative: "negative", np.positive: "positive",
}
_BINARY = {
    np.add: "add", np.subtract: "subtract", np.multiply: "multiply",
    np.true_divide: "divide", np.power: "power", np.float_power: "power",
    np.arctan2: "atan2", np.hypot: "hypot", np.copysign: "copysign", np.fmod: "fmod",
    np.remainder: "mod", np.floor_divide: "floor_divide", np.logaddexp: "logaddexp",
    np.logaddexp2: "logaddexp2", np.maximum: "maximum", np.minimum: "minimum",
    np.fmax: "fmax", np.fmin: "fmin",
}
_CMP = {np.less: 0, np.less_equal: 1, np.greater: 2, np.greater_equal: 3, np.equal: 4,
        np.not_equal: 5}
_CMP_SWAP = {0: 2, 1: 3, 2: 0, 3: 1, 4: 4, 5: 5}
_CMP_FN = (operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
           # 6, 7: x replaces y in a running argmax / argmin (the first nan wins)
           lambda x, y: (x > y) | (np.isnan(x) & ~np.isnan(y)),
           lambda x, y: (x < y) | (np.isnan(x) & ~np.isnan(y)))
CMP_REPLACES_MAX, CMP_REPLACES_MIN = 6, 7
_LOGIC = {np.logical_not: 0, np.logical_and: 1, np.logical_or: 2, np.logical_xor: 3}
_PRED = {np.isnan: 0, np.isinf: 1, np.isfinite: 2, np.signbit: 3}


def _registered_rule(ufunc):
    """The rule of a ufunc outside NumPy's (scipy.special, register_ufunc), as
    the dual types find it, or Unrecordable."""
    from dualcalc import special
    try:
        rule = special._rule_of(ufunc)
    except TypeError as e:          # a scipy.special ufunc without a rule
        raise Unrecordable(str(e)) from None
    if rule is None:
        raise Unrecordable(f"the ufunc {ufunc.__name__} has no rule that dualcalc.compile "
                           "can record")
    if ufunc.nin != 1 or ufunc.nout != 1:
        raise Unrecordable(f"the ufunc {ufunc.__name__} of {ufunc.nin} arguments (a "
                           "registered rule; only one-argument ones are recorded)")
    if rule.second is None:
        raise Unrecordable(f"the ufunc {ufunc.__name__} has no second derivative rule")
    return rule


def _ext_callable(ufunc, rule):
    """x -> (g, g', g'') of a registered ufunc at a float, computed as the dual
    arrays compute it (dualcalc.special._apply_one): the value from the ufunc,
    the derivatives from the rule, nan where the value is nan."""
    from dualcalc.special import _nan_where

    def ext(x):
        xs = np.array([x])
        with np.errstate(all="ignore"):
            y = ufunc(xs)
            d = rule.first(xs, y)
            d2 = rule.second(xs, y, tuple(d))[0]
        y = np.asarray(y, dtype=np.float64)
        d1 = _nan_where(np.broadcast_to(np.asarray(d[0], dtype=np.float64), y.shape), y)
        d2 = _nan_where(np.broadcast_to(np.asarray(d2, dtype=np.float64), y.shape), y)
        return float(y[0]), float(d1[0]), float(d2[0])
    return ext


# dualcalc.math's functions whose value on dual scalars comes from Python's math
# (CPython's own gamma and lgamma differ from the C library's by an ulp)
_MATH_VALUE = {RULES["gamma"]: _pymath.gamma, RULES["lgamma"]: _pymath.lgamma}


def math_value_unary(rid, pyf, x):
    """A rule of the table with its value from pyf (math.gamma, math.lgamma): a
    K_EXT instruction whose entry is (rid, pyf); pyf's ValueError at a pole is
    raised at recording and at replay, as dualcalc.math raises it."""
    tape = x.tape
    key = ("math", rid)
    idx = tape.ext_index.get(key)
    if idx is None:
        idx = len(tape.ext)
        tape.ext.append((rid, pyf))
        tape.ext_index[key] = idx
    val = np.array([pyf(float(v)) for v in x._v.ravel()]).reshape(x.shape)
    ids = tape.emit(K["EXT"], idx, x.ids.ravel(), 0, 0.0, x.size).reshape(x.shape)
    return _make(val, ids, tape)


def ext_unary(ufunc, x):
    """A registered one-argument ufunc (scipy.special's erf, gamma, ...): one
    K_EXT instruction per element, replayed through the rule's Python code."""
    tape = x.tape
    idx = tape.ext_index.get(ufunc)
    if idx is None:
        rule = _registered_rule(ufunc)
        idx = len(tape.ext)
        tape.ext.append(_ext_callable(ufunc, rule))
        tape.ext_index[ufunc] = idx
    fn = tape.ext[idx]
    val = np.array([fn(float(v))[0] for v in x._v.ravel()]).reshape(x.shape)
    ids = tape.emit(K["EXT"], idx, x.ids.ravel(), 0, 0.0, x.size).reshape(x.shape)
    return _make(val, ids, tape)


def unary(rid, x):
    tape = x.tape
    if type(x) is TracedScalar:                     # scalar-style code: no arrays
        val = _replay.unary_value(rid, float(x._v))
        return TracedScalar(np.asarray(val), np.asarray(tape.emit1(K_UN, rid, int(x.ids), 0, 0.0)),
                            tape)
    val = _replay.unary_values(rid, x._v)
    ids = tape.emit(K["UN"], rid, x.ids.ravel(), 0, 0.0, x.size).reshape(x.shape)
    return _make(val, ids, tape)


def _shape_of(o):
    return o.shape if _is_traced(o) else np.shape(o)


def binary(name, a, b, errors=ERR_IEEE):
    op = BINARY[name] | (errors << 8)
    ta, tb = type(a), type(b)
    if ta is TracedScalar or tb is TracedScalar:    # scalar-style code: no arrays
        r = _binary_scalar(BINARY[name], op, errors, a, b, ta, tb)
        if r is not None:
            return r
    tape = _tape_of((a, b))
    shape = np.broadcast_shapes(_shape_of(a), _shape_of(b))
    ia, va = _operand(a, tape, shape)
    ib, vb = _operand(b, tape, shape)
    val = _replay.binary_values(BINARY[name], va, vb, errors, ia is not None and ib is None)
    size = val.size
    if ia is not None and ib is not None:
        ids = tape.emit(K["BIN"], op, ia.ravel(), ib.ravel(), 0.0, size)
    elif ia is not None:
        ids = tape.emit(K["BINC"], op, ia.ravel(), 0, vb.ravel(), size)
    elif ib is not None:
        ids = tape.emit(K["CBIN"], op, ib.ravel(), 0, va.ravel(), size)
    else:                                                          # pragma: no cover
        return val
    return _make(val, ids.reshape(shape), tape)


def _is_number(o, t):
    return (t is float or t is int or t is np.float64
            or (isinstance(o, (float, int, np.floating, np.integer))
                and not isinstance(o, (bool, np.bool_))))


def _binary_scalar(opcode, op, errors, a, b, ta, tb):
    """binary() for a traced number and a traced number or a plain number;
    None for anything else (arrays)."""
    if ta is TracedScalar:
        if tb is TracedScalar:
            tape = a.tape
            val = _replay.binary_value(opcode, float(a._v), float(b._v), errors, False)
            slot = tape.emit1(K_BIN, op, int(a.ids), int(b.ids), 0.0)
        elif _is_number(b, tb):
            tape = a.tape
            c = float(b)
            val = _replay.binary_value(opcode, float(a._v), c, errors, True)
            slot = tape.emit1(K_BINC, op, int(a.ids), 0, c)
        else:
            return None
    elif _is_number(a, ta):
        tape = b.tape
        c = float(a)
        val = _replay.binary_value(opcode, c, float(b._v), errors, False)
        slot = tape.emit1(K_CBIN, op, int(b.ids), 0, c)
    else:
        return None
    return TracedScalar(np.asarray(val), np.asarray(slot), tape)


def compare(code, a, b):
    tape = _tape_of((a, b))
    if not _is_traced(a):
        a, b, code = b, a, _CMP_SWAP[code]
    shape = np.broadcast_shapes(
        a.shape, np.shape(b._v if _is_traced(b) else _plain(b, "a comparison")))
    ia, va = _operand(a, tape, shape)
    ib, vb = _operand(b, tape, shape)
    with np.errstate(invalid="ignore"):
        val = _CMP_FN[code](va, vb).astype(np.float64)
    ids = tape.emit(K["CMP"], code, ia.ravel(), -1 if ib is None else ib.ravel(),
                    0.0 if ib is not None else vb.ravel(), val.size)
    return _make(val, ids.reshape(shape), tape, boolean=True)


def logic(code, a, b=None):
    tape = _tape_of((a, b))
    if code == 0:
        x = as_traced(a, tape)
        val = (x._v == 0).astype(np.float64)
        ids = tape.emit(K["LOGIC"], 0, x.ids.ravel(), -1, 0.0, x.size)
        return _make(val, ids.reshape(x.shape), tape, boolean=True)
    x, y = as_traced(a, tape), as_traced(b, tape)
    shape = np.broadcast_shapes(x.shape, y.shape)
    ia, va = np.broadcast_to(x.ids, shape), np.broadcast_to(x._v != 0, shape)
    ib, vb = np.broadcast_to(y.ids, shape), np.broadcast_to(y._v != 0, shape)
    val = (va & vb if code == 1 else va | vb if code == 2 else va ^ vb).astype(np.float64)
    ids = tape.emit(K["LOGIC"], code, ia.ravel(), ib.ravel(), 0.0, val.size)
    return _make(val, ids.reshape(shape), tape, boolean=True)


def predicate(code, a):
    tape = a.tape
    with np.errstate(invalid="ignore"):
        val = (np.isnan, np.isinf, np.isfinite, np.signbit)[code](a._v).astype(np.float64)
    ids = tape.emit(K["PRED"], code, a.ids.ravel(), -1, 0.0, a.size)
    return _make(val, ids.reshape(a.shape), tape, boolean=True)


def select(cond, a, b):
    """np.where(cond, a, b) with a traced condition: chosen per element at replay."""
    tape = _tape_of((cond, a, b))
    c = as_traced(cond, tape)
    x, y = as_traced(a, tape), as_traced(b, tape)
    shape = np.broadcast_shapes(c.shape, x.shape, y.shape)
    ic = np.broadcast_to(c.ids, shape)
    ia, va = np.broadcast_to(x.ids, shape), np.broadcast_to(x._v, shape)
    ib, vb = np.broadcast_to(y.ids, shape), np.broadcast_to(y._v, shape)
    val = np.where(np.broadcast_to(c._v, shape) != 0, va, vb)
    ids = tape.emit(K["SELECT"], ic.ravel(), ia.ravel(), ib.ravel(), 0.0, val.size)
    return _make(val, ids.reshape(shape), tape)


def guard(x, kind, outcome):
    """Record that a replay must see outcome for x (kind: 0 truth, 1 trunc,
    2 floor, 3 ceil, 4 rint)."""
    x.tape.emit(K["GUARD"], kind, x.ids.ravel(), -1, float(outcome), 1)


def sum_groups(tape, ids2, vals2, coefs=None):
    """One K_SUM (or K_LIN with coefs) per row of ids2 (m, L); values summed in
    order, as the replay does."""
    m, L = ids2.shape
    if L == 0:
        val = np.zeros(m)
        return tape.emit(K["CONST"], 0, 0, 0, 0.0, m), val
    terms = vals2 if coefs is None else coefs * vals2
    val = np.add.accumulate(terms, axis=1)[:, -1] if L > 1 else terms[:, 0].copy()
    if coefs is None:
        return tape.emit_groups(K["SUM"], ids2), val
    return tape.emit_groups(K["LIN"], ids2, coefs), val


# ---------------------------------------------------------------- the tracer types
class _Base(ForwardingMethods):
    """Operators and NumPy protocols shared by Traced and TracedScalar."""

    __slots__ = ("_v", "ids", "tape", "boolean", "__weakref__")
    __array_priority__ = 1000

    def __init__(self, value, ids, tape, boolean=False):
        self._v = value
        self.ids = ids
        self.tape = tape
        self.boolean = boolean

    shape = property(lambda self: self._v.shape)
    ndim = property(lambda self: self._v.ndim)
    size = property(lambda self: self._v.size)
    dtype = property(lambda self: np.dtype(bool) if self.boolean else self._v.dtype)
    T = property(lambda self: np.transpose(self))
    real = property(lambda self: self)
    imag = property(lambda self: np.zeros(self.shape))

    @property
    def value(self):
        # the dual types' .value is the plain number without its derivative;
        # here it would be the recording's number, a constant at every replay
        raise Unrecordable(".value of a traced value (a plain number that a replay "
                           "would not update)")

    def _apply_rule(self, rid):
        """dualcalc.math's hook for rules without a NumPy ufunc (gamma, ...)."""
        if isinstance(self, TracedScalar) and rid in _MATH_VALUE:
            # as dualcalc.math on dual scalars: the value from Python's math
            return math_value_unary(rid, _MATH_VALUE[rid], self)
        return unary(rid, self)

    # -------------------------------------------------- conversions
    def __float__(self):
        raise Unrecordable("float() of a traced value (a conversion to a plain number)")

    def __complex__(self):
        raise Unrecordable("complex() of a traced value")

    def tolist(self):
        raise Unrecordable(".tolist() of a traced value (a conversion to plain numbers)")

    def item(self, *a):
        raise Unrecordable(".item() of a traced value (a conversion to a plain number)")

    def astype(self, dtype, *a, **k):
        if np.dtype(dtype).kind == "f":
            return self.copy() if k.get("copy", True) else self
        raise Unrecordable(f".astype({dtype}) of a traced value")

    def __bool__(self):
        if self.size != 1:
            raise ValueError("The truth value of an array with more than one element is "
                             "ambiguous. Use a.any() or a.all()")
        outcome = bool(self._v.ravel()[0] != 0)
        guard(self.reshape(()) if self.ndim else self, 0, outcome)
        return outcome

    def _int_guard(self, kind, fn):
        if self.size != 1:
            raise TypeError("only length-1 arrays can be converted to Python scalars")
        v = float(self._v.ravel()[0])
        r = fn(v)                                   # ValueError / OverflowError as Python's
        guard(self.reshape(()) if self.ndim else self, kind, float(r))
        return r

    def __int__(self):
        return self._int_guard(1, int)

    def __index__(self):
        if not self.boolean and not float(self._v.ravel()[0]).is_integer():
            raise TypeError("only integer scalar arrays can be converted to a scalar index")
        return self._int_guard(1, int)

    def __trunc__(self):
        return self._int_guard(1, int)

    def __floor__(self):
        import math
        return self._int_guard(2, math.floor)

    def __ceil__(self):
        import math
        return self._int_guard(3, math.ceil)

    def __round__(self, ndigits=None):
        if ndigits is not None:
            return np.round(self, ndigits)
        return self._int_guard(4, round)

    def __hash__(self):
        raise TypeError(f"unhashable type: '{type(self).__name__}'")

    # -------------------------------------------------- NumPy protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.pop("out", None)
        if kwargs.get("where", True) is not True:
            raise Unrecordable(f"np.{ufunc.__name__}(where=...)")
        kwargs.pop("where", None)
        dt = kwargs.pop("dtype", None)
        if dt is not None and np.dtype(dt).kind != "f":
            raise Unrecordable(f"np.{ufunc.__name__}(dtype={dt})")
        kwargs.pop("casting", None)
        if method == "__call__" and ufunc is np.matmul:
            # ndarray @ traced arrives here (ndarray.__matmul__ calls the ufunc)
            from dualcalc._compile import _functions as F
            if kwargs:
                raise Unrecordable(f"np.matmul({', '.join(kwargs)}=...)")
            r = F._matmul(*inputs)
        elif method == "__call__":
            if kwargs:
                raise Unrecordable(f"np.{ufunc.__name__}({', '.join(kwargs)}=...)")
            r = ufunc_call(ufunc, inputs)
        elif method == "outer" and ufunc.nin == 2 and not kwargs:
            a, b = inputs
            na = np.ndim(a._v if _is_traced(a) else a)
            nb = np.ndim(b._v if _is_traced(b) else b)
            a = np.reshape(a, np.shape(a) + (1,) * nb) if nb else a
            b = np.reshape(b, (1,) * na + np.shape(b)) if na else b
            r = ufunc_call(ufunc, (a, b))
        elif method in ("reduce", "accumulate"):
            from dualcalc._compile import _functions as F
            r = F.ufunc_method(ufunc, method, *inputs, **kwargs)
        else:
            raise Unrecordable(f"np.{ufunc.__name__}.{method}")
        if r is NotImplemented:
            return r
        if out is not None:
            (o,) = out
            if not _is_traced(o):
                raise Unrecordable(f"np.{ufunc.__name__}(out=...) into a plain array")
            o[...] = r
            return o
        return r

    def __array_function__(self, func, types, args, kwargs):
        from dualcalc._compile import _functions as F
        impl = F.FUNCTIONS.get(func)
        if impl is None:
            raise Unrecordable(f"np.{getattr(func, '__name__', func)} is not supported by "
                               "dualcalc.compile's recorder")
        return impl(*args, **kwargs)

    # -------------------------------------------------- operators
    def _op(name, swap=False):
        opcode = BINARY[name]

        def f(self, o):
            to = type(o)
            if type(self) is TracedScalar and (to is TracedScalar or to is float or to is int):
                # scalar-style code (Python's operator semantics): the short way
                if swap:
                    return _binary_scalar(opcode, opcode | (ERR_OPERATOR << 8), ERR_OPERATOR,
                                          o, self, to, TracedScalar)
                return _binary_scalar(opcode, opcode | (ERR_OPERATOR << 8), ERR_OPERATOR,
                                      self, o, TracedScalar, to)
            if isinstance(o, (list, tuple)):
                o = as_traced(o, self.tape)
            elif not _is_traced(o) and _plain_or_none(o) is None:
                return NotImplemented
            errors = ERR_OPERATOR if (isinstance(self, TracedScalar)
                                      and not isinstance(o, (np.ndarray, Traced))) else ERR_IEEE
            return binary(name, o, self, errors) if swap else binary(name, self, o, errors)
        return f

    __add__, __radd__ = _op("add"), _op("add", True)
    __sub__, __rsub__ = _op("subtract"), _op("subtract", True)
    __mul__, __rmul__ = _op("multiply"), _op("multiply", True)
    __truediv__, __rtruediv__ = _op("divide"), _op("divide", True)
    __floordiv__, __rfloordiv__ = _op("floor_divide"), _op("floor_divide", True)
    __mod__, __rmod__ = _op("mod"), _op("mod", True)
    __pow__, __rpow__ = _op("power"), _op("power", True)
    del _op

    def __matmul__(self, o):
        return np.matmul(self, o)

    def __rmatmul__(self, o):
        return np.matmul(o, self)

    def __divmod__(self, o):
        return (self // o, self % o)

    def __neg__(self):
        return unary(RULES["negative"], self)

    def __pos__(self):
        return self

    def __abs__(self):
        return unary(RULES["abs"], self)

    def __lt__(self, o):
        return compare(0, self, o)

    def __le__(self, o):
        return compare(1, self, o)

    def __gt__(self, o):
        return compare(2, self, o)

    def __ge__(self, o):
        return compare(3, self, o)

    def __eq__(self, o):
        return compare(4, self, o)

    def __ne__(self, o):
        return compare(5, self, o)

    def __invert__(self):
        if not self.boolean:
            raise Unrecordable("~ of a traced float value")
        return logic(0, self)

    def __and__(self, o):
        return logic(1, self, o)

    __rand__ = __and__

    def __or__(self, o):
        return logic(2, self, o)

    __ror__ = __or__

    def __xor__(self, o):
        return logic(3, self, o)

    __rxor__ = __xor__

    # -------------------------------------------------- methods
    def reshape(self, *shape, order="C"):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _make(self._v.reshape(shape, order=order),
                     self.ids.reshape(shape, order=order), self.tape, self.boolean)

    def ravel(self, order="C"):
        return self.reshape(-1, order=order)

    def flatten(self, order="C"):
        return self.reshape(-1, order=order).copy()

    def copy(self):
        return _make(self._v.copy(), self.ids.copy(), self.tape, self.boolean)

    def transpose(self, *axes):
        return np.transpose(self, axes if axes else None)













    def conj(self):
        return self

    conjugate = conj




    def __repr__(self):
        return f"{type(self).__name__}({self._v!r})"

    def __format__(self, spec):
        # printing in f (at recording only, like any side effect)
        return format(self._v.item() if self._v.ndim == 0 else self._v, spec)


def _plain_or_none(o):
    try:
        return _plain(o, "")
    except Unrecordable:
        return None


class Traced(InplaceOperators, _Base):
    """A traced array (ndim >= 1)."""

    __slots__ = ()

    # (TracedScalar has no __array__: np.array([x[0], x[1]]) of traced numbers
    # is an object array, read back element by element)
    def __array__(self, dtype=None, copy=None):
        if dtype is None or np.dtype(dtype) == object:
            # np.asarray(x) in third-party code (scipy.optimize.rosen): an object
            # array of traced numbers, which NumPy and the recorder work on
            # element by element (the dual arrays hand out a forwarding handle)
            out = np.empty(self.shape, dtype=object)
            for idx in np.ndindex(self.shape):
                out[idx] = TracedScalar(self._v[idx], self.ids[idx], self.tape, self.boolean)
            return out
        raise Unrecordable(f"a traced array converted to a plain {np.dtype(dtype)} array "
                           "(np.asarray(x, dtype=...), or written into an ndarray)")

    def __len__(self):
        return len(self._v)

    def __iter__(self):
        for i in range(len(self._v)):
            yield self[i]

    def _key(self, key):
        parts = key if isinstance(key, tuple) else (key,)
        out = []
        for p in parts:
            if _is_traced(p):
                if p.boolean:
                    # a mask computed from values: fix it with one guard per element
                    guard_all(p)
                    out.append(p._v != 0)
                else:
                    out.append(np.asarray([operator.index(e) for e in p.ravel()],
                                          dtype=np.int_).reshape(p.shape)
                               if p.ndim else operator.index(p))
            else:
                out.append(p)
        return tuple(out) if isinstance(key, tuple) else out[0]

    def __getitem__(self, key):
        key = self._key(key)
        return _make(self._v[key], self.ids[key], self.tape, self.boolean)

    def __setitem__(self, key, v):
        key = self._key(key)
        target = self._v[key]
        t = as_traced(v, self.tape) if not _is_traced(v) else v
        self._v[key] = np.broadcast_to(t._v, np.shape(target))
        self.ids[key] = np.broadcast_to(t.ids, np.shape(target))









class TracedScalar(_Base):
    """A traced number: what indexing a Traced array or a full reduction gives.

    Like NumPy's scalars it is not a sequence, so ``np.array([...])`` of them
    is an object array (which the recorder reads back element by element)."""

    __slots__ = ()

    def __getitem__(self, key):
        if key == () or key is Ellipsis:
            return self
        raise IndexError("invalid index to a scalar")

    def __iter__(self):
        # (without it, iter() would use __getitem__ and see an empty sequence)
        raise TypeError("'TracedScalar' object is not iterable (a number, like np.float64)")

    # math.sin(x) etc. on object arrays call these methods
    def _m(name):
        return lambda self: unary(RULES[name], self)

    for _n in ("sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "exp2", "expm1",
               "log", "log2", "log10", "log1p", "sqrt", "cbrt", "square", "reciprocal",
               "floor", "ceil", "trunc", "rint", "sign", "degrees", "radians"):
        locals()[_n] = _m(_n)
    arcsin, arccos, arctan = _m("asin"), _m("acos"), _m("atan")
    arcsinh, arccosh, arctanh = _m("asinh"), _m("acosh"), _m("atanh")
    absolute = fabs = _m("abs")
    del _m, _n


def guard_all(t):
    """Guard every element's truth (a boolean mask used as an index)."""
    v = t._v.ravel()
    ids = t.ids.ravel()
    t.tape.emit(K["GUARD"], 0, ids, -1, (v != 0).astype(np.float64), ids.size)


def ufunc_call(ufunc, inputs):
    tape = _tape_of(inputs)
    if tape is None:                                               # pragma: no cover
        return NotImplemented
    for o in inputs:
        if not _is_traced(o) and not isinstance(o, (list, tuple)) and _plain_or_none(o) is None:
            return NotImplemented
    name = _UNARY.get(ufunc)
    if name is None and ufunc not in _BINARY and ufunc not in _CMP and ufunc not in _LOGIC \
            and ufunc not in _PRED and ufunc is not np.conjugate:
        _registered_rule(ufunc)
        (x,) = inputs
        return ext_unary(ufunc, as_traced(x, tape))
    if name is not None:
        (x,) = inputs
        return unary(RULES[name], as_traced(x, tape))
    if ufunc is np.conjugate:
        return inputs[0]
    if ufunc in _BINARY:
        a, b = (as_traced(o, tape) if isinstance(o, (list, tuple)) else o for o in inputs)
        return binary(_BINARY[ufunc], a, b)
    if ufunc in _CMP:
        return compare(_CMP[ufunc], *inputs)
    if ufunc in _LOGIC:
        return logic(_LOGIC[ufunc], *inputs)
    return predicate(_PRED[ufunc], as_traced(inputs[0], tape))
