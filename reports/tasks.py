"""Celery tasks of the reports app. Thin: ids in, an action called; ``JobTask`` retries."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from core.jobs import JobTask
from core.periods import due_periods

from .actions import report_run_create, report_run_execute
from .models import Trigger


@shared_task(name="reports.tasks.generate_due_reports")
def generate_due_reports() -> list[str]:
    """The 1st of each month (Asia/Shanghai): last month's reports for every unit, and last
    quarter's and last year's when they have just ended. Any other day it does nothing, so
    a beat that fires twice, or late on the same day, is harmless."""
    periods = due_periods(timezone.localdate())
    for period in periods:
        report_run_create(period=period, trigger=Trigger.SCHEDULE)
    return [period.key for period in periods]


@shared_task(base=JobTask, bind=True, job_model="reports.ReportRun")
def run_report_run(self, run_id: int) -> None:
    report_run_execute(run_id=run_id, lease=self.request.id)
