"""Matrix functions beyond numpy.linalg, on plain and dual arrays alike.

Design: :func:`expm` is written once, with NumPy operations only (matmul,
solve, scalar products), as the scaling-and-squaring algorithm with Padé
approximants of Higham (2005).  On a dual array the same operations carry the
derivatives -- which is the Fréchet derivative of the algorithm, with the same
backward-error guarantee (Al-Mohy and Higham, 2009) -- and on a
HyperDualArray the second derivatives.  The scaling is chosen from the values,
so it is constant along every derivative.  SciPy is not needed.
"""
import numpy as np

from dualcalc.arrays import value_of

__all__ = ["expm"]

# Padé coefficients b_0..b_m and the 1-norm bounds theta_m (Higham 2005, table 2.3)
_PADE = {
    3: (1.495585217958292e-2, (120., 60., 12., 1.)),
    5: (2.539398330063230e-1, (30240., 15120., 3360., 420., 30., 1.)),
    7: (9.504178996162932e-1, (17297280., 8648640., 1995840., 277200., 25200., 1512., 56.,
                               1.)),
    9: (2.097847961257068e0, (17643225600., 8821612800., 2075673600., 302702400., 30270240.,
                              2162160., 110880., 3960., 90., 1.)),
}
_THETA13 = 5.371920351148152
_B13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
        129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
        40840800., 960960., 16380., 182., 1.)


def expm(A):
    """The matrix exponential of a square matrix, differentiable.

    Parameters
    ----------
    A : (n, n) array_like, DualArray or HyperDualArray

    Returns
    -------
    (n, n) ndarray, or a dual array of A's kind carrying the derivatives.

    Examples
    --------
    >>> import numpy as np
    >>> import dualcalc as dc
    >>> from dualcalc.linalg import expm
    >>> A = np.array([[0.0, 1.0], [-1.0, 0.0]])
    >>> np.allclose(expm(A), [[np.cos(1), np.sin(1)], [-np.sin(1), np.cos(1)]])
    True
    >>> d = dc.derivative(lambda t: expm(t * A)[0, 1], 1.0)     # d/dt sin(t) = cos(t)
    >>> bool(np.isclose(d, np.cos(1.0)))
    True
    """
    if not hasattr(A, "eps") and not hasattr(A, "eps1"):
        A = np.asarray(A, dtype=np.float64)
    v = np.asarray(value_of(A))
    if v.ndim != 2 or v.shape[0] != v.shape[1]:
        raise ValueError("expm needs a square (n, n) matrix, got shape {0}".format(v.shape))
    n = v.shape[0]
    if n == 0:
        return A * 1.0
    eye = np.eye(n)
    norm1 = np.linalg.norm(v, 1)
    if not np.isfinite(norm1):
        raise ValueError("expm: the matrix has non-finite entries")
    for m in (3, 5, 7, 9):
        theta, b = _PADE[m]
        if norm1 <= theta:
            A2 = A @ A
            powers = [eye, A2]
            while len(powers) <= m // 2:
                powers.append(powers[-1] @ A2)
            U = A @ sum(b[2 * j + 1] * powers[j] for j in range(m // 2 + 1))
            V = sum(b[2 * j] * powers[j] for j in range(m // 2 + 1))
            return np.linalg.solve(V - U, V + U)
    s = max(0, int(np.ceil(np.log2(norm1 / _THETA13))))
    A = A * (2.0 ** -s)
    b = _B13
    A2 = A @ A
    A4 = A2 @ A2
    A6 = A2 @ A4
    U = A @ (A6 @ (b[13] * A6 + b[11] * A4 + b[9] * A2)
             + b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * eye)
    V = A6 @ (b[12] * A6 + b[10] * A4 + b[8] * A2) + b[6] * A6 + b[4] * A4 + b[2] * A2 \
        + b[0] * eye
    R = np.linalg.solve(V - U, V + U)
    for _ in range(s):
        R = R @ R
    return R
