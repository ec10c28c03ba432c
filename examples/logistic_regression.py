"""Logistic regression on scikit-learn's breast-cancer data, trained with
Newton's method and with gradient descent on exact derivatives from dualcalc.

    python examples/logistic_regression.py [--plot convergence.png]

The loss is ordinary NumPy code; dualcalc differentiates it (gradient for
gradient descent, gradient and Hessian for Newton).  The script prints both
fits beside scikit-learn's and, when matplotlib is installed, plots the two
convergence curves (loss minus the optimum, log scale, against iteration).

Features: the ten "mean" measurements without mean perimeter and mean area,
standardised.  (With all 30 features the two classes are linearly separable,
so the unpenalised maximum-likelihood fit does not exist: the coefficients
grow without bound.  Perimeter and area are functions of the radius, which
would make the problem nearly singular.)
"""
import argparse
import time
import warnings

import numpy as np

from dualcalc.optimize import minimize

FEATURES = [0, 1, 4, 5, 6, 7, 8, 9]


def load():
    from sklearn.datasets import load_breast_cancer
    data = load_breast_cancer()
    X = data.data[:, FEATURES]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    names = ["intercept"] + [str(data.feature_names[j]) for j in FEATURES]
    return np.hstack([np.ones((X.shape[0], 1)), X]), data.target.astype(float), names


def loss(w, A, y):
    """Mean negative log-likelihood of the logistic model: log(1 + e^z) - y z."""
    z = A @ w
    return np.sum(np.log1p(np.exp(z)) - y * z) / y.size


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", default="logistic_regression_convergence.png",
                        help="where to save the convergence plot (needs matplotlib)")
    args = parser.parse_args(argv)

    A, y, names = load()
    w0 = np.zeros(A.shape[1])
    runs = {}
    for label, method, options in [("Newton", "newton", {}),
                                   ("gradient descent", "gradient-descent", {})]:
        start = time.perf_counter()
        runs[label] = minimize(loss, w0, args=(A, y), method=method, tol=1e-6 if
                               method != "newton" else None,
                               options={**options, "return_history": True, "maxiter": 5000})
        runs[label].seconds = time.perf_counter() - start

    best = runs["Newton"].fun
    for label, r in runs.items():
        print(f"{label:>17}: {r.nit:5d} iterations, {r.nfev:5d} evaluations of f, "
              f"{r.seconds:6.2f} s, loss {r.fun:.15f} ({r.message})")

    try:
        from sklearn.linear_model import LogisticRegression
        model = LogisticRegression(C=np.inf, tol=1e-14, max_iter=10_000, solver="newton-cholesky")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(A[:, 1:], y)
        reference = np.concatenate([model.intercept_, model.coef_[0]])
        print(f"\n{'coefficient':>24} {'Newton':>14} {'grad. descent':>14} {'scikit-learn':>14}")
        for k, name in enumerate(names):
            print(f"{name:>24} {runs['Newton'].x[k]:14.8f} "
                  f"{runs['gradient descent'].x[k]:14.8f} {reference[k]:14.8f}")
        print(f"max |Newton - scikit-learn| = {np.max(np.abs(runs['Newton'].x - reference)):.2e}")
    except ImportError:
        pass

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("\n(matplotlib is not installed: no plot)")
        return runs
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, r in runs.items():
        gap = np.maximum(r.history["f"] - best, 1e-17)
        ax.semilogy(np.arange(gap.size), gap, marker="o" if label == "Newton" else None,
                    markersize=3, label=f"{label} ({r.nit} iterations)")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss - optimum")
    ax.set_title("Logistic regression, breast-cancer data")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.plot, dpi=120)
    print(f"\nconvergence plot saved to {args.plot}")
    return runs


if __name__ == "__main__":
    main()
