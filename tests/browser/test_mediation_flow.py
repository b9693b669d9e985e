"""Mediation in the browser: a grid worker reports a dispute from a phone (375 × 812), the
parties picked from their grid's ledger; a mediator opens the case, accepts it, starts,
records a session and closes it as 调解成功 — with no script or console error on the way."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mediation.models import Case, CaseStatus, Session
from tests.factories_mediation import closed, make_case
from tests.factories_residents import HouseholdFactory, ResidentFactory
from tests.fixtures_browser import TIMEOUT_MS, login

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 375, "height": 812}


def _watched(context) -> object:
    page = context.new_page()
    page.js_errors = []
    page.console_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.on(
        "console",
        lambda message: page.console_errors.append(message.text) if message.type == "error" else None,
    )
    return page


@pytest.fixture
def small_phone(browser) -> Iterator:
    context = browser.new_context(
        viewport=SMALL_PHONE, is_mobile=True, has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield _watched(context)
    finally:
        context.close()


@pytest.fixture
def office(browser) -> Iterator:
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield _watched(context)
    finally:
        context.close()


def test_a_grid_worker_reports_a_dispute_from_a_phone(live_server, small_phone, tree, grid_worker):
    page = small_phone
    neighbour = ResidentFactory(household=HouseholdFactory(grid=tree.grid), name="马福海")
    ResidentFactory(household=HouseholdFactory(grid=tree.grid2), name="马福山")  # another grid's: not offered

    login(page, live_server, grid_worker.username, "pass-1234")
    page.get_by_role("link", name="登记纠纷").first.click()
    expect(page.locator("h1")).to_have_text("登记矛盾纠纷")

    page.locator("#id_title").fill("楼上漏水纠纷")
    page.locator("#id_category").select_option(label="邻里")
    page.locator("#id_facts").fill("卫生间漏水殃及楼下，双方多次争吵。")
    page.get_by_label("申请方（台账居民）", exact=True).press_sequentially("马福", delay=50)
    options = page.locator("[data-picker-option]")
    expect(options).to_have_count(1, timeout=TIMEOUT_MS)
    expect(options.first).to_contain_text("马福海")
    options.first.click()
    page.locator("#id_respondent_name").fill("外来租户")
    page.get_by_role("button", name="登记").click()

    expect(page.get_by_test_id("file-number")).to_contain_text("变电所人调字第1号")
    expect(page.get_by_test_id("parties")).to_contain_text("马福海")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    assert page.js_errors == [] and page.console_errors == []

    case = Case.objects.get()
    assert case.grid == tree.grid and case.reported_by == grid_worker
    assert case.status == CaseStatus.REGISTERED
    assert set(case.parties.values_list("resident_id", "name")) == {
        (neighbour.pk, "马福海"),
        (None, "外来租户"),
    }


def test_a_mediator_takes_a_case_to_success(live_server, office, tree, mediator):
    page = office
    resident = ResidentFactory(household=HouseholdFactory(grid=tree.grid), name="马福贵")
    case = make_case(tree.grid, resident=resident, title="噪音扰民纠纷")

    login(page, live_server, mediator.username, "pass-1234")
    page.goto(live_server.url + "/mediation/")
    page.get_by_role("link", name=case.file_number, exact=True).click()
    expect(page.locator("h1")).to_have_text("噪音扰民纠纷")

    def step(link: str, button: str | None = None) -> None:
        page.locator(".page-actions").get_by_role("link", name=link, exact=True).click()
        page.get_by_role("button", name=button or link).click()
        expect(page.locator("h1")).to_have_text("噪音扰民纠纷")

    step("受理")
    expect(page.get_by_test_id("timeline")).to_contain_text("受理")
    step("开始调解")

    page.locator(".page-actions").get_by_role("link", name="记录调解").click()
    page.locator("#id_place").fill("移动微调室")
    page.get_by_label("马福贵（申请方）").check()
    page.locator("#id_notes").fill("双方到场，调解员释法说理，双方同意协商。")
    page.get_by_role("button", name="保存调解记录").click()
    expect(page.get_by_test_id("sessions")).to_contain_text("移动微调室")

    step("调解成功")
    expect(page.get_by_test_id("timeline")).to_contain_text("调解成功")
    assert page.js_errors == [] and page.console_errors == []

    case.refresh_from_db()
    assert case.status == CaseStatus.SUCCEEDED and case.closed_on is not None
    session = Session.objects.get(case=case)
    assert session.place == "移动微调室" and list(session.parties.values_list("name", flat=True)) == [
        "马福贵"
    ]


def test_the_dashboard_draws_the_monthly_cases_and_rate(live_server, office, tree, leader):
    page = office
    today = timezone.localdate()
    closed(make_case(tree.grid, reported_on=today.replace(day=1)), "succeeded", on=today.replace(day=1))
    make_case(tree.grid, reported_on=today.replace(day=1), title="待受理纠纷")

    login(page, live_server, leader.username, "pass-1234")
    page.goto(f"{live_server.url}/reports/dashboard/?unit={tree.street.pk}")
    box = page.locator('[data-chart="chart-data-mediation_months"]')
    expect(box.locator("canvas").first).to_be_attached()
    expect(page.locator("[data-figure=days_since_ethnic_escalation]")).to_have_text("无")
    assert page.js_errors == [] and page.console_errors == []
