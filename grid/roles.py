"""The six roles (角色) as Django groups, and what each may do.

A role is a group whose permissions say what kind of records its members may read or
change; *which* records is the data scope (``grid.scope``). Each app grants the roles its
own permissions in its ``hooks.py`` (``core.registry.grant``); this module turns the union
into groups. Migrations call ``sync_role_groups`` whenever an app adds models, so a fresh
database and an upgraded one end with the same groups.
"""

from __future__ import annotations

from core import registry

from .models import Role


def role_permissions() -> dict[str, set[str]]:
    """Every role's permissions, as the installed apps grant them (a role no app names has none)."""
    grants = registry.role_grants()
    return {role.value: grants.get(role.value, set()) for role in Role}


def sync_role_groups(apps, schema_editor=None) -> None:
    """Create or update the six groups so each holds exactly its role's permissions.

    Usable as a ``RunPython`` step: ``apps`` is the migration's historical registry.
    Permissions for models that don't exist yet are skipped; the migration that adds
    those models calls this again.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True  # historical apps: let create_permissions run
        create_permissions(app_config, apps=apps, verbosity=0)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in role_permissions().items():
        group, _ = Group.objects.get_or_create(name=Role(role).label)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if found:
                wanted.append(found)
        group.permissions.set(wanted)


def group_name(role: str) -> str:
    return Role(role).label
