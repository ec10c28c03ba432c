"""NumPy functions on dual arrays beyond the elementwise rules: each against an
independent reference (an analytic derivative, or the rule written out by
hand), on both array types (DualArray through jacobian, HyperDualArray through
hessian)."""
import numpy as np
import pytest

import dualcalc as dc

RNG = np.random.default_rng(20261205)


# ---------------------------------------------------------------- fixes of issue 12, part 7
def test_nanmax_nanmin_honour_initial_and_where():
    x = np.array([[1.0, 5.0, np.nan], [4.0, 2.0, 6.0], [0.5, 9.0, 0.25]])
    where = np.array([True, False, True])
    for fn, init in ((np.nanmax, 4.5), (np.nanmin, 0.75), (np.max, 4.5), (np.min, 0.75)):
        xx = x if fn in (np.nanmax, np.nanmin) else np.nan_to_num(x, nan=-1.0)
        val, J = dc.value_and_jacobian(lambda v: fn(v, axis=1, initial=init, where=where), xx)
        np.testing.assert_array_equal(val, fn(xx, axis=1, initial=init, where=where))
        # reference: the selected element (if it is not `initial`) gets derivative 1
        ref = np.zeros((3,) + x.shape)
        for i in range(3):
            row = np.where(where & ~np.isnan(xx[i]), xx[i], np.nan)
            j = (np.nanargmax if fn in (np.nanmax, np.max) else np.nanargmin)(row)
            if row[j] == val[i]:
                ref[i, i, j] = 1.0
        np.testing.assert_array_equal(J, ref)
    # the initial value alone decides a row whose elements all lose
    assert dc.gradient(lambda v: np.nanmax(v, initial=100.0), x).sum() == 0.0


def test_var_std_honour_where():
    x = RNG.normal(size=(3, 4))
    w = np.array([True, False, True, True])
    for ddof in (0, 1):
        val, J = dc.value_and_jacobian(lambda v: np.var(v, axis=1, ddof=ddof, where=w), x)
        np.testing.assert_allclose(val, np.var(x, axis=1, ddof=ddof, where=w), rtol=1e-15)
        m = x[:, w].mean(axis=1)
        ref = np.zeros((3, 3, 4))
        for i in range(3):
            ref[i, i, w] = 2.0 * (x[i, w] - m[i]) / (w.sum() - ddof)
        np.testing.assert_allclose(J, ref, rtol=1e-13, atol=1e-15)
        Js = dc.jacobian(lambda v: np.std(v, axis=1, ddof=ddof, where=w), x)
        sd = np.std(x, axis=1, ddof=ddof, where=w)
        np.testing.assert_allclose(Js, ref / (2.0 * sd)[:, None, None], rtol=1e-13, atol=1e-15)
    # second order: d2 var / dx_i dx_j = 2 (delta_ij - 1/n) / n on the kept elements
    H = dc.hessian(lambda v: np.var(v, where=w), x[0])
    n = w.sum()
    ref = 2.0 * (np.eye(4) - 1.0 / n) / n * np.outer(w, w)
    np.testing.assert_allclose(H, ref, rtol=1e-13, atol=1e-15)


def test_jacobian_of_an_empty_boolean_output_keeps_its_shape():
    x = np.zeros((0, 4))
    assert dc.jacobian(lambda v: v > 0, x).shape == (0, 4, 0, 4)
    assert dc.jacobian(lambda v: v[:, :0] > 0, np.ones((2, 4))).shape == (2, 0, 2, 4)


def test_conjugate_method_of_real_dual_arrays():
    # scipy.linalg.toeplitz calls c.conjugate(): real dual arrays are their own
    # conjugates (toeplitz itself then goes through as_strided, a conversion)
    from dualcalc import DualArray, HyperDualArray
    x = DualArray(np.array([1.0, -2.0]), np.array([[1.0, 3.0]]))
    for y in (x.conjugate(), x.conj(), np.conjugate(x)):
        np.testing.assert_array_equal(y.value, x.value)
        np.testing.assert_array_equal(y.eps, x.eps)
    h = HyperDualArray(np.array([1.0]), np.ones((1, 1)), 2 * np.ones((1, 1)),
                       3 * np.ones((1, 1, 1)))
    np.testing.assert_array_equal(h.conjugate().eps1eps2, h.eps1eps2)
    assert dc.derivative(lambda t: np.sum((t * np.ones(2)).conjugate() ** 2), 3.0) == 12.0


