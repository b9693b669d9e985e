"""Background jobs (imports, exports, reports …) that survive the faults a worker meets.

A job is a row (a model inheriting :class:`Job`) whose status moves through its
``TransitionTable`` (``core.transitions``) and whose work is done by Celery tasks, one
*phase* at a time: a phase waits in a queued state and runs in a running state (the two
may be the same state, as for a ledger import's 导入中). The model declares them::

    class ReportJob(Job):
        status = models.CharField(max_length=20, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
        message = models.TextField(blank=True)

        transitions = TransitionTable(ReportStatus, [
            Move(ReportStatus.QUEUED, ReportStatus.RUNNING),
            Move(ReportStatus.RUNNING, ReportStatus.QUEUED),  # the sweep's retry
            Move(ReportStatus.RUNNING, ReportStatus.DONE),
            Move(ReportStatus.QUEUED, ReportStatus.FAILED),
            Move(ReportStatus.RUNNING, ReportStatus.FAILED),
        ])
        job_phases = (Phase(ReportStatus.QUEUED, ReportStatus.RUNNING, "reports.tasks.build_report"),)
        job_failed = ReportStatus.FAILED
        job_progress_key = "report"

its task is thin (ids in, an action called)::

    @shared_task(base=JobTask, bind=True, job_model="reports.ReportJob")
    def build_report(self, job_id: int) -> None:
        report_build(job_id=job_id, lease=self.request.id)

and the action claims the job before working, reports progress through it and finishes
through it::

    def report_build(*, job_id, lease=None):
        job = ReportJob.objects.get(pk=job_id)
        if not job_claim(job, ReportJob.job_phases[0], lease=lease):
            return job                     # someone else runs it, or it is over
        try:
            for done in …:
                job_progress(job, "生成", done, total)   # live figures + heartbeat
            job_move(job, ReportStatus.DONE)
        finally:
            job_progress_clear(job)

Which fault is covered by what:

- **Two starts at once** (two clicks, a task delivered twice): the start is a conditional
  ``UPDATE`` (``job_claim``: status as expected *and* no other live run holds the lease),
  so exactly one run works; the other is told, or returns without writing. A run's final
  move is conditional on its lease too (``job_move``), so a run that lost its lease (the
  sweep gave the job to another) cannot finish it: its transaction rolls back.
- **A pool process killed** (the OOM killer): the task is ``acks_late`` with
  ``reject_on_worker_lost``, so the broker hands the same message (same task id) out
  again at once; the lease is the task id, so that redelivery takes the job over.
- **The whole worker killed** (or its machine): nothing redelivers before the broker's
  visibility timeout (hours). The running job's heartbeat (``heartbeat_at``, touched by
  ``job_progress``) goes stale; ``jobs_sweep`` (Celery beat, every minute) finds it after
  ``JOB_HEARTBEAT_TIMEOUT`` seconds and queues it again, or fails it with a message once
  ``JOB_MAX_ATTEMPTS`` starts are spent. The late redelivery then finds the job taken or
  over and does nothing.
- **A database connection dropped** (failover, ``pg_terminate_backend``, a restart):
  :class:`JobTask` retries ``TRANSIENT_DB_ERRORS`` — Django's ``OperationalError`` and
  ``InterfaceError`` *and* psycopg's own ``OperationalError`` (incl. ``AdminShutdown``),
  which Django does not wrap when raised inside a raw ``COPY`` — with backoff and a bound,
  after closing every connection, so the retry starts on a fresh one. A job's work must be
  harmless to redo (the ledger import is all-or-nothing, so it is).
- **A task that gives up** (retries spent, a bug): :class:`JobTask` fails the job with
  ``job_gave_up_message``, so no page waits for ever.
- **A poison job** (one that kills its process every time): every start counts in
  ``attempts``; past ``JOB_MAX_ATTEMPTS`` the next claim fails the job instead of running it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from celery import current_app
from celery.contrib.django.task import DjangoTask
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections, models
from django.db.models import F, Q
from django.utils import timezone

from . import progress
from .transitions import TransitionRefused, table_of, transition

try:
    import psycopg
except ImportError:  # an SQLite-only install
    psycopg = None

logger = logging.getLogger(__name__)

#: What a retry may cure, whichever layer raised it. psycopg's errors reach us unwrapped from
#: a raw ``COPY`` (``AdminShutdown`` when the server ends the session).
TRANSIENT_DB_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError) + (
    (psycopg.OperationalError,) if psycopg else ()
)

LOST = "后台任务多次中断（工作进程失联或被终止），已停止执行。请稍后重试，或联系系统管理员。"
GAVE_UP = "后台任务出现系统错误，已停止执行。请稍后重试，或联系系统管理员。"


class JobLost(Exception):
    """This run no longer holds the job: another run took it over (the sweep found it lost)."""


@dataclass(frozen=True)
class Phase:
    """One stretch of a job's work done by one task: the state it waits in, the state it
    runs in (may be the same), and the Celery task name, called with the job's pk."""

    queued: str
    running: str
    task: str


