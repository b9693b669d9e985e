"""What activities plugs into the core: permissions per role, the menu entries and shortcuts,
the record types whose changes are kept, the class of each of its fields (数据清单,
docs/security.md), its panel on a household's page and its report sections."""

from __future__ import annotations

from django.urls import reverse

from core import history, inventory, registry
from core.registry import QuickLink, permissions_for
from grid.models import Role

from . import (
    panels,
    report,  # noqa: F401  (registers 走访慰问, 荣誉, their 存在问题 and the chart)
)
from .models import Decision, DecisionAction, Honour, Meeting, Visit

# --- 走访慰问, 会议与决定, 荣誉 ----------------------------------------------------------------

VISITS = ("activities.visit",)
MEETINGS = ("activities.meeting", "activities.decision")
HONOURS = ("activities.honour",)
ALL_RECORDS = (*VISITS, *MEETINGS, *HONOURS)

# 社区工作人员 record and follow up everything; 系统管理员 too.
for role in (Role.STAFF, Role.ADMIN):
    registry.grant(role, *permissions_for(ALL_RECORDS, ("view", "add", "change")))
# 网格员 record visits in their own grid (their scope) and read them. Meetings and honours are
# the community's, above a grid worker's scope: they are not granted them.
registry.grant(Role.GRID_WORKER, *permissions_for(VISITS, ("view", "add", "change")))
# 领导 read.
registry.grant(Role.LEADER, *permissions_for(ALL_RECORDS, ("view",)))

registry.menu("走访慰问", "activities:visit_list", permission="activities.view_visit", order=62)
registry.menu("会议议事", "activities:meeting_list", permission="activities.view_meeting", order=63)
registry.menu("荣誉", "activities:honour_list", permission="activities.view_honour", order=64)


def _quick_links(user) -> list[QuickLink]:
    links = []
    if user.has_perm("activities.add_visit"):
        links.append(
            QuickLink("登记走访", reverse("activities:visit_create"), "记录走访慰问的户、事由和慰问物品")
        )
    if user.has_perm("activities.view_decision"):
        links.append(QuickLink("议定事项", reverse("activities:decision_list"), "跟踪会议议定事项的办理进度"))
    return links


registry.quick_links(_quick_links, order=62)
registry.related_panel("residents.Household", panels.household_visits_panel, order=60)

history.track(Visit)
history.track(Meeting)
history.track(Decision, actions=DecisionAction)
history.track(Honour)

# 数据清单: a visit is to a household in need — who was visited is sensitive (it tells that the
# household is poor or ill), what was given and written personal. Meetings and decisions are
# the community's business, but their minutes and attendees may name people. An honour names
# a person publicly.
inventory.classify(
    Visit,
    sensitive=("household", "reason", "items", "amount", "note"),
    personal=("visitors", "visitor_names", "recorded_by"),
    business=("community", "grid", "visited_on"),
    system=("id", "created_at", "updated_at"),
)
inventory.classify(
    Meeting,
    personal=("attendee_users", "attendee_names", "minutes", "recorded_by"),
    business=("community", "kind", "title", "held_on", "place"),
    system=("id", "created_at", "updated_at"),
)
inventory.classify(
    Decision,
    personal=("owner",),
    business=("meeting", "content", "owner_unit", "due_on", "status", "done_on", "result"),
    system=("id", "created_at", "updated_at"),
)
inventory.classify(
    Honour,
    personal=("resident", "person_name", "note", "recorded_by"),
    business=("community", "recipient", "title", "level", "awarded_by", "awarded_on"),
    system=("id", "created_at", "updated_at"),
)