def test_clip_with_a_dual_bound_only():
    xs = np.array([0.0, 1.0, 2.0, 3.0])
    # plain x, dual upper bound (scalar and array): the clipped elements follow t
    assert dc.derivative(lambda t: np.sum(np.clip(xs, 0.5, t)), 1.5) == 2.0
    assert dc.derivative(lambda t: np.sum(np.clip(xs, 0.5, t * np.ones(4))), 1.5) == 2.0
    assert dc.derivative(lambda t: np.sum(np.clip(xs, t, 2.5)), 1.5) == 2.0
    H = dc.hessian(lambda v: np.sum(np.clip(xs, 0.5, v[0] * v[1])), np.array([1.0, 1.5]))
    np.testing.assert_array_equal(H, [[0.0, 2.0], [2.0, 0.0]])


def test_nan_points_with_nan_functions():
    x = np.array([1.0, np.nan, 3.0, 2.0])
    ok = ~np.isnan(x)
    np.testing.assert_array_equal(dc.gradient(np.nansum, x), ok * 1.0)
    np.testing.assert_array_equal(dc.gradient(np.nanmean, x), ok / ok.sum())
    np.testing.assert_allclose(dc.gradient(np.nanprod, x),
                               np.where(ok, 6.0 / np.where(ok, x, 1), 0))
    m = np.nanmean(x)
    np.testing.assert_allclose(dc.gradient(np.nanvar, x), np.where(ok, 2 * (x - m) / 3, 0),
                               rtol=1e-15)
    np.testing.assert_allclose(dc.gradient(np.nanstd, x),
                               np.where(ok, (x - m) / 3 / np.nanstd(x), 0), rtol=1e-15)
    np.testing.assert_array_equal(dc.jacobian(np.nancumsum, x),
                                  np.tril(np.ones((4, 4))) * ok)
    H = dc.hessian(lambda v: np.nansum(v ** 3), x)
    np.testing.assert_array_equal(H, np.diag(np.where(ok, 6 * x, 0)))
    assert dc.gradient(np.nanmax, x).tolist() == [0, 0, 1, 0]


# ---------------------------------------------------------------- issue 12, part 5
def linear_reference(f, x):
    """The Jacobian of a linear f, from NumPy's own f on plain unit inputs."""
    f0 = np.asarray(f(np.zeros_like(x)), dtype=float)
    cols = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = 1.0
        cols.append(np.asarray(f(e.reshape(x.shape)), dtype=float) - f0)
    return np.stack(cols, axis=-1).reshape(f0.shape + x.shape)


def check_linear(f, x):
    val, J = dc.value_and_jacobian(f, x)
    np.testing.assert_allclose(val, f(x), rtol=1e-15, atol=1e-15)   # NumPy's value
    ref = linear_reference(f, x)
    np.testing.assert_allclose(J, ref, rtol=0, atol=1e-13 * max(1.0, np.abs(ref).max()))
    # second order through HyperDualArray: H of |f|^2 / 2 is J^T J
    H = dc.hessian(lambda v: np.sum(f(v) ** 2) / 2.0, x)
    Jf = ref.reshape(-1, x.size)
    np.testing.assert_allclose(H.reshape(x.size, x.size), Jf.T @ Jf, rtol=0,
                               atol=1e-12 * max(1.0, np.abs(Jf).max() ** 2))


X5 = RNG.normal(size=5)
K3 = np.array([0.5, -1.0, 2.0])
M34 = RNG.normal(size=(3, 4))

