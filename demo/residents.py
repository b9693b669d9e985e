"""Demo households and residents for ``manage.py seed_demo``, after ``demo.org``.

Every community of the demo district gets households in its buildings' rooms and in its
出租大院, with families whose 民族 follow one of the seed reports:

* 变电所社区 is the community of seed 000 and carries its figures exactly: 2,142 households
  and 6,476 residents, 1,670 of them 回, 蒙古, 满, 锡伯 and 朝鲜. Everyone there is on the ledger
  (在册) and every date of arrival lies two years back or more, so the figures hold for
  reports on any day of the last two years too.
* The other communities take the shape of the other reports — 建林社区 (seed 001: 藏, 满, 土,
  回, 东乡, 保安, 裕固, 蒙古, about 3%), 佐斯腾社区 and 团结西路社区 (seed 002: a quarter to a
  third minority, 哈萨克 and 维吾尔 among them, many floating residents), 碧海社区 (seed 002:
  19 small minorities, under 3%) — at this district's scale. Their ledgers also hold people
  who moved out (迁出) or died (死亡), with the date.

Families are planned as families (a 户主 of 30–85, a spouse of similar age, children 20–35
years younger, sometimes an elderly parent or a married child with grandchildren), and the
facts follow from that: ID numbers (GB 11643, valid check character) from birth date,
gender and birthplace; schooling and work from age; 空巢/独居 from who lives together.
Names use Faker's zh_CN surname frequencies and given names, with each 民族's common
surnames and naming customs.

Each community is planned from its own ``Random``, seeded from the shared ``ctx.rng`` whether
or not the community is planned at all, so the stream later steps read is the same on every
run. A community that already has households is left alone: a second run adds nothing.
Rows go in with ``bulk_insert`` (PostgreSQL ``COPY``), each household and resident with the
"新增" history entry the ledger's own actions would have written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from random import Random

from django.utils import timezone

from core import history
from core.history import as_text, snapshot
from core.models import Change
from grid.models import Building, OrgUnit, Place, PlaceKind, Unit
from residents.actions import FLOATING_FIELDS, FLOATING_PREFIX, HOUSEHOLD_FIELDS, LEAVING, RESIDENT_FIELDS
from residents.bulk import bulk_insert
from residents.idnumber import check_char
from residents.models import (
    ChangeAction,
    Education,
    Employment,
    Ethnicity,
    FloatingRegistration,
    Gender,
    Household,
    HouseholdKind,
    LedgerStatus,
    Occupation,
    PoliticalStatus,
    Relation,
    ResidenceStatus,
    Resident,
)

from . import residents_data as data
from .org import DISTRICT_CODE
from .residents_data import HAN, Profile, Weighted
from .steps import DemoContext, Tally, demo_step

MALE, FEMALE = Gender.MALE.value, Gender.FEMALE.value
DEMO_SEQUENCES = range(1, 500)
YEAR = 365.25
# People gone from the ledger of a community whose figures follow a report exactly.
FORMER_MEMBERS = 12
# 疑似重复登记 in 变电所社区 for staff to review (one old number, the others mistyped).
POSSIBLE_DUPLICATES = 3
# In a married couple the 户口 usually names the husband 户主.
COUPLE_HEAD_MALE = 0.85
LOCAL_PREFECTURE = DISTRICT_CODE[:4]  # 2109 阜新市


def _han_given(rng: Random, gender: str, birth_year: int) -> str:
    r = rng.random()
    if birth_year < 1965 and r < 0.3:
        return rng.choice(data.OLD_MALE if gender == MALE else data.OLD_FEMALE)
    if birth_year >= 2006 and r < 0.4:
        return rng.choice(data.YOUNG_MALE if gender == MALE else data.YOUNG_FEMALE)
    if rng.random() < 0.5:
        return rng.choice(data.MALE_GIVEN if gender == MALE else data.FEMALE_GIVEN)
    if gender == MALE:
        return rng.choice(data.MALE_FIRST) + rng.choice(data.SINGLE_MALE)
    return rng.choice(data.FEMALE_FIRST) + rng.choice(data.SINGLE_FEMALE)


def _phone(rng: Random) -> str:
    return f"{rng.choice(data.PHONE_PREFIXES)}{rng.randrange(10**8):08d}"


# --- plans ------------------------------------------------------------------------------------


class Person:
    """One planned resident; the fields the model has, plus the family ties names follow."""

    __slots__ = (
        "relation",
        "gender",
        "age",
        "eth",
        "father",
        "surname_of",
        "surname",
        "given",
        "name",
        "birth_date",
        "region",
        "id_number",
        "phone",
        "residence_status",
        "moved_in_on",
        "origin",
        "political_status",
        "education",
        "employment",
        "groups",
        "languages",
        "status",
        "status_date",
        "departure",
        "departure_place",
        "leaving_reason",
        "floating",
        "household",
        "obj",
    )

    def __init__(self, relation: str, gender: str, age: int):
        self.relation = relation
        self.gender = gender
        self.age = max(0, age)
        self.eth = HAN
        self.father: Person | None = None  # whose name a patronymic carries
        self.surname_of: Person | None = None  # whose surname this person has
        self.surname: str | None = None
        self.given = ""
        self.name = ""
        self.phone = ""
        self.moved_in_on: dt.date | None = None
        self.origin = ""
        self.groups: set[str] = set()
        self.languages = ""
        self.status = LedgerStatus.ACTIVE.value
        self.status_date: dt.date | None = None
        self.departure = ""
        self.departure_place = ""
        self.leaving_reason = ""
        self.floating: dict | None = None
        self.household: Home | None = None
        self.obj: Resident | None = None

    @property
    def is_minority(self) -> bool:
        return self.eth != HAN


@dataclass(eq=False)
class Home:
    """One planned household and where it lives."""

    grid: OrgUnit
    kind: str
    building: Building | None = None
    unit: Unit | None = None
    room: str = ""
    address: str = ""
    number: str = ""
    size: int = 0
    members: list[Person] = field(default_factory=list)
    pin: str = ""  # "imam", "halal_shop", "landlord": planned for a place
    place: Place | None = None
    surname: str | None = None
    eth: str | None = None
    landlord: Person | None = None
    flags: set[str] = field(default_factory=set)
    workplace: str = ""
    occupation: str = ""
    obj: Household | None = None

    @property
    def head(self) -> Person:
        return self.members[0]

    @property
    def is_floating(self) -> bool:
        return self.kind == HouseholdKind.FLOATING


@dataclass(eq=False)
class CommunityPlan:
    community: OrgUnit
    profile: Profile
    homes: list[Home]
    unit_heads: dict[int, tuple[Unit, Person]] = field(default_factory=dict)
    building_heads: dict[int, tuple[Building, Person]] = field(default_factory=dict)
    place_heads: list[tuple[Place, Person]] = field(default_factory=list)

    def people(self) -> Iterable[Person]:
        for home in self.homes:
            yield from home.members


def _compound_rooms(place: Place, rng: Random) -> int:
    """The rooms a 大院 lets, as its note says (出租房屋N间)."""
    match = re.search(r"出租房屋(\d+)间", place.note)
    return int(match.group(1)) if match else rng.randint(4, 8)


# --- families ---------------------------------------------------------------------------------


class _Family:
    def __init__(self, rng: Random, head_gender: str | None, head_ages: tuple[int, int] | None):
        self.rng = rng
        self.head_gender = head_gender
        self.head_ages = head_ages
        self.members: list[Person] = []

    def add(self, relation: str, gender: str, age: int) -> Person:
        person = Person(relation, gender, age)
        self.members.append(person)
        return person

    def gender(self, p_male: float = 0.51) -> str:
        return MALE if self.rng.random() < p_male else FEMALE

    def head(self, ages: tuple[int, int], p_male: float) -> Person:
        ages = self.head_ages or ages
        return self.add(Relation.HEAD, self.head_gender or self.gender(p_male), self.rng.randint(*ages))

    def spouse(self, head: Person) -> Person:
        # Husbands are mostly a little older than their wives.
        gap = self.rng.choice((0, 1, 1, 2, 2, 3, 3, 4, 5, -1, -2))
        age = head.age - gap if head.gender == MALE else head.age + gap
        return self.add(Relation.SPOUSE, FEMALE if head.gender == MALE else MALE, min(max(age, 22), 95))

    def children(self, parents: Sequence[Person], n: int, relation: str = Relation.CHILD) -> list[Person]:
        ref = min(p.age for p in parents)
        father = next((p for p in parents if p.gender == MALE), None)
        mother = next((p for p in parents if p.gender == FEMALE), None)
        first = max(0, ref - self.rng.randint(22, max(22, min(35, ref))))
        kids = []
        for i in range(n):
            age = first if i == 0 else min(max(0, first - self.rng.randint(2, 7)), max(0, ref - 21))
            kid = self.add(relation, self.gender(), age)
            kid.father = father
            # Most children take the father's surname; some their mother's.
            if father and self.rng.random() < 0.92:
                kid.surname_of = father
            elif mother or father:
                kid.surname_of = mother or father
            kids.append(kid)
        return kids

    def parents_of(self, head: Person, n: int) -> list[Person]:
        age = min(head.age + self.rng.randint(22, 33), 96)
        if n == 2:
            father = self.add(Relation.PARENT, MALE, age)
            mother = self.add(
                Relation.PARENT, FEMALE, min(max(age - self.rng.randint(0, 4), head.age + 21), 96)
            )
            father.surname_of = head
            head.father = father
            return [father, mother]
        parent = self.add(Relation.PARENT, self.gender(0.3), age)  # more widowed mothers than fathers
        if parent.gender == MALE:
            parent.surname_of = head
            head.father = parent
        return [parent]

    def married_child(self, head: Person, spouse: Person) -> tuple[Person, Person]:
        ref = min(head.age, spouse.age)
        child = self.children([head, spouse], 1)[0]
        # Old enough to be married: 23 or more, and 22–32 years younger than the parents.
        child.age = max(0, ref - self.rng.randint(22, max(22, min(32, ref - 23))))
        in_law = self.add(Relation.CHILD_IN_LAW, FEMALE if child.gender == MALE else MALE, 0)
        in_law.age = max(22, child.age + self.rng.randint(-3, 3))
        return child, in_law

    def grandchildren(self, child: Person, in_law: Person, n: int) -> list[Person]:
        return self.children([child, in_law], n, Relation.GRANDCHILD)


def _build_family(
    rng: Random,
    size: int,
    *,
    floating: bool,
    head_gender: str | None = None,
    head_ages: tuple[int, int] | None = None,
) -> list[Person]:
    """Members for a household of ``size``, head first, in one of the shapes families take."""
    f = _Family(rng, head_gender, head_ages)
    r = rng.random()
    if floating:
        head = f.head((30, 52), COUPLE_HEAD_MALE)
        if size >= 2:
            spouse = f.spouse(head)
            f.children([head, spouse], size - 2)
        return f.members
    if size == 1:
        if r < 0.55:
            f.head((62, 85), 0.35)  # more widows than widowers live alone
        else:
            f.head((30, 61), 0.55)
    elif size == 2:
        if r < 0.72:
            head = f.head((30, 85), COUPLE_HEAD_MALE)
            f.spouse(head)
        elif r < 0.9:
            head = f.head((52, 80), 0.45)
            f.children([head], 1)
        else:
            head = f.head((30, 50), 0.3)
            f.children([head], 1)
    elif size == 3:
        if r < 0.68:
            head = f.head((30, 72), COUPLE_HEAD_MALE)
            f.children([head, f.spouse(head)], 1)
        elif r < 0.85:
            head = f.head((32, 62), COUPLE_HEAD_MALE)
            f.spouse(head)
            f.parents_of(head, 1)
        else:
            head = f.head((32, 55), 0.3)
            f.children([head], 2)
    elif size == 4:
        head = f.head((30, 62) if r < 0.85 else (50, 72), COUPLE_HEAD_MALE)
        spouse = f.spouse(head)
        if r < 0.6:
            f.children([head, spouse], 2)
        elif r < 0.85:
            f.children([head, spouse], 1)
            f.parents_of(head, 1)
        else:
            f.married_child(head, spouse)
    elif size == 5:
        head = f.head((50, 72) if r < 0.4 else (32, 60), COUPLE_HEAD_MALE)
        spouse = f.spouse(head)
        if r < 0.4:
            f.grandchildren(*f.married_child(head, spouse), 1)
        elif r < 0.7:
            f.children([head, spouse], 2)
            f.parents_of(head, 1)
        else:
            f.children([head, spouse], 1)
            f.parents_of(head, 2)
    else:
        head = f.head((52, 72) if r < 0.5 else (32, 60), COUPLE_HEAD_MALE)
        spouse = f.spouse(head)
        if r < 0.5:
            f.grandchildren(*f.married_child(head, spouse), size - 4)
        else:
            f.children([head, spouse], size - 4)
            f.parents_of(head, 2)
    return f.members


def _spouse_pairs(members: list[Person]) -> Iterable[tuple[Person, Person]]:
    """(the two parents) of each generation with children in the household."""
    by_relation: dict[str, list[Person]] = {}
    for p in members:
        by_relation.setdefault(p.relation, []).append(p)
    head = members[0]
    spouse = by_relation.get(Relation.SPOUSE, [head])[0]
    yield head, spouse
    for child in by_relation.get(Relation.CHILD, []):
        for in_law in by_relation.get(Relation.CHILD_IN_LAW, []):
            yield child, in_law


def _assign_ethnicity(rng: Random, home: Home, mix: Weighted, share: float) -> None:
    """The family's 民族: the head's, usually shared by spouse and children; some mixed marriages."""
    members = home.members
    head = members[0]
    family = home.eth or (mix.draw(rng) if rng.random() < share * 0.9 else HAN)
    head.eth = family
    for p in members[1:]:
        if p.relation == Relation.SPOUSE:
            if home.is_floating or home.pin:
                p.eth = family if rng.random() < 0.92 else HAN
            elif family != HAN:
                r = rng.random()
                p.eth = family if r < 0.72 else (HAN if r < 0.92 else mix.draw(rng))
            else:
                p.eth = mix.draw(rng) if rng.random() < share * 0.35 else HAN
        elif p.relation == Relation.PARENT:
            p.eth = family
        elif p.relation == Relation.CHILD_IN_LAW:
            p.eth = mix.draw(rng) if rng.random() < share else HAN
    # Children of a mixed marriage mostly take the minority parent's 民族.
    for a, b in _spouse_pairs(members):
        kin = Relation.CHILD if a.relation == Relation.HEAD else Relation.GRANDCHILD
        for p in members:
            if p.relation != kin:
                continue
            minority = [q.eth for q in (a, b) if q.is_minority]
            p.eth = minority[0] if minority and rng.random() < 0.9 else (a.eth if not minority else HAN)


def _hit_minority_target(rng: Random, homes: list[Home], target: int, mix: Weighted) -> None:
    """Make the minority count exactly ``target`` by changing spouses' and in-laws' 民族 —
    people whose 民族 no child in the household depends on."""
    count = sum(p.is_minority for h in homes for p in h.members)
    ups, downs = [], []
    for home in homes:
        if home.is_floating or home.pin:
            continue
        head = home.head
        for p in home.members[1:]:
            if p.relation not in (Relation.SPOUSE, Relation.CHILD_IN_LAW):
                continue
            if not p.is_minority:
                ups.append(p)
            elif p.relation == Relation.SPOUSE and head.is_minority:
                kids = [q for q in home.members if q.relation == Relation.CHILD]
                if all(q.eth in (head.eth, HAN) for q in kids):
                    downs.append(p)
    rng.shuffle(ups)
    rng.shuffle(downs)
    while count < target and ups:
        p = ups.pop()
        head = p.household.head
        p.eth = head.eth if head.is_minority and p.relation == Relation.SPOUSE else mix.draw(rng)
        count += 1
    while count > target and downs:
        downs.pop().eth = HAN
        count -= 1
    if count != target:
        raise RuntimeError(f"演示数据无法凑足少数民族人口 {target} 人（现为 {count} 人）。")


# --- the facts that follow from a person's age and household ----------------------------------


def _birth_date(rng: Random, age: int, today: dt.date) -> dt.date:
    return today - dt.timedelta(days=int(age * YEAR) + rng.randrange(365))


# 文化程度 by generation: the young went to university far more often than their grandparents.
EDUCATION_BORN_1985 = Weighted.of(
    (
        (Education.POSTGRADUATE, 3),
        (Education.BACHELOR, 28),
        (Education.COLLEGE, 25),
        (Education.SENIOR, 26),
        (Education.JUNIOR, 18),
    )
)
EDUCATION_BORN_1960 = Weighted.of(
    (
        (Education.BACHELOR, 10),
        (Education.COLLEGE, 14),
        (Education.SENIOR, 36),
        (Education.JUNIOR, 34),
        (Education.PRIMARY, 6),
    )
)
EDUCATION_OLDER = Weighted.of(
    (
        (Education.COLLEGE, 4),
        (Education.SENIOR, 20),
        (Education.JUNIOR, 38),
        (Education.PRIMARY, 30),
        (Education.ILLITERATE, 8),
    )
)
WORKING_AGE = Weighted.of(
    ((Employment.EMPLOYED, 55), (Employment.FLEXIBLE, 22), (Employment.UNEMPLOYED, 7), (Employment.OTHER, 16))
)


def _schooling(rng: Random, p: Person) -> None:
    age, year = p.age, p.birth_date.year
    retire_age = 60 if p.gender == MALE else rng.choice((50, 55))
    if age < 6:
        p.education, p.employment = Education.PRESCHOOL, Employment.PRESCHOOL
        return
    if age < 12:
        p.education, p.employment = Education.PRIMARY, Employment.STUDENT
        return
    if age < 15:
        p.education, p.employment = Education.JUNIOR, Employment.STUDENT
        return
    if age < 18:
        p.education, p.employment = Education.SENIOR, Employment.STUDENT
        return
    if age < 23 and rng.random() < 0.55:
        p.education = rng.choice((Education.COLLEGE, Education.BACHELOR, Education.BACHELOR))
        p.employment = Employment.STUDENT
        return
    p.education = (
        EDUCATION_BORN_1985 if year >= 1985 else EDUCATION_BORN_1960 if year >= 1960 else EDUCATION_OLDER
    ).draw(rng)
    if age < 23 and p.education in (Education.BACHELOR, Education.POSTGRADUATE):
        p.education = Education.SENIOR
    if age >= retire_age:
        p.employment = Employment.RETIRED if rng.random() < 0.85 else Employment.OTHER
    else:
        p.employment = WORKING_AGE.draw(rng)


def _politics(rng: Random, p: Person) -> None:
    r = rng.random()
    party = 0.12 if p.age >= 55 else 0.07
    if p.age >= 18 and r < party:
        p.political_status = PoliticalStatus.CPC_MEMBER
    elif p.age >= 18 and r < party + 0.004:
        p.political_status = PoliticalStatus.CPC_PROBATIONARY
    elif p.age >= 18 and r < party + 0.007:
        p.political_status = PoliticalStatus.DEMOCRATIC_PARTY
    elif 14 <= p.age <= 28 and r < 0.5:
        p.political_status = PoliticalStatus.CYL_MEMBER
    else:
        p.political_status = PoliticalStatus.MASSES


def _languages(rng: Random, p: Person) -> str:
    if p.age < 2:
        return ""
    second = data.LANGUAGES.get(p.eth)
    if second and rng.random() < second[1] * (1.3 if p.age >= 50 else 0.8):
        return f"汉语、{second[0]}"
    return "汉语"


# --- planning a community ---------------------------------------------------------------------


class _Planner:
    """One community's plan: rooms, households, families, their facts, and who heads what.
    Reads the community's buildings, units and places; writes nothing."""

    def __init__(self, rng: Random, community: OrgUnit, grids: list[OrgUnit], profile: Profile, env: _Env):
        self.rng = rng
        self.community = community
        self.grids = grids
        self.profile = profile
        self.env = env
        self.mix = Weighted.of(profile.minorities)
        self.floating_mix = Weighted.of(profile.floating)
        self.sizes = Weighted(range(1, 7), profile.sizes)
        grid_index = {g.pk: i for i, g in enumerate(grids)}
        self.grid_index = grid_index
        self.grid_by_id = {g.pk: g for g in grids}
        self.buildings = sorted(
            Building.objects.filter(grid__in=grids).prefetch_related("units"),
            key=lambda b: (grid_index[b.grid_id], b.position, b.number),
        )
        self.places = sorted(
            Place.objects.filter(grid__in=grids), key=lambda p: (grid_index[p.grid_id], p.kind, p.name)
        )

    # where households live

    def _rooms(self) -> list[tuple[Building, Unit, list[str]]]:
        rooms = []
        for building in self.buildings:
            # Old five- to seven-storey blocks, two (sometimes three) doors a landing.
            floors = self.rng.choice((5, 6, 6, 7))
            doors = 3 if self.rng.random() < 0.15 else 2
            for unit in sorted(building.units.all(), key=lambda u: (u.position, u.number)):
                numbers = [f"{f}{d:02d}" for f in range(1, floors + 1) for d in range(1, doors + 1)]
                rooms.append((building, unit, numbers))
        return rooms

    def _compound_homes(self) -> list[Home]:
        """Each 出租大院: its landlord's family, and tenants in most of its rooms."""
        homes = []
        for place in self.places:
            if place.kind != PlaceKind.COMPOUND:
                continue
            grid = self.grid_by_id[place.grid_id]
            let = _compound_rooms(place, self.rng)
            landlord = Home(grid=grid, kind=HouseholdKind.REGISTERED, pin="landlord", place=place)
            landlord.surname = place.name.removesuffix("家大院") or None
            landlord.eth = self._eth_of_surname(landlord.surname)
            landlord.size = self.rng.randint(2, 4)
            here = [landlord]
            for _ in range(max(1, let - self.rng.randint(0, 2))):
                kind = HouseholdKind.FLOATING if self.rng.random() < 0.6 else HouseholdKind.RENTAL
                here.append(Home(grid=grid, kind=kind, place=place))
            for i, home in enumerate(here, start=1):
                home.room = f"{i}号房"
                home.address = f"{place.address}{place.name}{i}号房"
            homes += here
        return homes

    def _eth_of_surname(self, surname: str | None) -> str:
        """A family known by its surname (富家大院) is often of the 民族 that surname is common in."""
        for eth, _ in self.profile.minorities:
            pool = data.ETHNIC_SURNAMES.get(eth)
            if surname and pool and surname in pool[0] and self.rng.random() < 0.6:
                return eth
        return HAN

    def _building_homes(self, count: int) -> list[Home]:
        rooms = self._rooms()
        capacity = sum(len(r) for _, _, r in rooms)
        count = min(count, capacity)
        # Every unit has somebody in it (its 单元长 lives there); the rest spread at random.
        chosen: list[tuple[int, str]] = []
        rest: list[tuple[int, str]] = []
        for i, (_, _, numbers) in enumerate(rooms):
            first = self.rng.choice(numbers)
            chosen.append((i, first))
            rest.extend((i, n) for n in numbers if n != first)
        self.rng.shuffle(rest)
        if count < len(chosen):
            chosen = self.rng.sample(chosen, count)
        else:
            chosen += rest[: count - len(chosen)]
        chosen.sort(key=lambda c: (c[0], int(c[1])))
        p = self.profile
        kinds = Weighted.of(
            (
                (HouseholdKind.REGISTERED, 1 - p.floating_share - p.rental_share - p.resident_share),
                (HouseholdKind.RESIDENT, p.resident_share),
                (HouseholdKind.RENTAL, p.rental_share),
                (HouseholdKind.FLOATING, p.floating_share),
            )
        )
        homes = []
        for i, room in chosen:
            building, unit, _ = rooms[i]
            homes.append(
                Home(
                    grid=self.grid_by_id[building.grid_id],
                    kind=kinds.draw(self.rng),
                    building=building,
                    unit=unit,
                    room=room,
                    address=f"{building.address}{building.number}{unit.number}{room}室",
                )
            )
        return homes

    def _pin_place_homes(self, homes: list[Home]) -> None:
        """The mosque's 阿訇 and the 清真 shops' families live in the place's grid."""
        for place in self.places:
            halal = place.kind == PlaceKind.SHOP and ("清真" in place.name or "拉面" in place.name)
            if place.kind != PlaceKind.RELIGIOUS and not halal:
                continue
            free = [h for h in homes if h.grid.pk == place.grid_id and not h.pin and h.building]
            if not free:
                continue
            home = self.rng.choice(free)
            home.place = place
            home.eth = "回族"
            if halal:
                home.pin = "halal_shop"
                home.kind = HouseholdKind.FLOATING
                home.surname = place.name.partition("记")[0] if "记" in place.name else None
                home.workplace = place.name
                home.occupation = Occupation.BUSINESS
                home.size = self.rng.randint(2, 4)
            else:
                home.pin = "imam"
                home.kind = HouseholdKind.REGISTERED
                home.surname = self.rng.choice("马马白丁哈穆")
                home.size = self.rng.randint(2, 5)

    def _sizes(self, homes: list[Home]) -> None:
        rental = Weighted(range(1, 5), (25, 30, 30, 15))
        floating = Weighted(range(1, 5), (35, 30, 20, 15))
        for home in homes:
            if home.size:
                continue
            if home.kind == HouseholdKind.FLOATING:
                home.size = floating.draw(self.rng)
            elif home.kind == HouseholdKind.RENTAL:
                home.size = rental.draw(self.rng)
            else:
                home.size = self.sizes.draw(self.rng)
        exact = self.profile.exact
        if exact is None:
            return
        adjustable = [
            h for h in homes if not h.pin and h.kind in (HouseholdKind.REGISTERED, HouseholdKind.RESIDENT)
        ]
        total = sum(h.size for h in homes)
        while total != exact.residents:
            home = self.rng.choice(adjustable)
            if total < exact.residents and home.size < 6:
                home.size += 1
                total += 1
            elif total > exact.residents and home.size > 1:
                home.size -= 1
                total -= 1

    def _numbers(self, homes: list[Home]) -> None:
        """户号: the grid's two digits and the household's place in it, unique in the community."""
        seq: dict[int, int] = {}
        for home in homes:
            n = seq[home.grid.pk] = seq.get(home.grid.pk, 0) + 1
            home.number = f"{self.grid_index[home.grid.pk] + 1:02d}{n:04d}"

    # who lives there

    def _families(self, homes: list[Home]) -> None:
        for home in homes:
            floating = home.is_floating
            head_gender = MALE if home.pin in ("imam", "halal_shop") else None
            head_ages = {"imam": (45, 68), "landlord": (45, 72)}.get(home.pin)
            home.members = _build_family(
                self.rng, home.size, floating=floating, head_gender=head_gender, head_ages=head_ages
            )
            for p in home.members:
                p.household = home
            if home.surname:
                home.head.surname = home.surname
            mix = self.floating_mix if floating else self.mix
            if floating and not home.eth:
                home.eth = self.floating_mix.draw(self.rng)
            _assign_ethnicity(self.rng, home, mix, self.profile.minority_share)

    def _settle(self, home: Home) -> None:
        """Where the family comes from, when they arrived, and their status on the ledger."""
        rng, today, floor = self.rng, self.env.today, self.profile.settled_days
        head = home.head
        family = head.eth
        native = home.kind == HouseholdKind.REGISTERED and family in data.NATIVE and home.pin != "halal_shop"
        if native and rng.random() < 0.55:
            region, arrived = data.LOCAL.draw(rng), None
        else:
            if home.kind == HouseholdKind.FLOATING:
                span = (floor + 60, floor + 6 * 365)
            elif home.kind == HouseholdKind.RENTAL:
                span = (floor + 90, floor + 8 * 365)
            elif home.kind == HouseholdKind.RESIDENT:
                span = (floor + 365, floor + 20 * 365)
            else:
                span = (floor + 2 * 365, floor + 35 * 365)
            latest = max(span[0], int((head.age - 18) * YEAR))
            arrived = today - dt.timedelta(days=rng.randint(span[0], min(span[1], latest)))
            if home.pin == "halal_shop":
                region = "630224"  # 化隆: the 拉面 county
            elif family in data.HOMES and (family not in data.NATIVE or rng.random() < 0.3):
                region = data.HOMES[family].draw(rng)
            else:
                region = data.NEARBY.draw(rng)
            if home.kind == HouseholdKind.FLOATING and region.startswith(LOCAL_PREFECTURE):
                region = data.NEARBY.draw(rng)  # 流动人口 come from outside 阜新
        status = {
            HouseholdKind.REGISTERED: ResidenceStatus.REGISTERED_PRESENT,
            HouseholdKind.RESIDENT: ResidenceStatus.NONLOCAL_RESIDENT,
            HouseholdKind.RENTAL: ResidenceStatus.NONLOCAL_RESIDENT,
            HouseholdKind.FLOATING: ResidenceStatus.FLOATING,
        }[home.kind]
        for p in home.members:
            p.birth_date = _birth_date(rng, p.age, today)
            p.residence_status = status
            p.region = region
            if arrived is None:
                # Born here or here for good; a spouse or in-law often moved in on marrying.
                if p.relation in (Relation.SPOUSE, Relation.CHILD_IN_LAW) and rng.random() < 0.5:
                    p.region = data.LOCAL.draw(rng)
                    if p.region != DISTRICT_CODE:
                        married = p.birth_date + dt.timedelta(days=int(rng.randint(22, 28) * YEAR))
                        p.moved_in_on = min(married, today - dt.timedelta(days=floor + 30))
                        p.origin = data.PLACE_NAMES[p.region]
            elif p.birth_date < arrived:
                p.moved_in_on = arrived
                p.origin = data.PLACE_NAMES[region]
            elif home.kind == HouseholdKind.REGISTERED:
                p.region = DISTRICT_CODE  # born after the family moved here
        young = [p for p in home.members if p.relation == Relation.GRANDCHILD and p.age < 16]
        if home.kind == HouseholdKind.REGISTERED and young and rng.random() < 0.12:
            # Parents working away, the grandparents raising the children: 留守儿童.
            for child, in_law in list(_spouse_pairs(home.members))[1:]:
                child.residence_status = in_law.residence_status = ResidenceStatus.REGISTERED_AWAY
                for p in home.members:
                    if p.relation == Relation.GRANDCHILD and p.age < 16:
                        p.groups.add("is_left_behind_child")
        elif home.kind == HouseholdKind.REGISTERED:
            for p in home.members[1:]:
                if 19 <= p.age <= 40 and p.relation == Relation.CHILD and rng.random() < 0.06:
                    p.residence_status = ResidenceStatus.REGISTERED_AWAY

    def _name(self, p: Person) -> None:
        rng = self.rng
        year = p.birth_date.year
        if p.eth == "藏族":
            if p.gender == MALE:
                first, second = rng.sample(data.TIBETAN_MALE, 2)
            else:
                first, second = (
                    rng.choice(data.TIBETAN_MALE + data.TIBETAN_FEMALE),
                    rng.choice(data.TIBETAN_FEMALE),
                )
            p.given = p.name = first + second if first != second else first
            return
        if p.eth in data.PATRONYMIC:
            male, female = data.PATRONYMIC[p.eth]
            p.given = rng.choice(male if p.gender == MALE else female)
            father = p.father.given if p.father and p.father.given and p.father.eth in data.PATRONYMIC else ""
            p.name = f"{p.given}·{father or rng.choice(male)}"
            return
        if p.eth == "蒙古族" and rng.random() < 0.15:
            p.given = p.name = rng.choice(data.MONGOL_MALE if p.gender == MALE else data.MONGOL_FEMALE)
            return
        p.given = _han_given(rng, p.gender, year)
        p.name = self._surname(p) + p.given

    def _surname(self, p: Person) -> str:
        if p.surname is None:
            source = p.surname_of
            inherited = self._surname(source) if source is not None and source.eth != "藏族" else ""
            if not inherited:
                pool = data.ETHNIC_SURNAMES.get(p.eth)
                inherited = (
                    self.rng.choice(pool[0])
                    if pool and self.rng.random() < pool[1]
                    else data.HAN_SURNAMES.draw(self.rng)
                )
            p.surname = inherited
        return p.surname

    def _person_facts(self, home: Home, p: Person) -> None:
        rng = self.rng
        p.id_number = self.env.id_number(rng, p.region, p.birth_date, p.gender)
        adult = p.age >= 18 and rng.random() < (0.6 if p.age >= 80 else 0.95)
        teenager = 14 <= p.age < 18 and rng.random() < 0.5
        if p.relation == Relation.HEAD or adult or teenager:
            p.phone = _phone(rng)
        _schooling(rng, p)
        _politics(rng, p)
        p.languages = _languages(rng, p)
        if rng.random() < (0.04 if p.age >= 60 else 0.01):
            p.groups.add("is_disabled")
        if p.age >= 55 and rng.random() < (0.03 if p.gender == MALE else 0.004):
            p.groups.add("is_entitled")  # 优抚对象: veterans and martyrs' families
        if home.is_floating:
            self._floating(home, p)

    def _floating(self, home: Home, p: Person) -> None:
        rng = self.rng
        if not home.occupation:
            if home.head.eth in data.HALAL_PEOPLE and rng.random() < 0.85:
                home.occupation, home.workplace = Occupation.BUSINESS, rng.choice(data.HALAL_WORK)
            elif home.head.eth in data.XINJIANG_PEOPLE and rng.random() < 0.7:
                home.occupation, home.workplace = Occupation.BUSINESS, rng.choice(data.XINJIANG_WORK)
            elif rng.random() < 0.3:
                home.occupation, home.workplace = Occupation.BUSINESS, rng.choice(data.BUSINESS_WORK)
            else:
                home.occupation, home.workplace = Occupation.LABOUR, rng.choice(data.LABOUR_WORK)
        if p.employment in (Employment.STUDENT, Employment.PRESCHOOL):
            occupation, workplace = (Occupation.STUDY if p.employment == Employment.STUDENT else ""), ""
        elif p.employment == Employment.RETIRED:
            occupation, workplace = Occupation.OTHER, ""
        else:
            occupation, workplace = home.occupation, home.workplace
            p.employment = Employment.FLEXIBLE if occupation == Occupation.BUSINESS else Employment.EMPLOYED
        p.floating = {
            # A child born here arrived on its birthday; its ledger entry has no 迁入日期.
            "arrived_on": p.moved_in_on or p.birth_date,
            "origin": data.PLACE_NAMES[p.region],
            "expected_stay": data.EXPECTED_STAY.draw(rng),
            "occupation": occupation,
            "workplace": workplace,
        }

    def _household_facts(self, home: Home) -> None:
        rng = self.rng
        members = home.members
        head = home.head
        if len(members) == 1 and head.age >= 60:
            home.flags.add("is_elderly_alone")
            head.groups.add("is_elderly_alone")
        elif (
            len(members) == 2 and members[1].relation == Relation.SPOUSE and min(p.age for p in members) >= 60
        ):
            home.flags.add("is_empty_nest")
            for p in members:
                p.groups.add("is_empty_nest")
        if home.kind in (HouseholdKind.REGISTERED, HouseholdKind.RESIDENT) and not home.pin:
            poor = "is_elderly_alone" in home.flags or head.employment == Employment.UNEMPLOYED
            if rng.random() < (0.07 if poor else 0.02):
                home.flags.add("is_dibao")
                for p in members:
                    p.groups.add("is_dibao")
            if rng.random() < (0.5 if "is_dibao" in home.flags else 0.01):
                home.flags.add("is_hardship")

    def _landlords(self, homes: list[Home]) -> None:
        owners = [h.head for h in homes if h.kind == HouseholdKind.REGISTERED and not h.pin and h.head.phone]
        compound_owner = {h.place.pk: h.head for h in homes if h.pin == "landlord"}
        for home in homes:
            if home.kind not in (HouseholdKind.RENTAL, HouseholdKind.FLOATING):
                continue
            if home.building is None and home.place is not None:
                home.landlord = compound_owner[home.place.pk]
            elif owners:
                home.landlord = self.rng.choice(owners)
            for p in home.members:
                if p.floating is not None and home.landlord:
                    p.floating["landlord_name"] = home.landlord.name
                    p.floating["landlord_phone"] = home.landlord.phone

    def _leavers(self, homes: list[Home]) -> None:
        """迁出 and 死亡: a grown child leaves, an old parent dies; the household stays."""
        rng, today = self.rng, self.env.today
        for home in homes:
            if len(home.members) < 3 or home.is_floating or home.pin:
                continue
            gone = 0
            for p in home.members[1:]:
                if len(home.members) - gone <= 2:
                    break
                if p.relation == Relation.PARENT and p.age >= 70 and rng.random() < 0.1:
                    status = LedgerStatus.DECEASED
                elif (
                    p.relation in (Relation.CHILD, Relation.GRANDCHILD, Relation.CHILD_IN_LAW)
                    and 18 <= p.age <= 40
                    and rng.random() < 0.05
                ):
                    status = LedgerStatus.MOVED_OUT
                else:
                    continue
                gone += 1
                earliest = max(
                    p.birth_date, p.moved_in_on or p.birth_date, today - dt.timedelta(days=3 * 365)
                )
                self._leave(
                    p, status, earliest + dt.timedelta(days=rng.randint(0, max(0, (today - earliest).days)))
                )

    def _leave(self, p: Person, status: str, on: dt.date) -> None:
        """``p`` leaves the ledger on ``on``, with the 去向 and 原因 a ledger keeps."""
        p.status, p.status_date = status, on
        p.groups.discard("is_left_behind_child")
        if status == LedgerStatus.DECEASED:
            p.leaving_reason = self.rng.choice(data.DEATH_REASONS)
            return
        p.departure, p.departure_place = data.DEPARTURES.draw(self.rng)
        p.leaving_reason = self.rng.choice(data.MOVE_OUT_REASONS)

    def _former_members(self, homes: list[Home], count: int) -> None:
        """A community whose figures follow a report exactly still has people gone from its
        ledger, so that 迁回 can be seen there: a grown child who moved away, a parent who
        died, added beside the report's residents and gone before any period a report of
        the last two years reads, so its figures stay the report's."""
        rng, today = self.rng, self.env.today
        settled = self.profile.settled_days
        candidates = [
            h for h in homes if h.kind == HouseholdKind.REGISTERED and not h.pin and 30 <= h.head.age <= 75
        ]
        for k, home in enumerate(rng.sample(candidates, min(count, len(candidates)))):
            head = home.head
            moving = k % 3 != 2  # two moved out for each death
            if moving:
                p = Person(Relation.CHILD, rng.choice((MALE, FEMALE)), max(0, head.age - rng.randint(22, 28)))
                if p.age < 20:
                    continue
                p.father = head if head.gender == MALE else None
                p.surname_of = head
            else:
                p = Person(
                    Relation.PARENT, rng.choice((MALE, FEMALE)), min(head.age + rng.randint(24, 30), 98)
                )
                p.surname_of = head if p.gender == MALE else None
            p.eth = head.eth
            p.household = home
            p.birth_date = _birth_date(rng, p.age, today)
            p.region = head.region
            p.residence_status = head.residence_status
            self._name(p)
            self._person_facts(home, p)
            left = today - dt.timedelta(days=rng.randint(settled + 40, settled + 3 * 365))
            self._leave(
                p, LedgerStatus.MOVED_OUT if moving else LedgerStatus.DECEASED, max(left, p.birth_date)
            )
            home.members.append(p)

    def _possible_duplicates(self, homes: list[Home], count: int) -> None:
        """A woman registered in her parents' household and again in her husband's, under an
        old number or a mistyped one: the same name and birth date in two households, for
        staff to review (疑似重复登记). Made of residents already planned, a daughter and a
        wife of the same 民族 and nearly the same age, so the community's figures stay the
        report's; the wife takes the daughter's name, birth date and a number that differs."""
        rng = self.rng

        def women(relation: str) -> list[tuple[Home, Person]]:
            return [
                (h, p)
                for h in homes
                if not h.pin and not h.is_floating
                for p in h.members
                if p.relation == relation and p.gender == FEMALE and 25 <= p.age <= 45
            ]

        daughters, wives = women(Relation.CHILD), women(Relation.SPOUSE)
        rng.shuffle(daughters)
        used: set[int] = set()
        for home, daughter in daughters:
            if len(used) >= 2 * count:
                break
            match = next(
                (
                    (h, p)
                    for h, p in wives
                    if h is not home
                    and id(h) not in used
                    and p.eth == daughter.eth
                    and abs(p.age - daughter.age) <= 2
                    and abs(h.head.age - daughter.age) <= 6
                    and (p.moved_in_on is None or p.moved_in_on >= daughter.birth_date)
                ),
                None,
            )
            if match is None or id(home) in used:
                continue
            wife_home, wife = match
            first = not used  # the first pair has the old number, the others a mistyped one
            used |= {id(home), id(wife_home)}
            wife.name, wife.given, wife.surname = daughter.name, daughter.given, daughter.surname
            wife.birth_date, wife.age = daughter.birth_date, daughter.age
            region = daughter.region[:4] + ("21" if daughter.region[4:] != "21" else "22")
            wife.id_number = self._variant_number(daughter.id_number, old_region=region if first else None)

    def _variant_number(self, number: str, *, old_region: str | None) -> str:
        """``number`` under another county code (an old number), or with its sequence mistyped
        (the same parity: the same gender); never one already taken."""
        sequence = int(number[14:17])
        bodies = [old_region + number[6:17]] if old_region else []
        # Adding an even step modulo an even number keeps the parity; 1–498 as DEMO_SEQUENCES.
        bodies += [number[:14] + f"{(sequence + step - 1) % 498 + 1:03d}" for step in range(2, 498, 2)]
        for body in bodies:
            candidate = body + check_char(body)
            if candidate not in self.env.taken:
                self.env.taken.add(candidate)
                return candidate
        raise RuntimeError("没有可用的身份证号。")

    def _place_heads(self, plan: CommunityPlan) -> None:
        """The 大院's landlord, the mosque's 阿訇 and the shopkeepers who live here head their places."""
        pinned = {h.place.pk: h.head for h in plan.homes if h.pin and h.place}
        locals_by_grid: dict[int, list[Person]] = {}
        for home in plan.homes:
            if home.kind == HouseholdKind.REGISTERED and not home.pin and home.building:
                head = home.head
                if 30 <= head.age <= 58 and head.phone and head.employment != Employment.RETIRED:
                    locals_by_grid.setdefault(home.grid.pk, []).append(head)
        used: set[int] = set()
        for place in self.places:
            if place.head_id:
                continue
            person = pinned.get(place.pk)
            if person is None and place.kind == PlaceKind.SHOP and self.rng.random() < 0.7:
                candidates = [p for p in locals_by_grid.get(place.grid_id, []) if id(p) not in used]
                if candidates:
                    person = self.rng.choice(candidates)
                    person.employment = Employment.FLEXIBLE  # 个体经营
            if person is not None:
                used.add(id(person))
                plan.place_heads.append((place, person))

    def _unit_heads(self, plan: CommunityPlan) -> None:
        """单元长 and 楼栋长: settled adults of the stairway; party members and (as the seeds
        do) minority residents are asked more often."""
        by_unit: dict[int, list[Person]] = {}
        for home in plan.homes:
            if home.unit is None:
                continue
            for p in home.members:
                if p.status == LedgerStatus.ACTIVE and p.phone and p.age >= 18:
                    by_unit.setdefault(home.unit.pk, []).append(p)

        def weight(p: Person) -> float:
            w = 1.0 if 35 <= p.age <= 72 else 0.05
            w *= 3 if p.relation == Relation.HEAD else 1
            w *= (
                0.05
                if p.residence_status in (ResidenceStatus.FLOATING, ResidenceStatus.REGISTERED_AWAY)
                else 1
            )
            w *= 3 if p.political_status == PoliticalStatus.CPC_MEMBER else 1
            return w * (1.5 if p.is_minority else 1)

        def choose(people: list[Person]) -> Person | None:
            return Weighted(people, [weight(p) for p in people]).draw(self.rng) if people else None

        for building in self.buildings:
            in_building = []
            for unit in sorted(building.units.all(), key=lambda u: (u.position, u.number)):
                people = by_unit.get(unit.pk, [])
                in_building += people
                head = choose(people)
                if head is not None and unit.head_id is None:
                    plan.unit_heads[unit.pk] = (unit, head)
            head = choose(in_building)
            if head is not None and building.head_id is None:
                plan.building_heads[building.pk] = (building, head)

    def plan(self) -> CommunityPlan:
        compounds = self._compound_homes()
        exact = self.profile.exact
        if exact is not None:
            count = exact.households - len(compounds)
        else:
            count = self.rng.randint(*self.profile.households) - len(compounds)
        homes = self._building_homes(count)
        self._pin_place_homes(homes)
        homes += compounds
        if exact is not None and len(homes) != exact.households:
            raise RuntimeError(f"{self.community.name}的楼栋容纳不下 {exact.households} 户。")
        self._numbers(homes)
        self._sizes(homes)
        self._families(homes)
        if exact is not None:
            _hit_minority_target(self.rng, homes, exact.minority, self.mix)
        for home in homes:
            self._settle(home)
            for p in home.members:  # head first: a father is named before his children
                self._name(p)
            for p in home.members:
                self._person_facts(home, p)
            self._household_facts(home)
        self._landlords(homes)
        if self.profile.leavers:
            self._leavers(homes)
        else:
            self._former_members(homes, FORMER_MEMBERS)
            self._possible_duplicates(homes, POSSIBLE_DUPLICATES)
        plan = CommunityPlan(self.community, self.profile, homes)
        self._place_heads(plan)
        self._unit_heads(plan)
        return plan


