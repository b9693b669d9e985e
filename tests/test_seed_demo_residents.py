"""``manage.py seed_demo``'s households and residents.

变电所社区 carries its seed report's figures exactly (2,142 households, 6,476 residents, 1,670 of
them 回, 蒙古, 满, 锡伯 and 朝鲜); the other communities follow the other reports' mixes. Every
ID number is valid and agrees with gender and birth date, families look like families,
building and unit heads live where they head, and a second run adds nothing.

The seed takes seconds, so the module seeds once and every test reads (or changes, inside
its own rolled-back savepoint) the same data; the whole module's data is rolled back at
the end.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from demo.org import BIANDIANSUO
from demo.residents_data import BIANDIANSUO_FIGURES
from grid.models import Building, OrgUnit, Place, PlaceKind, Role, Unit
from residents import idnumber
from residents.duplicates import possible_duplicates
from residents.models import (
    ChangeAction,
    Education,
    Employment,
    FloatingRegistration,
    Gender,
    Household,
    HouseholdKind,
    LedgerStatus,
    Occupation,
    Relation,
    ResidenceStatus,
    Resident,
)
from residents.queries import ledger_figures
from tests.factories import make_person
from tests.ledger_history import LedgerChange

pytestmark = pytest.mark.django_db

BIANDIANSUO_MINORITIES = {"回族", "蒙古族", "满族", "锡伯族", "朝鲜族"}
MOBILE = re.compile(r"^1[3-9]\d{9}$")


@pytest.fixture(autouse=True)
def seed_output(seeded_demo):
    return seeded_demo


def community(name: str) -> OrgUnit:
    return OrgUnit.objects.get(name=name)


def residents_of(unit: OrgUnit):
    return Resident.objects.filter(household__grid__path__startswith=unit.path)


def age(birth: dt.date, on: dt.date | None = None) -> int:
    on = on or timezone.localdate()
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def test_biandiansuo_has_exactly_the_reports_households_residents_and_minorities():
    bds = community(BIANDIANSUO)
    households = Household.objects.filter(community=bds)
    people = residents_of(bds)
    assert households.active().count() == households.count() == BIANDIANSUO_FIGURES.households == 2142
    assert people.active().count() == BIANDIANSUO_FIGURES.residents == 6476
    assert people.active().minority().count() == BIANDIANSUO_FIGURES.minority == 1670
    minorities = Counter(people.active().minority().values_list("ethnicity__name", flat=True))
    assert set(minorities) == BIANDIANSUO_MINORITIES
    # 回, 蒙古 and 满 are the large groups; 锡伯 and 朝鲜 the small ones.
    big = {name for name, _ in minorities.most_common(3)}
    assert big == {"回族", "蒙古族", "满族"}
    assert set(people.values_list("ethnicity__name", flat=True)) == BIANDIANSUO_MINORITIES | {"汉族"}


def test_biandiansuo_has_a_few_people_gone_from_its_ledger_with_where_and_why():
    gone = residents_of(community(BIANDIANSUO)).exclude(status=LedgerStatus.ACTIVE)
    moved = gone.filter(status=LedgerStatus.MOVED_OUT)
    assert moved.count() >= 5 and gone.filter(status=LedgerStatus.DECEASED).count() >= 2
    assert not moved.filter(departure="").exists()
    assert not gone.filter(leaving_reason="").exists()
    # Gone before the two years its reports read, so the report's figures hold (below).
    assert max(gone.values_list("status_date", flat=True)) < timezone.localdate() - dt.timedelta(days=2 * 366)


def test_the_ledger_figures_of_biandiansuo_match_the_report_today_and_a_year_ago():
    bds = community(BIANDIANSUO)
    today = timezone.localdate()
    for day in (today, dt.date(today.year - 1, 12, 31), today - dt.timedelta(days=365)):
        figures = ledger_figures(bds, day)
        assert (figures.households, figures.residents, figures.minority_residents) == (2142, 6476, 1670)
        assert figures.ethnicity_count == 6
        assert str(figures.minority_percent) == "25.8"


def test_every_id_number_is_valid_unique_and_agrees_with_gender_and_birth_date():
    rows = list(Resident.objects.values_list("id_number", "gender", "birth_date", "residence_status"))
    assert len(rows) > 10_000
    assert len({number for number, *_ in rows}) == len(rows)
    liaoning = 0
    for number, gender, birth, status in rows:
        info = idnumber.parse(number)
        assert info.number == number
        assert info.gender == gender
        assert info.birth_date == birth
        if status == ResidenceStatus.REGISTERED_PRESENT:
            liaoning += number.startswith("21")
    registered = sum(status == ResidenceStatus.REGISTERED_PRESENT for *_, status in rows)
    assert liaoning / registered > 0.6  # most locals were born in 辽宁


def test_floating_residents_carry_the_id_numbers_of_where_they_come_from():
    floating = FloatingRegistration.objects.select_related("resident")
    assert floating.exists()
    for registration in floating:
        assert not registration.resident.id_number.startswith("2109")
        assert registration.origin


def test_households_fill_the_buildings_rooms_with_unique_numbers():
    for name in OrgUnit.objects.communities().values_list("name", flat=True):
        households = Household.objects.filter(community__name=name)
        numbers = list(households.values_list("number", flat=True))
        assert len(numbers) == len(set(numbers))
        assert 600 <= len(numbers) <= 2142
        in_buildings = households.filter(building__isnull=False)
        assert in_buildings.count() > 0.9 * len(numbers)
        for household in in_buildings.select_related("building", "unit")[:300]:
            assert re.fullmatch(r"[1-7]0[1-3]", household.room)
            assert household.unit.building_id == household.building_id
            assert household.building.grid_id == household.grid_id
            assert (
                f"{household.building.number}{household.unit.number}{household.room}室" in household.address
            )
    # Every unit has somebody living in it.
    assert not Unit.objects.filter(households__isnull=True).exists()


def test_families_have_one_head_a_spouse_of_the_other_gender_and_younger_children():
    bds = community(BIANDIANSUO)
    households = defaultdict(list)
    on_ledger = residents_of(bds).active()
    for person in on_ledger.values("household_id", "relation", "gender", "birth_date", "name"):
        households[person["household_id"]].append(person)
    sizes = Counter(len(members) for members in households.values())
    assert max(sizes) <= 6 and sizes[3] > sizes[6]
    same_surname = children_of_men = 0
    for members in households.values():
        heads = [p for p in members if p["relation"] == Relation.HEAD]
        assert len(heads) == 1
        head = heads[0]
        assert 30 <= age(head["birth_date"]) <= 86
        spouses = [p for p in members if p["relation"] == Relation.SPOUSE]
        assert len(spouses) <= 1
        for spouse in spouses:
            assert spouse["gender"] != head["gender"]
            assert abs(age(spouse["birth_date"]) - age(head["birth_date"])) <= 6
        for child in (p for p in members if p["relation"] == Relation.CHILD):
            assert 20 <= age(head["birth_date"]) - age(child["birth_date"]) <= 50
            if head["gender"] == Gender.MALE and "·" not in head["name"]:
                children_of_men += 1
                same_surname += child["name"][0] == head["name"][0]
        for parent in (p for p in members if p["relation"] == Relation.PARENT):
            assert age(parent["birth_date"]) - age(head["birth_date"]) >= 20
    assert same_surname / children_of_men > 0.85
    assert 2.9 < BIANDIANSUO_FIGURES.residents / len(households) < 3.1


def test_families_mostly_share_their_minority_ethnicity():
    heads = {
        r.household_id: r
        for r in Resident.objects.filter(relation=Relation.HEAD).minority().select_related("ethnicity")
    }
    spouses = Resident.objects.filter(household_id__in=heads, relation=Relation.SPOUSE)
    children = Resident.objects.filter(household_id__in=heads, relation=Relation.CHILD)
    same_spouse = sum(s.ethnicity_id == heads[s.household_id].ethnicity_id for s in spouses)
    same_child = sum(c.ethnicity_id == heads[c.household_id].ethnicity_id for c in children)
    assert same_spouse / spouses.count() > 0.6  # some mixed marriages
    assert same_spouse < spouses.count()
    assert same_child / children.count() > 0.8


def test_adults_have_mobile_numbers_and_young_children_none():
    today = timezone.localdate()
    for phone, birth, relation in Resident.objects.values_list("phone", "birth_date", "relation"):
        if relation == Relation.HEAD:
            assert MOBILE.match(phone)
        elif age(birth, today) < 14:
            assert phone == ""
        elif phone:
            assert MOBILE.match(phone)
    for phone in Household.objects.values_list("phone", flat=True):
        assert MOBILE.match(phone)


def test_schooling_work_and_politics_follow_age():
    today = timezone.localdate()
    rows = Resident.objects.values_list("birth_date", "education", "employment", "political_status")
    for birth, education, employment, political in rows:
        years = age(birth, today)
        if years < 6:
            assert education == Education.PRESCHOOL and employment == Employment.PRESCHOOL
        elif years < 18:
            assert employment == Employment.STUDENT
            assert education in (Education.PRIMARY, Education.JUNIOR, Education.SENIOR)
        else:
            assert education != Education.PRESCHOOL
        if employment == Employment.RETIRED:
            assert years >= 50
        if political in ("cpc", "cpc_probationary", "democratic_party"):
            assert years >= 18
    party = sum(p == "cpc" for *_, p in rows)
    assert 0.04 < party / len(rows) < 0.12


def test_other_communities_follow_the_other_reports_mixes():
    def mix(name: str) -> tuple[Counter, float]:
        people = residents_of(community(name)).active()
        counts = Counter(people.minority().values_list("ethnicity__name", flat=True))
        return counts, sum(counts.values()) / people.count()

    # 建林社区: 藏, 满, 土, 回, 东乡, 保安, 裕固, 蒙古 — about 3%.
    counts, share = mix("矿建社区")
    assert set(counts) <= {"藏族", "满族", "土族", "回族", "东乡族", "保安族", "裕固族", "蒙古族"}
    assert len(counts) >= 5 and share < 0.07
    # 佐斯腾社区: a quarter minority, 蒙古 and 哈萨克 first, 13 民族 with 汉.
    counts, share = mix("河东社区")
    assert 0.18 < share < 0.35 and {"蒙古族", "哈萨克族", "维吾尔族", "回族"} <= set(counts)
    # 团结西路社区: about 30%, 维吾尔 the largest minority, many floating residents.
    counts, share = mix("北园子社区")
    assert 0.2 < share < 0.4 and counts.most_common(1)[0][0] == "维吾尔族"
    # 碧海社区: under 3% of many small minorities.
    counts, share = mix("康宁社区")
    assert share < 0.06 and len(counts) >= 6 and {"土家族", "苗族", "布依族"} <= set(counts)


def test_floating_residents_are_registered_with_arrival_origin_work_and_landlord():
    floating = Resident.objects.floating()
    assert floating.count() > 300
    assert not floating.filter(floating_registration__isnull=True).exists()
    today = timezone.localdate()
    adults = 0
    for registration in FloatingRegistration.objects.select_related("resident__household"):
        resident = registration.resident
        assert resident.residence_status == ResidenceStatus.FLOATING
        assert resident.birth_date <= registration.arrived_on <= today
        assert registration.landlord_name and MOBILE.match(registration.landlord_phone)
        assert registration.landlord_name == resident.household.landlord_name
        if age(resident.birth_date, today) >= 23 and resident.employment != Employment.RETIRED:
            adults += 1
            assert registration.occupation in (Occupation.BUSINESS, Occupation.LABOUR)
            assert registration.workplace
    assert adults > 100
    # 外来经商少数民族同胞: 回族 拉面 families from 青海化隆 and 甘肃临夏 in 变电所社区.
    halal = FloatingRegistration.objects.filter(
        resident__household__community__name=BIANDIANSUO,
        resident__ethnicity__name="回族",
        occupation=Occupation.BUSINESS,
    )
    assert halal.filter(origin__contains="化隆").exists()
    assert halal.filter(workplace__contains="拉面").exists()


def test_rented_homes_name_their_landlord_who_lives_in_the_community():
    rented = Household.objects.filter(kind__in=[HouseholdKind.RENTAL, HouseholdKind.FLOATING])
    assert rented.count() > 200
    for household in rented.select_related("community")[:200]:
        assert household.landlord_name and MOBILE.match(household.landlord_phone)
        assert Resident.objects.filter(
            household__community=household.community,
            name=household.landlord_name,
            phone=household.landlord_phone,
        ).exists()


def test_people_who_moved_out_or_died_are_dated_with_where_to_and_why():
    gone = Resident.objects.exclude(status=LedgerStatus.ACTIVE)
    assert gone.filter(status=LedgerStatus.MOVED_OUT).exists()
    assert gone.filter(status=LedgerStatus.DECEASED).exists()
    assert not gone.filter(status=LedgerStatus.MOVED_OUT, departure="").exists()
    assert not gone.filter(status=LedgerStatus.DECEASED).exclude(departure="").exists()
    assert not gone.filter(leaving_reason="").exists()
    today = timezone.localdate()
    for person in gone:
        assert person.status_date and person.birth_date <= person.status_date <= today
        assert person.moved_in_on is None or person.moved_in_on <= person.status_date
        assert person.relation != Relation.HEAD
        action = ChangeAction.DEATH if person.status == LedgerStatus.DECEASED else ChangeAction.MOVE_OUT
        assert LedgerChange.objects.filter(resident=person, action=action).exists()
    # Nobody's household is left without a member on the ledger.
    assert not Household.objects.exclude(residents__status=LedgerStatus.ACTIVE).exists()


def test_special_groups_and_household_flags_are_few_and_consistent():
    total = Resident.objects.count()
    for group in Resident.SPECIAL_GROUP_FIELDS:
        n = Resident.objects.filter(**{group: True}).count()
        assert 0 < n < 0.08 * total, group
    today = timezone.localdate()
    for household in Household.objects.filter(is_elderly_alone=True):
        (person,) = household.residents.active()
        assert age(person.birth_date, today) >= 60 and person.is_elderly_alone
    for household in Household.objects.filter(is_dibao=True).prefetch_related("residents")[:50]:
        assert all(person.is_dibao for person in household.residents.all())
    for child in Resident.objects.filter(is_left_behind_child=True).select_related("household"):
        assert age(child.birth_date, today) < 16
        assert child.household.residents.filter(residence_status=ResidenceStatus.REGISTERED_AWAY).exists()


def test_every_household_and_resident_has_its_creation_in_the_history():
    created = LedgerChange.objects.filter(action=ChangeAction.CREATE)
    households = created.filter(parent_id__isnull=True)
    residents = created.filter(parent_id__isnull=False)
    assert households.count() == Household.objects.count()
    assert residents.count() == Resident.objects.count()
    assert not created.filter(user__isnull=False).exists()
    change = residents.first()
    resident = Resident.objects.get(pk=change.record_id)
    assert change.changes["name"] == ["", resident.name]
    assert change.changes["id_number"] == ["", resident.id_number]
    assert (change.parent_id, change.org_unit_id) == (resident.household_id, resident.household.grid_id)
    floating = Resident.objects.filter(residence_status=ResidenceStatus.FLOATING).first()
    floating_change = LedgerChange.objects.get(resident=floating, action=ChangeAction.CREATE)
    assert floating_change.changes["floating_registration.origin"][1]


def test_building_and_unit_heads_are_adults_who_live_there():
    today = timezone.localdate()
    for building in Building.objects.select_related("head__household"):
        head = building.head
        assert head is not None, building
        assert head.household.building_id == building.pk
        assert head.is_active and age(head.birth_date, today) >= 18
        assert (building.head_name, building.head_phone) == (head.name, head.phone)
        assert MOBILE.match(building.head_phone)
    for unit in Unit.objects.select_related("head__household"):
        assert unit.head is not None, unit
        assert unit.head.household.unit_id == unit.pk
        assert (unit.head_name, unit.head_phone) == (unit.head.name, unit.head.phone)


def test_compound_mosque_and_halal_shop_heads_are_residents_of_the_place():
    for compound in Place.objects.filter(kind=PlaceKind.COMPOUND).select_related("head__household"):
        assert compound.head is not None
        assert compound.name in compound.head.household.address
        assert compound.name.startswith(compound.head.name[0])  # 刘家大院 is 老刘's
        # Its tenants rent from the compound's head.
        tenants = Household.objects.filter(grid=compound.grid_id, address__contains=compound.name)
        tenants = tenants.exclude(pk=compound.head.household_id)
        assert tenants.exists()
        assert set(tenants.values_list("landlord_name", flat=True)) == {compound.head.name}
    mosque = Place.objects.select_related("head__ethnicity").get(kind=PlaceKind.RELIGIOUS)
    assert mosque.head.ethnicity.name == "回族" and mosque.head.gender == Gender.MALE
    assert mosque.head_name == mosque.head.name
    for shop in Place.objects.filter(kind=PlaceKind.SHOP, name__contains="清真"):
        owner = shop.head
        assert owner.ethnicity.name == "回族"
        assert owner.floating_registration.workplace == shop.name
    # Schools, enterprises and key units keep the name-only head they were given.
    assert not Place.objects.filter(kind=PlaceKind.SCHOOL, head__isnull=False).exists()


def test_records_pass_model_validation():
    for model in (Household, Resident, FloatingRegistration):
        for order in ("pk", "-pk"):
            for obj in model.objects.order_by(order)[:100]:
                obj.full_clean()


def test_running_again_adds_nothing_and_changes_no_head(seed_output):
    assert "户：新建" in seed_output and "变电所社区" in seed_output

    def state():
        return (
            Household.objects.count(),
            Resident.objects.count(),
            FloatingRegistration.objects.count(),
            LedgerChange.objects.count(),
            list(Building.objects.order_by("pk").values_list("head_id", "head_name")),
            list(Unit.objects.order_by("pk").values_list("head_id", "head_name")),
        )

    before = state()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert state() == before
    assert "户：新建 0" in out.getvalue() and "居民：新建 0" in out.getvalue()


def test_the_benchmark_ledger_never_meets_the_demo_people():
    """The benchmark's generated file imports into a seeded demo: no ID number of the one is
    an ID number of the other, because their sequence codes (digits 15–17) never overlap."""
    from bench.ledger import BENCH_SEQUENCES, HEADERS, LedgerSpec, ledger_rows
    from demo.residents import DEMO_SEQUENCES

    assert not set(BENCH_SEQUENCES) & set(DEMO_SEQUENCES)
    demo_numbers = set(Resident.objects.values_list("id_number", flat=True))
    assert {int(n[14:17]) for n in demo_numbers} <= set(DEMO_SEQUENCES)
    column = HEADERS.index("身份证号")
    bench_numbers = {str(row[column]) for row in ledger_rows(LedgerSpec(rows=2000, households=700))}
    assert {int(n[14:17]) for n in bench_numbers} <= set(BENCH_SEQUENCES)
    assert not bench_numbers & demo_numbers


def test_biandiansuo_has_a_few_possible_duplicates_for_its_staff_to_review():
    staff = make_person(role=Role.STAFF, unit=community(BIANDIANSUO), username="bds_duplicates")
    pairs = possible_duplicates(staff)
    assert len(pairs) == 3
    for pair in pairs:
        assert pair.first.household_id != pair.second.household_id
        assert pair.first.id_number != pair.second.id_number
    assert any(pair.hint.startswith("仅地址码不同") for pair in pairs)
