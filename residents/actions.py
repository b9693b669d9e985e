"""Writes to the ledger (台账). Every change goes through here and leaves its
``core.Change`` (a member's change is listed under their household as well).

Nobody is hard-deleted: moving out (迁出) and death are statuses with a date, 去向 and
原因, and a household whose last member leaves is closed (销户) on that day.

Someone who moved out can come back (迁回), into any household, which reopens if it was
closed. Each action re-reads the row it changes under a lock, so the history is diffed
against what is stored, not against whatever a form did to the caller's instance.

A household has at most one 户主 on the ledger: every path that could make a second one
(adding, editing, moving, returning a member) refuses it, naming the present one; when the
户主 leaves or moves away and others remain, the caller names who becomes 户主
(``new_head``); and ``household_change_head`` hands the role over within a household.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core import history, registry
from core.history import as_text, diff, snapshot
from grid.models import OrgLevel, OrgUnit
from grid.scope import unit_in_scope

from . import idnumber
from .models import (
    ChangeAction,
    Departure,
    DuplicateDismissal,
    FloatingRegistration,
    Household,
    LedgerStatus,
    Relation,
    ResidenceStatus,
    Resident,
)
from .queries import ledger_changed

HOUSEHOLD_FIELDS = ("grid", "building", "unit", "number", *Household.DESCRIPTION_FIELDS)
RESIDENT_FIELDS = ("id_number", "gender", "birth_date", *Resident.DESCRIPTION_FIELDS)
FLOATING_FIELDS = FloatingRegistration.DESCRIPTION_FIELDS
# History keys of the floating registration's fields: "floating_registration.origin".
FLOATING_PREFIX = "floating_registration."
LEAVING = {LedgerStatus.MOVED_OUT: ChangeAction.MOVE_OUT, LedgerStatus.DECEASED: ChangeAction.DEATH}


def _only(fields: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"{what} has no editable field(s): {', '.join(sorted(unknown))}")


def _record(*, by, action: str, changes: dict, household: Household, resident: Resident | None = None):
    """A household's change, or a member's filed under ``household`` (where it happened)."""
    ledger_changed([household.grid_id])
    if resident is None:
        return history.record(instance=household, action=action, changes=changes, by=by)
    return history.record(instance=resident, parent=household, action=action, changes=changes, by=by)


def _check_place(household: Household) -> None:
    """The grid is a 网格, and building and unit sit inside it."""
    if household.grid.level != OrgLevel.GRID:
        raise ValidationError({"grid": "户只能登记在网格下。"})
    if household.unit_id and not household.building_id:
        household.building = household.unit.building
    if household.building_id and household.building.grid_id != household.grid_id:
        raise ValidationError({"building": "所选楼栋不属于该网格。"})
    if household.unit_id and household.unit.building_id != household.building_id:
        raise ValidationError({"unit": "所选单元不属于该楼栋。"})


def _community_of(grid: OrgUnit) -> OrgUnit:
    community = OrgUnit.objects.get_parent(grid)
    if community is None or community.level != OrgLevel.COMMUNITY:
        raise ValidationError({"grid": "该网格不在任何社区之下。"})
    return community


@transaction.atomic
def household_create(*, by, grid: OrgUnit, **fields: Any) -> Household:
    _only(fields, HOUSEHOLD_FIELDS, "Household")
    household = Household(grid=grid, **fields)
    _check_place(household)
    household.community = _community_of(grid)
    household.full_clean()
    household.save()
    _record(
        by=by,
        action=ChangeAction.CREATE,
        changes=snapshot(household, HOUSEHOLD_FIELDS),
        household=household,
    )
    return household


@transaction.atomic
def household_update(*, by, household: Household, **fields: Any) -> Household:
    """Change a household; moving it to another grid moves it to that grid's community too."""
    _only(fields, HOUSEHOLD_FIELDS, "Household")
    current = Household.objects.select_for_update().get(pk=household.pk)
    changes = diff(current, fields)
    if not changes:
        return current
    ledger_changed([current.grid_id])  # the grid it leaves, if it moves
    for name, value in fields.items():
        setattr(current, name, value)
    _check_place(current)
    current.community = _community_of(current.grid)
    current.full_clean()
    current.save()
    _record(by=by, action=ChangeAction.UPDATE, changes=changes, household=current)
    return current


