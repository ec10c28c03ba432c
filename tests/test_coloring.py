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


# ---------------------------------------------------------------------------
# The compiled loops (dualcalc/_core/_coloring.pyx) against the pure-Python
# definitions they replaced, kept here as the oracle.  The only change from
# those definitions: the degree buckets of smallest-last and incidence-degree
# were Python sets, whose pop() order is CPython's hash-table layout; they are
# now ordered sets (dicts), so a tie goes to the most recently (re)inserted
# vertex -- a rule a compiled loop can state and reproduce.
import heapq  # noqa: E402

from dualcalc._core import _coloring  # noqa: E402
from dualcalc.coloring import _adjacency  # noqa: E402


def _ref_lists(indptr, indices):
    flat, ptr = indices.tolist(), indptr.tolist()
    return [flat[ptr[v]:ptr[v + 1]] for v in range(len(ptr) - 1)]


def _ref_smallest_last(indptr, indices):
    deg = np.diff(indptr)
    n = len(deg)
    nbrs = _ref_lists(indptr, indices)
    d = deg.tolist()
    buckets = [dict() for _ in range(max(d, default=0) + 1)]
    for v in range(n):
        buckets[d[v]][v] = None
    removed = [False] * n
    order = []
    low = 0
    for _ in range(n):
        low = max(0, low - 1)
        while not buckets[low]:
            low += 1
        v, _ = buckets[low].popitem()
        removed[v] = True
        order.append(v)
        for w in nbrs[v]:
            if not removed[w]:
                dw = d[w]
                del buckets[dw][w]
                d[w] = dw - 1
                buckets[dw - 1][w] = None
    return np.array(order[::-1], dtype=np.int64)


def _ref_incidence_degree(indptr, indices):
    deg = np.diff(indptr)
    n = len(deg)
    nbrs = _ref_lists(indptr, indices)
    inc = [0] * n
    buckets = [dict() for _ in range(int(deg.max(initial=0)) + 1)]
    buckets[0].update(dict.fromkeys(range(n)))
    done = [False] * n
    order = []
    top = 0
    for _ in range(n):
        while top > 0 and not buckets[top]:
            top -= 1
        v, _ = buckets[top].popitem()
        done[v] = True
        order.append(v)
        for w in nbrs[v]:
            if not done[w]:
                iw = inc[w]
                del buckets[iw][w]
                inc[w] = iw + 1
                buckets[iw + 1][w] = None
                top = max(top, iw + 1)
    return np.array(order, dtype=np.int64)


def _ref_dsatur(indptr, indices):
    n = len(indptr) - 1
    nbrs = _ref_lists(indptr, indices)
    color = [-1] * n
    sat = [set() for _ in range(n)]
    heap = [(0, -len(nbrs[v]), v) for v in range(n)]
    heapq.heapify(heap)
    while heap:
        s, _, v = heapq.heappop(heap)
        if color[v] >= 0 or -s != len(sat[v]):
            continue
        c = 0
        while c in sat[v]:
            c += 1
        color[v] = c
        for w in nbrs[v]:
            if color[w] < 0 and c not in sat[w]:
                sat[w].add(c)
                heapq.heappush(heap, (-len(sat[w]), -len(nbrs[w]), w))
    return np.array(color, dtype=np.int64)


def _ref_greedy(indptr, indices, order):
    nbrs = _ref_lists(indptr, indices)
    color = [-1] * (len(indptr) - 1)
    for v in order.tolist():
        used = {color[w] for w in nbrs[v] if color[w] >= 0}
        c = 0
        while c in used:
            c += 1
        color[v] = c
    return np.array(color, dtype=np.int64)


def _ref_star_greedy(indptr, indices, order):
    nbrs = _ref_lists(indptr, indices)
    color = [-1] * (len(indptr) - 1)
    for v in order.tolist():
        forbidden = {color[w] for w in nbrs[v] if color[w] >= 0}
        for w in nbrs[v]:
            cw = color[w]
            if cw < 0:
                forbidden.update(color[x] for x in nbrs[w] if x != v and color[x] >= 0)
            else:
                for x in nbrs[w]:
                    if x != v and color[x] >= 0 and any(
                            y != w and color[y] == cw for y in nbrs[x]):
                        forbidden.add(color[x])
        c = 0
        while c in forbidden:
            c += 1
        color[v] = c
    return np.array(color, dtype=np.int64)


def _ref_orderings(indptr, indices):
    n = len(indptr) - 1
    return [np.arange(n), np.argsort(-np.diff(indptr), kind="stable"),
            _ref_smallest_last(indptr, indices), _ref_incidence_degree(indptr, indices)]


def _ref_column_coloring(P):
    """column_coloring as pure Python: DSATUR, then greedy over the orderings
    and the interleaved natural orders; strictly fewer colors win."""
    P = sp.csr_array(P, dtype=bool)
    n = P.shape[1]
    if n == 0:
        return np.zeros(0, np.int64)
    indptr, indices = _adjacency((P.T @ P).tocsr())
    best = _ref_dsatur(indptr, indices)
    interleaved = [np.arange(n).reshape(b, -1).T.ravel() for b in (2, 3, 4) if n % b == 0]
    for order in _ref_orderings(indptr, indices) + interleaved:
        col = _ref_greedy(indptr, indices, order)
        if col.max() < best.max():
            best = col
    return best


