"""The ledger's figures for reports and dashboards, as SQL aggregates.

Every figure is "on the ledger that day" (``Resident.objects.on_ledger_at``) inside an org
unit's subtree. The ledger is counted per grid in grouped aggregates, never loaded into
Python row by row; a unit's figures add up its grids' counts, which are kept per grid and
day (``GridCounts``, below: a cache in a table, written here and forgotten by every ledger
write). Reports and dashboards read the ledger only through these; those they both call
are ``@memoized``: a dashboard's section and charts share one run.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.periods import Period
from core.reporting import memoized
from grid.models import OrgLevel, OrgUnit

from .models import (
    Departure,
    Ethnicity,
    Gender,
    GridCounts,
    LedgerStatus,
    Relation,
    ResidenceStatus,
    Resident,
)

MINORITY = Q(ethnicity__is_minority=True)
FLOATING = Q(residence_status=ResidenceStatus.FLOATING)


def percent(part: int, whole: int) -> Decimal:
    """``part`` of ``whole`` in percent, to one decimal (0.1%), rounded half up; 0 of nothing is 0."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LedgerFigures:
    """一、基本情况 of a unit on a day."""

    unit_id: int
    day: dt.date
    households: int  # 户数: households with at least one resident on the ledger that day
    residents: int  # 居民人数
    minority_residents: int  # 少数民族人口
    minority_percent: Decimal  # 少数民族人口占比, percent to 0.1
    ethnicity_count: int  # 民族数: how many 民族 (汉族 included) are present
    by_ethnicity: list[tuple[str, int]] = field(default_factory=list)  # (民族, 人数), most first
    floating_residents: int = 0  # 流动人口
    floating_minority: int = 0  # 少数民族流动人口
    # 特殊群体: {field name: count}, in Resident.SPECIAL_GROUP_FIELDS order.
    special_groups: dict[str, int] = field(default_factory=dict)

    def special_group_rows(self) -> list[tuple[str, int]]:
        """(中文名, 人数) for display."""
        return [
            (str(Resident._meta.get_field(name).verbose_name), n) for name, n in self.special_groups.items()
        ]


def residents_on_ledger(unit: OrgUnit, day: dt.date) -> QuerySet[Resident]:
    """Everyone on the ledger on ``day`` in ``unit`` and below it."""
    return Resident.objects.on_ledger_at(day).filter(household__grid__path__startswith=unit.path)


# --- the grids' counts ------------------------------------------------------------------------
#
# Every ledger figure of a unit is a sum over its grids: a household and a resident are in
# one grid, so the counts add up, and a rate is recomputed from the summed numerator and
# denominator; the number of 民族 is how many have a count above zero in the summed
# breakdown. Each grid's counts of a day are kept (``GridCounts``) the first time a figure
# needs them and deleted by every write to that grid's ledger, so a district's dashboard
# after a write elsewhere reads 500 kept rows instead of its 500,000 residents.


def _grid_count_fields(day: dt.date) -> dict[str, Count]:
    return {
        "residents": Count("pk"),
        "households": Count("household", distinct=True),
        "minority": Count("pk", filter=MINORITY),
        "floating": Count("pk", filter=FLOATING),
        "floating_minority": Count("pk", filter=FLOATING & MINORITY),
        **{
            f"special_{name}": Count("pk", filter=Q(**{name: True})) for name in Resident.SPECIAL_GROUP_FIELDS
        },
        **_age_counts(day),
    }


# Who has left the ledger by a day, as it now records them (迁出 by 去向, 死亡): a period's
# leavings are one day's count less the day's before it started (``leaving_figures``).
GONE_FIELDS = ("gone_deceased", *(f"gone_{value}" for value in Departure.values), "gone_unrecorded")


def _gone_field(status: str, departure: str) -> str:
    if status == LedgerStatus.DECEASED:
        return "gone_deceased"
    return f"gone_{departure or 'unrecorded'}"


def _count_names(day: dt.date) -> list[str]:
    return [*_grid_count_fields(day), *GONE_FIELDS]