def _with_identity(fields: dict[str, Any]) -> dict[str, Any]:
    """Normalise the ID number and take gender and birth date from it; a contradiction is an error."""
    if "id_number" not in fields:
        return fields
    info = idnumber.parse(fields["id_number"])
    errors = {}
    if fields.get("gender") and fields["gender"] != info.gender:
        errors["gender"] = "性别与身份证号不符（身份证号显示为{}）。".format(
            "男" if info.gender == "1" else "女"
        )
    if fields.get("birth_date") and fields["birth_date"] != info.birth_date:
        errors["birth_date"] = f"出生日期与身份证号不符（身份证号显示为{info.birth_date:%Y-%m-%d}）。"
    if errors:
        raise ValidationError(errors)
    return {**fields, "id_number": info.number, "gender": info.gender, "birth_date": info.birth_date}


def _reopen(*, by, household: Household) -> None:
    """Someone joins a closed (销户) household: it is on the ledger again."""
    if household.closed_on is not None:
        changes = {"closed_on": [as_text(household.closed_on), ""]}
        household.closed_on = None
        household.save(update_fields=["closed_on", "updated_at"])
        _record(by=by, action=ChangeAction.UPDATE, changes=changes, household=household)


def _close_if_empty(*, by, household: Household) -> None:
    """The last active member gone: the household closes on the latest leaving date."""
    if household.closed_on is not None or household.residents.active().exists():
        return
    last = household.residents.aggregate(last=Max("status_date"))["last"] or timezone.localdate()
    household.closed_on = last
    household.save(update_fields=["closed_on", "updated_at"])
    _record(
        by=by,
        action=ChangeAction.UPDATE,
        changes={"closed_on": ["", as_text(last)]},
        household=household,
    )


def _refuse_second_head(household: Household, resident: Resident | None, relation: str) -> None:
    """``resident`` (None: someone new) may be 户主 of ``household`` only if nobody else is."""
    if relation != Relation.HEAD:
        return
    present = household.active_head(besides=resident)
    if present is not None:
        raise ValidationError(
            {
                "relation": f"该户已有户主（{present.name}），一户只能有一个户主；"
                "如需更换户主，请在户页面点“更换户主”。"
            }
        )


def _successor(current: Resident, new_head: Resident | None) -> Resident | None:
    """Who becomes 户主 when ``current`` leaves their household: required if ``current`` is the
    户主 and others remain on the ledger there, one of them."""
    if current.relation != Relation.HEAD or not current.is_active:
        return None
    others = current.household.residents.active().exclude(pk=current.pk)
    if not others.exists():
        return None
    if new_head is None:
        raise ValidationError({"new_head": "本户还有在册成员，请指定由谁担任新的户主。"})
    if not others.filter(pk=new_head.pk).exists():
        raise ValidationError({"new_head": "新户主必须是本户的其他在册成员。"})
    return new_head


def _set_relation(*, by, household: Household, resident: Resident, relation: str) -> None:
    current = Resident.objects.select_for_update().get(pk=resident.pk)
    changes = diff(current, {"relation": relation})
    if changes:
        current.relation = relation
        current.save(update_fields=["relation", "updated_at"])
        _record(by=by, action=ChangeAction.UPDATE, changes=changes, household=household, resident=current)


@transaction.atomic
def household_change_head(
    *, by, household: Household, new_head: Resident, former_head_relation: str = ""
) -> Household:
    """更换户主: ``new_head``, a member on the ledger, becomes 户主; the present one, if any,
    takes ``former_head_relation`` (to the new head)."""
    current = Household.objects.select_for_update().get(pk=household.pk)
    member = current.residents.active().filter(pk=new_head.pk).first()
    if member is None:
        raise ValidationError({"new_head": "新户主必须是本户的在册成员。"})
    if member.relation == Relation.HEAD:
        raise ValidationError({"new_head": f"{member.name}已是本户户主。"})
    present = current.active_head()
    if present is not None:
        if not former_head_relation or former_head_relation == Relation.HEAD:
            raise ValidationError({"former_head_relation": f"请选择原户主{present.name}与新户主的关系。"})
        # The present head steps down first: the one-head constraint holds at every statement.
        _set_relation(by=by, household=current, resident=present, relation=former_head_relation)
    _set_relation(by=by, household=current, resident=member, relation=Relation.HEAD)
    return current


