"""Hostile, broken and odd files: refused with a clear Chinese message, nothing written."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from residents.ledger_import.actions import ledger_import_commit, ledger_import_create, ledger_import_preview
from residents.ledger_import.columns import COLUMNS
from residents.ledger_import.files import LedgerFileError, open_ledger
from residents.ledger_import.workbooks import template_workbook
from residents.models import Household, ImportStatus, LedgerImport, Resident
from tests.ledger_files import rows_for, write_xls, write_xlsx


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(tree, path, name=None):
    with path.open("rb") as fh:
        return ledger_import_create(community=tree.community, file=fh, file_name=name or path.name)


def assert_refused(tree, path, fragment, name=None):
    with pytest.raises(LedgerFileError) as err:
        ledger_import = upload(tree, path, name)
        ledger_import_preview(ledger_import=ledger_import)
        ledger_import.refresh_from_db()
        raise (
            LedgerFileError(ledger_import.message)
            if ledger_import.status == ImportStatus.REFUSED
            else AssertionError
        )
    assert fragment in str(err.value)
    assert not Household.objects.exists() and not Resident.objects.exists()
    assert LedgerImport.objects.get().status == ImportStatus.REFUSED


def test_a_picture_renamed_to_xlsx_is_not_a_spreadsheet(tree, tmp_path):
    path = tmp_path / "照片.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    assert_refused(tree, path, "不是电子表格")


def test_a_text_file_renamed_to_xlsx_is_refused(tree, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_text("姓名,身份证号\n")
    assert_refused(tree, path, "不是电子表格")


def test_binary_data_named_csv_is_refused(tree, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"\x00\x01\x02" * 100)
    assert_refused(tree, path, "不是文本格式")


def test_a_zip_that_is_not_a_workbook_is_refused(tree, tmp_path):
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert_refused(tree, path, "不是 Excel 工作簿")


def test_an_oversized_file_is_refused(tree, tmp_path, settings):
    settings.LEDGER_IMPORT_MAX_BYTES = 1024
    path = write_xlsx(tmp_path / "big.xlsx", rows_for(households=20))
    assert_refused(tree, path, "文件过大")


def test_a_zip_bomb_is_refused_before_it_is_inflated(tree, tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    assert path.stat().st_size < 100 * 1024
    assert_refused(tree, path, "压缩炸弹")


def test_an_xml_entity_bomb_is_refused(tree, tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", rows_for())
    path = tmp_path / "lol.xlsx"
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
    )
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = bomb.encode() if item.filename == "xl/worksheets/sheet1.xml" else src.read(item)
            dst.writestr(item, data)
    assert_refused(tree, path, "XML 实体")


def test_no_recognisable_header_row_is_refused(tree, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [["x", "y"]], headers=["编号", "备注"])
    assert_refused(tree, path, "没有找到可识别的表头行")


def test_an_empty_sheet_is_refused(tree, tmp_path):
    path = tmp_path / "empty.xlsx"
    Workbook().save(path)
    assert_refused(tree, path, "表格是空的")


def test_headers_without_rows_are_refused(tree, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [])
    assert_refused(tree, path, "没有数据行")


def test_an_xls_file_imports(tree, tmp_path):
    path = write_xls(tmp_path / "老台账.xls", rows_for(households=2, members=2))
    ledger_import = ledger_import_commit(import_id=upload(tree, path).pk)
    assert ledger_import.status == ImportStatus.DONE
    assert Resident.objects.count() == 4


def test_the_header_row_may_sit_below_a_title(tree, tmp_path):
    wb = Workbook()
    sheet = wb.active
    sheet.append(["变电所社区居民台账（2026年）"])
    sheet.append([])
    path = tmp_path / "titled.xlsx"
    wb.save(path)
    base = load_workbook(write_xlsx(tmp_path / "plain.xlsx", rows_for()))
    for row in base.active.iter_rows(values_only=True):
        sheet.append(list(row))
    wb.save(path)
    table = open_ledger(path, path.name)
    assert table.header_row_number == 3
    assert [n for n, _ in table.rows] == [4, 5, 6, 7]


def test_the_template_has_every_column_and_reads_back_as_a_ledger(tree, tmp_path):
    workbook = load_workbook(io.BytesIO(template_workbook()))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == [c.header for c in COLUMNS]
    assert sheet.max_row == 1 or all(c.value is None for c in sheet[2])  # no example to import by mistake
    sheet.append([c.example for c in COLUMNS])
    path = tmp_path / "模板.xlsx"
    workbook.save(path)
    table = open_ledger(path, path.name)
    assert set(table.columns) == {c.key for c in COLUMNS}
    assert len(table.rows) == 1


def test_the_template_explains_every_column_with_its_example(tree):
    notes = load_workbook(io.BytesIO(template_workbook()))["填写说明"]
    header = [c.value for c in notes[1]]
    assert header[:4] == ["列名", "是否必填", "说明", "示例"]  # the column the notes point to
    examples = {row[0]: row[3] for row in notes.iter_rows(min_row=2, values_only=True) if row[0]}
    assert examples["民族"] == "回族" and examples["户号"] == "BDS-0001"


def test_the_template_offers_drop_downs_for_the_coded_columns(tree):
    workbook = load_workbook(io.BytesIO(template_workbook()))
    sheet, choices = workbook["居民台账"], workbook["可选值"]
    assert choices.sheet_state == "hidden"
    listed = {col[0].value: [c.value for c in col[1:] if c.value] for col in choices.iter_cols(min_row=1)}
    assert (
        len(listed["民族"]) >= 56 and listed["民族"][:2] == ["汉族", "蒙古族"] and "锡伯族" in listed["民族"]
    )
    assert "户主" in listed["与户主关系"] and "出租户" in listed["户别"]
    letters = {c.header: get_column_letter(i) for i, c in enumerate(COLUMNS, 1)}
    rules = {str(rule.sqref): rule for rule in sheet.data_validations.dataValidation}
    for header in ("民族", "户别", "与户主关系", "居住状态", "政治面貌", "文化程度", "就业状况"):
        rule = rules[f"{letters[header]}2:{letters[header]}2001"]
        assert rule.type == "list" and rule.formula1.startswith("'可选值'!$")
    # Names, ID numbers and the like are typed: no drop-down.
    columns_with_rules = {ref.split(":")[0].rstrip("0123456789") for ref in rules}
    assert not columns_with_rules & {letters["姓名"], letters["身份证号"]}
