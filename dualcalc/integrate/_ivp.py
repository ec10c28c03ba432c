"""solve_ivp: initial value problems whose solutions carry forward sensitivities.

Design: a dual state is carried through the step as one flat float vector of
its component rows (the value, then each tangent; for second order the
value, eps1, eps2, eps1eps2 rows): `_Kind` packs such a vector into a dual
array to call fun with, and unpacks fun's result.  Every Runge-Kutta
combination of stages is linear, so it acts on the rows with one matrix
product (`_Kind` never builds a dual array for it), and the result is
exactly what dual arithmetic on the state would give: the tangents of the
solution are the exact derivatives of the discrete solution, i.e. forward
sensitivities integrated by the same method with the same steps (the
Jacobian-vector products J(t, y) s + df/dp come from fun on the dual state).
The error norm takes the largest of the value's and every tangent's RMS error
(each scaled by its own atol + rtol |.|), so the steps are chosen for the
sensitivities too.

- ``"RK45"``: Dormand-Prince 5(4), FSAL, the 5th-order solution propagated.
- ``"DOP853"``: Hairer's 8(5,3) Dormand-Prince pair (12 stages, FSAL, the
  error norm combines the 5th- and 3rd-order estimates as dop853.f does) with
  its 7th-order continuous extension (3 more stages per step that has output
  points) for ``t_eval``.  Tableaus: `_tableaus`.
- ``"Rosenbrock"``: Shampine's L-stable Rosenbrock 2(3) pair (the method of
  MATLAB's ode23s) with dualcalc's exact Jacobian of fun in (t, y).  With a
  dual state the Jacobian carries its tangents too (a HyperDualArray seed:
  the state's perturbation in eps1, the Jacobian's directions in eps2), which
  makes the method the exact Rosenbrock method of the state-plus-sensitivity
  system, at full order.  It runs on dual arrays (the linear solves are
  NumPy's through the array protocol).

Output times: with ``t_eval``, RK45 and Rosenbrock shorten their steps to
land on each point (the reported states are the method's own); DOP853 steps
freely and evaluates its continuous extension there (exact derivatives of
the interpolant, which is linear in the stages).  Without ``t_eval``, every
step is reported, as scipy does.

``dense_output=True``: each accepted step also stores its interpolant's rows
(`_Explicit.interpolant`, `_Rosenbrock.interpolant`) and the result's ``sol``
is an `_dense.OdeSolution` over them: RK45's 4th-order continuous extension
(no new stage), DOP853's 7th-order one (its 3 extra stages, shared with
``t_eval``), Rosenbrock's cubic Hermite.  The rows are the state's flat rows,
so sol(t) carries the sensitivities exactly as the steps do.
"""
import math

import numpy as np

from dualcalc._core._arrays import components, rebuild
from dualcalc._core._vec import DualVec
from dualcalc._seeding import new_tag
from dualcalc.arrays import DualArray, HyperDualArray
from dualcalc.integrate._dense import OdeSolution
from dualcalc.integrate._duals import is_dual, real, stack_state
from dualcalc.integrate._tableaus import DOP853, RK45, dense_weights
from dualcalc.optimize._result import OptimizeResult

__all__ = ["solve_ivp", "OdeResult", "METHODS"]

METHODS = ("RK45", "DOP853", "Rosenbrock")

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


# Rosenbrock 2(3) (Shampine & Reichelt, ode23s)
_D = 1.0 / (2.0 + math.sqrt(2.0))
_E32 = 6.0 + math.sqrt(2.0)


class _Changed(Exception):
    """fun returned a number of a new kind (a dual where the state was float,
    or perturbations of another tag): the state must be promoted."""

    def __init__(self, proto):
        super().__init__()
        self.proto = proto


def _zero_proto(x):
    """A 0-d zero of x's dual kind (None for floats)."""
    if isinstance(x, DualArray):
        return rebuild(x, [np.zeros(()), np.zeros((x.ndirs,))])
    if isinstance(x, HyperDualArray):
        p, q = x.ndirs
        return rebuild(x, [np.zeros(()), np.zeros((p,)), np.zeros((q,)), np.zeros((p, q))])
    return None


def _signature(proto):
    if proto is None:
        return None
    if isinstance(proto, DualArray):
        return ("dual", proto.ndirs, proto.tag)
    return ("hyper", proto.ndirs, proto.tag1, proto.tag2)


