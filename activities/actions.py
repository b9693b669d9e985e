"""Writes to the activities records. Every change goes through here and leaves its
``core.Change`` (attendance, photos and members filed under their activity or team); a
volunteer service record's status moves with ``core.transitions.transition``: 待确认 →
已确认 or 退回 by staff, a refused move changes nothing.

``by`` is the person acting (``None``: the system, the demo). A person's writes are checked
here too, not only in the views: the role (permission), the scope of the unit, activity,
team and residents named, and for volunteer hours that a team's leader account enters them
for its own team only.

Writes to the activities records. Every change goes through here, leaves its
``core.Change`` and moves statuses with ``core.transitions.transition``: a move the table
does not allow, or that the person may not make, is refused with a Chinese message and
changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import history
from core.history import as_text, snapshot
from core.transitions import transition
from grid.models import OrgLevel, OrgUnit
from grid.scope import scope_queryset, unit_in_scope
from residents.models import Household, Resident

from .models import (
    Activity,
    Attendance,
    Decision,
    DecisionAction,
    DecisionStatus,
    Honour,
    Meeting,
    MemberRole,
    Membership,
    Photo,
    Recipient,
    ServiceRecord,
    ServiceStatus,
    Team,
    Visit,
)
from .photos import process

ACTIVITY_FIELDS = (
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
)
TEAM_FIELDS = ("name", "kind", "description", "leader_account", "active")
SERVICE_FIELDS = ("resident", "served_on", "hours", "content", "activity")
UNIT_LEVELS = (OrgLevel.COMMUNITY, OrgLevel.GRID)


def _may(by, permission: str, message: str) -> None:
    if by is not None and not by.has_perm(permission):
        raise ValidationError(message)


def _unit_checked(by, unit: OrgUnit) -> None:
    if unit.level not in UNIT_LEVELS:
        raise ValidationError({"unit": "活动和队伍登记在社区或网格下。"})
    if by is not None and not unit_in_scope(by, unit):
        raise ValidationError({"unit": "所选单位不在您的管辖范围内。"})


def _check_activity(activity: Activity) -> None:
    if activity.starts_at and activity.ends_at and activity.ends_at < activity.starts_at:
        raise ValidationError({"ends_at": "结束时间不能早于开始时间。"})
    if activity.place_id and not activity.place.grid.path.startswith(_community_path(activity.unit)):
        raise ValidationError({"place": "所选场所不在本社区。"})
    if not activity.place_id and not activity.place_text.strip():
        raise ValidationError({"place_text": "请选择活动场所或填写地点。"})


def _community_path(unit: OrgUnit) -> str:
    """The path of the community a unit is or is in (a grid's parent)."""
    return unit.path if unit.level != OrgLevel.GRID else unit.path[: -OrgUnit.steplen]


def _values(instance, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(instance, instance._meta.get_field(name).attname) for name in names}


# --- activities ---------------------------------------------------------------------------------


@transaction.atomic
def activity_create(*, by, unit: OrgUnit, **fields: Any) -> Activity:
    """登记活动 of a community or grid in the person's scope."""
    _may(by, "activities.add_activity", "您的角色无权登记活动。")
    unknown = set(fields) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"Activity has no field(s): {', '.join(sorted(unknown))}")
    _unit_checked(by, unit)
    activity = Activity(unit=unit, created_by=by if getattr(by, "pk", None) else None, **fields)
    _check_activity(activity)
    activity.full_clean()
    activity.save()
    history.record(
        instance=activity,
        action=history.CREATE,
        changes=snapshot(activity, ("unit", *ACTIVITY_FIELDS)),
        by=by,
    )
    return activity


@transaction.atomic
def activity_update(*, by, activity: Activity, **fields: Any) -> Activity:
    _may(by, "activities.change_activity", "您的角色无权修改活动。")
    unknown = set(fields) - set(ACTIVITY_FIELDS) - {"unit"}
    if unknown:
        raise TypeError(f"Activity has no field(s): {', '.join(sorted(unknown))}")
    current = Activity.objects.select_for_update().get(pk=activity.pk)
    names = ("unit", *ACTIVITY_FIELDS)
    before = _values(current, names)
    for name, value in fields.items():
        setattr(current, name, value)
    _unit_checked(by, current.unit)
    _check_activity(current)
    current.full_clean()
    changes = history.diff_values(before, _values(current, names))
    if changes:
        current.save()
        history.record(instance=current, action=history.UPDATE, changes=changes, by=by)
    return current


