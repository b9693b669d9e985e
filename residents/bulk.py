"""Writing many rows at once: PostgreSQL ``COPY`` where we have it, Django's bulk methods elsewhere.

A 100,000-row ledger import spends most of its database time writing. ``COPY`` is the
fastest way into PostgreSQL but returns no ids, so ids are taken from the table's sequence
first (one query) and written explicitly; rows inserted later (residents of new
households) point at them. SQLite, the embedded demo database, uses ``bulk_create`` and
``bulk_update``.

Rows are plain tuples of column values named by model attnames (``household_id``), so
the importer never builds a model instance per row. Columns not named get the field's
default (``auto_now`` fields: now).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from psycopg.adapt import Dumper
from psycopg.copy import Copy, FileWriter
from psycopg.pq import Format

SQLITE_BATCH = 500


class _JsonbDumper(Dumper):
    """A dict or list → jsonb's binary form (a version byte, then the JSON text).

    An import's history rows are mostly creations with no field copy, so ``{}`` skips the
    encoder."""

    format = Format.BINARY

    def dump(self, obj: Any) -> bytes:
        if not obj and obj.__class__ is dict:
            return b"\x01{}"
        return b"\x01" + json.dumps(obj, ensure_ascii=False).encode()


# The PostgreSQL type each kind of field is sent as. Declaring the types lets psycopg's
# compiled dumpers encode the rows in COPY's binary format, which the server also takes
# in with less work than text: adapting value by value in Python, then parsing text on
# the server, cost most of an import's write time.
_PG_TYPES = {
    "AutoField": "int4",
    "BigAutoField": "int8",
    "BigIntegerField": "int8",
    "PositiveBigIntegerField": "int8",
    "IntegerField": "int4",
    "PositiveIntegerField": "int4",
    "PositiveSmallIntegerField": "int2",
    "SmallIntegerField": "int2",
    "BooleanField": "bool",
    "DateField": "date",
    "DateTimeField": "timestamptz",
    "JSONField": "jsonb",
}


def _pg_type(field: models.Field) -> str:
    target = field.target_field if field.is_relation else field
    return _PG_TYPES.get(target.get_internal_type(), "text")


@dataclass(frozen=True)
class CopyPayload:
    """One ``COPY … FROM STDIN (FORMAT BINARY)`` statement and its data, already encoded."""

    sql: str
    data: bytes


def _payload(db: BaseDatabaseWrapper, table: str, fields: Sequence[models.Field], rows) -> CopyPayload:
    """Encode ``rows`` (tuples of Python values for ``fields``) for one binary ``COPY`` into
    ``table``. Values are what the fields store; a JSONField's is a dict or list.

    Only psycopg's encoders run here, no I/O, so a thread may encode the next rows while
    another sends the last ones on the same connection."""
    quote = db.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    driver = db.connection.cursor()  # psycopg's own cursor, for its encoders
    driver.adapters.register_dumper(None, _JsonbDumper)  # this cursor only: jsonb, by type
    out = io.BytesIO()
    with Copy(driver, binary=True, writer=FileWriter(out)) as copy:
        copy.set_types([_pg_type(f) for f in fields])
        write = copy.write_row
        for row in rows:
            write(row)
    return CopyPayload(f"COPY {quote(table)} ({columns}) FROM STDIN (FORMAT BINARY)", out.getvalue())


def send_copy(db: BaseDatabaseWrapper, payload: CopyPayload) -> None:
    with db.cursor() as cursor, cursor.cursor.copy(payload.sql) as copy:
        copy.write(payload.data)


def _defaults(model: type[models.Model], named: Sequence[str]) -> tuple[list[models.Field], list[Any]]:
    """The fields not in ``named`` (attnames), with the value each row gets for them."""
    now = timezone.now()
    fields, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in named:
            continue
        fields.append(field)
        if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
            values.append(now)
        else:
            values.append(field.get_default())
    return fields, values


def reserve_ids(model: type[models.Model], count: int, *, db: BaseDatabaseWrapper | None = None) -> list[int]:
    """``count`` new primary keys from the table's sequence (PostgreSQL), for rows written later."""
    db = db or connection
    meta = model._meta
    if not count:
        return []
    with db.cursor() as cursor:
        # The sequence is looked up once: inside the SELECT it would be looked up for every
        # row, which took ten times as long as the 100,000 nextval calls themselves.
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
        return [row[0] for row in cursor.fetchall()]


