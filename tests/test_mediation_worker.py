"""升级预警 through Celery: the daily task run by a real worker process against Redis when
REDIS_URL is set (CI), eagerly in-process otherwise. Overdue and repeat cases get their
Escalation rows; running the task again for the same day adds none."""

from __future__ import annotations

import datetime as dt

import pytest

from mediation import actions, tasks
from mediation.models import Escalation
from tests.factories_mediation import make_case
from tests.factories_residents import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.worker

DAY = dt.date(2026, 6, 1)


def test_the_worker_escalates_overdue_and_repeat_cases_once_a_day(celery_worker_process, tree):
    resident = ResidentFactory(household=HouseholdFactory(grid=tree.grid), relation="head")
    late = make_case(tree.grid, reported_on=dt.date(2026, 4, 1), title="逾期纠纷")
    actions.case_accept(by=None, case=late, on=dt.date(2026, 4, 1))
    first = make_case(tree.grid, resident=resident, reported_on=dt.date(2026, 5, 1))
    again = make_case(tree.grid2, resident=resident, reported_on=dt.date(2026, 5, 20))
    in_time = make_case(tree.grid, reported_on=dt.date(2026, 5, 30), title="按期纠纷")

    tasks.escalate_cases.delay(DAY.isoformat())
    celery_worker_process.wait_until_idle()

    rows = dict(Escalation.objects.filter(day=DAY).values_list("case_id", "overdue"))
    assert rows == {late.pk: True, first.pk: False, again.pk: False}
    assert not Escalation.objects.filter(case=in_time).exists()

    tasks.escalate_cases.delay(DAY.isoformat())
    celery_worker_process.wait_until_idle()
    assert Escalation.objects.count() == 3
