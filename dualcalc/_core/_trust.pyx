# cython: language_level=3
"""Trust-region Newton steps in C: the compiled half of ``minimize(method="newton")``.

Design: three layers of C kernels (``cdef ... noexcept nogil`` on raw double
buffers) with checked Python wrappers, so that the solver's Python loop
(``dualcalc/optimize/_minimize.py``) and the compiled loop below do the same
arithmetic in the same order and take identical iterates:

* ``_jacobi``, ``_tridiagonal_ql``: the eigendecomposition H = Q diag(lam) Q^T
  of a small dense symmetric matrix by cyclic Jacobi rotations (up to
  ``JACOBI_MAX_N`` rows) or Householder tridiagonalisation and implicit QL
  (up to ``QL_MAX_N``; ``eigh``); above that, or where either has not
  converged, LAPACK's through ``np.linalg.eigh``;
* ``_subproblem``: the exact trust-region subproblem min g.p + p.H.p/2 over
  |p| <= delta, by the secular equation on 1/|p(mu)| (safeguarded Newton inside
  a bisection bracket) with the hard case (``subproblem``);
* ``_step`` / ``_radius``: the predicted decrease, the norms, the ratio rho of
  actual to predicted decrease, the radius update and the acceptance test
  (``trust_step``, ``trust_radius``).

``newton_loop`` runs the whole trust-region Newton iteration on these kernels
for an objective whose evaluations are cheap (a ``dualcalc.compile``
recording): per iteration one value replay (``Program.run0``), one Hessian
replay (``Program.run2``) when the step is accepted, and no other Python.
The program and the solver's counted objective methods (the fallback where a
replay cannot answer) are handed in, so this module knows nothing of the
layers above.
"""
cimport cython
from libc.math cimport sqrt, fabs, hypot, isfinite, frexp, ldexp, NAN, INFINITY
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy

import numpy as np
cimport numpy as cnp

cnp.import_array()

# Jacobi (n^3 per sweep, ~6 sweeps) is the quickest for the smallest
# matrices and the most accurate; the tridiagonal QL iteration (~9 n^3)
# above that; LAPACK (np.linalg.eigh, ~10 us of call overhead) above
# QL_MAX_N and for a matrix on which either has not converged.
JACOBI_MAX_N = 6
QL_MAX_N = 64
MAX_SWEEPS = 60

cdef long _JMAX = 6
cdef long _QLMAX = 64
cdef int _SWEEPS = 60
cdef double EPS = 2.220446049250313e-16      # 2**-52, np.finfo(float).eps


# ---------------------------------------------------------------- eigensolver
cdef void _sort(long n, double* lam, double* Q) noexcept nogil:
    """Ascending order of lam with Q's columns (insertion sort: stable, n small)."""
    cdef long i, j, k
    cdef double x
    for i in range(1, n):
        j = i
        while j > 0 and lam[j] < lam[j - 1]:
            x = lam[j]
            lam[j] = lam[j - 1]
            lam[j - 1] = x
            for k in range(n):
                x = Q[k * n + j]
                Q[k * n + j] = Q[k * n + j - 1]
                Q[k * n + j - 1] = x
            j -= 1


cdef double _lower_copy(long n, const double* A, double* W) noexcept nogil:
    """W = the symmetric matrix whose lower triangle is A's (A's upper triangle
    is not read); returns its largest |entry|."""
    cdef long i, j
    cdef double x, amax = 0.0
    for i in range(n):
        for j in range(n):
            x = A[i * n + j] if j <= i else A[j * n + i]
            W[i * n + j] = x
            if fabs(x) > amax:
                amax = fabs(x)
    return amax


