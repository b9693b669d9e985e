import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from residents import actions
from residents.models import (
    ChangeAction,
    FloatingRegistration,
    Household,
    LedgerStatus,
    Relation,
    ResidenceStatus,
    Resident,
)
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity, make_id_number
from tests.ledger_history import LedgerChange

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1990, 5, 17)


def _member_fields(**overrides):
    fields = {
        "name": "马小芳",
        "relation": Relation.CHILD,
        "id_number": make_id_number(birth_date=BIRTH, gender="2", serial=7),
        "ethnicity": ethnicity("回族"),
        "phone": "13712345678",
    }
    return fields | overrides


def test_household_create_files_it_under_the_grids_community_and_records_who(tree, staff_user):
    household = actions.household_create(
        by=staff_user, grid=tree.grid, number="0101", building=tree.building, unit=tree.unit, room="301"
    )
    assert household.community == tree.community
    change = LedgerChange.objects.get(household=household)
    assert change.action == ChangeAction.CREATE
    assert change.user == staff_user
    assert change.changes["number"] == ["", "0101"]
    assert change.changes["building"] == ["", str(tree.building.pk)]


def test_household_create_refuses_a_building_of_another_grid(tree, staff_user):
    with pytest.raises(ValidationError) as err:
        actions.household_create(by=staff_user, grid=tree.grid2, number="0102", building=tree.building)
    assert "building" in err.value.message_dict
    assert not Household.objects.exists()


def test_household_create_refuses_a_number_taken_in_the_community(tree, staff_user):
    HouseholdFactory(grid=tree.grid, number="0101")
    with pytest.raises(ValidationError):
        actions.household_create(by=staff_user, grid=tree.grid2, number="0101")
    # Another community may use the same number.
    actions.household_create(by=staff_user, grid=tree.other_grid, number="0101")


def test_household_update_records_only_changed_fields(tree, grid_worker):
    household = HouseholdFactory(grid=tree.grid, phone="13812345678", is_dibao=False)
    actions.household_update(
        by=grid_worker, household=household, phone="13900001111", is_dibao=True, room=household.room
    )
    change = LedgerChange.objects.get(household=household, action=ChangeAction.UPDATE)
    assert change.changes == {"phone": ["13812345678", "13900001111"], "is_dibao": ["否", "是"]}
    assert change.user == grid_worker


def test_household_update_without_changes_writes_no_history(tree, staff_user):
    household = HouseholdFactory(grid=tree.grid)
    actions.household_update(by=staff_user, household=household, number=household.number)
    assert not LedgerChange.objects.filter(household=household).exists()


def test_moving_a_household_to_a_grid_of_another_community_moves_its_community(tree, admin_user):
    household = HouseholdFactory(grid=tree.grid)
    actions.household_update(by=admin_user, household=household, grid=tree.other_grid)
    household.refresh_from_db()
    assert household.community == tree.other_community


def test_resident_create_derives_gender_and_birth_date_from_the_id_number(tree, staff_user):
    household = HouseholdFactory(grid=tree.grid)
    resident = actions.resident_create(by=staff_user, household=household, **_member_fields())
    assert resident.gender == "2"
    assert resident.birth_date == BIRTH
    change = LedgerChange.objects.get(resident=resident)
    assert change.action == ChangeAction.CREATE
    assert change.parent_id == household.pk
    assert change.changes["name"] == ["", "马小芳"]


def test_resident_create_normalises_a_lower_case_x_and_a_15_digit_number(tree, staff_user):
    household = HouseholdFactory(grid=tree.grid)
    resident = actions.resident_create(
        by=staff_user, household=household, **_member_fields(id_number="110105491231002")
    )
    assert resident.id_number == "11010519491231002X"


def test_resident_create_refuses_a_gender_contradicting_the_id_number(tree, staff_user):
    household = HouseholdFactory(grid=tree.grid)
    with pytest.raises(ValidationError) as err:
        actions.resident_create(by=staff_user, household=household, **_member_fields(gender="1"))
    assert "性别与身份证号不符" in err.value.message_dict["gender"][0]
    assert not Resident.objects.exists()


def test_a_floating_resident_gets_a_registration_and_the_floating_status(tree, grid_worker):
    household = HouseholdFactory(grid=tree.grid, kind="rental")
    resident = actions.resident_create(
        by=grid_worker,
        household=household,
        floating={"arrived_on": dt.date(2024, 3, 1), "origin": "青海省西宁市", "occupation": "business"},
        **_member_fields(),
    )
    assert resident.residence_status == ResidenceStatus.FLOATING
    registration = FloatingRegistration.objects.get(resident=resident)
    assert registration.origin == "青海省西宁市"
    change = LedgerChange.objects.get(resident=resident)
    assert change.changes["floating_registration.origin"] == ["", "青海省西宁市"]


