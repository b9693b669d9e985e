"""二、矛盾纠纷调解 of the 创建工作 report, its 存在问题 and the dashboard's chart of cases by
category, from ``mediation.queries`` alone. A figure that is zero is left unsaid."""

from __future__ import annotations

from django.utils import timezone

from core.periods import Period
from core.reporting import (
    Chart,
    Figure,
    Section,
    Series,
    Table,
    dashboard_chart,
    dashboard_figure,
    enumerate_cn,
    rate,
    report_problems,
    report_section,
)
from grid.models import OrgUnit

from . import queries


def _factor(label: str, total: int, resolved: int) -> str:
    if resolved == total:
        return f"其中涉及{label}{total}件，均已化解" if total > 1 else f"其中涉及{label}{total}件，已化解"
    return f"其中涉及{label}{total}件，已化解{resolved}件"


# 日常坐诊 → 坐诊: how the report names a mode in a list ("开展坐诊、义诊等服务").
CLINIC_SHORT = {
    "daily": "坐诊",
    "appointment": "问诊",
    "expert": "会诊",
    "circuit": "巡诊",
    "campaign": "义诊",
}


def clinic_sentence(clinic: queries.ClinicFigures) -> str:
    """ "法律诊所开展坐诊、义诊等服务12场，服务群众180人次，其中少数民族群众46人次。"; "" for none.
    Two modes are named (the most held, then the most served, when there are more, and "等")."""
    if not clinic.sessions:
        return ""
    modes = sorted(clinic.by_mode, key=lambda m: (-m.sessions, -m.served))
    named = "、".join(
        CLINIC_SHORT[m.mode] for m in sorted(modes[:2], key=lambda m: list(CLINIC_SHORT).index(m.mode))
    )
    text = f"法律诊所开展{named}{'等' if len(modes) > 2 else ''}服务{clinic.sessions}场"
    if clinic.served:
        text += f"，服务群众{clinic.served}人次"
        if clinic.minority_served:
            text += f"，其中少数民族群众{clinic.minority_served}人次"
    return text + "。"


def _visits(visits: queries.FollowUpFigures) -> str:
    """回访当事人N次，协议履行率M%: said only when visits were made."""
    text = f"回访当事人{visits.done}次，协议履行率{rate(visits.keep_rate)}"
    if visits.agreements:
        text = f"制作人民调解协议书{visits.agreements}份，" + text
    return text + "。"


@report_section("mediation", "矛盾纠纷调解", order=20)
def mediation_section(unit: OrgUnit, period: Period) -> Section | None:
    figures = queries.case_figures(unit, period)
    clinic = queries.clinic_figures(unit, period)
    visits = queries.followup_figures(unit, period)
    if (
        not figures.reported
        and not figures.closed
        and not figures.overdue
        and not clinic.sessions
        and not visits.done
    ):
        return None
    said = []
    if figures.reported:
        said.append(f"排查调处矛盾纠纷{figures.reported}件")
    if figures.succeeded:
        said.append(f"调解成功{figures.succeeded}件")
    if figures.resolution_rate is not None:
        said.append(f"化解率{rate(figures.resolution_rate)}")
    text = "，".join(said)
    outcomes = []
    if figures.referred:
        outcomes.append(f"依法转办{figures.referred}件")
    if figures.failed:
        outcomes.append(f"调解不成{figures.failed}件")
    if figures.terminated:
        outcomes.append(f"终止调解{figures.terminated}件")
    if outcomes:
        text += "；" + "，".join(outcomes)
    factors = []
    if figures.ethnic:
        factors.append(_factor("民族因素", figures.ethnic, figures.ethnic_resolved))
    if figures.religious:
        factors.append(
            _factor("宗教因素", figures.religious, figures.religious_resolved).removeprefix("其中")
        )
    if factors:
        text += "，" + "；".join(factors)
    paragraphs = [text + "。"] if text else []
    if figures.average_days is not None:
        paragraphs.append(f"结案纠纷平均办理{figures.average_days}天。")
    if visits.done:
        paragraphs.append(_visits(visits))
    if figures.by_category:
        kinds = [f"{name}纠纷{n}件" for name, n in figures.by_category]
        paragraphs.append(f"从类型看，{enumerate_cn(kinds)}。")
    tables = []
    if figures.by_category:
        tables.append(
            Table(title="矛盾纠纷类型", columns=["类型", "件数"], rows=[list(r) for r in figures.by_category])
        )
    if clinic.sessions:
        paragraphs.append(clinic_sentence(clinic))
        tables.append(
            Table(
                title="法律诊所服务",
                columns=["服务方式", "场次", "服务人次", "其中少数民族"],
                rows=[[m.label, m.sessions, m.served, m.minority_served] for m in clinic.by_mode],
            )
        )
    return Section(
        key="mediation",
        title="矛盾纠纷调解",
        figures={
            "reported": figures.reported,
            "accepted": figures.accepted,
            "succeeded": figures.succeeded,
            "failed": figures.failed,
            "referred": figures.referred,
            "terminated": figures.terminated,
            "rejected": figures.rejected,
            "closed": figures.closed,
            "resolution_rate": figures.resolution_rate,
            "ethnic": figures.ethnic,
            "ethnic_resolved": figures.ethnic_resolved,
            "religious": figures.religious,
            "religious_resolved": figures.religious_resolved,
            "overdue": figures.overdue,
            "average_days": figures.average_days,
            "by_category": figures.by_category,
            "clinic_sessions": clinic.sessions,
            "clinic_served": clinic.served,
            "clinic_minority_served": clinic.minority_served,
            "clinic_by_mode": [[m.label, m.sessions, m.served, m.minority_served] for m in clinic.by_mode],
            "agreements": visits.agreements,
            "followups_due": visits.due,
            "followups_done": visits.done,
            "agreements_kept": visits.kept,
            "keep_rate": visits.keep_rate,
            "followups_overdue": visits.overdue,
            # 预警 and 来源, kept in the snapshot for the period's comparisons.
            "escalations": queries.escalations(unit, period),
            "repeats": queries.repeats(unit, period),
            "by_source": queries.by_source(unit, period),
        },
        headline=[
            Figure("cases_reported", "矛盾纠纷", figures.reported, "件"),
            Figure("cases_succeeded", "调解成功", figures.succeeded, "件"),
            *(
                [Figure("resolution_rate", "化解率", figures.resolution_rate, "%")]
                if figures.resolution_rate is not None
                else []
            ),
        ],
        paragraphs=paragraphs,
        tables=tables,
    )


