"""Large ledger exports, built by a Celery task instead of inside the request.

An export records what was asked — the list, its filters and search, masked or full — and
who asked. The task rebuilds the list for that person as they are *when it runs*, through
the same scope and filter form as the page: a requester who has since lost the role, or
whose scope no longer covers what they asked for, gets a failed export and no file.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core import progress
from core.xlsx import Column, write_workbook
from grid.scope import unit_in_scope, user_org_unit

from .exports import FULL_IDENTITY, household_columns, resident_columns
from .filters import LedgerFilterForm, ResidentFilterForm, households_for, residents_for
from .models import ExportKind, ExportStatus, LedgerExport

logger = logging.getLogger(__name__)

ROLE_LOST = "您的角色已无权导出这份台账（或无权导出完整身份证号和电话），未生成文件。"
SCOPE_LOST = "您的管辖范围已变更，不再包含申请导出时的范围，未生成文件。请在台账页面重新导出。"
FILTERS_LOST = "导出条件中的网格或楼栋已不在您的管辖范围内，未生成文件。请在台账页面重新导出。"
GAVE_UP = "生成文件时出现系统错误，未生成文件。请稍后重新导出，或联系系统管理员。"


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
    export.status = status
    export.message = message
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "message", "finished_at", "row_count", "file"])
    return export


def ledger_export_run(*, export_id: int) -> LedgerExport:
    """Build the file of a queued export for its requester as they are now.

    Not one transaction: the page must see it running. Running it again once it has
    finished (done or failed) changes nothing.
    """
    with transaction.atomic():
        export = (
            LedgerExport.objects.select_for_update(of=("self",))
            .select_related("user", "scope_unit")
            .get(pk=export_id)
        )
        if not export.is_running:
            return export
        export.status = ExportStatus.RUNNING
        export.save(update_fields=["status"])

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
        progress.report(export.pk, "生成", done, total, job=progress.EXPORT)

    report(0)
    try:
        with tempfile.TemporaryFile() as out:
            export.row_count = write_workbook(
                out, spec.title, spec.columns(unmasked=export.full), rows, progress=report
            )
            out.seek(0)
            export.file.save(f"ledger-export-{export.pk}.xlsx", File(out, name="export.xlsx"), save=False)
    finally:
        progress.clear(export.pk, job=progress.EXPORT)
    return _finish(export, status=ExportStatus.DONE)


def ledger_export_fail(*, export_id: int, message: str = GAVE_UP) -> None:
    """Mark an export whose task gave up, so its page does not wait forever."""
    LedgerExport.objects.filter(pk=export_id, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]).update(
        status=ExportStatus.FAILED, message=message, finished_at=timezone.now()
    )
    progress.clear(export_id, job=progress.EXPORT)
