"""疑似重复登记: the same name and birth date in two households is listed for staff in scope,
and merging or dismissing a pair does what the ledger and the other apps need."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities.models import Attendance, Membership
from core import history
from core.models import Change
from grid.models import Building
from mediation.models import Party
from residents import actions
from residents.duplicates import possible_duplicates
from residents.models import DuplicateDismissal, LedgerStatus, Relation, Resident
from residents.queries import ledger_figures
from services.models import PracticalMatter, Ticket
from tests.factories_activities import make_activity, make_team
from tests.factories_mediation import make_case
from tests.factories_residents import HouseholdFactory, ResidentFactory, make_id_number
from tests.factories_services import make_matter, make_ticket
from tests.ledger_history import LedgerChange

pytestmark = pytest.mark.django_db

BORN = dt.date(1962, 4, 8)
# The same person's number before and after the county's code changed (旧号与新号).
OLD_NUMBER = make_id_number(birth_date=BORN, serial=12, region="110102")
NEW_NUMBER = make_id_number(birth_date=BORN, serial=12, region="110105")


@pytest.fixture
def twice(tree):
    """马玉兰 registered in 0101 (grid) with her old number and in 0202 (grid2) with the new one."""
    first = HouseholdFactory(grid=tree.grid, number="0101")
    second = HouseholdFactory(grid=tree.grid2, number="0202")
    ResidentFactory(household=first, name="户主甲", relation=Relation.HEAD)
    ResidentFactory(household=second, name="户主乙", relation=Relation.HEAD)
    old = ResidentFactory(household=first, name="马玉兰", relation=Relation.SPOUSE, id_number=OLD_NUMBER)
    new = ResidentFactory(household=second, name="马玉兰", relation=Relation.PARENT, id_number=NEW_NUMBER)
    return old, new


def listed(user) -> list[tuple[int, int]]:
    return [(pair.first.pk, pair.second.pk) for pair in possible_duplicates(user)]


# --- finding them ---------------------------------------------------------------------------


def test_it_lists_the_same_name_and_birth_date_in_two_households(twice, staff_user):
    old, new = twice
    pairs = possible_duplicates(staff_user)
    assert [(p.first.pk, p.second.pk) for p in pairs] == [(old.pk, new.pk)]
    assert pairs[0].hint == "仅地址码不同，可能为旧号与新号"


def test_a_typo_in_the_number_is_told_apart_from_an_old_number(tree, staff_user):
    a = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid), name="李强", id_number=make_id_number(serial=3)
    )
    b = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid), name="李强", id_number=make_id_number(serial=4)
    )
    (pair,) = possible_duplicates(staff_user)
    assert (pair.first, pair.second) == (a, b)
    assert pair.hint.startswith("身份证号有") and pair.hint.endswith("位不同，可能有录入错误")


def test_same_name_with_another_birth_date_is_not_listed(tree, staff_user):
    ResidentFactory(
        household=HouseholdFactory(grid=tree.grid), name="李强", id_number=make_id_number(serial=3)
    )
    other_day = make_id_number(birth_date=dt.date(1985, 6, 16), serial=3)
    ResidentFactory(household=HouseholdFactory(grid=tree.grid), name="李强", id_number=other_day)
    assert listed(staff_user) == []


def test_two_of_one_name_and_birth_date_in_one_household_are_not_listed(tree, staff_user):
    home = HouseholdFactory(grid=tree.grid)
    ResidentFactory(household=home, name="双胞胎", id_number=make_id_number(serial=3))
    ResidentFactory(household=home, name="双胞胎", id_number=make_id_number(serial=4))
    assert listed(staff_user) == []


def test_someone_who_left_the_ledger_is_not_listed(twice, staff_user):
    old, _ = twice
    actions.resident_leave(by=staff_user, resident=old, status=LedgerStatus.DECEASED, on=dt.date(2025, 1, 2))
    assert listed(staff_user) == []


def test_a_grid_worker_sees_only_pairs_inside_their_grid(twice, grid_worker, tree):
    old, _ = twice
    assert listed(grid_worker) == []  # the second record is in 二网格, outside their scope
    third = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid),
        name="马玉兰",
        id_number=make_id_number(birth_date=BORN, serial=40),
    )
    assert listed(grid_worker) == [(old.pk, third.pk)]


def test_a_pair_across_two_communities_is_listed_only_above_both(tree, staff_user, admin_user):
    here = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid), name="王芳", id_number=make_id_number(serial=5)
    )
    there = ResidentFactory(
        household=HouseholdFactory(grid=tree.other_grid), name="王芳", id_number=make_id_number(serial=6)
    )
    assert listed(staff_user) == []
    assert listed(admin_user) == [(here.pk, there.pk)]


def test_three_records_of_one_person_make_three_pairs(twice, staff_user, tree):
    old, new = twice
    third = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid),
        name="马玉兰",
        id_number=make_id_number(birth_date=BORN, serial=40),
    )
    assert listed(staff_user) == [(old.pk, new.pk), (old.pk, third.pk), (new.pk, third.pk)]


# --- dismissing -----------------------------------------------------------------------------


def test_a_dismissed_pair_is_not_listed_again(twice, staff_user):
    old, new = twice
    actions.duplicate_dismiss(by=staff_user, first=new, second=old, reason="经入户核实为两人")
    assert listed(staff_user) == []
    dismissal = DuplicateDismissal.objects.get()
    assert (dismissal.first_id, dismissal.second_id, dismissal.dismissed_by) == (old.pk, new.pk, staff_user)
    for resident in (old, new):
        change = LedgerChange.objects.filter(resident=resident).latest("pk")
        assert change.action == "dismiss_duplicate"
        assert change.changes["疑似重复"][1] == "已排除：经入户核实为两人"


def test_dismissing_again_changes_nothing(twice, staff_user):
    old, new = twice
    actions.duplicate_dismiss(by=staff_user, first=old, second=new, reason="两人")
    changes = Change.objects.count()
    actions.duplicate_dismiss(by=staff_user, first=old, second=new, reason="两人")
    assert DuplicateDismissal.objects.count() == 1
    assert Change.objects.count() == changes


def test_dismissing_needs_a_reason(twice, staff_user):
    with pytest.raises(ValidationError) as err:
        actions.duplicate_dismiss(by=staff_user, first=twice[0], second=twice[1], reason="  ")
    assert "请填写排除理由" in str(err.value)
    assert not DuplicateDismissal.objects.exists()


def test_dismissing_a_pair_outside_scope_is_refused(twice, grid_worker):
    with pytest.raises(ValidationError):
        actions.duplicate_dismiss(by=grid_worker, first=twice[0], second=twice[1], reason="两人")
    assert not DuplicateDismissal.objects.exists()


# --- merging --------------------------------------------------------------------------------


def test_merging_takes_the_duplicate_off_the_ledger_without_deleting_it(twice, staff_user, tree):
    old, new = twice
    before = ledger_figures(tree.community, dt.date.today()).residents
    actions.resident_merge(by=staff_user, keep=new, duplicate=old)
    old.refresh_from_db()
    assert (old.status, old.merged_into, old.status_date) == (LedgerStatus.MERGED, new, dt.date.today())
    assert Resident.objects.get(pk=new.pk).status == LedgerStatus.ACTIVE
    assert ledger_figures(tree.community, dt.date.today()).residents == before - 1
    assert listed(staff_user) == []
    merged = LedgerChange.objects.filter(resident=old).latest("pk")
    assert merged.action == "merge"
    assert merged.changes["status"] == ["active", "merged"]
    assert merged.changes["merged_into"] == ["", str(new.pk)]
    kept = LedgerChange.objects.filter(resident=new).latest("pk")
    assert kept.action == "merge"
    assert "户号 0101" in kept.changes["重复登记"][1]


def test_a_merged_record_is_not_counted_on_any_earlier_day_either(twice, staff_user, tree):
    old, new = twice
    last_year = dt.date.today() - dt.timedelta(days=365)
    before = ledger_figures(tree.community, last_year).residents
    actions.resident_merge(by=staff_user, keep=new, duplicate=old)
    assert ledger_figures(tree.community, last_year).residents == before - 1


def test_merging_twice_is_refused_and_changes_nothing(twice, staff_user):
    old, new = twice
    actions.resident_merge(by=staff_user, keep=new, duplicate=old)
    changes = Change.objects.count()
    with pytest.raises(ValidationError) as err:
        actions.resident_merge(by=staff_user, keep=new, duplicate=old)
    assert "无需再处理" in str(err.value)
    assert Change.objects.count() == changes


def test_merging_two_different_names_is_refused(tree, staff_user):
    a = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid), name="甲", id_number=make_id_number(serial=3)
    )
    b = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid), name="乙", id_number=make_id_number(serial=4)
    )
    with pytest.raises(ValidationError):
        actions.resident_merge(by=staff_user, keep=a, duplicate=b)
    assert Resident.objects.active().filter(pk__in=(a.pk, b.pk)).count() == 2


@pytest.fixture
def head_twice(tree):
    """马福, 户主 of 0303 where his wife lives too, and registered again in another household."""
    home = HouseholdFactory(grid=tree.grid, number="0303")
    head = ResidentFactory(
        household=home, name="马福", relation=Relation.HEAD, id_number=make_id_number(serial=3)
    )
    ResidentFactory(household=home, name="马妻", relation=Relation.SPOUSE)
    keep = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid), name="马福", id_number=make_id_number(serial=4)
    )
    return head, keep


def test_merging_a_head_who_leaves_others_behind_is_refused(head_twice, staff_user):
    head, keep = head_twice
    with pytest.raises(ValidationError) as err:
        actions.resident_merge(by=staff_user, keep=keep, duplicate=head)
    assert "更换户主" in str(err.value)
    head.refresh_from_db()
    assert head.status == LedgerStatus.ACTIVE


def test_merging_the_last_member_closes_the_household(tree, staff_user):
    alone = HouseholdFactory(grid=tree.grid, number="0404")
    duplicate = ResidentFactory(household=alone, name="马福", id_number=make_id_number(serial=3))
    keep = ResidentFactory(
        household=HouseholdFactory(grid=tree.grid), name="马福", id_number=make_id_number(serial=4)
    )
    actions.resident_merge(by=staff_user, keep=keep, duplicate=duplicate)
    alone.refresh_from_db()
    assert alone.closed_on == dt.date.today()


def test_a_merged_record_cannot_come_back(twice, staff_user):
    old, new = twice
    actions.resident_merge(by=staff_user, keep=new, duplicate=old)
    with pytest.raises(ValidationError) as err:
        actions.resident_return(
            by=staff_user,
            resident=old,
            household=old.household,
            relation=Relation.CHILD,
            returned_on=dt.date.today(),
        )
    assert "重复登记" in str(err.value)


def test_merging_outside_scope_is_refused(twice, grid_worker):
    old, new = twice
    with pytest.raises(ValidationError):
        actions.resident_merge(by=grid_worker, keep=old, duplicate=new)
    new.refresh_from_db()
    assert new.status == LedgerStatus.ACTIVE


# --- the other apps' records follow the kept one ----------------------------------------------


def test_the_other_apps_records_name_the_kept_record(twice, staff_user, tree):
    old, new = twice
    case = make_case(tree.grid, resident=old)
    ticket = make_ticket(tree.community, resident=old)
    matter = make_matter(tree.community, beneficiaries=[old])
    team = make_team(tree.community, members=[old])
    building = Building.objects.get(pk=tree.building.pk)
    building.head = old
    building.save()

    actions.resident_merge(by=staff_user, keep=new, duplicate=old)

    assert Party.objects.get(case=case).resident_id == new.pk
    assert Ticket.objects.get(pk=ticket.pk).resident_id == new.pk
    assert list(PracticalMatter.objects.get(pk=matter.pk).beneficiaries.all()) == [new]
    assert Membership.objects.get(team=team).resident_id == new.pk
    assert Building.objects.get(pk=building.pk).head_id == new.pk
    # Each re-pointed record has its change in the history, naming the two records.
    party = Party.objects.get(case=case)
    party_change = Change.objects.filter(
        record_type_id=history.content_type_id(Party), record_id=party.pk, action="update"
    ).latest("pk")
    assert party_change.changes == {"resident": [str(old.pk), str(new.pk)]}


def test_where_both_records_signed_in_the_kept_ones_attendance_stands(twice, staff_user, tree):
    old, new = twice
    both = make_activity(tree.community, residents=[old, new])
    only_old = make_activity(tree.community, title="民族团结宣讲", residents=[old])
    actions.resident_merge(by=staff_user, keep=new, duplicate=old)
    assert list(Attendance.objects.filter(activity=both).values_list("resident_id", flat=True)) == [new.pk]
    assert list(Attendance.objects.filter(activity=only_old).values_list("resident_id", flat=True)) == [
        new.pk
    ]
    assert not Attendance.objects.filter(resident=old).exists()


# --- the pages ------------------------------------------------------------------------------
# Who may open them, and 404 outside scope with nothing changed: tests/test_access.py.


def merge_url(a, b) -> str:
    return reverse("residents:duplicate_merge", args=[a.pk, b.pk])


def test_the_list_shows_each_pair_with_masked_numbers(client, twice, staff_user):
    old, new = twice
    client.force_login(staff_user)
    page = client.get(reverse("residents:duplicate_list")).content.decode()
    assert "共 1 组待核实" in page
    assert "0101" in page and "0202" in page
    assert OLD_NUMBER not in page and NEW_NUMBER not in page
    assert old.masked_id_number in page
    assert merge_url(old, new) in page


def test_an_empty_list_says_there_is_nothing_to_review(client, tree, staff_user):
    client.force_login(staff_user)
    page = client.get(reverse("residents:duplicate_list")).content.decode()
    assert "没有待核实的疑似重复登记" in page


def test_staff_merge_a_pair_from_its_page(client, twice, staff_user):
    old, new = twice
    client.force_login(staff_user)
    response = client.post(merge_url(old, new), {"keep": new.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("residents:resident_detail", args=[new.pk])
    old.refresh_from_db()
    assert (old.status, old.merged_into_id) == (LedgerStatus.MERGED, new.pk)


def test_merging_without_choosing_keeps_both(client, twice, staff_user):
    old, new = twice
    client.force_login(staff_user)
    response = client.post(merge_url(old, new), {})
    assert response.status_code == 200
    assert "请选择要保留的记录。" in response.content.decode()
    assert Resident.objects.active().filter(pk__in=(old.pk, new.pk)).count() == 2


def test_a_pair_merged_already_says_so(client, twice, staff_user):
    old, new = twice
    actions.resident_merge(by=staff_user, keep=new, duplicate=old)
    client.force_login(staff_user)
    response = client.post(merge_url(old, new), {"keep": new.pk}, follow=True)
    assert "已经处理" in response.content.decode()
    assert Resident.objects.get(pk=new.pk).status == LedgerStatus.ACTIVE


def test_a_refused_merge_shows_why_and_changes_nothing(client, head_twice, staff_user):
    head, keep = head_twice
    client.force_login(staff_user)
    response = client.post(merge_url(head, keep), {"keep": keep.pk})
    assert response.status_code == 200
    assert "更换户主" in response.content.decode()
    head.refresh_from_db()
    assert head.status == LedgerStatus.ACTIVE


def test_staff_dismiss_a_pair_with_a_reason(client, twice, staff_user):
    old, new = twice
    client.force_login(staff_user)
    url = reverse("residents:duplicate_dismiss", args=[old.pk, new.pk])
    assert "请填写排除理由。" in client.post(url, {"reason": ""}).content.decode()
    assert not DuplicateDismissal.objects.exists()
    response = client.post(url, {"reason": "经入户核实为两人"})
    assert response.status_code == 302
    assert DuplicateDismissal.objects.get().reason == "经入户核实为两人"


def test_the_resident_list_links_to_the_duplicates_for_staff_only(client, twice, staff_user, grid_worker):
    client.force_login(staff_user)
    assert (
        reverse("residents:duplicate_list") in client.get(reverse("residents:resident_list")).content.decode()
    )
    client.force_login(grid_worker)
    assert (
        reverse("residents:duplicate_list")
        not in client.get(reverse("residents:resident_list")).content.decode()
    )


def test_the_merged_records_page_points_at_the_kept_one(client, twice, staff_user):
    old, new = twice
    actions.resident_merge(by=staff_user, keep=new, duplicate=old)
    client.force_login(staff_user)
    page = client.get(reverse("residents:resident_detail", args=[old.pk])).content.decode()
    assert "重复登记已合并" in page
    assert reverse("residents:resident_detail", args=[new.pk]) in page
    assert reverse("residents:resident_edit", args=[old.pk]) not in page


def test_a_group_whose_pairs_were_all_dismissed_makes_room_for_the_next(tree, staff_user):
    def pair(name: str, serial: int) -> tuple[Resident, Resident]:
        return tuple(
            ResidentFactory(
                household=HouseholdFactory(grid=tree.grid),
                name=name,
                id_number=make_id_number(serial=serial + k),
            )
            for k in (0, 1)
        )

    first = pair("甲一", 10)
    second = pair("乙二", 20)
    third = pair("丙三", 30)

    def names(limit: int) -> list[str]:
        return [p.first.name for p in possible_duplicates(staff_user, limit=limit)]

    assert names(2) == sorted([first[0].name, second[0].name, third[0].name])[:2]
    shown_first = possible_duplicates(staff_user, limit=2)[0]
    actions.duplicate_dismiss(
        by=staff_user, first=shown_first.first, second=shown_first.second, reason="两人"
    )
    assert len(names(2)) == 2
    assert shown_first.first.name not in names(2)
