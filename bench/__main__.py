"""``python -m bench`` (``make bench``): the scenarios, each printing ratios against
baselines measured in the same run.

  python -m bench [import options]          all four: the import, the lists, the reports, the duplicates
  python -m bench import [import options]   the ledger import alone (below)
  python -m bench lists [list options]      the household and resident lists alone (bench/lists.py)
  python -m bench reports [report options]  the district's monthly reports alone (bench/reports.py)
  python -m bench duplicates [--repeat N]   finding 疑似重复登记 in that district (bench/duplicates.py)

The import scenario: import a generated ledger into PostgreSQL, three ways.

  ours   the real import path (ledger_import_create + ledger_import_commit): full
         validation, one atomic commit, history rows; then again over the imported data
  plain  django-import-export's ModelResource with default settings, on a slice, scaled
  floor  reading the file plus one COPY of its raw cells: no import can do less

Each runs in a fresh process on the same file in the same run, on an emptied ledger, and
is checked afterwards (row counts, outcomes), so a broken import can't look fast. Prints
seconds, rows per second, peak memory and the ratios against the aims; exits non-zero
only when something broke, never for a missed aim.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .env import (
    DEFAULT_DB_NAME,
    MEDIA_DIR,
    OUT_DIR,
    ROOT,
    configure,
    create_database,
    drop_database,
    setup_django,
)
from .ledger import LedgerSpec, ensure_ledger

AIM_SECONDS = 10.0
AIM_VS_PLAIN = 20.0
AIM_VS_FLOOR = 3.0


class BenchBroken(Exception):
    """A phase did not do what it was measured doing."""


def run_phase(name: str, path: Path, *extra: str) -> dict:
    out = OUT_DIR / f"phase-{name}.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "bench.phase", name, str(path), str(out), *extra]
    # Our own interpreter running our own module: no outside input reaches the command.
    subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603
    return json.loads(out.read_text())


def check(condition: bool, message: str) -> None:
    if not condition:
        raise BenchBroken(message)


def measure(args: argparse.Namespace, path: Path, spec: LedgerSpec) -> dict:
    from . import scratch

    results: dict = {}

    if not args.skip_openpyxl:
        scratch.empty_ledger()
        print("· openpyxl read-only read (for information) …", flush=True)
        results["openpyxl"] = run_phase("openpyxl", path)
        check(results["openpyxl"]["rows"] == spec.rows, "openpyxl: wrong row count")

    # The floor and ours take turns, so a machine that speeds up or slows down during the
    # run (a shared VM does) weighs on both; the ratio is of their medians.
    floors, ours_runs = [], []
    for round_number in range(1, args.repeat + 1):
        scratch.empty_ledger()
        print(f"· round {round_number}/{args.repeat}: floor (calamine read + one COPY) …", flush=True)
        floors.append(run_phase("floor", path))
        check(scratch.count_ledger().floor_rows == spec.rows, "floor: COPY did not store every row")

        scratch.empty_ledger()
        print(f"· round {round_number}/{args.repeat}: ours, first import …", flush=True)
        ours = run_phase("ours", path)
        counts = scratch.count_ledger()
        imp = ours["import"]
        check(imp["status"] == "done", f"ours: import ended {imp['status']}: {imp['message']}")
        check(imp["new"] == spec.rows and imp["error"] == 0, f"ours: outcomes {imp}")
        check(counts.residents == spec.rows, f"ours: {counts.residents} residents, expected {spec.rows}")
        check(counts.households == spec.households, f"ours: {counts.households} households")
        check(counts.changes == spec.rows + spec.households, f"ours: {counts.changes} history rows")
        ours["counts"] = counts.as_dict()
        ours_runs.append(ours)
    results["floor"] = median_run(floors)
    results["ours"] = median_run(ours_runs)
    results["rounds"] = [
        {"floor": f["seconds"], "ours": o["seconds"]} for f, o in zip(floors, ours_runs, strict=True)
    ]

    print("· write floor: the same rows COPYed again into the real tables …", flush=True)
    results["write_floor"] = run_phase("write-floor", path)
    check(scratch.count_ledger() == counts, "write floor: the tables did not get the same rows back")

    scratch.analyze()
    print("· ours: re-import of the same file …", flush=True)
    again = results["reimport"] = run_phase("ours", path)
    recount = scratch.count_ledger()
    imp = again["import"]
    check(imp["status"] == "done", f"re-import ended {imp['status']}: {imp['message']}")
    check(imp["unchanged"] == spec.rows, f"re-import: outcomes {imp}")
    check(recount == counts, f"re-import changed the ledger: {recount} vs {counts}")

    scratch.empty_ledger()
    slice_rows = min(args.baseline_slice, spec.rows)
    print(f"· plain: django-import-export ModelResource on {slice_rows} rows …", flush=True)
    plain = results["plain"] = run_phase("plain", path, "--slice", str(slice_rows))
    check(not plain["failed"], f"plain: {plain['failed']}")
    counts = scratch.count_ledger()
    check(counts.residents == plain["rows"], f"plain: {counts.residents} residents of {plain['rows']}")
    check(counts.households == plain["households"], f"plain: {counts.households} households")
    plain["scaled_seconds"] = plain["seconds"] * spec.rows / plain["rows"]

    if args.profile:
        # Profiled runs come last and are not measured figures: cProfile slows Python code
        # (not the database) by half again or more.
        scratch.empty_ledger()
        for name in ("ours", "reimport"):
            stats = OUT_DIR / f"{name}.prof"
            print(f"· {name} under cProfile → {stats.relative_to(ROOT)} …", flush=True)
            run_phase("ours", path, "--profile", str(stats))
            scratch.analyze()
    return results


def median_run(runs: list[dict]) -> dict:
    """The run with the median time (the lower middle one of an even number)."""
    return sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]


def cpu_reference() -> float:
    """Seconds for a fixed piece of pure Python: how fast the machine is at this moment."""
    started = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - started


STAGE_LABELS = {
    "open_ledger": "read the file (open_ledger)",
    "import_rows": "validate and write (import_rows)",
}


def stage_rows(row, result: dict) -> None:
    """The import's time by stage; what is left is the upload, COMMIT and bookkeeping."""
    row("  upload (ledger_import_create)", result["create_seconds"], None, None)
    stages = result.get("stages", {})
    for name, label in STAGE_LABELS.items():
        if name in stages:
            row(f"  {label}", stages[name], None, None)
    row(
        "  COMMIT and the rest of the commit step",
        result["commit_seconds"] - sum(stages.values()),
        None,
        None,
    )


def mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(results: dict, spec: LedgerSpec, generation: str) -> str:
    floor, ours, again, plain = results["floor"], results["ours"], results["reimport"], results["plain"]
    lines = [
        f"Ledger: {spec.rows:,} residents in {spec.households:,} households, {generation}",
        "",
        f"{'phase':<52}{'seconds':>9}{'rows/s':>10}{'peak RSS MB':>13}",
    ]

    def row(label: str, seconds: float, rows: int | None, rss: float | None) -> None:
        rate = f"{rows / seconds:,.0f}" if rows else ""
        mem = f"{rss:,.0f}" if rss is not None else ""
        lines.append(f"{label:<52}{seconds:>9.2f}{rate:>10}{mem:>13}")

    rounds = results["rounds"]
    row(f"ours: first import, median of {len(rounds)}", ours["seconds"], spec.rows, ours["peak_rss_mb"])
    stage_rows(row, ours)
    row("ours: re-import, all unchanged", again["seconds"], spec.rows, again["peak_rss_mb"])
    stage_rows(row, again)
    row(
        f"plain ModelResource, {plain['rows']:,} rows measured",
        plain["seconds"],
        plain["rows"],
        plain["peak_rss_mb"],
    )
    row(f"plain ModelResource, scaled to {spec.rows:,}", plain["scaled_seconds"], spec.rows, None)
    row(
        f"floor: calamine read + one COPY, median of {len(rounds)}",
        floor["seconds"],
        spec.rows,
        floor["peak_rss_mb"],
    )
    row("  of which calamine read", floor["read_seconds"], None, None)
    row("  of which COPY", floor["copy_seconds"], None, None)
    wf = results["write_floor"]
    row("database alone: ours' rows COPYed again", wf["seconds"], spec.rows, None)
    row("  of which COPY (indexes, unique checks)", wf["copy_seconds"], None, None)
    row("  of which COMMIT (deferred foreign-key checks)", wf["commit_seconds"], None, None)
    if "openpyxl" in results:
        row("openpyxl read-only read (information)", results["openpyxl"]["seconds"], spec.rows, None)
    lines.append(
        f"(peak RSS is each phase's whole process; before its phase a process held "
        f"{ours['setup_rss_mb']:.0f} MB with Django loaded, {floor['setup_rss_mb']:.0f} MB without)"
    )

    vs_plain = plain["scaled_seconds"] / ours["seconds"]
    vs_floor = ours["seconds"] / floor["seconds"]
    lines += [
        "",
        "rounds (floor, then ours): "
        + ", ".join(f"{r['floor']:.2f} / {r['ours']:.2f} s = {r['ours'] / r['floor']:.2f}×" for r in rounds),
        f"ours, {spec.rows:,} rows: {ours['seconds']:.2f} s"
        f"{'':<8}aim < {AIM_SECONDS:.0f} s{'':<6}{mark(ours['seconds'] < AIM_SECONDS)}",
        f"plain / ours: {vs_plain:.1f}×{'':<14}aim ≥ {AIM_VS_PLAIN:.0f}×{'':<6}{mark(vs_plain >= AIM_VS_PLAIN)}",
        f"ours / floor: {vs_floor:.2f}×{'':<13}aim ≤ {AIM_VS_FLOOR:.0f}×{'':<7}{mark(vs_floor <= AIM_VS_FLOOR)}",
        "",
        f"Load average (1 min) {results['load']['before'][0]:.2f} before, "
        f"{results['load']['after'][0]:.2f} after, on {results['load']['cpus']} CPUs: "
        "other work on the machine slows every phase.",
        f"CPU reference (10 million additions in Python): {results['cpu']['before']:.2f} s before, "
        f"{results['cpu']['after']:.2f} s after; a slower machine makes every phase slower.",
        f"The plain baseline ran on the first {plain['rows']:,} rows ({plain['households']:,} households) "
        f"and is scaled linearly to {spec.rows:,}.",
    ]
    return "\n".join(lines)


