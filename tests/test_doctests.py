"""Every dualcalc module's docstring examples run as written (doctest), and
every derivative verb documents itself with at least one example."""
import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import dualcalc
import dualcalc._core

MODULES = sorted(
    {m.name for m in pkgutil.walk_packages(dualcalc.__path__, "dualcalc.")}
    | {"dualcalc"})
VERBS = ["derivative", "second_derivative", "gradient", "jacobian", "jvp", "hessian", "hvp",
         "value_and_derivative", "value_and_gradient", "value_and_jacobian",
         "value_gradient_hessian", "taylor"]


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    printopts = np.get_printoptions()
    try:
        for test in finder.find(module, name):
            runner.run(test)
    finally:
        np.set_printoptions(**printopts)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} doctest(s) of {name} failed (see output)"


def test_the_doctests_cover_the_package():
    finder = doctest.DocTestFinder(exclude_empty=True)
    total = 0
    for name in MODULES:
        module = importlib.import_module(name)
        total += sum(len(t.examples) for t in finder.find(module, name))
    assert total >= 40


@pytest.mark.parametrize("verb", VERBS)
def test_each_verb_has_a_numpydoc_example(verb):
    doc = getattr(dualcalc, verb).__doc__
    for section in ("Parameters", "Returns", "Examples"):
        assert f"{section}\n    {'-' * len(section)}" in doc, (verb, section)
    assert ">>> " in doc
