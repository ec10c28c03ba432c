"""Array benchmarks: dualcalc's derivatives API (gradient, jacobian, hessian, hvp).

Test functions:

* ``scipy.optimize.rosen`` (the extended Rosenbrock function), as dualcalc
  users call it: dualcalc and the float baseline run scipy's own function.
  Peers whose arrays are not plain NumPy get the same formula written in their
  namespace (``_rosen_np``: scipy's expression, with ``autograd.numpy`` or
  ``jax.numpy``); the element-wise peers (num-dual, hyperjet) get it as a sum
  over ``x[i]``, the way their documentation writes functions of a list of
  numbers (``_rosen_list``).
* the Broyden tridiagonal function (More, Garbow, Hillstrom 1981, #30),
  ``f_i = (3 - 2 x_i) x_i - x_{i-1} - 2 x_{i+1} + 1`` with x_0 = x_{n+1} = 0,
  written with NumPy slicing and ``np.concatenate`` (``_broyden``).

Every row has a reference answer (``rosen_der``, ``rosen_hess``,
``rosen_hess_prod``, the analytic Broyden Jacobian) that dualcalc's result
and every peer's is checked against before timing.  Targets are the issue's.
"""
import numpy as np
import scipy.optimize as so

import dualcalc

from bench._harness import Bench, Target, case, group

GRADIENT_SIZES = (10, 100, 1000)
HESSIAN_SIZES = (10, 100)
QUADFORM_SIZES = (200, 569)        # 569: the whole breast-cancer set (the SVM dual of issue 17)
HVP_SIZES = (10, 100)
HVP_VS_GRADIENT_N = 1000
BROYDEN_N = 100


def point(n):
    """A fixed, non-special point: no zero, no symmetry, rosen's terms all alive."""
    return 0.8 + 0.5 * np.sin(np.arange(1.0, n + 1.0))


def direction(n):
    return np.cos(np.arange(n) * 0.7)


# ---------------------------------------------------------------- test functions
def _rosen_np(x, xp=np):
    """scipy.optimize.rosen's expression, against the namespace xp."""
    return xp.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0)


def _rosen_list(x):
    """rosen over a list of numbers, indexed as num-dual's and hyperjet's docs do."""
    return sum(100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
               for i in range(len(x) - 1))


def _broyden(x, xp=np, zero=None):
    """Broyden tridiagonal residuals; ``zero`` pads x at both ends (a float by default)."""
    z = np.zeros(1) if zero is None else zero
    return ((3.0 - 2.0 * x) * x - xp.concatenate((z, x[:-1]))
            - 2.0 * xp.concatenate((x[1:], z)) + 1.0)


def broyden(x):
    return _broyden(x)


def _broyden_list(x):
    n = len(x)
    return [(3.0 - 2.0 * x[i]) * x[i] - (x[i - 1] if i > 0 else 0.0)
            - 2.0 * (x[i + 1] if i < n - 1 else 0.0) + 1.0 for i in range(n)]


def broyden_jacobian(x):
    """The analytic Jacobian: 3 - 4 x_i on the diagonal, -1 below, -2 above."""
    n = np.size(x)
    return np.diag(3.0 - 4.0 * np.asarray(x)) - np.eye(n, k=-1) - 2.0 * np.eye(n, k=1)


# ---------------------------------------------------------------- peers' cases
def _nd(fn_name, f, x, index, v=None):
    """num-dual's gradient/jacobian/hessian(f, list(x)), which return (value,
    derivatives...); with v, the Hessian times v (num-dual has no hvp)."""
    def make(nd):
        fn, xl = getattr(nd, fn_name), list(x)
        label = f"num_dual.{fn_name}(f, list(x))[{index}], f indexing x[i]"
        if v is None:
            return case(f"{fn_name}(f, x)", **{fn_name: fn}, f=f, x=xl,
                        result=lambda: fn(f, xl)[index], label=label)
        return case(f"asarray({fn_name}(f, x)[{index}]) @ v", **{fn_name: fn}, f=f, x=xl, v=v,
                    asarray=np.asarray, label="num-dual has no hvp: asarray(" + label + ") @ v")
    return make


def _fd_gradient(x):
    def make(fd):
        DualArray, jac = fd.DualArray, fd.jac

        def g(x):
            xs = DualArray(x)
            return jac([_rosen_np(xs)], xs)[0]
        return case("g(x)", g=g, x=x,
                    label="fastdual: xs = DualArray(x); jac([f(xs)], xs)[0]")
    return make


