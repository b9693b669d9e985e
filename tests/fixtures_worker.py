"""A real Celery worker process for tests marked ``@pytest.mark.worker``.

With REDIS_URL set, ``celery_worker_process`` starts ``celery -A config worker`` as a
subprocess against the pytest-django *test* database, waits until it answers a ping and
stops it at the end of the session. Tests that hand rows to it must use
``transactional_db``: rows inside a test's rolled-back transaction are invisible to
another process. Without REDIS_URL the settings run tasks eagerly in-process and the
fixture only reports that.

Each session gets its own queue and worker name, so a parallel run (xdist) or a real
worker on the same Redis never takes the other's tasks — a task run against the wrong
database would be the worst kind of flaky test.

With REQUIRE_REAL_SERVICES=true a missing or silent worker fails the test, never skips it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from kombu.exceptions import OperationalError

from config.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = float(os.environ.get("CELERY_TEST_WORKER_TIMEOUT", "60"))
SESSION_ID = uuid.uuid4().hex[:12]


def real_services_required() -> bool:
    return os.environ.get("REQUIRE_REAL_SERVICES", "").lower() in {"1", "true", "yes", "on"}


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "")


@celery_app.task(name="tests.worker_probe")
def worker_probe(code: str) -> dict:
    """Runs inside the worker: which database it reads and what it finds there.

    Lets the tests prove the worker reads the rows a test committed, not some other DB.
    """
    from django.db import connection

    from grid.models import OrgUnit

    return {
        "database": str(connection.settings_dict["NAME"]),
        "names": list(OrgUnit.objects.filter(code=code).values_list("name", flat=True)),
    }


@dataclass
class WorkerHandle:
    """What ``celery_worker_process`` yields: ``real`` is False when tasks run eagerly."""

    real: bool
    hostname: str = ""
    queue: str = ""
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    def ping(self, timeout: float = 2.0) -> bool:
        if not self.real:
            return True
        replies = celery_app.control.ping(destination=[self.hostname], timeout=timeout)
        return any(self.hostname in reply for reply in replies)


def _fail_or_skip(message: str) -> None:
    if real_services_required():
        pytest.fail(f"REQUIRE_REAL_SERVICES=true: {message}", pytrace=False)
    pytest.skip(message)


def _worker_database_url(db_settings: dict) -> str:
    """DATABASE_URL for the worker: the configured URL, pointed at the test database."""
    name = str(db_settings["NAME"])
    if db_settings["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{name}"
    url = urlsplit(os.environ["DATABASE_URL"])
    return url._replace(path="/" + quote(name)).geturl()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """With a real worker, an SQLite test database must be a file the worker can open."""
    db_settings = settings.DATABASES["default"]
    if redis_url() and db_settings["ENGINE"] == "django.db.backends.sqlite3":
        test_settings = db_settings.setdefault("TEST", {})
        if not test_settings.get("NAME"):
            test_settings["NAME"] = str(Path(tempfile.gettempdir()) / f"minzu-test-{SESSION_ID}.sqlite3")


def pytest_collection_modifyitems(items) -> None:
    """Transactional tests (a worker or the live server reads their committed rows) empty
    every table afterwards, including the reference rows data migrations made: the role
    groups, the 民族 list. Serialized rollback puts those back before each such test."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        transactional = "transactional_db" in fixtures or "live_server" in fixtures
        if transactional and not item.get_closest_marker("django_db"):
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


def pytest_configure(config) -> None:
    if redis_url():
        # Before any task is sent: the router reads the default queue once.
        celery_app.conf.task_default_queue = f"pytest-{SESSION_ID}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup) -> Iterator[WorkerHandle]:
    if not redis_url():
        if real_services_required():
            pytest.fail(
                "REQUIRE_REAL_SERVICES=true 但未设置 REDIS_URL：无法启动 Celery worker。", pytrace=False
            )
        assert settings.CELERY_TASK_ALWAYS_EAGER, "没有 REDIS_URL 时任务应在进程内立即执行"
        yield WorkerHandle(real=False)
        return

    queue = celery_app.conf.task_default_queue
    hostname = f"pytest-{SESSION_ID}@{os.uname().nodename}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _worker_database_url(settings.DATABASES["default"]),
        "REDIS_URL": redis_url(),
        # No pooled connection outlives a task: the test run truncates tables between
        # tests and drops the database at the end.
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        f"--hostname={hostname}",
        f"--queues={queue}",
        "--include=tests.fixtures_worker",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    log_path = Path(tempfile.gettempdir()) / f"celery-worker-{SESSION_ID}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    handle = WorkerHandle(real=True, hostname=hostname, queue=queue, process=process, log_path=log_path)
    try:
        _wait_until_answering(handle)
        yield handle
    finally:
        _stop(process)
        _forget_queue(queue)


def _wait_until_answering(handle: WorkerHandle) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    broker_error = ""
    while True:
        try:
            if handle.ping(timeout=1.0):
                return
        except OperationalError as exc:  # the broker itself is unreachable
            broker_error = f"无法连接 Redis（{exc}）。\n"
            time.sleep(1.0)
        if handle.process.poll() is not None:
            _fail_or_skip(
                f"Celery worker 启动失败（退出码 {handle.process.returncode}）：\n"
                f"{broker_error}{_tail(handle.log_path)}"
            )
        if time.monotonic() > deadline:
            _fail_or_skip(
                f"Celery worker {STARTUP_TIMEOUT:.0f} 秒内未响应 ping：\n{broker_error}{_tail(handle.log_path)}"
            )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # warm shutdown: a running task is finished first
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _forget_queue(queue: str) -> None:
    """Remove this session's queue and its binding from Redis; nothing else uses them."""
    import redis

    # Cleaning up throwaway keys must never fail the run.
    with contextlib.suppress(redis.RedisError), redis.Redis.from_url(redis_url()) as client:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no worker log)"


@pytest.fixture(autouse=True)
def _worker_marker(request) -> None:
    """``@pytest.mark.worker`` alone is enough to get the worker."""
    if request.node.get_closest_marker("worker"):
        request.getfixturevalue("celery_worker_process")
