"""Reports generated through the real path: a Celery worker process and Redis when
REDIS_URL is set (CI), eagerly in-process otherwise."""

import pytest
from django.urls import reverse

from core.periods import Period
from reports.actions import report_run_create
from reports.models import ReportRun, RunStatus, SummaryReport, Trigger
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity

pytestmark = pytest.mark.worker


def test_a_period_of_the_whole_tree_is_generated_in_the_worker(celery_worker_process, tree):
    home = HouseholdFactory(grid=tree.grid)
    ResidentFactory(household=home, relation="head", ethnicity=ethnicity("回族"))

    run = report_run_create(period=Period.month(2026, 11), trigger=Trigger.SCHEDULE)
    celery_worker_process.wait_until_idle()

    run.refresh_from_db()
    assert (run.status, run.generated) == (RunStatus.DONE, 5), run.message
    report = SummaryReport.objects.get(org_unit=tree.community)
    assert report.latest_version().figures["basic"]["minority_residents"] == 1


def test_staff_regenerate_on_demand_and_watch_it_finish(celery_worker_process, tree, client, staff_user):
    ResidentFactory(household=HouseholdFactory(grid=tree.grid), relation="head")
    client.force_login(staff_user)

    client.post(reverse("reports:report_generate"), {"period": "2026-11"})
    celery_worker_process.wait_until_idle()

    run = ReportRun.objects.get()
    assert run.status == RunStatus.DONE
    page = client.get(reverse("reports:run_progress", args=[run.pk])).content.decode()
    assert "报告已生成新版本" in page
    assert SummaryReport.objects.get(org_unit=tree.community).versions.count() == 1
