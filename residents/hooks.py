"""What the ledger plugs into the core: its permissions per role, menu entries, shortcuts,
the record types whose changes are kept and the class of each of its fields (数据清单,
docs/security.md)."""

from __future__ import annotations

from django.urls import reverse

from core import history, inventory, registry
from core.jobs import JOB_FIELDS
from core.masking import mask_id_number, mask_phone
from core.registry import QuickLink, permissions_for
from grid.models import Role

# Registering 一、基本情况 and the ledger's 存在问题 (report), and its dashboard charts (charts).
from . import charts, panels, report  # noqa: F401
from .actions import FLOATING_PREFIX
from .exports import FULL_IDENTITY
from .models import (
    ChangeAction,
    DuplicateDismissal,
    Ethnicity,
    FloatingRegistration,
    GridCounts,
    Household,
    LedgerImport,
    LedgerImportRow,
    Resident,
)

LEDGER = ("residents.household", "residents.resident", "residents.floatingregistration")
VIEW_ADD_CHANGE = ("view", "add", "change")

# Custom permissions beyond Django's four (declared in the models' Meta.permissions):
# residents.view_full_identity — whole ID numbers and phones on a detail page and in exports;
# residents.import_ledger — bring in Excel ledgers.
registry.grant(
    Role.ADMIN,
    *permissions_for(LEDGER, VIEW_ADD_CHANGE),
    "residents.view_ledgerimport",
    "core.view_change",
    "residents.view_full_identity",
    "residents.export_full_identity",
    "residents.import_ledger",
)
# Importing their own community's ledger: a right an admin may give one community staff
# member (额外授权 on their profile), with the same dry run and all-or-nothing commit.
registry.grantable(
    "residents.import_ledger",
    role=Role.STAFF,
    label="导入本社区台账",
    permissions=("residents.import_ledger", "residents.view_ledgerimport"),
)
# Whole ID numbers and phones in a file: staff may, with a stated purpose; grid workers,
# who see them on their phones in the field, may not by default.
registry.grant(Role.STAFF, "residents.export_full_identity")
# 疑似重复登记: reviewed by staff (and admins), who decide which record is the person's.
registry.grant(Role.STAFF, "residents.merge_resident")
registry.grant(Role.ADMIN, "residents.merge_resident")
for role in (Role.STAFF, Role.GRID_WORKER):
    registry.grant(
        role,
        *permissions_for(LEDGER, VIEW_ADD_CHANGE),
        "core.view_change",
        "residents.view_full_identity",
    )
for role in (Role.MEDIATOR, Role.WINDOW_CLERK, Role.LEADER):
    registry.grant(role, *permissions_for(LEDGER, ("view",)))

registry.menu("居民台账", "residents:household_list", permission="residents.view_household", order=20)
registry.menu("台账导入", "ledger_import:list", permission="residents.import_ledger", order=30)


def _quick_links(user) -> list[QuickLink]:
    links = []
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
    if user.has_perm("residents.merge_resident"):
        links.append(
            QuickLink(
                "疑似重复登记",
                reverse("residents:duplicate_list"),
                "核实同名同生日、登记在两个户中的居民，合并或排除",
            )
        )
    return links


registry.quick_links(_quick_links, order=20)


def _birth_year(value) -> str:
    return f"{str(value)[:4]}年" if value else ""


# ID numbers and phones are shown whole, in the history too, only to roles that may see them.
_names = {Household: lambda household: f"户号 {household.number}"}
history.track(
    Household,
    actions=ChangeAction,
    personal={"phone": mask_phone, "landlord_phone": mask_phone},
    full_permission=FULL_IDENTITY,
    names=_names,
)
history.track(
    Resident,
    actions=ChangeAction,
    personal={
        "id_number": mask_id_number,
        # What the masked number hides; whole beside its region and tail it would give it back.
        "birth_date": _birth_year,
        "phone": mask_phone,
        f"{FLOATING_PREFIX}landlord_phone": mask_phone,
    },
    full_permission=FULL_IDENTITY,
    related={FLOATING_PREFIX: (FloatingRegistration, "流动人口")},
    names=_names,
)

# Residents are picked by searching the ledger (heads of buildings and places, and later
# parties, attendees and applicants): apps below this one find the endpoint by model label.
registry.picker("residents.Resident", "residents:resident_picker")
# Who lives in a building and in a 单元, on the org tree's pages.
registry.related_panel("grid.Building", panels.building_households_panel, order=20)
registry.related_panel("grid.Unit", panels.unit_households_panel, order=20)
registry.home_panel(panels.grid_worker_home_panel, order=10)


# --- 数据清单 ------------------------------------------------------------------------------
# Everything about a household or a person is personal. Sensitive (PIPL 第二十八条): the ID
# number, 民族 and what gives it away (使用语言), and the special-group flags — 低保 and
# 困难 (财产状况), 残疾 (健康), 优抚 (特定身份), 留守儿童 (未成年人), 独居 and 空巢 (who lives alone).
inventory.classify(Ethnicity, business=("code", "name", "is_minority", "aliases"), system=("id",))
inventory.classify(
    Household,
    sensitive=Household.FLAG_FIELDS,
    personal=(
        "building",
        "unit",
        "room",
        "address",
        "number",
        "kind",
        "phone",
        "landlord_name",
        "landlord_phone",
        "closed_on",
    ),
    business=("community", "grid"),
    system=("id", "created_at", "updated_at"),
)
inventory.classify(
    Resident,
    sensitive=("id_number", "ethnicity", "languages", *Resident.SPECIAL_GROUP_FIELDS),
    personal=(
        "household",
        "relation",
        "name",
        "gender",
        "birth_date",
        "phone",
        "residence_status",
        "moved_in_on",
        "origin",
        "political_status",
        "education",
        "employment",
        "status",
        "status_date",
        "departure",
        "departure_place",
        "leaving_reason",
        "merged_into",
    ),
    system=("id", "created_at", "updated_at"),
)
# Which two records are two people, and the reason staff wrote down (疑似重复登记的排除).
inventory.classify(
    DuplicateDismissal,
    personal=("first", "second", "reason", "dismissed_by"),
    system=("id", "dismissed_at"),
)
inventory.classify(
    FloatingRegistration, personal=("resident", *FloatingRegistration.DESCRIPTION_FIELDS), system=("id",)
)
# Counts per grid and day (residents.queries): a count of one or two in a small grid can
# still point at someone, which is why the figures are read only within scope.
inventory.classify(GridCounts, business=("grid", "day", "counts"), system=("id", "computed_at"))
inventory.classify(
    LedgerImport,
    # The uploaded ledger itself: every column of every row, whole.
    sensitive=("file",),
    personal=("user",),
    business=(
        "community",
        "file_name",
        "status",
        "message",
        "total_rows",
        "processed_rows",
        "new_count",
        "updated_count",
        "unchanged_count",
        "error_count",
        "skip_errors",
    ),
    system=("id", *JOB_FIELDS, "sha256", "created_at", "committed_at"),
)
inventory.classify(
    LedgerImportRow,
    # An error may quote the cell it is about (a 民族 written wrongly, a birth date).
    sensitive=("errors",),
    personal=("summary",),
    business=("row_number", "outcome", "detail"),
    system=("id", "ledger_import"),
)
