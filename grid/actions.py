"""Writes to the org tree, to what a grid covers and to who-works-where. Every change to a
unit, building, 单元 or place leaves its ``core.Change``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from core import audit, history, lockout, registry
from core.models import AuditKind

from .models import (
    Building,
    NumberedMixin,
    OrgLevel,
    OrgUnit,
    Place,
    Profile,
    Role,
    Unit,
    duplicate_building_message,
    duplicate_unit_message,
)
from .roles import group_name


@transaction.atomic
def org_unit_create(*, parent: OrgUnit | None, level: int, code: str, name: str, by=None) -> OrgUnit:
    """Add a unit under ``parent`` (or a new root). The level must be the one below the parent's.
    ``by`` is who did it (None: the system, as when the demo is seeded)."""
    if parent is None:
        if level != OrgLevel.DISTRICT:
            raise ValidationError({"level": "顶级单元只能是区。"})
        unit = OrgUnit(level=level, code=code, name=name)
        unit.full_clean(exclude=["path", "depth", "numchild"])
        unit = OrgUnit.objects.add_root(instance=unit)
    else:
        parent.refresh_from_db()  # treebeard computes the child's path from fresh numchild
        parent.check_child_level(level)
        unit = OrgUnit(level=level, code=code, name=name)
        unit.full_clean(exclude=["path", "depth", "numchild"])
        unit = OrgUnit.objects.add_child(parent, instance=unit)
    changes = history.snapshot(unit, ("level", *ORG_UNIT_FIELDS))
    history.record(instance=unit, action=history.CREATE, changes=changes, by=by)
    return unit


@transaction.atomic
def user_assign_role(*, user, org_unit: OrgUnit, role: str, grants: list[str] | None = None) -> Profile:
    """Place ``user`` at ``org_unit`` with ``role``: the profile, the group and admin-site
    access agree. ``grants`` (None: those the profile holds) are rights an admin gave beyond
    the role (``core.registry.grantables``); those not offered to ``role`` are dropped, and the
    user's own permissions are exactly what the kept ones give."""
    current = Profile.objects.filter(user=user).first()
    wanted = grants if grants is not None else (current.extra_grants if current else [])
    kept = [g for g in registry.grantables(role) if g.key in wanted]
    profile, _ = Profile.objects.update_or_create(
        user=user, defaults={"org_unit": org_unit, "role": role, "extra_grants": [g.key for g in kept]}
    )
    role_groups = Group.objects.filter(name__in=[r.label for r in Role])
    user.groups.remove(*role_groups)
    user.groups.add(Group.objects.get(name=group_name(role)))
    user.user_permissions.set(_permissions(name for g in kept for name in g.permissions))
    # Only system admins use the Django admin site; everyone else works in the app's pages.
    user.is_staff = role == Role.ADMIN
    user.save(update_fields=["is_staff"])
    audit.record(
        AuditKind.ACCOUNT, obj=profile, role=role, org_unit=org_unit.pk, grants=[g.key for g in kept]
    )
    return profile


def _permissions(names) -> list[Permission]:
    found = []
    for name in set(names):
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


@transaction.atomic
def account_unlock(*, by, user, request=None) -> int:
    """End ``user``'s sign-in lockout now, from every address (账号解锁), in the audit log as
    an account change with the number of attempts removed; ``request`` gives the event the
    address it came from. The caller has checked ``user`` is in ``by``'s scope."""
    removed = lockout.unlock(user.get_username())
    audit.record(AuditKind.ACCOUNT, user=by, request=request, obj=user, action="unlock", attempts=removed)
    return removed


# --- buildings, units and places (楼栋、单元、场所) -----------------------------------------
#
# Each write re-reads the row under a lock, so its history is diffed against what is
# stored. Two people typing the same number at once: the database's unique constraint
# decides, and the loser gets the form's message instead of a 500.

BUILDING_FIELDS = ("number", "address", "head", "head_name", "head_phone")
UNIT_FIELDS = ("number", "head", "head_name", "head_phone")
PLACE_FIELDS = ("kind", "name", "address", "head", "head_name", "head_phone", "note")
ORG_UNIT_FIELDS = ("name", "code")


def _only(fields: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"{what} has no editable field(s): {', '.join(sorted(unknown))}")


def _save(instance: models.Model, *, duplicate: str) -> None:
    """Validate and save; a number taken meanwhile (the unique constraint) is the form's error."""
    if isinstance(instance, NumberedMixin):
        instance.position = instance.position_for(instance.number)
    instance.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise ValidationError({"number": duplicate}) from None


