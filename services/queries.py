"""便民服务 figures for an org unit and a period, as SQL aggregates.

A ticket is counted where it is filed (``unit``: its community, or the grid it was reported
from), so a unit's figures are those of the tickets in its subtree. Flow figures, each on
its own date inside the period:

- 接待 ``received``: tickets whose ``received_on`` falls in the period, every kind;
- 咨询 ``consultations``: of those, the 咨询 (questions);
- 接件 ``accepted``: 办件 and 诉求 whose ``accepted_on`` falls in the period;
- 已办理 ``handled``: of the tickets accepted in the period, those closed by the period's
  last day (today while it runs) — 办结, 退回 with a reason, or 转办 to a department —
  ``completed``, ``returned`` and ``referred`` apart;
- **办结率** = 已办理 ÷ 接件, in percent to 0.1 (half up), None when nothing was accepted;
  **never 100% while anything is still open**: a rate that would round to 100.0 with a
  ticket open reads 99.9 (25,452 of 25,462 → 99.9%; 2,409 of 2,409 → 100%). A street or
  district computes it from its own counts, never by averaging its children's rates;
- 平均办理时长 ``average_days``: the mean of ``handling_days`` (working days from
  acceptance to closing, services.workdays) of the tickets 办结 in the period;
- 少数民族 ``minority``: received tickets whose applicant's 民族 is a minority one, and
  their share of all received (percent to 0.1);
- 少数民族服务窗口 ``minority_window``: window tickets received at a minority window, and
  their share of all window tickets;
- 民族成分变更 ``ethnic_changes``: tickets for that item 办结 in the period;
- 满意度: the ratings of tickets closed in the period: 满意, 基本满意, 不满意, and
  满意率 = (满意 + 基本满意) ÷ rated.

The same per channel (窗口, 信访, 热线, 网格上报, 线上), and received per window, item and
category. One stock figure, as on the period's last day (today while it runs): 逾期
``overdue``, tickets open then (受理, 办理中) past their deadline, and 信访 still waiting
for their acceptance decision past the 15 days; as for mediation, tickets that were open on
that day but have closed since are not counted.

Called only with a unit that passed ``grid.scope.unit_in_scope``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.periods import Period
from core.reporting import memoized
from grid.models import OrgUnit

from .models import (
    CLOSED,
    MATTER_OPEN,
    OPEN,
    Assistance,
    AssistanceKind,
    Category,
    Channel,
    Kind,
    MatterKind,
    MatterStatus,
    PracticalMatter,
    Satisfaction,
    Ticket,
    TicketStatus,
)

ETHNIC_CHANGE = "民族成分变更"
WORK_KINDS = (Kind.CASE, Kind.REQUEST)
# An item is named in 存在问题 when it has at least this many ratings in the period and
# fewer than this share of them 满意 or 基本满意.
LOW_SATISFACTION_MIN_RATINGS = 3
LOW_SATISFACTION_RATE = Decimal("80")
TENTH = Decimal("0.1")


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


def completion_rate(part: int, whole: int) -> Decimal | None:
    """办结率 to 0.1: half up, except that it never reads 100 while part < whole."""
    value = percent(part, whole)
    if value is not None and part < whole and value >= 100:
        value = (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_DOWN)
    return value


def rate_text(value: Decimal | None) -> str:
    """As the seeds write it: 99.9%, 97.2%, and 100% (not 100.0%)."""
    if value is None:
        return ""
    return "100%" if value == 100 else f"{value:.1f}%"


@dataclass(frozen=True)
class Flow:
    """One channel's (or all channels') flow figures."""

    received: int = 0
    consultations: int = 0
    accepted: int = 0
    completed: int = 0
    returned: int = 0
    referred: int = 0

    @property
    def handled(self) -> int:
        return self.completed + self.returned + self.referred

    @property
    def open(self) -> int:
        return self.accepted - self.handled

    @property
    def rate(self) -> Decimal | None:
        return completion_rate(self.handled, self.accepted)


@dataclass(frozen=True)
class TicketFigures:
    total: Flow = field(default_factory=Flow)
    by_channel: dict[str, Flow] = field(default_factory=dict)
    overdue: int = 0
    average_days: Decimal | None = None
    minority: int = 0
    window_tickets: int = 0
    minority_window: int = 0
    ethnic_changes: int = 0
    satisfied: int = 0
    basic: int = 0
    dissatisfied: int = 0
    by_window: list[tuple[str, int]] = field(default_factory=list)
    by_item: list[tuple[str, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)

    @property
    def minority_share(self) -> Decimal | None:
        return percent(self.minority, self.total.received)

    @property
    def minority_window_share(self) -> Decimal | None:
        return percent(self.minority_window, self.window_tickets)

    @property
    def rated(self) -> int:
        return self.satisfied + self.basic + self.dissatisfied

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return percent(self.satisfied + self.basic, self.rated)

    def channel(self, channel: str) -> Flow:
        return self.by_channel.get(channel, Flow())


def tickets_in(unit: OrgUnit):
    return Ticket.objects.filter(unit__path__startswith=unit.path)


def _flow_aggregates(period: Period, day: dt.date) -> dict:
    received = Q(received_on__gte=period.start, received_on__lte=period.end)
    accepted = Q(kind__in=WORK_KINDS, accepted_on__gte=period.start, accepted_on__lte=period.end)
    closed_by = accepted & Q(closed_on__lte=day)
    return {
        "received": Count("pk", filter=received),
        "consultations": Count("pk", filter=received & Q(kind=Kind.CONSULT)),
        "accepted": Count("pk", filter=accepted),
        "completed": Count("pk", filter=closed_by & Q(status=TicketStatus.COMPLETED)),
        "returned": Count("pk", filter=closed_by & Q(status=TicketStatus.RETURNED)),
        "referred": Count("pk", filter=closed_by & Q(status=TicketStatus.REFERRED)),
    }


@memoized
def ticket_figures(unit: OrgUnit, period: Period, *, today: dt.date | None = None) -> TicketFigures:
    day = min(period.end, today or timezone.localdate())
    rows = tickets_in(unit)
    received = Q(received_on__gte=period.start, received_on__lte=period.end)
    closed = Q(closed_on__gte=period.start, closed_on__lte=period.end, status__in=CLOSED)
    by_channel = {
        row.pop("channel"): Flow(**row)
        for row in rows.values("channel").annotate(**_flow_aggregates(period, day)).order_by("channel")
    }
    totals = rows.aggregate(
        overdue=Count(
            "pk",
            filter=(Q(status__in=OPEN, deadline__lt=day, accepted_on__lte=day))
            | Q(status=TicketStatus.WAITING, accept_by__lt=day),
        ),
        average_days=Avg("handling_days", filter=closed & Q(status=TicketStatus.COMPLETED)),
        minority=Count("pk", filter=received & Q(applicant_ethnicity__is_minority=True)),
        window_tickets=Count("pk", filter=received & Q(channel=Channel.WINDOW)),
        minority_window=Count(
            "pk", filter=received & Q(channel=Channel.WINDOW, window__is_minority_window=True)
        ),
        ethnic_changes=Count(
            "pk", filter=closed & Q(status=TicketStatus.COMPLETED, item__name=ETHNIC_CHANGE)
        ),
        satisfied=Count("pk", filter=closed & Q(satisfaction=Satisfaction.SATISFIED)),
        basic=Count("pk", filter=closed & Q(satisfaction=Satisfaction.BASIC)),
        dissatisfied=Count("pk", filter=closed & Q(satisfaction=Satisfaction.DISSATISFIED)),
    )
    average = totals.pop("average_days")
    in_period = rows.filter(received)
    by_window = [
        (f"{row['window__letter']} {row['window__name']}", row["n"])
        for row in in_period.filter(window__isnull=False)
        .values("window__letter", "window__name")
        .annotate(n=Count("pk"))
        .order_by("window__letter", "window__name")
    ]
    by_item = [
        (row["item__name"], row["n"])
        for row in in_period.filter(item__isnull=False)
        .values("item__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "item__name")[:10]
    ]
    labels = dict(Category.choices)
    by_category = [
        (str(labels.get(row["item__category"], row["item__category"])), row["n"])
        for row in in_period.filter(item__isnull=False)
        .values("item__category")
        .annotate(n=Count("pk"))
        .order_by("-n", "item__category")
    ]
    total = Flow(
        **{
            name: sum(getattr(flow, name) for flow in by_channel.values())
            for name in ("received", "consultations", "accepted", "completed", "returned", "referred")
        }
    )
    return TicketFigures(
        total=total,
        by_channel=by_channel,
        average_days=None if average is None else Decimal(str(average)).quantize(TENTH),
        by_window=by_window,
        by_item=by_item,
        by_category=by_category,
        **totals,
    )


def monthly(unit: OrgUnit, period: Period, *, today: dt.date | None = None) -> list[tuple[dt.date, Flow]]:
    """Received, accepted and 已办理 per month of the period (accepted and handled by acceptance
    month, handled by the period's last day, as in ``ticket_figures``)."""
    day = min(period.end, today or timezone.localdate())
    rows = tickets_in(unit)
    received = {
        row["month"]: row
        for row in rows.filter(received_on__gte=period.start, received_on__lte=period.end)
        .annotate(month=TruncMonth("received_on"))
        .values("month")
        .annotate(received=Count("pk"), consultations=Count("pk", filter=Q(kind=Kind.CONSULT)))
    }
    accepted = {
        row["month"]: row
        for row in rows.filter(
            kind__in=WORK_KINDS, accepted_on__gte=period.start, accepted_on__lte=period.end
        )
        .annotate(month=TruncMonth("accepted_on"))
        .values("month")
        .annotate(
            accepted=Count("pk"),
            completed=Count("pk", filter=Q(closed_on__lte=day, status=TicketStatus.COMPLETED)),
            returned=Count("pk", filter=Q(closed_on__lte=day, status=TicketStatus.RETURNED)),
            referred=Count("pk", filter=Q(closed_on__lte=day, status=TicketStatus.REFERRED)),
        )
    }
    out = []
    month = period.start.replace(day=1)
    while month <= period.end:
        key = month
        r, a = _month_row(received, key), _month_row(accepted, key)
        out.append(
            (
                month,
                Flow(
                    received=r.get("received", 0),
                    consultations=r.get("consultations", 0),
                    accepted=a.get("accepted", 0),
                    completed=a.get("completed", 0),
                    returned=a.get("returned", 0),
                    referred=a.get("referred", 0),
                ),
            )
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return out


def _month_row(rows: dict, month: dt.date) -> dict:
    """TruncMonth gives a date on one backend, a datetime on another."""
    for key, row in rows.items():
        if (key.date() if isinstance(key, dt.datetime) else key) == month:
            return row
    return {}


def low_satisfaction_items(unit: OrgUnit, period: Period) -> list[tuple[str, int, Decimal]]:
    """Items rated at least LOW_SATISFACTION_MIN_RATINGS times in the period (tickets closed in
    it) with a 满意率 below LOW_SATISFACTION_RATE: (name, ratings, 满意率)."""
    rated = (
        tickets_in(unit)
        .filter(closed_on__gte=period.start, closed_on__lte=period.end, item__isnull=False)
        .exclude(satisfaction="")
        .values("item__name")
        .annotate(
            n=Count("pk"),
            good=Count("pk", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])),
        )
        .order_by("item__name")
    )
    out = []
    for row in rated:
        share = percent(row["good"], row["n"])
        if row["n"] >= LOW_SATISFACTION_MIN_RATINGS and share < LOW_SATISFACTION_RATE:
            out.append((row["item__name"], row["n"], share))
    return sorted(out, key=lambda item: (item[2], item[0]))


