"""The services' reference data in the admin: the calendar's amendments (节假日调整), the
catalogue (服务事项, ``.xlsx`` in and out) and the windows (服务窗口, scoped) with their clerks.
Writes go through ``services.actions``."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import XLSX

from grid.admin import ScopedAdmin
from grid.models import Profile
from grid.scope import scope_queryset

from . import actions
from .catalogue import CatalogueResource
from .models import Holiday, ServiceItem, Window
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
