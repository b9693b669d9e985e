"""The ledger's history moves into ``core.Change``, the one history every app writes.

Each ``LedgerChange`` row becomes a ``Change`` of its household or resident (a resident's
listed under the household it was written on), filed under that household's grid, with
the import that wrote it as its source. Then the old table goes, and the roles get
``core.view_change`` in place of ``residents.view_ledgerchange``.
"""

from django.db import migrations

from grid.roles import sync_role_groups

COPY = """
INSERT INTO core_change
    (record_type_id, record_id, parent_type_id, parent_id, org_unit_id,
     action, changes, user_id, source_type_id, source_id, at)
SELECT
    CASE WHEN c.resident_id IS NULL THEN %(household)s ELSE %(resident)s END,
    COALESCE(c.resident_id, c.household_id),
    CASE WHEN c.resident_id IS NULL THEN NULL ELSE %(household)s END,
    CASE WHEN c.resident_id IS NULL THEN NULL ELSE c.household_id END,
    h.grid_id,
    c.action, c.changes, c.user_id,
    CASE WHEN c.ledger_import_id IS NULL THEN NULL ELSE %(ledger_import)s END,
    c.ledger_import_id,
    c.at
FROM residents_ledgerchange c
LEFT JOIN residents_household h ON h.id = c.household_id
ORDER BY c.id
"""


def copy_history(apps, schema_editor):
    LedgerChange = apps.get_model("residents", "LedgerChange")
    if not LedgerChange.objects.exists():
        return
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = {
        name: ContentType.objects.get_or_create(app_label="residents", model=name.replace("_", ""))[0].pk
        for name in ("household", "resident", "ledger_import")
    }
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(COPY, types)


def forget_ledger_change(apps, schema_editor):
    apps.get_model("contenttypes", "ContentType").objects.filter(
        app_label="residents", model="ledgerchange"
    ).delete()


def copy_back(apps, schema_editor):
    raise RuntimeError("The history now lives in core.Change; it is not copied back.")


class Migration(migrations.Migration):
    dependencies = [
        ("residents", "0009_import_writes_less"),
        ("core", "0001_change"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy_history, copy_back),
        migrations.DeleteModel(name="LedgerChange"),
        # Its permissions (查看台账变更记录 …) would linger in every role's list, naming nothing.
        migrations.RunPython(forget_ledger_change, migrations.RunPython.noop),
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
    ]