def _may_attend(by, activity: Activity) -> None:
    if by is not None and not (
        by.has_perm("activities.record_attendance")
        and scope_queryset(by, Activity).filter(pk=activity.pk).exists()
    ):
        raise ValidationError("您的角色无权登记本活动的签到。")


@transaction.atomic
def attendance_add(*, by, activity: Activity, residents: Iterable[Resident]) -> int:
    """签到: the residents (in the person's scope, on the ledger) attend; those there already
    are left as they are. Returns how many were added."""
    _may_attend(by, activity)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    wanted = {resident.pk: resident for resident in residents}
    if not wanted:
        return 0
    allowed = Resident.objects.active() if by is None else scope_queryset(by, Resident.objects.active())
    ethnicities = dict(allowed.filter(pk__in=wanted).values_list("pk", "ethnicity_id"))
    if set(ethnicities) != set(wanted):
        raise ValidationError("所选居民不在您的管辖范围内或已不在册。")
    there = set(activity.attendance.filter(resident_id__in=wanted).values_list("resident_id", flat=True))
    new = [pk for pk in wanted if pk not in there]
    recorder = by if getattr(by, "pk", None) else None
    rows = Attendance.objects.bulk_create(
        [
            Attendance(activity=activity, resident_id=pk, ethnicity_id=ethnicities[pk], recorded_by=recorder)
            for pk in new
        ]
    )
    if rows:
        names = "、".join(str(pk) for pk in new)
        history.record(
            instance=activity,
            action="attend",
            changes={
                "attendees": [str(len(there)) + "人", f"{len(there) + len(rows)}人（新增居民 {names}）"]
            },
            by=by,
        )
    return len(rows)


@transaction.atomic
def attendance_remove(*, by, activity: Activity, resident: Resident) -> None:
    _may_attend(by, activity)
    deleted, _ = Attendance.objects.filter(activity=activity, resident=resident).delete()
    if deleted:
        history.record(
            instance=activity,
            action="unattend",
            changes={"attendees": [f"居民 {resident.pk}", ""]},
            by=by,
        )


@transaction.atomic
def activity_others_set(*, by, activity: Activity, others: int) -> Activity:
    """台账外参与人数: the people at the activity who are not on the ledger."""
    _may_attend(by, activity)
    if others < 0:
        raise ValidationError({"others": "人数不能为负数。"})
    current = Activity.objects.select_for_update().get(pk=activity.pk)
    if current.others != others:
        changes = {"others": [as_text(current.others), as_text(others)]}
        current.others = others
        current.save(update_fields=["others", "updated_at"])
        history.record(instance=current, action=history.UPDATE, changes=changes, by=by)
    return current


# --- photos -------------------------------------------------------------------------------------


@transaction.atomic
def photo_add(*, by, activity: Activity, upload, caption: str = "") -> Photo:
    """A photo of the activity, resized with its thumbnail (``activities.photos``); a file that
    is not an image is refused and nothing is written."""
    _may(by, "activities.add_photo", "您的角色无权上传活动照片。")
    processed = process(upload)  # refuses before anything is written
    photo = Photo(
        activity=activity,
        width=processed.width,
        height=processed.height,
        caption=caption.strip(),
        uploaded_by=by if getattr(by, "pk", None) else None,
    )
    photo.image.save("photo.jpg", processed.image, save=False)
    photo.thumbnail.save("thumb.jpg", processed.thumbnail, save=False)
    names = (photo.image.name, photo.thumbnail.name)
    storage = photo.image.storage
    try:
        photo.save()
    except Exception:
        for name in names:
            storage.delete(name)
        raise
    history.record(
        instance=photo, parent=activity, action=history.CREATE, changes={"image": ["", "已上传"]}, by=by
    )
    return photo


@transaction.atomic
def photo_delete(*, by, photo: Photo) -> None:
    _may(by, "activities.delete_photo", "您的角色无权删除活动照片。")
    names = [photo.image.name, photo.thumbnail.name]
    storage = photo.image.storage
    history.record(
        instance=photo, parent=photo.activity, action=history.DELETE, changes={"image": ["已上传", ""]}, by=by
    )
    photo.delete()
    transaction.on_commit(lambda: [storage.delete(name) for name in names if name])


