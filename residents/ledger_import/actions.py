"""The life of one ledger import: upload → dry run (preview) → commit, each step logged.

Both the web pages (through Celery tasks) and ``manage.py import_ledger`` call these, so a
file behaves the same however it comes in.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from core import progress
from grid.models import OrgUnit
from residents.bulk import bulk_insert
from residents.models import ImportStatus, LedgerImport, LedgerImportRow

from .files import LedgerFileError, check_xlsx_container, open_ledger, sniff_kind
from .pipeline import ImportPlan, PlanHasErrors, cyclic_gc_paused, import_rows, plan_import

logger = logging.getLogger(__name__)


def _sha256(fh) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: fh.read(1024 * 1024), b""):
        digest.update(chunk)
    fh.seek(0)
    return digest.hexdigest()


def ledger_import_create(*, community: OrgUnit, file, file_name: str, user=None) -> LedgerImport:
    """Log the upload and keep the file. A file refused on sight is logged as refused, not kept.

    Raises ``LedgerFileError`` (after logging) when the file is refused. Not atomic on
    purpose: the refusal must stay in the log although the caller sees an exception.
    """
    ledger_import = LedgerImport(
        community=community, user=user, file_name=Path(file_name).name[:255], sha256=_sha256(file)
    )
    ledger_import.file.save(Path(file_name).name, File(file), save=False)
    try:
        path = Path(ledger_import.file.path)
        if sniff_kind(path, file_name) == "xlsx":
            check_xlsx_container(path)
    except LedgerFileError as err:
        ledger_import.file.delete(save=False)
        ledger_import.status = ImportStatus.REFUSED
        ledger_import.message = str(err)
        ledger_import.save()
        logger.info("ledger import %s refused on upload", ledger_import.pk)
        raise
    ledger_import.save()
    return ledger_import


def _refuse(ledger_import: LedgerImport, err: LedgerFileError) -> None:
    """Log the refusal; a refused file is not kept."""
    if ledger_import.file:
        ledger_import.file.delete(save=False)
    ledger_import.status = ImportStatus.REFUSED
    ledger_import.message = str(err)
    ledger_import.save(update_fields=["status", "message", "file"])


def _count(ledger_import: LedgerImport, plan: ImportPlan) -> None:
    counts = plan.counts
    ledger_import.total_rows = plan.total_rows
    ledger_import.processed_rows = plan.total_rows
    ledger_import.new_count = counts["new"]
    ledger_import.updated_count = counts["updated"]
    ledger_import.unchanged_count = counts["unchanged"]
    ledger_import.error_count = counts["error"]


def _store_rows(ledger_import: LedgerImport, plan: ImportPlan) -> None:
    """Keep each row's outcome for the preview page (replacing an earlier run's)."""
    LedgerImportRow.objects.filter(ledger_import=ledger_import).delete()
    bulk_insert(
        [
            LedgerImportRow(
                ledger_import=ledger_import,
                row_number=r.row_number,
                outcome=r.outcome,
                summary=r.summary[:200],
                detail="、".join(r.changed)[:300],
                errors=[{"column": c, "message": m} for c, m in r.errors],
            )
            for r in plan.reports()
        ]
    )


def ledger_import_preview(*, ledger_import: LedgerImport) -> ImportPlan | None:
    """The dry run: validate every row and record what committing would do. Writes no ledger data.

    Running it again replaces the earlier preview, so a retried task is harmless.
    """
    ledger_import.status = ImportStatus.VALIDATING
    ledger_import.save(update_fields=["status"])
    try:
        table = open_ledger(ledger_import.file.path, ledger_import.file_name)
    except LedgerFileError as err:
        _refuse(ledger_import, err)
        return None

    def report(done: int, total: int) -> None:
        progress.report(ledger_import.pk, "校验", done, total)

    plan = plan_import(
        community=ledger_import.community, table=table, user=ledger_import.user, progress=report
    )
    with transaction.atomic():
        _store_rows(ledger_import, plan)
        _count(ledger_import, plan)
        ledger_import.status = ImportStatus.PREVIEWED
        notes = []
        if plan.new_places:
            notes.append("确认导入后将新建这些楼栋、单元：" + "、".join(plan.new_places[:30]))
        if table.unknown_headers:
            notes.append("以下列不是台账列，已忽略：" + "、".join(table.unknown_headers[:20]))
        ledger_import.message = "\n".join(notes)
        ledger_import.save()
    progress.clear(ledger_import.pk)
    return plan


def ledger_import_commit(*, import_id: int, skip_errors: bool | None = None) -> LedgerImport:
    """Write the file's rows, all or nothing (or only the valid ones with ``skip_errors``).

    The rows are validated again inside the transaction, against the database as it is
    now. Calling it again after it succeeded changes nothing.
    """
    with transaction.atomic():
        ledger_import = LedgerImport.objects.select_for_update().select_related("community").get(pk=import_id)
        if ledger_import.status == ImportStatus.DONE:
            return ledger_import
        if skip_errors is not None:
            ledger_import.skip_errors = skip_errors
        ledger_import.status = ImportStatus.COMMITTING
        ledger_import.save(update_fields=["status", "skip_errors"])
    try:
        with cyclic_gc_paused():
            plan = _commit(ledger_import)
    except PlanHasErrors as err:
        plan = err.plan  # rolled back: nothing of it was written
    except LedgerFileError as err:
        _refuse(ledger_import, err)
        return ledger_import
    finally:
        progress.clear(ledger_import.pk)
    if plan is not None and plan.has_errors and not ledger_import.skip_errors:
        _store_rows(ledger_import, plan)
        _count(ledger_import, plan)
        ledger_import.status = ImportStatus.FAILED
        ledger_import.message = (
            f"有 {plan.counts['error']} 行错误，按“全部成功才导入”的规则，本次没有写入任何数据。"
            "请下载错误行修改后重新上传，或选择跳过错误行导入。"
        )
        ledger_import.save()
    return ledger_import


@transaction.atomic
def _commit(ledger_import: LedgerImport) -> ImportPlan:
    # One import per community at a time: a second commit waits here, then sees the
    # first one's rows as existing and plans updates instead of duplicates.
    community = OrgUnit.objects.select_for_update().get(pk=ledger_import.community_id)
    table = open_ledger(ledger_import.file.path, ledger_import.file_name)

    def report(done: int, total: int) -> None:
        progress.report(ledger_import.pk, "导入", done, total)

    plan = import_rows(
        community=community,
        table=table,
        user=ledger_import.user,
        ledger_import=ledger_import,
        skip_errors=ledger_import.skip_errors,
        progress=report,
    )
    _count(ledger_import, plan)
    ledger_import.status = ImportStatus.DONE
    ledger_import.committed_at = timezone.now()
    ledger_import.message = ""
    ledger_import.save()
    return plan


def ledger_import_fail(*, import_id: int, message: str) -> None:
    """Mark an import that broke for a reason other than its file (the task gave up)."""
    LedgerImport.objects.filter(pk=import_id).exclude(status=ImportStatus.DONE).update(
        status=ImportStatus.FAILED, message=message
    )
