"""The benchmark suite's array groups run, check dualcalc against the exact
answers and render, in a tiny mode that needs no peer library.

Nothing here looks at a speed: the targets are printed by ``python -m bench``,
never asserted.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("scipy")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:           # bench/ lives beside tests/, not in the package
    sys.path.insert(0, str(ROOT))

from bench import optimize_table  # noqa: E402
from bench.__main__ import main  # noqa: E402
from bench._harness import (GROUPS, SKIPPED, Bench, Failure, Group, Settings,  # noqa: E402
                            Target, case, check_bench, format_table, run_bench, select)

ARRAY_ROWS = {
    "array-gradient": ["gradient rosen n=10", "gradient rosen n=100", "gradient rosen n=1000",
                       "jacobian broyden n=100"],
    "array-hessian": ["hessian rosen n=10", "hessian rosen n=100", "hessian svm dual m=200",
                      "hessian svm dual m=569"],
    "array-hvp": ["hvp rosen n=10", "hvp rosen n=100", "hvp vs gradient n=1000"],
}


@pytest.fixture(scope="module")
def checked():
    return check_bench(["arrays"])


def test_array_groups_are_registered_and_listed(capsys):
    assert set(ARRAY_ROWS) <= set(GROUPS)
    assert [g.name for g in select(["arrays"])[0]] == list(ARRAY_ROWS)
    assert [g.name for g in select(["hvp"])[0]] == ["array-hvp"]
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    for name in ARRAY_ROWS:
        assert name in out


def test_array_groups_pass_their_reference_checks(checked):
    results, problems, _ = checked
    assert problems == []
    assert {g.name: [r.name for r in rows] for g, rows in results} == ARRAY_ROWS
    for _, rows in results:
        for r in rows:
            assert r.reference_ok is True, (r.name, r.mismatches)
            assert not isinstance(r.dualcalc, Failure) and not isinstance(r.baseline, Failure)
            assert all(isinstance(p, Failure) and p.status == SKIPPED for p in r.peers.values())


def test_array_table_renders(checked):
    _, _, table = checked
    for name, rows in ARRAY_ROWS.items():
        assert f"== {name}:" in table
        for row in rows:
            assert row in table
    assert "WRONG" not in table
    assert "cost at most 3x dc gradient:" in table   # the hvp/gradient goal is printed


def test_a_wrong_dualcalc_result_is_reported_loudly():
    b = Bench("wrong", dualcalc=case("x * 2.0", x=np.ones(3)), baseline=case("x", x=np.ones(3)),
              targets=(Target("baseline", 100.0),), reference=lambda: np.full(3, 3.0))
    row = run_bench(b, "fake", Settings(repeat=1, min_time=1e-4), with_peers=False)
    assert row.reference_ok is False
    assert "WRONG" in row.mismatches["dualcalc"]
    table = format_table([(Group("fake", "a wrong row", lambda: [b]), [row])])
    assert "WRONG" in table and "targets void" in table and "!!!" in table


def test_optimize_table_turns_a_crashing_solver_into_an_error_cell(monkeypatch):
    def crash(p):
        raise RuntimeError("boom")
    monkeypatch.setitem(optimize_table._RUNNERS, "newton", crash)
    lines = []
    rows = optimize_table.run(quick=True, solvers=["newton"], printer=lines.append)
    assert rows and all(r["status"] == "error: RuntimeError: boom" for r in rows)
    assert any("ERROR RuntimeError" in line for line in lines)
    assert any("boom" in line for line in lines)


def test_a_result_that_is_not_numbers_disagrees_instead_of_crashing():
    from bench._harness import _agree
    objects = np.array([object(), object()], dtype=object)
    assert not _agree(np.ones(2), objects, prefix=False)
    assert not _agree(np.ones(2), objects)
