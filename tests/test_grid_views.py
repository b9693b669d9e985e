"""The org-tree pages: who may open what, scope (out of scope = 404), and the upkeep forms."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.urls import reverse

from core.masking import mask_phone
from grid.models import Building, OrgLevel, OrgUnit, Place, PlaceKind, Role, Unit
from grid.queries import scope_figures, subtree_counts
from tests.factories import BuildingFactory, OrgUnitFactory, PlaceFactory, UnitFactory, make_person

ALL_ROLES = list(Role)
EDITORS = {Role.ADMIN, Role.STAFF}


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # Every persona's password is hashed when made; the real hasher's cost buys nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Far:
    """A second district: outside every persona's scope, the admin's included."""

    district: OrgUnit
    community: OrgUnit
    grid: OrgUnit
    building: Building
    unit: Unit
    place: Place


@pytest.fixture
def far(tree) -> Far:
    district = OrgUnitFactory(level=OrgLevel.DISTRICT, code="D02", name="远郊区")
    street = OrgUnitFactory(parent=district, code="D02S01", name="远郊街道")
    community = OrgUnitFactory(parent=street, code="D02S01C01", name="远郊社区")
    grid = OrgUnitFactory(parent=community, code="D02S01C01G01", name="远郊一网格")
    building = BuildingFactory(grid=grid, number="5号楼")
    return Far(
        district=district,
        community=community,
        grid=grid,
        building=building,
        unit=UnitFactory(building=building, number="3单元"),
        place=PlaceFactory(grid=grid, kind=PlaceKind.SHOP, name="远郊超市"),
    )


# --- access and scope: tests/test_access.py holds every page × role × scope --------------


def test_grid_worker_does_not_see_the_sibling_grid(client, tree, grid_worker):
    client.force_login(grid_worker)
    assert client.get(reverse("grid:unit_detail", args=[tree.grid2.pk])).status_code == 404
    assert client.get(reverse("grid:unit_detail", args=[tree.community.pk])).status_code == 404


# --- login, layout, navigation ------------------------------------------------------


def test_login_page_is_chinese_and_logs_in(client, tree, staff_user):
    page = client.get(reverse("login")).content.decode()
    assert 'lang="zh-hans"' in page
    assert 'id="id_username"' in page and 'id="id_password"' in page
    assert ">登录</button>" in page
    response = client.post(reverse("login"), {"username": staff_user.username, "password": "pass-1234"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_wrong_password_is_refused_in_chinese(client, staff_user):
    response = client.post(reverse("login"), {"username": staff_user.username, "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_layout_shows_person_role_unit_menu_and_logout(client, tree, staff_user):
    staff_user.first_name, staff_user.last_name = "秀兰", "马"
    staff_user.save()
    client.force_login(staff_user)
    page = client.get(reverse("home")).content.decode()
    assert "民族团结进步创建工作平台" in page
    assert re.search(rf'<a class="nav-link[^"]*" href="{reverse("grid:tree")}"[^>]*>网格与楼栋</a>', page)
    assert "马秀兰" in page
    assert "社区工作人员" in page and "变电所社区" in page
    assert f'action="{reverse("logout")}"' in page and 'method="post"' in page
    assert "vendor/bootstrap/css/bootstrap.min.css" in page and "vendor/htmx/htmx.min.js" in page
    assert "//cdn" not in page


def test_logout_is_a_post(client, staff_user):
    client.force_login(staff_user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("role", "admin_link"), [(Role.ADMIN, True), (Role.STAFF, False), (Role.LEADER, False)]
)
def test_menu_shows_admin_site_only_to_admins(client, persona, role, admin_link):
    client.force_login(persona(role))
    page = client.get(reverse("home")).content.decode()
    assert (f'href="{reverse("admin:index")}"' in page) is admin_link


def test_user_without_profile_is_told_to_ask_an_admin(client, tree, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x-pass-1234")
    client.force_login(nobody)
    assert "尚未分配单位" in client.get(reverse("home")).content.decode()
    # The menu offers only what the person may use; without a role that is the home page.
    assert f'href="{reverse("grid:tree")}"' not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("grid:tree")).status_code == 403


# --- home page figures --------------------------------------------------------------


def test_home_counts_what_is_in_scope_now(client, tree, staff_user):
    client.force_login(staff_user)
    figures = client.get(reverse("home")).context["figures"]
    assert [(f.label, f.count) for f in figures.units_by_level] == [("网格", 2)]
    assert (figures.buildings, figures.units, figures.places) == (1, 1, 1)

    BuildingFactory(grid=tree.grid2, number="2号楼")
    BuildingFactory(grid=tree.other_grid, number="8号楼")  # another street: not counted
    figures = client.get(reverse("home")).context["figures"]
    assert figures.buildings == 2


def test_leader_figures_cover_the_whole_street(tree, leader):
    figures = scope_figures(leader)
    assert [(f.label, f.count) for f in figures.units_by_level] == [("社区", 1), ("网格", 2)]
    assert (figures.buildings, figures.units, figures.places) == (1, 1, 1)


def test_grid_worker_figures_are_their_grid(tree, grid_worker):
    figures = scope_figures(grid_worker)
    assert figures.units_by_level == []
    assert (figures.buildings, figures.units, figures.places) == (1, 1, 1)


def test_figures_take_few_queries(tree, admin_user, django_assert_max_num_queries):
    admin_user.profile  # noqa: B018 — the profile is loaded once per request by the session user
    with django_assert_max_num_queries(4):
        figures = scope_figures(admin_user)
    assert [f.count for f in figures.units_by_level] == [2, 2, 3]


def test_home_shows_figures_and_role_links(client, tree, grid_worker):
    client.force_login(grid_worker)
    page = client.get(reverse("home")).content.decode()
    assert "网格员" in page and "一网格" in page
    assert "我的网格" in page
    assert f'href="{reverse("grid:unit_detail", args=[tree.grid.pk])}"' in page


def test_subtree_counts_group_by_child(tree, admin_user):
    BuildingFactory(grid=tree.grid2, number="2号楼")
    counts = subtree_counts(admin_user, [tree.street, tree.other_street])
    assert counts[tree.street.pk].buildings == 2
    assert counts[tree.street.pk].places == 1
    assert counts[tree.other_street.pk].buildings == 1


# --- browsing -----------------------------------------------------------------------


def test_tree_lists_own_unit_and_its_children(client, tree, staff_user):
    client.force_login(staff_user)
    page = client.get(reverse("grid:tree")).content.decode()
    assert (
        f'<a class="h5 mb-0" href="{reverse("grid:unit_detail", args=[tree.community.pk])}">变电所社区</a>'
        in page
    )
    assert f'href="{reverse("grid:unit_detail", args=[tree.grid.pk])}">一网格</a>' in page
    assert f'href="{reverse("grid:unit_detail", args=[tree.grid2.pk])}">二网格</a>' in page
    assert "北苑" not in page


def test_tree_for_superuser_starts_at_the_districts(client, tree, far, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x-pass-1234")
    client.force_login(root)
    page = client.get(reverse("grid:tree")).content.decode()
    assert ">福安区</a>" in page and ">远郊区</a>" in page


def test_grid_page_lists_buildings_and_places(client, tree, grid_worker):
    client.force_login(grid_worker)
    page = client.get(reverse("grid:unit_detail", args=[tree.grid.pk])).content.decode()
    building_url = reverse("grid:building_detail", args=[tree.building.pk])
    assert f'<a href="{building_url}">1号楼</a>' in page
    assert tree.building.head_name in page
    assert '<a href="tel:13812345678"' in page  # the 楼栋长 is a contact of the grid worker
    assert f'href="{reverse("grid:place_detail", args=[tree.place.pk])}">清真寺</a>' in page
    assert "宗教活动场所" in page


def test_breadcrumbs_link_only_ancestors_in_scope(client, tree, leader):
    client.force_login(leader)
    page = client.get(reverse("grid:unit_detail", args=[tree.grid.pk])).content.decode()
    assert f'href="{reverse("grid:unit_detail", args=[tree.district.pk])}"' not in page
    assert "福安区" in page
    assert f'<a href="{reverse("grid:unit_detail", args=[tree.street.pk])}">清河街道</a>' in page
    assert f'<a href="{reverse("grid:unit_detail", args=[tree.community.pk])}">变电所社区</a>' in page


def test_community_page_lists_children_with_counts(client, tree, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("grid:unit_detail", args=[tree.community.pk]))
    children = {child.name: child.counts for child in response.context["children"]}
    assert children["一网格"].buildings == 1 and children["一网格"].places == 1
    assert children["二网格"].buildings == 0


def test_building_page_shows_number_address_masked_head_and_units(client, tree, mediator):
    client.force_login(mediator)
    page = client.get(reverse("grid:building_detail", args=[tree.building.pk])).content.decode()
    assert "<h1" in page and "1号楼</h1>" in page
    assert tree.building.address in page
    assert "王建国" in page and "138****5678" in page and "13812345678" not in page
    assert "1单元" in page and "李秀英" in page


def test_place_page_shows_kind_and_masked_head(client, tree, window_clerk):
    tree.place.head_name, tree.place.head_phone = "马哈吉", "13998765432"
    tree.place.save()
    client.force_login(window_clerk)
    page = client.get(reverse("grid:place_detail", args=[tree.place.pk])).content.decode()
    assert "清真寺" in page and "宗教活动场所" in page and "马哈吉" in page
    assert "139****5432" in page and "13998765432" not in page


def test_a_grid_worker_calls_the_heads_from_the_building_and_grid_pages(client, tree, grid_worker):
    from core.models import AuditEvent, AuditKind

    client.force_login(grid_worker)
    page = client.get(reverse("grid:building_detail", args=[tree.building.pk])).content.decode()
    assert '<a href="tel:13812345678"' in page  # 楼栋长, a tap-to-call link
    shown = AuditEvent.objects.get(kind=AuditKind.FULL_VALUES)
    assert shown.detail["values"] == len([p for p in (tree.building.head_phone, tree.unit.head_phone) if p])
    page = client.get(reverse("grid:unit_detail", args=[tree.grid.pk])).content.decode()
    assert '<a href="tel:13812345678"' in page
    # The phone column stays at phone width (no d-none on it).
    assert 'd-none d-sm-table-cell">电话' not in page and 'd-sm-table-cell">{%' not in page
    assert AuditEvent.objects.filter(kind=AuditKind.FULL_VALUES).count() == 2


def test_readers_of_the_tree_see_the_heads_phones_masked_and_nothing_is_audited(client, tree, leader):
    from core.models import AuditEvent, AuditKind

    client.force_login(leader)
    page = client.get(reverse("grid:unit_detail", args=[tree.grid.pk])).content.decode()
    assert "tel:" not in page and "138****5678" in page
    assert not AuditEvent.objects.filter(kind=AuditKind.FULL_VALUES).exists()


@pytest.mark.parametrize("role", [Role.LEADER, Role.GRID_WORKER, Role.MEDIATOR, Role.WINDOW_CLERK])
def test_read_only_roles_see_no_upkeep_buttons(client, tree, persona, role):
    client.force_login(persona(role))
    for url in (
        reverse("grid:unit_detail", args=[tree.grid.pk]),
        reverse("grid:building_detail", args=[tree.building.pk]),
        reverse("grid:place_detail", args=[tree.place.pk]),
    ):
        page = client.get(url).content.decode()
        assert "/new/" not in page and "/edit/" not in page


@pytest.mark.parametrize("role", sorted(EDITORS))
def test_editors_see_upkeep_buttons(client, tree, persona, role):
    client.force_login(persona(role))
    page = client.get(reverse("grid:unit_detail", args=[tree.grid.pk])).content.decode()
    assert reverse("grid:building_create", args=[tree.grid.pk]) in page
    assert reverse("grid:place_create", args=[tree.grid.pk]) in page
    assert reverse("grid:unit_edit", args=[tree.grid.pk]) in page
    page = client.get(reverse("grid:unit_detail", args=[tree.community.pk])).content.decode()
    assert reverse("grid:unit_create", args=[tree.community.pk]) in page
    page = client.get(reverse("grid:building_detail", args=[tree.building.pk])).content.decode()
    assert reverse("grid:building_unit_create", args=[tree.building.pk]) in page
    assert reverse("grid:building_unit_edit", args=[tree.unit.pk]) in page


# --- upkeep: what is written, and what is not ----------------------------------------


BUILDING = {"number": "2号楼", "address": "幸福路2号", "head_name": "阿依古丽", "head_phone": "13912345678"}


def test_staff_adds_a_building_to_a_grid(client, tree, staff_user):
    client.force_login(staff_user)
    response = client.post(reverse("grid:building_create", args=[tree.grid2.pk]), BUILDING)
    building = Building.objects.get(grid=tree.grid2, number="2号楼")
    assert response.status_code == 302
    assert response["Location"] == reverse("grid:building_detail", args=[building.pk])
    assert (building.head_name, building.head_phone) == ("阿依古丽", "13912345678")


def test_duplicate_building_number_is_refused_in_chinese(client, tree, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("grid:building_create", args=[tree.grid.pk]), {**BUILDING, "number": "1号楼"}
    )
    assert response.status_code == 200
    assert "本网格已有楼号为“1号楼”的楼栋，楼号不能重复。" in response.content.decode()
    assert Building.objects.filter(grid=tree.grid).count() == 1


def test_same_building_number_in_another_grid_is_fine(client, tree, staff_user):
    client.force_login(staff_user)
    client.post(reverse("grid:building_create", args=[tree.grid2.pk]), {**BUILDING, "number": "1号楼"})
    assert Building.objects.filter(number="1号楼").count() == 2


def test_invalid_phone_is_refused_in_chinese(client, tree, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("grid:building_create", args=[tree.grid.pk]), {**BUILDING, "head_phone": "12345"}
    )
    assert "请输入11位手机号或带区号的固定电话" in response.content.decode()
    assert not Building.objects.filter(number="2号楼").exists()


def test_required_number_is_refused_in_chinese(client, tree, staff_user):
    client.force_login(staff_user)
    response = client.post(reverse("grid:building_create", args=[tree.grid.pk]), {**BUILDING, "number": " "})
    assert "这个字段是必填项。" in response.content.decode()
    assert Building.objects.count() == 2


def test_buildings_only_go_into_grids(client, tree, staff_user):
    client.force_login(staff_user)
    response = client.post(reverse("grid:building_create", args=[tree.community.pk]), BUILDING)
    assert response.status_code == 404
    assert not Building.objects.filter(number="2号楼").exists()


def test_staff_edits_a_building_and_renaming_onto_a_neighbour_is_refused(client, tree, staff_user):
    BuildingFactory(grid=tree.grid, number="3号楼")
    client.force_login(staff_user)
    url = reverse("grid:building_edit", args=[tree.building.pk])
    response = client.post(url, {**BUILDING, "number": "3号楼"})
    assert "楼号不能重复" in response.content.decode()
    tree.building.refresh_from_db()
    assert tree.building.number == "1号楼"

    response = client.post(url, {**BUILDING, "number": "1号楼", "head_name": "马德福"})
    assert response.status_code == 302
    tree.building.refresh_from_db()
    assert tree.building.head_name == "马德福"


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.LEADER, Role.MEDIATOR, Role.WINDOW_CLERK])
def test_read_only_roles_posting_write_nothing(client, tree, persona, role):
    client.force_login(persona(role))
    posts = [
        (reverse("grid:building_create", args=[tree.grid.pk]), BUILDING),
        (reverse("grid:building_edit", args=[tree.building.pk]), {**BUILDING, "number": "1号楼"}),
        (reverse("grid:building_unit_create", args=[tree.building.pk]), {"number": "9单元"}),
        (reverse("grid:building_unit_edit", args=[tree.unit.pk]), {"number": "1单元", "head_name": "改"}),
        (reverse("grid:place_create", args=[tree.grid.pk]), {"kind": "shop", "name": "新店"}),
        (reverse("grid:place_edit", args=[tree.place.pk]), {"kind": "shop", "name": "改名"}),
        (reverse("grid:unit_create", args=[tree.community.pk]), {"name": "三网格", "code": "G03"}),
        (reverse("grid:unit_edit", args=[tree.grid.pk]), {"name": "改名", "code": "X"}),
    ]
    before = _snapshot()
    for url, data in posts:
        assert client.post(url, data).status_code == 403
    assert _snapshot() == before


def _snapshot() -> dict:
    return {
        "units": list(OrgUnit.objects.values_list("pk", "name", "code")),
        "buildings": list(Building.objects.values_list("pk", "number", "head_name", "address")),
        "building_units": list(Unit.objects.values_list("pk", "number", "head_name")),
        "places": list(Place.objects.values_list("pk", "name", "kind")),
    }


def test_staff_posting_into_another_community_changes_nothing(client, tree, staff_user):
    client.force_login(staff_user)
    before = _snapshot()
    posts = [
        (reverse("grid:building_create", args=[tree.other_grid.pk]), BUILDING),
        (reverse("grid:building_edit", args=[tree.other_building.pk]), {**BUILDING, "number": "9号楼"}),
        (reverse("grid:building_unit_create", args=[tree.other_building.pk]), {"number": "9单元"}),
        (
            reverse("grid:building_unit_edit", args=[tree.other_unit.pk]),
            {"number": "2单元", "head_name": "改"},
        ),
        (reverse("grid:place_create", args=[tree.other_grid.pk]), {"kind": "shop", "name": "新店"}),
        (reverse("grid:place_edit", args=[tree.other_place.pk]), {"kind": "shop", "name": "改名"}),
        (reverse("grid:unit_create", args=[tree.other_community.pk]), {"name": "三网格", "code": "G03"}),
        (reverse("grid:unit_edit", args=[tree.other_grid.pk]), {"name": "改名", "code": "X"}),
        (reverse("grid:unit_edit", args=[tree.street.pk]), {"name": "改名", "code": "X"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404
    assert _snapshot() == before


def test_staff_adds_and_edits_a_building_unit(client, tree, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("grid:building_unit_create", args=[tree.building.pk]),
        {"number": "2单元", "head_name": "买买提", "head_phone": "13700001111"},
    )
    assert response.status_code == 302
    added = Unit.objects.get(building=tree.building, number="2单元")
    assert added.head_name == "买买提"

    response = client.post(
        reverse("grid:building_unit_edit", args=[added.pk]), {"number": "1单元", "head_name": "买买提"}
    )
    assert "本楼栋已有“1单元”，单元号不能重复。" in response.content.decode()
    added.refresh_from_db()
    assert added.number == "2单元"


def test_staff_adds_and_edits_a_place(client, tree, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("grid:place_create", args=[tree.grid2.pk]),
        {"kind": PlaceKind.COMPOUND, "name": "团结大院", "head_name": "古丽", "head_phone": "0418-1234567"},
    )
    place = Place.objects.get(name="团结大院")
    assert response["Location"] == reverse("grid:place_detail", args=[place.pk])
    assert place.grid == tree.grid2

    client.post(reverse("grid:place_edit", args=[place.pk]), {"kind": PlaceKind.COMPOUND, "name": "团结新村"})
    place.refresh_from_db()
    assert place.name == "团结新村"


def test_invalid_place_kind_writes_nothing(client, tree, staff_user):
    client.force_login(staff_user)
    response = client.post(reverse("grid:place_create", args=[tree.grid.pk]), {"kind": "bar", "name": "酒吧"})
    assert "选择一个有效的选项" in response.content.decode()
    assert not Place.objects.filter(name="酒吧").exists()


def test_staff_adds_a_grid_under_their_community(client, tree, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("grid:unit_create", args=[tree.community.pk]), {"name": "三网格", "code": "D01S01C01G03"}
    )
    added = OrgUnit.objects.get(code="D01S01C01G03")
    assert response["Location"] == reverse("grid:unit_detail", args=[added.pk])
    assert added.level == OrgLevel.GRID
    assert OrgUnit.objects.get_parent(added) == tree.community


def test_admin_adds_a_community_under_a_street(client, tree, admin_user):
    client.force_login(admin_user)
    client.post(reverse("grid:unit_create", args=[tree.street.pk]), {"name": "新华社区", "code": "D01S01C02"})
    assert OrgUnit.objects.get(code="D01S01C02").level == OrgLevel.COMMUNITY


def test_nothing_can_be_added_under_a_grid(client, tree, staff_user):
    client.force_login(staff_user)
    url = reverse("grid:unit_create", args=[tree.grid.pk])
    assert "网格是最末一级，不能再添加下级单元。" in client.get(url).content.decode()
    count = OrgUnit.objects.count()
    response = client.post(url, {"name": "楼组", "code": "D01S01C01G01X"})
    assert response.status_code == 200
    assert "网格是最末一级，不能再添加下级单元。" in response.content.decode()
    assert OrgUnit.objects.count() == count
    tree.grid.refresh_from_db()
    assert tree.grid.numchild == 0


def test_duplicate_unit_code_is_refused_in_chinese(client, tree, staff_user):
    client.force_login(staff_user)
    count = OrgUnit.objects.count()
    # The code belongs to a unit in another street: taken, but nothing about it is shown.
    response = client.post(
        reverse("grid:unit_create", args=[tree.community.pk]), {"name": "三网格", "code": "D01S02"}
    )
    page = response.content.decode()
    assert "编码“D01S02”已被占用，请换一个。" in page
    assert "海州街道" not in page
    assert OrgUnit.objects.count() == count


def test_staff_renames_a_grid(client, tree, staff_user):
    client.force_login(staff_user)
    url = reverse("grid:unit_edit", args=[tree.grid.pk])
    response = client.post(url, {"name": "团结网格", "code": tree.grid.code})
    assert response.status_code == 302
    tree.grid.refresh_from_db()
    assert tree.grid.name == "团结网格"

    response = client.post(url, {"name": "再改", "code": tree.grid2.code})
    assert "已被占用" in response.content.decode()
    tree.grid.refresh_from_db()
    assert (tree.grid.name, tree.grid.code) == ("团结网格", "D01S01C01G01")


def test_grid_worker_cannot_edit_even_their_own_grid(client, tree, grid_worker):
    client.force_login(grid_worker)
    response = client.post(reverse("grid:unit_edit", args=[tree.grid.pk]), {"name": "改名", "code": "X"})
    assert response.status_code == 403
    tree.grid.refresh_from_db()
    assert tree.grid.name == "一网格"


# --- masking ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("13812345678", "138****5678"),
        ("0418-1234567", "041****4567"),
        ("", ""),
        (None, ""),
        ("12345", "*****"),
    ],
)
def test_mask_phone(value, shown):
    assert mask_phone(value) == shown


def test_a_person_made_here_gets_their_unit_in_the_header(client, tree):
    clerk = make_person(role=Role.WINDOW_CLERK, unit=tree.grid2, username="clerk2")
    client.force_login(clerk)
    page = client.get(reverse("home")).content.decode()
    assert "窗口人员" in page and "二网格" in page


# --- heads who are residents on the ledger -------------------------------------------


@pytest.fixture
def ledger(tree):
    """A resident living in 1号楼, one elsewhere in 一网格, and one in another street."""
    from tests.factories_residents import HouseholdFactory, ResidentFactory

    home = HouseholdFactory(grid=tree.grid, building=tree.building, unit=tree.unit, room="302")
    elsewhere = HouseholdFactory(grid=tree.grid, room="101")
    far_home = HouseholdFactory(grid=tree.other_grid, building=tree.other_building)
    return {
        "in_building": ResidentFactory(household=home, name="马建华", phone="13511112222"),
        "in_grid": ResidentFactory(household=elsewhere, name="李秀梅"),
        "other_street": ResidentFactory(household=far_home, name="张海州"),
    }


def test_building_head_is_picked_from_residents_of_the_building(client, tree, staff_user, ledger):
    client.force_login(staff_user)
    url = reverse("grid:building_edit", args=[tree.building.pk])
    field = client.get(url).context["form"].fields["head"]
    assert set(field.queryset) == {ledger["in_building"]}
    assert field.label_from_instance(ledger["in_building"]) == "马建华（302）"

    response = client.post(url, {**BUILDING, "number": "1号楼", "head": ledger["in_building"].pk})
    assert response.status_code == 302
    tree.building.refresh_from_db()
    assert tree.building.head == ledger["in_building"]
    page = client.get(reverse("grid:building_detail", args=[tree.building.pk])).content.decode()
    assert "马建华" in page and '<a href="tel:13511112222"' in page  # the linked resident's phone


def test_head_outside_scope_is_refused(client, tree, staff_user, ledger):
    client.force_login(staff_user)
    response = client.post(
        reverse("grid:building_edit", args=[tree.building.pk]),
        {**BUILDING, "number": "1号楼", "head": ledger["other_street"].pk},
    )
    assert "选择一个有效的选项" in response.content.decode()
    tree.building.refresh_from_db()
    assert tree.building.head is None


def test_place_head_may_be_anyone_on_the_grid_ledger(client, tree, staff_user, ledger):
    client.force_login(staff_user)
    field = client.get(reverse("grid:place_edit", args=[tree.place.pk])).context["form"].fields["head"]
    assert set(field.queryset) == {ledger["in_building"], ledger["in_grid"]}


def test_head_field_is_left_out_when_nobody_can_be_picked(client, tree, staff_user):
    client.force_login(staff_user)
    assert (
        "head" not in client.get(reverse("grid:building_create", args=[tree.grid.pk])).context["form"].fields
    )
    assert "head" not in client.get(reverse("grid:place_create", args=[tree.grid2.pk])).context["form"].fields


def test_present_head_stays_choosable_after_moving_out(client, tree, staff_user, ledger):
    import datetime as dt

    head = ledger["in_building"]
    tree.unit.head = head
    tree.unit.save()
    head.status, head.status_date = "moved_out", dt.date(2025, 1, 1)
    head.save()
    client.force_login(staff_user)
    url = reverse("grid:building_unit_edit", args=[tree.unit.pk])
    assert head in client.get(url).context["form"].fields["head"].queryset
    response = client.post(url, {"number": "1单元", "head": head.pk, "head_name": ""})
    assert response.status_code == 302


@pytest.mark.parametrize("extra", [0, 10])
def test_pages_query_count_does_not_grow_with_rows(
    client, tree, staff_user, extra, django_assert_max_num_queries
):
    for n in range(extra):
        building = BuildingFactory(grid=tree.grid, number=f"{n + 10}号楼")
        UnitFactory(building=building, number="1单元")
        PlaceFactory(grid=tree.grid, name=f"商铺{n}")
        OrgUnitFactory(parent=tree.community, code=f"D01S01C01G{n + 10}")
    client.force_login(staff_user)
    for url in (
        reverse("grid:unit_detail", args=[tree.grid.pk]),
        reverse("grid:unit_detail", args=[tree.community.pk]),
        reverse("grid:building_detail", args=[tree.building.pk]),
        reverse("grid:tree"),
    ):
        # One of them the audit of the heads' phones shown whole, however many.
        with django_assert_max_num_queries(13):
            assert client.get(url).status_code == 200
    # The home page's figures are every section's headline for the unit, computed once
    # (a fixed number of aggregates, however many rows: the ledger's three grouped passes
    # a day and the grids' counts kept; a few per app's section) and then read from the cache.
    with django_assert_max_num_queries(36):
        assert client.get(reverse("home")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("home")).status_code == 200


def test_the_menu_marks_only_the_section_a_page_belongs_to(client, admin_user):
    client.force_login(admin_user)
    content = client.get(reverse("ledger_import:list")).content.decode()
    assert content.count('aria-current="page"') == 1
    assert re.search(r'href="/residents/imports/"\s+aria-current="page"', content)


def test_a_grid_page_names_its_grid_workers_and_says_when_there_are_none(client, tree, staff_user):
    worker = make_person(role=Role.GRID_WORKER, unit=tree.grid, username="gw_one")
    worker.last_name, worker.first_name = "马", "晓燕"
    worker.save()
    second = make_person(role=Role.GRID_WORKER, unit=tree.grid2, username="gw_two")  # another grid's
    second.last_name, second.first_name = "李", "国强"
    second.save()
    client.force_login(staff_user)
    page = client.get(reverse("grid:unit_detail", args=[tree.grid.pk])).content.decode()
    other = client.get(reverse("grid:unit_detail", args=[tree.other_grid.pk]))
    names = re.search(r'data-testid="grid-workers">(.*?)</p>', page, re.S).group(1)
    assert "马晓燕" in names and "李国强" not in names
    assert other.status_code == 404  # another community's grid stays out of scope
    empty = client.get(reverse("grid:unit_detail", args=[tree.grid2.pk])).content.decode()
    assert "李国强" in empty
    worker.is_active = False
    worker.save()
    assert "尚未配备网格员" in client.get(reverse("grid:unit_detail", args=[tree.grid.pk])).content.decode()