def _ref_star_coloring(H):
    indptr, indices = _adjacency(sp.csr_array(H, dtype=bool))
    best = None
    for order in _ref_orderings(indptr, indices):
        col = _ref_star_greedy(indptr, indices, order)
        if (best is None or col.max() < best.max()) and _brute_star_valid(H, col):
            best = col
    return best


def _banded(rng, n):
    offsets = sorted({k for k in rng.integers(-6, 7, size=int(rng.integers(1, 5))).tolist()
                      if abs(k) < n} | {0})
    return sp.diags_array([np.ones(n - abs(k)) for k in offsets], offsets=offsets,
                          shape=(n, n), format="csr").astype(bool)


def _stencil(rng, N, fields):
    """Periodic 2-D stencils (5-point, 9-point or a random neighbourhood) on an
    N x N torus, with `fields` fields coupled at each node."""
    ii, jj = np.meshgrid(np.arange(N), np.arange(N), indexing="ij")
    node = (ii * N + jj).ravel()
    kind = int(rng.integers(3))
    if kind == 0:
        shifts = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]
    elif kind == 1:
        shifts = [(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)]
    else:
        shifts = [(0, 0)] + [tuple(s) for s in rng.integers(-2, 3, size=(3, 2))]
    rows, cols = [], []
    for a, b in shifts:
        nb = (((ii + a) % N) * N + (jj + b) % N).ravel()
        for f in range(fields):
            for g in range(fields):
                rows.append(f * N * N + node)
                cols.append(g * N * N + (nb if f == g or (a, b) == (0, 0) else node))
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    n = fields * N * N
    return sp.csr_array((np.ones(rows.size, bool), (rows, cols)), shape=(n, n))


def _pattern_family(seed):
    """One pattern of each kind for this seed: banded, periodic 2-D stencil
    (one or two fields), random sparse (tall, wide, square, with empty rows
    and columns)."""
    rng = np.random.default_rng(1000 + seed)
    yield _banded(rng, int(rng.integers(1, 120)))
    yield _stencil(rng, int(rng.integers(3, 13)), int(rng.integers(1, 3)))
    m, n = rng.integers(1, 150, size=2)
    yield _random_pattern(rng, int(m), int(n), rng.uniform(0.005, 0.2))


@pytest.mark.parametrize("seed", range(40))
def test_compiled_column_coloring_equals_the_python_reference(seed):
    for P in _pattern_family(seed):
        indptr, indices = _adjacency((P.T @ P).tocsr())
        graph = _coloring.column_graph(P.indptr, P.indices, P.shape[1])
        np.testing.assert_array_equal(graph[0], indptr)
        np.testing.assert_array_equal(graph[1], indices)
        np.testing.assert_array_equal(_coloring.dsatur(indptr, indices),
                                      _ref_dsatur(indptr, indices))
        for order in _ref_orderings(indptr, indices):
            np.testing.assert_array_equal(_coloring.greedy(indptr, indices, order),
                                          _ref_greedy(indptr, indices, order))
        np.testing.assert_array_equal(_coloring.smallest_last(indptr, indices),
                                      _ref_smallest_last(indptr, indices))
        np.testing.assert_array_equal(_coloring.incidence_degree(indptr, indices),
                                      _ref_incidence_degree(indptr, indices))
        colors = column_coloring(P)
        np.testing.assert_array_equal(colors, _ref_column_coloring(P))
        assert _brute_column_valid(P, colors)


def _hessian_family(seed):
    """Symmetric patterns: banded, periodic stencils (a grid objective's
    Hessian), random symmetric with isolated vertices, and A^T A of a random
    sparse A (a least-squares Gauss-Newton pattern)."""
    rng = np.random.default_rng(2000 + seed)
    B = _banded(rng, int(rng.integers(1, 80)))
    yield sp.csr_array(B + B.T)
    S = _stencil(rng, int(rng.integers(3, 10)), int(rng.integers(1, 3)))
    yield sp.csr_array(S + S.T)
    yield _random_symmetric(rng, int(rng.integers(1, 60)), rng.uniform(0.01, 0.15))
    A = _random_pattern(rng, int(rng.integers(1, 60)), int(rng.integers(1, 50)), 0.06)
    yield sp.csr_array((A.T.astype(float) @ A.astype(float)) != 0) + sp.eye_array(A.shape[1],
                                                                                  dtype=bool)


@pytest.mark.parametrize("seed", range(25))
def test_compiled_star_coloring_equals_the_python_reference(seed):
    for H in _hessian_family(seed):
        indptr, indices = _adjacency(H)
        for order in _ref_orderings(indptr, indices):
            np.testing.assert_array_equal(_coloring.star_greedy(indptr, indices, order),
                                          _ref_star_greedy(indptr, indices, order))
        colors = star_coloring(H)
        np.testing.assert_array_equal(colors, _ref_star_coloring(H))
        assert _brute_star_valid(H, colors)


