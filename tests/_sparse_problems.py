"""Test functions shared by the sparse-derivative tests (importable by
worker processes, so the executor tests can pickle them)."""
import numpy as np

import dualcalc.math as dm


def brusselator(u, N=6):
    """The 2-D Brusselator right-hand side (periodic 5-point Laplacian with
    np.roll and reshape), as in the issue's benchmark."""
    A, B, alpha = 3.4, 1.0, 10.0
    a = alpha * (N - 1) ** 2
    g = np.linspace(0.0, 1.0, N)
    xx, yy = np.meshgrid(g, g, indexing="ij")
    forcing = 5.0 * (((xx - 0.3) ** 2 + (yy - 0.6) ** 2) <= 0.01)
    U = u.reshape(2, N, N)
    x, y = U[0], U[1]

    def lap(z):
        return (np.roll(z, 1, 0) + np.roll(z, -1, 0) + np.roll(z, 1, 1)
                + np.roll(z, -1, 1) - 4 * z)
    du = a * lap(x) + B + x * x * y - (A + 1) * x + forcing
    dv = a * lap(y) + A * x - x * x * y
    return np.stack([du, dv]).reshape(-1)


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosen_residuals(x):
    return np.concatenate([10.0 * (x[1:] - x[:-1] ** 2), 1 - x[:-1]])


def broyden(x):
    """Broyden tridiagonal (More, Garbow, Hillstrom #30), with concatenate."""
    left = np.concatenate([[0.0], x[:-1]])
    right = np.concatenate([x[1:], [0.0]])
    return (3 - 2 * x) * x - left - 2 * right + 1


def stencil2d(x, n=5):
    X = x.reshape(n, n)
    inner = X[1:-1, 1:-1]
    lap = X[2:, 1:-1] + X[:-2, 1:-1] + X[1:-1, 2:] + X[1:-1, :-2] - 4 * inner
    return (lap + inner ** 3).ravel()


def gather(x):
    idx = np.array([4, 0, 0, 7, 2, 9, 9, 1])
    return x[idx] * np.take(x, idx[::-1]) + np.sin(x[[3, 5, 6, 8, 1, 2, 0, 4]])


def scalar_loop(x):
    out = []
    for i in range(len(x) - 2):
        out.append(dm.sin(x[i]) * x[i + 2] + dm.exp(x[i + 1]) / (1 + x[i] ** 2)
                   + dm.atan2(x[i], x[0]) + dm.hypot(x[i], 2.0))
    return out


def grid_energy(x, n=6):
    """A 2-D grid objective: gradient energy plus a nonlinear term per node."""
    X = x.reshape(n, n)
    gx = np.roll(X, -1, 0) - X
    gy = np.roll(X, -1, 1) - X
    return 0.5 * np.sum(gx * gx + gy * gy) + np.sum(np.exp(X) - X ** 3 / 3)


def bratu(u, lam=1.0):
    """1-D Bratu residual, Dirichlet zero boundary."""
    n = u.size
    h = 1.0 / (n + 1)
    up = np.concatenate([u[1:], [0.0]])
    um = np.concatenate([[0.0], u[:-1]])
    return (up - 2 * u + um) / h ** 2 + lam * np.exp(u)


def bratu_energy(u, lam=1.0):
    """The 1-D Bratu energy, whose stationarity is bratu(u) = 0 (times h)."""
    h = 1.0 / (u.size + 1)
    d = np.diff(np.concatenate([[0.0], u, [0.0]]))
    return 0.5 * np.sum(d * d) / h - h * lam * np.sum(np.exp(u))


def bratu2d_energy(u, m=6, lam=6.0):
    """The 2-D Bratu energy on an m x m interior grid (Dirichlet zero)."""
    U = u.reshape(m, m)
    h = 1.0 / (m + 1)
    zr, zc = np.zeros((1, m)), np.zeros((m, 1))
    dx = np.concatenate([U, zr]) - np.concatenate([zr, U])
    dy = np.concatenate([U, zc], axis=1) - np.concatenate([zc, U], axis=1)
    return 0.5 * (np.sum(dx * dx) + np.sum(dy * dy)) - h * h * lam * np.sum(np.exp(U))


def rank_deficient(x):
    """Residuals whose Jacobian has two equal columns at every x."""
    s = x[:1] + x[1:2]
    return np.concatenate([s - 1.0, 2.0 * s - 2.0 + 0.0 * x[2:3], (x[2:] - 2.0) ** 2 + x[2:]])


def two_inputs(a, b, c=1.0):
    """For argnums over executors (a module-level function pickles)."""
    return np.sum(np.sin(a) * b[:a.size] ** 2) * c + np.sum(b ** 3)
