"""The conversion boundary: where dual values meet code that wants plain numbers.

Design
------
Third-party code converts its inputs (``np.asarray``, ``np.array``, ``float``,
buffers, pandas).  A conversion of a dual value to plain numbers must never
produce a result.  Three mechanisms, one per kind of conversion:

* **Refused conversions** (``float(d)``, ``int(d)``, ``np.asarray(x, float)``,
  ``x.astype(float)``, ``x.tolist()``, storing a dual into a float array)
  raise TypeError at once, naming ``.value``.  Each one is also *recorded*
  (:func:`note`), because library code sometimes catches the TypeError and
  carries on with plain numbers: a verb that sees a recorded refusal after f
  returns raises instead of returning.
* **Plain conversions** (``np.asarray(x)``, ``np.array(x)``, ``np.array([x, y])``,
  ``np.array(list_of_states)``) give an *object array of dual numbers*: one
  dual scalar per element, so NumPy's object loops (``+``, ``*``, ``np.sum``,
  ``np.dot``, ``np.exp`` through the ``.exp()`` method, ...) keep the
  derivatives element by element.  This is slower than a DualArray but exact;
  the array types and the verbs accept such object arrays.  Code that then
  insists on floats (``astype(float)``, a compiled kernel, ``np.isnan``) fails
  loudly, and the verb re-raises the failure naming the conversion.
* **Sub-class conversions** (``np.asanyarray(x)``, which SciPy's array-API
  functions such as ``scipy.optimize.rosen`` call on every input) get a
  read-only ndarray *handle* that forwards every NumPy operation to x at full
  speed.  Its own buffer holds a NaN with a dualcalc payload.  If code strips
  the handle to a plain ndarray (``np.asarray(handle)``), that NaN is all it
  sees; the verb then refuses when a handle was never used through its
  forwarding methods or when the result carries the payload.

The choice between the last two is made from the line of source that called
NumPy (``asanyarray`` or ``subok`` on it means the caller keeps subclasses);
a wrong guess costs speed or a clear error, never a wrong number, because of
the checks above.

A *watch* is active while a verb evaluates f (:func:`begin` / :func:`end`);
outside one, nothing is recorded and the conversions behave as described, so
``f(DualArray(...))`` called by hand still refuses or forwards but cannot be
checked after the fact.
"""

import linecache
import os
import sys

import numpy as np

from dualcalc._core import _watch

__all__ = ["ConversionError", "begin", "end", "note", "from_objects"]

_NUMPY_DIR = os.path.dirname(np.__file__) + os.sep
_DUALCALC_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

#: Bit pattern of the NaN in a handle's buffer (a quiet NaN with a payload).
NAN_BITS = np.uint64(0x7FF8DC0000DC0DE5)


class ConversionError(TypeError):
    """f converted a dual value to plain numbers, so its result cannot carry
    the derivatives (a TypeError: catch either).

    >>> import numpy as np, dualcalc as dc
    >>> def f(x):
    ...     try:
    ...         return float(x) ** 2        # a conversion, swallowed below
    ...     except TypeError:
    ...         return 1.0
    >>> dc.derivative(f, 2.0)             # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dualcalc.ConversionError: ... converted a dual value to float. ...
    """


ConversionError.__module__ = "dualcalc"


# The watch of the evaluation being made, per thread (dualcalc/_core/_watch.pyx):
# begin/end bracket one evaluation of f; note* record into the current watch.
_Watch = _watch.Watch
begin = _watch.begin
end = _watch.end
_current = _watch.current_watch


