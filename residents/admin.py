"""Django admin for the ledger: read-only views through the one scope function.

Households and residents are changed on the ledger pages, whose actions write the change
history (``core.Change``); an edit here would leave none, so the admin only shows them.
ID numbers and phones appear masked in every list.
"""

from __future__ import annotations

from django.contrib import admin

from core.masking import mask_phone
from grid.admin import ReadOnlyAdminMixin, ScopedAdmin

from .models import Ethnicity, FloatingRegistration, Household, LedgerImport, Resident


@admin.register(Ethnicity)
class EthnicityAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Reference data, the same for everyone (loaded by a migration): nothing to scope.
    list_display = ("code", "name", "is_minority", "alias_text")
    list_filter = ("is_minority",)
    search_fields = ("name", "code")

    def has_view_permission(self, request, obj=None) -> bool:
        # Public reference data: whoever may enter the admin may read it.
        return request.user.is_active and request.user.is_staff

    @admin.display(description="别称")
    def alias_text(self, obj: Ethnicity) -> str:
        return "、".join(obj.aliases)


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ("number", "community", "grid", "building", "room", "kind", "masked_phone", "closed_on")
    list_filter = ("kind", "is_dibao", "is_hardship", "is_empty_nest", "is_elderly_alone")
    search_fields = ("number", "address")
    list_select_related = ("community", "grid", "building__grid")
    exclude = ("phone", "landlord_phone")

    @admin.display(description="联系电话")
    def masked_phone(self, obj: Household) -> str:
        return mask_phone(obj.phone)


@admin.register(Resident)
class ResidentAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ("name", "gender", "masked_id", "ethnicity", "household", "masked_phone", "status")
    list_filter = ("status", "residence_status", "gender", "ethnicity__is_minority")
    search_fields = ("name", "household__number")
    list_select_related = ("ethnicity", "household")
    # The change page would print the whole number and phone; the ledger page decides who may see them.
    exclude = ("id_number", "phone")
    readonly_fields = ("masked_id",)

    @admin.display(description="身份证号")
    def masked_id(self, obj: Resident) -> str:
        return obj.masked_id_number

    @admin.display(description="联系电话")
    def masked_phone(self, obj: Resident) -> str:
        return mask_phone(obj.phone)


@admin.register(FloatingRegistration)
class FloatingRegistrationAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ("resident", "arrived_on", "origin", "occupation", "expected_stay")
    list_filter = ("occupation",)
    search_fields = ("resident__name", "origin")
    list_select_related = ("resident",)
    exclude = ("landlord_phone",)


@admin.register(LedgerImport)
class LedgerImportAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = (
        "file_name",
        "community",
        "user",
        "status",
        "new_count",
        "updated_count",
        "error_count",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("file_name",)
    list_select_related = ("community", "user")
