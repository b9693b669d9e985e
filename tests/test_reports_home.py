"""The home page: each role sees its own scope's figures, from the ledger and the tree."""

import re

import pytest
from django.urls import reverse

from grid.models import Role
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity


def figure(content: str, name: str) -> int:
    return int(re.search(rf'data-figure="{name}">([\d,]+)<', content).group(1).replace(",", ""))


@pytest.fixture
def ledger(tree):
    here = HouseholdFactory(grid=tree.grid)
    ResidentFactory(household=here, ethnicity=ethnicity("回族"))
    ResidentFactory(household=here, ethnicity=ethnicity("汉族"))
    ResidentFactory(household=HouseholdFactory(grid=tree.other_grid), ethnicity=ethnicity("满族"))


def test_anonymous_is_sent_to_log_in(client, tree):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize(
    "role", [Role.STAFF, Role.GRID_WORKER, Role.LEADER, Role.MEDIATOR, Role.WINDOW_CLERK]
)
def test_each_role_sees_the_ledger_of_its_own_scope(client, persona, ledger, role):
    client.force_login(persona(role))
    content = client.get(reverse("home")).content.decode()
    assert (figure(content, "households"), figure(content, "residents"), figure(content, "minority")) == (
        1,
        2,
        1,
    )
    assert "50.0%" in content


def test_the_district_admin_sees_the_whole_district(client, admin_user, ledger):
    client.force_login(admin_user)
    content = client.get(reverse("home")).content.decode()
    assert (figure(content, "households"), figure(content, "residents"), figure(content, "minority")) == (
        2,
        3,
        2,
    )
    assert "台账导入" in content


def test_quick_links_follow_the_role(client, persona, ledger):
    client.force_login(persona(Role.LEADER))
    content = client.get(reverse("home")).content.decode()
    assert "查阅户和居民台账" in content and "台账导入" not in content


def test_a_second_visit_reads_the_figures_from_the_cache(client, persona, ledger):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(persona(Role.LEADER))
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        content = client.get(reverse("home")).content.decode()

    assert figure(content, "residents") == 2
    assert not [q for q in queries if "residents_resident" in q["sql"] and "COUNT" in q["sql"]]
