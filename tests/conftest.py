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

import pytest

from grid.models import Role
from tests.factories import Tree, build_tree, make_person
from tests.module_data import rolled_back_after

# Real services: a Celery worker process (tests/fixtures_worker.py) and headless Chromium
# through Playwright (tests/fixtures_browser.py).
pytest_plugins = ["tests.fixtures_worker", "tests.fixtures_browser"]


@pytest.fixture(autouse=True)
def _stale_figures():
    """Each test starts with every cached figure stale: the cache outlives a test's database,
    and another test's dashboard figures for a unit of the same pk would be read back."""
    from core.reporting import _bump

    _bump()


@pytest.fixture
def tree(db) -> Tree:
    return build_tree()


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

    with rolled_back_after(django_db_blocker):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashers are slow on purpose; tests create many personas.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
