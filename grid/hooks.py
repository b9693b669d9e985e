"""What the org tree plugs into the core: its permissions per role, its menu entry, the
home page's shortcut to a person's own unit, the record types whose changes are kept and
the class of each of its fields (数据清单, docs/security.md)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from core import history, inventory, registry
from core.masking import mask_phone
from core.registry import QuickLink, permissions_for

from . import (
    actions,
    report,  # noqa: F401  (registers the grid's 存在问题)
)
from .models import HEAD_PHONES, UNLOCK_ACCOUNT, Building, OrgUnit, Place, Profile, Role, Unit
from .scope import user_org_unit

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
GRID_TREE = ("grid.orgunit", "grid.building", "grid.unit", "grid.place")

registry.grant(
    Role.ADMIN,
    *permissions_for(GRID_TREE, (VIEW, ADD, CHANGE, DELETE)),
    *permissions_for(("grid.profile", "auth.user"), (VIEW, ADD, CHANGE, DELETE)),
    "auth.view_group",
)
# 账号解锁: the 系统管理员 ends the sign-in lockout of accounts in their scope early. Its own
# permission, granted deliberately: holding the user admin's permissions is not enough.
registry.grant(Role.ADMIN, UNLOCK_ACCOUNT)
registry.grant(Role.STAFF, *permissions_for(GRID_TREE, (VIEW, ADD, CHANGE)), "grid.view_profile")
# Those who keep the tree and its buildings read their changes (变更记录).
for role in (Role.ADMIN, Role.STAFF, Role.GRID_WORKER):
    registry.grant(role, history.VIEW)
registry.grant(Role.LEADER, *permissions_for(GRID_TREE, (VIEW,)), "grid.view_profile")
for role in (Role.GRID_WORKER, Role.MEDIATOR, Role.WINDOW_CLERK):
    registry.grant(role, *permissions_for(GRID_TREE, (VIEW,)))

# 楼栋长, 单元长 and a place's 负责人 are contacts: those who work the grid see their phones
# whole, as tap-to-call links (each page view audited); readers of the tree see them masked.
for role in (Role.ADMIN, Role.STAFF, Role.GRID_WORKER):
    registry.grant(role, HEAD_PHONES)

# The auditor reads the audit log and nothing else (core/hooks.py gives the page).
registry.grant(Role.AUDITOR, "core.view_auditevent")

registry.menu("网格与楼栋", "grid:tree", permission="grid.view_orgunit", order=10)
registry.menu("账号解锁", "grid:lockout_list", permission=UNLOCK_ACCOUNT, order=950)
# Only system admins get auth.change_user, and only they may enter the admin site.
registry.menu("管理后台", "admin:index", permission="auth.change_user", order=1000, staff_only=True)


def _quick_links(user) -> list[QuickLink]:
    if not user.has_perm("grid.view_orgunit"):
        return []
    links = []
    unit = user_org_unit(user)
    if unit is not None:
        if unit.is_grid:
            label, description = "我的网格", "本网格的楼栋、单元、楼栋长和场所"
        elif user.profile.role == Role.LEADER:
            label, description = f"{unit.name}概况", "逐级查看下辖单位、网格与楼栋"
        else:
            label, description = f"本单位：{unit.name}", "下辖单位、网格、楼栋与场所"
        links.append(QuickLink(label, reverse("grid:unit_detail", args=[unit.pk]), description))
    if user.has_perm("grid.add_building"):
        description = "维护下级单位、楼栋、单元和场所信息"
    else:
        description = "按区、街道、社区、网格浏览楼栋与场所"
    links.append(QuickLink("网格与楼栋", reverse("grid:tree"), description))
    return links


def _admin_link(user) -> list[QuickLink]:
    if user.is_staff and user.has_perm("auth.change_user"):
        return [QuickLink("管理后台", reverse("admin:index"), "用户、角色与基础数据")]
    return []


registry.quick_links(_quick_links, order=10)
registry.quick_links(_admin_link, order=1000)


# Heads' phones are contacts, shown on the pages; in the history they stay masked (the edit
# form shows them whole to those who may change them).
_heads = {"head_phone": mask_phone}
history.track(OrgUnit)
history.track(Building, personal=_heads)
history.track(Unit, personal=_heads)
history.track(Place, personal=_heads)


# 数据清单: a head (楼栋长, 单元长, 场所负责人) is a person, on the ledger or typed in; the rest
# describes the tree, its buildings and places. A profile is about the person who works here.
_head = ("head", "head_name", "head_phone")
inventory.classify(OrgUnit, business=("level", "code", "name"), system=("id", "path", "depth", "numchild"))
inventory.classify(
    Building, personal=_head, business=("grid", "number", "position", "address"), system=("id",)
)
inventory.classify(Unit, personal=_head, business=("building", "number", "position"), system=("id",))
inventory.classify(
    Place, personal=_head, business=("grid", "kind", "name", "address", "note"), system=("id",)
)
inventory.classify(Profile, personal=("user", "org_unit", "role", "phone", "extra_grants"), system=("id",))

# Heads are people on the ledger: one registered twice and merged heads as the record kept.
registry.on_merge(settings.GRID_HEAD_MODEL, actions.heads_merged)
