"""Working days (services.workdays): the State Council's holidays and 调休 from chinesecalendar,
the admins' amendments over them, and weekends only beyond the known years — said so."""

from __future__ import annotations

import datetime as dt

import pytest

from services import actions
from services.models import Holiday, HolidayKind
from services.workdays import ESTIMATED_NOTE, add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.django_db

D = dt.date


def test_national_day_is_skipped_and_the_make_up_saturday_is_worked():
    # 2026: 10月1日—7日 放假, 10月10日（周六）上班.
    assert add_working_days(D(2026, 9, 30), 1).day == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 30), 3).day == D(2026, 10, 10)
    assert add_working_days(D(2026, 9, 30), 4).day == D(2026, 10, 12)
    assert not add_working_days(D(2026, 9, 30), 4).estimated


def test_a_make_up_sunday_before_the_holiday_counts():
    # 2026-09-20 is a Sunday worked for 国庆; 9月25日—27日 are 中秋.
    assert add_working_days(D(2026, 9, 18), 1).day == D(2026, 9, 20)
    assert add_working_days(D(2026, 9, 24), 1).day == D(2026, 9, 28)


def test_between_counts_the_working_days_after_the_first_up_to_the_last():
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 12)).days == 4
    assert working_days_between(D(2026, 10, 12), D(2026, 9, 30)).days == 0
    start = D(2026, 3, 2)
    for n in (0, 1, 5, 20, 60):
        assert working_days_between(start, add_working_days(start, n).day).days == n


def test_zero_working_days_is_the_same_day():
    assert add_working_days(D(2026, 10, 3), 0).day == D(2026, 10, 3)


def test_beyond_the_known_years_only_weekends_are_off_and_it_says_so():
    # 2027's schedule is not in the package: 1 January 2027 (a Friday) counts as worked.
    deadline = add_working_days(D(2026, 12, 31), 1)
    assert deadline.day == D(2027, 1, 1)
    assert deadline.estimated
    assert working_days_between(D(2026, 12, 30), D(2027, 1, 4)).estimated
    assert not working_days_between(D(2026, 12, 1), D(2026, 12, 31)).estimated
    assert ESTIMATED_NOTE == "该日期超出已知节假日安排，按周末计算"


def test_the_admins_table_overrides_the_package_and_makes_its_year_known():
    actions.holiday_create(by=None, date=D(2027, 1, 1), kind=HolidayKind.HOLIDAY, name="元旦")
    deadline = add_working_days(D(2026, 12, 31), 1)
    assert deadline == type(deadline)(D(2027, 1, 4), estimated=False)
    # A day the package has as worked, made a holiday; a Saturday made a working day.
    actions.holiday_create(by=None, date=D(2026, 10, 8), kind=HolidayKind.HOLIDAY, name="调整")
    assert add_working_days(D(2026, 9, 30), 1).day == D(2026, 10, 9)
    actions.holiday_create(by=None, date=D(2026, 11, 7), kind=HolidayKind.WORKDAY, name="补班")
    assert is_working_day(D(2026, 11, 7))
    assert not is_working_day(D(2026, 11, 8))


def test_a_day_is_amended_once():
    actions.holiday_create(by=None, date=D(2026, 11, 7), kind=HolidayKind.WORKDAY)
    with pytest.raises(Exception, match="日期"):
        actions.holiday_create(by=None, date=D(2026, 11, 7), kind=HolidayKind.HOLIDAY)
    assert Holiday.objects.count() == 1