def _floating_changes(registration: FloatingRegistration, values: dict[str, Any], *, new: bool) -> dict:
    changes = snapshot(registration, FLOATING_FIELDS) if new else diff(registration, values)
    return {FLOATING_PREFIX + name: pair for name, pair in changes.items()}


@transaction.atomic
def resident_create(
    *, by, household: Household, floating: dict[str, Any] | None = None, **fields: Any
) -> Resident:
    """Add a member; with ``floating`` (the registration's fields) a 流动人口 registration too."""
    _only(fields, RESIDENT_FIELDS, "Resident")
    if floating is not None:
        _only(floating, FLOATING_FIELDS, "FloatingRegistration")
        fields = {**fields, "residence_status": ResidenceStatus.FLOATING}
    household = Household.objects.select_for_update().get(pk=household.pk)
    _refuse_second_head(household, None, fields.get("relation", Relation.HEAD))
    resident = Resident(household=household, **_with_identity(fields))
    resident.full_clean()
    resident.save()
    changes = snapshot(resident, RESIDENT_FIELDS)
    if floating is not None:
        registration = FloatingRegistration(resident=resident, **floating)
        registration.full_clean()
        registration.save()
        changes |= _floating_changes(registration, floating, new=True)
    _record(by=by, action=ChangeAction.CREATE, changes=changes, household=household, resident=resident)
    _reopen(by=by, household=household)
    return resident


def _hidden_old(changes: dict[str, list[str]]) -> dict[str, list[str]]:
    """A change as the new community may read it: what the record holds now, not what another
    community had recorded (its phone, 政治面貌, 就业状况 …). The old household stays a pk,
    shown as out of the reader's scope."""
    return {name: pair if name == "household" else ["", pair[1]] for name, pair in changes.items()}


@transaction.atomic
def resident_update(
    *, by, resident: Resident, floating: dict[str, Any] | None = None, hide_old: bool = False, **fields: Any
) -> Resident:
    """Change a resident's facts; ``floating`` creates or updates their 流动人口 registration.
    ``hide_old``: record only the new values (a record that just came from another community)."""
    _only(fields, RESIDENT_FIELDS, "Resident")
    current = Resident.objects.select_for_update().select_related("household").get(pk=resident.pk)
    if "id_number" in fields:
        fields = _with_identity(fields)
    if current.is_active and fields.get("relation", current.relation) != current.relation:
        if current.relation == Relation.HEAD:
            raise ValidationError(
                {"relation": "户主的关系不能在这里修改，请在户页面点“更换户主”，指定新的户主。"}
            )
        _refuse_second_head(current.household, current, fields["relation"])
    changes = diff(current, fields)
    for name, value in fields.items():
        setattr(current, name, value)
    if changes:
        current.full_clean()
        current.save()
    if floating is not None:
        _only(floating, FLOATING_FIELDS, "FloatingRegistration")
        registration = FloatingRegistration.objects.filter(resident=current).first()
        new = registration is None
        if new:
            registration = FloatingRegistration(resident=current, **floating)
            changes |= _floating_changes(registration, floating, new=True)
        else:
            changes |= _floating_changes(registration, floating, new=False)
            for name, value in floating.items():
                setattr(registration, name, value)
        registration.full_clean()
        registration.save()
    if changes:
        changes = _hidden_old(changes) if hide_old else changes
        _record(
            by=by, action=ChangeAction.UPDATE, changes=changes, household=current.household, resident=current
        )
    return current


