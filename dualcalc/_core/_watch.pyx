# cython: language_level=3
"""The conversion watch: what a verb sees of the conversions made while f runs.

Design: ``dualcalc/_conversions.py`` records every conversion of a dual value
(a refused ``float(x)``, an ``np.asanyarray`` handle, an object array of duals)
into the watch of the evaluation that made it, and the verb looks at that
watch after f returns.  A watch is one small object per evaluation (from a
freelist), found through a thread-specific storage key (so verbs in several
threads each see their own; the key holds a strong reference); its three
records start as the empty tuple and become lists on their first entry.
Beginning and ending a watch costs a few tens of nanoseconds, which matters
because every pass of every verb is watched.
"""
cimport cython
from cpython.pythread cimport PyThread_tss_create, PyThread_tss_get, PyThread_tss_set
from cpython.ref cimport PyObject, Py_XINCREF, Py_XDECREF

cdef Py_tss_t _KEY                       # this thread's current watch (a strong reference)
if PyThread_tss_create(&_KEY) != 0:
    raise RuntimeError("dualcalc: no thread-specific storage for the conversion watch")


@cython.final
@cython.freelist(16)
cdef class Watch:
    """The records of one watched evaluation (see the module's docstring)."""

    def __cinit__(self):
        self.events = ()
        self.handles = ()
        self.objects = ()

    def add(self, field, item):
        """Append item to the record named field ("events", "handles", "objects")."""
        if field == "events":
            self.events = _added(self.events, item)
        elif field == "handles":
            self.handles = _added(self.handles, item)
        elif field == "objects":
            self.objects = _added(self.objects, item)
        else:
            raise ValueError(f"a watch records events, handles and objects, not {field!r}")


cdef object _added(object items, object item):
    if type(items) is list:
        (<list>items).append(item)
        return items
    return [item]


cdef object current():
    cdef void* w = PyThread_tss_get(&_KEY)
    return None if w == NULL else <object>w


cdef int set_current(object w) except -1:
    cdef PyObject* old = <PyObject*>PyThread_tss_get(&_KEY)
    cdef PyObject* new = NULL if w is None else <PyObject*>w
    if new == old:
        return 0
    Py_XINCREF(new)
    if PyThread_tss_set(&_KEY, new) != 0:
        Py_XDECREF(new)
        raise RuntimeError("dualcalc: could not set the conversion watch of this thread")
    Py_XDECREF(old)
    return 0


cdef int merge_into(Watch outer, Watch w) except -1:
    cdef object item
    for item in w.events:
        outer.events = _added(outer.events, item)
    for item in w.handles:
        outer.handles = _added(outer.handles, item)
    for item in w.objects:
        outer.objects = _added(outer.objects, item)
    return 0


def current_watch():
    """This thread's current watch, or None outside a watched evaluation."""
    return current()


def begin():
    """Start watching one evaluation of f; returns the token for :func:`end`."""
    outer = current()
    w = Watch()
    set_current(w)
    return outer, w


def end(token):
    """Stop watching; returns the watch (its records) and restores the outer one,
    into which this watch's records are merged (a conversion inside a nested
    verb is a conversion of the outer evaluation too)."""
    outer, w = token
    set_current(outer)
    if outer is not None:
        merge_into(outer, w)
    return w
