"""The derivative verbs: derivative, gradient, jacobian, jvp, hessian, hvp.

Design: each verb seeds its input (``_seeding``), calls f, and extracts the
tangents; nothing here knows any calculus.  Array inputs get banded identity
seeds (O(n) memory, kept banded by elementwise code), in chunks of
``arrays.default_chunk(n)`` directions; hvp's seed carries the identity in
eps1 and the one direction v in eps2, so it costs about one gradient.  Scalar
x takes a fast path that builds the Dual / HyperDual directly; an array small
enough for one pass is seeded, watched and read in compiled code
(``_core/_passes.pyx``), which hands any result other than one scalar back to
the general reading of ``_seeding``.  Shape rule:
``jacobian(f, x).shape == np.shape(f(x)) + np.shape(x)``, and
``hessian(f, x).shape == np.shape(x) * 2``.  Results are floats and ndarrays;
the one exception is a derivative taken inside another derivative, which is a
Dual of the outer differentiation (that is what makes nesting exact).
"""

import numpy as np

from dualcalc._core._scalar import Dual, HyperDual
from dualcalc import _seeding as S
from dualcalc import _conversions as _conv
from dualcalc._seeding import NestingError
from dualcalc._compile import UNCOMPILED, Compiled, _FALLBACK, _VECTORISED
from dualcalc._core._passes import gradient_pass as _gradient_pass, hessian_pass as _hessian_pass
from dualcalc._core._passes import jacobian_pass as _jacobian_pass
from dualcalc._core._passes import hvp_pass as _hvp_pass, jvp_pass as _jvp_pass
from dualcalc._core._passes import wire_compiled as _wire_compiled
from dualcalc._core import _passes

_wire_compiled(Compiled, _VECTORISED, _FALLBACK)

__all__ = [
    "derivative", "second_derivative", "gradient", "jacobian", "jvp", "hessian",
    "hvp", "value_and_derivative", "value_and_gradient", "value_and_jacobian",
    "value_gradient_hessian", "NestingError",
]


def _out(a):
    a = np.asarray(a, dtype=np.float64)
    return float(a) if a.ndim == 0 else a


# Inputs this small take one pass over the whole identity, seeded and read in
# compiled code (_core/_passes.pyx): sizes where default_chunk(n) == n (any n
# up to 2048) and _hessian_chunk(n) == n (n**3 <= 8 M).
_ONE_PASS = 2048
_ONE_HESSIAN_PASS = 200


def _gradient_read(v, g, y, t, x, verb):
    """(value, grad) from gradient_pass: its own reading when f returned one
    scalar of the pass (g set), else the general extraction of y."""
    if g is not None:
        return v, g
    value, tan = S.extract_dual(y, t, x.size)
    _require_scalar(value, verb)
    return float(value), tan.reshape(x.shape)


def _hessian_read(v, g, H, y, t1, t2, x):
    """(value, grad, H) from hessian_pass, as _gradient_read."""
    if H is not None:
        return v, g, H
    n = x.size
    value, _, grad, H = S.extract_hyper(y, t1, t2, n, n)
    _require_scalar(value, "hessian")
    H = H.reshape(n, n)
    H = H + H.T                                             # exactly symmetric
    H *= 0.5
    return float(value), _out(grad.reshape(x.shape)), _out(H.reshape(x.shape + x.shape))


def _two_tags():
    """Two fresh tags, the smaller first (eps1 belongs to the smaller tag)."""
    t1, t2 = S.new_tag(), S.new_tag()
    return (t1, t2) if t1 < t2 else (t2, t1)


def _check_args(args):
    if not isinstance(args, tuple):
        raise TypeError("args must be a tuple of extra arguments for f, like scipy's args=")
    return args


