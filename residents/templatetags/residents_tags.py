"""Template helpers for the ledger pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def age(resident, day) -> int:
    """``{{ member|age:today }}``: full years on ``day``."""
    return resident.age_on(day)
