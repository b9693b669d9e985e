"""Excel (.xlsx) files people download: write-only workbooks, formula-safe cells, the response.

Every text cell is neutralised: a cell beginning with = + - @ or a tab or carriage return
would be read as a formula by a spreadsheet (CSV/formula injection), so it gets a leading
apostrophe and stays text. Rows are read as ``values()`` in chunks, so memory stays flat
however long the list.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
    """One sheet column: its header, the ``values()`` keys it reads and how it shows them.

    A personal column (ID number, phone) names its ``mask``: ``core.lists`` writes it
    through the mask unless the reader asked for full values and may see them.
    """

    header: str
    keys: tuple[str, ...]
    show: Callable[..., Any] = lambda value: value if value is not None else ""
    width: int = 12
    mask: Callable[[Any], str] | None = None

    def masked(self) -> Column:
        """This column as a reader without full values sees it."""
        if self.mask is None:
            return self
        return replace(self, show=self.mask, mask=None)


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


def xlsx_response(content: bytes, stem: str, *, dated: bool = True) -> HttpResponse:
    """``content`` as a download named ``stem-YYYYMMDD.xlsx`` (or ``stem.xlsx``). Django
    encodes a Chinese name as RFC 5987 asks, so no browser shows it garbled."""
    name = f"{stem}-{timezone.localdate():%Y%m%d}.xlsx" if dated else f"{stem}.xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
