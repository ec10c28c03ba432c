"""Design: the rest of NumPy's numeric and array-building functions --
convolve/correlate, cross, kron, ediff1d, gradient, trapezoid, sinc, select,
piecewise, nan_to_num, vander, linspace/logspace/geomspace, meshgrid, pad,
rot90, rollaxis, block, dstack and the split family, partition,
cumulative_sum, ufunc.at, and the numpy.linalg aliases of NumPy 2.  Each is a
composition of the exactly differentiated operations (products, sums, gathers,
structure), or applies a linear NumPy operation to every component."""
import operator

import numpy as np

from dualcalc._core import _arrays as _A
from dualcalc.arrays._dispatch import (
    value_of, _components, _map, _operand, _DUALS, _is_dual, _norm_axis, _norm_axes, _IMPL,
    _UMETH, _implements, _check_dtype, _store, _constant_like, _lift_all)
from dualcalc.arrays.structure import (
    _ravel, _transpose, _flip, _concatenate, _where, _take_along_axis, _make_split, _copy,
    _matrix_transpose)
from dualcalc.arrays.reductions import _max, _min, _cumsum
from dualcalc.arrays.tensor_contractions import _multilinear, _tensordot, _outer, _matmul_ufunc


def _dual_or_plain(a):
    a = _operand(a)
    return a if type(a) in _DUALS else np.asarray(a, dtype=np.float64)


def _with_value(r, val):
    """r (a dual array) with its value replaced by NumPy's own (bit-for-bit)."""
    if type(r) not in _DUALS:
        return r
    comps, _ = _components(r)
    return _A.rebuild(r, (np.asarray(val, dtype=np.float64),) + tuple(comps[1:]))


# ---------------------------------------------------------------- convolution
def _full_convolve(a, v):
    """full convolution of two 1-D arrays: M @ a with M[k, i] = v[k - i]."""
    n, m = value_of(a).shape[0], value_of(v).shape[0]
    k = np.arange(n + m - 1)[:, None]
    i = np.arange(n)[None, :]
    idx = k - i
    idx = np.where((idx >= 0) & (idx < m), idx, m)           # m: the appended zero
    vz = _concatenate([v, np.zeros(1)], 0) if _is_dual(v) else np.concatenate([v, [0.0]])
    M = vz[idx] if _is_dual(vz) else vz[idx]
    return np.matmul(M, a)


def _mode_slice(full, n, m, mode):
    if mode == "full":
        return full
    if mode == "same":
        start = (min(n, m) - 1) // 2
        return full[start:start + max(n, m)]
    if mode == "valid":
        return full[min(n, m) - 1:max(n, m)]
    raise ValueError("mode must be one of 'full', 'same' or 'valid'")


@_implements(np.convolve)
def _convolve(a, v, mode="full"):
    a, v = _dual_or_plain(a), _dual_or_plain(v)
    n, m = value_of(a).size, value_of(v).size
    if n == 0 or m == 0:
        raise ValueError("v cannot be empty" if m == 0 else "a cannot be empty")
    a = _ravel(a) if _is_dual(a) else np.ravel(a)
    v = _ravel(v) if _is_dual(v) else np.ravel(v)
    r = _mode_slice(_full_convolve(a, v), n, m, mode)
    return _with_value(r, np.convolve(value_of(a), value_of(v), mode))


@_implements(np.correlate)
def _correlate(a, v, mode="valid"):
    a, v = _dual_or_plain(a), _dual_or_plain(v)
    n, m = value_of(a).size, value_of(v).size
    vr = _flip(v, 0) if _is_dual(v) else v[::-1]
    full = _full_convolve(a, vr)
    if m > n:                   # NumPy swaps the operands and reverses the result
        full = _flip(full, 0) if _is_dual(full) else full[::-1]
        full = _full_convolve(v, _flip(a, 0) if _is_dual(a) else a[::-1])
        full = _flip(full, 0) if _is_dual(full) else full[::-1]
    r = _mode_slice(full, n, m, mode)
    return _with_value(r, np.correlate(value_of(a), value_of(v), mode))


