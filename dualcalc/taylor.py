"""Derivatives of any order by Taylor mode: ``taylor`` and its helpers.

Design: one verb, seed / call / extract, like the others in ``derivatives.py``.
``taylor(f, x, order=k)`` seeds ``Taylor.variable(x, k)`` (the compiled
univariate Taylor type of ``dualcalc._core._taylor``: value plus k normalised
coefficients, O(k^2) per operation), calls f once and reads the coefficients
c_j = f^(j)(x) / j! back as a float array.  With a direction v, x is an array
and f receives ``x + t v`` as an object ndarray of Taylor scalars (one
variable t, so the elements are plain scalars that index, broadcast and go
through NumPy's object loops, operators, ``dualcalc.math`` and NumPy ufuncs);
the result is the Taylor expansion of t -> f(x + t v), whose j-th coefficient
is the j-th directional derivative along v divided by j!.  Object arrays are
the deliberate design here: a directional Taylor expansion perturbs one
variable, so each element is a scalar series and no array type has to
re-implement every NumPy function for it.

Every Taylor evaluation draws a fresh perturbation tag; a Taylor of another
tag (an outer ``taylor`` call's variable captured by f) raises TypeError
rather than mixing two variables into one series.

``taylor_command`` is the body of the command line's ``taylor`` verb.
"""
import math

import numpy as np

from dualcalc._core._taylor import Taylor, new_tag
from dualcalc import _seeding as S

__all__ = ["taylor", "Taylor", "taylor_command", "taylor_polynomial"]

_MAX_ORDER = 10000


def _check_order(order):
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)):
        raise TypeError(f"order must be an int >= 0, got {type(order).__name__}")
    order = int(order)
    if order < 0:
        raise ValueError(f"order must be >= 0, got {order}")
    if order > _MAX_ORDER:
        raise ValueError(f"order must be at most {_MAX_ORDER}, got {order}")
    return order


def _extract(y, tag, n):
    """The coefficients (leading axis of length n) of f's output y."""
    if type(y) is Taylor:
        if y.tag != tag:
            raise TypeError(
                "f returned a Taylor number of another differentiation (tag "
                f"{y.tag}, expected {tag}): nested taylor calls cannot share variables")
        c = y.coefficients
        if c.shape[0] < n:      # pragma: no cover - f truncated by mixing orders by hand
            c = np.concatenate([c, np.full(n - c.shape[0], np.nan)])
        return c
    if isinstance(y, np.ndarray) and y.dtype == object:
        out = np.empty((n,) + y.shape)
        for idx, e in np.ndenumerate(y):
            out[(slice(None),) + idx] = _extract(e, tag, n)
        return out
    if isinstance(y, (list, tuple)):
        return _extract(np.array(y, dtype=object) if any(type(e) is Taylor for e in y)
                        else np.asarray(y, dtype=np.float64), tag, n)
    try:
        a = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"f must return a real number, a Taylor number or an array of "
                        f"them, got {type(y).__name__}") from None
    out = np.zeros((n,) + a.shape)     # a constant: every derivative is 0
    out[0] = a
    return out


