"""Inserting many rows at once: PostgreSQL ``COPY`` where we have it, ``bulk_create`` elsewhere.

A 100,000-row ledger import spends most of its database time inserting. ``COPY`` is the
fastest way into PostgreSQL, but returns no ids, so the ids are taken from the table's
sequence first (one query) and set on the objects, which later inserts (residents of
new households) then point at. SQLite, the embedded demo database, uses ``bulk_create``,
which returns ids there.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection, models
from django.utils import timezone

SQLITE_BATCH = 500


def bulk_insert(objs: Sequence[models.Model]) -> None:
    """Insert ``objs`` (all of one model, unsaved) and set their primary keys."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=SQLITE_BATCH)
        return
    meta = model._meta
    table = meta.db_table
    pk = meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk.column, len(objs)],
        )
        for obj, (new_id,) in zip(objs, cursor.fetchall(), strict=True):
            setattr(obj, pk.attname, new_id)
        fields = list(meta.concrete_fields)
        now = timezone.now()
        converters = [_converter(f, now) for f in fields]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        # psycopg 3: the Django cursor wraps the driver's; COPY goes through the raw one.
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([convert(obj) for convert in converters])


def _converter(field: models.Field, now):
    attname = field.attname
    if isinstance(field, models.JSONField):
        return lambda obj: json.dumps(getattr(obj, attname), ensure_ascii=False)
    if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
        return lambda obj: getattr(obj, attname) or now
    return lambda obj: getattr(obj, attname)
