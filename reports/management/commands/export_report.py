"""``manage.py export_report --unit CODE --period 2026-11 --format docx|xlsx [-o FILE] [--report-version N]``.

Writes a generated report to a file, as the report page's downloads do: the newest version
unless ``--report-version`` names another; the file name the download would have unless ``-o``
names one. The report must exist (``generate_reports`` writes it). Audited as an export.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core import audit
from core.models import AuditKind
from core.periods import Period, PeriodKind
from grid.models import OrgUnit
from reports.docx import report_docx
from reports.exports import export_filename
from reports.models import SummaryReport
from reports.xlsx import report_xlsx

WRITERS = {"docx": report_docx, "xlsx": report_xlsx}


class Command(BaseCommand):
    help = "导出工作报告为 Word（.docx）或 Excel（.xlsx）文件"

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="单位编码")
        parser.add_argument(
            "--period", required=True, help="报告期：2026-11（月）、2026-Q4（季）或 2026（年）"
        )
        parser.add_argument("--format", choices=sorted(WRITERS), default="docx", help="文件格式，默认 docx")
        parser.add_argument("-o", "--output", help="输出文件；默认为下载时的文件名，写在当前目录")
        parser.add_argument("--report-version", type=int, help="版本号；默认最新版本")

    def handle(self, *args, **options):
        unit = OrgUnit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"没有编码为 {options['unit']} 的单位。")
        try:
            period = Period.parse(options["period"])
        except ValidationError as error:
            raise CommandError(error.messages[0]) from None
        if period.kind == PeriodKind.RANGE:
            raise CommandError("工作报告按月、季度或年度生成，不接受自定义日期范围。")
        report = (
            SummaryReport.objects.select_related("org_unit")
            .filter(org_unit=unit, period_kind=period.kind, period_start=period.start)
            .first()
        )
        generate = f"manage.py generate_reports --unit {unit.code} --period {period.key}"
        if report is None:
            raise CommandError(f"{unit.name}{period.label}的报告尚未生成。请先生成报告：{generate}")
        versions = report.versions.select_related("generated_by")
        number = options["report_version"]
        version = (versions.filter(number=number) if number else versions.order_by("-number")).first()
        if version is None:
            if number:
                raise CommandError(f"{unit.name}{period.label}的报告没有第{number}版。")
            raise CommandError(f"{unit.name}{period.label}的报告尚未生成。请先生成报告：{generate}")
        kind = options["format"]
        content = WRITERS[kind](report, version)
        path = Path(options["output"] or export_filename(report, version, kind))
        try:
            path.write_bytes(content)
        except OSError as error:
            raise CommandError(f"无法写入 {path}：{error.strerror}") from None
        audit.record(AuditKind.EXPORT, obj=report, format=kind, version=version.number, command=True)
        self.stdout.write(f"已导出 {unit.name}{period.label}报告第{version.number}版：{path}")
