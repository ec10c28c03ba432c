"""Mini-batch stochastic methods and forward-gradient descent.

Design: `minimize_stochastic` owns the epoch loop (shuffle with a seeded
generator, cut into batches, one update per batch, the learning-rate
schedule once per epoch, the per-epoch history, progress line and
callback); each method is one small update rule over a gradient (or
gradient estimate) of the batch loss ``fun(w, *batch, *args)``:

* ``sgd``: w -= lr g;
* ``momentum``, ``nesterov``: PyTorch's form, b = beta b + g, then
  w -= lr b or w -= lr (g + beta b);
* ``adam``: Kingma & Ba (2015) with bias correction;
* ``forward-gradient``: Baydin, Pearlmutter, Syme, Wood and Torr,
  "Gradients without backpropagation" (2022).  With a random direction
  v ~ N(0, I) the directional derivative d = grad f . v comes from one
  forward pass (a Jacobian-vector product, no gradient), and (d v) is an
  unbiased estimate of grad f, since E[v v^T] = I.  Its variance grows with
  the number of parameters n, so the learning rate must be about n times
  smaller than for SGD; ``directions = k`` averages k estimates from one pass
  carrying k tangents.  The update is SGD (with momentum ``beta``) on the
  estimate.

Exact gradients of a batch cost one forward pass carrying n directions in
chunks (dualcalc.value_and_gradient); the forward gradient costs one pass
carrying ``directions`` tangents, whatever n is.
"""
import math
import time

import numpy as np

from dualcalc import _seeding as S
from dualcalc import derivatives as D
from dualcalc.optimize._result import (
    CALLBACK_STOP, EPOCHS_DONE, NONFINITE, OptimizeResult, check_options, finish)

__all__ = ["STOCHASTIC_METHODS", "minimize_stochastic"]

_COMMON = ("learning_rate", "schedule", "decay", "disp", "shuffle")
_OPTIONS = {
    "sgd": _COMMON,
    "momentum": _COMMON + ("beta",),
    "nesterov": _COMMON + ("beta",),
    "adam": _COMMON + ("beta1", "beta2", "epsilon"),
    "forward-gradient": _COMMON + ("beta", "directions"),
}
STOCHASTIC_METHODS = tuple(_OPTIONS)
_DEFAULT_LR = {"sgd": 0.01, "momentum": 0.01, "nesterov": 0.01, "adam": 1e-3,
               "forward-gradient": 1e-3}
_SCHEDULES = ("constant", "inverse-time", "exponential", "cosine")


def value_and_jvp(fun, w, V, args):
    """f(w) and the directional derivatives along the rows of V (k, n) in
    one forward pass (the seeding of dualcalc.jvp with k tangents).

    Examples
    --------
    >>> import numpy as np
    >>> value_and_jvp(lambda w: w[0] * w[1], np.array([2.0, 3.0]),
    ...               np.array([[1.0, 0.0], [1.0, 1.0]]), ())
    (6.0, array([3., 5.]))
    """
    t = S.new_tag()
    y = S.call(fun, S.seed_dual(w, V, t), args)
    value, tangents = S.extract_dual(y, t, V.shape[0])
    if np.ndim(value):
        raise ValueError("the batch loss must return a single real number")
    return float(value), np.asarray(tangents, dtype=float).reshape(V.shape[0])


def _schedule(opts, lr, epochs):
    kind = opts.get("schedule")
    if callable(kind):
        return lambda epoch: float(kind(epoch))
    kind = "constant" if kind is None else str(kind).lower()
    if kind not in _SCHEDULES:
        raise ValueError(f"schedule must be one of {list(_SCHEDULES)} or a callable "
                         f"schedule(epoch) -> learning rate; got {opts.get('schedule')!r}")
    decay = opts.get("decay")
    if kind == "inverse-time":
        decay = 0.1 if decay is None else float(decay)
        return lambda epoch: lr / (1.0 + decay * epoch)
    if kind == "exponential":
        decay = 0.95 if decay is None else float(decay)
        if not 0 < decay <= 1:
            raise ValueError("the exponential schedule needs 0 < decay <= 1")
        return lambda epoch: lr * decay ** epoch
    if kind == "cosine":
        return lambda epoch: lr * 0.5 * (1.0 + math.cos(math.pi * epoch / max(epochs, 1)))
    if decay is not None:
        raise ValueError("'decay' needs schedule='inverse-time' or 'exponential'")
    return lambda epoch: lr


