"""The README's first example runs as written and gives mpmath's answer."""
import mpmath as mp

import dualcalc.math as math
from dualcalc import Dual, HyperDual


def _f(x):
    return math.exp(x) / math.sqrt(math.sin(x) ** 3 + math.cos(x) ** 3)


def test_readme_example_first_and_second_derivative():
    mp.mp.dps = 50
    g = lambda t: mp.exp(t) / mp.sqrt(mp.sin(t) ** 3 + mp.cos(t) ** 3)
    x0 = mp.mpf(1.5)
    d1 = mp.diff(g, x0)
    d2 = mp.diff(g, x0, 2)
    y = _f(Dual(1.5, 1.0))
    z = _f(HyperDual(1.5, 1.0, 1.0, 0.0))
    assert abs(y.eps - d1) <= 1e-15 * abs(d1)
    assert abs(z.eps1eps2 - d2) <= 1e-15 * abs(d2)
    assert z.eps1 == y.eps and z.eps2 == y.eps
