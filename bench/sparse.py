"""Sparse Jacobians and Hessians (issue 15): detection, coloring, compressed
passes, beside dense jax.jit(jax.jacfwd) and scipy's finite differences
given the pattern.  A report: ``python -m bench --only sparse``.

Every time is also given as a ratio to ONE evaluation of f (plain floats,
NumPy), which is what the targets count:

* 2-D Brusselator (periodic 5-point Laplacian with ``np.roll`` and reshape,
  unmodified NumPy), N = 32 and 128: the sparse Jacobian with a reused
  pattern in <= 30 evaluations of f, detection in <= 100, colors within 2 of
  the optimum (the table shows the clique lower bound, the most nonzeros in
  one row: 6, so the optimum is at least 6; an 8-coloring exists for N
  divisible by 4, found by an integer program on the 4 x 4 torus);
* the Hessian of a 64 x 64 grid objective (gradient energy plus a nonlinear
  term per node) in <= 60 evaluations with a reused pattern.

Results are checked against dualcalc's dense Jacobian (N = 32) and against
the finite differences (N = 128) before they are timed.
"""
import time

import numpy as np

import dualcalc
from dualcalc.coloring import clique_lower_bound
from dualcalc.sparse import colored_pattern


def brusselator(u, N):
    """du/dt of the 2-D Brusselator on an N x N periodic grid (2 N^2 unknowns)."""
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


def _brusselator_xp(u, N, xp):
    A, B, alpha = 3.4, 1.0, 10.0
    a = alpha * (N - 1) ** 2
    g = np.linspace(0.0, 1.0, N)
    xx, yy = np.meshgrid(g, g, indexing="ij")
    forcing = 5.0 * (((xx - 0.3) ** 2 + (yy - 0.6) ** 2) <= 0.01)
    U = u.reshape(2, N, N)
    x, y = U[0], U[1]

    def lap(z):
        return (xp.roll(z, 1, 0) + xp.roll(z, -1, 0) + xp.roll(z, 1, 1)
                + xp.roll(z, -1, 1) - 4 * z)
    du = a * lap(x) + B + x * x * y - (A + 1) * x + forcing
    dv = a * lap(y) + A * x - x * x * y
    return xp.stack([du, dv]).reshape(-1)


def grid_energy(x, n=64):
    """0.5 |grad u|^2 (periodic differences) + sum(exp(u) - u^3 / 3)."""
    X = x.reshape(n, n)
    gx = np.roll(X, -1, 0) - X
    gy = np.roll(X, -1, 1) - X
    return 0.5 * np.sum(gx * gx + gy * gy) + np.sum(np.exp(X) - X ** 3 / 3)


def _median_time(fn, repeat, min_time=0.05):
    fn()
    times = []
    for _ in range(repeat):
        k, t0 = 0, time.perf_counter()
        while True:
            fn()
            k += 1
            el = time.perf_counter() - t0
            if el >= min_time:
                break
        times.append(el / k)
    return float(np.median(times))


def _peer_jax(N, u):
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    if 2 * N * N > 4096:
        return "skipped (dense n x n)"
    J = jax.jit(jax.jacfwd(lambda v: _brusselator_xp(v, N, jnp)))
    J(u).block_until_ready()
    return lambda: J(u).block_until_ready()


