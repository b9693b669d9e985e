"""manage.py import_ledger FILE --community CODE [--dry-run] [--skip-errors] [--user NAME]

The same path as the web import (log, checks, dry run, atomic commit), for operators and
for very large files; prints the outcome counts and each error row.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from grid.models import OrgLevel, OrgUnit
from grid.scope import unit_in_scope
from residents.ledger_import.actions import ledger_import_commit, ledger_import_create, ledger_import_preview
from residents.ledger_import.files import LedgerFileError
from residents.ledger_import.messages import shown_to
from residents.models import ImportStatus, LedgerImportRow, RowOutcome


class Command(BaseCommand):
    help = "导入居民台账（Excel/CSV），与网页导入走同一流程。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="台账文件（.xlsx / .xls / .csv）")
        parser.add_argument("--community", required=True, help="导入到的社区编码")
        parser.add_argument("--dry-run", action="store_true", help="只校验并列出结果，不写入")
        parser.add_argument("--skip-errors", action="store_true", help="跳过错误行，只导入无误的行")
        parser.add_argument("--user", help="记为导入人的用户名（其管辖范围限制导入社区）")
        parser.add_argument("--max-errors", type=int, default=50, help="最多列出多少条错误")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        try:
            community = OrgUnit.objects.get(code=opts["community"], level=OrgLevel.COMMUNITY)
        except OrgUnit.DoesNotExist:
            raise CommandError(f"没有编码为 {opts['community']} 的社区。") from None
        user = None
        if opts["user"]:
            user = get_user_model().objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"没有用户 {opts['user']}。")
            if not (user.has_perm("residents.import_ledger") and unit_in_scope(user, community)):
                raise CommandError(f"用户 {opts['user']} 无权向 {community.name} 导入台账。")

        try:
            with path.open("rb") as fh:
                ledger_import = ledger_import_create(
                    community=community, file=fh, file_name=path.name, user=user
                )
        except LedgerFileError as err:
            raise CommandError(str(err)) from None

        if opts["dry_run"]:
            ledger_import_preview(ledger_import=ledger_import)
        else:
            ledger_import = ledger_import_commit(import_id=ledger_import.pk, skip_errors=opts["skip_errors"])
        ledger_import.refresh_from_db()
        if ledger_import.status == ImportStatus.REFUSED:
            raise CommandError(ledger_import.message)

        self.stdout.write(
            f"{community.name}：共 {ledger_import.total_rows} 行，新增 {ledger_import.new_count}，"
            f"更新 {ledger_import.updated_count}，无变化 {ledger_import.unchanged_count}，"
            f"错误 {ledger_import.error_count}（导入记录 #{ledger_import.pk}，SHA-256 {ledger_import.sha256[:12]}…）"
        )
        self._print_errors(ledger_import, opts)
        if ledger_import.status == ImportStatus.DONE:
            self.stdout.write(self.style.SUCCESS("已导入。"))
        elif ledger_import.status == ImportStatus.NOTHING:
            self.stdout.write(ledger_import.message)
        elif opts["dry_run"]:
            self.stdout.write("试导入完成，未写入任何数据。")
        else:
            raise CommandError(ledger_import.message)

    def _print_errors(self, ledger_import, opts) -> None:
        if not ledger_import.error_count:
            return
        errors = LedgerImportRow.objects.filter(ledger_import=ledger_import, outcome=RowOutcome.ERROR)
        rows = list(errors[: opts["max_errors"]])
        shown = shown_to(None, {row.pk: row.errors for row in rows})  # the operator sees where
        for row in rows:
            reasons = "；".join(f"{e['column']}：{e['message']}" for e in shown[row.pk])
            self.stdout.write(f"  第{row.row_number}行 {reasons}")
        if ledger_import.error_count > opts["max_errors"]:
            self.stdout.write(f"  ……另有 {ledger_import.error_count - opts['max_errors']} 行错误未列出")
