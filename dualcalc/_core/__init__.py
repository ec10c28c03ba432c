"""Compiled core of dualcalc: the rule table, Dual, HyperDual and the math kernels.

The modules here are Cython extensions.  In a source tree where they have not
been compiled, importing them fails with a bare ModuleNotFoundError; the check
below turns that into an ImportError that says what happened and what to run.
"""
import os as _os


def _missing_build_message(exc):
    here = _os.path.dirname(_os.path.abspath(__file__))
    root = _os.path.dirname(_os.path.dirname(here))
    in_source_tree = _os.path.exists(_os.path.join(here, "_scalar.pyx"))
    lines = [
        f"dualcalc's compiled core is not built ({exc}).",
    ]
    if in_source_tree:
        lines += [
            f"Python imported the source tree at {root} (it comes first on",
            "sys.path, e.g. as the current directory), and its Cython modules",
            "(dualcalc/_core/*.pyx) have not been compiled there.  From that",
            "directory, build them in place with one of:",
            "    pip install -e .                     (needs a C compiler and the Python headers)",
            "    python setup.py build_ext --inplace  (needs Cython>=3.1 and numpy>=2 too)",
            "or run Python from another directory to use an installed dualcalc.",
        ]
    else:
        lines += ["Reinstall it: pip install --force-reinstall dualcalc"]
    return "\n".join(lines)


try:
    import dualcalc._core._scalar  # noqa: F401  (loads _table too)
except ModuleNotFoundError as _exc:  # pragma: no cover - exercised by a subprocess test
    if _exc.name is None or not _exc.name.startswith("dualcalc._core"):
        raise
    raise ImportError(_missing_build_message(_exc)) from None
