"""Exact derivatives for scipy.optimize: the ``jac``, ``hess`` and ``hessp``
callables (and ``fun`` with ``jac=True``) that scipy's solvers take.

Design: `Objective` (a scalar function, for ``scipy.optimize.minimize``) and
`Residuals` (a vector function, for ``root`` and ``least_squares``) wrap the
user's function once and answer scipy's requests from a small cache keyed by
the bytes of x: scipy typically asks for f, then the gradient, then the Hessian
at the same point, and each request is answered by the cheapest dualcalc verb
that covers it (``value_gradient_hessian`` gives all three at once), so a point
costs one evaluation of each kind.  ``counts`` reports the evaluations that
were really made.  `minimize`, `root` and `least_squares` do the wiring for
the methods that use derivatives.

scipy itself is imported only by those three helpers, so the adapters work
(and can be handed to other optimisers) without it.

>>> import numpy as np, scipy.optimize
>>> from dualcalc.scipy import Objective
>>> rosen = Objective(lambda x: 100 * (x[1] - x[0]**2)**2 + (1 - x[0])**2)
>>> r = scipy.optimize.minimize(rosen.fun, [-1.2, 1.0], jac=rosen.jac,
...                             hess=rosen.hess, method="trust-exact")
>>> r.success, np.allclose(r.x, 1.0)
(True, True)
"""
from collections import OrderedDict

import numpy as np

from dualcalc import derivatives as D

__all__ = ["Objective", "Residuals", "minimize", "root", "least_squares"]

# scipy.optimize.minimize methods, by the derivatives they accept
_NO_DERIVATIVES = {"nelder-mead", "powell", "cobyla", "cobyqa"}
_HESSP_PREFERRED = {"newton-cg", "trust-ncg", "trust-krylov"}
_HESS_REQUIRED = {"dogleg", "trust-exact"}
_HESS_ACCEPTED = {"trust-constr"}
# scipy.optimize.root methods that take a Jacobian
_ROOT_WITH_JAC = {"hybr", "lm"}


class _Cached:
    """A small LRU of per-point results keyed by (x bytes, shape, args ids)."""

    def __init__(self, fun, args, size):
        if not callable(fun):
            raise TypeError("fun must be callable, called as fun(x, *args)")
        if not isinstance(args, tuple):
            args = (args,)
        self.function, self.args = fun, args
        self._size = int(size)
        self._cache = OrderedDict()
        self.counts = {"nfev": 0, "njev": 0, "nhev": 0}

    def _point(self, x, extra):
        x = np.array(x, dtype=np.float64)        # a copy: scipy reuses its buffers
        args = self.args + tuple(extra)
        key = (x.tobytes(), x.shape, tuple(id(a) for a in args))
        entry = self._cache.get(key)
        if entry is None:
            # the entry keeps args alive: while it is cached no other object
            # can take one of their ids (a temporary array passed again would)
            entry = {"args": args}
            self._cache[key] = entry
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return x, args, entry

    def clear(self):
        """Forget the cached points (the counts stay)."""
        self._cache.clear()


