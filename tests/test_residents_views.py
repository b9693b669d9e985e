import datetime as dt
import re

import pytest
from django.urls import reverse

from core import history
from core.masking import mask_id_number
from grid.models import Role
from residents.models import (
    ChangeAction,
    FloatingRegistration,
    Household,
    LedgerStatus,
    ResidenceStatus,
    Resident,
)
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity, make_id_number
from tests.ledger_history import LedgerChange

pytestmark = pytest.mark.django_db

READ_ONLY_ROLES = [Role.LEADER, Role.MEDIATOR, Role.WINDOW_CLERK]
WRITING_ROLES = [Role.ADMIN, Role.STAFF, Role.GRID_WORKER]


@pytest.fixture
def ledger(tree):
    """0101 in 一网格 (the grid worker's), 0201 in 二网格, 0901 in 北苑社区 (outside 清河街道)."""
    home = HouseholdFactory(
        grid=tree.grid, number="0101", building=tree.building, unit=tree.unit, phone="13812345678"
    )
    head = ResidentFactory(household=home, name="张三", relation="head", phone="13698765432")
    ResidentFactory(household=home, name="马丽", relation="spouse", ethnicity=ethnicity("回族"))
    grid2 = HouseholdFactory(grid=tree.grid2, number="0201")
    ResidentFactory(household=grid2, name="李四", relation="head")
    other = HouseholdFactory(grid=tree.other_grid, number="0901")
    ResidentFactory(household=other, name="王五", relation="head")
    tree.home, tree.head, tree.grid2_household, tree.other_household = home, head, grid2, other
    return tree


def new_member(**overrides):
    data = {
        "relation": "child",
        "name": "张小明",
        "id_number": make_id_number(birth_date=dt.date(2012, 3, 4), gender="1", serial=9),
        "ethnicity": ethnicity("汉族").pk,
        "residence_status": "registered_present",
        "political_status": "masses",
    }
    return data | overrides


def search(client, list_name: str, q: str):
    """Search as the page does: the term is posted, the list shown after the redirect."""
    return client.post(reverse(f"residents:{list_name}"), {"q": q}, follow=True)


# --- who may open what: tests/test_access.py holds every page × role × scope ---------------


def test_posts_outside_scope_change_nothing(client, grid_worker, ledger):
    client.force_login(grid_worker)
    household = ledger.grid2_household
    resident = household.residents.get()
    before = (Household.objects.count(), Resident.objects.count(), LedgerChange.objects.count())
    edit = {"grid": ledger.grid.pk, "number": "6666", "kind": "registered"}
    responses = [
        client.post(reverse("residents:household_edit", args=[household.pk]), edit),
        client.post(reverse("residents:resident_create", args=[household.pk]), new_member()),
        client.post(reverse("residents:floating_create", args=[household.pk]), new_member()),
        client.post(reverse("residents:resident_edit", args=[resident.pk]), new_member(name="改名")),
        client.post(reverse("residents:resident_move", args=[resident.pk]), {"number": "0101"}),
        client.post(
            reverse("residents:resident_leave", args=[resident.pk]),
            {"status": "moved_out", "on": "2025-01-01"},
        ),
    ]
    assert [r.status_code for r in responses] == [404] * 6
    assert (Household.objects.count(), Resident.objects.count(), LedgerChange.objects.count()) == before
    household.refresh_from_db()
    resident.refresh_from_db()
    assert (household.number, resident.name, resident.status) == ("0201", "李四", LedgerStatus.ACTIVE)


def test_a_grid_worker_cannot_move_someone_into_a_household_outside_their_grid(client, grid_worker, ledger):
    client.force_login(grid_worker)
    response = client.post(reverse("residents:resident_move", args=[ledger.head.pk]), {"number": "0201"})
    assert response.status_code == 200
    assert "找不到" in response.content.decode()
    ledger.head.refresh_from_db()
    assert ledger.head.household == ledger.home


def test_a_grid_worker_cannot_file_a_household_under_another_grid(client, grid_worker, ledger):
    client.force_login(grid_worker)
    response = client.post(
        reverse("residents:household_create"),
        {"grid": ledger.grid2.pk, "number": "7777", "kind": "registered"},
    )
    assert response.status_code == 200
    assert not Household.objects.filter(number="7777").exists()


