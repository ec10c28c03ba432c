"""Design: numpy.linalg on dual arrays -- each decomposition or solve computes
its value with NumPy and its tangents from the analytic perturbation formula,
once per type (first order for DualArray, first and mixed second order for
HyperDualArray)."""

import operator

import numpy as np

from dualcalc._core import _arrays as _A
from dualcalc._core._arrays import DualArray, HyperDualArray
from dualcalc.arrays._dispatch import (
    value_of, _components, _operand, _lift_all, _norm_axes, _implements, _constant_like,
    _make_dual, _own, _IMPL, _is_dual)
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


def _det_second(A, A1, A2):
    """The mixed second derivative of det at A along A1 (p, ...) and A2 (q, ...),
    exact at singular A too: det is a polynomial.  With A = U S V^T,
    det(A + E) = det(U) det(V^T) det(S + U^T E V), and for diagonal S the
    coefficient of s t in det(S + s M1 + t M2) is
    sum_{i != j} (prod_{k != i, j} s_k) (M1_ii M2_jj - M1_ij M2_ji)."""
    U, s, Vt = np.linalg.svd(A)
    n = s.shape[-1]
    sign = np.linalg.det(U) * np.linalg.det(Vt)
    # E[..., i, j] = prod_{k != i, j} s_k (for i != j): s with s_i set to 1,
    # then the exclusive products along the last axis
    eye = np.eye(n, dtype=bool)
    S = np.where(eye, 1.0, s[..., None, :])
    ones = np.ones(S.shape[:-1] + (1,))
    pre = np.concatenate([ones, np.cumprod(S[..., :-1], axis=-1)], axis=-1)
    suf = np.concatenate([np.cumprod(S[..., :0:-1], axis=-1)[..., ::-1], ones], axis=-1)
    E = np.where(eye, 0.0, pre * suf)
    Ut = np.swapaxes(U, -1, -2)
    V = np.swapaxes(Vt, -1, -2)
    M1 = Ut @ A1 @ V
    M2 = Ut @ A2 @ V
    d1 = np.diagonal(M1, axis1=-2, axis2=-1)
    d2 = np.diagonal(M2, axis1=-2, axis2=-1)
    if E.ndim == 2:          # one matrix: two matrix products (BLAS)
        p, q = M1.shape[0], M2.shape[0]
        r = d1 @ E @ d2.T - (M1 * E).reshape(p, -1) @ np.swapaxes(M2, -1, -2).reshape(q, -1).T
    else:
        r = (np.einsum("...ij,a...i,b...j->ab...", E, d1, d2, optimize=True)
             - np.einsum("...ij,a...ij,b...ji->ab...", E, M1, M2, optimize=True))
    return sign * r


@_implements(np.linalg.det)
def _det(a):
    """d det(A) = tr(adj(A) dA) and the second derivative from the SVD
    (:func:`_det_second`): exact, singular A included."""
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
        t = _det_second(A0, A1, A2)
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
    if ord in (2, -2, "nuc"):
        m = np.moveaxis(x, axes, (-2, -1))
        if ord == "nuc":
            r = _nuclear_norm(m)
        else:
            s = np.linalg.svd(m, compute_uv=False) if m.ndim > 2 else _extreme_sv(m, ord)
            r = s[..., 0] if ord == 2 else s[..., -1]
        if keepdims:
            r = np.expand_dims(r, axes)
        return r
    raise TypeError("dualcalc: numpy.linalg.norm(..., ord={0!r}) on matrices is not "
                    "supported on dual arrays (supported: None, 'fro', 'nuc', 1, -1, 2, -2, "
                    "inf, -inf)".format(ord))


def _nuclear_norm(m):
    """Sum of the singular values: d = tr(U^T dA V), well defined at repeated
    singular values (not at zero ones)."""
    (r,) = [_decomposition(_nuc_rule)(m)]
    return r


def _nuc_rule(A, dA):
    U, s, V, P, m, n = _svd_parts(A, dA)
    _require_nonzero(s, "numpy.linalg.norm(..., 'nuc')")
    return ((np.sum(s, axis=-1), np.sum(_diag_of(P), axis=-1)),)


