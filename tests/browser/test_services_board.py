"""The hall's display board and the clerk's desk in Chromium: the board, with nobody signed in,
shows a call within two seconds (its script polling the JSON), the minority window marked,
no script error and nothing the CSP refuses; a clerk calls and completes at the desk."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from grid.models import Role
from services import actions
from tests.browser.test_csp_pages import watch
from tests.factories import make_person
from tests.factories_services import make_window
from tests.fixtures_browser import login

pytestmark = pytest.mark.browser


@pytest.fixture
def hall(tree):
    clerk = make_person(role=Role.WINDOW_CLERK, unit=tree.community, username="board_clerk")
    a = make_window(tree.community, "A", clerks=[clerk])
    b = make_window(
        tree.community, "B", name="少数民族服务窗口", is_minority_window=True, languages="汉语、维吾尔语"
    )
    return clerk, a, b


def test_the_board_shows_a_call_within_two_seconds(live_server, desktop_page, tree, hall):
    clerk, a, b = hall
    for _ in range(2):
        actions.ticket_take_number(by=clerk, window=a)
    violations = watch(desktop_page)
    desktop_page.goto(f"{live_server.url}{reverse('services:board', args=[tree.community.pk])}")
    row = desktop_page.locator('tr[data-letter="A"]')
    expect(row.locator('[data-field="serving"]')).to_have_text("—")
    expect(row.locator('[data-field="waiting"]')).to_have_text("2")
    expect(desktop_page.locator('tr[data-letter="B"]')).to_contain_text("少数民族服务窗口 · 汉语、维吾尔语")
    actions.window_call_next(by=clerk, window=a)
    expect(row.locator('[data-field="serving"]')).to_have_text("A001", timeout=2000)
    expect(row.locator('[data-field="waiting"]')).to_have_text("1")
    assert desktop_page.js_errors == [] and violations == []


def test_a_clerk_calls_and_completes_at_the_desk(live_server, page, tree, hall):
    clerk, a, _ = hall
    actions.ticket_take_number(by=clerk, window=a)
    violations = watch(page)
    login(page, live_server, clerk.username, "pass-1234")
    page.goto(f"{live_server.url}{reverse('services:desk')}")
    page.get_by_test_id("call-next").click()
    expect(page.get_by_test_id("current-code")).to_have_text("A001")
    page.get_by_label("类型").select_option(label="办件")
    page.get_by_label("申请人姓名（不在台账上时填写）").fill("马大姐")
    page.get_by_role("button", name="登记并受理").click()
    page.get_by_label("办理结果").fill("当场办结")
    page.get_by_test_id("complete").click()
    expect(page.get_by_test_id("done-today")).to_have_text("1")
    assert page.js_errors == [] and violations == []
