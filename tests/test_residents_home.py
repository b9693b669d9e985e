"""A 网格员's home page: their grid's lists, and the households nobody has updated for long."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from residents.models import Household, Resident
from tests.factories_residents import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def _aged(household, days, *members):
    """Make ``household`` and ``members`` last changed ``days`` ago (as a write long past)."""
    then = timezone.now() - dt.timedelta(days=days)
    Household.objects.filter(pk=household.pk).update(updated_at=then)
    Resident.objects.filter(pk__in=[m.pk for m in members]).update(updated_at=then)


@pytest.fixture
def round_(tree, settings):
    settings.LEDGER_STALE_AFTER_DAYS = 365
    old = HouseholdFactory(grid=tree.grid, number="0101")
    _aged(old, 500, ResidentFactory(household=old, name="老住户"))
    touched = HouseholdFactory(grid=tree.grid, number="0102")
    # The household's record is old, but a member was corrected last month: not stale.
    member = ResidentFactory(household=touched, name="新改")
    _aged(touched, 500)
    _aged(touched, 30, member)
    closed = HouseholdFactory(grid=tree.grid, number="0103", closed_on=dt.date(2024, 1, 1))
    _aged(closed, 900)
    elsewhere = HouseholdFactory(grid=tree.grid2, number="0201")
    _aged(elsewhere, 900, ResidentFactory(household=elsewhere))
    return tree


def test_a_grid_worker_sees_their_grids_lists_and_the_households_to_check(client, round_, grid_worker):
    client.force_login(grid_worker)
    response = client.get(reverse("home"))
    (panel,) = [
        p.context for p in response.context["panels"] if p.template.endswith("_grid_worker_home.html")
    ]
    assert [h.number for h in panel["stale"]] == ["0101"]  # not 0102 (a member changed), 0103, 0201
    page = response.content.decode()
    assert f"?grid={round_.grid.pk}&amp;ethnicity=minority" in page and "&amp;floating=1" in page
    assert reverse("residents:household_detail", args=[Household.objects.get(number="0101").pk]) in page


def test_the_setting_says_how_long_is_too_long(client, round_, grid_worker, settings):
    settings.LEDGER_STALE_AFTER_DAYS = 1000
    client.force_login(grid_worker)
    response = client.get(reverse("home"))
    assert 'data-testid="stale-count">0户' in response.content.decode()


@pytest.mark.parametrize("role", ["staff_user", "leader"])
def test_other_roles_have_no_round_on_their_home_page(client, round_, role, request):
    client.force_login(request.getfixturevalue(role))
    assert 'data-testid="grid-worker-round"' not in client.get(reverse("home")).content.decode()
