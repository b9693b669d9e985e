"""core.audit: the audit log (安全审计) gets each kind of event, holds no personal values, is
read by the 审计员 alone, and (on PostgreSQL) can't be changed or deleted by anyone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from core import audit, history
from core.models import AuditEvent, AuditKind
from grid import actions as grid_actions
from grid.models import Role
from tests.factories import make_person
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity, make_id_number


def events(kind: str):
    return AuditEvent.objects.filter(kind=kind).order_by("pk")


def test_sign_ins_failures_and_sign_outs_are_recorded_with_the_address(client, tree, staff_user):
    staff_user.set_password("pass-1234-Ab")
    staff_user.save()
    client.post(reverse("login"), {"username": staff_user.username, "password": "wrong-one"})
    client.post(reverse("login"), {"username": staff_user.username, "password": "pass-1234-Ab"})
    client.post(reverse("logout"))
    failed, signed_in, signed_out = (
        events(AuditKind.SIGN_IN_FAILED).get(),
        events(AuditKind.SIGN_IN).get(),
        events(AuditKind.SIGN_OUT).get(),
    )
    assert (failed.username, failed.outcome, failed.user) == (staff_user.username, "failed", None)
    assert signed_in.user == signed_out.user == staff_user and signed_in.address == "127.0.0.1"
    assert signed_in.org_unit == tree.community
    assert "wrong-one" not in str(failed.detail) and "pass-1234" not in str(signed_in.detail)


def test_a_refusal_is_recorded(client, tree, persona):
    client.force_login(persona(Role.MEDIATOR))
    client.get(reverse("residents:household_create"))
    denied = events(AuditKind.DENIED).get()
    assert (denied.user, denied.outcome, denied.detail["path"]) == (
        persona(Role.MEDIATOR),
        "denied",
        reverse("residents:household_create"),
    )


def test_every_write_through_an_action_is_recorded_without_its_values(tree, staff_user):
    grid_actions.building_update(by=staff_user, building=tree.building, head_phone="13899990000")
    [write] = events(AuditKind.WRITE).filter(user=staff_user)
    assert (write.object_type.model, write.object_id) == ("building", tree.building.pk)
    assert write.detail == {"action": history.UPDATE}
    assert "13899990000" not in str(write.detail)


def test_exports_are_recorded_with_their_row_count(client, tree, staff_user):
    HouseholdFactory.create_batch(3, grid=tree.grid)
    client.force_login(staff_user)
    client.get(reverse("residents:household_export"))
    export = events(AuditKind.EXPORT).get()
    assert export.detail == {"list": "residents.households", "rows": 3, "full": False}


def test_a_page_with_whole_id_numbers_is_recorded_each_time(client, tree, staff_user, persona):
    resident = ResidentFactory(household=HouseholdFactory(grid=tree.grid))
    client.force_login(staff_user)  # may see whole numbers
    client.get(reverse("residents:resident_detail", args=[resident.pk]))
    assert events(AuditKind.FULL_VALUES).get().object_id == resident.pk
    client.force_login(persona(Role.LEADER))  # sees them masked: nothing to record
    client.get(reverse("residents:resident_detail", args=[resident.pk]))
    assert events(AuditKind.FULL_VALUES).count() == 1


def test_id_number_lookups_are_recorded_and_slowed_down(client, tree, staff_user, settings):
    settings.ID_LOOKUPS_PER_HOUR = 2
    household = HouseholdFactory(grid=tree.grid)
    client.force_login(staff_user)
    url = reverse("residents:resident_create", args=[household.pk])
    data = {
        "relation": "child",
        "name": "张小明",
        "ethnicity": ethnicity("汉族").pk,
        "residence_status": "registered_present",
        "political_status": "masses",
    }
    for serial in (1, 2, 3):
        number = make_id_number(birth_date=dt.date(2012, 3, 4), gender="1", serial=serial)
        response = client.post(url, {**data, "id_number": number, "name": f"张小{serial}"})
    assert "次数过多" in response.content.decode()
    assert household.residents.count() == 2  # the third was not even looked up
    assert events(AuditKind.ID_LOOKUP).filter(outcome="ok").count() == 3
    assert events(AuditKind.ID_LOOKUP).filter(outcome="denied").count() == 1
    assert all(number not in str(e.detail) for e in AuditEvent.objects.all())


def test_role_changes_are_recorded(tree):
    make_person(role=Role.STAFF, unit=tree.community, username="newly_placed")
    account = events(AuditKind.ACCOUNT).last()
    assert account.detail == {"role": Role.STAFF, "org_unit": tree.community.pk}


def test_the_auditor_reads_the_log_in_scope_and_the_admin_cannot(client, tree, persona):
    audit.record(AuditKind.EXPORT, user=persona(Role.STAFF), rows=1)
    client.force_login(persona(Role.AUDITOR))
    page = client.get(reverse("core:audit_list"))
    assert page.status_code == 200 and "导出" in page.content.decode()
    client.force_login(persona(Role.ADMIN))
    assert client.get(reverse("core:audit_list")).status_code == 403
    assert not persona(Role.ADMIN).has_perm("core.view_auditevent")


def test_the_auditor_may_do_nothing_else(persona, tree):
    from grid.roles import role_permissions

    assert role_permissions()[Role.AUDITOR] == {"core.view_auditevent"}
    assert all(
        "core.view_auditevent" not in perms
        for role, perms in role_permissions().items()
        if role != Role.AUDITOR
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database's own refusal: PostgreSQL")
def test_the_database_refuses_to_change_or_delete_the_log(tree, staff_user):
    event = audit.record(AuditKind.EXPORT, user=staff_user, rows=1)
    for attempt in (
        lambda: AuditEvent.objects.filter(pk=event.pk).update(outcome="forged"),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="只能追加"), transaction.atomic():
            attempt()
    event.refresh_from_db()
    assert event.outcome == "ok"
