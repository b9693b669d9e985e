"""Building ledger files for import tests: real .xlsx / .xls-like / .csv bytes on disk."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook

from residents.idnumber import check_char

HEADERS = [
    "网格",
    "楼栋",
    "单元",
    "门牌号",
    "住址",
    "户号",
    "户别",
    "姓名",
    "身份证号",
    "与户主关系",
    "民族",
    "联系电话",
]


def id_number(region: str, birth: str, seq: int) -> str:
    """A valid 18-digit number: region (6), birth yyyymmdd (8), sequence (3; odd = male)."""
    body = f"{region}{birth}{seq:03d}"
    return body + check_char(body)


def rows_for(
    grid: str = "一网格", households: int = 2, members: int = 2, start: int = 1
) -> list[list[object]]:
    rows = []
    seq = start
    for h in range(households):
        for m in range(members):
            rows.append(
                [
                    grid,
                    "1号楼",
                    "1单元",
                    f"{h + 1}01",
                    f"幸福路1号楼1单元{h + 1}01",
                    f"H{start:03d}-{h + 1:03d}",
                    "户籍户",
                    f"居民{seq}",
                    # Sequences run out after 500 people a birth date; later ones shift the year.
                    id_number(
                        "210902", f"{1980 + m + (seq // 500) % 30}0{(h % 9) + 1}15", (seq * 2 + 1) % 1000
                    ),
                    "户主" if m == 0 else "配偶",
                    "回族" if m == 0 else "汉族",
                    f"138{seq:08d}",
                ]
            )
            seq += 1
    return rows


def write_xlsx(path: Path, rows: list[list[object]], headers: list[str] | None = None) -> Path:
    wb = Workbook()
    sheet = wb.active
    sheet.append(headers or HEADERS)
    for row in rows:
        sheet.append(row)
    wb.save(path)
    return path


def write_csv(
    path: Path, rows: list[list[object]], encoding: str = "utf-8", headers: list[str] | None = None
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers or HEADERS)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xls(path: Path, rows: list[list[object]], headers: list[str] | None = None) -> Path:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    for r, row in enumerate([headers or HEADERS, *rows]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(str(path))
    return path
