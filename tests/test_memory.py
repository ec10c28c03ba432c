"""Memory: long runs of scalar and array operations -- including ones that raise
-- leave the resident memory flat, and operations that raise leave the reference
counts of their inputs unchanged.

Resident memory is read from /proc/self/statm (no psutil).  Each run first warms
up (freelists, caches, NumPy's allocator), then measures the growth over the
main run; a leak of even 8 bytes per operation would show as tens of MiB.
"""
import gc
import math
import os
import sys

import numpy as np
import pytest

import dualcalc.math as dm
from dualcalc import Dual, DualArray, HyperDual, HyperDualArray

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
# growth tolerated over a whole run, whatever its length (allocator noise)
SLACK = 4 * 2 ** 20


def rss():
    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


# ---------------------------------------------------------------- workloads
def _scalar_round(i):
    """Twenty-odd mixed scalar operations, some raising; returns the count."""
    x = Dual(0.5 + (i % 7) * 0.1, 1.0)
    h = HyperDual(1.25, 1.0, 1.0, 0.0)
    y = x * x + 3.0 * x - x / (1.0 + x)
    y = np.sin(y) + dm.exp(x) - dm.log(x) + abs(-x) ** 2.5
    z = h * h - h / 2.0 + np.sqrt(h) + dm.atan2(h, 2.0) + np.hypot(h, h)
    z = z ** 2 + 2 ** h - np.maximum(h, 1.0) + h // 1.0 + h % 0.5
    w = Dual(1.0, 1.0, tag=1) * Dual(2.0, 1.0, tag=2)       # nests into a HyperDual
    n = 19
    for bad in ((lambda: x / 0.0), (lambda: float(x)), (lambda: dm.log(-x)),
                (lambda: x + "a"), (lambda: Dual(None)), (lambda: h ** -0.5 * Dual(0.0, 1.0) ** -1)):
        try:
            bad()
        except (ZeroDivisionError, TypeError, ValueError):
            pass
        n += 1
    assert y.eps == y.eps and z.value == z.value and w.eps1eps2 == 1.0
    return n


def _array_round(i, base, hbase):
    x = DualArray(base + i * 1e-3, np.eye(4)[:2].reshape(2, 4))
    h = HyperDualArray(hbase, np.ones((1, 4)), np.ones((1, 4)), np.zeros((1, 1, 4)))
    y = np.sum(np.sin(x) * x - np.exp(x) / 2.0) + np.linalg.norm(x)
    z = np.dot(h, h) + np.prod(np.sqrt(h)) + np.cumsum(h)[-1] + h[1:3].mean()
    for bad in ((lambda: x + np.ones(3)), (lambda: np.asarray(x, float)),
                (lambda: np.fft.fft(x)), (lambda: float(x)), (lambda: x.reshape(5)),
                (lambda: DualArray(np.ones(3), np.ones((2, 4)))),
                (lambda: x + Dual(1.0, 1.0, tag=1) * h[0])):
        try:
            bad()
        except (TypeError, ValueError):
            pass
    assert y.eps.shape == (2,) and z.eps1eps2.shape == (1, 1)
    return 9


def _run_scalars(n_ops):
    done = 0
    i = 0
    while done < n_ops:
        done += _scalar_round(i)
        i += 1
    return done


def _run_arrays(n_ops):
    base = np.array([0.3, 0.7, 1.1, 1.9])
    hbase = np.array([0.2, 0.4, 0.6, 0.8])
    done = 0
    i = 0
    while done < n_ops:
        done += _array_round(i, base, hbase)
        i += 1
    return done


def _flat(run, warm, main):
    run(warm)
    before = rss()
    run(main)
    grown = rss() - before
    per_op = grown / main
    assert grown < SLACK, "resident memory grew by {0:.1f} MiB over {1} operations " \
        "({2:.1f} bytes per operation)".format(grown / 2 ** 20, main, per_op)


# ---------------------------------------------------------------- default (quick) runs
def test_scalar_operations_leave_memory_flat():
    _flat(_run_scalars, 50_000, 500_000)


def test_array_operations_leave_memory_flat():
    _flat(_run_arrays, 2_000, 20_000)


# ---------------------------------------------------------------- the full campaign
@pytest.mark.slow
def test_ten_million_scalar_operations_leave_memory_flat():
    _flat(_run_scalars, 200_000, 10_000_000)


@pytest.mark.slow
def test_hundred_thousand_array_operations_leave_memory_flat():
    _flat(_run_arrays, 5_000, 100_000)


# ---------------------------------------------------------------- reference counts
def _raising_calls():
    x = Dual(1.0, 1.0)
    h = HyperDual(1.0, 1.0, 1.0, 0.0)
    big = 10 ** 400
    a = DualArray(np.ones(3), np.ones((2, 3)))
    ha = HyperDualArray(np.ones(3), np.ones((1, 3)), np.ones((1, 3)), np.zeros((1, 1, 3)))
    other = np.ones(4)
    s = "text"
    t1 = Dual(1.0, 1.0, tag=1)
    h12 = HyperDual(1.0, 1.0, 1.0, 0.0, 2, 3)
    calls = [
        (lambda: x / 0.0, (x,)), (lambda: x // 0.0, (x,)), (lambda: x % 0.0, (x,)),
        (lambda: dm.log(x - 1.0), (x,)), (lambda: x + s, (x, s)),
        (lambda: h + s, (h, s)), (lambda: Dual(s), (s,)), (lambda: Dual(1.0, big), (big,)),
        (lambda: float(x), (x,)), (lambda: int(h), (h,)), (lambda: h12 * t1, (h12, t1)),
        (lambda: a + other, (a, other)), (lambda: ha * other, (ha, other)),
        (lambda: np.asarray(a, float), (a,)), (lambda: a.reshape(7), (a,)),
        (lambda: DualArray(other, np.ones((2, 3))), (other,)),
        (lambda: np.unwrap(a), (a,)), (lambda: a[10], (a,)), (lambda: float(ha), (ha,)),
        (lambda: dm.pow(x - 1.0, -1.0), (x,)), (lambda: x ** 0.5 * (x - 2.0) ** 0.5, (x,)),
    ]
    return calls


def test_operations_that_raise_leave_reference_counts_unchanged():
    calls = _raising_calls()
    for fn, inputs in calls:
        for _ in range(3):                     # warm up caches and freelists
            try:
                fn()
            except (TypeError, ValueError, ZeroDivisionError, OverflowError, IndexError):
                pass
        before = [sys.getrefcount(o) for o in inputs]
        for _ in range(1000):
            try:
                fn()
            except (TypeError, ValueError, ZeroDivisionError, OverflowError, IndexError):
                pass
            else:
                raise AssertionError("expected an exception from {0}".format(fn))
        after = [sys.getrefcount(o) for o in inputs]
        assert after == before, (fn, before, after)


def test_successful_operations_leave_reference_counts_unchanged():
    x = DualArray(np.ones(3), np.ones((2, 3)))
    d = Dual(2.0, 1.0)
    c = np.arange(3.0)
    before = [sys.getrefcount(o) for o in (x, d, c, x.value)]
    for _ in range(1000):
        np.sin(x) * c + d.value
        (d * d + 1.0).eps
        math.fsum([1.0])
    assert [sys.getrefcount(o) for o in (x, d, c, x.value)] == before
