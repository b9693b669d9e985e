"""``manage.py seed_demo``'s reports: twelve months of every unit, as the schedule writes them."""

import pytest
from django.utils import timezone

from core.models import Transition
from core.periods import PeriodKind, last_completed
from grid.models import OrgUnit
from reports.models import ReportState, SummaryReport
from reports.queries import completeness

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_demo")]


def test_every_unit_has_twelve_months_of_reports():
    units = OrgUnit.objects.filter(level__lte=3).count()

    assert SummaryReport.objects.count() == 12 * units
    assert all(report.versions.exists() for report in SummaryReport.objects.all())


def test_biandiansuo_reads_like_the_seed_report():
    last_month = last_completed(PeriodKind.MONTH, timezone.localdate())
    report = SummaryReport.objects.get(org_unit__name="变电所社区", period_start=last_month.start)
    basic = report.latest_version().section_list()[0]

    assert basic.title == "基本情况"
    assert basic.paragraphs[0].startswith(
        "变电所社区现有居民2142户、6476人，其中少数民族1670人，占25.8%，"
        "有汉族、回族、蒙古族、满族、锡伯族、朝鲜族6个民族。"
    )
    assert "清河门清真寺" in "".join(basic.paragraphs)


def test_most_communities_submitted_last_month_and_one_is_still_to_come():
    district = OrgUnit.objects.get(level=1)
    status = completeness(district, last_completed(PeriodKind.MONTH, timezone.localdate()))

    assert status.submitted == status.expected - 1
    assert [row.unit.name for row in status.missing] == ["河东社区"]


def test_one_report_was_late_and_one_was_returned_and_sent_up_again():
    late = [
        report
        for report in SummaryReport.objects.filter(
            org_unit__name="河东社区", first_submitted_at__isnull=False
        )
        if timezone.localtime(report.first_submitted_at).day > 5
    ]
    returned = Transition.objects.filter(content_type__app_label="reports", to_state=ReportState.RETURNED)

    assert len(late) == 1
    assert returned.count() == 1
    assert SummaryReport.objects.get(pk=returned.get().object_id).state == ReportState.SUBMITTED
