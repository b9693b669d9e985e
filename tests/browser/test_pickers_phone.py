"""On a phone (390 px): picking a 楼栋长 by typing part of a name, and filing a household
under 网格 → 楼栋 → 单元 where each select offers only what fits the one above it.

The picker page is served with a strict script policy (scripts only from the app's own
static files: no inline script, no eval), so htmx and the page scripts are known to work
under it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from residents.models import Household
from tests.factories import BuildingFactory, UnitFactory
from tests.factories_residents import HouseholdFactory, ResidentFactory, make_id_number
from tests.fixtures_browser import login

pytestmark = pytest.mark.browser

CSP = "script-src 'self'; object-src 'none'; base-uri 'none'"


def enforce_script_policy(page) -> list[str]:
    """Serve every page with ``CSP``; returns the list its violations are reported in."""
    violations: list[str] = []

    def add_policy(route):
        response = route.fetch(max_redirects=0)  # the browser follows redirects itself
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})

    page.route(lambda url: "/static/" not in url, add_policy)
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_a_building_head_is_found_by_typing_and_picked_on_a_phone(live_server, page, tree, staff_user):
    unit2 = UnitFactory(building=tree.building, number="2单元")
    first = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid, building=tree.building, unit=tree.unit, room="101"),
        name="胡强",
        id_number=make_id_number(birth_date=dt.date(1980, 5, 1), serial=1),
    )
    second = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid, building=tree.building, unit=unit2, room="101"),
        name="胡强",
        id_number=make_id_number(birth_date=dt.date(1968, 2, 3), serial=2),
    )
    # In the user's scope but not in this building: not offered.
    ResidentFactory(household=HouseholdFactory(grid=tree.grid2), name="胡强")
    violations = enforce_script_policy(page)

    login(page, live_server, staff_user.username, "pass-1234")
    page.goto(f"{live_server.url}/grid/buildings/{tree.building.pk}/edit/")
    search = page.get_by_label("楼栋长（居民）")
    expect(page.locator("[data-picker-chosen]")).to_be_hidden()  # nobody chosen yet
    search.press_sequentially("胡 强", delay=50)

    options = page.locator("[data-picker-option]")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_contain_text("1号楼 1单元 101")
    expect(options.nth(1)).to_contain_text("1号楼 2单元 101")
    expect(options.nth(1)).to_contain_text(second.masked_id_number)
    assert page.url.endswith(f"/grid/buildings/{tree.building.pk}/edit/")  # the term is in no URL

    options.nth(1).click()
    age = second.age_on(timezone.localdate())
    expect(page.get_by_test_id("picker-chosen")).to_have_text(f"胡强（1号楼 2单元 101，{age}岁）")
    expect(options).to_have_count(0)
    expect(search).to_have_value("")

    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1")).to_contain_text("1号楼")

    tree.building.refresh_from_db()
    assert tree.building.head == second
    assert tree.building.head != first
    assert page.js_errors == []
    assert page.failed_responses == []
    assert violations == [], violations


def test_a_household_is_filed_under_grid_building_and_unit_narrowed_step_by_step(
    live_server, page, tree, staff_user
):
    b3 = BuildingFactory(grid=tree.grid2, number="3号楼")
    u10 = UnitFactory(building=b3, number="10单元")
    u2 = UnitFactory(building=b3, number="2单元")

    login(page, live_server, staff_user.username, "pass-1234")
    page.goto(f"{live_server.url}/residents/households/new/")
    grid, building, unit = page.locator("#id_grid"), page.locator("#id_building"), page.locator("#id_unit")

    # A unit chosen first fills in its building and grid.
    unit.select_option(label="二网格 3号楼 10单元")
    expect(grid).to_have_value(str(tree.grid2.pk))
    expect(building).to_have_value(str(b3.pk))
    expect(unit).to_have_value(str(u10.pk))
    building.select_option(label="请选择")

    grid.select_option(label="二网格")
    expect(building.locator("option")).to_have_text(["请选择", "二网格 3号楼"])
    # Nothing chosen yet in 楼栋: the units of the chosen grid's buildings, in their order.
    expect(unit.locator("option")).to_have_text(["请选择", "二网格 3号楼 2单元", "二网格 3号楼 10单元"])
    building.select_option(label="二网格 3号楼")
    unit.select_option(label="二网格 3号楼 2单元")

    # Another grid: the building and unit chosen under the first no longer fit and are cleared.
    grid.select_option(label="一网格")
    expect(building).to_have_value("")
    expect(building.locator("option")).to_have_text(["请选择", "一网格 1号楼"])
    expect(unit.locator("option")).to_have_text(["请选择", "一网格 1号楼 1单元"])

    grid.select_option(label="二网格")
    building.select_option(label="二网格 3号楼")
    unit.select_option(label="二网格 3号楼 2单元")
    page.locator("#id_number").fill("9905")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1")).to_have_text("户号 9905")

    household = Household.objects.get(number="9905")
    assert (household.grid, household.building, household.unit) == (tree.grid2, b3, u2)
    assert page.js_errors == []
    assert page.failed_responses == []