def _count_grids(grids: list[OrgUnit], day: dt.date, *, whole: OrgUnit | None) -> dict[int, dict]:
    """The counts of ``grids`` on ``day`` from the ledger: two grouped passes (by grid; by
    grid and 民族) over ``whole``'s ledger when every grid under it is asked, else over
    those grids' households; and a third over those gone from it by then."""

    def within(residents: QuerySet[Resident]) -> QuerySet[Resident]:
        if whole is not None:
            return residents.filter(household__grid__path__startswith=whole.path)
        return residents.filter(household__grid_id__in=[grid.pk for grid in grids])

    on_ledger = within(Resident.objects.on_ledger_at(day))
    names = _count_names(day)
    counts: dict[int, dict] = {grid.pk: {**dict.fromkeys(names, 0), "ethnicity": {}} for grid in grids}
    for row in on_ledger.order_by().values("household__grid_id").annotate(**_grid_count_fields(day)):
        grid_id = row.pop("household__grid_id")
        if grid_id in counts:
            counts[grid_id].update(row)
    by_ethnicity = (
        on_ledger.order_by().values("household__grid_id", "ethnicity__code").annotate(n=Count("pk"))
    )
    for row in by_ethnicity:
        if row["household__grid_id"] in counts:
            counts[row["household__grid_id"]]["ethnicity"][row["ethnicity__code"]] = row["n"]
    # A duplicate merged into another record was never a second person: it never left.
    gone = within(
        Resident.objects.exclude(status__in=(LedgerStatus.ACTIVE, LedgerStatus.MERGED)).filter(
            status_date__lte=day
        )
    )
    for grid_id, status, departure, n in (
        gone.order_by().values_list("household__grid_id", "status", "departure").annotate(n=Count("pk"))
    ):
        if grid_id in counts:
            counts[grid_id][_gone_field(status, departure)] += n
    return counts


def _max_age() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "LEDGER_COUNTS_MAX_AGE", DEFAULT_COUNTS_MAX_AGE))


DEFAULT_COUNTS_MAX_AGE = 6 * 60 * 60


def grids_under(unit: OrgUnit) -> list[OrgUnit]:
    """The 网格 of ``unit``'s subtree (``unit`` itself if it is one), in path order."""
    return list(
        OrgUnit.objects.filter(path__startswith=unit.path, level=OrgLevel.GRID)
        .order_by("path")
        .only("pk", "path")
    )


@memoized
def grid_counts(unit: OrgUnit, day: dt.date) -> list[tuple[OrgUnit, dict]]:
    """Each grid under ``unit`` with its counts on ``day``: kept ones if fresh (younger than
    ``LEDGER_COUNTS_MAX_AGE``, the bound for a write that bypassed the actions), the rest
    counted now and kept."""
    return _kept_or_counted(unit, day, younger_than=_max_age())


def _kept_or_counted(
    unit: OrgUnit, day: dt.date, *, younger_than: dt.timedelta
) -> list[tuple[OrgUnit, dict]]:
    grids = grids_under(unit)
    if not grids:
        return []
    started = timezone.now()
    kept = dict(
        GridCounts.objects.filter(
            grid__path__startswith=unit.path, day=day, computed_at__gte=started - younger_than
        ).values_list("grid_id", "counts")
    )
    # A row of another shape (kept before a count was added to the fields) is counted again.
    shape = {*_count_names(day), "ethnicity"}
    missing = [grid for grid in grids if grid.pk not in kept or kept[grid.pk].keys() != shape]
    if missing:
        counted = _count_grids(missing, day, whole=unit if len(missing) == len(grids) else None)
        # The time it started, not the time it ended: a write that commits while this
        # counts deletes the grid's rows again on commit (``ledger_changed``), and a row
        # that still slips in between is stale for at most the max age.
        GridCounts.objects.bulk_create(
            [
                GridCounts(grid_id=pk, day=day, counts=counts, computed_at=started)
                for pk, counts in counted.items()
            ],
            update_conflicts=True,
            unique_fields=["grid", "day"],
            update_fields=["counts", "computed_at"],
        )
        kept.update(counted)
    return [(grid, kept[grid.pk]) for grid in grids]


def _added(rows) -> dict:
    """The counts of ``rows`` (grids' counts) added up, name by name: a district's 500 grids
    are 30,000 numbers, summed in C (``sum(map(…))``) rather than one by one in Python."""
    rows = list(rows)
    ethnicity: Counter = Counter()
    for counts in rows:
        ethnicity.update(counts["ethnicity"])
    names = [name for name in rows[0] if name != "ethnicity"] if rows else []
    total: dict = {name: sum(map(itemgetter(name), rows)) for name in names}
    total["ethnicity"] = ethnicity
    return total


@memoized
def unit_counts(unit: OrgUnit, day: dt.date) -> dict:
    """``unit``'s counts on ``day``: its grids' added up (see above); ``ethnicity`` is a
    ``Counter`` of 民族 code → 人数."""
    total = _added(counts for _grid, counts in grid_counts(unit, day))
    if len(total) == 1:  # no grid: every count is zero
        total.update(dict.fromkeys(_count_names(day), 0))
    return total