def _extreme_sv(m, ord):
    """All singular values, where only the largest (ord=2) or smallest (-2)
    must be differentiable (the others may repeat)."""
    return _decomposition(lambda A, dA: _sv_one_rule(A, dA, 0 if ord == 2 else -1))(m)


def _sv_one_rule(A, dA, i):
    U, s, V, P, m, n = _svd_parts(A, dA)
    sv = np.asarray(value_of(s))
    tol = _tol(sv)
    if sv.size > 1 and abs(sv[i] - sv[1 if i == 0 else -2]) <= tol:
        _require_splitting_free(s, P, "numpy.linalg.norm(..., ord={0})".format(
            2 if i == 0 else -2))
    if abs(sv[i]) <= tol:
        _require_nonzero(s[..., i:i + 1] if i == 0 else s[..., -1:],
                         "numpy.linalg.norm(..., ord=-2)")
    return ((s, _diag_of(P)),)


# ================================================================ decompositions
# Each rule below is written once, as a first-order perturbation formula
# rule(A, dA, ...) -> ((F, dF), ...): F the output at A, dF its derivative along
# the directions dA (leading axis), using NumPy operations only.  On a DualArray
# it runs on plain arrays.  On a HyperDualArray it runs on dual arrays: A carries
# the eps2 directions and dA = (eps1, eps1eps2), so the rule differentiates
# itself -- the call np.linalg.<f>(A) inside it lands here once more, with plain
# arrays -- and the same formula gives the exact mixed second derivatives.
def _split(o, k, shape):
    """(value, eps) of a possibly plain output o of the nested rule."""
    if type(o) is DualArray:
        return o.value, o.eps
    return np.asarray(o, dtype=np.float64), None


def _decomposition(rule):
    def impl(a, *args, **kwargs):
        f, [comps] = _lift_all([a])
        comps = f.fill(comps)
        if not f.hyper:
            outs = rule(comps[0], comps[1], *args, **kwargs)
            return _pack([o if dF is None else f.make([np.asarray(F, dtype=np.float64), dF])
                          for o, (F, dF) in zip(_values(outs), outs)])
        v, e1, e2, e12 = comps
        A = _make_dual(_own(v), _own(e2), f.t2)
        dA = _make_dual(_own(e1), np.array(np.swapaxes(e12, 0, 1)), f.t2)
        outs = rule(A, dA, *args, **kwargs)
        res = []
        for F, dF in outs:
            if dF is None:
                res.append(value_of(F))
                continue
            val, ev2 = _split(F, f.q, None)
            ev1, e12 = _split(dF, f.q, None)
            res.append(f.make([val, ev1, ev2,
                               None if e12 is None else np.swapaxes(e12, 0, 1)]))
        return _pack(res)
    impl.__name__ = rule.__name__
    impl.__doc__ = rule.__doc__
    return impl


def _values(outs):
    return [value_of(F) for F, _ in outs]


def _pack(res):
    return res[0] if len(res) == 1 else tuple(res)


def _T(M):
    return np.swapaxes(M, -1, -2)


def _diag_of(M):
    return np.diagonal(M, axis1=-2, axis2=-1)


def _tol(vals):
    v = np.abs(value_of(vals))
    scale = v.max() if v.size else 0.0
    return 64 * max(v.shape[-1] if v.ndim else 1, 1) * np.finfo(np.float64).eps * \
        (scale if scale > 0 else 1.0)


def _gaps(w):
    """1 / (w_j - w_i) off the diagonal, 0 on it (w sorted or not)."""
    n = value_of(w).shape[-1]
    eye = np.eye(n)
    diff = w[..., None, :] - w[..., :, None]
    return (1.0 - eye) / (diff + eye)


def _require_distinct(w, what, tol=None):
    v = np.asarray(value_of(w))
    tol = _tol(v) if tol is None else tol
    s = np.sort(v, axis=-1)
    if v.shape[-1] > 1 and np.any(np.diff(s, axis=-1) <= tol):
        raise ValueError(
            "dualcalc: {0} has repeated values (within {1:.1e}): its derivative does not "
            "exist there (the basis of a repeated eigen- or singular space is arbitrary). "
            "Differentiate a function that is smooth there instead (the trace, the sum "
            "of the values, the projector), or perturb the matrix.".format(what, tol))


