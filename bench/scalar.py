"""Scalar benchmarks: one Dual or HyperDual through arithmetic and elementary functions.

Every derivative row evaluates the same test function

    f(x) = exp(x) / sqrt(sin(x)**3 + cos(x)**3)   at x = 1.5

written once per namespace (``math``, ``dualcalc.math``, ``numpy``,
``ad.admath``, ``autograd.numpy``, ``jax.numpy``) by ``_f_module``, or with
methods (``x.exp()``) for the peers whose numbers have no function namespace
(num-dual, fastdual, hyperjet: their fastest, documented form).  dualcalc's
case includes seeding the Dual and reading the derivative back, like the
peers' ``first_derivative``-style helpers do.  Targets are the issue's.
"""
import math

import numpy as np

import dualcalc
import dualcalc.math as dm
from dualcalc import Dual, HyperDual

from bench._harness import Bench, Target, case, group

X = 1.5


def _f_module(m):
    """f written against a math-like namespace m (attribute lookups, like user code)."""
    def f(x):
        return m.exp(x) / m.sqrt(m.sin(x) ** 3 + m.cos(x) ** 3)
    return f


def _f_methods(x):
    """f for numbers that carry their functions as methods."""
    return x.exp() / (x.sin() ** 3 + x.cos() ** 3).sqrt()


f_math = _f_module(math)
f_dm = _f_module(dm)
f_np = _f_module(np)


# ---------------------------------------------------------------- peers' cases
def _nd_arith(nd):
    a, c = nd.Dual64(X, 1.0), nd.Dual64(2.0, 0.0)
    return case("a * c + a", a=a, c=c, label="num_dual.Dual64",
                result=lambda: (lambda y: (y.value, y.first_derivative))(a * c + a))


def _ad_arith(ad):
    a, c = ad.adnumber(X), ad.adnumber(2.0)
    return case("a * c + a", a=a, c=c, label="ad.adnumber",
                result=lambda: (lambda y: (y.x, y.d(a)))(a * c + a))


def _fd_arith(fd):
    a, c = fd.Dual(X), fd.Dual(2.0, seed=False)
    return case("a * c + a", a=a, c=c, label="fastdual.Dual",
                result=lambda: (lambda y: (y.val, y.der(a)))(a * c + a))


def _hj_arith(hj):
    a, c = hj.D1Scalar.variable(0, X), hj.D1Scalar(2.0)
    return case("a * c + a", a=a, c=c, label="hyperjet.D1Scalar",
                result=lambda: (lambda y: (y.f, y.g[0]))(a * c + a))


def _nd_first(f):
    def make(nd):
        return case("first_derivative(f, x)", first_derivative=nd.first_derivative,
                    f=f, x=X, label="num_dual.first_derivative")
    return make


def _ad_first(ad):
    import ad.admath
    f, adnumber = _f_module(ad.admath), ad.adnumber

    def d(x):
        v = adnumber(x)
        y = f(v)
        return y.x, y.d(v)
    return case("d(x)", d=d, x=X, label="ad.adnumber + ad.admath, y.d(x)")


def _ad_second(ad):
    import ad.admath
    f, adnumber = _f_module(ad.admath), ad.adnumber

    def d2(x):
        v = adnumber(x)
        y = f(v)
        return y.x, y.d(v), y.d2(v)
    return case("d2(x)", d2=d2, x=X, label="ad.adnumber + ad.admath, y.d2(x)")


def _fd_first(f):
    def make(fd):
        D = fd.Dual

        def d(x):
            v = D(x)
            y = f(v)
            return y.val, y.der(v)
        return case("d(x)", d=d, x=X, label="fastdual.Dual, y.der(x)")
    return make


def _fd_second(fd):
    H = fd.HyperDual

    def d2(x):
        y = _f_methods(H(x, 1.0, 1.0, 0.0))
        return y.f, y.f1, y.f12
    return case("d2(x)", d2=d2, x=X, label="fastdual.HyperDual")


def _hj_first(f):
    def make(hj):
        var = hj.D1Scalar.variable

        def d(x):
            y = f(var(0, x))
            return y.f, y.g[0]
        return case("d(x)", d=d, x=X, label="hyperjet.D1Scalar, y.g[0]")
    return make


def _hj_second(hj):
    var = hj.DD1Scalar.variable

    def d2(x):
        y = _f_methods(var(0, x))
        return y.f, y.g[0], y.h(0, 0)
    return case("d2(x)", d2=d2, x=X, label="hyperjet.DD1Scalar, y.h(0, 0)")


