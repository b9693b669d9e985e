"""The 工作报告 as a Word file laid out as Chinese official documents are (GB/T 9704-2012).

- Page (5.2): A4, 天头 (top margin) 37 mm, 订口 (left margin) 28 mm, 版心 156 × 225 mm, so
  bottom 35 mm and right 26 mm; 22 lines of 28 characters (a ``linesAndChars`` document
  grid: a line pitch of 225 mm / 22 = 28.95 pt, the 16 pt characters drawn 0.21 pt closer).
- Title: 2号 (22 pt) 方正小标宋简体, centred, broken after the period when it is longer than
  a line. Text: 3号 (16 pt) 仿宋_GB2312, first lines indented two characters, exactly one
  grid line apart. Headings 一、 in 黑体, （一） in 楷体_GB2312 (here: each table's title), the
  points of 存在问题 and 下步打算 as "1." paragraphs.
- Every run names its East Asian font (``w:eastAsia``), and so do the styles; digits and
  Latin letters are Times New Roman. Where a 方正 or _GB2312 font is not installed, the font
  table names the one Word takes instead (``w:altName``: 宋体, 仿宋, 楷体).
- Tables for the figures: a repeated header row in 黑体, cells in 仿宋 4号 (小四 when wide),
  single borders.
- Signed (7.3.5, unsealed): the unit two characters from the right under the text, the
  date below it starting two characters to the right of the unit's first character.
- Page numbers (7.5): "— 1 —" in 4号 宋体, a PAGE field, 7 mm under the type area; odd
  pages on the right and even pages on the left, one character in from the edge of the
  type area, as the standard lays them out for a document printed on both sides.

Built with python-docx, which gives each run's ``w:rFonts`` and the field code directly;
no Word template to maintain (docs/reports.md says why). The layout's primitives (page,
faces, styles, runs, title, tables, page numbers) are ``core.officialdoc``'s, shared with
the other official documents the apps print (the 人民调解协议书).
"""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone

from core import officialdoc as doc
from core.officialdoc import (
    BODY,
    BODY_FACE,
    HEADING,
    HEADING_FACE,
    SIGNATURE,
    SUBHEADING,
    SUBHEADING_FACE,
)
from core.reporting import Table

from .exports import ReportExport, cell_text, chinese_date, lines, report_export, table_titles, width
from .models import ReportVersion, SummaryReport


def _properties(document, export: ReportExport) -> None:
    props = document.core_properties
    props.title = export.title
    props.subject = f"{export.period_label}民族团结进步创建工作"
    props.author = props.last_modified_by = export.issued_by
    props.keywords = "民族团结进步创建;工作报告"
    props.comments = f"第{export.version.number}版"
    props.category = export.report.get_period_kind_display()
    props.language = "zh-CN"
    props.revision = export.version.number
    # python-docx writes the time as given, with a Z: give it UTC.
    props.created = export.version.generated_at.astimezone(dt.UTC)
    props.modified = timezone.now().astimezone(dt.UTC)


def _table(document, table: Table) -> None:
    doc.table(document, table.columns, [[cell_text(value) for value in row] for row in table.rows])


def _signature(document, export: ReportExport) -> None:
    """GB/T 9704 7.3.5.2: the unit 右空二字; the date on the next line, its first character
    two to the right of the unit's (a date longer than that moves the unit left instead)."""
    date = chinese_date(export.issued_on)
    name_chars, date_chars = width(export.issued_by), width(date)
    name_right = max(2, date_chars + 4 - name_chars)
    date_right = name_right + name_chars - date_chars - 2
    document.add_paragraph(style=BODY)  # 正文下空一行
    for text, right in ((export.issued_by, name_right), (date, date_right)):
        paragraph = doc.paragraph(document, SIGNATURE, text, BODY_FACE)
        doc.indent_chars(paragraph.paragraph_format, right=right)


def report_docx(report: SummaryReport, version: ReportVersion) -> bytes:
    """``version`` of ``report`` as a .docx file."""
    export = report_export(report, version)
    document = doc.new_document()
    _properties(document, export)
    doc.title(document, export.title_lines(doc.TITLE_CHARS))
    if not export.headings:
        doc.paragraph(document, BODY, "本报告期暂无可报告的内容。", BODY_FACE)
    for heading in export.headings:
        doc.paragraph(document, HEADING, heading.heading, HEADING_FACE)
        for text in lines(heading):
            doc.paragraph(document, BODY, text, BODY_FACE)
        for title, table in zip(table_titles(heading), heading.tables, strict=True):
            doc.paragraph(document, SUBHEADING, title, SUBHEADING_FACE)
            _table(document, table)
    _signature(document, export)
    doc.page_numbers(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
