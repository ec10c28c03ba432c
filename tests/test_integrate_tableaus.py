"""The Runge-Kutta tableaus of dualcalc.integrate: every order condition (one
per rooted tree, Butcher's theory) up to each method's order, computed from
the tableau as it is stored, and shown to fail one order higher (so the check
can tell a wrong coefficient)."""
from fractions import Fraction
from functools import lru_cache

import numpy as np
import pytest

from dualcalc.integrate._tableaus import (DOP853, DOP853_A16, DOP853_C16, RK45, RK45_DENSE_D,
                                          dense_weights)


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


# ---------------------------------------------------------------- RK45's continuous extension
def _exact(x):
    """The rational a stored RK45 coefficient was rounded from (denominators
    below 1e6: rationals that close together are 1e-12 apart, far more than
    the rounding)."""
    return Fraction(x).limit_denominator(10 ** 6)


def _poly_weights(R):
    """The weights of a nested continuous extension theta (R0 + (1-theta)(R1 +
    theta (R2 + ...))) as exact polynomials: one coefficient list per stage."""
    m, S = len(R), len(R[0])
    out = []
    for i in range(S):
        acc = [R[m - 1][i]]
        for j in range(m - 2, -1, -1):
            shifted = [Fraction(0)] + acc
            if j % 2 == 0:        # 1 - theta
                acc = [a - b for a, b in zip(acc + [Fraction(0)], shifted)]
            else:
                acc = shifted
            acc[0] += R[j][i]
        out.append([Fraction(0)] + acc)          # the outer theta
    return out


def test_rk45_dense_output_has_order_four_exactly():
    """Dormand-Prince's continuous extension (b and A recovered as the
    rationals they were rounded from, d as stored in rationals, and the rows
    r2, r3 rebuilt from them as _tableaus does): for every rooted tree with up to 4
    nodes, sum_i b_i(theta) phi_i(t) equals theta^|t| / gamma(t) identically
    in theta (exact rational polynomials); it fails for some 5-node tree
    inside the step and holds at theta = 1, where the weights are b."""
    A = [[_exact(x) for x in row] for row in _with_fsal(RK45)]
    b = [_exact(x) for x in RK45.b] + [Fraction(0)]
    r2 = [int(i == 0) - b[i] for i in range(7)]
    r3 = [b[i] - int(i == 6) - r2[i] for i in range(7)]
    R = [b, r2, r3, [Fraction(p, q) for p, q in RK45_DENSE_D]]
    S = len(A)
    W = _poly_weights(R)
    deg = max(len(w) for w in W)
    W = [w + [Fraction(0)] * (deg - len(w)) for w in W]

    def phi_exact(t):
        v = [Fraction(1)] * S
        for c in t:
            pc = phi_exact(c)
            v = [v[i] * sum(A[i][j] * pc[j] for j in range(S)) for i in range(S)]
        return v

    def poly(t):
        ph = phi_exact(t)
        return [sum(W[i][k] * ph[i] for i in range(S)) for k in range(deg)]

    for n in range(1, 5):
        for t in trees(n):
            target = [Fraction(0)] * deg
            target[n] = Fraction(1, density(t))
            assert poly(t) == target, t
    fives = [poly(t) for t in trees(5)]
    half = Fraction(1, 2)
    assert any(sum(c * half ** k for k, c in enumerate(p)) != half ** 5 / density(t)
               for p, t in zip(fives, trees(5)))
    assert all(sum(p) == Fraction(1, density(t)) for p, t in zip(fives, trees(5)))  # theta = 1
    # the weights at theta = 1 are b, and the derivatives at the ends are e_0, e_6
    assert [sum(w) for w in W] == b
    assert [w[1] for w in W] == [1, 0, 0, 0, 0, 0, 0]
    assert [sum(k * c for k, c in enumerate(w)) for w in W] == [0, 0, 0, 0, 0, 0, 1]
    # and the stored floats carry the rationals to rounding
    assert np.max(np.abs(np.array(RK45.dense) - np.array(R, dtype=float))) <= 4e-16


@pytest.mark.parametrize("theta", [0.1, 0.37, 0.5, 0.9])
def test_rk45_dense_weights_in_floats(theta):
    A = _with_fsal(RK45)
    w = dense_weights([theta], RK45.dense)[0]
    for n in range(1, 5):
        assert worst(w, A, n, theta) <= 4e-15, (n, theta)
    assert worst(w, A, 5, theta) > 1e-5