cdef int _jacobi(long n, const double* A, double* lam, double* Q, double* W) noexcept nogil:
    """Eigenvalues (ascending) and eigenvectors (the columns of Q, row-major)
    of the symmetric matrix whose lower triangle is A (row-major, n x n, finite).
    W: n*n doubles of workspace.  Returns the number of sweeps, or -1 if
    MAX_SWEEPS sweeps did not converge.

    The matrix is first scaled by a power of 2 (exact) so that its largest
    entry is in [1/2, 1): no overflow in the rotations for huge entries, no
    underflow for tiny ones.  A sweep visits every pair p < q in row order
    and rotates it away unless it is negligible:
    |a_pq| <= eps sqrt(|a_pp| |a_qq|) (relative to its diagonal, as in
    Demmel and Veselic's criterion, so eigenvalues are accurate to rounding
    relative to the matrix and better for graded ones) or
    |a_pq| <= eps^2 |A|_F (an absolute floor, below rounding, for zero
    diagonal entries).  The iteration stops after a sweep without rotations.
    """
    cdef long i, j, k, pp, qq
    cdef int sweep = 0, e = 0
    cdef bint rotated
    cdef double amax = 0.0, fro = 0.0, floor, apq, app, aqq, theta, t, c, s, x, y, scale
    amax = _lower_copy(n, A, W)
    for i in range(n):
        for j in range(n):
            Q[i * n + j] = 1.0 if i == j else 0.0
    if amax == 0.0:
        for i in range(n):
            lam[i] = 0.0
        return 0
    frexp(amax, &e)
    for i in range(n * n):
        W[i] = ldexp(W[i], -e)
        fro += W[i] * W[i]
    floor = EPS * EPS * sqrt(fro)
    for sweep in range(_SWEEPS + 1):
        rotated = False
        for pp in range(n - 1):
            for qq in range(pp + 1, n):
                apq = W[pp * n + qq]
                app = W[pp * n + pp]
                aqq = W[qq * n + qq]
                if fabs(apq) <= EPS * sqrt(fabs(app) * fabs(aqq)) or fabs(apq) <= floor:
                    continue
                if sweep == _SWEEPS:
                    return -1
                rotated = True
                # tan of the angle that zeroes a_pq: the smaller root of
                # t^2 + 2 theta t - 1 = 0 (|angle| <= pi/4)
                theta = (aqq - app) / (2.0 * apq)
                if fabs(theta) > 1e150:
                    t = 0.5 / theta
                else:
                    t = 1.0 / (fabs(theta) + sqrt(1.0 + theta * theta))
                    if theta < 0:
                        t = -t
                c = 1.0 / sqrt(1.0 + t * t)
                s = t * c
                for k in range(n):                  # columns p, q
                    x = W[k * n + pp]
                    y = W[k * n + qq]
                    W[k * n + pp] = c * x - s * y
                    W[k * n + qq] = s * x + c * y
                for k in range(n):                  # rows p, q
                    x = W[pp * n + k]
                    y = W[qq * n + k]
                    W[pp * n + k] = c * x - s * y
                    W[qq * n + k] = s * x + c * y
                W[pp * n + pp] = app - t * apq
                W[qq * n + qq] = aqq + t * apq
                W[pp * n + qq] = 0.0
                W[qq * n + pp] = 0.0
                for k in range(n):                  # Q <- Q J
                    x = Q[k * n + pp]
                    y = Q[k * n + qq]
                    Q[k * n + pp] = c * x - s * y
                    Q[k * n + qq] = s * x + c * y
        if not rotated:
            break
    for i in range(n):
        lam[i] = W[i * n + i]
    _sort(n, lam, Q)
    for i in range(n):
        lam[i] = ldexp(lam[i], e)
    return sweep


