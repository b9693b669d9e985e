"""The report's print view in Chromium: nothing the CSP refuses, the 打印 button opens the
print dialog, and printed it is A4 in the official layout's sizes, the toolbar left off."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.browser.test_csp_pages import visit, watch
from tests.export_report_data import generated_report, ledger
from tests.fixtures_browser import login

pytestmark = pytest.mark.browser

A4_POINTS = (595.28, 841.89)


def test_the_print_view_prints_on_a4(live_server, desktop_page, tree, staff_user):
    ledger(tree)
    report = generated_report(tree, staff=staff_user)
    page = desktop_page
    reports = watch(page)
    login(page, live_server, staff_user.username, "pass-1234")
    visit(page, live_server.url + reverse("reports:report_print", args=[report.pk]))
    assert reports == []
    assert page.js_errors == []
    assert page.failed_responses == []

    assert page.get_by_role("heading", level=2, name="一、基本情况").is_visible()
    style = "(selector) => getComputedStyle(document.querySelector(selector))"
    body = page.evaluate(f"({style})('.sheet p')")
    assert body["fontSize"] == "21.3333px"  # 16 pt, 3号
    assert body["textIndent"] == "42.6667px"  # two characters
    assert page.evaluate(f"({style})('.doc-title')")["fontSize"] == "29.3333px"  # 22 pt, 2号

    # The button calls the browser's print(); here it is caught instead of opening a dialog.
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("() => window.printed") is True

    page.emulate_media(media="print")
    assert not page.locator(".print-toolbar").is_visible()
    pdf = page.pdf(prefer_css_page_size=True)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes, "no page in the PDF"
    for width, height in boxes:
        assert float(width) == pytest.approx(A4_POINTS[0], abs=2)
        assert float(height) == pytest.approx(A4_POINTS[1], abs=2)
