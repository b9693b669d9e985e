"""四、活动与宣传 of the 创建工作 report and the dashboard's charts (participation by month, the
teams' confirmed volunteer hours), from ``activities.queries`` alone. A figure that is zero is
left unsaid, in the seeds' words: "开展“我们的节日”等主题活动62场，参与群众4180人次，其中少数民族群众
1095人次，涉及8个民族；张贴宣传标语210幅，发放宣传资料1050份".

The activities' parts of the 创建工作 report, their 存在问题 and dashboard charts, from
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
    section_headline,
)
from grid.models import OrgUnit

from . import queries


def hours_text(hours: Decimal) -> str:
    """12.0 → "12", 12.5 → "12.5"."""
    value = hours.quantize(Decimal("0.1"))
    return str(value.to_integral_value()) if value == value.to_integral_value() else str(value)


def activities_sentence(figures: queries.ActivityFigures) -> str:
    """开展“我们的节日”等主题活动62场，参与群众4180人次，其中少数民族群众1095人次，涉及8个民族；
    张贴宣传标语210幅，发放宣传资料1050份。 The theme named is the one most held (“其他” never)."""
    themes = [(name, n) for name, n in figures.by_theme if name != "其他"]
    if themes:
        top = max(themes, key=lambda item: item[1])[0]
        more = "等" if len(figures.by_theme) > 1 else ""
        text = f"开展“{top}”{more}主题活动{figures.activities}场"
    else:
        text = f"开展各类活动{figures.activities}场"
    if figures.participants:
        text += f"，参与群众{figures.participants}人次"
        if figures.minority_participants:
            text += f"，其中少数民族群众{figures.minority_participants}人次"
        if figures.ethnicity_count > 1:
            text += f"，涉及{figures.ethnicity_count}个民族"
    publicity = []
    if figures.slogans:
        publicity.append(f"张贴宣传标语{figures.slogans}幅")
    if figures.materials:
        publicity.append(f"发放宣传资料{figures.materials}份")
    if figures.boards:
        publicity.append(f"制作宣传展板{figures.boards}块")
    if figures.reached:
        publicity.append(f"受益群众{figures.reached}人次")
    if publicity:
        text += "；" + "，".join(publicity)
    return text + "。"


def teams_sentence(teams: queries.TeamFigures) -> str:
    """组建文体队伍、志愿者队伍等6支，队员86人，其中少数民族队员10人；志愿者32人累计服务640小时。"""
    if not teams.teams:
        return ""
    kinds = "、".join(name for name, _ in teams.by_kind[:2])
    more = "等" if len(teams.by_kind) > 2 else ""
    text = f"组建{kinds}{more}{teams.teams}支，队员{teams.members}人"
    if teams.minority_members:
        text += f"，其中少数民族队员{teams.minority_members}人"
    if teams.hours:
        text += f"；志愿者{teams.volunteers}人累计志愿服务{hours_text(teams.hours)}小时"
    return text + "。"


@report_section("activities", "活动与宣传", order=40)
def activities_section(unit: OrgUnit, period: Period) -> Section | None:
    figures = queries.activity_figures(unit, period)
    teams = queries.team_figures(unit, period)
    if not figures.activities and not teams.teams:
        return None
    paragraphs = []
    tables = []
    if figures.activities:
        paragraphs.append(activities_sentence(figures))
        kinds = [f"{name}{n}场" for name, n in figures.by_kind]
        paragraphs.append(f"从类型看，{enumerate_cn(kinds)}。")
        if figures.bilingual:
            paragraphs.append(f"其中{figures.bilingual}场活动开展双语宣传。")
        tables.append(
            Table(title="活动类型", columns=["类型", "场次"], rows=[list(r) for r in figures.by_kind])
        )
        tables.append(
            Table(title="活动主题", columns=["主题", "场次"], rows=[list(r) for r in figures.by_theme])
        )
        if figures.ethnicities:
            tables.append(
                Table(
                    title="参与群众民族构成（台账居民）",
                    columns=["民族", "人次"],
                    rows=[list(r) for r in figures.ethnicities],
                )
            )
    if teams.teams:
        paragraphs.append(teams_sentence(teams))
        tables.append(
            Table(
                title="队伍与志愿服务",
                columns=["队伍", "队员（人）", "其中少数民族", "已确认服务时长（小时）"],
                rows=[[r.name, r.members, r.minority_members, hours_text(r.hours)] for r in teams.rows],
            )
        )
    return Section(
        key="activities",
        title="活动与宣传",
        figures={
            "activities": figures.activities,
            "by_kind": figures.by_kind,
            "by_theme": figures.by_theme,
            "participants": figures.participants,
            "attendees": figures.attendees,
            "others": figures.others,
            "minority_participants": figures.minority_participants,
            "ethnicity_count": figures.ethnicity_count,
            "ethnicities": figures.ethnicities,
            "materials": figures.materials,
            "slogans": figures.slogans,
            "boards": figures.boards,
            "reached": figures.reached,
            "bilingual": figures.bilingual,
            "teams": teams.teams,
            "members": teams.members,
            "minority_members": teams.minority_members,
            "volunteers": teams.volunteers,
            "hours": teams.hours,
        },
        headline=_headline(figures.activities, figures.participants, figures.minority_participants),
        paragraphs=paragraphs,
        tables=tables,
    )


def _headline(activities: int, participants: int, minority: int) -> list[Figure]:
    return [
        Figure("activities", "活动", activities, "场"),
        Figure("participants", "参与群众", participants, "人次"),
        Figure("minority_participants", "少数民族参与", minority, "人次"),
    ]


@section_headline("activities")
def activities_headline(unit: OrgUnit, period: Period) -> list[Figure] | None:
    """The section's headline alone (two aggregates, and one more when nothing was held)."""
    counts = queries.headline_counts(unit, period)
    if not counts[0] and not queries.teams_in(unit).exists():
        return None
    return _headline(*counts)


@dashboard_chart("activities_months", "活动参与人次（按月）", order=60)
def participation_chart(unit: OrgUnit, period: Period) -> Chart | None:
    months = queries.by_month(unit, period)
    if not any(month.activities for month in months):
        return None
    return Chart(
        key="activities_months",
        title="活动参与人次（按月）",
        kind="trend",
        categories=[month.label for month in months],
        series=[
            Series("参与群众（人次）", [month.participants for month in months]),
            Series("其中少数民族（人次）", [month.minority_participants for month in months]),
        ],
        table=Table(
            title="活动参与人次（按月）",
            columns=["月份", "活动（场）", "参与群众（人次）", "其中少数民族（人次）"],
            rows=[[m.label, m.activities, m.participants, m.minority_participants] for m in months],
        ),
    )


@dashboard_chart("activities_team_hours", "各队伍志愿服务时长", order=61)
def team_hours_chart(unit: OrgUnit, period: Period) -> Chart | None:
    teams = queries.team_figures(unit, period)
    rows = [row for row in teams.rows if row.hours]
    if not rows:
        return None
    return Chart(
        key="activities_team_hours",
        title="各队伍志愿服务时长",
        kind="bar",
        categories=[row.name for row in rows],
        series=[Series("已确认时长（小时）", [float(row.hours) for row in rows])],
        table=Table(
            title="各队伍志愿服务时长",
            columns=["队伍", "队员（人）", "已确认时长（小时）"],
            rows=[[row.name, row.members, hours_text(row.hours)] for row in rows],
        ),
    )


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