# ---------------------------------------------------------------- several inputs
def _pack(f, xs, argnums, args):
    """Turn f(*xs, *args), differentiated in the arguments argnums, into a
    function of one flat vector.  Returns (g, z0, unpack) where unpack splits a
    trailing flat axis back into per-argument shapes."""
    if not isinstance(xs, (tuple, list)):
        raise TypeError("with argnums, x must be a tuple of all of f's inputs")
    xs = list(xs)
    single = isinstance(argnums, (int, np.integer))
    nums = (int(argnums),) if single else tuple(int(a) for a in argnums)
    for a in nums:
        if not -len(xs) <= a < len(xs):
            raise ValueError(f"argnums {a} is out of range for {len(xs)} inputs")
    nums = tuple(a % len(xs) for a in nums)
    if len(set(nums)) != len(nums):
        raise ValueError("argnums has repeated entries")
    points = [S.as_point(xs[a], f"x[{a}]") for a in nums]
    sizes = [p.size for p in points]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    z0 = np.concatenate([p.ravel() for p in points]) if points else np.zeros(0)

    g = _Packed(f, xs, nums, offsets, [p.shape for p in points])

    def unpack(arr, lead):
        parts = tuple(arr[..., offsets[i]:offsets[i + 1]].reshape(
            arr.shape[:lead] + points[i].shape) for i in range(len(nums)))
        return parts[0] if single else parts

    return g, z0, unpack


class _Packed:
    """f(*xs, *extra) as a function of one flat vector z holding the inputs
    nums (a class, not a closure, so that it pickles for executors)."""

    def __init__(self, f, xs, nums, offsets, shapes):
        self.f, self.xs, self.nums, self.offsets, self.shapes = f, xs, nums, offsets, shapes

    def __call__(self, z, *extra):
        full = list(self.xs)
        for i, a in enumerate(self.nums):
            piece = z[self.offsets[i]:self.offsets[i + 1]].reshape(self.shapes[i])
            if isinstance(piece, np.ndarray) and piece.dtype == object and piece.ndim == 0:
                piece = piece.item()      # object-array fallback: the Dual itself
            full[a] = piece
        return self.f(*full, *extra)


# ---------------------------------------------------------------- scalar verbs
def _split_first(y, t):
    """(value, derivative) of f's output for the perturbation t, keeping other
    (outer) perturbations as Duals."""
    ty = type(y)
    if ty is Dual:
        if y.tag == t:
            return y.value, y.eps
        return y, 0.0
    if ty is HyperDual:
        if y.tag2 == t:
            return Dual(y.value, y.eps1, tag=y.tag1), Dual(y.eps2, y.eps1eps2, tag=y.tag1)
        if y.tag1 == t:
            return Dual(y.value, y.eps2, tag=y.tag2), Dual(y.eps1, y.eps1eps2, tag=y.tag2)
        return y, 0.0
    h = _as_hyperdual(y)
    if h is not None:                 # a 0-d second-order array or vec: one direction each
        return _split_first(h, t)
    v, tan = S.extract_dual(y, t, 1)
    return _out(v), _out(tan[0])


def _as_hyperdual(y):
    """A 0-d HyperDualArray or a HyperDualVec with one direction per
    perturbation as the HyperDual it equals; else None."""
    from dualcalc._core._vec import HyperDualVec
    from dualcalc.arrays import HyperDualArray
    if not isinstance(y, (HyperDualArray, HyperDualVec)) or np.ndim(y.value) != 0:
        return None
    e1, e2, e12 = (np.asarray(getattr(y, a), dtype=np.float64).ravel()
                   for a in ("eps1", "eps2", "eps1eps2"))
    if e1.size != 1 or e2.size != 1 or e12.size != 1:
        return None
    return HyperDual(float(y.value), e1[0], e2[0], e12[0], tag1=y.tag1, tag2=y.tag2)


