"""Colorings: valid by the definitions (checked independently of the
greedy code), and exact decompression of compressed products."""
import numpy as np
import pytest

pytest.importorskip("scipy")
import scipy.sparse as sp  # noqa: E402

from dualcalc.coloring import (ColoredPattern, clique_lower_bound, column_coloring,  # noqa: E402
                               decompress_hessian, decompress_jacobian, is_column_coloring,
                               is_star_coloring, seed_matrix, star_coloring)


def _random_pattern(rng, m, n, density):
    return sp.csr_array(rng.random((m, n)) < density)


def _random_symmetric(rng, n, density):
    A = rng.random((n, n)) < density
    return sp.csr_array(A | A.T | np.eye(n, dtype=bool))


def _brute_column_valid(P, colors):
    """The definition, by brute force: no row holds two columns of one color."""
    D = P.toarray()
    for row in D:
        cols = np.nonzero(row)[0]
        if len(set(colors[cols].tolist())) != cols.size:
            return False
    return True


def _brute_star_valid(H, colors):
    """The definition, by brute force: a proper coloring with no two-colored
    path on four vertices."""
    D = H.toarray()
    np.fill_diagonal(D, False)
    n = D.shape[0]
    nb = [np.nonzero(D[v])[0] for v in range(n)]
    for a in range(n):
        for b in nb[a]:
            if colors[a] == colors[b]:
                return False
            for c in nb[b]:
                if c == a:
                    continue
                for d in nb[c]:
                    if d in (a, b):
                        continue
                    if len({colors[a], colors[b], colors[c], colors[d]}) == 2:
                        return False
    return True


@pytest.mark.parametrize("seed", range(12))
def test_column_coloring_is_valid(seed):
    rng = np.random.default_rng(seed)
    P = _random_pattern(rng, rng.integers(1, 40), rng.integers(1, 40), rng.uniform(0.02, 0.4))
    colors = column_coloring(P)
    assert _brute_column_valid(P, colors)
    assert is_column_coloring(P, colors)
    assert clique_lower_bound(P) <= colors.max(initial=-1) + 1 <= max(1, P.shape[1])


@pytest.mark.parametrize("seed", range(12))
def test_star_coloring_is_valid(seed):
    rng = np.random.default_rng(100 + seed)
    H = _random_symmetric(rng, int(rng.integers(2, 30)), rng.uniform(0.02, 0.3))
    colors = star_coloring(H)
    assert _brute_star_valid(H, colors)
    assert is_star_coloring(H, colors)


def test_the_checkers_reject_invalid_colorings():
    P = sp.csr_array(np.array([[1, 1, 0], [0, 1, 1]], dtype=bool))
    assert not is_column_coloring(P, np.array([0, 0, 1]))
    assert is_column_coloring(P, np.array([0, 1, 0]))
    path = sp.csr_array(np.eye(4, k=1, dtype=bool) | np.eye(4, k=-1, dtype=bool))
    assert not is_star_coloring(path, np.array([0, 1, 0, 1]))      # two-colored P4
    assert not is_star_coloring(path, np.array([0, 0, 1, 2]))      # not proper
    assert is_star_coloring(path, np.array([0, 1, 0, 2]))
    rng = np.random.default_rng(7)
    for _ in range(20):
        H = _random_symmetric(rng, 8, 0.3)
        c = rng.integers(0, 3, 8)
        assert is_star_coloring(H, c) == _brute_star_valid(H, c)


def test_stencil_colorings_are_near_the_clique_bound():
    n = 30
    tri = sp.diags_array([np.ones(n - 1), np.ones(n), np.ones(n - 1)], offsets=[-1, 0, 1],
                         format="csr").astype(bool)
    assert column_coloring(tri).max() + 1 == 3             # optimal: 3
    assert star_coloring(tri).max() + 1 == 3               # a path needs 3 star colors
    arrow = sp.lil_array((n, n), dtype=bool)
    arrow[0, :] = True
    arrow[:, 0] = True
    arrow.setdiag(True)
    assert star_coloring(arrow.tocsr()).max() + 1 == 2     # a star: 2 colors (columns: n)


@pytest.mark.parametrize("seed", range(6))
def test_jacobian_decompression_is_exact(seed):
    rng = np.random.default_rng(200 + seed)
    P = _random_pattern(rng, 25, 30, 0.1)
    J = P.toarray() * rng.standard_normal(P.shape)
    colors = column_coloring(P)
    B = J @ seed_matrix(colors)
    np.testing.assert_array_equal(decompress_jacobian(P, colors, B).toarray(), J)


@pytest.mark.parametrize("seed", range(6))
def test_hessian_decompression_is_exact(seed):
    rng = np.random.default_rng(300 + seed)
    H = _random_symmetric(rng, 30, 0.08)
    M = np.triu(rng.standard_normal(H.shape))
    Hv = (M + np.triu(M, 1).T) * H.toarray()
    cp = ColoredPattern(H, symmetric=True)
    out = cp.decompress(Hv @ cp.seeds).toarray()
    np.testing.assert_array_equal(out, Hv)
    assert cp.ncolors < 30


def test_bad_patterns():
    with pytest.raises(ValueError, match="square"):
        star_coloring(np.ones((2, 3), dtype=bool))
    with pytest.raises(ValueError, match="symmetric"):
        star_coloring(np.array([[1, 1], [0, 1]], dtype=bool))


def test_brusselator_colors_match_a_known_8_coloring():
    """An 8-coloring of the 2-D Brusselator's columns exists for N divisible
    by 4 (found by an integer program on the 4 x 4 torus; the clique bound is
    6): the greedy family must reach it."""
    import dualcalc
    import _sparse_problems as P
    for N in (8, 16):
        pat = dualcalc.jacobian_sparsity(lambda z: P.brusselator(z, N),
                                         np.linspace(0.1, 0.9, 2 * N * N))
        colors = column_coloring(pat)
        assert is_column_coloring(pat, colors)
        assert clique_lower_bound(pat) == 6
        assert colors.max() + 1 == 8
