"""OdeSolution: the continuous solution of solve_ivp(..., dense_output=True).

Design: every step [t_i, t_i + h_i] keeps its start state and the rows of its
interpolant in one nested form shared by all methods,

    y(t_i + theta h_i) = y_i + theta (Q0 + (1-theta)(Q1 + theta (Q2 + (1-theta)(Q3 + ...)))),

with Q0 = y_{i+1} - y_i, Q1 = h f_i - Q0, Q2 = Q0 - h f_{i+1} - Q1 (so the
interpolant takes the step's end values and derivatives at theta = 0, 1) and,
for the Runge-Kutta methods, Q3.. = h R_j . K (the continuous extension's
further rows on the stages: RK45 one row, 4th order; DOP853 four rows, 7th
order); Rosenbrock stops at Q2 (the cubic Hermite interpolant).  Each Q is
stored as the flat rows of the solver's state (value, then tangents: see
`_ivp._Kind`), and the interpolant is linear in them, so at a float time
the dual result is the same linear combination of every row: the exact
derivatives of the interpolant with respect to y0 and args.  At a dual time
the nested polynomial is evaluated in dual arithmetic, which differentiates
it in t (and nests with dual states: a HyperDualArray carries both).
"""
import bisect

import numpy as np

from dualcalc.integrate._duals import is_dual, real, stack_state

__all__ = ["OdeSolution", "StepInterpolant"]