# ---------------------------------------------------------------- products
@_implements(np.cross)
def _cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = _dual_or_plain(a), _dual_or_plain(b)
    a = np.moveaxis(a, axisa, -1)
    b = np.moveaxis(b, axisb, -1)
    na, nb = value_of(a).shape[-1], value_of(b).shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n"
                         "(dimension must be 2 or 3)")
    a0, a1 = a[..., 0], a[..., 1]
    b0, b1 = b[..., 0], b[..., 1]
    a2 = a[..., 2] if na == 3 else 0.0
    b2 = b[..., 2] if nb == 3 else 0.0
    if na == 2 and nb == 2:
        return a0 * b1 - a1 * b0
    c = np.stack(np.broadcast_arrays(a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0),
                 axis=-1)
    return np.moveaxis(c, -1, axisc)


@_implements(np.kron)
def _kron(a, b):
    a, b = _dual_or_plain(a), _dual_or_plain(b)
    sa, sb = value_of(a).shape, value_of(b).shape
    nd = max(len(sa), len(sb))
    sa = (1,) * (nd - len(sa)) + sa
    sb = (1,) * (nd - len(sb)) + sb
    ea = sum(((n, 1) for n in sa), ())
    eb = sum(((1, n) for n in sb), ())
    r = np.reshape(a, ea) * np.reshape(b, eb)
    return np.reshape(r, tuple(x * y for x, y in zip(sa, sb)))


# ---------------------------------------------------------------- differences, integrals
@_implements(np.ediff1d)
def _ediff1d(ary, to_end=None, to_begin=None):
    a = np.ravel(_dual_or_plain(ary))
    parts = []
    if to_begin is not None:
        parts.append(np.ravel(_dual_or_plain(to_begin)))
    parts.append(a[1:] - a[:-1])
    if to_end is not None:
        parts.append(np.ravel(_dual_or_plain(to_end)))
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


@_implements(np.gradient)
def _gradient(f, *varargs, axis=None, edge_order=1):
    """Linear in f for plain spacings: NumPy's gradient applied to every component."""
    if any(_is_dual(v) for v in varargs):
        raise TypeError("dualcalc: numpy.gradient on dual arrays needs plain spacings "
                        "(varargs); only f may carry derivatives")
    f = _operand(f)
    nd = value_of(f).ndim
    axes = _norm_axes(axis, nd)
    if len(varargs) == 0:
        spacing = [()] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacing = [(varargs[0],)] * len(axes)
    elif len(varargs) == len(axes):
        spacing = [(v,) for v in varargs]
    else:
        raise TypeError("invalid number of arguments")
    out = [_map(f, lambda c, lead, ax=ax, sp=sp: np.gradient(c, *sp, axis=ax + lead,
                                                             edge_order=edge_order))
           for ax, sp in zip(axes, spacing)]
    return out[0] if len(out) == 1 else tuple(out)


def _trapezoid_impl(y, x=None, dx=1.0, axis=-1):
    y = _dual_or_plain(y)
    nd = value_of(y).ndim
    ax = _norm_axis(axis, nd)
    y = np.moveaxis(y, ax, -1)
    if x is None:
        d = dx
    else:
        x = _dual_or_plain(x)
        if np.ndim(value_of(x)) == 1:
            d = x[1:] - x[:-1]
        else:
            x = np.moveaxis(x, ax, -1)
            d = x[..., 1:] - x[..., :-1]
    return np.sum(d * (y[..., 1:] + y[..., :-1]) / 2.0, axis=-1)


if hasattr(np, "trapezoid"):
    _IMPL[np.trapezoid] = _trapezoid_impl
if hasattr(np, "trapz"):
    _IMPL[np.trapz] = _trapezoid_impl