def test_compiled_loops_on_the_benchmark_patterns():
    """The Brusselator Jacobian (N = 16) and a 12 x 12 periodic grid
    objective's Hessian, as detected by dualcalc: the same colors as the reference."""
    import dualcalc
    import _sparse_problems as SP
    N = 16
    P = dualcalc.jacobian_sparsity(lambda z: SP.brusselator(z, N), np.linspace(0.1, 0.9, 2 * N * N))
    np.testing.assert_array_equal(column_coloring(P), _ref_column_coloring(P))
    H = dualcalc.hessian_sparsity(lambda z: SP.grid_energy(z, n=12), np.linspace(0.1, 0.5, 144))
    np.testing.assert_array_equal(star_coloring(H), _ref_star_coloring(H))


def test_compiled_loops_check_the_order_length():
    indptr, indices = _adjacency(sp.csr_array(np.ones((3, 3), bool)))
    with pytest.raises(ValueError, match="order of 3"):
        _coloring.greedy(indptr, indices, np.arange(2))
    with pytest.raises(ValueError, match="order of 3"):
        _coloring.star_greedy(indptr, indices, np.arange(4))


@pytest.mark.parametrize("seed", range(3))
def test_compiled_dsatur_with_many_colors_and_with_hubs(seed):
    """DSATUR keeps its saturation sets as bits when colors are few per vertex
    and in a hash set when a hub makes the bit table large: both, against the
    reference -- a dense graph needing more than 64 colors (several words of
    bits), and a hub joined to 3000 vertices beside a sparse random graph
    (n * words of bits > 4 (edges + n): the hash set)."""
    rng = np.random.default_rng(3000 + seed)
    dense = _random_symmetric(rng, 160, 0.7)
    hub = _random_symmetric(rng, 3000, 0.0005).tolil()
    hub[0, :] = True
    hub[:, 0] = True
    for G in (dense, sp.csr_array(hub)):
        indptr, indices = _adjacency(G)
        colors = _coloring.dsatur(indptr, indices)
        np.testing.assert_array_equal(colors, _ref_dsatur(indptr, indices))
        rows = np.repeat(np.arange(G.shape[0]), np.diff(indptr))
        assert np.all(colors[rows] != colors[indices])          # a proper coloring
    assert _coloring.dsatur(*_adjacency(dense)).max() + 1 > 64
    indptr, indices = _adjacency(sp.csr_array(hub))
    assert 3000 * ((np.diff(indptr).max() + 2 + 63) // 64) > 4 * (indices.size + 3000)


def test_column_check_agrees_with_the_definition_on_random_colorings():
    rng = np.random.default_rng(4000)
    verdicts = set()
    for _ in range(200):
        P = _random_pattern(rng, int(rng.integers(1, 12)), int(rng.integers(1, 12)), 0.25)
        colors = rng.integers(0, int(rng.integers(1, 8)), P.shape[1])
        verdict = is_column_coloring(P, colors)
        assert verdict == _brute_column_valid(P, colors)
        verdicts.add(verdict)
    assert verdicts == {True, False}


def test_star_check_agrees_with_the_definition_on_random_colorings():
    """Random colorings of random graphs (trees, cycles and denser ones), and
    valid star colorings with one vertex recolored: is_star_coloring agrees
    with the brute-force definition, and says both yes and no often."""
    rng = np.random.default_rng(5000)
    verdicts = []
    for trial in range(300):
        n = int(rng.integers(2, 13))
        H = _random_symmetric(rng, n, rng.uniform(0.1, 0.5))
        if trial % 2:
            colors = rng.integers(0, int(rng.integers(2, 7)), n)
        else:
            colors = star_coloring(H).copy()
            colors[rng.integers(n)] = rng.integers(0, colors.max() + 1)
        verdict = is_star_coloring(H, colors)
        assert verdict == _brute_star_valid(H, colors)
        verdicts.append(verdict)
    assert 30 < sum(verdicts) < 270


def test_star_check_on_unsymmetric_patterns_keeps_its_formula():
    """On a pattern that is not symmetric (not a Hessian's), the check keeps
    the formula it had in NumPy: edge (u, w) of the pattern is bad when u has
    two neighbours colored like w and w two colored like u."""
    rng = np.random.default_rng(6000)
    verdicts = set()
    for _ in range(300):
        n = int(rng.integers(2, 12))
        A = sp.csr_array(rng.random((n, n)) < rng.uniform(0.1, 0.5))
        # proper colorings (greedy on the symmetrized graph, random order),
        # so that the two-colored-path part decides
        colors = _ref_greedy(*_adjacency(A + A.T), rng.permutation(n))
        D = A.toarray()
        np.fill_diagonal(D, False)
        counts = np.array([[np.sum(D[u] & (colors == c)) for c in range(colors.max() + 1)]
                           for u in range(n)])
        rows, cols = np.nonzero(D)
        expected = not (np.any(colors[rows] == colors[cols])
                        or np.any((counts[rows, colors[cols]] > 1)
                                  & (counts[cols, colors[rows]] > 1)))
        assert is_star_coloring(A, colors) == expected
        verdicts.add(expected)
    assert verdicts == {True, False}
