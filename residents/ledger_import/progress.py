"""Live progress of an import, readable while its transaction is still open.

A commit runs in one transaction, so a progress figure written to the import's own row
would stay invisible to the page until the end. The cache (Redis in production) is
outside the transaction; the row keeps the final figures.
"""

from __future__ import annotations

from django.core.cache import cache

TTL = 6 * 60 * 60


def _key(import_id: int) -> str:
    return f"ledger-import:{import_id}:progress"


def report(import_id: int, phase: str, done: int, total: int) -> None:
    cache.set(_key(import_id), {"phase": phase, "done": done, "total": total}, TTL)


def read(import_id: int) -> dict | None:
    return cache.get(_key(import_id))


def clear(import_id: int) -> None:
    cache.delete(_key(import_id))
