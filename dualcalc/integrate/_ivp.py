"""solve_ivp: initial value problems whose solutions carry forward sensitivities.

Design: the integrators are written once, on whatever number type the state
has.  A dual ``y0`` or dual ``args`` make the state a dual array, and every
stage of the method runs on it, so the tangents of the solution are the exact
derivatives of the discrete solution: forward sensitivities, integrated by the
same method with the same steps.  The error norm takes the largest of the
value's and every tangent's RMS error (each scaled by its own atol + rtol |.|),
so the steps are chosen for the sensitivities too.

- ``"RK45"``: Dormand-Prince 5(4), FSAL, the 5th-order solution propagated.
- ``"Rosenbrock"``: Shampine's L-stable Rosenbrock 2(3) pair (the method of
  MATLAB's ode23s) with dualcalc's exact Jacobian of fun in (t, y).  With a
  dual state the Jacobian carries its tangents too (a HyperDualArray seed:
  the state's perturbation in eps1, the Jacobian's directions in eps2), which
  makes the method the exact Rosenbrock method of the state-plus-sensitivity
  system, at full order.

Output times: with ``t_eval`` the steps are shortened to land on each point
(no interpolation, so the reported states are the method's own); without it,
every step is reported, as scipy does.
"""
import math

import numpy as np

from dualcalc._core._arrays import components
from dualcalc._seeding import new_tag
from dualcalc.arrays import DualArray, HyperDualArray
from dualcalc.integrate._duals import as_dual_array, is_dual, real, stack_state
from dualcalc.optimize._result import OptimizeResult

__all__ = ["solve_ivp", "OdeResult", "METHODS"]

METHODS = ("RK45", "Rosenbrock")

_MESSAGES = {
    0: "The solver successfully reached the end of the integration interval.",
    -1: "Required step size is less than spacing between numbers.",
    -2: "The solution or its derivatives became non-finite (NaN or inf).",
}


class OdeResult(OptimizeResult):
    """The result of `solve_ivp`: t, y, success, status, message, nfev, njev, nlu.

    >>> r = OdeResult(t=np.array([0.0]), success=True)
    >>> r.success
    True
    """


# Dormand-Prince 5(4)
_C = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0])
_A = [[],
      [1 / 5],
      [3 / 40, 9 / 40],
      [44 / 45, -56 / 15, 32 / 9],
      [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
      [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656]]
_B = [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]
_E = [71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40]

# Rosenbrock 2(3) (Shampine & Reichelt, ode23s)
_D = 1.0 / (2.0 + math.sqrt(2.0))
_E32 = 6.0 + math.sqrt(2.0)


def _parts(x):
    """Value and tangent components of a state (float arrays)."""
    if is_dual(x):
        return components(as_dual_array(x))[0]
    return (np.asarray(x, dtype=np.float64),)


def _rms_norm(err, y, ynew, rtol, atol):
    """max over value and tangents of RMS(err / (atol + rtol max(|y|, |ynew|)))."""
    worst = 0.0
    for e, a, b in zip(_parts(err), _parts(y), _parts(ynew)):
        scale = atol + rtol * np.maximum(np.abs(a), np.abs(b))
        r = e / scale
        if r.ndim > 1:      # one norm per direction
            r = r.reshape(-1, r.shape[-1])
            worst = max(worst, float(np.max(np.sqrt(np.mean(r * r, axis=-1)))))
        else:
            worst = max(worst, float(np.sqrt(np.mean(r * r))))
    return worst


def _finite(x):
    return all(np.all(np.isfinite(p)) for p in _parts(x))


class _Rhs:
    def __init__(self, fun, args, n):
        self.fun, self.args, self.n = fun, args, n
        self.nfev = 0
        self.njev = 0

    def __call__(self, t, y):
        self.nfev += 1
        out = stack_state(self.fun(t, y, *self.args))
        if out.shape != (self.n,):
            raise ValueError(f"fun returned shape {out.shape}; it must return "
                             f"{self.n} values, one per state (a list or an array)")
        return out

    def jacobian(self, t, y):
        """(J, T): the exact df/dy and df/dt at (t, y), carrying y's tangents."""
        self.njev += 1
        n = self.n
        zv = np.concatenate([[t], real(y)])
        if isinstance(y, HyperDualArray):
            raise TypeError("method='Rosenbrock' carries first-order sensitivities; for "
                            "second derivatives of the solution use method='RK45'")
        if isinstance(y, DualArray):
            k = y.ndirs
            e1 = np.concatenate([np.zeros((k, 1)), y.eps], axis=1)
            tag2 = new_tag()
            if tag2 <= y.tag:
                tag2 = new_tag()
            z = HyperDualArray(zv, e1, np.eye(n + 1), np.zeros((k, n + 1, n + 1)), y.tag, tag2)
        else:
            z = DualArray(zv, np.eye(n + 1), new_tag())
        out = stack_state(self.fun(z[0], z[1:], *self.args))
        if isinstance(out, HyperDualArray):
            Jt = out.eps2.T                                  # (n, n+1)
            dJt = np.swapaxes(out.eps1eps2, 1, 2)            # (k, n, n+1)
            full = DualArray(Jt, dJt, y.tag)
        elif isinstance(out, DualArray) and isinstance(y, DualArray):
            # fun's output does not depend on y's perturbation through the Jacobian
            full = DualArray(out.eps.T, np.zeros((y.ndirs,) + (n, n + 1)), y.tag) \
                if out.tag != y.tag else None
            if full is None:    # pragma: no cover - the seed always carries tag2 in eps2
                raise RuntimeError("unexpected Jacobian seed")
        elif isinstance(out, DualArray):
            full = out.eps.T
        else:
            full = np.zeros((n, n + 1))
        return full[:, 1:], full[:, 0]


def _initial_step(rhs, t0, y0, f0, direction, order, rtol, atol, span):
    y, f = real(y0), real(f0)
    scale = atol + np.abs(y) * rtol
    d0 = np.sqrt(np.mean((y / scale) ** 2))
    d1 = np.sqrt(np.mean((f / scale) ** 2))
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    h0 = min(h0, span)
    y1 = y + h0 * direction * f
    f1 = real(rhs(t0 + h0 * direction, y1))
    d2 = np.sqrt(np.mean(((f1 - f) / scale) ** 2)) / h0
    if d1 <= 1e-15 and d2 <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1.0 / (order + 1))
    return min(100 * h0, h1, span)


