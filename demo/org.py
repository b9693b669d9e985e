"""Demo data for the org tree: a district modelled on 阜新市清河门区, and one account per role.

``manage.py seed_demo`` runs the steps here (and the other modules' of ``demo``) in one
transaction. Every step first *plans* its rows from the shared ``rng``/``fake`` and
only then writes what is missing, so the random stream is consumed the same way whether the
database is empty or already seeded: the same seed always means the same data, and a second
run adds nothing. Rows are matched on org-unit code, (grid, number), (building, number),
(grid, kind, name) and username; existing rows are left exactly as they are.

The seed report's 变电所社区 belongs to 阜新's 清河街道, a street of 清河门区 (code 210905):
about 2,100 households of 汉, 回, 蒙, 满, 锡伯, 朝鲜 families and one mosque. Its grids get enough
buildings and units for those households (the residents step fills them); the other four
communities are smaller.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from random import Random
from typing import TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from faker import Faker

from grid.actions import org_unit_create, user_assign_role
from grid.models import Building, OrgLevel, OrgUnit, Place, PlaceKind, Profile, Role, Unit

from .steps import DEMO_PASSWORD, DemoContext, Tally, demo_step

BIANDIANSUO = "变电所社区"

_NUMERALS = "一二三四五六七八九十"

# Surnames common among the 回, 满, 蒙古 and 朝鲜 families of 阜新, used for part of the
# heads' names where a community has many minority residents.
_MINORITY_SURNAMES = ["马", "白", "哈", "丁", "金", "关", "佟", "那", "包", "韩", "吴", "富"]


# --- the layout: what is fixed about the district --------------------------------------------


@dataclass(frozen=True)
class CommunityLayout:
    code: str  # three digits after the street's code, as in the national village-level codes
    name: str
    roads: tuple[str, ...]
    grids: int | None = None  # None: drawn from the rng (4–6)
    target_units: int | None = None  # None: drawn from the rng (80–130)
    minority_share: float = 0.08  # share of heads with a minority surname (flavour only)
    has_mosque: bool = False


@dataclass(frozen=True)
class StreetLayout:
    code: str
    name: str
    communities: tuple[CommunityLayout, ...]


DISTRICT_CODE = "210905"
DISTRICT_NAME = "清河门区"

STREETS = (
    StreetLayout(
        "001",
        "清河街道",
        (
            # About 2,142 households at 8–10 a unit: ~250 units over seven grids. The seed
            # reports 1,670 minority residents of 6,476 — about a quarter.
            CommunityLayout(
                "001",
                BIANDIANSUO,
                ("电业路", "清河大街", "变电所街", "站前路"),
                grids=7,
                target_units=250,
                minority_share=0.26,
                has_mosque=True,
            ),
            CommunityLayout("002", "矿建社区", ("矿工街", "东山路", "团结路")),
            CommunityLayout("003", "河东社区", ("和平街", "河东路", "清河大街")),
        ),
    ),
    StreetLayout(
        "002",
        "新北街道",
        (
            CommunityLayout("001", "北园子社区", ("北园路", "新北大街", "文化街")),
            CommunityLayout("002", "康宁社区", ("康宁路", "建设街", "兴业路")),
        ),
    ),
)

_ENTERPRISES = [
    "阜新清河门热力有限公司",
    "阜新鑫达机械制造有限公司",
    "阜新恒通物流有限公司",
    "阜新金泰建材有限公司",
    "清河门区宏远煤炭经销处",
    "阜新益民食品有限公司",
    "阜新北方电力设备有限公司",
    "阜新瑞丰农产品加工有限公司",
    "阜新永盛汽车维修有限公司",
    "阜新宏达塑料制品有限公司",
    "阜新顺通客运有限公司",
    "阜新华运铸造有限公司",
    "阜新天成物业服务有限公司",
    "阜新东方印刷有限公司",
    "阜新清源水务有限公司",
    "阜新德信家政服务有限公司",
]
_SHOPS = [
    "便民超市",
    "好邻居药房",
    "老四季抻面馆",
    "鑫鑫五金店",
    "红旗理发店",
    "惠民粮油店",
    "家家乐生鲜超市",
    "福源早餐铺",
    "百姓大药房",
    "诚信家电维修部",
    "利民烟酒商行",
    "快递驿站",
    "东北大饼店",
    "农家杀猪菜馆",
    "阳光眼镜店",
    "平价服装店",
]
_HALAL_SHOPS = ["清真牛羊肉店", "兰州牛肉拉面馆", "回民清真糕点铺"]
_SCHOOLS = ["清河门区第一小学", "清河门区实验中学", "清河门区第四小学", "清河门区第三幼儿园", "康乐幼儿园"]
_KEY_UNITS = [
    "清河门区人民医院",
    "中石油清河门加油站",
    "清河门农贸市场",
    "清河门区供热站",
    "康宁养老院",
    "清河门区液化气站",
]


# --- plans: what the rng decides --------------------------------------------------------------


@dataclass
class OrgUnitPlan:
    code: str
    name: str
    level: int
    parent_code: str | None


@dataclass
class UnitPlan:
    number: str
    head_name: str
    head_phone: str


@dataclass
class BuildingPlan:
    grid_code: str
    number: str
    address: str
    head_name: str
    head_phone: str
    units: list[UnitPlan]


@dataclass
class PlacePlan:
    grid_code: str
    kind: str
    name: str
    address: str
    head_name: str
    head_phone: str
    note: str = ""


@dataclass
class _CommunityPlan:
    layout: CommunityLayout
    code: str
    grid_codes: list[str]
    target_units: int


class _Doors:
    """House numbers along each road, rising as buildings and places are laid out."""

    def __init__(self, rng: Random):
        self.rng = rng
        self.next: dict[str, int] = {}

    def address(self, road: str) -> str:
        number = self.next.get(road) or self.rng.randint(1, 9)
        self.next[road] = number + self.rng.randint(1, 3) * 2  # one side of the road
        return f"{road}{number}号"


def _person(rng: Random, fake: Faker, minority_share: float) -> tuple[str, str]:
    """A name and a mobile number."""
    name = fake.name()
    if rng.random() < minority_share:
        name = rng.choice(_MINORITY_SURNAMES) + fake.first_name()
    return name, fake.phone_number()


def _grid_name(community_name: str, index: int) -> str:
    return f"{community_name}第{_NUMERALS[index]}网格"


def _plan_tree(rng: Random) -> tuple[list[OrgUnitPlan], list[_CommunityPlan]]:
    units = [OrgUnitPlan(DISTRICT_CODE, DISTRICT_NAME, OrgLevel.DISTRICT, None)]
    communities = []
    for street in STREETS:
        street_code = DISTRICT_CODE + street.code
        units.append(OrgUnitPlan(street_code, street.name, OrgLevel.STREET, DISTRICT_CODE))
        for layout in street.communities:
            code = street_code + layout.code
            units.append(OrgUnitPlan(code, layout.name, OrgLevel.COMMUNITY, street_code))
            n_grids = layout.grids or rng.randint(4, 6)
            target = layout.target_units or rng.randint(80, 130)
            grid_codes = []
            for i in range(n_grids):
                grid_code = f"{code}{i + 1:02d}"
                grid_codes.append(grid_code)
                units.append(OrgUnitPlan(grid_code, _grid_name(layout.name, i), OrgLevel.GRID, code))
            communities.append(_CommunityPlan(layout, code, grid_codes, target))
    return units, communities


def _plan_buildings(rng: Random, fake: Faker, community: _CommunityPlan, doors: _Doors) -> list[BuildingPlan]:
    """Buildings grid by grid until each grid holds its share of the community's units."""
    layout = community.layout
    n_grids = len(community.grid_codes)
    buildings = []
    for i, grid_code in enumerate(community.grid_codes):
        share = community.target_units // n_grids + (1 if i < community.target_units % n_grids else 0)
        road = layout.roads[i % len(layout.roads)]
        units_in_grid = 0
        number = 0
        while units_in_grid < share:
            number += 1
            # Old five- and six-storey blocks: mostly three or four entrances.
            n_units = rng.choices([2, 3, 4, 5, 6], weights=[2, 4, 4, 2, 1])[0]
            head_name, head_phone = _person(rng, fake, layout.minority_share)
            units = []
            for u in range(n_units):
                unit_head, unit_phone = _person(rng, fake, layout.minority_share)
                units.append(UnitPlan(f"{u + 1}单元", unit_head, unit_phone))
            buildings.append(
                BuildingPlan(
                    grid_code=grid_code,
                    number=f"{number}号楼",
                    address=doors.address(road),
                    head_name=head_name,
                    head_phone=head_phone,
                    units=units,
                )
            )
            units_in_grid += n_units
    return buildings


