"""Third-party code called unmodified: exact derivatives, or a clear refusal.

Every case is a function f of x built from a library's public API (NumPy,
scipy.special/stats/interpolate/integrate/linalg/optimize, numpy.polynomial,
scikit-learn, statsmodels, pandas), with an independent reference for its
derivative (an analytic formula, or the library's own analytic derivative such
as rosen_der, a spline's .derivative() or statsmodels' score).  The verb must
either return that derivative to rounding, or raise a TypeError that names the
file:line of the library call that converted the dual input.  A finite number
that disagrees with the reference -- a silent zero above all -- fails.

``EXACT`` lists the cases that must be exact today (a regression guard); the
others may also be refused, but never wrong.
"""
import inspect
import re
import warnings

import numpy as np
import pytest

import dualcalc as dc
from dualcalc._conversions import ConversionError

scipy = pytest.importorskip("scipy")
import scipy.integrate as si          # noqa: E402
import scipy.interpolate as sint      # noqa: E402
import scipy.linalg as sla            # noqa: E402
import scipy.optimize as so           # noqa: E402
import scipy.special as sp            # noqa: E402
import scipy.stats as st              # noqa: E402

X3 = np.array([0.3, -1.2, 2.1])
XP = np.array([0.4, 1.3, 2.2])        # positive points
RNG = np.random.default_rng(7)
A = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
SPD = A @ A.T + np.eye(3)
XK = np.linspace(0.0, 3.0, 8)
YK = np.sin(XK) + XK ** 2 / 5

CASES = {}


def case(name, verb, f, x, ref):
    CASES[name] = (verb, f, x, ref)


def _softmax_jac(x):
    s = np.exp(x - x.max()) / np.exp(x - x.max()).sum()
    return np.diag(s) - np.outer(s, s)


def _euler_states(y0):
    states = [y0]
    for _ in range(10):
        states.append(states[-1] + 0.1 * (-2.0 * states[-1]))
    return np.array(states)


def _fill_float_buffer(x):
    out = np.zeros(3)
    for i in range(3):
        out[i] = x[i] ** 2
    return out.sum()


def _swallow(x):
    try:
        return float(x[0]) * x[1]
    except TypeError:
        return 2.0 * x[1]


# ---------------------------------------------------------------- NumPy idioms
case("asarray-square", "gradient", lambda x: np.sum(np.asarray(x) ** 2), X3, lambda x: 2 * x)
case("asarray-half-path", "gradient", lambda x: np.sum(x) + np.sum(np.asarray(x)), X3,
     lambda x: 2 * np.ones(3))
case("array-of-list", "gradient", lambda x: np.sum(np.array([x, 2 * x])), X3,
     lambda x: 3 * np.ones(3))
case("array-of-elements", "jacobian", lambda x: np.array([x[0] * x[1], x[2] ** 2, 1.0]), X3,
     lambda x: np.array([[x[1], x[0], 0], [0, 0, 2 * x[2]], [0, 0, 0]]))
case("asarray-of-list", "jacobian", lambda x: np.asarray([x[0] + x[1], x[1] * x[2]]), X3,
     lambda x: np.array([[1, 1, 0], [0, x[2], x[1]]]))
case("euler-states", "jacobian", lambda x: _euler_states(x)[-1], X3,
     lambda x: 0.8 ** 10 * np.eye(3))
case("array-object-dtype", "gradient", lambda x: np.sum(np.array(list(x), dtype=object) ** 3),
     X3, lambda x: 3 * x ** 2)
case("asanyarray", "gradient", lambda x: np.sum(np.asanyarray(x) ** 2), X3, lambda x: 2 * x)
case("asarray-exp", "gradient", lambda x: np.sum(np.exp(np.asarray(x))), X3, np.exp)
case("asarray-dot", "gradient", lambda x: np.asarray(x) @ A @ np.asarray(x), X3,
     lambda x: (A + A.T) @ x)
case("stack-mixed", "jacobian", lambda x: np.stack([x[0], 1.0, x[1] * 2]), X3,
     lambda x: np.array([[1, 0, 0], [0, 0, 0], [0, 2, 0]]))
