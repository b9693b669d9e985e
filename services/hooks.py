"""What services plugs into the core: permissions per role, the menu entries and shortcuts,
the record types whose changes are kept and the class of each of its fields (数据清单,
docs/security.md)."""

from __future__ import annotations

from core import inventory, registry
from core.registry import permissions_for
from grid.models import Role

from .models import Holiday

REFERENCE = ("services.holiday",)

# 系统管理员 keep the calendar's amendments; everyone who works tickets reads them.
registry.grant(Role.ADMIN, *permissions_for(REFERENCE, ("view", "add", "change", "delete")))

# --- 数据清单 ------------------------------------------------------------------------------
inventory.classify(Holiday, business=("date", "kind", "name"), system=("id",))