def _require_splitting_free(w, P, what):
    """Values of a repeated cluster have derivatives only along tangents that do
    not split the cluster: P (the tangent in the eigenbasis) must be c I on it."""
    v = np.asarray(value_of(w))
    P = np.asarray(value_of(P))
    tol = _tol(v)
    n = v.shape[-1]
    if v.ndim != 1 or n < 2:
        if v.ndim != 1:
            _require_distinct(w, what)
        return
    order = np.argsort(v)
    sv = v[order]
    same = np.abs(sv[:, None] - sv[None, :]) <= tol
    if not (same.sum() > n):
        return
    Pn = P[..., order[:, None], order[None, :]]
    ptol = 64 * n * np.finfo(np.float64).eps * max(np.abs(Pn).max() if Pn.size else 0, 1e-300)
    off = same & ~np.eye(n, dtype=bool)
    d = np.diagonal(Pn, axis1=-2, axis2=-1)
    if (np.abs(Pn[..., off]) > ptol).any() or (
            np.abs(d[..., :, None] - d[..., None, :])[..., same] > ptol).any():
        raise ValueError(
            "dualcalc: {0} has repeated values and the tangent splits them: the "
            "derivative does not exist (it depends on the direction non-linearly). "
            "Differentiate a smooth function of the cluster (its sum, the trace) or "
            "perturb the matrix.".format(what))


def _sandwich(L, dA, R):
    """L @ dA @ R for dA with leading direction axes: on plain (n, n) L and R
    two matrix products over all directions at once (BLAS) instead of one
    small product per direction."""
    if type(dA) is np.ndarray and type(L) is np.ndarray and type(R) is np.ndarray \
            and L.ndim == 2 and R.ndim == 2 and dA.ndim == 3:
        k, m, n = dA.shape
        Y = (dA.reshape(k * m, n) @ R).reshape(k, m, R.shape[1])
        Z = np.swapaxes(Y, 1, 2).reshape(-1, m) @ L.T
        return np.swapaxes(Z.reshape(k, R.shape[1], L.shape[0]), 1, 2)
    return L @ dA @ R


def _sym_from(dA, lower):
    """The symmetric tangent that a routine reading one triangle sees."""
    n = value_of(dA).shape[-1]
    lo = np.tril(np.ones((n, n)), -1)
    T = _T(dA) if not lower else dA
    return T * lo + _T(T * lo) + T * np.eye(n)


def _eigh_rule(A, dA, UPLO="L"):
    """eigh: dw = diag(V^T dA V), dV = V (F o V^T dA V) with F_ij = 1/(w_j - w_i);
    dA is the symmetric matrix of the triangle that eigh reads."""
    dA = _sym_from(dA, UPLO.upper() == "L")
    w, V = np.linalg.eigh(A, UPLO)
    P = _sandwich(_T(V), dA, V)
    _require_distinct(w, "numpy.linalg.eigh (eigenvectors)")
    return (w, _diag_of(P)), (V, V @ (_gaps(w) * P))


def _eigvalsh_rule(A, dA, UPLO="L"):
    """eigvalsh: dw = diag(V^T dA V) (a repeated eigenvalue only along tangents
    that do not split it)."""
    dA = _sym_from(dA, UPLO.upper() == "L")
    w, V = np.linalg.eigh(A, UPLO)
    P = _sandwich(_T(V), dA, V)
    _require_splitting_free(w, P, "numpy.linalg.eigvalsh")
    return ((w, _diag_of(P)),)


def _real_eig(A, name):
    w, V = np.linalg.eig(A)
    if np.iscomplexobj(value_of(w)):
        raise ValueError("dualcalc: {0} has complex eigenvalues here; dual arrays are "
                         "real (only real, distinct eigenvalues are supported)".format(name))
    return w, V


def _eig_rule(A, dA):
    """eig (real distinct eigenvalues): dw = diag(V^-1 dA V); dV = V (F o V^-1 dA V),
    then each column kept at unit length as NumPy returns it."""
    w, V = _real_eig(A, "numpy.linalg.eig")
    _require_distinct(w, "numpy.linalg.eig")
    P = _sandwich(np.linalg.inv(V), dA, V)
    dV = V @ (_gaps(w) * P)
    dV = dV - V * np.sum(V * dV, axis=-2)[..., None, :]
    return (w, _diag_of(P)), (V, dV)


