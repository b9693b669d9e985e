"""Messy cell → clean value. Each cleaner returns the value or raises ``CellError`` with a
Chinese reason; the row validator attaches the column name."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

from django.db import models

from core.validators import EARLIEST, INVISIBLE, LATEST, invisible_characters

EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_PARTS = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SEPARATORS = re.compile(r"[、,，;；/\s]+")


class CellError(ValueError):
    pass


def text(value: object) -> str:
    """Trimmed half-width text; a number typed into a text column loses its ``.0``.

    Called for every cell of every row, so the common case (short ASCII or already-normal
    text) takes the cheap path.
    """
    if value.__class__ is str:
        if not value:
            return ""
        if not value.isascii():
            value = unicodedata.normalize("NFKC", value)
        value = value.strip()
        if "  " in value or "\n" in value or "\t" in value:
            value = " ".join(value.split())
        return value
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    return text(str(value))


def visible_text(value: object) -> str:
    """``text``, refusing control and format characters (zero-width, right-to-left override):
    a name holding one looks like another and matches no search."""
    cleaned = text(value)
    if not cleaned.isprintable() and invisible_characters(cleaned):
        raise CellError(INVISIBLE.rstrip("。"))
    return cleaned


def digits_text(value: object) -> str:
    """Phone-like cells: no inner spaces or dashes typed by habit, other than an area-code dash."""
    return "".join(text(value).split())


def date(value: object) -> dt.date | None:
    """Excel dates, serial numbers, 1980-01-01, 1980.1.1, 1980/1/1, 19800101, 1980年1月1日;
    a date before 1900 or after 2099 is a typo (``core.validators.plausible_date``)."""
    found = _date(value)
    if found is not None and not EARLIEST <= found <= LATEST:
        raise CellError(f"日期“{found:%Y-%m-%d}”不合理，请填写{EARLIEST.year}年至{LATEST.year}年之间的日期")
    return found


def _date(value: object) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float):
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            return _date(str(int(value)))
        if 1 <= value < 80000:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise CellError(f"“{text(value)}”不是有效日期")
    raw = text(value)
    if not raw:
        return None
    match = _DATE_PARTS.match(raw) or _COMPACT_DATE.match(raw)
    if not match:
        raise CellError(f"“{raw}”不是可识别的日期，请写成 1980-01-01 这样的格式")
    try:
        return dt.date(*(int(p) for p in match.groups()))
    except ValueError:
        raise CellError(f"日期“{raw}”不存在") from None


class Choice:
    """A label (户籍在住) or alias → its stored value; empty stays empty."""

    def __init__(self, choices: type[models.TextChoices], aliases: dict[str, str] | None = None):
        self.lookup = {str(label): str(value) for value, label in choices.choices}
        self.lookup.update({k: str(v) for k, v in (aliases or {}).items()})
        self.allowed = "、".join(str(label) for _, label in choices.choices)

    def __call__(self, value: object) -> str:
        raw = text(value)
        if not raw:
            return ""
        try:
            return self.lookup[raw]
        except KeyError:
            raise CellError(f"“{raw}”不是可选值（可填：{self.allowed}）") from None


def tags(value: object, vocabulary: dict[str, str]) -> set[str]:
    """低保、残疾 / 低保,残疾 … → the set of field names they stand for."""
    out: set[str] = set()
    for part in _SEPARATORS.split(text(value)):
        if not part:
            continue
        if part not in vocabulary:
            allowed = "、".join(sorted(set(vocabulary) - {""}, key=len)[:12])
            raise CellError(f"“{part}”不是可识别的标签（可填：{allowed}）")
        out.add(vocabulary[part])
    return out


def tag_vocabulary(model: type[models.Model], fields: Iterable[str], extra: dict[str, str]) -> dict[str, str]:
    """Verbose names (低保户) and their forms without 户 (低保) map to the boolean field."""
    vocab = {}
    for name in fields:
        label = str(model._meta.get_field(name).verbose_name)
        vocab[label] = name
        if label.endswith("户"):
            vocab[label[:-1]] = name
    vocab.update(extra)
    return vocab
