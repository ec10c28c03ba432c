"""The work behind a command-line ``dualcalc integrate``: text in, numbers out.

Design: the integrand and the limits are safe expressions (`dualcalc.expr`,
never eval); the integration variable is ``--var`` (default ``x``, or the one
variable there is), every other variable is a parameter given by ``--wrt
NAME=VALUE``.  The limits may be numbers, ``inf``/``-inf`` or expressions in
the parameters, so the derivative with respect to a parameter includes the
limits' share (fundamental theorem) and the integrand's.  The command line
only formats the dict this returns.
"""
import numpy as np

from dualcalc import derivatives as D
from dualcalc.expr import ExprError, parse, parse_assignments
from dualcalc.integrate._quad import quad

__all__ = ["integrate_command"]

_INF = {"inf": np.inf, "+inf": np.inf, "-inf": -np.inf, "infinity": np.inf,
        "+infinity": np.inf, "-infinity": -np.inf, "oo": np.inf, "-oo": -np.inf}


def _limit(text, names, what):
    key = text.strip().lower()
    if key in _INF:
        return lambda p: _INF[key]
    expr = parse(text, variables=names)
    if expr.is_vector:
        raise ExprError(f"the limit {what} must be one number: ';' is not allowed here",
                        text, text.index(";"))
    return expr


def integrate_command(text, lower, upper, var=None, wrt="", epsabs=1.49e-8, epsrel=1.49e-8,
                      limit=50, order=1):
    """Integrate an expression from ``lower`` to ``upper``, with derivatives in
    its parameters.

    Parameters
    ----------
    text : str
        The integrand, e.g. ``"exp(-p*x**2)"``.
    lower, upper : str
        The limits: numbers, ``inf``/``-inf``, or expressions in the parameters.
    var : str, optional
        The integration variable (default ``x``, or the expression's only variable).
    wrt : str
        ``"p=1,q=2"``: the parameters' values; the derivatives are taken with
        respect to each of them.
    epsabs, epsrel, limit
        As for `quad`.
    order : {0, 1, 2}
        0: the value only; 1: and the gradient; 2: and the Hessian.

    Returns
    -------
    dict
        ``expression``, ``variable``, ``parameters`` (names), ``at`` (values),
        ``lower``, ``upper``, ``value``, ``abserr``, and ``gradient`` /
        ``hessian`` (lists, in the order of ``parameters``) for order >= 1 / 2.

    Examples
    --------
    >>> r = integrate_command("exp(-p*x**2)", "0", "inf", wrt="p=1")
    >>> round(r["value"], 12), round(r["gradient"][0], 12)   # sqrt(pi)/2, -sqrt(pi)/4
    (0.886226925453, -0.443113462726)
    >>> integrate_command("x**2", "0", "b", wrt="b=3")["gradient"]     # d/db = b**2
    [9.0]
    """
    at = parse_assignments(wrt, "--wrt") if wrt.strip() else {}
    probe = parse(text)
    if probe.is_vector:
        raise ExprError("the integrand must be one expression: ';' is not allowed here",
                        text, text.index(";"))
    if var is None:
        free = [v for v in probe.variables if v not in at]
        if "x" in probe.variables and "x" not in at:
            var = "x"
        elif len(free) == 1:
            var = free[0]
        elif not free:
            var = "x"
        else:
            raise ExprError(f"which variable is integrated? The expression has "
                            f"{', '.join(free)} without values: give --var, and the "
                            "others' values with --wrt NAME=VALUE")
    if var in at:
        raise ExprError(f"{var} is the integration variable and cannot have a value in --wrt")
    names = list(at)
    missing = [v for v in probe.variables if v != var and v not in at]
    if missing:
        example = ",".join(f"{v}=1" for v in missing)
        raise ExprError(f"no value for {', '.join(missing)}: give --wrt {example}")
    f = parse(text, variables=[var] + names)
    lo = _limit(lower, names, "--from")
    hi = _limit(upper, names, "--to")
    if order not in (0, 1, 2):
        raise ValueError("order must be 0, 1 or 2")
    errs = []

    def integral(p):
        pv = [p[i] for i in range(len(names))]
        v, e = quad(lambda t: f([t] + pv), lo(pv), hi(pv), epsabs=epsabs, epsrel=epsrel,
                    limit=limit)
        errs.append(e)
        return v

    p0 = np.array([at[n] for n in names], dtype=np.float64)
    out = dict(expression=text, variable=var, parameters=names, at=[float(v) for v in p0],
               lower=lower, upper=upper)
    if order == 0 or not names:
        out["value"] = float(integral(p0))
    elif order == 1:
        v, g = D.value_and_gradient(integral, p0)
        out.update(value=float(v), gradient=[float(x) for x in g])
    else:
        v, g, H = D.value_gradient_hessian(integral, p0)
        out.update(value=float(v), gradient=[float(x) for x in g],
                   hessian=[[float(x) for x in row] for row in H])
    out["abserr"] = float(max(errs))
    return out
