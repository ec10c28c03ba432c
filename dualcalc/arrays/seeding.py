"""Design: seeding helpers -- directions per pass (:func:`default_chunk`),
dense seeds, and the banded identity seeds of the compiled core, chunked."""

import numpy as np

from dualcalc._core import _arrays as _A
from dualcalc._core._arrays import DualArray


#: Tangent numbers per dense temporary that :func:`default_chunk` allows
#: (see "Seeds, bands, chunking and memory").
CHUNK_ELEMENTS = 2 ** 22


def default_chunk(n):
    """Directions per pass for n inputs: all of them while one dense tangent
    array of n values stays within CHUNK_ELEMENTS numbers, else as many as fit
    (at least 32)."""
    n = int(n)
    return max(1, min(n, max(32, CHUNK_ELEMENTS // max(n, 1))))


seed_identity = _A.seed_identity
seed_identity_hyper = _A.seed_identity_hyper
seed_hvp = _A.seed_hvp
is_banded = _A.is_banded


# ================================================================ seeding
def seed_dual(x, directions, tag=0):
    """``x`` carrying the given directions: a DualArray with value x and eps
    ``directions`` of shape (k,) + x.shape."""
    x = np.asarray(x, dtype=np.float64)
    return DualArray(x, np.asarray(directions, dtype=np.float64), tag=tag)


def seed_chunks(x, chunk=None, tag=0):
    """Seed the unit directions of ``x`` in passes of ``chunk`` directions
    (default :func:`default_chunk`).

    Yields ``(start, stop, xd)`` where ``xd`` is a banded DualArray (see
    :func:`seed_identity`) with value ``x`` whose ``eps[j]`` is the unit vector
    along flat index ``start + j``.  The Jacobian columns ``start:stop`` of f at x
    are ``f(xd).eps`` (moved to the back).  Peak memory is that of one pass.

    >>> import numpy as np
    >>> from scipy.optimize import rosen, rosen_der
    >>> x = np.linspace(-1.0, 1.0, 5)
    >>> g = np.empty(5)
    >>> for start, stop, xd in seed_chunks(x, chunk=2):
    ...     g[start:stop] = rosen(xd).eps
    >>> np.allclose(g, rosen_der(x))
    True
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    c = default_chunk(n) if chunk is None else int(chunk)
    if c < 1:
        raise ValueError("chunk must be a positive integer")
    for start in range(0, n, c):
        stop = min(start + c, n)
        yield start, stop, _A.seed_identity(x, start, stop, tag)
