"""Shared timing, peer loading and table code for ``python -m bench``.

Design: a benchmark *group* is a function registered with ``@group`` that
returns a list of ``Bench`` rows.  A row names three kinds of work: the
dualcalc case, the plain-float baseline (the same work without derivatives),
and one case per peer library, built by a factory that receives the peer's
module only if it imports.  The harness times every case of a row in this one
process (timeit-style: calibrate the loop count, then several repeats taken
round-robin across the row's cases, report the median), checks that the cases
agree on their numbers, and prints one table.  Nothing here knows what is
being measured, and nothing here asserts a speed: targets are printed as
"met" or "missed", never raised.
"""
from __future__ import annotations

import gc
import importlib
import importlib.metadata
import os
import platform
import statistics
import subprocess
import sys
import timeit
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

# ---------------------------------------------------------------- peers
@dataclass(frozen=True)
class Peer:
    """A peer library: table column ``name``, import name, PyPI distribution."""
    name: str
    module: str
    dist: str
    setup: Callable[[Any], None] | None = None


def _jax_setup(jax):
    # Derivatives in double precision, like every other column.
    jax.config.update("jax_enable_x64", True)


#: Column order of the table.  A group may use any subset.
PEERS = (
    Peer("num-dual", "num_dual", "num-dual"),
    Peer("ad", "ad", "ad"),
    Peer("hyperjet", "hyperjet", "hyperjet"),
    Peer("fastdual", "fastdual", "fastdual"),
    Peer("dualpy", "dualpy", "dualpy"),
    Peer("autograd", "autograd", "autograd"),
    Peer("jax", "jax", "jax", _jax_setup),
    # A second jax column, for the rows that time forward and reverse mode
    # side by side (array-gradient: "jax" is jit(jacfwd), "jax.grad" jit(grad)).
    Peer("jax.grad", "jax", "jax", _jax_setup),
)
_PEER_BY_NAME = {p.name: p for p in PEERS}
_loaded: dict[str, Any] = {}
NOT_INSTALLED = "n/a (not installed)"
SKIPPED = "skipped"


def load_peer(name: str):
    """The peer's module, or None if it does not import (cached)."""
    if name not in _loaded:
        peer = _PEER_BY_NAME[name]
        try:
            mod = importlib.import_module(peer.module)
            if peer.setup is not None:
                peer.setup(mod)
        except Exception:          # not installed, or broken: same column
            mod = None
        _loaded[name] = mod
    return _loaded[name]


def peer_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(_PEER_BY_NAME[name].dist)
    except importlib.metadata.PackageNotFoundError:
        return None


# ---------------------------------------------------------------- specs
@dataclass
class Case:
    """One piece of work to time.

    ``stmt`` is either a statement string, timed inline by timeit with the
    names in ``ns`` bound as fast locals (so a one-line expression pays no
    function-call overhead), or a zero-argument callable.  ``result`` is the
    expression (or callable) whose value is checked against dualcalc's: a
    float, an array or a tuple of them, typically (value, derivative...);
    when omitted, ``stmt`` itself is evaluated.
    """
    stmt: str | Callable[[], Any]
    ns: dict[str, Any] = field(default_factory=dict)
    result: str | Callable[[], Any] | None = None
    label: str = ""          # what exactly is run, for the JSON record


def case(stmt, result=None, label="", **ns) -> Case:
    return Case(stmt, ns, result, label)


@dataclass(frozen=True)
class Target:
    """A goal: dualcalc/baseline <= bound, or peer/dualcalc >= bound."""
    against: str             # "baseline" or a peer name
    bound: float

    def ratio(self, row: "RowResult") -> float | None:
        if self.against == "baseline":
            return row.cost
        return row.speedups.get(self.against)

    def met(self, row: "RowResult") -> bool | None:
        r = self.ratio(row)
        if r is None:
            return None
        return r <= self.bound if self.against == "baseline" else r >= self.bound

    def describe(self, baseline_label: str) -> str:
        if self.against == "baseline":
            return f"cost at most {self.bound:g}x {baseline_label}"
        if self.bound == 1:
            return f"no slower than {self.against}"
        return f">={self.bound:g}x faster than {self.against}"