def run(quick=False, printer=print):
    repeat = 3 if quick else 7
    rows = []
    printer("times in ms; in brackets: ratio to one evaluation of f (plain NumPy)")
    head = (f"{'problem':22s} {'n':>6s} {'f':>8s} {'detect':>16s} {'color':>16s} "
            f"{'colors (bound)':>14s} {'sparse, reused P':>18s} {'scipy FD given P':>18s} "
            f"{'jax jit(jacfwd/hessian)':>18s}")
    printer(head)
    printer("-" * len(head))
    from scipy.optimize._numdiff import approx_derivative
    sizes = (32,) if quick else (32, 128)
    for N in sizes:
        n = 2 * N * N
        u = 0.5 + 0.3 * np.sin(np.arange(n) * 0.37)
        f = lambda v, N=N: brusselator(v, N)
        tf = _median_time(lambda: f(u), repeat)
        dualcalc.jacobian_sparsity(f, u)                       # imports, warm caches
        t0 = time.perf_counter()
        P = dualcalc.jacobian_sparsity(f, u)
        td = time.perf_counter() - t0
        t0 = time.perf_counter()
        cp = colored_pattern(P)
        tc = time.perf_counter() - t0
        J = dualcalc.jacobian(f, u, sparsity=P)
        fd = approx_derivative(f, u, sparsity=P, method="2-point")
        if N <= 32:
            D = dualcalc.jacobian(f, u)
            ok = bool(np.array_equal(P.toarray(), D != 0)
                      and np.allclose(J.toarray(), D, rtol=1e-14, atol=1e-12))
        else:
            ok = bool(np.allclose(J.toarray() if n <= 4096 else J.data,
                                  (fd.toarray() if n <= 4096 else sparse_like(fd, J).data),
                                  rtol=1e-5, atol=1e-3 * np.abs(J.data).max()))
        tj = _median_time(lambda: dualcalc.jacobian(f, u, sparsity=P), repeat)
        tfd = _median_time(lambda: approx_derivative(f, u, sparsity=P, method="2-point"),
                           repeat)
        jx = _peer_jax(N, u)
        tjax = _median_time(jx, repeat) if callable(jx) else None
        jax_cell = (f"{tjax * 1e3:8.3f} ({tjax / tf:6.1f})" if tjax is not None
                    else (jx or "not installed"))
        lb = clique_lower_bound(P)
        printer(f"{'brusselator N=' + str(N):22s} {n:6d} {tf * 1e3:8.3f} "
                f"{td * 1e3:8.2f} ({td / tf:5.1f}) {tc * 1e3:8.1f} ({tc / tf:5.0f}) "
                f"{cp.ncolors:8d} ({lb:2d})  {tj * 1e3:8.3f} ({tj / tf:5.1f})  "
                f"{tfd * 1e3:8.3f} ({tfd / tf:5.1f})  {jax_cell:>18s}"
                + ("" if ok else "  WRONG"))
        rows.append(dict(problem="brusselator", N=N, n=n, f_ms=tf * 1e3, detect_ms=td * 1e3,
                         detect_evals=td / tf, color_ms=tc * 1e3, colors=cp.ncolors,
                         clique_bound=lb, jacobian_ms=tj * 1e3, jacobian_evals=tj / tf,
                         scipy_fd_ms=tfd * 1e3, jax_ms=None if tjax is None else tjax * 1e3,
                         correct=ok,
                         targets=dict(jacobian_le_30=tj / tf <= 30,
                                      detect_le_100=td / tf <= 100)))
    for m, method in ([(16, "auto"), (16, "colored")] if quick else
                      [(64, "auto"), (32, "colored")]):
        rows.append(_hessian_row(m, method, repeat, printer))
    if not quick:
        rows.append(_newton_row(printer))
        rows.append(_solver_row(printer, "minimize"))
        rows.append(_solver_row(printer, "least_squares"))
    return rows


def sparse_like(A, pattern):
    """A (scipy sparse) restricted to pattern's structure, in pattern's order."""
    import scipy.sparse as sp
    A = sp.csr_array(A)
    coo = pattern.tocoo()
    data = np.asarray(A[coo.row, coo.col]).ravel()
    return sp.csr_array((data, (coo.row, coo.col)), shape=pattern.shape)


def _hessian_row(m, method, repeat, printer):
    x = 0.3 + 0.2 * np.cos(np.arange(m * m) * 0.11)
    g = lambda v, m=m: grid_energy(v, m)
    tf = _median_time(lambda: g(x), repeat)
    dualcalc.hessian_sparsity(g, x)
    t0 = time.perf_counter()
    H = dualcalc.hessian_sparsity(g, x)
    td = time.perf_counter() - t0
    t0 = time.perf_counter()
    cp = colored_pattern(H, symmetric=True)
    tc = time.perf_counter() - t0
    Hs = dualcalc.sparse_hessian(g, x, sparsity=H, method=method)
    ok = bool(np.allclose(Hs @ np.ones(m * m), dualcalc.hvp(g, x, np.ones(m * m)),
                          rtol=1e-13, atol=1e-12)
              and np.array_equal(np.sort(Hs.nonzero()[0]), np.sort(H.nonzero()[0])))
    th = _median_time(lambda: dualcalc.sparse_hessian(g, x, sparsity=H, method=method),
                      1 if method == "colored" else repeat, min_time=0.0)
    jx = _peer_jax_hessian(m, x) if method == "auto" else None
    tjax = _median_time(jx, 1, min_time=0.0) if callable(jx) else None
    jax_cell = (f"{tjax * 1e3:8.1f} ({tjax / tf:6.0f})" if tjax is not None
                else ("" if method != "auto" else (jx or "not installed")))
    printer(f"{'grid Hessian ' + str(m) + 'x' + str(m) + ' ' + method:22s} {m * m:6d} "
            f"{tf * 1e3:8.3f} {td * 1e3:8.2f} ({td / tf:5.1f}) {tc * 1e3:8.1f} ({tc / tf:5.0f}) "
            f"{cp.ncolors:8d} ({clique_lower_bound(H):2d})  {th * 1e3:8.1f} ({th / tf:5.0f})"
            f"  {'':18s}  {jax_cell:>18s}" + ("" if ok else "  WRONG"))
    return dict(problem="grid hessian", method=method, n=m * m, f_ms=tf * 1e3,
                detect_ms=td * 1e3, detect_evals=td / tf, colors=cp.ncolors,
                hessian_ms=th * 1e3, hessian_evals=th / tf, correct=ok,
                jax_hessian_ms=None if tjax is None else tjax * 1e3,
                targets=dict(hessian_le_60=th / tf <= 60))