def _eigvals_rule(A, dA):
    """eigvals (real distinct eigenvalues): dw = diag(V^-1 dA V)."""
    w, V = _real_eig(A, "numpy.linalg.eigvals")
    _require_distinct(w, "numpy.linalg.eigvals")
    return ((w, _diag_of(_sandwich(np.linalg.inv(V), dA, V))),)


def _cholesky_rule(A, dA, upper=False):
    """A = L L^T: dL = L Phi(L^-1 dA L^-T), Phi = strict lower part plus half the
    diagonal; dA is the symmetric matrix of the triangle cholesky reads."""
    if upper:
        (L, dL), = _cholesky_rule(_T(A), _T(dA))
        return ((_T(L), _T(dL)),)
    dA = _sym_from(dA, True)
    L = np.linalg.cholesky(A)
    n = value_of(L).shape[-1]
    Li = np.linalg.inv(L)
    X = _sandwich(Li, dA, _T(Li))
    phi = np.tril(np.ones((n, n)), -1) + 0.5 * np.eye(n)
    return ((L, L @ (X * phi)),)


def _svd_parts(A, dA):
    m, n = value_of(A).shape[-2:]
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    V = _T(Vh)
    P = _sandwich(_T(U), dA, V)
    return U, s, V, P, m, n


def _require_nonzero(s, what):
    v = np.abs(np.asarray(value_of(s)))
    if v.size and np.any(v <= _tol(v)):
        raise ValueError(
            "dualcalc: {0}: a singular value is zero (within {1:.1e}); singular values "
            "behave like |x| there and have no derivative".format(what, _tol(v)))


def _svd_rule(A, dA, full_matrices=True, compute_uv=True, hermitian=False):
    """Singular values ds = diag(U^T dA V); singular vectors (distinct, nonzero
    singular values) from
    dU = U (F o (P S + S P^T)) + (I - U U^T) dA V S^-1,
    dV = V (F o (S P + P^T S)) + (I - V V^T) dA^T U S^-1, F_ij = 1/(s_j^2 - s_i^2),
    P = U^T dA V."""
    U, s, V, P, m, n = _svd_parts(A, dA)
    ds = _diag_of(P)
    if not compute_uv:
        _require_nonzero(s, "numpy.linalg.svd")
        _require_splitting_free(s, P, "numpy.linalg.svd")
        return ((s, ds),)
    if full_matrices and m != n:
        raise ValueError("dualcalc: numpy.linalg.svd(..., full_matrices=True) of a non-square "
                         "matrix: the extra singular vectors are arbitrary and have no "
                         "derivative; use full_matrices=False")
    _require_distinct(s, "numpy.linalg.svd (singular vectors)")
    _require_nonzero(s, "numpy.linalg.svd (singular vectors)")
    F = _gaps(s * s)
    sr = s[..., None, :]
    sc = s[..., :, None]
    Pt = _T(P)
    dU = U @ (F * (P * sr + sc * Pt))
    dV = V @ (F * (sc * P + Pt * sr))
    if m > n:
        dU = dU + (dA @ V - U @ P) / sr
    elif n > m:
        dV = dV + (_T(dA) @ U - V @ Pt) / sr
    return (U, dU), (s, ds), (_T(V), _T(dV))


def _qr_rule(A, dA, mode="reduced"):
    """A = QR (m >= n, full column rank): with C = Q^T dA R^-1 and
    O = tril(C, -1) - tril(C, -1)^T,  dR = Q^T dA - O R,
    dQ = Q O + (I - Q Q^T) dA R^-1."""
    m, n = value_of(A).shape[-2:]
    if mode not in ("reduced", "r", "complete"):
        raise TypeError("dualcalc: numpy.linalg.qr(..., mode={0!r}) is not supported on dual "
                        "arrays (supported: 'reduced', 'r', 'complete' for square)".format(mode))
    if m < n or (mode == "complete" and m != n):
        raise ValueError("dualcalc: numpy.linalg.qr on dual arrays needs m >= n (and a "
                         "square matrix for mode='complete'): the other factors are not "
                         "unique, so they have no derivative")
    Q, R = np.linalg.qr(A)
    _require_nonzero(_diag_of(R), "numpy.linalg.qr (R has a zero diagonal: A is rank "
                     "deficient)")
    Ri = np.linalg.inv(R)
    QtdA = _T(Q) @ dA
    C = QtdA @ Ri
    low = C * np.tril(np.ones((n, n)), -1)
    O = low - _T(low)
    dR = QtdA - O @ R
    if mode == "r":
        return ((R, dR),)
    dQ = Q @ O + dA @ Ri - Q @ C
    return (Q, dQ), (R, dR)


