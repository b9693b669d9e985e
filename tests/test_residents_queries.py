"""The ledger figures against a hand-counted fixture.

On DAY, in 变电所社区:
    H1 一网格: 张 汉族 户主; 马 回族 流动; 李 汉族 低保+残疾                      3
    H2 二网格: 阿依 维吾尔族 流动; 王 汉族 独居老人                              2
    H3 一网格: 赵 汉族 流动; 孙 汉族 (moves out after DAY, still counted)         2
               钱 moved out before DAY; 周 moved in after DAY                  (not counted)
    H4 一网格: 吴, its only member, moved out before DAY                          (not counted)
So: 3 households, 7 residents, 2 minority (28.6%), 3 民族, 3 floating, 2 floating minority.
Outside the community (北苑社区): H5 with one 蒙古族 resident — counted only for the district.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from residents.actions import resident_update
from residents.models import GridCounts, LedgerStatus, ResidenceStatus, Resident
from residents.queries import (
    households_without_head,
    ledger_figures,
    ledger_figures_by_child,
    percent,
    refreshed_days,
)
from residents.tasks import refresh_grid_counts
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity

DAY = dt.date(2025, 6, 30)


@pytest.fixture
def ledger(tree):
    h1 = HouseholdFactory(grid=tree.grid)
    h2 = HouseholdFactory(grid=tree.grid2)
    h3 = HouseholdFactory(grid=tree.grid)
    h4 = HouseholdFactory(grid=tree.grid)
    h5 = HouseholdFactory(grid=tree.other_grid)
    floating = {"residence_status": ResidenceStatus.FLOATING}
    ResidentFactory(household=h1, name="张")
    ResidentFactory(household=h1, name="马", ethnicity=ethnicity("回族"), **floating)
    ResidentFactory(household=h1, name="李", is_dibao=True, is_disabled=True)
    ResidentFactory(household=h2, name="阿依", ethnicity=ethnicity("维吾尔族"), **floating)
    ResidentFactory(household=h2, name="王", is_elderly_alone=True)
    ResidentFactory(household=h3, name="赵", **floating)
    ResidentFactory(household=h3, name="孙", status=LedgerStatus.MOVED_OUT, status_date=dt.date(2025, 7, 15))
    ResidentFactory(household=h3, name="钱", status=LedgerStatus.MOVED_OUT, status_date=dt.date(2025, 3, 1))
    ResidentFactory(household=h3, name="周", moved_in_on=dt.date(2025, 8, 1))
    ResidentFactory(household=h4, name="吴", status=LedgerStatus.DECEASED, status_date=dt.date(2025, 1, 1))
    ResidentFactory(household=h5, name="巴特尔", ethnicity=ethnicity("蒙古族"))
    return tree


def test_community_figures_match_the_hand_count(ledger):
    figures = ledger_figures(ledger.community, DAY)
    assert figures.households == 3
    assert figures.residents == 7
    assert figures.minority_residents == 2
    assert figures.minority_percent == Decimal("28.6")
    assert figures.ethnicity_count == 3
    assert figures.by_ethnicity == [("汉族", 5), ("回族", 1), ("维吾尔族", 1)]
    assert figures.floating_residents == 3
    assert figures.floating_minority == 2
    assert figures.special_groups == {
        "is_dibao": 1,
        "is_disabled": 1,
        "is_elderly_alone": 1,
        "is_empty_nest": 0,
        "is_left_behind_child": 0,
        "is_entitled": 0,
    }
    assert ("低保", 1) in figures.special_group_rows()


def test_a_grid_counts_only_its_own_households(ledger):
    figures = ledger_figures(ledger.grid, DAY)
    assert (figures.households, figures.residents, figures.minority_residents) == (2, 5, 1)
    assert figures.minority_percent == Decimal("20.0")


def test_the_district_adds_the_other_street(ledger):
    figures = ledger_figures(ledger.district, DAY)
    assert (figures.households, figures.residents, figures.minority_residents) == (4, 8, 3)
    assert figures.minority_percent == Decimal("37.5")
    assert figures.ethnicity_count == 4


def test_the_date_decides_who_is_counted(ledger):
    # After 孙 left and 周 arrived: still 7, a different 7.
    later = ledger_figures(ledger.community, dt.date(2025, 8, 1))
    assert later.residents == 7
    before_everyone_left = ledger_figures(ledger.community, dt.date(2024, 12, 31))
    # 钱 and 吴 still there, 周 not yet: 7 - 0 + 2 = 9 residents in 4 households.
    assert (before_everyone_left.residents, before_everyone_left.households) == (9, 4)


def test_an_empty_unit_has_zero_figures_and_no_division_error(tree):
    figures = ledger_figures(tree.grid2, DAY)
    assert (figures.residents, figures.minority_percent, figures.by_ethnicity) == (0, Decimal("0.0"), [])


def _ledger_reads(queries) -> list[str]:
    return [query["sql"] for query in queries if '"residents_resident"' in query["sql"]]


def test_figures_are_sql_aggregates_not_rows_loaded(ledger):
    # Three grouped aggregates (by grid; by grid and 民族; those gone, by grid, status and
    # 去向), never the rows themselves.
    with CaptureQueriesContext(connection) as queries:
        ledger_figures(ledger.community, DAY)
    reads = _ledger_reads(queries.captured_queries)
    assert len(reads) == 3
    assert all("GROUP BY" in sql and "COUNT(" in sql for sql in reads)


def test_a_day_s_counts_are_kept_per_grid_and_read_back_without_the_ledger(ledger):
    first = ledger_figures(ledger.community, DAY)
    assert set(GridCounts.objects.filter(day=DAY).values_list("grid_id", flat=True)) == {
        ledger.grid.pk,
        ledger.grid2.pk,
    }

    with CaptureQueriesContext(connection) as queries:
        again = ledger_figures(ledger.community, DAY)

    assert again == first
    assert _ledger_reads(queries.captured_queries) == []


def test_a_write_to_a_grid_forgets_its_kept_counts_only(ledger, staff_user):
    ledger_figures(ledger.community, DAY)
    resident = Resident.objects.filter(household__grid=ledger.grid).first()

    resident_update(by=staff_user, resident=resident, name="改名")

    assert list(GridCounts.objects.values_list("grid_id", flat=True)) == [ledger.grid2.pk]


def test_kept_counts_older_than_the_max_age_are_counted_again(ledger, settings):
    before = ledger_figures(ledger.community, DAY)
    # A write that bypassed the actions (the shell, a restored database): the kept counts
    # are wrong until they expire.
    Resident.objects.filter(household__grid=ledger.grid).update(ethnicity=ethnicity("回族"))
    GridCounts.objects.update(computed_at=timezone.now() - dt.timedelta(hours=7))

    after = ledger_figures(ledger.community, DAY)

    assert after.minority_residents > before.minority_residents


def test_figures_by_child_unit_drill_down(ledger):
    rows = {row.unit.name: row for row in ledger_figures_by_child(ledger.community, DAY)}
    assert (rows["一网格"].households, rows["一网格"].residents, rows["一网格"].minority_residents) == (
        2,
        5,
        1,
    )
    assert (rows["二网格"].households, rows["二网格"].residents, rows["二网格"].minority_residents) == (
        1,
        2,
        1,
    )
    assert rows["二网格"].minority_percent == Decimal("50.0")
    streets = {row.unit.name: row.residents for row in ledger_figures_by_child(ledger.district, DAY)}
    assert streets == {"清河街道": 7, "海州街道": 1}


def test_percent_rounds_half_up_to_one_decimal():
    assert percent(1, 8) == Decimal("12.5")
    assert percent(1, 3) == Decimal("33.3")
    assert percent(2, 3) == Decimal("66.7")
    assert percent(1, 16) == Decimal("6.3")


def test_households_without_a_head_on_the_ledger_that_day(tree):
    def home(grid, *members):
        household = HouseholdFactory(grid=grid)
        for relation, status_date in members:
            gone = {"status": LedgerStatus.MOVED_OUT, "status_date": status_date} if status_date else {}
            ResidentFactory(household=household, relation=relation, **gone)

    left = dt.date(2025, 3, 1)
    home(tree.grid, ("head", None), ("child", None))  # has its head
    home(tree.grid, ("spouse", None))  # never had one: counted
    home(tree.grid2, ("head", left), ("child", None))  # its head moved out before DAY: counted
    home(tree.grid, ("head", left))  # nobody left on the ledger: not a household that day
    home(tree.grid, ("head", dt.date(2025, 7, 1)), ("child", None))  # the head leaves after DAY
    home(tree.other_grid, ("child", None))  # another community's

    assert households_without_head(tree.community, DAY) == 2
    assert households_without_head(tree.district, DAY) == 3


def test_the_hourly_refresh_keeps_today_s_counts_ready_and_drops_expired_ones(ledger):
    old = ledger_figures(ledger.community, DAY)
    GridCounts.objects.update(computed_at=timezone.now() - dt.timedelta(hours=7))

    refresh_grid_counts()  # the task body, in this process (a worker sees only committed rows)

    today = timezone.localdate()
    assert not GridCounts.objects.filter(day=DAY).exists()
    for day in refreshed_days(today):
        kept = set(GridCounts.objects.filter(day=day).values_list("grid_id", flat=True))
        assert {ledger.grid.pk, ledger.grid2.pk, ledger.other_grid.pk} <= kept
    assert ledger_figures(ledger.community, DAY) == old  # counted again when asked


def test_the_refresh_keeps_today_and_the_last_two_month_ends():
    assert refreshed_days(dt.date(2026, 3, 15)) == [
        dt.date(2026, 3, 15),
        dt.date(2026, 2, 28),
        dt.date(2026, 1, 31),
    ]


def test_the_refresh_counts_again_a_row_past_half_the_max_age(ledger, settings):
    settings.LEDGER_COUNTS_MAX_AGE = 3600
    today = timezone.localdate()
    ledger_figures(ledger.community, today)
    GridCounts.objects.filter(day=today).update(computed_at=timezone.now() - dt.timedelta(minutes=40))

    refresh_grid_counts()

    ages = GridCounts.objects.filter(day=today, grid=ledger.grid).values_list("computed_at", flat=True)
    assert timezone.now() - ages[0] < dt.timedelta(minutes=5)


def test_the_refresh_is_scheduled_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-grid-counts"]
    assert entry["task"] == refresh_grid_counts.name
    assert entry["schedule"] == 3600.0


def test_kept_counts_of_another_shape_are_counted_again(ledger):
    before = ledger_figures(ledger.community, DAY)
    row = GridCounts.objects.get(grid=ledger.grid, day=DAY)
    row.counts = {"residents": 99, "ethnicity": {}}  # kept by a release with fewer counts
    row.save()

    assert ledger_figures(ledger.community, DAY) == before