def heartbeat_timeout() -> timedelta:
    return timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)


def max_attempts() -> int:
    return settings.JOB_MAX_ATTEMPTS


# A job's own bookkeeping, for an app's data inventory (``core.inventory``): system fields.
JOB_FIELDS = ("attempts", "heartbeat_at", "lease")


class Job(models.Model):
    """The fields any background job needs. A subclass declares ``transitions`` (with a
    ``status`` field), ``job_phases``, ``job_failed`` and, if not "job", ``job_progress_key``."""

    attempts = models.PositiveSmallIntegerField("执行次数", default=0)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    # The run holding the job: its Celery task id ("" while queued).
    lease = models.CharField("执行任务", max_length=64, blank=True)

    job_phases: ClassVar[tuple[Phase, ...]] = ()
    job_failed: ClassVar[str] = ""
    job_progress_key: ClassVar[str] = "job"
    job_lost_message: ClassVar[str] = LOST
    job_gave_up_message: ClassVar[str] = GAVE_UP

    class Meta:
        abstract = True

    def job_failure_values(self, message: str) -> dict[str, Any]:
        """The columns a failure sets besides the status (a model may add its own)."""
        return {"message": message}

    @classmethod
    def job_active_states(cls) -> set[str]:
        return {str(s) for p in cls.job_phases for s in (p.queued, p.running)}


def job_models() -> list[type[Job]]:
    """Every concrete job model installed: found by inheritance, so core names none of them."""
    return [m for m in apps.get_models() if issubclass(m, Job) and m.job_phases]


def _status(job: Job) -> str:
    return str(getattr(job, table_of(job).field))


def job_claim(job: Job, phase: Phase, *, lease: str) -> bool:
    """Start (or take over) ``phase`` of ``job`` for the run ``lease``; False if it may not.

    One conditional ``UPDATE``: the job must be in the phase's queued or running state and
    held by no other live run (no lease, this lease — a redelivery of the same task —, or a
    heartbeat older than ``JOB_HEARTBEAT_TIMEOUT``). From the queued state that is a
    recorded move to the running state. A job whose starts are spent is failed instead.
    """
    job.refresh_from_db()
    status = _status(job)
    if status not in {str(phase.queued), str(phase.running)}:
        return False
    now = timezone.now()
    free = Q(lease="") | Q(lease=lease) | Q(heartbeat_at__lt=now - heartbeat_timeout())
    if job.attempts >= max_attempts():
        note = f"已执行 {job.attempts} 次仍未完成，不再执行"
        job_fail(job, message=job.job_lost_message, note=note, where=free)
        return False
    values = {"lease": lease, "heartbeat_at": now, "attempts": F("attempts") + 1}
    if status == str(phase.queued) and phase.queued != phase.running:
        try:
            transition(job, phase.running, where=free, values=values)
        except TransitionRefused:
            return False
    else:
        rows = type(job)._default_manager.filter(pk=job.pk, **{table_of(job).field: status}).filter(free)
        if not rows.update(**values):
            return False
        job.refresh_from_db(fields=["lease", "heartbeat_at", "attempts"])
    job._heartbeat_sent = time.monotonic()
    return True