def headline_counts(unit: OrgUnit, period: Period, *, today: dt.date | None = None) -> tuple[Flow, int]:
    """The whole flow (no channel split) and the overdue count, in one aggregate: what the
    section's headline and its "left out" test need (the home page and the dashboard's period
    before read only this)."""
    day = min(period.end, today or timezone.localdate())
    row = tickets_in(unit).aggregate(
        **_flow_aggregates(period, day),
        overdue=Count(
            "pk",
            filter=(Q(status__in=OPEN, deadline__lt=day, accepted_on__lte=day))
            | Q(status=TicketStatus.WAITING, accept_by__lt=day),
        ),
    )
    overdue = row.pop("overdue")
    return Flow(**row), overdue


# --- 帮扶 and 实事 / 微心愿 ---------------------------------------------------------------------
#
# 帮扶 ``assistance_figures``, for the records filed in the unit's subtree (the helped
# household's grid):
# - per kind, 帮扶 ``records`` begun in the period (``started_on``), the people and households
#   they reached (distinct), and the amount given (元, the sum of ``amount``);
# - 就业援助: 认定 ``identified`` (``identified_on`` in the period) and 实现就业 ``placed``
#   (``placed_on`` in the period), and those still being helped on the period's last day.
# 实事 / 微心愿 ``matter_figures``: raised in the period (``raised_on``), 已办结 in the period
# (``done_on``; whenever they were raised), the people they served (``beneficiary_count`` of
# those done), and, as on the period's last day, those open past their due date (逾期).


