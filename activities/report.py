"""The activities' parts of the 创建工作 report, their 存在问题 and dashboard charts, from
``activities.queries`` alone. A figure that is zero is left unsaid."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from core.periods import Period
from core.reporting import (
    Chart,
    Figure,
    Section,
    Series,
    Table,
    dashboard_chart,
    enumerate_cn,
    report_problems,
    report_section,
)
from grid.models import OrgUnit

from . import queries

# 五、走访慰问 and 六、荣誉 -------------------------------------------------------------------------


def yuan(amount: Decimal) -> str:
    """3800 → 3800元, 25000 → 2.5万元, 12345.6 → 1.23万元 (the seeds' 折合2.5万元)."""
    amount = Decimal(amount)
    if amount >= 10000:
        wan = (amount / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        text = f"{wan:f}".rstrip("0").rstrip(".")
        return f"{text}万元"
    whole = amount.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return f"{whole:f}元"


def visits_sentence(visits: queries.VisitFigures) -> str:
    """ "走访慰问群众126户，其中少数民族家庭38户，发放慰问金及物资折合2.5万元。" """
    reasons = {r.reason for r in visits.by_reason}
    # All at festivals (春节, 中秋, 古尔邦节 …): the seeds' 节日期间走访慰问.
    text = "节日期间" if reasons == {"festival"} else ""
    if visits.visits != visits.households:
        text += f"开展走访慰问{visits.visits}次，慰问群众{visits.households}户"
    else:
        text += f"走访慰问群众{visits.households}户"
    if visits.minority_households:
        text += f"，其中少数民族家庭{visits.minority_households}户"
    if visits.amount:
        text += f"，发放慰问金及物资折合{yuan(visits.amount)}"
    return text + "。"


def meetings_sentence(meetings: queries.MeetingFigures) -> str:
    """ "召开民族团结工作会议12次、联席会议4次，议定事项40件，已办结36件。" """
    if not meetings.meetings:
        return ""
    kinds = [f"{label}{n}次" for label, n in meetings.by_kind]
    text = f"召开{enumerate_cn(kinds)}"
    if meetings.decisions:
        text += f"，议定事项{meetings.decisions}件"
        if meetings.done == meetings.decisions:
            text += "，均已办结"
        elif meetings.done:
            text += f"，已办结{meetings.done}件"
    return text + "。"


@report_section("visits", "走访慰问", order=50)
def visits_section(unit: OrgUnit, period: Period) -> Section | None:
    visits = queries.visit_figures(unit, period)
    meetings = queries.meeting_figures(unit, period)
    if not visits.visits and not meetings.meetings:
        return None
    paragraphs = []
    tables = []
    if visits.visits:
        paragraphs.append(visits_sentence(visits))
        reasons = [f"{r.label}{r.households}户" for r in visits.by_reason]
        if len(reasons) > 1:
            paragraphs.append(f"按事由，{enumerate_cn(reasons)}。")
        tables.append(
            Table(
                title="走访慰问",
                columns=["事由", "走访次数", "走访户数"],
                rows=[[r.label, r.visits, r.households] for r in visits.by_reason],
            )
        )
        by_child = queries.visits_by_child(unit, period)
        if by_child:
            tables.append(
                Table(
                    title="各下级单位走访慰问",
                    columns=["单位", "走访次数", "走访户数", "慰问金及物资（元）"],
                    rows=[
                        [row.unit.name, row.visits, row.households, f"{row.amount:.2f}"] for row in by_child
                    ],
                )
            )
    if meetings.meetings:
        paragraphs.append(meetings_sentence(meetings))
        tables.append(
            Table(
                title="会议", columns=["会议类型", "次数"], rows=[[label, n] for label, n in meetings.by_kind]
            )
        )
    headline = []
    if visits.visits:
        headline.append(Figure("households_visited", "走访慰问", visits.households, "户"))
    if meetings.decisions:
        headline.append(Figure("decisions_done", "议定事项办结", meetings.done, "件"))
    return Section(
        key="visits",
        title="走访慰问",
        figures={
            "visits": visits.visits,
            "households_visited": visits.households,
            "minority_households_visited": visits.minority_households,
            "amount": visits.amount,
            "by_reason": [[r.label, r.visits, r.households] for r in visits.by_reason],
            "meetings": meetings.meetings,
            "unity_meetings": meetings.unity_meetings,
            "meetings_by_kind": [list(row) for row in meetings.by_kind],
            "decisions": meetings.decisions,
            "decisions_done": meetings.done,
            "decisions_done_in_period": meetings.done_in_period,
            "decisions_overdue": meetings.overdue,
        },
        headline=headline,
        paragraphs=paragraphs,
        tables=tables,
    )


def honours_sentence(honours: queries.HonourFigures) -> str:
    """ "获得省级荣誉1项、市级荣誉2项：民族团结进步先进单位（辽宁省民委）……。" """
    levels = [f"{label}荣誉{n}项" for label, n in honours.by_level]
    named = [f"{row.recipient}获评“{row.title}”（{row.awarded_by}授予）" for row in honours.honours]
    return f"获得{enumerate_cn(levels)}：{'；'.join(named)}。"


@report_section("honours", "荣誉", order=60)
def honours_section(unit: OrgUnit, period: Period) -> Section | None:
    honours = queries.honour_figures(unit, period)
    if not honours.total:
        return None
    return Section(
        key="honours",
        title="荣誉",
        figures={
            "honours": honours.total,
            "by_level": [list(row) for row in honours.by_level],
            "unit_honours": honours.unit_honours,
            "person_honours": honours.person_honours,
        },
        headline=[Figure("honours", "荣誉", honours.total, "项")],
        paragraphs=[honours_sentence(honours)],
        tables=[
            Table(
                title="荣誉",
                columns=["荣誉称号", "级别", "获得者", "授予单位", "授予日期"],
                rows=[
                    [row.title, row.level, row.recipient, row.awarded_by, row.awarded_on.isoformat()]
                    for row in honours.honours
                ],
            )
        ],
    )


@report_problems("visits", order=50)
def visits_problems(unit: OrgUnit, period: Period) -> list[str]:
    """Grids that visited nobody in the period (said once the unit records its visits here at
    all), and decisions past their due date."""
    problems = []
    if queries.has_visits(unit):
        idle = queries.grids_without_visits(unit, period)
        if idle:
            names = enumerate_cn([grid.name for grid in idle])
            problems.append(f"{names}{len(idle)}个网格本期未开展走访慰问。")
    meetings = queries.meeting_figures(unit, period)
    if meetings.overdue:
        problems.append(f"有{meetings.overdue}件会议议定事项超过办理期限仍未办结，需加快落实。")
    return problems


@dashboard_chart("visits_by_child", "各下级单位走访慰问", order=60)
def visits_chart(unit: OrgUnit, period: Period) -> Chart | None:
    rows = queries.visits_by_child(unit, period)
    if not any(row.visits for row in rows):
        return None
    return Chart(
        key="visits_by_child",
        title="各下级单位走访慰问",
        kind="bar",
        categories=[row.unit.name for row in rows],
        series=[
            Series("走访户数", [row.households for row in rows]),
            Series("走访次数", [row.visits for row in rows]),
        ],
        table=Table(
            title="各下级单位走访慰问",
            columns=["单位", "走访户数", "走访次数"],
            rows=[[row.unit.name, row.households, row.visits] for row in rows],
        ),
        links=[str(row.unit.pk) for row in rows],
    )
