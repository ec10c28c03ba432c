"""The result type shared by every solver, and the one table of status messages.

Design: a solver never writes a message of its own; it picks a status code from
``STATUS`` and `finish` fills in ``success`` and ``message`` from the table, so
the same outcome always reads the same way.
"""
import numpy as np

__all__ = ["OptimizeResult", "STATUS", "CONVERGED", "MAXITER", "PRECISION_LOSS",
           "NONFINITE", "SINGULAR", "ROOT_FOUND", "SMALL_STEP", "SMALL_FCHANGE", "KKT_CONVERGED",
           "EPOCHS_DONE",
           "CALLBACK_STOP"]

CONVERGED = 0
MAXITER = 1
PRECISION_LOSS = 2
NONFINITE = 3
SINGULAR = 4
ROOT_FOUND = 5
SMALL_STEP = 6
SMALL_FCHANGE = 7
KKT_CONVERGED = 8
EPOCHS_DONE = 9
CALLBACK_STOP = 99

#: status code -> (success, message).  The only place messages are written.
STATUS = {
    CONVERGED: (True, "Optimization terminated successfully: the gradient norm is "
                      "below gtol."),
    MAXITER: (False, "Maximum number of iterations has been exceeded."),
    PRECISION_LOSS: (False, "Desired error not necessarily achieved due to precision "
                            "loss: no step along the search direction decreases the "
                            "objective."),
    NONFINITE: (False, "NaN or infinite value encountered in the objective or its "
                       "derivatives; the result is the last point where they were "
                       "finite."),
    SINGULAR: (False, "The Jacobian (or derivative) is singular: no Newton step exists "
                      "at this point (try least_squares, or another starting point)."),
    ROOT_FOUND: (True, "A root was found: the residual norm is below tol."),
    SMALL_STEP: (True, "Converged: the Newton step is below xtol relative to x (the "
                       "remaining error is at the level of rounding)."),
    SMALL_FCHANGE: (True, "Converged: the relative reduction of the objective is below "
                          "ftol."),
    KKT_CONVERGED: (True, "Optimization terminated successfully: the first-order "
                          "optimality (KKT) conditions hold to tol, constraints "
                          "included."),
    EPOCHS_DONE: (True, "Completed the requested number of epochs (a stochastic method "
                        "has no convergence test: see result.history)."),
    CALLBACK_STOP: (False, "`callback` raised `StopIteration`."),
}


class OptimizeResult(dict):
    """The result of a solver: a dict whose keys are also attributes.

    The fields follow ``scipy.optimize.OptimizeResult``: ``x``, ``fun``, ``jac``,
    ``hess``, ``nit``, ``nfev``, ``njev``, ``nhev``, ``success``, ``status`` and
    ``message``; a solver adds what else it knows (``history`` on request).

    Examples
    --------
    >>> r = OptimizeResult(x=1.5, success=True)
    >>> r.x, r["success"]
    (1.5, True)
    >>> r.nit = 3
    >>> sorted(r)
    ['nit', 'success', 'x']
    """

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    __setattr__ = dict.__setitem__
    __delattr__ = dict.__delitem__

    def __dir__(self):
        return list(self.keys()) + dir(dict)

    def __repr__(self):
        if not self:
            return self.__class__.__name__ + "()"
        width = max(map(len, map(str, self))) + 1
        lines = []
        for k, v in self.items():
            text = repr(v) if not isinstance(v, np.ndarray) else np.array2string(
                v, separator=", ", prefix=" " * (width + 2))
            lines.append(str(k).rjust(width) + ": " + text)
        return "\n".join(lines)


def finish(result, status):
    """Set status, success and message from the table; return the result."""
    success, message = STATUS[status]
    result["status"] = status
    result["success"] = success
    result["message"] = message
    return result


