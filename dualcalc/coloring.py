"""Graph colorings for compressed Jacobians and Hessians.

A Jacobian with sparsity pattern P (m x n) is recovered exactly from
B = J S, where S (n x c) is the 0/1 seed matrix of a *column coloring*:
columns that share a row get different colors (a distance-1 coloring of
the column intersection graph, i.e. a partial distance-2 coloring of the
bipartite row/column graph).  Then ``J[i, j] = B[i, color[j]]``.

A symmetric Hessian needs fewer colors with a *star coloring* of its
adjacency graph (Gebremedhin, Manne and Pothen, "What color is your
Jacobian? Graph coloring for computing derivatives", SIAM Review 47, 2005):
a distance-1 coloring in which every path on four vertices uses at least
three colors.  From B = H S, each off-diagonal ``H[i, j]`` is ``B[i, color[j]]``
when j is i's only neighbour of its color, and otherwise ``B[j, color[i]]``
(the star property guarantees one of the two); ``H[i, i] = B[i, color[i]]``.

>>> import numpy as np, scipy.sparse as sp
>>> from dualcalc.coloring import column_coloring, is_column_coloring
>>> P = sp.csr_array(np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]], dtype=bool))
>>> colors = column_coloring(P)
>>> int(colors.max()) + 1, is_column_coloring(P, colors)
(2, True)

Design: the greedy colorings walk the vertices in several orderings
(natural, largest-first, smallest-last, incidence-degree; for columns also
Brelaz's DSATUR and natural orders with 2, 3 or 4 stacked fields
interleaved) and keep the one with fewest colors; validity is checked by
:func:`is_column_coloring` and :func:`is_star_coloring`, which the tests use
as the definition.

This module is the API and builds the graphs' CSR adjacency; the loops over
them (the column intersection graph P^T P, the smallest-last and
incidence-degree orders, the greedy and star-greedy colorings, DSATUR and
both validity checks) are compiled, in ``dualcalc/_core/_coloring.pyx``:
coloring the N = 128 Brusselator's 32,768 columns takes about 30 ms (1.5 s
in pure Python).  Every tie is broken by a stated rule, so the colors are a
function of the pattern alone: largest-first is a stable sort by degree;
smallest-last takes, among the vertices of smallest remaining degree, the
one most recently moved to that degree (the initial fill in index order);
incidence-degree likewise among those with most ordered neighbours; DSATUR
breaks saturation ties by larger degree, then smaller index.  The tests
keep pure-Python versions of these definitions as the oracle and require
the compiled loops to give the same colors.
"""
import numpy as np

from dualcalc._core import _coloring

__all__ = ["column_coloring", "star_coloring", "is_column_coloring", "is_star_coloring",
           "seed_matrix", "decompress_jacobian", "decompress_hessian",
           "ColoredPattern", "clique_lower_bound"]


def _sp():
    try:
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover - scipy is the [sparse] extra
        raise ImportError("sparse derivatives need scipy: pip install dualcalc[sparse]") from None
    return sp


def _as_pattern(P):
    sp = _sp()
    if not sp.issparse(P):
        P = sp.csr_array(np.asarray(P) != 0)
    P = sp.csr_array(P, dtype=bool)
    P.eliminate_zeros()
    P.sort_indices()
    return P


def _adjacency(G):
    """CSR adjacency (indptr, indices; int64, rows sorted) of a symmetric 0/1
    matrix without its diagonal."""
    sp = _sp()
    G = sp.csr_array(G, dtype=bool).tocoo()
    keep = G.row != G.col
    A = sp.csr_array((np.ones(keep.sum(), bool), (G.row[keep], G.col[keep])), shape=G.shape)
    A.sum_duplicates()
    A.sort_indices()
    return A.indptr.astype(np.int64), A.indices.astype(np.int64)


# ---------------------------------------------------------------- orderings
def _orderings(indptr, indices):
    n = len(indptr) - 1
    deg = np.diff(indptr)
    yield np.arange(n)
    yield np.argsort(-deg, kind="stable")                      # largest first
    yield _coloring.smallest_last(indptr, indices)
    yield _coloring.incidence_degree(indptr, indices)


# ---------------------------------------------------------------- Jacobians
def column_coloring(P):
    """A column coloring of the pattern P (m x n): columns sharing a row differ.

    Greedy over several vertex orderings of the column intersection graph
    ``P.T @ P``; the fewest colors win.

    Parameters
    ----------
    P : scipy.sparse array or array_like, shape (m, n)

    Returns
    -------
    ndarray of int, shape (n,): colors 0..c-1.

    Examples
    --------
    >>> import numpy as np
    >>> column_coloring(np.eye(3)).tolist()
    [0, 0, 0]
    """
    P = _as_pattern(P)
    if P.shape[1] == 0:
        return np.zeros(0, np.int64)
    indptr, indices = _coloring.column_graph(P.indptr, P.indices, P.shape[1])   # P^T P
    best = _coloring.dsatur(indptr, indices)
    n = P.shape[1]
    # natural order with stacked fields interleaved (a system stored as
    # np.stack([u, v]) couples u[p] with v[p]: b = 2 colors the Brusselator
    # with 8 colors, where every other ordering needs 10 to 12)
    interleaved = [np.arange(n).reshape(b, -1).T.ravel() for b in (2, 3, 4) if n % b == 0]
    for order in list(_orderings(indptr, indices)) + interleaved:
        col = _coloring.greedy(indptr, indices, order)
        if col.max() < best.max():
            best = col
    return best