@dataclass
class Bench:
    """One row of the table."""
    name: str
    dualcalc: Case
    baseline: Case
    peers: dict[str, Callable[[Any], Case]] = field(default_factory=dict)
    targets: tuple[Target, ...] = ()
    baseline_label: str = "float"
    note: str = ""
    check: bool = True       # compare the cases' numbers with dualcalc's
    #: The right answer (a callable, or an expression evaluated with dualcalc's
    #: names), e.g. ``lambda: scipy.optimize.rosen_der(x)``.  When given,
    #: dualcalc's result and every peer's are compared with it (not with each
    #: other), the baseline is not compared (it computes the value only), and a
    #: dualcalc result that differs marks the row WRONG.
    reference: str | Callable[[], Any] | None = None


@dataclass
class Group:
    name: str
    title: str
    build: Callable[[], list[Bench]]


GROUPS: dict[str, Group] = {}


def group(name: str, title: str):
    """Register a function returning a list of Bench rows as a group."""
    def register(fn):
        if name in GROUPS:
            raise ValueError(f"benchmark group {name!r} registered twice")
        GROUPS[name] = Group(name, title, fn)
        return fn
    return register


@dataclass
class Report:
    """A benchmark that prints its own table (e.g. solvers x problems):
    ``run(quick, printer)`` prints through printer and returns JSON-able rows.
    Reports are long, so they run only when named with --only."""
    name: str
    title: str
    run: Callable[[bool, Callable[[str], None]], Any]


REPORTS: dict[str, Report] = {}


def report(name: str, title: str):
    """Register a function ``(quick, printer) -> rows`` as an opt-in report."""
    def register(fn):
        if name in REPORTS or name in GROUPS:
            raise ValueError(f"benchmark {name!r} registered twice")
        REPORTS[name] = Report(name, title, fn)
        return fn
    return register


#: Short names for --only: each stands for the names (or prefixes) listed.
ALIASES: dict[str, tuple[str, ...]] = {
    "scalars": ("scalar",),
    "arrays": ("array",),
    "gradient": ("array-gradient",),
    "jacobian": ("array-gradient",),
    "hessian": ("array-hessian",),
    "hvp": ("array-hvp",),
    "mgh": ("optimize-mgh",),
    "bfgs": ("quasi-newton",),
}


def _matches(name: str, want: str) -> bool:
    return name == want or name.startswith(want + "-")


def select_groups(only: list[str] | None) -> list[Group]:
    """Groups named in ``only`` (all when empty); a name also selects ``name-*``."""
    return select(only)[0]


def select(only: list[str] | None) -> tuple[list[Group], list[Report]]:
    """(groups, reports) named in ``only``; a name also selects ``name-*``.
    Without names: every group and no report."""
    if not only:
        return list(GROUPS.values()), []
    groups, reports, unknown = [], [], []
    only = [w for name in only for w in ALIASES.get(name, (name,))]
    for want in only:
        g_hits = [g for g in GROUPS.values() if _matches(g.name, want)]
        r_hits = [r for r in REPORTS.values() if _matches(r.name, want)]
        if not g_hits and not r_hits:
            unknown.append(want)
        groups += [g for g in g_hits if g not in groups]
        reports += [r for r in r_hits if r not in reports]
    if unknown:
        raise SystemExit(f"unknown benchmark group(s): {', '.join(unknown)}; "
                         f"available: {', '.join(list(GROUPS) + list(REPORTS))}; "
                         f"aliases: {', '.join(ALIASES)}")
    return groups, reports


# ---------------------------------------------------------------- timing
@dataclass
class Timing:
    median: float            # seconds per call
    best: float
    number: int              # calls per measurement
    runs: list[float]        # seconds per call, one per repeat


@dataclass
class Failure:
    status: str              # NOT_INSTALLED or "error"
    message: str = ""


@dataclass
class Settings:
    repeat: int = 7
    min_time: float = 0.2    # seconds per measurement (timeit's autorange uses 0.2)