@transaction.atomic
def resident_move(
    *,
    by,
    resident: Resident,
    to_household: Household,
    relation: str | None = None,
    new_head: Resident | None = None,
) -> Resident:
    """Move a member to another household, with their relation to its head (kept if not
    given): the history of both households says so. A 户主 who leaves others behind names
    ``new_head``."""
    current = Resident.objects.select_for_update().select_related("household").get(pk=resident.pk)
    source = Household.objects.select_for_update().get(pk=current.household_id)
    target = Household.objects.select_for_update().get(pk=to_household.pk)
    if not current.is_active:
        raise ValidationError(f"{current.name}已{current.get_status_display()}，不能迁移到其他户。")
    if target.pk == source.pk:
        raise ValidationError("目标户与当前所在户相同。")
    successor = _successor(current, new_head)
    _refuse_second_head(target, current, relation or current.relation)
    values = {"household": target, **({"relation": relation} if relation else {})}
    changes = diff(current, values)
    for name, value in values.items():
        setattr(current, name, value)
    current.full_clean()
    current.save(update_fields=[*values, "updated_at"])
    for household in (source, target):
        _record(by=by, action=ChangeAction.MOVE, changes=changes, household=household, resident=current)
    if successor is not None:
        _set_relation(by=by, household=source, resident=successor, relation=Relation.HEAD)
    _reopen(by=by, household=target)
    _close_if_empty(by=by, household=source)
    return current


@transaction.atomic
def resident_leave(
    *,
    by,
    resident: Resident,
    status: str,
    on: dt.date,
    departure: str = "",
    departure_place: str = "",
    reason: str = "",
    new_head: Resident | None = None,
) -> Resident:
    """Record moving out (迁出, with its 去向) or death (死亡) on ``on``, and why. A 户主 who
    leaves others behind names ``new_head``. Recording the same thing again does nothing."""
    if status not in LEAVING:
        raise ValidationError({"status": "只能登记迁出或死亡。"})
    current = Resident.objects.select_for_update().select_related("household").get(pk=resident.pk)
    if not current.is_active:
        if current.status == status and current.status_date == on:
            return current
        raise ValidationError(
            f"{current.name}已于{current.status_date:%Y-%m-%d}{current.get_status_display()}，不能再次登记。"
        )
    if on > timezone.localdate():
        raise ValidationError({"on": "日期不能晚于今天。"})
    if on < current.birth_date or (current.moved_in_on and on < current.moved_in_on):
        raise ValidationError({"on": "日期不能早于出生日期或迁入日期。"})
    if current.status_date and on < current.status_date:
        raise ValidationError({"on": f"日期不能早于该居民迁回的日期（{current.status_date:%Y-%m-%d}）。"})
    if status == LedgerStatus.MOVED_OUT and departure not in Departure.values:
        raise ValidationError({"departure": "请选择迁出去向。"})
    if status == LedgerStatus.DECEASED:
        departure, departure_place = "", ""
    successor = _successor(current, new_head)
    values = {
        "status": status,
        "status_date": on,
        "departure": departure,
        "departure_place": departure_place.strip(),
        "leaving_reason": reason.strip(),
    }
    changes = diff(current, values)
    for name, value in values.items():
        setattr(current, name, value)
    current.save(update_fields=[*values, "updated_at"])
    _record(by=by, action=LEAVING[status], changes=changes, household=current.household, resident=current)
    if successor is not None:
        _set_relation(by=by, household=current.household, resident=successor, relation=Relation.HEAD)
    _close_if_empty(by=by, household=Household.objects.select_for_update().get(pk=current.household_id))
    return current


