"""activities.queries and the report section 活动与宣传 against hand-counted fixtures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from activities import actions, queries
from activities.report import activities_section, participation_chart, team_hours_chart
from core.periods import Period
from tests.factories_activities import make_activity, make_service, make_team
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity

JUNE = Period.month(2026, 6)
YEAR = Period.year(2026)


def _people(grid, names_and_ethnicities):
    home = HouseholdFactory(grid=grid)
    return [
        ResidentFactory(household=home, name=name, ethnicity=ethnicity(e))
        for name, e in names_and_ethnicities
    ]


@pytest.fixture
def world(tree):
    """In 变电所社区, June 2026:

    a (一网格, 节日活动, 我们的节日, 19 June): 汉A, 回B, 维C attend, 4 others; 50 materials, 10 slogans.
    b (二网格, 宣讲宣传, 民族团结进步宣传月, 25 June): 汉A, 回B, 蒙D attend, 0 others; 100 materials,
      5 slogans, 3 boards, 200 reached, bilingual.
    c (社区, 文体活动, 我们的节日, 2 July): 回B attends, 10 others — outside June.
    北苑社区: one activity with 2 attendees, never in 变电所's figures.

    June: 3 activities? no — 2 (a, b); participants 3 + 4 + 3 + 0 = 10 人次; minority 回B twice,
    维C, 蒙D = 4 人次; 民族 汉、回、维吾尔、蒙古 = 4. Year: c adds 1 + 10 = 11 → 21, minority 5."""
    han, hui = _people(tree.grid, [("汉甲", "汉族"), ("回乙", "回族")])
    (uyghur,) = _people(tree.grid, [("维丙", "维吾尔族")])
    (mongol,) = _people(tree.grid2, [("蒙丁", "蒙古族")])
    a = make_activity(
        tree.grid, day=dt.date(2026, 6, 19), residents=[han, hui, uyghur], others=4, materials=50, slogans=10
    )
    b = make_activity(
        tree.grid2,
        day=dt.date(2026, 6, 25),
        residents=[han, hui, mongol],
        kind="publicity",
        theme="publicity_month",
        title="民族团结进步宣传月宣讲",
        materials=100,
        slogans=5,
        boards=3,
        reached=200,
        bilingual=True,
    )
    c = make_activity(
        tree.community,
        day=dt.date(2026, 7, 2),
        residents=[hui],
        others=10,
        kind="culture",
        title="广场舞比赛",
    )
    far = _people(tree.other_grid, [("北一", "回族"), ("北二", "汉族")])
    make_activity(tree.other_grid, day=dt.date(2026, 6, 19), residents=far, others=5)
    return {"han": han, "hui": hui, "uyghur": uyghur, "mongol": mongol, "a": a, "b": b, "c": c}


def test_participants_minority_and_ethnicities_are_counted_from_attendance(tree, world):
    figures = queries.activity_figures(tree.community, JUNE)
    assert figures.activities == 2
    assert figures.attendees == 6
    assert figures.others == 4
    assert figures.participants == 10
    assert figures.minority_participants == 4
    assert figures.ethnicity_count == 4
    assert dict(figures.ethnicities) == {"汉族": 2, "回族": 2, "维吾尔族": 1, "蒙古族": 1}
    assert figures.by_kind == [("节日活动", 1), ("宣讲宣传", 1)]
    assert figures.by_theme == [("民族团结进步宣传月", 1), ("我们的节日", 1)]
    assert (figures.materials, figures.slogans, figures.boards, figures.reached, figures.bilingual) == (
        150,
        15,
        3,
        200,
        1,
    )


def test_a_grid_counts_its_own_and_the_year_counts_july(tree, world):
    grid = queries.activity_figures(tree.grid, JUNE)
    assert (grid.activities, grid.participants, grid.minority_participants) == (1, 7, 2)
    year = queries.activity_figures(tree.community, YEAR)
    assert (year.activities, year.participants, year.minority_participants) == (3, 21, 5)
    street = queries.activity_figures(tree.street, JUNE)
    assert street.participants == 10  # 北苑 is in another street
    assert queries.activity_figures(tree.district, JUNE).participants == 10 + 7


def test_an_attendee_removed_is_no_longer_counted_and_others_are_set_apart(tree, world):
    actions.attendance_remove(by=None, activity=world["a"], resident=world["uyghur"])
    actions.activity_others_set(by=None, activity=world["a"], others=0)
    figures = queries.activity_figures(tree.community, JUNE)
    assert (figures.participants, figures.minority_participants, figures.ethnicity_count) == (5, 3, 3)


def test_attending_twice_counts_once(tree, world):
    assert (
        actions.attendance_add(by=None, activity=world["a"], residents=[world["han"], world["mongol"]]) == 1
    )
    assert queries.activity_counts(world["a"]).attendees == 4


def test_nothing_in_the_period_is_all_zero_and_the_section_is_left_out(tree, world):
    empty = Period.month(2026, 1)
    assert queries.activity_figures(tree.community, empty).activities == 0
    assert activities_section(tree.community, empty) is None
    assert participation_chart(tree.community, empty) is None


def test_minority_members_are_counted_and_only_confirmed_hours_count(tree, world):
    team = make_team(
        tree.community, leader=world["hui"], members=[world["han"], world["uyghur"], world["mongol"]]
    )
    make_team(tree.grid, name="一网格文艺队", kind="culture", members=[world["han"]])
    confirmed = make_service(team, world["hui"], hours="3.5")
    actions.service_confirm(by=None, record=confirmed)
    actions.service_confirm(by=None, record=make_service(team, world["han"], hours="2"))
    make_service(team, world["uyghur"], hours="8")  # 待确认: not counted
    returned = make_service(team, world["mongol"], hours="5")
    actions.service_return(by=None, record=returned, reason="时长有误")
    figures = queries.team_figures(tree.community, JUNE)
    assert (figures.teams, figures.members, figures.minority_members) == (2, 5, 3)
    assert (figures.volunteers, figures.hours, figures.services) == (2, Decimal("5.5"), 2)
    rows = {row.name: row for row in figures.rows}
    assert rows["石榴籽志愿服务队"].hours == Decimal("5.5")
    assert rows["一网格文艺队"].hours == 0
    assert queries.team_figures(tree.grid2, JUNE).teams == 0
    chart = team_hours_chart(tree.community, JUNE)
    assert chart.categories == ["石榴籽志愿服务队"] and chart.series[0].values == [5.5]


def test_the_report_section_reads_like_the_seeds(tree, world):
    team = make_team(tree.community, leader=world["hui"], members=[world["han"]])
    actions.service_confirm(by=None, record=make_service(team, world["hui"], hours="4"))
    section = activities_section(tree.community, JUNE)
    assert section.title == "活动与宣传"
    assert section.paragraphs[0] == (
        "开展“民族团结进步宣传月”等主题活动2场，参与群众10人次，其中少数民族群众4人次，涉及4个民族；"
        "张贴宣传标语15幅，发放宣传资料150份，制作宣传展板3块，受益群众200人次。"
    )
    assert section.paragraphs[1] == "从类型看，节日活动1场、宣讲宣传1场。"
    assert "其中1场活动开展双语宣传。" in section.paragraphs
    assert (
        section.paragraphs[-1]
        == "组建志愿者队伍1支，队员2人，其中少数民族队员1人；志愿者1人累计志愿服务4小时。"
    )
    assert section.figures["participants"] == 10
    assert section.figures["minority_participants"] == 4
    assert [f.value for f in section.headline] == [2, 10, 4]


def test_participation_by_month(tree, world):
    months = queries.by_month(tree.community, Period.parse("2026-06-01~2026-07-31"))
    assert [(m.label, m.activities, m.participants, m.minority_participants) for m in months] == [
        ("2026年6月", 2, 10, 4),
        ("2026年7月", 1, 11, 1),
    ]


def test_the_figures_are_a_few_queries(tree, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        queries.activity_figures(tree.community, JUNE)
    with django_assert_max_num_queries(4):
        queries.team_figures(tree.community, JUNE)


def test_the_headline_alone_equals_the_sections(tree, world):
    from activities.report import activities_headline

    for unit in (tree.community, tree.grid, tree.grid2, tree.street, tree.other_community):
        for period in (JUNE, YEAR, Period.month(2026, 1)):
            section = activities_section(unit, period)
            assert activities_headline(unit, period) == (section.headline if section else None)
    make_team(tree.grid2)
    assert (
        activities_headline(tree.grid2, Period.month(2026, 1))
        == activities_section(tree.grid2, Period.month(2026, 1)).headline
    )
