"""dualcalc.integrate: integrals, expectations and ODE solutions with exact derivatives.

Design: pure Python on NumPy and the dual types (layer 5 of DESIGN.md), with
scipy.integrate's signatures.  Integrators are linear in the integrand's
values, so they act on dual values component by component (`_duals`); dual
numbers enter through ``args``, the limits, ``y0`` or a closure, and come out
in the result.

- `quad` (adaptive Gauss-Kronrod), `fixed_quad` (Gauss-Legendre).
- `expectation` over `Normal`, `Uniform`, `Exponential`, `Gamma`
  (Gauss-Hermite, -Legendre, -Laguerre), differentiable in the parameters.
- `solve_ivp`: RK45, DOP853 (with its dense output for ``t_eval``) and a
  Rosenbrock method with the exact Jacobian; dual ``y0`` or ``args`` give
  forward sensitivities.  Tableaus in `_tableaus`; ``dense_output=True``
  gives a continuous solution (`_dense.OdeSolution`).
- `laplace`: Laplace's approximation of the evidence, differentiable in dual
  ``args``.
- `integrate_command`: the work of a command-line ``dualcalc integrate``.

>>> from dualcalc.integrate import quad
>>> round(quad(lambda t: t**2, 0.0, 3.0)[0], 12)
9.0
"""
from dualcalc.integrate._quad import IntegrationWarning, fixed_quad, quad
from dualcalc.integrate._laplace import laplace
from dualcalc.integrate._command import integrate_command
from dualcalc.integrate._ivp import OdeResult, solve_ivp
from dualcalc.integrate._expect import Exponential, Gamma, Normal, Uniform, expectation

__all__ = ["quad", "fixed_quad", "IntegrationWarning", "expectation", "Normal", "Uniform",
           "Exponential", "Gamma", "solve_ivp", "OdeResult", "laplace", "integrate_command"]