# --- lists, search and filters --------------------------------------------------------------


def test_the_household_list_shows_only_the_users_scope(client, grid_worker, ledger):
    client.force_login(grid_worker)
    page = client.get(reverse("residents:household_list")).context["page"]
    assert [h.number for h in page.object_list] == ["0101"]
    assert page.object_list[0].member_count == 2
    assert page.object_list[0].head_name == "张三"


def test_the_household_list_masks_phones(client, staff_user, ledger):
    client.force_login(staff_user)
    body = client.get(reverse("residents:household_list")).content.decode()
    assert "138****5678" in body
    assert "13812345678" not in body


def test_the_resident_list_masks_id_numbers_and_phones(client, staff_user, ledger):
    client.force_login(staff_user)
    body = client.get(reverse("residents:resident_list")).content.decode()
    assert mask_id_number(ledger.head.id_number) in body
    assert ledger.head.id_number not in body
    assert "13698765432" not in body


@pytest.mark.parametrize(
    ("q", "expected"),
    [("张三", ["0101"]), ("马", ["0101"]), ("01", ["0101", "0201"]), ("0201", ["0201"]), ("不存在", [])],
)
def test_household_search_by_name_or_number(client, staff_user, ledger, q, expected):
    client.force_login(staff_user)
    page = search(client, "household_list", q).context["page"]
    assert sorted(h.number for h in page.object_list) == expected


def test_household_search_by_a_full_id_number_lower_case_x_included(client, staff_user, ledger):
    client.force_login(staff_user)
    ending_in_x = next(
        n for n in (make_id_number(region="320102", serial=i) for i in range(50)) if n.endswith("X")
    )
    resident = ResidentFactory(household=ledger.grid2_household, id_number=ending_in_x)
    page = search(client, "household_list", resident.id_number.lower()).context["page"]
    assert [h.number for h in page.object_list] == ["0201"]


def test_a_partial_id_number_finds_nobody_and_says_why(client, staff_user, ledger):
    client.force_login(staff_user)
    partial = ledger.head.id_number[:14]
    response = search(client, "household_list", partial)
    assert list(response.context["page"].object_list) == []
    assert "不支持部分号码查找" in response.content.decode()
    response = search(client, "resident_list", partial)
    assert list(response.context["page"].object_list) == []


def test_resident_search_by_full_id_number(client, staff_user, ledger):
    client.force_login(staff_user)
    page = search(client, "resident_list", ledger.head.id_number).context["page"]
    assert [r.name for r in page.object_list] == ["张三"]


def test_filter_by_ethnicity_lists_a_household_once_however_many_members_match(client, staff_user, ledger):
    ResidentFactory(household=ledger.home, name="马强", ethnicity=ethnicity("回族"))
    client.force_login(staff_user)
    hui = ethnicity("回族").code
    page = client.get(reverse("residents:household_list"), {"ethnicity": hui}).context["page"]
    assert [h.number for h in page.object_list] == ["0101"]
    page = client.get(reverse("residents:household_list"), {"ethnicity": "minority"}).context["page"]
    assert [h.number for h in page.object_list] == ["0101"]


def test_filter_by_ethnicity_ignores_members_who_left(client, staff_user, ledger):
    gone = ResidentFactory(household=ledger.grid2_household, ethnicity=ethnicity("藏族"))
    Resident.objects.filter(pk=gone.pk).update(status=LedgerStatus.MOVED_OUT, status_date=dt.date(2024, 1, 1))
    client.force_login(staff_user)
    page = client.get(reverse("residents:household_list"), {"ethnicity": ethnicity("藏族").code}).context[
        "page"
    ]
    assert list(page.object_list) == []


def test_filters_by_grid_building_kind_flag_and_floating(client, staff_user, ledger):
    Household.objects.filter(pk=ledger.grid2_household.pk).update(kind="rental", is_dibao=True)
    ResidentFactory(household=ledger.grid2_household, residence_status=ResidenceStatus.FLOATING)
    client.force_login(staff_user)
    url = reverse("residents:household_list")

    def numbers(**params):
        return sorted(h.number for h in client.get(url, params).context["page"].object_list)

    assert numbers(grid=ledger.grid.pk) == ["0101"]
    assert numbers(building=ledger.building.pk) == ["0101"]
    assert numbers(kind="rental") == ["0201"]
    assert numbers(flag="is_dibao") == ["0201"]
    assert numbers(floating="1") == ["0201"]
    assert numbers(grid=ledger.other_grid.pk) == ["0101", "0201"]  # out of scope: filter ignored, scope kept


