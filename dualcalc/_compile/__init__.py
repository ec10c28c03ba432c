"""``dualcalc.compile``: record f once, replay its derivatives in compiled code.

Design: a :class:`Compiled` wraps f.  The first time a verb meets it at an
input of some shape, f runs once on tracing values (``_tracer``) and leaves a
flat program of rule-table steps (a recording); ``_core/_replay.pyx`` replays
that program for values, first-order tangents and second-order blocks.  The
verbs (``gradient``, ``jacobian``, ``jvp``, ``hessian``, ``hvp``, the value_and_*
forms, ``derivative``) and the solvers, which call them, recognise a Compiled
function and ask it; calling it on plain numbers replays the value.

Recordings are cached per input shape and per the non-float arguments, a few
per key (``max_recordings``), one per set of guard outcomes: a replay whose
guards see another branch records again.  When f cannot be recorded the
verbs run the ordinary (uncompiled) way and one :class:`CompileWarning` names
the cause.
"""
import functools
import os
import sys
import threading
import warnings

import numpy as np

from dualcalc._compile._tracer import Unrecordable, Tape, Traced, TracedScalar, _make, as_traced
from dualcalc._compile import _functions  # noqa: F401  (registers the array functions)
from dualcalc._core._scalar import Dual as _Dual, HyperDual as _HyperDual

__all__ = ["compile", "Compiled", "CompileWarning"]

# tangent storage of one replay pass, in doubles (chunks of directions keep it there)
_PASS_DOUBLES = 4_000_000


class CompileWarning(UserWarning):
    """dualcalc.compile could not record f and runs it the ordinary way."""


_FALLBACK = "fallback"
# exceptions of f at a point, not of the recorder: no fallback, no warning
_ERRORS_OF_F = (ArithmeticError, ValueError, LookupError)
_VECTORISED = "vectorised"
# what the verbs' short paths get back for a shape that runs uncompiled
UNCOMPILED = "uncompiled"

# Replaying one scalar instruction costs ~10 ns; one NumPy-level operation on
# dual arrays ~2 us however long the array.  A recording with more than this
# many instructions per array operation (long arrays in NumPy-style code) is
# faster the uncompiled way, and the verbs take that way (silently: both are
# exact; see the Notes of compile).
ELEMENTS_PER_OPERATION = 150


def _is_plain_float_array(o):
    return isinstance(o, np.ndarray) and o.dtype.kind == "f" and o.dtype.itemsize == 8


