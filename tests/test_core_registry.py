"""core.registry: what the apps plug in — role grants as a union, the menu in order and
only for those whose role may open it, the home page's shortcuts, pickers."""

from __future__ import annotations

from django.urls import reverse

from core import registry
from grid.models import Role
from grid.roles import role_permissions


def test_each_app_grants_its_own_permissions_and_a_role_holds_their_union():
    grants = role_permissions()
    assert {"grid.view_building", "residents.view_household", "core.view_change"} <= grants[Role.STAFF]
    assert "residents.import_ledger" in grants[Role.ADMIN]
    assert "residents.import_ledger" not in grants[Role.STAFF]
    assert not {p for p in grants[Role.LEADER] if p.startswith(("grid.add", "residents.change"))}


def test_the_menu_comes_in_order_and_only_with_the_pages_a_role_may_open(persona, tree):
    staff = [entry.label for entry in registry.menu_for(persona(Role.STAFF))]
    admin = [entry.label for entry in registry.menu_for(persona(Role.ADMIN))]
    assert staff == [
        "首页",
        "数据看板",
        "工作报告",
        "网格与楼栋",
        "居民台账",
        "矛盾调解",
        "法律诊所",
        "便民服务",
        "帮扶",
        "为民实事",
        "活动与宣传",
        "走访慰问",
        "会议议事",
        "荣誉",
    ]
    assert admin == [
        "首页",
        "数据看板",
        "工作报告",
        "网格与楼栋",
        "居民台账",
        "台账导入",
        "矛盾调解",
        "法律诊所",
        "便民服务",
        "帮扶",
        "为民实事",
        "活动与宣传",
        "走访慰问",
        "会议议事",
        "荣誉",
        "账号解锁",
        "管理后台",
    ]


def test_a_page_belongs_to_the_longest_menu_entry_it_starts_with(persona, tree):
    entries = registry.menu_for(persona(Role.ADMIN))
    assert registry.active_url(entries, reverse("ledger_import:list") + "3/") == reverse("ledger_import:list")
    assert registry.active_url(entries, reverse("residents:resident_list")) == reverse(
        "residents:household_list"
    )
    assert registry.active_url(entries, reverse("grid:lockout_list")) == reverse("grid:lockout_list")
    assert registry.active_url(entries, "/") == "/"
    assert registry.active_url(entries, "/nowhere/") is None


def test_registering_an_entry_twice_adds_it_once(persona, tree):
    registry.menu("首页", "home", order=0)  # as reports/hooks.py does
    assert [e.label for e in registry.menu_for(persona(Role.STAFF))].count("首页") == 1


def test_home_shortcuts_follow_each_apps_rules(persona, tree):
    grid_worker = [link.label for link in registry.quick_links_for(persona(Role.GRID_WORKER))]
    admin = [link.label for link in registry.quick_links_for(persona(Role.ADMIN))]
    assert grid_worker == [
        "我的网格",
        "网格与楼栋",
        "居民台账",
        "登记纠纷",
        "上报诉求",
        "近期活动",
        "队伍与志愿服务",
        "登记走访",
    ]
    assert admin[-9:] == [
        "台账导入",
        "疑似重复登记",
        "矛盾调解",
        "便民服务",
        "登记活动",
        "队伍与志愿服务",
        "登记走访",
        "议定事项",
        "管理后台",
    ]


def test_a_picker_is_found_by_model_label_in_any_case():
    assert registry.picker_url_for("residents.Resident") == reverse("residents:resident_picker")
    assert registry.picker_url_for("RESIDENTS.resident") == reverse("residents:resident_picker")
    assert registry.picker_url_for("mediation.Case") is None
