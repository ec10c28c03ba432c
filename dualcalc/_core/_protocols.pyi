"""Type stubs for dualcalc._core._protocols (NumPy's protocols)."""
from typing import Any, Callable, Iterator, Sequence, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray
from dualcalc._core._types import DualArray, HyperDualArray

_F64 = NDArray[np.float64]

class DualArrayHandle(np.ndarray[Any, np.dtype[np.float64]]):
    """np.asanyarray(dual array): forwards to the dual array; its own buffer is NaN."""


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple[Any, ...],
                kwargs: dict[str, Any]) -> Any: ...
def array_function(func: Callable[..., Any], types: Any, args: tuple[Any, ...],
                   kwargs: dict[str, Any]) -> Any: ...
def set_late_ufunc_hook(hook: Callable[[np.ufunc], bool] | None) -> None: ...
def set_unsupported_message(hook: Callable[[Any, str | None], str] | None) -> None: ...
