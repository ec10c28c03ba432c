"""Design: numpy.linalg on dual arrays -- each decomposition or solve computes
its value with NumPy and its tangents from the analytic perturbation formula,
once per type (first order for DualArray, first and mixed second order for
HyperDualArray)."""

import numpy as np

from dualcalc._core import _arrays as _A
from dualcalc._core._arrays import HyperDualArray
from dualcalc.arrays._dispatch import (
    value_of, _components, _operand, _lift_all, _norm_axes, _implements, _constant_like)
from dualcalc.arrays.reductions import _sum, _max, _min
from dualcalc.arrays.structure import _squeeze


# ================================================================ linear algebra
@_implements(np.linalg.inv)
def _inv(a):
    """d(A^-1) = -A^-1 dA A^-1; second order from A X = I differentiated twice."""
    f, [(A0, *dA)] = _lift_all([a])
    X = np.linalg.inv(A0)
    if not f.hyper:
        e = -X @ dA[0] @ X if dA[0] is not None else None
        return f.make([X, e])
    A1, A2, A12 = dA
    X1 = -X @ A1 @ X if A1 is not None else None
    X2 = -X @ A2 @ X if A2 is not None else None
    acc = None
    if A12 is not None:
        acc = A12 @ X
    if A1 is not None and X2 is not None:
        t = A1[:, None] @ X2[None, :]
        acc = t if acc is None else acc + t
    if A2 is not None and X1 is not None:
        t = A2[None, :] @ X1[:, None]
        acc = t if acc is None else acc + t
    X12 = -X @ acc if acc is not None else None
    return f.make([X, X1, X2, X12])


@_implements(np.linalg.solve)
def _solve(a, b):
    """x = A^-1 b; dx = A^-1 (db - dA x), and to second order
    x12 = A^-1 (b12 - A12 x - A1 x2 - A2 x1)."""
    f, [ca, cb] = _lift_all([a, b])
    A0, b0 = ca[0], cb[0]
    if A0.ndim != 2:
        raise TypeError("dualcalc: numpy.linalg.solve on dual arrays supports one (n, n) "
                        "matrix; batched systems are not supported")
    vec = b0.ndim == 1
    x0 = np.linalg.solve(A0, b0)

    def mv(M, x):
        """M (lead..., n, n) applied to x (lead'..., n[, m]) broadcasting leads."""
        if vec:
            return np.einsum("...ij,...j->...i", M, x)
        return M @ x

    def solve_many(rhs, lead):
        """A0^-1 applied to each rhs[lead...]."""
        if rhs is None:
            return None
        shp = rhs.shape
        n = A0.shape[0]
        if vec:
            m = rhs.reshape(-1, n).T
            return np.linalg.solve(A0, m).T.reshape(shp)
        cols = np.moveaxis(rhs.reshape((-1,) + b0.shape), 0, 1).reshape(n, -1)
        sol = np.linalg.solve(A0, cols).reshape((n, -1) + b0.shape[1:])
        return np.moveaxis(sol, 1, 0).reshape(shp)

    def rhs_first(db, dA):
        r = None
        if db is not None:
            r = db
        if dA is not None:
            t = -mv(dA, x0)
            r = t if r is None else r + t
        return r

    if not f.hyper:
        return f.make([x0, solve_many(rhs_first(cb[1], ca[1]), 1)])
    x1 = solve_many(rhs_first(cb[1], ca[1]), 1)
    x2 = solve_many(rhs_first(cb[2], ca[2]), 1)
    r = cb[3]
    if ca[3] is not None:
        t = -mv(ca[3], x0)
        r = t if r is None else r + t
    if ca[1] is not None and x2 is not None:
        t = -mv(ca[1][:, None], x2[None, :])
        r = t if r is None else r + t
    if ca[2] is not None and x1 is not None:
        t = -mv(ca[2][None, :], x1[:, None])
        r = t if r is None else r + t
    return f.make([x0, x1, x2, solve_many(r, 2)])


def _adjugate(A):
    """adj(A) for square A (batched), also for singular A: from the SVD
    A = U S V^T, adj(A) = det(U) det(V^T) V adj(S) U^T with
    adj(S) = diag(prod_{j != i} s_j)."""
    U, s, Vt = np.linalg.svd(A)
    n = s.shape[-1]
    ones = np.ones(s.shape[:-1] + (1,))
    pre = np.concatenate([ones, np.cumprod(s[..., :-1], axis=-1)], axis=-1)
    suf = np.concatenate([np.cumprod(s[..., :0:-1], axis=-1)[..., ::-1], ones], axis=-1)
    excl = pre * suf if n else s
    sign = np.linalg.det(U) * np.linalg.det(Vt)
    adj = np.swapaxes(Vt, -1, -2) @ (excl[..., :, None] * np.swapaxes(U, -1, -2))
    return sign[..., None, None] * adj


@_implements(np.linalg.det)
def _det(a):
    """d det(A) = tr(adj(A) dA) (exact, singular A included); second order
    det * (tr(A^-1 A12) + tr(A^-1 A1) tr(A^-1 A2) - tr(A^-1 A1 A^-1 A2))."""
    f, [(A0, *dA)] = _lift_all([a])
    d = np.asarray(np.linalg.det(A0), dtype=np.float64)

    def tr(M):
        return np.trace(M, axis1=-2, axis2=-1)

    if not f.hyper:
        e = None
        if dA[0] is not None:
            e = tr(_adjugate(A0) @ dA[0])
        return f.make([d, e])
    adj = _adjugate(A0)
    A1, A2, A12 = dA
    d1 = tr(adj @ A1) if A1 is not None else None
    d2 = tr(adj @ A2) if A2 is not None else None
    d12 = tr(adj @ A12) if A12 is not None else None
    if A1 is not None and A2 is not None:
        X = np.linalg.inv(A0)
        M1 = X @ A1
        M2 = X @ A2
        t = d * (tr(M1)[:, None] * tr(M2)[None, :]
                 - np.einsum("a...ij,b...ji->ab...", M1, M2))
        d12 = t if d12 is None else d12 + t
    return f.make([d, d1, d2, d12])


