"""Permissions of our models carry Chinese names in the admin; codenames and role groups don't change."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from core.permissions import model_permissions, rename_permissions
from grid.models import Role
from grid.roles import role_permissions

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def our_models():
    """Every model of the project's own apps (not Django's or third parties')."""
    base = str(settings.BASE_DIR)
    return [
        model
        for config in apps.get_app_configs()
        # A virtualenv may sit inside the checkout: its packages are not ours.
        if config.path.startswith(base) and "site-packages" not in config.path
        for model in config.get_models()
    ]


def our_permissions():
    labels = {model._meta.app_label for model in our_models()}
    return Permission.objects.filter(content_type__app_label__in=labels)


def test_our_apps_have_models_to_check():
    assert {"grid", "residents"} <= {model._meta.app_label for model in our_models()}


def test_every_permission_of_our_apps_has_a_chinese_name():
    permissions = list(our_permissions().values_list("codename", "name"))
    assert permissions
    assert [p for p in permissions if p[1].startswith("Can ") or not CHINESE.search(p[1])] == []


@pytest.mark.parametrize("model", our_models(), ids=lambda m: m._meta.label)
def test_every_model_keeps_djangos_four_codenames(model):
    opts = model._meta
    stored = set(
        Permission.objects.filter(
            content_type__app_label=opts.app_label, content_type__model=opts.model_name
        ).values_list("codename", flat=True)
    )
    assert {f"{action}_{opts.model_name}" for action in ("add", "change", "delete", "view")} <= stored


def test_building_permissions_read_as_chinese_actions():
    names = dict(Permission.objects.filter(content_type__app_label="grid").values_list("codename", "name"))
    assert names["add_building"] == "添加楼栋"
    assert names["change_building"] == "修改楼栋"
    assert names["delete_building"] == "删除楼栋"
    assert names["view_building"] == "查看楼栋"


def test_custom_permissions_keep_their_codenames_and_names():
    names = dict(
        Permission.objects.filter(content_type__app_label="residents").values_list("codename", "name")
    )
    assert names["view_full_identity"] == "查看完整身份证号和电话"
    assert names["import_ledger"] == "导入台账"
    assert names["view_resident"] == "查看居民"


def test_model_permissions_gives_the_four_in_djangos_order():
    assert model_permissions("unit", "单元") == [
        ("add_unit", "添加单元"),
        ("change_unit", "修改单元"),
        ("delete_unit", "删除单元"),
        ("view_unit", "查看单元"),
    ]


@pytest.mark.parametrize("role", list(Role))
def test_role_groups_hold_exactly_their_roles_codenames(role):
    group = Group.objects.get(name=role.label)
    held = {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }
    assert held == role_permissions()[role]


def test_a_database_with_english_names_gets_chinese_ones():
    ours = our_permissions()
    expected = dict(ours.values_list("pk", "name"))
    for permission in ours.select_related("content_type"):
        permission.name = f"Can {permission.codename.split('_')[0]} {permission.content_type.model}"
        permission.save(update_fields=["name"])
    groups_before = {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()}

    rename_permissions(apps)
    rename_permissions(apps)  # a second run finds nothing to do

    assert dict(ours.values_list("pk", "name")) == expected
    assert {
        g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()
    } == groups_before


def test_admin_group_page_is_in_chinese_with_chinese_permission_names(client, django_user_model):
    # A superuser: the admin persona may only view groups, which are the roles.
    client.force_login(django_user_model.objects.create_superuser("root", password="pass-1234"))
    page = client.get(reverse("admin:auth_group_add")).content.decode()
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert "增加 组" in page  # Django's own zh_Hans translation of the admin
    assert "网格与组织 | 楼栋 | 添加楼栋" in page
    assert "Can add 楼栋" not in page


def test_a_role_group_viewed_by_the_admin_role_lists_its_permissions_by_model(client, persona):
    # The admin role may only view groups (they are the roles); Django would show their
    # permissions as one comma-separated run.
    client.force_login(persona(Role.ADMIN))
    group = Group.objects.get(name=Role.STAFF.label)
    response = client.get(reverse("admin:auth_group_change", args=[group.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    building = group.permissions.filter(content_type__model="building").order_by("pk")
    assert building.exists()
    line = "网格与组织 | 楼栋：" + "、".join(building.values_list("name", flat=True))
    assert f"<li>{line}</li>" in page
    assert 'name="permissions"' not in page


def test_a_superuser_still_edits_a_groups_permissions(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="pass-1234"))
    group = Group.objects.get(name=Role.STAFF.label)
    page = client.get(reverse("admin:auth_group_change", args=[group.pk])).content.decode()
    assert 'name="permissions"' in page and '<ul class="permission-list">' not in page