case("astype-float", "gradient", lambda x: np.sum(np.asarray(x).astype(float)), X3, None)
case("asarray-float-dtype", "gradient", lambda x: np.sum(np.asarray(x, dtype=float)), X3, None)
case("fill-float-buffer", "gradient", _fill_float_buffer, X3, None)
case("swallowed-float", "gradient", _swallow, X3, None)
case("tolist", "gradient", lambda x: sum(np.asarray(x.tolist())), X3, None)
case("math-module", "derivative", lambda t: __import__("math").sin(t), 0.5, None)

# ---------------------------------------------------------------- scipy.special
case("softmax", "jacobian", sp.softmax, X3, _softmax_jac)
case("log_softmax", "jacobian", sp.log_softmax, X3,
     lambda x: np.eye(3) - np.exp(x - sp.logsumexp(x))[None, :])
case("logsumexp", "gradient", sp.logsumexp, X3, lambda x: np.exp(x - sp.logsumexp(x)))
case("expit", "gradient", lambda x: np.sum(sp.expit(x)), X3,
     lambda x: sp.expit(x) * (1 - sp.expit(x)))
case("xlogy", "gradient", lambda x: np.sum(sp.xlogy(x, XP)), X3, lambda x: np.log(XP))
case("gammaln", "gradient", lambda x: np.sum(sp.gammaln(x)), XP, sp.digamma)
case("erf", "gradient", lambda x: np.sum(sp.erf(x)), X3,
     lambda x: 2 / np.sqrt(np.pi) * np.exp(-x ** 2))
case("ndtr", "gradient", lambda x: np.sum(sp.ndtr(x)), X3,
     lambda x: np.exp(-x ** 2 / 2) / np.sqrt(2 * np.pi))
case("log_ndtr", "gradient", lambda x: np.sum(sp.log_ndtr(x)), X3,
     lambda x: np.exp(-x ** 2 / 2) / np.sqrt(2 * np.pi) / sp.ndtr(x))
case("entr", "gradient", lambda x: np.sum(sp.entr(x)), XP, lambda x: -np.log(x) - 1)

# ---------------------------------------------------------------- scipy.stats
case("norm.logpdf", "gradient", lambda x: np.sum(st.norm.logpdf(x)), X3, lambda x: -x)
case("norm.pdf", "gradient", lambda x: np.sum(st.norm.pdf(x)), X3, lambda x: -x * st.norm.pdf(x))
case("norm.cdf", "gradient", lambda x: np.sum(st.norm.cdf(x)), X3, st.norm.pdf)
case("norm.logpdf-loc", "derivative", lambda m: np.sum(st.norm.logpdf(X3, loc=m)), 0.2,
     lambda m: np.sum(X3 - m))
case("t.logpdf", "gradient", lambda x: np.sum(st.t.logpdf(x, 5)), X3,
     lambda x: -6 * x / (5 + x ** 2))
case("expon.logpdf", "gradient", lambda x: np.sum(st.expon.logpdf(x)), XP, lambda x: -np.ones(3))
case("gamma.logpdf", "gradient", lambda x: np.sum(st.gamma.logpdf(x, 2.5)), XP,
     lambda x: 1.5 / x - 1)
case("mvn.logpdf", "gradient", lambda x: st.multivariate_normal.logpdf(x, np.zeros(3), SPD),
     X3, lambda x: -np.linalg.solve(SPD, x))
def _zscore_jac(x):
    n, d = x.size, x - x.mean()
    s = np.sqrt(np.mean(d ** 2))
    return (np.eye(n) - 1.0 / n) / s - np.outer(d, d) / (n * s ** 3)


case("zscore", "jacobian", st.zscore, X3, _zscore_jac)

# ---------------------------------------------------------------- scipy.interpolate
_cs = sint.CubicSpline(XK, YK)
_pchip = sint.PchipInterpolator(XK, YK)
_bspl = sint.make_interp_spline(XK, YK, k=3)
case("CubicSpline", "gradient", lambda v: np.sum(_cs(v)), XP, _cs.derivative())
case("Pchip", "gradient", lambda v: np.sum(_pchip(v)), XP, _pchip.derivative())
case("make_interp_spline", "gradient", lambda v: np.sum(_bspl(v)), XP, _bspl.derivative())
def _slopes(v):
    i = np.searchsorted(XK, v) - 1
    return np.diff(YK)[i] / np.diff(XK)[i]


