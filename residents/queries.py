"""The ledger's figures for reports and dashboards, as SQL aggregates.

Every figure is "on the ledger that day" (``Resident.objects.on_ledger_at``) inside an org
unit's subtree (one prefix match on the grid's materialised path). Nothing here loads rows
into Python to count them; reports and dashboards read the ledger only through these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from grid.models import OrgUnit

from .models import ResidenceStatus, Resident

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


def ledger_figures(unit: OrgUnit, day: dt.date) -> LedgerFigures:
    base = residents_on_ledger(unit, day)
    totals = base.aggregate(
        residents=Count("pk"),
        households=Count("household", distinct=True),
        minority=Count("pk", filter=MINORITY),
        floating=Count("pk", filter=FLOATING),
        floating_minority=Count("pk", filter=FLOATING & MINORITY),
        ethnicities=Count("ethnicity", distinct=True),
        **{
            f"special_{name}": Count("pk", filter=Q(**{name: True})) for name in Resident.SPECIAL_GROUP_FIELDS
        },
    )
    by_ethnicity = (
        base.order_by()
        .values("ethnicity__name", "ethnicity__code")
        .annotate(n=Count("pk"))
        .order_by("-n", "ethnicity__code")
    )
    return LedgerFigures(
        unit_id=unit.pk,
        day=day,
        households=totals["households"],
        residents=totals["residents"],
        minority_residents=totals["minority"],
        minority_percent=percent(totals["minority"], totals["residents"]),
        ethnicity_count=totals["ethnicities"],
        by_ethnicity=[(row["ethnicity__name"], row["n"]) for row in by_ethnicity],
        floating_residents=totals["floating"],
        floating_minority=totals["floating_minority"],
        special_groups={name: totals[f"special_{name}"] for name in Resident.SPECIAL_GROUP_FIELDS},
    )


@dataclass(frozen=True)
class ChildFigures:
    unit: OrgUnit
    households: int
    residents: int
    minority_residents: int

    @property
    def minority_percent(self) -> Decimal:
        return percent(self.minority_residents, self.residents)


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
            )
        )
    return out
