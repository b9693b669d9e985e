"""core.history: how a change is written (as text, filed under a unit, listed under a parent)
and how it is read back (labels, related names in scope, masking by role)."""

from __future__ import annotations

import datetime as dt

import pytest

from core import history
from core.models import Change
from grid.models import Building, Role
from residents.models import ChangeAction, Household, Resident
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity


def test_values_are_kept_as_text():
    assert history.as_text(None) == ""
    assert history.as_text(True) == "是"
    assert history.as_text(dt.date(2026, 1, 2)) == "2026-01-02"
    assert history.diff_values({"a": None, "b": 1}, {"a": "", "b": 2}) == {"b": ["1", "2"]}
    assert history.creation({"a": "", "b": False, "c": "x"}) == {"c": ["", "x"]}


def test_a_change_is_filed_under_its_parents_unit_and_listed_under_the_parent(tree, staff_user):
    household = HouseholdFactory(grid=tree.grid)
    resident = ResidentFactory(household=household)
    change = history.record(
        instance=resident,
        parent=household,
        action=history.UPDATE,
        changes={"name": ["甲", "乙"]},
        by=staff_user,
    )
    assert (change.org_unit_id, change.parent_id, change.user) == (tree.grid.pk, household.pk, staff_user)
    assert list(history.under(household)) == [change]
    assert list(history.of_record(resident)) == [change]
    assert not history.of_record(household).exists()


def test_an_untracked_model_cannot_be_recorded(tree, staff_user):
    from django.contrib.auth.models import Group

    before = Change.objects.count()  # the tree's own creation is in the history
    with pytest.raises(TypeError, match="not tracked"):
        history.record(instance=Group.objects.first(), action="update", changes={}, by=staff_user)
    assert Change.objects.count() == before


def test_entries_show_labels_choices_and_related_names_in_the_models_field_order(tree, staff_user):
    resident = ResidentFactory(household=HouseholdFactory(grid=tree.grid))
    change = history.record(
        instance=resident,
        parent=resident.household,
        action=ChangeAction.MOVE_OUT,
        changes={"status": ["active", "moved_out"], "ethnicity": ["", str(ethnicity("回族").pk)]},
        by=staff_user,
    )
    [entry] = history.entries([change], user=staff_user)
    assert entry.action == "迁出" and entry.who == (staff_user.get_full_name() or staff_user.username)
    fields = [f.verbose_name for f in Resident._meta.fields]
    assert [row.label for row in entry.rows] == sorted(
        (row.label for row in entry.rows), key=lambda label: fields.index(label)
    )
    assert {(row.label, row.new) for row in entry.rows} >= {("民族", "回族"), ("在册状态", "迁出")}


def test_a_related_record_outside_the_readers_scope_is_named_only_as_such(tree, persona):
    here = HouseholdFactory(grid=tree.grid)
    elsewhere = HouseholdFactory(grid=tree.other_grid, number="0901")
    resident = ResidentFactory(household=here)
    change = history.record(
        instance=resident,
        parent=here,
        action=ChangeAction.MOVE,
        changes={"household": [str(elsewhere.pk), str(here.pk)]},
        by=None,
    )
    [row] = history.entries([change], user=persona(Role.STAFF))[0].rows
    assert (row.old, row.new) == (history.OUT_OF_SCOPE, f"户号 {here.number}")
    [row] = history.entries([change], user=persona(Role.ADMIN))[0].rows
    assert row.old == "户号 0901"


def test_personal_fields_are_masked_unless_the_role_may_see_them(tree, persona):
    household = HouseholdFactory(grid=tree.grid)
    change = history.record(
        instance=household, action=history.UPDATE, changes={"phone": ["", "13812345678"]}, by=None
    )
    assert history.entries([change], user=persona(Role.LEADER))[0].rows[0].new == "138****5678"
    assert history.entries([change], user=persona(Role.STAFF))[0].rows[0].new == "13812345678"
    assert history.entries([change], user=persona(Role.STAFF), masked=True)[0].rows[0].new == "138****5678"


def test_the_personal_values_shown_whole_are_counted_for_the_audit(tree, persona):
    household = HouseholdFactory(grid=tree.grid)
    change = history.record(
        instance=household,
        action=history.UPDATE,
        changes={
            "phone": ["", "13812345678"],
            "landlord_phone": ["13700001111", "13700002222"],
            "room": ["1", "2"],
        },
        by=None,
    )
    assert history.whole_values(history.entries([change], user=persona(Role.STAFF))) == 3
    assert history.whole_values(history.entries([change], user=persona(Role.STAFF), masked=True)) == 0
    assert history.whole_values(history.entries([change], user=persona(Role.LEADER))) == 0
    assert history.whole_values(None) == 0


def test_heads_phones_stay_masked_in_the_grids_history_for_everyone(tree, persona):
    change = history.record(
        instance=tree.building, action=history.UPDATE, changes={"head_phone": ["", "13812345678"]}, by=None
    )
    assert history.entries([change], user=persona(Role.ADMIN))[0].rows[0].new == "138****5678"


def test_a_page_shows_no_history_to_a_role_that_may_not_read_it(tree, persona):
    history.record(instance=tree.building, action=history.UPDATE, changes={"address": ["", "x"]}, by=None)
    assert history.page_history(persona(Role.LEADER), tree.building) is None
    assert [e.action for e in history.page_history(persona(Role.STAFF), tree.building)] == ["修改"]


def test_every_tracked_model_names_where_it_is_filed():
    for model in history.tracked_models():
        assert hasattr(model, "scope_path"), model
    assert {Household, Resident, Building} <= set(history.tracked_models())


def test_an_integer_choice_kept_as_text_shows_its_label(tree, staff_user):
    change = history.record(instance=tree.grid, action=history.UPDATE, changes={"level": ["3", "4"]}, by=None)
    [row] = history.entries([change], user=staff_user)[0].rows
    assert (row.old, row.new) == ("社区", "网格")
    assert history.action_label(change) == "修改"