# ---------------------------------------------------------------- elementwise helpers
@_implements(np.sinc)
def _sinc(x):
    """sin(pi x)/(pi x); at 0 its Taylor polynomial 1 - (pi x)**2/6, which has
    sinc's value and first two derivatives there."""
    x = _operand(x)
    zero = value_of(x) == 0
    px = np.pi * x
    safe = _where(zero, 1.0, px)
    r = _where(zero, 1.0 - px * px / 6.0, np.sin(safe) / safe)
    return _with_value(r, np.sinc(value_of(x)))


@_implements(np.select)
def _select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    r = default
    for cond, choice in zip(reversed(condlist), reversed(choicelist)):
        r = _where(np.asarray(value_of(cond), dtype=bool), choice, r)
    return r


@_implements(np.piecewise)
def _piecewise(x, condlist, funclist, *args, **kw):
    x = _operand(x)
    xv = value_of(x)
    if isinstance(condlist, np.ndarray) and condlist.ndim == xv.ndim or not isinstance(
            condlist, (list, tuple)) or np.ndim(value_of(condlist[0])) == 0 and xv.ndim > 0:
        condlist = [condlist]
    conds = [np.asarray(value_of(c), dtype=bool) for c in condlist]
    if len(funclist) == len(conds) + 1:
        other = ~np.any(conds, axis=0)
        conds.append(other)
    elif len(funclist) != len(conds):
        raise ValueError("with {0} condition(s), either {0} or {1} functions are expected"
                         .format(len(conds), len(conds) + 1))
    y = np.zeros_like(x)
    for cond, fn in zip(conds, funclist):
        if not callable(fn):
            y = _where(cond, fn, y)
        elif cond.any():
            vals = fn(x[cond], *args, **kw)
            full = np.zeros_like(x)
            full[cond] = vals
            y = _where(cond, full, y)
    return y


@_implements(np.nan_to_num)
def _nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    x = _operand(x)
    v = value_of(x)
    out = np.nan_to_num(v, copy=True, nan=nan, posinf=posinf, neginf=neginf)
    keep = np.isfinite(v)
    return _where(keep, x, out)


@_implements(np.vander)
def _vander(x, N=None, increasing=False):
    """Columns of successive products (x**0 = 1 has derivative 0 everywhere)."""
    x = _operand(x)
    n = value_of(x).shape[0] if N is None else N
    cols = []
    p = _constant_like(x, np.ones(value_of(x).shape)) if _is_dual(x) else np.ones_like(x)
    for _ in range(n):
        cols.append(p)
        p = p * x
    r = np.stack(cols, axis=1)
    return r if increasing else _flip(r, 1)


# ---------------------------------------------------------------- ranges and grids
def _ramp(num, endpoint, axis_shape_nd, axis):
    div = (num - 1) if endpoint else num
    t = np.arange(num, dtype=np.float64) / div if div > 0 else np.zeros(num)
    if endpoint and num > 1:
        t[-1] = 1.0
    shape = [1] * (axis_shape_nd + 1)
    shape[axis] = num
    return t.reshape(shape), div


@_implements(np.linspace)
def _linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
              device=None):
    _check_dtype("linspace", dtype)
    num = operator.index(num)
    start, stop = _dual_or_plain(start), _dual_or_plain(stop)
    nd = max(np.ndim(value_of(start)), np.ndim(value_of(stop)))
    ax = _norm_axis(axis, nd + 1)
    t, div = _ramp(num, endpoint, nd, ax)
    s = np.expand_dims(start, ax) if nd else start
    e = np.expand_dims(stop, ax) if nd else stop
    r = s * (1.0 - t) + e * t
    val = np.linspace(value_of(start), value_of(stop), num, endpoint, axis=axis)
    r = _with_value(r, val)
    if retstep:
        step = (stop - start) / div if div > 0 else np.nan * (stop - start)
        return r, step
    return r