def _timer(c: Case) -> timeit.Timer:
    if callable(c.stmt):
        return timeit.Timer(c.stmt)
    # Bind every name as a local of timeit's inner function: LOAD_FAST, like
    # the variables of real code, and no global-dict lookups in the loop.
    setup = "\n".join(f"{k} = __ns[{k!r}]" for k in c.ns) or "pass"
    return timeit.Timer(c.stmt, setup=setup, globals={"__ns": c.ns})


def _evaluate(c: Case):
    expr = c.result if c.result is not None else c.stmt
    if callable(expr):
        return expr()
    return eval(expr, dict(c.ns))          # noqa: S307 - our own strings


def _calibrate(timer: timeit.Timer, min_time: float) -> int:
    """Loop count whose total time reaches min_time (timeit.autorange's 1-2-5 rule)."""
    i = 1
    while True:
        for k in (1, 2, 5):
            n = i * k
            if timer.timeit(n) >= min_time:
                return n
        i *= 10


def _flat(x) -> np.ndarray:
    if isinstance(x, (tuple, list)):
        parts = [_flat(p) for p in x]
        return np.concatenate(parts) if parts else np.zeros(0)
    return np.atleast_1d(np.asarray(x, dtype=np.float64)).ravel()


def _agree(ref, got, prefix: bool = True) -> bool:
    """Same numbers on the common prefix (a float baseline has the value only);
    with ``prefix=False`` the sizes must match too (a reference check).
    A result that is not numbers (say, an array of a peer's dual objects)
    does not agree."""
    try:
        a, b = _flat(ref), _flat(got)
    except (TypeError, ValueError):
        return False
    if not prefix and a.size != b.size:
        return False
    n = min(a.size, b.size)
    return n > 0 and bool(np.allclose(a[:n], b[:n], rtol=1e-9, atol=1e-12))


def _show(x) -> str:
    try:
        f = _flat(x)
    except (TypeError, ValueError):
        return f"{type(x).__name__} (not numbers)"
    return f"{np.array2string(f[:4], precision=6)}{' ...' if f.size > 4 else ''} (size {f.size})"


def time_cases(cases: dict[str, Case], s: Settings) -> dict[str, Timing | Failure]:
    """Time several cases in this process, round-robin over the repeats so that
    a slow drift of the machine (other jobs, clock changes) hits them alike."""
    out: dict[str, Timing | Failure] = {}
    timers: dict[str, tuple[timeit.Timer, int]] = {}
    for key, c in cases.items():
        try:
            t = _timer(c)
            timers[key] = (t, _calibrate(t, s.min_time))
        except Exception as exc:            # report, keep going
            out[key] = Failure("error", f"{type(exc).__name__}: {exc}")
    runs: dict[str, list[float]] = {k: [] for k in timers}
    keys = list(timers)
    for r in range(s.repeat):
        for j in range(len(keys)):
            key = keys[(r + j) % len(keys)]            # rotate the order
            t, n = timers[key]
            runs[key].append(t.timeit(n) / n)
    for key in keys:
        out[key] = Timing(statistics.median(runs[key]), min(runs[key]),
                          timers[key][1], runs[key])
    return out


# ---------------------------------------------------------------- running
@dataclass
class RowResult:
    group: str
    name: str
    baseline_label: str
    dualcalc: Timing | Failure
    baseline: Timing | Failure
    peers: dict[str, Timing | Failure]
    mismatches: dict[str, str]             # case -> message
    targets: tuple[Target, ...]
    note: str
    labels: dict[str, str] = field(default_factory=dict)   # case -> what was run
    #: True/False: dualcalc's result was compared with the row's reference and
    #: agreed/differed; None: the row has no reference (or dualcalc raised).
    reference_ok: bool | None = None

    @property
    def cost(self) -> float | None:
        """dualcalc time / baseline time (lower is better)."""
        return paired_ratio(self.dualcalc, self.baseline)

    @property
    def speedups(self) -> dict[str, float]:
        """peer time / dualcalc time (above 1: dualcalc is faster)."""
        out = {k: paired_ratio(v, self.dualcalc) for k, v in self.peers.items()}
        return {k: v for k, v in out.items() if v is not None}


