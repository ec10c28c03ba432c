"""Sparse Jacobians and Hessians: detection, coloring, compressed passes.

``sparse_jacobian(f, x)`` finds the pattern (``sparsity.jacobian_sparsity``,
one traced call of f), colors its columns (``coloring.column_coloring``),
evaluates f on a DualArray whose c tangent directions are the colors'
0/1 seeds (``DualArray(x, eps=S.T)``), and decompresses ``B = J S``
exactly.  ``sparse_hessian`` does the same with a star coloring and one
Hessian-vector product per color (``B = H S``).  Both return
``scipy.sparse.csr_array`` of shape (f(x).size, x.size) / (x.size, x.size).

>>> import numpy as np
>>> from dualcalc import sparse_jacobian
>>> f = lambda x: np.roll(x, 1) - 2 * x + np.roll(x, -1) + x**3
>>> J = sparse_jacobian(f, np.arange(6.0))
>>> J.shape, J.nnz
((6, 6), 18)

Reusing a pattern
-----------------
``sparsity=`` takes a pattern (any scipy.sparse array or boolean ndarray) or
a :class:`dualcalc.coloring.ColoredPattern`.  The coloring of a pattern is
cached by the pattern object's identity, so a loop that passes the same
``P`` pays only the compressed passes.  Patterns are local at the x they were
detected at (``dualcalc.sparsity``); a reused pattern that misses a nonzero
at the new x is caught whenever the stray derivative lands in a color its
row does not use (ValueError), but not when it adds into an entry of the
pattern: reuse patterns across x only for f whose structure does not branch
(or pass one known to hold everywhere).

Spreading the passes
--------------------
``executor=`` takes any ``concurrent.futures.Executor`` (a process pool,
``dask.distributed.Client.get_executor()``, ...) and maps the passes over it:
chunks of ``chunk`` colors for Jacobians, one color per pass for Hessians.
f (and args) must be picklable for process and cluster executors.  Each pass
is the same computation whatever runs it, so the result is bitwise equal to
the serial run with the same ``chunk``.
"""
import threading
import weakref

import numpy as np

from dualcalc import _seeding as S
from dualcalc.coloring import ColoredPattern
from dualcalc.sparsity import hessian_sparsity, jacobian_sparsity

__all__ = ["sparse_jacobian", "value_and_sparse_jacobian", "sparse_hessian",
           "value_gradient_sparse_hessian", "colored_pattern"]

_cache = {}
_cache_lock = threading.Lock()
_CACHE_MAX = 64


def colored_pattern(P, symmetric=False):
    """The :class:`ColoredPattern` of P, cached by P's identity.

    >>> import numpy as np
    >>> P = np.eye(3, dtype=bool)
    >>> colored_pattern(P) is colored_pattern(P)
    True
    """
    if isinstance(P, ColoredPattern):
        if P.symmetric != symmetric:
            raise ValueError("this ColoredPattern was colored for "
                             + ("Hessians" if P.symmetric else "Jacobians"))
        return P
    key = (id(P), symmetric)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and hit[0]() is P:
            return hit[1]
    cp = ColoredPattern(P, symmetric=symmetric)
    try:
        ref = weakref.ref(P)
    except TypeError:                 # not weak-referenceable: keep it alive instead
        ref = (lambda obj: (lambda: obj))(P)
    with _cache_lock:
        if len(_cache) >= _CACHE_MAX:
            _cache.pop(next(iter(_cache)))
        _cache[key] = (ref, cp)
    return cp


def _jacobian_pass(f, x, seeds, args):
    """One compressed pass: (value, B) with B = J @ seeds, shape (m, k)."""
    from dualcalc.arrays import DualArray
    t = S.new_tag()
    k = seeds.shape[1]
    y = S.call(f, DualArray(x.copy(), np.ascontiguousarray(seeds.T).reshape((k,) + x.shape),
                            tag=t), args)
    value, tan = S.extract_dual(y, t, k)
    return value, np.ascontiguousarray(tan.reshape(k, -1).T)


def _hessian_pass(f, x, direction, args):
    from dualcalc.derivatives import hvp
    return np.asarray(hvp(f, x, direction.reshape(x.shape), args=args), dtype=float).ravel()


def _map(executor, fn, *iterables):
    if executor is None:
        return list(map(fn, *iterables))
    return list(executor.map(fn, *iterables))


def _check_chunk(chunk, c):
    if chunk is None:
        return max(1, c)
    if not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer (colors per pass), got {chunk!r}")
    return int(chunk)


