"""Who lives in a building and in a 单元, on the org tree's pages (residents.panels)."""

import pytest
from django.urls import reverse

from grid.models import Unit
from residents.models import LedgerStatus, Relation
from tests.factories import UnitFactory
from tests.factories_residents import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stairway(tree):
    """1号楼: 1单元 with 301 (张三's, 3 on the ledger, one gone) and 302; 2单元 with 401; a
    closed household in 1单元 and one with no unit."""
    second = UnitFactory(building=tree.building, number="2单元")
    h301 = HouseholdFactory(grid=tree.grid, building=tree.building, unit=tree.unit, room="301", number="0301")
    ResidentFactory(household=h301, name="张三", relation=Relation.HEAD)
    ResidentFactory(household=h301, name="马丽", relation=Relation.SPOUSE)
    ResidentFactory(household=h301, name="张小", relation=Relation.CHILD)
    ResidentFactory(household=h301, name="张走", status=LedgerStatus.MOVED_OUT, status_date="2025-01-01")
    h302 = HouseholdFactory(grid=tree.grid, building=tree.building, unit=tree.unit, room="302", number="0302")
    ResidentFactory(household=h302, name="李四", relation=Relation.HEAD)
    h401 = HouseholdFactory(grid=tree.grid, building=tree.building, unit=second, room="401", number="0401")
    ResidentFactory(household=h401, name="王五", relation=Relation.HEAD)
    closed = HouseholdFactory(
        grid=tree.grid, building=tree.building, unit=tree.unit, room="303", closed_on="2025-02-01"
    )
    ResidentFactory(household=closed, name="赵六", status=LedgerStatus.DECEASED, status_date="2025-02-01")
    loose = HouseholdFactory(grid=tree.grid, building=tree.building, room="底商", number="0001")
    ResidentFactory(household=loose, name="钱七", relation=Relation.HEAD)
    tree.second_unit = second
    return tree


def test_the_building_page_counts_households_and_residents_per_unit(client, stairway, grid_worker):
    client.force_login(grid_worker)
    response = client.get(reverse("grid:building_detail", args=[stairway.building.pk]))
    (panel,) = [
        p.context for p in response.context["panels"] if p.template.endswith("_building_households.html")
    ]
    counts = {row["unit__number"]: (row["households"], row["residents"]) for row in panel["rows"]}
    assert counts == {"1单元": (2, 4), "2单元": (1, 1), None: (1, 1)}  # the closed 303 left out
    page = response.content.decode()
    assert reverse("grid:building_unit_detail", args=[stairway.unit.pk]) in page  # unit rows open
    assert "未分单元" in page and "4户 · 6人" in page


def test_the_unit_page_lists_its_households_with_their_head(client, stairway, leader):
    client.force_login(leader)
    page = client.get(reverse("grid:building_unit_detail", args=[stairway.unit.pk])).content.decode()
    assert "张三" in page and "李四" in page and "3人" in page
    assert "赵六" not in page and "王五" not in page  # closed, and another unit
    assert (
        reverse("residents:household_detail", args=[stairway.building.households.get(room="301").pk]) in page
    )


def test_the_unit_page_of_another_grid_is_not_found(client, stairway, grid_worker):
    client.force_login(grid_worker)
    other = Unit.objects.get(pk=stairway.other_unit.pk)
    assert client.get(reverse("grid:building_unit_detail", args=[other.pk])).status_code == 404
