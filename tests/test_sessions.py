"""Sessions end: after SESSION_IDLE_TIMEOUT without a request, SESSION_ABSOLUTE_TIMEOUT after
signing in (core/sessions.py), on logging out, on deactivation and on a password change."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from core.sessions import ABSOLUTE_MESSAGE, IDLE_MESSAGE, LAST_SEEN_AT, SIGNED_IN_AT
from tests.test_admin_scope import form_values

PASSWORD = "pass-1234"
MINUTE, HOUR = 60, 60 * 60


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * MINUTE
    settings.SESSION_ABSOLUTE_TIMEOUT = 12 * HOUR


def signed_in_client(user) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def set_clock(client, **ages: float) -> None:
    """Move the session's times back: ``signed_in=…, last_seen=…`` seconds ago."""
    session = client.session
    now = time.time()
    if "signed_in" in ages:
        session[SIGNED_IN_AT] = now - ages["signed_in"]
    if "last_seen" in ages:
        session[LAST_SEEN_AT] = now - ages["last_seen"]
    session.save()


def is_signed_out_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_signing_in_starts_both_clocks(staff_user):
    before = time.time()
    client = signed_in_client(staff_user)
    session = client.session
    assert before <= session[SIGNED_IN_AT] <= time.time()
    assert before <= session[LAST_SEEN_AT] <= time.time()


def test_an_active_session_within_both_limits_stays(tree, staff_user):
    client = signed_in_client(staff_user)
    set_clock(client, signed_in=11 * HOUR, last_seen=29 * MINUTE)

    assert client.get(reverse("home")).status_code == 200
    # The request counted as activity.
    assert time.time() - client.session[LAST_SEEN_AT] < MINUTE


def test_idle_past_the_limit_signs_out_with_a_chinese_message(tree, staff_user):
    client = signed_in_client(staff_user)
    set_clock(client, last_seen=31 * MINUTE)

    response = client.get(reverse("home"))

    assert is_signed_out_to_login(response)
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert IDLE_MESSAGE in page


def test_past_the_absolute_limit_signs_out_however_active(tree, staff_user):
    client = signed_in_client(staff_user)
    set_clock(client, signed_in=12 * HOUR + MINUTE, last_seen=MINUTE)

    response = client.get(reverse("home"))

    assert is_signed_out_to_login(response)
    assert "_auth_user_id" not in client.session
    assert ABSOLUTE_MESSAGE in client.get(response["Location"]).content.decode()


def test_the_limits_come_from_the_settings(tree, settings, staff_user):
    settings.SESSION_IDLE_TIMEOUT = 5 * MINUTE
    client = signed_in_client(staff_user)
    set_clock(client, last_seen=6 * MINUTE)

    assert is_signed_out_to_login(client.get(reverse("home")))


def test_the_signed_out_page_asks_to_come_back_to_where_it_was(tree, staff_user):
    client = signed_in_client(staff_user)
    set_clock(client, last_seen=31 * MINUTE)

    response = client.get(reverse("grid:unit_detail", args=[tree.grid.pk]))

    assert is_signed_out_to_login(response)
    assert "next=" in response["Location"]


def test_a_session_made_by_force_login_gets_its_clocks_on_the_first_request(client, tree, staff_user):
    client.force_login(staff_user)
    session = client.session
    session.pop(SIGNED_IN_AT, None)
    session.pop(LAST_SEEN_AT, None)
    session.save()

    assert client.get(reverse("home")).status_code == 200
    assert SIGNED_IN_AT in client.session and LAST_SEEN_AT in client.session


def test_logging_out_ends_the_session_on_the_server(tree, staff_user):
    client = signed_in_client(staff_user)
    key = client.session.session_key

    client.post(reverse("logout"))

    assert not Session.objects.filter(session_key=key).exists()
    assert is_signed_out_to_login(client.get(reverse("home")))


def test_a_deactivated_person_is_signed_out_on_the_next_request(tree, staff_user):
    client = signed_in_client(staff_user)
    assert client.get(reverse("home")).status_code == 200

    staff_user.is_active = False
    staff_user.save(update_fields=["is_active"])

    response = client.get(reverse("home"))
    assert is_signed_out_to_login(response)
    assert response.wsgi_request.user.is_anonymous
    # And cannot sign in again.
    response = client.post(reverse("login"), {"username": staff_user.username, "password": PASSWORD})
    assert response.status_code == 200 and response.wsgi_request.user.is_anonymous


def test_deactivating_in_the_admin_signs_the_person_out(tree, admin_user, staff_user):
    person = signed_in_client(staff_user)
    admin = Client()
    admin.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[staff_user.pk])
    data = form_values(admin.get(url), "user_form")
    data.pop("is_active", None)

    assert admin.post(url, data).status_code == 302

    staff_user.refresh_from_db()
    assert not staff_user.is_active
    assert is_signed_out_to_login(person.get(reverse("home")))


def test_a_password_change_ends_the_persons_other_sessions(tree, staff_user):
    office, phone = signed_in_client(staff_user), signed_in_client(staff_user)

    staff_user.set_password("Qinghe-Jiedao-2026")
    staff_user.save()

    assert is_signed_out_to_login(office.get(reverse("home")))
    assert is_signed_out_to_login(phone.get(reverse("home")))


def test_an_admin_resetting_a_password_ends_the_persons_sessions(tree, admin_user, staff_user):
    person = signed_in_client(staff_user)
    admin = Client()
    admin.force_login(admin_user)
    url = reverse("admin:auth_user_password_change", args=[staff_user.pk])
    new = "Qinghe-Jiedao-2026"

    response = admin.post(url, {"password1": new, "password2": new, "usable_password": "true"})

    assert response.status_code == 302
    assert is_signed_out_to_login(person.get(reverse("home")))
    # The admin's own session is untouched.
    assert admin.get(reverse("admin:index")).status_code == 200


def test_the_admin_refuses_a_weak_new_password_in_chinese(tree, admin_user, staff_user):
    admin = Client()
    admin.force_login(admin_user)
    url = reverse("admin:auth_user_password_change", args=[staff_user.pk])

    response = admin.post(
        url, {"password1": "demo12345", "password2": "demo12345", "usable_password": "true"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "密码太短，须至少包含 10 个字符。" in page
    assert "四类字符中的 3 类" in page
