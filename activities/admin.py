"""Activities and teams in the admin, read-only and scoped: every write goes through the pages
and ``activities.actions`` (attendance, photos and hours have their own checks there)."""

from __future__ import annotations

from django.contrib import admin

from grid.admin import ScopedAdmin

from .models import Activity, ServiceRecord, Team


class ReadOnlyScopedAdmin(ScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(ReadOnlyScopedAdmin):
    list_display = ("title", "kind", "theme", "starts_at", "unit")
    list_filter = ("kind", "theme")
    search_fields = ("title",)
    date_hierarchy = "starts_at"
    exclude = ("attendees",)


@admin.register(Team)
class TeamAdmin(ReadOnlyScopedAdmin):
    list_display = ("name", "kind", "unit", "active")
    list_filter = ("kind", "active")
    search_fields = ("name",)
    exclude = ("members",)


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyScopedAdmin):
    list_display = ("served_on", "team", "hours", "status")
    list_filter = ("status",)
    raw_id_fields = ("resident", "activity")
