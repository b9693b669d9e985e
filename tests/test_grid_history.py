"""Edits to the org tree, buildings, units and places go through grid.actions and leave their
change history (core.Change), shown on each record's page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core import history
from core.models import Change
from grid import actions
from grid.models import Building, OrgUnit, Place, Role, Unit

BUILDING = {"number": "2号楼", "address": "幸福路2号", "head_name": "阿依古丽", "head_phone": "13912345678"}


def changes_of(instance) -> list[Change]:
    return list(history.of_record(instance).order_by("pk"))


def test_adding_a_building_on_its_page_records_who_added_what(client, tree, staff_user):
    client.force_login(staff_user)
    client.post(reverse("grid:building_create", args=[tree.grid2.pk]), BUILDING)
    building = Building.objects.get(grid=tree.grid2, number="2号楼")
    [change] = changes_of(building)
    assert (change.action, change.user, change.org_unit_id) == (history.CREATE, staff_user, tree.grid2.pk)
    assert change.changes["number"] == ["", "2号楼"]
    assert change.changes["head_phone"] == ["", "13912345678"]


def test_editing_a_building_records_old_and_new_values_and_the_page_shows_them_masked(
    client, tree, staff_user
):
    client.force_login(staff_user)
    before = tree.building.head_phone
    url = reverse("grid:building_edit", args=[tree.building.pk])
    client.post(url, {**BUILDING, "number": "1号楼", "head_phone": "13811112222"})
    [change] = changes_of(tree.building)
    assert (change.action, change.user) == (history.UPDATE, staff_user)
    assert change.changes["head_phone"] == [before, "13811112222"]
    page = client.get(reverse("grid:building_detail", args=[tree.building.pk])).content.decode()
    assert "变更记录" in page and "138****2222" in page  # the history masked
    # Whole only where staff call the 楼栋长: the tap-to-call link.
    link = '<a href="tel:13811112222" class="text-nowrap" data-testid="head-phone">13811112222</a>'
    assert link in page and "13811112222" not in page.replace(link, "")


def test_an_edit_that_changes_nothing_writes_no_history(tree, staff_user):
    building = tree.building
    actions.building_update(by=staff_user, building=building, number=building.number)
    assert changes_of(building) == []


def test_a_taken_number_is_refused_in_chinese_and_writes_nothing(tree, staff_user):
    Building.objects.create(grid=tree.grid, number="3号楼")
    with pytest.raises(ValidationError) as refused:
        actions.building_update(by=staff_user, building=tree.building, number="3号楼")
    assert refused.value.message_dict["number"] == ["本网格已有楼号为“3号楼”的楼栋，楼号不能重复。"]
    tree.building.refresh_from_db()
    assert tree.building.number == "1号楼"
    assert changes_of(tree.building) == []


def test_a_units_changes_are_listed_on_its_buildings_page(client, tree, staff_user):
    client.force_login(staff_user)
    client.post(reverse("grid:building_unit_create", args=[tree.building.pk]), {"number": "2单元"})
    unit = Unit.objects.get(building=tree.building, number="2单元")
    [change] = changes_of(unit)
    assert (change.parent_id, change.org_unit_id) == (tree.building.pk, tree.grid.pk)
    page = client.get(reverse("grid:building_detail", args=[tree.building.pk])).content.decode()
    assert "2单元" in page and "新增" in page


def test_places_and_org_units_keep_their_history_too(client, tree, staff_user):
    client.force_login(staff_user)
    client.post(
        reverse("grid:place_create", args=[tree.grid.pk]),
        {"kind": "school", "name": "第二小学", "head_name": "王老师"},
    )
    place = Place.objects.get(name="第二小学")
    assert [c.action for c in changes_of(place)] == [history.CREATE]
    client.post(reverse("grid:unit_edit", args=[tree.grid.pk]), {"name": "第一网格", "code": tree.grid.code})
    grid = OrgUnit.objects.get(pk=tree.grid.pk)
    assert grid.name == "第一网格"
    assert changes_of(grid)[-1].changes == {"name": ["一网格", "第一网格"]}
    page = client.get(reverse("grid:unit_detail", args=[grid.pk])).content.decode()
    assert "一网格" in page and "第一网格" in page


@pytest.mark.parametrize("role", [Role.LEADER, Role.MEDIATOR, Role.WINDOW_CLERK])
def test_roles_that_read_no_histories_see_no_history_card(client, tree, persona, staff_user, role):
    actions.building_update(by=staff_user, building=tree.building, head_name="马德福")
    client.force_login(persona(role))
    page = client.get(reverse("grid:building_detail", args=[tree.building.pk])).content.decode()
    assert "变更记录" not in page


def test_a_change_filed_in_another_street_is_not_shown_to_this_one(tree, staff_user, persona):
    actions.building_update(by=staff_user, building=tree.other_building, head_name="外街")
    leader = persona(Role.LEADER)  # of 清河街道; 9号楼 is in 海州街道
    assert not history.page_history(leader, tree.other_building)
    assert not history.page_history(persona(Role.GRID_WORKER), tree.other_building)
