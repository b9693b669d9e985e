"""One measured phase, alone in a fresh process: ``python -m bench.phase NAME FILE OUT.json``.

A process of its own gives each phase a clean heap, so its peak RSS (``VmHWM``) is
its own and not what an earlier phase left behind. The figure is the whole process's
peak, Django included; ``setup_rss_mb`` is what the process held before the phase began.

Phases:
  floor     read the file with python-calamine, then one COPY of the raw cells
  openpyxl  read the file with openpyxl in read-only mode (for information)
  ours      ledger_import_create + ledger_import_commit, the real import path
  plain     django-import-export's default ModelResource on a slice (see bench.plain)
  write-floor  the rows ours wrote, COPYed again into the real tables (for information)
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import resource
import time
from pathlib import Path

from .env import FLOOR_TABLE, setup_django
from .ledger import COMMUNITY_CODE


def _rss_mb() -> float:
    """This process's peak resident set (VmHWM), in MB.

    Not ``ru_maxrss``: Linux carries the parent's high-water mark over fork and exec into
    it, so a small child would report the parent's figure.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def floor(path: Path) -> dict:
    import psycopg
    import python_calamine

    started = time.perf_counter()
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    cells = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    read_seconds = time.perf_counter() - started
    rows = cells[1:]
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cursor:
        with cursor.copy(f"COPY {FLOOR_TABLE} FROM STDIN") as copy:
            for row in rows:
                copy.write_row([str(c) if c != "" else None for c in row])
        conn.commit()
    return {
        "seconds": time.perf_counter() - started,
        "rows": len(rows),
        "read_seconds": read_seconds,
        "copy_seconds": time.perf_counter() - started - read_seconds,
    }


def write_floor() -> dict:
    """The database's own share of ours: the rows the import just wrote, copied out, the
    tables emptied, then the same rows COPYed back into the real tables (their indexes,
    unique and foreign-key checks) in one transaction. Only the COPY back and COMMIT are timed."""
    import psycopg
    from psycopg import sql

    from .env import WRITTEN_TABLES

    saved: dict[str, bytes] = {}
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        for table in WRITTEN_TABLES:
            chunks = []
            with conn.cursor().copy(
                sql.SQL("COPY {} TO STDOUT (FORMAT binary)").format(sql.Identifier(table))
            ) as copy:
                chunks.extend(bytes(chunk) for chunk in copy)
            saved[table] = b"".join(chunks)
        conn.execute(
            sql.SQL("TRUNCATE {} CASCADE").format(sql.SQL(", ").join(map(sql.Identifier, WRITTEN_TABLES)))
        )
        conn.commit()
        started = time.perf_counter()
        spent = {}
        with conn.transaction():
            for table in WRITTEN_TABLES:
                begun = time.perf_counter()
                statement = sql.SQL("COPY {} FROM STDIN (FORMAT binary)").format(sql.Identifier(table))
                with conn.cursor().copy(statement) as copy:
                    copy.write(saved[table])
                spent[table] = time.perf_counter() - begun
            copied = time.perf_counter()
        finished = time.perf_counter()
    return {
        "seconds": finished - started,
        "copy_seconds": copied - started,
        "commit_seconds": finished - copied,
        "tables": spent,
        "bytes": sum(len(b) for b in saved.values()),
    }


def openpyxl_read(path: Path) -> dict:
    from openpyxl import load_workbook

    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True)) - 1
    workbook.close()
    return {"seconds": time.perf_counter() - started, "rows": count}


# The import path's stages, timed by wrapping the names ``actions`` calls them by. A
# stage that is renamed is left out of the breakdown, never a reason to fail.
STAGES = ("open_ledger", "import_rows")


def _time_stages(module, spent: dict[str, float]) -> None:
    for name in STAGES:
        original = getattr(module, name, None)
        if original is None:
            continue

        def timed(*args, _original=original, _name=name, **kwargs):
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_name] = spent.get(_name, 0.0) + time.perf_counter() - started

        setattr(module, name, timed)


def ours(path: Path) -> dict:
    from grid.models import OrgUnit
    from residents.ledger_import import actions

    stages: dict[str, float] = {}
    _time_stages(actions, stages)
    community = OrgUnit.objects.get(code=COMMUNITY_CODE)
    started = time.perf_counter()
    with path.open("rb") as fh:
        ledger_import = actions.ledger_import_create(community=community, file=fh, file_name=path.name)
    created = time.perf_counter()
    ledger_import = actions.ledger_import_commit(import_id=ledger_import.pk)
    finished = time.perf_counter()
    return {
        "seconds": finished - started,
        "rows": ledger_import.total_rows,
        "create_seconds": created - started,
        "commit_seconds": finished - created,
        "stages": stages,
        "import": {
            "status": ledger_import.status,
            "new": ledger_import.new_count,
            "updated": ledger_import.updated_count,
            "unchanged": ledger_import.unchanged_count,
            "error": ledger_import.error_count,
            "message": ledger_import.message,
        },
    }


def plain(path: Path, slice_rows: int) -> dict:
    from grid.models import OrgUnit

    from . import plain as baseline

    return baseline.run(path, OrgUnit.objects.get(code=COMMUNITY_CODE), slice_rows)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.phase")
    parser.add_argument("phase", choices=("floor", "openpyxl", "ours", "plain", "write-floor"))
    parser.add_argument("file", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--slice", type=int, default=2000)
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the phase here")
    args = parser.parse_args()

    if args.phase in ("ours", "plain"):
        setup_django()
    setup_rss = _rss_mb()
    runs = {
        "floor": lambda: floor(args.file),
        "openpyxl": lambda: openpyxl_read(args.file),
        "ours": lambda: ours(args.file),
        "plain": lambda: plain(args.file, args.slice),
        "write-floor": write_floor,
    }
    if args.profile:
        profiler = cProfile.Profile()
        result = profiler.runcall(runs[args.phase])
        profiler.dump_stats(args.profile)
    else:
        result = runs[args.phase]()
    result.update(phase=args.phase, peak_rss_mb=_rss_mb(), setup_rss_mb=setup_rss)
    args.out.write_text(json.dumps(result, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