class _Kind:
    """The kind of number the state is, and its flat rows <-> dual arrays.

    Rows: value (n,), then each component's directions, each (n,), flattened
    into one vector of C * n floats.
    """

    def __init__(self, proto, n):
        self.proto, self.n = proto, n
        self.sig = _signature(proto)
        if proto is None:
            self.leads = ((),)
        elif self.sig[0] == "dual":
            self.leads = ((), (proto.ndirs,))
            self.k, self.tag = proto.ndirs, proto.tag
        else:
            p, q = proto.ndirs
            self.leads = ((), (p,), (q,), (p, q))
        self.sizes = [int(np.prod(s)) if s else 1 for s in self.leads]
        self.C = sum(self.sizes)

    def pack(self, flat):
        """The state (or a batch (n, m) of states) as fun's argument."""
        n = self.n
        if self.proto is None:
            return flat
        if self.sig[0] == "dual":
            return rebuild(self.proto, (flat[:n], flat[n:].reshape(self.k, n)))
        comps, i = [], 0
        for shape, size in zip(self.leads, self.sizes):
            comps.append(flat[i * n:(i + size) * n].reshape(shape + (n,)))
            i += size
        return rebuild(self.proto, comps)

    def build(self, rows):
        """Output states (C * n, m) as a float (n, m) array or dual array."""
        n, m = self.n, rows.shape[1]
        if self.proto is None:
            return rows
        comps, i = [], 0
        for shape, size in zip(self.leads, self.sizes):
            comps.append(np.ascontiguousarray(rows[i * n:(i + size) * n]).reshape(
                shape + (n, m)))
            i += size
        return rebuild(self.proto, comps)

    def rows(self, x):
        """Flat rows of a state-shaped number (an ndarray or a dual array) of
        this kind or a lesser one (floats, or a dual of fewer perturbations:
        promoted exactly); raises _Changed when x carries perturbations the
        state does not."""
        if type(x) is np.ndarray:
            if self.proto is None:
                return x
            out = np.zeros(self.C * self.n)
            out[:self.n] = x
            return out
        if type(x) is DualArray and self.sig is not None and self.sig[0] == "dual" \
                and x.tag == self.tag and x.ndirs == self.k:
            v, e = components(x)[0]
            return np.concatenate((v, e.ravel()))
        if self.sig is not None and _signature(_zero_proto(x)) == self.sig:
            return np.concatenate([c.ravel() for c in components(x)[0]])
        z = x + self.proto if self.proto is not None else x
        zp = _zero_proto(z)
        if _signature(zp) != self.sig:
            raise _Changed(zp)
        return np.concatenate([c.ravel() for c in components(z)[0]])


class _Rhs:
    """fun on flat rows: packs the state, calls fun, unpacks (fast for a list
    of elements of a dual array, fun's usual result)."""

    def __init__(self, fun, args, n):
        self.fun, self.args, self.n = fun, args, n
        self.kind = _Kind(None, n)
        self.nfev = 0
        self.njev = 0

    def number(self, t, y):
        """fun at a state given as a number: its result as a float or dual array."""
        self.nfev += 1
        out = stack_state(self.fun(t, y, *self.args))
        if out.shape != (self.n,):
            raise ValueError(f"fun returned shape {out.shape}; it must return "
                             f"{self.n} values, one per state (a list or an array)")
        return out

    def __call__(self, t, y):
        kind = self.kind
        if kind.sig is not None and kind.sig[0] == "dual":
            self.nfev += 1
            out = self.fun(t, kind.pack(y), *self.args)
            if type(out) is list or type(out) is tuple:
                fast = self._dualvecs(out)
                if fast is not None:
                    return fast
            out = stack_state(out)
            if out.shape != (self.n,):
                raise ValueError(f"fun returned shape {out.shape}; it must return "
                                 f"{self.n} values, one per state (a list or an array)")
            return kind.rows(out)
        return kind.rows(self.number(t, kind.pack(y)))

    def _dualvecs(self, out):
        """Rows of a list of n DualVecs of the state's tag and directions (and
        floats); None for anything else."""
        n, k, tag = self.n, self.kind.k, self.kind.tag
        if len(out) != n:
            return None
        flat = np.zeros((k + 1, n))
        for i, o in enumerate(out):
            if type(o) is DualVec:
                if o.tag != tag or o.k != k:
                    return None
                flat[0, i] = o.value
                flat[1:, i] = o.eps
            elif type(o) is float:
                flat[0, i] = o
            else:
                return None
        return flat.ravel()

    def jacobian(self, t, y):
        """(J, T): the exact df/dy and df/dt at (t, y), carrying y's tangents."""
        self.njev += 1
        n = self.n
        zv = np.concatenate([[t], real(y)])
        if isinstance(y, HyperDualArray):
            raise TypeError("method='Rosenbrock' carries first-order sensitivities; for "
                            "second derivatives of the solution use method='RK45' or "
                            "'DOP853'")
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
            if out.tag == y.tag:    # pragma: no cover - the seed always carries tag2 in eps2
                raise RuntimeError("unexpected Jacobian seed")
            # fun's output does not depend on y's perturbation through the Jacobian
            full = DualArray(out.eps.T, np.zeros((y.ndirs,) + (n, n + 1)), y.tag)
        elif isinstance(out, DualArray):
            full = out.eps.T
        else:
            full = np.zeros((n, n + 1))
        return full[:, 1:], full[:, 0]


