"""Mediation figures for an org unit and a period, as SQL aggregates (two queries for the
cases, one for their agreements and follow-ups).

Flow figures count what happened inside the period, each on its own date:

- 排查/登记 ``reported``: cases whose ``reported_on`` falls in the period;
- 受理 ``accepted``: cases whose ``accepted_on`` falls in it;
- 结案 by outcome: cases whose ``closed_on`` falls in it, by the outcome they hold
  (调解成功, 调解不成, 转办, 终止; a case that failed and was then referred counts once, as
  转办, on the day mediation ended); 不予受理 is counted apart and is no outcome;
- **化解率** = 调解成功 ÷ (调解成功 + 调解不成 + 转办 + 终止), the cases closed in the period,
  in percent to 0.1 (None when none closed: a rate of nothing is not 0%);
- 涉及民族因素 / 宗教因素: reported in the period with the factor, and how many of them
  are resolved (调解成功) by now;
- 平均办理天数: the average of ``days_to_close`` (acceptance to closing) of the cases closed
  in the period.

One stock figure, as on the period's last day (today while it runs): 逾期 ``overdue``,
the cases open then (受理, 调解中) whose deadline had passed. Cases that were open on that day
but have closed since are not known to have been open then: the figure is of cases still
open, past their deadline on that day.

Agreements and follow-ups (``followup_figures``), each on its own date too:

- 协议 ``agreements``: agreements whose ``made_on`` falls in the period;
- 应回访 ``due``: follow-ups (not cancelled) whose ``due_on`` falls in it;
- 已回访 ``done``: follow-ups whose ``visited_on`` falls in it, and ``kept`` those of them
  that found the agreement 正在履行 or 已履行完毕;
- **协议履行率** = kept ÷ done, in percent to 0.1 (None when no visit was made);
- 逾期未回访 ``overdue``: a stock, as on the period's last day (today while it runs): the
  follow-ups still due whose day had passed.

By source (来源) and by month: the cases reported in the period by their source, and per
calendar month of the period (Asia/Shanghai) the cases reported in it and its 化解率 — of
the cases *closed* in that month, by the same definition as above. 预警 ``escalations``:
the cases escalated (``Escalation``) on a day of the period, each case once. 重复纠纷
``repeats``: cases reported in the period with a party in another dispute within
MEDIATION_REPEAT_DAYS (``Case.is_repeat``).

Called only with a unit that passed ``grid.scope.unit_in_scope``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    Max,
    Q,
    Sum,
)
from django.db.models.functions import (
    TruncMonth,
)
from django.utils import timezone

from core.periods import Period
from grid.models import OrgUnit

from .models import (
    KEPT,
    OPEN,
    OUTCOMES,
    Case,
    CaseStatus,
    Category,
    ClinicMode,
    ClinicSession,
    Escalation,
    FollowUp,
    FollowUpStatus,
    Source,
)


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CaseFigures:
    reported: int = 0
    accepted: int = 0
    succeeded: int = 0
    failed: int = 0
    referred: int = 0
    terminated: int = 0
    rejected: int = 0
    ethnic: int = 0
    ethnic_resolved: int = 0
    religious: int = 0
    religious_resolved: int = 0
    overdue: int = 0
    average_days: Decimal | None = None
    by_category: list[tuple[str, int]] = field(default_factory=list)

    @property
    def closed(self) -> int:
        """What 化解率 divides by: the cases closed with an outcome in the period."""
        return self.succeeded + self.failed + self.referred + self.terminated

    @property
    def resolution_rate(self) -> Decimal | None:
        """化解率 = 调解成功 ÷ (调解成功 + 调解不成 + 转办 + 终止), percent to 0.1."""
        return percent(self.succeeded, self.closed)


def cases_in(unit: OrgUnit):
    return Case.objects.filter(grid__path__startswith=unit.path)


def case_figures(unit: OrgUnit, period: Period, *, today: dt.date | None = None) -> CaseFigures:
    day = min(period.end, today or timezone.localdate())
    during = {"gte": period.start, "lte": period.end}
    reported = Q(reported_on__gte=during["gte"], reported_on__lte=during["lte"])
    closed = Q(closed_on__gte=during["gte"], closed_on__lte=during["lte"])
    row = cases_in(unit).aggregate(
        reported=Count("pk", filter=reported),
        accepted=Count("pk", filter=Q(accepted_on__gte=period.start, accepted_on__lte=period.end)),
        succeeded=Count("pk", filter=closed & Q(status=CaseStatus.SUCCEEDED)),
        failed=Count("pk", filter=closed & Q(status=CaseStatus.FAILED)),
        referred=Count("pk", filter=closed & Q(status=CaseStatus.REFERRED)),
        terminated=Count("pk", filter=closed & Q(status=CaseStatus.TERMINATED)),
        rejected=Count("pk", filter=closed & Q(status=CaseStatus.REJECTED)),
        ethnic=Count("pk", filter=reported & Q(ethnic_factor=True)),
        ethnic_resolved=Count("pk", filter=reported & Q(ethnic_factor=True, status=CaseStatus.SUCCEEDED)),
        religious=Count("pk", filter=reported & Q(religious_factor=True)),
        religious_resolved=Count(
            "pk", filter=reported & Q(religious_factor=True, status=CaseStatus.SUCCEEDED)
        ),
        overdue=Count("pk", filter=Q(status__in=OPEN, deadline__lt=day, accepted_on__lte=day)),
        average_days=Avg(
            "days_to_close",
            filter=closed
            & Q(
                status__in=[
                    CaseStatus.SUCCEEDED,
                    CaseStatus.FAILED,
                    CaseStatus.REFERRED,
                    CaseStatus.TERMINATED,
                ]
            ),
        ),
    )
    average = row.pop("average_days")
    labels = dict(Category.choices)
    by_category = [
        (str(labels.get(item["category"], item["category"])), item["n"])
        for item in cases_in(unit)
        .filter(reported)
        .values("category")
        .annotate(n=Count("pk"))
        .order_by("-n", "category")
    ]
    return CaseFigures(
        **row,
        average_days=None if average is None else Decimal(str(average)).quantize(Decimal("0.1")),
        by_category=by_category,
    )


def overdue_cases(unit: OrgUnit, day: dt.date):
    """The open cases past their deadline on ``day``, nearest deadline first (存在问题, lists)."""
    return cases_in(unit).filter(status__in=OPEN, deadline__lt=day).order_by("deadline", "pk")


# --- 法律诊所 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClinicModeFigures:
    mode: str
    label: str
    sessions: int
    served: int
    minority_served: int


@dataclass(frozen=True)
class ClinicFigures:
    """法律诊所's flow figures: the sittings held in the period (``held_on``), the people they
    served (人次: a person who came twice counts twice) and, of those, minority people."""

    sessions: int = 0
    served: int = 0
    minority_served: int = 0
    by_mode: list[ClinicModeFigures] = field(default_factory=list)


def clinics_in(unit: OrgUnit):
    """A community (or above) counts its sittings; a grid those held in it."""
    return ClinicSession.objects.filter(
        Q(community__path__startswith=unit.path) | Q(grid__path__startswith=unit.path)
    )


def clinic_figures(unit: OrgUnit, period: Period) -> ClinicFigures:
    """One query: the period's sittings grouped by mode, in the modes' order."""
    rows = {
        row["mode"]: row
        for row in clinics_in(unit)
        .filter(held_on__gte=period.start, held_on__lte=period.end)
        .values("mode")
        .annotate(n=Count("pk"), served=Sum("served"), minority=Sum("minority_served"))
        .order_by("mode")
    }
    by_mode = [
        ClinicModeFigures(
            mode=value,
            label=str(label),
            sessions=rows[value]["n"],
            served=rows[value]["served"] or 0,
            minority_served=rows[value]["minority"] or 0,
        )
        for value, label in ClinicMode.choices
        if value in rows
    ]
    return ClinicFigures(
        sessions=sum(m.sessions for m in by_mode),
        served=sum(m.served for m in by_mode),
        minority_served=sum(m.minority_served for m in by_mode),
        by_mode=by_mode,
    )


@dataclass(frozen=True)
class FollowUpFigures:
    agreements: int = 0
    due: int = 0
    done: int = 0
    kept: int = 0
    overdue: int = 0

    @property
    def keep_rate(self) -> Decimal | None:
        """协议履行率 = visits finding it kept ÷ visits made, percent to 0.1."""
        return percent(self.kept, self.done)


def followup_figures(unit: OrgUnit, period: Period, *, today: dt.date | None = None) -> FollowUpFigures:
    """One aggregate over the unit's cases: the agreement is one to one, so joining it beside
    the follow-ups counts each follow-up once, and the agreements (distinct) once each."""
    day = min(period.end, today or timezone.localdate())
    visited = Q(
        followups__visited_on__gte=period.start,
        followups__visited_on__lte=period.end,
        followups__status=FollowUpStatus.DONE,
    )
    row = cases_in(unit).aggregate(
        agreements=Count(
            "agreement",
            filter=Q(agreement__made_on__gte=period.start, agreement__made_on__lte=period.end),
            distinct=True,
        ),
        due=Count(
            "followups",
            filter=Q(followups__due_on__gte=period.start, followups__due_on__lte=period.end)
            & ~Q(followups__status=FollowUpStatus.CANCELLED),
        ),
        done=Count("followups", filter=visited),
        kept=Count("followups", filter=visited & Q(followups__performance__in=KEPT)),
        overdue=Count("followups", filter=Q(followups__status=FollowUpStatus.DUE, followups__due_on__lt=day)),
    )
    return FollowUpFigures(**row)


def overdue_followups(unit: OrgUnit, day: dt.date):
    """The follow-ups still due whose day passed before ``day``, the longest overdue first."""
    return FollowUp.objects.in_unit(unit).overdue(day).order_by("due_on", "pk")


def by_source(unit: OrgUnit, period: Period) -> list[tuple[str, int]]:
    """Cases reported in the period by source (来源), most first."""
    labels = dict(Source.choices)
    rows = (
        cases_in(unit)
        .filter(reported_on__gte=period.start, reported_on__lte=period.end)
        .values("source")
        .annotate(n=Count("pk"))
        .order_by("-n", "source")
    )
    return [(str(labels.get(row["source"], row["source"])), row["n"]) for row in rows]


@dataclass(frozen=True)
class Month:
    start: dt.date
    reported: int = 0
    succeeded: int = 0
    closed: int = 0

    @property
    def label(self) -> str:
        return f"{self.start.year}年{self.start.month}月"

    @property
    def resolution_rate(self) -> Decimal | None:
        """化解率 of the cases closed in the month (``CaseFigures.resolution_rate``'s rule)."""
        return percent(self.succeeded, self.closed)


def _months(period: Period) -> list[dt.date]:
    months, day = [], period.start.replace(day=1)
    while day <= period.end:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _month_of(value) -> dt.date:
    # TruncMonth of a DateField gives a date; some backends hand back a datetime.
    return value.date() if isinstance(value, dt.datetime) else value


def by_month(unit: OrgUnit, period: Period) -> list[Month]:
    """Per calendar month of the period: cases reported, and of those closed in it how many
    succeeded (化解率). Two grouped aggregates; months with nothing are there with zeros."""
    cases = cases_in(unit)
    reported = {
        _month_of(row["month"]): row["n"]
        for row in cases.filter(reported_on__gte=period.start, reported_on__lte=period.end)
        .annotate(month=TruncMonth("reported_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    }
    closed = {
        _month_of(row["month"]): row
        for row in cases.filter(closed_on__gte=period.start, closed_on__lte=period.end, status__in=OUTCOMES)
        .annotate(month=TruncMonth("closed_on"))
        .values("month")
        .annotate(n=Count("pk"), ok=Count("pk", filter=Q(status=CaseStatus.SUCCEEDED)))
        .order_by("month")
    }
    return [
        Month(
            start=month,
            reported=reported.get(month, 0),
            succeeded=closed[month]["ok"] if month in closed else 0,
            closed=closed[month]["n"] if month in closed else 0,
        )
        for month in _months(period)
    ]


def escalations(unit: OrgUnit, period: Period) -> int:
    """Cases escalated on a day of the period (a case escalated on several days counts once)."""
    return (
        Escalation.objects.filter(
            case__grid__path__startswith=unit.path, day__gte=period.start, day__lte=period.end
        )
        .values("case_id")
        .distinct()
        .count()
    )


def repeats(unit: OrgUnit, period: Period) -> int:
    """Cases reported in the period that are repeat disputes (重复纠纷)."""
    return (
        cases_in(unit)
        .filter(reported_on__gte=period.start, reported_on__lte=period.end)
        .with_repeat()
        .filter(repeat_flag=True)
        .count()
    )


def last_ethnic_escalation(unit: OrgUnit, day: dt.date) -> dt.date | None:
    """The last day, up to ``day``, a case with an ethnic factor was escalated in the unit."""
    return Escalation.objects.filter(
        case__grid__path__startswith=unit.path, case__ethnic_factor=True, day__lte=day
    ).aggregate(last=Max("day"))["last"]


def has_cases(unit: OrgUnit) -> bool:
    return cases_in(unit).exists()
