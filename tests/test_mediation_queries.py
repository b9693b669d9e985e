"""mediation.queries: the figures of a unit and a period against hand-counted cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.periods import Period
from mediation import actions, queries
from mediation.models import Category
from tests.factories_mediation import closed, make_case

MARCH = Period.month(2026, 3)


@pytest.fixture
def cases(tree):
    """In 变电所社区 (一网格 and 二网格), March 2026:

    reported in March: 6 (a, b, c, d, e, f); in February: 1 (g, closed in March);
    closed in March: a 成功 (10 days), b 成功 (20), g 成功 (6), c 转办 (4), d 终止 (2) → 化解率 3/5;
    e accepted 3 March, still 调解中 (deadline 2 April) → not overdue in March;
    f registered; h accepted 1 February (deadline 3 March), still open → overdue on 31 March.
    Ethnic factor: a (成功), c (转办). 北苑社区: one more case, not in 变电所's figures."""
    on = lambda day: dt.date(2026, 3, day)  # noqa: E731
    a = make_case(tree.grid, reported_on=on(1), ethnic_factor=True)
    closed(a, "succeeded", accepted_on=on(1), on=on(11))
    b = make_case(tree.grid2, reported_on=on(2), category=Category.PROPERTY)
    closed(b, "succeeded", accepted_on=on(2), on=on(22))
    c = make_case(tree.grid, reported_on=on(3), ethnic_factor=True, category=Category.PROPERTY)
    closed(c, "referred", accepted_on=on(3), on=on(7))
    d = make_case(tree.grid, reported_on=on(4), category=Category.FAMILY)
    closed(d, "terminated", accepted_on=on(4), on=on(6))
    e = make_case(tree.grid, reported_on=on(3))
    actions.case_start(by=None, case=actions.case_accept(by=None, case=e, on=on(3)))
    make_case(tree.grid, reported_on=on(5))
    g = make_case(tree.grid, reported_on=dt.date(2026, 2, 20))
    closed(g, "succeeded", accepted_on=dt.date(2026, 2, 28), on=on(6))
    h = make_case(tree.grid, reported_on=dt.date(2026, 2, 1))
    actions.case_accept(by=None, case=h, on=dt.date(2026, 2, 1))
    other = make_case(tree.other_grid, reported_on=on(1))
    closed(other, "failed", on=on(2))


def test_the_figures_of_a_community_month(tree, cases):
    figures = queries.case_figures(tree.community, MARCH, today=dt.date(2026, 6, 1))
    assert figures.reported == 6
    assert figures.accepted == 5  # a, b, c, d, e (g and h in February)
    assert (figures.succeeded, figures.failed, figures.referred, figures.terminated) == (3, 0, 1, 1)
    assert figures.closed == 5
    assert figures.resolution_rate == Decimal("60.0")
    assert (figures.ethnic, figures.ethnic_resolved) == (2, 1)
    assert figures.overdue == 1  # h
    assert figures.average_days == Decimal("8.4")  # (10 + 20 + 4 + 2 + 6) / 5
    assert figures.by_category == [("邻里", 3), ("物业", 2), ("家庭婚姻", 1)]


def test_a_grid_and_a_street_count_their_own(tree, cases):
    grid2 = queries.case_figures(tree.grid2, MARCH, today=dt.date(2026, 6, 1))
    assert (grid2.reported, grid2.succeeded, grid2.resolution_rate) == (1, 1, Decimal("100.0"))
    district = queries.case_figures(tree.district, MARCH, today=dt.date(2026, 6, 1))
    assert district.reported == 7 and district.failed == 1
    assert district.resolution_rate == Decimal("50.0")  # 3 / 6


def test_the_rate_of_nothing_closed_is_none_and_overdue_is_read_on_the_last_day(tree, cases):
    april = queries.case_figures(tree.community, Period.month(2026, 4), today=dt.date(2026, 6, 1))
    assert april.closed == 0 and april.resolution_rate is None
    assert april.overdue == 2  # h, and e (deadline 2 April)
    february = queries.case_figures(tree.community, Period.month(2026, 2), today=dt.date(2026, 6, 1))
    assert february.overdue == 0  # h's deadline is 3 March


def test_the_figures_are_two_queries(tree, cases, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        queries.case_figures(tree.community, MARCH)