LINEAR = {
    "convolve full": lambda v: np.convolve(v, K3),
    "convolve same": lambda v: np.convolve(v, K3, "same"),
    "convolve valid": lambda v: np.convolve(K3, v, "valid"),
    "correlate valid": lambda v: np.correlate(v, K3),
    "correlate full swapped": lambda v: np.correlate(K3, v, "full"),
    "kron": lambda v: np.kron(v[:2], np.array([[1.0, 2.0], [3.0, 4.0]])),
    "ediff1d": lambda v: np.ediff1d(v, to_end=[7.0], to_begin=v[2]),
    "gradient": lambda v: np.gradient(v, 0.5),
    "gradient edge 2": lambda v: np.gradient(v, edge_order=2),
    "gradient 2d": lambda v: np.gradient(np.outer(v, [1.0, 3.0, -2.0]), axis=0),
    "trapezoid": lambda v: np.trapezoid(v, dx=0.3),
    "select": lambda v: np.select([X5 > 0, X5 < -1], [v, 2 * v], 3.0),
    "linspace": lambda v: np.linspace(v[0], v[1], 7),
    "linspace arrays": lambda v: np.linspace(v[:2], v[2:4], 4, axis=1, endpoint=False),
    "meshgrid xy": lambda v: np.meshgrid(v[:2], v[2:5])[0],
    "meshgrid ij": lambda v: np.meshgrid(v[:2], v[2:5], indexing="ij")[1],
    "rot90": lambda v: np.rot90(np.outer(v[:3], [1.0, 2.0]), 3),
    "rot90 k=1": lambda v: np.rot90(np.outer(v[:3], [1.0, 2.0])),
    "rollaxis": lambda v: np.rollaxis(np.multiply.outer(np.outer(v[:2], [1., 2, 3]), [1., -1]), 2),
    "block": lambda v: np.block([[v[:2], v[2:3]], [np.ones(2), v[4:5]]]),
    "dstack": lambda v: np.dstack([v, 2 * v]),
    "hsplit": lambda v: np.hsplit(v[:4], 2)[1],
    "vsplit": lambda v: np.vsplit(v[:4].reshape(2, 2), 2)[1],
    "dsplit": lambda v: np.dsplit(v[:4].reshape(1, 1, 4), [1])[1],
    "cumulative_sum": lambda v: np.cumulative_sum(v, include_initial=True),
    "einsum interleaved": lambda v: np.einsum(M34, [0, 1], v[:4], [1], [0]),
    "linalg.matmul": lambda v: np.linalg.matmul(M34, v[:4]),
    "linalg.vecdot": lambda v: np.linalg.vecdot(M34, v[:4]),
    "linalg.tensordot": lambda v: np.linalg.tensordot(M34, v[:4], axes=1),
    "linalg.trace": lambda v: np.linalg.trace(np.outer(v[:3], [1.0, 2.0, 3.0])),
    "linalg.diagonal": lambda v: np.linalg.diagonal(np.outer(v[:3], [1.0, 2.0, 3.0])),
    "linalg.outer": lambda v: np.linalg.outer(v, K3),
    "linalg.cross": lambda v: np.linalg.cross(v[:3], K3),
    "linalg.matrix_transpose": lambda v: np.linalg.matrix_transpose(np.outer(v, K3)),
}
PADS = ["constant", "edge", "reflect", "symmetric", "wrap", "linear_ramp", "mean"]
for _mode in PADS:
    LINEAR["pad " + _mode] = (lambda m: lambda v: np.pad(v.reshape(1, 5), ((1, 2), (2, 3)), m))(
        _mode)
LINEAR["pad constant values"] = lambda v: np.pad(v, 2, constant_values=(4.0, -1.0))
LINEAR["pad linear_ramp end"] = lambda v: np.pad(v, (3, 1), "linear_ramp", end_values=(5.0, 2.0))
LINEAR["pad reflect odd"] = lambda v: np.pad(v, 3, "reflect", reflect_type="odd")
LINEAR["pad mean stat"] = lambda v: np.pad(v, 2, "mean", stat_length=2)


