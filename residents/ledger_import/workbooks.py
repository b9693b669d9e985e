"""Workbooks the import hands out: the blank template, and a file of the rows that failed."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.masking import mask_id_number, mask_phone
from core.xlsx import neutralise
from residents.models import (
    Education,
    Employment,
    Ethnicity,
    Gender,
    HouseholdKind,
    Occupation,
    PoliticalStatus,
    Relation,
    ResidenceStatus,
)

from .columns import COLUMNS
from .files import open_ledger

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
TEMPLATE_ROWS = 2000  # rows formatted as text and given drop-downs
CHOICES_SHEET = "可选值"


def _choice_lists() -> dict[str, list[str]]:
    """The coded columns and what each may hold, as the importer reads them (``rows.CHOOSE_*``)."""
    coded = {
        "household_kind": HouseholdKind,
        "relation": Relation,
        "gender": Gender,
        "residence_status": ResidenceStatus,
        "political_status": PoliticalStatus,
        "education": Education,
        "employment": Employment,
        "occupation": Occupation,
    }
    lists = {key: [str(label) for _, label in choices.choices] for key, choices in coded.items()}
    lists["ethnicity"] = list(Ethnicity.objects.order_by("code").values_list("name", flat=True))
    return lists


def _add_drop_downs(wb: Workbook, sheet) -> None:
    """数据验证 drop-downs on the coded columns, listing their values from a hidden sheet (a
    list typed into the rule is limited to 255 characters, too few for 56 民族). A warning,
    not a stop: the importer also reads the short forms ledgers use (回、蒙、本人 …)."""
    lists = _choice_lists()
    choices = wb.create_sheet(CHOICES_SHEET)
    choices.sheet_state = "hidden"
    for offset, column in enumerate(c for c in COLUMNS if c.key in lists):
        values = lists[column.key]
        letter = get_column_letter(offset + 1)
        choices.cell(row=1, column=offset + 1, value=column.header)
        for row, value in enumerate(values, 2):
            choices.cell(row=row, column=offset + 1, value=value)
        rule = DataValidation(
            type="list",
            formula1=f"'{CHOICES_SHEET}'!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="不在可选值中",
            error=f"“{column.header}”请从下拉列表中选择；常见简称导入时也能识别，请核对。",
        )
        target = get_column_letter(COLUMNS.index(column) + 1)
        rule.add(f"{target}2:{target}{TEMPLATE_ROWS + 1}")
        sheet.add_data_validation(rule)


def template_workbook() -> bytes:
    """台账导入模板: the ledger sheet (headers only, drop-downs on the coded columns) and a 填写说明
    sheet with an example of each column. The example stays off the ledger sheet: a row there
    would be imported as a person."""
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
        for row in range(2, TEMPLATE_ROWS + 2):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    _add_drop_downs(wb, sheet)

    notes = wb.create_sheet("填写说明", 1)
    notes.append(["列名", "是否必填", "说明", "示例", "也可识别的列名"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        notes.append(
            [
                column.header,
                "必填" if column.required else "",
                column.note,
                column.example,
                "、".join(column.variants),
            ]
        )
    notes.append([])
    for line in (
        "每行一位居民，同一户的成员填写相同的户号和住址；户号在本社区内唯一。",
        "身份证号、出生日期、性别会互相核对；出生日期和性别可以不填，按身份证号识别。",
        "日期可写作 1980-01-01、1980.1.1、1980/1/1、19800101 或 Excel 日期。",
        "导入前会先试导入并列出每一行的结果，确认后才写入；默认只要有一行错误就全部不写入。",
        "示例见上表“示例”一列；“居民台账”表从第2行起填写。",
        "民族、户别、与户主关系、性别、居住状态、政治面貌、文化程度、就业状况、从业类型可从下拉列表选择。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["C"].width = 60
    notes.column_dimensions["D"].width = 24
    notes.column_dimensions["E"].width = 40
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