@report_problems("mediation", order=30)
def mediation_problems(unit: OrgUnit, period: Period) -> list[str]:
    figures = queries.case_figures(unit, period)
    problems = []
    if figures.overdue:
        problems.append(f"有{figures.overdue}件矛盾纠纷超过调解期限仍未办结，需加快化解。")
    repeats = queries.repeats(unit, period)
    if repeats:
        problems.append(f"重复纠纷{repeats}件，同一当事人短期内再次发生纠纷，需加强回访和源头化解。")
    visits = queries.followup_figures(unit, period)
    if visits.overdue:
        problems.append(f"有{visits.overdue}次调解回访超过应回访日期仍未进行，协议履行情况需及时跟进。")
    return problems


@dashboard_chart("mediation_categories", "矛盾纠纷类型", order=40)
def categories_chart(unit: OrgUnit, period: Period) -> Chart | None:
    figures = queries.case_figures(unit, period, today=timezone.localdate())
    if not figures.by_category:
        return None
    names = [name for name, _ in figures.by_category]
    values = [n for _, n in figures.by_category]
    return Chart(
        key="mediation_categories",
        title="矛盾纠纷类型",
        kind="pie",
        categories=names,
        series=[Series("件数", values)],
        table=Table(
            title="矛盾纠纷类型", columns=["类型", "件数"], rows=[list(r) for r in figures.by_category]
        ),
    )


@dashboard_chart("mediation_months", "矛盾纠纷与化解率（按月）", order=38)
def months_chart(unit: OrgUnit, period: Period) -> Chart | None:
    """Bars: the cases reported each month; line: that month's 化解率 (of the cases closed in it)."""
    months = queries.by_month(unit, period)
    if not any(month.reported or month.closed for month in months):
        return None
    rates = [month.resolution_rate for month in months]
    return Chart(
        key="mediation_months",
        title="矛盾纠纷与化解率（按月）",
        kind="trend",
        categories=[month.label for month in months],
        series=[
            Series("矛盾纠纷（件）", [month.reported for month in months]),
            # A month that closed nothing has no rate: a gap in the line, not 0%.
            Series("化解率（%）", [None if r is None else float(r) for r in rates], kind="line", axis=1),
        ],
        table=Table(
            title="矛盾纠纷与化解率（按月）",
            columns=["月份", "登记（件）", "结案（件）", "调解成功（件）", "化解率"],
            rows=[
                [month.label, month.reported, month.closed, month.succeeded, "—" if r is None else rate(r)]
                for month, r in zip(months, rates, strict=True)
            ],
        ),
    )


@dashboard_figure("days_since_ethnic_escalation", order=20)
def days_since_ethnic_escalation(unit: OrgUnit, period: Period) -> Figure | None:
    """距上次涉及民族因素案件升级 N天 (无: never), as of the period's last day (today while it
    runs); nothing for a unit without any case."""
    if not queries.has_cases(unit):
        return None
    day = min(period.end, timezone.localdate())
    last = queries.last_ethnic_escalation(unit, day)
    label = "距上次涉及民族因素案件升级"
    if last is None:
        return Figure("days_since_ethnic_escalation", label, "无")
    return Figure("days_since_ethnic_escalation", label, (day - last).days, "天")
