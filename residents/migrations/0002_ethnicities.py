from django.db import migrations

from residents.ethnicity_data import ETHNICITIES, MINORITY_CODES, aliases_for


def load_ethnicities(apps, schema_editor):
    Ethnicity = apps.get_model("residents", "Ethnicity")
    for code, name, extra in ETHNICITIES:
        Ethnicity.objects.update_or_create(
            code=code,
            defaults={"name": name, "is_minority": code in MINORITY_CODES, "aliases": aliases_for(name, extra)},
        )


class Migration(migrations.Migration):
    dependencies = [("residents", "0001_initial")]

    operations = [migrations.RunPython(load_ethnicities, migrations.RunPython.noop)]