def value_and_derivative(f, x, args=(), order=1):
    """f(x) and its derivative of the given order (1 or 2) at a scalar x, in one
    evaluation.

    Parameters
    ----------
    f : callable
        ``f(x, *args)``, scalar code written with Python operators,
        ``dualcalc.math`` or NumPy ufuncs.  It may return a number or an
        array of numbers (then the derivative is elementwise).
    x : float
        The point.
    args : tuple, optional
        Extra arguments passed to f.
    order : {1, 2}
        First derivative (Dual) or second derivative (HyperDual).

    Returns
    -------
    value, derivative : float or ndarray

    Examples
    --------
    >>> import dualcalc.math as math
    >>> value_and_derivative(lambda x: 3*x**3 + 2*x**2 - 4*x + 7, 2.0)
    (31.0, 40.0)
    >>> value_and_derivative(math.sin, 0.0, order=2)
    (0.0, 0.0)
    """
    args = _check_args(args)
    if order not in (1, 2):
        raise ValueError("order must be 1 or 2 here; for any higher order use "
                         "derivative(f, x, order=k) or dualcalc.taylor (Taylor mode)")
    x = S.as_scalar(x)
    if type(f) is Compiled and isinstance(x, float):
        r = f.derivative(x, args, order)
        if r is not None:
            return _out(r[0]), _out(r[1])
        f = f.fn
    if order == 2:
        if not isinstance(x, float):
            raise NestingError(
                "a second derivative inside another derivative is a third level of "
                "nesting, which dualcalc does not support")
        t1, t2 = _two_tags()
        y = S.call(f, HyperDual(x, 1.0, 1.0, 0.0, tag1=t1, tag2=t2), args)
        v, _, _, e12 = S.extract_hyper(y, t1, t2, 1, 1)
        return _out(v), _out(e12[0, 0])
    t = S.new_tag()
    if type(x) is Dual:
        if x.tag == t:  # pragma: no cover - only after 2**31 tags, with x that old
            t = S.new_tag()
        if x.tag < t:
            seed = HyperDual(x.value, x.eps, 1.0, 0.0, tag1=x.tag, tag2=t)
        else:  # the counter wrapped: eps1 belongs to the smaller tag, ours
            seed = HyperDual(x.value, 1.0, x.eps, 0.0, tag1=t, tag2=x.tag)
    elif type(x) is HyperDual:
        raise NestingError(
            "a derivative inside a second derivative is a third level of nesting, which "
            "dualcalc does not support; compute the inner derivative in closed form or "
            "restructure the computation")
    elif not isinstance(x, float):
        raise NestingError("nested differentiation through array types is not supported")
    else:
        seed = Dual(x, 1.0, tag=t)
    return _split_first(S.call(f, seed, args), t)


def derivative(f, x, order=1, args=()):
    """The derivative of a function of one variable at x, exact to rounding.

    Parameters
    ----------
    f : callable
        ``f(x, *args)`` built from Python operators, ``dualcalc.math`` or NumPy.
    x : float
        The point.
    order : int, optional
        1 (default, one Dual evaluation), 2 (one HyperDual evaluation) or any
        higher order (one Taylor evaluation, ``dualcalc.taylor``).
    args : tuple, optional
        Extra arguments passed to f.

    Returns
    -------
    float, or ndarray when f returns an array.

    Examples
    --------
    >>> from dualcalc import derivative
    >>> import dualcalc.math as math
    >>> derivative(lambda x: 3*x**3 + 2*x**2 - 4*x + 7, 1.0)   # 9x^2 + 4x - 4
    9.0
    >>> derivative(lambda x: (3*x + 1)**2, 1.0)                 # 6(3x + 1)
    24.0
    >>> derivative(lambda x: x**5, 1.0, order=4)                # 120x
    120.0

    Nested derivatives are kept apart (no perturbation confusion):

    >>> derivative(lambda x: x * derivative(lambda y: x + y, 1.0), 1.0)
    1.0
    """
    if type(x) is float and order == 1 and type(args) is tuple and not args and x == x:
        # fast path: the common call, one Dual built directly
        t = S.new_tag()
        r0 = _conv.refusals
        try:
            y = f(Dual(x, 1.0, t))
        except Exception:
            if _conv.refusals == r0:
                raise
            y = None
        if _conv.refusals != r0:     # a conversion was refused somewhere: check under a watch
            y = S.call(f, Dual(x, 1.0, t), ())
        if type(y) is Dual and y.tag == t:
            return y.eps
        return _split_first(y, t)[1]
    if order not in (1, 2):      # any higher order: Taylor mode
        from dualcalc.taylor import derivative_of_order
        return derivative_of_order(f, x, order, args=args)
    return value_and_derivative(f, x, args=args, order=order)[1]


