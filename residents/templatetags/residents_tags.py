"""Template helpers for the ledger pages."""

from __future__ import annotations

from django import template

from residents import idnumber

register = template.Library()


@register.filter
def mask_id(value: str | None) -> str:
    """``{{ resident.id_number|mask_id }}`` → ``110105********002X``."""
    return idnumber.mask(value)


@register.simple_tag
def page_url(query: str, number: int) -> str:
    """The list URL's query string for page ``number``, keeping the filters."""
    return f"?{query}&page={number}" if query else f"?page={number}"


@register.filter
def age(resident, day) -> int:
    """``{{ member|age:today }}``: full years on ``day``."""
    return resident.age_on(day)
