"""Selects narrowed by the one above them (core.widgets.NarrowedSelect, static/js/narrow.js):
each option names its parent, the options are only what the form accepts in scope, and the
server still refuses a combination that does not fit."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.urls import reverse

from core.widgets import NarrowedSelect, narrow
from grid.models import Building, OrgUnit, Unit
from residents.models import Household
from tests.factories import BuildingFactory, UnitFactory

OPTION = re.compile(r'<option value="(\d+)"[^>]*?data-narrow-parent="(\d*)"[^>]*>([^<]*)</option>')


def options(body: str, name: str) -> list[tuple[int, int, str]]:
    """(pk, parent pk, label) of the select ``name``'s options, in their order."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', body, re.S)
    assert select, name
    return [(int(pk), int(parent), label) for pk, parent, label in OPTION.findall(select.group(1))]


@pytest.fixture
def grid2_buildings(tree):
    b3 = BuildingFactory(grid=tree.grid2, number="3号楼")
    # Created out of order: the page lists them by position (2单元 before 10单元).
    u10 = UnitFactory(building=b3, number="10单元")
    u2 = UnitFactory(building=b3, number="2单元")
    return b3, u2, u10


def test_the_household_form_names_each_options_parent(client, tree, staff_user, grid2_buildings):
    b3, u2, u10 = grid2_buildings
    client.force_login(staff_user)
    body = client.get(reverse("residents:household_create")).content.decode()
    assert 'name="building" class="narrowedselect form-select" id="id_building" data-narrow-by="grid"' in body
    assert 'data-narrow-by="building"' in body
    assert "js/narrow.js" in body
    assert {(pk, parent) for pk, parent, _ in options(body, "building")} == {
        (tree.building.pk, tree.grid.pk),
        (b3.pk, tree.grid2.pk),
    }
    units = [(pk, parent) for pk, parent, _ in options(body, "unit")]
    assert (tree.unit.pk, tree.building.pk) in units
    # Units of one building in the building's own order.
    mine = [pk for pk, parent in units if parent == b3.pk]
    assert mine == [u2.pk, u10.pk]


def test_options_outside_scope_are_never_on_the_page(client, tree, grid_worker, grid2_buildings):
    """No endpoint to ask: the options are the form's scoped querysets, so a grid worker's page
    holds their own grid's buildings and units and nothing of the next grid or community."""
    b3, u2, u10 = grid2_buildings
    client.force_login(grid_worker)
    body = client.get(reverse("residents:household_create")).content.decode()
    assert [pk for pk, _, _ in options(body, "building")] == [tree.building.pk]
    assert [pk for pk, _, _ in options(body, "unit")] == [tree.unit.pk]
    assert f'data-narrow-parent="{tree.grid2.pk}"' not in body
    assert f'data-narrow-parent="{b3.pk}"' not in body
    assert f'data-narrow-parent="{tree.other_building.pk}"' not in body


def test_a_building_of_another_grid_is_still_refused_and_nothing_is_written(
    client, tree, staff_user, grid2_buildings
):
    b3, u2, _ = grid2_buildings
    client.force_login(staff_user)
    response = client.post(
        reverse("residents:household_create"),
        {"grid": tree.grid.pk, "building": b3.pk, "unit": u2.pk, "number": "9901", "kind": "registered"},
    )
    assert response.status_code == 200
    assert "building" in response.context["form"].errors
    assert not Household.objects.filter(number="9901").exists()


def test_a_unit_of_another_building_is_still_refused(client, tree, staff_user, grid2_buildings):
    b3, u2, _ = grid2_buildings
    client.force_login(staff_user)
    response = client.post(
        reverse("residents:household_create"),
        {
            "grid": tree.grid2.pk,
            "building": b3.pk,
            "unit": tree.unit.pk,
            "number": "9902",
            "kind": "registered",
        },
    )
    assert "unit" in response.context["form"].errors
    assert not Household.objects.filter(number="9902").exists()


def test_a_narrowed_combination_is_saved(client, tree, staff_user, grid2_buildings):
    b3, u2, _ = grid2_buildings
    client.force_login(staff_user)
    response = client.post(
        reverse("residents:household_create"),
        {"grid": tree.grid2.pk, "building": b3.pk, "unit": u2.pk, "number": "9903", "kind": "registered"},
    )
    assert response.status_code == 302
    household = Household.objects.get(number="9903")
    assert (household.grid, household.building, household.unit) == (tree.grid2, b3, u2)


# --- on any form, a filter form among them -------------------------------------------


class FilterForm(forms.Form):
    grid = forms.ModelChoiceField(queryset=OrgUnit.objects.grids(), required=False)
    building = forms.ModelChoiceField(
        queryset=Building.objects.all(), required=False, widget=NarrowedSelect(narrow_by="grid")
    )
    unit = forms.ModelChoiceField(queryset=Unit.objects.all(), required=False)


def test_a_declared_field_or_an_existing_one_can_be_narrowed_with_a_form_prefix(tree):
    form = FilterForm(prefix="f")
    narrow(form.fields["unit"], by="building")
    html = str(form["building"]) + str(form["unit"])
    assert 'name="f-building"' in html and 'data-narrow-by="grid"' in html
    assert f'data-narrow-parent="{tree.grid.pk}"' in html
    assert 'name="f-unit"' in html and 'data-narrow-by="building"' in html
    assert f'value="{tree.unit.pk}" data-narrow-parent="{tree.building.pk}"' in html
    assert "js/narrow.js" in str(form.media)
    # The field still validates against its queryset.
    assert FilterForm({"building": tree.building.pk}).is_valid()
    assert not FilterForm({"building": 999999}).is_valid()


def test_the_list_filters_offer_buildings_narrowed_by_grid_in_scope(client, tree, grid2_buildings, persona):
    from grid.models import Role

    client.force_login(persona(Role.STAFF))
    body = client.get(reverse("residents:household_list")).content.decode()
    assert 'data-narrow-by="grid"' in body and "js/narrow.js" in body
    offered = options(body, "building")
    assert {pk for pk, _, _ in offered} == set(
        Building.objects.filter(grid__in=[tree.grid, tree.grid2]).values_list("pk", flat=True)
    )
    assert all(parent == Building.objects.get(pk=pk).grid_id for pk, parent, _ in offered)
    assert tree.other_building.pk not in {pk for pk, _, _ in offered}  # another street's