def is_column_coloring(P, colors):
    """Whether no row of P has two columns of the same color.

    >>> import numpy as np
    >>> is_column_coloring(np.array([[1, 1]]), np.array([0, 0]))
    False
    """
    P = _as_pattern(P)
    colors = np.asarray(colors)
    if colors.shape != (P.shape[1],) or (colors.size and colors.min() < 0):
        return False
    return _coloring.rows_have_distinct_colors(P.indptr, P.indices, colors)


def clique_lower_bound(P):
    """A lower bound on the colors of any column coloring: the most nonzeros
    in one row (those columns pairwise intersect).

    >>> import numpy as np
    >>> clique_lower_bound(np.array([[1, 1, 1], [0, 1, 0]]))
    3
    """
    P = _as_pattern(P)
    return int(np.diff(P.indptr).max(initial=0))


def seed_matrix(colors, ncolors=None):
    """The 0/1 seed matrix S (n x c) with ``S[j, colors[j]] = 1``.

    >>> seed_matrix(np.array([0, 1, 0])).tolist()
    [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
    """
    colors = np.asarray(colors, dtype=np.int64)
    c = int(colors.max(initial=-1)) + 1 if ncolors is None else ncolors
    S = np.zeros((colors.size, c))
    S[np.arange(colors.size), colors] = 1.0
    return S


def decompress_jacobian(P, colors, B):
    """J (csr, P's pattern) from the compressed B = J S (m x c).

    >>> import numpy as np
    >>> P = np.array([[1, 0], [0, 1]]); J = np.array([[2.0, 0.0], [0.0, 3.0]])
    >>> decompress_jacobian(P, np.array([0, 0]), J @ seed_matrix([0, 0])).toarray()
    array([[2., 0.],
           [0., 3.]])
    """
    sp = _sp()
    P = _as_pattern(P).tocoo()
    colors = np.asarray(colors)
    data = np.asarray(B)[P.row, colors[P.col]]
    return sp.csr_array((data, (P.row, P.col)), shape=P.shape)


# ---------------------------------------------------------------- Hessians
def star_coloring(H):
    """A star coloring of the symmetric pattern H (n x n).

    Parameters
    ----------
    H : scipy.sparse array or array_like, shape (n, n), symmetric

    Returns
    -------
    ndarray of int, shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> H = np.eye(5, dtype=bool) | np.eye(5, k=1, dtype=bool) | np.eye(5, k=-1, dtype=bool)
    >>> c = star_coloring(H)
    >>> int(c.max()) + 1, is_star_coloring(H, c)
    (3, True)
    """
    H = _as_pattern(H)
    if H.shape[0] != H.shape[1]:
        raise ValueError(f"a Hessian pattern must be square, got {H.shape}")
    if (H != H.T).nnz:
        raise ValueError("a Hessian pattern must be symmetric")
    n = H.shape[0]
    if n == 0:
        return np.zeros(0, np.int64)
    indptr, indices = _adjacency(H)
    best = None
    for order in _orderings(indptr, indices):
        col = _coloring.star_greedy(indptr, indices, order)
        if (best is None or col.max() < best.max()) and is_star_coloring(H, col):
            best = col
    if best is None:  # pragma: no cover - the greedy algorithm is a star coloring
        best = column_coloring(H)         # distance-2: always a star coloring
    return best


def is_star_coloring(H, colors):
    """Whether colors is a star coloring of H: adjacent vertices differ and no
    path on four vertices is two-colored.

    >>> import numpy as np
    >>> path4 = np.eye(4, k=1) + np.eye(4, k=-1)
    >>> is_star_coloring(path4, np.array([0, 1, 0, 1])), is_star_coloring(path4, np.array([0, 1, 0, 2]))
    (False, True)
    """
    H = _as_pattern(H)
    colors = np.asarray(colors, dtype=np.int64)
    n = H.shape[0]
    if colors.shape != (n,) or (n and colors.min() < 0):
        return False
    # edge (u, w): a two-colored P4 x-u-w-y exists iff u has another neighbour
    # of w's color and w another of u's (one pass per vertex, compiled)
    indptr, indices = _adjacency(H)
    return _coloring.star_conflict_free(indptr, indices, colors)