def _pinv_rule(A, dA, rcond=None, hermitian=False, *, rtol=np._NoValue):
    """Full-rank A (the pseudo-inverse jumps where the rank drops):
    dX = -X dA X + X X^T dA^T (I - A X) + (I - X A) dA^T X^T X."""
    s = np.linalg.svd(value_of(A), compute_uv=False)
    if rcond is not None:
        cut = rcond
    elif rtol is not np._NoValue and rtol is not None:
        cut = rtol
    else:
        cut = max(value_of(A).shape[-2:]) * np.finfo(np.float64).eps
    if s.size and np.any(s <= cut * s.max(axis=-1, keepdims=True)):
        raise ValueError("dualcalc: numpy.linalg.pinv of a rank-deficient matrix: the "
                         "pseudo-inverse is discontinuous where the rank drops, so it has no "
                         "derivative there")
    X = np.linalg.pinv(A)
    m, n = value_of(A).shape[-2:]
    dAt = _T(dA)
    dX = -X @ dA @ X
    if m > n:        # X A = I
        dX = dX + X @ _T(X) @ dAt @ (np.eye(m) - A @ X)
    elif n > m:      # A X = I
        dX = dX + (np.eye(n) - X @ A) @ dAt @ _T(X) @ X
    return ((X, dX),)


_IMPL[np.linalg.eigh] = _decomposition(_eigh_rule)
_IMPL[np.linalg.eigvalsh] = _decomposition(_eigvalsh_rule)
_IMPL[np.linalg.eig] = _decomposition(_eig_rule)
_IMPL[np.linalg.eigvals] = _decomposition(_eigvals_rule)
_IMPL[np.linalg.cholesky] = _decomposition(_cholesky_rule)
_IMPL[np.linalg.svd] = _decomposition(_svd_rule)
_IMPL[np.linalg.qr] = _decomposition(_qr_rule)
_IMPL[np.linalg.pinv] = _decomposition(_pinv_rule)
if hasattr(np.linalg, "svdvals"):
    _IMPL[np.linalg.svdvals] = lambda x: _IMPL[np.linalg.svd](x, compute_uv=False)


@_implements(np.linalg.lstsq)
def _lstsq(a, b, rcond=None):
    """x = pinv(A) b (full rank: the least-squares solution is then smooth);
    residuals, rank and singular values as NumPy returns them."""
    av = value_of(_operand(a))
    bv = value_of(_operand(b))
    _, _, rank, _ = np.linalg.lstsq(av, bv, rcond=rcond)
    m, n = av.shape
    if rank < min(m, n):
        raise ValueError("dualcalc: numpy.linalg.lstsq of a rank-deficient matrix: the "
                         "minimum-norm solution jumps where the rank drops, so it has no "
                         "derivative there")
    x = np.linalg.pinv(a) @ b
    if m > n:
        r = b - a @ x
        res = np.sum(r * r, axis=0)
        if np.ndim(res) == 0:
            res = np.reshape(res, (1,))
    else:
        res = np.zeros((0,))
    s = np.linalg.svd(a, compute_uv=False) if _is_dual(a) else np.linalg.svd(
        av, compute_uv=False)
    return x, res, rank, s


@_implements(np.linalg.matrix_power)
def _matrix_power(a, n):
    """Repeated squaring on dual matrices (inverse first for n < 0)."""
    a = _operand(a)
    n = operator.index(n)
    v = value_of(a)
    if n == 0:
        return _constant_like(a, np.broadcast_to(np.eye(v.shape[-1]), v.shape).copy())
    if n < 0:
        a = np.linalg.inv(a)
        n = -n
    result = None
    z = a
    while True:
        if n & 1:
            result = z if result is None else result @ z
        n >>= 1
        if not n:
            return result
        z = z @ z