def _short(path):
    """A path as a reader knows it: from the package directory on."""
    for marker in ("site-packages" + os.sep, "dist-packages" + os.sep):
        i = path.rfind(marker)
        if i >= 0:
            return path[i + len(marker):]
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _site(depth):
    """Where the conversion was asked for, cheaply: (file, line, function, the
    NumPy function it went through) of the innermost frame outside NumPy and
    dualcalc; formatted only when an error is raised (:func:`_where`)."""
    try:
        frame = sys._getframe(depth + 1)
    except ValueError:
        return None
    inner = None
    while frame is not None:
        fn = frame.f_code.co_filename
        if fn.startswith(_DUALCALC_DIR) and _TESTS not in fn:
            frame = frame.f_back
            continue
        if fn.startswith(_NUMPY_DIR):
            if inner is None:
                inner = frame.f_code.co_name
            frame = frame.f_back
            continue
        return (fn, frame.f_lineno, frame.f_code.co_name, inner)
    return None


_TESTS = os.sep + "tests" + os.sep


def _lazy_site(depth):
    """(frame, line) of the caller, resolved to a _site() tuple only when an
    error message needs it (handles and object arrays are made often)."""
    try:
        frame = sys._getframe(depth + 1)
    except ValueError:
        return None
    return (frame, frame.f_lineno)


def _resolve(site):
    frame, line = site
    inner = None
    first = True
    while frame is not None:
        fn = frame.f_code.co_filename
        lineno = line if first else frame.f_lineno
        first = False
        if fn.startswith(_DUALCALC_DIR) and _TESTS not in fn:
            frame = frame.f_back
            continue
        if fn.startswith(_NUMPY_DIR):
            if inner is None:
                inner = frame.f_code.co_name
            frame = frame.f_back
            continue
        return (fn, lineno, frame.f_code.co_name, inner)
    return None


def _where(site):
    """'file:line (in function), through numpy's name' for a _site() tuple."""
    if site is not None and len(site) == 2:
        site = _resolve(site)
    if site is None:
        return "<unknown>"
    fn, line, name, inner = site
    where = f"{_short(fn)}:{line}"
    if name not in ("<module>", "<lambda>"):
        where += f" (in {name})"
    if inner is not None:
        where += f", through numpy's {inner}"
    return where


def location(depth=1):
    """'file:line' of the code that asked for the conversion (see _site)."""
    return _where(_site(depth + 1))


#: Refused conversions so far in this process (any thread): the scalar fast
#: paths of the verbs compare it before and after f instead of a full watch.
refusals = 0


def note(what):
    """Record a refused conversion (called by the compiled core just before it
    raises TypeError)."""
    global refusals
    refusals += 1
    w = _current()
    if w is not None:
        w.add("events", (what, _site(1)))


def note_handle(handle, frame):
    """Record an np.asanyarray handle made during the evaluation (frame: the
    caller's, from subclass_site)."""
    w = _current()
    if w is not None:
        w.add("handles", (handle, (frame, frame.f_lineno)))


def note_objects():
    w = _current()
    if w is not None and len(w.objects) < 8:      # the first few name the place
        w.add("objects", _lazy_site(1))


# ---------------------------------------------------------------- which conversion
_KEEPS_SUBCLASS = {}


def subclass_site():
    """The caller's frame when the NumPy call converting a dual array keeps
    ndarray subclasses (np.asanyarray, subok=True), judged from the caller's
    line of source; None otherwise (then the array becomes an object array)."""
    try:
        frame = sys._getframe(1)
    except ValueError:
        return None
    key = (frame.f_code.co_filename, frame.f_lineno)   # str hashes are cached
    r = _KEEPS_SUBCLASS.get(key)
    if r is None:
        line = linecache.getline(key[0], key[1])
        r = "asanyarray" in line or "subok" in line
        if len(_KEEPS_SUBCLASS) < 4096:
            _KEEPS_SUBCLASS[key] = r
    return frame if r else None


# ---------------------------------------------------------------- checks
def _describe(w):
    parts = []
    for what, site in w.events[:3]:
        parts.append(f"{_where(site)} converted a dual value to {what}")
    for h, site in w.handles:
        if not getattr(h, "_dualcalc_used", False):
            parts.append(f"{_where(site)} called np.asanyarray on a dual array and then read "
                         "it as a plain float array")
            break
    return parts


