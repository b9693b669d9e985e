"""Workbooks the import hands out: the blank template, and a file of the rows that failed."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.masking import mask_id_number, mask_phone
from core.xlsx import neutralise

from .columns import COLUMNS
from .files import open_ledger

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")


def template_workbook() -> bytes:
    """台账导入模板: the ledger sheet (headers only) and a 填写说明 sheet with an example of each
    column. The example stays off the ledger sheet: a row there would be imported as a person."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = "居民台账"
    sheet.append([c.header for c in COLUMNS])
    for index, column in enumerate(COLUMNS, 1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(10, len(column.header) * 2 + 4)
        # Text format keeps 18-digit ID numbers and leading zeros as typed.
        for row in range(2, 2001):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"

    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明", "也可识别的列名"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        notes.append(
            [column.header, "必填" if column.required else "", column.note, "、".join(column.variants)]
        )
    notes.append([])
    for line in (
        "每行一位居民，同一户的成员填写相同的户号和住址；户号在本社区内唯一。",
        "身份证号、出生日期、性别会互相核对；出生日期和性别可以不填，按身份证号识别。",
        "日期可写作 1980-01-01、1980.1.1、1980/1/1、19800101 或 Excel 日期。",
        "导入前会先试导入并列出每一行的结果，确认后才写入；默认只要有一行错误就全部不写入。",
        "示例见上表“示例”一列；“居民台账”表从第2行起填写。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["C"].width = 60
    notes.column_dimensions["D"].width = 24
    notes.column_dimensions["E"].width = 50
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# Masked in the error file as in every other export: the uploader holds the original file.
MASKED = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "household_phone": mask_phone,
    "landlord_phone": mask_phone,
}


def error_rows_workbook(path: Path | str, file_name: str, errors: dict[int, list[dict]]) -> bytes:
    """The failed rows as they were uploaded, with a 错误原因 column, to fix in the original
    file and upload again; ID numbers and phones masked."""
    table = open_ledger(path, file_name)
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("错误行")
    headers = [""] * (max(table.columns.values()) + 1)
    by_index = {index: key for key, index in table.columns.items()}
    header_names = {c.key: c.header for c in COLUMNS}
    for index in range(len(headers)):
        headers[index] = header_names.get(by_index.get(index, ""), f"第{index + 1}列")
    sheet.append(["原行号", "错误原因", *headers])
    for row_number, cells in table.rows:
        if row_number not in errors:
            continue
        reasons = "；".join(f"{e['column']}：{e['message'].rstrip('。')}" for e in errors[row_number])
        values = [
            neutralise(
                MASKED[by_index[i]](str(c)) if by_index.get(i) in MASKED and c not in (None, "") else c
            )
            for i, c in enumerate(cells[: len(headers)])
        ]
        sheet.append([row_number, reasons, *values])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
