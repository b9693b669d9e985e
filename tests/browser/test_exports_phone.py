"""On a phone (390 px): a large export left to build in the background, as its page tells
people they may, shows up as 下载 on 我的导出 without reloading; and a list filter that is
refused (a building outside one's scope, from an old link) is shown, not silently dropped
behind the folded filters."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.exports import export_job_create, export_job_run
from residents.lists import RESIDENTS
from tests.factories_residents import HouseholdFactory, ResidentFactory
from tests.fixtures_browser import login

pytestmark = pytest.mark.browser


def test_my_exports_shows_the_download_once_the_export_is_built(live_server, page, tree, grid_worker):
    ResidentFactory(household=HouseholdFactory(grid=tree.grid, number="0101"), name="张三")
    export = export_job_create(user=grid_worker, list_key=RESIDENTS.key, params={}, full=False)

    login(page, live_server, grid_worker.username, "pass-1234")
    page.goto(f"{live_server.url}/exports/")
    row = page.locator("#export-table tbody tr").first
    expect(row).to_contain_text("排队中")
    expect(row.get_by_role("link", name="下载")).to_have_count(0)

    export_job_run(export_id=export.pk)  # the worker finishes while the page is open

    expect(row.get_by_role("link", name="下载")).to_be_visible()
    expect(row).to_contain_text("已完成")
    # Nothing runs any more: the table stops asking.
    expect(page.locator("#export-table")).not_to_have_attribute("hx-trigger", re.compile("."))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.js_errors == [] and page.failed_responses == []


def test_a_filter_outside_ones_scope_is_shown_as_ignored_on_a_phone(live_server, page, tree, grid_worker):
    HouseholdFactory(grid=tree.grid, number="0101")
    login(page, live_server, grid_worker.username, "pass-1234")
    # 本楼住户 of a building in another street, say from a link kept from an earlier post.
    page.goto(f"{live_server.url}/residents/?building={tree.other_building.pk}")
    expect(page.get_by_role("button", name=re.compile("^筛选"))).to_contain_text("有条件无效")
    note = page.get_by_role("status").filter(has_text="筛选条件无效")
    expect(note).to_be_visible()
    expect(note).to_contain_text("“楼栋”")
    expect(page.get_by_text("户号 0101")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.js_errors == []
