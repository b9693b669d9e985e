"""一、基本情况 of the 创建工作 report, and the ledger's shortfalls for 存在问题.

Written as the seeds write it ("现有居民2142户、6476人，其中少数民族1670人，占25.8%，有汉族、
回族……6个民族"), from ``queries.py`` and ``grid.queries`` alone: a figure that is zero is
left unsaid, never printed as "0人".
"""

from __future__ import annotations

from django.utils import timezone

from core.periods import Period
from core.reporting import (
    Figure,
    Section,
    Table,
    computation,
    enumerate_cn,
    rate,
    report_problems,
    report_section,
    section_headline,
)
from grid.models import OrgLevel, OrgUnit, PlaceKind
from grid.queries import grid_figures

from . import queries

# How many 民族 a sentence names before it says "等N个民族".
NAMED_ETHNICITIES = 8


def stock_day(period: Period):
    """Stock figures are read on the period's last day, or today while it is still running."""
    return min(period.end, timezone.localdate())


def _ethnicities_sentence(by_ethnicity: list[tuple[str, int]]) -> str:
    names = [name for name, _ in by_ethnicity]
    if len(names) <= NAMED_ETHNICITIES:
        return f"有{enumerate_cn(names)}{len(names)}个民族"
    return f"有{enumerate_cn(names[:NAMED_ETHNICITIES])}等{len(names)}个民族"


# How a report names each special group (the ledger's column names are shorter).
SPECIAL_GROUP_NAMES = {
    "is_dibao": "低保对象",
    "is_disabled": "残疾人",
    "is_elderly_alone": "独居老人",
    "is_empty_nest": "空巢老人",
    "is_left_behind_child": "留守儿童",
    "is_entitled": "优抚对象",
}


PLACE_MEASURES = {
    PlaceKind.RELIGIOUS: "处",
    PlaceKind.SCHOOL: "所",
    PlaceKind.ENTERPRISE: "家",
    PlaceKind.SHOP: "家",
    PlaceKind.COMPOUND: "个",
    PlaceKind.KEY_UNIT: "个",
    PlaceKind.OTHER: "处",
}


def _headline(ledger: queries.LedgerFigures) -> list[Figure]:
    return [
        Figure("households", "户数", ledger.households, "户"),
        Figure("residents", "居民", ledger.residents, "人"),
        Figure("minority_residents", "少数民族", ledger.minority_residents, "人"),
        Figure("minority_percent", "少数民族占比", ledger.minority_percent, "%"),
        Figure("ethnicity_count", "民族数", ledger.ethnicity_count, "个"),
        Figure("floating_residents", "流动人口", ledger.floating_residents, "人"),
    ]


@section_headline("basic")
def basic_headline(unit: OrgUnit, period: Period) -> list[Figure] | None:
    """``basic_section(unit, period).headline`` from one aggregate (``ledger_totals``): no
    民族, age or drill-down queries. ``None`` where the section is left out."""
    ledger = queries.ledger_totals(unit, stock_day(period))
    if not ledger.residents:
        grid = grid_figures(unit)
        if not grid.buildings and not grid.grids:
            return None
    return _headline(ledger)


def _leaving_sentence(leaving: queries.LeavingFigures) -> str:
    """ "本期迁出12人（迁往本区其他社区5人、区外7人），死亡3人。" """
    said = []
    if leaving.moved_out:
        where = []
        if leaving.moved_within_district:
            where.append(f"迁往本区其他社区{leaving.moved_within_district}人")
        if leaving.moved_out_of_district:
            where.append(f"迁往区外{leaving.moved_out_of_district}人")
        if leaving.departure_unrecorded:
            where.append(f"去向未登记{leaving.departure_unrecorded}人")
        said.append(f"迁出{leaving.moved_out}人（{'、'.join(where)}）")
    if leaving.deceased:
        said.append(f"死亡{leaving.deceased}人")
    return "本期" + "，".join(said) + "。"


@report_section("basic", "基本情况", order=10)
def basic_section(unit: OrgUnit, period: Period) -> Section | None:
    # One computation: the totals and the ages come from one pass (queries._totals_and_ages).
    with computation():
        return _basic_section(unit, period)


