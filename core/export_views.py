"""Exports of the registered lists: the download a list page offers (at once when small,
else a background job), and 我的导出 — a person's background exports of every list, their
progress and their files, one page for all apps.

An export is its requester's alone: anyone else gets 404, as for a record outside their
scope. So does the requester once their scope no longer covers the one they exported from.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from . import audit, lists, progress, scoping
from .exports import export_job_create, may_export_job
from .lists import find, registered
from .models import AuditKind, ExportJob, ExportStatus
from .tasks import run_export_job
from .views import require
from .xlsx import XLSX, write_workbook, xlsx_response


def _require_some_export(request: HttpRequest) -> None:
    """The page is for people who may export some list; others get 403, as before any lookup."""
    if not any(spec.exportable and request.user.has_perm(spec.permission) for spec in registered()):
        raise PermissionDenied("您的角色无权导出数据。")


def _own_jobs(request: HttpRequest):
    return scoping.scope_queryset(request.user, ExportJob.objects.filter(user=request.user))


def _own_job(request: HttpRequest, pk: int) -> ExportJob:
    return scoping.get_in_scope_or_404(request.user, ExportJob.objects.filter(user=request.user), pk=pk)


def _conditions(request: HttpRequest, job: ExportJob) -> list[tuple[str, str]]:
    """The export's filters as the list page labels them; shown to the requester only."""
    spec = find(job.list_key)
    if spec is None:
        return []
    form = spec.form_class(job.params or None, user=request.user)
    values = form.values()
    # A filter left unset means the list's default (在册 only, say), not everything: say which.
    for name, default in form.defaults().items():
        values.setdefault(name, default)
    shown = []
    for name, value in values.items():
        field = form.fields[name]
        if isinstance(value, Model):
            text = str(value)
        elif name == "q":
            text = f"“{value}”"
        else:
            text = str(dict(getattr(field, "choices", ())).get(value, value))
        shown.append((str(field.label), text))
    return shown


def _context(request: HttpRequest, job: ExportJob) -> dict:
    spec = find(job.list_key)
    return {
        "export": job,
        "list": spec,
        "conditions": _conditions(request, job),
        "live": progress.read(job.pk, job=job.job_progress_key),
    }


@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    _require_some_export(request)
    page = Paginator(_own_jobs(request), 30).get_page(request.GET.get("page"))
    # Several exports of one list differ only in their filters: show them on each row.
    for job in page:
        job.conditions = _conditions(request, job)
    # While one is being built the table reloads itself (htmx), so 下载 appears without a reload.
    running = any(job.is_running for job in page)
    return render(request, "core/exports/list.html", {"page": page, "running": running})


@login_required
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_some_export(request)
    return render(request, "core/exports/detail.html", _context(request, _own_job(request, pk)))


@login_required
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by the detail page while the file is built; asks for a reload when it is done."""
    _require_some_export(request)
    job = _own_job(request, pk)
    response = render(request, "core/exports/_progress.html", _context(request, job))
    if not job.is_running:
        response["HX-Refresh"] = "true"
    return response


@login_required
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    _require_some_export(request)
    job = _own_job(request, pk)
    # Asked for when the role allowed it; handed out only while it still does.
    if not may_export_job(request.user, job):
        raise PermissionDenied("您的角色已无权下载这份导出。")
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404("这份导出没有可下载的文件。")
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件已被清理，请在列表页面重新导出。") from None
    response = FileResponse(handle, as_attachment=True, filename=job.download_name)
    response["Content-Type"] = XLSX
    return response


FULL_NEEDS_POST = "导出{label}须在列表页面填写用途后提交，不能通过链接直接下载。"
REASON_MIN = 4


def _asked_full(request: HttpRequest, spec: lists.ScopedList) -> tuple[bool, str]:
    """Whether full values were asked for, and the stated purpose (用途). Only by a POST (a
    link can't start one) with a purpose, by a role holding the list's full-export
    permission; anything else asking is refused."""
    if request.GET.get("unmasked") != "1" and request.POST.get("unmasked") != "1":
        return False, ""
    if request.method != "POST" or request.GET.get("unmasked") == "1":
        raise PermissionDenied(FULL_NEEDS_POST.format(label=spec.full_label))
    if not lists.may_export_full(request.user, spec):
        raise PermissionDenied(f"您的角色无权导出{spec.full_label}。")
    return True, " ".join(request.POST.get("reason", "").split())[:200]


def _why(reason: str) -> dict:
    # The purpose as stated: the audit's record of why whole values left the system.
    return {"reason": reason} if reason else {}


def list_export(request: HttpRequest, spec: lists.ScopedList | str) -> HttpResponse:
    """The filtered list as .xlsx: at once when it is small, else built by a background job.

    Above ``EXPORT_SYNC_MAX_ROWS`` rows a download would hold the request (and a web
    worker) for seconds; the export is recorded and its page shows when it is ready.
    """
    spec = lists.get(spec) if isinstance(spec, str) else spec
    require(request, spec.permission)
    if not spec.exportable:
        raise PermissionDenied("这份列表不提供导出。")
    full, reason = _asked_full(request, spec)
    if full and len(reason) < REASON_MIN:
        messages.error(request, f"导出{spec.full_label}须写明用途（至少 {REASON_MIN} 个字）。")
        return redirect(f"{reverse(spec.url_name)}?{request.GET.urlencode()}")
    data = lists.filter_data(request, spec)
    rows = spec.export_rows(request.user, spec.form_class(data, user=request.user).values())
    limit = settings.EXPORT_SYNC_MAX_ROWS
    # Counted only as far as the threshold: whether it is small is all that matters here.
    if rows.order_by()[: limit + 1].count() <= limit:
        out = io.BytesIO()
        count = write_workbook(out, spec.title, spec.sheet_columns(full=full), rows)
        audit.record(AuditKind.EXPORT, request=request, list=spec.key, rows=count, full=full, **_why(reason))
        return xlsx_response(out.getvalue(), spec.title)
    job = export_job_create(
        user=request.user, list_key=spec.key, params=data.dict() if data else {}, full=full
    )
    audit.record(
        AuditKind.EXPORT, request=request, obj=job, list=spec.key, full=full, background=True, **_why(reason)
    )
    run_export_job.delay_on_commit(job.pk)
    job.refresh_from_db()
    if job.is_running:
        messages.info(request, f"超过 {limit:,} 行，已转入后台生成，可以离开本页，稍后在“我的导出”中下载。")
    return redirect("core:export_detail", pk=job.pk)
