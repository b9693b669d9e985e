"""Activities' pages: recording attendance by name (the ledger's picker) and from one building's
households, the computed counts on the page, the calendar, the teams' pages and the hours'
confirmation; no participant figure is a form field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.forms import ActivityForm
from activities.models import Attendance, ServiceRecord, ServiceStatus
from grid.models import Role
from tests.factories import BuildingFactory, make_person
from tests.factories_activities import at, make_activity, make_service, make_team
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity


@pytest.fixture
def block(tree):
    """1号楼 of 一网格: two households, three residents (one 回族), one moved out."""
    first = HouseholdFactory(grid=tree.grid, building=tree.building, unit=tree.unit, number="0101")
    second = HouseholdFactory(grid=tree.grid, building=tree.building, unit=tree.unit, number="0102")
    people = [
        ResidentFactory(household=first, name="马福祥", ethnicity=ethnicity("回族")),
        ResidentFactory(household=first, name="马小花", relation="child", ethnicity=ethnicity("回族")),
        ResidentFactory(household=second, name="王建国"),
    ]
    ResidentFactory(household=second, name="王离开", status="moved_out", status_date=dt.date(2026, 1, 1))
    return people


def test_the_form_has_no_participant_figure(persona):
    fields = set(ActivityForm(user=persona(Role.STAFF)).fields)
    assert not fields & {"participants", "minority_participants", "ethnicities", "attendees"}


def test_a_grid_worker_records_attendance_by_name(client, tree, persona, block):
    activity = make_activity(tree.grid)
    client.force_login(persona(Role.GRID_WORKER))
    page = client.get(reverse("activities:activity_detail", args=[activity.pk]))
    assert page.status_code == 200
    assert 'hx-post="/residents/picker/' in page.content.decode() or "data-picker" in page.content.decode()
    response = client.post(reverse("activities:attend", args=[activity.pk]), {"resident": block[0].pk})
    assert response.status_code == 302
    assert list(activity.attendance.values_list("resident", flat=True)) == [block[0].pk]
    page = client.get(reverse("activities:activity_detail", args=[activity.pk])).content.decode()
    assert "参与群众1人次" in page and "其中少数民族1人次" in page


def test_ticking_residents_from_one_building(client, tree, persona, block):
    activity = make_activity(tree.grid, others=5)
    client.force_login(persona(Role.STAFF))
    url = reverse("activities:attend_building", args=[activity.pk])
    page = client.get(url, {"building": tree.building.pk}).content.decode()
    assert "马福祥" in page and "王建国" in page and "王离开" not in page
    response = client.post(url, {"building": tree.building.pk, "residents": [block[0].pk, block[2].pk]})
    assert response.status_code == 302
    assert set(Attendance.objects.filter(activity=activity).values_list("resident", flat=True)) == {
        block[0].pk,
        block[2].pk,
    }
    page = client.get(reverse("activities:activity_detail", args=[activity.pk])).content.decode()
    assert "参与群众7人次（台账居民2人，台账外5人），其中少数民族1人次，涉及2个民族" in page


def test_a_building_outside_the_workers_grid_is_not_offered(client, tree, persona, block):
    activity = make_activity(tree.grid)
    elsewhere = BuildingFactory(grid=tree.grid2, number="2号楼")
    client.force_login(persona(Role.GRID_WORKER))
    url = reverse("activities:attend_building", args=[activity.pk])
    page = client.get(url).content.decode()
    assert "1号楼" in page and "2号楼" not in page
    assert client.post(url, {"building": elsewhere.pk, "residents": [block[0].pk]}).status_code == 404
    assert not Attendance.objects.exists()


def test_the_calendar_lists_coming_activities_by_day(client, tree, persona):
    today = timezone.localdate()
    make_activity(tree.grid, day=today + dt.timedelta(days=3), title="古尔邦节联谊")
    make_activity(tree.grid, day=today - dt.timedelta(days=3), title="已结束的活动")
    make_activity(tree.other_grid, day=today + dt.timedelta(days=3), title="别的社区")
    client.force_login(persona(Role.STAFF))
    page = client.get(reverse("activities:calendar")).content.decode()
    assert "古尔邦节联谊" in page and "已结束的活动" not in page and "别的社区" not in page


def test_the_list_filters_by_kind_and_unit(client, tree, persona):
    make_activity(tree.grid, title="端午活动")
    make_activity(tree.grid2, title="宣讲活动", kind="publicity")
    client.force_login(persona(Role.STAFF))
    page = client.get(reverse("activities:activity_list"), {"kind": "publicity"}).content.decode()
    assert "宣讲活动" in page and "端午活动" not in page
    page = client.get(reverse("activities:activity_list"), {"unit": tree.grid.pk}).content.decode()
    assert "端午活动" in page and "宣讲活动" not in page


def test_staff_create_an_activity(client, tree, persona):
    client.force_login(persona(Role.STAFF))
    response = client.post(
        reverse("activities:activity_create"),
        {
            "unit": tree.community.pk,
            "title": "那达慕文体展演",
            "kind": "culture",
            "theme": "one_family",
            "starts_at": "2026-07-15T09:00",
            "ends_at": "2026-07-15T12:00",
            "place": tree.place.pk,
            "partners": "区民宗局\n辖区派出所",
            "others": "30",
            "materials": "0",
            "slogans": "0",
            "boards": "0",
            "reached": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()
    page = client.get(response["Location"]).content.decode()
    assert "那达慕文体展演" in page and "区民宗局、辖区派出所" in page and "清真寺" in page


def test_the_team_leader_enters_hours_on_the_team_page_and_staff_confirm(client, tree, persona):
    resident = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid), name="古丽", ethnicity=ethnicity("维吾尔族")
    )
    account = make_person(role=Role.GRID_WORKER, unit=tree.grid, username="leader_gl")
    team = make_team(tree.community, leader=resident, leader_account=account)
    other = make_team(tree.grid, name="夕阳红舞蹈队", kind="culture", members=[resident])
    client.force_login(account)
    assert client.get(reverse("activities:team_detail", args=[team.pk])).status_code == 200
    response = client.post(
        reverse("activities:service_enter", args=[team.pk]),
        {"resident": resident.pk, "served_on": "2026-06-10", "hours": "3", "content": "关爱独居老人"},
    )
    assert response.status_code == 302
    assert client.get(reverse("activities:service_enter", args=[other.pk])).status_code == 403
    record = ServiceRecord.objects.get()
    assert record.status == ServiceStatus.PENDING
    assert client.post(reverse("activities:service_confirm", args=[record.pk])).status_code == 403
    client.force_login(persona(Role.STAFF))
    page = client.get(reverse("activities:team_detail", args=[team.pk])).content.decode()
    assert "待确认" in page and "其中少数民族1人" in page
    assert client.post(reverse("activities:service_confirm", args=[record.pk])).status_code == 302
    record.refresh_from_db()
    assert record.status == ServiceStatus.CONFIRMED
    page = client.get(reverse("activities:team_list")).content.decode()
    assert "3.0小时" in page


def test_staff_return_hours_with_a_reason(client, tree, persona):
    resident = ResidentFactory(household=HouseholdFactory(grid=tree.grid))
    team = make_team(tree.community, members=[resident])
    record = make_service(team, resident)
    client.force_login(persona(Role.STAFF))
    url = reverse("activities:service_return", args=[record.pk])
    assert "退回理由" in client.post(url, {"reason": ""}).content.decode()
    assert client.post(url, {"reason": "与签到不符"}).status_code == 302
    record.refresh_from_db()
    assert record.status == ServiceStatus.RETURNED
    assert "已是“退回”" in client.get(url).content.decode()


def test_the_menu_has_the_entry(client, tree, persona):
    client.force_login(persona(Role.LEADER))
    assert "活动与宣传" in client.get(reverse("home")).content.decode()
    client.force_login(persona(Role.AUDITOR))
    assert "活动与宣传" not in client.get(reverse("home")).content.decode()


def test_the_activity_is_at(tree):
    assert at(dt.date(2026, 6, 1)).tzinfo is not None
