from django.db import migrations

from grid.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("mediation", "0001_cases"),
    ]

    # The roles get the mediation app's permissions (mediation/hooks.py).
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
