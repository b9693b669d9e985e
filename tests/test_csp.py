"""The Content-Security-Policy and ``Cache-Control: no-store`` (core.middleware), and the
templates that make the policy livable: nothing inline in any of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from grid.models import Role

DIRECTIVES = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "connect-src": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
    "base-uri": {"'self'"},
    "object-src": {"'none'"},
}


def policy(response) -> dict[str, set[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *sources = directive.split()
        parsed[name] = set(sources)
    return parsed


def assert_locked_down(response) -> None:
    assert policy(response) == DIRECTIVES
    assert "unsafe" not in response["Content-Security-Policy"]
    # no-store, ours or the view's own (the admin's never_cache says no-store too).
    assert "no-store" in {part.strip() for part in response["Cache-Control"].split(",")}


@pytest.fixture
def signed_in(client, persona):
    client.force_login(persona(Role.ADMIN))
    return client


def test_a_page_for_a_signed_in_user(signed_in):
    response = signed_in.get(reverse("home"))
    assert response.status_code == 200
    assert_locked_down(response)


def test_a_download(signed_in):
    response = signed_in.get(reverse("residents:household_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert_locked_down(response)


@pytest.mark.parametrize("name", ["admin:index", "admin:grid_building_changelist", "admin:grid_building_add"])
def test_the_admin(signed_in, name):
    response = signed_in.get(reverse(name))
    assert response.status_code == 200
    assert_locked_down(response)


def test_anonymous_pages_have_the_policy_but_may_be_cached_by_their_own_rules(client):
    response = client.get(reverse("login"))
    assert policy(response) == DIRECTIVES
    # The login view's own never_cache, not the signed-in no-store.
    assert "no-store" in response["Cache-Control"] and response["Cache-Control"] != "no-store"


def test_a_view_s_own_cache_control_is_kept(rf, persona):
    from django.http import HttpResponse

    from core.middleware import NoStoreForSignedInMiddleware

    def view(request):
        response = HttpResponse("x")
        response["Cache-Control"] = "private, max-age=60"
        return response

    request = rf.get("/")
    request.user = persona(Role.STAFF)
    assert NoStoreForSignedInMiddleware(view)(request)["Cache-Control"] == "private, max-age=60"


def test_static_files_keep_whitenoise_caching(signed_in, settings):
    # Let WhiteNoise find the source files, as it does in the demo (DEBUG), not collectstatic's.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = signed_in.get(settings.STATIC_URL + "css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "max-age" in response["Cache-Control"]
    assert policy(response) == DIRECTIVES


# --- the templates --------------------------------------------------------------------------

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE = {
    "a style= attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "a <style> element": re.compile(r"<style\b", re.IGNORECASE),
    "a <script> without src": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    "an on…= handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def inline_things(text: str) -> list[str]:
    return [what for what, pattern in INLINE.items() if pattern.search(text)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('<div style="width: 5%">', ["a style= attribute"]),
        ("<style>.x {}</style>", ["a <style> element"]),
        ("<script>alert(1)</script>", ["a <script> without src"]),
        ('<script defer src="/static/x.js"></script>', []),
        ('<button onclick="go()">', ["an on…= handler"]),
        ('<a href="javascript:go()">', ["a javascript: URL"]),
        ('<div class="style-x" data-onload="x">', []),
    ],
)
def test_the_template_check_finds_what_it_should(text, found):
    assert inline_things(text) == found


def test_no_template_has_anything_inline():
    found = {
        str(path.relative_to(TEMPLATES)): things
        for path in sorted(TEMPLATES.rglob("*.html"))
        if (things := inline_things(path.read_text(encoding="utf-8")))
    }
    assert found == {}
