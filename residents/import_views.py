"""台账导入 pages: upload, watch the dry run, read the preview, confirm, download errors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core import progress
from core.transitions import TransitionRefused
from core.xlsx import xlsx_response
from grid.scope import get_in_scope_or_404, scope_queryset

from .ledger_import.actions import (
    ALREADY_RUNNING,
    ledger_import_confirm,
    ledger_import_create,
    ledger_import_retry,
)
from .ledger_import.files import LedgerFileError
from .ledger_import.forms import CommitForm, LedgerUploadForm
from .ledger_import.messages import shown_to
from .ledger_import.workbooks import error_rows_workbook, template_workbook
from .models import ImportStatus, LedgerImport, RowOutcome
from .tasks import commit_ledger_import, preview_ledger_import

can_import = permission_required("residents.import_ledger", raise_exception=True)


@login_required
@can_import
def import_list(request: HttpRequest) -> HttpResponse:
    imports = scope_queryset(request.user, LedgerImport).select_related("community", "user")
    page = Paginator(imports, 30).get_page(request.GET.get("page"))
    return render(request, "residents/imports/list.html", {"page": page})


@login_required
@can_import
def import_new(request: HttpRequest) -> HttpResponse:
    form = LedgerUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            ledger_import = ledger_import_create(
                community=form.cleaned_data["community"],
                file=upload,
                file_name=upload.name,
                user=request.user,
            )
        except LedgerFileError as err:
            form.add_error("file", str(err))
        else:
            preview_ledger_import.delay_on_commit(ledger_import.pk)
            return redirect("ledger_import:detail", pk=ledger_import.pk)
    return render(request, "residents/imports/new.html", {"form": form})


@login_required
@can_import
def import_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(template_workbook(), "居民台账导入模板", dated=False)


@login_required
@can_import
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ledger_import = get_in_scope_or_404(
        request.user, LedgerImport.objects.select_related("community", "user"), pk=pk
    )
    outcome = request.GET.get("outcome", "")
    rows = ledger_import.rows.all()
    if outcome in RowOutcome.values:
        rows = rows.filter(outcome=outcome)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    # Errors about people registered elsewhere name the place only to a reader who may see it.
    shown = shown_to(request.user, {row.pk: row.errors for row in page})
    for row in page:
        row.errors = shown[row.pk]
    return render(
        request,
        "residents/imports/detail.html",
        {
            "imp": ledger_import,
            "page": page,
            "outcome": outcome,
            "outcomes": RowOutcome.choices,
            "commit_form": CommitForm(),
            "live": progress.read(ledger_import.pk, job=LedgerImport.job_progress_key),
        },
    )


@login_required
@can_import
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by the detail page while the import runs; asks for a reload when it is done."""
    ledger_import = get_in_scope_or_404(request.user, LedgerImport, pk=pk)
    response = render(
        request,
        "residents/imports/_progress.html",
        {"imp": ledger_import, "live": progress.read(ledger_import.pk, job=LedgerImport.job_progress_key)},
    )
    if not ledger_import.is_running:
        response["HX-Refresh"] = "true"
    return response


@login_required
@can_import
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    ledger_import = get_in_scope_or_404(request.user, LedgerImport, pk=pk)
    form = CommitForm(request.POST)
    if ledger_import.status == ImportStatus.COMMITTING:
        messages.info(request, ALREADY_RUNNING)
        return redirect("ledger_import:detail", pk=pk)
    if not ledger_import.can_commit or not form.is_valid():
        messages.error(request, "该导入当前不能确认写入（可能已经导入，或没有可导入的行）。")
        return redirect("ledger_import:detail", pk=pk)
    if ledger_import.error_count and not form.cleaned_data["skip_errors"]:
        messages.error(
            request, f"有 {ledger_import.error_count} 行错误。请修改后重新上传，或勾选“跳过错误行”。"
        )
        return redirect("ledger_import:detail", pk=pk)
    try:
        ledger_import_confirm(
            ledger_import=ledger_import, by=request.user, skip_errors=form.cleaned_data["skip_errors"]
        )
    except TransitionRefused as refused:
        # Another click won the race (or finished already): only that one runs.
        if refused.current in {ImportStatus.COMMITTING, ImportStatus.DONE}:
            messages.info(
                request, ALREADY_RUNNING if refused.current == ImportStatus.COMMITTING else "导入已完成。"
            )
        else:
            messages.error(request, refused.message)
        return redirect("ledger_import:detail", pk=pk)
    commit_ledger_import.delay_on_commit(ledger_import.pk)
    ledger_import.refresh_from_db()
    if ledger_import.is_running:
        messages.info(request, "已开始导入，可以离开本页，稍后回来查看结果。")
    elif ledger_import.status == ImportStatus.DONE:
        # Without a broker (the embedded setup) the task has already run.
        messages.success(request, "导入完成。")
    return redirect("ledger_import:detail", pk=pk)


@login_required
@can_import
@require_POST
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """重试: a failed import checked again from its kept file, without a new upload."""
    ledger_import = get_in_scope_or_404(request.user, LedgerImport, pk=pk)
    try:
        ledger_import_retry(ledger_import=ledger_import, by=request.user)
    except TransitionRefused as refused:
        messages.error(request, refused.message)
        return redirect("ledger_import:detail", pk=pk)
    preview_ledger_import.delay_on_commit(ledger_import.pk)
    messages.info(request, "已重新开始校验，完成后请再次确认导入。")
    return redirect("ledger_import:detail", pk=pk)


@login_required
@can_import
def import_error_rows(request: HttpRequest, pk: int) -> HttpResponse:
    ledger_import = get_in_scope_or_404(request.user, LedgerImport, pk=pk)
    errors = dict(ledger_import.rows.filter(outcome=RowOutcome.ERROR).values_list("row_number", "errors"))
    errors = shown_to(request.user, errors)
    if not errors or not ledger_import.file:
        messages.info(request, "这次导入没有错误行可下载。")
        return redirect("ledger_import:detail", pk=pk)
    content = error_rows_workbook(ledger_import.file.path, ledger_import.file_name, errors)
    stem = ledger_import.file_name.rsplit(".", 1)[0]
    return xlsx_response(content, f"{stem}-错误行", dated=False)
