"""Design: the multilinear engine and the products built on it -- einsum,
matmul (with BLAS fast paths for a constant matrix meeting a DualArray), dot,
inner, outer, vdot, tensordot, vecdot and ufunc.outer.  Each is linear in every
operand, so a tangent term is the same contraction with one operand replaced by
its tangent (the product rule)."""
import string

import numpy as np

from dualcalc._core import _arrays as _A
from dualcalc._core._arrays import DualArray, HyperDualArray
from dualcalc.arrays._dispatch import (
    value_of, _operand, _make_dual, _ndirs_error, _lift_all, _frame, _is_dual, _IMPL, _UMETH,
    _implements, _ufunc_method, _no_out, _check_dtype, _store)
from dualcalc.arrays.structure import _moveaxis, _ravel, _reshape


# ================================================================ multilinear engine
def _parse_einsum(subscripts, nops):
    s = subscripts.replace(" ", "")
    if "->" in s:
        ins, out = s.split("->")
    else:
        ins = s
        letters = ins.replace(",", "").replace(".", "")
        out = ("..." if "..." in ins else "") + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1))
    ins = ins.split(",")
    if len(ins) != nops:
        raise ValueError("einsum: {0} operands for {1} subscripts".format(nops, len(ins)))
    return ins, out


def _fresh(used, n):
    pool = [c for c in string.ascii_letters if c not in used]
    return pool[:n]


def _multilinear(ins, out, operands, optimize=False):
    """einsum(ins -> out) of dual operands by the product rule: linear in each
    operand, so a tangent term is the einsum with one operand replaced by its
    tangent (the direction axes get fresh letters in front)."""
    f, comps = _lift_all(operands)
    used = set("".join(ins) + out)
    P, Q = _fresh(used, 2)
    vals = [c[0] for c in comps]
    spec = ",".join(ins) + "->" + out
    value = np.einsum(spec, *vals, optimize=optimize)
    value = np.asarray(value, dtype=np.float64)

    def term(letters_by_op, comp_by_op, lead_out):
        specs = []
        arrs = []
        for i, (s, v) in enumerate(zip(ins, vals)):
            if i in comp_by_op:
                specs.append(letters_by_op[i] + s)
                arrs.append(comp_by_op[i])
            else:
                specs.append(s)
                arrs.append(v)
        return np.einsum(",".join(specs) + "->" + lead_out + out, *arrs, optimize=optimize)

    def first(slot, letter):
        total = None
        for i, c in enumerate(comps):
            if c[slot] is None:
                continue
            t = term({i: letter}, {i: c[slot]}, letter)
            total = t if total is None else total + t
        return total

    if not f.hyper:
        eps = first(1, P)
        if eps is None:
            eps = np.zeros((f.k,) + value.shape)
        return _make_dual(value, np.asarray(eps, dtype=np.float64), f.tag)
    e1 = first(1, P)
    e2 = first(2, Q)
    e12 = None
    for i, c in enumerate(comps):
        if c[3] is not None:
            t = term({i: P + Q}, {i: c[3]}, P + Q)
            e12 = t if e12 is None else e12 + t
    for i, ci in enumerate(comps):
        if ci[1] is None:
            continue
        for j, cj in enumerate(comps):
            if j == i or cj[2] is None:
                continue
            t = term({i: P, j: Q}, {i: ci[1], j: cj[2]}, P + Q)
            e12 = t if e12 is None else e12 + t
    return f.make([value, e1, e2, e12])


@_implements(np.einsum)
def _einsum(*operands, out=None, optimize=False, **kwargs):
    if not operands or not isinstance(operands[0], str):
        raise TypeError("dualcalc: numpy.einsum on dual arrays needs the subscripts string "
                        "form, einsum('ij,jk->ik', a, b)")
    _no_out("einsum", out)
    if kwargs.get("dtype") is not None:
        _check_dtype("einsum", kwargs["dtype"])
    ins, o = _parse_einsum(operands[0], len(operands) - 1)
    return _multilinear(ins, o, operands[1:], optimize)


