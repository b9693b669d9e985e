"""Writes to the org tree and to who-works-where."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import OrgLevel, OrgUnit, Profile, Role
from .roles import group_name


@transaction.atomic
def org_unit_create(*, parent: OrgUnit | None, level: int, code: str, name: str) -> OrgUnit:
    """Add a unit under ``parent`` (or a new root). The level must be the one below the parent's."""
    if parent is None:
        if level != OrgLevel.DISTRICT:
            raise ValidationError({"level": "顶级单元只能是区。"})
        unit = OrgUnit(level=level, code=code, name=name)
        unit.full_clean(exclude=["path", "depth", "numchild"])
        return OrgUnit.objects.add_root(instance=unit)
    parent.refresh_from_db()  # treebeard computes the child's path from fresh numchild
    parent.check_child_level(level)
    unit = OrgUnit(level=level, code=code, name=name)
    unit.full_clean(exclude=["path", "depth", "numchild"])
    return OrgUnit.objects.add_child(parent, instance=unit)


@transaction.atomic
def user_assign_role(*, user, org_unit: OrgUnit, role: str) -> Profile:
    """Place ``user`` at ``org_unit`` with ``role``: the profile, the group and admin-site access agree."""
    profile, _ = Profile.objects.update_or_create(user=user, defaults={"org_unit": org_unit, "role": role})
    role_groups = Group.objects.filter(name__in=[r.label for r in Role])
    user.groups.remove(*role_groups)
    user.groups.add(Group.objects.get(name=group_name(role)))
    # Only system admins use the Django admin site; everyone else works in the app's pages.
    user.is_staff = role == Role.ADMIN
    user.save(update_fields=["is_staff"])
    return profile
