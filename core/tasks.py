"""Periodic tasks every app relies on."""

from __future__ import annotations

from celery import shared_task

from .jobs import jobs_sweep


@shared_task(name="core.tasks.sweep_lost_jobs")
def sweep_lost_jobs() -> dict[str, int]:
    return jobs_sweep()
