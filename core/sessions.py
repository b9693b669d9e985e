"""Session time limits: signed out after ``SESSION_IDLE_TIMEOUT`` seconds without a
request, and ``SESSION_ABSOLUTE_TIMEOUT`` seconds after signing in, however active.

The session holds both times (Unix seconds): the sign-in time is stamped by
``user_logged_in`` (``record_sign_in``, connected in ``CoreConfig.ready``), the last
activity by the middleware. Last activity is written at most once a minute, so an active
person's session is not saved on every request; the idle limit is therefore exact to
about a minute.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
# Last activity is saved again only once it is this many seconds old.
LAST_SEEN_RESOLUTION = 60

IDLE_MESSAGE = "您已长时间未操作，为保护数据安全已自动退出，请重新登录。"
ABSOLUTE_MESSAGE = "本次登录已超过最长有效时间，为保护数据安全已自动退出，请重新登录。"


def record_sign_in(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """``user_logged_in`` receiver: the session's clocks start at signing in."""
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


def expired(session, now: float) -> str | None:
    """Why a signed-in session has run out (the message to show), or None."""
    signed_in = session.get(SIGNED_IN_AT)
    last_seen = session.get(LAST_SEEN_AT)
    if signed_in is not None and now - signed_in > settings.SESSION_ABSOLUTE_TIMEOUT:
        return ABSOLUTE_MESSAGE
    if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
        return IDLE_MESSAGE
    return None


class SessionTimeoutMiddleware:
    """Signs out a session past either limit and sends the person to the login page with
    the reason; otherwise notes the activity. After ``AuthenticationMiddleware`` and
    ``MessageMiddleware``."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = time.time()
            reason = expired(session, now)
            if reason is not None:
                logout(request)
                messages.warning(request, reason)
                return redirect_to_login(request.get_full_path())
            # A session from before these limits (or made by force_login) starts its clocks now.
            if session.get(SIGNED_IN_AT) is None:
                session[SIGNED_IN_AT] = now
            last_seen = session.get(LAST_SEEN_AT)
            if last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION:
                session[LAST_SEEN_AT] = now
        return self.get_response(request)
