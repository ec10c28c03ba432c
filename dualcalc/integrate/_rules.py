"""Quadrature rules, computed at import: Gauss-Legendre and Gauss-Kronrod.

Design: nothing is typed in by hand.  The Gauss-Legendre rule comes from
``numpy.polynomial.legendre.leggauss`` (Golub-Welsch plus a Newton step),
polished and weighted in 50-digit decimal arithmetic;
the Kronrod extension of the n-point Gauss rule is computed from its
definition: the n + 1 new nodes are the zeros of the Stieltjes polynomial
E_{n+1}, the polynomial of degree n + 1 orthogonal to every polynomial of
degree <= n under the weight P_n(x) on [-1, 1] (solved for in the Legendre
basis, its zeros polished by Newton's method), and the 2n + 1 weights are the
ones that integrate P_0 .. P_{2n} exactly (a linear system in the Legendre
basis, well conditioned).  The resulting rule integrates polynomials of
degree 3n + 1 exactly; tests/test_integrate_rules.py checks nodes and
weights against the same construction in 40-digit mpmath.
"""
import functools
from decimal import Decimal, localcontext

import numpy as np
from numpy.polynomial import legendre as L

__all__ = ["gauss_legendre", "gauss_kronrod"]


@functools.lru_cache(maxsize=32)
def gauss_legendre(n):
    """Nodes and weights of the n-point Gauss-Legendre rule on [-1, 1].

    >>> x, w = gauss_legendre(3)
    >>> round(float(w @ x**4), 15)   # exact for degree <= 5: the integral of x**4 is 2/5
    0.4
    """
    if int(n) != n or n < 1:
        raise ValueError(f"the number of nodes n must be a positive integer, got {n!r}")
    x, w = _polished_gauss(*L.leggauss(int(n)))
    x.flags.writeable = False
    w.flags.writeable = False
    return x, w


def _legendre_and_derivative(n, t):
    """P_n(t) and P_n'(t) by the three-term recurrence (t a Decimal)."""
    p0, p1 = Decimal(1), t
    if n == 0:
        return p0, Decimal(0)
    for k in range(1, n):
        p0, p1 = p1, ((2 * k + 1) * t * p1 - k * p0) / (k + 1)
    return p1, n * (t * p1 - p0) / (t * t - 1)


def _polished_gauss(x, w):
    """Golub-Welsch's nodes polished by Newton's method and the weights
    2 / ((1 - x^2) P_n'(x)^2), both in 50-digit decimal arithmetic and rounded
    once: NumPy's leggauss is a few ulp off, by an amount that depends on the
    NumPy and LAPACK build."""
    n = len(x)
    xs, ws = [], []
    with localcontext() as ctx:
        ctx.prec = 50
        for t0 in x:
            t = Decimal(float(t0))
            for _ in range(3):
                p, dp = _legendre_and_derivative(n, t)
                t = t - p / dp
            p, dp = _legendre_and_derivative(n, t)
            xs.append(float(t))
            ws.append(float(2 / ((1 - t * t) * dp * dp)))
    x = np.array(xs)
    w = np.array(ws)
    return 0.5 * (x - x[::-1]), 0.5 * (w + w[::-1])     # exactly symmetric


def _moment_weights(x):
    """The weights w with sum_i w_i P_k(x_i) = integral of P_k over [-1, 1]
    (2 for k = 0, else 0) for k < len(x), at the given double nodes.

    The Legendre-Vandermonde system is solved in 50-digit decimal arithmetic
    (the nodes are exact binary fractions, so nothing is lost converting them)
    and the result rounded once: solved in double, the weights of the 31-point
    rule were ~100 ulp off, and by how much depended on the LAPACK build."""
    m = len(x)
    with localcontext() as ctx:
        ctx.prec = 50
        xs = [Decimal(float(t)) for t in x]
        rows = [[Decimal(1)] * m, list(xs)]
        for k in range(1, m - 1):             # P_{k+1} = ((2k+1) x P_k - k P_{k-1}) / (k+1)
            rows.append([((2 * k + 1) * xi * rows[k][i] - k * rows[k - 1][i]) / (k + 1)
                         for i, xi in enumerate(xs)])
        A = [rows[k][:m] + [Decimal(2) if k == 0 else Decimal(0)] for k in range(m)]
        for col in range(m):                  # Gaussian elimination, partial pivoting
            piv = max(range(col, m), key=lambda r: abs(A[r][col]))
            A[col], A[piv] = A[piv], A[col]
            for r in range(col + 1, m):
                f = A[r][col] / A[col][col]
                if f:
                    A[r] = [a - f * b for a, b in zip(A[r], A[col])]
        w = [Decimal(0)] * m
        for r in range(m - 1, -1, -1):
            w[r] = (A[r][m] - sum(A[r][c] * w[c] for c in range(r + 1, m))) / A[r][r]
        return np.array([float(v) for v in w])


@functools.lru_cache(maxsize=8)
def gauss_kronrod(n=10):
    """The (2n+1)-point Kronrod extension of the n-point Gauss rule.

    Returns ``(x, wk, wg)``: the 2n + 1 nodes in increasing order, the Kronrod
    weights, and the Gauss weights placed at the Gauss nodes (zero at the
    Kronrod-only nodes), so ``wk @ f(x)`` and ``wg @ f(x)`` are the two
    estimates of the integral over [-1, 1].

    >>> x, wk, wg = gauss_kronrod(7)
    >>> len(x), bool(abs(wk @ x**22 - 2 / 23) < 1e-15)
    (15, True)
    """
    n = int(n)
    xg, wg_n = gauss_legendre(n)
    # E_{n+1} = sum_k c_k P_k with c_{n+1} = 1 and only the parity of n+1;
    # conditions: integral of E P_n P_j = 0 for odd j <= n (for even j the
    # integrand is odd and they hold by symmetry).  Exact Gauss-Legendre for them.
    xq, wq = L.leggauss(2 * n + 4)
    ks = list(range((n + 1) % 2, n + 1, 2))
    Pq = np.array([L.legval(xq, np.eye(n + 2)[k]) for k in range(n + 2)])
    wPn = wq * Pq[n]
    js = list(range(1, n + 1, 2))
    A = np.array([[np.sum(wPn * Pq[k] * Pq[j]) for k in ks] for j in js])
    rhs = -np.array([np.sum(wPn * Pq[n + 1] * Pq[j]) for j in js])
    c = np.zeros(n + 2)
    c[ks] = np.linalg.solve(A, rhs) if ks else []
    c[n + 1] = 1.0
    xe = np.sort(L.legroots(c).real)
    dc = L.legder(c)
    for _ in range(3):                       # Newton polish in double
        xe = xe - L.legval(xe, c) / L.legval(xe, dc)
    x = np.sort(np.concatenate([xg, xe]))
    x = 0.5 * (x - x[::-1])                  # exactly symmetric (and 0 exactly 0)
    wk = _moment_weights(x)
    wk = 0.5 * (wk + wk[::-1])
    m = 2 * n + 1
    wg = np.zeros(m)
    for xi, wi in zip(xg, wg_n):
        wg[np.argmin(np.abs(x - xi))] = wi
    wg = 0.5 * (wg + wg[::-1])
    for a in (x, wk, wg):
        a.flags.writeable = False
    return x, wk, wg
