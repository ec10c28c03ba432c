"""Mini-batch methods and forward-gradient descent: the targets on logistic
regression (breast cancer, as in examples/logistic_regression.py), the
forward-gradient estimate's unbiasedness, reproducibility, schedules,
history, progress lines, callbacks and bad arguments."""
import sys
from pathlib import Path

import numpy as np
import pytest

import dualcalc
from dualcalc.optimize import STATUS, minimize
from dualcalc.optimize._result import CALLBACK_STOP, EPOCHS_DONE, NONFINITE
from dualcalc.optimize._stochastic import value_and_jvp

ROOT = Path(__file__).resolve().parent.parent


def loss(w, A, y):
    z = A @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


@pytest.fixture(scope="module")
def logistic():
    pytest.importorskip("sklearn")
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        from logistic_regression import load
    finally:
        sys.path.remove(str(ROOT / "examples"))
    A, y, _ = load()
    best = minimize(loss, np.zeros(A.shape[1]), args=(A, y), method="newton")
    assert best.success
    return A, y, best.fun


# ---------------------------------------------------------------- the targets
@pytest.mark.parametrize("seed", [0, 1])
def test_minibatch_adam_reaches_newtons_loss_in_60_epochs(logistic, seed):
    A, y, best = logistic
    r = minimize(loss, np.zeros(A.shape[1]), method="adam", data=(A, y), batch_size=32,
                 epochs=60, rng=seed, options={"learning_rate": 0.01})
    assert r.success and r.status == EPOCHS_DONE and r.message == STATUS[EPOCHS_DONE][1]
    assert r.epochs == 60 and r.nit == 60 * int(np.ceil(y.size / 32))
    assert r.fun - best <= 0.02
    assert r.fun == pytest.approx(loss(r.x, A, y), rel=1e-15)
    assert np.allclose(r.jac, dualcalc.gradient(loss, r.x, args=(A, y)), rtol=1e-14, atol=0)


@pytest.mark.parametrize("seed", [0, 1])
def test_forward_gradient_halves_the_initial_loss_in_200_epochs(logistic, seed):
    A, y, _ = logistic
    r = minimize(loss, np.zeros(A.shape[1]), method="forward-gradient", data=(A, y),
                 batch_size=32, epochs=200, rng=seed)
    assert r.success and r.epochs == 200
    assert r.fun <= 0.5 * r.history["fun"][0]
    assert r.jac is None and r.njev == 0         # never a gradient


@pytest.mark.parametrize("method, options", [
    ("sgd", {"learning_rate": 0.1}),
    ("momentum", {"learning_rate": 0.01}),
    ("nesterov", {"learning_rate": 0.01}),
])
def test_other_minibatch_methods_reduce_the_loss(logistic, method, options):
    A, y, best = logistic
    r = minimize(loss, np.zeros(A.shape[1]), method=method, data=(A, y), batch_size=16,
                 epochs=20, rng=0, options=options)
    assert r.success and r.fun - best <= 0.02


# ---------------------------------------------------------------- forward gradient
def test_value_and_jvp_is_the_exact_directional_derivative():
    f = lambda w, a: np.sum(np.sin(w) * a) + w[0] * w[1] ** 2
    w, a = np.array([0.3, -1.2, 2.0]), np.array([1.0, 2.0, 3.0])
    V = np.array([[1.0, 0.0, 0.0], [0.5, -1.0, 2.0]])
    value, d = value_and_jvp(f, w, V, (a,))
    g = np.cos(w) * a + np.array([w[1] ** 2, 2 * w[0] * w[1], 0.0])
    assert value == f(w, a)
    assert np.allclose(d, V @ g, rtol=1e-15, atol=1e-15)
    assert d[1] == dualcalc.jvp(lambda w: f(w, a), w, V[1])