def _fd_jacobian(x):
    def make(fd):
        DualArray, jac = fd.DualArray, fd.jac
        # fastdual's batched ufuncs return NotImplemented for the plain-float
        # elements of a mixed object array (2.0 * [Dual, ..., 0.0]), so the
        # padding is a constant Dual, as its docs write constants.
        zero = np.array([fd.Dual(0.0, seed=False)], dtype=object)

        def J(x):
            xs = DualArray(x)
            return jac(_broyden(xs, np, zero), xs)
        return case("J(x)", J=J, x=x,
                    label="fastdual: xs = DualArray(x); jac(f(xs), xs), padding Dual(0, seed=False)")
    return make


def _dualpy(verb, f, x):
    def make(dualpy):
        g = getattr(dualpy, verb)(f)
        return case("g(x)", g=g, x=x, label=f"dualpy.{verb}(f)(x)")
    return make


def _autograd(verb, f, x):
    def make(autograd):
        import autograd.numpy as anp
        g = getattr(autograd, verb)(lambda x: f(x, anp))
        return case("g(x)", g=g, x=x, label=f"autograd.{verb}(f)(x), f with autograd.numpy")
    return make


def _jax(verb, f, x):
    def make(jax):
        import jax.numpy as jnp
        g = jax.jit(getattr(jax, verb)(lambda x: f(x, jnp)))
        g(x).block_until_ready()              # compile outside the timing
        # Timed up to the result being ready, as in the scalar groups.
        return case("g(x).block_until_ready()", g=g, x=x, result=lambda: np.asarray(g(x)),
                    label=f"jax.jit(jax.{verb}(f))(x).block_until_ready(), f with jax.numpy")
    return make


def _hj_hessian(x, v=None):
    def make(hj):
        variables = hj.variables

        def h(x):
            return _rosen_list(variables(x)).hm()
        if v is None:
            return case("h(x)", h=h, x=list(x), label="hyperjet: f(hj.variables(x)).hm()")
        return case("h(x) @ v", h=h, x=list(x), v=v,
                    label="hyperjet has no hvp: f(hj.variables(x)).hm() @ v")
    return make


def _autograd_hvp(x, v):
    def make(autograd):
        import autograd.numpy as anp
        hvp = autograd.hessian_vector_product(lambda x: _rosen_np(x, anp))
        return case("hvp(x, v)", hvp=hvp, x=x, v=v,
                    label="autograd.hessian_vector_product(f)(x, v)")
    return make


def _jax_hvp(x, v):
    def make(jax):
        import jax.numpy as jnp
        g = jax.grad(lambda x: _rosen_np(x, jnp))
        hvp = jax.jit(lambda x, v: jax.jvp(g, (x,), (v,))[1])
        hvp(x, v).block_until_ready()
        return case("hvp(x, v).block_until_ready()", hvp=hvp, x=x, v=v,
                    result=lambda: np.asarray(hvp(x, v)),
                    label="jax.jit(lambda x, v: jax.jvp(jax.grad(f), (x,), (v,))[1])")
    return make


def svm_dual_q(m):
    """The SVM dual's matrix Q = (y y^T) * (X X^T) for m fixed samples in 30
    dimensions (the breast-cancer set's shape), labels +-1."""
    rng = np.random.default_rng(569)
    X = rng.standard_normal((m, 30))
    y = np.where(rng.random(m) < 0.5, -1.0, 1.0)
    return (y[:, None] * y[None, :]) * (X @ X.T)


def _svm_dual(a, Q, xp=np):
    return 0.5 * a @ Q @ a - xp.sum(a)


# ---------------------------------------------------------------- groups
def _rosen_baseline(x):
    return case("rosen(x)", rosen=so.rosen, x=x, label="scipy.optimize.rosen(x) on floats")


@group("array-gradient", "gradient of scipy.optimize.rosen; Jacobian of Broyden tridiagonal")
def gradients():
    rows = []
    for n in GRADIENT_SIZES:
        x = point(n)
        if n < 1000:
            targets = (Target("num-dual", 3.0), Target("fastdual", 3.0), Target("jax", 1.0))
        else:
            targets = (Target("fastdual", 1.0), Target("jax", 1.0))
        rows.append(Bench(
            f"gradient rosen n={n}",
            dualcalc=case("gradient(rosen, x)", gradient=dualcalc.gradient, rosen=so.rosen, x=x,
                          label="dualcalc.gradient(scipy.optimize.rosen, x)"),
            baseline=_rosen_baseline(x),
            peers={"num-dual": _nd("gradient", _rosen_list, x, 1),
                   "fastdual": _fd_gradient(x),
                   "dualpy": _dualpy("gradient", _rosen_np, x),
                   "autograd": _autograd("grad", _rosen_np, x),
                   "jax": _jax("jacfwd", _rosen_np, x),
                   "jax.grad": _jax("grad", _rosen_np, x)},
            targets=targets,
            reference=(lambda x=x: so.rosen_der(x)),
        ))
    x = point(BROYDEN_N)
    rows.append(Bench(
        f"jacobian broyden n={BROYDEN_N}",
        dualcalc=case("jacobian(f, x)", jacobian=dualcalc.jacobian, f=broyden, x=x,
                      label="dualcalc.jacobian(broyden, x)"),
        baseline=case("f(x)", f=broyden, x=x, label="broyden(x) on floats"),
        peers={"num-dual": _nd("jacobian", _broyden_list, x, 1),
               "fastdual": _fd_jacobian(x),
               "dualpy": _dualpy("jacobian", _broyden, x),
               "autograd": _autograd("jacobian", _broyden, x),
               "jax": _jax("jacfwd", _broyden, x)},
        targets=(Target("num-dual", 3.0), Target("fastdual", 3.0), Target("jax", 1.0)),
        reference=(lambda x=x: broyden_jacobian(x)),
        note="jax = jit(jax.jacfwd); there is no jax.grad of a vector function",
    ))
    return rows


