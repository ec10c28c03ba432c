"""Threads: the same computations from 8 threads at once give bit-for-bit the
results of a serial run (no shared mutable state; the tag counter that keeps
nested differentiations apart is thread-safe)."""
import struct
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import dualcalc as dc
import dualcalc.math as dm
from dualcalc import Dual, DualArray, HyperDual
from scipy.optimize import rosen

THREADS = 8


def _bits(x):
    """A hashable bitwise fingerprint of a float, array or nested tuple."""
    if isinstance(x, (tuple, list)):
        return tuple(_bits(v) for v in x)
    if isinstance(x, np.ndarray):
        return (x.shape, np.ascontiguousarray(x, dtype=np.float64).tobytes())
    return struct.pack("<d", float(x))


def _scalar_work(i):
    out = []
    for k in range(200):
        t = 0.1 + 0.01 * ((i * 37 + k) % 150)
        d = dm.exp(Dual(t, 1.0)) * np.sin(Dual(t, 1.0)) / (1.0 + Dual(t, 1.0) ** 2)
        h = np.log1p(HyperDual(t, 1.0, 1.0, 0.0) ** 3) + dm.atan2(HyperDual(t, 1.0, 1.0, 0.0), 2.0)
        out.append((d.value, d.eps, h.value, h.eps1, h.eps1eps2))
    return out


def _api_work(i):
    out = []
    for k in range(20):
        x = np.linspace(-1.0, 2.0, 8) + 0.01 * ((i + k) % 11)
        out.append(dc.gradient(rosen, x))
        out.append(dc.hessian(rosen, x[:4]))
        out.append(dc.jacobian(lambda v: np.tanh(v) * v[::-1], x))
        # nested differentiation: tags from the shared counter must not collide
        out.append(dc.derivative(lambda a: a * dc.derivative(lambda b: a * b ** 3, 0.5 + k),
                                 1.0 + 0.1 * i))
        out.append(dc.derivative(lambda a: dc.derivative(lambda b: dm.exp(a * b), 1.0), 0.3))
    return out


def _array_work(i):
    out = []
    for k in range(30):
        v = np.arange(6.0).reshape(2, 3) * 0.1 + 0.01 * ((i + k) % 13)
        x = DualArray(v, np.stack([np.ones((2, 3)), v]))
        y = np.sum(np.exp(x) @ np.cos(x).T) + np.linalg.norm(x)
        out.append((y.value, y.eps))
    return out


def _task(i):
    j = i % 4
    return (_scalar_work(j), _api_work(j), _array_work(j))


def test_eight_threads_agree_bitwise_with_a_serial_run():
    n = 4 * THREADS
    serial = [_bits(_task(i)) for i in range(n)]
    barrier = threading.Barrier(THREADS)

    def started(i):
        if i < THREADS:
            barrier.wait(timeout=60)       # all eight start together
        return _bits(_task(i))

    with ThreadPoolExecutor(max_workers=THREADS) as ex:
        parallel = list(ex.map(started, range(n)))
    assert parallel == serial


def test_tags_handed_out_concurrently_are_distinct_and_nesting_stays_exact():
    """Each thread nests derivatives many times at once; every result must be
    the exact d/da (a * d/db (a b**3)) = 2 a * 3 b**2 (at b = 2: 24 a)."""
    def work(i):
        a0 = 1.0 + i
        return [dc.derivative(lambda a: a * dc.derivative(lambda b: a * b ** 3, 2.0), a0)
                for _ in range(300)]

    with ThreadPoolExecutor(max_workers=THREADS) as ex:
        results = list(ex.map(work, range(THREADS)))
    for i, rs in enumerate(results):
        assert set(rs) == {24.0 * (1.0 + i)}, (i, set(rs))
