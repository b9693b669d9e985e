"""Opening an uploaded ledger: refuse what is hostile or broken, read what is a spreadsheet.

Checks run before any parser sees the file: the size limit, the kind by its first bytes
(not its name), for .xlsx the zip's declared sizes and ratios (a zip bomb inflates a small
upload into gigabytes) and the XML parts' prologues (an entity bomb needs a DOCTYPE).
Every refusal is a ``LedgerFileError`` with a message for the person who uploaded it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import python_calamine
from django.conf import settings

from .columns import is_header_row, match_header

XLSX, XLS, CSV = "xlsx", "xls", "csv"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
HEADER_SEARCH_ROWS = 10
MAX_ZIP_MEMBERS = 2000
MAX_UNZIPPED_BYTES = 600 * 1024 * 1024
MAX_RATIO = 200  # deflate on spreadsheet XML rarely passes 30:1; bombs are at 1000:1 and more
XML_PROLOGUE_BYTES = 64 * 1024


class LedgerFileError(Exception):
    """The file can't be imported; ``str(err)`` is the Chinese reason shown to the admin."""


@dataclass
class LedgerTable:
    kind: str
    sheet_name: str
    header_row_number: int  # 1-based, as the spreadsheet shows it
    columns: dict[str, int]
    rows: list[tuple[int, list[object]]]  # (1-based row number, cells)
    unknown_headers: list[str]


def max_bytes() -> int:
    return settings.LEDGER_IMPORT_MAX_BYTES


def sniff_kind(path: Path, name: str) -> str:
    size = path.stat().st_size
    if size == 0:
        raise LedgerFileError("文件是空的。")
    if size > max_bytes():
        raise LedgerFileError(
            f"文件过大（{size / 1024 / 1024:.1f} MB），上限为 {max_bytes() // 1024 // 1024} MB，请分批导入。"
        )
    with path.open("rb") as fh:
        head = fh.read(8)
    suffix = Path(name).suffix.lower()
    if head.startswith(ZIP_MAGIC):
        kind = XLSX
    elif head.startswith(OLE2_MAGIC):
        kind = XLS
    elif suffix == ".csv":
        kind = CSV
    else:
        raise LedgerFileError("这不是电子表格文件：只能导入 .xlsx、.xls 或 .csv 格式的台账。")
    if suffix not in {".xlsx", ".xls", ".csv"}:
        raise LedgerFileError("只能导入 .xlsx、.xls 或 .csv 格式的台账。")
    if kind == CSV and suffix != ".csv" or kind != CSV and suffix == ".csv":
        raise LedgerFileError("文件内容与扩展名不符，请确认文件未损坏或被改名。")
    return kind


def check_xlsx_container(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise LedgerFileError("文件结构异常（包含的部件过多），已拒绝导入。")
            names = {m.filename for m in members}
            if "xl/workbook.xml" not in names:
                raise LedgerFileError("这不是 Excel 工作簿（.xlsx）文件，已拒绝导入。")
            total = 0
            for member in members:
                total += member.file_size
                if total > MAX_UNZIPPED_BYTES:
                    raise LedgerFileError("文件解压后体积异常巨大（疑似压缩炸弹），已拒绝导入。")
                if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(
                    member.compress_size, 1
                ):
                    raise LedgerFileError("文件压缩比异常（疑似压缩炸弹），已拒绝导入。")
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    with zf.open(member) as part:
                        prologue = part.read(XML_PROLOGUE_BYTES).upper()
                    if b"<!DOCTYPE" in prologue or b"<!ENTITY" in prologue:
                        raise LedgerFileError(
                            "文件中含有不允许的 XML 实体声明（可能是恶意文件），已拒绝导入。"
                        )
    except zipfile.BadZipFile:
        raise LedgerFileError("Excel 文件已损坏，无法打开。") from None


def read_cells(path: Path, kind: str) -> Iterator[tuple[str, list[list[object]]]]:
    """Each sheet's name and rows (a CSV file is one sheet)."""
    if kind == CSV:
        yield "CSV", _read_csv(path)
        return
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        for index, sheet_name in enumerate(workbook.sheet_names):
            yield sheet_name, workbook.get_sheet_by_index(index).to_python(skip_empty_area=False)
    except LedgerFileError:
        raise
    except Exception:
        # calamine raises its own errors for every kind of broken workbook; the admin
        # needs only to know the file can't be read.
        raise LedgerFileError("无法读取该 Excel 文件，文件可能已损坏或加密。") from None


def _read_csv(path: Path) -> list[list[object]]:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise LedgerFileError("这不是文本格式的 CSV 文件，已拒绝导入。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise LedgerFileError("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码。")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), dialect)]


def open_ledger(path: Path | str, name: str) -> LedgerTable:
    """Check and read the file; the first sheet with a recognisable header row is the ledger."""
    path = Path(path)
    kind = sniff_kind(path, name)
    if kind == XLSX:
        check_xlsx_container(path)
    saw_rows = False
    for sheet_name, cells in read_cells(path, kind):
        saw_rows = saw_rows or any(
            any(c not in ("", None) for c in row) for row in cells[:HEADER_SEARCH_ROWS]
        )
        for offset, row in enumerate(cells[:HEADER_SEARCH_ROWS]):
            columns = match_header(row)
            if not is_header_row(columns):
                continue
            known = set(columns.values())
            unknown = [str(c).strip() for i, c in enumerate(row) if i not in known and str(c or "").strip()]
            # A row of only empty cells is skipped; list.count is C-speed on 100,000 rows.
            data = [
                (offset + 2 + i, r)
                for i, r in enumerate(cells[offset + 1 :])
                if r.count("") + r.count(None) != len(r)
            ]
            if not data:
                raise LedgerFileError(f"工作表“{sheet_name}”只有表头，没有数据行。")
            return LedgerTable(kind, sheet_name, offset + 1, columns, data, unknown)
    if not saw_rows:
        raise LedgerFileError("表格是空的，没有任何内容。")
    raise LedgerFileError(
        "没有找到可识别的表头行：前10行中至少要有“姓名”“身份证号”和“户号”（或“网格”）列。请使用下载的模板。"
    )