_ADVICE = (
    "The derivatives cannot be computed through a conversion to plain numbers. "
    "Inside f, use NumPy functions on the dual array itself (they are listed in "
    "dualcalc.arrays.SUPPORTED_FUNCTIONS), dualcalc.math instead of math, "
    "np.zeros_like(x) or a list instead of a float buffer that you fill, and "
    ".value where plain numbers are really meant.")


def _payload(value):
    """True when the float values of f's result hold the NaN of a handle's
    buffer (NaN payloads survive arithmetic), i.e. a stripped handle reached
    the result.  Cheap when the values have no NaN at all."""
    if value is None:
        return False
    if isinstance(value, float):
        if value == value:
            return False
        value = np.float64(value)
    elif type(value) is np.ndarray and value.ndim == 0 and value.dtype is _F64:
        if value.item() == value.item():         # the common scalar result: no NaN
            return False
    v = np.asarray(value)
    if v.dtype != np.float64 or v.size == 0:
        return False
    if v.ndim == 0:
        if v == v:
            return False
    elif not np.isnan(_max_reduce(v, axis=None)):
        return False
    return bool(np.any(v.view(np.uint64) == NAN_BITS))


_max_reduce = np.maximum.reduce
_F64 = np.dtype(np.float64)


def check(w, value=None):
    """Raise ConversionError if the evaluation watched by w converted a dual
    value to plain numbers; value is the float value of f's result."""
    if not w.events:
        for h, _ in w.handles:
            if not h._dualcalc_used:
                break
        else:                                    # every handle was used as a handle
            if not _payload(value):
                return
    parts = _describe(w)
    if not parts and w.handles and _payload(value):
        parts.append(f"{_where(w.handles[0][1])} called np.asanyarray on a dual array and its "
                     "plain-float copy reached the result")
    if parts:
        raise ConversionError("; ".join(parts) + ". " + _ADVICE)


def reraise(w, exc):
    """Re-raise an exception that escaped f after a conversion, naming it
    (chained to the original).  Returns None when nothing was converted."""
    if isinstance(exc, ConversionError):
        return None
    parts = _describe(w)
    if not parts and w.handles:
        parts = [f"{_where(w.handles[0][1])} called np.asanyarray on a dual array"]
    if not parts and w.objects:
        parts = [f"{_where(w.objects[0])} converted a dual array with np.asarray/np.array (it "
                 "became an object array of dual numbers, which this code then could "
                 "not handle)"]
    if not parts:
        return None
    return ConversionError(
        "; ".join(parts) + f"; f then failed with {type(exc).__name__}: "
        + str(exc).rstrip(". ") + ". " + _ADVICE)


# ---------------------------------------------------------------- object arrays
def is_dual_scalar(o):
    from dualcalc._core._scalar import DualNumber
    from dualcalc._core._vec import DualVec, HyperDualVec
    if isinstance(o, (DualNumber, DualVec, HyperDualVec)):
        return True
    from dualcalc._core._arrays import DualArray, HyperDualArray
    return isinstance(o, (DualArray, HyperDualArray)) and o.ndim == 0


def from_objects(obj):
    """An object array (or a nested list) whose elements are dual numbers and
    plain numbers, as one DualArray / HyperDualArray; None when no element is
    dual (the caller then treats it as plain numbers)."""
    from dualcalc._core._arrays import operand
    a = obj if isinstance(obj, np.ndarray) else _object_array(obj)
    if a is None:
        return None
    flat = a.reshape(-1)
    if not any(is_dual_scalar(e) for e in flat):
        return None
    items = []
    for e in flat:
        if is_dual_scalar(e):
            items.append(operand(e))
        elif isinstance(e, (bool, np.bool_)) or not isinstance(
                e, (int, float, np.integer, np.floating)):
            raise TypeError(
                f"an array of dual numbers also holds a {type(e).__name__}; only real "
                "numbers and dual numbers can be combined")
        else:
            items.append(float(e))
    return np.stack(items).reshape(a.shape)


def _object_array(seq):
    try:
        a = np.empty(0, dtype=object)
        a = np.array(seq, dtype=object)
    except (ValueError, TypeError):
        return None
    return a
