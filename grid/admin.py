"""Django admin for the org tree and users, in Chinese and through the one scope function.

``ScopedAdmin`` is what every app's admin builds on: the change list, the change page and
every foreign-key choice are narrowed by ``grid.scope.scope_queryset``, so an admin of one
street can neither see nor point a record at another street's units.
"""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.utils.html import format_html, format_html_join

from core import audit, history, registry
from core.models import Change

from . import actions
from .actions import user_assign_role
from .models import Building, OrgUnit, Place, Profile, Role, Unit
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


class AuditedChangeFormMixin:
    """A change page whose inputs hold whole phones (the model admin's and its inlines'
    ``personal_fields``) is in the audit log, as the pages' edit forms are: one
    查看完整个人信息 event per view, naming the record and counting the values shown."""

    personal_fields: tuple[str, ...] = ()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            shown = audit.form_values(context["adminform"].form, self.personal_fields)
            for inline in context.get("inline_admin_formsets", ()):
                names = getattr(inline.opts, "personal_fields", ())
                for form in inline.formset.forms:
                    shown += audit.form_values(form, names)
            audit.full_values_shown(request, obj, *shown)
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )


class ScopedAdmin(AuditedChangeFormMixin, ScopedAdminMixin, admin.ModelAdmin):
    def get_list_filter(self, request):
        # A plain foreign-key filter lists every row of the related table; offer only the
        # values that occur in this (scoped) change list.
        return [
            (f, admin.RelatedOnlyFieldListFilter)
            if isinstance(f, str) and "__" not in f and self.model._meta.get_field(f).is_relation
            else f
            for f in super().get_list_filter(request)
        ]


class ReadOnlyScopedAdmin(ScopedAdmin):
    """Records written only on the pages, through their app's actions (with history and
    transitions): the admin lists and shows them, in scope, and changes nothing."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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

    def save_model(self, request, obj, form, change):
        # Through the action, as on the pages, so the rename is in the unit's history.
        values = {
            name: form.cleaned_data[name] for name in form.changed_data if name in actions.ORG_UNIT_FIELDS
        }
        actions.org_unit_update(by=request.user, unit=obj, **values)


class ActionAdminMixin:
    """The admin writes buildings, 单元 and places through ``grid.actions``, as the pages do,
    so its edits and deletions leave their history too. Where a record sits (its grid, its
    building) is fixed once it exists: households are filed under it."""

    # action names in grid.actions, the keyword the record goes by, and its fields
    create_action = update_action = delete_action = ""
    record_kwarg = ""
    parent_field = ""
    action_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        fixed = (self.parent_field,) if obj is not None else ()
        return (*super().get_readonly_fields(request, obj), *fixed)

    def _write(self, request, obj, form, change):
        if change:
            values = {
                name: form.cleaned_data[name] for name in form.changed_data if name in self.action_fields
            }
            return getattr(actions, self.update_action)(by=request.user, **{self.record_kwarg: obj}, **values)
        values = {name: form.cleaned_data[name] for name in self.action_fields if name in form.cleaned_data}
        parent = {self.parent_field: form.cleaned_data[self.parent_field]}
        return getattr(actions, self.create_action)(by=request.user, **parent, **values)

    def save_model(self, request, obj, form, change):
        saved = self._write(request, obj, form, change)
        # The admin goes on with ``obj`` (inlines, the message, the redirect).
        obj.pk, obj.position = saved.pk, getattr(saved, "position", None)
        obj._state.adding = False

    def delete_model(self, request, obj):
        getattr(actions, self.delete_action)(by=request.user, **{self.record_kwarg: obj})

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class UnitInline(ScopedInline):
    model = Unit
    raw_id_fields = ("head",)
    fields = ("number", "head", "head_name", "head_phone")
    personal_fields = ("head_phone",)


@admin.register(Building)
class BuildingAdmin(ActionAdminMixin, ScopedAdmin):
    personal_fields = ("head_phone",)
    list_display = ("number", "grid", "address", "head_name")
    raw_id_fields = ("head",)
    list_filter = ("grid",)
    search_fields = ("number", "address", "head_name")
    inlines = [UnitInline]
    create_action, update_action, delete_action = "building_create", "building_update", "building_delete"
    record_kwarg, parent_field, action_fields = "building", "grid", actions.BUILDING_FIELDS
    exclude = ("position",)

    def save_formset(self, request, form, formset, change):
        """The building's 单元 inline, written through the 单元 actions one by one. The lists
        it leaves on the formset are what the admin's change message reads."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        fields = actions.UNIT_FIELDS
        for inline in formset.forms:
            unit = inline.instance
            if inline in formset.deleted_forms:
                if unit.pk:
                    actions.unit_delete(by=request.user, unit=unit)
                    formset.deleted_objects.append(unit)
            elif inline.has_changed() and unit.pk:
                values = {name: inline.cleaned_data[name] for name in inline.changed_data if name in fields}
                actions.unit_update(by=request.user, unit=unit, **values)
                formset.changed_objects.append((unit, inline.changed_data))
            elif inline.has_changed():
                values = {name: inline.cleaned_data[name] for name in fields if name in inline.cleaned_data}
                formset.new_objects.append(
                    actions.unit_create(by=request.user, building=form.instance, **values)
                )