cdef int _tridiagonal_ql(long n, const double* A, double* d, double* V, double* e) noexcept nogil:
    """The same decomposition as _jacobi (A's lower triangle, n >= 2, finite;
    lam ascending into d, eigenvectors into V's columns; e: n doubles of
    workspace) by Householder reduction to tridiagonal form and the implicit
    QL iteration with Wilkinson-like shifts, as EISPACK's tred2 and tql2
    (in the form of JAMA's EigenvalueDecomposition).  About 9 n^3 flops
    against Jacobi's ~6 sweeps of 6 n^3.  The same power-of-2 scaling as
    _jacobi; an off-diagonal entry of the tridiagonal matrix is negligible
    when |e_m| <= eps (|d_l| + |e_l|) taken over the entries met so far (a
    normwise test: eigenvalues accurate to rounding relative to |A|).
    Returns the number of QL iterations, or -1 if 30 n did not converge."""
    cdef long i, j, k, l, m, it = 0
    cdef int ex = 0
    cdef double amax = 0.0, scale, h, f, g, hh, tst1, p, r, dl1, c, c2, c3, el1, s, s2, x
    amax = _lower_copy(n, A, V)
    if amax == 0.0:
        for i in range(n):
            d[i] = 0.0
            for j in range(n):
                V[i * n + j] = 1.0 if i == j else 0.0
        return 0
    frexp(amax, &ex)
    for i in range(n * n):
        V[i] = ldexp(V[i], -ex)
    # Householder tridiagonalisation (tred2)
    for j in range(n):
        d[j] = V[(n - 1) * n + j]
    for i in range(n - 1, 0, -1):
        scale = 0.0
        h = 0.0
        for k in range(i):
            scale += fabs(d[k])
        if scale == 0.0:
            e[i] = d[i - 1]
            for j in range(i):
                d[j] = V[(i - 1) * n + j]
                V[i * n + j] = 0.0
                V[j * n + i] = 0.0
        else:
            for k in range(i):
                d[k] /= scale
                h += d[k] * d[k]
            f = d[i - 1]
            g = sqrt(h)
            if f > 0:
                g = -g
            e[i] = scale * g
            h = h - f * g
            d[i - 1] = f - g
            for j in range(i):
                e[j] = 0.0
            for j in range(i):
                f = d[j]
                V[j * n + i] = f
                g = e[j] + V[j * n + j] * f
                for k in range(j + 1, i):
                    g += V[k * n + j] * d[k]
                    e[k] += V[k * n + j] * f
                e[j] = g
            f = 0.0
            for j in range(i):
                e[j] /= h
                f += e[j] * d[j]
            hh = f / (h + h)
            for j in range(i):
                e[j] -= hh * d[j]
            for j in range(i):
                f = d[j]
                g = e[j]
                for k in range(j, i):
                    V[k * n + j] -= (f * e[k] + g * d[k])
                d[j] = V[(i - 1) * n + j]
                V[i * n + j] = 0.0
        d[i] = h
    # accumulate the transformations
    for i in range(n - 1):
        V[(n - 1) * n + i] = V[i * n + i]
        V[i * n + i] = 1.0
        h = d[i + 1]
        if h != 0.0:
            for k in range(i + 1):
                d[k] = V[k * n + i + 1] / h
            for j in range(i + 1):
                g = 0.0
                for k in range(i + 1):
                    g += V[k * n + i + 1] * V[k * n + j]
                for k in range(i + 1):
                    V[k * n + j] -= g * d[k]
        for k in range(i + 1):
            V[k * n + i + 1] = 0.0
    for j in range(n):
        d[j] = V[(n - 1) * n + j]
        V[(n - 1) * n + j] = 0.0
    V[(n - 1) * n + n - 1] = 1.0
    e[0] = 0.0
    # implicit QL (tql2)
    for i in range(1, n):
        e[i - 1] = e[i]
    e[n - 1] = 0.0
    f = 0.0
    tst1 = 0.0
    for l in range(n):
        if fabs(d[l]) + fabs(e[l]) > tst1:
            tst1 = fabs(d[l]) + fabs(e[l])
        m = l
        while m < n:
            if fabs(e[m]) <= EPS * tst1:
                break
            m += 1
        if m == n:
            m = n - 1
        if m > l:
            while True:
                it += 1
                if it > 30 * n:
                    return -1
                g = d[l]
                p = (d[l + 1] - g) / (2.0 * e[l])
                r = hypot(p, 1.0)
                if p < 0:
                    r = -r
                d[l] = e[l] / (p + r)
                d[l + 1] = e[l] * (p + r)
                dl1 = d[l + 1]
                h = g - d[l]
                for i in range(l + 2, n):
                    d[i] -= h
                f = f + h
                p = d[m]
                c = 1.0
                c2 = c
                c3 = c
                el1 = e[l + 1]
                s = 0.0
                s2 = 0.0
                for i in range(m - 1, l - 1, -1):
                    c3 = c2
                    c2 = c
                    s2 = s
                    g = c * e[i]
                    h = c * p
                    r = hypot(p, e[i])
                    e[i + 1] = s * r
                    s = e[i] / r
                    c = p / r
                    p = c * d[i] - s * g
                    d[i + 1] = h + s * (c * g + s * d[i])
                    for k in range(n):
                        h = V[k * n + i + 1]
                        V[k * n + i + 1] = s * V[k * n + i] + c * h
                        V[k * n + i] = c * V[k * n + i] - s * h
                p = -s * s2 * c3 * el1 * e[l] / dl1
                e[l] = s * p
                d[l] = c * p
                if not (fabs(e[l]) > EPS * tst1):
                    break
        d[l] = d[l] + f
        e[l] = 0.0
    _sort(n, d, V)
    for i in range(n):
        d[i] = ldexp(d[i], ex)
    return it


