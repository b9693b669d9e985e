"""core.audit: the audit log (安全审计) gets each kind of event, holds no personal values, is
read by the 审计员 alone, and (on PostgreSQL) can't be changed or deleted by anyone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from core import audit, history
from core.models import AuditEvent, AuditKind
from grid import actions as grid_actions
from grid.models import Role
from tests.factories import make_person
from tests.factories_residents import (
    FloatingRegistrationFactory,
    HouseholdFactory,
    ResidentFactory,
    ethnicity,
    make_id_number,
)


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


# --- 查看完整个人信息: every page that shows whole ID numbers or phones ----------------------

LANDLORD, HEAD, UNIT_HEAD, PLACE_HEAD, STAFF_PHONE = (
    "13700001111",
    "13600002222",
    "13600003333",
    "13600004444",
    "13500005555",
)


@pytest.fixture
def shown(tree, persona):
    """A record for each page that shows whole values, each with every such value filled in."""
    household = HouseholdFactory(
        grid=tree.grid, kind="rental", phone="13812345678", landlord_name="房东", landlord_phone=LANDLORD
    )
    resident = ResidentFactory(household=household, residence_status="floating", phone="13912345678")
    FloatingRegistrationFactory(resident=resident, landlord_name="房东", landlord_phone=LANDLORD)
    tree.building.head_phone = HEAD
    tree.building.save()
    tree.unit.head_phone = UNIT_HEAD
    tree.unit.save()
    tree.place.head_phone = PLACE_HEAD
    tree.place.save()
    staff = persona(Role.STAFF)
    staff.profile.phone = STAFF_PHONE
    staff.profile.save()
    return {
        "household": household,
        "resident": resident,
        "building": tree.building,
        "unit": tree.unit,
        "place": tree.place,
        "grid": tree.grid,
        "user": staff,
    }


# Page, the record it names, how many whole values it shows, who sees them whole.
WHOLE_VALUE_PAGES = [
    ("residents:resident_detail", "resident", 3, Role.GRID_WORKER),  # ID number, phone, landlord's
    ("residents:household_detail", "household", 2, Role.GRID_WORKER),  # phone, landlord's
    ("residents:resident_edit", "resident", 3, Role.GRID_WORKER),
    ("residents:household_edit", "household", 2, Role.GRID_WORKER),
    ("grid:building_detail", "building", 2, Role.GRID_WORKER),  # 楼栋长 and 单元长, to call
    ("grid:building_unit_detail", "unit", 1, Role.GRID_WORKER),
    ("grid:place_detail", "place", 1, Role.GRID_WORKER),
    ("grid:unit_detail", "grid", 2, Role.GRID_WORKER),  # its buildings' and places' heads
    ("grid:building_edit", "building", 1, Role.STAFF),
    ("grid:building_unit_edit", "unit", 1, Role.STAFF),
    ("grid:place_edit", "place", 1, Role.STAFF),
    ("admin:grid_building_change", "building", 2, Role.ADMIN),  # the building's and its 单元's
    ("admin:grid_unit_change", "unit", 1, Role.ADMIN),
    ("admin:grid_place_change", "place", 1, Role.ADMIN),
    ("admin:auth_user_change", "user", 1, Role.ADMIN),  # the profile's phone
]


@pytest.mark.parametrize(("name", "target", "count", "role"), WHOLE_VALUE_PAGES, ids=lambda v: str(v))
def test_each_view_of_a_page_with_whole_values_is_recorded_once_with_their_count(
    client, persona, shown, name, target, count, role
):
    client.force_login(persona(role))
    url = reverse(name, args=[shown[target].pk])
    for _ in range(2):
        assert client.get(url).status_code == 200
    first, second = events(AuditKind.FULL_VALUES)
    assert (first.user, first.object_id, first.detail) == (persona(role), shown[target].pk, {"values": count})
    assert first.object_type.model_class() is type(shown[target])
    assert first.address == "127.0.0.1" and second.detail == first.detail
    held = str(first.detail)
    assert not [value for value in (LANDLORD, HEAD, UNIT_HEAD, PLACE_HEAD, STAFF_PHONE) if value in held]
    assert shown["resident"].id_number not in held


@pytest.mark.parametrize("role", [Role.LEADER, Role.MEDIATOR, Role.WINDOW_CLERK])
@pytest.mark.parametrize("name", ["residents:resident_detail", "residents:household_detail"])
def test_the_detail_pages_shown_masked_are_not_recorded(client, persona, shown, role, name):
    client.force_login(persona(role))
    target = "resident" if "resident_" in name else "household"
    body = client.get(reverse(name, args=[shown[target].pk])).content.decode()
    assert LANDLORD not in body and "13812345678" not in body
    assert not events(AuditKind.FULL_VALUES).exists()


@pytest.mark.parametrize(
    "name", ["residents:resident_edit", "residents:household_edit", "grid:building_edit", "grid:place_edit"]
)
def test_a_role_refused_an_edit_form_sees_nothing_whole_and_nothing_is_recorded(client, persona, shown, name):
    client.force_login(persona(Role.LEADER))
    target = {"residents:resident_edit": "resident", "residents:household_edit": "household"}.get(
        name, name.split(":")[1].removesuffix("_edit")
    )
    assert client.get(reverse(name, args=[shown[target].pk])).status_code == 403
    assert not events(AuditKind.FULL_VALUES).exists()


def test_pages_showing_only_masked_values_are_not_recorded(client, persona, shown, tree):
    client.force_login(persona(Role.STAFF))  # would see whole values where a page shows them
    for url in (reverse("residents:household_list"), reverse("residents:resident_list")):
        body = client.get(url).content.decode()
        assert HEAD not in body and "13812345678" not in body, url
    client.force_login(persona(Role.LEADER))  # reads the tree; its heads' phones masked
    for url in (
        reverse("grid:unit_detail", args=[tree.grid.pk]),
        reverse("grid:building_detail", args=[tree.building.pk]),
        reverse("grid:place_detail", args=[tree.place.pk]),
    ):
        body = client.get(url).content.decode()
        assert HEAD not in body and PLACE_HEAD not in body, url
    picked = client.post(reverse("residents:resident_picker"), {"q": shown["resident"].name})
    assert shown["resident"].id_number not in picked.content.decode()
    assert not events(AuditKind.FULL_VALUES).exists()


def test_a_page_with_nothing_whole_to_show_or_a_refused_post_is_not_recorded(client, persona, tree):
    household = HouseholdFactory(grid=tree.grid, phone="")
    client.force_login(persona(Role.STAFF))
    client.get(reverse("residents:household_detail", args=[household.pk]))
    client.get(reverse("residents:household_edit", args=[household.pk]))
    # A refused post shows what was typed, not what is stored.
    response = client.post(reverse("grid:building_edit", args=[tree.building.pk]), {"number": ""})
    assert response.status_code == 200 and response.context["form"].errors
    assert not events(AuditKind.FULL_VALUES).exists()


def test_whole_values_in_a_residents_history_are_counted_too(client, persona, tree):
    resident = ResidentFactory(household=HouseholdFactory(grid=tree.grid), phone="13912345678")
    history.record(
        instance=resident, action=history.UPDATE, changes={"phone": ["13900000000", "13912345678"]}, by=None
    )
    client.force_login(persona(Role.STAFF))
    client.get(reverse("residents:resident_detail", args=[resident.pk]))
    # ID number and phone on the page, the old and new phone in its history.
    assert events(AuditKind.FULL_VALUES).get().detail == {"values": 4}


def test_id_number_lookups_are_recorded_and_slowed_down(client, tree, staff_user, settings):
    settings.ID_LOOKUPS_PER_HOUR = 2
    # The count outlives a test's database: an earlier test's user of the same pk looked up too.
    cache.delete(f"id-lookups:{staff_user.pk}")
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
    assert account.detail == {"role": Role.STAFF, "org_unit": tree.community.pk, "grants": []}


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
