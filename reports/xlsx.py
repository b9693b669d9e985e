"""The 工作报告 as an Excel workbook: a 封面 sheet saying what it is, then one sheet per part
of the report (一、基本情况 …) with its paragraphs and then its tables, numbers as numbers.

Small enough to build in memory (a report has a handful of tables); every text cell goes
through ``core.xlsx.neutralise``, as every export does.
"""

from __future__ import annotations

import io
import math
import re

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from core.xlsx import neutralise

from .exports import ReportExport, cell_text, chinese_date, lines, report_export, table_titles
from .models import ReportVersion, SummaryReport

COVER = "封面"
# Excel refuses these in a sheet name, and names longer than 31 characters.
SHEET_NAME_REFUSED = re.compile(r"[\\/?*\[\]:]")
SHEET_NAME_MAX = 31
# A paragraph spans this many columns at least (wider when a table of the part is wider).
TEXT_COLUMNS = 6
COLUMN_WIDTH = 16
# The height of one line of wrapped 11 pt text, in points.
LINE_HEIGHT = 15
PERCENT = re.compile(r"^-?\d+(\.\d+)?%$")

BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
THIN = Side(style="thin", color="000000")
BOXED = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def sheet_name(text: str, taken: set[str]) -> str:
    """``text`` as a sheet name Excel accepts, unique in the workbook."""
    base = SHEET_NAME_REFUSED.sub("", text).strip("'") or "工作表"
    name = base[:SHEET_NAME_MAX]
    n = 2
    while name.lower() in taken:
        suffix = f"（{n}）"
        name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name


def _value(value):
    """A cell value: numbers stay numbers, "40.0%" becomes 0.4 shown as a percentage."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    text = cell_text(value)
    if PERCENT.match(text):
        return float(text[:-1]) / 100
    return neutralise(text)


def _text_width(text: str) -> int:
    """Excel's width units a text takes: two for a Chinese character, one for the rest."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _cover(sheet, export: ReportExport) -> None:
    version = export.version
    report = export.report
    sheet["A1"] = neutralise(export.title)
    sheet["A1"].font = TITLE_FONT
    rows = [
        ("单位", report.org_unit.name),
        ("报告期", export.period_label),
        ("报告类型", report.get_period_kind_display()),
        ("版本", f"第{version.number}版"),
        ("生成时间", f"{timezone.localtime(version.generated_at):%Y-%m-%d %H:%M}"),
        ("生成人", version.generated_by_label),
        ("状态", report.get_state_display()),
        (
            "上报时间",
            f"{timezone.localtime(report.submitted_at):%Y-%m-%d %H:%M}" if report.submitted_at else "",
        ),
        ("成文日期", chinese_date(export.issued_on)),
        ("导出时间", f"{timezone.localtime():%Y-%m-%d %H:%M}"),
    ]
    for index, (label, value) in enumerate(rows, start=3):
        sheet.cell(index, 1, label).font = BOLD
        sheet.cell(index, 2, neutralise(value))
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 48


def _part(sheet, heading) -> None:
    span = max([TEXT_COLUMNS, *(len(table.columns) for table in heading.tables)])
    for column in range(1, span + 1):
        sheet.column_dimensions[get_column_letter(column)].width = COLUMN_WIDTH
    sheet.cell(1, 1, neutralise(heading.heading)).font = TITLE_FONT
    row = 2
    per_line = span * COLUMN_WIDTH
    for text in lines(heading):
        cell = sheet.cell(row, 1, neutralise(text))
        cell.alignment = WRAP
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
        # Excel does not grow a merged row to its text: give it the lines the text needs.
        sheet.row_dimensions[row].height = LINE_HEIGHT * max(1, math.ceil(_text_width(text) / per_line))
        row += 1
    for title, table in zip(table_titles(heading), heading.tables, strict=True):
        row += 1
        sheet.cell(row, 1, neutralise(title)).font = BOLD
        row += 1
        for column, header in enumerate(table.columns, start=1):
            cell = sheet.cell(row, column, neutralise(header))
            cell.font = BOLD
            cell.border = BOXED
        for values in table.rows:
            row += 1
            for column, value in enumerate(values, start=1):
                cell = sheet.cell(row, column, _value(value))
                cell.border = BOXED
                if isinstance(cell.value, float) and PERCENT.match(cell_text(value)):
                    cell.number_format = "0.0%"
        row += 1


def _print_setup(sheet) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def report_xlsx(report: SummaryReport, version: ReportVersion) -> bytes:
    """``version`` of ``report`` as an .xlsx file."""
    export = report_export(report, version)
    book = Workbook()
    cover = book.active
    cover.title = COVER
    taken = {COVER}
    _cover(cover, export)
    _print_setup(cover)
    for heading in export.headings:
        sheet = book.create_sheet(sheet_name(heading.heading, taken))
        _part(sheet, heading)
        _print_setup(sheet)
    book.properties.title = export.title
    book.properties.creator = export.issued_by
    book.properties.language = "zh-CN"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
