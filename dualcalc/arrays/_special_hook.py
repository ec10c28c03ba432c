"""Design: scipy.special ufuncs met on dual arrays get their rule when first
seen (a hook of the compiled core), so SciPy stays an optional dependency."""
import sys


from dualcalc._core import _arrays as _A


# ================================================================ scipy.special ufuncs
_SPECIAL = {"erf": "erf", "erfc": "erfc", "gamma": "gamma", "gammaln": "lgamma",
            "psi": "digamma", "digamma": "digamma", "cbrt": "cbrt", "expm1": "expm1",
            "log1p": "log1p", "exp2": "exp2"}


def _late_ufunc(ufunc):
    """Register a scipy.special ufunc of the rule table when first met."""
    special = sys.modules.get("scipy.special")
    if special is None:
        return False
    name = getattr(ufunc, "__name__", "")
    rule = _SPECIAL.get(name)
    if rule is None or getattr(special, name, None) is not ufunc:
        return False
    from dualcalc._core._table import RULES
    _A._EXTRA_UNARY[ufunc] = RULES[rule]
    return True


_A.set_late_ufunc_hook(_late_ufunc)
