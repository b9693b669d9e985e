"""A real Celery worker process for tests marked ``@pytest.mark.worker``.

With REDIS_URL set, ``celery_worker_process`` starts ``celery -A config worker`` as a
subprocess against the pytest-django *test* database, waits until it answers a ping and
stops it at the end of the session. The mark also makes the test transactional: rows
inside a test's rolled-back transaction would be invisible to another process. After
triggering work (a view calling ``delay_on_commit``), call
``celery_worker_process.wait_until_idle()`` before checking the database. Without
REDIS_URL the settings run tasks eagerly in-process and the fixture only reports that.

Each session gets its own queue and worker name, so a parallel run (xdist) or a real
worker on the same Redis never takes the other's tasks — a task run against the wrong
database would be the worst kind of flaky test.

With REQUIRE_REAL_SERVICES=true a missing or silent worker fails the test, never skips it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
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
HOLD_PREFIX = f"pytest-{SESSION_ID}:hold:"
MEDIA_ROOT = Path(tempfile.gettempdir()) / f"minzu-test-media-{SESSION_ID}"


def real_services_required() -> bool:
    return os.environ.get("REQUIRE_REAL_SERVICES", "").lower() in {"1", "true", "yes", "on"}


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "")


@celery_app.task(name="tests.worker_probe")
def worker_probe(code: str) -> dict:
    """Runs inside the worker: which database and media directory it uses, and what it
    finds there — so the tests prove the worker reads what the test process wrote."""
    from django.db import connection

    from grid.models import OrgUnit

    return {
        "database": str(connection.settings_dict["NAME"]),
        "media_root": str(settings.MEDIA_ROOT),
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

    def wait_until_idle(self, timeout: float = 60.0) -> None:
        """Return once the worker has run every task queued so far; at once when eager.

        For tests that trigger work through a view (``delay_on_commit``) and then check
        the database: call it between the request and the assertions.
        """
        if not self.real:
            return
        deadline = time.monotonic() + timeout
        idle_in_a_row = 0
        # Two idle looks in a row: a task that queues a follow-up is not mistaken for done.
        while idle_in_a_row < 2:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"Celery worker 已退出（退出码 {self.process.returncode}）：\n{_tail(self.log_path)}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"Celery worker {timeout:.0f} 秒内未处理完队列中的任务：\n{_tail(self.log_path)}"
                )
            idle_in_a_row = idle_in_a_row + 1 if self._idle() else 0
            time.sleep(0.1)

    def _idle(self) -> bool:
        import redis

        with redis.Redis.from_url(redis_url()) as client:
            if client.llen(self.queue):
                return False
        inspector = celery_app.control.inspect(destination=[self.hostname], timeout=1.0)
        # The solo pool answers only between tasks: no reply means it is busy.
        active = inspector.active() or {}
        reserved = inspector.reserved() or {}
        if self.hostname not in active or self.hostname not in reserved:
            return False
        return not active[self.hostname] and not reserved[self.hostname]


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


@pytest.hookimpl(tryfirst=True)  # before pytest-django orders the tests by their DB use
def pytest_collection_modifyitems(items) -> None:
    """Tests marked ``worker`` get a transactional database: the worker only sees committed
    rows. Transactional tests (worker, live server) empty every table afterwards, including
    the reference rows data migrations made — the role groups, the 民族 list; serialized
    rollback puts those back before each such test."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        transactional = (
            "transactional_db" in fixtures
            or "live_server" in fixtures
            or item.get_closest_marker("worker") is not None
        )
        if transactional and not item.get_closest_marker("django_db"):
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


def pytest_configure(config) -> None:
    # Uploaded files (ledgers being imported) go to a throwaway directory that the test
    # process and the worker share, never to the developer's var/media.
    settings.MEDIA_ROOT = str(MEDIA_ROOT)
    if redis_url():
        # Before any task is sent: the router reads the default queue once.
        celery_app.conf.task_default_queue = f"pytest-{SESSION_ID}"


def pytest_unconfigure(config) -> None:
    shutil.rmtree(MEDIA_ROOT, ignore_errors=True)
    if redis_url():
        _forget_queue(celery_app.conf.task_default_queue)


@pytest.fixture(scope="session")
def celery_worker_process(request, django_db_setup) -> Iterator[WorkerHandle]:
    if not redis_url():
        if real_services_required():
            pytest.fail(
                "REQUIRE_REAL_SERVICES=true 但未设置 REDIS_URL：无法启动 Celery worker。", pytrace=False
            )
        assert settings.CELERY_TASK_ALWAYS_EAGER, "没有 REDIS_URL 时任务应在进程内立即执行"
        yield WorkerHandle(real=False)
        return

    queue = celery_app.conf.task_default_queue
    handle = _launch(queue=queue, name=f"pytest-{SESSION_ID}", pool=["--pool=solo"])
    try:
        _wait_until_answering(handle)
        yield handle
    finally:
        _stop(handle.process)
    # The log is kept only when something went wrong, to read after the run.
    if request.session.testsfailed == 0:
        handle.log_path.unlink(missing_ok=True)