@dataclass(frozen=True)
class KindCount:
    records: int = 0
    people: int = 0
    households: int = 0
    amount: Decimal = Decimal("0")


@dataclass(frozen=True)
class AssistanceFigures:
    by_kind: dict[str, KindCount] = field(default_factory=dict)
    identified: int = 0
    placed: int = 0
    employment_open: int = 0

    @property
    def total(self) -> KindCount:
        return KindCount(
            records=sum(k.records for k in self.by_kind.values()),
            people=sum(k.people for k in self.by_kind.values()),
            households=sum(k.households for k in self.by_kind.values()),
            amount=sum((k.amount for k in self.by_kind.values()), Decimal("0")),
        )


@memoized
def assistance_figures(unit: OrgUnit, period: Period, *, today: dt.date | None = None) -> AssistanceFigures:
    day = min(period.end, today or timezone.localdate())
    rows = Assistance.objects.in_unit(unit)
    begun = rows.filter(started_on__gte=period.start, started_on__lte=period.end)
    by_kind = {
        row.pop("kind"): KindCount(**{**row, "amount": row["amount"] or Decimal("0")})
        for row in begun.values("kind")
        .annotate(
            records=Count("pk"),
            people=Count("resident", distinct=True),
            households=Count("household", distinct=True),
            amount=Sum("amount"),
        )
        .order_by("kind")
    }
    employment = rows.filter(kind=AssistanceKind.EMPLOYMENT)
    counts = employment.aggregate(
        identified=Count("pk", filter=Q(identified_on__gte=period.start, identified_on__lte=period.end)),
        placed=Count("pk", filter=Q(placed_on__gte=period.start, placed_on__lte=period.end)),
        # Open on ``day``: identified by then and not closed by then.
        employment_open=Count(
            "pk", filter=Q(identified_on__lte=day) & (Q(closed_on__isnull=True) | Q(closed_on__gt=day))
        ),
    )
    return AssistanceFigures(by_kind=by_kind, **counts)


