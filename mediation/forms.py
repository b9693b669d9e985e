"""Mediation's forms: validation only, every queryset narrowed through ``grid.scope``."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from core.lists import ListFilterForm
from grid.models import OrgUnit
from grid.scope import scope_queryset
from residents.models import Ethnicity, Resident
from residents.pickers import choose_resident

from .actions import (
    scan_kind,
)
from .models import (
    CLOSED,
    COUNSEL_ROLES,
    OPEN,
    Agreement,
    Case,
    CaseStatus,
    Category,
    ClinicMode,
    ClinicSession,
    Department,
    JointDepartment,
    Mediator,
    Party,
    Performance,
    Risk,
    Side,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CaseFilterForm(ListFilterForm):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "案号、案由或当事人姓名", "type": "search"}),
    )
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部状态"), ("open", "办理中"), ("closed", "已结案"), *CaseStatus.choices],
    )
    category = forms.ChoiceField(label="类型", required=False, choices=[("", "全部类型"), *Category.choices])
    risk = forms.ChoiceField(label="风险", required=False, choices=[("", "全部风险"), *Risk.choices])
    factor = forms.ChoiceField(
        label="民族宗教因素",
        required=False,
        choices=[("", "不限"), ("ethnic", "涉及民族因素"), ("religious", "涉及宗教因素")],
    )
    overdue = forms.ChoiceField(label="逾期", required=False, choices=[("", "不限"), ("1", "已逾期")])
    grid = forms.ModelChoiceField(
        label="网格", queryset=OrgUnit.objects.none(), required=False, empty_label="全部网格"
    )
    mediator = forms.ModelChoiceField(
        label="调解员", queryset=Mediator.objects.none(), required=False, empty_label="全部调解员"
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        self.fields["grid"].queryset = scope_queryset(user, OrgUnit.objects.grids())
        self.fields["mediator"].queryset = scope_queryset(user, Mediator.objects.order_by("name", "pk"))


def cases_for(user, filters: dict):
    """The cases the list shows: in ``user``'s scope, filtered."""
    rows = scope_queryset(user, Case.objects.select_related("grid"))
    status = filters.get("status")
    if status == "open":
        rows = rows.filter(status__in=OPEN)
    elif status == "closed":
        rows = rows.filter(status__in=CLOSED)
    elif status:
        rows = rows.filter(status=status)
    for name in ("category", "risk"):
        if filters.get(name):
            rows = rows.filter(**{name: filters[name]})
    if filters.get("factor") == "ethnic":
        rows = rows.filter(ethnic_factor=True)
    elif filters.get("factor") == "religious":
        rows = rows.filter(religious_factor=True)
    if filters.get("overdue"):
        rows = rows.overdue()
    if filters.get("grid"):
        rows = rows.filter(grid=filters["grid"])
    if filters.get("mediator"):
        rows = rows.filter(mediators=filters["mediator"])
    if term := filters.get("q", "").strip():
        rows = rows.filter(
            Q(file_number__contains=term) | Q(title__contains=term) | Q(parties__name=term)
        ).distinct()
    return rows


SIDES = {"applicant": Side.APPLICANT, "respondent": Side.RESPONDENT}


