"""Activities figures for an org unit and a period, as SQL aggregates.

Called only with a unit that passed ``grid.scope.unit_in_scope``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from core.periods import Period
from grid.models import OrgUnit
from residents.models import Household, Resident

from .models import (
    NOT_DONE,
    Decision,
    DecisionStatus,
    Honour,
    HonourLevel,
    Meeting,
    MeetingKind,
    Recipient,
    Visit,
    VisitReason,
)

# --- 走访慰问, 会议与决定, 荣誉 ----------------------------------------------------------------
#
# 走访慰问 (``visit_figures``), flow figures on the visit's own date (``visited_on``) inside the
# period, filed under the grid the household was in when it was visited:
#
# - 走访 ``visits``: the visits made; 走访户数 ``households``: the households visited, each once;
# - 少数民族家庭 ``minority_households``: of those, households with a member of a minority
#   民族 on the ledger on the period's last day (today while it runs) — the same
#   ``Ethnicity.is_minority`` the ledger's figures count (``residents.queries``);
# - 慰问金及物资折合 ``amount``: the sum of what was given, in 元;
# - by reason (节日慰问, 困难帮扶, 病困, 其他), and by grid (``visits_by_grid``, every grid of the
#   unit, those without a visit too) and by child unit (``visits_by_child``).
#
# 困难户 (``hardship_households``): households on the ledger flagged 低保户 or 困难户, or with a
# member on the ledger who is 残疾; ``unvisited_hardship`` those of them nobody visited in the
# period (and still on the ledger on its last day).
#
# 会议 (``meeting_figures``): meetings held in the period (``held_on``), by kind; 议定事项
# ``decisions``: the decisions of those meetings, ``done`` of them completed by the period's
# last day (``done_on`` on or before it, and still 已完成); ``done_in_period``: decisions
# completed on a day of the period, whichever meeting made them; 逾期 ``overdue``: a stock, as
# on the period's last day (today while it runs) — decisions of any meeting not 已完成 whose
# due date had passed.
#
# 荣誉 (``honour_figures``): honours awarded on a day of the period (``awarded_on``), by level
# (国家级 … 街道级) and each one listed.


def _stock_day(period: Period) -> dt.date:
    return min(period.end, timezone.localdate())


def _visits(unit: OrgUnit, period: Period) -> QuerySet[Visit]:
    return Visit.objects.in_unit(unit).filter(visited_on__range=(period.start, period.end))


def minority_member(day: dt.date, household: str = "household_id") -> Exists:
    """Whether the household (``household`` names its id in the outer query) has a member of a
    minority 民族 on the ledger on ``day``."""
    return Exists(
        Resident.objects.on_ledger_at(day).filter(
            household_id=OuterRef(household), ethnicity__is_minority=True
        )
    )


@dataclass
class ReasonFigures:
    reason: str
    label: str
    visits: int
    households: int


@dataclass
class VisitFigures:
    visits: int = 0
    households: int = 0
    minority_households: int = 0
    amount: Decimal = Decimal("0")
    by_reason: list[ReasonFigures] = field(default_factory=list)


def visit_figures(unit: OrgUnit, period: Period) -> VisitFigures:
    """Two queries: the totals, and by reason."""
    rows = _visits(unit, period)
    day = _stock_day(period)
    totals = rows.aggregate(
        visits=Count("pk"),
        households=Count("household_id", distinct=True),
        amount=Sum("amount"),
    )
    if not totals["visits"]:
        return VisitFigures()
    minority = (
        rows.annotate(minority=minority_member(day))
        .filter(minority=True)
        .aggregate(n=Count("household_id", distinct=True))["n"]
    )
    labels = dict(VisitReason.choices)
    by_reason = [
        ReasonFigures(row["reason"], str(labels[row["reason"]]), row["visits"], row["households"])
        for row in rows.values("reason")
        .annotate(visits=Count("pk"), households=Count("household_id", distinct=True))
        .order_by("reason")
    ]
    order = list(VisitReason.values)
    by_reason.sort(key=lambda r: order.index(r.reason))
    return VisitFigures(
        visits=totals["visits"],
        households=totals["households"],
        minority_households=minority,
        amount=totals["amount"] or Decimal("0"),
        by_reason=by_reason,
    )


def has_visits(unit: OrgUnit) -> bool:
    """Whether the unit records its visits here at all (any visit, any day)."""
    return Visit.objects.in_unit(unit).exists()


@dataclass
class UnitVisits:
    unit: OrgUnit
    visits: int
    households: int
    amount: Decimal


def _by_grid(unit: OrgUnit, period: Period) -> dict[int, dict]:
    return {
        row["grid_id"]: row
        for row in _visits(unit, period)
        .values("grid_id")
        .annotate(visits=Count("pk"), households=Count("household_id", distinct=True), amount=Sum("amount"))
        .order_by()
    }


def visits_by_grid(unit: OrgUnit, period: Period) -> list[UnitVisits]:
    """Every grid of ``unit``'s subtree in path order, with its visits in the period (0 too)."""
    counted = _by_grid(unit, period)
    grids = OrgUnit.objects.grids().filter(path__startswith=unit.path).order_by("path")
    out = []
    for grid in grids:
        row = counted.get(grid.pk, {})
        out.append(
            UnitVisits(grid, row.get("visits", 0), row.get("households", 0), row.get("amount") or Decimal(0))
        )
    return out


