"""The menu, per role: an entry appears only to those whose permissions let them use it.

Apps add their entries here as they grow pages; the permission is the one their view checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse


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
]


def navigation_for(user) -> list[NavItem]:
    return [item for item in NAV_ITEMS if item.permission is None or user.has_perm(item.permission)]
