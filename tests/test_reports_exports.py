"""A report's workbook (reports/xlsx.py), its downloads and print view (reports/export_views.py)
and ``manage.py export_report``: each read back, each audited, each scoped."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from core.models import AuditEvent, AuditKind
from reports.actions import report_paragraphs_update
from reports.export_views import DOCX
from reports.xlsx import report_xlsx, sheet_name
from tests.export_report_data import generated_report, ledger
from tests.factories_residents import HouseholdFactory, ResidentFactory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLE = "变电所社区2026年11月民族团结进步创建工作报告"


@pytest.fixture
def report(tree, staff_user):
    ledger(tree)
    return generated_report(tree, staff=staff_user)


def workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- the workbook -----------------------------------------------------------------------------


def test_the_workbook_has_a_cover_then_one_sheet_per_part(report):
    book = workbook(report_xlsx(report, report.latest_version()))
    assert book.sheetnames == ["封面", "一、基本情况", "二、工作亮点", "三、存在问题", "四、下步打算"]
    cover = {row[0]: row[1] for row in rows(book["封面"])[2:]}
    assert book["封面"]["A1"].value == TITLE
    assert cover["单位"] == "变电所社区"
    assert cover["报告期"] == "2026年11月"
    assert cover["版本"] == "第1版"
    assert cover["状态"] == "草稿"
    assert cover["生成人"] == "命令生成"


def test_a_part_s_sheet_holds_its_paragraphs_then_its_tables_with_numbers_as_numbers(report):
    sheet = workbook(report_xlsx(report, report.latest_version()))["一、基本情况"]
    assert sheet["A1"].value == "一、基本情况"
    assert sheet["A2"].value.startswith("变电所社区现有居民2户、5人，其中少数民族2人")
    values = rows(sheet)
    title = next(i for i, row in enumerate(values) if row[0] == "（一）民族构成")
    header = values[title + 1][:3]
    assert header == ["民族", "人数", "占比"]
    assert all(sheet.cell(title + 2, column).font.bold for column in (1, 2, 3))
    assert values[title + 2][:3] == ["汉族", 3, 0.6]
    assert sheet.cell(title + 3, 3).number_format == "0.0%"
    assert any(row[0] == "（二）年龄结构" for row in values)


def test_the_numbered_parts_and_formula_like_text_stay_text(report, staff_user):
    report = report_paragraphs_update(report=report, by=staff_user, highlights="=1+1", next_steps="@SUM(A1)")
    book = workbook(report_xlsx(report, report.latest_version()))
    assert book["二、工作亮点"]["A2"].value == "'=1+1"
    assert book["四、下步打算"]["A2"].value == "1.@SUM(A1)"
    assert book["三、存在问题"]["A2"].value == "1.一网格、二网格2个网格尚未配备网格员。"


def test_sheet_names_are_ones_excel_accepts():
    taken = {"封面"}
    assert sheet_name("一、基本情况", taken) == "一、基本情况"
    assert sheet_name("二、a/b:c*d?[e]\\f", taken) == "二、abcdef"
    long = "三、" + "很长的标题" * 10
    assert len(sheet_name(long, taken)) == 31
    again = sheet_name(long, taken)
    assert len(again) == 31 and again.endswith("（2）")
    assert sheet_name("封面", taken) == "封面（2）"


# --- the downloads and the print view -----------------------------------------------------------

NAMES = ["reports:report_docx", "reports:report_xlsx", "reports:report_print"]


@pytest.mark.parametrize("name", NAMES)
def test_anonymous_is_sent_to_sign_in(client, report, name):
    response = client.get(reverse(name, args=[report.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", NAMES)
def test_a_role_that_may_not_read_reports_is_refused(client, report, grid_worker, name):
    client.force_login(grid_worker)
    assert client.get(reverse(name, args=[report.pk])).status_code == 403


@pytest.mark.parametrize("name", NAMES)
def test_another_community_s_report_is_not_found(client, tree, report, staff_user, leader, name):
    neighbour = generated_report(tree, tree.other_community)
    for reader in (staff_user, leader):  # 变电所社区's staff, 清河街道's leader
        client.force_login(reader)
        assert client.get(reverse(name, args=[neighbour.pk])).status_code == 404
    assert not AuditEvent.objects.filter(kind=AuditKind.EXPORT).exists()


@pytest.mark.parametrize("name", NAMES)
def test_a_version_that_does_not_exist_is_not_found(client, report, staff_user, name):
    client.force_login(staff_user)
    for asked in ("2", "0", "x", "-1"):
        assert client.get(reverse(name, args=[report.pk]), {"version": asked}).status_code == 404


def test_the_word_file_downloads_under_its_chinese_name_and_is_audited(client, report, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("reports:report_docx", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"].startswith("attachment")
    assert f"filename*=utf-8''{quote(TITLE + '（第1版）.docx')}" in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    assert any("现有居民2户、5人" in p.text for p in document.paragraphs)
    event = AuditEvent.objects.get(kind=AuditKind.EXPORT)
    assert event.user == staff_user
    assert event.object_id == report.pk
    assert event.detail == {"format": "docx", "version": 1}


def test_the_workbook_downloads_and_is_audited(client, report, leader):
    client.force_login(leader)  # the street's leader reads its communities' reports
    response = client.get(reverse("reports:report_xlsx", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert quote(TITLE + "（第1版）.xlsx") in response["Content-Disposition"]
    assert workbook(response.content).sheetnames[1] == "一、基本情况"
    assert AuditEvent.objects.get(kind=AuditKind.EXPORT).detail == {"format": "xlsx", "version": 1}


def test_an_older_version_is_downloaded_when_asked_for(client, tree, report, staff_user):
    ResidentFactory(household=HouseholdFactory(grid=tree.grid), name="新")
    assert generated_report(tree).latest_version().number == 2
    client.force_login(staff_user)
    url = reverse("reports:report_docx", args=[report.pk])
    newest = Document(io.BytesIO(client.get(url).content))
    first = client.get(url, {"version": "1"})
    assert quote("（第1版）.docx") in first["Content-Disposition"]
    assert any("现有居民3户、6人" in p.text for p in newest.paragraphs)
    assert any("现有居民2户、5人" in p.text for p in Document(io.BytesIO(first.content)).paragraphs)
    assert list(
        AuditEvent.objects.filter(kind=AuditKind.EXPORT).order_by("pk").values_list("detail", flat=True)
    ) == [{"format": "docx", "version": 2}, {"format": "docx", "version": 1}]


def test_the_print_view_shows_the_report_as_it_prints(client, report, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("reports:report_print", args=[report.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "变电所社区2026年11月<br>民族团结进步创建工作报告" in html
    assert "一、基本情况" in html and "（一）民族构成" in html
    assert "现有居民2户、5人" in html
    assert '<th scope="col">民族</th>' in html
    assert "1.完善居民台账，补登户主信息。" in html
    assert "css/report_print.css" in html and "js/report_print.js" in html
    assert "不是最新版本" not in html
    assert AuditEvent.objects.get(kind=AuditKind.EXPORT).detail == {"format": "print", "version": 1}


def test_the_print_view_of_an_older_version_says_so(client, tree, report, staff_user):
    ResidentFactory(household=HouseholdFactory(grid=tree.grid), name="新")
    generated_report(tree)
    client.force_login(staff_user)
    response = client.get(reverse("reports:report_print", args=[report.pk]), {"version": "1"})
    assert "第1版（不是最新版本）" in response.content.decode()


# --- manage.py export_report ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_the_command_writes_the_file(report, tmp_path, kind):
    out = tmp_path / f"report.{kind}"
    stdout = io.StringIO()
    call_command(
        "export_report", unit="D01S01C01", period="2026-11", format=kind, output=str(out), stdout=stdout
    )
    assert "已导出 变电所社区2026年11月报告第1版" in stdout.getvalue()
    if kind == "docx":
        document = Document(str(out))
        assert any("现有居民2户、5人" in p.text for p in document.paragraphs)
    else:
        assert load_workbook(str(out)).sheetnames[:2] == ["封面", "一、基本情况"]
    event = AuditEvent.objects.get(kind=AuditKind.EXPORT)
    assert event.user is None and event.object_id == report.pk
    assert event.detail == {"format": kind, "version": 1, "command": True}


def test_the_command_names_the_file_as_the_download_does(report, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call_command("export_report", unit="D01S01C01", period="2026-11", stdout=io.StringIO())
    assert (tmp_path / f"{TITLE}（第1版）.docx").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"unit": "NOPE", "period": "2026-11"}, "没有编码为 NOPE 的单位。"),
        ({"unit": "D01S01C01", "period": "2026-13"}, "报告期格式不正确"),
        ({"unit": "D01S01C01", "period": "2026-01-05~2026-02-10"}, "不接受自定义日期范围"),
        (
            {"unit": "D01S01C01", "period": "2026-10"},
            "请先生成报告：manage.py generate_reports --unit D01S01C01 --period 2026-10",
        ),
        ({"unit": "D01S01C01", "period": "2026-11", "report_version": 5}, "没有第5版"),
    ],
)
def test_the_command_says_what_is_wrong_in_chinese(report, tmp_path, options, message):
    with pytest.raises(CommandError, match=message.replace("?", r"\?")):
        call_command("export_report", output=str(tmp_path / "x.docx"), **options)
    assert not (tmp_path / "x.docx").exists()


def test_the_report_page_offers_the_exports_of_the_version_it_shows(client, tree, report, staff_user):
    ResidentFactory(household=HouseholdFactory(grid=tree.grid), name="新")
    generated_report(tree)
    client.force_login(staff_user)
    detail = reverse("reports:report_detail", args=[report.pk])
    newest = client.get(detail).content.decode()
    for name in NAMES:
        assert f'href="{reverse(name, args=[report.pk])}"' in newest
    older = client.get(detail, {"version": "1"}).content.decode()
    for name in NAMES:
        assert f'href="{reverse(name, args=[report.pk])}?version=1"' in older
    printed = client.get(reverse("reports:report_print", args=[report.pk]), {"version": "1"}).content.decode()
    assert f'href="{detail}?version=1"' in printed
