"""Design: scipy.special ufuncs met on dual arrays get their rule when first
seen (a hook of the compiled core), from the table of ``dualcalc.special``, so
SciPy stays an optional dependency."""
from dualcalc._core import _arrays as _A


def _late_ufunc(ufunc):
    """Register a scipy.special ufunc of dualcalc.special's table when first met."""
    from dualcalc import special
    return special._late_register(ufunc)


_A.set_late_ufunc_hook(_late_ufunc)