def _letters(n, start=0):
    return string.ascii_lowercase[start:start + n]


def _matmul_impl(a, b):
    a = _operand(a)
    b = _operand(b)
    na, nb = np.ndim(value_of(a)), np.ndim(value_of(b))
    if na == 0 or nb == 0:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    fast = _matmul_fast(a, b, na, nb)
    if fast is not None:
        return fast
    if na == 1 and nb == 1:
        return _multilinear(["i", "i"], "", [a, b])
    if na == 1:
        return _multilinear(["j", "...jk"], "...k", [a, b])
    if nb == 1:
        return _multilinear(["...ij", "j"], "...i", [a, b])
    return _multilinear(["...ij", "...jk"], "...ik", [a, b])


def _eps_at(e, M):
    """e (k, m, n) @ M (n, p) as one matrix product (BLAS) over all directions."""
    if e.ndim == 3 and M.ndim == 2:
        k, m, n = e.shape
        return (np.ascontiguousarray(e).reshape(k * m, n) @ M).reshape(k, m, M.shape[1])
    return np.matmul(e, M)


def _at_eps(M, e):
    """M (m, n) @ e (k, n, p) as one matrix product: (e^T M^T)^T."""
    if e.ndim == 3 and M.ndim == 2:
        k, n, p = e.shape
        r = np.ascontiguousarray(np.swapaxes(e, 1, 2)).reshape(k * p, n) @ M.T
        return np.swapaxes(r.reshape(k, p, M.shape[0]), 1, 2)
    return np.matmul(M, e)


# ---------------------------------------------------------------- BLAS and band products
# A component of a 1-D dual operand is either dense, (lead..., n), or banded
# (a Hessian seed and what elementwise code makes of it): ("band", band, off, k)
# with band[r, i] at direction i + off + r, or ("band2", band12, off1, off2, p, q),
# or for an hvp seed's eps1eps2 (q = 1) ("band_q1", band, off, p).
# _con contracts either kind with a constant R over the operand's axis, so a
# product with a seed costs O(width * n * m) and never builds (p, q) + S zeros.
def _fold(c, n):
    """c (lead..., n) as the 2-D (rows, n) it is in memory (zero sizes allowed)."""
    c = np.ascontiguousarray(c)
    return c.reshape(int(np.prod(c.shape[:-1], dtype=np.int64)), n)


def _band_rows(band, off, k, R):
    """sum_i e[:, i] R[i] for banded tangents e (k, n): row r of the band holds
    the entries at directions i + off + r, a contiguous run of k-rows.  A band
    of one row that covers every direction (an identity seed) writes its
    product straight into an uninitialised result."""
    w, n = band.shape
    tail = (1,) * (R.ndim - 1)
    spans = []
    for r in range(w):
        lo, hi = max(0, -(off + r)), min(n, k - off - r)
        if lo < hi:
            spans.append((r, lo, hi))
    if len(spans) == 1 and spans[0][1] + off + spans[0][0] == 0 \
            and spans[0][2] + off + spans[0][0] == k:
        r, lo, hi = spans[0]
        out = np.empty((k,) + R.shape[1:])
        np.multiply(band[r, lo:hi].reshape((hi - lo,) + tail), R[lo:hi], out=out)
        return out
    out = np.zeros((k,) + R.shape[1:])
    for r, lo, hi in spans:
        out[lo + off + r:hi + off + r] += band[r, lo:hi].reshape((hi - lo,) + tail) * R[lo:hi]
    return out


def _band2_rows(band, off1, off2, p, q, R):
    """The same for banded mixed tangents (p, q, n): band[r, c, i] sits at the
    direction pair (i + off1 + r, i + off2 + c); None when they are all zero."""
    w1, w2, n = band.shape
    if not band.any():
        return None
    out = np.zeros((p, q) + R.shape[1:])
    tail = (1,) * (R.ndim - 1)
    i = np.arange(n)
    for r in range(w1):
        for c in range(w2):
            a, b = i + (off1 + r), i + (off2 + c)
            ok = (a >= 0) & (a < p) & (b >= 0) & (b < q)
            rows = band[r, c, ok]
            out[a[ok], b[ok]] += rows.reshape(rows.shape + tail) * R[ok]
    return out


