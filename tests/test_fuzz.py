"""Fuzzing the public API with hostile values (hypothesis).

None, strings, bytes, huge ints, nan, +-inf, subnormals, -0.0, complex numbers,
object arrays, arrays of the wrong dtype or shape, mismatched Dual/HyperDual
mixes and tags go into the constructors, the operators, the NumPy ufuncs,
dualcalc.math and the derivatives API.  The only acceptable outcomes are a
result or one of the documented exceptions:

* TypeError / ValueError  -- bad input (wrong type, shape, domain in math);
* ZeroDivisionError, OverflowError -- where Python's float operators and the
  math module raise them (``Dual(1, 1) / 0``, ``dualcalc.math.exp(Dual(1e3))``,
  an int too large for a float).

Each property runs in a subprocess (this file run as a script), so a segfault
or an abort is a test failure with the signal named, not a dead pytest.
"""
import math
import operator
import os
import subprocess
import sys

import pytest

ALLOWED = (TypeError, ValueError, ZeroDivisionError, OverflowError)
EXAMPLES = int(os.environ.get("DUALCALC_FUZZ_EXAMPLES", "250"))


# ================================================================ the properties
# (imported only in the worker process)
def _strategies():
    import numpy as np
    from hypothesis import strategies as st

    from dualcalc import Dual, DualArray, HyperDual, HyperDualArray

    floats = st.one_of(
        st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
        st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e308,
                         -1e308, math.inf, -math.inf, math.nan, 1.0, -1.0, 0.5, 2.0]))
    huge = st.one_of(st.integers(), st.sampled_from([10 ** 400, -10 ** 400, 2 ** 1024,
                                                     2 ** 63, -2 ** 63 - 1]))
    tags = st.integers(min_value=0, max_value=4)
    duals = st.builds(Dual, floats, floats, tags)
    hypers = st.builds(HyperDual, floats, floats, floats, floats, tags, tags)
    shapes = st.sampled_from([(), (1,), (3,), (2, 3), (0,)])

    @st.composite
    def dual_arrays(draw):
        shape = draw(shapes)
        k = draw(st.integers(1, 3))
        v = np.array(draw(st.lists(floats, min_size=int(np.prod(shape)),
                                   max_size=int(np.prod(shape))))).reshape(shape)
        e = np.array(draw(st.lists(floats, min_size=k * int(np.prod(shape)),
                                   max_size=k * int(np.prod(shape))))).reshape((k,) + shape)
        return DualArray(v, e, draw(tags))

    @st.composite
    def hyper_arrays(draw):
        shape = draw(st.sampled_from([(), (2,), (2, 2)]))
        n = int(np.prod(shape))
        v = np.array(draw(st.lists(floats, min_size=n, max_size=n))).reshape(shape)
        t1, t2 = draw(tags), draw(tags)
        return HyperDualArray(v, np.ones((1,) + shape), np.full((2,) + shape, -0.0),
                              np.zeros((1, 2) + shape), t1, t2)

    plain_arrays = st.one_of(
        st.just(np.array([None, 1.0], dtype=object)),
        st.just(np.array(["a", "b"])),
        st.just(np.array([1, 2, 3], dtype=np.int64)),
        st.just(np.array([1 + 2j, 3j])),
        st.just(np.array([True, False])),
        st.just(np.zeros((2, 3, 4))),
        st.just(np.zeros((0, 3))),
        st.just(np.array(5.0)),
        st.just(np.arange(6.0).reshape(2, 3)[:, ::2]),
        st.just(np.array([np.nan, np.inf, -0.0])),
        st.just(np.array([1.0, 2.0], dtype=np.float32)),
        st.just(np.ma.masked_array([1.0, 2.0], mask=[True, False])),
    )
    junk = st.one_of(st.none(), st.text(max_size=3), st.binary(max_size=3),
                     st.just(1 + 2j), st.just([1.0, "x"]), st.just((1.0, 2.0)),
                     st.just({}), st.just(object()), st.just(np.float32(1.5)),
                     st.just(np.int8(-3)), st.just(np.bool_(True)))
    anything = st.one_of(floats, huge, duals, hypers, dual_arrays(), hyper_arrays(),
                         plain_arrays, junk)
    # at least one operand of a binary operation is dualcalc's (NumPy's own
    # object loops are not under test)
    numbers = st.one_of(duals, hypers, dual_arrays(), hyper_arrays())
    return anything, numbers


