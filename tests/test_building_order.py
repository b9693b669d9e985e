"""Buildings and units sort by the number in their text: 2号楼 before 10号楼, A座 after both."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from grid.models import Building, Unit
from grid.numbering import UNNUMBERED, number_position
from residents.filters import LedgerFilterForm
from tests.factories import BuildingFactory, UnitFactory
from tests.test_admin_scope import form_values


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- the pure function ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "position"),
    [
        ("1号楼", 1),
        ("10号楼", 10),
        ("3栋", 3),
        ("12单元", 12),
        ("２号楼", 2),  # full-width digits
        ("１２号楼", 12),
        ("十二号楼", 12),
        ("十号楼", 10),
        ("二十号楼", 20),
        ("二十一栋", 21),
        ("两百号", 200),
        ("一百零五号楼", 105),
        ("一〇五号楼", 105),
        ("三单元", 3),
        ("三期12号楼", 12),  # digits win over a Chinese numeral
        ("A座", UNNUMBERED),
        ("综合楼", UNNUMBERED),
        ("", UNNUMBERED),
        ("99999999999号楼", UNNUMBERED - 1),  # still before the unnumbered ones
    ],
)
def test_number_position_reads_the_first_number(number, position):
    assert number_position(number) == position


def test_numbers_sort_naturally_and_unnumbered_ones_last_by_text():
    numbers = ["B座", "10号楼", "A座", "十二号楼", "2号楼", "１号楼", "3号楼"]
    ordered = sorted(numbers, key=lambda n: (number_position(n), n))
    assert ordered == ["１号楼", "2号楼", "3号楼", "10号楼", "十二号楼", "A座", "B座"]


def test_buildings_and_units_share_the_function():
    assert Building.position_for("10号楼") == Unit.position_for("10单元") == 10


# --- stored and used by the lists ------------------------------------------------------------


def _buildings_in(grid, *numbers):
    for number in numbers:
        BuildingFactory(grid=grid, number=number)


@pytest.mark.django_db
def test_buildings_of_a_grid_sort_by_number(tree):
    _buildings_in(tree.grid, "10号楼", "A座", "2号楼", "十二号楼")
    numbers = list(Building.objects.filter(grid=tree.grid).values_list("number", flat=True))
    assert numbers == ["1号楼", "2号楼", "10号楼", "十二号楼", "A座"]


@pytest.mark.django_db
def test_units_sort_by_building_then_unit_number(tree):
    b10 = BuildingFactory(grid=tree.grid, number="10号楼")
    b2 = BuildingFactory(grid=tree.grid, number="2号楼")
    for building in (b10, b2):
        for number in ("10单元", "2单元"):
            UnitFactory(building=building, number=number)
    units = Unit.objects.filter(building__in=[b10, b2]).select_related("building")
    assert [str(u) for u in units] == ["2号楼 2单元", "2号楼 10单元", "10号楼 2单元", "10号楼 10单元"]


@pytest.mark.django_db
def test_grid_page_lists_buildings_in_natural_order(client, tree, staff_user):
    _buildings_in(tree.grid, "10号楼", "A座", "2号楼")
    client.force_login(staff_user)
    response = client.get(reverse("grid:unit_detail", args=[tree.grid.pk]))
    assert [b.number for b in response.context["buildings"]] == ["1号楼", "2号楼", "10号楼", "A座"]
    page = response.content.decode()
    assert page.index(">2号楼<") < page.index(">10号楼<") < page.index(">A座<")


@pytest.mark.django_db
def test_building_page_lists_units_in_natural_order(client, tree, staff_user):
    for number in ("10单元", "2单元", "三单元"):
        UnitFactory(building=tree.building, number=number)
    client.force_login(staff_user)
    response = client.get(reverse("grid:building_detail", args=[tree.building.pk]))
    assert [u.number for u in response.context["units"]] == ["1单元", "2单元", "三单元", "10单元"]


@pytest.mark.django_db
def test_ledger_building_filter_lists_buildings_in_natural_order(tree, grid_worker):
    _buildings_in(tree.grid, "10号楼", "2号楼")
    form = LedgerFilterForm(user=grid_worker)
    assert [b.number for b in form.fields["building"].queryset] == ["1号楼", "2号楼", "10号楼"]


# --- who sets it -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_adding_a_building_sets_its_position(client, tree, staff_user):
    client.force_login(staff_user)
    client.post(reverse("grid:building_create", args=[tree.grid.pk]), {"number": "１２号楼"})
    assert Building.objects.get(grid=tree.grid, number="１２号楼").position == 12


@pytest.mark.django_db
def test_renumbering_a_building_moves_it(client, tree, staff_user):
    BuildingFactory(grid=tree.grid, number="5号楼")
    client.force_login(staff_user)
    response = client.post(reverse("grid:building_edit", args=[tree.building.pk]), {"number": "20号楼"})
    assert response.status_code == 302
    tree.building.refresh_from_db()
    assert (tree.building.number, tree.building.position) == ("20号楼", 20)
    assert list(Building.objects.filter(grid=tree.grid).values_list("number", flat=True)) == [
        "5号楼",
        "20号楼",
    ]


@pytest.mark.django_db
def test_a_refused_renumbering_keeps_the_position(client, tree, staff_user):
    BuildingFactory(grid=tree.grid, number="5号楼")
    client.force_login(staff_user)
    client.post(reverse("grid:building_edit", args=[tree.building.pk]), {"number": "5号楼"})
    tree.building.refresh_from_db()
    assert (tree.building.number, tree.building.position) == ("1号楼", 1)


@pytest.mark.django_db
def test_adding_and_renumbering_a_unit_sets_its_position(client, tree, staff_user):
    client.force_login(staff_user)
    client.post(reverse("grid:building_unit_create", args=[tree.building.pk]), {"number": "十二单元"})
    unit = Unit.objects.get(building=tree.building, number="十二单元")
    assert unit.position == 12
    client.post(reverse("grid:building_unit_edit", args=[unit.pk]), {"number": "3单元"})
    unit.refresh_from_db()
    assert (unit.number, unit.position) == ("3单元", 3)


@pytest.mark.django_db
def test_the_admin_sets_positions_of_a_building_and_its_inline_units(client, tree, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="pass-1234"))
    url = reverse("admin:grid_building_change", args=[tree.building.pk])
    data = form_values(client.get(url), "building_form")
    data["number"] = ["30号楼"]
    data["units-0-number"] = ["8单元"]
    response = client.post(url, data)
    assert response.status_code == 302
    tree.building.refresh_from_db()
    tree.unit.refresh_from_db()
    assert tree.building.position == 30
    assert (tree.unit.number, tree.unit.position) == ("8单元", 8)


@pytest.mark.django_db
def test_the_admin_sets_the_position_of_a_unit(client, tree, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="pass-1234"))
    url = reverse("admin:grid_unit_change", args=[tree.unit.pk])
    data = form_values(client.get(url), "unit_form")
    data["number"] = ["6单元"]
    assert client.post(url, data).status_code == 302
    tree.unit.refresh_from_db()
    assert tree.unit.position == 6


@pytest.mark.django_db
def test_migration_backfills_positions_of_existing_rows(tree):
    BuildingFactory(grid=tree.grid, number="十二号楼")
    Building.objects.update(position=0)
    Unit.objects.update(position=0)
    migration = importlib.import_module("grid.migrations.0006_building_unit_position")

    migration.set_positions(apps, None)

    assert dict(Building.objects.values_list("number", "position")) == {
        "1号楼": 1,
        "9号楼": 9,
        "十二号楼": 12,
    }
    assert dict(Unit.objects.values_list("number", "position")) == {"1单元": 1, "2单元": 2}