class _Pool:
    """Names handed out without repeats across the district."""

    def __init__(self, rng: Random, names: list[str]):
        self.names = list(names)
        rng.shuffle(self.names)

    def take(self, n: int) -> list[str]:
        taken, self.names = self.names[:n], self.names[n:]
        return taken


def _plan_places(
    rng: Random, fake: Faker, community: _CommunityPlan, doors: _Doors, pools: dict[str, _Pool]
) -> list[PlacePlan]:
    layout = community.layout
    places: list[PlacePlan] = []

    def add(kind: str, name: str, *, note: str = "", head: tuple[str, str] | None = None) -> None:
        i = rng.randrange(len(community.grid_codes))
        road = layout.roads[i % len(layout.roads)]
        head_name, head_phone = head or _person(rng, fake, layout.minority_share)
        places.append(
            PlacePlan(community.grid_codes[i], kind, name, doors.address(road), head_name, head_phone, note)
        )

    if layout.has_mosque:
        imam = rng.choice(_MINORITY_SURNAMES[:4]) + fake.first_name()
        add(
            PlaceKind.RELIGIOUS,
            "清河门清真寺",
            note="伊斯兰教活动场所；民族团结进步创建进宗教活动场所，开展“四进”活动。",
            head=(imam, fake.phone_number()),
        )
        add(PlaceKind.SCHOOL, "清河门区第二小学", note="毗邻社区，放学后学生可到社区“四点钟加油驿站”。")
        add(PlaceKind.KEY_UNIT, "清河门66千伏变电所", note="电力设施，治安消防重点防护。")
        for shop in rng.sample(_HALAL_SHOPS, 2):
            surname = rng.choice(_MINORITY_SURNAMES[:4])
            add(
                PlaceKind.SHOP,
                f"{surname}记{shop}",
                note="少数民族经营户。",
                head=(surname + fake.first_name(), fake.phone_number()),
            )
    for name in pools["school"].take(rng.randint(0, 1)):
        add(PlaceKind.SCHOOL, name)
    for name in pools["enterprise"].take(rng.randint(1, 3)):
        add(PlaceKind.ENTERPRISE, name)
    for name in pools["key_unit"].take(1):
        add(PlaceKind.KEY_UNIT, name)
    for shop in rng.sample(_SHOPS, rng.randint(3, 6)):
        add(PlaceKind.SHOP, shop)
    # 出租大院 are known by their landlord: 刘家大院 is 老刘's compound.
    surnames_used: set[str] = set()
    for _ in range(rng.randint(1, 3)):
        surname = fake.last_name()
        if rng.random() < layout.minority_share:
            surname = rng.choice(_MINORITY_SURNAMES)
        head_name, head_phone = surname + fake.first_name(), fake.phone_number()
        if surname in surnames_used:
            continue
        surnames_used.add(surname)
        add(
            PlaceKind.COMPOUND,
            f"{surname}家大院",
            note=f"出租房屋{rng.randint(4, 12)}间，房东负责租户登记报备。",
            head=(head_name, head_phone),
        )
    return places


