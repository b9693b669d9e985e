"""迁出 and 死亡 with their 去向 and 原因: recorded, shown, cleared by a return, and counted."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.periods import Period
from residents import actions
from residents.models import Departure, LedgerStatus, Relation, Resident
from residents.queries import leaving_figures
from residents.report import basic_section
from tests.factories_residents import HouseholdFactory, ResidentFactory
from tests.ledger_history import LedgerChange

pytestmark = pytest.mark.django_db

MARCH = Period.month(2025, 3)


@pytest.fixture
def home(tree):
    household = HouseholdFactory(grid=tree.grid, number="0101")
    ResidentFactory(household=household, name="户主", relation=Relation.HEAD)
    return household


def member(home, name):
    return ResidentFactory(household=home, name=name, relation=Relation.CHILD)


def test_moving_out_keeps_where_to_and_why(home, staff_user):
    resident = member(home, "马明")
    actions.resident_leave(
        by=staff_user,
        resident=resident,
        status=LedgerStatus.MOVED_OUT,
        on=dt.date(2025, 3, 5),
        departure=Departure.OTHER_CITY,
        departure_place=" 兰州市城关区 ",
        reason="工作调动",
    )
    resident.refresh_from_db()
    assert (resident.departure, resident.departure_place, resident.leaving_reason) == (
        "other_city",
        "兰州市城关区",
        "工作调动",
    )
    change = LedgerChange.objects.filter(resident=resident).latest("pk")
    assert change.changes["departure"] == ["", "other_city"]
    assert change.changes["leaving_reason"] == ["", "工作调动"]


def test_moving_out_without_a_departure_is_refused(home, staff_user):
    resident = member(home, "马明")
    with pytest.raises(ValidationError) as err:
        actions.resident_leave(
            by=staff_user, resident=resident, status=LedgerStatus.MOVED_OUT, on=dt.date(2025, 3, 5)
        )
    assert err.value.message_dict == {"departure": ["请选择迁出去向。"]}
    resident.refresh_from_db()
    assert resident.is_active


def test_a_death_keeps_its_cause_and_no_departure(home, staff_user):
    resident = member(home, "马明")
    actions.resident_leave(
        by=staff_user,
        resident=resident,
        status=LedgerStatus.DECEASED,
        on=dt.date(2025, 3, 5),
        departure=Departure.ABROAD,
        reason="病故",
    )
    resident.refresh_from_db()
    assert (resident.departure, resident.leaving_reason) == ("", "病故")


def test_a_return_clears_the_leaving_and_the_history_keeps_it(home, staff_user):
    resident = member(home, "马明")
    actions.resident_leave(
        by=staff_user,
        resident=resident,
        status=LedgerStatus.MOVED_OUT,
        on=dt.date(2025, 3, 5),
        departure=Departure.WITHIN_DISTRICT,
        departure_place="幸福社区",
        reason="购房搬迁",
    )
    actions.resident_return(
        by=staff_user,
        resident=resident,
        household=home,
        relation=Relation.CHILD,
        returned_on=dt.date(2025, 6, 1),
    )
    resident.refresh_from_db()
    assert (resident.departure, resident.departure_place, resident.leaving_reason) == ("", "", "")
    back = LedgerChange.objects.filter(resident=resident).latest("pk")
    assert back.changes["departure_place"] == ["幸福社区", ""]


def test_the_leave_page_asks_for_the_departure_of_a_move_out(client, home, grid_worker):
    resident = member(home, "马明")
    client.force_login(grid_worker)
    url = reverse("residents:resident_leave", args=[resident.pk])
    response = client.post(url, {"status": "moved_out", "on": "2025-03-05"})
    assert response.context["form"].errors["departure"] == ["请选择迁出去向。"]
    resident.refresh_from_db()
    assert resident.is_active
    response = client.post(
        url, {"status": "moved_out", "on": "2025-03-05", "departure": "within_district", "reason": "投靠子女"}
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.departure, resident.leaving_reason) == ("within_district", "投靠子女")
    page = client.get(reverse("residents:resident_detail", args=[resident.pk])).content.decode()
    assert "本区其他社区" in page and "投靠子女" in page


def _gone(home, name, status, on, departure=""):
    return ResidentFactory(
        household=home, name=name, relation=Relation.CHILD, status=status, status_date=on, departure=departure
    )


def test_figures_count_moves_within_and_out_of_the_district_and_deaths_in_the_period(tree, home):
    _gone(home, "甲", LedgerStatus.MOVED_OUT, dt.date(2025, 3, 1), Departure.WITHIN_DISTRICT)
    _gone(home, "乙", LedgerStatus.MOVED_OUT, dt.date(2025, 3, 31), Departure.WITHIN_DISTRICT)
    _gone(home, "丙", LedgerStatus.MOVED_OUT, dt.date(2025, 3, 10), Departure.OTHER_DISTRICT)
    _gone(home, "丁", LedgerStatus.MOVED_OUT, dt.date(2025, 3, 11), Departure.ABROAD)
    _gone(home, "戊", LedgerStatus.MOVED_OUT, dt.date(2025, 3, 12))  # recorded before 去向 was kept
    _gone(home, "己", LedgerStatus.DECEASED, dt.date(2025, 3, 20))
    _gone(home, "庚", LedgerStatus.MOVED_OUT, dt.date(2025, 4, 1), Departure.OTHER_CITY)  # after March
    other = HouseholdFactory(grid=tree.other_grid, number="0901")
    _gone(other, "辛", LedgerStatus.MOVED_OUT, dt.date(2025, 3, 5), Departure.OTHER_CITY)  # elsewhere

    figures = leaving_figures(tree.community, MARCH)

    assert (figures.moved_out, figures.deceased) == (5, 1)
    assert (figures.moved_within_district, figures.moved_out_of_district, figures.departure_unrecorded) == (
        2,
        2,
        1,
    )
    assert figures.departure_rows() == [
        ("本区其他社区", 2),
        ("本市其他区县", 1),
        ("境外", 1),
        ("去向未登记", 1),
    ]
    section = basic_section(tree.community, MARCH)
    assert "本期迁出5人（迁往本区其他社区2人、迁往区外2人、去向未登记1人），死亡1人。" in section.paragraphs
    assert section.figures["moved_out_of_district"] == 2


def test_a_period_with_nobody_leaving_says_nothing_of_it(tree, home):
    section = basic_section(tree.community, MARCH)
    assert not any("迁出" in p or "死亡" in p for p in section.paragraphs)
    assert Resident.objects.count() == 1
