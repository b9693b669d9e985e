"""Every write of the reports app: generating a report, the staff's paragraphs, submitting
and returning it, and the runs that generate a period's reports for the whole tree."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from core import audit, history
from core.jobs import JobLost, job_claim, job_heartbeat, job_move, job_progress, job_progress_clear
from core.models import AuditKind
from core.periods import Period, due_periods
from core.transitions import TransitionRefused, transition
from grid.models import OrgLevel, OrgUnit
from grid.scope import unit_in_scope, user_org_unit

from .compose import compose
from .models import ReportRun, ReportState, ReportVersion, RunStatus, SummaryReport, Trigger

logger = logging.getLogger(__name__)

# The levels that write a report, in the order a run writes them: communities first, then
# the streets and districts above them (each computes its own figures, so the order is
# only what a reader watching the run sees filled in first).
REPORTING_LEVELS = (OrgLevel.COMMUNITY, OrgLevel.STREET, OrgLevel.DISTRICT)

GENERATED, UNCHANGED, FROZEN = "generated", "unchanged", "frozen"
FROZEN_MESSAGE = "报告已上报，不能重新生成或修改；如需修改，请上级退回后再操作。"


@dataclass(frozen=True)
class Generation:
    report: SummaryReport
    outcome: str  # GENERATED, UNCHANGED or FROZEN
    version: ReportVersion | None


def _report_for(unit: OrgUnit, period: Period) -> SummaryReport:
    report, _ = SummaryReport.objects.get_or_create(
        org_unit=unit,
        period_kind=period.kind,
        period_start=period.start,
        defaults={"period_end": period.end},
    )
    # Serialises two generations of one report (the schedule and a person at once).
    return SummaryReport.objects.select_for_update().select_related("org_unit").get(pk=report.pk)


@transaction.atomic
def report_generate(*, unit: OrgUnit, period: Period, trigger: str, by=None) -> Generation:
    """Write ``unit``'s report for ``period`` from the live records.

    A new version only when the figures or text differ from the newest one, so running it
    again for the same period is harmless. A submitted report is left as it went up.
    """
    if unit.level not in REPORTING_LEVELS:
        raise ValidationError("只有社区、街道和区生成工作报告。", code="level")
    report = _report_for(unit, period)
    latest = report.latest_version()
    if report.is_frozen:
        return Generation(report, FROZEN, latest)
    generated = compose(unit, period)
    figures = {section.key: section.as_json()["figures"] for section in generated}
    text = [section.as_json() for section in generated]
    if latest is not None and latest.figures == figures and latest.sections == text:
        return Generation(report, UNCHANGED, latest)
    number = (latest.number if latest else 0) + 1
    version = ReportVersion.objects.create(
        report=report,
        number=number,
        figures=figures,
        sections=text,
        trigger=trigger,
        generated_by=by if getattr(by, "pk", None) else None,
    )
    history.record(
        instance=report,
        action="generate",
        changes={"版本": [str(latest.number) if latest else "", str(number)]},
        by=by,
    )
    return Generation(report, GENERATED, version)


def is_own_unit(user, report: SummaryReport) -> bool:
    """The report is of the unit the person works in: theirs to write and submit."""
    own = user_org_unit(user)
    return user.is_superuser or (own is not None and own.pk == report.org_unit_id)


def is_above(user, report: SummaryReport) -> bool:
    """The person works above the report's unit: theirs to return."""
    own = user_org_unit(user)
    if user.is_superuser:
        return True
    return own is not None and own.pk != report.org_unit_id and unit_in_scope(user, report.org_unit)


def _check_not_frozen(report: SummaryReport) -> None:
    if report.is_frozen:
        raise ValidationError(FROZEN_MESSAGE, code="frozen")


@transaction.atomic
def report_paragraphs_update(*, report: SummaryReport, by, highlights: str, next_steps: str) -> SummaryReport:
    """The staff's 工作亮点 and 下步打算, which regeneration keeps."""
    report = SummaryReport.objects.select_for_update().get(pk=report.pk)
    _check_not_frozen(report)
    values = {"highlights": highlights.strip(), "next_steps": next_steps.strip()}
    changes = history.diff(report, values)
    if changes:
        SummaryReport.objects.filter(pk=report.pk).update(**values)
        for name, value in values.items():
            setattr(report, name, value)
        history.record(instance=report, action="update", changes=changes, by=by)
    return report


