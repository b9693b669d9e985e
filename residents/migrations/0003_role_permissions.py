from django.db import migrations

from grid.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("residents", "0002_ethnicities"), ("grid", "0002_role_groups")]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
