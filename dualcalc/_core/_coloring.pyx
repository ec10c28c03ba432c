# cython: language_level=3
"""Greedy graph colorings: the compiled loops behind ``dualcalc.coloring``.

Design: ``dualcalc.coloring`` (the Python API and the design text) builds a
graph's CSR adjacency (``indptr``, ``indices``: symmetric, no diagonal, no
duplicates) and asks this module for vertex orderings and greedy colorings
over it.  Every function here is a plain loop over typed memoryviews of the
CSR arrays; stamps stand in for sets, linked-list buckets and a binary heap
for Python's sets and heapq.  Each reproduces, step for step, the pure-Python
definition kept as the oracle in tests/test_coloring.py, including every tie
break:

* ``smallest_last``: remove a vertex of smallest remaining degree, the most
  recently (re)inserted one of its bucket first; return the reverse order;
* ``incidence_degree``: take next a vertex with the most already-ordered
  neighbours, the most recently promoted one first;
* ``greedy``: in a given order, the smallest color no colored neighbour has;
* ``dsatur``: color next the vertex of largest saturation (distinct colors
  among its neighbours), then largest degree, then smallest index;
* ``star_greedy``: Gebremedhin, Manne and Pothen's greedy star coloring;
* ``rows_have_distinct_colors``, ``star_conflict_free``: the checks of a
  column and of a star coloring;
* ``column_graph``: the column intersection graph of a pattern (the
  adjacency of P^T P without its diagonal), rows sorted.

It cimports nothing from the other core modules.
"""
cimport cython
import numpy as np
from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport qsort


def _csr(indptr, indices):
    return (np.ascontiguousarray(indptr, dtype=np.int64),
            np.ascontiguousarray(indices, dtype=np.int64))


# ------------------------------------------------------------ graphs
cdef int _cmp(const void* a, const void* b) noexcept nogil:
    cdef int64_t x = (<const int64_t*>a)[0], y = (<const int64_t*>b)[0]
    return (x > y) - (x < y)


