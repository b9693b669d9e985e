"""One 户主 per household on every path that could break it: adding, editing, moving and
returning a member, the head leaving, handing the role over, the database itself and the
import."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from residents import actions
from residents.ledger_import.actions import ledger_import_commit, ledger_import_create, ledger_import_preview
from residents.models import ImportStatus, LedgerImportRow, LedgerStatus, Relation, Resident, RowOutcome
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity, make_id_number
from tests.ledger_files import rows_for, write_xlsx
from tests.ledger_history import LedgerChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(tree):
    """0101: 张三 (户主), 马丽 (配偶), 张小 (子女); 0102: 李四 (户主); 0103, nobody yet."""
    home = HouseholdFactory(grid=tree.grid, number="0101")
    tree.head = ResidentFactory(household=home, name="张三", relation=Relation.HEAD)
    tree.spouse = ResidentFactory(household=home, name="马丽", relation=Relation.SPOUSE)
    tree.child = ResidentFactory(household=home, name="张小", relation=Relation.CHILD)
    tree.home = home
    tree.next_door = HouseholdFactory(grid=tree.grid, number="0102")
    tree.neighbour = ResidentFactory(household=tree.next_door, name="李四", relation=Relation.HEAD)
    tree.empty = HouseholdFactory(grid=tree.grid, number="0103")
    return tree


def heads(household) -> list[str]:
    return list(household.residents.active().filter(relation=Relation.HEAD).values_list("name", flat=True))


def test_adding_a_second_head_is_refused_and_names_the_present_one(family, staff_user):
    with pytest.raises(ValidationError) as err:
        actions.resident_create(
            by=staff_user,
            household=family.home,
            name="张四",
            relation=Relation.HEAD,
            id_number=make_id_number(birth_date=dt.date(2001, 2, 3), serial=41),
            ethnicity=ethnicity("汉族"),
        )
    assert "张三" in err.value.message_dict["relation"][0]
    assert not Resident.objects.filter(name="张四").exists()


def test_editing_a_member_into_a_second_head_is_refused(family, staff_user):
    with pytest.raises(ValidationError):
        actions.resident_update(by=staff_user, resident=family.child, relation=Relation.HEAD)
    family.child.refresh_from_db()
    assert family.child.relation == Relation.CHILD
    assert heads(family.home) == ["张三"]


def test_the_head_is_not_edited_away_but_handed_over(family, staff_user):
    with pytest.raises(ValidationError) as err:
        actions.resident_update(by=staff_user, resident=family.head, relation=Relation.PARENT)
    assert "更换户主" in err.value.message_dict["relation"][0]
    assert heads(family.home) == ["张三"]


def test_a_household_without_a_head_may_be_given_one_by_an_edit(family, staff_user):
    lone = ResidentFactory(household=family.empty, name="王五", relation=Relation.OTHER_RELATIVE)
    actions.resident_update(by=staff_user, resident=lone, relation=Relation.HEAD)
    assert heads(family.empty) == ["王五"]


def test_moving_a_head_into_a_household_with_one_is_refused(family, staff_user):
    with pytest.raises(ValidationError):
        actions.resident_move(
            by=staff_user, resident=family.neighbour, to_household=family.home, relation=Relation.HEAD
        )
    family.neighbour.refresh_from_db()
    assert family.neighbour.household == family.next_door


def test_a_head_moving_away_names_who_takes_over(family, staff_user):
    with pytest.raises(ValidationError) as err:
        actions.resident_move(by=staff_user, resident=family.head, to_household=family.empty)
    assert "new_head" in err.value.message_dict
    family.head.refresh_from_db()
    assert family.head.household == family.home

    actions.resident_move(
        by=staff_user, resident=family.head, to_household=family.empty, new_head=family.spouse
    )
    assert heads(family.home) == ["马丽"]
    assert heads(family.empty) == ["张三"]  # the head of an empty household stays 户主 there
    promoted = LedgerChange.objects.filter(resident=family.spouse).latest("pk")
    assert promoted.changes == {"relation": ["spouse", "head"]}


def test_the_head_leaving_without_a_successor_changes_nothing(family, staff_user):
    with pytest.raises(ValidationError) as err:
        actions.resident_leave(
            by=staff_user, resident=family.head, status=LedgerStatus.DECEASED, on=dt.date(2025, 3, 1)
        )
    assert "new_head" in err.value.message_dict
    family.head.refresh_from_db()
    assert family.head.is_active
    assert not LedgerChange.objects.filter(resident=family.head, action="death").exists()


def test_the_successor_must_be_a_member_on_the_ledger(family, staff_user):
    with pytest.raises(ValidationError):
        actions.resident_leave(
            by=staff_user,
            resident=family.head,
            status=LedgerStatus.DECEASED,
            on=dt.date(2025, 3, 1),
            new_head=family.neighbour,
        )
    assert heads(family.home) == ["张三"] and heads(family.next_door) == ["李四"]


def test_the_head_dying_hands_the_household_to_the_successor(family, staff_user):
    actions.resident_leave(
        by=staff_user,
        resident=family.head,
        status=LedgerStatus.DECEASED,
        on=dt.date(2025, 3, 1),
        reason="病故",
        new_head=family.spouse,
    )
    assert heads(family.home) == ["马丽"]
    family.head.refresh_from_db()
    assert (family.head.status, family.head.leaving_reason) == (LedgerStatus.DECEASED, "病故")


def test_the_last_member_leaving_needs_no_successor(family, staff_user):
    actions.resident_leave(
        by=staff_user,
        resident=family.neighbour,
        status=LedgerStatus.MOVED_OUT,
        departure="other_city",
        on=dt.date(2025, 3, 1),
    )
    family.next_door.refresh_from_db()
    assert family.next_door.closed_on == dt.date(2025, 3, 1)


def test_returning_as_head_into_a_household_with_one_is_refused(family, staff_user):
    actions.resident_leave(
        by=staff_user,
        resident=family.child,
        status=LedgerStatus.MOVED_OUT,
        departure="other_city",
        on=dt.date(2025, 3, 1),
    )
    with pytest.raises(ValidationError) as err:
        actions.resident_return(
            by=staff_user,
            resident=family.child,
            household=family.next_door,
            relation=Relation.HEAD,
            returned_on=dt.date(2025, 5, 1),
        )
    assert "李四" in err.value.message_dict["relation"][0]
    family.child.refresh_from_db()
    assert family.child.status == LedgerStatus.MOVED_OUT


def test_changing_the_head_steps_the_present_one_down_first(family, staff_user):
    actions.household_change_head(
        by=staff_user, household=family.home, new_head=family.child, former_head_relation=Relation.PARENT
    )
    family.head.refresh_from_db()
    assert heads(family.home) == ["张小"] and family.head.relation == Relation.PARENT
    assert LedgerChange.objects.filter(household=family.home, action="update").count() == 2


def test_changing_the_head_asks_how_the_present_one_is_related(family, staff_user):
    with pytest.raises(ValidationError) as err:
        actions.household_change_head(by=staff_user, household=family.home, new_head=family.child)
    assert "former_head_relation" in err.value.message_dict
    assert heads(family.home) == ["张三"]


def test_the_database_refuses_a_second_head_whatever_the_path(family):
    family.child.relation = Relation.HEAD
    with pytest.raises(IntegrityError), transaction.atomic():
        family.child.save()


# --- pages ---------------------------------------------------------------------------------


def test_the_leave_page_asks_who_becomes_head_only_for_the_head(client, family, staff_user):
    client.force_login(staff_user)
    page = client.get(reverse("residents:resident_leave", args=[family.head.pk]))
    choices = [label for _, label in page.context["form"].fields["new_head"].choices][1:]
    assert [c.split("（")[0] for c in choices] == ["马丽", "张小"]  # 配偶 first
    page = client.get(reverse("residents:resident_leave", args=[family.child.pk]))
    assert "new_head" not in page.context["form"].fields


def test_the_leave_page_refuses_a_head_leaving_without_a_successor(client, family, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("residents:resident_leave", args=[family.head.pk]),
        {"status": "moved_out", "on": "2025-03-01", "departure": "other_city"},
    )
    assert response.status_code == 200
    assert "请指定由谁担任新的户主" in response.context["form"].errors["new_head"][0]
    family.head.refresh_from_db()
    assert family.head.is_active


def test_the_member_form_shows_why_a_second_head_is_refused(client, family, staff_user):
    client.force_login(staff_user)
    data = {
        "relation": "head",
        "name": "张四",
        "id_number": make_id_number(birth_date=dt.date(2001, 2, 3), serial=41),
        "ethnicity": ethnicity("汉族").pk,
        "residence_status": "registered_present",
        "political_status": "masses",
    }
    response = client.post(reverse("residents:resident_create", args=[family.home.pk]), data)
    assert response.status_code == 200
    assert "该户已有户主（张三）" in response.content.decode()
    assert not Resident.objects.filter(name="张四").exists()


def test_the_change_head_page_hands_over(client, family, staff_user):
    client.force_login(staff_user)
    url = reverse("residents:household_change_head", args=[family.home.pk])
    assert (
        "更换户主"
        in client.get(reverse("residents:household_detail", args=[family.home.pk])).content.decode()
    )
    response = client.post(url, {"new_head": family.spouse.pk, "former_head_relation": "spouse"})
    assert response.status_code == 302
    assert heads(family.home) == ["马丽"]


def test_the_change_head_page_is_refused_to_read_only_roles(client, family, leader):
    client.force_login(leader)
    response = client.post(
        reverse("residents:household_change_head", args=[family.home.pk]),
        {"new_head": family.spouse.pk, "former_head_relation": "spouse"},
    )
    assert response.status_code == 403
    assert heads(family.home) == ["张三"]


# --- the import ----------------------------------------------------------------------------


def _import(tree, tmp_path, rows, user, name="台账.xlsx"):
    with write_xlsx(tmp_path / name, rows).open("rb") as fh:
        ledger_import = ledger_import_create(community=tree.community, file=fh, file_name=name, user=user)
    return ledger_import


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_file_naming_two_heads_of_one_household_is_an_error(tree, admin_user, tmp_path, media):
    rows = rows_for(households=1, members=2)
    rows[1][9] = "户主"
    ledger_import = _import(tree, tmp_path, rows, admin_user)
    ledger_import_preview(ledger_import=ledger_import)
    error = LedgerImportRow.objects.get(outcome=RowOutcome.ERROR)
    assert error.row_number == 3
    assert error.errors[0]["column"] == "与户主关系"
    assert "第2行" in error.errors[0]["message"]
    ledger_import = ledger_import_commit(import_id=ledger_import.pk)
    assert ledger_import.status == ImportStatus.FAILED
    assert not Resident.objects.exists()


def test_a_file_naming_a_head_beside_the_ledgers_is_an_error(tree, admin_user, tmp_path, media):
    rows = rows_for(households=1, members=1)
    ledger_import_commit(import_id=_import(tree, tmp_path, rows, admin_user, "一月.xlsx").pk)
    newcomer = rows_for(households=1, members=2)[1]
    newcomer[7], newcomer[9] = "新户主", "户主"
    ledger_import = ledger_import_commit(
        import_id=_import(tree, tmp_path, [*rows, newcomer], admin_user, "二月.xlsx").pk
    )
    assert ledger_import.status == ImportStatus.FAILED
    error = LedgerImportRow.objects.get(ledger_import=ledger_import, outcome=RowOutcome.ERROR)
    assert "已有户主" in error.errors[0]["message"]
    assert not Resident.objects.filter(name="新户主").exists()


def test_reimporting_the_same_head_is_unchanged(tree, admin_user, tmp_path, media):
    rows = rows_for(households=2, members=2)
    ledger_import_commit(import_id=_import(tree, tmp_path, rows, admin_user, "一月.xlsx").pk)
    again = ledger_import_commit(import_id=_import(tree, tmp_path, rows, admin_user, "二月.xlsx").pk)
    assert again.error_count == 0
    assert again.status in {ImportStatus.DONE, ImportStatus.NOTHING}
