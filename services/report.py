"""三、便民服务 of the 创建工作 report, its 存在问题 and the dashboard's charts (tickets and
办结率 by month, by channel, the minority window's share), from ``services.queries`` alone. A
figure that is zero is left unsaid."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

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
from .models import AssistanceKind, Channel
from .queries import Flow, rate_text


def _said(*parts: str) -> str:
    return "，".join(part for part in parts if part)


def _handled(flow: Flow) -> list[str]:
    return [
        f"接件{flow.accepted}人次" if flow.accepted else "",
        f"已办理{flow.handled}人次" if flow.accepted else "",
        f"办结率{rate_text(flow.rate)}" if flow.rate is not None else "",
    ]


def _channels(figures: queries.TicketFigures) -> list[str]:
    clauses = []
    window = figures.channel(Channel.WINDOW)
    if window.received:
        clauses.append(
            _said(
                f"各类服务窗口累计接待咨询{window.consultations}人次"
                if window.consultations
                else "各类服务窗口",
                *_handled(window),
                f"其中为少数民族办理民族成分变更{figures.ethnic_changes}件" if figures.ethnic_changes else "",
            )
        )
    petition = figures.channel(Channel.PETITION)
    if petition.received:
        clauses.append(
            _said(
                f"信访接件{petition.accepted}人次" if petition.accepted else f"收到信访{petition.received}件",
                f"已办理{petition.handled}人次" if petition.accepted else "",
                f"办结率{rate_text(petition.rate)}" if petition.rate is not None else "",
            )
        )
    hotline = figures.channel(Channel.HOTLINE)
    if hotline.received:
        clauses.append(
            _said(
                f"热线电话接听{hotline.received}人次",
                f"办结率{rate_text(hotline.rate)}" if hotline.rate is not None else "",
            )
        )
    for channel, verb in ((Channel.GRID, "网格员上报群众诉求"), (Channel.ONLINE, "线上受理")):
        flow = figures.channel(channel)
        if flow.received:
            clauses.append(
                _said(
                    f"{verb}{flow.received}件",
                    f"办结率{rate_text(flow.rate)}" if flow.rate is not None else "",
                )
            )
    return clauses


def _flow_row(label: str, flow: Flow) -> list:
    return [
        label,
        flow.received,
        flow.consultations,
        flow.accepted,
        flow.handled,
        rate_text(flow.rate) or "—",
    ]


@report_section("services", "便民服务", order=25)
def services_section(unit: OrgUnit, period: Period) -> Section | None:
    figures = queries.ticket_figures(unit, period)
    total = figures.total
    assistance = queries.assistance_figures(unit, period)
    matters = queries.matter_figures(unit, period)
    help_paragraphs = _help_paragraphs(assistance, matters)
    if not total.received and not total.accepted and not figures.overdue and not help_paragraphs:
        return None
    paragraphs = []
    clauses = _channels(figures)
    if clauses:
        paragraphs.append("；".join(clauses) + "。")
    minority = []
    if figures.minority:
        minority.append(
            f"为少数民族群众办理各类事项{figures.minority}人次，占{rate_text(figures.minority_share)}"
        )
    if figures.minority_window:
        minority.append(
            f"少数民族服务窗口接待{figures.minority_window}人次，占窗口接待量的{rate_text(figures.minority_window_share)}"
        )
    if minority:
        paragraphs.append("；".join(minority) + "。")
    service = []
    if figures.average_days is not None:
        service.append(f"办结事项平均用时{figures.average_days}个工作日")
    if figures.rated:
        service.append(f"群众评价{figures.rated}件，满意率{rate_text(figures.satisfaction_rate)}")
    if service:
        paragraphs.append("，".join(service) + "。")
    if figures.by_category:
        kinds = [f"{name}类{n}件" for name, n in figures.by_category[:5]]
        paragraphs.append(f"从事项类别看，{enumerate_cn(kinds)}。")
    paragraphs.extend(help_paragraphs)
    columns = ["渠道", "接待", "咨询", "接件", "已办理", "办结率"]
    rows = [
        _flow_row(label, figures.channel(value))
        for value, label in Channel.choices
        if figures.channel(value).received
    ]
    tables = []
    if total.received:
        tables.append(Table(title="各渠道办件情况", columns=columns, rows=[*rows, _flow_row("合计", total)]))
    if figures.by_category:
        tables.append(
            Table(title="办件事项类别", columns=["类别", "件数"], rows=[list(r) for r in figures.by_category])
        )
    return Section(
        key="services",
        title="便民服务",
        figures={
            "received": total.received,
            "consultations": total.consultations,
            "accepted": total.accepted,
            "handled": total.handled,
            "completed": total.completed,
            "returned": total.returned,
            "referred": total.referred,
            "rate": total.rate,
            "by_channel": {
                channel: {
                    "received": flow.received,
                    "consultations": flow.consultations,
                    "accepted": flow.accepted,
                    "handled": flow.handled,
                    "rate": flow.rate,
                }
                for channel, flow in figures.by_channel.items()
            },
            "overdue": figures.overdue,
            "average_days": figures.average_days,
            "minority": figures.minority,
            "minority_share": figures.minority_share,
            "minority_window": figures.minority_window,
            "minority_window_share": figures.minority_window_share,
            "ethnic_changes": figures.ethnic_changes,
            "satisfied": figures.satisfied,
            "basic": figures.basic,
            "dissatisfied": figures.dissatisfied,
            "satisfaction_rate": figures.satisfaction_rate,
            "by_category": figures.by_category,
            "assistance": {
                kind: {
                    "records": k.records,
                    "people": k.people,
                    "households": k.households,
                    "amount": k.amount,
                }
                for kind, k in assistance.by_kind.items()
            },
            "employment_identified": assistance.identified,
            "employment_placed": assistance.placed,
            "matters_raised": matters.raised,
            "matters_done": matters.done,
            "wishes_done": matters.done_wishes,
            "matters_overdue": matters.overdue,
        },
        headline=_headline(total),
        paragraphs=paragraphs,
        tables=tables,
    )


def _amount_text(amount: Decimal) -> str:
    """Money as a report says it: 3.6万元 from ten thousand up, else whole 元."""
    if amount >= 10000:
        return f"{(amount / 10000).quantize(Decimal('0.01'), ROUND_HALF_UP).normalize():f}万元"
    return f"{amount.quantize(Decimal('1'), ROUND_HALF_UP)}元"


def _help_paragraphs(assistance: queries.AssistanceFigures, matters: queries.MatterFigures) -> list[str]:
    """帮扶 by kind, 就业援助 from 认定 to 就业, and the 实事 / 微心愿 done."""
    paragraphs = []
    total = assistance.total
    if total.records:
        labels = dict(AssistanceKind.choices)
        kinds = [
            f"{labels[kind]}{count.records}人次"
            for kind in AssistanceKind.values
            if (count := assistance.by_kind.get(kind)) and count.records
        ]
        clauses = [f"开展各类帮扶{total.records}人次（{enumerate_cn(kinds)}）"]
        if total.amount:
            clauses.append(f"发放帮扶资金{_amount_text(total.amount)}")
        if assistance.identified or assistance.placed:
            clauses.append(
                _said(
                    f"认定就业援助对象{assistance.identified}人" if assistance.identified else "",
                    f"帮助{assistance.placed}人实现就业" if assistance.placed else "",
                )
            )
        paragraphs.append("，".join(clauses) + "。")
    if matters.raised or matters.done:
        clauses = [f"收集群众“急难愁盼”实事{matters.raised}件" if matters.raised else ""]
        if matters.done:
            wishes = f"，其中实现微心愿{matters.done_wishes}个" if matters.done_wishes else ""
            served = f"，惠及群众{matters.served}人" if matters.served else ""
            clauses.append(f"为群众办成实事{matters.done}件{wishes}{served}")
        paragraphs.append(_said(*clauses) + "。")
    return paragraphs


def _headline(total: Flow) -> list[Figure]:
    return [
        Figure("tickets_received", "便民服务接待", total.received, "人次"),
        *([Figure("tickets_rate", "办结率", total.rate, "%")] if total.rate is not None else []),
    ]


@section_headline("services")
def services_headline(unit: OrgUnit, period: Period) -> list[Figure] | None:
    total, overdue = queries.headline_counts(unit, period)
    if not total.received and not total.accepted and not overdue:
        return None
    return _headline(total)


@report_problems("services", order=35)
def services_problems(unit: OrgUnit, period: Period) -> list[str]:
    figures = queries.ticket_figures(unit, period)
    problems = []
    if figures.overdue:
        problems.append(f"有{figures.overdue}件便民服务办件超过办理期限仍未办结，需加快办理。")
    matters = queries.matter_figures(unit, period)
    if matters.overdue:
        late = queries.overdue_matters(unit, period)
        named = enumerate_cn([f"“{title}”" for title, _ in late[:3]])
        problems.append(f"有{matters.overdue}件为民实事超过完成时限仍未办结（{named}等），需督促落实。")
    low = queries.low_satisfaction_items(unit, period)
    if low:
        named = enumerate_cn([f"“{name}”（满意率{rate_text(share)}）" for name, _, share in low[:5]])
        problems.append(f"群众对{named}等事项的满意度偏低，需改进服务。")
    return problems


@dashboard_chart("services_monthly", "便民服务办件与办结率（按月）", order=50)
def monthly_chart(unit: OrgUnit, period: Period) -> Chart | None:
    months = queries.monthly(unit, period, today=timezone.localdate())
    if not any(flow.received or flow.accepted for _, flow in months):
        return None
    labels = [f"{month.year}年{month.month}月" for month, _ in months]
    return Chart(
        key="services_monthly",
        title="便民服务办件与办结率（按月）",
        kind="bar",
        categories=labels,
        series=[
            Series("接待", [flow.received for _, flow in months]),
            Series("接件", [flow.accepted for _, flow in months]),
            Series("已办理", [flow.handled for _, flow in months]),
        ],
        table=Table(
            title="便民服务办件与办结率（按月）",
            columns=["月份", "接待", "接件", "已办理", "办结率"],
            rows=[
                [label, flow.received, flow.accepted, flow.handled, rate_text(flow.rate) or "—"]
                for label, (_, flow) in zip(labels, months, strict=True)
            ],
        ),
    )


@dashboard_chart("services_channels", "便民服务各渠道办件", order=51)
def channels_chart(unit: OrgUnit, period: Period) -> Chart | None:
    figures = queries.ticket_figures(unit, period, today=timezone.localdate())
    present = [
        (label, figures.channel(value)) for value, label in Channel.choices if figures.channel(value).received
    ]
    if not present:
        return None
    return Chart(
        key="services_channels",
        title="便民服务各渠道办件",
        kind="pie",
        categories=[str(label) for label, _ in present],
        series=[Series("接待", [flow.received for _, flow in present])],
        table=Table(
            title="便民服务各渠道办件",
            columns=["渠道", "接待", "接件", "已办理", "办结率"],
            rows=[
                [str(label), flow.received, flow.accepted, flow.handled, rate_text(flow.rate) or "—"]
                for label, flow in present
            ],
        ),
    )


@dashboard_chart("services_minority_window", "少数民族服务窗口接待占比", order=52)
def minority_window_chart(unit: OrgUnit, period: Period) -> Chart | None:
    figures = queries.ticket_figures(unit, period, today=timezone.localdate())
    if not figures.window_tickets:
        return None
    others = figures.window_tickets - figures.minority_window
    return Chart(
        key="services_minority_window",
        title="少数民族服务窗口接待占比",
        kind="pie",
        categories=["少数民族服务窗口", "其他窗口"],
        series=[Series("接待", [figures.minority_window, others])],
        table=Table(
            title="少数民族服务窗口接待占比",
            columns=["窗口", "接待", "占比"],
            rows=[
                ["少数民族服务窗口", figures.minority_window, rate_text(figures.minority_window_share)],
                ["其他窗口", others, rate_text(queries.percent(others, figures.window_tickets))],
            ],
        ),
    )