@pytest.mark.parametrize("name", sorted(LINEAR))
def test_linear_functions_against_numpy_on_unit_inputs(name):
    check_linear(LINEAR[name], X5)


def test_pad_selection_modes_and_partition():
    x = np.array([3.0, -1.0, 4.0, 1.5, 9.0])
    for mode, pick in (("maximum", np.argmax), ("minimum", np.argmin)):
        val, J = dc.value_and_jacobian(lambda v: np.pad(v, (2, 1), mode), x)
        np.testing.assert_array_equal(val, np.pad(x, (2, 1), mode))
        ref = np.zeros((8, 5))
        ref[[0, 1, 7], pick(x)] = 1.0
        ref[2:7] = np.eye(5)
        np.testing.assert_array_equal(J, ref)
    J = dc.jacobian(lambda v: np.pad(v, 1, "median"), x)
    ref = np.vstack([np.eye(5)[[0]] * 0 + np.eye(5)[0], np.eye(5), np.eye(5)[0]])
    np.testing.assert_array_equal(J, ref)          # median of x is x[0] = 3
    J = dc.jacobian(lambda v: np.pad(v, 1, "maximum", stat_length=2), x)
    np.testing.assert_array_equal(J[0], np.eye(5)[0])     # max(x[:2]) = x[0]
    np.testing.assert_array_equal(J[-1], np.eye(5)[4])
    val, J = dc.value_and_jacobian(lambda v: np.partition(v, 2), x)
    np.testing.assert_array_equal(val[2], np.partition(x, 2)[2])
    order = np.argpartition(x, 2)
    np.testing.assert_array_equal(J, np.eye(5)[order])


def test_order_statistics():
    x = np.array([3.0, 1.0, 4.0, 1.5, 9.0, 2.6])
    srt = np.argsort(x)
    n = len(x)
    for q in (0.0, 0.1, 0.37, 0.5, 0.9, 1.0):
        val, g = dc.value_and_gradient(lambda v: np.quantile(v, q), x)
        assert val == np.quantile(x, q)
        pos = q * (n - 1)
        lo = int(np.floor(pos))
        ref = np.zeros(n)
        ref[srt[lo]] += 1.0 - (pos - lo)
        if pos > lo:
            ref[srt[lo + 1]] += pos - lo
        np.testing.assert_allclose(g, ref, rtol=0, atol=1e-15)
        np.testing.assert_allclose(dc.gradient(lambda v: np.percentile(v, 100 * q), x), ref,
                                   rtol=0, atol=1e-14)
    g = dc.gradient(np.median, x)
    np.testing.assert_array_equal(g, 0.5 * (np.eye(n)[srt[2]] + np.eye(n)[srt[3]]))
    assert not dc.hessian(np.median, x).any()
    for method, idx in (("lower", 1), ("higher", 2), ("nearest", 2)):
        g = dc.gradient(lambda v: np.quantile(v, 0.35, method=method), x)
        np.testing.assert_array_equal(g, np.eye(n)[srt[idx]])
    np.testing.assert_array_equal(dc.gradient(lambda v: np.quantile(v, 0.35, method="midpoint"),
                                              x), 0.5 * (np.eye(n)[srt[1]] + np.eye(n)[srt[2]]))
    X = x.reshape(2, 3)
    val, J = dc.value_and_jacobian(lambda v: np.median(v, axis=1, keepdims=True), X)
    np.testing.assert_array_equal(val, np.median(X, axis=1, keepdims=True))
    assert J.shape == (2, 1, 2, 3) and J[0, 0, 0, 0] == 1.0 and J[1, 0, 1, 2] == 1.0
    xn = np.array([3.0, np.nan, 1.0, 2.0])
    np.testing.assert_array_equal(dc.gradient(np.nanmedian, xn), [0, 0, 0, 1.0])
    np.testing.assert_array_equal(dc.gradient(lambda v: np.nanpercentile(v, 100), xn),
                                  [1.0, 0, 0, 0])
    np.testing.assert_array_equal(dc.gradient(np.ptp, x), np.eye(n)[4] - np.eye(n)[1])