@_implements(np.linalg.slogdet)
def _slogdet(a):
    """(sign, log|det A|): sign is constant; d log|det| = tr(A^-1 dA)."""
    f, [(A0, *dA)] = _lift_all([a])
    sign, logdet = np.linalg.slogdet(A0)
    X = np.linalg.inv(A0)

    def tr(M):
        return np.trace(M, axis1=-2, axis2=-1)

    comps = [np.asarray(logdet, dtype=np.float64)]
    if not f.hyper:
        comps.append(tr(X @ dA[0]) if dA[0] is not None else None)
    else:
        A1, A2, A12 = dA
        comps.append(tr(X @ A1) if A1 is not None else None)
        comps.append(tr(X @ A2) if A2 is not None else None)
        t = tr(X @ A12) if A12 is not None else None
        if A1 is not None and A2 is not None:
            s = -np.einsum("a...ij,b...ji->ab...", X @ A1, X @ A2)
            t = s if t is None else t + s
        comps.append(t)
    return sign, f.make(comps)


@_implements(np.linalg.norm)
def _norm(x, ord=None, axis=None, keepdims=False):
    """Vector and matrix norms by composition of exactly differentiated parts;
    the value is NumPy's own.  At a zero vector the 2-norm's derivative is 0 (the
    sign convention, as for abs)."""
    x = _operand(x)
    v = value_of(x)
    val = np.linalg.norm(v, ord=ord, axis=axis, keepdims=keepdims)
    if axis is None and (ord is None or (v.ndim == 2 and ord == "fro")):
        axes = tuple(range(v.ndim))
        r = _two_norm(x, axes, keepdims)
    else:
        if axis is None:
            axes = tuple(range(v.ndim))
        else:
            axes = _norm_axes(axis, v.ndim)
        if len(axes) == 1:
            r = _vector_norm(x, ord, axes[0], keepdims)
        elif len(axes) == 2:
            r = _matrix_norm(x, ord, axes, keepdims)
        else:
            raise ValueError("Improper number of dimensions to norm.")
    comps, _ = _components(r)
    return _A.rebuild(r, (np.asarray(val, dtype=np.float64),) + tuple(comps[1:]))


def _two_norm(x, axes, keepdims):
    r = np.sqrt(_sum(x * x, axis=axes, keepdims=keepdims))
    if type(r) is HyperDualArray:
        r = _two_norm_at_zero(x, r, axes, keepdims)
    return r


def _two_norm_at_zero(x, r, axes, keepdims):
    """The 2-norm's second derivative at a zero vector, as for hypot: none exists
    ((I - u u^T) / |x| has no limit at 0), so every Hessian component whose two
    directions both move the vector is nan; components along an exactly zero
    tangent stay 0.  (sqrt(sum(x*x)) alone would give inf on the diagonal and 0
    off it.)  A one-element vector is abs, whose abs''(0) = 0 stands."""
    val, e1, e2, e12 = _components(r)[0]
    zero = val == 0
    if not zero.any():
        return r
    if int(np.prod([np.shape(value_of(x))[a] for a in axes])) <= 1:
        return _A.rebuild(r, (val, e1, e2, np.where(zero, 0.0, e12)))
    xc = _components(x)[0] if type(x) is HyperDualArray else None
    if xc is None:
        return r
    moved = tuple(a + 1 for a in axes)
    m1 = np.any(xc[1] != 0, axis=moved, keepdims=keepdims)
    m2 = np.any(xc[2] != 0, axis=moved, keepdims=keepdims)
    bad = zero & m1[:, None] & m2[None, :]
    return _A.rebuild(r, (val, e1, e2, np.where(bad, np.nan, e12)))


def _vector_norm(x, ord, axis, keepdims):
    if ord is None or ord == 2:
        return _two_norm(x, (axis,), keepdims)
    if ord == np.inf:
        return _max(np.abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return _min(np.abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return _constant_like(x, np.sum(value_of(x) != 0, axis=axis, keepdims=keepdims)
                              .astype(np.float64))
    if ord == 1:
        return _sum(np.abs(x), axis=axis, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError("Invalid norm order '{0}' for vectors".format(ord))
    return _sum(np.abs(x) ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _matrix_norm(x, ord, axes, keepdims):
    r0, c0 = axes
    if ord is None or ord == "fro":
        return _two_norm(x, axes, keepdims)
    if ord in (1, -1, np.inf, -np.inf):
        if ord in (1, -1):
            s = _sum(np.abs(x), axis=r0, keepdims=True)
            pick = _max if ord == 1 else _min
            r = pick(s, axis=c0, keepdims=True)
        else:
            s = _sum(np.abs(x), axis=c0, keepdims=True)
            pick = _max if ord == np.inf else _min
            r = pick(s, axis=r0, keepdims=True)
        if not keepdims:
            r = _squeeze(r, axis=axes)
        return r
    raise TypeError("dualcalc: numpy.linalg.norm(..., ord={0!r}) on matrices is not "
                    "supported on dual arrays (supported: None, 'fro', 1, -1, inf, -inf)"
                    .format(ord))