def second_derivative(f, x, args=()):
    """f''(x) from one HyperDual evaluation.

    Parameters
    ----------
    f : callable
        ``f(x, *args)`` built from Python operators, ``dualcalc.math`` or NumPy.
    x : float
        The point.
    args : tuple, optional
        Extra arguments passed to f.

    Returns
    -------
    float, or ndarray when f returns an array.

    Examples
    --------
    >>> second_derivative(lambda x: x**4, 2.0)
    48.0
    >>> second_derivative(lambda x: 3*x**3 + 2*x**2 - 4*x + 7, 1.0)   # 18x + 4
    22.0
    """
    if type(x) is float and type(args) is tuple and not args and x == x:
        t1, t2 = _two_tags()
        r0 = _conv.refusals
        try:
            y = f(HyperDual(x, 1.0, 1.0, 0.0, t1, t2))
        except Exception:
            if _conv.refusals == r0:
                raise
            y = None
        if _conv.refusals != r0:
            y = S.call(f, HyperDual(x, 1.0, 1.0, 0.0, t1, t2), ())
        if type(y) is HyperDual and y.tag1 == t1 and y.tag2 == t2:
            return y.eps1eps2
        return _out(S.extract_hyper(y, t1, t2, 1, 1)[3][0, 0])
    return value_and_derivative(f, x, args=args, order=2)[1]


# ---------------------------------------------------------------- Jacobian family
def _chunks(n, size):
    for start in range(0, n, size):
        yield start, min(n, start + size)


def _jacobian_core(f, x, args, executor=None, chunk=None):
    """(value, J) with J of shape Sy + Sx, from ceil(n / default_chunk(n))
    passes over banded identity seeds (or chunks of ``chunk`` directions,
    mapped over ``executor``: _seeding.map_passes)."""
    if type(f) is Compiled:
        if executor is None and chunk is None:
            r = f.jacobian_core(x, args)
            if r is not None:
                return r
        f = f.fn                                   # passes over executors: f itself
    n = x.size
    if executor is not None or chunk is not None:
        parts = S.map_passes(executor, S.jacobian_pass, f, x,
                             S.check_chunk(chunk, n, S.chunk_size(n)), args)
        value = parts[0][0]
        tan = np.concatenate([p[1] for p in parts], axis=0)
        return value, _first_axis_last(tan).reshape(value.shape + x.shape)
    if 2 <= n <= _ONE_PASS:                                 # one pass, seeded in C
        y, t = _jacobian_pass(f, x, args)
        value, tan = S.extract_dual(y, t, n)                # tan: (n,) + Sy
        if value.ndim == 0:
            return value, tan.reshape(x.shape)
        return value, _first_axis_last(tan).reshape(value.shape + x.shape)
    t = S.new_tag()
    chunk = S.chunk_size(n)
    if chunk >= n:                                          # one pass (n = 1, 0)
        y = S.call(f, S.seed_band(x, 0, n, t), args)
        value, tan = S.extract_dual(y, t, n)                # tan: (n,) + Sy
        if value.ndim == 0:
            return value, tan.reshape(x.shape)
    else:
        blocks = []
        for start, stop in _chunks(n, chunk):
            y = S.call(f, S.seed_band(x, start, stop, t), args)
            value, tan = S.extract_dual(y, t, stop - start)
            blocks.append(tan)
        tan = np.concatenate(blocks, axis=0)
    return value, _first_axis_last(tan).reshape(value.shape + x.shape)


def _first_axis_last(a):
    """np.moveaxis(a, 0, -1) without its ~2 us of argument handling."""
    return a.T if a.ndim == 2 else a.transpose(tuple(range(1, a.ndim)) + (0,))


def value_and_jacobian(f, x, args=(), argnums=None, *, executor=None, chunk=None):
    """f(x) and its Jacobian, sharing the evaluations.

    Parameters
    ----------
    f, x, args, argnums, executor, chunk
        As for `jacobian`.

    Returns
    -------
    value : float or ndarray
        f(x).
    J : ndarray of shape ``np.shape(f(x)) + np.shape(x)`` (a tuple of arrays
        for tuple argnums).

    Examples
    --------
    >>> v, J = value_and_jacobian(lambda x: [x[0] * x[1], x[0]], [2.0, 5.0])
    >>> v
    array([10.,  2.])
    >>> J
    array([[5., 2.],
           [1., 0.]])
    """
    args = _check_args(args)
    if argnums is not None:
        g, z0, unpack = _pack(f, x, argnums, args)
        v, J = _jacobian_core(g, z0, args, executor, chunk)
        return _out(v), unpack(J, v.ndim)
    x = S.as_point(x)
    v, J = _jacobian_core(f, x, args, executor, chunk)
    return _out(v), _out(J)