@_implements(np.logspace)
def _logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    _check_dtype("logspace", dtype)
    y = _linspace(start, stop, num=num, endpoint=endpoint, axis=axis)
    return np.power(base, y)


@_implements(np.geomspace)
def _geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """start**(1 - t) * stop**t (same signs), NumPy's value."""
    _check_dtype("geomspace", dtype)
    start, stop = _dual_or_plain(start), _dual_or_plain(stop)
    sv, ev = value_of(start), value_of(stop)
    if np.any(sv == 0) or np.any(ev == 0):
        raise ValueError("Geometric sequence cannot include zero")
    if np.any(np.sign(sv) != np.sign(ev)):
        raise TypeError("dualcalc: numpy.geomspace between numbers of opposite signs "
                        "(complex values) is not supported on dual arrays")
    sign = np.sign(sv)
    y = _linspace(np.log(start * sign), np.log(stop * sign), num=num, endpoint=endpoint,
                  axis=axis)
    nd = max(np.ndim(sv), np.ndim(ev))
    sg = np.expand_dims(sign, _norm_axis(axis, nd + 1)) if nd else sign
    r = np.exp(y) * sg
    return _with_value(r, np.geomspace(sv, ev, num, endpoint, axis=axis))


@_implements(np.meshgrid)
def _meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    ndim = len(xi)
    s0 = (1,) * ndim
    out = [np.reshape(_dual_or_plain(x), s0[:i] + (-1,) + s0[i + 1:]) for i, x in enumerate(xi)]
    if indexing == "xy" and ndim > 1:
        out[0] = np.reshape(out[0], (1, -1) + s0[2:])
        out[1] = np.reshape(out[1], (-1, 1) + s0[2:])
    if not sparse:
        out = list(np.broadcast_arrays(*out))
    if copy:
        out = [_copy(o) if _is_dual(o) else np.array(o) for o in out]
    return tuple(out)


# ---------------------------------------------------------------- pad
_LINEAR_PAD = ("constant", "edge", "reflect", "symmetric", "wrap", "linear_ramp", "mean",
               "empty")


@_implements(np.pad)
def _pad(array, pad_width, mode="constant", **kwargs):
    """Every mode but a callable: the linear modes pad every component (the
    constants of 'constant' and 'linear_ramp' pad the tangents with 0); maximum,
    minimum and median pad axis by axis with the selected elements' derivatives,
    as NumPy does."""
    if callable(mode):
        raise TypeError("dualcalc: numpy.pad with a callable mode is not supported on dual "
                        "arrays")
    a = _operand(array)
    if not _is_dual(a):
        return np.pad(a, pad_width, mode, **kwargs)
    for key in ("constant_values", "end_values"):
        if _is_dual(kwargs.get(key)):
            raise TypeError("dualcalc: numpy.pad: {0} must be plain numbers".format(key))
    v = value_of(a)
    nd = v.ndim
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.intp).reshape(
        (-1, 2) if np.ndim(pad_width) == 2 else (-1,)), (nd, 2)) if np.ndim(pad_width) else \
        np.full((nd, 2), int(pad_width))
    if np.ndim(pad_width) == 1 and len(pad_width) == 2 and nd != 1:
        widths = np.broadcast_to(np.asarray(pad_width, dtype=np.intp), (nd, 2))
    widths = [tuple(int(x) for x in w) for w in widths]
    val = np.pad(v, pad_width, mode, **kwargs)
    if mode in _LINEAR_PAD:
        tk = dict(kwargs)
        if mode == "constant":
            tk["constant_values"] = 0.0
        if mode == "linear_ramp":
            tk["end_values"] = 0.0
        tmode = "constant" if mode == "empty" else mode
        r = _map(a, lambda c, lead: np.pad(c, [(0, 0)] * lead + widths, tmode, **tk)
                 if lead else np.pad(c, widths, mode, **kwargs))
        return _with_value(r, val)
    if mode not in ("maximum", "minimum", "median"):
        raise ValueError("mode '{0}' is not supported".format(mode))
    stat = {"maximum": _max, "minimum": _min, "median": lambda x, axis, keepdims: np.median(
        x, axis=axis, keepdims=keepdims)}[mode]
    sl = kwargs.get("stat_length")
    sls = np.broadcast_to(np.asarray(sl if sl is not None else 0, dtype=np.intp).reshape(
        (-1, 2) if np.ndim(sl) == 2 else (-1,)), (nd, 2)) if sl is not None else None
    r = a
    for ax in range(nd):
        before, after = widths[ax]
        if not before and not after:
            continue
        n = value_of(r).shape[ax]
        lb = n if sls is None else max(1, min(n, int(sls[ax][0])))
        la = n if sls is None else max(1, min(n, int(sls[ax][1])))
        parts = []
        idx = [slice(None)] * nd
        if before:
            idx[ax] = slice(0, lb)
            s = stat(r[tuple(idx)], axis=ax, keepdims=True)
            shape = list(value_of(r).shape)
            shape[ax] = before
            parts.append(np.broadcast_to(s, tuple(shape)))
        parts.append(r)
        if after:
            idx[ax] = slice(n - la, n)
            s = stat(r[tuple(idx)], axis=ax, keepdims=True)
            shape = list(value_of(r).shape)
            shape[ax] = after
            parts.append(np.broadcast_to(s, tuple(shape)))
        r = _concatenate(parts, ax)
    return _with_value(r, val)


