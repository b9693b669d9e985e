"""The menu, per role: an entry appears only to those whose permissions let them use it.

Apps add their entries here as they grow pages; the permission is the one their view checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from .models import Role
from .scope import user_org_unit


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None

    @property
    def url(self) -> str:
        return reverse(self.url_name)


NAV_ITEMS: list[NavItem] = [
    NavItem("首页", "home"),
    NavItem("网格与楼栋", "grid:tree", "grid.view_orgunit"),
    NavItem("居民台账", "residents:household_list", "residents.view_household"),
    NavItem("台账导入", "ledger_import:list", "residents.import_ledger"),
    # Only system admins get auth.change_user, and only they may enter the admin site.
    NavItem("管理后台", "admin:index", "auth.change_user"),
]


def navigation_for(user) -> list[NavItem]:
    return [item for item in NAV_ITEMS if item.permission is None or user.has_perm(item.permission)]


def active_url(items: list[NavItem], path: str) -> str | None:
    """The entry a page belongs to: the longest entry URL the path starts with, so that
    /residents/imports/ is 台账导入's and not also 居民台账's. The home page only owns "/"."""
    owners = [item.url for item in items if item.url != "/" and path.startswith(item.url)]
    if owners:
        return max(owners, key=len)
    return "/" if path == "/" else None


@dataclass(frozen=True)
class QuickLink:
    label: str
    url: str
    description: str


def quick_links_for(user) -> list[QuickLink]:
    """The home page's shortcuts: where this person's daily work starts."""
    links: list[QuickLink] = []
    unit = user_org_unit(user)
    role = user.profile.role if unit is not None else None
    if unit is not None and user.has_perm("grid.view_orgunit"):
        if unit.is_grid:
            label, description = "我的网格", "本网格的楼栋、单元、楼栋长和场所"
        elif role == Role.LEADER:
            label, description = f"{unit.name}概况", "逐级查看下辖单位、网格与楼栋"
        else:
            label, description = f"本单位：{unit.name}", "下辖单位、网格、楼栋与场所"
        links.append(QuickLink(label, reverse("grid:unit_detail", args=[unit.pk]), description))
    if user.has_perm("grid.view_orgunit"):
        if user.has_perm("grid.add_building"):
            description = "维护下级单位、楼栋、单元和场所信息"
        else:
            description = "按区、街道、社区、网格浏览楼栋与场所"
        links.append(QuickLink("网格与楼栋", reverse("grid:tree"), description))
    if user.has_perm("residents.view_household"):
        if user.has_perm("residents.change_household"):
            description = "查找户和居民，登记变动、新增成员和流动人口"
        else:
            description = "查阅户和居民台账"
        links.append(QuickLink("居民台账", reverse("residents:household_list"), description))
    if user.has_perm("residents.import_ledger"):
        links.append(
            QuickLink("台账导入", reverse("ledger_import:list"), "导入社区的 Excel 台账，先试导入再确认")
        )
    if user.is_staff and user.has_perm("auth.change_user"):
        links.append(QuickLink("管理后台", reverse("admin:index"), "用户、角色与基础数据"))
    return links