def jacobian(f, x, args=(), argnums=None, *, sparse=False, sparsity=None, executor=None,
             chunk=None):
    """The Jacobian of f at x: ``J[i..., j...] = d f(x)[i...] / d x[j...]``.

    Parameters
    ----------
    f : callable
        ``f(x, *args)`` returning a number, a sequence of numbers or an array.
    x : array_like
        The point (any shape).  With ``argnums``, a tuple of all of f's inputs.
    args : tuple, optional
        Extra arguments passed to f.
    argnums : int or tuple of int, optional
        Differentiate ``f(*x, *args)`` in these positions; the result is one
        array (int) or a tuple of arrays (tuple).
    sparse : bool, optional
        Return a ``scipy.sparse.csr_array`` of shape (f(x).size, x.size) from
        sparsity detection, coloring and compressed passes
        (:func:`dualcalc.sparse_jacobian`).
    sparsity : pattern, optional
        A known pattern (implies ``sparse=True``); its coloring is cached.
    executor : concurrent.futures.Executor, optional
        Evaluates the passes (chunks of directions; colors when sparse)
        through ``executor.map``: a process pool, or a cluster through
        ``dask.distributed.Client.get_executor()``.  f and args must pickle
        for processes (a module-level function).  The result is bitwise equal
        to the serial run with the same ``chunk``.
    chunk : int, optional
        Directions per pass (default: dualcalc's memory-bounded chunk, often
        all of x in one pass); with an executor, each pass is one task.

    Returns
    -------
    ndarray of shape ``np.shape(f(x)) + np.shape(x)``.

    Examples
    --------
    >>> import numpy as np, dualcalc.math as math
    >>> jacobian(lambda x: [x[0]**2 * x[1], 5*x[0] + math.sin(x[1])], [1.0, 0.0])
    array([[0., 1.],
           [5., 1.]])
    """
    if sparse or sparsity is not None:
        from dualcalc.sparse import sparse_jacobian
        if argnums is not None:
            raise ValueError("sparse=True takes one array x, not argnums")
        return sparse_jacobian(f, x, args=args, sparsity=sparsity, executor=executor,
                               chunk=chunk)
    return value_and_jacobian(f, x, args=args, argnums=argnums, executor=executor,
                              chunk=chunk)[1]


def value_and_gradient(f, x, args=(), argnums=None, *, executor=None, chunk=None):
    """f(x) and its gradient, sharing the evaluations.

    Parameters
    ----------
    f, x, args, argnums, executor, chunk
        As for `gradient`.

    Returns
    -------
    value : float
        f(x).
    grad : ndarray of x's shape (a float for scalar x, a tuple for tuple argnums).

    Examples
    --------
    >>> value_and_gradient(lambda x: x[0]**2 * x[1] + 3*x[1]**2, [1.0, 2.0])
    (14.0, array([ 4., 13.]))
    """
    if argnums is None and executor is None and chunk is None:
        r = _gradient_pass(f, x, args, _ONE_PASS)      # None unless x is small (compiled pass)
        if r is not None:
            return _gradient_read(*r, x, "gradient")
    args = _check_args(args)
    if argnums is not None:
        g, z0, unpack = _pack(f, x, argnums, args)
        v, J = _jacobian_core(g, z0, args, executor, chunk)
        _require_scalar(v, "gradient")
        return float(v), unpack(J, 0)
    x = S.as_point(x)
    if type(f) is Compiled and x.ndim and executor is None and chunk is None:
        r = f.value_and_gradient(x, args)            # a recorded f's hot path
        if r is UNCOMPILED:
            f = f.fn
        elif r is not None:
            return r
    v, J = _jacobian_core(f, x, args, executor, chunk)
    if v.ndim:
        _require_scalar(v, "gradient")
    return float(v), (J if J.ndim else float(J))


def _require_scalar(v, verb):
    if np.shape(v) != ():
        raise ValueError(
            f"{verb} needs f to return a single number; it returned shape {np.shape(v)}. "
            "Use jacobian for vector-valued functions.")