# --- teams --------------------------------------------------------------------------------------


def _check_leader_account(team: Team) -> None:
    account = team.leader_account
    if account is None:
        return
    unit = getattr(getattr(account, "profile", None), "org_unit", None)
    if unit is None or not (unit.path.startswith(team.unit.path) or team.unit.path.startswith(unit.path)):
        raise ValidationError({"leader_account": "队长账号须为本单位（或其下网格）的账号。"})


@transaction.atomic
def team_create(*, by, unit: OrgUnit, **fields: Any) -> Team:
    _may(by, "activities.add_team", "您的角色无权登记队伍。")
    unknown = set(fields) - set(TEAM_FIELDS)
    if unknown:
        raise TypeError(f"Team has no field(s): {', '.join(sorted(unknown))}")
    _unit_checked(by, unit)
    team = Team(unit=unit, **fields)
    _check_leader_account(team)
    team.full_clean()
    team.save()
    history.record(
        instance=team, action=history.CREATE, changes=snapshot(team, ("unit", *TEAM_FIELDS)), by=by
    )
    return team


@transaction.atomic
def team_update(*, by, team: Team, **fields: Any) -> Team:
    _may(by, "activities.change_team", "您的角色无权修改队伍。")
    unknown = set(fields) - set(TEAM_FIELDS)
    if unknown:
        raise TypeError(f"Team has no field(s): {', '.join(sorted(unknown))}")
    current = Team.objects.select_for_update().get(pk=team.pk)
    before = _values(current, TEAM_FIELDS)
    for name, value in fields.items():
        setattr(current, name, value)
    _check_leader_account(current)
    current.full_clean()
    changes = history.diff_values(before, _values(current, TEAM_FIELDS))
    if changes:
        current.save()
        history.record(instance=current, action=history.UPDATE, changes=changes, by=by)
    return current


@transaction.atomic
def member_add(
    *, by, team: Team, resident: Resident, role: str = MemberRole.MEMBER, joined_on: dt.date | None = None
) -> Membership:
    """A resident joins the team; one 队长 at a time (naming a new one makes the old a 队员)."""
    _may(by, "activities.change_team", "您的角色无权调整队员。")
    team = Team.objects.select_for_update().get(pk=team.pk)
    if by is not None and not scope_queryset(by, Resident.objects.active()).filter(pk=resident.pk).exists():
        raise ValidationError({"resident": "所选居民不在您的管辖范围内或已不在册。"})
    if team.memberships.filter(resident=resident).exists():
        raise ValidationError({"resident": "该居民已是本队队员。"})
    if role == MemberRole.LEADER:
        team.memberships.filter(role=MemberRole.LEADER).update(role=MemberRole.MEMBER)
    membership = Membership(
        team=team, resident=resident, ethnicity_id=resident.ethnicity_id, role=role, joined_on=joined_on
    )
    membership.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:
        raise ValidationError({"resident": "该居民已是本队队员。"}) from None
    history.record(
        instance=membership,
        parent=team,
        action=history.CREATE,
        changes=snapshot(membership, ("resident", "role", "joined_on")),
        by=by,
    )
    return membership


@transaction.atomic
def member_remove(*, by, membership: Membership) -> None:
    _may(by, "activities.change_team", "您的角色无权调整队员。")
    history.record(
        instance=membership,
        parent=membership.team,
        action=history.DELETE,
        changes={"resident": [as_text(membership.resident_id), ""]},
        by=by,
    )
    membership.delete()


# --- volunteer service ----------------------------------------------------------------------------


def may_enter_hours(user, team: Team) -> bool:
    """Staff (the permission, the team in scope) or the team's own leader account."""
    if user is None:
        return True
    if team.leader_account_id and team.leader_account_id == user.pk:
        return True
    return (
        user.has_perm("activities.add_servicerecord")
        and scope_queryset(user, Team).filter(pk=team.pk).exists()
    )


