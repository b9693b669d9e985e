"""The resident picker (residents.pickers) and the registry that lets apps below the ledger
find it: what a search finds, in which order, for whom, and what it never shows."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from core import registry
from grid.models import Role
from residents.models import LedgerStatus
from tests.factories import BuildingFactory, UnitFactory, make_person
from tests.factories_residents import HouseholdFactory, ResidentFactory, make_id_number

URL = reverse("residents:resident_picker")


def pick(client, q, **params):
    return client.post(URL, {"q": q, **params})


@pytest.fixture
def ask(client):
    """``ask(user, q, **params)`` → [(pk, label), …] the picker offers, in order."""

    def run(user, q, **params):
        client.force_login(user)
        response = pick(client, q, **params)
        assert response.status_code == 200
        return [(r["pk"], r["label"]) for r in response.context["results"]]

    return run


def pks(offered) -> list[int]:
    return [pk for pk, _ in offered]


@pytest.fixture
def two_hu_qiang(tree):
    """Two 胡强, both in a 101: one in 1号楼 1单元, one in 2号楼 (same grid)."""
    second = BuildingFactory(grid=tree.grid, number="2号楼")
    first_home = HouseholdFactory(
        grid=tree.grid, building=tree.building, unit=tree.unit, room="101", number="0101"
    )
    second_home = HouseholdFactory(grid=tree.grid, building=second, room="101", number="0201")
    return (
        ResidentFactory(
            household=first_home, name="胡强", id_number=make_id_number(birth_date=dt.date(1980, 5, 1))
        ),
        ResidentFactory(
            household=second_home, name="胡强", id_number=make_id_number(birth_date=dt.date(1990, 5, 1))
        ),
    )


# --- what a term finds ---------------------------------------------------------------


def test_a_name_typed_with_spaces_finds_the_name_without(ask, tree, staff_user, two_hu_qiang):
    assert set(pks(ask(staff_user, "胡 强"))) == {r.pk for r in two_hu_qiang}


def test_spaces_and_middle_dots_in_stored_names_are_ignored_too(ask, tree, staff_user):
    home = HouseholdFactory(grid=tree.grid)
    aili = ResidentFactory(household=home, name="买买提·艾力")
    guli = ResidentFactory(household=home, name="阿依 古丽")
    assert pks(ask(staff_user, "买买提艾力")) == [aili.pk]
    assert pks(ask(staff_user, "阿依古丽")) == [guli.pk]


def test_a_household_number_finds_its_members(ask, tree, staff_user, two_hu_qiang):
    other = ResidentFactory(household=two_hu_qiang[1].household, name="李梅")
    assert set(pks(ask(staff_user, "0201"))) == {two_hu_qiang[1].pk, other.pk}


def test_the_last_four_or_six_characters_of_an_id_number_find_the_person(ask, tree, staff_user):
    person = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid, number="7001"),
        id_number=make_id_number(birth_date=dt.date(1975, 3, 9), serial=321),
    )
    assert pks(ask(staff_user, person.id_number[-4:])) == [person.pk]
    assert pks(ask(staff_user, person.id_number[-6:])) == [person.pk]
    assert pks(ask(staff_user, person.id_number)) == [person.pk]


def test_other_parts_of_an_id_number_find_nobody(ask, tree, staff_user):
    """Only the tail the mask shows (and up to six), or the whole number: a prefix would
    enumerate people by place and date of birth."""
    person = ResidentFactory(household=HouseholdFactory(grid=tree.grid, number="7001"))
    assert ask(staff_user, person.id_number[:14]) == []
    assert ask(staff_user, person.id_number[-10:]) == []


def test_results_show_the_id_number_masked_never_whole(client, tree, staff_user):
    person = ResidentFactory(household=HouseholdFactory(grid=tree.grid), name="马德福")
    client.force_login(staff_user)
    body = pick(client, person.id_number[-4:]).content.decode()
    assert "马德福" in body
    assert person.masked_id_number in body
    assert person.id_number not in body
    assert person.id_number not in pick(client, person.id_number).content.decode()


def test_namesakes_in_two_101s_are_told_apart_by_building_unit_room_and_age(
    client, tree, staff_user, two_hu_qiang
):
    client.force_login(staff_user)
    response = pick(client, "胡强")
    results = response.context["results"]
    # In their buildings' order, each saying where they live and how old they are.
    assert [r["pk"] for r in results] == [r.pk for r in two_hu_qiang]
    assert results[0]["where"] == "一网格 1号楼 1单元 101"
    assert results[1]["where"] == "一网格 2号楼 101"
    first_age = two_hu_qiang[0].age_on(timezone.localdate())
    assert results[0]["label"] == f"胡强（1号楼 1单元 101，{first_age}岁）"
    body = response.content.decode()
    assert "一网格 1号楼 1单元 101" in body and "一网格 2号楼 101" in body


def test_an_exact_name_comes_before_a_longer_one(ask, tree, staff_user):
    home = HouseholdFactory(grid=tree.grid)
    longer = ResidentFactory(household=home, name="王强国")
    exact = ResidentFactory(household=home, name="强")
    assert pks(ask(staff_user, "强")) == [exact.pk, longer.pk]


def test_adults_first_puts_grown_ups_before_a_better_matching_child(ask, tree, staff_user):
    home = HouseholdFactory(grid=tree.grid)
    child = ResidentFactory(
        household=home,
        name="胡强",
        id_number=make_id_number(birth_date=timezone.localdate() - dt.timedelta(days=3650)),
    )
    adult = ResidentFactory(
        household=home, name="胡强国", id_number=make_id_number(birth_date=dt.date(1970, 1, 1))
    )
    assert pks(ask(staff_user, "胡强")) == [child.pk, adult.pk]
    assert pks(ask(staff_user, "胡强", adults="first")) == [adult.pk, child.pk]


def test_results_are_capped_and_say_so(client, tree, staff_user):
    home = HouseholdFactory(grid=tree.grid)
    for n in range(25):
        ResidentFactory(household=home, name=f"马{n:02d}")
    client.force_login(staff_user)
    response = pick(client, "马")
    assert len(response.context["results"]) == 20
    assert response.context["more"] is True
    assert "只显示前20位" in response.content.decode()


def test_an_empty_term_asks_for_one_and_finds_nobody(ask, client, tree, staff_user, two_hu_qiang):
    assert ask(staff_user, "  ") == []
    assert "输入姓名、户号或身份证号后4位查找" in pick(client, "").content.decode()


def test_people_who_left_are_found_only_when_asked(ask, tree, staff_user, two_hu_qiang):
    gone = two_hu_qiang[1]
    gone.status, gone.status_date = LedgerStatus.MOVED_OUT, dt.date(2025, 1, 1)
    gone.save()
    assert pks(ask(staff_user, "胡强")) == [two_hu_qiang[0].pk]
    assert set(pks(ask(staff_user, "胡强", include_gone="1"))) == {r.pk for r in two_hu_qiang}


def test_params_narrow_to_a_building_or_grid(ask, tree, staff_user, two_hu_qiang):
    in_grid2 = ResidentFactory(household=HouseholdFactory(grid=tree.grid2), name="胡强")
    assert pks(ask(staff_user, "胡强", building=tree.building.pk)) == [two_hu_qiang[0].pk]
    assert pks(ask(staff_user, "胡强", unit=tree.unit.pk)) == [two_hu_qiang[0].pk]
    assert pks(ask(staff_user, "胡强", grid=tree.grid2.pk)) == [in_grid2.pk]
    assert ask(staff_user, "胡强", building="1 OR 1=1") == []


# --- whose ledger ------------------------------------------------------------------------


def test_a_resident_of_another_community_never_appears(ask, tree, staff_user, two_hu_qiang):
    far = ResidentFactory(household=HouseholdFactory(grid=tree.other_grid), name="胡强")
    assert far.pk not in pks(ask(staff_user, "胡强"))
    # Not even when asked for by their own building, or by their ID number.
    assert ask(staff_user, "胡强", building=tree.other_building.pk) == []
    assert ask(staff_user, far.id_number) == []
    assert far.pk not in pks(ask(staff_user, far.id_number[-4:]))


def test_a_grid_worker_finds_only_their_grid(ask, tree, grid_worker, two_hu_qiang):
    ResidentFactory(household=HouseholdFactory(grid=tree.grid2), name="胡强")
    assert set(pks(ask(grid_worker, "胡强"))) == {r.pk for r in two_hu_qiang}


def test_a_street_leader_finds_everyone_in_their_street_and_no_one_beyond(ask, tree, leader, two_hu_qiang):
    in_grid2 = ResidentFactory(household=HouseholdFactory(grid=tree.grid2), name="胡强")
    other_street = ResidentFactory(household=HouseholdFactory(grid=tree.other_grid), name="胡强")
    offered = set(pks(ask(leader, "胡强")))
    assert offered == {*(r.pk for r in two_hu_qiang), in_grid2.pk}
    assert other_street.pk not in offered


# --- who may ask, and how ----------------------------------------------------------------


def test_a_person_whose_role_may_not_view_residents_is_refused(client, tree):
    nobody = make_person(role=Role.STAFF, unit=tree.community, username="no_ledger")
    nobody.groups.clear()
    client.force_login(nobody)
    assert pick(client, "胡强").status_code == 403


@pytest.mark.parametrize(
    "role", [Role.STAFF, Role.GRID_WORKER, Role.MEDIATOR, Role.WINDOW_CLERK, Role.LEADER]
)
def test_every_role_that_reads_the_ledger_may_search_it(client, persona, role):
    client.force_login(persona(role))
    assert pick(client, "胡强").status_code == 200


def test_anonymous_visitors_are_sent_to_login(client, tree):
    response = pick(client, "胡强")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_term_is_taken_only_from_a_post(client, tree, staff_user):
    client.force_login(staff_user)
    assert client.get(URL, {"q": "胡强"}).status_code == 405


def test_answers_are_not_cached_and_the_term_is_not_logged(client, tree, staff_user, two_hu_qiang, caplog):
    client.force_login(staff_user)
    with caplog.at_level(logging.DEBUG):
        response = pick(client, "胡强")
        client.get(URL, {"q": "胡强"})  # refused (405), logged by path only
    assert "no-store" in response["Cache-Control"]
    assert "胡强" not in caplog.text


# --- the registry --------------------------------------------------------------------


def test_the_ledger_registers_its_resident_picker():
    assert registry.picker_url_for("residents.Resident") == URL
    assert registry.picker_url_for("RESIDENTS.resident") == URL


def test_a_model_nobody_offers_a_picker_for_has_none():
    assert registry.picker_url_for("mediation.Case") is None


def test_units_of_a_building_keep_the_buildings_order_in_results(ask, tree, staff_user):
    later = UnitFactory(building=tree.building, number="10单元")
    earlier = UnitFactory(building=tree.building, number="2单元")
    in_later = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid, building=tree.building, unit=later, room="101"),
        name="古丽",
    )
    in_earlier = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid, building=tree.building, unit=earlier, room="101"),
        name="古丽",
    )
    assert pks(ask(staff_user, "古丽")) == [in_earlier.pk, in_later.pk]
