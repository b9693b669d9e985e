"""Celery tasks for ledger imports: ids in, an action called.

``JobTask`` (core/jobs.py) does the rest: retries on transient database errors, a fresh
connection for each retry, redelivery when the pool process dies, and a failed record
(not one left running) when the task gives up. The run's claim on its record is the task
id (``self.request.id``), the same for a retry and a redelivery of the same task.
"""

from __future__ import annotations

from celery import shared_task

from core.exports import export_job_run
from core.jobs import JobTask

from .ledger_import.actions import ledger_import_commit, ledger_import_preview
from .models import LedgerImport
from .queries import grid_counts_refresh


@shared_task(base=JobTask, bind=True, job_model="residents.LedgerImport")
def preview_ledger_import(self, import_id: int) -> None:
    ledger_import = LedgerImport.objects.select_related("community", "user").get(pk=import_id)
    ledger_import_preview(ledger_import=ledger_import, lease=self.request.id)


@shared_task(base=JobTask, bind=True, job_model="residents.LedgerImport")
def commit_ledger_import(self, import_id: int, skip_errors: bool | None = None) -> None:
    ledger_import_commit(import_id=import_id, skip_errors=skip_errors, lease=self.request.id)


# Exports are core's (core.tasks.run_export_job); this name still runs messages queued
# under it before the ledger's exports moved there.
@shared_task(base=JobTask, bind=True, job_model="core.ExportJob")
def run_ledger_export(self, export_id: int) -> None:
    export_job_run(export_id=export_id, lease=self.request.id)


@shared_task(ignore_result=True)
def refresh_grid_counts() -> None:
    grid_counts_refresh()