@transaction.atomic
def service_enter(
    *,
    by,
    team: Team,
    resident: Resident,
    served_on: dt.date,
    hours: Decimal,
    content: str,
    activity: Activity | None = None,
) -> ServiceRecord:
    """录入志愿服务时长 of a member of the team, 待确认 until staff confirm it."""
    if not may_enter_hours(by, team):
        raise ValidationError("只有社区工作人员或本队队长可以录入本队的志愿服务时长。")
    if not team.memberships.filter(resident=resident).exists():
        raise ValidationError({"resident": "志愿者须为本队队员。"})
    if served_on > timezone.localdate():
        raise ValidationError({"served_on": "服务日期不能晚于今天。"})
    if hours is None or hours <= 0 or hours > 24:
        raise ValidationError({"hours": "服务时长应在 0.5 至 24 小时之间。"})
    if activity is not None and not activity.unit.path.startswith(_community_path(team.unit)):
        raise ValidationError({"activity": "关联活动不在本队所在社区。"})
    record = ServiceRecord(
        team=team,
        resident=resident,
        served_on=served_on,
        hours=hours,
        content=content.strip(),
        activity=activity,
        entered_by=by if getattr(by, "pk", None) else None,
    )
    record.full_clean()
    record.save()
    history.record(instance=record, action=history.CREATE, changes=snapshot(record, SERVICE_FIELDS), by=by)
    return record


@transaction.atomic
def service_confirm(*, by, record: ServiceRecord, note: str = "") -> ServiceRecord:
    """已确认: the hours count in the figures from now on."""
    current = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    transition(current, ServiceStatus.CONFIRMED, by=by, note=note)
    history.record(
        instance=current,
        action="confirm",
        changes={"status": [str(ServiceStatus.PENDING.label), str(ServiceStatus.CONFIRMED.label)]},
        by=by,
    )
    return current


@transaction.atomic
def service_return(*, by, record: ServiceRecord, reason: str) -> ServiceRecord:
    """退回 with a reason (wrong hours, not a member's service): it never counts."""
    current = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    transition(current, ServiceStatus.RETURNED, by=by, note=reason)
    history.record(
        instance=current,
        action="return",
        changes={"status": [str(ServiceStatus.PENDING.label), str(ServiceStatus.RETURNED.label)]},
        by=by,
    )
    return current


def _unknown(model: str, fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"{model} has no field(s): {', '.join(sorted(unknown))}")


def _not_future(day: dt.date | None, field: str, label: str) -> None:
    if day and day > timezone.localdate():
        raise ValidationError({field: f"{label}不能晚于今天。"})


def _users_of(community: OrgUnit, users, field: str) -> list:
    """Accounts working in ``community`` or below it (a visitor, an attendee, an owner)."""
    users = [user for user in users if user is not None]
    if not users:
        return []
    known = set(
        get_user_model()
        .objects.filter(
            pk__in=[user.pk for user in users], profile__org_unit__path__startswith=community.path
        )
        .values_list("pk", flat=True)
    )
    if len(known) != len({user.pk for user in users}):
        raise ValidationError({field: "只能选择本社区的工作人员账号。"})
    return users


def _pks(users) -> str:
    """Accounts as the history keeps them: their names (a many-to-many has no one pk to name)."""
    return "、".join(
        user.get_full_name() or user.username for user in sorted(users, key=lambda user: user.pk)
    )


# The history's keys for the accounts chosen: not field names, so the page shows them as written.
VISITORS_KEY = "走访人（账号）"
ATTENDEES_KEY = "参会人（账号）"


def _fields_of(instance, names) -> dict[str, Any]:
    return {name: getattr(instance, instance._meta.get_field(name).attname) for name in names}


# 走访慰问 -------------------------------------------------------------------------------------

VISIT_FIELDS = ("visited_on", "reason", "visitor_names", "items", "amount", "note")


def _check_visit(by, visit: Visit, household: Household) -> None:
    if by is not None and not scope_queryset(by, Household).filter(pk=household.pk).exists():
        raise ValidationError({"household": "所选户不在您的管辖范围内。"})
    _not_future(visit.visited_on, "visited_on", "走访日期")
    if household.closed_on and visit.visited_on and visit.visited_on > household.closed_on:
        raise ValidationError({"visited_on": "该户已销户，走访日期不能晚于销户日期。"})
    if visit.amount is not None and Decimal(visit.amount) < 0:
        raise ValidationError({"amount": "金额不能为负数。"})


