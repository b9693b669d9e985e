"""我的导出: a person's background exports, their progress, and their files.

An export is its requester's alone: anyone else gets 404, as for a record outside their
scope. So does the requester once their scope no longer covers the one they exported from.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core import progress
from core.xlsx import XLSX
from grid.scope import get_in_scope_or_404, scope_queryset

from .export_actions import EXPORTS, may_export
from .models import ExportStatus, LedgerExport

LEDGER_VIEWS = ("residents.view_household", "residents.view_resident")


def _require_ledger(request: HttpRequest) -> None:
    if not any(request.user.has_perm(perm) for perm in LEDGER_VIEWS):
        raise PermissionDenied("您的角色无权查看居民台账。")


def _own_exports(request: HttpRequest):
    return scope_queryset(request.user, LedgerExport.objects.filter(user=request.user))


def _own_export(request: HttpRequest, pk: int) -> LedgerExport:
    return get_in_scope_or_404(request.user, LedgerExport.objects.filter(user=request.user), pk=pk)


def _conditions(request: HttpRequest, export: LedgerExport) -> list[tuple[str, str]]:
    """The export's filters as the list page labels them; shown to the requester only."""
    form = EXPORTS[export.kind].form_class(export.params or None, user=request.user)
    values = form.values()
    # No status means the list's default (在册户 / 在册), not everyone: say which.
    values.setdefault("status", form.fields["status"].choices[0][0])
    shown = []
    for name, value in values.items():
        field = form.fields[name]
        if isinstance(value, Model):
            text = str(value)
        elif name == "q":
            text = f"“{value}”"
        else:
            text = str(dict(field.choices).get(value, value))
        shown.append((str(field.label), text))
    return shown


@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    _require_ledger(request)
    page = Paginator(_own_exports(request), 30).get_page(request.GET.get("page"))
    # Several exports of one list differ only in their filters: show them on each row.
    for export in page:
        export.conditions = _conditions(request, export)
    return render(request, "residents/exports/list.html", {"page": page})


@login_required
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_ledger(request)
    export = _own_export(request, pk)
    context = {
        "export": export,
        "conditions": _conditions(request, export),
        "live": progress.read(export.pk, job=progress.EXPORT),
    }
    return render(request, "residents/exports/detail.html", context)


@login_required
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by the detail page while the file is built; asks for a reload when it is done."""
    _require_ledger(request)
    export = _own_export(request, pk)
    response = render(
        request,
        "residents/exports/_progress.html",
        {"export": export, "live": progress.read(export.pk, job=progress.EXPORT)},
    )
    if not export.is_running:
        response["HX-Refresh"] = "true"
    return response


@login_required
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    _require_ledger(request)
    export = _own_export(request, pk)
    # Asked for when the role allowed it; handed out only while it still does.
    if not may_export(request.user, kind=export.kind, full=export.full):
        raise PermissionDenied("您的角色已无权下载这份导出。")
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404("这份导出没有可下载的文件。")
    try:
        handle = export.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件已被清理，请在台账页面重新导出。") from None
    response = FileResponse(handle, as_attachment=True, filename=export.download_name)
    response["Content-Type"] = XLSX
    return response
