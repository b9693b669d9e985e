"""Demo 创建工作 reports for ``manage.py seed_demo``: the last twelve months of every
community, street and district, written by the same code as the monthly schedule.

Every community has a staff account that submits its report in the first days of the next
month; one community (河东社区) was late once, had a report returned by its street once, and
has not yet sent up last month's, so the street's and district's completeness has
something to remind. The demo opens on a full dashboard and a full report list.

Submission dates are set back to when they would have happened: the transition log says
when a report went up, and the demo's reports went up in their months, not today. A report
already there is left alone, so a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.models import Transition
from core.periods import Period, PeriodKind, last_completed
from grid.models import OrgLevel, OrgUnit, Role
from reports.actions import report_generate, report_return, report_submit, reporting_units
from reports.models import ReportState, SummaryReport, Trigger

from .org import seed_accounts
from .steps import DemoContext, demo_step

MONTHS = 12
LATE_COMMUNITY = "河东社区"


def _months(today: dt.date) -> list[Period]:
    newest = last_completed(PeriodKind.MONTH, today)
    months = [newest]
    while len(months) < MONTHS:
        months.append(months[-1].previous())
    return list(reversed(months))


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 30)))


def _backdate(report: SummaryReport, when: dt.datetime, *, first: bool) -> None:
    values = {"submitted_at": when}
    if first:
        values["first_submitted_at"] = when
    SummaryReport.objects.filter(pk=report.pk).update(**values)
    Transition.objects.filter(object_id=report.pk, to_state=ReportState.SUBMITTED, at__gte=when).filter(
        content_type__app_label="reports"
    ).update(at=when)


@demo_step(200, "工作报告（近十二个月）")
def reports_step(ctx: DemoContext) -> None:
    org = ctx.org
    units = reporting_units()
    communities = [unit for unit in units if unit.level == OrgLevel.COMMUNITY]
    staff = {account.unit.pk: account for account in ctx.accounts if account.role == Role.STAFF}
    places = [(f"staff_{unit.code[-6:]}", Role.STAFF, unit) for unit in communities if unit.pk not in staff]
    if places:
        ctx.accounts += seed_accounts(org=org, rng=ctx.rng, fake=ctx.fake, stdout=ctx.stdout, places=places)
    User = get_user_model()
    staff_of = {
        unit.pk: User.objects.filter(profile__org_unit=unit, profile__role=Role.STAFF).order_by("pk").first()
        for unit in communities
    }
    leader_of = {
        unit.pk: User.objects.filter(
            profile__org_unit=OrgUnit.objects.get_parent(unit), profile__role=Role.LEADER
        )
        .order_by("pk")
        .first()
        for unit in communities
    }

    months = _months(timezone.localdate())
    made = existing = 0
    for index, period in enumerate(months):
        for unit in units:
            if SummaryReport.objects.filter(
                org_unit=unit, period_kind=period.kind, period_start=period.start
            ).exists():
                existing += 1
                continue
            report = report_generate(unit=unit, period=period, trigger=Trigger.SCHEDULE).report
            made += 1
            if unit.level != OrgLevel.COMMUNITY:
                continue
            newest = index == len(months) - 1
            late = unit.name == LATE_COMMUNITY
            if newest and late:
                continue  # not yet sent up: the reminder list shows it
            after = period.end + dt.timedelta(days=1)
            day = after.replace(day=ctx.rng.randint(2, 4))
            if late and index == len(months) - 3:
                day = after.replace(day=9)  # after the 5th: late
            report_submit(report=report, by=staff_of[unit.pk])
            _backdate(report, _at(day, 9 + ctx.rng.randint(0, 7)), first=True)
            leader = leader_of.get(unit.pk)
            if late and index == len(months) - 2 and leader is not None:
                report.refresh_from_db()
                report_return(report=report, by=leader, reason="活动开展情况未写具体，请补充后重新上报。")
                SummaryReport.objects.filter(pk=report.pk).update(
                    highlights="开展“民族团结一家亲”百家宴，邀请各族居民共度节日。"
                )
                report.refresh_from_db()
                report_submit(report=report, by=staff_of[unit.pk])
                _backdate(report, _at(day + dt.timedelta(days=2), 15), first=False)
    ctx.stdout.write(f"  工作报告：新建 {made}，已存在 {existing}（{months[0].label}至{months[-1].label}）")