def _combine(coefs, ks):
    """sum of c * k over the nonzero coefficients (no 0 + ... on dual arrays)."""
    acc = None
    for c, k in zip(coefs, ks):
        if c != 0.0:
            term = c * k
            acc = term if acc is None else acc + term
    return acc


def _rk45_step(rhs, t, y, f, h):
    k = [f]
    for i in range(1, 6):
        k.append(rhs(t + _C[i] * h, y + h * _combine(_A[i], k)))
    ynew = y + h * _combine(_B, k)
    fnew = rhs(t + h, ynew)
    k.append(fnew)
    err = h * _combine(_E, k)
    return ynew, fnew, err


def _rosenbrock_step(rhs, t, y, f, h, J, T, counts):
    n = rhs.n
    W = np.eye(n) - (h * _D) * J
    counts["nlu"] += 1
    solve = np.linalg.solve
    hdT = (h * _D) * T
    k1 = solve(W, f + hdT)
    f1 = rhs(t + 0.5 * h, y + (0.5 * h) * k1)
    k2 = solve(W, f1 - k1) + k1
    ynew = y + h * k2
    fnew = rhs(t + h, ynew)
    k3 = solve(W, fnew - _E32 * (k2 - f1) - 2.0 * (k1 - f) + hdT)
    err = (h / 6.0) * (k1 - 2.0 * k2 + k3)
    return ynew, fnew, err


