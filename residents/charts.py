"""The ledger's charts on the leaders' dashboard (数据看板).

民族构成, 各下级单位少数民族占比, 年龄结构 and 各下级单位流动人口: from the same query
functions, read on the same day (``stock_day``), as 一、基本情况 in ``report.py``, so the
dashboard's charts and the report's tables agree. Each chart carries its numbers as a table.
"""

from __future__ import annotations

from core.periods import Period
from core.reporting import Chart, Series, Table, dashboard_chart, rate
from grid.models import OrgLevel, OrgUnit

from . import queries
from .report import stock_day

# How many 民族 the pie names; the rest are one slice, 其他 (the table lists every one).
PIE_SLICES = 8
OTHERS = "其他"


@dashboard_chart("ethnicity", "民族构成", order=10)
def ethnicity_chart(unit: OrgUnit, period: Period) -> Chart | None:
    ledger = queries.ledger_figures(unit, stock_day(period))
    if not ledger.residents:
        return None
    slices = ledger.by_ethnicity[:PIE_SLICES]
    rest = ledger.by_ethnicity[PIE_SLICES:]
    if rest:
        slices = [*slices, (OTHERS, sum(n for _, n in rest))]
    caption = "民族构成"
    if rest:
        caption += f"（图中第{PIE_SLICES + 1}位起合为“{OTHERS}”）"
    return Chart(
        key="ethnicity",
        title="民族构成",
        kind="pie",
        categories=[name for name, _ in slices],
        series=[Series("人数", [n for _, n in slices])],
        table=Table(
            title=caption,
            columns=["民族", "人数", "占比"],
            rows=[[name, n, rate(queries.percent(n, ledger.residents))] for name, n in ledger.by_ethnicity],
        ),
    )


def _children(unit: OrgUnit, period: Period) -> list[queries.ChildFigures]:
    if unit.level >= OrgLevel.GRID:
        return []
    children = queries.ledger_figures_by_child(unit, stock_day(period))
    return children if any(child.residents for child in children) else []


@dashboard_chart("minority_by_child", "各下级单位少数民族占比", order=20)
def minority_by_child_chart(unit: OrgUnit, period: Period) -> Chart | None:
    children = _children(unit, period)
    if not children:
        return None
    level = OrgLevel(unit.level + 1).label
    title = f"各{level}少数民族占比"
    return Chart(
        key="minority_by_child",
        title=title,
        kind="bar",
        categories=[child.unit.name for child in children],
        series=[Series("少数民族占比（%）", [float(child.minority_percent) for child in children])],
        table=Table(
            title=title,
            columns=[level, "居民", "少数民族", "少数民族占比"],
            rows=[
                [child.unit.name, child.residents, child.minority_residents, rate(child.minority_percent)]
                for child in children
            ],
        ),
        links=[str(child.unit.pk) for child in children],
    )


@dashboard_chart("age_pyramid", "年龄结构", order=30)
def age_pyramid_chart(unit: OrgUnit, period: Period) -> Chart | None:
    ages = queries.age_figures(unit, stock_day(period))
    if not any(men or women for _, men, women in ages.pyramid):
        return None
    return Chart(
        key="age_pyramid",
        title="年龄结构（人口金字塔）",
        kind="pyramid",
        categories=[band for band, _, _ in ages.pyramid],
        series=[
            Series("男", [men for _, men, _ in ages.pyramid]),
            Series("女", [women for _, _, women in ages.pyramid]),
        ],
        table=Table(
            title="年龄结构（按性别）",
            columns=["年龄段", "男", "女", "合计"],
            rows=[[band, men, women, men + women] for band, men, women in ages.pyramid],
        ),
    )


@dashboard_chart("floating_by_child", "各下级单位流动人口", order=40)
def floating_by_child_chart(unit: OrgUnit, period: Period) -> Chart | None:
    children = _children(unit, period)
    if not children or not any(child.floating_residents for child in children):
        return None
    level = OrgLevel(unit.level + 1).label
    title = f"各{level}流动人口"
    return Chart(
        key="floating_by_child",
        title=title,
        kind="bar",
        categories=[child.unit.name for child in children],
        series=[Series("流动人口（人）", [child.floating_residents for child in children])],
        table=Table(
            title=title,
            columns=[level, "流动人口", "占居民比例"],
            rows=[
                [
                    child.unit.name,
                    child.floating_residents,
                    rate(queries.percent(child.floating_residents, child.residents)),
                ]
                for child in children
            ],
        ),
        links=[str(child.unit.pk) for child in children],
    )
