"""Celery tasks of the mediation app. Thin: a day in, an action called."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from .actions import cases_escalate


@shared_task(name="mediation.tasks.escalate_cases")
def escalate_cases(day: str | None = None) -> int:
    """升级预警 of the day (today in Asia/Shanghai unless given, ``YYYY-MM-DD``). A beat that
    fires twice, or late on the same day, writes nothing more."""
    when = dt.date.fromisoformat(day) if day else timezone.localdate()
    return len(cases_escalate(day=when))