def _gradient(f, x, args=(), argnums=None, *, executor=None, chunk=None):
    """The gradient of a scalar function f at x (same shape as x).

    Parameters
    ----------
    f : callable
        ``f(x, *args)`` returning one number.  NumPy-style code (``np.sum(x**2)``)
        and scalar-style code (``x[0]**2 + x[1]``) both work.
    x : array_like
        The point, any shape.  With ``argnums``, a tuple of all of f's inputs.
    args : tuple, optional
        Extra arguments passed to f.
    argnums : int or tuple of int, optional
        Differentiate ``f(*x, *args)`` with respect to these inputs.
    executor, chunk : optional
        Passes of ``chunk`` directions evaluated through ``executor.map``, as
        for `jacobian`; bitwise equal to the serial run with the same chunk.

    Returns
    -------
    ndarray of x's shape (a float for scalar x; a tuple for tuple argnums).

    Examples
    --------
    >>> gradient(lambda x: x[0]**2 + x[1]**2 + x[2]**2, [1.0, 2.0, 3.0])
    array([2., 4., 6.])
    >>> gradient(lambda x, y: x**2 * y + 3*y**2, (1.0, 2.0), argnums=(0, 1))
    (4.0, 13.0)
    """
    # (the compiled gradient in _core/_passes.pyx has tried the one pass and a
    # recorded f's hot path before it calls this)
    g = value_and_gradient(f, x, args=args, argnums=argnums, executor=executor, chunk=chunk)[1]
    if argnums is not None and not isinstance(argnums, (int, np.integer)):
        return tuple(_out(a) for a in g)
    return _out(g)


def jvp(f, x, v, args=()):
    """The directional derivative J(x) @ v in one forward pass (a Jacobian
    column when v is a unit vector).

    Parameters
    ----------
    f : callable
        ``f(x, *args)`` returning a number, a sequence of numbers or an array.
    x : array_like
        The point.
    v : array_like
        The direction, of x's shape (or flat with x's size).
    args : tuple, optional
        Extra arguments passed to f.

    Returns
    -------
    ndarray of shape ``np.shape(f(x))`` (a float for a scalar f).

    Examples
    --------
    >>> jvp(lambda x: [x[0] * x[1], x[0] + x[1]], [2.0, 3.0], [1.0, 0.0])
    array([3., 1.])
    """
    args = _check_args(args)
    x = S.as_point(x)
    v = S.as_direction(v)
    if v.shape != x.shape:
        if v.size == x.size and v.ndim == 1:
            v = v.reshape(x.shape)
        else:
            raise ValueError(f"v must have x's shape {x.shape}; got {v.shape}")
    if type(f) is Compiled:
        r = f.jvp(x, v, args)
        if r is not None:
            return _out(r)
        f = f.fn
    jv, y, t = _jvp_pass(f, x, v, args)                 # seeded and watched in C
    if jv is not None:
        return jv
    _, tan = S.extract_dual(y, t, 1)
    return _out(tan[0])