def test_closed_households_are_listed_only_when_asked(client, staff_user, ledger):
    Household.objects.filter(pk=ledger.grid2_household.pk).update(closed_on=dt.date(2024, 1, 1))
    client.force_login(staff_user)
    url = reverse("residents:household_list")
    assert [h.number for h in client.get(url).context["page"].object_list] == ["0101"]
    assert [h.number for h in client.get(url, {"status": "closed"}).context["page"].object_list] == ["0201"]


def test_resident_list_filters(client, staff_user, ledger):
    client.force_login(staff_user)
    url = reverse("residents:resident_list")
    names = lambda **p: sorted(r.name for r in client.get(url, p).context["page"].object_list)  # noqa: E731
    assert names(ethnicity="minority") == ["马丽"]
    assert names(grid=ledger.grid2.pk) == ["李四"]
    Resident.objects.filter(pk=ledger.head.pk).update(
        status=LedgerStatus.DECEASED, status_date=dt.date(2024, 5, 1)
    )
    assert names(status="deceased") == ["张三"]
    assert "张三" not in names()


def test_the_list_is_paginated_and_costs_the_same_queries_for_many_households(
    client, staff_user, ledger, django_assert_max_num_queries
):
    for i in range(60):
        household = HouseholdFactory(grid=ledger.grid, building=ledger.building, unit=ledger.unit)
        ResidentFactory(household=household, relation="head", name=f"户主{i}")
    client.force_login(staff_user)
    # Session, user, two of permissions, profile and unit, the scope's first unit id, the page's ids
    # (with the capped count) and rows, the 网格, 楼栋 and 民族 choices: twelve, none per row.
    with django_assert_max_num_queries(12):
        response = client.get(reverse("residents:household_list"))
    page = response.context["page"]
    assert page.count == 62
    assert len(page.object_list) == 50
    second = client.get(reverse("residents:household_list"), {"cursor": page.next_cursor}).context["page"]
    assert len(second.object_list) == 12
    with django_assert_max_num_queries(12):
        client.get(reverse("residents:resident_list"))


# --- detail pages --------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "full"), [(Role.STAFF, True), (Role.GRID_WORKER, True), (Role.ADMIN, True)])
def test_detail_pages_show_full_values_to_roles_allowed(client, persona, ledger, role, full):
    client.force_login(persona(role))
    body = client.get(reverse("residents:resident_detail", args=[ledger.head.pk])).content.decode()
    assert ledger.head.id_number in body
    assert "13698765432" in body
    assert ledger.head.birth_date.strftime("%Y-%m-%d") in body
    body = client.get(reverse("residents:household_detail", args=[ledger.home.pk])).content.decode()
    assert "13812345678" in body


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_detail_pages_mask_for_roles_not_allowed(client, persona, ledger, role):
    client.force_login(persona(role))
    body = client.get(reverse("residents:resident_detail", args=[ledger.head.pk])).content.decode()
    assert ledger.head.id_number not in body
    assert mask_id_number(ledger.head.id_number) in body
    assert "13698765432" not in body
    # The birth date is what the masked number hides; beside region and tail it would give it back.
    assert ledger.head.birth_date.strftime("%Y-%m-%d") not in body
    body = client.get(reverse("residents:household_detail", args=[ledger.home.pk])).content.decode()
    assert "13812345678" not in body
    assert "编辑户信息" not in body and "添加成员" not in body


def test_the_household_page_lists_active_members_first_then_those_gone(client, staff_user, ledger):
    gone = ResidentFactory(household=ledger.home, name="张老汉")
    Resident.objects.filter(pk=gone.pk).update(status=LedgerStatus.DECEASED, status_date=dt.date(2024, 2, 3))
    client.force_login(staff_user)
    context = client.get(reverse("residents:household_detail", args=[ledger.home.pk])).context
    assert [m.name for m in context["active_members"]] == ["张三", "马丽"]
    assert [m.name for m in context["gone_members"]] == ["张老汉"]


