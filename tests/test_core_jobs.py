"""Background jobs (core/jobs.py) below the worker: claims, heartbeats, the sweep, give-ups,
and the import's 确认导入 / 重试 built on them. The real faults are in test_job_faults.py.

Tasks the pages enqueue are caught (``django_capture_on_commit_callbacks``) and run here
with ``.apply()``, so these tests need no worker with or without a broker.
"""

import datetime as dt

import psycopg
import pytest
from django.contrib.messages import get_messages
from django.db import InterfaceError, OperationalError
from django.urls import reverse
from django.utils import timezone

from core.jobs import TRANSIENT_DB_ERRORS, JobLost, job_claim, job_heartbeat, job_move, jobs_sweep
from core.transitions import TransitionRefused, history
from grid.models import Role
from residents.ledger_import.actions import ALREADY_RUNNING, ledger_import_create
from residents.models import ImportStatus, LedgerImport, Resident
from residents.tasks import commit_ledger_import, preview_ledger_import
from tests.factories import make_person
from tests.ledger_files import rows_for, write_xlsx

pytestmark = pytest.mark.django_db

PREVIEW, COMMIT = LedgerImport.job_phases


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def uploaded(tree, admin_user, tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", rows_for(households=2, members=2))
    with path.open("rb") as fh:
        return ledger_import_create(community=tree.community, file=fh, file_name=path.name, user=admin_user)


def set_state(ledger_import, **values) -> LedgerImport:
    LedgerImport.objects.filter(pk=ledger_import.pk).update(**values)
    ledger_import.refresh_from_db()
    return ledger_import


def ago(seconds: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)


# --- the claim -----------------------------------------------------------------------------------


def test_a_claimed_job_is_refused_to_a_second_run_while_the_first_is_alive(uploaded):
    assert job_claim(uploaded, PREVIEW, lease="task-a")
    other = LedgerImport.objects.get(pk=uploaded.pk)

    assert not job_claim(other, PREVIEW, lease="task-b")

    uploaded.refresh_from_db()
    assert (uploaded.status, uploaded.lease, uploaded.attempts) == (ImportStatus.VALIDATING, "task-a", 1)
    assert [(t.from_state, t.to_state) for t in history(uploaded)] == [
        (ImportStatus.PENDING, ImportStatus.VALIDATING)
    ]


def test_a_redelivery_of_the_same_task_takes_its_job_over(uploaded):
    assert job_claim(uploaded, PREVIEW, lease="task-a")
    assert job_claim(LedgerImport.objects.get(pk=uploaded.pk), PREVIEW, lease="task-a")
    uploaded.refresh_from_db()
    assert (uploaded.status, uploaded.lease, uploaded.attempts) == (ImportStatus.VALIDATING, "task-a", 2)


def test_a_run_silent_for_longer_than_the_timeout_may_be_taken_over(uploaded, settings):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    set_state(uploaded, status=ImportStatus.VALIDATING, lease="task-a", heartbeat_at=ago(61), attempts=1)

    assert job_claim(uploaded, PREVIEW, lease="task-b")
    assert (uploaded.lease, uploaded.attempts) == ("task-b", 2)


def test_a_claim_of_a_job_that_is_over_does_nothing(uploaded):
    set_state(uploaded, status=ImportStatus.DONE)
    assert not job_claim(uploaded, COMMIT, lease="task-a")
    uploaded.refresh_from_db()
    assert (uploaded.status, uploaded.attempts, uploaded.lease) == (ImportStatus.DONE, 0, "")


def test_a_job_whose_starts_are_spent_is_failed_instead_of_run_again(uploaded, settings):
    settings.JOB_MAX_ATTEMPTS = 3
    set_state(uploaded, status=ImportStatus.COMMITTING, lease="task-a", heartbeat_at=ago(1), attempts=3)

    assert not job_claim(uploaded, COMMIT, lease="task-a")  # e.g. a file that kills its process each time

    uploaded.refresh_from_db()
    assert uploaded.status == ImportStatus.FAILED
    assert uploaded.message == LedgerImport.job_lost_message and "重试" in uploaded.message


# Outside a transaction, as a worker runs: a heartbeat inside one waits for the job's own.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_run_that_lost_its_claim_cannot_finish_the_job(uploaded):
    assert job_claim(uploaded, PREVIEW, lease="task-a")
    set_state(LedgerImport.objects.get(pk=uploaded.pk), lease="task-b")  # the sweep gave it away

    with pytest.raises(TransitionRefused):
        job_move(uploaded, ImportStatus.PREVIEWED)
    with pytest.raises(JobLost):
        job_heartbeat(uploaded, force=True)
    assert LedgerImport.objects.get(pk=uploaded.pk).status == ImportStatus.VALIDATING


# Outside a transaction, as a worker runs: a heartbeat inside one waits for the job's own.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_heartbeat_is_recorded_for_the_run_holding_the_job(uploaded):
    assert job_claim(uploaded, PREVIEW, lease="task-a")
    set_state(uploaded, heartbeat_at=ago(100))
    uploaded.lease = "task-a"

    job_heartbeat(uploaded, force=True)

    assert LedgerImport.objects.get(pk=uploaded.pk).heartbeat_at > ago(5)


# --- the sweep -----------------------------------------------------------------------------------


def test_the_sweep_queues_a_lost_commit_again_and_it_completes(
    uploaded, settings, django_capture_on_commit_callbacks
):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    set_state(uploaded, status=ImportStatus.COMMITTING, lease="dead-task", heartbeat_at=ago(61), attempts=1)

    with django_capture_on_commit_callbacks() as callbacks:
        assert jobs_sweep() == {"requeued": 1, "failed": 0}
    uploaded.refresh_from_db()
    assert (uploaded.status, uploaded.lease, uploaded.heartbeat_at) == (ImportStatus.COMMITTING, "", None)
    assert "失联" in history(uploaded).get().note
    assert len(callbacks) == 1

    commit_ledger_import.apply(args=[uploaded.pk])  # the task the sweep enqueued
    uploaded.refresh_from_db()
    assert (uploaded.status, uploaded.new_count, uploaded.attempts) == (ImportStatus.DONE, 4, 2)
    assert Resident.objects.count() == 4


def test_the_sweep_puts_a_lost_dry_run_back_in_the_queue(
    uploaded, settings, django_capture_on_commit_callbacks
):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    set_state(uploaded, status=ImportStatus.VALIDATING, lease="dead-task", heartbeat_at=ago(61), attempts=1)

    with django_capture_on_commit_callbacks():
        jobs_sweep()

    uploaded.refresh_from_db()
    assert (uploaded.status, uploaded.lease) == (ImportStatus.PENDING, "")


def test_the_sweep_fails_a_lost_job_whose_starts_are_spent_with_a_chinese_message(uploaded, settings):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    settings.JOB_MAX_ATTEMPTS = 2
    set_state(uploaded, status=ImportStatus.COMMITTING, lease="dead-task", heartbeat_at=ago(61), attempts=2)

    assert jobs_sweep() == {"requeued": 0, "failed": 1}

    uploaded.refresh_from_db()
    assert uploaded.status == ImportStatus.FAILED
    assert uploaded.message == LedgerImport.job_lost_message
    assert uploaded.can_retry


def test_the_sweep_leaves_live_and_queued_jobs_alone(uploaded, tree, settings):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    set_state(uploaded, status=ImportStatus.COMMITTING, lease="live-task", heartbeat_at=ago(10), attempts=1)
    waiting = LedgerImport.objects.create(
        community=tree.community, file_name="b.csv", sha256="0" * 64, status=ImportStatus.COMMITTING
    )

    assert jobs_sweep() == {"requeued": 0, "failed": 0}
    assert LedgerImport.objects.get(pk=uploaded.pk).lease == "live-task"
    assert LedgerImport.objects.get(pk=waiting.pk).status == ImportStatus.COMMITTING


def test_the_sweep_runs_every_minute_from_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-lost-jobs"]
    assert (entry["task"], entry["schedule"]) == ("core.tasks.sweep_lost_jobs", 60.0)


# --- the task ------------------------------------------------------------------------------------


def test_both_drivers_transient_errors_are_retried():
    for error in (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.errors.AdminShutdown):
        assert issubclass(error, TRANSIENT_DB_ERRORS), error
    assert commit_ledger_import.acks_late and commit_ledger_import.reject_on_worker_lost
    assert set(TRANSIENT_DB_ERRORS) <= set(commit_ledger_import.autoretry_for)


def test_a_transient_error_is_retried_and_the_import_completes(uploaded, monkeypatch):
    from residents.ledger_import import actions

    real, calls = actions.import_rows, []

    def drops_once(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise psycopg.errors.AdminShutdown("terminating connection due to administrator command")
        return real(**kwargs)

    monkeypatch.setattr(actions, "import_rows", drops_once)
    # As a worker runs it (eagerly, the retry runs at once).
    commit_ledger_import.apply(args=[uploaded.pk], throw=False)

    uploaded.refresh_from_db()
    assert (uploaded.status, uploaded.new_count, uploaded.attempts, len(calls)) == (
        ImportStatus.DONE,
        4,
        2,
        2,
    )


def test_a_task_that_keeps_failing_fails_its_import_with_a_message(uploaded, monkeypatch):
    from residents.ledger_import import actions

    def always(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(actions, "import_rows", always)
    monkeypatch.setattr(commit_ledger_import, "max_retries", 0)  # gives up at the first retry
    result = commit_ledger_import.apply(args=[uploaded.pk], throw=False)

    assert isinstance(result.result, OperationalError)
    uploaded.refresh_from_db()
    assert (uploaded.status, uploaded.message) == (ImportStatus.FAILED, LedgerImport.job_gave_up_message)
    assert not Resident.objects.exists()
    assert history(uploaded).last().note == "任务出错：OperationalError"  # no row data in the log


# --- the pages: 确认导入 once, 重试 -----------------------------------------------------------------


@pytest.fixture
def community_admin(tree):
    return make_person(role=Role.ADMIN, unit=tree.community, username="c_admin")


def previewed(ledger_import) -> LedgerImport:
    preview_ledger_import.apply(args=[ledger_import.pk])
    ledger_import.refresh_from_db()
    assert ledger_import.status == ImportStatus.PREVIEWED
    return ledger_import


def test_a_second_commit_click_is_told_it_is_already_running(
    client, community_admin, uploaded, django_capture_on_commit_callbacks
):
    ledger_import = previewed(uploaded)
    client.force_login(community_admin)
    url = reverse("ledger_import:commit", args=[ledger_import.pk])

    with django_capture_on_commit_callbacks() as callbacks:
        first = client.post(url)
        said_first = [str(m) for m in get_messages(first.wsgi_request)]
        client.get(reverse("ledger_import:detail", args=[ledger_import.pk]))  # read them
        second = client.post(url)

    assert len(callbacks) == 1  # one task queued
    assert [str(m) for m in get_messages(second.wsgi_request)] == [ALREADY_RUNNING]
    assert said_first == ["已开始导入，可以离开本页，稍后回来查看结果。"]
    ledger_import.refresh_from_db()
    assert ledger_import.status == ImportStatus.COMMITTING
    [confirm] = history(ledger_import).filter(to_state=ImportStatus.COMMITTING)
    assert (confirm.from_state, confirm.by) == (ImportStatus.PREVIEWED, community_admin)


def test_a_failed_import_is_retried_from_its_file_without_a_new_upload(
    client, community_admin, uploaded, django_capture_on_commit_callbacks
):
    set_state(uploaded, status=ImportStatus.FAILED, message=LedgerImport.job_gave_up_message, attempts=4)
    client.force_login(community_admin)
    detail = client.get(reverse("ledger_import:detail", args=[uploaded.pk])).content.decode()
    assert reverse("ledger_import:retry", args=[uploaded.pk]) in detail and "重试" in detail

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("ledger_import:retry", args=[uploaded.pk]))

    assert response.status_code == 302 and len(callbacks) == 1
    uploaded.refresh_from_db()
    assert (uploaded.status, uploaded.attempts, uploaded.message) == (ImportStatus.PENDING, 0, "")
    retry = history(uploaded).get()
    assert (retry.from_state, retry.to_state, retry.by, retry.note) == (
        ImportStatus.FAILED,
        ImportStatus.PENDING,
        community_admin,
        "重试",
    )
    assert previewed(uploaded).new_count == 4  # the dry run again, then 确认导入 as usual


def test_only_a_failed_import_may_be_retried(client, community_admin, uploaded):
    set_state(uploaded, status=ImportStatus.DONE)
    client.force_login(community_admin)

    response = client.post(reverse("ledger_import:retry", args=[uploaded.pk]))

    assert "不能改为" in [str(m) for m in get_messages(response.wsgi_request)][0]
    assert LedgerImport.objects.get(pk=uploaded.pk).status == ImportStatus.DONE
    assert not history(uploaded).exists()


def test_retry_needs_the_import_permission_and_the_scope(client, persona, tree, uploaded):
    set_state(uploaded, status=ImportStatus.FAILED)
    url = reverse("ledger_import:retry", args=[uploaded.pk])
    client.force_login(persona(Role.STAFF))
    assert client.post(url).status_code == 403
    client.force_login(make_person(role=Role.ADMIN, unit=tree.other_community, username="other_admin"))
    assert client.post(url).status_code == 404
    assert client.get(url).status_code in {404, 405}
    assert LedgerImport.objects.get(pk=uploaded.pk).status == ImportStatus.FAILED
