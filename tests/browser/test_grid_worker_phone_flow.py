"""A grid worker on a phone: find a household of their grid, update it, add a member and
register a floating resident — each in a few taps, and each written to the ledger."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from residents.models import FloatingRegistration, Household, ResidenceStatus, Resident
from tests.factories_residents import HouseholdFactory, ResidentFactory, make_id_number
from tests.fixtures_browser import login
from tests.ledger_history import LedgerChange

pytestmark = pytest.mark.browser


def open_menu(page) -> None:
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()


def test_grid_worker_updates_a_household_adds_a_member_and_registers_a_floating_resident(
    live_server, page, tree, grid_worker
):
    household = HouseholdFactory(grid=tree.grid, number="0307", building=tree.building, phone="13812345678")
    ResidentFactory(household=household, name="马福海", relation="head")
    HouseholdFactory(grid=tree.grid2, number="0308")  # same community, another grid: not theirs
    child_id = make_id_number(birth_date=dt.date(2015, 9, 1), gender="2", serial=11)
    floating_id = make_id_number(birth_date=dt.date(1992, 2, 29), gender="1", serial=12, region="622901")

    login(page, live_server, grid_worker.username, "pass-1234")
    open_menu(page)
    page.get_by_role("navigation").get_by_role("link", name="居民台账").click()

    # Find: the list page is a search box.
    search = page.get_by_placeholder("姓名、户号或完整身份证号")
    search.fill("030")
    search.press("Enter")
    cards = page.get_by_test_id("household-cards").get_by_role("link")
    expect(cards).to_have_count(1)
    cards.first.click()
    expect(page.locator("h1")).to_have_text("户号 0307")

    # Update the household's phone.
    page.get_by_role("link", name="编辑户信息").click()
    page.locator("#id_phone").fill("13900001111")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("household-phone")).to_have_text("13900001111")

    # Add a member: the gender and birth date come from the ID number.
    page.get_by_role("link", name="添加成员").click()
    page.locator("#id_name").fill("马小燕")
    page.locator("#id_relation").select_option(label="子女")
    page.locator("#id_id_number").fill(child_id.lower())
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("members")).to_contain_text("马小燕")

    # Register a floating resident in the same household.
    page.get_by_role("link", name="登记流动人口").click()
    page.locator("#id_name").fill("韩德明")
    page.locator("#id_relation").select_option(label="非亲属")
    page.locator("#id_id_number").fill(floating_id)
    page.locator("#id_floating-origin").fill("甘肃省临夏州")
    page.locator("#id_floating-occupation").select_option(label="经商")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("members")).to_contain_text("韩德明")

    assert page.js_errors == []
    assert page.failed_responses == []

    household.refresh_from_db()
    assert household.phone == "13900001111"
    child = Resident.objects.get(name="马小燕")
    assert (child.household, child.id_number, child.gender, child.birth_date) == (
        household,
        child_id,
        "2",
        dt.date(2015, 9, 1),
    )
    floating = Resident.objects.get(name="韩德明")
    assert floating.household == household
    assert floating.residence_status == ResidenceStatus.FLOATING
    assert FloatingRegistration.objects.get(resident=floating).origin == "甘肃省临夏州"
    assert LedgerChange.objects.filter(household=household, user=grid_worker).count() == 3
    assert Household.objects.get(number="0308").phone != "13900001111"


def test_the_ledger_list_fits_a_phone_screen(live_server, page, tree, grid_worker):
    for i in range(3):
        HouseholdFactory(grid=tree.grid, number=f"05{i:02d}", address="幸福路很长很长的一段地址" * 3)
    login(page, live_server, grid_worker.username, "pass-1234")
    page.goto(live_server.url + "/residents/")
    expect(page.get_by_test_id("household-cards")).to_be_visible()
    # Cards, not a table that would scroll sideways.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    box = page.get_by_placeholder("姓名、户号或完整身份证号").bounding_box()
    assert box["height"] >= 44  # big enough for a thumb
