"""The services' reference data in the admin: the calendar's amendments (节假日调整). Writes go
through ``services.actions`` so their changes are in the history."""

from __future__ import annotations

from django.contrib import admin

from . import actions
from .models import Holiday
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