# --- writing through the pages ----------------------------------------------------------------


def test_editing_a_household_saves_and_shows_the_change_in_its_history(client, grid_worker, ledger):
    client.force_login(grid_worker)
    data = {
        "grid": ledger.grid.pk,
        "building": ledger.building.pk,
        "unit": ledger.unit.pk,
        "number": "0101",
        "kind": "registered",
        "phone": "13900001111",
        "room": ledger.home.room,
        "address": ledger.home.address,
    }
    response = client.post(reverse("residents:household_edit", args=[ledger.home.pk]), data)
    assert response.status_code == 302
    ledger.home.refresh_from_db()
    assert ledger.home.phone == "13900001111"
    change = LedgerChange.objects.get(household=ledger.home, action=ChangeAction.UPDATE)
    assert change.user == grid_worker and change.changes == {"phone": ["13812345678", "13900001111"]}
    body = client.get(reverse("residents:household_detail", args=[ledger.home.pk])).content.decode()
    assert "变更记录" in body and "联系电话" in body and "13900001111" in body


def test_creating_a_household_then_adding_a_member(client, staff_user, ledger):
    client.force_login(staff_user)
    response = client.post(
        reverse("residents:household_create"),
        {"grid": ledger.grid2.pk, "number": "0299", "kind": "rental", "landlord_name": "赵房东"},
    )
    household = Household.objects.get(number="0299")
    assert response.url == reverse("residents:household_detail", args=[household.pk])
    assert household.community == ledger.community
    response = client.post(
        reverse("residents:resident_create", args=[household.pk]), new_member(relation="head")
    )
    assert response.status_code == 302
    member = household.residents.get()
    assert (member.name, member.gender, member.birth_date) == ("张小明", "1", dt.date(2012, 3, 4))


def test_registering_a_floating_resident_through_the_page(client, grid_worker, ledger):
    client.force_login(grid_worker)
    data = new_member(name="马哈三", relation="non_relative") | {
        "floating-arrived_on": "2025-03-01",
        "floating-origin": "甘肃省临夏州",
        "floating-occupation": "business",
        "floating-workplace": "兰州拉面馆",
    }
    response = client.post(reverse("residents:floating_create", args=[ledger.home.pk]), data)
    assert response.status_code == 302
    resident = Resident.objects.get(name="马哈三")
    assert resident.residence_status == ResidenceStatus.FLOATING
    assert FloatingRegistration.objects.get(resident=resident).workplace == "兰州拉面馆"


def test_adding_a_member_to_a_household_with_a_head_requires_a_relation(client, staff_user, ledger):
    client.force_login(staff_user)
    response = client.post(
        reverse("residents:resident_create", args=[ledger.home.pk]), new_member(relation="")
    )
    assert response.status_code == 200
    assert not Resident.objects.filter(name="张小明").exists()


def test_a_duplicate_id_number_is_refused_on_the_page(client, staff_user, ledger):
    client.force_login(staff_user)
    response = client.post(
        reverse("residents:resident_create", args=[ledger.home.pk]),
        new_member(id_number=ledger.head.id_number),
    )
    assert response.status_code == 200
    assert "该身份证号已登记" in response.content.decode()


def test_editing_a_resident_keeps_history_on_their_page(client, staff_user, ledger):
    client.force_login(staff_user)
    head = ledger.head
    data = new_member(
        relation="head", name="张叁", id_number=head.id_number, ethnicity=head.ethnicity.pk, phone=head.phone
    )
    response = client.post(reverse("residents:resident_edit", args=[head.pk]), data)
    assert response.status_code == 302
    head.refresh_from_db()
    assert head.name == "张叁"
    body = client.get(reverse("residents:resident_detail", args=[head.pk])).content.decode()
    assert "张三" in body and "张叁" in body and "姓名" in body


