"""Sign-in lockout (django-axes): who counts as one client, and the two limits.

axes records every failed sign-in (``axes.AccessAttempt``) and refuses further attempts
once a client's failures within ``AXES_COOLOFF_TIME`` reach its limit. Two counts are
kept, the order of ``AXES_LOCKOUT_PARAMETERS``:

1. the account *from* an address, ``(username, ip_address)``: locked at
   ``AXES_FAILURE_LIMIT``. Someone guessing one person's password from elsewhere never
   locks that person out where they sign in (no lockout by username alone);
2. the address alone: locked at the higher ``AXES_IP_FAILURE_LIMIT``, so one address
   cannot try a few passwords on each of many accounts (password spraying).

axes 8 compares the largest of its counts against one limit; ``LockoutHandler`` scales
the address count so that each count meets its own limit. Every lock ends with the
cool-off; an administrator ends one earlier (docs/security.md).
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the nearest of ``TRUSTED_PROXY_COUNT`` proxies saw it.

    With no proxy (0) it is ``REMOTE_ADDR``. Behind nginx (1), which appends the address it
    was reached from to ``X-Forwarded-For``, it is that list's last entry: entries before it
    come from the client and could be anything. Without this every person behind the proxy
    would share one address, and its limit would lock them all out at once.
    """
    count = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a limit per count: the account from an address at
    ``AXES_FAILURE_LIMIT``, the address alone at ``AXES_IP_FAILURE_LIMIT``."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        counts = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        if len(counts) < 2:
            return max(counts, default=0)
        account_at_address, address = counts[0], counts[1]
        # The address's count in units of the account limit: it reaches AXES_FAILURE_LIMIT
        # exactly when the address reaches AXES_IP_FAILURE_LIMIT.
        limit, ip_limit = settings.AXES_FAILURE_LIMIT, settings.AXES_IP_FAILURE_LIMIT
        scaled = address * limit // ip_limit if ip_limit > 0 else 0
        return max(account_at_address, scaled)
