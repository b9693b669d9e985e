"""Services' forms: validation only, every queryset narrowed through ``grid.scope``."""

from __future__ import annotations

from django import forms
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from core.lists import ListFilterForm
from grid.models import OrgLevel, OrgUnit
from grid.scope import scope_queryset
from residents.models import Ethnicity, Resident
from residents.pickers import choose_resident

from .models import (
    CLOSED,
    OPEN,
    Assistance,
    AssistanceKind,
    AssistanceStatus,
    Category,
    Channel,
    Department,
    Kind,
    MatterKind,
    MatterOrigin,
    MatterStatus,
    PracticalMatter,
    Satisfaction,
    ServiceItem,
    Ticket,
    TicketStatus,
    Window,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TicketFilterForm(ListFilterForm):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "排队号、申请人姓名或内容", "type": "search"}),
    )
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[
            ("", "全部状态"),
            ("open", "办理中（含受理）"),
            ("closed", "已办结（含退回、转办）"),
            *TicketStatus.choices,
        ],
    )
    channel = forms.ChoiceField(label="渠道", required=False, choices=[("", "全部渠道"), *Channel.choices])
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部类型"), *Kind.choices])
    category = forms.ChoiceField(
        label="事项类别", required=False, choices=[("", "全部类别"), *Category.choices]
    )
    overdue = forms.ChoiceField(label="逾期", required=False, choices=[("", "不限"), ("1", "已逾期")])
    window = forms.ModelChoiceField(
        label="窗口", queryset=Window.objects.none(), required=False, empty_label="全部窗口"
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        self.fields["window"].queryset = scope_queryset(user, Window.objects.select_related("community"))


def tickets_for(user, filters: dict):
    """The tickets the list shows: in ``user``'s scope, filtered."""
    rows = scope_queryset(user, Ticket.objects.select_related("item", "window", "unit"))
    status = filters.get("status")
    if status == "open":
        rows = rows.filter(status__in=OPEN)
    elif status == "closed":
        rows = rows.filter(status__in=CLOSED)
    elif status:
        rows = rows.filter(status=status)
    for name in ("channel", "kind"):
        if filters.get(name):
            rows = rows.filter(**{name: filters[name]})
    if filters.get("category"):
        rows = rows.filter(item__category=filters["category"])
    if filters.get("window"):
        rows = rows.filter(window=filters["window"])
    if filters.get("overdue"):
        rows = rows.overdue()
    if term := filters.get("q", "").strip():
        rows = rows.filter(Q(queue_code=term.upper()) | Q(applicant_name=term) | Q(subject__contains=term))
    return rows


class ApplicantFields(forms.Form):
    """The applicant: a resident picked from the ledger, or a walk-in's name, 民族 and phone."""

    resident = forms.ModelChoiceField(
        label="申请人（台账居民）", queryset=Resident.objects.none(), required=False
    )
    applicant_name = forms.CharField(label="申请人姓名（不在台账上时填写）", max_length=50, required=False)
    applicant_ethnicity = forms.ModelChoiceField(
        label="民族", queryset=Ethnicity.objects.all(), required=False
    )
    applicant_phone = forms.CharField(label="联系电话", max_length=20, required=False)

    def _narrow_applicant(self, user) -> None:
        choose_resident(self.fields["resident"], user)

    def applicant(self) -> dict:
        data = self.cleaned_data
        if data.get("resident"):
            return {"resident": data["resident"], "applicant_phone": data.get("applicant_phone", "")}
        return {
            "resident": None,
            "applicant_name": data.get("applicant_name", "").strip(),
            "applicant_ethnicity": data.get("applicant_ethnicity"),
            "applicant_phone": data.get("applicant_phone", ""),
        }


def _items():
    return ServiceItem.objects.filter(active=True).order_by("category", "name")


class TicketForm(ApplicantFields):
    """登记办件 from a channel other than the queue: 信访, 热线, 网格上报, 线上 (or a window
    without a number)."""

    channel = forms.ChoiceField(label="渠道", choices=Channel.choices, initial=Channel.HOTLINE)
    kind = forms.ChoiceField(label="类型", choices=Kind.choices, initial=Kind.REQUEST)
    unit = forms.ModelChoiceField(label="所属社区或网格", queryset=OrgUnit.objects.none())
    window = forms.ModelChoiceField(label="窗口", queryset=Window.objects.none(), required=False)
    item = forms.ModelChoiceField(label="事项", queryset=ServiceItem.objects.none(), required=False)
    subject = forms.CharField(label="内容摘要", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
    received_on = forms.DateField(label="登记日期", widget=DATE)

    field_order = ["channel", "kind", "unit", "window", "item", "subject", "received_on"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = scope_queryset(user, OrgUnit.objects.filter(level__in=[OrgLevel.COMMUNITY, OrgLevel.GRID]))
        self.fields["unit"].queryset = units.order_by("path")
        if units.count() == 1:
            self.fields["unit"].initial = units.first().pk
        self.fields["window"].queryset = scope_queryset(user, Window.objects.filter(active=True))
        self.fields["item"].queryset = _items()
        self.fields["received_on"].initial = timezone.localdate()
        self._narrow_applicant(user)

    def ticket_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "channel": data["channel"],
            "kind": data["kind"],
            "window": data.get("window"),
            "item": data.get("item"),
            "subject": data["subject"],
            "received_on": data["received_on"],
            **self.applicant(),
        }


class RecordForm(ApplicantFields):
    """The desk's one form for the person at the window: what, who, and then 受理 or 答复."""

    kind = forms.ChoiceField(label="类型", choices=Kind.choices)
    item = forms.ModelChoiceField(label="事项", queryset=ServiceItem.objects.none(), required=False)
    subject = forms.CharField(label="内容摘要", max_length=300, required=False)

    field_order = [
        "kind",
        "item",
        "resident",
        "applicant_name",
        "applicant_ethnicity",
        "applicant_phone",
        "subject",
    ]

    def __init__(self, *args, user, window: Window | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        items = _items()
        labels = {str(label): value for value, label in Category.choices}
        wanted = [
            labels[c.strip()]
            for c in (window.categories if window else "").split("、")
            if c.strip() in labels
        ]
        if wanted:
            # The window's own categories first; any item stays possible.
            own = Case(When(category__in=wanted, then=Value(0)), default=Value(1))
            items = items.annotate(own=own).order_by("own", "category", "name")
        self.fields["item"].queryset = items
        self._narrow_applicant(user)


class NoteForm(forms.Form):
    note = forms.CharField(
        label="说明", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class ResultForm(forms.Form):
    result = forms.CharField(
        label="办理结果", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReferForm(forms.Form):
    department = forms.ChoiceField(label="转办部门", choices=Department.choices)
    note = forms.CharField(
        label="说明", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class RateForm(forms.Form):
    satisfaction = forms.ChoiceField(label="满意度", choices=Satisfaction.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label="评价意见", required=False, max_length=200)


# --- 帮扶 and 实事 / 微心愿 ---------------------------------------------------------------------


class ResidentPick(forms.Form):
    """One resident of the person's scope, through the ledger's picker."""

    resident = forms.ModelChoiceField(label="居民", queryset=Resident.objects.none())

    def _narrow_resident(self, user) -> None:
        choose_resident(self.fields["resident"], user)


class AssistanceForm(ResidentPick):
    kind = forms.ChoiceField(label="帮扶类型", choices=AssistanceKind.choices)
    whole_household = forms.BooleanField(
        label="帮扶整户",
        required=False,
        help_text="低保、临时救助等以户为单位时勾选，帮扶对象选户主或任一成员",
    )
    started_on = forms.DateField(label="帮扶日期", widget=DATE)
    identified_on = forms.DateField(
        label="就业援助对象认定日期", widget=DATE, required=False, help_text="仅就业援助填写；空为帮扶日期"
    )
    measures = forms.CharField(label="帮扶措施", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    amount = forms.DecimalField(
        label="金额（元）", max_digits=10, decimal_places=2, min_value=0, required=False
    )

    field_order = ["kind", "resident", "whole_household", "started_on", "identified_on", "measures", "amount"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].label = "帮扶对象（台账居民）"
        self._narrow_resident(user)
        self.fields["started_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("whole_household") and data.get("kind") == AssistanceKind.EMPLOYMENT:
            self.add_error("whole_household", "就业援助的对象是个人，不能帮扶整户。")
        return data

    def assistance_fields(self) -> dict:
        data = self.cleaned_data
        resident = data["resident"]
        whole = data.get("whole_household")
        return {
            "kind": data["kind"],
            "resident": None if whole else resident,
            "household": resident.household if whole else None,
            "started_on": data["started_on"],
            "identified_on": data.get("identified_on"),
            "measures": data["measures"],
            "amount": data.get("amount"),
        }


class PlacementForm(forms.Form):
    placement = forms.CharField(label="就业去向", max_length=100, help_text="就业的单位或岗位")
    on = forms.DateField(label="就业日期", widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class AssistanceFilterForm(ListFilterForm):
    kind = forms.ChoiceField(
        label="帮扶类型", choices=[("", "全部类型"), *AssistanceKind.choices], required=False
    )
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部状态"), *AssistanceStatus.choices], required=False
    )


def assistance_for(user, filters: dict):
    rows = scope_queryset(
        user,
        Assistance.objects.select_related("unit", "resident", "household"),
    )
    if filters.get("kind"):
        rows = rows.filter(kind=filters["kind"])
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    return rows


class MatterForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=MatterKind.choices)
    title = forms.CharField(label="事项", max_length=100, help_text="例如：加装楼道扶手、为独居老人更换水管")
    description = forms.CharField(
        label="具体内容", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    unit = forms.ModelChoiceField(label="所属社区或网格", queryset=OrgUnit.objects.none())
    origin = forms.ChoiceField(label="来源", choices=MatterOrigin.choices)
    raised_on = forms.DateField(label="提出日期", widget=DATE)
    owner = forms.CharField(label="责任人（单位）", max_length=50)
    due_on = forms.DateField(label="完成时限", widget=DATE)
    beneficiary_count = forms.IntegerField(label="受益人数", min_value=0, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = scope_queryset(user, OrgUnit.objects.filter(level__in=[OrgLevel.COMMUNITY, OrgLevel.GRID]))
        self.fields["unit"].queryset = units.order_by("path")
        if units.count() == 1:
            self.fields["unit"].initial = units.first().pk
        self.fields["raised_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("due_on") and data.get("raised_on") and data["due_on"] < data["raised_on"]:
            self.add_error("due_on", "完成时限不能早于提出日期。")
        return data

    def matter_fields(self) -> dict:
        data = self.cleaned_data
        names = ("kind", "title", "description", "origin", "raised_on", "owner", "due_on")
        return {
            **{name: data[name] for name in names},
            "beneficiary_count": data.get("beneficiary_count") or 0,
        }


class MatterResultForm(forms.Form):
    result = forms.CharField(label="办理结果", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    on = forms.DateField(label="办结日期", widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class BeneficiaryForm(ResidentPick):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].label = "受益居民"
        self._narrow_resident(user)


class MatterFilterForm(ListFilterForm):
    kind = forms.ChoiceField(label="类别", choices=[("", "全部类别"), *MatterKind.choices], required=False)
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部状态"), *MatterStatus.choices], required=False
    )
    overdue = forms.ChoiceField(label="逾期", required=False, choices=[("", "不限"), ("1", "已逾期")])


def matters_for(user, filters: dict):
    rows = scope_queryset(user, PracticalMatter.objects.select_related("unit"))
    if filters.get("kind"):
        rows = rows.filter(kind=filters["kind"])
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    if filters.get("overdue"):
        rows = rows.overdue()
    return rows