class OdeSolution:
    """A continuous solution: ``sol(t)`` for t in the interval the solver covered.

    ``sol(t)`` is the (n,) state at a scalar t and the (n, m) states at m times
    (float arrays, or dual arrays when y0 / args were dual; a dual t
    differentiates the interpolant in t).  Unlike scipy's OdeSolution, which
    extrapolates the first and last steps, a t outside ``[min(ts), max(ts)]``
    raises ValueError: the interpolant carries no error control there.

    Attributes
    ----------
    ts : ndarray (N + 1,)
        The breakpoints (the accepted steps' times, in the direction of
        integration).
    interpolants : list of StepInterpolant
        One per step, each callable on its own ``[t_min, t_max]``.
    t_min, t_max : float
        The interval covered.

    Examples
    --------
    >>> import numpy as np
    >>> from dualcalc.integrate import solve_ivp
    >>> r = solve_ivp(lambda t, y: [-y[0]], (0.0, 2.0), [1.0], dense_output=True,
    ...               rtol=1e-10, atol=1e-12)
    >>> print(abs(r.sol(0.5)[0] - np.exp(-0.5)) < 1e-9, r.sol([0.5, 1.5]).shape)
    True (1, 2)
    """

    def __init__(self, ts, starts, rows, kind, n):
        self.ts = np.asarray(ts, dtype=np.float64)
        self._y = np.asarray(starts)          # (N, C*n) start-of-step states (rows);
        #                                       (1, C*n) y0 when no step was accepted
        self._q = np.asarray(rows)            # (N, p, C*n) nested interpolant rows
        self._kind, self._n = kind, n
        self.ascending = bool(self.ts[-1] >= self.ts[0])
        self.t_min, self.t_max = float(np.min(self.ts)), float(np.max(self.ts))
        self._key = self.ts if self.ascending else -self.ts
        self._h = np.diff(self.ts)
        self._keys = self._key.tolist()         # for the scalar fast path

    @property
    def n_segments(self):
        return len(self._h)

    @property
    def interpolants(self):
        return [StepInterpolant(self, i) for i in range(self.n_segments)]

    def _steps(self, tv):
        """The step index of each time (m,), after checking the range."""
        if not np.all(np.isfinite(tv)):
            raise ValueError("sol(t) needs finite times")
        bad = (tv < self.t_min) | (tv > self.t_max)
        if np.any(bad):
            raise ValueError(
                f"sol(t) is defined for t in [{self.t_min!r}, {self.t_max!r}] (the interval "
                f"the solver covered); got t = {tv[bad][0]!r}. It does not extrapolate: "
                "solve over a t_span that contains every time you need")
        if self.n_segments == 0:
            return np.zeros(tv.shape, dtype=np.intp)
        key = tv if self.ascending else -tv
        idx = np.searchsorted(self._key, key, side="right") - 1
        return np.clip(idx, 0, self.n_segments - 1)

    def __call__(self, t):
        """The state(s) at t: (n,) for a scalar, (n, m) for m times."""
        if type(t) is float or type(t) is np.float64 or type(t) is int:
            if self.t_min <= t <= self.t_max and self.n_segments:   # scalar fast path
                return self._scalar(float(t))
        return self._at(t, None)

    def _scalar(self, t):
        """sol(t) at a float t in range (the same arithmetic as `_at`)."""
        i = bisect.bisect_right(self._keys, t if self.ascending else -t) - 1
        i = min(max(i, 0), self.n_segments - 1)
        th = (t - self.ts[i]) / self._h[i]
        q = self._q[i]
        acc = q[-1]
        for j in range(q.shape[0] - 2, -1, -1):
            acc = q[j] + ((1.0 - th) if j % 2 == 0 else th) * acc
        rows = self._y[i] + th * acc
        if self._kind.proto is None:
            return rows
        return self._kind.build(rows[:, None])[:, 0]

    def _at(self, t, step):
        """sol(t), on the step `step` (no range check) or on the steps t falls in."""
        if isinstance(t, (list, tuple)) and any(is_dual(u) for u in t):
            t = stack_state(list(t))            # a list of dual times: one dual array
        dual = is_dual(t)
        tv = real(t)
        try:
            tv = np.asarray(tv, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError("sol(t) takes a real time or a one-dimensional array of times "
                            "(floats or dual numbers)") from None
        if tv.ndim > 1:
            raise ValueError(f"sol(t) takes a scalar or a one-dimensional array of times, got "
                             f"shape {tv.shape}")
        scalar = tv.ndim == 0
        tv1 = np.atleast_1d(tv)
        idx = self._steps(tv1) if step is None else np.full(tv1.shape, step, dtype=np.intp)
        kind = self._kind
        if self.n_segments == 0:            # no step was accepted: only t0 itself
            out = kind.build(np.repeat(self._y[0][:, None], len(tv1), axis=1))
            return out[:, 0] if scalar else out
        h = self._h[idx]
        y = self._y[idx].T                  # (C*n, m)
        q = self._q[idx]                    # (m, p, C*n)
        p = q.shape[1]
        if not dual:
            th = (tv1 - self.ts[idx]) / h
            acc = q[:, p - 1].T
            for j in range(p - 2, -1, -1):
                acc = q[:, j].T + ((1.0 - th) if j % 2 == 0 else th) * acc
            out = kind.build(y + th * acc)
        else:
            # t carries perturbations: the same nested polynomial in dual arithmetic
            th = (t - self.ts[idx]) / h
            acc = kind.build(np.ascontiguousarray(q[:, p - 1].T))
            for j in range(p - 2, -1, -1):
                acc = kind.build(np.ascontiguousarray(q[:, j].T)) + \
                    ((1.0 - th) if j % 2 == 0 else th) * acc
            out = kind.build(y) + th * acc
        return out[:, 0] if scalar else out

    def __repr__(self):
        return (f"OdeSolution(t_min={self.t_min!r}, t_max={self.t_max!r}, "
                f"n_segments={self.n_segments})")


class StepInterpolant:
    """The interpolant of one step, callable on ``[t_min, t_max]`` (like scipy's
    DenseOutput).

    >>> import numpy as np
    >>> from dualcalc.integrate import solve_ivp
    >>> r = solve_ivp(lambda t, y: [np.cos(t)], (0.0, 1.0), [0.0], dense_output=True,
    ...               rtol=1e-10, atol=1e-12)
    >>> s = r.sol.interpolants[1]
    >>> t = 0.5 * (s.t_min + s.t_max)
    >>> bool(abs(s(t)[0] - np.sin(t)) < 1e-9), s.t_old == float(r.sol.ts[1])
    (True, True)
    """

    def __init__(self, sol, i):
        self._sol, self._i = sol, i
        self.t_old, self.t = float(sol.ts[i]), float(sol.ts[i + 1])
        self.t_min, self.t_max = min(self.t_old, self.t), max(self.t_old, self.t)

    def __call__(self, t):
        if isinstance(t, (list, tuple)) and any(is_dual(u) for u in t):
            t = stack_state(list(t))
        tv = np.atleast_1d(np.asarray(real(t), dtype=np.float64))
        if np.any((tv < self.t_min) | (tv > self.t_max)):
            raise ValueError(f"this step's interpolant is defined for t in [{self.t_min!r}, "
                             f"{self.t_max!r}]")
        return self._sol._at(t, self._i)
