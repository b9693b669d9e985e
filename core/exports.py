"""Background exports of the registered lists (``core.lists``), built by a Celery task
instead of inside the request.

A job records what was asked — the list, its filters and search, masked or full — and
who asked. The task rebuilds the list for that person as they are *when it runs*, through
the same selector and filter form as the page: a requester who has since lost the role,
or whose scope no longer covers what they asked for, gets a failed export and no file.

The run goes QUEUED → RUNNING → DONE | FAILED through ``ExportJob.transitions``, as a
``core.jobs`` job: the start is a claim (a second delivery of the task builds nothing), the
progress reports are its heartbeat, and a run the sweep took away writes no file.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.utils import timezone

from . import scoping
from .jobs import JobLost, job_claim, job_move, job_progress, job_progress_clear
from .lists import find, may_export
from .models import ExportJob, ExportStatus
from .transitions import TransitionRefused
from .xlsx import write_workbook

logger = logging.getLogger(__name__)

ROLE_LOST = "您的角色已无权导出这份数据（或无权导出其中的完整个人信息），未生成文件。"
SCOPE_LOST = "您的管辖范围已变更，不再包含申请导出时的范围，未生成文件。请在列表页面重新导出。"
FILTERS_LOST = "导出条件中的筛选项已不在您的管辖范围内，未生成文件。请在列表页面重新导出。"
GONE = "这份列表已不再提供导出，未生成文件。"
GAVE_UP = "生成文件时出现系统错误，未生成文件。请稍后重新导出，或联系系统管理员。"


def may_export_job(user, job: ExportJob) -> bool:
    spec = find(job.list_key)
    return spec is not None and may_export(user, spec, full=job.full)


def export_job_create(*, user, list_key: str, params: Mapping[str, str], full: bool) -> ExportJob:
    """Record an export for the task to build. ``params`` are the list page's query
    parameters with the search term as ``q``.

    Only the filters valid for ``user`` now are kept — the page ignores the others too — so
    the file holds what the page showed. Raises ``PermissionDenied`` when ``user`` may not
    export this list, or not with full values.
    """
    spec = find(list_key)
    if spec is None or not may_export(user, spec, full=full):
        raise PermissionDenied("您的角色无权导出这份数据。")
    form = spec.form_class(params or None, user=user)
    kept = {name: str(params[name]) for name in form.values()}
    return ExportJob.objects.create(
        user=user, list_key=list_key, params=kept, full=full, scope_unit=scoping.user_org_unit(user)
    )


def _refusal(job: ExportJob) -> str:
    """Why the requester may no longer have this file, or "" when they still may."""
    user = job.user
    if find(job.list_key) is None:
        return GONE
    if not user.is_active or not may_export_job(user, job):
        return ROLE_LOST
    if job.scope_unit_id is None:  # asked by a superuser without a place in the tree
        return "" if user.is_superuser else SCOPE_LOST
    return "" if scoping.unit_in_scope(user, job.scope_unit) else SCOPE_LOST


def _finish(job: ExportJob, *, status: str, message: str = "") -> ExportJob:
    values = {"message": message, "finished_at": timezone.now(), "row_count": job.row_count}
    return job_move(job, status, values={**values, "file": job.file.name or ""})


def export_job_run(*, export_id: int, lease: str | None = None) -> ExportJob:
    """Build the file of a queued export for its requester as they are now.

    Not one transaction: the page must see it running. Only the run holding the job's
    claim (``lease``: the Celery task id) builds it; running it again once it has finished
    (done or failed), or while another run builds it, changes nothing.
    """
    job = ExportJob.objects.select_related("user", "scope_unit").get(pk=export_id)
    if not job_claim(job, ExportJob.job_phases[0], lease=lease or f"local-{uuid.uuid4()}"):
        return job
    try:
        return _build(job)
    except (JobLost, TransitionRefused):
        # The sweep gave the job to another run, which writes its own file.
        logger.warning("export %s taken over by another run", job.pk)
        if job.file.name:
            job.file.storage.delete(job.file.name)
        job.refresh_from_db()
        return job
    finally:
        job_progress_clear(job)


def _build(job: ExportJob) -> ExportJob:
    refusal = _refusal(job)
    spec = find(job.list_key)
    form = spec.form_class(job.params or None, user=job.user) if spec else None
    # A filter (a grid, a building) that has left the scope would silently widen the list instead.
    if not refusal and job.params and not form.is_valid():
        refusal = FILTERS_LOST
    if refusal:
        logger.info("export %s refused: the requester's role or scope changed", job.pk)
        return _finish(job, status=ExportStatus.FAILED, message=refusal)

    rows = spec.export_rows(job.user, form.values())
    total = rows.count()

    def report(done: int) -> None:
        job_progress(job, "生成", done, total)

    report(0)
    with tempfile.TemporaryFile() as out:
        job.row_count = write_workbook(
            out, spec.title, spec.sheet_columns(full=job.full), rows, progress=report
        )
        out.seek(0)
        job.file.save(f"export-{job.pk}.xlsx", File(out, name="export.xlsx"), save=False)
    return _finish(job, status=ExportStatus.DONE)


EXPIRED = "文件已超过保留期（{days} 天），已自动删除。如仍需要，请在列表页面重新导出。"


def export_jobs_purge(*, now=None) -> int:
    """Delete the files of exports finished more than ``EXPORT_RETENTION_DAYS`` ago; the
    record stays (who exported what, when), saying the file is gone. Run again, it finds
    nothing more to do. Returns how many files went."""
    from datetime import timedelta

    from django.conf import settings

    days = settings.EXPORT_RETENTION_DAYS
    cutoff = (now or timezone.now()) - timedelta(days=days)
    purged = 0
    for job in ExportJob.objects.filter(finished_at__lt=cutoff).exclude(file=""):
        job.file.storage.delete(job.file.name)
        ExportJob.objects.filter(pk=job.pk).update(file="", message=EXPIRED.format(days=days))
        purged += 1
    return purged
