"""``manage.py seed_demo``: the demo district, its idempotence, determinism and personas' scope."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from activities.models import (
    Activity,
    Attendance,
    Decision,
    Honour,
    Meeting,
    Membership,
    Photo,
    ServiceRecord,
    Team,
    Visit,
)
from core.models import Change, Transition
from demo.org import BIANDIANSUO
from demo.steps import DEMO_PASSWORD
from grid.models import Building, OrgLevel, OrgUnit, Place, PlaceKind, Profile, Role, Unit, phone_validator
from grid.scope import scope_queryset
from mediation.models import Case, CaseCounter, ClinicSession, MediationTeam, Mediator, Party, Session
from reports.models import ReportRun, SummaryReport
from residents.models import FloatingRegistration, Household, Resident
from services.models import Assistance, PracticalMatter, QueueCounter, ServiceItem, Ticket, Window

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_demo")]


def seed(seed: int | None = None) -> str:
    out = StringIO()
    call_command("seed_demo", *([] if seed is None else ["--seed", str(seed)]), stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "org": OrgUnit.objects.count(),
        "buildings": Building.objects.count(),
        "units": Unit.objects.count(),
        "places": Place.objects.count(),
        "users": get_user_model().objects.count(),
        "profiles": Profile.objects.count(),
    }


def snapshot() -> list[tuple]:
    return list(
        Building.objects.order_by("grid__code", "pk").values_list(
            "grid__code", "number", "address", "head_name", "head_phone"
        )
    ) + list(
        Unit.objects.order_by("building__grid__code", "building__number", "number").values_list("head_name")
    )


def wipe() -> None:
    # The audit log refuses row deletes on PostgreSQL (append-only); a test wiping its whole
    # database empties the table instead, as only the table's owner could.
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE core_auditevent" if connection.vendor == "postgresql" else "DELETE FROM core_auditevent"
        )
    ReportRun.objects.all().delete()
    SummaryReport.objects.all().delete()
    for model in (Session, Party, Case, CaseCounter, ClinicSession, Mediator, MediationTeam):
        model.objects.all().delete()
    for model in (
        Photo,
        Attendance,
        Activity,
        ServiceRecord,
        Membership,
        Team,
        Visit,
        Decision,
        Meeting,
        Honour,
    ):
        model.objects.all().delete()
    for model in (Assistance, PracticalMatter, Ticket, QueueCounter, Window, ServiceItem):
        model.objects.all().delete()
    Transition.objects.all().delete()
    Change.objects.all().delete()
    FloatingRegistration.objects.all().delete()
    Resident.objects.all().delete()
    Household.objects.all().delete()
    get_user_model().objects.all().delete()
    Unit.objects.all().delete()
    Building.objects.all().delete()
    Place.objects.all().delete()
    OrgUnit.objects.all().delete()


def biandiansuo() -> OrgUnit:
    return OrgUnit.objects.get(name=BIANDIANSUO)


def user(username: str):
    return get_user_model().objects.select_related("profile__org_unit").get(username=username)


def test_it_builds_one_district_with_two_streets_and_five_communities():
    assert OrgUnit.objects.filter(level=OrgLevel.DISTRICT).count() == 1
    assert OrgUnit.objects.filter(level=OrgLevel.STREET).count() == 2
    assert OrgUnit.objects.filter(level=OrgLevel.COMMUNITY).count() == 5
    for community in OrgUnit.objects.communities():
        grids = OrgUnit.objects.subtree_of(community).grids()
        assert 4 <= grids.count() <= 8
        for grid in grids:
            assert Building.objects.filter(grid=grid).exists()
    for building in Building.objects.prefetch_related("units"):
        assert 2 <= len(building.units.all()) <= 6
        assert re.fullmatch(r"\d+号楼", building.number)
        assert building.address and building.head_name


def test_codes_are_unique_and_extend_their_parents_code():
    codes = list(OrgUnit.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    for unit in OrgUnit.objects.exclude(level=OrgLevel.DISTRICT):
        assert unit.code.startswith(OrgUnit.objects.get_parent(unit).code)
        assert len(unit.code) > len(OrgUnit.objects.get_parent(unit).code)


def test_biandiansuo_sits_in_qinghe_street_with_exactly_one_mosque():
    community = biandiansuo()
    assert OrgUnit.objects.get_parent(community).name == "清河街道"
    places = Place.objects.filter(grid__path__startswith=community.path)
    mosques = places.filter(kind=PlaceKind.RELIGIOUS)
    assert [m.name for m in mosques] == ["清河门清真寺"]
    kinds = set(places.values_list("kind", flat=True))
    assert {
        PlaceKind.SCHOOL,
        PlaceKind.ENTERPRISE,
        PlaceKind.SHOP,
        PlaceKind.COMPOUND,
        PlaceKind.KEY_UNIT,
    } <= kinds
    assert all(p.head_name for p in places.filter(kind=PlaceKind.COMPOUND))


def test_biandiansuo_has_room_for_its_2142_households():
    community = biandiansuo()
    units = Unit.objects.filter(building__grid__path__startswith=community.path).count()
    # 8–10 households a unit
    assert 2142 / 10 <= units <= 2142 / 8
    others = Unit.objects.exclude(building__grid__path__startswith=community.path)
    for other in OrgUnit.objects.communities().exclude(pk=community.pk):
        assert others.filter(building__grid__path__startswith=other.path).count() < units


def test_every_generated_phone_and_record_is_valid():
    for model in (Building, Unit, Place):
        for phone in model.objects.values_list("head_phone", flat=True):
            phone_validator(phone)
        for obj in model.objects.all()[:10]:
            obj.full_clean()


def test_one_account_per_role_at_the_expected_levels():
    expected = {
        "admin": (Role.ADMIN, OrgLevel.DISTRICT),
        "leader": (Role.LEADER, OrgLevel.DISTRICT),
        "street_leader": (Role.LEADER, OrgLevel.STREET),
        "staff": (Role.STAFF, OrgLevel.COMMUNITY),
        "grid1": (Role.GRID_WORKER, OrgLevel.GRID),
        "grid2": (Role.GRID_WORKER, OrgLevel.GRID),
        "mediator": (Role.MEDIATOR, OrgLevel.COMMUNITY),
        "clerk": (Role.WINDOW_CLERK, OrgLevel.COMMUNITY),
        "auditor": (Role.AUDITOR, OrgLevel.DISTRICT),
        # Each other community's staff member, who submits its reports (demo/reports.py).
        "staff_001002": (Role.STAFF, OrgLevel.COMMUNITY),
        "staff_001003": (Role.STAFF, OrgLevel.COMMUNITY),
        "staff_002001": (Role.STAFF, OrgLevel.COMMUNITY),
        "staff_002002": (Role.STAFF, OrgLevel.COMMUNITY),
        # Each other community's 专职调解员, linked to the roster (demo/mediation.py).
        "mediator_001002": (Role.MEDIATOR, OrgLevel.COMMUNITY),
        "mediator_001003": (Role.MEDIATOR, OrgLevel.COMMUNITY),
        "mediator_002001": (Role.MEDIATOR, OrgLevel.COMMUNITY),
        "mediator_002002": (Role.MEDIATOR, OrgLevel.COMMUNITY),
    }
    assert set(get_user_model().objects.values_list("username", flat=True)) == set(expected)
    assert {role for role, _ in expected.values()} == set(Role)
    for username, (role, level) in expected.items():
        person = user(username)
        assert person.profile.role == role
        assert person.profile.org_unit.level == level
        assert person.groups.filter(name=Role(role).label).exists()
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", person.first_name)
        assert not person.is_superuser
        assert person.is_staff == (role == Role.ADMIN)
    for username in ("staff", "grid1", "mediator", "clerk"):
        assert user(username).profile.org_unit.path.startswith(biandiansuo().path)
    assert user("street_leader").profile.org_unit.name == "清河街道"
    assert not user("grid2").profile.org_unit.path.startswith(biandiansuo().path)
    assert user("clerk").check_password(DEMO_PASSWORD)


def test_running_twice_adds_nothing_and_says_so():
    first = counts()
    output = seed()
    assert counts() == first
    assert "新建 0" in output and "已存在" in output
    assert "新建 1" not in output


def test_second_run_leaves_existing_rows_alone():
    building = Building.objects.first()
    building.head_name = "改过的楼栋长"
    building.save()
    clerk = user("clerk")
    clerk.set_password("changed-pass-123")
    clerk.save()
    seed()
    building.refresh_from_db()
    assert building.head_name == "改过的楼栋长"
    assert user("clerk").check_password("changed-pass-123")


def test_the_same_seed_gives_the_same_data():
    first = snapshot()  # the module's seed: the default, 2026
    names = list(get_user_model().objects.order_by("username").values_list("first_name", flat=True))
    wipe()
    seed(2026)
    assert snapshot() == first
    assert list(get_user_model().objects.order_by("username").values_list("first_name", flat=True)) == names
    wipe()
    seed(8)
    assert snapshot() != first


def test_each_persona_sees_their_own_part_of_the_district():
    community = biandiansuo()
    in_community = Building.objects.filter(grid__path__startswith=community.path)

    admin, leader = user("admin"), user("leader")
    assert scope_queryset(admin, Building).count() == Building.objects.count()
    assert scope_queryset(leader, OrgUnit).count() == OrgUnit.objects.count()

    street = user("street_leader")
    communities = scope_queryset(street, OrgUnit).filter(level=OrgLevel.COMMUNITY)
    assert community in communities
    assert set(communities) == set(OrgUnit.objects.get_children(OrgUnit.objects.get_parent(community)))
    assert scope_queryset(street, Building).count() < Building.objects.count()

    for username in ("staff", "mediator", "clerk"):
        person = user(username)
        assert set(scope_queryset(person, Building)) == set(in_community)
        assert scope_queryset(person, Place).filter(kind=PlaceKind.RELIGIOUS).count() == 1

    grid1 = user("grid1")
    own = grid1.profile.org_unit
    assert set(scope_queryset(grid1, Building)) == set(Building.objects.filter(grid=own))
    assert set(scope_queryset(grid1, Unit)) == set(Unit.objects.filter(building__grid=own))
    assert list(scope_queryset(grid1, OrgUnit)) == [own]

    grid2 = user("grid2")
    assert scope_queryset(grid2, Building).exists()
    assert not scope_queryset(grid2, Building).filter(pk__in=in_community).exists()
    assert not scope_queryset(grid2, Place).filter(kind=PlaceKind.RELIGIOUS).exists()
