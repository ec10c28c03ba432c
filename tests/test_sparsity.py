"""Sparsity detection: the traced pattern equals the nonzero structure of
the exact dense Jacobian / Hessian at x, on many functions."""
import numpy as np
import pytest

pytest.importorskip("scipy")
import scipy.sparse as sp  # noqa: E402

import dualcalc  # noqa: E402
import dualcalc.math as dm  # noqa: E402
from dualcalc import hessian_sparsity, jacobian_sparsity  # noqa: E402
from dualcalc.sparsity import TracerArray  # noqa: E402

import _sparse_problems as P  # noqa: E402

RNG = np.random.default_rng(20261205)
A = RNG.random((5, 9)) * (RNG.random((5, 9)) < 0.4)


def _setitem(x):
    y = np.zeros_like(x)
    y[1:4] = x[:3] ** 2
    y[5] = x[8] * x[0]
    y[-1] += 2 * x[4]
    return y


JACOBIAN_CASES = {
    "brusselator": (P.brusselator, 72),
    "rosen": (P.rosen, 9),
    "rosen_residuals": (P.rosen_residuals, 9),
    "broyden": (P.broyden, 9),
    "stencil2d": (P.stencil2d, 25),
    "gather": (P.gather, 10),
    "scalar_loop": (P.scalar_loop, 9),
    "setitem": (_setitem, 9),
    "roll": (lambda x: np.roll(x, 2) * x - np.roll(x, -3), 9),
    "const_matmul": (lambda x: A @ np.exp(x), 9),
    "matmul_const": (lambda x: np.tanh(x[:5]) @ A, 9),
    "matrix_matmul": (lambda x: (x[:6].reshape(2, 3) @ A[:3, :4]).ravel(), 9),
    "quadratic": (lambda x: x @ x + x[2:] @ x[:-2], 9),
    "outer_sum": (lambda x: np.sum(np.outer(x, x[:3]) ** 3, axis=0), 9),
    "cumsum": (lambda x: np.cumsum(x[::-1] ** 2)[::2], 9),
    "cumprod": (lambda x: np.cumprod(x[:4]), 9),
    "sort": (lambda x: np.sort(x)[:3] * 2, 9),
    "max_axis": (lambda x: np.max(x.reshape(9, 1) * x[:3], axis=1), 9),
    "where": (lambda x: np.where(x > 0.5, x ** 2, np.sin(x[::-1])), 9),
    "maximum": (lambda x: np.maximum(x, 0.5) + np.minimum(x[0], x), 9),
    "clip": (lambda x: np.clip(x, 0.3, 0.7), 9),
    "mean_std": (lambda x: np.mean(x.reshape(1, 9) * x[:1]) + np.std(x), 9),
    "prod": (lambda x: np.prod(x[:4]) + x, 9),
    "diff": (lambda x: np.diff(x ** 2, n=2), 9),
    "triu": (lambda x: np.triu(np.outer(x[:3], x[4:7])).T.ravel(), 9),
    "stack": (lambda x: np.stack([x[:3], x[4:7] ** 2, np.ones(3)], axis=1), 9),
    "norm": (lambda x: np.linalg.norm(x[1:4]) * x, 9),
    "solve": (lambda x: np.linalg.solve(np.diag(x[:3]) + 1.0, x[3:6]), 9),
    "powers": (lambda x: [x[0] ** x[1] + 2 ** x[2], x[3] ** 0 + x[4] ** 1, x[5] ** 2.5], 9),
    "zero_factor": (lambda x: x * np.array([0, 1, 0, 1, 0, 1, 1, 0, 2.0]), 9),
    "branch": (lambda x: x[0] * x[1] if x[2] > 0.5 else x[3] ** 2, 9),
    "transpose": (lambda x: (x[:6].reshape(2, 3).T * np.arange(1.0, 4.0)[:, None]).ravel(), 9),
    "split_hstack": (lambda x: np.hstack(np.split(x[:8] ** 2, 4)[::-1]), 9),
    "math_module": (lambda x: [dm.log1p(x[0]) * dm.sqrt(x[1]), dm.fabs(x[2]) + dm.tanh(x[3]),
                               dm.pow(x[4], 3) + dm.cosh(x[5])], 9),
}


