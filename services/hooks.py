"""What services plugs into the core: permissions per role, the menu entries and shortcuts,
the record types whose changes are kept and the class of each of its fields (数据清单,
docs/security.md)."""

from __future__ import annotations

from core import history, inventory, registry
from core.registry import permissions_for
from grid.models import Role

from .models import Holiday, ServiceItem, Window

CATALOGUE = ("services.serviceitem", "services.window")

# 系统管理员 keep the calendar's amendments, the catalogue and the windows with their clerks.
registry.grant(
    Role.ADMIN,
    *permissions_for(("services.holiday",), ("view", "add", "change", "delete")),
    *permissions_for(CATALOGUE, ("view", "add", "change")),
)
# Those who serve at or run the hall read the catalogue and the windows; staff set up windows.
for role in (Role.WINDOW_CLERK, Role.STAFF, Role.LEADER):
    registry.grant(role, *permissions_for(CATALOGUE, ("view",)))
registry.grant(Role.STAFF, *permissions_for(("services.window",), ("add", "change")))

history.track(Window)

# --- 数据清单 ------------------------------------------------------------------------------
inventory.classify(Holiday, business=("date", "kind", "name"), system=("id",))
inventory.classify(
    ServiceItem, business=("category", "name", "time_limit", "materials", "active"), system=("id",)
)
inventory.classify(
    Window,
    personal=("clerks",),
    business=("community", "letter", "name", "is_minority_window", "languages", "categories", "active"),
    system=("id",),
)
