"""factory_boy factories. Org units are built through ``grid.actions.org_unit_create`` so
tests get the same paths and level checks as the product."""

from __future__ import annotations

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
    "UserFactory",
    "make_person",
]