def _attempt(fn, *args, also=()):
    import numpy as np
    with np.errstate(all="ignore"):
        try:
            fn(*args)
        except ALLOWED + tuple(also):
            pass


def _index(x):
    """x[0]: an index out of range is IndexError, as for every Python sequence."""
    try:
        return x[0]
    except IndexError:
        return None


def _fft(x):
    """np.fft.fft, unsupported on dual arrays: TypeError naming the function.
    (On a scalar NumPy itself fails with IndexError, as for a float.)"""
    import numpy as np

    from dualcalc import DualArray, HyperDualArray
    if isinstance(x, (DualArray, HyperDualArray)):
        return np.fft.fft(x)
    return None


def _value(x):
    from dualcalc import Dual, DualArray, HyperDual, HyperDualArray
    if isinstance(x, (Dual, HyperDual, DualArray, HyperDualArray)):
        return x.value
    return None


def _binary_ops():
    import numpy as np

    import dualcalc.math as dm
    ops = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
           operator.mod, operator.pow, operator.lt, operator.eq, operator.ge, divmod,
           operator.matmul]
    ops += [np.add, np.subtract, np.multiply, np.true_divide, np.power, np.arctan2,
            np.hypot, np.copysign, np.fmod, np.remainder, np.floor_divide, np.logaddexp,
            np.logaddexp2, np.maximum, np.minimum, np.fmax, np.fmin, np.less, np.divmod,
            np.dot, np.matmul, np.outer, np.inner]
    ops += [dm.pow, dm.atan2, dm.copysign, dm.fmod, dm.remainder, dm.hypot, dm.log]
    return ops


def _unary_ops():
    """(dualcalc's own functions, which take anything; NumPy functions and
    builtins, which are under test only on dualcalc's types)."""
    import numpy as np

    import dualcalc.math as dm
    from dualcalc._core._scalar import _UNARY_UFUNCS
    own = [getattr(dm, n) for n in ("sin", "exp", "log", "sqrt", "gamma", "lgamma",
                                    "erf", "floor", "fabs", "isnan", "frexp", "modf",
                                    "trunc", "ceil", "acosh", "atanh", "expm1", "cbrt")]
    ops = list(_UNARY_UFUNCS)
    ops += [abs, operator.neg, float, int, complex, bool, repr, str, hash, round,
            math.floor, math.sin, np.sum, np.prod, np.mean, np.max, np.cumsum, np.sort,
            np.linalg.norm, np.asarray, np.ravel, np.transpose, len, list, np.isfinite,
            _index, _value, lambda x: format(x, ".3e"),
            lambda x: np.asarray(x, dtype=float),
            lambda x: x.tolist() if hasattr(x, "tolist") else None,
            lambda x: np.reshape(x, (-1,)), _fft]
    return own, ops


def fuzz_unary():
    from hypothesis import HealthCheck, given, settings, strategies as st
    anything, numbers = _strategies()
    own, ops = _unary_ops()

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(range(len(own))), st.sampled_from(range(len(ops))), anything,
           numbers)
    def prop(i, j, x, d):
        _attempt(own[i], x)
        _attempt(ops[j], d)
    prop()


def fuzz_binary():
    from hypothesis import HealthCheck, given, settings, strategies as st
    anything, numbers = _strategies()
    ops = _binary_ops()

    @settings(max_examples=EXAMPLES * 2, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(range(len(ops))), numbers, anything)
    def prop(i, x, y):
        _attempt(ops[i], x, y)
        _attempt(ops[i], y, x)
    prop()