def test_cov_and_corrcoef_analytic():
    X = RNG.normal(size=(3, 6))
    n = 6
    C, J = dc.value_and_jacobian(np.cov, X)
    np.testing.assert_allclose(C, np.cov(X), rtol=1e-14)
    Xc = X - X.mean(axis=1, keepdims=True)
    ref = np.zeros((3, 3, 3, 6))
    for i in range(3):
        for j in range(3):
            ref[i, j, i] += Xc[j] / (n - 1)
            ref[i, j, j] += Xc[i] / (n - 1)
    np.testing.assert_allclose(J, ref, rtol=0, atol=1e-14)
    # with weights, rowvar=False and bias
    w = np.array([1, 2, 1, 3, 1, 1])
    np.testing.assert_allclose(np.asarray(dc.value_and_jacobian(
        lambda v: np.cov(v, fweights=w), X)[0]), np.cov(X, fweights=w), rtol=1e-14)
    np.testing.assert_allclose(dc.value_and_jacobian(lambda v: np.cov(v.T, rowvar=False,
                                                                      bias=True), X)[1],
                               ref * (n - 1) / n, rtol=0, atol=1e-14)
    # corrcoef: d r_ij = dc_ij / sqrt(c_ii c_jj) - r_ij / 2 (dc_ii / c_ii + dc_jj / c_jj)
    R, JR = dc.value_and_jacobian(np.corrcoef, X)
    np.testing.assert_allclose(R, np.corrcoef(X), rtol=1e-14)
    c = np.cov(X)
    d = np.diag(c)
    refR = np.zeros_like(ref)
    for i in range(3):
        for j in range(3):
            refR[i, j] = (ref[i, j] / np.sqrt(d[i] * d[j])
                          - R[i, j] / 2 * (ref[i, i] / d[i] + ref[j, j] / d[j]))
    np.testing.assert_allclose(JR, refR, rtol=0, atol=1e-13)


