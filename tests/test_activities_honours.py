"""先进典型与荣誉: the unit's and people's honours through the actions, the list in scope, the
figures by level and the report's 六、荣誉."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities import actions, queries
from activities.models import Honour, HonourLevel, Recipient
from activities.report import honours_section
from core.history import of_record
from core.periods import Period
from grid.models import Role
from tests.factories_activities_visits import make_honour
from tests.factories_residents import HouseholdFactory, ResidentFactory

YEAR = Period.year(2026)


@pytest.fixture
def volunteer(tree):
    return ResidentFactory(household=HouseholdFactory(grid=tree.grid), name="马秀兰", relation="head")


def test_an_honour_of_the_unit_and_one_of_a_resident(tree, persona, volunteer):
    staff = persona(Role.STAFF)
    unit = make_honour(tree.community, by=staff, level=HonourLevel.PROVINCE, title="民族团结进步先进单位")
    person = make_honour(
        tree.community,
        by=staff,
        title="最美志愿者",
        recipient=Recipient.PERSON,
        resident=volunteer,
        person_name="会被台账的姓名取代",
    )
    assert unit.recipient_label == "变电所社区"
    assert person.recipient_label == "马秀兰" and person.person_name == ""
    assert of_record(person).get().action == "create"


def test_a_person_s_honour_names_the_person(tree):
    with pytest.raises(ValidationError, match="姓名"):
        make_honour(tree.community, recipient=Recipient.PERSON, title="最美网格员")
    named = make_honour(tree.community, recipient=Recipient.PERSON, person_name="李网格", title="最美网格员")
    assert named.recipient_label == "李网格"


def test_a_resident_of_another_community_or_outside_scope_is_refused(tree, persona):
    other = ResidentFactory(household=HouseholdFactory(grid=tree.other_grid), relation="head")
    with pytest.raises(ValidationError, match="不在该社区"):
        make_honour(tree.community, recipient=Recipient.PERSON, resident=other)
    with pytest.raises(ValidationError, match="管辖范围"):
        make_honour(tree.other_community, by=persona(Role.STAFF))


def test_grid_workers_and_leaders_only_read_honours(tree, persona):
    with pytest.raises(ValidationError, match="无权"):
        make_honour(tree.community, by=persona(Role.GRID_WORKER))
    with pytest.raises(ValidationError, match="无权"):
        make_honour(tree.community, by=persona(Role.LEADER))


def test_an_update_is_recorded(tree, persona):
    staff = persona(Role.STAFF)
    honour = make_honour(tree.community, by=staff)
    actions.honour_update(
        by=staff, honour=honour, awarded_by="辽宁省民族事务委员会", level=HonourLevel.PROVINCE
    )
    assert of_record(honour).filter(action="update").get().changes["level"] == ["city", "province"]


def test_the_list_shows_the_honours_in_scope(client, tree, persona):
    make_honour(tree.community, title="最美志愿者服务先进单位")
    make_honour(tree.other_community, title="北苑的荣誉")
    client.force_login(persona(Role.STAFF))
    page = client.get(reverse("activities:honour_list")).content.decode()
    assert "最美志愿者服务先进单位" in page
    assert "北苑的荣誉" not in page


def test_the_form_records_an_honour(client, tree, persona):
    client.force_login(persona(Role.STAFF))
    response = client.post(
        reverse("activities:honour_create"),
        {
            "community": tree.community.pk,
            "recipient": "person",
            "person_name": "王网格",
            "title": "最美网格员",
            "level": "district",
            "awarded_by": "福安区委政法委",
            "awarded_on": "2026-06-01",
        },
    )
    honour = Honour.objects.get()
    assert response.status_code == 302
    assert (honour.recipient_label, honour.get_level_display()) == ("王网格", "区级")


def test_honour_figures_and_the_section(tree, volunteer):
    make_honour(
        tree.community,
        title="民族团结进步先进单位",
        level=HonourLevel.PROVINCE,
        awarded_by="辽宁省人民政府",
        awarded_on=dt.date(2026, 4, 1),
    )
    make_honour(tree.community, title="民族团结进步先进单位", awarded_on=dt.date(2026, 5, 20))
    make_honour(
        tree.community,
        title="最美志愿者",
        level=HonourLevel.CITY,
        awarded_by="阜新市文明办",
        recipient=Recipient.PERSON,
        resident=volunteer,
        awarded_on=dt.date(2026, 3, 5),
    )
    make_honour(tree.community, title="去年的荣誉", awarded_on=dt.date(2025, 12, 1))
    make_honour(tree.other_community, title="别处的荣誉", awarded_on=dt.date(2026, 2, 1))

    figures = queries.honour_figures(tree.community, YEAR)
    assert figures.total == 3
    assert figures.by_level == [("省级", 1), ("市级", 2)]
    assert (figures.unit_honours, figures.person_honours) == (2, 1)

    section = honours_section(tree.community, YEAR)
    assert section.title == "荣誉"
    assert section.paragraphs == [
        "获得省级荣誉1项、市级荣誉2项：马秀兰获评“最美志愿者”（阜新市文明办授予）；"
        "变电所社区获评“民族团结进步先进单位”（辽宁省人民政府授予）；"
        "变电所社区获评“民族团结进步先进单位”（阜新市人民政府授予）。"
    ]
    assert section.tables[0].rows[0][:3] == ["最美志愿者", "市级", "马秀兰"]
    assert honours_section(tree.community, Period.year(2024)) is None
