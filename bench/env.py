"""The benchmark's own PostgreSQL database and the Django settings it runs under.

The parent process creates a scratch database next to the others on the server (never
the ``test`` database ``make test-real`` uses), points ``DATABASE_URL`` at it, and every
measured phase runs in a child process that inherits that environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench-out"
MEDIA_DIR = OUT_DIR / "media"
DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_DB_NAME = "bench_ledger"
# The floor phase copies the raw cells here: one text column per ledger column.
FLOOR_TABLE = "bench_floor_rows"
# The tables a first import fills, parents before children (the write-floor phase refills them).
WRITTEN_TABLES = (
    "grid_building",
    "grid_unit",
    "residents_household",
    "residents_resident",
    "residents_floatingregistration",
    "core_change",
)


def admin_url() -> str:
    """The maintenance database the scratch database is created from (``BENCH_ADMIN_DATABASE_URL``)."""
    return os.environ.get("BENCH_ADMIN_DATABASE_URL", DEFAULT_ADMIN_URL)


def scratch_url(name: str) -> str:
    parts = urlsplit(admin_url())
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_database(name: str) -> str:
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return scratch_url(name)


def drop_database(name: str) -> None:
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def configure(database_url: str) -> None:
    """The environment every phase runs in: production-like settings on the scratch database.

    DEBUG off (Django keeps no query log), no Redis (tasks and progress stay in-process),
    uploaded files under bench-out/, not the demo's var/media.
    """
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-scratch-database-key",
            "ALLOWED_HOSTS": "localhost",
            "STATIC_MANIFEST": "false",
            "MEDIA_ROOT": str(MEDIA_DIR),
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    os.environ.pop("REDIS_URL", None)


def setup_django() -> None:
    import django

    django.setup()
