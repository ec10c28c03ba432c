"""Command line: ``python -m bench [--quick] [--only NAME ...] [--json FILE]``."""
import argparse
import json
import sys
import traceback

import bench  # noqa: F401  (registers the groups)
from bench._harness import (ALIASES, GROUPS, REPORTS, Settings, environment, format_header,
                            format_table, run_groups, select, to_json)


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Time dualcalc against plain floats and peer libraries, in one process.")
    p.add_argument("--quick", action="store_true",
                   help="fewer, shorter repeats (3 x 0.02 s instead of 7 x 0.2 s)")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="run only this group or report (a prefix such as 'scalar' selects "
                        "'scalar-*'; aliases such as 'arrays' or 'hvp' are in --list); "
                        "repeat or comma-separate for several")
    p.add_argument("--json", metavar="FILE", help="also save the results as JSON")
    p.add_argument("--list", action="store_true", help="list the groups and reports, and exit")
    p.add_argument("--absolute", action="store_true",
                   help="show the peers' times instead of peer/dualcalc ratios")
    p.add_argument("--repeat", type=int, help="repeats per case (overrides --quick)")
    p.add_argument("--min-time", type=float,
                   help="seconds per measurement (overrides --quick)")
    a = p.parse_args(argv)

    if a.list:
        for g in GROUPS.values():
            print(f"{g.name:20s} {g.title}")
        for r in REPORTS.values():
            print(f"{r.name:20s} {r.title} [report: only with --only]")
        for alias, names in ALIASES.items():
            print(f"{alias:20s} alias for --only {','.join(names)}")
        return 0
    s = Settings(3, 0.02) if a.quick else Settings()
    if a.repeat is not None:
        if a.repeat < 1:
            p.error("--repeat must be at least 1")
        s.repeat = a.repeat
    if a.min_time is not None:
        if a.min_time <= 0:
            p.error("--min-time must be positive")
        s.min_time = a.min_time
    only = [n.strip() for x in (a.only or []) for n in x.split(",") if n.strip()]
    groups, reports = select(only)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    env = environment(s, "quick" if a.quick else "full")
    results = run_groups(groups, s, log)
    print(format_header(env), flush=True)
    if groups:
        print(format_table(results, absolute=a.absolute), flush=True)
    report_rows = {}
    for r in reports:
        print(f"\n== {r.name}: {r.title}", flush=True)
        try:
            report_rows[r.name] = r.run(a.quick, print)
        except Exception:                       # a broken report must not hide the rest
            msg = traceback.format_exc()
            print(f"report {r.name} failed:\n{msg}", flush=True)
            report_rows[r.name] = {"status": "error", "message": msg}
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(to_json(env, results, report_rows), fh, indent=1, default=_jsonable)
        log(f"results saved to {a.json}")
    return 0


def _jsonable(o):
    """numpy scalars and other strays in report rows."""
    try:
        return o.item()
    except AttributeError:
        return str(o)


if __name__ == "__main__":
    sys.exit(main())
