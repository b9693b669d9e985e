"""``python -m bench reports``: the monthly 创建工作 reports of a district of half a million.

A district of 500,000 residents in 170,000 households (5 streets, 50 communities, 300
grids, 3,000 buildings with 9,000 单元, places, grid workers) is generated into a scratch
PostgreSQL database by INSERT … SELECT over generate_series and kept there between runs
(``--rebuild`` makes it again; a changed size, generator or migration history makes it
again by itself). The 民族 mix differs by community (from 3 % to 45 % minority; 回族,
维吾尔族, 哈萨克族, 蒙古族, 满族 … most often), ages run from newborn to 90, 8 % of residents
are floating, 4 % have left (moved out or died in March 2026).

Measured, in one process, for last month's period (2026-11):

  baseline   one plain ``GROUP BY`` over the ledger: households, residents, minority and
             floating residents on the ledger that day for every community of the district
  community  ``report_generate`` for one community (its report and its grids' kept counts
             deleted before each run, so each writes a version from the ledger itself):
             the first run, then the median of ``--repeat``
  docx       the community's report exported to Word (``reports.docx.report_docx``),
             median of ``--repeat``
  district   the whole district's run through the task path: ``report_run_create``, whose
             task (``run_report_run`` → ``report_run_execute``) runs on commit, eagerly in
             this process as without Redis; every reporting unit's report and every
             grid's kept counts deleted first
  dashboard  ``reports.dashboard.dashboard_data`` for the district, a street and a
             community: 3 calls with nothing kept, 5 after a write to one of its grids,
             5 after a write elsewhere (``figures_changed()``: the payload recomputed
             from the grids' kept counts) and 15 warm ones, median and p95; the cache is
             the settings' without Redis, Django's locmem cache in this process

Each is checked (the community's figures against the baseline's row, the run done with
every report generated), so a broken report can't look fast. Exits non-zero only when
something broke, never for a missed aim.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time

import psycopg
from psycopg import sql

from .env import OUT_DIR, ROOT, admin_url, configure, scratch_url, setup_django

DEFAULT_DB_NAME = os.environ.get("BENCH_REPORTS_DB", "benchrep_district")
HOUSEHOLDS = 170_000
RESIDENTS = 500_000
STREETS, COMMUNITIES, GRIDS = 5, 10, 6  # per district, per street, per community
BUILDINGS, UNITS = 10, 3  # per grid, per building
PERIOD = (2026, 11)
AIM_COMMUNITY_SECONDS = 2.0  # one community's report with its .docx
AIM_DISTRICT_SECONDS = 60.0  # every report of the district, through the task path
AIM_DASHBOARD_WARM_P95 = 0.050  # the district's dashboard from the cache
AIM_DASHBOARD_COLD_P95 = 0.300  # the district's dashboard computed (every figure stale)
DASHBOARD_COLD, DASHBOARD_WARM = 5, 15  # calls per unit
DASHBOARD_UNITS = (("district", "BR"), ("street", "BR3"), ("community", "BR3C03"))
# Part of the cache key: bump it when the generated data changes.
GENERATOR_VERSION = 2  # 2: 去向 of those moved out
META_TABLE = "bench_reports_meta"

# Minority 民族, repeated by how often they appear (a north-western city's mix).
MINORITY_WEIGHTS = {
    "回族": 8,
    "维吾尔族": 6,
    "哈萨克族": 3,
    "蒙古族": 2,
    "满族": 2,
    "藏族": 1,
    "土家族": 1,
    "壮族": 1,
    "锡伯族": 1,
    "柯尔克孜族": 1,
    "东乡族": 1,
    "撒拉族": 1,
    "朝鲜族": 1,
    "苗族": 1,
}
# Minority residents per 1000, by community index mod 5.
MINORITY_PER_MILLE = (30, 80, 150, 250, 450)

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡")
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"]
GIVEN += ["明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "玉兰", "建国"]


class BenchBroken(Exception):
    """A phase did not do what it was measured doing."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise BenchBroken(message)


# --- the scratch database ----------------------------------------------------------------------


