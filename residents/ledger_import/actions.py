"""The life of one ledger import: upload → dry run (preview) → commit, each step logged.

Both the web pages (through Celery tasks) and ``manage.py import_ledger`` call these, so a
file behaves the same however it comes in. Every status change goes through the import's
transition table (``LedgerImport.transitions``); each run claims the import first
(``core.jobs.job_claim``), so a second click or a task delivered twice never writes.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import uuid
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from core import audit
from core.jobs import JobLost, job_claim, job_move, job_progress, job_progress_clear
from core.models import AuditKind
from core.transitions import TransitionRefused, transition
from grid.models import OrgUnit
from residents.bulk import bulk_insert
from residents.models import ImportStatus, LedgerImport, LedgerImportRow
from residents.queries import grids_under, ledger_changed

from .files import LedgerFileError, check_xlsx_container, open_ledger, sniff_kind
from .messages import error_record
from .pipeline import ImportPlan, PlanHasErrors, cyclic_gc_paused, import_rows, plan_import

logger = logging.getLogger(__name__)

PREVIEW, COMMIT = LedgerImport.job_phases
ALREADY_RUNNING = "该导入已在进行中，请勿重复点击“确认导入”。可以离开本页，稍后回来查看结果。"
FILE_GONE = "导入文件已不在服务器上，无法重试，请重新上传。"


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


def _lease(lease: str | None) -> str:
    """The run's claim on the import: the Celery task id, or one of its own for a command."""
    return lease or f"local-{uuid.uuid4()}"


def _refuse(ledger_import: LedgerImport, err: LedgerFileError) -> None:
    """Log the refusal; a refused file is not kept."""
    name = ledger_import.file.name
    job_move(ledger_import, ImportStatus.REFUSED, values={"message": str(err), "file": ""})
    if name:
        ledger_import.file.storage.delete(name)


def _counts(plan: ImportPlan) -> dict[str, int]:
    counts = plan.counts
    return {
        "total_rows": plan.total_rows,
        "processed_rows": plan.total_rows,
        "new_count": counts["new"],
        "updated_count": counts["updated"],
        "unchanged_count": counts["unchanged"],
        "error_count": counts["error"],
    }


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
                errors=[error_record(*error) for error in r.errors],
            )
            for r in plan.reports()
        ]
    )


def ledger_import_preview(*, ledger_import: LedgerImport, lease: str | None = None) -> ImportPlan | None:
    """The dry run: validate every row and record what committing would do. Writes no ledger data.

    Runs only for the run that claims the import (``lease``: the Celery task id); another
    run at the same time returns None without touching it. Running it again replaces the
    earlier preview, so a retried task is harmless.
    """
    if not job_claim(ledger_import, PREVIEW, lease=_lease(lease)):
        logger.info("ledger import %s: dry run not started (%s)", ledger_import.pk, ledger_import.status)
        return None
    try:
        try:
            table = open_ledger(ledger_import.file.path, ledger_import.file_name)
        except LedgerFileError as err:
            _refuse(ledger_import, err)
            return None

        def report(done: int, total: int) -> None:
            job_progress(ledger_import, "校验", done, total)

        plan = plan_import(
            community=ledger_import.community, table=table, user=ledger_import.user, progress=report
        )
        notes = []
        if plan.new_places:
            notes.append("确认导入后将新建这些楼栋、单元：" + "、".join(plan.new_places[:30]))
        if table.unknown_headers:
            notes.append("以下列不是台账列，已忽略：" + "、".join(table.unknown_headers[:20]))
        status = ImportStatus.PREVIEWED
        if not (plan.counts["new"] or plan.counts["updated"]):
            # Nothing a commit would write: say so and close it, rather than wait for a 确认.
            status = ImportStatus.NOTHING
            notes.insert(0, nothing_to_import(plan))
        with transaction.atomic():
            _store_rows(ledger_import, plan)
            job_move(ledger_import, status, values={**_counts(plan), "message": "\n".join(notes)})
    except (JobLost, TransitionRefused):
        logger.warning("ledger import %s: dry run taken over by another run", ledger_import.pk)
        return None
    finally:
        job_progress_clear(ledger_import)
    return plan


def nothing_to_import(plan: ImportPlan) -> str:
    """Why a dry run that would write nothing is closed (a file without data rows never gets
    here: it is refused when opened)."""
    counts = plan.counts
    if counts["error"]:
        return (
            f"没有可以导入的行：{counts['error']} 行有错误"
            + (f"，{counts['unchanged']} 行与台账一致" if counts["unchanged"] else "")
            + "。请修改错误行后重新上传。本次导入已结束。"
        )
    return f"文件中的 {plan.total_rows} 行与台账完全一致，没有需要导入的内容。本次导入已结束。"


