"""The service catalogue as an ``.xlsx`` in the admin (django-import-export): one row per 事项 —
类别 (its Chinese label), 事项名称, 办理时限（工作日）, 所需材料 (one per line, or 、 between), 在用.

- **All or nothing**: a refused row (an unknown 类别, a time limit that is no whole number
  of days, a missing name) is named with its line, and nothing is written.
- **Idempotent**: a row is matched on 事项名称; a row that changes nothing is skipped, so
  importing the file just exported writes nothing.
- **Kept**: rows are written through ``services.actions`` (each an audited write), and a
  committed import is one 导入 event in the audit log with its counts; an export one 导出.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from import_export import fields, resources, widgets

from core import audit
from core.import_widgets import NO, YES, ChoiceLabelWidget, TextWidget, YesNoWidget, cell_text
from core.models import AuditKind

from . import actions
from .models import Category, ServiceItem

CATEGORY, NAME, LIMIT, MATERIALS, ACTIVE = "类别", "事项名称", "办理时限（工作日）", "所需材料", "在用"


class MaterialsWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value).replace("\r\n", "\n").replace("、", "\n").replace("；", "\n")
        return "\n".join(line.strip() for line in text.split("\n") if line.strip())

    def render(self, value, obj=None, **kwargs):
        return value or ""


class LimitWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return int(cell_text(value) or 0)

    def render(self, value, obj=None, **kwargs):
        return value


class CatalogueResource(resources.ModelResource):
    category = fields.Field(attribute="category", column_name=CATEGORY, widget=ChoiceLabelWidget(Category))
    name = fields.Field(attribute="name", column_name=NAME, widget=TextWidget())
    time_limit = fields.Field(attribute="time_limit", column_name=LIMIT, widget=LimitWidget())
    materials = fields.Field(attribute="materials", column_name=MATERIALS, widget=MaterialsWidget())
    active = fields.Field(attribute="active", column_name=ACTIVE, widget=YesNoWidget())

    class Meta:
        model = ServiceItem
        fields = ("category", "name", "time_limit", "materials", "active")
        export_order = fields
        import_id_fields = ("name",)
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = True

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    def import_data(self, dataset, dry_run=False, **kwargs):
        """All or nothing even outside the admin's two-pass dry run: one refused row and the
        rows before it are rolled back too."""
        with transaction.atomic():
            point = transaction.savepoint()
            result = super().import_data(dataset, dry_run=dry_run, **kwargs)
            if result.has_errors() or result.has_validation_errors():
                transaction.savepoint_rollback(point)
            else:
                transaction.savepoint_commit(point)
        return result

    def before_import_row(self, row, row_number=None, **kwargs):
        line = f"第{(row_number or 0) + 1}行"
        errors = {}
        if not cell_text(row.get(NAME)):
            errors["name"] = f"{line}：请填写事项名称。"
        category = cell_text(row.get(CATEGORY))
        if category not in [str(label) for label in Category.labels]:
            errors["category"] = f"{line}：类别“{category}”不在可选范围内（{'、'.join(Category.labels)}）。"
        limit = cell_text(row.get(LIMIT))
        if limit and not (limit.isdigit() and int(limit) <= 365):
            errors["time_limit"] = f"{line}：办理时限“{limit}”应为0—365的整数（工作日）。"
        active = cell_text(row.get(ACTIVE))
        if active and active not in (YES, NO):
            errors["active"] = f"{line}：在用应填“是”或“否”。"
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        """Through the actions, so every row written is an audited write."""
        if kwargs.get("dry_run") and not kwargs.get("using_transactions"):
            return
        values = {name: getattr(instance, name) for name in actions.ITEM_FIELDS}
        if is_create:
            instance.pk = actions.item_create(by=self.user, **values).pk
        else:
            actions.item_update(by=self.user, item=instance, **values)

    def after_import(self, dataset, result, **kwargs):
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        totals = result.totals
        audit.record(
            AuditKind.IMPORT,
            user=self.user,
            model="services.serviceitem",
            new=totals.get("new", 0),
            updated=totals.get("update", 0),
            skipped=totals.get("skip", 0),
        )

    def export(self, queryset=None, **kwargs):
        data = super().export(queryset=queryset, **kwargs)
        audit.record(AuditKind.EXPORT, user=self.user, model="services.serviceitem", rows=len(data))
        return data