case("interp1d", "gradient", lambda v: np.sum(sint.interp1d(XK, YK)(v)), XP, _slopes)
case("np.interp", "gradient", lambda v: np.sum(np.interp(v, XK, YK)), XP, _slopes)
case("spline-coefficients", "gradient", lambda c: np.sum(sint.CubicSpline(XK[:3], c)(XP)), X3,
     lambda c: np.array([np.sum(sint.CubicSpline(XK[:3], e)(XP)) for e in np.eye(3)]))

# ---------------------------------------------------------------- scipy.integrate
_W = np.array([si.simpson(e, x=XK[:3]) for e in np.eye(3)])
case("simpson", "gradient", lambda y: si.simpson(y, x=XK[:3]), X3, lambda y: _W)
case("trapezoid", "gradient", lambda y: si.trapezoid(y, x=XK[:3]), X3,
     lambda y: np.array([si.trapezoid(e, x=XK[:3]) for e in np.eye(3)]))
case("quad", "derivative", lambda p: si.quad(lambda t: np.exp(-p * t), 0, 1)[0], 0.7, None)
case("solve_ivp", "derivative",
     lambda p: si.solve_ivp(lambda t, y: -p * y, (0, 1), [1.0]).y[0, -1], 0.7, None)

# ---------------------------------------------------------------- linear algebra
case("np.linalg.solve", "gradient", lambda b: np.sum(np.linalg.solve(A, b)), X3,
     lambda b: np.linalg.solve(A.T, np.ones(3)))
case("np.linalg.inv", "gradient", lambda b: np.sum(np.linalg.inv(A + np.diag(b))), X3,
     lambda b: -np.sum(np.linalg.inv(A + np.diag(b)), axis=1)
     * np.sum(np.linalg.inv(A + np.diag(b)), axis=0))
case("np.linalg.det", "gradient", lambda b: np.linalg.det(A + np.diag(b)), X3,
     lambda b: np.linalg.det(A + np.diag(b)) * np.diag(np.linalg.inv(A + np.diag(b))))
case("np.linalg.norm", "gradient", np.linalg.norm, X3, lambda x: x / np.linalg.norm(x))
case("scipy.linalg.solve", "gradient", lambda b: np.sum(sla.solve(A, b)), X3,
     lambda b: np.linalg.solve(A.T, np.ones(3)))
case("scipy.linalg.expm", "gradient", lambda b: np.sum(sla.expm(np.diag(b))), X3, np.exp)
case("scipy.linalg.cho_factor", "gradient",
     lambda b: np.sum(sla.cho_solve(sla.cho_factor(SPD), b)), X3,
     lambda b: np.linalg.solve(SPD, np.ones(3)))
case("scipy.linalg.toeplitz", "gradient", lambda c: np.sum(sla.toeplitz(c)), X3,
     lambda c: np.array([3.0, 4.0, 2.0]))      # how often c[k] appears in the 3 x 3 matrix

# ---------------------------------------------------------------- scipy.optimize
case("rosen", "gradient", so.rosen, X3, so.rosen_der)
case("rosen_der", "jacobian", so.rosen_der, X3, so.rosen_hess)
case("rosen-hessian", "hessian", so.rosen, X3, so.rosen_hess)

# ---------------------------------------------------------------- numpy.polynomial
_C = np.array([1.0, -2.0, 0.5, 3.0])
case("polyval", "gradient", lambda x: np.sum(np.polyval(_C, x)), X3,
     lambda x: np.polyval(np.polyder(_C), x))
case("polyval-coefficients", "gradient", lambda c: np.polyval(c, 1.7), np.array([1.0, 2.0, 3.0]),
     lambda c: 1.7 ** np.arange(2, -1, -1))
case("P.polyval", "gradient", lambda x: np.sum(np.polynomial.polynomial.polyval(x, _C)), X3,
     lambda x: np.polynomial.polynomial.polyval(x, np.polynomial.polynomial.polyder(_C)))
case("Polynomial", "gradient", lambda x: np.sum(np.polynomial.Polynomial(_C)(x)), X3,
     lambda x: np.polynomial.Polynomial(_C).deriv()(x))
case("chebval", "gradient", lambda x: np.sum(np.polynomial.chebyshev.chebval(x, _C)), X3,
     lambda x: np.polynomial.chebyshev.chebval(x, np.polynomial.chebyshev.chebder(_C)))
