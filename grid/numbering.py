"""Natural order for building and unit numbers, which are text: 1号楼, 2号楼, 10号楼, A座, 十二栋.

Sorting the text puts 10号楼 before 2号楼. Buildings and units therefore store the number
read out of their text (``position``) and sort by (position, text). Whoever sets a number
sets its position with ``number_position``; ``save()`` doesn't (the house rule keeps logic
out of it).
"""

from __future__ import annotations

import re
import unicodedata

# Numbers without digits (A座, 综合楼) sort after every numbered one, then by their text.
UNNUMBERED = 1_000_000_000

_DIGITS = re.compile(r"\d+", re.ASCII)
_CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CHINESE_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}
_CHINESE_NUMERAL = re.compile(f"[{''.join(_CHINESE_DIGITS)}{''.join(_CHINESE_UNITS)}]+")


def number_position(number: str) -> int:
    """The sort position of a building or unit number: its first number, else ``UNNUMBERED``.

    Arabic digits win over Chinese numerals when a number has both (三期12号楼 is 12),
    because a Chinese numeral character also turns up in names (统一大厦, 一中宿舍).
    Full-width digits (２号楼) count as digits.
    """
    text = unicodedata.normalize("NFKC", number)
    if match := _DIGITS.search(text):
        return min(int(match.group()), UNNUMBERED - 1)
    if match := _CHINESE_NUMERAL.search(text):
        return min(_chinese_value(match.group()), UNNUMBERED - 1)
    return UNNUMBERED


def _chinese_value(numeral: str) -> int:
    """十二 → 12, 二十 → 20, 一百零五 → 105; digit by digit without 十/百/千: 一〇五 → 105."""
    if not any(ch in _CHINESE_UNITS for ch in numeral):
        return int("".join(str(_CHINESE_DIGITS[ch]) for ch in numeral))
    total = current = 0
    for ch in numeral:
        if ch in _CHINESE_UNITS:
            # 十二: a unit with no digit before it means one of it.
            total += (current or 1) * _CHINESE_UNITS[ch]
            current = 0
        else:
            current = _CHINESE_DIGITS[ch]
    return total + current