def paired_ratio(num: Timing | Failure, den: Timing | Failure) -> float | None:
    """Median over the rounds of num/den.  The cases of a row are timed in the
    same rounds (round-robin), so each round's ratio compares measurements taken
    a moment apart; its median shrugs off a round that the machine disturbed."""
    if not (isinstance(num, Timing) and isinstance(den, Timing)):
        return None
    return statistics.median(a / b for a, b in zip(num.runs, den.runs))


def run_bench(b: Bench, group_name: str, s: Settings, log=None,
              with_peers: bool = True) -> RowResult:
    """Check and time one row.  ``with_peers=False`` skips the peers (their
    cells say "skipped"): the smoke test's mode, which needs no peer."""
    cases: dict[str, Case] = {"dualcalc": b.dualcalc, "baseline": b.baseline}
    peers: dict[str, Timing | Failure] = {}
    for name, factory in b.peers.items():
        if not with_peers:
            peers[name] = Failure(SKIPPED)
            continue
        mod = load_peer(name)
        if mod is None:
            peers[name] = Failure(NOT_INSTALLED)
            continue
        try:
            cases[name] = factory(mod)
        except Exception as exc:
            peers[name] = Failure("error", f"{type(exc).__name__}: {exc}")

    # Evaluate once: warms caches and JIT compilers, and checks the numbers.
    results, mismatches = {}, {}
    for key in list(cases):
        try:
            results[key] = _evaluate(cases[key])
        except Exception as exc:
            msg = f"{type(exc).__name__}: {exc}"
            if key in ("dualcalc", "baseline"):
                results[key] = None
                mismatches[key] = msg
            else:
                peers[key] = Failure("error", msg)
                del cases[key]
    ref = results.get("dualcalc")
    reference_ok = None
    if b.reference is not None:
        # The exact answer decides, for dualcalc and peers alike.
        try:
            exact = (b.reference() if callable(b.reference)
                     else eval(b.reference, dict(b.dualcalc.ns)))  # noqa: S307
        except Exception as exc:
            exact = None
            mismatches["reference"] = f"reference failed: {type(exc).__name__}: {exc}"
        if exact is not None:
            for key, got in results.items():
                if key == "baseline" or got is None:
                    continue
                ok = _agree(exact, got, prefix=False)
                if key == "dualcalc":
                    reference_ok = ok
                    if not ok:
                        mismatches[key] = (f"WRONG RESULT: dualcalc gives {_show(got)}, "
                                           f"the reference gives {_show(exact)}")
                elif not ok:
                    mismatches[key] = f"result {_show(got)} differs from the reference {_show(exact)}"
    elif ref is not None and b.check:
        for key, got in results.items():
            if key != "dualcalc" and got is not None and not _agree(ref, got):
                mismatches[key] = f"result {_show(got)} differs from dualcalc's {_show(ref)}"

    if log:
        log(f"  {b.name} ...")
    timed = time_cases(cases, s)
    for key in b.peers:
        if key in timed:
            peers[key] = timed[key]
    return RowResult(group_name, b.name, b.baseline_label,
                     timed.get("dualcalc", Failure("error", mismatches.get("dualcalc", ""))),
                     timed.get("baseline", Failure("error", mismatches.get("baseline", ""))),
                     {k: peers[k] for k in b.peers}, mismatches, b.targets, b.note,
                     {k: c.label or (c.stmt if isinstance(c.stmt, str) else repr(c.stmt))
                      for k, c in cases.items()},
                     reference_ok)


def run_groups(groups: list[Group], s: Settings, log=None,
               with_peers: bool = True) -> list[tuple[Group, list[RowResult]]]:
    out = []
    for g in groups:
        if log:
            log(f"[{g.name}] {g.title}")
        rows = [run_bench(b, g.name, s, log, with_peers) for b in g.build()]
        out.append((g, rows))
        gc.collect()
    return out


# ---------------------------------------------------------------- formatting
def fmt_time(t: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t / 1e-9:.3g} ns"


def fmt_ratio(r: float) -> str:
    return f"{r:.0f}x" if r >= 100 else f"{r:.3g}x"


def _cell(x: Timing | Failure, ratio: float | None, flagged: bool) -> str:
    if isinstance(x, Failure):
        return x.status
    text = fmt_ratio(ratio) if ratio is not None else fmt_time(x.median)
    return text + ("!" if flagged else "")


