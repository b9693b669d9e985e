"""Shared fixtures: a small org tree with two of everything, and one persona per role.

    福安区 (district)
    ├── 清河街道 (street)            ├── 海州街道 (street)
    │   └── 变电所社区 (community)   │   └── 北苑社区 (community)
    │       ├── 一网格 (grid)        │       └── 北苑一网格 (grid)
    │       └── 二网格 (grid)

Personas sit at different levels so scope is exercised at each: the admin at the district,
the leader at 清河街道, staff/mediator/window clerk at 变电所社区, the grid worker at 一网格.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from grid.models import Building, OrgLevel, OrgUnit, Place, PlaceKind, Role, Unit
from tests.factories import BuildingFactory, OrgUnitFactory, PlaceFactory, UnitFactory, make_person

# Real services: a Celery worker process (tests/fixtures_worker.py) and headless Chromium
# through Playwright (tests/fixtures_browser.py).
pytest_plugins = ["tests.fixtures_worker", "tests.fixtures_browser"]


@pytest.fixture(autouse=True)
def _stale_figures():
    """Each test starts with every cached figure stale: the cache outlives a test's database,
    and another test's dashboard figures for a unit of the same pk would be read back."""
    from core.reporting import _bump

    _bump()


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


@pytest.fixture
def tree(db) -> Tree:
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


# Where each role's persona works, as an attribute of ``Tree``.
PERSONA_UNITS = {
    Role.ADMIN: "district",
    Role.LEADER: "street",
    Role.STAFF: "community",
    Role.MEDIATOR: "community",
    Role.WINDOW_CLERK: "community",
    Role.GRID_WORKER: "grid",
    Role.AUDITOR: "district",
}


@pytest.fixture
def persona(tree):
    """``persona(Role.STAFF)`` → a user with that role at its usual place in ``tree``."""
    made = {}

    def make(role: str):
        if role not in made:
            made[role] = make_person(role=role, unit=getattr(tree, PERSONA_UNITS[role]), username=f"p_{role}")
        return made[role]

    return make


@pytest.fixture
def admin_user(persona):
    return persona(Role.ADMIN)


@pytest.fixture
def staff_user(persona):
    return persona(Role.STAFF)


@pytest.fixture
def grid_worker(persona):
    return persona(Role.GRID_WORKER)


@pytest.fixture
def leader(persona):
    return persona(Role.LEADER)


@pytest.fixture
def mediator(persona):
    return persona(Role.MEDIATOR)


@pytest.fixture
def window_clerk(persona):
    return persona(Role.WINDOW_CLERK)


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup, django_db_blocker):
    """``seed_demo`` run once for a whole test module, rolled back after it: the full demo
    (about 18,000 residents) takes seconds, too long to repeat for every test. Yields the
    command's output."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction
    from django.test import override_settings

    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashers are slow on purpose; tests create many personas.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