def _autograd(order):
    def make(autograd):
        import autograd.numpy as anp
        g1 = autograd.grad(_f_module(anp))
        g = g1 if order == 1 else autograd.grad(g1)
        return case("g(x)", g=g, x=X, result=lambda: (f_math(X), g1(X), g(X))[:order + 1],
                    label="autograd.grad(f)" if order == 1 else "autograd.grad(autograd.grad(f))")
    return make


def _jax(order):
    def make(jax):
        import jax.numpy as jnp
        fj = _f_module(jnp)
        g1 = jax.jit(jax.grad(fj))
        g = g1 if order == 1 else jax.jit(jax.hessian(fj))
        # Timed up to the result being ready; converting it to a Python float
        # would add a device-to-host copy that the other columns do not pay.
        return case("g(x).block_until_ready()", g=g, x=X,
                    result=lambda: (f_math(X), float(g1(X)), float(g(X)))[:order + 1],
                    label=("jax.jit(jax.grad(f))" if order == 1 else "jax.jit(jax.hessian(f))")
                    + "(x).block_until_ready()")
    return make


def _dualpy_first(dualpy):
    g = dualpy.derivative(f_np)
    return case("g(x)", g=g, x=X, result=lambda: (f_math(X), g(X)),
                label="dualpy.derivative(f)(x)")


# ---------------------------------------------------------------- groups
@group("scalar-arith", "a * c + a on dual numbers vs floats")
def arith():
    a, c = Dual(X, 1.0), Dual(2.0, 0.0)
    return [Bench(
        "a * c + a",
        dualcalc=case("a * c + a", a=a, c=c, label="dualcalc.Dual",
                      result=lambda: (lambda y: (y.value, y.eps))(a * c + a)),
        baseline=case("a * c + a", a=X, c=2.0, label="float"),
        peers={"num-dual": _nd_arith, "ad": _ad_arith, "hyperjet": _hj_arith,
               "fastdual": _fd_arith},
        targets=(Target("baseline", 1.5), Target("num-dual", 5.0)),
    )]


_FIRST_PEERS = {
    "num-dual": _nd_first(_f_methods), "ad": _ad_first, "hyperjet": _hj_first(_f_methods),
    "fastdual": _fd_first(_f_methods), "autograd": _autograd(1), "jax": _jax(1),
}
_SECOND_PEERS = {
    "num-dual": lambda nd: case("second_derivative(f, x)",
                                second_derivative=nd.second_derivative, f=_f_methods, x=X,
                                label="num_dual.second_derivative"),
    "ad": _ad_second, "hyperjet": _hj_second, "fastdual": _fd_second,
    "autograd": _autograd(2), "jax": _jax(2),
}


@group("scalar-derivative", "f'(1.5) with dualcalc.math on a Dual vs f on floats with math")
def first_derivative():
    dual = case("f(Dual(x, 1.0)).eps", f=f_dm, Dual=Dual, x=X,
                result=lambda: (lambda y: (y.value, y.eps))(f_dm(Dual(X, 1.0))),
                label="f(Dual(x, 1.0)).eps with dualcalc.math")
    api = case("derivative(f, x)", derivative=dualcalc.derivative, f=f_dm, x=X,
               result=lambda: (f_dm(X), dualcalc.derivative(f_dm, X)),
               label="dualcalc.derivative(f, x)")
    base = case("f(x)", f=f_math, x=X, label="f(x) with math on a float")
    return [
        Bench("f(Dual(x, 1)).eps", dual, base, dict(_FIRST_PEERS),
              targets=(Target("baseline", 2.0),)),
        Bench("dualcalc.derivative(f, x)", api, base, dict(_FIRST_PEERS)),
    ]