# ---------------------------------------------------------------- Hessian family
def _hessian_chunk(n):
    # eps1eps2 holds chunk * n values per element of every intermediate array;
    # keep that near 8 M doubles (64 MB) for a vector of n elements.
    return max(1, min(n, 8_000_000 // max(1, n * n)))


def value_gradient_hessian(f, x, args=(), *, executor=None, chunk=None):
    """f(x), its gradient and its Hessian, from HyperDual evaluations.

    eps1 carries a chunk of the identity and eps2 all of it, both stored
    banded, so a Hessian of elementwise (banded) code costs O(n) per row
    chunk plus the O(n^2) result.  The Hessian is exactly symmetric.

    Parameters
    ----------
    f : callable
        ``f(x, *args)`` returning one number.
    x : array_like
        The point, any shape.
    args : tuple, optional
        Extra arguments passed to f.
    executor, chunk : optional
        Passes of ``chunk`` Hessian rows evaluated through ``executor.map``,
        as for `hessian`.

    Returns
    -------
    value : float
    grad : ndarray of x's shape
    hess : ndarray of shape ``np.shape(x) * 2``

    Examples
    --------
    >>> v, g, H = value_gradient_hessian(lambda x: x[0]**3 - 3*x[0] + x[1]**2, [1.0, 0.0])
    >>> v, g
    (-2.0, array([0., 0.]))
    >>> H
    array([[6., 0.],
           [0., 2.]])
    """
    if executor is None and chunk is None:
        r = _hessian_pass(f, x, args, _ONE_HESSIAN_PASS)   # None unless x is small
        if r is not None:
            return _hessian_read(*r, x)
    args = _check_args(args)
    x = S.as_point(x)
    n = x.size
    if type(f) is Compiled:
        if executor is None and chunk is None:
            r = f.hessian(x, args)                       # a recorded f's hot path
            if r is not None:
                return (r[0], _out(r[1].reshape(x.shape)),
                        _out(r[2].reshape(x.shape + x.shape)))
            r = f.second(x, args)
            if r is not None:
                value, shape, grad, H = r
                _require_scalar(value.reshape(shape), "hessian")
                H = H + H.T                                     # exactly symmetric
                H *= 0.5
                return (float(value[0]), _out(grad.reshape(x.shape)),
                        _out(H.reshape(x.shape + x.shape)))
        f = f.fn                                   # passes over executors: f itself
    if executor is not None or chunk is not None:
        parts = S.map_passes(executor, S.hessian_pass, f, x,
                             S.check_chunk(chunk, n, _hessian_chunk(n)), args)
        value, grad = parts[0][0], parts[0][1]
        _require_scalar(value, "hessian")
        H = np.concatenate([p[2].reshape(-1, n) for p in parts], axis=0)
        H = H + H.T
        H *= 0.5
        return (float(value), _out(grad.reshape(x.shape)),
                _out(H.reshape(x.shape + x.shape)))
    t1, t2 = _two_tags()
    chunk = _hessian_chunk(n)
    if chunk >= n:                                          # one pass (the usual case)
        y = S.call(f, S.seed_band_hyper(x, 0, n, t1, t2), args)
        value, _, grad, H = S.extract_hyper(y, t1, t2, n, n)
        if value.ndim:
            _require_scalar(value, "hessian")
        H = H.reshape(n, n)
    else:
        H = np.empty((n, n))
        for start, stop in _chunks(n, chunk):
            y = S.call(f, S.seed_band_hyper(x, start, stop, t1, t2), args)
            value, _, grad, e12 = S.extract_hyper(y, t1, t2, stop - start, n)
            _require_scalar(value, "hessian")
            H[start:stop, :] = e12
    H = H + H.T                                             # exactly symmetric
    H *= 0.5
    return (float(value), _out(grad.reshape(x.shape)),
            _out(H.reshape(x.shape + x.shape)))


def _hessian(f, x, args=(), *, sparse=False, sparsity=None, executor=None, chunk=None):
    """The Hessian of a scalar function f at x, shape ``np.shape(x) * 2``.

    One HyperDual pass carries the identity in both eps1 and eps2 (in chunks of
    rows when x is large); the result is exactly symmetric.

    Parameters
    ----------
    f : callable
        ``f(x, *args)`` returning one number.
    x : array_like
        The point, any shape.
    args : tuple, optional
        Extra arguments passed to f.
    sparse : bool, optional
        Return a ``scipy.sparse.csr_array`` (x.size, x.size) from one pass
        of the sparse second-order mode, or (for functions it does not
        implement, or with an executor) from sparsity detection, star
        coloring and one hvp per color (:func:`dualcalc.sparse_hessian`).
    sparsity : pattern, optional
        A known pattern (implies ``sparse=True``); its coloring is cached.
    executor : concurrent.futures.Executor, optional
        Evaluates the passes (chunks of Hessian rows; one hvp per color when
        sparse) through ``executor.map``; f and args must pickle for
        processes.  Bitwise equal to the serial run with the same ``chunk``.
    chunk : int, optional
        Hessian rows per pass (default: dualcalc's memory-bounded chunk).

    Returns
    -------
    ndarray of shape ``np.shape(x) * 2`` (a float for scalar x).

    Examples
    --------
    >>> hessian(lambda x: x[0]**2 * x[1] + 3*x[1]**2, [1.0, 2.0])
    array([[4., 2.],
           [2., 6.]])
    """
    if sparse or sparsity is not None:
        from dualcalc.sparse import sparse_hessian
        if chunk is not None:
            raise ValueError("chunk= is for dense Hessians; a sparse Hessian makes one pass "
                             "per color")
        return sparse_hessian(f, x, args=args, sparsity=sparsity, executor=executor)
    # (the compiled hessian in _core/_passes.pyx has tried the one pass and a
    # recorded f's hot path before it calls this)
    return value_gradient_hessian(f, x, args=args, executor=executor, chunk=chunk)[2]


def hvp(f, x, v, args=()):
    """The Hessian-vector product H(x) @ v without forming H.

    One HyperDual pass: eps1 carries the identity and eps2 the one direction
    v, all stored banded (``dualcalc._core._arrays.seed_hvp``), so for
    elementwise NumPy code the cost is a small multiple of a gradient's and
    memory is O(n).  Code that the band does not survive (matrix products,
    Python-level sums of many items) falls back to dense tangents of
    O(n) per element: still exact, about twice the work of a gradient of
    the same code.

    Parameters
    ----------
    f : callable
        ``f(x, *args)`` returning one number.
    x : array_like
        The point, any shape.
    v : array_like
        The direction, of x's shape (or flat with x's size).
    args : tuple, optional
        Extra arguments passed to f.

    Returns
    -------
    ndarray of x's shape (a float for scalar x).

    Examples
    --------
    >>> hvp(lambda x: x[0]**2 * x[1] + 3*x[1]**2, [1.0, 2.0], [1.0, 0.0])
    array([4., 2.])
    >>> import numpy as np
    >>> from scipy.optimize import rosen, rosen_hess_prod
    >>> x, v = np.linspace(-1.0, 1.0, 500), np.ones(500)
    >>> np.allclose(hvp(rosen, x, v), rosen_hess_prod(x, v), rtol=1e-13)
    True
    """
    args = _check_args(args)
    x = S.as_point(x)
    v = S.as_direction(v)
    if v.shape != x.shape:
        if v.size == x.size and v.ndim == 1:
            v = v.reshape(x.shape)
        else:
            raise ValueError(f"v must have x's shape {x.shape}; got {v.shape}")
    if type(f) is Compiled:
        r = f.second(x, args, v=v)
        if r is not None:
            value, shape, _, e12 = r
            _require_scalar(value.reshape(shape), "hvp")
            return _out(e12[0, :, 0].reshape(x.shape))
        f = f.fn
    n = x.size
    if 2 <= n <= _ONE_PASS:                                 # one pass, seeded in C
        hv, y, t1, t2 = _hvp_pass(f, x, v, args)
        if hv is not None:
            return hv
        val, _, _, e12 = S.extract_hyper(y, t1, t2, n, 1)
        if val.ndim:
            _require_scalar(val, "hvp")
        return _out(e12.reshape(x.shape))
    t1, t2 = _two_tags()
    chunk = S.chunk_size(n)
    if chunk >= n:                                          # one pass (n = 1, 0)
        y = S.call(f, S.seed_band_hvp(x, 0, n, v, t1, t2), args)
        val, _, _, e12 = S.extract_hyper(y, t1, t2, n, 1)
        if val.ndim:
            _require_scalar(val, "hvp")
        return _out(e12.reshape(x.shape))
    out = np.empty(n)
    for start, stop in _chunks(n, chunk):
        y = S.call(f, S.seed_band_hvp(x, start, stop, v, t1, t2), args)
        val, _, _, e12 = S.extract_hyper(y, t1, t2, stop - start, 1)
        _require_scalar(val, "hvp")
        out[start:stop] = e12[:, 0]
    return _out(out.reshape(x.shape))


# ---------------------------------------------------------------- gradient and hessian
# The two verbs are compiled functions (dualcalc/_core/_passes.pyx) whose fast
# path -- one pass over a few variables -- runs before any Python frame; they
# hand every other call to _gradient / _hessian above, and take their
# documentation, name and module from them.
def _adopt(verb, impl):
    verb.__doc__ = impl.__doc__
    verb.__module__ = impl.__module__
    verb.__name__ = verb.__qualname__ = impl.__name__.lstrip("_")
    return verb


gradient = _adopt(_passes.gradient, _gradient)
hessian = _adopt(_passes.hessian, _hessian)
_passes.wire_verbs(_gradient, lambda r, x: _gradient_read(*r, x, "gradient")[1], _ONE_PASS,
                   _hessian, lambda r, x: _hessian_read(*r, x)[2], _ONE_HESSIAN_PASS)
