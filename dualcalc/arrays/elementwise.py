"""Design: elementwise functions beyond the compiled ufunc rules -- the
rule-table functions without a ufunc (:func:`apply_rule`), value-only functions
(predicates, comparisons, indices), rounding, ``*_like`` constructors and the
two-output ufuncs (divmod, modf, ldexp)."""

import numpy as np

from dualcalc._core import _arrays as _A
from dualcalc.arrays._dispatch import (
    value_of, _operand, _is_dual, _IMPL, _implements, _ufunc_method, _no_out, _value_only,
    _constant_like)


def apply_rule(x, name):
    """Apply the rule-table function ``name`` (e.g. ``"erf"``, ``"gamma"``,
    ``"digamma"``) elementwise to a dual array -- for the functions that have no
    NumPy ufunc.

    >>> import numpy as np
    >>> from dualcalc import DualArray
    >>> x = DualArray(np.array([0.0]), np.ones((1, 1)))
    >>> apply_rule(x, "erf").eps          # 2/sqrt(pi)
    array([[1.12837917]])
    """
    from dualcalc._core._table import RULES
    return _A.apply_rule(x, RULES[name])


# ================================================================ value-only and constant functions
for _f in (np.shape, np.ndim, np.size, np.isclose, np.allclose, np.array_equal,
           np.array_equiv, np.nonzero, np.count_nonzero, np.argwhere, np.flatnonzero,
           np.all, np.any, np.isreal, np.iscomplex, np.isrealobj, np.iscomplexobj,
           np.searchsorted, np.digitize, np.histogram, np.unique, np.isin):
    _IMPL[_f] = _value_only(_f)


_IMPL[np.result_type] = _A.result_type


@_implements(np.round, np.around)
def _round(a, decimals=0, out=None):
    """Rounding is piecewise constant: zero derivative."""
    _no_out("round", out)
    return _constant_like(a, np.round(value_of(a), decimals))


def _make_like(fn):
    def impl(a, *args, dtype=None, order="K", subok=True, shape=None, **kwargs):
        """A constant of a's perturbation (zero tangents), so that code like
        ``out = np.zeros_like(x); out[i] = ...`` stays differentiable."""
        fill = args[0] if args else kwargs.get("fill_value")
        if fn is np.full_like and _is_dual(fill):
            base = _make_like(np.zeros_like)(a, dtype=dtype, shape=shape)
            return base + fill
        plain = fn(value_of(_operand(a)), *args, dtype=dtype, order=order, shape=shape,
                   **kwargs)
        if plain.dtype != np.float64:
            return plain
        return _constant_like(a, plain)
    impl.__name__ = fn.__name__
    return impl


for _f in (np.zeros_like, np.ones_like, np.empty_like, np.full_like):
    _IMPL[_f] = _make_like(_f)


# ================================================================ two-output ufuncs
@_ufunc_method(np.divmod, "__call__")
def _divmod_ufunc(ufunc, inputs, kwargs):
    if kwargs.get("out") is not None:
        raise TypeError("dualcalc: numpy.divmod(..., out=) is not supported on dual arrays")
    return (np.floor_divide(*inputs), np.remainder(*inputs))


@_ufunc_method(np.modf, "__call__")
def _modf_ufunc(ufunc, inputs, kwargs):
    if kwargs.get("out") is not None:
        raise TypeError("dualcalc: numpy.modf(..., out=) is not supported on dual arrays")
    x = _operand(inputs[0])
    ip = np.trunc(x)
    return (x - ip, ip)


@_ufunc_method(np.ldexp, "__call__")
def _ldexp_ufunc(ufunc, inputs, kwargs):
    if kwargs.get("out") is not None:
        raise TypeError("dualcalc: numpy.ldexp(..., out=) is not supported on dual arrays")
    x, i = inputs
    if _is_dual(i):
        raise TypeError("dualcalc: numpy.ldexp(x, i): the exponent i must be integers")
    return x * np.ldexp(1.0, i)