def _initial_step(rhs, t0, y0, f0, direction, order, rtol, atol, span):
    """Hairer's starting step, from the values (rows 0) of y0 and f0."""
    n = rhs.n
    y, f = y0[:n], f0[:n]
    scale = atol + np.abs(y) * rtol
    d0 = np.sqrt(np.mean((y / scale) ** 2))
    d1 = np.sqrt(np.mean((f / scale) ** 2))
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    h0 = min(h0, span)
    y1 = y0 + h0 * direction * f0
    f1 = rhs(t0 + h0 * direction, y1)[:n]
    d2 = np.sqrt(np.mean(((f1 - f) / scale) ** 2)) / h0
    if d1 <= 1e-15 and d2 <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1.0 / (order + 1))
    return min(100 * h0, h1, span)


class _Explicit:
    """An explicit Runge-Kutta pair on flat rows (RK45 or DOP853)."""

    def __init__(self, tab, C, n):
        self.tab = tab
        self.C, self.n = C, n
        s = tab.stages
        extra = 3 if tab.extra is not None else 0
        self.K = np.empty((s + 1 + extra, C * n))
        self.A = [np.ascontiguousarray(tab.A[i, :i]) for i in range(s)]
        # the step-size exponent: 1 / (order of the error estimate + 1)
        self.exponent = 1.0 / 8.0 if tab.e3 is not None else 1.0 / 5.0
        # the continuous extension's rows past the Hermite part (see _dense)
        self.R = np.ascontiguousarray(tab.dense[3:])
        self.extras_done = False

    def step(self, rhs, t, y, f, h):
        """(ynew, fnew); the stages stay in self.K for the error and dense output."""
        tab, K, A = self.tab, self.K, self.A
        s = tab.stages
        c = tab.c
        K[0] = f
        self.extras_done = False
        for i in range(1, s):
            K[i] = rhs(t + c[i] * h, y + h * np.dot(A[i], K[:i]))
        ynew = y + h * np.dot(tab.b, K[:s])
        fnew = rhs(t + h, ynew)
        K[s] = fnew
        return ynew, fnew

    def norm(self, h, y, ynew, rtol, atol):
        C, n, K, tab = self.C, self.n, self.K, self.tab
        s = tab.stages
        scale = atol + rtol * np.maximum(np.abs(y), np.abs(ynew))
        e = (np.dot(tab.e, K[:s + 1]) / scale).reshape(C, n)
        if tab.e3 is None:
            return abs(h) * float(np.sqrt((e * e).mean(axis=1).max()))
        e3 = (np.dot(tab.e3, K[:s + 1]) / scale).reshape(C, n)
        s5 = (e * e).sum(axis=1)
        s3 = (e3 * e3).sum(axis=1)
        den = s5 + 0.01 * s3
        den[den == 0] = 1.0
        return abs(h) * float(np.max(s5 / np.sqrt(den * n)))

    def extras(self, rhs, t, y, h):
        """DOP853's three more stages of the continuous extension (once a step)."""
        if self.tab.extra is None or self.extras_done:
            return
        K, s = self.K, self.tab.stages
        Ax, cx = self.tab.extra
        for j in range(3):
            i = s + 1 + j
            K[i] = rhs(t + cx[j] * h, y + h * np.dot(Ax[j, :i], K[:i]))
        self.extras_done = True

    def dense(self, rhs, t, y, h, thetas):
        """States at t + theta h (theta in (0, 1)), from the continuous extension
        (DOP853: three more stages)."""
        self.extras(rhs, t, y, h)
        return y + h * np.dot(dense_weights(thetas), self.K)

    def interpolant(self, rhs, t, y, f, ynew, fnew, h):
        """The step's interpolant rows Q0.. (see `_dense`): Hermite ends, then the
        continuous extension's own rows on the stages."""
        self.extras(rhs, t, y, h)
        q0 = ynew - y
        q1 = h * f - q0
        q2 = q0 - h * fnew - q1
        rest = h * np.dot(self.R, self.K[:self.R.shape[1]])
        return np.vstack([q0, q1, q2, rest])


