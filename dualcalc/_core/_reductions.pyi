"""Type stubs for dualcalc._core._reductions (sums)."""
from typing import Any, Callable, Iterator, Sequence, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray
from dualcalc._core._types import DualArray, HyperDualArray

_F64 = NDArray[np.float64]

def sum_array(x: Any, axis: Any = ..., keepdims: bool = ...) -> Any: ...
def sum_function(a: Any, axis: Any = ..., dtype: Any = ..., out: Any = ..., keepdims: bool = ...,
                 initial: Any = ..., where: Any = ...) -> Any: ...
def set_sum_general(fn: Callable[..., Any]) -> None: ...
def result_type(*arrays_and_dtypes: Any) -> np.dtype[Any]: ...
