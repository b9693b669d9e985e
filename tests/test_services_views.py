"""The services pages: the clerk's desk in a few clicks, quick entry, the ticket page, and the
hall's public display board (no personal data)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from grid.models import Role
from services import actions
from services.models import Channel, Kind, Ticket, TicketStatus
from tests.factories import make_person
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity
from tests.factories_services import make_item, make_ticket, make_window

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall(tree):
    clerk = make_person(role=Role.WINDOW_CLERK, unit=tree.community, username="desk_clerk")
    a = make_window(tree.community, "A", clerks=[clerk])
    b = make_window(
        tree.community, "B", name="少数民族服务窗口", is_minority_window=True, languages="汉语、维吾尔语"
    )
    return clerk, a, b


def test_a_clerk_calls_records_accepts_and_completes_in_four_posts(client, tree, hall):
    clerk, window, _ = hall
    item = make_item("高龄津贴申请", time_limit=5)
    resident = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid), name="买买提", ethnicity=ethnicity("维吾尔族")
    )
    client.force_login(clerk)
    # One window: the desk opens on it.
    assert client.get(reverse("services:desk"))["Location"] == reverse(
        "services:desk_window", args=[window.pk]
    )
    client.post(reverse("services:desk_take", args=[window.pk]))
    client.post(reverse("services:desk_call", args=[window.pk]))
    ticket = Ticket.objects.get()
    page = client.get(reverse("services:desk_window", args=[window.pk])).content.decode()
    assert "A001" in page and "登记并受理" in page
    response = client.post(
        reverse("services:desk_serve", args=[ticket.pk]),
        {
            "kind": Kind.CASE,
            "item": item.pk,
            "resident": resident.pk,
            "subject": "申请高龄津贴",
            "do": "accept",
        },
    )
    assert response["Location"] == reverse("services:desk_window", args=[window.pk])
    ticket.refresh_from_db()
    assert (ticket.status, ticket.applicant_name, ticket.applicant_ethnicity.name, ticket.item) == (
        TicketStatus.ACCEPTED,
        "买买提",
        "维吾尔族",
        item,
    )
    assert ticket.deadline is not None and ticket.handled_by == clerk
    client.post(reverse("services:ticket_complete", args=[ticket.pk]), {"result": "已审核发放", "desk": "1"})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.result) == (TicketStatus.COMPLETED, "已审核发放")


def test_a_question_is_answered_from_the_desk(client, hall):
    clerk, window, _ = hall
    actions.ticket_take_number(by=clerk, window=window)
    ticket = actions.window_call_next(by=clerk, window=window)
    client.force_login(clerk)
    client.post(
        reverse("services:desk_serve", args=[ticket.pk]),
        {"kind": Kind.CONSULT, "subject": "咨询低保政策", "do": "answer"},
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.COMPLETED and ticket.handling_days == 0


def test_a_case_without_an_applicant_is_refused_with_a_message_and_nothing_moves(client, hall):
    clerk, window, _ = hall
    actions.ticket_take_number(by=clerk, window=window)
    ticket = actions.window_call_next(by=clerk, window=window)
    client.force_login(clerk)
    response = client.post(
        reverse("services:desk_serve", args=[ticket.pk]), {"kind": Kind.CASE, "do": "accept"}
    )
    assert response.status_code == 200
    assert "申请人" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING and ticket.kind == Kind.CONSULT


def test_a_grid_worker_reports_a_request_from_the_grid(client, tree, grid_worker):
    client.force_login(grid_worker)
    response = client.post(
        reverse("services:ticket_create"),
        {
            "channel": Channel.GRID,
            "kind": Kind.REQUEST,
            "unit": tree.grid.pk,
            "applicant_name": "王阿姨",
            "applicant_ethnicity": ethnicity("回族").pk,
            "applicant_phone": "13912345678",
            "subject": "小区路灯损坏",
            "received_on": "2026-11-02",
        },
    )
    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("services:ticket_detail", args=[ticket.pk])
    assert (ticket.unit, ticket.community, ticket.channel, ticket.applicant_name) == (
        tree.grid,
        tree.community,
        Channel.GRID,
        "王阿姨",
    )
    page = client.get(response["Location"]).content.decode()
    # The grid worker reads it, the phone masked (办件办理 see it whole).
    assert "小区路灯损坏" in page and "139****5678" in page and "13912345678" not in page


def test_a_request_without_its_subject_is_refused_and_nothing_is_written(client, tree, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("services:ticket_create"),
        {"channel": "hotline", "kind": "request", "unit": tree.community.pk, "received_on": "2026-11-02"},
    )
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_ticket_page_shows_its_timeline_and_the_estimated_deadline(client, tree, staff_user):
    ticket = make_ticket(tree.community, item=make_item("残疾人证办理", time_limit=30))
    actions.ticket_accept(by=staff_user, ticket=ticket, note="材料齐全")
    client.force_login(staff_user)
    page = client.get(reverse("services:ticket_detail", args=[ticket.pk])).content.decode()
    assert "材料齐全" in page and "受理" in page
    assert "该日期超出已知节假日安排，按周末计算" in page


# --- the display board ---------------------------------------------------------------------


def test_the_board_shows_numbers_windows_and_counts_and_no_person(client, tree, hall):
    clerk, a, b = hall
    resident = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid),
        name="阿依古丽",
        phone="13800001111",
        ethnicity=ethnicity("维吾尔族"),
    )
    for _ in range(3):
        actions.ticket_take_number(by=clerk, window=a)
    actions.ticket_take_number(by=clerk, window=b)
    called = actions.window_call_next(by=clerk, window=a)
    actions.ticket_record(
        by=clerk,
        ticket=called,
        kind=Kind.CASE,
        item=make_item("民族成分变更", category="ethnic"),
        resident=resident,
        subject="变更民族成分",
    )
    data = json.loads(client.get(reverse("services:board_data", args=[tree.community.pk])).content)
    assert [(w["letter"], w["serving"], w["waiting"], w["minority"]) for w in data["windows"]] == [
        ("A", "A001", 2, False),
        ("B", "", 1, True),
    ]
    assert data["windows"][1]["languages"] == ["汉语", "维吾尔语"]
    page = client.get(reverse("services:board", args=[tree.community.pk]))
    assert page.status_code == 200
    for text in (json.dumps(data, ensure_ascii=False), page.content.decode()):
        for personal in ("阿依古丽", "13800001111", "1380", "民族成分变更", "变更民族成分", "维吾尔族"):
            assert personal not in text
    assert "A001" in page.content.decode() and "少数民族服务窗口" in page.content.decode()
    assert "script-src 'self'" in page["Content-Security-Policy"]


def test_the_board_is_only_a_communitys(client, tree):
    assert client.get(reverse("services:board_data", args=[tree.grid.pk])).status_code == 404
    assert client.get(reverse("services:board", args=[999999])).status_code == 404