def job_move(job: Job, target: str, *, note: str = "", values: Mapping[str, Any] | None = None) -> Job:
    """A move made by the run holding ``job``: refused (``TransitionRefused``) if the run lost
    its lease meanwhile. Inside the job's transaction that refusal rolls its work back."""
    where = Q(lease=job.lease) if job.lease else None
    return transition(job, target, note=note, where=where, values={"heartbeat_at": None, **(values or {})})


def job_fail(
    job: Job, *, message: str, lease: str | None = None, note: str = "", where: Q | None = None
) -> bool:
    """Fail ``job`` from any queued or running state, with ``message`` for people.

    With ``lease``, only while that run (or none) holds it: a task giving up must not fail
    a job another run is doing; ``where`` adds a condition of the caller's. False when the
    job is over, or the conditions do not hold.
    """
    job.refresh_from_db()
    if _status(job) not in job.job_active_states():
        return False
    if lease:
        where = (Q(lease=lease) | Q(lease="")) & (where or Q())
    try:
        transition(
            job,
            job.job_failed,
            note=note or message,
            where=where,
            values={"heartbeat_at": None, **job.job_failure_values(message)},
        )
    except TransitionRefused:
        return False
    return True


def job_requeue(job: Job, phase: Phase, *, note: str) -> bool:
    """Give a lost run's job back to the queue (releasing its lease) and enqueue its task."""
    cutoff = timezone.now() - heartbeat_timeout()
    try:
        transition(
            job,
            phase.queued,
            note=note,
            where=Q(lease=job.lease, heartbeat_at__lt=cutoff),
            values={"lease": "", "heartbeat_at": None},
        )
    except TransitionRefused:
        return False  # it came back to life, or another sweep took it
    current_app.tasks[phase.task].delay_on_commit(job.pk)
    return True


def jobs_sweep() -> dict[str, int]:
    """Find jobs whose run stopped sending heartbeats, and retry or fail each.

    Run by Celery beat every minute. Returns how many were requeued and failed."""
    cutoff = timezone.now() - heartbeat_timeout()
    done = {"requeued": 0, "failed": 0}
    for model in job_models():
        table = model.transitions
        running = {str(p.running): p for p in model.job_phases}
        lost = model._default_manager.filter(**{f"{table.field}__in": running, "heartbeat_at__lt": cutoff})
        for job in lost:
            phase = running[_status(job)]
            silent = int((timezone.now() - job.heartbeat_at).total_seconds())
            if job.attempts >= max_attempts():
                note = f"工作进程失联 {silent} 秒，已执行 {job.attempts} 次，不再重试"
                if job_fail(job, message=job.job_lost_message, note=note):
                    done["failed"] += 1
            elif job_requeue(
                job, phase, note=f"工作进程失联 {silent} 秒，重新排队（第 {job.attempts + 1} 次执行）"
            ):
                done["requeued"] += 1
            logger.warning("job %s #%s lost (no heartbeat for %s s)", model._meta.label, job.pk, silent)
    return done


# --- heartbeat --------------------------------------------------------------------------


_aside = threading.local()


def _aside_connection():
    """A connection of its own for heartbeats sent from inside the job's transaction, which
    would otherwise stay invisible to the sweep until the job commits."""
    db = getattr(_aside, "db", None)
    if db is None:
        db = _aside.db = connections.create_connection(DEFAULT_DB_ALIAS)
    return db


def close_heartbeat_connection() -> None:
    db = getattr(_aside, "db", None)
    if db is not None:
        _aside.db = None
        db.close()