def solve_ivp(fun, t_span, y0, method="RK45", t_eval=None, args=(), rtol=1e-3, atol=1e-6,
              first_step=None, max_step=np.inf, dense_output=False):
    """Solve ``y' = fun(t, y, *args)`` from t_span[0] to t_span[1], with sensitivities.

    scipy.integrate.solve_ivp's signature and result.  ``y0`` and ``args`` may
    hold dual numbers or dual arrays: the solution then carries their
    tangents (forward sensitivities, integrated with error control), so
    ``dualcalc.jacobian(lambda p: solve_ivp(f, span, y0, args=(p,)).y[:, -1], p0)``
    is the sensitivity of the final state.

    Parameters
    ----------
    fun : callable
        ``fun(t, y, *args)`` returning the n derivatives (list, tuple or array;
        elements may be dual).
    t_span : (float, float)
        Start and end (the end may be before the start).
    y0 : array_like or dual array, shape (n,)
    method : {"RK45", "Rosenbrock"}
        Explicit Dormand-Prince 5(4), or the L-stable Rosenbrock 2(3) pair with
        the exact Jacobian, for stiff problems.
    t_eval : array_like, optional
        Times at which to report the solution (the steps land on them).
    args : tuple
        Extra arguments for fun.
    rtol, atol : float
        Tolerances, for the states and every sensitivity.
    first_step, max_step : float, optional
        Initial step (default: chosen from the problem) and largest step.
    dense_output : bool
        Must be False: there is no continuous solution (use ``t_eval``).

    Returns
    -------
    OdeResult
        ``t`` (m,), ``y`` (n, m) (a dual array with sensitivities), ``success``,
        ``status`` (0 done, -1 step too small, -2 non-finite), ``message``,
        ``nfev``, ``njev``, ``nlu``.

    Examples
    --------
    >>> import numpy as np, dualcalc as dc
    >>> from dualcalc.integrate import solve_ivp
    >>> r = solve_ivp(lambda t, y, k: -k * y, (0.0, 1.0), [1.0], args=(2.0,), rtol=1e-10, atol=1e-12)
    >>> round(float(r.y[0, -1]), 9)              # exp(-2)
    0.135335283
    >>> d = dc.derivative(lambda k: solve_ivp(lambda t, y: -k * y, (0.0, 1.0), [1.0],
    ...                   rtol=1e-10, atol=1e-12).y[0, -1], 2.0)
    >>> round(d, 9)                               # -exp(-2)
    -0.135335283
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if dense_output:
        raise ValueError("dense_output=True is not supported: pass t_eval with the times "
                         "you need (the steps land on them)")
    if not callable(fun):
        raise TypeError("fun must be callable as fun(t, y, *args)")
    args = args if isinstance(args, tuple) else (args,)
    try:
        t0, t1 = (float(real(t)) for t in t_span)
    except (TypeError, ValueError):
        raise ValueError("t_span must be two real numbers (t0, tf)") from None
    if any(is_dual(t) for t in t_span):
        raise TypeError("t_span must hold plain floats; put a parameter of the time scale "
                        "into fun's args instead")
    if not (math.isfinite(t0) and math.isfinite(t1)) or t0 == t1:
        raise ValueError("t_span must be two different finite numbers")
    rtol, atol = float(rtol), float(atol)
    if rtol <= 0 or atol < 0:
        raise ValueError("rtol must be positive and atol non-negative")
    y = stack_state(y0)
    if np.ndim(real(y)) != 1:
        raise ValueError(f"y0 must be one-dimensional, got shape {np.shape(real(y))}")
    n = np.shape(real(y))[0]
    direction = 1.0 if t1 > t0 else -1.0
    span = abs(t1 - t0)
    if t_eval is not None:
        t_eval = np.asarray(t_eval, dtype=np.float64)
        if t_eval.ndim != 1:
            raise ValueError("t_eval must be one-dimensional")
        if np.any((t_eval - t0) * direction < 0) or np.any((t_eval - t1) * direction > 0):
            raise ValueError("values in t_eval are not within t_span")
        if np.any(np.diff(t_eval) * direction <= 0):
            raise ValueError("t_eval must be strictly sorted in the direction of t_span")
    rhs = _Rhs(fun, args, n)
    f = rhs(t0, y)
    if is_dual(f) and not is_dual(y):
        y = y + 0.0 * f                       # the state takes the kind of perturbations
    elif is_dual(f) and is_dual(y) and type(f) is not type(y):
        y = y + 0.0 * f
    order = 5 if method == "RK45" else 2
    h = abs(float(first_step)) if first_step is not None else _initial_step(
        rhs, t0, y, f, direction, order, rtol, atol, span)
    max_step = float(max_step)
    counts = {"nlu": 0}
    ts, ys = [], []
    targets = list(t_eval) if t_eval is not None else None
    if targets and targets[0] == t0:
        ts.append(t0)
        ys.append(y)
        targets.pop(0)
    elif targets is None:
        ts.append(t0)
        ys.append(y)
    t = t0
    status = None
    J = T = None
    while status is None:
        h = min(h, max_step)
        tnext = t + direction * h
        stop = targets[0] if targets else t1
        if (tnext - stop) * direction >= 0 or abs(stop - tnext) < 1e-12 * max(1.0, abs(stop)):
            tnext = stop
        hs = tnext - t                        # signed
        if abs(hs) < 10 * np.spacing(abs(t)):
            status = -1
            break
        if method == "RK45":
            ynew, fnew, err = _rk45_step(rhs, t, y, f, hs)
            exponent = 1.0 / 5.0
        else:
            if J is None:
                J, T = rhs.jacobian(t, y)
            ynew, fnew, err = _rosenbrock_step(rhs, t, y, f, hs, J, T, counts)
            exponent = 1.0 / 3.0
        norm = _rms_norm(err, y, ynew, rtol, atol)
        if not math.isfinite(norm):
            h = abs(hs) * 0.2
            continue
        if norm <= 1.0:
            factor = 10.0 if norm == 0 else min(10.0, max(0.2, 0.9 * norm ** -exponent))
            t, y, f = tnext, ynew, fnew
            J = None
            if not _finite(y):
                status = -2
                break
            if targets is None:
                ts.append(t)
                ys.append(y)
            elif t == targets[0]:
                ts.append(t)
                ys.append(y)
                targets.pop(0)
            if t == t1:
                status = 0
            h = abs(hs) * factor if tnext != stop or abs(hs) >= h else max(h, abs(hs) * factor)
        else:
            h = abs(hs) * max(0.2, 0.9 * norm ** -exponent)
    yout = np.stack(ys, axis=1) if ys else np.zeros((n, 0))
    return OdeResult(t=np.array(ts), y=yout, success=status == 0, status=status,
                     message=_MESSAGES[status], nfev=rhs.nfev, njev=rhs.njev,
                     nlu=counts["nlu"], sol=None, t_events=None, y_events=None)
