"""楼栋长, 单元长 and place heads are searched for with the resident picker (found through the
core registry, so grid imports no app above it); the forms still accept only residents of
the building or grid in the user's scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core import registry
from grid.models import Building, Place, Unit
from tests.factories_residents import HouseholdFactory, ResidentFactory

PICKER = reverse("residents:resident_picker")
BUILDING = {"number": "1号楼", "address": "幸福路1号", "head_name": "", "head_phone": ""}


@pytest.fixture
def ledger(tree):
    home = HouseholdFactory(grid=tree.grid, building=tree.building, unit=tree.unit, room="302")
    return {
        "in_building": ResidentFactory(household=home, name="马建华"),
        "in_grid": ResidentFactory(household=HouseholdFactory(grid=tree.grid, room="101"), name="李秀梅"),
        "in_grid2": ResidentFactory(household=HouseholdFactory(grid=tree.grid2), name="王芳"),
        "other_street": ResidentFactory(household=HouseholdFactory(grid=tree.other_grid), name="张海州"),
    }


def snapshot():
    return {
        "buildings": list(
            Building.objects.order_by("pk").values_list("pk", "number", "head_id", "head_name")
        ),
        "units": list(Unit.objects.order_by("pk").values_list("pk", "number", "head_id", "head_name")),
        "places": list(Place.objects.order_by("pk").values_list("pk", "name", "head_id", "head_name")),
    }


def test_the_building_form_searches_this_buildings_residents_adults_first(client, tree, staff_user, ledger):
    client.force_login(staff_user)
    response = client.get(reverse("grid:building_edit", args=[tree.building.pk]))
    body = response.content.decode()
    assert f'hx-post="{PICKER}"' in body
    params = response.context["form"].fields["head"].widget.params
    assert params == {"building": tree.building.pk, "adults": "first"}
    # The whole ledger is not sent along as a list of options.
    assert '<select name="head"' not in body
    assert "马建华" not in body
    assert "js/picker.js" in body


def test_beside_the_picker_the_typed_name_says_what_it_is_for(client, tree, staff_user, ledger):
    client.force_login(staff_user)
    form = client.get(reverse("grid:building_unit_create", args=[tree.building.pk])).context["form"]
    assert form.fields["head"].label == "单元长（居民）"
    assert form.fields["head_name"].label == "单元长姓名（不在台账上时填写）"


def test_the_present_head_is_shown_as_chosen(client, tree, staff_user, ledger):
    tree.building.head = ledger["in_building"]
    tree.building.save()
    client.force_login(staff_user)
    body = client.get(reverse("grid:building_edit", args=[tree.building.pk])).content.decode()
    assert f'name="head" id="id_head_value" value="{ledger["in_building"].pk}"' in body
    assert "马建华（302）" in body


def test_a_building_head_picked_in_scope_is_saved(client, tree, staff_user, ledger):
    client.force_login(staff_user)
    response = client.post(
        reverse("grid:building_edit", args=[tree.building.pk]), {**BUILDING, "head": ledger["in_building"].pk}
    )
    assert response.status_code == 302
    tree.building.refresh_from_db()
    assert tree.building.head == ledger["in_building"]


@pytest.mark.parametrize("who", ["other_street", "in_grid"])
def test_a_tampered_building_head_is_a_form_error_and_nothing_is_written(
    client, tree, staff_user, ledger, who
):
    """Outside scope, or in scope but not living in the building: refused alike."""
    before = snapshot()
    client.force_login(staff_user)
    response = client.post(
        reverse("grid:building_edit", args=[tree.building.pk]),
        {**BUILDING, "number": "1号楼改", "head": ledger[who].pk},
    )
    assert response.status_code == 200
    assert "head" in response.context["form"].errors
    # The refused id is not echoed back as if chosen.
    assert ledger[who].name not in response.content.decode()
    assert snapshot() == before


def test_a_unit_head_is_picked_for_a_new_unit(client, tree, staff_user, ledger):
    client.force_login(staff_user)
    url = reverse("grid:building_unit_create", args=[tree.building.pk])
    assert client.get(url).context["form"].fields["head"].widget.params == {
        "building": tree.building.pk,
        "adults": "first",
    }
    response = client.post(url, {"number": "2单元", "head": ledger["in_building"].pk, "head_name": ""})
    assert response.status_code == 302
    assert Unit.objects.get(building=tree.building, number="2单元").head == ledger["in_building"]


def test_a_tampered_unit_head_writes_no_unit(client, tree, staff_user, ledger):
    before = snapshot()
    client.force_login(staff_user)
    response = client.post(
        reverse("grid:building_unit_create", args=[tree.building.pk]),
        {"number": "2单元", "head": ledger["other_street"].pk},
    )
    assert "head" in response.context["form"].errors
    assert snapshot() == before


def test_a_place_head_is_searched_in_the_places_grid(client, tree, staff_user, ledger):
    client.force_login(staff_user)
    url = reverse("grid:place_edit", args=[tree.place.pk])
    assert client.get(url).context["form"].fields["head"].widget.params == {
        "grid": tree.grid.pk,
        "adults": "first",
    }
    data = {"kind": tree.place.kind, "name": tree.place.name, "address": "", "head_name": "", "note": ""}
    before = snapshot()
    # 王芳 is in the user's scope but lives in 二网格: not a head for a place of 一网格.
    response = client.post(url, {**data, "head": ledger["in_grid2"].pk})
    assert "head" in response.context["form"].errors
    assert snapshot() == before
    assert client.post(url, {**data, "head": ledger["in_grid"].pk}).status_code == 302
    tree.place.refresh_from_db()
    assert tree.place.head == ledger["in_grid"]


def test_what_the_picker_offers_for_a_building_is_what_the_form_accepts(client, tree, staff_user, ledger):
    client.force_login(staff_user)
    offered = {
        r["pk"]
        for name in ("马建华", "李秀梅", "王芳", "张海州")
        for r in client.post(PICKER, {"q": name, "building": tree.building.pk}).context["results"]
    }
    assert offered == {ledger["in_building"].pk}


def test_without_a_registered_picker_the_head_is_a_plain_select(
    client, tree, staff_user, ledger, monkeypatch
):
    monkeypatch.setattr(registry, "_pickers", {})
    client.force_login(staff_user)
    body = client.get(reverse("grid:building_edit", args=[tree.building.pk])).content.decode()
    assert '<select name="head"' in body
    assert "马建华（302）" in body
