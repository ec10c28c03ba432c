"""Compiled core of dualcalc: the rule table, Dual, HyperDual and the math kernels."""
