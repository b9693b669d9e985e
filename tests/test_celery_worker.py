"""The Celery plumbing the tasks rely on: a worker that answers and reads the test database.

In the embedded mode (no REDIS_URL) the same tests run the task eagerly in-process.
"""

import os

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from tests.factories import OrgUnitFactory
from tests.fixtures_worker import worker_probe

pytestmark = pytest.mark.worker


def test_the_test_process_and_the_worker_share_one_broker(celery_worker_process):
    if os.environ.get("REDIS_URL"):
        assert celery_worker_process.real
        assert celery_app.conf.broker_url == os.environ["REDIS_URL"] == settings.CELERY_BROKER_URL
        assert not celery_app.conf.task_always_eager
    else:
        assert not celery_worker_process.real
        assert celery_app.conf.task_always_eager


def test_the_worker_answers_a_ping(celery_worker_process):
    assert celery_worker_process.ping()
    if celery_worker_process.real:
        assert celery_worker_process.process.poll() is None


def test_a_task_reads_the_rows_the_test_committed(celery_worker_process):
    OrgUnitFactory(code="PROBE01", name="探针区")

    result = worker_probe.delay("PROBE01").get(timeout=30)

    assert result == {
        "database": str(connection.settings_dict["NAME"]),
        "media_root": str(settings.MEDIA_ROOT),
        "names": ["探针区"],
    }


def test_uploads_go_to_a_throwaway_directory_shared_with_the_worker(celery_worker_process):
    assert "minzu-test-media-" in str(settings.MEDIA_ROOT)


def test_wait_until_idle_returns_once_queued_tasks_have_run(celery_worker_process):
    results = [worker_probe.delay(f"PROBE{n}") for n in range(3)]

    celery_worker_process.wait_until_idle()

    assert all(result.ready() for result in results)