def _neighbour_color_counts(indptr, indices, colors):
    """counts[v, c]: how many neighbours of v have color c (dense n x c)."""
    sp = _sp()
    n = len(indptr) - 1
    A = sp.csr_array((np.ones(len(indices)), indices, indptr), shape=(n, n))
    C = sp.csr_array((np.ones(n), (np.arange(n), colors)),
                     shape=(n, int(colors.max(initial=0)) + 1))
    return (A @ C).toarray()


def decompress_hessian(H, colors, B):
    """The symmetric Hessian (csr, H's pattern) from B = H S (n x c) for a
    star coloring.

    >>> import numpy as np
    >>> Hd = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 4.0], [0.0, 4.0, 5.0]])
    >>> c = star_coloring(Hd != 0)
    >>> np.array_equal(decompress_hessian(Hd != 0, c, Hd @ seed_matrix(c)).toarray(), Hd)
    True
    """
    sp = _sp()
    H = _as_pattern(H)
    colors = np.asarray(colors, dtype=np.int64)
    B = np.asarray(B)
    n = H.shape[0]
    indptr, indices = _adjacency(H)
    counts = _neighbour_color_counts(indptr, indices, colors)
    coo = H.tocoo()
    i, j = coo.row, coo.col
    upper = i <= j
    i, j = i[upper], j[upper]
    off = i != j
    unique_at_i = np.ones(i.size, bool)
    if off.any():
        unique_at_i[off] = counts[i[off], colors[j[off]]] == 1
    vals = np.where(unique_at_i, B[i, colors[j]], B[j, colors[i]])
    rr = np.concatenate([i, j[off]])
    cc = np.concatenate([j, i[off]])
    vv = np.concatenate([vals, vals[off]])
    out = sp.csr_array((vv, (rr, cc)), shape=(n, n))
    out.sort_indices()
    return out


class ColoredPattern:
    """A sparsity pattern with its coloring, computed once and reused.

    ``ColoredPattern(P)`` colors columns (Jacobians); ``ColoredPattern(P,
    symmetric=True)`` star-colors (Hessians).  ``dualcalc.sparse_jacobian``
    and ``sparse_hessian`` accept one as ``sparsity=`` (and cache the one they
    build for a bare pattern, keyed by the pattern object's identity).

    >>> import numpy as np
    >>> cp = ColoredPattern(np.eye(4, dtype=bool) | np.eye(4, k=1, dtype=bool))
    >>> cp.ncolors, cp.seeds.shape
    (2, (4, 2))
    """

    def __init__(self, P, symmetric=False):
        self.pattern = _as_pattern(P)
        self.symmetric = bool(symmetric)
        self.colors = star_coloring(self.pattern) if symmetric else column_coloring(self.pattern)
        self.ncolors = int(self.colors.max(initial=-1)) + 1
        self.seeds = seed_matrix(self.colors, self.ncolors)
        self._uses = None
        self._rows = self._cols = None

    def outside(self, B):
        """Whether the compressed B shows a nonzero that the pattern cannot
        explain: B[i, c] != 0 where row i has no pattern entry of color c
        (the function's derivative has left the pattern).  Entries of a
        color that row i does use cannot be checked this way.

        >>> import numpy as np
        >>> cp = ColoredPattern(np.eye(2, dtype=bool))
        >>> cp.outside(np.array([[1.0], [2.0]]))
        False
        >>> cp2 = ColoredPattern(np.array([[1, 1], [0, 1]]))
        >>> cp2.outside(np.array([[1.0, 1.0], [5.0, 1.0]]) @ cp2.seeds)   # J[1, 0] is new
        True
        """
        if self._uses is None:
            sp = _sp()
            n = self.pattern.shape[1]
            C = sp.csr_array((np.ones(n), (np.arange(n), self.colors)),
                             shape=(n, max(1, self.ncolors)))
            uses = (self.pattern.astype(float) @ C).toarray()[:, :self.ncolors] > 0
            self._uses = np.flatnonzero(~uses)
        B = np.ascontiguousarray(B)
        return bool(np.any(np.take(B.reshape(-1), self._uses)))

    def decompress(self, B):
        """The derivative (csr, the pattern's structure) from B = D @ seeds."""
        if self.symmetric:
            return decompress_hessian(self.pattern, self.colors, B)
        P = self.pattern                    # canonical CSR: read B in its order
        if self._rows is None:
            rows = np.repeat(np.arange(P.shape[0], dtype=np.int64), np.diff(P.indptr))
            self._rows = rows * self.ncolors + self.colors[P.indices]     # flat into B
        data = np.take(np.ascontiguousarray(B).reshape(-1), self._rows)
        return _sp().csr_array((data, P.indices.copy(), P.indptr.copy()), shape=P.shape)

    def __repr__(self):
        kind = "star" if self.symmetric else "column"
        return (f"ColoredPattern(shape={self.pattern.shape}, nnz={self.pattern.nnz}, "
                f"{kind} colors={self.ncolors})")
