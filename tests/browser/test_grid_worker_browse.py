"""A grid worker on a phone finds a building of their grid, through the menu, as in the field."""

import re

import pytest
from playwright.sync_api import expect

from tests.fixtures_browser import login, open_menu

pytestmark = pytest.mark.browser


def test_grid_worker_browses_from_menu_to_their_building(live_server, page, tree, grid_worker):
    login(page, live_server, grid_worker.username, "pass-1234")

    page.goto(live_server.url + "/")
    open_menu(page)
    page.get_by_role("navigation").get_by_role("link", name="网格与楼栋").click()
    page.get_by_role("link", name="一网格", exact=True).click()
    page.get_by_role("link", name="1号楼", exact=True).click()

    expect(page.locator("h1")).to_contain_text("1号楼")
    assert re.search(rf"/grid/buildings/{tree.building.pk}/$", page.url)
    assert page.js_errors == []
    assert page.failed_responses == []


def test_pages_load_the_local_stylesheet_and_scripts(live_server, page, grid_worker):
    login(page, live_server, grid_worker.username, "pass-1234")

    # Bootstrap's CSS is served by the app itself (no CDN) and applied: the phone menu is folded.
    bootstrap_rules = page.evaluate(
        """() => [...document.styleSheets]
            .filter((sheet) => sheet.href && sheet.href.includes('/static/vendor/bootstrap/'))
            .reduce((count, sheet) => count + sheet.cssRules.length, 0)"""
    )
    assert bootstrap_rules > 100
    expect(page.locator("#main-nav")).to_be_hidden()
    # Its JavaScript unfolds the menu.
    open_menu(page)
    expect(page.get_by_role("navigation").get_by_role("link", name="网格与楼栋")).to_be_visible()
    assert page.evaluate("() => typeof window.bootstrap === 'object' && typeof window.htmx === 'object'")
    assert page.failed_responses == []
