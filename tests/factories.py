"""factory_boy factories. Org units are built through ``grid.actions.org_unit_create`` so
tests get the same paths and level checks as the product."""

from __future__ import annotations

from dataclasses import dataclass

import factory
from django.contrib.auth import get_user_model

from grid.actions import org_unit_create, user_assign_role
from grid.models import Building, OrgLevel, OrgUnit, Place, PlaceKind, Role, Unit


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    parent = None
    level = None  # one below the parent's, or 区 for a root
    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.Sequence(lambda n: f"单元{n}")

    @classmethod
    def _create(cls, model_class, *, parent=None, level=None, code, name):
        if level is None:
            level = parent.level + 1 if parent else OrgLevel.DISTRICT
        return org_unit_create(parent=parent, level=level, code=code, name=name)


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    grid = factory.SubFactory(OrgUnitFactory)
    number = factory.Sequence(lambda n: f"{n + 1}号楼")
    position = factory.LazyAttribute(lambda o: Building.position_for(o.number))
    address = factory.LazyAttribute(lambda o: f"幸福路{o.number}")
    head_name = "王建国"
    head_phone = "13812345678"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    number = factory.Sequence(lambda n: f"{n + 1}单元")
    position = factory.LazyAttribute(lambda o: Unit.position_for(o.number))
    head_name = "李秀英"


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    kind = PlaceKind.SHOP
    name = factory.Sequence(lambda n: f"便民超市{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "测试"
    password = factory.PostGenerationMethodCall("set_password", "pass-1234")


def make_person(*, role: str, unit: OrgUnit, username: str | None = None):
    """A user working at ``unit`` as ``role`` — a persona for permission and scope tests."""
    user = UserFactory(**({"username": username} if username else {}))
    user.set_password("pass-1234")
    user.save()
    user_assign_role(user=user, org_unit=unit, role=role)
    return user


__all__ = [
    "BuildingFactory",
    "OrgUnitFactory",
    "PlaceFactory",
    "Role",
    "UnitFactory",
    "Tree",
    "UserFactory",
    "build_tree",
    "make_person",
]


@dataclass
class Tree:
    district: OrgUnit
    street: OrgUnit
    community: OrgUnit
    grid: OrgUnit
    grid2: OrgUnit
    other_street: OrgUnit
    other_community: OrgUnit
    other_grid: OrgUnit
    building: Building
    unit: Unit
    place: Place
    other_building: Building
    other_unit: Unit
    other_place: Place


def build_tree() -> Tree:
    """The small org tree the fixtures share (see tests/conftest.py)."""
    district = OrgUnitFactory(level=OrgLevel.DISTRICT, code="D01", name="福安区")
    street = OrgUnitFactory(parent=district, code="D01S01", name="清河街道")
    community = OrgUnitFactory(parent=street, code="D01S01C01", name="变电所社区")
    grid = OrgUnitFactory(parent=community, code="D01S01C01G01", name="一网格")
    grid2 = OrgUnitFactory(parent=community, code="D01S01C01G02", name="二网格")
    other_street = OrgUnitFactory(parent=district, code="D01S02", name="海州街道")
    other_community = OrgUnitFactory(parent=other_street, code="D01S02C01", name="北苑社区")
    other_grid = OrgUnitFactory(parent=other_community, code="D01S02C01G01", name="北苑一网格")
    building = BuildingFactory(grid=grid, number="1号楼")
    other_building = BuildingFactory(grid=other_grid, number="9号楼")
    return Tree(
        district=district,
        street=street,
        community=community,
        grid=grid,
        grid2=grid2,
        other_street=other_street,
        other_community=other_community,
        other_grid=other_grid,
        building=building,
        unit=UnitFactory(building=building, number="1单元"),
        place=PlaceFactory(grid=grid, kind=PlaceKind.RELIGIOUS, name="清真寺"),
        other_building=other_building,
        other_unit=UnitFactory(building=other_building, number="2单元"),
        other_place=PlaceFactory(grid=other_grid, kind=PlaceKind.SCHOOL, name="北苑小学"),
    )
