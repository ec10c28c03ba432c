"""dualcalc.integrate.integrate_command: the work of a `dualcalc integrate`
command, checked against closed forms."""
import math

import mpmath as mp
import pytest

from dualcalc.expr import ExprError
from dualcalc.integrate import integrate_command


def test_value_gradient_hessian_through_limits_and_integrand():
    r = integrate_command("exp(-p*t)", "0", "p", wrt="p=1.5", order=2)
    p = 1.5
    value = (1 - math.exp(-p * p)) / p
    d1 = (2 * p * p * math.exp(-p * p) - 1 + math.exp(-p * p)) / p**2
    assert r["variable"] == "t" and r["parameters"] == ["p"]
    assert abs(r["value"] - value) < 1e-14
    assert abs(r["gradient"][0] - d1) < 1e-13
    d2 = float(mp.diff(lambda q: (1 - mp.exp(-q * q)) / q, mp.mpf(p), 2))
    assert abs(r["hessian"][0][0] - d2) < 1e-12 * abs(d2)


def test_infinite_limits_and_a_probability():
    r = integrate_command("exp(-x**2/2)/sqrt(2*pi)", "-inf", "1.96", order=0)
    assert abs(r["value"] - 0.5 * (1 + math.erf(1.96 / math.sqrt(2)))) < 1e-12
    r = integrate_command("exp(-p*x**2)", "-inf", "inf", wrt="p=2")
    assert abs(r["value"] - math.sqrt(math.pi / 2)) < 1e-13
    assert abs(r["gradient"][0] + 0.5 * math.sqrt(math.pi) * 2 ** -1.5) < 1e-13


def test_errors_name_what_to_do():
    with pytest.raises(ExprError, match="--wrt"):
        integrate_command("x*p", "0", "1")
    with pytest.raises(ExprError, match="--var"):
        integrate_command("a*b", "0", "1")
    with pytest.raises(ExprError, match="integration variable"):
        integrate_command("x**2", "0", "1", wrt="x=1")
    with pytest.raises(ExprError):
        integrate_command("x; x", "0", "1")