@transaction.atomic
def visit_create(*, by, household: Household, visitors=(), **fields: Any) -> Visit:
    """登记走访慰问 of ``household``, filed under its grid (and community) as they are today."""
    _may(by, "activities.add_visit", "您的角色无权登记走访慰问。")
    _unknown("Visit", fields, VISIT_FIELDS)
    visit = Visit(
        household=household,
        grid_id=household.grid_id,
        community_id=household.community_id,
        recorded_by=by if getattr(by, "pk", None) else None,
        **fields,
    )
    _check_visit(by, visit, household)
    if not list(visitors) and not visit.visitor_names.strip():
        raise ValidationError({"visitor_names": "请选择走访人账号，或填写走访人姓名。"})
    visitors = _users_of(household.community, visitors, "visitors")
    visit.full_clean(exclude=["household", "grid", "community"])
    visit.save()
    visit.visitors.set(visitors)
    changes = snapshot(visit, ("household", *VISIT_FIELDS))
    if visitors:
        changes[VISITORS_KEY] = ["", _pks(visitors)]
    history.record(instance=visit, action=history.CREATE, changes=changes, by=by)
    return visit


@transaction.atomic
def visit_update(*, by, visit: Visit, visitors=None, **fields: Any) -> Visit:
    _may(by, "activities.change_visit", "您的角色无权修改走访慰问。")
    _unknown("Visit", fields, VISIT_FIELDS)
    current = Visit.objects.select_for_update().select_related("household").get(pk=visit.pk)
    before = _fields_of(current, VISIT_FIELDS)
    old_visitors = list(current.visitors.all())
    for name, value in fields.items():
        setattr(current, name, value)
    _check_visit(by, current, current.household)
    new_visitors = old_visitors if visitors is None else list(visitors)
    if not new_visitors and not current.visitor_names.strip():
        raise ValidationError({"visitor_names": "请选择走访人账号，或填写走访人姓名。"})
    new_visitors = _users_of(current.household.community, new_visitors, "visitors")
    current.full_clean(exclude=["household", "grid", "community"])
    changes = history.diff_values(before, _fields_of(current, VISIT_FIELDS))
    if {u.pk for u in old_visitors} != {u.pk for u in new_visitors}:
        changes[VISITORS_KEY] = [_pks(old_visitors), _pks(new_visitors)]
        current.visitors.set(new_visitors)
    if not changes:
        return current
    current.save()
    history.record(instance=current, action=history.UPDATE, changes=changes, by=by)
    return current


# 会议与议定事项 -------------------------------------------------------------------------------

MEETING_FIELDS = ("kind", "title", "held_on", "place", "attendee_names", "minutes")
DECISION_FIELDS = ("content", "owner", "owner_unit", "due_on")


def _check_meeting(by, meeting: Meeting) -> None:
    if meeting.community.level != OrgLevel.COMMUNITY:
        raise ValidationError({"community": "会议登记在社区下。"})
    if by is not None and not unit_in_scope(by, meeting.community):
        raise ValidationError({"community": "所选社区不在您的管辖范围内。"})
    _not_future(meeting.held_on, "held_on", "会议日期")


@transaction.atomic
def meeting_create(
    *, by, community: OrgUnit, attendee_users=(), decisions: list[dict] = (), **fields: Any
) -> Meeting:
    """登记 a meeting of ``community`` with the decisions it made (each a dict of
    ``DECISION_FIELDS``)."""
    _may(by, "activities.add_meeting", "您的角色无权登记会议。")
    _unknown("Meeting", fields, MEETING_FIELDS)
    meeting = Meeting(community=community, recorded_by=by if getattr(by, "pk", None) else None, **fields)
    _check_meeting(by, meeting)
    users = _users_of(community, attendee_users, "attendee_users")
    meeting.full_clean()
    meeting.save()
    meeting.attendee_users.set(users)
    changes = snapshot(meeting, MEETING_FIELDS)
    if users:
        changes[ATTENDEES_KEY] = ["", _pks(users)]
    history.record(instance=meeting, action=history.CREATE, changes=changes, by=by)
    for decision in decisions:
        _add_decision(by=by, meeting=meeting, fields=decision)
    return meeting


