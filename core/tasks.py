"""Celery tasks of core: the background export of any registered list, and the sweep that
notices jobs whose worker was lost. Thin: ids in, an action called; ``JobTask`` retries."""

from __future__ import annotations

from celery import shared_task

from .exports import export_job_run, export_jobs_purge
from .jobs import JobTask, jobs_sweep


@shared_task(name="core.tasks.sweep_lost_jobs")
def sweep_lost_jobs() -> dict[str, int]:
    return jobs_sweep()


@shared_task(name="core.tasks.purge_old_exports")
def purge_old_exports() -> int:
    return export_jobs_purge()


@shared_task(base=JobTask, bind=True, job_model="core.ExportJob")
def run_export_job(self, export_id: int) -> None:
    export_job_run(export_id=export_id, lease=self.request.id)
