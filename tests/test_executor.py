"""executor= on the dense verbs (jacobian, gradient, hessian and their
value_and_* forms): chunks of directions evaluated through executor.map give
results bitwise equal to the serial run with the same chunk, on a thread
pool, a process pool and a Dask cluster on the loopback interface."""
import concurrent.futures as cf

import numpy as np
import pytest

import dualcalc
from dualcalc import derivatives as D

import _sparse_problems as P


def _bitwise(a, b):
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for u, v in zip(a, b):
            _bitwise(u, v)
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    assert a.tobytes() == b.tobytes()


def _cases():
    rng = np.random.default_rng(7)
    x = rng.random(72) + 0.1
    y = rng.random(36) + 0.1
    z = rng.random(20) - 0.5
    a, b = rng.random(4), rng.random(6)
    return [
        ("jacobian", lambda **k: dualcalc.jacobian(P.brusselator, x, **k), 10),
        ("value_and_jacobian", lambda **k: D.value_and_jacobian(P.broyden, z, **k), 3),
        ("gradient", lambda **k: dualcalc.gradient(P.rosen, z, **k), 6),
        ("value_and_gradient argnums",
         lambda **k: D.value_and_gradient(P.two_inputs, (a, b), args=(2.0,), argnums=(0, 1),
                                          **k), 4),
        ("hessian", lambda **k: dualcalc.hessian(P.grid_energy, y, **k), 5),
        ("value_gradient_hessian", lambda **k: D.value_gradient_hessian(P.rosen, z, **k), 7),
    ]


def _check_all(executor):
    for name, run, chunk in _cases():
        serial = run(chunk=chunk)
        _bitwise(run(executor=executor, chunk=chunk), serial)
        # without chunk: the serial verb's own passes, so equal to the plain call
        _bitwise(run(executor=executor), run())


def test_chunked_passes_equal_the_one_pass_verbs_to_rounding():
    # chunking changes which directions share a pass, not the derivative
    def close(a, b):
        if isinstance(a, tuple):
            for u, v in zip(a, b, strict=True):
                close(u, v)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-14)
    for name, run, chunk in _cases():
        close(run(chunk=chunk), run())


def test_chunked_hessian_against_the_analytic_rosenbrock_hessian():
    from scipy.optimize import rosen_hess
    x = np.linspace(-1.2, 1.3, 23)
    with cf.ThreadPoolExecutor(2) as ex:
        H = dualcalc.hessian(P.rosen, x, executor=ex, chunk=4)
    np.testing.assert_allclose(H, rosen_hess(x), rtol=1e-14, atol=1e-12)
    assert np.array_equal(H, H.T)


def test_thread_pool_is_bitwise_equal_to_serial():
    with cf.ThreadPoolExecutor(3) as ex:
        _check_all(ex)


def test_process_pool_is_bitwise_equal_to_serial():
    with cf.ProcessPoolExecutor(2) as ex:
        _check_all(ex)


def test_dask_cluster_is_bitwise_equal_to_serial():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        _check_all(client.get_executor())


def test_bad_executor_and_chunk():
    x = np.ones(5)
    with pytest.raises(TypeError, match="concurrent.futures.Executor"):
        dualcalc.jacobian(P.broyden, x, executor=object())
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="chunk must be a positive integer"):
            dualcalc.gradient(P.rosen, x, chunk=bad)
    with pytest.raises(ValueError, match="scalar|single number"):
        dualcalc.hessian(P.broyden, x, chunk=2)
    with pytest.raises(ValueError, match="one pass per color"):
        dualcalc.hessian(P.rosen, x, sparse=True, chunk=2)