@admin.register(Unit)
class UnitAdmin(ActionAdminMixin, ScopedAdmin):
    personal_fields = ("head_phone",)
    list_display = ("__str__", "building", "head_name")
    search_fields = ("building__number", "number", "head_name")
    raw_id_fields = ("head",)
    create_action, update_action, delete_action = "unit_create", "unit_update", "unit_delete"
    record_kwarg, parent_field, action_fields = "unit", "building", actions.UNIT_FIELDS
    exclude = ("position",)


@admin.register(Place)
class PlaceAdmin(ActionAdminMixin, ScopedAdmin):
    personal_fields = ("head_phone",)
    list_display = ("name", "kind", "grid", "head_name")
    list_filter = ("kind",)
    raw_id_fields = ("head",)
    search_fields = ("name", "address", "head_name")
    create_action, update_action, delete_action = "place_create", "place_update", "place_delete"
    record_kwarg, parent_field, action_fields = "place", "grid", actions.PLACE_FIELDS


class ProfileForm(forms.ModelForm):
    """额外授权 as boxes to tick, each naming the role it is for; one for another role is refused."""

    extra_grants = forms.MultipleChoiceField(
        label="额外授权",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="岗位之外单独授予此人的权限，只对所注明的角色有效。",
    )

    class Meta:
        model = Profile
        fields = ("org_unit", "role", "phone", "extra_grants")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["extra_grants"].choices = [
            (g.key, f"{Role(g.role).label}：{g.label}") for g in registry.grantables()
        ]

    def clean(self):
        data = super().clean()
        role = data.get("role")
        offered = {g.key for g in registry.grantables(role)} if role else set()
        wrong = [key for key in data.get("extra_grants", []) if key not in offered]
        if wrong:
            labels = "、".join(g.label for g in registry.grantables() if g.key in wrong)
            self.add_error("extra_grants", f"“{labels}”不能授予{Role(role).label if role else '该角色'}。")
        return data


@admin.register(Profile)
class ProfileAdmin(ScopedAdmin):
    form = ProfileForm
    personal_fields = ("phone",)
    list_display = ("user", "role", "org_unit")
    list_filter = ("role",)
    search_fields = ("user__username", "user__first_name", "user__last_name")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Group, admin-site access and 额外授权 follow the profile, as on the user's page.
        user_assign_role(user=obj.user, org_unit=obj.org_unit, role=obj.role, grants=obj.extra_grants)


class ProfileInline(ScopedAdminMixin, admin.StackedInline):
    model = Profile
    form = ProfileForm
    can_delete = False
    verbose_name_plural = "岗位与管辖范围"
    personal_fields = ("phone",)


admin.site.unregister(User)


@admin.register(User)
class ScopedUserAdmin(AuditedChangeFormMixin, ScopedAdminMixin, UserAdmin):
    """Users in scope. What a person may do is their role (set through ``user_assign_role``),
    never raw flags: a scoped admin can't grant superuser, groups or single permissions."""

    inlines = [ProfileInline]
    list_display = ("username", "first_name", "profile", "is_active")
    list_filter = ("is_active", "profile__role")
    limited_fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("first_name", "last_name", "email")}),
        ("状态", {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )

    def get_fieldsets(self, request, obj=None):
        if request.user.is_superuser or obj is None:
            return super().get_fieldsets(request, obj)
        return self.limited_fieldsets

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ("is_staff", "last_login", "date_joined")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        profile = Profile.objects.filter(user=form.instance).first()
        if profile is not None:
            # Group membership and admin-site access follow the role, as everywhere else.
            user_assign_role(
                user=form.instance, org_unit=profile.org_unit, role=profile.role, grants=profile.extra_grants
            )


admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    """The groups are the roles (``grid.roles``), so the 系统管理员 may only view them. Read
    only, Django shows a group's permissions as one comma-separated run of a hundred names;
    here they come one model per line."""

    def _view_only(self, request, obj) -> bool:
        return obj is not None and not self.has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        if self._view_only(request, obj):
            return ("name", "permission_list")
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if self._view_only(request, obj):
            return ("name", "permission_list")
        return super().get_readonly_fields(request, obj)

    @admin.display(description="权限")
    def permission_list(self, obj: Group):
        by_model: dict[tuple[str, str], list[str]] = {}
        permissions = obj.permissions.select_related("content_type").order_by(
            "content_type__app_label", "content_type__model", "pk"
        )
        for permission in permissions:
            content_type = permission.content_type
            model = content_type.model_class()
            key = (
                str(apps.get_app_config(content_type.app_label).verbose_name),
                str(model._meta.verbose_name) if model else content_type.model,
            )
            by_model.setdefault(key, []).append(permission.name)
        items = format_html_join(
            "",
            "<li>{} | {}：{}</li>",
            ((app, model, "、".join(names)) for (app, model), names in by_model.items()),
        )
        return format_html('<ul class="permission-list">{}</ul>', items)


class ReadOnlyAdminMixin:
    """Records written only by their app's actions (histories, imports): the admin shows them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """Every app's change history, scoped like the records it describes; read-only, since an
    edit here would itself go unrecorded."""

    list_display = ("at", "record_type", "record_id", "action_label", "org_unit", "user")
    list_filter = ("record_type",)
    list_select_related = ("record_type", "org_unit", "user")
    # The raw changes may hold whole ID numbers and phones; the pages show them masked.
    exclude = ("changes",)

    @admin.display(description="操作")
    def action_label(self, change: Change) -> str:
        return history.action_label(change)