# ---------------------------------------------------------------- structure
@_implements(np.rot90)
def _rot90(m, k=1, axes=(0, 1)):
    m = _operand(m)
    nd = value_of(m).ndim
    a0, a1 = _norm_axis(axes[0], nd), _norm_axis(axes[1], nd)
    if len(axes) != 2 or a0 == a1:
        raise ValueError("len(axes) must be 2 and the axes must be different")
    k %= 4
    if k == 0:
        return _copy(m)
    if k == 2:
        return _flip(_flip(m, a0), a1)
    perm = list(range(nd))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return _transpose(_flip(m, a1), perm)
    return _flip(_transpose(m, perm), a1)


@_implements(np.rollaxis)
def _rollaxis(a, axis, start=0):
    a = _operand(a)
    n = value_of(a).ndim
    axis = _norm_axis(axis, n)
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise np.exceptions.AxisError("start arg requires {0} <= start < {1}".format(-n, n + 1))
    if axis < start:
        start -= 1
    if axis == start:
        return a
    axes = list(range(n))
    axes.remove(axis)
    axes.insert(start, axis)
    return _transpose(a, axes)


def _block_depth(x):
    if isinstance(x, list):
        if not x:
            raise ValueError("List at arrays cannot be empty")
        return 1 + _block_depth(x[0])
    return 0


def _block_leaves(x):
    if isinstance(x, list):
        for i in x:
            yield from _block_leaves(i)
    else:
        yield x


@_implements(np.block)
def _block(arrays):
    if isinstance(arrays, tuple):
        raise TypeError("arrays is a tuple. Only lists can be used to arrange blocks, and "
                        "np.block does not allow implicit conversion from tuple to ndarray.")
    depth = _block_depth(arrays)
    nd = max([depth] + [np.ndim(value_of(_operand(a))) for a in _block_leaves(arrays)])

    def up(a):
        a = _dual_or_plain(a)
        s = value_of(a).shape
        return np.reshape(a, (1,) * (nd - len(s)) + s)

    def rec(x, level):
        if not isinstance(x, list):
            return up(x)
        parts = [rec(i, level + 1) for i in x]
        return np.concatenate(parts, axis=-(depth - level))
    return rec(arrays, 0)


@_implements(np.dstack)
def _dstack(tup):
    return np.concatenate([np.atleast_3d(_dual_or_plain(a)) for a in tup], axis=2)


