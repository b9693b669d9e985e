"""A fixed-window counter in the cache (Redis in production): how often one person may do
something that answers a question about people they may not see (an ID-number lookup)."""

from __future__ import annotations

from django.core.cache import cache


def allow(key: str, *, limit: int, window: int) -> bool:
    """Count one more try of ``key``; False once more than ``limit`` fell in this ``window`` (s)."""
    cache.add(key, 0, window)  # only if absent: the window runs from the first try
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr: a new window
        cache.set(key, 1, window)
        return True