@pytest.mark.parametrize("name", sorted(JACOBIAN_CASES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_jacobian_pattern_is_the_dense_nonzero_structure(name, seed):
    f, n = JACOBIAN_CASES[name]
    x = np.random.default_rng(seed).random(n) + 0.05
    pattern = jacobian_sparsity(f, x)
    J = np.asarray(dualcalc.jacobian(f, x)).reshape(pattern.shape)
    assert isinstance(pattern, sp.csr_array) and pattern.dtype == bool
    np.testing.assert_array_equal(pattern.toarray(), J != 0)


def _prod_chain(x):
    return np.prod(x[:3]) + x[5] ** 3


HESSIAN_CASES = {
    "rosen": (P.rosen, 9),
    "grid_energy": (P.grid_energy, 36),
    "chain": (lambda x: np.sum(x[:-1] * x[1:]), 9),
    "division": (lambda x: x[0] / x[1] + x[2] * x[3], 9),
    "scalar_loop": (lambda x: sum(dm.sin(x[i]) * x[i + 2] for i in range(6)), 9),
    "dense": (lambda x: np.sum(np.sin(A @ x)), 9),
    "product": (_prod_chain, 9),
    "linear": (lambda x: np.sum(A @ x) + 3.0, 9),
    "powers": (lambda x: x[0] ** x[1] + x[2] ** 2 + x[3] ** 1 + abs(x[4]) * 2, 9),
    "quadratic_form": (lambda x: x[:4] @ (A[:4, :4] @ x[:4]), 9),
}


@pytest.mark.parametrize("name", sorted(HESSIAN_CASES))
@pytest.mark.parametrize("seed", [0, 1])
def test_hessian_pattern_is_the_dense_nonzero_structure(name, seed):
    f, n = HESSIAN_CASES[name]
    x = np.random.default_rng(seed).random(n) + 0.5
    pattern = hessian_sparsity(f, x)
    H = dualcalc.hessian(f, x)
    np.testing.assert_array_equal(pattern.toarray(), H != 0)
    assert (pattern != pattern.T).nnz == 0


def test_branches_are_local_at_x():
    f = JACOBIAN_CASES["branch"][0]
    x = np.full(9, 0.1)
    x[2] = 0.9
    assert jacobian_sparsity(f, x).toarray()[0].nonzero()[0].tolist() == [0, 1]
    x[2] = 0.1
    assert jacobian_sparsity(f, x).toarray()[0].nonzero()[0].tolist() == [3]


def test_ties_keep_both_sides():
    # at a tie, max depends on both arguments: never miss a nonzero
    P = jacobian_sparsity(lambda x: np.maximum(x[0], x[1]), np.array([1.0, 1.0]))
    assert P.toarray().tolist() == [[True, True]]


def test_tracer_values_are_fs_values():
    x = np.linspace(0.1, 0.9, 9)
    t = TracerArray.seed(x)
    np.testing.assert_array_equal(P.broyden(t).value, P.broyden(x))


@pytest.mark.parametrize("call", [
    lambda x: np.asarray(x), lambda x: float(x[0]), lambda x: x.tolist(),
    lambda x: np.array(x), lambda x: np.einsum("i,i", x, x), lambda x: np.fft.fft(x),
    lambda x: x[x], lambda x: np.linalg.eigh(np.outer(x, x)),
])
def test_conversions_and_unsupported_functions_raise(call):
    with pytest.raises(TypeError):
        jacobian_sparsity(call, np.linspace(-1.0, 1.0, 3) + 0.01)
        pytest.fail("no error")  # pragma: no cover


def test_unsupported_function_is_named():
    with pytest.raises(TypeError, match="einsum"):
        jacobian_sparsity(lambda x: np.einsum("i,i", x, x), np.ones(3))


def test_hessian_sparsity_needs_a_scalar():
    with pytest.raises(ValueError, match="scalar"):
        hessian_sparsity(lambda x: x ** 2, np.ones(3))


def test_oracle_expressions_never_miss_a_nonzero():
    """The oracle's random expression trees (every rule of the table, every
    two-argument function): the traced patterns contain every nonzero of the
    exact gradient and Hessian, and equal them wherever no derivative
    vanishes by accident (x - x, floor, a product with a zero factor)."""
    import _oracle as O
    checked = exact = 0
    for seed in range(300):
        tree, point = O.make_case(seed)
        if O.scalar_only(tree):
            continue
        n = len(point)

        def f(v):
            return O.evaluate(tree, [v[i] for i in range(n)], True)
        x = np.array(point)
        with np.errstate(all="ignore"):
            g = dualcalc.gradient(f, x)
            H = dualcalc.hessian(f, x)
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
            continue
        with np.errstate(all="ignore"):
            pj = jacobian_sparsity(f, x).toarray().ravel()
            ph = hessian_sparsity(f, x).toarray()
        assert np.all(pj[g != 0]), (seed, tree)
        assert np.all(ph[H != 0]), (seed, tree)
        checked += 1
        exact += np.array_equal(pj, g != 0) and np.array_equal(ph, H != 0)
    assert checked >= 150
    assert exact >= 0.8 * checked


def test_writes_through_views_are_refused_not_silently_wrong():
    def through_view(x):
        out = np.zeros_like(x)
        out.reshape(2, 3)[0] = x[:3] ** 2          # NumPy writes into out
        return out

    def then_read_view(x):
        y = x * 1.0
        v = y[:3]
        y[0] = x[5]                               # v sees it in NumPy
        return v

    x = np.linspace(0.1, 0.6, 6)
    for f in (through_view, then_read_view):
        with pytest.raises(TypeError, match="view"):
            jacobian_sparsity(f, x)

    def fine(x):
        out = np.zeros_like(x)
        out[:3] = x[:3] ** 2
        out[3:] = out[:3] * x[3:]
        return out.reshape(2, 3)
    np.testing.assert_array_equal(jacobian_sparsity(fine, x).toarray(),
                                  np.asarray(dualcalc.jacobian(fine, x)).reshape(6, 6) != 0)
