"""What the reports app reads: completeness of child units' reports, and the reports a
leader has not yet seen. Every unit passed in has passed ``unit_in_scope``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from core.periods import Period
from grid.models import OrgLevel, OrgUnit

from .models import ReportState, SummaryReport


def due_date(period: Period) -> dt.date:
    """The day a period's report is due: REPORT_DUE_DAY of the month after it ends."""
    after = period.end + dt.timedelta(days=1)
    return after.replace(day=min(settings.REPORT_DUE_DAY, 28))


@dataclass(frozen=True)
class CommunityStatus:
    unit: OrgUnit
    report: SummaryReport | None

    @property
    def state(self) -> str:
        return self.report.get_state_display() if self.report else "未生成"

    @property
    def submitted(self) -> bool:
        return self.report is not None and self.report.first_submitted_at is not None

    def on_time(self, due: dt.date) -> bool:
        return self.submitted and timezone.localtime(self.report.first_submitted_at).date() <= due


@dataclass(frozen=True)
class Completeness:
    """DHIS2's reporting rate for a unit and a period: which communities below it have
    submitted (at least once), and how many by the due date."""

    period: Period
    due: dt.date
    rows: list[CommunityStatus]

    @property
    def expected(self) -> int:
        return len(self.rows)

    @property
    def submitted(self) -> int:
        return sum(row.submitted for row in self.rows)

    @property
    def on_time(self) -> int:
        return sum(row.on_time(self.due) for row in self.rows)

    @property
    def missing(self) -> list[CommunityStatus]:
        """The reminder list: communities whose report has not gone up (or was returned and not yet again)."""
        return [row for row in self.rows if not row.report or row.report.state != ReportState.SUBMITTED]


def completeness(unit: OrgUnit, period: Period) -> Completeness:
    communities = list(
        OrgUnit.objects.filter(path__startswith=unit.path, level=OrgLevel.COMMUNITY).order_by("path")
    )
    reports = {
        report.org_unit_id: report
        for report in SummaryReport.objects.filter(
            org_unit__in=communities, period_kind=period.kind, period_start=period.start
        )
    }
    return Completeness(
        period=period,
        due=due_date(period),
        rows=[CommunityStatus(unit=community, report=reports.get(community.pk)) for community in communities],
    )


def submitted_below(unit: OrgUnit, *, limit: int = 10) -> list[SummaryReport]:
    """The newest reports sent up by the units below ``unit``: what a leader reads next."""
    return list(
        SummaryReport.objects.filter(org_unit__path__startswith=unit.path, state=ReportState.SUBMITTED)
        .exclude(org_unit=unit)
        .select_related("org_unit", "submitted_by")
        .order_by("-submitted_at")[:limit]
    )