def ledger_import_confirm(*, ledger_import: LedgerImport, by, skip_errors: bool) -> LedgerImport:
    """确认导入: hand a previewed import to its commit task (the caller enqueues it on commit).

    The move is the commit's claim: of two clicks at once one wins, the other raises
    ``TransitionRefused`` (``current`` is 导入中: tell them it is already running).
    """
    return transition(
        ledger_import,
        ImportStatus.COMMITTING,
        by=by,
        values={"skip_errors": skip_errors, "attempts": 0, "lease": "", "heartbeat_at": None},
    )


def ledger_import_retry(*, ledger_import: LedgerImport, by) -> LedgerImport:
    """重试 a failed import from its kept file: a new dry run, then 确认导入 as usual, so what
    is confirmed is checked against the ledger as it is now (the caller enqueues the dry run)."""
    if not ledger_import.file:
        raise TransitionRefused(FILE_GONE, "file_gone", ledger_import.status)
    return transition(
        ledger_import,
        ImportStatus.PENDING,
        by=by,
        note="重试",
        values={"attempts": 0, "lease": "", "heartbeat_at": None, "message": ""},
    )


def ledger_import_commit(
    *, import_id: int, skip_errors: bool | None = None, lease: str | None = None
) -> LedgerImport:
    """Write the file's rows, all or nothing (or only the valid ones with ``skip_errors``).

    The rows are validated again inside the transaction, against the database as it is
    now. Only the run holding the import's claim writes: called again while another run
    works, after it succeeded, or for an import that is over, it changes nothing.
    """
    ledger_import = LedgerImport.objects.select_related("community").get(pk=import_id)
    if ledger_import.status == ImportStatus.DONE:
        return ledger_import
    if ledger_import.status in {ImportStatus.PENDING, ImportStatus.PREVIEWED}:
        # Started without the page's click: the command line, or the task sent directly.
        # If another start wins, the claim below sorts out who runs.
        with contextlib.suppress(TransitionRefused):
            transition(ledger_import, ImportStatus.COMMITTING, values={"attempts": 0, "lease": ""})
    if not job_claim(ledger_import, COMMIT, lease=_lease(lease)):
        logger.info("ledger import %s: commit not started (%s)", import_id, ledger_import.status)
        return ledger_import
    if skip_errors is not None and skip_errors != ledger_import.skip_errors:
        ledger_import.skip_errors = skip_errors
        ledger_import.save(update_fields=["skip_errors"])
    try:
        try:
            with cyclic_gc_paused():
                plan = _commit(ledger_import)
        except PlanHasErrors as err:
            plan = err.plan  # rolled back: nothing of it was written
        except LedgerFileError as err:
            _refuse(ledger_import, err)
            return ledger_import
        if plan.has_errors and not ledger_import.skip_errors:
            message = (
                f"有 {plan.counts['error']} 行错误，按“全部成功才导入”的规则，本次没有写入任何数据。"
                "请下载错误行修改后重新上传，或点击“重试”后选择跳过错误行导入。"
            )
            with transaction.atomic():
                _store_rows(ledger_import, plan)
                job_move(ledger_import, ImportStatus.FAILED, values={**_counts(plan), "message": message})
    except (JobLost, TransitionRefused):
        # The sweep gave the import to another run; this one's writes were rolled back.
        logger.warning("ledger import %s: commit taken over by another run", import_id)
        ledger_import.refresh_from_db()
    finally:
        job_progress_clear(ledger_import)
    return ledger_import


@transaction.atomic
def _commit(ledger_import: LedgerImport) -> ImportPlan:
    # One import per community at a time: another import of the same community waits here,
    # then sees this one's rows as existing and plans updates instead of duplicates.
    community = OrgUnit.objects.select_for_update().get(pk=ledger_import.community_id)
    table = open_ledger(ledger_import.file.path, ledger_import.file_name)

    def report(done: int, total: int) -> None:
        job_progress(ledger_import, "导入", done, total)

    plan = import_rows(
        community=community,
        table=table,
        user=ledger_import.user,
        ledger_import=ledger_import,
        skip_errors=ledger_import.skip_errors,
        progress=report,
    )
    # Conditional on this run's claim: a run the sweep took the import from rolls back here.
    job_move(
        ledger_import,
        ImportStatus.DONE,
        values={**_counts(plan), "committed_at": timezone.now(), "message": ""},
    )
    # Its rows are all in the community's grids: their kept counts are stale now.
    ledger_changed(grid.pk for grid in grids_under(community))
    # One audit event for the whole file, inside the import's transaction: no rows, no event.
    counts = _counts(plan)
    audit.record(
        AuditKind.IMPORT,
        user=ledger_import.user,
        obj=ledger_import,
        new=counts["new_count"],
        updated=counts["updated_count"],
        errors=counts["error_count"],
    )
    return plan
