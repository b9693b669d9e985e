"""The ledger importer end to end below the web layer: files → plan → atomic write."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from residents.ledger_import.actions import ledger_import_commit, ledger_import_create, ledger_import_preview
from residents.models import (
    ChangeAction,
    Household,
    ImportStatus,
    LedgerImport,
    LedgerImportRow,
    Resident,
    RowOutcome,
)
from tests.ledger_files import HEADERS, id_number, rows_for, write_csv, write_xlsx
from tests.ledger_history import LedgerChange


def start(tree, path, user=None):
    with path.open("rb") as fh:
        return ledger_import_create(community=tree.community, file=fh, file_name=path.name, user=user)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_clean_file_imports_households_residents_and_history(tree, admin_user, tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", rows_for(households=3, members=2))
    ledger_import = start(tree, path, admin_user)

    ledger_import_commit(import_id=ledger_import.pk)

    ledger_import.refresh_from_db()
    assert ledger_import.status == ImportStatus.DONE
    assert (ledger_import.new_count, ledger_import.error_count) == (6, 0)
    assert Household.objects.filter(community=tree.community).count() == 3
    assert Resident.objects.count() == 6
    head = Resident.objects.get(name="居民1")
    assert head.household.grid == tree.grid
    assert head.household.building == tree.building  # the existing 1号楼 is reused
    assert head.ethnicity.name == "回族"
    assert head.gender == "1" and head.birth_date == dt.date(1980, 1, 15)
    created = LedgerChange.objects.get(resident=head)
    assert (created.action, created.user, created.source_id, created.parent_id) == (
        ChangeAction.IMPORT_CREATE,
        admin_user,
        ledger_import.pk,
        head.household_id,
    )
    assert len(ledger_import.sha256) == 64


def test_dry_run_writes_nothing_but_lists_every_row(tree, admin_user, tmp_path):
    rows = rows_for(households=2, members=2)
    rows[1][8] = "11010519491231002Y"
    ledger_import = start(tree, write_xlsx(tmp_path / "a.xlsx", rows), admin_user)

    ledger_import_preview(ledger_import=ledger_import)

    assert not Resident.objects.exists() and not Household.objects.exists()
    outcomes = dict(LedgerImportRow.objects.values_list("row_number", "outcome"))
    assert outcomes == {2: RowOutcome.NEW, 3: RowOutcome.ERROR, 4: RowOutcome.NEW, 5: RowOutcome.NEW}
    error = LedgerImportRow.objects.get(row_number=3)
    assert error.errors[0]["column"] == "身份证号"
    assert "最后一位" in error.errors[0]["message"]


def test_one_bad_row_means_nothing_is_written(tree, admin_user, tmp_path):
    rows = rows_for(households=3, members=2)
    rows[4][10] = "火星族"
    ledger_import = start(tree, write_xlsx(tmp_path / "a.xlsx", rows), admin_user)

    ledger_import = ledger_import_commit(import_id=ledger_import.pk)

    assert ledger_import.status == ImportStatus.FAILED
    assert "没有写入任何数据" in ledger_import.message
    assert not Resident.objects.exists() and not Household.objects.exists()
    assert LedgerImportRow.objects.get(outcome=RowOutcome.ERROR).row_number == 6


def test_skip_errors_imports_only_the_valid_rows(tree, admin_user, tmp_path):
    rows = rows_for(households=2, members=2)
    rows[0][0] = "不存在网格"
    ledger_import = start(tree, write_xlsx(tmp_path / "a.xlsx", rows), admin_user)

    ledger_import = ledger_import_commit(import_id=ledger_import.pk, skip_errors=True)

    assert ledger_import.status == ImportStatus.DONE
    assert Resident.objects.count() == 3


def test_an_error_in_a_later_range_rolls_back_the_ranges_already_written(tree, admin_user, tmp_path):
    # More rows than the first range: on PostgreSQL the first range is written before the
    # bad row at the end is read.
    rows = rows_for(households=1300, members=2)
    rows[-1][10] = "火星族"
    ledger_import = start(tree, write_csv(tmp_path / "a.csv", rows), admin_user)

    ledger_import = ledger_import_commit(import_id=ledger_import.pk)

    assert ledger_import.status == ImportStatus.FAILED
    assert ledger_import.error_count == 1
    assert (Household.objects.count(), Resident.objects.count(), LedgerChange.objects.count()) == (0, 0, 0)


def test_skipped_rows_leave_no_buildings_behind(tree, admin_user, tmp_path):
    from grid.models import Building, Unit

    rows = rows_for(households=1300, members=2)
    rows[-1][1], rows[-1][2], rows[-1][10] = "99号楼", "9单元", "火星族"  # the only row naming them
    ledger_import = start(tree, write_csv(tmp_path / "a.csv", rows), admin_user)

    ledger_import = ledger_import_commit(import_id=ledger_import.pk, skip_errors=True)

    assert ledger_import.status == ImportStatus.DONE
    assert Resident.objects.count() == 2599
    assert not Building.objects.filter(number="99号楼").exists()
    assert not Unit.objects.filter(number="9单元").exists()


def test_reimporting_the_same_file_changes_nothing(tree, admin_user, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", rows_for(households=3, members=3))
    ledger_import_commit(import_id=start(tree, path, admin_user).pk)
    before = (Household.objects.count(), Resident.objects.count(), LedgerChange.objects.count())

    again = ledger_import_commit(import_id=start(tree, path, admin_user).pk)

    assert again.status == ImportStatus.DONE
    assert (again.new_count, again.updated_count, again.unchanged_count) == (0, 0, 9)
    assert (Household.objects.count(), Resident.objects.count(), LedgerChange.objects.count()) == before


def test_rerunning_a_committed_import_is_harmless(tree, admin_user, tmp_path):
    ledger_import = start(tree, write_xlsx(tmp_path / "a.xlsx", rows_for()), admin_user)
    ledger_import_commit(import_id=ledger_import.pk)
    changes = LedgerChange.objects.count()

    ledger_import_commit(import_id=ledger_import.pk)

    assert Resident.objects.count() == 4 and LedgerChange.objects.count() == changes


def test_a_changed_row_updates_and_records_which_fields(tree, admin_user, tmp_path):
    rows = rows_for(households=1, members=2)
    ledger_import_commit(import_id=start(tree, write_xlsx(tmp_path / "a.xlsx", rows), admin_user).pk)
    rows[1][11] = "13900000000"

    again = ledger_import_commit(import_id=start(tree, write_xlsx(tmp_path / "b.xlsx", rows), admin_user).pk)

    assert (again.new_count, again.updated_count, again.unchanged_count) == (0, 1, 1)
    spouse = Resident.objects.get(name="居民2")
    assert spouse.phone == "13900000000"
    change = LedgerChange.objects.filter(resident=spouse).latest("at")
    assert change.changes == {"phone": ["13800000002", "13900000000"]}


def test_missing_buildings_and_units_are_created_in_the_grid(tree, admin_user, tmp_path):
    rows = rows_for(households=1, members=1)
    rows[0][1], rows[0][2] = "7号楼", "3单元"
    ledger_import_commit(import_id=start(tree, write_xlsx(tmp_path / "a.xlsx", rows), admin_user).pk)

    household = Household.objects.get()
    assert (household.building.number, household.building.grid, household.unit.number) == (
        "7号楼",
        tree.grid,
        "3单元",
    )
    # Sorted by their numbers, not as text, like buildings made on the pages.
    assert (household.building.position, household.unit.position) == (7, 3)


def test_an_unknown_grid_is_an_error(tree, admin_user, tmp_path):
    rows = rows_for(households=1, members=1)
    rows[0][0] = tree.other_grid.name  # a grid, but of another community
    ledger_import = start(tree, write_xlsx(tmp_path / "a.xlsx", rows), admin_user)
    ledger_import_preview(ledger_import=ledger_import)

    row = LedgerImportRow.objects.get()
    assert row.outcome == RowOutcome.ERROR
    assert "没有名为" in row.errors[0]["message"]


def test_a_person_registered_elsewhere_out_of_scope_is_refused_without_saying_where(tree, persona, tmp_path):
    from grid.models import Role
    from tests.factories import make_person

    other_admin = make_person(role=Role.ADMIN, unit=tree.other_community, username="other_admin")
    elsewhere = rows_for(grid=tree.other_grid.name, households=1, members=1)
    with (tmp_path / "o.xlsx").open("wb"):
        pass
    path = write_xlsx(tmp_path / "o.xlsx", elsewhere)
    with path.open("rb") as fh:
        first = ledger_import_create(
            community=tree.other_community, file=fh, file_name="o.xlsx", user=other_admin
        )
    ledger_import_commit(import_id=first.pk)

    community_admin = make_person(role=Role.ADMIN, unit=tree.community, username="c_admin")
    here = rows_for(households=1, members=1)
    ledger_import = start(tree, write_xlsx(tmp_path / "h.xlsx", here), community_admin)
    ledger_import_preview(ledger_import=ledger_import)

    [error] = LedgerImportRow.objects.get(ledger_import=ledger_import).errors
    assert "不在您的管辖范围内" in error["message"]
    assert tree.other_community.name not in error["message"]


def test_a_moved_out_resident_is_pointed_to_the_way_back_not_restored(tree, admin_user, tmp_path):
    from residents.actions import resident_leave

    rows = rows_for(households=1, members=1)
    first = start(tree, write_xlsx(tmp_path / "a.xlsx", rows), admin_user)
    ledger_import_commit(import_id=first.pk)
    resident = Resident.objects.get()
    resident_leave(
        by=admin_user,
        resident=resident,
        status="moved_out",
        departure="within_district",
        on=dt.date(2026, 1, 5),
    )

    again = start(tree, write_xlsx(tmp_path / "b.xlsx", rows), admin_user)
    ledger_import_preview(ledger_import=again)

    message = LedgerImportRow.objects.get(ledger_import=again).errors[0]["message"]
    assert "2026-01-05迁出" in message and "办理迁回" in message
    resident.refresh_from_db()
    assert resident.status == "moved_out"


def test_someone_moved_out_of_another_community_is_pointed_to_registration(tree, admin_user, tmp_path):
    from residents.actions import resident_leave

    elsewhere = rows_for(grid=tree.other_grid.name, households=1, members=1)
    path = write_xlsx(tmp_path / "o.xlsx", elsewhere)
    with path.open("rb") as fh:
        first = ledger_import_create(
            community=tree.other_community, file=fh, file_name="o.xlsx", user=admin_user
        )
    ledger_import_commit(import_id=first.pk)
    resident_leave(
        by=admin_user,
        resident=Resident.objects.get(),
        status="moved_out",
        departure="within_district",
        on=dt.date(2026, 1, 5),
    )

    here = start(tree, write_xlsx(tmp_path / "h.xlsx", rows_for(households=1, members=1)), admin_user)
    ledger_import_commit(import_id=here.pk)

    here.refresh_from_db()
    assert here.status == ImportStatus.FAILED
    message = LedgerImportRow.objects.get(ledger_import=here).errors[0]["message"]
    assert "其他社区登记为迁出" in message and "添加成员" in message
    assert tree.other_community.name not in message
    assert Resident.objects.get().household.community == tree.other_community


def test_duplicate_id_numbers_within_a_file_are_errors(tree, admin_user, tmp_path):
    rows = rows_for(households=1, members=2)
    rows[1][8] = rows[0][8]
    ledger_import = start(tree, write_xlsx(tmp_path / "a.xlsx", rows), admin_user)
    ledger_import_preview(ledger_import=ledger_import)

    assert "与第2行的身份证号重复" in LedgerImportRow.objects.get(row_number=3).errors[0]["message"]


def test_messy_input_is_understood(tree, admin_user, tmp_path):
    headers = [
        "所属网格",
        "楼号",
        "单元号",
        "房号",
        "家庭住址",
        "户编号",
        "户类型",
        " 姓 名 ",
        "公民身份号码",
        "关系",
        "族别",
        "手机号码",
        "出生年月",
        "性别",
        "迁入时间",
        "特殊人群",
    ]
    number = id_number("210902", "19800101", 13)
    rows = [
        [
            "一网格",
            "1号楼",
            "1单元",
            "１０１",
            "幸福路",
            "Ｈ-１",
            "户籍",
            " 张  三 ",
            number.lower().replace("x", "x"),
            "本人",
            "回",
            "１３８１２３４５６７８",
            "1980.1.1",
            "男",
            "19990501",
            "低保、残疾",
        ],
        [
            "一网格",
            "1号楼",
            "1单元",
            "101",
            "幸福路",
            "H-1",
            "户籍",
            "李四",
            id_number("210902", "19820305", 24).replace("X", "x"),
            "妻",
            "蒙族",
            13812345679.0,
            "1982/3/5",
            "女",
            dt.datetime(2001, 2, 3),
            "",
        ],
        [
            "一网格",
            "1号楼",
            "1单元",
            "101",
            "幸福路",
            "H-1",
            "户籍",
            "王五",
            "210902" + "800101" + "031",
            "子",
            "锡伯",
            "",
            "",
            "",
            36526,
            "",
        ],
    ]
    ledger_import = start(tree, write_xlsx(tmp_path / "messy.xlsx", rows, headers), admin_user)

    ledger_import = ledger_import_commit(import_id=ledger_import.pk)

    assert ledger_import.status == ImportStatus.DONE, list(
        LedgerImportRow.objects.values_list("errors", flat=True)
    )
    zhang = Resident.objects.get(name="张 三")
    assert zhang.household.number == "H-1" and zhang.household.room == "101"
    assert zhang.phone == "13812345678" and zhang.is_dibao and zhang.is_disabled
    assert zhang.moved_in_on == dt.date(1999, 5, 1)
    li = Resident.objects.get(name="李四")
    assert (
        li.ethnicity.name == "蒙古族" and li.phone == "13812345679" and li.moved_in_on == dt.date(2001, 2, 3)
    )
    wang = Resident.objects.get(name="王五")
    assert wang.id_number == id_number("210902", "19800101", 31)  # 15 digits converted
    assert wang.ethnicity.name == "锡伯族" and wang.moved_in_on == dt.date(2000, 1, 1)


def test_gender_or_birth_date_contradicting_the_id_is_an_error(tree, admin_user, tmp_path):
    headers = [*HEADERS, "性别", "出生日期"]
    rows = rows_for(households=1, members=2)
    rows[0] += ["女", ""]  # the number says male (odd sequence digit)
    rows[1] += ["", "1990-01-01"]
    ledger_import = start(tree, write_xlsx(tmp_path / "a.xlsx", rows, headers), admin_user)
    ledger_import_preview(ledger_import=ledger_import)

    first, second = LedgerImportRow.objects.order_by("row_number")
    assert first.errors[0]["column"] == "性别"
    assert second.errors[0]["column"] == "出生日期"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_or_gbk_imports(tree, admin_user, tmp_path, encoding):
    path = write_csv(tmp_path / "a.csv", rows_for(households=1, members=2), encoding=encoding)
    ledger_import = ledger_import_commit(import_id=start(tree, path, admin_user).pk)
    assert ledger_import.status == ImportStatus.DONE
    assert Resident.objects.filter(ethnicity__name="回族").count() == 1


def test_the_command_runs_the_same_path(tree, admin_user, tmp_path, capsys):
    path = write_xlsx(tmp_path / "a.xlsx", rows_for(households=2, members=2))

    call_command("import_ledger", str(path), "--community", tree.community.code, "--dry-run")
    assert "新增 4" in capsys.readouterr().out and not Resident.objects.exists()

    call_command(
        "import_ledger", str(path), "--community", tree.community.code, "--user", admin_user.username
    )
    assert Resident.objects.count() == 4
    assert LedgerImport.objects.filter(status=ImportStatus.DONE, user=admin_user).count() == 1


def test_the_command_lists_errors_and_fails(tree, tmp_path, capsys):
    rows = rows_for(households=1, members=1)
    rows[0][10] = "火星族"
    path = write_xlsx(tmp_path / "a.xlsx", rows)
    with pytest.raises(CommandError):
        call_command("import_ledger", str(path), "--community", tree.community.code)
    assert "第2行 民族" in capsys.readouterr().out
    assert not Resident.objects.exists()


def test_history_pages_show_who_imported_what(client, tree, admin_user, tmp_path):
    from django.urls import reverse

    rows = rows_for(households=2, members=1)
    first = start(tree, write_xlsx(tmp_path / "一月台账.xlsx", rows), admin_user)
    ledger_import_commit(import_id=first.pk)
    rows[0][5] = rows[1][5]  # 居民1 moves into the second household, under its 户主
    rows[0][3] = rows[1][3]
    rows[0][9] = "子女"
    ledger_import_commit(import_id=start(tree, write_xlsx(tmp_path / "二月台账.xlsx", rows), admin_user).pk)

    moved = Resident.objects.get(name="居民1")
    client.force_login(admin_user)
    page = client.get(reverse("residents:resident_detail", args=[moved.pk])).content.decode()

    assert "导入新增" in page and "《一月台账.xlsx》" in page
    assert "导入更新" in page and f"户号 {rows[1][5]}" in page


def test_text_with_tabs_backslashes_and_newlines_survives_the_bulk_write(tree, admin_user, tmp_path):
    rows = rows_for(households=1, members=1)
    rows[0][4] = "幸福路\\3号\t院"  # 住址: a backslash and a tab, as pasted from another system
    headers = [*HEADERS, "工作单位", "居住状态"]
    rows[0] += ["清真\\拉面馆", "流动"]
    ledger_import_commit(import_id=start(tree, write_xlsx(tmp_path / "a.xlsx", rows, headers), admin_user).pk)

    resident = Resident.objects.get()
    assert resident.household.address == "幸福路\\3号 院"
    assert resident.floating_registration.workplace == "清真\\拉面馆"


def test_the_preview_says_which_fields_change_and_what_will_be_built(tree, admin_user, tmp_path):
    rows = rows_for(households=1, members=2)
    ledger_import_commit(import_id=start(tree, write_xlsx(tmp_path / "a.xlsx", rows), admin_user).pk)
    rows[1][11] = "13900000000"  # a new phone
    rows[0][1] = rows[1][1] = "11号楼"  # a mistyped building: would be created
    ledger_import = start(tree, write_xlsx(tmp_path / "b.xlsx", rows), admin_user)

    ledger_import_preview(ledger_import=ledger_import)

    ledger_import.refresh_from_db()
    assert "新建这些楼栋、单元：一网格 11号楼、一网格 11号楼 1单元" in ledger_import.message
    details = dict(LedgerImportRow.objects.values_list("row_number", "detail"))
    assert details[3] == "联系电话"
    assert "户·楼栋" in details[2]
    assert not Household.objects.filter(building__number="11号楼").exists()