cdef int _eig(long n, const double* A, double* lam, double* Q, double* W, int method) except -1:
    """H = Q diag(lam) Q^T: method 1 Jacobi, 2 tridiagonal QL, 3 LAPACK, 0
    by size (Jacobi up to JACOBI_MAX_N, QL up to QL_MAX_N, LAPACK above).
    LAPACK also where Jacobi or QL has not converged.  W: n*n doubles."""
    cdef cnp.ndarray L, V
    cdef cnp.npy_intp d[2]
    if method == 0:
        method = 1 if n <= _JMAX else (2 if n <= _QLMAX else 3)
    if method == 1 and _jacobi(n, A, lam, Q, W) >= 0:
        return 0
    if method == 2 and (n < 2 or _tridiagonal_ql(n, A, lam, Q, W) >= 0):
        if n == 1:
            lam[0] = A[0]
            Q[0] = 1.0
        return 0
    d[0] = n
    d[1] = n
    M = cnp.PyArray_EMPTY(2, d, cnp.NPY_DOUBLE, 0)
    memcpy(cnp.PyArray_DATA(M), A, n * n * sizeof(double))
    L, V = np.linalg.eigh(M)
    L = np.ascontiguousarray(L, dtype=np.float64)
    V = np.ascontiguousarray(V, dtype=np.float64)
    memcpy(lam, cnp.PyArray_DATA(L), n * sizeof(double))
    memcpy(Q, cnp.PyArray_DATA(V), n * n * sizeof(double))
    return 1


# ---------------------------------------------------------------- subproblem
cdef inline double _dot(long n, const double* u, const double* v) noexcept nogil:
    cdef double s = 0.0
    cdef long i
    for i in range(n):
        s += u[i] * v[i]
    return s


cdef void _back(long n, const double* Q, const double* lam, const double* c,
                double* p, double* Hp) noexcept nogil:
    """p = Q c and Hp = Q (lam * c)."""
    cdef long i, j
    cdef double s, t
    for i in range(n):
        s = 0.0
        t = 0.0
        for j in range(n):
            s += Q[i * n + j] * c[j]
            t += Q[i * n + j] * (lam[j] * c[j])
        p[i] = s
        Hp[i] = t