def _con(e, R):
    """sum_i e[..., i] R[i]: component e (None, dense or banded) of a dual
    operand contracted over its last value axis with the constant R."""
    if e is None:
        return None
    if type(e) is tuple:
        if e[0] == "band":
            return _band_rows(e[1], e[2], e[3], R)
        if e[0] == "band_q1":                          # (p, 1) + ...: one eps2 direction
            return _band_rows(e[1], e[2], e[3], R)[:, None]
        return _band2_rows(*e[1:], R)
    n = R.shape[0]
    return (_fold(e, n) @ R).reshape(e.shape[:-1] + R.shape[1:])


def _dense(e, n):
    """Component e as a dense array (lead..., n)."""
    if type(e) is tuple:
        return _con(e, np.eye(n))
    return e


def _hvp_comps(o, b1, off1, p, b2, b12):
    """An hvp seed's components (eps2 one direction whose pieces are summed):
    eps1 banded, eps2 dense (1, n), eps1eps2 banded along eps1 (q = 1)."""
    e12 = b12.sum(axis=1)
    return [o.value, ("band", b1, off1, p), b2.sum(axis=0)[None, :],
            None if not e12.any() else ("band_q1", e12, off1, p)]


def _comps(f, o):
    """The components of operand o in frame f, a 1-D banded one kept banded."""
    if type(o) is HyperDualArray:
        hb = _A.hvp_bands_of(o)
        if hb is not None and hb[0].shape[0] < hb[2]:
            return _hvp_comps(o, *hb)
    bands = _A.bands_of(o) if type(o) in (DualArray, HyperDualArray) else None
    if bands is None or any(b[0].shape[0] >= b[2] for b in bands[:2]):
        return f.lift(o)                     # dense, or bands as wide as dense tangents
    if type(o) is HyperDualArray:
        (b1, o1, p), (b2, o2, q), (b12, p1, p2) = bands
        return [o.value, ("band", b1, o1, p), ("band", b2, o2, q),
                ("band2", b12, p1, p2, p, q)]
    (b, off, k), = bands
    e = ("band", b, off, k)
    if not f.hyper:
        return [o.value, e]
    return [o.value, e, None, None] if o.tag == f.t1 else [o.value, None, e, None]


def _add(acc, t):
    if acc is None:
        return t
    return acc if t is None else acc + t


def _cross(x, y, n):
    """sum_i x[P, i] y[Q, i] (the e1 (x) e2 term) for dense or banded x, y."""
    if x is None or y is None:
        return None
    if type(y) is tuple:
        if type(x) is tuple:
            x = _dense(x, n)
        return np.ascontiguousarray(_con(y, x.T).T)
    return _con(x, y.T)


def _left_matrix(M, e):
    """M @ e for a dense component e (lead..., n, k) of a 2-D operand."""
    if e is None:
        return None
    if M.ndim == 1:
        return np.matmul(M, e)
    return np.swapaxes(_con(np.swapaxes(e, -1, -2), M.T), -1, -2)   # (e^T M^T)^T


def _hyper_const(h, M, h_left):
    """h @ M or M @ h for a HyperDualArray h and a constant M of <= 2 axes: each
    component one BLAS product (or, for a 1-D banded h, straight from its
    bands), and a zero eps1eps2 (a fresh Hessian seed) skipped -- the dense
    einsum of its (p, q) + S zeros with M made the Hessian of a quadratic form
    O(n^4)."""
    f = _frame([h])
    c = _comps(f, h)
    if h_left:
        value = np.matmul(c[0], M)
    else:
        value = np.matmul(M, c[0])
    if h_left or c[0].ndim == 1:
        R = M if h_left else M.T             # M @ v = v @ M.T, per direction
        comps = [_con(e, R) for e in c[1:]]
    else:
        comps = [_left_matrix(M, e) for e in c[1:]]
    return f.make([np.asarray(value, dtype=np.float64)] + comps)


