"""Masked display of personal numbers (脱敏显示).

ID numbers and phones are shown whole only where someone must dial, check or correct them
and their role allows it; everywhere else — lists, pages, exports meant for reading,
history — they go through here.
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


def mask_id_number(number: str | None) -> str:
    """``110105199003070022`` → ``110105********0022``: region and the last four stay, the
    birth date and sequence go."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
