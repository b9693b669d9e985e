"""Tickets (services.actions): the workflow, deadlines in working days, 信访's limits, the queue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.transitions import TransitionRefused
from core.transitions import history as moves
from grid.models import Role
from services import actions
from services.models import Channel, Kind, QueueCounter, Ticket, TicketStatus
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity
from tests.factories_services import make_item, make_ticket, make_window

pytestmark = pytest.mark.django_db
D = dt.date
S = TicketStatus


def test_a_ticket_goes_through_accept_work_and_complete_with_who_and_when(tree, persona):
    clerk = persona(Role.WINDOW_CLERK)
    item = make_item("高龄津贴申请", time_limit=5)
    ticket = make_ticket(
        tree.community,
        by=clerk,
        channel=Channel.WINDOW,
        kind=Kind.CASE,
        item=item,
        received_on=D(2026, 9, 29),
    )
    actions.ticket_accept(by=clerk, ticket=ticket, on=D(2026, 9, 30))
    ticket.refresh_from_db()
    # Five working days after 9月30日 across 国庆: 10月8、9、10（调休）、12、13日.
    assert (ticket.status, ticket.deadline, ticket.deadline_estimated) == (S.ACCEPTED, D(2026, 10, 13), False)
    actions.ticket_start(by=clerk, ticket=ticket, note="材料齐全")
    actions.ticket_complete(by=clerk, ticket=ticket, result="已发放", on=D(2026, 10, 12))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.closed_on, ticket.handling_days, ticket.result) == (
        S.COMPLETED,
        D(2026, 10, 12),
        4,
        "已发放",
    )
    steps = [(m.from_state, m.to_state, m.by) for m in moves(ticket)]
    assert steps == [
        (S.WAITING, S.ACCEPTED, clerk),
        (S.ACCEPTED, S.IN_PROGRESS, clerk),
        (S.IN_PROGRESS, S.COMPLETED, clerk),
    ]


ALLOWED = {
    (S.WAITING, S.ACCEPTED),
    (S.WAITING, S.RETURNED),
    (S.ACCEPTED, S.IN_PROGRESS),
    (S.ACCEPTED, S.COMPLETED),
    (S.ACCEPTED, S.RETURNED),
    (S.ACCEPTED, S.REFERRED),
    (S.IN_PROGRESS, S.COMPLETED),
    (S.IN_PROGRESS, S.RETURNED),
    (S.IN_PROGRESS, S.REFERRED),
}


def _to(ticket, status):
    """Bring a fresh ticket to ``status`` as the system."""
    if status == S.WAITING:
        return ticket
    if status == S.RETURNED:
        return actions.ticket_return(by=None, ticket=ticket, reason="材料不全")
    ticket = actions.ticket_accept(by=None, ticket=ticket)
    if status == S.ACCEPTED:
        return ticket
    if status == S.REFERRED:
        return actions.ticket_refer(by=None, ticket=ticket, department="civil")
    ticket = actions.ticket_start(by=None, ticket=ticket)
    if status == S.IN_PROGRESS:
        return ticket
    return actions.ticket_complete(by=None, ticket=ticket)


MOVE = {
    S.ACCEPTED: lambda by, t: actions.ticket_accept(by=by, ticket=t),
    S.IN_PROGRESS: lambda by, t: actions.ticket_start(by=by, ticket=t),
    S.COMPLETED: lambda by, t: actions.ticket_complete(by=by, ticket=t, result="办结"),
    S.RETURNED: lambda by, t: actions.ticket_return(by=by, ticket=t, reason="不属于受理范围"),
    S.REFERRED: lambda by, t: actions.ticket_refer(by=by, ticket=t, department="police"),
}


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", [s for s in S if s != S.WAITING])
def test_every_move_is_made_or_refused_as_the_table_says(tree, persona, source, target):
    clerk = persona(Role.WINDOW_CLERK)
    ticket = _to(make_ticket(tree.community), source)
    before = len(moves(ticket))
    if (source, target) in ALLOWED:
        MOVE[target](clerk, ticket)
        assert Ticket.objects.get(pk=ticket.pk).status == target
    else:
        with pytest.raises(ValidationError):
            MOVE[target](clerk, ticket)
        assert Ticket.objects.get(pk=ticket.pk).status == source
        assert len(moves(ticket)) == before


def test_a_return_needs_its_reason_and_a_reader_may_not_move(tree, persona):
    ticket = make_ticket(tree.community)
    with pytest.raises(TransitionRefused, match="需要填写说明"):
        actions.ticket_return(by=persona(Role.WINDOW_CLERK), ticket=ticket, reason=" ")
    with pytest.raises(TransitionRefused, match="无权"):
        actions.ticket_accept(by=persona(Role.LEADER), ticket=ticket)
    assert Ticket.objects.get(pk=ticket.pk).status == S.WAITING


def test_a_case_needs_an_applicant_and_a_resident_brings_name_and_ethnicity(tree, persona):
    with pytest.raises(ValidationError, match="申请人"):
        actions.ticket_create(by=None, unit=tree.community, channel="window", kind="case", subject="x")
    resident = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid), name="阿依古丽", ethnicity=ethnicity("维吾尔族")
    )
    ticket = make_ticket(
        tree.grid, by=persona(Role.GRID_WORKER), channel="grid", resident=resident, applicant_name=""
    )
    assert (ticket.applicant_name, ticket.is_minority, ticket.community) == ("阿依古丽", True, tree.community)


def test_a_resident_outside_ones_scope_is_refused(tree, persona):
    far = ResidentFactory(household=HouseholdFactory(grid=tree.other_grid))
    with pytest.raises(ValidationError, match="管辖范围"):
        make_ticket(tree.community, by=persona(Role.WINDOW_CLERK), resident=far)
    assert not Ticket.objects.exists()


def test_a_petition_is_due_for_acceptance_in_15_days_and_handling_in_60_extended_once_by_30(tree, persona):
    clerk = persona(Role.STAFF)
    petition = make_ticket(
        tree.community, by=clerk, channel=Channel.PETITION, kind=Kind.CONSULT, received_on=D(2026, 9, 1)
    )
    assert petition.kind == Kind.REQUEST
    assert petition.accept_by == D(2026, 9, 16)
    assert petition in Ticket.objects.overdue(D(2026, 9, 17)) and petition not in Ticket.objects.overdue(
        D(2026, 9, 16)
    )
    actions.ticket_accept(by=clerk, ticket=petition, on=D(2026, 9, 10))
    petition.refresh_from_db()
    assert petition.deadline == D(2026, 11, 9)
    with pytest.raises(ValidationError, match="理由"):
        actions.ticket_extend(by=clerk, ticket=petition, reason="")
    actions.ticket_extend(by=clerk, ticket=petition, reason="涉及多个部门，需协调")
    petition.refresh_from_db()
    assert (petition.deadline, petition.extended) == (D(2026, 12, 9), True)
    with pytest.raises(ValidationError, match="只能延长一次"):
        actions.ticket_extend(by=clerk, ticket=petition, reason="再延")
    hotline = actions.ticket_accept(by=clerk, ticket=make_ticket(tree.community))
    with pytest.raises(ValidationError, match="只有信访"):
        actions.ticket_extend(by=clerk, ticket=hotline, reason="x")


def test_a_deadline_beyond_the_known_years_is_marked_estimated(tree):
    item = make_item("残疾人证办理", category="disability", time_limit=20)
    ticket = make_ticket(tree.community, item=item, received_on=D(2026, 12, 2))
    actions.ticket_accept(by=None, ticket=ticket, on=D(2026, 12, 20))
    ticket.refresh_from_db()
    assert ticket.deadline_estimated and ticket.deadline.year == 2027


def test_a_request_without_an_item_gets_five_working_days_and_a_question_none(tree):
    request = actions.ticket_accept(
        by=None, ticket=make_ticket(tree.community, received_on=D(2026, 9, 30)), on=D(2026, 9, 30)
    )
    assert request.deadline == D(2026, 10, 13)
    question = actions.ticket_accept(by=None, ticket=make_ticket(tree.community, kind=Kind.CONSULT))
    assert question.deadline is None


def test_only_a_closed_ticket_is_rated(tree, persona):
    clerk = persona(Role.WINDOW_CLERK)
    ticket = make_ticket(tree.community)
    with pytest.raises(ValidationError, match="办结后"):
        actions.ticket_rate(by=clerk, ticket=ticket, satisfaction="satisfied")
    ticket = _to(ticket, S.COMPLETED)
    actions.ticket_rate(by=clerk, ticket=ticket, satisfaction="dissatisfied", comment="等候时间长")
    ticket.refresh_from_db()
    assert (ticket.satisfaction, ticket.satisfaction_comment) == ("dissatisfied", "等候时间长")


# --- the queue -------------------------------------------------------------------------------


def test_numbers_run_per_window_and_day_and_calls_go_in_order(tree, persona):
    clerk = persona(Role.WINDOW_CLERK)
    a, b = make_window(tree.community, "A"), make_window(tree.community, "B", name="少数民族服务窗口")
    codes = [actions.ticket_take_number(by=clerk, window=w).queue_code for w in (a, a, b, a)]
    assert codes == ["A001", "A002", "B001", "A003"]
    assert QueueCounter.objects.get(window=a).last == 3
    first = actions.window_call_next(by=clerk, window=a)
    second = actions.window_call_next(by=clerk, window=a)
    assert (first.queue_code, second.queue_code) == ("A001", "A002")
    assert actions.now_serving(a).queue_code == "A002"
    actions.window_call_next(by=clerk, window=a)
    assert actions.window_call_next(by=clerk, window=a) is None


def test_a_question_is_answered_at_the_desk_in_one_step(tree, persona):
    clerk = persona(Role.WINDOW_CLERK)
    window = make_window(tree.community, "A")
    ticket = actions.ticket_take_number(by=clerk, window=window)
    actions.window_call_next(by=clerk, window=window)
    ticket = actions.ticket_answer(by=clerk, ticket=ticket, result="告知办理所需材料")
    assert (ticket.status, ticket.handling_days, ticket.closed_on) == (S.COMPLETED, 0, ticket.received_on)


def test_a_window_of_another_community_is_refused(tree, persona):
    window = make_window(tree.other_community, "A")
    with pytest.raises(ValidationError, match="管辖范围"):
        actions.ticket_take_number(by=persona(Role.WINDOW_CLERK), window=window)
    with pytest.raises(ValidationError, match="管辖范围"):
        actions.window_call_next(by=persona(Role.WINDOW_CLERK), window=window)
    assert not Ticket.objects.exists()
