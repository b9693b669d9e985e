"""``python -m bench duplicates``: finding 疑似重复登记 in a district of half a million.

Uses the reports bench's generated district (bench/reports.py: 500,000 residents, names drawn
from 40 surnames and 28 given names, birth dates over 90 years, so people of one name and
birth date in two households occur by chance, as in a real district) and measures, for the
district's 系统管理员 and for one community's 社区工作人员 (the scopes staff review in):

  baseline   ``COUNT(*)`` of the reader's residents on the ledger, through the same scope
             function: one pass over the rows the search reads
  ours       ``residents.duplicates.possible_duplicates(user)``: the grouped pass by name and
             birth date, the candidates' rows and the dismissals

Median of ``--repeat`` each, and the ratio; checked that the pairs found are pairs (same
name and birth date, two households). Exits non-zero only when something broke.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from .reports import DEFAULT_DB_NAME, HOUSEHOLDS, RESIDENTS, BenchBroken, ensure_database, timed


def _reader(username: str, unit, role: str):
    from django.contrib.auth import get_user_model

    from grid.models import Profile

    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"password": "!"})
    Profile.objects.update_or_create(user=user, defaults={"org_unit": unit, "role": role})
    return get_user_model().objects.get(pk=user.pk)


def measure(user, repeat: int) -> dict:
    from grid.scope import scope_queryset
    from residents.duplicates import possible_duplicates
    from residents.models import Resident

    base, ours, pairs = [], [], []
    for _ in range(repeat):
        seconds, count = timed(lambda: scope_queryset(user, Resident.objects.active()).count())
        base.append(seconds)
        seconds, pairs = timed(possible_duplicates, user)
        ours.append(seconds)
    for pair in pairs:
        if (pair.first.name, pair.first.birth_date) != (pair.second.name, pair.second.birth_date):
            raise BenchBroken(f"not a pair: {pair.first.pk}/{pair.second.pk}")
        if pair.first.household_id == pair.second.household_id:
            raise BenchBroken(f"one household: {pair.first.pk}/{pair.second.pk}")
    return {
        "residents": count,
        "pairs": len(pairs),
        "baseline": statistics.median(base),
        "ours": statistics.median(ours),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench duplicates", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each (5)")
    parser.add_argument("--db-name", default=DEFAULT_DB_NAME, help="the reports bench's scratch database")
    args = parser.parse_args(argv)
    args.households, args.residents, args.rebuild = HOUSEHOLDS, RESIDENTS, False
    try:
        ensure_database(args)
        from grid.models import OrgLevel, OrgUnit, Role

        district = OrgUnit.objects.get(level=OrgLevel.DISTRICT)
        community = OrgUnit.objects.filter(level=OrgLevel.COMMUNITY).order_by("path")[22]
        readers = [
            ("district 系统管理员", _reader("br-dup-admin", district, Role.ADMIN)),
            (f"community 社区工作人员 ({community.name})", _reader("br-dup-staff", community, Role.STAFF)),
        ]
        results = [(label, measure(user, args.repeat)) for label, user in readers]
    except BenchBroken as err:
        print(f"\nBROKEN: {err}", file=sys.stderr)
        return 1
    print(f"\n疑似重复登记, median of {args.repeat} (seconds)")
    print(f"{'reader':<44}{'residents':>10}{'pairs':>7}{'COUNT(*)':>10}{'ours':>9}{'ratio':>8}")
    for label, r in results:
        ratio = r["ours"] / r["baseline"] if r["baseline"] else float("nan")
        print(
            f"{label:<44}{r['residents']:>10,}{r['pairs']:>7}{r['baseline']:>10.3f}{r['ours']:>9.3f}{ratio:>7.1f}×"
        )
    return 0
