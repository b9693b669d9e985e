"""What the Word file, the workbook and the print view of one report version share: the
numbered parts as ``compose.document`` orders them, the title, who issues it and when,
and the file name. Each writer only lays these out.

A version keeps the generated sections as they were; the staff's 工作亮点 and 下步打算 are
the report's own, so an older version is exported with today's paragraphs, as the report
page shows it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from core.officialdoc import chinese_date, width  # noqa: F401  (chinese_date: the writers take it from here)
from core.reporting import chinese_ordinal

from .compose import Heading, document, report_title
from .models import ReportVersion, SummaryReport


@dataclass(frozen=True)
class ReportExport:
    report: SummaryReport
    version: ReportVersion
    title: str
    headings: list[Heading]
    issued_by: str  # the unit's name, signed under the text
    issued_on: dt.date  # the version's generation day (Asia/Shanghai): the 成文日期

    @property
    def period_label(self) -> str:
        return self.report.period.label

    def title_lines(self, chars_per_line: float) -> list[str]:
        """The title on one line, or on two broken after the unit and period when it is
        longer (GB/T 9704 7.3.1: a title breaks where its words stay whole)."""
        head = f"{self.issued_by}{self.period_label}"
        if width(self.title) > chars_per_line and self.title.startswith(head) and self.title != head:
            return [head, self.title[len(head) :]]
        return [self.title]

    def filename(self, extension: str) -> str:
        return export_filename(self.report, self.version, extension)


def export_filename(report: SummaryReport, version: ReportVersion, extension: str) -> str:
    """变电所社区2026年11月民族团结进步创建工作报告（第2版）.docx"""
    return f"{report_title(report.org_unit, report.period)}（第{version.number}版）.{extension}"


def report_export(report: SummaryReport, version: ReportVersion) -> ReportExport:
    unit = report.org_unit
    return ReportExport(
        report=report,
        version=version,
        title=report_title(unit, report.period),
        headings=document(version.section_list(), highlights=report.highlights, next_steps=report.next_steps),
        issued_by=unit.name,
        issued_on=timezone.localdate(version.generated_at),
    )


def lines(heading: Heading) -> list[str]:
    """A part's paragraphs as printed: 存在问题 and 下步打算 numbered 1. 2. … (GB/T 9704's
    third level, which a report of two levels may use directly under 一、)."""
    if not heading.numbered_paragraphs:
        return list(heading.paragraphs)
    return [f"{index}.{text}" for index, text in enumerate(heading.paragraphs, start=1)]


def table_titles(heading: Heading) -> list[str]:
    """Each table's title as a second-level heading under its part: （一）民族构成."""
    return [
        f"（{chinese_ordinal(index)}）{table.title}" for index, table in enumerate(heading.tables, start=1)
    ]


def cell_text(value) -> str:
    return "" if value is None else str(value)
