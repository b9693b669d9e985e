"""Who did something is never erased: a user who has acted (a change, a status move, an
export, an import) can be deactivated but not deleted, in the admin or anywhere."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from core import history
from core.models import Change
from grid.models import Role
from tests.factories import make_person


def test_a_user_who_made_a_change_cannot_be_deleted(tree):
    editor = make_person(role=Role.STAFF, unit=tree.community, username="editor")
    history.record(instance=tree.building, action=history.UPDATE, changes={"address": ["", "x"]}, by=editor)
    with pytest.raises(ProtectedError):
        editor.delete()
    assert Change.objects.filter(user=editor).exists()


def test_the_admin_refuses_to_delete_an_actor_and_keeps_their_history(client, tree, persona):
    editor = make_person(role=Role.STAFF, unit=tree.community, username="editor")
    history.record(instance=tree.building, action=history.UPDATE, changes={"address": ["", "x"]}, by=editor)
    client.force_login(persona(Role.ADMIN))
    url = reverse("admin:auth_user_delete", args=[editor.pk])
    page = client.post(url, {"post": "yes"})
    assert page.status_code in (200, 403)
    editor.refresh_from_db()  # still there
    assert Change.objects.get(user=editor).user == editor


def test_a_user_who_never_acted_may_still_be_deleted(tree):
    newcomer = make_person(role=Role.STAFF, unit=tree.community, username="newcomer")
    newcomer.delete()
