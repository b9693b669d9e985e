"""What services plugs into the core: permissions per role, the menu entries and shortcuts,
the record types whose changes are kept and the class of each of its fields (数据清单,
docs/security.md)."""

from __future__ import annotations

from django.urls import reverse

from core import history, inventory, registry
from core.masking import mask_phone
from core.registry import QuickLink, permissions_for
from grid.models import Role

from . import (
    actions,
    panels,
    report,  # noqa: F401  (registers 便民服务, its 存在问题 and its charts)
)
from .models import (
    Assistance,
    AssistanceAction,
    Holiday,
    MatterAction,
    PracticalMatter,
    QueueCounter,
    ServiceItem,
    Ticket,
    TicketAction,
    Window,
)

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

# Tickets: 窗口人员 and 社区工作人员 take, call and work them; 网格员 report what they find in
# their grid (网格上报) and read their grid's; 领导 and 系统管理员 read.
TICKETS = ("services.ticket",)
for role in (Role.WINDOW_CLERK, Role.STAFF):
    registry.grant(role, *permissions_for(TICKETS, ("view", "add", "change")))
registry.grant(Role.GRID_WORKER, *permissions_for(TICKETS, ("view", "add")))
registry.grant(Role.LEADER, *permissions_for(TICKETS, ("view",)))
registry.grant(Role.ADMIN, *permissions_for(TICKETS, ("view",)), "services.import_ticket")

registry.menu("便民服务", "services:ticket_list", permission="services.view_ticket", order=50)

# 帮扶 and 实事 / 微心愿: 社区工作人员 keep them; 网格员 register what they find in their grid
# and read it; 领导 and 系统管理员 read.
HELP_MODELS = ("services.assistance", "services.practicalmatter")
registry.grant(Role.STAFF, *permissions_for(HELP_MODELS, ("view", "add", "change")))
registry.grant(Role.GRID_WORKER, *permissions_for(HELP_MODELS, ("view", "add")))
for role in (Role.LEADER, Role.ADMIN):
    registry.grant(role, *permissions_for(HELP_MODELS, ("view",)))
registry.menu("帮扶", "services:assistance_list", permission="services.view_assistance", order=52)
registry.menu("为民实事", "services:matter_list", permission="services.view_practicalmatter", order=53)
registry.related_panel("residents.Resident", panels.resident_assistance_panel, order=50)
registry.related_panel("activities.Decision", panels.decision_matter_panel, order=50)


def _quick_links(user) -> list[QuickLink]:
    if user.has_perm("services.change_ticket"):
        return [QuickLink("窗口工作台", reverse("services:desk"), "叫号、受理、办结，在您所在的窗口办理")]
    if user.has_perm("services.add_ticket"):
        return [
            QuickLink("上报诉求", reverse("services:ticket_create"), "登记网格中群众反映的诉求，跟踪办理")
        ]
    if user.has_perm("services.view_ticket"):
        return [QuickLink("便民服务", reverse("services:ticket_list"), "查阅辖区的窗口办件、信访和热线诉求")]
    return []


registry.quick_links(_quick_links, order=50)

history.track(Window)
# Applicants' phones are masked in the history; nobody reads them whole there.
history.track(Ticket, actions=TicketAction, personal={"applicant_phone": mask_phone})
history.track(Assistance, actions=AssistanceAction)
history.track(PracticalMatter, actions=MatterAction)

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
inventory.classify(QueueCounter, business=("window", "day", "last"), system=("id",))
# A ticket is about a person: who came, their 民族 (sensitive: the minority share is counted
# from it), what they asked and how they rated it.
inventory.classify(
    Ticket,
    sensitive=("applicant_ethnicity",),
    personal=(
        "resident",
        "applicant_name",
        "applicant_phone",
        "subject",
        "result",
        "extension_reason",
        "satisfaction_comment",
        "created_by",
        "handled_by",
    ),
    business=(
        "community",
        "unit",
        "channel",
        "kind",
        "window",
        "queue_day",
        "queue_number",
        "queue_code",
        "called_at",
        "item",
        "received_on",
        "accept_by",
        "accepted_on",
        "deadline",
        "deadline_estimated",
        "extended",
        "status",
        "closed_on",
        "handling_days",
        "referred_to",
        "satisfaction",
    ),
    system=("id", "created_at", "updated_at", "import_key"),
)
# 帮扶 names who was helped and how: the person, the household, what was done and paid.
inventory.classify(
    Assistance,
    personal=("resident", "household", "measures", "amount", "placement", "created_by"),
    business=(
        "community",
        "unit",
        "kind",
        "started_on",
        "status",
        "identified_on",
        "placed_on",
        "closed_on",
    ),
    system=("id", "created_at", "updated_at"),
)
inventory.classify(
    PracticalMatter,
    personal=("beneficiaries", "created_by"),
    business=(
        "community",
        "unit",
        "kind",
        "title",
        "description",
        "origin",
        "raised_on",
        "owner",
        "due_on",
        "status",
        "done_on",
        "result",
        "beneficiary_count",
        "source_type",
        "source_id",
    ),
    system=("id", "created_at", "updated_at"),
)

# A person registered twice and merged: the records here that named the duplicate follow.
registry.on_merge("residents.Resident", actions.residents_merged)
