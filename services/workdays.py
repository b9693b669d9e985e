"""Chinese working days (工作日): weekends, the State Council's holidays and make-up working
days (调休), for the deadlines of service tickets.

Which days are worked, first rule that applies:

1. a ``services.Holiday`` row (admins amend the schedule in the admin);
2. the ``chinesecalendar`` package (the published schedules, offline);
3. weekends off, weekdays worked — for a year neither of the above knows. A result that
   counted such a day says so (``estimated``), and the pages show ``ESTIMATED_NOTE``.

A year is *known* when the package covers it or the holiday table holds any day of it.

``add_working_days(start, n)`` is the n-th working day after ``start`` (``start`` itself
not counted; n = 0 is ``start``); ``working_days_between(a, b)`` counts the working days
after ``a`` up to and including ``b``, so ``working_days_between(a, add_working_days(a, n).day)
== n``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import chinese_calendar
from chinese_calendar import constants

ESTIMATED_NOTE = "该日期超出已知节假日安排，按周末计算"
ONE_DAY = dt.timedelta(days=1)


@cache
def package_years() -> frozenset[int]:
    """The years ``chinesecalendar`` has the State Council's schedule for."""
    days = [*constants.holidays, *constants.workdays]
    return frozenset(range(min(days).year, max(days).year + 1))


@dataclass(frozen=True)
class Deadline:
    day: dt.date
    estimated: bool = False


@dataclass(frozen=True)
class Span:
    days: int
    estimated: bool = False


class Calendar:
    """Which days are worked over one stretch of dates, the admins' amendments read once."""

    def __init__(self, start: dt.date, end: dt.date):
        from .models import Holiday, HolidayKind

        rows = Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", "kind")
        self.overrides = {day: kind == HolidayKind.WORKDAY for day, kind in rows}
        self.table_years = {day.year for day in Holiday.objects.dates("date", "year")}
        self.known_years = package_years() | self.table_years

    def known(self, day: dt.date) -> bool:
        return day.year in self.known_years

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in package_years():
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5


def _reach(n: int) -> int:
    """Calendar days enough to hold n working days, the longest holiday included."""
    return n * 2 + 30


def add_working_days(start: dt.date, n: int) -> Deadline:
    calendar = Calendar(start, start + dt.timedelta(days=_reach(n)))
    day, left, estimated = start, n, False
    while left > 0:
        day += ONE_DAY
        if not calendar.known(day):
            estimated = True
        if calendar.is_working_day(day):
            left -= 1
    return Deadline(day, estimated)


def working_days_between(a: dt.date, b: dt.date) -> Span:
    if b <= a:
        return Span(0)
    calendar = Calendar(a, b)
    count, estimated, day = 0, False, a
    while day < b:
        day += ONE_DAY
        if not calendar.known(day):
            estimated = True
        if calendar.is_working_day(day):
            count += 1
    return Span(count, estimated)


def is_working_day(day: dt.date) -> bool:
    return Calendar(day, day).is_working_day(day)