def test_nonlinear_builders_analytic():
    a, b = np.array([0.3, -1.2, 2.0]), np.array([1.5, 0.4, -0.7])
    # cross: d(a x b)/da = -[b]x, d/db = [a]x
    def skew(v):
        return np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    J = dc.jacobian(lambda v: np.cross(v[:3], v[3:]), np.concatenate([a, b]))
    np.testing.assert_allclose(J, np.hstack([-skew(b), skew(a)]), rtol=0, atol=1e-15)
    assert dc.gradient(lambda v: np.cross(v[:2], v[2:]), np.array([1.0, 2, 3, 4])).tolist() == \
        [4.0, -3.0, -2.0, 1.0]
    # kron of two dual vectors: d (a_i b_j) = b_j da_i + a_i db_j
    J = dc.jacobian(lambda v: np.kron(v[:3], v[3:]), np.concatenate([a, b]))
    ref = np.zeros((9, 6))
    for i in range(3):
        for j in range(3):
            ref[3 * i + j, i] = b[j]
            ref[3 * i + j, 3 + j] = a[i]
    np.testing.assert_array_equal(J, ref)
    # convolve of two dual vectors: d/da_i = b shifted by i
    J = dc.jacobian(lambda v: np.convolve(v[:3], v[3:]), np.concatenate([a, b]))
    for i in range(3):
        np.testing.assert_allclose(J[i:i + 3, i], b, rtol=0, atol=0)
        np.testing.assert_allclose(J[i:i + 3, 3 + i], a, rtol=0, atol=0)
    # nan_to_num: replaced entries are constants
    x = np.array([1.0, np.inf, -2.0, np.nan, 0.5])
    val, J = dc.value_and_jacobian(lambda v: np.nan_to_num(v * x), np.ones(5))
    np.testing.assert_array_equal(val, np.nan_to_num(x))
    np.testing.assert_array_equal(J, np.diag(np.where(np.isfinite(x), x, 0.0)))
    # sinc, its value and two derivatives, at 0 and away from it
    for x0 in (0.0, 0.37, -2.5):
        d1 = dc.gradient(lambda v: np.sum(np.sinc(v)), np.array([x0]))[0]
        d2 = dc.hessian(lambda v: np.sum(np.sinc(v)), np.array([x0]))[0, 0]
        if x0 == 0:
            assert d1 == 0.0 and np.isclose(d2, -np.pi ** 2 / 3, rtol=1e-15)
        else:
            p = np.pi * x0
            assert np.isclose(d1, np.pi * (p * np.cos(p) - np.sin(p)) / p ** 2, rtol=1e-14)
            assert np.isclose(d2, np.pi ** 2 * (-(p * p - 2) * np.sin(p) - 2 * p * np.cos(p))
                              / p ** 3, rtol=1e-13)
    # geomspace: start**(1-t) stop**t
    t = np.linspace(0, 1, 5)
    J = dc.jacobian(lambda v: np.geomspace(v[0], v[1], 5), np.array([2.0, 50.0]))
    r = np.geomspace(2.0, 50.0, 5)
    np.testing.assert_allclose(J, np.stack([(1 - t) * r / 2.0, t * r / 50.0], axis=1), rtol=1e-14)
    J = dc.jacobian(lambda v: np.logspace(v[0], v[1], 4, base=2.0), np.array([1.0, 3.0]))
    t = np.linspace(0, 1, 4)
    r = np.logspace(1.0, 3.0, 4, base=2.0)
    np.testing.assert_allclose(J, np.stack([(1 - t), t], axis=1) * (r * np.log(2))[:, None],
                               rtol=1e-14)
    _, step = np.linspace(0.0, 1.0, 5, retstep=True)
    assert dc.gradient(lambda s: np.linspace(0.0, s[0], 5, retstep=True)[1], [1.0]) == [step]
    # vander: d x^k = k x^(k-1), x^0 constant (also at x = 0)
    x = np.array([0.0, -2.0, 1.5])
    J = dc.jacobian(lambda v: np.vander(v, 4, increasing=True), x)
    for k in range(4):
        ref = np.diag(k * x ** max(k - 1, 0)) if k else np.zeros((3, 3))
        np.testing.assert_array_equal(J[:, k, :], ref)
    # trapezoid with a dual x: d/dx_i of sum (x_{i+1} - x_i)(y_{i+1} + y_i)/2
    y = np.array([1.0, 4.0, 2.0, 3.0])
    xs = np.array([0.0, 0.5, 1.7, 2.0])
    g = dc.gradient(lambda v: np.trapezoid(y, x=v), xs)
    ref = np.zeros(4)
    ref[:-1] -= (y[1:] + y[:-1]) / 2
    ref[1:] += (y[1:] + y[:-1]) / 2
    np.testing.assert_allclose(g, ref, rtol=1e-15)


def test_piecewise_and_add_at():
    x = np.array([-1.5, 0.5, 2.0, -0.2])
    val, J = dc.value_and_jacobian(
        lambda v: np.piecewise(v, [v < 0, v >= 0], [lambda t: -t ** 3, lambda t: t * t]), x)
    np.testing.assert_array_equal(val, np.where(x < 0, -x ** 3, x * x))
    np.testing.assert_array_equal(J, np.diag(np.where(x < 0, -3 * x * x, 2 * x)))
    J = dc.jacobian(lambda v: np.piecewise(v, [v < 0], [lambda t: 2 * t, 7.0]), x)
    np.testing.assert_array_equal(J, np.diag(np.where(x < 0, 2.0, 0.0)))

    def scatter(v):
        out = np.zeros_like(v)
        np.add.at(out, [0, 0, 2, 3], v ** 2)
        np.subtract.at(out, np.array([1, 1]), v[:2])
        return out
    val, J = dc.value_and_jacobian(scatter, x)
    ref_val = np.zeros(4)
    np.add.at(ref_val, [0, 0, 2, 3], x ** 2)
    np.subtract.at(ref_val, [1, 1], x[:2])
    np.testing.assert_array_equal(val, ref_val)
    ref = np.zeros((4, 4))
    ref[0, 0] += 2 * x[0]
    ref[0, 1] += 2 * x[1]
    ref[2, 2] += 2 * x[2]
    ref[3, 3] += 2 * x[3]
    ref[1, 0] -= 1
    ref[1, 1] -= 1
    np.testing.assert_array_equal(J, ref)
    with pytest.raises(TypeError, match="zeros_like"):
        dc.gradient(lambda v: np.add.at(np.zeros(4), [0], v[0]), x)