cdef int _subproblem(long n, const double* g, const double* lam, const double* Q, double delta,
                     double* p, double* Hp, double* a, double* c) noexcept nogil:
    """Minimise g.p + p.H.p / 2 over |p| <= delta, H = Q diag(lam) Q^T with lam
    ascending.  Writes p and H p; returns 1 if p is the interior Newton step.
    a, c: n doubles of workspace each.

    In the eigenbasis p = Q c with c_i = -a_i / (lam_i + mu), a = Q^T g.  The
    unconstrained step (mu = 0) is taken when H is positive definite and it
    lies inside the region.  Else the secular equation |c(mu)| = delta is
    solved for mu > max(0, -lam_0) by Newton's method on phi(mu) = 1/|c(mu)|
    - 1/delta (nearly linear in mu), each step kept inside the bisection
    bracket [lo, hi] (else bisected), at most 100 steps; it stops when
    ||c| - delta| <= 1e-12 delta or when the bracket is at rounding level,
    where it takes hi (|c| <= delta, components of nonpositive lam + mu set
    to 0).  Hard case (lam_0 < 0 and |c| still short of delta: g numerically
    orthogonal to the eigenvectors of lam_0): c_0 is set to what the other
    components leave of the length delta, against the sign of a_0.  (The
    earlier Python step added that length to c_0 instead, which overshot
    delta where c_0 = -a_0 / (lam_0 + mu) was not negligible.)"""
    cdef long i, j, it
    cdef double lmin = lam[0], s, pn, gnorm, lo, hi, mu, new, dphi, d, tau
    cdef bint finite, masked = False
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += Q[j * n + i] * g[j]
        a[i] = s
    if lmin > 0:
        for i in range(n):
            c[i] = -a[i] / lam[i]
        if sqrt(_dot(n, c, c)) <= delta:
            _back(n, Q, lam, c, p, Hp)
            return 1
    gnorm = sqrt(_dot(n, a, a))
    lo = -lmin if -lmin > 0.0 else 0.0
    hi = lo + gnorm / delta
    mu = hi
    for it in range(100):
        for i in range(n):
            c[i] = -a[i] / (lam[i] + mu)
        pn = sqrt(_dot(n, c, c))
        finite = isfinite(pn)
        if finite and fabs(pn - delta) <= 1e-12 * delta:
            break
        if not finite or pn > delta:
            lo = mu
        else:
            hi = mu
        if hi - lo <= 4.0 * EPS * (hi if hi > 1.0 else 1.0):
            mu = hi                              # the side where |p| <= delta
            masked = True
            break
        new = NAN
        if finite and pn > 0:
            s = 0.0
            for i in range(n):
                d = lam[i] + mu
                s += a[i] * a[i] / (d * d * d)
            dphi = s / (pn * pn * pn)
            if dphi > 0:
                new = mu - (1.0 / pn - 1.0 / delta) / dphi
        if not (lo < new and new < hi):
            new = 0.5 * (lo + hi)
        mu = new
    else:
        mu = hi
        masked = True
    if masked:
        for i in range(n):
            d = lam[i] + mu
            c[i] = -a[i] / d if d > 0 else 0.0
    pn = sqrt(_dot(n, c, c))
    if lmin < 0 and pn < delta * (1.0 - 1e-9):
        # c_0 takes the rest of the length, against the sign of a_0 (the
        # better of the two boundary points along the first eigenvector);
        # c_0 itself may be far from 0 when lam_0 + mu is at rounding level,
        # so the length is what the other components leave: |c| = delta
        tau = delta * delta - (pn * pn - c[0] * c[0])
        tau = sqrt(tau) if tau > 0.0 else 0.0
        c[0] = -tau if a[0] > 0 else tau
    _back(n, Q, lam, c, p, Hp)
    return 0


# ---------------------------------------------------------------- step and radius
cdef struct Step:
    int interior
    double pred, pnorm, xnorm


cdef Step _step(long n, const double* g, const double* lam, const double* Q, double delta,
                const double* x, double* p, double* Hp, double* a, double* c) noexcept nogil:
    """The subproblem's step p, its predicted decrease -(g.p + p.H.p/2), |p| and |x|."""
    cdef Step S
    S.interior = _subproblem(n, g, lam, Q, delta, p, Hp, a, c)
    S.pred = -(_dot(n, g, p) + 0.5 * _dot(n, p, Hp))
    S.pnorm = sqrt(_dot(n, p, p))
    S.xnorm = sqrt(_dot(n, x, x))
    return S


cdef inline bint _small(long n, const double* p, const double* x, double xtol) noexcept nogil:
    """|p_i| <= xtol (xtol + |x_i|) for every i (optimize._result.small_step)."""
    cdef long i
    for i in range(n):
        if not (fabs(p[i]) <= xtol * (xtol + fabs(x[i]))):
            return False
    return True