def test_forward_gradient_estimate_is_unbiased():
    # mean of (g.v) v over N directions: within 5 standard errors of g
    rng = np.random.default_rng(7)
    w = np.array([0.3, -1.2, 2.0, 0.1])
    f = lambda w: np.sum(w ** 3) + w[0] * w[3]
    g = dualcalc.gradient(f, w)
    N = 20000
    V = rng.standard_normal((N, w.size))
    _, d = value_and_jvp(f, w, V, ())
    est = d[:, None] * V
    se = est.std(axis=0) / np.sqrt(N)
    assert np.all(np.abs(est.mean(axis=0) - g) <= 5 * se)
    # and the variance is what theory says: Var[(g.v) v_i] = |g|^2 + g_i^2
    assert np.allclose(est.var(axis=0), g @ g + g * g, rtol=0.05)


def test_forward_gradient_without_data_and_with_several_directions():
    f = lambda x: np.sum((x - 1.0) ** 2)
    one = minimize(f, np.zeros(20), method="forward-gradient", epochs=300, rng=0,
                   options={"learning_rate": 0.02})
    many = minimize(f, np.zeros(20), method="forward-gradient", epochs=300, rng=0,
                    options={"learning_rate": 0.02, "directions": 8})
    assert one.fun < 0.5 * one.history["fun"][0]
    assert many.fun < one.fun
    assert one.nit == 300


# ---------------------------------------------------------------- the loop
def test_same_seed_same_result_other_seed_other_result(logistic):
    A, y, _ = logistic
    run = lambda seed: minimize(loss, np.zeros(A.shape[1]), method="sgd", data=(A, y),
                                batch_size=50, epochs=3, rng=seed)
    assert np.array_equal(run(3).x, run(3).x)
    assert not np.array_equal(run(3).x, run(4).x)
    gen = np.random.default_rng(3)
    assert np.array_equal(run(gen).x, run(3).x)


def test_one_batch_without_shuffling_is_gradient_descent():
    rng = np.random.default_rng(0)
    A, y = rng.standard_normal((40, 3)), (rng.random(40) > 0.5).astype(float)
    r = minimize(loss, np.zeros(3), method="sgd", data=(A, y), batch_size=40, epochs=5,
                 options={"learning_rate": 0.5, "shuffle": False})
    w = np.zeros(3)
    for _ in range(5):
        w = w - 0.5 * dualcalc.gradient(loss, w, args=(A, y))
    assert np.allclose(r.x, w, rtol=1e-15, atol=1e-15)


def test_batches_cover_every_sample_once_per_epoch():
    seen = []

    def f(w, idx):
        seen.extend(np.asarray(idx).tolist())
        return np.sum(w ** 2) * len(idx)
    minimize(f, np.ones(2), method="sgd", data=np.arange(10), batch_size=3, epochs=2, rng=0)
    # each epoch: every sample once in the batches, plus one full-data evaluation
    per_epoch = 10 + 10
    assert len(seen) == 10 + 2 * per_epoch + 10         # start, 2 epochs, final jac
    for e in range(2):
        block = seen[10 + e * per_epoch: 10 + e * per_epoch + 10]
        assert sorted(block) == list(range(10))


@pytest.mark.parametrize("schedule, decay, want", [
    (None, None, lambda e: 0.1),
    ("constant", None, lambda e: 0.1),
    ("inverse-time", 0.5, lambda e: 0.1 / (1 + 0.5 * e)),
    ("exponential", 0.9, lambda e: 0.1 * 0.9 ** e),
    ("cosine", None, lambda e: 0.1 * 0.5 * (1 + np.cos(np.pi * e / 4))),
    (lambda e: 0.1 / (e + 1) ** 2, None, lambda e: 0.1 / (e + 1) ** 2),
])
def test_learning_rate_schedules_and_history(schedule, decay, want):
    A, y = np.eye(4), np.array([0.0, 1.0, 0.0, 1.0])
    options = {"learning_rate": 0.1, "schedule": schedule}
    if decay is not None:
        options["decay"] = decay
    r = minimize(loss, np.zeros(4), method="momentum", data=(A, y), batch_size=2, epochs=4,
                 rng=0, options=options)
    h = r.history
    assert h["epoch"].tolist() == [0, 1, 2, 3, 4]
    assert np.allclose(h["learning_rate"][1:], [want(e) for e in range(4)], rtol=1e-15)
    assert np.all(np.diff(h["time"]) >= 0) and h["fun"][-1] == r.fun
    assert h["fun"][0] == loss(np.zeros(4), A, y)


