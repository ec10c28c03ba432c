"""Type stubs for dualcalc._core._indexing (indexing)."""
from typing import Any, Callable, Iterator, Sequence, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray
from dualcalc._core._types import DualArray, HyperDualArray

_F64 = NDArray[np.float64]

def set_scalar_elements(on: bool) -> bool: ...