def taylor(f, x, order, v=None, args=()):
    """The Taylor coefficients f^(j)(x) / j!, j = 0..order, from one evaluation.

    Parameters
    ----------
    f : callable
        ``f(x, *args)`` written with Python operators, ``dualcalc.math`` or
        NumPy ufuncs.  It may return a number or an array of numbers.
    x : float or array_like
        The point.  An array needs a direction ``v``.
    order : int
        The highest order k (>= 0).  Cost O(k^2) per operation in f.
    v : array_like, optional
        A direction of the same shape as x: the coefficients are those of
        t -> f(x + t v), i.e. the directional derivatives along v of every
        order, divided by j!.  f then receives an object array of Taylor
        scalars (it may index it, do arithmetic, call NumPy functions on it).
    args : tuple, optional
        Extra arguments passed to f.

    Returns
    -------
    ndarray
        Shape ``(order + 1,) + np.shape(f(x))``: ``c[j]`` is the j-th
        coefficient (the j-th derivative is ``math.factorial(j) * c[j]``).

    Examples
    --------
    >>> import numpy as np
    >>> import dualcalc.math as math
    >>> from dualcalc import taylor
    >>> taylor(math.exp, 0.0, order=4)
    array([1.        , 1.        , 0.5       , 0.16666667, 0.04166667])
    >>> taylor(lambda x: 1 / (1 - x), 0.0, order=5)
    array([1., 1., 1., 1., 1., 1.])

    Along a direction (f(x + t v) = (1 + t)^2 (2 + 2t) = 2 (1 + t)^3):

    >>> taylor(lambda z: z[0] ** 2 * z[1], np.array([1.0, 2.0]), order=3, v=[1.0, 2.0])
    array([2., 6., 6., 2.])
    """
    if (v is None and type(x) is float and x == x and type(order) is int
            and 0 <= order <= _MAX_ORDER and type(args) is tuple and not args):
        # fast path: the common call, one Taylor built directly
        tag = new_tag()
        y = S.call(f, Taylor.variable(x, order, 1.0, tag), ())
        if type(y) is Taylor and y.tag == tag and y.order == order:
            return y.coefficients
        return _extract(y, tag, order + 1)
    if not callable(f):
        raise TypeError("f must be callable, called as f(x, *args)")
    if not isinstance(args, tuple):
        raise TypeError("args must be a tuple of extra arguments for f, like scipy's args=")
    k = _check_order(order)
    tag = new_tag()
    if v is None:
        if type(x) is Taylor:
            raise TypeError("taylor(f, x): x is already a Taylor number; nested Taylor "
                            "expansions are not supported (raise the order instead)")
        xv = S.as_scalar(x)
        if not isinstance(xv, float):
            raise TypeError("a Taylor expansion cannot be taken inside a dual-number "
                            "derivative (x is a " + type(xv).__name__ + "); take all "
                            "orders with one taylor call")
        seed = Taylor.variable(xv, k, 1.0, tag)
    else:
        xa = S.as_point(x)
        try:
            va = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError("v must be an array of real numbers") from None
        if va.shape != xa.shape:
            raise ValueError(f"v must have the shape of x {xa.shape}, got {va.shape}")
        if xa.ndim == 0:
            seed = Taylor.variable(float(xa), k, float(va), tag)
        else:
            seed = np.empty(xa.shape, dtype=object)
            for idx in np.ndindex(xa.shape):
                seed[idx] = Taylor.variable(float(xa[idx]), k, float(va[idx]), tag)
    return _extract(S.call(f, seed, args), tag, k + 1)


def derivative_of_order(f, x, order, args=()):
    """f^(order)(x) = order! c_order, from one Taylor evaluation (what
    ``derivative(f, x, order)`` calls for order > 2).

    >>> derivative_of_order(lambda x: x**5, 2.0, 3)     # 60 x^2
    240.0
    """
    k = _check_order(order)
    if k < 1:
        raise ValueError(f"order must be >= 1, got {k}")
    c = taylor(f, x, k, args=args)[k]
    r = c * math.factorial(k)
    return float(r) if np.ndim(r) == 0 else r


def taylor_polynomial(coefficients, x0, x):
    """Evaluate sum_j c_j (x - x0)^j (Horner), for plotting and checking.

    >>> taylor_polynomial([1.0, 1.0, 0.5], 0.0, 2.0)
    5.0
    """
    c = np.asarray(coefficients, dtype=np.float64)
    h = np.asarray(x, dtype=np.float64) - x0
    r = np.zeros_like(h) + c[-1]
    for cj in c[-2::-1]:
        r = r * h + cj
    return float(r) if r.ndim == 0 else r


