"""Celery tasks of the reports app. Thin: ids in, an action called; ``JobTask`` retries."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from core.jobs import JobTask

from .actions import due_reports_create, report_run_execute


@shared_task(name="reports.tasks.generate_due_reports")
def generate_due_reports() -> list[str]:
    """The 1st of each month (Asia/Shanghai): last month's reports for every unit, and last
    quarter's and last year's when they have just ended. Any other day it does nothing, so
    a beat that fires twice, or late on the same day, is harmless."""
    return [run.period.key for run in due_reports_create(now=timezone.now())]


@shared_task(base=JobTask, bind=True, job_model="reports.ReportRun")
def run_report_run(self, run_id: int) -> None:
    report_run_execute(run_id=run_id, lease=self.request.id)
