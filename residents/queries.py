"""The ledger's figures for reports and dashboards, as SQL aggregates.

Every figure is "on the ledger that day" (``Resident.objects.on_ledger_at``) inside an org
unit's subtree (one prefix match on the grid's materialised path). Nothing here loads rows
into Python to count them; reports and dashboards read the ledger only through these.
Those they both call are ``@memoized``: a dashboard's section and charts share one run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from core.reporting import memoized
from grid.models import OrgUnit

from .models import Gender, Relation, ResidenceStatus, Resident

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


def _total_counts() -> dict[str, Count]:
    return {
        "residents": Count("pk"),
        "households": Count("household", distinct=True),
        "minority": Count("pk", filter=MINORITY),
        "floating": Count("pk", filter=FLOATING),
        "floating_minority": Count("pk", filter=FLOATING & MINORITY),
        "ethnicities": Count("ethnicity", distinct=True),
        **{
            f"special_{name}": Count("pk", filter=Q(**{name: True})) for name in Resident.SPECIAL_GROUP_FIELDS
        },
    }


def _totals_from(unit: OrgUnit, day: dt.date, totals: dict) -> LedgerFigures:
    return LedgerFigures(
        unit_id=unit.pk,
        day=day,
        households=totals["households"],
        residents=totals["residents"],
        minority_residents=totals["minority"],
        minority_percent=percent(totals["minority"], totals["residents"]),
        ethnicity_count=totals["ethnicities"],
        floating_residents=totals["floating"],
        floating_minority=totals["floating_minority"],
        special_groups={name: totals[f"special_{name}"] for name in Resident.SPECIAL_GROUP_FIELDS},
    )


@memoized
def ledger_totals(unit: OrgUnit, day: dt.date) -> LedgerFigures:
    """``ledger_figures`` without ``by_ethnicity``, from one aggregate of the counts alone:
    every figure of 基本情况's headline (the dashboard's period before needs no more)."""
    return _totals_from(unit, day, residents_on_ledger(unit, day).aggregate(**_total_counts()))


@memoized
def _totals_and_ages(unit: OrgUnit, day: dt.date) -> dict:
    """The totals and the age counts (``age_figures``) in one pass over the unit's ledger:
    the report and the dashboard need both, and each pass is the cost, not the counting."""
    return residents_on_ledger(unit, day).aggregate(**_total_counts(), **_age_counts(day))


@memoized
def ledger_figures(unit: OrgUnit, day: dt.date) -> LedgerFigures:
    """The totals (``_totals_and_ages``) with the 民族 breakdown, most first (a grouped query)."""
    by_ethnicity = (
        residents_on_ledger(unit, day)
        .order_by()
        .values("ethnicity__name", "ethnicity__code")
        .annotate(n=Count("pk"))
        .order_by("-n", "ethnicity__code")
    )
    return replace(
        _totals_from(unit, day, _totals_and_ages(unit, day)),
        by_ethnicity=[(row["ethnicity__name"], row["n"]) for row in by_ethnicity],
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
    (a drill-down row per 街道/社区/网格), in one grouped query on the path prefix."""
    children = list(OrgUnit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1))
    if not children:
        return []
    prefix_len = (unit.depth + 1) * OrgUnit.steplen
    rows = (
        residents_on_ledger(unit, day)
        .order_by()
        .annotate(child_path=Substr("household__grid__path", 1, prefix_len))
        .values("child_path")
        .annotate(
            residents=Count("pk"),
            households=Count("household", distinct=True),
            minority=Count("pk", filter=MINORITY),
            floating=Count("pk", filter=FLOATING),
        )
    )
    by_path = {row["child_path"]: row for row in rows}
    out = []
    for child in children:
        row = by_path.get(child.path, {})
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
    """Age groups and the 5-year pyramid by sex on ``day``: conditional counts in the same
    aggregate as the totals (``_totals_and_ages``, shared within a ``computation()``)."""
    totals = _totals_and_ages(unit, day)
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