def print_profile(limit: int) -> None:
    import pstats

    for name, title in (("ours", "first import"), ("reimport", "re-import")):
        stats = pstats.Stats(str(OUT_DIR / f"{name}.prof"))
        stats.strip_dirs()
        for key, order in (("cumulative", "cumulative"), ("tottime", "own time")):
            print(f"\nProfile of ours, {title}, by {order} (top {limit}):")
            stats.sort_stats(key).print_stats(limit)


SCENARIOS = ("import", "lists", "reports", "duplicates")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "lists":
        from . import lists

        return lists.main(argv[1:])
    if argv and argv[0] == "reports":
        from . import reports

        return reports.main(argv[1:])
    if argv and argv[0] == "duplicates":
        from . import duplicates

        return duplicates.main(argv[1:])
    if argv and argv[0] == "import":
        return import_main(argv[1:])
    code = import_main(argv)
    # In a fresh process: the import run has set up Django on its own scratch database.
    listed = subprocess.run([sys.executable, "-m", "bench", "lists"], cwd=ROOT, check=False)
    reported = subprocess.run([sys.executable, "-m", "bench", "reports"], cwd=ROOT, check=False)
    # On the reports bench's district, made by the run above.
    found = subprocess.run([sys.executable, "-m", "bench", "duplicates"], cwd=ROOT, check=False)
    return code or listed.returncode or reported.returncode or found.returncode


def import_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench import", description=__doc__.split("\n\n")[2])
    parser.add_argument("--rows", type=int, default=100_000, help="residents in the ledger (100000)")
    parser.add_argument("--households", type=int, help="households (default 35%% of --rows)")
    parser.add_argument(
        "--baseline-slice", type=int, default=2000, help="rows the plain baseline imports (2000)"
    )
    parser.add_argument("--seed", type=int, default=LedgerSpec.seed, help="generator seed")
    parser.add_argument("--db-name", default=DEFAULT_DB_NAME, help="scratch database, dropped and created")
    parser.add_argument("--keep-db", action="store_true", help="leave the scratch database in place")
    parser.add_argument("--skip-openpyxl", action="store_true", help="skip the informational openpyxl read")
    parser.add_argument("--profile", action="store_true", help="also run ours under cProfile and print it")
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds of floor and ours, taking turns; medians count (3)"
    )
    args = parser.parse_args(argv)
    households = args.households or max(1, round(args.rows * 0.35))
    spec = LedgerSpec(rows=args.rows, households=households, seed=args.seed)

    started = time.perf_counter()
    path, written = ensure_ledger(spec, OUT_DIR)
    generation = (
        f"generated in {time.perf_counter() - started:.1f} s (not measured)" if written else "from the cache"
    )
    print(f"Ledger file: {path.relative_to(ROOT)} ({path.stat().st_size / 1024 / 1024:.1f} MB, {generation})")

    load_before = os.getloadavg()
    cpu_before = cpu_reference()
    configure(create_database(args.db_name))
    setup_django()
    from django.db import connections

    from . import scratch

    try:
        scratch.prepare_schema()
        results = measure(args, path, spec)
    except BenchBroken as err:
        print(f"\nBROKEN: {err}", file=sys.stderr)
        return 1
    finally:
        connections.close_all()
        if not args.keep_db:
            drop_database(args.db_name)
            shutil.rmtree(MEDIA_DIR, ignore_errors=True)

    results["load"] = {"before": load_before, "after": os.getloadavg(), "cpus": os.cpu_count()}
    results["cpu"] = {"before": cpu_before, "after": cpu_reference()}
    text = report(results, spec, generation)
    print("\n" + text)
    (OUT_DIR / "results.json").write_text(
        json.dumps({"spec": vars(spec), **results}, ensure_ascii=False, indent=2)
    )
    if args.profile:
        print_profile(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
