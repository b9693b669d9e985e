"""Celery tasks of core: the background export of any registered list."""

from __future__ import annotations

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError

from .exports import export_job_fail, export_job_run

TRANSIENT = (OperationalError, InterfaceError)


class ExportTask(DjangoTask):
    """When a task gives up (retries spent, or a bug), the export page must not spin forever."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        export_job_fail(export_id=args[0] if args else kwargs["export_id"])


@shared_task(base=ExportTask, bind=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def run_export_job(self, export_id: int) -> None:
    export_job_run(export_id=export_id)
