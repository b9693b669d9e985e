"""Background exports move to core (``core.ExportJob``, one model for every registered
list): each ``LedgerExport`` row is copied over with its id — so links to it keep working
through the redirects in ``residents.urls`` — and its file, then the model goes."""

from django.core.management.color import no_style
from django.db import migrations

# LedgerExport.kind → the key its list is registered under (residents.lists).
KIND_KEYS = {"households": "residents.households", "residents": "residents.residents"}
FIELDS = (
    "id", "user_id", "params", "full", "scope_unit_id", "status", "row_count", "file", "message",
    "attempts", "heartbeat_at", "lease",
)


def forward(apps, schema_editor):
    LedgerExport = apps.get_model("residents", "LedgerExport")
    ExportJob = apps.get_model("core", "ExportJob")
    jobs, asked = [], {}
    for old in LedgerExport.objects.order_by("pk"):
        job = ExportJob(list_key=KIND_KEYS.get(old.kind, old.kind), **{f: getattr(old, f) for f in FIELDS})
        job.finished_at = old.finished_at
        asked[old.pk] = old.created_at
        jobs.append(job)
    ExportJob.objects.bulk_create(jobs)
    # auto_now_add stamped the insert's time: put back when each was asked for.
    for pk, created_at in asked.items():
        ExportJob.objects.filter(pk=pk).update(created_at=created_at)
    if jobs:
        # Ids were given explicitly: the sequence must move past them.
        for statement in schema_editor.connection.ops.sequence_reset_sql(no_style(), [ExportJob]):
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    LedgerExport = apps.get_model("residents", "LedgerExport")
    ExportJob = apps.get_model("core", "ExportJob")
    kinds = {key: kind for kind, key in KIND_KEYS.items()}
    for job in ExportJob.objects.filter(list_key__in=kinds).order_by("pk"):
        old = LedgerExport.objects.create(kind=kinds[job.list_key], **{f: getattr(job, f) for f in FIELDS})
        LedgerExport.objects.filter(pk=old.pk).update(created_at=job.created_at, finished_at=job.finished_at)
        job.delete()


def forget_ledger_export(apps, schema_editor):
    # Its permissions (查看台账导出 …) would linger in the admin's lists, naming nothing.
    apps.get_model("contenttypes", "ContentType").objects.filter(
        app_label="residents", model="ledgerexport"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_export_job"),
        ("residents", "0011_jobs"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="LedgerExport"),
        migrations.RunPython(forget_ledger_export, migrations.RunPython.noop),
    ]
