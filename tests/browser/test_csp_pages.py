"""Every page, in Chromium, under the Content-Security-Policy: nothing it refuses.

Signed in as the admin and as the grid worker, each page of tests/test_access.py's table
that names no record (and some that do: a household, a building, a resident, the admin)
is opened and every CSP report is collected: Chromium's console message and the page's
``securitypolicyviolation`` event. Static files here come from the live server's own
handler, without the header; the pages carry it from core.middleware."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grid.models import Role
from tests.factories_residents import HouseholdFactory, ResidentFactory
from tests.fixtures_browser import login
from tests.test_access import PAGES

pytestmark = pytest.mark.browser

# Files, not pages: the browser would download them.
DOWNLOADS = {
    "residents:household_export",
    "residents:resident_export",
    "ledger_import:template",
    "mediation:case_export",
}
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(`${event.violatedDirective} ${event.blockedURI || "inline"} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def pages_for(role: str, records: dict) -> list[str]:
    urls = [
        reverse(page.name)
        for page in PAGES
        if page.target is None
        and not page.own
        and page.method == "get"
        and page.name not in DOWNLOADS
        and role in page.roles
    ]
    urls += [
        reverse("residents:household_detail", args=[records["household"].pk]),
        reverse("residents:household_edit", args=[records["household"].pk]),
        reverse("residents:resident_detail", args=[records["resident"].pk]),
        reverse("residents:resident_create", args=[records["household"].pk]),
        reverse("grid:building_detail", args=[records["building"].pk]),
        reverse("grid:unit_detail", args=[records["grid"].pk]),
    ]
    if role == Role.ADMIN:
        urls += [
            reverse("grid:building_edit", args=[records["building"].pk]),
            reverse("admin:index"),
            reverse("admin:grid_building_changelist"),
            reverse("admin:grid_building_add"),
            reverse("admin:grid_building_change", args=[records["building"].pk]),
            reverse("admin:auth_group_changelist"),
        ]
    return urls


def watch(page) -> list[str]:
    reports: list[str] = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and reports.append(message.text),
    )
    page.expose_function("reportViolation", lambda text: reports.append(text))
    page.add_init_script(REPORT_VIOLATIONS)
    return reports


def visit(page, url: str) -> None:
    page.goto(url, wait_until="load")
    # Reports are dispatched after the fact; give them a moment to arrive.
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 100))")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.GRID_WORKER])
def test_no_page_breaks_the_policy(live_server, desktop_page, tree, persona, role):
    page = desktop_page
    household = HouseholdFactory(grid=tree.grid, number="0101", building=tree.building, unit=tree.unit)
    resident = ResidentFactory(household=household, name="张三", relation="head")
    records = {"household": household, "resident": resident, "building": tree.building, "grid": tree.grid}
    user = persona(role)
    reports = watch(page)

    login(page, live_server, user.username, "pass-1234")
    visited = []
    for url in pages_for(role, records):
        visit(page, live_server.url + url)
        visited.append(url)
        assert reports == [], f"{url}: {reports}"
    assert page.js_errors == []
    assert page.failed_responses == []
    # The error pages too.
    visit(page, live_server.url + "/no-such-page/")
    assert reports == []
    assert len(visited) > 8


def test_the_watch_sees_what_the_policy_refuses(live_server, desktop_page, grid_worker):
    page = desktop_page
    reports = watch(page)
    login(page, live_server, grid_worker.username, "pass-1234")
    page.evaluate(
        """() => document.body.insertAdjacentHTML("beforeend", '<div style="color: red">x</div>')"""
    )
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 100))")
    assert any("style-src" in report for report in reports)
