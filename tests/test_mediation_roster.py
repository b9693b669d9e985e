"""The mediators' roster as .xlsx in the admin (django-import-export): export then import is
no change; a bad row writes nothing; a community outside the admin's scope is refused by row;
every row written is in the history, the file in the audit log."""

from __future__ import annotations

import io

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import history
from core.models import AuditEvent, AuditKind, Change
from grid.models import Role
from mediation.models import MediationTeam, Mediator, MediatorRole
from mediation.roster import MediatorResource
from tests.factories import make_person
from tests.factories_mediation import make_mediator

HEADERS = ["社区编码", "姓名", "联系电话", "身份", "所在单位", "所在团队", "在岗"]


@pytest.fixture
def community_admin(tree):
    return make_person(role=Role.ADMIN, unit=tree.community, username="community_admin")


@pytest.fixture
def roster(tree):
    team = MediationTeam.objects.create(community=tree.community, name="移动微调室")
    gold = MediationTeam.objects.create(community=tree.community, name="金牌调解队")
    lawyer = make_mediator(
        tree.community, "马律师", role=MediatorRole.LAWYER, phone="13900001111", organisation="正义律师事务所"
    )
    lawyer.teams.set([team, gold])
    make_mediator(tree.community, "王大姐", phone="13900002222", active=False)
    make_mediator(tree.other_community, "北苑调解员", phone="13900003333")
    return team


def _rows(*rows) -> tablib.Dataset:
    return tablib.Dataset(*rows, headers=HEADERS)


def _import(user, dataset, *, dry_run=False):
    return MediatorResource(user=user).import_data(
        dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True
    )


def _state():
    return sorted(
        (
            m.community_id,
            m.name,
            m.phone,
            m.role,
            m.organisation,
            m.active,
            tuple(sorted(t.name for t in m.teams.all())),
        )
        for m in Mediator.objects.prefetch_related("teams")
    )


def test_the_export_is_the_admins_roster_in_chinese(tree, roster, community_admin):
    data = MediatorResource(user=community_admin).export()
    assert data.headers == HEADERS
    rows = sorted(data.dict, key=lambda row: row["姓名"])
    assert [row["姓名"] for row in rows] == ["王大姐", "马律师"]  # 北苑's is not the admin's
    lawyer = rows[1]
    assert lawyer["社区编码"] == "D01S01C01" and lawyer["身份"] == "律师" and lawyer["在岗"] == "是"
    assert lawyer["所在团队"] == "移动微调室、金牌调解队" and lawyer["联系电话"] == "13900001111"
    assert rows[0]["在岗"] == "否"
    assert AuditEvent.objects.filter(kind=AuditKind.EXPORT, detail__rows=2).exists()


def test_importing_the_exported_xlsx_changes_nothing(tree, roster, community_admin):
    xlsx = MediatorResource(user=community_admin).export().export("xlsx")
    dataset = tablib.Dataset().load(io.BytesIO(xlsx).read(), format="xlsx")
    before, changes = _state(), Change.objects.count()
    result = _import(community_admin, dataset)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 2 and result.totals["new"] == 0 and result.totals["update"] == 0
    assert _state() == before and Change.objects.count() == changes


def test_an_import_adds_and_updates_through_the_actions_and_is_audited(tree, roster, community_admin):
    result = _import(
        community_admin,
        _rows(
            ["D01S01C01", "马律师", "13900001111", "律师", "正义律师事务所", "移动微调室", "否"],
            ["D01S01C01", "李心理", 13900004444.0, "心理咨询师", "心理咨询中心", "金牌调解队", "是"],
        ),
    )
    assert not result.has_validation_errors(), result.invalid_rows and result.invalid_rows[0].error_dict
    assert (result.totals["new"], result.totals["update"]) == (1, 1)
    lawyer = Mediator.objects.get(name="马律师")
    assert not lawyer.active and [t.name for t in lawyer.teams.all()] == ["移动微调室"]
    new = Mediator.objects.get(name="李心理")
    assert new.phone == "13900004444" and new.role == MediatorRole.PSYCHOLOGIST
    assert history.of_record(new).get().action == history.CREATE
    assert history.of_record(lawyer).get().action == history.UPDATE
    event = AuditEvent.objects.get(kind=AuditKind.IMPORT)
    assert event.detail["new"] == 1 and event.detail["updated"] == 1 and event.user == community_admin
    # The same file again: nothing more.
    again = _import(
        community_admin,
        _rows(
            ["D01S01C01", "马律师", "13900001111", "律师", "正义律师事务所", "移动微调室", "否"],
            ["D01S01C01", "李心理", "13900004444", "心理咨询师", "心理咨询中心", "金牌调解队", "是"],
        ),
    )
    assert again.totals["skip"] == 2 and Mediator.objects.filter(name="李心理").count() == 1


def test_a_bad_row_writes_nothing(tree, roster, community_admin):
    before, changes = _state(), Change.objects.count()
    result = _import(
        community_admin,
        _rows(
            ["D01S01C01", "新调解员", "13900005555", "专职调解员", "", "", "是"],
            ["D01S01C01", "坏身份", "13900006666", "大法官", "", "", "是"],
            ["D01S01C01", "坏团队", "13900007777", "老党员", "", "不存在的队", "是"],
        ),
    )
    assert result.has_validation_errors()
    messages = [str(e) for row in result.invalid_rows for e in row.error_dict.values()]
    assert any("第3行" in m and "大法官" in m for m in messages)
    assert any("第4行" in m and "不存在的队" in m for m in messages)
    assert _state() == before and Change.objects.count() == changes
    assert not AuditEvent.objects.filter(kind=AuditKind.IMPORT).exists()


def test_a_community_outside_the_admins_scope_is_refused_by_row(tree, roster, community_admin):
    before = _state()
    result = _import(
        community_admin,
        _rows(
            ["D01S01C01", "本社区新人", "13900008888", "专职调解员", "", "", "是"],
            ["D01S02C01", "北苑调解员", "13900003333", "律师", "", "", "否"],
        ),
    )
    assert result.has_validation_errors()
    (invalid,) = result.invalid_rows
    assert invalid.number == 2
    assert "第3行" in str(invalid.error_dict) and "D01S02C01" in str(invalid.error_dict)
    assert "不在您的管辖范围内" in str(invalid.error_dict)
    assert _state() == before  # the good row was not written either


def test_the_admin_imports_and_exports_xlsx(client, tree, roster, community_admin):
    client.force_login(community_admin)
    changelist = client.get(reverse("admin:mediation_mediator_changelist")).content.decode()
    assert reverse("admin:mediation_mediator_import") in changelist
    chosen = {f"mediatorresource_{name}": "on" for name in MediatorResource._meta.fields}
    export = client.post(
        reverse("admin:mediation_mediator_export"), {"format": "0", "resource": "0", **chosen}
    )
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert [cell.value for cell in sheet[1]] == HEADERS
    # A file with a row outside the admin's scope: the errors are shown, nothing is written.
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    book.active.append(["D01S02C01", "外社区", "13900009999", "律师", "", "", "是"])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("roster.xlsx", buffer.getvalue())
    response = client.post(
        reverse("admin:mediation_mediator_import"), {"import_file": upload, "format": "0", "resource": "0"}
    )
    assert response.status_code == 200
    assert "不在您的管辖范围内" in response.content.decode()
    assert not Mediator.objects.filter(name="外社区").exists()
