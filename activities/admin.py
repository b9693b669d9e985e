"""The activities' records in the admin, read-only and through the one scope function: they
are written on the pages, through ``activities.actions``, so their changes are in the history."""

from __future__ import annotations

from django.contrib import admin

from grid.admin import ScopedAdmin

from .models import Decision, Honour, Meeting, Visit

# --- 走访慰问, 会议与决定, 荣誉 ----------------------------------------------------------------


class ReadOnlyAdmin(ScopedAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("visited_on", "grid", "reason", "amount")
    list_filter = ("reason", "community")
    date_hierarchy = "visited_on"


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ("held_on", "kind", "title", "community")
    list_filter = ("kind", "community")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("content", "status", "due_on", "owner_unit")
    list_filter = ("status",)


@admin.register(Honour)
class HonourAdmin(ReadOnlyAdmin):
    list_display = ("title", "level", "recipient", "awarded_by", "awarded_on", "community")
    list_filter = ("level", "recipient", "community")
