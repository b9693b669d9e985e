"""On a phone (390 px): a staff member records an activity's attendance — one resident found
by typing part of a name (the ledger's picker, htmx under the strict CSP), then two more
ticked from one building's households — and the page counts participants, minority
participants and 民族 from it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from activities.models import Attendance
from tests.factories_activities import make_activity
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity
from tests.fixtures_browser import login

pytestmark = pytest.mark.browser


def test_a_staff_member_records_attendance_on_a_phone(live_server, page, tree, staff_user):
    home = HouseholdFactory(grid=tree.grid, building=tree.building, unit=tree.unit, number="0101")
    neighbours = HouseholdFactory(grid=tree.grid, building=tree.building, unit=tree.unit, number="0102")
    ma = ResidentFactory(household=home, name="马福祥", ethnicity=ethnicity("回族"))
    ResidentFactory(household=home, name="马小花", relation="child", ethnicity=ethnicity("回族"))
    wang = ResidentFactory(household=neighbours, name="王建国")
    gulnar = ResidentFactory(
        household=neighbours, name="古丽娜", relation="spouse", ethnicity=ethnicity("维吾尔族")
    )
    activity = make_activity(tree.grid, title="粽香庆端午", others=2)

    login(page, live_server, staff_user.username, "pass-1234")
    page.goto(f"{live_server.url}/activities/{activity.pk}/")
    expect(page.get_by_test_id("activity-counts")).to_contain_text("参与群众2人次")

    page.get_by_label("按姓名查找居民").press_sequentially("福祥", delay=50)
    options = page.locator("[data-picker-option]")
    expect(options).to_have_count(1)
    options.first.click()
    expect(page.get_by_test_id("picker-chosen")).to_contain_text("马福祥")
    page.get_by_test_id("attend-form").get_by_role("button", name="签到").click()
    expect(page.get_by_test_id("attendees")).to_contain_text("马福祥")
    expect(page.get_by_test_id("activity-counts")).to_contain_text("参与群众3人次")
    assert "福祥" not in page.url  # the name is in no URL

    page.get_by_test_id("building-form").get_by_label("楼栋").select_option(label="一网格 1号楼")
    page.get_by_role("button", name="按楼栋勾选").click()
    form = page.get_by_test_id("tick-form")
    expect(form.get_by_label("马福祥")).to_be_disabled()  # already there
    form.get_by_label("王建国").check()
    form.get_by_label("古丽娜").check()
    form.get_by_role("button", name="签到所选居民").click()

    expect(page.get_by_test_id("activity-counts")).to_have_text(
        "参与群众5人次（台账居民3人，台账外2人），其中少数民族2人次，涉及3个民族"
    )
    assert set(Attendance.objects.filter(activity=activity).values_list("resident", flat=True)) == {
        ma.pk,
        wang.pk,
        gulnar.pk,
    }
    assert not page.js_errors