def _split_family(axis_fn, name):
    def impl(ary, indices_or_sections):
        ary = _operand(ary)
        nd = value_of(ary).ndim
        ax = axis_fn(nd)
        if ax is None:
            raise ValueError("{0} only works on arrays of {1} or more dimensions".format(
                name, 3 if name == "dsplit" else 2))
        if isinstance(indices_or_sections, (int, np.integer)) and \
                value_of(ary).shape[ax] % indices_or_sections:
            raise ValueError("array split does not result in an equal division")
        return _make_split(np.array_split)(ary, indices_or_sections, axis=ax)
    return impl


_IMPL[np.hsplit] = _split_family(lambda nd: 0 if nd == 1 else (1 if nd >= 1 else None), "hsplit")
_IMPL[np.vsplit] = _split_family(lambda nd: 0 if nd >= 2 else None, "vsplit")
_IMPL[np.dsplit] = _split_family(lambda nd: 2 if nd >= 3 else None, "dsplit")


@_implements(np.partition)
def _partition(a, kth, axis=-1, kind="introselect", order=None):
    a = _operand(a)
    if axis is None:
        a = _ravel(a)
        axis = -1
    idx = np.argpartition(value_of(a), kth, axis=axis)
    return _take_along_axis(a, idx, axis=axis)


