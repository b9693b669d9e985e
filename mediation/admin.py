"""The mediators' roster and teams in the admin, through the one scope function. Mediators are
written through ``mediation.actions`` so their changes are in the history; nobody is deleted
(a mediator who stops is 不在岗). Cases are worked on the pages, so the admin leaves them out."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import XLSX

from core.masking import mask_phone
from grid.admin import ScopedAdmin
from grid.models import Profile
from grid.scope import scope_queryset

from . import actions
from .models import MediationTeam, Mediator
from .roster import MediatorResource


@admin.register(MediationTeam)
class MediationTeamAdmin(ScopedAdmin):
    list_display = ("name", "community", "description")
    list_filter = ("community",)
    search_fields = ("name",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Mediator)
class MediatorAdmin(ImportExportMixin, ScopedAdmin):
    """The roster, and its ``.xlsx`` import and export (``mediation.roster``)."""

    resource_classes = [MediatorResource]
    import_formats = [XLSX]
    export_formats = [XLSX]
    personal_fields = ("phone",)
    list_display = ("name", "community", "role", "masked_phone", "active")
    list_filter = ("role", "active", "community")
    search_fields = ("name", "organisation")
    raw_id_fields = ("resident",)
    filter_horizontal = ("teams",)

    @admin.display(description="联系电话")
    def masked_phone(self, obj: Mediator) -> str:
        return mask_phone(obj.phone)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm("mediation.add_mediator") and request.user.has_perm(
            "mediation.change_mediator"
        )

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm("mediation.view_mediator")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # Accounts of people working in the admin's scope; the action checks the community.
            people = scope_queryset(request.user, Profile).values("user_id")
            kwargs["queryset"] = get_user_model().objects.filter(pk__in=people).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "teams":
            kwargs["queryset"] = scope_queryset(request.user, MediationTeam)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ("community",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        # Teams are set by the action too; save_related must not set them again.
        fields = {
            name: form.cleaned_data[name] for name in actions.MEDIATOR_FIELDS if name in form.cleaned_data
        }
        teams = list(form.cleaned_data.get("teams", ()))
        if change:
            saved = actions.mediator_update(by=request.user, mediator=obj, teams=teams, **fields)
        else:
            saved = actions.mediator_create(
                by=request.user, community=form.cleaned_data["community"], teams=teams, **fields
            )
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