def test_moving_a_member_through_the_page(client, staff_user, ledger):
    client.force_login(staff_user)
    spouse = Resident.objects.get(name="马丽")
    response = client.post(
        reverse("residents:resident_move", args=[ledger.head.pk]),
        {"number": "0201", "relation": "parent", "new_head": spouse.pk},
    )
    assert response.url == reverse("residents:household_detail", args=[ledger.grid2_household.pk])
    ledger.head.refresh_from_db()
    assert ledger.head.household == ledger.grid2_household
    assert ledger.head.relation == "parent"  # asked anew: the head of one household joins another
    # Shown once on the resident's page although written on both households.
    history = client.get(reverse("residents:resident_detail", args=[ledger.head.pk])).context["history"]
    assert [entry.action for entry in history].count("迁移户") == 1
    old_page = client.get(reverse("residents:household_detail", args=[ledger.home.pk])).context["history"]
    assert [entry.action for entry in old_page[:2]] == ["修改", "迁移户"]  # the new 户主, after the move
    moved = {row.label: (row.old, row.new) for row in old_page[1].rows}
    assert moved["所在户"] == ("户号 0101", "户号 0201")
    assert moved["与户主关系"] == ("户主", "父母")
    assert {row.label: (row.old, row.new) for row in old_page[0].rows}["与户主关系"] == ("配偶", "户主")


def test_recording_a_death_through_the_page(client, grid_worker, ledger):
    client.force_login(grid_worker)
    spouse = Resident.objects.get(name="马丽")
    response = client.post(
        reverse("residents:resident_leave", args=[ledger.head.pk]),
        {"status": "deceased", "on": "2025-04-01", "reason": "病故", "new_head": spouse.pk},
    )
    assert response.status_code == 302
    spouse.refresh_from_db()
    assert spouse.relation == "head"
    ledger.head.refresh_from_db()
    assert (ledger.head.status, ledger.head.status_date) == (LedgerStatus.DECEASED, dt.date(2025, 4, 1))
    ledger.home.refresh_from_db()
    assert ledger.home.closed_on is None  # 马丽 is still there


def test_history_masks_identity_values_for_readers_not_allowed(tree, staff_user, persona):
    household = HouseholdFactory(grid=tree.grid)
    resident = ResidentFactory(household=household)
    change = LedgerChange.objects.create(
        household=household,
        resident=resident,
        action=ChangeAction.UPDATE,
        changes={
            "id_number": ["11010519491231002X", resident.id_number],
            "birth_date": ["1949-12-31", "1950-01-01"],
            "phone": ["13812345678", ""],
            "ethnicity": ["", str(ethnicity("回族").pk)],
        },
        user=staff_user,
    )
    mediator = persona(Role.MEDIATOR)  # may read the ledger, not whole ID numbers
    masked = history.entries([change], user=mediator)[0].rows
    assert [(r.label, r.old, r.new) for r in masked] == [  # in the model's field order
        ("出生日期", "1949年", "1950年"),
        ("身份证号", "110105********002X", mask_id_number(resident.id_number)),
        ("民族", "—", "回族"),
        ("联系电话", "138****5678", "—"),
    ]
    full = history.entries([change], user=staff_user)[0].rows
    assert (full[0].old, full[1].old) == ("1949-12-31", "11010519491231002X")
    assert history.entries([change], user=staff_user, masked=True)[0].rows == masked


