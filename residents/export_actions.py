"""Large ledger exports, built by a Celery task instead of inside the request.

An export records what was asked — the list, its filters and search, masked or full — and
who asked. The task rebuilds the list for that person as they are *when it runs*, through
the same scope and filter form as the page: a requester who has since lost the role, or
whose scope no longer covers what they asked for, gets a failed export and no file.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db.models import QuerySet
from django.utils import timezone

from core.jobs import JobLost, job_claim, job_move, job_progress, job_progress_clear
from core.transitions import TransitionRefused
from core.xlsx import Column, write_workbook
from grid.scope import unit_in_scope, user_org_unit

from .exports import FULL_IDENTITY, household_columns, resident_columns
from .filters import LedgerFilterForm, ResidentFilterForm, households_for, residents_for
from .models import ExportKind, ExportStatus, LedgerExport

logger = logging.getLogger(__name__)

ROLE_LOST = "您的角色已无权导出这份台账（或无权导出完整身份证号和电话），未生成文件。"
SCOPE_LOST = "您的管辖范围已变更，不再包含申请导出时的范围，未生成文件。请在台账页面重新导出。"
FILTERS_LOST = "导出条件中的网格或楼栋已不在您的管辖范围内，未生成文件。请在台账页面重新导出。"
GAVE_UP = LedgerExport.job_gave_up_message


@dataclass(frozen=True)
class ExportSpec:
    """What one kind of export lists, who may ask for it, and how its sheet looks."""

    permission: str
    form_class: type[LedgerFilterForm]
    rows_for: Callable[..., QuerySet]
    columns: Callable[..., list[Column]]
    title: str


EXPORTS: dict[str, ExportSpec] = {
    ExportKind.HOUSEHOLDS: ExportSpec(
        "residents.view_household", LedgerFilterForm, households_for, household_columns, "户台账"
    ),
    ExportKind.RESIDENTS: ExportSpec(
        "residents.view_resident", ResidentFilterForm, residents_for, resident_columns, "居民台账"
    ),
}


def may_export(user, *, kind: str, full: bool) -> bool:
    spec = EXPORTS[kind]
    return user.has_perm(spec.permission) and (not full or user.has_perm(FULL_IDENTITY))


def ledger_export_create(*, user, kind: str, params: Mapping[str, str], full: bool) -> LedgerExport:
    """Record an export for the task to build. ``params`` are the list page's query
    parameters with the search term as ``q``.

    Only the filters valid for ``user`` now are kept — the page ignores the others too — so
    the file holds what the page showed. Raises ``PermissionDenied`` when ``user`` may not
    export this list, or not with full values.
    """
    if not may_export(user, kind=kind, full=full):
        raise PermissionDenied("您的角色无权导出这份台账。")
    form = EXPORTS[kind].form_class(params or None, user=user)
    kept = {name: str(params[name]) for name in form.values()}
    return LedgerExport.objects.create(
        user=user, kind=kind, params=kept, full=full, scope_unit=user_org_unit(user)
    )


def _refusal(export: LedgerExport) -> str:
    """Why the requester may no longer have this file, or "" when they still may."""
    user = export.user
    if not user.is_active or not may_export(user, kind=export.kind, full=export.full):
        return ROLE_LOST
    if export.scope_unit_id is None:  # asked by a superuser without a place in the tree
        return "" if user.is_superuser else SCOPE_LOST
    return "" if unit_in_scope(user, export.scope_unit) else SCOPE_LOST


def _finish(export: LedgerExport, *, status: str, message: str = "") -> LedgerExport:
    return job_move(
        export,
        status,
        values={
            "message": message,
            "finished_at": timezone.now(),
            "row_count": export.row_count,
            "file": export.file.name or "",
        },
    )


def ledger_export_run(*, export_id: int, lease: str | None = None) -> LedgerExport:
    """Build the file of a queued export for its requester as they are now.

    Not one transaction: the page must see it running. Only the run holding the export's
    claim (``lease``: the Celery task id) builds it; running it again once it has finished
    (done or failed), or while another run builds it, changes nothing.
    """
    export = LedgerExport.objects.select_related("user", "scope_unit").get(pk=export_id)
    if not job_claim(export, LedgerExport.job_phases[0], lease=lease or f"local-{uuid.uuid4()}"):
        return export
    try:
        return _build(export)
    except (JobLost, TransitionRefused):
        # The sweep gave the export to another run, which writes its own file.
        logger.warning("ledger export %s taken over by another run", export.pk)
        if export.file.name:
            export.file.storage.delete(export.file.name)
        export.refresh_from_db()
        return export
    finally:
        job_progress_clear(export)


def _build(export: LedgerExport) -> LedgerExport:
    spec = EXPORTS[export.kind]
    user = export.user
    form = spec.form_class(export.params or None, user=user)
    refusal = _refusal(export)
    # A grid or building that has left the scope would silently widen the list instead.
    if not refusal and export.params and not form.is_valid():
        refusal = FILTERS_LOST
    if refusal:
        logger.info("ledger export %s refused: the requester's role or scope changed", export.pk)
        return _finish(export, status=ExportStatus.FAILED, message=refusal)

    rows = spec.rows_for(user, form.values())
    total = rows.count()

    def report(done: int) -> None:
        job_progress(export, "生成", done, total)

    report(0)
    with tempfile.TemporaryFile() as out:
        export.row_count = write_workbook(
            out, spec.title, spec.columns(unmasked=export.full), rows, progress=report
        )
        out.seek(0)
        export.file.save(f"ledger-export-{export.pk}.xlsx", File(out, name="export.xlsx"), save=False)
    return _finish(export, status=ExportStatus.DONE)
