"""Sign-in lockout (django-axes, core/lockout.py) and the password policy (core/passwords.py).

An account is locked from one address after AXES_FAILURE_LIMIT failures, an address after
AXES_IP_FAILURE_LIMIT failures on any accounts; never an account everywhere. Locks end
with the cool-off or an administrator's reset.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.lockout import client_ip
from core.passwords import CharacterClassValidator
from tests.factories import UserFactory

PASSWORD = "pass-1234"
HOME = "10.0.0.1"
ELSEWHERE = "10.0.0.2"


@pytest.fixture(autouse=True)
def _limits(settings):
    # The shipped values, stated here so the tests read against them.
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_IP_FAILURE_LIMIT = 30
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.TRUSTED_PROXY_COUNT = 0


def superuser(username="root"):
    user = UserFactory(username=username, is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client, username, password, ip=HOME, url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail(client, username, times, ip=HOME, url=None):
    for _ in range(times):
        response = sign_in(client, username, "wrong-password", ip=ip, url=url)
    return response


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def is_lockout_page(response) -> bool:
    return response.status_code == 429 and "登录已暂时锁定" in response.content.decode()


# --- lockout --------------------------------------------------------------------------


def test_failures_below_the_limit_leave_the_account_open(client, staff_user):
    response = fail(client, staff_user.username, 4)
    assert response.status_code == 200 and "请输入一个正确的" in response.content.decode()

    assert sign_in(client, staff_user.username, PASSWORD).status_code == 302
    assert signed_in(client)


def test_the_limit_locks_the_account_at_that_address_even_with_the_right_password(client, staff_user):
    response = fail(client, staff_user.username, 5)
    assert is_lockout_page(response)
    page = response.content.decode()
    assert "15 分钟后再试" in page
    assert "<script>" not in page and "style=" not in page

    response = sign_in(client, staff_user.username, PASSWORD)
    assert is_lockout_page(response)
    assert not signed_in(client)
    attempt = AccessAttempt.objects.get(username=staff_user.username, ip_address=HOME)
    assert attempt.failures_since_start >= 5


def test_a_locked_account_still_signs_in_from_another_address(client, staff_user):
    # Someone guessing from HOME cannot lock the person out where they really work.
    fail(client, staff_user.username, 5, ip=HOME)

    assert sign_in(client, staff_user.username, PASSWORD, ip=ELSEWHERE).status_code == 302
    assert signed_in(client)


def test_another_account_still_signs_in_from_the_locked_address(client, staff_user, grid_worker):
    fail(client, staff_user.username, 5, ip=HOME)

    assert sign_in(client, grid_worker.username, PASSWORD, ip=HOME).status_code == 302
    assert signed_in(client)


def test_one_address_failing_on_many_accounts_is_locked_at_the_address_limit(
    client, settings, staff_user, grid_worker
):
    settings.AXES_IP_FAILURE_LIMIT = 12
    for n in range(3):
        # Four each: no account reaches its own limit of five.
        fail(client, f"guess{n}", 4, ip=HOME)

    response = sign_in(client, grid_worker.username, PASSWORD, ip=HOME)
    assert is_lockout_page(response)
    assert not signed_in(client)
    # Only that address: the same person elsewhere signs in.
    assert sign_in(client, grid_worker.username, PASSWORD, ip=ELSEWHERE).status_code == 302


def test_the_lock_ends_after_the_cool_off(client, staff_user):
    fail(client, staff_user.username, 5)
    assert is_lockout_page(sign_in(client, staff_user.username, PASSWORD))

    # Sixteen minutes on: the failures are older than the 15-minute cool-off.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert sign_in(client, staff_user.username, PASSWORD).status_code == 302
    assert signed_in(client)


def test_failures_during_the_lock_start_the_cool_off_again(client, staff_user):
    fail(client, staff_user.username, 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    fail(client, staff_user.username, 1)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))

    assert is_lockout_page(sign_in(client, staff_user.username, PASSWORD))


@pytest.mark.parametrize(
    "command, args",
    [("axes_reset", []), ("axes_reset_username", ["p_staff"]), ("axes_reset_ip", [HOME])],
)
def test_an_administrator_unlocks_with_the_reset_commands(client, staff_user, command, args):
    assert staff_user.username == "p_staff"
    fail(client, staff_user.username, 5)
    assert is_lockout_page(sign_in(client, staff_user.username, PASSWORD))

    call_command(command, *args)

    assert sign_in(client, staff_user.username, PASSWORD).status_code == 302


def test_a_superuser_unlocks_by_deleting_the_attempt_in_the_admin(client, staff_user):
    fail(client, staff_user.username, 5)
    attempt = AccessAttempt.objects.get(username=staff_user.username)
    admin = client.__class__()
    admin.force_login(superuser())
    changelist = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200 and staff_user.username in changelist.content.decode()

    response = admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert sign_in(client, staff_user.username, PASSWORD).status_code == 302


def test_the_admin_login_is_protected_too(client, db):
    root = superuser()
    admin_login = reverse("admin:login")
    assert sign_in(client, root.username, PASSWORD, url=admin_login).status_code == 302
    client.logout()
    response = fail(client, root.username, 5, url=admin_login)
    assert is_lockout_page(response)

    response = sign_in(client, root.username, PASSWORD, url=admin_login)
    assert is_lockout_page(response)
    assert not signed_in(client)
    assert AccessAttempt.objects.get(username="root").failures_since_start >= 5


def test_failures_on_the_admin_login_count_for_the_site_login(client, staff_user):
    fail(client, staff_user.username, 3, url=reverse("admin:login"))
    fail(client, staff_user.username, 2)

    assert is_lockout_page(sign_in(client, staff_user.username, PASSWORD))


def test_axes_enabled_off_means_no_lockout(client, settings, staff_user):
    settings.AXES_ENABLED = False
    fail(client, staff_user.username, 8)

    assert sign_in(client, staff_user.username, PASSWORD).status_code == 302


# --- the client's address -------------------------------------------------------------


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_proxy_the_address_is_the_connection_and_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("10.0.0.9", "1.2.3.4")) == "10.0.0.9"


def test_behind_one_proxy_the_address_is_the_one_it_appended(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client sent "1.2.3.4" itself; nginx appended the address it was reached from.
    assert client_ip(request_from("127.0.0.1", "1.2.3.4, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(request_from("127.0.0.1", "203.0.113.7")) == "203.0.113.7"
    assert client_ip(request_from("127.0.0.1")) == "127.0.0.1"


def test_behind_a_proxy_people_are_locked_out_by_their_own_address(client, settings, staff_user):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        client.post(
            reverse("login"),
            {"username": staff_user.username, "password": "wrong-password"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    response = client.post(
        reverse("login"),
        {"username": staff_user.username, "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert response.status_code == 302
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"


# --- password policy ------------------------------------------------------------------


def refusals(password, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


@pytest.mark.parametrize(
    "password, message",
    [
        ("Ab1!xyz", "密码太短，须至少包含 10 个字符。"),
        ("12345678901", "密码只包含数字。"),
        ("password123", "这个密码太常见了。"),
        ("abcdefghijk", "密码须至少包含大写字母、小写字母、数字、符号四类字符中的 3 类。"),
        ("abcdefgh1234", "密码须至少包含大写字母、小写字母、数字、符号四类字符中的 3 类。"),
    ],
)
def test_weak_passwords_are_refused_in_chinese(db, password, message):
    assert message in refusals(password)


def test_a_password_like_the_persons_name_is_refused(db):
    user = UserFactory.build(username="mahaiping2024", first_name="海平")
    assert any("相似" in message for message in refusals("Mahaiping2024", user))


@pytest.mark.parametrize("password", ["Qinghe-Jiedao7", "qinghe#jiedao7", "QINGHEJIEDAO7!", "Qinghejiedao7x"])
def test_three_kinds_of_character_and_ten_long_pass(db, password):
    assert refusals(password) == []


def test_the_kinds_counted():
    validator = CharacterClassValidator(min_classes=3)
    validator.validate("Aa1aaaaaaa")
    validator.validate("a1-aaaaaaa")
    validator.validate("Aa-aaaaaaa")
    with pytest.raises(ValidationError):
        validator.validate("民族团结进步创建工作1a")
    assert "3 类" in validator.get_help_text()


def test_the_demo_password_is_still_set_directly(db):
    # seed_demo sets a hash, bypassing the validators; the demo password would be refused.
    from demo.steps import DEMO_PASSWORD

    assert refusals(DEMO_PASSWORD)
