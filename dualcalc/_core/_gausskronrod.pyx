# cython: language_level=3
"""QUADPACK's Gauss-Kronrod estimates for many rows of integrand values at once.

Design: ``dualcalc.integrate.quad`` evaluates f (and its tangents) on the nodes
of one or many intervals and needs, for every component row and interval, the
Kronrod sum, QUADPACK's error estimate and the integral of |f|.  With NumPy that
is a dozen calls on small arrays (or two matrix products), which cost more
than f itself on a smooth integrand; here it is one loop per row.  The
formulas are QUADPACK's (qk21): with K and G the Kronrod and Gauss sums,
resabs = sum wk |f|, resasc = sum wk |f - K/2|, the error is
resasc min(1, (200 |K - G| / resasc)^1.5), at least 50 eps resabs, and all
three are scaled by the half-width |h|.  NaN propagates as in np.maximum.
"""
cimport numpy as cnp
from libc.math cimport fabs, sqrt, isnan
from libc.string cimport memcpy

import numpy as np

cnp.import_array()

cdef double EPS = 2.220446049250313e-16
cdef double TINY = 2.2250738585072014e-308


cdef inline double _max(double a, double b) noexcept nogil:
    """np.maximum of two numbers (NaN if either is)."""
    if isnan(a) or isnan(b):
        return a + b
    return a if a >= b else b


cdef inline double _min(double a, double b) noexcept nogil:
    """np.minimum of two numbers (NaN if either is)."""
    if isnan(a) or isnan(b):
        return a + b
    return a if a <= b else b


cdef void _row(double* row, Py_ssize_t N, double* kp, double* gp, double s,
               double* K, double* err, double* ra) noexcept nogil:
    """QUADPACK's three estimates of one row, scaled by s = |h|."""
    cdef double k = 0.0, g = 0.0, a = 0.0, mean, rasc = 0.0, q, v
    cdef Py_ssize_t i
    for i in range(N):
        v = row[i]
        k = k + kp[i] * v
        g = g + gp[i] * v
        a = a + kp[i] * fabs(v)
    mean = 0.5 * k
    for i in range(N):
        rasc = rasc + kp[i] * fabs(row[i] - mean)
    q = _min(200.0 * fabs(k - g) / _max(rasc, TINY), 1.0)
    K[0] = k * s
    err[0] = _max(rasc * (q * sqrt(q)), 50.0 * EPS * a) * s
    ra[0] = a * s


cdef cnp.ndarray _f64(object a):
    """a as a C-contiguous float64 array (itself when it already is one)."""
    if (type(a) is cnp.ndarray and cnp.PyArray_TYPE(<cnp.ndarray>a) == cnp.NPY_DOUBLE
            and cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>a) and cnp.PyArray_ISNOTSWAPPED(<cnp.ndarray>a)):
        return <cnp.ndarray>a
    return np.ascontiguousarray(a, dtype=np.float64)


cdef int _check(cnp.ndarray f, cnp.ndarray k, cnp.ndarray g) except -1:
    if (cnp.PyArray_NDIM(f) != 2 or cnp.PyArray_NDIM(k) != 1 or cnp.PyArray_NDIM(g) != 1
            or g.shape[0] != k.shape[0] or f.shape[1] != k.shape[0]):
        raise ValueError("the Gauss-Kronrod estimates need F of shape (R, N) and N Kronrod "
                         "and N Gauss weights")
    return 0


def estimates(F, h, wk, wg):
    """(integral, error, integral of |f|) for every row of F, shape (3, R).

    Parameters
    ----------
    F : (R, N) float array
        Integrand values on the N nodes of an interval; row r belongs to
        interval r % m.
    h : float or (m,) float array
        The intervals' half-widths (their absolute values scale the results).
    wk, wg : (N,) float arrays
        Kronrod weights, and the Gauss weights on the same nodes (zero on the
        Kronrod-only ones).
    """
    cdef cnp.ndarray f = _f64(F), k = _f64(wk), g = _f64(wg)
    cdef cnp.ndarray hh = _f64(h if type(h) is not float else (h,)).reshape(-1)
    _check(f, k, g)
    cdef Py_ssize_t R = f.shape[0], N = f.shape[1], m = hh.shape[0], r
    if m == 0 or (R % m) != 0:
        raise ValueError("the Gauss-Kronrod estimates need the same number of rows for "
                         "every interval")
    cdef cnp.npy_intp dims[2]
    dims[0] = 3
    dims[1] = R
    cdef cnp.ndarray out = <cnp.ndarray>cnp.PyArray_EMPTY(2, dims, cnp.NPY_DOUBLE, 0)
    cdef double* o = <double*>cnp.PyArray_DATA(out)
    cdef double* fp = <double*>cnp.PyArray_DATA(f)
    cdef double* hp = <double*>cnp.PyArray_DATA(hh)
    cdef double* kp = <double*>cnp.PyArray_DATA(k)
    cdef double* gp = <double*>cnp.PyArray_DATA(g)
    with nogil:
        for r in range(R):
            _row(fp + r * N, N, kp, gp, fabs(hp[r % m]), &o[r], &o[R + r], &o[2 * R + r])
    return out


def first_interval(F, double h, wk, wg, double epsabs, double epsrel):
    """`estimates` on one interval with the whole integral's tolerance test:
    (list of the R integrals, the largest error) when every row's error is
    within epsabs, epsrel |integral| or 100 eps (integral of |f|), else None
    (NaN never passes).  The same numbers as `estimates`."""
    cdef cnp.ndarray f = _f64(F), k = _f64(wk), g = _f64(wg)
    _check(f, k, g)
    cdef Py_ssize_t R = f.shape[0], N = f.shape[1], r
    cdef double* fp = <double*>cnp.PyArray_DATA(f)
    cdef double* kp = <double*>cnp.PyArray_DATA(k)
    cdef double* gp = <double*>cnp.PyArray_DATA(g)
    cdef double v, e, a, emax = 0.0, s = fabs(h)
    cdef list tot = []
    for r in range(R):
        _row(fp + r * N, N, kp, gp, s, &v, &e, &a)
        if not (e <= epsabs or e <= epsrel * fabs(v) or e <= 100.0 * EPS * a):
            return None
        tot.append(v)
        if e > emax:
            emax = e
    return tot, emax


def stack(v, e):
    """The component rows (1 + k, N) of a value row v (N,) and tangent rows e
    (k, N) (np.concatenate without its dispatch)."""
    cdef cnp.ndarray a = _f64(v), b = _f64(e)
    cdef Py_ssize_t N = cnp.PyArray_SIZE(a)
    if cnp.PyArray_NDIM(b) != 2 or b.shape[1] != N:
        raise ValueError("stack needs a row of N values and k rows of N tangents")
    cdef cnp.npy_intp dims[2]
    dims[0] = b.shape[0] + 1
    dims[1] = N
    cdef cnp.ndarray out = <cnp.ndarray>cnp.PyArray_EMPTY(2, dims, cnp.NPY_DOUBLE, 0)
    memcpy(cnp.PyArray_DATA(out), cnp.PyArray_DATA(a), N * sizeof(double))
    memcpy(<double*>cnp.PyArray_DATA(out) + N, cnp.PyArray_DATA(b),
           b.shape[0] * N * sizeof(double))
    return out
