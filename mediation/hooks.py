"""What mediation plugs into the core: permissions per role, the menu entry and shortcut, the
record types whose changes are kept and the class of each of its fields (数据清单,
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
    report,  # noqa: F401  (registers 矛盾纠纷调解, its 存在问题 and its chart)
)
from .models import (
    OPEN,
    Agreement,
    Case,
    CaseAction,
    CaseCounter,
    ClinicSession,
    Escalation,
    FollowUp,
    MediationTeam,
    Mediator,
    Party,
    Session,
    mediator_of,
)

# The agreement (调解协议书) and the follow-ups (回访) are read and worked as the case is.
CASE_RECORDS = (
    "mediation.case",
    "mediation.party",
    "mediation.session",
    "mediation.agreement",
    "mediation.followup",
)
ROSTER = ("mediation.mediator", "mediation.mediationteam")

# 网格员 find and report disputes in their grid, and read their grid's cases.
registry.grant(
    Role.GRID_WORKER,
    *permissions_for(CASE_RECORDS, ("view",)),
    "mediation.add_case",
    "mediation.add_party",
    *permissions_for(ROSTER, ("view",)),
)
# 调解员 and 社区工作人员 work cases through: accept, mediate, record sessions, close.
for role in (Role.MEDIATOR, Role.STAFF):
    registry.grant(
        role,
        *permissions_for(CASE_RECORDS, ("view", "add", "change")),
        *permissions_for(ROSTER, ("view",)),
    )
# Only staff reopen a closed case (recorded as 重新开启).
registry.grant(Role.STAFF, "mediation.reopen_case", *permissions_for(ROSTER, ("add", "change")))
# 领导 read; 系统管理员 read and keep the roster of mediators and teams.
registry.grant(Role.LEADER, *permissions_for(CASE_RECORDS, ("view",)), *permissions_for(ROSTER, ("view",)))
registry.grant(
    Role.ADMIN,
    *permissions_for(CASE_RECORDS, ("view",)),
    *permissions_for(ROSTER, ("view", "add", "change")),
)

registry.menu("矛盾调解", "mediation:case_list", permission="mediation.view_case", order=40)

# 法律诊所: community staff and mediators record the sittings, leaders and admins read them.
CLINIC = ("mediation.clinicsession",)
for role in (Role.MEDIATOR, Role.STAFF):
    registry.grant(role, *permissions_for(CLINIC, ("view", "add", "change")))
for role in (Role.LEADER, Role.ADMIN):
    registry.grant(role, *permissions_for(CLINIC, ("view",)))
registry.menu("法律诊所", "mediation:clinic_list", permission="mediation.view_clinicsession", order=41)


def _quick_links(user) -> list[QuickLink]:
    links = []
    if user.has_perm("mediation.add_case"):
        links.append(
            QuickLink(
                "登记纠纷", reverse("mediation:case_create"), "登记排查发现的矛盾纠纷，选择台账中的当事人"
            )
        )
    elif user.has_perm("mediation.view_case"):
        links.append(QuickLink("矛盾调解", reverse("mediation:case_list"), "查阅辖区的矛盾纠纷案件"))
    return links


registry.quick_links(_quick_links, order=40)


def _my_cases_link(user) -> list[QuickLink]:
    """A mediator whose account is linked to the roster: their open cases, nearest deadline.
    Only the mediator role is looked up: the other roles' home pages cost no query more."""
    profile = getattr(user, "profile", None)
    if getattr(profile, "role", None) != Role.MEDIATOR or not user.has_perm("mediation.view_case"):
        return []
    mediator = mediator_of(user)
    if mediator is None:
        return []
    mine = Case.objects.filter(mediators=mediator, status__in=OPEN)
    count = mine.count()
    nearest = mine.exclude(deadline=None).order_by("deadline").values_list("deadline", flat=True).first()
    description = f"最近期限 {nearest:%Y-%m-%d}" if nearest else "暂无待办期限"
    return [QuickLink(f"我的案件 {count}件", reverse("mediation:case_list"), description)]


registry.quick_links(_my_cases_link, order=39)

# Parties' and mediators' phones are masked in the history; nobody reads them whole there.
history.track(Case, actions=CaseAction)
history.track(Party, personal={"phone": mask_phone})
history.track(Session)
history.track(Agreement)
history.track(FollowUp)
history.track(Mediator, personal={"phone": mask_phone})
history.track(ClinicSession)


# --- 数据清单 ------------------------------------------------------------------------------
# A dispute is about people: its facts, its parties and what was said at a session are
# personal; that it involves an ethnic or religious factor, and a party's 民族, are sensitive.
inventory.classify(CaseCounter, business=("community", "year", "last"), system=("id",))
inventory.classify(MediationTeam, business=("community", "name", "description"), system=("id",))
inventory.classify(
    Mediator,
    personal=("resident", "name", "phone", "organisation", "user"),
    business=("community", "role", "teams", "active"),
    system=("id",),
)
inventory.classify(
    Case,
    sensitive=("ethnic_factor", "religious_factor"),
    personal=("title", "facts", "outcome_note", "extension_reason", "reported_by"),
    business=(
        "community",
        "grid",
        "year",
        "number",
        "file_number",
        "category",
        "source",
        "risk",
        "reported_on",
        "accepted_on",
        "deadline",
        "extended",
        "status",
        "closed_on",
        "days_to_close",
        "referred_to",
        "mediators",
        "clinic_session",
        "joint_departments",
    ),
    system=("id", "created_at", "updated_at"),
)
inventory.classify(
    Party,
    sensitive=("ethnicity",),
    personal=("case", "resident", "name", "phone", "side"),
    system=("id",),
)
inventory.classify(
    Session,
    personal=("notes", "parties", "recorded_by"),
    business=("case", "held_on", "place", "mediators"),
    system=("id", "created_at"),
)
inventory.classify(
    ClinicSession,
    personal=("counsel", "counsel_name", "counsel_organisation", "topics", "recorded_by"),
    business=("community", "grid", "mode", "held_on", "place", "served", "minority_served"),
    system=("id", "created_at", "updated_at"),
)
# The agreement holds what the parties agreed to and what each is responsible for, the
# visit what was found at their door: personal. Its scan is the signed document itself.
inventory.classify(
    Agreement,
    personal=(
        "facts",
        "disputes",
        "responsibilities",
        "terms",
        "performance_method",
        "performance_place",
        "scan",
        "created_by",
    ),
    business=("case", "performance_deadline", "made_on", "signed_on", "scan_type"),
    system=("id", "created_at", "updated_at"),
)
inventory.classify(
    FollowUp,
    personal=("note", "visited_by", "performance"),
    business=("case", "round", "due_on", "status", "visited_on", "mediator"),
    system=("id", "created_at"),
)


# --- 预警: the escalations, on leaders' home pages and the daily list ------------------------
# Leaders are who the escalations are for; those who work cases see the list too.
for role in (Role.LEADER, Role.STAFF, Role.MEDIATOR, Role.ADMIN):
    registry.grant(role, "mediation.view_escalation")
registry.home_panel(panels.home_panel, order=20)
registry.related_panel("residents.Resident", panels.resident_cases_panel, order=40)
history.track(Escalation)
inventory.classify(
    Escalation,
    business=("case", "day", "overdue", "repeat"),
    system=("id", "created_at"),
)

# A person registered twice and merged: the records here that named the duplicate follow.
registry.on_merge("residents.Resident", actions.residents_merged)