def _targets_text(row: RowResult) -> str:
    parts = ["DUALCALC RESULT WRONG (targets void)"] if row.reference_ok is False else []
    for t in row.targets:
        met = t.met(row)
        verdict = "not measured" if met is None else ("met" if met else "MISSED")
        parts.append(f"{t.describe(row.baseline_label)}: {verdict}")
    return "; ".join(parts)


def format_table(results, absolute: bool = False) -> str:
    """One section per group: its rows, its peers side by side, its targets."""
    lines = []
    footnotes: list[str] = []
    for g, rows in results:
        peer_cols = [p.name for p in PEERS if any(p.name in r.peers for r in rows)]
        head = (["benchmark", "dualcalc", "without derivatives", "cost"] + peer_cols
                + ["goal (met or MISSED)"])
        body = []
        for r in rows:
            cost = r.cost
            dc_cell = _cell(r.dualcalc, None, "dualcalc" in r.mismatches)
            if r.reference_ok is False:
                dc_cell = "WRONG " + dc_cell
            cells = [r.name, dc_cell,
                     (f"{_cell(r.baseline, None, 'baseline' in r.mismatches)} {r.baseline_label}"),
                     fmt_ratio(cost) if cost is not None else "-"]
            sp = r.speedups
            for p in peer_cols:
                if p not in r.peers:
                    cells.append("-")
                    continue
                x = r.peers[p]
                cells.append(_cell(x, None if absolute else sp.get(p), p in r.mismatches))
                if isinstance(x, Failure) and x.status == "error":
                    footnotes.append(f"{g.name} / {r.name} / {p}: {x.message}")
            for k, msg in r.mismatches.items():
                footnotes.append(f"{g.name} / {r.name} / {k}: {msg}")
            cells.append(_targets_text(r))
            body.append(cells)
        widths = [max(len(str(row[i])) for row in [head] + body) for i in range(len(head))]
        lines.append(f"== {g.name}: {g.title}")
        for row in [head] + body:
            out = [str(row[0]).ljust(widths[0])]
            out += [str(c).rjust(w) for c, w in zip(row[1:-1], widths[1:-1])]
            out.append(str(row[-1]))
            lines.append("  ".join(out).rstrip())
        notes = [f"   note: {r.name}: {r.note}" for r in rows if r.note]
        lines += notes
        wrong = [r.name for r in rows if r.reference_ok is False]
        if wrong:
            lines.append(f"   !!! dualcalc gives a WRONG result in: {', '.join(wrong)} "
                         "(see the notes at the end)")
        lines.append("")
    lines.append("dualcalc: median time per call with derivatives; without derivatives: the "
                 "same work on plain numbers.")
    lines.append("cost = dualcalc time / time without derivatives (lower is better; 1x "
                 "would make the derivatives free).")
    lines.append("Ratios are medians of per-round ratios (cases of a row are timed round-robin).")
    if absolute:
        lines.append("peer columns: the peer's median time per call.")
    else:
        lines.append("peer columns = peer time / dualcalc time (above 1x: dualcalc is faster).")
    lines.append(f"'-' = not measured for this row; '{NOT_INSTALLED}' = peer does not import; "
                 "'!' = result differs from dualcalc's, or from the row's reference "
                 "where it has one (see below).")
    for f in footnotes:
        lines.append("  ! " + f)
    return "\n".join(lines)


def check_bench(only: list[str] | None = None, settings: Settings | None = None,
                with_peers: bool = False) -> tuple[list, list[str], str]:
    """Run groups in a tiny mode (one repeat of about a millisecond, peers
    skipped by default) and check what can be checked without timing anything:
    every dualcalc case ran, and every reference check passed.

    Returns ``(results, problems, table)``: the results of ``run_groups``, one
    line per problem found (empty when all is well) and the rendered table.
    Used by tests/test_bench_smoke.py; never looks at a speed.
    """
    groups, _ = select(only)
    results = run_groups(groups, settings or Settings(repeat=1, min_time=1e-3),
                         with_peers=with_peers)
    problems = []
    for g, rows in results:
        if not rows:
            problems.append(f"{g.name}: no rows")
        for r in rows:
            where = f"{g.name} / {r.name}"
            for key in ("dualcalc", "baseline"):
                if isinstance(getattr(r, key), Failure):
                    problems.append(f"{where}: {key} failed: {r.mismatches.get(key, '')}")
            if r.reference_ok is False:
                problems.append(f"{where}: {r.mismatches.get('dualcalc')}")
            if "reference" in r.mismatches:
                problems.append(f"{where}: {r.mismatches['reference']}")
    return results, problems, format_table(results)


