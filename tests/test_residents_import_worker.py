"""A large ledger import through the real path: a Celery worker process when REDIS_URL is
set (CI, PostgreSQL), eagerly in-process otherwise. The page's progress comes from the
cache, which the worker and the web process share."""

import time

import pytest
from django.urls import reverse

from core import progress
from residents.ledger_import.actions import ledger_import_create
from residents.models import Household, ImportStatus, LedgerImport, Resident
from residents.tasks import commit_ledger_import, preview_ledger_import
from tests.ledger_files import rows_for, write_xlsx

pytestmark = pytest.mark.worker

ROWS = 6000


def wait_for(pk: int, done: set[str], samples: list, timeout: float = 180) -> LedgerImport:
    deadline = time.monotonic() + timeout
    while True:
        ledger_import = LedgerImport.objects.get(pk=pk)
        samples.append((ledger_import.status, progress.read(pk, job=LedgerImport.job_progress_key)))
        if ledger_import.status in done:
            return ledger_import
        assert time.monotonic() < deadline, f"导入 {timeout} 秒内未完成：{samples[-3:]}"
        time.sleep(0.05)


def test_a_large_import_runs_in_the_worker_and_reports_progress(
    celery_worker_process, tree, admin_user, tmp_path, client
):
    path = write_xlsx(tmp_path / "大台账.xlsx", rows_for(households=ROWS // 3, members=3))
    with path.open("rb") as fh:
        ledger_import = ledger_import_create(
            community=tree.community, file=fh, file_name=path.name, user=admin_user
        )

    samples: list = []
    preview_ledger_import.delay(ledger_import.pk)
    previewed = wait_for(ledger_import.pk, {ImportStatus.PREVIEWED, ImportStatus.FAILED}, samples)
    assert (previewed.status, previewed.new_count, previewed.error_count) == (ImportStatus.PREVIEWED, ROWS, 0)
    assert not Resident.objects.exists()

    commit_ledger_import.delay(ledger_import.pk)
    client.force_login(admin_user)
    polled = client.get(reverse("ledger_import:progress", args=[ledger_import.pk]))
    assert polled.status_code == 200
    done = wait_for(ledger_import.pk, {ImportStatus.DONE, ImportStatus.FAILED}, samples)

    assert done.status == ImportStatus.DONE, done.message
    assert Resident.objects.count() == ROWS
    assert Household.objects.count() == ROWS // 3
    if celery_worker_process.real:
        # The page saw the import running, and the figures moved while it did.
        running = [
            s
            for s in samples
            if s[0] in {ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.COMMITTING}
        ]
        assert running, samples[:5]
        assert any(live and 0 < live["done"] <= live["total"] == ROWS for _, live in samples), samples[:20]
    # Cleared once finished: the worker clears it just after committing, so allow a moment.
    deadline = time.monotonic() + 10
    while progress.read(ledger_import.pk, job=LedgerImport.job_progress_key) is not None:
        assert time.monotonic() < deadline, "导入完成后进度记录未清除"
        time.sleep(0.05)
