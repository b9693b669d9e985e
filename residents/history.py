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
    if value.__class__ is str:
        return value
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
    old = {name: getattr(instance, instance._meta.get_field(name).attname) for name in values}
    new = {name: value.pk if isinstance(value, models.Model) else value for name, value in values.items()}
    return diff_values(old, new)


def diff_values(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[str]]:
    """``diff`` for plain values (a foreign key as its pk), as the bulk importer holds them."""
    changed = {}
    for name, value in new.items():
        before = old.get(name)
        if (before if before is not None else "") != (value if value is not None else ""):
            changed[name] = [as_text(before), as_text(value)]
    return changed


def creation(values: dict[str, Any]) -> dict[str, list[str]]:
    """A record created with ``values``: each field that was set, from nothing to its value."""
    out = {}
    for name, value in values.items():
        if value is None or value is False or value == "":
            continue
        out[name] = ["", as_text(value)]
    return out


def snapshot(instance: models.Model, fields: list[str] | tuple[str, ...]) -> dict[str, list[str]]:
    """A creation recorded as every given field going from nothing to its value."""
    return creation({name: getattr(instance, instance._meta.get_field(name).attname) for name in fields})
