"""The dual of the linear support-vector machine, solved by dualcalc's
interior-point Newton method and compared with scikit-learn's SVC.

    python examples/svm_dual.py [--m 569] [--C 1.0]

    minimise  1/2 a.Q.a - sum(a)   over 0 <= a_i <= C,  with  a.y = 0,
    Q_ij = y_i y_j x_i.x_j

is written exactly as it reads, and ``minimize`` gets it with scipy's
``bounds=`` and ``constraints=``.  The features of scikit-learn's
breast-cancer data (the first m samples) are standardised; labels are +-1.
scikit-learn's dual solution is read from ``svc.dual_coef_`` (y_i a_i) at
``svc.support_``; the script prints both objectives, the constraint error and
both times.

What the time is made of: the interior-point method evaluates the exact
Hessian of the objective once (the objective is quadratic: later iterations
confirm with one exact Hessian-vector product along a random direction that
it has not changed), and forward-mode second derivatives of a @ Q @ a cost
O(m^4) operations - most of dualcalc's time at m = 569.  scikit-learn's
libsvm solves this specific problem (SMO on the kernel matrix) and is much
faster; the point here is that the general solver, on exact derivatives of
plain NumPy code, reaches the same optimum.
"""
import argparse
import time

import numpy as np

from dualcalc.optimize import minimize


def load(m):
    from sklearn.datasets import load_breast_cancer
    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[:m], 2.0 * y[:m] - 1.0
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def solve(m, C=1.0):
    """(dualcalc's result, its seconds, scikit-learn's dual objective, its
    seconds, scikit-learn's SVC)."""
    from sklearn.svm import SVC
    X, y = load(m)
    Q = (y[:, None] * X) @ (y[:, None] * X).T
    start = time.perf_counter()
    svc = SVC(kernel="linear", tol=1e-10, C=C).fit(X, y)
    t_sk = time.perf_counter() - start
    alpha = np.zeros(m)
    alpha[svc.support_] = np.abs(svc.dual_coef_[0])
    reference = 0.5 * alpha @ Q @ alpha - alpha.sum()
    start = time.perf_counter()
    r = minimize(lambda a: 0.5 * a @ Q @ a - a.sum(), np.zeros(m), bounds=[(0, C)] * m,
                 constraints=[{"type": "eq", "fun": lambda a: a @ y}])
    t_dc = time.perf_counter() - start
    return r, t_dc, reference, t_sk, svc


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--m", type=int, default=569, help="number of samples (<= 569)")
    parser.add_argument("--C", type=float, default=1.0, help="the box bound C")
    args = parser.parse_args(argv)
    r, t_dc, reference, t_sk, svc = solve(args.m, args.C)
    X, y = load(args.m)
    print(f"SVM dual, breast cancer, m = {args.m}, C = {args.C}")
    print(f"  dualcalc interior point: objective {r.fun:.12f}  ({r.message})")
    print(f"  scikit-learn SVC:        objective {reference:.12f}")
    print(f"  difference {r.fun - reference:.2e}, constraint |a.y| = {abs(r.x @ y):.1e}, "
          f"iterations {r.nit}")
    print(f"  support vectors: dualcalc {int(np.sum(r.x > 1e-6 * args.C))}, "
          f"scikit-learn {svc.support_.size}")
    print(f"  time: dualcalc {t_dc:.2f} s, scikit-learn {t_sk:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
