# cython: language_level=3
"""DualArray and HyperDualArray: dual numbers with array values (the public face).

Design: this module only gathers the array layer of the core, which lives in
one file per responsibility, each with a .pxd contract (bottom-up; data flows
down, and the layers above the types install their entry points into them at
import, see ``_types.pyx``):

* ``_alloc.pxd``      inline allocation and shape helpers;
* ``_bands.pyx``      band storage: the tangents of identity seeds, kept O(n);
* ``_kernels.pyx``    compiled elementwise kernels over the rule table
                      (``_rules.pxd``), the zero-stays-zero rule inside the loops;
* ``_types.pyx``      the two classes, constructors, densification, the methods
                      both share, and the conversions they refuse;
* ``_engine.pyx``     the operand engine: conversion, tags, broadcasting,
                      elementwise arithmetic and ufuncs, ``chain_unary``;
* ``_seeds.pyx``      identity and hvp seeds, band queries;
* ``_indexing.pyx``   x[idx], x[idx] = v, single elements as DualVec scalars;
* ``_reductions.pyx`` the hot path of np.sum;
* ``_protocols.pyx``  __array_ufunc__, __array_function__, __array__, the ndarray
                      handle, and the registries filled by ``dualcalc/arrays/``.

Importing this module imports (and so wires) all of them; the names below are
the ones the rest of dualcalc and its tests use, importable from here as before.
"""
from dualcalc._core._bands import BandStore, HyperBandStore
from dualcalc._core._types import (
    DualArray, HyperDualArray, components, rebuild, map_components, _iterate,
    _CONVERT_MESSAGE, _ufunc_method)
from dualcalc._core._engine import (
    operand, value_of, make_dual, make_hyper, apply_rule, binary, chain_unary)
from dualcalc._core._seeds import (
    seed_identity, seed_identity_hyper, seed_hvp, concat_banded, is_banded, zero_eps1eps2,
    bands_of, hvp_bands_of)
from dualcalc._core._indexing import set_scalar_elements
from dualcalc._core._protocols import (
    DualArrayHandle, array_ufunc, array_function, set_late_ufunc_hook,
    set_unsupported_message, _FUNCTIONS, _UFUNC_METHODS, _EXTRA_UNARY, _store,
    _function_name, _supported_ufunc_names, _unsupported_function, _unsupported_ufunc,
    _public_module, _forward, _identity)
from dualcalc._core._reductions import sum_array, sum_function, set_sum_general, result_type
from dualcalc._core._scalar import (
    _UNARY_UFUNCS, _BINARY_UFUNCS, _VALUE_UFUNCS, set_array_ufunc_hook)
from dualcalc._core import _protocols, _reductions

# Settings that their setters rebind live in the module that reads them.
_OWNED = {"_late_ufunc_hook": _protocols, "_unsupported_message": _protocols,
          "_sum_general": _reductions}


def __getattr__(name):
    owner = _OWNED.get(name)
    if owner is None:
        raise AttributeError("module 'dualcalc._core._arrays' has no attribute " + repr(name))
    return getattr(owner, name)
