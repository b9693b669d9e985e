"""The reports bench's plumbing (no timings: those go in docs/benchmarks.md)."""

import pytest

from bench import __main__ as bench_main
from bench import reports


def test_reports_is_a_scenario_of_make_bench():
    assert bench_main.SCENARIOS[-1] == "reports"


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


def test_the_dashboard_hook_skips_while_its_module_is_missing():
    from importlib.util import find_spec

    if find_spec("reports.dashboard") is None:
        assert reports.measure_dashboard() is None