case("hermval", "gradient", lambda x: np.sum(np.polynomial.hermite.hermval(x, _C)), X3,
     lambda x: np.polynomial.hermite.hermval(x, np.polynomial.hermite.hermder(_C)))
case("legval", "gradient", lambda x: np.sum(np.polynomial.legendre.legval(x, _C)), X3,
     lambda x: np.polynomial.legendre.legval(x, np.polynomial.legendre.legder(_C)))


# ---------------------------------------------------------------- scikit-learn
def _sk():
    return pytest.importorskip("sklearn")


_YB = np.array([1.0, 0.0, 1.0])


def _log_loss(z):
    from sklearn.metrics import log_loss
    return log_loss(_YB, sp.expit(z))


def _mse(z):
    from sklearn.metrics import mean_squared_error
    return mean_squared_error(XP, z)


def _sk_softmax(z):
    from sklearn.utils.extmath import softmax
    return softmax(z[None, :])[0]


case("sklearn.log_loss", "gradient", _log_loss, X3, lambda z: (sp.expit(z) - _YB) / 3)
case("sklearn.mean_squared_error", "gradient", _mse, X3, lambda z: 2 * (z - XP) / 3)
case("sklearn.softmax", "jacobian", _sk_softmax, X3, _softmax_jac)


# ---------------------------------------------------------------- statsmodels
def _logit():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(3)
    X = sm.add_constant(rng.normal(size=(40, 2)))
    y = (X @ np.array([0.3, -1.0, 0.8]) + rng.logistic(size=40) > 0).astype(float)
    return sm.Logit(y, X)


def _ols():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(4)
    X = sm.add_constant(rng.normal(size=(30, 2)))
    return sm.OLS(X @ np.array([1.0, 2.0, -1.0]) + rng.normal(size=30), X)


def _poisson():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(5)
    X = sm.add_constant(rng.normal(size=(30, 2)) * 0.3)
    return sm.Poisson(rng.poisson(np.exp(X @ np.array([0.5, 0.2, -0.3]))).astype(float), X)


case("statsmodels.Logit.loglike", "gradient", lambda b: _logit().loglike(b),
     np.array([0.1, -0.5, 0.4]), lambda b: _logit().score(b))
case("statsmodels.Logit.hessian", "hessian", lambda b: _logit().loglike(b),
     np.array([0.1, -0.5, 0.4]), lambda b: _logit().hessian(b))
case("statsmodels.OLS.loglike", "gradient", lambda b: _ols().loglike(b),
     np.array([0.9, 1.8, -1.1]), lambda b: _ols().score(b))
case("statsmodels.Poisson.loglike", "gradient", lambda b: _poisson().loglike(b),
     np.array([0.4, 0.1, -0.2]), lambda b: _poisson().score(b))


# ---------------------------------------------------------------- pandas
def _pd():
    return pytest.importorskip("pandas")


case("pandas.Series.sum", "gradient", lambda x: (_pd().Series(x) ** 2).sum(), X3,
     lambda x: 2 * x)
case("pandas.DataFrame", "gradient", lambda x: float(_pd().DataFrame({"a": x})["a"].sum()),
     X3, None)


# ---------------------------------------------------------------- the checks
EXACT = {
    "P.polyval", "Polynomial", "array-object-dtype", "array-of-elements", "array-of-list",
    "asanyarray", "asarray-dot", "asarray-exp", "asarray-half-path", "asarray-of-list",
    "asarray-square", "chebval", "erf", "euler-states", "gammaln", "hermval", "legval",
    "np.interp", "np.linalg.det", "np.linalg.inv", "np.linalg.norm", "np.linalg.solve",
    "pandas.Series.sum", "polyval", "polyval-coefficients", "rosen", "rosen-hessian",
    "rosen_der", "scipy.linalg.toeplitz", "simpson", "sklearn.softmax", "softmax",
    "stack-mixed", "statsmodels.Logit.hessian", "statsmodels.Logit.loglike",
    "statsmodels.OLS.loglike", "statsmodels.Poisson.loglike", "trapezoid", "zscore",
    "entr", "expit", "log_ndtr", "ndtr", "xlogy",
}
# Older SciPy (1.15, the last release for Python 3.10) validates softmax's
# input into a plain ndarray, which can only be refused (clearly)
if "_asarray_validated" in inspect.getsource(sp.softmax):
    EXACT.discard("softmax")

