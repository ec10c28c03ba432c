"""Design: the TypeError for a NumPy function or ufunc that dual arrays do not
support.  It names the function as the user's code calls it (scipy.special's
``xlogy``, not ``numpy.xlogy``), where it was called from (the first frame
outside NumPy and dualcalc, e.g. a SciPy module), what to use instead where
there is an alternative, and points to :data:`dualcalc.arrays.SUPPORTED_FUNCTIONS`
/ :data:`dualcalc.arrays.SUPPORTED_UFUNCS` instead of listing them inline."""
import os
import sys

import numpy as np

from dualcalc._core import _arrays as _A

_SKIP = tuple(os.path.dirname(m.__file__) + os.sep
              for m in (np, sys.modules["dualcalc"]))

#: Public name -> what to use instead on dual arrays.
ALTERNATIVES = {
    "numpy.vectorize": "np.vectorize calls f on one element at a time as plain "
                       "numbers; write f with NumPy ufuncs on the whole array",
    "numpy.frompyfunc": "write the function with NumPy ufuncs on the whole array",
    "numpy.asarray": "use the array itself (or .value for the plain numbers)",
    "numpy.linalg.matrix_rank": "the rank is piecewise constant: np.linalg.matrix_rank(x.value)",
    "numpy.linalg.cond": "np.linalg.norm(x, 2) * np.linalg.norm(np.linalg.inv(x), 2)",
    "numpy.linalg.tensorsolve": "np.linalg.solve on the reshaped system",
    "numpy.linalg.tensorinv": "np.linalg.inv on the reshaped matrix",
    "numpy.linalg.multi_dot": "chained @ products",
    "numpy.histogram2d": "histograms are piecewise constant: use x.value",
    "numpy.bincount": "use x.value for the counts; np.add.at for weighted sums",
    "numpy.sort_complex": "dual arrays are real: np.sort",
    "numpy.angle": "dual arrays are real: np.arctan2(0.0, x) for the sign part",
    "scipy.linalg.expm": "dualcalc.linalg.expm",
}


def _public_module(obj):
    """numpy._core.fromnumeric -> numpy; numpy.linalg._linalg -> numpy.linalg."""
    mod = getattr(obj, "__module__", None) or "numpy"
    parts = [p for p in mod.split(".") if not p.startswith("_")]
    if parts and parts[0] == "numpy" and len(parts) > 1 and parts[1] in ("lib", "core"):
        parts = parts[:1]
    return ".".join(parts) or mod


def _ufunc_name(ufunc):
    """Where the user finds this ufunc: scipy.special.xlogy, numpy.sin, ..."""
    name = getattr(ufunc, "__name__", repr(ufunc))
    for modname in ("numpy", "scipy.special"):
        mod = sys.modules.get(modname)
        if mod is not None and getattr(mod, name, None) is ufunc:
            return modname + "." + name
    for modname, mod in list(sys.modules.items()):
        if modname.startswith(("scipy.", "numpy.")) and not modname.split(".")[-1].startswith(
                "_") and getattr(mod, name, None) is ufunc:
            return modname + "." + name
    return "the ufunc " + name


def _caller():
    """file:line of the first frame outside NumPy and dualcalc (None if none)."""
    f = sys._getframe(1)
    while f is not None:
        fn = f.f_code.co_filename
        if not fn.startswith(_SKIP) and not fn.startswith("<frozen"):
            return "{0}:{1}".format(_short(fn), f.f_lineno)
        f = f.f_back
    return None


def _short(fn):
    """A path from the package root (site-packages/... -> scipy/stats/x.py)."""
    for marker in ("site-packages" + os.sep, "dist-packages" + os.sep):
        i = fn.rfind(marker)
        if i >= 0:
            return fn[i + len(marker):]
    return fn


def message(obj, method):
    """The message for an unsupported ufunc (method given) or function (None)."""
    if method is not None:
        name = _ufunc_name(obj) + ("" if method == "__call__" else "." + method)
        listing = "dualcalc.arrays.SUPPORTED_UFUNCS"
    else:
        name = _public_module(obj) + "." + getattr(obj, "__name__", repr(obj))
        listing = "dualcalc.arrays.SUPPORTED_FUNCTIONS"
    where = _caller()
    text = "dualcalc: {0} is not supported on dual arrays{1}, so it cannot carry a " \
           "derivative.".format(name, "" if where is None else " (called at " + where + ")")
    alt = ALTERNATIVES.get(name)
    if alt is None and method is not None and name.startswith("scipy.special."):
        from dualcalc._core._table import RULES
        short = name.rsplit(".", 1)[1]
        if short in RULES:
            alt = "dualcalc.arrays.apply_rule(x, {0!r})".format(short)
    if alt is not None:
        text += " Instead: " + alt + "."
    text += (" The supported functions are listed in {0}; apply the function to .value "
             "if you want plain numbers.".format(listing))
    return text


_A.set_unsupported_message(message)
