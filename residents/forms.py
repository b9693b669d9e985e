"""Forms of the ledger pages. They validate only; ``residents.actions`` writes.

Every choice of grid, building, unit and household is narrowed by the user's scope, and the
ID number check answers where an existing record is only when the user may see it.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from grid.models import Building, OrgLevel, OrgUnit, Unit
from grid.scope import scope_queryset, user_org_unit

from . import idnumber
from .actions import FLOATING_FIELDS, HOUSEHOLD_FIELDS, RESIDENT_FIELDS
from .ethnicity_data import HAN_CODE
from .models import Ethnicity, FloatingRegistration, Gender, Household, LedgerStatus, Relation, Resident

OUT_OF_SCOPE_DUPLICATE = "该身份证号已在系统中登记（不在您的管辖范围内）。"

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PHONE = forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"})


def _unit_label(unit: Unit) -> str:
    # A community has a 1号楼 in each grid: the grid tells them apart.
    return f"{unit.building.grid.name} {unit.building.number} {unit.number}"


class HouseholdForm(forms.ModelForm):
    """A household's facts; grid, building and unit only from the user's scope."""

    class Meta:
        model = Household
        fields = list(HOUSEHOLD_FIELDS)
        widgets = {"phone": PHONE, "landlord_phone": PHONE}
        help_texts = {
            "number": "本社区内唯一。",
            "landlord_name": "出租户填写。",
            "phone": "11位手机号或带区号的固定电话。",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["grid"].queryset = scope_queryset(user, OrgUnit.objects.grids())
        self.fields["building"].queryset = scope_queryset(user, Building.objects.select_related("grid"))
        self.fields["unit"].queryset = scope_queryset(user, Unit.objects.select_related("building__grid"))
        self.fields["unit"].label_from_instance = _unit_label
        for name in ("grid", "building", "unit"):
            self.fields[name].empty_label = "请选择"
        own = user_org_unit(user)
        if own is not None and own.level == OrgLevel.GRID and not self.instance.pk:
            self.fields["grid"].initial = own.pk

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip()

    def clean(self):
        data = super().clean()
        grid, building, unit = data.get("grid"), data.get("building"), data.get("unit")
        if unit and not building:
            data["building"] = building = unit.building
        if grid and building and building.grid_id != grid.pk:
            self.add_error("building", f"“{building.number}”不属于{grid.name}。")
        if building and unit and unit.building_id != building.pk:
            self.add_error("unit", f"“{unit.number}”不属于{building.number}。")
        number = data.get("number")
        if grid and number:
            taken = Household.objects.filter(community_id=OrgUnit.objects.get_parent(grid).pk, number=number)
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                # The number is the community's, so saying it is taken reveals nothing personal.
                self.add_error("number", f"本社区已有户号为“{number}”的户，户号不能重复。")
        return data


def duplicate_message(user, existing: Resident) -> str:
    """Where the existing record is, if the user may see it; otherwise only that it exists."""
    if not scope_queryset(user, Resident).filter(pk=existing.pk).exists():
        return OUT_OF_SCOPE_DUPLICATE
    household = existing.household
    where = f"{household.community.name} / {household.grid.name} / 户号 {household.number}"
    gone = (
        ""
        if existing.is_active
        else f"（已于{existing.status_date:%Y-%m-%d}{existing.get_status_display()}）"
    )
    return f"该身份证号已登记：{where}，姓名 {existing.name}{gone}。同一人不能重复登记。"


class ResidentForm(forms.ModelForm):
    """A resident's facts. The ID number is normalised (全角, 小写x, 15位旧号 → 18位); gender
    and birth date may be left blank and are then read from it, but may not contradict it."""

    id_number = forms.CharField(
        label="身份证号",
        max_length=30,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        help_text="18位公民身份号码；15位旧号会自动转换。",
    )

    class Meta:
        model = Resident
        fields = list(RESIDENT_FIELDS)
        widgets = {"birth_date": DATE, "moved_in_on": DATE, "phone": PHONE}
        help_texts = {"gender": "可不填，按身份证号识别。", "birth_date": "可不填，按身份证号识别。"}

    # What is typed most comes first; the rest can often stay as it is.
    field_order = ["name", "id_number", "relation", "ethnicity", "phone", "gender", "birth_date"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["gender"].required = False
        self.fields["gender"].choices = [("", "按身份证号识别"), *Gender.choices]
        self.fields["birth_date"].required = False
        self.fields["ethnicity"].queryset = Ethnicity.objects.order_by("code")
        if not self.instance.pk and self.initial.get("ethnicity") is None:
            # Most people on a ledger are 汉族: one tap fewer for most entries.
            self.initial["ethnicity"] = (
                Ethnicity.objects.filter(code=HAN_CODE).values_list("pk", flat=True).first()
            )
        self.identity: idnumber.IdInfo | None = None

    def clean_id_number(self) -> str:
        info = idnumber.parse(self.cleaned_data["id_number"])
        self.identity = info
        existing = (
            Resident.objects.filter(id_number=info.number)
            .exclude(pk=self.instance.pk)
            .select_related("household__community", "household__grid")
            .first()
        )
        if existing is not None:
            raise ValidationError(duplicate_message(self.user, existing), code="duplicate")
        return info.number

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean(self):
        data = super().clean()
        info = self.identity
        if info is None and "id_number" not in self.fields and self.instance.id_number:
            # The number is not on this form (the user may not see it): check against the stored one.
            info = idnumber.parse(self.instance.id_number)
        if info is None:
            return data
        gender, birth = data.get("gender"), data.get("birth_date")
        if gender and gender != info.gender:
            self.add_error("gender", f"性别与身份证号不符：身份证号显示为{Gender(info.gender).label}。")
        else:
            data["gender"] = info.gender
        if birth and birth != info.birth_date:
            self.add_error(
                "birth_date", f"出生日期与身份证号不符：身份证号显示为{info.birth_date:%Y-%m-%d}。"
            )
        else:
            data["birth_date"] = info.birth_date
        moved_in = data.get("moved_in_on")
        if moved_in and moved_in > timezone.localdate():
            self.add_error("moved_in_on", "迁入日期不能晚于今天。")
        return data

    def validate_unique(self):
        # The ID number's uniqueness is checked above with a scoped answer; Django's own
        # check would name the clash without regard to scope.
        exclude = self._get_validation_exclusions() | {"id_number"}
        try:
            self.instance.validate_unique(exclude=exclude)
        except ValidationError as error:
            self._update_errors(error)


class FloatingForm(forms.ModelForm):
    """流动人口登记 of a resident."""

    class Meta:
        model = FloatingRegistration
        fields = list(FLOATING_FIELDS)
        widgets = {"arrived_on": DATE, "landlord_phone": PHONE}

    def clean_arrived_on(self):
        arrived = self.cleaned_data.get("arrived_on")
        if arrived and arrived > timezone.localdate():
            raise ValidationError("来本地日期不能晚于今天。")
        return arrived


class MoveForm(forms.Form):
    """Where a member moves to: a household number in the user's scope (and community, when
    the user's scope spans several communities and the number alone is ambiguous)."""

    number = forms.CharField(label="目标户号", max_length=40)
    community = forms.ModelChoiceField(label="目标社区", queryset=OrgUnit.objects.none(), required=False)
    relation = forms.ChoiceField(
        label="在新户中与户主关系", choices=Relation.choices, help_text="迁入新户后，与新户户主的关系。"
    )

    def __init__(self, *args, user, resident: Resident, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.resident = resident
        self.fields["relation"].initial = resident.relation
        self.target: Household | None = None
        communities = scope_queryset(user, OrgUnit.objects.communities())
        if communities.count() > 1:
            self.fields["community"].queryset = communities
            self.fields["community"].initial = resident.household.community_id
        else:
            del self.fields["community"]

    def clean(self):
        data = super().clean()
        number = (data.get("number") or "").strip()
        if not number:
            return data
        candidates = (
            scope_queryset(self.user, Household).filter(number=number).select_related("community", "grid")
        )
        community = data.get("community")
        if community is not None:
            candidates = candidates.filter(community=community)
        found = list(candidates[:2])
        if not found:
            raise ValidationError(f"在您的管辖范围内找不到户号为“{number}”的户。")
        if len(found) > 1:
            raise ValidationError(f"多个社区都有户号“{number}”，请选择目标社区。")
        if found[0].pk == self.resident.household_id:
            raise ValidationError("目标户与当前所在户相同。")
        self.target = found[0]
        return data


class LeaveForm(forms.Form):
    """迁出 or 死亡, with the date."""

    status = forms.ChoiceField(
        label="登记事项",
        choices=[(LedgerStatus.MOVED_OUT, "迁出"), (LedgerStatus.DECEASED, "死亡")],
        widget=forms.RadioSelect,
    )
    on = forms.DateField(label="日期", widget=DATE, initial=dt.date.today)

    def clean_on(self) -> dt.date:
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise ValidationError("日期不能晚于今天。")
        return on