@transaction.atomic
def meeting_update(*, by, meeting: Meeting, attendee_users=None, **fields: Any) -> Meeting:
    _may(by, "activities.change_meeting", "您的角色无权修改会议。")
    _unknown("Meeting", fields, MEETING_FIELDS)
    current = Meeting.objects.select_for_update().select_related("community").get(pk=meeting.pk)
    before = _fields_of(current, MEETING_FIELDS)
    old_users = list(current.attendee_users.all())
    for name, value in fields.items():
        setattr(current, name, value)
    _check_meeting(by, current)
    new_users = (
        old_users
        if attendee_users is None
        else _users_of(current.community, attendee_users, "attendee_users")
    )
    current.full_clean()
    changes = history.diff_values(before, _fields_of(current, MEETING_FIELDS))
    if {u.pk for u in old_users} != {u.pk for u in new_users}:
        changes[ATTENDEES_KEY] = [_pks(old_users), _pks(new_users)]
        current.attendee_users.set(new_users)
    if not changes:
        return current
    current.save()
    history.record(instance=current, action=history.UPDATE, changes=changes, by=by)
    return current


def _check_decision(decision: Decision, community: OrgUnit) -> None:
    if not (decision.content or "").strip():
        raise ValidationError({"content": "请填写议定事项。"})
    if decision.owner_id is None and not decision.owner_unit.strip():
        raise ValidationError({"owner_unit": "请选择责任人账号，或填写责任单位/责任人。"})
    if decision.owner_id is not None:
        _users_of(community, [decision.owner], "owner")
    if decision.due_on and decision.meeting.held_on and decision.due_on < decision.meeting.held_on:
        raise ValidationError({"due_on": "办理期限不能早于会议日期。"})


def _add_decision(*, by, meeting: Meeting, fields: dict[str, Any]) -> Decision:
    _unknown("Decision", fields, DECISION_FIELDS)
    decision = Decision(meeting=meeting, **fields)
    _check_decision(decision, meeting.community)
    decision.full_clean(exclude=["meeting"])
    decision.save()
    history.record(
        instance=decision,
        action=history.CREATE,
        changes=snapshot(decision, DECISION_FIELDS),
        by=by,
        parent=meeting,
    )
    return decision


@transaction.atomic
def decision_add(*, by, meeting: Meeting, **fields: Any) -> Decision:
    """A decision added to a meeting's record afterwards."""
    _may(by, "activities.add_decision", "您的角色无权登记议定事项。")
    meeting = Meeting.objects.select_for_update().select_related("community").get(pk=meeting.pk)
    return _add_decision(by=by, meeting=meeting, fields=fields)


@transaction.atomic
def decision_update(*, by, decision: Decision, **fields: Any) -> Decision:
    """The content, owner or due date changed (the status moves by its own actions)."""
    _may(by, "activities.change_decision", "您的角色无权修改议定事项。")
    _unknown("Decision", fields, DECISION_FIELDS)
    current = Decision.objects.select_for_update().select_related("meeting__community").get(pk=decision.pk)
    before = _fields_of(current, DECISION_FIELDS)
    for name, value in fields.items():
        setattr(current, name, value)
    _check_decision(current, current.meeting.community)
    current.full_clean(exclude=["meeting"])
    changes = history.diff_values(before, _fields_of(current, DECISION_FIELDS))
    if not changes:
        return current
    current.save()
    history.record(instance=current, action=history.UPDATE, changes=changes, by=by, parent=current.meeting)
    return current


def _locked_decision(decision: Decision) -> Decision:
    return Decision.objects.select_for_update().select_related("meeting").get(pk=decision.pk)


def _move(*, by, decision: Decision, target: str, action: str, note: str = "", values=None) -> Decision:
    decision = _locked_decision(decision)
    values = dict(values or {})
    old = {name: as_text(getattr(decision, name)) for name in values}
    old_status = decision.status
    transition(decision, target, by=by, note=note, values=values)
    changes = {"status": [old_status, target]}
    changes |= {
        name: [old[name], as_text(value)] for name, value in values.items() if old[name] != as_text(value)
    }
    history.record(instance=decision, action=action, changes=changes, by=by, parent=decision.meeting)
    return decision


@transaction.atomic
def decision_start(*, by, decision: Decision, note: str = "") -> Decision:
    """待办 → 办理中."""
    return _move(
        by=by, decision=decision, target=DecisionStatus.DOING, action=DecisionAction.START, note=note
    )


