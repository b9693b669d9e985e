"""Celery tasks for ledger imports and exports: ids in, an action called, retried on passing faults."""

from __future__ import annotations

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError

from core.exports import export_job_fail as ledger_export_fail
from core.exports import export_job_run as ledger_export_run

from .ledger_import.actions import ledger_import_commit, ledger_import_fail, ledger_import_preview
from .models import LedgerImport

TRANSIENT = (OperationalError, InterfaceError)
GAVE_UP = "导入过程中出现系统错误，本次没有写入任何数据。请稍后重试，或联系系统管理员。"


class ImportTask(DjangoTask):
    """When a task gives up (retries spent, or a bug), the import page must not spin forever."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        ledger_import_fail(import_id=args[0] if args else kwargs["import_id"], message=GAVE_UP)


@shared_task(base=ImportTask, bind=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def preview_ledger_import(self, import_id: int) -> None:
    ledger_import = LedgerImport.objects.select_related("community", "user").get(pk=import_id)
    ledger_import_preview(ledger_import=ledger_import)


@shared_task(base=ImportTask, bind=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def commit_ledger_import(self, import_id: int, skip_errors: bool = False) -> None:
    ledger_import_commit(import_id=import_id, skip_errors=skip_errors)


class ExportTask(DjangoTask):
    """Like ``ImportTask``: an export whose task gives up is marked failed, not left running."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        ledger_export_fail(export_id=args[0] if args else kwargs["export_id"])


@shared_task(base=ExportTask, bind=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def run_ledger_export(self, export_id: int) -> None:
    ledger_export_run(export_id=export_id)
