"""Writes to the services records. Every change goes through here and leaves its
``core.Change`` (the calendar's amendments, the same for every unit and so filed under none,
leave an audited write instead)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core import audit, history
from core.models import AuditKind

from .models import Holiday

HOLIDAY_FIELDS = ("date", "kind", "name")


@transaction.atomic
def holiday_create(*, by, **fields: Any) -> Holiday:
    holiday = Holiday(**fields)
    holiday.full_clean()
    holiday.save()
    audit.record(AuditKind.WRITE, user=by, obj=holiday, action=history.CREATE)
    return holiday


@transaction.atomic
def holiday_update(*, by, holiday: Holiday, **fields: Any) -> Holiday:
    current = Holiday.objects.select_for_update().get(pk=holiday.pk)
    changed = history.diff(current, fields)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if changed:
        audit.record(AuditKind.WRITE, user=by, obj=current, action=history.UPDATE)
    return current


@transaction.atomic
def holiday_delete(*, by, holiday: Holiday) -> None:
    audit.record(AuditKind.WRITE, user=by, obj=holiday, action=history.DELETE)
    holiday.delete()