def fuzz_constructors():
    import numpy as np
    from hypothesis import HealthCheck, given, settings, strategies as st

    from dualcalc import Dual, DualArray, HyperDual, HyperDualArray
    anything, _ = _strategies()

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(anything, anything, anything, anything, anything)
    def prop(a, b, c, d, t):
        _attempt(Dual, a)
        _attempt(Dual, a, b)
        _attempt(Dual, a, b, t)
        _attempt(HyperDual, a, b, c, d)
        _attempt(HyperDual, a, b, c, d, t, t)
        _attempt(DualArray, a, b)
        _attempt(DualArray, a, b, t)
        _attempt(HyperDualArray, a, b, c, d)
        _attempt(HyperDualArray, a, b, c, d, t, 1)
        # indexing out of range is IndexError, as for every sequence
        _attempt(lambda: DualArray(np.ones(2), np.ones((1, 2)))[a], also=(IndexError,))
        _attempt(lambda: DualArray(np.ones(3), np.ones((1, 3))).__setitem__(a, b),
                 also=(IndexError,))
    prop()


def fuzz_derivatives_api():
    import numpy as np
    from hypothesis import HealthCheck, given, settings, strategies as st

    import dualcalc as dc
    import dualcalc.math as dm
    anything, _ = _strategies()
    funcs = [lambda x: x * x, lambda x: np.sum(x ** 2), lambda x: dm.sin(x),
             lambda x: x, lambda x: "not a number", lambda x: None,
             lambda x: [x, 1.0], lambda x: np.linalg.norm(x), lambda x: x[0] / x[-1],
             lambda x: dc.derivative(lambda y: x * y, 1.0)]
    verbs = [dc.derivative, dc.second_derivative, dc.gradient, dc.jacobian, dc.hessian,
             dc.value_and_gradient, dc.value_gradient_hessian,
             lambda f, x: dc.jvp(f, x, x), lambda f, x: dc.hvp(f, x, x),
             lambda f, x: dc.derivative(f, x, order=3),
             lambda f, x: dc.gradient(f, x, argnums=(0, 5))]

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(range(len(verbs))), st.sampled_from(range(len(funcs))),
           anything)
    def prop(v, f, x):
        # IndexError: the user's function indexing an empty input (x[0]), which
        # the verbs pass on unchanged
        _attempt(verbs[v], funcs[f], x, also=(IndexError,))
    prop()


PROPERTIES = ["fuzz_unary", "fuzz_binary", "fuzz_constructors", "fuzz_derivatives_api"]


# ================================================================ the tests
def _run(name):
    import dualcalc
    env = dict(os.environ)
    # the worker imports the very dualcalc this process tests (e.g. a checked build)
    root = os.path.dirname(os.path.dirname(os.path.abspath(dualcalc.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in [env.get("PYTHONPATH")] if p])
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), name],
                          capture_output=True, text=True, timeout=600, env=env,
                          cwd=os.path.dirname(os.path.abspath(__file__)))
    if proc.returncode < 0:
        pytest.fail("the fuzzing worker {0} died with signal {1} (a crash in the "
                    "compiled core):\n{2}".format(name, -proc.returncode, proc.stderr[-4000:]))
    assert proc.returncode == 0, "{0} found an unexpected outcome:\n{1}{2}".format(
        name, proc.stdout[-4000:], proc.stderr[-6000:])
    assert "examples ok" in proc.stdout, proc.stdout


@pytest.mark.parametrize("name", PROPERTIES)
def test_fuzz_public_api_sees_only_results_or_documented_exceptions(name):
    _run(name)


def test_a_crash_in_the_worker_is_reported_as_a_failure():
    """The subprocess harness itself: a worker killed by a signal fails the test."""
    with pytest.raises(pytest.fail.Exception, match="signal"):
        _run("__crash__")


if __name__ == "__main__":
    which = sys.argv[1]
    if which == "__crash__":
        import signal
        os.kill(os.getpid(), signal.SIGSEGV)
    globals()[which]()
    print(which, "examples ok")