def _launch(*, queue: str, name: str, pool: list[str]) -> WorkerHandle:
    hostname = f"{name}@{os.uname().nodename}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _worker_database_url(settings.DATABASES["default"]),
        "REDIS_URL": redis_url(),
        # No pooled connection outlives a task: the test run truncates tables between
        # tests and drops the database at the end.
        "CONN_MAX_AGE": "0",
        "MEDIA_ROOT": str(MEDIA_ROOT),
        "PYTHONUNBUFFERED": "1",
        # Fault tests watch heartbeats: send them often (the sweep's timeout is the test's).
        "JOB_HEARTBEAT_INTERVAL": "0.2",
        "PYTEST_JOB_HOLD_PREFIX": HOLD_PREFIX,
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        *pool,
        "--loglevel=INFO",
        f"--hostname={hostname}",
        f"--queues={queue}",
        "--include=tests.fixtures_worker",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    log_path = Path(tempfile.gettempdir()) / f"celery-worker-{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    return WorkerHandle(real=True, hostname=hostname, queue=queue, process=process, log_path=log_path)


@pytest.fixture
def spare_worker(request, celery_worker_process) -> Iterator[Callable[..., WorkerHandle]]:
    """``spare_worker(pool="prefork")`` → a worker process of the test's own, on a queue of
    its own (send tasks there with ``apply_async(queue=handle.queue)``), for the fault tests
    that kill it. Solo by default; prefork has one pool process. Gone after the test."""
    if not celery_worker_process.real:
        _fail_or_skip("没有 REDIS_URL：需要真实 Celery worker 进程的故障测试无法运行。")
    started: list[WorkerHandle] = []

    def start(pool: str = "solo") -> WorkerHandle:
        name = f"pytest-{SESSION_ID}-spare{len(started)}"
        args = ["--pool=solo"] if pool == "solo" else ["--pool=prefork", "--concurrency=1"]
        handle = _launch(queue=f"{name}-queue", name=name, pool=args)
        started.append(handle)
        _wait_until_answering(handle)
        return handle

    yield start
    for handle in started:
        if handle.process.poll() is None:
            handle.process.kill()
            handle.process.wait(timeout=10)
        _forget_queue(handle.queue)
        if not request.session.testsfailed:
            handle.log_path.unlink(missing_ok=True)


# --- holding a job mid-way, for the fault tests -------------------------------------------------


class Holds:
    """Stops a worker's job at its next progress report of ``phase`` (neither the first nor
    the last) until released, so a test can fault it there: kill the process, drop its
    database connection. Works through Redis, which the test and the workers share."""

    def key(self, job) -> str:
        return f"{HOLD_PREFIX}{job.job_progress_key}:{job.pk}"

    def hold(self, job, phase: str) -> None:
        import redis

        with redis.Redis.from_url(redis_url()) as client:
            client.set(self.key(job), phase, ex=300)

    def wait_held(self, job, timeout: float = 30.0) -> int:
        """The pid of the process that has stopped at the hold."""
        import redis

        deadline = time.monotonic() + timeout
        with redis.Redis.from_url(redis_url()) as client:
            while (pid := client.get(self.key(job) + ":held")) is None:
                assert time.monotonic() < deadline, f"任务 {timeout:.0f} 秒内未到达暂停点"
                time.sleep(0.05)
        return int(pid)

    def release(self, job) -> None:
        import redis

        with redis.Redis.from_url(redis_url()) as client:
            client.delete(self.key(job), self.key(job) + ":held")


@pytest.fixture
def holds(celery_worker_process) -> Iterator[Holds]:
    if not celery_worker_process.real:
        _fail_or_skip("没有 REDIS_URL：暂停 worker 中的任务需要真实 worker 进程。")
    made = Holds()
    yield made
    import redis

    with redis.Redis.from_url(redis_url()) as client:
        for key in client.scan_iter(f"{HOLD_PREFIX}*"):
            client.delete(key)


def _install_holds() -> None:
    """In a worker started by these fixtures: stop at a hold the test set (see ``Holds``)."""
    prefix = os.environ.get("PYTEST_JOB_HOLD_PREFIX")
    if not prefix:
        return
    import redis

    from core import progress

    report = progress.report

    def held_report(pk, phase, done, total, *, job):
        report(pk, phase, done, total, job=job)
        if not 0 < done < total:
            return
        key = f"{prefix}{job}:{pk}"
        with redis.Redis.from_url(redis_url()) as client:
            if client.get(key) != phase.encode():
                return
            client.set(key + ":held", os.getpid(), ex=300)
            deadline = time.monotonic() + 60
            while client.exists(key) and time.monotonic() < deadline:
                time.sleep(0.05)

    progress.report = held_report


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
def _worker_marker(request) -> Iterator[None]:
    """``@pytest.mark.worker`` alone is enough to get the worker. With a real broker, a test
    without the mark that queues a task fails with the fix in the message: nobody would
    run its task, or a worker would run it later against another test's rows."""
    if request.node.get_closest_marker("worker"):
        request.getfixturevalue("celery_worker_process")
        yield
        return
    yield
    if redis_url():
        import redis

        queue = celery_app.conf.task_default_queue
        with redis.Redis.from_url(redis_url()) as client:
            stray = client.llen(queue)
            client.delete(queue)
        if stray:
            pytest.fail(
                f"此测试向 Celery 发送了 {stray} 个任务，却没有真实 worker 执行："
                "请加上 @pytest.mark.worker 并使用 transactional_db，"
                "在断言前调用 celery_worker_process.wait_until_idle()。",
                pytrace=False,
            )


_install_holds()