def ledger_changed(grid_ids) -> None:
    """The ledger of these grids has changed (a write in ``residents.actions``, an import):
    their kept counts of every day go, now and again when the write commits (a figure
    counted in between, from the rows before the commit, would otherwise be kept)."""
    grid_ids = {pk for pk in grid_ids if pk is not None}
    if not grid_ids:
        return
    GridCounts.objects.forget(grid_ids)
    transaction.on_commit(lambda: GridCounts.objects.forget(grid_ids))


def refreshed_days(today: dt.date) -> list[dt.date]:
    """The days a leader opens most: today (this month's dashboard), the end of last month
    (its report, the comparison) and of the month before (last month's comparison)."""
    last_month = Period.month(today.year, today.month).previous()
    return [today, last_month.end, last_month.previous().end]


def grid_counts_refresh(*, now: dt.datetime | None = None) -> int:
    """Keep every grid's counts of ``refreshed_days`` ready (hourly, ``residents.tasks``), so
    the first dashboard of the day, and of last month, reads kept rows as later ones do.
    A row past half the max age is counted again, so none expires between two runs; those
    past the max age go first (nothing reads them any more). Returns how many went."""
    now = now or timezone.now()
    forgotten = GridCounts.objects.filter(computed_at__lt=now - _max_age()).delete()[0]
    for day in refreshed_days(timezone.localdate(now)):
        for root in OrgUnit.get_root_nodes():
            _kept_or_counted(root, day, younger_than=_max_age() / 2)
    return forgotten


def _ethnicity_names() -> dict[str, str]:
    return dict(Ethnicity.objects.values_list("code", "name"))


def _totals_from(unit: OrgUnit, day: dt.date, totals: dict) -> LedgerFigures:
    return LedgerFigures(
        unit_id=unit.pk,
        day=day,
        households=totals["households"],
        residents=totals["residents"],
        minority_residents=totals["minority"],
        minority_percent=percent(totals["minority"], totals["residents"]),
        ethnicity_count=sum(1 for n in totals["ethnicity"].values() if n),
        floating_residents=totals["floating"],
        floating_minority=totals["floating_minority"],
        special_groups={name: totals[f"special_{name}"] for name in Resident.SPECIAL_GROUP_FIELDS},
    )


def ledger_totals(unit: OrgUnit, day: dt.date) -> LedgerFigures:
    """``ledger_figures`` without ``by_ethnicity``: every figure of 基本情况's headline."""
    return _totals_from(unit, day, unit_counts(unit, day))


@memoized
def ledger_figures(unit: OrgUnit, day: dt.date) -> LedgerFigures:
    """The totals with the 民族 breakdown, most first (ties by GB/T 3304 code)."""
    counts = unit_counts(unit, day)
    names = _ethnicity_names()
    by_ethnicity = sorted(
        ((code, n) for code, n in counts["ethnicity"].items() if n), key=lambda c: (-c[1], c[0])
    )
    return replace(
        _totals_from(unit, day, counts),
        by_ethnicity=[(names.get(code, code), n) for code, n in by_ethnicity],
    )


@dataclass(frozen=True)
class ChildFigures:
    unit: OrgUnit
    households: int
    residents: int
    minority_residents: int
    floating_residents: int = 0

    @property
    def minority_percent(self) -> Decimal:
        return percent(self.minority_residents, self.residents)