def taylor_command(expression, at, order, plot=None, orders=None, span=None):
    """The ``dualcalc taylor EXPR --at x=X --order K [--plot FILE]`` command.

    Parameters
    ----------
    expression : str
        A function of one variable in the command line's expression language.
    at : str or float
        The point: ``"x=0.5"`` or a number.
    order : int
        The highest order.
    plot : str, optional
        A file to draw f and its Taylor polynomials of several orders into
        (needs matplotlib).
    orders : sequence of int, optional
        The orders drawn (default: 1, 2, 4 and ``order``, those <= order).
    span : float, optional
        Half-width of the plotted interval (default: 2, or less where f is
        not finite).

    Returns
    -------
    dict
        ``expression``, ``variable``, ``at``, ``order``, ``coefficients``
        (list), ``derivatives`` (list), ``text`` (a printable table) and
        ``plot`` (the file written, or None).

    Examples
    --------
    >>> r = taylor_command("exp(x)", "x=0", 3)
    >>> print(r["text"])
    Taylor coefficients of exp(x) at x = 0.0
     j  c_j = f^(j)(x)/j!         f^(j)(x)
     0  1                         1
     1  1                         1
     2  0.5                       1
     3  0.16666666666666666       1
    """
    from dualcalc import expr as E
    parsed = E.parse(expression)
    if parsed.is_vector or len(parsed.variables) > 1:
        raise ValueError("taylor expands a function of one variable (one expression, "
                         "one variable)")
    name = parsed.variables[0] if parsed.variables else "x"
    if isinstance(at, str):
        vals = E.parse_assignments(at)
        if list(vals) != [name] and not (not parsed.variables and len(vals) == 1):
            raise ValueError(f"--at must give the one variable {name}, as {name}=VALUE")
        x0 = float(next(iter(vals.values())))
    else:
        x0 = float(at)
    k = _check_order(order)

    def f(x):
        return parsed([x])

    c = taylor(f, x0, k)
    d = [float(cj * math.factorial(j)) for j, cj in enumerate(c)]
    lines = [f"Taylor coefficients of {expression} at {name} = {x0!r}",
             f" j  {'c_j = f^(j)(x)/j!':24s}  f^(j)(x)"]
    for j, (cj, dj) in enumerate(zip(c, d)):
        lines.append(f"{j:2d}  {_num(cj):24s}  {_num(dj)}")
    out = dict(expression=expression, variable=name, at=x0, order=k,
               coefficients=[float(v) for v in c], derivatives=d,
               text="\n".join(lines), plot=None)
    if plot is not None:
        out["plot"] = _draw(f, x0, c, k, name, expression, plot, orders, span)
    return out


def _num(v):
    """A float as repr prints it, integers without '.0'."""
    v = float(v)
    return str(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)


def _draw(f, x0, c, k, name, expression, path, orders, span):
    try:
        import matplotlib
    except ImportError:
        raise RuntimeError("--plot needs matplotlib, which is not installed; install it "
                           "with: pip install 'dualcalc[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    h = 2.0 if span is None else float(span)
    xs = np.linspace(x0 - h, x0 + h, 401)
    ys = np.empty_like(xs)
    with np.errstate(all="ignore"):
        for i, xi in enumerate(xs):
            try:
                ys[i] = float(np.asarray(f(float(xi)), dtype=np.float64))
            except (ValueError, OverflowError, ZeroDivisionError):
                ys[i] = np.nan
    if orders is None:
        orders = sorted({o for o in (1, 2, 4, k) if o <= k})
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.plot(xs, ys, color="black", lw=2, label=expression)
    finite = ys[np.isfinite(ys)]
    for o in orders:
        ax.plot(xs, taylor_polynomial(c[:o + 1], x0, xs), lw=1, label=f"order {o}")
    if finite.size:
        lo, hi = finite.min(), finite.max()
        pad = 0.25 * (hi - lo or 1.0)
        ax.set_ylim(lo - pad, hi + pad)
    ax.axvline(x0, color="gray", lw=0.5)
    ax.set_xlabel(name)
    ax.set_title(f"Taylor polynomials of {expression} at {name} = {x0:g}")
    ax.legend()
    fig.savefig(path)
    plt.close(fig)
    return path
