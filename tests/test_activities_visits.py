"""走访慰问: visits through the actions, a household's visits on its page (a related panel),
the hardship households nobody visited, the figures against hand-counted fixtures, and the
report's 五、走访慰问 with its 存在问题."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities import queries
from activities.models import Visit, VisitReason
from activities.report import visits_problems, visits_section, yuan
from core.history import of_record
from core.periods import Period
from grid.models import Role
from tests.factories_activities_visits import make_visit
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity

YEAR = Period.year(2026)
SPRING = dt.date(2026, 2, 10)  # 春节


@pytest.fixture
def homes(tree):
    """一网格: a 低保户 of a 回族 family, a 困难户 (汉族), a household with a 残疾 member, an
    ordinary one, and a 低保户 closed last year; 二网格: a 困难户 with a 维吾尔族 member."""
    dibao = HouseholdFactory(grid=tree.grid, number="0101", is_dibao=True)
    ResidentFactory(household=dibao, ethnicity=ethnicity("回族"), relation="head")
    hardship = HouseholdFactory(grid=tree.grid, number="0102", is_hardship=True)
    ResidentFactory(household=hardship, ethnicity=ethnicity("汉族"), relation="head")
    disabled = HouseholdFactory(grid=tree.grid, number="0103")
    ResidentFactory(household=disabled, ethnicity=ethnicity("汉族"), relation="head", is_disabled=True)
    ordinary = HouseholdFactory(grid=tree.grid, number="0104")
    ResidentFactory(household=ordinary, ethnicity=ethnicity("满族"), relation="head")
    closed = HouseholdFactory(grid=tree.grid, number="0105", is_dibao=True, closed_on=dt.date(2025, 6, 1))
    far = HouseholdFactory(grid=tree.grid2, number="0201", is_hardship=True)
    ResidentFactory(household=far, ethnicity=ethnicity("汉族"), relation="head")
    ResidentFactory(household=far, ethnicity=ethnicity("维吾尔族"), relation="spouse")
    return {
        "dibao": dibao,
        "hardship": hardship,
        "disabled": disabled,
        "ordinary": ordinary,
        "closed": closed,
        "far": far,
    }


# --- the actions -----------------------------------------------------------------------------


def test_a_visit_is_filed_under_the_household_s_grid_with_its_history(tree, homes, persona):
    staff = persona(Role.STAFF)
    visit = make_visit(homes["dibao"], by=staff, items="米、面、油", amount="800", visitors=[staff])

    assert (visit.grid, visit.community) == (tree.grid, tree.community)
    assert list(visit.visitors.all()) == [staff]
    change = of_record(visit).get()
    assert change.action == "create"
    assert change.changes["amount"] == ["", "800"]
    assert change.org_unit_id == tree.grid.pk


def test_a_visit_names_who_went(homes):
    with pytest.raises(ValidationError, match="走访人"):
        make_visit(homes["dibao"], visitor_names="")


def test_a_grid_worker_records_visits_in_their_own_grid_only(homes, persona):
    worker = persona(Role.GRID_WORKER)
    assert make_visit(homes["dibao"], by=worker).pk
    with pytest.raises(ValidationError, match="管辖范围"):
        make_visit(homes["far"], by=worker)
    assert not Visit.objects.filter(household=homes["far"]).exists()


def test_a_visit_is_not_dated_in_the_future_nor_after_the_household_closed(homes):
    with pytest.raises(ValidationError, match="不能晚于今天"):
        make_visit(homes["dibao"], visited_on=dt.date(2099, 1, 1))
    with pytest.raises(ValidationError, match="销户"):
        make_visit(homes["closed"], visited_on=dt.date(2026, 1, 5))


def test_a_role_without_the_permission_is_refused_by_the_action(homes, persona):
    with pytest.raises(ValidationError, match="无权"):
        make_visit(homes["dibao"], by=persona(Role.MEDIATOR))


def test_an_update_records_what_changed(homes, persona):
    from activities import actions

    staff = persona(Role.STAFF)
    visit = make_visit(homes["dibao"], by=staff)
    actions.visit_update(by=staff, visit=visit, amount=Decimal("650"), note="老人身体好转")
    visit.refresh_from_db()
    assert visit.amount == Decimal("650")
    update = of_record(visit).filter(action="update").get()
    assert update.changes["amount"] == ["500.00", "650"]
    assert "note" in update.changes


# --- the household's page -----------------------------------------------------------------------


def test_the_household_page_shows_its_visits(client, homes, persona):
    staff = persona(Role.STAFF)
    make_visit(homes["dibao"], by=staff, items="米面油", visitor_names="马书记")
    make_visit(homes["dibao"], visited_on=dt.date(2026, 9, 17), reason=VisitReason.ILLNESS)
    make_visit(homes["hardship"], visited_on=dt.date(2026, 3, 1), items="另一户的物品")
    client.force_login(staff)

    page = client.get(reverse("residents:household_detail", args=[homes["dibao"].pk])).content.decode()

    assert 'data-testid="household-visits"' in page
    assert "2026-02-10" in page and "2026-09-17" in page
    assert "马书记" in page and "米面油" in page and "病困" in page
    assert "另一户的物品" not in page
    assert reverse("activities:household_visit_create", args=[homes["dibao"].pk]) in page


def test_a_role_that_reads_no_visits_sees_no_panel(client, homes, persona):
    make_visit(homes["dibao"])
    client.force_login(persona(Role.MEDIATOR))
    page = client.get(reverse("residents:household_detail", args=[homes["dibao"].pk])).content.decode()
    assert 'data-testid="household-visits"' not in page


def test_a_visit_recorded_from_the_household_page(client, homes, persona):
    staff = persona(Role.STAFF)
    client.force_login(staff)
    response = client.post(
        reverse("activities:household_visit_create", args=[homes["hardship"].pk]),
        {
            "visited_on": "2026-09-17",
            "reason": "festival",
            "visitors": [staff.pk],
            "visitor_names": "",
            "items": "月饼",
            "amount": "200",
            "note": "",
        },
    )
    visit = Visit.objects.get(household=homes["hardship"])
    assert response.status_code == 302
    assert response["Location"] == reverse("activities:visit_detail", args=[visit.pk])
    assert visit.items == "月饼"


def test_a_visit_recorded_by_picking_a_member(client, homes, persona):
    client.force_login(persona(Role.GRID_WORKER))
    member = homes["disabled"].residents.get()
    response = client.post(
        reverse("activities:visit_create"),
        {"resident": member.pk, "visited_on": "2026-05-02", "reason": "hardship", "visitor_names": "网格员"},
    )
    assert response.status_code == 302, response.context["form"].errors
    assert Visit.objects.get().household == homes["disabled"]


def test_a_member_outside_the_grid_workers_grid_cannot_be_picked(client, homes, persona):
    client.force_login(persona(Role.GRID_WORKER))
    member = homes["far"].residents.first()
    response = client.post(
        reverse("activities:visit_create"),
        {"resident": member.pk, "visited_on": "2026-05-02", "reason": "hardship", "visitor_names": "网格员"},
    )
    assert response.status_code == 200
    assert not Visit.objects.exists()


# --- 困难户 nobody visited ---------------------------------------------------------------------


def test_hardship_households_nobody_visited_in_the_period(tree, homes):
    make_visit(homes["dibao"], visited_on=SPRING)
    make_visit(homes["disabled"], visited_on=dt.date(2025, 9, 1))  # last year's only

    unvisited = list(queries.unvisited_hardship(tree.community, YEAR))
    assert unvisited == [homes["hardship"], homes["disabled"], homes["far"]]
    # The closed 低保户 and the ordinary household are not 困难户 to visit.
    assert list(queries.unvisited_hardship(tree.grid2, YEAR)) == [homes["far"]]
    assert list(queries.unvisited_hardship(tree.community, Period.year(2025))) == [
        homes["dibao"],
        homes["hardship"],
        homes["far"],
    ]


def test_the_unvisited_page_lists_them_in_the_readers_scope(client, homes, persona):
    make_visit(homes["dibao"], visited_on=SPRING)
    client.force_login(persona(Role.GRID_WORKER))
    page = client.get(reverse("activities:unvisited"), {"period": "2026"}).content.decode()
    assert "户号 0102" in page and "户号 0103" in page
    assert "户号 0101" not in page  # visited
    assert "户号 0201" not in page  # 二网格: outside the grid worker's scope
    assert "共2户" in page


# --- the figures ----------------------------------------------------------------------------------


def test_the_figures_against_a_hand_count(tree, homes):
    make_visit(homes["dibao"], visited_on=SPRING, amount="500")  # 回族: minority
    make_visit(homes["dibao"], visited_on=dt.date(2026, 6, 14), reason=VisitReason.HARDSHIP, amount="1000")
    make_visit(homes["hardship"], visited_on=SPRING, amount="500")
    make_visit(homes["far"], visited_on=dt.date(2026, 9, 17), amount="300")  # 维吾尔族 spouse: minority
    make_visit(homes["ordinary"], visited_on=dt.date(2025, 12, 31), amount="9999")  # last year

    figures = queries.visit_figures(tree.community, YEAR)
    assert (figures.visits, figures.households, figures.minority_households) == (4, 3, 2)
    assert figures.amount == Decimal("2300")
    assert [(r.label, r.visits, r.households) for r in figures.by_reason] == [
        ("节日慰问", 3, 3),
        ("困难帮扶", 1, 1),
    ]

    grid_one = queries.visit_figures(tree.grid, YEAR)
    assert (grid_one.visits, grid_one.households, grid_one.minority_households) == (3, 2, 1)

    by_grid = [
        (row.unit.name, row.visits, row.households) for row in queries.visits_by_grid(tree.community, YEAR)
    ]
    assert by_grid == [("一网格", 3, 2), ("二网格", 1, 1)]
    by_child = [(row.unit.name, row.visits) for row in queries.visits_by_child(tree.street, YEAR)]
    assert by_child == [("变电所社区", 4)]
    assert queries.visit_figures(tree.other_community, YEAR).visits == 0


def test_yuan_is_written_as_the_seeds_write_it():
    assert yuan(Decimal("25000")) == "2.5万元"
    assert yuan(Decimal("12345.6")) == "1.23万元"
    assert yuan(Decimal("3800")) == "3800元"
    assert yuan(Decimal("10000")) == "1万元"


# --- the report -------------------------------------------------------------------------------------


def test_the_section_says_the_visits(tree, homes):
    make_visit(homes["dibao"], visited_on=SPRING, amount="12000")
    make_visit(homes["hardship"], visited_on=SPRING, amount="8000")
    make_visit(homes["far"], visited_on=dt.date(2026, 9, 17), amount="5000")

    section = visits_section(tree.community, YEAR)
    assert section.title == "走访慰问"
    assert (
        section.paragraphs[0] == "节日期间走访慰问群众3户，其中少数民族家庭2户，发放慰问金及物资折合2.5万元。"
    )
    assert section.figures["households_visited"] == 3
    assert section.headline[0].value == 3


def test_a_unit_without_visits_or_meetings_has_no_section(tree):
    assert visits_section(tree.community, YEAR) is None


def test_grids_with_no_visits_are_a_problem_once_visits_are_recorded(tree, homes):
    assert visits_problems(tree.community, YEAR) == []
    make_visit(homes["dibao"], visited_on=SPRING)
    assert visits_problems(tree.community, YEAR) == ["二网格1个网格本期未开展走访慰问。"]
    make_visit(homes["far"], visited_on=SPRING)
    assert visits_problems(tree.community, YEAR) == []


def test_the_dashboard_chart_counts_visits_by_child_unit(tree, homes):
    from activities.report import visits_chart

    assert visits_chart(tree.community, YEAR) is None
    make_visit(homes["dibao"], visited_on=SPRING)
    make_visit(homes["dibao"], visited_on=dt.date(2026, 9, 17))
    make_visit(homes["hardship"], visited_on=SPRING)
    chart = visits_chart(tree.community, YEAR)
    assert chart.categories == ["一网格", "二网格"]
    assert [series.values for series in chart.series] == [[2, 0], [3, 0]]
    assert chart.table.rows == [["一网格", 2, 3], ["二网格", 0, 0]]
    assert chart.links == [str(tree.grid.pk), str(tree.grid2.pk)]
    assert visits_chart(tree.street, YEAR).categories == ["变电所社区"]


def test_the_report_has_the_section_after_the_others_and_its_problems(tree, homes):
    from reports.compose import compose

    make_visit(homes["dibao"], visited_on=SPRING, amount="300")
    sections = compose(tree.community, YEAR)
    keys = [section.key for section in sections]
    assert keys.index("visits") > keys.index("basic")
    visits = next(section for section in sections if section.key == "visits")
    assert visits.paragraphs[0] == "节日期间走访慰问群众1户，其中少数民族家庭1户，发放慰问金及物资折合300元。"
    problems = next(section for section in sections if section.key == "problems")
    assert "二网格1个网格本期未开展走访慰问。" in problems.paragraphs


def test_the_visit_page_names_the_accounts_that_went_in_its_history(client, homes, persona):
    staff = persona(Role.STAFF)
    staff.first_name, staff.last_name = "马书记", ""
    staff.save()
    visit = make_visit(homes["dibao"], by=staff, visitors=[staff])
    client.force_login(staff)
    page = client.get(reverse("activities:visit_detail", args=[visit.pk])).content.decode()
    assert "走访人（账号）" in page
    assert page.count("马书记") >= 2  # the facts and the history
    assert "已不存在" not in page