def _git(*args) -> str | None:
    root = Path(__file__).resolve().parent.parent
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
    except Exception:
        return None


def environment(s: Settings, mode: str) -> dict:
    import dualcalc
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    dirty = _git("status", "--porcelain", "--", "dualcalc")
    # Cost of timeit's own loop per iteration, included in every figure.
    loop = time_cases({"loop": Case("pass")}, Settings(3, min(s.min_time, 0.05)))["loop"]
    return {
        "mode": mode,
        "repeat": s.repeat,
        "min_time": s.min_time,
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "dualcalc": dualcalc.__version__,
        "dualcalc_path": str(Path(dualcalc.__file__).parent),
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "dualcalc_tree_modified": bool(dirty) if dirty is not None else None,
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "loadavg": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "timeit_loop_overhead_s": loop.median,
        # one entry per distribution ("jax.grad" is another column of jax)
        "peers": {p.name: peer_version(p.name) for p in PEERS
                  if p is next(q for q in PEERS if q.dist == p.dist)},
    }


def format_header(env: dict) -> str:
    peers = ", ".join(f"{k} {v}" if v else f"{k} {NOT_INSTALLED}"
                      for k, v in env["peers"].items())
    mod = " (+ uncommitted changes in dualcalc/)" if env["dualcalc_tree_modified"] else ""
    load = ", ".join(f"{x:.2f}" for x in env["loadavg"]) if env["loadavg"] else "?"
    return "\n".join([
        f"dualcalc {env['dualcalc']} @ {env['git_commit']}{mod}; Python {env['python']}, "
        f"NumPy {env['numpy']}; {env['cpu']} x{env['cpus']}, load {load}",
        f"peers: {peers}",
        f"{env['mode']} run: median of {env['repeat']} repeats of >= {env['min_time']:g} s each, "
        f"one process; timeit loop overhead {fmt_time(env['timeit_loop_overhead_s'])}/iteration "
        f"(included in every figure)",
        "",
    ])


def to_json(env: dict, results, reports: dict | None = None) -> dict:
    def enc(x):
        if isinstance(x, Timing):
            return {"median_s": x.median, "best_s": x.best, "number": x.number, "runs_s": x.runs}
        return {"status": x.status, "message": x.message}
    groups = []
    for g, rows in results:
        out_rows = []
        for r in rows:
            out_rows.append({
                "name": r.name,
                "baseline_label": r.baseline_label,
                "dualcalc": enc(r.dualcalc),
                "baseline": enc(r.baseline),
                "peers": {k: enc(v) for k, v in r.peers.items()},
                "dualcalc_over_baseline": r.cost,
                "peer_over_dualcalc": r.speedups,
                "mismatches": r.mismatches,
                "cases": r.labels,
                "targets": [{"against": t.against, "bound": t.bound,
                             "description": t.describe(r.baseline_label),
                             "ratio": t.ratio(r), "met": t.met(r)} for t in r.targets],
                "note": r.note,
                "reference_ok": r.reference_ok,
            })
        groups.append({"name": g.name, "title": g.title, "rows": out_rows})
    return {"environment": env, "groups": groups, "reports": reports or {}}


__all__ = [
    "Peer", "PEERS", "NOT_INSTALLED", "load_peer", "peer_version", "Case", "case",
    "Target", "Bench", "Group", "GROUPS", "group", "Report", "REPORTS", "report",
    "select", "select_groups", "paired_ratio", "Timing", "ALIASES", "SKIPPED", "check_bench",
    "Failure", "Settings", "time_cases", "run_bench", "run_groups", "format_table",
    "format_header", "environment", "to_json", "fmt_time", "fmt_ratio",
]
