"""Excel (.xlsx) downloads of the filtered household and resident lists.

The rows come from the same scoped, filtered querysets as the pages (``residents.filters``).
ID numbers and phones are masked unless the caller asks for full values *and* the user
may see them. Every text cell is neutralised: a cell beginning with = + - @ or a tab or
carriage return would be read as a formula by a spreadsheet (CSV/formula injection), so
it gets a leading apostrophe and stays text.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from grid.masking import mask_phone

from . import idnumber
from .models import Household, Resident

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def neutralise(value: Any) -> Any:
    """A cell value no spreadsheet will run: text starting like a formula gets a leading '."""
    if not isinstance(value, str):
        return value
    # Control characters other than tab/newline/CR make the file unreadable to Excel.
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    width: int = 12


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _identity(unmasked: bool) -> tuple[Callable[[str], str], Callable[[str], str]]:
    if unmasked:
        return (lambda v: v or ""), (lambda v: v or "")
    return idnumber.mask, mask_phone


def household_columns(*, unmasked: bool) -> list[Column]:
    _, phone = _identity(unmasked)
    return [
        Column("户号", lambda h: h.number),
        Column("社区", lambda h: h.community.name),
        Column("网格", lambda h: h.grid.name),
        Column("楼栋", lambda h: h.building.number if h.building else ""),
        Column("单元", lambda h: h.unit.number if h.unit else ""),
        Column("门牌/室号", lambda h: h.room),
        Column("住址", lambda h: h.address, 30),
        Column("户别", lambda h: h.get_kind_display()),
        Column("户主", lambda h: h.head_name or ""),
        Column("联系电话", lambda h: phone(h.phone), 15),
        Column("在册人数", lambda h: h.member_count, 8),
        Column("标志", lambda h: "、".join(h.flag_labels()), 20),
        Column("房东姓名", lambda h: h.landlord_name),
        Column("房东电话", lambda h: phone(h.landlord_phone), 15),
        Column("销户日期", lambda h: _date(h.closed_on)),
    ]


def resident_columns(*, unmasked: bool) -> list[Column]:
    ident, phone = _identity(unmasked)
    return [
        Column("姓名", lambda r: r.name),
        Column("性别", lambda r: r.get_gender_display(), 6),
        Column("出生日期", lambda r: _date(r.birth_date)),
        Column("身份证号", lambda r: ident(r.id_number), 22),
        Column("民族", lambda r: r.ethnicity.name, 10),
        Column("联系电话", lambda r: phone(r.phone), 15),
        Column("户号", lambda r: r.household.number),
        Column("网格", lambda r: r.household.grid.name),
        Column("楼栋", lambda r: r.household.building.number if r.household.building else ""),
        Column("单元", lambda r: r.household.unit.number if r.household.unit else ""),
        Column("门牌/室号", lambda r: r.household.room),
        Column("与户主关系", lambda r: r.get_relation_display()),
        Column("居住状态", lambda r: r.get_residence_status_display()),
        Column("迁入日期", lambda r: _date(r.moved_in_on)),
        Column("迁入地/籍贯", lambda r: r.origin, 20),
        Column("政治面貌", lambda r: r.get_political_status_display()),
        Column("文化程度", lambda r: r.get_education_display()),
        Column("就业状况", lambda r: r.get_employment_display()),
        Column("特殊群体", lambda r: "、".join(r.special_group_labels()), 20),
        Column("使用语言", lambda r: r.languages),
        Column("在册状态", lambda r: r.get_status_display(), 8),
        Column("迁出/死亡日期", lambda r: _date(r.status_date)),
    ]


def workbook_bytes(title: str, columns: list[Column], rows: Iterable[Any]) -> bytes:
    """A write-only workbook: rows are serialised as they come, never held as cell objects."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.append([column.header for column in columns])
    for row in rows:
        sheet.append([neutralise(column.value(row)) for column in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def households_xlsx(households: QuerySet[Household], *, unmasked: bool = False) -> bytes:
    """``households`` as from ``residents.filters.households_for`` (annotated, scoped)."""
    return workbook_bytes(
        "户台账", household_columns(unmasked=unmasked), households.iterator(chunk_size=CHUNK)
    )


def residents_xlsx(residents: QuerySet[Resident], *, unmasked: bool = False) -> bytes:
    """``residents`` as from ``residents.filters.residents_for`` (scoped)."""
    return workbook_bytes(
        "居民台账", resident_columns(unmasked=unmasked), residents.iterator(chunk_size=CHUNK)
    )