def _come_back(
    *, by, current: Resident, target: Household, relation: str, on: dt.date, hide_old: bool = False
) -> Resident:
    """Someone moved out (迁出) is on the ledger again from ``on``, in ``target`` (locked by
    the caller) with ``relation`` to its head. Their leaving date gives way to ``on``, so a
    later leaving can't be dated before the return."""
    if current.status == LedgerStatus.DECEASED:
        raise ValidationError(f"{current.name}已于{current.status_date:%Y-%m-%d}死亡，不能办理迁回。")
    if current.status == LedgerStatus.MERGED:
        raise ValidationError(f"该记录是重复登记，已合并到{current.name}的另一条记录，不能办理迁回。")
    if current.status != LedgerStatus.MOVED_OUT:
        raise ValidationError(f"{current.name}目前在册，无需办理迁回。")
    _refuse_second_head(target, current, relation)
    # The leaving's 去向 and 原因 stay in the history, not on a record that is on the ledger.
    values = {
        "household": target,
        "relation": relation,
        "status": LedgerStatus.ACTIVE,
        "status_date": on,
        "departure": "",
        "departure_place": "",
        "leaving_reason": "",
    }
    changes = diff(current, values)
    for name, value in values.items():
        setattr(current, name, value)
    current.full_clean()
    current.save(update_fields=[*values, "updated_at"])
    changes = _hidden_old(changes) if hide_old else changes
    _record(by=by, action=ChangeAction.RETURN, changes=changes, household=target, resident=current)
    _reopen(by=by, household=target)
    return current


def _check_return_date(on: dt.date, *, left_on: dt.date, key: str, before_leaving: str) -> None:
    if on > timezone.localdate():
        raise ValidationError({key: "迁回日期不能晚于今天。"})
    if on < left_on:
        raise ValidationError({key: before_leaving})


@transaction.atomic
def resident_return(
    *, by, resident: Resident, household: Household, relation: str, returned_on: dt.date
) -> Resident:
    """迁回: someone recorded as moved out comes back on ``returned_on``, into their old
    household or any other. One ``RETURN`` change on the household they join says so."""
    current = Resident.objects.select_for_update().select_related("household").get(pk=resident.pk)
    target = Household.objects.select_for_update().get(pk=household.pk)
    if current.status == LedgerStatus.MOVED_OUT:
        _check_return_date(
            returned_on,
            left_on=current.status_date,
            key="returned_on",
            before_leaving=f"迁回日期不能早于迁出日期（{current.status_date:%Y-%m-%d}）。",
        )
    return _come_back(by=by, current=current, target=target, relation=relation, on=returned_on)


@transaction.atomic
def resident_transfer_in(
    *,
    by,
    id_number: str,
    household: Household,
    relation: str,
    returned_on: dt.date,
    floating: dict[str, Any] | None = None,
    **fields: Any,
) -> Resident:
    """Someone recorded as moved out somewhere ``by`` may not see is registered again in
    ``household``: their record comes over (a ``RETURN`` change, from the old household's id
    to this one's) rather than being duplicated. ``fields`` and ``floating``, as typed on the
    registration form, then update it like ``resident_update``.

    The record's old place stays unseen: errors here name no date, household or community."""
    _only(fields, RESIDENT_FIELDS, "Resident")
    if not unit_in_scope(by, Household.objects.select_related("grid").get(pk=household.pk).grid):
        raise ValidationError("目标户不在您的管辖范围内。")
    number = idnumber.parse(id_number).number
    # The person first, then the household, as the other actions lock them.
    current = Resident.objects.select_for_update().filter(id_number=number).first()
    if current is None or current.status != LedgerStatus.MOVED_OUT:
        raise ValidationError({"id_number": "该身份证号没有迁出登记，不能迁入本户。"})
    target = Household.objects.select_for_update().get(pk=household.pk)
    _check_return_date(
        returned_on,
        left_on=current.status_date,
        key="moved_in_on",
        before_leaving="迁入日期早于该居民在原登记地的迁出日期，请核对。",
    )
    # The record's history there stays there (filed under that community); what is written
    # here says what the record holds now, not what that community had recorded.
    _come_back(by=by, current=current, target=target, relation=relation, on=returned_on, hide_old=True)
    if fields or floating is not None:
        current = resident_update(by=by, resident=current, floating=floating, hide_old=True, **fields)
    return current


# --- possible duplicates (疑似重复登记, residents.duplicates) ------------------------------------


