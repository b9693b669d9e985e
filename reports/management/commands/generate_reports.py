"""``manage.py generate_reports [--period 2026-11 | 2026-Q4 | 2026] [--unit CODE]``.

The same code as the 1st-of-the-month schedule: last month by default, every community,
street and district unless ``--unit`` names one. Prints each unit's headline figures.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.periods import Period, PeriodKind, last_completed
from grid.models import OrgUnit
from reports.actions import report_generate, reporting_units
from reports.models import Trigger

OUTCOMES = {"generated": "已生成新版本", "unchanged": "无变化", "frozen": "已上报，未改动"}


class Command(BaseCommand):
    help = "生成工作报告（默认：上个月，全部社区、街道和区）"

    def add_arguments(self, parser):
        parser.add_argument("--period", help="报告期：2026-11（月）、2026-Q4（季）或 2026（年）；默认上个月")
        parser.add_argument("--unit", help="单位编码；默认全部社区、街道和区")

    def handle(self, *args, **options):
        try:
            period = (
                Period.parse(options["period"])
                if options["period"]
                else last_completed(PeriodKind.MONTH, timezone.localdate())
            )
        except ValidationError as error:
            raise CommandError(error.messages[0]) from None
        if period.kind == PeriodKind.RANGE:
            raise CommandError("工作报告按月、季度或年度生成，不接受自定义日期范围。")
        unit = None
        if options["unit"]:
            unit = OrgUnit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"没有编码为 {options['unit']} 的单位。")
        for each in reporting_units(unit):
            try:
                result = report_generate(unit=each, period=period, trigger=Trigger.COMMAND)
            except ValidationError as error:
                raise CommandError(error.messages[0]) from None
            version = result.version
            headline = ""
            if version is not None:
                basic = next((s for s in version.section_list() if s.key == "basic"), None)
                if basic is not None:
                    headline = "，".join(f"{f.label}{f.value}{f.unit}" for f in basic.headline)
            self.stdout.write(
                f"{each.code} {each.name} {period.label}：{OUTCOMES[result.outcome]}  {headline}"
            )