# --- applying plans ---------------------------------------------------------------------------


@dataclass
class OrgSeed:
    """The seeded tree, for the steps that come after (accounts, residents, …)."""

    district: OrgUnit
    streets: list[OrgUnit]
    communities: list[OrgUnit]
    grids: list[OrgUnit]
    biandiansuo: OrgUnit  # 变电所社区
    tally: Tally = field(default_factory=Tally)

    @property
    def units(self) -> list[OrgUnit]:
        return [self.district, *self.streets, *self.communities, *self.grids]

    def by_code(self, code: str) -> OrgUnit:
        return next(u for u in self.units if u.code == code)

    def grids_of(self, community: OrgUnit) -> list[OrgUnit]:
        return [g for g in self.grids if g.path.startswith(community.path)]


def _apply_tree(plans: list[OrgUnitPlan], tally: Tally) -> dict[str, OrgUnit]:
    existing = {u.code: u for u in OrgUnit.objects.filter(code__in=[p.code for p in plans])}
    units: dict[str, OrgUnit] = {}
    for plan in plans:  # parents come before their children
        unit = existing.get(plan.code)
        if unit is None:
            parent = units[plan.parent_code] if plan.parent_code else None
            unit = org_unit_create(parent=parent, level=plan.level, code=plan.code, name=plan.name)
            tally.add("组织单元", created=1)
        else:
            tally.add("组织单元", existing=1)
        units[plan.code] = unit
    return units