@group("scalar-second", "f''(1.5) with a HyperDual vs f on floats with math")
def second_derivative():
    hyper = case("f(HyperDual(x, 1.0, 1.0, 0.0)).eps1eps2", f=f_dm, HyperDual=HyperDual, x=X,
                 result=lambda: (lambda y: (y.value, y.eps1, y.eps1eps2))(
                     f_dm(HyperDual(X, 1.0, 1.0, 0.0))),
                 label="f(HyperDual(x, 1, 1, 0)).eps1eps2 with dualcalc.math")
    api = case("second_derivative(f, x)", second_derivative=dualcalc.second_derivative,
               f=f_dm, x=X, result=lambda: (f_math(X), dualcalc.derivative(f_dm, X),
                                           dualcalc.second_derivative(f_dm, X)),
               label="dualcalc.second_derivative(f, x)")
    base = case("f(x)", f=f_math, x=X, label="f(x) with math on a float")
    return [
        Bench("f(HyperDual(x, 1, 1, 0)).eps1eps2", hyper, base, dict(_SECOND_PEERS),
              targets=(Target("baseline", 3.0),)),
        Bench("dualcalc.second_derivative(f, x)", api, base, dict(_SECOND_PEERS)),
    ]


@group("scalar-ufunc", "f'(1.5) with NumPy ufuncs on a Dual vs f on a numpy.float64")
def ufunc_derivative():
    dual = case("f(Dual(x, 1.0)).eps", f=f_np, Dual=Dual, x=X,
                result=lambda: (lambda y: (y.value, y.eps))(f_np(Dual(X, 1.0))),
                label="f(Dual(x, 1.0)).eps with np.exp, np.sqrt, ...")
    api = case("derivative(f, x)", derivative=dualcalc.derivative, f=f_np, x=X,
               result=lambda: (f_math(X), dualcalc.derivative(f_np, X)),
               label="dualcalc.derivative(f, x)")
    base = case("f(x)", f=f_np, x=np.float64(X), label="f(np.float64(x))")
    peers = {"num-dual": _nd_first(f_np), "hyperjet": _hj_first(f_np),
             "fastdual": _fd_first(f_np), "dualpy": _dualpy_first}
    return [
        Bench("f(Dual(x, 1)).eps", dual, base, peers, baseline_label="np.float64",
              targets=(Target("baseline", 2.5), Target("num-dual", 3.0))),
        Bench("dualcalc.derivative(f, x)", api, base, dict(peers),
              baseline_label="np.float64"),
    ]



@group("scalar-ops", "one operation at a time, dual vs float (where the rows above spend)")
def operations():
    """No targets: a breakdown for profiling the rows above."""
    d, h = Dual(X, 1.0), HyperDual(X, 1.0, 1.0, 0.0)
    s, sh, sf = dm.sin(d), dm.sin(h), math.sin(X)
    x64 = np.float64(X)
    ns = dict(dm=dm, math=math, np=np, Dual=Dual, HyperDual=HyperDual,
              d=d, h=h, s=s, sh=sh, sf=sf, x=X, x64=x64)
    rows = [
        # (row name, dual statement, float statement, baseline label)
        ("Dual(x, 1.0)", "Dual(x, 1.0)", "float(x)", "float(x)"),
        ("d.eps", "d.eps", "sf.real", "float .real"),
        ("dm.exp(d)", "dm.exp(d)", "math.exp(x)", "math.exp"),
        ("dm.sin(d)", "dm.sin(d)", "math.sin(x)", "math.sin"),
        ("dm.sqrt(d)", "dm.sqrt(d)", "math.sqrt(x)", "math.sqrt"),
        ("s ** 3", "s ** 3", "sf ** 3", "float"),
        ("s * s", "s * s", "sf * sf", "float"),
        ("s + s", "s + s", "sf + sf", "float"),
        ("s / s", "s / s", "sf / sf", "float"),
        ("s * 2.0", "s * 2.0", "sf * 2.0", "float"),
        ("dm.exp(x) on a float", "dm.exp(x)", "math.exp(x)", "math.exp"),
        ("np.exp(d)", "np.exp(d)", "np.exp(x64)", "np.float64"),
        ("HyperDual(x, 1, 1, 0)", "HyperDual(x, 1.0, 1.0, 0.0)", "float(x)", "float(x)"),
        ("dm.exp(h)", "dm.exp(h)", "math.exp(x)", "math.exp"),
        ("sh ** 3", "sh ** 3", "sf ** 3", "float"),
        ("sh * sh", "sh * sh", "sf * sf", "float"),
        ("sh / sh", "sh / sh", "sf / sf", "float"),
    ]
    return [Bench(name, case(dual, result=_numbers(dual), **ns), case(flt, **ns),
                  baseline_label=label, check=(name != "d.eps"))
            for name, dual, flt, label in rows]


def _numbers(stmt):
    """Result check for the operation rows: the value only (baselines have no tangent)."""
    return "(lambda y: getattr(y, 'value', y))(" + stmt + ")"