class _Env:
    """What all communities share: today, the 民族 table and the ID numbers already taken."""

    def __init__(self):
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.ethnicity_ids = dict(Ethnicity.objects.values_list("name", "pk"))
        self.taken = set(Resident.objects.values_list("id_number", flat=True))

    def id_number(self, rng: Random, region: str, birth: dt.date, gender: str) -> str:
        """GB 11643: region, birth date, a sequence whose last digit is odd for men, check character.

        Sequences stay within 001–499 (``DEMO_SEQUENCES``); the benchmark's generated ledger
        takes 500–999, so it can be imported into a seeded demo without meeting its people."""
        while True:
            sequence = rng.randrange(1, 250) * 2 - (1 if gender == MALE else 0)
            body = f"{region}{birth:%Y%m%d}{sequence:03d}"
            number = body + check_char(body)
            if number not in self.taken:
                self.taken.add(number)
                return number


# --- writing ----------------------------------------------------------------------------------


def _write(plan: CommunityPlan, env: _Env, tally: Tally) -> None:
    community = plan.community
    households = []
    for home in plan.homes:
        landlord = home.landlord
        home.obj = Household(
            community_id=community.pk,
            grid_id=home.grid.pk,
            building_id=home.building.pk if home.building else None,
            unit_id=home.unit.pk if home.unit else None,
            room=home.room,
            address=home.address,
            number=home.number,
            kind=home.kind,
            phone=home.head.phone,
            landlord_name=landlord.name if landlord else "",
            landlord_phone=landlord.phone if landlord else "",
            **dict.fromkeys(home.flags, True),
        )
        households.append(home.obj)
    bulk_insert(households)

    residents = []
    for person in plan.people():
        person.obj = Resident(
            household_id=person.household.obj.pk,
            relation=person.relation,
            name=person.name,
            gender=person.gender,
            birth_date=person.birth_date,
            id_number=person.id_number,
            ethnicity_id=env.ethnicity_ids[person.eth],
            phone=person.phone,
            residence_status=person.residence_status,
            moved_in_on=person.moved_in_on,
            origin=person.origin,
            political_status=person.political_status,
            education=person.education,
            employment=person.employment,
            languages=person.languages,
            status=person.status,
            status_date=person.status_date,
            departure=person.departure,
            departure_place=person.departure_place,
            leaving_reason=person.leaving_reason,
            **dict.fromkeys(person.groups, True),
        )
        residents.append(person.obj)
    bulk_insert(residents)

    registrations = {}
    for person in plan.people():
        if person.floating is not None:
            registrations[person] = FloatingRegistration(resident_id=person.obj.pk, **person.floating)
    bulk_insert(list(registrations.values()))

    # The history the ledger's actions would have written: each record created, and each
    # departure recorded on the day it happened.
    household_type, resident_type = history.content_type_id(Household), history.content_type_id(Resident)
    changes = [
        Change(
            record_type_id=household_type,
            record_id=home.obj.pk,
            org_unit_id=home.obj.grid_id,
            action=ChangeAction.CREATE,
            changes=snapshot(home.obj, HOUSEHOLD_FIELDS),
            at=env.now,
        )
        for home in plan.homes
    ]
    for person in plan.people():
        recorded = snapshot(person.obj, RESIDENT_FIELDS)
        registration = registrations.get(person)
        if registration is not None:
            recorded |= {FLOATING_PREFIX + k: v for k, v in snapshot(registration, FLOATING_FIELDS).items()}
        household = person.household.obj
        common = {
            "record_type_id": resident_type,
            "record_id": person.obj.pk,
            "parent_type_id": household_type,
            "parent_id": household.pk,
            "org_unit_id": household.grid_id,
        }
        changes.append(Change(action=ChangeAction.CREATE, changes=recorded, at=env.now, **common))
        if person.status != LedgerStatus.ACTIVE:
            left = {
                "status": [LedgerStatus.ACTIVE.value, person.status],
                "status_date": ["", as_text(person.status_date)],
            }
            for name in ("departure", "departure_place", "leaving_reason"):
                if getattr(person, name):
                    left[name] = ["", getattr(person, name)]
            changes.append(Change(action=LEAVING[person.status], changes=left, at=env.now, **common))
    bulk_insert(changes)

    _link_heads(plan)

    people = list(plan.people())
    tally.add("户", created=len(households))
    tally.add("居民", created=len(people))
    tally.add("流动人口登记", created=len(registrations))
    tally.add("变更记录", created=len(changes))
    tally.add(
        "楼栋长/单元长/场所负责人关联",
        created=len(plan.unit_heads) + len(plan.building_heads) + len(plan.place_heads),
    )


