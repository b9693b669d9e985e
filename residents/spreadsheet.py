"""Writing cells that a spreadsheet will open: nothing a person typed may run as a formula."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell beginning like a formula gets a leading apostrophe, so Excel shows it as text.

    Numbers and dates pass through: a negative number is data, not a formula.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
