"""预警: the repeat flag (重复纠纷), the daily escalations (action, task, beat), the leaders'
home panel and the daily list in scope, a resident's cases on their page, the case list's
export, the monthly figures and the dashboard's days since the last ethnic-factor escalation."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.models import AuditEvent, AuditKind, Change
from core.periods import Period
from grid.models import Role
from mediation import actions, queries, report, tasks
from mediation.models import Case, Escalation, Risk, Source
from reports.dashboard import dashboard_data
from tests.factories import make_person
from tests.factories_mediation import closed, make_case, make_mediator
from tests.factories_residents import HouseholdFactory, ResidentFactory

DAY = dt.date(2026, 6, 1)


@pytest.fixture
def resident(tree):
    return ResidentFactory(household=HouseholdFactory(grid=tree.grid), name="马福贵", phone="13911112222")


def _open(case: Case, *, accepted_on: dt.date) -> Case:
    return actions.case_start(by=None, case=actions.case_accept(by=None, case=case, on=accepted_on))


def _flags(case: Case) -> list[str]:
    return Case.objects.with_repeat().get(pk=case.pk).flags()


# --- 重复纠纷 ---------------------------------------------------------------------------------


def test_the_same_resident_in_another_dispute_within_the_window_flags_both(tree, resident):
    first = make_case(tree.grid, resident=resident, reported_on=dt.date(2026, 3, 1))
    days = settings.MEDIATION_REPEAT_DAYS
    # Exactly the window's length apart still counts, on SQLite as on PostgreSQL.
    second = make_case(
        tree.grid2, resident=resident, reported_on=dt.date(2026, 3, 1) + dt.timedelta(days=days)
    )
    later = make_case(
        tree.grid, resident=resident, reported_on=dt.date(2026, 3, 1) + dt.timedelta(days=2 * days + 1)
    )
    assert "重复纠纷" in _flags(first)
    assert "重复纠纷" in _flags(second)
    assert "重复纠纷" not in _flags(later)
    # Without the list's annotation the case asks once, and says the same.
    assert Case.objects.get(pk=first.pk).is_repeat
    assert not Case.objects.get(pk=later.pk).is_repeat


def test_an_outsider_repeats_by_name_and_phone_not_by_name_alone(tree):
    phoned = [{"name": "外来租户", "phone": "13800001111", "side": "respondent"}]
    a = make_case(tree.grid, parties=phoned, reported_on=dt.date(2026, 3, 1))
    b = make_case(tree.grid, parties=phoned, reported_on=dt.date(2026, 3, 20))
    c = make_case(
        tree.grid, parties=[{"name": "王大妈", "side": "applicant"}], reported_on=dt.date(2026, 3, 1)
    )
    d = make_case(
        tree.grid, parties=[{"name": "王大妈", "side": "applicant"}], reported_on=dt.date(2026, 3, 2)
    )
    assert Case.objects.with_repeat().filter(repeat_flag=True).count() == 2
    assert {a.pk, b.pk} == set(
        Case.objects.with_repeat().filter(repeat_flag=True).values_list("pk", flat=True)
    )
    assert "重复纠纷" not in _flags(c) and "重复纠纷" not in _flags(d)


def test_the_list_shows_the_flag_without_a_query_per_case(
    client, tree, staff_user, resident, django_assert_max_num_queries
):
    client.force_login(staff_user)
    make_case(tree.grid, resident=resident, reported_on=dt.date(2026, 3, 1))
    make_case(tree.grid, resident=resident, reported_on=dt.date(2026, 3, 5))
    client.get(reverse("mediation:case_list"))  # warm the session and the figures' caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("mediation:case_list")).content.decode()
    assert page.count("重复纠纷") >= 2
    for day in range(10, 20):
        make_case(tree.grid, resident=resident, reported_on=dt.date(2026, 3, day))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("mediation:case_list")).content.decode()
    assert page.count("重复纠纷") >= 12


# --- escalations -------------------------------------------------------------------------------


@pytest.fixture
def warnings(tree, resident):
    """On DAY: ``late`` accepted 1 April, deadline 1 May → overdue; ``again`` and ``before``
    share a resident within 90 days → repeats (``before`` is closed: not escalated);
    ``major`` is 重大 and in time → flagged but not escalated; ``fine`` is nothing."""
    late = _open(make_case(tree.grid, reported_on=dt.date(2026, 4, 1)), accepted_on=dt.date(2026, 4, 1))
    before = make_case(tree.grid, resident=resident, reported_on=dt.date(2026, 4, 20))
    closed(before, "succeeded", on=dt.date(2026, 4, 25))
    again = make_case(tree.grid2, resident=resident, reported_on=dt.date(2026, 5, 20))
    major = _open(
        make_case(tree.grid, reported_on=dt.date(2026, 5, 25), risk=Risk.MAJOR, title="重大纠纷"),
        accepted_on=dt.date(2026, 5, 25),
    )
    fine = make_case(tree.grid, reported_on=dt.date(2026, 5, 30), title="一般纠纷")
    outside = _open(
        make_case(tree.other_grid, reported_on=dt.date(2026, 4, 1)), accepted_on=dt.date(2026, 4, 1)
    )
    return {"late": late, "before": before, "again": again, "major": major, "fine": fine, "outside": outside}


def test_overdue_and_repeat_cases_are_escalated_once_a_day(warnings):
    made = actions.cases_escalate(day=DAY)
    rows = {e.case_id: e for e in Escalation.objects.filter(day=DAY)}
    assert set(rows) == {warnings["late"].pk, warnings["again"].pk, warnings["outside"].pk}
    assert {e.case_id for e in made} == set(rows)
    assert rows[warnings["late"].pk].reasons == ["已逾期"]
    assert rows[warnings["again"].pk].reasons == ["重复纠纷"]

    # The same day again: nothing new, not even in the history or the audit log.
    changes, events = Change.objects.count(), AuditEvent.objects.count()
    assert actions.cases_escalate(day=DAY) == []
    assert Escalation.objects.filter(day=DAY).count() == 3
    assert (Change.objects.count(), AuditEvent.objects.count()) == (changes, events)

    # The next morning they are still due: a row of that day.
    actions.cases_escalate(day=DAY + dt.timedelta(days=1))
    assert Escalation.objects.count() == 6


def test_an_escalation_is_in_the_case_history_and_the_audit_log(warnings):
    escalation = actions.cases_escalate(day=DAY)[0]
    change = Change.objects.get(
        record_type=ContentType.objects.get_for_model(Escalation), record_id=escalation.pk
    )
    assert change.parent_id == escalation.case_id
    assert AuditEvent.objects.filter(
        kind=AuditKind.WRITE,
        object_type=ContentType.objects.get_for_model(Escalation),
        object_id=escalation.pk,
    ).exists()


def test_a_case_not_yet_reported_on_the_day_is_not_escalated(warnings):
    actions.cases_escalate(day=dt.date(2026, 5, 1))
    assert not Escalation.objects.filter(case=warnings["again"]).exists()


def test_the_daily_task_escalates_today_and_is_on_the_beat(warnings):
    # In-process here; tests/test_mediation_worker.py runs it in the worker.
    assert tasks.escalate_cases(DAY.isoformat()) == 3
    assert tasks.escalate_cases(DAY.isoformat()) == 0
    entry = settings.CELERY_BEAT_SCHEDULE["escalate-mediation-cases"]
    assert entry["task"] == "mediation.tasks.escalate_cases"
    assert entry["schedule"].hour == {7}


# --- the home panel and the daily list ---------------------------------------------------------


@pytest.fixture
def today_escalated(tree, resident):
    """Escalated this morning: ``late`` (一网格, overdue) and ``outside`` (北苑, overdue)."""
    today = timezone.localdate()
    started = today - dt.timedelta(days=60)
    late = _open(make_case(tree.grid, resident=resident, reported_on=started), accepted_on=started)
    outside = _open(make_case(tree.other_grid, reported_on=started), accepted_on=started)
    actions.cases_escalate(day=today)
    return {"late": late, "outside": outside}


def test_the_street_and_the_community_leaders_see_the_panel_in_their_scope(
    client, tree, today_escalated, leader
):
    client.force_login(leader)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="escalation-panel"' in page
    assert "预警案件" in page and ">1件<" in page  # 变电所's, not 北苑's
    assert today_escalated["late"].file_number in page and "已逾期" in page
    assert today_escalated["outside"].file_number not in page
    assert "13911112222" not in page and "马福贵" not in page

    community_leader = make_person(role=Role.LEADER, unit=tree.community, username="c_leader")
    client.force_login(community_leader)
    page = client.get(reverse("home")).content.decode()
    assert ">1件<" in page and today_escalated["late"].file_number in page

    other = make_person(role=Role.LEADER, unit=tree.other_street, username="o_leader")
    client.force_login(other)
    page = client.get(reverse("home")).content.decode()
    assert ">1件<" in page and today_escalated["outside"].file_number in page
    assert today_escalated["late"].file_number not in page


@pytest.mark.parametrize("role", [Role.STAFF, Role.MEDIATOR, Role.GRID_WORKER, Role.ADMIN, Role.WINDOW_CLERK])
def test_other_roles_have_no_panel(client, persona, today_escalated, role):
    client.force_login(persona(role))
    assert 'data-testid="escalation-panel"' not in client.get(reverse("home")).content.decode()


def test_a_district_leader_has_no_panel(client, tree, today_escalated):
    client.force_login(make_person(role=Role.LEADER, unit=tree.district, username="d_leader"))
    assert 'data-testid="escalation-panel"' not in client.get(reverse("home")).content.decode()


def test_the_daily_list_is_of_the_day_and_in_scope(client, tree, warnings, staff_user):
    actions.cases_escalate(day=DAY)
    client.force_login(staff_user)
    page = client.get(reverse("mediation:escalations"), {"day": DAY.isoformat()}).content.decode()
    assert warnings["late"].file_number in page and warnings["again"].file_number in page
    assert warnings["outside"].file_number not in page
    assert "共2件" in page and "预警原因：已逾期" in page and "重复纠纷" in page
    assert "13911112222" not in page
    # Today (the default) nothing was escalated yet.
    assert "共0件" in client.get(reverse("mediation:escalations")).content.decode()
    bad = client.get(reverse("mediation:escalations"), {"day": "明天"})
    assert bad.status_code == 200 and "共0件" in bad.content.decode()


def test_the_daily_list_is_refused_to_grid_workers(client, grid_worker):
    client.force_login(grid_worker)
    assert client.get(reverse("mediation:escalations")).status_code == 403


# --- a resident's cases --------------------------------------------------------------------


def test_a_resident_s_page_lists_their_cases_in_the_reader_s_scope(client, tree, resident, persona):
    mine = make_case(tree.grid, resident=resident, title="一网格的纠纷")
    theirs = make_case(tree.grid2, resident=resident, reported_on=dt.date(2026, 3, 5), title="二网格的纠纷")
    url = reverse("residents:resident_detail", args=[resident.pk])

    client.force_login(persona(Role.STAFF))
    page = client.get(url).content.decode()
    assert 'data-testid="resident-cases"' in page
    assert mine.file_number in page and theirs.file_number in page and "重复纠纷" in page

    client.force_login(persona(Role.GRID_WORKER))  # 一网格's: the other grid's case is not theirs
    page = client.get(url).content.decode()
    assert mine.file_number in page and theirs.file_number not in page

    client.force_login(persona(Role.WINDOW_CLERK))  # reads the ledger, not cases
    page = client.get(url).content.decode()
    assert 'data-testid="resident-cases"' not in page and mine.file_number not in page


def test_a_party_links_to_the_resident_page_only_in_the_reader_s_scope(client, tree, persona):
    near = ResidentFactory(household=HouseholdFactory(grid=tree.grid), name="一网格居民")
    far = ResidentFactory(household=HouseholdFactory(grid=tree.grid2), name="二网格居民")
    case = make_case(
        tree.grid,
        parties=[{"resident": near, "side": "applicant"}, {"resident": far, "side": "respondent"}],
    )
    client.force_login(persona(Role.GRID_WORKER))
    page = client.get(reverse("mediation:case_detail", args=[case.pk])).content.decode()
    assert reverse("residents:resident_detail", args=[near.pk]) in page
    assert reverse("residents:resident_detail", args=[far.pk]) not in page and "二网格居民" in page


# --- the export -----------------------------------------------------------------------------


def test_the_case_list_exports_its_columns_without_phones_in_scope(client, tree, staff_user, resident):
    case = make_case(
        tree.grid,
        resident=resident,
        ethnic_factor=True,
        parties=[{"resident": resident, "side": "applicant", "phone": "13911112222"}],
    )
    _open(case, accepted_on=dt.date(2026, 3, 2))
    actions.case_assign(
        by=None,
        case=case,
        mediators=[make_mediator(tree.community, "马调解"), make_mediator(tree.community, "李法官")],
    )
    make_case(tree.other_grid, title="北苑的纠纷")
    client.force_login(staff_user)
    response = client.get(reverse("mediation:case_export"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert list(rows[0]) == [
        "案号", "案由", "网格", "类型", "来源", "风险", "因素", "状态", "登记日期", "期限", "结案日期", "调解员",
    ]  # fmt: skip
    assert len(rows) == 2
    row = rows[1]
    assert row[:8] == (
        case.file_number,
        "楼上漏水纠纷",
        "一网格",
        "邻里",
        "网格排查",
        "一般",
        "涉及民族因素",
        "调解中",
    )
    assert row[8:11] == ("2026-03-02", "2026-04-01", None) or row[8:11] == ("2026-03-02", "2026-04-01", "")
    assert sorted(row[11].split("、")) == sorted(["马调解", "李法官"])
    text = " ".join(str(cell) for r in rows for cell in r if cell)
    assert "13911112222" not in text and "马福贵" not in text and resident.id_number not in text
    assert AuditEvent.objects.filter(
        kind=AuditKind.EXPORT, user=staff_user, detail__list="mediation.cases"
    ).exists()


# --- figures ------------------------------------------------------------------------------------


@pytest.fixture
def months(tree):
    """Reported: March 3 (a, b, c), April 2 (d, e), May 0. Closed: a 成功 in March; b 成功 and
    c 终止 in April; d 成功 in May → 化解率 March 100%, April 50%, May 100%. Sources: a, b, d
    网格排查; c 来访; e 热线. 北苑: one in March, not counted."""
    a = make_case(tree.grid, reported_on=dt.date(2026, 3, 2))
    b = make_case(tree.grid, reported_on=dt.date(2026, 3, 15))
    c = make_case(tree.grid2, reported_on=dt.date(2026, 3, 31), source=Source.VISIT)
    d = make_case(tree.grid, reported_on=dt.date(2026, 4, 1))
    make_case(tree.grid, reported_on=dt.date(2026, 4, 30), source=Source.HOTLINE)
    closed(a, "succeeded", on=dt.date(2026, 3, 20))
    closed(b, "succeeded", on=dt.date(2026, 4, 2))
    closed(c, "terminated", on=dt.date(2026, 4, 10))
    closed(d, "succeeded", on=dt.date(2026, 5, 31))
    make_case(tree.other_grid, reported_on=dt.date(2026, 3, 3))


def test_the_figures_by_month_and_by_source_are_the_hand_counts(tree, months, django_assert_max_num_queries):
    spring = Period.quarter(2026, 2)
    with django_assert_max_num_queries(2):
        rows = queries.by_month(tree.community, spring)
    assert [(m.label, m.reported, m.closed, m.succeeded, m.resolution_rate) for m in rows] == [
        ("2026年4月", 2, 2, 1, Decimal("50.0")),
        ("2026年5月", 0, 1, 1, Decimal("100.0")),
        ("2026年6月", 0, 0, 0, None),
    ]
    march = queries.by_month(tree.community, Period.month(2026, 3))
    assert [(m.reported, m.closed, m.resolution_rate) for m in march] == [(3, 1, Decimal("100.0"))]
    assert queries.by_source(tree.community, Period.quarter(2026, 1)) == [("网格排查", 2), ("来访", 1)]


def test_the_trend_chart_has_its_numbers_in_a_table(tree, months):
    chart = report.months_chart(tree.community, Period.quarter(2026, 2))
    assert chart.kind == "trend" and chart.categories == ["2026年4月", "2026年5月", "2026年6月"]
    bars, line = chart.series
    assert (bars.kind, bars.values) == ("bar", [2, 0, 0])
    assert (line.kind, line.axis, line.values) == ("line", 1, [50.0, 100.0, None])
    assert chart.table.rows[0] == ["2026年4月", 2, 2, 1, "50.0%"] and chart.table.rows[2][-1] == "—"
    assert report.months_chart(tree.other_community, Period.quarter(2026, 2)) is None


def test_escalations_and_repeats_in_a_period(tree, warnings):
    actions.cases_escalate(day=DAY)
    actions.cases_escalate(day=DAY + dt.timedelta(days=1))
    june = Period.month(2026, 6)
    assert queries.escalations(tree.community, june) == 2  # each case once
    assert queries.escalations(tree.community, Period.month(2026, 5)) == 0
    assert queries.repeats(tree.community, Period.quarter(2026, 2)) == 2  # before, again
    problems = report.mediation_problems(tree.community, Period.quarter(2026, 2))
    assert any("重复纠纷2件" in text for text in problems)


# --- the dashboard's days since -------------------------------------------------------------


def test_the_dashboard_counts_the_days_since_the_last_ethnic_factor_escalation(tree):
    today = timezone.localdate()
    case = make_case(tree.grid, reported_on=today - dt.timedelta(days=120), ethnic_factor=True)
    _open(case, accepted_on=today - dt.timedelta(days=120))
    period = Period.containing("month", today)

    def shown(unit):
        return {f.key: (f.value, f.unit) for f in dashboard_data(unit, period).figures}.get(
            "days_since_ethnic_escalation"
        )

    assert shown(tree.community) == ("无", "")
    actions.cases_escalate(day=today - dt.timedelta(days=40))
    assert shown(tree.community) == (40, "天")
    assert shown(tree.street) == (40, "天")
    assert shown(tree.other_community) is None  # no case there at all: nothing to say
    # A period that ended before the escalation reads as of its last day: none yet.
    before = Period.containing("month", today - dt.timedelta(days=70))
    assert report.days_since_ethnic_escalation(tree.community, before).value == "无"


# --- the core registries the panels and the figure go through -----------------------------------


def test_panels_are_registered_once_and_a_none_is_no_panel(monkeypatch):
    from core import registry

    monkeypatch.setattr(registry, "_home_panels", [])
    monkeypatch.setattr(registry, "_related_panels", defaultdict(list))
    shown = registry.Panel("x.html", {"n": 1})

    def provider(user):
        return shown if user == "yes" else None

    registry.home_panel(provider, order=5)
    registry.home_panel(provider, order=5)  # hooks imported twice add nothing
    assert registry.home_panels_for("yes") == [shown]
    assert registry.home_panels_for("no") == []
    registry.related_panel("residents.Resident", lambda user, record: shown if record == 1 else None)
    assert registry.related_panels_for("RESIDENTS.resident", "anyone", 1) == [shown]
    assert registry.related_panels_for("residents.Resident", "anyone", 2) == []
    assert registry.related_panels_for("grid.Building", "anyone", 1) == []


def test_the_days_since_figure_is_registered_for_the_dashboard():
    from core import reporting

    assert "days_since_ethnic_escalation" in [spec.key for spec in reporting.figures()]
    assert "mediation_months" in [spec.key for spec in reporting.charts()]


def test_the_report_section_keeps_escalations_repeats_and_sources(tree, warnings):
    actions.cases_escalate(day=DAY)
    section = report.mediation_section(tree.community, Period.quarter(2026, 2))
    assert section.figures["escalations"] == 2
    assert section.figures["repeats"] == 2
    assert section.figures["by_source"] == [("网格排查", 5)]
