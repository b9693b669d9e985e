"""Live progress of an import or an export, readable while its task is still working.

A commit runs in one transaction, so a progress figure written to the import's own row
would stay invisible to the page until the end. The cache (Redis in production) is
outside the transaction; the row keeps the final figures. Exports report here too
(``job="ledger-export"``) so their page polls the same way.
"""

from __future__ import annotations

from django.core.cache import cache

TTL = 6 * 60 * 60
IMPORT = "ledger-import"
EXPORT = "ledger-export"


def _key(pk: int, job: str) -> str:
    return f"{job}:{pk}:progress"


def report(pk: int, phase: str, done: int, total: int, *, job: str = IMPORT) -> None:
    cache.set(_key(pk, job), {"phase": phase, "done": done, "total": total}, TTL)


def read(pk: int, *, job: str = IMPORT) -> dict | None:
    return cache.get(_key(pk, job))


def clear(pk: int, *, job: str = IMPORT) -> None:
    cache.delete(_key(pk, job))