# ---------------------------------------------------------------- shared plumbing
def check_x0(x0):
    """x0 as a fresh 1-D float64 array (a scalar becomes shape (1,), as in
    scipy), with a ValueError that says what is wrong."""
    if isinstance(x0, (str, bytes)) or x0 is None:
        raise TypeError(f"x0 must be a number or a 1-D array of numbers, got "
                        f"{type(x0).__name__}")
    try:
        arr = np.array(x0, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"x0 must be a number or a 1-D array of numbers: {exc}") from None
    arr = np.atleast_1d(arr)
    if arr.ndim != 1:
        raise ValueError(f"x0 must be one-dimensional, got shape {arr.shape}; "
                         "flatten it and reshape inside your function")
    if arr.size == 0:
        raise ValueError("x0 is empty: there is nothing to optimize")
    if not np.all(np.isfinite(arr)):
        bad = np.flatnonzero(~np.isfinite(arr))
        raise ValueError(f"x0 must be finite; entries {bad.tolist()} are nan or inf")
    return arr


def small_step(step, x, xtol):
    """True when every component of step is below xtol relative to the same
    component of x (|step_i| <= xtol (xtol + |x_i|)).  Componentwise, so that
    a badly scaled variable (x1 ~ 1e6 beside x2 ~ 1e-6) is not declared
    converged because the other one is large."""
    return bool(np.all(np.abs(step) <= xtol * (xtol + np.abs(x))))


def check_options(options, known, method):
    """A copy of options, with a ValueError naming any option the method does
    not know (a typo should not be silently ignored)."""
    options = {} if options is None else dict(options)
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ValueError(f"unknown option(s) {unknown} for method {method!r}; "
                         f"it takes {sorted(known)}")
    for name in ("maxiter",):
        if name in options and options[name] is not None:
            value = options[name]
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return options


class Monitor:
    """Everything a solver does once per iteration besides its own work: the
    ``disp`` table, the optional history and the callback.

    ``record`` returns True when the callback raised StopIteration, and the
    solver then stops with status CALLBACK_STOP.
    """

    def __init__(self, callback=None, disp=False, history=False, label="f",
                 printer=print):
        if callback is not None and not callable(callback):
            raise TypeError("callback must be callable, called as "
                            "callback(intermediate_result)")
        self.callback = callback
        self.disp = bool(disp)
        self.history = {"f": [], "grad_norm": [], "step": []} if history else None
        self.label = label
        self.printer = printer

    def start(self, value, gnorm):
        """Row 0 of the table and of the history (value: f, or |F| for roots)."""
        if self.disp:
            self.printer(f"{'iter':>6} {self.label:>23} {'|g|':>12} {'step':>12}")
            self.printer(f"{0:>6} {value:>23.15e} {gnorm:>12.4e} {'':>12}")
        if self.history is not None:
            self.history["f"].append(float(value))
            self.history["grad_norm"].append(float(gnorm))
            self.history["step"].append(0.0)

    def record(self, nit, x, fun, jac, gnorm, step, display=None, **extra):
        """One iteration: table row, history entry, callback.  ``display`` is
        the number shown for ``fun`` when fun is not a scalar (root)."""
        value = fun if display is None else display
        if self.disp:
            self.printer(f"{nit:>6} {value:>23.15e} {gnorm:>12.4e} {step:>12.4e}")
        if self.history is not None:
            self.history["f"].append(float(value))
            self.history["grad_norm"].append(float(gnorm))
            self.history["step"].append(float(step))
        if self.callback is None:
            return False
        jac = None if jac is None or np.ndim(jac) == 0 else np.array(jac, dtype=np.float64)
        fun = np.array(fun, dtype=np.float64) if np.ndim(fun) else fun
        x = np.array(x, dtype=np.float64) if np.ndim(x) else float(x)
        intermediate = OptimizeResult(x=x, fun=fun, jac=jac,
                                      nit=nit, **extra)
        try:
            self.callback(intermediate)
        except StopIteration:
            return True
        return False

    def attach(self, result, value=None):
        """Put the history into the result and print the summary."""
        if self.history is not None:
            result["history"] = {k: np.array(v) for k, v in self.history.items()}
        if self.disp:
            value = result["fun"] if value is None else value
            self.printer(result["message"])
            self.printer(f"         Current {self.label} value: {value!r}")
            self.printer(f"         Iterations: {result['nit']}")
        return result
