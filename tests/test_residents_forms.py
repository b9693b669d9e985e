import datetime as dt

import pytest

from grid.models import Role
from residents.forms import OUT_OF_SCOPE_DUPLICATE, HouseholdForm, MoveForm, ResidentForm
from residents.models import Resident
from tests.factories import BuildingFactory, make_person
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity, make_id_number

pytestmark = pytest.mark.django_db


def resident_data(**overrides):
    data = {
        "relation": "child",
        "name": "马小芳",
        "id_number": make_id_number(birth_date=dt.date(1990, 5, 17), gender="2", serial=7),
        "ethnicity": ethnicity("回族").pk,
        "residence_status": "registered_present",
        "political_status": "masses",
    }
    return data | overrides


def resident_form(user, household, **overrides):
    return ResidentForm(resident_data(**overrides), instance=Resident(household=household), user=user)


def test_a_full_width_lower_case_id_number_is_normalised(tree, staff_user):
    household = HouseholdFactory(grid=tree.grid)
    number = make_id_number(birth_date=dt.date(1949, 12, 31), gender="2", serial=1)
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in number.lower())
    form = resident_form(staff_user, household, id_number=full_width)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["id_number"] == number


def test_a_15_digit_number_becomes_18_and_gives_gender_and_birth_date(tree, staff_user):
    form = resident_form(staff_user, HouseholdFactory(grid=tree.grid), id_number="110105491231002")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["id_number"] == "11010519491231002X"
    assert form.cleaned_data["gender"] == "2"
    assert form.cleaned_data["birth_date"] == dt.date(1949, 12, 31)


def test_a_wrong_check_digit_is_refused_in_chinese(tree, staff_user):
    number = make_id_number(serial=2)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    form = resident_form(staff_user, HouseholdFactory(grid=tree.grid), id_number=wrong)
    assert not form.is_valid()
    assert "校验位" in form.errors["id_number"][0]


def test_a_gender_contradicting_the_number_is_an_error(tree, staff_user):
    form = resident_form(staff_user, HouseholdFactory(grid=tree.grid), gender="1")
    assert not form.is_valid()
    assert form.errors["gender"] == ["性别与身份证号不符：身份证号显示为女。"]


def test_a_birth_date_contradicting_the_number_is_an_error(tree, staff_user):
    form = resident_form(staff_user, HouseholdFactory(grid=tree.grid), birth_date="1990-05-18")
    assert not form.is_valid()
    assert "出生日期与身份证号不符" in form.errors["birth_date"][0]
    assert "1990-05-17" in form.errors["birth_date"][0]


def test_matching_gender_and_birth_date_are_accepted(tree, staff_user):
    form = resident_form(staff_user, HouseholdFactory(grid=tree.grid), gender="2", birth_date="1990-05-17")
    assert form.is_valid(), form.errors


def test_a_duplicate_in_scope_says_where_the_existing_record_is(tree, staff_user):
    household = HouseholdFactory(grid=tree.grid2, number="0808")
    existing = ResidentFactory(household=household, name="马建国")
    form = resident_form(staff_user, HouseholdFactory(grid=tree.grid), id_number=existing.id_number)
    assert not form.is_valid()
    message = form.errors["id_number"][0]
    assert "变电所社区" in message and "二网格" in message and "0808" in message and "马建国" in message


def test_a_duplicate_out_of_scope_says_only_that_it_exists(tree, grid_worker):
    # The grid worker works in 一网格; the existing record is in 二网格 of the same community.
    existing = ResidentFactory(household=HouseholdFactory(grid=tree.grid2, number="0808"), name="马建国")
    form = resident_form(grid_worker, HouseholdFactory(grid=tree.grid), id_number=existing.id_number)
    assert not form.is_valid()
    assert form.errors["id_number"] == [OUT_OF_SCOPE_DUPLICATE]
    assert "马建国" not in str(form.errors)


def test_editing_a_resident_does_not_clash_with_their_own_number(tree, staff_user):
    resident = ResidentFactory(household=HouseholdFactory(grid=tree.grid))
    data = resident_data(id_number=resident.id_number, ethnicity=resident.ethnicity.pk, name=resident.name)
    form = ResidentForm(data, instance=resident, user=staff_user)
    assert form.is_valid(), form.errors


def test_household_choices_are_limited_to_the_users_scope(tree, grid_worker):
    form = HouseholdForm(user=grid_worker)
    assert list(form.fields["grid"].queryset) == [tree.grid]
    assert list(form.fields["building"].queryset) == [tree.building]
    assert list(form.fields["unit"].queryset) == [tree.unit]
    assert form.fields["grid"].initial == tree.grid.pk


def test_household_form_refuses_a_grid_outside_scope(tree, grid_worker):
    form = HouseholdForm({"grid": tree.grid2.pk, "number": "1", "kind": "registered"}, user=grid_worker)
    assert not form.is_valid()
    assert "grid" in form.errors


def test_household_form_refuses_a_building_of_another_grid(tree, staff_user):
    form = HouseholdForm(
        {"grid": tree.grid2.pk, "building": tree.building.pk, "number": "1", "kind": "registered"},
        user=staff_user,
    )
    assert not form.is_valid()
    assert "不属于二网格" in form.errors["building"][0]


def test_household_form_refuses_a_number_already_used_in_the_community(tree, staff_user):
    HouseholdFactory(grid=tree.grid2, number="0101")
    form = HouseholdForm({"grid": tree.grid.pk, "number": "0101", "kind": "registered"}, user=staff_user)
    assert not form.is_valid()
    assert "户号不能重复" in form.errors["number"][0]


def test_move_form_finds_the_target_by_number_in_scope_only(tree, grid_worker):
    resident = ResidentFactory(household=HouseholdFactory(grid=tree.grid))
    target = HouseholdFactory(grid=tree.grid, number="2020")
    HouseholdFactory(grid=tree.grid2, number="3030")
    form = MoveForm({"number": "2020", "relation": "child"}, user=grid_worker, resident=resident)
    assert form.is_valid(), form.errors
    assert form.target == target
    out_of_scope = MoveForm({"number": "3030", "relation": "child"}, user=grid_worker, resident=resident)
    assert not out_of_scope.is_valid()
    assert "找不到" in out_of_scope.errors["__all__"][0]


def test_move_form_asks_for_the_community_when_the_number_is_ambiguous(tree, admin_user):
    resident = ResidentFactory(household=HouseholdFactory(grid=tree.grid))
    HouseholdFactory(grid=tree.grid2, number="4040")
    other = HouseholdFactory(grid=tree.other_grid, number="4040")
    form = MoveForm(
        {"number": "4040", "community": tree.other_community.pk, "relation": "child"},
        user=admin_user,
        resident=resident,
    )
    assert form.is_valid(), form.errors
    assert form.target == other
    ambiguous = MoveForm({"number": "4040", "relation": "child"}, user=admin_user, resident=resident)
    assert not ambiguous.is_valid()


def test_a_new_building_in_another_grid_is_not_offered_to_a_grid_worker(tree):
    BuildingFactory(grid=tree.grid2, number="5号楼")
    worker = make_person(role=Role.GRID_WORKER, unit=tree.grid)
    assert "5号楼" not in [b.number for b in HouseholdForm(user=worker).fields["building"].queryset]
