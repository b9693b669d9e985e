"""数据看板 in Chromium, on an office screen and a phone: every chart drawn by ECharts, no
script error and nothing the CSP refuses; a child unit opened by its link and by its bar;
the period picker showing only the chosen kind's inputs."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import expect

from residents.models import LedgerStatus, ResidenceStatus
from tests.browser.test_csp_pages import watch
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity
from tests.fixtures_browser import login

pytestmark = pytest.mark.browser

PERIOD = "2025-06"


@pytest.fixture
def ledger(tree):
    cache.clear()
    h1 = HouseholdFactory(grid=tree.grid)
    h2 = HouseholdFactory(grid=tree.grid2)
    ResidentFactory(household=h1, name="张")
    ResidentFactory(household=h1, name="马", ethnicity=ethnicity("回族"), relation="spouse")
    ResidentFactory(
        household=h2, name="阿依", ethnicity=ethnicity("维吾尔族"), residence_status=ResidenceStatus.FLOATING
    )
    ResidentFactory(household=h2, name="王", status=LedgerStatus.MOVED_OUT, status_date=dt.date(2025, 6, 10))
    yield tree
    cache.clear()


def open_dashboard(page, live_server, unit, period: str = PERIOD) -> None:
    page.goto(f"{live_server.url}{reverse('reports:dashboard')}?unit={unit.pk}&period={period}")
    expect(page.locator("h1")).to_contain_text(f"{unit.name}数据看板")


def charts_drawn(page) -> int:
    """How many chart boxes hold the canvas ECharts drew, once each has drawn."""
    boxes = page.locator("[data-chart]")
    for index in range(boxes.count()):
        expect(boxes.nth(index).locator("canvas").first).to_be_attached()
    return boxes.count()


@pytest.mark.parametrize("screen", ["desktop_page", "page"])
def test_the_charts_are_drawn_without_errors(request, live_server, ledger, leader, screen):
    page = request.getfixturevalue(screen)
    console_errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    violations = watch(page)
    login(page, live_server, leader.username, "pass-1234")

    open_dashboard(page, live_server, ledger.street)
    assert charts_drawn(page) == 4
    # Hovering shows each chart's tooltip, drawn on the canvas: ECharts' HTML tooltips carry
    # style attributes, which the CSP refuses (and this test would see).
    for chart in page.locator("[data-chart]").all():
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        for fx, fy in ((0.5, 0.45), (0.7, 0.5), (0.3, 0.3)):
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            page.wait_for_timeout(50)
    # The numbers, in the table beside each chart.
    page.locator("details.dashboard-table summary").first.click()
    expect(page.locator("details.dashboard-table table").first).to_contain_text("维吾尔族")
    # Nothing wider than the screen, the phone's included.
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    for chart in page.locator("[data-chart]").all():
        assert chart.bounding_box()["width"] <= page.viewport_size["width"]

    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 200))")
    assert violations == []
    assert console_errors == []
    assert page.js_errors == []
    assert page.failed_responses == []


def test_a_child_unit_opens_by_its_link_and_by_its_bar(live_server, page, ledger, leader):
    # Bars drawn at once, not grown: the click below lands on the bar's final place.
    page.emulate_media(reduced_motion="reduce")
    login(page, live_server, leader.username, "pass-1234")
    open_dashboard(page, live_server, ledger.street)

    page.locator(".dashboard-children").get_by_role("link", name="变电所社区").click()
    expect(page.locator("h1")).to_contain_text("变电所社区数据看板")
    assert f"unit={ledger.community.pk}" in page.url and f"period={PERIOD}" in page.url
    # Up again through the breadcrumbs, which stop at the leader's own unit.
    crumbs = page.get_by_role("navigation", name="位置")
    expect(crumbs).not_to_contain_text("福安区")
    crumbs.get_by_role("link", name="清河街道").click()
    expect(page.locator("h1")).to_contain_text("清河街道数据看板")

    # A click on the community's bar in 各社区少数民族占比.
    charts_drawn(page)
    chart = page.locator('[data-chart="chart-data-minority_by_child"]')
    chart.scroll_into_view_if_needed()
    x, y = page.evaluate(
        """(element) => {
            const chart = window.echarts.getInstanceByDom(element);
            if (chart.getOption().animation) throw new Error("animated despite reduced motion");
            const value = chart.getOption().series[0].data[0];
            return chart.convertToPixel({ seriesIndex: 0 }, [value / 2, 0]);
        }""",
        chart.element_handle(),
    )
    box = chart.bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    expect(page.locator("h1")).to_contain_text("变电所社区数据看板")
    assert page.js_errors == []


def test_the_picker_shows_the_chosen_kind_s_inputs(live_server, page, ledger, leader):
    login(page, live_server, leader.username, "pass-1234")
    open_dashboard(page, live_server, ledger.community)
    picker = page.locator("[data-period-picker]")
    expect(picker.get_by_label("月份")).to_be_visible()
    expect(picker.get_by_label("季度")).to_be_hidden()

    picker.get_by_label("报告期类型").select_option("quarter")
    expect(picker.get_by_label("月份")).to_be_hidden()
    picker.get_by_label("年份").fill("2025")
    picker.get_by_label("季度").select_option("2")
    picker.get_by_role("button", name="查看").click()
    expect(page.locator("[data-period]")).to_contain_text("2025年第二季度")
    assert re.search(r"period=2025-Q2", page.url)
    assert charts_drawn(page) == 4
    assert page.js_errors == []
