"""dualcalc's benchmark suite: ``python -m bench`` from the repository root.

Each module imported below registers its groups with ``bench._harness.group``
(timed rows beside floats and peers) or ``bench._harness.report`` (an opt-in
benchmark that prints its own table); import a new module here to plug it in.
"""
from bench import scalar  # noqa: F401  (registers scalar-*)
from bench import arrays  # noqa: F401  (registers array-*; imports scipy)
from bench import linalg  # noqa: F401  (registers linalg)
from bench import special  # noqa: F401  (registers special; imports scipy)
from bench import integrate  # noqa: F401  (registers integrate; imports scipy.integrate)
from bench import taylor  # noqa: F401  (registers taylor)
from bench import scalar_loop  # noqa: F401  (registers loop-*: scalar-style code)
from bench import compile  # noqa: F401,A004  (registers compile-*: dualcalc.compile)
from bench._harness import report


@report("optimize-mgh", "More-Garbow-Hillstrom problems x solvers, dualcalc beside "
                        "scipy.optimize (bench/optimize_table.py)")
def _optimize_mgh(quick, printer):
    from bench import optimize_table    # imports dualcalc.optimize and scipy: only on demand
    return optimize_table.run(quick=quick, printer=printer)


@report("sparse", "Sparse Jacobians and Hessians: detection, coloring, compressed passes, "
                  "beside jax.jit(jax.jacfwd) and scipy's FD given the pattern (bench/sparse.py)")
def _sparse(quick, printer):
    from bench import sparse        # imports scipy: only on demand
    return sparse.run(quick=quick, printer=printer)


@report("quasi-newton", "BFGS and L-BFGS on the MGH problems (x1 and x10 starts), dualcalc "
                        "beside scipy's BFGS / L-BFGS-B with the same exact gradients "
                        "(bench/quasi_newton.py)")
def _quasi_newton(quick, printer):
    from bench import quasi_newton      # imports scipy: only on demand
    return quasi_newton.run(quick=quick, printer=printer)


@report("forward-gradient", "Forward-gradient descent beside exact forward-mode gradients and "
                            "reverse mode (autograd / jax) on an MLP on digits: time to a "
                            "given loss (bench/forward_gradient.py)")
def _forward_gradient(quick, printer):
    from bench import forward_gradient  # imports scikit-learn: only on demand
    return forward_gradient.run(quick=quick, printer=printer)


@report("svm-dual", "The SVM dual (breast cancer, m = 200 and 569) through minimize's bounds "
                    "and constraints beside scikit-learn's SVC (examples/svm_dual.py)")
def _svm_dual(quick, printer):
    import pathlib
    import sys
    examples = str(pathlib.Path(__file__).resolve().parent.parent / "examples")
    sys.path.insert(0, examples)
    try:
        import svm_dual                     # imports scikit-learn: only on demand
    finally:
        sys.path.remove(examples)
    rows = []
    for m in ((200,) if quick else (200, 569)):
        r, t_dc, reference, t_sk, _ = svm_dual.solve(m)
        _, y = svm_dual.load(m)
        rows.append(dict(m=m, fun=r.fun, reference=reference, difference=r.fun - reference,
                         constraint=abs(float(r.x @ y)), nit=r.nit, seconds=t_dc,
                         sklearn_seconds=t_sk, status=r.status))
        printer(f"m = {m:3d}: objective {r.fun:.10f} vs scikit-learn {reference:.10f} "
                f"(difference {r.fun - reference:.1e}), |a.y| = {abs(float(r.x @ y)):.1e}, "
                f"{r.nit} iterations, {t_dc:.2f} s vs scikit-learn {t_sk:.3f} s")
    return rows