cdef inline void _sort(int64_t* a, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i, j
    cdef int64_t x
    if n > 24:
        qsort(a, n, sizeof(int64_t), _cmp)
        return
    for i in range(1, n):
        x = a[i]
        j = i - 1
        while j >= 0 and a[j] > x:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = x


def column_graph(indptr_, indices_, Py_ssize_t ncols):
    """CSR adjacency (indptr, indices) of the columns of the pattern
    (indptr, indices) with ncols columns: j ~ k (j != k) when some row holds
    both; each row sorted, no duplicates."""
    indptr_, indices_ = _csr(indptr_, indices_)
    cdef const int64_t[::1] rp = indptr_
    cdef const int64_t[::1] ci = indices_
    cdef Py_ssize_t m = rp.shape[0] - 1, nnz = ci.shape[0]
    # the transpose (CSC) by a counting sort
    cdef int64_t[::1] cp = np.zeros(ncols + 1, np.int64)
    cdef int64_t[::1] ri = np.empty(nnz, np.int64)
    cdef int64_t[::1] fill = np.empty(ncols, np.int64)
    cdef int64_t[::1] mark = np.full(ncols, -1, np.int64)
    out_ptr = np.zeros(ncols + 1, np.int64)
    cdef int64_t[::1] gp = out_ptr
    cdef Py_ssize_t i, j, k, a, b, t
    cdef int64_t cnt
    with nogil:
        for k in range(nnz):
            cp[ci[k] + 1] += 1
        for j in range(ncols):
            cp[j + 1] += cp[j]
            fill[j] = cp[j]
        for i in range(m):
            for k in range(rp[i], rp[i + 1]):
                j = ci[k]
                ri[fill[j]] = i
                fill[j] += 1
        # pass 1: degrees
        for j in range(ncols):
            cnt = 0
            mark[j] = j
            for a in range(cp[j], cp[j + 1]):
                i = ri[a]
                for b in range(rp[i], rp[i + 1]):
                    k = ci[b]
                    if mark[k] != j:
                        mark[k] = j
                        cnt += 1
            gp[j + 1] = gp[j] + cnt
    out_idx = np.empty(gp[ncols], np.int64)
    cdef int64_t[::1] gi = out_idx
    with nogil:
        for j in range(ncols):
            mark[j] = -1
        for j in range(ncols):
            t = gp[j]
            mark[j] = ncols + j          # never equal to a column index
            for a in range(cp[j], cp[j + 1]):
                i = ri[a]
                for b in range(rp[i], rp[i + 1]):
                    k = ci[b]
                    if mark[k] != ncols + j:
                        mark[k] = ncols + j
                        gi[t] = k
                        t += 1
            if gp[j + 1] > gp[j]:
                _sort(&gi[gp[j]], gp[j + 1] - gp[j])
    return out_ptr, out_idx


def rows_have_distinct_colors(indptr_, indices_, colors_):
    """Whether no row of the pattern (indptr, indices) holds two columns of
    one color (colors: non-negative, one per column)."""
    indptr_, indices_ = _csr(indptr_, indices_)
    cdef const int64_t[::1] rp = indptr_
    cdef const int64_t[::1] ci = indices_
    colors_ = np.ascontiguousarray(colors_, dtype=np.int64)
    cdef const int64_t[::1] colors = colors_
    cdef Py_ssize_t m = rp.shape[0] - 1, i, k
    cdef int64_t[::1] seen = np.full(int(np.max(colors_, initial=0)) + 1, -1, np.int64)
    cdef int64_t c
    cdef bint ok = True
    with nogil:
        for i in range(m):
            for k in range(rp[i], rp[i + 1]):
                c = colors[ci[k]]
                if seen[c] == i:
                    ok = False
                    break
                seen[c] = i
            if not ok:
                break
    return ok


def star_conflict_free(indptr_, indices_, colors_):
    """Whether colors (non-negative) is a star coloring of the graph
    (indptr, indices; rows sorted, no diagonal): adjacent vertices differ,
    and no edge u-w has both another neighbour of u colored like w and
    another neighbour of w colored like u (a two-colored path on four
    vertices)."""
    indptr_, indices_ = _csr(indptr_, indices_)
    cdef const int64_t[::1] rp = indptr_
    cdef const int64_t[::1] ci = indices_
    colors_ = np.ascontiguousarray(colors_, dtype=np.int64)
    cdef const int64_t[::1] colors = colors_
    cdef Py_ssize_t n = rp.shape[0] - 1, u, w, k, k2, lo, hi, mid
    cdef Py_ssize_t nc = int(np.max(colors_, initial=0)) + 1
    cdef int64_t[::1] stamp = np.full(nc, -1, np.int64)
    cdef int64_t[::1] cnt = np.zeros(nc, np.int64)
    cdef unsigned char[::1] dup = np.zeros(ci.shape[0], np.uint8)
    cdef int64_t c, cu, same
    cdef bint ok = True, other
    with nogil:
        # dup[k] for the edge k = (u, w): u has another neighbour of w's color
        for u in range(n):
            cu = colors[u]
            for k in range(rp[u], rp[u + 1]):
                c = colors[ci[k]]
                if c == cu:
                    ok = False
                if stamp[c] != u:
                    stamp[c] = u
                    cnt[c] = 1
                else:
                    cnt[c] += 1
            for k in range(rp[u], rp[u + 1]):
                dup[k] = cnt[colors[ci[k]]] > 1
            if not ok:
                break
        if ok:
            for u in range(n):
                for k in range(rp[u], rp[u + 1]):
                    if not dup[k]:
                        continue
                    w = ci[k]
                    lo = rp[w]                  # the edge (w, u), by bisection
                    hi = rp[w + 1]
                    while lo < hi:
                        mid = (lo + hi) >> 1
                        if ci[mid] < u:
                            lo = mid + 1
                        else:
                            hi = mid
                    if lo < rp[w + 1] and ci[lo] == u:
                        other = dup[lo]
                    else:                       # not symmetric: count directly
                        same = 0
                        for k2 in range(rp[w], rp[w + 1]):
                            same += colors[ci[k2]] == colors[u]
                        other = same > 1
                    if other:
                        ok = False
                        break
                if not ok:
                    break
    return ok


# ------------------------------------------------------------ bucket lists
# Buckets are doubly linked lists threaded through nxt/prv (one slot per
# vertex); head[b] is the most recently pushed vertex of bucket b, which is
# what dict.popitem() returns for a dict used as an ordered set.

cdef inline void _push(int64_t[::1] head, int64_t[::1] nxt, int64_t[::1] prv,
                       int64_t b, int64_t v) noexcept nogil:
    cdef int64_t h = head[b]
    nxt[v] = h
    prv[v] = -1
    if h >= 0:
        prv[h] = v
    head[b] = v


cdef inline void _unlink(int64_t[::1] head, int64_t[::1] nxt, int64_t[::1] prv,
                         int64_t b, int64_t v) noexcept nogil:
    cdef int64_t p = prv[v], q = nxt[v]
    if p >= 0:
        nxt[p] = q
    else:
        head[b] = q
    if q >= 0:
        prv[q] = p


def smallest_last(indptr_, indices_):
    """Smallest-last order (Matula and Beck) of the graph (indptr, indices)."""
    indptr_, indices_ = _csr(indptr_, indices_)
    cdef const int64_t[::1] indptr = indptr_
    cdef const int64_t[::1] indices = indices_
    cdef Py_ssize_t n = indptr.shape[0] - 1
    out = np.empty(n, np.int64)
    if n == 0:
        return out
    cdef int64_t[::1] order = out
    cdef int64_t[::1] d = np.diff(indptr_)
    cdef int64_t maxd = int(np.max(d))
    cdef int64_t[::1] head = np.full(maxd + 1, -1, np.int64)
    cdef int64_t[::1] nxt = np.empty(n, np.int64)
    cdef int64_t[::1] prv = np.empty(n, np.int64)
    cdef unsigned char[::1] removed = np.zeros(n, np.uint8)
    cdef int64_t v, w, dw, low = 0
    cdef Py_ssize_t it, k
    with nogil:
        for v in range(n):
            _push(head, nxt, prv, d[v], v)
        for it in range(n):
            if low > 0:
                low -= 1
            while head[low] < 0:
                low += 1
            v = head[low]
            _unlink(head, nxt, prv, low, v)
            removed[v] = 1
            order[n - 1 - it] = v
            for k in range(indptr[v], indptr[v + 1]):
                w = indices[k]
                if not removed[w]:
                    dw = d[w]
                    _unlink(head, nxt, prv, dw, w)
                    d[w] = dw - 1
                    _push(head, nxt, prv, dw - 1, w)
    return out


def incidence_degree(indptr_, indices_):
    """Incidence-degree order of the graph (indptr, indices)."""
    indptr_, indices_ = _csr(indptr_, indices_)
    cdef const int64_t[::1] indptr = indptr_
    cdef const int64_t[::1] indices = indices_
    cdef Py_ssize_t n = indptr.shape[0] - 1
    out = np.empty(n, np.int64)
    if n == 0:
        return out
    cdef int64_t[::1] order = out
    cdef int64_t maxd = int(np.max(np.diff(indptr_)))
    cdef int64_t[::1] inc = np.zeros(n, np.int64)
    cdef int64_t[::1] head = np.full(maxd + 1, -1, np.int64)
    cdef int64_t[::1] nxt = np.empty(n, np.int64)
    cdef int64_t[::1] prv = np.empty(n, np.int64)
    cdef unsigned char[::1] done = np.zeros(n, np.uint8)
    cdef int64_t v, w, iw, top = 0
    cdef Py_ssize_t it, k
    with nogil:
        for v in range(n):
            _push(head, nxt, prv, 0, v)
        for it in range(n):
            while top > 0 and head[top] < 0:
                top -= 1
            v = head[top]
            _unlink(head, nxt, prv, top, v)
            done[v] = 1
            order[it] = v
            for k in range(indptr[v], indptr[v + 1]):
                w = indices[k]
                if not done[w]:
                    iw = inc[w]
                    _unlink(head, nxt, prv, iw, w)
                    inc[w] = iw + 1
                    _push(head, nxt, prv, iw + 1, w)
                    if iw + 1 > top:
                        top = iw + 1
    return out


# ------------------------------------------------------------ greedy
def greedy(indptr_, indices_, order_):
    """Greedy distance-1 coloring in the given vertex order."""
    indptr_, indices_ = _csr(indptr_, indices_)
    cdef const int64_t[::1] indptr = indptr_
    cdef const int64_t[::1] indices = indices_
    cdef const int64_t[::1] order = np.ascontiguousarray(order_, dtype=np.int64)
    cdef Py_ssize_t n = indptr.shape[0] - 1
    if order.shape[0] != n:
        raise ValueError(f"an order of {n} vertices was expected, got {order.shape[0]}")
    out = np.full(n, -1, np.int64)
    if n == 0:
        return out
    cdef int64_t[::1] color = out
    cdef int64_t[::1] forbid = np.full(int(np.max(np.diff(indptr_))) + 2, -1, np.int64)
    cdef int64_t v, cw, c
    cdef Py_ssize_t i, k
    with nogil:
        for i in range(n):
            v = order[i]
            for k in range(indptr[v], indptr[v + 1]):
                cw = color[indices[k]]
                if cw >= 0:
                    forbid[cw] = v
            c = 0
            while forbid[c] == v:
                c += 1
            color[v] = c
    return out


# ------------------------------------------------------------ DSATUR
# An indexed binary heap over the uncolored vertices: heap[i] is a vertex,
# pos[v] its place.  v comes first when its key, saturation * (maxd + 1) +
# degree, is larger, or equal and v is smaller: the order of the tuples
# (-saturation, -degree, v) that the Python definition pushes on heapq, so
# the same vertex is popped.
cdef inline bint _before(const int64_t* key, int64_t a, int64_t b) noexcept nogil:
    # key = saturation * (maxd + 1) + degree: larger first, then smaller index
    if key[a] != key[b]:
        return key[a] > key[b]
    return a < b


cdef inline void _heap_down(int64_t* heap, int64_t* pos, const int64_t* key, Py_ssize_t size,
                            Py_ssize_t i) noexcept nogil:
    cdef int64_t x = heap[i]
    cdef Py_ssize_t c
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and _before(key, heap[c + 1], heap[c]):
            c += 1
        if not _before(key, heap[c], x):
            break
        heap[i] = heap[c]
        pos[heap[i]] = i
        i = c
    heap[i] = x
    pos[x] = i


cdef inline void _heap_up(int64_t* heap, int64_t* pos, const int64_t* key,
                          Py_ssize_t i) noexcept nogil:
    cdef int64_t x = heap[i]
    cdef Py_ssize_t p
    while i > 0:
        p = (i - 1) >> 1
        if not _before(key, x, heap[p]):
            break
        heap[i] = heap[p]
        pos[heap[i]] = i
        i = p
    heap[i] = x
    pos[x] = i


cdef inline bint _insert(int64_t* table, uint64_t mask, int64_t key) noexcept nogil:
    """Add key (>= 0) to the open-addressing set; False if it was there."""
    cdef uint64_t i = (<uint64_t>key * <uint64_t>0x9E3779B97F4A7C15ULL) >> 20
    i &= mask
    while table[i] >= 0:
        if table[i] == key:
            return False
        i = (i + 1) & mask
    table[i] = key
    return True


def dsatur(indptr_, indices_):
    """Brelaz's DSATUR coloring: next the vertex of largest saturation, then
    largest degree, then smallest index."""
    indptr_, indices_ = _csr(indptr_, indices_)
    cdef const int64_t[::1] indptr = indptr_
    cdef const int64_t[::1] indices = indices_
    cdef Py_ssize_t n = indptr.shape[0] - 1
    out = np.full(n, -1, np.int64)
    if n == 0:
        return out
    cdef Py_ssize_t m = indices.shape[0]
    cdef int64_t[::1] color = out
    cdef int64_t maxd = int(np.max(np.diff(indptr_)))
    key_ = np.diff(indptr_)                 # saturation 0: the degree
    heap_ = np.arange(n, dtype=np.int64)
    pos_ = np.arange(n, dtype=np.int64)
    cdef int64_t[::1] keyv = key_, heapv = heap_, posv = pos_
    cdef int64_t* key = &keyv[0]
    cdef int64_t* heap = &heapv[0]
    cdef int64_t* pos = &posv[0]
    cdef int64_t[::1] forbid = np.full(maxd + 2, -1, np.int64)
    # The saturation sets (which colors v's colored neighbours use): one bit
    # per (vertex, color) when colors are few (at most maxd + 1 of them),
    # else an open-addressing set of vertex * stride + color (at most one
    # entry per edge end).
    cdef int64_t stride = maxd + 2
    cdef int64_t words = (stride + 63) // 64
    cdef bint use_bits = n * words <= 4 * (m + n)
    cdef uint64_t cap = 16
    if use_bits:
        bits_ = np.zeros(n * words, np.uint64)
        table_ = np.empty(1, np.int64)
    else:
        while cap < 2 * <uint64_t>m + 16:
            cap *= 2
        bits_ = np.zeros(1, np.uint64)
        table_ = np.full(cap, -1, np.int64)
    cdef uint64_t[::1] bits = bits_
    cdef int64_t[::1] table = table_
    cdef Py_ssize_t size = n, k
    cdef int64_t v, w, c, cw
    cdef uint64_t bit
    cdef bint fresh
    with nogil:
        k = n // 2 - 1
        while k >= 0:
            _heap_down(heap, pos, key, size, k)
            k -= 1
        while size > 0:
            v = heap[0]
            size -= 1
            if size > 0:
                heap[0] = heap[size]
                pos[heap[0]] = 0
                _heap_down(heap, pos, key, size, 0)
            for k in range(indptr[v], indptr[v + 1]):
                cw = color[indices[k]]
                if cw >= 0:
                    forbid[cw] = v
            c = 0
            while forbid[c] == v:
                c += 1
            color[v] = c
            bit = (<uint64_t>1) << (c & 63)
            for k in range(indptr[v], indptr[v + 1]):
                w = indices[k]
                if color[w] >= 0:
                    continue
                if use_bits:
                    fresh = not (bits[w * words + (c >> 6)] & bit)
                    if fresh:
                        bits[w * words + (c >> 6)] |= bit
                else:
                    fresh = _insert(&table[0], cap - 1, w * stride + c)
                if fresh:
                    key[w] += maxd + 1
                    _heap_up(heap, pos, key, pos[w])
    return out


# ------------------------------------------------------------ star coloring
def star_greedy(indptr_, indices_, order_):
    """Greedy star coloring (Gebremedhin, Manne and Pothen 2005, Alg. 4.1)
    in the given vertex order."""
    indptr_, indices_ = _csr(indptr_, indices_)
    cdef const int64_t[::1] indptr = indptr_
    cdef const int64_t[::1] indices = indices_
    cdef const int64_t[::1] order = np.ascontiguousarray(order_, dtype=np.int64)
    cdef Py_ssize_t n = indptr.shape[0] - 1
    if order.shape[0] != n:
        raise ValueError(f"an order of {n} vertices was expected, got {order.shape[0]}")
    out = np.full(n, -1, np.int64)
    if n == 0:
        return out
    cdef int64_t[::1] color = out
    cdef int64_t[::1] forbid = np.full(n + 1, -1, np.int64)
    cdef int64_t v, w, x, y, cw, cx, c
    cdef Py_ssize_t i, k, kx, ky
    with nogil:
        for i in range(n):
            v = order[i]
            for k in range(indptr[v], indptr[v + 1]):
                cw = color[indices[k]]
                if cw >= 0:
                    forbid[cw] = v
            for k in range(indptr[v], indptr[v + 1]):
                w = indices[k]
                cw = color[w]
                if cw < 0:
                    for kx in range(indptr[w], indptr[w + 1]):
                        x = indices[kx]
                        if x != v and color[x] >= 0:
                            forbid[color[x]] = v
                else:
                    for kx in range(indptr[w], indptr[w + 1]):
                        x = indices[kx]
                        cx = color[x]
                        if x == v or cx < 0 or forbid[cx] == v:
                            continue            # (cx already forbidden: nothing to learn)
                        for ky in range(indptr[x], indptr[x + 1]):
                            y = indices[ky]
                            if y != w and color[y] == cw:
                                forbid[cx] = v
                                break
            c = 0
            while forbid[c] == v:
                c += 1
            color[v] = c
    return out
