"""Django admin for the org tree and users, in Chinese and through the one scope function.

``ScopedAdmin`` is what every app's admin builds on: the change list, the change page and
every foreign-key choice are narrowed by ``grid.scope.scope_queryset``, so an admin of one
street can neither see nor point a record at another street's units.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from .models import Building, OrgUnit, Place, Profile, Unit
from .scope import scope_path_for, scope_queryset

admin.site.site_header = "民族团结进步创建工作平台 · 管理后台"
admin.site.site_title = "管理后台"
admin.site.index_title = "数据管理"


def _is_scoped(model) -> bool:
    try:
        scope_path_for(model)
    except TypeError:
        return False
    return True


class ScopedAdminMixin:
    def get_queryset(self, request):
        return scope_queryset(request.user, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        if _is_scoped(related):
            base = kwargs.get("queryset")
            if base is None:
                base = related._default_manager.complex_filter(db_field.get_limit_choices_to())
            kwargs["queryset"] = scope_queryset(request.user, base)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    pass


class ScopedInline(ScopedAdminMixin, admin.TabularInline):
    extra = 0


@admin.register(OrgUnit)
class OrgUnitAdmin(ScopedAdmin):
    list_display = ("indented_name", "level", "code")
    list_filter = ("level",)
    search_fields = ("name", "code")
    fields = ("name", "code", "level")
    readonly_fields = ("level",)
    ordering = ("path",)

    @admin.display(description="名称")
    def indented_name(self, obj: OrgUnit) -> str:
        return "　" * (obj.depth - 1) + obj.name

    def has_add_permission(self, request) -> bool:
        # New units hang off a parent at a fixed level; the tree pages (网格与楼栋) do that
        # with the level rule checked, so the admin only edits names and codes.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class UnitInline(ScopedInline):
    model = Unit


@admin.register(Building)
class BuildingAdmin(ScopedAdmin):
    list_display = ("number", "grid", "address", "head_name")
    list_filter = ("grid",)
    search_fields = ("number", "address", "head_name")
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ("__str__", "building", "head_name")
    search_fields = ("building__number", "number", "head_name")


@admin.register(Place)
class PlaceAdmin(ScopedAdmin):
    list_display = ("name", "kind", "grid", "head_name")
    list_filter = ("kind",)
    search_fields = ("name", "address", "head_name")


@admin.register(Profile)
class ProfileAdmin(ScopedAdmin):
    list_display = ("user", "role", "org_unit")
    list_filter = ("role",)
    search_fields = ("user__username", "user__first_name", "user__last_name")


class ProfileInline(ScopedAdminMixin, admin.StackedInline):
    model = Profile
    can_delete = False
    verbose_name_plural = "岗位与管辖范围"


admin.site.unregister(User)


@admin.register(User)
class ScopedUserAdmin(ScopedAdminMixin, UserAdmin):
    inlines = [ProfileInline]
    list_display = ("username", "first_name", "profile", "is_active")
