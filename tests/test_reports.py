"""The 创建工作 report: its text from the queries, roll-ups, versions, the staff's paragraphs,
submission and return, completeness, the schedule and the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.periods import Period
from grid.models import PlaceKind, Role
from reports.actions import (
    FROZEN,
    GENERATED,
    UNCHANGED,
    due_reports_create,
    report_generate,
    report_paragraphs_update,
    report_return,
    report_run_execute,
    report_submit,
)
from reports.compose import compose, document
from reports.models import ReportRun, ReportState, RunStatus, SummaryReport, Trigger
from reports.queries import completeness
from residents.models import LedgerStatus
from residents.queries import ledger_figures
from tests.factories import BuildingFactory, make_person
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity

pytestmark = pytest.mark.django_db

NOVEMBER = Period.month(2026, 11)


@pytest.fixture
def ledger(tree):
    """变电所社区: 3 households, 6 people (2 回族, 1 蒙古族); 北苑社区: 1 household of 2 汉族."""
    homes = [HouseholdFactory(grid=tree.grid, building=tree.building) for _ in range(2)]
    homes.append(HouseholdFactory(grid=tree.grid2))
    people = [
        ResidentFactory(household=homes[0], relation="head", ethnicity=ethnicity("回族")),
        ResidentFactory(household=homes[0], relation="spouse", ethnicity=ethnicity("回族")),
        ResidentFactory(household=homes[1], relation="head"),
        ResidentFactory(household=homes[1], relation="child", ethnicity=ethnicity("蒙古族")),
        ResidentFactory(household=homes[2], relation="head"),
        ResidentFactory(household=homes[2], relation="child"),
    ]
    other = HouseholdFactory(grid=tree.other_grid)
    ResidentFactory(household=other, relation="head")
    ResidentFactory(household=other, relation="spouse")
    return people


def basic(unit, period=NOVEMBER):
    return next(section for section in compose(unit, period) if section.key == "basic")


def test_the_opening_paragraph_reads_as_the_seeds_and_holds_the_queries_figures(tree, ledger):
    figures = ledger_figures(tree.community, NOVEMBER.end)
    section = basic(tree.community)

    assert section.paragraphs[0].startswith(
        f"变电所社区现有居民{figures.households}户、{figures.residents}人，其中少数民族"
        f"{figures.minority_residents}人，占{figures.minority_percent:.1f}%，有汉族、回族、蒙古族3个民族。"
    )
    assert (figures.households, figures.residents, figures.minority_residents) == (3, 6, 3)
    assert section.figures["minority_percent"] == Decimal("50.0")
    assert "辖区内有宗教活动场所1处（清真寺）" in section.paragraphs[-1]


def test_a_figure_that_is_zero_is_not_said(tree, ledger):
    text = "".join(basic(tree.community).paragraphs)

    assert "0人" not in text.replace("60岁", "")
    assert "流动人口" not in text  # nobody floating
    assert "0个" not in text


def test_a_unit_with_nothing_to_say_has_no_section(tree):
    from tests.factories import OrgUnitFactory

    empty = OrgUnitFactory(parent=tree.other_street, code="D01S02C09", name="新建社区")

    assert compose(empty, NOVEMBER) == []


def test_a_street_computes_its_own_figures_and_compares_its_communities(tree, ledger):
    street = basic(tree.district)
    children = street.tables[-1]
    rows = {row[0]: row for row in children.rows}

    assert children.title == "各街道基本情况"
    assert street.figures["residents"] == sum(row[2] for row in children.rows) == 8
    assert street.figures["minority_residents"] == sum(row[3] for row in children.rows) == 3
    # The rate is recomputed from its numerator and denominator, not averaged: 3/8, not (50%+0%)/2.
    assert street.figures["minority_percent"] == Decimal("37.5")
    assert rows["清河街道"][4] == "50.0%"


def test_stock_figures_are_as_on_the_last_day_of_the_period(tree, ledger):
    leaver = ledger[5]
    leaver.status, leaver.status_date = LedgerStatus.MOVED_OUT, dt.date(2026, 11, 15)
    leaver.save()

    assert basic(tree.community, Period.month(2026, 10)).figures["residents"] == 6
    assert basic(tree.community).figures["residents"] == 5


def test_problems_name_what_falls_short(tree, ledger):
    headless = BuildingFactory(grid=tree.grid2, number="3号楼", head_name="", head_phone="")
    problems = next(section for section in compose(tree.community, NOVEMBER) if section.key == "problems")

    assert "一网格、二网格2个网格尚未配备网格员。" in problems.paragraphs
    assert "有1栋楼尚未选任楼栋长。" in problems.paragraphs

    make_person(role=Role.GRID_WORKER, unit=tree.grid)
    make_person(role=Role.GRID_WORKER, unit=tree.grid2)
    headless.head_name = "马德福"
    headless.save()
    assert all(section.key != "problems" for section in compose(tree.community, NOVEMBER))


def test_households_without_a_head_are_a_problem(tree, ledger):
    ledger[4].relation = "other_relative"
    ledger[4].save()

    problems = next(section for section in compose(tree.community, NOVEMBER) if section.key == "problems")
    assert "有1户未登记户主，户籍信息有待完善。" in problems.paragraphs


# --- versions, the staff's paragraphs, submission ----------------------------------------------


def test_generating_again_without_a_change_writes_no_new_version(tree, ledger):
    first = report_generate(unit=tree.community, period=NOVEMBER, trigger=Trigger.COMMAND)
    again = report_generate(unit=tree.community, period=NOVEMBER, trigger=Trigger.SCHEDULE)

    assert (first.outcome, again.outcome) == (GENERATED, UNCHANGED)
    assert SummaryReport.objects.count() == 1
    assert first.report.versions.count() == 1


def test_a_change_in_the_ledger_gives_a_new_version_and_the_old_one_stays(tree, ledger, staff_user):
    first = report_generate(unit=tree.community, period=NOVEMBER, trigger=Trigger.COMMAND)
    report_paragraphs_update(
        report=first.report, by=staff_user, highlights="开展百家宴。", next_steps="继续走访。"
    )
    ResidentFactory(household=ledger[0].household, relation="child", ethnicity=ethnicity("回族"))

    second = report_generate(unit=tree.community, period=NOVEMBER, trigger=Trigger.USER, by=staff_user)

    report = SummaryReport.objects.get()
    versions = list(report.versions.order_by("number"))
    assert second.outcome == GENERATED
    assert [v.figures["basic"]["residents"] for v in versions] == [6, 7]
    assert versions[1].generated_by == staff_user
    assert (report.highlights, report.next_steps) == ("开展百家宴。", "继续走访。")
    parts = document(versions[1].section_list(), highlights=report.highlights, next_steps=report.next_steps)
    assert [part.heading for part in parts] == [
        "一、基本情况",
        "二、工作亮点",
        "三、存在问题",
        "四、下步打算",
    ]


def test_a_submitted_report_is_frozen_until_the_street_returns_it(tree, ledger, staff_user, leader):
    report = report_generate(unit=tree.community, period=NOVEMBER, trigger=Trigger.COMMAND).report
    report_submit(report=report, by=staff_user)
    ResidentFactory(household=ledger[0].household)

    assert report_generate(unit=tree.community, period=NOVEMBER, trigger=Trigger.SCHEDULE).outcome == FROZEN
    with pytest.raises(ValidationError):
        report_paragraphs_update(report=report, by=staff_user, highlights="改", next_steps="")
    assert report.versions.count() == 1

    report_return(report=report, by=leader, reason="请补充活动情况")
    assert (
        report_generate(unit=tree.community, period=NOVEMBER, trigger=Trigger.SCHEDULE).outcome == GENERATED
    )
    report.refresh_from_db()
    first_time = report.first_submitted_at
    report_submit(report=report, by=staff_user)
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED
    assert report.first_submitted_at == first_time  # on time is judged on the first submission


def test_only_the_unit_itself_submits_and_only_a_unit_above_returns(
    tree, ledger, staff_user, leader, persona
):
    report = report_generate(unit=tree.community, period=NOVEMBER, trigger=Trigger.COMMAND).report
    street_staff = make_person(role=Role.STAFF, unit=tree.street)
    with pytest.raises(PermissionDenied):
        report_submit(report=report, by=street_staff)
    report_submit(report=report, by=staff_user)
    community_leader = make_person(role=Role.LEADER, unit=tree.community)
    with pytest.raises(PermissionDenied):
        report_return(report=report, by=community_leader, reason="自己退回自己")
    with pytest.raises(ValidationError):
        report_return(report=report, by=leader, reason="")
    assert SummaryReport.objects.get().state == ReportState.SUBMITTED


def test_only_communities_streets_and_districts_write_reports(tree):
    with pytest.raises(ValidationError):
        report_generate(unit=tree.grid, period=NOVEMBER, trigger=Trigger.COMMAND)


# --- completeness -----------------------------------------------------------------------------


def test_completeness_counts_submitted_and_on_time_communities(tree, ledger, staff_user):
    third = make_third_community(tree)
    ours = report_generate(unit=tree.community, period=NOVEMBER, trigger=Trigger.COMMAND).report
    report_submit(report=ours, by=staff_user)
    late = report_generate(unit=tree.other_community, period=NOVEMBER, trigger=Trigger.COMMAND).report
    SummaryReport.objects.filter(pk=late.pk).update(
        state=ReportState.SUBMITTED,
        first_submitted_at=timezone.make_aware(dt.datetime(2026, 12, 9, 10)),
        submitted_at=timezone.make_aware(dt.datetime(2026, 12, 9, 10)),
    )
    # On time: by the 5th of December, Beijing time.
    SummaryReport.objects.filter(pk=ours.pk).update(
        first_submitted_at=timezone.make_aware(dt.datetime(2026, 12, 5, 23, 30))
    )

    status = completeness(tree.district, NOVEMBER)

    assert (status.expected, status.submitted, status.on_time) == (3, 2, 1)
    assert status.due == dt.date(2026, 12, settings.REPORT_DUE_DAY)
    assert [row.unit for row in status.missing] == [third]


def make_third_community(tree):
    from tests.factories import OrgUnitFactory

    return OrgUnitFactory(parent=tree.other_street, code="D01S02C02", name="康宁社区")


# --- the schedule and the command -------------------------------------------------------------


def test_the_beat_runs_just_after_midnight_on_the_first_beijing_time():
    schedule = settings.CELERY_BEAT_SCHEDULE["generate-due-reports"]["schedule"]

    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    assert (schedule.day_of_month, schedule.hour, schedule.minute) == ({1}, {0}, {10})


def test_a_run_at_ten_past_midnight_on_the_first_reports_on_last_month(tree, ledger):
    # 00:10 on 1 December in Beijing is still 30 November in UTC.
    runs = due_reports_create(now=dt.datetime(2026, 11, 30, 16, 10, tzinfo=dt.UTC))

    assert [run.period.key for run in runs] == ["2026-11"]
    # The task's work, here in the test (a real worker runs it in test_reports_worker.py).
    run = report_run_execute(run_id=runs[0].pk)
    assert run.status == RunStatus.DONE
    assert run.generated == 5  # 2 communities, 2 streets, 1 district
    assert SummaryReport.objects.filter(period_start=dt.date(2026, 11, 1)).count() == 5
    assert due_reports_create(now=dt.datetime(2026, 12, 1, 16, 10, tzinfo=dt.UTC)) == []


def test_the_command_generates_and_prints_the_headline(tree, ledger, capsys):
    call_command("generate_reports", "--period", "2026-11", "--unit", tree.community.code)
    call_command("generate_reports", "--period", "2026-11", "--unit", tree.community.code)

    out = capsys.readouterr().out
    assert "变电所社区 2026年11月：已生成新版本  户数3户，居民6人，少数民族3人" in out
    assert "变电所社区 2026年11月：无变化" in out
    assert SummaryReport.objects.get().versions.count() == 1


# --- the pages --------------------------------------------------------------------------------


def test_staff_generate_and_submit_from_the_page(
    client, tree, ledger, staff_user, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks():
        client.post(reverse("reports:report_generate"), {"period": "2026-11"})
    run = ReportRun.objects.get()
    assert (run.org_unit, run.requested_by, run.status) == (tree.community, staff_user, RunStatus.QUEUED)
    report_run_execute(run_id=run.pk)
    report = SummaryReport.objects.get()
    url = reverse("reports:report_detail", args=[report.pk])

    page = client.get(url).content.decode()
    assert "变电所社区现有居民3户、6人" in page
    client.post(reverse("reports:report_submit", args=[report.pk]))
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED
    assert "报告已上报，内容已锁定" in client.get(url).content.decode()
    # Frozen: regenerating it is refused, and no run is queued.
    client.post(reverse("reports:report_regenerate", args=[report.pk]))
    assert ReportRun.objects.count() == 1


def test_the_street_leader_returns_a_report_with_a_reason(client, tree, ledger, staff_user, leader):
    report = report_generate(unit=tree.community, period=NOVEMBER, trigger=Trigger.COMMAND).report
    report_submit(report=report, by=staff_user)
    client.force_login(leader)

    assert "变电所社区" in client.get(reverse("home")).content.decode()
    refused = client.post(reverse("reports:report_return", args=[report.pk]), {"reason": ""})
    assert "请填写退回原因" in refused.content.decode()
    client.post(reverse("reports:report_return", args=[report.pk]), {"reason": "请补充调解数据"})
    report.refresh_from_db()
    assert report.state == ReportState.RETURNED


def test_a_community_leader_cannot_open_another_communitys_report_or_version(client, tree, ledger):
    other = report_generate(unit=tree.other_community, period=NOVEMBER, trigger=Trigger.COMMAND).report
    client.force_login(make_person(role=Role.LEADER, unit=tree.community))

    assert client.get(reverse("reports:report_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("reports:report_detail", args=[other.pk]) + "?version=1").status_code == 404


def test_an_old_version_is_readable_and_a_missing_one_is_not_found(client, tree, ledger, staff_user):
    report = report_generate(unit=tree.community, period=NOVEMBER, trigger=Trigger.COMMAND).report
    ResidentFactory(household=ledger[0].household)
    report_generate(unit=tree.community, period=NOVEMBER, trigger=Trigger.COMMAND)
    client.force_login(staff_user)
    url = reverse("reports:report_detail", args=[report.pk])

    assert "现有居民3户、6人" in client.get(url + "?version=1").content.decode()
    assert "现有居民3户、7人" in client.get(url).content.decode()
    assert client.get(url + "?version=9").status_code == 404


def test_a_bad_period_on_the_list_is_said_in_chinese(client, tree, staff_user):
    client.force_login(staff_user)

    page = client.get(reverse("reports:report_list"), {"period": "2026-13"}).content.decode()
    assert "报告期格式不正确" in page


def test_the_place_kinds_are_counted_with_their_measure_words(tree, ledger):
    from tests.factories import PlaceFactory

    PlaceFactory(grid=tree.grid, kind=PlaceKind.SCHOOL, name="一小")
    assert "学校1所" in basic(tree.community).paragraphs[-1]


def test_a_report_links_to_its_periods_dashboard(client, tree, ledger, leader):
    report = report_generate(unit=tree.community, period=NOVEMBER, trigger=Trigger.COMMAND).report
    client.force_login(leader)

    page = client.get(reverse("reports:report_detail", args=[report.pk])).content.decode()
    assert f"{reverse('reports:dashboard')}?unit={tree.community.pk}&amp;period=2026-11" in page