def _vec_dot(a, b):
    """a @ b for two 1-D dual operands: the product rule, each term one BLAS
    call over all directions or a band product (zero components skipped)."""
    f = _frame([a, b])
    A, B = _comps(f, a), _comps(f, b)
    va, vb = A[0], B[0]
    value = np.asarray(np.matmul(va, vb), dtype=np.float64)   # NumPy's shape errors
    n = va.shape[0]
    if not f.hyper:
        return f.make([value, _add(_con(A[1], vb), _con(B[1], va))])
    e12 = _add(_con(A[3], vb), _con(B[3], va))
    e12 = _add(e12, _cross(A[1], B[2], n))
    e12 = _add(e12, _cross(B[1], A[2], n))
    return f.make([value, _add(_con(A[1], vb), _con(B[1], va)),
                   _add(_con(A[2], vb), _con(B[2], va)), e12])


def _matmul_fast(a, b, na, nb):
    """BLAS paths for a constant matrix meeting a DualArray (the common case of
    a model applied to dual parameters or inputs), the same for a
    HyperDualArray, and the dot product of two 1-D dual operands."""
    ta, tb = type(a), type(b)
    if ta is HyperDualArray and tb is not DualArray and tb is not HyperDualArray \
            and na <= 2 and nb <= 2:
        return _hyper_const(a, np.asarray(b, dtype=np.float64), True)
    if tb is HyperDualArray and ta is not DualArray and ta is not HyperDualArray \
            and na <= 2 and nb <= 2:
        return _hyper_const(b, np.asarray(a, dtype=np.float64), False)
    if na == 1 and nb == 1 and ta in (DualArray, HyperDualArray) \
            and tb in (DualArray, HyperDualArray):
        return _vec_dot(a, b)
    if ta is DualArray and tb is not DualArray and tb is not HyperDualArray and nb <= 2:
        bv = np.asarray(b, dtype=np.float64)
        return _make_dual(np.asarray(np.matmul(a.value, bv), dtype=np.float64),
                          _eps_at(a.eps, bv), a.tag)
    if tb is DualArray and ta is not DualArray and ta is not HyperDualArray and na <= 2:
        av = np.asarray(a, dtype=np.float64)
        if nb >= 2:
            return _make_dual(np.asarray(np.matmul(av, b.value), dtype=np.float64),
                              _at_eps(av, b.eps), b.tag)
        # b is a vector: (k, n) tangents -> (k, m) = eps @ av.T
        return _make_dual(np.asarray(np.matmul(av, b.value), dtype=np.float64),
                          np.matmul(b.eps, av.T) if na == 2 else np.matmul(b.eps, av),
                          b.tag)
    if ta is DualArray and tb is DualArray and a.tag == b.tag and na == 2 and nb in (1, 2):
        if a.eps.shape[0] != b.eps.shape[0]:
            raise _ndirs_error({a.eps.shape[0], b.eps.shape[0]})
        v = np.matmul(a.value, b.value)
        if nb == 2:
            e = _eps_at(a.eps, b.value) + _at_eps(a.value, b.eps)
        else:
            e = np.matmul(a.eps, b.value) + np.matmul(b.eps, a.value.T)
        return _make_dual(np.asarray(v, dtype=np.float64), e, a.tag)
    return None


@_ufunc_method(np.matmul, "__call__")
def _matmul_ufunc(ufunc, inputs, kwargs):
    kwargs = dict(kwargs)
    out = kwargs.pop("out", None)
    _check_dtype("matmul", kwargs.pop("dtype", None))
    for key in ("casting", "order", "subok"):
        kwargs.pop(key, None)
    if kwargs:
        raise TypeError("dualcalc: numpy.matmul(..., {0}=) is not supported on dual arrays"
                        .format(next(iter(kwargs))))
    return _store(_matmul_impl(*inputs), out, "matmul")


