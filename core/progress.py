"""Live progress of a background job (an import, an export), readable while its task works.

An import commits in one transaction, so a progress figure written to its own row would
stay invisible to the page until the end. The cache (Redis in production) is outside the
transaction; the row keeps the final figures. ``job`` names the kind of job (its model's
``job_progress_key``), so two kinds with the same id never share a figure.
"""

from __future__ import annotations

from django.core.cache import cache

TTL = 6 * 60 * 60


def _key(pk: int, job: str) -> str:
    return f"{job}:{pk}:progress"


def report(pk: int, phase: str, done: int, total: int, *, job: str) -> None:
    cache.set(_key(pk, job), {"phase": phase, "done": done, "total": total}, TTL)


def read(pk: int, *, job: str) -> dict | None:
    return cache.get(_key(pk, job))


def clear(pk: int, *, job: str) -> None:
    cache.delete(_key(pk, job))