if hasattr(np, "cumulative_sum"):
    @_implements(np.cumulative_sum)
    def _cumulative_sum(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
        x = _operand(x)
        if axis is None:
            if value_of(x).ndim > 1:
                raise ValueError("axis must be specified for multi-dimensional arrays")
            axis = 0
        r = _cumsum(x, axis=axis, dtype=dtype)
        if include_initial:
            ax = _norm_axis(axis, value_of(x).ndim)
            shape = list(value_of(x).shape)
            shape[ax] = 1
            r = _concatenate([np.zeros(shape), r], ax)
        return _store(r, out, "cumulative_sum")


if hasattr(np, "cumulative_prod"):
    @_implements(np.cumulative_prod)
    def _cumulative_prod(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
        x = _operand(x)
        if axis is None:
            if value_of(x).ndim > 1:
                raise ValueError("axis must be specified for multi-dimensional arrays")
            axis = 0
        r = np.cumprod(x, axis=axis, dtype=dtype)
        if include_initial:
            ax = _norm_axis(axis, value_of(x).ndim)
            shape = list(value_of(x).shape)
            shape[ax] = 1
            r = _concatenate([np.ones(shape), r], ax)
        return _store(r, out, "cumulative_prod")


# ---------------------------------------------------------------- ufunc.at
def _ufunc_at(sign):
    def impl(ufunc, inputs, kwargs):
        a, indices = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) > 2 else None
        if not _is_dual(a):
            raise TypeError("dualcalc: numpy.{0}.at(a, ...) with a dual b needs a dual array "
                            "a to hold the derivatives: start from np.zeros_like(x) (or "
                            "x itself)".format(ufunc.__name__))
        a = _operand(a)
        v = value_of(a)
        pos = np.arange(v.size).reshape(v.shape)[value_of(indices) if not isinstance(
            indices, tuple) else tuple(value_of(i) for i in indices)]
        bb = np.broadcast_to(_dual_or_plain(b), pos.shape)
        f, (ca, cb) = _lift_all([a, bb])
        delta = []
        for c, lead in zip(cb, f.leads()):
            if c is None:
                delta.append(None)
                continue
            acc = np.zeros(c.shape[:lead] + (v.size,))
            np.add.at(acc, (slice(None),) * lead + (pos.ravel(),),
                      sign * np.reshape(c, c.shape[:lead] + (-1,)))
            delta.append(acc.reshape(c.shape[:lead] + v.shape))
        a[...] = a + f.make(delta)
        return None
    return impl


_UMETH[(np.add, "at")] = _ufunc_at(1.0)
_UMETH[(np.subtract, "at")] = _ufunc_at(-1.0)


# ---------------------------------------------------------------- numpy.linalg aliases (NumPy 2)
_la = np.linalg
if hasattr(_la, "matmul"):
    _IMPL[_la.matmul] = lambda x1, x2, /: _matmul_ufunc(np.matmul, (x1, x2), {})
if hasattr(_la, "vecdot"):
    def _la_vecdot(x1, x2, /, *, axis=-1):
        a = np.moveaxis(_dual_or_plain(x1), axis, -1)
        b = np.moveaxis(_dual_or_plain(x2), axis, -1)
        return _multilinear(["...i", "...i"], "...", [a, b])
    _IMPL[_la.vecdot] = _la_vecdot
if hasattr(_la, "tensordot"):
    _IMPL[_la.tensordot] = lambda x1, x2, /, *, axes=2: _tensordot(x1, x2, axes)
if hasattr(_la, "trace"):
    _IMPL[_la.trace] = lambda x, /, *, offset=0, dtype=None: np.trace(
        x, offset, axis1=-2, axis2=-1, dtype=dtype)
if hasattr(_la, "diagonal"):
    _IMPL[_la.diagonal] = lambda x, /, *, offset=0: np.diagonal(x, offset, axis1=-2, axis2=-1)
if hasattr(_la, "outer"):
    _IMPL[_la.outer] = lambda x1, x2, /: _outer(x1, x2)
if hasattr(_la, "cross"):
    _IMPL[_la.cross] = lambda x1, x2, /, *, axis=-1: _cross(x1, x2, axis=axis)
if hasattr(_la, "matrix_transpose"):
    _IMPL[_la.matrix_transpose] = _matrix_transpose
if hasattr(_la, "vector_norm"):
    def _vector_norm_alias(x, /, *, axis=None, keepdims=False, ord=2):
        x = _operand(x)
        if axis is None:
            r = np.linalg.norm(_ravel(x), ord=ord)
            if keepdims:
                r = np.reshape(r, (1,) * value_of(x).ndim)
            return r
        if isinstance(axis, tuple) and len(axis) > 1:
            nd = value_of(x).ndim
            axes = _norm_axes(axis, nd)
            rest = tuple(i for i in range(nd) if i not in axes)
            y = np.reshape(_transpose(x, rest + axes),
                           tuple(value_of(x).shape[i] for i in rest) + (-1,))
            r = np.linalg.norm(y, ord=ord, axis=-1)
            if keepdims:
                r = np.reshape(r, tuple(1 if i in axes else value_of(x).shape[i]
                                        for i in range(nd)))
            return r
        return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    _IMPL[_la.vector_norm] = _vector_norm_alias
if hasattr(_la, "matrix_norm"):
    _IMPL[_la.matrix_norm] = lambda x, /, *, keepdims=False, ord="fro": np.linalg.norm(
        x, ord=ord, axis=(-2, -1), keepdims=keepdims)


# ---------------------------------------------------------------- einsum, interleaved form
_plain_einsum = _IMPL[np.einsum]


def _einsum_any(*operands, out=None, optimize=False, **kwargs):
    if operands and not isinstance(operands[0], str):
        ops = list(operands)
        arrays, subs = ops[0::2], ops[1::2]
        out_sub = None
        if len(ops) % 2 == 1:
            out_sub = ops[-1]
            arrays = ops[0:-1:2]
            subs = ops[1:-1:2]
        letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

        def conv(sub):
            return "".join("..." if s is Ellipsis else letters[operator.index(s)] for s in sub)
        spec = ",".join(conv(s) for s in subs)
        if out_sub is not None:
            spec += "->" + conv(out_sub)
        operands = (spec,) + tuple(arrays)
    return _plain_einsum(*operands, out=out, optimize=optimize, **kwargs)


_IMPL[np.einsum] = _einsum_any
