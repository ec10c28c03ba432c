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
    np.testing.assert_allclose(dc.gradient(np.nanprod, x), np.where(ok, 6.0 / np.where(ok, x, 1), 0))
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
