"""Queue numbers under concurrency, on PostgreSQL (SQLite writes one transaction at a time, so
there is nothing to race there): clerks taking and calling numbers at the same instant."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from grid.models import Role
from services import actions
from services.models import Ticket
from tests.factories_services import make_window

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite serialises writes"
    ),
]
N = 8


def at_once(work) -> list:
    barrier = threading.Barrier(N)
    results: list = [None] * N
    errors: list = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work()
        except Exception as error:  # reported below, in the test thread
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(N)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    return results


def test_numbers_taken_at_once_are_all_different_and_none_is_skipped(tree, persona):
    clerk = persona(Role.WINDOW_CLERK)
    window = make_window(tree.community, "A")
    tickets = at_once(lambda: actions.ticket_take_number(by=clerk, window=window))
    assert sorted(t.queue_number for t in tickets) == list(range(1, N + 1))
    assert sorted(Ticket.objects.values_list("queue_code", flat=True)) == [
        f"A{i:03d}" for i in range(1, N + 1)
    ]


def test_clerks_calling_at_once_each_get_another_number(tree, persona):
    clerk = persona(Role.WINDOW_CLERK)
    window = make_window(tree.community, "B")
    for _ in range(N):
        actions.ticket_take_number(by=clerk, window=window)
    called = at_once(lambda: actions.window_call_next(by=clerk, window=window))
    codes = [t.queue_code for t in called if t is not None]
    assert sorted(codes) == [f"B{i:03d}" for i in range(1, N + 1)]
    assert not Ticket.objects.filter(called_at__isnull=True).exists()
