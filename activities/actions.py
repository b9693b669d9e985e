"""Writes to the activities records. Every change goes through here and leaves its
``core.Change`` (attendance, photos and members filed under their activity or team); a
volunteer service record's status moves with ``core.transitions.transition``: 待确认 →
已确认 or 退回 by staff, a refused move changes nothing.

``by`` is the person acting (``None``: the system, the demo). A person's writes are checked
here too, not only in the views: the role (permission), the scope of the unit, activity,
team and residents named, and for volunteer hours that a team's leader account enters them
for its own team only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import history
from core.history import as_text, snapshot
from core.transitions import transition
from grid.models import OrgLevel, OrgUnit
from grid.scope import scope_queryset, unit_in_scope
from residents.models import Resident

from .models import (
    Activity,
    Attendance,
    MemberRole,
    Membership,
    Photo,
    ServiceRecord,
    ServiceStatus,
    Team,
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
