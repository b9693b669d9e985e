"""What activities plugs into the core: permissions per role, the menu entry and shortcuts,
the record types whose changes are kept and the class of each of their fields (数据清单,
docs/security.md); its report section and dashboard charts (``report``).

What activities plugs into the core: permissions per role, the menu entries and shortcuts,
the record types whose changes are kept, the class of each of its fields (数据清单,
docs/security.md), its panel on a household's page and its report sections."""

from __future__ import annotations

from django.urls import reverse

from core import history, inventory, registry
from core.registry import QuickLink, permissions_for
from grid.models import Role

from . import (
    actions,
    panels,
    report,  # noqa: F401  (registers 活动与宣传 and its charts)
)
from .models import (
    Activity,
    Attendance,
    Decision,
    DecisionAction,
    Honour,
    Meeting,
    Membership,
    Photo,
    ServiceRecord,
    Team,
    Visit,
)

READ = (
    "activities.view_activity",
    "activities.view_attendance",
    "activities.view_photo",
    "activities.view_team",
    "activities.view_membership",
    "activities.view_servicerecord",
)
RECORD_ATTENDANCE = "activities.record_attendance"
WRITE = (
    *permissions_for(("activities.activity",), ("add", "change")),
    RECORD_ATTENDANCE,
    *permissions_for(("activities.attendance",), ("add", "delete")),
    *permissions_for(("activities.photo",), ("add", "delete")),
    *permissions_for(("activities.team",), ("add", "change")),
    *permissions_for(("activities.membership",), ("add", "change", "delete")),
    # Entering hours, and confirming or returning them (ServiceRecord.transitions).
    *permissions_for(("activities.servicerecord",), ("add", "change")),
)

# 社区工作人员 log activities, teams and hours; 系统管理员 may do all of it; 网格员 read and record
# the attendance of their grid's activities; 领导 read; the 审计员 nothing.
for role in (Role.STAFF, Role.ADMIN):
    registry.grant(role, *READ, *WRITE)
registry.grant(Role.GRID_WORKER, *READ, RECORD_ATTENDANCE, "activities.add_attendance")
registry.grant(Role.LEADER, *READ)

registry.menu("活动与宣传", "activities:activity_list", permission="activities.view_activity", order=60)


def _quick_links(user) -> list[QuickLink]:
    links = []
    if user.has_perm("activities.add_activity"):
        links.append(
            QuickLink("登记活动", reverse("activities:activity_create"), "节日活动、宣讲宣传，签到从台账选人")
        )
    elif user.has_perm(RECORD_ATTENDANCE):
        links.append(QuickLink("近期活动", reverse("activities:calendar"), "查看近期活动，登记网格居民签到"))
    if user.has_perm("activities.view_team") or user.led_teams.exists():
        links.append(
            QuickLink("队伍与志愿服务", reverse("activities:team_list"), "文体队伍、志愿者队伍和服务时长")
        )
    return links


registry.quick_links(_quick_links, order=60)

history.track(Activity, actions=[("attend", "登记签到"), ("unattend", "取消签到")])
history.track(Attendance)
history.track(Photo)
history.track(Team)
history.track(Membership)
history.track(ServiceRecord, actions=[("confirm", "确认"), ("return", "退回")])

# --- 数据清单 ------------------------------------------------------------------------------
inventory.classify(
    Activity,
    personal=("attendees", "created_by"),
    business=(
        "unit",
        "title",
        "kind",
        "theme",
        "starts_at",
        "ends_at",
        "place",
        "place_text",
        "partners",
        "description",
        "others",
        "materials",
        "slogans",
        "boards",
        "reached",
        "bilingual",
    ),
    system=("id", "created_at", "updated_at"),
)
inventory.classify(
    Attendance,
    sensitive=("ethnicity",),
    personal=("resident", "recorded_by"),
    business=("activity",),
    system=("id", "recorded_at"),
)
# Photos show people: personal, served only through the scoped view.
inventory.classify(
    Photo,
    personal=("image", "thumbnail", "uploaded_by"),
    business=("activity", "width", "height", "caption"),
    system=("id", "uploaded_at"),
)
inventory.classify(
    Team,
    personal=("members", "leader_account"),
    business=("unit", "name", "kind", "description", "active"),
    system=("id", "created_at"),
)
inventory.classify(
    Membership,
    sensitive=("ethnicity",),
    personal=("resident",),
    business=("team", "role", "joined_on"),
    system=("id",),
)
inventory.classify(
    ServiceRecord,
    personal=("resident", "entered_by"),
    business=("team", "served_on", "hours", "content", "activity", "status"),
    system=("id", "created_at"),
)


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


def _visit_links(user) -> list[QuickLink]:
    links = []
    if user.has_perm("activities.add_visit"):
        links.append(
            QuickLink("登记走访", reverse("activities:visit_create"), "记录走访慰问的户、事由和慰问物品")
        )
    if user.has_perm("activities.view_decision"):
        links.append(QuickLink("议定事项", reverse("activities:decision_list"), "跟踪会议议定事项的办理进度"))
    return links


registry.quick_links(_visit_links, order=62)
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

# A person registered twice and merged: the records here that named the duplicate follow.
registry.on_merge("residents.Resident", actions.residents_merged)