REFUSED = {
    "astype-float", "asarray-float-dtype", "fill-float-buffer", "swallowed-float",
    "tolist", "math-module", "quad", "solve_ivp", "pandas.DataFrame",
}

_LOCATION = re.compile(r"[\w./<>-]+\.py:\d+")


def _run(verb, f, x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(dc, verb)(f, x)


def test_the_corpus_is_large():
    assert len(CASES) >= 60


@pytest.mark.parametrize("name", sorted(CASES))
def test_exact_or_refused_with_the_converting_call(name):
    verb, f, x, ref = CASES[name]
    try:
        got = _run(verb, f, x)
    except TypeError as exc:
        assert name not in EXACT, f"{name} must be exact, got: {exc}"
        msg = str(exc)
        assert _LOCATION.search(msg) or "dualcalc" in msg or "dual" in msg, msg
        if name in REFUSED:
            assert isinstance(exc, ConversionError) or ".value" in msg, msg
        return
    assert name not in REFUSED, f"{name} must be refused, returned {got!r}"
    assert ref is not None, f"{name} returned {got!r} but has no reference"
    expected = np.asarray(ref(x), dtype=float)
    got = np.asarray(got, dtype=float)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_refusals_name_the_library_line():
    with pytest.raises(ConversionError, match=r"scipy/stats/\S+\.py:\d+"):
        _run("gradient", lambda x: np.sum(st.norm.cdf(x)) + np.sum(np.asarray(x, float)), X3)
    with pytest.raises(ConversionError, match=r"test_thirdparty\.py:\d+ \(in _swallow\)"):
        _run("gradient", _swallow, X3)


def test_no_verb_returns_a_number_after_a_conversion():
    """Every verb, the scipy adapters and a solver refuse an evaluation in which
    a conversion was swallowed."""
    def f(x):
        try:
            np.asarray(x, dtype=float)
        except TypeError:
            pass
        return np.sum(np.asarray(x) ** 2)

    def fs(t):
        try:
            float(t)
        except TypeError:
            pass
        return t * t

    for verb in ("gradient", "jacobian", "hessian", "value_and_gradient",
                 "value_and_jacobian", "value_gradient_hessian"):
        with pytest.raises(ConversionError):
            getattr(dc, verb)(f, X3)
    with pytest.raises(ConversionError):
        dc.jvp(f, X3, np.ones(3))
    with pytest.raises(ConversionError):
        dc.hvp(f, X3, np.ones(3))
    for verb in ("derivative", "second_derivative", "value_and_derivative"):
        with pytest.raises(ConversionError):
            getattr(dc, verb)(fs, 0.5)
    import dualcalc.scipy as dsp
    with pytest.raises(ConversionError):
        dsp.Objective(f).jac(X3)
    from dualcalc.optimize import minimize
    with pytest.raises(ConversionError):
        minimize(f, X3, method="newton")


def test_an_unused_handle_is_a_conversion():
    """np.asanyarray's handle stripped to a plain array (its NaN buffer read)
    is refused, not returned as NaN with zero derivatives."""
    def f(x):
        h = np.asanyarray(x)
        return np.sum(np.asarray(h))

    with pytest.raises(ConversionError, match="asanyarray"):
        dc.value_and_gradient(f, X3)


def test_an_exception_after_a_conversion_names_it_and_is_chained():
    def f(x):
        return np.sum(np.isnan(np.asarray(x)))

    with pytest.raises(ConversionError, match=r"test_thirdparty\.py:\d+") as info:
        dc.gradient(f, X3)
    assert isinstance(info.value.__cause__, TypeError)


def test_filling_a_float_array_names_zeros_like():
    with pytest.raises(ConversionError, match="zeros_like"):
        dc.gradient(_fill_float_buffer, X3)
    y = dc.gradient(lambda x: np.sum(_fill_like(x)), X3)
    np.testing.assert_allclose(y, 2 * X3, rtol=1e-15)


def _fill_like(x):
    out = np.zeros_like(x)
    for i in range(3):
        out[i] = x[i] ** 2
    return out
