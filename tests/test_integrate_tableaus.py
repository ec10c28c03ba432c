"""The Runge-Kutta tableaus of dualcalc.integrate: every order condition (one
per rooted tree, Butcher's theory) up to each method's order, computed from
the tableau as it is stored, and shown to fail one order higher (so the check
can tell a wrong coefficient)."""
from functools import lru_cache

import numpy as np
import pytest

from dualcalc.integrate._tableaus import DOP853, DOP853_A16, DOP853_C16, RK45, dense_weights


@lru_cache(maxsize=None)
def trees(n):
    """Rooted trees with n nodes, each a sorted tuple of its subtrees."""
    if n == 1:
        return ((),)
    found = set()

    def grow(rest, children):
        if rest == 0:
            found.add(tuple(sorted(children)))
            return
        for m in range(1, rest + 1):
            for t in trees(m):
                grow(rest - m, children + [t])
    grow(n - 1, [])
    return tuple(sorted(found))


def nodes(t):
    return 1 + sum(nodes(c) for c in t)


def density(t):
    """gamma(t): the tree's order times its subtrees' densities."""
    g = nodes(t)
    for c in t:
        g *= density(c)
    return g


def phi(t, A):
    """The elementary weights of t: the product over the children of A phi(child)."""
    v = np.ones(A.shape[0])
    for c in t:
        v = v * (A @ phi(c, A))
    return v


def worst(b, A, n, theta=1.0):
    """The largest |b . phi(t) - theta^|t| / gamma(t)| over the trees with n nodes."""
    return max(abs(b @ phi(t, A) - theta ** nodes(t) / density(t)) for t in trees(n))


def test_tree_counts():
    # OEIS A000081
    assert [len(trees(n)) for n in range(1, 10)] == [1, 1, 2, 4, 9, 20, 48, 115, 286]


@pytest.mark.parametrize("tab,order", [(RK45, 5), (DOP853, 8)])
def test_the_propagated_solution_has_its_order(tab, order):
    assert np.max(np.abs(tab.A.sum(axis=1) - tab.c)) <= 2e-15
    for n in range(1, order + 1):
        assert worst(tab.b, tab.A, n) <= 4e-15, n
    assert worst(tab.b, tab.A, order + 1) > 1e-6


def _with_fsal(tab):
    s = tab.stages
    A = np.zeros((s + 1, s + 1))
    A[:s, :s] = tab.A
    A[s, :s] = tab.b
    return A


@pytest.mark.parametrize("tab,order", [(RK45, 4), (DOP853, 5)])
def test_the_error_weights_vanish_to_the_embedded_order(tab, order):
    """e = b - b_embedded (over the stages and f at the new state) is zero on
    every tree the embedded solution integrates exactly, and not beyond."""
    A = _with_fsal(tab)
    for n in range(1, order + 1):
        assert max(abs(tab.e @ phi(t, A)) for t in trees(n)) <= 4e-15, n
    assert max(abs(tab.e @ phi(t, A)) for t in trees(order + 1)) > 1e-6


def test_dop853_third_order_estimate():
    A = _with_fsal(DOP853)
    for n in range(1, 4):
        assert max(abs(DOP853.e3 @ phi(t, A)) for t in trees(n)) <= 4e-15
    assert max(abs(DOP853.e3 @ phi(t, A)) for t in trees(4)) > 1e-3


@pytest.mark.parametrize("theta", [0.0, 0.1, 0.37, 0.5, 0.9, 1.0])
def test_dop853_dense_output_has_order_seven(theta):
    """y(t + theta h) = y + h w(theta) . K over the 16 stages: the weights
    satisfy b(theta) . phi(t) = theta^|t| / gamma(t) up to order 7."""
    assert np.max(np.abs(DOP853_A16.sum(axis=1) - DOP853_C16)) <= 2e-15
    w = dense_weights([theta])[0]
    for n in range(1, 8):
        assert worst(w, DOP853_A16, n, theta) <= 4e-15, (n, theta)
    if 0 < theta < 1:
        assert worst(w, DOP853_A16, 8, theta) > 1e-7
    else:          # the ends are the step's own states (0 and the 8th-order solution)
        assert worst(w, DOP853_A16, 8, theta) <= 4e-15