def _peer_jax_hessian(m, x):
    """Dense jax.jit(jax.hessian) of the same objective (the peer's column)."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)

    def g(v):
        X = v.reshape(m, m)
        gx = jnp.roll(X, -1, 0) - X
        gy = jnp.roll(X, -1, 1) - X
        return 0.5 * jnp.sum(gx * gx + gy * gy) + jnp.sum(jnp.exp(X) - X ** 3 / 3)
    Hj = jax.jit(jax.hessian(g))
    Hj(x).block_until_ready()
    return lambda: Hj(x).block_until_ready()


def bratu2d(u, m, lam=6.0):
    """2-D Bratu residual on an m x m interior grid, Dirichlet zero boundary."""
    U = u.reshape(m, m)
    h = 1.0 / (m + 1)
    zr, zc = np.zeros((1, m)), np.zeros((m, 1))
    up = np.concatenate([U[1:], zr])
    dn = np.concatenate([zr, U[:-1]])
    rt = np.concatenate([U[:, 1:], zc], axis=1)
    lt = np.concatenate([zc, U[:, :-1]], axis=1)
    return ((up + dn + rt + lt - 4 * U) / h ** 2 + lam * np.exp(U)).ravel()


def _newton_row(printer, m=317):
    """dualcalc.optimize.root(sparse=True) on Bratu at n = m^2 = 100,489."""
    from dualcalc.optimize import root
    n = m * m
    stamps = []
    t0 = time.perf_counter()
    r = root(bratu2d, np.zeros(n), args=(m,), sparse=True,
             callback=lambda ir: stamps.append(time.perf_counter()))
    total = time.perf_counter() - t0
    per = np.diff([t0] + stamps)
    printer(f"Newton, 2-D Bratu n={n}: success={r.success}, {r.nit} iterations, "
            f"max|F| = {np.max(np.abs(r.fun)):.1e}, {total:.2f} s in all "
            f"(first iteration, with detection and coloring: {per[0]:.2f} s; "
            f"later: median {np.median(per[1:]) if per.size > 1 else float('nan'):.2f} s)")
    return dict(problem="newton bratu2d", n=n, success=bool(r.success), nit=int(r.nit),
                seconds=total, seconds_per_iteration=[float(p) for p in per])


def bratu2d_energy(u, m, lam=6.0):
    """The energy whose stationarity is bratu2d(u) = 0 (times h^2)."""
    U = u.reshape(m, m)
    h = 1.0 / (m + 1)
    zr, zc = np.zeros((1, m)), np.zeros((m, 1))
    dx = np.concatenate([U, zr]) - np.concatenate([zr, U])
    dy = np.concatenate([U, zc], axis=1) - np.concatenate([zc, U], axis=1)
    return 0.5 * (np.sum(dx * dx) + np.sum(dy * dy)) - h * h * lam * np.sum(np.exp(U))


def _solver_row(printer, solver, m=317):
    """minimize(method="newton", sparse=True) on the Bratu energy, or
    least_squares(method="gauss-newton", sparse=True) on its residual, at
    n = m^2 = 100,489."""
    from dualcalc.optimize import least_squares, minimize
    n = m * m
    stamps = []
    cb = lambda ir: stamps.append(time.perf_counter())   # noqa: E731
    t0 = time.perf_counter()
    if solver == "minimize":
        # the energy's gradient is h^2 times the residual: tol 1e-13 asks
        # for a residual near 1e-8, like root's and least_squares' defaults
        r = minimize(bratu2d_energy, np.zeros(n), args=(m,), sparse=True, tol=1e-13,
                     callback=cb)
    else:
        r = least_squares(bratu2d, np.zeros(n), args=(m,), method="gauss-newton",
                          sparse=True, callback=cb)
    total = time.perf_counter() - t0
    per = np.diff([t0] + stamps)
    resid = float(np.max(np.abs(bratu2d(r.x, m))))
    label = ("minimize newton, Bratu energy" if solver == "minimize"
             else "least_squares gauss-newton, Bratu")
    printer(f"{label} n={n}: success={r.success}, {r.nit} iterations, max|F| = {resid:.1e}, "
            f"{total:.2f} s in all (first iteration: {per[0]:.2f} s; later: median "
            f"{np.median(per[1:]) if per.size > 1 else float('nan'):.2f} s)")
    return dict(problem=f"{solver} bratu2d", n=n, success=bool(r.success), nit=int(r.nit),
                max_residual=resid, seconds=total, seconds_per_iteration=[float(p) for p in per])
