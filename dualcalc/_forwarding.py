"""ndarray methods as NumPy functions, for the array-like tracers.

Both tracers -- the sparsity tracer (``dualcalc.sparsity.TracerArray``) and
the recorder of ``dualcalc.compile`` (``dualcalc._compile._tracer``) -- take
part in NumPy's ``__array_function__`` protocol, so ``x.sum(axis=0)`` is
``np.sum(x, axis=0)`` for them: written once here.
"""
import numpy as np


def _forward(func):
    def method(self, *args, **kwargs):
        return func(self, *args, **kwargs)
    method.__name__ = func.__name__
    method.__doc__ = f"np.{func.__name__}(self, ...)"
    return method


class ForwardingMethods:
    """Mixin: the reductions and simple reshapes of ndarray as array functions."""

    __slots__ = ()

    sum = _forward(np.sum)
    mean = _forward(np.mean)
    prod = _forward(np.prod)
    max = _forward(np.max)
    min = _forward(np.min)
    any = _forward(np.any)
    all = _forward(np.all)
    dot = _forward(np.dot)
    cumsum = _forward(np.cumsum)
    squeeze = _forward(np.squeeze)
    swapaxes = _forward(np.swapaxes)
    clip = _forward(np.clip)
    argmax = _forward(np.argmax)
    argmin = _forward(np.argmin)
    argsort = _forward(np.argsort)
