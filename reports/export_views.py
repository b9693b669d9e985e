"""A report's Word file, its workbook and its print view: the newest version, or the one
``?version=N`` names. Each is audited (安全审计) as an export, with its format and version."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from core import audit
from core.models import AuditKind
from core.views import require
from core.xlsx import xlsx_response
from grid.scope import get_in_scope_or_404

from .docx import report_docx
from .exports import chinese_date, export_filename, lines, report_export, table_titles
from .hooks import VIEW
from .models import ReportVersion, SummaryReport
from .xlsx import report_xlsx

# A title line of the print view, in 22 pt characters across the 156 mm type area.
PRINT_TITLE_CHARS = 20
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _report_and_version(request: HttpRequest, pk: int) -> tuple[SummaryReport, ReportVersion]:
    require(request, VIEW)
    report = get_in_scope_or_404(request.user, SummaryReport.objects.select_related("org_unit"), pk=pk)
    versions = report.versions.select_related("generated_by")
    asked = request.GET.get("version")
    if asked:
        if not asked.isdigit():
            raise Http404("没有这个版本。")
        version = versions.filter(number=int(asked)).first()
    else:
        version = versions.order_by("-number").first()
    if version is None:
        raise Http404("报告尚未生成，或没有这个版本。")
    return report, version


def _audited(request: HttpRequest, report: SummaryReport, version: ReportVersion, kind: str) -> None:
    audit.record(AuditKind.EXPORT, request=request, obj=report, format=kind, version=version.number)


@login_required
def report_docx_download(request: HttpRequest, pk: int) -> HttpResponse:
    report, version = _report_and_version(request, pk)
    content = report_docx(report, version)
    _audited(request, report, version, "docx")
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(
        True, export_filename(report, version, "docx")
    )
    return response


@login_required
def report_xlsx_download(request: HttpRequest, pk: int) -> HttpResponse:
    report, version = _report_and_version(request, pk)
    content = report_xlsx(report, version)
    _audited(request, report, version, "xlsx")
    stem = export_filename(report, version, "xlsx").removesuffix(".xlsx")
    return xlsx_response(content, stem, dated=False)


@login_required
def report_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as it prints: A4 with the official layout's margins and fonts, page numbers
    in the foot (static/css/report_print.css), the browser's own print dialog."""
    report, version = _report_and_version(request, pk)
    export = report_export(report, version)
    _audited(request, report, version, "print")
    parts = [
        {
            "heading": heading.heading,
            "lines": lines(heading),
            "tables": list(zip(table_titles(heading), heading.tables, strict=True)),
        }
        for heading in export.headings
    ]
    context = {
        "report": report,
        "version": version,
        "export": export,
        "title_lines": export.title_lines(PRINT_TITLE_CHARS),
        "parts": parts,
        "issued_on": chinese_date(export.issued_on),
        "is_latest": version.number == report.latest_version().number,
    }
    return render(request, "reports/report_print.html", context)
