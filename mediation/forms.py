"""Mediation's forms: validation only, every queryset narrowed through ``grid.scope``."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone

from core import registry
from core.lists import ListFilterForm
from core.widgets import PickerWidget
from grid.models import OrgUnit
from grid.scope import scope_queryset
from residents.models import Ethnicity, Resident
from residents.pickers import picker_label

from .models import CLOSED, OPEN, Case, CaseStatus, Category, Department, Mediator, Party, Risk, Side

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

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        self.fields["grid"].queryset = scope_queryset(user, OrgUnit.objects.grids())


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
    if term := filters.get("q", "").strip():
        rows = rows.filter(
            Q(file_number__contains=term) | Q(title__contains=term) | Q(parties__name=term)
        ).distinct()
    return rows


def _resident_label(resident: Resident) -> str:
    return picker_label(resident, timezone.localdate())


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
        ]
        widgets = {"reported_on": DATE, "facts": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"title": "例如：楼上漏水纠纷、物业费纠纷。"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        grids = scope_queryset(user, OrgUnit.objects.grids())
        self.fields["grid"].queryset = grids
        if grids.count() == 1:
            self.fields["grid"].initial = grids.first().pk
        self.fields["reported_on"].initial = timezone.localdate()
        residents = scope_queryset(user, Resident.objects.active().select_related("household__grid"))
        url = registry.picker_url_for("residents.Resident")
        for side in SIDES:
            field = self.fields[side]
            field.queryset = residents
            field.label_from_instance = _resident_label
            if url:
                field.widget = PickerWidget(url=url, params={"adults": "first"})
                field.widget.choices = field.choices
                field.widget.is_required = False

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