def insert_payload(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    constants: dict[str, Any] | None = None,
    *,
    ids: Sequence[int] | None = None,
    db: BaseDatabaseWrapper | None = None,
) -> CopyPayload:
    """The binary ``COPY`` that inserts ``rows`` (PostgreSQL), with primary keys ``ids``, or
    the table's own defaults when ``ids`` is None. ``constants`` as for ``insert_rows``."""
    db = db or connection
    constants = constants or {}
    meta = model._meta
    other_fields, other_values = _defaults(model, [*columns, *constants])
    fields = [
        *(meta.get_field(_field_name(meta, n)) for n in (*columns, *constants)),
        *other_fields,
    ]
    tail = (*constants.values(), *other_values)
    if ids is None:
        return _payload(db, meta.db_table, fields, ((*row, *tail) for row in rows))
    return _payload(
        db, meta.db_table, [meta.pk, *fields], ((pk, *row, *tail) for pk, row in zip(ids, rows, strict=True))
    )


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    constants: dict[str, Any] | None = None,
    *,
    db: BaseDatabaseWrapper | None = None,
) -> list[int]:
    """Insert ``rows`` (values for ``columns``) and return their new primary keys, in order.

    ``constants`` are columns with the same value on every row (who, when, which import).
    ``db`` is the connection to write on: the default one of this thread unless given.
    """
    if not rows:
        return []
    db = db or connection
    constants = constants or {}
    if db.vendor != "postgresql":
        objs = [model(**dict(zip(columns, row, strict=True)), **constants) for row in rows]
        model._default_manager.db_manager(db.alias).bulk_create(objs, batch_size=SQLITE_BATCH)
        return [obj.pk for obj in objs]
    ids = reserve_ids(model, len(rows), db=db)
    send_copy(db, insert_payload(model, columns, rows, constants, ids=ids, db=db))
    return ids


def update_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    db: BaseDatabaseWrapper | None = None,
) -> None:
    """Set ``columns`` on existing rows; each row is ``(pk, *values)``. ``db`` as for ``insert_rows``."""
    if not rows:
        return
    db = db or connection
    meta = model._meta
    if db.vendor != "postgresql":
        objs = []
        for pk, *values in rows:
            obj = model(pk=pk)
            for name, value in zip(columns, values, strict=True):
                setattr(obj, name, value)
            objs.append(obj)
        model._default_manager.db_manager(db.alias).bulk_update(
            objs, [_field_name(meta, c) for c in columns], batch_size=SQLITE_BATCH
        )
        return
    quote = db.ops.quote_name
    fields = [meta.get_field(_field_name(meta, c)) for c in columns]
    temp = f"tmp_update_{meta.db_table}"
    with db.cursor() as cursor:
        # A temporary table shaped like the target (types included), filled by COPY, then one
        # UPDATE ... FROM: bulk_update's CASE expressions grow too slow past a few thousand rows.
        # Identifiers come from model metadata, quoted; values travel by COPY, never in SQL.
        cursor.execute(
            f"CREATE TEMP TABLE {quote(temp)} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {quote(meta.pk.column)}, {', '.join(quote(f.column) for f in fields)} "
            f"FROM {quote(meta.db_table)} WITH NO DATA"
        )
        send_copy(db, _payload(db, temp, [meta.pk, *fields], rows))
        assignments = ", ".join(f"{quote(f.column)} = t.{quote(f.column)}" for f in fields)
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} AS m SET {assignments} FROM {quote(temp)} AS t "  # noqa: S608
            f"WHERE m.{quote(meta.pk.column)} = t.{quote(meta.pk.column)}"
        )
        cursor.execute(f"DROP TABLE {quote(temp)}")


def _field_name(meta, attname: str) -> str:
    """``household_id`` → ``household``; plain fields are their own name."""
    for field in meta.concrete_fields:
        if field.attname == attname:
            return field.name
    return attname


def bulk_insert(objs: Sequence[models.Model]) -> None:
    """Insert unsaved instances of one model and set their primary keys (for small batches
    and seed data; the importer uses ``insert_rows``)."""
    if not objs:
        return
    model = type(objs[0])
    columns = [
        f.attname
        for f in model._meta.concrete_fields
        if not f.primary_key and not getattr(f, "auto_now", False) and not getattr(f, "auto_now_add", False)
    ]
    ids = insert_rows(model, columns, [[getattr(obj, c) for c in columns] for obj in objs])
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
