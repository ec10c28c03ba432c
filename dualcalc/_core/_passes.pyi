"""Type stubs for dualcalc._core._passes (one verb pass over the whole identity)."""
from typing import Any, Callable

import numpy as np
from numpy.typing import NDArray

_F64 = NDArray[np.float64]

def wire(tags: Any, failed: Callable[..., Any], plain: Callable[[Any], Any],
         compiled: type) -> None: ...
def jacobian_pass(f: Callable[..., Any], x: _F64, args: tuple[Any, ...]) -> tuple[Any, int]: ...
def gradient_pass(f: Callable[..., Any], x: Any, args: Any, most: int
                  ) -> tuple[float | None, _F64 | None, Any, int] | None: ...
def hessian_pass(f: Callable[..., Any], x: Any, args: Any, most: int
                 ) -> tuple[float | None, _F64 | None, _F64 | None, Any, int, int] | None: ...
