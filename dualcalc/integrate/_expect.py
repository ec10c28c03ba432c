"""expectation: E[f(X)] by the Gauss rule of X's distribution, differentiable
in the distribution's parameters.

Design: a location-scale family moves the nodes (Normal: Gauss-Hermite at
mu + sqrt(2) sigma x_i; Uniform: Gauss-Legendre on (a, b); Exponential:
Gauss-Laguerre at x_i / rate), so dual parameters give dual nodes and f
carries the derivatives.  Gamma's scale moves the nodes of the generalized
Gauss-Laguerre rule (weight x**(k - 1) e**-x, Golub-Welsch); its shape k is
neither a location nor a scale, so a dual shape is integrated against the
density by the adaptive `quad` (its derivatives log z - digamma(k) are not
polynomials, and a fixed rule would get them to only about 1e-8).
"""
import functools
import math

import numpy as np
from numpy.polynomial import hermite, laguerre

import dualcalc.math as dmath
from dualcalc._core._scalar import DualNumber
from dualcalc.arrays import apply_rule
from dualcalc.integrate._duals import Form, is_dual, real
from dualcalc.integrate._rules import gauss_legendre

__all__ = ["expectation", "Normal", "Uniform", "Exponential", "Gamma"]


def _positive(x, name):
    v = real(x)
    if isinstance(x, (str, bytes)) or np.ndim(v) != 0:
        raise TypeError(f"{name} must be a real number")
    if not float(v) > 0:
        raise ValueError(f"{name} must be positive, got {float(v)!r}")
    return x


def _real_number(x, name):
    v = real(x)
    if isinstance(x, (str, bytes)) or np.ndim(v) != 0:
        raise TypeError(f"{name} must be a real number")
    if not math.isfinite(float(v)):
        raise ValueError(f"{name} must be finite, got {float(v)!r}")
    return x


class Normal:
    """The normal distribution N(mu, sigma**2); ``expectation`` uses Gauss-Hermite.

    >>> Normal(0.0, 2.0)
    Normal(mu=0.0, sigma=2.0)
    """

    def __init__(self, mu=0.0, sigma=1.0):
        self.mu = _real_number(mu, "mu")
        self.sigma = _positive(sigma, "sigma")

    def __repr__(self):
        return f"Normal(mu={self.mu!r}, sigma={self.sigma!r})"

    def _rule(self, n):
        x, w = _hermite(n)
        return self.mu + (math.sqrt(2.0) * self.sigma) * x, w / math.sqrt(math.pi), None


class Uniform:
    """The uniform distribution on (a, b); ``expectation`` uses Gauss-Legendre.

    >>> Uniform(-1.0, 1.0)
    Uniform(a=-1.0, b=1.0)
    """

    def __init__(self, a=0.0, b=1.0):
        self.a = _real_number(a, "a")
        self.b = _real_number(b, "b")
        if not float(real(b)) > float(real(a)):
            raise ValueError("Uniform(a, b) needs a < b")

    def __repr__(self):
        return f"Uniform(a={self.a!r}, b={self.b!r})"

    def _rule(self, n):
        x, w = gauss_legendre(n)
        return 0.5 * (self.a + self.b) + (0.5 * (self.b - self.a)) * x, 0.5 * w, None


class Exponential:
    """The exponential distribution with density rate * exp(-rate x), x > 0;
    ``expectation`` uses Gauss-Laguerre.

    >>> Exponential(2.0)
    Exponential(rate=2.0)
    """

    def __init__(self, rate=1.0):
        self.rate = _positive(rate, "rate")

    def __repr__(self):
        return f"Exponential(rate={self.rate!r})"

    def _rule(self, n):
        x, w = _laguerre(n, 0.0)
        return x / self.rate, w, None