def _save_new(
    instance: models.Model, fields: tuple[str, ...], *, by, duplicate: str = "", parent=None
) -> None:
    _save(instance, duplicate=duplicate)
    changes = history.snapshot(instance, fields)
    history.record(instance=instance, parent=parent, action=history.CREATE, changes=changes, by=by)


def _save_changes(model, instance, values: dict[str, Any], *, by, duplicate: str = "", parent=None):
    current = model.objects.select_for_update().get(pk=instance.pk)
    changes = history.diff(current, values)
    if not changes:
        return current
    for name, value in values.items():
        setattr(current, name, value)
    _save(current, duplicate=duplicate)
    history.record(instance=current, parent=parent, action=history.UPDATE, changes=changes, by=by)
    return current


@transaction.atomic
def org_unit_update(*, by, unit: OrgUnit, **fields: Any) -> OrgUnit:
    """Rename a unit or change its code; its place in the tree never changes here."""
    _only(fields, ORG_UNIT_FIELDS, "OrgUnit")
    return _save_changes(OrgUnit, unit, fields, by=by)


@transaction.atomic
def building_create(*, by, grid: OrgUnit, **fields: Any) -> Building:
    _only(fields, BUILDING_FIELDS, "Building")
    if grid.level != OrgLevel.GRID:
        raise ValidationError({"grid": "楼栋只能建在网格下。"})
    building = Building(grid=grid, **fields)
    _save_new(building, BUILDING_FIELDS, by=by, duplicate=duplicate_building_message(building.number))
    return building


@transaction.atomic
def building_update(*, by, building: Building, **fields: Any) -> Building:
    """Change a building's number, address or 楼栋长; its grid stays (households are filed by it)."""
    _only(fields, BUILDING_FIELDS, "Building")
    message = duplicate_building_message(fields.get("number", building.number))
    return _save_changes(Building, building, fields, by=by, duplicate=message)


@transaction.atomic
def unit_create(*, by, building: Building, **fields: Any) -> Unit:
    """A 单元 of ``building``; its history is listed on the building's page too."""
    _only(fields, UNIT_FIELDS, "Unit")
    unit = Unit(building=building, **fields)
    _save_new(unit, UNIT_FIELDS, by=by, duplicate=duplicate_unit_message(unit.number), parent=building)
    return unit


@transaction.atomic
def unit_update(*, by, unit: Unit, **fields: Any) -> Unit:
    _only(fields, UNIT_FIELDS, "Unit")
    message = duplicate_unit_message(fields.get("number", unit.number))
    return _save_changes(Unit, unit, fields, by=by, duplicate=message, parent=unit.building)


@transaction.atomic
def place_create(*, by, grid: OrgUnit, **fields: Any) -> Place:
    _only(fields, PLACE_FIELDS, "Place")
    if grid.level != OrgLevel.GRID:
        raise ValidationError({"grid": "场所只能登记在网格下。"})
    place = Place(grid=grid, **fields)
    _save_new(place, PLACE_FIELDS, by=by)
    return place


@transaction.atomic
def place_update(*, by, place: Place, **fields: Any) -> Place:
    _only(fields, PLACE_FIELDS, "Place")
    return _save_changes(Place, place, fields, by=by)


def _delete(instance: models.Model, fields: tuple[str, ...], *, by, parent=None) -> None:
    """What a deleted record held stays in its history (删除: every field to nothing).
    The database still refuses a building or 单元 that households are filed under."""
    record_id, unit_id = instance.pk, history.unit_id_of(parent if parent is not None else instance)
    changes = {name: [new, old] for name, (old, new) in history.snapshot(instance, fields).items()}
    instance.delete()
    instance.pk = record_id  # the history names the record it was
    history.record(
        instance=instance, parent=parent, action=history.DELETE, changes=changes, by=by, unit_id=unit_id
    )


@transaction.atomic
def building_delete(*, by, building: Building) -> None:
    _delete(building, BUILDING_FIELDS, by=by)


@transaction.atomic
def unit_delete(*, by, unit: Unit) -> None:
    _delete(unit, UNIT_FIELDS, by=by, parent=unit.building)


@transaction.atomic
def place_delete(*, by, place: Place) -> None:
    _delete(place, PLACE_FIELDS, by=by)


@transaction.atomic
def heads_merged(*, by, keep: models.Model, duplicate: models.Model) -> None:
    """A person on the ledger (``settings.GRID_HEAD_MODEL``) registered twice was merged: the
    buildings, units and places they head name the record kept."""
    for model in (Building, Unit, Place):
        history.repoint(by=by, rows=model.objects.all(), field="head", keep=keep, duplicate=duplicate)
