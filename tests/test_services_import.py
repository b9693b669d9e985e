"""``manage.py import_tickets``: a window's past 办件台账 — messy rows named, a dry run, all or
nothing, and a second import of the same file that writes nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from services.models import Channel, Ticket, TicketStatus
from tests.factories_services import make_item, make_window

pytestmark = pytest.mark.django_db
HEADER = [
    "登记日期",
    "渠道",
    "类型",
    "事项",
    "窗口",
    "申请人",
    "民族",
    "联系电话",
    "内容摘要",
    "受理日期",
    "办结日期",
    "状态",
    "办理结果",
    "满意度",
]


def workbook(tmp_path, *rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "台账.xlsx"
    book.save(path)
    return path


GOOD = [
    [
        dt.date(2026, 3, 2),
        "窗口",
        "办件",
        "高龄津贴申请",
        "A",
        "马大姐",
        "回族",
        "13912345678",
        "申请高龄津贴",
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 5),
        "办结",
        "已发放",
        "满意",
    ],
    ["2026/3/3", "热线", "诉求", "", "", "李师傅", "汉", "", "路灯不亮", "", "", "", "", ""],
    [
        "2026年3月4日",
        "信访",
        "诉求",
        "",
        "",
        "王某",
        "",
        "",
        "反映物业问题",
        "2026-03-10",
        "",
        "办理中",
        "",
        "",
    ],
]


@pytest.fixture
def hall(tree):
    make_item("高龄津贴申请", time_limit=5)
    make_window(tree.community, "A")
    return tree


def run(path, *extra):
    out, err = StringIO(), StringIO()
    call_command("import_tickets", str(path), "--community", "D01S01C01", *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_rows_become_tickets_with_their_dates_and_outcomes(hall, tmp_path):
    out, _ = run(workbook(tmp_path, *GOOD))
    assert "已导入3件" in out
    done = Ticket.objects.get(applicant_name="马大姐")
    assert (done.status, done.accepted_on, done.closed_on, done.handling_days, done.satisfaction) == (
        TicketStatus.COMPLETED,
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 5),
        3,
        "satisfied",
    )
    assert done.applicant_ethnicity.name == "回族" and done.window.letter == "A"
    assert Ticket.objects.get(applicant_name="李师傅").status == TicketStatus.WAITING
    petition = Ticket.objects.get(channel=Channel.PETITION)
    assert (petition.status, petition.deadline) == (TicketStatus.IN_PROGRESS, dt.date(2026, 5, 9))


def test_importing_the_same_file_again_writes_nothing(hall, tmp_path):
    path = workbook(tmp_path, *GOOD)
    run(path)
    out, _ = run(path)
    assert "已导入0件，已存在跳过3件" in out
    assert Ticket.objects.count() == 3


def test_a_dry_run_counts_and_writes_nothing(hall, tmp_path):
    out, _ = run(workbook(tmp_path, *GOOD), "--dry-run")
    assert "可导入3件" in out and "试运行" in out
    assert not Ticket.objects.exists()


def test_messy_rows_are_named_and_nothing_is_written(hall, tmp_path):
    path = workbook(
        tmp_path,
        GOOD[0],
        ["2026-13-01", "电话", "办件", "不存在的事项", "Z", "", "火星族", "12345", "", "", "", "", "", ""],
        [
            dt.date(2026, 3, 9),
            "窗口",
            "办件",
            "",
            "",
            "赵",
            "",
            "",
            "",
            dt.date(2026, 3, 1),
            dt.date(2026, 3, 2),
            "转办",
            "",
            "满意",
        ],
    )
    with pytest.raises(CommandError, match="未导入任何办件"):
        _, err = run(path)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_tickets", str(path), "--community", "D01S01C01", stdout=StringIO(), stderr=err)
    said = err.getvalue()
    for message in (
        "第3行：登记日期“2026-13-01”不是有效日期",
        "第3行：渠道“电话”不在可选范围内",
        "第3行：事项“不存在的事项”不在服务事项目录中",
        "第3行：变电所社区没有窗口“Z”",
        "第3行：民族“火星族”无法识别",
        "第3行：联系电话“12345”格式不正确",
        "第3行：办件和诉求需要填写申请人",
        "第4行：转办的请填写转办部门",
        "第4行：受理日期不能早于登记日期",
    ):
        assert message in said, message
    assert not Ticket.objects.exists()


def test_an_unknown_community_or_file_is_refused(hall, tmp_path):
    with pytest.raises(CommandError, match="社区编码“X9”不存在"):
        call_command("import_tickets", str(workbook(tmp_path, *GOOD)), "--community", "X9")
    with pytest.raises(CommandError, match="不存在"):
        call_command("import_tickets", str(tmp_path / "none.xlsx"), "--community", "D01S01C01")
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(CommandError, match="无法读取"):
        call_command("import_tickets", str(bad), "--community", "D01S01C01")


# --- the same import in the admin ---------------------------------------------------------------


def _upload(client, path, community, **buttons):
    from django.urls import reverse

    with open(path, "rb") as handle:
        return client.post(
            reverse("admin:services_ticket_import"), {"community": community.pk, "file": handle, **buttons}
        )


@pytest.fixture
def district_admin(persona):
    from grid.models import Role

    return persona(Role.ADMIN)


def test_the_admin_dry_run_writes_nothing_then_the_import_writes_all(client, tmp_path, tree, district_admin):
    make_item("高龄津贴申请")
    make_window(tree.community, "A")
    path = workbook(tmp_path, *GOOD)
    client.force_login(district_admin)
    page = _upload(client, path, tree.community, dry_run="试运行").content.decode()
    assert 'data-testid="import-dry-run"' in page and not Ticket.objects.exists()
    page = _upload(client, path, tree.community, commit="导入").content.decode()
    assert 'data-testid="import-done"' in page
    imported = Ticket.objects.count()
    assert imported == len(GOOD)
    page = _upload(client, path, tree.community, commit="导入").content.decode()
    assert f"已存在跳过{imported}件" in page and Ticket.objects.count() == imported


def test_the_admin_import_names_bad_rows_and_writes_nothing(client, tmp_path, tree, district_admin):
    make_item("高龄津贴申请")
    make_window(tree.community, "A")
    bad = [dt.date(2026, 3, 3), "电报", "办件", "高龄津贴申请", "A", "马大姐"]
    client.force_login(district_admin)
    page = _upload(client, workbook(tmp_path, *GOOD, bad), tree.community, commit="导入").content.decode()
    assert 'data-testid="import-errors"' in page and f"第{len(GOOD) + 2}行" in page
    assert not Ticket.objects.exists()


def test_the_admin_import_refuses_a_file_that_is_no_workbook(client, tmp_path, tree, district_admin):
    path = tmp_path / "台账.xlsx"
    path.write_text("不是表格")
    client.force_login(district_admin)
    page = _upload(client, path, tree.community, commit="导入").content.decode()
    assert "无法读取该文件" in page and not Ticket.objects.exists()


def test_only_an_admin_imports_and_only_into_their_scope(client, tmp_path, tree, persona):
    from django.urls import reverse

    from grid.models import Role
    from tests.factories import make_person

    client.force_login(persona(Role.STAFF))
    assert client.get(reverse("admin:services_ticket_import")).status_code in (302, 403)
    community_admin = make_person(role=Role.ADMIN, unit=tree.community, username="c_admin")
    client.force_login(community_admin)
    page = _upload(client, workbook(tmp_path, *GOOD), tree.other_community, commit="导入").content.decode()
    assert "选择一个有效的选项" in page and not Ticket.objects.exists()