class Objective(_Cached):
    """A scalar function f with its exact gradient, Hessian and Hessian-vector
    products, in the forms scipy.optimize.minimize takes.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``, code dualcalc can differentiate.
    args : tuple, optional
        Extra arguments for fun.  (Arguments scipy passes through its own
        ``args=`` are appended to these.)
    cache_size : int, optional
        How many points to remember (default 4).

    Attributes
    ----------
    counts : dict
        ``nfev``, ``njev``, ``nhev``: evaluations of f, gradients and
        Hessians (or Hessian-vector products) actually computed.

    Examples
    --------
    >>> obj = Objective(lambda x: x[0]**2 * x[1] + 3 * x[1]**2)
    >>> obj.hess([1.0, 2.0]).tolist()
    [[4.0, 2.0], [2.0, 6.0]]
    >>> obj.fun([1.0, 2.0]), obj.jac([1.0, 2.0]).tolist()   # from the cache
    (14.0, [4.0, 13.0])
    >>> obj.hessp([1.0, 2.0], [1.0, 0.0]).tolist()
    [4.0, 2.0]
    >>> obj.counts      # one HyperDual pass answered all four requests
    {'nfev': 1, 'njev': 1, 'nhev': 1}
    """

    def __init__(self, fun, args=(), cache_size=4):
        super().__init__(fun, args, cache_size)

    def __call__(self, x, *args):
        return self.fun(x, *args)

    def fun(self, x, *args):
        """f(x) as a float."""
        x, args, e = self._point(x, args)
        if "f" not in e:
            self.counts["nfev"] += 1
            y = self.function(x.copy(), *args)
            v = np.asarray(y, dtype=np.float64)
            if v.shape not in ((), (1,)):
                raise ValueError(f"the objective must return one number; it returned shape "
                                 f"{v.shape}. Use Residuals for vector functions.")
            e["f"] = float(v.reshape(()))
        return e["f"]

    def _gradient(self, x, args, e):
        if "g" not in e:
            self.counts["nfev"] += 1
            self.counts["njev"] += 1
            e["f"], g = D.value_and_gradient(self.function, x, args=args)
            e["g"] = np.asarray(g, dtype=np.float64).reshape(x.shape)
        return e["g"]

    def jac(self, x, *args):
        """The gradient of f at x (an array of x's shape)."""
        x, args, e = self._point(x, args)
        return self._gradient(x, args, e).copy()

    def fun_and_jac(self, x, *args):
        """(f(x), gradient): the ``fun`` for ``minimize(..., jac=True)``."""
        x, args, e = self._point(x, args)
        g = self._gradient(x, args, e)
        return e["f"], g.copy()

    def hess(self, x, *args):
        """The Hessian of f at x, shape (n, n), exactly symmetric."""
        x, args, e = self._point(x, args)
        if "H" not in e:
            self.counts["nfev"] += 1
            self.counts["njev"] += 1
            self.counts["nhev"] += 1
            f, g, H = D.value_gradient_hessian(self.function, x, args=args)
            e["f"], e["g"] = f, np.asarray(g, dtype=np.float64).reshape(x.shape)
            e["H"] = np.asarray(H, dtype=np.float64).reshape(x.size, x.size)
        return e["H"].copy()

    def hessp(self, x, p, *args):
        """H(x) @ p, from the cached Hessian when there is one, else from one
        Hessian-vector product (never forming H)."""
        x, args, e = self._point(x, args)
        p = np.asarray(p, dtype=np.float64)
        if "H" in e:
            return e["H"] @ p.reshape(-1)
        if not np.all(np.isfinite(p)):
            # what H @ p would give; scipy's trust-krylov can ask for this
            return np.full(p.shape, np.nan)
        self.counts["nhev"] += 1
        return np.asarray(D.hvp(self.function, x, p.reshape(x.shape), args=args),
                          dtype=np.float64).reshape(p.shape)


class Residuals(_Cached):
    """A vector function F with its exact Jacobian, for scipy.optimize.root
    (``jac=res.jac``, or ``res.fun_and_jac`` with ``jac=True``) and
    scipy.optimize.least_squares (``jac=res.jac``).

    Examples
    --------
    >>> res = Residuals(lambda x: [x[0]**2 - x[1], x[0] + x[1] - 2.0])
    >>> res.fun([1.0, 1.0]).tolist(), res.jac([1.0, 1.0]).tolist()
    ([0.0, 0.0], [[2.0, -1.0], [1.0, 1.0]])
    >>> res.counts      # the value, then the Jacobian (with the value again)
    {'nfev': 2, 'njev': 1, 'nhev': 0}
    """

    def __init__(self, fun, args=(), cache_size=4):
        super().__init__(fun, args, cache_size)

    def __call__(self, x, *args):
        return self.fun(x, *args)

    def fun(self, x, *args):
        """F(x) as a 1-D float array."""
        x, args, e = self._point(x, args)
        if "F" not in e:
            self.counts["nfev"] += 1
            e["F"] = np.atleast_1d(np.asarray(self.function(x.copy(), *args),
                                              dtype=np.float64)).reshape(-1)
        return e["F"].copy()

    def _jacobian(self, x, args, e):
        if "J" not in e:
            self.counts["nfev"] += 1
            self.counts["njev"] += 1
            F, J = D.value_and_jacobian(self.function, x, args=args)
            F = np.atleast_1d(np.asarray(F, dtype=np.float64)).reshape(-1)
            e["F"], e["J"] = F, np.asarray(J, dtype=np.float64).reshape(F.size, x.size)
        return e["J"]

    def jac(self, x, *args):
        """The Jacobian dF_i/dx_j, shape (m, n)."""
        x, args, e = self._point(x, args)
        return self._jacobian(x, args, e).copy()

    def fun_and_jac(self, x, *args):
        """(F(x), Jacobian): the ``fun`` for ``root(..., jac=True)``."""
        x, args, e = self._point(x, args)
        J = self._jacobian(x, args, e)
        return e["F"].copy(), J.copy()