def test_polynomials_analytic():
    mp = pytest.importorskip("mpmath")
    # roots: dr = -dp(r) / p'(r) at the simple roots 1 and 2 of x^2 - 3x + 2
    p = np.array([1.0, -3.0, 2.0])
    r, J = dc.value_and_jacobian(np.roots, p)
    r = np.asarray(r)
    for i, ri in enumerate(r):
        np.testing.assert_allclose(J[i], -ri ** np.arange(2, -1, -1) / (2 * ri - 3), rtol=1e-14)
    # second order against the quadratic formula in mpmath, differentiated at 50 digits
    H = dc.hessian(lambda c: np.max(np.roots(c)), p)
    with mp.workdps(50):
        h = mp.mpf("1e-15")

        def big(c):
            a, b, cc = c
            return (-b + mp.sqrt(b * b - 4 * a * cc)) / (2 * a)
        ref = np.zeros((3, 3))
        for i in range(3):
            for j in range(3):
                vals = []
                for s, t in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                    c = [mp.mpf(v) for v in p]
                    c[i] += s * h
                    c[j] += t * h
                    vals.append(big(c))
                ref[i, j] = float((vals[0] - vals[1] - vals[2] + vals[3]) / (4 * h * h))
    np.testing.assert_allclose(H, ref, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="complex"):
        dc.jacobian(np.roots, np.array([1.0, 0.0, 1.0]))
    # poly: d coeffs / d r_i = -poly(others) shifted
    z = np.array([0.5, -1.0, 2.0])
    J = dc.jacobian(np.poly, z)
    for i in range(3):
        others = np.poly(np.delete(z, i))
        np.testing.assert_allclose(J[1:, i], -others, rtol=1e-15)
        assert J[0, i] == 0.0
    # polyfit: c = pinv(V) y, so dc/dy = pinv(V); in x, the normal equations
    xs = np.array([0.0, 0.5, 1.1, 2.0, 3.2])
    ys = np.array([1.0, -0.3, 0.4, 2.5, 1.0])
    c, J = dc.value_and_jacobian(lambda v: np.polyfit(xs, v, 2), ys)
    np.testing.assert_array_equal(c, np.polyfit(xs, ys, 2))
    V = np.vander(xs, 3)
    np.testing.assert_allclose(J, np.linalg.pinv(V), rtol=1e-12, atol=1e-13)
    Jx = dc.jacobian(lambda v: np.polyfit(v, ys, 2), xs)
    # d c = (V^T V)^-1 (dV^T r - V^T dV c), r = y - V c
    G = np.linalg.inv(V.T @ V)
    res = ys - V @ c
    ref = np.zeros((3, 5))
    for j in range(5):
        dV = np.zeros((5, 3))
        dV[j] = [2 * xs[j], 1.0, 0.0]
        ref[:, j] = G @ (dV.T @ res - V.T @ dV @ c)
    np.testing.assert_allclose(Jx, ref, rtol=1e-11, atol=1e-12)


