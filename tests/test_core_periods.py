"""``core.periods``: what a period key means, and which periods the 1st-of-month run reports on."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.periods import Period, PeriodKind, due_periods, last_completed


@pytest.mark.parametrize(
    ("key", "start", "end", "label"),
    [
        ("2026-11", dt.date(2026, 11, 1), dt.date(2026, 11, 30), "2026年11月"),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), "2024年2月"),
        ("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31), "2026年第四季度"),
        ("2026-q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31), "2026年第一季度"),
        ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "2026年"),
        ("2026-01-05~2026-02-10", dt.date(2026, 1, 5), dt.date(2026, 2, 10), "2026年1月5日至2月10日"),
    ],
)
def test_a_key_names_its_days_and_reads_in_chinese(key, start, end, label):
    period = Period.parse(key)

    assert (period.start, period.end, period.label) == (start, end, label)
    assert Period.parse(period.key) == period


@pytest.mark.parametrize(
    "text", ["", "2026-13", "2026-Q5", "26-11", "2026-02-10~2026-01-05", "0999", "2026年11月"]
)
def test_it_refuses_what_is_not_a_period_in_chinese(text):
    with pytest.raises(ValidationError) as raised:
        Period.parse(text)

    assert "报告期" in raised.value.messages[0] or "起始日期" in raised.value.messages[0]


def test_the_previous_period_is_of_the_same_kind():
    assert Period.parse("2026-01").previous() == Period.parse("2025-12")
    assert Period.parse("2026-Q1").previous() == Period.parse("2025-Q4")
    assert Period.parse("2026").previous() == Period.parse("2025")
    assert Period.parse("2026-01-11~2026-01-20").previous() == Period.parse("2026-01-01~2026-01-10")


def test_the_last_completed_month_is_the_one_before_today():
    assert last_completed(PeriodKind.MONTH, dt.date(2026, 12, 1)) == Period.month(2026, 11)
    assert last_completed(PeriodKind.QUARTER, dt.date(2026, 12, 1)) == Period.quarter(2026, 3)


@pytest.mark.parametrize(
    ("today", "keys"),
    [
        (dt.date(2026, 12, 1), ["2026-11"]),
        (dt.date(2026, 10, 1), ["2026-09", "2026-Q3"]),
        (dt.date(2027, 1, 1), ["2026-12", "2026-Q4", "2026"]),
        (dt.date(2026, 12, 2), []),
        (dt.date(2026, 11, 30), []),
    ],
)
def test_the_first_of_the_month_reports_on_the_periods_just_ended(today, keys):
    assert [period.key for period in due_periods(today)] == keys
