"""回访: the visits a success schedules (MEDIATION_FOLLOWUP_DAYS), recording one, a broken
agreement reopening the case and cancelling the round's other visits, the list of visits due
in scope, and the figures (协议履行率) against hand-counted fixtures, in the report only
when there were visits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core import history, transitions
from core.periods import Period
from mediation import actions, queries
from mediation.models import CaseStatus, FollowUp, FollowUpStatus, Performance
from mediation.report import mediation_problems, mediation_section
from tests.factories_mediation import closed, make_agreement, make_case, make_mediator

MARCH = Period.month(2026, 3)


@pytest.fixture(autouse=True)
def days(settings):
    settings.MEDIATION_FOLLOWUP_DAYS = (15, 90)


def _settled(grid, *, on: dt.date, **fields):
    case = make_case(grid, reported_on=on - dt.timedelta(days=5), **fields)
    return closed(case, "succeeded", accepted_on=on - dt.timedelta(days=5), on=on)


def _visit(followup, *, on: dt.date, performance: str, by=None, note: str = ""):
    return actions.followup_record(
        by=by,
        followup=followup,
        visited_on=on,
        performance=performance,
        note=note or ("当事人反映对方未按约定赔偿" if performance == Performance.BROKEN else ""),
    )


def test_success_schedules_a_visit_for_each_setting_day(tree, settings):
    case = _settled(tree.grid, on=dt.date(2026, 3, 1))
    visits = list(case.followups.order_by("due_on"))
    assert [(f.due_on, f.round, f.status) for f in visits] == [
        (dt.date(2026, 3, 16), 1, FollowUpStatus.DUE),
        (dt.date(2026, 5, 30), 1, FollowUpStatus.DUE),
    ]
    assert history.under(case).filter(record_type__model="followup", action="create").count() == 2
    settings.MEDIATION_FOLLOWUP_DAYS = (7,)
    other = _settled(tree.grid, on=dt.date(2026, 3, 1))
    assert list(other.followups.values_list("due_on", flat=True)) == [dt.date(2026, 3, 8)]


def test_no_visits_for_other_outcomes(tree):
    closed(make_case(tree.grid), "referred", on=dt.date(2026, 3, 20))
    closed(make_case(tree.grid), "terminated", on=dt.date(2026, 3, 20))
    assert not FollowUp.objects.exists()


def test_the_mediator_records_a_kept_agreement_on_the_page(client, tree, mediator):
    case = _settled(tree.grid, on=timezone.localdate() - dt.timedelta(days=20))
    visitor = make_mediator(tree.community, "古丽调解")
    first = case.followups.order_by("due_on").first()
    client.force_login(mediator)
    response = client.post(
        reverse("mediation:followup_record", args=[first.pk]),
        {
            "visited_on": f"{timezone.localdate():%Y-%m-%d}",
            "performance": "performed",
            "mediator": visitor.pk,
            "note": "赔偿款已付清",
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.status, first.performance, first.visited_by, first.mediator) == (
        FollowUpStatus.DONE,
        Performance.PERFORMED,
        mediator,
        visitor,
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.SUCCEEDED
    page = client.get(reverse("mediation:case_detail", args=[case.pk])).content.decode()
    assert 'data-testid="followups"' in page and "已履行完毕" in page and "赔偿款已付清" in page


def test_a_broken_agreement_reopens_the_case_and_cancels_the_rest(client, tree, mediator):
    case = _settled(tree.grid, on=timezone.localdate() - dt.timedelta(days=20))
    first, second = case.followups.order_by("due_on")
    client.force_login(mediator)  # a mediator, who may not reopen a case by hand
    response = client.post(
        reverse("mediation:followup_record", args=[first.pk]),
        {"visited_on": f"{timezone.localdate():%Y-%m-%d}", "performance": "broken", "note": "对方拒不赔偿"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    second.refresh_from_db()
    assert case.status == CaseStatus.MEDIATING and case.closed_on is None
    assert second.status == FollowUpStatus.CANCELLED
    move = list(transitions.history(case))[-1]
    assert (move.from_state, move.to_state, move.note) == (
        CaseStatus.SUCCEEDED,
        CaseStatus.MEDIATING,
        actions.BROKEN_REASON,
    )
    reopen = history.of_record(case).get(action="reopen")
    assert reopen.user == mediator
    timeline = client.get(reverse("mediation:case_detail", args=[case.pk])).content.decode()
    assert "重新开启（调解中）" in timeline and actions.BROKEN_REASON in timeline
    # Settled again: a new round is due, counted from the new success.
    actions.case_succeed(by=None, case=case, on=timezone.localdate())
    due = list(case.followups.filter(status=FollowUpStatus.DUE).values_list("round", "due_on"))
    assert due == [
        (2, timezone.localdate() + dt.timedelta(days=15)),
        (2, timezone.localdate() + dt.timedelta(days=90)),
    ]


def test_a_broken_agreement_needs_what_was_found(tree):
    case = _settled(tree.grid, on=timezone.localdate() - dt.timedelta(days=20))
    first = case.followups.order_by("due_on").first()
    with pytest.raises(ValidationError, match="写明"):
        actions.followup_record(
            by=None, followup=first, visited_on=timezone.localdate(), performance="broken"
        )
    first.refresh_from_db()
    case.refresh_from_db()
    assert first.status == FollowUpStatus.DUE and case.status == CaseStatus.SUCCEEDED


def test_a_visit_is_recorded_once(tree):
    case = _settled(tree.grid, on=timezone.localdate() - dt.timedelta(days=20))
    first = case.followups.order_by("due_on").first()
    _visit(first, on=timezone.localdate(), performance=Performance.PERFORMING)
    with pytest.raises(ValidationError, match="已回访"):
        _visit(first, on=timezone.localdate(), performance=Performance.PERFORMED)
    first.refresh_from_db()
    assert first.performance == Performance.PERFORMING


def test_a_visit_before_the_case_closed_is_refused(tree):
    case = _settled(tree.grid, on=timezone.localdate() - dt.timedelta(days=20))
    first = case.followups.order_by("due_on").first()
    with pytest.raises(ValidationError, match="不能早于结案日期"):
        _visit(first, on=timezone.localdate() - dt.timedelta(days=30), performance=Performance.PERFORMED)


def test_reopening_by_hand_cancels_the_visits_due(tree, staff_user):
    case = _settled(tree.grid, on=timezone.localdate() - dt.timedelta(days=20))
    actions.case_reopen(by=staff_user, case=case, reason="当事人反映协议内容有误")
    assert set(case.followups.values_list("status", flat=True)) == {FollowUpStatus.CANCELLED}


def test_the_list_of_visits_due_is_in_scope_overdue_first(client, tree, grid_worker):
    late = _settled(tree.grid, on=timezone.localdate() - dt.timedelta(days=40), title="拖欠回访的纠纷")
    soon = _settled(tree.grid, on=timezone.localdate() - dt.timedelta(days=5), title="新近调成的纠纷")
    elsewhere = _settled(tree.grid2, on=timezone.localdate() - dt.timedelta(days=60), title="二网格的纠纷")
    client.force_login(grid_worker)
    page = client.get(reverse("mediation:followups_due")).content.decode()
    assert page.index("拖欠回访的纠纷") < page.index("新近调成的纠纷")
    assert elsewhere.title not in page
    assert "已逾期25天" in page
    assert 'data-testid="overdue-count">1<' in page
    assert late.pk and soon.pk


def test_a_grid_worker_may_not_record_a_visit(client, tree, grid_worker):
    case = _settled(tree.grid2, on=timezone.localdate() - dt.timedelta(days=20))
    first = case.followups.first()
    client.force_login(grid_worker)
    assert client.get(reverse("mediation:followup_record", args=[first.pk])).status_code == 403


# --- figures ---------------------------------------------------------------------------------


@pytest.fixture
def visits(tree):
    """变电所社区, March 2026 (visits due 15 and 90 days after success):

    a settled 20 Feb → due 7 Mar, visited 8 Mar 正在履行;
    b settled 25 Feb → due 12 Mar, visited 13 Mar 已履行完毕;
    c settled 26 Feb → due 13 Mar, visited 14 Mar 未履行 → reopened, its 27 May visit cancelled;
    d settled 1 Mar → due 16 Mar, not visited → overdue on 31 March; agreement made 1 Mar;
    e settled 10 Mar → due 25 Mar, visited early on 20 Mar 已履行完毕; agreement made 10 Mar;
    a's agreement was made 20 Feb (not March's). 北苑社区: f settled 20 Feb, visited 8 Mar.

    March: agreements 2; due 5 (a, b, c, d, e); done 4 (a, b, c, e), kept 3 → 75.0%; overdue 1."""
    on = lambda day: dt.date(2026, 3, day)  # noqa: E731
    a = _settled(tree.grid, on=dt.date(2026, 2, 20))
    make_agreement(a, made_on=dt.date(2026, 2, 20))
    _visit(a.followups.order_by("due_on")[0], on=on(8), performance=Performance.PERFORMING)
    b = _settled(tree.grid2, on=dt.date(2026, 2, 25))
    _visit(b.followups.order_by("due_on")[0], on=on(13), performance=Performance.PERFORMED)
    c = _settled(tree.grid, on=dt.date(2026, 2, 26))
    _visit(c.followups.order_by("due_on")[0], on=on(14), performance=Performance.BROKEN)
    d = _settled(tree.grid, on=on(1))
    make_agreement(d, made_on=on(1))
    e = _settled(tree.grid, on=on(10))
    make_agreement(e, made_on=on(10))
    _visit(e.followups.order_by("due_on")[0], on=on(20), performance=Performance.PERFORMED)
    f = _settled(tree.other_grid, on=dt.date(2026, 2, 20))
    _visit(f.followups.order_by("due_on")[0], on=on(8), performance=Performance.PERFORMED)


def test_the_figures_match_the_hand_count(tree, visits):
    figures = queries.followup_figures(tree.community, MARCH, today=dt.date(2026, 12, 1))
    assert figures == queries.FollowUpFigures(agreements=2, due=5, done=4, kept=3, overdue=1)
    assert figures.keep_rate == Decimal("75.0")
    assert list(
        queries.overdue_followups(tree.community, dt.date(2026, 3, 31)).values_list("due_on", flat=True)
    ) == [dt.date(2026, 3, 16)]


def test_a_grid_counts_its_own(tree, visits):
    figures = queries.followup_figures(tree.grid2, MARCH, today=dt.date(2026, 12, 1))
    assert (figures.due, figures.done, figures.kept, figures.agreements) == (1, 1, 1, 0)


def test_no_visits_no_rate(tree):
    assert queries.followup_figures(tree.community, MARCH).keep_rate is None


def test_the_report_says_the_visits_and_the_overdue_ones(tree, visits):
    section = mediation_section(tree.community, MARCH)
    assert "制作人民调解协议书2份，回访当事人4次，协议履行率75.0%。" in section.paragraphs
    assert section.figures["keep_rate"] == Decimal("75.0")
    problems = mediation_problems(tree.community, MARCH)
    assert any("1次调解回访超过应回访日期" in text for text in problems)


def test_the_report_says_nothing_of_visits_when_there_were_none(tree):
    closed(make_case(tree.grid, reported_on=dt.date(2026, 3, 2)), "referred", on=dt.date(2026, 3, 9))
    section = mediation_section(tree.community, MARCH)
    assert not any("回访" in text for text in section.paragraphs)
    assert not any("回访" in text for text in mediation_problems(tree.community, MARCH))
