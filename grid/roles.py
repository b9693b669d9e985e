"""The six roles (角色) as Django groups, and what each may do.

A role is a group whose permissions say what kind of records its members may read or
change; *which* records is the data scope (``grid.scope``). ``ROLE_PERMISSIONS`` is the one
table of it. Migrations call ``sync_role_groups`` whenever an app adds models, so a
fresh database and an upgraded one end with the same groups.
"""

from __future__ import annotations

from .models import Role

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
ALL = (VIEW, ADD, CHANGE, DELETE)

GRID_TREE = ("grid.orgunit", "grid.building", "grid.unit", "grid.place")
LEDGER = ("residents.household", "residents.resident", "residents.floatingregistration")


def _perms(models: tuple[str, ...], actions: tuple[str, ...]) -> set[str]:
    """ "grid.building" × ("view", "add") → {"grid.view_building", "grid.add_building"}."""
    out = set()
    for label in models:
        app, model = label.split(".")
        out |= {f"{app}.{action}_{model}" for action in actions}
    return out


# Custom permissions beyond Django's four (declared in each model's Meta.permissions):
# residents.view_full_identity — see whole ID numbers and phones on a detail page;
# residents.import_ledger — bring in Excel ledgers.
ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.ADMIN: _perms(GRID_TREE, ALL)
    | _perms(("grid.profile", "auth.user"), ALL)
    | {"auth.view_group"}
    | _perms(LEDGER, (VIEW, ADD, CHANGE))
    | _perms(("residents.ledgerimport", "residents.ledgerchange"), (VIEW,))
    | {"residents.view_full_identity", "residents.import_ledger"},
    Role.STAFF: _perms(GRID_TREE, (VIEW, ADD, CHANGE))
    | {"grid.view_profile"}
    | _perms(LEDGER, (VIEW, ADD, CHANGE))
    | {"residents.view_ledgerchange", "residents.view_full_identity"},
    Role.GRID_WORKER: _perms(GRID_TREE, (VIEW,))
    | _perms(LEDGER, (VIEW, ADD, CHANGE))
    | {"residents.view_ledgerchange", "residents.view_full_identity"},
    Role.MEDIATOR: _perms(GRID_TREE, (VIEW,)) | _perms(LEDGER, (VIEW,)),
    Role.WINDOW_CLERK: _perms(GRID_TREE, (VIEW,)) | _perms(LEDGER, (VIEW,)),
    Role.LEADER: _perms(GRID_TREE, (VIEW,)) | {"grid.view_profile"} | _perms(LEDGER, (VIEW,)),
}


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
    for role, perms in ROLE_PERMISSIONS.items():
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
