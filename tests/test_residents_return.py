"""迁回: bringing someone recorded as moved out back onto the ledger — the action, its page,
the button on the resident's page, and registering again someone moved out elsewhere."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from grid.models import Role
from residents import actions
from residents.forms import MOVED_OUT_ELSEWHERE, OUT_OF_SCOPE_DUPLICATE, TRANSFER_IN_LABEL
from residents.models import ChangeAction, Household, LedgerStatus, Resident
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity
from tests.ledger_history import LedgerChange

pytestmark = pytest.mark.django_db

READ_ONLY_ROLES = [Role.LEADER, Role.MEDIATOR, Role.WINDOW_CLERK]
WRITING_ROLES = [Role.ADMIN, Role.STAFF, Role.GRID_WORKER]
LEFT_ON = dt.date(2024, 1, 10)
BACK_ON = dt.date(2025, 3, 1)

# 户号 0901 standing alone: not inside the page's random CSRF token, which may hold those digits.
ALONE_0901 = re.compile(r"(?<![0-9A-Za-z])0901(?![0-9A-Za-z])")


def _move_out(resident: Resident, on: dt.date = LEFT_ON) -> Resident:
    return actions.resident_leave(
        by=None, resident=resident, status=LedgerStatus.MOVED_OUT, departure="within_district", on=on
    )


@pytest.fixture
def ledger(tree):
    """张三 moved out of 0101 (一网格), closing it; 0102 in 一网格 has a head; 李四 moved
    out of 0201 (二网格); 王五 moved out of 0901 (北苑社区, outside 清河街道)."""
    tree.home = HouseholdFactory(grid=tree.grid, number="0101", address="幸福路0101号")
    tree.zhang = _move_out(ResidentFactory(household=tree.home, name="张三", relation="head"))
    tree.next_door = HouseholdFactory(grid=tree.grid, number="0102")
    ResidentFactory(household=tree.next_door, name="赵六", relation="head")
    tree.grid2_household = HouseholdFactory(grid=tree.grid2, number="0201", address="幸福路0201号")
    tree.li = _move_out(ResidentFactory(household=tree.grid2_household, name="李四", relation="head"))
    tree.other_household = HouseholdFactory(grid=tree.other_grid, number="0901", address="北苑路9号")
    tree.wang = _move_out(ResidentFactory(household=tree.other_household, name="王五", relation="head"))
    for household in (tree.home, tree.grid2_household, tree.other_household):
        household.refresh_from_db()
    return tree


def _state():
    return (
        Household.objects.count(),
        Resident.objects.count(),
        LedgerChange.objects.count(),
        sorted(Resident.objects.values_list("pk", "household_id", "relation", "status", "status_date")),
        sorted(Household.objects.values_list("pk", "closed_on")),
    )


# --- the action ------------------------------------------------------------------------------


def test_return_into_the_old_household_reopens_it_and_records_who_and_what(ledger, staff_user):
    assert ledger.home.closed_on == LEFT_ON
    resident = actions.resident_return(
        by=staff_user, resident=ledger.zhang, household=ledger.home, relation="head", returned_on=BACK_ON
    )
    resident.refresh_from_db()
    assert (resident.household, resident.status, resident.status_date) == (ledger.home, "active", BACK_ON)
    change = LedgerChange.objects.get(resident=resident, action=ChangeAction.RETURN)
    assert (change.user, change.parent_id) == (staff_user, ledger.home.pk)
    assert change.changes == {
        "status": ["moved_out", "active"],
        "status_date": ["2024-01-10", "2025-03-01"],
        "departure": ["within_district", ""],  # the leaving's 去向 stays in the history
    }
    ledger.home.refresh_from_db()
    assert ledger.home.closed_on is None
    reopened = LedgerChange.objects.get(household=ledger.home, resident=None, user=staff_user)
    assert reopened.changes == {"closed_on": ["2024-01-10", ""]} and reopened.user == staff_user


def test_return_into_a_household_of_another_community_records_the_move(ledger, admin_user):
    actions.resident_return(
        by=admin_user,
        resident=ledger.zhang,
        household=ledger.other_household,
        relation="child",
        returned_on=BACK_ON,
    )
    ledger.zhang.refresh_from_db()
    assert (ledger.zhang.household, ledger.zhang.relation) == (ledger.other_household, "child")
    change = LedgerChange.objects.get(resident=ledger.zhang, action=ChangeAction.RETURN)
    assert change.parent_id == ledger.other_household.pk  # written once, where they are now
    assert change.changes["household"] == [str(ledger.home.pk), str(ledger.other_household.pk)]
    assert change.changes["relation"] == ["head", "child"]
    assert set(change.changes) == {"household", "relation", "status", "status_date", "departure"}
    ledger.home.refresh_from_db()
    assert ledger.home.closed_on == LEFT_ON  # the old household stays closed


@pytest.mark.parametrize(
    ("status", "message"),
    [(LedgerStatus.DECEASED, "死亡，不能办理迁回"), (LedgerStatus.ACTIVE, "无需办理迁回")],
)
def test_only_someone_moved_out_can_return(ledger, staff_user, status, message):
    person = ResidentFactory(household=ledger.next_door, relation="child")
    if status == LedgerStatus.DECEASED:
        actions.resident_leave(by=None, resident=person, status=status, on=LEFT_ON)
    before = _state()
    with pytest.raises(ValidationError) as err:
        actions.resident_return(
            by=staff_user, resident=person, household=ledger.home, relation="head", returned_on=BACK_ON
        )
    assert message in err.value.messages[0]
    assert _state() == before


@pytest.mark.parametrize(
    ("on", "message"),
    [
        # tomorrow is taken when the test runs, not when it is collected: a run may cross midnight
        (None, "不能晚于今天"),
        (LEFT_ON - dt.timedelta(days=1), "不能早于迁出日期"),
    ],
)
def test_the_return_date_is_neither_in_the_future_nor_before_moving_out(ledger, staff_user, on, message):
    on = on or timezone.localdate() + dt.timedelta(days=1)
    before = _state()
    with pytest.raises(ValidationError) as err:
        actions.resident_return(
            by=staff_user, resident=ledger.zhang, household=ledger.home, relation="head", returned_on=on
        )
    assert message in err.value.message_dict["returned_on"][0]
    assert _state() == before


def test_returning_on_the_day_of_moving_out_is_allowed(ledger, staff_user):
    actions.resident_return(
        by=staff_user, resident=ledger.zhang, household=ledger.home, relation="head", returned_on=LEFT_ON
    )
    ledger.zhang.refresh_from_db()
    assert ledger.zhang.is_active


def test_a_later_leaving_cannot_be_dated_before_the_return(ledger, staff_user):
    actions.resident_return(
        by=staff_user, resident=ledger.zhang, household=ledger.home, relation="head", returned_on=BACK_ON
    )
    with pytest.raises(ValidationError) as err:
        actions.resident_leave(
            by=staff_user, resident=ledger.zhang, status="moved_out", on=dt.date(2025, 2, 1)
        )
    assert "迁回" in err.value.message_dict["on"][0]
    actions.resident_leave(
        by=staff_user,
        resident=ledger.zhang,
        status="moved_out",
        departure="within_district",
        on=dt.date(2025, 4, 1),
    )


def test_transfer_in_brings_a_record_moved_out_elsewhere_into_a_household_in_scope(ledger, staff_user):
    resident = actions.resident_transfer_in(
        by=staff_user,
        id_number=ledger.wang.id_number.lower(),
        household=ledger.next_door,
        relation="sibling",
        returned_on=BACK_ON,
        phone="13700001111",
    )
    resident.refresh_from_db()
    assert resident.pk == ledger.wang.pk
    assert (resident.household, resident.relation, resident.status) == (ledger.next_door, "sibling", "active")
    assert resident.phone == "13700001111"
    change = LedgerChange.objects.get(resident=resident, action=ChangeAction.RETURN)
    assert change.user == staff_user and change.parent_id == ledger.next_door.pk
    assert change.changes["household"] == [str(ledger.other_household.pk), str(ledger.next_door.pk)]
    update = LedgerChange.objects.get(resident=resident, action=ChangeAction.UPDATE)
    # What the other community had recorded (the old phone) is not written where this one reads.
    assert update.changes == {"phone": ["", "13700001111"]}
    assert all(old == "" for name, (old, _) in change.changes.items() if name != "household")
    assert Resident.objects.filter(id_number=ledger.wang.id_number).count() == 1


def test_transfer_in_refuses_a_household_outside_the_users_scope(ledger, grid_worker):
    before = _state()
    with pytest.raises(ValidationError):
        actions.resident_transfer_in(
            by=grid_worker,
            id_number=ledger.wang.id_number,
            household=ledger.grid2_household,
            relation="head",
            returned_on=BACK_ON,
        )
    assert _state() == before


def test_transfer_in_names_no_date_of_the_old_record(ledger, staff_user):
    before = _state()
    with pytest.raises(ValidationError) as err:
        actions.resident_transfer_in(
            by=staff_user,
            id_number=ledger.wang.id_number,
            household=ledger.next_door,
            relation="head",
            returned_on=dt.date(2023, 1, 1),
        )
    message = err.value.message_dict["moved_in_on"][0]
    assert "迁出日期" in message and "2024" not in message
    assert _state() == before


def test_transfer_in_refuses_someone_deceased(ledger, staff_user):
    person = ResidentFactory(household=ledger.other_household, relation="child")
    actions.resident_leave(by=None, resident=person, status=LedgerStatus.DECEASED, on=LEFT_ON)
    before = _state()
    with pytest.raises(ValidationError):
        actions.resident_transfer_in(
            by=staff_user,
            id_number=person.id_number,
            household=ledger.next_door,
            relation="child",
            returned_on=BACK_ON,
        )
    assert _state() == before


# --- the 迁回 page ----------------------------------------------------------------------------


def return_url(resident: Resident) -> str:
    return reverse("residents:resident_return", args=[resident.pk])


def test_anonymous_visitors_are_sent_to_login(client, ledger):
    before = _state()
    for response in (
        client.get(return_url(ledger.zhang)),
        client.post(
            return_url(ledger.zhang), {"number": "0101", "relation": "head", "returned_on": "2025-03-01"}
        ),
    ):
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert _state() == before


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_roles_may_not_return_anyone(client, persona, ledger, role):
    client.force_login(persona(role))
    before = _state()
    assert client.get(return_url(ledger.zhang)).status_code == 403
    data = {"number": "0101", "relation": "head", "returned_on": "2025-03-01"}
    assert client.post(return_url(ledger.zhang), data).status_code == 403
    assert _state() == before


@pytest.mark.parametrize("role", WRITING_ROLES)
def test_writing_roles_open_the_return_page_in_scope(client, persona, ledger, role):
    client.force_login(persona(role))
    response = client.get(return_url(ledger.zhang))
    assert response.status_code == 200
    assert response.context["form"]["number"].value() == "0101"  # the old household first
    assert "2024-01-10" in response.content.decode()


def test_someone_moved_out_of_a_household_outside_scope_answers_404(client, grid_worker, staff_user, ledger):
    before = _state()
    data = {"number": "0101", "relation": "head", "returned_on": "2025-03-01"}
    client.force_login(grid_worker)  # 李四 left 二网格
    assert client.get(return_url(ledger.li)).status_code == 404
    assert client.post(return_url(ledger.li), data).status_code == 404
    client.force_login(staff_user)  # 王五 left 北苑社区
    assert client.get(return_url(ledger.wang)).status_code == 404
    assert client.post(return_url(ledger.wang), data).status_code == 404
    assert _state() == before


def test_a_target_household_outside_scope_is_not_found_and_nothing_is_written(client, grid_worker, ledger):
    client.force_login(grid_worker)
    before = _state()
    response = client.post(
        return_url(ledger.zhang), {"number": "0201", "relation": "head", "returned_on": "2025-03-01"}
    )
    assert response.status_code == 200
    assert "在您的管辖范围内找不到户号为“0201”的户" in response.content.decode()
    assert _state() == before


def test_a_grid_worker_brings_someone_back_to_their_old_household(client, grid_worker, ledger):
    client.force_login(grid_worker)
    response = client.post(
        return_url(ledger.zhang), {"number": "0101", "relation": "head", "returned_on": "2025-03-01"}
    )
    assert response.status_code == 302
    assert response.url == reverse("residents:household_detail", args=[ledger.home.pk])
    ledger.zhang.refresh_from_db()
    ledger.home.refresh_from_db()
    assert (ledger.zhang.status, ledger.zhang.status_date, ledger.zhang.household) == (
        "active",
        BACK_ON,
        ledger.home,
    )
    assert ledger.home.closed_on is None
    assert LedgerChange.objects.get(resident=ledger.zhang, action=ChangeAction.RETURN).user == grid_worker
    history = client.get(reverse("residents:resident_detail", args=[ledger.zhang.pk])).context["history"]
    assert history[0].action == "迁回"
    assert {row.label: (row.old, row.new) for row in history[0].rows}["在册状态"] == ("迁出", "在册")


def test_staff_bring_someone_back_into_another_household_with_a_new_relation(client, staff_user, ledger):
    client.force_login(staff_user)
    response = client.post(
        return_url(ledger.li), {"number": "0102", "relation": "child", "returned_on": "2025-03-01"}
    )
    assert response.url == reverse("residents:household_detail", args=[ledger.next_door.pk])
    ledger.li.refresh_from_db()
    assert (ledger.li.household, ledger.li.relation, ledger.li.status) == (
        ledger.next_door,
        "child",
        "active",
    )
    ledger.grid2_household.refresh_from_db()
    assert ledger.grid2_household.closed_on == LEFT_ON


def test_an_admin_picks_the_community_of_the_household(client, admin_user, ledger):
    HouseholdFactory(grid=ledger.other_grid, number="0102")
    client.force_login(admin_user)
    data = {"number": "0102", "relation": "child", "returned_on": "2025-03-01"}
    response = client.post(return_url(ledger.zhang), data)
    assert "请选择目标社区" in response.content.decode()
    response = client.post(return_url(ledger.zhang), data | {"community": ledger.community.pk})
    assert response.status_code == 302
    ledger.zhang.refresh_from_db()
    assert ledger.zhang.household == ledger.next_door


def test_a_return_date_before_moving_out_is_refused_on_the_page(client, staff_user, ledger):
    client.force_login(staff_user)
    before = _state()
    response = client.post(
        return_url(ledger.zhang), {"number": "0101", "relation": "head", "returned_on": "2023-12-31"}
    )
    assert "迁回日期不能早于迁出日期（2024-01-10）" in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize(("status", "message"), [("deceased", "不能办理迁回"), ("active", "无需办理迁回")])
def test_the_page_is_blocked_for_someone_not_moved_out(client, staff_user, ledger, status, message):
    person = ResidentFactory(household=ledger.next_door, relation="child")
    if status == "deceased":
        actions.resident_leave(by=None, resident=person, status=status, on=LEFT_ON)
    client.force_login(staff_user)
    assert message in client.get(return_url(person)).content.decode()
    before = _state()
    response = client.post(
        return_url(person), {"number": "0101", "relation": "head", "returned_on": "2025-03-01"}
    )
    assert response.status_code == 200
    assert _state() == before


def test_a_household_given_from_the_registration_page_is_offered_only_in_scope(client, grid_worker, ledger):
    client.force_login(grid_worker)
    offered = client.get(return_url(ledger.zhang) + f"?to={ledger.next_door.pk}")
    assert offered.context["form"]["number"].value() == "0102"
    outside = client.get(return_url(ledger.zhang) + f"?to={ledger.grid2_household.pk}")
    assert outside.context["form"]["number"].value() == "0101"
    assert "0201" not in outside.content.decode()


# --- the button on the resident's page ----------------------------------------------------------


def test_the_resident_page_offers_return_only_for_someone_moved_out(client, staff_user, ledger):
    deceased = ResidentFactory(household=ledger.next_door, relation="child")
    actions.resident_leave(by=None, resident=deceased, status=LedgerStatus.DECEASED, on=LEFT_ON)
    active = ledger.next_door.residents.get(name="赵六")
    client.force_login(staff_user)

    def offered(resident):
        body = client.get(reverse("residents:resident_detail", args=[resident.pk])).content.decode()
        return "办理迁回" in body and return_url(resident) in body

    assert offered(ledger.zhang)
    assert not offered(deceased)
    assert not offered(active)


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_the_resident_page_offers_no_return_to_read_only_roles(client, persona, ledger, role):
    client.force_login(persona(role))
    body = client.get(reverse("residents:resident_detail", args=[ledger.zhang.pk])).content.decode()
    assert "办理迁回" not in body


# --- the household page -----------------------------------------------------------------------


def test_someone_back_after_a_return_is_listed_after_the_head(client, staff_user, ledger):
    actions.resident_return(
        by=staff_user,
        resident=ledger.zhang,
        household=ledger.next_door,
        relation="child",
        returned_on=BACK_ON,
    )
    client.force_login(staff_user)
    response = client.get(reverse("residents:household_detail", args=[ledger.next_door.pk]))
    assert [m.name for m in response.context["active_members"]] == ["赵六", "张三"]


def test_the_household_page_offers_return_for_its_moved_out_members(client, staff_user, ledger):
    deceased = ResidentFactory(household=ledger.home, relation="child")
    actions.resident_leave(by=None, resident=deceased, status=LedgerStatus.DECEASED, on=LEFT_ON)
    client.force_login(staff_user)
    body = client.get(reverse("residents:household_detail", args=[ledger.home.pk])).content.decode()
    assert return_url(ledger.zhang) in body
    assert return_url(deceased) not in body


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_the_household_page_offers_no_return_to_read_only_roles(client, persona, ledger, role):
    client.force_login(persona(role))
    response = client.get(reverse("residents:household_detail", args=[ledger.home.pk]))
    assert response.status_code == 200
    assert "办理迁回" not in response.content.decode()


def test_the_return_page_says_which_household_is_filled_in(client, staff_user, ledger):
    client.force_login(staff_user)
    own = client.get(return_url(ledger.zhang)).content.decode()
    assert "默认为原户" in own and ">办理迁回</button>" in own
    offered = client.get(return_url(ledger.zhang) + f"?to={ledger.next_door.pk}").content.decode()
    assert "已填入您正在添加成员的户" in offered and "请改为“0101”" in offered
    assert "默认为原户" not in offered


# --- registering again someone moved out -------------------------------------------------------


def member(person: Resident, **overrides) -> dict:
    data = {
        "relation": "child",
        "name": person.name,
        "id_number": person.id_number,
        "ethnicity": ethnicity("汉族").pk,
        "residence_status": "registered_present",
        "political_status": "masses",
    }
    return data | overrides


def add_member_url(household: Household) -> str:
    return reverse("residents:resident_create", args=[household.pk])


def test_registering_someone_moved_out_in_scope_links_to_their_return(client, staff_user, ledger):
    client.force_login(staff_user)
    before = _state()
    response = client.post(add_member_url(ledger.next_door), member(ledger.li))
    assert response.status_code == 200
    body = response.content.decode()
    assert "已于2024-01-10迁出" in body and "二网格" in body and "不必重新登记" in body
    assert f'<a href="{return_url(ledger.li)}?to={ledger.next_door.pk}">办理迁回</a>' in body
    assert TRANSFER_IN_LABEL not in body  # in scope, the return page is the way
    assert _state() == before


def test_registering_someone_moved_out_elsewhere_asks_to_confirm_and_shows_nothing_of_there(
    client, staff_user, ledger
):
    client.force_login(staff_user)
    before = _state()
    response = client.post(add_member_url(ledger.next_door), member(ledger.wang))
    assert response.status_code == 200
    body = response.content.decode()
    assert MOVED_OUT_ELSEWHERE in body
    assert TRANSFER_IN_LABEL in body and 'type="checkbox" name="transfer_in"' in body
    assert "北苑" not in body and not ALONE_0901.search(body) and "2024-01-10" not in body
    assert _state() == before


def test_confirming_brings_the_record_moved_out_elsewhere_into_the_household(client, staff_user, ledger):
    client.force_login(staff_user)
    data = member(ledger.wang, relation="sibling", moved_in_on="2025-03-01", phone="13700001111")
    response = client.post(add_member_url(ledger.next_door), data | {"transfer_in": "on"})
    assert response.status_code == 302
    assert Resident.objects.filter(id_number=ledger.wang.id_number).count() == 1
    ledger.wang.refresh_from_db()
    assert (ledger.wang.household, ledger.wang.relation) == (ledger.next_door, "sibling")
    assert (ledger.wang.status, ledger.wang.status_date, ledger.wang.phone) == (
        "active",
        BACK_ON,
        "13700001111",
    )
    change = LedgerChange.objects.get(resident=ledger.wang, action=ChangeAction.RETURN)
    assert change.user == staff_user
    assert change.changes["household"] == [str(ledger.other_household.pk), str(ledger.next_door.pk)]
    # Their page shows the transfer, but nothing of the old community: not its household,
    # nor the history written there.
    page = client.get(reverse("residents:resident_detail", args=[ledger.wang.pk]))
    assert [entry.action for entry in page.context["history"]] == ["修改", "迁回"]
    moved = {row.label: (row.old, row.new) for row in page.context["history"][1].rows}
    assert moved["所在户"] == ("（不在您的管辖范围内）", "户号 0102")
    # (Their own ID number, shown whole to staff, is a factory's and may hold those digits.)
    body = page.content.decode().replace(ledger.wang.id_number, "")
    assert not ALONE_0901.search(body) and "北苑" not in body
    assert "13912345678" not in body and "139****5678" not in body  # the phone recorded there


def test_a_name_not_matching_the_record_moved_out_elsewhere_is_refused(client, staff_user, ledger):
    client.force_login(staff_user)
    before = _state()
    response = client.post(
        add_member_url(ledger.next_door), member(ledger.wang, name="王武") | {"transfer_in": "on"}
    )
    assert response.status_code == 200
    assert "姓名与所填姓名不一致" in response.content.decode()
    assert _state() == before


def test_confirming_without_a_right_to_change_residents_is_refused(client, tree, ledger):
    from django.contrib.auth.models import Permission

    from grid.models import Profile
    from tests.factories import UserFactory

    user = UserFactory(username="adds_only")
    user.save()
    Profile.objects.create(user=user, org_unit=tree.community, role=Role.WINDOW_CLERK)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="residents", codename__in=["view_household", "add_resident"]
        )
    )
    client.force_login(user)
    before = _state()
    response = client.post(add_member_url(ledger.next_door), member(ledger.wang) | {"transfer_in": "on"})
    assert "请联系有权修改居民信息的人员" in response.content.decode()
    assert _state() == before


def test_someone_deceased_or_on_the_ledger_elsewhere_keeps_the_duplicate_error(client, staff_user, ledger):
    deceased = ResidentFactory(household=ledger.other_household, relation="child", name="王小")
    actions.resident_leave(by=None, resident=deceased, status=LedgerStatus.DECEASED, on=LEFT_ON)
    active = ResidentFactory(household=ledger.other_household, relation="spouse", name="王妻")
    client.force_login(staff_user)
    before = _state()
    for person in (deceased, active):
        response = client.post(add_member_url(ledger.next_door), member(person) | {"transfer_in": "on"})
        assert response.context["form"].errors["id_number"] == [OUT_OF_SCOPE_DUPLICATE]
        assert TRANSFER_IN_LABEL not in response.content.decode()
    assert _state() == before


def test_someone_deceased_in_scope_keeps_the_duplicate_error(client, staff_user, ledger):
    deceased = ResidentFactory(household=ledger.next_door, relation="child", name="赵七")
    actions.resident_leave(by=None, resident=deceased, status=LedgerStatus.DECEASED, on=LEFT_ON)
    client.force_login(staff_user)
    response = client.post(add_member_url(ledger.home), member(deceased))
    message = response.context["form"].errors["id_number"][0]
    assert "该身份证号已登记" in message and "死亡" in message and "办理迁回" not in message


def test_editing_someone_to_the_number_of_a_moved_out_record_keeps_the_duplicate_error(
    client, staff_user, ledger
):
    active = ledger.next_door.residents.get(name="赵六")
    client.force_login(staff_user)
    response = client.post(
        reverse("residents:resident_edit", args=[active.pk]), member(ledger.li, name="赵六", relation="head")
    )
    assert "该身份证号已登记" in response.context["form"].errors["id_number"][0]