def _link_heads(plan: CommunityPlan) -> None:
    def link(obj, person: Person) -> None:
        obj.head_id = person.obj.pk
        obj.head_name = person.name
        obj.head_phone = person.phone

    fields = ["head", "head_name", "head_phone"]
    for model, pairs in (
        (Unit, plan.unit_heads.values()),
        (Building, plan.building_heads.values()),
        (Place, plan.place_heads),
    ):
        objs = []
        for obj, person in pairs:
            link(obj, person)
            objs.append(obj)
        model.objects.bulk_update(objs, fields, batch_size=100)


# --- the step ---------------------------------------------------------------------------------


def profile_for(community: OrgUnit) -> Profile:
    return data.PROFILES.get(community.name, data.DEFAULT_PROFILE)


@demo_step(30, "户与居民、流动人口，楼栋长与单元长")
def seed_residents(ctx: DemoContext) -> None:
    """Households and residents for every community that has none yet."""
    org = ctx.org
    env = _Env()
    tally = Tally()
    summaries = []
    for community in org.communities:
        # Drawn for every community, planned or not, so later steps see the same stream.
        rng = Random(ctx.rng.getrandbits(64))
        existing = Household.objects.filter(community=community)
        if existing.exists():
            tally.add("户", existing=existing.count())
            tally.add("居民", existing=Resident.objects.filter(household__community=community).count())
            continue
        profile = profile_for(community)
        plan = _Planner(rng, community, org.grids_of(community), profile, env).plan()
        _write(plan, env, tally)
        active = [p for p in plan.people() if p.status == LedgerStatus.ACTIVE]
        summaries.append(
            f"  {community.name}（仿{profile.report}）：{len(plan.homes)} 户，在册 {len(active)} 人，"
            f"少数民族 {sum(p.is_minority for p in active)} 人，"
            f"{len({p.eth for p in active})} 个民族，流动人口 {sum(p.floating is not None for p in active)} 人"
        )
    tally.write(ctx.stdout)
    for line in summaries:
        ctx.stdout.write(line)