# ---------------------------------------------------------------- one-call wiring
def minimize(fun, x0, args=(), method="trust-exact", **kwargs):
    """``scipy.optimize.minimize`` with dualcalc's exact derivatives wired in:
    ``jac`` for every method that uses one, ``hessp`` for Newton-CG,
    trust-ncg and trust-krylov, ``hess`` for dogleg, trust-exact and
    trust-constr.  Other keyword arguments go to scipy unchanged; the result
    is scipy's, with ``dualcalc_counts`` added.

    Examples
    --------
    >>> from dualcalc.scipy import minimize
    >>> r = minimize(lambda x: (x[0] - 1)**4 + (x[1] + 2)**2, [0.0, 0.0], method="Newton-CG")
    >>> r.success, bool(abs(r.x[1] + 2) < 1e-8)
    (True, True)
    """
    import scipy.optimize

    obj = Objective(fun, args)
    key = method.lower() if isinstance(method, str) else method
    if key not in _NO_DERIVATIVES and not callable(method):
        kwargs.setdefault("jac", obj.jac)
        if key in _HESSP_PREFERRED:
            if "hess" not in kwargs:
                kwargs.setdefault("hessp", obj.hessp)
        elif key in _HESS_REQUIRED or key in _HESS_ACCEPTED:
            kwargs.setdefault("hess", obj.hess)
    result = scipy.optimize.minimize(obj.fun, x0, method=method, **kwargs)
    result["dualcalc_counts"] = dict(obj.counts)
    return result


def root(fun, x0, args=(), method="hybr", **kwargs):
    """``scipy.optimize.root`` with the exact Jacobian for the methods that
    take one (hybr, lm); the result is scipy's, with ``dualcalc_counts``.

    Examples
    --------
    >>> from dualcalc.scipy import root
    >>> r = root(lambda x: [x[0] + 2 * x[1] - 2, x[0]**2 + 4 * x[1]**2 - 4], [1.0, 0.0])
    >>> r.success, (r.x.round(12) + 0.0).tolist()
    (True, [2.0, 0.0])
    """
    import scipy.optimize

    res = Residuals(fun, args)
    if method.lower() in _ROOT_WITH_JAC:
        kwargs.setdefault("jac", res.jac)
    result = scipy.optimize.root(res.fun, x0, method=method, **kwargs)
    result["dualcalc_counts"] = dict(res.counts)
    return result


def least_squares(fun, x0, args=(), **kwargs):
    """``scipy.optimize.least_squares`` with the exact Jacobian; the result
    is scipy's, with ``dualcalc_counts``.

    Examples
    --------
    >>> import numpy as np
    >>> from dualcalc.scipy import least_squares
    >>> t = np.linspace(0, 3, 7); y = 2.0 * np.exp(-0.5 * t)
    >>> fit = least_squares(lambda p: [p[0] * np.exp(-p[1] * ti) - yi
    ...                                for ti, yi in zip(t, y)], [1.0, 1.0])
    >>> fit.x.round(8).tolist()
    [2.0, 0.5]
    """
    import scipy.optimize

    res = Residuals(fun, args)
    kwargs.setdefault("jac", res.jac)
    result = scipy.optimize.least_squares(res.fun, x0, **kwargs)
    result["dualcalc_counts"] = dict(res.counts)
    return result
