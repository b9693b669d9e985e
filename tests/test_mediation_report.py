"""mediation.report: 矛盾纠纷调解 in the report, its 存在问题, and its absence without cases."""

from __future__ import annotations

import datetime as dt

import pytest

from core.periods import Period
from mediation import actions
from mediation.report import categories_chart, mediation_problems, mediation_section
from reports.compose import compose
from tests.factories_mediation import closed, make_case

YEAR = Period.year(2026)


def test_no_cases_no_section(tree):
    assert mediation_section(tree.community, YEAR) is None
    assert mediation_problems(tree.community, YEAR) == []
    assert categories_chart(tree.community, YEAR) is None
    assert "mediation" not in [section.key for section in compose(tree.community, YEAR)]


@pytest.fixture
def year_of_cases(tree):
    on = lambda month, day: dt.date(2026, month, day)  # noqa: E731
    for month in range(1, 5):
        closed(make_case(tree.grid, reported_on=on(month, 2)), "succeeded", on=on(month, 12))
    closed(make_case(tree.grid, reported_on=on(5, 2), ethnic_factor=True), "succeeded", on=on(5, 9))
    closed(make_case(tree.grid, reported_on=on(6, 2), ethnic_factor=True), "succeeded", on=on(6, 9))
    closed(make_case(tree.grid, reported_on=on(7, 2)), "referred", on=on(7, 20))


def test_the_section_says_it_as_the_seeds_do(tree, year_of_cases):
    section = mediation_section(tree.community, YEAR)
    assert section.title == "矛盾纠纷调解"
    assert section.paragraphs[0] == (
        "排查调处矛盾纠纷7件，调解成功6件，化解率85.7%；依法转办1件，其中涉及民族因素2件，均已化解。"
    )
    assert section.figures["resolution_rate"] is not None
    assert section.tables[0].rows == [["邻里", 7]]
    assert [figure.key for figure in section.headline] == [
        "cases_reported",
        "cases_succeeded",
        "resolution_rate",
    ]
    assert "mediation" in [s.key for s in compose(tree.community, YEAR)]
    assert categories_chart(tree.community, YEAR).table.rows == [["邻里", 7]]


def test_zero_figures_are_left_unsaid(tree):
    closed(make_case(tree.grid, reported_on=dt.date(2026, 3, 1)), "succeeded", on=dt.date(2026, 3, 5))
    text = mediation_section(tree.community, YEAR).paragraphs[0]
    assert text == "排查调处矛盾纠纷1件，调解成功1件，化解率100.0%。"
    assert "民族" not in text and "转办" not in text


def test_an_unresolved_ethnic_case_is_said_so(tree):
    make_case(tree.grid, reported_on=dt.date(2026, 3, 1), ethnic_factor=True)
    assert "其中涉及民族因素1件，已化解0件" in mediation_section(tree.community, YEAR).paragraphs[0]


def test_overdue_cases_are_a_problem(tree):
    case = make_case(tree.grid, reported_on=dt.date(2026, 1, 5))
    actions.case_accept(by=None, case=case, on=dt.date(2026, 1, 5))
    assert mediation_problems(tree.community, Period.month(2026, 3)) == [
        "有1件矛盾纠纷超过调解期限仍未办结，需加快化解。"
    ]
    section = mediation_section(tree.community, Period.month(2026, 3))
    assert section is not None and section.figures["overdue"] == 1