@memoized
def ledger_figures_by_child(unit: OrgUnit, day: dt.date) -> list[ChildFigures]:
    """Households, residents and minority residents of each unit one level below ``unit``
    (a drill-down row per 街道/社区/网格): its grids' counts added up."""
    children = list(OrgUnit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path"))
    if not children:
        return []
    prefix_len = (unit.depth + 1) * OrgUnit.steplen
    by_path: dict[str, list[dict]] = {}
    for grid, counts in grid_counts(unit, day):
        by_path.setdefault(grid.path[:prefix_len], []).append(counts)
    out = []
    for child in children:
        row = _added(by_path.get(child.path, []))
        out.append(
            ChildFigures(
                unit=child,
                households=row.get("households", 0),
                residents=row.get("residents", 0),
                minority_residents=row.get("minority", 0),
                floating_residents=row.get("floating", 0),
            )
        )
    return out


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (28 February for a 29 February that year lacks)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# 年龄结构 as the reports write it: 未成年人, 劳动年龄, 老年人 (60 岁及以上, 老年人权益保障法).
AGE_GROUPS: tuple[tuple[str, int, int | None], ...] = (
    ("18岁以下", 0, 18),
    ("18—59岁", 18, 60),
    ("60岁及以上", 60, None),
)
PYRAMID_STEP, PYRAMID_TOP = 5, 85  # 0–4 … 80–84, 85 and over


def _age_filter(day: dt.date, low: int, high: int | None) -> Q:
    """Aged at least ``low`` and under ``high`` on ``day``."""
    q = Q(birth_date__lte=years_before(day, low))
    if high is not None:
        q &= Q(birth_date__gt=years_before(day, high))
    return q


@dataclass(frozen=True)
class AgeFigures:
    day: dt.date
    groups: list[tuple[str, int]]  # (年龄段, 人数) in AGE_GROUPS order
    pyramid: list[tuple[str, int, int]]  # (年龄段, 男, 女), youngest first


def _bands() -> list[tuple[int, int | None]]:
    return [(low, low + PYRAMID_STEP) for low in range(0, PYRAMID_TOP, PYRAMID_STEP)] + [(PYRAMID_TOP, None)]


def _age_counts(day: dt.date) -> dict[str, Count]:
    counts: dict[str, Count] = {}
    for index, (_label, low, high) in enumerate(AGE_GROUPS):
        counts[f"group_{index}"] = Count("pk", filter=_age_filter(day, low, high))
    for index, (low, high) in enumerate(_bands()):
        for gender in Gender:
            counts[f"band_{index}_{gender.value}"] = Count(
                "pk", filter=_age_filter(day, low, high) & Q(gender=gender.value)
            )
    return counts


@memoized
def age_figures(unit: OrgUnit, day: dt.date) -> AgeFigures:
    """Age groups and the 5-year pyramid by sex on ``day``: from the grids' counts, as the
    totals (``unit_counts``)."""
    totals = unit_counts(unit, day)
    return AgeFigures(
        day=day,
        groups=[(label, totals[f"group_{index}"]) for index, (label, _, _) in enumerate(AGE_GROUPS)],
        pyramid=[
            (
                f"{low}岁以上" if high is None else f"{low}—{high - 1}岁",
                totals[f"band_{index}_{Gender.MALE.value}"],
                totals[f"band_{index}_{Gender.FEMALE.value}"],
            )
            for index, (low, high) in enumerate(_bands())
        ],
    )


def households_without_head(unit: OrgUnit, day: dt.date) -> int:
    """Households with someone on the ledger on ``day`` but no 户主 among them.

    One pass over the unit's ledger grouped by household (the two subqueries this replaced
    read it twice and the whole household table once: a third of a report's time at 500,000
    residents, docs/benchmarks.md "Reports")."""
    return (
        residents_on_ledger(unit, day)
        .order_by()
        .values("household_id")
        .annotate(heads=Count("pk", filter=Q(relation=Relation.HEAD)))
        .filter(heads=0)
        .count()
    )


@dataclass(frozen=True)
class LeavingFigures:
    """人口变动 of a unit in a period: who left the ledger, as the ledger now records them."""

    moved_out: int  # 迁出
    by_departure: dict[str, int]  # 去向 (a ``Departure`` value, "" where none was recorded) → 人数
    deceased: int  # 死亡

    @property
    def moved_within_district(self) -> int:
        return self.by_departure.get(Departure.WITHIN_DISTRICT, 0)

    @property
    def moved_out_of_district(self) -> int:
        """To another district, another city or abroad."""
        return self.moved_out - self.moved_within_district - self.departure_unrecorded

    @property
    def departure_unrecorded(self) -> int:
        return self.by_departure.get("", 0)

    def departure_rows(self) -> list[tuple[str, int]]:
        """(去向, 人数) in ``Departure`` order, those with nobody left out."""
        rows = [
            (label, self.by_departure[value])
            for value, label in Departure.choices
            if value in self.by_departure
        ]
        return rows + ([("去向未登记", self.departure_unrecorded)] if self.departure_unrecorded else [])


def leaving_figures(unit: OrgUnit, period: Period) -> LeavingFigures:
    """迁出 by 去向, and deaths, dated inside ``period`` (up to today) in ``unit``'s subtree:
    the grids' counts of those gone by its last day less those gone by the day before it
    began (both kept, like every ledger figure). Someone who moved out and has since come
    back (迁回) is on the ledger again and not counted: the figures say where the people
    gone from the ledger went."""
    end = unit_counts(unit, min(period.end, timezone.localdate()))
    before = unit_counts(unit, period.start - dt.timedelta(days=1))
    gone = {name: end[name] - before[name] for name in GONE_FIELDS}
    by_departure = {value: gone[f"gone_{value}"] for value in Departure.values if gone[f"gone_{value}"]}
    if gone["gone_unrecorded"]:
        by_departure[""] = gone["gone_unrecorded"]
    return LeavingFigures(
        moved_out=sum(by_departure.values()), by_departure=by_departure, deceased=gone["gone_deceased"]
    )
