"""ndarray methods as NumPy functions, and in-place operators, for the
array-like tracers.

Both tracers -- the sparsity tracer (``dualcalc.sparsity.TracerArray``) and
the recorder of ``dualcalc.compile`` (``dualcalc._compile._tracer``) -- take
part in NumPy's ``__array_function__`` protocol, so ``x.sum(axis=0)`` is
``np.sum(x, axis=0)`` for them: written once here.
"""
import operator

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


def _inplace(op):
    def method(self, o):
        self[...] = op(self, o)                 # through __setitem__: views see it
        return self
    method.__name__ = f"__i{op.__name__.strip('_')}__"
    return method


class InplaceOperators:
    """Mixin: ``x op= y`` as ``x[...] = x op y``, so that an update through a
    view reaches the array it views (as for ndarrays), for any class whose
    ``__setitem__`` writes in place."""

    __slots__ = ()

    __iadd__ = _inplace(operator.add)
    __isub__ = _inplace(operator.sub)
    __imul__ = _inplace(operator.mul)
    __itruediv__ = _inplace(operator.truediv)
    __ipow__ = _inplace(operator.pow)
    __ifloordiv__ = _inplace(operator.floordiv)
    __imod__ = _inplace(operator.mod)