_IMPL[np.matmul] = lambda a, b, **kw: _matmul_ufunc(np.matmul, (a, b), kw)


if hasattr(np, "vecdot"):
    @_ufunc_method(np.vecdot, "__call__")
    def _vecdot_ufunc(ufunc, inputs, kwargs):
        kwargs = dict(kwargs)
        _no_out("vecdot", kwargs.pop("out", None))
        axis = kwargs.pop("axis", -1)
        a, b = (_moveaxis(_operand(x), axis, -1) if _is_dual(x) else np.moveaxis(x, axis, -1)
                for x in inputs)
        return _multilinear(["...i", "...i"], "...", [a, b])


@_implements(np.dot)
def _dot(a, b, out=None):
    a = _operand(a)
    b = _operand(b)
    na, nb = np.ndim(value_of(a)), np.ndim(value_of(b))
    if na == 0 or nb == 0:
        r = a * b
    elif na <= 2 and nb <= 2:
        r = _matmul_impl(a, b)
    else:
        la = _letters(na)
        lb = _letters(nb, na)
        lb = lb[:-2] + la[-1] + lb[-1] if nb >= 2 else la[-1]
        o = la[:-1] + (lb[:-2] + lb[-1] if nb >= 2 else "")
        r = _multilinear([la, lb], o, [a, b])
    return _store(r, out, "dot")


@_implements(np.inner)
def _inner(a, b):
    a = _operand(a)
    b = _operand(b)
    na, nb = np.ndim(value_of(a)), np.ndim(value_of(b))
    if na == 0 or nb == 0:
        return a * b
    la = _letters(na - 1) + "z"
    lb = _letters(nb - 1, na - 1) + "z"
    return _multilinear([la, lb], la[:-1] + lb[:-1], [a, b])


@_implements(np.outer)
def _outer(a, b, out=None):
    a = _ravel(_operand(a)) if _is_dual(a) else np.ravel(a)
    b = _ravel(_operand(b)) if _is_dual(b) else np.ravel(b)
    return _store(_multilinear(["i", "j"], "ij", [a, b]), out, "outer")


@_implements(np.vdot)
def _vdot(a, b):
    a = _ravel(_operand(a)) if _is_dual(a) else np.ravel(a)
    b = _ravel(_operand(b)) if _is_dual(b) else np.ravel(b)
    return _multilinear(["i", "i"], "", [a, b])


@_implements(np.tensordot)
def _tensordot(a, b, axes=2):
    a = _operand(a)
    b = _operand(b)
    na, nb = np.ndim(value_of(a)), np.ndim(value_of(b))
    if isinstance(axes, (int, np.integer)):
        axa = list(range(na - axes, na))
        axb = list(range(axes))
    else:
        axa, axb = axes
        axa = [axa] if isinstance(axa, (int, np.integer)) else list(axa)
        axb = [axb] if isinstance(axb, (int, np.integer)) else list(axb)
        axa = [x % na for x in axa]
        axb = [x % nb for x in axb]
    la = list(_letters(na))
    lb = list(_letters(nb, na))
    for i, j in zip(axa, axb):
        lb[j] = la[i]
    o = "".join(c for i, c in enumerate(la) if i not in axa) + "".join(
        c for j, c in enumerate(lb) if j not in axb)
    return _multilinear(["".join(la), "".join(lb)], o, [a, b])


def _ufunc_outer(ufunc, inputs, kwargs):
    """ufunc.outer(a, b) for a binary ufunc of the rule table: a broadcast against b."""
    if kwargs:
        raise TypeError("dualcalc: numpy.{0}.outer takes no keywords on dual arrays".format(
            ufunc.__name__))
    a, b = inputs
    nb = np.ndim(value_of(_operand(b)))
    a = _reshape(_operand(a), np.shape(value_of(_operand(a))) + (1,) * nb) if _is_dual(a) \
        else np.reshape(a, np.shape(a) + (1,) * nb)
    return ufunc(a, b)


for _u in list(_A._BINARY_UFUNCS):
    _UMETH[(_u, "outer")] = _ufunc_outer