cdef inline double _radius(double f, double f_new, double pred, double delta, double pnorm,
                           bint interior, double max_radius, bint* accepted) noexcept nogil:
    """rho = actual / predicted decrease (-inf for a non-finite trial value or
    pred <= 0; 1 or -inf when both are at rounding level of f), the new
    radius (a quarter of |p| for rho < 1/4, doubled up to max_radius for
    rho > 3/4 on the boundary) and acceptance (rho > 1e-4)."""
    cdef double actual, rho, tiny = 8.0 * EPS * fabs(f), m
    actual = f - f_new if isfinite(f_new) else -INFINITY
    if pred <= 0:
        rho = -INFINITY
    elif fabs(actual) <= tiny and pred <= tiny:
        rho = 1.0 if f_new <= f else -INFINITY
    else:
        rho = actual / pred
    accepted[0] = rho > 1e-4
    if rho < 0.25:
        if isfinite(rho) and pnorm > 0:
            return 0.25 * pnorm
        m = pnorm if pnorm != 0.0 else delta      # Python's min(delta, pnorm or delta)
        return 0.25 * (m if m < delta else delta)
    if rho > 0.75 and not interior:
        return 2.0 * delta if 2.0 * delta < max_radius else max_radius
    return delta


# ---------------------------------------------------------------- Python wrappers
cdef inline cnp.ndarray _empty1(long m):
    cdef cnp.npy_intp d = m
    return cnp.PyArray_EMPTY(1, &d, cnp.NPY_DOUBLE, 0)


cdef inline cnp.ndarray _empty2(long m):
    cdef cnp.npy_intp d[2]
    d[0] = m
    d[1] = m
    return cnp.PyArray_EMPTY(2, d, cnp.NPY_DOUBLE, 0)


cdef inline cnp.ndarray _carray(object a):
    """a as a C-contiguous float64 ndarray (itself when it is one)."""
    if (type(a) is np.ndarray and cnp.PyArray_TYPE(<cnp.ndarray>a) == cnp.NPY_DOUBLE
            and cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>a)):
        return <cnp.ndarray>a
    return np.ascontiguousarray(a, dtype=np.float64)


cdef inline double* _ptr(cnp.ndarray a) noexcept:
    return <double*>cnp.PyArray_DATA(a)


_METHODS = {None: 0, "auto": 0, "jacobi": 1, "ql": 2, "lapack": 3}


