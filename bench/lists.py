"""``python -m bench lists``: the household and resident lists at half a million residents.

A district of 159,000 households and 482,000 residents (3 streets, 30 communities, 150
grids) is generated into a scratch PostgreSQL database by INSERT … SELECT over
generate_series — about a minute — and kept there between runs (``--rebuild`` makes it
again; a changed size makes it again by itself). The app is served by gunicorn with two
workers, as in the measurement this replaces, and each case is requested 15 times in turn
by the district leader, a street leader and a community staff member: page 1, a deep page
(200 of the households, 500 of the residents, or the last one a smaller scope has), and
page 1 filtered by a grid, by 少数民族 and by a searched name.

Every case is also served by the baseline in the same run: Django's Paginator over the
same queryset (the list's selector, order and per-row subqueries), OFFSET and COUNT(*) —
what the pages did before. Both must show the same rows (checked by their detail links),
so a broken list can't look fast. Prints median and p95 (nearest rank: of 15 requests,
the slowest) and the ratio of the medians; exits non-zero only when something broke.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import psycopg
from psycopg import sql

from .env import OUT_DIR, ROOT, admin_url, configure, scratch_url, setup_django

DEFAULT_DB_NAME = os.environ.get("BENCH_LISTS_DB", "bench_lists")
HOUSEHOLDS = 159_000
RESIDENTS = 482_000
STREETS, COMMUNITIES, GRIDS = 3, 10, 5  # per district, per street, per community
AIM_P95_MS = 150.0
# Part of the cache key: bump it when the generated data changes.
GENERATOR_VERSION = 3  # 3: 去向 of those moved out

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
]
GIVEN += ["霞", "平", "刚", "桂英", "建华", "文", "华", "红", "玉兰", "建国", "海燕", "志强", "晓东", "丹"]


class BenchBroken(Exception):
    """A case did not serve what it was measured serving."""


# --- the scratch database ----------------------------------------------------------------------


def _spec_text(args) -> str:
    return json.dumps({"v": GENERATOR_VERSION, "households": args.households, "residents": args.residents})


def _cached(name: str, spec: str) -> bool:
    """The database holds this spec's data, migrated by migrations this tree still has (one
    another branch migrated differently is generated again: migrate would fail on it)."""
    try:
        with psycopg.connect(scratch_url(name)) as conn:
            row = conn.execute("SELECT spec FROM bench_lists_meta").fetchone()
            applied = conn.execute("SELECT app, name FROM django_migrations").fetchall()
    except psycopg.Error:
        return False
    ours = {(path.parent.parent.name, path.stem) for path in ROOT.glob("*/migrations/0*.py")}
    foreign = {(app, migration) for app, migration in applied if app in {a for a, _ in ours}} - ours
    return bool(row) and row[0] == spec and not foreign


def ensure_database(args) -> bool:
    """The scratch database with the generated district; True when it was made now."""
    spec = _spec_text(args)
    if not args.rebuild and _cached(args.db_name, spec):
        configure(scratch_url(args.db_name))
        setup_django()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)  # a newer tree's indexes, say
        return False
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
        cursor.execute("CREATE TABLE bench_lists_meta (spec text)")
        cursor.execute("INSERT INTO bench_lists_meta VALUES (%s)", [spec])
    return True


def generate(households: int, residents: int) -> None:
    """区 → 3 街道 → 30 社区 → 150 网格, then the ledger in two INSERT … SELECT statements.

    Households fill the grids in blocks (as community-by-community imports leave them);
    members follow their household. Names, 民族, status and residence are drawn by
    hashint8 of the row number, each from its own stream, so they don't line up with each
    other: 8 % of residents belong to a minority, 5 % are floating, 6 % have left (迁出/死亡);
    2 % of households are closed."""
    from django.db import connection, transaction

    from grid.actions import org_unit_create
    from grid.models import OrgLevel
    from residents.models import Ethnicity

    district = org_unit_create(parent=None, level=OrgLevel.DISTRICT, code="BL", name="基准区")
    grids = []
    for s in range(1, STREETS + 1):
        street = org_unit_create(parent=district, level=OrgLevel.STREET, code=f"BL{s}", name=f"第{s}街道")
        for c in range(1, COMMUNITIES + 1):
            community = org_unit_create(
                parent=street, level=OrgLevel.COMMUNITY, code=f"BL{s}C{c:02d}", name=f"{s}街道{c}社区"
            )
            for g in range(1, GRIDS + 1):
                grid = org_unit_create(
                    parent=community, level=OrgLevel.GRID, code=f"BL{s}C{c:02d}G{g}", name=f"{c}社区{g}网格"
                )
                grids.append((grid.pk, community.pk))
    han = Ethnicity.objects.get(name="汉族").pk
    minorities = list(
        Ethnicity.objects.filter(is_minority=True).order_by("code").values_list("pk", flat=True)
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO residents_household (community_id, grid_id, room, address, number, kind, phone,
                is_dibao, is_hardship, is_empty_nest, is_elderly_alone, landlord_name, landlord_phone,
                closed_on, created_at, updated_at)
            SELECT g.community, g.grid, (i %% 30 + 101)::text, '幸福路' || i || '号', lpad(i::text, 7, '0'),
                CASE WHEN i %% 7 = 0 THEN 'rental' ELSE 'registered' END,
                '138' || lpad((i %% 100000000)::text, 8, '0'),
                i %% 23 = 0, i %% 31 = 0, i %% 17 = 0, i %% 29 = 0, '', '',
                CASE WHEN i %% 50 = 0 THEN DATE '2024-06-01' END, now(), now()
            FROM generate_series(0::bigint, %s::bigint - 1) AS i
            JOIN unnest(%s::bigint[], %s::bigint[]) WITH ORDINALITY AS g(grid, community, n)
              ON g.n = i * %s / %s + 1
            ORDER BY i
            """,
            [households, [g for g, _ in grids], [c for _, c in grids], len(grids), households],
        )
        cursor.execute("SELECT min(id) FROM residents_household")
        (first_household,) = cursor.fetchone()
        cursor.execute(
            """
            INSERT INTO residents_resident (household_id, relation, name, gender, birth_date, id_number,
                ethnicity_id, phone, residence_status, moved_in_on, origin, political_status, education,
                employment, is_dibao, is_disabled, is_elderly_alone, is_empty_nest, is_left_behind_child,
                is_entitled, languages, status, status_date, departure, departure_place, leaving_reason,
                created_at, updated_at)
            SELECT %s + r * %s / %s,
                CASE WHEN r * %s / %s <> (r - 1) * %s / %s OR r = 0 THEN 'head'
                     WHEN r %% 3 = 1 THEN 'spouse' ELSE 'child' END,
                (%s::text[])[1 + abs(hashint8(r * 8 + 1)) %% %s] || (%s::text[])[1 + abs(hashint8(r * 8 + 2)) %% %s],
                (1 + r %% 2)::text, DATE '1940-01-01' + ((r * 37) %% 29000)::int,
                '9' || lpad(r::text, 16, '0') || '0',
                CASE WHEN abs(hashint8(r * 8 + 3)) %% 25 < 2
                     THEN (%s::bigint[])[1 + abs(hashint8(r * 8 + 4)) %% %s] ELSE %s END,
                '139' || lpad((r %% 100000000)::text, 8, '0'),
                CASE WHEN abs(hashint8(r * 8 + 6)) %% 20 = 0 THEN 'floating' ELSE 'registered_present' END,
                NULL, '', 'masses', '', '', r %% 41 = 0, r %% 53 = 0, false, false, false, false, '',
                CASE WHEN abs(hashint8(r * 8 + 5)) %% 50 < 2 THEN 'moved_out'
                     WHEN abs(hashint8(r * 8 + 5)) %% 50 = 2 THEN 'deceased' ELSE 'active' END,
                CASE WHEN abs(hashint8(r * 8 + 5)) %% 50 < 3 THEN DATE '2024-03-01' END,
                CASE WHEN abs(hashint8(r * 8 + 5)) %% 50 < 2 THEN 'within_district' ELSE '' END, '', '', now(), now()
            FROM generate_series(0::bigint, %s::bigint - 1) AS r
            ORDER BY r
            """,
            [
                first_household,
                households,
                residents,
                households,
                residents,
                households,
                residents,
                SURNAMES,
                len(SURNAMES),
                GIVEN,
                len(GIVEN),
                minorities,
                len(minorities),
                han,
                residents,
            ],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE residents_household")
        cursor.execute("VACUUM ANALYZE residents_resident")
        cursor.execute("ANALYZE grid_orgunit")
    print(
        f"· generated {households:,} households, {residents:,} residents in {time.perf_counter() - started:.0f} s"
    )


# --- people and their sessions -----------------------------------------------------------------


@dataclass
class Reader:
    label: str
    user: object
    cookie: str
    grid_pk: int


def readers() -> list[Reader]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from grid.actions import user_assign_role
    from grid.models import OrgLevel, OrgUnit, Role

    district = OrgUnit.objects.get(code="BL")
    street = OrgUnit.objects.get(code="BL2")
    community = OrgUnit.objects.get(code="BL2C05")
    people = [("district leader", district, Role.LEADER), ("street leader", street, Role.LEADER)]
    people.append(("community staff", community, Role.STAFF))
    out = []
    for label, unit, role in people:
        user, _ = get_user_model().objects.get_or_create(username=f"bench-{unit.code}")
        user_assign_role(user=user, org_unit=unit, role=role)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        # The backend that keeps users (axes' only guards signing in), as a real sign-in records it.
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        grid = OrgUnit.objects.filter(level=OrgLevel.GRID, path__startswith=unit.path).order_by("path")
        # A grid in the middle of the scope, so the filter is not simply the first rows.
        chosen = grid[grid.count() // 2]
        out.append(Reader(label, user, f"{settings.SESSION_COOKIE_NAME}={session.session_key}", chosen.pk))
    return out


SEARCH_KEY = "bench-search"  # the token a posted search would have put in the URL


def set_search(reader: Reader, term: str) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    from core import lists

    session = SessionStore(session_key=reader.cookie.split("=", 1)[1])
    for key in ("residents.households", "residents.residents"):
        session[lists.search_key(lists.get(key))] = {SEARCH_KEY: term}
    session.save()


# --- cases -------------------------------------------------------------------------------------


@dataclass
class Case:
    reader: Reader
    list_key: str
    label: str
    params: dict
    page: int  # page number: the baseline asks for it, the new list is given its cursor


def cases(all_readers: list[Reader], deep: dict[str, int]) -> list[Case]:
    out = []
    for reader in all_readers:
        for key, noun in (("residents.households", "households"), ("residents.residents", "residents")):
            out.append(Case(reader, key, f"{noun} page 1", {}, 1))
            out.append(Case(reader, key, f"{noun} deep page", {}, deep[key]))
            out.append(Case(reader, key, f"{noun} grid filter", {"grid": str(reader.grid_pk)}, 1))
            out.append(Case(reader, key, f"{noun} 少数民族", {"ethnicity": "minority"}, 1))
            out.append(Case(reader, key, f"{noun} minority deep", {"ethnicity": "minority"}, 20))
            out.append(Case(reader, key, f"{noun} search", {"search": SEARCH_KEY}, 1))
    return out


def resolve(case: Case) -> tuple[int, str]:
    """The page number the case can reach in its scope and the new list's cursor for it:
    the id of the last row of the page before, as 下一页 would carry it (found untimed)."""
    from core import lists

    spec = lists.get(case.list_key)
    data = {k: v for k, v in case.params.items() if k != "search"}
    if case.params.get("search"):
        from django.contrib.sessions.backends.db import SessionStore

        session = SessionStore(session_key=case.reader.cookie.split("=", 1)[1])
        data["q"] = session[lists.search_key(spec)][case.params["search"]]
    form = spec.form_class(data or None, user=case.reader.user)
    qs = spec.rows(case.reader.user, form.values()).order_by(*spec.order)
    page = case.page
    if page > 1:
        total = qs.count()
        page = max(1, min(page, math.ceil(total / spec.page_size)))
    if page == 1:
        return 1, ""
    pk = qs.values_list("pk", flat=True)[(page - 1) * spec.page_size - 1]
    # The capped count the first page found, as every cursor after it carries it.
    return page, lists.make_cursor(spec, "a", pk, page, min(total, spec.count_cap + 1))


LIST_PATHS = {"residents.households": "/residents/", "residents.residents": "/residents/people/"}
BASELINE_PATHS = {
    "residents.households": "/bench-baseline/households/",
    "residents.residents": "/bench-baseline/people/",
}
DETAIL_LINK = re.compile(r'href="(/residents/(?:households|people)/\d+/)"')


def fetch(port: int, path: str, cookie: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Cookie": cookie, "Host": "localhost"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return (time.perf_counter() - started) * 1000, response.status, body


def shown_rows(body: bytes) -> list[str]:
    return list(dict.fromkeys(DETAIL_LINK.findall(body.decode())))


def p95(samples: list[float]) -> float:
    """Nearest rank: of 15 samples, the 15th."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def measure(port: int, case: Case, requests: int) -> dict:
    page, cursor = resolve(case)
    query = dict(case.params)
    new_path = (
        LIST_PATHS[case.list_key] + "?" + urlencode({**query, **({"cursor": cursor} if cursor else {})})
    )
    base_path = BASELINE_PATHS[case.list_key] + "?" + urlencode({**query, "page": page})
    result = {"page": page}
    shown = {}
    # Taking turns, request by request: a machine that slows down weighs on both.
    times: dict[str, list[float]] = {"new": [], "baseline": []}
    for name, path in (("new", new_path), ("baseline", base_path)):
        _, status, body = fetch(port, path, case.reader.cookie)  # warm-up, not timed
        if status != 200:
            raise BenchBroken(f"{case.reader.label} {case.label} ({name}): HTTP {status} for {path}")
        shown[name] = shown_rows(body)
    if shown["new"] != shown["baseline"] or not shown["new"]:
        raise BenchBroken(
            f"{case.reader.label} {case.label}: the new list shows {len(shown['new'])} rows, the baseline "
            f"{len(shown['baseline'])}, or not the same ones"
        )
    for _ in range(requests):
        for name, path in (("new", new_path), ("baseline", base_path)):
            ms, status, _ = fetch(port, path, case.reader.cookie)
            if status != 200:
                raise BenchBroken(f"{case.reader.label} {case.label} ({name}): HTTP {status}")
            times[name].append(ms)
    for name, samples in times.items():
        result[name] = {"median": statistics.median(samples), "p95": p95(samples)}
    result["rows"] = len(shown["new"])
    return result


# --- the server --------------------------------------------------------------------------------


def port_taken(port: int) -> bool:
    """Whether something already listens on ``port`` (another session's server, say)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def serve(port: int, workers: int) -> subprocess.Popen:
    # Otherwise the wait below would find the other server answering and time it instead.
    if port_taken(port):
        raise BenchBroken(
            f"port {port} is already in use by another server: pass --port (or BENCH_LISTS_PORT)"
        )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.list_settings", "ALLOWED_HOSTS": "localhost"}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    # Our own interpreter running gunicorn on our own app: no outside input reaches the command.
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchBroken(f"gunicorn exited with {server.returncode} before it served a page")
        try:
            fetch(port, "/login/", "")
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise BenchBroken("gunicorn did not start within 60 s")


def report(results: list[tuple[Case, dict]], made: bool, args) -> str:
    lines = [
        f"Lists: {args.households:,} households, {args.residents:,} residents "
        f"({'generated now' if made else 'from the cached database'} {args.db_name}); "
        f"gunicorn -w {args.workers}; {args.requests} requests per case, ms",
        "",
        f"{'reader':<17}{'case':<26}{'page':>5}{'rows':>5}"
        f"{'new med':>9}{'new p95':>9}{'base med':>10}{'base p95':>10}{'base/new':>10}",
    ]
    worst = 0.0
    for case, r in results:
        new, base = r["new"], r["baseline"]
        worst = max(worst, new["p95"])
        lines.append(
            f"{case.reader.label:<17}{case.label:<26}{r['page']:>5}{r['rows']:>5}"
            f"{new['median']:>9.1f}{new['p95']:>9.1f}{base['median']:>10.1f}{base['p95']:>10.1f}"
            f"{base['median'] / new['median']:>9.1f}×"
        )
    mark = "PASS" if worst < AIM_P95_MS else "MISS"
    lines += ["", f"worst p95 of the new lists: {worst:.1f} ms{'':<6}aim < {AIM_P95_MS:.0f} ms{'':<6}{mark}"]
    lines.append(
        f"Load average (1 min) {os.getloadavg()[0]:.2f} at the end, on {os.cpu_count()} CPUs: "
        "other work on the machine slows every request."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench lists", description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=HOUSEHOLDS, help=f"households ({HOUSEHOLDS})")
    parser.add_argument("--residents", type=int, default=RESIDENTS, help=f"residents ({RESIDENTS})")
    parser.add_argument(
        "--db-name", default=DEFAULT_DB_NAME, help="scratch database, kept as the cache (bench_lists)"
    )
    parser.add_argument("--rebuild", action="store_true", help="generate the database again")
    parser.add_argument("--drop", action="store_true", help="drop the scratch database at the end")
    parser.add_argument("--requests", type=int, default=15, help="timed requests per case and side (15)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_LISTS_PORT", 8765)))
    parser.add_argument("--only", help="run only the cases whose label contains this text")
    args = parser.parse_args(argv)

    OUT_DIR.mkdir(exist_ok=True)
    made = ensure_database(args)
    all_readers = readers()
    set_search(all_readers[0], "张伟")
    set_search(all_readers[1], "张伟")
    set_search(all_readers[2], "张伟")
    chosen = cases(all_readers, {"residents.households": 200, "residents.residents": 500})
    if args.only:
        chosen = [c for c in chosen if args.only in f"{c.reader.label} {c.label}"]
    from django.db import connections

    connections.close_all()
    try:
        server = serve(args.port, args.workers)
    except BenchBroken as err:
        print(f"\nBROKEN: {err}", file=sys.stderr)
        return 1
    results = []
    try:
        for case in chosen:
            print(f"· {case.reader.label}: {case.label} …", flush=True)
            results.append((case, measure(args.port, case, args.requests)))
    except BenchBroken as err:
        print(f"\nBROKEN: {err}", file=sys.stderr)
        return 1
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        connections.close_all()
        if args.drop:
            with psycopg.connect(admin_url(), autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.db_name))
                )
    text = report(results, made, args)
    print("\n" + text)
    (OUT_DIR / "lists-results.json").write_text(
        json.dumps(
            [{"reader": c.reader.label, "case": c.label, **r} for c, r in results],
            ensure_ascii=False,
            indent=2,
        )
    )
    return 0
