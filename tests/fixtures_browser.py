"""Headless Chromium through Playwright's sync API, for tests marked ``@pytest.mark.browser``.

Playwright cannot download its own browsers on these machines, so it drives Debian's
``chromium`` package. Without it browser tests are skipped on a developer's machine, but
fail under CI=true or REQUIRE_REAL_SERVICES=true: a suite that silently skips its browser
tests in CI would prove nothing.

Browser tests use pytest-django's ``live_server`` (which brings ``transactional_db``);
the live server serves static files from the finders, so CSS and JS load as in the demo.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from django.urls import reverse

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # small /dev/shm in containers crashes renderers
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
TIMEOUT_MS = 15_000


def browser_required() -> bool:
    return any(
        os.environ.get(name, "").lower() in {"1", "true", "yes", "on"}
        for name in ("CI", "REQUIRE_REAL_SERVICES")
    )


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        message = (
            f"找不到 Chromium（{CHROMIUM}）：请安装 Debian 的 chromium 软件包（apt-get install chromium）。"
        )
        if browser_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)

    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop in this thread; Django would otherwise
    # refuse ORM calls made from the test body while the browser is open.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    existing = {alias: connections[alias] for alias in connections}
    playwright = sync_playwright().start()
    # Django keeps DB connections in asgiref's thread-critical Local, which switches to a
    # fresh per-context store once an event loop runs in the thread — Playwright's does.
    # Without this the tests would get new connections that lack the test database's
    # state (serialized rollback contents; with SQLite, the in-memory database's handle).
    for alias, connection in existing.items():
        setattr(connections._connections, alias, connection)
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _new_page(browser, viewport: dict, *, is_mobile: bool) -> Iterator:
    context = browser.new_context(
        viewport=viewport,
        is_mobile=is_mobile,
        has_touch=is_mobile,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    # Collected so tests can assert a page works as a whole: no script errors, no asset
    # (CSS, JS, fonts) that failed to load.
    page.js_errors = []
    page.failed_responses = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.on("response", lambda response: _record_failure(page, response))
    try:
        yield page
    finally:
        context.close()


def _record_failure(page, response) -> None:
    # The browser asks for /favicon.ico on its own; that is not the page's doing.
    if response.status >= 400 and not response.url.endswith("/favicon.ico"):
        page.failed_responses.append(f"{response.status} {response.url}")


@pytest.fixture
def page(browser) -> Iterator:
    """A fresh phone-sized page (grid workers use the app on phones).

    ``page.js_errors`` lists uncaught JavaScript errors, ``page.failed_responses`` every
    response with an HTTP error status."""
    yield from _new_page(browser, PHONE, is_mobile=True)


@pytest.fixture
def desktop_page(browser) -> Iterator:
    """A fresh office-screen-sized page."""
    yield from _new_page(browser, DESKTOP, is_mobile=False)


def login(page, live_server, username: str, password: str) -> None:
    """Sign in through the login form, as a person would; fails if the form refuses."""
    login_url = live_server.url + reverse("login")
    page.goto(login_url)
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(password)
    with page.expect_navigation():
        page.locator('input[name="password"]').press("Enter")
    if page.url.split("?")[0] == login_url:
        raise AssertionError(f"登录失败：{username} 仍停留在登录页。")


def open_menu(page) -> None:
    """On a phone the menu is folded behind the navbar toggler; unfold it if so."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