@transaction.atomic
def report_submit(*, report: SummaryReport, by) -> SummaryReport:
    """上报: the report goes up to the unit above, frozen as it stands."""
    if not is_own_unit(by, report):
        raise PermissionDenied("只有本单位可以上报自己的报告。")
    if report.latest_version() is None:
        raise ValidationError("报告尚未生成，不能上报。", code="empty")
    now = timezone.now()
    transition(
        report,
        ReportState.SUBMITTED,
        by=by,
        values={
            "submitted_at": now,
            "submitted_by": by,
            "first_submitted_at": Coalesce(F("first_submitted_at"), now),
        },
    )
    history.record(instance=report, action="submit", changes={}, by=by)
    return report


@transaction.atomic
def report_return(*, report: SummaryReport, by, reason: str) -> SummaryReport:
    """退回: a unit above sends the report back with its reason; it can be changed again."""
    if not is_above(by, report):
        raise PermissionDenied("只有上级单位可以退回报告。")
    transition(report, ReportState.RETURNED, by=by, note=reason)
    history.record(instance=report, action="return", changes={"退回原因": ["", reason.strip()]}, by=by)
    return report


# --- runs: a period's reports for one unit or the whole tree ----------------------------------


def reporting_units(unit: OrgUnit | None = None) -> list[OrgUnit]:
    """The units a run writes, communities first: ``unit`` alone, or every reporting unit."""
    if unit is not None:
        return [unit]
    units = OrgUnit.objects.filter(level__in=REPORTING_LEVELS)
    order = {level: index for index, level in enumerate(REPORTING_LEVELS)}
    return sorted(units, key=lambda item: (order[item.level], item.path))


@transaction.atomic
def report_run_create(*, period: Period, trigger: str, unit: OrgUnit | None = None, by=None) -> ReportRun:
    """Ask for ``period``'s reports to be generated in the background (on commit)."""
    from .tasks import run_report_run

    if unit is not None and unit.level not in REPORTING_LEVELS:
        raise ValidationError("只有社区、街道和区生成工作报告。", code="level")
    if by is not None and unit is not None:
        existing = SummaryReport.objects.filter(
            org_unit=unit, period_kind=period.kind, period_start=period.start
        ).first()
        if existing is not None:
            _check_not_frozen(existing)
    run = ReportRun.objects.create(
        period_kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        org_unit=unit,
        trigger=trigger,
        requested_by=by if getattr(by, "pk", None) else None,
    )
    audit.record(AuditKind.WRITE, user=by, obj=run, action="report_run", period=period.key)
    run_report_run.delay_on_commit(run.pk)
    return run


def due_reports_create(*, now) -> list[ReportRun]:
    """The schedule's runs for ``now``: the periods that ended just before this day began in
    Beijing (a run at 00:10 on the 1st is still the 30th in UTC)."""
    return [
        report_run_create(period=period, trigger=Trigger.SCHEDULE)
        for period in due_periods(timezone.localdate(now))
    ]


def report_run_execute(*, run_id: int, lease: str | None = None) -> ReportRun:
    """Generate the run's reports, one transaction per report, reporting progress.

    Only the run holding the job's claim works; running it again once it has finished
    changes nothing, and a report already written in an interrupted run comes out
    unchanged the second time.
    """
    run = ReportRun.objects.select_related("org_unit", "requested_by").get(pk=run_id)
    if not job_claim(run, ReportRun.job_phases[0], lease=lease or f"local-{uuid.uuid4()}"):
        return run
    try:
        units = reporting_units(run.org_unit)
        counts = {GENERATED: 0, UNCHANGED: 0, FROZEN: 0}
        trigger = run.trigger
        for done, unit in enumerate(units):
            job_progress(run, "生成", done, len(units))
            job_heartbeat(run)
            outcome = report_generate(
                unit=unit, period=run.period, trigger=trigger, by=run.requested_by
            ).outcome
            counts[outcome] += 1
        return job_move(
            run,
            RunStatus.DONE,
            values={
                "generated": counts[GENERATED],
                "unchanged": counts[UNCHANGED],
                "frozen": counts[FROZEN],
                "finished_at": timezone.now(),
            },
        )
    except (JobLost, TransitionRefused):
        logger.warning("report run %s taken over by another run", run.pk)
        run.refresh_from_db()
        return run
    finally:
        job_progress_clear(run)