def sparse_jacobian(f, x, args=(), sparsity=None, executor=None, chunk=None):
    """The Jacobian of f at x as a scipy.sparse CSR array, from compressed passes.

    Parameters
    ----------
    f : callable
        ``f(x, *args)`` returning an array (any shape; its flat elements are
        the rows).
    x : array_like
        The point (any shape; its flat elements are the columns).
    args : tuple, optional
        Extra arguments passed to f.
    sparsity : pattern or ColoredPattern, optional
        The Jacobian's pattern, shape (f(x).size, x.size), as returned by
        :func:`dualcalc.jacobian_sparsity`.  Default: detected by one traced
        call of f (local at x).  Its coloring is cached by identity.
    executor : concurrent.futures.Executor, optional
        Runs the passes (chunks of ``chunk`` colors); results are bitwise
        equal to the serial run with the same ``chunk``.
    chunk : int, optional
        Colors per pass (default: all colors in one pass).

    Returns
    -------
    scipy.sparse.csr_array of float, shape (f(x).size, x.size)

    Examples
    --------
    >>> import numpy as np
    >>> J = sparse_jacobian(lambda x: x[1:] * x[:-1], np.array([1.0, 2.0, 3.0]))
    >>> J.toarray()
    array([[2., 1., 0.],
           [0., 3., 2.]])
    """
    if not isinstance(args, tuple):
        raise TypeError("args must be a tuple of extra arguments for f, like scipy's args=")
    return value_and_sparse_jacobian(f, x, args, sparsity, executor, chunk)[1]


def value_and_sparse_jacobian(f, x, args=(), sparsity=None, executor=None, chunk=None):
    """f(x) (flat float ndarray) and :func:`sparse_jacobian`, sharing the passes.

    >>> import numpy as np
    >>> v, J = value_and_sparse_jacobian(lambda x: x ** 2, np.array([1.0, 3.0]))
    >>> v, J.toarray()
    (array([1., 9.]), array([[2., 0.],
           [0., 6.]]))
    """
    if not isinstance(args, tuple):
        raise TypeError("args must be a tuple of extra arguments for f, like scipy's args=")
    x = S.as_point(x)
    if sparsity is None:
        sparsity = jacobian_sparsity(f, x, args)
    cp = colored_pattern(sparsity, symmetric=False)
    if cp.pattern.shape[1] != x.size:
        raise ValueError(f"sparsity has {cp.pattern.shape[1]} columns; x has {x.size} elements")
    c = cp.ncolors
    if c == 0:
        # an empty pattern: one pass along all of x checks that it still is
        value, B = _jacobian_pass(f, x, np.ones((x.size, 1)), args)
        if np.any(B != 0):
            raise ValueError(_OUTSIDE)
        value = np.asarray(value, dtype=np.float64).ravel()
        return value, cp.decompress(np.zeros((value.size, 0)))
    k = _check_chunk(chunk, c)
    blocks = [cp.seeds[:, s:s + k] for s in range(0, c, k)]
    results = _map(executor, _jacobian_pass, [f] * len(blocks), [x] * len(blocks), blocks,
                   [args] * len(blocks))
    B = np.concatenate([r[1] for r in results], axis=1)
    if B.shape[0] != cp.pattern.shape[0]:
        raise ValueError(f"sparsity has {cp.pattern.shape[0]} rows; f(x) has {B.shape[0]} "
                         "elements")
    if cp.outside(B):
        raise ValueError(_OUTSIDE)
    return np.asarray(results[0][0], dtype=np.float64).ravel(), cp.decompress(B)


