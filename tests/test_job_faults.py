"""Each fault a background job meets, on a real Celery worker and the real database.

A ledger import of 2,600 rows (two ranges: the first written before the fault) is stopped
in its worker at its first progress report (``holds``), faulted there, and must end
imported exactly once: every row new, nothing twice. A list's background export
(``core.ExportJob``) is stopped the same way and must end with its one file. Needs
REDIS_URL (a real worker); the dropped-connection test needs PostgreSQL. See docs/jobs.md
for the mechanisms.
"""

import os
import signal
import threading
import time

import pytest
from django.contrib.messages import get_messages
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse

from core.jobs import jobs_sweep
from core.transitions import history
from residents.ledger_import.actions import (
    ALREADY_RUNNING,
    ledger_import_confirm,
    ledger_import_create,
    ledger_import_preview,
)
from residents.models import Household, ImportStatus, LedgerImport, Resident
from residents.tasks import commit_ledger_import
from tests.ledger_files import rows_for, write_csv
from tests.ledger_history import LedgerChange

pytestmark = pytest.mark.worker

HOUSEHOLDS, MEMBERS = 1300, 2
ROWS = HOUSEHOLDS * MEMBERS


@pytest.fixture
def previewed(tree, admin_user, tmp_path):
    """An import previewed (in the test process) and ready to confirm."""
    path = write_csv(tmp_path / "台账.csv", rows_for(households=HOUSEHOLDS, members=MEMBERS))
    with path.open("rb") as fh:
        ledger_import = ledger_import_create(
            community=tree.community, file=fh, file_name=path.name, user=admin_user
        )
    ledger_import_preview(ledger_import=ledger_import)
    ledger_import.refresh_from_db()
    assert (ledger_import.status, ledger_import.new_count) == (ImportStatus.PREVIEWED, ROWS)
    return ledger_import


def confirmed(ledger_import, user):
    return ledger_import_confirm(ledger_import=ledger_import, by=user, skip_errors=False)


def wait_until_over(ledger_import, timeout: float = 60) -> LedgerImport:
    deadline = time.monotonic() + timeout
    while True:
        ledger_import.refresh_from_db()
        if ledger_import.status in {ImportStatus.DONE, ImportStatus.FAILED}:
            return ledger_import
        assert time.monotonic() < deadline, f"导入 {timeout} 秒内未结束：{ledger_import.status}"
        time.sleep(0.1)


def assert_imported_once(ledger_import):
    assert ledger_import.status == ImportStatus.DONE, ledger_import.message
    # Every row new: a second writer would have found the first one's rows and counted updates.
    assert (ledger_import.new_count, ledger_import.updated_count, ledger_import.unchanged_count) == (
        ROWS,
        0,
        0,
    )
    assert (Resident.objects.count(), Household.objects.count()) == (ROWS, HOUSEHOLDS)
    assert LedgerChange.objects.filter(ledger_import=ledger_import).count() == ROWS + HOUSEHOLDS


def moves(ledger_import) -> list[tuple[str, str]]:
    return [(t.from_state, t.to_state) for t in history(ledger_import)]


def test_a_killed_pool_process_hands_the_import_to_its_redelivery(previewed, admin_user, spare_worker, holds):
    worker = spare_worker(pool="prefork")
    confirmed(previewed, admin_user)
    holds.hold(previewed, "导入")
    commit_ledger_import.apply_async(args=[previewed.pk], queue=worker.queue)
    pid = holds.wait_held(previewed)
    assert pid != worker.process.pid  # a pool process, not the worker itself

    os.kill(pid, signal.SIGKILL)  # as the OOM killer does
    holds.release(previewed)

    ledger_import = wait_until_over(previewed)
    assert_imported_once(ledger_import)
    assert ledger_import.attempts == 2  # the redelivered task took its own claim over
    assert moves(ledger_import) == [
        (ImportStatus.PENDING, ImportStatus.VALIDATING),
        (ImportStatus.VALIDATING, ImportStatus.PREVIEWED),
        (ImportStatus.PREVIEWED, ImportStatus.COMMITTING),
        (ImportStatus.COMMITTING, ImportStatus.DONE),
    ]
    assert worker.process.poll() is None  # the worker itself lived on


