"""Dual-valued arrays: existing NumPy code, differentiated without edits.

A :class:`DualArray` is a value array of shape S together with k tangent arrays
stacked as ``eps`` of shape (k,) + S (direction axis first): ``eps[j]`` is the
derivative of the value along the j-th seeded direction.  A
:class:`HyperDualArray` carries two sets of directions and their mixed second
derivatives: ``eps1`` (p,) + S, ``eps2`` (q,) + S, ``eps1eps2`` (p, q) + S.

>>> import numpy as np
>>> from dualcalc import DualArray
>>> x = DualArray(np.array([1.0, 2.0, 3.0]), np.eye(3))    # seed: the identity
>>> y = np.sum(np.sin(x) * x)                                # any NumPy code
>>> np.allclose(y.eps, np.sin(x.value) + x.value * np.cos(x.value))
True

Design
------
The elementwise calculus (every ufunc of the rule table, the arithmetic
operators, comparisons, indexing) is compiled, in ``dualcalc/_core/`` (``_engine``,
``_kernels``, ``_indexing`` and their neighbours, gathered by ``_arrays.pyx``).
This package holds everything that is linear algebra or bookkeeping, written once
for both array types, one module per NumPy namespace or family (as JAX lays out
its NumPy):

* ``_dispatch`` -- the registry NumPy's protocols consult, frames (the common
  dual type of several operands) and axis helpers;
* ``seeding`` -- chunk sizes and seeds; ``elementwise`` -- rule-table functions
  without a ufunc, value-only functions, ``*_like``, two-output ufuncs;
* ``structure``, ``reductions``, ``nanfunctions``, ``statistics``,
  ``tensor_contractions``, ``linalg``, ``polynomial``, ``fft`` (complex results
  as :class:`ComplexDualArray`, a pair of real dual arrays) -- the families named;
  ``numeric`` -- convolution, ranges, grids, pad, ufunc.at and the rest;
  ``_special_hook`` -- scipy.special ufuncs met at run time; ``_messages`` --
  the TypeError for what is not supported;

* structure operations (reshape, transpose, concatenate, stack, where, ...) apply
  the same NumPy operation to every component array, with axis arguments shifted
  past the leading direction axes (:func:`dualcalc._core._arrays.map_components`);
* linear operations (sum, cumsum, trace, dot, matmul, einsum, tensordot, ...) are
  linear in the tangents as well, so they too act component by component -- the
  bilinear ones through one multilinear (product-rule) engine built on einsum;
* the few genuinely nonlinear array functions (prod, max/min, sort, norm, solve,
  inv, det, interp) have their exact rules here, each once per type.

What is supported is listed in :data:`SUPPORTED_FUNCTIONS` and
:data:`SUPPORTED_UFUNCS`.  Any other NumPy function raises TypeError naming
itself -- never an object-array fallback that would drop the derivatives.

Conversion to a plain array
---------------------------
``float(x)``, ``np.asarray(x, float)``, ``x.astype(int)``, ``x.tolist()`` raise
TypeError naming ``.value``.  ``np.asarray(x)`` and ``np.array(x)`` (also of a
list of dual arrays) give an object array of the dual elements, which NumPy's
object loops keep exact; ``np.asanyarray(x)`` (SciPy's array-API functions such
as ``scipy.optimize.rosen`` call it on every input) gives a read-only
:class:`DualArrayHandle` that forwards every operation to x.  The verbs refuse
any result computed after a conversion to plain numbers, naming where it
happened: ``dualcalc/_conversions.py`` says how.  Use ``x.value`` for the values.

Seeds, bands, chunking and memory
---------------------------------
k directions cost k times the memory of the values: a gradient of n inputs seeded
all at once holds n x n tangents per temporary.  Two things keep that in check.

*Banded seeds.*  :func:`seed_identity` (and :func:`seed_chunks`) store a chunk of
the identity seed as a band: ``band[b, i]`` is the derivative of flat element i
along direction ``i + off + b``.  Elementwise code, 1-D slicing with step 1,
single elements and full sums keep the band (rosen's tangents have bandwidth 3),
so the gradient of such code costs O(n), not O(n**2); anything else (and any
read of ``.eps``) materialises the dense tangents once, in a store shared with
views, so NumPy's view semantics hold.  :func:`seed_hvp` seeds a Hessian-vector
product the same way: eps1 a banded identity chunk, eps2 ONE dense direction v
(one number per element), eps1eps2 banded along eps1 only -- the chain rule
``e12' = g'·e12 + g''·e1·e2`` keeps that layout, full sums reduce it to the
(p, 1) result, and anything else densifies it to p + 1 + p tangents per
element -- so ``hvp`` costs about as much as a gradient.

*Chunks.*  :func:`seed_chunks` seeds the directions in passes.  Its default,
:func:`default_chunk`, bounds one dense tangent temporary by
:data:`CHUNK_ELEMENTS` (2**22 numbers, 32 MiB): all directions at once up to
n = 2048, 419 directions at n = 10,000.  Measured per gradient (2 cores, NumPy
2.4, medians), chunk c = 8 / 32 / 64 / 256 / 1024:

=============================  =====================================  ============
function, n = 10,000           time per gradient (ms)                 best c
=============================  =====================================  ============
rosen, banded seeds            233 / 59 / 29 / 7.5 / 1.9              largest
rosen, dense seeds             533 / 413 / 796 / 810 / 1486           32 (cache)
sum(tanh(A @ x)**2), A 200xn   1989 / 1044 / 1011 / 664 / 619         largest
=============================  =====================================  ============

Banded code wants few passes, and dense-tangent code is dominated by BLAS
(which wants wide chunks) unless it is elementwise on dense seeds -- the case
banded seeds remove.  So the default is memory-bound, not cache-bound: at
n = 10,000 the worst case above (rosen on dense seeds) peaks at 128 MiB, the
banded one at under 1 MiB (seeding all 10,000 dense directions at once would
need about 8 GB).
"""
from dualcalc._core import _arrays as _A
from dualcalc._core._arrays import DualArray, DualArrayHandle, HyperDualArray
from dualcalc.arrays._dispatch import _IMPL, value_of
from dualcalc.arrays.seeding import (
    CHUNK_ELEMENTS, default_chunk, is_banded, seed_chunks, seed_dual, seed_hvp, seed_identity,
    seed_identity_hyper)
from dualcalc.arrays.elementwise import apply_rule
# each namespace module registers its functions when imported
from dualcalc.arrays import (  # noqa: F401
    structure, reductions, nanfunctions, statistics, numeric, polynomial, tensor_contractions,
    linalg, fft, _special_hook, _messages)
from dualcalc.arrays.fft import ComplexDualArray

__all__ = [
    "DualArray", "HyperDualArray", "DualArrayHandle", "seed_chunks", "seed_dual",
    "seed_identity", "seed_identity_hyper", "seed_hvp", "is_banded", "default_chunk",
    "CHUNK_ELEMENTS", "SUPPORTED_FUNCTIONS", "SUPPORTED_UFUNCS", "value_of", "apply_rule",
    "ComplexDualArray",
]


# ================================================================ listings
def _fname(f):
    return _A._function_name(f)


#: Names of the NumPy functions implemented for dual arrays.
SUPPORTED_FUNCTIONS = tuple(sorted({_fname(f) for f in _IMPL}))

#: Names of the ufuncs (and ufunc methods) supported on dual arrays.
SUPPORTED_UFUNCS = tuple(_A._supported_ufunc_names())