def sparse_hessian(f, x, args=(), sparsity=None, executor=None, method="auto"):
    """The Hessian of a scalar f at x as a scipy.sparse CSR array.

    Two methods, both exact and exactly symmetric:

    * ``"colored"``: star coloring of the pattern, one Hessian-vector
      product (:func:`dualcalc.hvp`) per color, exact decompression.  In
      forward-over-forward mode each product carries the n unit directions
      on one side (banded while the code is elementwise; dense, O(n) per
      element, once it mixes elements, e.g. with ``np.roll``), so this is
      n/colors times cheaper than the dense Hessian but not O(nnz).
    * ``"auto"`` (default): one traced pass in sparse second-order forward
      mode (``dualcalc._sparse_hessian``: per element a sparse gradient and
      a sparse Hessian, the rule table's g' and g'' from a HyperDualArray at
      the values), costing O(nnz) work; f's that use a function this mode
      does not implement fall back to ``"colored"``.

    Parameters
    ----------
    f : callable
        ``f(x, *args)`` returning one number.
    x : array_like
        The point.
    args : tuple, optional
        Extra arguments passed to f.
    sparsity : pattern or ColoredPattern, optional
        The Hessian's symmetric pattern (x.size, x.size), as from
        :func:`dualcalc.hessian_sparsity` (the default, one traced call).
    executor : concurrent.futures.Executor, optional
        Runs the per-color products of ``"colored"`` (with an executor the
        default method is ``"colored"``); bitwise equal to serial.
    method : {"auto", "colored"}, optional

    Returns
    -------
    scipy.sparse.csr_array of float, shape (x.size, x.size)

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: np.sum(x[1:] * x[:-1] ** 2)
    >>> sparse_hessian(f, np.array([1.0, 2.0, 3.0])).toarray()
    array([[4., 2., 0.],
           [2., 6., 4.],
           [0., 4., 0.]])
    """
    if not isinstance(args, tuple):
        raise TypeError("args must be a tuple of extra arguments for f, like scipy's args=")
    x = S.as_point(x)
    if method not in ("auto", "colored"):
        raise ValueError(f"method must be 'auto' or 'colored', got {method!r}")
    if method == "auto" and executor is None:
        from dualcalc import _sparse_hessian as SH
        if sparsity is not None:
            shape = colored_pattern(sparsity, symmetric=True).pattern.shape
            if shape != (x.size, x.size):
                raise ValueError(f"sparsity has shape {shape}; a Hessian at x needs "
                                 f"{(x.size, x.size)}")
        try:
            return SH.hessian_one_pass(f, x, args, x.size)
        except SH._Unsupported:
            pass
    if sparsity is None:
        sparsity = hessian_sparsity(f, x, args)
    cp = colored_pattern(sparsity, symmetric=True)
    if cp.pattern.shape != (x.size, x.size):
        raise ValueError(f"sparsity has shape {cp.pattern.shape}; a Hessian at x needs "
                         f"{(x.size, x.size)}")
    c = cp.ncolors
    if c == 0 and np.any(_hessian_pass(f, x, np.ones(x.size), args) != 0):
        raise ValueError(_OUTSIDE)          # an empty pattern that no longer is
    cols = [cp.seeds[:, i] for i in range(c)]
    B = np.stack(_map(executor, _hessian_pass, [f] * c, [x] * c, cols, [args] * c),
                 axis=1) if c else np.zeros((x.size, 0))
    if cp.outside(B):
        raise ValueError(_OUTSIDE)
    return cp.decompress(B)


def value_gradient_sparse_hessian(f, x, args=(), sparsity=None):
    """f(x), its gradient and :func:`sparse_hessian`, for Newton's method on
    large sparse problems.

    One traced pass of the second-order mode gives all three (its gradient
    is sparse per element, so this does not pay the n directions of a dense
    forward gradient on code that mixes elements); f's that the mode does not
    support fall back to :func:`dualcalc.value_and_gradient` and the
    colored Hessian (with ``sparsity``, a known pattern, if given).

    Returns
    -------
    (float, ndarray of x's size (flat), scipy.sparse.csr_array (x.size, x.size))

    Examples
    --------
    >>> import numpy as np
    >>> v, g, H = value_gradient_sparse_hessian(lambda x: np.sum(x[1:] * x[:-1] ** 2),
    ...                                         np.array([1.0, 2.0, 3.0]))
    >>> v, g, H.toarray()
    (14.0, array([ 4., 13.,  4.]), array([[4., 2., 0.],
           [2., 6., 4.],
           [0., 4., 0.]]))
    """
    if not isinstance(args, tuple):
        raise TypeError("args must be a tuple of extra arguments for f, like scipy's args=")
    from dualcalc import _sparse_hessian as SH
    from dualcalc.derivatives import value_and_gradient
    x = S.as_point(x)
    try:
        return SH.value_gradient_hessian_one_pass(f, x, args, x.size)
    except SH._Unsupported:
        pass
    v, g = value_and_gradient(f, x, args=args)
    H = sparse_hessian(f, x, args, sparsity=sparsity, method="colored")
    return float(v), np.asarray(g, dtype=float).ravel(), H


_OUTSIDE = ("f has nonzero derivatives outside the given sparsity pattern at this x (a "
            "pattern detected where f took another branch?); detect it again here, or "
            "pass a pattern that holds for every x")
