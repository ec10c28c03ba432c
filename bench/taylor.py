"""Taylor-mode benchmarks: derivatives of order k from one Taylor evaluation.

Every row differentiates the scalar suite's test function

    f(x) = exp(x) / sqrt(sin(x)**3 + cos(x)**3)   at x = 1.5

(``bench.scalar``), with ``dualcalc.math`` on a ``Taylor``.  Rows:

- order k = 1, 3, 8, 16 beside f on floats (what one Taylor evaluation costs);
- order 8 against order 1 on the same f (the issue's target: <= 10x);
- order 2 against nested ``derivative(derivative(f))`` (the dual-number way);
- order 3 beside num-dual's Dual3 (``third_derivative``) and jax's
  ``jax.experimental.jet`` (jit-compiled), where installed.

Each case returns the derivatives (f, f', ..., f^(k)) so that the harness
checks the peers' numbers against dualcalc's.
"""
import math

import numpy as np

import dualcalc
from dualcalc.taylor import taylor

from bench._harness import Bench, Target, case, group
from bench.scalar import X, f_dm, f_math, _f_methods, _f_module

_FACT = [float(math.factorial(j)) for j in range(40)]


def _derivs(k):
    """(f, f', ..., f^(k)) at X from one Taylor evaluation of order k."""
    fact = np.array(_FACT[:k + 1])

    def d(x):
        return taylor(f_dm, x, k) * fact
    return d


def _taylor_case(k):
    d = _derivs(k)
    return case("d(x)", d=d, x=X, result=lambda: tuple(d(X)),
                label=f"dualcalc.taylor(f, x, order={k}) * j!")


def _nested_second():
    der = dualcalc.derivative

    def d2(x):
        return der(lambda y: der(f_dm, y), x)
    return case("d2(x)", d2=d2, x=X,
                result=lambda: (f_math(X), der(f_dm, X), d2(X)),
                label="derivative(lambda y: derivative(f, y), x)")


def _num_dual_third(nd):
    return case("third_derivative(f, x)", third_derivative=nd.third_derivative,
                f=_f_methods, x=X, label="num_dual.third_derivative (Dual3_64)")


def _jet(order):
    def make(jax):
        import jax.numpy as jnp
        from jax.experimental import jet
        fj = _f_module(jnp)
        one = jnp.asarray(1.0)
        zeros = [jnp.asarray(0.0)] * (order - 1)

        @jax.jit
        def g(x):
            # the input series x + t: jet's coefficients are the derivatives
            y, ys = jet.jet(fj, (x,), ([one] + zeros,))
            return jnp.stack([y] + list(ys))
        x = jnp.asarray(X)
        return case("g(x).block_until_ready()", g=g, x=x,
                    result=lambda: tuple(float(v) for v in g(x)),
                    label=f"jax.jit(jet.jet(f, (x,), ([1, 0, ...],))), order {order}")
    return make


@group("taylor", "derivatives of order k by Taylor mode vs floats, nesting and peers")
def taylor_rows():
    base = case("f(x)", f=f_math, x=X, label="f(x) with math on a float")
    rows = [
        Bench(f"taylor order {k}", _taylor_case(k), base,
              {"jax": _jet(k)} if k > 1 else {},
              note="k + 1 derivatives from one evaluation")
        for k in (1, 3, 8, 16)
    ]
    rows[1].peers["num-dual"] = _num_dual_third
    rows.append(Bench("order 8 vs order 1", _taylor_case(8), _taylor_case(1),
                      baseline_label="taylor order 1",
                      targets=(Target("baseline", 10.0),)))
    rows.append(Bench("order 2 vs nested derivative", _taylor_case(2), _nested_second(),
                      baseline_label="nested derivative"))
    return rows
