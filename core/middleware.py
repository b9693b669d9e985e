"""Response headers every page gets: the Content-Security-Policy, and ``no-store`` on
whatever a signed-in user is sent.

The CSP is this small middleware rather than django-csp: the policy is one fixed header
(no nonces, no hashes, no per-view exceptions: nothing inline is left to allow), so a
dependency would bring configuration and upgrades for ten lines of code, on installations
that are offline and take every package from a lock. The setting has the shape of Django
6.0's own ``SECURE_CSP`` (directive → sources), so moving to
``django.middleware.csp.ContentSecurityPolicyMiddleware`` there is a one-line change.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CSP_HEADER = "Content-Security-Policy"


def build_policy(directives: dict[str, list[str] | tuple[str, ...]]) -> str:
    """``{"default-src": ["'self'"], "object-src": ["'none'"]}`` → the header's value."""
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Sets ``settings.SECURE_CSP`` on every response that has no CSP of its own.

    Placed before WhiteNoise, so static files carry it too (an SVG opened on its own could
    otherwise run script)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = build_policy(settings.SECURE_CSP)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if CSP_HEADER not in response:
            response[CSP_HEADER] = self.policy
        return response


class NoStoreForSignedInMiddleware:
    """``Cache-Control: no-store`` on every response to a signed-in user: their pages and
    files (lists, .xlsx exports) hold personal data that no browser or proxy cache may keep.

    A view that set its own Cache-Control keeps it. Placed after AuthenticationMiddleware;
    static files never reach it (WhiteNoise answers them first, with its own caching)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response
