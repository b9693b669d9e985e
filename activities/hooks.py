"""What activities plugs into the core: permissions per role, the menu entry and shortcuts,
the record types whose changes are kept and the class of each of their fields (数据清单,
docs/security.md); its report section and dashboard charts (``report``)."""

from __future__ import annotations

from django.urls import reverse

from core import history, inventory, registry
from core.registry import QuickLink, permissions_for
from grid.models import Role

from . import report  # noqa: F401  (registers 活动与宣传 and its charts)
from .models import Activity, Attendance, Membership, Photo, ServiceRecord, Team

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
