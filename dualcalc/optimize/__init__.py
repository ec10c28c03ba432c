"""dualcalc.optimize: solvers built on exact derivatives.

Design: pure Python on top of the derivatives API (layer 5 of DESIGN.md), with
scipy.optimize's conventions: ``minimize`` dispatches to one private function
per method, every solver returns an `OptimizeResult` whose status and message
come from one table, not converging is ``success=False``, and
``callback(intermediate_result)`` may raise StopIteration to stop.

- `minimize`: ``"newton"`` (exact Hessian, trust region or line search),
  ``"newton-cg"`` (Hessian-vector products only), ``"bfgs"``, ``"l-bfgs"``
  (_quasi_newton.py), ``"interior-point"`` for ``bounds=`` and
  ``constraints=`` (_constrained.py), ``"gradient-descent"``,
  ``"momentum"``, ``"nesterov"``, ``"adam"``, and over mini-batches of
  ``data=`` ``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adam"``,
  ``"forward-gradient"`` (_stochastic.py).
- `root`: damped Newton for F(x) = 0 with the exact Jacobian.
- `newton`: scalar roots with the exact derivative (Halley with the exact
  second derivative).
- `least_squares`: Levenberg-Marquardt and Gauss-Newton with exact Jacobians.
- `dualcalc.optimize.problems`: the More-Garbow-Hillstrom test problems.

>>> from dualcalc.optimize import minimize
>>> minimize(lambda x: (x[0] - 3.0)**2 + 1.0, [0.0]).x
array([3.])
"""
from dualcalc.optimize._result import OptimizeResult, STATUS
from dualcalc.optimize._minimize import minimize
from dualcalc.optimize._root import newton, root
from dualcalc.optimize._lsq import least_squares

__all__ = ["minimize", "root", "newton", "least_squares", "OptimizeResult", "STATUS"]
