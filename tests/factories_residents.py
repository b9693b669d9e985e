"""factory_boy factories for the ledger: households in the ``tree`` fixture's grids, residents
with valid (GB 11643) ID numbers whose gender and birth date agree with the number."""

from __future__ import annotations

import datetime as dt

import factory

from grid.models import OrgUnit
from residents.idnumber import check_char
from residents.models import Ethnicity, FloatingRegistration, Household, Relation, ResidenceStatus, Resident
from residents.queries import ledger_changed


def make_id_number(
    *, birth_date: dt.date = dt.date(1985, 6, 15), gender: str = "1", serial: int = 0, region: str = "110105"
) -> str:
    """A valid 18-digit number: the sequence's last digit is odd for men ("1"), even for women."""
    sequence = (serial % 500) * 2 + (1 if gender == "1" else 0)
    body = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return body + check_char(body)


def _nth_id_number(n: int) -> str:
    # 7919 is prime and coprime with 27000, so (birth date, serial) repeats only after 27000 people.
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=(n * 7919) % 27000)
    return make_id_number(birth_date=birth, gender="1" if n % 2 else "2", serial=n % 500)


def ethnicity(name: str) -> Ethnicity:
    return Ethnicity.objects.get(name=name)


class _LedgerFactory(factory.django.DjangoModelFactory):
    """A row written as the actions write it, as far as the kept figures go: the grid's
    counts (``residents.queries.ledger_changed``) are forgotten, as every ledger write does."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        obj = super()._create(model_class, *args, **kwargs)
        ledger_changed([cls._grid_id(obj)])
        return obj

    @staticmethod
    def _grid_id(obj) -> int:
        return obj.grid_id


class HouseholdFactory(_LedgerFactory):
    """Pass ``grid`` (e.g. ``tree.grid``); the community is the grid's parent as in the product."""

    class Meta:
        model = Household

    grid = None
    community = factory.LazyAttribute(lambda o: OrgUnit.objects.get_parent(o.grid))
    number = factory.Sequence(lambda n: f"{1001 + n}")
    room = factory.Sequence(lambda n: f"{101 + n % 20}")
    address = factory.LazyAttribute(lambda o: f"幸福路{o.number}号")
    phone = "13812345678"


class ResidentFactory(_LedgerFactory):
    class Meta:
        model = Resident

    @staticmethod
    def _grid_id(obj) -> int:
        return obj.household.grid_id

    household = factory.SubFactory(HouseholdFactory)
    # A household's first member is its 户主; the ledger holds one at most (a constraint).
    relation = factory.LazyAttribute(lambda o: Relation.CHILD if o.household.active_head() else Relation.HEAD)
    name = factory.Sequence(lambda n: f"居民{n}")
    id_number = factory.Sequence(_nth_id_number)
    gender = factory.LazyAttribute(lambda o: "1" if int(o.id_number[16]) % 2 else "2")
    birth_date = factory.LazyAttribute(
        lambda o: dt.date(int(o.id_number[6:10]), int(o.id_number[10:12]), int(o.id_number[12:14]))
    )
    ethnicity = factory.LazyFunction(lambda: ethnicity("汉族"))
    phone = "13912345678"


class FloatingRegistrationFactory(_LedgerFactory):
    class Meta:
        model = FloatingRegistration

    @staticmethod
    def _grid_id(obj) -> int:
        return obj.resident.household.grid_id

    resident = factory.SubFactory(ResidentFactory, residence_status=ResidenceStatus.FLOATING)
    arrived_on = dt.date(2024, 3, 1)
    origin = "甘肃省临夏州"
    expected_stay = "一年以上"
    occupation = "business"
