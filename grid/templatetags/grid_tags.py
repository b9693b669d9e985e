"""Template helpers for the org-tree pages and the base layout."""

from __future__ import annotations

from django import template

from grid.masking import mask_phone as _mask_phone

register = template.Library()


@register.filter
def mask_phone(value: str | None) -> str:
    """``{{ building.head_phone|mask_phone }}`` → ``138****5678``."""
    return _mask_phone(value)


@register.filter
def person_name(user) -> str:
    """A user's name in Chinese order (姓 then 名, no space), or the login name if none is set."""
    name = f"{user.last_name}{user.first_name}".strip()
    return name or user.get_username()
