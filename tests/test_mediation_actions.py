"""mediation.actions: registering a case (file numbers per community and year), every allowed
and refused move, deadlines and the one extension, overdue, sessions, mediators, repeats."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core import history, transitions
from core.models import Change
from core.transitions import TransitionRefused
from grid.models import OrgUnit, Role
from mediation import actions
from mediation.models import Case, CaseCounter, CaseStatus, Risk
from tests.factories_mediation import closed, make_case, make_mediator
from tests.factories_residents import HouseholdFactory, ResidentFactory

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def resident(tree):
    return ResidentFactory(household=HouseholdFactory(grid=tree.grid), name="张三")


# --- registering ------------------------------------------------------------------------------


def test_a_grid_worker_registers_a_case_with_a_resident_party(tree, grid_worker, resident):
    case = make_case(tree.grid, by=grid_worker, resident=resident)
    assert case.status == CaseStatus.REGISTERED
    assert case.community == tree.community
    assert case.file_number == "（2026）变电所人调字第1号"
    assert case.reported_by == grid_worker
    party = case.parties.get()
    assert (party.name, party.ethnicity.name, party.phone) == ("张三", "汉族", resident.phone)
    assert history.of_record(case).get().action == history.CREATE
    assert history.under(case).count() == 2  # the case and its party


def test_file_numbers_count_per_community_and_year(tree):
    first = make_case(tree.grid)
    second = make_case(tree.grid2)
    other = make_case(tree.other_grid)
    next_year = make_case(tree.grid, reported_on=dt.date(2027, 1, 3))
    assert [first.number, second.number, other.number, next_year.number] == [1, 2, 1, 1]
    assert other.file_number == "（2026）北苑人调字第1号"
    assert next_year.file_number == "（2027）变电所人调字第1号"
    assert CaseCounter.objects.get(community=tree.community, year=2026).last == 2


def test_a_number_given_once_is_never_given_again(tree):
    case = make_case(tree.grid)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=make_case(tree.grid).pk).update(number=case.number)


def test_the_short_name_drops_only_a_trailing_community():
    assert actions.short_name(OrgUnit(name="变电所社区")) == "变电所"
    assert actions.short_name(OrgUnit(name="社区")) == "社区"
    assert actions.short_name(OrgUnit(name="建林")) == "建林"


def test_a_grid_outside_scope_or_a_resident_outside_it_is_refused(tree, grid_worker):
    with pytest.raises(ValidationError, match="管辖范围"):
        make_case(tree.grid2, by=grid_worker)
    stranger = ResidentFactory(household=HouseholdFactory(grid=tree.grid2))
    with pytest.raises(ValidationError, match="管辖范围"):
        make_case(tree.grid, by=grid_worker, resident=stranger)
    assert not Case.objects.exists()


def test_a_case_needs_a_grid_and_a_party(tree):
    with pytest.raises(ValidationError, match="网格下"):
        make_case(tree.community)
    with pytest.raises(ValidationError, match="当事人"):
        make_case(tree.grid, parties=[])
    with pytest.raises(ValidationError):
        make_case(tree.grid, parties=[{"name": " ", "side": "applicant"}])


# --- the workflow -----------------------------------------------------------------------------


def test_accepting_sets_the_deadline_one_month_or_less_for_major_risk(tree, mediator, settings):
    settings.MEDIATION_DEADLINE_DAYS, settings.MEDIATION_MAJOR_DEADLINE_DAYS = 30, 15
    ordinary = actions.case_accept(by=mediator, case=make_case(tree.grid), on=DAY)
    major = actions.case_accept(by=mediator, case=make_case(tree.grid, risk=Risk.MAJOR), on=DAY)
    assert ordinary.deadline == DAY + dt.timedelta(days=30)
    assert major.deadline == DAY + dt.timedelta(days=15)
    assert ordinary.status == CaseStatus.ACCEPTED and ordinary.accepted_on == DAY
    assert [move.to_state for move in transitions.history(ordinary)] == [CaseStatus.ACCEPTED]


def test_acceptance_cannot_precede_the_report(tree, mediator):
    with pytest.raises(ValidationError, match="早于登记"):
        actions.case_accept(by=mediator, case=make_case(tree.grid), on=DAY - dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ("succeeded", CaseStatus.SUCCEEDED),
        ("failed", CaseStatus.FAILED),
        ("referred", CaseStatus.REFERRED),
        ("terminated", CaseStatus.TERMINATED),
    ],
)
def test_every_outcome_is_reached_and_dated(tree, outcome, status):
    end = DAY + dt.timedelta(days=12)
    case = closed(make_case(tree.grid), outcome, on=end)
    case.refresh_from_db()
    assert case.status == status
    assert case.closed_on == end
    assert case.days_to_close == 12


def test_a_referral_names_its_department(tree, mediator):
    case = closed(make_case(tree.grid), "failed", on=DAY)
    with pytest.raises(ValidationError, match="转办部门"):
        actions.case_refer(by=mediator, case=case, department="")
    case = actions.case_refer(by=mediator, case=case, department="police", on=DAY + dt.timedelta(days=5))
    case.refresh_from_db()
    assert case.referred_to == "police" and case.get_referred_to_display() == "派出所"
    assert case.closed_on == DAY  # the day mediation ended


def test_rejecting_needs_a_reason(tree, mediator):
    case = make_case(tree.grid)
    with pytest.raises(TransitionRefused, match="说明"):
        actions.case_reject(by=mediator, case=case, reason="")
    case = actions.case_reject(by=mediator, case=case, reason="不属于人民调解范围", on=DAY)
    assert case.status == CaseStatus.REJECTED
    assert transitions.history(case).get().note == "不属于人民调解范围"


@pytest.mark.parametrize(
    ("start", "action"),
    [
        ("registered", lambda c, by: actions.case_start(by=by, case=c)),
        ("registered", lambda c, by: actions.case_succeed(by=by, case=c)),
        ("registered", lambda c, by: actions.case_refer(by=by, case=c, department="court")),
        ("accepted", lambda c, by: actions.case_succeed(by=by, case=c)),
        ("accepted", lambda c, by: actions.case_fail(by=by, case=c, reason="x")),
        ("accepted", lambda c, by: actions.case_accept(by=by, case=c)),
        ("mediating", lambda c, by: actions.case_refer(by=by, case=c, department="court")),
        ("mediating", lambda c, by: actions.case_reject(by=by, case=c, reason="x")),
        ("succeeded", lambda c, by: actions.case_fail(by=by, case=c, reason="x")),
        ("succeeded", lambda c, by: actions.case_terminate(by=by, case=c, reason="x")),
        ("referred", lambda c, by: actions.case_succeed(by=by, case=c)),
        ("terminated", lambda c, by: actions.case_start(by=by, case=c)),
        ("terminated", lambda c, by: actions.case_succeed(by=by, case=c)),
    ],
)
def test_a_move_the_table_does_not_allow_is_refused_and_changes_nothing(tree, mediator, start, action):
    case = make_case(tree.grid)
    if start != "registered":
        case = actions.case_accept(by=None, case=case, on=DAY)
    if start not in ("registered", "accepted"):
        case = actions.case_start(by=None, case=case)
    if start in ("succeeded", "referred", "terminated"):
        case = closed(make_case(tree.grid), start, on=DAY)
    before = (Case.objects.get(pk=case.pk).status, Change.objects.count())
    with pytest.raises(TransitionRefused, match="不能改为"):
        action(case, mediator)
    assert (Case.objects.get(pk=case.pk).status, Change.objects.count()) == before


def test_a_grid_worker_may_report_but_not_work_a_case(tree, grid_worker, leader):
    case = make_case(tree.grid, by=grid_worker)
    for reader in (grid_worker, leader):
        with pytest.raises(TransitionRefused, match="无权"):
            actions.case_accept(by=reader, case=case)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REGISTERED


def test_only_staff_reopen_a_closed_case_and_it_is_recorded_as_such(tree, mediator, staff_user):
    case = closed(make_case(tree.grid), "succeeded", on=DAY)
    with pytest.raises(TransitionRefused, match="无权"):
        actions.case_reopen(by=mediator, case=case, reason="协议未履行")
    with pytest.raises(TransitionRefused, match="说明"):
        actions.case_reopen(by=staff_user, case=case, reason="")
    case = actions.case_reopen(by=staff_user, case=case, reason="协议未履行")
    case.refresh_from_db()
    assert case.status == CaseStatus.MEDIATING
    assert case.closed_on is None and case.days_to_close is None
    assert history.of_record(case).filter(action="reopen").count() == 1
    assert list(transitions.history(case))[-1].note == "协议未履行"


def test_an_open_case_is_not_reopened_nor_a_closed_one_restarted(tree, staff_user):
    case = actions.case_accept(by=None, case=make_case(tree.grid), on=DAY)
    with pytest.raises(TransitionRefused, match="无需重新开启"):
        actions.case_reopen(by=staff_user, case=case, reason="x")
    done = closed(make_case(tree.grid), "succeeded", on=DAY)
    with pytest.raises(TransitionRefused, match="不能改为"):
        actions.case_start(by=staff_user, case=done)


def test_a_rejected_case_reopens_as_registered(tree, staff_user):
    case = actions.case_reject(by=None, case=make_case(tree.grid), reason="不属于调解范围")
    assert (
        actions.case_reopen(by=staff_user, case=case, reason="补充材料后属于调解范围").status
        == CaseStatus.REGISTERED
    )


# --- deadlines --------------------------------------------------------------------------------


def test_the_deadline_is_extended_once_with_a_reason(tree, mediator, settings):
    settings.MEDIATION_EXTENSION_DAYS = 30
    case = actions.case_accept(by=mediator, case=make_case(tree.grid), on=DAY)
    with pytest.raises(ValidationError, match="理由"):
        actions.case_extend(by=mediator, case=case, reason=" ")
    case = actions.case_extend(by=mediator, case=case, reason="双方同意延期，等待鉴定结果")
    assert case.deadline == DAY + dt.timedelta(days=60)
    assert case.extended and case.extension_reason.startswith("双方同意")
    with pytest.raises(ValidationError, match="只能延长一次"):
        actions.case_extend(by=mediator, case=case, reason="再延一次")
    assert Case.objects.get(pk=case.pk).deadline == DAY + dt.timedelta(days=60)
    assert history.of_record(case).filter(action="extend").count() == 1


def test_a_closed_or_unaccepted_case_is_not_extended(tree, mediator, grid_worker):
    with pytest.raises(ValidationError, match="不能延长"):
        actions.case_extend(by=mediator, case=make_case(tree.grid), reason="理由")
    case = actions.case_accept(by=None, case=make_case(tree.grid), on=DAY)
    with pytest.raises(ValidationError, match="无权"):
        actions.case_extend(by=grid_worker, case=case, reason="理由")


def test_overdue_is_open_and_past_the_deadline(tree):
    late = actions.case_accept(by=None, case=make_case(tree.grid), on=DAY)
    mediating = actions.case_start(
        by=None, case=actions.case_accept(by=None, case=make_case(tree.grid), on=DAY)
    )
    done = closed(make_case(tree.grid), "succeeded", on=DAY + dt.timedelta(days=40))
    make_case(tree.grid)  # registered: no deadline yet
    after = DAY + dt.timedelta(days=31)
    assert set(Case.objects.overdue(after)) == {late, mediating}
    assert not Case.objects.overdue(DAY + dt.timedelta(days=30)).exists()
    assert done not in Case.objects.overdue(after)


# --- sessions, mediators ------------------------------------------------------------------------


def test_a_session_on_an_accepted_case_starts_mediation(tree, mediator):
    case = actions.case_accept(by=mediator, case=make_case(tree.grid), on=DAY)
    person = make_mediator(tree.community)
    party = case.parties.get()
    session = actions.session_create(
        by=mediator,
        case=case,
        held_on=DAY + dt.timedelta(days=2),
        place="移动微调室",
        notes="双方陈述，初步达成维修意向。",
        mediators=[person],
        parties=[party],
    )
    assert Case.objects.get(pk=case.pk).status == CaseStatus.MEDIATING
    assert list(session.mediators.all()) == [person] and list(session.parties.all()) == [party]
    assert history.under(case).filter(action=history.CREATE).count() == 3  # case, party, session


def test_a_session_is_refused_on_a_case_not_being_mediated_or_with_strangers(tree, mediator, grid_worker):
    with pytest.raises(ValidationError, match="不能记录"):
        actions.session_create(by=mediator, case=make_case(tree.grid), held_on=DAY, place="社区", notes="x")
    case = actions.case_accept(by=None, case=make_case(tree.grid), on=DAY)
    other_party = make_case(tree.grid).parties.get()
    with pytest.raises(ValidationError, match="本案"):
        actions.session_create(
            by=mediator, case=case, held_on=DAY, place="社区", notes="x", parties=[other_party]
        )
    with pytest.raises(ValidationError, match="本社区"):
        actions.session_create(
            by=mediator,
            case=case,
            held_on=DAY,
            place="社区",
            notes="x",
            mediators=[make_mediator(tree.other_community)],
        )
    with pytest.raises(ValidationError, match="无权"):
        actions.session_create(by=grid_worker, case=case, held_on=DAY, place="社区", notes="x")


def test_mediators_are_assigned_from_the_case_community(tree, mediator):
    case = make_case(tree.grid)
    one, two = make_mediator(tree.community, "甲"), make_mediator(tree.community, "乙")
    actions.case_assign(by=mediator, case=case, mediators=[one, two])
    assert set(case.mediators.all()) == {one, two}
    actions.case_assign(by=mediator, case=case, mediators=[one, two])  # unchanged: no second change
    assert history.of_record(case).filter(action="assign").count() == 1
    with pytest.raises(ValidationError, match="本社区"):
        actions.case_assign(by=mediator, case=case, mediators=[make_mediator(tree.other_community)])


# --- repeats ----------------------------------------------------------------------------------


def test_the_same_party_within_ninety_days_is_a_repeat(tree, resident):
    first = make_case(tree.grid, resident=resident, reported_on=DAY)
    again = make_case(tree.grid, resident=resident, reported_on=DAY + dt.timedelta(days=90))
    later = make_case(tree.grid, resident=resident, reported_on=DAY + dt.timedelta(days=91))
    someone_else = make_case(tree.grid, reported_on=DAY)
    assert list(actions.repeats(first)) == [again]
    assert set(actions.repeats(again)) == {first, later}
    assert not actions.repeats(someone_else).exists()


def test_an_outside_party_repeats_by_name_and_phone(tree):
    party = {"name": "刘老板", "phone": "13800001111", "side": "respondent"}
    first = make_case(tree.grid, parties=[party])
    again = make_case(tree.grid, parties=[party], reported_on=DAY + dt.timedelta(days=10))
    make_case(tree.grid, parties=[{**party, "phone": "13800002222"}])
    assert list(actions.repeats(first)) == [again]


def test_the_roles_hold_what_the_workflow_needs(persona):
    assert persona(Role.GRID_WORKER).has_perm("mediation.add_case")
    assert not persona(Role.GRID_WORKER).has_perm("mediation.change_case")
    assert persona(Role.MEDIATOR).has_perm("mediation.change_case")
    assert not persona(Role.MEDIATOR).has_perm("mediation.reopen_case")
    assert persona(Role.STAFF).has_perm("mediation.reopen_case")
    assert persona(Role.LEADER).has_perm("mediation.view_case")
    assert not persona(Role.LEADER).has_perm("mediation.add_case")
    assert not persona(Role.AUDITOR).has_perm("mediation.view_case")
