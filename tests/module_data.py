"""Records made once for a whole test module: for fixtures whose data is too costly to make
for every test (the full demo, the access table's world)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.test import override_settings


@contextmanager
def rolled_back_after(django_db_blocker) -> Iterator[None]:
    """Write inside this block; it is all rolled back when the block ends. Each test of the
    module runs in a savepoint inside it, so what one test writes is gone before the next."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield
        transaction.set_rollback(True)
