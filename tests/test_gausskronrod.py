"""The compiled Gauss-Kronrod estimates (dualcalc/_core/_gausskronrod.pyx)
against QUADPACK's qk21 formulas evaluated independently in high precision,
and their agreement with quad's tolerance test."""
import math

import mpmath as mp
import numpy as np
import pytest

from dualcalc._core import _gausskronrod as GK
from dualcalc.integrate._rules import gauss_kronrod

X, WK, WG = gauss_kronrod(10)
EPS = np.finfo(float).eps


def qk21(row, h):
    """QUADPACK's (integral, error, integral of |f|) of one row, in mpmath."""
    mp.mp.dps = 40
    f = [mp.mpf(float(v)) for v in row]
    wk = [mp.mpf(float(w)) for w in WK]
    wg = [mp.mpf(float(w)) for w in WG]
    K = mp.fsum(a * b for a, b in zip(wk, f))
    G = mp.fsum(a * b for a, b in zip(wg, f))
    ra = mp.fsum(a * abs(b) for a, b in zip(wk, f))
    rasc = mp.fsum(a * abs(b - K / 2) for a, b in zip(wk, f))
    tiny = mp.mpf(np.finfo(float).tiny)
    q = min(200 * abs(K - G) / max(rasc, tiny), 1)
    err = max(rasc * q ** mp.mpf(1.5), 50 * mp.mpf(EPS) * ra)
    s = abs(mp.mpf(h))
    return float(K * s), float(err * s), float(ra * s)


ROWS = [
    np.cos(3 * (X * 0.5 + 0.5)) * np.exp(-0.7 * (X * 0.5 + 0.5)),
    np.full(21, 3.0),                                   # constant: the roundoff floor
    np.zeros(21),
    np.where(np.arange(21) == 10, 1e3, 0.0),           # a spike: q clipped at 1
    np.cos(40 * X), -np.exp(X), 1e-300 * np.sin(X), 1e300 * np.sin(X),
]


@pytest.mark.parametrize("h", [0.5, -3.25, 1e-7])
def test_estimates_against_high_precision_qk21(h):
    F = np.vstack(ROWS)
    P = GK.estimates(F, np.array([h]), WK, WG)
    assert P.shape == (3, len(ROWS))
    for r, row in enumerate(ROWS):
        ref = qk21(row, h)
        for got, want, what in zip(P[:, r], ref, ("integral", "error", "|f| integral")):
            scale = abs(ref[2]) + abs(want)
            assert abs(got - want) <= 64 * EPS * scale, (r, what, got, want)


def test_rows_belong_to_intervals_modulo_m():
    F = np.vstack([ROWS[0], ROWS[4], ROWS[5], ROWS[0]])      # 2 components x 2 intervals
    h = np.array([0.25, 2.0])
    P = GK.estimates(F, h, WK, WG)
    for r in range(4):
        np.testing.assert_array_equal(P[:, r], GK.estimates(F[r:r + 1], h[r % 2:r % 2 + 1],
                                                             WK, WG)[:, 0])
    assert GK.estimates(F[:1], 0.25, WK, WG).tolist() == GK.estimates(F[:1], [0.25], WK,
                                                                      WG).tolist()


def test_nan_propagates_and_never_passes():
    row = ROWS[0].copy()
    row[3] = np.nan
    P = GK.estimates(row[None, :], [0.5], WK, WG)
    assert np.isnan(P).all()
    assert GK.first_interval(row[None, :], 0.5, WK, WG, 1e300, 1e300) is None


@pytest.mark.parametrize("tol", [1e-14, 1e-10, 1e-3, 1e3])
def test_first_interval_agrees_with_estimates_and_the_tolerance_rule(tol):
    F = np.vstack(ROWS)
    for rows in [F] + [F[i:i + 1] for i in range(len(F))]:
        P = GK.estimates(rows, [0.5], WK, WG)
        passed = all(e <= tol or e <= tol * abs(v) or e <= 100 * EPS * ra
                     for v, e, ra in zip(*P.tolist()))
        got = GK.first_interval(rows, 0.5, WK, WG, tol, tol)
        if passed:
            assert got == (P[0].tolist(), max(P[1].tolist()))
        else:
            assert got is None


def test_stack_and_bad_shapes():
    v = np.arange(5.0)
    e = np.arange(10.0).reshape(2, 5)
    np.testing.assert_array_equal(GK.stack(v, e), np.vstack([v, e]))
    np.testing.assert_array_equal(GK.stack(v[::-1], e[:, ::-1]), np.vstack([v[::-1], e[:, ::-1]]))
    with pytest.raises(ValueError, match="N tangents"):
        GK.stack(v, e[:, :4])
    with pytest.raises(ValueError, match=r"shape \(R, N\)"):
        GK.estimates(np.ones(21), [0.5], WK, WG)
    with pytest.raises(ValueError, match="same number of rows"):
        GK.estimates(np.ones((3, 21)), [0.5, 1.0], WK, WG)