def test_disp_prints_a_line_per_epoch(capsys):
    A, y = np.eye(4), np.array([0.0, 1.0, 0.0, 1.0])
    minimize(loss, np.zeros(4), method="adam", data=(A, y), batch_size=2, epochs=3, rng=0,
             options={"disp": True})
    lines = capsys.readouterr().out.strip().splitlines()
    assert "epoch" in lines[0] and "loss" in lines[0]
    assert [ln.split()[0] for ln in lines[1:5]] == ["0/3", "1/3", "2/3", "3/3"]
    assert lines[-1] == STATUS[EPOCHS_DONE][1]


def test_callback_per_epoch_and_stop():
    A, y = np.eye(4), np.array([0.0, 1.0, 0.0, 1.0])
    seen = []

    def cb(ir):
        seen.append(ir.epoch)
        if ir.epoch == 2:
            raise StopIteration
    r = minimize(loss, np.zeros(4), method="adam", data=(A, y), batch_size=2, epochs=5, rng=0,
                 callback=cb)
    assert seen == [1, 2] and r.status == CALLBACK_STOP and not r.success and r.epochs == 2


def test_divergence_is_a_clean_nonfinite_stop():
    r = minimize(lambda w, X: np.sum(w * w * X), np.ones(2), method="sgd",
                 data=np.full((4, 2), 50.0), batch_size=2, epochs=50, rng=0,
                 options={"learning_rate": 1e30})
    assert r.status == NONFINITE and not r.success


def test_the_loss_receives_copies():
    A, y = np.eye(3), np.array([0.0, 1.0, 1.0])
    x0 = np.zeros(3)

    def f(w, A, y):
        value = loss(w, A, y)
        w[0] = 1e300
        return value
    r = minimize(f, x0, method="adam", data=(A, y), batch_size=1, epochs=2, rng=0)
    assert np.all(np.abs(r.x) < 1) and np.array_equal(x0, np.zeros(3))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(method="sgd", data=(np.eye(3), np.ones(3)), batch_size=0), ValueError, "batch_size"),
    (dict(method="sgd", data=(np.eye(3), np.ones(3)), batch_size=4), ValueError, "batch_size"),
    (dict(method="sgd", data=(np.eye(3), np.ones(2))), ValueError, "different numbers"),
    (dict(method="sgd", data=(np.eye(3), np.ones(3)), epochs=-1), ValueError, "epochs"),
    (dict(method="sgd", data=(np.eye(3), np.ones(3)), rng="seed"), TypeError, "rng"),
    (dict(method="sgd", data=(np.eye(3), np.ones(3)), options={"schedule": "linear"}),
     ValueError, "schedule"),
    (dict(method="sgd", data=(np.eye(3), np.ones(3)), options={"decay": 0.5}),
     ValueError, "decay"),
    (dict(method="sgd", data=(np.eye(3), np.ones(3)), options={"learning_rate": 0}),
     ValueError, "learning_rate"),
    (dict(method="adam", data=(np.eye(3), np.ones(3)), options={"beta": 0.5}),
     ValueError, "unknown option"),
    (dict(method="forward-gradient", data=(np.eye(3), np.ones(3)),
          options={"directions": 0}), ValueError, "directions"),
    (dict(method="newton", data=(np.eye(3), np.ones(3))), ValueError, "does not take data"),
    (dict(method="adam", batch_size=2), ValueError, "belong to the mini-batch"),
    (dict(method="sgd", data=(np.eye(3), np.ones(3)), bounds=[(0, 1)] * 3), ValueError,
     "no bounds"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        minimize(loss, np.zeros(3), **kwargs)


def test_default_method_with_data_is_adam():
    A, y = np.eye(3), np.array([0.0, 1.0, 1.0])
    a = minimize(loss, np.zeros(3), data=(A, y), batch_size=1, epochs=2, rng=0)
    b = minimize(loss, np.zeros(3), method="adam", data=(A, y), batch_size=1, epochs=2, rng=0)
    assert np.array_equal(a.x, b.x)