class CaseForm(forms.ModelForm):
    """登记纠纷 from a phone: where, what, and the two sides (each a resident picked from the
    ledger, or a name typed for someone outside it)."""

    applicant = forms.ModelChoiceField(
        label="申请方（台账居民）", queryset=Resident.objects.none(), required=False
    )
    applicant_name = forms.CharField(label="申请方姓名（不在台账上时填写）", max_length=50, required=False)
    applicant_ethnicity = forms.ModelChoiceField(
        label="申请方民族", queryset=Ethnicity.objects.all(), required=False
    )
    applicant_phone = forms.CharField(label="申请方电话", max_length=20, required=False)
    respondent = forms.ModelChoiceField(
        label="被申请方（台账居民）", queryset=Resident.objects.none(), required=False
    )
    respondent_name = forms.CharField(label="被申请方姓名（不在台账上时填写）", max_length=50, required=False)
    respondent_ethnicity = forms.ModelChoiceField(
        label="被申请方民族", queryset=Ethnicity.objects.all(), required=False
    )
    respondent_phone = forms.CharField(label="被申请方电话", max_length=20, required=False)

    class Meta:
        model = Case
        fields = [
            "grid",
            "title",
            "category",
            "facts",
            "source",
            "risk",
            "ethnic_factor",
            "religious_factor",
            "reported_on",
            "clinic_session",
        ]
        widgets = {
            "reported_on": DATE,
            "facts": forms.Textarea(attrs={"rows": 4}),
            "clinic_session": forms.HiddenInput,
        }
        help_texts = {"title": "例如：楼上漏水纠纷、物业费纠纷。"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        grids = scope_queryset(user, OrgUnit.objects.grids())
        self.fields["grid"].queryset = grids
        if grids.count() == 1:
            self.fields["grid"].initial = grids.first().pk
        self.fields["reported_on"].initial = timezone.localdate()
        # Registered from a legal-clinic sitting's page: the sitting rides along, hidden.
        self.fields["clinic_session"].queryset = (
            scope_queryset(user, ClinicSession)
            if user.has_perm("mediation.view_clinicsession")
            else ClinicSession.objects.none()
        )
        for side in SIDES:
            choose_resident(self.fields[side], user)

    def parties(self) -> list[dict]:
        """The parties as ``mediation.actions.case_create`` takes them."""
        data = self.cleaned_data
        out = []
        for side, value in SIDES.items():
            if data.get(side):
                out.append({"resident": data[side], "side": value, "phone": data[f"{side}_phone"]})
            elif data.get(f"{side}_name", "").strip():
                out.append(
                    {
                        "name": data[f"{side}_name"].strip(),
                        "ethnicity": data[f"{side}_ethnicity"],
                        "phone": data[f"{side}_phone"],
                        "side": value,
                    }
                )
        return out

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.parties():
            raise forms.ValidationError("请至少选择或填写一名当事人。")
        return cleaned


class NoteForm(forms.Form):
    """A step with an optional note (受理, 开始调解, 调解成功)."""

    note = forms.CharField(
        label="说明", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(forms.Form):
    """A step that needs its reason (不予受理, 调解不成, 终止, 重新开启, 延期)."""

    reason = forms.CharField(label="理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class ReferForm(forms.Form):
    department = forms.ChoiceField(label="转办部门", choices=Department.choices)
    note = forms.CharField(
        label="说明", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class AssignForm(forms.Form):
    mediators = forms.ModelMultipleChoiceField(
        label="调解员", queryset=Mediator.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediators"].queryset = Mediator.objects.filter(community=case.community_id, active=True)


class SessionForm(forms.Form):
    held_on = forms.DateField(label="调解日期", widget=DATE)
    place = forms.CharField(label="调解地点", max_length=100)
    mediators = forms.ModelMultipleChoiceField(
        label="参加调解员",
        queryset=Mediator.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    parties = forms.ModelMultipleChoiceField(
        label="到场当事人", queryset=Party.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(label="调解情况", widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = timezone.localdate()
        self.fields["mediators"].queryset = Mediator.objects.filter(community=case.community_id, active=True)
        self.fields["parties"].queryset = case.parties.all()


class JointForm(forms.Form):
    departments = forms.MultipleChoiceField(
        label="联调部门",
        choices=JointDepartment.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="选择参加联合调解的部门；全部取消即不再作为联调案件。",
    )


# --- 法律诊所 -------------------------------------------------------------------------------


class ClinicFilterForm(ListFilterForm):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "地点、咨询事项或律师姓名", "type": "search"}),
    )
    mode = forms.ChoiceField(
        label="服务方式", required=False, choices=[("", "全部方式"), *ClinicMode.choices]
    )
    month = forms.CharField(
        label="月份", required=False, widget=forms.TextInput(attrs={"type": "month"}), max_length=7
    )

    def clean_month(self):
        value = self.cleaned_data["month"].strip()
        if not value:
            return ""
        try:
            year, month = (int(part) for part in value.split("-"))
            if not (2000 <= year <= 2100 and 1 <= month <= 12):
                raise ValueError
        except ValueError:
            raise forms.ValidationError("月份格式应为 2026-03。") from None
        return f"{year:04d}-{month:02d}"


def clinics_for(user, filters: dict):
    """The legal-clinic sittings the list shows: in ``user``'s scope, filtered."""
    rows = scope_queryset(user, ClinicSession.objects.select_related("community", "grid", "counsel"))
    if filters.get("mode"):
        rows = rows.filter(mode=filters["mode"])
    if filters.get("month"):
        year, month = (int(part) for part in filters["month"].split("-"))
        rows = rows.filter(held_on__year=year, held_on__month=month)
    if term := filters.get("q", "").strip():
        rows = rows.filter(
            Q(place__contains=term)
            | Q(topics__contains=term)
            | Q(counsel_name__contains=term)
            | Q(counsel__name=term)
        )
    return rows


class ClinicForm(forms.ModelForm):
    """法律诊所服务: the counsel is picked from the roster, or named when not on it."""

    community = forms.ModelChoiceField(label="社区", queryset=OrgUnit.objects.none())

    class Meta:
        model = ClinicSession
        fields = [
            "community",
            "mode",
            "held_on",
            "place",
            "grid",
            "counsel",
            "counsel_name",
            "counsel_organisation",
            "served",
            "minority_served",
            "topics",
        ]
        widgets = {"held_on": DATE, "topics": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "counsel_name": "名册上没有的律师或法律顾问，填写姓名和所在单位。",
            "topics": "例如：婚姻家庭、劳动争议、房屋租赁等咨询事项。",
            "grid": "到网格巡诊时选择；社区内坐诊可不选。",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        communities = scope_queryset(user, OrgUnit.objects.communities())
        if editing:
            del self.fields["community"]
            community_ids = [self.instance.community_id]
        else:
            self.fields["community"].queryset = communities
            if communities.count() == 1:
                self.fields["community"].initial = communities.first().pk
            self.fields["held_on"].initial = timezone.localdate()
            community_ids = list(communities.values_list("pk", flat=True))
        below = Q(pk__in=[])
        for community in OrgUnit.objects.filter(pk__in=community_ids):
            below |= Q(path__startswith=community.path)
        self.fields["grid"].queryset = scope_queryset(user, OrgUnit.objects.grids()).filter(below)
        self.fields["grid"].empty_label = "（社区内，不选网格）"
        self.fields["counsel"].queryset = scope_queryset(
            user, Mediator.objects.filter(role__in=COUNSEL_ROLES, community__in=community_ids, active=True)
        )
        self.fields["counsel"].empty_label = "（不在名册上，填写姓名）"

    def clean(self):
        cleaned = super().clean()
        served, minority = cleaned.get("served"), cleaned.get("minority_served")
        if served is not None and minority is not None and minority > served:
            self.add_error("minority_served", "其中少数民族人数不能超过服务人数。")
        if not cleaned.get("counsel") and not (cleaned.get("counsel_name") or "").strip():
            self.add_error("counsel_name", "请选择律师或法律顾问，或填写其姓名。")
        return cleaned

    def _post_clean(self):
        # The model's own checks run in the action (full_clean there); a new sitting has no
        # community on its instance until the action sets it.
        pass


class AgreementForm(forms.ModelForm):
    """调解协议书: what §29 asks beyond the parties' particulars (those come from the case)."""

    class Meta:
        model = Agreement
        fields = [
            "facts",
            "disputes",
            "responsibilities",
            "terms",
            "performance_method",
            "performance_place",
            "performance_deadline",
            "made_on",
        ]
        widgets = {
            "facts": forms.Textarea(attrs={"rows": 4}),
            "disputes": forms.Textarea(attrs={"rows": 3}),
            "responsibilities": forms.Textarea(attrs={"rows": 3}),
            "terms": forms.Textarea(attrs={"rows": 5}),
            "performance_deadline": DATE,
            "made_on": DATE,
        }
        help_texts = {
            "terms": "每条协议内容写一行，打印时逐条分段。",
            "performance_method": "例如：一次性支付维修费用、当面赔礼道歉。",
            "performance_place": "例如：社区调解室。",
        }


class ScanForm(forms.Form):
    scan = forms.FileField(
        label="签署后的协议书扫描件",
        help_text="PDF、JPG 或 PNG 格式。",
        error_messages={"required": "请选择签署后的协议书扫描件。", "empty": "上传的文件是空的。"},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    signed_on = forms.DateField(label="签署日期", widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_on"].initial = timezone.localdate()
        self.fields["scan"].help_text = f"PDF、JPG 或 PNG 格式，不超过 {settings.MEDIATION_SCAN_MAX_MB} MB。"

    def clean_scan(self):
        scan = self.cleaned_data["scan"]
        try:
            scan_kind(scan)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["scan"]) from None
        return scan


class FollowUpForm(forms.Form):
    visited_on = forms.DateField(label="回访日期", widget=DATE)
    performance = forms.ChoiceField(
        label="协议履行情况", choices=Performance.choices, widget=forms.RadioSelect
    )
    mediator = forms.ModelChoiceField(
        label="回访调解员", queryset=Mediator.objects.none(), required=False, empty_label="（不指定）"
    )
    note = forms.CharField(
        label="回访情况",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="协议未履行的须写明情况：案件将重新开启调解，本轮其余回访取消。",
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].initial = timezone.localdate()
        self.fields["mediator"].queryset = Mediator.objects.filter(community=case.community_id, active=True)
