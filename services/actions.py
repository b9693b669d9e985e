"""Writes to the services records. Every change goes through here and leaves its
``core.Change`` (the calendar's amendments, the same for every unit and so filed under none,
leave an audited write instead)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core import audit, history
from core.history import snapshot
from core.models import AuditKind
from grid.models import OrgLevel, OrgUnit
from grid.scope import unit_in_scope

from .models import Holiday, ServiceItem, Window

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


# --- the catalogue and the windows -----------------------------------------------------------

ITEM_FIELDS = ("category", "name", "time_limit", "materials", "active")
WINDOW_FIELDS = ("letter", "name", "is_minority_window", "languages", "categories", "active")


@transaction.atomic
def item_create(*, by, **fields: Any) -> ServiceItem:
    """A 事项 of the catalogue (the same for every hall; no change history: audited)."""
    item = ServiceItem(**fields)
    item.full_clean()
    item.save()
    audit.record(AuditKind.WRITE, user=by, obj=item, action=history.CREATE)
    return item


@transaction.atomic
def item_update(*, by, item: ServiceItem, **fields: Any) -> ServiceItem:
    current = ServiceItem.objects.select_for_update().get(pk=item.pk)
    changed = history.diff(current, fields)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if changed:
        audit.record(AuditKind.WRITE, user=by, obj=current, action=history.UPDATE)
    return current


def _clerks_in(community: OrgUnit, clerks) -> list:
    """Only accounts working in the community (or below it) sit at its windows."""
    return [
        user
        for user in clerks
        if getattr(getattr(user, "profile", None), "org_unit", None) is not None
        and user.profile.org_unit.path.startswith(community.path)
    ]


@transaction.atomic
def window_create(*, by, community: OrgUnit, clerks=(), **fields: Any) -> Window:
    if community.level != OrgLevel.COMMUNITY:
        raise ValidationError({"community": "服务窗口设在社区。"})
    if by is not None and not unit_in_scope(by, community):
        raise ValidationError({"community": "所选社区不在您的管辖范围内。"})
    window = Window(community=community, **fields)
    window.full_clean()
    window.save()
    window.clerks.set(_clerks_in(community, clerks))
    history.record(instance=window, action=history.CREATE, changes=snapshot(window, WINDOW_FIELDS), by=by)
    return window


@transaction.atomic
def window_update(*, by, window: Window, clerks=None, **fields: Any) -> Window:
    current = Window.objects.select_for_update().get(pk=window.pk)
    changes = history.diff(current, fields)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if clerks is not None:
        old = sorted(current.clerks.values_list("pk", flat=True))
        current.clerks.set(_clerks_in(current.community, clerks))
        new = sorted(current.clerks.values_list("pk", flat=True))
        if old != new:
            changes["clerks"] = [", ".join(map(str, old)), ", ".join(map(str, new))]
    if changes:
        history.record(instance=current, action=history.UPDATE, changes=changes, by=by)
    return current
