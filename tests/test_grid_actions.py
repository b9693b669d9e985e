"""Writes to the org tree: the level rule and who-works-where."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from grid.actions import org_unit_create, user_assign_role
from grid.models import OrgLevel, OrgUnit, Role
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_child_gets_a_path_under_its_parent(tree):
    grid = org_unit_create(parent=tree.community, level=OrgLevel.GRID, code="D01S01C01G03", name="三网格")
    assert grid.path.startswith(tree.community.path)
    assert grid.depth == tree.community.depth + 1
    tree.community.refresh_from_db()
    assert tree.community.numchild == 3


@pytest.mark.parametrize(
    ("parent", "level", "message"),
    [
        ("street", OrgLevel.GRID, "“清河街道”是街道，其下级只能是社区。"),
        ("district", OrgLevel.COMMUNITY, "“福安区”是区，其下级只能是街道。"),
        ("community", OrgLevel.STREET, "“变电所社区”是社区，其下级只能是网格。"),
        ("grid", OrgLevel.GRID, "网格是最末一级，不能再添加下级单元。"),
    ],
)
def test_level_rule_refuses_in_chinese_and_writes_nothing(tree, parent, level, message):
    count = OrgUnit.objects.count()
    with pytest.raises(ValidationError) as raised:
        org_unit_create(parent=getattr(tree, parent), level=level, code="NEW01", name="新单元")
    assert raised.value.message_dict["level"] == [message]
    assert OrgUnit.objects.count() == count


def test_root_must_be_a_district(db):
    with pytest.raises(ValidationError) as raised:
        org_unit_create(parent=None, level=OrgLevel.STREET, code="S01", name="孤立街道")
    assert raised.value.message_dict["level"] == ["顶级单元只能是区。"]
    assert not OrgUnit.objects.exists()


def test_duplicate_code_is_refused_and_writes_nothing(tree):
    count = OrgUnit.objects.count()
    with pytest.raises(ValidationError) as raised:
        org_unit_create(parent=tree.community, level=OrgLevel.GRID, code=tree.grid.code, name="重复")
    assert "code" in raised.value.message_dict
    assert OrgUnit.objects.count() == count


def test_assigning_a_role_sets_group_and_admin_access(tree):
    user = UserFactory()
    user_assign_role(user=user, org_unit=tree.community, role=Role.ADMIN)
    assert list(user.groups.values_list("name", flat=True)) == ["系统管理员"]
    assert user.is_staff
    assert user.has_perm("grid.add_building")

    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    user_assign_role(user=user, org_unit=tree.grid, role=Role.GRID_WORKER)
    user = type(user).objects.get(pk=user.pk)
    assert list(user.groups.values_list("name", flat=True)) == ["网格员"]
    assert not user.is_staff
    assert user.profile.org_unit == tree.grid
    assert user.has_perm("grid.view_building") and not user.has_perm("grid.add_building")


def test_reassigning_keeps_groups_that_are_not_roles(tree):
    user = UserFactory()
    other = Group.objects.create(name="宣传小组")
    user.groups.add(other)
    user_assign_role(user=user, org_unit=tree.grid, role=Role.STAFF)
    assert set(user.groups.values_list("name", flat=True)) == {"宣传小组", "社区工作人员"}
