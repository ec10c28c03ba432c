"""Linear-algebra benchmarks: gradients through numpy.linalg decompositions and
dualcalc.linalg.expm, beside the float evaluation and the installed peers.

* ``sym_eig(X) = eigvalsh((X + X^T) / 2) @ c``: reference V diag(c) V^T.
* ``sum_expm(X) = sum(expm(X))``: reference the Fréchet derivative of expm at
  X^T applied to the all-ones matrix (scipy.linalg.expm_frechet), the adjoint
  of the derivative along each entry.
* ``logdet(X) = slogdet(X)[1]`` (Hessian): reference -X^-T (x) X^-1 entrywise,
  H[i, j, k, l] = -inv(X)[j, k] inv(X)[l, i].
"""
import numpy as np
import scipy.linalg as sl

import dualcalc
from dualcalc.linalg import expm

from bench._harness import Bench, case, group

SIZES = (10, 30)


def matrix(n):
    """A fixed matrix whose symmetric part has distinct eigenvalues."""
    i = np.arange(n)
    return np.sin(1.0 + i[:, None] * 0.7 + i[None, :] * 1.3) + np.diag(1.0 + i)


def weights(n):
    return np.cos(np.arange(n) * 0.3)


def _sym_eig(X, c, xp=np):
    return xp.linalg.eigvalsh((X + X.T) / 2.0) @ c


def _jax(verb, f, X, label):
    def make(jax):
        jax.config.update("jax_enable_x64", True)
        g = jax.jit(getattr(jax, verb)(f))
        g(X).block_until_ready()
        return case("g(X).block_until_ready()", g=g, X=X, result=lambda: np.asarray(g(X)),
                    label=label)
    return make


def _autograd(verb, f, X, label):
    def make(autograd):
        g = getattr(autograd, verb)(f)
        return case("g(X)", g=g, X=X, label=label)
    return make


@group("linalg", "gradients and Hessians through numpy.linalg and dualcalc.linalg.expm")
def linalg_rows():
    rows = []
    for n in SIZES:
        X = matrix(n)
        c = weights(n)
        w, V = np.linalg.eigh((X + X.T) / 2.0)

        def sym_eig(M, c=c):
            return _sym_eig(M, c)

        def jax_sym_eig(M, c=c):
            import jax.numpy as jnp
            return _sym_eig(M, c, jnp)

        def ag_sym_eig(M, c=c):
            import autograd.numpy as anp    # autograd differentiates eigh, not eigvalsh
            return anp.linalg.eigh((M + M.T) / 2.0)[0] @ c
        rows.append(Bench(
            f"gradient eigvalsh n={n}",
            dualcalc=case("gradient(f, X)", gradient=dualcalc.gradient, f=sym_eig, X=X,
                          label="dualcalc.gradient(lambda X: eigvalsh((X + X.T)/2) @ c, X)"),
            baseline=case("f(X)", f=sym_eig, X=X, label="the same f on floats"),
            peers={"jax": _jax("grad", jax_sym_eig, X, "jax.jit(jax.grad(f)), jax.numpy"),
                   "autograd": _autograd("grad", ag_sym_eig, X, "autograd.grad(f), f with eigh")},
            reference=(lambda V=V, c=c: (V * c) @ V.T),
        ))

        Y = X / n

        def sum_expm(M):
            return np.sum(expm(M))

        def jax_sum_expm(M):
            import jax.numpy as jnp
            import jax.scipy.linalg as jsl
            return jnp.sum(jsl.expm(M))
        rows.append(Bench(
            f"gradient sum(expm) n={n}",
            dualcalc=case("gradient(f, X)", gradient=dualcalc.gradient, f=sum_expm, X=Y,
                          label="dualcalc.gradient(lambda X: sum(dualcalc.linalg.expm(X)), X)"),
            baseline=case("f(X)", f=sum_expm, X=Y, label="the same f on floats"),
            peers={"jax": _jax("grad", jax_sum_expm, Y,
                               "jax.jit(jax.grad(sum(jax.scipy.linalg.expm)))")},
            reference=(lambda Y=Y: sl.expm_frechet(Y.T, np.ones_like(Y), compute_expm=False)),
        ))
    n = 10
    X = matrix(n)
    Xi = np.linalg.inv(X)

    def logdet(M):
        return np.linalg.slogdet(M)[1]

    def jax_logdet(M):
        import jax.numpy as jnp
        return jnp.linalg.slogdet(M)[1]
    rows.append(Bench(
        f"hessian logdet n={n}",
        dualcalc=case("hessian(f, X)", hessian=dualcalc.hessian, f=logdet, X=X,
                      label="dualcalc.hessian(lambda X: slogdet(X)[1], X)"),
        baseline=case("f(X)", f=logdet, X=X, label="the same f on floats"),
        peers={"jax": _jax("hessian", jax_logdet, X, "jax.jit(jax.hessian(f))")},
        reference=(lambda: -np.einsum("jk,li->ijkl", Xi, Xi)),
    ))
    return rows
