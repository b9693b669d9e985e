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
cool-off; an administrator ends one earlier (docs/security.md): ``locked_accounts`` says
which accounts are locked now, ``unlock`` ends an account's lock from every address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone


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


@dataclass(frozen=True)
class Lock:
    """An account locked now, from ``addresses`` addresses (never which ones)."""

    username: str
    addresses: int
    # Failures within the cool-off, from the addresses it is locked from.
    failures: int
    last_failure: dt.datetime
    # When the last of its locks ends by itself, without more failures; None: never.
    ends: dt.datetime | None


def cool_off() -> dt.timedelta | None:
    """How long a lock lasts after the last failure (``AXES_COOLOFF_TIME``); None: for good."""
    return get_cool_off()


def locked_accounts(usernames: Iterable[str] | QuerySet) -> list[Lock]:
    """The accounts among ``usernames`` (names, or a query of them) locked from at least one
    address: their failures from one address within the cool-off reached
    ``AXES_FAILURE_LIMIT``, the first of ``LockoutHandler``'s counts. An address locked as
    a whole (``AXES_IP_FAILURE_LIMIT``) is no account's lock. Latest failure first."""
    attempts = AccessAttempt.objects.filter(username__in=usernames)
    lasts = cool_off()
    if lasts is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - lasts)
    pairs = (
        attempts.order_by()
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    found: dict[str, list[dict]] = {}
    for pair in pairs:
        found.setdefault(pair["username"], []).append(pair)
    locks = [
        Lock(
            username=username,
            addresses=len(locked),
            failures=sum(pair["failures"] for pair in locked),
            last_failure=max(pair["last"] for pair in locked),
            ends=max(pair["last"] for pair in locked) + lasts if lasts is not None else None,
        )
        for username, locked in found.items()
    ]
    return sorted(locks, key=lambda lock: (lock.last_failure, lock.username), reverse=True)


def unlock(username: str) -> int:
    """End ``username``'s locks now, from every address (axes' reset of its attempts): the
    number of attempt rows removed. Its failures no longer count towards its addresses'
    limits either."""
    return reset(username=username)