def _basic_section(unit: OrgUnit, period: Period) -> Section | None:
    day = stock_day(period)
    ledger = queries.ledger_figures(unit, day)
    grid = grid_figures(unit)
    if not ledger.residents and not grid.buildings and not grid.grids:
        return None
    ages = queries.age_figures(unit, day)
    paragraphs = []

    people = f"{unit.name}现有居民{ledger.households}户、{ledger.residents}人"
    if ledger.minority_residents:
        people += (
            f"，其中少数民族{ledger.minority_residents}人，占{rate(ledger.minority_percent)}，"
            f"{_ethnicities_sentence(ledger.by_ethnicity)}"
        )
    elif ledger.by_ethnicity:
        people += f"，均为{ledger.by_ethnicity[0][0]}"
    people += "。"
    if ledger.floating_residents:
        people += f"流动人口{ledger.floating_residents}人"
        if ledger.floating_minority:
            people += f"，其中少数民族{ledger.floating_minority}人"
        people += "。"
    groups = [f"{SPECIAL_GROUP_NAMES.get(name, name)}{n}人" for name, n in ledger.special_groups.items() if n]
    if groups:
        people += f"辖区有{enumerate_cn(groups)}。"
    elderly = ages.groups[-1][1]
    minors = ages.groups[0][1]
    if ledger.residents and (elderly or minors):
        ages_said = []
        if elderly:
            ages_said.append(
                f"60岁及以上老年人{elderly}人，占{rate(queries.percent(elderly, ledger.residents))}"
            )
        if minors:
            ages_said.append(f"18岁以下未成年人{minors}人")
        people += "，".join(ages_said) + "。"
    paragraphs.append(people)
    leaving = queries.leaving_figures(unit, period)
    if leaving.moved_out or leaving.deceased:
        paragraphs.append(_leaving_sentence(leaving))

    if grid.grids or grid.buildings:
        said = []
        if grid.grids and unit.level < OrgLevel.GRID:
            said.append(f"划分为{grid.grids}个网格")
        if grid.grid_workers:
            said.append(f"配备网格员{grid.grid_workers}名")
        heads = []
        if grid.building_heads:
            heads.append(f"楼栋长{grid.building_heads}名")
        if grid.unit_heads:
            heads.append(f"单元长{grid.unit_heads}名")
        if heads:
            said.append("选任" + "、".join(heads))
        if grid.buildings:
            said.append(f"覆盖楼栋{grid.buildings}栋")
        if said:
            paragraphs.append(f"{'辖区' if unit.level < OrgLevel.GRID else '网格'}" + "，".join(said) + "。")
    if grid.places:
        places = []
        for kind, n in grid.places.items():
            label = PlaceKind(kind).label
            text = f"{label}{n}{PLACE_MEASURES[PlaceKind(kind)]}"
            if kind == PlaceKind.RELIGIOUS and grid.religious_venues:
                text += f"（{enumerate_cn(grid.religious_venues)}）"
            places.append(text)
        paragraphs.append(f"辖区内有{enumerate_cn(places)}。")

    tables = []
    if ledger.by_ethnicity:
        tables.append(
            Table(
                title="民族构成",
                columns=["民族", "人数", "占比"],
                rows=[
                    [name, n, rate(queries.percent(n, ledger.residents))] for name, n in ledger.by_ethnicity
                ],
            )
        )
    if ledger.residents:
        tables.append(
            Table(
                title="年龄结构",
                columns=["年龄段", "人数", "占比"],
                rows=[[label, n, rate(queries.percent(n, ledger.residents))] for label, n in ages.groups],
            )
        )
    children = queries.ledger_figures_by_child(unit, day) if unit.level < OrgLevel.COMMUNITY else []
    if children:
        level = OrgLevel(unit.level + 1).label
        tables.append(
            Table(
                title=f"各{level}基本情况",
                columns=[level, "户数", "人数", "少数民族", "少数民族占比", "流动人口"],
                rows=[
                    [
                        child.unit.name,
                        child.households,
                        child.residents,
                        child.minority_residents,
                        rate(child.minority_percent),
                        child.floating_residents,
                    ]
                    for child in children
                ],
            )
        )

    return Section(
        key="basic",
        title="基本情况",
        figures={
            "day": day.isoformat(),
            "households": ledger.households,
            "residents": ledger.residents,
            "minority_residents": ledger.minority_residents,
            "minority_percent": ledger.minority_percent,
            "ethnicity_count": ledger.ethnicity_count,
            "by_ethnicity": ledger.by_ethnicity,
            "floating_residents": ledger.floating_residents,
            "floating_minority": ledger.floating_minority,
            "special_groups": ledger.special_groups,
            "age_groups": ages.groups,
            "grids": grid.grids,
            "grid_workers": grid.grid_workers,
            "buildings": grid.buildings,
            "building_heads": grid.building_heads,
            "units": grid.units,
            "unit_heads": grid.unit_heads,
            "places": grid.places,
            "religious_venues": grid.religious_venues,
            "moved_out": leaving.moved_out,
            "moved_out_by_departure": leaving.departure_rows(),
            "moved_within_district": leaving.moved_within_district,
            "moved_out_of_district": leaving.moved_out_of_district,
            "deceased": leaving.deceased,
        },
        headline=_headline(ledger),
        paragraphs=paragraphs,
        tables=tables,
    )


@report_problems("residents", order=20)
def ledger_problems(unit: OrgUnit, period: Period) -> list[str]:
    headless = queries.households_without_head(unit, stock_day(period))
    return [f"有{headless}户未登记户主，户籍信息有待完善。"] if headless else []