def eigh(H, method=None):
    """Eigenvalues (ascending) and orthonormal eigenvectors (columns) of a
    symmetric matrix, from its lower triangle, as ``np.linalg.eigh``.

    method: ``"jacobi"`` (cyclic Jacobi), ``"ql"`` (Householder
    tridiagonalisation and implicit QL), ``"lapack"`` (np.linalg.eigh), or
    None: by size, as the Newton step uses it (Jacobi for n <=
    JACOBI_MAX_N, QL up to QL_MAX_N, LAPACK above).  Raises ValueError for a
    matrix that is not square or not finite (an eigendecomposition of nan or
    inf entries has no meaning).

    >>> lam, Q = eigh([[2.0, 1.0], [1.0, 2.0]])
    >>> lam.tolist()
    [1.0, 3.0]
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of 'jacobi', 'ql', 'lapack' or None, "
                         f"got {method!r}")
    cdef cnp.ndarray A = _carray(H)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"eigh needs a square matrix, got shape {np.shape(H)}")
    cdef long n = A.shape[0]
    if not np.all(np.isfinite(A)):
        raise ValueError("eigh needs a finite matrix; it has nan or inf entries")
    cdef cnp.ndarray lam = _empty1(n), Q = _empty2(n)
    cdef double* W
    if n == 0:
        return lam, Q
    W = <double*>malloc((n * n + 1) * sizeof(double))
    if W == NULL:
        raise MemoryError()
    try:
        _eig(n, _ptr(A), _ptr(lam), _ptr(Q), W, _METHODS[method])
    finally:
        free(W)
    return lam, Q


def iterations(H, method="jacobi"):
    """Jacobi's sweeps or QL's iterations on H (-1: not converged), for tests."""
    cdef cnp.ndarray A = _carray(H)
    cdef long n = A.shape[0]
    cdef cnp.ndarray lam = _empty1(n), Q = _empty2(n)
    cdef double* W = <double*>malloc((n * n + 1) * sizeof(double))
    if W == NULL:
        raise MemoryError()
    try:
        if method == "ql":
            return _tridiagonal_ql(n, _ptr(A), _ptr(lam), _ptr(Q), W)
        return _jacobi(n, _ptr(A), _ptr(lam), _ptr(Q), W)
    finally:
        free(W)


cdef tuple _check_step_args(g, lam, Q):
    cdef cnp.ndarray G = _carray(g), L = _carray(lam), V = _carray(Q)
    cdef long n = G.shape[0] if G.ndim == 1 else -1
    if G.ndim != 1 or L.ndim != 1 or L.shape[0] != n or V.ndim != 2 \
            or V.shape[0] != n or V.shape[1] != n:
        raise ValueError("need g of shape (n,), lam of shape (n,) and Q of shape (n, n)")
    return G, L, V


def subproblem(g, lam, Q, double delta):
    """The exact trust-region step: (p, H p, interior) minimising g.p + p.H.p/2
    over |p| <= delta, with H = Q diag(lam) Q^T (lam ascending, as from eigh);
    interior is True for the unconstrained Newton step.

    >>> p, Hp, interior = subproblem([1.0, 0.0], [2.0, 2.0], [[1.0, 0.0], [0.0, 1.0]], 10.0)
    >>> p.tolist(), interior
    ([-0.5, 0.0], True)
    """
    if not delta > 0:
        raise ValueError(f"the trust radius must be positive, got {delta!r}")
    G, L, V = _check_step_args(g, lam, Q)
    cdef long n = G.shape[0]
    cdef cnp.ndarray p = _empty1(n), Hp = _empty1(n), w = _empty1(2 * n + 1)
    cdef int interior = _subproblem(n, _ptr(G), _ptr(L), _ptr(V), delta, _ptr(p), _ptr(Hp),
                                    _ptr(w), _ptr(w) + n)
    return p, Hp, bool(interior)


def trust_step(g, lam, Q, double delta, x):
    """(p, interior, pred, |p|, |x|): the subproblem's step with its predicted
    decrease -(g.p + p.H.p/2) and the two norms, as the Newton loop uses them."""
    G, L, V = _check_step_args(g, lam, Q)
    cdef cnp.ndarray X = _carray(x)
    cdef long n = G.shape[0]
    if X.ndim != 1 or X.shape[0] != n:
        raise ValueError("x must have the shape of g")
    cdef cnp.ndarray p = _empty1(n), w = _empty1(3 * n + 1)
    cdef Step S = _step(n, _ptr(G), _ptr(L), _ptr(V), delta, _ptr(X), _ptr(p), _ptr(w),
                        _ptr(w) + n, _ptr(w) + 2 * n)
    return p, bool(S.interior), S.pred, S.pnorm, S.xnorm


def trust_radius(double f, double f_new, double pred, double delta, double pnorm,
                 bint interior, double max_radius):
    """(new radius, accepted) after a trial value f_new (see the module docstring)."""
    cdef bint accepted = False
    cdef double d = _radius(f, f_new, pred, delta, pnorm, interior, max_radius, &accepted)
    return d, bool(accepted)


# ---------------------------------------------------------------- the whole loop
cdef inline bint _all_finite(long m, const double* v) noexcept nogil:
    cdef long i
    for i in range(m):
        if not isfinite(v[i]):
            return False
    return True


def newton_loop(value, value_grad_hess, program_of, x, f, g, H, long maxiter,
                double gtol, double xtol, double delta, double max_radius, tuple statuses):
    """The trust-region Newton iteration of ``_minimize_newton`` (no monitor)
    from a point x with finite f, g, H, on the kernels above.

    Evaluations: ``program_of()`` gives the replay program of a recorded f
    (``dualcalc._core._replay.Program``) or None; its ``run0`` (the value)
    and ``run2(x, 0, n, None, True)`` (value, gradient and Hessian) are tried
    first and counted here.  Where a replay's guards see another branch (or
    it raises, or there is no program), ``value(x)`` and
    ``value_grad_hess(x)`` (the solver's objective, which counts itself)
    run instead, exactly as the Python loop would run them, and program_of
    is asked again (that call may have recorded again).  statuses: the
    codes (converged, maxiter, small step, precision loss).  Returns (x, f,
    g, H, nit, status, nfev, njev, nhev) with the counts of the replays."""
    cdef cnp.ndarray X = _carray(x), G = _carray(g), Hc = _carray(H), trial, Gn, Hn
    cdef long n = X.shape[0], i, nit = 0, nfev = 0, nhev = 0
    cdef double fx = f, f_new, gmax, pnorm
    cdef bint have_eig = False, accepted, good
    cdef Step S
    cdef object status, r, f_try, g_new, H_new, prog = program_of()
    converged, maxit, small, precision = statuses
    if G.shape[0] != n or Hc.size != n * n:
        raise ValueError("g and H must match x")
    cdef double* buf = <double*>malloc((3 * n * n + 5 * n + 1) * sizeof(double))
    if buf == NULL:
        raise MemoryError()
    cdef double* lam = buf
    cdef double* Q = buf + n
    cdef double* W = Q + n * n
    cdef double* p = W + n * n
    cdef double* Hp = p + n
    cdef double* a = Hp + n
    cdef double* c = a + n
    cdef double* t
    try:
        while True:
            gmax = 0.0
            for i in range(n):
                if fabs(_ptr(G)[i]) > gmax:
                    gmax = fabs(_ptr(G)[i])
            if gmax <= gtol:
                status = converged
                break
            if nit >= maxiter:
                status = maxit
                break
            nit += 1
            if not have_eig:
                _eig(n, _ptr(Hc), lam, Q, W, 0)
                have_eig = True
            S = _step(n, _ptr(G), lam, Q, delta, _ptr(X), p, Hp, a, c)
            if S.interior and (S.pred <= 8.0 * EPS * fabs(fx) or _small(n, p, _ptr(X), xtol)):
                status = small
                nit -= 1
                break
            trial = _empty1(n)
            t = _ptr(trial)
            for i in range(n):
                t[i] = _ptr(X)[i] + p[i]
            r = None
            if prog is not None:
                try:
                    r = prog.run0(trial)
                except Exception:
                    r = None
            if r is not None and r[0] < 0:
                nfev += 1
                f_new = r[1][0]
            else:
                f_new = value(trial)
                prog = program_of()
            delta = _radius(fx, f_new, S.pred, delta, S.pnorm, S.interior, max_radius,
                            &accepted)
            if accepted:
                r = None
                if prog is not None:
                    try:
                        r = prog.run2(trial, 0, n, None, True)
                    except Exception:
                        r = None
                if r is not None and r[0] < 0:
                    nfev += 1
                    nhev += 1
                    r = r[1:4]
                else:
                    r = value_grad_hess(trial)
                    prog = program_of()
                f_try, g_new, H_new = r
                good = g_new is not None and H_new is not None and isfinite(f_try)
                if good:
                    Gn = _carray(g_new)
                    Hn = _carray(H_new)
                    if Gn.size != n or Hn.size != n * n:
                        raise ValueError("the gradient and Hessian must match x")
                    good = (_all_finite(n, _ptr(Gn)) and _all_finite(n * n, _ptr(Hn)))
                if not good:
                    delta = 0.25 * S.pnorm
                else:
                    X, fx, G, Hc = trial, f_try, Gn, Hn
                    f, g, H = f_try, g_new, H_new
                    have_eig = False
            if delta <= 4.0 * EPS * (S.xnorm if S.xnorm > 1.0 else 1.0):
                status = precision
                break
    finally:
        free(buf)
    return X, f, g, H, nit, status, nfev, nhev, nhev