def _rosenbrock_step(rhs, t, y, f, h, J, T, counts):
    n = rhs.n
    W = np.eye(n) - (h * _D) * J
    counts["nlu"] += 1
    solve = np.linalg.solve
    hdT = (h * _D) * T
    k1 = solve(W, f + hdT)
    f1 = rhs.number(t + 0.5 * h, y + (0.5 * h) * k1)
    k2 = solve(W, f1 - k1) + k1
    ynew = y + h * k2
    fnew = rhs.number(t + h, ynew)
    k3 = solve(W, fnew - _E32 * (k2 - f1) - 2.0 * (k1 - f) + hdT)
    err = (h / 6.0) * (k1 - 2.0 * k2 + k3)
    return ynew, fnew, err


class _Rosenbrock:
    """The Rosenbrock 2(3) step on flat rows, run on dual arrays."""

    exponent = 1.0 / 3.0

    def __init__(self, counts):
        self.counts = counts
        self.J = self.T = None
        self.err = None

    def step(self, rhs, t, y, f, h):
        kind = rhs.kind
        yn, fn = kind.pack(y), kind.pack(f)
        if self.J is None:
            self.J, self.T = rhs.jacobian(t, yn)
        ynew, fnew, err = _rosenbrock_step(rhs, t, yn, fn, h, self.J, self.T, self.counts)
        self.err = kind.rows(stack_state(err))
        self.C = kind.C
        return kind.rows(stack_state(ynew)), kind.rows(fnew)

    def norm(self, h, y, ynew, rtol, atol):
        C = self.C
        scale = atol + rtol * np.maximum(np.abs(y), np.abs(ynew))
        r = (self.err / scale).reshape(C, -1)
        return float(np.sqrt((r * r).mean(axis=1).max()))

    def accepted(self):
        self.J = None

    def interpolant(self, rhs, t, y, f, ynew, fnew, h):
        """The cubic Hermite interpolant's rows (see `_dense`)."""
        q0 = ynew - y
        q1 = h * f - q0
        return np.vstack([q0, q1, q0 - h * fnew - q1])


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
    method : {"RK45", "DOP853", "Rosenbrock"}
        Explicit Dormand-Prince 5(4); explicit Dormand-Prince 8(5,3) (for tight
        tolerances); or the L-stable Rosenbrock 2(3) pair with the exact
        Jacobian, for stiff problems.
    t_eval : array_like, optional
        Times at which to report the solution (RK45 and Rosenbrock land their
        steps on them; DOP853 evaluates its 7th-order continuous extension).
    args : tuple
        Extra arguments for fun.
    rtol, atol : float
        Tolerances, for the states and every sensitivity.
    first_step, max_step : float, optional
        Initial step (default: chosen from the problem) and largest step.
    dense_output : bool
        Return ``sol``, an `OdeSolution`: ``sol(t)`` is the (n,) state at a
        scalar t, the (n, m) states at m times, anywhere in t_span (either
        direction; a t outside raises ValueError, where scipy extrapolates).
        Interpolants: RK45 Dormand-Prince's 4th-order continuous extension,
        DOP853 its 7th-order one (3 more fun evaluations per step), Rosenbrock
        the cubic Hermite of the step's end values and derivatives.  With dual
        y0 / args the values are dual (exact derivatives of the interpolant);
        a dual t differentiates the interpolant in t.

    Returns
    -------
    OdeResult
        ``t`` (m,), ``y`` (n, m) (a dual array with sensitivities), ``success``,
        ``status`` (0 done, -1 step too small, -2 non-finite), ``message``,
        ``nfev``, ``njev``, ``nlu``, ``sol`` (an `OdeSolution` with
        ``dense_output=True``, else None).

    Examples
    --------
    >>> import numpy as np, dualcalc as dc
    >>> from dualcalc.integrate import solve_ivp
    >>> r = solve_ivp(lambda t, y, k: -k * y, (0.0, 1.0), [1.0], args=(2.0,), rtol=1e-10, atol=1e-12)
    >>> round(float(r.y[0, -1]), 9)              # exp(-2)
    0.135335283
    >>> d = dc.derivative(lambda k: solve_ivp(lambda t, y: -k * y, (0.0, 1.0), [1.0],
    ...                   method="DOP853", rtol=1e-12, atol=1e-14).y[0, -1], 2.0)
    >>> round(d, 12)                              # -exp(-2)
    -0.135335283237
    >>> sol = solve_ivp(lambda t, y: [-2.0 * y[0]], (0.0, 1.0), [1.0], dense_output=True,
    ...                 rtol=1e-10, atol=1e-12).sol
    >>> round(float(sol(0.25)[0]), 8)             # exp(-0.5), between steps
    0.60653066
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
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
    y0n = stack_state(y0)
    if np.ndim(real(y0n)) != 1:
        raise ValueError(f"y0 must be one-dimensional, got shape {np.shape(real(y0n))}")
    n = np.shape(real(y0n))[0]
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
    # the state's kind: y0's perturbations and those fun adds (dual args)
    f0n = rhs.number(t0, y0n)
    py, pf = _zero_proto(y0n), _zero_proto(f0n)
    proto = py if pf is None else (pf if py is None else py + pf)
    kind = rhs.kind = _Kind(_zero_proto(proto) if proto is not None else None, n)
    y, f = kind.rows(y0n), kind.rows(f0n)
    counts = {"nlu": 0}

    def stepper():
        if method == "Rosenbrock":
            return _Rosenbrock(counts)
        return _Explicit(RK45 if method == "RK45" else DOP853, rhs.kind.C, n)
    meth = stepper()
    order = {"RK45": 5, "DOP853": 7, "Rosenbrock": 2}[method]
    h = abs(float(first_step)) if first_step is not None else _initial_step(
        rhs, t0, y, f, direction, order, rtol, atol, span)
    max_step = float(max_step)
    interpolate = method == "DOP853" and t_eval is not None
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
    dense_ts, dense_ys, dense_qs = [t0], [], []      # the continuous solution's steps
    while status is None:
        h = min(h, max_step)
        tnext = t + direction * h
        stop = targets[0] if targets and not interpolate else t1
        if (tnext - stop) * direction >= 0 or abs(stop - tnext) < 1e-12 * max(1.0, abs(stop)):
            tnext = stop
        hs = tnext - t                        # signed
        if abs(hs) < 10 * np.spacing(abs(t)):
            status = -1
            break
        try:
            ynew, fnew = meth.step(rhs, t, y, f, hs)
            norm = meth.norm(hs, y, ynew, rtol, atol)
        except _Changed as change:            # fun brought new perturbations: promote
            old = rhs.kind
            new = _Kind(change.proto, n)
            y, f = new.rows(old.pack(y)), new.rows(old.pack(f))
            ys = [new.rows(old.pack(v)) for v in ys]
            dense_ys = [new.rows(old.pack(v)) for v in dense_ys]
            dense_qs = [np.stack([new.rows(old.pack(r)) for r in q]) for q in dense_qs]
            rhs.kind = new
            meth = stepper()
            continue
        if not math.isfinite(norm):
            h = abs(hs) * 0.2
            continue
        if norm <= 1.0:
            factor = 10.0 if norm == 0 else min(10.0, max(0.2, 0.9 * norm ** -meth.exponent))
            if interpolate and targets:
                inside = []
                while targets and (targets[0] - tnext) * direction < 0:
                    inside.append(targets.pop(0))
                if inside:
                    thetas = (np.array(inside) - t) / hs
                    ts.extend(inside)
                    ys.extend(meth.dense(rhs, t, y, hs, thetas))
            if dense_output:
                dense_qs.append(meth.interpolant(rhs, t, y, f, ynew, fnew, hs))
                dense_ys.append(y)
                dense_ts.append(tnext)
            t, y, f = tnext, ynew, fnew
            if method == "Rosenbrock":
                meth.accepted()
            if not np.all(np.isfinite(y)):
                status = -2
                break
            if targets is None:
                ts.append(t)
                ys.append(y)
            elif targets and t == targets[0]:
                ts.append(t)
                ys.append(y)
                targets.pop(0)
            if t == t1:
                status = 0
            h = abs(hs) * factor if tnext != stop or abs(hs) >= h else max(h, abs(hs) * factor)
        else:
            h = abs(hs) * max(0.2, 0.9 * norm ** -meth.exponent)
    kind = rhs.kind
    sol = None
    if dense_output:
        if not dense_ys:                      # no step accepted: the solution is y0 at t0
            sol = OdeSolution(dense_ts, [y], np.zeros((0, 3, kind.C * n)), kind, n)
        else:
            sol = OdeSolution(dense_ts, dense_ys, dense_qs, kind, n)
    if ys:
        yout = kind.build(np.stack(ys, axis=1))
    else:
        yout = kind.build(np.zeros((kind.C * n, 0)))
    return OdeResult(t=np.array(ts), y=yout, success=status == 0, status=status,
                     message=_MESSAGES[status], nfev=rhs.nfev, njev=rhs.njev,
                     nlu=counts["nlu"], sol=sol, t_events=None, y_events=None)