@dataclass(frozen=True)
class MatterFigures:
    raised: int = 0
    raised_wishes: int = 0
    done: int = 0
    done_wishes: int = 0
    served: int = 0
    overdue: int = 0


@memoized
def matter_figures(unit: OrgUnit, period: Period, *, today: dt.date | None = None) -> MatterFigures:
    day = min(period.end, today or timezone.localdate())
    raised = Q(raised_on__gte=period.start, raised_on__lte=period.end)
    done = Q(status=MatterStatus.DONE, done_on__gte=period.start, done_on__lte=period.end)
    wish = Q(kind=MatterKind.WISH)
    counts = PracticalMatter.objects.in_unit(unit).aggregate(
        raised=Count("pk", filter=raised),
        raised_wishes=Count("pk", filter=raised & wish),
        done=Count("pk", filter=done),
        done_wishes=Count("pk", filter=done & wish),
        served=Sum("beneficiary_count", filter=done),
        # Open on ``day`` past the due date: still open now, or closed after ``day``.
        overdue=Count(
            "pk",
            filter=Q(raised_on__lte=day, due_on__lt=day) & (Q(status__in=MATTER_OPEN) | Q(done_on__gt=day)),
        ),
    )
    counts["served"] = counts["served"] or 0
    return MatterFigures(**counts)


def overdue_matters(unit: OrgUnit, period: Period, *, today: dt.date | None = None, limit: int = 5):
    """The open 实事 past their due date on the period's last day, oldest due first."""
    day = min(period.end, today or timezone.localdate())
    return list(
        PracticalMatter.objects.in_unit(unit)
        .filter(status__in=MATTER_OPEN, raised_on__lte=day, due_on__lt=day)
        .order_by("due_on", "pk")
        .values_list("title", "due_on")[:limit]
    )
