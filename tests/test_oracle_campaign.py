"""The oracle campaign: random expression trees over the whole rule table, value,
gradient and Hessian from every number type and the derivatives API, against
mpmath at 50 digits.  See tests/_oracle.py for the design (reproducible seeds,
the rounding condition number S, the skip reasons).

A failing seed is reproduced with ``python -c "import _oracle;
print(_oracle.check_case(SEED))"`` from tests/.  There is no exclusion list:
a seed either passes or is skipped for a reason the oracle detects and counts
(nonfinite, range, discontinuity; ill-conditioned outputs).
"""
import os
import sys
from concurrent.futures import ProcessPoolExecutor

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import _oracle  # noqa: E402

DEFAULT_CASES = 400
SLOW_CASES = 6000
# the slow campaign uses seeds disjoint from the default one
SLOW_OFFSET = 1_000_000


def _report(name, summary, results):
    worst = max(results, key=lambda r: r.worst)
    print("\n{0}: {1}\n  worst relative error {2:.3g} at seed {3} ({4}): {5!r} at {6}".format(
        name, summary, worst.worst, worst.seed, worst.worst_where, worst.tree, worst.point))


def _assert_campaign(results, summary):
    failures = [r for r in results if r.failures]
    assert not failures, "{0} of {1} cases disagree with mpmath:\n{2}".format(
        len(failures), len(results), "\n".join(repr(r) for r in failures[:10]))
    # the campaign must actually check: most cases are comparable
    assert summary["checked"] >= 0.6 * summary["cases"], summary
    assert summary["outputs_checked"] >= 10 * summary["checked"], summary


def test_oracle_campaign_default_sample():
    results, summary = _oracle.campaign(range(DEFAULT_CASES))
    _report("default campaign", summary, results)
    _assert_campaign(results, summary)


def _chunk(seeds):
    results, _ = _oracle.campaign(seeds)
    return results


@pytest.mark.slow
def test_oracle_campaign_slow():
    seeds = list(range(SLOW_OFFSET, SLOW_OFFSET + SLOW_CASES))
    chunks = [seeds[i::4] for i in range(4)]
    with ProcessPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as ex:
        results = [r for part in ex.map(_chunk, chunks) for r in part]
    summary = _oracle.summarize(results)
    _report("slow campaign", summary, results)
    _assert_campaign(results, summary)


def test_oracle_reproduces_the_log10_underflow_case():
    """The case the earlier campaign could not explain: d2/dy2 of
    log10(expm1(y**2 - rint(z)))**-3 near y = -0.885, z = -425.457.  log10''
    at expm1(...) ~ 8e184 is -1/(x**2 ln 10) ~ -6e-371, which underflowed to 0
    and dropped the O(1) term g''·e1·e2; the rule table now carries such a g''
    with an exponent (mk_d2_over), and the oracle agrees to rounding."""
    y, z = _oracle.Node("var", 0), _oracle.Node("var", 1)
    sq = _oracle.Node("unary", "square", [y])
    arg = _oracle.Node("binary", "subtract", [sq, _oracle.Node("unary", "rint", [z])])
    inner = _oracle.Node("unary", "log10", [_oracle.Node("unary", "expm1", [arg])])
    tree = _oracle.Node("binary", "power", [inner, _oracle.Node("const", -3.0)])
    point = [-0.885, -425.457]
    exact, conds, status = _oracle.reference(tree, point)
    assert status == "ok"
    outs = _oracle.library_outputs(tree, point)
    k = 1 + 2 + 0 * 2 + 0                      # d2f/dy2
    assert conds[k] < 100
    for mode, pairs in outs.items():
        for idx, got in pairs:
            if idx == k:
                rel = abs(got - float(exact[k])) / abs(float(exact[k]))
                assert rel < 1e-13, (mode, got, exact[k])


def test_oracle_detects_a_wrong_rule():
    """The oracle is not vacuous: a deliberately wrong derivative is caught."""
    x = _oracle.Node("var", 0)
    tree = _oracle.Node("unary", "sin", [x])
    exact, conds, status = _oracle.reference(tree, [0.7])
    assert status == "ok"
    saved = _oracle.UNARY["sin"]
    try:
        import numpy as np
        _oracle.UNARY["sin"] = (lambda t: np.sin(t) * 1.0000001,) + saved[1:]
        outs = _oracle.library_outputs(tree, [0.7])
    finally:
        _oracle.UNARY["sin"] = saved
    got = dict(outs["Dual"])[1]
    assert abs(got - float(exact[1])) / abs(float(exact[1])) > 1e-8


def test_oracle_skips_points_at_a_jump_of_floor():
    """floor(x * 3) at x = 1/3: x*3 rounds to exactly 1.0 in doubles while the
    exact product of the double 1/3 and 3 is just below 1: the oracle must see
    that the point lies within rounding distance of the jump and skip it."""
    x = _oracle.Node("var", 0)
    tree = _oracle.Node("unary", "floor", [
        _oracle.Node("binary", "multiply", [x, _oracle.Node("const", 3.0)])])
    _, _, status = _oracle.reference(tree, [1.0 / 3.0])
    assert status == "discontinuity"
    _, _, status = _oracle.reference(tree, [0.5])
    assert status == "ok"