def job_heartbeat(job: Job, *, force: bool = False) -> None:
    """Tell the sweep that the run holding ``job`` is alive: at most every
    ``JOB_HEARTBEAT_INTERVAL`` seconds. Raises :class:`JobLost` when another run holds it."""
    now_mono = time.monotonic()
    if not force and now_mono - getattr(job, "_heartbeat_sent", 0.0) < settings.JOB_HEARTBEAT_INTERVAL:
        return
    job._heartbeat_sent = now_mono
    now = timezone.now()
    db = connections[DEFAULT_DB_ALIAS]
    if not db.in_atomic_block:
        touched = type(job)._default_manager.filter(pk=job.pk, lease=job.lease).update(heartbeat_at=now)
        holder = (
            None if touched else type(job)._default_manager.filter(pk=job.pk).values_list("lease").first()
        )
    elif db.vendor == "postgresql":
        touched, holder = _touch_aside(job, now)
    else:
        # SQLite has one writer, and the job's transaction is it. Only the embedded setup
        # runs on SQLite, and nothing there loses a worker.
        return
    if touched:
        job.heartbeat_at = now
    elif holder is not None and holder[0] != job.lease:
        raise JobLost(f"{job._meta.label} #{job.pk} is now held by {holder[0] or 'nobody'}")


def _touch_aside(job: Job, now) -> tuple[int, tuple | None]:
    meta = type(job)._meta
    db = _aside_connection()
    quote = db.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    try:
        with db.cursor() as cursor:
            # Never wait behind the job's own transaction (it must not deadlock on itself).
            cursor.execute("SET lock_timeout = '2s'")
            # Names from the model's own metadata, quoted; values as parameters.
            cursor.execute(
                f"UPDATE {table} SET {quote('heartbeat_at')} = %s "  # noqa: S608
                f"WHERE {pk} = %s AND {quote('lease')} = %s",
                [now, job.pk, job.lease],
            )
            if cursor.rowcount:
                return cursor.rowcount, None
            # Nothing touched: taken over, or a row this connection cannot see (the job was
            # created in a transaction still open, as in a test).
            cursor.execute(f"SELECT {quote('lease')} FROM {table} WHERE {pk} = %s", [job.pk])  # noqa: S608
            return 0, cursor.fetchone()
    except DatabaseError:
        # A missed heartbeat is no reason to stop the work; the next one reconnects.
        logger.warning("heartbeat of %s #%s not recorded", meta.label, job.pk, exc_info=True)
        close_heartbeat_connection()
        return 0, None


def job_progress(job: Job, phase: str, done: int, total: int) -> None:
    """Live progress for the job's page (the cache, outside any transaction) and a heartbeat."""
    progress.report(job.pk, phase, done, total, job=job.job_progress_key)
    job_heartbeat(job)


def job_progress_clear(job: Job) -> None:
    """The run is over: its live progress and its heartbeat connection go."""
    progress.clear(job.pk, job=job.job_progress_key)
    close_heartbeat_connection()


# --- the task side ----------------------------------------------------------------------


def close_connections() -> None:
    """This thread's database connections, closed: the next query opens a fresh one. Not one
    inside a transaction (a task run eagerly within a request or a test): that is the
    caller's, and a retry there could not start afresh anyway."""
    for db in connections.all(initialized_only=True):
        if db.in_atomic_block:
            continue
        # Already broken: closing it is what we wanted.
        with contextlib.suppress(DatabaseError):
            db.close()
    close_heartbeat_connection()


class JobTask(DjangoTask):
    """Base of a task running one phase of a job: ``job_model`` names it ("app.Model"), the
    first argument is its pk. See the module's docstring for what covers which fault."""

    job_model: str = ""
    autoretry_for = TRANSIENT_DB_ERRORS
    max_retries = 3
    retry_backoff = True  # 1, 2, 4 s … (jittered): a failover takes seconds
    retry_backoff_max = 60
    # Safe here, and only here: a redelivered job task re-claims its job (the lease is the
    # task id), and its work is harmless to redo.
    acks_late = True
    reject_on_worker_lost = True

    def retry(self, *args, **kwargs):
        # A broken connection must not be reused by the retry (psycopg's own errors leave
        # Django unaware that it is broken).
        close_connections()
        return super().retry(*args, **kwargs)

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        model = apps.get_model(self.job_model)
        pk = args[0] if args else next(iter(kwargs.values()))
        close_connections()
        job = model._default_manager.filter(pk=pk).first()
        if job is not None:
            # The error's class only: a database error's text may quote a row's personal data.
            job_fail(
                job, message=model.job_gave_up_message, lease=task_id, note=f"任务出错：{type(exc).__name__}"
            )

    def after_return(self, *args, **kwargs):
        close_heartbeat_connection()
