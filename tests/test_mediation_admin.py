"""The mediators' roster in the admin: scoped, written through the actions (history kept)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core import history
from grid.models import Role
from mediation.models import MediationTeam, Mediator
from tests.factories import make_person
from tests.factories_mediation import make_mediator


@pytest.fixture
def admin_client(client, tree):
    client.force_login(make_person(role=Role.ADMIN, unit=tree.community, username="community_admin"))
    return client


def test_the_roster_lists_only_mediators_in_scope(admin_client, tree):
    make_mediator(tree.community, "本社区调解员", phone="13900001234")
    make_mediator(tree.other_community, "北苑调解员")
    page = admin_client.get(reverse("admin:mediation_mediator_changelist")).content.decode()
    assert "本社区调解员" in page and "北苑调解员" not in page
    assert "139****1234" in page and "13900001234" not in page


def test_a_mediator_added_in_the_admin_is_in_the_history(admin_client, tree):
    team = MediationTeam.objects.create(community=tree.community, name="移动微调室")
    other_team = MediationTeam.objects.create(community=tree.other_community, name="北苑调解队")
    form = admin_client.get(reverse("admin:mediation_mediator_add")).content.decode()
    assert "移动微调室" in form and "北苑调解队" not in form
    response = admin_client.post(
        reverse("admin:mediation_mediator_add"),
        {
            "community": tree.community.pk,
            "name": "马律师",
            "role": "lawyer",
            "teams": [team.pk],
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    mediator = Mediator.objects.get(name="马律师")
    assert list(mediator.teams.all()) == [team] and other_team.pk
    assert history.of_record(mediator).get().action == history.CREATE
    outside = make_mediator(tree.other_community, "北苑调解员")
    assert admin_client.get(reverse("admin:mediation_mediator_change", args=[outside.pk])).status_code in (
        302,
        404,
    )


def test_a_mediators_account_is_chosen_from_the_admins_scope_and_kept_in_the_history(admin_client, tree):
    own = make_person(role=Role.MEDIATOR, unit=tree.community, username="biandian_mediator")
    make_person(role=Role.MEDIATOR, unit=tree.other_community, username="beiyuan_mediator")
    mediator = make_mediator(tree.community, "马调解")
    url = reverse("admin:mediation_mediator_change", args=[mediator.pk])
    form = admin_client.get(url).content.decode()
    assert "biandian_mediator" in form and "beiyuan_mediator" not in form
    response = admin_client.post(url, {"name": "马调解", "role": "full_time", "active": "on", "user": own.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    mediator.refresh_from_db()
    assert mediator.user == own
    assert history.of_record(mediator).get().changes["user"] == ["", str(own.pk)]
