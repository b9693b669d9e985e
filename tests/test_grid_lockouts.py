"""账号解锁 (grid.views.lockout_list / lockout_unlock, grid.actions.account_unlock,
core.lockout.locked_accounts): the 系统管理员 ends the sign-in lockout of accounts in their
scope early. Who may open the pages, and the 404 outside scope, are in tests/test_access.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from core import lockout
from core.models import AuditEvent, AuditKind
from grid.models import UNLOCK_ACCOUNT, Role
from grid.roles import role_permissions
from tests.factories import OrgUnitFactory, make_person

PASSWORD = "pass-1234"
HOME, ELSEWHERE, ATTACKER = "10.0.0.1", "10.0.0.2", "10.0.0.66"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_IP_FAILURE_LIMIT = 30
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.TRUSTED_PROXY_COUNT = 0


def sign_in(client, username, password=PASSWORD, ip=HOME):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail(client, username, times=5, ip=HOME):
    for _ in range(times):
        response = sign_in(client, username, "wrong-password", ip=ip)
    return response


def listed(client) -> list[str]:
    return [lock.username for lock, _ in client.get(reverse("grid:lockout_list")).context["locked"]]


@pytest.fixture
def admin(client, persona):
    """A second client, signed in as the district's 系统管理员."""
    admin = client.__class__()
    admin.force_login(persona(Role.ADMIN))
    return admin


def test_the_page_lists_the_accounts_in_scope_locked_now_and_nothing_else(client, admin, tree, persona):
    staff, grid_worker = persona(Role.STAFF), persona(Role.GRID_WORKER)
    far = make_person(role=Role.STAFF, unit=_far_community(), username="far_staff")
    fail(client, staff.username, ip=ATTACKER)
    fail(client, grid_worker.username, 4)  # below the limit: not locked
    fail(client, far.username)  # locked, outside the admin's district
    fail(client, "nobody_by_this_name")  # locked, but no account
    AccessAttempt.objects.filter(username=grid_worker.username).update(failures_since_start=9)
    AccessAttempt.objects.filter(username=grid_worker.username).update(
        attempt_time=timezone.now() - timedelta(minutes=16)  # and its cool-off is over
    )

    response = admin.get(reverse("grid:lockout_list"))

    assert response.status_code == 200
    [(lock, account)] = response.context["locked"]
    assert (lock.username, lock.failures, lock.addresses, account) == (staff.username, 5, 1, staff)
    assert lock.ends == lock.last_failure + timedelta(minutes=15)
    page = response.content.decode()
    assert staff.username in page and "社区工作人员" in page and "解锁" in page
    # Neither the others nor where the failures came from.
    assert far.username not in page and "nobody_by_this_name" not in page and grid_worker.username not in page
    assert ATTACKER not in page and HOME not in page


def test_an_admin_of_a_community_sees_only_their_communitys_accounts(client, tree, persona):
    fail(client, persona(Role.STAFF).username)
    neighbour = make_person(role=Role.STAFF, unit=tree.other_community, username="neighbour_staff")
    fail(client, neighbour.username)
    admin = client.__class__()
    admin.force_login(make_person(role=Role.ADMIN, unit=tree.community, username="community_admin"))

    assert listed(admin) == [persona(Role.STAFF).username]
    assert admin.post(reverse("grid:lockout_unlock", args=[neighbour.pk])).status_code == 404
    assert AccessAttempt.objects.filter(username=neighbour.username).exists()


def test_unlocking_lets_the_person_sign_in_at_once_from_every_address(client, admin, persona):
    staff = persona(Role.STAFF)
    fail(client, staff.username, ip=HOME)
    fail(client, staff.username, ip=ELSEWHERE)
    assert sign_in(client, staff.username).status_code == 429

    response = admin.post(reverse("grid:lockout_unlock", args=[staff.pk]), follow=True)

    assert response.redirect_chain == [(reverse("grid:lockout_list"), 302)]
    assert f"已解锁账号“{staff.username}”" in response.content.decode()
    assert response.context["locked"] == []
    assert not AccessAttempt.objects.filter(username=staff.username).exists()
    assert sign_in(client, staff.username, ip=ELSEWHERE).status_code == 302


def test_an_unlock_is_in_the_audit_log_without_the_addresses(client, admin, persona):
    staff = persona(Role.STAFF)
    fail(client, staff.username, ip=ATTACKER)
    admin.post(reverse("grid:lockout_unlock", args=[staff.pk]), REMOTE_ADDR=ELSEWHERE)

    event = AuditEvent.objects.filter(kind=AuditKind.ACCOUNT, detail__action="unlock").get()
    assert (event.user, event.address, event.object_id) == (persona(Role.ADMIN), ELSEWHERE, staff.pk)
    assert event.object_type.model == "user"
    assert event.detail == {"action": "unlock", "attempts": 1}
    assert ATTACKER not in str(event.detail)


def test_an_account_not_locked_is_left_alone_and_said_so(client, admin, persona):
    staff = persona(Role.STAFF)
    fail(client, staff.username, 2)

    response = admin.post(reverse("grid:lockout_unlock", args=[staff.pk]), follow=True)

    assert "目前没有被锁定" in response.content.decode()
    assert AccessAttempt.objects.get(username=staff.username).failures_since_start == 2
    assert not AuditEvent.objects.filter(kind=AuditKind.ACCOUNT, detail__action="unlock").exists()


def test_unlocking_is_a_post(admin, persona):
    assert admin.get(reverse("grid:lockout_unlock", args=[persona(Role.STAFF).pk])).status_code == 405


def test_only_the_admin_role_holds_the_permission_and_sees_the_menu_entry(client, persona, tree):
    holders = {role for role, perms in role_permissions().items() if UNLOCK_ACCOUNT in perms}
    assert holders == {Role.ADMIN}
    assert persona(Role.ADMIN).has_perm(UNLOCK_ACCOUNT)
    client.force_login(persona(Role.ADMIN))
    assert "账号解锁" in client.get(reverse("home")).content.decode()
    client.force_login(persona(Role.STAFF))
    assert "账号解锁" not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("grid:lockout_list")).status_code == 403


def attempt(username: str, ip: str, failures: int) -> AccessAttempt:
    return AccessAttempt.objects.create(
        username=username,
        ip_address=ip,
        user_agent="test",
        failures_since_start=failures,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
    )


def test_an_address_locked_as_a_whole_is_no_accounts_lock(persona):
    staff = persona(Role.STAFF)
    attempt(staff.username, HOME, 4)
    for n in range(30):
        attempt(f"sprayed{n}", HOME, 1)
    assert lockout.locked_accounts([staff.username]) == []


def test_failures_from_several_user_agents_at_one_address_add_up(persona):
    staff = persona(Role.STAFF)
    for agent in ("phone", "desktop"):
        AccessAttempt.objects.filter(pk=attempt(staff.username, HOME, 3).pk).update(user_agent=agent)
    [lock] = lockout.locked_accounts([staff.username])
    assert (lock.failures, lock.addresses) == (6, 1)


def _far_community():
    district = OrgUnitFactory(code="D09", name="远郊区")
    return OrgUnitFactory(parent=OrgUnitFactory(parent=district, code="D09S01"), code="D09S01C01")
