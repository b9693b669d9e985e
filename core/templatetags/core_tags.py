"""Template helpers every page may use: masking, people's names, list page links."""

from __future__ import annotations

from decimal import Decimal

from django import template

from core import masking

register = template.Library()


@register.filter
def mask_phone(value: str | None) -> str:
    """``{{ building.head_phone|mask_phone }}`` → ``138****5678``."""
    return masking.mask_phone(value)


@register.filter
def mask_id(value: str | None) -> str:
    """``{{ resident.id_number|mask_id }}`` → ``110105********002X``."""
    return masking.mask_id_number(value)


@register.filter
def person_name(user) -> str:
    """A user's name in Chinese order (姓 then 名, no space), or the login name if none is set."""
    name = f"{user.last_name}{user.first_name}".strip()
    return name or user.get_username()


@register.simple_tag
def page_url(query: str, number: int) -> str:
    """The list URL's query string for page ``number``, keeping the filters."""
    return f"?{query}&page={number}" if query else f"?page={number}"


@register.simple_tag
def cursor_url(query: str, cursor: str) -> str:
    """A keyset list's URL for the page at ``cursor`` ("" for the first), keeping the filters.

    The cursor is signed base64 with only a row id in it, URL-safe as it stands."""
    parts = [part for part in (query, f"cursor={cursor}" if cursor else "") if part]
    return "?" + "&".join(parts) if parts else "?"


@register.filter
def whole_minutes(value) -> int:
    """A ``timedelta`` in whole minutes, rounded up (the lockout page's cool-off)."""
    return -(-int(value.total_seconds()) // 60)


@register.filter
def figure_number(value):
    """18418 → "18,418": a figure card is read at a glance, across a desk or on a phone.
    Anything not a number (无, a dash) is shown as it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return value
    return f"{value:,}"