def _check_pair(*, by, first: Resident, second: Resident) -> None:
    """Two records staff may merge or dismiss: both theirs, on the ledger, the same name and
    birth date, in two households."""
    for resident in (first, second):
        if by is not None and not unit_in_scope(by, resident.household.grid):
            raise ValidationError("所选居民不在您的管辖范围内。")
        if not resident.is_active:
            raise ValidationError(f"{resident.name}的这条记录已{resident.get_status_display()}，无需再处理。")
    if first.pk == second.pk or first.household_id == second.household_id:
        raise ValidationError("只能处理登记在两个不同户中的两条记录。")
    if (first.name, first.birth_date) != (second.name, second.birth_date):
        raise ValidationError("两条记录的姓名或出生日期不同，不是疑似重复登记。")


def _lock_pair(a: Resident, b: Resident) -> dict[int, Resident]:
    """The two records as stored, by pk, locked in pk order (as every merge or dismissal
    locks a pair, so two of them on one pair wait rather than deadlock)."""
    rows = Resident.objects.select_for_update(of=("self",)).select_related("household__grid")
    return {r.pk: r for r in rows.filter(pk__in=(a.pk, b.pk)).order_by("pk")}


@transaction.atomic
def resident_merge(*, by, keep: Resident, duplicate: Resident) -> Resident:
    """合并: ``duplicate`` is the same person as ``keep``, registered twice. It leaves the
    ledger (status "merged", ``merged_into`` ``keep``) but is not deleted: its history stays,
    and every record of the other apps that named it (a 当事人, a 受益居民, a 签到 …) names
    ``keep`` from now on, each with its change (``registry.on_merge``). ``keep``'s own values
    stay as they are. Its household closes if nobody else is left there."""
    locked = _lock_pair(keep, duplicate)
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    _check_pair(by=by, first=keep, second=duplicate)
    others = duplicate.household.residents.active().exclude(pk=duplicate.pk)
    if duplicate.relation == Relation.HEAD and others.exists():
        raise ValidationError(
            f"要合并掉的记录是户号 {duplicate.household.number} 的户主，户内还有其他在册成员："
            "请先在该户页面“更换户主”，再合并。"
        )
    today = timezone.localdate()
    values = {"status": LedgerStatus.MERGED, "status_date": today, "merged_into": keep}
    changes = diff(duplicate, values)
    for name, value in values.items():
        setattr(duplicate, name, value)
    duplicate.save(update_fields=[*values, "updated_at"])
    _record(
        by=by, action=ChangeAction.MERGE, changes=changes, household=duplicate.household, resident=duplicate
    )
    _record(
        by=by,
        action=ChangeAction.MERGE,
        changes={"重复登记": ["", f"户号 {duplicate.household.number} 的同一人记录已合并到本记录"]},
        household=keep.household,
        resident=keep,
    )
    for handler in registry.merge_handlers_for("residents.Resident"):
        handler(by=by, keep=keep, duplicate=duplicate)
    _close_if_empty(by=by, household=Household.objects.select_for_update().get(pk=duplicate.household_id))
    return keep


@transaction.atomic
def duplicate_dismiss(*, by, first: Resident, second: Resident, reason: str) -> DuplicateDismissal:
    """排除: two records listed as a possible duplicate are two people. Dismissing the pair
    again changes nothing."""
    low, high = sorted((first, second), key=lambda r: r.pk)
    locked = _lock_pair(low, high)
    existing = DuplicateDismissal.objects.filter(first_id=low.pk, second_id=high.pk).first()
    if existing is not None:
        return existing
    _check_pair(by=by, first=locked[low.pk], second=locked[high.pk])
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "请填写排除理由，例如“经核实为同名同生日的两人”。"})
    dismissal = DuplicateDismissal.objects.create(
        first_id=low.pk,
        second_id=high.pk,
        reason=reason,
        dismissed_by=by if getattr(by, "pk", None) else None,
    )
    for resident, other in ((locked[low.pk], locked[high.pk]), (locked[high.pk], locked[low.pk])):
        _record(
            by=by,
            action=ChangeAction.DISMISS_DUPLICATE,
            changes={"疑似重复": [f"与户号 {other.household.number} 的同名记录", "已排除：" + reason]},
            household=resident.household,
            resident=resident,
        )
    return dismissal