class Gamma:
    """The gamma distribution with shape k and scale theta (density
    x**(k-1) e**(-x/theta) / (Gamma(k) theta**k)); ``expectation`` uses the
    generalized Gauss-Laguerre rule.

    >>> Gamma(2.5, 1.0)
    Gamma(shape=2.5, scale=1.0)
    """

    def __init__(self, shape=1.0, scale=1.0):
        self.shape = _positive(shape, "shape")
        self.scale = _positive(scale, "scale")

    def __repr__(self):
        return f"Gamma(shape={self.shape!r}, scale={self.scale!r})"

    def _rule(self, n):
        k0 = float(real(self.shape))
        x, w = _laguerre(n, k0 - 1.0)
        return self.scale * x, w / math.gamma(k0), None

    def _adaptive(self, f, args):
        """E f(X) for a dual shape: adaptive quad against the density in z = X / scale
        (the shape moves the density, not the nodes)."""
        from dualcalc.integrate._quad import quad
        k, theta = self.shape, self.scale
        lg = _lgamma(k)

        k0 = float(real(k))
        m = 1.0 / k0 if k0 < 1.0 else 1.0   # z = u**m: the density's z**(k-1) becomes
        logm = math.log(m)                 # u**(k/k0 - 1), smooth at the shape's value

        def g(u):
            z = u ** m
            return f(theta * z, *args) * np.exp((k * m - 1.0) * np.log(u) - z - lg + logm)
        return quad(g, 0.0, np.inf, epsabs=0.0, epsrel=1e-12, limit=400)[0]


def _lgamma(k):
    if isinstance(k, DualNumber) or not is_dual(k):
        return dmath.lgamma(k)
    return apply_rule(k, "lgamma")


@functools.lru_cache(maxsize=32)
def _hermite(n):
    return hermite.hermgauss(n)


@functools.lru_cache(maxsize=64)
def _laguerre(n, alpha):
    """Generalized Gauss-Laguerre (weight x**alpha e**-x) by Golub-Welsch."""
    if alpha == 0.0:
        return laguerre.laggauss(n)
    i = np.arange(n, dtype=float)
    diag = 2 * i + alpha + 1
    off = np.sqrt((i[1:]) * (i[1:] + alpha))
    J = np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)
    x, V = np.linalg.eigh(J)
    w = math.gamma(alpha + 1) * V[0] ** 2
    return x, w


_DISTRIBUTIONS = (Normal, Uniform, Exponential, Gamma)


def expectation(f, dist, n=40, args=()):
    """E[f(X)] for X ~ dist, by the Gauss rule of dist's family.

    Exact for polynomials of degree < 2n (a Gamma with a dual shape is
    integrated by the adaptive `quad` against its density instead); differentiable in the distribution's
    parameters, which may be Dual / HyperDual numbers or elements of a dual
    array (so the derivative verbs see through it).

    Parameters
    ----------
    f : callable
        ``f(x, *args)``, vectorised: receives the n nodes as an array (dual
        nodes when the location or scale is dual).
    dist : Normal, Uniform, Exponential or Gamma
    n : int
        Number of nodes.
    args : tuple
        Extra arguments for f.

    Returns
    -------
    float or dual number

    Examples
    --------
    >>> import numpy as np, dualcalc as dc
    >>> from dualcalc.integrate import expectation, Normal
    >>> round(expectation(lambda x: x**2, Normal(1.0, 2.0)), 12)   # mu**2 + sigma**2
    5.0
    >>> dc.gradient(lambda p: expectation(np.exp, Normal(p[0], p[1])), [0.0, 1.0])
    array([1.64872127, 1.64872127])
    """
    if not isinstance(dist, _DISTRIBUTIONS):
        raise TypeError("dist must be one of dualcalc.integrate.Normal, Uniform, Exponential, "
                        f"Gamma; got {type(dist).__name__}")
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    args = args if isinstance(args, tuple) else (args,)
    if isinstance(dist, Gamma) and is_dual(dist.shape):
        return dist._adaptive(f, args)
    x, w, _ = dist._rule(int(n))
    y = f(x, *args)
    if is_dual(y) or (isinstance(y, np.ndarray) and y.dtype == object):
        form = Form()
        form.adopt(y)
        form.scalar_inputs = all(isinstance(p, DualNumber) for p in vars(dist).values()
                                 if is_dual(p)) and all(
            isinstance(p, DualNumber) for p in args if is_dual(p))
        comps = form.split(y, int(n))
        return form.build(tuple(c @ w for c in comps))
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 0:
        return float(y) * float(np.sum(w))
    if y.shape != (int(n),):
        raise ValueError(f"f returned shape {y.shape} for {int(n)} nodes; it must return "
                         "one value per node")
    return float(w @ y)
