"""The catalogue's .xlsx in the admin (services.catalogue) and the windows' actions."""

from __future__ import annotations

import pytest
import tablib
from django.core.exceptions import ValidationError

from core.models import AuditEvent, AuditKind
from grid.models import Role
from services.catalogue import CatalogueResource
from services.models import ServiceItem, Window
from tests.factories import make_person
from tests.factories_services import make_item, make_window

pytestmark = pytest.mark.django_db

HEADERS = ["类别", "事项名称", "办理时限（工作日）", "所需材料", "在用"]


def sheet(*rows) -> tablib.Dataset:
    return tablib.Dataset(*rows, headers=HEADERS)


def run(user, dataset, *, dry_run=False):
    return CatalogueResource(user=user).import_data(dataset, dry_run=dry_run, use_transactions=True)


def test_an_import_adds_the_items_with_their_materials_one_per_line(persona):
    admin = persona(Role.ADMIN)
    result = run(
        admin,
        sheet(
            ["民政", " 高龄津贴申请 ", 5.0, "身份证、户口簿、银行卡", "是"],
            ["民族事务", "民族成分变更", "30", "", ""],
        ),
    )
    assert not result.has_errors() and not result.has_validation_errors()
    item = ServiceItem.objects.get(name="高龄津贴申请")
    assert (item.category, item.time_limit, item.material_list) == (
        "civil",
        5,
        ["身份证", "户口簿", "银行卡"],
    )
    assert ServiceItem.objects.get(name="民族成分变更").category == "ethnic"
    assert AuditEvent.objects.filter(kind=AuditKind.IMPORT).count() == 1


def test_a_messy_row_is_named_and_nothing_is_written(persona):
    admin = persona(Role.ADMIN)
    result = run(
        admin,
        sheet(
            ["民政", "临时救助申请", "10", "", "是"],
            ["救济", "某事项", "十天", "", "也许"],
            ["社保", "", "3", "", ""],
        ),
    )
    assert result.has_validation_errors()
    messages = " ".join(
        str(message)
        for row in result.invalid_rows
        for messages in row.error_dict.values()
        for message in messages
    )
    assert "第3行：类别“救济”不在可选范围内" in messages
    assert "第3行：办理时限“十天”应为0—365的整数（工作日）" in messages
    assert "第3行：在用应填“是”或“否”" in messages
    assert "第4行：请填写事项名称" in messages
    assert ServiceItem.objects.count() == 0


def test_a_dry_run_writes_nothing(persona):
    result = run(persona(Role.ADMIN), sheet(["民政", "临时救助申请", "10", "", "是"]), dry_run=True)
    assert not result.has_errors()
    assert ServiceItem.objects.count() == 0


def test_importing_the_exported_file_again_changes_nothing(persona):
    admin = persona(Role.ADMIN)
    make_item("临时救助申请", materials="身份证\n困难情况说明")
    make_item("残疾人证办理", category="disability", time_limit=20)
    exported = CatalogueResource(user=admin).export()
    assert exported.headers == HEADERS
    assert ["民政", "临时救助申请", 10, "身份证\n困难情况说明", "是"] in [list(row) for row in exported]
    result = run(admin, tablib.Dataset(*exported, headers=exported.headers))
    assert result.totals["skip"] == 2 and result.totals["new"] == 0 and result.totals["update"] == 0
    changed = run(admin, sheet(["民政", "临时救助申请", "7", "身份证", "是"]))
    assert changed.totals["update"] == 1
    assert ServiceItem.objects.get(name="临时救助申请").time_limit == 7


def test_a_window_letter_is_one_capital_and_unique_in_its_community(tree):
    make_window(tree.community, "A")
    with pytest.raises(ValidationError):
        make_window(tree.community, "A", name="第二个A")
    with pytest.raises(ValidationError, match="大写英文字母"):
        make_window(tree.community, "ab")
    make_window(tree.other_community, "A")
    assert Window.objects.count() == 2


def test_only_accounts_of_the_community_sit_at_its_windows(tree):
    here = make_person(role=Role.WINDOW_CLERK, unit=tree.community, username="clerk_here")
    there = make_person(role=Role.WINDOW_CLERK, unit=tree.other_community, username="clerk_there")
    window = make_window(
        tree.community, "B", is_minority_window=True, languages="汉语、维吾尔语", clerks=[here, there]
    )
    assert list(window.clerks.all()) == [here]
    assert window.language_list == ["汉语", "维吾尔语"]


def test_a_window_outside_ones_scope_is_refused(tree, persona):
    from services import actions

    with pytest.raises(ValidationError, match="管辖范围"):
        actions.window_create(
            by=persona(Role.STAFF), community=tree.other_community, letter="C", name="民政窗口"
        )
    assert not Window.objects.exists()