def _check_data(data):
    if data is None:
        return None, 1
    arrays = tuple(data) if isinstance(data, (tuple, list)) else (data,)
    if not arrays:
        raise ValueError("data is empty: give data=(X, y) (arrays sliced along axis 0)")
    out = []
    for a in arrays:
        a = np.asarray(a)
        if a.ndim == 0:
            raise ValueError("each array in data needs a first axis of samples")
        out.append(a)
    sizes = {a.shape[0] for a in out}
    if len(sizes) != 1:
        raise ValueError(f"the arrays in data have different numbers of samples "
                         f"{[a.shape[0] for a in out]}")
    n = sizes.pop()
    if n == 0:
        raise ValueError("data has no samples")
    return tuple(out), n


def minimize_stochastic(method, fun, x, args, data, batch_size, epochs, rng, callback,
                        options, printer=print):
    """The epoch loop; see the module docstring and `dualcalc.optimize.minimize`."""
    opts = check_options(options, _OPTIONS[method], method)
    if not callable(fun):
        raise TypeError("fun must be callable, called as fun(w, *batch, *args)")
    if callback is not None and not callable(callback):
        raise TypeError("callback must be callable, called as callback(intermediate_result)")
    arrays, n_samples = _check_data(data)
    if epochs is None:
        epochs = 10
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    if batch_size is None:
        batch_size = min(32, n_samples)
    if (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
            or not 1 <= batch_size <= n_samples):
        raise ValueError(f"batch_size must be an integer from 1 to the number of samples "
                         f"({n_samples}), got {batch_size!r}")
    if arrays is None and batch_size != 1:
        raise ValueError("batch_size needs data=(X, y); without data each epoch is one step "
                         "on fun(x, *args)")
    if isinstance(rng, np.random.Generator):
        gen = rng
    elif rng is None or isinstance(rng, (int, np.integer)):
        gen = np.random.default_rng(rng)
    else:
        raise TypeError("rng must be None, an integer seed or a numpy.random.Generator")
    lr0 = opts.get("learning_rate", _DEFAULT_LR[method])
    if not (isinstance(lr0, (int, float, np.number)) and np.isfinite(lr0) and lr0 > 0):
        raise ValueError(f"learning_rate must be a positive number, got {lr0!r}")
    lr_at = _schedule(opts, float(lr0), epochs)
    beta = float(opts.get("beta", 0.9 if method in ("momentum", "nesterov") else 0.0))
    if not 0 <= beta < 1:
        raise ValueError(f"beta must be in [0, 1), got {beta!r}")
    b1, b2 = float(opts.get("beta1", 0.9)), float(opts.get("beta2", 0.999))
    eps = float(opts.get("epsilon", 1e-8))
    if not (0 <= b1 < 1 and 0 <= b2 < 1 and eps >= 0):
        raise ValueError("adam needs 0 <= beta1, beta2 < 1 and epsilon >= 0")
    k_dirs = opts.get("directions", 1)
    if isinstance(k_dirs, bool) or not isinstance(k_dirs, (int, np.integer)) or k_dirs < 1:
        raise ValueError(f"directions must be a positive integer, got {k_dirs!r}")
    shuffle = bool(opts.get("shuffle", True))
    disp = bool(opts.get("disp", False))

    counts = {"nfev": 0, "njev": 0}

    def full_loss(w):
        counts["nfev"] += 1
        with np.errstate(all="ignore"):
            v = fun(w.copy(), *(arrays or ()), *args)
        try:
            v = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError):
            v = None
        if v is None or v.shape != ():
            raise ValueError("the loss must return a single real number; with data=(X, y) "
                             "it is called as fun(w, X_batch, y_batch, *args)")
        return float(v)

    def batch_args(idx):
        if arrays is None:
            return tuple(args)
        return tuple(a[idx] for a in arrays) + tuple(args)

    def step_gradient(w, idx):
        counts["nfev"] += 1
        if method == "forward-gradient":
            V = gen.standard_normal((k_dirs, w.size))
            with np.errstate(all="ignore"):
                f, d = value_and_jvp(fun, w, V, batch_args(idx))
            return f, (d @ V) / k_dirs
        counts["njev"] += 1
        with np.errstate(all="ignore"):
            f, g = D.value_and_gradient(fun, w, args=batch_args(idx))
        return f, np.asarray(g, dtype=float)

    w = x
    f_full = full_loss(w)
    history = {"epoch": [0], "loss": [f_full], "fun": [f_full], "learning_rate": [float("nan")],
               "time": [0.0]}
    if disp:
        _line(printer, f"{'epoch':>9} {'batch loss':>13} {'loss':>13} {'learning rate':>13} "
                       f"{'time':>8}")
        _line(printer, f"{0:>4d}/{epochs:<4d} {'':>13} {f_full:>13.6e} {'':>13} {0.0:>7.2f}s")
    status = EPOCHS_DONE
    if not np.isfinite(f_full):
        status = NONFINITE
    buf = np.zeros_like(w)
    m1 = np.zeros_like(w)
    m2 = np.zeros_like(w)
    nit = 0
    start = time.perf_counter()
    epoch = 0
    while status == EPOCHS_DONE and epoch < epochs:
        lr = lr_at(epoch)
        epoch += 1
        if arrays is None:
            batches = [None]
        else:
            order = gen.permutation(n_samples) if shuffle else np.arange(n_samples)
            batches = [order[i:i + batch_size] for i in range(0, n_samples, batch_size)]
        total = 0.0
        for idx in batches:
            f, g = step_gradient(w, idx)
            if not (np.isfinite(f) and np.all(np.isfinite(g))):
                status = NONFINITE
                break
            nit += 1
            total += f * (1 if idx is None else idx.size)
            if method == "adam":
                m1 = b1 * m1 + (1 - b1) * g
                m2 = b2 * m2 + (1 - b2) * g * g
                step = -lr * (m1 / (1 - b1 ** nit)) / (np.sqrt(m2 / (1 - b2 ** nit)) + eps)
            elif beta > 0:
                buf = beta * buf + g
                step = -lr * (g + beta * buf) if method == "nesterov" else -lr * buf
            else:
                step = -lr * g
            w = w + step
        if status != EPOCHS_DONE:
            break
        f_full = full_loss(w)
        elapsed = time.perf_counter() - start
        batch_loss = total / (1 if arrays is None else n_samples)
        for key, value in (("epoch", epoch), ("loss", batch_loss), ("fun", f_full),
                           ("learning_rate", lr), ("time", elapsed)):
            history[key].append(value)
        if disp:
            _line(printer, f"{epoch:>4d}/{epochs:<4d} {batch_loss:>13.6e} {f_full:>13.6e} "
                           f"{lr:>13.4e} {elapsed:>7.2f}s")
        if not np.isfinite(f_full):
            status = NONFINITE
            break
        if callback is not None:
            try:
                callback(OptimizeResult(x=w.copy(), fun=f_full, nit=nit, epoch=epoch,
                                        learning_rate=lr))
            except StopIteration:
                status = CALLBACK_STOP
    jac = None
    if method != "forward-gradient" and np.isfinite(f_full):
        counts["nfev"] += 1
        counts["njev"] += 1
        with np.errstate(all="ignore"):
            _, jac = D.value_and_gradient(fun, w, args=tuple(arrays or ()) + tuple(args))
        jac = np.asarray(jac, dtype=float)
    r = OptimizeResult(x=w, fun=f_full, jac=jac, nit=nit, nfev=counts["nfev"],
                       njev=counts["njev"], nhev=0, epochs=epoch,
                       history={k: np.array(v, dtype=float) for k, v in history.items()})
    finish(r, status)
    if disp:
        printer(r.message)
    return r


def _line(printer, text):
    if printer is print:
        print(text, flush=True)
    else:
        printer(text)
