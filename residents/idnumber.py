"""公民身份号码 (GB 11643-1999): normalising, validating and reading an ID number.

An 18-digit number is 6 digits of region, 8 of birth date, 3 of sequence (odd = male) and
a MOD 11-2 check character. Legacy 15-digit numbers (6 region, 6 birth date yymmdd, 3
sequence) are converted: the century "19" is inserted and a check character appended.
The region is checked at province level (the first two digits): the full list of county
codes changes every year and is not something an offline intranet can keep current.
"""

from __future__ import annotations

import datetime as dt
import operator
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

# 省级行政区划代码 (GB/T 2260), including 71 台湾, 81 香港, 82 澳门 (港澳台居民居住证 use 81/82/83).
# fmt: off
PROVINCE_CODES = frozenset((
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
))
# fmt: on


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: dt.date
    gender: str  # "1" 男 / "2" 女, as in GB/T 2261.1


def check_char(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("check_char needs the first 17 digits")
    return CHECK_CHARS[sum(map(operator.mul, map(int, first17), WEIGHTS)) % 11]


def normalize(raw: object) -> str:
    """Full-width digits and letters become half-width, spaces go, a lower-case x is upper-cased."""
    text = raw if raw.__class__ is str else str(raw or "")
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if " " in text or not text.isalnum():
        text = "".join(text.split())
    return text.upper()


def parse(raw: object, *, today: dt.date | None = None) -> IdInfo:
    """The validated 18-digit number with its birth date and gender, or a Chinese ValidationError."""
    number = normalize(raw)
    if not number:
        raise ValidationError("身份证号不能为空。", code="required")
    if len(number) == 15:
        if not number.isdigit():
            raise ValidationError("15位身份证号只能由数字组成。", code="invalid")
        body = number[:6] + "19" + number[6:]
        number = body + check_char(body)
    elif len(number) != 18:
        raise ValidationError(f"身份证号应为18位（或15位旧号），当前为{len(number)}位。", code="invalid")
    elif not (number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        raise ValidationError("身份证号前17位应为数字，最后一位为数字或X。", code="invalid")
    if number[:2] not in PROVINCE_CODES or number[2:6] == "0000":
        raise ValidationError(f"身份证号的地址码“{number[:6]}”不是有效的行政区划代码。", code="region")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(f"身份证号中的出生日期“{number[6:14]}”不存在。", code="birth_date") from None
    today = today or timezone.localdate()
    if birth > today or birth.year < 1890:
        raise ValidationError(f"身份证号中的出生日期“{birth:%Y-%m-%d}”不合理。", code="birth_date")
    if number[17] != check_char(number[:17]):
        raise ValidationError("身份证号校验位不正确，请核对是否有数字录错。", code="checksum")
    return IdInfo(number=number, birth_date=birth, gender="1" if int(number[16]) % 2 else "2")