class Compiled:
    """f, recorded once per input shape and replayed in compiled code.

    Made by :func:`compile`; see there.  Attributes: ``fn`` (the original
    function), ``recordings`` (how many recordings were made so far).
    """

    def __init__(self, fn, *, max_recordings=8, max_instructions=2_000_000):
        if not callable(fn):
            raise TypeError(f"dualcalc.compile needs a callable, got {type(fn).__name__}")
        if isinstance(fn, Compiled):
            fn = fn.fn
        if not isinstance(max_recordings, int) or max_recordings < 1:
            raise ValueError("max_recordings must be a positive integer")
        if not isinstance(max_instructions, int) or max_instructions < 1:
            raise ValueError("max_instructions must be a positive integer")
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.max_recordings = max_recordings
        self.max_instructions = max_instructions
        self.recordings = 0
        self._cache = {}
        self._lock = threading.Lock()

    def __repr__(self):
        return f"dualcalc.compile({getattr(self.fn, '__name__', self.fn)!r})"

    def __reduce__(self):
        return (Compiled, (self.fn,), {"max_recordings": self.max_recordings,
                                       "max_instructions": self.max_instructions})

    def __setstate__(self, state):
        self.max_recordings = state["max_recordings"]
        self.max_instructions = state["max_instructions"]

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return functools.partial(self, obj)

    # ------------------------------------------------------------ inputs
    def _prepare(self, x, args):
        """(x as float array, flat inputs, cache key) for a call."""
        xa = np.asarray(x, dtype=np.float64)
        if not args:                                   # the common case, kept cheap
            # (a replay reads any C-contiguous float64 array as the flat inputs)
            return xa, xa if xa.flags.c_contiguous else np.ascontiguousarray(xa), xa.shape
        parts = [xa.ravel()]
        key = [xa.shape]
        for a in args:
            if isinstance(a, (float, np.floating)) and not isinstance(a, bool):
                parts.append(np.array([float(a)]))
                key.append(("p", ()))
            elif _is_plain_float_array(a):
                parts.append(a.ravel())
                key.append(("p", a.shape))
            else:
                key.append(_static_key(a))
        return xa, np.concatenate(parts), tuple(key)

    def _traced_inputs(self, xa, args, tape):
        n = xa.size
        tx = _make(xa.copy(), np.arange(n).reshape(xa.shape), tape)
        off = n
        targs = []
        for a in args:
            if isinstance(a, (float, np.floating)) and not isinstance(a, bool):
                targs.append(_make(np.asarray(float(a)), np.asarray(off), tape))
                off += 1
            elif _is_plain_float_array(a):
                targs.append(_make(a.astype(np.float64, copy=True),
                                   np.arange(off, off + a.size).reshape(a.shape), tape))
                off += a.size
            else:
                targs.append(a)
        return tx, targs

    # ------------------------------------------------------------ recording
    def _record(self, xa, xin, args):
        tape = Tape(xa.size, xin.size, self.max_instructions)
        tx, targs = self._traced_inputs(xa, args, tape)
        y = self.fn(tx, *targs)
        if isinstance(y, (bool, np.bool_)) or (
                isinstance(y, (Traced, TracedScalar)) and y.boolean):
            raise Unrecordable("f returned a boolean")
        t = as_traced(y, tape)
        self.recordings += 1
        rec = _Recording(tape.program(t.ids), t.shape, tape.n_ops)
        if isinstance(y, (list, tuple)) and t.ndim == 1:
            rec.sequence = type(y)                # __call__ gives f's own kind of result
        return rec

    def _fallback(self, key, cause):
        with self._lock:
            first = self._cache.get(key) is not _FALLBACK
            if key not in self._cache:
                _bound_keys(self._cache)
            self._cache[key] = _FALLBACK
        if first:
            warnings.warn(
                f"dualcalc.compile: cannot record {getattr(self.fn, '__name__', 'f')} "
                f"({cause}); its derivatives are computed the ordinary (uncompiled) way",
                CompileWarning, stacklevel=_caller_level())

    def _run(self, x, args, runner):
        """runner(recording, inputs) on a recording whose guards hold at x;
        (result, recording, xa), or None where f must run uncompiled."""
        xa, xin, key = self._prepare(x, args)
        entry = self._cache.get(key)            # a dict read: atomic, no lock needed
        if entry is _FALLBACK or entry is _VECTORISED:
            return None
        if entry is not None:
            for rec in entry:
                res = runner(rec, xin)
                if res[0] < 0:
                    return res, rec, xa
        try:
            rec = self._record(xa, xin, args)
        except Unrecordable as e:
            self._fallback(key, str(e))
            return None
        except _ERRORS_OF_F as e:
            cause = _unrecordable_cause(e)
            if cause is not None:         # NumPy turned Unrecordable into its own error
                self._fallback(key, str(cause))
                return None
            # f's own error at this point (1 / 0, a domain error, an index out of
            # range): the uncompiled run raises it again; other points may record
            return None
        except Exception as e:  # noqa: BLE001 - any other failure to record falls back
            cause = _unrecordable_cause(e)
            self._fallback(key, str(cause) if cause is not None else f"{type(e).__name__}: {e}")
            return None
        if entry is None and rec.program.n_instr > ELEMENTS_PER_OPERATION * rec.n_ops:
            with self._lock:
                _bound_keys(self._cache)
                self._cache[key] = _VECTORISED
            return None
        res = runner(rec, xin)
        if res[0] >= 0:
            self._fallback(key, "a fresh recording does not reproduce its own branches")
            return None
        with self._lock:
            entry = self._cache.get(key)
            lst = list(entry) if isinstance(entry, list) else []
            lst.insert(0, rec)
            del lst[self.max_recordings:]
            if entry is None:
                _bound_keys(self._cache)
            self._cache[key] = lst             # replaced whole: readers see old or new
        return res, rec, xa

    def program(self, x, args=()):
        """The recording used at x (for inspection: its ``n_instr``, ``nbytes()``),
        or None where the verbs run f uncompiled at x's shape."""
        r = self._run(x, tuple(args), lambda rec, xin: (-1,))
        return None if r is None else r[1].program

    # ------------------------------------------------------------ the verbs' entry points
    def __call__(self, x, *args):
        # replays for the inputs the verbs pass on (floats, float arrays); f
        # itself for anything else (a list is concatenated by +, an int is exact)
        if isinstance(x, (float, np.floating)) or _is_plain_float_array(x):
            if all(_is_static_or_float(a) for a in args):
                r = self._run(x, args, _run0)
                if r is not None:
                    if r[1].sequence is not None:
                        return r[1].sequence(r[0][1].tolist())
                    return _shaped(r[0][1], r[1].shape)
        elif type(x) is _Dual or type(x) is _HyperDual:
            # derivative's and second_derivative's fast paths call f on one dual
            # number: answer from the recording at x's value
            if all(_is_static_or_float(a) for a in args):
                y = self._dual_call(x, args)
                if y is not None:
                    return y
        return self.fn(x, *args)

    def value_and_gradient(self, x, args):
        """(value, gradient) for a scalar f: the hot path of gradient(), kept
        short (no arguments, one cached recording); else None."""
        if not args and type(x) is np.ndarray and x.dtype == np.float64:
            entry = self._cache.get(x.shape)
            if type(entry) is list:
                rec = entry[0]
                if rec.shape == () and rec.cost1 <= _PASS_DOUBLES:
                    st, value, grad = rec.program.run1(x, 0, rec.program.n_x, None, x.shape)
                    if st < 0:
                        return value, grad
            elif entry is _VECTORISED or entry is _FALLBACK:
                return UNCOMPILED                  # the caller runs f itself, at once
        return None

    def _solver_program(self, shape):
        """The Program that ``hessian()`` and a call on a float array replay
        first at an input of this shape with no arguments (the first cached
        recording; a scalar f whose Hessian takes one pass), or None.  The
        compiled Newton loop (``_core/_trust.newton_loop``) runs it directly
        and asks again after any evaluation that went the ordinary way."""
        entry = self._cache.get(shape)
        if type(entry) is list:
            rec = entry[0]
            p = rec.program
            if rec.shape == () and rec.sequence is None and rec.cost1 * p.n_x <= 4 * _PASS_DOUBLES:
                return p
        return None

    def _dual_call(self, x, args):
        """f(x) for a Dual x (its tangent carried as one direction, as the
        Dual would carry it) or a HyperDual seeded (x, 1, 1, 0) (a second
        derivative); None where f's output is not one number, or for other
        HyperDual seeds."""
        if type(x) is _Dual:
            d = np.array([[x.eps]])
            r = self._run(x.value, args,
                          lambda rec, xin: rec.program.run1(xin, 0, 0, dirs=d))
            if r is None or r[1].shape != ():
                return None
            (_, vals, tans), _, _ = r
            return _Dual(vals[0], tans[0, 0], x.tag)
        if (x.eps1, x.eps2, x.eps1eps2) != (1.0, 1.0, 0.0):
            return None
        r = self._run(x.value, args, lambda rec, xin: rec.program.run2(xin, 0, 1))
        if r is None or r[1].shape != ():
            return None
        (_, vals, e1, e2, e12), _, _ = r
        return _HyperDual(vals[0], e1[0, 0], e2[0, 0], e12[0, 0, 0], x.tag1, x.tag2)

    def jacobian_core(self, x, args):
        """(value, J) as derivatives._jacobian_core, or None (run uncompiled)."""
        r = self._run(x, args, _run1_identity)
        if r is None:
            return None
        (_, vals, tans), rec, xa = r
        if rec.shape == ():                     # a gradient: one row, any layout
            return vals.reshape(()), tans.reshape(xa.shape)
        # the uncompiled verb's layout (directions first, moved last): BLAS and
        # LAPACK round differently on C- and F-ordered operands, so a solver
        # given J must see the same memory order to take the same steps
        J = np.moveaxis(np.ascontiguousarray(tans.T), 0, -1)
        return vals.reshape(rec.shape), J.reshape(rec.shape + xa.shape)

    def jvp(self, x, v, args):
        r = self._run(x, args, lambda rec, xin: rec.program.run1(xin, 0, 0,
                                                                dirs=v.reshape(-1, 1)))
        if r is None:
            return None
        (_, vals, tans), rec, _ = r
        return tans[:, 0].reshape(rec.shape)

    def hessian(self, x, args):
        """(value, gradient, Hessian) for a scalar f with one cached recording
        and a Hessian in one pass: the hot path of hessian(); else None."""
        if not args and type(x) is np.ndarray and x.dtype == np.float64:
            entry = self._cache.get(x.shape)
            if type(entry) is list:
                rec = entry[0]
                n = rec.program.n_x
                if rec.shape == () and rec.cost1 * n <= 4 * _PASS_DOUBLES:
                    st, value, grad, H, _ = rec.program.run2(x, 0, n, None, True)
                    if st < 0:
                        return value, grad, H
        return None

    def second(self, x, args, v=None):
        """(value, gradient, Hessian or hvp) from second-order replays, or None."""
        def runner(rec, xin):
            p = rec.program
            n = p.n_x
            if v is not None:
                return p.run2(xin, 0, n, v2=v.ravel())
            chunk = n
            while chunk > 1 and rec.cost1 * chunk > 4 * _PASS_DOUBLES:
                chunk = max(1, chunk // 2)
            if chunk >= n:                                  # one pass (the usual case)
                st, vals, e1, e2, e12 = p.run2(xin, 0, n)
                if st >= 0 or vals.size != 1:
                    return st, vals, None, None, None
                return -1, vals, None, e2[0], e12[0]
            H = np.empty((n, n))
            vals = grad = None
            for p0 in range(0, n, chunk):
                p1 = min(n, p0 + chunk)
                st, vals, e1, e2, e12 = p.run2(xin, p0, p1)
                if st >= 0:
                    return st, None, None, None, None
                if vals.size != 1:
                    return -1, vals, None, None, None
                H[p0:p1, :] = e12[0]
                grad = e2[0]
            return -1, vals, None, grad, H
        r = self._run(x, args, runner)
        if r is None:
            return None
        (_, vals, e1, e2, e12), rec, xa = r
        return vals, rec.shape, e2, e12

    def derivative(self, x, args, order):
        """(value, derivative) at a scalar x, or None."""
        if order == 1:
            r = self._run(x, args, lambda rec, xin: rec.program.run1(xin, 0, 1))
            if r is None:
                return None
            (_, vals, tans), rec, _ = r
            return vals.reshape(rec.shape), tans[:, 0].reshape(rec.shape)
        r = self._run(x, args, lambda rec, xin: rec.program.run2(xin, 0, 1))
        if r is None:
            return None
        (_, vals, e1, e2, e12), rec, _ = r
        return vals.reshape(rec.shape), e12[:, 0, 0].reshape(rec.shape)


class _Recording:
    """One recording: the program, f's output shape, the cost of a first-order
    pass over all directions (doubles of tangent storage) and the number of
    array-level operations f made."""

    __slots__ = ("program", "shape", "cost1", "n_ops", "sequence")

    def __init__(self, program, shape, n_ops):
        self.sequence = None
        self.program = program
        self.shape = shape
        self.cost1 = program.window_cost(0, program.n_x)
        self.n_ops = n_ops


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _caller_level():
    """warnings.warn's stacklevel of the first frame outside dualcalc (the
    user's call of a verb or solver), counted from _fallback's caller."""
    frame = sys._getframe(2)
    level = 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level


# Keys (input shapes and non-float arguments) kept per compiled function; the
# oldest key is dropped beyond this, so that arguments that change at every
# call (a new object each time) cannot grow the cache without bound.
MAX_KEYS = 32


def _bound_keys(cache):
    while len(cache) >= MAX_KEYS:
        del cache[next(iter(cache))]


def _unrecordable_cause(e):
    """The Unrecordable behind e (NumPy re-raises a conversion's error as its
    own ValueError or TypeError, e.g. when f writes a traced value into a
    float array), or None."""
    seen = 0
    while e is not None and seen < 20:
        if isinstance(e, Unrecordable):
            return e
        e = e.__cause__ or e.__context__
        seen += 1
    return None


def _run1_identity(rec, xin):
    """First-order replay over all inputs' directions, in chunks that keep a
    pass's tangent storage near _PASS_DOUBLES."""
    p = rec.program
    n = p.n_x
    cost = rec.cost1
    if cost <= _PASS_DOUBLES:
        return p.run1(xin, 0, n)
    chunk = max(1, int(n * _PASS_DOUBLES // cost))
    vals, blocks = None, []
    for c0 in range(0, n, chunk):
        st, vals, tans = p.run1(xin, c0, min(n, c0 + chunk))
        if st >= 0:
            return st, None, None
        blocks.append(tans)
    return -1, vals, np.concatenate(blocks, axis=1)


def _run0(rec, xin):
    return rec.program.run0(xin)


class _Identity:
    """A cache key for an argument compared by identity; it holds the object,
    so that its id cannot be reused by another object while the key lives."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __eq__(self, other):
        return type(other) is _Identity and other.obj is self.obj

    def __hash__(self):
        return id(self.obj)


def _static_key(a):
    """The cache key of an argument that is not an input of the recording:
    numbers, strings, None, NumPy scalars and arrays (of any dtype other than
    the float64 parameters) and sequences of them by value; anything else by
    identity."""
    if a is None or isinstance(a, (bool, int, str, bytes, float, complex)):
        return ("v", type(a).__name__, a)
    if isinstance(a, np.generic):
        return ("v", type(a).__name__, a.item())
    if isinstance(a, np.ndarray) and a.dtype != object:
        return ("a", a.shape, a.dtype.str, a.tobytes())
    if type(a) in (tuple, list):
        return (type(a).__name__,) + tuple(_static_key(e) for e in a)
    return ("id", _Identity(a))


def _is_static_or_float(a):
    from dualcalc._core._scalar import Dual, HyperDual
    if isinstance(a, (Dual, HyperDual)):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype.kind in "biuf"
    return not hasattr(a, "__array_ufunc__") or isinstance(a, (float, int, np.generic))


def _shaped(vals, shape):
    if shape == ():
        return float(vals[0])
    return vals.reshape(shape)


def compile(f=None, *, max_recordings=8, max_instructions=2_000_000):
    """Record f once and replay its derivatives in compiled code.

    The derivative verbs (``gradient``, ``jacobian``, ``jvp``, ``hessian``,
    ``hvp``, the value_and_* forms, ``derivative``) and the solvers that use
    them recognise the result and replay its recording instead of running f
    on dual numbers: for small problems that removes the Python-level cost of
    evaluating f.  Results equal the uncompiled verbs' to rounding.

    Parameters
    ----------
    f : callable
        ``f(x, *args)``: NumPy-style or scalar-style code on ``x``, as for the
        verbs.  May be used as a decorator (with or without arguments).
    max_recordings : int, optional
        Recordings kept per input shape (one per set of branch outcomes).
    max_instructions : int, optional
        Largest recording; beyond it f runs uncompiled (with a warning).  A
        recording holds about 50 bytes per elementary operation (one per
        array element for NumPy-style code) plus 16 per operand of a sum.

    Returns
    -------
    Compiled
        Callable like f: on plain numbers it replays f's value.

    Notes
    -----
    * Recording: f runs once per input shape on tracing values, through the
      same protocols as the dual types (operators, ``dualcalc.math``, NumPy's
      ufuncs and the common array functions, indexing with static indices).
      Float arguments in ``args`` (numbers and float arrays) are inputs of the
      recording, so new values of them replay; any other argument is part of
      the cache key (by value for numbers, strings, None, arrays of other
      dtypes and lists or tuples of these; by identity for other objects: do
      not mutate those between calls).  At most ``MAX_KEYS`` (32) keys are
      kept, the oldest dropped first, each with up to ``max_recordings``.
    * Branches: where f's control flow depends on a value (``if x[0] > 0``,
      ``int(x)``, an index from values, argmax, sort), the outcome is checked
      at each replay; another outcome records again.  ``np.where``,
      ``np.maximum``/``minimum``, ``np.max``/``min``, ``abs`` and ``clip``
      choose per replay, as the dual arrays choose (the first of ties).
    * Side effects in f (printing, appending to a list, random draws) happen
      only while recording, as with ``jax.jit``; so do values read from
      globals.  ``x.value`` (the plain number of a dual type) cannot be
      recorded: it would be a constant of the recording.
    * What cannot be recorded -- ``float(x)``, ``np.asarray(x, dtype=float)``,
      ``.value``, a function without a recordable rule, a shape that depends
      on values -- makes the verbs run f uncompiled, with one
      :class:`CompileWarning` that names the cause.  An error that f raises
      at one point (``1 / 0``) is raised as the verbs raise it, and other
      points still record.
    * Replays follow IEEE arithmetic for NumPy-style code and Python's
      operator errors (ZeroDivisionError, OverflowError of ``**``) for
      scalar-style code; where ``dualcalc.math`` on a float would raise a
      domain error, a replay gives nan.  Functions of scipy.special (and
      those given rules by :func:`dualcalc.register_ufunc`) replay through
      their Python rules, one call per element.
    * Calling a Compiled on plain numbers replays f's value as the verbs
      compute it (``x**2`` is ``x*x`` there; Python's float power calls
      ``pow``): equal to f(x) to rounding.
    * A compiled function may be shared by threads.

    Examples
    --------
    >>> import numpy as np
    >>> import dualcalc as dc
    >>> @dc.compile
    ... def rosen(x):
    ...     return np.sum(100.0 * (x[1:] - x[:-1]**2)**2 + (1.0 - x[:-1])**2)
    >>> dc.gradient(rosen, np.array([1.0, 2.0, 3.0]))
    array([-400., 1002., -200.])
    >>> dc.hessian(rosen, np.array([1.0, 1.0]))
    array([[ 802., -400.],
           [-400.,  200.]])
    """
    if f is None:
        return lambda g: Compiled(g, max_recordings=max_recordings,
                                  max_instructions=max_instructions)
    return Compiled(f, max_recordings=max_recordings, max_instructions=max_instructions)