@transaction.atomic
def decision_finish(*, by, decision: Decision, result: str = "", on: dt.date | None = None) -> Decision:
    """→ 已完成, on ``on`` (today by default), with what was done."""
    on = on or timezone.localdate()
    _not_future(on, "on", "完成日期")
    if on < decision.meeting.held_on:
        raise ValidationError({"on": "完成日期不能早于会议日期。"})
    return _move(
        by=by,
        decision=decision,
        target=DecisionStatus.DONE,
        action=DecisionAction.FINISH,
        note=result,
        values={"done_on": on, "result": result.strip()[:300]},
    )


@transaction.atomic
def decision_reopen(*, by, decision: Decision, reason: str) -> Decision:
    """已完成 → 办理中 again, with the reason (the move requires it)."""
    return _move(
        by=by,
        decision=decision,
        target=DecisionStatus.DOING,
        action=DecisionAction.REOPEN,
        note=reason,
        values={"done_on": None},
    )


# 荣誉 -----------------------------------------------------------------------------------------

HONOUR_FIELDS = (
    "recipient",
    "resident",
    "person_name",
    "title",
    "level",
    "awarded_by",
    "awarded_on",
    "note",
)


def _check_honour(by, honour: Honour) -> None:
    if honour.community.level != OrgLevel.COMMUNITY:
        raise ValidationError({"community": "荣誉登记在社区下。"})
    if by is not None and not unit_in_scope(by, honour.community):
        raise ValidationError({"community": "所选社区不在您的管辖范围内。"})
    _not_future(honour.awarded_on, "awarded_on", "授予日期")
    if honour.recipient == Recipient.UNIT:
        honour.resident = None
        honour.person_name = ""
        return
    if honour.resident_id is not None:
        resident = honour.resident
        if not resident.household.community_id == honour.community_id:
            raise ValidationError({"resident": "所选居民不在该社区。"})
        if by is not None and not scope_queryset(by, Resident).filter(pk=resident.pk).exists():
            raise ValidationError({"resident": "所选居民不在您的管辖范围内。"})
        honour.person_name = ""
    elif not honour.person_name.strip():
        raise ValidationError({"person_name": "个人荣誉请从台账中选择居民，或填写姓名。"})


@transaction.atomic
def honour_create(*, by, community: OrgUnit, **fields: Any) -> Honour:
    _may(by, "activities.add_honour", "您的角色无权登记荣誉。")
    _unknown("Honour", fields, HONOUR_FIELDS)
    honour = Honour(community=community, recorded_by=by if getattr(by, "pk", None) else None, **fields)
    _check_honour(by, honour)
    honour.full_clean()
    honour.save()
    history.record(instance=honour, action=history.CREATE, changes=snapshot(honour, HONOUR_FIELDS), by=by)
    return honour


@transaction.atomic
def honour_update(*, by, honour: Honour, **fields: Any) -> Honour:
    _may(by, "activities.change_honour", "您的角色无权修改荣誉。")
    _unknown("Honour", fields, HONOUR_FIELDS)
    current = Honour.objects.select_for_update().select_related("community").get(pk=honour.pk)
    before = _fields_of(current, HONOUR_FIELDS)
    for name, value in fields.items():
        setattr(current, name, value)
    _check_honour(by, current)
    current.full_clean()
    changes = history.diff_values(before, _fields_of(current, HONOUR_FIELDS))
    if not changes:
        return current
    current.save()
    history.record(instance=current, action=history.UPDATE, changes=changes, by=by)
    return current


@transaction.atomic
def residents_merged(*, by, keep: Resident, duplicate: Resident) -> None:
    """A person registered twice was merged (``residents.actions.resident_merge``): their
    签到, team memberships, volunteer hours and honours name the record kept. Where the kept
    record already signed in at the activity or is in the team, that row stands."""
    merge = {"by": by, "field": "resident", "keep": keep, "duplicate": duplicate}
    history.repoint(rows=Attendance.objects.all(), parent="activity", unique_with=("activity",), **merge)
    history.repoint(rows=Membership.objects.all(), parent="team", unique_with=("team",), **merge)
    history.repoint(rows=ServiceRecord.objects.all(), **merge)
    history.repoint(rows=Honour.objects.all(), **merge)