def _spec_text(args) -> str:
    return json.dumps({"v": GENERATOR_VERSION, "households": args.households, "residents": args.residents})


def _cached(name: str, spec: str) -> bool:
    """The database holds this spec's data, migrated by migrations this tree still has."""
    try:
        with psycopg.connect(scratch_url(name)) as conn:
            row = conn.execute(f"SELECT spec FROM {META_TABLE}").fetchone()  # noqa: S608 (a constant)
            applied = conn.execute("SELECT app, name FROM django_migrations").fetchall()
    except psycopg.Error:
        return False
    ours = {(path.parent.parent.name, path.stem) for path in ROOT.glob("*/migrations/0*.py")}
    foreign = {(app, migration) for app, migration in applied if app in {a for a, _ in ours}} - ours
    return bool(row) and row[0] == spec and not foreign


def ensure_database(args) -> float | None:
    """The scratch database with the generated district: the seconds it took to make now,
    or None when the cached one was used."""
    if not args.db_name.startswith("benchrep_"):
        raise BenchBroken(f"--db-name {args.db_name!r}: the reports bench only uses names starting benchrep_")
    spec = _spec_text(args)
    if not args.rebuild and _cached(args.db_name, spec):
        configure(scratch_url(args.db_name))
        setup_django()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)  # a newer tree's indexes, say
        return None
    started = time.perf_counter()
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.db_name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(args.db_name)))
    configure(scratch_url(args.db_name))
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    generate(args.households, args.residents)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {META_TABLE} (spec text)")
        cursor.execute(f"INSERT INTO {META_TABLE} VALUES (%s)", [spec])  # noqa: S608 (a constant)
    return time.perf_counter() - started


def _tree() -> list[tuple[int, int, int]]:
    """区 → 街道 → 社区 → 网格 through the real action; (grid, community, community index)."""
    from grid.actions import org_unit_create
    from grid.models import OrgLevel

    district = org_unit_create(parent=None, level=OrgLevel.DISTRICT, code="BR", name="团结区")
    grids = []
    index = 0
    for s in range(1, STREETS + 1):
        street = org_unit_create(parent=district, level=OrgLevel.STREET, code=f"BR{s}", name=f"第{s}街道")
        for c in range(1, COMMUNITIES + 1):
            community = org_unit_create(
                parent=street, level=OrgLevel.COMMUNITY, code=f"BR{s}C{c:02d}", name=f"{s}街道{c}社区"
            )
            for g in range(1, GRIDS + 1):
                grid = org_unit_create(
                    parent=community, level=OrgLevel.GRID, code=f"BR{s}C{c:02d}G{g}", name=f"{c}社区{g}网格"
                )
                grids.append((grid.pk, community.pk, index))
            index += 1
    return grids


def _grid_workers(grids: list[tuple[int, int, int]]) -> None:
    """A 网格员 for every grid but one in twelve (so 存在问题 has grids to name)."""
    from django.contrib.auth import get_user_model

    from grid.models import Profile, Role

    User = get_user_model()
    staffed = [grid for n, (grid, _, _) in enumerate(grids) if n % 12 != 5]
    users = User.objects.bulk_create(
        [User(username=f"br-gw-{grid}", password="!", first_name="网格员") for grid in staffed]  # noqa: S106
    )
    Profile.objects.bulk_create(
        [
            Profile(user=user, org_unit_id=grid, role=Role.GRID_WORKER)
            for user, grid in zip(users, staffed, strict=True)
        ]
    )