@group("array-hessian", "Hessian of scipy.optimize.rosen and of the SVM dual's quadratic form")
def hessians():
    rows = []
    for n in HESSIAN_SIZES:
        x = point(n)
        targets = ((Target("num-dual", 2.0), Target("hyperjet", 2.0)) if n == 10 else
                   (Target("num-dual", 3.0), Target("autograd", 3.0)))
        rows.append(Bench(
            f"hessian rosen n={n}",
            dualcalc=case("hessian(rosen, x)", hessian=dualcalc.hessian, rosen=so.rosen, x=x,
                          label="dualcalc.hessian(scipy.optimize.rosen, x)"),
            baseline=_rosen_baseline(x),
            peers={"num-dual": _nd("hessian", _rosen_list, x, 2),
                   "hyperjet": _hj_hessian(x),
                   "autograd": _autograd("hessian", _rosen_np, x),
                   "jax": _jax("hessian", _rosen_np, x)},
            targets=targets,
            reference=(lambda x=x: so.rosen_hess(x)),
        ))
    for m in QUADFORM_SIZES:
        Q = svm_dual_q(m)
        a = np.linspace(0.1, 1.0, m)
        f = (lambda a, Q=Q: _svm_dual(a, Q))
        fx = (lambda a, xp, Q=Q: _svm_dual(a, Q, xp))
        rows.append(Bench(
            f"hessian svm dual m={m}",
            dualcalc=case("hessian(f, a)", hessian=dualcalc.hessian, f=f, a=a,
                          label="dualcalc.hessian(lambda a: 0.5 * a @ Q @ a - a.sum(), a)"),
            baseline=case("f(a)", f=f, a=a, label="the objective on floats"),
            peers={"autograd": _autograd("hessian", fx, a),
                   "jax": _jax("hessian", fx, a)},
            reference=(lambda Q=Q: Q),
            note=("the SVM dual objective of issue 17: a HyperDualArray seed meets a "
                  "constant matrix (band products, zero second-order seed skipped)")
            if m == QUADFORM_SIZES[0] else "",
        ))
    return rows


@group("array-hvp", "Hessian-vector product of scipy.optimize.rosen")
def hvps():
    rows = []
    for n in HVP_SIZES:
        x, v = point(n), direction(n)
        rows.append(Bench(
            f"hvp rosen n={n}",
            dualcalc=case("hvp(rosen, x, v)", hvp=dualcalc.hvp, rosen=so.rosen, x=x, v=v,
                          label="dualcalc.hvp(scipy.optimize.rosen, x, v)"),
            baseline=_rosen_baseline(x),
            peers={"num-dual": _nd("hessian", _rosen_list, x, 2, v),
                   "hyperjet": _hj_hessian(x, v),
                   "autograd": _autograd_hvp(x, v),
                   "jax": _jax_hvp(x, v)},
            reference=(lambda x=x, v=v: so.rosen_hess_prod(x, v)),
            note=("num-dual and hyperjet have no Hessian-vector product: they form "
                  "the Hessian and multiply (hessian(f, x) @ v)") if n == HVP_SIZES[0] else "",
        ))
    n = HVP_VS_GRADIENT_N
    x, v = point(n), direction(n)
    rows.append(Bench(
        f"hvp vs gradient n={n}",
        dualcalc=case("hvp(rosen, x, v)", hvp=dualcalc.hvp, rosen=so.rosen, x=x, v=v,
                      label="dualcalc.hvp(scipy.optimize.rosen, x, v)"),
        baseline=case("gradient(rosen, x)", gradient=dualcalc.gradient, rosen=so.rosen, x=x,
                      label="dualcalc.gradient(scipy.optimize.rosen, x)"),
        baseline_label="dc gradient",
        targets=(Target("baseline", 3.0),),
        reference=(lambda x=x, v=v: so.rosen_hess_prod(x, v)),
        note="here the baseline is dualcalc's own gradient, so dc/base = hvp time / gradient time",
    ))
    return rows