def _apply_buildings(plans: list[BuildingPlan], units: dict[str, OrgUnit], tally: Tally) -> None:
    grid_ids = {units[p.grid_code].pk for p in plans}

    def building_ids() -> dict[tuple[int, str], int]:
        rows = Building.objects.filter(grid_id__in=grid_ids).values_list("grid_id", "number", "pk")
        return {(grid_id, number): pk for grid_id, number, pk in rows}

    known = building_ids()
    new = [
        Building(
            grid=units[p.grid_code],
            number=p.number,
            position=Building.position_for(p.number),
            address=p.address,
            head_name=p.head_name,
            head_phone=p.head_phone,
        )
        for p in plans
        if (units[p.grid_code].pk, p.number) not in known
    ]
    Building.objects.bulk_create(new)
    tally.add("楼栋", created=len(new), existing=len(plans) - len(new))

    # Ids looked up again rather than taken from bulk_create: not every backend returns them.
    ids = building_ids()
    known_units = set(Unit.objects.filter(building_id__in=ids.values()).values_list("building_id", "number"))
    new_units = []
    planned = 0
    for p in plans:
        building_id = ids[(units[p.grid_code].pk, p.number)]
        for u in p.units:
            planned += 1
            if (building_id, u.number) not in known_units:
                new_units.append(
                    Unit(
                        building_id=building_id,
                        number=u.number,
                        position=Unit.position_for(u.number),
                        head_name=u.head_name,
                        head_phone=u.head_phone,
                    )
                )
    Unit.objects.bulk_create(new_units)
    tally.add("单元", created=len(new_units), existing=planned - len(new_units))


def _apply_places(plans: list[PlacePlan], units: dict[str, OrgUnit], tally: Tally) -> None:
    grid_ids = {units[p.grid_code].pk for p in plans}
    known = set(Place.objects.filter(grid_id__in=grid_ids).values_list("grid_id", "kind", "name"))
    new = [
        Place(
            grid=units[p.grid_code],
            kind=p.kind,
            name=p.name,
            address=p.address,
            head_name=p.head_name,
            head_phone=p.head_phone,
            note=p.note,
        )
        for p in plans
        if (units[p.grid_code].pk, p.kind, p.name) not in known
    ]
    Place.objects.bulk_create(new)
    tally.add("场所", created=len(new), existing=len(plans) - len(new))


def seed_org(*, rng: Random, fake: Faker, stdout: TextIO) -> OrgSeed:
    """The district, its streets, communities and grids, with buildings, units and places."""
    tree_plans, communities = _plan_tree(rng)
    pools = {
        "school": _Pool(rng, _SCHOOLS),
        "enterprise": _Pool(rng, _ENTERPRISES),
        "key_unit": _Pool(rng, _KEY_UNITS),
    }
    building_plans: list[BuildingPlan] = []
    place_plans: list[PlacePlan] = []
    for community in communities:
        doors = _Doors(rng)
        building_plans += _plan_buildings(rng, fake, community, doors)
        place_plans += _plan_places(rng, fake, community, doors, pools)

    tally = Tally()
    units = _apply_tree(tree_plans, tally)
    _apply_buildings(building_plans, units, tally)
    _apply_places(place_plans, units, tally)
    tally.write(stdout)

    by_level: dict[int, list[OrgUnit]] = {level: [] for level in OrgLevel.values}
    for plan in tree_plans:
        by_level[plan.level].append(units[plan.code])
    biandiansuo = next(c for c in by_level[OrgLevel.COMMUNITY] if c.name == BIANDIANSUO)
    return OrgSeed(
        district=by_level[OrgLevel.DISTRICT][0],
        streets=by_level[OrgLevel.STREET],
        communities=by_level[OrgLevel.COMMUNITY],
        grids=by_level[OrgLevel.GRID],
        biandiansuo=biandiansuo,
        tally=tally,
    )


