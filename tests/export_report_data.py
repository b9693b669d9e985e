"""A generated report to export: 变电所社区's November 2026, from a small ledger in ``tree``.

    一网格: H1 张 汉族 户主, 马 回族 (流动), 李 汉族      二网格: H2 阿依 维吾尔族 户主, 王 汉族
So: 2 households, 5 residents, 2 minority (40.0%), 3 民族, 1 floating. The staff wrote one
工作亮点 and two 下步打算.
"""

from __future__ import annotations

from core.periods import Period
from reports.actions import report_generate, report_paragraphs_update
from reports.models import SummaryReport, Trigger
from residents.models import ResidenceStatus
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity

PERIOD = Period.month(2026, 11)
HIGHLIGHTS = "组织开展“民族团结进步宣传月”活动，辖区各族群众踊跃参与。"
NEXT_STEPS = "完善居民台账，补登户主信息。\n推进网格员配备，做到每格有人。"


def ledger(tree) -> None:
    h1 = HouseholdFactory(grid=tree.grid, building=tree.building, unit=tree.unit)
    h2 = HouseholdFactory(grid=tree.grid2)
    ResidentFactory(household=h1, name="张")
    ResidentFactory(
        household=h1,
        name="马",
        relation="spouse",
        ethnicity=ethnicity("回族"),
        residence_status=ResidenceStatus.FLOATING,
    )
    ResidentFactory(household=h1, name="李", relation="child")
    ResidentFactory(household=h2, name="阿依", ethnicity=ethnicity("维吾尔族"))
    ResidentFactory(household=h2, name="王", relation="spouse")


def generated_report(tree, unit=None, *, staff=None) -> SummaryReport:
    """``unit``'s (变电所社区's) report for PERIOD, generated from the ledger, with the
    staff's paragraphs when ``staff`` wrote them."""
    unit = unit or tree.community
    report = report_generate(unit=unit, period=PERIOD, trigger=Trigger.COMMAND).report
    if staff is not None:
        report = report_paragraphs_update(
            report=report, by=staff, highlights=HIGHLIGHTS, next_steps=NEXT_STEPS
        )
    return SummaryReport.objects.select_related("org_unit").get(pk=report.pk)
