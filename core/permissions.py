"""Chinese names for the four permissions Django gives every model.

Django stores them as "Can add 楼栋", and the admin's group and user pages show exactly that
to people who read Chinese. Each of our models therefore sets ``default_permissions = ()``
and declares the same four codenames itself, with Chinese names::

    class Meta:
        verbose_name = "楼栋"
        default_permissions = ()
        permissions = model_permissions("building", verbose_name)

The codenames (``add_building`` …) stay Django's, so every permission check, the admin and
the role table work unchanged.
"""

from __future__ import annotations

# Django's order, so the admin lists them as it always has.
ACTIONS = (("add", "添加"), ("change", "修改"), ("delete", "删除"), ("view", "查看"))


def model_permissions(model_name: str, verbose_name: str) -> list[tuple[str, str]]:
    """("building", "楼栋") → [("add_building", "添加楼栋"), ("change_building", "修改楼栋"), …]."""
    return [(f"{action}_{model_name}", f"{word}{verbose_name}") for action, word in ACTIONS]


def rename_permissions(apps, schema_editor=None) -> None:
    """Give existing permission rows the names their models now declare.

    A ``RunPython`` step: Django's ``create_permissions`` adds missing rows but never renames
    one, so a database created before the Chinese names still says "Can add 楼栋". Names come
    from the migration's historical models, so the step means the same whenever it runs;
    rows already right are left alone, which makes running it again harmless.
    """
    Permission = apps.get_model("auth", "Permission")
    for model in apps.get_models():
        opts = model._meta
        for codename, name in opts.permissions:
            Permission.objects.filter(
                content_type__app_label=opts.app_label,
                content_type__model=opts.model_name,
                codename=codename,
            ).exclude(name=name).update(name=name)
