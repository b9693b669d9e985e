"""Masked display of personal numbers (脱敏显示).

Phones are shown whole only where someone must dial or correct them (an edit form);
everywhere else — lists, detail pages, exports meant for reading — they go through here.
Residents' pages reuse this for their phones too.
"""

from __future__ import annotations

MASK = "****"


def mask_phone(value: str | None) -> str:
    """``13812345678`` → ``138****5678``; ``0418-1234567`` → ``041****4567``.

    The first three and last four characters stay so a caller can still tell two numbers
    apart on the phone; anything too short to keep both is hidden entirely.
    """
    if not value:
        return ""
    text = str(value).strip()
    if len(text) < 8:
        return "*" * len(text)
    return f"{text[:3]}{MASK}{text[-4:]}"
