"""Type stubs for dualcalc._core._trust (see the module docstring)."""
from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

JACOBI_MAX_N: int
QL_MAX_N: int
MAX_SWEEPS: int

def eigh(H: ArrayLike, method: str | None = ...) -> tuple[NDArray[np.float64],
                                                          NDArray[np.float64]]: ...
def iterations(H: ArrayLike, method: str = ...) -> int: ...
def subproblem(g: ArrayLike, lam: ArrayLike, Q: ArrayLike,
               delta: float) -> tuple[NDArray[np.float64], NDArray[np.float64], bool]: ...
def trust_step(g: ArrayLike, lam: ArrayLike, Q: ArrayLike, delta: float,
               x: ArrayLike) -> tuple[NDArray[np.float64], bool, float, float, float]: ...
def trust_radius(f: float, f_new: float, pred: float, delta: float, pnorm: float,
                 interior: bool, max_radius: float) -> tuple[float, bool]: ...
def newton_loop(value: Callable[..., float], value_grad_hess: Callable[..., Any],
                program_of: Callable[[], Any], x: NDArray[np.float64], f: float,
                g: NDArray[np.float64], H: NDArray[np.float64], maxiter: int, gtol: float,
                xtol: float, delta: float, max_radius: float,
                statuses: tuple[int, int, int, int]) -> tuple[Any, ...]: ...
