"""Forms of the ledger pages. They validate only; ``residents.actions`` writes.

Every choice of grid, building, unit and household is narrowed by the user's scope, and the
ID number check answers where an existing record is only when the user may see it.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from core.widgets import NarrowedSelect
from grid.models import Building, OrgLevel, OrgUnit, Unit
from grid.scope import scope_queryset, user_org_unit

from . import idnumber
from .actions import FLOATING_FIELDS, HOUSEHOLD_FIELDS, RESIDENT_FIELDS
from .ethnicity_data import HAN_CODE
from .models import (
    Departure,
    Ethnicity,
    FloatingRegistration,
    Gender,
    Household,
    LedgerStatus,
    Relation,
    Resident,
    household_order,
)

OUT_OF_SCOPE_DUPLICATE = "该身份证号已在系统中登记（不在您的管辖范围内）。"
TRANSFER_IN_LABEL = "该居民已在其他社区登记为迁出，确认将其台账迁入本户"
# Said about a record the user may not see: that it was moved out, and nothing of where.
MOVED_OUT_ELSEWHERE = (
    "该居民已在您的管辖范围以外登记为迁出，不必重新登记。如确认是同一人且已迁入本户，"
    f"请勾选下方“{TRANSFER_IN_LABEL}”后再保存，其原有台账将迁入本户（所填迁入日期即迁回日期，未填则为今天）。"
)
MOVED_OUT_ELSEWHERE_NO_RIGHT = "该居民已在您的管辖范围以外登记为迁出，请联系有权修改居民信息的人员办理迁入。"
MOVED_OUT_ELSEWHERE_OTHER_NAME = (
    "该身份证号已在您的管辖范围以外登记为迁出，但登记的姓名与所填姓名不一致，请核对身份证号和姓名。"
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PHONE = forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"})


def _unit_label(unit: Unit) -> str:
    # A community has a 1号楼 in each grid: the grid tells them apart.
    return f"{unit.building.grid.name} {unit.building.number} {unit.number}"


class HouseholdForm(forms.ModelForm):
    """A household's facts; grid, building and unit only from the user's scope. On the page
    楼栋 offers only the chosen grid's buildings and 单元 only the chosen building's units, in
    its own order (``core.widgets.NarrowedSelect``); ``clean`` still checks they fit."""

    # Shown whole in the inputs: a page filled with them is audited (core.views.form_page).
    personal_fields = ("phone", "landlord_phone")

    class Meta:
        model = Household
        fields = list(HOUSEHOLD_FIELDS)
        widgets = {
            "phone": PHONE,
            "landlord_phone": PHONE,
            "building": NarrowedSelect(narrow_by="grid"),
            "unit": NarrowedSelect(narrow_by="building"),
        }
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


def _in_scope(user, existing: Resident) -> bool:
    return scope_queryset(user, Resident).filter(pk=existing.pk).exists()


def _where(existing: Resident) -> str:
    household = existing.household
    return f"{household.community.name} / {household.grid.name} / 户号 {household.number}"


def duplicate_message(user, existing: Resident) -> str:
    """Where the existing record is, if the user may see it; otherwise only that it exists."""
    if not _in_scope(user, existing):
        return OUT_OF_SCOPE_DUPLICATE
    gone = (
        ""
        if existing.is_active
        else f"（已于{existing.status_date:%Y-%m-%d}{existing.get_status_display()}）"
    )
    return f"该身份证号已登记：{_where(existing)}，姓名 {existing.name}{gone}。同一人不能重复登记。"


def moved_out_message(user, existing: Resident, *, to: Household | None) -> str:
    """Someone in scope recorded as moved out is registered again: the way back is 迁回,
    offered as a link to its page (into ``to``, the household being added to)."""
    text = (
        f"该居民已于{existing.status_date:%Y-%m-%d}迁出"
        f"（原登记：{_where(existing)}，姓名 {existing.name}），不必重新登记。"
    )
    if not user.has_perm("residents.change_resident"):
        return f"{text}如已迁回，请联系有权限的人员办理迁回。"
    url = reverse("residents:resident_return", args=[existing.pk])
    if to is not None and to.pk:
        url = f"{url}?to={to.pk}"
        return format_html('{}如其已迁入本户，请改为<a href="{}">办理迁回</a>。', text, url)
    return format_html('{}如已迁回，请<a href="{}">办理迁回</a>。', text, url)


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

    personal_fields = ("id_number", "phone")

    class Meta:
        model = Resident
        fields = list(RESIDENT_FIELDS)
        widgets = {"birth_date": DATE, "moved_in_on": DATE, "phone": PHONE}
        help_texts = {"gender": "可不填，按身份证号识别。", "birth_date": "可不填，按身份证号识别。"}

    # Shown only on registering someone whose number belongs to a record moved out
    # somewhere the user may not see (see ``clean``); hidden, it keeps its answer across posts.
    transfer_in = forms.BooleanField(label=TRANSFER_IN_LABEL, required=False, widget=forms.HiddenInput)

    # What is typed most comes first; the rest can often stay as it is.
    field_order = [
        "name",
        "id_number",
        "transfer_in",
        "relation",
        "ethnicity",
        "phone",
        "gender",
        "birth_date",
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # A moved-out record outside the user's scope with this number (set by clean_id_number);
        # ``transfer_from`` once the user confirmed bringing it into this household.
        self.moved_out_elsewhere: Resident | None = None
        self.transfer_from: Resident | None = None
        if self.instance.pk:
            del self.fields["transfer_in"]
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
            if existing.status == LedgerStatus.MOVED_OUT and not self.instance.pk:
                if _in_scope(self.user, existing):
                    message = moved_out_message(
                        self.user,
                        existing,
                        to=self.instance.household if self.instance.household_id else None,
                    )
                    raise ValidationError(message, code="moved_out")
                self.moved_out_elsewhere = existing  # settled in clean(), which sees the name
                return info.number
            raise ValidationError(duplicate_message(self.user, existing), code="duplicate")
        return info.number

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def _settle_moved_out_elsewhere(self, data: dict) -> None:
        """Bring the moved-out record over only when the user confirms it, may change
        residents, and typed the name it was registered under (a guard against a mistyped
        number that happens to be valid)."""
        existing = self.moved_out_elsewhere
        if not self.user.has_perm("residents.change_resident"):
            self.add_error("id_number", MOVED_OUT_ELSEWHERE_NO_RIGHT)
            return
        self.fields["transfer_in"].widget = forms.CheckboxInput()
        name = data.get("name")
        if name is not None and "".join(name.split()) != "".join(existing.name.split()):
            self.add_error("id_number", MOVED_OUT_ELSEWHERE_OTHER_NAME)
        elif not data.get("transfer_in"):
            self.add_error("id_number", MOVED_OUT_ELSEWHERE)
        else:
            self.transfer_from = existing

    def clean(self):
        data = super().clean()
        if self.moved_out_elsewhere is not None:
            self._settle_moved_out_elsewhere(data)
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

    def _get_validation_exclusions(self) -> set[str]:
        # The ID number's uniqueness is checked in clean_id_number with a scoped answer (and a
        # moved-out record may be brought over); the model's constraint would name the clash
        # without regard to scope.
        return super()._get_validation_exclusions() | {"id_number"}


class FloatingForm(forms.ModelForm):
    """流动人口登记 of a resident."""

    personal_fields = ("landlord_phone",)

    class Meta:
        model = FloatingRegistration
        fields = list(FLOATING_FIELDS)
        widgets = {"arrived_on": DATE, "landlord_phone": PHONE}

    def clean_arrived_on(self):
        arrived = self.cleaned_data.get("arrived_on")
        if arrived and arrived > timezone.localdate():
            raise ValidationError("来本地日期不能晚于今天。")
        return arrived


class _TargetHouseholdForm(forms.Form):
    """A household chosen by its 户号 within the user's scope (and community, when the user's
    scope spans several communities and the number alone is ambiguous): a ledger has
    thousands of households, too many for a list."""

    number = forms.CharField(label="目标户号", max_length=40)
    community = forms.ModelChoiceField(label="目标社区", queryset=OrgUnit.objects.none(), required=False)

    def __init__(self, *args, user, community: OrgUnit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.target: Household | None = None
        communities = scope_queryset(user, OrgUnit.objects.communities())
        if communities.count() > 1:
            self.fields["community"].queryset = communities
            if community is not None:
                self.fields["community"].initial = community.pk
        else:
            del self.fields["community"]

    def _find_target(self, data: dict) -> Household | None:
        number = (data.get("number") or "").strip()
        if not number:
            return None
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
        return found[0]


def _member_label(resident: Resident) -> str:
    return f"{resident.name}（{resident.get_relation_display()}，{resident.birth_date:%Y}年生）"


def _add_new_head_field(form: forms.Form, resident: Resident) -> None:
    """When the 户主 leaves a household others remain on, the form asks who takes over."""
    if resident.relation != Relation.HEAD or not resident.is_active:
        return
    others = resident.household.residents.active().exclude(pk=resident.pk).order_by(*household_order())
    if not others.exists():
        return
    form.fields["new_head"] = forms.ModelChoiceField(
        label="新户主",
        queryset=others,
        error_messages={"required": "本户还有在册成员，请指定由谁担任新的户主。"},
        help_text="该居民是本户户主，本户还有其他在册成员，请指定由谁担任新的户主。"
        "其他成员与户主的关系请随后在各自页面核对。",
    )
    form.fields["new_head"].label_from_instance = _member_label


class MoveForm(_TargetHouseholdForm):
    """Where a member moves to, and their relation to the head there."""

    relation = forms.ChoiceField(
        label="在新户中与户主关系", choices=Relation.choices, help_text="迁入新户后，与新户户主的关系。"
    )

    def __init__(self, *args, user, resident: Resident, **kwargs):
        super().__init__(*args, user=user, community=resident.household.community, **kwargs)
        self.resident = resident
        self.fields["relation"].initial = resident.relation
        _add_new_head_field(self, resident)

    def clean(self):
        data = super().clean()
        target = self._find_target(data)
        if target is not None and target.pk == self.resident.household_id:
            raise ValidationError("目标户与当前所在户相同。")
        self.target = target
        return data


class ReturnForm(_TargetHouseholdForm):
    """迁回: the household someone moved out comes back to (their old one, offered first, or
    any other in scope), their relation to its head, and the day."""

    relation = forms.ChoiceField(label="与该户户主关系", choices=Relation.choices)
    returned_on = forms.DateField(label="迁回日期", widget=DATE, initial=dt.date.today)

    def __init__(self, *args, user, resident: Resident, to: Household | None = None, **kwargs):
        to = to or resident.household
        super().__init__(*args, user=user, community=to.community, **kwargs)
        self.resident = resident
        self.fields["number"].label = "迁回户号"
        self.fields["number"].initial = to.number
        if to.pk == resident.household_id:
            where = "默认为原户；也可以填写您管辖范围内的其他户。"
        else:
            # Offered from the 添加成员 page of ``to``: say so, and how to go back instead.
            where = f"已填入您正在添加成员的户；如回原户，请改为“{resident.household.number}”。"
        self.fields["number"].help_text = f"{where}已销户的户将恢复。"
        if "community" in self.fields:
            self.fields["community"].label = "所在社区"
        self.fields["relation"].initial = resident.relation
        self.fields["relation"].help_text = "迁回后与该户户主的关系。"
        if resident.status_date:
            self.fields["returned_on"].help_text = f"不能早于迁出日期（{resident.status_date:%Y-%m-%d}）。"
        self.order_fields(["number", "community", "relation", "returned_on"])

    def clean_returned_on(self) -> dt.date:
        on = self.cleaned_data["returned_on"]
        if on > timezone.localdate():
            raise ValidationError("迁回日期不能晚于今天。")
        if self.resident.status_date and on < self.resident.status_date:
            raise ValidationError(f"迁回日期不能早于迁出日期（{self.resident.status_date:%Y-%m-%d}）。")
        return on

    def clean(self):
        data = super().clean()
        self.target = self._find_target(data)
        return data


class LeaveForm(forms.Form):
    """迁出 (with its 去向) or 死亡, the date and why; who becomes 户主 if the head leaves."""

    status = forms.ChoiceField(
        label="登记事项",
        choices=[(LedgerStatus.MOVED_OUT, "迁出"), (LedgerStatus.DECEASED, "死亡")],
        widget=forms.RadioSelect,
    )
    on = forms.DateField(label="日期", widget=DATE, initial=dt.date.today)
    departure = forms.ChoiceField(
        label="去向", choices=[("", "请选择"), *Departure.choices], required=False, help_text="迁出时必填。"
    )
    departure_place = forms.CharField(
        label="迁往地", max_length=100, required=False, help_text="迁出时填写，例如：某区某社区、某市。"
    )
    reason = forms.CharField(
        label="原因", max_length=100, required=False, help_text="例如：购房搬迁、工作调动、投靠子女；病故。"
    )

    def __init__(self, *args, resident: Resident, **kwargs):
        super().__init__(*args, **kwargs)
        _add_new_head_field(self, resident)

    def clean_on(self) -> dt.date:
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise ValidationError("日期不能晚于今天。")
        return on

    def clean(self):
        data = super().clean()
        if data.get("status") == LedgerStatus.MOVED_OUT and not data.get("departure"):
            self.add_error("departure", "请选择迁出去向。")
        return data


class ChangeHeadForm(forms.Form):
    """更换户主: a member on the ledger becomes 户主; the present one takes another relation."""

    new_head = forms.ModelChoiceField(label="新户主", queryset=Resident.objects.none())
    former_head_relation = forms.ChoiceField(
        label="原户主与新户主的关系",
        choices=[("", "请选择"), *(c for c in Relation.choices if c[0] != Relation.HEAD)],
    )

    def __init__(self, *args, household: Household, present: Resident | None, **kwargs):
        super().__init__(*args, **kwargs)
        members = household.residents.active().exclude(relation=Relation.HEAD).order_by(*household_order())
        self.fields["new_head"].queryset = members
        self.fields["new_head"].label_from_instance = _member_label
        if present is None:
            del self.fields["former_head_relation"]
        else:
            self.fields["former_head_relation"].label = f"原户主{present.name}与新户主的关系"


class MergeForm(forms.Form):
    """合并疑似重复登记: which of the two records is the person's; the other is merged into it."""

    keep = forms.TypedChoiceField(
        label="保留哪条记录",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择要保留的记录。"},
    )

    def __init__(self, *args, first: Resident, second: Resident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [
            (r.pk, f"户号 {r.household.number}（{r.household.grid.name}）· 身份证号 {r.masked_id_number}")
            for r in (first, second)
        ]
        self.fields[
            "keep"
        ].help_text = "通常保留身份证号正确（18位新号）、信息更完整的一条；另一条将标记为“重复登记已合并”。"


class DismissDuplicateForm(forms.Form):
    """排除: the two records are two people, with the reason staff found."""

    reason = forms.CharField(
        label="排除理由",
        max_length=200,
        help_text="例如：经入户核实为同名同生日的两人。",
        error_messages={"required": "请填写排除理由。"},
    )
