"""The services' reference data in the admin: the calendar's amendments (节假日调整), the
catalogue (服务事项, ``.xlsx`` in and out) and the windows (服务窗口, scoped) with their clerks.
Writes go through ``services.actions``."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import XLSX

from core import audit
from core.models import AuditKind
from grid.admin import ReadOnlyScopedAdmin, ScopedAdmin
from grid.models import OrgLevel, OrgUnit, Profile
from grid.scope import scope_queryset

from . import actions
from .catalogue import CatalogueResource
from .models import Holiday, ServiceItem, Ticket, Window
from .ticket_import import import_tickets, read_rows
from .workdays import package_years


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    # The same calendar for every unit: nothing to scope.
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    search_fields = ("name",)
    date_hierarchy = "date"

    def changelist_view(self, request, extra_context=None):
        years = sorted(package_years())
        extra_context = {
            **(extra_context or {}),
            "subtitle": f"内置节假日安排覆盖{years[0]}—{years[-1]}年；在此录入的日期优先，"
            "录入某年任一日期即视为该年安排已知。",
        }
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in ("date", "kind", "name")}
        if change:
            saved = actions.holiday_update(by=request.user, holiday=obj, **fields)
        else:
            saved = actions.holiday_create(by=request.user, **fields)
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        actions.holiday_delete(by=request.user, holiday=obj)

    def delete_queryset(self, request, queryset):
        for holiday in queryset:
            actions.holiday_delete(by=request.user, holiday=holiday)


@admin.register(ServiceItem)
class ServiceItemAdmin(ImportExportMixin, admin.ModelAdmin):
    """The catalogue, and its ``.xlsx`` import and export (``services.catalogue``). The same
    list for every hall: nothing to scope. Nothing is deleted (an item no longer offered is
    不在用; old tickets name it)."""

    resource_classes = [CatalogueResource]
    import_formats = [XLSX]
    export_formats = [XLSX]
    list_display = ("name", "category", "time_limit", "active")
    list_filter = ("category", "active")
    search_fields = ("name",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm("services.add_serviceitem") and request.user.has_perm(
            "services.change_serviceitem"
        )

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm("services.view_serviceitem")

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in actions.ITEM_FIELDS if name in form.cleaned_data}
        if change:
            saved = actions.item_update(by=request.user, item=obj, **fields)
        else:
            saved = actions.item_create(by=request.user, **fields)
        obj.pk = saved.pk
        obj._state.adding = False


@admin.register(Window)
class WindowAdmin(ScopedAdmin):
    list_display = ("letter", "name", "community", "is_minority_window", "languages", "active")
    list_filter = ("is_minority_window", "active", "community")
    search_fields = ("name",)
    filter_horizontal = ("clerks",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return ("community",) if obj is not None else ()

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "clerks":
            # Accounts of people working in the admin's scope; the action checks the community.
            people = scope_queryset(request.user, Profile).values("user_id")
            kwargs["queryset"] = get_user_model().objects.filter(pk__in=people).order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name] for name in actions.WINDOW_FIELDS if name in form.cleaned_data
        }
        clerks = list(form.cleaned_data.get("clerks", ()))
        if change:
            saved = actions.window_update(by=request.user, window=obj, clerks=clerks, **fields)
        else:
            saved = actions.window_create(
                by=request.user, community=form.cleaned_data["community"], clerks=clerks, **fields
            )
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        # The clerks were set by the action.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class TicketImportForm(forms.Form):
    community = forms.ModelChoiceField(label="社区", queryset=OrgUnit.objects.none())
    file = forms.FileField(
        label="办件台账（.xlsx）",
        help_text="第1行为列名：登记日期（必填）、渠道、类型、事项、窗口、申请人、民族、联系电话、内容摘要、受理日期、办结日期、状态、办理结果、转办部门、满意度",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = scope_queryset(
            user, OrgUnit.objects.filter(level=OrgLevel.COMMUNITY)
        ).order_by("path")


@admin.register(Ticket)
class TicketAdmin(ReadOnlyScopedAdmin):
    """办件 in the admin: read only (tickets move through the pages and their actions), and the
    way in for a window's past 办件台账 (``services.ticket_import``, the same checks as
    ``manage.py import_tickets``): a 试运行 that writes nothing, then 导入, all or nothing,
    a re-import skipping the rows already in."""

    list_display = ("received_on", "channel", "kind", "queue_code", "item", "status", "unit")
    list_filter = ("channel", "kind", "status")
    date_hierarchy = "received_on"
    list_select_related = ("item", "unit")
    change_list_template = "admin/services/ticket/change_list.html"

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="services_ticket_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not request.user.has_perm("services.import_ticket"):
            raise PermissionDenied
        form = TicketImportForm(request.POST or None, request.FILES or None, user=request.user)
        result = None
        dry_run = "commit" not in request.POST
        if request.method == "POST" and form.is_valid():
            try:
                rows = read_rows(form.cleaned_data["file"])
            except Exception:  # openpyxl raises many kinds for a file that is no workbook
                form.add_error("file", "无法读取该文件：请上传 .xlsx 格式的办件台账。")
            else:
                # The moves a past ledger records were the window clerks' then, not the
                # admin's now: written as the system's (as the command does), the community
                # checked against the admin's scope above, the import audited under their name.
                result = import_tickets(
                    by=None, community=form.cleaned_data["community"], rows=rows, dry_run=dry_run
                )
                if not result.errors:
                    audit.record(
                        AuditKind.IMPORT,
                        request=request,
                        obj=form.cleaned_data["community"],
                        rows=result.rows,
                        created=0 if dry_run else result.created,
                        skipped=result.skipped,
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "导入历史办件台账",
            "form": form,
            "result": result,
            "dry_run": dry_run,
        }
        return TemplateResponse(request, "admin/services/ticket/import.html", context)