def test_a_killed_worker_is_noticed_by_the_sweep_and_its_import_runs_again(
    previewed, admin_user, spare_worker, holds, celery_worker_process, settings
):
    settings.JOB_HEARTBEAT_TIMEOUT = 1.0  # the sweep runs here, in the test process
    worker = spare_worker()
    confirmed(previewed, admin_user)
    holds.hold(previewed, "导入")
    commit_ledger_import.apply_async(args=[previewed.pk], queue=worker.queue)
    holds.wait_held(previewed)

    worker.process.kill()  # the whole worker: nothing will redeliver before the visibility timeout
    worker.process.wait(timeout=10)
    holds.release(previewed)
    previewed.refresh_from_db()
    assert previewed.status == ImportStatus.COMMITTING  # as the page would see it, for hours

    deadline = time.monotonic() + 10
    while (swept := jobs_sweep())["requeued"] == 0:  # what beat does every minute
        assert time.monotonic() < deadline, "清扫任务 10 秒内未发现失联的导入"
        time.sleep(0.2)
    assert swept == {"requeued": 1, "failed": 0}
    celery_worker_process.wait_until_idle()

    ledger_import = wait_until_over(previewed)
    assert_imported_once(ledger_import)
    assert ledger_import.attempts == 2
    requeued = history(ledger_import).get(
        from_state=ImportStatus.COMMITTING, to_state=ImportStatus.COMMITTING
    )
    assert "失联" in requeued.note and requeued.by is None
    assert jobs_sweep() == {"requeued": 0, "failed": 0}  # nothing left to notice


def test_a_database_connection_dropped_during_the_copy_is_retried_on_a_fresh_one(
    previewed, admin_user, holds, celery_worker_process
):
    if connection.vendor != "postgresql":
        pytest.skip("需要 PostgreSQL：测试从服务器端终止导入所用的连接。")
    confirmed(previewed, admin_user)
    holds.hold(previewed, "导入")
    commit_ledger_import.delay(previewed.pk)
    holds.wait_held(previewed)

    # The import's connection, inside its transaction with the first range written.
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND state = 'idle in transaction'"
            )
            if cursor.fetchall():
                break
            assert time.monotonic() < deadline, "未找到导入所在的数据库连接"
            time.sleep(0.05)
    holds.release(previewed)  # its next COPY meets the dropped connection

    ledger_import = wait_until_over(previewed)
    assert_imported_once(ledger_import)
    assert ledger_import.attempts == 2
    celery_worker_process.wait_until_idle()
    log = celery_worker_process.log_path.read_text(errors="replace")
    # psycopg's own AdminShutdown, raised unwrapped from the COPY, was retried.
    assert "terminating connection due to administrator command" in log


def test_a_second_commit_click_is_told_it_is_already_running(
    previewed, admin_user, holds, celery_worker_process
):
    holds.hold(previewed, "导入")  # the first click's import stays running while both answer
    barrier = threading.Barrier(2)
    responses = [None, None]

    def click(i: int) -> None:
        try:
            client = Client()
            client.force_login(admin_user)
            barrier.wait(timeout=10)
            responses[i] = client.post(reverse("ledger_import:commit", args=[previewed.pk]))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=click, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    said = sorted(str(m) for r in responses for m in get_messages(r.wsgi_request))
    assert said == sorted(["已开始导入，可以离开本页，稍后回来查看结果。", ALREADY_RUNNING])
    holds.wait_held(previewed)
    holds.release(previewed)

    ledger_import = wait_until_over(previewed)
    celery_worker_process.wait_until_idle()
    assert_imported_once(ledger_import)
    assert ledger_import.attempts == 1  # one task, one start
    assert moves(ledger_import).count((ImportStatus.PREVIEWED, ImportStatus.COMMITTING)) == 1


# --- the same for a list's background export (core.ExportJob) -----------------------------------

EXPORT_ROWS = 2500  # two progress reports: the hold stops the first, at 2,000 rows


def test_a_killed_worker_is_noticed_by_the_sweep_and_its_export_is_built_again(
    tree, staff_user, spare_worker, holds, celery_worker_process, settings
):
    from core.exports import export_job_create
    from core.models import ExportStatus
    from core.tasks import run_export_job

    settings.JOB_HEARTBEAT_TIMEOUT = 1.0
    Household.objects.bulk_create(
        Household(community=tree.community, grid=tree.grid, number=f"{i:05d}") for i in range(EXPORT_ROWS)
    )
    job = export_job_create(user=staff_user, list_key="residents.households", params={}, full=False)
    worker = spare_worker()
    holds.hold(job, "生成")
    run_export_job.apply_async(args=[job.pk], queue=worker.queue)
    holds.wait_held(job)

    worker.process.kill()
    worker.process.wait(timeout=10)
    holds.release(job)
    job.refresh_from_db()
    assert job.status == ExportStatus.RUNNING and not job.file

    deadline = time.monotonic() + 10
    while jobs_sweep()["requeued"] == 0:
        assert time.monotonic() < deadline, "清扫任务 10 秒内未发现失联的导出"
        time.sleep(0.2)
    celery_worker_process.wait_until_idle()

    deadline = time.monotonic() + 60
    while True:
        job.refresh_from_db()
        if not job.is_running:
            break
        assert time.monotonic() < deadline, f"导出 60 秒内未结束：{job.status}"
        time.sleep(0.1)
    assert (job.status, job.row_count, job.attempts) == (ExportStatus.DONE, EXPORT_ROWS, 2), job.message
    assert job.file and job.file.storage.exists(job.file.name)