def generate(households: int, residents: int) -> None:
    """The tree through the real actions, then buildings, 单元, places and the ledger in
    INSERT … SELECT statements. Households fill the 单元 in order (as community-by-community
    imports leave them); members follow their household. Names, 民族, ages, status and
    residence are drawn by hashint8 of the row number, each from its own stream."""
    from django.db import connection, transaction

    from residents.models import Ethnicity

    started = time.perf_counter()
    grids = _tree()
    _grid_workers(grids)
    han = Ethnicity.objects.get(name="汉族").pk
    by_name = dict(Ethnicity.objects.filter(name__in=MINORITY_WEIGHTS).values_list("name", "pk"))
    minorities = [by_name[name] for name, weight in MINORITY_WEIGHTS.items() for _ in range(weight)]
    grid_ids = [g for g, _, _ in grids]
    with transaction.atomic(), connection.cursor() as cursor:
        # Buildings: 1号楼 … 10号楼 per grid; 楼栋长 in nine of ten, 单元长 in four of five.
        cursor.execute(
            """
            INSERT INTO grid_building (grid_id, number, position, address, head_name, head_phone)
            SELECT g.grid, b || '号楼', b, '团结路' || g.n || '号院' || b || '号楼',
                CASE WHEN (g.n * 10 + b) %% 10 <> 3 THEN '楼栋长' || g.n || '-' || b ELSE '' END, ''
            FROM unnest(%s::bigint[]) WITH ORDINALITY AS g(grid, n), generate_series(1, %s) AS b
            ORDER BY g.n, b
            """,
            [grid_ids, BUILDINGS],
        )
        cursor.execute(
            """
            INSERT INTO grid_unit (building_id, number, position, head_name, head_phone)
            SELECT b.id, u || '单元', u, CASE WHEN (b.id + u) %% 5 <> 0 THEN '单元长' || b.id || '-' || u ELSE '' END, ''
            FROM grid_building b, generate_series(1, %s) AS u
            ORDER BY b.id, u
            """,
            [UNITS],
        )
        # Places: a school or shop per grid, a mosque in every grid of the more minority communities.
        cursor.execute(
            """
            INSERT INTO grid_place (grid_id, kind, name, address, head_name, head_phone, note)
            SELECT g.grid, CASE WHEN g.n %% 3 = 0 THEN 'school' ELSE 'shop' END,
                CASE WHEN g.n %% 3 = 0 THEN '团结' || g.n || '小学' ELSE '便民商店' || g.n END, '', '', '', ''
            FROM unnest(%s::bigint[]) WITH ORDINALITY AS g(grid, n)
            UNION ALL
            SELECT g.grid, 'religious', '清真寺' || g.n, '', '', '', ''
            FROM unnest(%s::bigint[], %s::int[]) WITH ORDINALITY AS g(grid, community, n)
            WHERE g.community %% 5 = 4 AND g.n %% 3 = 1
            """,
            [grid_ids, grid_ids, [c for _, _, c in grids]],
        )
        cursor.execute(
            """
            INSERT INTO residents_household (community_id, grid_id, building_id, unit_id, room, address,
                number, kind, phone, is_dibao, is_hardship, is_empty_nest, is_elderly_alone, landlord_name,
                landlord_phone, closed_on, created_at, updated_at)
            SELECT p.community_id, b.grid_id, b.id, u.id, (i %% 30 + 101)::text, '团结路' || i || '号',
                lpad(i::text, 7, '0'), CASE WHEN i %% 9 = 0 THEN 'rental' ELSE 'registered' END,
                '138' || lpad((i %% 100000000)::text, 8, '0'),
                i %% 23 = 0, i %% 31 = 0, i %% 17 = 0, i %% 29 = 0, '', '',
                CASE WHEN i %% 50 = 0 THEN DATE '2024-06-01' END, now(), now()
            FROM generate_series(0::bigint, %s::bigint - 1) AS i
            JOIN (SELECT id, building_id, row_number() OVER (ORDER BY id) AS n FROM grid_unit) u
              ON u.n = i * (SELECT count(*) FROM grid_unit) / %s + 1
            JOIN grid_building b ON b.id = u.building_id
            JOIN unnest(%s::bigint[], %s::bigint[]) AS p(grid_id, community_id) ON p.grid_id = b.grid_id
            ORDER BY i
            """,
            [households, households, grid_ids, [c for _, c, _ in grids]],
        )
        cursor.execute("SELECT min(id) FROM residents_household")
        (first,) = cursor.fetchone()
        communities = len(grids) // GRIDS
        # h: the household's index; its community's index is h * communities / households
        # (households fill the tree in order); its minority share follows that index mod 5.
        cursor.execute(
            """
            INSERT INTO residents_resident (household_id, relation, name, gender, birth_date, id_number,
                ethnicity_id, phone, residence_status, moved_in_on, origin, political_status, education,
                employment, is_dibao, is_disabled, is_elderly_alone, is_empty_nest, is_left_behind_child,
                is_entitled, languages, status, status_date, departure, departure_place, leaving_reason,
                created_at, updated_at)
            SELECT %(first)s + h,
                CASE WHEN r = 0 OR h <> (r - 1) * %(hh)s / %(rr)s THEN 'head'
                     WHEN r %% 3 = 1 THEN 'spouse' ELSE 'child' END,
                (%(surnames)s::text[])[1 + abs(hashint8(r * 8 + 1)) %% %(ns)s]
                    || (%(given)s::text[])[1 + abs(hashint8(r * 8 + 2)) %% %(ng)s],
                (1 + abs(hashint8(r * 8 + 7)) %% 2)::text,
                DATE '1936-01-01' + (abs(hashint8(r * 8 + 0)) %% 33200)::int,
                '9' || lpad(r::text, 16, '0') || '0',
                CASE WHEN abs(hashint8(r * 8 + 3)) %% 1000
                          < (%(shares)s::int[])[1 + (h * %(cc)s / %(hh)s) %% 5]
                     THEN (%(minorities)s::bigint[])[1 + abs(hashint8(r * 8 + 4)) %% %(nm)s] ELSE %(han)s END,
                '139' || lpad((r %% 100000000)::text, 8, '0'),
                CASE WHEN abs(hashint8(r * 8 + 6)) %% 25 < 2 THEN 'floating' ELSE 'registered_present' END,
                CASE WHEN abs(hashint8(r * 8 + 6)) %% 25 < 2
                     THEN DATE '2020-01-01' + (abs(hashint8(r * 8 + 5)) %% 2500)::int END,
                '', 'masses', '', '', r %% 41 = 0, r %% 53 = 0, r %% 97 = 0, r %% 89 = 0, r %% 113 = 0,
                r %% 211 = 0, '',
                CASE WHEN abs(hashint8(r * 8 + 5)) %% 50 < 1 THEN 'moved_out'
                     WHEN abs(hashint8(r * 8 + 5)) %% 50 = 1 THEN 'deceased' ELSE 'active' END,
                CASE WHEN abs(hashint8(r * 8 + 5)) %% 50 < 2 THEN DATE '2026-03-01' END,
                CASE WHEN abs(hashint8(r * 8 + 5)) %% 50 < 1 THEN 'within_district' ELSE '' END, '', '', now(), now()
            FROM generate_series(0::bigint, %(rr)s::bigint - 1) AS r,
                LATERAL (SELECT r * %(hh)s / %(rr)s AS h) AS x
            ORDER BY r
            """,
            {
                "first": first,
                "hh": households,
                "rr": residents,
                "cc": communities,
                "surnames": SURNAMES,
                "ns": len(SURNAMES),
                "given": GIVEN,
                "ng": len(GIVEN),
                "shares": list(MINORITY_PER_MILLE),
                "minorities": minorities,
                "nm": len(minorities),
                "han": han,
            },
        )
    with connection.cursor() as cursor:
        for table in (
            "residents_household",
            "residents_resident",
            "grid_building",
            "grid_unit",
            "grid_place",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("ANALYZE grid_orgunit")
    print(
        f"· generated {len(grids) // GRIDS} communities, {households:,} households, {residents:,} residents "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


# --- the phases --------------------------------------------------------------------------------

# The district's figures in one statement: what the reports' 基本情况 says of each community
# (on the ledger on the period's last day), without the app. Resident.objects.on_ledger_at's
# condition, written out.
BASELINE_SQL = """
SELECT h.community_id,
       count(DISTINCT r.household_id) AS households,
       count(*) AS residents,
       count(*) FILTER (WHERE e.is_minority) AS minority,
       count(*) FILTER (WHERE r.residence_status = 'floating') AS floating
FROM residents_resident r
JOIN residents_household h ON h.id = r.household_id
JOIN residents_ethnicity e ON e.id = r.ethnicity_id
WHERE (r.moved_in_on IS NULL OR r.moved_in_on <= %(day)s)
  AND (r.status = 'active' OR r.status_date > %(day)s)
  AND r.status <> 'merged'
GROUP BY h.community_id
"""


def period():
    from core.periods import Period

    return Period.month(*PERIOD)


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def measure_baseline(repeat: int) -> dict:
    from django.db import connection

    day = period().end
    times, rows = [], None
    for _ in range(repeat):
        with connection.cursor() as cursor:
            seconds, _ = timed(cursor.execute, BASELINE_SQL, {"day": day})
            rows = cursor.fetchall()
        times.append(seconds)
    check(rows is not None and len(rows) > 0, "baseline: no rows")
    by_community = {
        row[0]: {"households": row[1], "residents": row[2], "minority": row[3], "floating": row[4]}
        for row in rows
    }
    return {
        "runs": times,
        "median": statistics.median(times),
        "communities": len(rows),
        "by_community": by_community,
    }


def forget_reports(units) -> None:
    """The units' reports gone, so the next generation writes a version (not 'unchanged')."""
    from reports.models import ReportRun, ReportVersion, SummaryReport

    reports = SummaryReport.objects.filter(org_unit_id__in=[unit.pk for unit in units])
    ReportVersion.objects.filter(report__in=reports).delete()
    reports.delete()
    ReportRun.objects.all().delete()


def forget_counts(unit=None) -> None:
    """The grids' kept ledger counts (``residents.GridCounts``) of ``unit``'s subtree gone
    (every unit's without one), as after a write to each of its grids: what is timed then
    reads the ledger itself."""
    from residents.models import GridCounts

    rows = GridCounts.objects.all()
    if unit is not None:
        rows = rows.filter(grid__path__startswith=unit.path)
    rows.delete()


def docx_exporter():
    """The report's Word export (``reports.docx.report_docx(report, version) -> bytes``)."""
    from reports.docx import report_docx

    return report_docx


def measure_community(community, repeat: int, baseline: dict) -> dict:
    from reports.actions import GENERATED, report_generate
    from reports.models import Trigger

    when = period()
    runs = []
    version = None
    for _ in range(repeat + 1):
        forget_reports([community])
        forget_counts(community)
        seconds, generation = timed(report_generate, unit=community, period=when, trigger=Trigger.COMMAND)
        check(generation.outcome == GENERATED, f"community: outcome {generation.outcome}")
        runs.append(seconds)
        version = generation.version
    basic = version.figures["basic"]
    expected = baseline["by_community"][community.pk]
    got = {
        "households": basic["households"],
        "residents": basic["residents"],
        "minority": basic["minority_residents"],
        "floating": basic["floating_residents"],
    }
    check(got == expected, f"community {community.code}: the report says {got}, the baseline {expected}")
    result = {"first": runs[0], "warm": runs[1:], "median": statistics.median(runs[1:]), "figures": got}
    exporter = docx_exporter()
    docx_runs = []
    for _ in range(repeat):
        seconds, _ = timed(exporter, generation.report, version)
        docx_runs.append(seconds)
    result["docx"] = {"runs": docx_runs, "median": statistics.median(docx_runs), "name": exporter.__name__}
    return result


def measure_district() -> dict:
    from reports.actions import report_run_create, reporting_units
    from reports.models import RunStatus, Trigger

    units = reporting_units()
    forget_reports(units)
    forget_counts()
    seconds, run = timed(report_run_create, period=period(), trigger=Trigger.COMMAND)
    run.refresh_from_db()
    check(run.status == RunStatus.DONE, f"district run ended {run.status}: {run.message}")
    check(run.generated == len(units), f"district run generated {run.generated} of {len(units)}")
    return {"seconds": seconds, "reports": len(units), "per_second": len(units) / seconds}


def _p95(times: list[float]) -> float:
    """The 95th percentile, nearest rank (of 5 runs, the slowest; of 15, the 15th)."""
    ordered = sorted(times)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _spread(times: list[float]) -> dict:
    return {"runs": times, "median": statistics.median(times), "p95": _p95(times)}


def dashboard_units() -> list[tuple[str, object]]:
    """The district, its third street and that street's third community (the community
    report's 3街道3社区)."""
    from grid.models import OrgUnit

    return [(kind, OrgUnit.objects.get(code=code)) for kind, code in DASHBOARD_UNITS]


def measure_dashboard(
    cold: int = DASHBOARD_COLD, warm: int = DASHBOARD_WARM, baseline: dict | None = None
) -> dict:
    """``reports.dashboard.dashboard_data(unit, period)`` for the district, a street and a
    community, in four states, each ``cold`` calls (3 for ``first``) then ``warm`` ones:

    - ``first``: nothing kept (the unit's ``residents.GridCounts`` rows deleted, the
      figures' version bumped): the day's ledger counted grid by grid, as on a day never asked for;
    - ``write``: one grid's ledger written (``ledger_changed`` of the unit's first grid, and
      the version bumped, as a resident's change does): that grid counted again;
    - ``cold``: a write elsewhere (``figures_changed()`` alone: a case, a role): the payload
      and the headlines computed again from the kept counts;
    - ``warm``: from the cache.

    The cache is the bench settings' (no ``REDIS_URL``): Django's locmem cache in this
    process, so a warm call is two in-process cache reads, no Redis round trip."""
    from django.conf import settings

    from core.reporting import figures_changed
    from reports.dashboard import dashboard_data
    from residents.queries import grids_under, ledger_changed

    when = period()
    out: dict = {"cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1], "units": {}}
    for kind, unit in dashboard_units():
        first_grid = grids_under(unit)[0].pk

        def nothing_kept(unit=unit) -> None:
            forget_counts(unit)
            figures_changed()

        def one_grid_written(grid: int = first_grid) -> None:
            ledger_changed([grid])
            figures_changed()

        runs: dict[str, list[float]] = {}
        data = None
        for state, before, times in (
            ("first", nothing_kept, min(cold, 3)),
            ("write", one_grid_written, cold),
            ("cold", figures_changed, cold),
        ):
            runs[state] = []
            for _ in range(times):
                before()
                seconds, data = timed(dashboard_data, unit, when)
                runs[state].append(seconds)
        runs["warm"] = [timed(dashboard_data, unit, when)[0] for _ in range(warm)]
        shown = {figure.key: figure.value for figure in data.figures}
        check(bool(data.charts), f"dashboard {unit.code}: no charts")
        check(shown.get("residents", 0) > 0, f"dashboard {unit.code}: no residents")
        if baseline is not None and kind == "district":
            expected = sum(row["residents"] for row in baseline["by_community"].values())
            check(
                shown["residents"] == expected,
                f"dashboard {unit.code}: {shown['residents']} residents, the baseline {expected}",
            )
        out["units"][kind] = {
            "code": unit.code,
            "name": unit.name,
            **{state: _spread(times) for state, times in runs.items()},
            "residents": shown["residents"],
        }
    return out


def measure_dashboard_page(cold: int = DASHBOARD_COLD, warm: int = DASHBOARD_WARM) -> dict:
    """The district's dashboard page (``reports:dashboard``, period 2026-11) through Django's
    test client, signed in as a 领导 of the district (``bench-dash-BR``, made once): the
    view, the template and the charts' JSON on top of ``dashboard_data``; cold after
    ``figures_changed()``, then warm."""
    import warnings

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from core.reporting import figures_changed
    from grid.actions import user_assign_role

    # WhiteNoise looks for collectstatic's output, which the bench does not make.
    warnings.filterwarnings("ignore", "No directory at")
    from grid.models import OrgUnit, Role

    district = OrgUnit.objects.get(code=DASHBOARD_UNITS[0][1])
    user, created = get_user_model().objects.get_or_create(username=f"bench-dash-{district.code}")
    if created or not hasattr(user, "profile"):
        user_assign_role(user=user, org_unit=district, role=Role.LEADER)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    url = f"{reverse('reports:dashboard')}?unit={district.pk}&period={period().key}"

    def get() -> None:
        response = client.get(url, secure=True)
        check(response.status_code == 200, f"dashboard page: HTTP {response.status_code}")

    cold_runs = []
    for _ in range(cold):
        figures_changed()
        cold_runs.append(timed(get)[0])
    warm_runs = [timed(get)[0] for _ in range(warm)]
    return {"cold": _spread(cold_runs), "warm": _spread(warm_runs)}


def profile_community(community) -> list[tuple[float, str]]:
    """Each query of one community's report generation with its time, slowest first."""
    from django.db import connection

    from reports.actions import report_generate
    from reports.models import Trigger

    forget_reports([community])
    queries: list[tuple[float, str]] = []

    def timer(execute, sql_text, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            queries.append((time.perf_counter() - started, sql_text))

    with connection.execute_wrapper(timer):
        report_generate(unit=community, period=period(), trigger=Trigger.COMMAND)
    return sorted(queries, reverse=True)


# --- the report --------------------------------------------------------------------------------


def mark(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(results: dict, args) -> str:
    built = results["built"]
    base, com, dis = results["baseline"], results["community"], results["district"]
    lines = [
        f"Reports: {args.households:,} households, {args.residents:,} residents in "
        f"{base['communities']} communities ({args.db_name}, "
        + (f"generated now in {built:.0f} s" if built is not None else "from the cache")
        + f"); period {PERIOD[0]}-{PERIOD[1]:02d}",
        "",
        f"{'phase':<62}{'seconds':>9}",
        f"{'baseline: one GROUP BY, every community (median of ' + str(len(base['runs'])) + ')':<62}"
        f"{base['median']:>9.3f}",
        f"{'community report: first run in the process (cold)':<62}{com['first']:>9.3f}",
        f"{'community report: median of ' + str(len(com['warm'])) + ' warm runs':<62}{com['median']:>9.3f}",
    ]
    if com["docx"] is None:
        lines.append(f"{'community .docx export':<62}{'skipped':>9}  (reports.docx not importable)")
        docx = 0.0
    else:
        docx = com["docx"]["median"]
        lines.append(f"{'community .docx export (' + com['docx']['name'] + ')':<62}{docx:>9.3f}")
    lines.append(
        f"{'district: ' + str(dis['reports']) + ' reports via report_run_create (task on commit)':<62}"
        f"{dis['seconds']:>9.2f}  {dis['per_second']:.1f} reports/s"
    )
    dash = results["dashboard"]
    for kind, row in dash["units"].items():
        for state in ("first", "write", "cold", "warm"):
            times = row[state]
            label = f"dashboard {kind} {state}: median / p95 of {len(times['runs'])}"
            lines.append(f"{label:<62}{times['median']:>9.4f}  p95 {times['p95']:.4f}")
    for state in ("cold", "warm") if "page" in dash else ():
        times = dash["page"][state]
        label = f"dashboard page, district leader, {state}: median / p95 of {len(times['runs'])}"
        lines.append(f"{label:<62}{times['median']:>9.4f}  p95 {times['p95']:.4f}")
    community_total = com["median"] + docx
    ratio = dis["seconds"] / base["median"]
    lines += [
        "",
        f"community report{'' if com['docx'] is not None else ' (without .docx)'}: {community_total:.2f} s"
        f"{'':<6}aim < {AIM_COMMUNITY_SECONDS:.0f} s{'':<6}"
        + (
            mark(community_total < AIM_COMMUNITY_SECONDS)
            if com["docx"] is not None
            else mark(community_total < AIM_COMMUNITY_SECONDS) + " (without the .docx)"
        ),
        f"district run: {dis['seconds']:.1f} s{'':<6}aim < {AIM_DISTRICT_SECONDS:.0f} s{'':<6}"
        f"{mark(dis['seconds'] < AIM_DISTRICT_SECONDS)}",
        f"district run / baseline GROUP BY: {ratio:,.0f}×  (the baseline computes only the four headline figures)",
        f"district dashboard warm p95: {dash['units']['district']['warm']['p95'] * 1000:.1f} ms{'':<6}"
        f"aim < {AIM_DASHBOARD_WARM_P95 * 1000:.0f} ms{'':<6}"
        f"{mark(dash['units']['district']['warm']['p95'] < AIM_DASHBOARD_WARM_P95)}",
        f"district dashboard cold p95 (after a write elsewhere): {dash['units']['district']['cold']['p95'] * 1000:.0f} ms"
        f"{'':<6}aim < {AIM_DASHBOARD_COLD_P95 * 1000:.0f} ms{'':<6}"
        f"{mark(dash['units']['district']['cold']['p95'] < AIM_DASHBOARD_COLD_P95)}",
        f"district dashboard cold p95 (after a write to one of its grids): "
        f"{dash['units']['district']['write']['p95'] * 1000:.0f} ms{'':<6}"
        f"aim < {AIM_DASHBOARD_COLD_P95 * 1000:.0f} ms{'':<6}"
        f"{mark(dash['units']['district']['write']['p95'] < AIM_DASHBOARD_COLD_P95)}",
        f"district dashboard, nothing kept (a day never counted; the hourly refresh counts today's): "
        f"{dash['units']['district']['first']['median']:.2f} s",
        f"dashboard cache: {dash['cache']} (no REDIS_URL in the bench: in this process)",
        "",
        f"Load average (1 min) {results['load']['before'][0]:.2f} before, {results['load']['after'][0]:.2f} "
        f"after, on {os.cpu_count()} CPUs: other work on the machine slows every phase.",
    ]
    if results.get("profile"):
        lines += ["", "Slowest queries of one community's generation:"]
        for seconds, text in results["profile"][:8]:
            lines.append(f"  {seconds * 1000:8.1f} ms  {' '.join(text.split())[:150]}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench reports", description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=HOUSEHOLDS, help=f"households ({HOUSEHOLDS})")
    parser.add_argument("--residents", type=int, default=RESIDENTS, help=f"residents ({RESIDENTS})")
    parser.add_argument(
        "--db-name", default=DEFAULT_DB_NAME, help="scratch database, kept as the cache (benchrep_district)"
    )
    parser.add_argument("--rebuild", action="store_true", help="generate the database again")
    parser.add_argument("--drop", action="store_true", help="drop the scratch database at the end")
    parser.add_argument("--repeat", type=int, default=5, help="warm runs of the community report (5)")
    parser.add_argument("--skip-district", action="store_true", help="skip the whole district's run")
    parser.add_argument(
        "--profile", action="store_true", help="also list the community report's slowest queries"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    OUT_DIR.mkdir(exist_ok=True)
    load_before = os.getloadavg()
    try:
        built = ensure_database(args)
    except BenchBroken as err:
        print(f"\nBROKEN: {err}", file=sys.stderr)
        return 1
    from django.db import connections

    from grid.models import OrgLevel, OrgUnit

    # A community in the middle of the district, with a 15 % minority share.
    community = OrgUnit.objects.filter(level=OrgLevel.COMMUNITY).order_by("path")[22]
    results: dict = {"built": built}
    try:
        print("· baseline: one GROUP BY over the ledger …", flush=True)
        results["baseline"] = measure_baseline(args.repeat)
        print(f"· one community's report ({community.name}) …", flush=True)
        results["community"] = measure_community(community, args.repeat, results["baseline"])
        if args.skip_district:
            results["district"] = {"seconds": float("nan"), "reports": 0, "per_second": float("nan")}
        else:
            print("· the whole district's run (report_run_create, task on commit) …", flush=True)
            results["district"] = measure_district()
        print("· the dashboard: district, street, community, cold and warm …", flush=True)
        results["dashboard"] = measure_dashboard(baseline=results["baseline"])
        results["dashboard"]["page"] = measure_dashboard_page()
        if args.profile:
            results["profile"] = profile_community(community)
    except BenchBroken as err:
        print(f"\nBROKEN: {err}", file=sys.stderr)
        return 1
    finally:
        connections.close_all()
        if args.drop:
            with psycopg.connect(admin_url(), autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.db_name))
                )
    results["load"] = {"before": load_before, "after": os.getloadavg()}
    print("\n" + report(results, args))
    saved = {k: v for k, v in results.items() if k != "profile"}
    saved["baseline"] = {k: v for k, v in saved["baseline"].items() if k != "by_community"}
    (OUT_DIR / "reports-results.json").write_text(
        json.dumps(saved, ensure_ascii=False, indent=2, default=str)
    )
    return 0