# --- accounts ---------------------------------------------------------------------------------


@dataclass
class DemoAccount:
    username: str
    name: str
    role: str
    unit: OrgUnit
    created: bool

    @property
    def role_label(self) -> str:
        return Role(self.role).label


def _account_places(org: OrgSeed) -> list[tuple[str, str, OrgUnit]]:
    """(username, role, unit): one persona per role, at the levels they really work at."""
    qinghe = next(s for s in org.streets if s.name == "清河街道")
    other_community = next(c for c in org.communities if not c.path.startswith(qinghe.path))
    return [
        ("admin", Role.ADMIN, org.district),
        ("leader", Role.LEADER, org.district),
        ("street_leader", Role.LEADER, qinghe),
        ("staff", Role.STAFF, org.biandiansuo),
        ("grid1", Role.GRID_WORKER, org.grids_of(org.biandiansuo)[0]),
        ("grid2", Role.GRID_WORKER, org.grids_of(other_community)[0]),
        ("mediator", Role.MEDIATOR, org.biandiansuo),
        ("clerk", Role.WINDOW_CLERK, org.biandiansuo),
    ]


def seed_accounts(
    *, org: OrgSeed, rng: Random, fake: Faker, stdout: TextIO, places: list | None = None
) -> list[DemoAccount]:
    """One account per role. None is a superuser: the admin reaches the admin site as staff,
    scoped to the district like everyone else."""
    User = get_user_model()
    places = _account_places(org) if places is None else places
    people = [_person(rng, fake, 0.0) for _ in places]
    existing = set(
        User.objects.filter(username__in=[p[0] for p in places]).values_list("username", flat=True)
    )
    # Hashed once: the password hasher is deliberately slow and every account shares it.
    password_hash = make_password(DEMO_PASSWORD) if len(existing) < len(places) else ""
    accounts = []
    for (username, role, unit), (name, phone) in zip(places, people, strict=True):
        created = username not in existing
        if created:
            user = User.objects.create(username=username, first_name=name, password=password_hash)
            profile = user_assign_role(user=user, org_unit=unit, role=role)
            Profile.objects.filter(pk=profile.pk).update(phone=phone)
        else:
            name = User.objects.get(username=username).first_name
        accounts.append(DemoAccount(username, name, role, unit, created))
    made = sum(a.created for a in accounts)
    stdout.write(f"  账号：新建 {made}，已存在 {len(accounts) - made}")
    return accounts


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def write_accounts_table(accounts: list[DemoAccount], stdout: TextIO) -> None:
    header = ["用户名", "密码", "角色", "姓名", "所属单位", "状态"]
    rows = [
        [
            a.username,
            DEMO_PASSWORD,
            a.role_label,
            a.name,
            a.unit.full_name(),
            "新建" if a.created else "已存在",
        ]
        for a in accounts
    ]
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        stdout.write("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
    if not all(a.created for a in accounts):
        stdout.write("（已存在的账号未做改动，密码以原先设置为准。）")


# --- the steps the command runs ---------------------------------------------------------------


@demo_step(10, "组织架构、楼栋单元与场所")
def org_step(ctx: DemoContext) -> None:
    ctx.org = seed_org(rng=ctx.rng, fake=ctx.fake, stdout=ctx.stdout)


@demo_step(20, "演示账号")
def accounts_step(ctx: DemoContext) -> None:
    ctx.accounts = seed_accounts(org=ctx.org, rng=ctx.rng, fake=ctx.fake, stdout=ctx.stdout)


@demo_step(90, "审计员账号")
def auditor_step(ctx: DemoContext) -> None:
    """The 审计员 came with the audit log, after the other steps: a step of its own at the end
    leaves every earlier step's data as it was for a given seed."""
    places = [("auditor", Role.AUDITOR, ctx.org.district)]
    ctx.accounts += seed_accounts(org=ctx.org, rng=ctx.rng, fake=ctx.fake, stdout=ctx.stdout, places=places)