def test_a_role_that_may_edit_but_not_see_identities_edits_without_the_id_number(client, tree, ledger):
    from django.contrib.auth.models import Permission

    from grid.models import Profile
    from tests.factories import UserFactory

    user = UserFactory(username="clerk_who_edits")
    user.save()  # the factory sets the password without saving it
    Profile.objects.create(user=user, org_unit=tree.community, role=Role.WINDOW_CLERK)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="residents", codename__in=["view_resident", "change_resident"]
        )
    )
    client.force_login(user)
    url = reverse("residents:resident_edit", args=[ledger.head.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert ledger.head.id_number not in response.content.decode()
    data = new_member(
        relation="head", name="张叁", ethnicity=ledger.head.ethnicity.pk, phone=ledger.head.phone
    )
    data.pop("id_number")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert response.url == reverse("residents:resident_detail", args=[ledger.head.pk])
    ledger.head.refresh_from_db()
    assert ledger.head.name == "张叁"
    assert LedgerChange.objects.get(resident=ledger.head, user=user).changes == {"name": ["张三", "张叁"]}


def test_someone_gone_cannot_be_moved_or_leave_again_through_the_page(client, staff_user, ledger):
    Resident.objects.filter(pk=ledger.head.pk).update(
        status=LedgerStatus.MOVED_OUT, status_date=dt.date(2024, 1, 1)
    )
    client.force_login(staff_user)
    move = client.get(reverse("residents:resident_move", args=[ledger.head.pk]))
    assert "不能迁到其他户" in move.content.decode()
    response = client.post(reverse("residents:resident_move", args=[ledger.head.pk]), {"number": "0201"})
    assert response.status_code == 200
    response = client.post(
        reverse("residents:resident_leave", args=[ledger.head.pk]), {"status": "deceased", "on": "2025-01-01"}
    )
    assert response.status_code == 200
    ledger.head.refresh_from_db()
    assert (ledger.head.household, ledger.head.status) == (ledger.home, LedgerStatus.MOVED_OUT)


def test_the_household_page_does_not_query_per_member_or_change(
    client, staff_user, ledger, django_assert_max_num_queries
):
    for i in range(12):
        member = ResidentFactory(household=ledger.home, name=f"成员{i}", relation="child")
        LedgerChange.objects.create(
            household=ledger.home,
            resident=member,
            action=ChangeAction.UPDATE,
            changes={"ethnicity": ["", str(ethnicity("回族").pk)], "name": ["", f"成员{i}"]},
            user=staff_user,
        )
    client.force_login(staff_user)
    # 12, and one for the visits' panel (activities' related panel on a household).
    with django_assert_max_num_queries(13):
        response = client.get(reverse("residents:household_detail", args=[ledger.home.pk]))
    assert len(response.context["active_members"]) == 14
    assert len(response.context["history"]) == 12


def test_the_household_page_history_masks_identity_even_for_those_allowed(client, staff_user, ledger):
    """It lists every member at once; full values are for a resident's own page."""
    client.force_login(staff_user)
    client.post(
        reverse("residents:resident_create", args=[ledger.home.pk]),
        new_member(name="王新", id_number=make_id_number(birth_date=dt.date(2015, 1, 1), serial=13)),
    )
    added = ledger.home.residents.get(name="王新")
    household_page = client.get(reverse("residents:household_detail", args=[ledger.home.pk])).content.decode()
    assert added.id_number not in household_page and mask_id_number(added.id_number) in household_page
    resident_page = client.get(reverse("residents:resident_detail", args=[added.pk])).content.decode()
    assert added.id_number in resident_page


def test_search_terms_stay_out_of_urls(client, staff_user, ledger):
    """Names and ID numbers typed into the search box would otherwise land in access logs."""
    client.force_login(staff_user)
    response = search(client, "resident_list", ledger.head.id_number)
    assert [r.name for r in response.context["page"].object_list] == ["张三"]
    final_url = response.redirect_chain[-1][0]
    assert ledger.head.id_number not in final_url and "search=" in final_url
    content = response.content.decode()
    export_links = re.findall(r'href="([^"]*export[^"]*)"', content)
    assert export_links and all(ledger.head.id_number not in link for link in export_links)
    # A term put into the URL by hand is ignored, not searched.
    direct = client.get(reverse("residents:resident_list"), {"q": "张三", "status": "all"})
    assert len(direct.context["page"].object_list) > 1


def test_the_household_page_lists_the_head_then_the_spouse_then_by_relation_and_age(client, staff_user, tree):
    home = HouseholdFactory(grid=tree.grid, number="0808")

    def member(name, relation, born):
        return ResidentFactory(
            household=home,
            name=name,
            relation=relation,
            id_number=make_id_number(birth_date=born, gender="1", serial=len(name) + born.year % 7),
        )

    member("小儿子", "child", dt.date(2010, 5, 1))
    member("老母亲", "parent", dt.date(1950, 1, 1))
    member("妻子", "spouse", dt.date(1982, 3, 3))
    member("大女儿", "child", dt.date(2005, 8, 8))
    member("户主", "head", dt.date(1980, 2, 2))
    client.force_login(staff_user)
    context = client.get(reverse("residents:household_detail", args=[home.pk])).context
    assert [m.name for m in context["active_members"]] == ["户主", "妻子", "大女儿", "小儿子", "老母亲"]
