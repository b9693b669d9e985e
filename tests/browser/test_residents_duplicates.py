"""疑似重复登记 in the browser: community staff on a phone find the pair from the resident
list, merge one, dismiss the other, and the list is empty."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from residents.models import DuplicateDismissal, LedgerStatus, Relation, Resident
from tests.factories_residents import HouseholdFactory, ResidentFactory, make_id_number
from tests.fixtures_browser import login

pytestmark = pytest.mark.browser

BORN = dt.date(1962, 4, 8)


def test_staff_merge_one_pair_and_dismiss_another(live_server, page, tree, staff_user):
    for grid, number in ((tree.grid, "0101"), (tree.grid2, "0202")):
        ResidentFactory(household=HouseholdFactory(grid=grid, number=number), name=f"户主{number}")
    old = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid, number="0111"),
        name="马玉兰",
        relation=Relation.HEAD,
        id_number=make_id_number(birth_date=BORN, serial=12, region="110102"),
    )
    new = ResidentFactory(
        household=Resident.objects.get(name="户主0202").household,
        name="马玉兰",
        relation=Relation.SPOUSE,
        id_number=make_id_number(birth_date=BORN, serial=12, region="110105"),
    )
    twins = [
        ResidentFactory(
            household=HouseholdFactory(grid=tree.grid, number=number),
            name="李强",
            id_number=make_id_number(serial=serial),
        )
        for number, serial in (("0121", 3), ("0122", 4))
    ]
    login(page, live_server, staff_user.username, "pass-1234")

    page.goto(live_server.url + "/residents/people/")
    page.get_by_role("link", name="疑似重复登记").click()
    expect(page.locator("h1")).to_have_text("疑似重复登记")
    expect(page.get_by_test_id("duplicate-count")).to_contain_text("共 2 组")
    # The numbers are masked: the old and the new differ only in the region code.
    expect(page.get_by_test_id("duplicate-list")).to_contain_text("仅地址码不同")
    expect(page.get_by_test_id("duplicate-list")).not_to_contain_text(new.id_number)

    page.get_by_role("link", name="是同一人，合并…").nth(1).click()
    expect(page.locator("h1")).to_contain_text("马玉兰")
    page.get_by_label("户号 0202").check()
    page.get_by_role("button", name="确认合并").click()
    expect(page.locator(".alert-success")).to_contain_text("已将户号 0111 的重复登记合并")
    old.refresh_from_db()
    assert (old.status, old.merged_into_id) == (LedgerStatus.MERGED, new.pk)
    # 0111 had nobody else: it is closed.
    assert old.household.closed_on == dt.date.today()

    page.goto(live_server.url + "/residents/people/duplicates/")
    expect(page.get_by_test_id("duplicate-count")).to_contain_text("共 1 组")
    page.get_by_role("link", name="不是同一人，排除…").click()
    page.get_by_role("button", name="确认排除").click()
    expect(page.locator(".invalid-feedback, .text-danger").first).to_contain_text("请填写排除理由")
    page.get_by_label("排除理由").fill("经入户核实为同名同生日的两人")
    page.get_by_role("button", name="确认排除").click()
    expect(page.get_by_test_id("duplicate-none")).to_be_visible()
    dismissal = DuplicateDismissal.objects.get()
    assert (dismissal.first_id, dismissal.second_id) == (twins[0].pk, twins[1].pk)
    assert page.js_errors == []
    assert page.failed_responses == []
