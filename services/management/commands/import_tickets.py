"""``manage.py import_tickets FILE --community CODE [--dry-run]``: a window's past 办件台账 (.xlsx)
into the community's tickets; see ``services.ticket_import``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grid.models import OrgLevel, OrgUnit
from services.ticket_import import import_tickets, read_rows


class Command(BaseCommand):
    help = "导入窗口的历史办件台账（.xlsx）：先逐行检查，有错则不写入；可先试运行。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--community", required=True, help="社区编码")
        parser.add_argument("--dry-run", action="store_true", help="只检查和计数，不写入")

    def handle(self, *args, file: Path, community: str, dry_run: bool, **options):
        unit = OrgUnit.objects.filter(code=community, level=OrgLevel.COMMUNITY).first()
        if unit is None:
            raise CommandError(f"社区编码“{community}”不存在。")
        if not file.exists():
            raise CommandError(f"文件“{file}”不存在。")
        try:
            rows = read_rows(file)
        except Exception as error:  # openpyxl raises many kinds for a file that is no workbook
            raise CommandError(f"无法读取文件“{file.name}”：请提供 .xlsx 格式的办件台账。") from error
        result = import_tickets(by=None, community=unit, rows=rows, dry_run=dry_run)
        for error in result.errors:
            self.stderr.write(error)
        if result.errors:
            raise CommandError(f"共{result.rows}行，{len(result.errors)}处错误，未导入任何办件。")
        verb = "可导入" if dry_run else "已导入"
        self.stdout.write(
            f"{unit.name}：共{result.rows}行，{verb}{result.created}件，已存在跳过{result.skipped}件"
            + ("（试运行，未写入）。" if dry_run else "。")
        )
