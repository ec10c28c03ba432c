"""dualcalc's benchmark suite: ``python -m bench`` from the repository root.

Each module imported below registers its groups with ``bench._harness.group``
(timed rows beside floats and peers) or ``bench._harness.report`` (an opt-in
benchmark that prints its own table); import a new module here to plug it in.
"""
from bench import scalar  # noqa: F401  (registers scalar-*)
from bench import arrays  # noqa: F401  (registers array-*; imports scipy)
from bench import scalar_loop  # noqa: F401  (registers loop-*: scalar-style code)
from bench._harness import report


@report("optimize-mgh", "More-Garbow-Hillstrom problems x solvers, dualcalc beside "
                        "scipy.optimize (bench/optimize_table.py)")
def _optimize_mgh(quick, printer):
    from bench import optimize_table    # imports dualcalc.optimize and scipy: only on demand
    return optimize_table.run(quick=quick, printer=printer)
