"""会议与议定事项: decisions followed 待办 → 办理中 → 已完成 through core.transitions (allowed and
refused moves, overdue), the meeting page rendering other apps' panels on each decision, the
decisions' list, the figures and the report's sentence and 存在问题."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities import actions, queries
from activities.forms import decisions_for
from activities.models import Decision, DecisionStatus, MeetingKind
from activities.report import meetings_sentence, visits_problems, visits_section
from core import registry
from core.history import under
from core.periods import Period
from core.registry import Panel
from core.transitions import TransitionRefused
from grid.models import Role
from tests.factories_activities_visits import make_decision, make_meeting

YEAR = Period.year(2026)


@pytest.fixture
def meeting(tree, persona):
    return make_meeting(tree.community, by=persona(Role.STAFF), held_on=dt.date(2026, 3, 5))


def test_a_meeting_with_its_decisions_and_their_history(tree, persona):
    staff = persona(Role.STAFF)
    meeting = make_meeting(
        tree.community,
        by=staff,
        attendee_users=[staff],
        decisions=[
            {"content": "走访困难少数民族家庭", "owner": staff, "due_on": dt.date(2026, 4, 1)},
            {"content": "修缮活动室", "owner_unit": "物业公司", "due_on": dt.date(2026, 5, 1)},
        ],
    )
    assert [d.content for d in meeting.decisions.order_by("pk")] == ["走访困难少数民族家庭", "修缮活动室"]
    assert all(d.status == DecisionStatus.TODO for d in meeting.decisions.all())
    # The decisions' changes are listed under their meeting.
    assert under(meeting).count() == 3


def test_a_decision_names_its_owner_and_is_due_after_the_meeting(meeting):
    with pytest.raises(ValidationError, match="责任"):
        make_decision(meeting, owner_unit="")
    with pytest.raises(ValidationError, match="不能早于会议日期"):
        make_decision(meeting, due_on=dt.date(2026, 1, 1))


def test_a_decision_is_followed_until_done(meeting, persona):
    staff = persona(Role.STAFF)
    decision = make_decision(meeting, by=staff)
    actions.decision_start(by=staff, decision=decision)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DOING
    actions.decision_finish(by=staff, decision=decision, result="已购买学习用品20份", on=dt.date(2026, 3, 20))
    decision.refresh_from_db()
    assert (decision.status, decision.done_on, decision.result) == (
        DecisionStatus.DONE,
        dt.date(2026, 3, 20),
        "已购买学习用品20份",
    )
    assert [c.action for c in under(decision).order_by("pk")] == ["create", "start", "finish"]


def test_refused_moves_change_nothing(meeting, persona):
    staff, worker = persona(Role.STAFF), persona(Role.GRID_WORKER)
    decision = make_decision(meeting, by=staff)
    # 网格员 read decisions but do not move them.
    with pytest.raises(TransitionRefused, match="无权"):
        actions.decision_start(by=worker, decision=decision)
    actions.decision_finish(by=staff, decision=decision, on=dt.date(2026, 3, 6))
    # Done is done: it cannot be finished again, nor started.
    with pytest.raises(TransitionRefused, match="不能改为"):
        actions.decision_finish(by=staff, decision=decision, on=dt.date(2026, 3, 7))
    # Reopening needs the reason.
    with pytest.raises(TransitionRefused, match="需要填写说明"):
        actions.decision_reopen(by=staff, decision=decision, reason="  ")
    decision.refresh_from_db()
    assert (decision.status, decision.done_on) == (DecisionStatus.DONE, dt.date(2026, 3, 6))
    actions.decision_reopen(by=staff, decision=decision, reason="回访发现未落实")
    decision.refresh_from_db()
    assert (decision.status, decision.done_on) == (DecisionStatus.DOING, None)


def test_overdue_is_past_due_and_not_done(meeting):
    late = make_decision(meeting, content="逾期未办", due_on=dt.date(2026, 4, 1))
    done = make_decision(meeting, content="按期办结", due_on=dt.date(2026, 4, 1))
    actions.decision_finish(by=None, decision=done, on=dt.date(2026, 3, 30))
    done.refresh_from_db()
    later = make_decision(meeting, content="尚未到期", due_on=dt.date(2026, 12, 31))

    assert list(Decision.objects.overdue(dt.date(2026, 6, 1))) == [late]
    assert late.is_overdue and not done.is_overdue
    assert set(Decision.objects.overdue(dt.date(2027, 1, 5))) == {late, later}


def test_the_decisions_list_filters_by_status_and_overdue(tree, meeting, persona):
    late = make_decision(meeting, content="逾期未办", due_on=dt.date(2026, 4, 1))
    doing = make_decision(meeting, content="办理中", due_on=dt.date(2026, 12, 31))
    actions.decision_start(by=None, decision=doing)
    far = make_decision(make_meeting(tree.other_community), content="别处的事项")
    staff = persona(Role.STAFF)

    assert list(decisions_for(staff, {"status": "overdue"})) == [late]
    assert list(decisions_for(staff, {"status": "doing"})) == [doing]
    assert set(decisions_for(staff, {"status": "open"})) == {late, doing}
    assert far not in decisions_for(staff, {})


def test_the_decision_page_steps(client, meeting, persona):
    staff = persona(Role.STAFF)
    decision = make_decision(meeting, by=staff)
    client.force_login(staff)
    response = client.post(
        reverse("activities:decision_finish", args=[decision.pk]), {"result": "已落实", "on": "2026-03-10"}
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DONE
    # Finishing again is blocked on the page, and nothing changes.
    page = client.post(
        reverse("activities:decision_finish", args=[decision.pk]), {"result": "再次", "on": "2026-03-11"}
    )
    assert "不能办结" in page.content.decode()
    decision.refresh_from_db()
    assert decision.result == "已落实"


# --- the related panel hook on decisions ----------------------------------------------------------


def test_the_meeting_page_renders_other_apps_panels_on_each_decision(
    client, meeting, persona, settings, tmp_path
):
    # A throwaway panel template, as services' 实事 panel will bring its own.
    (tmp_path / "throwaway").mkdir()
    (tmp_path / "throwaway" / "_panel.html").write_text('<div data-testid="throwaway">{{ panel.text }}</div>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    decision = make_decision(meeting, content="修缮少数民族困难户房屋")
    seen = []

    def provider(user, record):
        seen.append(record.pk)
        return Panel("throwaway/_panel.html", {"text": f"已转为实事 #{record.pk}"})

    registry.related_panel("activities.Decision", provider, order=10)
    try:
        client.force_login(persona(Role.LEADER))
        page = client.get(reverse("activities:meeting_detail", args=[meeting.pk])).content.decode()
    finally:
        registry._related_panels["activities.decision"] = [
            item for item in registry._related_panels["activities.decision"] if item[1] is not provider
        ]
    assert seen == [decision.pk]
    assert f"已转为实事 #{decision.pk}" in page
    # Gone again once removed.
    page = client.get(reverse("activities:meeting_detail", args=[meeting.pk])).content.decode()
    assert "已转为实事" not in page


# --- the figures and the report --------------------------------------------------------------------


@pytest.fixture
def year_of_meetings(tree):
    first = make_meeting(tree.community, held_on=dt.date(2026, 3, 5))
    second = make_meeting(tree.community, held_on=dt.date(2026, 9, 3))
    joint = make_meeting(tree.community, held_on=dt.date(2026, 6, 1), kind=MeetingKind.JOINT)
    make_meeting(tree.community, held_on=dt.date(2025, 11, 1))  # last year
    make_meeting(tree.other_community, held_on=dt.date(2026, 5, 1))  # another community
    done = make_decision(first, content="建立走访慰问台账", due_on=dt.date(2026, 4, 30))
    actions.decision_finish(by=None, decision=done, on=dt.date(2026, 4, 20))
    done2 = make_decision(joint, content="楼道照明", due_on=dt.date(2026, 7, 1))
    actions.decision_finish(by=None, decision=done2, on=dt.date(2026, 6, 20))
    make_decision(second, content="筹备古尔邦节联谊", due_on=dt.date(2026, 10, 1))  # overdue
    return first, second, joint


def test_meeting_figures_against_a_hand_count(tree, year_of_meetings):
    figures = queries.meeting_figures(tree.community, YEAR)
    assert figures.meetings == 3
    assert figures.by_kind == [("民族团结工作会议", 2), ("联席会议", 1)]
    assert (figures.decisions, figures.done, figures.overdue) == (3, 2, 1)
    assert figures.done_in_period == 2
    # As on 30 April: one decision made so far, done; none overdue yet.
    spring = Period(dt.date(2026, 1, 1), dt.date(2026, 4, 30))
    spring_figures = queries.meeting_figures(tree.community, spring)
    assert (spring_figures.meetings, spring_figures.decisions, spring_figures.done) == (1, 1, 1)


def test_the_report_says_meetings_and_decisions(tree, year_of_meetings):
    section = visits_section(tree.community, YEAR)
    assert "召开民族团结工作会议2次、联席会议1次，议定事项3件，已办结2件。" in section.paragraphs
    assert section.figures["decisions_overdue"] == 1
    assert "有1件会议议定事项超过办理期限仍未办结，需加快落实。" in visits_problems(tree.community, YEAR)


def test_all_decisions_done_reads_so():
    figures = queries.MeetingFigures(meetings=1, by_kind=[("居民议事会", 1)], decisions=4, done=4)
    assert meetings_sentence(figures) == "召开居民议事会1次，议定事项4件，均已办结。"