def visits_by_child(unit: OrgUnit, period: Period) -> list[UnitVisits]:
    """The unit's children (a community's grids, a street's communities …), each with the
    visits filed anywhere under it; a grid has none. Households visited are counted per
    child (a household is in one grid, so they add up)."""
    children = list(OrgUnit.objects.get_children(unit).order_by("path"))
    if not children:
        return []
    by_prefix = {child.path: UnitVisits(child, 0, 0, Decimal(0)) for child in children}
    width = len(children[0].path)
    grid_paths = dict(OrgUnit.objects.filter(pk__in=list(_by_grid(unit, period))).values_list("pk", "path"))
    for grid_id, row in _by_grid(unit, period).items():
        child = by_prefix.get(grid_paths.get(grid_id, "")[:width])
        if child is not None:
            child.visits += row["visits"]
            child.households += row["households"]
            child.amount += row["amount"] or Decimal(0)
    return list(by_prefix.values())


def grids_without_visits(unit: OrgUnit, period: Period) -> list[OrgUnit]:
    return [row.unit for row in visits_by_grid(unit, period) if not row.visits]


def hardship_households(unit: OrgUnit, day: dt.date) -> QuerySet[Household]:
    """困难户 of the unit on the ledger on ``day``: 低保户 or 困难户, or with a member 残疾."""
    disabled = Exists(
        Resident.objects.on_ledger_at(day).filter(household_id=OuterRef("pk"), is_disabled=True)
    )
    still = Q(closed_on__isnull=True) | Q(closed_on__gt=day)
    return (
        Household.objects.filter(grid__path__startswith=unit.path)
        .filter(still)
        .annotate(disabled_member=disabled)
        .filter(Q(is_dibao=True) | Q(is_hardship=True) | Q(disabled_member=True))
    )


def unvisited_hardship(unit: OrgUnit, period: Period) -> QuerySet[Household]:
    """困难户 nobody visited in the period, by grid and 户号."""
    visited = Visit.objects.filter(household_id=OuterRef("pk"), visited_on__range=(period.start, period.end))
    return (
        hardship_households(unit, _stock_day(period))
        .annotate(visited=Exists(visited))
        .filter(visited=False)
        .select_related("grid")
        .order_by("grid__path", "number")
    )


# 会议与议定事项 -------------------------------------------------------------------------------


@dataclass
class MeetingFigures:
    meetings: int = 0
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    unity_meetings: int = 0
    decisions: int = 0
    done: int = 0
    done_in_period: int = 0
    overdue: int = 0


def decisions_overdue(unit: OrgUnit, day: dt.date) -> QuerySet[Decision]:
    return Decision.objects.in_unit(unit).filter(status__in=NOT_DONE, due_on__lt=day)


def meeting_figures(unit: OrgUnit, period: Period) -> MeetingFigures:
    """Four queries: meetings by kind, decisions made and done, done in the period, overdue."""
    day = _stock_day(period)
    meetings = Meeting.objects.filter(
        community__path__startswith=unit.path, held_on__range=(period.start, period.end)
    )
    labels = dict(MeetingKind.choices)
    counts = {row["kind"]: row["n"] for row in meetings.values("kind").annotate(n=Count("pk")).order_by()}
    by_kind = [(str(labels[kind]), counts[kind]) for kind in MeetingKind.values if counts.get(kind)]
    made = Decision.objects.filter(meeting__in=meetings).aggregate(
        decisions=Count("pk"),
        done=Count("pk", filter=Q(status=DecisionStatus.DONE, done_on__lte=day)),
    )
    done_in_period = (
        Decision.objects.in_unit(unit)
        .filter(status=DecisionStatus.DONE, done_on__range=(period.start, period.end))
        .count()
    )
    return MeetingFigures(
        meetings=sum(counts.values()),
        by_kind=by_kind,
        unity_meetings=counts.get(MeetingKind.UNITY, 0),
        decisions=made["decisions"],
        done=made["done"],
        done_in_period=done_in_period,
        overdue=decisions_overdue(unit, day).count(),
    )


# 荣誉 -----------------------------------------------------------------------------------------


@dataclass
class HonourRow:
    title: str
    level: str
    recipient: str
    awarded_by: str
    awarded_on: dt.date


@dataclass
class HonourFigures:
    total: int = 0
    by_level: list[tuple[str, int]] = field(default_factory=list)
    honours: list[HonourRow] = field(default_factory=list)
    unit_honours: int = 0
    person_honours: int = 0


def honour_figures(unit: OrgUnit, period: Period) -> HonourFigures:
    """The honours awarded in the period (one query, counted by level from its rows: a unit
    has a handful a year), and the names of the residents among them (a second query, only
    when there are any: a unit without honours reads nothing of the ledger)."""
    rows = list(
        Honour.objects.filter(
            community__path__startswith=unit.path, awarded_on__range=(period.start, period.end)
        )
        .select_related("community")
        .order_by("awarded_on", "pk")
    )
    if not rows:
        return HonourFigures()
    names = dict(
        Resident.objects.filter(pk__in=[h.resident_id for h in rows if h.resident_id]).values_list(
            "pk", "name"
        )
    )
    labels = dict(HonourLevel.choices)
    counts = {level: sum(1 for h in rows if h.level == level) for level in HonourLevel.values}

    def recipient(honour: Honour) -> str:
        if honour.recipient == Recipient.UNIT:
            return honour.community.name
        return names.get(honour.resident_id, "") if honour.resident_id else honour.person_name

    return HonourFigures(
        total=len(rows),
        by_level=[(str(labels[level]), n) for level, n in counts.items() if n],
        honours=[
            HonourRow(h.title, str(labels[h.level]), recipient(h), h.awarded_by, h.awarded_on) for h in rows
        ],
        unit_honours=sum(1 for h in rows if h.recipient == Recipient.UNIT),
        person_honours=sum(1 for h in rows if h.recipient == Recipient.PERSON),
    )
