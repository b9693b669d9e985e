"""The activities' records in the admin, read-only and through the one scope function: they
are written on the pages, through ``activities.actions`` (attendance, photos and hours have
their own checks there), so their changes are in the history."""

from __future__ import annotations

from django.contrib import admin

from grid.admin import ReadOnlyScopedAdmin

from .models import Activity, Decision, Honour, Meeting, ServiceRecord, Team, Visit


@admin.register(Visit)
class VisitAdmin(ReadOnlyScopedAdmin):
    list_display = ("visited_on", "grid", "reason", "amount")
    list_filter = ("reason", "community")
    date_hierarchy = "visited_on"


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyScopedAdmin):
    list_display = ("held_on", "kind", "title", "community")
    list_filter = ("kind", "community")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyScopedAdmin):
    list_display = ("content", "status", "due_on", "owner_unit")
    list_filter = ("status",)


@admin.register(Honour)
class HonourAdmin(ReadOnlyScopedAdmin):
    list_display = ("title", "level", "recipient", "awarded_by", "awarded_on", "community")
    list_filter = ("level", "recipient", "community")


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
