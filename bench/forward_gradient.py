"""Forward-gradient descent beside exact gradients, forward and reverse mode:
time to a given loss for an MLP on scikit-learn's digits.

    python -m bench.forward_gradient [--quick] [--hidden 16] [--target 0.5]
    python -m bench --only forward-gradient

Model: 64 inputs (pixels / 16) -> ``hidden`` tanh units -> 10 softmax
outputs, mean cross-entropy; hidden = 16 gives 1,210 parameters.  Every
run starts from the same initial weights, shuffles with the same seed and
takes plain SGD steps on mini-batches of 64 (Baydin et al. 2022 compare
forward gradients with backpropagation under SGD too); the full-data loss is
checked after every epoch, and the clock stops when it falls below the
target (or at the time cap).  Runs:

* ``forward-gradient``  dualcalc.optimize.minimize(method="forward-gradient"):
  one jvp with one random direction per step (a forward pass carrying one
  tangent); learning rate ``lr_fg``;
* ``forward-mode grad`` dualcalc's exact gradient (method="sgd"): one forward
  pass carrying all n tangents, in chunks;
* ``autograd``, ``jax``  reverse mode (autograd.grad, jax.jit(jax.grad))
  when installed.

Each gets the learning rate that works best for it from a short grid (the
forward gradient's estimate has a variance about n times the squared
gradient, so it needs a far smaller step).  Reported: seconds per step,
epochs and seconds to the target loss.  The honest reading: a forward
gradient costs about a plain forward pass, but needs many more steps; reverse
mode gets the exact gradient for a few forward passes and wins on this size.
"""
import argparse
import time

import numpy as np

from dualcalc.optimize import minimize

BATCH = 64


def load():
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    Y = np.zeros((y.size, 10))
    Y[np.arange(y.size), y] = 1.0
    return X / 16.0, Y


def shapes(hidden):
    return [(64, hidden), (hidden,), (hidden, 10), (10,)]


def init(hidden, seed=0):
    rng = np.random.default_rng(seed)
    parts = [rng.standard_normal(s) / np.sqrt(s[0]) if len(s) == 2 else np.zeros(s)
             for s in shapes(hidden)]
    return np.concatenate([p.ravel() for p in parts])


def make_loss(hidden, xp=np):
    """Mean cross-entropy of the MLP; ``xp`` is numpy (dualcalc runs it as
    it is), autograd.numpy or jax.numpy."""
    sizes = [int(np.prod(s)) for s in shapes(hidden)]
    cuts = np.cumsum([0] + sizes)

    def loss(w, X, Y):
        W1 = w[cuts[0]:cuts[1]].reshape(64, hidden)
        b1 = w[cuts[1]:cuts[2]]
        W2 = w[cuts[2]:cuts[3]].reshape(hidden, 10)
        b2 = w[cuts[3]:cuts[4]]
        z = xp.tanh(X @ W1 + b1) @ W2 + b2          # |z| is small: no max shift needed
        return xp.mean(xp.log(xp.sum(xp.exp(z), axis=1)) - xp.sum(z * Y, axis=1))
    return loss


def _sgd_loop(grad, loss, w, X, Y, lr, target, cap, seed=0):
    """Plain SGD with dualcalc.optimize's batching; (epochs, seconds, steps,
    final loss) with epochs None when the target was not reached."""
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    steps = 0
    start = time.perf_counter()
    epoch = 0
    f = float(loss(w, X, Y))
    while time.perf_counter() - start < cap:
        order = rng.permutation(n)
        for i in range(0, n, BATCH):
            idx = order[i:i + BATCH]
            w = w - lr * np.asarray(grad(w, X[idx], Y[idx]))
            steps += 1
        epoch += 1
        f = float(loss(w, X, Y))
        if not np.isfinite(f):
            break
        if f <= target:
            return epoch, time.perf_counter() - start, steps, f
    return None, time.perf_counter() - start, steps, f


def _dualcalc_run(method, loss, w0, X, Y, lr, target, cap):
    start = time.perf_counter()
    state = {"epoch": None, "seconds": None}

    def cb(ir):
        # the clock stops here: the exact gradient at the final point that
        # minimize adds to its result (jac) is not part of the race
        state["seconds"] = time.perf_counter() - start
        if ir.fun <= target:
            state["epoch"] = ir.epoch
            raise StopIteration
        if state["seconds"] > cap:
            raise StopIteration
    r = minimize(loss, w0, method=method, data=(X, Y), batch_size=BATCH, epochs=10**6, rng=0,
                 callback=cb, options={"learning_rate": lr})
    return state["epoch"], state["seconds"], r.nit, r.fun


def _peers(hidden):
    out = {}
    try:
        import autograd
        import autograd.numpy as anp
        out["autograd"] = autograd.grad(make_loss(hidden, anp))
    except ImportError:
        pass
    try:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)
        g = jax.jit(jax.grad(make_loss(hidden, jnp)))
        out["jax"] = lambda w, X, Y: np.asarray(g(w, X, Y))
    except ImportError:
        pass
    return out


def run(quick=False, printer=print, hidden=16, target=0.5):
    X, Y = load()
    w0 = init(hidden)
    loss = make_loss(hidden)
    n = w0.size
    cap = 20.0 if quick else 120.0
    grid_cap = 3.0 if quick else 10.0
    printer(f"MLP 64-{hidden}-10 on digits ({X.shape[0]} samples), {n} parameters, SGD on "
            f"batches of {BATCH}; target full-data loss {target} (initial "
            f"{loss(w0, X, Y):.3f}); time cap {cap:.0f} s per run")
    runs = {
        "forward-gradient": (lambda lr, c: _dualcalc_run("forward-gradient", loss, w0, X, Y,
                                                         lr, target, c),
                             [1e-2, 3e-2, 6e-2]),
        "forward-mode grad": (lambda lr, c: _dualcalc_run("sgd", loss, w0, X, Y, lr, target, c),
                              [0.3, 1.0]),
    }
    for name, grad in _peers(hidden).items():
        runs[name] = ((lambda grad: lambda lr, c: _sgd_loop(grad, loss, w0, X, Y, lr, target,
                                                            c))(grad), [0.3, 1.0])
    rows = []
    printer(f"{'method':>18} {'lr':>7} {'s/step':>10} {'steps':>8} {'epochs':>7} "
            f"{'seconds':>9} {'final loss':>11}")
    for name, (fn, grid) in runs.items():
        # pick the learning rate by the loss reached in a short run
        best = min(grid, key=lambda lr: (lambda out: out[3] if np.isfinite(out[3])
                                         else np.inf)(fn(lr, grid_cap)))
        epochs, seconds, steps, final = fn(best, cap)
        row = dict(method=name, lr=best, seconds_per_step=seconds / max(steps, 1),
                   steps=steps, epochs=epochs, seconds=seconds, final=final,
                   reached=epochs is not None, parameters=n)
        rows.append(row)
        printer(f"{name:>18} {best:>7.0e} {row['seconds_per_step']:>10.2e} {steps:>8d} "
                f"{(str(epochs) if epochs else '-'):>7} "
                f"{(f'{seconds:9.2f}' if epochs else f'>{cap:8.0f}')} {final:>11.4f}")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description="forward gradients vs exact gradients")
    parser.add_argument("--quick", action="store_true", help="shorter caps")
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--target", type=float, default=0.5)
    a = parser.parse_args(argv)
    run(quick=a.quick, hidden=a.hidden, target=a.target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
