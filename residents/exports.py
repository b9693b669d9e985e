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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from grid.masking import mask_phone

from . import idnumber
from .models import Household, LedgerStatus, Resident

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Whole ID numbers and phones: on a detail page, and in an export that asks for them.
FULL_IDENTITY = "residents.view_full_identity"
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
    """One sheet column: its header, the ``values()`` keys it reads and how it shows them."""

    header: str
    keys: tuple[str, ...]
    show: Callable[..., Any] = lambda value: value if value is not None else ""
    width: int = 12


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _left_on(status: str, value: dt.date | None) -> str:
    return "" if status == LedgerStatus.ACTIVE else _date(value)


def _label(model, name: str) -> Callable[[str], str]:
    # Looked up once per export, not once per cell: get_FOO_display is slow on 100k rows.
    labels = {key: str(label) for key, label in model._meta.get_field(name).flatchoices}
    return lambda value: labels.get(value, value or "")


def _flags(model, names: tuple[str, ...]) -> Callable[..., str]:
    labels = [str(model._meta.get_field(name).verbose_name) for name in names]
    return lambda *values: "、".join(label for label, on in zip(labels, values, strict=True) if on)


def _identity(unmasked: bool) -> tuple[Callable[[str], str], Callable[[str], str]]:
    if unmasked:
        return (lambda v: v or ""), (lambda v: v or "")
    return idnumber.mask, mask_phone


def household_columns(*, unmasked: bool) -> list[Column]:
    _, phone = _identity(unmasked)
    return [
        Column("户号", ("number",)),
        Column("社区", ("community__name",)),
        Column("网格", ("grid__name",)),
        Column("楼栋", ("building__number",)),
        Column("单元", ("unit__number",)),
        Column("门牌/室号", ("room",)),
        Column("住址", ("address",), width=30),
        Column("户别", ("kind",), _label(Household, "kind")),
        Column("户主", ("head_name",)),
        Column("联系电话", ("phone",), phone, 15),
        Column("在册人数", ("member_count",), width=8),
        Column("标志", Household.FLAG_FIELDS, _flags(Household, Household.FLAG_FIELDS), 20),
        Column("房东姓名", ("landlord_name",)),
        Column("房东电话", ("landlord_phone",), phone, 15),
        Column("销户日期", ("closed_on",), _date),
    ]


def resident_columns(*, unmasked: bool) -> list[Column]:
    ident, phone = _identity(unmasked)
    return [
        Column("姓名", ("name",)),
        Column("性别", ("gender",), _label(Resident, "gender"), 6),
        Column("出生日期", ("birth_date",), _date),
        Column("身份证号", ("id_number",), ident, 22),
        Column("民族", ("ethnicity__name",), width=10),
        Column("联系电话", ("phone",), phone, 15),
        Column("户号", ("household__number",)),
        Column("网格", ("household__grid__name",)),
        Column("楼栋", ("household__building__number",)),
        Column("单元", ("household__unit__number",)),
        Column("门牌/室号", ("household__room",)),
        Column("与户主关系", ("relation",), _label(Resident, "relation")),
        Column("居住状态", ("residence_status",), _label(Resident, "residence_status")),
        Column("迁入日期", ("moved_in_on",), _date),
        Column("迁入地/籍贯", ("origin",), width=20),
        Column("政治面貌", ("political_status",), _label(Resident, "political_status")),
        Column("文化程度", ("education",), _label(Resident, "education")),
        Column("就业状况", ("employment",), _label(Resident, "employment")),
        Column(
            "特殊群体", Resident.SPECIAL_GROUP_FIELDS, _flags(Resident, Resident.SPECIAL_GROUP_FIELDS), 20
        ),
        Column("使用语言", ("languages",)),
        Column("在册状态", ("status",), _label(Resident, "status"), 8),
        # Someone back on the ledger keeps the day they returned (迁回) there; not a leaving date.
        Column("迁出/死亡日期", ("status", "status_date"), _left_on),
    ]


def write_workbook(
    out: BinaryIO,
    title: str,
    columns: list[Column],
    queryset: QuerySet,
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write a write-only workbook to ``out``: rows are serialised as they come, never held
    as cell objects. Returns how many rows it wrote; ``progress(done)`` hears every chunk.

    Rows are read as ``values()`` — no model instances — in chunks, so memory stays flat.
    """
    keys = list(dict.fromkeys(key for column in columns for key in column.keys))
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    # The header stays in view while scrolling and offers a filter on every column.
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"
    sheet.append([column.header for column in columns])
    done = 0
    for row in queryset.values(*keys).iterator(chunk_size=CHUNK):
        sheet.append([neutralise(column.show(*(row[key] for key in column.keys))) for column in columns])
        done += 1
        if progress is not None and done % CHUNK == 0:
            progress(done)
    book.save(out)
    return done


def workbook_bytes(title: str, columns: list[Column], queryset: QuerySet) -> bytes:
    out = io.BytesIO()
    write_workbook(out, title, columns, queryset)
    return out.getvalue()
