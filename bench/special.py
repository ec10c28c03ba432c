"""scipy.special benchmarks: the ufuncs of dualcalc.special on dual numbers.

Rows:

* ``sc.gammaln(Dual(x, 1))`` and ``sc.gammaln(HyperDual(x, 1, 1, 0))`` at
  x = 1.5 beside ``sc.gammaln(x)`` on a numpy.float64; peers: autograd and
  jax with their own scipy.special (``autograd.scipy.special.gammaln``,
  ``jax.scipy.special.gammaln`` under ``jax.jit(jax.grad)``), checked against
  psi and polygamma(1, x).
* ``dualcalc.gradient`` and ``dualcalc.hessian``-diagonal work of
  ``sum(log_ndtr(x))`` over n = 1000 points beside ``sum(log_ndtr(x))`` on
  floats; peer: jax (``jax.scipy.special.log_ndtr``, jit(grad)); reference
  phi/Phi from scipy (``exp(-x^2/2)/sqrt(2 pi)/ndtr(x)``, for x > -5 exact).
"""
import math

import numpy as np
import scipy.special as sc

import dualcalc
from dualcalc import Dual, HyperDual

from bench._harness import Bench, case, group

X = 1.5
N = 1000


def _points():
    return -4.0 + 8.0 * (0.5 + 0.5 * np.sin(np.arange(1.0, N + 1.0)))


def _sum_log_ndtr(v):
    return np.sum(sc.log_ndtr(v))


# ---------------------------------------------------------------- peers
def _autograd_gammaln(order):
    def make(autograd):
        import autograd.scipy.special as asp
        g1 = autograd.grad(asp.gammaln)
        g = g1 if order == 1 else autograd.grad(g1)
        return case("g(x)", g=g, x=X, result=lambda: float(g(X)),
                    label="autograd.grad(autograd.scipy.special.gammaln)"
                    + ("" if order == 1 else " twice"))
    return make


def _jax_gammaln(order):
    def make(jax):
        import jax.scipy.special as jsp
        g1 = jax.jit(jax.grad(jsp.gammaln))
        g = g1 if order == 1 else jax.jit(jax.grad(jax.grad(jsp.gammaln)))
        return case("g(x).block_until_ready()", g=g, x=X, result=lambda: float(g(X)),
                    label="jax.jit(jax.grad(jax.scipy.special.gammaln))"
                    + ("" if order == 1 else " (grad twice)"))
    return make


def _jax_log_ndtr(jax):
    import jax.numpy as jnp
    import jax.scipy.special as jsp
    g = jax.jit(jax.grad(lambda v: jnp.sum(jsp.log_ndtr(v))))
    x = jnp.asarray(_points())
    return case("g(x).block_until_ready()", g=g, x=x, result=lambda: np.asarray(g(x)),
                label="jax.jit(jax.grad(sum(jax.scipy.special.log_ndtr)))")


@group("special", "scipy.special ufuncs on dual numbers (dualcalc.special) vs floats")
def special_rows():
    xf = np.float64(X)
    base = case("f(x)", f=sc.gammaln, x=xf, label="sc.gammaln(np.float64(x))")
    d1 = case("f(Dual(x, 1.0)).eps", f=sc.gammaln, Dual=Dual, x=X,
              result=lambda: sc.gammaln(Dual(X, 1.0)).eps,
              label="sc.gammaln(Dual(x, 1.0)).eps")
    d2 = case("f(HyperDual(x, 1.0, 1.0, 0.0)).eps1eps2", f=sc.gammaln, HyperDual=HyperDual,
              x=X, result=lambda: sc.gammaln(HyperDual(X, 1.0, 1.0, 0.0)).eps1eps2,
              label="sc.gammaln(HyperDual(x, 1, 1, 0)).eps1eps2")
    x = _points()
    gbase = case("f(x)", f=_sum_log_ndtr, x=x, label="sum(sc.log_ndtr(x)) on floats")
    grad = case("gradient(f, x)", gradient=dualcalc.gradient, f=_sum_log_ndtr, x=x,
                label="dualcalc.gradient(sum(sc.log_ndtr), x)")
    return [
        Bench("sc.gammaln(Dual(x, 1)).eps", d1, base,
              {"autograd": _autograd_gammaln(1), "jax": _jax_gammaln(1)},
              baseline_label="np.float64", reference=lambda: float(sc.psi(X))),
        Bench("sc.gammaln(HyperDual).eps1eps2", d2, base,
              {"autograd": _autograd_gammaln(2), "jax": _jax_gammaln(2)},
              baseline_label="np.float64", reference=lambda: float(sc.polygamma(1, X))),
        Bench(f"gradient(sum(log_ndtr), n={N})", grad, gbase, {"jax": _jax_log_ndtr},
              baseline_label="float64 array",
              reference=lambda: np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi) / sc.ndtr(x)),
    ]