def test_resident_update_records_the_diff_and_rereads_the_id(tree, staff_user):
    resident = ResidentFactory(household=HouseholdFactory(grid=tree.grid), name="张三")
    new_id = make_id_number(birth_date=dt.date(1970, 1, 2), gender="1", serial=3)
    actions.resident_update(by=staff_user, resident=resident, name="张叁", id_number=new_id.lower())
    resident.refresh_from_db()
    assert (resident.name, resident.id_number, resident.birth_date) == ("张叁", new_id, dt.date(1970, 1, 2))
    change = LedgerChange.objects.get(resident=resident, action=ChangeAction.UPDATE)
    assert change.changes["name"] == ["张三", "张叁"]
    assert change.changes["id_number"][1] == new_id


def test_resident_move_writes_history_on_both_households_and_closes_the_empty_one(tree, staff_user):
    source = HouseholdFactory(grid=tree.grid)
    target = HouseholdFactory(grid=tree.grid2)
    resident = ResidentFactory(household=source)
    actions.resident_move(by=staff_user, resident=resident, to_household=target)
    resident.refresh_from_db()
    assert resident.household == target
    moves = LedgerChange.objects.filter(resident=resident, action=ChangeAction.MOVE)
    assert {c.parent_id for c in moves} == {source.pk, target.pk}
    assert all(c.changes == {"household": [str(source.pk), str(target.pk)]} for c in moves)
    source.refresh_from_db()
    assert source.closed_on == timezone.localdate()


def test_resident_leave_marks_the_status_and_closes_the_household_when_nobody_is_left(tree, staff_user):
    household = HouseholdFactory(grid=tree.grid)
    first = ResidentFactory(household=household)
    second = ResidentFactory(household=household)
    actions.resident_leave(
        by=staff_user,
        resident=first,
        status=LedgerStatus.MOVED_OUT,
        departure="within_district",
        on=dt.date(2025, 1, 10),
        new_head=second,
    )
    household.refresh_from_db()
    assert household.closed_on is None
    actions.resident_leave(
        by=staff_user, resident=second, status=LedgerStatus.DECEASED, on=dt.date(2025, 2, 1)
    )
    household.refresh_from_db()
    assert household.closed_on == dt.date(2025, 2, 1)
    first.refresh_from_db()
    assert (first.status, first.status_date) == (LedgerStatus.MOVED_OUT, dt.date(2025, 1, 10))
    assert LedgerChange.objects.filter(resident=second).latest("pk").action == ChangeAction.DEATH
    assert Resident.objects.count() == 2  # nobody is deleted


def test_recording_the_same_leaving_twice_is_harmless(tree, staff_user):
    resident = ResidentFactory(household=HouseholdFactory(grid=tree.grid))
    for _ in range(2):
        actions.resident_leave(
            by=staff_user,
            resident=resident,
            status=LedgerStatus.MOVED_OUT,
            departure="within_district",
            on=dt.date(2025, 1, 10),
        )
    assert LedgerChange.objects.filter(resident=resident).count() == 1
    assert LedgerChange.objects.filter(household=resident.household, resident=None).count() == 1


def test_a_different_leaving_for_someone_already_gone_is_refused(tree, staff_user):
    resident = ResidentFactory(household=HouseholdFactory(grid=tree.grid))
    actions.resident_leave(
        by=staff_user,
        resident=resident,
        status=LedgerStatus.MOVED_OUT,
        departure="within_district",
        on=dt.date(2025, 1, 10),
    )
    with pytest.raises(ValidationError):
        actions.resident_leave(
            by=staff_user, resident=resident, status=LedgerStatus.DECEASED, on=dt.date(2025, 2, 1)
        )


def test_a_future_leaving_date_is_refused(tree, staff_user):
    resident = ResidentFactory(household=HouseholdFactory(grid=tree.grid))
    with pytest.raises(ValidationError):
        actions.resident_leave(
            by=staff_user,
            resident=resident,
            status=LedgerStatus.MOVED_OUT,
            departure="within_district",
            on=timezone.localdate() + dt.timedelta(days=1),
        )


def test_adding_a_member_to_a_closed_household_reopens_it(tree, staff_user):
    household = HouseholdFactory(grid=tree.grid, closed_on=dt.date(2024, 1, 1))
    actions.resident_create(by=staff_user, household=household, **_member_fields())
    household.refresh_from_db()
    assert household.closed_on is None
    assert LedgerChange.objects.filter(household=household, changes__closed_on=["2024-01-01", ""]).exists()


def test_unknown_fields_are_a_programming_error(tree, staff_user):
    with pytest.raises(TypeError):
        actions.household_create(by=staff_user, grid=tree.grid, number="1", community=tree.community)
