"""The reports bench's plumbing (no timings: those go in docs/benchmarks.md)."""

import pytest

from bench import __main__ as bench_main
from bench import reports


def test_reports_is_a_scenario_of_make_bench():
    assert bench_main.SCENARIOS[-2:] == ("reports", "duplicates")


@pytest.mark.django_db
def test_the_duplicates_bench_measures_both_readers_and_checks_the_pairs(tree, staff_user):
    from bench import duplicates
    from tests.factories_residents import HouseholdFactory, ResidentFactory, make_id_number

    for serial in (3, 4):
        ResidentFactory(
            household=HouseholdFactory(grid=tree.grid), name="李强", id_number=make_id_number(serial=serial)
        )
    result = duplicates.measure(staff_user, repeat=2)
    assert (result["residents"], result["pairs"]) == (2, 1)
    assert result["baseline"] > 0 and result["ours"] > 0


def test_its_options_and_defaults():
    args = reports.parse_args([])
    assert (args.households, args.residents, args.repeat) == (170_000, 500_000, 5)
    assert args.db_name.startswith("benchrep_")
    args = reports.parse_args(["--db-name", "benchrep_x", "--rebuild", "--skip-district", "--repeat", "2"])
    assert (args.db_name, args.rebuild, args.skip_district, args.repeat) == ("benchrep_x", True, True, 2)


def test_it_refuses_a_database_not_its_own():
    with pytest.raises(reports.BenchBroken, match="benchrep_"):
        reports.ensure_database(reports.parse_args(["--db-name", "test"]))


def test_the_docx_timing_uses_the_reports_word_export():
    from reports.docx import report_docx

    assert reports.docx_exporter() is report_docx


def test_the_p95_is_the_nearest_rank():
    assert reports._p95([0.5, 0.1, 0.4, 0.2, 0.3]) == 0.5
    assert reports._p95([float(n) for n in range(1, 16)]) == 15.0
    assert reports._p95([float(n) for n in range(1, 21)]) == 19.0


@pytest.mark.django_db
def test_the_dashboard_is_timed_cold_and_warm(tree, monkeypatch, settings):
    """On a small tree: ``dashboard_data`` timed for each unit, with nothing kept, after a
    write to a grid, after a write elsewhere and warm, checked."""
    from core.periods import Period
    from tests.factories_residents import HouseholdFactory, ResidentFactory

    ResidentFactory(household=HouseholdFactory(grid=tree.grid), name="张")
    units = (("district", tree.district.code), ("community", tree.community.code))
    monkeypatch.setattr(reports, "DASHBOARD_UNITS", units)
    monkeypatch.setattr(reports, "period", lambda: Period.month(2025, 6))
    result = reports.measure_dashboard(cold=2, warm=3)
    # The bench runs without Redis (locmem); the suite's second pass has Redis.
    assert result["cache"] == settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    assert list(result["units"]) == ["district", "community"]
    for row in result["units"].values():
        assert row["residents"] == 1
        assert [len(row[state]["runs"]) for state in ("first", "write", "cold", "warm")] == [2, 2, 2, 3]
        assert row["warm"]["p95"] == max(row["warm"]["runs"])


@pytest.mark.django_db
def test_the_dashboard_page_is_timed_for_the_district_leader(tree, monkeypatch, settings):
    from core.periods import Period

    settings.ALLOWED_HOSTS = ["localhost"]
    monkeypatch.setattr(reports, "DASHBOARD_UNITS", (("district", tree.district.code),))
    monkeypatch.setattr(reports, "period", lambda: Period.month(2025, 6))
    result = reports.measure_dashboard_page(cold=1, warm=2)
    assert len(result["cold"]["runs"]) == 1 and len(result["warm"]["runs"]) == 2