def test_numpy2_norm_aliases_and_svdvals():
    x = np.array([3.0, -4.0, 12.0, 1.0])
    r = np.linalg.norm(x)
    for f in (np.linalg.vector_norm, lambda v: np.linalg.vector_norm(v.reshape(2, 2),
                                                                     axis=(0, 1))):
        val, g = dc.value_and_gradient(f, x)
        assert val == r
        np.testing.assert_allclose(g, x / r, rtol=1e-15)
    np.testing.assert_allclose(dc.gradient(lambda v: np.linalg.vector_norm(v, ord=1), x),
                               np.sign(x), rtol=0)
    g = dc.gradient(lambda v: np.linalg.matrix_norm(v.reshape(2, 2)), x)
    np.testing.assert_allclose(g, x / r, rtol=1e-15)
    A = x.reshape(2, 2)
    U, s, Vt = np.linalg.svd(A)
    J = dc.jacobian(lambda v: np.linalg.svdvals(v.reshape(2, 2)), x)
    np.testing.assert_allclose(J, np.stack([np.outer(U[:, i], Vt[i]).ravel() for i in range(2)]),
                               rtol=1e-13, atol=1e-15)
    J = dc.jacobian(lambda v: np.cumulative_prod(v, include_initial=True), x)
    ref = np.zeros((5, 4))
    for i in range(1, 5):
        for j in range(i):
            ref[i, j] = np.prod(x[:i]) / x[j]
    np.testing.assert_allclose(J, ref, rtol=1e-15)


# ---------------------------------------------------------------- numpy.fft (complex results)
def test_fft_family_against_the_dft_matrix():
    n = 6
    x = RNG.normal(size=n)
    F = np.fft.fft(np.eye(n), axis=0)           # the DFT matrix: fft(x) = F @ x
    X = F @ x
    # |X|^2, angle(X), real and imaginary parts, exactly from F
    J = dc.jacobian(lambda v: np.abs(np.fft.fft(v)) ** 2, x)
    np.testing.assert_allclose(J, 2 * (X.real[:, None] * F.real + X.imag[:, None] * F.imag),
                               rtol=1e-12, atol=1e-12)
    J = dc.jacobian(lambda v: np.angle(np.fft.fft(v)[1:3]), x)
    ref = (X.real[1:3, None] * F.imag[1:3] - X.imag[1:3, None] * F.real[1:3]) / \
        np.abs(X[1:3, None]) ** 2
    np.testing.assert_allclose(J, ref, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dc.jacobian(lambda v: np.fft.rfft(v).imag, x),
                               F.imag[:n // 2 + 1], rtol=0, atol=1e-14)
    np.testing.assert_allclose(dc.jacobian(lambda v: np.real(np.fft.fftshift(np.fft.fft(v))), x),
                               np.fft.fftshift(F.real, axes=0), rtol=0, atol=1e-14)
    # round trips are the identity; a real input stays real
    for f in (lambda v: np.fft.irfft(np.fft.rfft(v), n=n),
              lambda v: np.fft.ifft(np.fft.fft(v) * 2.0).real / 2.0,
              lambda v: np.fft.irfftn(np.fft.rfftn(v.reshape(2, 3)), s=(2, 3)).ravel(),
              lambda v: np.fft.ifft2(np.fft.fft2(v.reshape(3, 2))).real.ravel()):
        np.testing.assert_allclose(dc.jacobian(f, x), np.eye(n), rtol=0, atol=1e-14)
    # second order: Parseval, sum |rfft|^2 over a full spectrum is n |x|^2
    H = dc.hessian(lambda v: np.sum(np.abs(np.fft.fft(v)) ** 2), x)
    np.testing.assert_allclose(H, 2 * n * np.eye(n), rtol=0, atol=1e-12)
    # products of spectra: circular convolution through the FFT
    k = RNG.normal(size=n)
    J = dc.jacobian(lambda v: np.fft.ifft(np.fft.fft(v) * np.fft.fft(k)).real, x)
    circ = np.array([[k[(i - j) % n] for j in range(n)] for i in range(n)])
    np.testing.assert_allclose(J, circ, rtol=0, atol=1e-13)
    with pytest.raises(TypeError, match="complex dual"):
        dc.jacobian(lambda v: np.exp(np.fft.fft(v)), x)
