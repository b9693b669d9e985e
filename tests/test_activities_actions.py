"""activities.actions: attendance in scope, volunteer hours entered by staff or by the team's own
leader account, confirmed by staff through core.transitions, refused moves changing nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from activities import actions, queries
from activities.models import MemberRole, ServiceStatus
from core.periods import Period
from core.transitions import TransitionRefused
from grid.models import Role
from tests.factories import make_person
from tests.factories_activities import make_activity, make_service, make_team
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity

JUNE = Period.month(2026, 6)


@pytest.fixture
def people(tree):
    home = HouseholdFactory(grid=tree.grid)
    return [
        ResidentFactory(household=home, name="马队长", ethnicity=ethnicity("回族")),
        ResidentFactory(household=home, name="张队员", ethnicity=ethnicity("汉族")),
    ]


@pytest.fixture
def teams(tree, people):
    leader_account = make_person(role=Role.GRID_WORKER, unit=tree.grid, username="team_leader")
    ours = make_team(tree.community, leader=people[0], members=[people[1]], leader_account=leader_account)
    other = make_team(tree.community, name="红色老兵宣讲队", kind="publicity", members=[people[1]])
    return {"ours": ours, "other": other, "leader": leader_account}


def test_staff_enter_and_confirm_hours_and_only_then_they_count(tree, persona, people, teams):
    staff = persona(Role.STAFF)
    record = actions.service_enter(
        by=staff,
        team=teams["ours"],
        resident=people[1],
        served_on=dt.date(2026, 6, 3),
        hours=Decimal("2.5"),
        content="楼道清扫",
    )
    assert record.status == ServiceStatus.PENDING
    assert queries.team_figures(tree.community, JUNE).hours == 0
    actions.service_confirm(by=staff, record=record)
    record.refresh_from_db()
    assert record.status == ServiceStatus.CONFIRMED
    assert queries.team_figures(tree.community, JUNE).hours == Decimal("2.5")


def test_the_leader_account_enters_hours_for_its_own_team_only(tree, people, teams):
    leader = teams["leader"]
    record = actions.service_enter(
        by=leader,
        team=teams["ours"],
        resident=people[0],
        served_on=dt.date(2026, 6, 3),
        hours=Decimal("3"),
        content="端午慰问",
    )
    assert record.entered_by == leader
    with pytest.raises(ValidationError, match="本队队长"):
        actions.service_enter(
            by=leader,
            team=teams["other"],
            resident=people[1],
            served_on=dt.date(2026, 6, 3),
            hours=Decimal("3"),
            content="宣讲",
        )
    # …and may not confirm: that is the staff's.
    with pytest.raises(TransitionRefused) as refused:
        actions.service_confirm(by=leader, record=record)
    assert refused.value.code == "permission"
    record.refresh_from_db()
    assert record.status == ServiceStatus.PENDING


def test_a_grid_worker_who_leads_no_team_may_not_enter_hours(tree, persona, people, teams):
    with pytest.raises(ValidationError):
        actions.service_enter(
            by=persona(Role.GRID_WORKER),
            team=teams["ours"],
            resident=people[1],
            served_on=dt.date(2026, 6, 3),
            hours=Decimal("1"),
            content="x",
        )


def test_hours_are_for_members_and_within_bounds(tree, persona, people, teams):
    staff = persona(Role.STAFF)
    outsider = ResidentFactory(household=HouseholdFactory(grid=tree.grid))
    base = {"by": staff, "team": teams["ours"], "served_on": dt.date(2026, 6, 3), "content": "x"}
    with pytest.raises(ValidationError, match="本队队员"):
        actions.service_enter(resident=outsider, hours=Decimal("1"), **base)
    with pytest.raises(ValidationError, match="0.5 至 24"):
        actions.service_enter(resident=people[1], hours=Decimal("25"), **base)
    with pytest.raises(ValidationError, match="晚于今天"):
        actions.service_enter(
            resident=people[1], hours=Decimal("1"), **{**base, "served_on": dt.date(2099, 1, 1)}
        )


def test_a_returned_record_needs_a_reason_never_counts_and_cannot_be_confirmed(tree, persona, people, teams):
    staff = persona(Role.STAFF)
    record = make_service(teams["ours"], people[1], hours="4")
    with pytest.raises(TransitionRefused) as refused:
        actions.service_return(by=staff, record=record, reason="  ")
    assert refused.value.code == "note_required"
    actions.service_return(by=staff, record=record, reason="时长有误")
    with pytest.raises(TransitionRefused) as again:
        actions.service_confirm(by=staff, record=record)
    assert again.value.code == "stale" or again.value.code == "not_allowed"
    record.refresh_from_db()
    assert record.status == ServiceStatus.RETURNED
    assert queries.team_figures(tree.community, JUNE).hours == 0


def test_confirming_twice_is_refused(tree, persona, people, teams):
    staff = persona(Role.STAFF)
    record = make_service(teams["ours"], people[1])
    actions.service_confirm(by=staff, record=record)
    with pytest.raises(TransitionRefused):
        actions.service_confirm(by=staff, record=record)


def test_one_leader_per_team_and_members_counted(tree, people, teams):
    new = ResidentFactory(household=HouseholdFactory(grid=tree.grid), ethnicity=ethnicity("维吾尔族"))
    actions.member_add(by=None, team=teams["ours"], resident=new, role=MemberRole.LEADER)
    roles = dict(teams["ours"].memberships.values_list("resident__name", "role"))
    assert roles["马队长"] == MemberRole.MEMBER
    assert list(
        teams["ours"].memberships.filter(role=MemberRole.LEADER).values_list("resident", flat=True)
    ) == [new.pk]
    with pytest.raises(ValidationError, match="已是本队队员"):
        actions.member_add(by=None, team=teams["ours"], resident=new)
    numbers = queries.team_numbers([teams["ours"], teams["other"]], JUNE)
    assert (numbers[teams["ours"].pk].members, numbers[teams["ours"].pk].minority_members) == (3, 2)
    assert (numbers[teams["other"].pk].members, numbers[teams["other"].pk].minority_members) == (1, 0)


def test_attendance_only_of_residents_in_scope_and_by_those_who_may(tree, persona, people):
    activity = make_activity(tree.grid)
    far = ResidentFactory(household=HouseholdFactory(grid=tree.other_grid))
    worker = persona(Role.GRID_WORKER)
    assert actions.attendance_add(by=worker, activity=activity, residents=people) == 2
    with pytest.raises(ValidationError, match="管辖范围"):
        actions.attendance_add(by=worker, activity=activity, residents=[far])
    with pytest.raises(ValidationError, match="无权"):
        actions.attendance_add(by=persona(Role.LEADER), activity=activity, residents=people)
    assert activity.attendance.count() == 2


def test_an_activity_needs_a_place_and_a_unit_in_scope(tree, persona):
    from tests.factories_activities import at

    staff = persona(Role.STAFF)
    fields = {
        "title": "宣讲",
        "kind": "publicity",
        "theme": "community",
        "starts_at": at(dt.date(2026, 6, 1)),
        "ends_at": at(dt.date(2026, 6, 1), 11),
    }
    with pytest.raises(ValidationError) as error:
        actions.activity_create(by=staff, unit=tree.grid, **fields)
    assert "place_text" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.activity_create(by=staff, unit=tree.other_community, place_text="广场", **fields)
    assert "unit" in error.value.message_dict
    activity = actions.activity_create(by=staff, unit=tree.grid, place=tree.place, **fields)
    assert activity.place_label == "清真寺"
    with pytest.raises(ValidationError) as error:
        actions.activity_update(by=staff, activity=activity, ends_at=at(dt.date(2026, 5, 1)))
    assert "ends_at" in error.value.message_dict
