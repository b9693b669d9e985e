"""How a change to a ledger record is written down (``LedgerChange.changes``).

Both the page actions and the bulk importer record through these two functions, so the
history page reads one format: ``{field name: [old text, new text]}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models


def as_text(value: Any) -> str:
    """A field value as it is kept in the history: dates ISO, booleans 是/否, FKs their pk."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)


def diff(instance: models.Model, values: dict[str, Any]) -> dict[str, list[str]]:
    """The fields of ``values`` that differ from ``instance``'s, as {field: [old, new]}.

    Keys are model field names (``ethnicity`` for a foreign key, compared by pk).
    """
    changed = {}
    for name, new in values.items():
        field = instance._meta.get_field(name)
        old = getattr(instance, field.attname)
        new_cmp = new.pk if isinstance(new, models.Model) else new
        if (old if old is not None else "") != (new_cmp if new_cmp is not None else ""):
            changed[name] = [as_text(old), as_text(new_cmp)]
    return changed


def snapshot(instance: models.Model, fields: list[str] | tuple[str, ...]) -> dict[str, list[str]]:
    """A creation recorded as every given field going from nothing to its value."""
    out = {}
    for name in fields:
        value = getattr(instance, instance._meta.get_field(name).attname)
        text = as_text(value)
        if text and text != "否":
            out[name] = ["", text]
    return out
